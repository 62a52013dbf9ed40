/* webconfig.h - the web configuration file that Prometheus exporters share
 * (exporter-toolkit's --web.config.file, YAML): TLS for the HTTP server
 * and HTTP basic authentication with bcrypt hashes.
 *
 * Loaded once at start on the main thread; read-only afterwards, and read
 * by libmicrohttpd's threads through server.c.
 */
#ifndef DOKS_WEBCONFIG_H
#define DOKS_WEBCONFIG_H

#include "err.h"

struct webconfig;

/* Reads and checks the file at path. On error logs what was wrong, naming
 * the file and line, and returns ERR_CONFIG. *out is owned
 * (webconfig_free). */
enum err webconfig_load(const char *path, struct webconfig **out);

/* Accepts NULL; wipes the key material it held. */
void webconfig_free(struct webconfig *w);

#endif
