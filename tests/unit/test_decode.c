/* test_decode.c - decode.h: API bodies into the model.
 *
 * Fixtures are read from tests/fixtures/api/ (the binary runs from the
 * repository root). Bodies handed to the decoders are copied into buffers
 * of exactly their length, with no NUL after them, so that a decoder that
 * reads past len shows up under ASan and valgrind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#define FIXTURES "tests/fixtures/api/"

/* The whole file, in a buffer of exactly its size (no NUL after it). */
static char *read_fixture(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof path, FIXTURES "%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	char *buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A copy of s without its NUL. */
static char *exact(const char *s, size_t *len)
{
	*len = strlen(s);
	char *buf = malloc(*len ? *len : 1);
	assert_non_null(buf);
	memcpy(buf, s, *len);
	return buf;
}

/* ---- cluster lists ---------------------------------------------------- */

static enum err list_of(const char *json, struct cluster **list, size_t *n, char **next)
{
	size_t len;
	char *body = exact(json, &len);
	enum err rc = decode_cluster_list(body, len, list, n, next);
	free(body);
	return rc;
}

static void test_list_godo_fixture(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("clusters-list.json", &len);
	struct cluster *list = NULL;
	size_t n = 99;
	char *next = NULL;
	assert_int_equal(decode_cluster_list(body, len, &list, &n, &next), ERR_OK);
	free(body);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].id, "8d91899c-0739-4a1a-acc5-deadbeefbb8f");
	assert_string_equal(list[0].name, "blablabla");
	assert_string_equal(list[0].region, "nyc1");
	assert_string_equal(list[0].version, "1.10.0-gen0");
	assert_int_equal(list[0].state, CLUSTER_STATE_RUNNING);
	assert_int_equal(list[0].node_pools, 1);
	assert_int_equal(list[0].nodes, 2);
	/* no auto_upgrade, surge_upgrade or ha in godo's fixture */
	assert_false(list[0].auto_upgrade);
	assert_false(list[0].surge_upgrade);
	assert_false(list[0].ha);
	assert_string_equal(list[1].id, "deadbeef-dead-4aa5-beef-deadbeef347d");
	assert_string_equal(list[1].name, "antoine");
	assert_int_equal(list[1].node_pools, 1);
	assert_int_equal(list[1].nodes, 5);
	assert_non_null(next);
	assert_string_equal(next, "https://api.digitalocean.com/v2/kubernetes/clusters?page=2");
	free(next);
	cluster_array_free(list, n);
}

static void test_list_spec_fixture_has_no_next(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("clusters-list-spec.json", &len);
	struct cluster *list = NULL;
	size_t n = 0;
	char *next = (char *)"sentinel";
	assert_int_equal(decode_cluster_list(body, len, &list, &n, &next), ERR_OK);
	free(body);
	assert_int_equal(n, 1);
	assert_null(next);
	assert_string_equal(list[0].id, "bd5f5959-5e1e-4205-a714-a914373942af");
	assert_string_equal(list[0].name, "prod-cluster-01");
	assert_string_equal(list[0].version, "1.18.6-do.0");
	assert_int_equal(list[0].state, CLUSTER_STATE_PROVISIONING);
	assert_int_equal(list[0].node_pools, 2);
	assert_int_equal(list[0].nodes, 5);
	cluster_array_free(list, n);
}

static void test_list_tags_null_and_states(void **state)
{
	(void)state;
	struct cluster *list = NULL;
	size_t n = 0;
	char *next = NULL;
	const char *json =
		"{\"kubernetes_clusters\":["
		"{\"id\":\"a1\",\"name\":\"one\",\"region\":\"fra1\",\"version\":\"1.29.1-do.0\","
		" \"tags\":null,\"status\":{\"state\":\"\"},\"node_pools\":[]},"
		"{\"id\":\"a2\",\"name\":\"two\",\"region\":\"fra1\",\"version\":\"1.29.1-do.0\","
		" \"tags\":null,\"status\":{\"state\":\"foo\"},\"node_pools\":[]},"
		"{\"id\":\"a3\",\"name\":\"three\",\"region\":\"fra1\",\"version\":\"1.29.1-do.0\","
		" \"status\":{\"state\":\"deleting\"},\"node_pools\":["
		"  {\"count\":3,\"tags\":null,\"labels\":null},{\"count\":0},{\"count\":4}]},"
		"{\"id\":\"a4\",\"name\":\"four\",\"region\":\"fra1\",\"version\":\"1.29.1-do.0\","
		" \"status\":{\"state\":\"degraded\"},\"auto_upgrade\":true,\"surge_upgrade\":true,"
		" \"ha\":true,\"node_pools\":[]},"
		"{\"id\":\"a5\",\"name\":\"five\",\"region\":\"fra1\",\"version\":\"1.29.1-do.0\","
		" \"node_pools\":[]}"
		"],\"meta\":{\"total\":5}}";
	assert_int_equal(list_of(json, &list, &n, &next), ERR_OK);
	assert_int_equal(n, 5);
	assert_null(next);
	assert_int_equal(list[0].state, CLUSTER_STATE_UNKNOWN);
	assert_int_equal(list[1].state, CLUSTER_STATE_UNKNOWN);
	assert_int_equal(list[2].state, CLUSTER_STATE_DELETING);
	assert_int_equal(list[2].node_pools, 3);
	assert_int_equal(list[2].nodes, 7);
	assert_int_equal(list[3].state, CLUSTER_STATE_DEGRADED);
	assert_true(list[3].auto_upgrade);
	assert_true(list[3].surge_upgrade);
	assert_true(list[3].ha);
	assert_int_equal(list[4].state, CLUSTER_STATE_UNKNOWN); /* no status at all */
	assert_int_equal(list[4].node_pools, 0);
	cluster_array_free(list, n);
}

