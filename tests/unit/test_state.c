/* test_state.c - state.h: upgrade times kept across cycles and restarts.
 *
 * Each test works in its own folder made with mkdtemp under /tmp, removed
 * with everything in it afterwards. Warnings are read back from stderr,
 * which is redirected to a file around the calls that log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

#define A "1.30.1-do.0"
#define B "1.30.2-do.0"
#define C "1.31.0-do.0"

/* ---- helpers ----------------------------------------------------------- */

/* Offered versions by slug, times unset. */
static void offer(struct upgrades *u, const char *const *slugs, size_t n)
{
	memset(u, 0, sizeof *u);
	if (n == 0)
		return;
	u->versions = calloc(n, sizeof *u->versions);
	assert_non_null(u->versions);
	for (size_t i = 0; i < n; i++) {
		u->versions[i].slug = strdup(slugs[i]);
		assert_non_null(u->versions[i].slug);
		u->versions[i].first_seen = -1; /* must be overwritten */
	}
	u->count = n;
	u->pending_since = -1;
}

/* Observes key offering slugs at now; the upgrades are left in *u for the
 * caller to check (upgrades_cleanup them). */
static void see(struct state *s, const char *key, const char *const *slugs, size_t n, double now,
		struct upgrades *u)
{
	offer(u, slugs, n);
	state_observe(s, key, u, now);
}

static double first_seen(const struct upgrades *u, const char *slug)
{
	for (size_t i = 0; i < u->count; i++)
		if (strcmp(u->versions[i].slug, slug) == 0)
			return u->versions[i].first_seen;
	fail_msg("%s not among the versions", slug);
	return 0;
}

/* The pending_since that observing key with one version at now gives. */
static double pending_of(struct state *s, const char *key, const char *slug, double now)
{
	struct upgrades u;
	const char *one[] = { slug };
	see(s, key, one, 1, now, &u);
	double p = u.pending_since;
	upgrades_cleanup(&u);
	return p;
}

struct dir {
	char path[64];
	char file[128]; /* path/state.json */
};

static void dir_make(struct dir *d)
{
	snprintf(d->path, sizeof d->path, "/tmp/doks_unit_state_XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->file, sizeof d->file, "%s/state.json", d->path);
}

/* Names in the folder other than "." and ".." and except. */
static size_t dir_others(const struct dir *d, const char *except)
{
	DIR *dh = opendir(d->path);
	assert_non_null(dh);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (except && strcmp(e->d_name, except) == 0)
			continue;
		n++;
	}
	closedir(dh);
	return n;
}

/* Removes the folder and everything in it (one level, plus one level of
 * sub-folders). */
