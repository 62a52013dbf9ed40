/* test_scheduler.c - scheduler.h: what goes next (priorities, due times,
 * signals, the limit on how many), and the plan (each endpoint's interval
 * within the budget, the lowest priorities stretched first). Pure, so the
 * clock is a number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "scheduler.h"

#define EPS 1e-6

/* Three kinds of cluster task, as the endpoint files set them. */
static const struct sched_kind kinds[3] = {
	{ SCHED_PRIO_LIST, SCHED_PRIO_LIST },         /* a read by id */
	{ SCHED_PRIO_AGED, SCHED_PRIO_SIGNALLED },    /* /upgrades */
	{ SCHED_PRIO_CREDENTIALS, SCHED_PRIO_CREDENTIALS },
};
static const struct sched_kind account_kinds[2] = {
	{ SCHED_PRIO_LIST, SCHED_PRIO_LIST },
	{ SCHED_PRIO_OPTIONS, SCHED_PRIO_OPTIONS },
};

static const struct sched_cluster *at(const void *ctx, size_t i)
{
	return &((const struct sched_cluster *)ctx)[i];
}

static struct sched_view view(const struct sched_task *acct, const struct sched_cluster *c,
			      size_t n, double now)
{
	return (struct sched_view){ .now = now, .account = acct, .account_kind = account_kinds,
				    .account_count = 2, .kind = kinds, .kinds = 3, .clusters = n,
				    .cluster = at, .ctx = c };
}

static struct sched_task task(double due, bool signal)
{
	return (struct sched_task){ .due = due, .signal = signal, .last_attempt = -1 };
}

static void test_priority_order(void **state)
{
	(void)state;
	struct sched_task acct[2] = { task(5, false), task(5, false) };
	struct sched_cluster c[2] = {
		{ { task(INFINITY, false), task(1, false), task(0, false) } },
		{ { task(INFINITY, false), task(3, true), task(INFINITY, false) } },
	};
	struct sched_view v = view(acct, c, 2, 10);
	struct sched_pick out[8];
	double next;
	size_t n = sched_pick(&v, out, 8, &next);
	assert_int_equal(n, 5);
	/* the list, /options, the signalled /upgrades, the aged one, credentials */
	assert_true(out[0].cluster == SCHED_ACCOUNT && out[0].task == 0);
	assert_true(out[1].cluster == SCHED_ACCOUNT && out[1].task == 1);
	assert_true(out[2].cluster == 1 && out[2].task == 1 && out[2].priority == SCHED_PRIO_SIGNALLED);
	assert_true(out[3].cluster == 0 && out[3].task == 1 && out[3].priority == SCHED_PRIO_AGED);
	assert_true(out[4].cluster == 0 && out[4].task == 2);
	assert_true(isinf(next));
}

/* A nearly spent window holds the low priorities back: they are neither
 * picked nor counted as due, while the list and /upgrades still go. */
static void test_hold_from(void **state)
{
	(void)state;
	struct sched_task acct[2] = { task(5, false), task(INFINITY, false) };
	struct sched_cluster c[1] = { { { task(INFINITY, false), task(1, false), task(0, false) } } };
	struct sched_view v = view(acct, c, 1, 10);
	v.hold_from = SCHED_PRIO_CREDENTIALS;
	struct sched_pick out[8];
	double next;
	size_t n = sched_pick(&v, out, 8, &next);
	assert_int_equal(n, 2);
	assert_true(out[0].cluster == SCHED_ACCOUNT && out[0].task == 0);
	assert_true(out[1].cluster == 0 && out[1].task == 1);
	assert_true(isinf(next));
	/* 0: nothing held */
	v.hold_from = 0;
	assert_int_equal(sched_pick(&v, out, 8, &next), 3);
}

static void test_due_time_and_limit(void **state)
{
	(void)state;
	struct sched_task acct[2] = { task(100, false), task(INFINITY, false) };
	struct sched_cluster c[4] = {
		{ { task(INFINITY, false), task(7, false), task(INFINITY, false) } },
		{ { task(INFINITY, false), task(3, false), task(INFINITY, false) } },
		{ { task(INFINITY, false), task(5, false), task(INFINITY, false) } },
		{ { task(INFINITY, false), task(50, false), task(INFINITY, false) } },
	};
	struct sched_view v = view(acct, c, 4, 10);
	struct sched_pick out[2];
	double next;
	/* two of three due: the earliest due first; the third is still due */
	size_t n = sched_pick(&v, out, 2, &next);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].cluster, 1);
	assert_int_equal(out[1].cluster, 2);
	assert_float_equal(next, 7, EPS);
	/* nothing picked: only when the next is due */
	n = sched_pick(&v, out, 0, &next);
	assert_int_equal(n, 0);
	assert_float_equal(next, 3, EPS);
	/* later: nothing due before 50 */
	v.now = 8;
	for (size_t i = 0; i < 3; i++)
		c[i].task[1].due = 60;
	n = sched_pick(&v, out, 2, &next);
	assert_int_equal(n, 0);
	assert_float_equal(next, 50, EPS);
}

