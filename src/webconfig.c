/* webconfig.c - the exporter-toolkit web configuration file (YAML, read
 * with libyaml) -> TLS material and basic-auth users.
 *
 * webconfig_load runs once on the main thread. Every key is checked, and
 * a key this program does not know, or one exporter-toolkit has but this
 * program does not implement, is an error naming the file and line, so a
 * setting never passes silently. The certificate, key and CA files are
 * read and checked with GnuTLS at load time, so a bad file stops the
 * start instead of the first handshake.
 *
 * webconfig_check_basic_auth runs on libmicrohttpd's threads: bcrypt
 * through libxcrypt's crypt_rn (reentrant), a cache of successful logins
 * behind a mutex. Never logs a password, a hash, a key or a certificate.
 */
#include "webconfig.h"

#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "log.h"
#include "secret.h"
#include "yamlfile.h"

#define YAML_FILE_MAX ((size_t)1 << 20) /* the web configuration file */
#define PEM_FILE_MAX ((size_t)1 << 20)  /* a certificate, key or CA file */
#define BCRYPT_HASH_LEN 60
#define BCRYPT_COST_MAX 31  /* the format's */
#define BCRYPT_COST_LIMIT 16 /* refused above: one login would hold a thread for seconds */
#define BCRYPT_COST_WARN 12  /* warned above */
#define CACHE_KEY_LEN 32 /* HMAC-SHA-256 */

enum tls_version { TLS10, TLS11, TLS12, TLS13 };

static const char *const version_names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };
static const char *const version_gnutls[] = { "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3" };

static const struct {
	const char *name;
	enum webconfig_client_auth value;
} client_auth_names[] = {
	{ "NoClientCert", WEBCONFIG_NO_CLIENT_CERT },
	{ "RequestClientCert", WEBCONFIG_REQUEST_CLIENT_CERT },
	{ "RequireAnyClientCert", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT },
	{ "RequireClientCert", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT }, /* exporter-toolkit's old name */
	{ "VerifyClientCertIfGiven", WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN },
	{ "RequireAndVerifyClientCert", WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT },
};

/* Keys exporter-toolkit knows that this program does not implement:
 * refused rather than ignored. */
static const char *const unsupported_top[] = { "http_server_config", "rate_limit" };
static const char *const unsupported_tls[] = { "client_allowed_sans", "cert", "key",
					      "client_ca" };

/* Go's names for the TLS 1.0-1.2 suites (crypto/tls), as GnuTLS's key
 * exchange, cipher and MAC. GnuTLS enables every combination of the
 * three lists, so a list of suites is checked to give exactly itself. */
static const struct {
	const char *go;
	const char *kx, *cipher, *mac;
} suites[] = {
	{ "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "RSA", "3DES-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_128_CBC_SHA", "RSA", "AES-128-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_256_CBC_SHA", "RSA", "AES-256-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_128_CBC_SHA256", "RSA", "AES-128-CBC", "SHA256" },
	{ "TLS_RSA_WITH_AES_128_GCM_SHA256", "RSA", "AES-128-GCM", "AEAD" },
	{ "TLS_RSA_WITH_AES_256_GCM_SHA384", "RSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA", "3DES-CBC", "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA", "AES-128-CBC", "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA", "AES-256-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA", "AES-128-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA", "AES-256-CBC", "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA", "AES-128-CBC", "SHA256" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA", "AES-128-CBC", "SHA256" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA", "AES-128-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA", "AES-128-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA", "CHACHA20-POLY1305",
	  "AEAD" },
	/* Go's older names for the two above */
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD" },
};

/* TLS 1.3 suites: accepted in cipher_suites and ignored, as Go does; TLS
 * 1.3 always offers all three. */
static const char *const suites_tls13[] = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
					    "TLS_CHACHA20_POLY1305_SHA256" };

/* curve_preferences: Go's names, GnuTLS's groups. */
static const struct {
	const char *go, *group;
} curves[] = {
	{ "CurveP256", "GROUP-SECP256R1" },
	{ "CurveP384", "GROUP-SECP384R1" },
	{ "CurveP521", "GROUP-SECP521R1" },
	{ "X25519", "GROUP-X25519" },
};

/* The default, as Go's since 1.22 without its CBC suites: ECDHE with an
 * AEAD cipher for TLS 1.2; TLS 1.3 offers only AEAD ciphers anyway. */
#define DEFAULT_CIPHERS                                                            \
	"-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:" \
	"+CHACHA20-POLY1305:-MAC-ALL:+AEAD"
/* TLS 1.0 and 1.1 know no AEAD cipher: with min_version below TLS12 the
 * ECDHE suites with AES-CBC and SHA-1 that Go keeps are added. */
#define LEGACY_CIPHERS ":+AES-128-CBC:+AES-256-CBC:+SHA1"
/* What TLS 1.3 needs when cipher_suites lists only older suites. */
#define TLS13_CIPHERS ":+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:+AEAD"

struct user {
	char *name;
	char *hash; /* bcrypt, checked at load */
};

/* Successful logins, as HMACs; the only state that changes after load. */
struct auth_cache {
	pthread_mutex_t lock; /* guards every field below */
	unsigned char entries[WEBCONFIG_AUTH_CACHE_MAX][CACHE_KEY_LEN];
	size_t count; /* entries in use */
	size_t next;  /* the slot written next: the oldest when full */
	unsigned long bcrypt_runs;
	unsigned long cache_hits;
};

struct webconfig {
	bool tls;
	char *cert_pem;
	size_t cert_len;
	unsigned char *key_der; /* secret, decoded here from the PEM (wiped at once),
				 * so that GnuTLS never copies its base64 text;
				 * wiped by webconfig_tls_forget_key or _free */
	size_t key_len;
	char *ca_pem;
	size_t ca_len;
	char priorities[512];
	enum webconfig_client_auth client_auth;
	struct user *users;
	size_t user_count;
	char dummy_hash[BCRYPT_HASH_LEN + 1]; /* for unknown users */
	unsigned char hmac_key[32];           /* keys the cache; drawn at load */
	struct auth_cache *cache;
};

