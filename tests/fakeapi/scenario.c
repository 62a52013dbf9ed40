/*
 * scenario.c: reads a scenario file and the files it names into plain data.
 *
 * Called from the main thread only (cJSON's error pointer is global, and
 * nothing here locks). Unknown keys are errors, so that a typo in a test
 * scenario fails loudly instead of silently testing nothing; keys that start
 * with "_" or equal "comment" are ignored, to leave room for notes.
 */
#include "scenario.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No file a scenario names is anywhere near this; it only stops accidents. */
#define SCENARIO_FILE_MAX (256L * 1024 * 1024)
#define SCENARIO_GENERATE_MAX 1000000L
#define SCENARIO_OVERSIZE_DEFAULT (64ULL * 1024 * 1024)
#define CHAOS_DELAY_DEFAULT 3000L
#define CHAOS_LIST_MAX 1000
/* Count shorthands (diagnostics, associated resources): per kind. */
#define SCENARIO_COUNT_MAX 100000L

static const char DEFAULT_UPGRADES[] = "{\"available_upgrade_versions\":null}";
static const char DEFAULT_CREDENTIALS[] =
	"{\"token\":\"fake-cluster-token\","
	"\"expires_at\":\"2030-01-01T00:00:00Z\"}";
static const char DEFAULT_ASSOCIATED[] =
	"{\"load_balancers\":[],\"volumes\":[],\"volume_snapshots\":[]}";
static const char DEFAULT_OPTIONS[] =
	"{\"options\":{\"regions\":[],\"versions\":[],\"sizes\":[]}}";

#define GEN_FEATURES \
	"\"supported_features\":[\"cluster-autoscaler\"," \
	"\"docr-integration\",\"token-authentication\"]"
/* Upgrades of generated cluster i are GEN_UPGRADES[i % 3]. */
static const char *const GEN_UPGRADES[3] = {
	"{\"available_upgrade_versions\":null}",
	"{\"available_upgrade_versions\":[{\"slug\":\"1.29.2-do.0\","
	"\"kubernetes_version\":\"1.29.2\"," GEN_FEATURES "}]}",
	"{\"available_upgrade_versions\":[{\"slug\":\"1.29.2-do.0\","
	"\"kubernetes_version\":\"1.29.2\"," GEN_FEATURES "},"
	"{\"slug\":\"1.30.1-do.0\",\"kubernetes_version\":\"1.30.1\","
	GEN_FEATURES "}]}",
};
#define GEN_VERSION "1.29.1-do.0"

/* Used by "generate" when no template is given. */
static const char GEN_TEMPLATE[] =
	"{\"id\":\"\",\"name\":\"\",\"region\":\"nyc1\",\"version\":\"\","
	"\"cluster_subnet\":\"10.244.0.0/16\","
	"\"service_subnet\":\"10.245.0.0/16\","
	"\"ipv4\":\"203.0.113.10\",\"tags\":[\"k8s\"],"
	"\"node_pools\":[{\"id\":\"7f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f\","
	"\"name\":\"pool-default\",\"size\":\"s-2vcpu-4gb\",\"count\":3,"
	"\"tags\":[\"k8s\",\"k8s:worker\"],\"labels\":null,\"taints\":[],"
	"\"auto_scale\":false,\"min_nodes\":0,\"max_nodes\":0,\"nodes\":[]}],"
	"\"maintenance_policy\":{\"start_time\":\"04:00\","
	"\"duration\":\"4h0m0s\",\"day\":\"any\"},"
	"\"auto_upgrade\":false,\"status\":{\"state\":\"running\"},"
	"\"created_at\":\"2024-01-10T09:00:00Z\","
	"\"updated_at\":\"2024-01-10T09:30:00Z\","
	"\"surge_upgrade\":true,\"registry_enabled\":false,\"ha\":false}";

/* What every parsing helper needs: where files live, where errors go. */
struct ctx {
	const char *dir;
	char *err;
	size_t errlen;
};

static bool fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return false;
}

static bool body_set(struct body *b, const char *text, size_t len)
{
	char *p = malloc(len + 1);

	if (p == NULL)
		return false;
	memcpy(p, text, len);
	p[len] = '\0';
	b->data = p;
	b->len = len;
	return true;
}

static void body_clear(struct body *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

/* Takes the text cJSON printed (freed here even on failure). */
static bool body_take_printed(struct ctx *c, struct body *b, char *printed)
{
	if (printed == NULL)
		return fail(c, "out of memory");
	b->data = printed;
	b->len = strlen(printed);
	return true;
}

static char *resolve(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p;

	if (name[0] == '/')
		return strdup(name);
	p = malloc(dl + 1 + nl + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	return p;
}

static bool read_path(struct ctx *c, const char *path, struct body *out)
{
	FILE *f = fopen(path, "rb");
	struct body b = { NULL, 0 };
	size_t cap = 0;

	if (f == NULL)
		return fail(c, "%s: %s", path, strerror(errno));
	for (;;) {
		size_t n;

		if (cap - b.len < 4096) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *p;

			if (ncap > (size_t)SCENARIO_FILE_MAX + 1) {
				ncap = (size_t)SCENARIO_FILE_MAX + 1;
				if (ncap <= cap) {
					free(b.data);
					fclose(f);
					return fail(c, "%s: larger than %ld bytes",
						    path, SCENARIO_FILE_MAX);
				}
			}
			p = realloc(b.data, ncap + 1);
			if (p == NULL) {
				free(b.data);
				fclose(f);
				return fail(c, "%s: out of memory", path);
			}
			b.data = p;
			cap = ncap;
		}
		n = fread(b.data + b.len, 1, cap - b.len, f);
		b.len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(b.data);
		fclose(f);
		return fail(c, "%s: read error", path);
	}
	fclose(f);
	b.data[b.len] = '\0';
	*out = b;
	return true;
}

static bool read_named(struct ctx *c, const char *name, struct body *out)
{
	char *path = resolve(c->dir, name);
	bool ok;

	if (path == NULL)
		return fail(c, "out of memory");
	ok = read_path(c, path, out);
	free(path);
	return ok;
}

/* Parses text as JSON; on error names the line and column. */
static cJSON *parse(struct ctx *c, const char *what, const struct body *text)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text->data, text->len, &end, 0);

	if (j == NULL) {
		size_t line = 1, col = 1;
		const char *p;

		if (end == NULL || end < text->data ||
		    end > text->data + text->len)
			end = text->data;
		for (p = text->data; p < end; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		fail(c, "%s: invalid JSON near line %zu, column %zu", what,
		     line, col);
	}
	return j;
}

