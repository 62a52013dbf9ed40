/* test_metrics.c - metrics.h: an exporter_view built by hand into exact
 * exposition lines, and the structure of the whole text (one TYPE per
 * family, families never split). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apistats.h"
#include "metrics.h"
#include "timeline.h"

/* ---- helpers ----------------------------------------------------------- */


static void assert_no_line(const char *text, const char *line)
{
	if (has_line(text, line))
		fail_msg("unexpected line: %s", line);
}

/* Lines that start with prefix. */
static size_t count_prefix(const char *text, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	for (const char *p = text; *p;) {
		if (strncmp(p, prefix, len) == 0)
			n++;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Every line is HELP, TYPE or a sample; each family has one HELP then one
 * TYPE, appears once, and its samples follow its TYPE without another
 * family in between. */
static void assert_well_formed(const char *text, size_t len)
{
	assert_int_equal(strlen(text), len);
	assert_true(len > 0 && text[len - 1] == '\n');
	char seen[128][96];
	size_t nseen = 0;
	char family[96] = "";
	char type[16] = "";
	char help_of[96] = "";
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		size_t n = (size_t)(nl - p);
		char line[1024];
		assert_true(n > 0 && n < sizeof line);
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		if (strncmp(line, "# HELP ", 7) == 0) {
			assert_true(sscanf(line, "# HELP %95s", help_of) == 1);
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			char name[96], t[16];
			assert_true(sscanf(line, "# TYPE %95s %15s", name, t) == 2);
			if (strcmp(help_of, name) != 0)
				fail_msg("TYPE %s not right after its HELP", name);
			for (size_t i = 0; i < nseen; i++)
				if (strcmp(seen[i], name) == 0)
					fail_msg("family %s appears twice", name);
			assert_true(nseen < 128);
			strcpy(seen[nseen++], name);
			strcpy(family, name);
			strcpy(type, t);
			assert_true(strcmp(t, "gauge") == 0 || strcmp(t, "counter") == 0 ||
				    strcmp(t, "histogram") == 0);
			help_of[0] = '\0';
			continue;
		}
		assert_true(line[0] != '#');
		size_t nlen = strcspn(line, "{ ");
		bool ok = nlen == strlen(family) && strncmp(line, family, nlen) == 0;
		if (!ok && strcmp(type, "histogram") == 0) {
			static const char *const sfx[] = { "_bucket", "_sum", "_count" };
			for (size_t i = 0; i < 3 && !ok; i++)
				ok = ends_with(line, nlen, sfx[i]) &&
				     nlen - strlen(sfx[i]) == strlen(family) &&
				     strncmp(line, family, strlen(family)) == 0;
		}
		if (!ok)
			fail_msg("sample outside its family %s: %s", family, line);
	}
}

/* ---- the view ---------------------------------------------------------- */

struct fixture {
	struct cluster_record rec[3];
	struct upgrade_version versions[2];
	struct apistats api;
	struct account_view account;
	struct exporter_view view;
};

static struct fixture *make_fixture(void)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);

	/* a healthy cluster with two upgrades and token credentials */
	struct cluster_record *a = &f->rec[0];
	a->cluster = (struct cluster){ .id = (char *)"aaa-1", .name = (char *)"prod \"eu\"",
				       .region = (char *)"fra1", .version = (char *)"1.30.1-do.0",
				       .state = CLUSTER_STATE_RUNNING, .auto_upgrade = true,
				       .surge_upgrade = false, .ha = true, .node_pools = 2,
				       .nodes = 5 };
	a->have_cluster = true;
	f->versions[0] = (struct upgrade_version){ .slug = (char *)"1.30.2-do.0",
						   .kubernetes_version = (char *)"1.30.2",
						   .kind = UPGRADE_KIND_PATCH,
						   .first_seen = 1690000100 };
	f->versions[1] = (struct upgrade_version){ .slug = (char *)"1.31.1-do.0",
						   .kubernetes_version = (char *)"1.31.1",
						   .kind = UPGRADE_KIND_MINOR,
						   .first_seen = 1690000200 };
	a->upgrades = (struct upgrades){ .versions = f->versions, .count = 2,
					 .pending_since = 1690000100 };
	a->have_upgrades = true;
	a->credentials = (struct credentials){ .kind = CREDENTIALS_TOKEN, .has_expiry = true,
					       .expires_at = 1573300228.889080,
					       .has_ca_expiry = true, .ca_expires_at = 2111190374 };
	a->have_credentials = true;
	a->poll[POLL_CLUSTER] = (struct poll_status){ true, true, 1700000000 };
	a->poll[POLL_UPGRADES] = (struct poll_status){ true, true, 1700000001 };
	a->poll[POLL_CREDENTIALS] = (struct poll_status){ true, false, 1690000000 };

	/* degraded, up to date, credentials with no expiry, never asked for them */
	struct cluster_record *b = &f->rec[1];
	b->cluster = (struct cluster){ .id = (char *)"bbb-2", .name = (char *)"staging\\x\ny",
				       .region = (char *)"nyc3", .version = (char *)"1.29.9-do.1",
				       .state = CLUSTER_STATE_DEGRADED, .surge_upgrade = true,
				       .node_pools = 1, .nodes = 0 };
	b->have_cluster = true;
	b->have_upgrades = true; /* count 0: up to date */
	b->credentials = (struct credentials){ .kind = CREDENTIALS_CERTIFICATE,
					       .has_client_expiry = true,
					       .client_expires_at = 1798422374 };
	b->have_credentials = true;
	b->poll[POLL_CLUSTER] = (struct poll_status){ true, true, 1700000002 };
	b->poll[POLL_UPGRADES] = (struct poll_status){ true, false, 0 };

	/* listed in the configuration but never fetched */
	struct cluster_record *c = &f->rec[2];
	c->cluster.id = (char *)"ccc-3";
	c->poll[POLL_CLUSTER] = (struct poll_status){ true, false, 0 };

	struct apistats *s = &f->api;
	apistats_count_request(s, ENDPOINT_CLUSTERS, 200);
	apistats_count_request(s, ENDPOINT_CLUSTERS, 200);
	apistats_count_request(s, ENDPOINT_CLUSTERS, 200);
	apistats_count_request(s, ENDPOINT_CLUSTER, 404);
	apistats_count_request(s, ENDPOINT_UPGRADES, 429);
	apistats_count_request(s, ENDPOINT_UPGRADES, 200);
	apistats_count_error(s, ENDPOINT_UPGRADES, ERR_HTTP);
	apistats_count_error(s, ENDPOINT_CLUSTER, ERR_HTTP);
	apistats_count_error(s, ENDPOINT_CREDENTIALS, ERR_TIMEOUT);
	apistats_count_error(s, ENDPOINT_CREDENTIALS, ERR_TIMEOUT);
	apistats_observe_duration(s, ENDPOINT_CLUSTERS, 0.004);
	apistats_observe_duration(s, ENDPOINT_CLUSTERS, 0.1);  /* on a bound */
	apistats_observe_duration(s, ENDPOINT_CLUSTERS, 0.3);
	apistats_observe_duration(s, ENDPOINT_CLUSTERS, 12.0); /* only in +Inf */
	apistats_observe_duration(s, ENDPOINT_UPGRADES, 0.75);
	s->have_rate_limit = true;
	s->rate_limit_limit = 5000;
	s->rate_limit_remaining = 4816;
	s->rate_limit_reset = 1444931833;

	f->account = (struct account_view){
		.clusters = f->rec,
		.count = 3,
		.discovery_enabled = true,
		.discovery_attempted = true,
		.discovery_success = true,
		.last_discovery_success = 1700000003,
		.api = &f->api,
	};
	f->view = (struct exporter_view){
		.accounts = &f->account,
		.account_count = 1,
		.credentials_enabled = true,
		.poll_duration = 0.25,
		.version = "0.1.0",
		.revision = "abc1234",
	};
	return f;
}

