/* test_webconfig.c - webconfig.h: the exporter-toolkit web configuration
 * file (YAML), its TLS material and its basic-auth users. Valid files come
 * from tests/fixtures/web/ (the binary runs from the repository root);
 * each error case is written to a file under /tmp and its message read
 * back from stderr, which is redirected to a file around each load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "webconfig.h"

#define FIXTURES "tests/fixtures/web/"

/* The users of users.yml; each password is the name followed by "-pw". */
#define ALICE_HASH "$2b$04$1zBdUplhkXVEqsTSAZvy3.fbKoh7lQqF/YuzzUOTn1zJ9QRfQv9W2"
#define SLOW_HASH "$2b$08$YAtrH/PqwyHgw6nQYNWW7.ZTfyt1dJvZq.2TruPPua7RksyIZs7Fu"

/* The cipher policy that follows the versions by default: ECDHE with AEAD
 * ciphers, the server's order. */
#define POLICY                                                                         \
	":-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"      \
	"+CHACHA20-POLY1305:-MAC-ALL:+AEAD"
#define PRECEDENCE ":%SERVER_PRECEDENCE"

static char fixdir[PATH_MAX]; /* absolute path of FIXTURES, no trailing '/' */

/* ---- helpers ----------------------------------------------------------- */


struct result {
	enum err rc;
	struct webconfig *w;
	char *log; /* what webconfig_load wrote to stderr */
};

static void load_path(const char *path, struct result *r)
{
	r->w = (struct webconfig *)r; /* sentinel: untouched on failure */
	struct capture c = { 0 };
	capture_start(&c);
	r->rc = webconfig_load(path, &r->w);
	r->log = capture_end(&c);
	if (r->rc != ERR_OK)
		assert_ptr_equal(r->w, (struct webconfig *)r);
	else
		assert_non_null(r->w);
}

/* Loads content, with every "@" replaced by the absolute fixture
 * directory, from a file under /tmp. */
static void load_text(const char *content, struct result *r)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/doks_unit_web_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	for (const char *p = content; *p; p++) {
		if (*p == '@')
			fputs(fixdir, f);
		else
			fputc(*p, f);
	}
	assert_int_equal(fclose(f), 0);
	load_path(path, r);
	unlink(path);
}

static void done(struct result *r)
{
	if (r->rc == ERR_OK)
		webconfig_free(r->w);
	free(r->log);
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("\"%s\" not in: %s", part, text);
}

/* content must be refused, with every one of the NULL-ended parts in the
 * message (a line, a key, a reason). */
static void expect_error_parts(const char *content, const char *const *parts)
{
	static char log[8192]; /* a copy, so that a failure leaks nothing */
	struct result r;
	load_text(content, &r);
	enum err rc = r.rc;
	snprintf(log, sizeof log, "%s", r.log);
	done(&r);
	if (rc != ERR_CONFIG)
		fail_msg("got %d, want ERR_CONFIG for:\n%s", rc, content);
	for (size_t i = 0; parts[i]; i++)
		if (!strstr(log, parts[i]))
			fail_msg("\"%s\" not in: %s\nfor:\n%s", parts[i], log, content);
	assert_contains(log, "level=error");
	assert_contains(log, "/tmp/doks_unit_web_"); /* the file */
}

#define expect_error(content, ...) \
	expect_error_parts(content, (const char *const[]){ __VA_ARGS__, NULL })

static int setup(void **state)
{
	(void)state;
	char cwd[PATH_MAX - 32];
	if (!getcwd(cwd, sizeof cwd))
		return -1;
	snprintf(fixdir, sizeof fixdir, "%s/" FIXTURES, cwd);
	fixdir[strlen(fixdir) - 1] = '\0'; /* the trailing '/' */
	return 0;
}

/* ---- valid files ------------------------------------------------------- */

static void test_users_file(void **state)
{
	(void)state;
	struct result r;
	load_path(FIXTURES "users.yml", &r);
	if (r.rc != ERR_OK)
		fail_msg("rejected: %s", r.log);
	assert_true(webconfig_requires_auth(r.w));
	assert_false(webconfig_tls_enabled(r.w));
	assert_null(webconfig_tls_cert_pem(r.w));
	assert_null(webconfig_tls_priorities(r.w));
	/* the hashes are never logged */
	assert_null(strstr(r.log, "$2b$"));
	done(&r);
}

