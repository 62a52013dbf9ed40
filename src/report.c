/* report.c - see report.h. Each cluster becomes, when it is added, its
 * row of text cells and its JSON object, so that the report holds no
 * pointer into the records and writing it is only printing. */
#include "report.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maintenance.h"
#include "readiness.h"

/* One cluster: its cells, its JSON object, and what the totals need. */
struct row {
	char *cells[REPORT_COLUMNS]; /* owned */
	cJSON *json;                 /* owned */
	enum readiness verdict;
	bool pending;
};

struct report {
	struct row *rows;
	size_t count;
	size_t cap;
	double now;
	bool json; /* rows carry their JSON object (not for the status page) */
};

static const char *const headers[REPORT_COLUMNS] = {
#define REPORT_COLUMN_HEADER(name, header) header,
	REPORT_COLUMN_LIST(REPORT_COLUMN_HEADER)
#undef REPORT_COLUMN_HEADER
};

enum err report_new(double now, struct report **out)
{
	struct report *r = calloc(1, sizeof *r);
	if (!r)
		return ERR_NOMEM;
	r->now = now;
	r->json = true;
	*out = r;
	return ERR_OK;
}

enum err report_new_table(double now, struct report **out)
{
	enum err e = report_new(now, out);
	if (e == ERR_OK)
		(*out)->json = false;
	return e;
}

static void row_cleanup(struct row *w)
{
	for (size_t c = 0; c < REPORT_COLUMNS; c++)
		free(w->cells[c]);
	cJSON_Delete(w->json);
}

void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->count; i++)
		row_cleanup(&r->rows[i]);
	free(r->rows);
	free(r);
}

/* The last second strftime's %Y writes with four digits: 9999-12-31. */
#define ISO_MAX 253402300799.0

/* t as "2026-11-28T03:00:00Z" into buf; false when t is not a time this
 * can write (not positive, not finite, past year 9999, or refused by
 * gmtime_r). The range is checked before the conversion to time_t, which
 * is undefined for a double out of its range. */
static bool iso_into(double t, char *buf, size_t size)
{
	if (!(t > 0 && t <= ISO_MAX))
		return false;
	time_t s = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&s, &tm))
		return false;
	return strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0;
}

/* "2026-11-28T03:00:00Z"; "-" for 0, "?" for a time it cannot write. */
static char *iso(double t)
{
	char buf[32];
	if (t == 0)
		return strdup("-");
	return strdup(iso_into(t, buf, sizeof buf) ? buf : "?");
}

/* A cell from a format; NULL on out of memory. */
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

static char *upgrades_text(const struct cluster_record *c)
{
	if (!c->have_upgrades)
		return strdup("?");
	if (c->upgrades.count == 0)
		return strdup("-");
	/* "slug (kind), slug (kind)" */
	size_t size = 1;
	for (size_t i = 0; i < c->upgrades.count; i++)
		size += strlen(c->upgrades.versions[i].slug) + sizeof " (unknown), ";
	char *s = malloc(size);
	if (!s)
		return NULL;
	size_t len = 0;
	for (size_t i = 0; i < c->upgrades.count; i++) {
		int n = snprintf(s + len, size - len, "%s%s (%s)", i > 0 ? ", " : "",
				 c->upgrades.versions[i].slug,
				 upgrade_kind_name(c->upgrades.versions[i].kind));
		if (n < 0 || (size_t)n >= size - len) {
			free(s);
			return NULL;
		}
		len += (size_t)n;
	}
	return s;
}

/* A duration as people read it: "45s", "42m", "1h05m", "2d03h". */
static char *duration_text(double seconds)
{
	if (!(seconds >= 0 && seconds < 1e9))
		return strdup("?");
	long s = (long)seconds;
	if (s < 60)
		return fmt("%lds", s);
	if (s < 3600)
		return fmt("%ldm", s / 60);
	if (s < 86400)
		return fmt("%ldh%02ldm", s / 3600, s % 3600 / 60);
	return fmt("%ldd%02ldh", s / 86400, s % 86400 / 3600);
}

/* The newest upgrade of the history, ended or not; NULL for none. */
static const struct upgrade_event *last_upgrade(const struct cluster_record *c)
{
	return c->history.count > 0 ? &c->history.events[c->history.count - 1] : NULL;
}

static char *reasons_text(struct readiness_result v)
{
	char buf[512] = "";
	size_t len = 0;
	for (int i = 0; i < READINESS_REASON_COUNT; i++) {
		if (!(v.reasons & (1u << i)))
			continue;
		int n = snprintf(buf + len, sizeof buf - len, "%s%s", len ? "," : "",
				 readiness_reason_name((enum readiness_reason)i));
		if (n > 0 && (size_t)n < sizeof buf - len)
			len += (size_t)n;
	}
	return strdup(len ? buf : "-");
}

