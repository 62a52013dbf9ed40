/* timeline.c - see timeline.h.
 *
 * The file is JSON, read with libyaml's document API (JSON is YAML) because
 * libyaml gives every value its line, so a fault in a table of two dozen
 * near-identical rows is reported where it is. YAML that is not JSON (block
 * style, unquoted strings) is refused: the file is meant to be edited and
 * checked with JSON tools. Every fault is logged once; the walk goes on
 * after one, so that a file is mended in one pass.
 *
 * Never blocks but on the read of the file; never logs more of the file
 * than a key's name and a line number.
 */
#include "timeline.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "civil.h"
#include "log.h"
#include "yamlfile.h"

/* The copy of config/support-timeline.json built into the binary, for a
 * build run from the source tree: the Makefile writes the file's text as
 * a C string into $(BUILD)/gen/timeline_text.h, so the two never drift. */
static const char timeline_builtin_text[] =
#include "timeline_text.h"
	;

#define DAY CIVIL_SECONDS_PER_DAY
/* Dates outside these years are typos, not DOKS releases. */
#define YEAR_MIN 2000
#define YEAR_MAX 2199
/* maintenance_next_window counts weekdays from 1970 in a long long: times
 * are kept between then and the year 10000. */
#define TIME_LIMIT 253402300800.0
#define NUMBER_DIGITS_MAX 5 /* as version.h: 0..99999 */

struct row {
	char release[TIMELINE_RELEASE_SIZE];
	double end_of_support, upgrades_begin;
	unsigned long line; /* of the row's "release", for the duplicate message */
};

struct timeline {
	double taken;
	char *source; /* NULL when the file has none */
	struct row *rows;
	size_t count;
};

struct loader {
	const char *path; /* for messages */
	yaml_document_t *doc;
	struct timeline *t;
	enum err rc; /* ERR_NOMEM overrides ERR_CONFIG */
};

/* 00:00 UTC of a calendar date, in Unix seconds. */
static double midnight(int year, int month, int day)
{
	return (double)civil_days_from_date(year, month, day) * CIVIL_SECONDS_PER_DAY;
}

/* ---- messages ---------------------------------------------------------- */

static unsigned long line_of(const yaml_node_t *n)
{
	return (unsigned long)n->start_mark.line + 1;
}

static void bad_at(const struct loader *ld, unsigned long line, const char *key, const char *why)
{
	char l[32];
	snprintf(l, sizeof l, "%lu", line);
	log_error("invalid support timeline", "file", ld->path, "line", l, "key", key, "err", why);
}

static void bad(const struct loader *ld, const yaml_node_t *n, const char *key, const char *why)
{
	bad_at(ld, line_of(n), key, why);
}

/* ---- values ------------------------------------------------------------ */

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A JSON string: a scalar in double quotes. A plain scalar is a number,
 * true, false or null in JSON, or YAML that JSON does not allow. */
static bool is_string(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
}

/* A string value: in double quotes, and no "\u0000" that would cut it
 * short in C. */
static bool get_string(const struct loader *ld, const yaml_node_t *v, const char *key,
		       const char *example)
{
	char why[96];
	if (!is_string(v)) {
		snprintf(why, sizeof why, "must be a string in double quotes, like \"%s\"", example);
		bad(ld, v, key, why);
		return false;
	}
	if (strlen(scalar(v)) != v->data.scalar.length) {
		bad(ld, v, key, "holds a NUL character");
		return false;
	}
	return true;
}

/* 1 to 5 digits without a leading zero; *end after them. */
static bool number(const char *p, const char **end)
{
	size_t n = 0;
	while (p[n] >= '0' && p[n] <= '9')
		n++;
	if (n == 0 || n > NUMBER_DIGITS_MAX || (p[0] == '0' && n > 1))
		return false;
	*end = p + n;
	return true;
}

/* "MAJOR.MINOR" at the start of s; *end after it. */
static bool major_minor(const char *s, const char **end)
{
	const char *p;
	return number(s, &p) && *p == '.' && number(p + 1, end);
}

