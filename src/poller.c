/* poller.c - the thread that drives the scheduler: asks it what is due,
 * sends that within the account's budget, applies the answers, and
 * publishes the rendered result as answers arrive.
 *
 * The poller thread is the only writer of the accounts, cluster records,
 * API counters and state, so they need no lock; the rendered text leaves
 * through snapshot_publish. Each account (token) has its own client,
 * budget, records and plan. A failed request keeps the last good values
 * of that cluster and marks its poll status failed; a cluster the API
 * says is gone (404, or missing from the list) leaves the output.
 */
#include "clock.h"
#include "poller.h"

#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "buildinfo.h"
#include "discovery.h"
#include "endpoints/endpoint.h"
#include "log.h"
#include "metrics.h"
#include "model.h"
#include "registry.h"
#include "scheduler.h"
#include "settings.h"
#include "snapshot.h"
#include "state.h"
#include "statuspage.h"
#include "support.h"
#include "timeline.h"

/* How often tasks held back by a nearly spent hourly window look again. */
#define HOLD_RECHECK 1.0
/* Room for "<account>/<cluster id>", the state's key. */
#define KEY_MAX 160
/* Clusters a page of the list holds. */
#define PAGE_SIZE 200
/* Requests handed to the client at once: a few per parallel transfer. */
#define BATCH_PER_SLOT 2
/* How long the budget may hold a batch's requests back before they are
 * handed back to the scheduler, still due. */
#define BATCH_HOLD 10.0
/* The same for the pages of one list, which wait for each other. */
#define LIST_HOLD 600.0
/* Publication: at least this far apart, and at most this share of the
 * poller's time spent rendering. */
#define PUBLISH_MIN_GAP 1.0
#define PUBLISH_MAX_SHARE 0.05
/* The longest wait between looks at the clock and the stop flag. */
#define WAIT_SLICE 1.0
/* A plan is logged when an interval moves by more than this share. */
#define PLAN_LOG_CHANGE 0.05

/* The account tasks: the list, and /options (the first account's). */
enum { TASK_LIST, TASK_OPTIONS, ACCOUNT_TASKS };

/* The plan's rows: the account tasks, then the cluster endpoints. */
enum { PLAN_LIST, PLAN_OPTIONS, PLAN_CLUSTER0, PLAN_ROWS = PLAN_CLUSTER0 + CLUSTER_ENDPOINT_COUNT };

/* A row's endpoint label: the account tasks', then the table's names. */
static const char *plan_name(size_t row)
{
	static const char *const account_rows[PLAN_CLUSTER0] = { "clusters", "options" };
	return row < PLAN_CLUSTER0 ? account_rows[row] : cluster_endpoints[row - PLAN_CLUSTER0]->name;
}

/* One token: its client, counters, clusters, list and plan. */
struct poller_account {
	char *name;   /* "" for the one account of a file without accounts */
	size_t index; /* in the settings */
	struct api *api;
	struct apistats stats;
	struct registry reg;
	bool discover;
	struct sched_task task[ACCOUNT_TASKS];
	bool discovery_attempted;
	bool discovery_success;
	double last_discovery_success; /* Unix seconds */
	size_t listed;                 /* clusters the latest list showed, every shard's */
	/* the plan */
	struct sched_plan_entry plan[PLAN_ROWS];
	bool planned[PLAN_ROWS]; /* the row is part of the plan */
	double planned_per_hour;
	double plan_budget; /* the hourly rate the plan was made for */
	bool plan_dirty;
};

struct poller {
	const struct settings *settings;
	struct poller_account *accounts;
	size_t account_count;
	struct state *state; /* pending-since times, saved to state.file */
	struct timeline *timeline; /* the support table (support.timeline_file) */
	/* releases whose disagreement (enum support_note) was logged once */
	struct { char release[TIMELINE_RELEASE_SIZE]; unsigned notes; } support_logged[64];
	size_t support_logged_count;

	/* GET /v2/kubernetes/options: with the first account */
	struct upgrades options;
	double last_options_success;
	unsigned long long options_hash; /* of the offered version set */

	/* the scheduler's kinds of task, from the endpoint files */
	struct sched_kind kinds[SCHED_TASKS];
	struct sched_kind account_kinds[ACCOUNT_TASKS];

	/* a round: from a read of the list until nothing is due */
	double round_started; /* monotonic */
	size_t round_requests;
	double poll_duration; /* of the latest round */

	/* publication */
	double last_publish; /* monotonic; < 0 never */
	double render_cost;  /* seconds the latest render took */

	pthread_t thread;
	/* guards pending_settings, the reload result and the wait on wake */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct settings *pending_settings;
	double reload_success_time;

	atomic_bool stop;
	atomic_bool reload_noted; /* the main thread noted a reload: publish it */
	bool settings_owned; /* false for the one passed to poller_new */
	bool have_options;
	bool options_attempted;
	bool options_success;
	bool round_open;
	bool round_ok;
	bool all_ok;  /* every attempt since poller_cycle began succeeded */
	bool ready;   /* every account's first list (or ids) is in */
	bool dirty;   /* something changed since the last publication */
	bool started;
	bool reload_ok;
};

static const char *account_label(const struct poller_account *acc)
{
	return acc->name && acc->name[0] ? acc->name : NULL;
}

/* ---- accounts and records -------------------------------------------------- */

/* A record for id, every task due at once: a new cluster's /upgrades is
 * due before any other cluster's aged one, but not signalled, so that a
 * change to a known cluster still goes first; NULL on out of memory. The
 * caller sorts. */
static struct record *add_record(struct poller_account *acc, const char *id)
{
	return registry_add(&acc->reg, id);
}

