/* test_apiheader.c - apiheader.h: the rate-limit and retry-after headers
 * of the API's answers, as libcurl hands them over (CRLF included). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "apiheader.h"

/* Parses line from an exact heap copy, so that ASan sees a read past it. */
static enum apiheader parse(const char *line, double *value, bool *valid)
{
	size_t n = strlen(line);
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, line, n);
	enum apiheader k = apiheader_parse(copy, n, value, valid);
	free(copy);
	return k;
}

static void expect(const char *line, enum apiheader kind, bool valid, double value)
{
	double v = -7;
	bool ok = !valid;
	enum apiheader k = parse(line, &v, &ok);
	if (k != kind || ok != valid || (valid && v != value) || (!valid && v != -7))
		fail_msg("\"%s\": kind %d valid %d value %.17g; want %d %d %.17g", line, (int)k, ok,
			 v, (int)kind, valid, value);
}

static void test_the_four_headers(void **state)
{
	(void)state;
	expect("ratelimit-limit: 5000\r\n", APIHEADER_LIMIT, true, 5000);
	expect("ratelimit-remaining: 4999\r\n", APIHEADER_REMAINING, true, 4999);
	expect("ratelimit-reset: 1795168800\r\n", APIHEADER_RESET, true, 1795168800);
	expect("retry-after: 30\r\n", APIHEADER_RETRY_AFTER, true, 30);
	/* names without case, as HTTP says; blanks around the value */
	expect("RateLimit-Limit:5000\r\n", APIHEADER_LIMIT, true, 5000);
	expect("RETRY-AFTER: \t 0 \t\r\n", APIHEADER_RETRY_AFTER, true, 0);
	expect("ratelimit-remaining: 0", APIHEADER_REMAINING, true, 0); /* no CRLF */
	expect("ratelimit-reset: 999999999999999\r\n", APIHEADER_RESET, true, 999999999999999.0);
}

static void test_bad_values(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"retry-after: Wed, 21 Oct 2026 07:28:00 GMT\r\n", /* the date form: not read */
		"retry-after: -1\r\n",
		"retry-after: +1\r\n",
		"retry-after: 1.5\r\n",
		"retry-after: 1e3\r\n",
		"retry-after: 0x10\r\n",
		"retry-after: 1 2\r\n",
		"retry-after:\r\n",
		"retry-after:   \r\n",
		"retry-after: 1000000000000000\r\n", /* 16 digits */
		"retry-after: \xd9\xa3\r\n",         /* an Arabic-Indic digit */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect(bad[i], APIHEADER_RETRY_AFTER, false, 0);
	expect("ratelimit-limit: nan\r\n", APIHEADER_LIMIT, false, 0);
}

static void test_other_lines(void **state)
{
	(void)state;
	expect("HTTP/1.1 429 Too Many Requests\r\n", APIHEADER_STATUS, false, 0);
	expect("HTTP/2 200\r\n", APIHEADER_STATUS, false, 0);
	expect("\r\n", APIHEADER_OTHER, false, 0);
	expect("", APIHEADER_OTHER, false, 0);
	expect("content-type: application/json\r\n", APIHEADER_OTHER, false, 0);
	/* a longer name, a space before the colon, a prefix only */
	expect("ratelimit-limits: 5\r\n", APIHEADER_OTHER, false, 0);
	expect("x-ratelimit-limit: 5\r\n", APIHEADER_OTHER, false, 0);
	expect("ratelimit-limit : 5\r\n", APIHEADER_OTHER, false, 0);
	expect("ratelimit-limit", APIHEADER_OTHER, false, 0);
	expect("retry-afte", APIHEADER_OTHER, false, 0);
	expect("HTTP", APIHEADER_OTHER, false, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_four_headers),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_other_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
