/* test_snapshot.c - snapshot.h: publication, references that keep an old
 * snapshot alive, and one writer against two readers on threads. The
 * module is process-wide, so every test starts and ends with
 * snapshot_shutdown(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

static char *dup_str(const char *s)
{
	char *d = strdup(s);
	assert_non_null(d);
	return d;
}

static int reset(void **state)
{
	(void)state;
	snapshot_shutdown();
	return 0;
}

static void test_empty(void **state)
{
	(void)state;
	assert_false(snapshot_ready());
	assert_null(snapshot_acquire());
	snapshot_release(NULL);
	snapshot_shutdown(); /* twice is fine */
	assert_false(snapshot_ready());
}

static void test_publish_acquire(void **state)
{
	(void)state;
	snapshot_publish(dup_str("first\n"), 6);
	assert_true(snapshot_ready());
	struct snapshot *s = snapshot_acquire();
	assert_non_null(s);
	assert_int_equal(snapshot_len(s), 6);
	assert_memory_equal(snapshot_body(s), "first\n", 6);
	struct snapshot *again = snapshot_acquire();
	assert_ptr_equal(again, s);
	snapshot_release(again);
	snapshot_release(s);
	/* still current after the readers are gone */
	s = snapshot_acquire();
	assert_non_null(s);
	assert_memory_equal(snapshot_body(s), "first\n", 6);
	snapshot_release(s);
}

static void test_old_snapshot_lives_while_held(void **state)
{
	(void)state;
	snapshot_publish(dup_str("one\n"), 4);
	struct snapshot *old = snapshot_acquire();
	assert_non_null(old);

	snapshot_publish(dup_str("two two\n"), 8);
	struct snapshot *cur = snapshot_acquire();
	assert_non_null(cur);
	assert_ptr_not_equal(cur, old);
	assert_int_equal(snapshot_len(cur), 8);
	assert_memory_equal(snapshot_body(cur), "two two\n", 8);

	/* the old one was replaced, not freed: reading it is fine under ASan */
	assert_int_equal(snapshot_len(old), 4);
	assert_memory_equal(snapshot_body(old), "one\n", 4);

	snapshot_publish(dup_str("three\n"), 6);
	assert_memory_equal(snapshot_body(old), "one\n", 4);
	assert_memory_equal(snapshot_body(cur), "two two\n", 8);
	snapshot_release(old);
	snapshot_release(cur);

	struct snapshot *last = snapshot_acquire();
	assert_memory_equal(snapshot_body(last), "three\n", 6);
	/* shutdown drops "current", the held reference keeps it alive */
	snapshot_shutdown();
	assert_false(snapshot_ready());
	assert_null(snapshot_acquire());
	assert_memory_equal(snapshot_body(last), "three\n", 6);
	snapshot_release(last);
}

static void test_empty_body(void **state)
{
	(void)state;
	snapshot_publish(dup_str(""), 0);
	assert_true(snapshot_ready());
	struct snapshot *s = snapshot_acquire();
	assert_non_null(s);
	assert_int_equal(snapshot_len(s), 0);
	snapshot_release(s);
}

/* ---- threads ----------------------------------------------------------- */

enum { PUBLISHES = 2000, READERS = 2 };

static atomic_bool publishing_done;
static atomic_ulong bad_bodies;
static atomic_ulong reads;

/* Body number n: the line "n\n" repeated n % 13 + 1 times. */
static size_t make_body(unsigned long n, char *buf, size_t size)
{
	char line[32];
	int l = snprintf(line, sizeof line, "%lu\n", n);
	size_t len = 0;
	for (unsigned long i = 0; i < n % 13 + 1; i++) {
		if (len + (size_t)l >= size)
			return 0;
		memcpy(buf + len, line, (size_t)l);
		len += (size_t)l;
	}
	buf[len] = '\0';
	return len;
}

static void *publisher(void *arg)
{
	(void)arg;
	for (unsigned long n = 1; n <= PUBLISHES; n++) {
		char *body = malloc(512);
		if (!body)
			abort();
		size_t len = make_body(n, body, 512);
		snapshot_publish(body, len);
	}
	atomic_store(&publishing_done, true);
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	unsigned long last = 0;
	char want[512];
	for (;;) {
		bool done = atomic_load(&publishing_done);
		struct snapshot *s = snapshot_acquire();
		if (s) {
			const char *body = snapshot_body(s);
			size_t len = snapshot_len(s);
			char *end = NULL;
			unsigned long n = strtoul(body, &end, 10);
			size_t wlen = make_body(n, want, sizeof want);
			/* whole, and never older than what this reader saw before */
			if (n < last || n == 0 || n > PUBLISHES || wlen != len ||
			    memcmp(body, want, len) != 0)
				atomic_fetch_add(&bad_bodies, 1);
			last = n;
			atomic_fetch_add(&reads, 1);
			snapshot_release(s);
		}
		if (done)
			break;
	}
	if (last != PUBLISHES)
		atomic_fetch_add(&bad_bodies, 1);
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	atomic_store(&publishing_done, false);
	atomic_store(&bad_bodies, 0);
	atomic_store(&reads, 0);
	pthread_t r[READERS], w;
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&r[i], NULL, reader, NULL), 0);
	assert_int_equal(pthread_create(&w, NULL, publisher, NULL), 0);
	assert_int_equal(pthread_join(w, NULL), 0);
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_join(r[i], NULL), 0);
	assert_int_equal(atomic_load(&bad_bodies), 0);
	assert_true(atomic_load(&reads) >= READERS);

	struct snapshot *s = snapshot_acquire();
	assert_non_null(s);
	char want[512];
	size_t wlen = make_body(PUBLISHES, want, sizeof want);
	assert_int_equal(snapshot_len(s), wlen);
	assert_memory_equal(snapshot_body(s), want, wlen);
	snapshot_release(s);
}

#define T(f) cmocka_unit_test_setup_teardown(f, reset, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty),
		T(test_publish_acquire),
		T(test_old_snapshot_lives_while_held),
		T(test_empty_body),
		T(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
