/* ratelimit.h - when the next API request may start: the exporter's share
 * of the token's budget (DigitalOcean: 5,000 requests an hour and 250 a
 * minute per token, shared with every other tool of the team), the
 * answer's ratelimit-* headers, and pauses after a 429.
 *
 * Pure: the caller passes the time, so tests need no clock. Times named
 * *_mono are CLOCK_MONOTONIC seconds, *_real Unix seconds. Used by the
 * poller thread only.
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

struct ratelimit {
	double per_minute;      /* 0: no pacing at all */
	double hourly_fraction; /* share of the hourly limit this exporter may use */
	double last_start_mono; /* < 0 before the first request */
	/* from the latest answer's headers */
	bool have_headers;
	double limit, remaining, reset_real;
	double headers_mono, headers_real; /* when they arrived */
	/* after a 429 */
	double paused_until_mono;
	double paused_until_real; /* 0 when never paused */
};

void ratelimit_init(struct ratelimit *r, double per_minute, double hourly_fraction);

/* The earliest monotonic time the next request may start. */
double ratelimit_next_start(const struct ratelimit *r, double now_mono);

/* A request starts now. */
void ratelimit_on_start(struct ratelimit *r, double now_mono);

/* The ratelimit-* headers of an answer (any status). */
void ratelimit_on_headers(struct ratelimit *r, double now_mono, double now_real, double limit,
			  double remaining, double reset_real);

/* A 429: pause every request for retry_after seconds when given (>= 0),
 * else until reset_real when given (> 0) and ahead, else for 60 s. */
void ratelimit_on_429(struct ratelimit *r, double now_mono, double now_real,
		      double retry_after, double reset_real);

/* The poll interval that keeps requests_per_cycle within the hourly share:
 * interval itself, or longer. */
double ratelimit_effective_interval(const struct ratelimit *r, double interval,
				    size_t requests_per_cycle);

#endif
