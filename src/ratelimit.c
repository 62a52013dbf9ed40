/* ratelimit.c - see ratelimit.h. */
#include "ratelimit.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MINUTE 60.0
#define HOUR 3600.0
/* A start leaves a window with this margin: a request started at t and one
 * at t + 60 are both within the closed minute [t, t + 60], and the API
 * counts arrivals, which a slower connection can bring closer together. */
#define EDGE 0.25

static double max2(double a, double b)
{
	return a > b ? a : b;
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}

bool ratelimit_init(struct ratelimit *r, double per_minute, double hourly_fraction,
		    double max_gap)
{
	*r = (struct ratelimit){
		.per_minute = per_minute,
		.hourly_fraction = hourly_fraction,
		.max_gap = max_gap > MINUTE ? max_gap : MINUTE,
		.last_start_mono = -1,
		.tokens_mono = -1,
	};
	if (per_minute <= 0)
		return true;
	/* the per-minute window lets through at most 60 times per_minute an
	 * hour: the hourly window never needs to remember more */
	r->hour_cap = (size_t)ceil(per_minute * MINUTE);
	r->hour = calloc(r->hour_cap, sizeof *r->hour);
	return r->hour != NULL;
}

void ratelimit_cleanup(struct ratelimit *r)
{
	free(r->hour);
	r->hour = NULL;
	r->hour_cap = r->hour_n = r->hour_head = 0;
}

/* The hourly share, in requests an hour: the token's limit, once an answer
 * said it, times the configured fraction. */
static double share(const struct ratelimit *r)
{
	double limit = r->have_headers && r->limit > 0 ? r->limit : RATELIMIT_DEFAULT_HOURLY;
	return limit * r->hourly_fraction;
}

/* Tokens a second. */
static double rate(const struct ratelimit *r)
{
	return min2(r->per_minute / MINUTE, share(r) / HOUR);
}

static double burst(const struct ratelimit *r)
{
	return max2(1, floor(min2(r->per_minute, share(r))));
}

static size_t minute_limit(const struct ratelimit *r)
{
	return (size_t)max2(1, floor(r->per_minute));
}

static size_t hour_limit(const struct ratelimit *r)
{
	return (size_t)max2(1, floor(share(r)));
}

static double tokens_at(const struct ratelimit *r, double now)
{
	if (r->tokens_mono < 0)
		return burst(r);
	double t = r->tokens + (now - r->tokens_mono) * rate(r);
	return min2(t, burst(r));
}

/* The k-th most recent start (k >= 1) of a ring of n, newest at head - 1. */
static double kth_newest(const double *ring, size_t cap, size_t head, size_t k)
{
	return ring[(head + cap - k) % cap];
}

/* Starts of the ring later than since. */
static size_t count_since(const double *ring, size_t cap, size_t n, size_t head, double since)
{
	size_t k = 0;
	while (k < n && kth_newest(ring, cap, head, k + 1) > since)
		k++;
	return k;
}

void ratelimit_inherit(struct ratelimit *to, const struct ratelimit *from)
{
	to->last_start_mono = from->last_start_mono;
	to->tokens = from->tokens;
	to->tokens_mono = from->tokens_mono;
	to->have_headers = from->have_headers;
	to->limit = from->limit;
	to->remaining = from->remaining;
	to->reset_real = from->reset_real;
	to->headers_mono = from->headers_mono;
	to->headers_real = from->headers_real;
	to->paused_until_mono = from->paused_until_mono;
	to->paused_until_real = from->paused_until_real;
	/* replay the remembered starts, oldest first, into the new rings */
	size_t n = from->hour_n;
	for (size_t k = n; k >= 1; k--) {
		double t = kth_newest(from->hour, from->hour_cap, from->hour_head, k);
		if (to->hour_cap > 0) {
			to->hour[to->hour_head] = t;
			to->hour_head = (to->hour_head + 1) % to->hour_cap;
			if (to->hour_n < to->hour_cap)
				to->hour_n++;
		}
	}
	n = from->minute_n;
	for (size_t k = n; k >= 1; k--) {
		to->minute[to->minute_head] =
			kth_newest(from->minute, RATELIMIT_PER_MINUTE_MAX, from->minute_head, k);
		to->minute_head = (to->minute_head + 1) % RATELIMIT_PER_MINUTE_MAX;
		if (to->minute_n < RATELIMIT_PER_MINUTE_MAX)
			to->minute_n++;
	}
}

