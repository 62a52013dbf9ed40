/* poller.c - schedule, fetch, decode, render, publish.
 *
 * The poller thread is the only writer of the cluster records and API
 * counters, so they need no lock; the rendered text leaves through
 * snapshot_publish. A cycle lists the clusters page by page, then sends
 * every per-cluster request as one batch (api_run: parallel, paced,
 * retried). A failed request keeps the last good values of that cluster
 * and marks its poll status failed; a cluster the API says is gone (404,
 * or missing from discovery) leaves the output.
 */
#include "poller.h"

#include <pthread.h>
#include <stdint.h>
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
/* Room for "/v2/kubernetes/clusters/<64>/credentials?expiry_seconds=<n>". */
#define PATH_MAX_LEN 160

struct record {
	struct cluster_record r;
	bool configured; /* listed in clusters.ids */
	bool gone;       /* the API said 404: kept, unexported, asked again */
	bool seen;       /* scratch: listed by this cycle's discovery */
	bool not_found;  /* scratch: a request of this cycle got 404 */
};

struct poller {
	const struct settings *settings;
	bool settings_owned; /* false for the one passed to poller_new */
	struct api *api;
	struct apistats stats;
	atomic_bool stop;

	struct record *records; /* sorted by id between cycles */
	size_t count;
	size_t cap;

	bool discovery_attempted;
	bool discovery_success;
	double last_discovery_success;
	double poll_duration;
	double effective_interval;
	size_t last_requests; /* requests of the latest cycle */

	char *last_text; /* copy of the latest snapshot, kept for --once */
	size_t last_len;

	pthread_t thread;
	bool started;
	/* guards pending_settings, the reload result and the wait on wake */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct settings *pending_settings;
	bool reload_ok;
	double reload_success_time;
};

static double now_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_id(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	return strcmp(x->r.cluster.id, y->r.cluster.id);
}

/* Records stay sorted by id between cycles, so lookups are binary. */
static struct record *find(struct poller *p, const char *id)
{
	struct record key = { .r.cluster.id = (char *)id };
	return bsearch(&key, p->records, p->count, sizeof *p->records, by_id);
}

static void sort_records(struct poller *p)
{
	if (p->count > 1)
		qsort(p->records, p->count, sizeof *p->records, by_id);
}

/* A new record for id at the end (the caller sorts), or NULL on out of
 * memory. Invalidates pointers into records. */
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

/* Removes every record for which drop is true, keeping the order. */
static void remove_if(struct poller *p, bool (*drop)(const struct record *))
{
	size_t kept = 0;
	for (size_t i = 0; i < p->count; i++) {
		if (drop(&p->records[i])) {
			cluster_record_cleanup(&p->records[i].r);
			continue;
		}
		p->records[kept++] = p->records[i];
	}
	p->count = kept;
}

/* Marks the configured ids, adding records for new ones. */
static bool apply_configured_ids(struct poller *p)
{
	for (size_t i = 0; i < p->count; i++)
		p->records[i].configured = false;
	const struct settings *s = p->settings;
	for (size_t i = 0; i < settings_cluster_id_count(s); i++) {
		const char *id = settings_cluster_id(s, i);
		struct record *rec = find(p, id);
		if (!rec) {
			rec = add(p, id);
			if (!rec)
				return false;
			sort_records(p);
			rec = find(p, id);
		}
		rec->configured = true;
	}
	return true;
}

enum err poller_new(const struct settings *settings, struct poller **out)
{
	struct poller *p = calloc(1, sizeof *p);
	if (!p)
		return ERR_NOMEM;
	p->settings = settings;
	atomic_init(&p->stop, false);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->reload_ok = true;
	p->reload_success_time = now_real();
	p->effective_interval = (double)settings_poll_interval(settings);
	enum err rc = api_new(settings, &p->stats, &p->stop, &p->api);
	if (rc == ERR_OK && !apply_configured_ids(p))
		rc = ERR_NOMEM;
	if (rc != ERR_OK) {
		poller_free(p);
		return rc;
	}
	*out = p;
	return ERR_OK;
}

static bool unwanted_after_reload(const struct record *rec)
{
	return !rec->configured;
}