static void test_list_null_and_empty(void **state)
{
	(void)state;
	struct cluster *list = NULL;
	size_t n = 7;
	char *next = NULL;
	assert_int_equal(list_of("{\"kubernetes_clusters\":null,\"meta\":{\"total\":0}}", &list,
				 &n, &next),
			 ERR_OK);
	assert_int_equal(n, 0);
	assert_null(next);
	free(list);

	n = 7;
	list = NULL;
	assert_int_equal(list_of("{\"kubernetes_clusters\":[],\"meta\":{\"total\":0}}", &list, &n,
				 &next),
			 ERR_OK);
	assert_int_equal(n, 0);
	assert_null(next);
	free(list);

	n = 7;
	list = NULL;
	assert_int_equal(list_of("{\"kubernetes_clusters\":[],\"links\":{},\"meta\":{\"total\":0}}",
				 &list, &n, &next),
			 ERR_OK);
	assert_int_equal(n, 0);
	assert_null(next);
	free(list);
}

static void test_list_wrong_shapes(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"[]",
		"{\"kubernetes_clusters\":{}}",
		"{\"kubernetes_clusters\":\"x\"}",
		"{\"kubernetes_clusters\":[1]}",
		"{\"kubernetes_clusters\":[],\"links\":[]}",
		"{\"kubernetes_clusters\":[],\"links\":{\"pages\":3}}",
		"{\"kubernetes_clusters\":[],\"links\":{\"pages\":{\"next\":5}}}",
		"{\"kubernetes_clusters\":[],\"links\":{\"pages\":{\"next\":\"\"}}}",
		/* one bad cluster spoils the page */
		("{\"kubernetes_clusters\":[{\"id\":\"a1\",\"name\":\"n\",\"region\":\"r\","
		 "\"version\":\"v\",\"node_pools\":[]},{\"id\":\"a2\"}]}"),
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct cluster *list = (struct cluster *)&bad; /* sentinels: must stay */
		size_t n = 42;
		char *next = (char *)"keep";
		enum err rc = list_of(bad[i], &list, &n, &next);
		if (rc != ERR_SCHEMA)
			fail_msg("case %zu: %s -> %d, want ERR_SCHEMA", i, bad[i], rc);
		assert_ptr_equal(list, (struct cluster *)&bad);
		assert_int_equal(n, 42);
		assert_string_equal(next, "keep");
	}
}

static void test_list_not_json(void **state)
{
	(void)state;
	struct cluster *list = NULL;
	size_t n = 0;
	char *next = NULL;
	assert_int_equal(list_of("not json", &list, &n, &next), ERR_PARSE);
	assert_int_equal(list_of("{\"kubernetes_clusters\":[", &list, &n, &next), ERR_PARSE);
	assert_int_equal(decode_cluster_list("", 0, &list, &n, &next), ERR_PARSE);
	assert_int_equal(decode_cluster_list(NULL, 0, &list, &n, &next), ERR_PARSE);
}

/* ---- one cluster ------------------------------------------------------- */

static void test_cluster_spec_fixture(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("cluster.json", &len);
	struct cluster c = { 0 };
	assert_int_equal(decode_cluster(body, len, &c), ERR_OK);
	free(body);
	assert_string_equal(c.id, "bd5f5959-5e1e-4205-a714-a914373942af");
	assert_string_equal(c.name, "prod-cluster-01");
	assert_string_equal(c.region, "nyc1");
	assert_string_equal(c.version, "1.18.6-do.0");
	assert_int_equal(c.state, CLUSTER_STATE_RUNNING);
	assert_false(c.auto_upgrade);
	assert_false(c.surge_upgrade);
	assert_false(c.ha);
	assert_int_equal(c.node_pools, 2);
	assert_int_equal(c.nodes, 5);
	cluster_cleanup(&c);
	assert_null(c.id);
}

