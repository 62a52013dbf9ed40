/*
 * server.h: the HTTP side of the fake DigitalOcean API (libmicrohttpd, one
 * thread per connection, so that answers may sleep).
 *
 * server_start, server_swap and server_stop belong to the main thread; the
 * connection threads only read the current scenario through a counted
 * reference. Never writes the Authorization value anywhere.
 */
#ifndef FAKEAPI_SERVER_H
#define FAKEAPI_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario.h"

struct server;

/*
 * Listens on the IPv4 address addr (borrowed), port (0: any free one).
 * sc is taken, even on failure. log (kept until server_stop; may be NULL)
 * gets one line per API request. On success *out is owned (stop and free it
 * with server_stop) and *bound is the port in use.
 */
bool server_start(const char *addr, uint16_t port, struct scenario *sc,
		  FILE *log, struct server **out, uint16_t *bound);

/*
 * Makes sc (taken) the scenario for requests that start from now on;
 * requests in flight finish with the old one. Fault counters and the rate
 * limit start afresh. Returns the new generation (1 + successful swaps).
 */
unsigned long server_swap(struct server *srv, struct scenario *sc);

/*
 * Stops listening, ends hanging answers (they notice within ~20 ms), waits
 * for every connection thread and frees everything. Accepts NULL.
 */
void server_stop(struct server *srv);

#endif
