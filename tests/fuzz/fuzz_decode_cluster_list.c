/* fuzz_decode_cluster_list.c - libFuzzer driver for decode_cluster_list.
 *
 * Any body gives either ERR_OK and a list that holds what the model
 * promises, or an error with the outputs untouched. Everything returned is
 * freed, so LeakSanitizer sees a leak of the decoder's own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fuzz.h"
#include "model.h"

static void check_cluster(const struct cluster *c)
{
	FUZZ_CHECK(c->id && cluster_id_is_valid(c->id));
	FUZZ_CHECK(c->name && c->region && c->version);
	FUZZ_CHECK((unsigned)c->state < CLUSTER_STATE_COUNT);
	FUZZ_CHECK(c->node_pools >= 0 && c->nodes >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_copy(data, size);
	if (!body)
		return 0;
	struct cluster untouched_list;
	char untouched_next;
	struct cluster *list = &untouched_list;
	size_t count = SIZE_MAX;
	char *next = &untouched_next;

	enum err rc = decode_cluster_list(body, size, &list, &count, &next);
	if (rc != ERR_OK) {
		FUZZ_CHECK(rc == ERR_PARSE || rc == ERR_SCHEMA || rc == ERR_NOMEM);
		FUZZ_CHECK(list == &untouched_list && count == SIZE_MAX && next == &untouched_next);
		free(body);
		return 0;
	}
	FUZZ_CHECK(count == 0 || list != NULL);
	FUZZ_CHECK(next == NULL || next[0] != '\0');
	for (size_t i = 0; i < count; i++)
		check_cluster(&list[i]);
	cluster_array_free(list, count);
	free(next);
	free(body);
	return 0;
}
