/* fuzz_url.c - libFuzzer driver for url_parse_origin.
 *
 * An origin it accepts must have a non-empty lower-case host without
 * user info or path ('@', '/', '?', '#'), a port in 1..65535, and a rest
 * that points into the input at a '/', '?', '#' or its end. Written back
 * as scheme://host:port followed by the rest, it must parse to the same
 * origin and rest. Scheme and host have no case (RFC 3986): the input with
 * everything before the rest in capitals is the same origin.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "url.h"

static void check_origin(const char *url, const struct url_origin *o)
{
	size_t n = strnlen(o->host, sizeof o->host);
	FUZZ_CHECK(n >= 1 && n < sizeof o->host);
	for (size_t i = 0; i < n; i++) {
		char c = o->host[i];
		FUZZ_CHECK(c != '@' && c != '/' && c != '?' && c != '#');
		FUZZ_CHECK(!isspace((unsigned char)c) && !isupper((unsigned char)c));
	}
	FUZZ_CHECK(o->port >= 1 && o->port <= 65535);
	FUZZ_CHECK(o->rest >= url && o->rest <= url + strlen(url));
	FUZZ_CHECK(strchr("/?#", o->rest[0]) != NULL); /* also matches the NUL */
	FUZZ_CHECK(url_same_origin(o, o));
	(void)url_host_is_loopback(o->host);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = fuzz_cstr(data, size);
	if (!url)
		return 0;
	struct url_origin o, before;
	memset(&o, 0xa5, sizeof o);
	memcpy(&before, &o, sizeof o);
	if (!url_parse_origin(url, &o)) {
		FUZZ_CHECK(memcmp(&o, &before, sizeof o) == 0);
		free(url);
		return 0;
	}
	check_origin(url, &o);

	size_t len = strlen(o.rest) + sizeof o.host + 32;
	char *again = malloc(len);
	if (again) {
		snprintf(again, len, "%s://%s:%u%s", o.https ? "https" : "http", o.host, o.port,
			 o.rest);
		struct url_origin o2;
		FUZZ_CHECK(url_parse_origin(again, &o2));
		check_origin(again, &o2);
		FUZZ_CHECK(url_same_origin(&o, &o2));
		FUZZ_CHECK(strcmp(o.rest, o2.rest) == 0);
		free(again);
	}

	char *upper = strdup(url);
	if (upper) {
		size_t origin_len = (size_t)(o.rest - url);
		for (size_t i = 0; i < origin_len; i++)
			upper[i] = (char)toupper((unsigned char)upper[i]);
		struct url_origin o3;
		FUZZ_CHECK(url_parse_origin(upper, &o3));
		FUZZ_CHECK(url_same_origin(&o, &o3));
		FUZZ_CHECK(o3.rest == upper + origin_len);
		free(upper);
	}
	free(url);
	return 0;
}
