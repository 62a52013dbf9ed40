/* test_history.c - history.h: upgrades told from what the cluster list
 * shows (state entering and leaving `upgrading`, version_slug changing),
 * the cap of UPGRADE_HISTORY_MAX and the never-capped totals by kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "history.h"

#define RUNNING CLUSTER_STATE_RUNNING
#define UPGRADING CLUSTER_STATE_UPGRADING
#define T0 1790000000.0

struct cluster_h {
	struct upgrade_history h;
	struct history_seen seen;
};

static bool see(struct cluster_h *c, const char *version, enum cluster_state st, double now)
{
	return history_observe(&c->h, &c->seen, version, st, now);
}

static void done(struct cluster_h *c)
{
	upgrade_history_cleanup(&c->h);
	history_seen_cleanup(&c->seen);
}

/* running 1.31.1 -> upgrading -> running 1.31.2: one patch upgrade */
static void test_patch_upgrade(void **state)
{
	(void)state;
	struct cluster_h c = { 0 };
	assert_true(see(&c, "1.31.1-do.0", RUNNING, T0)); /* the baseline */
	assert_int_equal(c.h.count, 0);
	assert_false(see(&c, "1.31.1-do.0", RUNNING, T0 + 300)); /* nothing new */
	assert_true(see(&c, "1.31.1-do.0", UPGRADING, T0 + 600));
	assert_int_equal(c.h.count, 1);
	const struct upgrade_event *open = history_in_progress(&c.h);
	assert_non_null(open);
	assert_string_equal(open->from, "1.31.1-do.0");
	assert_null(open->to);
	assert_true(open->end == 0);
	assert_null(history_last_ended(&c.h));
	assert_false(see(&c, "1.31.1-do.0", UPGRADING, T0 + 900)); /* still going */
	assert_true(see(&c, "1.31.2-do.0", RUNNING, T0 + 1500));
	assert_null(history_in_progress(&c.h));
	const struct upgrade_event *e = history_last_ended(&c.h);
	assert_non_null(e);
	assert_string_equal(e->from, "1.31.1-do.0");
	assert_string_equal(e->to, "1.31.2-do.0");
	assert_int_equal(e->kind, UPGRADE_KIND_PATCH);
	assert_true(e->start == T0 + 600);
	assert_true(e->end == T0 + 1500);
	assert_int_equal(e->outcome, RUNNING);
	assert_int_equal(c.h.ended[UPGRADE_KIND_PATCH], 1);
	assert_int_equal(c.h.ended[UPGRADE_KIND_MINOR], 0);
	done(&c);
}

/* The list shows the new version together with `upgrading`: from is the
 * version before. A minor upgrade that ends degraded is a failure. */
static void test_failed_minor_upgrade(void **state)
{
	(void)state;
	struct cluster_h c = { 0 };
	see(&c, "1.31.9-do.0", RUNNING, T0);
	see(&c, "1.32.1-do.0", UPGRADING, T0 + 60);
	see(&c, "1.32.1-do.0", CLUSTER_STATE_DEGRADED, T0 + 3600);
	const struct upgrade_event *e = history_last_ended(&c.h);
	assert_non_null(e);
	assert_string_equal(e->from, "1.31.9-do.0");
	assert_string_equal(e->to, "1.32.1-do.0");
	assert_int_equal(e->kind, UPGRADE_KIND_MINOR);
	assert_int_equal(e->outcome, CLUSTER_STATE_DEGRADED);
	/* recovering later is no new upgrade */
	assert_true(see(&c, "1.32.1-do.0", RUNNING, T0 + 7200));
	assert_int_equal(c.h.count, 1);
	/* an upgrade that ends in error, tried again: two events */
	see(&c, "1.32.1-do.0", UPGRADING, T0 + 8000);
	see(&c, "1.32.1-do.0", CLUSTER_STATE_ERROR, T0 + 8100);
	see(&c, "1.32.1-do.0", UPGRADING, T0 + 9000);
	see(&c, "1.32.2-do.0", RUNNING, T0 + 9500);
	assert_int_equal(c.h.count, 3);
	assert_int_equal(c.h.events[1].outcome, CLUSTER_STATE_ERROR);
	assert_int_equal(history_last_ended(&c.h)->outcome, RUNNING);
	assert_int_equal(c.h.ended[UPGRADE_KIND_MINOR], 1);
	assert_int_equal(c.h.ended[UPGRADE_KIND_PATCH], 2);
	done(&c);
}