static bool parse_release(const char *s)
{
	const char *end;
	return major_minor(s, &end) && *end == '\0';
}

static int two_digits(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* "YYYY-MM-DD", a day that exists, of the years YEAR_MIN to YEAR_MAX. */
static bool parse_date(const char *s, double *out)
{
	static const char shape[] = "dddd-dd-dd";
	for (size_t i = 0; i < sizeof shape - 1; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';
		if (shape[i] == 'd' ? !digit : s[i] != shape[i])
			return false;
	}
	if (s[sizeof shape - 1] != '\0')
		return false;
	int y = two_digits(s) * 100 + two_digits(s + 2);
	int m = two_digits(s + 5);
	int d = two_digits(s + 8);
	static const int month_days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > month_days[m - 1] + (m == 2 && leap))
		return false;
	*out = midnight(y, m, d);
	return true;
}

static bool get_date(const struct loader *ld, const yaml_node_t *v, const char *key, double *out)
{
	if (!get_string(ld, v, key, "2025-11-19"))
		return false;
	if (!parse_date(scalar(v), out)) {
		bad(ld, v, key, "not a date: must be YYYY-MM-DD, a day that exists, of the years 2000 to 2199");
		return false;
	}
	return true;
}

/* ---- the document ------------------------------------------------------ */

/* A JSON object: a mapping in braces whose keys are strings, each once. */
static bool check_object(const struct loader *ld, const yaml_node_t *n, const char *key)
{
	if (n->type != YAML_MAPPING_NODE || n->data.mapping.style != YAML_FLOW_MAPPING_STYLE) {
		bad(ld, n, key, "must be a JSON object");
		return false;
	}
	bool ok = true;
	for (const yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		if (!k || !is_string(k)) {
			bad(ld, k ? k : n, key, "a key must be a string in double quotes");
			ok = false;
			continue;
		}
		for (const yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
			const yaml_node_t *k2 = yaml_document_get_node(ld->doc, q->key);
			if (k2 && is_string(k2) && strcmp(scalar(k2), scalar(k)) == 0) {
				char why[96];
				snprintf(why, sizeof why, "duplicate key \"%.40s\"", scalar(k));
				bad(ld, k, key, why);
				ok = false;
				break;
			}
		}
	}
	return ok;
}

/* The value of name in an object checked by check_object, or NULL. */
static const yaml_node_t *member(const struct loader *ld, const yaml_node_t *map,
				 const char *name)
{
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++)
		if (strcmp(scalar(yaml_document_get_node(ld->doc, p->key)), name) == 0)
			return yaml_document_get_node(ld->doc, p->value);
	return NULL;
}

/* Refuses every key of map not in names (NULL-ended). */
static bool only_keys(const struct loader *ld, const yaml_node_t *map, const char *parent,
		      const char *const *names)
{
	bool ok = true;
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		size_t i = 0;
		while (names[i] && strcmp(names[i], scalar(k)) != 0)
			i++;
		if (!names[i]) {
			char key[96];
			snprintf(key, sizeof key, "%s%s%.60s", parent, parent[0] ? "." : "", scalar(k));
			bad(ld, k, key, "unknown key");
			ok = false;
		}
	}
	return ok;
}

/* The value of a required key, or NULL after logging at the object's
 * line. */
static const yaml_node_t *required(const struct loader *ld, const yaml_node_t *map,
				   const char *parent, const char *name)
{
	const yaml_node_t *v = member(ld, map, name);
	if (!v) {
		char key[64];
		snprintf(key, sizeof key, "%s%s%s", parent, parent[0] ? "." : "", name);
		bad(ld, map, key, "missing");
	}
	return v;
}

