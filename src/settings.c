/* settings.c - libconfig file + flags -> struct settings.
 *
 * Called once at start on the main thread. Every key is checked for its
 * type and range, and a key this program does not know is an error, so a
 * typo never passes silently. Errors name the file and line.
 */
#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "model.h"
#include "secret.h"
#include "url.h"

#define TOKEN_MAX 4096

/* One token and the clusters it watches. */
struct account {
	char *name;       /* "" for the one account of a file without accounts */
	char *token;      /* secret: wiped by account_cleanup */
	char *token_file;
	char *token_env;
	/* the variable the token was read from: a literal or token_env
	 * (borrowed); NULL for a file */
	const char *taken_env;
	bool discover;
	bool discover_set;
	char **ids;
	size_t id_count;
	int line; /* where the account is written, for errors; 0 for the simple one */
};

struct settings {
	char *config_path;
	char *api_url;
	double api_timeout;
	long max_response_bytes;
	double max_requests_per_minute;
	double hourly_budget_fraction;
	long max_parallel;
	long retries;
	struct account simple;     /* api.token_file and clusters.*, without accounts */
	struct account *accounts;  /* the accounts list, or simple moved here */
	size_t account_count;
	bool named_accounts;
	char *state_file;
	long options_interval;
	char *support_timeline_file; /* NULL: the shipped table */
	long shard_index;
	long shard_count;
	long poll_interval;
	long credentials_interval;
	long upgrades_interval;
	long credentials_expiry_seconds;
	long clusterlint_interval;
	long status_messages_interval;
	long associated_resources_interval;
	char *listen_address;
	char *telemetry_path;
	char *web_config_file;
	double request_timeout;         /* web.request_timeout, seconds */
	long max_connections_per_address; /* web.max_connections_per_address */
};

/* The longest interval a key accepts: a week. */
#define INTERVAL_MAX (7 * 86400)
/* Replicas split the clusters among at most this many: shard.count up to
 * it, shard.index below it. */
#define SHARD_MAX 1024

enum key_type {
	KEY_STRING,   /* char * at offset */
	KEY_BOOL,     /* through set */
	KEY_INT,      /* long at offset, a whole number in [min, max] */
	KEY_NUMBER,   /* double at offset, in [min, max] */
	KEY_LIST,     /* a list of strings, through set */
	KEY_ACCOUNTS, /* through set, which checks its type too */
};

#define TYPE_BIT(t) (1u << (t))

/* What each type accepts from libconfig, and the error otherwise. */
static const struct {
	unsigned accepts; /* TYPE_BIT(CONFIG_TYPE_...) */
	const char *why;
} types[] = {
	[KEY_STRING] = { TYPE_BIT(CONFIG_TYPE_STRING), "must be a string" },
	[KEY_BOOL] = { TYPE_BIT(CONFIG_TYPE_BOOL), "must be true or false" },
	[KEY_INT] = { TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64),
		      "must be a whole number" },
	[KEY_NUMBER] = { TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64) |
				 TYPE_BIT(CONFIG_TYPE_FLOAT),
			 "must be a number" },
	[KEY_LIST] = { TYPE_BIT(CONFIG_TYPE_ARRAY) | TYPE_BIT(CONFIG_TYPE_LIST),
		       "must be a list of strings [ \"...\", ... ]" },
	[KEY_ACCOUNTS] = { ~0u, NULL },
};

/* A key whose value needs more than a store: st is borrowed; path and
 * file are for errors. */
typedef bool (*key_setter)(const config_setting_t *st, const char *path, const char *file,
			   struct settings *s);

/* One key of the configuration file. The parser, the unknown-key check,
 * the defaults, the flags that mirror keys, --help and the README's
 * table (checked by test_settings) all walk these rows, so a new key is
 * one row and a field. */
struct key {
	const char *path;     /* "poll.interval"; no dot: a key at the top */
	enum key_type type;
	double min, max;      /* KEY_INT and KEY_NUMBER */
	const char *fallback; /* the default as the user writes it; NULL: none */
	const char *absent;   /* without a fallback, what holds instead; NULL: "unset" */
	size_t offset;        /* where the value lands in struct settings */
	key_setter set;       /* or, when not NULL, what reads it */
	const char *help;     /* one line, for --help */
};

static bool set_discover(const config_setting_t *st, const char *path, const char *file,
			 struct settings *s);
static bool set_ids(const config_setting_t *st, const char *path, const char *file,
		    struct settings *s);
static bool read_accounts(const config_setting_t *st, const char *path, const char *file,
			  struct settings *s);

#define AT(field) offsetof(struct settings, field)

/* Every key the file may hold, in the order they are read: accounts
 * last, since it refuses what api.token_file and clusters.* set. */
