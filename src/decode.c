/* decode.c - JSON answers of the DigitalOcean API into the model.
 *
 * Pure functions: called by the poller thread, and by the unit tests and
 * fuzzers. The shapes follow the official spec and godo's fixtures (see
 * the project README): required keys are checked, optional ones may be
 * absent or null, and a present value of the wrong type is ERR_SCHEMA.
 */
#include "decode.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "maintenance.h"
#include "secret.h"
#include "x509.h"

/* A pool larger than this is not a real answer. */
#define POOL_COUNT_MAX 1000000.0

/* Zero every string of the tree: cJSON copied the secrets out of the body. */
static void wipe_tree(cJSON *node)
{
	for (; node; node = node->next) {
		if (cJSON_IsString(node) && node->valuestring)
			secret_wipe(node->valuestring, strlen(node->valuestring));
		wipe_tree(node->child);
	}
}

/* The whole body must be one JSON value: cJSON alone stops at the end of
 * the first value and would accept trailing garbage. */
static cJSON *parse(const char *body, size_t len)
{
	if (!body || len == 0)
		return NULL;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, false);
	if (!root)
		return NULL;
	for (; end && end < body + len; end++) {
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r' && *end != '\0') {
			wipe_tree(root); /* it may be a credentials answer */
			cJSON_Delete(root);
			return NULL;
		}
	}
	return root;
}

static bool is_absent(const cJSON *v)
{
	return !v || cJSON_IsNull(v);
}

/* Optional bool: absent or null is false; anything else but a bool fails. */
static bool opt_bool(const cJSON *obj, const char *key, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (is_absent(v)) {
		*out = false;
		return true;
	}
	if (!cJSON_IsBool(v))
		return false;
	*out = cJSON_IsTrue(v);
	return true;
}

static const char *req_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static enum err cluster_from_json(const cJSON *obj, struct cluster *out)
{
	if (!cJSON_IsObject(obj))
		return ERR_SCHEMA;
	const char *id = req_string(obj, "id");
	const char *name = req_string(obj, "name");
	const char *region = req_string(obj, "region");
	const char *version = req_string(obj, "version");
	if (!id || !name || !region || !version || !cluster_id_is_valid(id))
		return ERR_SCHEMA;

	struct cluster c = { 0 };
	c.state = CLUSTER_STATE_UNKNOWN;
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(obj, "status");
	if (!is_absent(status)) {
		if (!cJSON_IsObject(status))
			return ERR_SCHEMA;
		const cJSON *state = cJSON_GetObjectItemCaseSensitive(status, "state");
		if (!is_absent(state) && !cJSON_IsString(state))
			return ERR_SCHEMA;
		if (cJSON_IsString(state))
			c.state = cluster_state_parse(state->valuestring);
	}
	if (!opt_bool(obj, "auto_upgrade", &c.auto_upgrade) ||
	    !opt_bool(obj, "surge_upgrade", &c.surge_upgrade) ||
	    !opt_bool(obj, "ha", &c.ha))
		return ERR_SCHEMA;

	const cJSON *policy = cJSON_GetObjectItemCaseSensitive(obj, "maintenance_policy");
	if (!is_absent(policy)) {
		if (!cJSON_IsObject(policy))
			return ERR_SCHEMA;
		const char *day = req_string(policy, "day");
		const char *start = req_string(policy, "start_time");
		const cJSON *duration = cJSON_GetObjectItemCaseSensitive(policy, "duration");
		if (!is_absent(duration) && !cJSON_IsString(duration))
			return ERR_SCHEMA;
		if (!day || !start ||
		    !maintenance_parse(day, start,
				       cJSON_IsString(duration) ? duration->valuestring : NULL,
				       &c.maintenance))
			return ERR_SCHEMA;
		c.have_maintenance = true;
	}

	const cJSON *pools = cJSON_GetObjectItemCaseSensitive(obj, "node_pools");
	if (!cJSON_IsArray(pools))
		return ERR_SCHEMA;
	const cJSON *pool;
	cJSON_ArrayForEach(pool, pools) {
		if (!cJSON_IsObject(pool))
			return ERR_SCHEMA;
		const cJSON *count = cJSON_GetObjectItemCaseSensitive(pool, "count");
		if (!cJSON_IsNumber(count) || !(count->valuedouble >= 0) ||
		    count->valuedouble > POOL_COUNT_MAX ||
		    count->valuedouble != floor(count->valuedouble))
			return ERR_SCHEMA;
		c.node_pools++;
		c.nodes += (long)count->valuedouble;
	}

	c.id = strdup(id);
	c.name = strdup(name);
	c.region = strdup(region);
	c.version = strdup(version);
	if (!c.id || !c.name || !c.region || !c.version) {
		cluster_cleanup(&c);
		return ERR_NOMEM;
	}
	*out = c;
	return ERR_OK;
}

