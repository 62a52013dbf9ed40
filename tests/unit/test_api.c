/* test_api.c - the API client's decisions, which api.c takes through
 * apisched.h: which request or retry starts next, retry backoff and its
 * jitter, the per-request retry limit, which failures are retried, the
 * batch's deadline, and what a 429, Retry-After and the ratelimit-*
 * headers do to the budget. The clock and the jitter's draws are passed
 * in, so nothing here sleeps or depends on the time it runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "apiheader.h"
#include "apisched.h"
#include "ratelimit.h"

#define EPS 1e-9

/* A jitter draw that returns *ctx and counts the draws in draws. */
static int draws;

static double fixed_draw(void *ctx)
{
	draws++;
	return *(const double *)ctx;
}

/* A budget that never paces (per_minute 0): only a 429's pause holds. */
static void budget_off(struct ratelimit *rl)
{
	assert_true(ratelimit_init(rl, 0, 0.5, 300));
}

/* Starts the next request at now; returns its index. */
static size_t start_next(struct apisched *q, const struct ratelimit *rl, double now)
{
	struct apisched_pick pick;
	double at = -1;
	assert_int_equal(apisched_choose(q, rl, now, now + 1000, &pick, &at), APISCHED_GO);
	apisched_take(q, &pick);
	return pick.index;
}

static void test_backoff_grows_and_is_capped(void **state)
{
	(void)state;
	/* with the jitter at its middle, 1 s, 2 s, 4 s ... */
	assert_float_equal(apisched_backoff(1, 0.5), 1, EPS);
	assert_float_equal(apisched_backoff(2, 0.5), 2, EPS);
	assert_float_equal(apisched_backoff(3, 0.5), 4, EPS);
	assert_float_equal(apisched_backoff(5, 0.5), 16, EPS);
	/* ... until the cap, whatever the jitter */
	assert_float_equal(apisched_backoff(6, 0.5), APISCHED_BACKOFF_MAX, EPS);
	assert_float_equal(apisched_backoff(11, 0), APISCHED_BACKOFF_MAX, EPS);
	assert_float_equal(apisched_backoff(11, 0.999), APISCHED_BACKOFF_MAX, EPS);
	for (int t = 1; t < 11; t++)
		assert_true(apisched_backoff(t + 1, 0.3) >= apisched_backoff(t, 0.3));
}

static void test_jitter_stays_in_its_bounds(void **state)
{
	(void)state;
	static const double us[] = { 0, 0.001, 0.25, 0.5, 0.75, 0.999999 };
	for (int t = 1; t <= 4; t++) {
		double nominal = APISCHED_BACKOFF_BASE * (double)(1 << (t - 1));
		for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
			double w = apisched_backoff(t, us[i]);
			assert_true(w >= 0.5 * nominal - EPS);
			assert_true(w < 1.5 * nominal);
		}
		/* the draw moves the wait: no two draws give the same */
		assert_true(apisched_backoff(t, 0.1) < apisched_backoff(t, 0.9));
	}
	/* and a retry is due exactly that long after the failure */
	struct apisched q;
	struct ratelimit rl;
	budget_off(&rl);
	assert_int_equal(apisched_init(&q, 1, 2), ERR_OK);
	start_next(&q, &rl, 10);
	double u = 0.999999;
	assert_true(apisched_retry(&q, 0, true, false, 10, 100, fixed_draw, &u));
	assert_int_equal(q.nretry, 1);
	assert_float_equal(q.retry[0].not_before, 10 + apisched_backoff(1, u), EPS);
	assert_true(q.retry[0].not_before < 11.5);
	apisched_cleanup(&q);
	ratelimit_cleanup(&rl);
}

static void test_retry_limit_per_request(void **state)
{
	(void)state;
	struct apisched q;
	struct ratelimit rl;
	budget_off(&rl);
	/* api.retries = 2: three tries in all */
	assert_int_equal(apisched_init(&q, 2, 2), ERR_OK);
	double u = 0.5, now = 0;
	draws = 0;
	for (int k = 0; k < 2; k++) {
		size_t i = start_next(&q, &rl, now);
		assert_int_equal(i, 0);
		assert_int_equal(apisched_tries_left(&q, 0), 2 - k);
		assert_true(apisched_retry(&q, 0, true, false, now, 1000, fixed_draw, &u));
		now = q.retry[0].not_before;
	}
	assert_int_equal(start_next(&q, &rl, now), 0);
	assert_int_equal(apisched_tries_left(&q, 0), 0);
	/* the third failure is final, and spends no draw */
	assert_false(apisched_retry(&q, 0, true, false, now, 1000, fixed_draw, &u));
	assert_int_equal(draws, 2);
	assert_int_equal(q.nretry, 0);
	/* the limit is per request: the other one has all its tries */
	assert_int_equal(start_next(&q, &rl, now), 1);
	assert_int_equal(apisched_tries_left(&q, 1), 2);
	assert_true(apisched_retry(&q, 1, true, false, now, 1000, fixed_draw, &u));
	apisched_cleanup(&q);

	/* api.retries = 0: one try */
	assert_int_equal(apisched_init(&q, 1, 0), ERR_OK);
	start_next(&q, &rl, 0);
	assert_false(apisched_retry(&q, 0, true, false, 0, 1000, fixed_draw, &u));
	apisched_cleanup(&q);
	ratelimit_cleanup(&rl);
}

