/* connguard.h - the bounds on the HTTP server's connections that
 * libmicrohttpd lacks: a total deadline per request (its own time-out
 * counts idle time only, so a client sending a header line every few
 * seconds held a connection for ever), a cap per client address, and
 * room for a new address when every slot is taken.
 *
 * Called from libmicrohttpd's threads (connguard_admit, _opened,
 * _answered, _closed) and its own reaper thread, which shuts down the
 * socket of a connection past its deadline; one mutex guards the table.
 * It only ever calls shutdown(2) on a socket, never close(2): the
 * connection's owner closes it, after connguard_closed, so a descriptor
 * is never touched once it may have been reused. Knows nothing of HTTP.
 */
#ifndef DOKS_CONNGUARD_H
#define DOKS_CONNGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "err.h"

/* Headroom above total that the caller lets its server accept, for the
 * connections being shut down to make room. */
#define CONNGUARD_HEADROOM 16

struct connguard;

struct connguard_stats {
	size_t open;            /* connections in the table */
	unsigned long timed_out; /* cut at their deadline */
	unsigned long refused;  /* refused: their address had its share */
	unsigned long evicted;  /* cut to make room for another address */
};

/* total: connections served at once; per_address: from one client
 * address (an IPv6 /64 is one address); deadline: seconds from a
 * connection's start, or the end of its previous answer, until its next
 * answer is sent. reaper: true to start the thread that enforces the
 * deadline every 100 ms (false for tests, which call connguard_reap).
 * *out is owned (connguard_free). */
enum err connguard_new(size_t total, size_t per_address, double deadline, bool reaper,
		       struct connguard **out);

/* Stops the reaper and frees. Accepts NULL. */
void connguard_free(struct connguard *g);

/* Whether to accept a connection from sa (borrowed): false when its
 * address has per_address connections already. When total are open, one
 * is shut down to make room, so a new client is served whatever the
 * others do: of the address holding the most, one never answered before
 * the others (a scraper's kept-alive connection has been), the oldest
 * first. */
bool connguard_admit(struct connguard *g, const struct sockaddr *sa);

/* A connection accepted: id names it (kept as a key, never dereferenced)
 * until connguard_closed; fd is its socket; its deadline starts now.
 * False when the table is full (the caller should drop it). */
bool connguard_opened(struct connguard *g, const void *id, int fd, const struct sockaddr *sa);

/* Its answer is sent: the deadline of its next request starts now. */
void connguard_answered(struct connguard *g, const void *id);

/* It is closing: forgotten, before the caller closes fd. */
void connguard_closed(struct connguard *g, const void *id);

/* Shuts down the connections past their deadline at now (CLOCK_MONOTONIC
 * seconds); returns how many. The reaper thread calls it. */
size_t connguard_reap(struct connguard *g, double now);

void connguard_stats(struct connguard *g, struct connguard_stats *out);


/* The 16 bytes a client is counted under: IPv4 (mapped or not) whole, as
 * a v4-mapped address; IPv6 cut to its /64, which one client controls.
 * All zero for NULL or another family. */
void connguard_address_key(const struct sockaddr *sa, unsigned char key[16]);

#endif
