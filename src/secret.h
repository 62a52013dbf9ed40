/* secret.h - wiping memory that held a secret, in a way the compiler
 * cannot drop as a dead store; and an allocator whose free wipes, for
 * libraries that copy secrets into buffers of their own. */
#ifndef DOKS_SECRET_H
#define DOKS_SECRET_H

#include <stddef.h>

void secret_wipe(void *p, size_t n);

/* malloc, calloc, realloc, strdup and free, except that every block is
 * wiped whole before it goes back to the C library (realloc moves the
 * bytes to a new block and wipes the old one). For
 * curl_global_init_mem: libcurl's request, header and receive buffers
 * hold the token and bodies with secrets. Any thread; blocks may come
 * from and go to the plain malloc and free. */
void *secret_malloc(size_t n);
void *secret_calloc(size_t count, size_t n);
void *secret_realloc(void *p, size_t n);
char *secret_strdup(const char *s);
void secret_free(void *p);

#endif