/* Marks the account's configured ids, adding records for new ones. */
static bool apply_configured_ids(struct poller_account *acc, const struct settings *s)
{
	for (size_t i = 0; i < acc->reg.count; i++)
		acc->reg.records[i].configured = false;
	for (size_t i = 0; i < settings_account_id_count(s, acc->index); i++) {
		const char *id = settings_account_id(s, acc->index, i);
		if (!settings_in_shard(s, id))
			continue; /* another replica's */
		struct record *rec = registry_find(&acc->reg, id);
		if (!rec) {
			if (!add_record(acc, id))
				return false;
			registry_sort(&acc->reg);
			rec = registry_find(&acc->reg, id);
		}
		rec->configured = true;
	}
	return true;
}

static void account_cleanup(struct poller_account *acc)
{
	registry_cleanup(&acc->reg);
	api_free(acc->api);
	free(acc->name);
	memset(acc, 0, sizeof *acc);
}

static bool not_configured(const struct record *rec)
{
	return !rec->configured;
}

static void account_init_tasks(struct poller_account *acc, const struct settings *s)
{
	acc->task[TASK_LIST] = (struct sched_task){ .due = acc->discover ? 0 : INFINITY,
						    .last_attempt = -1 };
	bool options = acc->index == 0 && settings_options_interval(s) > 0;
	acc->task[TASK_OPTIONS] = (struct sched_task){ .due = options ? 0 : INFINITY,
						       .last_attempt = -1 };
}

static void maybe_publish(struct poller *p, bool force);

/* While a batch waits (a retry's backoff, a slow answer), what has arrived
 * is published all the same: records neither move nor go during a batch. */
static void publish_while_waiting(void *ctx)
{
	maybe_publish(ctx, false);
}

/* Builds the accounts of settings s into *out. An account of the same
 * name in old (n_old of them) hands over its clusters, counters, schedule
 * and spent budget. Everything that can fail comes before the first
 * change to old, so that a failed reload leaves the running accounts
 * exactly as they were; the caller frees old only on success. */
static enum err make_accounts(struct poller *p, const struct settings *s, struct poller_account *old,
			      size_t n_old, struct poller_account **out)
{
	size_t n = settings_account_count(s);
	struct poller_account *accs = calloc(n, sizeof *accs);
	size_t *from = calloc(n, sizeof *from); /* which old account each takes over */
	if (!accs || !from) {
		free(accs);
		free(from);
		return ERR_NOMEM;
	}
	enum err rc = ERR_OK;
	for (size_t i = 0; i < n && rc == ERR_OK; i++) {
		struct poller_account *acc = &accs[i];
		const char *name = settings_account_name(s, i);
		from[i] = SIZE_MAX;
		for (size_t j = 0; j < n_old; j++)
			if (old[j].name && strcmp(old[j].name, name) == 0)
				from[i] = j;
		acc->index = i;
		acc->discover = settings_account_discover(s, i);
		acc->name = strdup(name);
		rc = acc->name ? api_new(s, settings_account_token(s, i), &acc->stats, &p->stop,
					 &acc->api) :
				 ERR_NOMEM;
		account_init_tasks(acc, s);
		acc->plan_dirty = true;
		if (rc == ERR_OK)
			api_set_idle(acc->api, publish_while_waiting, p);
		/* the configured ids, as new records for now */
		if (rc == ERR_OK && !apply_configured_ids(acc, s))
			rc = ERR_NOMEM;
		if (rc == ERR_OK && from[i] != SIZE_MAX &&
		    !registry_reserve(&old[from[i]].reg, acc->reg.count))
			rc = ERR_NOMEM;
		if (rc == ERR_OK && from[i] != SIZE_MAX)
			api_inherit_budget(acc->api, old[from[i]].api);
	}
	if (rc != ERR_OK) {
		for (size_t i = 0; i < n; i++)
			account_cleanup(&accs[i]);
		free(accs);
		free(from);
		return rc;
	}
	/* nothing fails from here: hand the old records and counters over */
	for (size_t i = 0; i < n; i++) {
		if (from[i] == SIZE_MAX)
			continue;
		struct poller_account *acc = &accs[i];
		struct poller_account *o = &old[from[i]];
		acc->stats = o->stats;
		acc->discovery_attempted = o->discovery_attempted;
		acc->discovery_success = o->discovery_success;
		acc->last_discovery_success = o->last_discovery_success;
		acc->listed = o->listed;
		if (acc->discover && o->discover)
			acc->task[TASK_LIST] = o->task[TASK_LIST];
		if (!isinf(acc->task[TASK_OPTIONS].due) && !isinf(o->task[TASK_OPTIONS].due))
			acc->task[TASK_OPTIONS] = o->task[TASK_OPTIONS];
		struct registry fresh = acc->reg;
		acc->reg = o->reg;
		memset(&o->reg, 0, sizeof o->reg);
		size_t before = acc->reg.count;
		struct registry sorted = { acc->reg.records, before, before };
		for (size_t k = 0; k < before; k++)
			acc->reg.records[k].configured = false;
		for (size_t k = 0; k < fresh.count; k++) {
			struct record *have = registry_find(&sorted, fresh.records[k].r.cluster.id);
			if (have) {
				have->configured = true;
				registry_record_cleanup(&fresh.records[k]);
			} else {
				registry_append(&acc->reg, &fresh.records[k]);
			}
		}
		free(fresh.records);
		registry_sort(&acc->reg);
		if (!acc->discover)
			registry_remove_if(&acc->reg, not_configured);
	}
	free(from);
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
	atomic_init(&p->reload_noted, false);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->reload_ok = true;
	p->reload_success_time = clock_real();
	p->last_publish = -1;
	p->all_ok = true;
	for (size_t k = 0; k < CLUSTER_ENDPOINT_COUNT; k++)
		p->kinds[k] = cluster_endpoints[k]->kind;
	p->account_kinds[TASK_LIST] = endpoint_clusters_kind;
	p->account_kinds[TASK_OPTIONS] = endpoint_options_kind;
	enum err rc = make_accounts(p, settings, NULL, 0, &p->accounts);
	if (rc == ERR_OK) {
		p->account_count = settings_account_count(settings);
		const char *file = settings_state_file(settings);
		if (file)
			rc = state_load(file, &p->state);
		else
			rc = state_new(&p->state);
	}
	if (rc == ERR_OK)
		rc = timeline_load_configured(settings_support_timeline_file(settings), &p->timeline);
	if (rc != ERR_OK) {
		poller_free(p);
		return rc;
	}
	*out = p;
	return ERR_OK;
}