/* The new columns' cells (end of support to the reasons). */
static void readiness_cells(const struct cluster_record *c, struct readiness_result v,
			    char **cells)
{
	const struct support *s = &c->support;
	cells[REPORT_COL_END_OF_SUPPORT] = iso(s->have_end_of_support ? s->end_of_support : 0);
	cells[REPORT_COL_FORCED_UPGRADE] =
		iso(s->have_forced_upgrade ? s->forced_upgrade_earliest : 0);
	const struct clusterlint *l = &c->clusterlint;
	cells[REPORT_COL_LINT] = !c->have_clusterlint ? strdup("?") :
				 !l->linted	      ? strdup("never") :
							fmt("%ld/%ld/%ld", l->counts[CLUSTERLINT_ERROR],
							    l->counts[CLUSTERLINT_WARNING],
							    l->counts[CLUSTERLINT_SUGGESTION]);
	cells[REPORT_COL_LINT_RUN] = !c->have_clusterlint ? strdup("?") :
				     iso(l->linted ? l->completed_at : 0);
	const struct status_messages *m = &c->status_messages;
	cells[REPORT_COL_MESSAGES] = c->have_status_messages ? fmt("%llu", m->total) : strdup("?");
	cells[REPORT_COL_LAST_MESSAGE] = c->have_status_messages ? iso(m->last_timestamp) :
								   strdup("?");
	const long *rc = c->resources.counts;
	cells[REPORT_COL_RESOURCES] =
		c->have_resources ? fmt("%ld/%ld/%ld", rc[RESOURCE_LOAD_BALANCER], rc[RESOURCE_VOLUME],
					rc[RESOURCE_VOLUME_SNAPSHOT]) :
				    strdup("?");
	const struct upgrade_event *e = last_upgrade(c);
	if (e) {
		cells[REPORT_COL_LAST_UPGRADE] = fmt("%s->%s (%s)", e->from ? e->from : "?",
						     e->to ? e->to : "?", upgrade_kind_name(e->kind));
		cells[REPORT_COL_UPGRADE_END] = iso(e->end);
		cells[REPORT_COL_UPGRADE_TOOK] =
			e->end > 0 ? duration_text(e->end - e->start) : strdup("-");
		cells[REPORT_COL_OUTCOME] =
			strdup(e->end > 0 ? cluster_state_name(e->outcome) : "upgrading");
	} else {
		for (int col = REPORT_COL_LAST_UPGRADE; col <= REPORT_COL_OUTCOME; col++)
			cells[col] = strdup("-");
	}
	cells[REPORT_COL_VERDICT] = strdup(readiness_name(v.verdict));
	cells[REPORT_COL_REASONS] = reasons_text(v);
}

/* ---- the JSON object of one cluster -------------------------------------- */

static cJSON *time_or_null(double t)
{
	char buf[32];
	if (!iso_into(t, buf, sizeof buf))
		return cJSON_CreateNull();
	return cJSON_CreateString(buf);
}

static cJSON *string_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *upgrades_json(const struct cluster_record *c)
{
	if (!c->have_upgrades)
		return cJSON_CreateNull(); /* unknown: the call failed */
	cJSON *ups = cJSON_CreateArray();
	for (size_t u = 0; ups && u < c->upgrades.count; u++) {
		const struct upgrade_version *uv = &c->upgrades.versions[u];
		cJSON *v = cJSON_CreateObject();
		if (!v)
			break;
		cJSON_AddItemToArray(ups, v);
		cJSON_AddStringToObject(v, "version_slug", uv->slug);
		cJSON_AddStringToObject(v, "kubernetes_version", uv->kubernetes_version);
		cJSON_AddStringToObject(v, "kind", upgrade_kind_name(uv->kind));
		cJSON_AddItemToObject(v, "first_seen", time_or_null(uv->first_seen));
	}
	return ups;
}

static cJSON *severity_counts(const long *counts)
{
	cJSON *o = cJSON_CreateObject();
	for (int s = 0; o && s < CLUSTERLINT_SEVERITY_COUNT; s++)
		cJSON_AddNumberToObject(o, clusterlint_severity_name((enum clusterlint_severity)s),
					(double)counts[s]);
	return o;
}

