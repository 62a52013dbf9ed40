/* clusters.c - GET /v2/kubernetes/clusters: every cluster of the account
 * and its state, 200 a page, every poll.interval; the highest priority of
 * all. Pagination, origin and loop checks are discovery.c's. */
#include "endpoints/endpoint.h"

#include "decode.h"

const char endpoint_clusters_path[] = "/v2/kubernetes/clusters?per_page=200";
const struct sched_kind endpoint_clusters_kind = { SCHED_PRIO_LIST, SCHED_PRIO_LIST };

enum err endpoint_clusters_decode(const char *body, size_t len, struct cluster **out,
				  size_t *count, char **next)
{
	/* a body without kubernetes_clusters is a schema error, never an
	 * empty account (decode.c) */
	return decode_cluster_list(body, len, out, count, next);
}
