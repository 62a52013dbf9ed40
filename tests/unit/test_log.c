/* test_log.c - log.h: levels and the logfmt line written to stderr (fd 2
 * is redirected to a temporary file around each call). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <syslog.h> /* log.h must not clash with it */
#include <unistd.h>

#include "log.h"


/* "ts=YYYY-MM-DDTHH:MM:SS.mmmZ " at the start of line; returns what follows. */
static const char *after_ts(const char *line)
{
	static const char shape[] = "ts=dddd-dd-ddTdd:dd:dd.dddZ ";
	for (size_t i = 0; i < sizeof shape - 1; i++) {
		bool ok = shape[i] == 'd' ? isdigit((unsigned char)line[i]) != 0 : line[i] == shape[i];
		if (!ok)
			fail_msg("bad timestamp at %zu: %s", i, line);
	}
	return line + sizeof shape - 1;
}

static int reset_level(void **state)
{
	(void)state;
	log_set_level(LOG_LEVEL_INFO);
	return 0;
}

static void test_level_parse(void **state)
{
	(void)state;
	enum log_level l = LOG_LEVEL_ERROR;
	assert_true(log_level_parse("debug", &l));
	assert_int_equal(l, LOG_LEVEL_DEBUG);
	assert_true(log_level_parse("info", &l));
	assert_int_equal(l, LOG_LEVEL_INFO);
	assert_true(log_level_parse("warn", &l));
	assert_int_equal(l, LOG_LEVEL_WARN);
	assert_true(log_level_parse("error", &l));
	assert_int_equal(l, LOG_LEVEL_ERROR);
	static const char *const bad[] = { "", "WARN", "warning", "err", "info ", "fatal", "0" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		l = LOG_LEVEL_DEBUG;
		if (log_level_parse(bad[i], &l))
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(l, LOG_LEVEL_DEBUG);
	}
}

static void test_enabled(void **state)
{
	(void)state;
	/* info by default */
	assert_false(log_enabled(LOG_LEVEL_DEBUG));
	assert_true(log_enabled(LOG_LEVEL_INFO));
	log_set_level(LOG_LEVEL_WARN);
	assert_false(log_enabled(LOG_LEVEL_DEBUG));
	assert_false(log_enabled(LOG_LEVEL_INFO));
	assert_true(log_enabled(LOG_LEVEL_WARN));
	assert_true(log_enabled(LOG_LEVEL_ERROR));
	log_set_level(LOG_LEVEL_DEBUG);
	assert_true(log_enabled(LOG_LEVEL_DEBUG));
	log_set_level(LOG_LEVEL_ERROR);
	assert_false(log_enabled(LOG_LEVEL_WARN));
	assert_true(log_enabled(LOG_LEVEL_ERROR));

	struct capture c;
	capture_start(&c);
	log_warn("dropped");
	log_info("dropped too");
	log_error("kept");
	char *out = capture_end(&c);
	assert_string_equal(after_ts(out), "level=error msg=kept\n");
	free(out);
}

static void test_line_format(void **state)
{
	(void)state;
	struct capture c;
	capture_start(&c);
	log_emit(LOG_LEVEL_WARN, "a b", "key", "value", "quoted", "x \"y\"", NULL);
	char *out = capture_end(&c);
	assert_string_equal(after_ts(out), "level=warn msg=\"a b\" key=value quoted=\"x \\\"y\\\"\"\n");
	free(out);

	capture_start(&c);
	log_info("plain");
	log_debug("below the level");
	log_error("x", "endpoint", "upgrades", "code", "429");
	char *two = capture_end(&c);
	const char *second = strchr(two, '\n');
	assert_non_null(second);
	second++;
	assert_memory_equal(after_ts(two), "level=info msg=plain\n", 21);
	assert_string_equal(after_ts(second), "level=error msg=x endpoint=upgrades code=429\n");
	free(two);
}

static void test_escaping(void **state)
{
	(void)state;
	struct capture c;
	capture_start(&c);
	log_info("two\nlines", "empty", "", "eq", "a=b", "bs", "a\\b", "bsq", "a\\ b", "ctl",
		 "a\x01z", "tab", "a\tb", "del", "a\x7f");
	char *out = capture_end(&c);
	assert_string_equal(after_ts(out),
			    "level=info msg=\"two\\nlines\" empty=\"\" eq=\"a=b\" bs=a\\b "
			    "bsq=\"a\\\\ b\" ctl=\"a\\x01z\" tab=\"a\\x09b\" del=\"a\\x7f\"\n");
	/* one line, whatever the values held */
	assert_int_equal(strchr(out, '\n') - out + 1, (ptrdiff_t)strlen(out));
	free(out);
}

