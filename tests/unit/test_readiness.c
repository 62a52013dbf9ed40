/* test_readiness.c - readiness.h: the verdict of hand-made cluster records,
 * one case per rule and its edges (30 days, 14 days, the worst wins). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "readiness.h"

#define NOW 1795564800.0 /* 2026-11-25T00:00:00Z */
#define DAY 86400.0

#define BIT(name) (1u << READINESS_REASON_##name)

/* A known, running cluster with nothing offered, never upgraded. */
static void base(struct cluster_record *r)
{
	memset(r, 0, sizeof *r);
	r->have_cluster = true;
	r->cluster.state = CLUSTER_STATE_RUNNING;
	r->have_upgrades = true;
}

static void pending(struct cluster_record *r)
{
	/* only the count matters here: the versions stay NULL */
	r->upgrades.count = 1;
}

static void lint(struct cluster_record *r, long errors, long warnings, long suggestions)
{
	r->have_clusterlint = true;
	r->clusterlint.linted = true;
	r->clusterlint.completed_at = NOW - DAY;
	r->clusterlint.counts[CLUSTERLINT_ERROR] = errors;
	r->clusterlint.counts[CLUSTERLINT_WARNING] = warnings;
	r->clusterlint.counts[CLUSTERLINT_SUGGESTION] = suggestions;
}

static void eos(struct cluster_record *r, double at)
{
	r->support.have_end_of_support = true;
	r->support.end_of_support = at;
}

static void forced(struct cluster_record *r, double at)
{
	r->support.have_forced_upgrade = true;
	r->support.forced_upgrade_earliest = at;
}

static void upgraded(struct cluster_record *r, enum cluster_state outcome, double end)
{
	struct upgrade_history *h = &r->history;
	h->events[h->count++] = (struct upgrade_event){ .kind = UPGRADE_KIND_PATCH,
							.start = NOW - 2 * DAY,
							.end = end,
							.outcome = outcome };
}

/* one case: how the record differs from base, and what must come out */
struct rcase {
	const char *what;
	void (*setup)(struct cluster_record *r);
	enum readiness verdict;
	unsigned reasons;
};

static void c_nothing(struct cluster_record *r) { (void)r; }
static void c_pending(struct cluster_record *r) { pending(r); }
static void c_unknown_upgrades(struct cluster_record *r) { r->have_upgrades = false; r->upgrades.count = 1; }
static void c_eos_in_29_days(struct cluster_record *r) { eos(r, NOW + 29 * DAY); }
static void c_eos_in_30_days(struct cluster_record *r) { eos(r, NOW + 30 * DAY); }
static void c_eos_in_31_days(struct cluster_record *r) { eos(r, NOW + 31 * DAY); }
static void c_eos_passed(struct cluster_record *r) { eos(r, NOW - DAY); }
static void c_unsupported(struct cluster_record *r) { r->support.unsupported = true; r->support.unsupported_since = NOW - 3 * DAY; }
static void c_forced_in_13_days(struct cluster_record *r) { forced(r, NOW + 13 * DAY); }
static void c_forced_in_14_days(struct cluster_record *r) { forced(r, NOW + 14 * DAY); }
static void c_forced_in_15_days(struct cluster_record *r) { forced(r, NOW + 15 * DAY); }
static void c_forced_due(struct cluster_record *r) { forced(r, NOW - 3600); }
static void c_warnings(struct cluster_record *r) { lint(r, 0, 2, 5); }
static void c_suggestions(struct cluster_record *r) { lint(r, 0, 0, 5); }
static void c_errors_idle(struct cluster_record *r) { lint(r, 1, 0, 0); }
static void c_errors_pending(struct cluster_record *r) { lint(r, 1, 0, 0); pending(r); }
static void c_errors_forced_later(struct cluster_record *r) { lint(r, 1, 0, 0); forced(r, NOW + 60 * DAY); }
static void c_errors_forced_in_30_days(struct cluster_record *r) { lint(r, 1, 0, 0); forced(r, NOW + 30 * DAY); }
static void c_never_linted(struct cluster_record *r) { r->have_clusterlint = true; pending(r); }
static void c_lint_unknown(struct cluster_record *r)
{
	/* counts without an answer are not trusted */
	r->clusterlint.counts[CLUSTERLINT_ERROR] = 3;
	pending(r);
}
static void c_failed_upgrade(struct cluster_record *r) { upgraded(r, CLUSTER_STATE_DEGRADED, NOW - DAY); }
static void c_good_upgrade(struct cluster_record *r) { upgraded(r, CLUSTER_STATE_RUNNING, NOW - DAY); }
static void c_failed_then_good(struct cluster_record *r)
{
	upgraded(r, CLUSTER_STATE_ERROR, NOW - 2 * DAY);
	upgraded(r, CLUSTER_STATE_RUNNING, NOW - DAY);
}
static void c_failed_then_in_progress(struct cluster_record *r)
{
	/* the one in progress has no outcome yet: the last that ended counts */
	upgraded(r, CLUSTER_STATE_ERROR, NOW - 2 * DAY);
	upgraded(r, CLUSTER_STATE_UPGRADING, 0);
}
static void c_everything(struct cluster_record *r)
{
	r->support.unsupported = true;
	forced(r, NOW + DAY);
	eos(r, NOW + 10 * DAY); /* unsupported by /options, before the table's date */
	lint(r, 2, 3, 1);
	pending(r);
	upgraded(r, CLUSTER_STATE_DEGRADED, NOW - DAY);
}