/* A reload reads the support timeline again (the main thread checked it
 * before handing the settings over); should it fail now, the running
 * table stays. */
static void reload_timeline(struct poller *p, const struct settings *s)
{
	struct timeline *t = NULL;
	if (timeline_load_configured(settings_support_timeline_file(s), &t) != ERR_OK) {
		log_error("the support timeline could not be read again; the running one stays");
		return;
	}
	timeline_free(p->timeline);
	p->timeline = t;
}

/* Takes a reloaded configuration between two batches. */
static void take_pending_settings(struct poller *p)
{
	pthread_mutex_lock(&p->lock);
	struct settings *s = p->pending_settings;
	p->pending_settings = NULL;
	pthread_mutex_unlock(&p->lock);
	if (!s)
		return;
	struct poller_account *accs;
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
	reload_timeline(p, s);
	if (p->settings_owned)
		settings_free((struct settings *)p->settings);
	p->settings = s;
	p->settings_owned = true;
	p->dirty = true;
	log_info("configuration reloaded; it applies from now");
}

/* ---- the plan -------------------------------------------------------------- */

static long cluster_interval(const struct settings *s, size_t k)
{
	return cluster_endpoints[k]->interval(s);
}

static bool listed_ok(const struct poller_account *acc)
{
	return acc->discover && acc->discovery_success;
}

/* Makes the account's plan anew when the fleet, the settings or the budget
 * changed; one log line when it moved. */
static void replan(struct poller *p, struct poller_account *acc)
{
	const struct settings *s = p->settings;
	double budget = api_hourly_rate(acc->api);
	if (!acc->plan_dirty && budget == acc->plan_budget)
		return;
	acc->plan_dirty = false;
	acc->plan_budget = budget;

	/* what each row costs, then the rows in priority order */
	struct sched_demand d[PLAN_ROWS];
	size_t pages = (acc->listed + PAGE_SIZE - 1) / PAGE_SIZE;
	d[PLAN_LIST] = (struct sched_demand){ acc->discover ? (double)(pages ? pages : 1) : 0,
					      (double)settings_poll_interval(s),
					      endpoint_clusters_kind.priority };
	d[PLAN_OPTIONS] = (struct sched_demand){ acc->index == 0 ? 1 : 0,
						 (double)settings_options_interval(s),
						 endpoint_options_kind.priority };
	bool listed = listed_ok(acc);
	for (size_t k = 0; k < CLUSTER_ENDPOINT_COUNT; k++) {
		size_t units = 0;
		for (size_t i = 0; i < acc->reg.count; i++)
			units += cluster_endpoints[k]->wanted(s, &acc->reg.records[i], listed);
		d[PLAN_CLUSTER0 + k] = (struct sched_demand){ (double)units,
							      (double)cluster_interval(s, k),
							      cluster_endpoints[k]->kind.priority };
	}
	struct sched_plan_entry result[PLAN_ROWS];
	acc->planned_per_hour = sched_plan(budget, d, PLAN_ROWS, result);

	bool moved = false;
	for (size_t i = 0; i < PLAN_ROWS; i++) {
		size_t row = i;
		bool on = d[row].interval > 0 && d[row].units > 0;
		const struct sched_plan_entry *old = &acc->plan[row];
		if (on != acc->planned[row] || result[i].stretched != old->stretched ||
		    (on && fabs(result[i].interval - old->interval) >
				   PLAN_LOG_CHANGE * old->interval))
			moved = true;
		acc->plan[row] = result[i];
		acc->planned[row] = on;
	}
	if (!moved)
		return;
	char text[PLAN_ROWS][48];
	const char *kv[2 * PLAN_ROWS];
	_Static_assert(2 * PLAN_ROWS == 16, "the request plan's log line passes 16 values");
	size_t n = 0;
	for (size_t row = 0; row < PLAN_ROWS; row++) {
		if (!acc->planned[row])
			continue;
		snprintf(text[row], sizeof text[row], "%.0fs%s", acc->plan[row].interval,
			 acc->plan[row].stretched ? "(stretched)" : "");
		kv[n++] = plan_name(row);
		kv[n++] = text[row];
	}
	for (; n < (size_t)2 * PLAN_ROWS; n++)
		kv[n] = NULL;
	log_info("request plan", "account", account_label(acc), "requests_per_hour",
		 LOG_FIXED(acc->planned_per_hour, 0), "budget_per_hour",
		 budget > 0 ? LOG_FIXED(budget, 0) : "unlimited", kv[0], kv[1], kv[2], kv[3],
		 kv[4], kv[5], kv[6], kv[7], kv[8], kv[9], kv[10], kv[11], kv[12], kv[13], kv[14],
		 kv[15]);
}

/* The interval the plan gives cluster endpoint k now. */
static double plan_interval(const struct poller_account *acc, size_t k)
{
	return acc->plan[PLAN_CLUSTER0 + k].interval;
}

/* ---- tasks --------------------------------------------------------------- */

