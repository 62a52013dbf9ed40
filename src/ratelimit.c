/* ratelimit.c - see ratelimit.h. */
#include "ratelimit.h"

void ratelimit_init(struct ratelimit *r, double per_minute, double hourly_fraction)
{
	*r = (struct ratelimit){
		.per_minute = per_minute,
		.hourly_fraction = hourly_fraction,
		.last_start_mono = -1,
	};
}

static double max2(double a, double b)
{
	return a > b ? a : b;
}

double ratelimit_next_start(const struct ratelimit *r, double now_mono)
{
	double t = max2(now_mono, r->paused_until_mono);
	if (r->per_minute <= 0 || r->last_start_mono < 0)
		return t;
	/* the burst limit: evenly spaced starts, never a burst */
	double spacing = 60.0 / r->per_minute;
	/* little left: ration what remains until the window frees requests */
	if (r->have_headers && r->limit > 0 && r->remaining < r->limit * RATELIMIT_LOW_WATER) {
		double until_reset = r->reset_real - (r->headers_real + (now_mono - r->headers_mono));
		if (until_reset > 0) {
			double per_request = until_reset / max2(r->remaining, 1);
			if (per_request > RATELIMIT_PAUSE_MAX)
				per_request = RATELIMIT_PAUSE_MAX;
			spacing = max2(spacing, per_request);
		}
	}
	return max2(t, r->last_start_mono + spacing);
}

void ratelimit_on_start(struct ratelimit *r, double now_mono)
{
	r->last_start_mono = now_mono;
}

void ratelimit_on_headers(struct ratelimit *r, double now_mono, double now_real, double limit,
			  double remaining, double reset_real)
{
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

double ratelimit_effective_interval(const struct ratelimit *r, double interval,
				    size_t requests_per_cycle)
{
	if (r->per_minute <= 0)
		return interval;
	double limit = r->have_headers && r->limit > 0 ? r->limit : RATELIMIT_DEFAULT_HOURLY;
	double share = limit * r->hourly_fraction; /* requests an hour */
	if (share <= 0)
		return interval;
	double needed = (double)requests_per_cycle * 3600.0 / share;
	/* a cycle can also go no faster than the per-minute pace allows */
	double paced = (double)requests_per_cycle * 60.0 / r->per_minute;
	return max2(interval, max2(needed, paced));
}