static void test_cluster_godo_fixture(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("cluster-godo.json", &len);
	struct cluster c = { 0 };
	assert_int_equal(decode_cluster(body, len, &c), ERR_OK);
	free(body);
	assert_string_equal(c.id, "deadbeef-dead-4aa5-beef-deadbeef347d");
	assert_string_equal(c.name, "antoine");
	assert_string_equal(c.region, "nyc1");
	assert_string_equal(c.version, "1.10.0-gen0");
	assert_int_equal(c.state, CLUSTER_STATE_RUNNING);
	assert_int_equal(c.node_pools, 1);
	assert_int_equal(c.nodes, 5);
	cluster_cleanup(&c);
}

/* Wraps one cluster object into a GET /clusters/{id} body and decodes it. */
static enum err one_cluster(const char *obj, struct cluster *out)
{
	char json[2048];
	snprintf(json, sizeof json, "{\"kubernetes_cluster\":%s}", obj);
	size_t len;
	char *body = exact(json, &len);
	enum err rc = decode_cluster(body, len, out);
	free(body);
	return rc;
}

#define BASE_HEAD "\"id\":\"c0ffee-1\",\"name\":\"n\",\"region\":\"ams3\",\"version\":\"1.30.0-do.0\""

static void test_cluster_wrong_shapes(void **state)
{
	(void)state;
	static const char *const bad[] = {
		/* required strings missing or of another type */
		"{\"name\":\"n\",\"region\":\"r\",\"version\":\"v\",\"node_pools\":[]}",
		"{\"id\":\"a\",\"region\":\"r\",\"version\":\"v\",\"node_pools\":[]}",
		"{\"id\":\"a\",\"name\":\"n\",\"version\":\"v\",\"node_pools\":[]}",
		"{\"id\":\"a\",\"name\":\"n\",\"region\":\"r\",\"node_pools\":[]}",
		"{\"id\":7,\"name\":\"n\",\"region\":\"r\",\"version\":\"v\",\"node_pools\":[]}",
		"{\"id\":\"a\",\"name\":null,\"region\":\"r\",\"version\":\"v\",\"node_pools\":[]}",
		/* ids that would walk out of the URL path */
		"{\"id\":\"a/b\",\"name\":\"n\",\"region\":\"r\",\"version\":\"v\",\"node_pools\":[]}",
		"{\"id\":\"..\",\"name\":\"n\",\"region\":\"r\",\"version\":\"v\",\"node_pools\":[]}",
		"{\"id\":\"../x\",\"name\":\"n\",\"region\":\"r\",\"version\":\"v\",\"node_pools\":[]}",
		"{\"id\":\"a?b\",\"name\":\"n\",\"region\":\"r\",\"version\":\"v\",\"node_pools\":[]}",
		"{\"id\":\"\",\"name\":\"n\",\"region\":\"r\",\"version\":\"v\",\"node_pools\":[]}",
		/* node_pools */
		"{" BASE_HEAD "}",
		"{" BASE_HEAD ",\"node_pools\":null}",
		"{" BASE_HEAD ",\"node_pools\":{}}",
		"{" BASE_HEAD ",\"node_pools\":[3]}",
		"{" BASE_HEAD ",\"node_pools\":[{}]}",
		"{" BASE_HEAD ",\"node_pools\":[{\"count\":-1}]}",
		"{" BASE_HEAD ",\"node_pools\":[{\"count\":1.5}]}",
		"{" BASE_HEAD ",\"node_pools\":[{\"count\":\"3\"}]}",
		"{" BASE_HEAD ",\"node_pools\":[{\"count\":null}]}",
		"{" BASE_HEAD ",\"node_pools\":[{\"count\":1e300}]}",
		/* optional values of the wrong type */
		"{" BASE_HEAD ",\"auto_upgrade\":\"yes\",\"node_pools\":[]}",
		"{" BASE_HEAD ",\"auto_upgrade\":1,\"node_pools\":[]}",
		"{" BASE_HEAD ",\"ha\":\"true\",\"node_pools\":[]}",
		"{" BASE_HEAD ",\"surge_upgrade\":{},\"node_pools\":[]}",
		"{" BASE_HEAD ",\"status\":\"running\",\"node_pools\":[]}",
		"{" BASE_HEAD ",\"status\":{\"state\":1},\"node_pools\":[]}",
		/* not an object */
		"[]",
		"null",
		"\"x\"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct cluster c = { .id = (char *)"keep", .nodes = 42 };
		enum err rc = one_cluster(bad[i], &c);
		if (rc != ERR_SCHEMA)
			fail_msg("case %zu: %s -> %d, want ERR_SCHEMA", i, bad[i], rc);
		/* a failed call leaves its output untouched */
		assert_string_equal(c.id, "keep");
		assert_int_equal(c.nodes, 42);
	}
	struct cluster c = { 0 };
	size_t len;
	char *body = exact("[{\"kubernetes_cluster\":{}}]", &len);
	assert_int_equal(decode_cluster(body, len, &c), ERR_SCHEMA);
	free(body);
	body = exact("{}", &len);
	assert_int_equal(decode_cluster(body, len, &c), ERR_SCHEMA);
	free(body);
}

