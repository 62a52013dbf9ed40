/* fuzz_decode_credentials.c - libFuzzer driver for decode_credentials:
 * ERR_OK with a known kind and a finite expiry, or an error with the
 * output untouched. */
#include <math.h>
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
	struct credentials c, before;
	memset(&c, 0xa5, sizeof c);
	memcpy(&before, &c, sizeof c);

	enum err rc = decode_credentials(body, size, &c);
	if (rc != ERR_OK) {
		FUZZ_CHECK(rc == ERR_PARSE || rc == ERR_SCHEMA || rc == ERR_NOMEM);
		FUZZ_CHECK(memcmp(&c, &before, sizeof c) == 0);
	} else {
		FUZZ_CHECK(c.kind == CREDENTIALS_NONE || c.kind == CREDENTIALS_TOKEN ||
			   c.kind == CREDENTIALS_CERTIFICATE);
		FUZZ_CHECK(!c.has_expiry || isfinite(c.expires_at));
	}
	free(body);
	return 0;
}
