/* test_endpoints.c - src/endpoints/: each endpoint's path, when it is
 * wanted, what its answer updates, and the change signals of /upgrades;
 * the table that the scheduler walks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoints/endpoint.h"
#include "registry.h"
#include "settings.h"

#define ID "9b47e2a1-3c58-4f0d-8e6a-c2d19f7b5a30"

static struct registry g;

static struct record *fresh(void)
{
	registry_cleanup(&g);
	struct record *rec = registry_add(&g, ID);
	assert_non_null(rec);
	return rec;
}

static int teardown(void **state)
{
	(void)state;
	registry_cleanup(&g);
	return 0;
}

static void test_table_order_and_kinds(void **state)
{
	(void)state;
	assert_ptr_equal(cluster_endpoints[TASK_CLUSTER], &endpoint_cluster);
	assert_ptr_equal(cluster_endpoints[TASK_UPGRADES], &endpoint_upgrades);
	assert_ptr_equal(cluster_endpoints[TASK_CREDENTIALS], &endpoint_credentials);
	assert_true(CLUSTER_ENDPOINT_COUNT <= SCHED_TASKS);
	/* the order: list, options, upgrades signalled, aged, credentials */
	assert_int_equal(endpoint_clusters_kind.priority, SCHED_PRIO_LIST);
	assert_int_equal(endpoint_cluster.kind.priority, SCHED_PRIO_LIST);
	assert_int_equal(endpoint_options_kind.priority, SCHED_PRIO_OPTIONS);
	assert_int_equal(endpoint_upgrades.kind.signal_priority, SCHED_PRIO_SIGNALLED);
	assert_int_equal(endpoint_upgrades.kind.priority, SCHED_PRIO_AGED);
	assert_int_equal(endpoint_credentials.kind.priority, SCHED_PRIO_CREDENTIALS);
	assert_true(endpoint_credentials.secret);
	assert_false(endpoint_upgrades.secret);
}

/* The readiness endpoints: after everything else, read-only, labelled. */
static void test_readiness_rows(void **state)
{
	(void)state;
	static const struct {
		size_t task;
		const struct cluster_endpoint *e;
		const char *name;
		enum endpoint ep;
		enum poll_endpoint poll;
	} rows[] = {
		{ TASK_CLUSTERLINT, &endpoint_clusterlint, "clusterlint", ENDPOINT_CLUSTERLINT,
		  POLL_CLUSTERLINT },
		{ TASK_STATUS_MESSAGES, &endpoint_status_messages, "status_messages",
		  ENDPOINT_STATUS_MESSAGES, POLL_STATUS_MESSAGES },
		{ TASK_ASSOCIATED_RESOURCES, &endpoint_associated_resources, "associated_resources",
		  ENDPOINT_ASSOCIATED_RESOURCES, POLL_ASSOCIATED_RESOURCES },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct cluster_endpoint *e = rows[i].e;
		assert_ptr_equal(cluster_endpoints[rows[i].task], e);
		assert_string_equal(e->name, rows[i].name);
		assert_string_equal(apistats_endpoint_name(e->ep), rows[i].name);
		assert_int_equal(e->ep, rows[i].ep);
		assert_int_equal(e->poll, rows[i].poll);
		assert_false(e->secret);
		/* below /upgrades (signalled or aged) and /credentials, always */
		assert_int_equal(e->kind.priority, SCHED_PRIO_LATER);
		assert_int_equal(e->kind.signal_priority, SCHED_PRIO_LATER);
		assert_true(e->kind.priority > endpoint_upgrades.kind.priority);
		assert_true(e->kind.priority > endpoint_credentials.kind.priority);
	}
	/* only clusterlint takes a non-2xx answer as an answer */
	assert_non_null(endpoint_clusterlint.apply_status);
	assert_null(endpoint_status_messages.apply_status);
	assert_null(endpoint_associated_resources.apply_status);
	assert_null(endpoint_upgrades.apply_status);
	assert_int_equal(CLUSTER_ENDPOINT_COUNT, 6);
}

