/* server.c - libmicrohttpd front end.
 *
 * Runs on libmicrohttpd's threads. The telemetry path hands the snapshot's
 * bytes to libmicrohttpd as an I/O vector, with a free callback that
 * releases the reference: nothing of the body is copied or formatted per
 * scrape, only the few process_* lines. The server only reads snapshot.c
 * and never blocks on the poller.
 */
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "settings.h"
#include "snapshot.h"

#ifndef DOKS_VERSION
#define DOKS_VERSION "0.0.0"
#endif

#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define PROCESS_TEXT_MAX 1024

struct server {
	const struct settings *settings;
	struct MHD_Daemon *daemon;
	double start_time;
	char landing[2048];
};

/* What one /metrics answer holds on to until libmicrohttpd is done. */
struct scrape {
	struct snapshot *snap; /* a held reference, or NULL */
	char process[PROCESS_TEXT_MAX];
};

static void scrape_done(void *cls)
{
	struct scrape *sc = cls;
	snapshot_release(sc->snap);
	free(sc);
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *type,
				 const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_metrics(struct server *s, struct MHD_Connection *c)
{
	struct scrape *sc = malloc(sizeof *sc);
	if (!sc)
		return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", "out of memory\n");
	sc->snap = snapshot_acquire();
	struct process_stats ps = { .start_time = s->start_time };
	metrics_read_process(&ps);
	size_t plen = metrics_render_process(&ps, sc->process, sizeof sc->process);
	struct MHD_IoVec iov[2];
	unsigned n = 0;
	if (sc->snap) {
		iov[n].iov_base = snapshot_body(sc->snap);
		iov[n].iov_len = snapshot_len(sc->snap);
		n++;
	}
	iov[n].iov_base = sc->process;
	iov[n].iov_len = plen;
	n++;
	struct MHD_Response *r = MHD_create_response_from_iovec(iov, n, scrape_done, sc);
	if (!r) {
		scrape_done(sc);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_METRICS);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	(void)version, (void)upload_data;
	struct server *s = cls;
	/* first call: headers only; answer on it, refusing any body */
	if (*con_cls == NULL) {
		static int first;
		*con_cls = &first;
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
					 "method not allowed\n");
		if (strcmp(url, settings_telemetry_path(s->settings)) == 0)
			return send_metrics(s, c);
		if (strcmp(url, "/") == 0)
			return send_text(c, MHD_HTTP_OK, "text/html; charset=utf-8", s->landing);
		if (strcmp(url, "/-/healthy") == 0)
			return send_text(c, MHD_HTTP_OK, "text/plain", "Healthy\n");
		if (strcmp(url, "/-/ready") == 0)
			return snapshot_ready() ?
				       send_text(c, MHD_HTTP_OK, "text/plain", "Ready\n") :
				       send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
						 "Not ready: the first poll cycle has not finished\n");
		return send_text(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n");
	}
	*upload_data_size = 0; /* a body sent with GET is ignored */
	return MHD_YES;
}

static void log_panic(void *cls, const char *file, unsigned line, const char *reason)
{
	(void)cls;
	char l[16];
	snprintf(l, sizeof l, "%u", line);
	log_error("libmicrohttpd failed", "file", file, "line", l, "err", reason);
	abort();
}

enum err server_start(const struct settings *settings, const struct webconfig *web,
		      struct server **out)
{
	(void)web;
	char host[256];
	unsigned port;
	if (!settings_parse_listen_address(settings_listen_address(settings), host, sizeof host,
					   &port))
		return ERR_CONFIG;
	struct server *s = calloc(1, sizeof *s);
	if (!s)
		return ERR_NOMEM;
	s->settings = settings;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	s->start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	snprintf(s->landing, sizeof s->landing,
		 "<!DOCTYPE html>\n<html><head><title>DOKS Exporter</title></head>\n<body>\n"
		 "<h1>DOKS Exporter</h1>\n<p>Prometheus exporter for DigitalOcean Kubernetes, "
		 "version %s.</p>\n<ul>\n<li><a href=\"%s\">Metrics</a></li>\n"
		 "<li><a href=\"/-/healthy\">Health</a></li>\n<li><a href=\"/-/ready\">Readiness</a></li>\n"
		 "</ul>\n</body></html>\n",
		 DOKS_VERSION, settings_telemetry_path(settings));

	MHD_set_panic_func(log_panic, NULL);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (host[0] == '\0') {
		flags |= MHD_USE_DUAL_STACK;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_any;
		a6->sin6_port = htons((uint16_t)port);
	} else {
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
					  .ai_flags = AI_PASSIVE };
		struct addrinfo *res = NULL;
		int gai = getaddrinfo(host, NULL, &hints, &res);
		if (gai != 0 || !res) {
			log_error("cannot resolve the listen address", "address",
				  settings_listen_address(settings), "err", gai_strerror(gai));
			free(s);
			return ERR_CONFIG;
		}
		memcpy(&ss, res->ai_addr, res->ai_addrlen);
		if (res->ai_family == AF_INET6) {
			flags |= MHD_USE_IPv6;
			((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		} else {
			((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		}
		freeaddrinfo(res);
	}
	/* a thread pool and limits, so that one slow client cannot starve the rest */
	s->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, s,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				     MHD_OPTION_THREAD_POOL_SIZE, 2u,
				     MHD_OPTION_CONNECTION_LIMIT, 128u,
				     MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64u,
				     MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				     MHD_OPTION_END);
	if (!s->daemon) {
		log_error("cannot listen", "address", settings_listen_address(settings),
			  "err", "address in use, not permitted, or not available");
		free(s);
		return ERR_IO;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	char bound[300];
	snprintf(bound, sizeof bound, "%s%s%s:%u", strchr(host, ':') ? "[" : "", host,
		 strchr(host, ':') ? "]" : "", info ? (unsigned)info->port : port);
	log_info("listening", "address", bound, "telemetry_path",
		 settings_telemetry_path(settings));
	*out = s;
	return ERR_OK;
}

void server_stop(struct server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	free(s);
}
