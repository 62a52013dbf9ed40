/* metrics.c - the exporter's state into Prometheus families.
 *
 * Every family is one row of families[] below: name, type, help, the
 * items it has series for (the view, each account, or each cluster of
 * each account, which fixes the labels its series start with), whether it
 * is shown at all, and how its value is read: a field at an offset, a
 * small function, or a function that writes several series with labels
 * of their own. One walker turns the rows into text, so the loop over
 * accounts and clusters is written once and a new family is one row.
 *
 * Family order is the rows' order, and series within a family follow the
 * accounts' order, then the clusters' (sorted by id), so that the output
 * is stable from one cycle to the next and diffs of golden files stay
 * readable. Every cluster series carries cluster_id and cluster_name,
 * preceded by account when the configuration names accounts.
 */
#include "metrics.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"
#include "history.h"
#include "timeline.h"
#include "version.h"

static const char *const poll_endpoint_names[POLL_COUNT] = {
	"cluster", "upgrades", "credentials", "clusterlint", "status_messages", "associated_resources"
};

/* ---- items and their labels --------------------------------------------- */

/* What a family has series for, and so the labels they start with. */
enum scope {
	SCOPE_VIEW,    /* the whole view: no labels of its own */
	SCOPE_ACCOUNT, /* each account: account, when accounts are named */
	SCOPE_CLUSTER, /* each cluster of each account: then cluster_id, cluster_name */
};

/* The widest series (an offered upgrade of a named account's cluster) has
 * six labels. */
#define LABELS_MAX 8

struct labels {
	struct exposition_label l[LABELS_MAX];
	size_t n;
};

static void labels_add(struct labels *ls, const char *name, const char *value)
{
	ls->l[ls->n++] = (struct exposition_label){ name, value };
}

/* One item a family is walked over. */
struct item {
	struct exposition *e;
	const char *name; /* the family's */
	const struct exporter_view *v;
	const struct account_view *a;   /* NULL in SCOPE_VIEW */
	const struct cluster_record *r; /* NULL unless SCOPE_CLUSTER */
	struct labels ls;               /* what every series of the item starts with */
};

/* A sample named name: the item's labels, then the n of extra. */
static void put_as(const struct item *it, const char *name, const struct exposition_label *extra, size_t n,
		   double x)
{
	struct labels ls = it->ls;
	for (size_t i = 0; i < n; i++)
		labels_add(&ls, extra[i].name, extra[i].value);
	exposition_sample(it->e, name, ls.l, ls.n, x);
}

static void put(const struct item *it, const struct exposition_label *extra, size_t n, double x)
{
	put_as(it, it->name, extra, n, x);
}

/* ---- values read by offset ----------------------------------------------- */

/* A family that is one field of the view, an account, its API counters or
 * a cluster record, shown while up to two flags of the same struct are
 * set, needs no function of its own. IN_NONE: the row reads no field. */
enum field_in { IN_NONE, IN_VIEW, IN_ACCOUNT, IN_API, IN_RECORD };
enum field_type { FIELD_BOOL, FIELD_LONG, FIELD_SIZE, FIELD_ULL, FIELD_DOUBLE };

struct field {
	enum field_in in;
	enum field_type type;
	size_t offset;
	size_t when[2]; /* offsets of bools that must be true; 0: none (no struct
			 * read here starts with a bool) */
};

#define VIEW(m) offsetof(struct exporter_view, m)
#define ACCOUNT(m) offsetof(struct account_view, m)
#define API(m) offsetof(struct apistats, m)
#define RECORD(m) offsetof(struct cluster_record, m)

static const char *field_base(enum field_in in, const struct item *it)
{
	switch (in) {
	case IN_VIEW:
		return (const char *)it->v;
	case IN_ACCOUNT:
		return (const char *)it->a;
	case IN_API:
		return it->a ? (const char *)it->a->api : NULL;
	case IN_RECORD:
		return (const char *)it->r;
	case IN_NONE:
		break;
	}
	return NULL;
}

/* The bytes are copied out rather than read through a cast pointer: the
 * struct is only known as bytes here, and memcpy reads any of them. */
static double field_value(enum field_type type, const char *p)
{
	bool b;
	long l;
	size_t z;
	unsigned long long u;
	double d;
	switch (type) {
	case FIELD_BOOL:
		memcpy(&b, p, sizeof b);
		return b;
	case FIELD_LONG:
		memcpy(&l, p, sizeof l);
		return (double)l;
	case FIELD_SIZE:
		memcpy(&z, p, sizeof z);
		return (double)z;
	case FIELD_ULL:
		memcpy(&u, p, sizeof u);
		return (double)u;
	case FIELD_DOUBLE:
		memcpy(&d, p, sizeof d);
		return d;
	}
	return 0;
}

