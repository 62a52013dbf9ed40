/* api.c - libcurl transport to the DigitalOcean API.
 *
 * Runs on the poller thread. A batch of requests is driven by one multi
 * handle over a small pool of easy handles, so transfers run in parallel
 * over connections that stay open from one request (and cycle) to the
 * next. Which request starts next, when a failed one is tried again and
 * what a 429 means are apisched.c's to say (starts are paced by
 * ratelimit.c); this file moves the bytes. The stop flag is looked at
 * every 100 ms at most, whatever the time-out.
 * Never logs the token or a body: debug lines carry method, path, status
 * and duration only.
 */
#include "clock.h"
#include "api.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apiheader.h"
#include "apisched.h"
#include "buildinfo.h"
#include "log.h"
#include "ratelimit.h"
#include "scheduler.h"
#include "secret.h"
#include "settings.h"
#include "url.h"

/* The longest single wait in the loop, so that stop is seen quickly. */
#define WAIT_SLICE_MS 100
/* Whatever a header says, the budget holds requests back no longer than
 * max(poll.interval, this). */
#define API_MAX_GAP_MIN 300.0

/* What the callbacks of one transfer fill. */
struct transfer {
	char *buf;
	size_t len;
	size_t size;
	size_t cap;
	bool secret;
	bool over_cap;
	bool oom;
	struct apisched_headers h; /* the ratelimit-* and Retry-After headers */
};

/* An easy handle and the request it is running, if any. */
struct slot {
	CURL *easy;
	struct api_request *req; /* NULL when free */
	struct transfer t;
	double started;
	char *url;
	struct curl_slist *headers; /* this transfer's; holds the token: see headers_build */
	char errbuf[CURL_ERROR_SIZE];
};

struct api {
	const struct settings *settings;
	struct apistats *stats;
	const atomic_bool *stop;
	struct url_origin origin;
	CURLM *multi;
	char *token; /* secret: wiped by api_free */
	struct slot *slots;
	size_t nslots;
	struct ratelimit rl;
	void (*idle)(void *ctx); /* called while api_run waits */
	void *idle_ctx;
	unsigned long long rng; /* for jitter */
};

/* xorshift64* over the struct api at ctx: jitter needs no quality beyond
 * not being in lockstep. */