static void dir_remove(struct dir *d)
{
	DIR *dh = opendir(d->path);
	if (!dh)
		return;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char p[384];
		snprintf(p, sizeof p, "%s/%s", d->path, e->d_name);
		if (unlink(p) != 0)
			rmdir(p);
	}
	closedir(dh);
	rmdir(d->path);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	size_t n = strlen(content);
	assert_int_equal(fwrite(content, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* The whole file (owned, free()). */
static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}


/* state_load with stderr captured into *log. */
static enum err load_logged(const char *path, struct state **out, char **log)
{
	struct capture c;
	capture_start(&c);
	enum err rc = state_load(path, out);
	*log = capture_end(&c);
	return rc;
}

static enum err save_logged(struct state *s, const char *path, char **log)
{
	struct capture c;
	capture_start(&c);
	enum err rc = state_save(s, path);
	*log = capture_end(&c);
	return rc;
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("\"%s\" not in: %s", part, text);
}

/* ---- state_observe ----------------------------------------------------- */

static void test_first_sighting(void **state)
{
	(void)state;
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	assert_non_null(s);
	struct upgrades u;
	const char *v[] = { A, C };
	see(s, "do/abc", v, 2, 1000.5, &u);
	assert_true(u.pending_since == 1000.5);
	assert_true(first_seen(&u, A) == 1000.5);
	assert_true(first_seen(&u, C) == 1000.5);
	upgrades_cleanup(&u);
	state_free(s);
	state_free(NULL);
}

static void test_pending_since_kept_with_same_or_more_versions(void **state)
{
	(void)state;
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	struct upgrades u;
	const char *a[] = { A };
	see(s, "do/abc", a, 1, 1000, &u);
	upgrades_cleanup(&u);

	see(s, "do/abc", a, 1, 2000, &u);
	assert_true(u.pending_since == 1000);
	assert_true(first_seen(&u, A) == 1000);
	upgrades_cleanup(&u);

	/* a second version appears: it gets the new time, the rest keep theirs */
	const char *ab[] = { A, B };
	see(s, "do/abc", ab, 2, 3000, &u);
	assert_true(u.pending_since == 1000);
	assert_true(first_seen(&u, A) == 1000);
	assert_true(first_seen(&u, B) == 3000);
	upgrades_cleanup(&u);

	/* order does not matter */
	const char *ba[] = { B, A };
	see(s, "do/abc", ba, 2, 4000, &u);
	assert_true(u.pending_since == 1000);
	assert_true(first_seen(&u, A) == 1000);
	assert_true(first_seen(&u, B) == 3000);
	upgrades_cleanup(&u);

	/* a third */
	const char *bac[] = { B, A, C };
	see(s, "do/abc", bac, 3, 5000, &u);
	assert_true(u.pending_since == 1000);
	assert_true(first_seen(&u, A) == 1000);
	assert_true(first_seen(&u, B) == 3000);
	assert_true(first_seen(&u, C) == 5000);
	upgrades_cleanup(&u);
	state_free(s);
}

static void test_withdrawn_version_is_dropped(void **state)
{
	(void)state;
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	struct upgrades u;
	const char *ab[] = { A, B };
	see(s, "do/abc", ab, 2, 1000, &u);
	upgrades_cleanup(&u);

	/* A withdrawn; B stays; the cluster still has an upgrade pending */
	const char *b[] = { B };
	see(s, "do/abc", b, 1, 2000, &u);
	assert_true(u.pending_since == 1000);
	assert_true(first_seen(&u, B) == 1000);
	upgrades_cleanup(&u);

	/* A offered again: a fresh first sighting */
	see(s, "do/abc", ab, 2, 3000, &u);
	assert_true(u.pending_since == 1000);
	assert_true(first_seen(&u, A) == 3000);
	assert_true(first_seen(&u, B) == 1000);
	upgrades_cleanup(&u);

	/* swapped for another version in one step (same count) */
	const char *bc[] = { B, C };
	see(s, "do/abc", bc, 2, 4000, &u);
	assert_true(first_seen(&u, B) == 1000);
	assert_true(first_seen(&u, C) == 4000);
	upgrades_cleanup(&u);
	see(s, "do/abc", ab, 2, 5000, &u);
	assert_true(first_seen(&u, A) == 5000);
	upgrades_cleanup(&u);
	state_free(s);
}

static void test_no_upgrades_clears_the_entry(void **state)
{
	(void)state;
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	struct upgrades u;
	const char *a[] = { A };
	see(s, "do/abc", a, 1, 1000, &u);
	upgrades_cleanup(&u);

	see(s, "do/abc", NULL, 0, 2000, &u);
	assert_true(u.pending_since == 0);
	upgrades_cleanup(&u);

	/* the cluster upgraded; the next offer starts a new wait */
	see(s, "do/abc", a, 1, 3000, &u);
	assert_true(u.pending_since == 3000);
	assert_true(first_seen(&u, A) == 3000);
	upgrades_cleanup(&u);

	/* none for a key never seen: nothing to forget */
	see(s, "do/never", NULL, 0, 4000, &u);
	assert_true(u.pending_since == 0);
	upgrades_cleanup(&u);
	state_free(s);
}

static void test_keys_are_independent(void **state)
{
	(void)state;
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	assert_true(pending_of(s, "a/x", A, 1000) == 1000);
	assert_true(pending_of(s, "b/x", A, 2000) == 2000);
	assert_true(pending_of(s, "a/x", A, 3000) == 1000);

	struct upgrades u;
	see(s, "a/x", NULL, 0, 4000, &u);
	upgrades_cleanup(&u);
	assert_true(pending_of(s, "b/x", A, 5000) == 2000);
	assert_true(pending_of(s, "a/x", A, 6000) == 6000);

	/* many keys, added out of order: each keeps its own time */
	char key[32];
	for (int i = 0; i < 50; i++) {
		int k = (i * 37) % 50;
		snprintf(key, sizeof key, "acct/%02d", k);
		assert_true(pending_of(s, key, A, 10000 + k) == 10000 + k);
	}
	for (int k = 0; k < 50; k++) {
		snprintf(key, sizeof key, "acct/%02d", k);
		assert_true(pending_of(s, key, A, 99999) == 10000 + k);
	}
	assert_true(pending_of(s, "a/x", A, 99999) == 6000);
	assert_true(pending_of(s, "b/x", A, 99999) == 2000);
	state_free(s);
}

static bool keep_prefix_a(const char *key, void *ctx)
{
	int *calls = ctx;
	(*calls)++;
	return strncmp(key, "a/", 2) == 0;
}

static bool keep_all(const char *key, void *ctx)
{
	(void)key;
	int *calls = ctx;
	(*calls)++;
	return true;
}

static void test_retain_drops_rejected_keys(void **state)
{
	(void)state;
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	pending_of(s, "a/1", A, 1000);
	pending_of(s, "a/2", A, 1100);
	pending_of(s, "b/1", A, 1200);
	pending_of(s, "b/2", A, 1300);
	int calls = 0;
	state_retain(s, keep_prefix_a, &calls);
	assert_int_equal(calls, 4);
	assert_true(pending_of(s, "a/1", A, 5000) == 1000);
	assert_true(pending_of(s, "a/2", A, 5000) == 1100);
	assert_true(pending_of(s, "b/1", A, 5000) == 5000);
	assert_true(pending_of(s, "b/2", A, 5000) == 5000);
	state_free(s);
}

/* ---- state_save and state_load ----------------------------------------- */

static void test_round_trip(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	struct upgrades u;
	const char *ab[] = { A, B };
	see(s, "prod/abc-1", ab, 2, 1795168800.25, &u);
	upgrades_cleanup(&u);
	const char *abc[] = { A, B, C };
	see(s, "prod/abc-1", abc, 3, 1795264200.5, &u);
	upgrades_cleanup(&u);
	pending_of(s, "staging/def-2", C, 1795300000);
	pending_of(s, "odd \"key\"\\/x", A, 1795000000);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	state_free(s);
	assert_true(exists(d.file));

	char *log;
	s = NULL;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	assert_non_null(s);
	assert_null(strstr(log, "level=warn"));
	free(log);
	see(s, "prod/abc-1", abc, 3, 1800000000, &u);
	assert_true(u.pending_since == 1795168800.25);
	assert_true(first_seen(&u, A) == 1795168800.25);
	assert_true(first_seen(&u, B) == 1795168800.25);
	assert_true(first_seen(&u, C) == 1795264200.5);
	upgrades_cleanup(&u);
	assert_true(pending_of(s, "staging/def-2", C, 1800000000) == 1795300000);
	assert_true(pending_of(s, "odd \"key\"\\/x", A, 1800000000) == 1795000000);
	/* nothing changed since the load: no write */
	assert_int_equal(unlink(d.file), 0);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_false(exists(d.file));
	state_free(s);
	dir_remove(&d);
}

/* The format, as a person or an older version would have written it. */
static void test_load_hand_written_file(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	write_file(d.file, "{ \"version\": 1, \"clusters\": {\n"
			   "  \"do/abc\": { \"pending_since\": 1795000000.5,\n"
			   "              \"versions\": { \"" A "\": 1795000000.5, \"" C "\": 1795000100 } },\n"
			   "  \"do/empty\": { \"pending_since\": 1795000200, \"versions\": { } }\n"
			   "} }\n");
	struct state *s = NULL;
	char *log;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	assert_null(strstr(log, "level=warn"));
	free(log);
	struct upgrades u;
	const char *ac[] = { A, C };
	see(s, "do/abc", ac, 2, 1800000000, &u);
	assert_true(u.pending_since == 1795000000.5);
	assert_true(first_seen(&u, A) == 1795000000.5);
	assert_true(first_seen(&u, C) == 1795000100);
	upgrades_cleanup(&u);
	state_free(s);
	dir_remove(&d);
}

static void test_save_only_when_changed(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);

	/* an empty, untouched state has nothing to write */
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_false(exists(d.file));

	/* none offered for an unknown key: no change */
	struct upgrades u;
	see(s, "do/abc", NULL, 0, 500, &u);
	upgrades_cleanup(&u);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_false(exists(d.file));

	pending_of(s, "do/abc", A, 1000);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_true(exists(d.file));

	/* the same versions again, later: no write */
	assert_int_equal(unlink(d.file), 0);
	pending_of(s, "do/abc", A, 2000);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_false(exists(d.file));

	/* retain keeping everything: no write */
	int calls = 0;
	pending_of(s, "a/1", A, 3000);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_int_equal(unlink(d.file), 0);
	state_retain(s, keep_all, &calls);
	assert_int_equal(calls, 2);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_false(exists(d.file));

	/* retain dropping one ("do/abc" is not under "a/"): a write */
	state_retain(s, keep_prefix_a, &calls);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_true(exists(d.file));
	assert_int_equal(unlink(d.file), 0);

	/* a new version: a write */
	const char *ab[] = { A, B };
	see(s, "a/1", ab, 2, 4000, &u);
	upgrades_cleanup(&u);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_true(exists(d.file));
	assert_int_equal(unlink(d.file), 0);

	/* a withdrawn version: a write */
	pending_of(s, "a/1", B, 5000);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_true(exists(d.file));
	assert_int_equal(unlink(d.file), 0);

	/* an entry cleared: a write */
	see(s, "a/1", NULL, 0, 6000, &u);
	upgrades_cleanup(&u);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_true(exists(d.file));
	state_free(s);
	dir_remove(&d);
}