static bool read_field(const struct field *f, const struct item *it, double *x)
{
	const char *base = field_base(f->in, it);
	if (!base)
		return false;
	for (size_t i = 0; i < 2; i++) {
		bool set = true;
		if (f->when[i])
			memcpy(&set, base + f->when[i], sizeof set);
		if (!set)
			return false;
	}
	*x = field_value(f->type, base + f->offset);
	return true;
}

/* ---- values computed ----------------------------------------------------- */

static bool next_window(const struct item *it, double *x)
{
	const struct cluster_record *r = it->r;
	if (!r->have_cluster || !r->cluster.have_maintenance)
		return false;
	*x = maintenance_next_window(&r->cluster.maintenance, it->v->now);
	return true;
}

static bool has_kind(const struct cluster_record *r, enum upgrade_kind kind)
{
	for (size_t i = 0; i < r->upgrades.count; i++)
		if (r->upgrades.versions[i].kind == kind)
			return true;
	return false;
}

static bool upgrade_available(const struct item *it, double *x)
{
	*x = it->r->upgrades.count > 0;
	return it->r->have_upgrades;
}

static bool patch_available(const struct item *it, double *x)
{
	*x = has_kind(it->r, UPGRADE_KIND_PATCH);
	return it->r->have_upgrades;
}

static bool minor_available(const struct item *it, double *x)
{
	*x = has_kind(it->r, UPGRADE_KIND_MINOR);
	return it->r->have_upgrades;
}

static bool pending_since(const struct item *it, double *x)
{
	const struct upgrades *u = &it->r->upgrades;
	*x = u->pending_since;
	return it->r->have_upgrades && u->count > 0 && u->pending_since > 0;
}

bool metrics_version_supported(const struct upgrades *options, const char *version)
{
	for (size_t i = 0; i < options->count; i++)
		if (strcmp(options->versions[i].slug, version) == 0)
			return true;
	return false;
}

long metrics_minor_versions_behind(const struct upgrades *options, const char *version)
{
	struct version current, newest = { 0 }, o;
	bool any = false;
	if (!version_parse(version, &current))
		return -1;
	for (size_t i = 0; i < options->count; i++) {
		if (!version_parse(options->versions[i].slug, &o))
			continue;
		if (!any || version_compare(&o, &newest) > 0)
			newest = o;
		any = true;
	}
	/* minors of another major cannot be counted */
	if (!any || newest.major != current.major)
		return -1;
	return newest.minor > current.minor ? newest.minor - current.minor : 0;
}

static bool version_supported(const struct item *it, double *x)
{
	const struct upgrades *o = it->v->options;
	if (!it->r->have_cluster || !o || o->count == 0)
		return false;
	*x = metrics_version_supported(o, it->r->cluster.version);
	return true;
}

static bool minors_behind(const struct item *it, double *x)
{
	if (!it->r->have_cluster || !it->v->options)
		return false;
	long n = metrics_minor_versions_behind(it->v->options, it->r->cluster.version);
	*x = (double)n;
	return n >= 0;
}

static bool discovery_success(const struct item *it, double *x)
{
	*x = it->a->discovery_attempted && it->a->discovery_success;
	return it->a->discovery_enabled;
}

static bool last_discovery_success(const struct item *it, double *x)
{
	*x = it->a->last_discovery_success;
	return *x > 0;
}

static bool options_success(const struct item *it, double *x)
{
	*x = it->v->options_attempted && it->v->options_success;
	return true;
}

/* ---- several series per item ---------------------------------------------- */

static void cluster_info(const struct item *it)
{
	const struct cluster *c = &it->r->cluster;
	if (!it->r->have_cluster)
		return;
	struct exposition_label l[] = { { "region_slug", c->region }, { "version_slug", c->version } };
	put(it, l, 2, 1);
}

static void cluster_status(const struct item *it)
{
	if (!it->r->have_cluster)
		return;
	for (int s = 0; s < CLUSTER_STATE_COUNT; s++) {
		struct exposition_label l = { "state", cluster_state_name((enum cluster_state)s) };
		put(it, &l, 1, it->r->cluster.state == (enum cluster_state)s);
	}
}

static void maintenance_info(const struct item *it)
{
	const struct cluster *c = &it->r->cluster;
	if (!it->r->have_cluster || !c->have_maintenance)
		return;
	struct exposition_label l[] = { { "day", c->maintenance.day_name },
			     { "start_time", c->maintenance.start_time } };
	put(it, l, 2, 1);
}

static void upgrade_info(const struct item *it)
{
	if (!it->r->have_upgrades)
		return;
	for (size_t u = 0; u < it->r->upgrades.count; u++) {
		const struct upgrade_version *o = &it->r->upgrades.versions[u];
		struct exposition_label l[] = { { "version_slug", o->slug },
				     { "kubernetes_version", o->kubernetes_version },
				     { "kind", upgrade_kind_name(o->kind) } };
		put(it, l, 3, 1);
	}
}

