/* metrics.c - the exporter's state into Prometheus families.
 *
 * Family order is fixed and series within a family follow the accounts'
 * order, then the clusters' (sorted by id), so that the output is stable
 * from one cycle to the next and diffs of golden files stay readable.
 * Every cluster series carries cluster_id and cluster_name, preceded by
 * account when the configuration names accounts.
 */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"
#include "version.h"

static const char *const poll_endpoint_names[POLL_COUNT] = { "cluster", "upgrades",
							      "credentials" };

/* The labels of one series: the account's and cluster's, then a few more. */
struct labels {
	struct label l[8];
	size_t n;
};

static void add(struct labels *ls, const char *name, const char *value)
{
	ls->l[ls->n++] = (struct label){ name, value };
}

static struct labels account_labels(const struct account_view *a)
{
	struct labels ls = { .n = 0 };
	if (a->name)
		add(&ls, "account", a->name);
	return ls;
}

static struct labels cluster_labels(const struct account_view *a, const struct cluster_record *r)
{
	struct labels ls = account_labels(a);
	add(&ls, "cluster_id", r->cluster.id);
	add(&ls, "cluster_name", r->cluster.name ? r->cluster.name : "");
	return ls;
}

/* Calls fn for every cluster of every account. */
typedef void (*cluster_fn)(struct expo *e, const struct exporter_view *v,
			   const struct account_view *a, const struct cluster_record *r);

static void each_cluster(struct expo *e, const struct exporter_view *v, cluster_fn fn)
{
	for (size_t i = 0; i < v->account_count; i++) {
		const struct account_view *a = &v->accounts[i];
		for (size_t j = 0; j < a->count; j++)
			fn(e, v, a, &a->clusters[j]);
	}
}

/* A gauge with one series per cluster for which value() says so. */
typedef bool (*cluster_value_fn)(const struct exporter_view *v, const struct cluster_record *r,
				 double *value);

static void cluster_gauge(struct expo *e, const struct exporter_view *v, const char *name,
			  const char *help, cluster_value_fn value)
{
	expo_family(e, name, "gauge", help);
	for (size_t i = 0; i < v->account_count; i++) {
		const struct account_view *a = &v->accounts[i];
		for (size_t j = 0; j < a->count; j++) {
			double x;
			if (!value(v, &a->clusters[j], &x))
				continue;
			struct labels ls = cluster_labels(a, &a->clusters[j]);
			expo_sample(e, name, ls.l, ls.n, x);
		}
	}
}

/* ---- clusters ---------------------------------------------------------- */

static void info(struct expo *e, const struct exporter_view *v, const struct account_view *a,
		 const struct cluster_record *r)
{
	(void)v;
	if (!r->have_cluster)
		return;
	struct labels ls = cluster_labels(a, r);
	add(&ls, "region_slug", r->cluster.region);
	add(&ls, "version_slug", r->cluster.version);
	expo_sample(e, "doks_cluster_info", ls.l, ls.n, 1);
}

static void status(struct expo *e, const struct exporter_view *v, const struct account_view *a,
		   const struct cluster_record *r)
{
	(void)v;
	if (!r->have_cluster)
		return;
	for (int s = 0; s < CLUSTER_STATE_COUNT; s++) {
		struct labels ls = cluster_labels(a, r);
		add(&ls, "state", cluster_state_name((enum cluster_state)s));
		expo_sample(e, "doks_cluster_status", ls.l, ls.n, r->cluster.state == (enum cluster_state)s);
	}
}

static bool auto_upgrade(const struct exporter_view *v, const struct cluster_record *r, double *x)
{
	(void)v;
	*x = r->cluster.auto_upgrade;
	return r->have_cluster;
}

static bool surge_upgrade(const struct exporter_view *v, const struct cluster_record *r, double *x)
{
	(void)v;
	*x = r->cluster.surge_upgrade;
	return r->have_cluster;
}

static bool ha(const struct exporter_view *v, const struct cluster_record *r, double *x)
{
	(void)v;
	*x = r->cluster.ha;
	return r->have_cluster;
}