static char *render(const struct exporter_view *v)
{
	char *out = NULL;
	size_t len = 0;
	assert_int_equal(metrics_render(v, &out, &len), ERR_OK);
	assert_non_null(out);
	assert_well_formed(out, len);
	return out;
}

#define A "cluster_id=\"aaa-1\",cluster_name=\"prod \\\"eu\\\"\""
#define B "cluster_id=\"bbb-2\",cluster_name=\"staging\\\\x\\ny\""
#define C "cluster_id=\"ccc-3\",cluster_name=\"\""

/* ---- tests ------------------------------------------------------------- */

static void test_cluster_families(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	char *t = render(&f->view);
	assert_line(t, "doks_cluster_info{" A ",region_slug=\"fra1\",version_slug=\"1.30.1-do.0\"} 1");
	assert_line(t, "doks_cluster_info{" B ",region_slug=\"nyc3\",version_slug=\"1.29.9-do.1\"} 1");
	assert_int_equal(count_prefix(t, "doks_cluster_info{"), 2);
	assert_int_equal(count_prefix(t, "doks_cluster_info{cluster_id=\"ccc-3\""), 0);

	assert_int_equal(count_prefix(t, "doks_cluster_status{" A), CLUSTER_STATE_COUNT);
	assert_int_equal(count_prefix(t, "doks_cluster_status{" B), CLUSTER_STATE_COUNT);
	assert_int_equal(count_prefix(t, "doks_cluster_status{" C), 0);
	assert_int_equal(CLUSTER_STATE_COUNT, 8);
	static const char *const states[] = { "running", "provisioning", "degraded", "error",
					      "deleted", "upgrading",    "deleting", "unknown" };
	for (size_t i = 0; i < 8; i++) {
		char line[256];
		snprintf(line, sizeof line, "doks_cluster_status{" A ",state=\"%s\"} %d", states[i],
			 strcmp(states[i], "running") == 0);
		assert_line(t, line);
		snprintf(line, sizeof line, "doks_cluster_status{" B ",state=\"%s\"} %d", states[i],
			 strcmp(states[i], "degraded") == 0);
		assert_line(t, line);
	}

	assert_no_line(t, "doks_cluster_status{" A ",state=\"running\"} 0");
	assert_no_line(t, "doks_cluster_status{" A ",state=\"unknown\"} 1");
	assert_line(t, "doks_cluster_auto_upgrade_enabled{" A "} 1");
	assert_line(t, "doks_cluster_auto_upgrade_enabled{" B "} 0");
	assert_line(t, "doks_cluster_surge_upgrade_enabled{" A "} 0");
	assert_line(t, "doks_cluster_surge_upgrade_enabled{" B "} 1");
	assert_line(t, "doks_cluster_ha_enabled{" A "} 1");
	assert_line(t, "doks_cluster_ha_enabled{" B "} 0");
	assert_line(t, "doks_cluster_node_pools{" A "} 2");
	assert_line(t, "doks_cluster_node_pools{" B "} 1");
	assert_line(t, "doks_cluster_nodes{" A "} 5");
	assert_line(t, "doks_cluster_nodes{" B "} 0");
	assert_int_equal(count_prefix(t, "doks_cluster_nodes{" C), 0);
	free(t);
	free(f);
}