static void test_paths(void **state)
{
	(void)state;
	char buf[ENDPOINT_PATH_MAX];
	struct record *rec = fresh();
	endpoint_cluster.path(buf, sizeof buf, NULL, rec);
	assert_string_equal(buf, "/v2/kubernetes/clusters/" ID);
	endpoint_upgrades.path(buf, sizeof buf, NULL, rec);
	assert_string_equal(buf, "/v2/kubernetes/clusters/" ID "/upgrades");
	endpoint_clusterlint.path(buf, sizeof buf, NULL, rec);
	assert_string_equal(buf, "/v2/kubernetes/clusters/" ID "/clusterlint");
	endpoint_associated_resources.path(buf, sizeof buf, NULL, rec);
	assert_string_equal(buf, "/v2/kubernetes/clusters/" ID "/destroy_with_associated_resources");
	/* no cursor: every message; then since= the newest seen, in whole
	 * seconds (the .532 message comes again and is dropped) */
	endpoint_status_messages.path(buf, sizeof buf, NULL, rec);
	assert_string_equal(buf, "/v2/kubernetes/clusters/" ID "/status_messages");
	rec->r.status_messages.last_timestamp = 1772449541.532;
	endpoint_status_messages.path(buf, sizeof buf, NULL, rec);
	assert_string_equal(buf, "/v2/kubernetes/clusters/" ID "/status_messages?since=2026-03-02T11:05:41Z");
	assert_string_equal(endpoint_clusters_path, "/v2/kubernetes/clusters?per_page=200");
	assert_string_equal(endpoint_options_path, "/v2/kubernetes/options");
}

static void test_cluster_wanted_only_for_unlisted_ids(void **state)
{
	(void)state;
	struct record *rec = fresh();
	rec->configured = false;
	assert_false(endpoint_cluster.wanted(NULL, rec, true));
	rec->configured = true;
	rec->seen = true;
	assert_false(endpoint_cluster.wanted(NULL, rec, true));  /* the list has it */
	assert_true(endpoint_cluster.wanted(NULL, rec, false));  /* the list failed */
	rec->seen = false;
	assert_true(endpoint_cluster.wanted(NULL, rec, true));   /* not listed */
	/* a gone cluster is asked about by id only */
	rec->gone = true;
	assert_false(endpoint_upgrades.wanted(NULL, rec, true));
}

static void test_cluster_answer_about_another_is_refused(void **state)
{
	(void)state;
	struct record *rec = fresh();
	const char *other = "{\"kubernetes_cluster\": {\"id\": \"00000000-0000-4000-8000-000000000001\","
			    " \"name\": \"x\", \"region\": \"fra1\", \"version\": \"1.29.1-do.0\","
			    " \"status\": {\"state\": \"running\"}, \"node_pools\": []}}";
	assert_int_equal(endpoint_cluster.apply(NULL, rec, other, strlen(other), 0), ERR_SCHEMA);
	assert_false(rec->r.have_cluster);
	const char *mine = "{\"kubernetes_cluster\": {\"id\": \"" ID "\", \"name\": \"staging-api\","
			   " \"region\": \"fra1\", \"version\": \"1.29.1-do.0\","
			   " \"status\": {\"state\": \"running\"}, \"node_pools\": []}}";
	assert_int_equal(endpoint_cluster.apply(NULL, rec, mine, strlen(mine), 0), ERR_OK);
	assert_true(rec->r.have_cluster);
	assert_string_equal(rec->r.cluster.name, "staging-api");
	assert_int_equal(endpoint_cluster.apply(NULL, rec, "{not json", 9, 0), ERR_PARSE);
	assert_string_equal(rec->r.cluster.name, "staging-api"); /* kept */
}

/* A cluster as the list shows it. */
static void show(struct record *rec, const char *version, enum cluster_state state)
{
	free(rec->r.cluster.version);
	rec->r.cluster.version = strdup(version);
	rec->r.cluster.state = state;
	rec->r.have_cluster = true;
}

static const char upgrades_body[] =
	"{\"available_upgrade_versions\": [{\"slug\": \"1.29.2-do.0\", \"kubernetes_version\": \"1.29.2\"}]}";

static void answered(struct record *rec, double now)
{
	assert_int_equal(endpoint_upgrades.apply(NULL, rec, upgrades_body, strlen(upgrades_body), 0),
			 ERR_OK);
	struct sched_task *t = &rec->sched.task[TASK_UPGRADES];
	t->signal = false;
	t->last_attempt = now;
	t->due = now + 3600;
}

static void test_upgrades_answer_remembers_the_version(void **state)
{
	(void)state;
	struct record *rec = fresh();
	show(rec, "1.29.1-do.0", CLUSTER_STATE_RUNNING);
	answered(rec, 100);
	assert_true(rec->r.have_upgrades);
	assert_int_equal(rec->r.upgrades.count, 1);
	assert_string_equal(rec->upgrades_version, "1.29.1-do.0");
	/* a bad answer keeps the last good one */
	assert_int_equal(endpoint_upgrades.apply(NULL, rec, "[]", 2, 0), ERR_SCHEMA);
	assert_int_equal(rec->r.upgrades.count, 1);
}