/* What the walk over the YAML document found, before the files are read. */
struct loader {
	const char *path; /* the web configuration file, for messages */
	char *dir;        /* its directory, for relative paths */
	yaml_document_t *doc;
	struct webconfig *w;
	enum err rc; /* ERR_NOMEM overrides ERR_CONFIG */
	/* lines of the keys found (1-based; 0: absent), for messages after
	 * the document is gone */
	unsigned long tls_line, cert_line, key_line, ca_line, min_line, max_line;
	unsigned long suites_line, curves_line;
	char *cert_file, *key_file, *ca_file; /* as written */
	enum tls_version min_version, max_version;
	unsigned users_at_cost[BCRYPT_COST_MAX + 1]; /* how many users have each cost */
	/* cipher_suites and curve_preferences, as indexes into suites[] and
	 * curves[]; suites_set: the key was given with at least one suite */
	unsigned char suite_list[32], curve_list[8];
	size_t suite_count, curve_count;
	bool suites_set, curves_set;
	bool prefer_server; /* prefer_server_cipher_suites; true by default */
};

/* ---- messages ---------------------------------------------------------- */

static void bad_at(const struct loader *ld, unsigned long line, const char *key, const char *why)
{
	log_error("invalid web configuration", "file", ld->path, "line", LOG_UINT(line), "key", key,
		  "err", why);
}

static unsigned long line_of(const yaml_node_t *n)
{
	return (unsigned long)n->start_mark.line + 1;
}

static void bad(const struct loader *ld, const yaml_node_t *n, const char *key, const char *why)
{
	bad_at(ld, line_of(n), key, why);
}

static void bad_child(const struct loader *ld, const yaml_node_t *n, const char *parent,
		      const char *name, const char *why)
{
	char key[256];
	snprintf(key, sizeof key, "%s%s%s", parent ? parent : "", parent ? "." : "", name);
	bad(ld, n, key, why);
}

/* ---- YAML helpers ------------------------------------------------------ */

static bool is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE)
		return false;
	if (n->tag && strcmp((const char *)n->tag, YAML_NULL_TAG) == 0)
		return true;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/* Checks the keys of a mapping: scalars, no duplicates. */
static bool check_keys(const struct loader *ld, const yaml_node_t *map, const char *parent)
{
	bool ok = true;
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		if (!k || k->type != YAML_SCALAR_NODE) {
			bad_child(ld, k ? k : map, parent, "?", "a key must be a plain string");
			ok = false;
			continue;
		}
		for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			const yaml_node_t *k2 = yaml_document_get_node(ld->doc, q->key);
			if (k2 && k2->type == YAML_SCALAR_NODE && strcmp(scalar(k2), scalar(k)) == 0) {
				bad_child(ld, k, parent, scalar(k), "duplicate key");
				ok = false;
				break;
			}
		}
	}
	return ok;
}

/* A string value: any scalar but null (which leaves *out unset). */
static bool get_string(struct loader *ld, const yaml_node_t *v, const char *key, char **out)
{
	if (is_null(v))
		return true;
	if (v->type != YAML_SCALAR_NODE) {
		bad(ld, v, key, "must be a string");
		return false;
	}
	char *c = strdup(scalar(v));
	if (!c) {
		ld->rc = ERR_NOMEM;
		return false;
	}
	free(*out);
	*out = c;
	return true;
}

static bool get_version(const struct loader *ld, const yaml_node_t *v, const char *key,
			enum tls_version *out)
{
	if (is_null(v))
		return true;
	if (v->type == YAML_SCALAR_NODE)
		for (int i = TLS10; i <= TLS13; i++)
			if (strcmp(scalar(v), version_names[i]) == 0) {
				*out = (enum tls_version)i;
				return true;
			}
	bad(ld, v, key, "unknown TLS version: must be TLS10, TLS11, TLS12 or TLS13");
	return false;
}

static bool get_client_auth(const struct loader *ld, const yaml_node_t *v, const char *key,
			    enum webconfig_client_auth *out)
{
	if (is_null(v))
		return true;
	if (v->type == YAML_SCALAR_NODE) {
		if (scalar(v)[0] == '\0') {
			*out = WEBCONFIG_NO_CLIENT_CERT;
			return true;
		}
		for (size_t i = 0; i < sizeof client_auth_names / sizeof client_auth_names[0]; i++)
			if (strcmp(scalar(v), client_auth_names[i].name) == 0) {
				*out = client_auth_names[i].value;
				return true;
			}
	}
	bad(ld, v, key,
	    "unknown client_auth_type: must be NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert");
	return false;
}

static bool get_bool(const struct loader *ld, const yaml_node_t *v, const char *key, bool *out)
{
	if (is_null(v))
		return true;
	if (v->type == YAML_SCALAR_NODE) {
		const char *t = scalar(v);
		if (strcmp(t, "true") == 0 || strcmp(t, "True") == 0 || strcmp(t, "TRUE") == 0) {
			*out = true;
			return true;
		}
		if (strcmp(t, "false") == 0 || strcmp(t, "False") == 0 || strcmp(t, "FALSE") == 0) {
			*out = false;
			return true;
		}
	}
	bad(ld, v, key, "must be true or false");
	return false;
}

/* A sequence of names, each looked up with find (-1: unknown, -2: known
 * and ignored), into list[] without duplicates. */
static bool get_names(const struct loader *ld, const yaml_node_t *v, const char *key,
		      int (*find)(const char *), const char *unknown, unsigned char *list,
		      size_t cap, size_t *count)
{
	*count = 0;
	if (is_null(v))
		return true;
	if (v->type != YAML_SEQUENCE_NODE) {
		bad(ld, v, key, "must be a list");
		return false;
	}
	for (const yaml_node_item_t *i = v->data.sequence.items.start;
	     i < v->data.sequence.items.top; i++) {
		const yaml_node_t *e = yaml_document_get_node(ld->doc, *i);
		int idx = e && e->type == YAML_SCALAR_NODE ? find(scalar(e)) : -1;
		if (idx == -1) {
			char why[256];
			snprintf(why, sizeof why, "%s: %.100s", unknown,
				 e && e->type == YAML_SCALAR_NODE ? scalar(e) : "(not a string)");
			bad(ld, e ? e : v, key, why);
			return false;
		}
		if (idx == -2 || memchr(list, idx, *count))
			continue;
		if (*count == cap) {
			bad(ld, e, key, "too many entries");
			return false;
		}
		list[(*count)++] = (unsigned char)idx;
	}
	return true;
}