static void test_tls_file_relative_paths(void **state)
{
	(void)state;
	struct result r;
	load_path(FIXTURES "tls.yml", &r);
	if (r.rc != ERR_OK)
		fail_msg("rejected: %s", r.log);
	const struct webconfig *w = r.w;
	assert_true(webconfig_tls_enabled(w));
	assert_false(webconfig_requires_auth(w));
	assert_int_equal(webconfig_client_auth(w), WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT);
	assert_string_equal(webconfig_tls_priorities(w),
			    "NORMAL:-VERS-ALL:+VERS-TLS1.3" POLICY PRECEDENCE);
	assert_non_null(strstr(webconfig_tls_cert_pem(w), "-----BEGIN CERTIFICATE-----"));
	size_t key_len = 0;
	const unsigned char *der = webconfig_tls_key_der(w, &key_len);
	assert_non_null(der);
	assert_true(key_len > 32 && der[0] == 0x30); /* a DER SEQUENCE, not PEM text */
	assert_non_null(strstr(webconfig_tls_client_ca_pem(w), "-----BEGIN CERTIFICATE-----"));
	/* the key is never logged */
	assert_null(strstr(r.log, "PRIVATE"));
	done(&r);

	/* the same, read through another relative spelling of the path */
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "./" FIXTURES "../web/tls.yml");
	load_path(path, &r);
	assert_int_equal(r.rc, ERR_OK);
	done(&r);
}

static void test_tls_defaults(void **state)
{
	(void)state;
	struct result r;
	load_text("tls_server_config:\n"
		  "  cert_file: @/server.crt\n"
		  "  key_file: @/server.key\n",
		  &r);
	if (r.rc != ERR_OK)
		fail_msg("rejected: %s", r.log);
	assert_true(webconfig_tls_enabled(r.w));
	assert_int_equal(webconfig_client_auth(r.w), WEBCONFIG_NO_CLIENT_CERT);
	assert_null(webconfig_tls_client_ca_pem(r.w));
	assert_string_equal(webconfig_tls_priorities(r.w),
			    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" POLICY PRECEDENCE);
	done(&r);
}

static void test_tls_versions_and_client_auth(void **state)
{
	(void)state;
	static const struct {
		const char *yaml;
		const char *priorities;
		enum webconfig_client_auth auth;
	} cases[] = {
		{ "  min_version: TLS10\n  max_version: TLS11\n",
		  /* versions without AEAD ciphers get Go's ECDHE CBC suites */
		  "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0" POLICY
		  ":+AES-128-CBC:+AES-256-CBC:+SHA1" PRECEDENCE, WEBCONFIG_NO_CLIENT_CERT },
		{ "  min_version: TLS12\n  max_version: TLS12\n  client_auth_type: NoClientCert\n",
		  "NORMAL:-VERS-ALL:+VERS-TLS1.2" POLICY PRECEDENCE, WEBCONFIG_NO_CLIENT_CERT },
		{ "  max_version: TLS13\n  client_auth_type: RequestClientCert\n",
		  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" POLICY PRECEDENCE,
		  WEBCONFIG_REQUEST_CLIENT_CERT },
		{ "  client_auth_type: RequireAnyClientCert\n", NULL,
		  WEBCONFIG_REQUIRE_ANY_CLIENT_CERT },
		{ "  client_auth_type: RequireClientCert\n", NULL,
		  WEBCONFIG_REQUIRE_ANY_CLIENT_CERT },
		{ "  client_auth_type: RequestClientCert\n  client_ca_file: @/ca.crt\n", NULL,
		  WEBCONFIG_REQUEST_CLIENT_CERT },
		{ "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: @/ca.crt\n", NULL,
		  WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN },
		{ "  client_auth_type: \"RequireAndVerifyClientCert\"\n  client_ca_file: '@/ca.crt'\n",
		  NULL, WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT },
		{ "  min_version: ~\n  client_auth_type: null\n",
		  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" POLICY PRECEDENCE,
		  WEBCONFIG_NO_CLIENT_CERT },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/server.key\n%s",
			 cases[i].yaml);
		struct result r;
		load_text(yaml, &r);
		if (r.rc != ERR_OK) {
			char *log = r.log;
			r.log = NULL;
			done(&r);
			fail_msg("case %zu rejected: %s", i, log);
		}
		if (cases[i].priorities)
			assert_string_equal(webconfig_tls_priorities(r.w), cases[i].priorities);
		assert_int_equal(webconfig_client_auth(r.w), cases[i].auth);
		done(&r);
	}
}

static void test_empty_and_null_blocks(void **state)
{
	(void)state;
	static const char *const files[] = {
		"",
		"# only a comment\n",
		"---\n",
		"tls_server_config:\nbasic_auth_users: ~\n",
		"basic_auth_users: {}\n",
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		struct result r;
		load_text(files[i], &r);
		assert_int_equal(r.rc, ERR_OK);
		assert_false(webconfig_tls_enabled(r.w));
		assert_false(webconfig_requires_auth(r.w));
		assert_false(webconfig_check_basic_auth(r.w, "alice", "alice-pw"));
		/* nothing asked for: said out loud */
		assert_contains(r.log, "level=warn");
		done(&r);
	}
}

