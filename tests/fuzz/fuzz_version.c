/* fuzz_version.c - libFuzzer driver for version_parse and version_compare.
 *
 * A slug it accepts must print back to exactly itself (the grammar has no
 * two spellings of one version), compare equal to itself, and compare
 * against a few fixed versions as the tuple (major, minor, patch,
 * revision) does, with compare(a, b) == -compare(b, a). An input holding a
 * newline is also read as two slugs, compared with each other.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "version.h"

static const char *const fixed_slugs[] = {
	"0.0.0", "1.9.99999-do.3", "1.10.0", "1.29.1", "1.29.1-do.0", "1.29.1-do.10",
	"99999.99999.99999-do.99999",
};
#define FIXED_COUNT (sizeof fixed_slugs / sizeof fixed_slugs[0])

static struct version fixed[FIXED_COUNT];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < FIXED_COUNT; i++)
		FUZZ_CHECK(version_parse(fixed_slugs[i], &fixed[i]));
	return 0;
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static int cmp(long a, long b)
{
	return (a > b) - (a < b);
}

/* What version_compare must answer, from the header's rules. */
static int expected(const struct version *a, const struct version *b)
{
	int c = cmp(a->major, b->major);
	if (c == 0)
		c = cmp(a->minor, b->minor);
	if (c == 0)
		c = cmp(a->patch, b->patch);
	if (c == 0)
		c = cmp(a->revision, b->revision); /* -1, no revision, sorts first */
	return c;
}

static void check_pair(const struct version *a, const struct version *b)
{
	int ab = sign(version_compare(a, b));
	int ba = sign(version_compare(b, a));
	FUZZ_CHECK(ab == -ba);
	FUZZ_CHECK(ab == expected(a, b));
}

/* Parses s, checking everything that does not need a second version. */
static bool parse_checked(const char *s, struct version *v)
{
	struct version untouched = { 7, 7, 7, 7 };
	*v = untouched;
	if (!version_parse(s, v)) {
		FUZZ_CHECK(memcmp(v, &untouched, sizeof *v) == 0);
		return false;
	}
	FUZZ_CHECK(v->major >= 0 && v->major <= 99999);
	FUZZ_CHECK(v->minor >= 0 && v->minor <= 99999);
	FUZZ_CHECK(v->patch >= 0 && v->patch <= 99999);
	FUZZ_CHECK(v->revision >= -1 && v->revision <= 99999);

	char back[64];
	if (v->revision < 0)
		snprintf(back, sizeof back, "%ld.%ld.%ld", v->major, v->minor, v->patch);
	else
		snprintf(back, sizeof back, "%ld.%ld.%ld-do.%ld", v->major, v->minor, v->patch,
			 v->revision);
	FUZZ_CHECK(strcmp(back, s) == 0);

	FUZZ_CHECK(version_compare(v, v) == 0);
	for (size_t i = 0; i < FIXED_COUNT; i++)
		check_pair(v, &fixed[i]);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	struct version a, b;
	parse_checked(s, &a);
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		if (parse_checked(s, &a) && parse_checked(nl + 1, &b))
			check_pair(&a, &b);
	}
	free(s);
	return 0;
}
