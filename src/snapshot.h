/* snapshot.h - the rendered, frozen result of one cycle: the one object
 * the poller and the HTTP server share.
 *
 * The poller publishes (the metrics and the status page rendered from the
 * same cycle); server threads acquire, send, release. A snapshot
 * never changes once published and is freed when the last reference goes.
 *
 * Beside the snapshot lives the process block: the few process_* lines
 * the server renders once a second and serves after every body. Each
 * (snapshot, block) pair has one view: what the server serves for it
 * (libmicrohttpd's responses), built once by the writer that made the pair,
 * before the lock, and reused by every scrape until the next pair. A
 * block is never changed in place: a new one makes a new view, and a send
 * in progress keeps the bytes of its own.
 */
#ifndef DOKS_SNAPSHOT_H
#define DOKS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct snapshot;
struct snapshot_view;

/* Publishes body (taken: freed with free() when the last reader is done)
 * as the current snapshot, with its gzip form compressed here, before the
 * lock, and its view built for the current block. Called on the poller
 * thread. */
void snapshot_publish(char *body, size_t len);

/* Hands the status page (html, taken: freed with free()) to the next
 * snapshot_publish, which carries it with the body; a page staged again
 * before that replaces the first. Called on the poller thread only. */
void snapshot_stage_page(char *html, size_t len);

/* The current snapshot with a reference held, or NULL before the first
 * publication. Never blocks on anything but a pointer swap. */
struct snapshot *snapshot_acquire(void);
/* Another reference on s (NULL: none), which the caller holds one of;
 * returns s. */
struct snapshot *snapshot_retain(struct snapshot *s);
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

/* ---- the process block and the views ------------------------------------ */

/* How a view's served object is made and dropped: build gets the
 * snapshot (borrowed, NULL before the first publication; snapshot_retain
 * what it keeps) and the block (borrowed, len 0 before the first block)
 * and returns the object, or NULL when it cannot (scrapes then see NULL);
 * drop gets what build returned once the last holder of the view is done,
 * on whichever thread that is. Both run outside the lock. */
struct snapshot_serve_ops {
	void *(*build)(struct snapshot *s, const char *block, size_t block_len, void *arg);
	void (*drop)(void *served, void *arg);
	void *arg; /* kept until the next snapshot_serve */
};

/* Starts making a view for every pair (ops borrowed, copied), with one
 * made at once for the current pair; NULL stops, and drops the current
 * view (held ones live on until released). Any thread. */
void snapshot_serve(const struct snapshot_serve_ops *ops);

/* Publishes text (taken: freed with free()) as the process block, and
 * builds the view of the current snapshot with it. Any thread; writers
 * take turns, readers never wait for them. */
void snapshot_publish_block(char *text, size_t len);

/* The current view with a reference held, or NULL when nothing is served
 * (no snapshot_serve). Never blocks on anything but a pointer swap. */
struct snapshot_view *snapshot_view_acquire(void);
void snapshot_view_release(struct snapshot_view *v);

/* What build returned for this view's pair (NULL when it failed). */
void *snapshot_view_served(const struct snapshot_view *v);

/* Drops the current snapshot, view, block and any staged page (at exit,
 * for leak checkers). */
void snapshot_shutdown(void);

#endif
