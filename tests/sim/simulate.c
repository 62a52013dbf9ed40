/* simulate.c - `make simulate`: the exporter's scheduler and budget driven
 * by a virtual clock through hours of a model of the DigitalOcean API, for
 * fleets of several sizes; prints (or writes as Markdown) the requests a
 * minute and an hour, each signal's data age and the delay from a change
 * to the request that sees it, and with --check fails when a promised
 * property does not hold.
 *
 * What is real: the budget (ratelimit_*), the choice of what goes next
 * (sched_pick), the plan (sched_plan), the due times (sched_next_due), the
 * priorities (the endpoint files' sched_kind values), and within a batch
 * which request or retry starts next, when a retry is due and whether the
 * budget holds the rest past the deadline (apisched_*). What is mirrored
 * here because poller.c and api.c keep it in static functions or drive it
 * with the real clock and libcurl: account_step, run_list, run_options,
 * run_batch/on_done, reschedule, check_signals, refresh_tasks, replan
 * (poller.c) and api_run's slots and finish (api.c). Each mirror says
 * which function it copies; keep them in step with those.
 *
 * What is modelled: per-request latency, 5xx failures, the token's
 * rate-limit headers and 429s, and per-cluster events (version changes,
 * `degraded` and `upgrading` episodes) and changes of the offered versions.
 * The fleet itself is fixed: clusters are neither created nor deleted.
 *
 * Single-threaded, no I/O but the report, no sleeping: a 24-hour run at
 * 10,000 clusters takes seconds.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apisched.h"
#include "endpoints/endpoint.h"
#include "ratelimit.h"
#include "scheduler.h"
#include "settings.h"

/* ---- mirrored constants (poller.c, api.c) --------------------------------- */

#define PAGE_SIZE 200       /* poller.c: clusters a page of the list holds */
#define BATCH_PER_SLOT 2    /* poller.c: requests per parallel transfer */
#define BATCH_HOLD 10.0     /* poller.c: how long a batch may wait for the budget */
#define LIST_HOLD 600.0     /* poller.c: the same for the list's pages */
#define PICKS_MAX (64 * BATCH_PER_SLOT) /* poller.c: account_step's picks[] */
#define API_MAX_GAP_MIN 300.0 /* api.c: the budget's max_gap floor */

/* Unix time of the virtual clock's zero, for the headers' reset times. */
#define REAL_EPOCH 1.8e9
/* The data-age histograms' resolution. */
#define AGE_BIN 1.0
/* Ages and delays are sampled this often (virtual seconds). */
#define SAMPLE_EVERY 60.0

/* ---- parameters ------------------------------------------------------------ */

struct params {
	double hours;
	/* the exporter's settings */
	double interval, upgrades_interval, credentials_interval, options_interval;
	double clusterlint_interval, status_messages_interval, associated_resources_interval;
	double per_minute, fraction;
	int max_parallel, retries;
	/* the model */
	double limit;          /* ratelimit-limit: requests an hour per token */
	double other_per_hour; /* the token's other users (doctl, CI) */
	double latency_mean;   /* seconds; uniform in [0.4, 1.6] times this */
	double failure;        /* probability that an answer is a 500 */
	double version_days;   /* mean days between a cluster's version changes */
	double episode_days;   /* mean days between a cluster's state episodes */
	double episode_minutes; /* mean length of an episode */
	double options_per_week; /* changes of the offered version set */
	double options_first;    /* hours into the run of the first one */
	unsigned long long seed;
	/* the changes to the poller this simulation argues for (see
	 * docs/SCHEDULING.md): a request the budget held past its batch stays
	 * due; a change of the offered versions and a new cluster ask for
	 * /upgrades at the aged priority, oldest answer first, so that they
	 * never queue ahead of a cluster whose version moved */
};

static const struct params defaults = {
	.hours = 24,
	.interval = 300,
	.upgrades_interval = 3600,
	.credentials_interval = 3600,
	.options_interval = 3600,
	.clusterlint_interval = 3600,
	.status_messages_interval = 600,
	.associated_resources_interval = 3600,
	.per_minute = 60,
	.fraction = 0.5,
	.max_parallel = 4,
	.retries = 2,
	.limit = 5000,
	.other_per_hour = 0,
	.latency_mean = 0.25,
	.failure = 0.01,
	.version_days = 30,
	.episode_days = 7,
	.episode_minutes = 10,
	.options_per_week = 2,
	.options_first = 6,
	.seed = 1,
};

/* ---- random numbers: splitmix64, deterministic per seed -------------------- */

static unsigned long long rng_state;

static double unit(void)
{
	unsigned long long z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

static double exponential(double mean)
{
	return -mean * log(1 - unit());
}

/* ---- growing arrays of doubles ------------------------------------------------ */

struct series {
	double *v;
	size_t n, cap;
};

static void series_add(struct series *s, double x)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		double *nv = realloc(s->v, nc * sizeof *nv);
		if (!nv) {
			fprintf(stderr, "simulate: out of memory\n");
			exit(2);
		}
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank quantile of a sorted series. */
static double quantile(const struct series *s, double q)
{
	if (s->n == 0)
		return NAN;
	size_t k = (size_t)ceil(q * (double)s->n);
	return s->v[k > 0 ? k - 1 : 0];
}

/* ---- data-age histograms ------------------------------------------------------ */

struct hist {
	unsigned *bin;
	size_t bins;
	unsigned long long n;
	double max;
};

static void hist_init(struct hist *h, double span)
{
	h->bins = (size_t)(span / AGE_BIN) + 2;
	h->bin = calloc(h->bins, sizeof *h->bin);
	if (!h->bin) {
		fprintf(stderr, "simulate: out of memory\n");
		exit(2);
	}
	h->n = 0;
	h->max = 0;
}

static void hist_add(struct hist *h, double x)
{
	size_t b = (size_t)(x / AGE_BIN);
	if (b >= h->bins)
		b = h->bins - 1;
	h->bin[b]++;
	h->n++;
	if (x > h->max)
		h->max = x;
}

/* The upper edge of the bin holding quantile q (at most the maximum). */
static double hist_quantile(const struct hist *h, double q)
{
	if (h->n == 0)
		return NAN;
	unsigned long long want = (unsigned long long)ceil(q * (double)h->n), seen = 0;
	for (size_t b = 0; b < h->bins; b++) {
		seen += h->bin[b];
		if (seen >= want && want > 0) {
			double edge = (double)(b + 1) * AGE_BIN;
			return edge < h->max ? edge : h->max;
		}
	}
	return h->max;
}

/* ---- the model of the API and of the fleet --------------------------------- */

enum wstate { W_RUNNING, W_DEGRADED, W_UPGRADING };

enum ev_kind { EV_VERSION, EV_DEGRADED, EV_UPGRADING, EV_RUNNING, EV_OPTIONS };

struct event {
	double t;
	size_t cluster;
	enum ev_kind kind;
};

static int cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	if (x->t != y->t)
		return (x->t > y->t) - (x->t < y->t);
	return (x->cluster > y->cluster) - (x->cluster < y->cluster);
}

/* ---- the exporter's view, as poller.c's struct record holds it ------------- */

/* The per-cluster signals after the state follow the endpoint table's
 * order from /upgrades on: task k's data is signal sig_of(k). */
enum {
	SIG_STATE,
	SIG_UPGRADES,
	SIG_CREDENTIALS,
	SIG_CLUSTERLINT,
	SIG_STATUS_MESSAGES,
	SIG_ASSOCIATED_RESOURCES,
	SIG_OPTIONS,
	SIGNALS
};
static const char *const signal_names[SIGNALS] = {
	"cluster state (list)", "/upgrades", "/credentials", "/clusterlint", "/status_messages",
	"/destroy_with_associated_resources", "/options"
};
_Static_assert(SIG_ASSOCIATED_RESOURCES - SIG_UPGRADES == TASK_ASSOCIATED_RESOURCES - TASK_UPGRADES &&
		       SIG_OPTIONS - SIG_UPGRADES == CLUSTER_ENDPOINT_COUNT - TASK_UPGRADES,
	       "a signal for every cluster endpoint from /upgrades on");

static size_t sig_of(size_t task)
{
	return SIG_UPGRADES + (task - TASK_UPGRADES);
}

struct rec {
	struct sched_cluster sched;
	/* what the latest applied list showed (rec->r.cluster) */
	bool have_cluster;
	int list_version;
	enum wstate list_state;
	/* check_signals' memory */
	bool have_last_state;
	enum wstate last_state;
	/* the version the latest /upgrades answer was for */
	bool have_upgrades_version;
	int upgrades_version;
	/* when the data in use was answered; < 0: never */
	double data_t[SIG_OPTIONS];
	/* measurement: the world's changes not yet shown by a list */
	double state_changed, version_changed;
	/* a signal the latest lists raised, awaiting its /upgrades read */
	double sig_since;      /* when the list raised it; < 0: none */
	double sig_change;     /* the version change behind it; < 0: left `upgrading` */
	bool opt_waiting;      /* an /options change asked for this read */
};

/* ---- one simulation --------------------------------------------------------- */

enum { TASK_LIST, TASK_OPTIONS, ACCOUNT_TASKS }; /* poller.c */
enum { PLAN_LIST, PLAN_OPTIONS, PLAN_CLUSTER0, PLAN_ROWS = PLAN_CLUSTER0 + CLUSTER_ENDPOINT_COUNT };
static const char *const plan_names[PLAN_ROWS] = { "clusters", "options", "cluster", "upgrades",
						   "credentials", "clusterlint", "status_messages",
						   "associated_resources" };

