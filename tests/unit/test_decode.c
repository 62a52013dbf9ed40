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

/* ---- clusterlint ---------------------------------------------------------- */

static enum err lint_of(const char *json, struct clusterlint *c)
{
	size_t len;
	char *body = exact(json, &len);
	enum err rc = decode_clusterlint(body, len, c);
	free(body);
	return rc;
}

static void test_clusterlint_spec_fixture(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("clusterlint.json", &len);
	struct clusterlint c;
	assert_int_equal(decode_clusterlint(body, len, &c), ERR_OK);
	free(body);
	assert_true(c.linted);
	assert_float_equal(c.completed_at, 1572413651, 1e-9); /* 2019-10-30T05:34:11Z */
	assert_int_equal(c.counts[CLUSTERLINT_ERROR], 0);
	assert_int_equal(c.counts[CLUSTERLINT_WARNING], 1);
	assert_int_equal(c.counts[CLUSTERLINT_SUGGESTION], 0);
	/* one check, every severity of it */
	assert_int_equal(c.check_count, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(c.checks[i].check_name, "unused-config-map");
		assert_int_equal(c.checks[i].severity, (enum clusterlint_severity)i);
		assert_int_equal(c.checks[i].count, i == CLUSTERLINT_WARNING);
	}
	assert_int_equal(c.finding_count, 1);
	assert_string_equal(c.findings[0].check_name, "unused-config-map");
	assert_int_equal(c.findings[0].severity, CLUSTERLINT_WARNING);
	assert_string_equal(c.findings[0].message, "Unused config map");
	assert_string_equal(c.findings[0].object_kind, "config map");
	assert_string_equal(c.findings[0].object_namespace, "kube-system");
	assert_string_equal(c.findings[0].object_name, "foo");
	assert_int_equal(c.findings_dropped, 0);
	assert_int_equal(c.checks_dropped, 0);
	clusterlint_cleanup(&c);
}

static void test_clusterlint_severities_fixture(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("clusterlint-severities.json", &len);
	struct clusterlint c;
	assert_int_equal(decode_clusterlint(body, len, &c), ERR_OK);
	free(body);
	for (int s = 0; s < CLUSTERLINT_SEVERITY_COUNT; s++)
		assert_int_equal(c.counts[s], 1);
	/* sorted by name, then severity */
	static const char *const names[] = { "admission-controller-webhook-timeout",
					     "dobs-pod-owner", "made-up-suggestion" };
	assert_int_equal(c.check_count, 9);
	for (size_t i = 0; i < 9; i++) {
		assert_string_equal(c.checks[i].check_name, names[i / 3]);
		assert_int_equal(c.checks[i].severity, (enum clusterlint_severity)(i % 3));
		assert_int_equal(c.checks[i].count, i % 3 == i / 3); /* error, warning, suggestion */
	}
	assert_int_equal(c.finding_count, 3);
	assert_string_equal(c.findings[0].object_namespace, ""); /* cluster-scoped */
	assert_string_equal(c.findings[1].object_name, "db-5c9f7d8b6-q2wxl");
	assert_int_equal(c.findings[2].severity, CLUSTERLINT_SUGGESTION);
	clusterlint_cleanup(&c);
}

static void test_clusterlint_empty_run(void **state)
{
	(void)state;
	size_t len;
	char *body = read_fixture("clusterlint-empty.json", &len);
	struct clusterlint c;
	assert_int_equal(decode_clusterlint(body, len, &c), ERR_OK);
	free(body);
	assert_true(c.linted);
	assert_true(c.completed_at > 0);
	assert_int_equal(c.check_count, 0);
	assert_int_equal(c.finding_count, 0);
	clusterlint_cleanup(&c);
	/* null or missing diagnostics: a run with no findings */
	assert_int_equal(lint_of("{\"run_id\": \"r\", \"diagnostics\": null}", &c), ERR_OK);
	assert_true(c.linted);
	assert_int_equal(c.check_count, 0);
	clusterlint_cleanup(&c);
	assert_int_equal(lint_of("{\"run_id\": \"r\", \"completed_at\": \"2026-03-01T04:00:07Z\"}", &c),
			 ERR_OK);
	assert_true(c.linted);
	assert_float_equal(c.completed_at, 1772337607, 1e-9);
	clusterlint_cleanup(&c);
}