static void test_cluster_optional_nulls(void **state)
{
	(void)state;
	struct cluster c = { 0 };
	assert_int_equal(one_cluster("{" BASE_HEAD ",\"auto_upgrade\":null,\"surge_upgrade\":null,"
				     "\"ha\":null,\"status\":null,\"tags\":null,"
				     "\"maintenance_policy\":null,\"node_pools\":[{\"count\":0}]}",
				     &c),
			 ERR_OK);
	assert_false(c.auto_upgrade);
	assert_false(c.surge_upgrade);
	assert_false(c.ha);
	assert_int_equal(c.state, CLUSTER_STATE_UNKNOWN);
	assert_int_equal(c.node_pools, 1);
	assert_int_equal(c.nodes, 0);
	assert_string_equal(c.id, "c0ffee-1");
	cluster_cleanup(&c);

	assert_int_equal(one_cluster("{" BASE_HEAD ",\"auto_upgrade\":true,\"status\":"
				     "{\"state\":null},\"node_pools\":[{\"count\":2.0}]}",
				     &c),
			 ERR_OK);
	assert_true(c.auto_upgrade);
	assert_int_equal(c.state, CLUSTER_STATE_UNKNOWN);
	assert_int_equal(c.nodes, 2);
	cluster_cleanup(&c);
}

static void test_cluster_every_state(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		enum cluster_state want;
	} cases[] = {
		{ "running", CLUSTER_STATE_RUNNING },     { "provisioning", CLUSTER_STATE_PROVISIONING },
		{ "degraded", CLUSTER_STATE_DEGRADED },   { "error", CLUSTER_STATE_ERROR },
		{ "deleted", CLUSTER_STATE_DELETED },     { "upgrading", CLUSTER_STATE_UPGRADING },
		{ "deleting", CLUSTER_STATE_DELETING },   { "", CLUSTER_STATE_UNKNOWN },
		{ "foo", CLUSTER_STATE_UNKNOWN },         { "Running", CLUSTER_STATE_UNKNOWN },
		{ "invalid", CLUSTER_STATE_UNKNOWN },     { "unknown", CLUSTER_STATE_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char obj[512];
		snprintf(obj, sizeof obj,
			 "{" BASE_HEAD ",\"status\":{\"state\":\"%s\"},\"node_pools\":[]}",
			 cases[i].s);
		struct cluster c = { 0 };
		assert_int_equal(one_cluster(obj, &c), ERR_OK);
		if (c.state != cases[i].want)
			fail_msg("state \"%s\" -> %d, want %d", cases[i].s, c.state, cases[i].want);
		cluster_cleanup(&c);
	}
	assert_string_equal(cluster_state_name(CLUSTER_STATE_DELETING), "deleting");
	assert_string_equal(cluster_state_name(CLUSTER_STATE_UNKNOWN), "unknown");
}

static void test_cluster_not_json(void **state)
{
	(void)state;
	struct cluster c = { 0 };
	size_t len;
	char *body = exact("{\"kubernetes_cluster\":{\"id\":\"a\"", &len);
	assert_int_equal(decode_cluster(body, len, &c), ERR_PARSE);
	free(body);
	body = exact("<html>502</html>", &len);
	assert_int_equal(decode_cluster(body, len, &c), ERR_PARSE);
	free(body);
	assert_null(c.id);
}

/* ---- upgrades ---------------------------------------------------------- */

static enum err upgrades_of(const char *json, struct upgrades *u)
{
	size_t len;
	char *body = exact(json, &len);
	enum err rc = decode_upgrades(body, len, u);
	free(body);
	return rc;
}