/* Takes a reloaded configuration at the start of a cycle. */
static void take_pending_settings(struct poller *p)
{
	pthread_mutex_lock(&p->lock);
	struct settings *s = p->pending_settings;
	p->pending_settings = NULL;
	pthread_mutex_unlock(&p->lock);
	if (!s)
		return;
	struct api *api;
	if (api_new(s, &p->stats, &p->stop, &api) != ERR_OK) {
		log_error("cannot apply the reloaded configuration; the previous one stays");
		settings_free(s);
		return;
	}
	/* a pause the API asked for outlives the configuration */
	api_inherit_pause(api, p->api);
	api_free(p->api);
	p->api = api;
	if (p->settings_owned)
		settings_free((struct settings *)p->settings);
	p->settings = s;
	p->settings_owned = true;
	p->effective_interval = (double)settings_poll_interval(s);
	if (!apply_configured_ids(p))
		log_error("out of memory applying clusters.ids");
	/* without discovery, only the listed ids are watched */
	if (!settings_discover(s))
		remove_if(p, unwanted_after_reload);
	log_info("configuration reloaded; it applies from this cycle");
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
		hint = "rate limited by the API: requests pause until it allows more";
	log_warn("API answered with an error", "endpoint", endpoint_name(ep), "cluster_id",
		 id[0] ? id : NULL, "status", status, "error_id", errid[0] ? errid : NULL, "hint",
		 hint);
}

static void count_decode_error(struct poller *p, enum endpoint ep, enum err rc,
			       const char *id)
{
	if (rc == ERR_NOMEM) {
		log_error("out of memory decoding an answer", "endpoint", endpoint_name(ep));
		return;
	}
	enum reason r = rc == ERR_PARSE ? REASON_PARSE : REASON_SCHEMA;
	apistats_count_error(&p->stats, ep, r);
	log_warn("API answer could not be used", "endpoint", endpoint_name(ep), "cluster_id",
		 id[0] ? id : NULL, "reason", reason_name(r));
}

/* Lists every cluster, following links.pages.next. On success *out is
 * an owned array of *count clusters. *pages counts the requests made. */
static bool discover(struct poller *p, double deadline, struct cluster **out, size_t *count,
		     size_t *pages)
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
		enum err rc = api_get(p->api, ENDPOINT_CLUSTERS, path, false, deadline, &res);
		(*pages)++;
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

static bool missing_from_discovery(const struct record *rec)
{
	return !rec->seen && !rec->configured;
}