static void test_next_due_has_slack(void **state)
{
	(void)state;
	assert_float_equal(sched_next_due(1000, 300), 1000 + 300 * (1 - SCHED_SLACK), EPS);
	assert_true(isinf(sched_next_due(1000, 0)));
	assert_true(isinf(sched_next_due(1000, INFINITY)));
}

/* Rows as the poller makes them: list, read by id, options, upgrades,
 * credentials. */
static void demands(struct sched_demand d[5], double clusters)
{
	d[0] = (struct sched_demand){ ceil(clusters / 200), 300, SCHED_PRIO_LIST };
	d[1] = (struct sched_demand){ 0, 300, SCHED_PRIO_LIST };
	d[2] = (struct sched_demand){ 1, 3600, SCHED_PRIO_OPTIONS };
	d[3] = (struct sched_demand){ clusters, 3600, SCHED_PRIO_AGED };
	d[4] = (struct sched_demand){ clusters, 3600, SCHED_PRIO_CREDENTIALS };
}

/* The plan follows the priorities, not the order the rows come in. */
static void test_plan_orders_by_priority(void **state)
{
	(void)state;
	struct sched_demand d[5], r[5];
	struct sched_plan_entry p[5], q[5];
	demands(d, 10000);
	for (int i = 0; i < 5; i++)
		r[i] = d[4 - i];
	double a = sched_plan(2500, d, 5, p);
	double b = sched_plan(2500, r, 5, q);
	assert_float_equal(a, b, 1e-9);
	for (int i = 0; i < 5; i++) {
		assert_float_equal(p[i].interval, q[4 - i].interval, 1e-9);
		assert_true(p[i].stretched == q[4 - i].stretched);
	}
	/* credentials, the lowest, is stretched most */
	assert_true(q[0].interval > q[1].interval);
}

static void test_plan_fits(void **state)
{
	(void)state;
	struct sched_demand d[5];
	struct sched_plan_entry p[5];
	demands(d, 1000);
	double total = sched_plan(2500, d, 5, p);
	for (int i = 0; i < 5; i++)
		assert_false(p[i].stretched);
	assert_float_equal(p[0].interval, 300, EPS);
	assert_float_equal(p[3].interval, 3600, EPS);
	/* 5 pages every 285 s, 1,000 upgrades and 1,000 credentials an
	 * hour (each 5 % early), one /options */
	double want = 5 * 3600 / 285.0 + (1 + 1000 + 1000) * 3600 / 3420.0;
	assert_float_equal(total, want, 1e-6);
	assert_true(total <= 2500 * (1 - SCHED_RESERVE));
}

static void test_plan_stretches_lowest_first(void **state)
{
	(void)state;
	struct sched_demand d[5];
	struct sched_plan_entry p[5];
	demands(d, 10000);
	double total = sched_plan(2500, d, 5, p);
	/* the list and /options keep their intervals */
	assert_false(p[0].stretched);
	assert_float_equal(p[0].interval, 300, EPS);
	assert_false(p[2].stretched);
	/* upgrades and credentials stretch; credentials most, to its floor */
	assert_true(p[3].stretched);
	assert_true(p[4].stretched);
	assert_true(p[4].interval > p[3].interval);
	assert_float_equal(p[4].per_hour, 2500 * SCHED_FLOOR, 1e-6);
	/* never more than the budget less the reserve */
	assert_true(total <= 2500 * (1 - SCHED_RESERVE) + 1e-6);
	assert_float_equal(total, 2500 * (1 - SCHED_RESERVE), 1e-6);
}

static void test_plan_list_keeps_its_interval_while_it_fits(void **state)
{
	(void)state;
	struct sched_demand d[5];
	struct sched_plan_entry p[5];
	/* 100,000 clusters: 500 pages every 285 s is 6,316 an hour: too much */
	demands(d, 100000);
	sched_plan(2500, d, 5, p);
	assert_true(p[0].stretched);
	assert_float_equal(p[0].per_hour, 2500 * (1 - SCHED_RESERVE), 1e-6);
	/* the others still get their floor */
	assert_true(p[3].per_hour > 0 && p[4].per_hour > 0);
}

static void test_plan_unlimited_and_disabled(void **state)
{
	(void)state;
	struct sched_demand d[5];
	struct sched_plan_entry p[5];
	demands(d, 1000);
	d[4].interval = 0; /* credentials off */
	double total = sched_plan(0, d, 5, p);
	assert_float_equal(p[4].per_hour, 0, EPS);
	for (int i = 0; i < 5; i++)
		assert_false(p[i].stretched);
	assert_true(total > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_order),
		cmocka_unit_test(test_due_time_and_limit),
		cmocka_unit_test(test_hold_from),
		cmocka_unit_test(test_next_due_has_slack),
		cmocka_unit_test(test_plan_fits),
		cmocka_unit_test(test_plan_orders_by_priority),
		cmocka_unit_test(test_plan_stretches_lowest_first),
		cmocka_unit_test(test_plan_list_keeps_its_interval_while_it_fits),
		cmocka_unit_test(test_plan_unlimited_and_disabled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
