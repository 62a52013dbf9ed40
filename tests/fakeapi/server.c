/*
 * server.c: answers HTTP requests as the DigitalOcean Kubernetes API would,
 * plus the faults a scenario asks for.
 *
 * Threads: libmicrohttpd runs one thread per connection; every callback
 * here runs on such a thread, except server_start/swap/stop (main thread).
 * Handlers may sleep (delays, "never", "stall_body"), but only in short
 * steps that watch the quit flag and the peer, so shutdown stays quick.
 * Never logs or echoes the Authorization header's value.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "bodies.h"

#define SERVER_CONNECTION_LIMIT 256
#define SERVER_IDLE_TIMEOUT_S 60
#define SERVER_POLL_MS 20
#define SERVER_STALL_BYTES 10
#define SERVER_STREAM_BLOCK (32 * 1024)
#define SERVER_PAGE_MAX 1000000000L
/* 422: libmicrohttpd renamed its constant between versions */
#define SERVER_UNPROCESSABLE 422

#define API_PREFIX "/v2/kubernetes/"
#define JSON_TYPE "application/json; charset=utf-8"

/* A loaded scenario and the counters that change while it is served. */
struct live {
	struct scenario *sc;   /* owned */
	unsigned refs;         /* the server's own + one per request */
	unsigned long *used;   /* per fault: how many times it applied */
	long long remaining;   /* ratelimit-remaining of the next request */
	uint64_t chaos_seq;    /* requests that reached the chaos draw */
	unsigned long chaos_served[CHAOS_NMODES]; /* faults chaos applied */
};

struct server {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;  /* guards cur, generation, and every live's
				  refs, used, remaining and chaos_* */
	struct live *cur;
	unsigned long generation;
	pthread_mutex_t log_lock; /* guards writes to log */
	FILE *log;             /* kept; NULL: no request log */
	atomic_ulong requests; /* requests logged (or that would be) */
	char self_host[64];    /* Host for links when a client sends none */
};

/* Set once by server_stop; every sleeping handler polls it. */
static atomic_bool quit;

/* One HTTP request, from its request line to its completion. */
struct request {
	struct server *srv;
	char *target;          /* raw request target, path?query; owned */
	struct live *live;     /* counted reference, from the first call */
	long long remaining;   /* ratelimit-remaining of this answer */
	bool started;
	bool control;          /* a /__fake/ path: not logged, no auth */
};

/* An answer being put together. */
struct reply {
	unsigned status;
	struct body body;      /* owned */
	const char *type;      /* Content-Type, static */
};

/* A streamed body, for the modes that misbehave mid-body. */
struct stream {
	enum fault_mode mode;
	struct body body;      /* owned; stall_body and reset */
	size_t cut;            /* stall_body, reset: bytes sent before */
	uint64_t size;         /* oversize */
	int fd;                /* the connection's socket, to see it close */
};

struct hdr {
	const char *name;
	const char *value;
};

static void live_free(struct live *l)
{
	if (l == NULL)
		return;
	scenario_free(l->sc);
	free(l->used);
	free(l);
}

/* Takes sc, even on failure. */
static struct live *live_new(struct scenario *sc)
{
	struct live *l = calloc(1, sizeof(*l));

	if (l == NULL || (l->used = calloc(sc->nfaults + 1,
					   sizeof(*l->used))) == NULL) {
		free(l);
		scenario_free(sc);
		return NULL;
	}
	l->sc = sc;
	l->refs = 1;
	l->remaining = sc->rl_remaining;
	return l;
}

static void live_release(struct server *srv, struct live *l)
{
	bool last;

	if (l == NULL)
		return;
	pthread_mutex_lock(&srv->lock);
	last = --l->refs == 0;
	pthread_mutex_unlock(&srv->lock);
	if (last)
		live_free(l);
}

