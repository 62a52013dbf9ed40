/* test_timeline.c - timeline.h: the shipped end-of-support table, the
 * faults of a table file (each refused with its line), minor releases of
 * slugs, and the earliest forced upgrade in a maintenance window. The
 * binary runs from the repository root; bad files are written under /tmp
 * and what the loader logs is read back from stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maintenance.h"
#include "timeline.h"

#define SHIPPED "config/support-timeline.json"
#define DAY 86400.0
#define H 3600.0

/* 00:00 UTC on a few dates (checked against `date -u -d ... +%s`). */
#define D_2021_09_01 1630454400.0
#define D_2021_10_30 1635552000.0
#define D_2024_02_29 1709164800.0
#define D_2025_10_28 1761609600.0
#define D_2025_11_19 1763510400.0
#define D_2025_11_27 1764201600.0
#define D_2026_10_27 1793059200.0
#define D_2026_11_26 1795651200.0 /* a Thursday */

/* ---- helpers ----------------------------------------------------------- */

struct result {
	enum err rc;
	struct timeline *t;
	char *log; /* what timeline_load wrote to stderr */
};

static void load_path(const char *path, struct result *r)
{
	r->t = (struct timeline *)r; /* sentinel: untouched on failure */
	struct capture c = { 0 };
	capture_start(&c);
	r->rc = timeline_load(path, &r->t);
	r->log = capture_end(&c);
	if (r->rc != ERR_OK)
		assert_ptr_equal(r->t, (struct timeline *)r);
	else
		assert_non_null(r->t);
}

static void write_file(const char *path, const char *content, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void load_bytes(const char *content, size_t len, struct result *r)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/doks_unit_timeline_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, content, len);
	load_path(path, r);
	unlink(path);
}

static void load_text(const char *content, struct result *r)
{
	load_bytes(content, strlen(content), r);
}

static void done(struct result *r)
{
	if (r->rc == ERR_OK)
		timeline_free(r->t);
	free(r->log);
}

static size_t count_of(const char *text, const char *part)
{
	size_t n = 0;
	for (const char *p = strstr(text, part); p; p = strstr(p + 1, part))
		n++;
	return n;
}

/* content must be refused with ERR_CONFIG in exactly one log line that
 * holds every one of the NULL-ended parts (a line, a key, a reason). */
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
	if (count_of(log, "level=error") != 1)
		fail_msg("want one error line, got: %s\nfor:\n%s", log, content);
	for (size_t i = 0; parts[i]; i++)
		if (!strstr(log, parts[i]))
			fail_msg("\"%s\" not in: %s\nfor:\n%s", parts[i], log, content);
	if (!strstr(log, "msg=\"invalid support timeline\"") ||
	    !strstr(log, "file=/tmp/doks_unit_timeline_"))
		fail_msg("message or file missing in: %s", log);
}

#define expect_error(content, ...) \
	expect_error_parts(content, (const char *const[]){ __VA_ARGS__, NULL })

/* A valid file whose row 0 (line 4) is replaced by row. */
#define WITH_ROW(row)                                                          \
	"{\n"                                                                  \
	"  \"taken\": \"2025-11-19\",\n"                                       \
	"  \"releases\": [\n"                                                  \
	"    " row ",\n"                                                       \
	"    {\"release\": \"1.34\", \"end_of_support\": \"2026-10-27\", "    \
	"\"upgrades_begin\": \"2026-11-26\"}\n"                               \
	"  ]\n"                                                                \
	"}\n"

#define ROW(release, eos, begin)                                          \
	"{\"release\": " release ", \"end_of_support\": " eos ", "          \
	"\"upgrades_begin\": " begin "}"

/* ---- the shipped table --------------------------------------------------- */

static void expect_row(const struct timeline *t, const char *minor, double eos, double begin)
{
	double e = -1, b = -1;
	if (!timeline_find(t, minor, &e, &b))
		fail_msg("%s not in the shipped table", minor);
	if (e != eos || b != begin)
		fail_msg("%s: end_of_support %.0f, upgrades_begin %.0f; want %.0f, %.0f", minor, e,
			 b, eos, begin);
}