static void test_tls_and_users_together(void **state)
{
	(void)state;
	struct result r;
	load_text("tls_server_config:\n"
		  "  cert_file: @/server.crt\n"
		  "  key_file: @/server.key\n"
		  "basic_auth_users:\n"
		  "  alice: " ALICE_HASH "\n",
		  &r);
	if (r.rc != ERR_OK)
		fail_msg("rejected: %s", r.log);
	assert_true(webconfig_tls_enabled(r.w));
	assert_true(webconfig_requires_auth(r.w));
	assert_true(webconfig_check_basic_auth(r.w, "alice", "alice-pw"));
	assert_string_equal(r.log, "");
	done(&r);
}

/* ---- errors, each with its line ---------------------------------------- */

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_error("# comment\n"
		     "basic_auth_users: {}\n"
		     "tls_config:\n"
		     "  cert_file: x\n",
		     "line=3", "key=tls_config", "unknown key");
	expect_error("tls_server_config:\n"
		     "  cert_file: @/server.crt\n"
		     "  key_file: @/server.key\n"
		     "  min_versoin: TLS13\n",
		     "line=4", "key=tls_server_config.min_versoin", "unknown key");
	expect_error("<<: {a: 1}\n", "line=1", "unknown key");
}

static void test_unsupported_keys(void **state)
{
	(void)state;
	static const char *const tls_keys[] = {
		"client_allowed_sans: [a.example]",
		"cert: inline",
		"key: inline",
		"client_ca: inline",
	};
	for (size_t i = 0; i < sizeof tls_keys / sizeof tls_keys[0]; i++) {
		char yaml[512], key[128];
		snprintf(yaml, sizeof yaml,
			 "tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/server.key\n\n  %s\n",
			 tls_keys[i]);
		snprintf(key, sizeof key, "key=tls_server_config.%.*s",
			 (int)strcspn(tls_keys[i], ":"), tls_keys[i]);
		expect_error(yaml, "line=5", key, "not supported");
	}
	expect_error("basic_auth_users: {}\nhttp_server_config:\n  http2: false\n", "line=2",
		     "key=http_server_config", "not supported");
	expect_error("rate_limit:\n  interval: 1s\n", "line=1", "key=rate_limit", "not supported");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("tls_server_config: yes\n", "line=1", "key=tls_server_config",
		     "must be a mapping");
	expect_error("basic_auth_users:\n  - alice\n", "line=2", "key=basic_auth_users");
	expect_error("tls_server_config:\n  cert_file: [a, b]\n  key_file: @/server.key\n",
		     "line=2", "key=tls_server_config.cert_file", "must be a string");
	expect_error("tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/server.key\n"
		     "  client_auth_type: {a: b}\n",
		     "line=4", "key=tls_server_config.client_auth_type");
	expect_error("- tls_server_config\n", "line=1", "YAML mapping");
	expect_error("just a string\n", "line=1", "YAML mapping");
	expect_error("? [a, b]\n: c\n", "line=1", "plain string");
}

static void test_unknown_enum_values(void **state)
{
	(void)state;
	static const char base[] =
		"tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/server.key\n";
	char yaml[512];
	snprintf(yaml, sizeof yaml, "%s  client_auth_type: RequireCert\n", base);
	expect_error(yaml, "line=4", "key=tls_server_config.client_auth_type",
		     "unknown client_auth_type");
	snprintf(yaml, sizeof yaml, "%s  min_version: TLS14\n", base);
	expect_error(yaml, "line=4", "key=tls_server_config.min_version", "unknown TLS version");
	snprintf(yaml, sizeof yaml, "%s  max_version: 1.2\n", base);
	expect_error(yaml, "line=4", "key=tls_server_config.max_version", "unknown TLS version");
	snprintf(yaml, sizeof yaml, "%s  min_version: tls12\n", base);
	expect_error(yaml, "line=4", "unknown TLS version");
	snprintf(yaml, sizeof yaml, "%s  min_version: TLS13\n  max_version: TLS12\n", base);
	expect_error(yaml, "line=5", "key=tls_server_config.max_version", "lower than min_version");
}