/* ---- waiting without holding up shutdown ---- */

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Waits up to ms; true when the peer has closed its side. */
static bool peer_closed(int fd, long ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char c;
	ssize_t n;

	if (fd < 0) {
		nap(ms);
		return false;
	}
	if (poll(&p, 1, (int)ms) <= 0)
		return false;
	if (p.revents & POLLIN) {
		n = recv(fd, &c, 1, MSG_PEEK);
		if (n == 0)
			return true;
		if (n < 0)
			return errno != EAGAIN && errno != EWOULDBLOCK &&
			       errno != EINTR;
		/* A pipelined request waits its turn; do not spin on it. */
		nap(ms);
		return false;
	}
	return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	/* in nanoseconds first: dividing a negative nanosecond difference
	 * alone would round toward zero and end a delay early */
	long long ns = (long long)(now.tv_sec - since->tv_sec) * 1000000000LL +
		       (now.tv_nsec - since->tv_nsec);
	return (long)(ns / 1000000);
}

/*
 * Sleeps ms (forever when negative) in short steps. True when the time ran
 * out; false as soon as the server is quitting or the peer went away.
 */
static bool wait_ms(long ms, int fd)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		long step = SERVER_POLL_MS;

		if (atomic_load(&quit))
			return false;
		if (ms >= 0) {
			long left = ms - elapsed_ms(&start);

			if (left <= 0)
				return true;
			if (left < step)
				step = left;
		}
		if (peer_closed(fd, step))
			return false;
	}
}

static int connection_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	return ci != NULL ? (int)ci->connect_fd : -1;
}

/* ---- the request log ---- */

/* Tabs and line breaks would break the log's columns. */
static void put_field(FILE *f, const char *s, size_t n)
{
	size_t i;

	if (s == NULL || n == 0) {
		fputc('-', f);
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, f);
	}
}

static const char *auth_state(struct MHD_Connection *conn,
			      const struct scenario *sc)
{
	const char *got = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_AUTHORIZATION);

	if (got == NULL)
		return "missing";
	if (strncmp(got, "Bearer ", 7) == 0 && strcmp(got + 7, sc->token) == 0)
		return "ok";
	return "bad";
}

static void log_request(struct server *srv, struct MHD_Connection *conn,
			const char *method, const char *target,
			const char *auth)
{
	const char *q = strchr(target, '?');
	size_t path_len = q != NULL ? (size_t)(q - target) : strlen(target);
	const char *ua = MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);

	atomic_fetch_add(&srv->requests, 1);
	if (srv->log == NULL)
		return;
	pthread_mutex_lock(&srv->log_lock);
	put_field(srv->log, method, strlen(method));
	fputc('\t', srv->log);
	put_field(srv->log, target, path_len);
	fputc('\t', srv->log);
	put_field(srv->log, q != NULL ? q + 1 : NULL,
		  q != NULL ? strlen(q + 1) : 0);
	fputc('\t', srv->log);
	fputs(auth, srv->log);
	fputc('\t', srv->log);
	put_field(srv->log, ua, ua != NULL ? strlen(ua) : 0);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	fprintf(srv->log, "\t%lld.%03ld\n", (long long)now.tv_sec, now.tv_nsec / 1000000L);
	fflush(srv->log);
	pthread_mutex_unlock(&srv->log_lock);
}

/* ---- sending ---- */

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;

	if (st->mode == FAULT_MODE_OVERSIZE) {
		uint64_t left;

		if (pos >= st->size)
			return MHD_CONTENT_READER_END_OF_STREAM;
		left = st->size - pos;
		if (max > left)
			max = (size_t)left;
		bodies_filler(buf, pos, max);
		return (ssize_t)max;
	}
	if (pos < st->cut) {
		size_t n = st->cut - (size_t)pos;

		if (n > max)
			n = max;
		memcpy(buf, st->body.data + pos, n);
		return (ssize_t)n;
	}
	if (st->mode == FAULT_MODE_STALL_BODY)
		wait_ms(-1, st->fd);
	/* reset, or a stall that ended: drop the connection mid-body */
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	free(st->body.data);
	free(st);
}

