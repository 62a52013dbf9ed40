/* support.h - what DigitalOcean's support policy means for one cluster:
 * its release's end of support and the earliest forced upgrade, from the
 * support timeline, else from /v2/kubernetes/options.
 *
 * Pure: the clock, the table, the offered versions and "unsupported
 * since" are passed in; no I/O, no logging. Any thread. The poller fills
 * each record's struct support with it at every publication, keeps
 * "unsupported since" in the state file, and logs the notes once.
 */
#ifndef DOKS_SUPPORT_H
#define DOKS_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "timeline.h"

/* What one cluster's inputs say; everything borrowed. */
struct support_input {
	const struct timeline *timeline;         /* NULL: no table */
	const char *version;                     /* the cluster's version slug */
	const struct maintenance_policy *window; /* NULL: unknown, or no policy */
	int offered;              /* /options lists the release: 1, 0 no, -1 not known */
	double unsupported_since; /* first seen missing from /options; 0: never */
	double now;               /* Unix seconds */
};

/* Where the table and /options disagree about the cluster's release (or
 * the table is silent); the poller logs each once per release. */
enum support_note {
	SUPPORT_AGREE,
	SUPPORT_UNLISTED,           /* the table does not list the release */
	SUPPORT_MISSING_BUT_LISTED, /* the table says supported; /options lacks it */
	SUPPORT_OFFERED_BUT_ENDED,  /* the table says past end of support; /options offers it */
};

/* Fills *out from in:
 * - listed: the table has a row for the release;
 * - end_of_support: that row's date (absent unless listed);
 * - forced_upgrade_earliest: the start of the first maintenance window on
 *   or after the row's "upgrades begin" date; for an unlisted release, of
 *   the first window on or after unsupported_since plus
 *   TIMELINE_UNLISTED_GRACE_DAYS; absent while neither is known. The
 *   table's date wins whenever it lists the release (it is the published
 *   schedule; /options says nothing about dates);
 * - unsupported: either source says so (now on or after the row's end of
 *   support, or /options lacks the release);
 * - unsupported_since: as given.
 * *release gets the release ("1.31"; TIMELINE_RELEASE_SIZE bytes), or ""
 * when the slug does not read as a version (then nothing is known).
 * Returns the disagreement, if any. */
enum support_note support_compute(const struct support_input *in, struct support *out,
				  char release[TIMELINE_RELEASE_SIZE]);

/* Whether the offered versions (borrowed; NULL or empty: not known) list
 * release ("1.31"): 1, 0, or -1 when not known. */
int support_release_offered(const struct upgrades *options, const char *release);

#endif
