/* api.c - libcurl transport to the DigitalOcean API.
 *
 * Runs on the poller thread. One easy handle is reused, so connections
 * are kept alive between requests; the multi interface drives it so that
 * the stop flag is looked at every 100 ms, whatever the time-out.
 * Never logs the token or a body: debug lines carry method, path, status
 * and duration only.
 */
#include "api.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "secret.h"
#include "settings.h"
#include "url.h"

#ifndef DOKS_VERSION
#define DOKS_VERSION "0.0.0"
#endif

struct api {
	const struct settings *settings;
	struct apistats *stats;
	const atomic_bool *stop;
	struct url_origin origin;
	CURL *easy;
	CURLM *multi;
	struct curl_slist *headers; /* holds the token: wiped before freeing */
	size_t cap;
};

/* The state of one transfer, filled by the callbacks. */
struct transfer {
	char *buf;
	size_t len;
	size_t size;
	size_t cap;
	bool secret;
	bool over_cap;
	bool oom;
	bool have_limit, have_remaining, have_reset;
	double limit, remaining, reset;
};

static double monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

/* A header value that must be a plain non-negative integer. */
static bool header_number(const char *v, size_t n, double *out)
{
	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n == 0 || n > 15)
		return false;
	double x = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return false;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return true;
}

static bool header_is(const char *line, size_t n, const char *name, const char **value,
		      size_t *vlen)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return false;
	*value = line + k + 1;
	*vlen = n - k - 1;
	return true;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * nmemb;
	const char *v;
	size_t vn;
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* a new status line: headers of an interim answer do not count */
		t->have_limit = t->have_remaining = t->have_reset = false;
	} else if (header_is(line, n, "ratelimit-limit", &v, &vn)) {
		t->have_limit = header_number(v, vn, &t->limit);
	} else if (header_is(line, n, "ratelimit-remaining", &v, &vn)) {
		t->have_remaining = header_number(v, vn, &t->remaining);
	} else if (header_is(line, n, "ratelimit-reset", &v, &vn)) {
		t->have_reset = header_number(v, vn, &t->reset);
	}
	return n;
}

static int on_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	const struct api *a = userp;
	return atomic_load(a->stop) ? 1 : 0;
}

