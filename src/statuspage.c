/* statuspage.c - see statuspage.h. The page is written to a memory
 * stream; every string that comes from the API or the configuration goes
 * through text(), which escapes it for HTML. */
#include "statuspage.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "maintenance.h"
#include "readiness.h"
#include "report.h"
#include "snapshot.h"

/* Colours per verdict in both schemes; no asset leaves the page. */
static const char style[] =
	":root{color-scheme:light dark;--bg:#ffffff;--fg:#1f2328;--muted:#59636e;"
	"--line:#d1d9e0;--head:#f6f8fa;--ok:#1a7f37;--attention:#9a6700;--action:#d1242f}\n"
	"@media (prefers-color-scheme: dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;"
	"--line:#3d444d;--head:#151b23;--ok:#3fb950;--attention:#d29922;--action:#f85149}}\n"
	"body{margin:1.5rem;background:var(--bg);color:var(--fg);"
	"font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif}\n"
	"h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem}"
	"h3{font-size:1rem;margin:1rem 0 .25rem}\n"
	"a{color:inherit}nav a{margin-right:1rem}.muted{color:var(--muted)}\n"
	".scroll{overflow-x:auto}table{border-collapse:collapse}\n"
	"th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;"
	"vertical-align:top}\n"
	"th{background:var(--head);font-weight:600;white-space:nowrap}td{white-space:nowrap}"
	"td.message{white-space:normal;max-width:48rem}\n"
	".verdict{font-weight:700}.v-ok{color:var(--ok)}.v-attention{color:var(--attention)}"
	".v-action{color:var(--action)}\n"
	"tr.row-action td:first-child{box-shadow:inset 4px 0 var(--action)}"
	"tr.row-attention td:first-child{box-shadow:inset 4px 0 var(--attention)}"
	"tr.row-ok td:first-child{box-shadow:inset 4px 0 var(--ok)}\n"
	".sev-error{color:var(--action);font-weight:600}.sev-warning{color:var(--attention)}\n";

/* s escaped for text and attribute values; control characters (a name
 * from the API may hold any) become '?', as in the --check table. */
static void text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		/* the run that needs no escaping in one write */
		size_t n = strcspn((const char *)p, "&<>\"'\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"
						     "\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15"
						     "\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f");
		fwrite(p, 1, n, f);
		p += n;
		if (!*p)
			break;
		switch (*p++) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc('?', f); break; /* a control character */
		}
	}
}

/* "2026-11-28 03:00 UTC" inside a <time>; "-" for 0. */
static void when(FILE *f, double t)
{
	char iso[32], shown[32];
	struct tm tm;
	/* the range first: a double out of time_t's range is undefined */
	if (!(t > 0 && t < 253402300799.0)) {
		fputs("-", f);
		return;
	}
	time_t s = (time_t)t;
	if (!gmtime_r(&s, &tm) ||
	    !strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm) ||
	    !strftime(shown, sizeof shown, "%Y-%m-%d %H:%M UTC", &tm)) {
		fputs("-", f);
		return;
	}
	fprintf(f, "<time datetime=\"%s\">%s</time>", iso, shown);
}

/* "in 12 days 3 hours" from now until t, at render time. */
static void countdown(FILE *f, double t, double now)
{
	double left = t - now;
	if (left <= 0) {
		fputs("due: any maintenance window from now", f);
		return;
	}
	long hours = (long)(left / 3600);
	long days = hours / 24;
	hours %= 24;
	fprintf(f, "in %ld day%s %ld hour%s", days, days == 1 ? "" : "s", hours,
		hours == 1 ? "" : "s");
}

/* Calls fn for every cluster of v in the published order. */
typedef void (*each_fn)(FILE *f, const char *account, const struct cluster_record *c,
			const struct exporter_view *v, void *ctx);

static void each(FILE *f, const struct exporter_view *v, each_fn fn, void *ctx)
{
	for (size_t a = 0; a < v->account_count; a++)
		for (size_t i = 0; i < v->accounts[a].count; i++)
			fn(f, v->accounts[a].name, &v->accounts[a].clusters[i], v, ctx);
}

static const char *name_of(const struct cluster_record *c)
{
	return c->have_cluster && c->cluster.name ? c->cluster.name : c->cluster.id;
}

/* "name" or "account / name" as a heading's text. */
static void cluster_title(FILE *f, const char *account, const struct cluster_record *c)
{
	if (account && account[0]) {
		text(f, account);
		fputs(" / ", f);
	}
	text(f, name_of(c));
}

/* ---- the table (the same as --check's) ----------------------------------- */

