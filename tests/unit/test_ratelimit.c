/* test_ratelimit.c - ratelimit.h: the token bucket and its hard windows,
 * rationing when little is left, pauses after 429, the floor that keeps
 * polling alive whatever a header says, and carrying the budget over a
 * reload. Time is passed in, so nothing here sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "ratelimit.h"

#define EPS 1e-9

/* Starts requests as soon as the limiter lets them, from t0 until t1;
 * returns how many, and the largest count in any window of w seconds. */
static size_t drive(struct ratelimit *r, double t0, double t1, double w, size_t *most,
		    double *starts, size_t cap)
{
	size_t n = 0;
	double t = t0;
	*most = 0;
	while (n < cap) {
		t = ratelimit_next_start(r, t);
		if (t > t1)
			break;
		ratelimit_on_start(r, t);
		starts[n++] = t;
	}
	/* sliding window over the sorted starts */
	size_t lo = 0;
	for (size_t hi = 0; hi < n; hi++) {
		while (starts[hi] - starts[lo] > w)
			lo++;
		if (hi - lo + 1 > *most)
			*most = hi - lo + 1;
	}
	return n;
}

static void test_no_pacing_when_off(void **state)
{
	(void)state;
	struct ratelimit r;
	assert_true(ratelimit_init(&r, 0, 0.5, 300));
	ratelimit_on_start(&r, 100);
	assert_true(ratelimit_next_start(&r, 100) == 100);
	/* off means off: even little left changes nothing */
	ratelimit_on_headers(&r, 100, 1000, 5000, 1, 2000);
	assert_true(ratelimit_next_start(&r, 100.5) == 100.5);
	assert_true(ratelimit_room(&r, 100.5) == SIZE_MAX);
	assert_true(ratelimit_hourly_rate(&r) == 0);
	ratelimit_cleanup(&r);
}

static void test_burst_then_rate(void **state)
{
	(void)state;
	struct ratelimit r;
	assert_true(ratelimit_init(&r, 60, 0.5, 300));
	/* a small fleet's first round leaves at once: the whole burst */
	assert_int_equal(ratelimit_room(&r, 10), 60);
	for (int i = 0; i < 60; i++) {
		assert_float_equal(ratelimit_next_start(&r, 10), 10, EPS);
		ratelimit_on_start(&r, 10);
	}
	assert_int_equal(ratelimit_room(&r, 10), 0);
	/* then the hard minute window: nothing until the burst is 60 s old */
	assert_float_equal(ratelimit_next_start(&r, 10), 70, 0.5);
	/* the long-run rate is the hourly share: 2,500 an hour */
	assert_float_equal(ratelimit_hourly_rate(&r), 2500, 1e-6);
	ratelimit_cleanup(&r);
}

static void test_never_over_either_limit(void **state)
{
	(void)state;
	static double starts[20000];
	struct ratelimit r;
	size_t most;
	/* the defaults: 60 a minute, half of 5,000 an hour */
	assert_true(ratelimit_init(&r, 60, 0.5, 300));
	size_t n = drive(&r, 0, 3 * 3600, 60, &most, starts, 20000);
	assert_true(most <= 60);
	size_t most_hour = 0, lo = 0;
	for (size_t hi = 0; hi < n; hi++) {
		while (starts[hi] - starts[lo] > 3600)
			lo++;
		if (hi - lo + 1 > most_hour)
			most_hour = hi - lo + 1;
	}
	assert_true(most_hour <= 2500);
	/* and it does use the budget: close to 2,500 an hour over three */
	assert_true(n >= 3 * 2500 - 100);
	ratelimit_cleanup(&r);

	/* a pace under the share: the minute window rules */
	assert_true(ratelimit_init(&r, 30, 1, 300));
	n = drive(&r, 0, 600, 60, &most, starts, 20000);
	assert_true(most <= 30);
	assert_true(n >= 30 * 10 - 5);
	ratelimit_cleanup(&r);
}

/* The last tenth of each window is kept: nearly spent at 54 of 60 in a
 * minute, and at 2,250 of the 2,500 share in an hour; never without
 * pacing. */