static int find_suite(const char *name)
{
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
		if (strcmp(name, suites[i].go) == 0)
			return (int)i;
	return in_list(name, suites_tls13, sizeof suites_tls13 / sizeof suites_tls13[0]) ? -2 : -1;
}

static int find_curve(const char *name)
{
	for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
		if (strcmp(name, curves[i].go) == 0)
			return (int)i;
	return -1;
}

/* ---- the document ------------------------------------------------------ */

static bool walk_tls(struct loader *ld, const yaml_node_t *map)
{
	static const char parent[] = "tls_server_config";
	if (!check_keys(ld, map, parent))
		return false;
	bool ok = true;
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top && ld->rc != ERR_NOMEM; p++) {
		const yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
		const char *name = scalar(k);
		char key[128];
		snprintf(key, sizeof key, "%s.%s", parent, name);
		if (strcmp(name, "cert_file") == 0) {
			ld->cert_line = line_of(k);
			ok = get_string(ld, v, key, &ld->cert_file) && ok;
		} else if (strcmp(name, "key_file") == 0) {
			ld->key_line = line_of(k);
			ok = get_string(ld, v, key, &ld->key_file) && ok;
		} else if (strcmp(name, "client_ca_file") == 0) {
			ld->ca_line = line_of(k);
			ok = get_string(ld, v, key, &ld->ca_file) && ok;
		} else if (strcmp(name, "client_auth_type") == 0) {
			ok = get_client_auth(ld, v, key, &ld->w->client_auth) && ok;
		} else if (strcmp(name, "min_version") == 0) {
			ld->min_line = line_of(k);
			ok = get_version(ld, v, key, &ld->min_version) && ok;
		} else if (strcmp(name, "max_version") == 0) {
			ld->max_line = line_of(k);
			ok = get_version(ld, v, key, &ld->max_version) && ok;
		} else if (strcmp(name, "cipher_suites") == 0) {
			ld->suites_line = line_of(k);
			ok = get_names(ld, v, key, find_suite,
				       "unknown or unsupported cipher suite (Go's names, such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; RC4 is not supported)",
				       ld->suite_list, sizeof ld->suite_list, &ld->suite_count) &&
			     ok;
			ld->suites_set = ld->suite_count > 0;
		} else if (strcmp(name, "curve_preferences") == 0) {
			ld->curves_line = line_of(k);
			ok = get_names(ld, v, key, find_curve,
				       "unknown curve: must be CurveP256, CurveP384, CurveP521 or X25519",
				       ld->curve_list, sizeof ld->curve_list, &ld->curve_count) &&
			     ok;
			ld->curves_set = ld->curve_count > 0;
		} else if (strcmp(name, "prefer_server_cipher_suites") == 0) {
			ok = get_bool(ld, v, key, &ld->prefer_server) && ok;
		} else if (in_list(name, unsupported_tls,
				   sizeof unsupported_tls / sizeof unsupported_tls[0])) {
			bad(ld, k, key, "not supported by doks_exporter; remove it");
			ok = false;
		} else {
			bad(ld, k, key, "unknown key");
			ok = false;
		}
	}
	return ok && ld->rc != ERR_NOMEM;
}

/* $2a$, $2b$ or $2y$, a cost of 04 to 31, 53 characters of bcrypt's
 * base64: 60 in all. */
static bool is_bcrypt(const char *h, int *cost)
{
	static const char alphabet[] =
		"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	if (strlen(h) != BCRYPT_HASH_LEN || h[0] != '$' || h[1] != '2' ||
	    (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$' || h[4] < '0' ||
	    h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return false;
	int c = (h[4] - '0') * 10 + (h[5] - '0');
	if (c < 4 || c > 31 || strspn(h + 7, alphabet) != BCRYPT_HASH_LEN - 7)
		return false;
	*cost = c;
	return true;
}

static bool walk_users(struct loader *ld, const yaml_node_t *map)
{
	static const char parent[] = "basic_auth_users";
	if (!check_keys(ld, map, parent))
		return false;
	size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	if (n == 0)
		return true;
	struct webconfig *w = ld->w;
	w->users = calloc(n, sizeof *w->users);
	if (!w->users) {
		ld->rc = ERR_NOMEM;
		return false;
	}
	bool ok = true;
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
		const char *name = scalar(k);
		int cost = 0;
		if (name[0] == '\0' || strchr(name, ':')) {
			bad_child(ld, k, parent, name,
				  "a user name must be non-empty and hold no ':' (basic authentication cannot send it)");
			ok = false;
			continue;
		}
		if (v->type != YAML_SCALAR_NODE || is_null(v) || !is_bcrypt(scalar(v), &cost)) {
			bad_child(ld, v, parent, name,
				  "must be a bcrypt hash ($2a$, $2b$ or $2y$ and 60 characters); other kinds of hash are refused");
			ok = false;
			continue;
		}
		if (cost > BCRYPT_COST_LIMIT) {
			char why[256];
			snprintf(why, sizeof why,
				 "bcrypt cost %d is above %d: every login would hold the server for seconds or more; hash it again with htpasswd -nbB -C 10",
				 cost, BCRYPT_COST_LIMIT);
			bad_child(ld, v, parent, name, why);
			ok = false;
			continue;
		}
		if (cost > BCRYPT_COST_WARN) {
			log_warn("a bcrypt cost above 12 makes each uncached login slow; 10 to 12 is enough",
				 "file", ld->path, "line", LOG_UINT(line_of(v)), "user", name, "cost",
				 LOG_INT(cost));
		}
		struct user *u = &w->users[w->user_count];
		u->name = strdup(name);
		u->hash = strdup(scalar(v));
		w->user_count++;
		if (!u->name || !u->hash) {
			ld->rc = ERR_NOMEM;
			return false;
		}
		ld->users_at_cost[cost]++;
	}
	return ok;
}