/* write, fsync, rename: the old file is replaced, never rewritten in
 * place, and no temporary file stays behind. */
static void test_save_is_atomic(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	pending_of(s, "do/abc", A, 1795000000);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_int_equal(dir_others(&d, "state.json"), 0);
	struct stat before;
	assert_int_equal(stat(d.file, &before), 0);

	pending_of(s, "do/def", A, 1795000100);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_int_equal(dir_others(&d, "state.json"), 0);
	struct stat after;
	assert_int_equal(stat(d.file, &after), 0);
	assert_true(before.st_ino != after.st_ino);
	/* not readable by others: it names clusters */
	assert_int_equal(after.st_mode & (S_IRWXG | S_IRWXO), 0);
	state_free(s);

	/* what was written is whole and reads back */
	s = NULL;
	char *log;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	assert_null(strstr(log, "level=warn"));
	free(log);
	assert_true(pending_of(s, "do/abc", A, 1800000000) == 1795000000);
	assert_true(pending_of(s, "do/def", A, 1800000000) == 1795000100);
	state_free(s);
	dir_remove(&d);
}

static void test_load_missing_file(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	struct state *s = NULL;
	char *log;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	assert_non_null(s);
	assert_string_equal(log, ""); /* a first start is no news */
	free(log);
	/* empty, and nothing to write */
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_false(exists(d.file));
	assert_true(pending_of(s, "do/abc", A, 1000) == 1000);
	state_free(s);
	dir_remove(&d);
}

