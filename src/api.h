/* api.h - the DigitalOcean API client: libcurl transport, bearer auth,
 * time-outs, a cap on bodies, parallel transfers over reused connections,
 * pacing within the token's budget, pauses on 429, and bounded retries.
 *
 * Used by the poller thread only. It only ever sends GET, never follows
 * a redirect, and sends the token to the configured origin alone. What a
 * batch does next (which request or retry, when, and what a 429 implies)
 * is decided by apisched.h, which the simulation (tests/sim) shares.
 */
#ifndef DOKS_API_H
#define DOKS_API_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "apistats.h"
#include "err.h"

struct settings;
struct api;

struct api_response {
	long status;      /* 0 when no status line arrived */
	char *body;       /* owned; NUL-terminated; NULL unless ERR_OK or ERR_HTTP */
	size_t len;
};

/* One GET of a batch. The caller sets ep, path and secret (and user for
 * its own use); api_run sets result and res. */
struct api_request {
	enum endpoint ep;
	const char *path; /* borrowed: "/v2/...", with its query */
	bool secret;      /* the body holds secrets: every copy is wiped */
	void *user;
	enum err result;
	struct api_response res;
};

/* Called on the poller thread as each request of a batch ends, once per
 * request. It owns req->res from then on: release it with
 * api_response_cleanup.
 * result is ERR_OK (a 2xx answer read whole), ERR_HTTP (another status;
 * the body is kept for its error id), a failure of the transfer
 * (ERR_TIMEOUT, ERR_CONNECT, ERR_TLS, ERR_RESET: err_is_transport) or
 * ERR_TOOBIG (no usable answer), ERR_THROTTLED (not sent: the batch's
 * deadline came first), or ERR_CANCELLED (stop turned true). */
typedef void (*api_done_fn)(struct api_request *req, void *ctx);

/* A client for one account: token (borrowed; copied, the copy wiped at
 * api_free; each transfer builds its Authorization header from it and
 * wipes that when it ends). settings and stats are kept until api_free;
 * stop is kept and polled at least every 100 ms. */
enum err api_new(const struct settings *settings, const char *token, struct apistats *stats,
		 const atomic_bool *stop, struct api **out);
void api_free(struct api *a);

/* Runs the n requests (borrowed until it returns): at most api.max_parallel
 * at once, paced by the scheduler, retried (5xx, time-outs, connection
 * failures, and 429 after its pause) up to api.retries times with
 * exponential backoff and jitter. A request that the scheduler (pacing,
 * a pause after 429) would hold back past deadline_mono (CLOCK_MONOTONIC
 * seconds) ends ERR_THROTTLED; a batch that is merely busy runs to its
 * end. Every exchange and error is counted in stats. */
void api_run(struct api *a, struct api_request *reqs, size_t n, double deadline_mono,
	     api_done_fn done, void *ctx);

/* One request, run as a batch of one. Release *out with
 * api_response_cleanup in every case. */
enum err api_get(struct api *a, enum endpoint ep, const char *path, bool secret,
		 double deadline_mono, struct api_response *out);

/* The path and query of an absolute URL that the API returned (a
 * pagination link), when it has the configured origin: *path borrows
 * from url. False for any other origin. */
bool api_path_of(const struct api *a, const char *url, const char **path);

/* The budget's view, for the scheduler and the metrics. */
double api_hourly_rate(const struct api *a); /* requests an hour; 0: unlimited */
size_t api_room(const struct api *a, double now_mono); /* may start now */
/* The priority from which planned reads wait (sched_view.hold_from): the
 * last SCHED_RESERVE of the minute's window is kept for the list and the
 * change-driven reads, and of the hour's for them and the aged /upgrades;
 * 0 while neither window is nearly spent. */
int api_hold_from(const struct api *a, double now_mono);
double api_next_start(const struct api *a, double now_mono);
double api_rate_limit_limit(const struct api *a); /* latest ratelimit-limit; 0: none yet */
double api_throttled_until(const struct api *a); /* Unix seconds; 0 if never */

/* fn(ctx) is called on the poller thread while api_run waits (a retry's
 * backoff, a slow answer, the budget), at most every 100 ms: the poller
 * publishes what has arrived. NULL: none. */
void api_set_idle(struct api *a, void (*fn)(void *ctx), void *ctx);

/* Carries the budget already spent and any pause the API asked for over
 * to a new client (after a configuration reload). */
void api_inherit_budget(struct api *to, const struct api *from);

/* Frees the body, wiping it first when secret. */
void api_response_cleanup(struct api_response *r, bool secret);


#endif
