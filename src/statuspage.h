/* statuspage.h - the status page at /: one server-rendered HTML document
 * for people who would rather look than read metrics. The same table as
 * --check (report.h) with the verdict in colour, the forced-upgrade
 * countdown, the next maintenance windows, clusterlint findings and the
 * last status messages, and links to the metrics and health endpoints.
 *
 * Rendered on the poller thread at each publication, from the published
 * view, so that a request only sends bytes. No JavaScript, no external
 * asset (the CSS is inline), light and dark through prefers-color-scheme.
 * Every text from the API is escaped; nothing here ever sees a secret.
 */
#ifndef DOKS_STATUSPAGE_H
#define DOKS_STATUSPAGE_H

#include <stddef.h>

#include "err.h"
#include "metrics.h"

/* Findings listed per cluster on the page; the rest are counted (all of
 * them are in --check --output json). */
#define STATUSPAGE_FINDINGS_MAX 20

/* Pure: the page of v (borrowed) into *out (owned: free()), NUL-ended,
 * *len bytes without the NUL. telemetry_path (borrowed) is the metrics
 * link. ERR_NOMEM leaves *out untouched. */
enum err statuspage_render(const struct exporter_view *v, const char *telemetry_path, char **out,
			   size_t *len);

/* Renders the page of v and stages it for the next snapshot_publish
 * (snapshot.h); on out of memory logs it and stages nothing, so that the
 * next snapshot has no page. Poller thread only. */
void statuspage_stage(const struct exporter_view *v, const char *telemetry_path);

#endif
