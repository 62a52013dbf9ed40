/* poller.c - schedule, fetch, decode, render, publish.
 *
 * The poller thread is the only writer of the accounts, cluster records,
 * API counters and state, so they need no lock; the rendered text leaves
 * through snapshot_publish. A cycle, for each account in turn, lists the
 * clusters page by page, then sends every per-cluster request as one
 * batch (api_run: parallel, paced, retried). A failed request keeps the
 * last good values of that cluster and marks its poll status failed; a
 * cluster the API says is gone (404, or missing from discovery) leaves the
 * output.
 */
#include "poller.h"

#include <malloc.h>
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
#include "state.h"

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
/* Room for "<account>/<cluster id>", the state's key. */
#define KEY_MAX 160

struct record {
	struct cluster_record r;
	bool configured; /* listed in the account's ids */
	bool gone;       /* the API said 404: kept, unexported, asked again */
	bool seen;       /* scratch: listed by this cycle's discovery */
	bool not_found;  /* scratch: a request of this cycle got 404 */
	bool logged_unknown; /* an unparsable version slug was logged */
	bool logged_certificate; /* an unreadable certificate was logged */
};

/* One token: its client, counters, clusters and discovery. */
struct account {
	char *name;   /* "" for the one account of a file without accounts */
	size_t index; /* in the settings */
	struct api *api;
	struct apistats stats;
	struct record *records; /* sorted by id between cycles */
	size_t count;
	size_t cap;
	bool discover;
	bool discovery_attempted;
	bool discovery_success;
	double last_discovery_success;
	size_t requests; /* requests of the latest cycle */
};

struct poller {
	const struct settings *settings;
	bool settings_owned; /* false for the one passed to poller_new */
	atomic_bool stop;

	struct account *accounts;
	size_t account_count;

	/* GET /v2/kubernetes/options: on its own interval, with the first account */
	struct upgrades options;
	bool have_options;
	bool options_attempted;
	bool options_success;
	double last_options_success;
	double options_due; /* Unix seconds */

	struct state *state; /* pending-since times, saved to state.file */

