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

/* Written by the Makefile under $(BUILD)/gen, and included here alone:
 * a new revision rebuilds this file and nothing else. */
#include "buildversion.h"

const char *buildinfo_version(void)
{
	return BUILDINFO_VERSION;
}

const char *buildinfo_revision(void)
{
	return BUILDINFO_REVISION;
}

const char *buildinfo_build_date(void)
{
	return BUILDINFO_BUILD_DATE;
}

const char *buildinfo_user_agent(void)
{
	return "doks_exporter/" BUILDINFO_VERSION;
}

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
		BUILDINFO_VERSION, BUILDINFO_REVISION, BUILDINFO_BUILD_DATE,
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