static cJSON *clusterlint_json(const struct cluster_record *c)
{
	if (!c->have_clusterlint)
		return cJSON_CreateNull();
	const struct clusterlint *l = &c->clusterlint;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddBoolToObject(o, "linted", l->linted);
	if (!l->linted)
		return o; /* never linted: a 404, not an error */
	cJSON_AddItemToObject(o, "completed_at", time_or_null(l->completed_at));
	cJSON_AddItemToObject(o, "counts", severity_counts(l->counts));
	cJSON *checks = cJSON_AddArrayToObject(o, "checks");
	for (size_t i = 0; checks && i < l->check_count; i++) {
		cJSON *k = cJSON_CreateObject();
		if (!k)
			break;
		cJSON_AddItemToArray(checks, k);
		cJSON_AddStringToObject(k, "check_name", l->checks[i].check_name);
		cJSON_AddStringToObject(k, "severity", clusterlint_severity_name(l->checks[i].severity));
		cJSON_AddNumberToObject(k, "count", (double)l->checks[i].count);
	}
	cJSON *findings = cJSON_AddArrayToObject(o, "findings");
	for (size_t i = 0; findings && i < l->finding_count; i++) {
		const struct clusterlint_finding *f = &l->findings[i];
		cJSON *k = cJSON_CreateObject();
		cJSON *obj = cJSON_CreateObject();
		if (!k || !obj) {
			cJSON_Delete(k);
			cJSON_Delete(obj);
			break;
		}
		cJSON_AddItemToArray(findings, k);
		cJSON_AddStringToObject(k, "check_name", f->check_name);
		cJSON_AddStringToObject(k, "severity", clusterlint_severity_name(f->severity));
		cJSON_AddItemToObject(obj, "kind", string_or_null(f->object_kind));
		cJSON_AddItemToObject(obj, "namespace", string_or_null(f->object_namespace));
		cJSON_AddItemToObject(obj, "name", string_or_null(f->object_name));
		cJSON_AddItemToObject(k, "object", obj);
		cJSON_AddItemToObject(k, "message", string_or_null(f->message));
	}
	cJSON_AddNumberToObject(o, "findings_dropped", (double)l->findings_dropped);
	return o;
}

static cJSON *status_messages_json(const struct cluster_record *c)
{
	if (!c->have_status_messages)
		return cJSON_CreateNull();
	const struct status_messages *m = &c->status_messages;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "total", (double)m->total);
	cJSON_AddItemToObject(o, "last", time_or_null(m->last_timestamp));
	cJSON *recent = cJSON_AddArrayToObject(o, "recent");
	for (size_t i = 0; recent && i < m->recent_count && i < STATUS_MESSAGES_RECENT; i++) {
		cJSON *k = cJSON_CreateObject();
		if (!k)
			break;
		cJSON_AddItemToArray(recent, k);
		cJSON_AddItemToObject(k, "timestamp", time_or_null(m->recent[i].timestamp));
		cJSON_AddItemToObject(k, "message", string_or_null(m->recent[i].message));
	}
	return o;
}

static cJSON *resources_json(const struct cluster_record *c)
{
	if (!c->have_resources)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	for (int k = 0; o && k < RESOURCE_KIND_COUNT; k++)
		cJSON_AddNumberToObject(o, resource_kind_name((enum resource_kind)k),
					(double)c->resources.counts[k]);
	return o;
}

static cJSON *last_upgrade_json(const struct cluster_record *c)
{
	const struct upgrade_event *e = last_upgrade(c);
	if (!e)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	bool ended = e->end > 0;
	cJSON_AddItemToObject(o, "from", string_or_null(e->from));
	cJSON_AddItemToObject(o, "to", string_or_null(e->to));
	cJSON_AddStringToObject(o, "kind", upgrade_kind_name(e->kind));
	cJSON_AddItemToObject(o, "start", time_or_null(e->start));
	cJSON_AddItemToObject(o, "end", time_or_null(ended ? e->end : 0));
	if (ended && e->end >= e->start)
		cJSON_AddNumberToObject(o, "duration_seconds", e->end - e->start);
	else
		cJSON_AddNullToObject(o, "duration_seconds");
	cJSON_AddItemToObject(o, "outcome", ended ? cJSON_CreateString(cluster_state_name(e->outcome)) :
						    cJSON_CreateNull());
	cJSON_AddBoolToObject(o, "success", ended && e->outcome == CLUSTER_STATE_RUNNING);
	return o;
}

static cJSON *upgrades_ended_json(const struct cluster_record *c)
{
	cJSON *o = cJSON_CreateObject();
	for (int k = 0; o && k < UPGRADE_KIND_COUNT; k++)
		cJSON_AddNumberToObject(o, upgrade_kind_name((enum upgrade_kind)k),
					(double)c->history.ended[k]);
	return o;
}