static bool ignored_key(const char *k)
{
	return k[0] == '_' || strcmp(k, "comment") == 0;
}

/* allowed is NULL-terminated. */
static bool check_keys(struct ctx *c, const cJSON *obj, const char *where,
		       const char *const *allowed)
{
	const cJSON *it;

	if (!cJSON_IsObject(obj))
		return fail(c, "%s: must be an object", where);
	cJSON_ArrayForEach(it, obj) {
		const char *const *a;

		if (ignored_key(it->string))
			continue;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, it->string) == 0)
				break;
		if (*a == NULL)
			return fail(c, "%s: unknown key \"%s\"", where,
				    it->string);
	}
	return true;
}

/* *out is set only when the key is present; absent keeps the default. */
static bool get_int(struct ctx *c, const cJSON *obj, const char *key,
		    const char *where, long long min, long long max,
		    long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (v == NULL)
		return true;
	if (!cJSON_IsNumber(v))
		return fail(c, "%s: \"%s\" must be a number", where, key);
	d = v->valuedouble;
	/* range first, so that the cast below is defined */
	if (!(d >= (double)min && d <= (double)max) ||
	    d != (double)(long long)d)
		return fail(c, "%s: \"%s\" must be an integer in %lld..%lld",
			    where, key, min, max);
	*out = (long long)d;
	return true;
}

static bool get_string(struct ctx *c, const cJSON *obj, const char *key,
		       const char *where, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v == NULL)
		return true;
	if (!cJSON_IsString(v))
		return fail(c, "%s: \"%s\" must be a string", where, key);
	*out = v->valuestring;
	return true;
}

/*
 * A JSON document given either as "<file_key>": "path" or inline as
 * "<inline_key>": value. raw gets the text to serve (a file's bytes as they
 * are, or the inline value printed); parsed, if not NULL, gets the tree
 * (owned). Leaves both untouched when neither key is present.
 */
static bool get_doc(struct ctx *c, const cJSON *obj, const char *file_key,
		    const char *inline_key, const char *where,
		    struct body *raw, cJSON **parsed)
{
	const cJSON *fv = cJSON_GetObjectItemCaseSensitive(obj, file_key);
	const cJSON *iv = cJSON_GetObjectItemCaseSensitive(obj, inline_key);
	struct body text = { NULL, 0 };
	cJSON *tree;

	if (fv != NULL && iv != NULL)
		return fail(c, "%s: give \"%s\" or \"%s\", not both", where,
			    file_key, inline_key);
	if (fv != NULL) {
		if (!cJSON_IsString(fv))
			return fail(c, "%s: \"%s\" must be a string", where,
				    file_key);
		if (!read_named(c, fv->valuestring, &text))
			return false;
		tree = parse(c, fv->valuestring, &text);
		if (tree == NULL) {
			body_clear(&text);
			return false;
		}
	} else if (iv != NULL) {
		tree = cJSON_Duplicate(iv, 1);
		if (tree == NULL)
			return fail(c, "out of memory");
		if (!body_take_printed(c, &text, cJSON_PrintUnformatted(tree))) {
			cJSON_Delete(tree);
			return false;
		}
	} else {
		return true;
	}
	*raw = text;
	if (parsed != NULL)
		*parsed = tree;
	else
		cJSON_Delete(tree);
	return true;
}

/* Accepts a bare cluster object or one wrapped as {"kubernetes_cluster":}. */
static cJSON *unwrap_cluster(cJSON *doc)
{
	cJSON *inner = cJSON_GetObjectItemCaseSensitive(doc,
							"kubernetes_cluster");

	if (cJSON_IsObject(inner) &&
	    cJSON_GetObjectItemCaseSensitive(doc, "id") == NULL)
		return inner;
	return doc;
}

static bool cluster_from_tree(struct ctx *c, const char *where,
			      const cJSON *obj, struct cluster *cl)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");

	if (!cJSON_IsObject(obj))
		return fail(c, "%s: the cluster must be a JSON object", where);
	if (!cJSON_IsString(id) || id->valuestring[0] == '\0')
		return fail(c, "%s: the cluster needs a string \"id\"", where);
	cl->id = strdup(id->valuestring);
	if (cl->id == NULL)
		return fail(c, "out of memory");
	return body_take_printed(c, &cl->json, cJSON_PrintUnformatted(obj));
}

static void cluster_clear(struct cluster *cl)
{
	size_t i;

	free(cl->id);
	body_clear(&cl->json);
	body_clear(&cl->upgrades);
	body_clear(&cl->credentials);
	body_clear(&cl->clusterlint);
	free(cl->clusterlint_run_id);
	body_clear(&cl->associated);
	body_clear(&cl->node_pools);
	body_clear(&cl->status_raw);
	for (i = 0; i < cl->nmessages; i++)
		body_clear(&cl->messages[i].json);
	free(cl->messages);
}

/* ---- times (RFC 3339), for sorting and filtering status messages ---- */

static bool digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to a proleptic Gregorian date (year 0..9999). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t yy = m <= 2 ? y - 1 : y;
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