static bool walk_root(struct loader *ld, const yaml_node_t *root)
{
	if (!root || is_null(root))
		return true; /* an empty file: plain HTTP, no authentication */
	if (root->type != YAML_MAPPING_NODE) {
		bad(ld, root, "(top)", "the file must be a YAML mapping of keys to values");
		return false;
	}
	if (!check_keys(ld, root, NULL))
		return false;
	bool ok = true;
	for (const yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top && ld->rc != ERR_NOMEM; p++) {
		const yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
		const char *name = scalar(k);
		if (strcmp(name, "tls_server_config") == 0) {
			if (is_null(v))
				continue;
			if (v->type != YAML_MAPPING_NODE) {
				bad(ld, v, name, "must be a mapping of keys to values");
				ok = false;
				continue;
			}
			ld->tls_line = line_of(k);
			ok = walk_tls(ld, v) && ok;
		} else if (strcmp(name, "basic_auth_users") == 0) {
			if (is_null(v))
				continue;
			if (v->type != YAML_MAPPING_NODE) {
				bad(ld, v, name, "must be a mapping of user names to bcrypt hashes");
				ok = false;
				continue;
			}
			ok = walk_users(ld, v) && ok;
		} else if (in_list(name, unsupported_top,
				   sizeof unsupported_top / sizeof unsupported_top[0])) {
			bad(ld, k, name, "not supported by doks_exporter; remove it");
			ok = false;
		} else {
			bad(ld, k, name, "unknown key");
			ok = false;
		}
	}
	return ok && ld->rc != ERR_NOMEM;
}

/* ---- files ------------------------------------------------------------- */

/* Reads a whole file of at most max bytes, NUL-terminated. On failure
 * returns false with errno set (EFBIG: too large). */
static bool read_all(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	setvbuf(f, NULL, _IONBF, 0); /* no copy of a key left in stdio's buffer */
	char *buf = malloc(max + 2);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return false;
	}
	size_t n = fread(buf, 1, max + 1, f);
	int failed = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (failed || n > max) {
		secret_wipe(buf, n);
		free(buf);
		errno = failed ? failed : EFBIG;
		return false;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return true;
}

static void free_secret(char *p, size_t len)
{
	if (!p)
		return;
	secret_wipe(p, len);
	free(p);
}

/* Joins a relative path to the directory of the web configuration file,
 * as exporter-toolkit does. */
static char *resolve(const struct loader *ld, const char *file)
{
	if (file[0] == '/')
		return strdup(file);
	size_t n = strlen(ld->dir) + 1 + strlen(file) + 1;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", ld->dir, file);
	return p;
}

/* Reads a PEM file named by the key at line; NUL bytes are refused, since
 * libmicrohttpd takes PEM text as a C string. */