static double random_unit(void *ctx)
{
	struct api *a = ctx;
	a->rng ^= a->rng >> 12;
	a->rng ^= a->rng << 25;
	a->rng ^= a->rng >> 27;
	return (double)((a->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * nmemb;
	if (t->len + n > t->cap) {
		t->over_cap = true;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	if (t->len + n + 1 > t->size) {
		size_t ns = t->size ? t->size : 16384;
		while (t->len + n + 1 > ns)
			ns *= 2;
		/* not realloc: a secret must not stay behind in a freed block */
		char *nb = malloc(ns);
		if (!nb) {
			t->oom = true;
			return 0;
		}
		if (t->buf) {
			memcpy(nb, t->buf, t->len);
			if (t->secret)
				secret_wipe(t->buf, t->size);
			free(t->buf);
		}
		t->buf = nb;
		t->size = ns;
	}
	memcpy(t->buf + t->len, data, n);
	t->len += n;
	t->buf[t->len] = '\0';
	return n;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userp)
{
	struct apisched_headers *h = &((struct transfer *)userp)->h;
	size_t n = size * nmemb;
	double v = 0;
	bool ok = false;
	switch (apiheader_parse(line, n, &v, &ok)) {
	case APIHEADER_STATUS:
		/* a new status line: headers of an interim answer do not count */
		h->have_limit = h->have_remaining = h->have_reset = h->have_retry_after = false;
		break;
	case APIHEADER_LIMIT:
		if ((h->have_limit = ok))
			h->limit = v;
		break;
	case APIHEADER_REMAINING:
		if ((h->have_remaining = ok))
			h->remaining = v;
		break;
	case APIHEADER_RESET:
		if ((h->have_reset = ok))
			h->reset_real = v;
		break;
	case APIHEADER_RETRY_AFTER:
		/* only the seconds form; the API sends no HTTP-date here */
		if ((h->have_retry_after = ok))
			h->retry_after = v;
		break;
	case APIHEADER_OTHER:
		break;
	}
	return n;
}

enum err api_new(const struct settings *settings, const char *token, struct apistats *stats,
		 const atomic_bool *stop, struct api **out)
{
	struct api *a = calloc(1, sizeof *a);
	if (!a)
		return ERR_NOMEM;
	a->settings = settings;
	a->stats = stats;
	a->stop = stop;
	a->rng = (unsigned long long)time(NULL) * 6364136223846793005ULL + 1442695040888963407ULL;
	double max_gap = (double)settings_poll_interval(settings);
	if (!ratelimit_init(&a->rl, settings_max_requests_per_minute(settings),
			    settings_hourly_budget_fraction(settings),
			    max_gap > API_MAX_GAP_MIN ? max_gap : API_MAX_GAP_MIN)) {
		free(a);
		return ERR_NOMEM;
	}
	if (!url_parse_origin(settings_api_url(settings), &a->origin)) {
		ratelimit_cleanup(&a->rl);
		free(a);
		return ERR_CONFIG;
	}
	size_t nslots = (size_t)settings_max_parallel(settings);
	a->slots = calloc(nslots, sizeof *a->slots);
	if (a->slots)
		a->nslots = nslots;
	a->multi = curl_multi_init();
	a->token = strdup(token);
	if (!a->slots || !a->multi || !a->token) {
		api_free(a);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < a->nslots; i++) {
		a->slots[i].easy = curl_easy_init();
		if (!a->slots[i].easy) {
			api_free(a);
			return ERR_NOMEM;
		}
	}
	/* every connection to the one host the exporter talks to */
	curl_multi_setopt(a->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)a->nslots);
	*out = a;
	return ERR_OK;
}

/* Wipes and frees the headers of slot s's last transfer. */
static void headers_release(struct slot *s)
{
	for (struct curl_slist *h = s->headers; h; h = h->next)
		secret_wipe(h->data, strlen(h->data));
	curl_slist_free_all(s->headers);
	s->headers = NULL;
}

/* The request headers of one transfer on slot s. The Authorization line
 * is built once, in a buffer wiped at once, and lives only as long as
 * the transfer: headers_release when it ends. */
static bool headers_build(const struct api *a, struct slot *s)
{
	headers_release(s);
	size_t n = strlen(a->token) + sizeof "Authorization: Bearer ";
	char *auth = malloc(n);
	if (!auth)
		return false;
	snprintf(auth, n, "Authorization: Bearer %s", a->token);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	secret_wipe(auth, n);
	free(auth);
	if (!h)
		return false;
	s->headers = h;
	if (!curl_slist_append(h, "Accept: application/json")) {
		headers_release(s);
		return false;
	}
	return true;
}

/* A fresh easy handle for slot s after a transfer whose answer holds
 * secrets: libcurl keeps the last bytes received in a buffer of the
 * handle until its next transfer; freeing the handle frees the buffer,
 * and the allocator given to curl_global_init_mem (secret_free) wipes
 * it. The connection stays in the multi handle's cache. */
static void recycle_easy(struct slot *s)
{
	CURL *fresh = curl_easy_init();
	if (!fresh)
		return; /* out of memory: the old handle serves on */
	curl_easy_cleanup(s->easy);
	s->easy = fresh;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	for (size_t i = 0; a->slots && i < a->nslots; i++) {
		if (a->slots[i].easy) {
			if (a->slots[i].req && a->multi)
				curl_multi_remove_handle(a->multi, a->slots[i].easy);
			curl_easy_cleanup(a->slots[i].easy);
		}
		headers_release(&a->slots[i]);
	}
	free(a->slots);
	if (a->multi)
		curl_multi_cleanup(a->multi);
	if (a->token) {
		secret_wipe(a->token, strlen(a->token));
		free(a->token);
	}
	ratelimit_cleanup(&a->rl);
	free(a);
}

bool api_path_of(const struct api *a, const char *url, const char **path)
{
	struct url_origin o;
	if (!url_parse_origin(url, &o) || !url_same_origin(&o, &a->origin) || o.rest[0] != '/')
		return false;
	*path = o.rest;
	return true;
}

void api_set_idle(struct api *a, void (*fn)(void *ctx), void *ctx)
{
	a->idle = fn;
	a->idle_ctx = ctx;
}

double api_hourly_rate(const struct api *a)
{
	return ratelimit_hourly_rate(&a->rl);
}

size_t api_room(const struct api *a, double now_mono)
{
	return ratelimit_room(&a->rl, now_mono);
}

int api_hold_from(const struct api *a, double now_mono)
{
	if (ratelimit_minute_nearly_spent(&a->rl, now_mono, SCHED_RESERVE))
		return SCHED_PRIO_AGED;
	if (ratelimit_hour_nearly_spent(&a->rl, now_mono, SCHED_RESERVE))
		return SCHED_PRIO_CREDENTIALS;
	return 0;
}
double api_next_start(const struct api *a, double now_mono)
{
	return ratelimit_next_start(&a->rl, now_mono);
}

double api_rate_limit_limit(const struct api *a)
{
	return a->rl.have_headers ? a->rl.limit : 0;
}

void api_inherit_budget(struct api *to, const struct api *from)
{
	ratelimit_inherit(&to->rl, &from->rl);
}

double api_throttled_until(const struct api *a)
{
	return a->rl.paused_until_real;
}

/* The failure a transfer that got no answer ended with. */
static enum err failure_of(CURLcode rc, const struct transfer *t)
{
	if (t->over_cap)
		return ERR_TOOBIG;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return ERR_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return ERR_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_SHUTDOWN_FAILED:
		return ERR_TLS;
	case CURLE_FILESIZE_EXCEEDED:
		return ERR_TOOBIG;
	default:
		/* closed mid-answer, nothing at all, or a garbled answer */
		return ERR_RESET;
	}
}

static void transfer_discard(struct transfer *t)
{
	if (t->buf && t->secret)
		secret_wipe(t->buf, t->size);
	free(t->buf);
	t->buf = NULL;
}

/* Sets up slot s for req and adds it to the multi handle. */
static bool start(struct api *a, struct slot *s, struct api_request *req)
{
	const char *base = settings_api_url(a->settings);
	size_t url_len = strlen(base) + strlen(req->path) + 1;
	s->url = malloc(url_len);
	if (!s->url)
		return false;
	snprintf(s->url, url_len, "%s%s", base, req->path);
	if (!headers_build(a, s)) {
		free(s->url);
		s->url = NULL;
		return false;
	}
	s->t = (struct transfer){ .cap = settings_max_response_bytes(a->settings),
				  .secret = req->secret };
	s->errbuf[0] = '\0';
	long timeout_ms = (long)(settings_api_timeout(a->settings) * 1000);
	CURL *e = s->easy;
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, s->url);
	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, buildinfo_user_agent());
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	/* http:// is allowed to loopback only, where a proxy (http_proxy in the
	 * environment) would only see the token in clear text; https:// may go
	 * through one, as a tunnel */
	if (!a->origin.https)
		curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075700
	/* a stop must not wait for the resolver thread of a hung name lookup:
	 * libcurl (7.87.0 and later) leaves it behind instead of joining it */
	curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
