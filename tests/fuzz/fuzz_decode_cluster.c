/* fuzz_decode_cluster.c - libFuzzer driver for decode_cluster: ERR_OK and
 * a cluster that holds what the model promises, or an error with the
 * output untouched (compared byte for byte). */
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
	struct cluster c, before;
	memset(&c, 0xa5, sizeof c);
	memcpy(&before, &c, sizeof c);

	enum err rc = decode_cluster(body, size, &c);
	if (rc != ERR_OK) {
		FUZZ_CHECK(rc == ERR_PARSE || rc == ERR_SCHEMA || rc == ERR_NOMEM);
		FUZZ_CHECK(memcmp(&c, &before, sizeof c) == 0);
	} else {
		FUZZ_CHECK(c.id && cluster_id_is_valid(c.id));
		FUZZ_CHECK(c.name && c.region && c.version);
		FUZZ_CHECK((unsigned)c.state < CLUSTER_STATE_COUNT);
		FUZZ_CHECK(c.node_pools >= 0 && c.nodes >= 0);
		cluster_cleanup(&c);
	}
	free(body);
	return 0;
}
