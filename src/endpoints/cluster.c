/* cluster.c - GET /v2/kubernetes/clusters/{id}: a configured cluster that
 * the list does not show (discovery off, or failed). It carries the same
 * facts as the list, so it runs at the list's priority and interval. */
#include "endpoints/endpoint.h"

#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "settings.h"

static long interval(const struct settings *s)
{
	return settings_poll_interval(s);
}

static bool wanted(const struct settings *s, const struct record *rec, bool listed)
{
	(void)s;
	return rec->configured && !(listed && rec->seen);
}

static void path(char *buf, size_t size, const struct settings *s, const struct record *rec)
{
	(void)s;
	snprintf(buf, size, "/v2/kubernetes/clusters/%s", rec->r.cluster.id);
}

static enum err apply(const struct settings *s, struct record *rec, const char *body, size_t len,
		      double now)
{
	(void)s;
	(void)now;
	struct cluster c;
	enum err rc = decode_cluster(body, len, &c);
	if (rc != ERR_OK)
		return rc;
	if (strcmp(c.id, rec->r.cluster.id) != 0) {
		cluster_cleanup(&c);
		return ERR_SCHEMA; /* an answer about another cluster */
	}
	cluster_cleanup(&rec->r.cluster);
	rec->r.cluster = c;
	rec->r.have_cluster = true;
	return ERR_OK;
}

const struct cluster_endpoint endpoint_cluster = {
	.name = "cluster",
	.ep = ENDPOINT_CLUSTER,
	.poll = POLL_CLUSTER,
	.kind = { SCHED_PRIO_LIST, SCHED_PRIO_LIST },
	.interval = interval,
	.wanted = wanted,
	.path = path,
	.apply = apply,
};