/* A version change the list never showed upgrading: start = end = the
 * sighting, duration 0, outcome the state shown. */
static void test_version_change_without_upgrading(void **state)
{
	(void)state;
	struct cluster_h c = { 0 };
	see(&c, "1.31.1-do.0", RUNNING, T0);
	assert_true(see(&c, "1.32.0-do.0", RUNNING, T0 + 300));
	const struct upgrade_event *e = history_last_ended(&c.h);
	assert_non_null(e);
	assert_string_equal(e->from, "1.31.1-do.0");
	assert_string_equal(e->to, "1.32.0-do.0");
	assert_int_equal(e->kind, UPGRADE_KIND_MINOR);
	assert_true(e->start == T0 + 300 && e->end == T0 + 300);
	assert_int_equal(e->outcome, RUNNING);
	/* a slug that does not read as a version: kind unknown */
	see(&c, "latest", RUNNING, T0 + 600);
	assert_int_equal(history_last_ended(&c.h)->kind, UPGRADE_KIND_UNKNOWN);
	assert_int_equal(c.h.ended[UPGRADE_KIND_UNKNOWN], 1);
	done(&c);
}

/* The first sighting already upgrading starts an upgrade from the version
 * shown; other state changes are no upgrade. */
static void test_first_sighting_upgrading(void **state)
{
	(void)state;
	struct cluster_h c = { 0 };
	see(&c, "1.30.4-do.0", UPGRADING, T0);
	assert_non_null(history_in_progress(&c.h));
	see(&c, "1.30.5-do.0", RUNNING, T0 + 100);
	assert_int_equal(c.h.ended[UPGRADE_KIND_PATCH], 1);
	assert_true(see(&c, "1.30.5-do.0", CLUSTER_STATE_DEGRADED, T0 + 200));
	assert_true(see(&c, "1.30.5-do.0", RUNNING, T0 + 300));
	assert_int_equal(c.h.count, 1);
	done(&c);
}

/* The last UPGRADE_HISTORY_MAX are kept, oldest first; totals are not
 * capped. */
static void test_cap(void **state)
{
	(void)state;
	struct cluster_h c = { 0 };
	char v[32];
	see(&c, "1.31.0-do.0", RUNNING, T0);
	for (int i = 1; i <= UPGRADE_HISTORY_MAX + 5; i++) {
		snprintf(v, sizeof v, "1.31.%d-do.0", i);
		see(&c, v, UPGRADING, T0 + i * 1000.0);
		see(&c, v, RUNNING, T0 + i * 1000.0 + 500);
	}
	assert_int_equal(c.h.count, UPGRADE_HISTORY_MAX);
	assert_int_equal(c.h.ended[UPGRADE_KIND_PATCH], UPGRADE_HISTORY_MAX + 5);
	assert_string_equal(c.h.events[0].to, "1.31.6-do.0");
	assert_string_equal(c.h.events[UPGRADE_HISTORY_MAX - 1].to, "1.31.25-do.0");
	assert_true(c.h.events[0].start < c.h.events[1].start);
	done(&c);
}

static void test_copy_and_append(void **state)
{
	(void)state;
	struct cluster_h c = { 0 };
	see(&c, "1.31.1-do.0", RUNNING, T0);
	see(&c, "1.31.2-do.0", RUNNING, T0 + 10);
	see(&c, "1.31.2-do.0", UPGRADING, T0 + 20);
	struct upgrade_history copy = { 0 };
	assert_true(history_copy(&copy, &c.h));
	assert_int_equal(copy.count, 2);
	assert_string_equal(copy.events[0].to, "1.31.2-do.0");
	assert_ptr_not_equal(copy.events[0].to, c.h.events[0].to);
	assert_null(copy.events[1].to);
	assert_int_equal(copy.ended[UPGRADE_KIND_PATCH], 1);
	assert_true(history_copy(&copy, &c.h)); /* over a full one: no leak */
	upgrade_history_cleanup(&copy);
	done(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patch_upgrade),
		cmocka_unit_test(test_failed_minor_upgrade),
		cmocka_unit_test(test_version_change_without_upgrading),
		cmocka_unit_test(test_first_sighting_upgrading),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_copy_and_append),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
