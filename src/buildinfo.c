/* buildinfo.c - see buildinfo.h. Library versions are asked of the
 * libraries at run time where they can say, so that the line shows what
 * is loaded, not what was compiled against. */
#include "buildinfo.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <libconfig.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <sys/utsname.h>
#include <yaml.h>
#include <zlib.h>

#ifndef DOKS_VERSION
#define DOKS_VERSION "0.0.0"
#endif
#ifndef DOKS_REVISION
#define DOKS_REVISION "unknown"
#endif
#ifndef DOKS_BUILD_DATE
#define DOKS_BUILD_DATE "unknown"
#endif

void buildinfo_print(FILE *out)
{
	struct utsname u;
	const char *machine = uname(&u) == 0 ? u.machine : "unknown";
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
	fprintf(out,
		"doks_exporter, version %s (revision: %s)\n"
		"  build date:       %s\n"
		"  compiler:         %s\n"
		"  platform:         linux/%s\n"
		"  libcurl:          %s (%s)\n"
		"  libmicrohttpd:    %s\n"
		"  cJSON:            %s\n"
		"  libconfig:        %d.%d.%d\n"
		"  libyaml:          %s\n"
		"  GnuTLS:           %s\n"
		"  OpenSSL:          %s\n"
		"  zlib:             %s\n",
		DOKS_VERSION, DOKS_REVISION, DOKS_BUILD_DATE,
#ifdef __clang__
		"clang " __clang_version__,
#else
		"gcc " __VERSION__,
#endif
		machine, curl->version, curl->ssl_version ? curl->ssl_version : "no TLS",
		MHD_get_version(), cJSON_Version(), LIBCONFIG_VER_MAJOR, LIBCONFIG_VER_MINOR,
		LIBCONFIG_VER_REVISION, yaml_get_version_string(), gnutls_check_version(NULL),
		OpenSSL_version(OPENSSL_VERSION), zlibVersion());
}
