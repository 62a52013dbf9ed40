/* clusters.c - GET /v2/kubernetes/clusters: every cluster of the account
 * and its state, 200 a page, every poll.interval; the highest priority of
 * all. Pagination, origin and loop checks are discovery.c's. */
#include "endpoints/endpoint.h"

const char endpoint_clusters_path[] = "/v2/kubernetes/clusters?per_page=200";
const struct sched_kind endpoint_clusters_kind = { SCHED_PRIO_LIST, SCHED_PRIO_LIST };
