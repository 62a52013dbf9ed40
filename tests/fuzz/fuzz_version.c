/* fuzz_version.c - libFuzzer driver for version_parse and version_compare.
 *
 * The input is read as up to SLUGS_MAX slugs, one a line. A slug the
 * parser accepts must print back to exactly itself (the grammar has no two
 * spellings of one version); one it refuses leaves the output untouched.
 *
 * version_compare is checked by properties, not against a second copy of
 * itself (which could only ever agree): over the input's slugs and a
 * ladder of known versions it must be reflexive, antisymmetric
 * (compare(a, b) == -compare(b, a) in sign), transitive, and say "equal"
 * exactly when the slugs are the same string; bumping one part of a slug
 * makes it newer whatever the parts after it held. The known pairs, which
 * pin the order itself (1.10 after 1.9, a missing revision first), are
 * checked once at start-up.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "version.h"

#define PART_MAX 99999L /* version.h: each number 0..99999 */
#define SLUGS_MAX 8	/* from one input: 8 + the ladder keeps triples cheap */
#define SLUG_TEXT 32	/* "99999.99999.99999-do.99999" and its NUL fit */

/* Known versions, oldest first, each strictly older than the next: what
 * the order must be, written as a reader of release notes would. */
static const char *const ladder_slugs[] = {
	"0.0.0",
	"0.0.0-do.0",
	"0.0.1",
	"1.9.0",
	"1.9.99999-do.3",
	"1.10.0",
	"1.29.1",
	"1.29.1-do.0",
	"1.29.1-do.1",
	"1.29.1-do.10",
	"1.29.2-do.0",
	"1.29.10-do.0",
	"1.30.0-do.0",
	"1.99.99",
	"2.0.0",
	"99999.99999.99999-do.99999",
};
#define LADDER_COUNT (sizeof ladder_slugs / sizeof ladder_slugs[0])

/* Pairs outside the ladder's neighbours, with the sign compare must give. */
static const struct {
	const char *a, *b;
	int sign;
} known_pairs[] = {
	{ "1.29.1-do.0", "1.30.0-do.0", -1 },
	{ "1.9.0", "1.10.0", -1 },		/* numbers, not strings */
	{ "1.10.0-do.0", "1.9.9-do.9", 1 },
	{ "1.29.2-do.0", "1.29.10-do.0", -1 },
	{ "1.29.1", "1.29.1-do.0", -1 },	/* a missing revision sorts first */
	{ "1.29.1-do.99999", "1.29.2", -1 },	/* the patch outranks the revision */
	{ "1.29.99999", "1.30.0", -1 },		/* the minor outranks the patch */
	{ "1.99999.99999-do.99999", "2.0.0", -1 }, /* the major outranks everything */
	{ "2.0.0", "1.99.99", 1 },
	{ "1.29.1-do.0", "1.29.1-do.0", 0 },	/* the same string is the same version */
	{ "0.0.0", "0.0.0", 0 },
	{ "1.31.12", "1.31.12", 0 },
};
#define PAIR_COUNT (sizeof known_pairs / sizeof known_pairs[0])

struct slug {
	char text[SLUG_TEXT];
	struct version v;
};

static struct slug ladder[LADDER_COUNT];

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static int order(const struct slug *a, const struct slug *b)
{
	return sign(version_compare(&a->v, &b->v));
}

static void parse_known(const char *text, struct slug *out)
{
	FUZZ_CHECK(strlen(text) < sizeof out->text);
	strcpy(out->text, text);
	FUZZ_CHECK(version_parse(text, &out->v));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < LADDER_COUNT; i++)
		parse_known(ladder_slugs[i], &ladder[i]);
	for (size_t i = 0; i < LADDER_COUNT; i++)
		for (size_t j = 0; j < LADDER_COUNT; j++)
			FUZZ_CHECK(order(&ladder[i], &ladder[j]) == (i > j) - (i < j));
	for (size_t i = 0; i < PAIR_COUNT; i++) {
		struct slug a, b;
		parse_known(known_pairs[i].a, &a);
		parse_known(known_pairs[i].b, &b);
		FUZZ_CHECK(order(&a, &b) == known_pairs[i].sign);
	}
	return 0;
}