static void test_what_is_retryable(void **state)
{
	(void)state;
	/* the API's busy or failing answers */
	assert_true(apisched_retryable(ERR_HTTP, 429));
	assert_true(apisched_retryable(ERR_HTTP, 500));
	assert_true(apisched_retryable(ERR_HTTP, 502));
	assert_true(apisched_retryable(ERR_HTTP, 503));
	/* the request's own fault: asking again changes nothing */
	assert_false(apisched_retryable(ERR_HTTP, 400));
	assert_false(apisched_retryable(ERR_HTTP, 401));
	assert_false(apisched_retryable(ERR_HTTP, 403));
	assert_false(apisched_retryable(ERR_HTTP, 404));
	assert_false(apisched_retryable(ERR_HTTP, 304));
	/* the network's passing faults, not a certificate or a cap */
	assert_true(apisched_retryable(ERR_TIMEOUT, 0));
	assert_true(apisched_retryable(ERR_CONNECT, 0));
	assert_true(apisched_retryable(ERR_RESET, 200));
	assert_false(apisched_retryable(ERR_TLS, 0));
	assert_false(apisched_retryable(ERR_TOOBIG, 200));
	assert_false(apisched_retryable(ERR_OK, 200));
	assert_false(apisched_retryable(ERR_CANCELLED, 0));
	assert_false(apisched_retryable(ERR_NOMEM, 200));

	/* a failure that is not retryable ends the request at once */
	struct apisched q;
	struct ratelimit rl;
	budget_off(&rl);
	assert_int_equal(apisched_init(&q, 1, 5), ERR_OK);
	start_next(&q, &rl, 0);
	double u = 0.5;
	draws = 0;
	assert_false(apisched_retry(&q, 0,
				    apisched_retryable(ERR_HTTP, 404), false, 0,
				    1000, fixed_draw, &u));
	assert_int_equal(draws, 0);
	assert_false(apisched_waiting(&q));
	apisched_cleanup(&q);
	ratelimit_cleanup(&rl);
}

static void test_retry_never_past_the_deadline(void **state)
{
	(void)state;
	struct apisched q;
	struct ratelimit rl;
	budget_off(&rl);
	assert_int_equal(apisched_init(&q, 1, 3), ERR_OK);
	start_next(&q, &rl, 10);
	double u = 0.5; /* a wait of 1 s */
	assert_false(apisched_retry(&q, 0, true, false, 10, 10.5, fixed_draw, &u));
	assert_false(apisched_retry(&q, 0, true, false, 10, 11, fixed_draw, &u));
	assert_int_equal(q.nretry, 0);
	assert_true(apisched_retry(&q, 0, true, false, 10, 11.01, fixed_draw, &u));
	assert_int_equal(q.nretry, 1);
	apisched_cleanup(&q);

	/* after a 429 the retry is due at once, but the pause holds it past
	 * the deadline: the batch ends it unsent */
	assert_int_equal(apisched_init(&q, 1, 3), ERR_OK);
	start_next(&q, &rl, 10);
	struct apistats stats;
	memset(&stats, 0, sizeof stats);
	struct apisched_headers h = { .have_retry_after = true, .retry_after = 30 };
	apisched_on_answer(&rl, &stats, 429, true, &h, 10, 1000);
	assert_true(apisched_retry(&q, 0, true, true, 10, 20, fixed_draw, &u));
	assert_float_equal(q.retry[0].not_before, 10, EPS);
	struct apisched_pick pick;
	double at = 0;
	assert_int_equal(apisched_choose(&q, &rl, 10, 20, &pick, &at), APISCHED_BLOCKED);
	assert_float_equal(at, 40, EPS);
	assert_true(apisched_blocked(&rl, 10, 20));
	assert_false(apisched_blocked(&rl, 10, 40));
	size_t i = 99;
	assert_true(apisched_drop(&q, &i));
	assert_int_equal(i, 0);
	assert_false(apisched_drop(&q, &i));
	assert_false(apisched_waiting(&q));
	apisched_cleanup(&q);
	ratelimit_cleanup(&rl);
}