bool scenario_parse_stamp(const char *t, struct stamp *out)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 1, n = 0;
	long nsec = 0;
	const char *p;

	/* each test reads only past characters that were digits or marks */
	if (!digits(t, 4, &y) || t[4] != '-' || !digits(t + 5, 2, &mo) ||
	    t[7] != '-' || !digits(t + 8, 2, &d) ||
	    (t[10] != 'T' && t[10] != 't') || !digits(t + 11, 2, &h) ||
	    t[13] != ':' || !digits(t + 14, 2, &mi) || t[16] != ':' ||
	    !digits(t + 17, 2, &se))
		return false;
	p = t + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		for (; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 9)
				nsec = nsec * 10 + (*p - '0');
		for (; n < 9; n++)
			nsec *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' ||
		    !digits(p + 4, 2, &om))
			return false;
		p += 6;
	} else {
		return false;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60 ||
	    oh > 23 || om > 59)
		return false;
	out->sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
		   se - sign * (oh * 3600 + om * 60);
	out->nsec = nsec;
	return true;
}

int scenario_stamp_cmp(const struct stamp *a, const struct stamp *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

/* ---- the readiness bodies: clusterlint, status messages, associated
 * resources, node pools ---- */

/* One made-up diagnostic for the count shorthand. */
static cJSON *made_up_diagnostic(const char *severity, long long k)
{
	char check[96], message[128], name[96];
	cJSON *d = cJSON_CreateObject(), *obj;

	snprintf(check, sizeof(check), "fake-%.60s-check", severity);
	snprintf(message, sizeof(message), "Made-up %.60s diagnostic %lld",
		 severity, k);
	snprintf(name, sizeof(name), "%.60s-object-%lld", severity, k);
	if (d == NULL ||
	    cJSON_AddStringToObject(d, "check_name", check) == NULL ||
	    cJSON_AddStringToObject(d, "severity", severity) == NULL ||
	    cJSON_AddStringToObject(d, "message", message) == NULL ||
	    (obj = cJSON_AddObjectToObject(d, "object")) == NULL ||
	    cJSON_AddStringToObject(obj, "name", name) == NULL ||
	    cJSON_AddStringToObject(obj, "kind", "pod") == NULL ||
	    cJSON_AddStringToObject(obj, "namespace", "default") == NULL) {
		cJSON_Delete(d);
		return NULL;
	}
	return d;
}

/*
 * "diagnostics": {"error": 2, "warning": 1} in a run becomes that many
 * made-up diagnostics of each severity, in the object's order.
 */
static bool expand_diagnostics(struct ctx *c, const char *where, cJSON *run,
			       bool *changed)
{
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(run,
							       "diagnostics");
	const cJSON *it;
	cJSON *list;

	if (!cJSON_IsObject(counts))
		return true;
	list = cJSON_CreateArray();
	if (list == NULL)
		return fail(c, "out of memory");
	cJSON_ArrayForEach(it, counts) {
		long long n = 0, k;

		if (!cJSON_IsNumber(it) ||
		    !get_int(c, counts, it->string, where, 0,
			     SCENARIO_COUNT_MAX, &n)) {
			cJSON_Delete(list);
			return fail(c, "%s: clusterlint \"diagnostics\" counts "
				       "must be integers in 0..%ld", where,
				    SCENARIO_COUNT_MAX);
		}
		for (k = 1; k <= n; k++) {
			cJSON *d = made_up_diagnostic(it->string, k);

			if (d == NULL || !cJSON_AddItemToArray(list, d)) {
				cJSON_Delete(d);
				cJSON_Delete(list);
				return fail(c, "out of memory");
			}
		}
	}
	if (!cJSON_ReplaceItemInObjectCaseSensitive(run, "diagnostics", list)) {
		cJSON_Delete(list);
		return fail(c, "out of memory");
	}
	*changed = true;
	return true;
}

/* Absent or null: never linted. Otherwise the latest run, an object. */
static bool parse_clusterlint(struct ctx *c, const char *where,
			      const cJSON *entry, struct cluster *cl)
{
	struct body raw = { NULL, 0 };
	cJSON *doc = NULL;
	const cJSON *rid;
	bool changed = false, ok;

	if (!get_doc(c, entry, "clusterlint_file", "clusterlint", where, &raw,
		     &doc))
		return false;
	if (doc == NULL || cJSON_IsNull(doc)) {
		body_clear(&raw);
		cJSON_Delete(doc);
		return true;
	}
	if (!cJSON_IsObject(doc))
		ok = fail(c, "%s: \"clusterlint\" must be an object or null",
			  where);
	else
		ok = expand_diagnostics(c, where, doc, &changed);
	if (ok && changed) {
		body_clear(&raw);
		ok = body_take_printed(c, &raw, cJSON_PrintUnformatted(doc));
	}
	rid = cJSON_GetObjectItemCaseSensitive(doc, "run_id");
	if (ok && cJSON_IsString(rid) &&
	    (cl->clusterlint_run_id = strdup(rid->valuestring)) == NULL)
		ok = fail(c, "out of memory");
	if (ok)
		cl->clusterlint = raw;
	else
		body_clear(&raw);
	cJSON_Delete(doc);
	return ok;
}

/* Keeps the messages oldest first; equal times keep the scenario's order. */
static bool parse_messages(struct ctx *c, const char *where,
			   const cJSON *arr, struct cluster *cl)
{
	size_t n = (size_t)cJSON_GetArraySize(arr), j;
	const cJSON *it;

	cl->messages = calloc(n ? n : 1, sizeof(*cl->messages));
	if (cl->messages == NULL)
		return fail(c, "out of memory");
	cJSON_ArrayForEach(it, arr) {
		struct status_message m = { { 0, 0 }, { NULL, 0 } };
		const cJSON *ts = NULL;

		if (cJSON_IsObject(it))
			ts = cJSON_GetObjectItemCaseSensitive(it, "timestamp");
		if (!cJSON_IsString(ts) ||
		    !scenario_parse_stamp(ts->valuestring, &m.at))
			return fail(c, "%s: status message %zu needs an RFC "
				       "3339 \"timestamp\"", where,
				    cl->nmessages);
		if (!body_take_printed(c, &m.json, cJSON_PrintUnformatted(it)))
			return false;
		/* insertion sort: stable, and scenarios hold few messages */
		for (j = cl->nmessages;
		     j > 0 && scenario_stamp_cmp(&cl->messages[j - 1].at,
						 &m.at) > 0;
		     j--)
			cl->messages[j] = cl->messages[j - 1];
		cl->messages[j] = m;
		cl->nmessages++;
	}
	return true;
}

/*
 * {"messages": [...]} or a bare array: the messages, served sorted and
 * filtered. Any other body ("messages": null, no key) is served as it is.
 */
static bool parse_status_messages(struct ctx *c, const char *where,
				  const cJSON *entry, struct cluster *cl)
{
	struct body raw = { NULL, 0 };
	cJSON *doc = NULL;
	const cJSON *arr;
	bool ok = true;

	if (!get_doc(c, entry, "status_messages_file", "status_messages",
		     where, &raw, &doc))
		return false;
	if (doc == NULL)
		return true;
	arr = cJSON_IsArray(doc) ? doc :
	      cJSON_GetObjectItemCaseSensitive(doc, "messages");
	if (cJSON_IsArray(arr)) {
		ok = parse_messages(c, where, arr, cl);
		body_clear(&raw);
	} else {
		cl->status_raw = raw;
	}
	cJSON_Delete(doc);
	return ok;
}

/* The three kinds, their key and the prefix of made-up names. */
static const char *const ASSOCIATED_KINDS[3][2] = {
	{ "load_balancers", "lb" },
	{ "volumes", "volume" },
	{ "volume_snapshots", "snapshot" },
};

/* n made-up {id, name} entries; ids distinct across clusters and kinds. */
static cJSON *made_up_resources(size_t index, int kind, long long n)
{
	cJSON *list = cJSON_CreateArray();
	long long k;

	for (k = 1; list != NULL && k <= n; k++) {
		char id[64], name[48];
		cJSON *r = cJSON_CreateObject();

		snprintf(id, sizeof(id), "%08zx-%04x-4000-8000-%012lld",
			 index + 1, (unsigned)kind + 1, k);
		snprintf(name, sizeof(name), "%s-%03lld",
			 ASSOCIATED_KINDS[kind][1], k);
		if (r == NULL || cJSON_AddStringToObject(r, "id", id) == NULL ||
		    cJSON_AddStringToObject(r, "name", name) == NULL ||
		    !cJSON_AddItemToArray(list, r)) {
			cJSON_Delete(r);
			cJSON_Delete(list);
			list = NULL;
		}
	}
	return list;
}

/* A count in place of a kind's array becomes that many made-up entries. */
static bool parse_associated(struct ctx *c, const char *where,
			     const cJSON *entry, size_t index,
			     struct cluster *cl)
{
	struct body raw = { NULL, 0 };
	cJSON *doc = NULL;
	bool changed = false, ok = true;
	int kind;

	if (!get_doc(c, entry, "associated_resources_file",
		     "associated_resources", where, &raw, &doc))
		return false;
	if (doc == NULL) {
		if (!body_set(&cl->associated, DEFAULT_ASSOCIATED,
			      sizeof(DEFAULT_ASSOCIATED) - 1))
			return fail(c, "out of memory");
		return true;
	}
	if (!cJSON_IsObject(doc))
		ok = fail(c, "%s: \"associated_resources\" must be an object",
			  where);
	for (kind = 0; ok && kind < 3; kind++) {
		const char *key = ASSOCIATED_KINDS[kind][0];
		long long n = 0;
		cJSON *list;

		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(doc, key)))
			continue;
		if (!get_int(c, doc, key, where, 0, SCENARIO_COUNT_MAX, &n))
			ok = false;
		else if ((list = made_up_resources(index, kind, n)) == NULL)
			ok = fail(c, "out of memory");
		else if (!cJSON_ReplaceItemInObjectCaseSensitive(doc, key,
								 list)) {
			cJSON_Delete(list);
			ok = fail(c, "out of memory");
		}
		changed = true;
	}
	if (ok && changed) {
		body_clear(&raw);
		ok = body_take_printed(c, &raw, cJSON_PrintUnformatted(doc));
	}
	if (ok)
		cl->associated = raw;
	else
		body_clear(&raw);
	cJSON_Delete(doc);
	return ok;
}