static void test_required_and_inconsistent(void **state)
{
	(void)state;
	expect_error("\ntls_server_config:\n  key_file: @/server.key\n", "line=2",
		     "key=tls_server_config.cert_file", "required");
	expect_error("tls_server_config:\n  cert_file: @/server.crt\n  key_file:\n", "line=3",
		     "key=tls_server_config.key_file", "required");
	expect_error("tls_server_config: {}\n", "line=1", "key=tls_server_config.cert_file");
	expect_error("tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/server.key\n"
		     "  client_auth_type: RequireAndVerifyClientCert\n",
		     "line=1", "key=tls_server_config.client_ca_file", "required");
	expect_error("tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/server.key\n"
		     "  client_auth_type: VerifyClientCertIfGiven\n",
		     "key=tls_server_config.client_ca_file", "required");
	expect_error("tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/server.key\n"
		     "  client_ca_file: @/ca.crt\n",
		     "line=4", "key=tls_server_config.client_ca_file", "client_auth_type");
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_error("tls_server_config:\n  cert_file: missing.crt\n  key_file: @/server.key\n",
		     "line=2", "key=tls_server_config.cert_file", "cannot read /tmp/missing.crt");
	expect_error("tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/nope.key\n",
		     "line=3", "key=tls_server_config.key_file", "cannot read");
	expect_error("tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/server.key\n"
		     "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: @/no-ca.crt\n",
		     "line=5", "key=tls_server_config.client_ca_file", "cannot read");
	expect_error("tls_server_config:\n  cert_file: @\n  key_file: @/server.key\n", "line=2",
		     "key=tls_server_config.cert_file", "cannot read");
	/* readable, but not what they should be */
	expect_error("tls_server_config:\n  cert_file: @/users.yml\n  key_file: @/server.key\n",
		     "line=2", "key=tls_server_config.cert_file", "no usable PEM certificate");
	expect_error("tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/other.key\n",
		     "line=3", "key=tls_server_config.key_file", "does not match");
	expect_error("tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/server.crt\n",
		     "line=3", "key=tls_server_config.key_file", "no usable PEM private key");
	expect_error("tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/server.key\n"
		     "  client_auth_type: RequestClientCert\n  client_ca_file: @/server.key\n",
		     "line=5", "key=tls_server_config.client_ca_file", "no usable PEM certificate");
}

static void test_missing_web_config_file(void **state)
{
	(void)state;
	struct result r;
	load_path("/nonexistent/web.yml", &r);
	assert_int_equal(r.rc, ERR_CONFIG);
	assert_contains(r.log, "/nonexistent/web.yml");
	assert_contains(r.log, "cannot read");
	done(&r);
}

static void test_yaml_syntax(void **state)
{
	(void)state;
	expect_error("basic_auth_users:\n  alice: x\n bob: y\n", "line=3", "syntax error");
	expect_error("tls_server_config:\n  cert_file: \"unterminated\n", "syntax error");
	expect_error("a: *nowhere\n", "line=1");
	expect_error("basic_auth_users: {}\n---\nbasic_auth_users: {}\n", "line=3",
		     "more than one YAML document");
	expect_error("basic_auth_users: {}\nbasic_auth_users: {}\n", "line=2", "duplicate key");
	expect_error("basic_auth_users:\n  alice: " ALICE_HASH "\n  alice: " ALICE_HASH "\n",
		     "line=3", "key=basic_auth_users.alice", "duplicate key");
}

static void test_non_bcrypt_hashes_refused(void **state)
{
	(void)state;
	static const char *const hashes[] = {
		/* sha512-crypt, md5-crypt, plain text, empty */
		"$6$aPXvItNy8o5u7wsn$VgdfrtllUzfr9OEBDA5HYL9hRK9vS1npfyxUzsA0VL8djg2iCZfxPJyBbyWP/u7SlBzU5SaNu7rtQ1RMr.wQK1",
		"$1$abcdefgh$0123456789abcdefghijkl",
		"alice-pw",
		"\"\"",
		"~",
		/* bcrypt look-alikes: unknown prefix, cost out of range, short, bad character */
		"$2x$04$1zBdUplhkXVEqsTSAZvy3.fbKoh7lQqF/YuzzUOTn1zJ9QRfQv9W2",
		"$2b$03$1zBdUplhkXVEqsTSAZvy3.fbKoh7lQqF/YuzzUOTn1zJ9QRfQv9W2",
		"$2b$32$1zBdUplhkXVEqsTSAZvy3.fbKoh7lQqF/YuzzUOTn1zJ9QRfQv9W2",
		"$2b$04$1zBdUplhkXVEqsTSAZvy3.fbKoh7lQqF/YuzzUOTn1zJ9QRfQv9W",
		"$2b$04$1zBdUplhkXVEqsTSAZvy3.fbKoh7lQqF/YuzzUOTn1zJ9QRfQv9W+",
		"[a]",
	};
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		char yaml[512];
		snprintf(yaml, sizeof yaml,
			 "basic_auth_users:\n  alice: " ALICE_HASH "\n  dave: %s\n", hashes[i]);
		expect_error(yaml, "line=3", "key=basic_auth_users.dave", "bcrypt");
	}
	expect_error("basic_auth_users:\n  \"a:b\": " ALICE_HASH "\n", "line=2", "':'");
	expect_error("basic_auth_users:\n  \"\": " ALICE_HASH "\n", "line=2", "non-empty");
}

/* ---- basic authentication ---------------------------------------------- */