static void test_upgrades_fixture(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("upgrades.json", &len);
	struct upgrades u = { 0 };
	assert_int_equal(decode_upgrades(body, len, &u), ERR_OK);
	free(body);
	assert_int_equal(u.count, 2);
	assert_string_equal(u.versions[0].slug, "1.12.3-do.2");
	assert_string_equal(u.versions[0].kubernetes_version, "1.12.3");
	assert_string_equal(u.versions[1].slug, "1.13.1-do.1");
	assert_string_equal(u.versions[1].kubernetes_version, "1.13.1");
	upgrades_cleanup(&u);
	assert_int_equal(u.count, 0);
	assert_null(u.versions);
}

static void test_upgrades_none(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("upgrades-null.json", &len);
	struct upgrades u = { .count = 9 };
	assert_int_equal(decode_upgrades(body, len, &u), ERR_OK);
	free(body);
	assert_int_equal(u.count, 0);
	upgrades_cleanup(&u);

	u.count = 9;
	assert_int_equal(upgrades_of("{}", &u), ERR_OK);
	assert_int_equal(u.count, 0);
	upgrades_cleanup(&u);

	u.count = 9;
	assert_int_equal(upgrades_of("{\"available_upgrade_versions\":[]}", &u), ERR_OK);
	assert_int_equal(u.count, 0);
	upgrades_cleanup(&u);
}

static void test_upgrades_optional_fields(void **state)
{
	(void)state;
	struct upgrades u = { 0 };
	assert_int_equal(upgrades_of("{\"available_upgrade_versions\":[{\"slug\":\"1.31.1-do.0\"},"
				     "{\"slug\":\"1.31.2-do.0\",\"kubernetes_version\":null,"
				     "\"supported_features\":[\"a\",\"b\"]}]}",
				     &u),
			 ERR_OK);
	assert_int_equal(u.count, 2);
	assert_string_equal(u.versions[0].slug, "1.31.1-do.0");
	assert_string_equal(u.versions[0].kubernetes_version, "");
	assert_string_equal(u.versions[1].kubernetes_version, "");
	upgrades_cleanup(&u);
}

static void test_upgrades_wrong_shapes(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"[]",
		"[{\"slug\":\"1\"}]",
		"\"x\"",
		"{\"available_upgrade_versions\":{}}",
		"{\"available_upgrade_versions\":\"1.2\"}",
		"{\"available_upgrade_versions\":[\"1.29.1-do.0\",\"1.30.0-do.0\"]}",
		"{\"available_upgrade_versions\":[{\"kubernetes_version\":\"1.2.3\"}]}",
		"{\"available_upgrade_versions\":[{\"slug\":\"\"}]}",
		"{\"available_upgrade_versions\":[{\"slug\":null}]}",
		"{\"available_upgrade_versions\":[{\"slug\":5}]}",
		"{\"available_upgrade_versions\":[{\"slug\":\"a\",\"kubernetes_version\":5}]}",
		/* a bad item after good ones: nothing leaks (ASan, valgrind) */
		"{\"available_upgrade_versions\":[{\"slug\":\"a\"},{\"slug\":\"b\"},null]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct upgrade_version keep;
		struct upgrades u = { .versions = &keep, .count = 77 };
		enum err rc = upgrades_of(bad[i], &u);
		if (rc != ERR_SCHEMA)
			fail_msg("case %zu: %s -> %d, want ERR_SCHEMA", i, bad[i], rc);
		assert_ptr_equal(u.versions, &keep);
		assert_int_equal(u.count, 77);
	}
}

static void test_upgrades_not_json(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"not json",
		"{\"available_upgrade_versions\":[{\"slug\":\"1.2",
		"{\"available_upgrade_versions\":[{\"slug\":\"1.2\"}",
		"{\"available_upgrade_versions\":",
		"{",
		"\"",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct upgrades u = { 0 };
		enum err rc = upgrades_of(bad[i], &u);
		if (rc != ERR_PARSE)
			fail_msg("case %zu: %s -> %d, want ERR_PARSE", i, bad[i], rc);
		assert_int_equal(u.count, 0);
	}
}

/* decode.h: ERR_PARSE for anything "not JSON"; a valid document followed by
 * more bytes is not a JSON text (RFC 8259), e.g. two answers glued together. */
static void test_upgrades_trailing_garbage_is_parse_error(void **state)
{
	(void)state;
	struct upgrades u = { 0 };
	assert_int_equal(upgrades_of("{\"available_upgrade_versions\":null}garbage", &u), ERR_PARSE);
	assert_int_equal(upgrades_of("{\"available_upgrade_versions\":null}{}", &u), ERR_PARSE);
	upgrades_cleanup(&u);
}