static void test_shipped_table(void **state)
{
	(void)state;
	struct result r;
	load_path(SHIPPED, &r);
	if (r.rc != ERR_OK)
		fail_msg("shipped table rejected: %s", r.log);
	assert_string_equal(r.log, "");
	const struct timeline *t = r.t;
	assert_true(timeline_taken(t) == D_2025_11_19);
	assert_string_equal(timeline_source(t),
			    "https://docs.digitalocean.com/products/kubernetes/details/supported-releases/");
	/* 1.11 to 1.34, one row each, in order */
	assert_int_equal(timeline_count(t), 24);
	for (size_t i = 0; i < 24; i++) {
		const char *release = NULL;
		char want[16];
		assert_true(timeline_row(t, i, &release, NULL, NULL));
		snprintf(want, sizeof want, "1.%zu", i + 11);
		assert_string_equal(release, want);
	}
	assert_false(timeline_row(t, 24, NULL, NULL, NULL));
	/* the source's "1.11-1.14" row, as four */
	expect_row(t, "1.11", D_2021_09_01, D_2021_09_01 + 30 * DAY);
	expect_row(t, "1.14", D_2021_09_01, D_2021_09_01 + 30 * DAY);
	/* 1.19: the one gap of 59 days, which the column keeps */
	expect_row(t, "1.19", D_2021_09_01, D_2021_10_30);
	assert_true(D_2021_10_30 - D_2021_09_01 == 59 * DAY);
	expect_row(t, "1.31", D_2025_10_28, D_2025_11_27);
	expect_row(t, "1.34", D_2026_10_27, D_2026_11_26);
	/* gaps of 27 to 30 days elsewhere */
	for (size_t i = 0; i < timeline_count(t); i++) {
		const char *release;
		double e, b;
		assert_true(timeline_row(t, i, &release, &e, &b));
		if (strcmp(release, "1.19") != 0 && (b - e < 27 * DAY || b - e > 30 * DAY))
			fail_msg("%s: a gap of %.0f days", release, (b - e) / DAY);
	}
	/* not listed: newer than the copy, or not a release */
	double untouched = 42;
	assert_false(timeline_find(t, "1.35", &untouched, &untouched));
	assert_false(timeline_find(t, "1.3", NULL, NULL));
	assert_false(timeline_find(t, "1.31.1", NULL, NULL));
	assert_true(untouched == 42);
	assert_true(timeline_find(t, "1.33", NULL, NULL));
	done(&r);
}

/* ---- files that load --------------------------------------------------- */

static void test_minimal_file(void **state)
{
	(void)state;
	struct result r;
	/* compact JSON, no "source", a leap day, upgrades on the day support
	 * ends, string escapes */
	load_text("{\"taken\":\"2030-01-01\",\"releases\":[{\"release\":\"1.40\","
		  "\"end_of_support\":\"2024-02-29\",\"upgrades_begin\":\"2024-02-29\"},"
		  "{\"release\":\"\\u0031.9\",\"end_of_support\":\"2024-02-29\","
		  "\"upgrades_begin\":\"2024-03-01\"}]}",
		  &r);
	if (r.rc != ERR_OK)
		fail_msg("rejected: %s", r.log);
	/* a "taken" in the future is the caller's to judge */
	assert_true(timeline_taken(r.t) > D_2026_11_26);
	assert_null(timeline_source(r.t));
	assert_int_equal(timeline_count(r.t), 2);
	double e, b;
	assert_true(timeline_find(r.t, "1.40", &e, &b));
	assert_true(e == D_2024_02_29 && b == D_2024_02_29);
	assert_true(timeline_find(r.t, "1.9", &e, &b));
	assert_true(b == D_2024_02_29 + DAY);
	done(&r);
}

/* Exactly 1 MiB loads; one byte more is refused. */
static void test_size_limit(void **state)
{
	(void)state;
	const char head[] = WITH_ROW(ROW("\"1.31\"", "\"2025-10-28\"", "\"2025-11-27\""));
	char *text = malloc(TIMELINE_FILE_MAX + 1);
	assert_non_null(text);
	memset(text, ' ', TIMELINE_FILE_MAX + 1);
	memcpy(text, head, sizeof head - 1);
	struct result r;
	load_bytes(text, TIMELINE_FILE_MAX, &r);
	enum err rc = r.rc;
	done(&r);
	load_bytes(text, TIMELINE_FILE_MAX + 1, &r);
	free(text);
	enum err rc_over = r.rc;
	bool said = strstr(r.log, "larger than 1 MiB") && strstr(r.log, "file=/tmp/");
	done(&r);
	assert_int_equal(rc, ERR_OK);
	assert_int_equal(rc_over, ERR_CONFIG);
	assert_true(said);
}

