/* maintenance.c - see maintenance.h. */
#include "maintenance.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "civil.h"

/* The longest window a policy may declare. */
#define WEEK (7L * CIVIL_SECONDS_PER_DAY)

static const char *const day_names[] = { "sunday",   "monday", "tuesday", "wednesday",
					 "thursday", "friday", "saturday" };

bool maintenance_parse_duration(const char *s, long *seconds)
{
	long total = 0;
	const char *p = s;
	int parts = 0;
	char last_unit = 0;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return false;
		long v = 0;
		while (isdigit((unsigned char)*p)) {
			v = v * 10 + (*p - '0');
			if (v > WEEK)
				return false;
			p++;
		}
		long unit;
		switch (*p) {
		case 'h':
			unit = 3600;
			break;
		case 'm':
			unit = 60;
			break;
		case 's':
			unit = 1;
			break;
		default:
			return false;
		}
		/* units in order h, m, s, each at most once */
		if ((last_unit == 'm' && *p == 'h') || (last_unit == 's') || last_unit == *p)
			return false;
		last_unit = *p;
		p++;
		total += v * unit;
		parts++;
	}
	if (parts == 0 || total <= 0 || total > WEEK)
		return false;
	*seconds = total;
	return true;
}

bool maintenance_parse(const char *day, const char *start_time, const char *duration,
		       struct maintenance_policy *out)
{
	struct maintenance_policy m = { .duration = MAINTENANCE_DEFAULT_DURATION };
	if (strcasecmp(day, "any") == 0) {
		m.day = MAINTENANCE_ANY_DAY;
		snprintf(m.day_name, sizeof m.day_name, "any");
	} else {
		m.day = -1;
		for (int i = 0; i < 7; i++) {
			if (strcasecmp(day, day_names[i]) == 0) {
				m.day = i;
				snprintf(m.day_name, sizeof m.day_name, "%s", day_names[i]);
			}
		}
		if (m.day < 0)
			return false;
	}
	/* "HH:MM", 24-hour clock */
	if (strlen(start_time) != 5 || start_time[2] != ':' || !isdigit((unsigned char)start_time[0]) ||
	    !isdigit((unsigned char)start_time[1]) || !isdigit((unsigned char)start_time[3]) ||
	    !isdigit((unsigned char)start_time[4]))
		return false;
	int h = (start_time[0] - '0') * 10 + (start_time[1] - '0');
	int mi = (start_time[3] - '0') * 10 + (start_time[4] - '0');
	if (h > 23 || mi > 59)
		return false;
	m.start_minute = h * 60 + mi;
	memcpy(m.start_time, start_time, 6);
	if (duration && !maintenance_parse_duration(duration, &m.duration))
		return false;
	*out = m;
	return true;
}

double maintenance_next_window(const struct maintenance_policy *p, double now)
{
	const double day = CIVIL_SECONDS_PER_DAY;
	double day_start = floor(now / day) * day;
	/* 1970-01-01 was a Thursday (4) */
	int weekday = (int)(((long long)(day_start / day) % 7 + 4) % 7);
	double start = day_start + p->start_minute * 60.0;
	double step = day;
	if (p->day != MAINTENANCE_ANY_DAY) {
		/* this week's occurrence, on or before today */
		int back = (weekday - p->day + 7) % 7;
		start -= back * day;
		step = 7 * day;
	}
	/* the latest start at or before now; it may still be running */
	if (start > now)
		start -= step;
	if (now < start + (double)p->duration)
		return start;
	return start + step;
}