static void test_upgrade_families(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	char *t = render(&f->view);
	assert_line(t, "doks_cluster_upgrade_available{" A "} 1");
	assert_line(t, "doks_cluster_upgrade_available{" B "} 0");
	assert_line(t, "doks_cluster_available_upgrades{" A "} 2");
	assert_line(t, "doks_cluster_available_upgrades{" B "} 0");
	assert_line(t, "doks_cluster_available_upgrade_info{" A
		       ",version_slug=\"1.30.2-do.0\",kubernetes_version=\"1.30.2\",kind=\"patch\"} 1");
	assert_line(t, "doks_cluster_available_upgrade_info{" A
		       ",version_slug=\"1.31.1-do.0\",kubernetes_version=\"1.31.1\",kind=\"minor\"} 1");
	assert_line(t, "doks_cluster_patch_upgrade_available{" A "} 1");
	assert_line(t, "doks_cluster_minor_upgrade_available{" A "} 1");
	assert_line(t, "doks_cluster_patch_upgrade_available{" B "} 0");
	assert_line(t, "doks_cluster_minor_upgrade_available{" B "} 0");
	assert_line(t, "doks_cluster_upgrade_pending_since_timestamp_seconds{" A "} 1690000100");
	/* up to date: no pending-since series */
	assert_int_equal(count_prefix(t, "doks_cluster_upgrade_pending_since_timestamp_seconds{" B), 0);
	assert_line(t, "doks_cluster_available_upgrade_first_seen_timestamp_seconds{" A
		       ",version_slug=\"1.31.1-do.0\"} 1690000200");
	assert_int_equal(count_prefix(t, "doks_cluster_available_upgrade_info{"), 2);
	/* no upgrade data for the unfetched cluster: no series at all */
	assert_int_equal(count_prefix(t, "doks_cluster_upgrade_available{" C), 0);
	assert_int_equal(count_prefix(t, "doks_cluster_available_upgrades{" C), 0);
	assert_int_equal(count_prefix(t, "# TYPE doks_cluster_available_upgrade_info gauge"), 1);
	free(t);
	free(f);
}

static void test_credentials_family(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	char *t = render(&f->view);
	assert_line(t, "# TYPE doks_cluster_credentials_expiry_timestamp_seconds gauge");
	assert_line(t, "doks_cluster_credentials_expiry_timestamp_seconds{" A "} 1573300228.88908");
	/* certificate credentials without an expiry: no series */
	assert_int_equal(count_prefix(t, "doks_cluster_credentials_expiry_timestamp_seconds{"), 1);
	free(t);

	f->view.credentials_enabled = false;
	t = render(&f->view);
	assert_null(strstr(t, "doks_cluster_credentials_expiry_timestamp_seconds"));
	free(t);
	free(f);
}

static void test_poll_families(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	char *t = render(&f->view);
	assert_line(t, "doks_exporter_poll_success{" A ",endpoint=\"cluster\"} 1");
	assert_line(t, "doks_exporter_poll_success{" A ",endpoint=\"upgrades\"} 1");
	assert_line(t, "doks_exporter_poll_success{" A ",endpoint=\"credentials\"} 0");
	assert_line(t, "doks_exporter_poll_success{" B ",endpoint=\"cluster\"} 1");
	assert_line(t, "doks_exporter_poll_success{" B ",endpoint=\"upgrades\"} 0");
	assert_line(t, "doks_exporter_poll_success{" C ",endpoint=\"cluster\"} 0");
	/* never attempted: no series */
	assert_int_equal(count_prefix(t, "doks_exporter_poll_success{"), 6);
	assert_int_equal(count_prefix(t, "doks_exporter_poll_success{" B ",endpoint=\"credentials\""), 0);
	assert_int_equal(count_prefix(t, "doks_exporter_poll_success{" C ",endpoint=\"upgrades\""), 0);

	assert_line(t, "doks_exporter_last_poll_success_timestamp_seconds{" A ",endpoint=\"cluster\"} 1700000000");
	assert_line(t, "doks_exporter_last_poll_success_timestamp_seconds{" A ",endpoint=\"upgrades\"} 1700000001");
	assert_line(t, "doks_exporter_last_poll_success_timestamp_seconds{" A ",endpoint=\"credentials\"} 1690000000");
	assert_line(t, "doks_exporter_last_poll_success_timestamp_seconds{" B ",endpoint=\"cluster\"} 1700000002");
	assert_int_equal(count_prefix(t, "doks_exporter_last_poll_success_timestamp_seconds{"), 4);

	assert_line(t, "doks_exporter_discovery_success 1");
	assert_line(t, "doks_exporter_last_discovery_success_timestamp_seconds 1700000003");
	assert_line(t, "doks_exporter_clusters 3");
	assert_line(t, "doks_exporter_poll_duration_seconds 0.25");
	assert_line(t, "doks_exporter_build_info{version=\"0.1.0\",revision=\"abc1234\"} 1");
	free(t);

	f->account.discovery_success = false;
	f->account.last_discovery_success = 0;
	t = render(&f->view);
	assert_line(t, "doks_exporter_discovery_success 0");
	assert_null(strstr(t, "doks_exporter_last_discovery_success_timestamp_seconds"));
	free(t);

	f->account.discovery_enabled = false;
	t = render(&f->view);
	assert_null(strstr(t, "doks_exporter_discovery_success"));
	free(t);
	free(f);
}

