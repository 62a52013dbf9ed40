/* secret.c - see secret.h. */
#include "secret.h"

#include <string.h>

void secret_wipe(void *p, size_t n)
{
	if (!p || n == 0)
		return;
	memset(p, 0, n);
	/* the barrier tells the compiler the zeroed bytes are read */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