/* One row; appended to ld->t when every check passes. */
static bool walk_row(struct loader *ld, const yaml_node_t *n, size_t index)
{
	static const char *const names[] = { "release", "end_of_support", "upgrades_begin", NULL };
	char parent[40], key[72];
	snprintf(parent, sizeof parent, "releases[%zu]", index);
	if (!check_object(ld, n, parent))
		return false;
	bool ok = only_keys(ld, n, parent, names);
	struct row r = { .line = line_of(n) };
	const yaml_node_t *release = required(ld, n, parent, "release");
	const yaml_node_t *eos = required(ld, n, parent, "end_of_support");
	const yaml_node_t *begin = required(ld, n, parent, "upgrades_begin");
	if (release) {
		snprintf(key, sizeof key, "%s.release", parent);
		if (!get_string(ld, release, key, "1.31")) {
			ok = false;
		} else if (!parse_release(scalar(release))) {
			bad(ld, release, key,
			    "not a release: must be MAJOR.MINOR, like \"1.31\", without leading zeros");
			ok = false;
		} else {
			memcpy(r.release, scalar(release), strlen(scalar(release)) + 1);
			r.line = line_of(release);
		}
	}
	snprintf(key, sizeof key, "%s.end_of_support", parent);
	bool eos_ok = eos && get_date(ld, eos, key, &r.end_of_support);
	snprintf(key, sizeof key, "%s.upgrades_begin", parent);
	bool begin_ok = begin && get_date(ld, begin, key, &r.upgrades_begin);
	if (eos_ok && begin_ok && r.upgrades_begin < r.end_of_support) {
		bad(ld, begin, key, "before end_of_support");
		begin_ok = false;
	}
	if (!ok || !release || !eos_ok || !begin_ok)
		return false;
	for (size_t i = 0; i < ld->t->count; i++)
		if (strcmp(ld->t->rows[i].release, r.release) == 0) {
			char why[64];
			snprintf(why, sizeof why, "duplicate release: also at line %lu",
				 ld->t->rows[i].line);
			snprintf(key, sizeof key, "%s.release", parent);
			bad_at(ld, r.line, key, why);
			return false;
		}
	ld->t->rows[ld->t->count++] = r;
	return true;
}

static bool walk_releases(struct loader *ld, const yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.style != YAML_FLOW_SEQUENCE_STYLE) {
		bad(ld, n, "releases", "must be a JSON array of objects");
		return false;
	}
	size_t items = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (items == 0) {
		bad(ld, n, "releases", "empty: the table needs at least one release");
		return false;
	}
	ld->t->rows = calloc(items, sizeof *ld->t->rows);
	if (!ld->t->rows) {
		ld->rc = ERR_NOMEM;
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < items; i++) {
		const yaml_node_t *row = yaml_document_get_node(ld->doc, n->data.sequence.items.start[i]);
		ok = row && walk_row(ld, row, i) && ok;
	}
	return ok;
}

static bool walk_root(struct loader *ld, const yaml_node_t *root)
{
	static const char *const names[] = { "taken", "source", "releases", NULL };
	if (!root) {
		bad_at(ld, 1, "(top)", "empty: the file must hold a JSON object");
		return false;
	}
	if (!check_object(ld, root, "(top)"))
		return false;
	bool ok = only_keys(ld, root, "", names);
	const yaml_node_t *taken = required(ld, root, "", "taken");
	const yaml_node_t *source = member(ld, root, "source");
	const yaml_node_t *releases = required(ld, root, "", "releases");
	ok = taken && get_date(ld, taken, "taken", &ld->t->taken) && ok;
	if (source) {
		if (!get_string(ld, source, "source", "https://docs.digitalocean.com/...")) {
			ok = false;
		} else if (scalar(source)[0] == '\0') {
			bad(ld, source, "source", "empty: leave the key out instead");
			ok = false;
		} else if (!(ld->t->source = strdup(scalar(source)))) {
			ld->rc = ERR_NOMEM;
			return false;
		}
	}
	ok = releases && walk_releases(ld, releases) && ok;
	return ok && ld->rc != ERR_NOMEM;
}