static void test_api_families(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	char *t = render(&f->view);
	assert_line(t, "# TYPE doks_api_requests_total counter");
	assert_line(t, "doks_api_requests_total{endpoint=\"clusters\",code=\"200\"} 3");
	assert_line(t, "doks_api_requests_total{endpoint=\"cluster\",code=\"404\"} 1");
	assert_line(t, "doks_api_requests_total{endpoint=\"upgrades\",code=\"429\"} 1");
	assert_line(t, "doks_api_requests_total{endpoint=\"upgrades\",code=\"200\"} 1");
	assert_int_equal(count_prefix(t, "doks_api_requests_total{"), 4);

	assert_line(t, "# TYPE doks_api_request_errors_total counter");
	/* every reason from the start, so that rate() sees the first error;
	 * foreign_origin and page_loop only for the list, the one with links */
	int reasons = 0;
	for (int e = 0; e < ERR_COUNT; e++)
		reasons += err_reason((enum err)e) != NULL;
	assert_int_equal(reasons, 10);
	assert_int_equal(count_prefix(t, "doks_api_request_errors_total{endpoint=\"clusters\","),
			 reasons);
	assert_int_equal(count_prefix(t, "doks_api_request_errors_total{endpoint=\"cluster\","),
			 reasons - 2);
	assert_int_equal(count_prefix(t, "doks_api_request_errors_total{"),
			 reasons + (ENDPOINT_COUNT - 1) * (reasons - 2));
	assert_line(t, "doks_api_request_errors_total{endpoint=\"clusters\",reason=\"foreign_origin\"} 0");
	assert_no_line(t, "doks_api_request_errors_total{endpoint=\"upgrades\",reason=\"page_loop\"} 0");
	assert_line(t, "doks_api_request_errors_total{endpoint=\"upgrades\",reason=\"status\"} 1");
	assert_line(t, "doks_api_request_errors_total{endpoint=\"credentials\",reason=\"timeout\"} 2");
	assert_line(t, "doks_api_request_errors_total{endpoint=\"clusters\",reason=\"page_loop\"} 0");

	assert_line(t, "# TYPE doks_api_request_duration_seconds histogram");
	static const struct {
		const char *le;
		int n;
	} want[] = { { "0.005", 1 }, { "0.01", 1 }, { "0.025", 1 }, { "0.05", 1 },
		     { "0.1", 2 },   { "0.25", 2 }, { "0.5", 3 },   { "1", 3 },
		     { "2.5", 3 },   { "5", 3 },    { "10", 3 },    { "+Inf", 4 } };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char line[160];
		snprintf(line, sizeof line,
			 "doks_api_request_duration_seconds_bucket{endpoint=\"clusters\",le=\"%s\"} %d",
			 want[i].le, want[i].n);
		assert_line(t, line);
	}
	assert_line(t, "doks_api_request_duration_seconds_count{endpoint=\"clusters\"} 4");
	assert_line(t, "doks_api_request_duration_seconds_sum{endpoint=\"clusters\"} 12.404");
	assert_line(t, "doks_api_request_duration_seconds_bucket{endpoint=\"upgrades\",le=\"0.5\"} 0");
	assert_line(t, "doks_api_request_duration_seconds_bucket{endpoint=\"upgrades\",le=\"1\"} 1");
	assert_line(t, "doks_api_request_duration_seconds_bucket{endpoint=\"upgrades\",le=\"+Inf\"} 1");
	assert_line(t, "doks_api_request_duration_seconds_bucket{endpoint=\"credentials\",le=\"+Inf\"} 0");
	assert_line(t, "doks_api_request_duration_seconds_count{endpoint=\"credentials\"} 0");
	assert_int_equal(count_prefix(t, "doks_api_request_duration_seconds_bucket{"),
			 ENDPOINT_COUNT * (APISTATS_BUCKETS + 1));

	assert_line(t, "doks_api_rate_limit_limit 5000");
	assert_line(t, "doks_api_rate_limit_remaining 4816");
	assert_line(t, "doks_api_rate_limit_reset_timestamp_seconds 1444931833");
	free(t);

	f->api.have_rate_limit = false;
	t = render(&f->view);
	assert_null(strstr(t, "doks_api_rate_limit"));
	free(t);
	free(f);
}

/* The histogram of every endpoint is cumulative and ends at its count,
 * whatever was observed. */
static void test_histogram_cumulative(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	for (int i = 0; i < 200; i++)
		apistats_observe_duration(&f->api, ENDPOINT_CREDENTIALS, (double)i * 0.0625);
	char *t = render(&f->view);
	for (int ep = 0; ep < ENDPOINT_COUNT; ep++) {
		char prefix[128];
		snprintf(prefix, sizeof prefix,
			 "doks_api_request_duration_seconds_bucket{endpoint=\"%s\",le=\"",
			 apistats_endpoint_name((enum endpoint)ep));
		double last = -1;
		int buckets = 0;
		for (const char *p = t; (p = strstr(p, prefix)) != NULL; p++) {
			const char *sp = strchr(p, ' ');
			double v = strtod(sp + 1, NULL);
			assert_true(v >= last);
			last = v;
			buckets++;
		}
		assert_int_equal(buckets, APISTATS_BUCKETS + 1);
		char line[128];
		snprintf(line, sizeof line, "doks_api_request_duration_seconds_count{endpoint=\"%s\"} %.0f",
			 apistats_endpoint_name((enum endpoint)ep), last);
		assert_line(t, line);
	}
	assert_line(t, "doks_api_request_duration_seconds_bucket{endpoint=\"credentials\",le=\"10\"} 161");
	assert_line(t, "doks_api_request_duration_seconds_bucket{endpoint=\"credentials\",le=\"+Inf\"} 200");
	free(t);
	free(f);
}