/* {"node_pools": <the cluster's own node_pools, or []>} */
static bool node_pools_of(struct ctx *c, const cJSON *cluster,
			  struct body *out)
{
	const cJSON *pools = cJSON_GetObjectItemCaseSensitive(cluster,
							      "node_pools");
	cJSON *doc = cJSON_CreateObject();
	cJSON *copy = cJSON_IsArray(pools) ? cJSON_Duplicate(pools, 1) :
					     cJSON_CreateArray();
	bool ok;

	if (doc == NULL || copy == NULL ||
	    !cJSON_AddItemToObject(doc, "node_pools", copy)) {
		cJSON_Delete(copy);
		cJSON_Delete(doc);
		return fail(c, "out of memory");
	}
	ok = body_take_printed(c, out, cJSON_PrintUnformatted(doc));
	cJSON_Delete(doc);
	return ok;
}

static bool parse_readiness(struct ctx *c, const char *where,
			    const cJSON *entry, size_t index,
			    const cJSON *cluster, struct cluster *cl)
{
	if (!parse_clusterlint(c, where, entry, cl) ||
	    !parse_status_messages(c, where, entry, cl) ||
	    !parse_associated(c, where, entry, index, cl) ||
	    !get_doc(c, entry, "node_pools_file", "node_pools", where,
		     &cl->node_pools, NULL))
		return false;
	if (cl->node_pools.data == NULL)
		return node_pools_of(c, cluster, &cl->node_pools);
	return true;
}

static bool parse_cluster(struct ctx *c, const cJSON *entry, size_t index,
			  struct cluster *cl)
{
	static const char *const keys[] = {
		"cluster_file", "cluster", "upgrades_file", "upgrades",
		"credentials_file", "credentials", "clusterlint_file",
		"clusterlint", "status_messages_file", "status_messages",
		"associated_resources_file", "associated_resources",
		"node_pools_file", "node_pools", NULL
	};
	char where[64];
	cJSON *doc = NULL;
	const cJSON *tree;
	bool ok;

