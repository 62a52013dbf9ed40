/* apiheader.h - the answer headers the API client reads: a status line,
 * ratelimit-limit, ratelimit-remaining, ratelimit-reset and retry-after.
 *
 * Pure, no curl: it reads what the network sent, so it is fuzzed
 * (tests/fuzz/fuzz_apiheader.c). Called on the poller thread, from
 * libcurl's header callback.
 */
#ifndef DOKS_APIHEADER_H
#define DOKS_APIHEADER_H

#include <stdbool.h>
#include <stddef.h>

enum apiheader {
	APIHEADER_OTHER,       /* a header the client does not read */
	APIHEADER_STATUS,      /* "HTTP/...": an answer (maybe interim) starts */
	APIHEADER_LIMIT,       /* ratelimit-limit */
	APIHEADER_REMAINING,   /* ratelimit-remaining */
	APIHEADER_RESET,       /* ratelimit-reset (Unix seconds) */
	APIHEADER_RETRY_AFTER, /* retry-after, in its seconds form only */
};

/* Reads one header line as libcurl hands it over: line (borrowed) holds
 * n bytes, not NUL-terminated, its CRLF included. The name is matched
 * without case and must be followed by ':' at once. For the four
 * headers, *valid says whether the value is a plain non-negative integer
 * of 1 to 15 digits (blanks around it allowed); *value holds it then and
 * is untouched otherwise. *valid is false for the other kinds. */
enum apiheader apiheader_parse(const char *line, size_t n, double *value, bool *valid);

#endif
