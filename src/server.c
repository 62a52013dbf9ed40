/* server.c - libmicrohttpd front end.
 *
 * Runs on libmicrohttpd's threads, plus one ticker thread of its own. The
 * telemetry path queues a response built once per (snapshot, process
 * block) pair and reused by every scrape until the next (snapshot.h's
 * views): a scrape reads, formats, compresses and allocates nothing. The
 * ticker renders the process_* lines once a second into a new block; a
 * block is never changed in place, so a send in progress never tears. /
 * sends the status page rendered with the same snapshot (statuspage.h),
 * holding its reference until libmicrohttpd is done. The server only
 * reads snapshot.c and never blocks on the poller.
 *
 * With a web configuration (webconfig.h) it serves TLS through
 * libmicrohttpd's GnuTLS support, checks client certificates as
 * client_auth_type says, and asks for basic authentication on every path.
 * It never logs a password or key; failed logins are logged at debug level
 * with the user name only.
 *
 * Hostile clients: connguard.h holds every request to a total deadline,
 * each client address to its share of the connections, and makes room for
 * a new address; authgate.h runs the bcrypt of a login the cache does not
 * know on a thread of its own, one at a time, while the connection is
 * suspended, and limits failed logins per address. A scrape whose login
 * is cached never waits for a bcrypt.
 */
#include "server.h"

#include <arpa/inet.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "authgate.h"
#include "buildinfo.h"
#include "clock.h"
#include "connguard.h"
#include "gzip.h"
#include "log.h"
#include "process.h"
#include "secret.h"
#include "settings.h"
#include "snapshot.h"
#include "webconfig.h"

#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define AUTH_REALM "doks_exporter"
/* Connections served at once, from all addresses together. */
#define SERVER_CONNECTIONS_MAX 128

struct server {
	const struct settings *settings;
	const struct webconfig *web; /* NULL: plain HTTP, no authentication */
	struct MHD_Daemon *daemon;
	struct connguard *guard;     /* deadlines and the cap per address */
	struct authgate *gate;       /* bcrypt off these threads; NULL without users */
	atomic_bool running; /* MHD_start_daemon returned: its messages go to debug */
	double start_time;
	/* the process block's thread: guards stop_ticking, signals it */
	pthread_mutex_t tick_lock;
	pthread_cond_t tick_cond;
	bool stop_ticking;
	bool ticking; /* the thread was started: the starter's and stopper's alone */
	pthread_t ticker;
	char landing[2048];
};

/* Past this size a response's body is not copied to follow the
 * snapshot's bytes with the process block: the two go out as an I/O
 * vector instead, which costs a system call more a scrape (libmicrohttpd
 * sends the headers of such a response on their own) but copies nothing.
 * Under it, the copy (made at most once a second and once a publication)
 * is what lets headers and body leave in one sendmsg, as a fixed buffer's
 * do: measured at 1,000 clusters, a 250 KB gzip answer sent as an I/O
 * vector reached 0.86 of a fixed buffer's scrapes a second, and 1.0 as
 * one buffer. 512 KiB takes in every plain answer of a few hundred series
 * and the gzip answer up to about 2,000 clusters, for one copy of it in
 * the resident memory (the snapshot keeps the compressed member it is
 * made from); larger answers, whose own sends dwarf one more call, are
 * never copied. */
#define SERVER_COPY_MAX ((size_t)512 * 1024)

/* What one view serves: one response per encoding, built once for a
 * (snapshot, process block) pair and queued on every scrape until the
 * next pair. libmicrohttpd counts its own references to a response, so
 * one may be queued on many connections at once; the memory it points at
 * goes with its free callback, after the last connection is done. */
struct served {
	struct MHD_Response *plain;
	struct MHD_Response *gzip; /* NULL: no gzip form (disabled or failed) */
};

/* What an I/O vector response holds on to: the snapshot's bytes, by a
 * reference, and its own copy of what follows them. */
struct held {
	struct snapshot *snap; /* a reference, or NULL */
	size_t len;
	unsigned char bytes[];
};

