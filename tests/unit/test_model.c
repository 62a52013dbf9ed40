/* test_model.c - model.h: cluster ids, arrays of clusters, the names of
 * states and upgrade kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "model.h"

/* ---- ids --------------------------------------------------------------- */

static void test_id_is_valid(void **state)
{
	(void)state;
	char id[80];
	memset(id, 'a', 64);
	id[64] = '\0';
	assert_true(cluster_id_is_valid(id));
	id[64] = 'b';
	id[65] = '\0';
	assert_false(cluster_id_is_valid(id));
	assert_true(cluster_id_is_valid("a"));
	assert_true(cluster_id_is_valid("bd5f5959-5e1e-4205-a714-a914373942af"));
	assert_true(cluster_id_is_valid("ABC-123"));
	assert_false(cluster_id_is_valid(""));
	assert_false(cluster_id_is_valid(".."));
	assert_false(cluster_id_is_valid("."));
	assert_false(cluster_id_is_valid("a/b"));
	assert_false(cluster_id_is_valid("a%2Fb"));
	assert_false(cluster_id_is_valid("a_b"));
	assert_false(cluster_id_is_valid("a b"));
	assert_false(cluster_id_is_valid("a?b"));
	assert_false(cluster_id_is_valid("a#b"));
	assert_false(cluster_id_is_valid("caf\xc3\xa9"));
	assert_false(cluster_id_is_valid("a\n"));
}

/* ---- arrays of clusters --------------------------------------------- */

/* Every string of every cluster is freed: a leak shows under valgrind and
 * LeakSanitizer (make check). */
static void test_cluster_array_free(void **state)
{
	(void)state;
	cluster_array_free(NULL, 0);
	struct cluster *a = calloc(3, sizeof *a);
	assert_non_null(a);
	for (size_t i = 0; i < 3; i++) {
		a[i].id = strdup("id");
		a[i].name = strdup("name");
		a[i].region = strdup("nyc1");
		a[i].version = strdup("1.29.1-do.0");
		assert_true(a[i].id && a[i].name && a[i].region && a[i].version);
	}
	cluster_array_free(a, 3);
	/* an array of no cluster is still an allocation to free */
	cluster_array_free(calloc(1, sizeof(struct cluster)), 0);
}

/* ---- names ------------------------------------------------------------- */

static void test_state_names_round_trip(void **state)
{
	(void)state;
	for (int s = 0; s < CLUSTER_STATE_COUNT; s++)
		assert_int_equal(cluster_state_parse(cluster_state_name((enum cluster_state)s)), s);
	assert_int_equal(cluster_state_parse(""), CLUSTER_STATE_UNKNOWN);
	assert_int_equal(cluster_state_parse(NULL), CLUSTER_STATE_UNKNOWN);
	assert_int_equal(cluster_state_parse("Running"), CLUSTER_STATE_UNKNOWN);
	assert_string_equal(cluster_state_name(CLUSTER_STATE_COUNT), "unknown");
}

static void test_upgrade_kind(void **state)
{
	(void)state;
	assert_int_equal(upgrade_kind_of("1.29.1-do.0", "1.29.2-do.0"), UPGRADE_KIND_PATCH);
	assert_int_equal(upgrade_kind_of("1.29.1-do.0", "1.30.0-do.0"), UPGRADE_KIND_MINOR);
	assert_int_equal(upgrade_kind_of("1.29.1-do.0", "2.0.0-do.0"), UPGRADE_KIND_MINOR);
	assert_int_equal(upgrade_kind_of("1.29.1-do.0", "1.28.9-do.0"), UPGRADE_KIND_UNKNOWN);
	assert_int_equal(upgrade_kind_of("1.29.1-do.0", "latest"), UPGRADE_KIND_UNKNOWN);
	assert_int_equal(upgrade_kind_of(NULL, "1.29.2-do.0"), UPGRADE_KIND_UNKNOWN);
	assert_string_equal(upgrade_kind_name(UPGRADE_KIND_PATCH), "patch");
	assert_string_equal(upgrade_kind_name(UPGRADE_KIND_MINOR), "minor");
	assert_string_equal(upgrade_kind_name((enum upgrade_kind)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_is_valid),
		cmocka_unit_test(test_cluster_array_free),
		cmocka_unit_test(test_state_names_round_trip),
		cmocka_unit_test(test_upgrade_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
