/* test_snapshot.c - snapshot.h: publication, references that keep an old
 * snapshot alive, one writer against two readers on threads, and the
 * views: one built per (snapshot, block) pair, outliving a publication
 * while held, never changed under a reader while blocks are swapped, and
 * every one dropped once. The module is process-wide, so every test
 * starts and ends with snapshot_shutdown(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
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

/* ---- views ------------------------------------------------------------- */

/* A view's served object in these tests: the body and the block, copied
 * at build the way the server copies them into a response, and the
 * snapshot's reference held as an I/O vector response holds it. */
struct fake_served {
	struct snapshot *snap;
	char *text;
	size_t len;
};

static atomic_ulong builds;
static atomic_ulong drops;

static void *fake_build(struct snapshot *s, const char *block, size_t block_len, void *arg)
{
	(void)arg;
	struct fake_served *f = malloc(sizeof *f);
	assert_non_null(f);
	size_t blen = s ? snapshot_len(s) : 0;
	f->len = blen + block_len;
	f->text = malloc(f->len + 1);
	assert_non_null(f->text);
	if (blen)
		memcpy(f->text, snapshot_body(s), blen);
	memcpy(f->text + blen, block, block_len);
	f->text[f->len] = '\0';
	f->snap = snapshot_retain(s);
	atomic_fetch_add(&builds, 1);
	return f;
}

static void fake_drop(void *p, void *arg)
{
	(void)arg;
	struct fake_served *f = p;
	snapshot_release(f->snap);
	free(f->text);
	free(f);
	atomic_fetch_add(&drops, 1);
}

static const struct snapshot_serve_ops fake_ops = { fake_build, fake_drop, NULL };

static int reset_views(void **state)
{
	(void)state;
	snapshot_shutdown();
	atomic_store(&builds, 0);
	atomic_store(&drops, 0);
	return 0;
}

static const char *served_text(const struct snapshot_view *v)
{
	const struct fake_served *f = snapshot_view_served(v);
	assert_non_null(f);
	return f->text;
}

static void test_no_view_unless_served(void **state)
{
	(void)state;
	assert_null(snapshot_view_acquire());
	snapshot_view_release(NULL);
	snapshot_publish(dup_str("body\n"), 5);
	snapshot_publish_block(dup_str("p 1\n"), 4);
	assert_null(snapshot_view_acquire());
	assert_int_equal(atomic_load(&builds), 0);
}

static void test_view_per_pair(void **state)
{
	(void)state;
	snapshot_serve(&fake_ops);
	/* before anything is published: an empty pair, served all the same */
	struct snapshot_view *v = snapshot_view_acquire();
	assert_non_null(v);
	assert_string_equal(served_text(v), "");
	snapshot_view_release(v);

	snapshot_publish_block(dup_str("p 1\n"), 4);
	v = snapshot_view_acquire();
	assert_string_equal(served_text(v), "p 1\n");
	snapshot_view_release(v);

	snapshot_publish(dup_str("a 1\n"), 4);
	v = snapshot_view_acquire();
	assert_string_equal(served_text(v), "a 1\np 1\n");
	/* reused: the same view until the next pair, no build per reader */
	unsigned long built = atomic_load(&builds);
	struct snapshot_view *again = snapshot_view_acquire();
	assert_ptr_equal(again, v);
	assert_int_equal(atomic_load(&builds), built);
	snapshot_view_release(again);
	snapshot_view_release(v);

	snapshot_publish_block(dup_str("p 2\n"), 4);
	v = snapshot_view_acquire();
	assert_string_equal(served_text(v), "a 1\np 2\n");
	snapshot_view_release(v);
	assert_int_equal(atomic_load(&builds), 4);
	/* every view but the current one is gone */
	assert_int_equal(atomic_load(&drops), 3);
	snapshot_shutdown();
	assert_int_equal(atomic_load(&drops), 4);
}

static void test_view_outlives_publish(void **state)
{
	(void)state;
	snapshot_serve(&fake_ops);
	snapshot_publish_block(dup_str("p 1\n"), 4);
	snapshot_publish(dup_str("old\n"), 4);
	struct snapshot_view *held = snapshot_view_acquire();
	assert_string_equal(served_text(held), "old\np 1\n");
	unsigned long dropped = atomic_load(&drops);

	snapshot_publish(dup_str("new\n"), 4);
	snapshot_publish_block(dup_str("p 2\n"), 4);
	/* replaced twice, still whole: its build and its snapshot live on */
	assert_int_equal(atomic_load(&drops), dropped + 1);
	assert_string_equal(served_text(held), "old\np 1\n");
	const struct fake_served *f = snapshot_view_served(held);
	assert_memory_equal(snapshot_body(f->snap), "old\n", 4);
	struct snapshot_view *cur = snapshot_view_acquire();
	assert_string_equal(served_text(cur), "new\np 2\n");
	snapshot_view_release(cur);

	/* stopping drops the current view; the held one waits for its reader */
	snapshot_serve(NULL);
	assert_null(snapshot_view_acquire());
	assert_string_equal(served_text(held), "old\np 1\n");
	unsigned long before = atomic_load(&drops);
	snapshot_view_release(held);
	assert_int_equal(atomic_load(&drops), before + 1);
	assert_int_equal(atomic_load(&drops), atomic_load(&builds));
}

