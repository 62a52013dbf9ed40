/* err.c - messages for enum err. */
#include "err.h"

const char *err_str(enum err e)
{
	static const char *const msgs[] = {
#define ERR_MSG(name, msg) msg,
		ERR_LIST(ERR_MSG)
#undef ERR_MSG
	};
	if ((unsigned)e >= sizeof msgs / sizeof msgs[0])
		return "unknown error";
	return msgs[e];
}