/* The request plan: one interval per planned endpoint, an age only for
 * endpoints with an answer, the cost; with the account label when named. */
static void test_plan_families(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	struct endpoint_plan plan[] = {
		{ .endpoint = "clusters", .interval = 300, .have_age = true, .oldest_age = 12.5 },
		{ .endpoint = "upgrades", .interval = 21600, .have_age = false },
	};
	f->account.name = "prod";
	f->account.plan = plan;
	f->account.plan_count = 2;
	f->account.planned_per_hour = 2250;
	char *t = render(&f->view);
	assert_line(t, "doks_exporter_endpoint_interval_seconds{account=\"prod\",endpoint=\"clusters\"} 300");
	assert_line(t, "doks_exporter_endpoint_interval_seconds{account=\"prod\",endpoint=\"upgrades\"} 21600");
	assert_line(t, "doks_exporter_oldest_data_age_seconds{account=\"prod\",endpoint=\"clusters\"} 12.5");
	assert_null(strstr(t, "doks_exporter_oldest_data_age_seconds{account=\"prod\",endpoint=\"upgrades\"}"));
	assert_line(t, "doks_exporter_planned_requests_per_hour{account=\"prod\"} 2250");
	free(t);
	free(f);
}

static void test_every_family_once(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	char *t = render(&f->view);
	static const char *const families[] = {
		"doks_cluster_info",
		"doks_cluster_status",
		"doks_cluster_auto_upgrade_enabled",
		"doks_cluster_surge_upgrade_enabled",
		"doks_cluster_ha_enabled",
		"doks_cluster_node_pools",
		"doks_cluster_nodes",
		"doks_cluster_maintenance_window_info",
		"doks_cluster_next_maintenance_window_timestamp_seconds",
		"doks_cluster_upgrade_available",
		"doks_cluster_patch_upgrade_available",
		"doks_cluster_minor_upgrade_available",
		"doks_cluster_available_upgrades",
		"doks_cluster_available_upgrade_info",
		"doks_cluster_upgrade_pending_since_timestamp_seconds",
		"doks_cluster_available_upgrade_first_seen_timestamp_seconds",
		/* support timeline (its view-wide families need a table) and upgrade history */
		"doks_cluster_end_of_support_timestamp_seconds",
		"doks_cluster_forced_upgrade_earliest_timestamp_seconds",
		"doks_cluster_upgrades_total",
		"doks_cluster_last_upgrade_end_timestamp_seconds",
		"doks_cluster_last_upgrade_duration_seconds",
		"doks_cluster_last_upgrade_success",
		"doks_cluster_credentials_expiry_timestamp_seconds",
		"doks_cluster_ca_certificate_expiry_timestamp_seconds",
		"doks_cluster_client_certificate_expiry_timestamp_seconds",
		"doks_cluster_credentials_info",
		"doks_cluster_clusterlint_diagnostics",
		"doks_cluster_clusterlint_last_run_timestamp_seconds",
		"doks_cluster_status_messages_total",
		"doks_cluster_last_status_message_timestamp_seconds",
		"doks_cluster_associated_resources",
		"doks_exporter_poll_success",
		"doks_exporter_last_poll_success_timestamp_seconds",
		"doks_exporter_discovery_success",
		"doks_exporter_last_discovery_success_timestamp_seconds",
		"doks_exporter_clusters",
		"doks_exporter_oldest_data_age_seconds",
		"doks_exporter_endpoint_interval_seconds",
		"doks_exporter_planned_requests_per_hour",
		"doks_exporter_poll_duration_seconds",
		"doks_exporter_effective_poll_interval_seconds",
		"doks_exporter_config_last_reload_successful",
		"doks_exporter_config_last_reload_success_timestamp_seconds",
		"doks_exporter_shard_info",
		"doks_exporter_build_info",
		"doks_api_requests_total",
		"doks_api_request_errors_total",
		"doks_api_retries_total",
		"doks_api_connections_total",
		"doks_api_throttled_until_timestamp_seconds",
		"doks_api_request_duration_seconds",
		"doks_api_rate_limit_limit",
		"doks_api_rate_limit_remaining",
		"doks_api_rate_limit_reset_timestamp_seconds",
	};
	size_t n = sizeof families / sizeof families[0];
	for (size_t i = 0; i < n; i++) {
		char type[160], help[160];
		snprintf(type, sizeof type, "# TYPE %s ", families[i]);
		snprintf(help, sizeof help, "# HELP %s ", families[i]);
		if (count_prefix(t, type) != 1 || count_prefix(t, help) != 1)
			fail_msg("family %s: %zu TYPE, %zu HELP lines", families[i],
				 count_prefix(t, type), count_prefix(t, help));
	}
	assert_int_equal(count_prefix(t, "# TYPE "), n);
	/* no process_* family here: the server adds those (process.h) */
	assert_null(strstr(t, "process_"));
	free(t);
	free(f);
}

/* Clusterlint, status messages and associated resources: a run with
 * findings, a clean run, a cluster never linted, one never asked. */