static const struct key keys[] = {
	{ "api.url", KEY_STRING, 0, 0, "https://api.digitalocean.com", NULL, AT(api_url), NULL,
	  "base URL; http:// only to a loopback host" },
	{ "api.token_file", KEY_STRING, 0, 0, NULL, NULL, AT(simple.token_file), NULL,
	  "file holding the API token on its first line" },
	{ "api.timeout", KEY_NUMBER, 0.1, 600, "10", NULL, AT(api_timeout), NULL,
	  "seconds a request may take, connection included" },
	{ "api.max_response_bytes", KEY_INT, 4096, 1073741824.0, "8388608", NULL,
	  AT(max_response_bytes), NULL, "larger answers are aborted and counted as too_large" },
	{ "api.max_requests_per_minute", KEY_NUMBER, 0, 250, "60", NULL,
	  AT(max_requests_per_minute), NULL, "never more started in any 60 s; 0: no pacing" },
	{ "api.hourly_budget_fraction", KEY_NUMBER, 0.01, 1, "0.5", NULL,
	  AT(hourly_budget_fraction), NULL, "share of the token's hourly limit to spend" },
	{ "api.max_parallel", KEY_INT, 1, 64, "4", NULL, AT(max_parallel), NULL,
	  "transfers at once" },
	{ "api.retries", KEY_INT, 0, 10, "2", NULL, AT(retries), NULL,
	  "tries after the first for a 5xx, a time-out or a 429" },
	{ "clusters.discover", KEY_BOOL, 0, 0, NULL, "true when ids is empty", 0, set_discover,
	  "list every cluster of the account" },
	{ "clusters.ids", KEY_LIST, 0, 0, NULL, "[]", 0, set_ids,
	  "cluster UUIDs to watch" },
	{ "poll.interval", KEY_INT, 1, INTERVAL_MAX, "300", NULL, AT(poll_interval), NULL,
	  "seconds between reads of the cluster list" },
	{ "poll.credentials_interval", KEY_INT, 0, INTERVAL_MAX, "3600", NULL,
	  AT(credentials_interval), NULL, "seconds between /credentials calls; 0: off" },
	{ "poll.upgrades_interval", KEY_INT, 60, INTERVAL_MAX, "3600", NULL,
	  AT(upgrades_interval), NULL, "seconds an /upgrades answer is kept at most" },
	{ "poll.credentials_expiry_seconds", KEY_INT, 60, INTERVAL_MAX, "600", NULL,
	  AT(credentials_expiry_seconds), NULL, "expiry_seconds sent to /credentials" },
	{ "poll.options_interval", KEY_INT, 0, INTERVAL_MAX, "3600", NULL, AT(options_interval),
	  NULL, "seconds between reads of /options; 0: off" },
	{ "poll.clusterlint_interval", KEY_INT, 0, INTERVAL_MAX, "3600", NULL,
	  AT(clusterlint_interval), NULL, "seconds between reads of /clusterlint; 0: off" },
	{ "poll.status_messages_interval", KEY_INT, 0, INTERVAL_MAX, "600", NULL,
	  AT(status_messages_interval), NULL, "seconds between reads of /status_messages; 0: off" },
	{ "poll.associated_resources_interval", KEY_INT, 0, INTERVAL_MAX, "3600", NULL,
	  AT(associated_resources_interval), NULL,
	  "seconds between reads of /destroy_with_associated_resources; 0: off" },
	{ "state.file", KEY_STRING, 0, 0, NULL, NULL, AT(state_file), NULL,
	  "JSON file keeping upgrade times across restarts" },
	{ "support.timeline_file", KEY_STRING, 0, 0, NULL, "the shipped table",
	  AT(support_timeline_file), NULL,
	  "DOKS end-of-support table (JSON); see \"The support timeline\"" },
	{ "shard.index", KEY_INT, 0, SHARD_MAX - 1, "0", NULL, AT(shard_index), NULL,
	  "this replica's shard, below shard.count" },
	{ "shard.count", KEY_INT, 1, SHARD_MAX, "1", NULL, AT(shard_count), NULL,
	  "replicas the clusters are split among" },
	{ "web.listen_address", KEY_STRING, 0, 0, ":9925", NULL, AT(listen_address), NULL,
	  "host:port, :port or [v6]:port to serve on" },
	{ "web.telemetry_path", KEY_STRING, 0, 0, "/metrics", NULL, AT(telemetry_path), NULL,
	  "path of the metrics" },
	{ "web.request_timeout", KEY_NUMBER, 1, 300, "10", NULL, AT(request_timeout), NULL,
	  "seconds a request may take in all" },
	{ "web.max_connections_per_address", KEY_INT, 1, 1024, "16", NULL,
	  AT(max_connections_per_address), NULL, "connections at once from one address" },
	{ "accounts", KEY_ACCOUNTS, 0, 0, NULL, NULL, 0, read_accounts,
	  "several accounts, each { name; token_file or token_env; discover; ids; }" },
};