/* ---- faults, each with its line -------------------------------------------- */

static void test_rows_refused(void **state)
{
	(void)state;
	expect_error(WITH_ROW("{\"release\": \"1.31\", \"end_of_support\": \"2025-10-28\", "
			      "\"upgrades_begin\": \"2025-11-27\", \"eol\": \"2025-10-28\"}"),
		     "line=4", "key=releases[0].eol", "unknown key");
	expect_error(WITH_ROW("{\"release\": \"1.31\", \"upgrades_begin\": \"2025-11-27\"}"),
		     "line=4", "key=releases[0].end_of_support", "err=missing");
	expect_error(WITH_ROW("{\"end_of_support\": \"2025-10-28\", \"upgrades_begin\": "
			      "\"2025-11-27\"}"),
		     "line=4", "key=releases[0].release", "err=missing");
	/* the row's own line, not the array's, when it is not the first */
	expect_error("{\"taken\": \"2025-11-19\", \"releases\": [\n"
		     "  {\"release\": \"1.33\", \"end_of_support\": \"2026-06-28\", "
		     "\"upgrades_begin\": \"2026-07-27\"},\n"
		     "  {\"release\": \"1.34\", \"end_of_support\": \"2026-10-27\"}\n"
		     "]}\n",
		     "line=3", "key=releases[1].upgrades_begin", "err=missing");
	expect_error(WITH_ROW("\"1.31\""), "line=4", "key=releases[0]", "must be a JSON object");
	expect_error(WITH_ROW("{\"release\": \"1.31\", \"release\": \"1.32\", "
			      "\"end_of_support\": \"2025-10-28\", \"upgrades_begin\": \"2025-11-27\"}"),
		     "line=4", "duplicate key");
}

static void test_bad_dates(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\"2025-02-29\"", /* not a leap year */
		"\"2100-02-29\"", /* nor this one */
		"\"2024-13-01\"", "\"2024-00-10\"", "\"2024-04-31\"", "\"2024-01-00\"",
		"\"2024-2-28\"",  "\"24-02-28\"",   "\"2024/02/28\"", "\"2024-02-28T00:00:00Z\"",
		"\"2024-02-28 \"", "\" 2024-02-28\"", "\"1999-12-31\"", "\"2200-01-01\"",
		"\"\"",           "\"2024-02-2x\"", "\"+024-02-28\"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char row[256], file[512];
		snprintf(row, sizeof row, ROW("\"1.31\"", "%s", "\"2025-11-27\""), bad[i]);
		snprintf(file, sizeof file, WITH_ROW("%s"), row);
		expect_error(file, "line=4", "key=releases[0].end_of_support", "not a date");
	}
	/* not a string at all */
	expect_error(WITH_ROW(ROW("\"1.31\"", "\"2025-10-28\"", "2025-11-27")), "line=4",
		     "key=releases[0].upgrades_begin", "must be a string in double quotes");
	expect_error(WITH_ROW(ROW("\"1.31\"", "\"2025-10-28\"", "null")), "line=4",
		     "must be a string in double quotes");
	/* the date on its own line names that line */
	expect_error(WITH_ROW("{\"release\": \"1.31\",\n     \"end_of_support\": \"2025-10-28\",\n"
			      "     \"upgrades_begin\": \"2025-11-31\"}"),
		     "line=6", "key=releases[0].upgrades_begin", "not a date");
}

static void test_bad_releases(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\"1.31.1\"", "\"v1.31\"", "\"1\"",     "\"01.31\"",  "\"1.031\"",  "\"1.\"",
		"\".31\"",    "\"1.31 \"", "\"1,31\"",  "\"1.-1\"",   "\"\"",       "\"123456.1\"",
		"\"1.x\"",    "\"1..31\"", "\"1.31a\"", "\"-1.31\"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char row[256], file[512];
		snprintf(row, sizeof row, ROW("%s", "\"2025-10-28\"", "\"2025-11-27\""), bad[i]);
		snprintf(file, sizeof file, WITH_ROW("%s"), row);
		expect_error(file, "line=4", "key=releases[0].release", "not a release");
	}
	/* a JSON number reads as 1.3 in every JSON tool: refused */
	expect_error(WITH_ROW(ROW("1.31", "\"2025-10-28\"", "\"2025-11-27\"")), "line=4",
		     "key=releases[0].release", "must be a string in double quotes");
	expect_error(WITH_ROW(ROW("\"1.31\\u0000\"", "\"2025-10-28\"", "\"2025-11-27\"")),
		     "line=4", "key=releases[0].release", "NUL");
	/* the second 1.31 (line 5), naming the first */
	expect_error("{\n  \"taken\": \"2025-11-19\",\n  \"releases\": [\n"
		     "    " ROW("\"1.31\"", "\"2025-10-28\"", "\"2025-11-27\"") ",\n"
		     "    " ROW("\"1.31\"", "\"2025-10-28\"", "\"2025-11-28\"") "\n  ]\n}\n",
		     "line=5", "key=releases[1].release", "duplicate release: also at line 4");
}