/* log.h: "A pair whose value is NULL is left out." */
static void test_null_value(void **state)
{
	(void)state;
	struct capture c;
	capture_start(&c);
	log_info("m", "gone", (const char *)NULL, "kept", "1");
	char *out = capture_end(&c);
	assert_string_equal(after_ts(out), "level=info msg=m kept=1\n");
	free(out);
}

static void test_long_line_cut(void **state)
{
	(void)state;
	char *big = malloc(10000);
	assert_non_null(big);
	memset(big, 'v', 9999);
	big[9999] = '\0';
	struct capture c;
	capture_start(&c);
	log_info("long", "value", big, "after", "x");
	char *out = capture_end(&c);
	free(big);
	size_t n = strlen(out);
	assert_true(n > 1000 && n <= 2048);
	assert_string_equal(out + n - 4, "...\n");
	assert_null(strstr(out, "after=x"));
	assert_int_equal(strchr(out, '\n') - out + 1, (ptrdiff_t)n);
	free(out);
}

enum { THREADS = 4, LINES = 200 };

static void *logger(void *arg)
{
	char id[16];
	snprintf(id, sizeof id, "%d", (int)(intptr_t)arg);
	for (int i = 0; i < LINES; i++)
		log_info("from a thread", "thread", id, "pad",
			 "0123456789012345678901234567890123456789012345678901234567890123456789");
	return NULL;
}

static void test_threads_never_interleave(void **state)
{
	(void)state;
	struct capture c;
	capture_start(&c);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, logger, (void *)(intptr_t)i), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	char *out = capture_end(&c);
	int lines = 0;
	for (char *p = out; *p;) {
		char *nl = strchr(p, '\n');
		assert_non_null(nl);
		*nl = '\0';
		const char *rest = after_ts(p);
		int thread = -1;
		char tail[128];
		if (sscanf(rest, "level=info msg=\"from a thread\" thread=%d pad=%127s", &thread,
			   tail) != 2 ||
		    thread < 0 || thread >= THREADS ||
		    strcmp(tail, "0123456789012345678901234567890123456789012345678901234567890123456789") != 0)
			fail_msg("mangled line: %s", p);
		lines++;
		p = nl + 1;
	}
	assert_int_equal(lines, THREADS * LINES);
	free(out);
}

/* Typed values: each is formatted in its own buffer, so several in one call
 * do not overwrite each other. */
static void test_typed_values(void **state)
{
	(void)state;
	struct capture c;
	capture_start(&c);
	size_t clusters = 1000;
	log_info("typed", "clusters", LOG_UINT(clusters), "delta", LOG_INT(-42), "rate",
		 LOG_FIXED(2.5, 1), "took", LOG_SECONDS(1.25), "whole", LOG_FIXED(3599.6, 0), "max",
		 LOG_UINT(UINT64_MAX), "min", LOG_INT(INT64_MIN));
	char *out = capture_end(&c);
	assert_string_equal(after_ts(out), "level=info msg=typed clusters=1000 delta=-42 rate=2.5 "
					   "took=1.250 whole=3600 max=18446744073709551615 "
					   "min=-9223372036854775808\n");
	free(out);

	char buf[LOG_NUMBER_MAX];
	assert_string_equal(log_format_fixed(buf, NAN, 3), "NaN");
	assert_string_equal(log_format_fixed(buf, INFINITY, 3), "+Inf");
	assert_string_equal(log_format_fixed(buf, -INFINITY, 0), "-Inf");
	assert_string_equal(log_format_fixed(buf, 1e300, 3), "1.000e+300");
	assert_string_equal(log_format_fixed(buf, -1e15, 9), "-1000000000000000.000000000");
	/* the widest fixed form still fits, whole */
	assert_int_equal(strlen(log_format_fixed(buf, -9.99e29, 9)), 41);
	assert_string_equal(log_format_fixed(buf, 0.5, 12), "0.500000000");
	assert_string_equal(log_format_fixed(buf, 7.7, -1), "8");
	assert_true(LOG_DEBUG != LOG_INFO); /* <syslog.h>'s, untouched */
	assert_int_equal(LOG_LEVEL_DEBUG, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, reset_level, reset_level)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_level_parse),
		T(test_enabled),
		T(test_line_format),
		T(test_escaping),
		T(test_null_value),
		T(test_long_line_cut),
		T(test_threads_never_interleave),
		T(test_typed_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