static void test_signal_a_version_moved(void **state)
{
	(void)state;
	struct record *rec = fresh();
	show(rec, "1.29.1-do.0", CLUSTER_STATE_RUNNING);
	answered(rec, 100);
	struct sched_task *t = &rec->sched.task[TASK_UPGRADES];
	/* the same version again: nothing */
	endpoint_upgrades_note_cluster(rec, 200);
	assert_false(t->signal);
	assert_float_equal(t->due, 3700, 1e-9);
	/* the list shows another version: due now, signalled */
	show(rec, "1.29.2-do.0", CLUSTER_STATE_RUNNING);
	endpoint_upgrades_note_cluster(rec, 300);
	assert_true(t->signal);
	assert_float_equal(t->due, 300, 1e-9);
}

static void test_signal_left_upgrading(void **state)
{
	(void)state;
	struct record *rec = fresh();
	show(rec, "1.29.1-do.0", CLUSTER_STATE_RUNNING);
	answered(rec, 100);
	struct sched_task *t = &rec->sched.task[TASK_UPGRADES];
	show(rec, "1.29.1-do.0", CLUSTER_STATE_UPGRADING);
	endpoint_upgrades_note_cluster(rec, 200); /* entering: nothing */
	endpoint_upgrades_note_cluster(rec, 250); /* staying: nothing */
	assert_false(t->signal);
	show(rec, "1.29.1-do.0", CLUSTER_STATE_DEGRADED);
	endpoint_upgrades_note_cluster(rec, 300); /* leaving, whatever for */
	assert_true(t->signal);
	assert_float_equal(t->due, 300, 1e-9);
}

static void test_sweep_is_aged_and_oldest_first(void **state)
{
	(void)state;
	struct record *rec = fresh();
	show(rec, "1.29.1-do.0", CLUSTER_STATE_RUNNING);
	answered(rec, 100);
	struct sched_task *t = &rec->sched.task[TASK_UPGRADES];
	endpoint_upgrades_sweep(rec);
	assert_false(t->signal);
	assert_float_equal(t->due, 100, 1e-9); /* its last answer's time */
	/* a task already due sooner stays so; one not wanted stays off */
	t->due = 50;
	endpoint_upgrades_sweep(rec);
	assert_float_equal(t->due, 50, 1e-9);
	t->due = INFINITY;
	endpoint_upgrades_sweep(rec);
	assert_true(isinf(t->due));
}

static void test_options_fingerprint(void **state)
{
	(void)state;
	const char *a = "{\"options\": {\"versions\": [{\"slug\": \"1.30.1-do.0\", \"kubernetes_version\": \"1.30.1\"},"
			" {\"slug\": \"1.29.2-do.0\", \"kubernetes_version\": \"1.29.2\"}]}}";
	const char *b = "{\"options\": {\"versions\": [{\"slug\": \"1.29.2-do.0\", \"kubernetes_version\": \"1.29.2\"},"
			" {\"slug\": \"1.30.1-do.0\", \"kubernetes_version\": \"1.30.1\"}]}}";
	const char *c = "{\"options\": {\"versions\": [{\"slug\": \"1.29.2-do.0\", \"kubernetes_version\": \"1.29.2\"},"
			" {\"slug\": \"1.30.2-do.0\", \"kubernetes_version\": \"1.30.2\"}]}}";
	struct upgrades u;
	unsigned long long ha, hb, hc;
	assert_int_equal(endpoint_options_decode(a, strlen(a), &u, &ha), ERR_OK);
	upgrades_cleanup(&u);
	assert_int_equal(endpoint_options_decode(b, strlen(b), &u, &hb), ERR_OK);
	upgrades_cleanup(&u);
	assert_int_equal(endpoint_options_decode(c, strlen(c), &u, &hc), ERR_OK);
	assert_int_equal(u.count, 2);
	upgrades_cleanup(&u);
	assert_true(ha == hb); /* the same set in another order */
	assert_true(ha != hc); /* another set */
}

