/* registry.h - the cluster records of one account, sorted by id.
 *
 * A record is all the poller knows of a cluster between requests: the
 * last good answer of each endpoint, how the latest attempt went, and the
 * cluster's scheduling (due times, change signals). Owned by the poller
 * thread; nothing else touches it.
 */
#ifndef DOKS_REGISTRY_H
#define DOKS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "scheduler.h"

struct record {
	struct cluster_record r;
	struct sched_cluster sched;  /* task[k] belongs to cluster_endpoints[k] (endpoints/) */
	char *upgrades_version;      /* owned: the version the latest /upgrades answer was for */
	enum cluster_state last_state; /* as the previous list or read showed it */
	bool have_last_state;
	bool configured; /* listed in the account's ids */
	bool gone;       /* the API said 404: kept, unexported, asked again by id */
	bool seen;       /* listed by the latest successful discovery */
	bool not_found;  /* scratch: a request of the current batch got 404 */
	bool logged_unknown;     /* an unparsable version slug was logged */
	bool logged_certificate; /* an unreadable certificate was logged */
};

struct registry {
	struct record *records; /* owned; sorted by id between calls */
	size_t count;
	size_t cap;
};

/* The record of id, or NULL. */
struct record *registry_find(const struct registry *g, const char *id);

/* Appends a new record for id, every task due at once; NULL on out of
 * memory. Invalidates pointers into records; the order is restored by
 * registry_sort, which must come before the next registry_find. */
struct record *registry_add(struct registry *g, const char *id);
void registry_sort(struct registry *g);

/* Makes room for extra more records, so that registry_append cannot
 * fail; false on out of memory (g unchanged). */
bool registry_reserve(struct registry *g, size_t extra);

/* Moves *rec (taken: its memory is the registry's from now) to the end;
 * room must have been reserved. The caller sorts. */
void registry_append(struct registry *g, struct record *rec);

/* Frees what one record owns (for records never added, or taken out). */
void registry_record_cleanup(struct record *rec);

/* Removes every record for which drop is true, keeping the order. */
void registry_remove_if(struct registry *g, bool (*drop)(const struct record *));

void registry_cleanup(struct registry *g);

#endif
