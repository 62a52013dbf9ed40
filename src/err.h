/* err.h - the one error enum of the program, with a message per code.
 *
 * Fallible functions return enum err; results leave through a last pointer
 * argument, untouched on failure. The detail of a failure (curl's buffer,
 * libconfig's line) is logged once where it is known; callers get the code.
 */
#ifndef DOKS_ERR_H
#define DOKS_ERR_H

#include <stdbool.h>
#include <stddef.h>

/* One row a code: its name, its message, and the word that counts it in
 * doks_exporter_api_errors_total{reason} when an API request fails with it
 * (NULL: not a failure of a request). The order of the rows with a word is
 * the order of the series. */
#define ERR_LIST(X)                                                        \
	X(OK, "success", NULL)                                             \
	X(NOMEM, "out of memory", NULL)                                    \
	X(IO, "I/O failed", NULL)                                          \
	X(CONFIG, "invalid configuration", NULL)                           \
	X(HTTP, "unexpected HTTP status", "status")                        \
	X(TIMEOUT, "timed out", "timeout")                                 \
	X(CONNECT, "could not connect", "connect")                         \
	X(TLS, "TLS failed", "tls")                                        \
	X(RESET, "connection cut", "reset")                                \
	X(TOOBIG, "input over its cap", "too_large")                       \
	X(PARSE, "malformed input", "parse")                               \
	X(SCHEMA, "JSON of the wrong shape", "schema")                     \
	X(ORIGIN, "link to a foreign origin", "foreign_origin")            \
	X(LOOP, "pagination loops", "page_loop")                           \
	X(THROTTLED, "not sent within the deadline", NULL)                 \
	X(CANCELLED, "cancelled", NULL)

enum err {
#define ERR_ENUM(name, msg, reason) ERR_##name,
	ERR_LIST(ERR_ENUM)
#undef ERR_ENUM
	ERR_COUNT
};

/* A static string; never NULL. */
const char *err_str(enum err e);

/* The reason word of a failed API request (a static string), or NULL for
 * a code that is not one. */
const char *err_reason(enum err e);

/* A transfer that got no answer: time-out, no connection, TLS, cut. */
bool err_is_transport(enum err e);

#endif