/* Turns tasks that are no longer wanted off, and newly wanted ones on. */
static void refresh_tasks(const struct poller *p, struct poller_account *acc, double now)
{
	bool listed = listed_ok(acc);
	for (size_t i = 0; i < acc->reg.count; i++) {
		struct record *rec = &acc->reg.records[i];
		for (size_t k = 0; k < CLUSTER_ENDPOINT_COUNT; k++) {
			struct sched_task *t = &rec->sched.task[k];
			bool want = cluster_endpoints[k]->wanted(p->settings, rec, listed);
			if (!want)
				t->due = INFINITY;
			else if (isinf(t->due))
				t->due = now;
		}
	}
}

/* ---- answers ------------------------------------------------------------- */

static void mark(struct poll_status *ps, bool success, double now)
{
	ps->attempted = true;
	ps->success = success;
	if (success)
		ps->last_success = now;
}

/* A finished attempt of a task: when it is due next. */
static void reschedule(const struct poller *p, struct sched_task *t, double interval, bool ok,
		       double now_mono)
{
	t->last_attempt = now_mono;
	if (ok) {
		t->signal = false;
		t->due = sched_next_due(now_mono, interval);
		return;
	}
	/* failed: tried again after the list's interval at the latest */
	double retry = (double)settings_poll_interval(p->settings);
	if (interval < retry)
		retry = interval;
	t->due = sched_next_due(now_mono, retry);
}

static void note_round(struct poller *p, bool ok)
{
	p->round_requests++;
	p->round_ok = p->round_ok && ok;
	p->all_ok = p->all_ok && ok;
}

static bool missing_from_discovery(const struct record *rec)
{
	return !rec->seen && !rec->configured;
}

static void note_history(struct poller *p, const struct poller_account *acc, struct record *rec,
			 double now);

/* The list: every cluster's facts and state, and the signals they raise. */
static void run_list(struct poller *p, struct poller_account *acc, double now_mono)
{
	struct discovery_result res;
	/* pages wait for the budget as long as it takes; only a 429's pause
	 * longer than the hold gives up */
	enum err rc = discovery_run(acc->api, &acc->stats, acc->name,
				    now_mono + LIST_HOLD, &res);
	for (size_t i = 0; i < res.requests; i++)
		note_round(p, rc == ERR_OK || i + 1 < res.requests);
	if (rc == ERR_CANCELLED)
		return;
	double now = clock_real();
	double after = clock_mono();
	acc->discovery_attempted = true;
	acc->discovery_success = rc == ERR_OK;
	reschedule(p, &acc->task[TASK_LIST], acc->plan[PLAN_LIST].interval, rc == ERR_OK,
		   now_mono);
	if (rc != ERR_OK) {
		refresh_tasks(p, acc, after);
		acc->plan_dirty = true;
		p->dirty = true;
		return;
	}
	acc->last_discovery_success = now;
	acc->listed = res.count;
	for (size_t i = 0; i < acc->reg.count; i++)
		acc->reg.records[i].seen = false;
	size_t before = acc->reg.count;
	for (size_t i = 0; i < res.count; i++) {
		struct cluster *c = &res.clusters[i];
		if (!settings_in_shard(p->settings, c->id))
			continue; /* another replica's; freed with the list */
		/* records [0, before) are sorted; new ones are appended */
		struct registry old = { acc->reg.records, before, before };
		struct record *rec = registry_find(&old, c->id);
		if (!rec)
			rec = add_record(acc, c->id);
		if (!rec) {
			log_error("out of memory adding a discovered cluster", "cluster_id", c->id);
			continue;
		}
		cluster_cleanup(&rec->r.cluster);
		rec->r.cluster = *c;
		memset(c, 0, sizeof *c);
		rec->r.have_cluster = true;
		rec->gone = false;
		rec->seen = true;
		endpoint_upgrades_note_cluster(rec, after);
		note_history(p, acc, rec, now);
	}
	discovery_result_cleanup(&res);
	/* missing from the account's list: gone, unless configured by id */
	registry_remove_if(&acc->reg, missing_from_discovery);
	registry_sort(&acc->reg);
	refresh_tasks(p, acc, after);
	acc->plan_dirty = true;
	p->dirty = true;
}

/* /options, with the first account's client. */
static void run_options(struct poller *p, struct poller_account *acc, double now_mono)
{
	struct api_response res;
	enum err rc = api_get(acc->api, ENDPOINT_OPTIONS, endpoint_options_path, false,
			      now_mono + BATCH_HOLD, &res);
	if (rc == ERR_CANCELLED) {
		api_response_cleanup(&res, false);
		return;
	}
	p->options_attempted = true;
	if (rc == ERR_HTTP)
		endpoint_log_status(acc->name, ENDPOINT_OPTIONS, "", &res);
	if (rc == ERR_OK) {
		struct upgrades u;
		unsigned long long h = 0;
		rc = endpoint_options_decode(res.body, res.len, &u, &h);
		if (rc == ERR_OK) {
			bool changed = p->have_options && h != p->options_hash;
			upgrades_cleanup(&p->options);
			p->options = u;
			p->options_hash = h;
			p->have_options = true;
			p->last_options_success = clock_real();
			/* (b): the offered versions changed: every cluster's
			 * upgrades may have */
			for (size_t a = 0; changed && a < p->account_count; a++)
				for (size_t i = 0; i < p->accounts[a].reg.count; i++)
					endpoint_upgrades_sweep(&p->accounts[a].reg.records[i]);
			if (changed)
				log_info("the offered versions changed: every cluster's upgrades are read again");
		} else {
			endpoint_count_decode_error(&acc->stats, acc->name, ENDPOINT_OPTIONS, rc, "");
		}
	}
	api_response_cleanup(&res, false);
	p->options_success = rc == ERR_OK;
	note_round(p, p->options_success);
	reschedule(p, &acc->task[TASK_OPTIONS], acc->plan[PLAN_OPTIONS].interval,
		   p->options_success, now_mono);
	p->dirty = true;
}

/* What one batch needs in the done callback. */
struct batch {
	struct poller *p;
	struct poller_account *acc;
	size_t throttled; /* requests the budget held back past the batch */
};