/* A good entry first, so that a load which kept part of the file shows. */
#define GOOD_ENTRY \
	"\"do/good\": { \"pending_since\": 1795000000, \"versions\": { \"" A "\": 1795000000 } }"

static void expect_corrupt(const char *content)
{
	struct dir d;
	dir_make(&d);
	write_file(d.file, content);
	struct state *s = NULL;
	char *log;
	enum err rc = load_logged(d.file, &s, &log);
	assert_int_equal(rc, ERR_OK);
	assert_non_null(s);
	bool warned = strstr(log, "level=warn") && strstr(log, d.file);
	free(log);

	/* empty: nothing of the file was kept */
	double kept = pending_of(s, "do/good", A, 5000);
	struct upgrades u;
	see(s, "do/good", NULL, 0, 5000, &u); /* back to empty */
	upgrades_cleanup(&u);

	/* the next save replaces the file, even with nothing to record */
	enum err saved = save_logged(s, d.file, &log);
	free(log);
	state_free(s);
	s = NULL;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	bool still_corrupt = strstr(log, "level=warn") != NULL;
	free(log);
	double fresh = pending_of(s, "do/good", A, 6000);
	state_free(s);
	size_t others = dir_others(&d, "state.json");
	dir_remove(&d);

	/* everything released: a failure leaks nothing */
	if (!warned)
		fail_msg("no warning naming the file for: %s", content);
	if (kept != 5000)
		fail_msg("pending_since %.17g kept from: %s", kept, content);
	if (saved != ERR_OK || still_corrupt || fresh != 6000)
		fail_msg("not replaced by the next save (%d, %d, %.17g): %s", saved, still_corrupt,
			 fresh, content);
	assert_int_equal(others, 0);
}

static void test_load_corrupt_file(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"not json",
		"{",
		"null",
		"[]",
		"42",
		"{ \"version\": 1, \"clusters\": { " GOOD_ENTRY ", ",
		"{ \"clusters\": { " GOOD_ENTRY " } }",
		"{ \"version\": 2, \"clusters\": { " GOOD_ENTRY " } }",
		"{ \"version\": \"1\", \"clusters\": { " GOOD_ENTRY " } }",
		"{ \"version\": 1 }",
		"{ \"version\": 1, \"clusters\": [] }",
		"{ \"version\": 1, \"clusters\": { " GOOD_ENTRY ", \"do/x\": 5 } }",
		"{ \"version\": 1, \"clusters\": { " GOOD_ENTRY
		", \"do/x\": { \"pending_since\": \"100\", \"versions\": { } } } }",
		"{ \"version\": 1, \"clusters\": { " GOOD_ENTRY
		", \"do/x\": { \"pending_since\": null, \"versions\": { } } } }",
		"{ \"version\": 1, \"clusters\": { " GOOD_ENTRY
		", \"do/x\": { \"pending_since\": 100 } } }",
		"{ \"version\": 1, \"clusters\": { " GOOD_ENTRY
		", \"do/x\": { \"pending_since\": 100, \"versions\": [ \"" A "\" ] } } }",
		"{ \"version\": 1, \"clusters\": { " GOOD_ENTRY
		", \"do/x\": { \"pending_since\": 100, \"versions\": { \"" A "\": \"100\" } } } }",
		"{ \"version\": 1, \"clusters\": { " GOOD_ENTRY
		", \"do/x\": { \"pending_since\": 100, \"versions\": { \"" A "\": true } } } }",
		/* a key twice */
		"{ \"version\": 1, \"clusters\": { " GOOD_ENTRY ", " GOOD_ENTRY " } }",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_corrupt(bad[i]);
}

