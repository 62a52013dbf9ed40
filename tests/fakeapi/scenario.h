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
	ROUTE_ANY          /* faults only: every authenticated GET */
};

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

struct cluster {
	char *id;
	struct body json;          /* the cluster object, unformatted */
	struct body upgrades;      /* body of GET .../upgrades */
	struct body credentials;   /* body of GET .../credentials */
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

/* Returns the cluster with this id (borrowed from s), or NULL. */
const struct cluster *scenario_find_cluster(const struct scenario *s,
					    const char *id);

#endif
