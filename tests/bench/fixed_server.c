/* fixed_server.c - the limit for serving /metrics on this machine.
 *
 * A minimal libmicrohttpd server with the same daemon options as
 * src/server.c (internal polling thread, a pool of 2 threads, the same
 * connection limits and time-out) that answers every GET with the bytes of
 * a file, read once at start, and the same headers as the exporter's
 * /metrics. With a second file, a client whose Accept-Encoding names gzip
 * gets that file's bytes instead, with Content-Encoding: gzip. Nothing is
 * copied, formatted or read per request.
 *
 *   fixed_server PORT_FILE PLAIN_FILE [GZIP_FILE]
 *
 * Listens on 127.0.0.1, on a free port written to PORT_FILE once it
 * listens; stops on SIGINT or SIGTERM.
 *
 * Build: cc -std=c17 -D_POSIX_C_SOURCE=200809L -O2 fixed_server.c \
 *          $(pkg-config --cflags --libs libmicrohttpd)
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"

struct body {
	char *bytes;
	size_t len;
};

static struct body plain, gz;
static int first_call;

static int read_file(const char *path, struct body *b)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 1 << 16;
	b->bytes = malloc(cap);
	b->len = 0;
	while (b->bytes) {
		size_t n = fread(b->bytes + b->len, 1, cap - b->len, f);
		b->len += n;
		if (b->len < cap)
			break;
		cap *= 2;
		char *nb = realloc(b->bytes, cap);
		if (!nb)
			free(b->bytes);
		b->bytes = nb;
	}
	int bad = ferror(f) || !b->bytes;
	fclose(f);
	return bad ? -1 : 0;
}

static int wants_gzip(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	return h && strstr(h, "gzip") != NULL;
}

static enum MHD_Result answer(struct MHD_Connection *c)
{
	int use_gz = gz.bytes && wants_gzip(c);
	const struct body *b = use_gz ? &gz : &plain;
	struct MHD_Response *r =
		MHD_create_response_from_buffer(b->len, b->bytes, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_METRICS);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (use_gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	(void)cls, (void)url, (void)method, (void)version, (void)upload_data;
	static int seen;
	if (*con_cls == NULL) {
		/* first call: the headers only */
		*con_cls = &seen;
		return first_call ? answer(c) : MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0; /* a body is read and ignored */
		return MHD_YES;
	}
	/* the request is complete (never reached after a first-call answer) */
	return answer(c);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--first-call") == 0) {
		first_call = 1;
		argv++;
		argc--;
	}
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: fixed_server [--first-call] PORT_FILE PLAIN_FILE [GZIP_FILE]\n");
		return 2;
	}
	if (read_file(argv[2], &plain) != 0 || (argc == 4 && read_file(argv[3], &gz) != 0)) {
		fprintf(stderr, "fixed_server: cannot read the body files\n");
		return 1;
	}
	/* signals are taken by sigwait below, in this thread only */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, 2u,
		MHD_OPTION_CONNECTION_LIMIT, 128u,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64u,
		MHD_OPTION_CONNECTION_TIMEOUT, 10u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "fixed_server: cannot listen\n");
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
	FILE *pf = fopen(tmp, "w");
	if (!pf || !info || fprintf(pf, "%u\n", (unsigned)info->port) < 0 || fclose(pf) != 0 ||
	    rename(tmp, argv[1]) != 0) {
		fprintf(stderr, "fixed_server: cannot write the port file\n");
		MHD_stop_daemon(d);
		return 1;
	}
	int sig;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	free(plain.bytes);
	free(gz.bytes);
	return 0;
}