static cJSON *reasons_json(struct readiness_result v)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && i < READINESS_REASON_COUNT; i++)
		if (v.reasons & (1u << i))
			cJSON_AddItemToArray(
				a, cJSON_CreateString(readiness_reason_name((enum readiness_reason)i)));
	return a;
}

/* Adds item (taken) under key; false when either is missing. */
static bool put(cJSON *o, const char *key, cJSON *item)
{
	if (item && cJSON_AddItemToObject(o, key, item))
		return true;
	cJSON_Delete(item);
	return false;
}

/* The cluster's object; NULL on out of memory. */
static cJSON *cluster_json(const char *account, const struct cluster_record *c, int supported,
			   struct readiness_result v, double next_window)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	bool known = c->have_cluster;
	bool ok = true;
	if (account && account[0])
		ok = put(o, "account", cJSON_CreateString(account));
	ok = ok && put(o, "id", cJSON_CreateString(c->cluster.id));
	ok = ok && put(o, "name", cJSON_CreateString(known ? c->cluster.name : "?"));
	ok = ok && put(o, "region", cJSON_CreateString(known ? c->cluster.region : "?"));
	ok = ok && put(o, "version", cJSON_CreateString(known ? c->cluster.version : "?"));
	ok = ok && put(o, "state",
		       cJSON_CreateString(known ? cluster_state_name(c->cluster.state) : "?"));
	ok = ok && put(o, "upgrades", upgrades_json(c));
	ok = ok && put(o, "pending_since",
		       time_or_null(c->have_upgrades && c->upgrades.count ? c->upgrades.pending_since :
									      0));
	ok = ok && put(o, "next_maintenance_window", time_or_null(next_window));
	ok = ok && put(o, "auto_upgrade",
		       known ? cJSON_CreateBool(c->cluster.auto_upgrade) : cJSON_CreateNull());
	ok = ok && put(o, "version_supported",
		       supported >= 0 ? cJSON_CreateBool(supported) : cJSON_CreateNull());
	ok = ok && put(o, "ca_expiry",
		       time_or_null(c->have_credentials && c->credentials.has_ca_expiry ?
					    c->credentials.ca_expires_at :
					    0));
	const struct support *s = &c->support;
	ok = ok && put(o, "end_of_support",
		       time_or_null(s->have_end_of_support ? s->end_of_support : 0));
	ok = ok && put(o, "forced_upgrade_earliest",
		       time_or_null(s->have_forced_upgrade ? s->forced_upgrade_earliest : 0));
	ok = ok && put(o, "unsupported",
		       cJSON_CreateBool((v.reasons & (1u << READINESS_REASON_UNSUPPORTED)) != 0));
	ok = ok && put(o, "unsupported_since", time_or_null(s->unsupported_since));
	ok = ok && put(o, "support_timeline_listed", cJSON_CreateBool(s->listed));
	ok = ok && put(o, "clusterlint", clusterlint_json(c));
	ok = ok && put(o, "status_messages", status_messages_json(c));
	ok = ok && put(o, "associated_resources", resources_json(c));
	ok = ok && put(o, "last_upgrade", last_upgrade_json(c));
	ok = ok && put(o, "upgrades_ended", upgrades_ended_json(c));
	ok = ok && put(o, "verdict", cJSON_CreateString(readiness_name(v.verdict)));
	ok = ok && put(o, "reasons", reasons_json(v));
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

enum err report_add(struct report *r, const char *account, const struct cluster_record *c,
		    int supported)
{
	if (r->count == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 16;
		struct row *nr = realloc(r->rows, nc * sizeof *nr);
		if (!nr)
			return ERR_NOMEM;
		r->rows = nr;
		r->cap = nc;
	}
	struct readiness_result v = readiness_of(c, r->now);
	struct row w = { .verdict = v.verdict,
			 .pending = c->have_upgrades && c->upgrades.count > 0 };
	bool known = c->have_cluster;
	double next_window = known && c->cluster.have_maintenance ?
				     maintenance_next_window(&c->cluster.maintenance, r->now) :
				     0;
	char **cells = w.cells;
	cells[REPORT_COL_ACCOUNT] = strdup(account ? account : "");
	cells[REPORT_COL_CLUSTER] = strdup(known ? c->cluster.name : "?");
	cells[REPORT_COL_ID] = strdup(c->cluster.id);
	cells[REPORT_COL_REGION] = strdup(known ? c->cluster.region : "?");
	cells[REPORT_COL_VERSION] = strdup(known ? c->cluster.version : "?");
	cells[REPORT_COL_STATE] = strdup(known ? cluster_state_name(c->cluster.state) : "?");
	cells[REPORT_COL_UPGRADES] = upgrades_text(c);
	cells[REPORT_COL_PENDING_SINCE] =
		!c->have_upgrades ? strdup("?") : iso(c->upgrades.count ? c->upgrades.pending_since : 0);
	cells[REPORT_COL_NEXT_WINDOW] = known ? iso(next_window) : strdup("?");
	cells[REPORT_COL_AUTO_UPGRADE] = strdup(!known ? "?" : c->cluster.auto_upgrade ? "yes" : "no");
	cells[REPORT_COL_SUPPORTED] = strdup(supported < 0 ? "?" : supported ? "yes" : "no");
	cells[REPORT_COL_CA_EXPIRY] = iso(c->have_credentials && c->credentials.has_ca_expiry ?
						  c->credentials.ca_expires_at :
						  0);
	readiness_cells(c, v, cells);
	w.json = r->json ? cluster_json(account, c, supported, v, next_window) : NULL;
	bool ok = w.json != NULL || !r->json;
	for (size_t col = 0; col < REPORT_COLUMNS; col++)
		ok = ok && cells[col] != NULL;
	if (!ok) {
		row_cleanup(&w);
		return ERR_NOMEM;
	}
	r->rows[r->count++] = w;
	return ERR_OK;
}

