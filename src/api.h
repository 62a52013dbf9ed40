/* api.h - the DigitalOcean API client: libcurl transport, bearer auth,
 * time-outs, a cap on bodies, the rate-limit headers and the counters.
 *
 * Used by the poller thread only. It only ever sends GET, never follows
 * a redirect, and sends the token to the configured origin alone.
 */
#ifndef DOKS_API_H
#define DOKS_API_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "apistats.h"
#include "err.h"

struct settings;
struct api;

struct api_response {
	long status;      /* 0 when no status line arrived */
	char *body;       /* owned; NUL-terminated; NULL on a transport error */
	size_t len;
	enum reason reason; /* set when the call did not return ERR_OK */
};

/* settings and stats are kept until api_free; stop is kept and polled
 * during transfers, so that a request ends soon after it turns true. */
enum err api_new(const struct settings *settings, struct apistats *stats,
		 const atomic_bool *stop, struct api **out);
void api_free(struct api *a);

/* GET <api.url><path>, where path starts with '/' and may carry a query.
 * ERR_OK: a 2xx answer read whole. ERR_HTTP: another status (the body is
 * kept for its error id). ERR_TRANSPORT or ERR_TOOBIG: no usable answer,
 * reason says why (counted here). ERR_CANCELLED: stop turned true.
 * secret: the body holds secrets; every copy made here is wiped.
 * Release *out with api_response_cleanup in every case. */
enum err api_get(struct api *a, enum endpoint ep, const char *path, bool secret,
		 struct api_response *out);

/* The path and query of an absolute URL that the API returned (a
 * pagination link), when it has the configured origin: *path borrows
 * from url. False for any other origin. */
bool api_path_of(const struct api *a, const char *url, const char **path);

/* Frees the body, wiping it first when secret. */
void api_response_cleanup(struct api_response *r, bool secret);

#endif
