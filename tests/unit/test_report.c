/* test_report.c - report.h: the --check table and JSON document, built
 * from cluster records made by hand and written to memory streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* 2026-11-25T00:00:00Z, a Wednesday. */
#define NOW 1795564800.0
#define T_FIRST 1795168800.0  /* 2026-11-20T10:00:00Z */
#define T_SECOND 1795264200.0 /* 2026-11-21T12:30:00Z */
#define T_CA 1803859200.0     /* 2027-03-01T00:00:00Z */

/* ---- records ----------------------------------------------------------- */

static char *dup_or_fail(const char *s)
{
	char *c = strdup(s);
	assert_non_null(c);
	return c;
}

static void set_cluster(struct cluster_record *r, const char *id, const char *name,
			const char *region, const char *version, enum cluster_state st,
			bool auto_upgrade)
{
	memset(r, 0, sizeof *r);
	r->cluster.id = dup_or_fail(id);
	if (!name)
		return; /* known by id only */
	r->have_cluster = true;
	r->cluster.name = dup_or_fail(name);
	r->cluster.region = dup_or_fail(region);
	r->cluster.version = dup_or_fail(version);
	r->cluster.state = st;
	r->cluster.auto_upgrade = auto_upgrade;
}

static void add_upgrade(struct cluster_record *r, const char *slug, const char *kube,
			enum upgrade_kind kind, double first_seen)
{
	struct upgrades *u = &r->upgrades;
	struct upgrade_version *nv = realloc(u->versions, (u->count + 1) * sizeof *nv);
	assert_non_null(nv);
	u->versions = nv;
	u->versions[u->count++] = (struct upgrade_version){ .slug = dup_or_fail(slug),
							    .kubernetes_version = dup_or_fail(kube),
							    .kind = kind,
							    .first_seen = first_seen };
	r->have_upgrades = true;
}

/* prod-1: two upgrades, a Saturday window, a CA expiry, all known. */
static void record_full(struct cluster_record *r)
{
	set_cluster(r, "11111111-aaaa", "prod-1", "nyc1", "1.29.1-do.0", CLUSTER_STATE_RUNNING,
		    true);
	assert_true(maintenance_parse("saturday", "03:00", "4h0m0s", &r->cluster.maintenance));
	r->cluster.have_maintenance = true;
	add_upgrade(r, "1.29.2-do.0", "1.29.2", UPGRADE_KIND_PATCH, T_FIRST);
	add_upgrade(r, "1.30.5-do.0", "1.30.5", UPGRADE_KIND_MINOR, T_SECOND);
	r->upgrades.pending_since = T_FIRST;
	r->have_credentials = true;
	r->credentials.kind = CREDENTIALS_CERTIFICATE;
	r->credentials.has_ca_expiry = true;
	r->credentials.ca_expires_at = T_CA;
}

/* staging: known, nothing offered, no window, credentials without a CA. */
static void record_quiet(struct cluster_record *r)
{
	set_cluster(r, "22222222-bbbb", "staging", "ams3", "1.31.1-do.0",
		    CLUSTER_STATE_PROVISIONING, false);
	r->have_upgrades = true;
	r->have_credentials = true;
	r->credentials.kind = CREDENTIALS_TOKEN;
	r->credentials.has_ca_expiry = false;
}

/* Known by id only: every request failed so far. */
static void record_unknown(struct cluster_record *r)
{
	set_cluster(r, "33333333-cccc", NULL, NULL, NULL, CLUSTER_STATE_UNKNOWN, false);
}

/* ---- output ------------------------------------------------------------ */

struct out {
	FILE *f;
	char *text;
	size_t len;
};

static void out_open(struct out *o)
{
	o->text = NULL;
	o->len = 0;
	o->f = open_memstream(&o->text, &o->len);
	assert_non_null(o->f);
}

static void out_close(struct out *o)
{
	assert_int_equal(fclose(o->f), 0);
	assert_non_null(o->text);
}

static char *table_of(const struct report *r)
{
	struct out o;
	out_open(&o);
	assert_int_equal(report_write_table(r, o.f), ERR_OK);
	out_close(&o);
	return o.text;
}

static cJSON *json_of(const struct report *r, bool failed)
{
	struct out o;
	out_open(&o);
	assert_int_equal(report_write_json(r, failed, o.f), ERR_OK);
	out_close(&o);
	assert_true(o.len > 0 && o.text[o.len - 1] == '\n');
	cJSON *root = cJSON_Parse(o.text);
	if (!root)
		fail_msg("not JSON: %s", o.text);
	free(o.text);
	return root;
}

/* Splits text into lines in place; returns how many. */
static size_t split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	char *p = text;
	while (*p) {
		char *nl = strchr(p, '\n');
		if (!nl)
			fail_msg("last line without a newline: %s", p);
		*nl = '\0';
		assert_true(n < max);
		lines[n++] = p;
		p = nl + 1;
	}
	return n;
}

static const char *const HEADERS[] = {
	"ACCOUNT",	  "CLUSTER",	    "ID",	   "REGION",	     "VERSION",
	"STATE",	  "UPGRADES",	    "PENDING SINCE", "NEXT WINDOW",   "AUTO-UPGRADE",
	"SUPPORTED",	  "CA EXPIRY",	    "END OF SUPPORT", "FORCED UPGRADE", "LINT E/W/S",
	"LINT RUN",	  "MESSAGES",	    "LAST MESSAGE",  "LB/VOL/SNAP",   "LAST UPGRADE",
	"UPGRADE END",	  "UPGRADE TOOK",   "OUTCOME",	     "VERDICT",	      "REASONS",
};
#define NCOL (sizeof HEADERS / sizeof HEADERS[0])

/* Where each column starts in the header line, searching left to right;
 * -1 for a column that is not there. */
