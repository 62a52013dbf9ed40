/* fuzz_webconfig.c - libFuzzer driver for the web configuration loader:
 * the input is written to a scratch file and webconfig_load reads it as
 * --web.config.file. It must accept or refuse without crashing, leave *out
 * alone when it refuses, and webconfig_free must release everything
 * (LeakSanitizer). Files the YAML names are looked up next to the scratch
 * file, in /tmp.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "loader.h"
#include "log.h"
#include "webconfig.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERROR);
	loader_init("webconfig");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!scratch_write(data, size))
		return 0;
	static char sentinel;
	struct webconfig *const untouched = (struct webconfig *)(void *)&sentinel;
	struct webconfig *w = untouched;
	quiet_begin();
	enum err rc = webconfig_load(scratch_path, &w);
	quiet_end();
	if (rc == ERR_OK) {
		FUZZ_CHECK(w != NULL && w != untouched);
		webconfig_free(w);
	} else {
		FUZZ_CHECK(rc == ERR_CONFIG || rc == ERR_NOMEM);
		FUZZ_CHECK(w == untouched);
	}
	return 0;
}
