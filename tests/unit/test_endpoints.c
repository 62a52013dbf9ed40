/* test_endpoints.c - src/endpoints/: each endpoint's path, when it is
 * wanted, what its answer updates, and the change signals of /upgrades;
 * the table that the scheduler walks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "endpoints/endpoint.h"
#include "registry.h"

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

static void test_paths(void **state)
{
	(void)state;
	char buf[ENDPOINT_PATH_MAX];
	endpoint_cluster.path(buf, sizeof buf, NULL, ID);
	assert_string_equal(buf, "/v2/kubernetes/clusters/" ID);
	endpoint_upgrades.path(buf, sizeof buf, NULL, ID);
	assert_string_equal(buf, "/v2/kubernetes/clusters/" ID "/upgrades");
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
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
