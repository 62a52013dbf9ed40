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
	/* The request's path and query for rec (borrowed), into buf. */
	void (*path)(char *buf, size_t size, const struct settings *s, const struct record *rec);
	/* Decodes a 2xx answer into rec (now: Unix seconds). ERR_PARSE or
	 * ERR_SCHEMA leave rec as it was. */
	enum err (*apply)(const struct settings *s, struct record *rec, const char *body,
			  size_t len, double now);
	/* NULL, or: whether a non-2xx answer (res borrowed) still says
	 * something about rec, and then applies it (clusterlint's 404 for a
	 * cluster never linted). Such an answer is a success: see
	 * endpoint_status_answer. */
	bool (*apply_status)(struct record *rec, const struct api_response *res, double now);
};

extern const struct cluster_endpoint endpoint_cluster;
extern const struct cluster_endpoint endpoint_upgrades;
extern const struct cluster_endpoint endpoint_credentials;
extern const struct cluster_endpoint endpoint_clusterlint;
extern const struct cluster_endpoint endpoint_status_messages;
extern const struct cluster_endpoint endpoint_associated_resources;

/* Every per-cluster endpoint, in task order: a record's sched.task[k]
 * belongs to cluster_endpoints[k]. The readiness endpoints come last, at
 * SCHED_PRIO_LATER: below /upgrades and /credentials, so that a budget
 * too small for everything stretches them first. */
enum {
	TASK_CLUSTER,
	TASK_UPGRADES,
	TASK_CREDENTIALS,
	TASK_CLUSTERLINT,
	TASK_STATUS_MESSAGES,
	TASK_ASSOCIATED_RESOURCES,
	CLUSTER_ENDPOINT_COUNT
};
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

/* A non-2xx answer (res borrowed) to e's request for rec: true when e
 * takes it as an answer (apply_status), which then updates rec. The
 * client counted it by its status code, and as a `status` error; the
 * error is taken back here, since the answer was usable. Nothing is
 * logged. now: Unix seconds. */
bool endpoint_status_answer(const struct cluster_endpoint *e, struct apistats *stats,
			    struct record *rec, const struct api_response *res, double now);

/* ---- the status messages' cursor ---------------------------------------- */

/* The since= of rec's next /status_messages: the newest message time it
 * has seen, in whole seconds, RFC 3339 in UTC ("2026-03-02T11:05:41Z");
 * "" when it has seen none (the first read asks for every message the
 * API holds). buf has room for ENDPOINT_SINCE_MAX bytes. */
#define ENDPOINT_SINCE_MAX 32
void endpoint_status_messages_since(const struct record *rec, char *buf, size_t size);

/* Takes a cursor kept across restarts (Unix seconds; 0: none) for a
 * record that has had no answer yet in this process: an answer's cursor
 * wins over the kept one. */
void endpoint_status_messages_restore(struct record *rec, double cursor);

#endif
