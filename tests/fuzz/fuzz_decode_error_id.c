/* fuzz_decode_error_id.c - libFuzzer driver for the small decoders:
 * decode_error_id on the body as it is, and civil_parse_rfc3339 and
 * cluster_id_is_valid on the input read as a C string.
 *
 * decode_error_id must stay inside the buffer it is given (allocated at
 * exactly its size, so ASan sees one byte too many) and copy out printable
 * ASCII only; civil_parse_rfc3339 must give a finite time within the years
 * 0000..9999 and leave *out alone when it refuses; cluster_id_is_valid must
 * agree with the rule its header states.
 */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "decode.h"
#include "fuzz.h"

#define ID_BUF 32

/* 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z, widened by a day for
 * the zone offset and a second for the leap second. */
#define RFC3339_MIN (-62167219200.0 - 86400)
#define RFC3339_MAX (253402300800.0 + 86400 + 1)

static void check_error_id(const char *body, size_t len)
{
	char *buf = malloc(ID_BUF);
	if (!buf)
		return;
	if (decode_error_id(body, len, buf, ID_BUF)) {
		size_t n = strnlen(buf, ID_BUF);
		FUZZ_CHECK(n >= 1 && n < ID_BUF);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(buf[i] >= '!' && buf[i] <= '~');
	}
	free(buf);

	/* room for the NUL alone */
	char *one = malloc(1);
	if (!one)
		return;
	if (decode_error_id(body, len, one, 1))
		FUZZ_CHECK(one[0] == '\0');
	free(one);
}

static void check_rfc3339(const char *s)
{
	double t = -1234.5;
	if (civil_parse_rfc3339(s, &t))
		FUZZ_CHECK(isfinite(t) && t >= RFC3339_MIN && t <= RFC3339_MAX);
	else
		FUZZ_CHECK(t == -1234.5);
}

static void check_id(const char *s)
{
	size_t n = strlen(s);
	bool expect = n >= 1 && n <= 64;
	for (size_t i = 0; i < n && expect; i++)
		expect = isalnum((unsigned char)s[i]) || s[i] == '-';
	FUZZ_CHECK(cluster_id_is_valid(s) == expect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_copy(data, size);
	if (body) {
		check_error_id(body, size);
		free(body);
	}
	char *s = fuzz_cstr(data, size);
	if (s) {
		check_rfc3339(s);
		check_id(s);
		free(s);
	}
	return 0;
}
