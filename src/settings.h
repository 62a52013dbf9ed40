/* settings.h - the configuration file and flags, checked once, read-only
 * afterwards.
 *
 * settings_load logs what was wrong, naming the file and line, and returns
 * ERR_CONFIG; the caller exits with status 2. The token is the one secret
 * held here: settings_free wipes it.
 */
#ifndef DOKS_SETTINGS_H
#define DOKS_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define SETTINGS_DEFAULT_PATH "/etc/doks_exporter/doks_exporter.conf"

/* Values given on the command line; NULL when not given. They win over
 * the file. */
struct settings_flags {
	const char *config_file;
	const char *listen_address;
	const char *telemetry_path;
	const char *web_config_file; /* --web.config.file; read by webconfig.c */
	const char *shard_index;     /* --shard.index */
	const char *shard_count;     /* --shard.count */
};

struct settings;

/* *out is owned (settings_free). */
enum err settings_load(const struct settings_flags *flags, struct settings **out);
/* settings_load for a reload: a token whose environment variable
 * settings_scrub_environment removed is taken from running (borrowed)
 * instead. */
enum err settings_reload(const struct settings_flags *flags, const struct settings *running,
			 struct settings **out);
void settings_free(struct settings *s);

/* Overwrites the value of each environment variable a token of s was
 * read from, then removes the variable: nothing else in the process
 * reads it, and /proc/PID/environ would show it to whoever may read
 * that file. Call before any other thread runs: the environment is not
 * thread-safe. */
void settings_scrub_environment(const struct settings *s);

const char *settings_config_path(const struct settings *s); /* NULL: defaults only */
const char *settings_api_url(const struct settings *s);     /* no trailing '/' */
double settings_api_timeout(const struct settings *s);      /* seconds */
size_t settings_max_response_bytes(const struct settings *s);
double settings_max_requests_per_minute(const struct settings *s); /* 0: no pacing */
double settings_hourly_budget_fraction(const struct settings *s);
long settings_max_parallel(const struct settings *s);               /* transfers at once */
long settings_retries(const struct settings *s);                    /* after the first try */
/* Accounts: each a token and the clusters it watches. A file without an
 * accounts list has one, named "", made of api.token_file (or the
 * environment) and clusters.*; its series carry no account label. */
size_t settings_account_count(const struct settings *s); /* >= 1 */
bool settings_named_accounts(const struct settings *s);  /* an accounts list was given */
const char *settings_account_name(const struct settings *s, size_t a);
const char *settings_account_token(const struct settings *s, size_t a); /* secret: never log */
bool settings_account_discover(const struct settings *s, size_t a);
size_t settings_account_id_count(const struct settings *s, size_t a);
const char *settings_account_id(const struct settings *s, size_t a, size_t i);
const char *settings_state_file(const struct settings *s);   /* NULL: memory only */
long settings_options_interval(const struct settings *s);    /* seconds; 0: off */
/* support.timeline_file; NULL: the table shipped with the binary */
const char *settings_support_timeline_file(const struct settings *s);

/* Replicas split the clusters: this one watches those whose id hashes to
 * shard.index of shard.count (0 of 1: all of them). */
long settings_shard_index(const struct settings *s);
long settings_shard_count(const struct settings *s);
bool settings_in_shard(const struct settings *s, const char *cluster_id);
long settings_poll_interval(const struct settings *s);            /* seconds, >= 1 */
long settings_credentials_interval(const struct settings *s);     /* seconds; 0: off */
/* the longest an /upgrades answer is kept before it is read again, when
 * no change signal asks for it sooner; seconds, >= 60 */
long settings_upgrades_interval(const struct settings *s);
long settings_credentials_expiry_seconds(const struct settings *s);
/* the readiness endpoints (endpoints/): seconds between reads; 0: off */
long settings_clusterlint_interval(const struct settings *s);
long settings_status_messages_interval(const struct settings *s);
long settings_associated_resources_interval(const struct settings *s);
const char *settings_listen_address(const struct settings *s);
const char *settings_telemetry_path(const struct settings *s);
const char *settings_web_config_file(const struct settings *s); /* NULL: none */
/* Seconds a request may take, from the connection's start or the end of
 * its previous answer until its answer is sent. */
double settings_request_timeout(const struct settings *s);
long settings_max_connections_per_address(const struct settings *s);

/* The keys of the configuration file, for --help and the README's
 * table; every string is static. */
struct settings_key_doc {
	const char *path;     /* "poll.interval" */
	const char *fallback; /* the default as written in the file ("300"), or
			       * what holds when the key is absent ("unset") */
	const char *help;     /* one line */
	bool ranged;          /* a number within [min, max] */
	double min, max;
};
/* The i-th key into *out; false past the last. */
bool settings_key_doc(size_t i, struct settings_key_doc *out);
/* fallback of the key at path, as above; NULL for no such key. */
const char *settings_key_fallback(const char *path);

/* Splits "host:port", ":port" or "[v6]:port". host gets "" for any
 * address; false when malformed. */
bool settings_parse_listen_address(const char *addr, char *host, size_t host_size,
				   unsigned *port);

#endif
