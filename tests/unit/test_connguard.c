/* test_connguard.c - deadlines, the cap per address and eviction, with
 * socket pairs standing for connections: a cut connection's peer reads
 * end of file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "connguard.h"

struct fake {
	int fd, peer;
};

static struct sockaddr_in v4(const char *ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

static struct sockaddr_in6 v6(const char *ip)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
	return a;
}

static void make(struct fake *f)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	f->fd = sv[0];
	f->peer = sv[1];
	fcntl(f->peer, F_SETFL, O_NONBLOCK);
}

/* True when the connection was shut down: its peer reads end of file. */
static bool was_cut(const struct fake *f)
{
	char b;
	return read(f->peer, &b, 1) == 0;
}

static void drop(struct fake *f)
{
	close(f->fd);
	close(f->peer);
}

/* Admits and opens a connection from sa, as the server does. */
static bool connect_from(struct connguard *g, struct fake *f, const void *sa)
{
	if (!connguard_admit(g, sa))
		return false;
	make(f);
	assert_true(connguard_opened(g, f, f->fd, sa));
	return true;
}

static void test_cap_per_address(void **state)
{
	(void)state;
	struct connguard *g;
	assert_int_equal(connguard_new(100, 3, 10, false, &g), ERR_OK);
	struct sockaddr_in a = v4("127.0.0.2"), b = v4("127.0.0.3");
	struct fake f[5];
	for (int i = 0; i < 3; i++)
		assert_true(connect_from(g, &f[i], &a));
	assert_false(connguard_admit(g, (struct sockaddr *)&a));
	/* another address has its own share */
	assert_true(connect_from(g, &f[3], &b));
	/* one closes: room again */
	connguard_closed(g, &f[0]);
	assert_true(connect_from(g, &f[4], &a));
	struct connguard_stats st;
	connguard_stats(g, &st);
	assert_int_equal(st.open, 4);
	assert_int_equal(st.refused, 1);
	for (int i = 0; i < 5; i++) {
		assert_false(was_cut(&f[i]));
		connguard_closed(g, &f[i]);
		drop(&f[i]);
	}
	connguard_free(g);
}

/* An IPv6 /64 is one address; IPv4-mapped IPv6 is the IPv4 address. */
static void test_address_grouping(void **state)
{
	(void)state;
	struct connguard *g;
	assert_int_equal(connguard_new(100, 2, 10, false, &g), ERR_OK);
	struct sockaddr_in6 a1 = v6("2001:db8:1:2::1"), a2 = v6("2001:db8:1:2:ffff::9"),
			    a3 = v6("2001:db8:1:3::1");
	struct sockaddr_in m = v4("192.0.2.7");
	struct sockaddr_in6 mapped = v6("::ffff:192.0.2.7");
	struct fake f[6];
	assert_true(connect_from(g, &f[0], &a1));
	assert_true(connect_from(g, &f[1], &a2));
	assert_false(connguard_admit(g, (struct sockaddr *)&a1)); /* the same /64 */
	assert_true(connect_from(g, &f[2], &a3));
	assert_true(connect_from(g, &f[3], &m));
	assert_true(connect_from(g, &f[4], &mapped));
	assert_false(connguard_admit(g, (struct sockaddr *)&m));
	for (int i = 0; i < 5; i++) {
		connguard_closed(g, &f[i]);
		drop(&f[i]);
	}
	connguard_free(g);
}

/* Full: the oldest connection of the address holding the most is cut so
 * that a new address gets in. */
static void test_eviction(void **state)
{
	(void)state;
	struct connguard *g;
	assert_int_equal(connguard_new(4, 3, 10, false, &g), ERR_OK);
	struct sockaddr_in a = v4("10.0.0.1"), b = v4("10.0.0.2"), c = v4("10.0.0.3");
	struct fake f[6];
	assert_true(connect_from(g, &f[0], &b));
	assert_true(connect_from(g, &f[1], &a)); /* a's oldest */
	assert_true(connect_from(g, &f[2], &a));
	assert_true(connect_from(g, &f[3], &a));
	assert_true(connect_from(g, &f[4], &c));
	assert_true(was_cut(&f[1]));
	for (int i = 0; i < 5; i++)
		if (i != 1)
			assert_false(was_cut(&f[i]));
	struct connguard_stats st;
	connguard_stats(g, &st);
	assert_int_equal(st.evicted, 1);
	for (int i = 0; i < 5; i++) {
		connguard_closed(g, &f[i]);
		drop(&f[i]);
	}
	connguard_free(g);
}