/* Adds ours, then extra (borrowed) ones that replace ours by name. */
static bool add_headers(struct MHD_Response *resp, const struct hdr *ours,
			size_t nours, const struct fault *f)
{
	size_t i, j;

	for (i = 0; i < nours; i++) {
		bool replaced = false;

		for (j = 0; f != NULL && j < f->nheaders; j++)
			if (strcasecmp(ours[i].name, f->headers[j].name) == 0)
				replaced = true;
		if (!replaced &&
		    MHD_add_response_header(resp, ours[i].name,
					    ours[i].value) != MHD_YES)
			return false;
	}
	for (j = 0; f != NULL && j < f->nheaders; j++) {
		if (MHD_add_response_header(resp, f->headers[j].name,
					    f->headers[j].value) != MHD_YES)
			fprintf(stderr, "fakeapi: header \"%s\" refused\n",
				f->headers[j].name);
	}
	return true;
}

/*
 * Sends r (its body is taken) with the API's headers and f's (may be NULL)
 * overrides; streams it when f's mode asks for it.
 */
static enum MHD_Result send_reply(struct MHD_Connection *conn,
				  const struct request *rq, struct reply *r,
				  const struct fault *f, const char *allow)
{
	const struct scenario *sc = rq->live->sc;
	char limit[24], remaining[24], reset[24];
	struct hdr hs[5];
	size_t nh = 0;
	struct MHD_Response *resp;
	enum fault_mode mode = f != NULL ? f->mode : FAULT_MODE_NONE;
	enum MHD_Result ret;

	snprintf(limit, sizeof(limit), "%lld", sc->rl_limit);
	snprintf(remaining, sizeof(remaining), "%lld", rq->remaining);
	snprintf(reset, sizeof(reset), "%lld", sc->rl_reset);
	hs[nh++] = (struct hdr){ MHD_HTTP_HEADER_CONTENT_TYPE, r->type };
	hs[nh++] = (struct hdr){ "ratelimit-limit", limit };
	hs[nh++] = (struct hdr){ "ratelimit-remaining", remaining };
	hs[nh++] = (struct hdr){ "ratelimit-reset", reset };
	if (allow != NULL)
		hs[nh++] = (struct hdr){ MHD_HTTP_HEADER_ALLOW, allow };

	if (mode == FAULT_MODE_STALL_BODY || mode == FAULT_MODE_RESET ||
	    mode == FAULT_MODE_OVERSIZE) {
		struct stream *st = calloc(1, sizeof(*st));
		uint64_t declared;

		if (st == NULL) {
			free(r->body.data);
			return MHD_NO;
		}
		st->mode = mode;
		st->body = r->body;
		st->fd = connection_fd(conn);
		if (mode == FAULT_MODE_OVERSIZE) {
			free(st->body.data);
			st->body.data = NULL;
			st->size = f->size;
			declared = f->chunked ? MHD_SIZE_UNKNOWN : f->size;
		} else {
			size_t len = st->body.len;

			if (mode == FAULT_MODE_RESET)
				st->cut = len / 2;
			else
				st->cut = len > SERVER_STALL_BYTES ?
					  SERVER_STALL_BYTES :
					  (len > 0 ? len - 1 : 0);
			declared = len;
		}
		resp = MHD_create_response_from_callback(
			declared, SERVER_STREAM_BLOCK, stream_read, st,
			stream_free);
		if (resp == NULL) {
			stream_free(st);
			return MHD_NO;
		}
	} else {
		resp = MHD_create_response_from_buffer_with_free_callback(
			r->body.len, r->body.data, free);
		if (resp == NULL) {
			free(r->body.data);
			return MHD_NO;
		}
	}
	r->body.data = NULL;
	if (!add_headers(resp, hs, nh, f)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Sends an error body for status. */
static enum MHD_Result send_error(struct MHD_Connection *conn,
				  const struct request *rq, unsigned status,
				  const char *allow)
{
	struct reply r = { status, { NULL, 0 }, JSON_TYPE };

	if (!bodies_error((int)status, &r.body))
		return MHD_NO;
	return send_reply(conn, rq, &r, NULL, allow);
}

/* A control answer: text (borrowed, copied) as text/plain. */
static enum MHD_Result send_plain(struct MHD_Connection *conn,
				  const char *text)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
					       MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				    "text/plain; charset=utf-8") != MHD_YES) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *conn,
				 unsigned long value)
{
	char text[32];

	snprintf(text, sizeof(text), "%lu\n", value);
	return send_plain(conn, text);
}

