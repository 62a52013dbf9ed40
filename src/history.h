/* history.h - each cluster's upgrades, told from what the cluster list
 * (or a read by id) shows: the state entering and leaving `upgrading`,
 * and version_slug changing.
 *
 * Pure: the time of each sighting is passed in; no I/O, no logging. Used
 * by state.c, which keeps a history per cluster in the state file, on the
 * poller thread.
 *
 * The rules:
 * - state becomes `upgrading`: an upgrade starts, from the version the
 *   cluster had before (start = the sighting's time);
 * - state leaves `upgrading`: it ends (end = the sighting's time), to the
 *   version shown then, with the state shown then as its outcome
 *   (`running` is success; `degraded` or `error` a failure);
 * - version_slug changes while the list never showed `upgrading` (the
 *   upgrade fit between two reads of the list, or the exporter was
 *   stopped): an upgrade from the old version to the new one that starts
 *   and ends at the sighting (duration 0), with the state shown as its
 *   outcome;
 * - the first sighting of a cluster only sets the baseline, unless it is
 *   `upgrading` already: an upgrade starts then, from the version shown.
 * kind is upgrade_kind_of(from, to): patch, minor, or unknown.
 */
#ifndef DOKS_HISTORY_H
#define DOKS_HISTORY_H

#include <stdbool.h>

#include "model.h"

/* What the list showed the last time: the baseline of the next sighting. */
struct history_seen {
	bool known;
	char *version; /* owned; may be NULL */
	enum cluster_state state;
};

void history_seen_cleanup(struct history_seen *seen);

/* One sighting of the cluster at now (Unix seconds): version (borrowed;
 * NULL when the list gave none) and state. Updates h and seen; returns
 * whether anything that is kept changed (an event began or ended, or
 * the baseline moved). The oldest event goes when UPGRADE_HISTORY_MAX
 * are kept; h->ended counts every ended upgrade by kind, never capped.
 * Out of memory, the sighting is dropped (false). */
bool history_observe(struct upgrade_history *h, struct history_seen *seen, const char *version,
		     enum cluster_state state, double now);

/* The latest ended upgrade, or NULL. */
const struct upgrade_event *history_last_ended(const struct upgrade_history *h);

/* The upgrade in progress (the newest event, while its end is 0), or NULL. */
const struct upgrade_event *history_in_progress(const struct upgrade_history *h);

/* Appends a copy of e (its strings copied) to h, dropping the oldest when
 * full; false (h untouched) out of memory. For the state file's load. */
bool history_append(struct upgrade_history *h, const struct upgrade_event *e);

/* A deep copy of src into *dst, which is cleaned up first; false out of
 * memory (dst then empty). */
bool history_copy(struct upgrade_history *dst, const struct upgrade_history *src);

#endif