/* the cluster endpoints from /upgrades on, in the table's order */
enum ep {
	EP_LIST,
	EP_OPTIONS,
	EP_UPGRADES,
	EP_CREDENTIALS,
	EP_CLUSTERLINT,
	EP_STATUS_MESSAGES,
	EP_ASSOCIATED_RESOURCES,
	EPS
};
_Static_assert(EPS - EP_UPGRADES == CLUSTER_ENDPOINT_COUNT - TASK_UPGRADES,
	       "a request kind for every cluster endpoint from /upgrades on");

struct req {
	enum ep ep;
	size_t index; /* page or cluster */
	size_t task;  /* cluster task */
	bool ok;      /* ended 2xx */
	bool throttled;
	double started, answered;
	int options_version; /* /options: the set as answered */
};

struct slot {
	struct req *req;
	double end;
	int status;
	double remaining, reset_real;
};

struct result {
	size_t clusters;
	double hours;
	unsigned long long requests, by_ep[EPS], failures_5xx, throttled, rate_limited;
	size_t max_minute, max_hour;
	double first_round;    /* every wanted task attempted once; < 0: not within the run */
	double first_round_above; /* the same for every task above SCHED_PRIO_LATER */
	double first_upgrades; /* every cluster's /upgrades read once */
	double first_all_read; /* every cluster's every endpoint read once */
	struct hist age[SIGNALS];       /* after the first round */
	struct hist age_early[SIGNALS]; /* each cluster's data from its first read */
	/* delays, seconds; *_early: before every cluster's first /upgrades */
	struct series state_seen;       /* state change -> list showing it */
	struct series version_seen;     /* version change -> list showing it */
	struct series version_read, version_read_early; /* list -> /upgrades */
	struct series version_total, version_total_early; /* change -> /upgrades */
	struct series left_read, left_read_early; /* left `upgrading`: list -> /upgrades */
	struct series options_seen;     /* options change -> /options */
	struct series options_all;      /* /options -> every cluster's /upgrades */
	struct series options_total;    /* options change -> every cluster's /upgrades */
	unsigned long long state_missed, version_missed; /* reverted or superseded unseen */
	size_t never_read[SIGNALS];     /* clusters whose data was never read */
	struct sched_plan_entry plan[PLAN_ROWS];
	bool planned[PLAN_ROWS];
	double configured[PLAN_ROWS];
	double priority[PLAN_ROWS];
	double planned_per_hour, budget;
	size_t list_pages;
	/* the checks */
	unsigned passed, failed;
	char failure[8][160];
};

struct sim {
	struct params p;
	size_t n; /* clusters in the world */
	double now, horizon;
	/* the world */
	int *version;
	enum wstate *state;
	int options_version;
	double options_changed; /* not yet read by /options; < 0: none */
	struct event *ev;
	size_t nev, next_ev;
	/* the model's own count of arrivals, for its headers and 429s */
	struct series starts;
	size_t hour_from, minute_from;
	/* the exporter */
	struct ratelimit rl;
	struct apistats stats; /* api.c's view of the rate limit */
	struct sched_task acct[ACCOUNT_TASKS];
	struct sched_kind account_kinds[ACCOUNT_TASKS];
	struct sched_kind kinds[SCHED_TASKS];
	struct rec *rec;
	size_t count; /* records: 0 until the first list */
	bool discovery_success;
	size_t listed;
	bool have_options;
	int options_seen;
	double options_t;
	struct sched_plan_entry plan[PLAN_ROWS];
	bool planned[PLAN_ROWS];
	double planned_per_hour, plan_budget;
	bool plan_dirty;
	/* the list's pages as answered: each cluster's version and state */
	int *page_version;
	enum wstate *page_state;
	double *page_t;
	/* measurement */
	double next_sample;
	size_t opt_outstanding;
	double opt_read_at, opt_change_at, opt_last;
	struct result *res;
};

static double real_of(double mono)
{
	return REAL_EPOCH + mono;
}

/* ---- the world's clock -------------------------------------------------------- */

static void apply_event(struct sim *s, const struct event *e)
{
	if (e->kind == EV_OPTIONS) {
		s->options_version++;
		if (s->options_changed < 0)
			s->options_changed = e->t;
		return;
	}
	struct rec *r = &s->rec[e->cluster];
	if (e->kind == EV_VERSION) {
		s->version[e->cluster]++;
		if (r->version_changed >= 0)
			s->res->version_missed++; /* superseded before a list showed it */
		r->version_changed = e->t;
		return;
	}
	enum wstate to = e->kind == EV_DEGRADED ? W_DEGRADED :
			 e->kind == EV_UPGRADING ? W_UPGRADING : W_RUNNING;
	if (to == s->state[e->cluster])
		return;
	s->state[e->cluster] = to;
	if (r->state_changed >= 0)
		s->res->state_missed++; /* an episode shorter than the list's gap */
	r->state_changed = e->t;
}

static bool round_done_below(const struct sim *s, int priority);
static bool all_read(const struct sim *s, size_t sig);
static bool wanted(const struct sim *s, size_t k);

/* Every cluster's data age now, into the histograms. */
static void sample(struct sim *s, double t)
{
	struct result *res = s->res;
	if (res->first_round < 0 && round_done_below(s, SCHED_PRIO_LATER + 1))
		res->first_round = t;
	if (res->first_round_above < 0 && round_done_below(s, SCHED_PRIO_LATER))
		res->first_round_above = t;
	if (res->first_upgrades < 0 && s->count > 0 && all_read(s, SIG_UPGRADES))
		res->first_upgrades = t;
	if (res->first_all_read < 0 && s->count > 0 && all_read(s, SIG_STATE)) {
		bool every = true;
		for (size_t k = TASK_UPGRADES; k < CLUSTER_ENDPOINT_COUNT && every; k++)
			every = !wanted(s, k) || all_read(s, sig_of(k));
		if (every)
			res->first_all_read = t;
	}
	bool steady = res->first_round >= 0;
	for (size_t i = 0; i < s->count; i++)
		for (size_t g = 0; g < SIG_OPTIONS; g++) {
			double d = s->rec[i].data_t[g];
			if (d < 0)
				continue;
			hist_add(steady ? &res->age[g] : &res->age_early[g], t - d);
		}
	if (s->have_options)
		hist_add(steady ? &res->age[SIG_OPTIONS] : &res->age_early[SIG_OPTIONS],
			 t - s->options_t);
}

/* Moves the virtual clock to t, applying the world's events and taking
 * samples on the way. */
static void advance(struct sim *s, double t)
{
	/* the first complete round to the request, not to the sample:
	 * checked until it is reached (round_done stops at the first task
	 * not yet tried) */
	if (s->res->first_round < 0 && round_done_below(s, SCHED_PRIO_LATER + 1))
		s->res->first_round = s->now;
	if (s->res->first_round_above < 0 && round_done_below(s, SCHED_PRIO_LATER))
		s->res->first_round_above = s->now;
	for (;;) {
		double te = s->next_ev < s->nev ? s->ev[s->next_ev].t : INFINITY;
		double m = te < s->next_sample ? te : s->next_sample;
		if (m > t)
			break;
		if (m > s->now)
			s->now = m;
		if (te <= s->next_sample)
			apply_event(s, &s->ev[s->next_ev++]);
		else {
			sample(s, s->next_sample);
			s->next_sample += SAMPLE_EVERY;
		}
	}
	if (t > s->now)
		s->now = t;
}

/* ---- the API: arrival, answer, headers ------------------------------------ */

/* A request arrives at the model now: its status and headers. */
static void model_arrive(struct sim *s, struct slot *sl)
{
	double now = s->now;
	series_add(&s->starts, now);
	while (s->starts.v[s->hour_from] <= now - 3600)
		s->hour_from++;
	while (s->starts.v[s->minute_from] <= now - 60)
		s->minute_from++;
	double in_hour = (double)(s->starts.n - s->hour_from) + s->p.other_per_hour;
	double in_minute = (double)(s->starts.n - s->minute_from);
	sl->remaining = s->p.limit - in_hour;
	if (sl->remaining < 0)
		sl->remaining = 0;
	sl->reset_real = real_of(s->starts.v[s->hour_from] + 3600);
	if (in_hour > s->p.limit || in_minute > RATELIMIT_PER_MINUTE_MAX) {
		sl->status = 429;
		s->res->rate_limited++;
	} else if (unit() < s->p.failure) {
		sl->status = 500;
		s->res->failures_5xx++;
	} else {
		sl->status = 200;
	}
	sl->end = now + s->p.latency_mean * (0.4 + 1.2 * unit());
}

/* What a successful answer carries, read from the world when it arrives. */
static void model_answer(struct sim *s, struct req *r)
{
	r->answered = s->now;
	r->options_version = s->options_version;
	if (r->ep == EP_LIST) {
		size_t from = r->index * PAGE_SIZE;
		for (size_t i = from; i < s->n && i < from + PAGE_SIZE; i++) {
			s->page_version[i] = s->version[i];
			s->page_state[i] = s->state[i];
			s->page_t[i] = s->now;
		}
	}
}

/* api.c's finish: the answer's headers and a 429's pause through the same
 * decision (apisched_on_answer), the data of a successful answer. */
