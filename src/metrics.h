/* metrics.h - the exporter's state into metric families: the contract that
 * dashboards and alerts build on (every name is listed in README.md).
 *
 * Pure: reads plain data, writes text. Called on the poller thread once
 * per cycle (metrics_render) and on a server thread per scrape
 * (metrics_render_process, a few lines).
 */
#ifndef DOKS_METRICS_H
#define DOKS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "apistats.h"
#include "err.h"
#include "model.h"

struct exporter_view {
	const struct cluster_record *clusters; /* borrowed; sorted by id */
	size_t count;
	bool credentials_enabled;
	bool discovery_enabled;
	bool discovery_attempted;
	bool discovery_success;
	double last_discovery_success; /* Unix seconds; 0 when never */
	double poll_duration;          /* seconds of the latest cycle */
	double effective_interval;     /* seconds between cycle starts, after budgeting */
	double throttled_until;        /* Unix seconds of the latest 429 pause; 0: never */
	bool config_reload_success;
	double config_last_reload_success; /* Unix seconds */
	const struct apistats *api;    /* borrowed */
	const char *version;
	const char *revision;
};

/* Renders everything but the process_* families. *out is owned (free()). */
enum err metrics_render(const struct exporter_view *v, char **out, size_t *len);

struct process_stats {
	double start_time;      /* Unix seconds */
	double cpu_seconds;     /* user + system */
	double resident_bytes;
	double open_fds;
	bool have_cpu, have_rss, have_fds;
};

/* Reads /proc/self; fields it cannot read stay unset. */
void metrics_read_process(struct process_stats *p);

/* Renders the process_* families into buf (no allocation); returns the
 * length, or 0 when buf is too small. */
size_t metrics_render_process(const struct process_stats *p, char *buf, size_t size);

#endif
