/* test_registry.c - registry.h: records by id, sorted; new records due
 * at once; removal keeps the order; reserve makes append infallible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "registry.h"

static bool odd_id(const struct record *rec)
{
	size_t n = strlen(rec->r.cluster.id);
	return (rec->r.cluster.id[n - 1] - '0') % 2 == 1;
}

static void test_add_sort_find_remove(void **state)
{
	(void)state;
	struct registry g = { 0 };
	const char *ids[] = { "c-5", "c-1", "c-4", "c-2", "c-3" };
	for (size_t i = 0; i < 5; i++) {
		struct record *rec = registry_add(&g, ids[i]);
		assert_non_null(rec);
		/* every task of a new record is due at once, never tried */
		for (size_t k = 0; k < SCHED_TASKS; k++) {
			assert_true(rec->sched.task[k].due == 0);
			assert_true(rec->sched.task[k].last_attempt < 0);
			assert_false(rec->sched.task[k].signal);
		}
	}
	registry_sort(&g);
	for (size_t i = 0; i + 1 < g.count; i++)
		assert_true(strcmp(g.records[i].r.cluster.id, g.records[i + 1].r.cluster.id) < 0);
	assert_non_null(registry_find(&g, "c-3"));
	assert_null(registry_find(&g, "c-9"));
	registry_remove_if(&g, odd_id);
	assert_int_equal(g.count, 2);
	assert_string_equal(g.records[0].r.cluster.id, "c-2");
	assert_string_equal(g.records[1].r.cluster.id, "c-4");
	assert_null(registry_find(&g, "c-3"));
	registry_cleanup(&g);
	assert_int_equal(g.count, 0);
	assert_null(registry_find(&g, "c-2")); /* an empty registry is searchable */
}

static void test_reserve_then_append(void **state)
{
	(void)state;
	struct registry g = { 0 }, other = { 0 };
	assert_non_null(registry_add(&other, "b"));
	assert_non_null(registry_add(&other, "a"));
	assert_true(registry_reserve(&g, 2));
	assert_true(g.cap >= 2);
	for (size_t i = 0; i < other.count; i++)
		registry_append(&g, &other.records[i]);
	/* the records moved: the source holds nothing to free twice */
	assert_null(other.records[0].r.cluster.id);
	other.count = 0;
	registry_cleanup(&other);
	registry_sort(&g);
	assert_string_equal(g.records[0].r.cluster.id, "a");
	assert_non_null(registry_find(&g, "b"));
	registry_cleanup(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_sort_find_remove),
		cmocka_unit_test(test_reserve_then_append),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