static void test_clusterlint_no_run_and_not_completed(void **state)
{
	(void)state;
	struct clusterlint c;
	/* an empty body is no run at all */
	assert_int_equal(lint_of("{}", &c), ERR_OK);
	assert_false(c.linted);
	clusterlint_cleanup(&c);
	/* a run not completed: no completed_at */
	static const char *const pending[] = {
		"{\"run_id\": \"r\", \"requested_at\": \"2026-03-01T04:00:02Z\", \"diagnostics\": []}",
		"{\"run_id\": \"r\", \"completed_at\": null}",
		"{\"run_id\": \"r\", \"completed_at\": \"\"}",
		"{\"run_id\": \"r\", \"completed_at\": \"0001-01-01T00:00:00Z\"}", /* Go's zero time */
	};
	for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++) {
		assert_int_equal(lint_of(pending[i], &c), ERR_OK);
		assert_true(c.linted);
		assert_float_equal(c.completed_at, 0, 0);
		clusterlint_cleanup(&c);
	}
}

static void test_clusterlint_wrong_shapes(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"[]",
		"\"run\"",
		"{\"diagnostics\": {}}",
		"{\"diagnostics\": \"none\"}",
		"{\"diagnostics\": [\"x\"]}",
		"{\"diagnostics\": [{\"severity\": \"error\"}]}",
		"{\"diagnostics\": [{\"check_name\": \"c\"}]}",
		"{\"diagnostics\": [{\"check_name\": 5, \"severity\": \"error\"}]}",
		"{\"diagnostics\": [{\"check_name\": \"c\", \"severity\": null}]}",
		"{\"run_id\": 5}",
		"{\"completed_at\": 1572413651}",
		"{\"completed_at\": \"yesterday\"}",
		"{\"requested_at\": []}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct clusterlint c = { .linted = true, .check_count = 42 };
		if (lint_of(bad[i], &c) != ERR_SCHEMA)
			fail_msg("not ERR_SCHEMA: %s", bad[i]);
		assert_int_equal(c.check_count, 42); /* untouched */
	}
	struct clusterlint c;
	assert_int_equal(lint_of("{\"diagnostics\": [", &c), ERR_PARSE);
	assert_int_equal(lint_of("<html>502</html>", &c), ERR_PARSE);
	assert_int_equal(lint_of("{} x", &c), ERR_PARSE);
	/* display fields of another type are left out, not fatal */
	assert_int_equal(lint_of("{\"diagnostics\": [{\"check_name\": \"c\", \"severity\": \"error\","
				 " \"message\": 7, \"object\": {\"name\": [], \"kind\": null}}]}", &c),
			 ERR_OK);
	assert_string_equal(c.findings[0].message, "");
	assert_null(c.findings[0].object_name);
	assert_null(c.findings[0].object_kind);
	clusterlint_cleanup(&c);
}

static void test_clusterlint_unknown_severity_is_dropped(void **state)
{
	(void)state;
	struct clusterlint c;
	assert_int_equal(lint_of("{\"diagnostics\": [{\"check_name\": \"c\", \"severity\": \"critical\"},"
				 " {\"check_name\": \"c\", \"severity\": \"warning\"}]}", &c),
			 ERR_OK);
	assert_int_equal(c.findings_dropped, 1);
	assert_int_equal(c.finding_count, 1);
	assert_int_equal(c.counts[CLUSTERLINT_WARNING], 1);
	assert_int_equal(c.counts[CLUSTERLINT_ERROR], 0);
	assert_int_equal(c.check_count, 3);
	clusterlint_cleanup(&c);
}

/* A hostile run: 200 findings of 100 check names (two each), one name too
 * long and one empty, and a message far over the cap. */
