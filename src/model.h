/* model.h - plain data decoded from one API answer.
 *
 * The decoders (decode.c) fill these; the poller keeps them per cluster
 * and metrics.c reads them. Strings are owned by the struct and freed by
 * its _cleanup function. Nothing here ever holds a secret: credentials
 * are reduced to their kind and expiry while they are decoded.
 */
#ifndef DOKS_MODEL_H
#define DOKS_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "maintenance.h"

#define STATUS_MESSAGES_RECENT 5
#define UPGRADE_HISTORY_MAX 20

/* The cluster states the API documents, plus UNKNOWN for anything else
 * (godo sends "" for example). Order is the export order. */
#define CLUSTER_STATE_LIST(X)                                               \
	X(RUNNING, "running") X(PROVISIONING, "provisioning")               \
	X(DEGRADED, "degraded") X(ERROR, "error") X(DELETED, "deleted")     \
	X(UPGRADING, "upgrading") X(DELETING, "deleting") X(UNKNOWN, "unknown")

enum cluster_state {
#define STATE_ENUM(name, str) CLUSTER_STATE_##name,
	CLUSTER_STATE_LIST(STATE_ENUM)
#undef STATE_ENUM
	CLUSTER_STATE_COUNT
};

const char *cluster_state_name(enum cluster_state s);
enum cluster_state cluster_state_parse(const char *s);

struct cluster {
	char *id;
	char *name;
	char *region;
	char *version; /* the version slug, e.g. 1.29.1-do.0 */
	enum cluster_state state;
	bool auto_upgrade;
	bool surge_upgrade;
	bool ha;
	long node_pools;
	long nodes; /* sum of the pools' count */
	bool have_maintenance; /* false for a null or absent policy */
	struct maintenance_policy maintenance;
};

void cluster_cleanup(struct cluster *c);
/* Cleans up each of the n clusters of the owned array a, then frees it;
 * a is taken. NULL is accepted (with n 0). */
void cluster_array_free(struct cluster *a, size_t n);

/* A cluster id safe to put in a URL path: 1 to 64 of [0-9A-Za-z-]. The
 * decoders refuse a cluster whose id is not, and the settings an account
 * id that is not, so that no id ever needs escaping. id is borrowed. */
bool cluster_id_is_valid(const char *id);

/* An offered version against the cluster's: the same minor, a newer
 * minor, or a slug that does not read as a version. */
#define UPGRADE_KIND_LIST(X) X(PATCH, "patch") X(MINOR, "minor") X(UNKNOWN, "unknown")

enum upgrade_kind {
#define KIND_ENUM(name, str) UPGRADE_KIND_##name,
	UPGRADE_KIND_LIST(KIND_ENUM)
#undef KIND_ENUM
};

#define UPGRADE_KIND_COUNT 3

const char *upgrade_kind_name(enum upgrade_kind k);

/* Classifies offered against current (both version slugs). */
enum upgrade_kind upgrade_kind_of(const char *current, const char *offered);

struct upgrade_version {
	char *slug;
	char *kubernetes_version;
	enum upgrade_kind kind; /* set by the poller */
	double first_seen;      /* Unix seconds; set by the poller from the state */
};

struct upgrades {
	struct upgrade_version *versions;
	size_t count;
	double pending_since; /* Unix seconds, when count > 0; set by the poller */
};

void upgrades_cleanup(struct upgrades *u);

enum credentials_kind { CREDENTIALS_NONE, CREDENTIALS_TOKEN, CREDENTIALS_CERTIFICATE };

/* All that survives of a /credentials answer: no token, key or
 * certificate body, only kinds and expiry times. */
struct credentials {
	enum credentials_kind kind;
	bool has_expiry;
	double expires_at; /* Unix seconds, with the fraction */
	bool has_ca_expiry;
	double ca_expires_at; /* notAfter of certificate_authority_data */
	bool has_client_expiry;
	double client_expires_at; /* notAfter of client_certificate_data */
	bool unreadable_certificate; /* a certificate was sent but not X.509 */
};

/* ---- upgrade readiness ----------------------------------------------------
 * Written by the poller thread (endpoints/, the support timeline, the
 * state file); read by metrics.c, the status page and --check. */

/* Clusterlint's severities, as the API names them; order is the export
 * order of doks_cluster_clusterlint_diagnostics. */
#define CLUSTERLINT_SEVERITY_LIST(X) \
	X(ERROR, "error") X(WARNING, "warning") X(SUGGESTION, "suggestion")

enum clusterlint_severity {
#define SEVERITY_ENUM(name, str) CLUSTERLINT_##name,
	CLUSTERLINT_SEVERITY_LIST(SEVERITY_ENUM)
#undef SEVERITY_ENUM
	CLUSTERLINT_SEVERITY_COUNT
};

const char *clusterlint_severity_name(enum clusterlint_severity s);
/* false for anything that is not one of the names */
bool clusterlint_severity_parse(const char *s, enum clusterlint_severity *out);

/* One check of a run with its findings of one severity: what the metric's
 * check_name label and value come from. The decoder gives every check
 * seen in the run one entry per severity, 0 included, so that each
 * severity has a series for it. */
struct clusterlint_check {
	char *check_name; /* owned */
	enum clusterlint_severity severity;
	long count;
};

/* One finding, for --check --output json and the status page only: the
 * object's name and the message name workloads, so they never become
 * labels. */
struct clusterlint_finding {
	char *check_name; /* owned */
	enum clusterlint_severity severity;
	char *message;    /* owned */
	char *object_kind, *object_namespace, *object_name; /* owned; may be NULL */
};

/* The latest clusterlint run. linted false: the cluster has never been
 * linted (the API answered 404 for a cluster it lists), which is not an
 * error; nothing else here is set then. */
