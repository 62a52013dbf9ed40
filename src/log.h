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

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Parses "debug", "info", "warn", "error"; false on anything else. */
bool log_level_parse(const char *s, enum log_level *out);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

/* Logs msg followed by key/value pairs of strings, ended by NULL:
 *   log_emit(LOG_WARN, "request failed", "endpoint", "upgrades", NULL);
 * A pair whose value is NULL is left out. */
void log_emit(enum log_level level, const char *msg, ...)
	__attribute__((sentinel));

#define log_debug(...) log_emit(LOG_DEBUG, __VA_ARGS__, (const char *)NULL)
#define log_info(...) log_emit(LOG_INFO, __VA_ARGS__, (const char *)NULL)
#define log_warn(...) log_emit(LOG_WARN, __VA_ARGS__, (const char *)NULL)
#define log_error(...) log_emit(LOG_ERROR, __VA_ARGS__, (const char *)NULL)

#endif