static bool walk_document(yaml_document_t *doc, yaml_node_t *root, void *ctx)
{
	struct loader *ld = ctx;
	ld->doc = doc;
	bool ok = walk_root(ld, root);
	ld->doc = NULL;
	return ok;
}

/* Parses the text: one JSON value, no second document after it. */
static bool parse(struct loader *ld, const char *text, size_t len)
{
	struct yamlfile_error e;
	enum err rc = yamlfile_parse(text, len, walk_document, ld, &e);
	if (rc == ERR_NOMEM) {
		ld->rc = ERR_NOMEM;
	} else if (rc == ERR_PARSE && e.second_document) {
		bad_at(ld, e.line, "(top)", "not JSON: more after the object");
	} else if (rc == ERR_PARSE) {
		char why[sizeof e.why + 16];
		snprintf(why, sizeof why, "not JSON: %s", e.why);
		bad_at(ld, e.line, "(top)", why);
	}
	return rc == ERR_OK;
}

/* ---- the file ---------------------------------------------------------- */

/* Reads a whole file of at most max bytes, NUL-terminated. On failure
 * returns false with errno set (EFBIG: too large). The buffer grows as the
 * file comes, so that a table of a few KiB never costs a buffer of max. */
static bool read_all(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int failed = 0;
	while (n <= max) {
		if (n == cap) {
			size_t next = cap ? cap * 2 : 16384;
			if (next > max + 1)
				next = max + 1;
			char *p = realloc(buf, next + 1);
			if (!p) {
				failed = ENOMEM;
				break;
			}
			buf = p;
			cap = next;
		}
		size_t want = cap - n, got = fread(buf + n, 1, want, f);
		n += got;
		if (got < want)
			break; /* the end, or an error */
	}
	if (!failed && ferror(f))
		failed = errno ? errno : EIO;
	fclose(f);
	if (failed || n > max) {
		free(buf);
		errno = failed ? failed : EFBIG;
		return false;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return true;
}

/* Checks text (len bytes, NUL-terminated) into a new timeline in *out;
 * name is for messages. */
static enum err load_text(const char *name, const char *text, size_t len, struct timeline **out)
{
	struct loader ld = { .path = name, .rc = ERR_CONFIG };
	ld.t = calloc(1, sizeof *ld.t);
	if (!ld.t) {
		ld.rc = ERR_NOMEM;
		goto out;
	}
	if (len > TIMELINE_FILE_MAX) {
		log_error("invalid support timeline", "file", name, "err", "larger than 1 MiB");
		goto out;
	}
	if (strlen(text) != len) {
		/* said plainly; libyaml only says "control characters are
		 * not allowed" */
		log_error("invalid support timeline", "file", name, "err",
			  "not JSON: the file holds a NUL byte");
		goto out;
	}
	if (!parse(&ld, text, len))
		goto out;
	*out = ld.t;
	ld.t = NULL;
	ld.rc = ERR_OK;
out:
	if (ld.rc == ERR_NOMEM)
		log_error("out of memory reading the support timeline", "file", name);
	timeline_free(ld.t);
	return ld.rc;
}

enum err timeline_load(const char *path, struct timeline **out)
{
	char *text = NULL;
	size_t len = 0;
	errno = 0;
	if (!read_all(path, TIMELINE_FILE_MAX, &text, &len)) {
		if (errno == ENOMEM) {
			log_error("out of memory reading the support timeline", "file", path);
			return ERR_NOMEM;
		}
		if (errno == EFBIG) {
			log_error("invalid support timeline", "file", path, "err", "larger than 1 MiB");
			return ERR_CONFIG;
		}
		log_error("cannot read the support timeline", "file", path, "err", strerror(errno));
		return ERR_IO;
	}
	enum err rc = load_text(path, text, len, out);
	free(text);
	return rc;
}

enum err timeline_load_text(const char *name, const char *text, size_t len,
			    struct timeline **out)
{
	return load_text(name, text, len, out);
}

/* The installed copy beside the binary: <bin>/../share/doks_exporter/. */
static bool shipped_path(char *buf, size_t size)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	int w = snprintf(buf, size, "%s/../%s", exe, TIMELINE_SHIPPED_RELATIVE);
	return w > 0 && (size_t)w < size;
}