static bool read_pem(struct loader *ld, unsigned long line, const char *key,
		     const char *file, char **out, size_t *len)
{
	char *full = resolve(ld, file);
	if (!full) {
		ld->rc = ERR_NOMEM;
		return false;
	}
	char why[4200];
	bool ok = read_all(full, PEM_FILE_MAX, out, len);
	if (!ok)
		snprintf(why, sizeof why, "cannot read %s: %s", full,
			 errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
	else if (strlen(*out) != *len) {
		snprintf(why, sizeof why, "%s holds a NUL byte: not a PEM file", full);
		free_secret(*out, *len);
		*out = NULL;
		ok = false;
	}
	if (!ok)
		bad_at(ld, line, key, why);
	free(full);
	return ok;
}

static int b64_value(unsigned char ch);

/* The DER bytes of the first "-----BEGIN ...PRIVATE KEY-----" block of
 * pem, decoded into *der (owned, a secret); false when there is none, or
 * it has headers (an encrypted key) or bad base64. */
static bool pem_key_to_der(const char *pem, unsigned char **der, size_t *len)
{
	const char *begin = strstr(pem, "-----BEGIN ");
	while (begin) {
		const char *eol = strchr(begin, '\n');
		if (!eol)
			return false;
		if (eol - begin >= 16 && memcmp(eol - (eol[-1] == '\r' ? 17 : 16), "PRIVATE KEY-----", 16) == 0)
			break;
		begin = strstr(eol, "-----BEGIN ");
	}
	if (!begin)
		return false;
	const char *p = strchr(begin, '\n') + 1;
	const char *end = strstr(p, "-----END ");
	if (!end || memchr(p, ':', (size_t)(end - p))) /* Proc-Type: 4,ENCRYPTED */
		return false;
	unsigned char *out = malloc((size_t)(end - p) / 4 * 3 + 3);
	if (!out)
		return false;
	size_t n = 0;
	uint32_t bits = 0;
	int have = 0, pad = 0;
	bool ok = true;
	for (const char *q = p; q < end && ok; q++) {
		unsigned char ch = (unsigned char)*q;
		if (ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t')
			continue;
		int v = ch == '=' ? 0 : b64_value(ch);
		if (v < 0 || (pad > 0 && ch != '='))
			ok = false;
		if (ch == '=')
			pad++;
		bits = (bits << 6) | (uint32_t)v;
		if (++have == 4) {
			unsigned char b[3] = { (unsigned char)(bits >> 16), (unsigned char)(bits >> 8),
					       (unsigned char)bits };
			for (int j = 0; j < 3 - pad && j < 3; j++)
				out[n++] = b[j];
			have = 0;
			bits = 0;
		}
	}
	secret_wipe(&bits, sizeof bits);
	if (!ok || have != 0 || pad > 2 || n == 0) {
		secret_wipe(out, (size_t)(end - p) / 4 * 3 + 3);
		free(out);
		return false;
	}
	*der = out;
	*len = n;
	return true;
}

/* Reads key_file and keeps only its DER: the PEM text is wiped at once. */
static bool read_key(struct loader *ld)
{
	char *pem = NULL;
	size_t pem_len = 0;
	if (!read_pem(ld, ld->key_line, "tls_server_config.key_file", ld->key_file, &pem, &pem_len))
		return false;
	bool ok = pem_key_to_der(pem, &ld->w->key_der, &ld->w->key_len);
	free_secret(pem, pem_len);
	if (!ok)
		bad_at(ld, ld->key_line, "tls_server_config.key_file",
		       "no usable PEM private key (an encrypted key is not supported)");
	return ok;
}

/* Counts the certificates of a PEM text; 0 with *err set when none. */
static unsigned count_certs(const char *pem, size_t len, int *err)
{
	gnutls_datum_t d = { .data = (unsigned char *)pem, .size = (unsigned)len };
	gnutls_x509_crt_t *crts = NULL;
	unsigned n = 0;
	*err = gnutls_x509_crt_list_import2(&crts, &n, &d, GNUTLS_X509_FMT_PEM, 0);
	if (*err < 0)
		return 0;
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	if (n == 0)
		*err = GNUTLS_E_NO_CERTIFICATE_FOUND;
	return n;
}

/* GnuTLS enables every combination of the key exchanges, ciphers and MACs
 * listed: refuse a cipher_suites list that would allow more than itself
 * in TLS 1.2 and below, naming the first suite it would add. With TLS 1.3
 * on, its ECDHE key exchanges and AEAD ciphers are on for TLS 1.2 as
 * well (GnuTLS has one list for both): the ECDHE suites with an AEAD
 * cipher they bring are let through, as the safe ones Go offers by
 * default. */
static bool suites_exact(struct loader *ld, gnutls_priority_t prio)
{
	if (!ld->suites_set)
		return true;
	unsigned sidx;
	for (unsigned i = 0; gnutls_priority_get_cipher_suite_index(prio, i, &sidx) !=
			     GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
	     i++) {
		gnutls_kx_algorithm_t kx;
		gnutls_cipher_algorithm_t cipher;
		gnutls_mac_algorithm_t mac;
		gnutls_protocol_t min;
		const char *name = gnutls_cipher_suite_info(sidx, NULL, &kx, &cipher, &mac, &min);
		if (!name || kx == GNUTLS_KX_UNKNOWN || min == GNUTLS_TLS1_3)
			continue; /* a TLS 1.3 suite */
		bool listed = false;
		for (size_t j = 0; j < ld->suite_count && !listed; j++) {
			unsigned s = ld->suite_list[j];
			listed = gnutls_kx_get_id(suites[s].kx) == kx &&
				 gnutls_cipher_get_id(suites[s].cipher) == cipher &&
				 gnutls_mac_get_id(suites[s].mac) == mac;
		}
		if (!listed && ld->max_version == TLS13 && mac == GNUTLS_MAC_AEAD &&
		    (kx == GNUTLS_KX_ECDHE_RSA || kx == GNUTLS_KX_ECDHE_ECDSA))
			listed = true;
		if (!listed) {
			char why[512];
			snprintf(why, sizeof why,
				 "GnuTLS combines the key exchanges, ciphers and MACs of the list, and would also allow %s: add that suite, or remove the suites that bring it",
				 name);
			bad_at(ld, ld->suites_line, "tls_server_config.cipher_suites", why);
			return false;
		}
	}
	return true;
}

/* Loads the certificate, the key and the CA the way libmicrohttpd will,
 * so that a bad file is reported with its key and line now. */
static bool check_tls_material(struct loader *ld)
{
	struct webconfig *w = ld->w;
	int err;
	char why[256];
	if (count_certs(w->cert_pem, w->cert_len, &err) == 0) {
		snprintf(why, sizeof why, "no usable PEM certificate: %s", gnutls_strerror(err));
		bad_at(ld, ld->cert_line, "tls_server_config.cert_file", why);
		return false;
	}
	if (w->ca_pem && count_certs(w->ca_pem, w->ca_len, &err) == 0) {
		snprintf(why, sizeof why, "no usable PEM certificate: %s", gnutls_strerror(err));
		bad_at(ld, ld->ca_line, "tls_server_config.client_ca_file", why);
		return false;
	}
	gnutls_certificate_credentials_t cred;
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		ld->rc = ERR_NOMEM;
		return false;
	}
	/* the way server.c will load them: the chain from PEM, the key from DER */
	gnutls_pcert_st *pcerts = NULL;
	unsigned n = 0;
	gnutls_privkey_t key = NULL;
	err = webconfig_tls_identity(w, &pcerts, &n, &key);
	if (err >= 0) {
		err = gnutls_certificate_set_key(cred, NULL, 0, pcerts, (int)n, key);
		if (err >= 0) { /* the credentials own the key and the certificates,
				 * copied out of the array */
			gnutls_free(pcerts);
			pcerts = NULL;
			key = NULL;
		}
	}
	webconfig_tls_identity_free(pcerts, n, key);
	gnutls_certificate_free_credentials(cred);
	if (err < 0) {
		snprintf(why, sizeof why, "%s",
			 err == GNUTLS_E_CERTIFICATE_KEY_MISMATCH ?
				 "the key does not match the certificate of cert_file" :
				 "no usable PEM private key (an encrypted key is not supported)");
		bad_at(ld, ld->key_line, "tls_server_config.key_file", why);
		return false;
	}
	gnutls_priority_t prio;
	const char *pos = NULL;
	err = gnutls_priority_init(&prio, w->priorities, &pos);
	if (err < 0) {
		snprintf(why, sizeof why,
			 "this GnuTLS refuses the TLS versions, cipher suites or curves asked: %s",
			 gnutls_strerror(err));
		bad_at(ld, ld->suites_line ? ld->suites_line :
			   ld->min_line	   ? ld->min_line :
					     ld->tls_line,
		       ld->suites_line ? "tls_server_config.cipher_suites" :
					 "tls_server_config.min_version",
		       why);
		return false;
	}
	bool exact = suites_exact(ld, prio);
	gnutls_priority_deinit(prio);
	return exact;
}

/* Appends ":+item" to the priority string unless it is there already. */
static void add_item(char *buf, size_t size, const char *item)
{
	char needle[64];
	snprintf(needle, sizeof needle, ":+%s:", item);
	size_t used = strlen(buf);
	char tail[64];
	snprintf(tail, sizeof tail, ":+%s", item);
	size_t tl = strlen(tail);
	if (strstr(buf, needle) || (used >= tl && strcmp(buf + used - tl, tail) == 0))
		return;
	snprintf(buf + used, size - used, "%s", tail);
}

/* The GnuTLS priority string: the versions, then the cipher policy
 * (DEFAULT_CIPHERS, or cipher_suites), the groups and the precedence. */
static void build_priorities(struct loader *ld)
{
	char *p = ld->w->priorities;
	size_t size = sizeof ld->w->priorities;
	size_t used = (size_t)snprintf(p, size, "NORMAL:-VERS-ALL");
	for (int v = (int)ld->max_version; v >= (int)ld->min_version; v--)
		used += (size_t)snprintf(p + used, size - used, ":+VERS-%s", version_gnutls[v]);
	if (!ld->suites_set) {
		used += (size_t)snprintf(p + used, size - used, ":%s%s", DEFAULT_CIPHERS,
					 ld->min_version < TLS12 ? LEGACY_CIPHERS : "");
	} else {
		snprintf(p + used, size - used, ":-KX-ALL:-CIPHER-ALL:-MAC-ALL");
		for (size_t i = 0; i < ld->suite_count; i++) {
			add_item(p, size, suites[ld->suite_list[i]].kx);
			add_item(p, size, suites[ld->suite_list[i]].cipher);
			add_item(p, size, suites[ld->suite_list[i]].mac);
		}
		if (ld->max_version == TLS13) {
			/* TLS 1.3 needs an ECDHE key exchange and its ciphers */
			static const char *const tls13[] = { "ECDHE-RSA", "ECDHE-ECDSA", "AES-128-GCM",
							     "AES-256-GCM", "CHACHA20-POLY1305", "AEAD" };
			for (size_t i = 0; i < sizeof tls13 / sizeof tls13[0]; i++)
				add_item(p, size, tls13[i]);
		}
		used = strlen(p);
	}
	if (ld->curves_set) {
		used += (size_t)snprintf(p + used, size - used, ":-GROUP-ALL");
		for (size_t i = 0; i < ld->curve_count; i++)
			used += (size_t)snprintf(p + used, size - used, ":+%s",
						 curves[ld->curve_list[i]].group);
	}
	if (ld->prefer_server)
		snprintf(p + used, size - used, ":%%SERVER_PRECEDENCE");
}

static bool finish_tls(struct loader *ld)
{
	struct webconfig *w = ld->w;
	if (!ld->tls_line)
		return true;
	w->tls = true;
	bool ok = true;
	if (!ld->cert_file || ld->cert_file[0] == '\0') {
		bad_at(ld, ld->cert_line ? ld->cert_line : ld->tls_line, "tls_server_config.cert_file",
		    "required with tls_server_config");
		ok = false;
	}
	if (!ld->key_file || ld->key_file[0] == '\0') {
		bad_at(ld, ld->key_line ? ld->key_line : ld->tls_line, "tls_server_config.key_file",
		    "required with tls_server_config");
		ok = false;
	}
	bool has_ca = ld->ca_file && ld->ca_file[0] != '\0';
	if (has_ca && w->client_auth == WEBCONFIG_NO_CLIENT_CERT) {
		bad_at(ld, ld->ca_line, "tls_server_config.client_ca_file",
		    "set without a client_auth_type that asks for client certificates");
		ok = false;
	}
	if (!has_ca && (w->client_auth == WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN ||
			w->client_auth == WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT)) {
		bad_at(ld, ld->ca_line ? ld->ca_line : ld->tls_line, "tls_server_config.client_ca_file",
		    "required with a client_auth_type that verifies client certificates");
		ok = false;
	}
	if (ld->min_version > ld->max_version) {
		bad_at(ld, ld->max_line ? ld->max_line : ld->min_line, "tls_server_config.max_version",
		    "lower than min_version");
		ok = false;
	}
	if (!ok)
		return false;
	build_priorities(ld);
	if (!read_pem(ld, ld->cert_line, "tls_server_config.cert_file", ld->cert_file,
		      &w->cert_pem, &w->cert_len) ||
	    !read_key(ld) ||
	    (has_ca && !read_pem(ld, ld->ca_line, "tls_server_config.client_ca_file", ld->ca_file,
				 &w->ca_pem, &w->ca_len)))
		return false;
	return check_tls_material(ld);
}

/* A hash no password matches, for unknown users, at the cost most users
 * have (the lower one on a tie): bcrypt then takes as long as for a known
 * user. The highest cost would tell unknown users from known ones as
 * surely as no bcrypt at all. */
static bool make_dummy_hash(struct webconfig *w, int cost)
{
	enum { SETTING_LEN = 29 }; /* "$2b$NN$" and 22 characters of salt */
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, salt, (int)sizeof salt) ||
	    strlen(salt) != SETTING_LEN)
		return false;
	memcpy(w->dummy_hash, salt, SETTING_LEN);
	memset(w->dummy_hash + SETTING_LEN, '.', BCRYPT_HASH_LEN - SETTING_LEN);
	w->dummy_hash[BCRYPT_HASH_LEN] = '\0';
	return true;
}