struct clusterlint {
	bool linted;
	double completed_at;  /* Unix seconds; 0 while the run has not completed */
	long counts[CLUSTERLINT_SEVERITY_COUNT];
	struct clusterlint_check *checks; /* owned; sorted by check_name, severity */
	size_t check_count;
	struct clusterlint_finding *findings; /* owned; at most CLUSTERLINT_FINDINGS_MAX */
	size_t finding_count;
	size_t findings_dropped; /* findings past the cap, or of a severity the spec
				  * does not name, counted only */
	size_t checks_dropped;   /* findings whose check name has no series: past
				  * CLUSTERLINT_CHECKS_MAX names, empty, or longer than
				  * CLUSTERLINT_NAME_MAX; they count in counts[] */
};

#define CLUSTERLINT_FINDINGS_MAX 100
/* Distinct check names a run may bring to labels: clusterlint has a few
 * dozen checks, so a body with more is not a real run. */
#define CLUSTERLINT_CHECKS_MAX 64
#define CLUSTERLINT_NAME_MAX 128

void clusterlint_cleanup(struct clusterlint *c);

/* One status message: its text goes to the log, --check and the status
 * page, never to a label. */
struct status_message {
	double timestamp; /* Unix seconds */
	char *message;    /* owned */
};

/* What the status messages have shown since the exporter started, and the
 * latest few. The cursor (the newest timestamp seen) is kept in the state
 * file so that a restart neither repeats nor loses messages. */
struct status_messages {
	unsigned long long total; /* messages seen: doks_cluster_status_messages_total */
	double last_timestamp;    /* the newest seen, Unix seconds; 0: none yet */
	struct status_message recent[STATUS_MESSAGES_RECENT]; /* newest first; owned */
	size_t recent_count;
};

void status_messages_cleanup(struct status_messages *m);

/* What deleting the cluster with its associated resources would take:
 * doks_cluster_associated_resources{kind}. */
#define RESOURCE_KIND_LIST(X) \
	X(LOAD_BALANCER, "load_balancer") X(VOLUME, "volume") X(VOLUME_SNAPSHOT, "volume_snapshot")

enum resource_kind {
#define RESOURCE_ENUM(name, str) RESOURCE_##name,
	RESOURCE_KIND_LIST(RESOURCE_ENUM)
#undef RESOURCE_ENUM
	RESOURCE_KIND_COUNT
};

const char *resource_kind_name(enum resource_kind k);

struct associated_resources {
	long counts[RESOURCE_KIND_COUNT];
};

/* One upgrade, seen from the list: the state entering and leaving
 * `upgrading`, and version_slug changing. */
struct upgrade_event {
	char *from, *to; /* owned version slugs; to NULL while in progress */
	enum upgrade_kind kind;
	double start;    /* Unix seconds */
	double end;      /* Unix seconds; 0 while in progress */
	enum cluster_state outcome; /* the state it ended in: RUNNING is success */
};

/* The last UPGRADE_HISTORY_MAX upgrades, oldest first, and how many of
 * each kind ended since the state file began (never capped). */
struct upgrade_history {
	struct upgrade_event events[UPGRADE_HISTORY_MAX]; /* owned */
	size_t count;
	unsigned long long ended[UPGRADE_KIND_COUNT];
};

void upgrade_history_cleanup(struct upgrade_history *h);

/* What DigitalOcean's support policy means for the cluster's release:
 * from the support timeline, else from /options. */
struct support {
	bool have_end_of_support;
	double end_of_support;          /* Unix seconds */
	bool have_forced_upgrade;
	double forced_upgrade_earliest; /* Unix seconds */
	bool unsupported;               /* the minor is missing from /options, or past end of support */
	double unsupported_since;       /* Unix seconds: first seen missing from /options; 0: never */
	bool listed;                    /* the timeline lists the cluster's minor release */
};

/* The readiness verdict of --check and the status page. */
#define READINESS_LIST(X) X(OK, "ok") X(ATTENTION, "attention") X(ACTION, "action")

enum readiness {
#define READINESS_ENUM(name, str) READINESS_##name,
	READINESS_LIST(READINESS_ENUM)
#undef READINESS_ENUM
	READINESS_COUNT
};

/* What the poller knows of one cluster between cycles: the last good
 * answer of each endpoint, and how the latest attempt went. Written by the
 * poller thread only; metrics.c reads it on that thread. */
struct poll_status {
	bool attempted;       /* a request was made in some cycle */
	bool success;         /* the latest attempt succeeded */
	double last_success;  /* Unix seconds; 0 when never */
};

enum poll_endpoint {
	POLL_CLUSTER,
	POLL_UPGRADES,
	POLL_CREDENTIALS,
	POLL_CLUSTERLINT,
	POLL_STATUS_MESSAGES,
	POLL_ASSOCIATED_RESOURCES,
	POLL_COUNT
};

struct cluster_record {
	struct cluster cluster;   /* id always set; the rest once have_cluster */
	bool have_cluster;
	struct upgrades upgrades;
	bool have_upgrades;
	struct credentials credentials;
	bool have_credentials;
	double credentials_due;   /* Unix seconds when /credentials is next due */
	struct poll_status poll[POLL_COUNT];
	struct clusterlint clusterlint;
	bool have_clusterlint;     /* an answer (a run, or "never linted") arrived */
	struct status_messages status_messages;
	bool have_status_messages;
	struct associated_resources resources;
	bool have_resources;
	struct upgrade_history history; /* from the list and the state file */
	struct support support;   /* set at each publication */
};

void cluster_record_cleanup(struct cluster_record *r);

#endif
