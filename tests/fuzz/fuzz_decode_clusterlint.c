/* fuzz_decode_clusterlint.c - libFuzzer driver for decode_clusterlint:
 * ERR_OK within every cap (findings, check names, label lengths, texts),
 * each check name with all three severities, counts that add up; or an
 * error with the output untouched. */
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
	struct clusterlint c, before;
	memset(&c, 0xa5, sizeof c);
	memcpy(&before, &c, sizeof c);

	enum err rc = decode_clusterlint(body, size, &c);
	if (rc != ERR_OK) {
		FUZZ_CHECK(rc == ERR_PARSE || rc == ERR_SCHEMA || rc == ERR_NOMEM);
		FUZZ_CHECK(memcmp(&c, &before, sizeof c) == 0);
	} else {
		FUZZ_CHECK(c.finding_count <= CLUSTERLINT_FINDINGS_MAX);
		FUZZ_CHECK(c.check_count % CLUSTERLINT_SEVERITY_COUNT == 0);
		FUZZ_CHECK(c.check_count <= CLUSTERLINT_CHECKS_MAX * CLUSTERLINT_SEVERITY_COUNT);
		FUZZ_CHECK(c.linted || (c.check_count == 0 && c.finding_count == 0));
		long total = 0, listed = 0;
		for (int s = 0; s < CLUSTERLINT_SEVERITY_COUNT; s++) {
			FUZZ_CHECK(c.counts[s] >= 0);
			total += c.counts[s];
		}
		for (size_t i = 0; i < c.check_count; i++) {
			const struct clusterlint_check *k = &c.checks[i];
			size_t n = strlen(k->check_name);
			FUZZ_CHECK(n > 0 && n <= CLUSTERLINT_NAME_MAX);
			FUZZ_CHECK(k->severity == (enum clusterlint_severity)(i % CLUSTERLINT_SEVERITY_COUNT));
			FUZZ_CHECK(k->count >= 0);
			if (i % CLUSTERLINT_SEVERITY_COUNT)
				FUZZ_CHECK(strcmp(k->check_name, c.checks[i - 1].check_name) == 0);
			else if (i > 0)
				FUZZ_CHECK(strcmp(k->check_name, c.checks[i - 1].check_name) > 0);
			listed += k->count;
		}
		FUZZ_CHECK(listed + (long)c.checks_dropped == total);
		FUZZ_CHECK(c.finding_count + c.findings_dropped >= (size_t)total);
		for (size_t i = 0; i < c.finding_count; i++) {
			const struct clusterlint_finding *f = &c.findings[i];
			FUZZ_CHECK(f->check_name && f->message);
			FUZZ_CHECK(strlen(f->check_name) <= DECODE_TEXT_MAX);
			FUZZ_CHECK(strlen(f->message) <= DECODE_TEXT_MAX);
			FUZZ_CHECK(!f->object_name || strlen(f->object_name) <= DECODE_TEXT_MAX);
		}
		clusterlint_cleanup(&c);
	}
	free(body);
	return 0;
}
