/* apiheader.c - see apiheader.h. */
#include "apiheader.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* A header value that must be a plain non-negative integer. */
static bool number(const char *v, size_t n, double *out)
{
	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n == 0 || n > 15)
		return false;
	double x = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return false;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return true;
}

enum apiheader apiheader_parse(const char *line, size_t n, double *value, bool *valid)
{
	static const struct {
		const char *name;
		enum apiheader kind;
	} read[] = {
		{ "ratelimit-limit", APIHEADER_LIMIT },
		{ "ratelimit-remaining", APIHEADER_REMAINING },
		{ "ratelimit-reset", APIHEADER_RESET },
		{ "retry-after", APIHEADER_RETRY_AFTER },
	};
	*valid = false;
	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0)
		return APIHEADER_STATUS;
	for (size_t i = 0; i < sizeof read / sizeof read[0]; i++) {
		size_t k = strlen(read[i].name);
		if (n <= k || strncasecmp(line, read[i].name, k) != 0 || line[k] != ':')
			continue;
		*valid = number(line + k + 1, n - k - 1, value);
		return read[i].kind;
	}
	return APIHEADER_OTHER;
}
