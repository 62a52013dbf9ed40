/* test_apistats.c - apistats.h: request and error counters, histogram
 * bucket placement, names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "apistats.h"

static struct apistats *new_stats(void)
{
	struct apistats *s = calloc(1, sizeof *s);
	assert_non_null(s);
	return s;
}

static unsigned long long total_requests(const struct apistats *s)
{
	unsigned long long n = 0;
	for (int ep = 0; ep < ENDPOINT_COUNT; ep++)
		for (int c = 0; c <= APISTATS_CODE_MAX - APISTATS_CODE_MIN; c++)
			n += s->requests[ep][c];
	return n;
}

static void test_count_requests(void **state)
{
	(void)state;
	struct apistats *s = new_stats();
	apistats_count_request(s, ENDPOINT_CLUSTERS, 200);
	apistats_count_request(s, ENDPOINT_CLUSTERS, 200);
	apistats_count_request(s, ENDPOINT_UPGRADES, 429);
	apistats_count_request(s, ENDPOINT_CREDENTIALS, 100);
	apistats_count_request(s, ENDPOINT_CLUSTER, 599);
	assert_int_equal(s->requests[ENDPOINT_CLUSTERS][200 - APISTATS_CODE_MIN], 2);
	assert_int_equal(s->requests[ENDPOINT_UPGRADES][429 - APISTATS_CODE_MIN], 1);
	assert_int_equal(s->requests[ENDPOINT_CREDENTIALS][0], 1);
	assert_int_equal(s->requests[ENDPOINT_CLUSTER][APISTATS_CODE_MAX - APISTATS_CODE_MIN], 1);
	assert_int_equal(s->requests[ENDPOINT_UPGRADES][200 - APISTATS_CODE_MIN], 0);
	assert_int_equal(total_requests(s), 5);
	free(s);
}

static void test_out_of_range_ignored(void **state)
{
	(void)state;
	struct apistats *s = new_stats();
	struct apistats *zero = new_stats();
	static const long codes[] = { 0, 99, 600, 999, -1, -200, 100000, 2147483647L + 200L };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		apistats_count_request(s, ENDPOINT_CLUSTERS, codes[i]);
	apistats_count_request(s, (enum endpoint)ENDPOINT_COUNT, 200);
	apistats_count_request(s, (enum endpoint)-1, 200);
	apistats_count_error(s, (enum endpoint)ENDPOINT_COUNT, ERR_HTTP);
	apistats_count_error(s, ENDPOINT_CLUSTERS, (enum err)ERR_COUNT);
	apistats_count_error(s, ENDPOINT_CLUSTERS, (enum err)-1);
	/* codes that are not failures of a request are not counted */
	apistats_count_error(s, ENDPOINT_CLUSTERS, ERR_OK);
	apistats_count_error(s, ENDPOINT_CLUSTERS, ERR_NOMEM);
	apistats_count_error(s, ENDPOINT_CLUSTERS, ERR_CANCELLED);
	apistats_observe_duration(s, (enum endpoint)ENDPOINT_COUNT, 0.1);
	apistats_observe_duration(s, ENDPOINT_CLUSTERS, -0.001);
	apistats_observe_duration(s, ENDPOINT_CLUSTERS, NAN);
	assert_memory_equal(s, zero, sizeof *s);
	free(s);
	free(zero);
}

static void test_count_errors(void **state)
{
	(void)state;
	struct apistats *s = new_stats();
	apistats_count_error(s, ENDPOINT_UPGRADES, ERR_TIMEOUT);
	apistats_count_error(s, ENDPOINT_UPGRADES, ERR_TIMEOUT);
	apistats_count_error(s, ENDPOINT_CLUSTERS, ERR_LOOP);
	assert_int_equal(s->errors[ENDPOINT_UPGRADES][ERR_TIMEOUT], 2);
	assert_int_equal(s->errors[ENDPOINT_CLUSTERS][ERR_LOOP], 1);
	assert_int_equal(s->errors[ENDPOINT_CLUSTERS][ERR_TIMEOUT], 0);
	assert_int_equal(total_requests(s), 0);
	free(s);
}

