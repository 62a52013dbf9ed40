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

/* What the poller knows of one cluster between cycles: the last good
 * answer of each endpoint, and how the latest attempt went. Written by the
 * poller thread only; metrics.c reads it on that thread. */
struct poll_status {
	bool attempted;       /* a request was made in some cycle */
	bool success;         /* the latest attempt succeeded */
	double last_success;  /* Unix seconds; 0 when never */
};

enum poll_endpoint { POLL_CLUSTER, POLL_UPGRADES, POLL_CREDENTIALS, POLL_COUNT };

struct cluster_record {
	struct cluster cluster;   /* id always set; the rest once have_cluster */
	bool have_cluster;
	struct upgrades upgrades;
	bool have_upgrades;
	struct credentials credentials;
	bool have_credentials;
	double credentials_due;   /* Unix seconds when /credentials is next due */
	struct poll_status poll[POLL_COUNT];
};

void cluster_record_cleanup(struct cluster_record *r);

#endif