enum err decode_cluster_list(const char *body, size_t len, struct cluster **out,
			     size_t *count, char **next)
{
	cJSON *root = parse(body, len);
	if (!root)
		return ERR_PARSE;
	enum err rc = ERR_SCHEMA;
	struct cluster *list = NULL;
	size_t n = 0;
	char *next_copy = NULL;

	if (!cJSON_IsObject(root))
		goto out;
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "kubernetes_clusters");
	/* an account with no cluster answers [] (or null); a body without the
	 * key is not a list at all, and must never empty the account */
	if (!items || (!cJSON_IsNull(items) && !cJSON_IsArray(items)))
		goto out;
	if (cJSON_IsNull(items))
		items = NULL;

	const cJSON *links = cJSON_GetObjectItemCaseSensitive(root, "links");
	if (!is_absent(links)) {
		if (!cJSON_IsObject(links))
			goto out;
		const cJSON *pages = cJSON_GetObjectItemCaseSensitive(links, "pages");
		if (!is_absent(pages)) {
			if (!cJSON_IsObject(pages))
				goto out;
			const cJSON *nx = cJSON_GetObjectItemCaseSensitive(pages, "next");
			if (!is_absent(nx)) {
				if (!cJSON_IsString(nx) || nx->valuestring[0] == '\0')
					goto out;
				next_copy = strdup(nx->valuestring);
				if (!next_copy) {
					rc = ERR_NOMEM;
					goto out;
				}
			}
		}
	}

	size_t total = items ? (size_t)cJSON_GetArraySize(items) : 0;
	if (total > 0) {
		list = calloc(total, sizeof *list);
		if (!list) {
			rc = ERR_NOMEM;
			goto out;
		}
		const cJSON *item;
		cJSON_ArrayForEach(item, items) {
			rc = cluster_from_json(item, &list[n]);
			if (rc != ERR_OK)
				goto out;
			n++;
		}
	}
	*out = list;
	*count = n;
	*next = next_copy;
	list = NULL;
	next_copy = NULL;
	n = 0;
	rc = ERR_OK;
out:
	cluster_array_free(list, n);
	free(next_copy);
	cJSON_Delete(root);
	return rc;
}

enum err decode_cluster(const char *body, size_t len, struct cluster *out)
{
	cJSON *root = parse(body, len);
	if (!root)
		return ERR_PARSE;
	enum err rc = ERR_SCHEMA;
	if (cJSON_IsObject(root))
		rc = cluster_from_json(
			cJSON_GetObjectItemCaseSensitive(root, "kubernetes_cluster"), out);
	cJSON_Delete(root);
	return rc;
}

/* A list of versions ({"slug", "kubernetes_version"} objects) into *out;
 * null or absent is an empty list. kubernetes_version is required when
 * need_kubernetes_version, else it may be absent ("" then). */