static const struct rcase cases[] = {
	{ "nothing to say", c_nothing, READINESS_OK, 0 },
	{ "an upgrade pending", c_pending, READINESS_ATTENTION, BIT(UPGRADE_PENDING) },
	{ "upgrades not known", c_unknown_upgrades, READINESS_OK, 0 },
	{ "end of support in 29 days", c_eos_in_29_days, READINESS_ATTENTION, BIT(END_OF_SUPPORT_SOON) },
	{ "end of support in 30 days", c_eos_in_30_days, READINESS_ATTENTION, BIT(END_OF_SUPPORT_SOON) },
	{ "end of support in 31 days", c_eos_in_31_days, READINESS_OK, 0 },
	{ "end of support passed", c_eos_passed, READINESS_ACTION, BIT(UNSUPPORTED) },
	{ "unsupported", c_unsupported, READINESS_ACTION, BIT(UNSUPPORTED) },
	{ "forced in 13 days", c_forced_in_13_days, READINESS_ACTION, BIT(FORCED_UPGRADE_SOON) },
	{ "forced in 14 days", c_forced_in_14_days, READINESS_ACTION, BIT(FORCED_UPGRADE_SOON) },
	{ "forced in 15 days", c_forced_in_15_days, READINESS_OK, 0 },
	{ "forced date passed", c_forced_due, READINESS_ACTION, BIT(FORCED_UPGRADE_SOON) },
	{ "clusterlint warnings", c_warnings, READINESS_ATTENTION, BIT(CLUSTERLINT_WARNINGS) },
	{ "clusterlint suggestions only", c_suggestions, READINESS_OK, 0 },
	{ "clusterlint errors, no upgrade", c_errors_idle, READINESS_ATTENTION, BIT(CLUSTERLINT_ERRORS) },
	{ "clusterlint errors, upgrade pending", c_errors_pending, READINESS_ACTION,
	  BIT(CLUSTERLINT_ERRORS_BEFORE_UPGRADE) | BIT(UPGRADE_PENDING) },
	{ "clusterlint errors, upgrade forced in 60 days", c_errors_forced_later, READINESS_ATTENTION,
	  BIT(CLUSTERLINT_ERRORS) },
	{ "clusterlint errors, upgrade forced in 30 days", c_errors_forced_in_30_days, READINESS_ACTION,
	  BIT(CLUSTERLINT_ERRORS_BEFORE_UPGRADE) },
	{ "never linted", c_never_linted, READINESS_ATTENTION, BIT(UPGRADE_PENDING) },
	{ "clusterlint not answered", c_lint_unknown, READINESS_ATTENTION, BIT(UPGRADE_PENDING) },
	{ "last upgrade degraded", c_failed_upgrade, READINESS_ATTENTION, BIT(LAST_UPGRADE_FAILED) },
	{ "last upgrade running", c_good_upgrade, READINESS_OK, 0 },
	{ "a failure, then a success", c_failed_then_good, READINESS_OK, 0 },
	{ "a failure, then one in progress", c_failed_then_in_progress, READINESS_ATTENTION,
	  BIT(LAST_UPGRADE_FAILED) },
	{ "everything", c_everything, READINESS_ACTION,
	  BIT(UNSUPPORTED) | BIT(FORCED_UPGRADE_SOON) | BIT(CLUSTERLINT_ERRORS_BEFORE_UPGRADE) |
		  BIT(UPGRADE_PENDING) | BIT(END_OF_SUPPORT_SOON) | BIT(CLUSTERLINT_WARNINGS) |
		  BIT(LAST_UPGRADE_FAILED) },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cluster_record r;
		base(&r);
		cases[i].setup(&r);
		struct readiness_result got = readiness_of(&r, NOW);
		if (got.verdict != cases[i].verdict || got.reasons != cases[i].reasons)
			fail_msg("%s: got %s (reasons %#x), want %s (reasons %#x)", cases[i].what,
				 readiness_name(got.verdict), got.reasons,
				 readiness_name(cases[i].verdict), cases[i].reasons);
	}
}