static void held_free(void *cls)
{
	struct held *h = cls;
	snapshot_release(h->snap);
	free(h);
}

/* A response of head (borrowed, kept by snap's reference) followed by
 * tail (borrowed, copied): one buffer when small, else an I/O vector. */
static struct MHD_Response *response_of(struct snapshot *snap, const void *head, size_t head_len,
					const void *tail, size_t tail_len)
{
	struct MHD_Response *r;
	if (head_len + tail_len <= SERVER_COPY_MAX) {
		char *buf = malloc(head_len + tail_len + 1);
		if (!buf)
			return NULL;
		if (head_len)
			memcpy(buf, head, head_len);
		if (tail_len)
			memcpy(buf + head_len, tail, tail_len);
		r = MHD_create_response_from_buffer_with_free_callback_cls(head_len + tail_len, buf,
									   free, buf);
		if (!r)
			free(buf);
		return r;
	}
	struct held *h = malloc(sizeof *h + tail_len);
	if (!h)
		return NULL;
	h->snap = snapshot_retain(snap);
	h->len = tail_len;
	if (tail_len)
		memcpy(h->bytes, tail, tail_len);
	struct MHD_IoVec iov[2] = { { head, head_len }, { h->bytes, tail_len } };
	r = MHD_create_response_from_iovec(iov, 2, held_free, h);
	if (!r)
		held_free(h);
	return r;
}

static void served_drop(void *p, void *arg)
{
	(void)arg;
	struct served *sv = p;
	/* the creator's references: connections still sending keep theirs */
	if (sv->plain)
		MHD_destroy_response(sv->plain);
	if (sv->gzip)
		MHD_destroy_response(sv->gzip);
	free(sv);
}

/* The responses of one (snapshot, process block) pair; runs on the
 * poller's thread at a publication and on the ticker once a second, never
 * on a scrape. */
static void *served_build(struct snapshot *snap, const char *block, size_t block_len, void *arg)
{
	(void)arg;
	struct served *sv = calloc(1, sizeof *sv);
	if (!sv)
		return NULL;
	const char *body = snap ? snapshot_body(snap) : "";
	size_t len = snap ? snapshot_len(snap) : 0;
	sv->plain = response_of(snap, body, len, block, block_len);
	size_t gz_len = 0;
	uint32_t crc = 0;
	const unsigned char *gz = snap ? snapshot_gzip(snap, &gz_len, &crc) : NULL;
	if (gz) {
		/* the body's member, compressed at publish, ended by this block */
		unsigned char tail[PROCESS_TEXT_MAX + GZIP_TAIL_OVERHEAD];
		size_t tlen = gzip_tail(crc, len, block, block_len, tail, sizeof tail);
		if (tlen > 0)
			sv->gzip = response_of(snap, gz, gz_len, tail, tlen);
	}
	if (!sv->plain) {
		served_drop(sv, NULL);
		return NULL;
	}
	MHD_add_response_header(sv->plain, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_METRICS);
	MHD_add_response_header(sv->plain, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (sv->gzip) {
		MHD_add_response_header(sv->gzip, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_METRICS);
		MHD_add_response_header(sv->gzip, MHD_HTTP_HEADER_VARY,
					MHD_HTTP_HEADER_ACCEPT_ENCODING);
		MHD_add_response_header(sv->gzip, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	}
	return sv;
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

/* Reads /proc, renders the process block and publishes it (with the
 * views it makes). */
static void publish_process_block(const struct server *s)
{
	struct process_stats ps = { .start_time = s->start_time };
	process_read(&ps);
	char text[PROCESS_TEXT_MAX];
	size_t len = process_render(&ps, text, sizeof text);
	char *copy = malloc(len + 1);
	if (!copy)
		return; /* the views of the previous block go on */
	memcpy(copy, text, len);
	copy[len] = '\0';
	snapshot_publish_block(copy, len);
}

/* The ticker: the process block once a second, so that no scrape reads
 * /proc (ten system calls) or formats a number. */
static void *tick(void *arg)
{
	struct server *s = arg;
	pthread_mutex_lock(&s->tick_lock);
	while (!s->stop_ticking) {
		struct timespec at;
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_sec += 1;
		while (!s->stop_ticking &&
		       pthread_cond_timedwait(&s->tick_cond, &s->tick_lock, &at) == 0)
			;
		if (s->stop_ticking)
			break;
		pthread_mutex_unlock(&s->tick_lock);
		publish_process_block(s);
		pthread_mutex_lock(&s->tick_lock);
	}
	pthread_mutex_unlock(&s->tick_lock);
	return NULL;
}

/* The telemetry path: the current view's response for the encoding
 * asked, queued as it is; nothing is read, formatted, compressed or
 * allocated here. */
static enum MHD_Result send_metrics(struct MHD_Connection *c)
{
	struct snapshot_view *v = snapshot_view_acquire();
	const struct served *sv = v ? snapshot_view_served(v) : NULL;
	if (!sv) {
		snapshot_view_release(v);
		return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", "out of memory\n");
	}
	struct MHD_Response *r = sv->plain;
	if (sv->gzip && gzip_accepted(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								   MHD_HTTP_HEADER_ACCEPT_ENCODING)))
		r = sv->gzip;
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	/* libmicrohttpd holds its own reference now */
	snapshot_view_release(v);
	return ret;
}

/* What the status page may load: its inline style and nothing else, so
 * that even a name that escaped escaping could run no script. */
#define STATUS_PAGE_CSP "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

static void page_done(void *cls)
{
	snapshot_release(cls);
}

/* Before the first publication (or after a page that could not be
 * rendered): the landing text with its links, 503 like /-/ready, and a
 * refresh that needs no script. */
static enum MHD_Result send_page_not_ready(struct server *s, struct MHD_Connection *c)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(s->landing), s->landing, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, r);
	MHD_destroy_response(r);
	return ret;
}

