/* exposition.h - the Prometheus text format (version 0.0.4), written into
 * a growing buffer: HELP and TYPE lines, samples, label escaping, numbers.
 *
 * Pure and single-threaded: one writer per buffer. A failed allocation is
 * sticky: later calls do nothing and expo_finish reports ERR_NOMEM.
 */
#ifndef DOKS_EXPOSITION_H
#define DOKS_EXPOSITION_H

#include <stddef.h>

#include "err.h"

struct expo;

struct label {
	const char *name;  /* a valid label name, written as it is */
	const char *value; /* any bytes: escaped, invalid UTF-8 replaced */
};

/* NULL on out of memory. */
struct expo *expo_new(size_t initial_capacity);
void expo_free(struct expo *e);

/* "# HELP name help" and "# TYPE name type". */
void expo_family(struct expo *e, const char *name, const char *type, const char *help);

/* name{labels} value. n may be 0. */
void expo_sample(struct expo *e, const char *name, const struct label *labels, size_t n,
		 double value);

/* Appends raw bytes (already valid exposition text). */
void expo_raw(struct expo *e, const char *s, size_t n);

/* Hands the text out: *out is owned (free()), *len its length without the
 * NUL that ends it. The expo is freed either way. */
enum err expo_finish(struct expo *e, char **out, size_t *len);

/* Formats v as Prometheus does (shortest round-trip form, "NaN", "+Inf",
 * "-Inf") into buf; returns the length. size must be at least 32. */
size_t expo_format_value(double v, char *buf, size_t size);

/* Writes the escaped label value of s into e (backslash, double quote and
 * newline escaped; invalid UTF-8 replaced by U+FFFD). */
void expo_escape_label_value(struct expo *e, const char *s);

#endif