enum err timeline_load_configured(const char *path, struct timeline **out)
{
	char shipped[4200];
	const char *from = path;
	enum err rc;
	struct timeline *t = NULL;
	if (!from && shipped_path(shipped, sizeof shipped) && access(shipped, F_OK) == 0)
		from = shipped;
	if (from) {
		rc = timeline_load(from, &t);
	} else {
		from = TIMELINE_BUILTIN_NAME;
		rc = load_text(from, timeline_builtin_text, strlen(timeline_builtin_text), &t);
	}
	if (rc != ERR_OK || !t) /* t is set on success: said for the analyzer */
		return rc != ERR_OK ? rc : ERR_NOMEM;
	char taken[16] = "?";
	time_t secs = (time_t)t->taken;
	struct tm tm;
	if (gmtime_r(&secs, &tm))
		strftime(taken, sizeof taken, "%Y-%m-%d", &tm);
	log_info("support timeline loaded", "file", from, "releases", LOG_UINT(t->count), "taken",
		 taken);
	*out = t;
	return ERR_OK;
}

/* ---- queries ----------------------------------------------------------- */

double timeline_taken(const struct timeline *t)
{
	return t->taken;
}

const char *timeline_source(const struct timeline *t)
{
	return t->source;
}

size_t timeline_count(const struct timeline *t)
{
	return t->count;
}

bool timeline_row(const struct timeline *t, size_t i, const char **release,
		  double *end_of_support, double *upgrades_begin)
{
	if (i >= t->count)
		return false;
	if (release)
		*release = t->rows[i].release;
	if (end_of_support)
		*end_of_support = t->rows[i].end_of_support;
	if (upgrades_begin)
		*upgrades_begin = t->rows[i].upgrades_begin;
	return true;
}

bool timeline_find(const struct timeline *t, const char *minor, double *end_of_support,
		   double *upgrades_begin)
{
	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->rows[i].release, minor) == 0)
			return timeline_row(t, i, NULL, end_of_support, upgrades_begin);
	return false;
}

bool timeline_minor_of(const char *version_slug, char *buf, size_t size)
{
	const char *end;
	if (!major_minor(version_slug, &end) || end[0] != '.' || end[1] < '0' || end[1] > '9')
		return false;
	size_t n = (size_t)(end - version_slug);
	if (n >= size)
		return false;
	memcpy(buf, version_slug, n);
	buf[n] = '\0';
	return true;
}

double timeline_unlisted_upgrades_begin(double unsupported_since)
{
	return unsupported_since + TIMELINE_UNLISTED_GRACE_DAYS * DAY;
}

bool timeline_forced_upgrade_earliest(double upgrades_begin,
				      const struct maintenance_policy *window, double *out)
{
	if (!(upgrades_begin >= 0 && upgrades_begin < TIME_LIMIT))
		return false; /* NaN too */
	if (!window) {
		*out = upgrades_begin;
		return true;
	}
	if (window->day < 0 || window->day > MAINTENANCE_ANY_DAY || window->start_minute < 0 ||
	    window->start_minute >= 24 * 60 || window->duration <= 0)
		return false;
	double start = maintenance_next_window(window, upgrades_begin);
	if (start < upgrades_begin) {
		/* A window in progress at upgrades_begin started too early; the
		 * next one is what maintenance_next_window answers one second
		 * into a window that lasts one second: the one in progress has
		 * then ended, whatever the spacing of windows. */
		struct maintenance_policy brief = *window;
		brief.duration = 1;
		start = maintenance_next_window(&brief, start + 1);
	}
	*out = start;
	return true;
}

void timeline_free(struct timeline *t)
{
	if (!t)
		return;
	free(t->source);
	free(t->rows);
	free(t);
}