/* / : the status page rendered with the published snapshot, sent from its
 * bytes with the reference held until libmicrohttpd is done; no API call
 * and no rendering on a request. */
static enum MHD_Result send_status_page(struct server *s, struct MHD_Connection *c)
{
	struct snapshot *snap = snapshot_acquire();
	size_t len = 0;
	const char *page = snap ? snapshot_page(snap, &len) : NULL;
	if (!page) {
		snapshot_release(snap);
		return send_page_not_ready(s, c);
	}
	struct MHD_IoVec iov = { page, len };
	struct MHD_Response *r = MHD_create_response_from_iovec(&iov, 1, page_done, snap);
	if (!r) {
		snapshot_release(snap);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY, STATUS_PAGE_CSP);
	MHD_add_response_header(r, MHD_HTTP_HEADER_X_CONTENT_TYPE_OPTIONS, "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- TLS client certificates and basic authentication ------------------ */

/* con_cls of a request whose headers are in and that needs nothing more. */
static int headers_read;

/* con_cls of a request whose login went to the gate for a bcrypt: the
 * connection is suspended until the gate's thread has the answer. Freed
 * by request_completed. */
struct auth_job {
	struct MHD_Connection *c;
	bool finished; /* written by the gate's thread before it resumes c */
	bool ok;
	char user[WEBCONFIG_AUTH_HEADER_MAX]; /* for the debug line; never the password */
};

static void auth_job_done(void *cls, bool ok)
{
	struct auth_job *job = cls;
	job->ok = ok;
	job->finished = true;
	MHD_resume_connection(job->c);
}

/* Client certificates are for TLS clients, as in Go's crypto/tls: a
 * certificate whose extended key usage excludes clientAuth fails. */
static gnutls_typed_vdata_st client_purpose = {
	.type = GNUTLS_DT_KEY_PURPOSE_OID,
	.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT,
};

static const struct sockaddr *client_sockaddr(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	return ci ? ci->client_addr : NULL;
}

static gnutls_session_t tls_session_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	return ci ? (gnutls_session_t)ci->tls_session : NULL;
}

/* A client certificate, when there is one, chains to client_ca_file and
 * may be used by TLS clients. */
static bool peer_cert_valid(gnutls_session_t session)
{
	unsigned status = 0;
	return gnutls_certificate_verify_peers(session, &client_purpose, 1, &status) == 0 &&
	       status == 0;
}

static bool has_peer_cert(gnutls_session_t session)
{
	unsigned count = 0;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &count);
	return peers && count > 0;
}