static void add_row(FILE *f, const char *account, const struct cluster_record *c,
		    const struct exporter_view *v, void *ctx)
{
	(void)f;
	struct report *r = ctx;
	int supported = -1;
	if (v->options && v->options->count > 0 && c->have_cluster)
		supported = metrics_version_supported(v->options, c->cluster.version);
	if (report_add(r, account, c, supported) != ERR_OK)
		log_error("out of memory building the status page");
}

static bool table(FILE *f, const struct exporter_view *v)
{
	struct report *r;
	if (report_new_table(v->now, &r) != ERR_OK)
		return false;
	each(f, v, add_row, r);
	size_t n = report_count(r);
	size_t count[READINESS_COUNT] = { 0 };
	for (size_t i = 0; i < n; i++)
		count[report_verdict(r, i)]++;
	fprintf(f, "<p id=\"summary\">%zu cluster%s: ", n, n == 1 ? "" : "s");
	for (int k = READINESS_ACTION; k >= READINESS_OK; k--)
		fprintf(f, "<span class=\"verdict v-%s\">%zu %s</span>%s", readiness_name(k), count[k],
			readiness_name(k), k > READINESS_OK ? ", " : "</p>\n");
	/* --check's columns, the verdict and its reasons moved next to the
	 * name so that no one has to scroll for them */
	enum report_column cols[REPORT_COLUMNS];
	size_t ncol = 0;
	if (report_has_accounts(r))
		cols[ncol++] = REPORT_COL_ACCOUNT;
	cols[ncol++] = REPORT_COL_CLUSTER;
	cols[ncol++] = REPORT_COL_VERDICT;
	cols[ncol++] = REPORT_COL_REASONS;
	for (int col = REPORT_COL_CLUSTER + 1; col < REPORT_COL_VERDICT; col++)
		cols[ncol++] = (enum report_column)col;
	fputs("<div class=\"scroll\"><table id=\"readiness\">\n<thead><tr>", f);
	for (size_t k = 0; k < ncol; k++) {
		fputs("<th>", f);
		text(f, report_header(cols[k]));
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t i = 0; i < n; i++) {
		const char *verdict = readiness_name(report_verdict(r, i));
		fprintf(f, "<tr class=\"cluster row-%s\" data-verdict=\"%s\" data-cluster-id=\"",
			verdict, verdict);
		text(f, report_cell(r, i, REPORT_COL_ID));
		fputs("\">", f);
		for (size_t k = 0; k < ncol; k++) {
			enum report_column col = cols[k];
			if (col == REPORT_COL_VERDICT)
				fprintf(f, "<td class=\"verdict v-%s\">", verdict);
			else if (col == REPORT_COL_CLUSTER)
				fputs("<td class=\"name\">", f);
			else
				fputs("<td>", f);
			text(f, report_cell(r, i, col));
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	if (n == 0)
		fprintf(f, "<tr><td colspan=\"%zu\">No clusters.</td></tr>\n", ncol);
	fputs("</tbody></table></div>\n", f);
	report_free(r);
	return true;
}

/* ---- forced upgrades and maintenance windows ------------------------------ */

static void forced_row(FILE *f, const char *account, const struct cluster_record *c,
		       const struct exporter_view *v, void *ctx)
{
	size_t *shown = ctx;
	if (!c->support.have_forced_upgrade)
		return;
	(*shown)++;
	fputs("<tr class=\"forced\"><td>", f);
	cluster_title(f, account, c);
	fputs("</td><td>", f);
	text(f, c->have_cluster ? c->cluster.version : "?");
	fputs("</td><td>", f);
	when(f, c->support.forced_upgrade_earliest);
	bool soon = c->support.forced_upgrade_earliest - v->now <= READINESS_FORCED_UPGRADE_SOON;
	fprintf(f, "</td><td class=\"countdown%s\">", soon ? " v-action" : "");
	countdown(f, c->support.forced_upgrade_earliest, v->now);
	fputs("</td><td>", f);
	when(f, c->support.have_end_of_support ? c->support.end_of_support : 0);
	fputs("</td></tr>\n", f);
}

static void forced(FILE *f, const struct exporter_view *v)
{
	fputs("<h2 id=\"forced\">Forced upgrades</h2>\n"
	      "<p class=\"muted\">DigitalOcean upgrades a cluster whose release left support in "
	      "its maintenance window, whether or not auto-upgrade is on.</p>\n"
	      "<table><thead><tr><th>Cluster</th><th>Version</th><th>Earliest</th>"
	      "<th>Countdown</th><th>End of support</th></tr></thead><tbody>\n",
	      f);
	size_t shown = 0;
	each(f, v, forced_row, &shown);
	if (shown == 0)
		fputs("<tr><td colspan=\"5\">No forced upgrade known.</td></tr>\n", f);
	fputs("</tbody></table>\n", f);
}

struct window {
	double start;
	const char *account;
	const struct cluster_record *c;
};

struct windows {
	struct window *w;
	size_t n, cap;
	bool failed;
};

static void collect_window(FILE *f, const char *account, const struct cluster_record *c,
			   const struct exporter_view *v, void *ctx)
{
	(void)f;
	struct windows *ws = ctx;
	if (!c->have_cluster || !c->cluster.have_maintenance || ws->failed)
		return;
	if (ws->n == ws->cap) {
		size_t nc = ws->cap ? ws->cap * 2 : 16;
		struct window *nw = realloc(ws->w, nc * sizeof *nw);
		if (!nw) {
			ws->failed = true;
			return;
		}
		ws->w = nw;
		ws->cap = nc;
	}
	ws->w[ws->n++] = (struct window){ maintenance_next_window(&c->cluster.maintenance, v->now),
					  account, c };
}

static int by_start(const void *a, const void *b)
{
	const struct window *x = a, *y = b;
	return (x->start > y->start) - (x->start < y->start);
}

static bool windows(FILE *f, const struct exporter_view *v)
{
	struct windows ws = { 0 };
	each(f, v, collect_window, &ws);
	if (ws.failed) {
		free(ws.w);
		return false;
	}
	if (ws.n > 1)
		qsort(ws.w, ws.n, sizeof *ws.w, by_start);
	fputs("<h2 id=\"windows\">Next maintenance windows</h2>\n<table><thead><tr>"
	      "<th>Starts</th><th>Cluster</th><th>Policy</th><th>Auto-upgrade</th></tr></thead>"
	      "<tbody>\n",
	      f);
	for (size_t i = 0; i < ws.n; i++) {
		const struct cluster_record *c = ws.w[i].c;
		fputs("<tr class=\"window\"><td>", f);
		when(f, ws.w[i].start);
		fputs("</td><td>", f);
		cluster_title(f, ws.w[i].account, c);
		fputs("</td><td>", f);
		text(f, c->cluster.maintenance.day_name);
		fputs(" ", f);
		text(f, c->cluster.maintenance.start_time);
		fprintf(f, " UTC, %ld h</td><td>%s</td></tr>\n",
			c->cluster.maintenance.duration / 3600, c->cluster.auto_upgrade ? "yes" : "no");
	}
	if (ws.n == 0)
		fputs("<tr><td colspan=\"4\">No maintenance window known.</td></tr>\n", f);
	fputs("</tbody></table>\n", f);
	free(ws.w);
	return true;
}

/* ---- clusterlint findings and status messages ----------------------------- */

static void lint_block(FILE *f, const char *account, const struct cluster_record *c,
		       const struct exporter_view *v, void *ctx)
{
	(void)v;
	size_t *shown = ctx;
	if (!c->have_clusterlint)
		return;
	(*shown)++;
	const struct clusterlint *l = &c->clusterlint;
	fputs("<h3 class=\"lint\">", f);
	cluster_title(f, account, c);
	fputs("</h3>\n", f);
	if (!l->linted) {
		fputs("<p class=\"muted\">Never linted: DigitalOcean has no clusterlint run for this "
		      "cluster.</p>\n",
		      f);
		return;
	}
	fputs("<p class=\"muted\">Run completed ", f);
	when(f, l->completed_at);
	fprintf(f, ": %ld error%s, %ld warning%s, %ld suggestion%s.</p>\n",
		l->counts[CLUSTERLINT_ERROR], l->counts[CLUSTERLINT_ERROR] == 1 ? "" : "s",
		l->counts[CLUSTERLINT_WARNING], l->counts[CLUSTERLINT_WARNING] == 1 ? "" : "s",
		l->counts[CLUSTERLINT_SUGGESTION], l->counts[CLUSTERLINT_SUGGESTION] == 1 ? "" : "s");
	if (l->finding_count == 0)
		return;
	fputs("<table class=\"findings\"><thead><tr><th>Severity</th><th>Check</th><th>Object</th>"
	      "<th>Message</th></tr></thead><tbody>\n",
	      f);
	for (size_t i = 0; i < l->finding_count && i < STATUSPAGE_FINDINGS_MAX; i++) {
		const struct clusterlint_finding *x = &l->findings[i];
		const char *sev = clusterlint_severity_name(x->severity);
		fprintf(f, "<tr><td class=\"sev-%s\">%s</td><td>", sev, sev);
		text(f, x->check_name);
		fputs("</td><td>", f);
		text(f, x->object_kind);
		fputs(" ", f);
		if (x->object_namespace && x->object_namespace[0]) {
			text(f, x->object_namespace);
			fputs("/", f);
		}
		text(f, x->object_name);
		fputs("</td><td class=\"message\">", f);
		text(f, x->message);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	size_t more = l->findings_dropped;
	if (l->finding_count > STATUSPAGE_FINDINGS_MAX)
		more += l->finding_count - STATUSPAGE_FINDINGS_MAX;
	if (more > 0)
		fprintf(f, "<p class=\"muted\">%zu more: see <code>doks_exporter --check "
			   "--output json</code>.</p>\n",
			more);
}

static void messages_block(FILE *f, const char *account, const struct cluster_record *c,
			   const struct exporter_view *v, void *ctx)
{
	(void)v;
	size_t *shown = ctx;
	const struct status_messages *m = &c->status_messages;
	if (!c->have_status_messages || m->recent_count == 0)
		return;
	(*shown)++;
	fputs("<h3 class=\"messages\">", f);
	cluster_title(f, account, c);
	fprintf(f, "</h3>\n<p class=\"muted\">%llu message%s seen.</p>\n<table><tbody>\n", m->total,
		m->total == 1 ? "" : "s");
	for (size_t i = 0; i < m->recent_count && i < STATUS_MESSAGES_RECENT; i++) {
		fputs("<tr class=\"status-message\"><td>", f);
		when(f, m->recent[i].timestamp);
		fputs("</td><td class=\"message\">", f);
		text(f, m->recent[i].message);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

/* ---- the document ------------------------------------------------------------ */

static void head(FILE *f, const struct exporter_view *v, const char *telemetry_path)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"color-scheme\" content=\"light dark\">\n"
	      "<title>DOKS upgrade readiness</title>\n<style>\n",
	      f);
	fputs(style, f);
	fputs("</style>\n</head>\n<body>\n<header>\n<h1>DOKS upgrade readiness</h1>\n"
	      "<p class=\"muted\">As of ",
	      f);
	when(f, v->now);
	fputs(", doks_exporter ", f);
	text(f, v->version);
	fputs(".</p>\n<nav><a href=\"", f);
	text(f, telemetry_path);
	fputs("\">Metrics</a><a href=\"/-/healthy\">Health</a><a href=\"/-/ready\">Readiness</a>"
	      "</nav>\n</header>\n<main>\n<h2 id=\"clusters\">Clusters</h2>\n",
	      f);
}

static bool body(FILE *f, const struct exporter_view *v, const char *telemetry_path)
{
	head(f, v, telemetry_path);
	if (!table(f, v))
		return false;
	forced(f, v);
	if (!windows(f, v))
		return false;
	fputs("<h2 id=\"clusterlint\">Clusterlint findings</h2>\n", f);
	size_t linted = 0;
	each(f, v, lint_block, &linted);
	if (linted == 0)
		fputs("<p class=\"muted\">No clusterlint result yet.</p>\n", f);
	fputs("<h2 id=\"status-messages\">Status messages</h2>\n", f);
	size_t shown = 0;
	each(f, v, messages_block, &shown);
	if (shown == 0)
		fputs("<p class=\"muted\">No status message.</p>\n", f);
	fputs("</main>\n<footer><p class=\"muted\">Verdicts: <span class=\"verdict v-ok\">ok</span>; "
	      "<span class=\"verdict v-attention\">attention</span> (an upgrade pending, end of "
	      "support within 30 days, clusterlint warnings, an upgrade that did not end running); "
	      "<span class=\"verdict v-action\">action</span> (unsupported, a forced upgrade within "
	      "14 days, clusterlint errors while an upgrade is pending or forced).</p></footer>\n"
	      "</body>\n</html>\n",
	      f);
	return true;
}

enum err statuspage_render(const struct exporter_view *v, const char *telemetry_path, char **out,
			   size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return ERR_NOMEM;
	bool ok = body(f, v, telemetry_path);
	ok = !ferror(f) && ok;
	if (fclose(f) != 0 || !ok || !buf) {
		free(buf);
		return ERR_NOMEM;
	}
	*out = buf;
	*len = size;
	return ERR_OK;
}

void statuspage_stage(const struct exporter_view *v, const char *telemetry_path)
{
	char *html = NULL;
	size_t len = 0;
	if (statuspage_render(v, telemetry_path, &html, &len) != ERR_OK) {
		log_error("out of memory rendering the status page; / has no page until the next");
		html = NULL;
		len = 0;
	}
	snapshot_stage_page(html, len);
}
