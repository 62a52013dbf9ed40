/* process.c - the process_* figures from /proc/self, and their text.
 *
 * Called on the server's ticker thread, once a second; process_read makes
 * about ten system calls, which no scrape pays.
 */
#include "process.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exposition.h"

/* /proc/self/stat: CPU ticks and resident pages. */
static void read_stat(struct process_stats *p)
{
	long ticks = sysconf(_SC_CLK_TCK);
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/stat", "r");
	if (!f)
		return;
	char buf[1024];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	/* the command name may hold spaces and ')': fields follow the last ')' */
	const char *rp = strrchr(buf, ')');
	unsigned long utime, stime;
	long rss;
	if (rp && ticks > 0 &&
	    sscanf(rp + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d "
		   "%*d %*d %*u %*u %ld",
		   &utime, &stime, &rss) == 3) {
		p->cpu_seconds = (double)(utime + stime) / (double)ticks;
		p->resident_bytes = (double)rss * (double)page;
		p->have_cpu = p->have_rss = true;
	}
}

/* /proc/self/fd: one entry per open descriptor. */
static void read_fds(struct process_stats *p)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	long n = 0;
	const struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	p->open_fds = (double)(n - 1); /* less the one opendir holds */
	p->have_fds = true;
}

void process_read(struct process_stats *p)
{
	read_stat(p);
	read_fds(p);
}

/* Appends to buf at *len; false when it does not fit. */
static bool appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += (size_t)n;
	return true;
}

size_t process_render(const struct process_stats *p, char *buf, size_t size)
{
	char v[4][40];
	exposition_format_value(p->cpu_seconds, v[0], sizeof v[0]);
	exposition_format_value(p->resident_bytes, v[1], sizeof v[1]);
	exposition_format_value(p->open_fds, v[2], sizeof v[2]);
	exposition_format_value(p->start_time, v[3], sizeof v[3]);
	size_t len = 0;
	bool ok = true;
	if (p->have_cpu)
		ok = ok && appendf(buf, size, &len,
				   "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
				   "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %s\n",
				   v[0]);
	if (p->have_fds)
		ok = ok && appendf(buf, size, &len,
				   "# HELP process_open_fds Number of open file descriptors.\n"
				   "# TYPE process_open_fds gauge\nprocess_open_fds %s\n",
				   v[2]);
	if (p->have_rss)
		ok = ok && appendf(buf, size, &len,
				   "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
				   "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %s\n",
				   v[1]);
	ok = ok && appendf(buf, size, &len,
			   "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
			   "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %s\n",
			   v[3]);
	return ok ? len : 0;
}
