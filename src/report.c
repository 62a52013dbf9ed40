/* report.c - see report.h. */
#include "report.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maintenance.h"

/* One cluster's line, every field already text. */
struct row {
	char *account;
	char *id;
	char *name;
	char *region;
	char *version;
	char *state;
	char *upgrades; /* "1.29.2-do.0 (patch), 1.30.5-do.0 (minor)" or "-" */
	char *pending_since;
	char *next_window;
	char *auto_upgrade;
	char *ca_expiry;
	char *supported;
	/* for JSON: copies, so that the report outlives the records */
	struct upgrades offered;
	bool have_upgrades;
	bool have_cluster;
	bool auto_upgrade_on;
	double ca_expiry_t;
	double next_window_t;
	int supported_v;
};

struct report {
	struct row *rows;
	size_t count;
	size_t cap;
	double now;
};

enum err report_new(double now, struct report **out)
{
	struct report *r = calloc(1, sizeof *r);
	if (!r)
		return ERR_NOMEM;
	r->now = now;
	*out = r;
	return ERR_OK;
}

static void row_cleanup(struct row *w)
{
	free(w->account);
	free(w->id);
	free(w->name);
	free(w->region);
	free(w->version);
	free(w->state);
	free(w->upgrades);
	free(w->pending_since);
	free(w->next_window);
	free(w->auto_upgrade);
	free(w->ca_expiry);
	free(w->supported);
	upgrades_cleanup(&w->offered);
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
	struct row w = { .supported_v = supported,
			 .have_upgrades = c->have_upgrades,
			 .have_cluster = c->have_cluster,
			 .auto_upgrade_on = c->cluster.auto_upgrade };
	bool known = c->have_cluster;
	w.next_window_t = known && c->cluster.have_maintenance ?
				  maintenance_next_window(&c->cluster.maintenance, r->now) :
				  0;
	w.ca_expiry_t = c->have_credentials && c->credentials.has_ca_expiry ?
				c->credentials.ca_expires_at :
				0;
	bool copied = true;
	if (c->have_upgrades && c->upgrades.count > 0) {
		w.offered.versions = calloc(c->upgrades.count, sizeof *w.offered.versions);
		copied = w.offered.versions != NULL;
		for (size_t i = 0; copied && i < c->upgrades.count; i++) {
			const struct upgrade_version *v = &c->upgrades.versions[i];
			struct upgrade_version *dst = &w.offered.versions[i];
			*dst = *v;
			dst->slug = strdup(v->slug);
			dst->kubernetes_version = strdup(v->kubernetes_version);
			w.offered.count = i + 1;
			copied = dst->slug && dst->kubernetes_version;
		}
		w.offered.pending_since = c->upgrades.pending_since;
	}
	w.account = strdup(account ? account : "");
	w.id = strdup(c->cluster.id);
	w.name = strdup(known ? c->cluster.name : "?");
	w.region = strdup(known ? c->cluster.region : "?");
	w.version = strdup(known ? c->cluster.version : "?");
	w.state = strdup(known ? cluster_state_name(c->cluster.state) : "?");
	w.upgrades = upgrades_text(c);
	w.pending_since = !c->have_upgrades ? strdup("?") :
					      iso(c->upgrades.count ? c->upgrades.pending_since : 0);
	w.next_window = known ? iso(w.next_window_t) : strdup("?");
	w.auto_upgrade = strdup(!known ? "?" : c->cluster.auto_upgrade ? "yes" : "no");
	w.ca_expiry = iso(w.ca_expiry_t);
	w.supported = strdup(supported < 0 ? "?" : supported ? "yes" : "no");
	if (!copied || !w.account || !w.id || !w.name || !w.region || !w.version || !w.state ||
	    !w.upgrades || !w.pending_since || !w.next_window || !w.auto_upgrade ||
	    !w.ca_expiry || !w.supported) {
		row_cleanup(&w);
		return ERR_NOMEM;
	}
	r->rows[r->count++] = w;
	return ERR_OK;
}

bool report_upgrade_pending(const struct report *r)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->rows[i].have_upgrades && r->rows[i].offered.count > 0)
			return true;
	return false;
}

#define COLUMNS 12

static const char *const headers[COLUMNS] = {
	"ACCOUNT",  "CLUSTER",    "ID",          "REGION",      "VERSION",   "STATE",
	"UPGRADES", "PENDING SINCE", "NEXT WINDOW", "AUTO-UPGRADE", "SUPPORTED", "CA EXPIRY",
};