static void test_nearly_spent(void **state)
{
	(void)state;
	struct ratelimit r;
	assert_true(ratelimit_init(&r, 60, 0.5, 300));
	for (int i = 0; i < 53; i++)
		ratelimit_on_start(&r, 100);
	assert_false(ratelimit_minute_nearly_spent(&r, 100, 0.10));
	ratelimit_on_start(&r, 100);
	assert_true(ratelimit_minute_nearly_spent(&r, 100, 0.10));
	/* a minute later the minute window is empty again */
	assert_false(ratelimit_minute_nearly_spent(&r, 161, 0.10));
	ratelimit_cleanup(&r);

	/* the hour: 2,250 starts spread so that no minute holds more than 40 */
	assert_true(ratelimit_init(&r, 60, 0.5, 300));
	double t = 0;
	for (int i = 0; i < 2249; i++, t += 1.5)
		ratelimit_on_start(&r, t);
	assert_false(ratelimit_hour_nearly_spent(&r, t, 0.10));
	ratelimit_on_start(&r, t);
	assert_true(ratelimit_hour_nearly_spent(&r, t, 0.10));
	ratelimit_cleanup(&r);

	/* a reserve under one request keeps nothing: 5 a minute, or a token
	 * that allows one an hour */
	assert_true(ratelimit_init(&r, 5, 0.5, 300));
	for (int i = 0; i < 5; i++)
		ratelimit_on_start(&r, 100);
	assert_false(ratelimit_minute_nearly_spent(&r, 100, 0.10));
	ratelimit_cleanup(&r);
	assert_true(ratelimit_init(&r, 60, 0.5, 300));
	ratelimit_on_headers(&r, 100, 1000, 1, 0, 4600);
	ratelimit_on_start(&r, 100);
	assert_false(ratelimit_hour_nearly_spent(&r, 100, 0.10));
	ratelimit_cleanup(&r);

	assert_true(ratelimit_init(&r, 0, 0.5, 300));
	for (int i = 0; i < 100; i++)
		ratelimit_on_start(&r, 5);
	assert_false(ratelimit_minute_nearly_spent(&r, 5, 0.10));
	ratelimit_cleanup(&r);
}

static void test_rationing_when_little_is_left(void **state)
{
	(void)state;
	struct ratelimit r;
	assert_true(ratelimit_init(&r, 250, 1, 300));
	ratelimit_on_start(&r, 10);
	/* plenty left: the bucket lets the next go at once */
	ratelimit_on_headers(&r, 10, 1000, 5000, 4000, 1100);
	assert_float_equal(ratelimit_next_start(&r, 10), 10, EPS);
	/* under 10 %: what is left lasts until the reset (100 s / 10 = 10 s) */
	ratelimit_on_headers(&r, 10, 1000, 5000, 10, 1100);
	assert_float_equal(ratelimit_next_start(&r, 10), 20, EPS);
	assert_int_equal(ratelimit_room(&r, 20), 1);
	/* the reset passed: no rationing */
	assert_float_equal(ratelimit_next_start(&r, 200), 200, EPS);
	/* none left at all counts as one */
	ratelimit_on_headers(&r, 10, 1000, 5000, 0, 1030);
	assert_float_equal(ratelimit_next_start(&r, 10), 40, EPS);
	ratelimit_cleanup(&r);
}

static void test_implausible_limit_never_stops_polling(void **state)
{
	(void)state;
	struct ratelimit r;
	assert_true(ratelimit_init(&r, 60, 0.5, 300));
	for (int i = 0; i < 30; i++)
		ratelimit_on_start(&r, 0);
	/* one answer says the token may make 1 request an hour */
	ratelimit_on_headers(&r, 0, 1000, 1, 1, 1000 + 3600);
	double next = ratelimit_next_start(&r, 0);
	assert_true(next > 0);
	assert_true(next <= 300 + EPS); /* max(poll.interval, 300 s) */
	/* the next answer's headers set the plan again */
	ratelimit_on_start(&r, next);
	ratelimit_on_headers(&r, next, 1000 + next, 5000, 4900, 1000 + 3600);
	assert_true(ratelimit_next_start(&r, next) <= next + 3600.0 / 2500 + EPS);
	ratelimit_cleanup(&r);
}

