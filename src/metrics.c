/* metrics.c - the exporter's state into Prometheus families.
 *
 * Family order is fixed and series within a family follow the clusters'
 * order (sorted by id), so that the output is stable from one cycle to
 * the next and diffs of golden files stay readable.
 */
#include "metrics.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exposition.h"

static const char *const poll_endpoint_names[POLL_COUNT] = { "cluster", "upgrades",
							      "credentials" };

/* cluster_id and cluster_name, then up to four more labels */
struct cluster_labels {
	struct label l[6];
	size_t n;
};

static struct cluster_labels labels_of(const struct cluster_record *r)
{
	struct cluster_labels cl = { .n = 2 };
	cl.l[0] = (struct label){ "cluster_id", r->cluster.id };
	cl.l[1] = (struct label){ "cluster_name", r->cluster.name ? r->cluster.name : "" };
	return cl;
}

static void add(struct cluster_labels *cl, const char *name, const char *value)
{
	cl->l[cl->n++] = (struct label){ name, value };
}

/* One gauge family with one series per cluster that has its cluster data. */
typedef double (*cluster_value_fn)(const struct cluster_record *r);

static void cluster_gauge(struct expo *e, const struct exporter_view *v, const char *name,
			  const char *help, cluster_value_fn fn)
{
	expo_family(e, name, "gauge", help);
	for (size_t i = 0; i < v->count; i++) {
		const struct cluster_record *r = &v->clusters[i];
		if (!r->have_cluster)
			continue;
		struct cluster_labels cl = labels_of(r);
		expo_sample(e, name, cl.l, cl.n, fn(r));
	}
}

static double auto_upgrade(const struct cluster_record *r) { return r->cluster.auto_upgrade; }
static double surge_upgrade(const struct cluster_record *r) { return r->cluster.surge_upgrade; }
static double ha(const struct cluster_record *r) { return r->cluster.ha; }
static double node_pools(const struct cluster_record *r) { return (double)r->cluster.node_pools; }
static double nodes(const struct cluster_record *r) { return (double)r->cluster.nodes; }

static void render_clusters(struct expo *e, const struct exporter_view *v)
{
	expo_family(e, "doks_cluster_info", "gauge",
		    "Information about a DOKS cluster; the value is always 1.");
	for (size_t i = 0; i < v->count; i++) {
		const struct cluster_record *r = &v->clusters[i];
		if (!r->have_cluster)
			continue;
		struct cluster_labels cl = labels_of(r);
		add(&cl, "region_slug", r->cluster.region);
		add(&cl, "version_slug", r->cluster.version);
		expo_sample(e, "doks_cluster_info", cl.l, cl.n, 1);
	}

	expo_family(e, "doks_cluster_status", "gauge",
		    "Current state of the cluster: 1 for the state it is in, 0 for the others.");
	for (size_t i = 0; i < v->count; i++) {
		const struct cluster_record *r = &v->clusters[i];
		if (!r->have_cluster)
			continue;
		for (int s = 0; s < CLUSTER_STATE_COUNT; s++) {
			struct cluster_labels cl = labels_of(r);
			add(&cl, "state", cluster_state_name((enum cluster_state)s));
			expo_sample(e, "doks_cluster_status", cl.l, cl.n, r->cluster.state == (enum cluster_state)s);
		}
	}

	cluster_gauge(e, v, "doks_cluster_auto_upgrade_enabled",
		      "Whether the cluster upgrades itself to new patch versions (1) or not (0).",
		      auto_upgrade);
	cluster_gauge(e, v, "doks_cluster_surge_upgrade_enabled",
		      "Whether surge upgrades are enabled for the cluster (1) or not (0).",
		      surge_upgrade);
	cluster_gauge(e, v, "doks_cluster_ha_enabled",
		      "Whether the cluster has a highly available control plane (1) or not (0).",
		      ha);
	cluster_gauge(e, v, "doks_cluster_node_pools", "Number of node pools of the cluster.",
		      node_pools);
	cluster_gauge(e, v, "doks_cluster_nodes",
		      "Number of nodes of the cluster: the sum of its node pools' counts.", nodes);
}

