/* apistats.h - counters of the API client: requests by endpoint and status
 * code, failures by reason, a latency histogram per endpoint, and the
 * rate-limit headers of the latest answer.
 *
 * Plain data written by the poller thread only (through api.c) and read by
 * metrics.c on the same thread, so it needs no lock.
 */
#ifndef DOKS_APISTATS_H
#define DOKS_APISTATS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Route names, never IDs, so the label stays bounded. */
#define ENDPOINT_LIST(X)                                                   \
	X(CLUSTERS, "clusters") X(CLUSTER, "cluster") X(UPGRADES, "upgrades") \
	X(CREDENTIALS, "credentials") X(OPTIONS, "options")                  \
	X(CLUSTERLINT, "clusterlint") X(STATUS_MESSAGES, "status_messages")   \
	X(ASSOCIATED_RESOURCES, "associated_resources")

enum endpoint {
#define ENDPOINT_ENUM(name, str) ENDPOINT_##name,
	ENDPOINT_LIST(ENDPOINT_ENUM)
#undef ENDPOINT_ENUM
	ENDPOINT_COUNT
};

/* The endpoint label ("upgrades"); "unknown" out of range. */
const char *apistats_endpoint_name(enum endpoint e);

/* Prometheus's default buckets, in seconds. */
#define APISTATS_BUCKETS 11
extern const double apistats_bucket_bounds[APISTATS_BUCKETS];

/* HTTP status codes 100..599 each get a counter per endpoint. */
#define APISTATS_CODE_MIN 100
#define APISTATS_CODE_MAX 599

struct apistats_histogram {
	unsigned long long buckets[APISTATS_BUCKETS]; /* not cumulative */
	unsigned long long count;
	double sum;
};

struct apistats {
	unsigned long long requests[ENDPOINT_COUNT][APISTATS_CODE_MAX - APISTATS_CODE_MIN + 1];
	unsigned long long errors[ENDPOINT_COUNT][ERR_COUNT]; /* by the codes with a reason word */
	struct apistats_histogram duration[ENDPOINT_COUNT];
	unsigned long long retries[ENDPOINT_COUNT];
	unsigned long long connections; /* new connections opened (the rest were reused) */
	bool have_rate_limit;
	double rate_limit_limit;
	double rate_limit_remaining;
	double rate_limit_reset;
};

/* An exchange that got a status code; codes outside 100..599 are ignored. */
void apistats_count_request(struct apistats *s, enum endpoint ep, long code);
/* A request that failed with e; codes without a reason word (err_reason)
 * are not counted. */
void apistats_count_error(struct apistats *s, enum endpoint ep, enum err e);
void apistats_count_retry(struct apistats *s, enum endpoint ep);
void apistats_observe_duration(struct apistats *s, enum endpoint ep, double seconds);

#endif
