/* fuzz_timeline.c - libFuzzer driver for the support-timeline loader: the
 * input is written to a scratch file and timeline_load reads it. It must
 * accept or refuse without crashing, leave *out alone when it refuses, and
 * timeline_free must release everything (LeakSanitizer). A table it
 * accepts must keep what the header promises: every row found under its
 * release, upgrades on or after the end of support, and a forced upgrade
 * that starts in the first window on or after upgrades_begin.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "loader.h"
#include "log.h"
#include "maintenance.h"
#include "timeline.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERROR);
	loader_init("timeline");
	return 0;
}

/* The rows of t against the queries, under a window drawn from the
 * input's last bytes. */
static void check_rows(const struct timeline *t, const uint8_t *data, size_t size)
{
	struct maintenance_policy w;
	char start[6];
	unsigned a = size > 0 ? data[size - 1] : 0, b = size > 1 ? data[size - 2] : 0;
	static const char *const days[] = { "any",      "sunday", "monday",  "tuesday",
					    "wednesday", "thursday", "friday", "saturday" };
	snprintf(start, sizeof start, "%02u:%02u", b % 24, a % 60);
	FUZZ_CHECK(maintenance_parse(days[a % 8], start, a & 0x80 ? "48h" : NULL, &w));
	FUZZ_CHECK(timeline_count(t) > 0);
	FUZZ_CHECK(timeline_taken(t) >= 946684800.0); /* 2000-01-01 */
	for (size_t i = 0; i < timeline_count(t); i++) {
		const char *release = NULL;
		double eos = -1, begin = -1, e2 = -2, b2 = -2;
		FUZZ_CHECK(timeline_row(t, i, &release, &eos, &begin));
		FUZZ_CHECK(release && strlen(release) < TIMELINE_RELEASE_SIZE);
		FUZZ_CHECK(begin >= eos);
		FUZZ_CHECK(timeline_find(t, release, &e2, &b2) && e2 == eos && b2 == begin);
		/* the release of a patch slug is the row's own */
		char slug[TIMELINE_RELEASE_SIZE + 8], minor[TIMELINE_RELEASE_SIZE];
		snprintf(slug, sizeof slug, "%s.1-do.0", release);
		FUZZ_CHECK(timeline_minor_of(slug, minor, sizeof minor));
		FUZZ_CHECK(strcmp(minor, release) == 0);
		/* on or after upgrades_begin, within one week's spacing */
		double at = -1;
		FUZZ_CHECK(timeline_forced_upgrade_earliest(begin, &w, &at));
		FUZZ_CHECK(at >= begin && at < begin + 7 * 86400.0);
		FUZZ_CHECK(timeline_forced_upgrade_earliest(begin, NULL, &at) && at == begin);
	}
	FUZZ_CHECK(!timeline_row(t, timeline_count(t), NULL, NULL, NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!scratch_write(data, size))
		return 0;
	static char sentinel;
	struct timeline *const untouched = (struct timeline *)(void *)&sentinel;
	struct timeline *t = untouched;
	quiet_begin();
	enum err rc = timeline_load(scratch_path, &t);
	quiet_end();
	if (rc == ERR_OK) {
		FUZZ_CHECK(t != NULL && t != untouched);
		check_rows(t, data, size);
		timeline_free(t);
	} else {
		FUZZ_CHECK(rc == ERR_CONFIG || rc == ERR_NOMEM);
		FUZZ_CHECK(t == untouched);
	}
	return 0;
}
