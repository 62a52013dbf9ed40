/* fuzz_accept_encoding.c - libFuzzer driver for gzip_accepted, which reads
 * the Accept-Encoding header a client sent. It must return without
 * reading past the value, and agree with itself: a value that allows gzip
 * still does with ", identity" after it, and one that does not still does
 * not with ",gzip;q=0" after it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h = fuzz_cstr(data, size);
	if (!h)
		return 0;
	bool yes = gzip_accepted(h);
	size_t n = strlen(h);
	char *more = malloc(n + 16);
	if (more) {
		/* a dangling parameter or quote could swallow what follows */
		if (!memchr(h, ';', n) && !memchr(h, '"', n)) {
			memcpy(more, h, n);
			memcpy(more + n, ", identity", 11);
			FUZZ_CHECK(gzip_accepted(more) == yes);
			memcpy(more + n, ",gzip;q=0", 10);
			FUZZ_CHECK(gzip_accepted(more) == yes);
		}
		free(more);
	}
	free(h);
	return 0;
}