static bool finish_users(struct loader *ld)
{
	struct webconfig *w = ld->w;
	if (w->user_count == 0)
		return true;
	int cost = 0, costs = 0;
	for (int c = BCRYPT_COST_LIMIT; c >= 4; c--) {
		if (ld->users_at_cost[c] > 0)
			costs++;
		if (ld->users_at_cost[c] >= ld->users_at_cost[cost])
			cost = c;
	}
	if (costs > 1)
		log_warn("the users' bcrypt hashes have different costs: the time a login takes tells them apart; hash them at one cost",
			 "file", ld->path);
	if (!make_dummy_hash(w, cost)) {
		log_error("cannot make a bcrypt salt", "file", ld->path, "err", strerror(errno));
		return false;
	}
	if (gnutls_rnd(GNUTLS_RND_KEY, w->hmac_key, sizeof w->hmac_key) < 0) {
		log_error("cannot draw a random key", "file", ld->path);
		return false;
	}
	w->cache = calloc(1, sizeof *w->cache);
	if (!w->cache || pthread_mutex_init(&w->cache->lock, NULL) != 0) {
		free(w->cache);
		w->cache = NULL;
		ld->rc = ERR_NOMEM;
		return false;
	}
	return true;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static bool walk_document(yaml_document_t *doc, yaml_node_t *root, void *ctx)
{
	struct loader *ld = ctx;
	ld->doc = doc;
	bool ok = walk_root(ld, root);
	ld->doc = NULL;
	return ok;
}

/* Parses the text: one YAML document at most. */
static bool parse(struct loader *ld, const char *text, size_t len)
{
	struct yamlfile_error e;
	enum err rc = yamlfile_parse(text, len, walk_document, ld, &e);
	if (rc == ERR_NOMEM)
		ld->rc = ERR_NOMEM;
	else if (rc == ERR_PARSE && e.second_document)
		bad_at(ld, e.line, "(top)", "more than one YAML document");
	else if (rc == ERR_PARSE)
		log_error("web configuration syntax error", "file", ld->path, "line",
			  LOG_UINT(e.line), "err", e.why);
	return rc == ERR_OK;
}

enum err webconfig_load(const char *path, struct webconfig **out)
{
	struct loader ld = { .path = path, .rc = ERR_CONFIG, .min_version = TLS12,
			     .max_version = TLS13, .prefer_server = true };
	char *text = NULL;
	size_t len = 0;
	ld.w = calloc(1, sizeof *ld.w);
	ld.dir = dir_of(path);
	if (!ld.w || !ld.dir) {
		ld.rc = ERR_NOMEM;
		goto out;
	}
	if (!read_all(path, YAML_FILE_MAX, &text, &len)) {
		log_error("cannot read the web configuration file", "file", path, "err",
			  errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		goto out;
	}
	if (strlen(text) != len) {
		log_error("invalid web configuration", "file", path, "err",
			  "the file holds a NUL byte");
		goto out;
	}
	if (!parse(&ld, text, len) || !finish_tls(&ld) || !finish_users(&ld))
		goto out;
	if (!ld.w->tls && ld.w->user_count == 0)
		log_warn("the web configuration file sets neither TLS nor users: serving plain HTTP without authentication",
			 "file", path);
	*out = ld.w;
	ld.w = NULL;
	ld.rc = ERR_OK;
out:
	if (ld.rc == ERR_NOMEM)
		log_error("out of memory reading the web configuration file", "file", path);
	free_secret(text, len); /* it held the hashes */
	free(ld.cert_file);
	free(ld.key_file);
	free(ld.ca_file);
	free(ld.dir);
	webconfig_free(ld.w);
	return ld.rc;
}

void webconfig_free(struct webconfig *w)
{
	if (!w)
		return;
	free_secret((char *)w->key_der, w->key_len);
	free(w->cert_pem);
	free(w->ca_pem);
	for (size_t i = 0; i < w->user_count; i++) {
		free(w->users[i].name);
		free_secret(w->users[i].hash, strlen(w->users[i].hash));
	}
	free(w->users);
	if (w->cache) {
		pthread_mutex_destroy(&w->cache->lock);
		secret_wipe(w->cache, sizeof *w->cache);
		free(w->cache);
	}
	secret_wipe(w, sizeof *w);
	free(w);
}

/* ---- accessors --------------------------------------------------------- */

bool webconfig_tls_enabled(const struct webconfig *w) { return w && w->tls; }
const char *webconfig_tls_cert_pem(const struct webconfig *w) { return w ? w->cert_pem : NULL; }
const unsigned char *webconfig_tls_key_der(const struct webconfig *w, size_t *len)
{
	*len = w && w->key_der ? w->key_len : 0;
	return w ? w->key_der : NULL;
}
const char *webconfig_tls_client_ca_pem(const struct webconfig *w) { return w ? w->ca_pem : NULL; }

int webconfig_tls_identity(const struct webconfig *w, gnutls_pcert_st **pcerts, unsigned *n,
			   gnutls_privkey_t *key)
{
	*pcerts = NULL;
	*n = 0;
	*key = NULL;
	if (!w || !w->cert_pem || !w->key_der)
		return GNUTLS_E_INVALID_REQUEST;
	gnutls_datum_t cd = { .data = (unsigned char *)w->cert_pem, .size = (unsigned)w->cert_len };
	gnutls_datum_t kd = { .data = w->key_der, .size = (unsigned)w->key_len };
	unsigned count = WEBCONFIG_CHAIN_MAX;
	gnutls_pcert_st *list = gnutls_calloc(count, sizeof *list);
	if (!list)
		return GNUTLS_E_MEMORY_ERROR;
	int err = gnutls_pcert_list_import_x509_raw(list, &count, &cd, GNUTLS_X509_FMT_PEM, 0);
	if (err < 0) {
		gnutls_free(list);
		return err;
	}
	gnutls_privkey_t k;
	err = gnutls_privkey_init(&k);
	if (err >= 0) {
		err = gnutls_privkey_import_x509_raw(k, &kd, GNUTLS_X509_FMT_DER, NULL, 0);
		if (err < 0)
			gnutls_privkey_deinit(k);
	}
	if (err < 0) {
		webconfig_tls_identity_free(list, count, NULL);
		return err;
	}
	*pcerts = list;
	*n = count;
	*key = k;
	return 0;
}

void webconfig_tls_identity_free(gnutls_pcert_st *pcerts, unsigned n, gnutls_privkey_t key)
{
	if (pcerts) {
		for (unsigned i = 0; i < n; i++)
			gnutls_pcert_deinit(&pcerts[i]);
		gnutls_free(pcerts);
	}
	if (key)
		gnutls_privkey_deinit(key);
}

void webconfig_tls_forget_key(struct webconfig *w)
{
	if (!w)
		return;
	free_secret((char *)w->key_der, w->key_len);
	w->key_der = NULL;
	w->key_len = 0;
}

const char *webconfig_tls_priorities(const struct webconfig *w)
{
	return w && w->tls ? w->priorities : NULL;
}

enum webconfig_client_auth webconfig_client_auth(const struct webconfig *w)
{
	return w ? w->client_auth : WEBCONFIG_NO_CLIENT_CERT;
}

bool webconfig_requires_auth(const struct webconfig *w) { return w && w->user_count > 0; }

/* ---- basic authentication ---------------------------------------------- */

/* Equal strings, in a time that depends on their lengths only. */
static bool equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t n = la < lb ? la : lb;
	volatile unsigned char diff = la != lb;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static bool equal_key_ct(const unsigned char *a, const unsigned char *b)
{
	volatile unsigned char diff = 0;
	for (size_t i = 0; i < CACHE_KEY_LEN; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* HMAC-SHA-256 of len(user) user len(pass) pass hash: the lengths keep
 * ("ab", "c") apart from ("a", "bc"). */
static bool cache_key(const struct webconfig *w, const char *user, const char *pass,
		      const char *hash, unsigned char *out)
{
	gnutls_hmac_hd_t h;
	if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, w->hmac_key, sizeof w->hmac_key) < 0)
		return false;
	const char *parts[] = { user, pass, hash };
	bool ok = true;
	for (size_t i = 0; i < 3; i++) {
		uint64_t n = strlen(parts[i]);
		unsigned char len[8];
		for (size_t j = 0; j < 8; j++)
			len[j] = (unsigned char)(n >> (8 * j));
		ok = ok && gnutls_hmac(h, len, sizeof len) >= 0 &&
		     gnutls_hmac(h, parts[i], (size_t)n) >= 0;
	}
	gnutls_hmac_deinit(h, out);
	return ok;
}

/* Looks at every entry, whatever it finds. */
static bool cache_has(struct auth_cache *c, const unsigned char *key)
{
	bool found = false;
	for (size_t i = 0; i < c->count; i++)
		found |= equal_key_ct(c->entries[i], key);
	return found;
}

static bool bcrypt_matches(const char *pass, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof *cd);
	if (!cd)
		return false;
	const char *got = crypt_rn(pass, hash, cd, (int)sizeof *cd);
	bool ok = got && equal_ct(got, hash);
	secret_wipe(cd, sizeof *cd); /* it held the password and its hash */
	free(cd);
	return ok;
}

static const struct user *find_user(const struct webconfig *w, const char *user)
{
	const struct user *found = NULL;
	for (size_t i = 0; i < w->user_count; i++)
		if (strcmp(w->users[i].name, user) == 0)
			found = &w->users[i];
	return found;
}

bool webconfig_check_cached(const struct webconfig *w, const char *user, const char *pass)
{
	if (!w || w->user_count == 0 || !w->cache || !user || !pass ||
	    strlen(pass) > WEBCONFIG_PASSWORD_MAX)
		return false;
	const struct user *found = find_user(w, user);
	if (!found)
		return false;
	unsigned char key[CACHE_KEY_LEN];
	bool hit = false;
	if (cache_key(w, user, pass, found->hash, key)) {
		pthread_mutex_lock(&w->cache->lock);
		hit = cache_has(w->cache, key);
		if (hit)
			w->cache->cache_hits++;
		pthread_mutex_unlock(&w->cache->lock);
	}
	secret_wipe(key, sizeof key);
	return hit;
}

bool webconfig_check_basic_auth(const struct webconfig *w, const char *user, const char *pass)
{
	if (!w || w->user_count == 0 || !w->cache || !user || !pass)
		return false;
	/* bcrypt reads 72 bytes and ignores the rest: a longer password
	 * would pass on its first 72 alone */
	if (strlen(pass) > WEBCONFIG_PASSWORD_MAX)
		return false;
	const struct user *found = find_user(w, user);
	const char *hash = found ? found->hash : w->dummy_hash;
	struct auth_cache *c = w->cache;
	unsigned char key[CACHE_KEY_LEN];
	bool keyed = cache_key(w, user, pass, hash, key);
	if (keyed) {
		pthread_mutex_lock(&c->lock);
		bool hit = cache_has(c, key);
		if (hit)
			c->cache_hits++;
		pthread_mutex_unlock(&c->lock);
		if (hit && found) {
			secret_wipe(key, sizeof key);
			return true;
		}
	}
	/* outside the lock: bcrypt takes milliseconds, and crypt_rn is reentrant */
	bool ok = bcrypt_matches(pass, hash) && found;
	pthread_mutex_lock(&c->lock);
	c->bcrypt_runs++;
	if (ok && keyed && !cache_has(c, key)) {
		memcpy(c->entries[c->next], key, sizeof key);
		c->next = (c->next + 1) % WEBCONFIG_AUTH_CACHE_MAX;
		if (c->count < WEBCONFIG_AUTH_CACHE_MAX)
			c->count++;
	}
	pthread_mutex_unlock(&c->lock);
	secret_wipe(key, sizeof key);
	return ok;
}

void webconfig_auth_stats(const struct webconfig *w, struct webconfig_auth_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!w || !w->cache)
		return;
	pthread_mutex_lock(&w->cache->lock);
	out->bcrypt_runs = w->cache->bcrypt_runs;
	out->cache_hits = w->cache->cache_hits;
	out->cached = w->cache->count;
	pthread_mutex_unlock(&w->cache->lock);
}

