/* scheduler.h - which API request goes next, and how often each endpoint
 * can be read within the budget.
 *
 * Pure: no I/O, no clock, no allocation. Given the time, the tasks and
 * their priorities it says what is due, highest priority first; given the
 * budget and the fleet it makes the plan (each endpoint's interval). The
 * poller drives it with the real clock, `make simulate` with a virtual one.
 *
 * Every (cluster, endpoint) pair is a task with a due time. Priorities,
 * highest (lowest number) first: the cluster list (and a configured
 * cluster read by id), /options, /upgrades after a change signal,
 * /upgrades at its maximum age, /credentials, then later endpoints.
 */
#ifndef DOKS_SCHEDULER_H
#define DOKS_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>

enum sched_priority {
	SCHED_PRIO_LIST = 0,
	SCHED_PRIO_OPTIONS = 1,
	SCHED_PRIO_SIGNALLED = 2,
	SCHED_PRIO_AGED = 3,
	SCHED_PRIO_CREDENTIALS = 4,
	SCHED_PRIO_LATER = 5,
};

/* Per-cluster tasks a record holds at most (one per cluster endpoint). */
#define SCHED_TASKS 6

/* A task is scheduled this share of its interval early, so that queueing
 * behind other due tasks still keeps its data within the interval. */
#define SCHED_SLACK 0.05

/* Of the hourly budget, the plan leaves this share free for change-driven
 * reads and retries, and gives every endpoint below the first at least
 * SCHED_FLOOR of it, so that none is starved outright. */
#define SCHED_RESERVE 0.10
#define SCHED_FLOOR 0.05

struct sched_task {
	double due;  /* when it is wanted next; INFINITY: not wanted */
	bool signal; /* a change asks for it: its kind's signal priority applies */
	double last_attempt; /* < 0: never */
};

struct sched_kind {
	int priority;
	int signal_priority;
};

struct sched_cluster {
	struct sched_task task[SCHED_TASKS];
};

/* The cluster tasks of i, for i < view.clusters; borrowed. */
typedef const struct sched_cluster *(*sched_cluster_fn)(const void *ctx, size_t i);

struct sched_view {
	double now;
	/* account tasks (the list, /options), each with its kind */
	const struct sched_task *account;
	const struct sched_kind *account_kind;
	size_t account_count;
	/* cluster tasks: kind[k] is the kind of every cluster's task[k] */
	const struct sched_kind *kind;
	size_t kinds; /* <= SCHED_TASKS */
	size_t clusters;
	sched_cluster_fn cluster;
	const void *ctx;
	/* Tasks whose priority is this or lower (a larger number) wait and
	 * are not counted in *next: the hourly window is nearly spent and
	 * its rest is kept for the list and change-driven reads. 0: none
	 * wait (the list's priority is never held). */
	int hold_from;
};

#define SCHED_ACCOUNT ((size_t)-1)

struct sched_pick {
	size_t cluster; /* SCHED_ACCOUNT for an account task */
	size_t task;    /* index in account[] or in the cluster's task[] */
	int priority;
	double due;
};

/* Up to max tasks due at v->now, highest priority first, earliest due
 * first within one priority; returns how many it wrote to out. *next gets
 * the earliest due time of the tasks it did not pick (INFINITY: none;
 * v->now or earlier: more are due than max). */
size_t sched_pick(const struct sched_view *v, struct sched_pick *out, size_t max, double *next);

/* The priority a task runs at now. */
int sched_task_priority(const struct sched_task *t, const struct sched_kind *k);

/* ---- the plan ----------------------------------------------------------- */

/* What one endpoint asks of the budget. */
struct sched_demand {
	double units;    /* requests one read of everything costs: pages, clusters */
	double interval; /* configured seconds; 0: disabled */
	int priority;    /* its tasks' (unsignalled) priority: lower is served first */
};

struct sched_plan_entry {
	double interval; /* seconds the plan gives it: the configured one, or longer */
	double per_hour; /* requests an hour it is planned to cost */
	bool stretched;  /* the budget could not carry the configured interval */
};

/* Shares budget (requests an hour; 0: unlimited) among n demands (at most
 * SCHED_PLAN_MAX), highest priority first, ties in the given order: each
 * gets what its configured interval costs while it fits; the lower ones
 * stretch first. out[i] is d[i]'s. Returns the planned requests an hour. */
#define SCHED_PLAN_MAX 16
double sched_plan(double budget, const struct sched_demand *d, size_t n,
		  struct sched_plan_entry *out);

/* When a task read at now with interval (seconds) is next due. */
double sched_next_due(double now, double interval);

#endif