	snprintf(where, sizeof(where), "clusters[%zu]", index);
	if (!check_keys(c, entry, where, keys))
		return false;
	{
		struct body unused = { NULL, 0 };

		if (!get_doc(c, entry, "cluster_file", "cluster", where,
			     &unused, &doc))
			return false;
		body_clear(&unused);
	}
	if (doc == NULL)
		return fail(c, "%s: needs \"cluster_file\" or \"cluster\"",
			    where);
	tree = unwrap_cluster(doc);
	ok = cluster_from_tree(c, where, tree, cl) &&
	     parse_readiness(c, where, entry, index, tree, cl);
	cJSON_Delete(doc);
	if (!ok)
		return false;
	if (!get_doc(c, entry, "upgrades_file", "upgrades", where,
		     &cl->upgrades, NULL) ||
	    !get_doc(c, entry, "credentials_file", "credentials", where,
		     &cl->credentials, NULL))
		return false;
	if (cl->upgrades.data == NULL &&
	    !body_set(&cl->upgrades, DEFAULT_UPGRADES,
		      sizeof(DEFAULT_UPGRADES) - 1))
		return fail(c, "out of memory");
	if (cl->credentials.data == NULL &&
	    !body_set(&cl->credentials, DEFAULT_CREDENTIALS,
		      sizeof(DEFAULT_CREDENTIALS) - 1))
		return fail(c, "out of memory");
	return true;
}

static bool set_string(cJSON *obj, const char *key, const char *value)
{
	cJSON *v = cJSON_CreateString(value);

	if (v == NULL)
		return false;
	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
		return cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
	if (!cJSON_AddItemToObject(obj, key, v)) {
		cJSON_Delete(v);
		return false;
	}
	return true;
}

/* Builds generated cluster i from the template into cl. */
static bool generate_one(struct ctx *c, const cJSON *tmpl, size_t i,
			 struct cluster *cl)
{
	char id[64], name[32], endpoint[128];
	cJSON *obj = cJSON_Duplicate(tmpl, 1);
	bool ok;
	const char *up = GEN_UPGRADES[i % 3];

	if (obj == NULL)
		return fail(c, "out of memory");
	snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012zu", i);
	snprintf(name, sizeof(name), "gen-%05zu", i);
	snprintf(endpoint, sizeof(endpoint),
		 "https://%s.k8s.ondigitalocean.com", id);
	ok = set_string(obj, "id", id) && set_string(obj, "name", name) &&
	     set_string(obj, "version", GEN_VERSION) &&
	     (cJSON_GetObjectItemCaseSensitive(obj, "endpoint") == NULL ||
	      set_string(obj, "endpoint", endpoint));
	if (!ok) {
		cJSON_Delete(obj);
		return fail(c, "out of memory");
	}
	ok = cluster_from_tree(c, "generate", obj, cl) &&
	     node_pools_of(c, obj, &cl->node_pools);
	cJSON_Delete(obj);
	if (!ok)
		return false;
	if (!body_set(&cl->upgrades, up, strlen(up)) ||
	    !body_set(&cl->associated, DEFAULT_ASSOCIATED,
		      sizeof(DEFAULT_ASSOCIATED) - 1) ||
	    !body_set(&cl->credentials, DEFAULT_CREDENTIALS,
		      sizeof(DEFAULT_CREDENTIALS) - 1))
		return fail(c, "out of memory");
	return true;
}

static bool parse_generate(struct ctx *c, const cJSON *gen,
			   struct scenario *s)
{
	static const char *const keys[] = {
		"count", "template_file", "template", NULL
	};
	long long count = 0;
	struct body unused = { NULL, 0 };
	cJSON *doc = NULL;
	const cJSON *tmpl;
	struct cluster *grown;
	bool ok = true;
	size_t i;

	if (!check_keys(c, gen, "generate", keys) ||
	    !get_int(c, gen, "count", "generate", 0, SCENARIO_GENERATE_MAX,
		     &count) ||
	    !get_doc(c, gen, "template_file", "template", "generate",
		     &unused, &doc))
		return false;
	body_clear(&unused);
	if (doc == NULL) {
		struct body b = { (char *)GEN_TEMPLATE,
				  sizeof(GEN_TEMPLATE) - 1 };

		doc = parse(c, "built-in template", &b);
		if (doc == NULL)
			return false;
	}
	tmpl = unwrap_cluster(doc);
	if (!cJSON_IsObject(tmpl)) {
		cJSON_Delete(doc);
		return fail(c, "generate: the template must be an object");
	}
	grown = realloc(s->clusters,
			(s->nclusters + (size_t)count + 1) * sizeof(*grown));
	if (grown == NULL) {
		cJSON_Delete(doc);
		return fail(c, "out of memory");
	}
	s->clusters = grown;
	for (i = 0; i < (size_t)count && ok; i++) {
		struct cluster *cl = &s->clusters[s->nclusters];

		memset(cl, 0, sizeof(*cl));
		ok = generate_one(c, tmpl, i, cl);
		if (!ok)
			cluster_clear(cl);
		else
			s->nclusters++;
	}
	cJSON_Delete(doc);
	return ok;
}

static bool parse_route(const char *name, enum route *out)
{
	static const struct {
		const char *name;
		enum route route;
	} table[] = {
		{ "clusters", ROUTE_CLUSTERS },
		{ "cluster", ROUTE_CLUSTER },
		{ "upgrades", ROUTE_UPGRADES },
		{ "credentials", ROUTE_CREDENTIALS },
		{ "options", ROUTE_OPTIONS },
		{ "clusterlint", ROUTE_CLUSTERLINT },
		{ "status_messages", ROUTE_STATUS_MESSAGES },
		{ "destroy_with_associated_resources", ROUTE_ASSOCIATED },
		{ "associated_resources", ROUTE_ASSOCIATED },
		{ "node_pools", ROUTE_NODE_POOLS },
		{ "any", ROUTE_ANY },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(table[i].name, name) == 0) {
			*out = table[i].route;
			return true;
		}
	}
	return false;
}

