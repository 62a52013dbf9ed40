/* log.h - logfmt lines to stderr: ts=... level=... msg=... key=value ...
 *
 * Any thread may log; each line is written with one write(2) so lines from
 * different threads never interleave. Values are quoted and escaped here,
 * so callers pass raw strings. Never pass a secret (token, key, cert body).
 */
#ifndef DOKS_LOG_H
#define DOKS_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* LOG_LEVEL_*, not LOG_*: <syslog.h> owns LOG_DEBUG and LOG_INFO. */
enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* Parses "debug", "info", "warn", "error"; false on anything else. */
bool log_level_parse(const char *s, enum log_level *out);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

/* Logs msg followed by key/value pairs of strings, ended by NULL:
 *   log_emit(LOG_WARN, "request failed", "endpoint", "upgrades", NULL);
 * A pair whose value is NULL is left out. */
void log_emit(enum log_level level, const char *msg, ...)
	__attribute__((sentinel));

#define log_debug(...) log_emit(LOG_LEVEL_DEBUG, __VA_ARGS__, (const char *)NULL)
#define log_info(...) log_emit(LOG_LEVEL_INFO, __VA_ARGS__, (const char *)NULL)
#define log_warn(...) log_emit(LOG_LEVEL_WARN, __VA_ARGS__, (const char *)NULL)
#define log_error(...) log_emit(LOG_LEVEL_ERROR, __VA_ARGS__, (const char *)NULL)

/* Typed values for the pairs. Each formats into a compound literal, a
 * buffer that lives until the end of the block around the call, so numbers
 * need no buffer of the caller's:
 *   log_info("poll cycle finished", "clusters", LOG_UINT(n),
 *            "duration", LOG_SECONDS(took));
 * LOG_INT: a signed integer; LOG_UINT: an unsigned one (size_t fits);
 * LOG_FIXED: a double with that many decimals ("%.*f"); LOG_SECONDS: a
 * duration in seconds, to the millisecond ("1.250"). A value that is not
 * finite is written "NaN", "+Inf" or "-Inf". */
#define LOG_NUMBER_MAX 48
#define LOG_INT(v) log_format_int((char[LOG_NUMBER_MAX]){ 0 }, (long long)(v))
#define LOG_UINT(v) log_format_uint((char[LOG_NUMBER_MAX]){ 0 }, (unsigned long long)(v))
#define LOG_FIXED(v, decimals) \
	log_format_fixed((char[LOG_NUMBER_MAX]){ 0 }, (double)(v), (decimals))
#define LOG_SECONDS(v) LOG_FIXED((v), 3)

/* What the macros call: each writes into buf (LOG_NUMBER_MAX bytes,
 * borrowed) and returns it. */
const char *log_format_int(char *buf, long long v);
const char *log_format_uint(char *buf, unsigned long long v);
const char *log_format_fixed(char *buf, double v, int decimals);

#endif