/* Runs inside the handshake once the client's certificate has arrived:
 * non-zero fails the handshake. No certificate passes here: GNUTLS_CERT_REQUIRE
 * refuses that already where it must. (gnutls_session_set_verify_cert
 * would refuse it for VerifyClientCertIfGiven too.) */
static int verify_in_handshake(gnutls_session_t session)
{
	return !has_peer_cert(session) || peer_cert_valid(session) ? 0 : -1;
}

/* The certificate chain and key served. GnuTLS's callback takes no
 * argument of ours, so they are the process's: one server at a time, set
 * before its daemon starts, freed after it stops. */
static struct {
	gnutls_pcert_st *pcerts;
	unsigned n;
	gnutls_privkey_t key;
} identity;

static int serve_identity(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
			  const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
			  gnutls_pcert_st **pcert, unsigned int *pcert_length,
			  gnutls_privkey_t *privkey)
{
	(void)session, (void)req_ca_rdn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
	*pcert = identity.pcerts;
	*pcert_length = identity.n;
	*privkey = identity.key; /* gnutls frees neither: the function2 contract */
	return 0;
}

/* Called when a connection is accepted, before its TLS handshake: asks
 * for a client certificate as client_auth_type says, so that the
 * handshake itself fails without one (Require*) or with an invalid one
 * (Verify*). libmicrohttpd alone would only ask, and only when it has a
 * trust list. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)socket_context;
	const struct server *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		connguard_closed(s->guard, c); /* before libmicrohttpd closes the socket */
		return;
	}
	const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (fd && !connguard_opened(s->guard, c, fd->connect_fd, client_sockaddr(c)))
		shutdown(fd->connect_fd, SHUT_RDWR); /* no slot: cannot hold it to its deadline */
	if (!s->web)
		return;
	gnutls_session_t session = tls_session_of(c);
	if (!session)
		return;
	switch (webconfig_client_auth(s->web)) {
	case WEBCONFIG_NO_CLIENT_CERT:
		break;
	case WEBCONFIG_REQUEST_CLIENT_CERT:
		gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUEST);
		break;
	case WEBCONFIG_REQUIRE_ANY_CLIENT_CERT:
		gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
		break;
	case WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN:
		gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUEST);
		gnutls_session_set_verify_function(session, verify_in_handshake);
		break;
	case WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT:
		gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_function(session, verify_in_handshake);
		break;
	}
}

/* The request-time check of the client certificate policy. The handshake
 * should already have refused what fails here; this does not rely on it. */
static bool client_cert_ok(const struct server *s, struct MHD_Connection *c)
{
	enum webconfig_client_auth policy = webconfig_client_auth(s->web);
	if (policy == WEBCONFIG_NO_CLIENT_CERT || policy == WEBCONFIG_REQUEST_CLIENT_CERT)
		return true;
	gnutls_session_t session = tls_session_of(c);
	if (!session)
		return false;
	if (!has_peer_cert(session))
		return policy == WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN;
	return policy == WEBCONFIG_REQUIRE_ANY_CLIENT_CERT || peer_cert_valid(session);
}

static void remote_address(struct MHD_Connection *c, char *buf, size_t size)
{
	snprintf(buf, size, "?");
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
			  (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
			  (socklen_t)size);
}

static void log_auth_failure(struct MHD_Connection *c, const char *user, const char *reason)
{
	if (!log_enabled(LOG_LEVEL_DEBUG))
		return;
	char remote[INET6_ADDRSTRLEN + 1];
	remote_address(c, remote, sizeof remote);
	log_debug("authentication failed", "remote", remote, "user", user, "reason", reason);
}

enum auth { AUTH_OK, AUTH_FAILED, AUTH_LIMITED, AUTH_PENDING };

