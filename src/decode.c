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