static void test_429_retry_after(void **state)
{
	(void)state;
	struct ratelimit r;
	assert_true(ratelimit_init(&r, 0, 0.5, 300));
	ratelimit_on_429(&r, 50, 1000, 7, 5000);
	assert_float_equal(ratelimit_next_start(&r, 50), 57, EPS);
	assert_float_equal(r.paused_until_real, 1007, EPS);
	/* a shorter pause does not cut a longer one short */
	ratelimit_on_429(&r, 51, 1001, 2, -1);
	assert_float_equal(ratelimit_next_start(&r, 51), 57, EPS);
	assert_int_equal(ratelimit_room(&r, 51), 0);
	ratelimit_cleanup(&r);

	/* the pause holds even past the floor that keeps polling alive */
	assert_true(ratelimit_init(&r, 60, 0.5, 300));
	ratelimit_on_start(&r, 0);
	ratelimit_on_429(&r, 0, 1000, 1800, -1);
	assert_float_equal(ratelimit_next_start(&r, 1), 1800, EPS);
	ratelimit_cleanup(&r);
}

static void test_429_reset_and_fallbacks(void **state)
{
	(void)state;
	struct ratelimit r;
	assert_true(ratelimit_init(&r, 0, 0.5, 300));
	ratelimit_on_429(&r, 0, 1000, -1, 1030); /* no retry-after: until the reset */
	assert_float_equal(ratelimit_next_start(&r, 0), 30, EPS);
	assert_float_equal(r.paused_until_real, 1030, EPS);

	assert_true(ratelimit_init(&r, 0, 0.5, 300));
	ratelimit_on_429(&r, 0, 1000, -1, 900); /* a reset in the past: 60 s */
	assert_float_equal(ratelimit_next_start(&r, 0), 60, EPS);

	assert_true(ratelimit_init(&r, 0, 0.5, 300));
	ratelimit_on_429(&r, 0, 1000, 0, -1); /* never a tight loop */
	assert_float_equal(ratelimit_next_start(&r, 0), 1, EPS);

	assert_true(ratelimit_init(&r, 0, 0.5, 300));
	ratelimit_on_429(&r, 0, 1000, 999999, -1); /* never more than the window */
	assert_float_equal(ratelimit_next_start(&r, 0), RATELIMIT_PAUSE_MAX, EPS);
}

static void test_smaller_limit_shrinks_the_rate(void **state)
{
	(void)state;
	struct ratelimit r;
	assert_true(ratelimit_init(&r, 60, 0.5, 300));
	assert_float_equal(ratelimit_hourly_rate(&r), 2500, 1e-6);
	ratelimit_on_headers(&r, 0, 0, 1000, 900, 100);
	assert_float_equal(ratelimit_hourly_rate(&r), 500, 1e-6);
	/* a pace under the share: the pace */
	ratelimit_on_headers(&r, 0, 0, 100000, 90000, 100);
	assert_float_equal(ratelimit_hourly_rate(&r), 3600, 1e-6);
	ratelimit_cleanup(&r);
}

static void test_reload_keeps_the_budget(void **state)
{
	(void)state;
	struct ratelimit a, b;
	assert_true(ratelimit_init(&a, 60, 0.5, 300));
	for (int i = 0; i < 60; i++)
		ratelimit_on_start(&a, 5);
	ratelimit_on_429(&a, 5, 1000, 20, -1);
	assert_true(ratelimit_init(&b, 60, 0.5, 300));
	ratelimit_inherit(&b, &a);
	/* the new client may not spend the burst again, nor skip the pause */
	assert_int_equal(ratelimit_room(&b, 30), 0);
	assert_float_equal(ratelimit_next_start(&b, 30), 65, 0.5);
	ratelimit_cleanup(&a);
	ratelimit_cleanup(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_pacing_when_off),
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_never_over_either_limit),
		cmocka_unit_test(test_rationing_when_little_is_left),
		cmocka_unit_test(test_implausible_limit_never_stops_polling),
		cmocka_unit_test(test_429_retry_after),
		cmocka_unit_test(test_429_reset_and_fallbacks),
		cmocka_unit_test(test_smaller_limit_shrinks_the_rate),
		cmocka_unit_test(test_reload_keeps_the_budget),
		cmocka_unit_test(test_nearly_spent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