#define KEY_COUNT (sizeof keys / sizeof keys[0])

/* The flags that stand for a key, read after the file: they win. */
static const struct {
	const char *flag;
	const char *key;
	size_t offset; /* of the text in struct settings_flags */
} flag_keys[] = {
	{ "--web.listen-address", "web.listen_address", offsetof(struct settings_flags, listen_address) },
	{ "--web.telemetry-path", "web.telemetry_path", offsetof(struct settings_flags, telemetry_path) },
	{ "--shard.index", "shard.index", offsetof(struct settings_flags, shard_index) },
	{ "--shard.count", "shard.count", offsetof(struct settings_flags, shard_count) },
};

static const char *file_of(const config_setting_t *st, const char *fallback)
{
	const char *f = config_setting_source_file(st);
	return f ? f : fallback;
}

static void bad_key(const config_setting_t *st, const char *path, const char *file,
		    const char *why)
{
	log_error("invalid configuration", "file", file_of(st, file), "line",
		  LOG_INT(config_setting_source_line(st)), "key", path, "err", why);
}

static const struct key *find_key(const char *path)
{
	for (size_t i = 0; i < KEY_COUNT; i++)
		if (strcmp(keys[i].path, path) == 0)
			return &keys[i];
	return NULL;
}

/* A group is known when a key lives in it. */
static bool group_is_known(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < KEY_COUNT; i++)
		if (strncmp(keys[i].path, name, n) == 0 && keys[i].path[n] == '.')
			return true;
	return false;
}

/* Rejects unknown groups and keys, and anything at the top that is
 * neither a group nor a key of its own. */
static bool check_known(const config_t *cfg, const char *file)
{
	const config_setting_t *root = config_root_setting(cfg);
	bool ok = true;
	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *g = config_setting_get_elem(root, (unsigned)i);
		const char *gname = config_setting_name(g);
		if (find_key(gname))
			continue; /* a key at the top (accounts): its reader checks it */
		bool known = group_is_known(gname);
		if (!known || !config_setting_is_group(g)) {
			bad_key(g, gname, file,
				known ? "must be a group { ... }" : "unknown key");
			ok = false;
			continue;
		}
		for (int j = 0; j < config_setting_length(g); j++) {
			const config_setting_t *st = config_setting_get_elem(g, (unsigned)j);
			char path[128];
			snprintf(path, sizeof path, "%s.%s", gname, config_setting_name(st));
			if (!find_key(path)) {
				bad_key(st, path, file, "unknown key");
				ok = false;
			}
		}
	}
	return ok;
}

static bool dup_into(char **dst, const char *src)
{
	char *c = strdup(src);
	if (!c)
		return false;
	free(*dst);
	*dst = c;
	return true;
}

/* A list of cluster ids, checked and without duplicates, into a. */
static bool read_ids(const config_setting_t *st, const char *path, const char *file,
		     struct account *a)
{
	int type = config_setting_type(st);
	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
		bad_key(st, path, file, "must be a list of strings [ \"...\", ... ]");
		return false;
	}
	int n = config_setting_length(st);
	char **ids = calloc((size_t)n + 1, sizeof *ids);
	if (!ids)
		return false;
	size_t count = 0;
	bool ok = true;
	for (int i = 0; i < n && ok; i++) {
		const config_setting_t *el = config_setting_get_elem(st, (unsigned)i);
		const char *id = config_setting_get_string(el);
		if (!id || !cluster_id_is_valid(id)) {
			bad_key(el, path, file, "each id must be a cluster UUID (letters, digits and '-')");
			ok = false;
			break;
		}
		bool seen = false;
		for (size_t j = 0; j < count; j++)
			seen = seen || strcmp(ids[j], id) == 0;
		if (seen)
			continue;
		ids[count] = strdup(id);
		if (!ids[count])
			ok = false;
		else
			count++;
	}
	for (size_t i = 0; i < a->id_count; i++)
		free(a->ids[i]);
	free(a->ids);
	a->ids = ids;
	a->id_count = count;
	return ok;
}

/* Unset, discovery is on unless ids are listed: check_values decides
 * once every key is read. */
static bool read_discover(const config_setting_t *st, const char *path, const char *file,
			  struct account *a)
{
	(void)path;
	(void)file;
	a->discover = config_setting_get_bool(st);
	a->discover_set = true;
	return true;
}

/* clusters.ids and clusters.discover: the account of a file without an
 * accounts list. */
static bool set_ids(const config_setting_t *st, const char *path, const char *file,
		    struct settings *s)
{
	return read_ids(st, path, file, &s->simple);
}

static bool set_discover(const config_setting_t *st, const char *path, const char *file,
			 struct settings *s)
{
	return read_discover(st, path, file, &s->simple);
}

/* The keys of one element of the accounts list, checked like the file's
 * (types[]). */
