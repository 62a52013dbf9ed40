/* endpoint.h - one API endpoint a file: its path, interval key, priority,
 * decoder, and what its answer updates.
 *
 * Per-cluster endpoints fill the cluster_endpoints table, in the order of
 * a record's scheduling tasks; adding one is adding a file, a row, and its
 * tests. The account-wide ones (the cluster list, /options) are described
 * here too, and run by discovery.c and the poller.
 */
#ifndef DOKS_ENDPOINT_H
#define DOKS_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "apistats.h"
#include "err.h"
#include "model.h"
#include "registry.h"
#include "scheduler.h"

struct settings;

/* Room for "/v2/kubernetes/clusters/<64>/credentials?expiry_seconds=<n>". */
#define ENDPOINT_PATH_MAX 160

struct cluster_endpoint {
	const char *name;
	enum endpoint ep;        /* the endpoint label of its API counters */
	enum poll_endpoint poll; /* its doks_exporter_poll_success slot */
	struct sched_kind kind;  /* priorities */
	bool secret;             /* the answer holds secrets: wiped, never logged */
	/* the configured interval, seconds; 0: disabled */
	long (*interval)(const struct settings *s);
	/* whether the record wants this endpoint at all; listed: the account's
	 * latest discovery succeeded and listed the record */
	bool (*wanted)(const struct settings *s, const struct record *rec, bool listed);
	void (*path)(char *buf, size_t size, const struct settings *s, const char *id);
	/* Decodes a 2xx answer into rec (now: Unix seconds). ERR_PARSE or
	 * ERR_SCHEMA leave rec as it was. */
	enum err (*apply)(const struct settings *s, struct record *rec, const char *body,
			  size_t len, double now);
};

extern const struct cluster_endpoint endpoint_cluster;
extern const struct cluster_endpoint endpoint_upgrades;
extern const struct cluster_endpoint endpoint_credentials;

/* Every per-cluster endpoint, in task order: a record's sched.task[k]
 * belongs to cluster_endpoints[k]. */
enum { TASK_CLUSTER, TASK_UPGRADES, TASK_CREDENTIALS, CLUSTER_ENDPOINT_COUNT };
extern const struct cluster_endpoint *const cluster_endpoints[CLUSTER_ENDPOINT_COUNT];

/* The account-wide reads, with their scheduling kind. */
extern const char endpoint_clusters_path[];
extern const struct sched_kind endpoint_clusters_kind;
extern const char endpoint_options_path[];
extern const struct sched_kind endpoint_options_kind;

/* One page of the list: its clusters (*out owned, *count of them) and the
 * next page's link (*next owned, NULL on the last page). */
enum err endpoint_clusters_decode(const char *body, size_t len, struct cluster **out,
				  size_t *count, char **next);

/* An /options answer: the offered versions (*out owned) and a fingerprint
 * of the version set, the same whatever the order. */
enum err endpoint_options_decode(const char *body, size_t len, struct upgrades *out,
				 unsigned long long *version_set);

/* What the list (or a read by id) showing rec's cluster means for its
 * /upgrades: read at once (a change signal) when (a) its version moved
 * away from the one the last answer was for, or (c) it left `upgrading`.
 * Remembers the state for the next time. now: the scheduler's clock. */
void endpoint_upgrades_note_cluster(struct record *rec, double now);

/* (b) The offered versions changed: rec's /upgrades is due at once, at the
 * aged priority and oldest answer first, so that a sweep of the whole
 * fleet never holds back a cluster's own change signal. */
void endpoint_upgrades_sweep(struct record *rec);

/* Logs a non-2xx answer once, with the API's error id and a hint for the
 * statuses an operator can fix. account: NULL or "" when unnamed; id "" for
 * account-wide endpoints. */
void endpoint_log_status(const char *account, enum endpoint ep, const char *id,
			 const struct api_response *res);

/* Counts and logs an answer that could not be used (rc from a decoder). */
void endpoint_count_decode_error(struct apistats *stats, const char *account, enum endpoint ep,
				 enum err rc, const char *id);

#endif