/* req->user: the pick, whose record does not move during a batch */
struct job {
	struct record *rec;
	size_t task;
	char path[ENDPOINT_PATH_MAX];
};

static void on_done(struct api_request *req, void *ctx)
{
	struct batch *b = ctx;
	struct job *job = req->user;
	struct record *rec = job->rec;
	const struct cluster_endpoint *ep = cluster_endpoints[job->task];
	const char *id = rec->r.cluster.id;
	bool ok = req->result == ERR_OK;
	/* a non-2xx answer that still says something (clusterlint's "never
	 * linted") is a success, and no sign that the cluster went */
	bool answered = req->result == ERR_HTTP &&
			endpoint_status_answer(ep, &b->acc->stats, rec, &req->res, clock_real());
	if (req->result == ERR_HTTP && !answered) {
		endpoint_log_status(b->acc->name, req->ep, id, &req->res);
		if (req->res.status == 404)
			rec->not_found = true;
	}
	if (ok) {
		enum err rc = ep->apply(b->p->settings, rec, req->res.body, req->res.len, clock_real());
		if (rc != ERR_OK) {
			endpoint_count_decode_error(&b->acc->stats, b->acc->name, req->ep, rc, id);
			ok = false;
		}
	}
	ok = ok || answered;
	api_response_cleanup(&req->res, req->secret);
	if (req->result == ERR_CANCELLED)
		return; /* stopping: nothing about the cluster was learnt */
	if (req->result == ERR_THROTTLED) {
		/* never sent: the budget held it past the batch. It stays due,
		 * counted as tried for --once's round; logged once a batch */
		b->throttled++;
		rec->sched.task[job->task].last_attempt = clock_mono();
		b->p->all_ok = false;
		return;
	}
	mark(&rec->r.poll[ep->poll], ok, clock_real());
	note_round(b->p, ok);
	reschedule(b->p, &rec->sched.task[job->task], plan_interval(b->acc, job->task), ok,
		   clock_mono());
	if (ok && job->task == TASK_CLUSTER) {
		endpoint_upgrades_note_cluster(rec, clock_mono()); /* a read by id shows it too */
		note_history(b->p, b->acc, rec, clock_real());
	}
	/* as answers arrive, not when the batch's slowest is done: records
	 * neither move nor go during a batch, so a render here is safe */
	b->p->dirty = true;
	maybe_publish(b->p, false);
}

static bool discovered_and_not_found(const struct record *rec)
{
	return rec->not_found && !rec->configured;
}

static void restore_status_cursor(const struct poller *p, const struct poller_account *acc,
				  struct record *rec);

/* Sends the picked cluster tasks as one batch. */
static void run_batch(struct poller *p, struct poller_account *acc, const struct sched_pick *picks,
		      size_t n, double now_mono)
{
	struct api_request *reqs = calloc(n, sizeof *reqs);
	struct job *jobs = calloc(n, sizeof *jobs);
	if (!reqs || !jobs) {
		log_error("out of memory planning requests");
		free(reqs);
		free(jobs);
		/* attempted and failed: tried again later, never in a tight loop */
		for (size_t i = 0; i < n; i++)
			reschedule(p, &acc->reg.records[picks[i].cluster].sched.task[picks[i].task],
				   plan_interval(acc, picks[i].task), false, now_mono);
		p->all_ok = false;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct record *rec = &acc->reg.records[picks[i].cluster];
		const struct cluster_endpoint *ep = cluster_endpoints[picks[i].task];
		rec->not_found = false;
		jobs[i] = (struct job){ .rec = rec, .task = picks[i].task };
		if (picks[i].task == TASK_STATUS_MESSAGES)
			restore_status_cursor(p, acc, rec);
		ep->path(jobs[i].path, sizeof jobs[i].path, p->settings, rec);
		reqs[i] = (struct api_request){
			.ep = ep->ep, .path = jobs[i].path, .secret = ep->secret, .user = &jobs[i]
		};
	}
	struct batch b = { .p = p, .acc = acc };
	api_run(acc->api, reqs, n, now_mono + BATCH_HOLD, on_done, &b);
	if (b.throttled > 0) {
		log_warn("requests not sent: a rate-limit pause held them back; they stay due",
			 "account", account_label(acc), "requests", LOG_UINT(b.throttled));
	}
	bool changed = false;
	for (size_t i = 0; i < n; i++) {
		struct record *rec = jobs[i].rec;
		if (!rec->configured || !rec->not_found)
			continue;
		if (!rec->gone)
			log_warn("cluster not found: it leaves the output until the API knows it again",
				 "cluster_id", rec->r.cluster.id);
		rec->gone = true;
		changed = true;
	}
	for (size_t i = 0; i < n; i++) {
		struct record *rec = jobs[i].rec;
		/* only the answer about the cluster itself says it is back */
		if (rec->configured && rec->gone && !rec->not_found && jobs[i].task == TASK_CLUSTER &&
		    rec->r.poll[POLL_CLUSTER].success) {
			rec->gone = false;
			changed = true;
		}
		changed = changed || (rec->not_found && !rec->configured);
	}
	free(reqs);
	free(jobs);
	/* a discovered cluster that went between the list and its requests
	 * leaves now; a configured one is asked again by id */
	registry_remove_if(&acc->reg, discovered_and_not_found);
	if (changed) {
		refresh_tasks(p, acc, clock_mono());
		acc->plan_dirty = true;
	}
	p->dirty = true;
}

/* ---- state and publication ------------------------------------------------ */

static void state_key(const struct poller_account *acc, const char *id, char *key)
{
	snprintf(key, KEY_MAX, "%s/%s", acc->name, id);
}

/* Classifies the offered versions and dates them from the state. */
static void note_upgrades(struct poller *p, struct poller_account *acc, struct record *rec, double now)
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

