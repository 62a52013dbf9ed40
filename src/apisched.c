/* apisched.c - see apisched.h. */
#include "apisched.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum err apisched_init(struct apisched *q, size_t n, int retries)
{
	size_t room = n ? n : 1;
	/* a request is in line at most once, so n places always do */
	struct apisched_retry *retry = calloc(room, sizeof *retry);
	int *tries = calloc(room, sizeof *tries);
	if (!retry || !tries) {
		free(retry);
		free(tries);
		return ERR_NOMEM;
	}
	*q = (struct apisched){ .n = n, .retry = retry, .tries = tries, .max_tries = 1 + retries };
	return ERR_OK;
}

void apisched_cleanup(struct apisched *q)
{
	free(q->retry);
	free(q->tries);
	q->retry = NULL;
	q->tries = NULL;
	q->nretry = 0;
}

bool apisched_waiting(const struct apisched *q)
{
	return q->next_new < q->n || q->nretry > 0;
}

bool apisched_blocked(const struct ratelimit *rl, double now, double deadline_mono)
{
	double at = ratelimit_next_start(rl, now);
	return at > now && at > deadline_mono;
}

enum apisched_next apisched_choose(const struct apisched *q, const struct ratelimit *rl,
				   double now, double deadline_mono, struct apisched_pick *pick,
				   double *at)
{
	/* the earliest due retry, else the next first try */
	size_t ri = SIZE_MAX;
	for (size_t r = 0; r < q->nretry; r++)
		if (q->retry[r].not_before <= now &&
		    (ri == SIZE_MAX || q->retry[r].not_before < q->retry[ri].not_before))
			ri = r;
	if (ri == SIZE_MAX && q->next_new >= q->n)
		return APISCHED_NONE;
	double when = ratelimit_next_start(rl, now);
	if (when > now) {
		*at = when;
		return when > deadline_mono ? APISCHED_BLOCKED : APISCHED_HOLD;
	}
	pick->retry = ri;
	pick->index = ri != SIZE_MAX ? q->retry[ri].index : q->next_new;
	return APISCHED_GO;
}

void apisched_take(struct apisched *q, const struct apisched_pick *pick)
{
	if (pick->retry != SIZE_MAX)
		q->retry[pick->retry] = q->retry[--q->nretry];
	else
		q->next_new++;
	q->tries[pick->index]++;
}

double apisched_wake(const struct apisched *q, double now, double wake)
{
	for (size_t r = 0; r < q->nretry; r++)
		if (q->retry[r].not_before > now && q->retry[r].not_before < wake)
			wake = q->retry[r].not_before;
	return wake;
}

bool apisched_drop(struct apisched *q, size_t *index)
{
	if (q->nretry > 0) {
		*index = q->retry[0].index;
		memmove(q->retry, q->retry + 1, --q->nretry * sizeof *q->retry);
		return true;
	}
	if (q->next_new < q->n) {
		*index = q->next_new++;
		return true;
	}
	return false;
}

bool apisched_retryable(enum err result, long status)
{
	if (result == ERR_HTTP)
		return status == 429 || status >= 500;
	return result == ERR_TIMEOUT || result == ERR_CONNECT || result == ERR_RESET;
}

double apisched_backoff(int tries, double u)
{
	double wait = APISCHED_BACKOFF_BASE * (double)(1 << (tries - 1)) * (0.5 + u);
	return wait > APISCHED_BACKOFF_MAX ? APISCHED_BACKOFF_MAX : wait;
}

bool apisched_retry(struct apisched *q, size_t index, bool retryable, bool after_429,
		    double now, double deadline_mono, double (*draw)(void *ctx), void *ctx)
{
	int used = q->tries[index];
	if (!retryable || used >= q->max_tries)
		return false;
	double wait = apisched_backoff(used, draw(ctx));
	/* after a 429 the pause decides; the backoff adds nothing (the draw
	 * is spent all the same) */
	double not_before = after_429 ? now : now + wait;
	if (not_before >= deadline_mono)
		return false;
	q->retry[q->nretry++] = (struct apisched_retry){ index, not_before };
	return true;
}

int apisched_tries_left(const struct apisched *q, size_t index)
{
	return q->max_tries - q->tries[index];
}

void apisched_on_answer(struct ratelimit *rl, struct apistats *stats, long status, bool whole,
			const struct apisched_headers *h, double now_mono, double now_real)
{
	if (status < 100)
		return;
	if (h->have_limit && h->have_remaining && h->have_reset) {
		bool same_window = stats->have_rate_limit && h->reset_real == stats->rate_limit_reset &&
				   h->limit == stats->rate_limit_limit;
		double remaining = h->remaining;
		if (same_window && stats->rate_limit_remaining < remaining)
			remaining = stats->rate_limit_remaining;
		stats->have_rate_limit = true;
		stats->rate_limit_limit = h->limit;
		stats->rate_limit_remaining = remaining;
		stats->rate_limit_reset = h->reset_real;
		ratelimit_on_headers(rl, now_mono, now_real, h->limit, remaining, h->reset_real);
	}
	if (whole && status == 429)
		ratelimit_on_429(rl, now_mono, now_real, h->have_retry_after ? h->retry_after : -1,
				 h->have_reset ? h->reset_real : -1);
}