static void test_clusterlint_caps(void **state)
{
	(void)state;
	size_t cap = 1 << 20, n = 0;
	char *json = malloc(cap);
	assert_non_null(json);
	n += (size_t)snprintf(json + n, cap - n, "{\"run_id\": \"r\", \"diagnostics\": [");
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(json + n, cap - n,
				      "{\"check_name\": \"check-%03d\", \"severity\": \"warning\","
				      " \"message\": \"m\"},", i % 100);
	char longname[CLUSTERLINT_NAME_MAX + 2];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	n += (size_t)snprintf(json + n, cap - n,
			      "{\"check_name\": \"%s\", \"severity\": \"error\"},"
			      "{\"check_name\": \"\", \"severity\": \"error\"},"
			      "{\"check_name\": \"check-000\", \"severity\": \"error\", \"message\": \"a",
			      longname);
	for (int i = 0; i < 3000; i++)
		n += (size_t)snprintf(json + n, cap - n, "\xc3\xa9"); /* é: two bytes */
	n += (size_t)snprintf(json + n, cap - n, "\"}]}");
	struct clusterlint c;
	assert_int_equal(lint_of(json, &c), ERR_OK);
	free(json);
	assert_int_equal(c.counts[CLUSTERLINT_WARNING], 200);
	assert_int_equal(c.counts[CLUSTERLINT_ERROR], 3);
	/* the first 64 names have series, each with its two warnings */
	assert_int_equal(c.check_count, CLUSTERLINT_CHECKS_MAX * 3);
	assert_string_equal(c.checks[0].check_name, "check-000");
	assert_int_equal(c.checks[0].count, 1); /* the error of check-000 */
	assert_int_equal(c.checks[1].count, 2);
	assert_string_equal(c.checks[c.check_count - 1].check_name, "check-063");
	/* names 64..99 (72 findings), the long and the empty name */
	assert_int_equal(c.checks_dropped, 72 + 2);
	assert_int_equal(c.finding_count, CLUSTERLINT_FINDINGS_MAX);
	assert_int_equal(c.findings_dropped, 203 - CLUSTERLINT_FINDINGS_MAX);
	clusterlint_cleanup(&c);

	/* a long message is cut on a character's boundary */
	char msg[8000];
	size_t m = (size_t)snprintf(msg, sizeof msg,
				    "{\"diagnostics\": [{\"check_name\": \"c\", \"severity\": \"error\", \"message\": \"a");
	for (int i = 0; i < 3000 && m + 8 < sizeof msg; i++)
		m += (size_t)snprintf(msg + m, sizeof msg - m, "\xc3\xa9");
	snprintf(msg + m, sizeof msg - m, "\"}]}");
	assert_int_equal(lint_of(msg, &c), ERR_OK);
	assert_int_equal(strlen(c.findings[0].message), DECODE_TEXT_MAX - 1);
	clusterlint_cleanup(&c);
}

/* ---- status messages -------------------------------------------------------- */

static enum err messages_of(const char *json, double after, size_t max, struct status_message **out,
			    size_t *count, size_t *newer)
{
	size_t len;
	char *body = exact(json, &len);
	enum err rc = decode_status_messages(body, len, after, max, out, count, newer);
	free(body);
	return rc;
}

static enum err messages_fixture(const char *name, double after, size_t max,
				 struct status_message **out, size_t *count, size_t *newer)
{
	size_t len;
	char *body = read_fixture(name, &len);
	enum err rc = decode_status_messages(body, len, after, max, out, count, newer);
	free(body);
	return rc;
}