static void test_readiness_families(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	struct clusterlint_check checks[] = {
		{ (char *)"dobs-pod-owner", CLUSTERLINT_ERROR, 0 },
		{ (char *)"dobs-pod-owner", CLUSTERLINT_WARNING, 2 },
		{ (char *)"dobs-pod-owner", CLUSTERLINT_SUGGESTION, 0 },
	};
	struct cluster_record *a = &f->rec[0], *b = &f->rec[1], *c = &f->rec[2];
	a->clusterlint = (struct clusterlint){ .linted = true, .completed_at = 1772942411,
					       .counts = { 0, 2, 0 }, .checks = checks,
					       .check_count = 3 };
	a->have_clusterlint = true;
	a->status_messages = (struct status_messages){ .total = 4, .last_timestamp = 1772524800.5 };
	a->have_status_messages = true;
	a->resources = (struct associated_resources){ { 2, 1, 3 } };
	a->have_resources = true;
	a->poll[POLL_CLUSTERLINT] = (struct poll_status){ true, true, 1700000003 };
	b->clusterlint = (struct clusterlint){ .linted = true }; /* clean, not completed */
	b->have_clusterlint = true;
	b->have_status_messages = true; /* none yet: the counter at 0, no time */
	c->have_clusterlint = true; /* never linted */
	char *t = render(&f->view);
	assert_line(t, "doks_cluster_clusterlint_diagnostics{" A ",severity=\"error\",check_name=\"dobs-pod-owner\"} 0");
	assert_line(t, "doks_cluster_clusterlint_diagnostics{" A ",severity=\"warning\",check_name=\"dobs-pod-owner\"} 2");
	assert_line(t, "doks_cluster_clusterlint_diagnostics{" A ",severity=\"suggestion\",check_name=\"dobs-pod-owner\"} 0");
	assert_int_equal(count_prefix(t, "doks_cluster_clusterlint_diagnostics{cluster_id=\"bbb-2\""), 3);
	assert_line(t, "doks_cluster_clusterlint_diagnostics{" B ",severity=\"error\",check_name=\"\"} 0");
	assert_int_equal(count_prefix(t, "doks_cluster_clusterlint_diagnostics{cluster_id=\"ccc-3\""), 0);
	assert_int_equal(count_prefix(t, "doks_cluster_clusterlint_last_run_timestamp_seconds{"), 1);
	assert_line(t, "doks_cluster_clusterlint_last_run_timestamp_seconds{" A "} 1772942411");
	assert_line(t, "doks_cluster_status_messages_total{" A "} 4");
	assert_line(t, "doks_cluster_status_messages_total{" B "} 0");
	assert_int_equal(count_prefix(t, "doks_cluster_status_messages_total{"), 2);
	assert_line(t, "doks_cluster_last_status_message_timestamp_seconds{" A "} 1772524800.5");
	assert_int_equal(count_prefix(t, "doks_cluster_last_status_message_timestamp_seconds{"), 1);
	assert_line(t, "doks_cluster_associated_resources{" A ",kind=\"load_balancer\"} 2");
	assert_line(t, "doks_cluster_associated_resources{" A ",kind=\"volume\"} 1");
	assert_line(t, "doks_cluster_associated_resources{" A ",kind=\"volume_snapshot\"} 3");
	assert_int_equal(count_prefix(t, "doks_cluster_associated_resources{"), 3);
	assert_line(t, "doks_exporter_poll_success{" A ",endpoint=\"clusterlint\"} 1");
	assert_line(t, "# TYPE doks_cluster_status_messages_total counter");
	free(t);
	free(f);
}

/* Versions the API offers, accounts, certificates and maintenance windows. */
static void test_issue_four_families(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	struct upgrade_version offered[] = {
		{ .slug = (char *)"1.29.9-do.1", .kubernetes_version = (char *)"1.29.9" },
		{ .slug = (char *)"1.31.1-do.0", .kubernetes_version = (char *)"1.31.1" },
		{ .slug = (char *)"1.32.0-do.0", .kubernetes_version = (char *)"1.32.0" },
	};
	struct upgrades options = { .versions = offered, .count = 3 };
	f->view.options_enabled = true;
	f->view.options_attempted = true;
	f->view.options_success = true;
	f->view.last_options_success = 1700000009;
	f->view.options = &options;
	/* a's 1.30.1 is no longer offered and two minors behind 1.32 */
	f->view.now = 1795564800; /* Wednesday 2026-11-25 00:00 UTC */
	assert_true(maintenance_parse("Friday", "02:00", NULL, &f->rec[0].cluster.maintenance));
	f->rec[0].cluster.have_maintenance = true;
	char *t = render(&f->view);
	assert_line(t, "doks_kubernetes_version_available{version_slug=\"1.32.0-do.0\",kubernetes_version=\"1.32.0\"} 1");
	assert_int_equal(count_prefix(t, "doks_kubernetes_version_available{"), 3);
	assert_line(t, "doks_cluster_version_supported{" A "} 0");
	assert_line(t, "doks_cluster_version_supported{" B "} 1");
	assert_line(t, "doks_cluster_minor_versions_behind{" A "} 2");
	assert_line(t, "doks_cluster_minor_versions_behind{" B "} 3");
	assert_line(t, "doks_exporter_options_success 1");
	assert_line(t, "doks_exporter_last_options_success_timestamp_seconds 1700000009");
	assert_line(t, "doks_cluster_maintenance_window_info{" A ",day=\"friday\",start_time=\"02:00\"} 1");
	/* Friday 2026-11-27 02:00 UTC */
	assert_line(t, "doks_cluster_next_maintenance_window_timestamp_seconds{" A "} 1795744800");
	assert_int_equal(count_prefix(t, "doks_cluster_maintenance_window_info{"), 1);
	assert_line(t, "doks_cluster_ca_certificate_expiry_timestamp_seconds{" A "} 2111190374");
	assert_line(t, "doks_cluster_client_certificate_expiry_timestamp_seconds{" B "} 1798422374");
	assert_line(t, "doks_cluster_credentials_info{" A ",auth=\"token\"} 1");
	assert_line(t, "doks_cluster_credentials_info{" B ",auth=\"certificate\"} 1");
	/* without an account list, no account label anywhere */
	assert_null(strstr(t, "account="));
	free(t);

	/* named accounts: the label leads every cluster and API series */
	f->account.name = "prod";
	t = render(&f->view);
	assert_line(t, "doks_cluster_info{account=\"prod\",cluster_id=\"aaa-1\",cluster_name=\"prod \\\"eu\\\"\",region_slug=\"fra1\",version_slug=\"1.30.1-do.0\"} 1");
	assert_line(t, "doks_api_requests_total{account=\"prod\",endpoint=\"clusters\",code=\"200\"} 3");
	assert_line(t, "doks_exporter_clusters{account=\"prod\"} 3");
	assert_line(t, "doks_exporter_discovery_success{account=\"prod\"} 1");
	free(t);
	free(f);
}