/* A sighting of the cluster (the list or a read by id) feeds its upgrade
 * history, kept in the state file. */
static void note_history(struct poller *p, const struct poller_account *acc, struct record *rec,
			 double now)
{
	char key[KEY_MAX];
	state_key(acc, rec->r.cluster.id, key);
	state_note_cluster(p->state, key, rec->r.cluster.version, rec->r.cluster.state, now,
			   &rec->r.history);
}

/* Logs a disagreement between the support timeline and /options (or a
 * release the table does not list) once per release and kind. */
static void log_support_note(struct poller *p, const char *release, enum support_note note)
{
	static const char *const what[] = {
		[SUPPORT_UNLISTED] = "the support timeline does not list the cluster's release: "
				     "its forced upgrade is estimated from /options (add its row: see the README)",
		[SUPPORT_MISSING_BUT_LISTED] = "/options no longer offers a release the support timeline "
					       "says is supported: it counts as unsupported; the table's dates stay",
		[SUPPORT_OFFERED_BUT_ENDED] = "/options still offers a release past its end of support in "
					      "the support timeline: it counts as unsupported; the table's dates stay",
	};
	if (note == SUPPORT_AGREE || !release[0])
		return;
	size_t i = 0;
	while (i < p->support_logged_count && strcmp(p->support_logged[i].release, release) != 0)
		i++;
	if (i == p->support_logged_count) {
		if (i == sizeof p->support_logged / sizeof p->support_logged[0])
			return; /* that many releases at once: enough said */
		memcpy(p->support_logged[i].release, release, strlen(release) + 1);
		p->support_logged[i].notes = 0;
		p->support_logged_count++;
	}
	if (p->support_logged[i].notes & (1u << note))
		return;
	p->support_logged[i].notes |= 1u << note;
	log_warn(what[note], "release", release);
}

/* Each record's struct support, from the timeline, /options and the
 * state's "unsupported since" (which it updates first): at every
 * publication, before the render and the state's save. */
static void fill_support(struct poller *p, double now)
{
	const struct upgrades *options = p->have_options ? &p->options : NULL;
	for (size_t i = 0; i < p->account_count; i++) {
		struct poller_account *acc = &p->accounts[i];
		for (size_t j = 0; j < acc->reg.count; j++) {
			struct cluster_record *r = &acc->reg.records[j].r;
			char release[TIMELINE_RELEASE_SIZE];
			if (!r->have_cluster || !r->cluster.version ||
			    !timeline_minor_of(r->cluster.version, release, sizeof release)) {
				r->support = (struct support){ 0 };
				continue;
			}
			int offered = support_release_offered(options, release);
			if (offered >= 0)
				state_note_release(p->state, release, offered == 1, now);
			struct support_input in = {
				.timeline = p->timeline,
				.version = r->cluster.version,
				.window = r->cluster.have_maintenance ? &r->cluster.maintenance : NULL,
				.offered = offered,
				.unsupported_since = state_unsupported_since(p->state, release),
				.now = now,
			};
			log_support_note(p, release, support_compute(&in, &r->support, release));
		}
	}
}

/* The status messages' cursor: taken from the state before a record's
 * first read, given back to it after each answer. */
static void restore_status_cursor(const struct poller *p, const struct poller_account *acc,
				  struct record *rec)
{
	char key[KEY_MAX];
	state_key(acc, rec->r.cluster.id, key);
	endpoint_status_messages_restore(rec, state_status_cursor(p->state, key));
}

static void note_status_cursor(struct poller *p, const struct poller_account *acc,
			       const struct record *rec)
{
	if (!rec->r.have_status_messages || rec->r.status_messages.last_timestamp <= 0)
		return;
	char key[KEY_MAX];
	state_key(acc, rec->r.cluster.id, key);
	state_set_status_cursor(p->state, key, rec->r.status_messages.last_timestamp);
}

