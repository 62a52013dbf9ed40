/* civil.c - see civil.h. */
#include "civil.h"

#include <ctype.h>

int64_t civil_days_from_date(int64_t y, int64_t m, int64_t d)
{
	/* the year starts in March, so that the leap day is the last one */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t civil_to_unix(int64_t y, int64_t m, int64_t d, int64_t h, int64_t mi, int64_t sec)
{
	return civil_days_from_date(y, m, d) * CIVIL_SECONDS_PER_DAY + h * 3600 + mi * 60 + sec;
}

static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

bool civil_parse_rfc3339(const char *s, double *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s;
	int y, mo, d, h, mi, sec;
	if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) ||
	    !expect(&p, '-') || !digits(&p, 2, &d))
		return false;
	if (*p != 'T' && *p != 't')
		return false;
	p++;
	if (!digits(&p, 2, &h) || !expect(&p, ':') || !digits(&p, 2, &mi) ||
	    !expect(&p, ':') || !digits(&p, 2, &sec))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return false;
	double frac = 0;
	if (*p == '.') {
		p++;
		double scale = 0.1;
		int n = 0;
		while (isdigit((unsigned char)*p)) {
			if (++n > 9)
				return false;
			frac += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
		if (n == 0)
			return false;
	}
	int offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		int oh, om;
		p++;
		if (!digits(&p, 2, &oh) || !expect(&p, ':') || !digits(&p, 2, &om) ||
		    oh > 23 || om > 59)
			return false;
		offset = sign * (oh * 3600 + om * 60);
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	*out = (double)(civil_to_unix(y, mo, d, h, mi, sec) - offset) + frac;
	return true;
}