	double poll_duration;
	double effective_interval;

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
static struct record *find(struct account *acc, const char *id)
{
	struct record key = { .r.cluster.id = (char *)id };
	/* bsearch wants a real array, even when it is empty */
	if (acc->count == 0)
		return NULL;
	return bsearch(&key, acc->records, acc->count, sizeof *acc->records, by_id);
}

static void sort_records(struct account *acc)
{
	if (acc->count > 1)
		qsort(acc->records, acc->count, sizeof *acc->records, by_id);
}

/* A new record for id at the end (the caller sorts), or NULL on out of
 * memory. Invalidates pointers into records. */
static struct record *add(struct account *acc, const char *id)
{
	if (acc->count == acc->cap) {
		size_t nc = acc->cap ? acc->cap * 2 : 16;
		struct record *nr = realloc(acc->records, nc * sizeof *nr);
		if (!nr)
			return NULL;
		acc->records = nr;
		acc->cap = nc;
	}
	struct record *rec = &acc->records[acc->count];
	memset(rec, 0, sizeof *rec);
	rec->r.cluster.id = strdup(id);
	if (!rec->r.cluster.id)
		return NULL;
	acc->count++;
	return rec;
}

/* Removes every record for which drop is true, keeping the order. */
static void remove_if(struct account *acc, bool (*drop)(const struct record *))
{
	size_t kept = 0;
	for (size_t i = 0; i < acc->count; i++) {
		if (drop(&acc->records[i])) {
			cluster_record_cleanup(&acc->records[i].r);
			continue;
		}
		acc->records[kept++] = acc->records[i];
	}
	acc->count = kept;
}

/* Marks the account's configured ids, adding records for new ones. */
static bool apply_configured_ids(struct account *acc, const struct settings *s)
{
	for (size_t i = 0; i < acc->count; i++)
		acc->records[i].configured = false;
	for (size_t i = 0; i < settings_account_id_count(s, acc->index); i++) {
		const char *id = settings_account_id(s, acc->index, i);
		if (!settings_in_shard(s, id))
			continue; /* another replica's */
		struct record *rec = find(acc, id);
		if (!rec) {
			if (!add(acc, id))
				return false;
			sort_records(acc);
			rec = find(acc, id);
		}
		rec->configured = true;
	}
	return true;
}

static void account_cleanup(struct account *acc)
{
	for (size_t i = 0; i < acc->count; i++)
		cluster_record_cleanup(&acc->records[i].r);
	free(acc->records);
	api_free(acc->api);
	free(acc->name);
	memset(acc, 0, sizeof *acc);
}

static bool not_configured(const struct record *rec)
{
	return !rec->configured;
}

/* Builds the accounts of settings s. An account of the same name in old
 * (n_old of them) hands over its clusters, counters and any pause the API
 * asked for; what is taken from old is zeroed there. */
static enum err make_accounts(struct poller *p, const struct settings *s, struct account *old,
			      size_t n_old, struct account **out)
{
	size_t n = settings_account_count(s);
	struct account *accs = calloc(n, sizeof *accs);
	if (!accs)
		return ERR_NOMEM;
	enum err rc = ERR_OK;
	for (size_t i = 0; i < n && rc == ERR_OK; i++) {
		struct account *acc = &accs[i];
		const char *name = settings_account_name(s, i);
		for (size_t j = 0; j < n_old; j++) {
			if (old[j].name && strcmp(old[j].name, name) == 0) {
				*acc = old[j];
				memset(&old[j], 0, sizeof old[j]);
				break;
			}
		}
		struct api *previous = acc->api;
		acc->api = NULL;
		acc->index = i;
		acc->discover = settings_account_discover(s, i);
		if (!acc->name)
			acc->name = strdup(name);
		rc = acc->name ? api_new(s, settings_account_token(s, i), &acc->stats, &p->stop,
					 &acc->api) :
				 ERR_NOMEM;
		if (rc == ERR_OK && previous)
			api_inherit_pause(acc->api, previous);
		api_free(previous);
		if (rc == ERR_OK && !apply_configured_ids(acc, s))
			rc = ERR_NOMEM;
		/* without discovery, only the listed ids are watched */
		if (rc == ERR_OK && !acc->discover)
			remove_if(acc, not_configured);
	}
	if (rc != ERR_OK) {
		for (size_t i = 0; i < n; i++)
			account_cleanup(&accs[i]);
		free(accs);
		return rc;
	}
	*out = accs;
	return ERR_OK;
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
	enum err rc = make_accounts(p, settings, NULL, 0, &p->accounts);
	if (rc == ERR_OK) {
		p->account_count = settings_account_count(settings);
		const char *file = settings_state_file(settings);
		if (file)
			rc = state_load(file, &p->state);
		else if (!(p->state = state_new()))
			rc = ERR_NOMEM;
	}
	if (rc != ERR_OK) {
		poller_free(p);
		return rc;
	}
	*out = p;
	return ERR_OK;
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
	struct account *accs;
	if (make_accounts(p, s, p->accounts, p->account_count, &accs) != ERR_OK) {
		log_error("cannot apply the reloaded configuration; the previous one stays");
		settings_free(s);
		return;
	}
	/* what make_accounts left belongs to accounts no longer configured */
	for (size_t i = 0; i < p->account_count; i++)
		account_cleanup(&p->accounts[i]);
	free(p->accounts);
	p->accounts = accs;
	p->account_count = settings_account_count(s);
	if (p->settings_owned)
		settings_free((struct settings *)p->settings);
	p->settings = s;
	p->settings_owned = true;
	p->effective_interval = (double)settings_poll_interval(s);
	p->options_due = 0;
	log_info("configuration reloaded; it applies from this cycle");
}

/* Logs a non-2xx answer once, with the API's error id and a hint for the
 * statuses an operator can fix. */
static void log_status(const struct account *acc, enum endpoint ep, const char *id,
		       const struct api_response *res)
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
	log_warn("API answered with an error", "account", acc->name[0] ? acc->name : NULL,
		 "endpoint", endpoint_name(ep), "cluster_id", id[0] ? id : NULL, "status", status,
		 "error_id", errid[0] ? errid : NULL, "hint", hint);
}