double ratelimit_next_start(const struct ratelimit *r, double now)
{
	double t = now;
	if (r->per_minute > 0) {
		/* the bucket */
		double tok = tokens_at(r, now);
		if (tok < 1)
			t = max2(t, now + (1 - tok) / rate(r));
		/* the hard windows: the k-th newest start must have left them */
		size_t k = minute_limit(r);
		if (r->minute_n >= k)
			t = max2(t, kth_newest(r->minute, RATELIMIT_PER_MINUTE_MAX, r->minute_head, k) +
					    MINUTE + EDGE);
		k = hour_limit(r);
		if (k <= r->hour_cap && r->hour_n >= k)
			t = max2(t, kth_newest(r->hour, r->hour_cap, r->hour_head, k) + HOUR + EDGE);
		/* little left: ration what remains until the window frees requests */
		if (r->have_headers && r->limit > 0 && r->remaining < r->limit * RATELIMIT_LOW_WATER &&
		    r->last_start_mono >= 0) {
			double until_reset =
				r->reset_real - (r->headers_real + (now - r->headers_mono));
			if (until_reset > 0) {
				double per_request = until_reset / max2(r->remaining, 1);
				t = max2(t, r->last_start_mono + per_request);
			}
		}
		/* whatever a header said (a limit of 1, say), polling never
		 * stops for longer than max_gap */
		if (r->last_start_mono >= 0)
			t = max2(now, min2(t, r->last_start_mono + r->max_gap));
	}
	return max2(t, r->paused_until_mono);
}

size_t ratelimit_room(const struct ratelimit *r, double now)
{
	if (ratelimit_next_start(r, now) > now)
		return 0;
	if (r->per_minute <= 0)
		return SIZE_MAX;
	double tok = tokens_at(r, now);
	size_t room = tok >= 1 ? (size_t)tok : 1; /* 1: let through by max_gap */
	size_t in_minute = count_since(r->minute, RATELIMIT_PER_MINUTE_MAX, r->minute_n,
				       r->minute_head, now - MINUTE - EDGE);
	size_t k = minute_limit(r);
	size_t left = k > in_minute ? k - in_minute : 1;
	room = room < left ? room : left;
	k = hour_limit(r);
	if (k <= r->hour_cap) {
		size_t in_hour =
			count_since(r->hour, r->hour_cap, r->hour_n, r->hour_head, now - HOUR - EDGE);
		left = k > in_hour ? k - in_hour : 1;
		room = room < left ? room : left;
	}
	/* rationing lets one through at a time */
	if (r->have_headers && r->limit > 0 && r->remaining < r->limit * RATELIMIT_LOW_WATER)
		room = 1;
	return room;
}

bool ratelimit_minute_nearly_spent(const struct ratelimit *r, double now, double keep)
{
	if (r->per_minute <= 0)
		return false;
	size_t k = minute_limit(r);
	if ((double)k * keep < 1)
		return false; /* a reserve under one request keeps nothing */
	size_t in_minute = count_since(r->minute, RATELIMIT_PER_MINUTE_MAX, r->minute_n,
				       r->minute_head, now - MINUTE - EDGE);
	return (double)in_minute >= (double)k * (1 - keep);
}

bool ratelimit_hour_nearly_spent(const struct ratelimit *r, double now, double keep)
{
	if (r->per_minute <= 0)
		return false;
	size_t k = hour_limit(r);
	if (k > r->hour_cap || (double)k * keep < 1)
		return false; /* no window kept, or a reserve under one request */
	size_t in_hour = count_since(r->hour, r->hour_cap, r->hour_n, r->hour_head, now - HOUR - EDGE);
	return (double)in_hour >= (double)k * (1 - keep);
}

void ratelimit_on_start(struct ratelimit *r, double now)
{
	r->last_start_mono = now;
	if (r->per_minute <= 0)
		return;
	double tok = tokens_at(r, now) - 1;
	r->tokens = tok > 0 ? tok : 0; /* a start let through by max_gap leaves no debt */
	r->tokens_mono = now;
	r->minute[r->minute_head] = now;
	r->minute_head = (r->minute_head + 1) % RATELIMIT_PER_MINUTE_MAX;
	if (r->minute_n < RATELIMIT_PER_MINUTE_MAX)
		r->minute_n++;
	if (r->hour_cap > 0) {
		r->hour[r->hour_head] = now;
		r->hour_head = (r->hour_head + 1) % r->hour_cap;
		if (r->hour_n < r->hour_cap)
			r->hour_n++;
	}
}

void ratelimit_on_headers(struct ratelimit *r, double now_mono, double now_real, double limit,
			  double remaining, double reset_real)
{
	/* bring the bucket up to date at the old rate before it changes */
	if (r->per_minute > 0 && r->tokens_mono >= 0) {
		r->tokens = tokens_at(r, now_mono);
		r->tokens_mono = now_mono;
	}
	r->have_headers = true;
	r->limit = limit;
	r->remaining = remaining;
	r->reset_real = reset_real;
	r->headers_mono = now_mono;
	r->headers_real = now_real;
}

void ratelimit_on_429(struct ratelimit *r, double now_mono, double now_real,
		      double retry_after, double reset_real)
{
	double pause = 60;
	if (retry_after >= 0)
		pause = retry_after;
	else if (reset_real > now_real)
		pause = reset_real - now_real;
	if (pause > RATELIMIT_PAUSE_MAX)
		pause = RATELIMIT_PAUSE_MAX;
	/* a 429 with "retry-after: 0" still must not turn into a tight loop */
	if (pause < 1)
		pause = 1;
	double until = now_mono + pause;
	if (until > r->paused_until_mono) {
		r->paused_until_mono = until;
		r->paused_until_real = now_real + pause;
	}
}

double ratelimit_hourly_rate(const struct ratelimit *r)
{
	if (r->per_minute <= 0)
		return 0;
	return rate(r) * HOUR;
}
