/* poller.h - the thread that polls the API on a schedule and publishes
 * each cycle's rendered metrics as a snapshot.
 *
 * The poller owns the cluster records and the API counters; nothing else
 * touches them. Its only output is snapshot_publish.
 */
#ifndef DOKS_POLLER_H
#define DOKS_POLLER_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct settings;
struct poller;

/* settings is kept until poller_free. *out is owned (poller_free). */
enum err poller_new(const struct settings *settings, struct poller **out);

/* Runs one cycle on the calling thread and publishes its snapshot.
 * Returns true when every request of the cycle succeeded. */
bool poller_cycle(struct poller *p);

/* Calls fn for every exported cluster after a cycle, in the output's
 * order: account is NULL unless accounts are named; supported is 1 or 0
 * when the offered versions are known, else -1. For --check. */
struct cluster_record;
typedef void (*poller_cluster_fn)(const char *account, const struct cluster_record *c,
				  int supported, void *ctx);
void poller_each_cluster(const struct poller *p, poller_cluster_fn fn, void *ctx);

/* Starts the thread: a cycle now, then one every poll.interval. */
enum err poller_start(struct poller *p);

/* Asks the thread to stop (async-signal-unsafe: call from a thread), waits
 * for it; an API request in flight is abandoned within about 100 ms. */
void poller_stop(struct poller *p);

/* Only sets the stop flag: async-signal-safe, for --once's handler. */
void poller_request_stop(struct poller *p);

/* A reloaded configuration (taken: the poller frees it): it takes effect
 * at the start of the next cycle, keeping every series and counter.
 * Called from the main thread. */
void poller_reload(struct poller *p, struct settings *settings);

/* Tells the poller how the latest reload went, for
 * doks_exporter_config_last_reload_*. Called from the main thread. */
void poller_note_reload(struct poller *p, bool ok, double when);

void poller_free(struct poller *p);

#endif