static void test_list_without_its_key(void **state)
{
	(void)state;
	struct cluster *list = NULL;
	size_t n = 0;
	char *next = NULL;
	const char *missing = "{\"meta\": {\"total\": 0}}";
	assert_int_equal(endpoint_clusters_decode(missing, strlen(missing), &list, &n, &next), ERR_SCHEMA);
	const char *empty = "{\"kubernetes_clusters\": [], \"meta\": {\"total\": 0}}";
	assert_int_equal(endpoint_clusters_decode(empty, strlen(empty), &list, &n, &next), ERR_OK);
	assert_int_equal(n, 0);
	assert_null(next);
	free(list);
}

/* ---- the readiness endpoints ------------------------------------------------ */

/* Settings with the given poll lines; owned (settings_free). */
static struct settings *settings_with(const char *poll)
{
	char path[] = "/tmp/doks_endpoints_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "api = { url = \"http://127.0.0.1:1\"; };\npoll = { %s };\n", poll);
	fclose(f);
	setenv("DIGITALOCEAN_TOKEN", "test-token", 1);
	struct settings_flags flags = { .config_file = path };
	struct settings *s = NULL;
	assert_int_equal(settings_load(&flags, &s), ERR_OK);
	unlink(path);
	return s;
}

static void test_readiness_intervals_and_wanted(void **state)
{
	(void)state;
	struct record *rec = fresh();
	struct settings *s = settings_with("");
	assert_int_equal(endpoint_clusterlint.interval(s), 3600);
	assert_int_equal(endpoint_status_messages.interval(s), 600);
	assert_int_equal(endpoint_associated_resources.interval(s), 3600);
	for (size_t k = TASK_CLUSTERLINT; k < CLUSTER_ENDPOINT_COUNT; k++) {
		assert_true(cluster_endpoints[k]->wanted(s, rec, true));
		assert_true(cluster_endpoints[k]->wanted(s, rec, false));
	}
	rec->gone = true;
	for (size_t k = TASK_CLUSTERLINT; k < CLUSTER_ENDPOINT_COUNT; k++)
		assert_false(cluster_endpoints[k]->wanted(s, rec, true));
	rec->gone = false;
	settings_free(s);
	/* 0 disables each on its own */
	s = settings_with("clusterlint_interval = 0; status_messages_interval = 0;");
	assert_false(endpoint_clusterlint.wanted(s, rec, true));
	assert_false(endpoint_status_messages.wanted(s, rec, true));
	assert_true(endpoint_associated_resources.wanted(s, rec, true));
	settings_free(s);
	s = settings_with("associated_resources_interval = 0; status_messages_interval = 45;");
	assert_false(endpoint_associated_resources.wanted(s, rec, true));
	assert_int_equal(endpoint_status_messages.interval(s), 45);
	settings_free(s);
}

static const char lint_body[] =
	"{\"run_id\": \"r1\", \"completed_at\": \"2026-03-08T04:00:11Z\", \"diagnostics\": ["
	"{\"check_name\": \"dobs-pod-owner\", \"severity\": \"error\", \"message\": \"m\","
	" \"object\": {\"name\": \"db\", \"kind\": \"pod\", \"namespace\": \"default\"}}]}";

static enum err apply_text(const struct cluster_endpoint *e, struct record *rec, const char *body)
{
	return e->apply(NULL, rec, body, strlen(body), 0);
}

static bool status_answer(struct record *rec, struct apistats *stats, long status, const char *body)
{
	/* what api.c does with a non-2xx answer first */
	apistats_count_request(stats, ENDPOINT_CLUSTERLINT, status);
	apistats_count_error(stats, ENDPOINT_CLUSTERLINT, ERR_HTTP);
	struct api_response res = { .status = status, .body = (char *)body, .len = strlen(body) };
	return endpoint_status_answer(&endpoint_clusterlint, stats, rec, &res, 0);
}

