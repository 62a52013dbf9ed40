/* url.h - the origin (scheme, host, port) of an http(s) URL, enough to
 * decide where the token may be sent. Pure; no curl.
 */
#ifndef DOKS_URL_H
#define DOKS_URL_H

#include <stdbool.h>

#define URL_HOST_MAX 256

struct url_origin {
	bool https;
	char host[URL_HOST_MAX]; /* lower case; an IPv6 literal keeps its [] */
	unsigned port;           /* explicit, or 443 / 80 */
	const char *rest;        /* borrowed: the path and query after the origin, "" if none */
};

/* False for anything but http:// or https:// (the scheme in any case)
 * with a host, an optional numeric port 1..65535 and no user info. */
bool url_parse_origin(const char *url, struct url_origin *out);

bool url_same_origin(const struct url_origin *a, const struct url_origin *b);

/* localhost, 127.0.0.0/8 or [::1]. */
bool url_host_is_loopback(const char *host);

#endif
