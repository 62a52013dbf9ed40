/* gzip.c - see gzip.h. Called by the poller thread (gzip_open_member, at
 * publish; gzip_tail, building a snapshot's responses), by the server's
 * ticker (gzip_tail, a few hundred bytes, once a second) and by server
 * threads (gzip_accepted, on a header a client sent). */
#include "gzip.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

enum err gzip_open_member(const char *body, size_t len, unsigned char **out, size_t *out_len,
			  uint32_t *crc)
{
	z_stream z = { 0 };
	/* 15 + 16: a 32 KiB window with a gzip header; memLevel 8 is zlib's default */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return ERR_NOMEM;
	/* the bound of a finished stream, plus room for the sync flush's marker */
	size_t cap = deflateBound(&z, (uLong)len) + 16;
	unsigned char *buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return ERR_NOMEM;
	}
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	const unsigned char *in = (const unsigned char *)body;
	size_t left = len;
	int rc;
	for (;;) {
		/* in slices: avail_in is an unsigned int */
		if (z.avail_in == 0 && left > 0) {
			uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
			z.next_in = (unsigned char *)in;
			z.avail_in = chunk;
			in += chunk;
			left -= chunk;
		}
		/* no Z_FINISH: the member stays open for each scrape's tail */
		int flush = left == 0 ? Z_SYNC_FLUSH : Z_NO_FLUSH;
		rc = deflate(&z, flush);
		if (rc != Z_OK || z.avail_out == 0)
			break; /* the bound was wrong, or zlib failed: give up */
		if (flush == Z_SYNC_FLUSH && z.avail_in == 0)
			break; /* flushed, with room to spare: complete */
	}
	size_t produced = cap - z.avail_out;
	deflateEnd(&z);
	if (rc != Z_OK || z.avail_in != 0 || z.avail_out == 0) {
		free(buf);
		return ERR_NOMEM;
	}
	uLong c = crc32(0L, Z_NULL, 0);
	in = (const unsigned char *)body;
	for (left = len; left > 0;) {
		uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
		c = crc32(c, in, chunk);
		in += chunk;
		left -= chunk;
	}
	/* deflateBound is about the input's size; the output is a few percent */
	unsigned char *fit = realloc(buf, produced ? produced : 1);
	if (fit)
		buf = fit;
	*out = buf;
	*out_len = produced;
	*crc = (uint32_t)c;
	return ERR_OK;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

size_t gzip_tail(uint32_t body_crc, size_t body_len, const char *extra, size_t extra_len,
		 unsigned char *buf, size_t size)
{
	if (extra_len > GZIP_TAIL_MAX || size < extra_len + GZIP_TAIL_OVERHEAD)
		return 0;
	/* a final stored block: BFINAL=1, BTYPE=00, then LEN and its complement */
	buf[0] = 0x01;
	buf[1] = (unsigned char)extra_len;
	buf[2] = (unsigned char)(extra_len >> 8);
	buf[3] = (unsigned char)~buf[1];
	buf[4] = (unsigned char)~buf[2];
	for (size_t i = 0; i < extra_len; i++)
		buf[5 + i] = (unsigned char)extra[i];
	uLong crc = crc32_combine(body_crc, crc32(crc32(0L, Z_NULL, 0),
						  (const unsigned char *)extra, (uInt)extra_len),
				  (z_off_t)extra_len);
	put32(buf + 5 + extra_len, (uint32_t)crc);
	put32(buf + 9 + extra_len, (uint32_t)((body_len + extra_len) & 0xffffffffu));
	return extra_len + GZIP_TAIL_OVERHEAD;
}

bool gzip_accepted(const char *h)
{
	if (!h)
		return false;
	while (*h) {
		while (*h == ' ' || *h == '\t' || *h == ',')
			h++;
		size_t n = strcspn(h, ",; \t");
		bool named = (n == 4 && strncasecmp(h, "gzip", 4) == 0) || (n == 1 && *h == '*');
		h += n;
		/* parameters: only q matters, and only q=0 (in any spelling) refuses */
		bool refused = false;
		while (*h && *h != ',') {
			if (*h == ';') {
				h++;
				while (*h == ' ' || *h == '\t')
					h++;
				if ((h[0] == 'q' || h[0] == 'Q') && h[1] == '=') {
					char *end;
					double q = strtod(h + 2, &end);
					refused = end != h + 2 && q == 0;
				}
				continue;
			}
			h++;
		}
		if (named && !refused)
			return true;
	}
	return false;
}
