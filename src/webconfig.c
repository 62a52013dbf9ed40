/* webconfig.c - placeholder until the web configuration loader lands:
 * refuses every file, so that --web.config.file never silently serves
 * without the TLS or authentication it asks for. */
#include "webconfig.h"

#include "log.h"

enum err webconfig_load(const char *path, struct webconfig **out)
{
	(void)out;
	log_error("--web.config.file is not supported by this build", "file", path);
	return ERR_CONFIG;
}

void webconfig_free(struct webconfig *w)
{
	(void)w;
}