static const char *cell(const struct row *w, int col)
{
	const char *cells[COLUMNS] = { w->account,	 w->name,	 w->id,
				       w->region,	 w->version,	 w->state,
				       w->upgrades,	 w->pending_since, w->next_window,
				       w->auto_upgrade, w->supported,	 w->ca_expiry };
	return cells[col];
}

enum err report_write_table(const struct report *r, FILE *out)
{
	size_t width[COLUMNS];
	bool accounts = false;
	for (size_t i = 0; i < r->count; i++)
		accounts = accounts || r->rows[i].account[0] != '\0';
	for (int c = 0; c < COLUMNS; c++) {
		width[c] = strlen(headers[c]);
		for (size_t i = 0; i < r->count; i++) {
			size_t n = strlen(cell(&r->rows[i], c));
			if (n > width[c])
				width[c] = n;
		}
	}
	/* the header, then one line a cluster; the account column only when named */
	for (size_t i = 0; i <= r->count; i++) {
		for (int c = accounts ? 0 : 1; c < COLUMNS; c++) {
			const char *text = i == 0 ? headers[c] : cell(&r->rows[i - 1], c);
			/* names come from the API: never let one break the layout */
			for (const char *p = text; *p; p++)
				fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, out);
			if (c + 1 < COLUMNS)
				fprintf(out, "%*s", (int)(width[c] - strlen(text) + 2), "");
		}
		fputc('\n', out);
	}
	if (r->count == 0)
		fputs("(no clusters)\n", out);
	return ferror(out) ? ERR_IO : ERR_OK;
}

static cJSON *time_or_null(double t)
{
	char buf[32];
	if (!iso_into(t, buf, sizeof buf))
		return cJSON_CreateNull();
	return cJSON_CreateString(buf);
}

enum err report_write_json(const struct report *r, bool failed, FILE *out)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *clusters = cJSON_AddArrayToObject(root, "clusters");
	bool ok = root && clusters && cJSON_AddBoolToObject(root, "upgrade_pending",
							   report_upgrade_pending(r)) &&
		  cJSON_AddBoolToObject(root, "request_failed", failed);
	for (size_t i = 0; ok && i < r->count; i++) {
		const struct row *w = &r->rows[i];
		cJSON *o = cJSON_CreateObject();
		ok = o != NULL;
		if (!ok)
			break;
		cJSON_AddItemToArray(clusters, o);
		if (w->account[0])
			cJSON_AddStringToObject(o, "account", w->account);
		cJSON_AddStringToObject(o, "id", w->id);
		cJSON_AddStringToObject(o, "name", w->name);
		cJSON_AddStringToObject(o, "region", w->region);
		cJSON_AddStringToObject(o, "version", w->version);
		cJSON_AddStringToObject(o, "state", w->state);
		if (w->have_upgrades) {
			cJSON *ups = cJSON_AddArrayToObject(o, "upgrades");
			for (size_t u = 0; ups && u < w->offered.count; u++) {
				const struct upgrade_version *uv = &w->offered.versions[u];
				cJSON *v = cJSON_CreateObject();
				if (!v)
					break;
				cJSON_AddItemToArray(ups, v);
				cJSON_AddStringToObject(v, "version_slug", uv->slug);
				cJSON_AddStringToObject(v, "kubernetes_version", uv->kubernetes_version);
				cJSON_AddStringToObject(v, "kind", upgrade_kind_name(uv->kind));
				cJSON_AddItemToObject(v, "first_seen", time_or_null(uv->first_seen));
			}
		} else {
			cJSON_AddNullToObject(o, "upgrades"); /* unknown: the call failed */
		}
		cJSON_AddItemToObject(o, "pending_since",
				      time_or_null(w->offered.count ? w->offered.pending_since : 0));
		cJSON_AddItemToObject(o, "next_maintenance_window", time_or_null(w->next_window_t));
		if (w->have_cluster)
			cJSON_AddBoolToObject(o, "auto_upgrade", w->auto_upgrade_on);
		else
			cJSON_AddNullToObject(o, "auto_upgrade");
		if (w->supported_v >= 0)
			cJSON_AddBoolToObject(o, "version_supported", w->supported_v);
		else
			cJSON_AddNullToObject(o, "version_supported");
		cJSON_AddItemToObject(o, "ca_expiry", time_or_null(w->ca_expiry_t));
	}
	char *text = ok ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		return ERR_NOMEM;
	fputs(text, out);
	fputc('\n', out);
	free(text);
	return ferror(out) ? ERR_IO : ERR_OK;
}