static void column_starts(const char *header, long *start)
{
	const char *from = header;
	for (size_t c = 0; c < NCOL; c++) {
		const char *at = strstr(from, HEADERS[c]);
		if (!at) {
			start[c] = -1;
			continue;
		}
		start[c] = at - header;
		from = at + strlen(HEADERS[c]);
	}
}

/* The cell of line that starts at a column, up to the next column. */
static void cell_at(const char *line, const long *start, size_t c, char *buf, size_t size)
{
	assert_true(start[c] >= 0);
	size_t len = strlen(line);
	if ((size_t)start[c] > len)
		fail_msg("line too short for column %s: \"%s\"", HEADERS[c], line);
	if (start[c] > 0 && line[start[c] - 1] != ' ')
		fail_msg("column %s does not start on its own in: \"%s\"", HEADERS[c], line);
	size_t end = len;
	for (size_t n = c + 1; n < NCOL; n++) {
		if (start[n] >= 0) {
			end = (size_t)start[n];
			break;
		}
	}
	if (end > len)
		end = len;
	size_t n = end - (size_t)start[c];
	/* the padding is spaces only, the cell ends before it */
	while (n > 0 && line[start[c] + (long)n - 1] == ' ')
		n--;
	assert_true(n < size);
	memcpy(buf, line + start[c], n);
	buf[n] = '\0';
}

static void expect_cell(const char *line, const long *start, size_t c, const char *want)
{
	char got[256];
	cell_at(line, start, c, got, sizeof got);
	if (strcmp(got, want) != 0)
		fail_msg("column %s: got \"%s\", want \"%s\" in line \"%s\"", HEADERS[c], got, want,
			 line);
}

enum { ACCOUNT, CLUSTER, ID, REGION, VERSION, STATE, UPGRADES, PENDING, WINDOW, AUTO, SUPPORTED,
       CA, EOS, FORCED, LINT, LINT_RUN, MESSAGES, LAST_MESSAGE, RESOURCES, LAST_UPGRADE,
       UPGRADE_END, UPGRADE_TOOK, OUTCOME, VERDICT, REASONS };

/* ---- the table --------------------------------------------------------- */

static void test_table(void **state)
{
	(void)state;
	struct cluster_record full, quiet, unknown;
	record_full(&full);
	record_quiet(&quiet);
	record_unknown(&unknown);
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_non_null(r);
	assert_int_equal(report_add(r, NULL, &full, 1), ERR_OK);
	assert_int_equal(report_add(r, "", &quiet, 0), ERR_OK);
	assert_int_equal(report_add(r, NULL, &unknown, -1), ERR_OK);
	char *text = table_of(r);

	char *lines[8];
	assert_int_equal(split_lines(text, lines, 8), 4);
	/* no ACCOUNT column: the accounts are not named */
	assert_null(strstr(lines[0], "ACCOUNT"));
	assert_int_equal(strncmp(lines[0], "CLUSTER", 7), 0);
	long start[NCOL];
	column_starts(lines[0], start);
	assert_int_equal(start[ACCOUNT], -1);
	for (size_t c = CLUSTER; c < NCOL; c++)
		if (start[c] < 0)
			fail_msg("no %s in the header: %s", HEADERS[c], lines[0]);
	/* no trailing blanks */
	for (size_t i = 0; i < 4; i++)
		assert_true(lines[i][0] != '\0' && lines[i][strlen(lines[i]) - 1] != ' ');

	expect_cell(lines[1], start, CLUSTER, "prod-1");
	expect_cell(lines[1], start, ID, "11111111-aaaa");
	expect_cell(lines[1], start, REGION, "nyc1");
	expect_cell(lines[1], start, VERSION, "1.29.1-do.0");
	expect_cell(lines[1], start, STATE, "running");
	expect_cell(lines[1], start, UPGRADES, "1.29.2-do.0 (patch), 1.30.5-do.0 (minor)");
	expect_cell(lines[1], start, PENDING, "2026-11-20T10:00:00Z");
	expect_cell(lines[1], start, WINDOW, "2026-11-28T03:00:00Z");
	expect_cell(lines[1], start, AUTO, "yes");
	expect_cell(lines[1], start, SUPPORTED, "yes");
	expect_cell(lines[1], start, CA, "2027-03-01T00:00:00Z");

	expect_cell(lines[2], start, CLUSTER, "staging");
	expect_cell(lines[2], start, ID, "22222222-bbbb");
	expect_cell(lines[2], start, REGION, "ams3");
	expect_cell(lines[2], start, VERSION, "1.31.1-do.0");
	expect_cell(lines[2], start, STATE, "provisioning");
	expect_cell(lines[2], start, UPGRADES, "-");
	expect_cell(lines[2], start, PENDING, "-");
	expect_cell(lines[2], start, WINDOW, "-");
	expect_cell(lines[2], start, AUTO, "no");
	expect_cell(lines[2], start, SUPPORTED, "no");
	expect_cell(lines[2], start, CA, "-");

	expect_cell(lines[3], start, CLUSTER, "?");
	expect_cell(lines[3], start, ID, "33333333-cccc");
	expect_cell(lines[3], start, REGION, "?");
	expect_cell(lines[3], start, VERSION, "?");
	expect_cell(lines[3], start, STATE, "?");
	expect_cell(lines[3], start, UPGRADES, "?");
	expect_cell(lines[3], start, AUTO, "?");
	expect_cell(lines[3], start, SUPPORTED, "?");

	free(text);
	report_free(r);
	report_free(NULL);
	cluster_record_cleanup(&full);
	cluster_record_cleanup(&quiet);
	cluster_record_cleanup(&unknown);
}