/* GET /__fake/chaos: "MODE COUNT" per mode, then "total COUNT". */
static enum MHD_Result send_chaos(struct MHD_Connection *conn,
				  struct server *srv)
{
	unsigned long served[CHAOS_NMODES], total = 0;
	char text[CHAOS_NMODES * 40 + 40];
	size_t len = 0;
	int i;

	pthread_mutex_lock(&srv->lock);
	memcpy(served, srv->cur->chaos_served, sizeof(served));
	pthread_mutex_unlock(&srv->lock);
	for (i = 0; i < CHAOS_NMODES; i++) {
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%s %lu\n",
					chaos_mode_name((enum chaos_mode)i),
					served[i]);
		total += served[i];
	}
	snprintf(text + len, sizeof(text) - len, "total %lu\n", total);
	return send_plain(conn, text);
}

/* ---- routing ---- */

/* The paths under /v2/kubernetes/clusters/{id}/. */
static const struct {
	const char *name;
	enum route route;
} SUBROUTES[] = {
	{ "upgrades", ROUTE_UPGRADES },
	{ "credentials", ROUTE_CREDENTIALS },
	{ "clusterlint", ROUTE_CLUSTERLINT },
	{ "status_messages", ROUTE_STATUS_MESSAGES },
	{ "destroy_with_associated_resources", ROUTE_ASSOCIATED },
	{ "node_pools", ROUTE_NODE_POOLS },
};

/* Splits url into a route and, for cluster routes, the id (into id). */
static enum route route_of(const char *url, char *id, size_t idlen)
{
	const char *rest, *slash;
	size_t n;

	id[0] = '\0';
	if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) != 0)
		return ROUTE_OTHER;
	rest = url + strlen(API_PREFIX);
	if (strcmp(rest, "options") == 0)
		return ROUTE_OPTIONS;
	if (strcmp(rest, "clusters") == 0)
		return ROUTE_CLUSTERS;
	if (strncmp(rest, "clusters/", 9) != 0)
		return ROUTE_OTHER;
	rest += 9;
	slash = strchr(rest, '/');
	n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	if (n == 0)
		return ROUTE_OTHER;
	/* An id this long matches no cluster: leave id empty, answer 404. */
	if (n < idlen) {
		memcpy(id, rest, n);
		id[n] = '\0';
	}
	if (slash == NULL)
		return ROUTE_CLUSTER;
	for (n = 0; n < sizeof(SUBROUTES) / sizeof(SUBROUTES[0]); n++)
		if (strcmp(slash + 1, SUBROUTES[n].name) == 0)
			return SUBROUTES[n].route;
	return ROUTE_OTHER;
}

/* A query argument as a whole number in min..max, else def. */
static long arg_long(struct MHD_Connection *conn, const char *key, long def,
		     long min, long max)
{
	const char *v = MHD_lookup_connection_value(conn,
						    MHD_GET_ARGUMENT_KIND, key);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (*end != '\0' || errno != 0)
		return def;
	return n < min ? min : n > max ? max : n;
}

