/* err.c - the messages and reason words of enum err. */
#include "err.h"

static const char *const messages[] = {
#define ERR_MESSAGE(name, msg, reason) msg,
	ERR_LIST(ERR_MESSAGE)
#undef ERR_MESSAGE
};

static const char *const reasons[] = {
#define ERR_REASON(name, msg, reason) reason,
	ERR_LIST(ERR_REASON)
#undef ERR_REASON
};

const char *err_str(enum err e)
{
	return (unsigned)e < ERR_COUNT ? messages[e] : "unknown error";
}

const char *err_reason(enum err e)
{
	return (unsigned)e < ERR_COUNT ? reasons[e] : NULL;
}

bool err_is_transport(enum err e)
{
	return e == ERR_TIMEOUT || e == ERR_CONNECT || e == ERR_TLS || e == ERR_RESET;
}
