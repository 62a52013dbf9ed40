/* poller.c - schedule, fetch, decode, render, publish.
 *
 * The poller thread is the only writer of the cluster records and API
 * counters, so they need no lock; the rendered text leaves through
 * snapshot_publish. A failed request keeps the last good values of that
 * cluster and marks its poll status failed; a cluster the API says is
 * gone (404, or missing from discovery) leaves the output.
 */
#include "poller.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "decode.h"
#include "log.h"
#include "metrics.h"
#include "model.h"
#include "settings.h"
#include "snapshot.h"

#ifndef DOKS_VERSION
#define DOKS_VERSION "0.0.0"
#endif
#ifndef DOKS_REVISION
#define DOKS_REVISION "unknown"
#endif

/* The API serves at most 200 clusters a page; more pages than this is a loop
 * whatever the links say. */
#define PAGES_MAX 10000

struct record {
	struct cluster_record r;
	bool configured; /* listed in clusters.ids */
	bool gone;       /* the API said 404: kept, unexported, asked again */
	bool seen;       /* scratch: listed by this cycle's discovery */
};

struct poller {
	const struct settings *settings;
	struct api *api;
	struct apistats stats;
	atomic_bool stop;

	struct record *records; /* sorted by id */
	size_t count;
	size_t cap;

	bool discovery_attempted;
	bool discovery_success;
	double last_discovery_success;
	double poll_duration;

	char *last_text; /* copy of the latest snapshot, kept for --once */
	size_t last_len;

	pthread_t thread;
	bool started;
	pthread_mutex_t wake_lock; /* guards nothing but the wait on wake */
	pthread_cond_t wake;
};

static double now_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_id(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	return strcmp(x->r.cluster.id, y->r.cluster.id);
}

static struct record *find(struct poller *p, const char *id)
{
	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->records[i].r.cluster.id, id) == 0)
			return &p->records[i];
	return NULL;
}

/* A new record for id, or NULL on out of memory. Invalidates pointers. */
static struct record *add(struct poller *p, const char *id)
{
	if (p->count == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 16;
		struct record *nr = realloc(p->records, nc * sizeof *nr);
		if (!nr)
			return NULL;
		p->records = nr;
		p->cap = nc;
	}
	struct record *rec = &p->records[p->count];
	memset(rec, 0, sizeof *rec);
	rec->r.cluster.id = strdup(id);
	if (!rec->r.cluster.id)
		return NULL;
	p->count++;
	return rec;
}

static void remove_at(struct poller *p, size_t i)
{
	cluster_record_cleanup(&p->records[i].r);
	memmove(&p->records[i], &p->records[i + 1], (p->count - i - 1) * sizeof *p->records);
	p->count--;
}

