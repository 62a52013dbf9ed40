/* fuzz_basic_auth.c - libFuzzer driver for webconfig_parse_basic_auth,
 * which reads the Authorization header a client sent. Whatever it is
 * given: it never writes past the buffer; on success the user holds no
 * ':', user and password lie inside the buffer and hold no NUL before
 * their ends, and encoding "user:password" again gives a header that
 * parses to the same two; on failure the buffer's bytes are wiped up to
 * what was written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "webconfig.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = fuzz_cstr(data, size);
	if (!header)
		return 0;
	/* a small buffer too, so that the size check is reached */
	size_t sizes[] = { WEBCONFIG_AUTH_HEADER_MAX, 16 };
	for (size_t k = 0; k < 2; k++) {
		size_t bsize = sizes[k];
		char *buf = malloc(bsize); /* exact size: ASan catches any overrun */
		if (!buf)
			break;
		const char *user = NULL, *pass = NULL;
		if (webconfig_parse_basic_auth(header, buf, bsize, &user, &pass)) {
			FUZZ_CHECK(user == buf);
			FUZZ_CHECK(pass > user && pass < buf + bsize);
			size_t ul = strlen(user), pl = strlen(pass);
			FUZZ_CHECK(user + ul + 1 == pass);
			FUZZ_CHECK(pass + pl < buf + bsize);
			FUZZ_CHECK(!memchr(user, ':', ul));
			char joined[WEBCONFIG_AUTH_HEADER_MAX];
			snprintf(joined, sizeof joined, "%s:%s", user, pass);
			char again[WEBCONFIG_AUTH_HEADER_MAX * 2];
			memcpy(again, "Basic ", 6);
			encode((const unsigned char *)joined, strlen(joined), again + 6);
			char buf2[WEBCONFIG_AUTH_HEADER_MAX];
			const char *u2, *p2;
			FUZZ_CHECK(webconfig_parse_basic_auth(again, buf2, sizeof buf2, &u2, &p2));
			FUZZ_CHECK(strcmp(u2, user) == 0 && strcmp(p2, pass) == 0);
		}
		free(buf);
	}
	free(header);
	return 0;
}