static void test_upgrades_before_end_of_support(void **state)
{
	(void)state;
	expect_error(WITH_ROW("{\"release\": \"1.31\",\n    \"end_of_support\": \"2025-10-28\",\n"
			      "    \"upgrades_begin\": \"2025-10-27\"}"),
		     "line=6", "key=releases[0].upgrades_begin", "before end_of_support");
}

static void test_top_level_refused(void **state)
{
	(void)state;
	const char *rows = "\"releases\": [" ROW("\"1.31\"", "\"2025-10-28\"", "\"2025-11-27\"") "]";
	char file[512];
	snprintf(file, sizeof file, "{\n%s\n}\n", rows);
	expect_error(file, "line=1", "key=taken", "err=missing");
	snprintf(file, sizeof file, "{\n  \"taken\": \"2025-11-19\",\n  \"tkaen\": \"x\",\n%s\n}\n",
		 rows);
	expect_error(file, "line=3", "key=tkaen", "unknown key");
	snprintf(file, sizeof file, "{\n  \"taken\": \"2025-11-31\",\n%s\n}\n", rows);
	expect_error(file, "line=2", "key=taken", "not a date");
	snprintf(file, sizeof file, "{\n  \"taken\": \"2025-11-19\",\n  \"source\": \"\",\n%s\n}\n",
		 rows);
	expect_error(file, "line=3", "key=source", "empty");
	snprintf(file, sizeof file, "{\n  \"taken\": \"2025-11-19\",\n  \"source\": [],\n%s\n}\n",
		 rows);
	expect_error(file, "line=3", "key=source", "must be a string");
	snprintf(file, sizeof file, "{\n  \"taken\": \"2025-11-19\",\n  \"taken\": \"2025-11-19\",\n%s\n}\n",
		 rows);
	expect_error(file, "line=3", "duplicate key \\\"taken\\\"");
	expect_error("{\n  \"taken\": \"2025-11-19\"\n}\n", "line=1", "key=releases", "err=missing");
	expect_error("{\n  \"taken\": \"2025-11-19\",\n  \"releases\": []\n}\n", "line=3",
		     "key=releases", "at least one release");
	expect_error("{\n  \"taken\": \"2025-11-19\",\n  \"releases\": {}\n}\n", "line=3",
		     "key=releases", "must be a JSON array");
}

static void test_not_json(void **state)
{
	(void)state;
	/* a missing comma: the parser's line */
	expect_error("{\n  \"taken\": \"2025-11-19\"\n  \"releases\": []\n}\n", "line=3",
		     "not JSON");
	expect_error("{\n  \"taken\": \"2025-11-19\",\n  \"releases\": [\n", "not JSON");
	expect_error("", "line=1", "empty");
	expect_error("[]", "line=1", "must be a JSON object");
	expect_error("\"2025-11-19\"", "line=1", "must be a JSON object");
	/* YAML that JSON does not allow */
	expect_error("taken: \"2025-11-19\"\nreleases: []\n", "line=1", "must be a JSON object");
	expect_error("{\n  taken: \"2025-11-19\" }\n", "line=2", "a key must be a string");
	expect_error("{\"taken\": \"2025-11-19\",\n \"releases\":\n  - {\"release\": \"1.31\"}\n}\n",
		     "not JSON");
	expect_error(WITH_ROW(ROW("'1.31'", "\"2025-10-28\"", "\"2025-11-27\"")), "line=4",
		     "must be a string in double quotes");
	/* a second value after the object */
	const char *twice = WITH_ROW(ROW("\"1.31\"", "\"2025-10-28\"", "\"2025-11-27\"")) "---\n{}\n";
	expect_error(twice, "not JSON");
	/* a NUL byte */
	static const char nul[] = "{\"taken\": \"2025-11-19\"}\0{}";
	struct result r;
	load_bytes(nul, sizeof nul - 1, &r);
	enum err rc = r.rc;
	bool said = strstr(r.log, "NUL byte") != NULL;
	done(&r);
	assert_int_equal(rc, ERR_CONFIG);
	assert_true(said);
}

