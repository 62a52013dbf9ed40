/* test_civil.c - civil.h: calendar dates and RFC 3339 times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "civil.h"

/* ---- dates ------------------------------------------------------------- */

static void test_days_from_date_known(void **state)
{
	(void)state;
	static const struct {
		int64_t y, m, d, days;
	} known[] = {
		{ 1970, 1, 1, 0 },       { 1969, 12, 31, -1 },    { 1970, 3, 1, 59 },
		{ 2000, 2, 29, 11016 },  { 2000, 3, 1, 11017 },   { 1900, 3, 1, -25508 },
		{ 2024, 2, 29, 19782 },  { 2038, 1, 19, 24855 },  { 0, 1, 1, -719528 },
		{ 9999, 12, 31, 2932896 },
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		int64_t got = civil_days_from_date(known[i].y, known[i].m, known[i].d);
		if (got != known[i].days)
			fail_msg("%04lld-%02lld-%02lld -> %lld, want %lld", (long long)known[i].y,
				 (long long)known[i].m, (long long)known[i].d, (long long)got,
				 (long long)known[i].days);
	}
}

/* Walking the calendar day by day from 1600 to 2400 (two full 400-year
 * cycles) must count up by one each day: no month or leap year skipped or
 * counted twice. */
static void test_days_from_date_consecutive(void **state)
{
	(void)state;
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t want = civil_days_from_date(1600, 1, 1);
	for (int64_t y = 1600; y < 2400; y++) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		for (int64_t m = 1; m <= 12; m++) {
			int64_t last = mdays[m - 1] + (m == 2 && leap);
			for (int64_t d = 1; d <= last; d++, want++)
				if (civil_days_from_date(y, m, d) != want)
					fail_msg("%04lld-%02lld-%02lld is not the day after the one before",
						 (long long)y, (long long)m, (long long)d);
		}
	}
	assert_int_equal(want, civil_days_from_date(2400, 1, 1));
}

static void test_to_unix(void **state)
{
	(void)state;
	assert_int_equal(CIVIL_SECONDS_PER_DAY, 24 * 60 * 60);
	assert_int_equal(civil_to_unix(1970, 1, 1, 0, 0, 0), 0);
	assert_int_equal(civil_to_unix(2019, 11, 9, 11, 50, 28), 1573300228);
	assert_int_equal(civil_to_unix(1969, 12, 31, 23, 59, 59), -1);
	assert_int_equal(civil_to_unix(2038, 1, 19, 3, 14, 8), 2147483648LL);
	/* a leap second reads as the next day's first second */
	assert_int_equal(civil_to_unix(2016, 12, 31, 23, 59, 60), civil_to_unix(2017, 1, 1, 0, 0, 0));
}

/* ---- RFC 3339 ---------------------------------------------------------- */

static void assert_time(const char *s, double want)
{
	double got = -1;
	if (!civil_parse_rfc3339(s, &got))
		fail_msg("%s rejected", s);
	if (fabs(got - want) > 1e-6)
		fail_msg("%s -> %.9f, want %.9f", s, got, want);
}

static void assert_bad_time(const char *s)
{
	double got = 12345;
	if (civil_parse_rfc3339(s, &got))
		fail_msg("%s accepted as %.9f", s, got);
	assert_true(got == 12345);
}

static void test_rfc3339_valid(void **state)
{
	(void)state;
	assert_time("1970-01-01T00:00:00Z", 0);
	assert_time("2018-11-15T16:00:11Z", 1542297611);
	assert_time("2019-11-09T11:50:28Z", 1573300228);
	assert_time("2019-11-09T11:50:28.8Z", 1573300228.8);
	assert_time("2019-11-09T11:50:28.88Z", 1573300228.88);
	assert_time("2019-11-09T11:50:28.889Z", 1573300228.889);
	assert_time("2019-11-09T11:50:28.8890Z", 1573300228.889);
	assert_time("2019-11-09T11:50:28.88908Z", 1573300228.88908);
	assert_time("2019-11-09T11:50:28.889080Z", 1573300228.88908);
	assert_time("2019-11-09T11:50:28.8890805Z", 1573300228.8890805);
	assert_time("2019-11-09T11:50:28.88908052Z", 1573300228.88908052);
	assert_time("2019-11-09T11:50:28.889080521Z", 1573300228.889080521);
	assert_time("2019-11-09T13:50:28.889080521+02:00", 1573300228.889080521);
	assert_time("2019-11-09T09:20:28-02:30", 1573300228);
	assert_time("2019-11-09T11:50:28+00:00", 1573300228);
	assert_time("2019-11-09t11:50:28z", 1573300228);
	assert_time("2024-02-29T00:00:00Z", 1709164800);
	assert_time("2000-02-29T00:00:00Z", 951782400);
	assert_time("1999-12-31T23:59:59Z", 946684799);
	assert_time("2038-01-19T03:14:08Z", 2147483648.0); /* past 32-bit time_t */
	assert_time("2100-03-01T00:00:00Z", 4107542400.0);
}

static void test_rfc3339_invalid(void **state)
{
	(void)state;
	assert_bad_time("2019-11-09T11:50:28.8890805210Z"); /* 10 digits */
	assert_bad_time("2019-11-09T11:50:28.Z");
	assert_bad_time("2023-02-29T00:00:00Z");
	assert_bad_time("1900-02-29T00:00:00Z");
	assert_bad_time("2019-13-01T00:00:00Z");
	assert_bad_time("2019-00-01T00:00:00Z");
	assert_bad_time("2019-04-31T00:00:00Z");
	assert_bad_time("2019-01-00T00:00:00Z");
	assert_bad_time("2019-01-32T00:00:00Z");
	assert_bad_time("2019-11-09T24:00:00Z");
	assert_bad_time("2019-11-09T11:60:00Z");
	assert_bad_time("2019-11-09T11:50:61Z");
	assert_bad_time("2019-11-09T11:50:28");      /* no zone */
	assert_bad_time("2019-11-09T11:50:28.123");  /* no zone */
	assert_bad_time("2019-11-09T11:50:28Zjunk"); /* trailing garbage */
	assert_bad_time("2019-11-09T11:50:28Z ");
	assert_bad_time("2019-11-09T11:50:28+02:00x");
	assert_bad_time("2019-11-09T11:50:28+2:00");
	assert_bad_time("2019-11-09T11:50:28+0200");
	assert_bad_time("2019-11-09T11:50:28+24:00");
	assert_bad_time("2019-11-09T11:50:28+02:60");
	assert_bad_time("2019-11-09 11:50:28Z");
	assert_bad_time("2019-11-9T11:50:28Z");
	assert_bad_time("19-11-09T11:50:28Z");
	assert_bad_time("2019/11/09T11:50:28Z");
	assert_bad_time("2019-11-09T11:50Z");
	assert_bad_time("2019-11-09");
	assert_bad_time("");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_from_date_known),
		cmocka_unit_test(test_days_from_date_consecutive),
		cmocka_unit_test(test_to_unix),
		cmocka_unit_test(test_rfc3339_valid),
		cmocka_unit_test(test_rfc3339_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
