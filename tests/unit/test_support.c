/* test_support.c - support.h: a cluster's end of support and earliest
 * forced upgrade from the support timeline, else from /options, and what
 * happens when the two disagree. A small table is loaded from text; the
 * clock is passed in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "support.h"

#define DAY 86400.0
#define H 3600.0
/* 00:00 UTC */
#define D_2026_06_28 1782604800.0 /* a Sunday */
#define D_2026_07_27 1785110400.0 /* a Monday */
#define D_2026_10_27 1793059200.0 /* a Tuesday */
#define D_2026_11_26 1795651200.0 /* a Thursday */

static const char table[] =
	"{\"taken\": \"2025-11-19\", \"releases\": [\n"
	" {\"release\": \"1.33\", \"end_of_support\": \"2026-06-28\", \"upgrades_begin\": \"2026-07-27\"},\n"
	" {\"release\": \"1.34\", \"end_of_support\": \"2026-10-27\", \"upgrades_begin\": \"2026-11-26\"}\n"
	"]}\n";

static struct timeline *load(void)
{
	struct timeline *t = NULL;
	assert_int_equal(timeline_load_text("test", table, strlen(table), &t), ERR_OK);
	return t;
}

static struct maintenance_policy window(const char *day, const char *start)
{
	struct maintenance_policy p;
	assert_true(maintenance_parse(day, start, NULL, &p));
	return p;
}

static void offer(struct upgrades *u, const char *const *slugs, size_t n)
{
	memset(u, 0, sizeof *u);
	u->versions = calloc(n, sizeof *u->versions);
	assert_non_null(u->versions);
	for (size_t i = 0; i < n; i++) {
		u->versions[i].slug = strdup(slugs[i]);
		assert_non_null(u->versions[i].slug);
	}
	u->count = n;
}

/* A listed release before its end: the table's dates, the first window on
 * or after "upgrades begin", supported. */
static void test_listed_release(void **state)
{
	(void)state;
	struct timeline *t = load();
	struct maintenance_policy w = window("saturday", "02:00");
	struct support_input in = { .timeline = t, .version = "1.34.1-do.0", .window = &w,
				    .offered = 1, .now = D_2026_10_27 - 20 * DAY };
	struct support s;
	char release[TIMELINE_RELEASE_SIZE];
	assert_int_equal(support_compute(&in, &s, release), SUPPORT_AGREE);
	assert_string_equal(release, "1.34");
	assert_true(s.listed);
	assert_true(s.have_end_of_support);
	assert_true(s.end_of_support == D_2026_10_27);
	assert_true(s.have_forced_upgrade);
	/* Thursday 2026-11-26 -> Saturday 2026-11-28 02:00 */
	assert_true(s.forced_upgrade_earliest == D_2026_11_26 + 2 * DAY + 2 * H);
	assert_false(s.unsupported);
	assert_true(s.unsupported_since == 0);
	/* without a known window: upgrades begin itself */
	in.window = NULL;
	support_compute(&in, &s, release);
	assert_true(s.forced_upgrade_earliest == D_2026_11_26);
	/* a window in progress at 00:00 on the day does not count: the next one */
	w = window("any", "23:00");
	in.window = &w;
	support_compute(&in, &s, release);
	assert_true(s.forced_upgrade_earliest == D_2026_11_26 + 23 * H);
	timeline_free(t);
}

/* A release the table does not list: 30 days after it was first missing
 * from /options, the next window; nothing while never missing. */
static void test_unlisted_release(void **state)
{
	(void)state;
	struct timeline *t = load();
	struct maintenance_policy w = window("monday", "04:00");
	struct support_input in = { .timeline = t, .version = "1.35.2-do.0", .window = &w,
				    .offered = 1, .now = D_2026_06_28 };
	struct support s;
	char release[TIMELINE_RELEASE_SIZE];
	assert_int_equal(support_compute(&in, &s, release), SUPPORT_UNLISTED);
	assert_false(s.listed);
	assert_false(s.have_end_of_support);
	assert_false(s.have_forced_upgrade);
	assert_false(s.unsupported);
	/* missing from /options since Sunday 2026-06-28 12:00 */
	in.offered = 0;
	in.unsupported_since = D_2026_06_28 + 12 * H;
	in.now = in.unsupported_since + DAY;
	assert_int_equal(support_compute(&in, &s, release), SUPPORT_UNLISTED);
	assert_true(s.unsupported);
	assert_true(s.unsupported_since == D_2026_06_28 + 12 * H);
	assert_true(s.have_forced_upgrade);
	/* + 30 days = Tuesday 2026-07-28 12:00 -> Monday 2026-08-03 04:00 */
	assert_true(s.forced_upgrade_earliest == D_2026_07_27 + 7 * DAY + 4 * H);
	assert_false(s.have_end_of_support);
	timeline_free(t);
}

