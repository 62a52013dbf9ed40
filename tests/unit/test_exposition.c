/* test_exposition.c - exposition.h: the Prometheus text format writer:
 * escaping, UTF-8 repair, number formatting and exact line text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"

/* Text of the escaped label value of s. Owned by the caller (free()). */
static char *escaped(const char *s)
{
	struct exposition *e = NULL;
	assert_int_equal(exposition_new(0, &e), ERR_OK);
	exposition_escape_label_value(e, s);
	char *out = NULL;
	size_t len = 0;
	assert_int_equal(exposition_finish(e, &out, &len), ERR_OK);
	assert_int_equal(strlen(out), len);
	return out;
}

static void assert_escaped(const char *in, const char *want)
{
	char *got = escaped(in);
	if (strcmp(got, want) != 0)
		fail_msg("escape(\"%s\") = \"%s\", want \"%s\"", in, got, want);
	free(got);
}

static void test_label_escaping(void **state)
{
	(void)state;
	assert_escaped("", "");
	assert_escaped("plain-value_1.2", "plain-value_1.2");
	assert_escaped("a\\b", "a\\\\b");
	assert_escaped("say \"hi\"", "say \\\"hi\\\"");
	assert_escaped("two\nlines", "two\\nlines");
	assert_escaped("\\\"\n", "\\\\\\\"\\n");
	/* other control characters and tabs pass as they are */
	assert_escaped("a\tb\rc", "a\tb\rc");
	assert_escaped("{x=\"1\"}", "{x=\\\"1\\\"}");
}

static void test_label_valid_utf8_untouched(void **state)
{
	(void)state;
	assert_escaped("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");             /* 日本 */
	assert_escaped("caf\xc3\xa9", "caf\xc3\xa9");                                     /* é */
	assert_escaped("\xf0\x9f\x9a\x80 go", "\xf0\x9f\x9a\x80 go");                     /* emoji */
	assert_escaped("\xef\xbf\xbd", "\xef\xbf\xbd");                                   /* U+FFFD */
	assert_escaped("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");                           /* U+10FFFF */
	assert_escaped("\xed\x9f\xbf", "\xed\x9f\xbf");                                   /* U+D7FF */
	assert_escaped("\xee\x80\x80", "\xee\x80\x80");                                   /* U+E000 */
	assert_escaped("\xc2\x80", "\xc2\x80");                                           /* U+0080 */
	assert_escaped("\xe0\xa0\x80", "\xe0\xa0\x80");                                   /* U+0800 */
	assert_escaped("\xf0\x90\x80\x80", "\xf0\x90\x80\x80");                           /* U+10000 */
	assert_escaped("\xe6\x97\xa5\"\xe6\x9c\xac", "\xe6\x97\xa5\\\"\xe6\x9c\xac");
}

#define FFFD "\xef\xbf\xbd"

