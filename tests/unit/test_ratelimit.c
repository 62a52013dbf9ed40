/* test_ratelimit.c - ratelimit.h: pacing, rationing when little is left,
 * pauses after 429, and the effective poll interval. Time is passed in,
 * so nothing here sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ratelimit.h"

#define EPS 1e-9

static void test_no_pacing_when_off(void **state)
{
	(void)state;
	struct ratelimit r;
	ratelimit_init(&r, 0, 0.5);
	ratelimit_on_start(&r, 100);
	assert_true(ratelimit_next_start(&r, 100) == 100);
	/* off means off: even little left changes nothing */
	ratelimit_on_headers(&r, 100, 1000, 5000, 1, 2000);
	assert_true(ratelimit_next_start(&r, 100.5) == 100.5);
	assert_true(ratelimit_effective_interval(&r, 30, 100000) == 30);
}

static void test_even_spacing(void **state)
{
	(void)state;
	struct ratelimit r;
	ratelimit_init(&r, 120, 0.5); /* one start every 0.5 s */
	assert_true(ratelimit_next_start(&r, 10) == 10); /* the first goes at once */
	ratelimit_on_start(&r, 10);
	assert_float_equal(ratelimit_next_start(&r, 10), 10.5, EPS);
	assert_float_equal(ratelimit_next_start(&r, 10.2), 10.5, EPS);
	assert_float_equal(ratelimit_next_start(&r, 11), 11, EPS);
}

static void test_rationing_when_little_is_left(void **state)
{
	(void)state;
	struct ratelimit r;
	ratelimit_init(&r, 120, 0.5);
	ratelimit_on_start(&r, 10);
	/* plenty left: the pace alone */
	ratelimit_on_headers(&r, 10, 1000, 5000, 4000, 1100);
	assert_float_equal(ratelimit_next_start(&r, 10), 10.5, EPS);
	/* under 10 %: what is left lasts until the reset (100 s / 10 = 10 s) */
	ratelimit_on_headers(&r, 10, 1000, 5000, 10, 1100);
	assert_float_equal(ratelimit_next_start(&r, 10), 20, EPS);
	/* the reset passed: back to the pace */
	assert_float_equal(ratelimit_next_start(&r, 200), 200, EPS);
	/* none left at all counts as one */
	ratelimit_on_headers(&r, 10, 1000, 5000, 0, 1030);
	assert_float_equal(ratelimit_next_start(&r, 10), 40, EPS);
}

static void test_429_retry_after(void **state)
{
	(void)state;
	struct ratelimit r;
	ratelimit_init(&r, 0, 0.5);
	ratelimit_on_429(&r, 50, 1000, 7, 5000);
	assert_float_equal(ratelimit_next_start(&r, 50), 57, EPS);
	assert_float_equal(r.paused_until_real, 1007, EPS);
	/* a shorter pause does not cut a longer one short */
	ratelimit_on_429(&r, 51, 1001, 2, -1);
	assert_float_equal(ratelimit_next_start(&r, 51), 57, EPS);
}

static void test_429_reset_and_fallbacks(void **state)
{
	(void)state;
	struct ratelimit r;
	ratelimit_init(&r, 0, 0.5);
	ratelimit_on_429(&r, 0, 1000, -1, 1030); /* no retry-after: until the reset */
	assert_float_equal(ratelimit_next_start(&r, 0), 30, EPS);
	assert_float_equal(r.paused_until_real, 1030, EPS);

	ratelimit_init(&r, 0, 0.5);
	ratelimit_on_429(&r, 0, 1000, -1, 900); /* a reset in the past: 60 s */
	assert_float_equal(ratelimit_next_start(&r, 0), 60, EPS);

	ratelimit_init(&r, 0, 0.5);
	ratelimit_on_429(&r, 0, 1000, 0, -1); /* never a tight loop */
	assert_float_equal(ratelimit_next_start(&r, 0), 1, EPS);

	ratelimit_init(&r, 0, 0.5);
	ratelimit_on_429(&r, 0, 1000, 999999, -1); /* never more than the window */
	assert_float_equal(ratelimit_next_start(&r, 0), RATELIMIT_PAUSE_MAX, EPS);
}

static void test_effective_interval(void **state)
{
	(void)state;
	struct ratelimit r;
	ratelimit_init(&r, 60, 0.5);
	/* 10 requests a minute apart fit in 300 s; the budget allows 2500 an hour */
	assert_float_equal(ratelimit_effective_interval(&r, 300, 10), 300, EPS);
	/* 1000 requests: the hourly share (2500) asks for 1440 s */
	assert_float_equal(ratelimit_effective_interval(&r, 300, 1000), 1440, EPS);
	/* 400 requests: the pace (60 a minute) asks for 400 s, the share 576 s */
	assert_float_equal(ratelimit_effective_interval(&r, 300, 400), 576, EPS);
	/* a smaller limit from the headers shrinks the share */
	ratelimit_on_headers(&r, 0, 0, 1000, 900, 100);
	assert_float_equal(ratelimit_effective_interval(&r, 300, 100), 720, EPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_pacing_when_off),
		cmocka_unit_test(test_even_spacing),
		cmocka_unit_test(test_rationing_when_little_is_left),
		cmocka_unit_test(test_429_retry_after),
		cmocka_unit_test(test_429_reset_and_fallbacks),
		cmocka_unit_test(test_effective_interval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
