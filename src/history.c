/* history.c - see history.h. */
#include "history.h"

#include <stdlib.h>
#include <string.h>

void history_seen_cleanup(struct history_seen *seen)
{
	free(seen->version);
	*seen = (struct history_seen){ 0 };
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* strdup that accepts NULL; *ok false when out of memory. */
static char *dup_or_null(const char *s, bool *ok)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*ok = false;
	return d;
}

static void event_cleanup(struct upgrade_event *e)
{
	free(e->from);
	free(e->to);
	*e = (struct upgrade_event){ 0 };
}

/* Room for one more event at the end: the oldest goes when full. */
static struct upgrade_event *push(struct upgrade_history *h)
{
	if (h->count == UPGRADE_HISTORY_MAX) {
		event_cleanup(&h->events[0]);
		memmove(&h->events[0], &h->events[1], (UPGRADE_HISTORY_MAX - 1) * sizeof h->events[0]);
		h->count--;
	}
	struct upgrade_event *e = &h->events[h->count++];
	*e = (struct upgrade_event){ 0 };
	return e;
}

const struct upgrade_event *history_in_progress(const struct upgrade_history *h)
{
	if (h->count == 0 || h->events[h->count - 1].end > 0)
		return NULL;
	return &h->events[h->count - 1];
}

const struct upgrade_event *history_last_ended(const struct upgrade_history *h)
{
	for (size_t i = h->count; i-- > 0;)
		if (h->events[i].end > 0)
			return &h->events[i];
	return NULL;
}

/* Ends e at now, to version, in state. */
static bool finish(struct upgrade_history *h, struct upgrade_event *e, const char *version,
		   enum cluster_state state, double now)
{
	bool ok = true;
	char *to = dup_or_null(version, &ok);
	if (!ok)
		return false;
	free(e->to);
	e->to = to;
	e->kind = upgrade_kind_of(e->from, e->to);
	e->end = now > e->start ? now : e->start;
	/* an end of 0 means "in progress": a sighting at time 0 is no time */
	if (e->end <= 0)
		e->end = 1;
	e->outcome = state;
	h->ended[e->kind]++;
	return true;
}

/* A new event from from, starting at now; when to is given it ends at
 * once (a version change the list never showed upgrading). */
static bool begin(struct upgrade_history *h, const char *from, const char *to,
		  enum cluster_state state, double now)
{
	bool ok = true;
	char *f = dup_or_null(from, &ok);
	if (!ok)
		return false;
	struct upgrade_event *e = push(h);
	e->from = f;
	e->start = now;
	e->kind = UPGRADE_KIND_UNKNOWN;
	e->outcome = CLUSTER_STATE_UPGRADING;
	if (to && !finish(h, e, to, state, now)) {
		event_cleanup(e);
		h->count--;
		return false;
	}
	return true;
}

bool history_observe(struct upgrade_history *h, struct history_seen *seen, const char *version,
		     enum cluster_state state, double now)
{
	bool upgrading = state == CLUSTER_STATE_UPGRADING;
	bool changed = false;
	struct upgrade_event *open = (struct upgrade_event *)history_in_progress(h);
	if (open) {
		if (!upgrading) {
			if (!finish(h, open, version, state, now))
				return false;
			changed = true;
		}
	} else if (upgrading) {
		/* from the version before, when the list already shows the new one */
		const char *from = seen->known ? seen->version : version;
		if (!begin(h, from, NULL, state, now))
			return false;
		changed = true;
	} else if (seen->known && !same(seen->version, version) && seen->version && version) {
		if (!begin(h, seen->version, version, state, now))
			return false;
		changed = true;
	}
	if (!seen->known || seen->state != state || !same(seen->version, version)) {
		bool ok = true;
		char *v = dup_or_null(version, &ok);
		if (!ok)
			return changed;
		free(seen->version);
		seen->version = v;
		seen->state = state;
		seen->known = true;
		changed = true;
	}
	return changed;
}

bool history_append(struct upgrade_history *h, const struct upgrade_event *e)
{
	bool ok = true;
	char *from = dup_or_null(e->from, &ok);
	char *to = dup_or_null(e->to, &ok);
	if (!ok) {
		free(from);
		free(to);
		return false;
	}
	struct upgrade_event *n = push(h);
	*n = *e;
	n->from = from;
	n->to = to;
	return true;
}

bool history_copy(struct upgrade_history *dst, const struct upgrade_history *src)
{
	upgrade_history_cleanup(dst);
	for (size_t i = 0; i < src->count; i++) {
		if (!history_append(dst, &src->events[i])) {
			upgrade_history_cleanup(dst);
			return false;
		}
	}
	memcpy(dst->ended, src->ended, sizeof dst->ended);
	return true;
}