static void first_seen(const struct item *it)
{
	if (!it->r->have_upgrades)
		return;
	for (size_t u = 0; u < it->r->upgrades.count; u++) {
		const struct upgrade_version *o = &it->r->upgrades.versions[u];
		if (o->first_seen <= 0)
			continue;
		struct exposition_label l = { "version_slug", o->slug };
		put(it, &l, 1, o->first_seen);
	}
}

static void versions_offered(const struct item *it)
{
	const struct upgrades *o = it->v->options;
	for (size_t i = 0; o && i < o->count; i++) {
		struct exposition_label l[] = { { "version_slug", o->versions[i].slug },
				     { "kubernetes_version", o->versions[i].kubernetes_version } };
		put(it, l, 2, 1);
	}
}

static void credentials_info(const struct item *it)
{
	const struct credentials *c = &it->r->credentials;
	if (!it->r->have_credentials || c->kind == CREDENTIALS_NONE)
		return;
	struct exposition_label l = { "auth", c->kind == CREDENTIALS_TOKEN ? "token" : "certificate" };
	put(it, &l, 1, 1);
}

/* Once a run is known, every severity of each check it names, 0
 * included; a run with no findings has one series per severity with an
 * empty check_name, so that sum by (severity) always has all three. */
static void clusterlint_diagnostics(const struct item *it)
{
	const struct clusterlint *c = &it->r->clusterlint;
	if (!it->r->have_clusterlint || !c->linted)
		return;
	if (c->check_count == 0) {
		for (int s = 0; s < CLUSTERLINT_SEVERITY_COUNT; s++) {
			struct exposition_label l[] = {
				{ "severity", clusterlint_severity_name((enum clusterlint_severity)s) },
				{ "check_name", "" }
			};
			put(it, l, 2, 0);
		}
		return;
	}
	for (size_t i = 0; i < c->check_count; i++) {
		struct exposition_label l[] = { { "severity", clusterlint_severity_name(c->checks[i].severity) },
						{ "check_name", c->checks[i].check_name } };
		put(it, l, 2, (double)c->checks[i].count);
	}
}

static bool clusterlint_last_run(const struct item *it, double *x)
{
	const struct clusterlint *c = &it->r->clusterlint;
	*x = c->completed_at;
	return it->r->have_clusterlint && c->linted && c->completed_at > 0;
}

static bool last_status_message(const struct item *it, double *x)
{
	*x = it->r->status_messages.last_timestamp;
	return it->r->have_status_messages && *x > 0;
}

static void associated_resources(const struct item *it)
{
	if (!it->r->have_resources)
		return;
	for (int k = 0; k < RESOURCE_KIND_COUNT; k++) {
		struct exposition_label l = { "kind", resource_kind_name((enum resource_kind)k) };
		put(it, &l, 1, (double)it->r->resources.counts[k]);
	}
}

static void poll_success(const struct item *it)
{
	for (int p = 0; p < POLL_COUNT; p++) {
		if (!it->r->poll[p].attempted)
			continue;
		struct exposition_label l = { "endpoint", poll_endpoint_names[p] };
		put(it, &l, 1, it->r->poll[p].success);
	}
}

static void last_poll_success(const struct item *it)
{
	for (int p = 0; p < POLL_COUNT; p++) {
		if (it->r->poll[p].last_success <= 0)
			continue;
		struct exposition_label l = { "endpoint", poll_endpoint_names[p] };
		put(it, &l, 1, it->r->poll[p].last_success);
	}
}

/* The request plan of an account: how old the oldest answer in use is,
 * and how often each endpoint is read. */
static void oldest_data_age(const struct item *it)
{
	for (size_t j = 0; j < it->a->plan_count; j++) {
		if (!it->a->plan[j].have_age)
			continue;
		struct exposition_label l = { "endpoint", it->a->plan[j].endpoint };
		put(it, &l, 1, it->a->plan[j].oldest_age);
	}
}

static void endpoint_interval(const struct item *it)
{
	for (size_t j = 0; j < it->a->plan_count; j++) {
		struct exposition_label l = { "endpoint", it->a->plan[j].endpoint };
		put(it, &l, 1, it->a->plan[j].interval);
	}
}

static void shard_info(const struct item *it)
{
	char index[24], count[24];
	snprintf(index, sizeof index, "%ld", it->v->shard_index);
	snprintf(count, sizeof count, "%ld", it->v->shard_count > 0 ? it->v->shard_count : 1);
	struct exposition_label l[] = { { "index", index }, { "count", count } };
	put(it, l, 2, 1);
}

