/* test_secret.c - secret.h: wiping, and the allocator given to libcurl
 * (malloc-compatible; realloc moves to a new block, never in place). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "secret.h"

static void test_wipe(void **state)
{
	(void)state;
	char buf[32];
	memset(buf, 'x', sizeof buf);
	secret_wipe(buf + 4, 8);
	for (size_t i = 0; i < sizeof buf; i++)
		assert_int_equal(buf[i], i >= 4 && i < 12 ? '\0' : 'x');
	secret_wipe(NULL, 8); /* harmless */
	secret_wipe(buf, 0);
}

static void test_allocator_behaves_like_malloc(void **state)
{
	(void)state;
	char *p = secret_malloc(10);
	assert_non_null(p);
	memcpy(p, "dop_v1_abc", 10);
	/* grows and keeps the bytes, in a new block */
	char *q = secret_realloc(p, 100000);
	assert_non_null(q);
	assert_memory_equal(q, "dop_v1_abc", 10);
	/* shrinks and keeps what fits */
	char *r = secret_realloc(q, 4);
	assert_non_null(r);
	assert_memory_equal(r, "dop_", 4);
	assert_null(secret_realloc(r, 0)); /* frees */
	/* realloc(NULL) is malloc */
	char *m = secret_realloc(NULL, 16);
	assert_non_null(m);
	secret_free(m);

	unsigned char *z = secret_calloc(64, 4);
	assert_non_null(z);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(z[i], 0);
	secret_free(z);

	char *d = secret_strdup("Authorization: Bearer x");
	assert_non_null(d);
	assert_string_equal(d, "Authorization: Bearer x");
	secret_free(d);
	secret_free(NULL);
	/* a block from the plain malloc may be given back here */
	secret_free(malloc(33));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_allocator_behaves_like_malloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