#endif
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->t.cap);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &s->t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &s->t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, s);
	if (curl_multi_add_handle(a->multi, e) != CURLM_OK) {
		free(s->url);
		s->url = NULL;
		headers_release(s);
		return false;
	}
	s->req = req;
	s->started = clock_mono();
	ratelimit_on_start(&a->rl, s->started);
	return true;
}

/* Takes the transfer on slot s out of the multi handle and wipes and frees
 * what it held but its answer (in s->t). */
static void slot_detach(struct api *a, struct slot *s)
{
	curl_multi_remove_handle(a->multi, s->easy);
	s->req = NULL;
	free(s->url);
	s->url = NULL;
	headers_release(s);
}

/* Sets req->result for a transfer that ended with rc
 * and HTTP status (0: none) after took seconds, counting and logging it. */
static void judge(struct api *a, const struct slot *s, struct api_request *req, CURLcode rc,
		  long status, double took)
{
	const char *epn = apistats_endpoint_name(req->ep);
	if (rc != CURLE_OK && atomic_load(a->stop)) {
		req->result = ERR_CANCELLED;
	} else if (s->t.oom) {
		req->result = ERR_NOMEM;
		log_error("out of memory reading an answer", "endpoint", epn);
	} else if (rc != CURLE_OK) {
		req->result = failure_of(rc, &s->t);
		apistats_count_error(a->stats, req->ep, req->result);
		apistats_observe_duration(a->stats, req->ep, took);
		log_warn("API request failed", "endpoint", epn, "path", req->path, "reason",
			 err_reason(req->result), "err",
			 s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc), "duration", LOG_SECONDS(took));
	} else if (status < 200 || status > 299) {
		req->result = ERR_HTTP;
		apistats_count_error(a->stats, req->ep, ERR_HTTP);
		apistats_observe_duration(a->stats, req->ep, took);
	} else {
		req->result = ERR_OK;
		apistats_observe_duration(a->stats, req->ep, took);
		log_debug("API request", "method", "GET", "endpoint", epn, "path", req->path,
			  "status", LOG_INT(status), "duration", LOG_SECONDS(took));
	}
}

