/* exposition.c - Prometheus text format writer. See exposition.h. */
#include "exposition.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct exposition {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;
};

enum err exposition_new(size_t initial_capacity, struct exposition **out)
{
	struct exposition *e = calloc(1, sizeof *e);
	if (!e)
		return ERR_NOMEM;
	e->cap = initial_capacity < 256 ? 256 : initial_capacity;
	e->buf = malloc(e->cap);
	if (!e->buf) {
		free(e);
		return ERR_NOMEM;
	}
	*out = e;
	return ERR_OK;
}

void exposition_free(struct exposition *e)
{
	if (!e)
		return;
	free(e->buf);
	free(e);
}

static bool reserve(struct exposition *e, size_t more)
{
	if (e->failed)
		return false;
	if (e->len + more + 1 <= e->cap)
		return true;
	size_t cap = e->cap;
	while (e->len + more + 1 > cap) {
		if (cap > SIZE_MAX / 2) {
			e->failed = true;
			return false;
		}
		cap *= 2;
	}
	char *nb = realloc(e->buf, cap);
	if (!nb) {
		e->failed = true;
		return false;
	}
	e->buf = nb;
	e->cap = cap;
	return true;
}

void exposition_raw(struct exposition *e, const char *s, size_t n)
{
	if (!reserve(e, n))
		return;
	memcpy(e->buf + e->len, s, n);
	e->len += n;
}

static void put_str(struct exposition *e, const char *s)
{
	exposition_raw(e, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when invalid. */
static size_t utf8_valid_len(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned min;
	unsigned cp;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void exposition_escape_label_value(struct exposition *e, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		const unsigned char *run = p;
		/* copy the longest run that needs no escaping in one go */
		for (;;) {
			if (*p == '\0' || *p == '\\' || *p == '"' || *p == '\n')
				break;
			size_t n = utf8_valid_len(p);
			if (n == 0)
				break;
			p += n;
		}
		exposition_raw(e, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if (*p == '\\')
			exposition_raw(e, "\\\\", 2);
		else if (*p == '"')
			exposition_raw(e, "\\\"", 2);
		else if (*p == '\n')
			exposition_raw(e, "\\n", 2);
		else
			exposition_raw(e, "\xef\xbf\xbd", 3); /* U+FFFD for a bad byte */
		p++;
	}
}

static void escape_help(struct exposition *e, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			exposition_raw(e, "\\\\", 2);
		else if (*s == '\n')
			exposition_raw(e, "\\n", 2);
		else
			exposition_raw(e, s, 1);
	}
}

void exposition_family(struct exposition *e, const char *name, const char *type, const char *help)
{
	put_str(e, "# HELP ");
	put_str(e, name);
	exposition_raw(e, " ", 1);
	escape_help(e, help);
	put_str(e, "\n# TYPE ");
	put_str(e, name);
	exposition_raw(e, " ", 1);
	put_str(e, type);
	exposition_raw(e, "\n", 1);
}

size_t exposition_format_value(double v, char *buf, size_t size)
{
	int n;
	if (isnan(v))
		n = snprintf(buf, size, "NaN");
	else if (isinf(v))
		n = snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		n = snprintf(buf, size, "%.0f", v);
	else {
		/* the shortest form that reads back to the same double */
		for (int digits = 15; digits <= 17; digits++) {
			n = snprintf(buf, size, "%.*g", digits, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	if (n < 0)
		n = 0;
	if ((size_t)n >= size)
		n = (int)size - 1;
	return (size_t)n;
}

void exposition_sample(struct exposition *e, const char *name, const struct exposition_label *labels, size_t n,
		 double value)
{
	put_str(e, name);
	if (n > 0) {
		exposition_raw(e, "{", 1);
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				exposition_raw(e, ",", 1);
			put_str(e, labels[i].name);
			exposition_raw(e, "=\"", 2);
			exposition_escape_label_value(e, labels[i].value ? labels[i].value : "");
			exposition_raw(e, "\"", 1);
		}
		exposition_raw(e, "}", 1);
	}
	char num[40];
	size_t len = exposition_format_value(value, num, sizeof num);
	exposition_raw(e, " ", 1);
	exposition_raw(e, num, len);
	exposition_raw(e, "\n", 1);
}

enum err exposition_finish(struct exposition *e, char **out, size_t *len)
{
	if (!e)
		return ERR_NOMEM;
	if (e->failed || !reserve(e, 0)) {
		exposition_free(e);
		return ERR_NOMEM;
	}
	e->buf[e->len] = '\0';
	/* hand out the text at its length: the doubling left up to half spare */
	char *fit = realloc(e->buf, e->len + 1);
	if (fit)
		e->buf = fit;
	*out = e->buf;
	*len = e->len;
	free(e);
	return ERR_OK;
}
