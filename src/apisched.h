/* apisched.h - the decisions of one batch of API requests, apart from the
 * transport: which request goes next (a retry that is due before the next
 * first try), when the budget holds it back and when it holds it past the
 * batch's deadline, whether a try that failed is tried again and when
 * (exponential backoff with jitter, capped; after a 429 the budget's pause
 * decides), and what an answer's ratelimit-* and Retry-After headers do to
 * the budget.
 *
 * Pure: the caller passes the time and the jitter's random draws, so that
 * api.c on the real clock and the simulation (tests/sim) on a virtual one
 * make the same choices, and the unit tests need no clock. Times named
 * *_mono (or now) are CLOCK_MONOTONIC seconds or any clock that only goes
 * forward; *_real are Unix seconds. One owner at a time.
 */
#ifndef DOKS_APISCHED_H
#define DOKS_APISCHED_H

#include <stdbool.h>
#include <stddef.h>

#include "apistats.h"
#include "err.h"
#include "ratelimit.h"

/* Backoff between tries: 1 s, 2 s, 4 s ... times a jitter of 0.5 to 1.5,
 * capped. */
#define APISCHED_BACKOFF_BASE 1.0
#define APISCHED_BACKOFF_MAX 30.0

/* A request waiting for its next try: its index in the batch. */
struct apisched_retry {
	size_t index;
	double not_before;
};

/* The requests of one batch, known by their index 0..n-1. First tries go
 * in index order; retries wait in retry[] (in no order) until due. */
struct apisched {
	size_t n;
	size_t next_new;              /* the next first try */
	struct apisched_retry *retry; /* owned; room for n */
	size_t nretry;
	int *tries;    /* owned; tries started so far, by index */
	int max_tries; /* 1 + api.retries */
};

/* What the batch's next start is, at now. */
enum apisched_next {
	APISCHED_NONE,    /* nothing is due: no first try left, no retry due yet */
	APISCHED_HOLD,    /* the budget holds the next request until *at */
	APISCHED_BLOCKED, /* the budget holds it until *at, past the deadline */
	APISCHED_GO,      /* *pick may start now */
};

/* The request chosen to start, for apisched_take. */
struct apisched_pick {
	size_t index;
	size_t retry; /* its place in retry[]; SIZE_MAX for a first try */
};

/* n requests, each tried at most 1 + retries times. ERR_NOMEM leaves
 * nothing to clean up. */
enum err apisched_init(struct apisched *q, size_t n, int retries);
void apisched_cleanup(struct apisched *q);

/* Whether a request of the batch waits for a (first or next) try. */
bool apisched_waiting(const struct apisched *q);

/* The next start at now: the earliest retry due, else the next first try,
 * as far as the budget rl lets it go; deadline_mono bounds how long the
 * budget may hold it (see APISCHED_BLOCKED). *at is set for HOLD and
 * BLOCKED, *pick for GO. */
enum apisched_next apisched_choose(const struct apisched *q, const struct ratelimit *rl,
				   double now, double deadline_mono, struct apisched_pick *pick,
				   double *at);

/* The pick of apisched_choose has started: it leaves the line, and counts
 * as one more try of its request. */
void apisched_take(struct apisched *q, const struct apisched_pick *pick);

/* Whether the budget holds any start past deadline_mono, so that what
 * waits will never be sent within the batch. */
bool apisched_blocked(const struct ratelimit *rl, double now, double deadline_mono);

/* The earlier of wake and the first retry not yet due at now. A retry that
 * is due already waits on the budget alone, whose time apisched_choose
 * gives: it does not count, or a loop would spin until the budget lets it
 * go. */
double apisched_wake(const struct apisched *q, double now, double wake);

/* Takes out what waits, one request at a time (the retries, then the first
 * tries not started, in the order they were queued), so that each can be
 * ended unsent: true with its index in *index, false when none is left. */
bool apisched_drop(struct apisched *q, size_t *index);

/* Whether a try that ended with result (ERR_HTTP with status, or a
 * failure of the transfer) is worth another: 429 and 5xx, time-outs,
 * refused connections and connections cut. Never another status, an
 * answer over its cap, a TLS failure, or success. */
bool apisched_retryable(enum err result, long status);

/* The wait after try number `tries` (1: the first) failed, for a jitter
 * draw u in [0, 1): APISCHED_BACKOFF_BASE * 2^(tries-1) * (0.5 + u), at
 * most APISCHED_BACKOFF_MAX. */
double apisched_backoff(int tries, double u);

/* The try of request index that ended at now failed; retryable says
 * whether its failure is worth another try (apisched_retryable, and no
 * stop asked). True when it goes back in line until its backoff is over
 * (at once after a 429: the budget's pause decides); false when it is
 * over: not retryable, no try left, or the retry would not start before
 * deadline_mono. draw(ctx) gives the jitter in [0, 1); it is called only
 * when a retryable request has tries left, so that a seeded sequence of
 * draws is spent the same way by every caller. */
bool apisched_retry(struct apisched *q, size_t index, bool retryable, bool after_429,
		    double now, double deadline_mono, double (*draw)(void *ctx), void *ctx);

/* Tries a request of the batch has left. */
int apisched_tries_left(const struct apisched *q, size_t index);

/* What one answer's headers said; a value counts when its have_ is true. */
struct apisched_headers {
	bool have_limit, have_remaining, have_reset, have_retry_after;
	double limit, remaining, reset_real, retry_after;
};

/* An answer arrived at now_mono (now_real) with its status line (status
 * >= 100) and headers h; whole says that it was read to its end. Its
 * ratelimit-* headers, when all three came, go to the budget rl and to
 * stats' view of the rate limit: answers of parallel requests arrive out
 * of order, so within one window (the same limit and reset) the lowest
 * remaining is the newest, and a new window is followed at once. A whole
 * 429 pauses the budget: for Retry-After seconds when given, else until
 * ratelimit-reset, else 60 s (ratelimit_on_429). */
void apisched_on_answer(struct ratelimit *rl, struct apistats *stats, long status, bool whole,
			const struct apisched_headers *h, double now_mono, double now_real);

#endif
