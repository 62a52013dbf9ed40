/* registry.c - see registry.h. */
#include "registry.h"

#include <stdlib.h>
#include <string.h>

static int by_id(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	return strcmp(x->r.cluster.id, y->r.cluster.id);
}

struct record *registry_find(const struct registry *g, const char *id)
{
	struct record key = { .r.cluster.id = (char *)id };
	/* bsearch wants a real array, even when it is empty */
	if (g->count == 0)
		return NULL;
	return bsearch(&key, g->records, g->count, sizeof *g->records, by_id);
}

void registry_record_cleanup(struct record *rec)
{
	cluster_record_cleanup(&rec->r);
	free(rec->upgrades_version);
	rec->upgrades_version = NULL;
}

struct record *registry_add(struct registry *g, const char *id)
{
	if (g->count == g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 16;
		struct record *nr = realloc(g->records, nc * sizeof *nr);
		if (!nr)
			return NULL;
		g->records = nr;
		g->cap = nc;
	}
	char *copy = strdup(id);
	if (!copy)
		return NULL;
	struct record *rec = &g->records[g->count];
	memset(rec, 0, sizeof *rec);
	rec->r.cluster.id = copy;
	for (size_t k = 0; k < SCHED_TASKS; k++)
		rec->sched.task[k] = (struct sched_task){ .due = 0, .last_attempt = -1 };
	g->count++;
	return rec;
}

bool registry_reserve(struct registry *g, size_t extra)
{
	if (g->cap - g->count >= extra)
		return true;
	size_t nc = g->count + extra;
	struct record *nr = realloc(g->records, (nc ? nc : 1) * sizeof *nr);
	if (!nr)
		return false;
	g->records = nr;
	g->cap = nc;
	return true;
}

void registry_append(struct registry *g, struct record *rec)
{
	g->records[g->count++] = *rec;
	memset(rec, 0, sizeof *rec);
}

void registry_sort(struct registry *g)
{
	if (g->count > 1)
		qsort(g->records, g->count, sizeof *g->records, by_id);
}

void registry_remove_if(struct registry *g, bool (*drop)(const struct record *))
{
	size_t kept = 0;
	for (size_t i = 0; i < g->count; i++) {
		if (drop(&g->records[i])) {
			registry_record_cleanup(&g->records[i]);
			continue;
		}
		g->records[kept++] = g->records[i];
	}
	g->count = kept;
}

void registry_cleanup(struct registry *g)
{
	for (size_t i = 0; i < g->count; i++)
		registry_record_cleanup(&g->records[i]);
	free(g->records);
	memset(g, 0, sizeof *g);
}