static void render_upgrades(struct expo *e, const struct exporter_view *v)
{
	expo_family(e, "doks_cluster_upgrade_available", "gauge",
		    "Whether the API offers at least one version to upgrade the cluster to.");
	for (size_t i = 0; i < v->count; i++) {
		const struct cluster_record *r = &v->clusters[i];
		if (!r->have_upgrades)
			continue;
		struct cluster_labels cl = labels_of(r);
		expo_sample(e, "doks_cluster_upgrade_available", cl.l, cl.n, r->upgrades.count > 0);
	}
	expo_family(e, "doks_cluster_available_upgrades", "gauge",
		    "Number of versions the API offers to upgrade the cluster to.");
	for (size_t i = 0; i < v->count; i++) {
		const struct cluster_record *r = &v->clusters[i];
		if (!r->have_upgrades)
			continue;
		struct cluster_labels cl = labels_of(r);
		expo_sample(e, "doks_cluster_available_upgrades", cl.l, cl.n,
			    (double)r->upgrades.count);
	}
	expo_family(e, "doks_cluster_available_upgrade_info", "gauge",
		    "A version the API offers to upgrade the cluster to; the value is always 1.");
	for (size_t i = 0; i < v->count; i++) {
		const struct cluster_record *r = &v->clusters[i];
		if (!r->have_upgrades)
			continue;
		for (size_t u = 0; u < r->upgrades.count; u++) {
			struct cluster_labels cl = labels_of(r);
			add(&cl, "version_slug", r->upgrades.versions[u].slug);
			add(&cl, "kubernetes_version", r->upgrades.versions[u].kubernetes_version);
			expo_sample(e, "doks_cluster_available_upgrade_info", cl.l, cl.n, 1);
		}
	}
}

static void render_credentials(struct expo *e, const struct exporter_view *v)
{
	if (!v->credentials_enabled)
		return;
	expo_family(e, "doks_cluster_credentials_expiry_timestamp_seconds", "gauge",
		    "When the credentials the API issued for the cluster expire, in Unix seconds.");
	for (size_t i = 0; i < v->count; i++) {
		const struct cluster_record *r = &v->clusters[i];
		if (!r->have_credentials || !r->credentials.has_expiry)
			continue;
		struct cluster_labels cl = labels_of(r);
		expo_sample(e, "doks_cluster_credentials_expiry_timestamp_seconds", cl.l, cl.n,
			    r->credentials.expires_at);
	}
}

static void render_poll(struct expo *e, const struct exporter_view *v)
{
	expo_family(e, "doks_exporter_poll_success", "gauge",
		    "Whether the latest request of this endpoint for the cluster succeeded.");
	for (size_t i = 0; i < v->count; i++) {
		const struct cluster_record *r = &v->clusters[i];
		for (int p = 0; p < POLL_COUNT; p++) {
			if (!r->poll[p].attempted)
				continue;
			struct cluster_labels cl = labels_of(r);
			add(&cl, "endpoint", poll_endpoint_names[p]);
			expo_sample(e, "doks_exporter_poll_success", cl.l, cl.n, r->poll[p].success);
		}
	}
	expo_family(e, "doks_exporter_last_poll_success_timestamp_seconds", "gauge",
		    "When a request of this endpoint for the cluster last succeeded, in Unix seconds.");
	for (size_t i = 0; i < v->count; i++) {
		const struct cluster_record *r = &v->clusters[i];
		for (int p = 0; p < POLL_COUNT; p++) {
			if (r->poll[p].last_success <= 0)
				continue;
			struct cluster_labels cl = labels_of(r);
			add(&cl, "endpoint", poll_endpoint_names[p]);
			expo_sample(e, "doks_exporter_last_poll_success_timestamp_seconds", cl.l, cl.n,
				    r->poll[p].last_success);
		}
	}
	if (v->discovery_enabled) {
		expo_family(e, "doks_exporter_discovery_success", "gauge",
			    "Whether the latest listing of the account's clusters succeeded.");
		expo_sample(e, "doks_exporter_discovery_success", NULL, 0,
			    v->discovery_attempted && v->discovery_success);
		if (v->last_discovery_success > 0) {
			expo_family(e, "doks_exporter_last_discovery_success_timestamp_seconds",
				    "gauge",
				    "When the listing of the account's clusters last succeeded, in Unix seconds.");
			expo_sample(e, "doks_exporter_last_discovery_success_timestamp_seconds", NULL,
				    0, v->last_discovery_success);
		}
	}
	expo_family(e, "doks_exporter_clusters", "gauge", "Number of clusters the exporter watches.");
	expo_sample(e, "doks_exporter_clusters", NULL, 0, (double)v->count);
	expo_family(e, "doks_exporter_poll_duration_seconds", "gauge",
		    "How long the latest poll cycle took, in seconds.");
	expo_sample(e, "doks_exporter_poll_duration_seconds", NULL, 0, v->poll_duration);
	expo_family(e, "doks_exporter_effective_poll_interval_seconds", "gauge",
		    "Seconds between poll cycles: poll.interval, or longer when the API budget asks for it.");
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
	expo_family(e, "doks_exporter_build_info", "gauge",
		    "Version and revision the exporter was built from; the value is always 1.");
	struct label build[] = { { "version", v->version }, { "revision", v->revision } };
	expo_sample(e, "doks_exporter_build_info", build, 2, 1);
}

