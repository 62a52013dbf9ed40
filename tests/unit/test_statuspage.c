/* test_statuspage.c - statuspage.h: the page of a hand-made published view
 * (hostile names, every verdict, findings, messages, windows), and the page
 * travelling with the snapshot (snapshot.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "statuspage.h"

#define NOW 1795564800.0 /* 2026-11-25T00:00:00Z, a Wednesday */
#define DAY 86400.0

static char *dup_or_fail(const char *s)
{
	char *c = strdup(s);
	assert_non_null(c);
	return c;
}

static void set_cluster(struct cluster_record *r, const char *id, const char *name,
			const char *day, const char *start)
{
	memset(r, 0, sizeof *r);
	r->cluster.id = dup_or_fail(id);
	r->have_cluster = true;
	r->cluster.name = dup_or_fail(name);
	r->cluster.region = dup_or_fail("nyc1");
	r->cluster.version = dup_or_fail("1.29.1-do.0");
	r->cluster.state = CLUSTER_STATE_RUNNING;
	r->have_upgrades = true;
	if (day) {
		assert_true(maintenance_parse(day, start, "4h0m0s", &r->cluster.maintenance));
		r->cluster.have_maintenance = true;
	}
}

static void add_finding(struct cluster_record *r, const char *check,
			enum clusterlint_severity sev, const char *name, const char *message)
{
	struct clusterlint *l = &r->clusterlint;
	struct clusterlint_finding *nf = realloc(l->findings, (l->finding_count + 1) * sizeof *nf);
	assert_non_null(nf);
	l->findings = nf;
	l->findings[l->finding_count++] = (struct clusterlint_finding){
		.check_name = dup_or_fail(check), .severity = sev, .message = dup_or_fail(message),
		.object_kind = dup_or_fail("pod"), .object_namespace = dup_or_fail("default"),
		.object_name = dup_or_fail(name)
	};
	l->counts[sev]++;
}

/* Three clusters: ok, attention, action; the last with a hostile name. */
struct fixture {
	struct cluster_record recs[3];
	struct account_view account;
	struct exporter_view view;
};

static void fixture_init(struct fixture *f, const char *account)
{
	memset(f, 0, sizeof *f);
	set_cluster(&f->recs[0], "aaaa-1", "calm", "saturday", "03:00");
	f->recs[0].have_clusterlint = true; /* never linted */

	set_cluster(&f->recs[1], "bbbb-2", "busy", "thursday", "01:00");
	f->recs[1].have_clusterlint = true;
	f->recs[1].clusterlint.linted = true;
	f->recs[1].clusterlint.completed_at = NOW - DAY;
	add_finding(&f->recs[1], "dobs-pod-owner", CLUSTERLINT_WARNING, "db-0",
		    "Pod referencing DOBS volumes must be owned by StatefulSet");
	f->recs[1].have_status_messages = true;
	f->recs[1].status_messages.total = 2;
	f->recs[1].status_messages.last_timestamp = NOW - 3600;
	f->recs[1].status_messages.recent[0] =
		(struct status_message){ NOW - 3600, dup_or_fail("droplet limit <exceeded> & \"more\"") };
	f->recs[1].status_messages.recent_count = 1;

	set_cluster(&f->recs[2], "cccc-3", "<script>alert(1)</script>&'\"x", "any", "05:00");
	f->recs[2].support = (struct support){ .have_end_of_support = true,
					       .end_of_support = NOW - 20 * DAY,
					       .have_forced_upgrade = true,
					       .forced_upgrade_earliest = NOW + 3 * DAY + 5 * 3600 + 60,
					       .unsupported = true,
					       .listed = true };
	f->recs[2].have_clusterlint = true;
	f->recs[2].clusterlint.linted = true;
	f->recs[2].clusterlint.completed_at = NOW - DAY;
	add_finding(&f->recs[2], "admission-controller-webhook", CLUSTERLINT_ERROR,
		    "<img src=x onerror=alert(2)>", "blocks <b>upgrades</b>");

	f->account = (struct account_view){ .name = account, .clusters = f->recs, .count = 3 };
	f->view = (struct exporter_view){ .accounts = &f->account,
					  .account_count = 1,
					  .now = NOW,
					  .version = "0.1.0<x>" };
}

