/* snapshot.c - reference-counted publication of the rendered text.
 *
 * All slow work (requests, decoding, rendering) happens before
 * snapshot_publish; the lock guards only the current pointer and the
 * reference counts, so a scrape waits at most for a pointer swap. A bare
 * atomic pointer would not do: a reader could load it while the poller
 * frees it.
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

/* guards current and every snapshot's refs */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;
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

void snapshot_stage_page(char *html, size_t len)
{
	free(staged_page);
	staged_page = html;
	staged_len = html ? len : 0;
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
	pthread_mutex_lock(&lock);
	struct snapshot *old = current;
	current = s;
	bool last = old && --old->refs == 0;
	pthread_mutex_unlock(&lock);
	if (last)
		destroy(old);
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
	pthread_mutex_lock(&lock);
	struct snapshot *old = current;
	current = NULL;
	bool last = old && --old->refs == 0;
	pthread_mutex_unlock(&lock);
	if (last)
		destroy(old);
}
