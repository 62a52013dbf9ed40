/* connguard.c - deadlines, a cap per address and eviction for the HTTP
 * server's connections (see connguard.h).
 *
 * A plain array of at most total + CONNGUARD_HEADROOM entries, scanned
 * whole: a few hundred entries, touched once per connection event, cost
 * less than a hash table's upkeep. Times are CLOCK_MONOTONIC seconds.
 */
#include "clock.h"
#include "connguard.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REAP_INTERVAL_NS 100000000L /* 100 ms */

struct conn {
	const void *id; /* NULL: a free slot */
	int fd;
	unsigned char addr[16]; /* IPv4 as v4-mapped, IPv6 cut to its /64 */
	double since;           /* start of the current request's deadline */
	bool answered;          /* has had an answer: a client that completes requests */
	bool cut;               /* shut down, waiting for connguard_closed */
};

struct connguard {
	size_t total, per_address, cap;
	double deadline;
	pthread_mutex_t lock; /* guards conns, stats and stopping */
	pthread_cond_t wake;  /* signals stopping to the reaper */
	struct conn *conns;   /* cap entries */
	struct connguard_stats stats;
	bool stopping;
	bool has_reaper;
	pthread_t reaper;
};

void connguard_address_key(const struct sockaddr *sa, unsigned char key[16])
{
	memset(key, 0, 16);
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &a->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)sa;
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(a->sin6_addr.s6_addr, mapped, sizeof mapped) == 0)
			memcpy(key, a->sin6_addr.s6_addr, 16);
		else
			memcpy(key, a->sin6_addr.s6_addr, 8);
	}
}

static size_t live_from(const struct connguard *g, const unsigned char key[16])
{
	size_t n = 0;
	for (size_t i = 0; i < g->cap; i++)
		if (g->conns[i].id && !g->conns[i].cut && memcmp(g->conns[i].addr, key, 16) == 0)
			n++;
	return n;
}

static size_t live(const struct connguard *g)
{
	size_t n = 0;
	for (size_t i = 0; i < g->cap; i++)
		if (g->conns[i].id && !g->conns[i].cut)
			n++;
	return n;
}

static void cut(struct conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
	c->cut = true;
}

static struct conn *find(struct connguard *g, const void *id)
{
	for (size_t i = 0; i < g->cap; i++)
		if (g->conns[i].id == id)
			return &g->conns[i];
	return NULL;
}

/* Whether a is a better connection to cut than b, which holds b_count of
 * its address's: one of the address with the most, then one that has
 * never been answered (a scraper's kept-alive connection has), then the
 * oldest. */
static bool worse(const struct conn *a, size_t a_count, const struct conn *b, size_t b_count)
{
	if (a_count != b_count)
		return a_count > b_count;
	if (a->answered != b->answered)
		return !a->answered;
	return a->since < b->since;
}

static struct conn *victim(struct connguard *g)
{
	struct conn *best = NULL;
	size_t best_count = 0;
	for (size_t i = 0; i < g->cap; i++) {
		struct conn *c = &g->conns[i];
		if (!c->id || c->cut)
			continue;
		size_t n = live_from(g, c->addr);
		if (!best || worse(c, n, best, best_count)) {
			best = c;
			best_count = n;
		}
	}
	return best;
}

bool connguard_admit(struct connguard *g, const struct sockaddr *sa)
{
	unsigned char key[16];
	connguard_address_key(sa, key);
	pthread_mutex_lock(&g->lock);
	bool ok = live_from(g, key) < g->per_address;
	if (!ok) {
		g->stats.refused++;
	} else if (live(g) >= g->total) {
		struct conn *v = victim(g);
		if (v) {
			cut(v);
			g->stats.evicted++;
		}
	}
	pthread_mutex_unlock(&g->lock);
	return ok;
}

bool connguard_opened(struct connguard *g, const void *id, int fd, const struct sockaddr *sa)
{
	double now = clock_mono();
	pthread_mutex_lock(&g->lock);
	struct conn *slot = find(g, NULL);
	if (slot) {
		slot->id = id;
		slot->fd = fd;
		connguard_address_key(sa, slot->addr);
		slot->since = now;
		slot->answered = false;
		slot->cut = false;
		g->stats.open++;
	}
	pthread_mutex_unlock(&g->lock);
	return slot != NULL;
}

void connguard_answered(struct connguard *g, const void *id)
{
	double now = clock_mono();
	pthread_mutex_lock(&g->lock);
	struct conn *c = find(g, id);
	if (c) {
		c->since = now;
		c->answered = true;
	}
	pthread_mutex_unlock(&g->lock);
}

void connguard_closed(struct connguard *g, const void *id)
{
	pthread_mutex_lock(&g->lock);
	struct conn *c = find(g, id);
	if (c) {
		memset(c, 0, sizeof *c);
		g->stats.open--;
	}
	pthread_mutex_unlock(&g->lock);
}

size_t connguard_reap(struct connguard *g, double now)
{
	size_t n = 0;
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < g->cap; i++) {
		struct conn *c = &g->conns[i];
		if (c->id && !c->cut && now - c->since >= g->deadline) {
			cut(c);
			n++;
		}
	}
	g->stats.timed_out += n;
	pthread_mutex_unlock(&g->lock);
	return n;
}

void connguard_stats(struct connguard *g, struct connguard_stats *out)
{
	pthread_mutex_lock(&g->lock);
	*out = g->stats;
	pthread_mutex_unlock(&g->lock);
}

static void *reaper_main(void *arg)
{
	struct connguard *g = arg;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		next.tv_nsec += REAP_INTERVAL_NS;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		while (!g->stopping && pthread_cond_timedwait(&g->wake, &g->lock, &next) == 0)
			;
		if (g->stopping)
			break;
		pthread_mutex_unlock(&g->lock);
		connguard_reap(g, clock_mono());
		clock_gettime(CLOCK_MONOTONIC, &next);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

enum err connguard_new(size_t total, size_t per_address, double deadline, bool reaper,
		       struct connguard **out)
{
	struct connguard *g = calloc(1, sizeof *g);
	if (!g)
		return ERR_NOMEM;
	g->total = total;
	g->per_address = per_address;
	g->deadline = deadline;
	g->cap = total + CONNGUARD_HEADROOM;
	g->conns = calloc(g->cap, sizeof *g->conns);
	pthread_condattr_t ca;
	bool cond_ok = false;
	if (pthread_condattr_init(&ca) == 0) {
		cond_ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
			  pthread_cond_init(&g->wake, &ca) == 0;
		pthread_condattr_destroy(&ca);
	}
	if (!g->conns || !cond_ok) {
		if (cond_ok)
			pthread_cond_destroy(&g->wake);
		free(g->conns);
		free(g);
		return ERR_NOMEM;
	}
	pthread_mutex_init(&g->lock, NULL);
	if (reaper) {
		if (pthread_create(&g->reaper, NULL, reaper_main, g) != 0) {
			connguard_free(g);
			return ERR_NOMEM;
		}
		g->has_reaper = true;
	}
	*out = g;
	return ERR_OK;
}

void connguard_free(struct connguard *g)
{
	if (!g)
		return;
	if (g->has_reaper) {
		pthread_mutex_lock(&g->lock);
		g->stopping = true;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->reaper, NULL);
	}
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g->conns);
	free(g);
}
