/* err.h - the one error enum of the program, with a message per code.
 *
 * Fallible functions return enum err; results leave through a last pointer
 * argument, untouched on failure. The detail of a failure (curl's buffer,
 * libconfig's line) is logged once where it is known; callers get the code.
 */
#ifndef DOKS_ERR_H
#define DOKS_ERR_H

#define ERR_LIST(X)                                   \
	X(OK, "success")                              \
	X(NOMEM, "out of memory")                     \
	X(IO, "I/O failed")                           \
	X(CONFIG, "invalid configuration")            \
	X(HTTP, "unexpected HTTP status")             \
	X(PARSE, "malformed input")                   \
	X(SCHEMA, "JSON of the wrong shape")          \
	X(TOOBIG, "input over its cap")               \
	X(TRANSPORT, "transfer failed")               \
	X(ORIGIN, "link to a foreign origin")         \
	X(LOOP, "pagination loops")                   \
	X(THROTTLED, "not sent within the deadline")  \
	X(CANCELLED, "cancelled")

enum err {
#define ERR_ENUM(name, msg) ERR_##name,
	ERR_LIST(ERR_ENUM)
#undef ERR_ENUM
};

/* A static string; never NULL. */
const char *err_str(enum err e);

#endif