static enum err versions_from_json(const cJSON *arr, bool need_kubernetes_version,
				   struct upgrades *out)
{
	if (!is_absent(arr) && !cJSON_IsArray(arr))
		return ERR_SCHEMA;
	struct upgrades u = { 0 };
	enum err rc = ERR_SCHEMA;
	size_t total = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
	if (total > 0) {
		u.versions = calloc(total, sizeof *u.versions);
		if (!u.versions)
			return ERR_NOMEM;
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, arr) {
		if (!cJSON_IsObject(item) || u.count >= total)
			goto out;
		const char *slug = req_string(item, "slug");
		const cJSON *kv = cJSON_GetObjectItemCaseSensitive(item, "kubernetes_version");
		bool kv_ok = cJSON_IsString(kv) || (!need_kubernetes_version && is_absent(kv));
		if (!slug || slug[0] == '\0' || !kv_ok)
			goto out;
		struct upgrade_version *v = &u.versions[u.count];
		v->slug = strdup(slug);
		v->kubernetes_version = strdup(cJSON_IsString(kv) ? kv->valuestring : "");
		u.count++;
		if (!v->slug || !v->kubernetes_version) {
			rc = ERR_NOMEM;
			goto out;
		}
	}
	*out = u;
	return ERR_OK;
out:
	upgrades_cleanup(&u);
	return rc;
}

enum err decode_upgrades(const char *body, size_t len, struct upgrades *out)
{
	cJSON *root = parse(body, len);
	if (!root)
		return ERR_PARSE;
	enum err rc = ERR_SCHEMA;
	if (cJSON_IsObject(root))
		rc = versions_from_json(
			cJSON_GetObjectItemCaseSensitive(root, "available_upgrade_versions"), false, out);
	cJSON_Delete(root);
	return rc;
}

enum err decode_credentials(const char *body, size_t len, struct credentials *out)
{
	cJSON *root = parse(body, len);
	if (!root)
		return ERR_PARSE;
	enum err rc = ERR_SCHEMA;
	struct credentials c = { .kind = CREDENTIALS_NONE };
	if (!cJSON_IsObject(root))
		goto out;
	const cJSON *token = cJSON_GetObjectItemCaseSensitive(root, "token");
	const cJSON *cert = cJSON_GetObjectItemCaseSensitive(root, "client_certificate_data");
	const cJSON *ca = cJSON_GetObjectItemCaseSensitive(root, "certificate_authority_data");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(root, "expires_at");
	if ((!is_absent(token) && !cJSON_IsString(token)) ||
	    (!is_absent(cert) && !cJSON_IsString(cert)) ||
	    (!is_absent(ca) && !cJSON_IsString(ca)) ||
	    (!is_absent(exp) && !cJSON_IsString(exp)))
		goto out;
	if (cJSON_IsString(ca) && ca->valuestring[0] != '\0') {
		c.has_ca_expiry = x509_not_after_b64(ca->valuestring, &c.ca_expires_at);
		c.unreadable_certificate = !c.has_ca_expiry;
	}
	if (cJSON_IsString(cert) && cert->valuestring[0] != '\0') {
		c.has_client_expiry = x509_not_after_b64(cert->valuestring, &c.client_expires_at);
		c.unreadable_certificate = c.unreadable_certificate || !c.has_client_expiry;
	}
	if (cJSON_IsString(token) && token->valuestring[0] != '\0')
		c.kind = CREDENTIALS_TOKEN;
	else if (cJSON_IsString(cert) && cert->valuestring[0] != '\0')
		c.kind = CREDENTIALS_CERTIFICATE;
	if (cJSON_IsString(exp)) {
		if (!civil_parse_rfc3339(exp->valuestring, &c.expires_at))
			goto out;
		c.has_expiry = true;
	}
	*out = c;
	rc = ERR_OK;
out:
	wipe_tree(root);
	cJSON_Delete(root);
	return rc;
}