static void build_info(const struct item *it)
{
	struct exposition_label l[] = { { "version", it->v->version }, { "revision", it->v->revision } };
	put(it, l, 2, 1);
}

static void api_requests(const struct item *it)
{
	char code[8];
	for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
		for (int c = APISTATS_CODE_MIN; c <= APISTATS_CODE_MAX; c++) {
			unsigned long long n = it->a->api->requests[ep][c - APISTATS_CODE_MIN];
			if (n == 0)
				continue;
			snprintf(code, sizeof code, "%d", c);
			struct exposition_label l[] = { { "endpoint", apistats_endpoint_name((enum endpoint)ep) },
					     { "code", code } };
			put(it, l, 2, (double)n);
		}
	}
}

/* Every reason is exported from the start, so rate() sees the first error. */
static void api_errors(const struct item *it)
{
	for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
		for (int r = 0; r < ERR_COUNT; r++) {
			if (!err_reason((enum err)r))
				continue;
			unsigned long long n = it->a->api->errors[ep][r];
			/* only the list has links to follow */
			bool list_only = r == ERR_ORIGIN || r == ERR_LOOP;
			if (list_only && ep != ENDPOINT_CLUSTERS && n == 0)
				continue;
			struct exposition_label l[] = { { "endpoint", apistats_endpoint_name((enum endpoint)ep) },
					     { "reason", err_reason((enum err)r) } };
			put(it, l, 2, (double)n);
		}
	}
}

static void api_retries(const struct item *it)
{
	for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
		struct exposition_label l = { "endpoint", apistats_endpoint_name((enum endpoint)ep) };
		put(it, &l, 1, (double)it->a->api->retries[ep]);
	}
}

/* Buckets are kept apart and exported cumulative, ending with +Inf. */
static void api_durations(const struct item *it)
{
	char bucket[96], sum[96], count[96], le[40];
	snprintf(bucket, sizeof bucket, "%s_bucket", it->name);
	snprintf(sum, sizeof sum, "%s_sum", it->name);
	snprintf(count, sizeof count, "%s_count", it->name);
	for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
		const struct apistats_histogram *h = &it->a->api->duration[ep];
		struct exposition_label l[] = { { "endpoint", apistats_endpoint_name((enum endpoint)ep) }, { "le", le } };
		unsigned long long cum = 0;
		for (int b = 0; b < APISTATS_BUCKETS; b++) {
			cum += h->buckets[b];
			exposition_format_value(apistats_bucket_bounds[b], le, sizeof le);
			put_as(it, bucket, l, 2, (double)cum);
		}
		l[1].value = "+Inf";
		put_as(it, bucket, l, 2, (double)h->count);
		put_as(it, sum, l, 1, h->sum);
		put_as(it, count, l, 1, (double)h->count);
	}
}

/* ---- support timeline and upgrade history -------------------------------- */

static void release_end_of_support(const struct item *it)
{
	const char *release;
	double eos;
	for (size_t i = 0; timeline_row(it->v->timeline, i, &release, &eos, NULL); i++) {
		struct exposition_label l = { "release", release };
		put(it, &l, 1, eos);
	}
}

static bool timeline_age(const struct item *it, double *x)
{
	*x = it->v->now - timeline_taken(it->v->timeline);
	return true;
}

/* Every kind from the start, so that rate() sees the first upgrade. */
static void upgrades_total(const struct item *it)
{
	if (!it->r->have_cluster)
		return;
	for (int k = 0; k < UPGRADE_KIND_COUNT; k++) {
		struct exposition_label l = { "kind", upgrade_kind_name((enum upgrade_kind)k) };
		put(it, &l, 1, (double)it->r->history.ended[k]);
	}
}

static bool last_upgrade_end(const struct item *it, double *x)
{
	const struct upgrade_event *e = history_last_ended(&it->r->history);
	if (e)
		*x = e->end;
	return e != NULL;
}

static bool last_upgrade_duration(const struct item *it, double *x)
{
	const struct upgrade_event *e = history_last_ended(&it->r->history);
	if (e)
		*x = e->end - e->start;
	return e != NULL;
}

static bool last_upgrade_success(const struct item *it, double *x)
{
	const struct upgrade_event *e = history_last_ended(&it->r->history);
	if (e)
		*x = e->outcome == CLUSTER_STATE_RUNNING;
	return e != NULL;
}

/* ---- whether a family is shown at all ------------------------------------ */

static bool timeline_loaded(const struct exporter_view *v)
{
	return v->timeline != NULL;
}


static bool credentials_enabled(const struct exporter_view *v)
{
	return v->credentials_enabled;
}

static bool options_enabled(const struct exporter_view *v)
{
	return v->options_enabled;
}

static bool options_read(const struct exporter_view *v)
{
	return v->options_enabled && v->last_options_success > 0;
}