enum err api_new(const struct settings *settings, struct apistats *stats,
		 const atomic_bool *stop, struct api **out)
{
	struct api *a = calloc(1, sizeof *a);
	if (!a)
		return ERR_NOMEM;
	a->settings = settings;
	a->stats = stats;
	a->stop = stop;
	a->cap = settings_max_response_bytes(settings);
	if (!url_parse_origin(settings_api_url(settings), &a->origin)) {
		free(a);
		return ERR_CONFIG;
	}
	a->easy = curl_easy_init();
	a->multi = curl_multi_init();
	const char *token = settings_token(settings);
	size_t hlen = strlen(token) + sizeof "Authorization: Bearer ";
	char *auth = malloc(hlen);
	if (!a->easy || !a->multi || !auth) {
		free(auth);
		api_free(a);
		return ERR_NOMEM;
	}
	snprintf(auth, hlen, "Authorization: Bearer %s", token);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	secret_wipe(auth, hlen);
	free(auth);
	if (!h) {
		api_free(a);
		return ERR_NOMEM;
	}
	a->headers = h;
	h = curl_slist_append(a->headers, "Accept: application/json");
	if (!h) {
		api_free(a);
		return ERR_NOMEM;
	}
	*out = a;
	return ERR_OK;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	for (struct curl_slist *h = a->headers; h; h = h->next)
		secret_wipe(h->data, strlen(h->data));
	curl_slist_free_all(a->headers);
	if (a->multi)
		curl_multi_cleanup(a->multi);
	if (a->easy)
		curl_easy_cleanup(a->easy);
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

/* Runs the configured easy handle to completion, or until stop. */
static CURLcode perform(struct api *a)
{
	CURLcode result = CURLE_OK;
	if (curl_multi_add_handle(a->multi, a->easy) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	int running = 1;
	bool done = false;
	while (!done) {
		if (curl_multi_perform(a->multi, &running) != CURLM_OK) {
			result = CURLE_OUT_OF_MEMORY;
			break;
		}
		int queued;
		CURLMsg *msg;
		while ((msg = curl_multi_info_read(a->multi, &queued)) != NULL) {
			if (msg->msg == CURLMSG_DONE) {
				result = msg->data.result;
				done = true;
			}
		}
		if (done || !running)
			break;
		if (atomic_load(a->stop)) {
			result = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		curl_multi_poll(a->multi, NULL, 0, 100, NULL);
	}
	curl_multi_remove_handle(a->multi, a->easy);
	return result;
}

enum err api_get(struct api *a, enum endpoint ep, const char *path, bool secret,
		 struct api_response *out)
{
	memset(out, 0, sizeof *out);
	size_t base_len = strlen(settings_api_url(a->settings));
	size_t url_len = base_len + strlen(path) + 1;
	char *url = malloc(url_len);
	if (!url)
		return ERR_NOMEM;
	snprintf(url, url_len, "%s%s", settings_api_url(a->settings), path);

	struct transfer t = { .cap = a->cap, .secret = secret };
	char errbuf[CURL_ERROR_SIZE] = "";
	long timeout_ms = (long)(settings_api_timeout(a->settings) * 1000);
	CURL *e = a->easy;
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, a->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "doks_exporter/" DOKS_VERSION);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)a->cap);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, a);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);

	double started = monotonic();
	CURLcode rc = perform(a);
	double took = monotonic() - started;
	long status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);

	enum err result;
	const char *epn = endpoint_name(ep);
	char took_s[32], status_s[16];
	snprintf(took_s, sizeof took_s, "%.3f", took);
	snprintf(status_s, sizeof status_s, "%ld", status);

	if (status >= 100) {
		apistats_count_request(a->stats, ep, status);
		if (t.have_limit && t.have_remaining && t.have_reset) {
			a->stats->have_rate_limit = true;
			a->stats->rate_limit_limit = t.limit;
			a->stats->rate_limit_remaining = t.remaining;
			a->stats->rate_limit_reset = t.reset;
		}
	}
	if (rc == CURLE_ABORTED_BY_CALLBACK || (rc != CURLE_OK && atomic_load(a->stop))) {
		result = ERR_CANCELLED;
		out->reason = REASON_RESET;
	} else if (t.oom) {
		result = ERR_NOMEM;
		out->reason = REASON_RESET;
	} else if (rc != CURLE_OK) {
		out->reason = reason_of(rc, &t);
		result = out->reason == REASON_TOO_LARGE ? ERR_TOOBIG : ERR_TRANSPORT;
		apistats_count_error(a->stats, ep, out->reason);
		apistats_observe_duration(a->stats, ep, took);
		log_warn("API request failed", "endpoint", epn, "path", path, "reason",
			 reason_name(out->reason), "err", errbuf[0] ? errbuf : curl_easy_strerror(rc),
			 "duration", took_s);
	} else if (status < 200 || status > 299) {
		result = ERR_HTTP;
		out->reason = REASON_STATUS;
		apistats_count_error(a->stats, ep, REASON_STATUS);
		apistats_observe_duration(a->stats, ep, took);
	} else {
		result = ERR_OK;
		apistats_observe_duration(a->stats, ep, took);
		log_debug("API request", "method", "GET", "endpoint", epn, "path", path, "status",
			  status_s, "duration", took_s);
	}
	out->status = status;
	if (result == ERR_OK || result == ERR_HTTP) {
		if (!t.buf) {
			t.buf = calloc(1, 1);
			if (!t.buf) {
				free(url);
				return ERR_NOMEM;
			}
		}
		out->body = t.buf;
		out->len = t.len;
	} else {
		if (t.buf && secret)
			secret_wipe(t.buf, t.size);
		free(t.buf);
	}
	free(url);
	return result;
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