static bool fault_matches(const struct fault *f, enum route route,
			  const char *id, long page)
{
	if (f->route != ROUTE_ANY && f->route != route)
		return false;
	if (f->cluster_id != NULL &&
	    (!route_has_cluster(route) || strcmp(f->cluster_id, id) != 0))
		return false;
	if (f->page != 0 && (route != ROUTE_CLUSTERS || f->page != page))
		return false;
	return true;
}

/* The first fault that applies, counting the use; NULL if none. */
static const struct fault *fault_take(struct server *srv, struct live *l,
				      enum route route, const char *id,
				      long page)
{
	const struct fault *hit = NULL;
	size_t i;

	pthread_mutex_lock(&srv->lock);
	for (i = 0; i < l->sc->nfaults; i++) {
		const struct fault *f = &l->sc->faults[i];

		if (!fault_matches(f, route, id, page) ||
		    (f->times != 0 && l->used[i] >= f->times))
			continue;
		l->used[i]++;
		hit = f;
		break;
	}
	pthread_mutex_unlock(&srv->lock);
	return hit;
}

/* ---- chaos ---- */

/* splitmix64: small, good enough, and stateless apart from *x. */
static uint64_t chaos_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* A uniform double in [0, 1). */
static double chaos_unit(uint64_t *x)
{
	return (double)(chaos_next(x) >> 11) * (1.0 / 9007199254740992.0);
}

static char chaos_retry_name[] = "retry-after";
static char chaos_retry_value[] = "1";
/* Read-only, shared by every chaos 429 that gets it. */
static struct header chaos_retry_after = { chaos_retry_name,
					   chaos_retry_value };

/*
 * Draws whether chaos strikes this request and, if so, fills *out with the
 * fault to apply, counting it. Request n of a scenario (counted under the
 * lock) draws from its own generator seeded with seed and n, so the draws
 * are the same for every run with the same seed and request order, and the
 * generator needs no lock.
 */
static bool chaos_take(struct server *srv, struct live *l, struct fault *out)
{
	const struct chaos *ch = &l->sc->chaos;
	enum chaos_mode mode;
	uint64_t n, x;

	if (!ch->on || ch->probability <= 0.0)
		return false;
	pthread_mutex_lock(&srv->lock);
	n = ++l->chaos_seq;
	pthread_mutex_unlock(&srv->lock);
	x = ch->seed ^ chaos_next(&n);
	if (chaos_unit(&x) >= ch->probability)
		return false;
	mode = ch->modes[chaos_next(&x) % ch->nmodes];
	memset(out, 0, sizeof(*out));
	out->route = ROUTE_ANY;
	out->mode = FAULT_MODE_NONE;
	switch (mode) {
	case CHAOS_STATUS:
		out->status = ch->status_codes[chaos_next(&x) % ch->nstatus];
		if (out->status == 429 && (chaos_next(&x) & 1) != 0) {
			out->headers = &chaos_retry_after;
			out->nheaders = 1;
		}
		break;
	case CHAOS_NEVER:
		out->mode = FAULT_MODE_NEVER;
		break;
	case CHAOS_STALL_BODY:
		out->mode = FAULT_MODE_STALL_BODY;
		break;
	case CHAOS_RESET:
		out->mode = FAULT_MODE_RESET;
		break;
	case CHAOS_TRUNCATE:
		out->mode = FAULT_MODE_TRUNCATE;
		break;
	case CHAOS_HTML:
		out->mode = FAULT_MODE_HTML;
		break;
	case CHAOS_OVERSIZE:
		out->mode = FAULT_MODE_OVERSIZE;
		out->size = ch->oversize_size;
		out->chunked = (chaos_next(&x) & 1) != 0;
		break;
	case CHAOS_DELAY:
	case CHAOS_NMODES: /* never drawn: modes hold real modes only */
		out->delay_ms = ch->delay_ms;
		break;
	}
	pthread_mutex_lock(&srv->lock);
	l->chaos_served[mode]++;
	pthread_mutex_unlock(&srv->lock);
	return true;
}