/* Replaces the records' cluster data with a successful discovery. */
static void apply_discovery(struct poller *p, struct cluster *list, size_t n)
{
	for (size_t i = 0; i < p->count; i++)
		p->records[i].seen = false;
	size_t before = p->count;
	for (size_t i = 0; i < n; i++) {
		/* records [0, before) are sorted; new ones are appended */
		struct record key = { .r.cluster.id = list[i].id };
		struct record *rec = bsearch(&key, p->records, before, sizeof *p->records, by_id);
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
	remove_if(p, missing_from_discovery);
	sort_records(p);
}

static void mark(struct poll_status *ps, bool success, double now)
{
	ps->attempted = true;
	ps->success = success;
	if (success)
		ps->last_success = now;
}

/* What one cycle's batch needs to know in the done callback. */
struct batch {
	struct poller *p;
	double now;
	bool all_ok;
};

static void on_done(struct api_request *req, void *ctx)
{
	struct batch *b = ctx;
	struct poller *p = b->p;
	struct record *rec = &p->records[(uintptr_t)req->user];
	const char *id = rec->r.cluster.id;
	bool ok = req->result == ERR_OK;
	if (req->result == ERR_HTTP) {
		log_status(req->ep, id, &req->res);
		if (req->res.status == 404)
			rec->not_found = true;
	} else if (req->result == ERR_THROTTLED) {
		log_warn("request not sent: the rate-limit pause outlasted the cycle", "endpoint",
			 endpoint_name(req->ep), "cluster_id", id);
	}
	if (ok) {
		enum err rc = ERR_OK;
		switch (req->ep) {
		case ENDPOINT_CLUSTER: {
			struct cluster c;
			rc = decode_cluster(req->res.body, req->res.len, &c);
			if (rc == ERR_OK && strcmp(c.id, id) != 0) {
				cluster_cleanup(&c);
				rc = ERR_SCHEMA; /* an answer about another cluster */
			}
			if (rc == ERR_OK) {
				cluster_cleanup(&rec->r.cluster);
				rec->r.cluster = c;
				rec->r.have_cluster = true;
			}
			break;
		}
		case ENDPOINT_UPGRADES: {
			struct upgrades u;
			rc = decode_upgrades(req->res.body, req->res.len, &u);
			if (rc == ERR_OK) {
				upgrades_cleanup(&rec->r.upgrades);
				rec->r.upgrades = u;
				rec->r.have_upgrades = true;
			}
			break;
		}
		case ENDPOINT_CREDENTIALS: {
			struct credentials c;
			rc = decode_credentials(req->res.body, req->res.len, &c);
			if (rc == ERR_OK) {
				rec->r.credentials = c;
				rec->r.have_credentials = true;
				rec->r.credentials_due =
					b->now + (double)settings_credentials_interval(p->settings);
			}
			break;
		}
		default:
			rc = ERR_SCHEMA;
			break;
		}
		if (rc != ERR_OK) {
			count_decode_error(p, req->ep, rc, id);
			ok = false;
		}
	}
	api_response_cleanup(&req->res, req->secret);
	if (req->result == ERR_CANCELLED)
		return; /* stopping: nothing about the cluster was learnt */
	enum poll_endpoint pe = req->ep == ENDPOINT_CLUSTER  ? POLL_CLUSTER :
				req->ep == ENDPOINT_UPGRADES ? POLL_UPGRADES :
							       POLL_CREDENTIALS;
	mark(&rec->r.poll[pe], ok, b->now);
	b->all_ok = b->all_ok && ok;
}

static bool discovered_and_not_found(const struct record *rec)
{
	return rec->not_found && !rec->configured;
}

/* Sets the spacing of cycles from what this one costs: the configured
 * interval, or longer when the hourly share or the pace cannot carry it. */
static void update_effective_interval(struct poller *p)
{
	double interval = (double)settings_poll_interval(p->settings);
	double effective = api_effective_interval(p->api, interval, p->last_requests);
	if (effective != p->effective_interval &&
	    (effective > interval || p->effective_interval > interval)) {
		char e[32], i[32], r[32];
		snprintf(e, sizeof e, "%.0f", effective);
		snprintf(i, sizeof i, "%.0f", interval);
		snprintf(r, sizeof r, "%zu", p->last_requests);
		log_warn("poll interval lengthened to stay within the API budget", "interval", i,
			 "effective_interval", e, "requests_per_cycle", r);
	}
	p->effective_interval = effective;
}

static void plan(struct api_request *req, enum endpoint ep, const char *path, size_t record)
{
	*req = (struct api_request){ .ep = ep,
				     .path = path,
				     .secret = ep == ENDPOINT_CREDENTIALS,
				     .user = (void *)(uintptr_t)record };
}

/* Every per-cluster request of the cycle, sent as one batch. */
static void poll_clusters(struct poller *p, double now, double started, bool *all_ok)
{
	const struct settings *s = p->settings;
	bool credentials = settings_credentials_interval(s) > 0;
	size_t max = p->count * 3;
	struct api_request *reqs = calloc(max ? max : 1, sizeof *reqs);
	char(*paths)[PATH_MAX_LEN] = calloc(max ? max : 1, sizeof *paths);
	if (!reqs || !paths) {
		log_error("out of memory planning the cycle's requests");
		free(reqs);
		free(paths);
		*all_ok = false;
		return;
	}
	size_t n = 0;
	bool listed = settings_discover(s) && p->discovery_success;
	for (size_t i = 0; i < p->count; i++) {
		struct record *rec = &p->records[i];
		const char *id = rec->r.cluster.id;
		rec->not_found = false;
		/* a configured id that discovery did not list is read on its own */
		bool by_id = rec->configured && !(listed && rec->seen);
		if (by_id) {
			snprintf(paths[n], PATH_MAX_LEN, "/v2/kubernetes/clusters/%s", id);
			plan(&reqs[n], ENDPOINT_CLUSTER, paths[n], i);
			n++;
		}
		/* a cluster known to be gone is asked about only by id */
		if (rec->gone && !by_id)
			continue;
		snprintf(paths[n], PATH_MAX_LEN, "/v2/kubernetes/clusters/%s/upgrades", id);
		plan(&reqs[n], ENDPOINT_UPGRADES, paths[n], i);
		n++;
		if (credentials && now >= rec->r.credentials_due) {
			snprintf(paths[n], PATH_MAX_LEN,
				 "/v2/kubernetes/clusters/%s/credentials?expiry_seconds=%ld", id,
				 settings_credentials_expiry_seconds(s));
			plan(&reqs[n], ENDPOINT_CREDENTIALS, paths[n], i);
			n++;
		}
	}
	/* the whole cycle's cost sets its length, before the first request */
	p->last_requests += n;
	update_effective_interval(p);
	double deadline = started + p->effective_interval;
	struct batch b = { .p = p, .now = now, .all_ok = true };
	api_run(p->api, reqs, n, deadline, on_done, &b);
	*all_ok = *all_ok && b.all_ok;

	for (size_t i = 0; i < p->count; i++) {
		struct record *rec = &p->records[i];
		if (!rec->configured)
			continue;
		if (rec->not_found && !rec->gone)
			log_warn("cluster not found: it leaves the output until the API knows it again",
				 "cluster_id", rec->r.cluster.id);
		/* only the answer about the cluster itself says it is back */
		if (rec->not_found)
			rec->gone = true;
		else if (rec->r.poll[POLL_CLUSTER].success)
			rec->gone = false;
	}
	/* a discovered cluster that went between the list and its requests
	 * leaves now; a configured one is asked again next cycle */
	remove_if(p, discovered_and_not_found);
	free(reqs);
	free(paths);
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
	pthread_mutex_lock(&p->lock);
	bool reload_ok = p->reload_ok;
	double reload_time = p->reload_success_time;
	pthread_mutex_unlock(&p->lock);
	struct exporter_view v = {
		.clusters = view,
		.count = n,
		.credentials_enabled = settings_credentials_interval(p->settings) > 0,
		.discovery_enabled = settings_discover(p->settings),
		.discovery_attempted = p->discovery_attempted,
		.discovery_success = p->discovery_success,
		.last_discovery_success = p->last_discovery_success,
		.poll_duration = p->poll_duration,
		.effective_interval = p->effective_interval,
		.throttled_until = api_throttled_until(p->api),
		.config_reload_success = reload_ok,
		.config_last_reload_success = reload_time,
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
	take_pending_settings(p);
	double started = api_now_mono();
	double now = now_real();
	double deadline = started + p->effective_interval;
	bool all_ok = true;
	p->last_requests = 0;

	if (settings_discover(p->settings)) {
		struct cluster *list = NULL;
		size_t n = 0;
		p->discovery_attempted = true;
		p->discovery_success = discover(p, deadline, &list, &n, &p->last_requests);
		if (p->discovery_success) {
			p->last_discovery_success = now;
			apply_discovery(p, list, n);
			free(list);
		} else {
			all_ok = false;
		}
	}
	if (!atomic_load(&p->stop))
		poll_clusters(p, now, started, &all_ok);
	if (atomic_load(&p->stop))
		return false;
	p->poll_duration = api_now_mono() - started;

	publish(p);
	char took[32], clusters[32], requests[32];
	snprintf(took, sizeof took, "%.3f", p->poll_duration);
	snprintf(clusters, sizeof clusters, "%zu", p->count);
	snprintf(requests, sizeof requests, "%zu", p->last_requests);
	log_info("poll cycle finished", "clusters", clusters, "requests", requests, "duration",
		 took, "success", all_ok ? "true" : "false");
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
	while (!atomic_load(&p->stop)) {
		double started = api_now_mono();
		poller_cycle(p);
		double next = started + p->effective_interval;
		pthread_mutex_lock(&p->lock);
		while (!atomic_load(&p->stop)) {
			double left = next - api_now_mono();
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
			pthread_cond_timedwait(&p->wake, &p->lock, &until);
		}
		pthread_mutex_unlock(&p->lock);
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
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->stop, true);
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	p->started = false;
}

void poller_request_stop(struct poller *p)
{
	atomic_store(&p->stop, true);
}

void poller_reload(struct poller *p, struct settings *settings)
{
	pthread_mutex_lock(&p->lock);
	struct settings *old = p->pending_settings;
	p->pending_settings = settings;
	pthread_mutex_unlock(&p->lock);
	settings_free(old); /* two reloads before a cycle: the newer wins */
}

void poller_note_reload(struct poller *p, bool ok, double when)
{
	pthread_mutex_lock(&p->lock);
	p->reload_ok = ok;
	if (ok)
		p->reload_success_time = when;
	pthread_mutex_unlock(&p->lock);
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
	settings_free(p->pending_settings);
	if (p->settings_owned)
		settings_free((struct settings *)p->settings);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}