static bool key_is_known(const char *key, void *ctx)
{
	const struct poller *p = ctx;
	const char *slash = strchr(key, '/');
	if (!slash)
		return false;
	for (size_t i = 0; i < p->account_count; i++) {
		const struct poller_account *acc = &p->accounts[i];
		size_t n = strlen(acc->name);
		if (n != (size_t)(slash - key) || strncmp(key, acc->name, n) != 0)
			continue;
		const struct record *rec = registry_find(&acc->reg, slash + 1);
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

/* The plan and data ages of one account, for the metrics. */
static size_t plan_rows(const struct poller_account *acc, const struct cluster_record *views, size_t n,
			double now, struct endpoint_plan *out, const struct poller *p)
{
	size_t rows = 0;
	for (size_t row = 0; row < PLAN_ROWS; row++) {
		if (!acc->planned[row])
			continue;
		struct endpoint_plan e = { .endpoint = plan_name(row),
					   .interval = acc->plan[row].interval };
		double oldest = -1;
		if (row == PLAN_LIST) {
			if (acc->last_discovery_success > 0)
				oldest = acc->last_discovery_success;
		} else if (row == PLAN_OPTIONS) {
			if (p->last_options_success > 0)
				oldest = p->last_options_success;
		} else {
			enum poll_endpoint pe = cluster_endpoints[row - PLAN_CLUSTER0]->poll;
			for (size_t i = 0; i < n; i++) {
				double t = views[i].poll[pe].last_success;
				if (t > 0 && (oldest < 0 || t < oldest))
					oldest = t;
			}
		}
		e.have_age = oldest > 0;
		e.oldest_age = oldest > 0 && now > oldest ? now - oldest : 0;
		out[rows++] = e;
	}
	return rows;
}

static void publish(struct poller *p)
{
	double started = clock_mono();
	double now = clock_real();
	for (size_t i = 0; i < p->account_count; i++) {
		struct poller_account *acc = &p->accounts[i];
		for (size_t j = 0; j < acc->reg.count; j++) {
			if (acc->reg.records[j].r.have_upgrades)
				note_upgrades(p, acc, &acc->reg.records[j], now);
			note_status_cursor(p, acc, &acc->reg.records[j]);
		}
	}
	fill_support(p, now);
	save_state(p);
	/* only the exported records, in id order: shallow copies, borrowed
	 * for the render, all accounts in one array */
	size_t total = 0;
	for (size_t i = 0; i < p->account_count; i++)
		total += p->accounts[i].reg.count;
	size_t nacc = p->account_count ? p->account_count : 1;
	struct account_view *accounts = calloc(nacc, sizeof(struct account_view));
	struct endpoint_plan *plans = calloc(nacc * PLAN_ROWS, sizeof(struct endpoint_plan));
	struct cluster_record *views = calloc(total ? total : 1, sizeof(struct cluster_record));
	bool ok = accounts && views && plans;
	size_t used = 0;
	double effective = (double)settings_poll_interval(p->settings);
	for (size_t i = 0; ok && i < p->account_count; i++) {
		struct poller_account *acc = &p->accounts[i];
		struct cluster_record *mine = views + used;
		size_t n = 0;
		for (size_t j = 0; j < acc->reg.count; j++)
			if (!acc->reg.records[j].gone)
				mine[n++] = acc->reg.records[j].r;
		used += n;
		struct endpoint_plan *rows = plans + i * PLAN_ROWS;
		size_t nrows = plan_rows(acc, mine, n, now, rows, p);
		if (acc->planned[PLAN_LIST] && acc->plan[PLAN_LIST].interval > effective)
			effective = acc->plan[PLAN_LIST].interval;
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
			.plan = rows,
			.plan_count = nrows,
			.planned_per_hour = acc->planned_per_hour,
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
			.effective_interval = effective,
			.config_reload_success = reload_ok,
			.config_last_reload_success = reload_time,
			.timeline = p->timeline,
			.version = buildinfo_version(),
			.revision = buildinfo_revision(),
		};
		statuspage_stage(&v, settings_telemetry_path(p->settings));
		ok = metrics_render(&v, &text, &len) == ERR_OK;
	}
	free(views);
	free(plans);
	free(accounts);
	if (!ok) {
		log_error("out of memory rendering metrics; the previous snapshot stays");
		return;
	}
	snapshot_publish(text, len);
	/* give freed memory back: RSS is what operators see */
	malloc_trim(0);
	p->dirty = false;
	p->last_publish = clock_mono();
	p->render_cost = p->last_publish - started;
}

/* Every account's first list (or its configured ids' first reads) done. */
static bool first_listed(const struct poller *p)
{
	for (size_t i = 0; i < p->account_count; i++) {
		const struct poller_account *acc = &p->accounts[i];
		if (acc->discover && !acc->discovery_attempted)
			return false;
		for (size_t j = 0; j < acc->reg.count; j++) {
			const struct sched_task *t = &acc->reg.records[j].sched.task[TASK_CLUSTER];
			if (!isinf(t->due) && t->last_attempt < 0)
				return false;
		}
	}
	return true;
}

/* When the next publication may come: often while answers arrive, less
 * often when a render is expensive. */
static double publish_due(const struct poller *p)
{
	if (!p->dirty)
		return INFINITY;
	if (!p->ready || p->last_publish < 0)
		return first_listed(p) ? 0 : INFINITY;
	double gap = p->render_cost / PUBLISH_MAX_SHARE;
	if (gap < PUBLISH_MIN_GAP)
		gap = PUBLISH_MIN_GAP;
	return p->last_publish + gap;
}

static void maybe_publish(struct poller *p, bool force)
{
	double due = publish_due(p);
	if (!(force && p->dirty && first_listed(p)) && due > clock_mono())
		return;
	publish(p);
	if (!p->ready && first_listed(p)) {
		p->ready = true;
		log_info("first list published: ready");
	}
}

/* ---- the loop ------------------------------------------------------------- */

static const struct sched_cluster *cluster_at(const void *ctx, size_t i)
{
	const struct poller_account *acc = ctx;
	return &acc->reg.records[i].sched;
}

static struct sched_view view_of(const struct poller *p, const struct poller_account *acc, double now)
{
	return (struct sched_view){ .now = now,
				    .account = acc->task,
				    .account_kind = p->account_kinds,
				    .account_count = ACCOUNT_TASKS,
				    .kind = p->kinds,
				    .kinds = CLUSTER_ENDPOINT_COUNT,
				    .clusters = acc->reg.count,
				    .cluster = cluster_at,
				    .ctx = acc };
}

static void open_round(struct poller *p, double now_mono);
static void close_round(struct poller *p, double now_mono);

/* Sends what is due on the account and may start now; returns true when
 * it sent anything. *wake gets when the account next has work; *backlog
 * whether work is due that the budget holds back. */
static bool account_step(struct poller *p, struct poller_account *acc, double *wake, bool *backlog)
{
	double now = clock_mono();
	if (acc->plan_dirty)
		refresh_tasks(p, acc, now);
	replan(p, acc);
	struct sched_view v = view_of(p, acc, now);
	/* the last SCHED_RESERVE of each window is kept for the list and the
	 * change-driven reads: without it a backlog of planned reads (every
	 * new cluster's first round) would fill a window and make the list
	 * wait it out */
	v.hold_from = api_hold_from(acc->api, now);
	bool held = v.hold_from > 0;
	size_t room = api_room(acc->api, now);
	size_t max = (size_t)settings_max_parallel(p->settings) * BATCH_PER_SLOT;
	if (room < max)
		max = room;
	struct sched_pick picks[64 * BATCH_PER_SLOT];
	if (max > sizeof picks / sizeof picks[0])
		max = sizeof picks / sizeof picks[0];
	double next;
	size_t n = sched_pick(&v, picks, max, &next);
	*backlog = next <= now || held;
	if (held && next > now + HOLD_RECHECK)
		next = now + HOLD_RECHECK; /* the held tasks: look again as the window slides */
	if (n == 0) {
		/* something due but no room: the budget says when */
		*wake = next <= now ? api_next_start(acc->api, now) : next;
		return false;
	}
	/* the list (and /options) first, on their own: the list may add and
	 * remove records, which moves the picked clusters */
	if (picks[0].cluster == SCHED_ACCOUNT) {
		if (picks[0].task == TASK_LIST) {
			open_round(p, now);
			run_list(p, acc, now);
		} else {
			run_options(p, acc, now);
		}
		*wake = now;
		return true;
	}
	size_t batch = 0;
	while (batch < n && picks[batch].cluster != SCHED_ACCOUNT)
		batch++;
	if (!p->round_open && picks[0].priority == SCHED_PRIO_LIST)
		open_round(p, now);
	run_batch(p, acc, picks, batch, now);
	*wake = now;
	return true;
}

static void open_round(struct poller *p, double now_mono)
{
	if (p->round_open)
		close_round(p, now_mono);
	p->round_open = true;
	p->round_started = now_mono;
	p->round_requests = 0;
	p->round_ok = true;
}

/* A round ends when nothing is due any more: one line a list interval. */
static void close_round(struct poller *p, double now_mono)
{
	if (!p->round_open)
		return;
	p->round_open = false;
	p->poll_duration = now_mono - p->round_started;
	/* the round's line says its answers are on /metrics: publish first */
	p->dirty = true;
	maybe_publish(p, true);
	size_t clusters = 0;
	for (size_t i = 0; i < p->account_count; i++)
		clusters += p->accounts[i].reg.count;
	log_info("poll cycle finished", "clusters", LOG_UINT(clusters), "requests",
		 LOG_UINT(p->round_requests), "duration", LOG_SECONDS(p->poll_duration), "success",
		 p->round_ok ? "true" : "false");
}

/* Does all the due work the budgets allow now; returns the monotonic time
 * there is more to do. */
static double step(struct poller *p)
{
	if (atomic_exchange(&p->reload_noted, false))
		p->dirty = true;
	double wake = INFINITY;
	bool idle = true, backlog = false;
	for (size_t i = 0; i < p->account_count && !atomic_load(&p->stop); i++) {
		struct poller_account *acc = &p->accounts[i];
		double w = INFINITY;
		bool held = false;
		while (!atomic_load(&p->stop) && account_step(p, acc, &w, &held)) {
			idle = false;
			maybe_publish(p, false);
		}
		backlog = backlog || held;
		if (w < wake)
			wake = w;
	}
	/* a round ends when nothing is due, not when the budget holds work */
	if (idle && !backlog && p->round_open)
		close_round(p, clock_mono());
	maybe_publish(p, false);
	double pub = publish_due(p);
	return pub < wake ? pub : wake;
}

/* Waits until the monotonic time until, a reload, or stop. */
static void wait_until(struct poller *p, double until)
{
	pthread_mutex_lock(&p->lock);
	while (!atomic_load(&p->stop) && !p->pending_settings && !atomic_load(&p->reload_noted)) {
		double left = until - clock_mono();
		if (left <= 0)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		double s = left > WAIT_SLICE ? WAIT_SLICE : left; /* re-check each second */
		ts.tv_sec += (time_t)s;
		ts.tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->wake, &p->lock, &ts);
	}
	pthread_mutex_unlock(&p->lock);
}