/* Hands the body of t to req->res when the request has an answer to read
 * (ERR_OK, or ERR_HTTP for its error id); discards it otherwise. */
static void keep_body(struct api_request *req, struct transfer *t)
{
	if (req->result != ERR_OK && req->result != ERR_HTTP) {
		transfer_discard(t);
		return;
	}
	if (!t->buf)
		t->buf = calloc(1, 1);
	if (!t->buf) {
		req->result = ERR_NOMEM;
		return;
	}
	req->res.body = t->buf;
	req->res.len = t->len;
	t->buf = NULL;
}

/* Turns a finished transfer into req->result and req->res, counting it. */
static void finish(struct api *a, struct slot *s, CURLcode rc)
{
	struct api_request *req = s->req;
	double took = clock_mono() - s->started;
	long status = 0, connects = 0;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	if (curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0)
		a->stats->connections += (unsigned long long)connects;
	slot_detach(a, s);
	if (req->secret)
		recycle_easy(s);

	memset(&req->res, 0, sizeof req->res);
	req->res.status = status;
	if (status >= 100)
		apistats_count_request(a->stats, req->ep, status);
	apisched_on_answer(&a->rl, a->stats, status, rc == CURLE_OK && !s->t.oom, &s->t.h,
			   clock_mono(), clock_real());
	judge(a, s, req, rc, status, took);
	keep_body(req, &s->t);
}

static void end(struct api_request *req, enum err result, api_done_fn done, void *ctx)
{
	if (result != ERR_OK) {
		req->result = result;
		memset(&req->res, 0, sizeof req->res);
	}
	done(req, ctx);
}

/* One api_run: its batch, the batch's line (apisched.h), and the caller's
 * callback. */
struct run {
	struct api *a;
	struct api_request *reqs; /* borrowed: the batch */
	struct apisched q;
	size_t running; /* transfers in flight */
	double deadline;
	api_done_fn done;
	void *ctx;
};

static bool slot_free(const struct api *a)
{
	for (size_t i = 0; i < a->nslots; i++)
		if (!a->slots[i].req)
			return true;
	return false;
}

/* Starts on the free slots what may start at now: the earliest due retry,
 * else the next first try, as far as the budget lets them go. Returns the
 * latest time to look again. */
static double start_due(struct run *r, double now, bool stopping)
{
	struct api *a = r->a;
	double wake = now + WAIT_SLICE_MS / 1000.0;
	for (size_t i = 0; i < a->nslots && !stopping; i++) {
		struct slot *s = &a->slots[i];
		if (s->req)
			continue;
		struct apisched_pick pick;
		double at = 0;
		enum apisched_next next = apisched_choose(&r->q, &a->rl, now, r->deadline, &pick, &at);
		if (next == APISCHED_HOLD && at < wake)
			wake = at;
		if (next != APISCHED_GO)
			break;
		if (!start(a, s, &r->reqs[pick.index])) {
			log_error("out of memory starting a request");
			break;
		}
		apisched_take(&r->q, &pick);
		r->running++;
	}
	/* a due retry matters only when a slot is free to take it; with
	 * every slot busy, curl_multi_poll wakes on their progress */
	if (!slot_free(a))
		return now + WAIT_SLICE_MS / 1000.0;
	return apisched_wake(&r->q, now, wake);
}

/* Puts req, whose try just failed, back in line when the failure is worth
 * another try and one is left within the deadline: true then, with its
 * answer released. */
static bool schedule_retry(struct run *r, struct api_request *req)
{
	struct api *a = r->a;
	size_t i = (size_t)(req - r->reqs);
	bool retryable = apisched_retryable(req->result, req->res.status) &&
			 !atomic_load(a->stop);
	if (!apisched_retry(&r->q, i, retryable, req->res.status == 429, clock_mono(),
			    r->deadline, random_unit, a))
		return false;
	log_debug("retrying", "endpoint", apistats_endpoint_name(req->ep), "path", req->path, "tries_left",
		  LOG_INT(apisched_tries_left(&r->q, i)));
	api_response_cleanup(&req->res, req->secret);
	apistats_count_retry(a->stats, req->ep);
	return true;
}

