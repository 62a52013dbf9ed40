/* fuzz.h - what the libFuzzer drivers of tests/fuzz share: the entry
 * points' prototypes (the build rejects a definition without one), exact
 * copies of the input, a check that aborts, and UBSan made fatal.
 *
 * Included once per binary (each driver is its own program), so the one
 * non-static definition below is defined once per program.
 */
#ifndef DOKS_FUZZ_H
#define DOKS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The build compiles UBSan's checks as recoverable: without this a
 * "runtime error" would be printed and the run would go on as if nothing
 * had happened, with no crash file to replay. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

/* A property of the code under test that does not hold: abort, so that
 * libFuzzer saves the input. */
#define FUZZ_CHECK(cond)                                                           \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,     \
				__LINE__, #cond);                                  \
			abort();                                                   \
		}                                                                  \
	} while (0)

/* A heap copy of exactly size bytes, not NUL-terminated, so that ASan
 * reports any read past the end of the body. NULL when out of memory; the
 * caller frees it. */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
	char *p = malloc(size);
	if (p && size > 0)
		memcpy(p, data, size);
	return p;
}

/* A heap copy ended by a NUL, for the functions that take a C string: they
 * see the input up to its first NUL. The caller frees it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);
	if (!p)
		return NULL;
	if (size > 0)
		memcpy(p, data, size);
	p[size] = '\0';
	return p;
}

#endif