/* A time outside the years 2000 to 2200 (a negative one, 0, 1e300 whose
 * conversion to time_t is undefined, or 1e999 that strtod reads as
 * infinity) is dropped with a log line, and the rest of the file kept: a
 * bad pending_since drops its cluster's entry, a bad first-seen time its
 * version. The next save writes the file without them. */
static void test_load_times_out_of_range_are_dropped(void **state)
{
	(void)state;
	static const char *const bad[] = { "-100", "0", "946684799", "7258118400", "1e300",
					   "1e999", "-1e999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct dir d;
		dir_make(&d);
		char content[1024];
		snprintf(content, sizeof content,
			 "{ \"version\": 1, \"clusters\": { " GOOD_ENTRY
			 ", \"do/x\": { \"pending_since\": %s, \"versions\": { \"" A "\": 1795000000 } }"
			 ", \"do/y\": { \"pending_since\": 1795000000, \"versions\": {"
			 " \"" A "\": %s, \"" B "\": 1795000100 } } } }",
			 bad[i], bad[i]);
		write_file(d.file, content);
		struct state *s = NULL;
		char *log;
		assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
		if (!strstr(log, "level=warn") || !strstr(log, "dropped=2") || !strstr(log, d.file) ||
		    strstr(log, "corrupt"))
			fail_msg("for %s, want one warning with dropped=2: %s", bad[i], log);
		free(log);
		/* kept: the good entry, y and its good version */
		assert_true(pending_of(s, "do/good", A, 1800000000) == 1795000000);
		struct upgrades u;
		const char *ab[] = { A, B };
		see(s, "do/y", ab, 2, 1800000000, &u);
		assert_true(u.pending_since == 1795000000);
		assert_true(first_seen(&u, A) == 1800000000); /* its time was dropped */
		assert_true(first_seen(&u, B) == 1795000100);
		upgrades_cleanup(&u);
		/* dropped: x as a whole */
		assert_true(pending_of(s, "do/x", A, 1800000000) == 1800000000);
		/* the file is rewritten without them: it loads without a word */
		assert_int_equal(state_save(s, d.file), ERR_OK);
		state_free(s);
		s = NULL;
		assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
		assert_null(strstr(log, "level=warn"));
		free(log);
		state_free(s);
		dir_remove(&d);
	}
	/* the bounds themselves */
	struct dir d;
	dir_make(&d);
	write_file(d.file, "{ \"version\": 1, \"clusters\": { \"do/z\": { \"pending_since\": "
			   "946684800, \"versions\": { \"" A "\": 7258118399.5 } } } }");
	struct state *s = NULL;
	char *log;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	assert_string_equal(log, "");
	free(log);
	struct upgrades u;
	const char *a[] = { A };
	see(s, "do/z", a, 1, 1800000000, &u);
	assert_true(u.pending_since == 946684800);
	assert_true(first_seen(&u, A) == 7258118399.5);
	upgrades_cleanup(&u);
	state_free(s);
	dir_remove(&d);
}

/* Something other than a regular file at the path: a FIFO would block
 * the start forever (nothing ever writes to it), a device or a folder
 * would be replaced by the next save. Refused at once, with an error
 * that names the file. */