static bool parse_mode(const char *name, enum fault_mode *out)
{
	static const struct {
		const char *name;
		enum fault_mode mode;
	} table[] = {
		{ "never", FAULT_MODE_NEVER },
		{ "stall_body", FAULT_MODE_STALL_BODY },
		{ "reset", FAULT_MODE_RESET },
		{ "truncate", FAULT_MODE_TRUNCATE },
		{ "html", FAULT_MODE_HTML },
		{ "oversize", FAULT_MODE_OVERSIZE },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(table[i].name, name) == 0) {
			*out = table[i].mode;
			return true;
		}
	}
	return false;
}

/* A header name is an HTTP token; a value has no line break. */
static bool header_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch <= ' ' || ch >= 0x7f || strchr("()<>@,;:\\\"/[]?={}",
						      ch) != NULL)
			return false;
	}
	return true;
}

static bool header_value_ok(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

static bool parse_headers(struct ctx *c, const cJSON *hv, const char *where,
			  struct fault *f)
{
	const cJSON *it;
	size_t n = 0;

	if (!cJSON_IsObject(hv))
		return fail(c, "%s: \"headers\" must be an object", where);
	cJSON_ArrayForEach(it, hv)
		n++;
	f->headers = calloc(n ? n : 1, sizeof(*f->headers));
	if (f->headers == NULL)
		return fail(c, "out of memory");
	cJSON_ArrayForEach(it, hv) {
		struct header *h = &f->headers[f->nheaders];
		char num[32];
		const char *value;

		if (cJSON_IsString(it)) {
			value = it->valuestring;
		} else if (cJSON_IsNumber(it) && it->valuedouble > -1e15 &&
			   it->valuedouble < 1e15 &&
			   it->valuedouble ==
				   (double)(long long)it->valuedouble) {
			snprintf(num, sizeof(num), "%.0f", it->valuedouble);
			value = num;
		} else {
			return fail(c, "%s: header \"%s\" must be a string",
				    where, it->string);
		}
		if (!header_name_ok(it->string) || !header_value_ok(value))
			return fail(c, "%s: header \"%s\" is not valid",
				    where, it->string);
		h->name = strdup(it->string);
		h->value = strdup(value);
		f->nheaders++;
		if (h->name == NULL || h->value == NULL)
			return fail(c, "out of memory");
	}
	return true;
}

static bool parse_fault(struct ctx *c, const cJSON *fv, size_t index,
			struct fault *f)
{
	static const char *const keys[] = {
		"route", "cluster_id", "page", "times", "status", "body_file",
		"body", "headers", "delay_ms", "mode", "size", "chunked", NULL
	};
	char where[64];
	const char *route = NULL, *mode = NULL, *cid = NULL, *body = NULL,
		   *body_file = NULL;
	long long page = 0, times = 0, status = 0, delay = 0;
	long long size = (long long)SCENARIO_OVERSIZE_DEFAULT;
	const cJSON *chunked, *hv;

	snprintf(where, sizeof(where), "faults[%zu]", index);
	if (!check_keys(c, fv, where, keys) ||
	    !get_string(c, fv, "route", where, &route) ||
	    !get_string(c, fv, "mode", where, &mode) ||
	    !get_string(c, fv, "cluster_id", where, &cid) ||
	    !get_string(c, fv, "body", where, &body) ||
	    !get_string(c, fv, "body_file", where, &body_file) ||
	    !get_int(c, fv, "page", where, 1, 1000000000, &page) ||
	    !get_int(c, fv, "times", where, 1, 1000000000, &times) ||
	    !get_int(c, fv, "status", where, 100, 599, &status) ||
	    !get_int(c, fv, "delay_ms", where, 0, 3600000, &delay) ||
	    !get_int(c, fv, "size", where, 0, 1LL << 50, &size))
		return false;
	if (route == NULL)
		return fail(c, "%s: needs \"route\"", where);
	if (!parse_route(route, &f->route))
		return fail(c, "%s: unknown route \"%s\"", where, route);
	f->mode = FAULT_MODE_NONE;
	if (mode != NULL && !parse_mode(mode, &f->mode))
		return fail(c, "%s: unknown mode \"%s\"", where, mode);
	if (body != NULL && body_file != NULL)
		return fail(c, "%s: give \"body\" or \"body_file\", not both",
			    where);
	chunked = cJSON_GetObjectItemCaseSensitive(fv, "chunked");
	if (chunked != NULL && !cJSON_IsBool(chunked))
		return fail(c, "%s: \"chunked\" must be true or false", where);
	f->chunked = cJSON_IsTrue(chunked);
	f->page = (long)page;
	f->times = (unsigned long)times;
	f->status = (int)status;
	f->delay_ms = (long)delay;
	f->size = (uint64_t)size;
	if (cid != NULL && (f->cluster_id = strdup(cid)) == NULL)
		return fail(c, "out of memory");
	if (body != NULL && !body_set(&f->body, body, strlen(body)))
		return fail(c, "out of memory");
	if (body_file != NULL && !read_named(c, body_file, &f->body))
		return false;
	hv = cJSON_GetObjectItemCaseSensitive(fv, "headers");
	if (hv != NULL && !parse_headers(c, hv, where, f))
		return false;
	return true;
}

static const char *const CHAOS_NAMES[CHAOS_NMODES] = {
	[CHAOS_STATUS] = "status",
	[CHAOS_NEVER] = "never",
	[CHAOS_STALL_BODY] = "stall_body",
	[CHAOS_RESET] = "reset",
	[CHAOS_TRUNCATE] = "truncate",
	[CHAOS_HTML] = "html",
	[CHAOS_OVERSIZE] = "oversize",
	[CHAOS_DELAY] = "delay",
};

/* Used when "status_codes" is absent. */
static const int CHAOS_STATUS_DEFAULT[] = { 429, 500, 502, 503 };

const char *chaos_mode_name(enum chaos_mode m)
{
	return (unsigned)m < CHAOS_NMODES ? CHAOS_NAMES[m] : "?";
}

/* A non-empty array of at most CHAOS_LIST_MAX items; sets *n. */
static bool chaos_list(struct ctx *c, const cJSON *v, const char *key,
		       size_t *n)
{
	int size;

	if (!cJSON_IsArray(v))
		return fail(c, "chaos: \"%s\" must be an array", key);
	size = cJSON_GetArraySize(v);
	if (size < 1 || size > CHAOS_LIST_MAX)
		return fail(c, "chaos: \"%s\" needs 1..%d items", key,
			    CHAOS_LIST_MAX);
	*n = (size_t)size;
	return true;
}

static bool chaos_modes(struct ctx *c, const cJSON *v, struct chaos *ch)
{
	const cJSON *it;
	size_t n = CHAOS_NMODES;

	if (v != NULL && !chaos_list(c, v, "modes", &n))
		return false;
	ch->modes = calloc(n, sizeof(*ch->modes));
	if (ch->modes == NULL)
		return fail(c, "out of memory");
	if (v == NULL) {
		for (ch->nmodes = 0; ch->nmodes < CHAOS_NMODES; ch->nmodes++)
			ch->modes[ch->nmodes] = (enum chaos_mode)ch->nmodes;
		return true;
	}
	cJSON_ArrayForEach(it, v) {
		size_t m;

		if (!cJSON_IsString(it))
			return fail(c, "chaos: \"modes\" holds strings");
		for (m = 0; m < CHAOS_NMODES; m++)
			if (strcmp(CHAOS_NAMES[m], it->valuestring) == 0)
				break;
		if (m == CHAOS_NMODES)
			return fail(c, "chaos: unknown mode \"%s\"",
				    it->valuestring);
		ch->modes[ch->nmodes++] = (enum chaos_mode)m;
	}
	return true;
}

static bool chaos_codes(struct ctx *c, const cJSON *v, struct chaos *ch)
{
	const cJSON *it;
	size_t n = sizeof(CHAOS_STATUS_DEFAULT) / sizeof(CHAOS_STATUS_DEFAULT[0]);

	if (v != NULL && !chaos_list(c, v, "status_codes", &n))
		return false;
	ch->status_codes = calloc(n, sizeof(*ch->status_codes));
	if (ch->status_codes == NULL)
		return fail(c, "out of memory");
	if (v == NULL) {
		memcpy(ch->status_codes, CHAOS_STATUS_DEFAULT,
		       sizeof(CHAOS_STATUS_DEFAULT));
		ch->nstatus = n;
		return true;
	}
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsNumber(it) || !(it->valuedouble >= 400 &&
					     it->valuedouble <= 599) ||
		    it->valuedouble != (double)(int)it->valuedouble)
			return fail(c, "chaos: \"status_codes\" holds "
				       "integers in 400..599");
		ch->status_codes[ch->nstatus++] = (int)it->valuedouble;
	}
	return true;
}