static void fixture_cleanup(struct fixture *f)
{
	for (size_t i = 0; i < 3; i++)
		cluster_record_cleanup(&f->recs[i]);
}

static char *render(const struct exporter_view *v, const char *path)
{
	char *html = NULL;
	size_t len = 0;
	assert_int_equal(statuspage_render(v, path, &html, &len), ERR_OK);
	assert_non_null(html);
	assert_int_equal(strlen(html), len);
	return html;
}

static void has(const char *html, const char *needle)
{
	if (!strstr(html, needle))
		fail_msg("the page lacks: %s", needle);
}

static void lacks(const char *html, const char *needle)
{
	if (strstr(html, needle))
		fail_msg("the page holds: %s", needle);
}

static void test_page_shape(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, NULL);
	char *html = render(&f.view, "/custom/metrics");
	assert_int_equal(strncmp(html, "<!DOCTYPE html>\n", 16), 0);
	has(html, "</html>\n");
	/* no script, no external asset, light and dark */
	lacks(html, "<script");
	lacks(html, "<img");
	lacks(html, "<link");
	lacks(html, "http://");
	lacks(html, "https://");
	lacks(html, "url(");
	lacks(html, "@import");
	has(html, "@media (prefers-color-scheme: dark)");
	has(html, "color-scheme");
	/* the links */
	has(html, "href=\"/custom/metrics\"");
	has(html, "href=\"/-/healthy\"");
	has(html, "href=\"/-/ready\"");
	/* one row per cluster with its verdict, coloured by class */
	has(html, "data-verdict=\"ok\" data-cluster-id=\"aaaa-1\"");
	has(html, "data-verdict=\"attention\" data-cluster-id=\"bbbb-2\"");
	has(html, "data-verdict=\"action\" data-cluster-id=\"cccc-3\"");
	has(html, "<td class=\"verdict v-action\">action</td>");
	has(html, "<td class=\"verdict v-attention\">attention</td>");
	has(html, "<td class=\"verdict v-ok\">ok</td>");
	has(html, "3 clusters: ");
	/* the --check columns */
	has(html, "<th>VERDICT</th><th>REASONS</th>");
	has(html, "<th>LINT E/W/S</th>");
	has(html, "unsupported,forced_upgrade_soon,clusterlint_errors_before_upgrade");
	/* the countdown, at render time */
	has(html, "in 3 days 5 hours");
	/* the version from the view, escaped */
	has(html, "0.1.0&lt;x&gt;");
	free(html);
	fixture_cleanup(&f);
}

static void test_names_escaped(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, "ops&<team>");
	char *html = render(&f.view, "/metrics");
	lacks(html, "<script>alert");
	lacks(html, "<img src=x");
	lacks(html, "<b>upgrades");
	has(html, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#39;&quot;x");
	has(html, "&lt;img src=x onerror=alert(2)&gt;");
	has(html, "blocks &lt;b&gt;upgrades&lt;/b&gt;");
	has(html, "droplet limit &lt;exceeded&gt; &amp; &quot;more&quot;");
	/* named accounts get their column and prefix the headings */
	has(html, "<th>ACCOUNT</th>");
	has(html, "ops&amp;&lt;team&gt; / busy");
	lacks(html, "<team>");
	free(html);
	fixture_cleanup(&f);
}

/* Control characters in a name (a line break, an escape) become '?'. */
static void test_control_characters(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, NULL);
	free(f.recs[0].cluster.name);
	f.recs[0].cluster.name = dup_or_fail("evil\nname\x1b[31m\x7f");
	char *html = render(&f.view, "/metrics");
	lacks(html, "\x1b");
	lacks(html, "\x7f");
	has(html, "evil?name?[31m?");
	free(html);
	fixture_cleanup(&f);
}

