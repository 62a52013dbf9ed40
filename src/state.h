/* state.h - what must survive a restart: since when each cluster has had
 * an upgrade available, and when each offered version was first seen;
 * since when each minor release has been missing from /options; each
 * cluster's upgrade history.
 *
 * Kept in a small JSON file written atomically (write, fsync, rename,
 * fsync of the folder). A missing, unreadable or corrupt file is logged
 * and replaced, never fatal; only a name taken by something other than a
 * regular file stops the start. Used by the poller thread only.
 */
#ifndef DOKS_STATE_H
#define DOKS_STATE_H

#include <stdbool.h>

#include "err.h"
#include "model.h"

struct state;

/* An empty state in *out (owned: state_free); ERR_NOMEM leaves *out
 * untouched. */
enum err state_new(struct state **out);
void state_free(struct state *s);

/* Reads path into a new state. Never blocks on the file (a FIFO is not
 * read). Anything wrong with its content is logged and gives an empty
 * state; times outside the years 2000 to 2200 are dropped with a log
 * line. Fails with ERR_CONFIG (logged) when path names something other
 * than a regular file, and ERR_NOMEM. *out is owned. */
enum err state_load(const char *path, struct state **out);

/* Writes the state to path atomically, when it changed since the last
 * save. Logs and returns ERR_IO on failure. */
enum err state_save(struct state *s, const char *path);

/* Records a cluster's offered upgrades as of now, and fills in
 * u->pending_since and each version's first_seen from what was known:
 * an upgrade seen before keeps its first time. A cluster with none
 * forgets its entry (it upgraded, or nothing is offered). The key is
 * "account/cluster_id". */
void state_observe(struct state *s, const char *key, struct upgrades *u, double now);

/* Room for a minor release "MAJOR.MINOR" and its NUL (as
 * TIMELINE_RELEASE_SIZE). */
#define STATE_RELEASE_SIZE 12

/* "Unsupported since" of a minor release (release "1.31", borrowed): a
 * successful /options that lacks it (offered false) records now unless a
 * time is kept already; one that lists it (offered true) forgets the
 * time, so that a later absence starts afresh. Kept per release, not per
 * cluster: every cluster on the release left support at once. */
void state_note_release(struct state *s, const char *release, bool offered, double now);
/* The time kept for release, or 0. */
double state_unsupported_since(const struct state *s, const char *release);

/* One sighting of a cluster in the list (or a read by id) at now: its
 * version (borrowed; may be NULL) and state feed its upgrade history
 * (history.h), kept under key with what the list showed last, so that a
 * restart in the middle of an upgrade still ends it. *out, the record's
 * copy, is brought up to date when it differs. */
void state_note_cluster(struct state *s, const char *key, const char *version,
			enum cluster_state st, double now, struct upgrade_history *out);

/* The status messages' cursor of a cluster (the newest message time
 * seen, Unix seconds), kept under the file's "status_messages_since" so
 * that a restart neither repeats nor loses messages; 0 when none. */
double state_status_cursor(const struct state *s, const char *key);
/* Records it (t > 0); the file is written again when it moved. */
void state_set_status_cursor(struct state *s, const char *key, double t);

/* Drops every entry whose key keep() rejects (clusters gone). */
void state_retain(struct state *s, bool (*keep)(const char *key, void *ctx), void *ctx);

#endif
