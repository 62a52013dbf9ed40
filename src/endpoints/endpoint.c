/* endpoint.c - the table of per-cluster endpoints and what they share. */
#include "endpoints/endpoint.h"

#include <stdio.h>

#include "decode.h"
#include "log.h"

const struct cluster_endpoint *const cluster_endpoints[CLUSTER_ENDPOINT_COUNT] = {
	[TASK_CLUSTER] = &endpoint_cluster,
	[TASK_UPGRADES] = &endpoint_upgrades,
	[TASK_CREDENTIALS] = &endpoint_credentials,
	[TASK_CLUSTERLINT] = &endpoint_clusterlint,
	[TASK_STATUS_MESSAGES] = &endpoint_status_messages,
	[TASK_ASSOCIATED_RESOURCES] = &endpoint_associated_resources,
};

/* a record holds one scheduling task per row */
_Static_assert(CLUSTER_ENDPOINT_COUNT <= SCHED_TASKS, "SCHED_TASKS is too small for the table");

void endpoint_log_status(const char *account, enum endpoint ep, const char *id,
			 const struct api_response *res)
{
	char errid[64] = "";
	decode_error_id(res->body, res->len, errid, sizeof errid);
	const char *hint = NULL;
	if (res->status == 401)
		hint = "the token was rejected: check that it is valid and not revoked";
	else if (res->status == 403)
		hint = ep == ENDPOINT_CREDENTIALS ?
			       "the token lacks the kubernetes:access_cluster scope" :
			       "the token lacks the kubernetes:read scope";
	else if (res->status == 429)
		hint = "rate limited by the API: requests pause until it allows more";
	log_warn("API answered with an error", "account", account && account[0] ? account : NULL,
		 "endpoint", apistats_endpoint_name(ep), "cluster_id", id[0] ? id : NULL, "status", LOG_INT(res->status),
		 "error_id", errid[0] ? errid : NULL, "hint", hint);
}

void endpoint_count_decode_error(struct apistats *stats, const char *account, enum endpoint ep,
				 enum err rc, const char *id)
{
	if (rc == ERR_NOMEM) {
		log_error("out of memory decoding an answer", "endpoint", apistats_endpoint_name(ep));
		return;
	}
	enum err r = rc == ERR_PARSE ? ERR_PARSE : ERR_SCHEMA;
	apistats_count_error(stats, ep, r);
	log_warn("API answer could not be used", "account", account && account[0] ? account : NULL,
		 "endpoint", apistats_endpoint_name(ep), "cluster_id", id[0] ? id : NULL, "reason",
		 err_reason(r));
}

bool endpoint_status_answer(const struct cluster_endpoint *e, struct apistats *stats,
			    struct record *rec, const struct api_response *res, double now)
{
	if (!e->apply_status || !e->apply_status(rec, res, now))
		return false;
	/* api.c counted a `status` error before anyone could say that the
	 * answer was usable; the request itself stays counted by its code */
	if (stats->errors[e->ep][ERR_HTTP] > 0)
		stats->errors[e->ep][ERR_HTTP]--;
	return true;
}
