/* fuzz_decode_status_messages.c - libFuzzer driver for
 * decode_status_messages: ERR_OK with messages all newer than the cursor,
 * oldest first, at most max of them and never more than are newer, texts
 * within their cap; or an error with the outputs untouched. The body's
 * length picks the cursor and the cap, so that every input stays a
 * whole body (the seeds are JSON). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fuzz.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* cursors around the fixtures' times, or none */
	static const double cursors[] = { 0, 1541000000, 1772443000, 1772449541.532, 4102444800 };
	double after = cursors[size % 5];
	size_t max = size / 5 % 4 * 40;
	char *body = fuzz_copy(data, size);
	if (!body)
		return 0;
	struct status_message *out = (struct status_message *)&body; /* a sentinel */
	size_t count = 77, newer = 88;
	enum err rc = decode_status_messages(body, size, after, max, &out, &count, &newer);
	if (rc != ERR_OK) {
		FUZZ_CHECK(rc == ERR_PARSE || rc == ERR_SCHEMA || rc == ERR_NOMEM);
		FUZZ_CHECK(out == (struct status_message *)&body && count == 77 && newer == 88);
	} else {
		FUZZ_CHECK(count <= max && count <= newer);
		FUZZ_CHECK(count == (newer < max ? newer : max));
		for (size_t i = 0; i < count; i++) {
			FUZZ_CHECK(out[i].timestamp > after);
			FUZZ_CHECK(out[i].message && strlen(out[i].message) <= DECODE_TEXT_MAX);
			if (i > 0)
				FUZZ_CHECK(out[i].timestamp >= out[i - 1].timestamp);
		}
		decode_status_messages_free(out, count);
	}
	free(body);
	return 0;
}