/*
 * GET .../clusterlint[?run_id=]: the latest run. A cluster never linted
 * answers 404 not_found, the only status the spec has for it, and so does
 * a run_id other than the latest run's (the spec leaves both open).
 */
static bool clusterlint_reply(struct MHD_Connection *conn,
			      const struct cluster *cl, struct reply *r)
{
	const char *run = MHD_lookup_connection_value(
		conn, MHD_GET_ARGUMENT_KIND, "run_id");

	if (cl->clusterlint.data == NULL ||
	    (run != NULL && *run != '\0' &&
	     (cl->clusterlint_run_id == NULL ||
	      strcmp(run, cl->clusterlint_run_id) != 0))) {
		r->status = MHD_HTTP_NOT_FOUND;
		return bodies_error(MHD_HTTP_NOT_FOUND, &r->body);
	}
	return bodies_copy(&cl->clusterlint, &r->body);
}

/*
 * GET .../status_messages[?since=]: a since that is not RFC 3339 gets 422
 * (a '+' sent unencoded arrives as a space, and fails too, as it would at
 * any server that decodes the query).
 */
static bool status_messages_reply(struct MHD_Connection *conn,
				  const struct scenario *sc,
				  const struct cluster *cl, struct reply *r)
{
	const char *since = MHD_lookup_connection_value(
		conn, MHD_GET_ARGUMENT_KIND, "since");
	struct stamp at;

	if (since == NULL || *since == '\0')
		return bodies_status_messages(cl, NULL, false, &r->body);
	if (!scenario_parse_stamp(since, &at)) {
		r->status = SERVER_UNPROCESSABLE;
		return bodies_error(SERVER_UNPROCESSABLE, &r->body);
	}
	return bodies_status_messages(cl, &at, sc->since_inclusive, &r->body);
}