/* Whether the request carries a valid Basic login. A login seen before is
 * answered from the cache at once. Any other goes in line at the gate,
 * which runs one bcrypt at a time on its own thread while this connection
 * is suspended (AUTH_PENDING; on_request is called again when it is done);
 * when the line is full or holds this address's login already, or this
 * address failed too often, AUTH_LIMITED with the seconds to wait in
 * *retry_after. The decoded credentials live in buf alone, wiped before
 * returning. */
static enum auth authenticate(struct server *s, struct MHD_Connection *c, void **con_cls,
			      unsigned *retry_after)
{
	const struct sockaddr *sa = client_sockaddr(c);
	if (*con_cls != &headers_read) {
		struct auth_job *job = *con_cls; /* back from the gate */
		if (job->finished && job->ok)
			return AUTH_OK;
		authgate_failed(s->gate, sa);
		log_auth_failure(c, job->user, "unknown user or wrong password");
		return AUTH_FAILED;
	}
	const char *header =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	char buf[WEBCONFIG_AUTH_HEADER_MAX];
	const char *user = NULL;
	const char *pass = NULL;
	enum auth rc = AUTH_FAILED;
	if (!header || !webconfig_parse_basic_auth(header, buf, sizeof buf, &user, &pass)) {
		log_auth_failure(c, NULL, !header ? "no Authorization header" :
						    "not a Basic credential");
		return AUTH_FAILED;
	}
	struct auth_job *job = NULL;
	int ticket = -1;
	if (webconfig_check_cached(s->web, user, pass)) {
		rc = AUTH_OK;
	} else if (strlen(pass) > WEBCONFIG_PASSWORD_MAX) {
		authgate_failed(s->gate, sa);
		log_auth_failure(c, user, "password longer than 72 bytes");
	} else if ((*retry_after = authgate_retry_after(s->gate, sa)) > 0) {
		rc = AUTH_LIMITED;
		log_auth_failure(c, user, "too many failed logins from this address");
	} else if (!(job = calloc(1, sizeof *job))) {
		*retry_after = 1;
		rc = AUTH_LIMITED;
	} else if ((ticket = authgate_reserve(s->gate, sa)) < 0) {
		free(job);
		*retry_after = 1;
		rc = AUTH_LIMITED;
		log_auth_failure(c, user, "the line of logins to check is full, or has this address's");
	} else {
		job->c = c;
		snprintf(job->user, sizeof job->user, "%s", user);
		*con_cls = job;
		/* suspended before the gate may resume it */
		MHD_suspend_connection(c);
		authgate_start(s->gate, ticket, user, pass, auth_job_done, job);
		rc = AUTH_PENDING;
	}
	secret_wipe(buf, sizeof buf);
	return rc;
}

static enum MHD_Result send_unauthorized(struct MHD_Connection *c)
{
	static const char body[] = "Unauthorized\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof body - 1, (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				"Basic realm=\"" AUTH_REALM "\"");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_too_many(struct MHD_Connection *c, unsigned retry_after)
{
	static const char body[] = "Too many login attempts: retry later\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof body - 1, (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	char after[16];
	snprintf(after, sizeof after, "%u", retry_after);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, after);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_TOO_MANY_REQUESTS, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- requests ---------------------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	(void)version, (void)upload_data;
	struct server *s = cls;
	/* First call: only the headers are in. A GET or HEAD is answered once
	 * the request is complete, so that libmicrohttpd knows no body follows
	 * and keeps the connection alive for the next scrape; anything else
	 * is refused at once, without reading what it sends. */
	if (*con_cls == NULL) {
		*con_cls = &headers_read;
		bool readonly = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
				strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
		if (readonly)
			return MHD_YES;
	} else if (*upload_data_size != 0) {
		*upload_data_size = 0; /* a body sent with GET is read and ignored */
		return MHD_YES;
	}
	/* every path and method, 404s included, as with exporter-toolkit */
	if (s->web && !client_cert_ok(s, c))
		return send_text(c, MHD_HTTP_FORBIDDEN, "text/plain",
				 "Forbidden: this server needs a valid client certificate\n");
	if (webconfig_requires_auth(s->web)) {
		unsigned retry_after = 1;
		switch (authenticate(s, c, con_cls, &retry_after)) {
		case AUTH_OK:
			break;
		case AUTH_PENDING:
			return MHD_YES;
		case AUTH_LIMITED:
			return send_too_many(c, retry_after);
		case AUTH_FAILED:
			return send_unauthorized(c);
		}
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n");
	if (strcmp(url, settings_telemetry_path(s->settings)) == 0)
		return send_metrics(c);
	if (strcmp(url, "/") == 0)
		return send_status_page(s, c);
	if (strcmp(url, "/-/healthy") == 0)
		return send_text(c, MHD_HTTP_OK, "text/plain", "Healthy\n");
	if (strcmp(url, "/-/ready") == 0)
		return snapshot_ready() ? send_text(c, MHD_HTTP_OK, "text/plain", "Ready\n") :
					  send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
						    "Not ready: the first poll cycle has not finished\n");
	return send_text(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n");
}