static const struct {
	const char *name;
	enum key_type type;
	size_t offset; /* of a KEY_STRING in struct account */
	bool (*set)(const config_setting_t *st, const char *path, const char *file,
		    struct account *a); /* or what reads it */
} account_keys[] = {
	{ "name", KEY_STRING, offsetof(struct account, name), NULL },
	{ "token_file", KEY_STRING, offsetof(struct account, token_file), NULL },
	{ "token_env", KEY_STRING, offsetof(struct account, token_env), NULL },
	{ "discover", KEY_BOOL, 0, read_discover },
	{ "ids", KEY_LIST, 0, read_ids },
};

#define ACCOUNT_KEY_COUNT (sizeof account_keys / sizeof account_keys[0])

/* A value of k's type stores at its offset: text for KEY_STRING, num for
 * the numbers. False when out of memory. */
static bool store(const struct key *k, struct settings *s, const char *text, double num)
{
	char *field = (char *)s + k->offset;
	if (k->type == KEY_STRING)
		return dup_into((char **)(void *)field, text);
	if (k->type == KEY_INT)
		*(long *)(void *)field = (long)num;
	else if (k->type == KEY_NUMBER)
		*(double *)(void *)field = num;
	return true;
}

static bool in_range(const struct key *k, double num)
{
	return num >= k->min && num <= k->max;
}

/* Reads one key if present, checking type and range. */
static bool read_key(const config_t *cfg, const char *file, const struct key *k,
		     struct settings *s)
{
	const config_setting_t *st = config_lookup(cfg, k->path);
	if (!st)
		return true;
	int type = config_setting_type(st);
	if (!(types[k->type].accepts & TYPE_BIT(type))) {
		bad_key(st, k->path, file, types[k->type].why);
		return false;
	}
	double num = type == CONFIG_TYPE_FLOAT ? config_setting_get_float(st) :
						 (double)config_setting_get_int64(st);
	if ((k->type == KEY_INT || k->type == KEY_NUMBER) && !in_range(k, num)) {
		char why[96];
		snprintf(why, sizeof why, "must be between %g and %g", k->min, k->max);
		bad_key(st, k->path, file, why);
		return false;
	}
	if (k->set)
		return k->set(st, k->path, file, s);
	return store(k, s, config_setting_get_string(st), num);
}

/* k's value from text (a default of the table, or a flag): ERR_CONFIG
 * when it is not a number of k's type within its range. */
static enum err set_text(const struct key *k, const char *text, struct settings *s)
{
	double num = 0;
	char *end = NULL;
	errno = 0;
	if (k->type == KEY_INT)
		num = (double)strtol(text, &end, 10);
	else if (k->type == KEY_NUMBER)
		num = strtod(text, &end);
	else if (k->type != KEY_STRING)
		return ERR_CONFIG; /* lists and booleans have no text form */
	if (end && (errno || end == text || *end || !in_range(k, num)))
		return ERR_CONFIG;
	return store(k, s, text, num) ? ERR_OK : ERR_NOMEM;
}

static void account_cleanup(struct account *a)
{
	if (a->token) {
		secret_wipe(a->token, strlen(a->token));
		free(a->token);
	}
	for (size_t i = 0; i < a->id_count; i++)
		free(a->ids[i]);
	free(a->ids);
	free(a->name);
	free(a->token_file);
	free(a->token_env);
	memset(a, 0, sizeof *a);
}