static void test_upgrades_ten_thousand(void **state)
{
	(void)state;
	enum { N = 10000 };
	size_t cap = (size_t)N * 64 + 64;
	char *json = malloc(cap);
	assert_non_null(json);
	size_t len = (size_t)snprintf(json, cap, "{\"available_upgrade_versions\":[");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(json + len, cap - len,
					"%s{\"slug\":\"1.%d.0-do.0\",\"kubernetes_version\":\"1.%d.0\"}",
					i ? "," : "", i, i);
	len += (size_t)snprintf(json + len, cap - len, "]}");
	assert_true(len < cap);
	struct upgrades u = { 0 };
	assert_int_equal(decode_upgrades(json, len, &u), ERR_OK);
	free(json);
	assert_int_equal(u.count, N);
	assert_string_equal(u.versions[0].slug, "1.0.0-do.0");
	assert_string_equal(u.versions[4321].slug, "1.4321.0-do.0");
	assert_string_equal(u.versions[4321].kubernetes_version, "1.4321.0");
	assert_string_equal(u.versions[N - 1].slug, "1.9999.0-do.0");
	upgrades_cleanup(&u);
}

/* ---- credentials ------------------------------------------------------- */

static enum err credentials_of(const char *json, struct credentials *c)
{
	size_t len;
	char *body = exact(json, &len);
	enum err rc = decode_credentials(body, len, c);
	free(body);
	return rc;
}

static void test_credentials_token_fixture(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("credentials-token.json", &len);
	struct credentials c = { 0 };
	assert_int_equal(decode_credentials(body, len, &c), ERR_OK);
	free(body);
	assert_int_equal(c.kind, CREDENTIALS_TOKEN);
	assert_true(c.has_expiry);
	assert_true(fabs(c.expires_at - 1573300228.889080521) < 1e-6);
}

static void test_credentials_minimal_fixture(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("credentials-token-minimal.json", &len);
	struct credentials c = { 0 };
	assert_int_equal(decode_credentials(body, len, &c), ERR_OK);
	free(body);
	assert_int_equal(c.kind, CREDENTIALS_TOKEN);
	assert_true(c.has_expiry);
	/* 2014-11-12T11:45:26.371Z */
	assert_true(fabs(c.expires_at - 1415792726.371) < 1e-6);
}

static void test_credentials_cert_fixture(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("credentials-cert.json", &len);
	struct credentials c = { 0 };
	assert_int_equal(decode_credentials(body, len, &c), ERR_OK);
	free(body);
	assert_int_equal(c.kind, CREDENTIALS_CERTIFICATE);
	assert_true(c.has_expiry);
	assert_true(fabs(c.expires_at - 1573300228.889080521) < 1e-6);
}

static void test_credentials_subsets(void **state)
{
	(void)state;
	struct credentials c = { .kind = CREDENTIALS_TOKEN, .has_expiry = true, .expires_at = 5 };
	assert_int_equal(credentials_of("{}", &c), ERR_OK);
	assert_int_equal(c.kind, CREDENTIALS_NONE);
	assert_false(c.has_expiry);

	assert_int_equal(credentials_of("{\"token\":\"t\",\"expires_at\":null}", &c), ERR_OK);
	assert_int_equal(c.kind, CREDENTIALS_TOKEN);
	assert_false(c.has_expiry);

	assert_int_equal(credentials_of("{\"token\":\"\",\"client_certificate_data\":\"Y2VydA==\"}",
					&c),
			 ERR_OK);
	assert_int_equal(c.kind, CREDENTIALS_CERTIFICATE);

	assert_int_equal(credentials_of("{\"token\":null,\"client_certificate_data\":null,"
					"\"expires_at\":\"2020-01-01T00:00:00Z\"}",
					&c),
			 ERR_OK);
	assert_int_equal(c.kind, CREDENTIALS_NONE);
	assert_true(c.has_expiry);
	assert_true(fabs(c.expires_at - 1577836800.0) < 1e-6);
}

static void test_credentials_wrong_shapes(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{\"token\":\"t\",\"expires_at\":\"2019-11-09 11:50:28Z\"}",
		"{\"token\":\"t\",\"expires_at\":\"yesterday\"}",
		"{\"token\":\"t\",\"expires_at\":1573300228}",
		"{\"token\":42,\"expires_at\":\"2019-11-09T11:50:28Z\"}",
		"{\"token\":{},\"expires_at\":\"2019-11-09T11:50:28Z\"}",
		"{\"client_certificate_data\":true}",
		"[\"token\"]",
		"\"token\"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct credentials c = { .kind = CREDENTIALS_CERTIFICATE, .expires_at = 7 };
		enum err rc = credentials_of(bad[i], &c);
		if (rc != ERR_SCHEMA)
			fail_msg("case %zu: %s -> %d, want ERR_SCHEMA", i, bad[i], rc);
		assert_int_equal(c.kind, CREDENTIALS_CERTIFICATE);
		assert_true(c.expires_at == 7);
	}
	struct credentials c = { 0 };
	assert_int_equal(credentials_of("{\"token\":\"abc", &c), ERR_PARSE);
}