bool decode_error_id(const char *body, size_t len, char *buf, size_t size)
{
	if (size == 0)
		return false;
	cJSON *root = parse(body, len);
	const char *id = cJSON_IsObject(root) ? req_string(root, "id") : NULL;
	bool ok = false;
	if (id && *id) {
		size_t n = 0;
		for (; id[n] && n + 1 < size; n++) {
			bool printable = id[n] >= '!' && id[n] <= '~';
			buf[n] = id[n];
			if (!printable)
				buf[n] = '?';
		}
		buf[n] = '\0';
		ok = true;
	}
	cJSON_Delete(root);
	return ok;
}

enum err decode_options(const char *body, size_t len, struct upgrades *out)
{
	cJSON *root = parse(body, len);
	if (!root)
		return ERR_PARSE;
	enum err rc = ERR_SCHEMA;
	const cJSON *options = cJSON_IsObject(root) ?
				       cJSON_GetObjectItemCaseSensitive(root, "options") :
				       NULL;
	if (cJSON_IsObject(options))
		rc = versions_from_json(cJSON_GetObjectItemCaseSensitive(options, "versions"), true,
					out);
	cJSON_Delete(root);
	return rc;
}

/* ---- upgrade readiness ---------------------------------------------------- */

/* Times before this are no time of a real run or message (Go marshals
 * its zero time as 0001-01-01T00:00:00Z), nor are those from 2200 on. */
#define READINESS_TIME_MIN 946684800.0  /* 2000-01-01 */
#define READINESS_TIME_MAX 7258118400.0 /* 2200-01-01 */

/* A copy of s cut to at most max bytes, on a UTF-8 boundary; NULL on out
 * of memory. */
static char *dup_cut(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		/* back off continuation bytes (10xxxxxx) to the start of a character */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	char *c = malloc(n + 1);
	if (!c)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

/* An optional string for display: absent, null or of another type is
 * NULL (*ok stays true); out of memory sets *ok false. */
static char *opt_text(const cJSON *obj, const char *key, bool *ok)
{
	const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	if (!v || !cJSON_IsString(v))
		return NULL;
	char *c = dup_cut(v->valuestring, DECODE_TEXT_MAX);
	if (!c)
		*ok = false;
	return c;
}

/* An optional string key: absent, null or a string; anything else fails. */
static bool opt_string_ok(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return is_absent(v) || cJSON_IsString(v);
}

/* A distinct check name of a run and its findings by severity. */
struct lint_name {
	const char *name; /* borrowed from the tree */
	long counts[CLUSTERLINT_SEVERITY_COUNT];
};

static int lint_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lint_name *)a)->name, ((const struct lint_name *)b)->name);
}

/* The entry of name among the n of names, adding it when there is room;
 * NULL when the name may not be a label or the cap is reached. */
static struct lint_name *lint_name_of(struct lint_name *names, size_t *n, const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > CLUSTERLINT_NAME_MAX)
		return NULL;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(names[i].name, name) == 0)
			return &names[i];
	if (*n == CLUSTERLINT_CHECKS_MAX)
		return NULL;
	names[*n] = (struct lint_name){ .name = name };
	return &names[(*n)++];
}

static enum err finding_from_json(const cJSON *d, const char *check, enum clusterlint_severity sev,
				  struct clusterlint_finding *f)
{
	bool ok = true;
	const cJSON *obj = cJSON_GetObjectItemCaseSensitive(d, "object");
	*f = (struct clusterlint_finding){ .severity = sev };
	f->check_name = dup_cut(check, DECODE_TEXT_MAX);
	f->message = opt_text(d, "message", &ok);
	f->object_kind = opt_text(obj, "kind", &ok);
	f->object_namespace = opt_text(obj, "namespace", &ok);
	f->object_name = opt_text(obj, "name", &ok);
	if (!f->check_name)
		ok = false;
	if (!f->message && ok)
		f->message = dup_cut("", 0);
	if (!f->message)
		ok = false;
	return ok ? ERR_OK : ERR_NOMEM;
}

