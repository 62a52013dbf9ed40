/* upgrades.c - GET /v2/kubernetes/clusters/{id}/upgrades: the versions a
 * cluster may move to. Read when a change signal asks (its version in the
 * list moved, the offered versions changed, it left `upgrading`, or it is
 * new), else when the answer reaches poll.upgrades_interval. */
#include "endpoints/endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "settings.h"

#include <math.h>

static long interval(const struct settings *s)
{
	return settings_upgrades_interval(s);
}

static bool wanted(const struct settings *s, const struct record *rec, bool listed)
{
	(void)s;
	(void)listed;
	return !rec->gone;
}

static void path(char *buf, size_t size, const struct settings *s, const struct record *rec)
{
	(void)s;
	snprintf(buf, size, "/v2/kubernetes/clusters/%s/upgrades", rec->r.cluster.id);
}

static enum err apply(const struct settings *s, struct record *rec, const char *body, size_t len,
		      double now)
{
	(void)s;
	(void)now;
	struct upgrades u;
	enum err rc = decode_upgrades(body, len, &u);
	if (rc != ERR_OK)
		return rc;
	/* what the answer was for: a later list showing another version
	 * asks for a new one */
	char *version = NULL;
	if (rec->r.have_cluster && rec->r.cluster.version) {
		version = strdup(rec->r.cluster.version);
		if (!version) {
			upgrades_cleanup(&u);
			return ERR_NOMEM;
		}
	}
	free(rec->upgrades_version);
	rec->upgrades_version = version;
	upgrades_cleanup(&rec->r.upgrades);
	rec->r.upgrades = u;
	rec->r.have_upgrades = true;
	return ERR_OK;
}

const struct cluster_endpoint endpoint_upgrades = {
	.name = "upgrades",
	.ep = ENDPOINT_UPGRADES,
	.poll = POLL_UPGRADES,
	.kind = { SCHED_PRIO_AGED, SCHED_PRIO_SIGNALLED },
	.interval = interval,
	.wanted = wanted,
	.path = path,
	.apply = apply,
};

static void signal_now(struct record *rec, double now)
{
	struct sched_task *t = &rec->sched.task[TASK_UPGRADES];
	t->signal = true;
	if (t->due > now)
		t->due = now;
}

void endpoint_upgrades_note_cluster(struct record *rec, double now)
{
	const struct cluster *c = &rec->r.cluster;
	if (!rec->r.have_cluster)
		return;
	if (rec->upgrades_version && c->version && strcmp(rec->upgrades_version, c->version) != 0)
		signal_now(rec, now);
	if (rec->have_last_state && rec->last_state == CLUSTER_STATE_UPGRADING &&
	    c->state != CLUSTER_STATE_UPGRADING)
		signal_now(rec, now);
	rec->last_state = c->state;
	rec->have_last_state = true;
}

void endpoint_upgrades_sweep(struct record *rec)
{
	struct sched_task *t = &rec->sched.task[TASK_UPGRADES];
	double since = t->last_attempt > 0 ? t->last_attempt : 0;
	if (!isinf(t->due) && t->due > since)
		t->due = since;
}