/* Every fault once, in one pass over the file. */
static void test_every_fault_once(void **state)
{
	(void)state;
	struct result r;
	load_text("{\n  \"taken\": \"2025-11-19\",\n  \"color\": \"blue\",\n  \"releases\": [\n"
		  "    " ROW("\"1.31\"", "\"2025-10-28\"", "\"2025-11-27\"") ",\n"
		  "    " ROW("\"1.32\"", "\"2026-02-30\"", "\"2026-03-27\"") ",\n"
		  "    " ROW("\"1.31\"", "\"2025-10-28\"", "\"2025-11-27\"") "\n  ]\n}\n",
		  &r);
	enum err rc = r.rc;
	char log[4096];
	snprintf(log, sizeof log, "%s", r.log);
	done(&r);
	assert_int_equal(rc, ERR_CONFIG);
	if (count_of(log, "level=error") != 3 || !strstr(log, "line=3 key=color") ||
	    !strstr(log, "line=6 key=releases[1].end_of_support") ||
	    !strstr(log, "line=7 key=releases[2].release"))
		fail_msg("want three faults, lines 3, 6 and 7: %s", log);
}

static void test_unreadable(void **state)
{
	(void)state;
	struct result r;
	load_path("/nonexistent/support-timeline.json", &r);
	enum err rc = r.rc;
	bool said = strstr(r.log, "cannot read the support timeline") &&
		    strstr(r.log, "/nonexistent/support-timeline.json");
	done(&r);
	assert_int_equal(rc, ERR_IO);
	assert_true(said);
	char dir[] = "/tmp/doks_unit_timeline_dir_XXXXXX";
	assert_non_null(mkdtemp(dir));
	load_path(dir, &r);
	rc = r.rc;
	done(&r);
	rmdir(dir);
	assert_int_equal(rc, ERR_IO);
}

/* ---- minor releases -------------------------------------------------------- */

static void test_minor_of(void **state)
{
	(void)state;
	char buf[TIMELINE_RELEASE_SIZE];
	static const struct {
		const char *slug, *minor;
	} good[] = {
		{ "1.31.1-do.0", "1.31" }, { "1.9.0", "1.9" },
		{ "1.34.1-do.2", "1.34" }, { "10.0.3", "10.0" },
		{ "99999.99999.1", "99999.99999" },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		memset(buf, 'x', sizeof buf);
		if (!timeline_minor_of(good[i].slug, buf, sizeof buf))
			fail_msg("\"%s\" refused", good[i].slug);
		assert_string_equal(buf, good[i].minor);
	}
	static const char *const bad[] = { "",      "1",      "1.31",   "1.31.",  "1.31-do.0",
					   "v1.31.1", "01.31.1", "1.031.1", "1.31.x", " 1.31.1",
					   "1..1",  "123456.1.1", "1.123456.1", "latest", "1.31,1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memcpy(buf, "untouched", 10);
		if (timeline_minor_of(bad[i], buf, sizeof buf))
			fail_msg("\"%s\" accepted as %s", bad[i], buf);
		assert_string_equal(buf, "untouched");
	}
	/* the buffer's size counts the NUL */
	char small[5];
	memcpy(small, "keep", 5);
	assert_false(timeline_minor_of("1.31.1", small, 4));
	assert_string_equal(small, "keep");
	assert_true(timeline_minor_of("1.31.1", small, 5));
	assert_string_equal(small, "1.31");
}

/* ---- forced upgrades ------------------------------------------------------- */

static double earliest(double begin, const char *day, const char *start, const char *duration)
{
	struct maintenance_policy p;
	if (!maintenance_parse(day, start, duration, &p))
		fail_msg("policy %s %s refused", day, start);
	double out = -1;
	if (!timeline_forced_upgrade_earliest(begin, &p, &out))
		fail_msg("no answer for %s %s", day, start);
	return out;
}