/* A name that can go into a label value and a log line unquoted. */
static bool account_name_is_valid(const char *name)
{
	size_t n = strlen(name);
	return n >= 1 && n <= 64 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* One element of the accounts list. */
static bool read_account(const config_setting_t *g, int index, const char *file,
			 struct account *a)
{
	char path[96];
	snprintf(path, sizeof path, "accounts[%d]", index);
	if (!config_setting_is_group(g)) {
		bad_key(g, path, file, "must be a group { name = \"...\"; ... }");
		return false;
	}
	bool ok = true;
	for (int j = 0; j < config_setting_length(g); j++) {
		const config_setting_t *st = config_setting_get_elem(g, (unsigned)j);
		const char *key = config_setting_name(st);
		char kpath[160];
		snprintf(kpath, sizeof kpath, "%s.%s", path, key);
		size_t k = 0;
		while (k < ACCOUNT_KEY_COUNT && strcmp(key, account_keys[k].name) != 0)
			k++;
		if (k == ACCOUNT_KEY_COUNT) {
			bad_key(st, kpath, file, "unknown key");
			ok = false;
		} else if (!(types[account_keys[k].type].accepts & TYPE_BIT(config_setting_type(st)))) {
			bad_key(st, kpath, file, types[account_keys[k].type].why);
			ok = false;
		} else if (account_keys[k].set) {
			ok = account_keys[k].set(st, kpath, file, a) && ok;
		} else {
			char **dst = (char **)(void *)((char *)a + account_keys[k].offset);
			ok = dup_into(dst, config_setting_get_string(st)) && ok;
		}
	}
	if (!ok)
		return false;
	if (!a->name || !account_name_is_valid(a->name)) {
		bad_key(g, path, file, "needs a name of 1 to 64 letters, digits and _.-");
		return false;
	}
	if (!a->token_file == !a->token_env) {
		bad_key(g, path, file, "needs exactly one of token_file and token_env");
		return false;
	}
	return true;
}

/* accounts = ( { name = ...; token_file = ...; discover = ...; ids = [...]; }, ... ); */
static bool read_accounts(const config_setting_t *list, const char *path, const char *file,
			  struct settings *s)
{
	if (config_setting_type(list) != CONFIG_TYPE_LIST || config_setting_length(list) == 0) {
		bad_key(list, path, file, "must be a non-empty list ( { ... }, ... )");
		return false;
	}
	if (s->simple.token_file || s->simple.id_count > 0 || s->simple.discover_set) {
		bad_key(list, path, file,
			"with accounts, set token_file, discover and ids in each account, not in api and clusters");
		return false;
	}
	size_t n = (size_t)config_setting_length(list);
	s->accounts = calloc(n, sizeof *s->accounts);
	if (!s->accounts)
		return false;
	s->named_accounts = true;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct account *a = &s->accounts[s->account_count++];
		a->line = config_setting_source_line(g);
		if (!read_account(g, (int)i, file, a))
			return false;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(s->accounts[j].name, a->name) == 0) {
				bad_key(g, "accounts", file, "two accounts have the same name");
				return false;
			}
		}
	}
	return true;
}

bool settings_parse_listen_address(const char *addr, char *host, size_t host_size,
				   unsigned *port)
{
	const char *colon;
	const char *h = addr;
	size_t hlen;
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');
		if (!close || close[1] != ':')
			return false;
		h = addr + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return false;
		hlen = (size_t)(colon - addr);
		if (memchr(addr, ':', hlen))
			return false; /* a bare IPv6 address needs [] */
	}
	if (hlen >= host_size)
		return false;
	unsigned long p = 0;
	const char *q = colon + 1;
	if (*q == '\0')
		return false;
	for (; *q; q++) {
		if (!isdigit((unsigned char)*q))
			return false;
		p = p * 10 + (unsigned long)(*q - '0');
		if (p > 65535)
			return false;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (unsigned)p;
	return true;
}

/* The token file: the token is its first line (a trailing CR or blanks
 * are dropped); the whole file is at most TOKEN_MAX bytes. Lines after
 * the first are ignored, with a warning when they hold anything: a file
 * with more in it may not be the one meant. */
static bool read_token_file(const char *path, char **out)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		log_error("cannot read the token file", "file", path, "err", strerror(errno));
		return false;
	}
	char *buf = calloc(1, TOKEN_MAX + 2);
	if (!buf) {
		fclose(f);
		return false;
	}
	size_t n = fread(buf, 1, TOKEN_MAX + 1, f);
	fclose(f);
	if (n > TOKEN_MAX) {
		log_error("the token file is too large to hold a token", "file", path);
		secret_wipe(buf, TOKEN_MAX + 2);
		free(buf);
		return false;
	}
	char *nl = memchr(buf, '\n', n);
	if (nl) {
		bool more = false;
		for (const char *q = nl + 1; q < buf + n; q++)
			more = more || !isspace((unsigned char)*q);
		if (more)
			log_warn("the token file has more than one line; only the first is read",
				 "file", path);
		secret_wipe(nl, (size_t)(buf + n - nl));
		n = (size_t)(nl - buf);
	}
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	*out = buf;
	return true;
}

/* A token goes into an HTTP header: printable ASCII without spaces only. */
static bool token_is_valid(const char *t)
{
	if (*t == '\0')
		return false;
	for (; *t; t++)
		if (*t <= 0x20 || *t >= 0x7f)
			return false;
	return true;
}

/* The token of environment variable name into *out: from the
 * environment, or else, on a reload, from the running settings, where a
 * token read from that variable stays after settings_scrub_environment
 * removed it. 1 found, 0 not, -1 out of memory. */
static int token_from_env(const char *name, const struct settings *running, char **out)
{
	const char *v = getenv(name);
	for (size_t i = 0; (!v || !*v) && running && i < running->account_count; i++) {
		const struct account *r = &running->accounts[i];
		if (r->taken_env && r->token && strcmp(r->taken_env, name) == 0)
			v = r->token;
	}
	if (!v || !*v)
		return 0;
	return dup_into(out, v) ? 1 : -1;
}