static bool parse_chaos(struct ctx *c, const cJSON *cv, struct chaos *ch)
{
	static const char *const keys[] = {
		"probability", "seed", "modes", "status_codes", "delay_ms",
		"oversize_size", NULL
	};
	const cJSON *p;
	long long seed = 0, delay = CHAOS_DELAY_DEFAULT;
	long long size = (long long)SCENARIO_OVERSIZE_DEFAULT;

	if (!check_keys(c, cv, "chaos", keys) ||
	    !get_int(c, cv, "seed", "chaos", 0, 1LL << 53, &seed) ||
	    !get_int(c, cv, "delay_ms", "chaos", 0, 3600000, &delay) ||
	    !get_int(c, cv, "oversize_size", "chaos", 0, 1LL << 50, &size))
		return false;
	p = cJSON_GetObjectItemCaseSensitive(cv, "probability");
	if (p == NULL)
		return fail(c, "chaos: needs \"probability\"");
	if (!cJSON_IsNumber(p) || !(p->valuedouble >= 0.0 &&
				    p->valuedouble <= 1.0))
		return fail(c, "chaos: \"probability\" must be a number in "
			       "0..1");
	ch->on = true;
	ch->probability = p->valuedouble;
	ch->seed = (uint64_t)seed;
	ch->delay_ms = (long)delay;
	ch->oversize_size = (uint64_t)size;
	return chaos_modes(c, cJSON_GetObjectItemCaseSensitive(cv, "modes"),
			   ch) &&
	       chaos_codes(c, cJSON_GetObjectItemCaseSensitive(
				      cv, "status_codes"), ch);
}

static bool parse_ratelimit(struct ctx *c, const cJSON *rl,
			    struct scenario *s)
{
	static const char *const keys[] = {
		"limit", "remaining", "reset", NULL
	};
	const long long big = 1LL << 53;

	return check_keys(c, rl, "ratelimit", keys) &&
	       get_int(c, rl, "limit", "ratelimit", 0, big, &s->rl_limit) &&
	       get_int(c, rl, "remaining", "ratelimit", 0, big,
		       &s->rl_remaining) &&
	       get_int(c, rl, "reset", "ratelimit", 0, big, &s->rl_reset);
}

static bool parse_pagination(struct ctx *c, const cJSON *pg,
			     struct scenario *s)
{
	static const char *const keys[] = {
		"loop_to_page", "foreign_next", NULL
	};
	long long loop = 0;
	const char *foreign = NULL;

	if (!check_keys(c, pg, "pagination", keys) ||
	    !get_int(c, pg, "loop_to_page", "pagination", 1, 1000000000,
		     &loop) ||
	    !get_string(c, pg, "foreign_next", "pagination", &foreign))
		return false;
	s->loop_to_page = (long)loop;
	if (foreign != NULL && (s->foreign_next = strdup(foreign)) == NULL)
		return fail(c, "out of memory");
	return true;
}