#define assert_time(got, want)                                                       \
	do {                                                                         \
		double g_ = (got), w_ = (want);                                      \
		if (g_ != w_)                                                        \
			fail_msg("got %.0f (begin %+.2f h), want %.0f (begin %+.2f h)", \
				 g_, (g_ - D_2026_11_26) / H, w_, (w_ - D_2026_11_26) / H); \
	} while (0)

static void test_weekly_windows(void **state)
{
	(void)state;
	const double begin = D_2026_11_26; /* Thursday 00:00 UTC */
	/* on the day, later that day */
	assert_time(earliest(begin, "thursday", "03:00", NULL), begin + 3 * H);
	/* at upgrades_begin exactly: that window counts */
	assert_time(earliest(begin, "thursday", "00:00", NULL), begin);
	/* the day before: a week later */
	assert_time(earliest(begin, "wednesday", "03:00", NULL), begin + 6 * DAY + 3 * H);
	/* the day after */
	assert_time(earliest(begin, "friday", "03:00", NULL), begin + DAY + 3 * H);
	/* a minute into the day: the window began before */
	assert_time(earliest(begin + 60, "thursday", "00:00", NULL), begin + 7 * DAY);
}

static void test_any_day_windows(void **state)
{
	(void)state;
	const double begin = D_2026_11_26;
	assert_time(earliest(begin, "any", "05:00", NULL), begin + 5 * H);
	assert_time(earliest(begin, "any", "00:00", NULL), begin);
	assert_time(earliest(begin + 1, "any", "00:00", NULL), begin + DAY);
}

/* A window still running at upgrades_begin started before it: the next
 * window is the first that may carry the upgrade. */
static void test_window_in_progress(void **state)
{
	(void)state;
	const double begin = D_2026_11_26;
	struct maintenance_policy p;
	assert_true(maintenance_parse("wednesday", "22:00", "4h0m0s", &p));
	/* what the test guards against: the window in progress */
	assert_time(maintenance_next_window(&p, begin), begin - 2 * H);
	assert_time(earliest(begin, "wednesday", "22:00", "4h0m0s"), begin + 7 * DAY - 2 * H);
	assert_time(earliest(begin, "any", "22:00", "4h0m0s"), begin + 22 * H);
	/* windows longer than their spacing, each in progress when the next
	 * starts: still the first start on or after upgrades_begin */
	assert_time(earliest(begin, "any", "23:00", "48h0m0s"), begin + 23 * H);
	assert_time(earliest(begin, "wednesday", "23:30", "168h0m0s"), begin + 7 * DAY - 30 * 60);
	/* one that ended just before upgrades_begin is not in progress */
	assert_time(earliest(begin, "wednesday", "20:00", "4h0m0s"), begin + 7 * DAY - 4 * H);
}

static void test_unknown_window_and_bad_input(void **state)
{
	(void)state;
	double out = 7;
	/* policy unknown: upgrades_begin, the earliest any window could start */
	assert_true(timeline_forced_upgrade_earliest(D_2026_11_26, NULL, &out));
	assert_time(out, D_2026_11_26);
	struct maintenance_policy p;
	assert_true(maintenance_parse("monday", "12:00", NULL, &p));
	out = 7;
	assert_false(timeline_forced_upgrade_earliest(NAN, &p, &out));
	assert_false(timeline_forced_upgrade_earliest(INFINITY, &p, &out));
	assert_false(timeline_forced_upgrade_earliest(-DAY, &p, &out));
	assert_false(timeline_forced_upgrade_earliest(NAN, NULL, &out));
	struct maintenance_policy odd = p;
	odd.day = 8;
	assert_false(timeline_forced_upgrade_earliest(D_2026_11_26, &odd, &out));
	odd = p;
	odd.start_minute = 24 * 60;
	assert_false(timeline_forced_upgrade_earliest(D_2026_11_26, &odd, &out));
	odd = p;
	odd.duration = 0;
	assert_false(timeline_forced_upgrade_earliest(D_2026_11_26, &odd, &out));
	assert_true(out == 7);
}

/* A release the table does not list: 30 days after it was first seen
 * missing from /options, then the next window. */
static void test_unlisted_release(void **state)
{
	(void)state;
	const double since = D_2026_10_27 + 30 * DAY - 5 * H; /* Wed 2026-11-25 19:00 */
	const double begin = timeline_unlisted_upgrades_begin(since);
	assert_int_equal(TIMELINE_UNLISTED_GRACE_DAYS, 30);
	assert_time(begin, since + 30 * DAY);
	/* Friday 2026-12-25 19:00; a Friday 18:00 window is running then */
	assert_time(earliest(begin, "friday", "18:00", NULL), begin + 7 * DAY - H);
	assert_time(earliest(begin, "any", "20:00", NULL), begin + H);
	double out;
	assert_true(timeline_forced_upgrade_earliest(begin, NULL, &out));
	assert_time(out, begin);
}

