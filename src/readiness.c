/* readiness.c - see readiness.h. Each reason is one row: a name, the
 * verdict it leads to and a predicate; the verdict is the worst row that
 * holds, so a new reason is one row and one small function. */
#include "readiness.h"

#include <stddef.h>

static bool upgrade_pending(const struct cluster_record *r)
{
	return r->have_upgrades && r->upgrades.count > 0;
}

static long lint_count(const struct cluster_record *r, enum clusterlint_severity s)
{
	return r->have_clusterlint && r->clusterlint.linted ? r->clusterlint.counts[s] : 0;
}

/* Unsupported: the support timeline or /options says so (support.c), or
 * the end of support has passed while support was not refreshed. */
static bool is_unsupported(const struct cluster_record *r, double now)
{
	return r->support.unsupported ||
	       (r->support.have_end_of_support && r->support.end_of_support <= now);
}

static bool forced_upgrade_soon(const struct cluster_record *r, double now)
{
	/* a date already past still counts: the upgrade may come in any window */
	return r->support.have_forced_upgrade &&
	       r->support.forced_upgrade_earliest - now <= READINESS_FORCED_UPGRADE_SOON;
}

/* A forced upgrade within DigitalOcean's notice period, or overdue. */
static bool forced_upgrade_coming(const struct cluster_record *r, double now)
{
	return r->support.have_forced_upgrade &&
	       r->support.forced_upgrade_earliest - now <= READINESS_FORCED_UPGRADE_NOTICE;
}

/* Errors are what make an upgrade fail or get refused: they matter most
 * when an upgrade is about to happen, by choice or by force. */
static bool lint_errors_before_upgrade(const struct cluster_record *r, double now)
{
	return lint_count(r, CLUSTERLINT_ERROR) > 0 &&
	       (upgrade_pending(r) || forced_upgrade_coming(r, now));
}

static bool pending(const struct cluster_record *r, double now)
{
	(void)now;
	return upgrade_pending(r);
}

static bool end_of_support_soon(const struct cluster_record *r, double now)
{
	double left = r->support.end_of_support - now;
	return r->support.have_end_of_support && left > 0 && left <= READINESS_END_OF_SUPPORT_SOON;
}

static bool lint_warnings(const struct cluster_record *r, double now)
{
	(void)now;
	return lint_count(r, CLUSTERLINT_WARNING) > 0;
}

/* Errors with no upgrade in sight: still at least as bad as warnings. */
static bool lint_errors_idle(const struct cluster_record *r, double now)
{
	return lint_count(r, CLUSTERLINT_ERROR) > 0 && !lint_errors_before_upgrade(r, now);
}

bool readiness_last_upgrade_failed(const struct cluster_record *r)
{
	/* the newest upgrade that ended; one in progress has no outcome yet */
	for (size_t i = r->history.count; i-- > 0;) {
		const struct upgrade_event *e = &r->history.events[i];
		if (e->end > 0)
			return e->outcome != CLUSTER_STATE_RUNNING;
	}
	return false;
}

static bool last_upgrade_failed(const struct cluster_record *r, double now)
{
	(void)now;
	return readiness_last_upgrade_failed(r);
}

/* The names and verdicts come from READINESS_REASON_LIST; the predicate
 * of each reason is here. */
static const char *const reason_names[READINESS_REASON_COUNT] = {
#define REASON_NAME(name, verdict, str) str,
	READINESS_REASON_LIST(REASON_NAME)
#undef REASON_NAME
};

static const enum readiness reason_verdicts[READINESS_REASON_COUNT] = {
#define REASON_VERDICT(name, verdict, str) READINESS_##verdict,
	READINESS_REASON_LIST(REASON_VERDICT)
#undef REASON_VERDICT
};

static bool (*const holds[READINESS_REASON_COUNT])(const struct cluster_record *r, double now) = {
	[READINESS_REASON_UNSUPPORTED] = is_unsupported,
	[READINESS_REASON_FORCED_UPGRADE_SOON] = forced_upgrade_soon,
	[READINESS_REASON_CLUSTERLINT_ERRORS_BEFORE_UPGRADE] = lint_errors_before_upgrade,
	[READINESS_REASON_UPGRADE_PENDING] = pending,
	[READINESS_REASON_END_OF_SUPPORT_SOON] = end_of_support_soon,
	[READINESS_REASON_CLUSTERLINT_WARNINGS] = lint_warnings,
	[READINESS_REASON_CLUSTERLINT_ERRORS] = lint_errors_idle,
	[READINESS_REASON_LAST_UPGRADE_FAILED] = last_upgrade_failed,
};

struct readiness_result readiness_of(const struct cluster_record *r, double now)
{
	struct readiness_result res = { .verdict = READINESS_OK, .reasons = 0 };
	for (size_t i = 0; i < READINESS_REASON_COUNT; i++) {
		if (!holds[i](r, now))
			continue;
		res.reasons |= 1u << i;
		if (reason_verdicts[i] > res.verdict)
			res.verdict = reason_verdicts[i];
	}
	return res;
}

static const char *const verdict_names[READINESS_COUNT] = {
#define VERDICT_NAME(name, str) str,
	READINESS_LIST(VERDICT_NAME)
#undef VERDICT_NAME
};

const char *readiness_name(enum readiness v)
{
	return (unsigned)v < READINESS_COUNT ? verdict_names[v] : verdict_names[READINESS_OK];
}

const char *readiness_reason_name(enum readiness_reason reason)
{
	return (unsigned)reason < READINESS_REASON_COUNT ? reason_names[reason] : "";
}

enum readiness readiness_reason_verdict(enum readiness_reason reason)
{
	return (unsigned)reason < READINESS_REASON_COUNT ? reason_verdicts[reason] : READINESS_OK;
}
