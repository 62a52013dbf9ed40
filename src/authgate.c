/* authgate.c - one bcrypt at a time, off the server's threads, logins in
 * a short line with one place per address, and a token bucket of failed
 * logins per client address (see authgate.h). The line is an array
 * scanned whole: AUTHGATE_LINE places.
 */
#include "clock.h"
#include "authgate.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connguard.h"
#include "secret.h"
#include "webconfig.h"

struct failures {
	unsigned char addr[16]; /* connguard_address_key */
	double tokens;          /* failures it may still make */
	double at;              /* when tokens was last brought up to date */
	bool used;
};

/* A login in line. Between authgate_start and its done callback only the
 * gate's thread touches user and pass. */
struct login {
	bool used;              /* a ticket was given */
	bool started;           /* authgate_start has filled it in */
	unsigned long seq;      /* order of authgate_start */
	unsigned char addr[16]; /* connguard_address_key of the client */
	char user[WEBCONFIG_AUTH_HEADER_MAX];
	char pass[WEBCONFIG_AUTH_HEADER_MAX];
	void (*done)(void *cls, bool ok);
	void *cls;
};

struct authgate {
	const struct webconfig *web;
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t wake;  /* a login started, or stopping, for the thread */
	pthread_cond_t idle;  /* a place was freed, for authgate_drain */
	struct login line[AUTHGATE_LINE];
	unsigned long next_seq;
	bool draining, stopping;
	struct failures table[AUTHGATE_ADDRESSES];
	pthread_t thread;
};

/* The entry of key, brought up to date at now; NULL when absent. */
static struct failures *entry(struct authgate *g, const unsigned char *key, double now)
{
	for (size_t i = 0; i < AUTHGATE_ADDRESSES; i++) {
		struct failures *f = &g->table[i];
		if (f->used && memcmp(f->addr, key, 16) == 0) {
			f->tokens = fmin(AUTHGATE_BURST, f->tokens + (now - f->at) / AUTHGATE_REFILL_SECONDS);
			f->at = now;
			return f;
		}
	}
	return NULL;
}

unsigned authgate_retry_after(struct authgate *g, const struct sockaddr *sa)
{
	unsigned char key[16];
	connguard_address_key(sa, key);
	double now = clock_mono();
	pthread_mutex_lock(&g->lock);
	const struct failures *f = entry(g, key, now);
	unsigned wait = 0;
	if (f && f->tokens < 1)
		wait = (unsigned)ceil((1 - f->tokens) * AUTHGATE_REFILL_SECONDS);
	pthread_mutex_unlock(&g->lock);
	return wait;
}

void authgate_failed(struct authgate *g, const struct sockaddr *sa)
{
	unsigned char key[16];
	connguard_address_key(sa, key);
	double now = clock_mono();
	pthread_mutex_lock(&g->lock);
	struct failures *f = entry(g, key, now);
	if (!f) {
		/* a free entry, else the one that failed least recently */
		f = &g->table[0];
		for (size_t i = 0; i < AUTHGATE_ADDRESSES && f->used; i++)
			if (!g->table[i].used || g->table[i].at < f->at)
				f = &g->table[i];
		memcpy(f->addr, key, 16);
		f->tokens = AUTHGATE_BURST;
		f->at = now;
		f->used = true;
	}
	f->tokens = fmax(f->tokens - 1, 0);
	pthread_mutex_unlock(&g->lock);
}

int authgate_reserve(struct authgate *g, const struct sockaddr *sa)
{
	unsigned char key[16];
	connguard_address_key(sa, key);
	pthread_mutex_lock(&g->lock);
	int ticket = -1;
	bool queued = g->draining;
	for (int i = 0; i < AUTHGATE_LINE && !queued; i++) {
		const struct login *l = &g->line[i];
		if (l->used)
			queued = memcmp(l->addr, key, 16) == 0;
		else if (ticket < 0)
			ticket = i;
	}
	if (queued) {
		ticket = -1;
	} else if (ticket >= 0) {
		g->line[ticket].used = true;
		g->line[ticket].started = false;
		memcpy(g->line[ticket].addr, key, 16);
	}
	pthread_mutex_unlock(&g->lock);
	return ticket;
}

void authgate_start(struct authgate *g, int ticket, const char *user, const char *pass,
		    void (*done)(void *cls, bool ok), void *cls)
{
	pthread_mutex_lock(&g->lock);
	struct login *l = &g->line[ticket];
	snprintf(l->user, sizeof l->user, "%s", user);
	snprintf(l->pass, sizeof l->pass, "%s", pass);
	l->done = done;
	l->cls = cls;
	l->seq = g->next_seq++;
	l->started = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
}

/* The login started first, or NULL. */
static struct login *next_login(struct authgate *g)
{
	struct login *next = NULL;
	for (int i = 0; i < AUTHGATE_LINE; i++) {
		struct login *l = &g->line[i];
		if (l->used && l->started && (!next || l->seq < next->seq))
			next = l;
	}
	return next;
}

static void *gate_main(void *arg)
{
	struct authgate *g = arg;
	pthread_mutex_lock(&g->lock);
	for (;;) {
		struct login *l;
		while (!(l = next_login(g)) && !g->stopping)
			pthread_cond_wait(&g->wake, &g->lock);
		if (!l)
			break;
		l->started = false; /* taken: no longer next */
		/* draining: the logins still in line fail at once, so that a
		 * stop waits for the one bcrypt running and no more */
		bool check = !g->draining;
		pthread_mutex_unlock(&g->lock);
		bool ok = check && webconfig_check_basic_auth(g->web, l->user, l->pass);
		secret_wipe(l->user, sizeof l->user);
		secret_wipe(l->pass, sizeof l->pass);
		l->done(l->cls, ok);
		pthread_mutex_lock(&g->lock);
		l->used = false;
		pthread_cond_broadcast(&g->idle);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

enum err authgate_new(const struct webconfig *web, struct authgate **out)
{
	struct authgate *g = calloc(1, sizeof *g);
	if (!g)
		return ERR_NOMEM;
	g->web = web;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	pthread_cond_init(&g->idle, NULL);
	if (pthread_create(&g->thread, NULL, gate_main, g) != 0) {
		pthread_cond_destroy(&g->idle);
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return ERR_NOMEM;
	}
	*out = g;
	return ERR_OK;
}

void authgate_drain(struct authgate *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->draining = true;
	for (;;) {
		bool busy = false;
		for (int i = 0; i < AUTHGATE_LINE; i++)
			busy |= g->line[i].used;
		if (!busy)
			break;
		pthread_cond_wait(&g->idle, &g->lock);
	}
	pthread_mutex_unlock(&g->lock);
}

void authgate_free(struct authgate *g)
{
	if (!g)
		return;
	authgate_drain(g);
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	pthread_cond_destroy(&g->idle);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	secret_wipe(g, sizeof *g);
	free(g);
}