static void test_load_refuses_what_is_not_a_regular_file(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	char fifo[192], sub[192];
	snprintf(fifo, sizeof fifo, "%s/fifo", d.path);
	snprintf(sub, sizeof sub, "%s/sub", d.path);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	const char *const paths[] = { fifo, sub, "/dev/null" };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		/* a blocking open of the FIFO would never return: fail, not hang */
		alarm(5);
		struct state *s = (struct state *)&d; /* sentinel */
		char *log;
		enum err rc = load_logged(paths[i], &s, &log);
		alarm(0);
		assert_int_equal(rc, ERR_CONFIG);
		assert_ptr_equal(s, (struct state *)&d);
		if (!strstr(log, "level=error") || !strstr(log, paths[i]) ||
		    !strstr(log, "not a regular file"))
			fail_msg("for %s: %s", paths[i], log);
		free(log);
	}
	/* a symbolic link to a regular file is a regular file */
	char link[192];
	snprintf(link, sizeof link, "%s/link", d.path);
	write_file(d.file, "{ \"version\": 1, \"clusters\": { " GOOD_ENTRY " } }");
	assert_int_equal(symlink(d.file, link), 0);
	struct state *s = NULL;
	char *log;
	assert_int_equal(load_logged(link, &s, &log), ERR_OK);
	assert_string_equal(log, "");
	free(log);
	assert_true(pending_of(s, "do/good", A, 1800000000) == 1795000000);
	state_free(s);
	dir_remove(&d);
}

static void test_load_unreadable_path(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	char sub[192];
	snprintf(sub, sizeof sub, "%s/sub", d.path);
	assert_int_equal(mkdir(sub, 0700), 0);

	/* a folder where the file should be: saving over it fails cleanly,
	 * leaving no temporary file (loading it is refused, see above) */
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	char *log;
	assert_true(pending_of(s, "do/abc", A, 1000) == 1000);
	assert_int_equal(save_logged(s, sub, &log), ERR_IO);
	assert_contains(log, "level=warn");
	free(log);
	assert_int_equal(dir_others(&d, "sub"), 0);
	state_free(s);

	/* a file without read permission (root reads it anyway) */
	if (geteuid() != 0) {
		write_file(d.file, "{ \"version\": 1, \"clusters\": { " GOOD_ENTRY " } }");
		assert_int_equal(chmod(d.file, 0), 0);
		s = NULL;
		assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
		assert_non_null(s);
		assert_contains(log, "level=warn");
		assert_contains(log, d.file);
		free(log);
		assert_true(pending_of(s, "do/good", A, 1000) == 1000);
		state_free(s);
	}
	dir_remove(&d);
}

static void test_save_into_missing_folder(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	char missing[192];
	snprintf(missing, sizeof missing, "%s/nope/state.json", d.path);
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	pending_of(s, "do/abc", A, 1000);
	char *log;
	assert_int_equal(save_logged(s, missing, &log), ERR_IO);
	assert_contains(log, "level=warn");
	assert_contains(log, missing);
	free(log);
	assert_false(exists(missing));
	assert_int_equal(dir_others(&d, NULL), 0);

	/* still to be written: a later save to a good place does it */
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_true(exists(d.file));
	char *text = read_all(d.file);
	assert_contains(text, "do/abc");
	free(text);
	state_free(s);
	dir_remove(&d);
}

/* ---- unsupported since and upgrade histories --------------------------- */

#define T0 1795000000.0

/* The first absence from /options is kept; an offer forgets it; the
 * times survive a restart. */
static void test_unsupported_since(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	assert_true(state_unsupported_since(s, "1.31") == 0);
	state_note_release(s, "1.31", false, T0);
	state_note_release(s, "1.31", false, T0 + 600); /* still missing: kept */
	state_note_release(s, "1.30", false, T0 + 60);
	state_note_release(s, "1.32", true, T0 + 60); /* offered: nothing */
	assert_true(state_unsupported_since(s, "1.31") == T0);
	assert_true(state_unsupported_since(s, "1.30") == T0 + 60);
	assert_true(state_unsupported_since(s, "1.32") == 0);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	state_free(s);
	char *log;
	s = NULL;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	free(log);
	assert_true(state_unsupported_since(s, "1.31") == T0);
	assert_true(state_unsupported_since(s, "1.30") == T0 + 60);
	/* offered again: forgotten, and a new absence starts afresh */
	state_note_release(s, "1.31", true, T0 + 900);
	assert_true(state_unsupported_since(s, "1.31") == 0);
	state_note_release(s, "1.31", false, T0 + 1200);
	assert_true(state_unsupported_since(s, "1.31") == T0 + 1200);
	state_free(s);
	dir_remove(&d);
}

/* A restart in the middle of an upgrade: the state file keeps the
 * upgrade in progress and the baseline, so that the list showing the
 * cluster running afterwards ends it. */
