/* readiness.h - the readiness verdict of one cluster: ok, attention or
 * action, with the reasons that led to it.
 *
 * Pure: reads one cluster record (its offered upgrades included) and the
 * time it is given; no I/O, no allocation. Called by report.c (--check)
 * and statuspage.c (the status page) on whichever thread renders them.
 */
#ifndef DOKS_READINESS_H
#define DOKS_READINESS_H

#include <stdbool.h>

#include "model.h"

/* How far ahead a date makes a verdict: the 30 and 14 days. */
#define READINESS_END_OF_SUPPORT_SOON (30.0 * 86400)
#define READINESS_FORCED_UPGRADE_SOON (14.0 * 86400)
/* A forced upgrade counts as coming once DigitalOcean's first notice is
 * due, 30 days before it (support-policy.md); the same horizon as the
 * DOKSClusterlintErrorsBeforeUpgrade alert. */
#define READINESS_FORCED_UPGRADE_NOTICE (30.0 * 86400)

/* One row per reason: its name (as --check and the status page write it)
 * and the verdict it leads to. Action reasons first: the order is the
 * order reasons are listed in. */
#define READINESS_REASON_LIST(X)                                                        \
	X(UNSUPPORTED, ACTION, "unsupported")                                           \
	X(FORCED_UPGRADE_SOON, ACTION, "forced_upgrade_soon")                           \
	X(CLUSTERLINT_ERRORS_BEFORE_UPGRADE, ACTION, "clusterlint_errors_before_upgrade") \
	X(UPGRADE_PENDING, ATTENTION, "upgrade_pending")                                \
	X(END_OF_SUPPORT_SOON, ATTENTION, "end_of_support_soon")                        \
	X(CLUSTERLINT_WARNINGS, ATTENTION, "clusterlint_warnings")                      \
	X(CLUSTERLINT_ERRORS, ATTENTION, "clusterlint_errors")                          \
	X(LAST_UPGRADE_FAILED, ATTENTION, "last_upgrade_failed")

enum readiness_reason {
#define REASON_ENUM(name, verdict, str) READINESS_REASON_##name,
	READINESS_REASON_LIST(REASON_ENUM)
#undef REASON_ENUM
	READINESS_REASON_COUNT
};

/* The verdict and a bit set of reasons (bit 1u << enum readiness_reason). */
struct readiness_result {
	enum readiness verdict;
	unsigned reasons;
};

/* The verdict of r (borrowed) at now (Unix seconds). A part of the record
 * not known yet (have_* false) adds no reason. */
struct readiness_result readiness_of(const struct cluster_record *r, double now);

/* "ok", "attention", "action"; "ok" for an out-of-range value. */
const char *readiness_name(enum readiness v);
/* The reason's name, e.g. "upgrade_pending"; "" for an out-of-range value. */
const char *readiness_reason_name(enum readiness_reason reason);
/* The verdict a reason leads to. */
enum readiness readiness_reason_verdict(enum readiness_reason reason);

/* Whether the last ended upgrade in r's history ended in a state other
 * than running (the "last_upgrade_failed" reason). */
bool readiness_last_upgrade_failed(const struct cluster_record *r);

#endif