/* "?" is for what is not known, "-" for what is known to be nothing. With
 * the upgrades unknown, so is the time they have been pending; with the
 * cluster unknown, so is its maintenance window. */
static void test_table_unknown_is_not_none(void **state)
{
	(void)state;
	struct cluster_record unknown;
	record_unknown(&unknown);
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, NULL, &unknown, -1), ERR_OK);
	char *text = table_of(r);
	char *lines[4];
	assert_int_equal(split_lines(text, lines, 4), 2);
	long start[NCOL];
	column_starts(lines[0], start);
	char upgrades[64], pending[64], window[64];
	cell_at(lines[1], start, UPGRADES, upgrades, sizeof upgrades);
	cell_at(lines[1], start, PENDING, pending, sizeof pending);
	cell_at(lines[1], start, WINDOW, window, sizeof window);
	free(text);
	report_free(r);
	cluster_record_cleanup(&unknown);
	assert_string_equal(upgrades, "?");
	assert_string_equal(pending, "?");
	assert_string_equal(window, "?");
}

static void test_table_with_accounts(void **state)
{
	(void)state;
	struct cluster_record full, quiet;
	record_full(&full);
	record_quiet(&quiet);
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, "production", &full, 1), ERR_OK);
	assert_int_equal(report_add(r, "qa", &quiet, 1), ERR_OK);
	char *text = table_of(r);
	char *lines[4];
	assert_int_equal(split_lines(text, lines, 4), 3);
	assert_int_equal(strncmp(lines[0], "ACCOUNT ", 8), 0);
	long start[NCOL];
	column_starts(lines[0], start);
	assert_int_equal(start[ACCOUNT], 0);
	expect_cell(lines[1], start, ACCOUNT, "production");
	expect_cell(lines[1], start, CLUSTER, "prod-1");
	expect_cell(lines[1], start, CA, "2027-03-01T00:00:00Z");
	expect_cell(lines[2], start, ACCOUNT, "qa");
	expect_cell(lines[2], start, CLUSTER, "staging");
	expect_cell(lines[2], start, UPGRADES, "-");
	free(text);
	report_free(r);
	cluster_record_cleanup(&full);
	cluster_record_cleanup(&quiet);
}

/* Names come from the API: a line break or an escape sequence in one
 * must neither break the table nor reach the terminal. */
static void test_table_control_characters(void **state)
{
	(void)state;
	struct cluster_record evil, quiet;
	record_quiet(&quiet);
	set_cluster(&evil, "44444444-dddd", "evil\nname\t\x1b[31mred\r", "nyc\n3",
		    "1.29.1-do.0", CLUSTER_STATE_RUNNING, false);
	evil.have_upgrades = true;
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, NULL, &evil, 1), ERR_OK);
	assert_int_equal(report_add(r, NULL, &quiet, 1), ERR_OK);
	char *text = table_of(r);
	assert_null(strchr(text, '\x1b'));
	assert_null(strchr(text, '\t'));
	assert_null(strchr(text, '\r'));
	char *lines[8];
	assert_int_equal(split_lines(text, lines, 8), 3);
	long start[NCOL];
	column_starts(lines[0], start);
	expect_cell(lines[1], start, CLUSTER, "evil?name??[31mred?");
	expect_cell(lines[1], start, REGION, "nyc?3");
	expect_cell(lines[1], start, ID, "44444444-dddd");
	expect_cell(lines[1], start, CA, "-");
	/* the next line is still aligned */
	expect_cell(lines[2], start, CLUSTER, "staging");
	expect_cell(lines[2], start, REGION, "ams3");
	expect_cell(lines[2], start, CA, "-");
	free(text);
	report_free(r);
	cluster_record_cleanup(&evil);
	cluster_record_cleanup(&quiet);
}

/* DEL is a control character too (the log escapes it as one). */
static void test_table_replaces_del(void **state)
{
	(void)state;
	struct cluster_record evil;
	set_cluster(&evil, "55555555-eeee", "del\x7fname", "nyc1", "1.29.1-do.0",
		    CLUSTER_STATE_RUNNING, false);
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, NULL, &evil, 1), ERR_OK);
	char *text = table_of(r);
	bool del = strchr(text, '\x7f') != NULL;
	free(text);
	report_free(r);
	cluster_record_cleanup(&evil);
	assert_false(del);
}

static void test_table_empty(void **state)
{
	(void)state;
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_non_null(r);
	char *text = table_of(r);
	char *lines[4];
	assert_int_equal(split_lines(text, lines, 4), 2);
	assert_int_equal(strncmp(lines[0], "CLUSTER", 7), 0);
	assert_string_equal(lines[1], "(no clusters)");
	free(text);
	assert_false(report_upgrade_pending(r));
	report_free(r);
}

/* ---- upgrade_pending --------------------------------------------------- */

static void test_upgrade_pending(void **state)
{
	(void)state;
	struct cluster_record full, quiet, unknown;
	record_full(&full);
	record_quiet(&quiet);
	record_unknown(&unknown);

	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_false(report_upgrade_pending(r));
	assert_int_equal(report_add(r, NULL, &quiet, 1), ERR_OK);
	assert_int_equal(report_add(r, NULL, &unknown, -1), ERR_OK);
	assert_false(report_upgrade_pending(r));
	assert_int_equal(report_add(r, NULL, &full, 1), ERR_OK);
	assert_true(report_upgrade_pending(r));
	report_free(r);

	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, "prod", &full, 1), ERR_OK);
	assert_true(report_upgrade_pending(r));
	report_free(r);

	cluster_record_cleanup(&full);
	cluster_record_cleanup(&quiet);
	cluster_record_cleanup(&unknown);
}