static bool node_pools(const struct exporter_view *v, const struct cluster_record *r, double *x)
{
	(void)v;
	*x = (double)r->cluster.node_pools;
	return r->have_cluster;
}

static bool nodes(const struct exporter_view *v, const struct cluster_record *r, double *x)
{
	(void)v;
	*x = (double)r->cluster.nodes;
	return r->have_cluster;
}

static void maintenance_info(struct expo *e, const struct exporter_view *v,
			     const struct account_view *a, const struct cluster_record *r)
{
	(void)v;
	if (!r->have_cluster || !r->cluster.have_maintenance)
		return;
	struct labels ls = cluster_labels(a, r);
	add(&ls, "day", r->cluster.maintenance.day_name);
	add(&ls, "start_time", r->cluster.maintenance.start_time);
	expo_sample(e, "doks_cluster_maintenance_window_info", ls.l, ls.n, 1);
}

static bool next_window(const struct exporter_view *v, const struct cluster_record *r, double *x)
{
	if (!r->have_cluster || !r->cluster.have_maintenance)
		return false;
	*x = maintenance_next_window(&r->cluster.maintenance, v->now);
	return true;
}

static void render_clusters(struct expo *e, const struct exporter_view *v)
{
	expo_family(e, "doks_cluster_info", "gauge",
		    "Information about a DOKS cluster; the value is always 1.");
	each_cluster(e, v, info);
	expo_family(e, "doks_cluster_status", "gauge",
		    "Current state of the cluster: 1 for the state it is in, 0 for the others.");
	each_cluster(e, v, status);
	cluster_gauge(e, v, "doks_cluster_auto_upgrade_enabled",
		      "Whether the cluster upgrades itself to new patch versions in its maintenance window (1) or not (0).",
		      auto_upgrade);
	cluster_gauge(e, v, "doks_cluster_surge_upgrade_enabled",
		      "Whether surge upgrades are enabled for the cluster (1) or not (0).",
		      surge_upgrade);
	cluster_gauge(e, v, "doks_cluster_ha_enabled",
		      "Whether the cluster has a highly available control plane (1) or not (0).", ha);
	cluster_gauge(e, v, "doks_cluster_node_pools", "Number of node pools of the cluster.",
		      node_pools);
	cluster_gauge(e, v, "doks_cluster_nodes",
		      "Number of nodes of the cluster: the sum of its node pools' counts.", nodes);
	expo_family(e, "doks_cluster_maintenance_window_info", "gauge",
		    "The cluster's maintenance window: day (any, or a weekday) and start_time (HH:MM UTC); the value is always 1.");
	each_cluster(e, v, maintenance_info);
	cluster_gauge(e, v, "doks_cluster_next_maintenance_window_timestamp_seconds",
		      "Start of the maintenance window in progress, or else of the next one, in Unix seconds.",
		      next_window);
}

/* ---- upgrades and versions ---------------------------------------------- */

static bool upgrade_available(const struct exporter_view *v, const struct cluster_record *r,
			      double *x)
{
	(void)v;
	*x = r->upgrades.count > 0;
	return r->have_upgrades;
}

static bool has_kind(const struct cluster_record *r, enum upgrade_kind kind)
{
	for (size_t i = 0; i < r->upgrades.count; i++)
		if (r->upgrades.versions[i].kind == kind)
			return true;
	return false;
}

static bool patch_available(const struct exporter_view *v, const struct cluster_record *r,
			    double *x)
{
	(void)v;
	*x = has_kind(r, UPGRADE_KIND_PATCH);
	return r->have_upgrades;
}

static bool minor_available(const struct exporter_view *v, const struct cluster_record *r,
			    double *x)
{
	(void)v;
	*x = has_kind(r, UPGRADE_KIND_MINOR);
	return r->have_upgrades;
}

static bool available_upgrades(const struct exporter_view *v, const struct cluster_record *r,
			       double *x)
{
	(void)v;
	*x = (double)r->upgrades.count;
	return r->have_upgrades;
}