static void render_api(struct expo *e, const struct apistats *s, double throttled_until)
{
	char code[8];
	expo_family(e, "doks_api_requests_total", "counter",
		    "HTTP exchanges with the DigitalOcean API that got a status code.");
	for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
		for (int c = APISTATS_CODE_MIN; c <= APISTATS_CODE_MAX; c++) {
			unsigned long long n = s->requests[ep][c - APISTATS_CODE_MIN];
			if (n == 0)
				continue;
			snprintf(code, sizeof code, "%d", c);
			struct label l[] = { { "endpoint", endpoint_name((enum endpoint)ep) },
					     { "code", code } };
			expo_sample(e, "doks_api_requests_total", l, 2, (double)n);
		}
	}
	/* every reason is exported from the start, so rate() sees the first error */
	expo_family(e, "doks_api_request_errors_total", "counter",
		    "Requests to the DigitalOcean API that produced no usable data, by reason.");
	for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
		for (int r = 0; r < REASON_COUNT; r++) {
			/* only the list has links to follow */
			bool list_only = r == REASON_FOREIGN_ORIGIN || r == REASON_PAGE_LOOP;
			if (list_only && ep != ENDPOINT_CLUSTERS && s->errors[ep][r] == 0)
				continue;
			struct label l[] = { { "endpoint", endpoint_name((enum endpoint)ep) },
					     { "reason", reason_name((enum reason)r) } };
			expo_sample(e, "doks_api_request_errors_total", l, 2, (double)s->errors[ep][r]);
		}
	}
	expo_family(e, "doks_api_retries_total", "counter",
		    "Requests to the DigitalOcean API tried again after a failure that may pass.");
	for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
		struct label l[] = { { "endpoint", endpoint_name((enum endpoint)ep) } };
		expo_sample(e, "doks_api_retries_total", l, 1, (double)s->retries[ep]);
	}
	expo_family(e, "doks_api_throttled_until_timestamp_seconds", "gauge",
		    "Until when requests pause after the API answered 429, in Unix seconds; 0 if never.");
	expo_sample(e, "doks_api_throttled_until_timestamp_seconds", NULL, 0, throttled_until);
	expo_family(e, "doks_api_request_duration_seconds", "histogram",
		    "Duration of requests to the DigitalOcean API, in seconds.");
	for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
		const struct histogram *h = &s->duration[ep];
		const char *epn = endpoint_name((enum endpoint)ep);
		unsigned long long cum = 0;
		char le[40];
		for (int b = 0; b < APISTATS_BUCKETS; b++) {
			cum += h->buckets[b];
			expo_format_value(apistats_bucket_bounds[b], le, sizeof le);
			struct label l[] = { { "endpoint", epn }, { "le", le } };
			expo_sample(e, "doks_api_request_duration_seconds_bucket", l, 2, (double)cum);
		}
		struct label inf[] = { { "endpoint", epn }, { "le", "+Inf" } };
		expo_sample(e, "doks_api_request_duration_seconds_bucket", inf, 2, (double)h->count);
		struct label one[] = { { "endpoint", epn } };
		expo_sample(e, "doks_api_request_duration_seconds_sum", one, 1, h->sum);
		expo_sample(e, "doks_api_request_duration_seconds_count", one, 1, (double)h->count);
	}
	if (s->have_rate_limit) {
		expo_family(e, "doks_api_rate_limit_limit", "gauge",
			    "Requests per hour the API allows the token (ratelimit-limit of the latest answer).");
		expo_sample(e, "doks_api_rate_limit_limit", NULL, 0, s->rate_limit_limit);
		expo_family(e, "doks_api_rate_limit_remaining", "gauge",
			    "Requests the token has left in the hour (ratelimit-remaining of the latest answer).");
		expo_sample(e, "doks_api_rate_limit_remaining", NULL, 0, s->rate_limit_remaining);
		expo_family(e, "doks_api_rate_limit_reset_timestamp_seconds", "gauge",
			    "When the oldest counted request expires (ratelimit-reset of the latest answer), in Unix seconds.");
		expo_sample(e, "doks_api_rate_limit_reset_timestamp_seconds", NULL, 0,
			    s->rate_limit_reset);
	}
}