static void count_decode_error(struct account *acc, enum endpoint ep, enum err rc,
			       const char *id)
{
	if (rc == ERR_NOMEM) {
		log_error("out of memory decoding an answer", "endpoint", endpoint_name(ep));
		return;
	}
	enum reason r = rc == ERR_PARSE ? REASON_PARSE : REASON_SCHEMA;
	apistats_count_error(&acc->stats, ep, r);
	log_warn("API answer could not be used", "account", acc->name[0] ? acc->name : NULL,
		 "endpoint", endpoint_name(ep), "cluster_id", id[0] ? id : NULL, "reason",
		 reason_name(r));
}

/* Lists every cluster of the account, following links.pages.next. On
 * success *out is an owned array of *count clusters. */
static bool discover(struct account *acc, double deadline, struct cluster **out, size_t *count)
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
		enum err rc = api_get(acc->api, ENDPOINT_CLUSTERS, path, false, deadline, &res);
		acc->requests++;
		if (rc == ERR_HTTP)
			log_status(acc, ENDPOINT_CLUSTERS, "", &res);
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
			count_decode_error(acc, ENDPOINT_CLUSTERS, rc, "");
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
		if (!api_path_of(acc->api, next, &next_path)) {
			apistats_count_error(&acc->stats, ENDPOINT_CLUSTERS, REASON_FOREIGN_ORIGIN);
			log_warn("refused a pagination link to another origin: the token is never sent there",
				 "endpoint", "clusters");
			free(next);
			goto out;
		}
		bool loop = nvisited >= PAGES_MAX || strcmp(next_path, path) == 0;
		for (size_t i = 0; i < nvisited && !loop; i++)
			loop = strcmp(visited[i], next_path) == 0;
		if (loop) {
			apistats_count_error(&acc->stats, ENDPOINT_CLUSTERS, REASON_PAGE_LOOP);
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
static void apply_discovery(struct poller *p, struct account *acc, struct cluster *list,
			    size_t n)
{
	for (size_t i = 0; i < acc->count; i++)
		acc->records[i].seen = false;
	size_t before = acc->count;
	for (size_t i = 0; i < n; i++) {
		if (!settings_in_shard(p->settings, list[i].id))
			continue; /* another replica's; freed with the list */
		/* records [0, before) are sorted; new ones are appended */
		struct record key = { .r.cluster.id = list[i].id };
		struct record *rec =
			before ? bsearch(&key, acc->records, before, sizeof *acc->records, by_id) : NULL;
		if (!rec)
			rec = add(acc, list[i].id);
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
	remove_if(acc, missing_from_discovery);
	sort_records(acc);
}

static void mark(struct poll_status *ps, bool success, double now)
{
	ps->attempted = true;
	ps->success = success;
	if (success)
		ps->last_success = now;
}

static void state_key(const struct account *acc, const char *id, char *key)
{
	snprintf(key, KEY_MAX, "%s/%s", acc->name, id);
}

/* Classifies the offered versions and dates them from the state. */
static void note_upgrades(struct poller *p, struct account *acc, struct record *rec, double now)
{
	struct upgrades *u = &rec->r.upgrades;
	for (size_t i = 0; i < u->count; i++) {
		u->versions[i].kind = upgrade_kind_of(rec->r.cluster.version, u->versions[i].slug);
		if (u->versions[i].kind == UPGRADE_KIND_UNKNOWN && rec->r.have_cluster &&
		    !rec->logged_unknown) {
			log_warn("a version slug does not read as MAJOR.MINOR.PATCH[-do.N]: its kind is unknown",
				 "cluster_id", rec->r.cluster.id, "cluster_version",
				 rec->r.cluster.version, "version_slug", u->versions[i].slug);
			rec->logged_unknown = true;
		}
	}
	char key[KEY_MAX];
	state_key(acc, rec->r.cluster.id, key);
	state_observe(p->state, key, u, now);
}

/* What one batch needs in the done callback. */
struct batch {
	struct poller *p;
	struct account *acc;
	double now;
	bool all_ok;
	size_t throttled; /* requests the scheduler held back past the cycle */
};

static void on_done(struct api_request *req, void *ctx)
{
	struct batch *b = ctx;
	struct account *acc = b->acc;
	struct record *rec = req->user;
	const char *id = rec->r.cluster.id;
	bool ok = req->result == ERR_OK;
	if (req->result == ERR_HTTP) {
		log_status(acc, req->ep, id, &req->res);
		if (req->res.status == 404)
			rec->not_found = true;
	} else if (req->result == ERR_THROTTLED) {
		b->throttled++; /* logged once for the batch, not per request */
	}
	if (ok) {
		enum err rc = ERR_SCHEMA;
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
					b->now + (double)settings_credentials_interval(b->p->settings);
				if (c.unreadable_certificate && !rec->logged_certificate) {
					log_warn("a certificate of the cluster's credentials is not X.509: its expiry is not exported",
						 "cluster_id", id);
					rec->logged_certificate = true;
				}
			}
			break;
		}
		default:
			break;
		}
		if (rc != ERR_OK) {
			count_decode_error(acc, req->ep, rc, id);
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

/* The spacing of cycles: the configured interval, or longer when an
 * account's hourly share or pace cannot carry what its cycle costs. */
static void update_effective_interval(struct poller *p)
{
	double interval = (double)settings_poll_interval(p->settings);
	double effective = interval;
	size_t requests = 0;
	for (size_t i = 0; i < p->account_count; i++) {
		const struct account *acc = &p->accounts[i];
		double e = api_effective_interval(acc->api, interval, acc->requests);
		if (e > effective)
			effective = e;
		requests += acc->requests;
	}
	if (effective != p->effective_interval &&
	    (effective > interval || p->effective_interval > interval)) {
		char e[32], i[32], r[32];
		snprintf(e, sizeof e, "%.0f", effective);
		snprintf(i, sizeof i, "%.0f", interval);
		snprintf(r, sizeof r, "%zu", requests);
		log_warn("poll interval lengthened to stay within the API budget", "interval", i,
			 "effective_interval", e, "requests_per_cycle", r);
	}
	p->effective_interval = effective;
}

/* record: borrowed; the records array does not move during a batch */
static void plan(struct api_request *req, enum endpoint ep, const char *path,
		 struct record *record)
{
	*req = (struct api_request){ .ep = ep,
				     .path = path,
				     .secret = ep == ENDPOINT_CREDENTIALS,
				     .user = record };
}

/* Every per-cluster request of the account's cycle, sent as one batch. */
static void poll_clusters(struct poller *p, struct account *acc, double now, double started,
			  bool *all_ok)
{
	const struct settings *s = p->settings;
	bool credentials = settings_credentials_interval(s) > 0;
	size_t max = acc->count * 3;
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
	bool listed = acc->discover && acc->discovery_success;
	for (size_t i = 0; i < acc->count; i++) {
		struct record *rec = &acc->records[i];
		const char *id = rec->r.cluster.id;
		rec->not_found = false;
		/* a configured id that discovery did not list is read on its own */
		bool by_id = rec->configured && !(listed && rec->seen);
		if (by_id) {
			snprintf(paths[n], PATH_MAX_LEN, "/v2/kubernetes/clusters/%s", id);
			plan(&reqs[n], ENDPOINT_CLUSTER, paths[n], rec);
			n++;
		}
		/* a cluster known to be gone is asked about only by id */
		if (rec->gone && !by_id)
			continue;
		snprintf(paths[n], PATH_MAX_LEN, "/v2/kubernetes/clusters/%s/upgrades", id);
		plan(&reqs[n], ENDPOINT_UPGRADES, paths[n], rec);
		n++;
		if (credentials && now >= rec->r.credentials_due) {
			snprintf(paths[n], PATH_MAX_LEN,
				 "/v2/kubernetes/clusters/%s/credentials?expiry_seconds=%ld", id,
				 settings_credentials_expiry_seconds(s));
			plan(&reqs[n], ENDPOINT_CREDENTIALS, paths[n], rec);
			n++;
		}
	}
	/* the cycle's whole cost sets its length, before the first request */
	acc->requests += n;
	update_effective_interval(p);
	double deadline = started + p->effective_interval;
	struct batch b = { .p = p, .acc = acc, .now = now, .all_ok = true };
	api_run(acc->api, reqs, n, deadline, on_done, &b);
	*all_ok = *all_ok && b.all_ok;
	if (b.throttled > 0) {
		char count[24];
		snprintf(count, sizeof count, "%zu", b.throttled);
		log_warn("requests not sent: the rate-limit pause outlasted the cycle; they are due next cycle",
			 "account", acc->name[0] ? acc->name : NULL, "requests", count);
	}

	for (size_t i = 0; i < acc->count; i++) {
		struct record *rec = &acc->records[i];
		if (rec->r.have_upgrades)
			note_upgrades(p, acc, rec, now);
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
	remove_if(acc, discovered_and_not_found);
	free(reqs);
	free(paths);
}

/* GET /v2/kubernetes/options when due, with the first account's client. */
static void poll_options(struct poller *p, double now, double deadline, bool *all_ok)
{
	long interval = settings_options_interval(p->settings);
	if (interval <= 0 || now < p->options_due)
		return;
	struct account *acc = &p->accounts[0];
	struct api_response res;
	enum err rc = api_get(acc->api, ENDPOINT_OPTIONS, "/v2/kubernetes/options", false, deadline,
			      &res);
	acc->requests++;
	if (rc == ERR_CANCELLED) {
		api_response_cleanup(&res, false);
		return;
	}
	p->options_attempted = true;
	if (rc == ERR_HTTP)
		log_status(acc, ENDPOINT_OPTIONS, "", &res);
	if (rc == ERR_OK) {
		struct upgrades u;
		rc = decode_options(res.body, res.len, &u);
		if (rc == ERR_OK) {
			upgrades_cleanup(&p->options);
			p->options = u;
			p->have_options = true;
			p->last_options_success = now;
			p->options_due = now + (double)interval;
		} else {
			count_decode_error(acc, ENDPOINT_OPTIONS, rc, "");
		}
	}
	api_response_cleanup(&res, false);
	p->options_success = rc == ERR_OK;
	*all_ok = *all_ok && p->options_success;
}

static bool key_is_known(const char *key, void *ctx)
{
	const struct poller *p = ctx;
	const char *slash = strchr(key, '/');
	if (!slash)
		return false;
	for (size_t i = 0; i < p->account_count; i++) {
		struct account *acc = &p->accounts[i];
		size_t n = strlen(acc->name);
		if (n != (size_t)(slash - key) || strncmp(key, acc->name, n) != 0)
			continue;
		const struct record *rec = find(acc, slash + 1);
		return rec && !rec->gone;
	}
	return false;
}

static void save_state(struct poller *p)
{
	state_retain(p->state, key_is_known, p);
	const char *file = settings_state_file(p->settings);
	if (file)
		state_save(p->state, file);
}

static void publish(struct poller *p, double now)
{
	/* only the exported records, in id order: shallow copies, borrowed
	 * for the render, all accounts in one array */
	size_t total = 0;
	for (size_t i = 0; i < p->account_count; i++)
		total += p->accounts[i].count;
	struct account_view *accounts =
		calloc(p->account_count ? p->account_count : 1, sizeof(struct account_view));
	struct cluster_record *views = calloc(total ? total : 1, sizeof(struct cluster_record));
	bool ok = accounts && views;
	size_t used = 0;
	for (size_t i = 0; ok && i < p->account_count; i++) {
		struct account *acc = &p->accounts[i];
		struct cluster_record *mine = views + used;
		size_t n = 0;
		for (size_t j = 0; j < acc->count; j++)
			if (!acc->records[j].gone)
				mine[n++] = acc->records[j].r;
		used += n;
		accounts[i] = (struct account_view){
			.name = settings_named_accounts(p->settings) ? acc->name : NULL,
			.clusters = mine,
			.count = n,
			.discovery_enabled = acc->discover,
			.discovery_attempted = acc->discovery_attempted,
			.discovery_success = acc->discovery_success,
			.last_discovery_success = acc->last_discovery_success,
			.api = &acc->stats,
			.throttled_until = api_throttled_until(acc->api),
		};
	}
	pthread_mutex_lock(&p->lock);
	bool reload_ok = p->reload_ok;
	double reload_time = p->reload_success_time;
	pthread_mutex_unlock(&p->lock);
	char *text = NULL;
	size_t len = 0;
	if (ok) {
		struct exporter_view v = {
			.accounts = accounts,
			.account_count = p->account_count,
			.now = now,
			.credentials_enabled = settings_credentials_interval(p->settings) > 0,
			.options_enabled = settings_options_interval(p->settings) > 0,
			.options_attempted = p->options_attempted,
			.options_success = p->options_success,
			.last_options_success = p->last_options_success,
			.options = p->have_options ? &p->options : NULL,
			.shard_index = settings_shard_index(p->settings),
			.shard_count = settings_shard_count(p->settings),
			.poll_duration = p->poll_duration,
			.effective_interval = p->effective_interval,
			.config_reload_success = reload_ok,
			.config_last_reload_success = reload_time,
			.version = DOKS_VERSION,
			.revision = DOKS_REVISION,
		};
		ok = metrics_render(&v, &text, &len) == ERR_OK;
	}
	free(views);
	free(accounts);
	if (!ok) {
		log_error("out of memory rendering metrics; the previous snapshot stays");
		return;
	}
	snapshot_publish(text, len);
	/* give the cycle's freed memory back: RSS is what operators see */
	malloc_trim(0);
}

bool poller_cycle(struct poller *p)
{
	take_pending_settings(p);
	double started = api_now_mono();
	double now = now_real();
	bool all_ok = true;

	for (size_t i = 0; i < p->account_count; i++)
		p->accounts[i].requests = 0;
	poll_options(p, now, started + p->effective_interval, &all_ok);
	for (size_t i = 0; i < p->account_count && !atomic_load(&p->stop); i++) {
		struct account *acc = &p->accounts[i];
		if (acc->discover) {
			struct cluster *list = NULL;
			size_t n = 0;
			acc->discovery_attempted = true;
			acc->discovery_success =
				discover(acc, started + p->effective_interval, &list, &n);
			if (acc->discovery_success) {
				acc->last_discovery_success = now;
				apply_discovery(p, acc, list, n);
				for (size_t j = 0; j < n; j++)
					cluster_cleanup(&list[j]);
				free(list);
			} else {
				all_ok = false;
			}
		}
		if (!atomic_load(&p->stop))
			poll_clusters(p, acc, now, started, &all_ok);
	}
	if (atomic_load(&p->stop))
		return false;
	p->poll_duration = api_now_mono() - started;
	save_state(p);
	publish(p, now_real());

	size_t clusters = 0, requests = 0;
	for (size_t i = 0; i < p->account_count; i++) {
		clusters += p->accounts[i].count;
		requests += p->accounts[i].requests;
	}
	char took[32], clusters_s[32], requests_s[32];
	snprintf(took, sizeof took, "%.3f", p->poll_duration);
	snprintf(clusters_s, sizeof clusters_s, "%zu", clusters);
	snprintf(requests_s, sizeof requests_s, "%zu", requests);
	log_info("poll cycle finished", "clusters", clusters_s, "requests", requests_s, "duration",
		 took, "success", all_ok ? "true" : "false");
	return all_ok;
}

void poller_each_cluster(const struct poller *p, poller_cluster_fn fn, void *ctx)
{
	bool named = settings_named_accounts(p->settings);
	for (size_t i = 0; i < p->account_count; i++) {
		const struct account *acc = &p->accounts[i];
		for (size_t j = 0; j < acc->count; j++) {
			const struct record *rec = &acc->records[j];
			if (rec->gone)
				continue;
			int supported = -1;
			if (p->have_options && p->options.count > 0 && rec->r.have_cluster)
				supported = metrics_version_supported(&p->options, rec->r.cluster.version);
			fn(named ? acc->name : NULL, &rec->r, supported, ctx);
		}
	}
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
	for (size_t i = 0; i < p->account_count; i++)
		account_cleanup(&p->accounts[i]);
	free(p->accounts);
	upgrades_cleanup(&p->options);
	state_free(p->state);
	settings_free(p->pending_settings);
	if (p->settings_owned)
		settings_free((struct settings *)p->settings);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}
