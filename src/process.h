/* process.h - the process_* families: this process's CPU time, resident
 * memory, open descriptors and start time, as client libraries export them.
 *
 * Owned by the server: its ticker thread reads the figures and renders
 * their few lines once a second into the process block (snapshot.h),
 * served after every snapshot's body; no scrape calls either.
 * process_read does the I/O (/proc/self); process_render is pure and
 * allocates nothing.
 */
#ifndef DOKS_PROCESS_H
#define DOKS_PROCESS_H

#include <stdbool.h>
#include <stddef.h>

/* Room that the four families always fit in. */
#define PROCESS_TEXT_MAX 1024

struct process_stats {
	double start_time;      /* Unix seconds: the caller's, never read here */
	double cpu_seconds;     /* user + system */
	double resident_bytes;
	double open_fds;
	bool have_cpu, have_rss, have_fds;
};

/* Reads /proc/self into p; fields it cannot read keep their have_ false
 * and their values. Never touches start_time. */
void process_read(struct process_stats *p);

/* Renders the process_* families into buf (borrowed); returns the length,
 * or 0 when buf is too small (its bytes are then unspecified). */
size_t process_render(const struct process_stats *p, char *buf, size_t size);

#endif