/* The bucket index an observation lands in, or -1 for none (+Inf only). */
static int bucket_of(double seconds)
{
	struct apistats *s = new_stats();
	apistats_observe_duration(s, ENDPOINT_CLUSTER, seconds);
	const struct apistats_histogram *h = &s->duration[ENDPOINT_CLUSTER];
	assert_int_equal(h->count, 1);
	assert_true(h->sum == seconds);
	int found = -1;
	for (int i = 0; i < APISTATS_BUCKETS; i++) {
		if (h->buckets[i] == 1) {
			assert_int_equal(found, -1);
			found = i;
		} else {
			assert_int_equal(h->buckets[i], 0);
		}
	}
	free(s);
	return found;
}

static void test_bucket_placement(void **state)
{
	(void)state;
	static const double want[APISTATS_BUCKETS] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
						       0.5,   1,    2.5,   5,    10 };
	for (int i = 0; i < APISTATS_BUCKETS; i++)
		assert_true(apistats_bucket_bounds[i] == want[i]);
	assert_int_equal(bucket_of(0), 0);
	assert_int_equal(bucket_of(0.001), 0);
	/* an observation on a bound belongs to that bucket (le = less or equal) */
	for (int i = 0; i < APISTATS_BUCKETS; i++) {
		if (bucket_of(apistats_bucket_bounds[i]) != i)
			fail_msg("%g went to bucket %d, want %d", apistats_bucket_bounds[i],
				 bucket_of(apistats_bucket_bounds[i]), i);
		if (i + 1 < APISTATS_BUCKETS &&
		    bucket_of(nextafter(apistats_bucket_bounds[i], 100)) != i + 1)
			fail_msg("just above %g not in bucket %d", apistats_bucket_bounds[i], i + 1);
	}
	assert_int_equal(bucket_of(0.3), 6); /* (0.25, 0.5] */
	assert_int_equal(bucket_of(nextafter(10, 100)), -1);
	assert_int_equal(bucket_of(60), -1);
	assert_int_equal(bucket_of(INFINITY), -1);
}

static void test_histogram_sums(void **state)
{
	(void)state;
	struct apistats *s = new_stats();
	for (int i = 0; i < 100; i++)
		apistats_observe_duration(s, ENDPOINT_UPGRADES, 0.25);
	apistats_observe_duration(s, ENDPOINT_UPGRADES, 20);
	const struct apistats_histogram *h = &s->duration[ENDPOINT_UPGRADES];
	assert_int_equal(h->count, 101);
	assert_int_equal(h->buckets[5], 100);
	assert_true(fabs(h->sum - 45.0) < 1e-9);
	assert_int_equal(s->duration[ENDPOINT_CLUSTERS].count, 0);
	free(s);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(apistats_endpoint_name(ENDPOINT_CLUSTERS), "clusters");
	assert_string_equal(apistats_endpoint_name(ENDPOINT_CLUSTER), "cluster");
	assert_string_equal(apistats_endpoint_name(ENDPOINT_UPGRADES), "upgrades");
	assert_string_equal(apistats_endpoint_name(ENDPOINT_CREDENTIALS), "credentials");
	assert_string_equal(apistats_endpoint_name((enum endpoint)ENDPOINT_COUNT), "unknown");
	assert_string_equal(err_reason(ERR_HTTP), "status");
	assert_string_equal(err_reason(ERR_TOOBIG), "too_large");
	assert_string_equal(err_reason(ERR_ORIGIN), "foreign_origin");
	assert_string_equal(err_reason(ERR_LOOP), "page_loop");
	assert_null(err_reason(ERR_OK));
	assert_null(err_reason(ERR_THROTTLED));
	assert_null(err_reason((enum err)ERR_COUNT));
	assert_string_equal(err_str(ERR_NOMEM), "out of memory");
	assert_string_equal(err_str((enum err)ERR_COUNT), "unknown error");
	assert_true(err_is_transport(ERR_TIMEOUT) && err_is_transport(ERR_CONNECT) &&
		    err_is_transport(ERR_TLS) && err_is_transport(ERR_RESET));
	assert_false(err_is_transport(ERR_HTTP) || err_is_transport(ERR_TOOBIG));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_requests),
		cmocka_unit_test(test_out_of_range_ignored),
		cmocka_unit_test(test_count_errors),
		cmocka_unit_test(test_bucket_placement),
		cmocka_unit_test(test_histogram_sums),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