static void test_clusterlint_answers(void **state)
{
	(void)state;
	struct record *rec = fresh();
	struct apistats stats = { 0 };
	/* never linted: 404 not_found, an answer, no error counted */
	assert_true(status_answer(rec, &stats, 404,
				  "{\"id\": \"not_found\", \"message\": \"The resource you requested could not be found.\"}"));
	assert_true(rec->r.have_clusterlint);
	assert_false(rec->r.clusterlint.linted);
	assert_int_equal(stats.errors[ENDPOINT_CLUSTERLINT][ERR_HTTP], 0);
	assert_int_equal(stats.requests[ENDPOINT_CLUSTERLINT][404 - APISTATS_CODE_MIN], 1);
	/* a run */
	assert_int_equal(apply_text(&endpoint_clusterlint, rec, lint_body), ERR_OK);
	assert_true(rec->r.clusterlint.linted);
	assert_float_equal(rec->r.clusterlint.completed_at, 1772942411, 1e-9);
	assert_int_equal(rec->r.clusterlint.counts[CLUSTERLINT_ERROR], 1);
	/* a run still going leaves the finished one in place */
	assert_int_equal(apply_text(&endpoint_clusterlint, rec,
				    "{\"run_id\": \"r2\", \"requested_at\": \"2026-03-09T04:00:00Z\", \"diagnostics\": []}"),
			 ERR_OK);
	assert_float_equal(rec->r.clusterlint.completed_at, 1772942411, 1e-9);
	assert_int_equal(rec->r.clusterlint.counts[CLUSTERLINT_ERROR], 1);
	/* a bad body keeps the last good run */
	assert_int_equal(apply_text(&endpoint_clusterlint, rec, "{\"diagnostics\": 1}"), ERR_SCHEMA);
	assert_int_equal(rec->r.clusterlint.finding_count, 1);
	/* other statuses, or a 404 of another kind, are errors as ever */
	assert_false(status_answer(rec, &stats, 500, "{\"id\": \"server_error\"}"));
	assert_false(status_answer(rec, &stats, 404, "<html>not found</html>"));
	assert_false(status_answer(rec, &stats, 403, "{\"id\": \"not_found\"}"));
	assert_int_equal(stats.errors[ENDPOINT_CLUSTERLINT][ERR_HTTP], 3);
	assert_true(rec->r.clusterlint.linted); /* untouched by them */
	/* the other endpoints take no status as an answer */
	struct api_response res = { .status = 404, .body = (char *)"{\"id\": \"not_found\"}",
				    .len = strlen("{\"id\": \"not_found\"}") };
	assert_false(endpoint_status_answer(&endpoint_upgrades, &stats, rec, &res, 0));
	/* a later 404 means the run is gone: never linted again */
	assert_true(status_answer(rec, &stats, 404, "{\"id\": \"not_found\"}"));
	assert_false(rec->r.clusterlint.linted);
	assert_int_equal(rec->r.clusterlint.finding_count, 0);
}

static const char several[] =
	"{\"messages\": ["
	"{\"message\": \"droplet limit exceeded\", \"timestamp\": \"2026-03-02T09:14:03Z\"},"
	"{\"message\": \"delayed \\\"incident\\\"\\nsecond line\", \"timestamp\": \"2026-03-02T10:05:41Z\"},"
	"{\"message\": \"delayed\", \"timestamp\": \"2026-03-02T11:05:41.532Z\"}]}";

static void test_status_messages_answers(void **state)
{
	(void)state;
	struct record *rec = fresh();
	free(rec->r.cluster.name);
	rec->r.cluster.name = strdup("analytics");
	struct capture cap;
	capture_start(&cap);
	assert_int_equal(apply_text(&endpoint_status_messages, rec, several), ERR_OK);
	char *log = capture_end(&cap);
	struct status_messages *m = &rec->r.status_messages;
	assert_true(rec->r.have_status_messages);
	assert_int_equal(m->total, 3);
	assert_float_equal(m->last_timestamp, 1772449541.532, 1e-6);
	assert_int_equal(m->recent_count, 3);
	assert_string_equal(m->recent[0].message, "delayed"); /* newest first */
	assert_string_equal(m->recent[2].message, "droplet limit exceeded");
	/* one line each, at info, the text escaped by the logger */
	assert_non_null(strstr(log, "level=info msg=\"cluster status message\" cluster_id=" ID
				    " cluster_name=analytics timestamp=2026-03-02T09:14:03Z"
				    " text=\"droplet limit exceeded\""));
	assert_non_null(strstr(log, "timestamp=2026-03-02T11:05:41.532Z"));
	assert_non_null(strstr(log, "text=\"delayed \\\"incident\\\"\\nsecond line\""));
	assert_null(strstr(log, "\nsecond line"));
	free(log);
	/* the same answer again (an API that ignores since): nothing new */
	capture_start(&cap);
	assert_int_equal(apply_text(&endpoint_status_messages, rec, several), ERR_OK);
	log = capture_end(&cap);
	assert_null(strstr(log, "cluster status message"));
	free(log);
	assert_int_equal(m->total, 3);
	assert_int_equal(m->recent_count, 3);
	/* three newer: counted, the newest five kept */
	assert_int_equal(apply_text(&endpoint_status_messages, rec,
				    "{\"messages\": [{\"message\": \"d\", \"timestamp\": \"2026-03-03T08:00:00Z\"},"
				    "{\"message\": \"f\", \"timestamp\": \"2026-03-05T08:00:00Z\"},"
				    "{\"message\": \"e\", \"timestamp\": \"2026-03-04T08:00:00Z\"}]}"),
			 ERR_OK);
	assert_int_equal(m->total, 6);
	assert_int_equal(m->recent_count, STATUS_MESSAGES_RECENT);
	assert_string_equal(m->recent[0].message, "f");
	assert_string_equal(m->recent[1].message, "e");
	assert_string_equal(m->recent[4].message, "delayed \"incident\"\nsecond line");
	assert_float_equal(m->last_timestamp, 1772697600, 1e-9);
	/* a bad answer changes nothing */
	assert_int_equal(apply_text(&endpoint_status_messages, rec, "{\"messages\": 3}"), ERR_SCHEMA);
	assert_int_equal(m->total, 6);
	/* an empty answer is an answer */
	assert_int_equal(apply_text(&endpoint_status_messages, rec, "{\"messages\": []}"), ERR_OK);
	assert_int_equal(m->total, 6);
}