/* A request is over: its login job is freed, and when its answer went out
 * the deadline of the connection's next request starts. */
static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	if (*con_cls && *con_cls != &headers_read) {
		struct auth_job *job = *con_cls;
		secret_wipe(job, sizeof *job);
		free(job);
	}
	*con_cls = NULL;
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		connguard_answered(s->guard, c);
}

/* Before accepting: the cap per address, and room for a new address. */
static enum MHD_Result admit(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	(void)addrlen;
	const struct server *s = cls;
	return connguard_admit(s->guard, addr) ? MHD_YES : MHD_NO;
}

/* libmicrohttpd's own messages: errors while it starts, debug afterwards,
 * when they are about one client (a failed handshake, a reset). */
static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	struct server *s = cls;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if (atomic_load(&s->running))
		log_debug("libmicrohttpd", "err", msg);
	else
		log_error("libmicrohttpd", "err", msg);
}

static void log_panic(void *cls, const char *file, unsigned line, const char *reason)
{
	(void)cls;
	log_error("libmicrohttpd failed", "file", file, "line", LOG_UINT(line), "err", reason);
	abort();
}

/* A server not yet listening: its page for / before the first
 * publication, its connection guard and,
 * when the web configuration has users, its login gate. On failure
 * nothing is left behind. */
static enum err create(const struct settings *settings, const struct webconfig *web,
		       struct server **out)
{
	struct server *s = calloc(1, sizeof *s);
	if (!s)
		return ERR_NOMEM;
	s->settings = settings;
	s->web = web;
	atomic_init(&s->running, false);
	s->start_time = clock_real();
	pthread_mutex_init(&s->tick_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->tick_cond, &ca);
	pthread_condattr_destroy(&ca);
	snprintf(s->landing, sizeof s->landing,
		 "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		 "<meta http-equiv=\"refresh\" content=\"5\"><title>DOKS Exporter</title></head>\n"
		 "<body>\n<h1>DOKS Exporter</h1>\n<p>Prometheus exporter for DigitalOcean Kubernetes, "
		 "version %s.</p>\n<p id=\"not-ready\">No data yet: the first poll cycle has not "
		 "finished. This page reloads itself.</p>\n<ul>\n<li><a href=\"%s\">Metrics</a></li>\n"
		 "<li><a href=\"/-/healthy\">Health</a></li>\n<li><a href=\"/-/ready\">Readiness</a></li>\n"
		 "</ul>\n</body></html>\n",
		 buildinfo_version(), settings_telemetry_path(settings));
	if (connguard_new(SERVER_CONNECTIONS_MAX,
			  (size_t)settings_max_connections_per_address(settings),
			  settings_request_timeout(settings), true, &s->guard) != ERR_OK ||
	    (webconfig_requires_auth(web) && authgate_new(web, &s->gate) != ERR_OK)) {
		server_stop(s); /* it takes a server in any state short of started */
		return ERR_NOMEM;
	}
	*out = s;
	return ERR_OK;
}