static bool load_token(struct account *a, const char *file, const struct settings *running)
{
	const char *line = LOG_INT(a->line);
	const char *source = NULL;
	if (a->token_file) {
		if (!read_token_file(a->token_file, &a->token))
			return false;
		source = a->token_file;
	} else if (a->token_env) {
		int got = token_from_env(a->token_env, running, &a->token);
		if (got < 0)
			return false;
		if (got > 0)
			a->taken_env = a->token_env;
		source = a->token_env;
		if (!a->token) {
			log_error("invalid configuration", "file", file, "line", line, "key", "accounts",
				  "account", a->name, "token_env", a->token_env,
				  "err", "that environment variable holds no token");
			return false;
		}
	} else {
		static const char *const vars[] = { "DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN" };
		for (size_t i = 0; i < 2 && !a->token; i++) {
			int got = token_from_env(vars[i], running, &a->token);
			if (got < 0)
				return false;
			if (got > 0)
				source = a->taken_env = vars[i];
		}
		/* systemd's LoadCredential=digitalocean_token:... */
		const char *creds = getenv("CREDENTIALS_DIRECTORY");
		if (!a->token && creds && *creds) {
			char path[4096];
			snprintf(path, sizeof path, "%s/digitalocean_token", creds);
			if (access(path, F_OK) == 0) {
				if (!read_token_file(path, &a->token))
					return false;
				source = "CREDENTIALS_DIRECTORY/digitalocean_token";
			}
		}
	}
	if (!a->token) {
		log_error("no API token: set DIGITALOCEAN_TOKEN (or DIGITALOCEAN_ACCESS_TOKEN), or api.token_file in the configuration, or give systemd's LoadCredential=digitalocean_token");
		return false;
	}
	if (!token_is_valid(a->token)) {
		log_error("the API token is empty or holds spaces or control characters",
			  "account", a->name[0] ? a->name : NULL, "source", source);
		return false;
	}
	return true;
}