/* Many rows: the report grows. */
static void test_many_clusters(void **state)
{
	(void)state;
	enum { N = 40 };
	struct cluster_record recs[N];
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	for (int i = 0; i < N; i++) {
		char id[32], name[32];
		snprintf(id, sizeof id, "id-%02d", i);
		snprintf(name, sizeof name, "c%d", i);
		set_cluster(&recs[i], id, name, "fra1", "1.30.1-do.0", CLUSTER_STATE_RUNNING, true);
		recs[i].have_upgrades = true;
		assert_int_equal(report_add(r, NULL, &recs[i], 1), ERR_OK);
	}
	char *text = table_of(r);
	char *lines[N + 2];
	assert_int_equal(split_lines(text, lines, N + 2), N + 1);
	long start[NCOL];
	column_starts(lines[0], start);
	expect_cell(lines[N], start, ID, "id-39");
	expect_cell(lines[N], start, CLUSTER, "c39");
	free(text);
	cJSON *root = json_of(r, false);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "clusters")), N);
	cJSON_Delete(root);
	report_free(r);
	for (int i = 0; i < N; i++)
		cluster_record_cleanup(&recs[i]);
}

/* ---- JSON -------------------------------------------------------------- */

static const cJSON *field(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!v)
		fail_msg("no field %s", name);
	return v;
}

static void want_string(const cJSON *o, const char *name, const char *want)
{
	const cJSON *v = field(o, name);
	if (!cJSON_IsString(v))
		fail_msg("%s is not a string", name);
	if (strcmp(v->valuestring, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", name, v->valuestring, want);
}

static void want_null(const cJSON *o, const char *name)
{
	if (!cJSON_IsNull(field(o, name)))
		fail_msg("%s is not null", name);
}

static void want_bool(const cJSON *o, const char *name, bool want)
{
	const cJSON *v = field(o, name);
	if (!cJSON_IsBool(v))
		fail_msg("%s is not a boolean", name);
	if (cJSON_IsTrue(v) != want)
		fail_msg("%s: got %d, want %d", name, cJSON_IsTrue(v), want);
}

static void test_json(void **state)
{
	(void)state;
	struct cluster_record full, quiet, unknown;
	record_full(&full);
	record_quiet(&quiet);
	record_unknown(&unknown);
	full.upgrades.versions[1].first_seen = 0; /* not known: null */
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, NULL, &full, 1), ERR_OK);
	assert_int_equal(report_add(r, "", &quiet, 0), ERR_OK);
	assert_int_equal(report_add(r, NULL, &unknown, -1), ERR_OK);

	cJSON *root = json_of(r, false);
	assert_true(cJSON_IsObject(root));
	want_bool(root, "upgrade_pending", true);
	want_bool(root, "request_failed", false);
	const cJSON *clusters = field(root, "clusters");
	assert_true(cJSON_IsArray(clusters));
	assert_int_equal(cJSON_GetArraySize(clusters), 3);

	const cJSON *c = cJSON_GetArrayItem(clusters, 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(c, "account"));
	want_string(c, "id", "11111111-aaaa");
	want_string(c, "name", "prod-1");
	want_string(c, "region", "nyc1");
	want_string(c, "version", "1.29.1-do.0");
	want_string(c, "state", "running");
	const cJSON *ups = field(c, "upgrades");
	assert_true(cJSON_IsArray(ups));
	assert_int_equal(cJSON_GetArraySize(ups), 2);
	const cJSON *u0 = cJSON_GetArrayItem(ups, 0);
	want_string(u0, "version_slug", "1.29.2-do.0");
	want_string(u0, "kubernetes_version", "1.29.2");
	want_string(u0, "kind", "patch");
	want_string(u0, "first_seen", "2026-11-20T10:00:00Z");
	const cJSON *u1 = cJSON_GetArrayItem(ups, 1);
	want_string(u1, "version_slug", "1.30.5-do.0");
	want_string(u1, "kind", "minor");
	want_null(u1, "first_seen");
	want_string(c, "pending_since", "2026-11-20T10:00:00Z");
	want_string(c, "next_maintenance_window", "2026-11-28T03:00:00Z");
	want_bool(c, "auto_upgrade", true);
	want_bool(c, "version_supported", true);
	want_string(c, "ca_expiry", "2027-03-01T00:00:00Z");

	c = cJSON_GetArrayItem(clusters, 1);
	assert_null(cJSON_GetObjectItemCaseSensitive(c, "account"));
	want_string(c, "id", "22222222-bbbb");
	want_string(c, "name", "staging");
	want_string(c, "state", "provisioning");
	ups = field(c, "upgrades");
	assert_true(cJSON_IsArray(ups));
	assert_int_equal(cJSON_GetArraySize(ups), 0);
	want_null(c, "pending_since");
	want_null(c, "next_maintenance_window");
	want_bool(c, "auto_upgrade", false);
	want_bool(c, "version_supported", false);
	want_null(c, "ca_expiry");

	/* not known: null, not an empty list or false */
	c = cJSON_GetArrayItem(clusters, 2);
	want_string(c, "id", "33333333-cccc");
	want_null(c, "upgrades");
	want_null(c, "pending_since");
	want_null(c, "next_maintenance_window");
	want_null(c, "auto_upgrade");
	want_null(c, "version_supported");
	want_null(c, "ca_expiry");
	cJSON_Delete(root);

	/* a failed request is reported as such */
	root = json_of(r, true);
	want_bool(root, "request_failed", true);
	want_bool(root, "upgrade_pending", true);
	cJSON_Delete(root);

	report_free(r);
	cluster_record_cleanup(&full);
	cluster_record_cleanup(&quiet);
	cluster_record_cleanup(&unknown);
}

/* A time no calendar of ours can hold (a corrupt state file once gave
 * 1e300, whose conversion to time_t is undefined, and printed a year
 * -219246529) is unknown: "?" in the table, null in JSON. */