static void test_sections(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, NULL);
	char *html = render(&f.view, "/metrics");
	/* windows, soonest first: "any" 05:00 today, Thursday 01:00, Saturday 03:00 */
	const char *any = strstr(html, "<tr class=\"window\"><td><time datetime=\"2026-11-25T05:00:00Z\">");
	const char *thu = strstr(html, "<tr class=\"window\"><td><time datetime=\"2026-11-26T01:00:00Z\">");
	const char *sat = strstr(html, "<tr class=\"window\"><td><time datetime=\"2026-11-28T03:00:00Z\">");
	assert_non_null(any);
	assert_non_null(thu);
	assert_non_null(sat);
	assert_true(any < thu && thu < sat);
	/* forced upgrades: the one known */
	has(html, "<tr class=\"forced\">");
	has(html, "<time datetime=\"2026-11-28T05:01:00Z\">");
	/* clusterlint: never linted told apart, findings listed */
	has(html, "Never linted");
	has(html, "dobs-pod-owner");
	has(html, "pod default/db-0");
	has(html, "1 error, 0 warnings, 0 suggestions");
	/* status messages */
	has(html, "<tr class=\"status-message\">");
	has(html, "2 messages seen.");
	free(html);
	fixture_cleanup(&f);
}

static void test_empty_view(void **state)
{
	(void)state;
	struct exporter_view v = { .now = NOW, .version = "0.1.0" };
	char *html = render(&v, "/metrics");
	has(html, "0 clusters: ");
	has(html, "No clusters.");
	has(html, "No forced upgrade known.");
	has(html, "No maintenance window known.");
	has(html, "No clusterlint result yet.");
	has(html, "No status message.");
	free(html);
}

/* Many findings: the page lists the first few and counts the rest. */
static void test_findings_capped(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, NULL);
	for (int i = 0; i < STATUSPAGE_FINDINGS_MAX + 5; i++)
		add_finding(&f.recs[0], "many", CLUSTERLINT_SUGGESTION, "p", "m");
	f.recs[0].clusterlint.linted = true;
	f.recs[0].clusterlint.findings_dropped = 7;
	char *html = render(&f.view, "/metrics");
	has(html, "12 more: see <code>doks_exporter --check --output json</code>");
	free(html);
	fixture_cleanup(&f);
}

/* The page staged at a publication travels with that snapshot; a snapshot
 * published without one has none; a reader keeps its page while newer
 * ones are published. */
static void test_page_in_snapshot(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, NULL);
	snapshot_set_gzip(false);
	statuspage_stage(&f.view, "/metrics");
	char *body = dup_or_fail("doks_up 1\n");
	snapshot_publish(body, strlen(body));
	struct snapshot *s = snapshot_acquire();
	assert_non_null(s);
	size_t len = 0;
	const char *page = snapshot_page(s, &len);
	assert_non_null(page);
	assert_int_equal(strlen(page), len);
	assert_non_null(strstr(page, "data-cluster-id=\"bbbb-2\""));

	/* the next publication, without a page */
	body = dup_or_fail("doks_up 2\n");
	snapshot_publish(body, strlen(body));
	struct snapshot *s2 = snapshot_acquire();
	assert_null(snapshot_page(s2, &len));
	assert_int_equal(len, 0);
	/* the first reader's page is still whole */
	assert_non_null(strstr(page, "</html>"));
	snapshot_release(s);
	snapshot_release(s2);

	/* a page staged twice: the second wins, the first is freed */
	statuspage_stage(&f.view, "/first");
	statuspage_stage(&f.view, "/second");
	body = dup_or_fail("doks_up 3\n");
	snapshot_publish(body, strlen(body));
	s = snapshot_acquire();
	page = snapshot_page(s, &len);
	assert_non_null(strstr(page, "href=\"/second\""));
	assert_null(strstr(page, "href=\"/first\""));
	snapshot_release(s);
	/* a staged page never published is freed at shutdown */
	statuspage_stage(&f.view, "/metrics");
	snapshot_shutdown();
	fixture_cleanup(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_shape),
		cmocka_unit_test(test_names_escaped),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_empty_view),
		cmocka_unit_test(test_findings_capped),
		cmocka_unit_test(test_page_in_snapshot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
