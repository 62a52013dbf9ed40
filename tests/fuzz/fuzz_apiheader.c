/* fuzz_apiheader.c - libFuzzer driver for apiheader_parse, on a heap copy
 * of exactly the input's size (a header line comes from the network).
 *
 * A value read as valid is a whole number in 0 .. 10^15 - 1; an invalid
 * one leaves *value untouched. The kind does not depend on the case of
 * the name. A valid value written back as "name: N\r\n" reads back the
 * same.
 */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiheader.h"
#include "fuzz.h"

static const char *name_of(enum apiheader k)
{
	switch (k) {
	case APIHEADER_LIMIT:
		return "ratelimit-limit";
	case APIHEADER_REMAINING:
		return "ratelimit-remaining";
	case APIHEADER_RESET:
		return "ratelimit-reset";
	case APIHEADER_RETRY_AFTER:
		return "retry-after";
	default:
		return NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_copy(data, size);
	if (!line)
		return 0;
	double v = -1;
	bool valid = true;
	enum apiheader k = apiheader_parse(line, size, &v, &valid);
	FUZZ_CHECK(k >= APIHEADER_OTHER && k <= APIHEADER_RETRY_AFTER);
	if (valid) {
		FUZZ_CHECK(name_of(k) != NULL);
		FUZZ_CHECK(v >= 0 && v < 1e15 && v == floor(v));
	} else {
		FUZZ_CHECK(v == -1);
	}

	/* the same line with the name (up to ':') in the other case */
	char *flipped = fuzz_copy(data, size);
	if (flipped) {
		const char *colon = memchr(line, ':', size);
		size_t upto = colon ? (size_t)(colon - line) : size;
		for (size_t i = 0; i < upto; i++) {
			unsigned char c = (unsigned char)flipped[i];
			flipped[i] = (char)(isupper(c) ? tolower(c) : toupper(c));
		}
		double v2 = -1;
		bool valid2 = false;
		enum apiheader k2 = apiheader_parse(flipped, size, &v2, &valid2);
		/* "HTTP/" is case-sensitive: a status line is only ever that */
		if (k != APIHEADER_STATUS && k2 != APIHEADER_STATUS) {
			FUZZ_CHECK(k2 == k);
			FUZZ_CHECK(valid2 == valid && (!valid || v2 == v));
		}
		free(flipped);
	}

	if (valid) {
		char again[64];
		int n = snprintf(again, sizeof again, "%s: %.0f\r\n", name_of(k), v);
		FUZZ_CHECK(n > 0 && (size_t)n < sizeof again);
		double v3 = -1;
		bool valid3 = false;
		FUZZ_CHECK(apiheader_parse(again, (size_t)n, &v3, &valid3) == k);
		FUZZ_CHECK(valid3 && v3 == v);
	}
	free(line);
	return 0;
}