/* The properties of one pair: antisymmetry, and "equal" exactly when the
 * slugs are one string (there is one spelling per version). */
static void check_pair(const struct slug *a, const struct slug *b)
{
	int ab = order(a, b);
	FUZZ_CHECK(ab == -order(b, a));
	FUZZ_CHECK((ab == 0) == (strcmp(a->text, b->text) == 0));
}

/* Transitivity: a <= b <= c gives a <= c, and a < c as soon as either
 * step is strict. */
static void check_triple(const struct slug *a, const struct slug *b, const struct slug *c)
{
	int ab = order(a, b), bc = order(b, c);
	if (ab <= 0 && bc <= 0)
		FUZZ_CHECK(order(a, c) == (ab == 0 && bc == 0 ? 0 : -1));
}

/* Bumping one part and clearing the ones after it gives a newer version
 * (1.9.99999-do.7 < 1.10.0); so does adding a revision to a slug without
 * one, or bumping the revision. The bumped slug is written out and parsed
 * again, so that the parser and the order are checked together. */
static void check_bumps(const struct slug *s)
{
	const struct version *v = &s->v;
	long parts[4][4] = {
		{ v->major + 1, 0, 0, -1 },
		{ v->major, v->minor + 1, 0, -1 },
		{ v->major, v->minor, v->patch + 1, -1 },
		{ v->major, v->minor, v->patch, v->revision + 1 },
	};
	for (size_t i = 0; i < 4; i++) {
		long *p = parts[i];
		if (p[0] > PART_MAX || p[1] > PART_MAX || p[2] > PART_MAX || p[3] > PART_MAX)
			continue;
		struct slug next;
		if (p[3] < 0)
			snprintf(next.text, sizeof next.text, "%ld.%ld.%ld", p[0], p[1], p[2]);
		else
			snprintf(next.text, sizeof next.text, "%ld.%ld.%ld-do.%ld", p[0], p[1], p[2],
				 p[3]);
		FUZZ_CHECK(version_parse(next.text, &next.v));
		FUZZ_CHECK(order(s, &next) < 0);
		check_pair(s, &next);
	}
}

/* Parses text, checking what does not need a second version. True when
 * it is a slug; out->v is then its version. */
static bool parse_checked(const char *text, struct slug *out)
{
	struct version untouched = { 7, 7, 7, 7 };
	out->v = untouched;
	if (!version_parse(text, &out->v)) {
		FUZZ_CHECK(memcmp(&out->v, &untouched, sizeof untouched) == 0);
		return false;
	}
	const struct version *v = &out->v;
	FUZZ_CHECK(v->major >= 0 && v->major <= PART_MAX);
	FUZZ_CHECK(v->minor >= 0 && v->minor <= PART_MAX);
	FUZZ_CHECK(v->patch >= 0 && v->patch <= PART_MAX);
	FUZZ_CHECK(v->revision >= -1 && v->revision <= PART_MAX);

	if (v->revision < 0)
		snprintf(out->text, sizeof out->text, "%ld.%ld.%ld", v->major, v->minor, v->patch);
	else
		snprintf(out->text, sizeof out->text, "%ld.%ld.%ld-do.%ld", v->major, v->minor,
			 v->patch, v->revision);
	FUZZ_CHECK(strcmp(out->text, text) == 0);

	FUZZ_CHECK(version_compare(v, v) == 0);
	check_bumps(out);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	struct slug got[SLUGS_MAX];
	size_t n = 0;
	for (char *line = s; line && n < SLUGS_MAX;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (parse_checked(line, &got[n]))
			n++;
		line = nl ? nl + 1 : NULL;
	}

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			check_pair(&got[i], &got[j]);
			for (size_t k = 0; k < n; k++)
				check_triple(&got[i], &got[j], &got[k]);
		}
		/* each slug of the input in every place of a triple with the ladder */
		for (size_t j = 0; j < LADDER_COUNT; j++) {
			check_pair(&got[i], &ladder[j]);
			for (size_t k = 0; k < LADDER_COUNT; k++) {
				check_triple(&got[i], &ladder[j], &ladder[k]);
				check_triple(&ladder[j], &got[i], &ladder[k]);
				check_triple(&ladder[j], &ladder[k], &got[i]);
			}
		}
	}
	free(s);
	return 0;
}