enum err decode_clusterlint(const char *body, size_t len, struct clusterlint *out)
{
	cJSON *root = parse(body, len);
	if (!root)
		return ERR_PARSE;
	enum err rc = ERR_SCHEMA;
	struct clusterlint c = { 0 };
	struct lint_name *names = NULL;
	size_t nnames = 0;
	if (!cJSON_IsObject(root) || !opt_string_ok(root, "run_id") ||
	    !opt_string_ok(root, "requested_at") || !opt_string_ok(root, "completed_at"))
		goto out;
	const cJSON *diags = cJSON_GetObjectItemCaseSensitive(root, "diagnostics");
	if (!is_absent(diags) && !cJSON_IsArray(diags))
		goto out;
	c.linted = cJSON_GetObjectItemCaseSensitive(root, "run_id") ||
		   cJSON_GetObjectItemCaseSensitive(root, "requested_at") ||
		   cJSON_GetObjectItemCaseSensitive(root, "completed_at") || diags;
	const char *completed = req_string(root, "completed_at");
	if (completed && completed[0]) {
		double t;
		if (!civil_parse_rfc3339(completed, &t))
			goto out;
		if (t >= READINESS_TIME_MIN && t < READINESS_TIME_MAX)
			c.completed_at = t;
	}
	if (!c.linted) {
		*out = c;
		rc = ERR_OK;
		goto out;
	}

