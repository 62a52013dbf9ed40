/* report.h - the upgrade watcher's answer for people and machines
 * (doks_exporter --check): one row per cluster, as a table or as JSON, each
 * with its readiness verdict (readiness.h). The status page (statuspage.h)
 * shows the same table through report_header and report_cell.
 *
 * Pure apart from writing to the FILE it is given; called on the main
 * thread after one poll cycle, or on the poller thread by the status page.
 * Object names and messages of clusterlint, and status message texts, go
 * to the JSON document only (and the status page), never to a column.
 */
#ifndef DOKS_REPORT_H
#define DOKS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "model.h"

/* The version of the JSON document's shape (docs/check-schema.json): a
 * field removed or changed in meaning is a new version; a field added is
 * not. */
#define REPORT_SCHEMA_VERSION 1

/* The table's columns, in order; ACCOUNT is left out when accounts are
 * not named. */
#define REPORT_COLUMN_LIST(X)                                                              \
	X(ACCOUNT, "ACCOUNT") X(CLUSTER, "CLUSTER") X(ID, "ID") X(REGION, "REGION")         \
	X(VERSION, "VERSION") X(STATE, "STATE") X(UPGRADES, "UPGRADES")                     \
	X(PENDING_SINCE, "PENDING SINCE") X(NEXT_WINDOW, "NEXT WINDOW")                     \
	X(AUTO_UPGRADE, "AUTO-UPGRADE") X(SUPPORTED, "SUPPORTED") X(CA_EXPIRY, "CA EXPIRY") \
	X(END_OF_SUPPORT, "END OF SUPPORT") X(FORCED_UPGRADE, "FORCED UPGRADE")             \
	X(LINT, "LINT E/W/S") X(LINT_RUN, "LINT RUN") X(MESSAGES, "MESSAGES")               \
	X(LAST_MESSAGE, "LAST MESSAGE") X(RESOURCES, "LB/VOL/SNAP")                         \
	X(LAST_UPGRADE, "LAST UPGRADE") X(UPGRADE_END, "UPGRADE END")                       \
	X(UPGRADE_TOOK, "UPGRADE TOOK") X(OUTCOME, "OUTCOME") X(VERDICT, "VERDICT")         \
	X(REASONS, "REASONS")

enum report_column {
#define REPORT_COLUMN_ENUM(name, header) REPORT_COL_##name,
	REPORT_COLUMN_LIST(REPORT_COLUMN_ENUM)
#undef REPORT_COLUMN_ENUM
	REPORT_COLUMNS
};

struct report;

/* An empty report in *out (owned: report_free); ERR_NOMEM leaves *out
 * untouched. now: Unix seconds, for the maintenance window and the
 * verdicts. */
enum err report_new(double now, struct report **out);
/* The same for the table alone (the status page): report_write_json
 * answers ERR_NOMEM for it. Half the allocations of report_new. */
enum err report_new_table(double now, struct report **out);
void report_free(struct report *r);

/* Adds a cluster (borrowed: what the report needs is copied, so c may go
 * right after). account: NULL or "" when
 * accounts are not named. supported: 1, 0, or -1 when unknown. */
enum err report_add(struct report *r, const char *account, const struct cluster_record *c,
		    int supported);

/* Whether any cluster has an upgrade on offer. */
bool report_upgrade_pending(const struct report *r);

/* The worst verdict of all clusters; READINESS_OK for none. */
enum readiness report_worst(const struct report *r);

/* The rows, for the status page: how many, whether the account column is
 * shown, a header, a cell's text (borrowed from r, raw: the caller
 * escapes it for its medium) and a row's verdict. */
size_t report_count(const struct report *r);
bool report_has_accounts(const struct report *r);
const char *report_header(enum report_column col);
const char *report_cell(const struct report *r, size_t row, enum report_column col);
enum readiness report_verdict(const struct report *r, size_t row);

/* Writes the table (aligned columns, one cluster a line) or the JSON
 * document (schema REPORT_SCHEMA_VERSION); ERR_IO when the stream fails. */
enum err report_write_table(const struct report *r, FILE *out);
enum err report_write_json(const struct report *r, bool failed, FILE *out);

#endif