/* A snapshot publisher, a block publisher (the ticker, much faster than
 * once a second) and readers that hold each view a while, checking that
 * its text is whole and does not change while they hold it. */
enum { BLOCKS = 3000 };

static atomic_bool blocks_done;
static atomic_ulong bad_views;
static atomic_ulong view_reads;

static void *block_publisher(void *arg)
{
	(void)arg;
	for (unsigned long n = 1; n <= BLOCKS; n++) {
		char *text = malloc(64);
		if (!text)
			abort();
		/* lengths vary, as the process lines' do */
		int len = snprintf(text, 64, "process_x %lu%s\n", n, n % 2 ? " " : "");
		snapshot_publish_block(text, (size_t)len);
	}
	atomic_store(&blocks_done, true);
	return NULL;
}

/* Whether text is one body of make_body followed by one block. */
static bool whole(const char *text, unsigned long *block_no)
{
	char want[512];
	const char *p = strstr(text, "process_x ");
	if (!p)
		return false;
	size_t blen = (size_t)(p - text);
	if (blen > 0) {
		unsigned long n = strtoul(text, NULL, 10);
		if (make_body(n, want, sizeof want) != blen || memcmp(text, want, blen) != 0)
			return false;
	}
	char *end = NULL;
	*block_no = strtoul(p + 10, &end, 10);
	return *block_no >= 1 && *block_no <= BLOCKS &&
	       strcmp(end, *block_no % 2 ? " \n" : "\n") == 0;
}

static void *view_reader(void *arg)
{
	(void)arg;
	unsigned long last = 0;
	for (;;) {
		bool done = atomic_load(&publishing_done) && atomic_load(&blocks_done);
		struct snapshot_view *v = snapshot_view_acquire();
		if (!v) {
			atomic_fetch_add(&bad_views, 1);
			break;
		}
		const struct fake_served *f = snapshot_view_served(v);
		unsigned long b = 0;
		if (f && f->len > 0) {
			char copy[600];
			size_t n = f->len < sizeof copy - 1 ? f->len : sizeof copy - 1;
			memcpy(copy, f->text, n);
			copy[n] = '\0';
			/* held across other publications: still the same bytes */
			for (int i = 0; i < 50; i++)
				sched_yield();
			if (!whole(f->text, &b) || b < last || strlen(f->text) != f->len ||
			    memcmp(copy, f->text, n) != 0)
				atomic_fetch_add(&bad_views, 1);
			last = b;
		}
		atomic_fetch_add(&view_reads, 1);
		snapshot_view_release(v);
		if (done)
			break;
	}
	return NULL;
}

static void test_views_threads(void **state)
{
	(void)state;
	atomic_store(&publishing_done, false);
	atomic_store(&blocks_done, false);
	atomic_store(&bad_views, 0);
	atomic_store(&view_reads, 0);
	snapshot_serve(&fake_ops);
	snapshot_publish_block(dup_str("process_x 1 \n"), 13);
	pthread_t r[READERS], w, b;
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&r[i], NULL, view_reader, NULL), 0);
	assert_int_equal(pthread_create(&w, NULL, publisher, NULL), 0);
	assert_int_equal(pthread_create(&b, NULL, block_publisher, NULL), 0);
	assert_int_equal(pthread_join(w, NULL), 0);
	assert_int_equal(pthread_join(b, NULL), 0);
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_join(r[i], NULL), 0);
	assert_int_equal(atomic_load(&bad_views), 0);
	assert_true(atomic_load(&view_reads) >= READERS);

	/* the last pair is current */
	struct snapshot_view *v = snapshot_view_acquire();
	char want[512];
	size_t wlen = make_body(PUBLISHES, want, sizeof want);
	snprintf(want + wlen, sizeof want - wlen, "process_x %u\n", BLOCKS);
	assert_string_equal(served_text(v), want);
	snapshot_view_release(v);
	/* one build per pair made, each dropped once, nothing leaks */
	assert_int_equal(atomic_load(&builds), 1 + 1 + PUBLISHES + BLOCKS);
	snapshot_shutdown();
	assert_int_equal(atomic_load(&drops), atomic_load(&builds));
}

#define T(f) cmocka_unit_test_setup_teardown(f, reset, reset)
#define V(f) cmocka_unit_test_setup_teardown(f, reset_views, reset_views)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty),
		T(test_publish_acquire),
		T(test_old_snapshot_lives_while_held),
		T(test_empty_body),
		T(test_threads),
		V(test_no_view_unless_served),
		V(test_view_per_pair),
		V(test_view_outlives_publish),
		V(test_views_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