/* ---- the table the exporter runs with ------------------------------------ */

/* Without support.timeline_file, a binary outside an installed tree runs
 * with the copy built in, which is config/support-timeline.json itself. */
static void test_configured_default_is_the_shipped_table(void **state)
{
	(void)state;
	struct timeline *t = NULL;
	struct capture c = { 0 };
	capture_start(&c);
	assert_int_equal(timeline_load_configured(NULL, &t), ERR_OK);
	char *log = capture_end(&c);
	if (!strstr(log, "msg=\"support timeline loaded\"") || !strstr(log, "releases=24") ||
	    !strstr(log, "taken=2025-11-19") || !strstr(log, "level=info"))
		fail_msg("log: %s", log);
	free(log);
	struct result shipped;
	load_path(SHIPPED, &shipped);
	assert_int_equal(shipped.rc, ERR_OK);
	assert_int_equal(timeline_count(t), timeline_count(shipped.t));
	assert_true(timeline_taken(t) == timeline_taken(shipped.t));
	for (size_t i = 0; i < timeline_count(t); i++) {
		const char *a, *b;
		double ea, eb, ba, bb;
		assert_true(timeline_row(t, i, &a, &ea, &ba));
		assert_true(timeline_row(shipped.t, i, &b, &eb, &bb));
		assert_string_equal(a, b);
		assert_true(ea == eb && ba == bb);
	}
	done(&shipped);
	timeline_free(t);
}

/* support.timeline_file wins; a bad one is an error naming file and line. */
static void test_configured_file(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof path, "/tmp/doks_unit_timeline_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	const char good[] = WITH_ROW(ROW("\"1.33\"", "\"2026-06-28\"", "\"2026-07-27\""));
	write_file(path, good, strlen(good));
	struct timeline *t = NULL;
	struct capture c = { 0 };
	capture_start(&c);
	assert_int_equal(timeline_load_configured(path, &t), ERR_OK);
	char *log = capture_end(&c);
	assert_non_null(strstr(log, path));
	free(log);
	assert_int_equal(timeline_count(t), 2);
	timeline_free(t);
	const char bad[] = WITH_ROW(ROW("\"1.33\"", "\"2026-02-30\"", "\"2026-07-27\""));
	write_file(path, bad, strlen(bad));
	t = NULL;
	capture_start(&c);
	assert_int_equal(timeline_load_configured(path, &t), ERR_CONFIG);
	log = capture_end(&c);
	assert_null(t);
	if (!strstr(log, path) || !strstr(log, "line=4") || !strstr(log, "end_of_support"))
		fail_msg("log: %s", log);
	free(log);
	unlink(path);
	capture_start(&c);
	assert_int_equal(timeline_load_configured(path, &t), ERR_IO);
	log = capture_end(&c);
	assert_non_null(strstr(log, "cannot read the support timeline"));
	free(log);
	/* text in memory: the same checks */
	capture_start(&c);
	assert_int_equal(timeline_load_text("mem", bad, strlen(bad), &t), ERR_CONFIG);
	log = capture_end(&c);
	assert_non_null(strstr(log, "file=mem line=4"));
	free(log);
}

static void test_free_accepts_null(void **state)
{
	(void)state;
	timeline_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_table),
		cmocka_unit_test(test_configured_default_is_the_shipped_table),
		cmocka_unit_test(test_configured_file),
		cmocka_unit_test(test_minimal_file),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_rows_refused),
		cmocka_unit_test(test_bad_dates),
		cmocka_unit_test(test_bad_releases),
		cmocka_unit_test(test_upgrades_before_end_of_support),
		cmocka_unit_test(test_top_level_refused),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_every_fault_once),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_minor_of),
		cmocka_unit_test(test_weekly_windows),
		cmocka_unit_test(test_any_day_windows),
		cmocka_unit_test(test_window_in_progress),
		cmocka_unit_test(test_unknown_window_and_bad_input),
		cmocka_unit_test(test_unlisted_release),
		cmocka_unit_test(test_free_accepts_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
