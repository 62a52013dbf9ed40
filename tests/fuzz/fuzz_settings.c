/* fuzz_settings.c - libFuzzer driver for the configuration loader: the
 * input is written to a scratch file and settings_load reads it as
 * --config.file. A file it accepts must give settings that hold what the
 * header promises; settings_free must release everything (LeakSanitizer).
 *
 * The same input, read as a C string, also goes through
 * settings_parse_listen_address into a buffer of exactly its size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "loader.h"
#include "log.h"
#include "model.h"
#include "settings.h"

#define HOST_BUF 16

/* libconfig before 1.7.3 leaks the value of a string token thrown away
 * while recovering from a syntax error ("a = { b \"c\"; };"): its grammar
 * had no destructor for it (hyperrealm/libconfig#142, fixed by #155). The
 * scanner allocates that value in two places, which are ignored; a
 * config_t that settings.c forgot to destroy is still reported, since its
 * settings are allocated elsewhere. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\n" /* a non-empty string */
	       "leak:libconfig_yylex\n"; /* "" */
}

/* Without this, every input that hits the leak above prints a table. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* a valid token, so that an accepted file gets through to the end */
	setenv("DIGITALOCEAN_TOKEN", "fuzz-token", 1);
	unsetenv("DIGITALOCEAN_ACCESS_TOKEN");
	log_set_level(LOG_LEVEL_ERROR);
	loader_init("settings");
	return 0;
}

static void check_settings(const struct settings *s)
{
	FUZZ_CHECK(settings_config_path(s) && strcmp(settings_config_path(s), scratch_path) == 0);
	const char *url = settings_api_url(s);
	size_t n = strlen(url);
	FUZZ_CHECK(n > 0 && url[n - 1] != '/');
	FUZZ_CHECK(settings_api_timeout(s) > 0);
	FUZZ_CHECK(settings_poll_interval(s) >= 1);
	FUZZ_CHECK(settings_credentials_interval(s) >= 0);
	FUZZ_CHECK(settings_listen_address(s) && settings_telemetry_path(s));
	FUZZ_CHECK(settings_telemetry_path(s)[0] == '/');

	size_t accounts = settings_account_count(s);
	FUZZ_CHECK(accounts >= 1);
	for (size_t a = 0; a < accounts; a++) {
		const char *token = settings_account_token(s, a);
		FUZZ_CHECK(token && token[0] != '\0');
		FUZZ_CHECK(settings_account_name(s, a) != NULL);
		size_t ids = settings_account_id_count(s, a);
		FUZZ_CHECK(settings_account_discover(s, a) || ids > 0);
		for (size_t i = 0; i < ids; i++) {
			FUZZ_CHECK(cluster_id_is_valid(settings_account_id(s, a, i)));
			for (size_t j = 0; j < i; j++)
				FUZZ_CHECK(strcmp(settings_account_id(s, a, i),
						  settings_account_id(s, a, j)) != 0);
		}
		for (size_t b = 0; b < a; b++)
			FUZZ_CHECK(strcmp(settings_account_name(s, a), settings_account_name(s, b)) != 0);
	}
}

static void check_listen_address(const uint8_t *data, size_t size)
{
	char *addr = fuzz_cstr(data, size);
	char *host = malloc(HOST_BUF);
	unsigned port = 0;
	if (addr && host && settings_parse_listen_address(addr, host, HOST_BUF, &port)) {
		FUZZ_CHECK(strnlen(host, HOST_BUF) < HOST_BUF);
		FUZZ_CHECK(port <= 65535);
	}
	free(host);
	free(addr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_listen_address(data, size);
	if (!scratch_write(data, size))
		return 0;
	static char sentinel;
	struct settings *const untouched = (struct settings *)(void *)&sentinel;
	struct settings_flags flags = { .config_file = scratch_path };
	struct settings *s = untouched;
	quiet_begin();
	enum err rc = settings_load(&flags, &s);
	quiet_end();
	if (rc == ERR_OK) {
		FUZZ_CHECK(s != NULL && s != untouched);
		check_settings(s);
		settings_free(s);
	} else {
		FUZZ_CHECK(rc == ERR_CONFIG || rc == ERR_NOMEM);
		FUZZ_CHECK(s == untouched);
	}
	return 0;
}
