/* fuzz_exposition.c - libFuzzer driver for the exposition writer.
 *
 * The input, read as a C string, is the value of a label in one sample
 * written with exposition_sample. The text must be valid UTF-8, the value must
 * use only the escapes \\, \" and \n (so no raw newline and no bare '"'),
 * and when the input is valid UTF-8 the value must unescape to exactly the
 * input. The first 8 bytes, read as a double, are the sample's value:
 * exposition_format_value must write it in a form strtod reads back to the same
 * double (NaN aside), using only what Prometheus parses.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"
#include "fuzz.h"

#define NUM_BUF 32 /* the smallest size exposition_format_value accepts */

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 (RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static bool utf8_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(s + i, n - i);
		if (len == 0)
			return false;
		i += len;
	}
	return true;
}

static void check_number(double v)
{
	char *buf = malloc(NUM_BUF);
	if (!buf)
		return;
	size_t n = exposition_format_value(v, buf, NUM_BUF);
	FUZZ_CHECK(n > 0 && n < NUM_BUF && strlen(buf) == n);
	if (isnan(v)) {
		FUZZ_CHECK(strcmp(buf, "NaN") == 0);
	} else if (isinf(v)) {
		FUZZ_CHECK(strcmp(buf, v > 0 ? "+Inf" : "-Inf") == 0);
	} else {
		FUZZ_CHECK(strspn(buf, "0123456789.eE+-") == n);
		char *end;
		double back = strtod(buf, &end);
		FUZZ_CHECK(*end == '\0' && back == v);
	}
	free(buf);
}

/* Checks the escaped value esc[0..n) against the input s. */
static void check_value(const char *esc, size_t n, const char *s)
{
	char *plain = malloc(n + 1);
	if (!plain)
		return;
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(esc[i] != '\n' && esc[i] != '"');
		if (esc[i] != '\\') {
			plain[len++] = esc[i];
			continue;
		}
		FUZZ_CHECK(i + 1 < n);
		i++;
		FUZZ_CHECK(esc[i] == '\\' || esc[i] == '"' || esc[i] == 'n');
		plain[len++] = esc[i] == 'n' ? '\n' : esc[i];
	}
	FUZZ_CHECK(utf8_valid(plain, len));
	if (utf8_valid(s, strlen(s)))
		FUZZ_CHECK(len == strlen(s) && memcmp(plain, s, len) == 0);
	free(plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double v = 0;
	if (size >= sizeof v)
		memcpy(&v, data, sizeof v);
	check_number(v);

	char *s = fuzz_cstr(data, size);
	struct exposition *e = NULL;
	if (!s || exposition_new(0, &e) != ERR_OK) {
		exposition_free(e);
		free(s);
		return 0;
	}
	struct exposition_label label = { .name = "l", .value = s };
	exposition_sample(e, "m", &label, 1, v);
	char *out = NULL;
	size_t len = 0;
	if (exposition_finish(e, &out, &len) != ERR_OK) {
		free(s);
		return 0;
	}
	FUZZ_CHECK(strlen(out) == len);
	FUZZ_CHECK(utf8_valid(out, len));

	/* m{l="VALUE"} NUMBER\n */
	static const char head[] = "m{l=\"";
	char tail[NUM_BUF + 8] = "\"} ";
	exposition_format_value(v, tail + 3, NUM_BUF);
	strcat(tail, "\n");
	size_t hl = strlen(head), tl = strlen(tail);
	FUZZ_CHECK(len >= hl + tl);
	FUZZ_CHECK(memcmp(out, head, hl) == 0);
	FUZZ_CHECK(memcmp(out + len - tl, tail, tl) == 0);
	check_value(out + hl, len - hl - tl, s);

	free(out);
	free(s);
	return 0;
}