static void test_impossible_times(void **state)
{
	(void)state;
	static const double bad[] = { 1e300, 1e17, 253402300800.0, -1.0, INFINITY, NAN };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct cluster_record full;
		record_full(&full);
		full.upgrades.pending_since = bad[i];
		full.upgrades.versions[0].first_seen = bad[i];
		full.credentials.ca_expires_at = bad[i];
		struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
		assert_int_equal(report_add(r, NULL, &full, 1), ERR_OK);

		char *text = table_of(r);
		char *lines[4];
		assert_int_equal(split_lines(text, lines, 4), 2);
		long start[NCOL];
		column_starts(lines[0], start);
		expect_cell(lines[1], start, PENDING, "?");
		expect_cell(lines[1], start, CA, "?");
		free(text);

		cJSON *root = json_of(r, false);
		const cJSON *c = cJSON_GetArrayItem(field(root, "clusters"), 0);
		want_null(c, "pending_since");
		want_null(c, "ca_expiry");
		want_null(cJSON_GetArrayItem(field(c, "upgrades"), 0), "first_seen");
		/* a good time beside them is still written */
		want_string(cJSON_GetArrayItem(field(c, "upgrades"), 1), "first_seen",
			    "2026-11-21T12:30:00Z");
		cJSON_Delete(root);
		report_free(r);
		cluster_record_cleanup(&full);
	}
	/* the last second of year 9999 is still a time */
	struct cluster_record full;
	record_full(&full);
	full.upgrades.pending_since = 253402300799.0;
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, NULL, &full, 1), ERR_OK);
	cJSON *root = json_of(r, false);
	want_string(cJSON_GetArrayItem(field(root, "clusters"), 0), "pending_since",
		    "9999-12-31T23:59:59Z");
	cJSON_Delete(root);
	report_free(r);
	cluster_record_cleanup(&full);
}

static void test_json_accounts_and_names(void **state)
{
	(void)state;
	struct cluster_record quiet, evil;
	record_quiet(&quiet);
	set_cluster(&evil, "44444444-dddd", "evil\n\"name\"\x1b", "nyc1", "1.29.1-do.0",
		    CLUSTER_STATE_RUNNING, false);
	evil.have_upgrades = true;
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, "prod", &quiet, 1), ERR_OK);
	assert_int_equal(report_add(r, "qa", &evil, 1), ERR_OK);
	cJSON *root = json_of(r, false);
	want_bool(root, "upgrade_pending", false);
	const cJSON *clusters = field(root, "clusters");
	assert_int_equal(cJSON_GetArraySize(clusters), 2);
	want_string(cJSON_GetArrayItem(clusters, 0), "account", "prod");
	want_string(cJSON_GetArrayItem(clusters, 1), "account", "qa");
	/* JSON escapes; the name comes back as it was */
	want_string(cJSON_GetArrayItem(clusters, 1), "name", "evil\n\"name\"\x1b");
	cJSON_Delete(root);
	report_free(r);
	cluster_record_cleanup(&quiet);
	cluster_record_cleanup(&evil);
}

static void test_json_empty(void **state)
{
	(void)state;
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	cJSON *root = json_of(r, false);
	want_bool(root, "upgrade_pending", false);
	want_bool(root, "request_failed", false);
	const cJSON *clusters = field(root, "clusters");
	assert_true(cJSON_IsArray(clusters));
	assert_int_equal(cJSON_GetArraySize(clusters), 0);
	cJSON_Delete(root);
	report_free(r);
}

/* A stream that fails: ERR_IO, not silence. */
static void test_write_errors(void **state)
{
	(void)state;
	FILE *f = fopen("/dev/full", "w"); /* every Linux has it */
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	struct cluster_record full;
	record_full(&full);
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, NULL, &full, 1), ERR_OK);
	assert_int_equal(report_write_table(r, f), ERR_IO);
	clearerr(f);
	assert_int_equal(report_write_json(r, false, f), ERR_IO);
	fclose(f);
	report_free(r);
	cluster_record_cleanup(&full);
}

/* report_add copies what it needs: a record the caller changes or frees
 * afterwards does not change the report. */
static void test_add_copies_the_record(void **state)
{
	(void)state;
	struct cluster_record full;
	record_full(&full);
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, NULL, &full, 1), ERR_OK);
	/* the next cycle: upgraded, nothing offered any more */
	size_t count = full.upgrades.count;
	full.upgrades.count = 0;
	full.cluster.auto_upgrade = false;
	bool pending = report_upgrade_pending(r);
	cJSON *root = json_of(r, false);
	full.upgrades.count = count;
	const cJSON *c = cJSON_GetArrayItem(field(root, "clusters"), 0);
	int ups = cJSON_GetArraySize(field(c, "upgrades"));
	bool auto_upgrade = cJSON_IsTrue(field(c, "auto_upgrade"));
	cJSON_Delete(root);
	report_free(r);
	cluster_record_cleanup(&full);
	assert_true(pending);
	assert_int_equal(ups, 2);
	assert_true(auto_upgrade);

	/* the record may go right after (ASan and valgrind watch the reads) */
	record_full(&full);
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, "prod", &full, 1), ERR_OK);
	cluster_record_cleanup(&full);
	assert_true(report_upgrade_pending(r));
	char *text = table_of(r);
	assert_non_null(strstr(text, "1.29.2-do.0 (patch), 1.30.5-do.0 (minor)"));
	free(text);
	root = json_of(r, false);
	c = cJSON_GetArrayItem(field(root, "clusters"), 0);
	const cJSON *u0 = cJSON_GetArrayItem(field(c, "upgrades"), 0);
	want_string(u0, "version_slug", "1.29.2-do.0");
	want_string(u0, "kubernetes_version", "1.29.2");
	want_string(u0, "first_seen", "2026-11-20T10:00:00Z");
	want_string(c, "pending_since", "2026-11-20T10:00:00Z");
	want_string(c, "next_maintenance_window", "2026-11-28T03:00:00Z");
	want_string(c, "ca_expiry", "2027-03-01T00:00:00Z");
	want_bool(c, "auto_upgrade", true);
	cJSON_Delete(root);
	report_free(r);
}

