/* associated_resources.c - GET
 * /v2/kubernetes/clusters/{id}/destroy_with_associated_resources: the
 * load balancers, volumes and volume snapshots that deleting the cluster
 * with its resources would take, and that are billed on after a plain
 * delete. A plain read despite its name (the DELETE is .../dangerous and
 * never sent). Only the counts are kept: no id, no name.
 */
#include "endpoints/endpoint.h"

#include <stdio.h>

#include "decode.h"
#include "settings.h"

static long interval(const struct settings *s)
{
	return settings_associated_resources_interval(s);
}

static bool wanted(const struct settings *s, const struct record *rec, bool listed)
{
	(void)listed;
	return settings_associated_resources_interval(s) > 0 && !rec->gone;
}

static void path(char *buf, size_t size, const struct settings *s, const struct record *rec)
{
	(void)s;
	snprintf(buf, size, "/v2/kubernetes/clusters/%s/destroy_with_associated_resources",
		 rec->r.cluster.id);
}

static enum err apply(const struct settings *s, struct record *rec, const char *body, size_t len,
		      double now)
{
	(void)s;
	(void)now;
	struct associated_resources r;
	enum err rc = decode_associated_resources(body, len, &r);
	if (rc != ERR_OK)
		return rc;
	rec->r.resources = r;
	rec->r.have_resources = true;
	return ERR_OK;
}

const struct cluster_endpoint endpoint_associated_resources = {
	.name = "associated_resources",
	.ep = ENDPOINT_ASSOCIATED_RESOURCES,
	.poll = POLL_ASSOCIATED_RESOURCES,
	.kind = { SCHED_PRIO_LATER, SCHED_PRIO_LATER },
	.interval = interval,
	.wanted = wanted,
	.path = path,
	.apply = apply,
};
