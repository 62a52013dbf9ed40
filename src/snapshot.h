/* snapshot.h - the rendered, frozen result of one cycle: the one object
 * the poller and the HTTP server share.
 *
 * The poller publishes; server threads acquire, send, release. A snapshot
 * never changes once published and is freed when the last reference goes.
 */
#ifndef DOKS_SNAPSHOT_H
#define DOKS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

struct snapshot;

/* Publishes body (taken: freed with free() when the last reader is done)
 * as the current snapshot. ready marks that a full cycle has finished. */
void snapshot_publish(char *body, size_t len);

/* The current snapshot with a reference held, or NULL before the first
 * publication. Never blocks on anything but a pointer swap. */
struct snapshot *snapshot_acquire(void);
void snapshot_release(struct snapshot *s);

const char *snapshot_body(const struct snapshot *s);
size_t snapshot_len(const struct snapshot *s);

/* True once anything was published. */
bool snapshot_ready(void);

/* Drops the current snapshot (at exit, for leak checkers). */
void snapshot_shutdown(void);

#endif
