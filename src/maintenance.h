/* maintenance.h - a cluster's maintenance window: the policy the API
 * returns ("day" any or a weekday, "start_time" HH:MM UTC, "duration" like
 * "4h0m0s") and the start of the window in progress or the next one.
 * Pure: the caller passes the time.
 */
#ifndef DOKS_MAINTENANCE_H
#define DOKS_MAINTENANCE_H

#include <stdbool.h>

#define MAINTENANCE_ANY_DAY 7
/* DOKS windows last four hours; used when the API leaves duration out. */
#define MAINTENANCE_DEFAULT_DURATION (4L * 3600)

struct maintenance_policy {
	int day;            /* 0 Sunday .. 6 Saturday, or MAINTENANCE_ANY_DAY */
	int start_minute;   /* minutes after 00:00 UTC */
	long duration;      /* seconds, > 0 */
	char day_name[10];  /* "any", "monday", ...: lower case, for labels */
	char start_time[6]; /* "HH:MM" */
};

/* day in any letter case; duration may be NULL (the default applies).
 * False when anything is malformed; *out untouched then. */
bool maintenance_parse(const char *day, const char *start_time, const char *duration,
		       struct maintenance_policy *out);

/* A Go duration as the API writes it: "4h0m0s", "90m", "1h30m", "45s".
 * False for anything else, a zero duration, or over a week. */
bool maintenance_parse_duration(const char *s, long *seconds);

/* Unix seconds of the start of the window in progress at now, or else of
 * the next one. */
double maintenance_next_window(const struct maintenance_policy *p, double now);

#endif