static void finish(struct sim *s, struct slot *sl)
{
	struct req *r = sl->req;
	struct apisched_headers h = { .have_limit = true, .have_remaining = true,
				      .have_reset = true, .limit = s->p.limit,
				      .remaining = sl->remaining, .reset_real = sl->reset_real };
	apisched_on_answer(&s->rl, &s->stats, sl->status, true, &h, s->now, real_of(s->now));
	r->ok = sl->status >= 200 && sl->status <= 299;
	if (r->ok)
		model_answer(s, r);
	sl->req = NULL;
}

typedef void (*done_fn)(struct sim *s, struct req *r);

/* The jitter of a retry's backoff, from the model's seeded sequence. */
static double jitter(void *ctx)
{
	(void)ctx;
	return unit();
}

/* Ends req unsent: the budget held it past its batch's deadline. */
static void throttle(struct sim *s, struct req *req, done_fn done)
{
	req->throttled = true;
	s->res->throttled++;
	done(s, req);
}

/* api.c's api_run on the virtual clock, around the same decisions
 * (apisched.h): at most max_parallel at once, paced by the budget, 5xx and
 * 429 retried with backoff, and what the budget would hold past deadline
 * ended unsent. */
static void run_requests(struct sim *s, struct req *reqs, size_t n, double deadline, done_fn done)
{
	struct slot slots[64];
	size_t nslots = (size_t)s->p.max_parallel;
	memset(slots, 0, sizeof slots);
	struct apisched q;
	if (apisched_init(&q, n, s->p.retries) != ERR_OK) {
		fprintf(stderr, "simulate: out of memory\n");
		exit(2);
	}
	size_t running = 0;
	while (apisched_waiting(&q) || running > 0) {
		double now = s->now;
		double wake = INFINITY;
		for (size_t i = 0; i < nslots; i++) {
			struct slot *sl = &slots[i];
			if (sl->req)
				continue;
			struct apisched_pick pick;
			double at = 0;
			enum apisched_next next = apisched_choose(&q, &s->rl, now, deadline, &pick, &at);
			if (next == APISCHED_HOLD && at < wake)
				wake = at;
			if (next != APISCHED_GO)
				break;
			struct req *req = &reqs[pick.index];
			ratelimit_on_start(&s->rl, now);
			sl->req = req;
			if (q.tries[pick.index] == 0)
				req->started = now;
			model_arrive(s, sl);
			s->res->requests++;
			s->res->by_ep[req->ep]++;
			apisched_take(&q, &pick);
			running++;
		}
		bool slot_free = false;
		for (size_t i = 0; i < nslots; i++)
			slot_free = slot_free || !slots[i].req;
		/* api.c wakes for a retry not yet due only when a slot is free
		 * to take it */
		if (slot_free)
			wake = apisched_wake(&q, now, wake);
		if (running == 0 && apisched_blocked(&s->rl, now, deadline)) {
			size_t i;
			while (apisched_drop(&q, &i))
				throttle(s, &reqs[i], done);
			break;
		}
		/* the earliest transfer to end */
		struct slot *first = NULL;
		for (size_t i = 0; i < nslots; i++)
			if (slots[i].req && (!first || slots[i].end < first->end))
				first = &slots[i];
		if (first && first->end <= wake) {
			advance(s, first->end);
			struct req *req = first->req;
			int status = first->status;
			finish(s, first);
			running--;
			/* the model's failures are statuses: 429 and 500 */
			bool retryable = apisched_retryable(status >= 200 && status <= 299 ? ERR_OK : ERR_HTTP,
							    status);
			if (!apisched_retry(&q, (size_t)(req - reqs), retryable, status == 429, s->now,
					    deadline, jitter, NULL))
				done(s, req);
			continue;
		}
		if (isinf(wake)) {
			fprintf(stderr, "simulate: run_requests has nothing to wait for\n");
			exit(2);
		}
		advance(s, wake);
	}
	apisched_cleanup(&q);
}

/* ---- the poller's decisions (poller.c) ---------------------------------------- */

/* The settings' interval of cluster endpoint k (each endpoint's
 * interval()). */
static double configured_interval(const struct sim *s, size_t k)
{
	switch (k) {
	case TASK_CLUSTER:
		return s->p.interval;
	case TASK_UPGRADES:
		return s->p.upgrades_interval;
	case TASK_CREDENTIALS:
		return s->p.credentials_interval;
	case TASK_CLUSTERLINT:
		return s->p.clusterlint_interval;
	case TASK_STATUS_MESSAGES:
		return s->p.status_messages_interval;
	default:
		return s->p.associated_resources_interval;
	}
}

/* endpoints' wanted(): the model's clusters are all discovered (never
 * configured by id) and never 404, so /cluster is never wanted, /upgrades
 * always, and every other endpoint when its interval is on. */
static bool wanted(const struct sim *s, size_t k)
{
	if (k == TASK_CLUSTER)
		return false;
	if (k == TASK_UPGRADES)
		return true;
	return configured_interval(s, k) > 0;
}

/* poller.c's refresh_tasks. */
static void refresh_tasks(struct sim *s, double now)
{
	for (size_t i = 0; i < s->count; i++)
		for (size_t k = 0; k < CLUSTER_ENDPOINT_COUNT; k++) {
			struct sched_task *t = &s->rec[i].sched.task[k];
			if (!wanted(s, k))
				t->due = INFINITY;
			else if (isinf(t->due))
				t->due = now;
		}
}

/* poller.c's replan, the same rows in the same order. */
static void replan(struct sim *s)
{
	double budget = ratelimit_hourly_rate(&s->rl);
	if (!s->plan_dirty && budget == s->plan_budget)
		return;
	s->plan_dirty = false;
	s->plan_budget = budget;
	struct sched_demand d[PLAN_ROWS];
	size_t pages = (s->listed + PAGE_SIZE - 1) / PAGE_SIZE;
	d[PLAN_LIST] = (struct sched_demand){ (double)(pages ? pages : 1), s->p.interval,
					      endpoint_clusters_kind.priority };
	d[PLAN_OPTIONS] = (struct sched_demand){ 1, s->p.options_interval,
						 endpoint_options_kind.priority };
	for (size_t k = 0; k < CLUSTER_ENDPOINT_COUNT; k++) {
		size_t units = wanted(s, k) ? s->count : 0;
		d[PLAN_CLUSTER0 + k] = (struct sched_demand){ (double)units, configured_interval(s, k),
							      cluster_endpoints[k]->kind.priority };
	}
	struct sched_plan_entry result[PLAN_ROWS];
	s->planned_per_hour = sched_plan(budget, d, PLAN_ROWS, result);
	for (size_t i = 0; i < PLAN_ROWS; i++) {
		size_t row = i;
		s->plan[row] = result[i];
		s->planned[row] = d[row].interval > 0 && d[row].units > 0;
		s->res->configured[row] = d[row].interval;
		s->res->priority[row] = d[row].priority;
	}
}

/* poller.c's reschedule. */
static void reschedule(const struct sim *s, struct sched_task *t, double interval, bool ok,
		       double now)
{
	t->last_attempt = now;
	if (ok) {
		t->signal = false;
		t->due = sched_next_due(now, interval);
		return;
	}
	double retry = s->p.interval;
	if (interval < retry)
		retry = interval;
	t->due = sched_next_due(now, retry);
}

/* poller.c's signal_upgrades. */
static void signal_upgrades(struct rec *r, double now)
{
	struct sched_task *t = &r->sched.task[TASK_UPGRADES];
	t->signal = true;
	if (t->due > now)
		t->due = now;
}

/* poller.c's check_signals, with the measurement of what it raises. */
static void check_signals(struct rec *r, double now)
{
	if (!r->have_cluster)
		return;
	bool moved = r->have_upgrades_version && r->upgrades_version != r->list_version;
	bool left = r->have_last_state && r->last_state == W_UPGRADING &&
		    r->list_state != W_UPGRADING;
	if (moved || left) {
		signal_upgrades(r, now);
		if (r->sig_since < 0) {
			r->sig_since = now;
			r->sig_change = -1;
		}
	}
	r->last_state = r->list_state;
	r->have_last_state = true;
}

static void list_page_done(struct sim *s, struct req *r)
{
	(void)s;
	(void)r;
}

/* poller.c's run_list with discovery_run: the pages one after the other,
 * each as a batch of one that may wait LIST_HOLD for the budget. */