static struct webconfig *load_users(void)
{
	struct result r;
	load_path(FIXTURES "users.yml", &r);
	assert_int_equal(r.rc, ERR_OK);
	free(r.log);
	return r.w;
}

static void test_check_basic_auth(void **state)
{
	(void)state;
	struct webconfig *w = load_users();
	assert_true(webconfig_check_basic_auth(w, "alice", "alice-pw"));
	assert_true(webconfig_check_basic_auth(w, "bob", "bob-pw"));     /* $2y$ */
	assert_true(webconfig_check_basic_auth(w, "carol", "carol-pw")); /* $2a$ */
	assert_false(webconfig_check_basic_auth(w, "alice", "alice-pw "));
	assert_false(webconfig_check_basic_auth(w, "alice", "Alice-pw"));
	assert_false(webconfig_check_basic_auth(w, "alice", ""));
	assert_false(webconfig_check_basic_auth(w, "alice", "bob-pw"));
	assert_false(webconfig_check_basic_auth(w, "Alice", "alice-pw"));
	assert_false(webconfig_check_basic_auth(w, "mallory", "alice-pw"));
	assert_false(webconfig_check_basic_auth(w, "", ""));
	assert_false(webconfig_check_basic_auth(w, NULL, "alice-pw"));
	assert_false(webconfig_check_basic_auth(w, "alice", NULL));
	assert_false(webconfig_check_basic_auth(NULL, "alice", "alice-pw"));
	webconfig_free(w);
}

static void test_cache(void **state)
{
	(void)state;
	struct webconfig *w = load_users();
	struct webconfig_auth_stats st;
	assert_true(webconfig_check_basic_auth(w, "alice", "alice-pw"));
	webconfig_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 1);
	assert_int_equal(st.cache_hits, 0);
	assert_int_equal(st.cached, 1);
	/* the next scrapes cost no bcrypt */
	for (int i = 0; i < 5; i++)
		assert_true(webconfig_check_basic_auth(w, "alice", "alice-pw"));
	webconfig_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 1);
	assert_int_equal(st.cache_hits, 5);
	/* a wrong password is never answered from the cache, nor cached */
	assert_false(webconfig_check_basic_auth(w, "alice", "alice-pW"));
	assert_false(webconfig_check_basic_auth(w, "alice", "alice-pW"));
	assert_false(webconfig_check_basic_auth(w, "bob", "alice-pw"));
	webconfig_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 4);
	assert_int_equal(st.cached, 1);
	/* unknown users run bcrypt too (against the dummy hash) */
	assert_false(webconfig_check_basic_auth(w, "mallory", "x"));
	webconfig_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 5);
	/* each user has an entry of its own */
	assert_true(webconfig_check_basic_auth(w, "bob", "bob-pw"));
	assert_true(webconfig_check_basic_auth(w, "bob", "bob-pw"));
	webconfig_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 6);
	assert_int_equal(st.cached, 2);
	webconfig_free(w);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The dummy hash has the highest cost among the users: an unknown user
 * takes about as long as a known one with a wrong password, far longer
 * than a string comparison would. */