static bool any_discovery(const struct exporter_view *v)
{
	for (size_t i = 0; i < v->account_count; i++)
		if (v->accounts[i].discovery_enabled)
			return true;
	return false;
}

static bool any_discovered(const struct exporter_view *v)
{
	for (size_t i = 0; i < v->account_count; i++)
		if (v->accounts[i].last_discovery_success > 0)
			return true;
	return false;
}

static bool any_rate_limit(const struct exporter_view *v)
{
	for (size_t i = 0; i < v->account_count; i++)
		if (v->accounts[i].api->have_rate_limit)
			return true;
	return false;
}

/* ---- the families -------------------------------------------------------- */

struct family {
	const char *name;
	const char *type; /* gauge, counter or histogram */
	enum scope scope;
	bool (*shown)(const struct exporter_view *v); /* NULL: always */
	/* One of three, tried in this order: several series of the item, with
	 * labels of their own; one series, or none when value says false; one
	 * series read from field, or none while a flag it names is unset. */
	void (*series)(const struct item *it);
	bool (*value)(const struct item *it, double *x);
	struct field field;
	const char *help;
};

static const struct family families[] = {
	/* clusters */
	{ "doks_cluster_info", "gauge", SCOPE_CLUSTER, .series = cluster_info,
	  .help = "Information about a DOKS cluster; the value is always 1." },
	{ "doks_cluster_status", "gauge", SCOPE_CLUSTER, .series = cluster_status,
	  .help = "Current state of the cluster: 1 for the state it is in, 0 for the others." },
	{ "doks_cluster_auto_upgrade_enabled", "gauge", SCOPE_CLUSTER,
	  .field = { IN_RECORD, FIELD_BOOL, RECORD(cluster.auto_upgrade), { RECORD(have_cluster) } },
	  .help = "Whether the cluster upgrades itself to new patch versions in its maintenance window (1) or not (0)." },
	{ "doks_cluster_surge_upgrade_enabled", "gauge", SCOPE_CLUSTER,
	  .field = { IN_RECORD, FIELD_BOOL, RECORD(cluster.surge_upgrade), { RECORD(have_cluster) } },
	  .help = "Whether surge upgrades are enabled for the cluster (1) or not (0)." },
	{ "doks_cluster_ha_enabled", "gauge", SCOPE_CLUSTER,
	  .field = { IN_RECORD, FIELD_BOOL, RECORD(cluster.ha), { RECORD(have_cluster) } },
	  .help = "Whether the cluster has a highly available control plane (1) or not (0)." },
	{ "doks_cluster_node_pools", "gauge", SCOPE_CLUSTER,
	  .field = { IN_RECORD, FIELD_LONG, RECORD(cluster.node_pools), { RECORD(have_cluster) } },
	  .help = "Number of node pools of the cluster." },
	{ "doks_cluster_nodes", "gauge", SCOPE_CLUSTER,
	  .field = { IN_RECORD, FIELD_LONG, RECORD(cluster.nodes), { RECORD(have_cluster) } },
	  .help = "Number of nodes of the cluster: the sum of its node pools' counts." },
	{ "doks_cluster_maintenance_window_info", "gauge", SCOPE_CLUSTER, .series = maintenance_info,
	  .help = "The cluster's maintenance window: day (any, or a weekday) and start_time (HH:MM UTC); the value is always 1." },
	{ "doks_cluster_next_maintenance_window_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  .value = next_window,
	  .help = "Start of the maintenance window in progress, or else of the next one, in Unix seconds." },

	/* upgrades and versions */
	{ "doks_cluster_upgrade_available", "gauge", SCOPE_CLUSTER, .value = upgrade_available,
	  .help = "Whether the API offers at least one version to upgrade the cluster to." },
	{ "doks_cluster_patch_upgrade_available", "gauge", SCOPE_CLUSTER, .value = patch_available,
	  .help = "Whether the API offers a newer patch of the cluster's minor version." },
	{ "doks_cluster_minor_upgrade_available", "gauge", SCOPE_CLUSTER, .value = minor_available,
	  .help = "Whether the API offers a newer minor version than the cluster's." },
	{ "doks_cluster_available_upgrades", "gauge", SCOPE_CLUSTER,
	  .field = { IN_RECORD, FIELD_SIZE, RECORD(upgrades.count), { RECORD(have_upgrades) } },
	  .help = "Number of versions the API offers to upgrade the cluster to." },
	{ "doks_cluster_available_upgrade_info", "gauge", SCOPE_CLUSTER, .series = upgrade_info,
	  .help = "A version the API offers to upgrade the cluster to, with its kind (patch, minor or unknown); the value is always 1." },
	{ "doks_cluster_upgrade_pending_since_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  .value = pending_since,
	  .help = "When the exporter first saw the cluster with an upgrade available, in Unix seconds." },
	{ "doks_cluster_available_upgrade_first_seen_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  .series = first_seen,
	  .help = "When the exporter first saw this version offered to the cluster, in Unix seconds." },
	{ "doks_kubernetes_version_available", "gauge", SCOPE_VIEW, options_enabled,
	  .series = versions_offered,
	  .help = "A version the API offers for clusters (GET /v2/kubernetes/options); the value is always 1." },
	{ "doks_cluster_version_supported", "gauge", SCOPE_CLUSTER, options_enabled,
	  .value = version_supported,
	  .help = "Whether the API still offers the cluster's version (0: no longer supported)." },
	{ "doks_cluster_minor_versions_behind", "gauge", SCOPE_CLUSTER, options_enabled,
	  .value = minors_behind,
	  .help = "How many minor versions the newest offered version is ahead of the cluster's." },

	/* support timeline: end of support and forced upgrades */
	{ "doks_cluster_end_of_support_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  .field = { IN_RECORD, FIELD_DOUBLE, RECORD(support.end_of_support),
		     { RECORD(have_cluster), RECORD(support.have_end_of_support) } },
	  .help = "When the cluster's minor release leaves (or left) support, from the support timeline, in Unix seconds." },
	{ "doks_cluster_forced_upgrade_earliest_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  .field = { IN_RECORD, FIELD_DOUBLE, RECORD(support.forced_upgrade_earliest),
		     { RECORD(have_cluster), RECORD(support.have_forced_upgrade) } },
	  .help = "Start of the first maintenance window on or after the day DigitalOcean begins upgrading the cluster's release by force (for a release the table does not list, 30 days after it was first missing from /options), in Unix seconds." },
	{ "doks_kubernetes_release_end_of_support_timestamp_seconds", "gauge", SCOPE_VIEW,
	  timeline_loaded, .series = release_end_of_support,
	  .help = "End of support of a DOKS minor release, from the support timeline, in Unix seconds." },
	{ "doks_exporter_support_timeline_age_seconds", "gauge", SCOPE_VIEW, timeline_loaded,
	  .value = timeline_age,
	  .help = "Seconds since the support timeline was taken from DigitalOcean's docs (its \"taken\" date)." },

	/* upgrade history */
	{ "doks_cluster_upgrades_total", "counter", SCOPE_CLUSTER, .series = upgrades_total,
	  .help = "Upgrades of the cluster that ended, by kind (patch, minor or unknown), as the cluster list showed them; kept in state.file." },
	{ "doks_cluster_last_upgrade_end_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  .value = last_upgrade_end,
	  .help = "When the cluster's latest upgrade ended (its state left upgrading, or its version changed), in Unix seconds." },
	{ "doks_cluster_last_upgrade_duration_seconds", "gauge", SCOPE_CLUSTER,
	  .value = last_upgrade_duration,
	  .help = "How long the cluster's latest upgrade took, from the list first showing it upgrading until it showed it otherwise, in seconds (0: the list never showed it upgrading)." },
	{ "doks_cluster_last_upgrade_success", "gauge", SCOPE_CLUSTER,
	  .value = last_upgrade_success,
	  .help = "Whether the cluster's latest upgrade ended with the cluster running (1) or in another state (0)." },

	/* credentials */
	{ "doks_cluster_credentials_expiry_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  credentials_enabled,
	  .field = { IN_RECORD, FIELD_DOUBLE, RECORD(credentials.expires_at),
		     { RECORD(have_credentials), RECORD(credentials.has_expiry) } },
	  .help = "When the credentials the API issued for the cluster expire, in Unix seconds." },
	{ "doks_cluster_ca_certificate_expiry_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  credentials_enabled,
	  .field = { IN_RECORD, FIELD_DOUBLE, RECORD(credentials.ca_expires_at),
		     { RECORD(have_credentials), RECORD(credentials.has_ca_expiry) } },
	  .help = "When the cluster's CA certificate expires (notAfter), in Unix seconds." },
	{ "doks_cluster_client_certificate_expiry_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  credentials_enabled,
	  .field = { IN_RECORD, FIELD_DOUBLE, RECORD(credentials.client_expires_at),
		     { RECORD(have_credentials), RECORD(credentials.has_client_expiry) } },
	  .help = "When the client certificate of a legacy cluster's credentials expires (notAfter), in Unix seconds." },
	{ "doks_cluster_credentials_info", "gauge", SCOPE_CLUSTER, credentials_enabled,
	  .series = credentials_info,
	  .help = "How the cluster's credentials authenticate: auth is token or certificate; the value is always 1." },

	/* clusterlint, status messages, associated resources (endpoints/) */
	{ "doks_cluster_clusterlint_diagnostics", "gauge", SCOPE_CLUSTER,
	  .series = clusterlint_diagnostics,
	  .help = "Findings of the cluster's latest clusterlint run, by severity and check; absent while the cluster was never linted." },
	{ "doks_cluster_clusterlint_last_run_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  .value = clusterlint_last_run,
	  .help = "When the cluster's latest clusterlint run completed (completed_at), in Unix seconds." },
	{ "doks_cluster_status_messages_total", "counter", SCOPE_CLUSTER,
	  .field = { IN_RECORD, FIELD_ULL, RECORD(status_messages.total), { RECORD(have_status_messages) } },
	  .help = "Status messages the API showed for the cluster since the exporter started." },
	{ "doks_cluster_last_status_message_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  .value = last_status_message,
	  .help = "When the newest status message seen for the cluster was emitted, in Unix seconds." },
	{ "doks_cluster_associated_resources", "gauge", SCOPE_CLUSTER, .series = associated_resources,
	  .help = "Resources that deleting the cluster with its associated resources would take, and that a plain delete leaves billed, by kind." },

	/* poll health */
	{ "doks_exporter_poll_success", "gauge", SCOPE_CLUSTER, .series = poll_success,
	  .help = "Whether the latest request of this endpoint for the cluster succeeded." },
	{ "doks_exporter_last_poll_success_timestamp_seconds", "gauge", SCOPE_CLUSTER,
	  .series = last_poll_success,
	  .help = "When a request of this endpoint for the cluster last succeeded, in Unix seconds." },
	{ "doks_exporter_discovery_success", "gauge", SCOPE_ACCOUNT, any_discovery,
	  .value = discovery_success,
	  .help = "Whether the latest listing of the account's clusters succeeded." },
	{ "doks_exporter_last_discovery_success_timestamp_seconds", "gauge", SCOPE_ACCOUNT,
	  any_discovered, .value = last_discovery_success,
	  .help = "When the listing of the account's clusters last succeeded, in Unix seconds." },
	{ "doks_exporter_options_success", "gauge", SCOPE_VIEW, options_enabled,
	  .value = options_success,
	  .help = "Whether the latest read of the versions the API offers (GET /v2/kubernetes/options) succeeded." },
	{ "doks_exporter_last_options_success_timestamp_seconds", "gauge", SCOPE_VIEW, options_read,
	  .field = { IN_VIEW, FIELD_DOUBLE, VIEW(last_options_success), { 0 } },
	  .help = "When the versions the API offers were last read, in Unix seconds." },
	{ "doks_exporter_clusters", "gauge", SCOPE_ACCOUNT,
	  .field = { IN_ACCOUNT, FIELD_SIZE, ACCOUNT(count), { 0 } },
	  .help = "Number of clusters the exporter watches." },
	{ "doks_exporter_oldest_data_age_seconds", "gauge", SCOPE_ACCOUNT, .series = oldest_data_age,
	  .help = "Age of the oldest successful answer of this endpoint still in use, across clusters, in seconds." },
	{ "doks_exporter_endpoint_interval_seconds", "gauge", SCOPE_ACCOUNT,
	  .series = endpoint_interval,
	  .help = "Seconds between reads of this endpoint that the request plan gives it now: its configured interval, or longer when the API budget cannot carry it." },
	{ "doks_exporter_planned_requests_per_hour", "gauge", SCOPE_ACCOUNT,
	  .field = { IN_ACCOUNT, FIELD_DOUBLE, ACCOUNT(planned_per_hour), { 0 } },
	  .help = "API requests an hour the request plan costs, change-driven reads and retries aside." },
	{ "doks_exporter_poll_duration_seconds", "gauge", SCOPE_VIEW,
	  .field = { IN_VIEW, FIELD_DOUBLE, VIEW(poll_duration), { 0 } },
	  .help = "How long the latest poll round took, from a read of the cluster list until nothing was due, in seconds." },
	{ "doks_exporter_effective_poll_interval_seconds", "gauge", SCOPE_VIEW,
	  .field = { IN_VIEW, FIELD_DOUBLE, VIEW(effective_interval), { 0 } },
	  .help = "Seconds between reads of the cluster list: poll.interval, or longer when the API budget asks for it." },
	{ "doks_exporter_config_last_reload_successful", "gauge", SCOPE_VIEW,
	  .field = { IN_VIEW, FIELD_BOOL, VIEW(config_reload_success), { 0 } },
	  .help = "Whether the latest configuration reload succeeded." },
	{ "doks_exporter_config_last_reload_success_timestamp_seconds", "gauge", SCOPE_VIEW,
	  .field = { IN_VIEW, FIELD_DOUBLE, VIEW(config_last_reload_success), { 0 } },
	  .help = "When the configuration was last loaded successfully, in Unix seconds." },
	{ "doks_exporter_shard_info", "gauge", SCOPE_VIEW, .series = shard_info,
	  .help = "The share of the clusters this replica watches: shard index of count; the value is always 1." },
	{ "doks_exporter_build_info", "gauge", SCOPE_VIEW, .series = build_info,
	  .help = "Version and revision the exporter was built from; the value is always 1." },

	/* API usage */
	{ "doks_api_requests_total", "counter", SCOPE_ACCOUNT, .series = api_requests,
	  .help = "HTTP exchanges with the DigitalOcean API that got a status code." },
	{ "doks_api_request_errors_total", "counter", SCOPE_ACCOUNT, .series = api_errors,
	  .help = "Requests to the DigitalOcean API that produced no usable data, by reason." },
	{ "doks_api_retries_total", "counter", SCOPE_ACCOUNT, .series = api_retries,
	  .help = "Requests to the DigitalOcean API tried again after a failure that may pass." },
	{ "doks_api_connections_total", "counter", SCOPE_ACCOUNT,
	  .field = { IN_API, FIELD_ULL, API(connections), { 0 } },
	  .help = "Connections opened to the DigitalOcean API; requests beyond these reused one." },
	{ "doks_api_throttled_until_timestamp_seconds", "gauge", SCOPE_ACCOUNT,
	  .field = { IN_ACCOUNT, FIELD_DOUBLE, ACCOUNT(throttled_until), { 0 } },
	  .help = "Until when requests pause after the API answered 429, in Unix seconds; 0 if never." },
	{ "doks_api_request_duration_seconds", "histogram", SCOPE_ACCOUNT, .series = api_durations,
	  .help = "Duration of requests to the DigitalOcean API, in seconds." },
	{ "doks_api_rate_limit_limit", "gauge", SCOPE_ACCOUNT, any_rate_limit,
	  .field = { IN_API, FIELD_DOUBLE, API(rate_limit_limit), { API(have_rate_limit) } },
	  .help = "Requests per hour the API allows the token (ratelimit-limit of the latest answer)." },
	{ "doks_api_rate_limit_remaining", "gauge", SCOPE_ACCOUNT, any_rate_limit,
	  .field = { IN_API, FIELD_DOUBLE, API(rate_limit_remaining), { API(have_rate_limit) } },
	  .help = "Requests the token has left in the hour (the lowest ratelimit-remaining of the latest window)." },
	{ "doks_api_rate_limit_reset_timestamp_seconds", "gauge", SCOPE_ACCOUNT, any_rate_limit,
	  .field = { IN_API, FIELD_DOUBLE, API(rate_limit_reset), { API(have_rate_limit) } },
	  .help = "When the oldest counted request expires (ratelimit-reset of the latest answer), in Unix seconds." },
};