/* ---- error bodies ------------------------------------------------------ */

static void test_error_ids(void **state)
{
	(void)state;
	static const struct {
		const char *file, *id;
	} cases[] = {
		{ "error-401.json", "unauthorized" },       { "error-404.json", "not_found" },
		{ "error-429.json", "too_many_requests" },  { "error-500.json", "server_error" },
		{ "error-default.json", "example_error" },  { "error-with-request-id.json", "not_found" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		char *body = read_fixture(cases[i].file, &len);
		char buf[64];
		memset(buf, 'X', sizeof buf);
		assert_true(decode_error_id(body, len, buf, sizeof buf));
		free(body);
		assert_string_equal(buf, cases[i].id);
	}
}

static void test_error_id_edges(void **state)
{
	(void)state;
	char buf[8];
	size_t len;
	char *body = exact("{\"id\":\"too_many_requests\",\"message\":\"m\"}", &len);
	assert_true(decode_error_id(body, len, buf, sizeof buf));
	assert_string_equal(buf, "too_man"); /* cut to size-1 */
	assert_false(decode_error_id(body, len, buf, 0));
	free(body);

	body = exact("{\"id\":\"a b\\n\\u00e9\"}", &len);
	char wide[32];
	assert_true(decode_error_id(body, len, wide, sizeof wide));
	free(body);
	/* only printable ASCII is kept: space, newline and both bytes of é */
	assert_string_equal(wide, "a?b???");

	static const char *const none[] = {
		"{\"message\":\"m\"}", "{\"id\":\"\"}", "{\"id\":404}", "[\"id\"]", "<html>", "",
	};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		body = exact(none[i], &len);
		strcpy(buf, "keep");
		if (decode_error_id(body, len, buf, sizeof buf))
			fail_msg("case %zu: %s gave an id", i, none[i]);
		free(body);
	}
}

/* ---- maintenance, certificates, options ------------------------------- */

static void test_maintenance_policy(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("cluster.json", &len);
	struct cluster c;
	assert_int_equal(decode_cluster(body, len, &c), ERR_OK);
	free(body);
	assert_true(c.have_maintenance);
	assert_int_equal(c.maintenance.day, MAINTENANCE_ANY_DAY);
	assert_string_equal(c.maintenance.start_time, "00:00");
	assert_int_equal(c.maintenance.duration, 4 * 3600);
	cluster_cleanup(&c);

	static const char *const shapes[][2] = {
		/* body, expected: "ok" with a window, "none" without, "schema" */
		{ "null", "none" },
		{ "{\"day\": \"Monday\", \"start_time\": \"03:30\"}", "ok" },
		{ "{\"day\": \"funday\", \"start_time\": \"03:30\"}", "schema" },
		{ "{\"day\": \"any\", \"start_time\": \"25:00\"}", "schema" },
		{ "{\"day\": \"any\"}", "schema" },
		{ "{\"day\": \"any\", \"start_time\": \"03:30\", \"duration\": 4}", "schema" },
		{ "\"monday\"", "schema" },
	};
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		char json[512];
		snprintf(json, sizeof json,
			 "{\"kubernetes_cluster\": {\"id\": \"abc\", \"name\": \"n\", \"region\": \"r\", "
			 "\"version\": \"1.29.1-do.0\", \"node_pools\": [], \"maintenance_policy\": %s}}",
			 shapes[i][0]);
		body = exact(json, &len);
		enum err rc = decode_cluster(body, len, &c);
		free(body);
		if (strcmp(shapes[i][1], "schema") == 0) {
			if (rc != ERR_SCHEMA)
				fail_msg("policy %s: got %d, want ERR_SCHEMA", shapes[i][0], rc);
			continue;
		}
		assert_int_equal(rc, ERR_OK);
		assert_int_equal(c.have_maintenance, strcmp(shapes[i][1], "ok") == 0);
		if (c.have_maintenance) {
			assert_string_equal(c.maintenance.day_name, "monday");
			assert_int_equal(c.maintenance.start_minute, 3 * 60 + 30);
		}
		cluster_cleanup(&c);
	}
}