/* ---- readiness: the new columns and fields ------------------------------ */

#define T_EOS 1796169600.0    /* 2026-12-02T00:00:00Z: 7 days after NOW */
#define T_FORCED 1796785200.0 /* 2026-12-09T03:00:00Z: 14 days 3 hours after NOW */
#define T_LINT 1795489200.0   /* 2026-11-24T03:00:00Z */
#define T_MSG 1795520000.0    /* 2026-11-24T11:33:20Z */
#define T_UP_START 1795000000.0 /* 2026-11-18T11:06:40Z */

static void set_lint(struct cluster_record *r, long errors, long warnings, long suggestions)
{
	r->have_clusterlint = true;
	r->clusterlint.linted = true;
	r->clusterlint.completed_at = T_LINT;
	r->clusterlint.counts[CLUSTERLINT_ERROR] = errors;
	r->clusterlint.counts[CLUSTERLINT_WARNING] = warnings;
	r->clusterlint.counts[CLUSTERLINT_SUGGESTION] = suggestions;
}

static void add_finding(struct cluster_record *r, const char *check,
			enum clusterlint_severity sev, const char *kind, const char *ns,
			const char *name, const char *message)
{
	struct clusterlint *l = &r->clusterlint;
	struct clusterlint_finding *nf = realloc(l->findings, (l->finding_count + 1) * sizeof *nf);
	assert_non_null(nf);
	l->findings = nf;
	l->findings[l->finding_count++] = (struct clusterlint_finding){
		.check_name = dup_or_fail(check), .severity = sev, .message = dup_or_fail(message),
		.object_kind = kind ? dup_or_fail(kind) : NULL,
		.object_namespace = ns ? dup_or_fail(ns) : NULL,
		.object_name = name ? dup_or_fail(name) : NULL
	};
	struct clusterlint_check *nc = realloc(l->checks, (l->check_count + 1) * sizeof *nc);
	assert_non_null(nc);
	l->checks = nc;
	l->checks[l->check_count++] =
		(struct clusterlint_check){ .check_name = dup_or_fail(check), .severity = sev, .count = 1 };
}

static void add_event(struct cluster_record *r, const char *from, const char *to,
		      enum upgrade_kind kind, double start, double end, enum cluster_state outcome)
{
	struct upgrade_history *h = &r->history;
	assert_true(h->count < UPGRADE_HISTORY_MAX);
	h->events[h->count++] = (struct upgrade_event){ .from = dup_or_fail(from),
							.to = to ? dup_or_fail(to) : NULL,
							.kind = kind,
							.start = start,
							.end = end,
							.outcome = outcome };
	if (end > 0)
		h->ended[kind]++;
}

/* prod-1 with everything the readiness parts know: an action verdict. */
static void record_readiness(struct cluster_record *r)
{
	record_full(r);
	set_lint(r, 1, 2, 0);
	add_finding(r, "admission-controller-webhook-timeout", CLUSTERLINT_ERROR,
		    "validating webhook configuration", "", "hook.example.com",
		    "Validating webhook with a TimeoutSeconds value ... will block upgrades.");
	add_finding(r, "dobs-pod-owner", CLUSTERLINT_WARNING, "pod", "default", "db-0",
		    "Pod referencing DOBS volumes must be owned by StatefulSet");
	r->have_status_messages = true;
	r->status_messages.total = 4;
	r->status_messages.last_timestamp = T_MSG;
	r->status_messages.recent[0] =
		(struct status_message){ T_MSG, dup_or_fail("droplet limit exceeded") };
	r->status_messages.recent_count = 1;
	r->have_resources = true;
	r->resources.counts[RESOURCE_LOAD_BALANCER] = 2;
	r->resources.counts[RESOURCE_VOLUME] = 1;
	r->resources.counts[RESOURCE_VOLUME_SNAPSHOT] = 3;
	add_event(r, "1.28.2-do.0", "1.29.1-do.0", UPGRADE_KIND_MINOR, T_UP_START,
		  T_UP_START + 3900, CLUSTER_STATE_DEGRADED);
	r->support = (struct support){ .have_end_of_support = true,
				       .end_of_support = T_EOS,
				       .have_forced_upgrade = true,
				       .forced_upgrade_earliest = T_FORCED,
				       .listed = true };
}