static void test_history_across_a_restart(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	struct upgrade_history rec = { 0 };
	state_note_cluster(s, "prod/abc-1", "1.31.1-do.0", CLUSTER_STATE_RUNNING, T0, &rec);
	state_note_cluster(s, "prod/abc-1", "1.31.2-do.0", CLUSTER_STATE_RUNNING, T0 + 300, &rec);
	state_note_cluster(s, "prod/abc-1", "1.31.2-do.0", CLUSTER_STATE_UPGRADING, T0 + 600, &rec);
	assert_int_equal(rec.count, 2);
	assert_int_equal(rec.ended[UPGRADE_KIND_PATCH], 1);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	state_free(s);
	upgrade_history_cleanup(&rec);

	char *log;
	s = NULL;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	assert_null(strstr(log, "level=warn"));
	free(log);
	/* the record of a new process starts empty; the first sighting fills it */
	state_note_cluster(s, "prod/abc-1", "1.32.0-do.0", CLUSTER_STATE_RUNNING, T0 + 4000, &rec);
	assert_int_equal(rec.count, 2);
	assert_int_equal(rec.ended[UPGRADE_KIND_PATCH], 1);
	assert_int_equal(rec.ended[UPGRADE_KIND_MINOR], 1);
	const struct upgrade_event *e = &rec.events[1];
	assert_string_equal(e->from, "1.31.2-do.0");
	assert_string_equal(e->to, "1.32.0-do.0");
	assert_true(e->start == T0 + 600);
	assert_true(e->end == T0 + 4000);
	assert_int_equal(e->outcome, CLUSTER_STATE_RUNNING);
	assert_string_equal(rec.events[0].to, "1.31.2-do.0");
	assert_true(rec.events[0].start == T0 + 300 && rec.events[0].end == T0 + 300);
	upgrade_history_cleanup(&rec);
	/* a cluster that is gone takes its history along */
	int calls = 0;
	state_retain(s, keep_prefix_a, &calls);
	assert_int_equal(calls, 1);
	state_note_cluster(s, "prod/abc-1", "1.32.0-do.0", CLUSTER_STATE_RUNNING, T0 + 5000, &rec);
	assert_int_equal(rec.count, 0);
	assert_int_equal(rec.ended[UPGRADE_KIND_MINOR], 0);
	upgrade_history_cleanup(&rec);
	state_free(s);
	dir_remove(&d);
}

/* The keys as written, and an older file without them. */
static void test_history_format(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	write_file(d.file,
		   "{\"version\":1,\"clusters\":{},"
		   "\"releases\":{\"1.30\":{\"unsupported_since\":1795000000},"
		   "\"1.20\":{\"unsupported_since\":5}},"
		   "\"histories\":{\"/x\":{\"version\":\"1.30.2-do.0\",\"state\":\"running\","
		   "\"ended\":{\"patch\":7,\"minor\":1,\"unknown\":0},"
		   "\"events\":[{\"from\":\"1.30.1-do.0\",\"to\":\"1.30.2-do.0\",\"kind\":\"patch\","
		   "\"start\":1795000000,\"end\":1795000900,\"outcome\":\"degraded\"},"
		   "{\"from\":null,\"to\":null,\"kind\":\"unknown\",\"start\":3,\"end\":0,"
		   "\"outcome\":\"upgrading\"}]}}}");
	struct state *s = NULL;
	char *log;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	assert_contains(log, "dropped=2"); /* the release and the event of 1970 */
	free(log);
	assert_true(state_unsupported_since(s, "1.30") == 1795000000);
	assert_true(state_unsupported_since(s, "1.20") == 0);
	struct upgrade_history rec = { 0 };
	state_note_cluster(s, "/x", "1.30.2-do.0", CLUSTER_STATE_RUNNING, 1796000000, &rec);
	assert_int_equal(rec.count, 1);
	assert_int_equal(rec.ended[UPGRADE_KIND_PATCH], 7);
	assert_int_equal(rec.events[0].outcome, CLUSTER_STATE_DEGRADED);
	upgrade_history_cleanup(&rec);
	state_free(s);
	/* a history of the wrong shape: the file is corrupt */
	write_file(d.file, "{\"version\":1,\"clusters\":{},\"histories\":{\"/x\":{\"events\":3}}}");
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	assert_contains(log, "corrupt");
	free(log);
	state_free(s);
	dir_remove(&d);
}

/* ---- the status messages' cursors ------------------------------------------ */

