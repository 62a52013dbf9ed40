/* discovery.c - see discovery.h. */
#include "discovery.h"

#include <stdlib.h>
#include <string.h>

#include "endpoints/endpoint.h"
#include "log.h"

/* The API serves at most 200 clusters a page; more pages than this is a
 * loop whatever the links say. */
#define PAGES_MAX 10000

void discovery_result_cleanup(struct discovery_result *r)
{
	cluster_array_free(r->clusters, r->count);
	r->clusters = NULL;
	r->count = 0;
}

struct ranked {
	struct cluster c;
	size_t order; /* position in the listing */
};

static int by_id_then_order(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c = strcmp(x->c.id, y->c.id);
	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts by id and keeps one cluster per id: the one listed last, the
 * newest word on it. */
static bool sort_unique(struct cluster *all, size_t n, size_t *out_n)
{
	if (n == 0) {
		*out_n = 0;
		return true;
	}
	struct ranked *r = malloc(n * sizeof *r);
	if (!r)
		return false;
	for (size_t i = 0; i < n; i++)
		r[i] = (struct ranked){ all[i], i };
	qsort(r, n, sizeof *r, by_id_then_order);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		bool last_of_id = i + 1 == n || strcmp(r[i].c.id, r[i + 1].c.id) != 0;
		if (last_of_id)
			all[kept++] = r[i].c;
		else
			cluster_cleanup(&r[i].c);
	}
	free(r);
	if (kept < n)
		log_warn("the cluster list named a cluster more than once; it is kept once",
			 "endpoint", "clusters");
	*out_n = kept;
	return true;
}

enum err discovery_run(struct api *api, struct apistats *stats, const char *account,
		       double deadline_mono, struct discovery_result *out)
{
	memset(out, 0, sizeof *out);
	struct cluster *all = NULL;
	size_t n = 0;
	char **visited = NULL;
	size_t nvisited = 0;
	enum err result = ERR_NOMEM;
	char *path = strdup(endpoint_clusters_path);
	if (!path)
		goto out;
	for (;;) {
		struct api_response res;
		enum err rc = api_get(api, ENDPOINT_CLUSTERS, path, false, deadline_mono, &res);
		out->requests++;
		if (rc == ERR_HTTP)
			endpoint_log_status(account, ENDPOINT_CLUSTERS, "", &res);
		if (rc != ERR_OK) {
			api_response_cleanup(&res, false);
			result = rc;
			goto out;
		}
		out->pages++;
		struct cluster *page = NULL;
		size_t pn = 0;
		char *next = NULL;
		rc = endpoint_clusters_decode(res.body, res.len, &page, &pn, &next);
		api_response_cleanup(&res, false);
		if (rc != ERR_OK) {
			endpoint_count_decode_error(stats, account, ENDPOINT_CLUSTERS, rc, "");
			result = rc;
			goto out;
		}
		if (pn > 0) {
			struct cluster *grown = realloc(all, (n + pn) * sizeof *all);
			if (!grown) {
				cluster_array_free(page, pn);
				free(next);
				goto out;
			}
			all = grown;
			memcpy(all + n, page, pn * sizeof *page);
			n += pn;
		}
		free(page);
		if (!next)
			break;

		const char *next_path;
		if (!api_path_of(api, next, &next_path)) {
			apistats_count_error(stats, ENDPOINT_CLUSTERS, ERR_ORIGIN);
			log_warn("refused a pagination link to another origin: the token is never sent there",
				 "endpoint", "clusters");
			free(next);
			result = ERR_ORIGIN;
			goto out;
		}
		bool loop = nvisited >= PAGES_MAX || strcmp(next_path, path) == 0;
		for (size_t i = 0; i < nvisited && !loop; i++)
			loop = strcmp(visited[i], next_path) == 0;
		if (loop) {
			apistats_count_error(stats, ENDPOINT_CLUSTERS, ERR_LOOP);
			log_warn("pagination links loop back to a page already read", "endpoint",
				 "clusters", "path", next_path);
			free(next);
			result = ERR_LOOP;
			goto out;
		}
		char **nv = realloc(visited, (nvisited + 1) * sizeof *visited);
		if (!nv) {
			free(next);
			goto out;
		}
		visited = nv;
		char *np = strdup(next_path); /* next_path borrows from next */
		free(next);
		if (!np)
			goto out;
		visited[nvisited++] = path;
		path = np;
	}
	size_t unique;
	if (!sort_unique(all, n, &unique))
		goto out;
	out->clusters = all;
	out->count = unique;
	all = NULL;
	n = 0;
	result = ERR_OK;
out:
	if (result == ERR_NOMEM)
		log_error("out of memory listing clusters", "endpoint", "clusters");
	cluster_array_free(all, n);
	for (size_t i = 0; i < nvisited; i++)
		free(visited[i]);
	free(visited);
	free(path);
	return result;
}