static void test_label_invalid_utf8_replaced(void **state)
{
	(void)state;
	assert_escaped("a\xff" "b", "a" FFFD "b");
	assert_escaped("\x80", FFFD);                    /* lone continuation byte */
	assert_escaped("\xc3", FFFD);                    /* truncated at the end */
	assert_escaped("\xe6\x97", FFFD FFFD);           /* truncated 3-byte sequence */
	assert_escaped("\xe6\x97x", FFFD FFFD "x");
	assert_escaped("\xc0\xaf", FFFD FFFD);           /* overlong '/' */
	assert_escaped("\xc1\xbf", FFFD FFFD);           /* overlong */
	assert_escaped("\xe0\x80\xaf", FFFD FFFD FFFD);  /* overlong 3-byte '/' */
	assert_escaped("\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD); /* overlong 4-byte */
	assert_escaped("\xed\xa0\x80", FFFD FFFD FFFD);  /* surrogate U+D800 */
	assert_escaped("\xed\xbf\xbf", FFFD FFFD FFFD);  /* surrogate U+DFFF */
	assert_escaped("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* above U+10FFFF */
	assert_escaped("\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD);
	assert_escaped("\xfe\xff", FFFD FFFD);
	/* a bad byte next to a character that needs escaping */
	assert_escaped("\xff\"\xff\\", FFFD "\\\"" FFFD "\\\\");
}

static char *finish(struct exposition *e, size_t *len)
{
	char *out = NULL;
	assert_int_equal(exposition_finish(e, &out, len), ERR_OK);
	assert_non_null(out);
	assert_int_equal(strlen(out), *len);
	return out;
}

static void test_family_and_help_escaping(void **state)
{
	(void)state;
	struct exposition *e = NULL;
	assert_int_equal(exposition_new(16, &e), ERR_OK);
	exposition_family(e, "doks_x", "gauge", "Plain help.");
	exposition_family(e, "doks_y", "counter", "Back\\slash, \"quotes\" and a\nnewline.");
	size_t len;
	char *out = finish(e, &len);
	assert_string_equal(out, "# HELP doks_x Plain help.\n"
				 "# TYPE doks_x gauge\n"
				 "# HELP doks_y Back\\\\slash, \"quotes\" and a\\nnewline.\n"
				 "# TYPE doks_y counter\n");
	free(out);
}

static void test_sample_lines(void **state)
{
	(void)state;
	struct exposition *e = NULL;
	assert_int_equal(exposition_new(0, &e), ERR_OK);
	exposition_sample(e, "doks_plain", NULL, 0, 3);
	struct exposition_label one[] = { { "cluster_id", "abc" } };
	exposition_sample(e, "doks_one", one, 1, 0.5);
	struct exposition_label three[] = { { "a", "x\"y" }, { "b", NULL }, { "c", "l1\nl2\\" } };
	exposition_sample(e, "doks_three", three, 3, -2);
	exposition_sample(e, "doks_nan", NULL, 0, NAN);
	exposition_sample(e, "doks_inf", one, 1, -INFINITY);
	exposition_raw(e, "raw 1\n", 6);
	size_t len;
	char *out = finish(e, &len);
	assert_string_equal(out, "doks_plain 3\n"
				 "doks_one{cluster_id=\"abc\"} 0.5\n"
				 "doks_three{a=\"x\\\"y\",b=\"\",c=\"l1\\nl2\\\\\"} -2\n"
				 "doks_nan NaN\n"
				 "doks_inf{cluster_id=\"abc\"} -Inf\n"
				 "raw 1\n");
	free(out);
}

static void test_growth(void **state)
{
	(void)state;
	/* far past the initial capacity: every byte must survive the reallocs */
	struct exposition *e = NULL;
	assert_int_equal(exposition_new(1, &e), ERR_OK);
	char name[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "m%d", i);
		exposition_sample(e, name, NULL, 0, i);
	}
	size_t len;
	char *out = finish(e, &len);
	const char *p = out;
	for (int i = 0; i < 5000; i++) {
		char want[64];
		int n = snprintf(want, sizeof want, "m%d %d\n", i, i);
		if (strncmp(p, want, (size_t)n) != 0)
			fail_msg("line %d wrong at offset %td", i, p - out);
		p += n;
	}
	assert_int_equal((size_t)(p - out), len);
	free(out);
}

static void test_empty_and_null(void **state)
{
	(void)state;
	struct exposition *e = NULL;
	assert_int_equal(exposition_new(0, &e), ERR_OK);
	size_t len = 99;
	char *out = finish(e, &len);
	assert_int_equal(len, 0);
	assert_string_equal(out, "");
	free(out);

	char *keep = (char *)"keep";
	len = 5;
	assert_int_equal(exposition_finish(NULL, &keep, &len), ERR_NOMEM);
	assert_string_equal(keep, "keep");
	assert_int_equal(len, 5);
	exposition_free(NULL);
}

static void assert_value(double v, const char *want)
{
	char buf[40];
	size_t n = exposition_format_value(v, buf, sizeof buf);
	if (strcmp(buf, want) != 0)
		fail_msg("format(%.17g) = \"%s\", want \"%s\"", v, buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_format_value(void **state)
{
	(void)state;
	assert_value(0, "0");
	assert_value(1, "1");
	assert_value(-1, "-1");
	assert_value(0.1, "0.1");
	assert_value(0.5, "0.5");
	assert_value(0.005, "0.005");
	assert_value(2.5, "2.5");
	assert_value(1e-9, "1e-09");
	assert_value(1e20, "1e+20");
	assert_value(9007199254740992.0, "9007199254740992"); /* 2^53 */
	assert_value(1573300228.0, "1573300228");
	assert_value(4294967296.0, "4294967296");
	assert_value(NAN, "NaN");
	assert_value(INFINITY, "+Inf");
	assert_value(-INFINITY, "-Inf");
	assert_value(0.1 + 0.2, "0.30000000000000004");
}

static void test_format_value_round_trips(void **state)
{
	(void)state;
	static const double values[] = {
		1573300228.889080, 1573300228.889080521, 0.1, 1.0 / 3, 2.0 / 3, 1e-300,
		5e-324,            1.7976931348623157e308, 123456789.123456789,
		0.1 + 0.2,         1e15 + 0.5,  -1234.5678, 9007199254740993.0,
	};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		char buf[40];
		size_t n = exposition_format_value(values[i], buf, sizeof buf);
		assert_int_equal(n, strlen(buf));
		char *end = NULL;
		double back = strtod(buf, &end);
		if (*end != '\0' || back != values[i])
			fail_msg("%.17g -> \"%s\" does not read back", values[i], buf);
	}
	char buf[40];
	exposition_format_value(1573300228.889080, buf, sizeof buf);
	assert_string_equal(buf, "1573300228.88908");
}

/* exposition.h promises the shortest form that reads back (as Prometheus's
 * own strconv 'g', -1 writes it): 16 significant digits where 16 do. */
static void test_format_value_shortest(void **state)
{
	(void)state;
	assert_value(0.1 + 0.7, "0.7999999999999999");
	assert_value(1.1 * 1.1, "1.2100000000000002");
}

static void test_format_value_small_buffer(void **state)
{
	(void)state;
	char buf[32];
	memset(buf, 'X', sizeof buf);
	size_t n = exposition_format_value(-1.7976931348623157e308, buf, sizeof buf);
	assert_true(n < sizeof buf);
	assert_int_equal(strlen(buf), n);
	assert_true(strtod(buf, NULL) == -1.7976931348623157e308);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_label_valid_utf8_untouched),
		cmocka_unit_test(test_label_invalid_utf8_replaced),
		cmocka_unit_test(test_family_and_help_escaping),
		cmocka_unit_test(test_sample_lines),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_format_value),
		cmocka_unit_test(test_format_value_round_trips),
		cmocka_unit_test(test_format_value_shortest),
		cmocka_unit_test(test_format_value_small_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
