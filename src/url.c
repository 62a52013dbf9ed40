/* url.c - see url.h. Deliberately strict: a URL this cannot read is never
 * given the token. */
#include "url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool url_parse_origin(const char *url, struct url_origin *out)
{
	struct url_origin o = { 0 };
	const char *p;
	/* schemes and hosts are case-insensitive (RFC 3986, 3.1 and 3.2.2):
	 * HTTPS://API.EXAMPLE.COM is the origin of https://api.example.com */
	if (strncasecmp(url, "https://", 8) == 0) {
		o.https = true;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
	} else {
		return false;
	}
	size_t auth_len = strcspn(p, "/?#");
	const char *auth_end = p + auth_len;
	if (memchr(p, '@', auth_len))
		return false; /* user info would hide the real host */
	const char *host_end;
	if (*p == '[') {
		const char *close = memchr(p, ']', auth_len);
		if (!close)
			return false;
		host_end = close + 1;
	} else {
		host_end = memchr(p, ':', auth_len);
		if (!host_end)
			host_end = auth_end;
	}
	size_t host_len = (size_t)(host_end - p);
	if (host_len == 0 || host_len >= sizeof o.host)
		return false;
	for (size_t i = 0; i < host_len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!isalnum(c) && c != '.' && c != '-' && c != '[' && c != ']' && c != ':' &&
		    c != '_')
			return false;
		o.host[i] = (char)tolower(c);
	}
	o.port = o.https ? 443 : 80;
	if (host_end < auth_end) {
		if (*host_end != ':' || host_end + 1 == auth_end)
			return false;
		unsigned long port = 0;
		for (const char *q = host_end + 1; q < auth_end; q++) {
			if (!isdigit((unsigned char)*q))
				return false;
			port = port * 10 + (unsigned long)(*q - '0');
			if (port > 65535)
				return false;
		}
		if (port == 0)
			return false;
		o.port = (unsigned)port;
	}
	o.rest = auth_end;
	*out = o;
	return true;
}

bool url_same_origin(const struct url_origin *a, const struct url_origin *b)
{
	return a->https == b->https && a->port == b->port && strcmp(a->host, b->host) == 0;
}

bool url_host_is_loopback(const char *host)
{
	if (strcmp(host, "localhost") == 0)
		return true;
	/* only a real numeric address: anything else would go to DNS */
	size_t n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		char inner[URL_HOST_MAX];
		struct in6_addr a6;
		if (n - 2 >= sizeof inner)
			return false;
		memcpy(inner, host + 1, n - 2);
		inner[n - 2] = '\0';
		return inet_pton(AF_INET6, inner, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
	}
	struct in_addr a4;
	return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}
