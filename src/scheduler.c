/* scheduler.c - see scheduler.h. */
#include "scheduler.h"

#include <math.h>

int sched_task_priority(const struct sched_task *t, const struct sched_kind *k)
{
	return t->signal ? k->signal_priority : k->priority;
}

static bool before(const struct sched_pick *a, const struct sched_pick *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->due < b->due;
}

/* Keeps out[0..*n) sorted and at most max long; *next gets the due time of
 * anything that falls off. */
static void consider(struct sched_pick *out, size_t *n, size_t max, struct sched_pick c,
		     double *next)
{
	if (max == 0) {
		if (c.due < *next)
			*next = c.due;
		return;
	}
	if (*n == max) {
		if (!before(&c, &out[max - 1])) {
			if (c.due < *next)
				*next = c.due;
			return;
		}
		if (out[max - 1].due < *next)
			*next = out[max - 1].due;
		(*n)--;
	}
	size_t i = *n;
	while (i > 0 && before(&c, &out[i - 1])) {
		out[i] = out[i - 1];
		i--;
	}
	out[i] = c;
	(*n)++;
}

size_t sched_pick(const struct sched_view *v, struct sched_pick *out, size_t max, double *next)
{
	size_t n = 0;
	*next = INFINITY;
	for (size_t a = 0; a < v->account_count; a++) {
		const struct sched_task *t = &v->account[a];
		if (t->due > v->now) {
			if (t->due < *next)
				*next = t->due;
			continue;
		}
		struct sched_pick c = { SCHED_ACCOUNT, a, sched_task_priority(t, &v->account_kind[a]),
					t->due };
		if (v->hold_from > 0 && c.priority >= v->hold_from)
			continue;
		consider(out, &n, max, c, next);
	}
	for (size_t i = 0; i < v->clusters; i++) {
		const struct sched_cluster *sc = v->cluster(v->ctx, i);
		for (size_t k = 0; k < v->kinds; k++) {
			const struct sched_task *t = &sc->task[k];
			if (t->due > v->now) {
				if (t->due < *next)
					*next = t->due;
				continue;
			}
			struct sched_pick c = { i, k, sched_task_priority(t, &v->kind[k]), t->due };
			if (v->hold_from > 0 && c.priority >= v->hold_from)
				continue;
			consider(out, &n, max, c, next);
		}
	}
	return n;
}

double sched_next_due(double now, double interval)
{
	if (!(interval > 0) || isinf(interval))
		return INFINITY;
	return now + interval * (1 - SCHED_SLACK);
}

/* The plan over demands already in priority order. */
static double plan_in_order(double budget, const struct sched_demand *d, size_t n,
			    struct sched_plan_entry *out)
{
	/* requests an hour each endpoint asks for at its configured interval */
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		bool on = d[i].interval > 0 && d[i].units > 0;
		out[i] = (struct sched_plan_entry){ .interval = d[i].interval };
		if (on)
			out[i].per_hour = d[i].units * 3600.0 / (d[i].interval * (1 - SCHED_SLACK));
	}
	if (!(budget > 0)) {
		for (size_t i = 0; i < n; i++)
			total += out[i].per_hour;
		return total;
	}
	double avail = budget * (1 - SCHED_RESERVE);
	double floor_each = budget * SCHED_FLOOR;
	for (size_t i = 0; i < n; i++) {
		double want = out[i].per_hour;
		if (want <= 0)
			continue;
		/* what the enabled endpoints below this one are kept at least */
		double below = 0;
		for (size_t j = i + 1; j < n; j++)
			if (out[j].per_hour > 0)
				below += out[j].per_hour < floor_each ? out[j].per_hour : floor_each;
		double can = i == 0 ? avail : avail - below;
		double least = want < floor_each ? want : floor_each;
		if (i > 0 && can < least)
			can = least;
		double give = want < can ? want : can;
		if (give < want) {
			out[i].stretched = true;
			out[i].per_hour = give;
			out[i].interval = give > 0 ? d[i].units * 3600.0 / (give * (1 - SCHED_SLACK)) :
						     INFINITY;
		}
		avail -= give;
		if (avail < 0)
			avail = 0;
		total += out[i].per_hour;
	}
	return total;
}

double sched_plan(double budget, const struct sched_demand *d, size_t n,
		  struct sched_plan_entry *out)
{
	if (n > SCHED_PLAN_MAX)
		n = SCHED_PLAN_MAX;
	/* a stable insertion sort by priority: the rows are few */
	size_t order[SCHED_PLAN_MAX];
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j > 0 && d[order[j - 1]].priority > d[i].priority) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	struct sched_demand sorted[SCHED_PLAN_MAX];
	struct sched_plan_entry result[SCHED_PLAN_MAX];
	for (size_t i = 0; i < n; i++)
		sorted[i] = d[order[i]];
	double total = plan_in_order(budget, sorted, n, result);
	for (size_t i = 0; i < n; i++)
		out[order[i]] = result[i];
	return total;
}
