/* fuzz_decode_options.c - libFuzzer driver for decode_options: ERR_OK and
 * versions that each have a slug and a kubernetes_version, or an error
 * with the output untouched. */
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
	struct upgrades u, before;
	memset(&u, 0xa5, sizeof u);
	memcpy(&before, &u, sizeof u);

	enum err rc = decode_options(body, size, &u);
	if (rc != ERR_OK) {
		FUZZ_CHECK(rc == ERR_PARSE || rc == ERR_SCHEMA || rc == ERR_NOMEM);
		FUZZ_CHECK(memcmp(&u, &before, sizeof u) == 0);
	} else {
		FUZZ_CHECK(u.count == 0 || u.versions != NULL);
		for (size_t i = 0; i < u.count; i++) {
			FUZZ_CHECK(u.versions[i].slug && u.versions[i].slug[0] != '\0');
			FUZZ_CHECK(u.versions[i].kubernetes_version != NULL);
		}
		upgrades_cleanup(&u);
	}
	free(body);
	return 0;
}