/* A 429 with retry-after as the API might send it, read by apiheader.c. */
static struct apisched_headers headers_of(const char *const *lines)
{
	struct apisched_headers h = { 0 };
	for (; *lines; lines++) {
		double v = 0;
		bool ok = false;
		switch (apiheader_parse(*lines, strlen(*lines), &v, &ok)) {
		case APIHEADER_LIMIT:
			if ((h.have_limit = ok))
				h.limit = v;
			break;
		case APIHEADER_REMAINING:
			if ((h.have_remaining = ok))
				h.remaining = v;
			break;
		case APIHEADER_RESET:
			if ((h.have_reset = ok))
				h.reset_real = v;
			break;
		case APIHEADER_RETRY_AFTER:
			if ((h.have_retry_after = ok))
				h.retry_after = v;
			break;
		default:
			break;
		}
	}
	return h;
}

static void test_retry_after_is_honoured(void **state)
{
	(void)state;
	struct ratelimit rl;
	struct apistats stats;
	struct apisched q;
	budget_off(&rl);
	memset(&stats, 0, sizeof stats);
	assert_int_equal(apisched_init(&q, 2, 2), ERR_OK);
	start_next(&q, &rl, 100);
	/* Retry-After in seconds wins over ratelimit-reset */
	static const char *const seconds[] = { "HTTP/1.1 429 Too Many Requests\r\n",
					       "Retry-After: 17\r\n", "ratelimit-reset: 1900\r\n",
					       NULL };
	struct apisched_headers h = headers_of(seconds);
	assert_true(h.have_retry_after);
	apisched_on_answer(&rl, &stats, 429, true, &h, 100, 1000);
	assert_float_equal(rl.paused_until_mono, 117, EPS);
	double u = 0.5;
	assert_true(apisched_retry(&q, 0, true, true, 100, 1000, fixed_draw, &u));
	/* neither the retry nor the next first try goes before the pause ends */
	struct apisched_pick pick;
	double at = 0;
	assert_int_equal(apisched_choose(&q, &rl, 100, 1000, &pick, &at), APISCHED_HOLD);
	assert_float_equal(at, 117, EPS);
	assert_int_equal(apisched_choose(&q, &rl, 116.9, 1000, &pick, &at), APISCHED_HOLD);
	assert_int_equal(apisched_choose(&q, &rl, 117, 1000, &pick, &at), APISCHED_GO);
	assert_int_equal(pick.index, 0); /* the due retry before the first try */
	apisched_cleanup(&q);

	/* the HTTP-date form is not read (the API sends seconds): the pause
	 * falls back to ratelimit-reset */
	static const char *const date[] = { "Retry-After: Wed, 21 Oct 2037 07:28:00 GMT\r\n",
					    "ratelimit-reset: 1900\r\n", NULL };
	h = headers_of(date);
	assert_false(h.have_retry_after);
	apisched_on_answer(&rl, &stats, 429, true, &h, 200, 1000);
	assert_float_equal(rl.paused_until_mono, 200 + 900, EPS);
	ratelimit_cleanup(&rl);
}

static void test_429_pauses_the_budget(void **state)
{
	(void)state;
	struct ratelimit rl;
	struct apistats stats;
	memset(&stats, 0, sizeof stats);
	budget_off(&rl);
	struct apisched_headers none = { 0 };
	/* a 503 or a 200 pauses nothing */
	apisched_on_answer(&rl, &stats, 503, true, &none, 10, 1000);
	apisched_on_answer(&rl, &stats, 200, true, &none, 10, 1000);
	assert_float_equal(ratelimit_next_start(&rl, 10), 10, EPS);
	/* nor does a 429 cut before its end: it is a transport failure */
	apisched_on_answer(&rl, &stats, 429, false, &none, 10, 1000);
	assert_float_equal(ratelimit_next_start(&rl, 10), 10, EPS);
	assert_float_equal(rl.paused_until_real, 0, EPS);
	/* a whole 429 with neither header: 60 s */
	apisched_on_answer(&rl, &stats, 429, true, &none, 10, 1000);
	assert_float_equal(ratelimit_next_start(&rl, 10), 70, EPS);
	assert_float_equal(rl.paused_until_real, 1060, EPS);
	ratelimit_cleanup(&rl);

	/* with ratelimit-reset ahead: until then */
	budget_off(&rl);
	struct apisched_headers reset = { .have_reset = true, .reset_real = 1250 };
	apisched_on_answer(&rl, &stats, 429, true, &reset, 10, 1000);
	assert_float_equal(ratelimit_next_start(&rl, 10), 260, EPS);
	ratelimit_cleanup(&rl);
}