/* Moves the transfers along and reads those that ended: each is tried
 * again or handed to done. Returns how many ended. */
static int collect(struct run *r)
{
	struct api *a = r->a;
	int still = 0;
	if (r->running > 0)
		curl_multi_perform(a->multi, &still);
	int queued;
	int completed = 0;
	CURLMsg *msg;
	while ((msg = curl_multi_info_read(a->multi, &queued)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		completed++;
		struct slot *s = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		CURLcode rc = msg->data.result;
		struct api_request *req = s->req;
		finish(a, s, rc);
		r->running--;
		if (!schedule_retry(r, req))
			r->done(req, r->ctx);
	}
	return completed;
}

/* Ends unsent, with why, every request that waits for a try. */
static void end_waiting(struct run *r, enum err why)
{
	size_t i;
	while (apisched_drop(&r->q, &i))
		end(&r->reqs[i], why, r->done, r->ctx);
}

/* A stop: the transfers in flight are abandoned, since their answers no
 * longer matter. */
static void abandon_transfers(struct run *r)
{
	struct api *a = r->a;
	for (size_t i = 0; i < a->nslots; i++) {
		struct slot *s = &a->slots[i];
		if (!s->req)
			continue;
		struct api_request *req = s->req;
		slot_detach(a, s);
		transfer_discard(&s->t);
		r->running--;
		end(req, ERR_CANCELLED, r->done, r->ctx);
	}
}

/* Waits until wake, or on the transfers' progress, never longer than
 * WAIT_SLICE_MS, so that a stop is seen; the idle callback goes first. */
static void wait_until(struct run *r, double wake)
{
	struct api *a = r->a;
	if (a->idle)
		a->idle(a->idle_ctx);
	double left = wake - clock_mono();
	int ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
	if (ms > WAIT_SLICE_MS)
		ms = WAIT_SLICE_MS;
	if (r->running > 0)
		curl_multi_poll(a->multi, NULL, 0, ms, NULL);
	else if (ms > 0) {
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
}

void api_run(struct api *a, struct api_request *reqs, size_t n, double deadline_mono,
	     api_done_fn done, void *ctx)
{
	struct run r = { .a = a, .reqs = reqs, .deadline = deadline_mono, .done = done, .ctx = ctx };
	if (apisched_init(&r.q, n, (int)settings_retries(a->settings)) != ERR_OK) {
		for (size_t i = 0; i < n; i++)
			end(&reqs[i], ERR_NOMEM, done, ctx);
		return;
	}
	while (apisched_waiting(&r.q) || r.running > 0) {
		double now = clock_mono();
		bool stopping = atomic_load(a->stop);
		double wake = start_due(&r, now, stopping);
		/* nothing can start any more: what waits will never be sent. Only
		 * the scheduler (pacing, a 429 pause) holds requests back past
		 * the deadline; a merely busy batch runs to its end. */
		if (r.running == 0 && (stopping || apisched_blocked(&a->rl, now, deadline_mono))) {
			end_waiting(&r, stopping ? ERR_CANCELLED : ERR_THROTTLED);
			break;
		}
		int completed = collect(&r);
		if (stopping)
			abandon_transfers(&r);
		/* a transfer ended: its slot may take waiting work right away, and
		 * the batch may be over; never sleep on either */
		else if (completed == 0)
			wait_until(&r, wake);
	}
	apisched_cleanup(&r.q);
}

struct one {
	struct api_response *out;
	enum err result;
};

static void one_done(struct api_request *req, void *ctx)
{
	struct one *o = ctx;
	o->result = req->result;
	*o->out = req->res;
}

enum err api_get(struct api *a, enum endpoint ep, const char *path, bool secret,
		 double deadline_mono, struct api_response *out)
{
	memset(out, 0, sizeof *out);
	struct api_request req = { .ep = ep, .path = path, .secret = secret };
	struct one o = { .out = out, .result = ERR_CANCELLED };
	api_run(a, &req, 1, deadline_mono, one_done, &o);
	return o.result;
}

void api_response_cleanup(struct api_response *r, bool secret)
{
	if (!r)
		return;
	if (r->body && secret)
		secret_wipe(r->body, r->len);
	free(r->body);
	r->body = NULL;
	r->len = 0;
}