static void test_table_readiness_columns(void **state)
{
	(void)state;
	struct cluster_record ready, quiet, unknown, never;
	record_readiness(&ready);
	record_quiet(&quiet);
	record_unknown(&unknown);
	set_cluster(&never, "66666666-ffff", "never-linted", "lon1", "1.31.1-do.0",
		    CLUSTER_STATE_RUNNING, false);
	never.have_clusterlint = true; /* the API answered 404 */
	never.have_status_messages = true;
	never.have_resources = true;
	never.have_upgrades = true;
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, NULL, &ready, 1), ERR_OK);
	assert_int_equal(report_add(r, NULL, &quiet, 1), ERR_OK);
	assert_int_equal(report_add(r, NULL, &unknown, -1), ERR_OK);
	assert_int_equal(report_add(r, NULL, &never, 1), ERR_OK);
	cluster_record_cleanup(&ready); /* copied: the report needs nothing of it */
	char *text = table_of(r);
	char *lines[8];
	assert_int_equal(split_lines(text, lines, 8), 5);
	long start[NCOL];
	column_starts(lines[0], start);
	for (size_t c = CLUSTER; c < NCOL; c++)
		if (start[c] < 0)
			fail_msg("no %s in the header: %s", HEADERS[c], lines[0]);
	expect_cell(lines[1], start, EOS, "2026-12-02T00:00:00Z");
	expect_cell(lines[1], start, FORCED, "2026-12-09T03:00:00Z");
	expect_cell(lines[1], start, LINT, "1/2/0");
	expect_cell(lines[1], start, LINT_RUN, "2026-11-24T03:00:00Z");
	expect_cell(lines[1], start, MESSAGES, "4");
	expect_cell(lines[1], start, LAST_MESSAGE, "2026-11-24T11:33:20Z");
	expect_cell(lines[1], start, RESOURCES, "2/1/3");
	expect_cell(lines[1], start, LAST_UPGRADE, "1.28.2-do.0->1.29.1-do.0 (minor)");
	expect_cell(lines[1], start, UPGRADE_END, "2026-11-18T12:11:40Z");
	expect_cell(lines[1], start, UPGRADE_TOOK, "1h05m");
	expect_cell(lines[1], start, OUTCOME, "degraded");
	expect_cell(lines[1], start, VERDICT, "action");
	/* forced in 14 days 3 hours: not "within 14 days" yet */
	expect_cell(lines[1], start, REASONS,
		    "clusterlint_errors_before_upgrade,upgrade_pending,end_of_support_soon,"
		    "clusterlint_warnings,last_upgrade_failed");
	/* the finding's object and message never reach the table */
	assert_null(strstr(text, "hook.example.com"));
	assert_null(strstr(text, "droplet limit"));

	expect_cell(lines[2], start, LINT, "?");
	expect_cell(lines[2], start, MESSAGES, "?");
	expect_cell(lines[2], start, RESOURCES, "?");
	expect_cell(lines[2], start, LAST_UPGRADE, "-");
	expect_cell(lines[2], start, OUTCOME, "-");
	expect_cell(lines[2], start, EOS, "-");
	expect_cell(lines[2], start, VERDICT, "ok");
	expect_cell(lines[2], start, REASONS, "-");

	expect_cell(lines[3], start, VERDICT, "ok");
	expect_cell(lines[3], start, LINT, "?");

	/* never linted is not an error, and not unknown either */
	expect_cell(lines[4], start, LINT, "never");
	expect_cell(lines[4], start, LINT_RUN, "-");
	expect_cell(lines[4], start, MESSAGES, "0");
	expect_cell(lines[4], start, LAST_MESSAGE, "-");
	expect_cell(lines[4], start, RESOURCES, "0/0/0");
	expect_cell(lines[4], start, VERDICT, "ok");

	assert_int_equal(report_worst(r), READINESS_ACTION);
	assert_int_equal(report_count(r), 4);
	assert_int_equal(report_verdict(r, 0), READINESS_ACTION);
	assert_int_equal(report_verdict(r, 1), READINESS_OK);
	assert_string_equal(report_cell(r, 3, REPORT_COL_CLUSTER), "never-linted");
	assert_string_equal(report_header(REPORT_COL_VERDICT), "VERDICT");
	assert_false(report_has_accounts(r));
	free(text);
	report_free(r);
	cluster_record_cleanup(&quiet);
	cluster_record_cleanup(&unknown);
	cluster_record_cleanup(&never);
}

/* An upgrade in progress has no end, duration or outcome yet. */
static void test_table_upgrade_in_progress(void **state)
{
	(void)state;
	struct cluster_record c;
	record_quiet(&c);
	add_event(&c, "1.29.1-do.0", NULL, UPGRADE_KIND_PATCH, T_UP_START, 0,
		  CLUSTER_STATE_UPGRADING);
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, NULL, &c, 1), ERR_OK);
	char *text = table_of(r);
	char *lines[4];
	assert_int_equal(split_lines(text, lines, 4), 2);
	long start[NCOL];
	column_starts(lines[0], start);
	expect_cell(lines[1], start, LAST_UPGRADE, "1.29.1-do.0->? (patch)");
	expect_cell(lines[1], start, UPGRADE_END, "-");
	expect_cell(lines[1], start, UPGRADE_TOOK, "-");
	expect_cell(lines[1], start, OUTCOME, "upgrading");
	expect_cell(lines[1], start, VERDICT, "ok");
	free(text);
	cJSON *root = json_of(r, false);
	const cJSON *u = field(cJSON_GetArrayItem(field(root, "clusters"), 0), "last_upgrade");
	want_string(u, "from", "1.29.1-do.0");
	want_null(u, "to");
	want_null(u, "end");
	want_null(u, "duration_seconds");
	want_null(u, "outcome");
	want_bool(u, "success", false);
	cJSON_Delete(root);
	report_free(r);
	cluster_record_cleanup(&c);
}

static double want_number(const cJSON *o, const char *name)
{
	const cJSON *v = field(o, name);
	if (!cJSON_IsNumber(v))
		fail_msg("%s is not a number", name);
	return v->valuedouble;
}

