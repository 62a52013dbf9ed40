/* options.c - GET /v2/kubernetes/options: the versions the API offers,
 * every poll.options_interval, with the first account's token. A change of
 * the version set signals every cluster's /upgrades. */
#include "endpoints/endpoint.h"

const char endpoint_options_path[] = "/v2/kubernetes/options";
const struct sched_kind endpoint_options_kind = { SCHED_PRIO_OPTIONS, SCHED_PRIO_OPTIONS };
