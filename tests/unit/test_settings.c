/* test_settings.c - settings.h: configuration files written to /tmp, the
 * token from the environment or a file, flags, and the errors (read back
 * from stderr, which is redirected to a file around each load). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "settings.h"

/* ---- helpers ----------------------------------------------------------- */

/* The one account of a file without an accounts list. */
static const char *settings_account_token_0(const struct settings *s)
{
	return settings_account_token(s, 0);
}

static bool settings_account_discover_0(const struct settings *s)
{
	return settings_account_discover(s, 0);
}

static size_t settings_account_id_count_0(const struct settings *s)
{
	return settings_account_id_count(s, 0);
}

static const char *settings_account_id_0(const struct settings *s, size_t i)
{
	return settings_account_id(s, 0, i);
}

/* Writes content to a new file under /tmp; path gets its name. */
static void write_temp(const char *content, char *path, size_t size)
{
	snprintf(path, size, "/tmp/doks_unit_settings_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(content);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}


struct result {
	enum err rc;
	struct settings *s;
	char *log;      /* what settings_load wrote to stderr */
	char path[64];  /* the configuration file (already removed) */
};

/* Loads content as the configuration file, with optional flags. */
static void load_with(const char *content, const struct settings_flags *extra, struct result *r)
{
	write_temp(content, r->path, sizeof r->path);
	struct settings_flags flags = { 0 };
	if (extra)
		flags = *extra;
	flags.config_file = r->path;
	r->s = (struct settings *)r; /* sentinel: untouched on failure */
	struct capture c;
	capture_start(&c);
	r->rc = settings_load(&flags, &r->s);
	r->log = capture_end(&c);
	unlink(r->path);
	if (r->rc != ERR_OK)
		assert_ptr_equal(r->s, (struct settings *)r);
	else
		assert_non_null(r->s);
}

static void load(const char *content, struct result *r)
{
	load_with(content, NULL, r);
}

static void done(struct result *r)
{
	if (r->rc == ERR_OK)
		settings_free(r->s);
	free(r->log);
}

static void expect_ok(const char *content)
{
	struct result r;
	load(content, &r);
	enum err rc = r.rc;
	done(&r);
	if (rc != ERR_OK)
		fail_msg("rejected (%d): %s", rc, content);
}

static void expect_config_error(const char *content)
{
	struct result r;
	load(content, &r);
	enum err rc = r.rc;
	bool logged = strstr(r.log, "level=error") != NULL;
	done(&r);
	if (rc != ERR_CONFIG)
		fail_msg("got %d, want ERR_CONFIG: %s", rc, content);
	if (!logged)
		fail_msg("no error logged for: %s", content);
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("\"%s\" not in: %s", part, text);
}

static int setup_env(void **state)
{
	(void)state;
	unsetenv("DIGITALOCEAN_ACCESS_TOKEN");
	setenv("DIGITALOCEAN_TOKEN", "dop_v1_unit", 1);
	return 0;
}

static int teardown_env(void **state)
{
	(void)state;
	unsetenv("DIGITALOCEAN_TOKEN");
	unsetenv("DIGITALOCEAN_ACCESS_TOKEN");
	return 0;
}

/* ---- whole files ------------------------------------------------------- */

static void test_full_file(void **state)
{
	(void)state;
	struct result r;
	load("# every key\n"
	     "api = {\n"
	     "  url = \"https://api.example.com/\";\n"
	     "  timeout = 2.5;\n"
	     "  max_response_bytes = 65536;\n"
	     "};\n"
	     "clusters = {\n"
	     "  discover = false;\n"
	     "  ids = [ \"abc-1\", \"def-2\", \"abc-1\" ];\n"
	     "};\n"
	     "poll = {\n"
	     "  interval = 120;\n"
	     "  credentials_interval = 0;\n"
	     "  credentials_expiry_seconds = 900;\n"
	     "};\n"
	     "web = {\n"
	     "  listen_address = \"127.0.0.1:9000\";\n"
	     "  telemetry_path = \"/custom/metrics\";\n"
	     "  request_timeout = 2.5;\n"
	     "  max_connections_per_address = 4;\n"
	     "};\n",
	     &r);
	if (r.rc != ERR_OK)
		fail_msg("rejected: %s", r.log);
	const struct settings *s = r.s;
	assert_string_equal(settings_config_path(s), r.path);
	assert_string_equal(settings_api_url(s), "https://api.example.com");
	assert_string_equal(settings_account_token_0(s), "dop_v1_unit");
	assert_true(settings_api_timeout(s) == 2.5);
	assert_int_equal(settings_max_response_bytes(s), 65536);
	assert_false(settings_account_discover_0(s));
	assert_int_equal(settings_account_id_count_0(s), 2);
	assert_string_equal(settings_account_id_0(s, 0), "abc-1");
	assert_string_equal(settings_account_id_0(s, 1), "def-2");
	assert_int_equal(settings_poll_interval(s), 120);
	assert_int_equal(settings_credentials_interval(s), 0);
	assert_int_equal(settings_credentials_expiry_seconds(s), 900);
	assert_string_equal(settings_listen_address(s), "127.0.0.1:9000");
	assert_string_equal(settings_telemetry_path(s), "/custom/metrics");
	assert_true(settings_request_timeout(s) == 2.5);
	assert_int_equal(settings_max_connections_per_address(s), 4);
	/* the token is a secret: never in the log */
	assert_null(strstr(r.log, "dop_v1_unit"));
	done(&r);
}

static void test_empty_file_gives_defaults(void **state)
{
	(void)state;
	struct result r;
	load("# nothing set\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	const struct settings *s = r.s;
	assert_string_equal(settings_api_url(s), "https://api.digitalocean.com");
	assert_true(settings_api_timeout(s) == 10);
	assert_int_equal(settings_max_response_bytes(s), 8 * 1024 * 1024);
	assert_true(settings_account_discover_0(s));
	assert_int_equal(settings_account_id_count_0(s), 0);
	assert_int_equal(settings_poll_interval(s), 300);
	assert_int_equal(settings_credentials_interval(s), 3600);
	assert_int_equal(settings_credentials_expiry_seconds(s), 600);
	assert_string_equal(settings_listen_address(s), ":9925");
	assert_string_equal(settings_telemetry_path(s), "/metrics");
	assert_true(settings_request_timeout(s) == 10);
	assert_int_equal(settings_max_connections_per_address(s), 16);
	done(&r);
}

static void test_missing_explicit_file(void **state)
{
	(void)state;
	struct settings_flags flags = { .config_file = "/nonexistent/doks_exporter.conf" };
	struct settings *s = NULL;
	struct capture c;
	capture_start(&c);
	enum err rc = settings_load(&flags, &s);
	char *log = capture_end(&c);
	assert_int_equal(rc, ERR_CONFIG);
	assert_null(s);
	assert_contains(log, "/nonexistent/doks_exporter.conf");
	free(log);
	settings_free(NULL);
}

/* ---- unknown keys, types, ranges, syntax ------------------------------- */

static void test_unknown_key_names_file_and_line(void **state)
{
	(void)state;
	struct result r;
	load("poll = {\n"
	     "  interval = 60;\n"
	     "  intervall = 60;\n"
	     "};\n",
	     &r);
	assert_int_equal(r.rc, ERR_CONFIG);
	assert_contains(r.log, "line=3");
	assert_contains(r.log, "key=poll.intervall");
	assert_contains(r.log, r.path);
	done(&r);
}

static void test_unknown_group(void **state)
{
	(void)state;
	struct result r;
	load("api = { };\n"
	     "\n"
	     "polling = { interval = 60; };\n",
	     &r);
	assert_int_equal(r.rc, ERR_CONFIG);
	assert_contains(r.log, "line=3");
	assert_contains(r.log, "key=polling");
	done(&r);
	expect_config_error("interval = 60;\n");     /* a key outside any group */
	expect_config_error("poll = 60;\n");         /* a group that is not one */
	expect_config_error("poll = { x = { interval = 60; }; };\n");
}

static void test_wrong_type(void **state)
{
	(void)state;
	struct result r;
	load("# comment\n"
	     "poll = {\n"
	     "  interval = \"60\";\n"
	     "};\n",
	     &r);
	assert_int_equal(r.rc, ERR_CONFIG);
	assert_contains(r.log, "line=3");
	assert_contains(r.log, "key=poll.interval");
	done(&r);
	expect_config_error("poll = { interval = 60.0; };\n");
	expect_config_error("poll = { interval = true; };\n");
	expect_config_error("api = { url = 5; };\n");
	expect_config_error("api = { timeout = \"10\"; };\n");
	expect_config_error("clusters = { discover = \"yes\"; };\n");
	expect_config_error("clusters = { discover = 1; };\n");
	expect_config_error("clusters = { ids = \"abc\"; };\n");
	expect_config_error("clusters = { ids = [ 1, 2 ]; };\n");
	expect_config_error("web = { listen_address = 9925; };\n");
}

static void test_out_of_range(void **state)
{
	(void)state;
	struct result r;
	load("poll = {\n  interval = 0;\n};\n", &r);
	assert_int_equal(r.rc, ERR_CONFIG);
	assert_contains(r.log, "line=2");
	assert_contains(r.log, "key=poll.interval");
	done(&r);
	expect_config_error("poll = { interval = -5; };\n");
	expect_config_error("poll = { interval = 604801; };\n");
	expect_config_error("poll = { credentials_interval = -1; };\n");
	expect_config_error("poll = { credentials_expiry_seconds = 59; };\n");
	expect_config_error("api = { timeout = 0.05; };\n");
	expect_config_error("api = { timeout = 601; };\n");
	expect_config_error("api = { max_response_bytes = 4095; };\n");
	expect_config_error("api = { max_response_bytes = 2147483648L; };\n");
	/* the bounds themselves are fine; a whole number is a fine timeout */
	expect_ok("poll = { interval = 1; credentials_interval = 604800; };\n");
	expect_ok("poll = { credentials_expiry_seconds = 60; };\n");
	expect_ok("api = { timeout = 5; max_response_bytes = 4096; };\n");
	expect_ok("api = { timeout = 0.1; max_response_bytes = 1073741824; };\n");
	expect_config_error("web = { request_timeout = 0.5; };\n");
	expect_config_error("web = { request_timeout = 301; };\n");
	expect_config_error("web = { max_connections_per_address = 0; };\n");
	expect_config_error("web = { max_connections_per_address = 1025; };\n");
	expect_ok("web = { request_timeout = 1; max_connections_per_address = 1; };\n");
	expect_ok("web = { request_timeout = 300; max_connections_per_address = 1024; };\n");
}

static void test_syntax_error(void **state)
{
	(void)state;
	struct result r;
	load("poll = {\n"
	     "  interval = 60;\n"
	     "  credentials_interval = ;\n"
	     "};\n",
	     &r);
	assert_int_equal(r.rc, ERR_CONFIG);
	assert_contains(r.log, "line=3");
	assert_contains(r.log, r.path);
	done(&r);
	expect_config_error("poll = { interval = 60; };\npoll = { interval = 60; };\n");
	expect_config_error("poll = { interval = 60 \n");
}

/* ---- api.url ----------------------------------------------------------- */

static void expect_url(const char *url, const char *want)
{
	char content[512];
	snprintf(content, sizeof content, "api = { url = \"%s\"; };\n", url);
	struct result r;
	load(content, &r);
	char got[512] = "";
	if (r.rc == ERR_OK)
		snprintf(got, sizeof got, "%s", settings_api_url(r.s));
	enum err rc = r.rc;
	done(&r); /* before any failure, so that a failing case leaks nothing */
	if (want == NULL && rc != ERR_CONFIG)
		fail_msg("url %s accepted as %s", url, got);
	if (want != NULL && rc != ERR_OK)
		fail_msg("url %s rejected", url);
	if (want != NULL)
		assert_string_equal(got, want);
}

static void test_api_url(void **state)
{
	(void)state;
	expect_url("http://example.com", NULL);
	expect_url("http://10.0.0.1:8080", NULL);
	expect_url("http://127.0.0.1:8080", "http://127.0.0.1:8080");
	expect_url("http://localhost:8080/", "http://localhost:8080");
	expect_url("http://[::1]:8080", "http://[::1]:8080");
	expect_url("https://x", "https://x");
	expect_url("https://api.digitalocean.com/", "https://api.digitalocean.com");
	expect_url("https://api.example.com:8443//", "https://api.example.com:8443");
	expect_url("https://api.example.com/v2", NULL);
	expect_url("https://api.example.com/v2/", NULL);
	expect_url("https://api.example.com?x=1", NULL);
	expect_url("https://user@api.example.com", NULL);
	expect_url("ftp://api.example.com", NULL);
	expect_url("api.example.com", NULL);
	expect_url("https://", NULL);
	expect_url("", NULL);
}

/* http:// carries the token in clear text: only to a host that cannot
 * leave this machine, never to a name a resolver may look up. */
static void test_api_url_http_only_to_real_loopback(void **state)
{
	(void)state;
	expect_url("http://127.0.0.256:8080", NULL);
	expect_url("http://127.0.0.:8080", NULL);
	expect_url("http://127...:8080", NULL);
}

/* ---- the token --------------------------------------------------------- */

static void test_token_from_env(void **state)
{
	(void)state;
	struct result r;
	setenv("DIGITALOCEAN_TOKEN", "dop_v1_first", 1);
	setenv("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_second", 1);
	load("", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(settings_account_token_0(r.s), "dop_v1_first");
	done(&r);

	unsetenv("DIGITALOCEAN_TOKEN");
	load("", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(settings_account_token_0(r.s), "dop_v1_second");
	done(&r);

	/* an empty variable counts as unset */
	setenv("DIGITALOCEAN_TOKEN", "", 1);
	load("", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(settings_account_token_0(r.s), "dop_v1_second");
	done(&r);
}

static void test_token_missing_or_bad(void **state)
{
	(void)state;
	unsetenv("DIGITALOCEAN_TOKEN");
	expect_config_error("");
	setenv("DIGITALOCEAN_TOKEN", "", 1);
	expect_config_error("");
	setenv("DIGITALOCEAN_TOKEN", "dop_v1 with space", 1);
	struct result r;
	load("", &r);
	assert_int_equal(r.rc, ERR_CONFIG);
	/* the message names the source, never the value */
	assert_contains(r.log, "DIGITALOCEAN_TOKEN");
	assert_null(strstr(r.log, "with space"));
	done(&r);
	setenv("DIGITALOCEAN_TOKEN", "dop_v1_tab\there", 1);
	expect_config_error("");
	setenv("DIGITALOCEAN_TOKEN", "dop_v1_\xc3\xa9", 1);
	expect_config_error("");
}

static void test_token_file(void **state)
{
	(void)state;
	unsetenv("DIGITALOCEAN_TOKEN");
	char tok[64];
	write_temp("dop_v1_fromfile\n", tok, sizeof tok);
	char content[256];
	snprintf(content, sizeof content, "api = { token_file = \"%s\"; };\n", tok);
	struct result r;
	load(content, &r);
	if (r.rc != ERR_OK)
		fail_msg("rejected: %s", r.log);
	assert_string_equal(settings_account_token_0(r.s), "dop_v1_fromfile");
	assert_null(strstr(r.log, "dop_v1_fromfile"));
	done(&r);
	unlink(tok);

	write_temp("dop_v1_crlf\r\n\n", tok, sizeof tok);
	snprintf(content, sizeof content, "api = { token_file = \"%s\"; };\n", tok);
	load(content, &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(settings_account_token_0(r.s), "dop_v1_crlf");
	done(&r);
	unlink(tok);

	/* the first line is the token; what follows is ignored, with a
	 * warning when it is more than blank lines (and never logged) */
	write_temp("dop_v1_first\nsecond-line-SECRET\n# third\n", tok, sizeof tok);
	snprintf(content, sizeof content, "api = { token_file = \"%s\"; };\n", tok);
	load(content, &r);
	if (r.rc != ERR_OK)
		fail_msg("a token file of several lines rejected: %s", r.log);
	assert_string_equal(settings_account_token_0(r.s), "dop_v1_first");
	assert_non_null(strstr(r.log, "more than one line"));
	assert_null(strstr(r.log, "SECRET"));
	assert_null(strstr(r.log, "dop_v1_first"));
	done(&r);
	unlink(tok);
	write_temp("dop_v1_blank_after\n\n  \n", tok, sizeof tok);
	snprintf(content, sizeof content, "api = { token_file = \"%s\"; };\n", tok);
	load(content, &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(settings_account_token_0(r.s), "dop_v1_blank_after");
	assert_null(strstr(r.log, "more than one line"));
	done(&r);
	unlink(tok);

	/* empty (an empty first line is no token, whatever follows), two
	 * words, missing */
	write_temp("\ndop_v1_second\n", tok, sizeof tok);
	snprintf(content, sizeof content, "api = { token_file = \"%s\"; };\n", tok);
	expect_config_error(content);
	unlink(tok);
	write_temp("\n", tok, sizeof tok);
	snprintf(content, sizeof content, "api = { token_file = \"%s\"; };\n", tok);
	expect_config_error(content);
	unlink(tok);
	write_temp("dop_v1_a dop_v1_b\n", tok, sizeof tok);
	snprintf(content, sizeof content, "api = { token_file = \"%s\"; };\n", tok);
	expect_config_error(content);
	unlink(tok);
	expect_config_error("api = { token_file = \"/nonexistent/token\"; };\n");
}

/* The variable a token came from is overwritten and removed after the
 * load (nothing else reads it, and /proc/PID/environ shows it); a reload
 * finds the token in the running settings. A token from a file leaves
 * the environment alone. */
static void test_scrub_environment(void **state)
{
	(void)state;
	char conf[64];
	write_temp("", conf, sizeof conf);
	struct settings_flags flags = { .config_file = conf };
	setenv("DIGITALOCEAN_TOKEN", "dop_v1_scrubbed", 1);
	setenv("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_other", 1);
	char *value = getenv("DIGITALOCEAN_TOKEN");
	size_t len = strlen(value);
	struct settings *s = NULL;
	assert_int_equal(settings_load(&flags, &s), ERR_OK);
	settings_scrub_environment(s);
	assert_null(getenv("DIGITALOCEAN_TOKEN"));
	/* the bytes themselves, which unsetenv alone leaves behind */
	for (size_t i = 0; i < len; i++)
		assert_int_equal(value[i], '\0');
	assert_string_equal(settings_account_token_0(s), "dop_v1_scrubbed");
	/* a variable the token was not read from stays */
	assert_string_equal(getenv("DIGITALOCEAN_ACCESS_TOKEN"), "dop_v1_other");
	unsetenv("DIGITALOCEAN_ACCESS_TOKEN");

	/* a reload still has the token; a fresh load has none */
	struct settings *fresh = NULL;
	struct capture c;
	capture_start(&c);
	assert_int_equal(settings_reload(&flags, s, &fresh), ERR_OK);
	char *log = capture_end(&c);
	free(log);
	assert_string_equal(settings_account_token_0(fresh), "dop_v1_scrubbed");
	struct settings *none = (struct settings *)&c;
	capture_start(&c);
	assert_int_equal(settings_load(&flags, &none), ERR_CONFIG);
	log = capture_end(&c);
	assert_non_null(strstr(log, "no API token"));
	free(log);
	/* scrubbing again (after a reload) is harmless */
	settings_scrub_environment(fresh);
	settings_free(fresh);
	settings_free(s);
	unlink(conf);

	/* named accounts: their token_env goes the same way, and a reload
	 * of the same account finds it */
	unsetenv("DIGITALOCEAN_TOKEN");
	setenv("STAGING_TOKEN", "dop_v1_staging_env", 1);
	write_temp("accounts = ( { name = \"staging\"; token_env = \"STAGING_TOKEN\"; } );\n", conf,
		   sizeof conf);
	s = NULL;
	assert_int_equal(settings_load(&flags, &s), ERR_OK);
	settings_scrub_environment(s);
	assert_null(getenv("STAGING_TOKEN"));
	fresh = NULL;
	assert_int_equal(settings_reload(&flags, s, &fresh), ERR_OK);
	assert_string_equal(settings_account_token(fresh, 0), "dop_v1_staging_env");
	settings_free(fresh);
	settings_free(s);

	/* a token file: nothing in the environment is touched */
	char tok[64];
	write_temp("dop_v1_from_file\n", tok, sizeof tok);
	char content[256];
	snprintf(content, sizeof content, "api = { token_file = \"%s\"; };\n", tok);
	unlink(conf);
	write_temp(content, conf, sizeof conf);
	setenv("DIGITALOCEAN_TOKEN", "dop_v1_unused", 1);
	s = NULL;
	assert_int_equal(settings_load(&flags, &s), ERR_OK);
	settings_scrub_environment(s);
	assert_string_equal(getenv("DIGITALOCEAN_TOKEN"), "dop_v1_unused");
	settings_free(s);
	unlink(tok);
	unlink(conf);
}

/* ---- clusters ---------------------------------------------------------- */

static void test_discover_defaults(void **state)
{
	(void)state;
	struct result r;
	load("clusters = { };\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_true(settings_account_discover_0(r.s));
	done(&r);

	load("clusters = { ids = [ \"bd5f5959-5e1e-4205-a714-a914373942af\" ]; };\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_false(settings_account_discover_0(r.s));
	assert_int_equal(settings_account_id_count_0(r.s), 1);
	assert_string_equal(settings_account_id_0(r.s, 0), "bd5f5959-5e1e-4205-a714-a914373942af");
	done(&r);

	load("clusters = { discover = true; ids = ( \"a\", \"b\", \"a\", \"b\", \"c\" ); };\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_true(settings_account_discover_0(r.s));
	assert_int_equal(settings_account_id_count_0(r.s), 3);
	assert_string_equal(settings_account_id_0(r.s, 0), "a");
	assert_string_equal(settings_account_id_0(r.s, 1), "b");
	assert_string_equal(settings_account_id_0(r.s, 2), "c");
	done(&r);

	/* nothing to watch */
	expect_config_error("clusters = { discover = false; };\n");
	expect_config_error("clusters = { discover = false; ids = [ ]; };\n");
}

static void test_invalid_ids(void **state)
{
	(void)state;
	struct result r;
	load("clusters = {\n"
	     "  ids = [ \"good-1\",\n"
	     "          \"../x\" ];\n"
	     "};\n",
	     &r);
	assert_int_equal(r.rc, ERR_CONFIG);
	assert_contains(r.log, "key=clusters.ids");
	assert_contains(r.log, "line=3"); /* the bad element's line */
	done(&r);
	expect_config_error("clusters = { ids = [ \"a/b\" ]; };\n");
	expect_config_error("clusters = { ids = [ \"\" ]; };\n");
	expect_config_error("clusters = { ids = [ \"a b\" ]; };\n");
	expect_config_error("clusters = { ids = [ \"a_b\" ]; };\n");
	expect_config_error("clusters = { ids = [ \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" ]; };\n");
	expect_ok("clusters = { ids = [ \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" ]; };\n");
}

/* ---- web --------------------------------------------------------------- */

static void test_flags_override(void **state)
{
	(void)state;
	struct settings_flags flags = { .listen_address = "[::1]:9100",
					.telemetry_path = "/doks" };
	struct result r;
	load_with("web = { listen_address = \"127.0.0.1:9000\"; telemetry_path = \"/x\"; };\n",
		  &flags, &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(settings_listen_address(r.s), "[::1]:9100");
	assert_string_equal(settings_telemetry_path(r.s), "/doks");
	done(&r);

	/* a flag also fixes a bad value of the file */
	flags = (struct settings_flags){ .telemetry_path = "/metrics" };
	load_with("web = { telemetry_path = \"metrics\"; };\n", &flags, &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(settings_telemetry_path(r.s), "/metrics");
	done(&r);
}

static void test_telemetry_path(void **state)
{
	(void)state;
	static const char *const bad[] = { "metrics", "/", "/-/x", "/-/", "/a b", "/a?b", "/a#b",
					   "/caf\xc3\xa9", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct settings_flags flags = { .telemetry_path = bad[i] };
		struct result r;
		load_with("", &flags, &r);
		enum err rc = r.rc;
		done(&r);
		if (rc != ERR_CONFIG)
			fail_msg("telemetry path \"%s\" accepted", bad[i]);
	}
	static const char *const good[] = { "/metrics", "/a/b_c.d~e-f", "/M2" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct settings_flags flags = { .telemetry_path = good[i] };
		struct result r;
		load_with("", &flags, &r);
		if (r.rc != ERR_OK)
			fail_msg("telemetry path \"%s\" rejected: %s", good[i], r.log);
		assert_string_equal(settings_telemetry_path(r.s), good[i]);
		done(&r);
	}
}

static void test_bad_listen_address(void **state)
{
	(void)state;
	static const char *const bad[] = { "9925", "::1:80", ":70000", "host:", "[::1]", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct settings_flags flags = { .listen_address = bad[i] };
		struct result r;
		load_with("", &flags, &r);
		enum err rc = r.rc;
		done(&r);
		if (rc != ERR_CONFIG)
			fail_msg("listen address \"%s\" accepted", bad[i]);
	}
}

static void test_parse_listen_address(void **state)
{
	(void)state;
	char host[64];
	unsigned port = 1;
	assert_true(settings_parse_listen_address(":9925", host, sizeof host, &port));
	assert_string_equal(host, "");
	assert_int_equal(port, 9925);
	assert_true(settings_parse_listen_address("127.0.0.1:0", host, sizeof host, &port));
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 0);
	assert_true(settings_parse_listen_address("[::1]:80", host, sizeof host, &port));
	assert_string_equal(host, "::1");
	assert_int_equal(port, 80);
	assert_true(settings_parse_listen_address("localhost:65535", host, sizeof host, &port));
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 65535);

	static const char *const bad[] = { "::1:80", ":70000", ":65536", "9925", "host:",
					   ":",      "[::1]",  "[::1]80", "[::1:80", "host:80x",
					   ":-1",    ":+80",   "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		strcpy(host, "keep");
		port = 4242;
		if (settings_parse_listen_address(bad[i], host, sizeof host, &port))
			fail_msg("\"%s\" accepted as host \"%s\" port %u", bad[i], host, port);
		assert_string_equal(host, "keep");
		assert_int_equal(port, 4242);
	}
	/* a host that does not fit */
	char tiny[4];
	assert_false(settings_parse_listen_address("abcd:80", tiny, sizeof tiny, &port));
	assert_true(settings_parse_listen_address("abc:80", tiny, sizeof tiny, &port));
	assert_string_equal(tiny, "abc");
}

/* Below 60 s against the real API costs the shared budget: a warning,
 * not an error; against a loopback mirror, silence. */
static void test_short_interval_warns_only_for_a_remote_api(void **state)
{
	(void)state;
	struct result r;
	load("api = { url = \"https://api.example.com\"; };\npoll = { interval = 30; };\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_non_null(strstr(r.log, "level=warn"));
	assert_non_null(strstr(r.log, "interval=30"));
	done(&r);
	load("api = { url = \"https://api.example.com\"; };\npoll = { interval = 60; };\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_null(strstr(r.log, "level=warn"));
	done(&r);
	load("api = { url = \"http://127.0.0.1:8080\"; };\npoll = { interval = 1; };\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_null(strstr(r.log, "level=warn"));
	done(&r);
}

/* A token file others can read gets a warning naming it. */
static void test_readable_token_file_warns(void **state)
{
	(void)state;
	char tok[64], conf[256];
	write_temp("file-token\n", tok, sizeof tok);
	assert_int_equal(chmod(tok, 0644), 0);
	snprintf(conf, sizeof conf, "api = { token_file = \"%s\"; };\n", tok);
	struct result r;
	load(conf, &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_non_null(strstr(r.log, "level=warn"));
	assert_non_null(strstr(r.log, tok));
	done(&r);
	assert_int_equal(chmod(tok, 0600), 0);
	load(conf, &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_null(strstr(r.log, "level=warn"));
	done(&r);
	unlink(tok);
}

/* ---- accounts ---------------------------------------------------------- */

/* ERR_CONFIG, with the key (exactly) and the line in the log. */
static void expect_error_at(const char *content, const char *key, int line)
{
	struct result r;
	load(content, &r);
	enum err rc = r.rc;
	char want_key[160], want_line[32], log[2048];
	snprintf(want_key, sizeof want_key, "key=%s ", key);
	snprintf(want_line, sizeof want_line, "line=%d ", line);
	bool has_key = strstr(r.log, want_key) != NULL;
	bool has_line = strstr(r.log, want_line) != NULL;
	snprintf(log, sizeof log, "%s", r.log);
	done(&r);
	if (rc != ERR_CONFIG)
		fail_msg("got %d, want ERR_CONFIG: %s", rc, content);
	if (!has_key || !has_line)
		fail_msg("want \"%s\" and \"%s\" in the log of:\n%s\nlog: %s", want_key, want_line,
			 content, log);
}

static void test_accounts(void **state)
{
	(void)state;
	unsetenv("DIGITALOCEAN_TOKEN"); /* each account brings its own */
	setenv("STAGING_TOKEN", "dop_v1_staging", 1);
	char tok[64], content[512];
	write_temp("dop_v1_prod\n", tok, sizeof tok);
	snprintf(content, sizeof content,
		 "accounts = (\n"
		 "  { name = \"prod\"; token_file = \"%s\"; discover = true; },\n"
		 "  { name = \"staging\"; token_env = \"STAGING_TOKEN\"; ids = [ \"abc-1\" ]; }\n"
		 ");\n",
		 tok);
	struct result r;
	load(content, &r);
	if (r.rc != ERR_OK)
		fail_msg("rejected: %s", r.log);
	const struct settings *s = r.s;
	assert_true(settings_named_accounts(s));
	assert_int_equal(settings_account_count(s), 2);
	assert_string_equal(settings_account_name(s, 0), "prod");
	assert_string_equal(settings_account_token(s, 0), "dop_v1_prod");
	assert_true(settings_account_discover(s, 0));
	assert_int_equal(settings_account_id_count(s, 0), 0);
	assert_string_equal(settings_account_name(s, 1), "staging");
	assert_string_equal(settings_account_token(s, 1), "dop_v1_staging");
	assert_false(settings_account_discover(s, 1));
	assert_int_equal(settings_account_id_count(s, 1), 1);
	assert_string_equal(settings_account_id(s, 1, 0), "abc-1");
	/* tokens are secrets: never in the log */
	assert_null(strstr(r.log, "dop_v1_prod"));
	assert_null(strstr(r.log, "dop_v1_staging"));
	done(&r);
	unlink(tok);
	unsetenv("STAGING_TOKEN");
}

static void test_account_discover_defaults(void **state)
{
	(void)state;
	setenv("STAGING_TOKEN", "dop_v1_staging", 1);
	struct result r;
	load("accounts = (\n"
	     "  { name = \"a\"; token_env = \"STAGING_TOKEN\"; },\n"
	     "  { name = \"b\"; token_env = \"STAGING_TOKEN\"; ids = [ \"x-1\", \"x-2\", \"x-1\" ]; },\n"
	     "  { name = \"c\"; token_env = \"STAGING_TOKEN\"; ids = [ \"x-1\" ]; discover = true; },\n"
	     "  { name = \"d_1.x-Y\"; token_env = \"STAGING_TOKEN\"; discover = true; },\n"
	     "  { name = \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\";\n"
	     "    token_env = \"STAGING_TOKEN\"; }\n"
	     ");\n",
	     &r);
	if (r.rc != ERR_OK)
		fail_msg("rejected: %s", r.log);
	const struct settings *s = r.s;
	assert_int_equal(settings_account_count(s), 5);
	assert_true(settings_account_discover(s, 0));
	assert_int_equal(settings_account_id_count(s, 0), 0);
	assert_false(settings_account_discover(s, 1));
	assert_int_equal(settings_account_id_count(s, 1), 2);
	assert_string_equal(settings_account_id(s, 1, 0), "x-1");
	assert_string_equal(settings_account_id(s, 1, 1), "x-2");
	assert_true(settings_account_discover(s, 2));
	assert_int_equal(settings_account_id_count(s, 2), 1);
	assert_string_equal(settings_account_name(s, 3), "d_1.x-Y");
	assert_true(settings_account_discover(s, 3));
	assert_int_equal(strlen(settings_account_name(s, 4)), 64);
	assert_true(settings_account_discover(s, 4));
	done(&r);
	unsetenv("STAGING_TOKEN");
}

static void test_no_accounts_is_one_unnamed_account(void **state)
{
	(void)state;
	struct result r;
	load("", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_false(settings_named_accounts(r.s));
	assert_int_equal(settings_account_count(r.s), 1);
	assert_string_equal(settings_account_name(r.s, 0), "");
	assert_string_equal(settings_account_token(r.s, 0), "dop_v1_unit");
	assert_true(settings_account_discover(r.s, 0));
	done(&r);

	load("clusters = { ids = [ \"abc-1\" ]; };\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_false(settings_named_accounts(r.s));
	assert_int_equal(settings_account_count(r.s), 1);
	assert_string_equal(settings_account_name(r.s, 0), "");
	assert_int_equal(settings_account_id_count(r.s, 0), 1);
	done(&r);
}

static void test_account_errors(void **state)
{
	(void)state;
	setenv("STAGING_TOKEN", "dop_v1_staging", 1);
	/* an unknown key, named with its account */
	expect_error_at("accounts = (\n"
			"  {\n"
			"    name = \"prod\";\n"
			"    tokn_file = \"/x\";\n"
			"  }\n"
			");\n",
			"accounts[0].tokn_file", 4);
	/* both token_file and token_env */
	expect_error_at("accounts = (\n"
			"  { name = \"a\"; token_env = \"STAGING_TOKEN\"; },\n"
			"  {\n"
			"    name = \"b\";\n"
			"    token_file = \"/x\";\n"
			"    token_env = \"STAGING_TOKEN\";\n"
			"  }\n"
			");\n",
			"accounts[1]", 3);
	/* neither */
	expect_error_at("accounts = (\n"
			"  {\n"
			"    name = \"prod\";\n"
			"  }\n"
			");\n",
			"accounts[0]", 2);
	/* no name */
	expect_error_at("accounts = (\n"
			"  {\n"
			"    token_env = \"STAGING_TOKEN\";\n"
			"  }\n"
			");\n",
			"accounts[0]", 2);
	/* a name that cannot go into a label or a log line unquoted */
	expect_error_at("accounts = (\n"
			"  {\n"
			"    name = \"has space\";\n"
			"    token_env = \"STAGING_TOKEN\";\n"
			"  }\n"
			");\n",
			"accounts[0]", 2);
	static const char *const bad_names[] = {
		"", "a/b", "a=b", "a\\\"b", "caf\xc3\xa9", "a\\nb",
		"fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	};
	for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		char content[256];
		snprintf(content, sizeof content,
			 "accounts = ( { name = \"%s\"; token_env = \"STAGING_TOKEN\"; } );\n",
			 bad_names[i]);
		expect_config_error(content);
	}
	/* two accounts with the same name */
	expect_error_at("accounts = (\n"
			"  { name = \"prod\"; token_env = \"STAGING_TOKEN\"; },\n"
			"  { name = \"prod\"; token_env = \"STAGING_TOKEN\"; ids = [ \"x-1\" ]; }\n"
			");\n",
			"accounts", 3);
	/* an empty list; a group, an array or a string instead of a list */
	expect_error_at("# none\naccounts = ( );\n", "accounts", 2);
	expect_error_at("# a group\n"
			"accounts = { name = \"prod\"; token_env = \"STAGING_TOKEN\"; };\n",
			"accounts", 2);
	expect_config_error("accounts = [ \"prod\" ];\n");
	expect_config_error("accounts = \"prod\";\n");
	/* a list element that is not a group */
	expect_error_at("accounts = ( \"prod\" );\n", "accounts[0]", 1);
	/* wrong types inside an account */
	expect_error_at("accounts = (\n  {\n    name = 5;\n    token_env = \"STAGING_TOKEN\";\n  }\n);\n",
			"accounts[0].name", 3);
	expect_error_at("accounts = (\n  {\n    name = \"a\";\n    token_env = \"STAGING_TOKEN\";\n"
			"    discover = \"yes\";\n  }\n);\n",
			"accounts[0].discover", 5);
	expect_error_at("accounts = (\n  {\n    name = \"a\";\n    token_env = \"STAGING_TOKEN\";\n"
			"    ids = [ \"../x\" ];\n  }\n);\n",
			"accounts[0].ids", 5);
	expect_config_error("accounts = ( { name = \"a\"; token_file = true; } );\n");
	/* accounts with the settings of the one unnamed account */
	expect_error_at("api = { token_file = \"/x\"; };\n"
			"accounts = ( { name = \"a\"; token_env = \"STAGING_TOKEN\"; } );\n",
			"accounts", 2);
	expect_error_at("clusters = { ids = [ \"x-1\" ]; };\n"
			"accounts = ( { name = \"a\"; token_env = \"STAGING_TOKEN\"; } );\n",
			"accounts", 2);
	expect_error_at("clusters = { discover = true; };\n"
			"accounts = ( { name = \"a\"; token_env = \"STAGING_TOKEN\"; } );\n",
			"accounts", 2);
	unsetenv("STAGING_TOKEN");
}

/* A variable the account names but the environment lacks: the error names
 * the account's key and line, and the variable. */
static void test_account_token_env_unset(void **state)
{
	(void)state;
	/* set but empty counts as unset */
	setenv("DOKS_UNIT_UNSET_TOKEN", "", 1);
	expect_config_error("accounts = ( { name = \"prod\"; token_env = \"DOKS_UNIT_UNSET_TOKEN\"; } );\n");
	unsetenv("DOKS_UNIT_UNSET_TOKEN");
	struct result r;
	load("accounts = (\n"
	     "  {\n"
	     "    name = \"prod\";\n"
	     "    token_env = \"DOKS_UNIT_UNSET_TOKEN\";\n"
	     "  }\n"
	     ");\n",
	     &r);
	enum err rc = r.rc;
	char log[2048];
	snprintf(log, sizeof log, "%s", r.log);
	done(&r);
	assert_int_equal(rc, ERR_CONFIG);
	assert_contains(log, "level=error");
	assert_contains(log, "DOKS_UNIT_UNSET_TOKEN");
	assert_contains(log, "prod");
	assert_contains(log, "key=accounts");
	if (!strstr(log, "line=2 ") && !strstr(log, "line=4 "))
		fail_msg("no line in: %s", log);
}

/* An account that watches nothing: named, with its line. */
static void test_account_watching_nothing(void **state)
{
	(void)state;
	setenv("STAGING_TOKEN", "dop_v1_staging", 1);
	struct result r;
	load("accounts = (\n"
	     "  { name = \"a\"; token_env = \"STAGING_TOKEN\"; },\n"
	     "  {\n"
	     "    name = \"b\";\n"
	     "    token_env = \"STAGING_TOKEN\";\n"
	     "    discover = false;\n"
	     "  }\n"
	     ");\n",
	     &r);
	enum err rc = r.rc;
	char log[2048];
	snprintf(log, sizeof log, "%s", r.log);
	done(&r);
	unsetenv("STAGING_TOKEN");
	assert_int_equal(rc, ERR_CONFIG);
	assert_contains(log, "level=error");
	assert_contains(log, "key=accounts");
	if (!strstr(log, "account=b ") && !strstr(log, "key=accounts[1]"))
		fail_msg("the account is not named in: %s", log);
	if (!strstr(log, "line=3 ") && !strstr(log, "line=6 "))
		fail_msg("no line in: %s", log);
}

/* ---- state.file and poll.options_interval ------------------------------ */

static void test_state_file_and_options_interval(void **state)
{
	(void)state;
	struct result r;
	load("", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_null(settings_state_file(r.s));
	assert_int_equal(settings_options_interval(r.s), 3600);
	done(&r);

	load("state = { file = \"/var/lib/doks_exporter/state.json\"; };\n"
	     "poll = { options_interval = 0; };\n",
	     &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(settings_state_file(r.s), "/var/lib/doks_exporter/state.json");
	assert_int_equal(settings_options_interval(r.s), 0);
	done(&r);

	/* an empty file name: memory only */
	load("state = { file = \"\"; };\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_null(settings_state_file(r.s));
	done(&r);

	load("poll = { options_interval = 604800; };\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_int_equal(settings_options_interval(r.s), 604800);
	done(&r);

	expect_error_at("poll = {\n  options_interval = -1;\n};\n", "poll.options_interval", 2);
	expect_config_error("poll = { options_interval = 604801; };\n");
	expect_config_error("poll = { options_interval = \"3600\"; };\n");
	expect_config_error("poll = { options_interval = 1.5; };\n");
	expect_error_at("state = {\n  file = 5;\n};\n", "state.file", 2);
	expect_error_at("state = {\n  path = \"/x\";\n};\n", "state.path", 2);
	expect_config_error("state = \"/x\";\n");
}

/* ---- poll.upgrades_interval ---------------------------------------------- */

static void test_upgrades_interval(void **state)
{
	(void)state;
	struct result r;
	load("", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_int_equal(settings_upgrades_interval(r.s), 3600);
	done(&r);
	load("poll = { upgrades_interval = 60; };\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_int_equal(settings_upgrades_interval(r.s), 60);
	done(&r);
	load("poll = { upgrades_interval = 604800; };\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_int_equal(settings_upgrades_interval(r.s), 604800);
	done(&r);
	/* at least 60: a change signal, not a short interval, is what reads
	 * upgrades quickly */
	expect_error_at("poll = {\n  upgrades_interval = 59;\n};\n", "poll.upgrades_interval", 2);
	expect_config_error("poll = { upgrades_interval = 0; };\n");
	expect_config_error("poll = { upgrades_interval = 604801; };\n");
	expect_config_error("poll = { upgrades_interval = \"3600\"; };\n");
}

/* ---- the table of keys, the README and the example file --------------- */

/* s from its start to the first "|" (or the end), without backquotes and
 * the blanks around, into out. Returns what follows the "|". */
static const char *cell(const char *s, char *out, size_t size)
{
	size_t n = 0;
	while (*s == ' ')
		s++;
	for (; *s && *s != '|' && *s != '\n'; s++)
		if (*s != '`' && n + 1 < size)
			out[n++] = *s;
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return *s == '|' ? s + 1 : s;
}

/* The rows "| `key` | default | meaning |" of the section "### Configuration"
 * of a README's text against the table of keys: every key of the table has
 * a row, with the table's default, and every row is a key. NULL when they
 * agree, else what differs (static). */
static const char *readme_disagrees(const char *text)
{
	static char why[1024];
	bool seen[64] = { false };
	size_t count = 0;
	struct settings_key_doc d;
	while (settings_key_doc(count, &d))
		count++;
	assert_true(count <= sizeof seen / sizeof seen[0]);
	const char *section = strstr(text, "\n### Configuration\n");
	if (!section)
		return "no section \"### Configuration\"";
	const char *end = strstr(section + 1, "\n#");
	for (const char *line = section + 1; line && (!end || line < end);
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, "| `", 3) != 0)
			continue;
		char key[128], fallback[256];
		cell(cell(line + 1, key, sizeof key), fallback, sizeof fallback);
		size_t i = 0;
		while (settings_key_doc(i, &d) && strcmp(d.path, key) != 0)
			i++;
		if (i == count) {
			snprintf(why, sizeof why, "the README's row %s is no key of the table", key);
			return why;
		}
		char want[256];
		cell(d.fallback, want, sizeof want);
		if (strcmp(fallback, want) != 0) {
			snprintf(why, sizeof why, "%s: the README says %s, the table %s", key, fallback,
				 want);
			return why;
		}
		seen[i] = true;
	}
	for (size_t i = 0; i < count; i++) {
		if (!seen[i]) {
			settings_key_doc(i, &d);
			snprintf(why, sizeof why, "%s has no row in the README's table", d.path);
			return why;
		}
	}
	return NULL;
}

/* A whole file into a string (owned, free); fails the test when missing. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s: run the test from the top of the repository", path);
	char *text = calloc(1, 1 << 20);
	assert_non_null(text);
	size_t n = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	assert_true(n < (1 << 20) - 1);
	return text;
}

static void test_readme_table_matches_the_keys(void **state)
{
	(void)state;
	char *text = slurp("README.md");
	const char *why = readme_disagrees(text);
	free(text);
	if (why)
		fail_msg("%s", why);
}

/* A README table made from the table of keys itself, with the row of
 * key changed to changed_key and changed_fallback (NULL: as it is). */
static char *readme_of_the_table(const char *key, const char *changed_key,
				 const char *changed_fallback)
{
	size_t size = 1 << 16, n = 0;
	char *text = calloc(1, size);
	assert_non_null(text);
	n += (size_t)snprintf(text, size, "# x\n\n### Configuration\n\n| key | default | meaning |\n|---|---|---|\n");
	struct settings_key_doc d;
	for (size_t i = 0; settings_key_doc(i, &d); i++) {
		bool change = strcmp(d.path, key) == 0;
		n += (size_t)snprintf(text + n, size - n, "| `%s` | `%s` | %s |\n",
				      change && changed_key ? changed_key : d.path,
				      change && changed_fallback ? changed_fallback : d.fallback, d.help);
		assert_true(n < size);
	}
	snprintf(text + n, size - n, "\n### Next\n\n| `not.a.key` | `1` | |\n");
	return text;
}

/* The check itself: a README that drifted from the table is caught. */
static void test_readme_check_catches_drift(void **state)
{
	(void)state;
	static const struct {
		const char *key, *changed_key, *changed_fallback, *why;
	} cases[] = {
		{ "poll.interval", NULL, NULL, NULL },
		{ "poll.interval", NULL, "301", "poll.interval: the README says 301, the table 300" },
		{ "api.url", NULL, "http://x", "api.url: the README says http://x" },
		{ "state.file", NULL, "/x", "state.file: the README says /x, the table unset" },
		{ "poll.interval", "poll.intervax", NULL, "poll.intervax is no key" },
		{ "shard.count", "poll.interval", "300", "shard.count has no row" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text = readme_of_the_table(cases[i].key, cases[i].changed_key,
						 cases[i].changed_fallback);
		const char *why = readme_disagrees(text);
		free(text);
		if (!cases[i].why && why)
			fail_msg("case %zu: %s", i, why);
		if (cases[i].why && (!why || !strstr(why, cases[i].why)))
			fail_msg("case %zu: got %s, want %s", i, why ? why : "agreement", cases[i].why);
	}
	assert_non_null(readme_disagrees("# no such section\n"));
}

/* The example file says "the values shown are the defaults": each value
 * it sets is the table's default. */
static void test_example_file_shows_the_defaults(void **state)
{
	(void)state;
	config_t cfg;
	config_init(&cfg);
	if (config_read_file(&cfg, "config/doks_exporter.conf") != CONFIG_TRUE)
		fail_msg("config/doks_exporter.conf: %s (run from the top of the repository)",
			 config_error_text(&cfg));
	size_t checked = 0;
	struct settings_key_doc d;
	for (size_t i = 0; settings_key_doc(i, &d); i++) {
		const config_setting_t *st = config_lookup(&cfg, d.path);
		char value[256];
		if (!st || config_setting_is_aggregate(st))
			continue;
		if (config_setting_type(st) == CONFIG_TYPE_STRING)
			snprintf(value, sizeof value, "%s", config_setting_get_string(st));
		else if (config_setting_type(st) == CONFIG_TYPE_FLOAT)
			snprintf(value, sizeof value, "%.15g", config_setting_get_float(st));
		else
			snprintf(value, sizeof value, "%lld", config_setting_get_int64(st));
		if (strcmp(value, d.fallback) != 0)
			fail_msg("the example sets %s = %s; the default is %s", d.path, value, d.fallback);
		checked++;
	}
	config_destroy(&cfg);
	assert_true(checked >= 15);
}

/* What the table says, a load of an empty file gives, and --help's flag
 * defaults are the table's. */
static void test_table_defaults_are_the_defaults(void **state)
{
	(void)state;
	struct result r;
	load("", &r);
	assert_int_equal(r.rc, ERR_OK);
	char text[64];
	snprintf(text, sizeof text, "%ld", settings_poll_interval(r.s));
	assert_string_equal(settings_key_fallback("poll.interval"), text);
	snprintf(text, sizeof text, "%zu", settings_max_response_bytes(r.s));
	assert_string_equal(settings_key_fallback("api.max_response_bytes"), text);
	snprintf(text, sizeof text, "%g", settings_hourly_budget_fraction(r.s));
	assert_string_equal(settings_key_fallback("api.hourly_budget_fraction"), text);
	snprintf(text, sizeof text, "%ld", settings_shard_count(r.s));
	assert_string_equal(settings_key_fallback("shard.count"), text);
	assert_string_equal(settings_key_fallback("web.listen_address"), settings_listen_address(r.s));
	assert_string_equal(settings_key_fallback("web.telemetry_path"), settings_telemetry_path(r.s));
	assert_string_equal(settings_key_fallback("api.url"), settings_api_url(r.s));
	assert_string_equal(settings_key_fallback("state.file"), "unset");
	assert_null(settings_key_fallback("poll.nothing"));
	done(&r);
	/* every key has a path and a line of help; ranges hold their default */
	struct settings_key_doc d;
	for (size_t i = 0; settings_key_doc(i, &d); i++) {
		assert_non_null(d.path);
		assert_true(d.help && d.help[0]);
		if (d.ranged) {
			double v = strtod(d.fallback, NULL);
			if (!(v >= d.min && v <= d.max))
				fail_msg("%s: default %s outside %g..%g", d.path, d.fallback, d.min, d.max);
		}
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_env, teardown_env)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_full_file),
		T(test_upgrades_interval),
		T(test_empty_file_gives_defaults),
		T(test_missing_explicit_file),
		T(test_unknown_key_names_file_and_line),
		T(test_unknown_group),
		T(test_wrong_type),
		T(test_out_of_range),
		T(test_syntax_error),
		T(test_api_url),
		T(test_api_url_http_only_to_real_loopback),
		T(test_token_from_env),
		T(test_token_missing_or_bad),
		T(test_token_file),
		T(test_scrub_environment),
		T(test_discover_defaults),
		T(test_invalid_ids),
		T(test_flags_override),
		T(test_telemetry_path),
		T(test_bad_listen_address),
		T(test_parse_listen_address),
		T(test_short_interval_warns_only_for_a_remote_api),
		T(test_readable_token_file_warns),
		T(test_accounts),
		T(test_account_discover_defaults),
		T(test_no_accounts_is_one_unnamed_account),
		T(test_account_errors),
		T(test_account_token_env_unset),
		T(test_account_watching_nothing),
		T(test_state_file_and_options_interval),
		T(test_readme_table_matches_the_keys),
		T(test_readme_check_catches_drift),
		T(test_table_defaults_are_the_defaults),
		T(test_example_file_shows_the_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
