/* test_poller.c - poller.h: a reload that fails part-way, out of memory at
 * any allocation included, leaves the running accounts exactly as they
 * were; one that succeeds applies whole.
 *
 * Linked with -Wl,--wrap for calloc, malloc and realloc (see the
 * Makefile), so that the n-th allocation of the exporter's own code can be
 * made to fail. The API is a closed loopback port: every request fails at
 * once, which is all a round needs here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "model.h"
#include "poller.h"
#include "settings.h"
#include "snapshot.h"

/* < 0: never; else the number of allocations still allowed */
static long allocations_left = -1;

static int allow(void)
{
	if (allocations_left < 0)
		return 1;
	if (allocations_left == 0)
		return 0;
	allocations_left--;
	return 1;
}

void *__real_calloc(size_t n, size_t size);
void *__real_malloc(size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_realloc(void *p, size_t size);

void *__wrap_calloc(size_t n, size_t size)
{
	return allow() ? __real_calloc(n, size) : NULL;
}

void *__wrap_malloc(size_t size)
{
	return allow() ? __real_malloc(size) : NULL;
}

void *__wrap_realloc(void *p, size_t size)
{
	return allow() ? __real_realloc(p, size) : NULL;
}

#define A "00000000-0000-4000-8000-00000000000a"
#define B "00000000-0000-4000-8000-00000000000b"
#define C "00000000-0000-4000-8000-00000000000c"
#define D "00000000-0000-4000-8000-00000000000d"
#define E "00000000-0000-4000-8000-00000000000e"

static char dir[64];

static struct settings *load(const char *accounts)
{
	char path[128];
	snprintf(path, sizeof path, "%s/doks.conf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"api = { url = \"http://127.0.0.1:1\"; timeout = 1; retries = 0; max_requests_per_minute = 0; };\n"
		"poll = { interval = 60; credentials_interval = 0; options_interval = 0; };\n"
		"accounts = ( %s );\n",
		accounts);
	fclose(f);
	struct settings_flags flags = { .config_file = path };
	struct settings *s = NULL;
	assert_int_equal(settings_load(&flags, &s), ERR_OK);
	return s;
}

/* The clusters a poller exports, as "account/id" lines. */
static void collect(const char *account, const struct cluster_record *c, int supported, void *ctx)
{
	(void)supported;
	char *out = ctx;
	size_t len = strlen(out);
	snprintf(out + len, 1024 - len, "%s/%s\n", account ? account : "", c->cluster.id);
}

static void exported(struct poller *p, char out[1024])
{
	out[0] = '\0';
	poller_each_cluster(p, collect, out);
}

#define BEFORE "one/" A "\none/" B "\ntwo/" C "\n"
#define AFTER "one/" A "\none/" D "\ntwo/" C "\nthree/" E "\n"

static void test_reload_is_all_or_nothing(void **state)
{
	(void)state;
	bool applied = false;
	long failures = 0;
	for (long n = 0; !applied && n < 400; n++) {
		struct settings *s = load(
			"{ name = \"one\"; token_env = \"TEST_TOKEN\"; discover = false; ids = [ \"" A "\", \"" B "\" ]; },"
			"{ name = \"two\"; token_env = \"TEST_TOKEN\"; discover = false; ids = [ \"" C "\" ]; }");
		struct poller *p = NULL;
		assert_int_equal(poller_new(s, &p), ERR_OK);
		poller_cycle(p);
		char out[1024];
		exported(p, out);
		assert_string_equal(out, BEFORE);

		struct settings *fresh = load(
			"{ name = \"one\"; token_env = \"TEST_TOKEN\"; discover = false; ids = [ \"" A "\", \"" D "\" ]; },"
			"{ name = \"two\"; token_env = \"TEST_TOKEN\"; discover = false; ids = [ \"" C "\" ]; },"
			"{ name = \"three\"; token_env = \"TEST_TOKEN\"; discover = false; ids = [ \"" E "\" ]; }");
		poller_reload(p, fresh);
		/* a reload is taken before anything else: with stop asked
		 * for, that is all a round does; the n-th allocation from
		 * there fails */
		poller_request_stop(p);
		allocations_left = n;
		poller_cycle(p);
		allocations_left = -1;
		exported(p, out);
		if (strcmp(out, AFTER) == 0) {
			applied = true;
		} else {
			/* exactly as before: not a cluster more or less */
			assert_string_equal(out, BEFORE);
			failures++;
		}
		poller_free(p);
		settings_free(s);
		snapshot_shutdown();
	}
	assert_true(applied);
	assert_true(failures > 3); /* the failing points were reached */
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_poller.XXXXXX");
	assert_non_null(mkdtemp(dir));
	setenv("TEST_TOKEN", "test-token", 1);
	log_set_level(LOG_LEVEL_ERROR + 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/doks.conf", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload_is_all_or_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
