/* fuzz_state.c - libFuzzer driver for the state file: whatever the
 * (regular) file holds, state_load gives a state (a corrupt file is logged
 * and replaced, never fatal; times outside 2000-2200 are dropped), and
 * that state saves and loads back to the same times. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "loader.h"
#include "log.h"
#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERROR);
	loader_init("state");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!scratch_write(data, size))
		return 0;
	struct state *s = NULL;
	quiet_begin();
	enum err rc = state_load(scratch_path, &s);
	quiet_end();
	FUZZ_CHECK(rc == ERR_OK || rc == ERR_NOMEM);
	if (rc != ERR_OK)
		return 0;
	FUZZ_CHECK(s != NULL);
	/* an observation of what was loaded keeps its times: save, reload,
	 * and the same key must give the same pending-since */
	struct upgrade_version v = { .slug = (char *)"1.29.2-do.0",
				     .kubernetes_version = (char *)"1.29.2" };
	struct upgrades u = { .versions = &v, .count = 1 };
	state_observe(s, "fuzz/cluster", &u, 1795000000); /* 2026 */
	double since = u.pending_since;
	quiet_begin();
	rc = state_save(s, scratch_path);
	quiet_end();
	state_free(s);
	if (rc != ERR_OK)
		return 0;
	quiet_begin();
	rc = state_load(scratch_path, &s);
	quiet_end();
	FUZZ_CHECK(rc == ERR_OK);
	struct upgrades again = { .versions = &v, .count = 1 };
	state_observe(s, "fuzz/cluster", &again, 1795000100);
	FUZZ_CHECK(again.pending_since == since);
	FUZZ_CHECK(since >= 946684800 && since < 7258118400); /* a time of ours */
	state_free(s);
	return 0;
}
