/* version.h - DOKS version slugs ("1.29.1-do.0") as numbers, so that
 * 1.10 sorts after 1.9. Pure.
 */
#ifndef DOKS_VERSION_SLUG_H
#define DOKS_VERSION_SLUG_H

#include <stdbool.h>

struct version {
	long major, minor, patch;
	long revision; /* the N of "-do.N"; -1 when the slug has none */
};

/* "MAJOR.MINOR.PATCH" with an optional "-do.N", each number 0..99999
 * without a sign or leading zeros. False for anything else. */
bool version_parse(const char *slug, struct version *out);

/* <0, 0, >0 as a is older than, the same as, newer than b. A missing
 * revision sorts before any revision. */
int version_compare(const struct version *a, const struct version *b);

#endif