static void run_list(struct sim *s)
{
	double start = s->now;
	size_t pages = (s->n + PAGE_SIZE - 1) / PAGE_SIZE;
	if (pages == 0)
		pages = 1;
	bool ok = true;
	for (size_t pg = 0; pg < pages && ok; pg++) {
		struct req r = { .ep = EP_LIST, .index = pg };
		run_requests(s, &r, 1, start + LIST_HOLD, list_page_done);
		ok = r.ok;
	}
	double after = s->now;
	reschedule(s, &s->acct[TASK_LIST], s->plan[PLAN_LIST].interval, ok, start);
	if (!ok) {
		s->discovery_success = false;
		refresh_tasks(s, after);
		s->plan_dirty = true;
		return;
	}
	bool first = s->count == 0;
	s->discovery_success = true;
	s->listed = s->n;
	s->count = s->n; /* registry_add for every new cluster */
	for (size_t i = 0; i < s->n; i++) {
		struct rec *r = &s->rec[i];
		if (first) {
			for (size_t k = 0; k < SCHED_TASKS; k++)
				r->sched.task[k] = (struct sched_task){ .due = 0, .last_attempt = -1 };
			/* add_record: a new cluster's /upgrades due at once, aged */
			r->sched.task[TASK_UPGRADES].signal = false;
		}
		r->list_version = s->page_version[i];
		r->list_state = s->page_state[i];
		r->have_cluster = true;
		r->data_t[SIG_STATE] = s->page_t[i];
		/* measurement: changes this list shows for the first time */
		if (r->state_changed >= 0 && r->state_changed <= s->page_t[i]) {
			series_add(&s->res->state_seen, after - r->state_changed);
			r->state_changed = -1;
		}
		double vchange = -1;
		if (r->version_changed >= 0 && r->version_changed <= s->page_t[i]) {
			vchange = r->version_changed;
			series_add(&s->res->version_seen, after - vchange);
			r->version_changed = -1;
		}
		bool waiting = r->sig_since >= 0;
		check_signals(r, after);
		if (vchange >= 0 && r->sig_since >= 0 && !waiting)
			r->sig_change = vchange;
	}
	refresh_tasks(s, after);
	s->plan_dirty = true;
}

static void options_done(struct sim *s, struct req *r)
{
	(void)s;
	(void)r;
}

/* poller.c's run_options. */
static void run_options(struct sim *s)
{
	double start = s->now;
	struct req r = { .ep = EP_OPTIONS };
	run_requests(s, &r, 1, start + BATCH_HOLD, options_done);
	if (r.ok) {
		int seen = r.options_version;
		bool changed = s->have_options && seen != s->options_seen;
		s->have_options = true;
		s->options_seen = seen;
		s->options_t = r.answered;
		if (changed) {
			double now = s->now;
			for (size_t i = 0; i < s->count; i++) {
				struct rec *c = &s->rec[i];
				struct sched_task *t = &c->sched.task[TASK_UPGRADES];
				/* poller.c's sweep_upgrades: aged, oldest first */
				if (c->data_t[SIG_UPGRADES] < t->due)
					t->due = c->data_t[SIG_UPGRADES];
				c->opt_waiting = true;
			}
			series_add(&s->res->options_seen, now - s->options_changed);
			s->opt_change_at = s->options_changed;
			s->opt_read_at = now;
			s->opt_outstanding = s->count;
			s->opt_last = now;
		}
		s->options_changed = -1; /* the answer was the newest set */
	}
	reschedule(s, &s->acct[TASK_OPTIONS], s->plan[PLAN_OPTIONS].interval, r.ok, start);
}

/* poller.c's on_done. */
static void batch_done(struct sim *s, struct req *q)
{
	struct rec *r = &s->rec[q->index];
	bool ok = q->ok;
	if (q->throttled)
		return; /* never sent: it stays due (poller.c's on_done) */
	if (ok && q->task == TASK_UPGRADES) {
		r->have_upgrades_version = r->have_cluster;
		r->upgrades_version = r->list_version;
		r->data_t[SIG_UPGRADES] = q->answered;
		/* measurement: the signals this read answers */
		if (r->sig_since >= 0) {
			bool early = s->res->first_upgrades < 0;
			double d = q->answered - r->sig_since;
			if (r->sig_change >= 0) {
				series_add(early ? &s->res->version_read_early : &s->res->version_read, d);
				series_add(early ? &s->res->version_total_early :
						   &s->res->version_total,
					   q->answered - r->sig_change);
			} else {
				series_add(early ? &s->res->left_read_early : &s->res->left_read, d);
			}
			r->sig_since = -1;
		}
		if (r->opt_waiting) {
			r->opt_waiting = false;
			s->opt_last = q->answered;
			if (s->opt_outstanding > 0 && --s->opt_outstanding == 0) {
				series_add(&s->res->options_all, s->opt_last - s->opt_read_at);
				series_add(&s->res->options_total, s->opt_last - s->opt_change_at);
			}
		}
	}
	if (ok && q->task != TASK_UPGRADES)
		r->data_t[sig_of(q->task)] = q->answered;
	reschedule(s, &r->sched.task[q->task], s->plan[PLAN_CLUSTER0 + q->task].interval, ok,
		   s->now);
}

static const struct sched_cluster *cluster_at(const void *ctx, size_t i)
{
	const struct sim *s = ctx;
	return &s->rec[i].sched;
}

/* poller.c's account_step: true when it sent anything; else *wake. */
static bool account_step(struct sim *s, double *wake)
{
	double now = s->now;
	if (s->plan_dirty)
		refresh_tasks(s, now);
	replan(s);
	struct sched_view v = { .now = now,
				.account = s->acct,
				.account_kind = s->account_kinds,
				.account_count = ACCOUNT_TASKS,
				.kind = s->kinds,
				.kinds = CLUSTER_ENDPOINT_COUNT,
				.clusters = s->count,
				.cluster = cluster_at,
				.ctx = s };
	/* api.c's api_hold_from: the last SCHED_RESERVE of each window is
	 * kept for the list and the change-driven reads */
	v.hold_from = ratelimit_minute_nearly_spent(&s->rl, now, SCHED_RESERVE) ? SCHED_PRIO_AGED :
		      ratelimit_hour_nearly_spent(&s->rl, now, SCHED_RESERVE)   ? SCHED_PRIO_CREDENTIALS :
										  0;
	bool held = v.hold_from > 0;
	size_t room = ratelimit_room(&s->rl, now);
	size_t max = (size_t)s->p.max_parallel * BATCH_PER_SLOT;
	if (room < max)
		max = room;
	struct sched_pick picks[PICKS_MAX];
	if (max > PICKS_MAX)
		max = PICKS_MAX;
	double next;
	size_t n = sched_pick(&v, picks, max, &next);
	if (held && next > now + 1.0)
		next = now + 1.0; /* poller.c's HOLD_RECHECK */
	if (n == 0) {
		*wake = next <= now ? ratelimit_next_start(&s->rl, now) : next;
		return false;
	}
	if (picks[0].cluster == SCHED_ACCOUNT) {
		if (picks[0].task == TASK_LIST)
			run_list(s);
		else
			run_options(s);
		return true;
	}
	size_t batch = 0;
	while (batch < n && picks[batch].cluster != SCHED_ACCOUNT)
		batch++;
	struct req reqs[PICKS_MAX];
	for (size_t i = 0; i < batch; i++) {
		/* the model answers every cluster endpoint alike: 200 (or its
		 * 500s) after its latency */
		enum ep ep = (enum ep)(EP_UPGRADES + (picks[i].task - TASK_UPGRADES));
		reqs[i] = (struct req){ .ep = ep, .index = picks[i].cluster, .task = picks[i].task };
	}
	run_requests(s, reqs, batch, now + BATCH_HOLD, batch_done);
	return true;
}

/* poller.c's round_complete since the start: every wanted task tried;
 * with priority SCHED_PRIO_LATER, every one but the readiness
 * endpoints'. */
static bool round_done_below(const struct sim *s, int priority)
{
	if (s->count == 0)
		return false;
	for (size_t k = 0; k < ACCOUNT_TASKS; k++)
		if (!isinf(s->acct[k].due) && s->acct[k].last_attempt < 0)
			return false;
	for (size_t i = 0; i < s->count; i++)
		for (size_t k = 0; k < CLUSTER_ENDPOINT_COUNT; k++) {
			const struct sched_task *t = &s->rec[i].sched.task[k];
			if (s->kinds[k].priority >= priority)
				continue;
			if (!isinf(t->due) && t->last_attempt < 0)
				return false;
		}
	return true;
}

static bool all_read(const struct sim *s, size_t sig)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->rec[i].data_t[sig] < 0)
			return false;
	return true;
}

/* ---- one run ------------------------------------------------------------------ */