static void test_headers_follow_the_newest_answer(void **state)
{
	(void)state;
	struct ratelimit rl;
	struct apistats stats;
	memset(&stats, 0, sizeof stats);
	assert_true(ratelimit_init(&rl, 60, 0.5, 300));
	struct apisched_headers h = { .have_limit = true, .have_remaining = true,
				      .have_reset = true, .limit = 5000, .remaining = 4000,
				      .reset_real = 2000 };
	apisched_on_answer(&rl, &stats, 200, true, &h, 10, 1000);
	assert_true(stats.have_rate_limit);
	assert_float_equal(stats.rate_limit_remaining, 4000, EPS);
	/* an older answer of the same window arrives late: the lower count stays */
	h.remaining = 4003;
	apisched_on_answer(&rl, &stats, 404, true, &h, 11, 1001);
	assert_float_equal(stats.rate_limit_remaining, 4000, EPS);
	assert_float_equal(rl.remaining, 4000, EPS);
	/* a new window is followed at once, even with more left */
	h.remaining = 4990;
	h.reset_real = 5600;
	apisched_on_answer(&rl, &stats, 200, true, &h, 12, 1002);
	assert_float_equal(stats.rate_limit_remaining, 4990, EPS);
	assert_float_equal(stats.rate_limit_reset, 5600, EPS);
	/* a partial set of headers, or no status line, changes nothing */
	struct apisched_headers part = { .have_limit = true, .have_remaining = true,
					 .limit = 5000, .remaining = 1 };
	apisched_on_answer(&rl, &stats, 200, true, &part, 13, 1003);
	apisched_on_answer(&rl, &stats, 0, false, &h, 13, 1003);
	assert_float_equal(stats.rate_limit_remaining, 4990, EPS);
	ratelimit_cleanup(&rl);
}

static void test_due_retries_go_first(void **state)
{
	(void)state;
	struct ratelimit rl;
	struct apisched q;
	budget_off(&rl);
	assert_int_equal(apisched_init(&q, 4, 2), ERR_OK);
	double u = 0.5;
	/* requests 0 and 1 fail: retries due at 1 (after 1 s) and 3 (after 1 s) */
	assert_int_equal(start_next(&q, &rl, 0), 0);
	assert_int_equal(start_next(&q, &rl, 0), 1);
	assert_true(apisched_retry(&q, 1, true, false, 2, 1000, fixed_draw, &u));
	assert_true(apisched_retry(&q, 0, true, false, 0, 1000, fixed_draw, &u));
	/* none due yet: first tries go on, in order */
	assert_int_equal(start_next(&q, &rl, 0.5), 2);
	/* the next retry not yet due is when to look again */
	assert_float_equal(apisched_wake(&q, 0.5, 100), 1, EPS);
	assert_float_equal(apisched_wake(&q, 0.5, 0.7), 0.7, EPS);
	/* both due: the one due first goes first, ahead of first tries */
	assert_int_equal(start_next(&q, &rl, 5), 0);
	assert_int_equal(start_next(&q, &rl, 5), 1);
	assert_int_equal(start_next(&q, &rl, 5), 3);
	struct apisched_pick pick;
	double at = 0;
	assert_int_equal(apisched_choose(&q, &rl, 5, 1000, &pick, &at), APISCHED_NONE);
	assert_false(apisched_waiting(&q));
	apisched_cleanup(&q);
	ratelimit_cleanup(&rl);
}

static void test_drop_ends_retries_then_first_tries(void **state)
{
	(void)state;
	struct ratelimit rl;
	struct apisched q;
	budget_off(&rl);
	assert_int_equal(apisched_init(&q, 5, 2), ERR_OK);
	double u = 0.5;
	assert_int_equal(start_next(&q, &rl, 0), 0);
	assert_int_equal(start_next(&q, &rl, 0), 1);
	assert_true(apisched_retry(&q, 1, true, false, 0, 1000, fixed_draw, &u));
	assert_true(apisched_retry(&q, 0, true, false, 0, 1000, fixed_draw, &u));
	static const size_t want[] = { 1, 0, 2, 3, 4 };
	size_t i;
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		assert_true(apisched_drop(&q, &i));
		assert_int_equal(i, want[k]);
	}
	assert_false(apisched_drop(&q, &i));
	apisched_cleanup(&q);
	ratelimit_cleanup(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_grows_and_is_capped),
		cmocka_unit_test(test_jitter_stays_in_its_bounds),
		cmocka_unit_test(test_retry_limit_per_request),
		cmocka_unit_test(test_what_is_retryable),
		cmocka_unit_test(test_retry_never_past_the_deadline),
		cmocka_unit_test(test_retry_after_is_honoured),
		cmocka_unit_test(test_429_pauses_the_budget),
		cmocka_unit_test(test_headers_follow_the_newest_answer),
		cmocka_unit_test(test_due_retries_go_first),
		cmocka_unit_test(test_drop_ends_retries_then_first_tries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
