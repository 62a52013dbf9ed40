/* ratelimit.h - when the next API request may start: the exporter's share
 * of the token's budget (DigitalOcean: 5,000 requests an hour and 250 a
 * minute per token, shared with every other tool of the team), the
 * answer's ratelimit-* headers, and pauses after a 429.
 *
 * A token bucket sets the pace: its rate is the smaller of
 * api.max_requests_per_minute and the hourly share
 * (api.hourly_budget_fraction of the token's ratelimit-limit), its burst
 * api.max_requests_per_minute (never more than the hourly share), so a
 * small fleet's first requests leave at once. Two sliding windows, kept as
 * rings of start times, make the limits hard: never more than the
 * per-minute limit in any 60 seconds, nor more than the hourly share in
 * any 3,600 seconds.
 *
 * Pure: the caller passes the time, so tests and the simulation need no
 * clock. Times named *_mono are CLOCK_MONOTONIC seconds (or any clock that
 * only goes forward), *_real Unix seconds. One owner at a time.
 */
#ifndef DOKS_RATELIMIT_H
#define DOKS_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

/* Assumed until an answer says otherwise. */
#define RATELIMIT_DEFAULT_HOURLY 5000.0
/* Below this share of ratelimit-limit left, requests are rationed until
 * ratelimit-reset, before the API starts to say no. */
#define RATELIMIT_LOW_WATER 0.10
/* The longest pause taken on the word of a header: the window is an hour. */
#define RATELIMIT_PAUSE_MAX 3600.0
/* The API's own per-minute limit: the most api.max_requests_per_minute
 * may be. */
#define RATELIMIT_PER_MINUTE_MAX 250

struct ratelimit {
	double per_minute;      /* 0: no pacing at all */
	double hourly_fraction; /* share of the hourly limit this exporter may use */
	double max_gap;         /* the longest the budget alone may hold a request */
	double last_start_mono; /* < 0 before the first request */
	/* the token bucket */
	double tokens;
	double tokens_mono; /* when tokens was last brought up to date */
	/* start times, newest at head - 1: the last minute's and the last
	 * hour's (owned; as many as the limits can ever let through) */
	double minute[RATELIMIT_PER_MINUTE_MAX];
	size_t minute_n, minute_head;
	double *hour;
	size_t hour_cap, hour_n, hour_head;
	/* from the latest answer's headers */
	bool have_headers;
	double limit, remaining, reset_real;
	double headers_mono, headers_real; /* when they arrived */
	/* after a 429 */
	double paused_until_mono;
	double paused_until_real; /* 0 when never paused */
};

/* per_minute 0..250 (0: no pacing), hourly_fraction 0..1, max_gap > 0:
 * whatever the headers say, the budget never holds a request back longer
 * than that after the previous start (a 429's pause still holds).
 * False on out of memory (nothing to clean up then). */
bool ratelimit_init(struct ratelimit *r, double per_minute, double hourly_fraction,
		    double max_gap);
void ratelimit_cleanup(struct ratelimit *r);

/* Carries what `from` has counted (recent starts, headers, pauses) over to
 * `to`, made with other settings (a reloaded configuration), so that a
 * reload never resets the budget. */
void ratelimit_inherit(struct ratelimit *to, const struct ratelimit *from);

/* The earliest monotonic time the next request may start. */
double ratelimit_next_start(const struct ratelimit *r, double now_mono);

/* How many requests may start at now_mono, one right after the other. */
size_t ratelimit_room(const struct ratelimit *r, double now_mono);

/* Whether the requests started in the last minute (the last hour) leave
 * no more than keep (0 to 1) of that window's limit free: the part kept
 * for the list and the change-driven reads (SCHED_RESERVE), so that a
 * backlog of planned reads never fills a window the list then has to wait
 * out. False while pacing is off, and where that share is under one
 * request (a token that allows 1 an hour keeps nothing back). */
bool ratelimit_minute_nearly_spent(const struct ratelimit *r, double now_mono, double keep);
bool ratelimit_hour_nearly_spent(const struct ratelimit *r, double now_mono, double keep);

/* A request starts now. */
void ratelimit_on_start(struct ratelimit *r, double now_mono);

/* The ratelimit-* headers of an answer (any status). */
void ratelimit_on_headers(struct ratelimit *r, double now_mono, double now_real, double limit,
			  double remaining, double reset_real);

/* A 429: pause every request for retry_after seconds when given (>= 0),
 * else until reset_real when given (> 0) and ahead, else for 60 s. */
void ratelimit_on_429(struct ratelimit *r, double now_mono, double now_real,
		      double retry_after, double reset_real);

/* Requests an hour the budget lets through in the long run: the smaller
 * of the per-minute pace and the hourly share; 0 when pacing is off (no
 * limit). */
double ratelimit_hourly_rate(const struct ratelimit *r);

#endif