/* The answer the API would give without faults. */
static bool normal_reply(struct MHD_Connection *conn,
			 const struct request *rq, enum route route,
			 const char *id, long page, struct reply *r)
{
	const struct scenario *sc = rq->live->sc;
	const struct cluster *cl = NULL;

	r->status = MHD_HTTP_OK;
	r->type = JSON_TYPE;
	if (route_has_cluster(route)) {
		cl = scenario_find_cluster(sc, id);
		if (cl == NULL) {
			r->status = MHD_HTTP_NOT_FOUND;
			return bodies_error(MHD_HTTP_NOT_FOUND, &r->body);
		}
	}
	switch (route) {
	case ROUTE_CLUSTERS: {
		const char *host = MHD_lookup_connection_value(
			conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
		long per_page = arg_long(conn, "per_page",
					 BODIES_PER_PAGE_DEFAULT, 1,
					 BODIES_PER_PAGE_MAX);

		if (host == NULL || *host == '\0')
			host = rq->srv->self_host;
		return bodies_list_page(sc, page, per_page, host, &r->body);
	}
	case ROUTE_CLUSTER:
		return bodies_cluster(cl, &r->body);
	case ROUTE_UPGRADES:
		return bodies_copy(&cl->upgrades, &r->body);
	case ROUTE_CREDENTIALS:
		return bodies_copy(&cl->credentials, &r->body);
	case ROUTE_CLUSTERLINT:
		return clusterlint_reply(conn, cl, r);
	case ROUTE_STATUS_MESSAGES:
		return status_messages_reply(conn, sc, cl, r);
	case ROUTE_ASSOCIATED:
		return bodies_copy(&cl->associated, &r->body);
	case ROUTE_NODE_POOLS:
		return bodies_copy(&cl->node_pools, &r->body);
	case ROUTE_OPTIONS:
		return bodies_copy(&sc->options, &r->body);
	case ROUTE_OTHER:
	case ROUTE_ANY:
		break;
	}
	r->status = MHD_HTTP_NOT_FOUND;
	return bodies_error(MHD_HTTP_NOT_FOUND, &r->body);
}

/* Bends r the way f says. False: give up on the connection. */
static bool apply_fault(const struct fault *f, int fd, struct reply *r)
{
	bool ok = true;

	if (f->delay_ms > 0 && !wait_ms(f->delay_ms, fd))
		return false;
	if (f->mode == FAULT_MODE_NEVER) {
		wait_ms(-1, fd);
		return false;
	}
	if (f->mode == FAULT_MODE_HTML) {
		const char *reason;

		r->status = f->status != 0 ? (unsigned)f->status :
			    MHD_HTTP_BAD_GATEWAY;
		r->type = "text/html";
		free(r->body.data);
		r->body.data = NULL;
		reason = MHD_get_reason_phrase_for(r->status);
		if (f->body.data != NULL)
			return bodies_copy(&f->body, &r->body);
		return bodies_html((int)r->status,
				   reason != NULL && *reason ? reason : "Error",
				   &r->body);
	}
	if (f->status != 0) {
		r->status = (unsigned)f->status;
		if (f->body.data == NULL && f->status >= 400) {
			free(r->body.data);
			r->body.data = NULL;
			ok = bodies_error(f->status, &r->body);
		}
	}
	if (ok && f->body.data != NULL) {
		free(r->body.data);
		r->body.data = NULL;
		ok = bodies_copy(&f->body, &r->body);
	}
	if (ok && f->mode == FAULT_MODE_TRUNCATE)
		r->body.len /= 2;
	return ok;
}

static enum MHD_Result answer_api(struct MHD_Connection *conn,
				  struct request *rq, const char *url)
{
	char id[256];
	enum route route = route_of(url, id, sizeof(id));
	long page = route == ROUTE_CLUSTERS ?
		    arg_long(conn, "page", 1, 1, SERVER_PAGE_MAX) : 0;
	struct reply r = { 0, { NULL, 0 }, JSON_TYPE };
	struct fault chaos;
	const struct fault *f;

	if (strcmp(auth_state(conn, rq->live->sc), "ok") != 0)
		return send_error(conn, rq, MHD_HTTP_UNAUTHORIZED, NULL);
	if (!normal_reply(conn, rq, route, id, page, &r))
		return MHD_NO;
	f = fault_take(rq->srv, rq->live, route, id, page);
	if (f == NULL && chaos_take(rq->srv, rq->live, &chaos))
		f = &chaos;
	if (f != NULL && !apply_fault(f, connection_fd(conn), &r)) {
		free(r.body.data);
		return MHD_NO;
	}
	return send_reply(conn, rq, &r, f, NULL);
}

/* ---- libmicrohttpd callbacks ---- */

/* Called once per request, with the raw target (query included). */
static void *on_request_line(void *cls, const char *uri,
			     struct MHD_Connection *conn)
{
	struct request *rq = calloc(1, sizeof(*rq));

	(void)conn;
	if (rq == NULL)
		return NULL;
	rq->srv = cls;
	rq->target = strdup(uri != NULL ? uri : "");
	if (rq->target == NULL) {
		free(rq);
		return NULL;
	}
	return rq;
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **req_cls, enum MHD_RequestTerminationCode why)
{
	struct request *rq = *req_cls;

	(void)conn;
	(void)why;
	if (rq == NULL)
		return;
	live_release(cls, rq->live);
	free(rq->target);
	free(rq);
	*req_cls = NULL;
}

static bool is_control(const char *method, const char *url)
{
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 &&
	       (strcmp(url, "/__fake/generation") == 0 ||
		strcmp(url, "/__fake/requests") == 0 ||
		strcmp(url, "/__fake/chaos") == 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct server *srv = cls;
	struct request *rq = *req_cls;

	(void)version;
	(void)upload;
	if (rq == NULL)
		return MHD_NO;
	if (!rq->started) {
		/* Headers are in: take the scenario, log, wait for the body. */
		rq->started = true;
		rq->control = is_control(method, url);
		pthread_mutex_lock(&srv->lock);
		rq->live = srv->cur;
		rq->live->refs++;
		if (!rq->control) {
			rq->remaining = rq->live->remaining;
			if (rq->live->remaining > 0)
				rq->live->remaining--;
		}
		pthread_mutex_unlock(&srv->lock);
		if (!rq->control)
			log_request(srv, conn, method, rq->target,
				    auth_state(conn, rq->live->sc));
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0; /* nothing here takes a body */
		return MHD_YES;
	}
	if (rq->control) {
		unsigned long value;

		if (strcmp(url, "/__fake/chaos") == 0)
			return send_chaos(conn, srv);
		if (strcmp(url, "/__fake/generation") == 0) {
			pthread_mutex_lock(&srv->lock);
			value = srv->generation;
			pthread_mutex_unlock(&srv->lock);
		} else {
			value = atomic_load(&srv->requests);
		}
		return send_text(conn, value);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return send_error(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED,
				  MHD_HTTP_METHOD_GET);
	return answer_api(conn, rq, url);
}

/* ---- lifecycle ---- */

/*
 * libmicrohttpd's own complaints, minus the ones that the faults cause on
 * purpose (a handler giving up on a connection, a body cut short).
 */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (strstr(line, "pplication reported") != NULL)
		return;
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	fprintf(stderr, "fakeapi: libmicrohttpd: %s\n", line);
}

bool server_start(const char *addr, uint16_t port, struct scenario *sc,
		  FILE *log, struct server **out, uint16_t *bound)
{
	struct server *srv;
	struct sockaddr_in sin;
	const union MHD_DaemonInfo *di;
	char ip[INET_ADDRSTRLEN];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "fakeapi: %s is not an IPv4 address\n", addr);
		scenario_free(sc);
		return false;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		scenario_free(sc);
		return false;
	}
	srv->cur = live_new(sc);
	if (srv->cur == NULL) {
		free(srv);
		return false;
	}
	srv->generation = 1;
	srv->log = log;
	atomic_init(&srv->requests, 0);
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->log_lock, NULL);
	atomic_store(&quit, false);

	srv->daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			MHD_USE_POLL | MHD_USE_ERROR_LOG,
		port, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* must be first */
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVER_CONNECTION_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVER_IDLE_TIMEOUT_S,
		MHD_OPTION_URI_LOG_CALLBACK, on_request_line, srv,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_END);
	if (srv->daemon == NULL) {
		fprintf(stderr, "fakeapi: cannot listen on %s:%u\n", addr,
			(unsigned)port);
		server_stop(srv);
		return false;
	}
	di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*bound = di != NULL ? di->port : port;
	inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
	snprintf(srv->self_host, sizeof(srv->self_host), "%s:%u", ip,
		 (unsigned)*bound);
	*out = srv;
	return true;
}

unsigned long server_swap(struct server *srv, struct scenario *sc)
{
	struct live *fresh = live_new(sc), *old;
	unsigned long gen;

	if (fresh == NULL) {
		fprintf(stderr, "fakeapi: out of memory; scenario kept\n");
		pthread_mutex_lock(&srv->lock);
		gen = srv->generation;
		pthread_mutex_unlock(&srv->lock);
		return gen;
	}
	pthread_mutex_lock(&srv->lock);
	old = srv->cur;
	srv->cur = fresh;
	gen = ++srv->generation;
	pthread_mutex_unlock(&srv->lock);
	live_release(srv, old);
	return gen;
}

void server_stop(struct server *srv)
{
	if (srv == NULL)
		return;
	atomic_store(&quit, true);
	if (srv->daemon != NULL)
		MHD_stop_daemon(srv->daemon);
	/* every request is complete now: only the server's reference is left */
	live_release(srv, srv->cur);
	pthread_mutex_destroy(&srv->log_lock);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
