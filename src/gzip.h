/* gzip.h - the gzip form of the exposition, made so that a scrape never
 * compresses the body again: the body is deflated once at publish into an
 * open gzip member (header and data, flushed to a byte boundary, no end),
 * and each response built for it ends that member with a few bytes of its
 * own (the process block, stored as it is) and the trailer: once per
 * snapshot and process block, never per scrape. One valid member,
 * so every gzip reader takes it, curl included. Pure.
 */
#ifndef DOKS_GZIP_H
#define DOKS_GZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The most a tail may carry: one stored block. */
#define GZIP_TAIL_MAX 65535
/* A tail's size beyond the bytes it carries. */
#define GZIP_TAIL_OVERHEAD 13

/* Deflates body into *out (owned, free()), an open gzip member; *crc is
 * the CRC-32 of body, for gzip_tail. */
enum err gzip_open_member(const char *body, size_t len, unsigned char **out, size_t *out_len,
			  uint32_t *crc);

/* Writes into buf the bytes that end the member: extra (at most
 * GZIP_TAIL_MAX bytes) in a final stored block, then the CRC-32 and length
 * of body and extra together. Returns the length written, or 0 when buf
 * (size bytes) is too small. */
size_t gzip_tail(uint32_t body_crc, size_t body_len, const char *extra, size_t extra_len,
		 unsigned char *buf, size_t size);

/* Whether an Accept-Encoding value (borrowed; NULL: no header) allows
 * gzip: "gzip" or "*" listed, in any case, without a q of 0 (RFC 9110).
 * Reads the value once, whatever it holds. */
bool gzip_accepted(const char *accept_encoding);

#endif
