/* test_authgate.c - one bcrypt at a time off the caller's thread, the line
 * of logins with one place per address, and the failure budget of each
 * client address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authgate.h"
#include "capture.h"
#include "webconfig.h"

/* tests/fixtures/web/users.yml: alice's password is alice-pw (cost 04) */
static struct webconfig *load_users(void)
{
	struct webconfig *w = NULL;
	struct capture c = { 0 };
	capture_start(&c);
	enum err rc = webconfig_load("tests/fixtures/web/users.yml", &w);
	free(capture_end(&c));
	assert_int_equal(rc, ERR_OK);
	return w;
}

static struct sockaddr_in v4(const char *ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

struct result {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done, ok;
	pthread_t thread;
};

static void on_done(void *cls, bool ok)
{
	struct result *r = cls;
	pthread_mutex_lock(&r->lock);
	r->ok = ok;
	r->done = true;
	r->thread = pthread_self();
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static bool wait_result(struct result *r)
{
	pthread_mutex_lock(&r->lock);
	while (!r->done)
		pthread_cond_wait(&r->cond, &r->lock);
	bool ok = r->ok;
	r->done = false;
	pthread_mutex_unlock(&r->lock);
	return ok;
}

static void test_checks_off_the_callers_thread(void **state)
{
	(void)state;
	struct webconfig *w = load_users();
	struct authgate *g;
	assert_int_equal(authgate_new(w, &g), ERR_OK);
	struct result r = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct sockaddr_in a = v4("192.0.2.1");
	int t = authgate_reserve(g, (struct sockaddr *)&a);
	assert_true(t >= 0);
	/* one place per address */
	assert_int_equal(authgate_reserve(g, (struct sockaddr *)&a), -1);
	authgate_start(g, t, "alice", "alice-pw", on_done, &r);
	assert_true(wait_result(&r));
	assert_false(pthread_equal(r.thread, pthread_self()));
	/* the place is free again once done has returned */
	int again = -1;
	for (int i = 0; i < 5000 && again < 0; i++) {
		again = authgate_reserve(g, (struct sockaddr *)&a);
		if (again < 0)
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	assert_true(again >= 0);
	authgate_start(g, again, "alice", "wrong", on_done, &r);
	assert_false(wait_result(&r));
	/* draining refuses new logins */
	authgate_drain(g);
	assert_int_equal(authgate_reserve(g, (struct sockaddr *)&a), -1);
	authgate_free(g);
	authgate_free(NULL);
	webconfig_free(w);
}

/* What each check saw: the order they ran in, and how many ran at once. */
struct order {
	pthread_mutex_t lock;
	int ran[AUTHGATE_LINE];
	int count;
};

struct order_item {
	struct order *o;
	int index;
};

static void on_done_order(void *cls, bool ok)
{
	(void)ok;
	struct order_item *it = cls;
	pthread_mutex_lock(&it->o->lock);
	it->o->ran[it->o->count++] = it->index;
	pthread_mutex_unlock(&it->o->lock);
}

/* The line holds AUTHGATE_LINE logins from as many addresses, checked in
 * the order they were started; one more address finds no place. */
static void test_line(void **state)
{
	(void)state;
	struct webconfig *w = load_users();
	struct authgate *g;
	assert_int_equal(authgate_new(w, &g), ERR_OK);
	struct order o = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct order_item items[AUTHGATE_LINE];
	int tickets[AUTHGATE_LINE];
	for (int i = 0; i < AUTHGATE_LINE; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		a.sin_addr.s_addr = htonl(0xc0000200u + (uint32_t)i);
		tickets[i] = authgate_reserve(g, (struct sockaddr *)&a);
		assert_true(tickets[i] >= 0);
	}
	struct sockaddr_in extra = v4("198.51.100.1");
	assert_int_equal(authgate_reserve(g, (struct sockaddr *)&extra), -1);
	/* started in reverse order of their tickets */
	for (int i = AUTHGATE_LINE - 1; i >= 0; i--) {
		items[i] = (struct order_item){ &o, i };
		authgate_start(g, tickets[i], "nobody", "x", on_done_order, &items[i]);
	}
	authgate_drain(g); /* waits for all of them */
	assert_int_equal(o.count, AUTHGATE_LINE);
	for (int i = 0; i < AUTHGATE_LINE; i++)
		assert_int_equal(o.ran[i], AUTHGATE_LINE - 1 - i);
	authgate_free(g);
	webconfig_free(w);
}

static void test_failures_per_address(void **state)
{
	(void)state;
	struct webconfig *w = load_users();
	struct authgate *g;
	assert_int_equal(authgate_new(w, &g), ERR_OK);
	struct sockaddr_in a = v4("192.0.2.1"), b = v4("192.0.2.2");
	for (int i = 0; i < AUTHGATE_BURST; i++) {
		assert_int_equal(authgate_retry_after(g, (struct sockaddr *)&a), 0);
		authgate_failed(g, (struct sockaddr *)&a);
	}
	unsigned wait = authgate_retry_after(g, (struct sockaddr *)&a);
	assert_true(wait >= 1 && wait <= (unsigned)AUTHGATE_REFILL_SECONDS + 1);
	/* another address is not held back */
	assert_int_equal(authgate_retry_after(g, (struct sockaddr *)&b), 0);
	authgate_free(g);
	webconfig_free(w);
}

/* More addresses than the table holds: the least recently failed goes,
 * and nothing breaks. */
static void test_failure_table_full(void **state)
{
	(void)state;
	struct webconfig *w = load_users();
	struct authgate *g;
	assert_int_equal(authgate_new(w, &g), ERR_OK);
	for (int i = 0; i < AUTHGATE_ADDRESSES + 10; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		a.sin_addr.s_addr = htonl(0x0a000000u + (uint32_t)i);
		for (int j = 0; j < AUTHGATE_BURST; j++)
			authgate_failed(g, (struct sockaddr *)&a);
		assert_true(authgate_retry_after(g, (struct sockaddr *)&a) >= 1);
	}
	authgate_free(g);
	webconfig_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks_off_the_callers_thread),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_failures_per_address),
		cmocka_unit_test(test_failure_table_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
