/*
 * scenario.h: the script the fake DigitalOcean API plays, read from a JSON
 * file (see README.md in this folder for the format).
 *
 * Only the main thread loads and frees scenarios (at start and on SIGHUP).
 * Between those two moments a scenario is read-only plain data, shared by
 * every connection thread without a lock; the counters that change per
 * request (fault uses, rate limit) live in the server, not here.
 * Never writes a file.
 */
#ifndef FAKEAPI_SCENARIO_H
#define FAKEAPI_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a request asks for; also what a fault applies to. */
enum route {
	ROUTE_OTHER,       /* any path the API does not have */
	ROUTE_CLUSTERS,    /* GET /v2/kubernetes/clusters */
	ROUTE_CLUSTER,     /* GET /v2/kubernetes/clusters/{id} */
	ROUTE_UPGRADES,    /* GET /v2/kubernetes/clusters/{id}/upgrades */
	ROUTE_CREDENTIALS, /* GET /v2/kubernetes/clusters/{id}/credentials */
	ROUTE_OPTIONS,     /* GET /v2/kubernetes/options */
	ROUTE_CLUSTERLINT, /* GET /v2/kubernetes/clusters/{id}/clusterlint */
	ROUTE_STATUS_MESSAGES, /* GET .../clusters/{id}/status_messages */
	ROUTE_ASSOCIATED,  /* GET .../{id}/destroy_with_associated_resources */
	ROUTE_NODE_POOLS,  /* GET .../clusters/{id}/node_pools */
	ROUTE_ANY          /* faults only: every authenticated GET */
};

/* True for the routes under /v2/kubernetes/clusters/{id}. */
bool route_has_cluster(enum route r);

enum fault_mode {
	FAULT_MODE_NONE,       /* answer normally, with the overrides */
	FAULT_MODE_NEVER,      /* never answer */
	FAULT_MODE_STALL_BODY, /* headers and ~10 body bytes, then nothing */
	FAULT_MODE_RESET,      /* half the declared body, then abort */
	FAULT_MODE_TRUNCATE,   /* a valid response with half the body */
	FAULT_MODE_HTML,       /* a proxy's HTML error page */
	FAULT_MODE_OVERSIZE    /* `size` bytes of filler, streamed */
};

/* Bytes with a length; data is NUL-terminated too, for convenience. */
struct body {
	char *data;
	size_t len;
};

struct header {
	char *name;
	char *value;
};

struct fault {
	enum route route;
	char *cluster_id;          /* NULL: every cluster */
	long page;                 /* 0: every page */
	unsigned long times;       /* 0: unlimited */
	int status;                /* 0: keep the route's own status */
	struct body body;          /* data NULL: keep the route's own body */
	struct header *headers;    /* extra headers, override ours by name */
	size_t nheaders;
	long delay_ms;             /* 0: none */
	enum fault_mode mode;
	uint64_t size;             /* oversize only */
	bool chunked;              /* oversize only */
};

/* What "chaos" may do to a request (README.md, "Chaos"). */
enum chaos_mode {
	CHAOS_STATUS,      /* an error status from status_codes */
	CHAOS_NEVER,       /* as FAULT_MODE_NEVER */
	CHAOS_STALL_BODY,  /* as FAULT_MODE_STALL_BODY */
	CHAOS_RESET,       /* as FAULT_MODE_RESET */
	CHAOS_TRUNCATE,    /* as FAULT_MODE_TRUNCATE */
	CHAOS_HTML,        /* as FAULT_MODE_HTML */
	CHAOS_OVERSIZE,    /* as FAULT_MODE_OVERSIZE, oversize_size bytes */
	CHAOS_DELAY,       /* delay_ms, then the normal answer */
	CHAOS_NMODES
};

struct chaos {
	bool on;                   /* the scenario has a "chaos" key */
	double probability;        /* per API request, 0..1 */
	uint64_t seed;
	enum chaos_mode *modes;    /* drawn uniformly; a repeat weighs more */
	size_t nmodes;             /* >= 1 when on */
	int *status_codes;         /* CHAOS_STATUS draws one uniformly */
	size_t nstatus;            /* >= 1 when on */
	long delay_ms;             /* CHAOS_DELAY */
	uint64_t oversize_size;    /* CHAOS_OVERSIZE */
};

/* An RFC 3339 time as a point on the UTC line, for ordering only. */
struct stamp {
	int64_t sec;               /* seconds since 1970-01-01T00:00:00Z */
	long nsec;                 /* 0..999999999 */
};

/* One entry of GET .../status_messages. */
struct status_message {
	struct stamp at;           /* its "timestamp" */
	struct body json;          /* the message object, unformatted */
};

struct cluster {
	char *id;
	struct body json;          /* the cluster object, unformatted */
	struct body upgrades;      /* body of GET .../upgrades */
	struct body credentials;   /* body of GET .../credentials */
	struct body clusterlint;   /* latest run; data NULL: never linted */
	char *clusterlint_run_id;  /* that run's "run_id", or NULL */
	struct body associated;    /* destroy_with_associated_resources */
	struct body node_pools;    /* body of GET .../node_pools */
	/*
	 * Status messages: when status_raw.data is set, the scenario's body
	 * had no "messages" array and is served as it is; otherwise the
	 * messages, oldest first (ties keep the scenario's order).
	 */
	struct body status_raw;
	struct status_message *messages;
	size_t nmessages;
};

struct scenario {
	char *token;               /* expected bearer token */
	long long rl_limit;
	long long rl_remaining;    /* value of the first response */
	long long rl_reset;
	struct cluster *clusters;  /* in list order */
	size_t nclusters;
	struct body options;
	long loop_to_page;         /* 0: no loop */
	char *foreign_next;        /* NULL: none */
	struct fault *faults;      /* first match wins */
	size_t nfaults;
	struct chaos chaos;        /* on false: no chaos */
	bool since_inclusive;      /* status_messages: since keeps t == since */
};

/*
 * Reads and checks the scenario at path; relative file names inside it are
 * resolved against its directory. On success *out is owned (free with
 * scenario_free) and true is returned; on failure *out is untouched and a
 * one-line reason is written to err (borrowed, errlen bytes).
 */
bool scenario_load(const char *path, struct scenario **out, char *err,
		   size_t errlen);

/* Accepts NULL. */
void scenario_free(struct scenario *s);

/* The mode's name in scenarios and in /__fake/chaos (static). */
const char *chaos_mode_name(enum chaos_mode m);

/*
 * Parses an RFC 3339 date-time (2026-03-02T11:05:41.532Z, or with an
 * offset such as +02:00; 'T' and 'Z' in either case; at most 9 fraction
 * digits count). False, with *out untouched, for anything else.
 */
bool scenario_parse_stamp(const char *text, struct stamp *out);

/* <0, 0 or >0 as a is before, at or after b. */
int scenario_stamp_cmp(const struct stamp *a, const struct stamp *b);

/* Returns the cluster with this id (borrowed from s), or NULL. */
const struct cluster *scenario_find_cluster(const struct scenario *s,
					    const char *id);

#endif
