/* snapshot.h - the rendered, frozen result of one cycle: the one object
 * the poller and the HTTP server share.
 *
 * The poller publishes (the metrics and the status page rendered from the
 * same cycle); server threads acquire, send, release. A snapshot
 * never changes once published and is freed when the last reference goes.
 */
#ifndef DOKS_SNAPSHOT_H
#define DOKS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct snapshot;

/* Publishes body (taken: freed with free() when the last reader is done)
 * as the current snapshot, with its gzip form compressed here, before the
 * lock. Called on the poller thread. */
void snapshot_publish(char *body, size_t len);

/* Hands the status page (html, taken: freed with free()) to the next
 * snapshot_publish, which carries it with the body; a page staged again
 * before that replaces the first. Called on the poller thread only. */
void snapshot_stage_page(char *html, size_t len);

/* The current snapshot with a reference held, or NULL before the first
 * publication. Never blocks on anything but a pointer swap. */
struct snapshot *snapshot_acquire(void);
void snapshot_release(struct snapshot *s);

const char *snapshot_body(const struct snapshot *s);
size_t snapshot_len(const struct snapshot *s);

/* The status page published with the body, or NULL when none was staged
 * for it (rendering ran out of memory). */
const char *snapshot_page(const struct snapshot *s, size_t *len);

/* The body as an open gzip member (see gzip.h), made once at publish:
 * NULL when compression failed (serve the plain body then). */
const unsigned char *snapshot_gzip(const struct snapshot *s, size_t *len, uint32_t *crc);

/* True once anything was published. */
bool snapshot_ready(void);

/* Whether publish makes the gzip form (on by default). Called once at
 * start, before any publish. */
void snapshot_set_gzip(bool on);

/* Drops the current snapshot and any staged page (at exit, for leak
 * checkers). */
void snapshot_shutdown(void);

#endif
