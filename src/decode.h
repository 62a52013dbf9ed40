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

/* ---- upgrade readiness ---------------------------------------------------- */

/* Longest text kept of a clusterlint message, object name or status
 * message, in bytes (cut on a UTF-8 boundary): they are shown, never
 * labels, and a hostile body must not fill memory with them. */
#define DECODE_TEXT_MAX 1024

/* GET .../clusterlint: the latest run. `{}` (none of run_id,
 * requested_at, completed_at, diagnostics) is no run: linted false.
 * diagnostics null or absent: no findings. completed_at absent, null, ""
 * or before 2000 (Go's zero time): a run not completed (0). Each check
 * seen gets one entry per severity in out->checks, 0 included, sorted by
 * check_name then severity, for at most CLUSTERLINT_CHECKS_MAX names (an
 * empty name or one over CLUSTERLINT_NAME_MAX bytes gets none either:
 * its findings count in checks_dropped); counts[] counts every finding of a known severity; the
 * first CLUSTERLINT_FINDINGS_MAX findings are kept, their texts cut to
 * DECODE_TEXT_MAX. A diagnostic without a string check_name and severity
 * is ERR_SCHEMA; one of another severity counts in findings_dropped.
 * *out is owned (clusterlint_cleanup). */
enum err decode_clusterlint(const char *body, size_t len, struct clusterlint *out);

/* GET .../status_messages: the messages newer than after (Unix seconds;
 * 0: all), oldest first (equal times in the body's order). *newer gets how
 * many there are; *out (owned: decode_status_messages_free) the newest max
 * of them, *count of them, texts cut to DECODE_TEXT_MAX. messages null or
 * absent: none. A message whose timestamp is missing, not RFC 3339, or
 * outside the years 2000 to 2200 is ERR_SCHEMA: it could not be placed
 * against the cursor. */
enum err decode_status_messages(const char *body, size_t len, double after, size_t max,
				struct status_message **out, size_t *count, size_t *newer);
void decode_status_messages_free(struct status_message *m, size_t n);

/* GET .../destroy_with_associated_resources: how many load balancers,
 * volumes and volume snapshots; ids and names are not kept. A list null
 * or absent is 0. */
enum err decode_associated_resources(const char *body, size_t len,
				     struct associated_resources *out);

/* An error body {"id": ..., "message": ...}: copies id into buf (at most
 * size-1 bytes, printable ASCII only). False when there is none. */
bool decode_error_id(const char *body, size_t len, char *buf, size_t size);

#endif