/* Standard base64 with '=' padding, as RFC 7617 asks; -1 for a character
 * outside the alphabet. */
static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

bool webconfig_parse_basic_auth(const char *header, char *buf, size_t size, const char **user,
				const char **pass)
{
	if (!header || !buf || size == 0 || strncasecmp(header, "Basic", 5) != 0 ||
	    (header[5] != ' ' && header[5] != '\t'))
		return false;
	const char *p = header + 5;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0 || n % 4 != 0 || n > WEBCONFIG_AUTH_HEADER_MAX)
		return false;
	size_t out = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		size_t pad = 0;
		for (size_t j = 0; j < 4; j++) {
			unsigned char ch = (unsigned char)p[i + j];
			if (ch == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			v[j] = b64_value(ch);
			if (v[j] < 0 || pad > 0) /* a character after '=' */
				return false;
		}
		uint32_t bits = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) |
				((uint32_t)v[2] << 6) | (uint32_t)v[3];
		unsigned char bytes[3] = { (unsigned char)(bits >> 16), (unsigned char)(bits >> 8),
					   (unsigned char)bits };
		for (size_t j = 0; j < 3 - pad; j++) {
			if (out + 1 >= size || bytes[j] == '\0') {
				secret_wipe(buf, out);
				return false;
			}
			buf[out++] = (char)bytes[j];
		}
	}
	buf[out] = '\0';
	char *colon = strchr(buf, ':');
	if (!colon) {
		secret_wipe(buf, out);
		return false;
	}
	*colon = '\0';
	*user = buf;
	*pass = colon + 1;
	return true;
}
