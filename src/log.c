/* log.c - logfmt writer. Called from every thread; never allocates, so it
 * is usable on the out-of-memory path. Lines longer than LOG_LINE_MAX are
 * cut, with "..." at the end. */
#include "log.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static _Atomic int current_level = LOG_LEVEL_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

bool log_level_parse(const char *s, enum log_level *out)
{
	for (int i = LOG_LEVEL_DEBUG; i <= LOG_LEVEL_ERROR; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

void log_set_level(enum log_level level)
{
	atomic_store(&current_level, (int)level);
}

bool log_enabled(enum log_level level)
{
	return (int)level >= atomic_load(&current_level);
}

struct line {
	char buf[LOG_LINE_MAX];
	size_t len;
	bool cut;
};

static void put(struct line *l, const char *s, size_t n)
{
	/* keep room for "...\n" */
	size_t room = sizeof l->buf - 5 - l->len;
	if (n > room) {
		n = room;
		l->cut = true;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void put_str(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* logfmt: quote when empty or when the value holds a space, '=' or '"';
 * escape quotes, backslashes and control characters. */
static void put_value(struct line *l, const char *v)
{
	if (!v)
		v = "";
	bool quote = *v == '\0';
	for (const char *p = v; *p && !quote; p++)
		if (*p == ' ' || *p == '=' || *p == '"' || (unsigned char)*p < 0x20 || *p == 0x7f)
			quote = true;
	if (!quote) {
		put_str(l, v);
		return;
	}
	put(l, "\"", 1);
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(l, esc, 2);
		} else if (c == '\n') {
			put(l, "\\n", 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", c);
			put_str(l, esc);
		} else {
			put(l, (const char *)p, 1);
		}
	}
	put(l, "\"", 1);
}

void log_emit(enum log_level level, const char *msg, ...)
{
	if (!log_enabled(level))
		return;
	struct line l = { .len = 0, .cut = false };
	struct timespec ts;
	struct tm tm;
	char when[40];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof when - n, ".%03ldZ", ts.tv_nsec / 1000000);

	put_str(&l, "ts=");
	put_str(&l, when);
	put_str(&l, " level=");
	put_str(&l, level_names[level]);
	put_str(&l, " msg=");
	put_value(&l, msg);

	va_list ap;
	va_start(ap, msg);
	for (;;) {
		const char *key = va_arg(ap, const char *);
		if (!key)
			break;
		const char *value = va_arg(ap, const char *);
		if (!value)
			continue;
		put(&l, " ", 1);
		put_str(&l, key);
		put(&l, "=", 1);
		put_value(&l, value);
	}
	va_end(ap);
	if (l.cut)
		memcpy(l.buf + l.len, "...", 3), l.len += 3;
	l.buf[l.len++] = '\n';
	/* one write: lines of different threads never interleave */
	ssize_t w = write(STDERR_FILENO, l.buf, l.len);
	(void)w;
}

const char *log_format_int(char *buf, long long v)
{
	snprintf(buf, LOG_NUMBER_MAX, "%lld", v);
	return buf;
}

const char *log_format_uint(char *buf, unsigned long long v)
{
	snprintf(buf, LOG_NUMBER_MAX, "%llu", v);
	return buf;
}

const char *log_format_fixed(char *buf, double v, int decimals)
{
	if (isnan(v))
		snprintf(buf, LOG_NUMBER_MAX, "NaN");
	else if (isinf(v))
		snprintf(buf, LOG_NUMBER_MAX, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (fabs(v) >= 1e30)
		/* %f of a huge value would not fit: the exponent form does */
		snprintf(buf, LOG_NUMBER_MAX, "%.*e", decimals < 0 ? 0 : decimals > 9 ? 9 : decimals, v);
	else
		snprintf(buf, LOG_NUMBER_MAX, "%.*f", decimals < 0 ? 0 : decimals > 9 ? 9 : decimals, v);
	return buf;
}