static bool check_values(struct settings *s, const char *file)
{
	const char *where = file ? file : "(defaults)";
	for (size_t i = 0; i < s->account_count; i++) {
		struct account *a = &s->accounts[i];
		/* unset, discovery is on unless ids are listed */
		if (!a->discover_set)
			a->discover = a->id_count == 0;
		if (!a->discover && a->id_count == 0) {
			log_error("invalid configuration", "file", where, "line",
				  a->line ? LOG_INT(a->line) : NULL,
				  "key", s->named_accounts ? "accounts" : "clusters", "account",
				  a->name[0] ? a->name : NULL, "err",
				  s->named_accounts ?
					  "nothing to watch: set discover = true or list ids" :
					  "nothing to watch: set clusters.discover = true or list clusters.ids");
			return false;
		}
	}
	size_t len = strlen(s->api_url);
	while (len > 0 && s->api_url[len - 1] == '/')
		s->api_url[--len] = '\0';
	struct url_origin o;
	if (!url_parse_origin(s->api_url, &o) || o.rest[0] != '\0') {
		log_error("invalid configuration", "file", where, "key", "api.url",
			  "err", "must be http(s)://host[:port] with no path");
		return false;
	}
	if (!o.https && !url_host_is_loopback(o.host)) {
		log_error("invalid configuration", "file", where, "key", "api.url",
			  "err", "http:// is allowed only to a loopback host: the token must never cross a network in clear text");
		return false;
	}
	char host[256];
	unsigned port;
	if (!settings_parse_listen_address(s->listen_address, host, sizeof host, &port)) {
		log_error("invalid listen address", "address", s->listen_address,
			  "err", "must be host:port, :port or [v6]:port");
		return false;
	}
	const char *tp = s->telemetry_path;
	if (tp[0] != '/' || strcmp(tp, "/") == 0 || strncmp(tp, "/-/", 3) == 0 ||
	    strspn(tp, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.~-") !=
		    strlen(tp)) {
		log_error("invalid telemetry path", "path", tp,
			  "err", "must start with '/', use only letters, digits and /_.~-, and be neither '/' nor under '/-/'");
		return false;
	}
	if (s->poll_interval < 60 && !url_host_is_loopback(o.host)) {
		log_warn("poll.interval is below 60 s against the real API: every cycle spends the token's shared budget",
			 "interval", LOG_INT(s->poll_interval));
	}
	return true;
}

static void warn_if_readable(const char *path, const char *what)
{
	struct stat st;
	if (path && stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
		log_warn("a file holding a secret can be read by group or others; chmod 600 it",
			 "file", path, "what", what);
}

/* Every key that has a default gets it, from the table's text. */
static enum err apply_defaults(struct settings *s)
{
	for (size_t i = 0; i < KEY_COUNT; i++) {
		enum err rc = keys[i].fallback ? set_text(&keys[i], keys[i].fallback, s) : ERR_OK;
		if (rc == ERR_CONFIG)
			log_error("a default does not fit its own key", "key", keys[i].path);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static enum err read_keys(const config_t *cfg, const char *path, struct settings *s)
{
	if (!dup_into(&s->config_path, path))
		return ERR_NOMEM;
	if (!check_known(cfg, path))
		return ERR_CONFIG;
	for (size_t i = 0; i < KEY_COUNT; i++)
		if (!read_key(cfg, path, &keys[i], s))
			return ERR_CONFIG;
	return ERR_OK;
}

/* The file given, else the default path, which alone may be missing:
 * then the defaults apply. */
static enum err read_file(const char *given, struct settings *s)
{
	const char *path = given ? given : SETTINGS_DEFAULT_PATH;
	enum err rc = ERR_CONFIG;
	config_t cfg;
	config_init(&cfg);
	if (config_read_file(&cfg, path) == CONFIG_TRUE) {
		rc = read_keys(&cfg, path, s);
	} else if (config_error_type(&cfg) != CONFIG_ERR_FILE_IO) {
		log_error("configuration syntax error", "file",
			  config_error_file(&cfg) ? config_error_file(&cfg) : path, "line",
			  LOG_INT(config_error_line(&cfg)),
			  "err", config_error_text(&cfg));
	} else if (given) {
		log_error("cannot read the configuration file", "file", path, "err", strerror(errno));
	} else {
		log_info("no configuration file; using defaults", "file", path);
		rc = ERR_OK;
	}
	config_destroy(&cfg);
	return rc;
}

/* The flags win over the file. */
static enum err apply_flags(const struct settings_flags *flags, struct settings *s)
{
	for (size_t i = 0; i < sizeof flag_keys / sizeof flag_keys[0]; i++) {
		const char *text = *(const char *const *)(const void *)((const char *)flags +
									flag_keys[i].offset);
		const struct key *k = find_key(flag_keys[i].key);
		enum err rc = text ? set_text(k, text, s) : ERR_OK;
		if (rc == ERR_CONFIG) {
			char range[48];
			snprintf(range, sizeof range, "a whole number from %ld to %ld", (long)k->min,
				 (long)k->max);
			log_error("invalid flag", "flag", flag_keys[i].flag, "value", text, "err", range);
		}
		if (rc != ERR_OK)
			return rc;
	}
	if (s->shard_index >= s->shard_count) {
		log_error("invalid configuration", "key", "shard.index", "index",
			  LOG_INT(s->shard_index), "count", LOG_INT(s->shard_count),
			  "err", "must be below shard.count (0 .. count-1)");
		return ERR_CONFIG;
	}
	if (flags->web_config_file && !dup_into(&s->web_config_file, flags->web_config_file))
		return ERR_NOMEM;
	return ERR_OK;
}

/* Without an accounts list, one account made of api.token_file and
 * clusters.*. */
static enum err make_simple_account(struct settings *s)
{
	if (s->named_accounts)
		return ERR_OK;
	s->accounts = calloc(1, sizeof *s->accounts);
	if (!s->accounts || !dup_into(&s->simple.name, ""))
		return ERR_NOMEM;
	s->accounts[0] = s->simple;
	s->simple = (struct account){ 0 }; /* moved: accounts[0] owns it now */
	s->account_count = 1;
	return ERR_OK;
}

static enum err load_tokens(struct settings *s, const struct settings *running)
{
	for (size_t i = 0; i < s->account_count; i++) {
		if (!load_token(&s->accounts[i], s->config_path ? s->config_path : "(defaults)",
				running))
			return ERR_CONFIG;
		warn_if_readable(s->accounts[i].token_file,
				 s->named_accounts ? "accounts[].token_file" : "api.token_file");
	}
	return ERR_OK;
}

enum err settings_load(const struct settings_flags *flags, struct settings **out)
{
	return settings_reload(flags, NULL, out);
}

enum err settings_reload(const struct settings_flags *flags, const struct settings *running,
			 struct settings **out)
{
	struct settings *s = calloc(1, sizeof *s);
	if (!s)
		return ERR_NOMEM;
	enum err rc = apply_defaults(s);
	if (rc == ERR_OK)
		rc = read_file(flags->config_file, s);
	if (rc == ERR_OK)
		rc = apply_flags(flags, s);
	if (rc == ERR_OK)
		rc = make_simple_account(s);
	if (rc == ERR_OK && !check_values(s, s->config_path))
		rc = ERR_CONFIG;
	if (rc == ERR_OK)
		rc = load_tokens(s, running);
	if (rc == ERR_OK) {
		*out = s;
		s = NULL;
	}
	settings_free(s);
	return rc;
}

void settings_free(struct settings *s)
{
	if (!s)
		return;
	account_cleanup(&s->simple);
	for (size_t i = 0; i < s->account_count; i++)
		account_cleanup(&s->accounts[i]);
	free(s->accounts);
	free(s->state_file);
	free(s->support_timeline_file);
	free(s->config_path);
	free(s->api_url);
	free(s->listen_address);
	free(s->telemetry_path);
	free(s->web_config_file);
	free(s);
}

void settings_scrub_environment(const struct settings *s)
{
	for (size_t i = 0; i < s->account_count; i++) {
		const char *name = s->accounts[i].taken_env;
		char *v = name ? getenv(name) : NULL;
		if (!v)
			continue;
		/* /proc/PID/environ shows the block the process was started
		 * with, where unsetenv leaves the bytes as they were: the
		 * value is overwritten, then the whole "NAME=" once the
		 * variable is out of environ (the strings stay allocated) */
		size_t nlen = strlen(name);
		char *entry = v - nlen - 1;
		secret_wipe(v, strlen(v));
		unsetenv(name);
		if (strncmp(entry, name, nlen) == 0 && entry[nlen] == '=')
			secret_wipe(entry, nlen + 1);
	}
}

const char *settings_config_path(const struct settings *s) { return s->config_path; }
const char *settings_api_url(const struct settings *s) { return s->api_url; }
double settings_api_timeout(const struct settings *s) { return s->api_timeout; }
size_t settings_max_response_bytes(const struct settings *s) { return (size_t)s->max_response_bytes; }
double settings_max_requests_per_minute(const struct settings *s) { return s->max_requests_per_minute; }
double settings_hourly_budget_fraction(const struct settings *s) { return s->hourly_budget_fraction; }
long settings_max_parallel(const struct settings *s) { return s->max_parallel; }
long settings_retries(const struct settings *s) { return s->retries; }
size_t settings_account_count(const struct settings *s) { return s->account_count; }
bool settings_named_accounts(const struct settings *s) { return s->named_accounts; }
const char *settings_account_name(const struct settings *s, size_t a) { return s->accounts[a].name; }
const char *settings_account_token(const struct settings *s, size_t a) { return s->accounts[a].token; }
bool settings_account_discover(const struct settings *s, size_t a) { return s->accounts[a].discover; }
size_t settings_account_id_count(const struct settings *s, size_t a) { return s->accounts[a].id_count; }
const char *settings_account_id(const struct settings *s, size_t a, size_t i) { return s->accounts[a].ids[i]; }
const char *settings_state_file(const struct settings *s) { return s->state_file && s->state_file[0] ? s->state_file : NULL; }
long settings_options_interval(const struct settings *s) { return s->options_interval; }
const char *settings_support_timeline_file(const struct settings *s)
{
	return s->support_timeline_file && s->support_timeline_file[0] ? s->support_timeline_file : NULL;
}
long settings_poll_interval(const struct settings *s) { return s->poll_interval; }
long settings_credentials_interval(const struct settings *s) { return s->credentials_interval; }
long settings_upgrades_interval(const struct settings *s) { return s->upgrades_interval; }
long settings_credentials_expiry_seconds(const struct settings *s) { return s->credentials_expiry_seconds; }
long settings_clusterlint_interval(const struct settings *s) { return s->clusterlint_interval; }
long settings_status_messages_interval(const struct settings *s) { return s->status_messages_interval; }
long settings_associated_resources_interval(const struct settings *s) { return s->associated_resources_interval; }
const char *settings_listen_address(const struct settings *s) { return s->listen_address; }
const char *settings_telemetry_path(const struct settings *s) { return s->telemetry_path; }
const char *settings_web_config_file(const struct settings *s) { return s->web_config_file; }
double settings_request_timeout(const struct settings *s) { return s->request_timeout; }
long settings_max_connections_per_address(const struct settings *s) { return s->max_connections_per_address; }
long settings_shard_index(const struct settings *s) { return s->shard_index; }
long settings_shard_count(const struct settings *s) { return s->shard_count; }

bool settings_key_doc(size_t i, struct settings_key_doc *out)
{
	if (i >= KEY_COUNT)
		return false;
	const struct key *k = &keys[i];
	*out = (struct settings_key_doc){
		.path = k->path,
		.fallback = k->fallback ? k->fallback : k->absent ? k->absent : "unset",
		.help = k->help,
		.ranged = k->type == KEY_INT || k->type == KEY_NUMBER,
		.min = k->min,
		.max = k->max,
	};
	return true;
}

const char *settings_key_fallback(const char *path)
{
	const struct key *k = find_key(path);
	struct settings_key_doc d;
	return k && settings_key_doc((size_t)(k - keys), &d) ? d.fallback : NULL;
}

/* FNV-1a, 64 bits: stable across versions and machines, so a cluster
 * stays on its replica while the shard count stays the same. */
bool settings_in_shard(const struct settings *s, const char *cluster_id)
{
	if (s->shard_count <= 1)
		return true;
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)cluster_id; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h % (uint64_t)s->shard_count == (uint64_t)s->shard_index;
}