/* Every address holds one: a connection that has had an answer (a
 * scraper's, kept alive) is spared, and the oldest of the others goes. */
static void test_eviction_spares_answered(void **state)
{
	(void)state;
	struct connguard *g;
	assert_int_equal(connguard_new(3, 3, 10, false, &g), ERR_OK);
	struct sockaddr_in p = v4("10.0.0.1"), a = v4("10.0.0.2"), b = v4("10.0.0.3"),
			   c = v4("10.0.0.4"), d = v4("10.0.0.5");
	struct fake f[5];
	assert_true(connect_from(g, &f[0], &p)); /* the scraper: oldest, but answered */
	connguard_answered(g, &f[0]);
	assert_true(connect_from(g, &f[1], &a));
	assert_true(connect_from(g, &f[2], &b));
	assert_true(connect_from(g, &f[3], &c)); /* full: a's goes */
	assert_false(was_cut(&f[0]));
	assert_true(was_cut(&f[1]));
	assert_true(connect_from(g, &f[4], &d)); /* then b's */
	assert_false(was_cut(&f[0]));
	assert_true(was_cut(&f[2]));
	for (int i = 0; i < 5; i++) {
		connguard_closed(g, &f[i]);
		drop(&f[i]);
	}
	connguard_free(g);
}

/* The deadline counts from the start, whatever the client sends, and
 * starts again once an answer is sent. */
static void test_deadline(void **state)
{
	(void)state;
	struct connguard *g;
	assert_int_equal(connguard_new(10, 10, 2.0, false, &g), ERR_OK);
	struct sockaddr_in a = v4("10.0.0.1");
	struct fake f[2];
	double t0 = clock_mono();
	assert_true(connect_from(g, &f[0], &a));
	assert_true(connect_from(g, &f[1], &a));
	assert_int_equal(connguard_reap(g, t0 + 1.9), 0);
	/* f[1] is answered a moment later: its next deadline starts then */
	nanosleep(&(struct timespec){ .tv_nsec = 300000000 }, NULL);
	double t1 = clock_mono();
	connguard_answered(g, &f[1]);
	assert_int_equal(connguard_reap(g, t1 + 1.9), 1);
	assert_true(was_cut(&f[0]));
	assert_false(was_cut(&f[1]));
	assert_int_equal(connguard_reap(g, t1 + 1.9), 0); /* cut once only */
	assert_int_equal(connguard_reap(g, t1 + 2.1), 1);
	assert_true(was_cut(&f[1]));
	struct connguard_stats st;
	connguard_stats(g, &st);
	assert_int_equal(st.timed_out, 2);
	for (int i = 0; i < 2; i++) {
		connguard_closed(g, &f[i]);
		drop(&f[i]);
	}
	connguard_stats(g, &st);
	assert_int_equal(st.open, 0);
	connguard_free(g);
}

/* The reaper thread enforces the deadline by itself, and stops at once. */
static void test_reaper_thread(void **state)
{
	(void)state;
	struct connguard *g;
	assert_int_equal(connguard_new(10, 10, 1.0, true, &g), ERR_OK);
	struct sockaddr_in a = v4("10.0.0.1");
	struct fake f;
	double t0 = clock_mono();
	assert_true(connect_from(g, &f, &a));
	bool cut = false;
	while (!cut && clock_mono() - t0 < 10) {
		nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
		cut = was_cut(&f);
	}
	assert_true(cut);
	double took = clock_mono() - t0;
	if (took < 0.9)
		fail_msg("cut after %.2f s, before its 1 s deadline", took);
	connguard_closed(g, &f);
	drop(&f);
	connguard_free(g);
	connguard_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_per_address),
		cmocka_unit_test(test_address_grouping),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_eviction_spares_answered),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_reaper_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
