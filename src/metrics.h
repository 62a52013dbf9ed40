/* metrics.h - the exporter's state into metric families: the contract that
 * dashboards and alerts build on (every name is listed in README.md).
 *
 * Pure: reads plain data, writes text, and does no I/O. Called on the
 * poller thread once per cycle. The process_* families are not here: they
 * are read on every scrape, so the server owns them (process.h).
 */
#ifndef DOKS_METRICS_H
#define DOKS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "apistats.h"
#include "err.h"
#include "model.h"

/* One endpoint of an account's request plan. */
struct endpoint_plan {
	const char *endpoint; /* the endpoint label: clusters, options, cluster, ... */
	double interval;      /* seconds the plan gives it now */
	bool have_age;
	double oldest_age;    /* seconds since its oldest successful answer still in use */
};

/* One account: a token, its clusters and its API usage. */
struct account_view {
	const char *name; /* the account label's value; NULL: no account label */
	const struct cluster_record *clusters; /* borrowed; sorted by id */
	size_t count;
	bool discovery_enabled;
	bool discovery_attempted;
	bool discovery_success;
	double last_discovery_success; /* Unix seconds; 0 when never */
	const struct apistats *api;    /* borrowed */
	double throttled_until;        /* Unix seconds of the latest 429 pause; 0: never */
	const struct endpoint_plan *plan; /* borrowed; plan_count rows */
	size_t plan_count;
	double planned_per_hour;       /* requests an hour the plan costs */
};

struct timeline;

struct exporter_view {
	const struct account_view *accounts; /* borrowed */
	size_t account_count;
	double now;                    /* Unix seconds: maintenance windows are relative */
	bool credentials_enabled;
	bool options_enabled;
	bool options_attempted;
	bool options_success;
	double last_options_success;   /* Unix seconds; 0 when never */
	const struct upgrades *options; /* versions the API offers; NULL until known */
	long shard_index;              /* this replica's shard, of shard_count */
	long shard_count;
	double poll_duration;          /* seconds of the latest round (list to caught up) */
	double effective_interval;     /* seconds between reads of the list, after budgeting */
	bool config_reload_success;
	double config_last_reload_success; /* Unix seconds */
	const char *version;
	const char *revision;
	const struct timeline *timeline; /* the support table; NULL: none (borrowed) */
};

/* Renders every doks_* family. *out is owned (free()). */
enum err metrics_render(const struct exporter_view *v, char **out, size_t *len);

/* Whether the API still offers version (a slug) for new clusters, and how
 * many minors the newest offered one is ahead of it (-1: unknown). */
bool metrics_version_supported(const struct upgrades *options, const char *version);
long metrics_minor_versions_behind(const struct upgrades *options, const char *version);

#endif