static void test_status_cursor_round_trip(void **state)
{
	(void)state;
	struct dir d;
	dir_make(&d);
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	assert_true(state_status_cursor(s, "prod/abc-1") == 0);
	state_set_status_cursor(s, "prod/abc-1", 1772449541.532);
	state_set_status_cursor(s, "/def-2", 1772524800);
	state_set_status_cursor(s, "/ghi-3", 0);   /* no cursor: nothing kept */
	state_set_status_cursor(s, "/ghi-3", -5);
	/* a cluster's cursor stays when its upgrade entry goes */
	pending_of(s, "prod/abc-1", A, 1795000000);
	struct upgrades u;
	see(s, "prod/abc-1", NULL, 0, 1795000100, &u);
	upgrades_cleanup(&u);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	state_free(s);
	char *text = read_all(d.file);
	assert_contains(text, "\"status_messages_since\":{");
	assert_contains(text, "\"prod/abc-1\":1772449541.532");
	assert_null(strstr(text, "ghi-3"));
	free(text);

	char *log;
	s = NULL;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	assert_null(strstr(log, "level=warn"));
	free(log);
	assert_true(state_status_cursor(s, "prod/abc-1") == 1772449541.532);
	assert_true(state_status_cursor(s, "/def-2") == 1772524800);
	assert_true(state_status_cursor(s, "/ghi-3") == 0);
	/* the same cursor again: no write */
	state_set_status_cursor(s, "/def-2", 1772524800);
	assert_int_equal(unlink(d.file), 0);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_false(exists(d.file));
	/* a cursor that moved: written */
	state_set_status_cursor(s, "/def-2", 1772600000);
	assert_int_equal(state_save(s, d.file), ERR_OK);
	assert_true(exists(d.file));
	state_free(s);
	dir_remove(&d);
}

static void test_status_cursor_retained_and_loaded(void **state)
{
	(void)state;
	struct state *s = NULL;
	assert_int_equal(state_new(&s), ERR_OK);
	state_set_status_cursor(s, "a/1", 1772449541);
	state_set_status_cursor(s, "b/1", 1772449542);
	int calls = 0;
	state_retain(s, keep_prefix_a, &calls);
	assert_true(state_status_cursor(s, "a/1") == 1772449541);
	assert_true(state_status_cursor(s, "b/1") == 0);
	state_free(s);

	/* a file of an older exporter, without the key: no cursor, no warning */
	struct dir d;
	dir_make(&d);
	write_file(d.file, "{ \"version\": 1, \"clusters\": { } }");
	char *log;
	s = NULL;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	assert_null(strstr(log, "level=warn"));
	free(log);
	assert_true(state_status_cursor(s, "/x") == 0);
	state_free(s);
	/* a cursor out of range is dropped with a line; the others stay */
	write_file(d.file, "{ \"version\": 1, \"clusters\": { },"
			   " \"status_messages_since\": { \"/x\": 1e300, \"/y\": 1772449541 } }");
	s = NULL;
	assert_int_equal(load_logged(d.file, &s, &log), ERR_OK);
	assert_contains(log, "outside the years 2000 to 2200");
	free(log);
	assert_true(state_status_cursor(s, "/x") == 0);
	assert_true(state_status_cursor(s, "/y") == 1772449541);
	state_free(s);
	dir_remove(&d);
	/* the wrong shape is a corrupt file */
	expect_corrupt("{ \"version\": 1, \"clusters\": { " GOOD_ENTRY " }, \"status_messages_since\": [] }");
	expect_corrupt("{ \"version\": 1, \"clusters\": { " GOOD_ENTRY " },"
		       " \"status_messages_since\": { \"/x\": \"1772449541\" } }");
	expect_corrupt("{ \"version\": 1, \"clusters\": { " GOOD_ENTRY " },"
		       " \"status_messages_since\": { \"/x\": 1772449541, \"/x\": 1772449542 } }");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_sighting),
		cmocka_unit_test(test_pending_since_kept_with_same_or_more_versions),
		cmocka_unit_test(test_withdrawn_version_is_dropped),
		cmocka_unit_test(test_no_upgrades_clears_the_entry),
		cmocka_unit_test(test_keys_are_independent),
		cmocka_unit_test(test_retain_drops_rejected_keys),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_load_hand_written_file),
		cmocka_unit_test(test_save_only_when_changed),
		cmocka_unit_test(test_save_is_atomic),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_corrupt_file),
		cmocka_unit_test(test_load_times_out_of_range_are_dropped),
		cmocka_unit_test(test_load_refuses_what_is_not_a_regular_file),
		cmocka_unit_test(test_load_unreadable_path),
		cmocka_unit_test(test_save_into_missing_folder),
		cmocka_unit_test(test_status_cursor_round_trip),
		cmocka_unit_test(test_status_cursor_retained_and_loaded),
		cmocka_unit_test(test_unsupported_since),
		cmocka_unit_test(test_history_across_a_restart),
		cmocka_unit_test(test_history_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
