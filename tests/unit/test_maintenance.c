/* test_maintenance.c - maintenance.h: policies and the next window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "maintenance.h"

/* 2026-11-25 was a Wednesday; this is 00:00 UTC that day. */
#define WED 1795564800.0
#define H 3600.0
#define DAY 86400.0

static void test_parse(void **state)
{
	(void)state;
	struct maintenance_policy m;
	assert_true(maintenance_parse("Monday", "12:30", "4h0m0s", &m));
	assert_int_equal(m.day, 1);
	assert_string_equal(m.day_name, "monday");
	assert_int_equal(m.start_minute, 12 * 60 + 30);
	assert_string_equal(m.start_time, "12:30");
	assert_int_equal(m.duration, 4 * 3600);
	assert_true(maintenance_parse("ANY", "00:00", NULL, &m));
	assert_int_equal(m.day, MAINTENANCE_ANY_DAY);
	assert_string_equal(m.day_name, "any");
	assert_int_equal(m.duration, MAINTENANCE_DEFAULT_DURATION);

	static const char *const bad_days[] = { "", "mon", "funday", "monday " };
	for (size_t i = 0; i < 4; i++)
		assert_false(maintenance_parse(bad_days[i], "12:00", NULL, &m));
	static const char *const bad_times[] = { "", "24:00", "12:60", "1:00", "12:5", "12-00",
						 "12:00:00", " 2:00" };
	for (size_t i = 0; i < 8; i++)
		if (maintenance_parse("any", bad_times[i], NULL, &m))
			fail_msg("start_time \"%s\" accepted", bad_times[i]);
}

static void test_durations(void **state)
{
	(void)state;
	long s;
	assert_true(maintenance_parse_duration("4h0m0s", &s));
	assert_int_equal(s, 14400);
	assert_true(maintenance_parse_duration("90m", &s));
	assert_int_equal(s, 5400);
	assert_true(maintenance_parse_duration("1h30m", &s));
	assert_int_equal(s, 5400);
	assert_true(maintenance_parse_duration("45s", &s));
	assert_int_equal(s, 45);
	static const char *const bad[] = { "", "0s", "0h0m0s", "4", "h", "4d", "-4h", "30m1h",
					   "1h1h", "1s1m", "169h", "4h 0m" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (maintenance_parse_duration(bad[i], &s))
			fail_msg("duration \"%s\" accepted", bad[i]);
}

static void test_any_day(void **state)
{
	(void)state;
	struct maintenance_policy m;
	assert_true(maintenance_parse("any", "12:00", "4h0m0s", &m));
	/* before today's window: today's */
	assert_true(maintenance_next_window(&m, WED + 11 * H) == WED + 12 * H);
	/* in it: its start */
	assert_true(maintenance_next_window(&m, WED + 12 * H) == WED + 12 * H);
	assert_true(maintenance_next_window(&m, WED + 15.9 * H) == WED + 12 * H);
	/* after it: tomorrow's */
	assert_true(maintenance_next_window(&m, WED + 16 * H) == WED + DAY + 12 * H);
	/* a window over midnight is still in progress the next morning */
	assert_true(maintenance_parse("any", "22:00", "4h0m0s", &m));
	assert_true(maintenance_next_window(&m, WED + DAY + 1 * H) == WED + 22 * H);
	assert_true(maintenance_next_window(&m, WED + DAY + 2 * H) == WED + DAY + 22 * H);
}

static void test_weekday(void **state)
{
	(void)state;
	struct maintenance_policy m;
	assert_true(maintenance_parse("wednesday", "03:00", "4h0m0s", &m));
	assert_true(maintenance_next_window(&m, WED) == WED + 3 * H);
	assert_true(maintenance_next_window(&m, WED + 5 * H) == WED + 3 * H);
	assert_true(maintenance_next_window(&m, WED + 7 * H) == WED + 7 * DAY + 3 * H);
	/* Monday from a Wednesday: five days on */
	assert_true(maintenance_parse("monday", "03:00", NULL, &m));
	assert_true(maintenance_next_window(&m, WED + 10 * H) == WED + 5 * DAY + 3 * H);
	/* Sunday 23:00 for 4 hours is still running on Monday at 01:00 */
	assert_true(maintenance_parse("sunday", "23:00", NULL, &m));
	double monday = WED + 5 * DAY;
	assert_true(maintenance_next_window(&m, monday + 1 * H) == monday - DAY + 23 * H);
	assert_true(maintenance_next_window(&m, monday + 3 * H) == monday + 6 * DAY + 23 * H);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_any_day),
		cmocka_unit_test(test_weekday),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