enum err poller_new(const struct settings *settings, struct poller **out)
{
	struct poller *p = calloc(1, sizeof *p);
	if (!p)
		return ERR_NOMEM;
	p->settings = settings;
	atomic_init(&p->stop, false);
	pthread_mutex_init(&p->wake_lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	enum err rc = api_new(settings, &p->stats, &p->stop, &p->api);
	if (rc != ERR_OK) {
		poller_free(p);
		return rc;
	}
	for (size_t i = 0; i < settings_cluster_id_count(settings); i++) {
		struct record *rec = add(p, settings_cluster_id(settings, i));
		if (!rec) {
			poller_free(p);
			return ERR_NOMEM;
		}
		rec->configured = true;
	}
	*out = p;
	return ERR_OK;
}

/* Logs a non-2xx answer once, with the API's error id and a hint for the
 * statuses an operator can fix. */
static void log_status(enum endpoint ep, const char *id, const struct api_response *res)
{
	char status[16], errid[64] = "";
	snprintf(status, sizeof status, "%ld", res->status);
	decode_error_id(res->body, res->len, errid, sizeof errid);
	const char *hint = NULL;
	if (res->status == 401)
		hint = "the token was rejected: check that it is valid and not revoked";
	else if (res->status == 403)
		hint = ep == ENDPOINT_CREDENTIALS ?
			       "the token lacks the kubernetes:access_cluster scope" :
			       "the token lacks the kubernetes:read scope";
	else if (res->status == 429)
		hint = "rate limited by the API";
	log_warn("API answered with an error", "endpoint", endpoint_name(ep), "cluster_id", id,
		 "status", status, "error_id", errid, "hint", hint);
}

static void count_decode_error(struct poller *p, enum endpoint ep, enum err rc,
			       const char *id)
{
	enum reason r = rc == ERR_PARSE ? REASON_PARSE : REASON_SCHEMA;
	if (rc == ERR_NOMEM)
		log_error("out of memory decoding an answer", "endpoint", endpoint_name(ep));
	else
		apistats_count_error(&p->stats, ep, r);
	log_warn("API answer could not be used", "endpoint", endpoint_name(ep), "cluster_id", id,
		 "reason", reason_name(r));
}

/* Lists every cluster, following links.pages.next. On success *out is
 * an owned array of *count clusters. */
static bool discover(struct poller *p, struct cluster **out, size_t *count)
{
	struct cluster *all = NULL;
	size_t n = 0;
	char **visited = NULL;
	size_t nvisited = 0;
	bool ok = false;
	char *path = strdup("/v2/kubernetes/clusters?per_page=200");
	if (!path)
		goto out;
	for (;;) {
		struct api_response res;
		enum err rc = api_get(p->api, ENDPOINT_CLUSTERS, path, false, &res);
		if (rc == ERR_HTTP)
			log_status(ENDPOINT_CLUSTERS, "", &res);
		if (rc != ERR_OK) {
			api_response_cleanup(&res, false);
			goto out;
		}
		struct cluster *page = NULL;
		size_t pn = 0;
		char *next = NULL;
		rc = decode_cluster_list(res.body, res.len, &page, &pn, &next);
		api_response_cleanup(&res, false);
		if (rc != ERR_OK) {
			count_decode_error(p, ENDPOINT_CLUSTERS, rc, "");
			goto out;
		}
		struct cluster *grown = pn ? realloc(all, (n + pn) * sizeof *all) : all;
		if (!grown) {
			for (size_t i = 0; i < pn; i++)
				cluster_cleanup(&page[i]);
			free(page);
			free(next);
			goto out;
		}
		all = grown;
		memcpy(all + n, page, pn * sizeof *page);
		n += pn;
		free(page);
		if (!next)
			break;

		const char *next_path;
		if (!api_path_of(p->api, next, &next_path)) {
			apistats_count_error(&p->stats, ENDPOINT_CLUSTERS, REASON_FOREIGN_ORIGIN);
			log_warn("refused a pagination link to another origin: the token is never sent there",
				 "endpoint", "clusters");
			free(next);
			goto out;
		}
		bool loop = nvisited >= PAGES_MAX || strcmp(next_path, path) == 0;
		for (size_t i = 0; i < nvisited && !loop; i++)
			loop = strcmp(visited[i], next_path) == 0;
		if (loop) {
			apistats_count_error(&p->stats, ENDPOINT_CLUSTERS, REASON_PAGE_LOOP);
			log_warn("pagination links loop back to a page already read", "endpoint",
				 "clusters", "path", next_path);
			free(next);
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
	*out = all;
	*count = n;
	all = NULL;
	n = 0;
	ok = true;
out:
	for (size_t i = 0; i < n; i++)
		cluster_cleanup(&all[i]);
	free(all);
	for (size_t i = 0; i < nvisited; i++)
		free(visited[i]);
	free(visited);
	free(path);
	return ok;
}

static void mark(struct poll_status *ps, bool success, double now)
{
	ps->attempted = true;
	ps->success = success;
	if (success)
		ps->last_success = now;
}

/* Replaces the records' cluster data with a successful discovery. */
static void apply_discovery(struct poller *p, struct cluster *list, size_t n)
{
	for (size_t i = 0; i < p->count; i++)
		p->records[i].seen = false;
	for (size_t i = 0; i < n; i++) {
		struct record *rec = find(p, list[i].id);
		if (!rec)
			rec = add(p, list[i].id);
		if (!rec) {
			log_error("out of memory adding a discovered cluster", "cluster_id", list[i].id);
			continue;
		}
		cluster_cleanup(&rec->r.cluster);
		rec->r.cluster = list[i];
		memset(&list[i], 0, sizeof list[i]);
		rec->r.have_cluster = true;
		rec->gone = false;
		rec->seen = true;
	}
	/* missing from the account's list: gone, unless configured by id */
	for (size_t i = p->count; i-- > 0;)
		if (!p->records[i].seen && !p->records[i].configured)
			remove_at(p, i);
}

/* GET one endpoint of one cluster. Returns the decoder's input on
 * success; false on any failure (counted and logged). gone is set on 404. */
static bool fetch(struct poller *p, enum endpoint ep, const char *id, const char *path,
		  bool secret, struct api_response *res, bool *gone)
{
	enum err rc = api_get(p->api, ep, path, secret, res);
	if (rc == ERR_OK)
		return true;
	if (rc == ERR_HTTP) {
		log_status(ep, id, res);
		if (res->status == 404)
			*gone = true;
	}
	api_response_cleanup(res, secret);
	return false;
}

static void poll_cluster(struct poller *p, struct record *rec, double now, bool *all_ok)
{
	char path[256];
	const char *id = rec->r.cluster.id;
	struct api_response res;
	bool gone = false;
	snprintf(path, sizeof path, "/v2/kubernetes/clusters/%s", id);
	bool ok = fetch(p, ENDPOINT_CLUSTER, id, path, false, &res, &gone);
	if (ok) {
		struct cluster c;
		enum err rc = decode_cluster(res.body, res.len, &c);
		api_response_cleanup(&res, false);
		if (rc == ERR_OK && strcmp(c.id, id) != 0) {
			cluster_cleanup(&c);
			rc = ERR_SCHEMA; /* an answer about another cluster */
		}
		if (rc == ERR_OK) {
			cluster_cleanup(&rec->r.cluster);
			rec->r.cluster = c;
			rec->r.have_cluster = true;
		} else {
			count_decode_error(p, ENDPOINT_CLUSTER, rc, id);
			ok = false;
		}
	}
	mark(&rec->r.poll[POLL_CLUSTER], ok, now);
	if (gone && !rec->gone)
		log_warn("cluster not found: it leaves the output until the API knows it again",
			 "cluster_id", id);
	rec->gone = gone;
	*all_ok = *all_ok && ok;
}

static void poll_upgrades(struct poller *p, struct record *rec, double now, bool *all_ok)
{
	char path[256];
	const char *id = rec->r.cluster.id;
	struct api_response res;
	bool gone = false;
	snprintf(path, sizeof path, "/v2/kubernetes/clusters/%s/upgrades", id);
	bool ok = fetch(p, ENDPOINT_UPGRADES, id, path, false, &res, &gone);
	if (ok) {
		struct upgrades u;
		enum err rc = decode_upgrades(res.body, res.len, &u);
		api_response_cleanup(&res, false);
		if (rc == ERR_OK) {
			upgrades_cleanup(&rec->r.upgrades);
			rec->r.upgrades = u;
			rec->r.have_upgrades = true;
		} else {
			count_decode_error(p, ENDPOINT_UPGRADES, rc, id);
			ok = false;
		}
	}
	mark(&rec->r.poll[POLL_UPGRADES], ok, now);
	rec->gone = rec->gone || gone;
	*all_ok = *all_ok && ok;
}

static void poll_credentials(struct poller *p, struct record *rec, double now, bool *all_ok)
{
	char path[320];
	const char *id = rec->r.cluster.id;
	struct api_response res;
	bool gone = false;
	snprintf(path, sizeof path, "/v2/kubernetes/clusters/%s/credentials?expiry_seconds=%ld", id,
		 settings_credentials_expiry_seconds(p->settings));
	bool ok = fetch(p, ENDPOINT_CREDENTIALS, id, path, true, &res, &gone);
	if (ok) {
		struct credentials c;
		enum err rc = decode_credentials(res.body, res.len, &c);
		api_response_cleanup(&res, true);
		if (rc == ERR_OK) {
			rec->r.credentials = c;
			rec->r.have_credentials = true;
			rec->r.credentials_due = now + (double)settings_credentials_interval(p->settings);
		} else {
			count_decode_error(p, ENDPOINT_CREDENTIALS, rc, id);
			ok = false;
		}
	}
	mark(&rec->r.poll[POLL_CREDENTIALS], ok, now);
	rec->gone = rec->gone || gone;
	*all_ok = *all_ok && ok;
}

static void publish(struct poller *p)
{
	/* the view holds only the exported records, in id order */
	struct cluster_record *view = calloc(p->count ? p->count : 1, sizeof *view);
	if (!view) {
		log_error("out of memory rendering metrics; the previous snapshot stays");
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < p->count; i++)
		if (!p->records[i].gone)
			view[n++] = p->records[i].r; /* shallow: borrowed for the render */
	struct exporter_view v = {
		.clusters = view,
		.count = n,
		.credentials_enabled = settings_credentials_interval(p->settings) > 0,
		.discovery_enabled = settings_discover(p->settings),
		.discovery_attempted = p->discovery_attempted,
		.discovery_success = p->discovery_success,
		.last_discovery_success = p->last_discovery_success,
		.poll_duration = p->poll_duration,
		.api = &p->stats,
		.version = DOKS_VERSION,
		.revision = DOKS_REVISION,
	};
	char *text;
	size_t len;
	enum err rc = metrics_render(&v, &text, &len);
	free(view);
	if (rc != ERR_OK) {
		log_error("out of memory rendering metrics; the previous snapshot stays");
		return;
	}
	char *copy = malloc(len + 1);
	if (copy) {
		memcpy(copy, text, len + 1);
		free(p->last_text);
		p->last_text = copy;
		p->last_len = len;
	}
	snapshot_publish(text, len);
}

bool poller_cycle(struct poller *p)
{
	double started = now_mono();
	double now = now_real();
	bool all_ok = true;

	if (settings_discover(p->settings)) {
		struct cluster *list = NULL;
		size_t n = 0;
		p->discovery_attempted = true;
		p->discovery_success = discover(p, &list, &n);
		if (p->discovery_success) {
			p->last_discovery_success = now;
			apply_discovery(p, list, n);
			free(list);
		} else {
			all_ok = false;
		}
	}
	for (size_t i = 0; i < p->count && !atomic_load(&p->stop); i++) {
		struct record *rec = &p->records[i];
		/* a configured id that discovery did not list is read on its own */
		if (rec->configured && !(p->discovery_success && rec->seen &&
					 settings_discover(p->settings)))
			poll_cluster(p, rec, now, &all_ok);
		if (rec->gone)
			continue;
		poll_upgrades(p, rec, now, &all_ok);
		if (!rec->gone && settings_credentials_interval(p->settings) > 0 &&
		    now >= rec->r.credentials_due)
			poll_credentials(p, rec, now, &all_ok);
	}
	/* a discovered cluster that has gone between the list and its
	 * requests leaves now; a configured one is asked again next cycle */
	for (size_t i = p->count; i-- > 0;)
		if (p->records[i].gone && !p->records[i].configured)
			remove_at(p, i);
	if (p->count > 1)
		qsort(p->records, p->count, sizeof *p->records, by_id);
	if (atomic_load(&p->stop))
		return false;
	p->poll_duration = now_mono() - started;
	publish(p);
	char took[32], clusters[32];
	snprintf(took, sizeof took, "%.3f", p->poll_duration);
	snprintf(clusters, sizeof clusters, "%zu", p->count);
	log_info("poll cycle finished", "clusters", clusters, "duration", took, "success",
		 all_ok ? "true" : "false");
	return all_ok;
}

const char *poller_last_text(const struct poller *p, size_t *len)
{
	*len = p->last_len;
	return p->last_text;
}

static void *run(void *arg)
{
	struct poller *p = arg;
	long interval = settings_poll_interval(p->settings);
	while (!atomic_load(&p->stop)) {
		double started = now_mono();
		poller_cycle(p);
		double next = started + (double)interval;
		pthread_mutex_lock(&p->wake_lock);
		while (!atomic_load(&p->stop)) {
			double left = next - now_mono();
			if (left <= 0)
				break;
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			double s = left > 1 ? 1 : left; /* re-check the clock each second */
			until.tv_sec += (time_t)s;
			until.tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&p->wake, &p->wake_lock, &until);
		}
		pthread_mutex_unlock(&p->wake_lock);
	}
	return NULL;
}

enum err poller_start(struct poller *p)
{
	if (pthread_create(&p->thread, NULL, run, p) != 0)
		return ERR_NOMEM;
	p->started = true;
	return ERR_OK;
}

void poller_stop(struct poller *p)
{
	if (!p || !p->started)
		return;
	pthread_mutex_lock(&p->wake_lock);
	atomic_store(&p->stop, true);
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->wake_lock);
	pthread_join(p->thread, NULL);
	p->started = false;
}

void poller_request_stop(struct poller *p)
{
	atomic_store(&p->stop, true);
}

void poller_free(struct poller *p)
{
	if (!p)
		return;
	poller_stop(p);
	for (size_t i = 0; i < p->count; i++)
		cluster_record_cleanup(&p->records[i].r);
	free(p->records);
	free(p->last_text);
	api_free(p->api);
	pthread_mutex_destroy(&p->wake_lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}