static bool parse_top(struct ctx *c, const cJSON *root, struct scenario *s)
{
	static const char *const keys[] = {
		"token", "ratelimit", "clusters", "generate", "options_file",
		"options", "pagination", "faults", "chaos",
		"status_messages_since", NULL
	};
	const cJSON *v, *it;
	const char *token = NULL, *since = NULL;
	size_t n, i, explicit;

	if (!check_keys(c, root, "scenario", keys) ||
	    !get_string(c, root, "token", "scenario", &token))
		return false;
	if (token == NULL || token[0] == '\0')
		return fail(c, "scenario: needs a non-empty \"token\"");
	if ((s->token = strdup(token)) == NULL)
		return fail(c, "out of memory");
	if (!get_string(c, root, "status_messages_since", "scenario", &since))
		return false;
	if (since != NULL && strcmp(since, "after") != 0 &&
	    strcmp(since, "at_or_after") != 0)
		return fail(c, "scenario: \"status_messages_since\" is "
			       "\"after\" or \"at_or_after\"");
	s->since_inclusive = since != NULL && strcmp(since, "at_or_after") == 0;

	v = cJSON_GetObjectItemCaseSensitive(root, "ratelimit");
	if (v != NULL && !parse_ratelimit(c, v, s))
		return false;

	v = cJSON_GetObjectItemCaseSensitive(root, "clusters");
	if (v != NULL) {
		if (!cJSON_IsArray(v))
			return fail(c, "\"clusters\" must be an array");
		n = (size_t)cJSON_GetArraySize(v);
		s->clusters = calloc(n ? n : 1, sizeof(*s->clusters));
		if (s->clusters == NULL)
			return fail(c, "out of memory");
		cJSON_ArrayForEach(it, v) {
			struct cluster *cl = &s->clusters[s->nclusters];

			if (!parse_cluster(c, it, s->nclusters, cl)) {
				cluster_clear(cl);
				return false;
			}
			s->nclusters++;
		}
	}

	explicit = s->nclusters;
	v = cJSON_GetObjectItemCaseSensitive(root, "generate");
	if (v != NULL && !parse_generate(c, v, s))
		return false;

	/* Generated ids are distinct by construction; check the others. */
	for (n = 0; n < explicit; n++) {
		for (i = 0; i < s->nclusters; i++) {
			if (i != n && strcmp(s->clusters[i].id,
					     s->clusters[n].id) == 0)
				return fail(c, "cluster id \"%s\" appears twice",
					    s->clusters[n].id);
		}
	}

	if (!get_doc(c, root, "options_file", "options", "scenario",
		     &s->options, NULL))
		return false;
	if (s->options.data == NULL &&
	    !body_set(&s->options, DEFAULT_OPTIONS,
		      sizeof(DEFAULT_OPTIONS) - 1))
		return fail(c, "out of memory");

	v = cJSON_GetObjectItemCaseSensitive(root, "pagination");
	if (v != NULL && !parse_pagination(c, v, s))
		return false;

	v = cJSON_GetObjectItemCaseSensitive(root, "faults");
	if (v != NULL) {
		if (!cJSON_IsArray(v))
			return fail(c, "\"faults\" must be an array");
		n = (size_t)cJSON_GetArraySize(v);
		s->faults = calloc(n ? n : 1, sizeof(*s->faults));
		if (s->faults == NULL)
			return fail(c, "out of memory");
		cJSON_ArrayForEach(it, v) {
			struct fault *f = &s->faults[s->nfaults];

			/* Counted first, so scenario_free sees a partial one */
			s->nfaults++;
			if (!parse_fault(c, it, s->nfaults - 1, f))
				return false;
		}
	}

	v = cJSON_GetObjectItemCaseSensitive(root, "chaos");
	if (v != NULL && !parse_chaos(c, v, &s->chaos))
		return false;
	return true;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	d = malloc((size_t)(slash - path) + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, path, (size_t)(slash - path));
	d[slash - path] = '\0';
	return d;
}

bool scenario_load(const char *path, struct scenario **out, char *err,
		   size_t errlen)
{
	struct ctx c = { NULL, err, errlen };
	struct body text = { NULL, 0 };
	struct scenario *s = NULL;
	cJSON *root = NULL;
	char *dir = dir_of(path);
	bool ok = false;

	if (dir == NULL) {
		fail(&c, "out of memory");
		goto out;
	}
	c.dir = dir;
	if (!read_path(&c, path, &text))
		goto out;
	root = parse(&c, path, &text);
	if (root == NULL)
		goto out;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		fail(&c, "out of memory");
		goto out;
	}
	s->rl_limit = 5000;
	s->rl_remaining = 4816;
	s->rl_reset = 1444931833;
	ok = parse_top(&c, root, s);
out:
	if (ok)
		*out = s;
	else
		scenario_free(s);
	cJSON_Delete(root);
	free(text.data);
	free(dir);
	return ok;
}

void scenario_free(struct scenario *s)
{
	size_t i, j;

	if (s == NULL)
		return;
	for (i = 0; i < s->nclusters; i++)
		cluster_clear(&s->clusters[i]);
	free(s->clusters);
	for (i = 0; i < s->nfaults; i++) {
		struct fault *f = &s->faults[i];

		free(f->cluster_id);
		body_clear(&f->body);
		for (j = 0; j < f->nheaders; j++) {
			free(f->headers[j].name);
			free(f->headers[j].value);
		}
		/* a header whose strdup failed is counted; free(NULL) is fine */
		free(f->headers);
	}
	free(s->faults);
	free(s->chaos.modes);
	free(s->chaos.status_codes);
	body_clear(&s->options);
	free(s->foreign_next);
	free(s->token);
	free(s);
}

bool route_has_cluster(enum route r)
{
	switch (r) {
	case ROUTE_CLUSTER:
	case ROUTE_UPGRADES:
	case ROUTE_CREDENTIALS:
	case ROUTE_CLUSTERLINT:
	case ROUTE_STATUS_MESSAGES:
	case ROUTE_ASSOCIATED:
	case ROUTE_NODE_POOLS:
		return true;
	case ROUTE_OTHER:
	case ROUTE_CLUSTERS:
	case ROUTE_OPTIONS:
	case ROUTE_ANY:
		break;
	}
	return false;
}

const struct cluster *scenario_find_cluster(const struct scenario *s,
					    const char *id)
{
	size_t i;

	for (i = 0; i < s->nclusters; i++)
		if (strcmp(s->clusters[i].id, id) == 0)
			return &s->clusters[i];
	return NULL;
}
