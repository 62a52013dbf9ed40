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

/* Route names, never IDs, so the label stays bounded. */
#define ENDPOINT_LIST(X)                                                   \
	X(CLUSTERS, "clusters") X(CLUSTER, "cluster") X(UPGRADES, "upgrades") \
	X(CREDENTIALS, "credentials") X(OPTIONS, "options")

enum endpoint {
#define ENDPOINT_ENUM(name, str) ENDPOINT_##name,
	ENDPOINT_LIST(ENDPOINT_ENUM)
#undef ENDPOINT_ENUM
	ENDPOINT_COUNT
};

/* Why a request produced no usable data. */
#define REASON_LIST(X)                                                         \
	X(STATUS, "status") X(TIMEOUT, "timeout") X(CONNECT, "connect")        \
	X(TLS, "tls") X(RESET, "reset") X(TOO_LARGE, "too_large")             \
	X(PARSE, "parse") X(SCHEMA, "schema") X(FOREIGN_ORIGIN, "foreign_origin") \
	X(PAGE_LOOP, "page_loop")

enum reason {
#define REASON_ENUM(name, str) REASON_##name,
	REASON_LIST(REASON_ENUM)
#undef REASON_ENUM
	REASON_COUNT
};

const char *endpoint_name(enum endpoint e);
const char *reason_name(enum reason r);

/* Prometheus's default buckets, in seconds. */
#define APISTATS_BUCKETS 11
extern const double apistats_bucket_bounds[APISTATS_BUCKETS];

/* HTTP status codes 100..599 each get a counter per endpoint. */
#define APISTATS_CODE_MIN 100
#define APISTATS_CODE_MAX 599

struct histogram {
	unsigned long long buckets[APISTATS_BUCKETS]; /* not cumulative */
	unsigned long long count;
	double sum;
};

struct apistats {
	unsigned long long requests[ENDPOINT_COUNT][APISTATS_CODE_MAX - APISTATS_CODE_MIN + 1];
	unsigned long long errors[ENDPOINT_COUNT][REASON_COUNT];
	struct histogram duration[ENDPOINT_COUNT];
	unsigned long long retries[ENDPOINT_COUNT];
	unsigned long long connections; /* new connections opened (the rest were reused) */
	bool have_rate_limit;
	double rate_limit_limit;
	double rate_limit_remaining;
	double rate_limit_reset;
};

/* An exchange that got a status code; codes outside 100..599 are ignored. */
void apistats_count_request(struct apistats *s, enum endpoint ep, long code);
void apistats_count_error(struct apistats *s, enum endpoint ep, enum reason r);
void apistats_count_retry(struct apistats *s, enum endpoint ep);
void apistats_observe_duration(struct apistats *s, enum endpoint ep, double seconds);

#endif