/* The table and /options disagree: the table's dates stay, and either
 * source saying unsupported makes it unsupported. */
static void test_disagreement(void **state)
{
	(void)state;
	struct timeline *t = load();
	struct support s;
	char release[TIMELINE_RELEASE_SIZE];
	/* the table says supported, /options lacks the release */
	struct support_input in = { .timeline = t, .version = "1.34.1-do.0", .offered = 0,
				    .unsupported_since = D_2026_06_28, .now = D_2026_07_27 };
	assert_int_equal(support_compute(&in, &s, release), SUPPORT_MISSING_BUT_LISTED);
	assert_true(s.unsupported);
	assert_true(s.end_of_support == D_2026_10_27);
	assert_true(s.forced_upgrade_earliest == D_2026_11_26); /* not since + 30 days */
	/* the table says past end of support, /options still offers it */
	in = (struct support_input){ .timeline = t, .version = "1.33.9-do.1", .offered = 1,
				     .now = D_2026_06_28 };
	assert_int_equal(support_compute(&in, &s, release), SUPPORT_OFFERED_BUT_ENDED);
	assert_true(s.unsupported);
	assert_true(s.end_of_support == D_2026_06_28);
	assert_true(s.forced_upgrade_earliest == D_2026_07_27);
	/* both say unsupported: agreement */
	in.offered = 0;
	assert_int_equal(support_compute(&in, &s, release), SUPPORT_AGREE);
	/* /options not known: the table alone */
	in.offered = -1;
	in.now = D_2026_06_28 - 1;
	assert_int_equal(support_compute(&in, &s, release), SUPPORT_AGREE);
	assert_false(s.unsupported);
	timeline_free(t);
}

static void test_unreadable_version_and_no_table(void **state)
{
	(void)state;
	struct support s;
	char release[TIMELINE_RELEASE_SIZE];
	struct support_input in = { .version = "latest", .offered = 0, .unsupported_since = 1,
				    .now = D_2026_06_28 };
	assert_int_equal(support_compute(&in, &s, release), SUPPORT_AGREE);
	assert_string_equal(release, "");
	assert_false(s.have_end_of_support || s.have_forced_upgrade || s.unsupported || s.listed);
	in.version = NULL;
	assert_int_equal(support_compute(&in, &s, release), SUPPORT_AGREE);
	/* no table at all: only /options speaks */
	in.version = "1.33.1-do.0";
	assert_int_equal(support_compute(&in, &s, release), SUPPORT_UNLISTED);
	assert_true(s.unsupported);
	assert_false(s.have_end_of_support);
}

static void test_release_offered(void **state)
{
	(void)state;
	assert_int_equal(support_release_offered(NULL, "1.33"), -1);
	struct upgrades none = { 0 };
	assert_int_equal(support_release_offered(&none, "1.33"), -1);
	struct upgrades u;
	const char *slugs[] = { "1.34.1-do.0", "1.33.5-do.2", "odd" };
	offer(&u, slugs, 3);
	assert_int_equal(support_release_offered(&u, "1.33"), 1); /* another patch of it */
	assert_int_equal(support_release_offered(&u, "1.34"), 1);
	assert_int_equal(support_release_offered(&u, "1.32"), 0);
	assert_int_equal(support_release_offered(&u, "1.3"), 0);
	upgrades_cleanup(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listed_release),
		cmocka_unit_test(test_unlisted_release),
		cmocka_unit_test(test_disagreement),
		cmocka_unit_test(test_unreadable_version_and_no_table),
		cmocka_unit_test(test_release_offered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