static void test_status_messages_fixtures(void **state)
{
	(void)state;
	struct status_message *m = NULL;
	size_t n = 0, newer = 0;
	assert_int_equal(messages_fixture("status-messages.json", 0, 10, &m, &n, &newer), ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(newer, 1);
	assert_float_equal(m[0].timestamp, 1542297611, 1e-9); /* 2018-11-15T16:00:11Z */
	assert_string_equal(m[0].message,
			    "Resource provisioning may be delayed while our team resolves an incident");
	decode_status_messages_free(m, n);
	assert_int_equal(messages_fixture("status-messages-godo.json", 0, 10, &m, &n, &newer), ERR_OK);
	assert_int_equal(n, 1);
	decode_status_messages_free(m, n);
	assert_int_equal(messages_fixture("status-messages-empty.json", 0, 10, &m, &n, &newer), ERR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(newer, 0);
	decode_status_messages_free(m, n);
}

/* status-messages-several.json: 09:14:03, 10:05:41, 11:05:41.532 on
 * 2026-03-02, 08:00:00 on 2026-03-03. */
static void test_status_messages_after_the_cursor(void **state)
{
	(void)state;
	struct status_message *m = NULL;
	size_t n = 0, newer = 0;
	assert_int_equal(messages_fixture("status-messages-several.json", 0, 10, &m, &n, &newer), ERR_OK);
	assert_int_equal(n, 4);
	assert_float_equal(m[0].timestamp, 1772442843, 1e-9);
	assert_float_equal(m[2].timestamp, 1772449541.532, 1e-6);
	assert_float_equal(m[3].timestamp, 1772524800, 1e-9);
	decode_status_messages_free(m, n);
	/* at the cursor is not new (an API that includes `since` itself) */
	assert_int_equal(messages_fixture("status-messages-several.json", 1772445941, 10, &m, &n, &newer),
			 ERR_OK);
	assert_int_equal(n, 2);
	decode_status_messages_free(m, n);
	/* since= goes in whole seconds: the .532 message is still new after
	 * 11:05:41, and not after itself */
	assert_int_equal(messages_fixture("status-messages-several.json", 1772449541, 10, &m, &n, &newer),
			 ERR_OK);
	assert_int_equal(n, 2);
	decode_status_messages_free(m, n);
	assert_int_equal(messages_fixture("status-messages-several.json", 1772449541.532, 10, &m, &n,
					  &newer),
			 ERR_OK);
	assert_int_equal(n, 1);
	assert_float_equal(m[0].timestamp, 1772524800, 1e-9);
	decode_status_messages_free(m, n);
	/* the cap keeps the newest; newer counts them all */
	assert_int_equal(messages_fixture("status-messages-several.json", 0, 2, &m, &n, &newer), ERR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(newer, 4);
	assert_float_equal(m[1].timestamp, 1772524800, 1e-9);
	decode_status_messages_free(m, n);
}

static void test_status_messages_order(void **state)
{
	(void)state;
	struct status_message *m = NULL;
	size_t n = 0, newer = 0;
	assert_int_equal(messages_of("{\"messages\": ["
				     "{\"message\": \"c\", \"timestamp\": \"2026-03-03T00:00:00Z\"},"
				     "{\"message\": \"a\", \"timestamp\": \"2026-03-01T00:00:00Z\"},"
				     "{\"message\": \"b1\", \"timestamp\": \"2026-03-02T01:00:00+01:00\"},"
				     "{\"message\": \"b2\", \"timestamp\": \"2026-03-02T00:00:00Z\"},"
				     "{\"timestamp\": \"2026-03-04T00:00:00Z\"}]}",
				     0, 10, &m, &n, &newer),
			 ERR_OK);
	assert_int_equal(n, 5);
	assert_string_equal(m[0].message, "a");
	assert_string_equal(m[1].message, "b1"); /* the same instant: the body's order */
	assert_string_equal(m[2].message, "b2");
	assert_string_equal(m[3].message, "c");
	assert_string_equal(m[4].message, ""); /* no text */
	decode_status_messages_free(m, n);
	static const char *const none[] = { "{\"messages\": null}", "{}", "{\"messages\": []}" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(messages_of(none[i], 0, 10, &m, &n, &newer), ERR_OK);
		assert_int_equal(n, 0);
		assert_int_equal(newer, 0);
		decode_status_messages_free(m, n);
	}
}

static void test_status_messages_wrong_shapes(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"[]",
		"{\"messages\": {}}",
		"{\"messages\": [\"x\"]}",
		"{\"messages\": [{\"message\": \"x\"}]}",
		"{\"messages\": [{\"message\": \"x\", \"timestamp\": 1542297611}]}",
		"{\"messages\": [{\"message\": \"x\", \"timestamp\": \"yesterday\"}]}",
		"{\"messages\": [{\"message\": \"x\", \"timestamp\": \"1999-12-31T23:59:59Z\"}]}",
		"{\"messages\": [{\"message\": \"x\", \"timestamp\": \"2200-01-01T00:00:00Z\"}]}",
		"{\"messages\": [{\"message\": 5, \"timestamp\": \"2026-03-02T00:00:00Z\"}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct status_message *m = (struct status_message *)bad;
		size_t n = 7, newer = 8;
		if (messages_of(bad[i], 0, 10, &m, &n, &newer) != ERR_SCHEMA)
			fail_msg("not ERR_SCHEMA: %s", bad[i]);
		assert_ptr_equal(m, (struct status_message *)bad);
		assert_int_equal(n, 7);
		assert_int_equal(newer, 8);
	}
	struct status_message *m = NULL;
	size_t n = 0, newer = 0;
	assert_int_equal(messages_of("{\"messages\": [", 0, 10, &m, &n, &newer), ERR_PARSE);
	assert_int_equal(messages_of("", 0, 10, &m, &n, &newer), ERR_PARSE);
}

static void test_status_messages_many(void **state)
{
	(void)state;
	size_t cap = 4 << 20, len = 0;
	char *json = malloc(cap);
	assert_non_null(json);
	len += (size_t)snprintf(json + len, cap - len, "{\"messages\": [");
	for (int i = 0; i < 50000; i++)
		len += (size_t)snprintf(json + len, cap - len,
					"%s{\"message\": \"m%d\", \"timestamp\": \"2026-03-02T00:00:00.%03dZ\"}",
					i ? "," : "", i, i % 1000);
	snprintf(json + len, cap - len, "]}");
	struct status_message *m = NULL;
	size_t n = 0, newer = 0;
	assert_int_equal(messages_of(json, 0, 100, &m, &n, &newer), ERR_OK);
	free(json);
	assert_int_equal(newer, 50000);
	assert_int_equal(n, 100);
	for (size_t i = 1; i < n; i++)
		assert_true(m[i].timestamp >= m[i - 1].timestamp);
	decode_status_messages_free(m, n);
}

/* ---- associated resources ---------------------------------------------------- */

static enum err resources_of(const char *json, struct associated_resources *r)
{
	size_t len;
	char *body = exact(json, &len);
	enum err rc = decode_associated_resources(body, len, r);
	free(body);
	return rc;
}

static void test_associated_resources_fixtures(void **state)
{
	(void)state;
	static const char *const files[] = { "associated-resources.json",
					     "associated-resources-godo.json" };
	for (size_t i = 0; i < 2; i++) {
		size_t len;
		char *body = read_fixture(files[i], &len);
		struct associated_resources r;
		assert_int_equal(decode_associated_resources(body, len, &r), ERR_OK);
		free(body);
		assert_int_equal(r.counts[RESOURCE_LOAD_BALANCER], 1);
		assert_int_equal(r.counts[RESOURCE_VOLUME], 1);
		assert_int_equal(r.counts[RESOURCE_VOLUME_SNAPSHOT], 1);
	}
	struct associated_resources r;
	assert_int_equal(resources_of("{\"load_balancers\": [{}, {}], \"volumes\": null,"
				      " \"volume_snapshots\": [{\"id\": \"1\"}, {}, {}]}", &r),
			 ERR_OK);
	assert_int_equal(r.counts[RESOURCE_LOAD_BALANCER], 2);
	assert_int_equal(r.counts[RESOURCE_VOLUME], 0);
	assert_int_equal(r.counts[RESOURCE_VOLUME_SNAPSHOT], 3);
	assert_int_equal(resources_of("{}", &r), ERR_OK);
	for (int k = 0; k < RESOURCE_KIND_COUNT; k++)
		assert_int_equal(r.counts[k], 0);
}

static void test_associated_resources_wrong_shapes(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"[]",
		"{\"load_balancers\": {}}",
		"{\"volumes\": 3}",
		"{\"volume_snapshots\": [\"snap\"]}",
		"{\"volumes\": [[]]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct associated_resources r = { { 7, 7, 7 } };
		if (resources_of(bad[i], &r) != ERR_SCHEMA)
			fail_msg("not ERR_SCHEMA: %s", bad[i]);
		assert_int_equal(r.counts[0], 7);
	}
	struct associated_resources r;
	assert_int_equal(resources_of("{\"volumes\": [", &r), ERR_PARSE);
	/* a huge list is counted */
	size_t cap = 2 << 20, len = 0;
	char *json = malloc(cap);
	assert_non_null(json);
	len += (size_t)snprintf(json + len, cap - len, "{\"volumes\": [");
	for (int i = 0; i < 100000; i++)
		len += (size_t)snprintf(json + len, cap - len, "%s{}", i ? "," : "");
	snprintf(json + len, cap - len, "]}");
	assert_int_equal(resources_of(json, &r), ERR_OK);
	free(json);
	assert_int_equal(r.counts[RESOURCE_VOLUME], 100000);
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
		cmocka_unit_test(test_clusterlint_spec_fixture),
		cmocka_unit_test(test_clusterlint_severities_fixture),
		cmocka_unit_test(test_clusterlint_empty_run),
		cmocka_unit_test(test_clusterlint_no_run_and_not_completed),
		cmocka_unit_test(test_clusterlint_wrong_shapes),
		cmocka_unit_test(test_clusterlint_unknown_severity_is_dropped),
		cmocka_unit_test(test_clusterlint_caps),
		cmocka_unit_test(test_status_messages_fixtures),
		cmocka_unit_test(test_status_messages_after_the_cursor),
		cmocka_unit_test(test_status_messages_order),
		cmocka_unit_test(test_status_messages_wrong_shapes),
		cmocka_unit_test(test_status_messages_many),
		cmocka_unit_test(test_associated_resources_fixtures),
		cmocka_unit_test(test_associated_resources_wrong_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
