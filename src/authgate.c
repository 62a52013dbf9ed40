/* authgate.c - one bcrypt at a time, off the server's threads, and a
 * token bucket of failed logins per client address (see authgate.h).
 */
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

struct authgate {
	const struct webconfig *web;
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t wake;  /* a job, or stopping, for the thread */
	pthread_cond_t idle;  /* the slot was freed, for authgate_drain */
	bool reserved;        /* the slot is taken */
	bool has_job;         /* ... and its job handed over */
	bool draining, stopping;
	char user[WEBCONFIG_AUTH_HEADER_MAX];
	char pass[WEBCONFIG_AUTH_HEADER_MAX];
	void (*done)(void *cls, bool ok);
	void *cls;
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
	double now = connguard_now();
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
	double now = connguard_now();
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

bool authgate_reserve(struct authgate *g)
{
	pthread_mutex_lock(&g->lock);
	bool ok = !g->reserved && !g->draining;
	if (ok)
		g->reserved = true;
	pthread_mutex_unlock(&g->lock);
	return ok;
}

void authgate_start(struct authgate *g, const char *user, const char *pass,
		    void (*done)(void *cls, bool ok), void *cls)
{
	pthread_mutex_lock(&g->lock);
	snprintf(g->user, sizeof g->user, "%s", user);
	snprintf(g->pass, sizeof g->pass, "%s", pass);
	g->done = done;
	g->cls = cls;
	g->has_job = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
}

static void *gate_main(void *arg)
{
	struct authgate *g = arg;
	pthread_mutex_lock(&g->lock);
	for (;;) {
		while (!g->has_job && !g->stopping)
			pthread_cond_wait(&g->wake, &g->lock);
		if (!g->has_job)
			break;
		/* the slot is ours until done returns: the strings are not
		 * touched by anyone else meanwhile */
		pthread_mutex_unlock(&g->lock);
		bool ok = webconfig_check_basic_auth(g->web, g->user, g->pass);
		secret_wipe(g->user, sizeof g->user);
		secret_wipe(g->pass, sizeof g->pass);
		g->done(g->cls, ok);
		pthread_mutex_lock(&g->lock);
		g->has_job = false;
		g->reserved = false;
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
	while (g->reserved)
		pthread_cond_wait(&g->idle, &g->lock);
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
