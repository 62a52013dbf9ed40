/* server.h - the HTTP server (libmicrohttpd): the telemetry path, a
 * landing page at /, /-/healthy and /-/ready.
 *
 * Scrapes never wait on the network: they send the latest snapshot.
 */
#ifndef DOKS_SERVER_H
#define DOKS_SERVER_H

#include "err.h"

struct settings;
struct server;
struct webconfig;

/* Binds web.listen_address and serves on libmicrohttpd's threads, with
 * TLS and basic authentication as web says (NULL: plain HTTP, no auth).
 * settings and web are kept until server_stop; once serving, the TLS key
 * PEM of web is wiped (webconfig_tls_forget_key). *out is owned
 * (server_stop). */
enum err server_start(const struct settings *settings, struct webconfig *web,
		      struct server **out);

/* Stops serving, waits for in-flight requests, frees. Accepts NULL. */
void server_stop(struct server *s);

#endif
