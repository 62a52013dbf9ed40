/* api.c - libcurl transport to the DigitalOcean API.
 *
 * Runs on the poller thread. A batch of requests is driven by one multi
 * handle over a small pool of easy handles, so transfers run in parallel
 * over connections that stay open from one request (and cycle) to the
 * next. Starts are paced by ratelimit.c; the stop flag is looked at every
 * 100 ms at most, whatever the time-out.
 * Never logs the token or a body: debug lines carry method, path, status
 * and duration only.
 */
#include "clock.h"
#include "api.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apiheader.h"
#include "buildinfo.h"
#include "log.h"
#include "ratelimit.h"
#include "secret.h"
#include "settings.h"
#include "url.h"

/* Exponential backoff between tries: 1 s, 2 s, 4 s ... with jitter, capped. */
#define BACKOFF_BASE 1.0
#define BACKOFF_MAX 30.0
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
	bool have_limit, have_remaining, have_reset, have_retry_after;
	double limit, remaining, reset, retry_after;
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

/* A request waiting for its (next) try. */
struct pending {
	struct api_request *req;
	double not_before;
	int tries;
};

/* xorshift64*: jitter needs no quality beyond not being in lockstep. */
static double random_unit(struct api *a)
{
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
	struct transfer *t = userp;
	size_t n = size * nmemb;
	double v = 0;
	bool ok = false;
	switch (apiheader_parse(line, n, &v, &ok)) {
	case APIHEADER_STATUS:
		/* a new status line: headers of an interim answer do not count */
		t->have_limit = t->have_remaining = t->have_reset = t->have_retry_after = false;
		break;
	case APIHEADER_LIMIT:
		if ((t->have_limit = ok))
			t->limit = v;
		break;
	case APIHEADER_REMAINING:
		if ((t->have_remaining = ok))
			t->remaining = v;
		break;
	case APIHEADER_RESET:
		if ((t->have_reset = ok))
			t->reset = v;
		break;
	case APIHEADER_RETRY_AFTER:
		/* only the seconds form; the API sends no HTTP-date here */
		if ((t->have_retry_after = ok))
			t->retry_after = v;
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

static enum reason reason_of(CURLcode rc, const struct transfer *t)
{
	if (t->over_cap)
		return REASON_TOO_LARGE;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return REASON_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return REASON_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_SHUTDOWN_FAILED:
		return REASON_TLS;
	case CURLE_FILESIZE_EXCEEDED:
		return REASON_TOO_LARGE;
	default:
		/* closed mid-answer, nothing at all, or a garbled answer */
		return REASON_RESET;
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

static bool retryable(const struct api_request *req)
{
	if (req->result == ERR_HTTP)
		return req->res.status == 429 || req->res.status >= 500;
	if (req->result == ERR_TRANSPORT)
		return req->res.reason == REASON_TIMEOUT || req->res.reason == REASON_CONNECT ||
		       req->res.reason == REASON_RESET;
	return false;
}

/* Turns a finished transfer into req->result and req->res, counting it. */
static void finish(struct api *a, struct slot *s, CURLcode rc)
{
	struct api_request *req = s->req;
	struct transfer *t = &s->t;
	double took = clock_mono() - s->started;
	long status = 0, connects = 0;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	if (curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0)
		a->stats->connections += (unsigned long long)connects;
	curl_multi_remove_handle(a->multi, s->easy);
	s->req = NULL;
	free(s->url);
	s->url = NULL;
	headers_release(s);
	if (req->secret)
		recycle_easy(s);

	const char *epn = endpoint_name(req->ep);
	char took_s[32], status_s[16];
	snprintf(took_s, sizeof took_s, "%.3f", took);
	snprintf(status_s, sizeof status_s, "%ld", status);
	memset(&req->res, 0, sizeof req->res);
	req->res.status = status;

	if (status >= 100) {
		apistats_count_request(a->stats, req->ep, status);
		/* answers of parallel requests arrive out of order: within one
		 * window (the same limit and reset), the lowest remaining is the
		 * newest; a new limit or reset starts a new window, and is
		 * followed at once (the plan follows the latest headers) */
		if (t->have_limit && t->have_remaining && t->have_reset) {
			bool same_window = a->stats->have_rate_limit &&
					   t->reset == a->stats->rate_limit_reset &&
					   t->limit == a->stats->rate_limit_limit;
			double remaining = t->remaining;
			if (same_window && a->stats->rate_limit_remaining < remaining)
				remaining = a->stats->rate_limit_remaining;
			a->stats->have_rate_limit = true;
			a->stats->rate_limit_limit = t->limit;
			a->stats->rate_limit_remaining = remaining;
			a->stats->rate_limit_reset = t->reset;
			ratelimit_on_headers(&a->rl, clock_mono(), clock_real(), t->limit, remaining,
					     t->reset);
		}
	}
	if (rc != CURLE_OK && atomic_load(a->stop)) {
		req->result = ERR_CANCELLED;
		req->res.reason = REASON_RESET;
	} else if (t->oom) {
		req->result = ERR_NOMEM;
		req->res.reason = REASON_RESET;
		log_error("out of memory reading an answer", "endpoint", epn);
	} else if (rc != CURLE_OK) {
		req->res.reason = reason_of(rc, t);
		req->result = req->res.reason == REASON_TOO_LARGE ? ERR_TOOBIG : ERR_TRANSPORT;
		apistats_count_error(a->stats, req->ep, req->res.reason);
		apistats_observe_duration(a->stats, req->ep, took);
		log_warn("API request failed", "endpoint", epn, "path", req->path, "reason",
			 reason_name(req->res.reason), "err",
			 s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc), "duration", took_s);
	} else if (status < 200 || status > 299) {
		req->result = ERR_HTTP;
		req->res.reason = REASON_STATUS;
		apistats_count_error(a->stats, req->ep, REASON_STATUS);
		apistats_observe_duration(a->stats, req->ep, took);
		if (status == 429)
			ratelimit_on_429(&a->rl, clock_mono(), clock_real(),
					 t->have_retry_after ? t->retry_after : -1,
					 t->have_reset ? t->reset : -1);
	} else {
		req->result = ERR_OK;
		apistats_observe_duration(a->stats, req->ep, took);
		log_debug("API request", "method", "GET", "endpoint", epn, "path", req->path,
			  "status", status_s, "duration", took_s);
	}
	if (req->result == ERR_OK || req->result == ERR_HTTP) {
		if (!t->buf)
			t->buf = calloc(1, 1);
		if (!t->buf) {
			req->result = ERR_NOMEM;
			return;
		}
		req->res.body = t->buf;
		req->res.len = t->len;
		t->buf = NULL;
	} else {
		transfer_discard(t);
	}
}

static void end(struct api_request *req, enum err result, api_done_fn done, void *ctx)
{
	if (result != ERR_OK) {
		req->result = result;
		memset(&req->res, 0, sizeof req->res);
	}
	done(req, ctx);
}

void api_run(struct api *a, struct api_request *reqs, size_t n, double deadline_mono,
	     api_done_fn done, void *ctx)
{
	/* first tries go in order from next_new; retries wait in the queue */
	size_t next_new = 0;
	struct pending *retry = NULL;
	size_t nretry = 0, retry_cap = 0;
	size_t running = 0;
	int max_tries = 1 + (int)settings_retries(a->settings);
	/* tries so far of each request, by index */
	int *tries = calloc(n ? n : 1, sizeof *tries);
	if (!tries) {
		for (size_t i = 0; i < n; i++)
			end(&reqs[i], ERR_NOMEM, done, ctx);
		return;
	}

	while (next_new < n || nretry > 0 || running > 0) {
		double now = clock_mono();
		bool stopping = atomic_load(a->stop);
		double wake = now + WAIT_SLICE_MS / 1000.0;

		/* start what may start */
		for (size_t i = 0; i < a->nslots && !stopping; i++) {
			struct slot *s = &a->slots[i];
			if (s->req)
				continue;
			/* the earliest due retry, else the next first try */
			struct api_request *req = NULL;
			size_t ri = SIZE_MAX;
			for (size_t r = 0; r < nretry; r++)
				if (retry[r].not_before <= now && (ri == SIZE_MAX || retry[r].not_before < retry[ri].not_before))
					ri = r;
			if (ri != SIZE_MAX)
				req = retry[ri].req;
			else if (next_new < n)
				req = &reqs[next_new];
			if (!req)
				break;
			double at = ratelimit_next_start(&a->rl, now);
			if (at > now && at > deadline_mono)
				break;
			if (at > now) {
				if (at < wake)
					wake = at;
				break;
			}
			if (!start(a, s, req)) {
				log_error("out of memory starting a request");
				break;
			}
			if (ri != SIZE_MAX)
				retry[ri] = retry[--nretry];
			else
				next_new++;
			tries[req - reqs]++;
			running++;
		}
		/* a due retry matters only when a slot is free to take it; with
		 * every slot busy, curl_multi_poll wakes on their progress */
		bool slot_free = false;
		for (size_t i = 0; i < a->nslots; i++)
			slot_free = slot_free || !a->slots[i].req;
		/* a retry already due waits on the budget, whose time is in
		 * wake already: only a later one sets the wake, else the loop
		 * would spin until the budget lets it go */
		for (size_t r = 0; r < nretry && slot_free; r++)
			if (retry[r].not_before > now && retry[r].not_before < wake)
				wake = retry[r].not_before;
		if (!slot_free)
			wake = now + WAIT_SLICE_MS / 1000.0;

		/* nothing can start any more: what waits will never be sent. Only
		 * the scheduler (pacing, a 429 pause) holds requests back past
		 * the deadline; a merely busy batch runs to its end. */
		double at = ratelimit_next_start(&a->rl, now);
		bool blocked = at > now && at > deadline_mono;
		if (running == 0 && (stopping || blocked)) {
			enum err why = stopping ? ERR_CANCELLED : ERR_THROTTLED;
			for (size_t r = 0; r < nretry; r++)
				end(retry[r].req, why, done, ctx);
			for (; next_new < n; next_new++)
				end(&reqs[next_new], why, done, ctx);
			break;
		}

		int still = 0;
		if (running > 0)
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
			running--;
			int used = tries[req - reqs];
			if (retryable(req) && used < max_tries && !atomic_load(a->stop)) {
				double wait = BACKOFF_BASE * (double)(1 << (used - 1)) *
					      (0.5 + random_unit(a));
				if (wait > BACKOFF_MAX)
					wait = BACKOFF_MAX;
				double not_before = clock_mono() + wait;
				/* after a 429 the pause decides; the backoff adds nothing */
				if (req->res.status == 429)
					not_before = clock_mono();
				if (not_before < deadline_mono) {
					if (nretry == retry_cap) {
						size_t nc = retry_cap ? retry_cap * 2 : 16;
						struct pending *nr = realloc(retry, nc * sizeof *nr);
						if (!nr) {
							done(req, ctx);
							continue;
						}
						retry = nr;
						retry_cap = nc;
					}
					char left[16];
					snprintf(left, sizeof left, "%d", max_tries - used);
					log_debug("retrying", "endpoint", endpoint_name(req->ep), "path",
						  req->path, "tries_left", left);
					api_response_cleanup(&req->res, req->secret);
					apistats_count_retry(a->stats, req->ep);
					retry[nretry++] = (struct pending){ req, not_before, used };
					continue;
				}
			}
			done(req, ctx);
		}
		if (stopping) {
			/* abandon transfers in flight: their answers no longer matter */
			for (size_t i = 0; i < a->nslots; i++) {
				struct slot *s = &a->slots[i];
				if (!s->req)
					continue;
				struct api_request *req = s->req;
				curl_multi_remove_handle(a->multi, s->easy);
				s->req = NULL;
				free(s->url);
				s->url = NULL;
				transfer_discard(&s->t);
				running--;
				end(req, ERR_CANCELLED, done, ctx);
			}
			continue;
		}
		/* a transfer ended: its slot may take waiting work right away, and
		 * the batch may be over; never sleep on either */
		if (completed > 0)
			continue;
		if (a->idle)
			a->idle(a->idle_ctx);
		double left = wake - clock_mono();
		int ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
		if (ms > WAIT_SLICE_MS)
			ms = WAIT_SLICE_MS;
		if (running > 0)
			curl_multi_poll(a->multi, NULL, 0, ms, NULL);
		else if (ms > 0) {
			struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	free(retry);
	free(tries);
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