/* Every task wanted now was attempted since start (monotonic). */
static bool round_complete(const struct poller *p, double start)
{
	for (size_t i = 0; i < p->account_count; i++) {
		const struct poller_account *acc = &p->accounts[i];
		for (size_t k = 0; k < ACCOUNT_TASKS; k++)
			if (!isinf(acc->task[k].due) && acc->task[k].last_attempt < start)
				return false;
		for (size_t j = 0; j < acc->reg.count; j++)
			for (size_t k = 0; k < CLUSTER_ENDPOINT_COUNT; k++) {
				const struct sched_task *t = &acc->reg.records[j].sched.task[k];
				if (!isinf(t->due) && t->last_attempt < start)
					return false;
			}
	}
	return true;
}

bool poller_cycle(struct poller *p)
{
	take_pending_settings(p);
	double start = clock_mono();
	p->all_ok = true;
	while (!atomic_load(&p->stop)) {
		double wake = step(p);
		if (round_complete(p, start))
			break;
		wait_until(p, wake);
		take_pending_settings(p);
	}
	if (atomic_load(&p->stop))
		return false;
	close_round(p, clock_mono());
	p->dirty = true;
	maybe_publish(p, true);
	return p->all_ok;
}

void poller_each_cluster(const struct poller *p, poller_cluster_fn fn, void *ctx)
{
	bool named = settings_named_accounts(p->settings);
	for (size_t i = 0; i < p->account_count; i++) {
		const struct poller_account *acc = &p->accounts[i];
		for (size_t j = 0; j < acc->reg.count; j++) {
			const struct record *rec = &acc->reg.records[j];
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
		take_pending_settings(p);
		double wake = step(p);
		wait_until(p, wake);
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
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	settings_free(old); /* two reloads before they apply: the newer wins */
}

void poller_note_reload(struct poller *p, bool ok, double when)
{
	pthread_mutex_lock(&p->lock);
	p->reload_ok = ok;
	if (ok)
		p->reload_success_time = when;
	atomic_store(&p->reload_noted, true);
	pthread_cond_signal(&p->wake);
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
	timeline_free(p->timeline);
	settings_free(p->pending_settings);
	if (p->settings_owned)
		settings_free((struct settings *)p->settings);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}