static void upgrade_info(struct expo *e, const struct exporter_view *v,
			 const struct account_view *a, const struct cluster_record *r)
{
	(void)v;
	if (!r->have_upgrades)
		return;
	for (size_t u = 0; u < r->upgrades.count; u++) {
		struct labels ls = cluster_labels(a, r);
		add(&ls, "version_slug", r->upgrades.versions[u].slug);
		add(&ls, "kubernetes_version", r->upgrades.versions[u].kubernetes_version);
		add(&ls, "kind", upgrade_kind_name(r->upgrades.versions[u].kind));
		expo_sample(e, "doks_cluster_available_upgrade_info", ls.l, ls.n, 1);
	}
}

static bool pending_since(const struct exporter_view *v, const struct cluster_record *r,
			  double *x)
{
	(void)v;
	*x = r->upgrades.pending_since;
	return r->have_upgrades && r->upgrades.count > 0 && r->upgrades.pending_since > 0;
}

static void first_seen(struct expo *e, const struct exporter_view *v,
		       const struct account_view *a, const struct cluster_record *r)
{
	(void)v;
	if (!r->have_upgrades)
		return;
	for (size_t u = 0; u < r->upgrades.count; u++) {
		if (r->upgrades.versions[u].first_seen <= 0)
			continue;
		struct labels ls = cluster_labels(a, r);
		add(&ls, "version_slug", r->upgrades.versions[u].slug);
		expo_sample(e, "doks_cluster_available_upgrade_first_seen_timestamp_seconds", ls.l,
			    ls.n, r->upgrades.versions[u].first_seen);
	}
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

static bool version_supported(const struct exporter_view *v, const struct cluster_record *r,
			      double *x)
{
	if (!r->have_cluster || !v->options || v->options->count == 0)
		return false;
	*x = metrics_version_supported(v->options, r->cluster.version);
	return true;
}

static bool minors_behind(const struct exporter_view *v, const struct cluster_record *r,
			  double *x)
{
	if (!r->have_cluster || !v->options)
		return false;
	long n = metrics_minor_versions_behind(v->options, r->cluster.version);
	*x = (double)n;
	return n >= 0;
}

static void render_upgrades(struct expo *e, const struct exporter_view *v)
{
	cluster_gauge(e, v, "doks_cluster_upgrade_available",
		      "Whether the API offers at least one version to upgrade the cluster to.",
		      upgrade_available);
	cluster_gauge(e, v, "doks_cluster_patch_upgrade_available",
		      "Whether the API offers a newer patch of the cluster's minor version.",
		      patch_available);
	cluster_gauge(e, v, "doks_cluster_minor_upgrade_available",
		      "Whether the API offers a newer minor version than the cluster's.",
		      minor_available);
	cluster_gauge(e, v, "doks_cluster_available_upgrades",
		      "Number of versions the API offers to upgrade the cluster to.",
		      available_upgrades);
	expo_family(e, "doks_cluster_available_upgrade_info", "gauge",
		    "A version the API offers to upgrade the cluster to, with its kind (patch, minor or unknown); the value is always 1.");
	each_cluster(e, v, upgrade_info);
	cluster_gauge(e, v, "doks_cluster_upgrade_pending_since_timestamp_seconds",
		      "When the exporter first saw the cluster with an upgrade available, in Unix seconds.",
		      pending_since);
	expo_family(e, "doks_cluster_available_upgrade_first_seen_timestamp_seconds", "gauge",
		    "When the exporter first saw this version offered to the cluster, in Unix seconds.");
	each_cluster(e, v, first_seen);
	if (!v->options_enabled)
		return;
	expo_family(e, "doks_kubernetes_version_available", "gauge",
		    "A version the API offers for clusters (GET /v2/kubernetes/options); the value is always 1.");
	for (size_t i = 0; v->options && i < v->options->count; i++) {
		struct label l[] = { { "version_slug", v->options->versions[i].slug },
				     { "kubernetes_version", v->options->versions[i].kubernetes_version } };
		expo_sample(e, "doks_kubernetes_version_available", l, 2, 1);
	}
	cluster_gauge(e, v, "doks_cluster_version_supported",
		      "Whether the API still offers the cluster's version (0: no longer supported).",
		      version_supported);
	cluster_gauge(e, v, "doks_cluster_minor_versions_behind",
		      "How many minor versions the newest offered version is ahead of the cluster's.",
		      minors_behind);
}

/* ---- credentials --------------------------------------------------------- */

static bool credentials_expiry(const struct exporter_view *v, const struct cluster_record *r,
			       double *x)
{
	(void)v;
	*x = r->credentials.expires_at;
	return r->have_credentials && r->credentials.has_expiry;
}

static bool ca_expiry(const struct exporter_view *v, const struct cluster_record *r, double *x)
{
	(void)v;
	*x = r->credentials.ca_expires_at;
	return r->have_credentials && r->credentials.has_ca_expiry;
}

static bool client_expiry(const struct exporter_view *v, const struct cluster_record *r,
			  double *x)
{
	(void)v;
	*x = r->credentials.client_expires_at;
	return r->have_credentials && r->credentials.has_client_expiry;
}

static void credentials_info(struct expo *e, const struct exporter_view *v,
			     const struct account_view *a, const struct cluster_record *r)
{
	(void)v;
	if (!r->have_credentials || r->credentials.kind == CREDENTIALS_NONE)
		return;
	struct labels ls = cluster_labels(a, r);
	add(&ls, "auth", r->credentials.kind == CREDENTIALS_TOKEN ? "token" : "certificate");
	expo_sample(e, "doks_cluster_credentials_info", ls.l, ls.n, 1);
}

static void render_credentials(struct expo *e, const struct exporter_view *v)
{
	if (!v->credentials_enabled)
		return;
	cluster_gauge(e, v, "doks_cluster_credentials_expiry_timestamp_seconds",
		      "When the credentials the API issued for the cluster expire, in Unix seconds.",
		      credentials_expiry);
	cluster_gauge(e, v, "doks_cluster_ca_certificate_expiry_timestamp_seconds",
		      "When the cluster's CA certificate expires (notAfter), in Unix seconds.",
		      ca_expiry);
	cluster_gauge(e, v, "doks_cluster_client_certificate_expiry_timestamp_seconds",
		      "When the client certificate of a legacy cluster's credentials expires (notAfter), in Unix seconds.",
		      client_expiry);
	expo_family(e, "doks_cluster_credentials_info", "gauge",
		    "How the cluster's credentials authenticate: auth is token or certificate; the value is always 1.");
	each_cluster(e, v, credentials_info);
}

/* ---- poll health --------------------------------------------------------- */

static void poll_success(struct expo *e, const struct exporter_view *v,
			 const struct account_view *a, const struct cluster_record *r)
{
	(void)v;
	for (int p = 0; p < POLL_COUNT; p++) {
		if (!r->poll[p].attempted)
			continue;
		struct labels ls = cluster_labels(a, r);
		add(&ls, "endpoint", poll_endpoint_names[p]);
		expo_sample(e, "doks_exporter_poll_success", ls.l, ls.n, r->poll[p].success);
	}
}

static void last_poll_success(struct expo *e, const struct exporter_view *v,
			      const struct account_view *a, const struct cluster_record *r)
{
	(void)v;
	for (int p = 0; p < POLL_COUNT; p++) {
		if (r->poll[p].last_success <= 0)
			continue;
		struct labels ls = cluster_labels(a, r);
		add(&ls, "endpoint", poll_endpoint_names[p]);
		expo_sample(e, "doks_exporter_last_poll_success_timestamp_seconds", ls.l, ls.n,
			    r->poll[p].last_success);
	}
}

/* The request plan of each account: how often each endpoint is read,
 * what that costs, and how old the oldest answer in use is. */
static void render_plan(struct expo *e, const struct exporter_view *v)
{
	expo_family(e, "doks_exporter_oldest_data_age_seconds", "gauge",
		    "Age of the oldest successful answer of this endpoint still in use, across clusters, in seconds.");
	for (size_t i = 0; i < v->account_count; i++) {
		const struct account_view *a = &v->accounts[i];
		for (size_t j = 0; j < a->plan_count; j++) {
			if (!a->plan[j].have_age)
				continue;
			struct labels ls = account_labels(a);
			add(&ls, "endpoint", a->plan[j].endpoint);
			expo_sample(e, "doks_exporter_oldest_data_age_seconds", ls.l, ls.n,
				    a->plan[j].oldest_age);
		}
	}
	expo_family(e, "doks_exporter_endpoint_interval_seconds", "gauge",
		    "Seconds between reads of this endpoint that the request plan gives it now: its configured interval, or longer when the API budget cannot carry it.");
	for (size_t i = 0; i < v->account_count; i++) {
		const struct account_view *a = &v->accounts[i];
		for (size_t j = 0; j < a->plan_count; j++) {
			struct labels ls = account_labels(a);
			add(&ls, "endpoint", a->plan[j].endpoint);
			expo_sample(e, "doks_exporter_endpoint_interval_seconds", ls.l, ls.n,
				    a->plan[j].interval);
		}
	}
	expo_family(e, "doks_exporter_planned_requests_per_hour", "gauge",
		    "API requests an hour the request plan costs, change-driven reads and retries aside.");
	for (size_t i = 0; i < v->account_count; i++) {
		struct labels ls = account_labels(&v->accounts[i]);
		expo_sample(e, "doks_exporter_planned_requests_per_hour", ls.l, ls.n,
			    v->accounts[i].planned_per_hour);
	}
}

static void render_poll(struct expo *e, const struct exporter_view *v)
{
	expo_family(e, "doks_exporter_poll_success", "gauge",
		    "Whether the latest request of this endpoint for the cluster succeeded.");
	each_cluster(e, v, poll_success);
	expo_family(e, "doks_exporter_last_poll_success_timestamp_seconds", "gauge",
		    "When a request of this endpoint for the cluster last succeeded, in Unix seconds.");
	each_cluster(e, v, last_poll_success);

	bool any_discovery = false, any_discovered = false;
	for (size_t i = 0; i < v->account_count; i++) {
		any_discovery = any_discovery || v->accounts[i].discovery_enabled;
		any_discovered = any_discovered || v->accounts[i].last_discovery_success > 0;
	}
	if (any_discovery) {
		expo_family(e, "doks_exporter_discovery_success", "gauge",
			    "Whether the latest listing of the account's clusters succeeded.");
		for (size_t i = 0; i < v->account_count; i++) {
			const struct account_view *a = &v->accounts[i];
			if (!a->discovery_enabled)
				continue;
			struct labels ls = account_labels(a);
			expo_sample(e, "doks_exporter_discovery_success", ls.l, ls.n,
				    a->discovery_attempted && a->discovery_success);
		}
	}
	if (any_discovered) {
		expo_family(e, "doks_exporter_last_discovery_success_timestamp_seconds", "gauge",
			    "When the listing of the account's clusters last succeeded, in Unix seconds.");
		for (size_t i = 0; i < v->account_count; i++) {
			const struct account_view *a = &v->accounts[i];
			if (a->last_discovery_success <= 0)
				continue;
			struct labels ls = account_labels(a);
			expo_sample(e, "doks_exporter_last_discovery_success_timestamp_seconds", ls.l,
				    ls.n, a->last_discovery_success);
		}
	}
	if (v->options_enabled) {
		expo_family(e, "doks_exporter_options_success", "gauge",
			    "Whether the latest read of the versions the API offers (GET /v2/kubernetes/options) succeeded.");
		expo_sample(e, "doks_exporter_options_success", NULL, 0,
			    v->options_attempted && v->options_success);
		if (v->last_options_success > 0) {
			expo_family(e, "doks_exporter_last_options_success_timestamp_seconds", "gauge",
				    "When the versions the API offers were last read, in Unix seconds.");
			expo_sample(e, "doks_exporter_last_options_success_timestamp_seconds", NULL, 0,
				    v->last_options_success);
		}
	}
	expo_family(e, "doks_exporter_clusters", "gauge", "Number of clusters the exporter watches.");
	for (size_t i = 0; i < v->account_count; i++) {
		struct labels ls = account_labels(&v->accounts[i]);
		expo_sample(e, "doks_exporter_clusters", ls.l, ls.n, (double)v->accounts[i].count);
	}
	render_plan(e, v);
	expo_family(e, "doks_exporter_poll_duration_seconds", "gauge",
		    "How long the latest poll round took, from a read of the cluster list until nothing was due, in seconds.");
	expo_sample(e, "doks_exporter_poll_duration_seconds", NULL, 0, v->poll_duration);
	expo_family(e, "doks_exporter_effective_poll_interval_seconds", "gauge",
		    "Seconds between reads of the cluster list: poll.interval, or longer when the API budget asks for it.");
	expo_sample(e, "doks_exporter_effective_poll_interval_seconds", NULL, 0,
		    v->effective_interval);
	expo_family(e, "doks_exporter_config_last_reload_successful", "gauge",
		    "Whether the latest configuration reload succeeded.");
	expo_sample(e, "doks_exporter_config_last_reload_successful", NULL, 0,
		    v->config_reload_success);
	expo_family(e, "doks_exporter_config_last_reload_success_timestamp_seconds", "gauge",
		    "When the configuration was last loaded successfully, in Unix seconds.");
	expo_sample(e, "doks_exporter_config_last_reload_success_timestamp_seconds", NULL, 0,
		    v->config_last_reload_success);
	expo_family(e, "doks_exporter_shard_info", "gauge",
		    "The share of the clusters this replica watches: shard index of count; the value is always 1.");
	char index[24], count[24];
	snprintf(index, sizeof index, "%ld", v->shard_index);
	snprintf(count, sizeof count, "%ld", v->shard_count > 0 ? v->shard_count : 1);
	struct label shard[] = { { "index", index }, { "count", count } };
	expo_sample(e, "doks_exporter_shard_info", shard, 2, 1);
	expo_family(e, "doks_exporter_build_info", "gauge",
		    "Version and revision the exporter was built from; the value is always 1.");
	struct label build[] = { { "version", v->version }, { "revision", v->revision } };
	expo_sample(e, "doks_exporter_build_info", build, 2, 1);
}

/* ---- API usage ----------------------------------------------------------- */

static void render_api(struct expo *e, const struct exporter_view *v)
{
	char code[8];
	expo_family(e, "doks_api_requests_total", "counter",
		    "HTTP exchanges with the DigitalOcean API that got a status code.");
	for (size_t i = 0; i < v->account_count; i++) {
		const struct account_view *a = &v->accounts[i];
		for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
			for (int c = APISTATS_CODE_MIN; c <= APISTATS_CODE_MAX; c++) {
				unsigned long long n = a->api->requests[ep][c - APISTATS_CODE_MIN];
				if (n == 0)
					continue;
				snprintf(code, sizeof code, "%d", c);
				struct labels ls = account_labels(a);
				add(&ls, "endpoint", endpoint_name((enum endpoint)ep));
				add(&ls, "code", code);
				expo_sample(e, "doks_api_requests_total", ls.l, ls.n, (double)n);
			}
		}
	}
	/* every reason is exported from the start, so rate() sees the first error */
	expo_family(e, "doks_api_request_errors_total", "counter",
		    "Requests to the DigitalOcean API that produced no usable data, by reason.");
	for (size_t i = 0; i < v->account_count; i++) {
		const struct account_view *a = &v->accounts[i];
		for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
			for (int r = 0; r < REASON_COUNT; r++) {
				/* only the list has links to follow */
				bool list_only = r == REASON_FOREIGN_ORIGIN || r == REASON_PAGE_LOOP;
				if (list_only && ep != ENDPOINT_CLUSTERS && a->api->errors[ep][r] == 0)
					continue;
				struct labels ls = account_labels(a);
				add(&ls, "endpoint", endpoint_name((enum endpoint)ep));
				add(&ls, "reason", reason_name((enum reason)r));
				expo_sample(e, "doks_api_request_errors_total", ls.l, ls.n,
					    (double)a->api->errors[ep][r]);
			}
		}
	}
	expo_family(e, "doks_api_retries_total", "counter",
		    "Requests to the DigitalOcean API tried again after a failure that may pass.");
	for (size_t i = 0; i < v->account_count; i++) {
		const struct account_view *a = &v->accounts[i];
		for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
			struct labels ls = account_labels(a);
			add(&ls, "endpoint", endpoint_name((enum endpoint)ep));
			expo_sample(e, "doks_api_retries_total", ls.l, ls.n, (double)a->api->retries[ep]);
		}
	}
	expo_family(e, "doks_api_connections_total", "counter",
		    "Connections opened to the DigitalOcean API; requests beyond these reused one.");
	for (size_t i = 0; i < v->account_count; i++) {
		struct labels ls = account_labels(&v->accounts[i]);
		expo_sample(e, "doks_api_connections_total", ls.l, ls.n,
			    (double)v->accounts[i].api->connections);
	}
	expo_family(e, "doks_api_throttled_until_timestamp_seconds", "gauge",
		    "Until when requests pause after the API answered 429, in Unix seconds; 0 if never.");
	for (size_t i = 0; i < v->account_count; i++) {
		struct labels ls = account_labels(&v->accounts[i]);
		expo_sample(e, "doks_api_throttled_until_timestamp_seconds", ls.l, ls.n,
			    v->accounts[i].throttled_until);
	}
	expo_family(e, "doks_api_request_duration_seconds", "histogram",
		    "Duration of requests to the DigitalOcean API, in seconds.");
	for (size_t i = 0; i < v->account_count; i++) {
		const struct account_view *a = &v->accounts[i];
		for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
			const struct histogram *h = &a->api->duration[ep];
			const char *epn = endpoint_name((enum endpoint)ep);
			unsigned long long cum = 0;
			char le[40];
			for (int b = 0; b <= APISTATS_BUCKETS; b++) {
				struct labels ls = account_labels(a);
				add(&ls, "endpoint", epn);
				if (b < APISTATS_BUCKETS) {
					cum += h->buckets[b];
					expo_format_value(apistats_bucket_bounds[b], le, sizeof le);
					add(&ls, "le", le);
				} else {
					cum = h->count;
					add(&ls, "le", "+Inf");
				}
				expo_sample(e, "doks_api_request_duration_seconds_bucket", ls.l, ls.n,
					    (double)cum);
			}
			struct labels ls = account_labels(a);
			add(&ls, "endpoint", epn);
			expo_sample(e, "doks_api_request_duration_seconds_sum", ls.l, ls.n, h->sum);
			expo_sample(e, "doks_api_request_duration_seconds_count", ls.l, ls.n,
				    (double)h->count);
		}
	}
	static const struct {
		const char *name;
		const char *help;
	} limits[] = {
		{ "doks_api_rate_limit_limit",
		  "Requests per hour the API allows the token (ratelimit-limit of the latest answer)." },
		{ "doks_api_rate_limit_remaining",
		  "Requests the token has left in the hour (the lowest ratelimit-remaining of the latest window)." },
		{ "doks_api_rate_limit_reset_timestamp_seconds",
		  "When the oldest counted request expires (ratelimit-reset of the latest answer), in Unix seconds." },
	};
	for (size_t k = 0; k < 3; k++) {
		bool any = false;
		for (size_t i = 0; i < v->account_count; i++)
			any = any || v->accounts[i].api->have_rate_limit;
		if (!any)
			break;
		expo_family(e, limits[k].name, "gauge", limits[k].help);
		for (size_t i = 0; i < v->account_count; i++) {
			const struct apistats *s = v->accounts[i].api;
			if (!s->have_rate_limit)
				continue;
			double x = k == 0 ? s->rate_limit_limit :
				   k == 1 ? s->rate_limit_remaining :
					    s->rate_limit_reset;
			struct labels ls = account_labels(&v->accounts[i]);
			expo_sample(e, limits[k].name, ls.l, ls.n, x);
		}
	}
}

enum err metrics_render(const struct exporter_view *v, char **out, size_t *len)
{
	size_t clusters = 0;
	for (size_t i = 0; i < v->account_count; i++)
		clusters += v->accounts[i].count;
	/* about 3 KiB of series per cluster, plus the fixed families */
	struct expo *e = expo_new(32768 + clusters * 3072);
	if (!e)
		return ERR_NOMEM;
	render_clusters(e, v);
	render_upgrades(e, v);
	render_credentials(e, v);
	render_poll(e, v);
	render_api(e, v);
	return expo_finish(e, out, len);
}