/* ---- the walk ------------------------------------------------------------- */

static void item_series(const struct item *it, const struct family *f)
{
	double x = 0;
	if (f->series)
		f->series(it);
	else if (f->value ? f->value(it, &x) : read_field(&f->field, it, &x))
		put(it, NULL, 0, x);
}

/* The loop over accounts and their clusters, for every family. */
static void render_family(struct exposition *e, const struct exporter_view *v, const struct family *f)
{
	if (f->shown && !f->shown(v))
		return;
	exposition_family(e, f->name, f->type, f->help);
	struct item it = { .e = e, .name = f->name, .v = v };
	if (f->scope == SCOPE_VIEW) {
		item_series(&it, f);
		return;
	}
	for (size_t i = 0; i < v->account_count; i++) {
		it.a = &v->accounts[i];
		it.ls.n = 0;
		if (it.a->name)
			labels_add(&it.ls, "account", it.a->name);
		if (f->scope == SCOPE_ACCOUNT) {
			item_series(&it, f);
			continue;
		}
		size_t account_labels = it.ls.n;
		for (size_t j = 0; j < it.a->count; j++) {
			it.r = &it.a->clusters[j];
			it.ls.n = account_labels;
			labels_add(&it.ls, "cluster_id", it.r->cluster.id);
			labels_add(&it.ls, "cluster_name", it.r->cluster.name ? it.r->cluster.name : "");
			item_series(&it, f);
		}
	}
}

enum err metrics_render(const struct exporter_view *v, char **out, size_t *len)
{
	size_t clusters = 0;
	for (size_t i = 0; i < v->account_count; i++)
		clusters += v->accounts[i].count;
	/* about 3 KiB of series per cluster, plus the fixed families */
	struct exposition *e = NULL;
	if (exposition_new(32768 + clusters * 3072, &e) != ERR_OK)
		return ERR_NOMEM;
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
		render_family(e, v, &families[i]);
	return exposition_finish(e, out, len);
}
