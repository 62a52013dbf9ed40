/* secret.c - see secret.h. */
#include "secret.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

void secret_wipe(void *p, size_t n)
{
	if (!p || n == 0)
		return;
	memset(p, 0, n);
	/* the barrier tells the compiler the zeroed bytes are read */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

void *secret_malloc(size_t n)
{
	return malloc(n);
}

void *secret_calloc(size_t count, size_t n)
{
	return calloc(count, n);
}

/* glibc's malloc_usable_size: the whole block, which is at least what
 * was asked for, so a block from the plain malloc is wiped whole too. */
void secret_free(void *p)
{
	if (!p)
		return;
	secret_wipe(p, malloc_usable_size(p));
	free(p);
}

/* Never realloc: it may leave the old bytes behind in a freed block. */
void *secret_realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (n == 0) {
		secret_free(p);
		return NULL;
	}
	size_t old = malloc_usable_size(p);
	void *q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	secret_free(p);
	return q;
}

char *secret_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *c = malloc(n);
	if (c)
		memcpy(c, s, n);
	return c;
}