static void test_supported_and_behind(void **state)
{
	(void)state;
	struct upgrade_version offered[] = {
		{ .slug = (char *)"1.30.5-do.0", .kubernetes_version = (char *)"1.30.5" },
		{ .slug = (char *)"1.31.2-do.1", .kubernetes_version = (char *)"1.31.2" },
		{ .slug = (char *)"bogus", .kubernetes_version = (char *)"x" },
	};
	struct upgrades o = { .versions = offered, .count = 3 };
	assert_true(metrics_version_supported(&o, "1.31.2-do.1"));
	assert_false(metrics_version_supported(&o, "1.31.2-do.0"));
	assert_int_equal(metrics_minor_versions_behind(&o, "1.31.2-do.1"), 0);
	assert_int_equal(metrics_minor_versions_behind(&o, "1.29.0-do.0"), 2);
	assert_int_equal(metrics_minor_versions_behind(&o, "1.32.0-do.0"), 0); /* ahead */
	assert_int_equal(metrics_minor_versions_behind(&o, "2.0.0"), -1);        /* another major */
	assert_int_equal(metrics_minor_versions_behind(&o, "garbage"), -1);
	struct upgrades none = { 0 };
	assert_int_equal(metrics_minor_versions_behind(&none, "1.31.2-do.1"), -1);
}

static void test_empty_view(void **state)
{
	(void)state;
	struct apistats api;
	memset(&api, 0, sizeof api);
	struct account_view a = { .api = &api };
	struct exporter_view v = { .accounts = &a, .account_count = 1, .version = "v", .revision = "r" };
	char *t = render(&v);
	assert_line(t, "doks_exporter_clusters 0");
	assert_line(t, "# TYPE doks_cluster_info gauge");
	assert_int_equal(count_prefix(t, "doks_cluster_info"), 0);
	assert_int_equal(count_prefix(t, "doks_api_requests_total{"), 0);
	assert_line(t, "doks_api_request_errors_total{endpoint=\"clusters\",reason=\"status\"} 0");
	free(t);
}

/* Two named accounts: every family walks them in order, each series
 * under its own account, and a family shown for one account (discovery,
 * rate limits) has no series for the other. */
static void test_two_accounts(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	struct apistats quiet;
	memset(&quiet, 0, sizeof quiet);
	apistats_count_retry(&quiet, ENDPOINT_UPGRADES);
	quiet.connections = 2;
	struct account_view accounts[2] = { f->account, {
		.name = "dev",
		.clusters = &f->rec[1],
		.count = 1,
		.api = &quiet,
		.throttled_until = 1700000100,
		.planned_per_hour = 12,
	} };
	accounts[0].name = "prod";
	f->view.accounts = accounts;
	f->view.account_count = 2;
	char *t = render(&f->view);

	assert_line(t, "doks_cluster_nodes{account=\"prod\"," B "} 0");
	assert_line(t, "doks_cluster_nodes{account=\"dev\"," B "} 0");
	assert_int_equal(count_prefix(t, "doks_cluster_nodes{"), 3);
	assert_int_equal(count_prefix(t, "doks_cluster_status{account=\"dev\","), CLUSTER_STATE_COUNT);
	assert_line(t, "doks_exporter_clusters{account=\"prod\"} 3");
	assert_line(t, "doks_exporter_clusters{account=\"dev\"} 1");
	/* prod's series come first in every family */
	const char *prod = strstr(t, "doks_exporter_clusters{account=\"prod\"}");
	const char *dev = strstr(t, "doks_exporter_clusters{account=\"dev\"}");
	assert_true(prod && dev && prod < dev);

	assert_line(t, "doks_exporter_discovery_success{account=\"prod\"} 1");
	assert_null(strstr(t, "doks_exporter_discovery_success{account=\"dev\"}"));
	assert_line(t, "doks_api_rate_limit_limit{account=\"prod\"} 5000");
	assert_null(strstr(t, "doks_api_rate_limit_limit{account=\"dev\"}"));
	assert_line(t, "doks_api_retries_total{account=\"dev\",endpoint=\"upgrades\"} 1");
	assert_line(t, "doks_api_connections_total{account=\"dev\"} 2");
	assert_line(t, "doks_api_throttled_until_timestamp_seconds{account=\"dev\"} 1700000100");
	assert_line(t, "doks_exporter_planned_requests_per_hour{account=\"dev\"} 12");
	assert_line(t, "doks_api_request_duration_seconds_count{account=\"dev\",endpoint=\"clusters\"} 0");
	assert_int_equal(count_prefix(t, "doks_api_requests_total{account=\"dev\","), 0);
	/* one sample each, whatever the number of accounts */
	assert_int_equal(count_prefix(t, "doks_exporter_build_info{"), 1);
	assert_int_equal(count_prefix(t, "doks_exporter_poll_duration_seconds "), 1);
	free(t);
	free(f);
}

