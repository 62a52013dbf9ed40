/*
 * bodies.h: the response bodies built per request: list pages, single
 * clusters, status messages after a time, JSON errors, HTML error pages
 * and oversize filler.
 *
 * Pure functions: no I/O, no locks, no libmicrohttpd; any thread may call
 * them. Every struct body they fill is owned by the caller (free its data).
 */
#ifndef FAKEAPI_BODIES_H
#define FAKEAPI_BODIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

#define BODIES_PER_PAGE_DEFAULT 20
#define BODIES_PER_PAGE_MAX 200

/*
 * GET /v2/kubernetes/clusters: the slice for page (>= 1) of per_page
 * (1..BODIES_PER_PAGE_MAX), with absolute links on host (borrowed, the
 * request's Host header). Returns false when out of memory.
 */
bool bodies_list_page(const struct scenario *s, long page, long per_page,
		      const char *host, struct body *out);

/* {"kubernetes_cluster": <cluster>} */
bool bodies_cluster(const struct cluster *cl, struct body *out);

/*
 * {"messages": [...]}: cl's status messages, oldest first; with since (may
 * be NULL), only those after it, or at or after it when inclusive. A body
 * the scenario gave without a "messages" array is copied as it is.
 */
bool bodies_status_messages(const struct cluster *cl,
			    const struct stamp *since, bool inclusive,
			    struct body *out);

/* The API's error shape for an HTTP status: {"id": ..., "message": ...}. */
bool bodies_error(int status, struct body *out);

/* The same shape with a given id and message (both JSON-safe literals). */
bool bodies_error_id(const char *id, const char *message, struct body *out);

/* A small HTML page, as a proxy in front of the API would send. */
bool bodies_html(int status, const char *reason, struct body *out);

/* A copy of in. */
bool bodies_copy(const struct body *in, struct body *out);

/*
 * Fills buf with n bytes of JSON-looking filler, the bytes found at offset
 * pos of an endless stream: `{"kubernetes_clusters":[{...},{...},...`.
 * Never allocates, so any size can be streamed.
 */
void bodies_filler(char *buf, uint64_t pos, size_t n);

#endif