static void test_credentials_certificates(void **state)
{
	(void)state;
	size_t len;
	struct credentials c;
	/* tests/fixtures/certs: the CA ends 2036-11-25T01:46:14Z, the client 2026-12-28T01:46:14Z */
	char *body = read_fixture("credentials-legacy.json", &len);
	assert_int_equal(decode_credentials(body, len, &c), ERR_OK);
	free(body);
	assert_int_equal(c.kind, CREDENTIALS_CERTIFICATE);
	assert_true(c.has_ca_expiry);
	assert_true(c.ca_expires_at == 2111190374.0);
	assert_true(c.has_client_expiry);
	assert_true(c.client_expires_at == 1798422374.0);
	assert_false(c.unreadable_certificate);

	body = read_fixture("credentials-token-ca.json", &len);
	assert_int_equal(decode_credentials(body, len, &c), ERR_OK);
	free(body);
	assert_int_equal(c.kind, CREDENTIALS_TOKEN);
	assert_true(c.has_ca_expiry);
	assert_true(c.ca_expires_at == 2111190374.0);
	assert_false(c.has_client_expiry);

	/* the spec's example CA is not a whole certificate: no expiry, flagged */
	body = read_fixture("credentials-token.json", &len);
	assert_int_equal(decode_credentials(body, len, &c), ERR_OK);
	free(body);
	assert_false(c.has_ca_expiry);
	assert_true(c.unreadable_certificate);

	/* base64 of nonsense and broken base64 alike */
	static const char *const junk[] = { "bm90IGEgY2VydGlmaWNhdGU=", "!!!!", "QQ", "" };
	for (size_t i = 0; i < 4; i++) {
		char json[256];
		snprintf(json, sizeof json, "{\"certificate_authority_data\": \"%s\"}", junk[i]);
		body = exact(json, &len);
		assert_int_equal(decode_credentials(body, len, &c), ERR_OK);
		free(body);
		assert_false(c.has_ca_expiry);
		assert_int_equal(c.unreadable_certificate, junk[i][0] != '\0');
	}
	body = exact("{\"certificate_authority_data\": 5}", &len);
	assert_int_equal(decode_credentials(body, len, &c), ERR_SCHEMA);
	free(body);
}

static void test_options(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("options.json", &len);
	struct upgrades u;
	assert_int_equal(decode_options(body, len, &u), ERR_OK);
	free(body);
	assert_true(u.count >= 1);
	for (size_t i = 0; i < u.count; i++) {
		assert_true(strlen(u.versions[i].slug) > 0);
		assert_true(strlen(u.versions[i].kubernetes_version) > 0);
	}
	upgrades_cleanup(&u);
	static const char *const bad[] = { "{}", "{\"options\": []}",
					   "{\"options\": {\"versions\": {}}}",
					   "{\"options\": {\"versions\": [{\"slug\": \"1.2.3\"}]}}",
					   "[]" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		body = exact(bad[i], &len);
		if (decode_options(body, len, &u) != ERR_SCHEMA)
			fail_msg("options %s accepted", bad[i]);
		free(body);
	}
	body = exact("{\"options\": {\"versions\": null}}", &len);
	assert_int_equal(decode_options(body, len, &u), ERR_OK);
	assert_int_equal(u.count, 0);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_godo_fixture),
		cmocka_unit_test(test_list_spec_fixture_has_no_next),
		cmocka_unit_test(test_list_tags_null_and_states),
		cmocka_unit_test(test_list_null_and_empty),
		cmocka_unit_test(test_list_wrong_shapes),
		cmocka_unit_test(test_list_not_json),
		cmocka_unit_test(test_cluster_spec_fixture),
		cmocka_unit_test(test_cluster_godo_fixture),
		cmocka_unit_test(test_cluster_wrong_shapes),
		cmocka_unit_test(test_cluster_optional_nulls),
		cmocka_unit_test(test_cluster_every_state),
		cmocka_unit_test(test_cluster_not_json),
		cmocka_unit_test(test_upgrades_fixture),
		cmocka_unit_test(test_upgrades_none),
		cmocka_unit_test(test_upgrades_optional_fields),
		cmocka_unit_test(test_upgrades_wrong_shapes),
		cmocka_unit_test(test_upgrades_not_json),
		cmocka_unit_test(test_upgrades_trailing_garbage_is_parse_error),
		cmocka_unit_test(test_upgrades_ten_thousand),
		cmocka_unit_test(test_credentials_token_fixture),
		cmocka_unit_test(test_credentials_minimal_fixture),
		cmocka_unit_test(test_credentials_cert_fixture),
		cmocka_unit_test(test_credentials_subsets),
		cmocka_unit_test(test_credentials_wrong_shapes),
		cmocka_unit_test(test_error_ids),
		cmocka_unit_test(test_error_id_edges),
		cmocka_unit_test(test_maintenance_policy),
		cmocka_unit_test(test_credentials_certificates),
		cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