static void make_events(struct sim *s)
{
	size_t cap = 1024;
	s->ev = malloc(cap * sizeof *s->ev);
	s->nev = 0;
	double H = s->horizon;
	struct event e;
#define PUSH(T, C, K)                                                                  \
	do {                                                                           \
		if (s->nev == cap) {                                                   \
			cap *= 2;                                                      \
			struct event *ne = realloc(s->ev, cap * sizeof *ne);           \
			if (!ne) {                                                     \
				fprintf(stderr, "simulate: out of memory\n");          \
				exit(2);                                               \
			}                                                              \
			s->ev = ne;                                                    \
		}                                                                      \
		e = (struct event){ (T), (C), (K) };                                   \
		s->ev[s->nev++] = e;                                                   \
	} while (0)
	if (!s->ev) {
		fprintf(stderr, "simulate: out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < s->n; i++) {
		if (s->p.version_days > 0)
			for (double t = exponential(s->p.version_days * 86400); t < H;
			     t += exponential(s->p.version_days * 86400))
				PUSH(t, i, EV_VERSION);
		if (s->p.episode_days > 0)
			for (double t = exponential(s->p.episode_days * 86400); t < H;) {
				enum ev_kind k = unit() < 0.5 ? EV_DEGRADED : EV_UPGRADING;
				double end = t + exponential(s->p.episode_minutes * 60);
				PUSH(t, i, k);
				if (end < H)
					PUSH(end, i, EV_RUNNING);
				t = end + exponential(s->p.episode_days * 86400);
			}
	}
	/* at fixed times, so that every fleet size meets the same ones: at
	 * the API's pace (a few a week) a random day would mostly have none */
	if (s->p.options_per_week > 0)
		for (double t = s->p.options_first * 3600; t < H;
		     t += 7 * 86400 / s->p.options_per_week)
			PUSH(t, 0, EV_OPTIONS);
#undef PUSH
	qsort(s->ev, s->nev, sizeof *s->ev, cmp_event);
}

/* Largest count of starts within any closed window of span seconds. */
static size_t max_in_window(const struct series *st, double span)
{
	size_t best = 0, from = 0;
	for (size_t i = 0; i < st->n; i++) {
		while (st->v[i] - st->v[from] > span)
			from++;
		if (i - from + 1 > best)
			best = i - from + 1;
	}
	return best;
}

static void run(const struct params *p, size_t clusters, struct result *res)
{
	struct sim *s = calloc(1, sizeof *s);
	if (!s) {
		fprintf(stderr, "simulate: out of memory\n");
		exit(2);
	}
	memset(res, 0, sizeof *res);
	res->clusters = clusters;
	res->hours = p->hours;
	res->first_round = res->first_round_above = res->first_upgrades = res->first_all_read = -1;
	s->p = *p;
	s->res = res;
	s->n = clusters;
	s->horizon = p->hours * 3600;
	for (size_t g = 0; g < SIGNALS; g++) {
		hist_init(&res->age[g], s->horizon);
		hist_init(&res->age_early[g], s->horizon);
	}
	/* the same stream for every size: a seed per fleet size */
	rng_state = p->seed * 0x9E3779B97F4A7C15ULL + clusters;
	size_t nn = clusters ? clusters : 1;
	s->version = calloc(nn, sizeof *s->version);
	s->state = calloc(nn, sizeof *s->state);
	s->rec = calloc(nn, sizeof *s->rec);
	s->page_version = calloc(nn, sizeof *s->page_version);
	s->page_state = calloc(nn, sizeof *s->page_state);
	s->page_t = calloc(nn, sizeof *s->page_t);
	if (!s->version || !s->state || !s->rec || !s->page_version || !s->page_state ||
	    !s->page_t) {
		fprintf(stderr, "simulate: out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < clusters; i++) {
		struct rec *r = &s->rec[i];
		r->state_changed = r->version_changed = r->sig_since = r->sig_change = -1;
		for (size_t g = 0; g < SIG_OPTIONS; g++)
			r->data_t[g] = -1;
	}
	s->options_changed = -1;
	make_events(s);
	/* api.c's api_new: max_gap = max(poll.interval, API_MAX_GAP_MIN) */
	double gap = p->interval > API_MAX_GAP_MIN ? p->interval : API_MAX_GAP_MIN;
	if (!ratelimit_init(&s->rl, p->per_minute, p->fraction, gap)) {
		fprintf(stderr, "simulate: out of memory\n");
		exit(2);
	}
	/* poller_new and account_init_tasks */
	for (size_t k = 0; k < CLUSTER_ENDPOINT_COUNT; k++)
		s->kinds[k] = cluster_endpoints[k]->kind;
	s->account_kinds[TASK_LIST] = endpoint_clusters_kind;
	s->account_kinds[TASK_OPTIONS] = endpoint_options_kind;
	s->acct[TASK_LIST] = (struct sched_task){ .due = 0, .last_attempt = -1 };
	s->acct[TASK_OPTIONS] = (struct sched_task){ .due = p->options_interval > 0 ? 0 : INFINITY,
						     .last_attempt = -1 };
	s->plan_dirty = true;
	s->next_sample = SAMPLE_EVERY;

	/* poller.c's run and step: one account */
	while (s->now < s->horizon) {
		double wake = INFINITY;
		if (account_step(s, &wake))
			continue;
		if (!(wake > s->now)) {
			fprintf(stderr, "simulate: the loop would spin at t=%.3f\n", s->now);
			exit(2);
		}
		advance(s, wake < s->horizon ? wake : s->horizon);
	}

	/* what the run leaves to report */
	res->max_minute = max_in_window(&s->starts, 60);
	res->max_hour = max_in_window(&s->starts, 3600);
	for (size_t g = 0; g < SIG_OPTIONS; g++)
		for (size_t i = 0; i < clusters; i++)
			res->never_read[g] += s->rec[i].data_t[g] < 0;
	res->never_read[SIG_OPTIONS] = !s->have_options;
	memcpy(res->plan, s->plan, sizeof res->plan);
	memcpy(res->planned, s->planned, sizeof res->planned);
	res->planned_per_hour = s->planned_per_hour;
	res->budget = s->plan_budget;
	res->list_pages = (clusters + PAGE_SIZE - 1) / PAGE_SIZE;
	struct series *all[] = { &res->state_seen,    &res->version_seen,
				 &res->version_read,  &res->version_read_early,
				 &res->version_total, &res->version_total_early,
				 &res->left_read,     &res->left_read_early,
				 &res->options_seen,  &res->options_all,
				 &res->options_total };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (all[i]->n > 1)
			qsort(all[i]->v, all[i]->n, sizeof(double), cmp_double);

	ratelimit_cleanup(&s->rl);
	free(s->starts.v);
	free(s->ev);
	free(s->version);
	free(s->state);
	free(s->rec);
	free(s->page_version);
	free(s->page_state);
	free(s->page_t);
	free(s);
}

static void result_free(struct result *r)
{
	for (size_t g = 0; g < SIGNALS; g++) {
		free(r->age[g].bin);
		free(r->age_early[g].bin);
	}
	struct series *all[] = { &r->state_seen,    &r->version_seen,
				 &r->version_read,  &r->version_read_early,
				 &r->version_total, &r->version_total_early,
				 &r->left_read,     &r->left_read_early,
				 &r->options_seen,  &r->options_all,
				 &r->options_total };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		free(all[i]->v);
}

/* ---- the report ------------------------------------------------------------- */

/* Seconds for people: "12.3 s", "291 s", "7.1 h"; "—" for none. */
static const char *dur(char *buf, size_t size, double x)
{
	if (isnan(x))
		snprintf(buf, size, "—");
	else if (x < 100)
		snprintf(buf, size, "%.1f s", x);
	else if (x < 10000)
		snprintf(buf, size, "%.0f s", x);
	else
		snprintf(buf, size, "%.1f h", x / 3600);
	return buf;
}

static double share_of(const struct params *p)
{
	return floor(p->fraction * p->limit);
}

/* The histogram of steady-state ages, or, when the first round did not
 * end within the run, each cluster's ages from its first read. */
static const struct hist *ages(const struct result *r, size_t g)
{
	return r->first_round >= 0 ? &r->age[g] : &r->age_early[g];
}

static const char *stretch(char *buf, size_t size, const struct result *r, size_t row)
{
	if (!r->planned[row])
		snprintf(buf, size, "off");
	else if (!r->plan[row].stretched)
		snprintf(buf, size, "as configured");
	else
		snprintf(buf, size, "stretched %.1f×", r->plan[row].interval / r->configured[row]);
	return buf;
}

/* The longest a version change waited from the list to its /upgrades
 * read, start-up included; NAN when none happened. */
static double worst_version_read(const struct result *r)
{
	double w = NAN;
	if (r->version_read.n)
		w = r->version_read.v[r->version_read.n - 1];
	if (r->version_read_early.n &&
	    !(r->version_read_early.v[r->version_read_early.n - 1] <= w))
		w = r->version_read_early.v[r->version_read_early.n - 1];
	return w;
}

/* A signal's largest age, or how many clusters it never reached; "off"
 * for a signal the run never wanted. */
static const char *age_cell(char *buf, size_t size, const struct result *r, size_t g)
{
	if (r->never_read[g])
		snprintf(buf, size, "never read for %zu", r->never_read[g]);
	else if (ages(r, g)->n == 0)
		snprintf(buf, size, "off");
	else
		dur(buf, size, ages(r, g)->max);
	return buf;
}

static void summary_table(FILE *f, const struct result *rs, size_t n, const struct params *p)
{
	char a[32], b[32], c[4][48], d[32], g[32];
	fprintf(f, "| clusters | busiest minute / hour (limits %.0f / %.0f) | first complete round | "
		   "cluster state age, max | /upgrades age, max | /credentials age, max | "
		   "/clusterlint age, max | /status_messages age, max | "
		   "/destroy_with_associated_resources age, max | "
		   "version change: list → /upgrades, max | the plan |\n",
		p->per_minute, share_of(p));
	fprintf(f, "|---:|---|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		char plan[320] = "every endpoint at its configured interval";
		size_t used = 0;
		for (size_t row = 0; row < PLAN_ROWS; row++)
			if (r->planned[row] && r->plan[row].stretched) {
				if (used == 0)
					plan[0] = '\0';
				used += (size_t)snprintf(plan + used, sizeof plan - used, "%s%s every %s",
							 used ? "; " : "", plan_names[row],
							 dur(g, sizeof g, r->plan[row].interval));
				if (used >= sizeof plan)
					used = sizeof plan - 1;
			}
		char e[32];
		if (r->first_round >= 0)
			dur(e, sizeof e, r->first_round);
		else
			snprintf(e, sizeof e, "not in %.0f h", r->hours);
		fprintf(f, "| %zu | %zu / %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r->clusters, r->max_minute, r->max_hour, e,
			dur(a, sizeof a, ages(r, SIG_STATE)->max),
			dur(b, sizeof b, ages(r, SIG_UPGRADES)->max),
			age_cell(c[0], sizeof c[0], r, SIG_CREDENTIALS),
			age_cell(c[1], sizeof c[1], r, SIG_CLUSTERLINT),
			age_cell(c[2], sizeof c[2], r, SIG_STATUS_MESSAGES),
			age_cell(c[3], sizeof c[3], r, SIG_ASSOCIATED_RESOURCES),
			dur(d, sizeof d, worst_version_read(r)), plan);
	}
}

static void delay_row(FILE *f, const char *what, const struct series *s)
{
	char a[32], b[32], c[32];
	fprintf(f, "| %s | %zu | %s | %s | %s |\n", what, s->n, dur(a, sizeof a, quantile(s, 0.5)),
		dur(b, sizeof b, quantile(s, 0.99)), dur(c, sizeof c, s->n ? s->v[s->n - 1] : NAN));
}

static void detail(FILE *f, const struct result *r, const struct params *p)
{
	char a[32], b[32], c[32];
	fprintf(f, "### %zu clusters\n\n", r->clusters);
	fprintf(f, "Requests: %llu in %.0f h (list %llu, /options %llu, /upgrades %llu, "
		   "/credentials %llu, /clusterlint %llu, /status_messages %llu, "
		   "/destroy_with_associated_resources %llu); busiest 60 s: %zu (limit %.0f); "
		   "busiest 3,600 s: %zu (share %.0f); 5xx answers %llu, 429 answers %llu, "
		   "requests the budget held past their batch %llu.\n\n",
		r->requests, r->hours, r->by_ep[EP_LIST], r->by_ep[EP_OPTIONS], r->by_ep[EP_UPGRADES],
		r->by_ep[EP_CREDENTIALS], r->by_ep[EP_CLUSTERLINT], r->by_ep[EP_STATUS_MESSAGES],
		r->by_ep[EP_ASSOCIATED_RESOURCES], r->max_minute, p->per_minute, r->max_hour,
		share_of(p), r->failures_5xx, r->rate_limited, r->throttled);
	char d[32];
	fprintf(f, "First complete round (every endpoint of every cluster tried once): %s; "
		   "of every endpoint above the readiness ones: %s; "
		   "every cluster's /upgrades read once: %s; every endpoint of every cluster "
		   "read: %s.\n\n",
		r->first_round >= 0 ? dur(a, sizeof a, r->first_round) : "not within the run",
		r->first_round_above >= 0 ? dur(d, sizeof d, r->first_round_above) :
					    "not within the run",
		r->first_upgrades >= 0 ? dur(b, sizeof b, r->first_upgrades) : "not within the run",
		r->first_all_read >= 0 ? dur(c, sizeof c, r->first_all_read) : "not within the run");
	fprintf(f, "Data age, sampled for every cluster every %.0f s %s:\n\n", SAMPLE_EVERY,
		r->first_round >= 0 ? "after the first complete round" :
				      "from each cluster's first read (the first round does not end within the run)");
	fprintf(f, "| signal | p50 | p99 | max | clusters never read |\n|---|---|---|---|---:|\n");
	for (size_t g = 0; g < SIGNALS; g++) {
		const struct hist *h = ages(r, g);
		fprintf(f, "| %s | %s | %s | %s | %zu |\n", signal_names[g],
			dur(a, sizeof a, hist_quantile(h, 0.5)), dur(b, sizeof b, hist_quantile(h, 0.99)),
			dur(c, sizeof c, h->n ? h->max : NAN), r->never_read[g]);
	}
	if (r->first_round >= 0 && r->age_early[SIG_STATE].n && r->age_early[SIG_UPGRADES].n)
		fprintf(f, "\nBefore the first complete round (from each cluster's first read): "
			   "cluster state at most %s old, /upgrades at most %s.\n",
			dur(a, sizeof a, r->age_early[SIG_STATE].n ? r->age_early[SIG_STATE].max : NAN),
			dur(b, sizeof b,
			    r->age_early[SIG_UPGRADES].n ? r->age_early[SIG_UPGRADES].max : NAN));
	fprintf(f, "\nFrom a change to the request that sees it (\"start-up\": before every "
		   "cluster's first /upgrades read, which new clusters' signals queue ahead of):\n\n");
	fprintf(f, "| change | n | p50 | p99 | max |\n|---|---:|---|---|---|\n");
	delay_row(f, "state change → list showing it", &r->state_seen);
	delay_row(f, "version change → list showing it", &r->version_seen);
	delay_row(f, "version change: list → /upgrades read", &r->version_read);
	delay_row(f, "version change → /upgrades read", &r->version_total);
	delay_row(f, "left `upgrading`: list → /upgrades read", &r->left_read);
	if (r->version_read_early.n || r->left_read_early.n) {
		delay_row(f, "start-up: version change, list → /upgrades", &r->version_read_early);
		delay_row(f, "start-up: left `upgrading`, list → /upgrades", &r->left_read_early);
	}
	delay_row(f, "offered versions change → /options read", &r->options_seen);
	delay_row(f, "/options read → every cluster's /upgrades read", &r->options_all);
	delay_row(f, "offered versions change → every cluster's /upgrades read", &r->options_total);
	fprintf(f, "\nChanges no list showed (reverted or superseded within one list interval): "
		   "%llu state, %llu version.\n\n",
		r->state_missed, r->version_missed);
	fprintf(f, "The plan (budget %.0f requests an hour, planned %.0f):\n\n", r->budget,
		r->planned_per_hour);
	fprintf(f, "| endpoint | configured | planned | requests an hour | |\n|---|---|---|---:|---|\n");
	for (size_t row = 0; row < PLAN_ROWS; row++) {
		if (!r->planned[row])
			continue;
		fprintf(f, "| %s | %s | %s | %.0f | %s |\n", plan_names[row],
			dur(a, sizeof a, r->configured[row]), dur(b, sizeof b, r->plan[row].interval),
			r->plan[row].per_hour, stretch(c, sizeof c, r, row));
	}
	fprintf(f, "\n");
}

/* ---- the checks ------------------------------------------------------------- */

static void expect(struct result *r, bool ok, const char *fmt, double got, double limit)
{
	if (ok) {
		r->passed++;
		return;
	}
	if (r->failed < sizeof r->failure / sizeof r->failure[0])
		snprintf(r->failure[r->failed], sizeof r->failure[0], fmt, got, limit);
	r->failed++;
}

/* The properties the issue promises with the default settings. */
static void check(struct result *r, const struct params *p)
{
	expect(r, r->max_minute <= (size_t)p->per_minute,
	       "%.0f requests in the busiest 60 s, limit %.0f", (double)r->max_minute, p->per_minute);
	expect(r, r->max_hour <= (size_t)share_of(p),
	       "%.0f requests in the busiest 3600 s, share %.0f", (double)r->max_hour, share_of(p));
	expect(r, r->rate_limited == 0, "%.0f answers were 429%.0s", (double)r->rate_limited, 0);
	/* start-up included: a change then must not wait for the whole fleet */
	double worst = worst_version_read(r);
	if (!isnan(worst))
		expect(r, worst <= 60,
		       "a version change took %.1f s from the list showing it to its /upgrades read, limit %.0f s",
		       worst, 60);
	/* the plan stretches the lowest priorities first: a row stretched
	 * means every enabled row below it is stretched too */
	for (size_t i = 0; i < PLAN_ROWS; i++)
		for (size_t j = 0; j < PLAN_ROWS; j++)
			if (r->planned[i] && r->plan[i].stretched && r->planned[j] &&
			    r->priority[j] > r->priority[i])
				expect(r, r->plan[j].stretched,
				       "the plan stretched a row of priority %.0f but not one of "
				       "priority %.0f below it",
				       r->priority[i], r->priority[j]);
	if (r->clusters > 1000)
		return;
	/* the readiness endpoints' first reads may take longer than a short
	 * run: the whole round's time is reported, the round of everything
	 * above them is promised */
	expect(r, r->first_round_above >= 0,
	       "the first round of the endpoints above the readiness ones did not end within "
	       "%.0f h%.0s",
	       p->hours, 0);
	expect(r, !r->planned[PLAN_LIST] || !r->plan[PLAN_LIST].stretched,
	       "the plan stretched the list to %.0f s, configured %.0f s",
	       r->plan[PLAN_LIST].interval, r->configured[PLAN_LIST]);
	size_t up = PLAN_CLUSTER0 + TASK_UPGRADES;
	expect(r, !r->plan[up].stretched, "the plan stretched /upgrades to %.0f s, configured %.0f s",
	       r->plan[up].interval, r->configured[up]);
	/* from each cluster's first read, start-up included: the readiness
	 * endpoints' first round never holds the list or /upgrades back (the
	 * hourly window's last SCHED_RESERVE is kept for them) */
	double state_max = r->age[SIG_STATE].max > r->age_early[SIG_STATE].max ?
				   r->age[SIG_STATE].max :
				   r->age_early[SIG_STATE].max;
	expect(r, state_max <= p->interval, "a cluster's state was %.1f s old, limit %.0f s",
	       state_max, p->interval);
	double up_max = r->age[SIG_UPGRADES].max > r->age_early[SIG_UPGRADES].max ?
				r->age[SIG_UPGRADES].max :
				r->age_early[SIG_UPGRADES].max;
	expect(r, up_max <= p->upgrades_interval, "an /upgrades answer was %.1f s old, limit %.0f s",
	       up_max, p->upgrades_interval);
	/* the readiness endpoints are served: at least 90 % of what the plan
	 * gives them over the run, and, once every cluster's were read, never
	 * older than twice the planned interval */
	for (size_t k = TASK_CLUSTERLINT; k < CLUSTER_ENDPOINT_COUNT; k++) {
		size_t row = PLAN_CLUSTER0 + k, g = sig_of(k);
		if (!r->planned[row])
			continue;
		double want = 0.9 * r->plan[row].per_hour * r->hours;
		double got = (double)r->by_ep[EP_UPGRADES + (k - TASK_UPGRADES)];
		char fmt[3][96];
		snprintf(fmt[0], sizeof fmt[0], "%s: %%.0f requests, 90 %% of the plan is %%.0f",
			 signal_names[g]);
		snprintf(fmt[1], sizeof fmt[1], "%s: never read for %%.0f clusters%%.0s",
			 signal_names[g]);
		snprintf(fmt[2], sizeof fmt[2], "%s: an answer was %%.1f s old, planned %%.0f s",
			 signal_names[g]);
		expect(r, got >= want, fmt[0], got, want);
		if (r->first_round < 0)
			continue;
		expect(r, r->never_read[g] == 0, fmt[1], (double)r->never_read[g], 0);
		expect(r, r->age[g].n > 0 && r->age[g].max <= 2 * r->plan[row].interval, fmt[2],
		       r->age[g].max, r->plan[row].interval);
	}
}

/* ---- main ------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: simulate [--hours H] [--sizes N,N,...] [--check] [--doc FILE] [--seed S]\n"
		"  [--interval S] [--upgrades-interval S] [--credentials-interval S]\n"
		"  [--options-interval S] [--clusterlint-interval S]\n"
		"  [--status-messages-interval S] [--associated-resources-interval S]\n"
		"  [--per-minute N] [--fraction F] [--max-parallel N] [--retries N]\n"
		"  [--limit N] [--other-per-hour N] [--latency S] [--failure P]\n"
		"  [--version-days D] [--episode-days D] [--episode-minutes M]\n"
		"  [--options-per-week N] [--options-first H]\n");
}

struct numflag {
	const char *name;
	double *d;
	int *i;
};

static void write_doc(FILE *f, const struct result *rs, size_t n,
		      const struct params *p, const char *command);

int main(int argc, char **argv)
{
	struct params p = defaults;
	const char *sizes = "10,100,1000,10000";
	const char *doc = NULL;
	bool want_check = false;
	double seed = 1;
	struct numflag flags[] = {
		{ "--hours", &p.hours, NULL },
		{ "--interval", &p.interval, NULL },
		{ "--upgrades-interval", &p.upgrades_interval, NULL },
		{ "--credentials-interval", &p.credentials_interval, NULL },
		{ "--options-interval", &p.options_interval, NULL },
		{ "--clusterlint-interval", &p.clusterlint_interval, NULL },
		{ "--status-messages-interval", &p.status_messages_interval, NULL },
		{ "--associated-resources-interval", &p.associated_resources_interval, NULL },
		{ "--per-minute", &p.per_minute, NULL },
		{ "--fraction", &p.fraction, NULL },
		{ "--max-parallel", NULL, &p.max_parallel },
		{ "--retries", NULL, &p.retries },
		{ "--limit", &p.limit, NULL },
		{ "--other-per-hour", &p.other_per_hour, NULL },
		{ "--latency", &p.latency_mean, NULL },
		{ "--failure", &p.failure, NULL },
		{ "--version-days", &p.version_days, NULL },
		{ "--episode-days", &p.episode_days, NULL },
		{ "--episode-minutes", &p.episode_minutes, NULL },
		{ "--options-per-week", &p.options_per_week, NULL },
		{ "--options-first", &p.options_first, NULL },
		{ "--seed", &seed, NULL },
	};
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--check") == 0) {
			want_check = true;
			continue;
		}
		if (a + 1 >= argc) {
			usage();
			return 2;
		}
		if (strcmp(argv[a], "--sizes") == 0) {
			sizes = argv[++a];
			continue;
		}
		if (strcmp(argv[a], "--doc") == 0) {
			doc = argv[++a];
			continue;
		}
		size_t k = 0;
		while (k < sizeof flags / sizeof flags[0] && strcmp(flags[k].name, argv[a]) != 0)
			k++;
		if (k == sizeof flags / sizeof flags[0]) {
			usage();
			return 2;
		}
		char *end;
		double v = strtod(argv[++a], &end);
		if (*end || end == argv[a] || !isfinite(v) || v < 0) {
			fprintf(stderr, "simulate: %s wants a number >= 0\n", flags[k].name);
			return 2;
		}
		if (flags[k].d)
			*flags[k].d = v;
		else
			*flags[k].i = (int)v;
	}
	p.seed = (unsigned long long)seed;
	if (p.max_parallel < 1 || p.max_parallel > 64 || p.per_minute > RATELIMIT_PER_MINUTE_MAX ||
	    p.fraction <= 0 || p.fraction > 1 || p.hours <= 0 || p.interval <= 0 ||
	    p.upgrades_interval <= 0 || p.retries > 10) {
		fprintf(stderr, "simulate: a setting is out of its range\n");
		return 2;
	}

	/* the defaults above are the settings table's */
	if (want_check) {
		const struct {
			const char *key;
			double value;
		} keys[] = {
			{ "poll.interval", defaults.interval },
			{ "poll.upgrades_interval", defaults.upgrades_interval },
			{ "poll.credentials_interval", defaults.credentials_interval },
			{ "poll.options_interval", defaults.options_interval },
			{ "poll.clusterlint_interval", defaults.clusterlint_interval },
			{ "poll.status_messages_interval", defaults.status_messages_interval },
			{ "poll.associated_resources_interval", defaults.associated_resources_interval },
			{ "api.max_requests_per_minute", defaults.per_minute },
			{ "api.hourly_budget_fraction", defaults.fraction },
			{ "api.max_parallel", defaults.max_parallel },
			{ "api.retries", defaults.retries },
		};
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			const char *fb = settings_key_fallback(keys[k].key);
			char *end;
			double v = fb ? strtod(fb, &end) : NAN;
			if (!fb || *end || v != keys[k].value) {
				fprintf(stderr, "simulate: the default of %s is %s in the settings, %g here\n",
					keys[k].key, fb ? fb : "missing", keys[k].value);
				return 1;
			}
		}
	}

	static struct result rs[16];
	size_t n = 0;
	unsigned passed = 0, failed = 0;
	for (const char *c = sizes; *c && n < sizeof rs / sizeof rs[0];) {
		char *end;
		unsigned long v = strtoul(c, &end, 10);
		if (end == c || v == 0 || v > 1000000) {
			fprintf(stderr, "simulate: --sizes wants cluster counts like 10,1000\n");
			return 2;
		}
		run(&p, (size_t)v, &rs[n]);
		const struct result *r = &rs[n];
		char a[32], b[32], c2[32];
		printf("simulate: %zu clusters, %.0f h: %llu requests, busiest minute %zu, busiest "
		       "hour %zu; age max state %s, upgrades %s; version list->upgrades max %s\n",
		       r->clusters, r->hours, r->requests, r->max_minute, r->max_hour,
		       dur(a, sizeof a, ages(r, SIG_STATE)->max),
		       dur(b, sizeof b, ages(r, SIG_UPGRADES)->max),
		       dur(c2, sizeof c2, worst_version_read(r)));
		check(&rs[n], &p);
		for (unsigned k = 0; want_check && k < r->failed && k < 8; k++)
			fprintf(stderr, "simulate: FAILED at %zu clusters: %s\n", r->clusters,
				r->failure[k]);
		passed += r->passed;
		failed += r->failed;
		n++;
		c = *end == ',' ? end + 1 : end;
	}
	if (doc) {
		FILE *f = fopen(doc, "w");
		if (!f) {
			perror(doc);
			return 2;
		}
		char command[512];
		size_t used = (size_t)snprintf(command, sizeof command, "simulate");
		for (int a = 1; a < argc && used < sizeof command; a++)
			used += (size_t)snprintf(command + used, sizeof command - used, " %s", argv[a]);
		write_doc(f, rs, n, &p, command);
		if (fclose(f) != 0) {
			perror(doc);
			return 2;
		}
	} else if (!want_check) {
		for (size_t i = 0; i < n; i++)
			detail(stdout, &rs[i], &p);
	}
	for (size_t i = 0; i < n; i++) {
		result_free(&rs[i]);
	}
	if (want_check) {
		printf("simulate: %u passed, %u failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	return 0;
}


static void checks_list(FILE *f, const struct result *rs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		fprintf(f, "- %zu clusters: %u passed, %u failed%s\n", r->clusters, r->passed, r->failed,
			r->failed ? ":" : "");
		for (unsigned k = 0; k < r->failed && k < 8; k++)
			fprintf(f, "  - %s\n", r->failure[k]);
	}
}

static void write_doc(FILE *f, const struct result *rs, size_t n,
		      const struct params *p, const char *command)
{
	char a[32], b[32];
	fprintf(f, "# Scheduling: what a fleet gets within the budget\n\n"
		   "Written by `make simulate` (`build/%s`), from the scheduler's and the budget's own "
		   "code (`src/scheduler.c`, `src/ratelimit.c`, `src/apisched.c`) driven on a virtual clock through "
		   "%.0f virtual hours against a model of the DigitalOcean API. The model is "
		   "seeded, so the numbers are the same on every machine. Do not edit by hand.\n\n",
		command, p->hours);
	fprintf(f, "## What a fleet gets with the defaults\n\n"
		   "`poll.interval` %.0f s, `poll.upgrades_interval` %.0f s, "
		   "`poll.credentials_interval` %.0f s, `poll.options_interval` %.0f s, "
		   "`poll.clusterlint_interval` %.0f s, `poll.status_messages_interval` %.0f s, "
		   "`poll.associated_resources_interval` %.0f s, "
		   "`api.max_requests_per_minute` %.0f, `api.hourly_budget_fraction` %.2f of a "
		   "`ratelimit-limit` of %.0f an hour, `api.max_parallel` %d, `api.retries` %d. Ages "
		   "are the largest seen after the first complete round (at 10,000 clusters, which "
		   "never completes one, from each cluster's first read).\n\n",
		p->interval, p->upgrades_interval, p->credentials_interval, p->options_interval,
		p->clusterlint_interval, p->status_messages_interval, p->associated_resources_interval,
		p->per_minute, p->fraction, p->limit, p->max_parallel, p->retries);
	summary_table(f, rs, n, p);
	fprintf(f, "\n## Checks\n\n"
		   "What the issue asks of the defaults: never more than %.0f requests in any 60 s nor "
		   "%.0f in any 3,600 s, and no 429; at every size, a version change read by "
		   "/upgrades within 60 s of the list that shows it, from the start, and a plan "
		   "that stretches the lowest priorities first. Up to 1,000 clusters: the round of "
		   "every endpoint above the readiness ones (/clusterlint, /status_messages, "
		   "/destroy_with_associated_resources) ends within the run; the list and /upgrades "
		   "keep their configured intervals in the plan; every cluster's state at most %.0f s "
		   "old once the first complete round is done; every /upgrades answer at most %.0f s "
		   "old from each cluster's first read, start-up included, so that the readiness "
		   "endpoints' first reads never hold it back; and each readiness endpoint gets at "
		   "least 90 %% of the requests the plan gives it and, once the first complete round "
		   "is done, every cluster's answer is read and never older than twice the planned "
		   "interval.\n\n",
		p->per_minute, share_of(p), p->interval, p->upgrades_interval);
	checks_list(f, rs, n);
	fprintf(f,
		"\n## How the plan is made\n\n"
		"Every (cluster, endpoint) pair is a task with a due time, and so are the "
		"account's list and /options. The poller asks `sched_pick` for the due tasks, "
		"highest priority first and earliest due within a priority: the list (%d), "
		"/options (%d), /upgrades asked for by a change (%d), /upgrades at its age (%d), "
		"/credentials (%d), the readiness endpoints /clusterlint, /status_messages and "
		"/destroy_with_associated_resources (%d). A new cluster's tasks are all due at "
		"once, so a large fleet's readiness reads wait behind everything else for "
		"hours before the first round completes. It sends at most `min(room, 2 × api.max_parallel)` of them as "
		"one batch, where room is what the budget lets start now; the list runs on its "
		"own, its pages (200 clusters each) one after the other. A read that succeeds is "
		"next due its planned interval later less %.0f %% (`sched_next_due`), so that "
		"queueing behind other due work still keeps the data within the interval; one "
		"that fails is tried again after the planned interval or `poll.interval`, "
		"whichever is shorter.\n\n"
		"The budget (`ratelimit.c`) is a token bucket at the smaller of "
		"`api.max_requests_per_minute`/60 a second and `api.hourly_budget_fraction` × "
		"`ratelimit-limit`/3,600 a second (with the defaults 2,500 an hour), with a burst "
		"of `api.max_requests_per_minute`, plus two hard sliding windows over the start "
		"times: never more than the per-minute limit in any 60 s, never more than the "
		"hourly share in any 3,600 s. Under 10 %% of `ratelimit-limit` remaining, requests "
		"are rationed until `ratelimit-reset`; a 429 pauses everything.\n\n"
		"The plan (`sched_plan`) is each endpoint's interval. Each asks for "
		"`units × 3600 / (interval × %.2f)` requests an hour (units: the list's pages, "
		"or the clusters); %.0f %% of the hourly rate is shared in priority order, each "
		"row getting what it asks while it fits, and %.0f %% is kept for change-driven "
		"reads and retries; every row below the first keeps at least %.0f %% of the rate "
		"(or what it asks, if less), so none is starved outright. What does not fit "
		"stretches the lowest priorities first: the readiness endpoints, then "
		"/credentials, then aged /upgrades. The plan is made again after every list and whenever the budget's rate changes.\n\n"
		"/upgrades is read at once (signalled, above the aged reads) when the list shows "
		"a version other than the one its last answer was for, or when a cluster leaves "
		"`upgrading`. A new cluster's first /upgrades is due at once at the aged "
		"priority, before any known cluster's aged read; a change of the offered "
		"versions (/options) makes every cluster's /upgrades due at once at the aged "
		"priority, oldest answer first, so that the sweep never holds back a cluster's "
		"own change. A request the budget holds back past its batch stays due.\n\n",
		SCHED_PRIO_LIST, SCHED_PRIO_OPTIONS, SCHED_PRIO_SIGNALLED, SCHED_PRIO_AGED,
		SCHED_PRIO_CREDENTIALS, SCHED_PRIO_LATER, SCHED_SLACK * 100, 1 - SCHED_SLACK,
		(1 - SCHED_RESERVE) * 100, SCHED_RESERVE * 100, SCHED_FLOOR * 100);
	fprintf(f,
		"## What the numbers mean\n\n"
		"- **Busiest minute / hour**: the most request starts (retries included) within "
		"any closed window of 60 s or 3,600 s, sliding over every start of the run.\n"
		"- **Data age**: for every cluster, every %.0f virtual seconds, the time since the "
		"answer that carries the data in use arrived: for the state, the answer of the "
		"list page that showed the cluster (so a long list adds its own duration); for "
		"the other endpoints, that cluster's latest successful answer. Sampled "
		"from the end of the first complete round (every task tried once); the time that "
		"takes is reported separately, and so are the largest state and /upgrades ages "
		"before it.\n"
		"- **From a change to the request that sees it**: the model's change time → the "
		"end of the first list whose page was answered after it (when the exporter "
		"acts on it) → the answer of the first /upgrades read after that list. Changes "
		"undone before any list saw them are counted apart. \"Start-up\" rows are those "
		"before every cluster's first /upgrades was read.\n"
		"- **The plan**: the intervals `sched_plan` gave at the end of the run, "
		"against the configured ones.\n\n",
		SAMPLE_EVERY);
	fprintf(f,
		"## The model\n\n"
		"- The API answers after %.0f–%.0f ms (uniform, mean %.0f ms), at most "
		"`api.max_parallel` at once; %.1f %% of answers are a 500, retried by the "
		"client's own rules (up to `api.retries`, backoff 1 s, 2 s ... with jitter, within "
		"the batch's 10 s).\n"
		"- Every answer carries `ratelimit-limit` %.0f, `ratelimit-remaining` (the limit "
		"less the requests of the last 3,600 s and %.0f an hour of the token's other "
		"users) and `ratelimit-reset` (when the oldest of those leaves the window); the "
		"model answers 429 above %.0f an hour or %d a minute.\n"
		"- Each cluster's version changes on average every %.0f days, and it has a "
		"state episode (`degraded` or `upgrading`, even odds, %.0f minutes on average) "
		"every %.0f days; all as Poisson processes.\n"
		"- The offered versions change %.0f times a week, the first %.0f h into the run, "
		"at fixed times so that every fleet size meets the same change.\n"
		"- The fleet is fixed: no cluster is created or deleted during the run.\n"
		"- Every per-cluster endpoint is answered alike (the latency and failures "
		"above); /clusterlint's 404 for a cluster never linted, which the poller takes as "
		"an answer, is not modelled.\n"
		"- The simulator mirrors what the poller keeps in static functions (the loop, "
		"the list, batches, rescheduling, signals, the plan's rows) and the client's "
		"batch runner; it uses the real `ratelimit_*`, `sched_pick`, `sched_plan`, "
		"`sched_next_due` and the endpoints' priorities. Seed %llu.\n\n",
		p->latency_mean * 400, p->latency_mean * 1600, p->latency_mean * 1000, p->failure * 100,
		p->limit, p->other_per_hour, p->limit, RATELIMIT_PER_MINUTE_MAX, p->version_days,
		p->episode_minutes, p->episode_days, p->options_per_week, p->options_first, p->seed);
	fprintf(f, "## Each fleet size\n\n");
	for (size_t i = 0; i < n; i++)
		detail(f, &rs[i], p);
	const struct result *big = &rs[n - 1];
	fprintf(f, "## What is stretched at %zu clusters\n\n", big->clusters);
	for (size_t row = 0; row < PLAN_ROWS; row++) {
		if (!big->planned[row])
			continue;
		char c[48];
		fprintf(f, "- %s: configured %s, planned %s (%s), %.0f requests an hour\n",
			plan_names[row], dur(a, sizeof a, big->configured[row]),
			dur(b, sizeof b, big->plan[row].interval), stretch(c, sizeof c, big, row),
			big->plan[row].per_hour);
	}
	fprintf(f, "\n");
}
