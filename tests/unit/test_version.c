/* test_version.c - version.h: slugs as numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "version.h"

static void test_parse(void **state)
{
	(void)state;
	struct version v;
	assert_true(version_parse("1.29.1-do.0", &v));
	assert_int_equal(v.major, 1);
	assert_int_equal(v.minor, 29);
	assert_int_equal(v.patch, 1);
	assert_int_equal(v.revision, 0);
	assert_true(version_parse("1.31.12", &v));
	assert_int_equal(v.patch, 12);
	assert_int_equal(v.revision, -1);
	assert_true(version_parse("0.0.0-do.99999", &v));

	static const char *const bad[] = { "", "1", "1.2", "1.2.", "1.2.3-", "1.2.3-do.",
					   "1.2.3-do.x", "1.2.3-gen0", "01.2.3", "1.02.3",
					   "-1.2.3", "+1.2.3", "1.2.3 ", " 1.2.3", "1.2.3-do.1.2",
					   "100000.0.0", "1..3", "a.b.c", "1.2.3-DO.0" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v.major = 42;
		if (version_parse(bad[i], &v))
			fail_msg("\"%s\" parsed", bad[i]);
		assert_int_equal(v.major, 42); /* untouched on failure */
	}
}

static int compare(const char *a, const char *b)
{
	struct version x, y;
	assert_true(version_parse(a, &x));
	assert_true(version_parse(b, &y));
	return version_compare(&x, &y);
}

static void test_compare_is_numeric(void **state)
{
	(void)state;
	assert_true(compare("1.10.0-do.0", "1.9.9-do.9") > 0); /* not as strings */
	assert_true(compare("1.29.2-do.0", "1.29.10-do.0") < 0);
	assert_true(compare("1.29.1-do.1", "1.29.1-do.0") > 0);
	assert_true(compare("1.29.1", "1.29.1-do.0") < 0);
	assert_true(compare("2.0.0", "1.99.99") > 0);
	assert_int_equal(compare("1.29.1-do.0", "1.29.1-do.0"), 0);
}

/* Known versions, oldest first: every pair must compare as their places
 * in the list do, in both directions (antisymmetry), and only a slug with
 * itself compares equal (one spelling per version). */
static void test_compare_ladder(void **state)
{
	(void)state;
	static const char *const ladder[] = {
		"0.0.0", "0.0.0-do.0", "0.0.1", "1.9.0", "1.9.99999-do.3", "1.10.0",
		"1.29.1", "1.29.1-do.0", "1.29.1-do.1", "1.29.1-do.10", "1.29.2-do.0",
		"1.29.10-do.0", "1.30.0-do.0", "1.99.99", "2.0.0",
		"99999.99999.99999-do.99999",
	};
	size_t n = sizeof ladder / sizeof ladder[0];
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			int c = compare(ladder[i], ladder[j]);
			int want = (i > j) - (i < j);
			if ((c > 0) - (c < 0) != want)
				fail_msg("compare(\"%s\", \"%s\") = %d, want the sign of %d",
					 ladder[i], ladder[j], c, want);
		}
	}
}

/* A higher part outranks everything after it, however large. */
static void test_compare_part_outranks_the_rest(void **state)
{
	(void)state;
	assert_true(compare("1.29.1-do.99999", "1.29.2") < 0);
	assert_true(compare("1.29.99999-do.99999", "1.30.0") < 0);
	assert_true(compare("1.99999.99999-do.99999", "2.0.0") < 0);
	assert_true(compare("0.0.0-do.99999", "0.0.1") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_compare_is_numeric),
		cmocka_unit_test(test_compare_ladder),
		cmocka_unit_test(test_compare_part_outranks_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
