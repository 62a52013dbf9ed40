/* report.h - the upgrade watcher's answer for people and machines
 * (doks_exporter --check): one row per cluster, as a table or as JSON.
 *
 * Pure apart from writing to the FILE it is given; called on the main
 * thread after one poll cycle.
 */
#ifndef DOKS_REPORT_H
#define DOKS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "model.h"

struct report;

/* An empty report in *out (owned: report_free); ERR_NOMEM leaves *out
 * untouched. now: Unix seconds, for the maintenance window. */
enum err report_new(double now, struct report **out);
void report_free(struct report *r);

/* Adds a cluster (borrowed: what the report needs is copied, so c may go
 * right after). account: NULL or "" when
 * accounts are not named. supported: 1, 0, or -1 when unknown. */
enum err report_add(struct report *r, const char *account, const struct cluster_record *c,
		    int supported);

/* Whether any cluster has an upgrade on offer. */
bool report_upgrade_pending(const struct report *r);

/* Writes the table (aligned columns, one cluster a line) or the JSON
 * document; ERR_IO when the stream fails. */
enum err report_write_table(const struct report *r, FILE *out);
enum err report_write_json(const struct report *r, bool failed, FILE *out);

#endif