static void test_status_messages_cursor_restored(void **state)
{
	(void)state;
	struct record *rec = fresh();
	char since[ENDPOINT_SINCE_MAX];
	endpoint_status_messages_since(rec, since, sizeof since);
	assert_string_equal(since, "");
	/* from the state file, before the first answer */
	endpoint_status_messages_restore(rec, 1772449541.532);
	endpoint_status_messages_since(rec, since, sizeof since);
	assert_string_equal(since, "2026-03-02T11:05:41Z");
	/* the messages up to the cursor are not new after a restart */
	assert_int_equal(apply_text(&endpoint_status_messages, rec, several), ERR_OK);
	assert_int_equal(rec->r.status_messages.total, 0);
	assert_int_equal(rec->r.status_messages.recent_count, 0);
	assert_float_equal(rec->r.status_messages.last_timestamp, 1772449541.532, 1e-6);
	/* once answered, the record's own cursor wins */
	endpoint_status_messages_restore(rec, 1800000000);
	assert_float_equal(rec->r.status_messages.last_timestamp, 1772449541.532, 1e-6);
	struct record *other = fresh();
	endpoint_status_messages_restore(other, 0); /* none kept */
	endpoint_status_messages_since(other, since, sizeof since);
	assert_string_equal(since, "");
}

static void test_associated_resources_answers(void **state)
{
	(void)state;
	struct record *rec = fresh();
	assert_int_equal(apply_text(&endpoint_associated_resources, rec,
				    "{\"load_balancers\": [{\"id\": \"1\", \"name\": \"lb-001\"}, {\"id\": \"2\"}],"
				    " \"volumes\": [], \"volume_snapshots\": [{\"id\": \"3\"}]}"),
			 ERR_OK);
	assert_true(rec->r.have_resources);
	assert_int_equal(rec->r.resources.counts[RESOURCE_LOAD_BALANCER], 2);
	assert_int_equal(rec->r.resources.counts[RESOURCE_VOLUME], 0);
	assert_int_equal(rec->r.resources.counts[RESOURCE_VOLUME_SNAPSHOT], 1);
	assert_int_equal(apply_text(&endpoint_associated_resources, rec, "{\"volumes\": {}}"), ERR_SCHEMA);
	assert_int_equal(rec->r.resources.counts[RESOURCE_LOAD_BALANCER], 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_order_and_kinds),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_cluster_wanted_only_for_unlisted_ids),
		cmocka_unit_test(test_cluster_answer_about_another_is_refused),
		cmocka_unit_test(test_upgrades_answer_remembers_the_version),
		cmocka_unit_test(test_signal_a_version_moved),
		cmocka_unit_test(test_signal_left_upgrading),
		cmocka_unit_test(test_sweep_is_aged_and_oldest_first),
		cmocka_unit_test(test_options_fingerprint),
		cmocka_unit_test(test_list_without_its_key),
		cmocka_unit_test(test_readiness_rows),
		cmocka_unit_test(test_readiness_intervals_and_wanted),
		cmocka_unit_test(test_clusterlint_answers),
		cmocka_unit_test(test_status_messages_answers),
		cmocka_unit_test(test_status_messages_cursor_restored),
		cmocka_unit_test(test_associated_resources_answers),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
