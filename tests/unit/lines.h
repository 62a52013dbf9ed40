/* lines.h - checks on whole lines of a text (exposition output, logs), for
 * the unit tests. Include after <cmocka.h>. */
#ifndef DOKS_TEST_LINES_H
#define DOKS_TEST_LINES_H

#include <stdbool.h>
#include <string.h>

/* Whether text holds line as a whole line, ended by '\n'. */
static inline bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static inline void assert_line(const char *text, const char *line)
{
	if (!has_line(text, line))
		fail_msg("missing line: %s", line);
}

#endif