bool report_upgrade_pending(const struct report *r)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->rows[i].pending)
			return true;
	return false;
}

enum readiness report_worst(const struct report *r)
{
	enum readiness worst = READINESS_OK;
	for (size_t i = 0; i < r->count; i++)
		if (r->rows[i].verdict > worst)
			worst = r->rows[i].verdict;
	return worst;
}

size_t report_count(const struct report *r)
{
	return r->count;
}

bool report_has_accounts(const struct report *r)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->rows[i].cells[REPORT_COL_ACCOUNT][0] != '\0')
			return true;
	return false;
}

const char *report_header(enum report_column col)
{
	return (unsigned)col < REPORT_COLUMNS ? headers[col] : "";
}

const char *report_cell(const struct report *r, size_t row, enum report_column col)
{
	return row < r->count && (unsigned)col < REPORT_COLUMNS ? r->rows[row].cells[col] : "";
}

enum readiness report_verdict(const struct report *r, size_t row)
{
	return row < r->count ? r->rows[row].verdict : READINESS_OK;
}

enum err report_write_table(const struct report *r, FILE *out)
{
	size_t width[REPORT_COLUMNS];
	bool accounts = report_has_accounts(r);
	for (int c = 0; c < REPORT_COLUMNS; c++) {
		width[c] = strlen(headers[c]);
		for (size_t i = 0; i < r->count; i++) {
			size_t n = strlen(r->rows[i].cells[c]);
			if (n > width[c])
				width[c] = n;
		}
	}
	/* the header, then one line a cluster; the account column only when named */
	for (size_t i = 0; i <= r->count; i++) {
		for (int c = accounts ? 0 : 1; c < REPORT_COLUMNS; c++) {
			const char *text = i == 0 ? headers[c] : r->rows[i - 1].cells[c];
			/* names come from the API: never let one break the layout */
			for (const char *p = text; *p; p++)
				fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, out);
			if (c + 1 < REPORT_COLUMNS)
				fprintf(out, "%*s", (int)(width[c] - strlen(text) + 2), "");
		}
		fputc('\n', out);
	}
	if (r->count == 0)
		fputs("(no clusters)\n", out);
	return ferror(out) ? ERR_IO : ERR_OK;
}

enum err report_write_json(const struct report *r, bool failed, FILE *out)
{
	cJSON *root = cJSON_CreateObject();
	bool ok = root && cJSON_AddNumberToObject(root, "schema", REPORT_SCHEMA_VERSION) &&
		  cJSON_AddItemToObject(root, "generated_at", time_or_null(r->now)) &&
		  cJSON_AddBoolToObject(root, "upgrade_pending", report_upgrade_pending(r)) &&
		  cJSON_AddBoolToObject(root, "request_failed", failed) &&
		  cJSON_AddStringToObject(root, "verdict", readiness_name(report_worst(r)));
	cJSON *clusters = ok ? cJSON_AddArrayToObject(root, "clusters") : NULL;
	ok = ok && clusters;
	/* the objects stay the report's: the root gets references */
	for (size_t i = 0; ok && i < r->count; i++)
		ok = r->rows[i].json && cJSON_AddItemReferenceToArray(clusters, r->rows[i].json);
	char *text = ok ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		return ERR_NOMEM;
	fputs(text, out);
	fputc('\n', out);
	free(text);
	return ferror(out) ? ERR_IO : ERR_OK;
}
