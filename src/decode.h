/* decode.h - API bodies (JSON) into the plain model. No I/O, no curl.
 *
 * Each decoder takes a borrowed body of len bytes (it need not end in NUL)
 * and returns ERR_OK, ERR_PARSE (not JSON), ERR_SCHEMA (JSON of the wrong
 * shape) or ERR_NOMEM. On failure the outputs are untouched.
 */
#ifndef DOKS_DECODE_H
#define DOKS_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "model.h"

/* GET /v2/kubernetes/clusters: *out is an owned array of *count clusters
 * (cluster_array_free), and *next an
 * owned copy of links.pages.next or NULL when this is the last page. */
enum err decode_cluster_list(const char *body, size_t len, struct cluster **out,
			     size_t *count, char **next);

/* GET /v2/kubernetes/clusters/{id}: {"kubernetes_cluster": {...}}.
 * *out is owned (cluster_cleanup). */
enum err decode_cluster(const char *body, size_t len, struct cluster *out);

/* GET .../upgrades. null, a missing key and [] all give count 0.
 * *out is owned (upgrades_cleanup). */
enum err decode_upgrades(const char *body, size_t len, struct upgrades *out);

/* GET .../credentials. Keeps only the kind, expires_at and the notAfter
 * of the certificates (read with OpenSSL, never kept). The string
 * values of the parsed tree are wiped before it is freed; the caller
 * wipes body. */
enum err decode_credentials(const char *body, size_t len, struct credentials *out);

/* GET /v2/kubernetes/options: the offered versions (regions and sizes are
 * not kept). *out is owned (upgrades_cleanup). */
enum err decode_options(const char *body, size_t len, struct upgrades *out);

/* An error body {"id": ..., "message": ...}: copies id into buf (at most
 * size-1 bytes, printable ASCII only). False when there is none. */
bool decode_error_id(const char *body, size_t len, char *buf, size_t size);

#endif
