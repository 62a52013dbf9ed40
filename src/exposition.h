/* exposition.h - the Prometheus text format (version 0.0.4), written into
 * a growing buffer: HELP and TYPE lines, samples, label escaping, numbers.
 *
 * Pure and single-threaded: one writer per buffer. A failed allocation is
 * sticky: later calls do nothing and exposition_finish reports ERR_NOMEM.
 */
#ifndef DOKS_EXPOSITION_H
#define DOKS_EXPOSITION_H

#include <stddef.h>

#include "err.h"

struct exposition;

struct exposition_label {
	const char *name;  /* a valid label name, written as it is */
	const char *value; /* any bytes: escaped, invalid UTF-8 replaced */
};

/* An empty buffer in *out (owned: exposition_free, or handed out by
 * exposition_finish); ERR_NOMEM leaves *out untouched. */
enum err exposition_new(size_t initial_capacity, struct exposition **out);
void exposition_free(struct exposition *e);

/* "# HELP name help" and "# TYPE name type". */
void exposition_family(struct exposition *e, const char *name, const char *type, const char *help);

/* name{labels} value. n may be 0. */
void exposition_sample(struct exposition *e, const char *name, const struct exposition_label *labels, size_t n,
		 double value);

/* Appends raw bytes (already valid exposition text). */
void exposition_raw(struct exposition *e, const char *s, size_t n);

/* Hands the text out: *out is owned (free()), *len its length without the
 * NUL that ends it. The buffer is freed either way. */
enum err exposition_finish(struct exposition *e, char **out, size_t *len);

/* Formats v as Prometheus does (shortest round-trip form, "NaN", "+Inf",
 * "-Inf") into buf; returns the length. size must be at least 32. */
size_t exposition_format_value(double v, char *buf, size_t size);

/* Writes the escaped label value of s into e (backslash, double quote and
 * newline escaped; invalid UTF-8 replaced by U+FFFD). */
void exposition_escape_label_value(struct exposition *e, const char *s);

#endif