/* The socket address to listen on, for host (empty: every address, IPv6
 * and IPv4) and port, with the flags libmicrohttpd needs for it in
 * *flags. ERR_CONFIG, logged, when host does not resolve. */
static enum err listen_address(const struct settings *settings, const char *host, unsigned port,
			       struct sockaddr_storage *ss, unsigned *flags)
{
	memset(ss, 0, sizeof *ss);
	if (host[0] == '\0') {
		*flags |= MHD_USE_DUAL_STACK;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_any;
		a6->sin6_port = htons((uint16_t)port);
		return ERR_OK;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;
	int gai = getaddrinfo(host, NULL, &hints, &res);
	if (gai != 0 || !res) {
		log_error("cannot resolve the listen address", "address",
			  settings_listen_address(settings), "err", gai_strerror(gai));
		return ERR_CONFIG;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	if (res->ai_family == AF_INET6) {
		*flags |= MHD_USE_IPv6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	} else {
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	}
	freeaddrinfo(res);
	return ERR_OK;
}

/* Frees the certificate chain and key served, if any. */
static void identity_release(void)
{
	webconfig_tls_identity_free(identity.pcerts, identity.n, identity.key);
	memset(&identity, 0, sizeof identity);
}

/* Room for the TLS options and their MHD_OPTION_END. */
#define TLS_OPTIONS_MAX 4

/* libmicrohttpd's TLS options for web, ended by MHD_OPTION_END (alone
 * without TLS), with MHD_USE_TLS added to *flags. The certificate and key
 * go through a callback, from GnuTLS's forms made here, so that the key's
 * PEM text is never handed to GnuTLS (whose PEM decoder leaves a base64
 * copy in freed memory); the other PEM texts stay in web, which outlives
 * the daemon. ERR_CONFIG, logged, leaving no identity loaded, when the key
 * or certificate does not load or libmicrohttpd has no TLS. */
static enum err tls_options(const struct webconfig *web, struct MHD_OptionItem tls[TLS_OPTIONS_MAX],
			    unsigned *flags)
{
	size_t nt = 0;
	if (webconfig_tls_enabled(web)) {
		int gerr = webconfig_tls_identity(web, &identity.pcerts, &identity.n, &identity.key);
		if (gerr < 0) {
			log_error("cannot load the TLS certificate and key", "err", gnutls_strerror(gerr));
			return ERR_CONFIG;
		}
		*flags |= MHD_USE_TLS;
		tls[nt++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
						     (void *)&serve_identity };
		tls[nt++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						     (void *)webconfig_tls_priorities(web) };
		/* the trust list verifies client certificates, and names the
		 * acceptable CAs in the certificate request */
		if (webconfig_tls_client_ca_pem(web))
			tls[nt++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0,
							     (void *)webconfig_tls_client_ca_pem(web) };
	}
	tls[nt] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	if (webconfig_tls_enabled(web) && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		log_error("TLS asked by the web configuration, but this libmicrohttpd was built without it");
		identity_release();
		return ERR_CONFIG;
	}
	return ERR_OK;
}

/* Serving from the snapshot's views, the first process block made at
 * once, and the ticker that renews it. ERR_NOMEM when the ticker cannot
 * start (nothing is left serving then). */
static enum err start_serving(struct server *s)
{
	const struct snapshot_serve_ops ops = { served_build, served_drop, NULL };
	snapshot_serve(&ops);
	publish_process_block(s);
	if (pthread_create(&s->ticker, NULL, tick, s) != 0) {
		snapshot_serve(NULL);
		return ERR_NOMEM;
	}
	s->ticking = true;
	return ERR_OK;
}

static void stop_serving(struct server *s)
{
	if (!s->ticking)
		return;
	pthread_mutex_lock(&s->tick_lock);
	s->stop_ticking = true;
	pthread_cond_signal(&s->tick_cond);
	pthread_mutex_unlock(&s->tick_lock);
	pthread_join(s->ticker, NULL);
	s->ticking = false;
	/* the responses of the current view go; none is queued any more */
	snapshot_serve(NULL);
}

/* Starts libmicrohttpd on ss with the given flags and TLS options.
 * ERR_IO, logged, when it cannot listen. */
static enum err start_daemon(struct server *s, unsigned flags, unsigned port,
			     struct sockaddr_storage *ss, struct MHD_OptionItem *tls)
{
	/* A thread pool and limits, so that slow clients cannot starve the
	 * rest. libmicrohttpd's time-out counts idle time only, so connguard
	 * holds each request to a total deadline (TLS handshake included)
	 * and each client address to its share of the connections, and
	 * makes room for a new address when all are taken; libmicrohttpd's
	 * own limit leaves headroom for the connections being cut. */
	unsigned idle = (unsigned)settings_request_timeout(s->settings) + 1;
	s->daemon = MHD_start_daemon(flags, (uint16_t)port, admit, s, on_request, s,
				     MHD_OPTION_EXTERNAL_LOGGER, log_mhd, s,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)ss,
				     MHD_OPTION_THREAD_POOL_SIZE, 2u,
				     MHD_OPTION_CONNECTION_LIMIT,
				     (unsigned)(SERVER_CONNECTIONS_MAX + CONNGUARD_HEADROOM),
				     MHD_OPTION_CONNECTION_TIMEOUT, idle,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
				     MHD_OPTION_NOTIFY_COMPLETED, request_completed, s,
				     MHD_OPTION_ARRAY, tls,
				     MHD_OPTION_END);
	atomic_store(&s->running, true);
	if (!s->daemon) {
		log_error("cannot listen", "address", settings_listen_address(s->settings),
			  "err", "address in use, not permitted, or not available");
		return ERR_IO;
	}
	return ERR_OK;
}

/* The "listening" line, with the port bound (port 0 asks for any). */
static void log_listening(const struct server *s, const char *host, unsigned port)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	char bound[300];
	snprintf(bound, sizeof bound, "%s%s%s:%u", strchr(host, ':') ? "[" : "", host,
		 strchr(host, ':') ? "]" : "", info ? (unsigned)info->port : port);
	log_info("listening", "address", bound, "telemetry_path",
		 settings_telemetry_path(s->settings), "tls",
		 webconfig_tls_enabled(s->web) ? "true" : "false", "basic_auth",
		 webconfig_requires_auth(s->web) ? "true" : "false");
}

