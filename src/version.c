/* version.c - see version.h. */
#include "version.h"

#include <ctype.h>
#include <string.h>

#define PART_MAX 99999L

static bool number(const char **p, long *out)
{
	const char *s = *p;
	if (!isdigit((unsigned char)*s))
		return false;
	if (s[0] == '0' && isdigit((unsigned char)s[1]))
		return false; /* no leading zeros: "01" is not a version */
	long v = 0;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (*s - '0');
		if (v > PART_MAX)
			return false;
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

bool version_parse(const char *slug, struct version *out)
{
	struct version v = { .revision = -1 };
	const char *p = slug;
	if (!number(&p, &v.major) || *p++ != '.' || !number(&p, &v.minor) || *p++ != '.' ||
	    !number(&p, &v.patch))
		return false;
	if (strncmp(p, "-do.", 4) == 0) {
		p += 4;
		if (!number(&p, &v.revision))
			return false;
	}
	if (*p != '\0')
		return false;
	*out = v;
	return true;
}

static int cmp(long a, long b)
{
	return (a > b) - (a < b);
}

int version_compare(const struct version *a, const struct version *b)
{
	int c = cmp(a->major, b->major);
	if (c == 0)
		c = cmp(a->minor, b->minor);
	if (c == 0)
		c = cmp(a->patch, b->patch);
	if (c == 0)
		c = cmp(a->revision, b->revision);
	return c;
}
