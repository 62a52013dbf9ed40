/* timeline.h - DigitalOcean's end-of-support table for DOKS minor releases
 * (config/support-timeline.json), and when a cluster left on a release is
 * upgraded by force.
 *
 * The API has no field for these dates: they come from the docs page's
 * table, carried as data that users extend when a new minor release
 * appears. timeline_load runs once, on whichever thread loads the
 * configuration; the loaded timeline is read-only, so any thread may query
 * it. Pure apart from reading the file in timeline_load: no clock, no
 * network. Times are Unix seconds; a date means 00:00 UTC that day.
 */
#ifndef DOKS_TIMELINE_H
#define DOKS_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "maintenance.h"

/* The shipped table's place relative to the installed binary's folder
 * (PREFIX/bin -> PREFIX/share/doks_exporter), as `make install` puts it. */
#define TIMELINE_SHIPPED_RELATIVE "share/doks_exporter/support-timeline.json"
/* The name the copy built into the binary goes by in messages. */
#define TIMELINE_BUILTIN_NAME "(built in) config/support-timeline.json"
/* The file is refused above this size. */
#define TIMELINE_FILE_MAX ((size_t)1 << 20)
/* "Upgrades begin" for a release the table does not list: this many days
 * after the exporter first saw it missing from /v2/kubernetes/options, the
 * delay DigitalOcean's page states. */
#define TIMELINE_UNLISTED_GRACE_DAYS 30
/* Room for a release "MAJOR.MINOR" (each at most 5 digits) and its NUL. */
#define TIMELINE_RELEASE_SIZE 12

struct timeline;

/* Reads and checks the file at path (borrowed):
 *
 *   { "taken": "2025-11-19",            the day the table was copied
 *     "source": "https://...",          optional: where it was copied from
 *     "releases": [ { "release": "1.31", "end_of_support": "2025-10-28",
 *                     "upgrades_begin": "2025-11-27" }, ... ] }
 *
 * JSON only: objects, arrays and strings as JSON writes them (read with
 * libyaml, which knows each value's line). Every key is required except
 * "source", none other is allowed; dates are real YYYY-MM-DD dates of the
 * years 2000 to 2199; a release is "MAJOR.MINOR" without leading zeros,
 * listed once, with upgrades_begin on or after end_of_support; the list
 * is not empty. "taken" may lie in the future: this function reads no
 * clock, and the caller, which does, judges the table's age.
 *
 * Every fault is logged once, with the file and the line of the value at
 * fault. *out is owned (timeline_free) and untouched on failure. Returns
 * ERR_CONFIG for a bad or oversized file, ERR_IO when it cannot be read,
 * ERR_NOMEM. */
enum err timeline_load(const char *path, struct timeline **out);

/* timeline_load on text held in memory (len bytes, NUL-terminated;
 * borrowed); name stands for the file in messages. */
enum err timeline_load_text(const char *name, const char *text, size_t len,
			    struct timeline **out);

/* The table the exporter runs with: path (borrowed) when the
 * configuration names one (support.timeline_file); else the shipped one,
 * i.e. <folder of the running binary>/../TIMELINE_SHIPPED_RELATIVE when
 * that file exists (an installed tree), else the copy of
 * config/support-timeline.json built into the binary (a build in the
 * source tree). A bad or unreadable file is an error, logged with the
 * file and line, as timeline_load; success logs the file, the number of
 * releases and the "taken" date once at info. *out is owned. */
enum err timeline_load_configured(const char *path, struct timeline **out);

/* 00:00 UTC on the "taken" date. */
double timeline_taken(const struct timeline *t);

/* The "source" URL (borrowed, as long as t), or NULL when the file has
 * none. */
const char *timeline_source(const struct timeline *t);

/* The rows in the order of the file, for one series per release. */
size_t timeline_count(const struct timeline *t);

/* Row i < timeline_count(t): *release is borrowed (as long as t); any
 * output may be NULL. False, outputs untouched, when i is out of range. */
bool timeline_row(const struct timeline *t, size_t i, const char **release,
		  double *end_of_support, double *upgrades_begin);

/* The row of minor ("1.31", borrowed). False, outputs untouched, when the
 * table does not list it; either output may be NULL. */
bool timeline_find(const struct timeline *t, const char *minor, double *end_of_support,
		   double *upgrades_begin);

/* The minor release of a version slug: "1.31.1-do.0" -> "1.31" into buf
 * (size bytes, TIMELINE_RELEASE_SIZE is enough). The slug must start with
 * "MAJOR.MINOR." and a digit, each number without a sign or leading
 * zeros, at most 5 digits. False, buf untouched, otherwise or when buf is
 * too small. */
bool timeline_minor_of(const char *version_slug, char *buf, size_t size);

/* "Upgrades begin" for a release the table does not list, seen missing
 * from /options since unsupported_since. An estimate: the release may have
 * left support before the exporter first looked. */
double timeline_unlisted_upgrades_begin(double unsupported_since);

/* The earliest start of a forced upgrade: the start of the first
 * maintenance window that starts on or after upgrades_begin (a window
 * already in progress then does not count). window is borrowed; NULL
 * means the cluster's policy is not known, and the answer is then
 * upgrades_begin itself, the earliest any window could start. False,
 * *out untouched, for a time before 1970, after the year 9999 or not a
 * number, or for a policy maintenance_parse would not give. */
bool timeline_forced_upgrade_earliest(double upgrades_begin,
				      const struct maintenance_policy *window, double *out);

/* Accepts NULL. */
void timeline_free(struct timeline *t);

#endif
