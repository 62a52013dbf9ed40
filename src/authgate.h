/* authgate.h - where the HTTP server's bcrypt work happens, and how much
 * of it a client may cause: one bcrypt at a time, on a thread of its own
 * (never on libmicrohttpd's, so that a scrape answered from the login
 * cache never waits behind one), logins waiting in a short line with one
 * place per client address, and failed logins limited per address.
 *
 * authgate_reserve, _start, _retry_after and _failed are called from
 * libmicrohttpd's threads; the checks and their done callbacks run on the
 * gate's thread. One mutex guards the line and the failure table. A
 * password is copied into the gate for its check and wiped after it;
 * nothing is logged.
 */
#ifndef DOKS_AUTHGATE_H
#define DOKS_AUTHGATE_H

#include <stdbool.h>
#include <sys/socket.h>

#include "err.h"

struct webconfig;
struct authgate;

/* Failed logins an address may make at once, and how fast it earns
 * another (one every AUTHGATE_REFILL_SECONDS). */
#define AUTHGATE_BURST 20
#define AUTHGATE_REFILL_SECONDS 1.0

/* Addresses whose failures are remembered; the least recently failed is
 * forgotten first. */
#define AUTHGATE_ADDRESSES 256

/* Logins waiting for their bcrypt, one per client address: a client of an
 * address of its own finds a place unless this many addresses flood at
 * once, and waits for at most this many checks. */
#define AUTHGATE_LINE 16

/* web is kept until authgate_free. *out is owned (authgate_free). */
enum err authgate_new(const struct webconfig *web, struct authgate **out);

/* Refuses new logins, fails those in line without a bcrypt, and waits
 * for the one being checked: every callback has run when it returns.
 * Call before stopping the server, then authgate_free. Accepts NULL. */
void authgate_drain(struct authgate *g);
void authgate_free(struct authgate *g);

/* Seconds (rounded up, >= 1) before sa (borrowed) may try a login that
 * needs a bcrypt again; 0 when it may now. */
unsigned authgate_retry_after(struct authgate *g, const struct sockaddr *sa);

/* Counts a failed login from sa (borrowed). */
void authgate_failed(struct authgate *g, const struct sockaddr *sa);

/* Takes a place in line for a login from sa (borrowed): a ticket >= 0,
 * or -1 when the line is full, sa has a login in line already, or the
 * gate is draining (answer 429 then). Each ticket is given to
 * authgate_start once. */
int authgate_reserve(struct authgate *g, const struct sockaddr *sa);

/* Checks user and pass (borrowed; copied, wiped after the check) with
 * webconfig_check_basic_auth on the gate's thread, after the logins
 * started before it, then calls done(cls, ok) there. */
void authgate_start(struct authgate *g, int ticket, const char *user, const char *pass,
		    void (*done)(void *cls, bool ok), void *cls);

#endif
