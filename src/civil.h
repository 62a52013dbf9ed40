/* civil.h - calendar dates and RFC 3339 times into Unix seconds. A leaf:
 * it includes no other module, so that the decoders (decode.c) and the
 * certificate reader (x509.c) can both lean on it without leaning on each
 * other. Pure: no time zone, no timegm(), no clock; any thread.
 */
#ifndef DOKS_CIVIL_H
#define DOKS_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

/* Unix time counts every day as this many seconds (leap seconds are not
 * counted), so a day boundary is a multiple of it. */
#define CIVIL_SECONDS_PER_DAY 86400

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). m is 1..12, d 1..31; nothing is checked. */
int64_t civil_days_from_date(int64_t y, int64_t m, int64_t d);

/* Unix seconds of a UTC date and time of day (sec may be 60, a leap
 * second, which reads as the next day's first second). Nothing is
 * checked. */
int64_t civil_to_unix(int64_t y, int64_t m, int64_t d, int64_t h, int64_t mi, int64_t sec);

/* RFC 3339 date-time ("2019-11-09T11:50:28.889080521Z", 0 to 9 fractional
 * digits, Z or +hh:mm/-hh:mm) to Unix seconds. s is borrowed. False when
 * malformed; *out untouched then. */
bool civil_parse_rfc3339(const char *s, double *out);

#endif