enum err server_start(const struct settings *settings, struct webconfig *web,
		      struct server **out)
{
	char host[256];
	unsigned port;
	if (!settings_parse_listen_address(settings_listen_address(settings), host, sizeof host,
					   &port))
		return ERR_CONFIG;
	struct server *s = NULL;
	enum err e = create(settings, web, &s);
	if (e != ERR_OK)
		return e;
	MHD_set_panic_func(log_panic, NULL);
	/* suspend and resume: a login waits for its bcrypt off these threads */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;
	struct sockaddr_storage ss;
	struct MHD_OptionItem tls[TLS_OPTIONS_MAX];
	if ((e = listen_address(settings, host, port, &ss, &flags)) != ERR_OK ||
	    (e = tls_options(web, tls, &flags)) != ERR_OK ||
	    (e = start_serving(s)) != ERR_OK ||
	    (e = start_daemon(s, flags, port, &ss, tls)) != ERR_OK)
		goto out;
	/* GnuTLS's form of the key is all that is needed now */
	webconfig_tls_forget_key(web);
	log_listening(s, host, port);
	*out = s;
	s = NULL;
out:
	/* a server that did not start: the daemon, the ticker, the identity,
	 * the gate, the guard, the locks and the struct, whichever were taken */
	server_stop(s);
	return e;
}

void server_stop(struct server *s)
{
	if (!s)
		return;
	/* no suspended connection may remain when libmicrohttpd stops: the
	 * gate finishes its check, which resumes its connection, and takes
	 * no other */
	authgate_drain(s->gate);
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	stop_serving(s);
	authgate_free(s->gate);
	connguard_free(s->guard);
	identity_release();
	pthread_cond_destroy(&s->tick_cond);
	pthread_mutex_destroy(&s->tick_lock);
	free(s);
}