/* The worst reason decides; every reason's verdict is what its row says. */
static void test_worst_wins(void **state)
{
	(void)state;
	for (int i = 0; i < READINESS_REASON_COUNT; i++) {
		enum readiness v = readiness_reason_verdict((enum readiness_reason)i);
		assert_true(v == READINESS_ATTENTION || v == READINESS_ACTION);
	}
	/* the action reasons come first: the list reads worst first */
	assert_int_equal(readiness_reason_verdict(READINESS_REASON_UNSUPPORTED), READINESS_ACTION);
	assert_int_equal(readiness_reason_verdict(READINESS_REASON_UPGRADE_PENDING),
			 READINESS_ATTENTION);
	struct cluster_record r;
	base(&r);
	pending(&r);
	assert_int_equal(readiness_of(&r, NOW).verdict, READINESS_ATTENTION);
	forced(&r, NOW + DAY);
	assert_int_equal(readiness_of(&r, NOW).verdict, READINESS_ACTION);
}

/* The names are the contract of --check and the status page. */
static void test_names(void **state)
{
	(void)state;
	assert_string_equal(readiness_name(READINESS_OK), "ok");
	assert_string_equal(readiness_name(READINESS_ATTENTION), "attention");
	assert_string_equal(readiness_name(READINESS_ACTION), "action");
	assert_string_equal(readiness_name((enum readiness)42), "ok");
	static const char *const want[READINESS_REASON_COUNT] = {
		"unsupported",		"forced_upgrade_soon",	"clusterlint_errors_before_upgrade",
		"upgrade_pending",	"end_of_support_soon",	"clusterlint_warnings",
		"clusterlint_errors",	"last_upgrade_failed",
	};
	for (int i = 0; i < READINESS_REASON_COUNT; i++)
		assert_string_equal(readiness_reason_name((enum readiness_reason)i), want[i]);
	assert_string_equal(readiness_reason_name(READINESS_REASON_COUNT), "");
}

/* The clock is the caller's: the same record changes verdict as time goes. */
static void test_time_passes(void **state)
{
	(void)state;
	struct cluster_record r;
	base(&r);
	eos(&r, NOW + 45 * DAY);
	forced(&r, NOW + 75 * DAY);
	assert_int_equal(readiness_of(&r, NOW).verdict, READINESS_OK);
	assert_int_equal(readiness_of(&r, NOW + 20 * DAY).verdict, READINESS_ATTENTION);
	assert_int_equal(readiness_of(&r, NOW + 45 * DAY).reasons, BIT(UNSUPPORTED));
	assert_int_equal(readiness_of(&r, NOW + 62 * DAY).reasons,
			 BIT(UNSUPPORTED) | BIT(FORCED_UPGRADE_SOON));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_worst_wins),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_time_passes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