/* The support timeline's families and the upgrade history's. */
static void test_support_and_history_families(void **state)
{
	(void)state;
	struct fixture *f = make_fixture();
	static const char table[] =
		"{\"taken\": \"2025-11-19\", \"releases\": ["
		"{\"release\": \"1.29\", \"end_of_support\": \"2025-02-28\", \"upgrades_begin\": \"2025-03-27\"},"
		"{\"release\": \"1.30\", \"end_of_support\": \"2025-06-28\", \"upgrades_begin\": \"2025-07-27\"}]}";
	struct timeline *tl = NULL;
	assert_int_equal(timeline_load_text("t", table, strlen(table), &tl), ERR_OK);
	f->view.timeline = tl;
	f->view.now = 1763510400 + 1000; /* taken + 1000 s */
	f->rec[0].support = (struct support){ .have_end_of_support = true, .end_of_support = 1751068800,
					      .have_forced_upgrade = true,
					      .forced_upgrade_earliest = 1753912800, .listed = true };
	/* bbb-2: an upgrade that ended degraded, then one in progress */
	struct upgrade_history *h = &f->rec[1].history;
	h->events[0] = (struct upgrade_event){ .from = (char *)"1.29.8-do.0", .to = (char *)"1.29.9-do.1",
					       .kind = UPGRADE_KIND_PATCH, .start = 1700000000,
					       .end = 1700001800, .outcome = CLUSTER_STATE_DEGRADED };
	h->events[1] = (struct upgrade_event){ .from = (char *)"1.29.9-do.1", .start = 1700100000,
					       .outcome = CLUSTER_STATE_UPGRADING };
	h->count = 2;
	h->ended[UPGRADE_KIND_PATCH] = 3;
	char *t = render(&f->view);
	assert_line(t, "doks_cluster_end_of_support_timestamp_seconds{" A "} 1751068800");
	assert_line(t, "doks_cluster_forced_upgrade_earliest_timestamp_seconds{" A "} 1753912800");
	assert_int_equal(count_prefix(t, "doks_cluster_end_of_support_timestamp_seconds{" B), 0);
	assert_int_equal(count_prefix(t, "doks_cluster_forced_upgrade_earliest_timestamp_seconds{" B), 0);
	assert_line(t, "doks_kubernetes_release_end_of_support_timestamp_seconds{release=\"1.29\"} 1740700800");
	assert_line(t, "doks_kubernetes_release_end_of_support_timestamp_seconds{release=\"1.30\"} 1751068800");
	assert_line(t, "doks_exporter_support_timeline_age_seconds 1000");
	assert_line(t, "# TYPE doks_cluster_upgrades_total counter");
	assert_line(t, "doks_cluster_upgrades_total{" A ",kind=\"patch\"} 0");
	assert_line(t, "doks_cluster_upgrades_total{" A ",kind=\"minor\"} 0");
	assert_line(t, "doks_cluster_upgrades_total{" A ",kind=\"unknown\"} 0");
	assert_line(t, "doks_cluster_upgrades_total{" B ",kind=\"patch\"} 3");
	assert_int_equal(count_prefix(t, "doks_cluster_upgrades_total{" C), 0);
	assert_line(t, "doks_cluster_last_upgrade_end_timestamp_seconds{" B "} 1700001800");
	assert_line(t, "doks_cluster_last_upgrade_duration_seconds{" B "} 1800");
	assert_line(t, "doks_cluster_last_upgrade_success{" B "} 0");
	assert_int_equal(count_prefix(t, "doks_cluster_last_upgrade_success{" A), 0);
	free(t);
	/* no table: no view-wide support families */
	f->view.timeline = NULL;
	t = render(&f->view);
	assert_null(strstr(t, "doks_kubernetes_release_end_of_support_timestamp_seconds"));
	assert_null(strstr(t, "doks_exporter_support_timeline_age_seconds"));
	free(t);
	timeline_free(tl);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cluster_families),
		cmocka_unit_test(test_upgrade_families),
		cmocka_unit_test(test_credentials_family),
		cmocka_unit_test(test_poll_families),
		cmocka_unit_test(test_api_families),
		cmocka_unit_test(test_histogram_cumulative),
		cmocka_unit_test(test_every_family_once),
		cmocka_unit_test(test_readiness_families),
		cmocka_unit_test(test_empty_view),
		cmocka_unit_test(test_plan_families),
		cmocka_unit_test(test_issue_four_families),
		cmocka_unit_test(test_supported_and_behind),
		cmocka_unit_test(test_two_accounts),
		cmocka_unit_test(test_support_and_history_families),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