static void test_unknown_user_costs_a_bcrypt(void **state)
{
	(void)state;
	struct result r;
	load_text("basic_auth_users:\n  slow: " SLOW_HASH "\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	double best_known = 1e9, best_unknown = 1e9;
	for (int i = 0; i < 3; i++) {
		double t0 = now();
		assert_false(webconfig_check_basic_auth(r.w, "slow", "wrong"));
		double t1 = now();
		assert_false(webconfig_check_basic_auth(r.w, "nobody", "wrong"));
		double t2 = now();
		if (t1 - t0 < best_known)
			best_known = t1 - t0;
		if (t2 - t1 < best_unknown)
			best_unknown = t2 - t1;
	}
	if (best_unknown < best_known / 2 || best_unknown > best_known * 2)
		fail_msg("unknown user %.4f s, known user %.4f s", best_unknown, best_known);
	done(&r);
}


/* ---- cipher suites, curves, precedence --------------------------------- */

static void expect_priorities(const char *tls_lines, const char *want)
{
	char yaml[1024];
	snprintf(yaml, sizeof yaml,
		 "tls_server_config:\n  cert_file: @/server.crt\n  key_file: @/server.key\n%s",
		 tls_lines);
	struct result r;
	load_text(yaml, &r);
	if (r.rc != ERR_OK) {
		char *log = r.log;
		r.log = NULL;
		done(&r);
		fail_msg("rejected: %s\nfor:\n%s", log, tls_lines);
	}
	assert_string_equal(webconfig_tls_priorities(r.w), want);
	done(&r);
}

static void test_cipher_policy(void **state)
{
	(void)state;
	/* exactly the suites listed; TLS 1.3 names are accepted and ignored, as by Go */
	expect_priorities("  max_version: TLS12\n"
			  "  cipher_suites:\n"
			  "    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n"
			  "    - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\n"
			  "    - TLS_AES_128_GCM_SHA256\n",
			  "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:-CIPHER-ALL:-MAC-ALL:+ECDHE-RSA:"
			  "+AES-256-GCM:+AEAD:+ECDHE-ECDSA" PRECEDENCE);
	/* static RSA when asked for by name, as exporter-toolkit allows */
	expect_priorities("  max_version: TLS12\n"
			  "  cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA]\n",
			  "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:-CIPHER-ALL:-MAC-ALL:+RSA:"
			  "+AES-128-CBC:+SHA1" PRECEDENCE);
	/* with TLS 1.3 on, its ciphers come too */
	expect_priorities("  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n",
			  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:-CIPHER-ALL:"
			  "-MAC-ALL:+ECDHE-RSA:+AES-128-GCM:+AEAD:+ECDHE-ECDSA:+AES-256-GCM:"
			  "+CHACHA20-POLY1305" PRECEDENCE);
	/* an empty list is the default */
	expect_priorities("  cipher_suites: []\n",
			  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" POLICY PRECEDENCE);
	/* curves in the order given; the client's order when asked */
	expect_priorities("  curve_preferences: [CurveP384, X25519, CurveP384]\n"
			  "  prefer_server_cipher_suites: false\n",
			  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" POLICY
			  ":-GROUP-ALL:+GROUP-SECP384R1:+GROUP-X25519");
	expect_priorities("  curve_preferences: [CurveP256, CurveP521]\n"
			  "  prefer_server_cipher_suites: true\n",
			  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" POLICY
			  ":-GROUP-ALL:+GROUP-SECP256R1:+GROUP-SECP521R1" PRECEDENCE);

	static const char head[] = "tls_server_config:\n  cert_file: @/server.crt\n"
				   "  key_file: @/server.key\n";
	char yaml[1024];
	snprintf(yaml, sizeof yaml, "%s  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA255]\n",
		 head);
	expect_error(yaml, "line=4", "key=tls_server_config.cipher_suites", "unknown",
		     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA255");
	snprintf(yaml, sizeof yaml, "%s  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n", head);
	expect_error(yaml, "line=4", "RC4");
	snprintf(yaml, sizeof yaml, "%s  cipher_suites: TLS_RSA_WITH_AES_128_CBC_SHA\n", head);
	expect_error(yaml, "line=4", "must be a list");
	/* a list GnuTLS cannot give exactly: the combination is named */
	snprintf(yaml, sizeof yaml,
		 "%s  max_version: TLS12\n  cipher_suites:\n"
		 "    - TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n"
		 "    - TLS_RSA_WITH_AES_256_GCM_SHA384\n",
		 head);
	expect_error(yaml, "line=5", "key=tls_server_config.cipher_suites", "would also allow");
	/* nor does TLS 1.3 let a static RSA combination through */
	snprintf(yaml, sizeof yaml, "%s  cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA]\n", head);
	expect_error(yaml, "line=4", "would also allow", "RSA_AES_");
	snprintf(yaml, sizeof yaml, "%s  curve_preferences: [P256]\n", head);
	expect_error(yaml, "line=4", "key=tls_server_config.curve_preferences", "unknown curve");
	snprintf(yaml, sizeof yaml, "%s  prefer_server_cipher_suites: maybe\n", head);
	expect_error(yaml, "line=4", "key=tls_server_config.prefer_server_cipher_suites",
		     "true or false");
}

/* ---- bcrypt costs and lengths ------------------------------------------ */

/* A syntactically valid bcrypt hash of the given cost: loading never runs
 * bcrypt, so the cost costs nothing here. */
static void forged_hash(char *out, size_t size, int cost)
{
	snprintf(out, size, "$2b$%02d$1zBdUplhkXVEqsTSAZvy3.fbKoh7lQqF/YuzzUOTn1zJ9QRfQv9W2", cost);
}

static void test_bcrypt_cost_limits(void **state)
{
	(void)state;
	char hash[64], yaml[512];
	forged_hash(hash, sizeof hash, 17);
	snprintf(yaml, sizeof yaml, "basic_auth_users:\n  alice: " ALICE_HASH "\n  zed: %s\n", hash);
	expect_error(yaml, "line=3", "key=basic_auth_users.zed", "cost 17 is above 16");
	forged_hash(hash, sizeof hash, 31);
	snprintf(yaml, sizeof yaml, "basic_auth_users:\n  zed: %s\n", hash);
	expect_error(yaml, "line=2", "cost 31");
	/* 13 to 16: accepted with a warning naming the user */
	forged_hash(hash, sizeof hash, 16);
	snprintf(yaml, sizeof yaml, "basic_auth_users:\n  zed: %s\n", hash);
	struct result r;
	load_text(yaml, &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_contains(r.log, "level=warn");
	assert_contains(r.log, "user=zed");
	assert_contains(r.log, "cost=16");
	done(&r);
	load_text("basic_auth_users:\n  alice: " ALICE_HASH "\n", &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_null(strstr(r.log, "level=warn"));
	done(&r);
}

/* The dummy hash has the cost most users have, not the highest: an
 * unknown user takes as long as a known one with a wrong password. With
 * the highest (12 here, 256 times the work of 04), the review measured
 * 1.3 ms against 215 ms. */
static void test_unknown_user_takes_as_long_as_a_known_one(void **state)
{
	(void)state;
	char hash[64], yaml[512];
	forged_hash(hash, sizeof hash, 12);
	snprintf(yaml, sizeof yaml,
		 "basic_auth_users:\n  alice: " ALICE_HASH "\n  carol: " ALICE_HASH
		 "\n  slow: %s\n",
		 hash);
	struct result r;
	load_text(yaml, &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_contains(r.log, "different costs"); /* the mix itself is warned about */
	double best_known = 1e9, best_unknown = 1e9;
	for (int i = 0; i < 5; i++) {
		double t0 = now();
		assert_false(webconfig_check_basic_auth(r.w, "alice", "wrong"));
		double t1 = now();
		assert_false(webconfig_check_basic_auth(r.w, "nobody", "wrong"));
		double t2 = now();
		if (t1 - t0 < best_known)
			best_known = t1 - t0;
		if (t2 - t1 < best_unknown)
			best_unknown = t2 - t1;
	}
	/* best of 5, so a loaded machine does not decide; cost 12 would take
	 * some 50 times longer than this bound */
	if (best_unknown > best_known * 3 + 0.002 || best_known > best_unknown * 3 + 0.002)
		fail_msg("unknown user %.4f s, known user %.4f s", best_unknown, best_known);
	done(&r);
}

/* bcrypt ignores what follows byte 72: such a password is refused
 * without a bcrypt, instead of passing on its first 72 bytes. */
static void test_password_over_72_bytes(void **state)
{
	(void)state;
	char pw72[73], pw73[74], pw80[81];
	memset(pw72, 'A', 72);
	pw72[72] = '\0';
	memcpy(pw73, pw72, 72);
	pw73[72] = 'B';
	pw73[73] = '\0';
	memset(pw80, 'A', 80);
	pw80[80] = '\0';
	/* the hash of 'A' x 72, cost 04 */
	static const char yaml[] =
		"basic_auth_users:\n  long: $2b$04$ZN8VYVF8VbZxnWrbCImxDu.2bdlIsyKHQpi.RLAAn2CJRYsKLo8vC\n";
	struct result r;
	load_text(yaml, &r);
	assert_int_equal(r.rc, ERR_OK);
	assert_true(webconfig_check_basic_auth(r.w, "long", pw72));
	struct webconfig_auth_stats before, after;
	webconfig_auth_stats(r.w, &before);
	assert_false(webconfig_check_basic_auth(r.w, "long", pw73));
	assert_false(webconfig_check_basic_auth(r.w, "long", pw80));
	assert_false(webconfig_check_cached(r.w, "long", pw73));
	webconfig_auth_stats(r.w, &after);
	assert_int_equal(after.bcrypt_runs, before.bcrypt_runs);
	done(&r);
}

/* The cache alone: a login seen before, never a bcrypt. */
static void test_check_cached(void **state)
{
	(void)state;
	struct webconfig *w = load_users();
	assert_false(webconfig_check_cached(w, "alice", "alice-pw"));
	assert_true(webconfig_check_basic_auth(w, "alice", "alice-pw"));
	struct webconfig_auth_stats st;
	webconfig_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 1);
	assert_true(webconfig_check_cached(w, "alice", "alice-pw"));
	assert_false(webconfig_check_cached(w, "alice", "alice-pW"));
	assert_false(webconfig_check_cached(w, "bob", "alice-pw"));
	assert_false(webconfig_check_cached(w, "mallory", "alice-pw"));
	assert_false(webconfig_check_cached(w, NULL, "alice-pw"));
	assert_false(webconfig_check_cached(NULL, "alice", "alice-pw"));
	webconfig_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 1);
	webconfig_free(w);
}

static void test_forget_key(void **state)
{
	(void)state;
	struct result r;
	load_path(FIXTURES "tls.yml", &r);
	assert_int_equal(r.rc, ERR_OK);
	size_t len;
	assert_non_null(webconfig_tls_key_der(r.w, &len));
	webconfig_tls_forget_key(r.w);
	assert_null(webconfig_tls_key_der(r.w, &len));
	assert_int_equal(len, 0);
	assert_non_null(webconfig_tls_cert_pem(r.w));
	webconfig_tls_forget_key(r.w); /* twice is harmless */
	webconfig_tls_forget_key(NULL);
	done(&r);
}

/* ---- the Authorization header ------------------------------------------ */

static void expect_header(const char *header, const char *user, const char *pass)
{
	char buf[256];
	const char *u = NULL;
	const char *p = NULL;
	bool ok = webconfig_parse_basic_auth(header, buf, sizeof buf, &u, &p);
	if (!user) {
		if (ok)
			fail_msg("accepted: '%s'", header ? header : "(null)");
		return;
	}
	if (!ok)
		fail_msg("refused: '%s'", header);
	assert_string_equal(u, user);
	assert_string_equal(p, pass);
}

static void test_parse_basic_auth(void **state)
{
	(void)state;
	expect_header("Basic YWxpY2U6YWxpY2UtcHc=", "alice", "alice-pw");
	expect_header("basic YWxpY2U6YWxpY2UtcHc=", "alice", "alice-pw");
	expect_header("BASIC   YWxpY2U6YWxpY2UtcHc=  ", "alice", "alice-pw");
	expect_header("Basic YTpiOmM=", "a", "b:c");      /* a:b:c */
	expect_header("Basic YWxpY2U6", "alice", "");     /* alice: */
	expect_header("Basic OnB3", "", "pw");            /* :pw */
	expect_header("Basic w6k6w6k=", "\xc3\xa9", "\xc3\xa9"); /* é:é */
	expect_header("Basic YWxpY2U=", NULL, NULL);      /* no ':' */
	expect_header("Basic YWxpY2U6YWxpY2UtcHc", NULL, NULL); /* no padding */
	expect_header("Basic YWxpY2U6YWxpY2UtcH=c", NULL, NULL);
	expect_header("Basic YW=xpY2U6", NULL, NULL);
	expect_header("Basic ====", NULL, NULL);
	expect_header("Basic YQBiOmM=", NULL, NULL);      /* a NUL byte */
	expect_header("Basic YWxp!2U6YWxpY2UtcHc=", NULL, NULL);
	expect_header("Basic", NULL, NULL);
	expect_header("Basic ", NULL, NULL);
	expect_header("BasicYWxpY2U6YWxpY2UtcHc=", NULL, NULL);
	expect_header("Bearer YWxpY2U6YWxpY2UtcHc=", NULL, NULL);
	expect_header("Digest username=\"alice\"", NULL, NULL);
	expect_header("", NULL, NULL);
	expect_header(NULL, NULL, NULL);
	/* longer than the buffer: refused, not cut */
	char big[1024];
	snprintf(big, sizeof big, "Basic ");
	for (size_t i = strlen(big); i + 4 < sizeof big; i += 4)
		memcpy(big + i, "YWFh", 5); /* "aaa" */
	char buf[64];
	const char *u, *p;
	assert_false(webconfig_parse_basic_auth(big, buf, sizeof buf, &u, &p));
}

static void test_free_and_accessors_accept_null(void **state)
{
	(void)state;
	webconfig_free(NULL);
	assert_false(webconfig_tls_enabled(NULL));
	assert_false(webconfig_requires_auth(NULL));
	size_t len = 1;
	assert_null(webconfig_tls_key_der(NULL, &len));
	assert_int_equal(len, 0);
	assert_int_equal(webconfig_client_auth(NULL), WEBCONFIG_NO_CLIENT_CERT);
	struct webconfig_auth_stats st;
	webconfig_auth_stats(NULL, &st);
	assert_int_equal(st.bcrypt_runs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users_file),
		cmocka_unit_test(test_tls_file_relative_paths),
		cmocka_unit_test(test_tls_defaults),
		cmocka_unit_test(test_tls_versions_and_client_auth),
		cmocka_unit_test(test_empty_and_null_blocks),
		cmocka_unit_test(test_tls_and_users_together),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_unsupported_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_unknown_enum_values),
		cmocka_unit_test(test_required_and_inconsistent),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_web_config_file),
		cmocka_unit_test(test_yaml_syntax),
		cmocka_unit_test(test_non_bcrypt_hashes_refused),
		cmocka_unit_test(test_check_basic_auth),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_unknown_user_costs_a_bcrypt),
		cmocka_unit_test(test_cipher_policy),
		cmocka_unit_test(test_bcrypt_cost_limits),
		cmocka_unit_test(test_unknown_user_takes_as_long_as_a_known_one),
		cmocka_unit_test(test_password_over_72_bytes),
		cmocka_unit_test(test_check_cached),
		cmocka_unit_test(test_forget_key),
		cmocka_unit_test(test_parse_basic_auth),
		cmocka_unit_test(test_free_and_accessors_accept_null),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
