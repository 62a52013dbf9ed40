/* status_messages.c - GET /v2/kubernetes/clusters/{id}/status_messages:
 * what DigitalOcean tells about a cluster's lifecycle (incidents, limits).
 *
 * Read with since= the newest message time seen (the cursor), in whole
 * seconds, so that the API sends what is new; messages at or before the
 * cursor are dropped here whether or not the API includes a message at
 * exactly `since`. The cursor is kept in state.file (by the poller), so a
 * restart neither repeats nor loses messages. The very first read, with no
 * cursor anywhere, sends no since= and takes every message the API holds.
 * Each new message is logged once at info (the logger escapes its text);
 * texts never become labels.
 */
#include "endpoints/endpoint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "log.h"
#include "settings.h"

/* New messages one answer logs at most; more are counted, and the newest
 * of them logged. */
#define STATUS_MESSAGES_LOG_MAX 100

/* Unix seconds t as RFC 3339 in UTC, with milliseconds when millis. */
static void format_time(double t, bool millis, char *buf, size_t size)
{
	double whole = floor(t);
	time_t secs = (time_t)whole;
	struct tm tm;
	if (!gmtime_r(&secs, &tm) || size < ENDPOINT_SINCE_MAX) {
		if (size)
			buf[0] = '\0';
		return;
	}
	char base[24];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	long ms = lround((t - whole) * 1000);
	if (ms > 999)
		ms = 999;
	if (millis && ms > 0)
		snprintf(buf, size, "%s.%03ldZ", base, ms);
	else
		snprintf(buf, size, "%sZ", base);
}

void endpoint_status_messages_since(const struct record *rec, char *buf, size_t size)
{
	double cursor = rec->r.status_messages.last_timestamp;
	if (cursor > 0)
		format_time(cursor, false, buf, size);
	else if (size)
		buf[0] = '\0';
}

void endpoint_status_messages_restore(struct record *rec, double cursor)
{
	struct status_messages *m = &rec->r.status_messages;
	if (!rec->r.have_status_messages && cursor > m->last_timestamp)
		m->last_timestamp = cursor;
}

static long interval(const struct settings *s)
{
	return settings_status_messages_interval(s);
}

static bool wanted(const struct settings *s, const struct record *rec, bool listed)
{
	(void)listed;
	return settings_status_messages_interval(s) > 0 && !rec->gone;
}

static void path(char *buf, size_t size, const struct settings *s, const struct record *rec)
{
	(void)s;
	char since[ENDPOINT_SINCE_MAX];
	endpoint_status_messages_since(rec, since, sizeof since);
	/* RFC 3339 with Z needs no escaping in a query: digits, '-', ':', 'T' */
	snprintf(buf, size, "/v2/kubernetes/clusters/%s/status_messages%s%s", rec->r.cluster.id,
		 since[0] ? "?since=" : "", since);
}

/* Puts msg (taken) first among the newest few, dropping the oldest. */
static void remember(struct status_messages *m, struct status_message msg)
{
	if (m->recent_count == STATUS_MESSAGES_RECENT)
		free(m->recent[--m->recent_count].message);
	memmove(&m->recent[1], &m->recent[0], m->recent_count * sizeof m->recent[0]);
	m->recent[0] = msg;
	m->recent_count++;
}

static enum err apply(const struct settings *s, struct record *rec, const char *body, size_t len,
		      double now)
{
	(void)s;
	(void)now;
	struct status_messages *m = &rec->r.status_messages;
	struct status_message *msgs = NULL;
	size_t n = 0, newer = 0;
	enum err rc = decode_status_messages(body, len, m->last_timestamp, STATUS_MESSAGES_LOG_MAX,
					     &msgs, &n, &newer);
	if (rc != ERR_OK)
		return rc;
	const char *id = rec->r.cluster.id;
	const char *name = rec->r.cluster.name;
	if (newer > n)
		log_warn("more new status messages than are logged at once; the oldest are counted only",
			 "cluster_id", id, "cluster_name", name, "new", LOG_UINT(newer),
			 "logged", LOG_UINT(n));
	for (size_t i = 0; i < n; i++) {
		char when[ENDPOINT_SINCE_MAX];
		format_time(msgs[i].timestamp, true, when, sizeof when);
		log_info("cluster status message", "cluster_id", id, "cluster_name", name,
			 "timestamp", when, "text", msgs[i].message);
		remember(m, msgs[i]); /* taken */
	}
	if (n > 0)
		m->last_timestamp = msgs[n - 1].timestamp;
	free(msgs);
	m->total += newer;
	rec->r.have_status_messages = true;
	return ERR_OK;
}

const struct cluster_endpoint endpoint_status_messages = {
	.name = "status_messages",
	.ep = ENDPOINT_STATUS_MESSAGES,
	.poll = POLL_STATUS_MESSAGES,
	.kind = { SCHED_PRIO_LATER, SCHED_PRIO_LATER },
	.interval = interval,
	.wanted = wanted,
	.path = path,
	.apply = apply,
};
