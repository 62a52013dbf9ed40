/* clusterlint.c - GET /v2/kubernetes/clusters/{id}/clusterlint: the
 * latest clusterlint run, which DigitalOcean makes before each required
 * upgrade. Only read: the POST that starts a run is never sent.
 *
 * A cluster the list shows but that was never linted answers 404
 * `not_found`, as an unknown cluster does: that answer is taken as "never
 * linted" (linted false), a success, and never makes the cluster leave.
 * Findings (object names, messages) are kept for --check and the status
 * page only: never labels, never logged.
 */
#include "endpoints/endpoint.h"

#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "log.h"
#include "settings.h"

static long interval(const struct settings *s)
{
	return settings_clusterlint_interval(s);
}

static bool wanted(const struct settings *s, const struct record *rec, bool listed)
{
	(void)listed;
	return settings_clusterlint_interval(s) > 0 && !rec->gone;
}

static void path(char *buf, size_t size, const struct settings *s, const struct record *rec)
{
	(void)s;
	snprintf(buf, size, "/v2/kubernetes/clusters/%s/clusterlint", rec->r.cluster.id);
}

static enum err apply(const struct settings *s, struct record *rec, const char *body, size_t len,
		      double now)
{
	(void)s;
	(void)now;
	struct clusterlint c;
	enum err rc = decode_clusterlint(body, len, &c);
	if (rc != ERR_OK)
		return rc;
	struct clusterlint *old = &rec->r.clusterlint;
	/* a run still going says nothing yet: the last finished one stands */
	if (c.linted && c.completed_at <= 0 && rec->r.have_clusterlint && old->linted &&
	    old->completed_at > 0) {
		clusterlint_cleanup(&c);
		return ERR_OK;
	}
	if (c.checks_dropped > 0)
		log_warn("clusterlint run names more checks than are exported; their findings are "
			 "counted by severity only",
			 "cluster_id", rec->r.cluster.id, "findings", LOG_UINT(c.checks_dropped));
	if (c.findings_dropped > 0)
		log_debug("clusterlint findings past the cap, or of an unknown severity, are not kept",
			  "cluster_id", rec->r.cluster.id, "dropped", LOG_UINT(c.findings_dropped));
	clusterlint_cleanup(old);
	*old = c;
	rec->r.have_clusterlint = true;
	return ERR_OK;
}

/* 404 `not_found` about a cluster the exporter knows: never linted. */
static bool apply_status(struct record *rec, const struct api_response *res, double now)
{
	(void)now;
	char id[32];
	if (res->status != 404 || !decode_error_id(res->body, res->len, id, sizeof id) ||
	    strcmp(id, "not_found") != 0)
		return false;
	clusterlint_cleanup(&rec->r.clusterlint);
	rec->r.clusterlint.linted = false;
	rec->r.have_clusterlint = true;
	return true;
}

const struct cluster_endpoint endpoint_clusterlint = {
	.name = "clusterlint",
	.ep = ENDPOINT_CLUSTERLINT,
	.poll = POLL_CLUSTERLINT,
	.kind = { SCHED_PRIO_LATER, SCHED_PRIO_LATER },
	.interval = interval,
	.wanted = wanted,
	.path = path,
	.apply = apply,
	.apply_status = apply_status,
};