static void test_json_readiness(void **state)
{
	(void)state;
	struct cluster_record ready, unknown, never;
	record_readiness(&ready);
	record_unknown(&unknown);
	set_cluster(&never, "66666666-ffff", "never-linted", "lon1", "1.31.1-do.0",
		    CLUSTER_STATE_RUNNING, false);
	never.have_clusterlint = true;
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_add(r, NULL, &ready, 1), ERR_OK);
	assert_int_equal(report_add(r, NULL, &unknown, -1), ERR_OK);
	assert_int_equal(report_add(r, NULL, &never, 1), ERR_OK);
	cJSON *root = json_of(r, false);
	/* the version comes first, for readers that check it before anything */
	assert_string_equal(root->child->string, "schema");
	assert_true(want_number(root, "schema") == 1);
	want_string(root, "generated_at", "2026-11-25T00:00:00Z");
	want_string(root, "verdict", "action");
	const cJSON *clusters = field(root, "clusters");

	const cJSON *c = cJSON_GetArrayItem(clusters, 0);
	want_string(c, "verdict", "action");
	const cJSON *reasons = field(c, "reasons");
	assert_int_equal(cJSON_GetArraySize(reasons), 5);
	assert_string_equal(cJSON_GetArrayItem(reasons, 0)->valuestring,
			    "clusterlint_errors_before_upgrade");
	want_string(c, "end_of_support", "2026-12-02T00:00:00Z");
	want_string(c, "forced_upgrade_earliest", "2026-12-09T03:00:00Z");
	want_bool(c, "unsupported", false);
	want_null(c, "unsupported_since");
	want_bool(c, "support_timeline_listed", true);
	const cJSON *l = field(c, "clusterlint");
	want_bool(l, "linted", true);
	want_string(l, "completed_at", "2026-11-24T03:00:00Z");
	const cJSON *counts = field(l, "counts");
	assert_true(want_number(counts, "error") == 1);
	assert_true(want_number(counts, "warning") == 2);
	assert_true(want_number(counts, "suggestion") == 0);
	assert_int_equal(cJSON_GetArraySize(field(l, "checks")), 2);
	const cJSON *f0 = cJSON_GetArrayItem(field(l, "findings"), 0);
	want_string(f0, "check_name", "admission-controller-webhook-timeout");
	want_string(f0, "severity", "error");
	want_string(field(f0, "object"), "name", "hook.example.com");
	want_string(field(f0, "object"), "kind", "validating webhook configuration");
	want_string(f0, "message",
		    "Validating webhook with a TimeoutSeconds value ... will block upgrades.");
	assert_true(want_number(l, "findings_dropped") == 0);
	const cJSON *m = field(c, "status_messages");
	assert_true(want_number(m, "total") == 4);
	want_string(m, "last", "2026-11-24T11:33:20Z");
	const cJSON *m0 = cJSON_GetArrayItem(field(m, "recent"), 0);
	want_string(m0, "timestamp", "2026-11-24T11:33:20Z");
	want_string(m0, "message", "droplet limit exceeded");
	const cJSON *res = field(c, "associated_resources");
	assert_true(want_number(res, "load_balancer") == 2);
	assert_true(want_number(res, "volume") == 1);
	assert_true(want_number(res, "volume_snapshot") == 3);
	const cJSON *u = field(c, "last_upgrade");
	want_string(u, "from", "1.28.2-do.0");
	want_string(u, "to", "1.29.1-do.0");
	want_string(u, "kind", "minor");
	want_string(u, "start", "2026-11-18T11:06:40Z");
	want_string(u, "end", "2026-11-18T12:11:40Z");
	assert_true(want_number(u, "duration_seconds") == 3900);
	want_string(u, "outcome", "degraded");
	want_bool(u, "success", false);
	assert_true(want_number(field(c, "upgrades_ended"), "minor") == 1);

	/* unknown parts are null, not empty */
	c = cJSON_GetArrayItem(clusters, 1);
	want_null(c, "clusterlint");
	want_null(c, "status_messages");
	want_null(c, "associated_resources");
	want_null(c, "last_upgrade");
	want_null(c, "end_of_support");
	want_null(c, "forced_upgrade_earliest");
	want_string(c, "verdict", "ok");
	assert_int_equal(cJSON_GetArraySize(field(c, "reasons")), 0);

	/* never linted: linted false and nothing else */
	c = cJSON_GetArrayItem(clusters, 2);
	l = field(c, "clusterlint");
	want_bool(l, "linted", false);
	assert_int_equal(cJSON_GetArraySize(l), 1);
	cJSON_Delete(root);
	report_free(r);
	cluster_record_cleanup(&ready);
	cluster_record_cleanup(&unknown);
	cluster_record_cleanup(&never);
}

static void test_worst(void **state)
{
	(void)state;
	struct cluster_record quiet, full;
	record_quiet(&quiet);
	record_full(&full);
	struct report *r = NULL;
	assert_int_equal(report_new(NOW, &r), ERR_OK);
	assert_int_equal(report_worst(r), READINESS_OK);
	assert_int_equal(report_add(r, NULL, &quiet, 1), ERR_OK);
	assert_int_equal(report_worst(r), READINESS_OK);
	assert_int_equal(report_add(r, NULL, &full, 1), ERR_OK); /* upgrades pending */
	assert_int_equal(report_worst(r), READINESS_ATTENTION);
	quiet.support.unsupported = true;
	assert_int_equal(report_add(r, NULL, &quiet, 1), ERR_OK);
	assert_int_equal(report_worst(r), READINESS_ACTION);
	report_free(r);
	cluster_record_cleanup(&quiet);
	cluster_record_cleanup(&full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_unknown_is_not_none),
		cmocka_unit_test(test_table_with_accounts),
		cmocka_unit_test(test_table_control_characters),
		cmocka_unit_test(test_table_replaces_del),
		cmocka_unit_test(test_table_empty),
		cmocka_unit_test(test_upgrade_pending),
		cmocka_unit_test(test_many_clusters),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_accounts_and_names),
		cmocka_unit_test(test_json_empty),
		cmocka_unit_test(test_impossible_times),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_add_copies_the_record),
		cmocka_unit_test(test_table_readiness_columns),
		cmocka_unit_test(test_table_upgrade_in_progress),
		cmocka_unit_test(test_json_readiness),
		cmocka_unit_test(test_worst),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