	size_t total = diags ? (size_t)cJSON_GetArraySize(diags) : 0;
	names = calloc(CLUSTERLINT_CHECKS_MAX, sizeof *names);
	size_t keep = total < CLUSTERLINT_FINDINGS_MAX ? total : CLUSTERLINT_FINDINGS_MAX;
	c.findings = calloc(keep ? keep : 1, sizeof *c.findings);
	if (!names || !c.findings) {
		rc = ERR_NOMEM;
		goto out;
	}
	const cJSON *d;
	cJSON_ArrayForEach(d, diags) {
		const char *check = cJSON_IsObject(d) ? req_string(d, "check_name") : NULL;
		const char *severity = cJSON_IsObject(d) ? req_string(d, "severity") : NULL;
		if (!check || !severity) {
			rc = ERR_SCHEMA;
			goto out;
		}
		enum clusterlint_severity sev;
		if (!clusterlint_severity_parse(severity, &sev)) {
			c.findings_dropped++;
			continue;
		}
		c.counts[sev]++;
		struct lint_name *ln = lint_name_of(names, &nnames, check);
		if (ln)
			ln->counts[sev]++;
		else
			c.checks_dropped++;
		if (c.finding_count == keep) {
			c.findings_dropped++;
			continue;
		}
		rc = finding_from_json(d, check, sev, &c.findings[c.finding_count]);
		c.finding_count++;
		if (rc != ERR_OK)
			goto out;
	}
	qsort(names, nnames, sizeof *names, lint_name_cmp);
	if (nnames > 0) {
		c.checks = calloc(nnames * CLUSTERLINT_SEVERITY_COUNT, sizeof *c.checks);
		if (!c.checks) {
			rc = ERR_NOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < nnames; i++) {
		for (int s = 0; s < CLUSTERLINT_SEVERITY_COUNT; s++) {
			struct clusterlint_check *k = &c.checks[c.check_count];
			k->check_name = strdup(names[i].name);
			k->severity = (enum clusterlint_severity)s;
			k->count = names[i].counts[s];
			c.check_count++;
			if (!k->check_name) {
				rc = ERR_NOMEM;
				goto out;
			}
		}
	}
	*out = c;
	memset(&c, 0, sizeof c);
	rc = ERR_OK;
out:
	clusterlint_cleanup(&c);
	free(names);
	cJSON_Delete(root);
	return rc;
}

/* A message of the body with its place in it, for a stable sort. */
struct placed_message {
	double timestamp;
	size_t index;
	const char *text; /* borrowed from the tree */
};

static int placed_cmp(const void *a, const void *b)
{
	const struct placed_message *x = a, *y = b;
	if (x->timestamp != y->timestamp)
		return x->timestamp < y->timestamp ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

void decode_status_messages_free(struct status_message *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		free(m[i].message);
	free(m);
}

enum err decode_status_messages(const char *body, size_t len, double after, size_t max,
				struct status_message **out, size_t *count, size_t *newer)
{
	cJSON *root = parse(body, len);
	if (!root)
		return ERR_PARSE;
	enum err rc = ERR_SCHEMA;
	struct placed_message *all = NULL;
	struct status_message *kept = NULL;
	size_t n = 0, k = 0;
	if (!cJSON_IsObject(root))
		goto out;
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
	if (!is_absent(msgs) && !cJSON_IsArray(msgs))
		goto out;
	size_t total = msgs ? (size_t)cJSON_GetArraySize(msgs) : 0;
	all = calloc(total ? total : 1, sizeof *all);
	if (!all) {
		rc = ERR_NOMEM;
		goto out;
	}
	const cJSON *m;
	size_t index = 0;
	cJSON_ArrayForEach(m, msgs) {
		if (!cJSON_IsObject(m) || !opt_string_ok(m, "message"))
			goto out;
		const char *ts = req_string(m, "timestamp");
		double t;
		if (!ts || !civil_parse_rfc3339(ts, &t) || !(t >= READINESS_TIME_MIN) ||
		    t >= READINESS_TIME_MAX)
			goto out;
		index++;
		if (!(t > after))
			continue; /* seen already: `since` may or may not include it */
		const char *text = req_string(m, "message");
		all[n++] = (struct placed_message){ t, index, text ? text : "" };
	}
	qsort(all, n, sizeof *all, placed_cmp);
	/* the newest max of them */
	size_t from = n > max ? n - max : 0;
	if (n > from) {
		kept = calloc(n - from, sizeof *kept);
		if (!kept) {
			rc = ERR_NOMEM;
			goto out;
		}
		for (size_t i = from; i < n; i++) {
			kept[k].timestamp = all[i].timestamp;
			kept[k].message = dup_cut(all[i].text, DECODE_TEXT_MAX);
			k++;
			if (!kept[k - 1].message) {
				rc = ERR_NOMEM;
				goto out;
			}
		}
	}
	*out = kept;
	*count = k;
	*newer = n;
	kept = NULL;
	k = 0;
	rc = ERR_OK;
out:
	decode_status_messages_free(kept, k);
	free(all);
	cJSON_Delete(root);
	return rc;
}

enum err decode_associated_resources(const char *body, size_t len,
				     struct associated_resources *out)
{
	/* the keys, in the order of enum resource_kind */
	static const char *const keys[RESOURCE_KIND_COUNT] = {
		[RESOURCE_LOAD_BALANCER] = "load_balancers",
		[RESOURCE_VOLUME] = "volumes",
		[RESOURCE_VOLUME_SNAPSHOT] = "volume_snapshots",
	};
	cJSON *root = parse(body, len);
	if (!root)
		return ERR_PARSE;
	enum err rc = ERR_SCHEMA;
	struct associated_resources r = { { 0 } };
	if (!cJSON_IsObject(root))
		goto out;
	for (int i = 0; i < RESOURCE_KIND_COUNT; i++) {
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
		if (is_absent(list))
			continue;
		if (!cJSON_IsArray(list))
			goto out;
		const cJSON *item;
		cJSON_ArrayForEach(item, list) {
			if (!cJSON_IsObject(item))
				goto out;
			r.counts[i]++;
		}
	}
	*out = r;
	rc = ERR_OK;
out:
	cJSON_Delete(root);
	return rc;
}
