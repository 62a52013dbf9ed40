/* secret.h - wiping memory that held a secret, in a way the compiler
 * cannot drop as a dead store. */
#ifndef DOKS_SECRET_H
#define DOKS_SECRET_H

#include <stddef.h>

void secret_wipe(void *p, size_t n);

#endif
