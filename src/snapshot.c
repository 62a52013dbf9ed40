/* snapshot.c - reference-counted publication of the rendered text, and of
 * the views the server builds for it.
 *
 * All slow work (requests, decoding, rendering, compression, building a
 * view) happens before the lock; the lock guards only the current
 * pointers and the reference counts, so a scrape waits at most for a
 * pointer swap. A bare atomic pointer would not do: a reader could load it
 * while the poller frees it.
 *
 * Writers (the poller's publish, the server's block once a second, the
 * server starting and stopping) take turns on writer_lock, so that a view
 * is always built from the pair that becomes current with it; readers
 * never take it.
 */
#include "snapshot.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "gzip.h"

struct snapshot {
	char *body;
	size_t len;
	unsigned char *gz; /* an open gzip member of body, or NULL */
	size_t gz_len;
	uint32_t crc;
	char *page; /* the status page of the same cycle, or NULL */
	size_t page_len;
	unsigned long refs; /* guarded by lock */
};

struct snapshot_view {
	struct snapshot *snap; /* a reference, or NULL */
	void *served;          /* from build, or NULL */
	void (*drop)(void *served, void *arg);
	void *arg;
	unsigned long refs; /* guarded by lock */
};

/* guards current, view, and every snapshot's and view's refs */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;
static struct snapshot_view *view;
/* makes writers take turns; guards ops, serving, block and block_len */
static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot_serve_ops ops;
static bool serving;
static char *block;
static size_t block_len;
static _Atomic bool make_gzip = true;
/* the page for the next publication: the poller thread's alone */
static char *staged_page;
static size_t staged_len;

void snapshot_set_gzip(bool on)
{
	atomic_store(&make_gzip, on);
}

static void destroy(struct snapshot *s)
{
	free(s->gz);
	free(s->page);
	free(s->body);
	free(s);
}

static void view_destroy(struct snapshot_view *v)
{
	if (v->served && v->drop)
		v->drop(v->served, v->arg);
	snapshot_release(v->snap);
	free(v);
}

void snapshot_stage_page(char *html, size_t len)
{
	free(staged_page);
	staged_page = html;
	staged_len = html ? len : 0;
}

/* The view of s (NULL: none yet) and the current block, or NULL when
 * nothing is served or memory ran out. With writer_lock held, not lock. */
static struct snapshot_view *make_view(struct snapshot *s)
{
	if (!serving)
		return NULL;
	struct snapshot_view *v = malloc(sizeof *v);
	if (!v)
		return NULL;
	v->snap = snapshot_retain(s);
	v->served = ops.build ? ops.build(s, block ? block : "", block_len, ops.arg) : NULL;
	v->drop = ops.drop;
	v->arg = ops.arg;
	v->refs = 1; /* the reference held as "view" */
	return v;
}

/* Makes s (taken as "current" when replace_snap) and v the current pair,
 * and drops what they replace. With writer_lock held. */
static void swap(bool replace_snap, struct snapshot *s, struct snapshot_view *v)
{
	pthread_mutex_lock(&lock);
	struct snapshot *old = NULL;
	if (replace_snap) {
		old = current;
		current = s;
	}
	struct snapshot_view *oldv = view;
	view = v;
	bool last = old && --old->refs == 0;
	bool lastv = oldv && --oldv->refs == 0;
	pthread_mutex_unlock(&lock);
	if (last)
		destroy(old);
	if (lastv)
		view_destroy(oldv);
}

void snapshot_publish(char *body, size_t len)
{
	struct snapshot *s = malloc(sizeof *s);
	if (!s) {
		/* keep serving the previous snapshot */
		free(body);
		return;
	}
	s->body = body;
	s->len = len;
	s->page = staged_page;
	s->page_len = staged_len;
	staged_page = NULL;
	staged_len = 0;
	s->gz = NULL;
	s->gz_len = 0;
	/* compressed once here, so that no scrape ever compresses */
	if (atomic_load(&make_gzip) &&
	    gzip_open_member(body, len, &s->gz, &s->gz_len, &s->crc) != ERR_OK)
		s->gz = NULL;
	s->refs = 1; /* the reference held as "current" */
	pthread_mutex_lock(&writer_lock);
	struct snapshot_view *v = make_view(s);
	swap(true, s, v);
	pthread_mutex_unlock(&writer_lock);
}

/* With writer_lock held: a new view of the current snapshot. */
static void rebuild(void)
{
	struct snapshot *s = snapshot_acquire();
	struct snapshot_view *v = make_view(s);
	snapshot_release(s);
	swap(false, NULL, v);
}

void snapshot_publish_block(char *text, size_t len)
{
	pthread_mutex_lock(&writer_lock);
	/* the old text may go now: a view copies what it serves of it */
	free(block);
	block = text;
	block_len = text ? len : 0;
	rebuild();
	pthread_mutex_unlock(&writer_lock);
}

void snapshot_serve(const struct snapshot_serve_ops *o)
{
	pthread_mutex_lock(&writer_lock);
	serving = o != NULL;
	ops = o ? *o : (struct snapshot_serve_ops){ 0 };
	rebuild();
	pthread_mutex_unlock(&writer_lock);
}

struct snapshot *snapshot_acquire(void)
{
	pthread_mutex_lock(&lock);
	struct snapshot *s = current;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&lock);
	return s;
}

struct snapshot *snapshot_retain(struct snapshot *s)
{
	if (!s)
		return NULL;
	pthread_mutex_lock(&lock);
	s->refs++;
	pthread_mutex_unlock(&lock);
	return s;
}

void snapshot_release(struct snapshot *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&lock);
	bool last = --s->refs == 0;
	pthread_mutex_unlock(&lock);
	if (last)
		destroy(s);
}

struct snapshot_view *snapshot_view_acquire(void)
{
	pthread_mutex_lock(&lock);
	struct snapshot_view *v = view;
	if (v)
		v->refs++;
	pthread_mutex_unlock(&lock);
	return v;
}

void snapshot_view_release(struct snapshot_view *v)
{
	if (!v)
		return;
	pthread_mutex_lock(&lock);
	bool last = --v->refs == 0;
	pthread_mutex_unlock(&lock);
	if (last)
		view_destroy(v);
}

void *snapshot_view_served(const struct snapshot_view *v) { return v->served; }

const char *snapshot_body(const struct snapshot *s) { return s->body; }

const unsigned char *snapshot_gzip(const struct snapshot *s, size_t *len, uint32_t *crc)
{
	*len = s->gz_len;
	*crc = s->crc;
	return s->gz;
}
size_t snapshot_len(const struct snapshot *s) { return s->len; }

const char *snapshot_page(const struct snapshot *s, size_t *len)
{
	*len = s->page_len;
	return s->page;
}

bool snapshot_ready(void)
{
	pthread_mutex_lock(&lock);
	bool ready = current != NULL;
	pthread_mutex_unlock(&lock);
	return ready;
}

void snapshot_shutdown(void)
{
	snapshot_stage_page(NULL, 0);
	pthread_mutex_lock(&writer_lock);
	serving = false;
	ops = (struct snapshot_serve_ops){ 0 };
	free(block);
	block = NULL;
	block_len = 0;
	swap(true, NULL, NULL);
	pthread_mutex_unlock(&writer_lock);
}
