/* fuzz_decode_associated_resources.c - libFuzzer driver for
 * decode_associated_resources: ERR_OK with counts that are never
 * negative, or an error with the output untouched. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fuzz.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_copy(data, size);
	if (!body)
		return 0;
	struct associated_resources r, before;
	memset(&r, 0xa5, sizeof r);
	memcpy(&before, &r, sizeof r);
	enum err rc = decode_associated_resources(body, size, &r);
	if (rc != ERR_OK) {
		FUZZ_CHECK(rc == ERR_PARSE || rc == ERR_SCHEMA || rc == ERR_NOMEM);
		FUZZ_CHECK(memcmp(&r, &before, sizeof r) == 0);
	} else {
		for (int k = 0; k < RESOURCE_KIND_COUNT; k++)
			FUZZ_CHECK(r.counts[k] >= 0 && (size_t)r.counts[k] <= size);
	}
	free(body);
	return 0;
}