enum err metrics_render(const struct exporter_view *v, char **out, size_t *len)
{
	/* about 2 KiB of series per cluster, plus the fixed families */
	struct expo *e = expo_new(16384 + v->count * 2048);
	if (!e)
		return ERR_NOMEM;
	render_clusters(e, v);
	render_upgrades(e, v);
	render_credentials(e, v);
	render_poll(e, v);
	render_api(e, v->api, v->throttled_until);
	return expo_finish(e, out, len);
}

void metrics_read_process(struct process_stats *p)
{
	long ticks = sysconf(_SC_CLK_TCK);
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/stat", "r");
	if (f) {
		char buf[1024];
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = '\0';
		fclose(f);
		/* the command name may hold spaces and ')': fields follow the last ')' */
		const char *rp = strrchr(buf, ')');
		unsigned long utime, stime;
		long rss;
		if (rp && ticks > 0 &&
		    sscanf(rp + 2,
			   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d "
			   "%*d %*d %*u %*u %ld",
			   &utime, &stime, &rss) == 3) {
			p->cpu_seconds = (double)(utime + stime) / (double)ticks;
			p->resident_bytes = (double)rss * (double)page;
			p->have_cpu = p->have_rss = true;
		}
	}
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		long n = 0;
		const struct dirent *de;
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				n++;
		closedir(d);
		p->open_fds = (double)(n - 1); /* less the one opendir holds */
		p->have_fds = true;
	}
}

/* Appends to buf at *len; false when it does not fit. */
static bool appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += (size_t)n;
	return true;
}

size_t metrics_render_process(const struct process_stats *p, char *buf, size_t size)
{
	char v[4][40];
	expo_format_value(p->cpu_seconds, v[0], sizeof v[0]);
	expo_format_value(p->resident_bytes, v[1], sizeof v[1]);
	expo_format_value(p->open_fds, v[2], sizeof v[2]);
	expo_format_value(p->start_time, v[3], sizeof v[3]);
	size_t len = 0;
	bool ok = true;
	if (p->have_cpu)
		ok = ok && appendf(buf, size, &len,
				   "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
				   "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %s\n",
				   v[0]);
	if (p->have_fds)
		ok = ok && appendf(buf, size, &len,
				   "# HELP process_open_fds Number of open file descriptors.\n"
				   "# TYPE process_open_fds gauge\nprocess_open_fds %s\n",
				   v[2]);
	if (p->have_rss)
		ok = ok && appendf(buf, size, &len,
				   "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
				   "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %s\n",
				   v[1]);
	ok = ok && appendf(buf, size, &len,
			   "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
			   "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %s\n",
			   v[3]);
	return ok ? len : 0;
}
