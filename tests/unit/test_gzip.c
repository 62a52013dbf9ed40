/* test_gzip.c - gzip.h: an open member plus a tail is one gzip member
 * that zlib inflates back to body + extra, whatever their sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gzip.h"

/* Inflates member (a whole gzip member) and checks it is body + extra. */
static void expect_round_trip(const char *body, size_t len, const char *extra, size_t elen)
{
	unsigned char *open;
	size_t olen;
	uint32_t crc;
	assert_int_equal(gzip_open_member(body, len, &open, &olen, &crc), ERR_OK);
	assert_true(crc == (uint32_t)crc32(0, (const unsigned char *)body, (uInt)len));
	size_t cap = olen + elen + GZIP_TAIL_OVERHEAD;
	unsigned char *member = malloc(cap);
	assert_non_null(member);
	memcpy(member, open, olen);
	size_t tlen = gzip_tail(crc, len, extra, elen, member + olen, cap - olen);
	assert_int_equal(tlen, elen + GZIP_TAIL_OVERHEAD);

	size_t want = len + elen;
	unsigned char *out = malloc(want + 1);
	assert_non_null(out);
	z_stream z = { 0 };
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = member;
	z.avail_in = (uInt)(olen + tlen);
	z.next_out = out;
	z.avail_out = (uInt)(want + 1);
	/* Z_STREAM_END only when the trailer's CRC and length match */
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, want);
	assert_int_equal(z.avail_in, 0);
	assert_memory_equal(out, body, len);
	assert_memory_equal(out + len, extra, elen);
	inflateEnd(&z);
	free(out);
	free(member);
	free(open);
}

static void test_round_trips(void **state)
{
	(void)state;
	expect_round_trip("", 0, "", 0);
	expect_round_trip("", 0, "process_open_fds 7\n", 19);
	expect_round_trip("doks_exporter_clusters 4\n", 25, "", 0);
	expect_round_trip("doks_exporter_clusters 4\n", 25, "process_open_fds 7\n", 19);
	/* a large, repetitive body and a tail as large as a stored block goes */
	size_t big = 3 * 1024 * 1024;
	char *body = malloc(big);
	assert_non_null(body);
	for (size_t i = 0; i < big; i++)
		body[i] = (char)("doks_cluster_info{cluster_id=\"x\"} 1\n"[i % 37] + (i / 4096) % 3);
	char *extra = malloc(GZIP_TAIL_MAX);
	assert_non_null(extra);
	for (size_t i = 0; i < GZIP_TAIL_MAX; i++)
		extra[i] = (char)(i * 7);
	expect_round_trip(body, big, extra, GZIP_TAIL_MAX);
	free(extra);
	free(body);
}

static void test_tail_limits(void **state)
{
	(void)state;
	unsigned char buf[64];
	/* too small a buffer, or too much to store in one block: nothing written */
	assert_int_equal(gzip_tail(0, 0, "abc", 3, buf, 3 + GZIP_TAIL_OVERHEAD - 1), 0);
	assert_int_equal(gzip_tail(0, 0, "abc", 3, buf, 3 + GZIP_TAIL_OVERHEAD), 3 + GZIP_TAIL_OVERHEAD);
	assert_int_equal(gzip_tail(0, 0, "x", GZIP_TAIL_MAX + 1, buf, SIZE_MAX), 0);
}

static void test_accepted(void **state)
{
	(void)state;
	static const char *const yes[] = { "gzip", "GZIP", "deflate, gzip", "gzip;q=1", "gzip; q=0.5",
					   "*", "br;q=1.0, *;q=0.1", " , gzip", "identity, gzip;Q=0.001",
					   "gzip;level=9" };
	static const char *const no[] = { "", "identity", "deflate, br", "gzip;q=0", "gzip; Q=0.000",
					  "*;q=0", "gzipx", "x-gzip", "gzi", "gzip;q=0,identity", ";,;" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (!gzip_accepted(yes[i]))
			fail_msg("refused: %s", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (gzip_accepted(no[i]))
			fail_msg("accepted: %s", no[i]);
	assert_false(gzip_accepted(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_tail_limits),
		cmocka_unit_test(test_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
