/* state.c - see state.h. The file is small: one entry per cluster with an
 * upgrade pending, one timestamp per offered version. */
#include "state.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "log.h"

/* A state file larger than this is not ours. */
#define STATE_FILE_MAX ((size_t)16 << 20)

/* Times outside [2000-01-01, 2200-01-01) are no sighting of ours: they
 * are dropped on load, and never reach a metric, the report, or a
 * conversion to time_t (undefined for a double out of its range). */
#define STATE_TIME_MIN 946684800.0
#define STATE_TIME_MAX 7258118400.0

struct seen {
	char *slug;
	double first;
};

struct entry {
	char *key;
	double pending_since;
	struct seen *versions;
	size_t count;
};

/* "Unsupported since" of a minor release: when /options first lacked it. */
struct release_seen {
	char release[STATE_RELEASE_SIZE];
	double since;
};

/* A cluster's upgrade history and what the list showed last. */
struct history_entry {
	char *key;
	struct history_seen seen;
	struct upgrade_history h;
};

/* A status messages' cursor: the newest message time seen of a cluster. */
struct cursor {
	char *key;
	double t;
};

struct state {
	struct entry *entries; /* sorted by key */
	size_t count;
	size_t cap;
	struct cursor *cursors; /* sorted by key */
	size_t cursor_count;
	size_t cursor_cap;
	bool dirty;
	struct release_seen *releases; /* in the order first seen */
	size_t release_count;
	struct history_entry *histories; /* sorted by key */
	size_t history_count;
};

static void support_free(struct state *s);
static void retain_histories(struct state *s, bool (*keep)(const char *key, void *ctx), void *ctx);
static bool support_from_json(struct state *s, const cJSON *root, size_t *dropped);
static bool support_to_json(const struct state *s, cJSON *root);
static bool cursors_from_json(struct state *s, const cJSON *root, size_t *dropped);
static bool cursors_to_json(const struct state *s, cJSON *root);

enum err state_new(struct state **out)
{
	struct state *s = calloc(1, sizeof *s);
	if (!s)
		return ERR_NOMEM;
	*out = s;
	return ERR_OK;
}

static void entry_cleanup(struct entry *e)
{
	for (size_t i = 0; i < e->count; i++)
		free(e->versions[i].slug);
	free(e->versions);
	free(e->key);
}

static void cursors_cleanup(struct state *s);

void state_free(struct state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++)
		entry_cleanup(&s->entries[i]);
	free(s->entries);
	cursors_cleanup(s);
	support_free(s);
	free(s);
}

static struct entry *find(struct state *s, const char *key, size_t *at)
{
	size_t lo = 0, hi = s->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->entries[mid].key, key);
		if (c == 0)
			return &s->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

/* A new, empty entry for key at position at; NULL on out of memory. */
static struct entry *insert(struct state *s, const char *key, size_t at)
{
	if (s->count == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		struct entry *ne = realloc(s->entries, nc * sizeof *ne);
		if (!ne)
			return NULL;
		s->entries = ne;
		s->cap = nc;
	}
	char *k = strdup(key);
	if (!k)
		return NULL;
	memmove(&s->entries[at + 1], &s->entries[at], (s->count - at) * sizeof *s->entries);
	s->entries[at] = (struct entry){ .key = k };
	s->count++;
	return &s->entries[at];
}

static void remove_at(struct state *s, size_t i)
{
	entry_cleanup(&s->entries[i]);
	memmove(&s->entries[i], &s->entries[i + 1], (s->count - i - 1) * sizeof *s->entries);
	s->count--;
}

static double first_seen_of(const struct entry *e, const char *slug)
{
	if (!e)
		return 0;
	for (size_t i = 0; i < e->count; i++)
		if (strcmp(e->versions[i].slug, slug) == 0)
			return e->versions[i].first;
	return 0;
}

/* Times kept to the millisecond: the file's numbers (cJSON prints 15
 * significant digits when they read back within its epsilon) then give
 * back exactly what was kept in memory, so a restart changes no value. */
static double to_ms(double t)
{
	return floor(t * 1000) / 1000;
}

void state_observe(struct state *s, const char *key, struct upgrades *u, double now)
{
	now = to_ms(now);
	size_t at = 0;
	struct entry *e = find(s, key, &at);
	if (u->count == 0) {
		u->pending_since = 0;
		if (e) {
			remove_at(s, (size_t)(e - s->entries));
			s->dirty = true;
		}
		return;
	}
	/* the versions offered now, with their first sighting */
	struct seen *versions = calloc(u->count, sizeof *versions);
	bool changed = !e || e->count != u->count;
	for (size_t i = 0; i < u->count && versions; i++) {
		double first = first_seen_of(e, u->versions[i].slug);
		changed = changed || first == 0;
		versions[i].first = first > 0 ? first : now;
		versions[i].slug = strdup(u->versions[i].slug);
		if (!versions[i].slug) {
			for (size_t j = 0; j < i; j++)
				free(versions[j].slug);
			free(versions);
			versions = NULL;
		}
	}
	double pending = e && e->pending_since > 0 ? e->pending_since : now;
	if (!versions) {
		/* out of memory: report what is known, keep the old entry */
		u->pending_since = pending;
		for (size_t i = 0; i < u->count; i++) {
			double first = first_seen_of(e, u->versions[i].slug);
			u->versions[i].first_seen = first > 0 ? first : now;
		}
		log_error("out of memory recording upgrade times");
		return;
	}
	if (!e) {
		e = insert(s, key, at);
		if (!e) {
			for (size_t i = 0; i < u->count; i++)
				free(versions[i].slug);
			free(versions);
			u->pending_since = pending;
			for (size_t i = 0; i < u->count; i++)
				u->versions[i].first_seen = now;
			log_error("out of memory recording upgrade times");
			return;
		}
	}
	for (size_t i = 0; i < e->count; i++)
		free(e->versions[i].slug);
	free(e->versions);
	e->versions = versions;
	e->count = u->count;
	e->pending_since = pending;
	u->pending_since = pending;
	for (size_t i = 0; i < u->count; i++)
		u->versions[i].first_seen = versions[i].first;
	if (changed)
		s->dirty = true;
}

static void cursors_retain(struct state *s, bool (*keep)(const char *key, void *ctx), void *ctx);

void state_retain(struct state *s, bool (*keep)(const char *key, void *ctx), void *ctx)
{
	for (size_t i = s->count; i-- > 0;) {
		if (!keep(s->entries[i].key, ctx)) {
			remove_at(s, i);
			s->dirty = true;
		}
	}
	retain_histories(s, keep, ctx);
	cursors_retain(s, keep, ctx);
}

static bool time_in_range(double t)
{
	return t >= STATE_TIME_MIN && t < STATE_TIME_MAX; /* false for NaN */
}

/* Fills s from the parsed file; false when its shape is wrong. A time
 * out of range drops its version, or its whole cluster entry for
 * pending_since, and counts in *dropped. */
static bool from_json(struct state *s, const cJSON *root, size_t *dropped)
{
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
	const cJSON *clusters = cJSON_GetObjectItemCaseSensitive(root, "clusters");
	if (!cJSON_IsNumber(version) || version->valuedouble != 1 || !cJSON_IsObject(clusters))
		return false;
	const cJSON *c;
	cJSON_ArrayForEach(c, clusters) {
		const cJSON *since = cJSON_GetObjectItemCaseSensitive(c, "pending_since");
		const cJSON *versions = cJSON_GetObjectItemCaseSensitive(c, "versions");
		if (!c->string || !cJSON_IsNumber(since) || !cJSON_IsObject(versions))
			return false;
		size_t at = 0;
		if (find(s, c->string, &at))
			return false; /* a key twice */
		const cJSON *v;
		cJSON_ArrayForEach(v, versions) {
			if (!v->string || !cJSON_IsNumber(v))
				return false;
		}
		if (!time_in_range(since->valuedouble)) {
			*dropped += 1;
			continue;
		}
		struct entry *e = insert(s, c->string, at);
		if (!e)
			return false;
		e->pending_since = since->valuedouble;
		size_t n = (size_t)cJSON_GetArraySize(versions);
		e->versions = calloc(n ? n : 1, sizeof *e->versions);
		if (!e->versions)
			return false;
		cJSON_ArrayForEach(v, versions) {
			if (e->count >= n)
				return false;
			if (!time_in_range(v->valuedouble)) {
				*dropped += 1;
				continue;
			}
			e->versions[e->count].slug = strdup(v->string);
			if (!e->versions[e->count].slug)
				return false;
			e->versions[e->count++].first = v->valuedouble;
		}
	}
	return support_from_json(s, root, dropped) && cursors_from_json(s, root, dropped);
}

/* The file's bytes, NUL-terminated, into *buf and *len; false (after a
 * warning) when it cannot be read. ERR_CONFIG in *rc when it is not a
 * regular file: a FIFO would block the start forever (so it is opened
 * without blocking), a device or a folder would be destroyed by the
 * rename of the next save. */
static bool read_state_file(const char *path, char **buf, size_t *len, enum err *rc)
{
	*rc = ERR_OK;
	/* stat first: opening a device can have effects of its own */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		*rc = ERR_CONFIG;
		return false;
	}
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("cannot read the state file; starting afresh", "file", path, "err",
				 strerror(errno));
		return false;
	}
	/* and again on what was opened, in case the name changed meanwhile */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		*rc = ERR_CONFIG;
		return false;
	}
	char *b = malloc(STATE_FILE_MAX + 2);
	size_t n = 0;
	bool ok = b != NULL;
	while (ok && n <= STATE_FILE_MAX) {
		ssize_t r = read(fd, b + n, STATE_FILE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			log_warn("cannot read the state file; starting afresh", "file", path, "err",
				 strerror(errno));
			ok = false;
		} else if (r == 0) {
			break;
		} else {
			n += (size_t)r;
		}
	}
	close(fd);
	if (!ok) {
		free(b);
		return false;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return true;
}

enum err state_load(const char *path, struct state **out)
{
	char *buf = NULL;
	size_t n = 0;
	enum err rc;
	bool have = read_state_file(path, &buf, &n, &rc);
	if (rc != ERR_OK) {
		log_error("the state file is not a regular file (a FIFO, a device or a folder?); "
			  "state.file must name a regular file or a name not yet taken",
			  "file", path);
		return rc;
	}
	struct state *s = NULL;
	if (state_new(&s) != ERR_OK) {
		free(buf);
		return ERR_NOMEM;
	}
	if (!have) {
		*out = s;
		return ERR_OK;
	}
	cJSON *root = NULL;
	if (n <= STATE_FILE_MAX)
		root = cJSON_ParseWithLength(buf, n);
	free(buf);
	size_t dropped = 0;
	if (!root || !cJSON_IsObject(root) || !from_json(s, root, &dropped)) {
		log_warn("the state file is corrupt; starting afresh and replacing it", "file", path);
		state_free(s);
		s = NULL;
		if (state_new(&s) != ERR_OK) {
			cJSON_Delete(root);
			return ERR_NOMEM;
		}
		s->dirty = true;
	} else if (dropped > 0) {
		log_warn("the state file holds times outside the years 2000 to 2200; they are dropped",
			 "file", path, "dropped", LOG_UINT(dropped));
		s->dirty = true;
	}
	cJSON_Delete(root);
	*out = s;
	return ERR_OK;
}

static cJSON *to_json(const struct state *s)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *clusters = cJSON_CreateObject();
	if (!root || !clusters || !cJSON_AddNumberToObject(root, "version", 1)) {
		cJSON_Delete(root);
		cJSON_Delete(clusters);
		return NULL;
	}
	cJSON_AddItemToObject(root, "clusters", clusters);
	for (size_t i = 0; i < s->count; i++) {
		const struct entry *e = &s->entries[i];
		cJSON *c = cJSON_CreateObject();
		cJSON *versions = cJSON_CreateObject();
		if (!c || !versions || !cJSON_AddNumberToObject(c, "pending_since", e->pending_since)) {
			cJSON_Delete(c);
			cJSON_Delete(versions);
			cJSON_Delete(root);
			return NULL;
		}
		cJSON_AddItemToObject(c, "versions", versions);
		cJSON_AddItemToObject(clusters, e->key, c);
		for (size_t j = 0; j < e->count; j++) {
			if (!cJSON_AddNumberToObject(versions, e->versions[j].slug, e->versions[j].first)) {
				cJSON_Delete(root);
				return NULL;
			}
		}
	}
	if (!support_to_json(s, root) || !cursors_to_json(s, root)) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* fsync of the folder holding path; path is scribbled on. A failure is
 * logged: the file is written, only its survival of a crash is less
 * certain. */
static void sync_folder_of(char *path)
{
	char *slash = strrchr(path, '/');
	const char *dir = ".";
	if (slash == path)
		dir = "/";
	else if (slash) {
		*slash = '\0';
		dir = path;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL && errno != EROFS))
		log_warn("cannot sync the state file's folder", "folder", dir, "err",
			 strerror(errno));
	if (fd >= 0)
		close(fd);
}

enum err state_save(struct state *s, const char *path)
{
	if (!s->dirty)
		return ERR_OK;
	cJSON *root = to_json(s);
	char *text = root ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	if (!text) {
		log_error("out of memory writing the state file");
		return ERR_NOMEM;
	}
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof ".XXXXXX");
	enum err rc = ERR_IO;
	int fd = -1;
	if (!tmp)
		goto out;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", sizeof ".XXXXXX");
	/* beside the file, so that rename() replaces it in one step */
	fd = mkstemp(tmp);
	if (fd < 0) {
		log_warn("cannot write the state file", "file", path, "err", strerror(errno));
		goto out;
	}
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		done += (size_t)w;
	}
	bool ok = done == len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	fd = -1;
	if (!ok || rename(tmp, path) != 0) {
		log_warn("cannot write the state file", "file", path, "err", strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* the rename is durable once the folder is written too */
	sync_folder_of(tmp);
	s->dirty = false;
	rc = ERR_OK;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	free(text);
	return rc;
}

/* ---- support: "unsupported since" and upgrade histories ------------------
 * Kept apart from the pending-since entries above, which go when a
 * cluster's upgrade is applied: a history outlives that. JSON keys
 * "releases" and "histories", both optional (files of older versions
 * lack them). */

static void history_entry_cleanup(struct history_entry *e)
{
	free(e->key);
	history_seen_cleanup(&e->seen);
	upgrade_history_cleanup(&e->h);
}

static void support_free(struct state *s)
{
	for (size_t i = 0; i < s->history_count; i++)
		history_entry_cleanup(&s->histories[i]);
	free(s->histories);
	free(s->releases);
}

static struct release_seen *release_find(const struct state *s, const char *release)
{
	for (size_t i = 0; i < s->release_count; i++)
		if (strcmp(s->releases[i].release, release) == 0)
			return &s->releases[i];
	return NULL;
}

static bool release_add(struct state *s, const char *release, double since)
{
	if (strlen(release) >= STATE_RELEASE_SIZE)
		return false;
	struct release_seen *n = realloc(s->releases, (s->release_count + 1) * sizeof *n);
	if (!n)
		return false;
	s->releases = n;
	struct release_seen *r = &n[s->release_count++];
	memset(r, 0, sizeof *r);
	memcpy(r->release, release, strlen(release) + 1);
	r->since = since;
	return true;
}

void state_note_release(struct state *s, const char *release, bool offered, double now)
{
	now = to_ms(now);
	struct release_seen *r = release_find(s, release);
	if (offered && r) {
		/* offered again: the next absence starts a new count */
		*r = s->releases[--s->release_count];
		s->dirty = true;
	} else if (!offered && !r) {
		if (release_add(s, release, now))
			s->dirty = true;
		else
			log_error("out of memory recording an unsupported release");
	}
}

double state_unsupported_since(const struct state *s, const char *release)
{
	const struct release_seen *r = release_find(s, release);
	return r ? r->since : 0;
}

static struct history_entry *history_find(struct state *s, const char *key, size_t *at)
{
	size_t lo = 0, hi = s->history_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->histories[mid].key, key);
		if (c == 0)
			return &s->histories[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

static struct history_entry *history_insert(struct state *s, const char *key, size_t at)
{
	struct history_entry *n = realloc(s->histories, (s->history_count + 1) * sizeof *n);
	if (!n)
		return NULL;
	s->histories = n;
	char *k = strdup(key);
	if (!k)
		return NULL;
	memmove(&n[at + 1], &n[at], (s->history_count - at) * sizeof *n);
	n[at] = (struct history_entry){ .key = k };
	s->history_count++;
	return &n[at];
}

static bool histories_equal(const struct upgrade_history *a, const struct upgrade_history *b)
{
	if (a->count != b->count || memcmp(a->ended, b->ended, sizeof a->ended) != 0)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (a->events[i].start != b->events[i].start || a->events[i].end != b->events[i].end)
			return false;
	return true;
}

void state_note_cluster(struct state *s, const char *key, const char *version,
			enum cluster_state st, double now, struct upgrade_history *out)
{
	now = to_ms(now);
	size_t at = 0;
	struct history_entry *e = history_find(s, key, &at);
	if (!e && !(e = history_insert(s, key, at))) {
		log_error("out of memory recording an upgrade history");
		return;
	}
	if (history_observe(&e->h, &e->seen, version, st, now))
		s->dirty = true;
	/* the record's copy: only when it differs (a change, or the first
	 * sighting after a start with a state file) */
	if (!histories_equal(out, &e->h) && !history_copy(out, &e->h))
		log_error("out of memory copying an upgrade history");
}

static void retain_histories(struct state *s, bool (*keep)(const char *key, void *ctx), void *ctx)
{
	for (size_t i = s->history_count; i-- > 0;) {
		if (keep(s->histories[i].key, ctx))
			continue;
		history_entry_cleanup(&s->histories[i]);
		memmove(&s->histories[i], &s->histories[i + 1],
			(s->history_count - i - 1) * sizeof *s->histories);
		s->history_count--;
		s->dirty = true;
	}
}

/* ---- their JSON ---- */

static const char *kind_text(enum upgrade_kind k)
{
	return upgrade_kind_name(k);
}

static bool kind_parse(const char *text, enum upgrade_kind *out)
{
	for (int k = 0; k < UPGRADE_KIND_COUNT; k++)
		if (strcmp(upgrade_kind_name((enum upgrade_kind)k), text) == 0) {
			*out = (enum upgrade_kind)k;
			return true;
		}
	return false;
}

/* A state name the model knows; "unknown" for anything else. */
static bool state_parse(const cJSON *j, enum cluster_state *out)
{
	if (!cJSON_IsString(j))
		return false;
	*out = cluster_state_parse(j->valuestring);
	return true;
}

static const char *string_or_null(const cJSON *j, bool *ok)
{
	if (cJSON_IsNull(j))
		return NULL;
	if (!cJSON_IsString(j))
		*ok = false;
	return cJSON_IsString(j) ? j->valuestring : NULL;
}

static bool event_from_json(const cJSON *j, struct upgrade_event *e, bool *in_range)
{
	bool ok = cJSON_IsObject(j);
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
	const cJSON *start = cJSON_GetObjectItemCaseSensitive(j, "start");
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(j, "end");
	*e = (struct upgrade_event){ 0 };
	e->from = (char *)string_or_null(cJSON_GetObjectItemCaseSensitive(j, "from"), &ok);
	e->to = (char *)string_or_null(cJSON_GetObjectItemCaseSensitive(j, "to"), &ok);
	ok = ok && cJSON_IsString(kind) && kind_parse(kind->valuestring, &e->kind) &&
	     cJSON_IsNumber(start) && cJSON_IsNumber(end) &&
	     state_parse(cJSON_GetObjectItemCaseSensitive(j, "outcome"), &e->outcome);
	if (!ok)
		return false;
	e->start = start->valuedouble;
	e->end = end->valuedouble;
	*in_range = time_in_range(e->start) && (e->end == 0 || time_in_range(e->end));
	return true;
}

static bool history_from_json(struct state *s, const cJSON *c, size_t *dropped)
{
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(c, "version");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(c, "state");
	const cJSON *ended = cJSON_GetObjectItemCaseSensitive(c, "ended");
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(c, "events");
	bool ok = c->string && cJSON_IsObject(ended) && cJSON_IsArray(events);
	const char *v = string_or_null(version, &ok);
	enum cluster_state state;
	size_t at = 0;
	if (!ok || !state_parse(st, &state) || history_find(s, c->string, &at))
		return false;
	struct history_entry *e = history_insert(s, c->string, at);
	if (!e || (v && !(e->seen.version = strdup(v))))
		return false;
	e->seen.known = true;
	e->seen.state = state;
	for (int k = 0; k < UPGRADE_KIND_COUNT; k++) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(ended, kind_text((enum upgrade_kind)k));
		if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble > 1e15)
			return false;
		e->h.ended[k] = (unsigned long long)n->valuedouble;
	}
	const cJSON *j;
	cJSON_ArrayForEach(j, events) {
		struct upgrade_event ev;
		bool in_range = false;
		if (!event_from_json(j, &ev, &in_range))
			return false;
		if (!in_range) {
			*dropped += 1;
			continue;
		}
		if (!history_append(&e->h, &ev))
			return false;
	}
	return true;
}

static bool support_from_json(struct state *s, const cJSON *root, size_t *dropped)
{
	const cJSON *releases = cJSON_GetObjectItemCaseSensitive(root, "releases");
	const cJSON *histories = cJSON_GetObjectItemCaseSensitive(root, "histories");
	if ((releases && !cJSON_IsObject(releases)) || (histories && !cJSON_IsObject(histories)))
		return false;
	const cJSON *r;
	cJSON_ArrayForEach(r, releases) {
		const cJSON *since = cJSON_GetObjectItemCaseSensitive(r, "unsupported_since");
		if (!r->string || !cJSON_IsNumber(since) || release_find(s, r->string))
			return false;
		if (!time_in_range(since->valuedouble)) {
			*dropped += 1;
			continue;
		}
		if (!release_add(s, r->string, since->valuedouble))
			return false;
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, histories) {
		if (!history_from_json(s, c, dropped))
			return false;
	}
	return true;
}

static cJSON *event_to_json(const struct upgrade_event *e)
{
	cJSON *j = cJSON_CreateObject();
	bool ok = j && (e->from ? cJSON_AddStringToObject(j, "from", e->from) :
				  cJSON_AddNullToObject(j, "from")) &&
		  (e->to ? cJSON_AddStringToObject(j, "to", e->to) : cJSON_AddNullToObject(j, "to")) &&
		  cJSON_AddStringToObject(j, "kind", kind_text(e->kind)) &&
		  cJSON_AddNumberToObject(j, "start", e->start) &&
		  cJSON_AddNumberToObject(j, "end", e->end) &&
		  cJSON_AddStringToObject(j, "outcome", cluster_state_name(e->outcome));
	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static cJSON *history_to_json(const struct history_entry *e)
{
	cJSON *c = cJSON_CreateObject();
	cJSON *ended = cJSON_CreateObject();
	cJSON *events = cJSON_CreateArray();
	bool ok = c && ended && events;
	if (ok) {
		cJSON_AddItemToObject(c, "ended", ended);
		cJSON_AddItemToObject(c, "events", events);
		ended = events = NULL;
	}
	cJSON_Delete(ended);
	cJSON_Delete(events);
	cJSON *ev = cJSON_GetObjectItemCaseSensitive(c, "events");
	cJSON *en = cJSON_GetObjectItemCaseSensitive(c, "ended");
	ok = ok && (e->seen.version ? cJSON_AddStringToObject(c, "version", e->seen.version) :
				       cJSON_AddNullToObject(c, "version")) &&
	     cJSON_AddStringToObject(c, "state", cluster_state_name(e->seen.state));
	for (int k = 0; ok && k < UPGRADE_KIND_COUNT; k++)
		ok = cJSON_AddNumberToObject(en, kind_text((enum upgrade_kind)k),
					     (double)e->h.ended[k]) != NULL;
	for (size_t i = 0; ok && i < e->h.count; i++) {
		cJSON *j = event_to_json(&e->h.events[i]);
		ok = j != NULL;
		if (ok)
			cJSON_AddItemToArray(ev, j);
	}
	if (!ok) {
		cJSON_Delete(c);
		return NULL;
	}
	return c;
}

static bool support_to_json(const struct state *s, cJSON *root)
{
	cJSON *releases = cJSON_AddObjectToObject(root, "releases");
	cJSON *histories = cJSON_AddObjectToObject(root, "histories");
	if (!releases || !histories)
		return false;
	for (size_t i = 0; i < s->release_count; i++) {
		cJSON *r = cJSON_AddObjectToObject(releases, s->releases[i].release);
		if (!r || !cJSON_AddNumberToObject(r, "unsupported_since", s->releases[i].since))
			return false;
	}
	for (size_t i = 0; i < s->history_count; i++) {
		if (!s->histories[i].seen.known)
			continue; /* nothing seen yet: nothing to keep */
		cJSON *c = history_to_json(&s->histories[i]);
		if (!c)
			return false;
		cJSON_AddItemToObject(histories, s->histories[i].key, c);
	}
	return true;
}

/* ---- the status messages' cursors ---------------------------------------
 * Their own table and their own key of the file, "status_messages_since":
 * {"account/cluster_id": Unix seconds}, beside "clusters", whose entries
 * come and go with pending upgrades. A file without the key (written by
 * an older exporter) has no cursor. */

static void cursors_cleanup(struct state *s)
{
	for (size_t i = 0; i < s->cursor_count; i++)
		free(s->cursors[i].key);
	free(s->cursors);
	s->cursors = NULL;
	s->cursor_count = s->cursor_cap = 0;
}

/* The index of key among the cursors, or where it would go (*found false). */
static size_t cursor_find(const struct state *s, const char *key, bool *found)
{
	size_t lo = 0, hi = s->cursor_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->cursors[mid].key, key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static bool cursor_insert(struct state *s, size_t at, const char *key, double t)
{
	if (s->cursor_count == s->cursor_cap) {
		size_t nc = s->cursor_cap ? s->cursor_cap * 2 : 16;
		struct cursor *n = realloc(s->cursors, nc * sizeof *n);
		if (!n)
			return false;
		s->cursors = n;
		s->cursor_cap = nc;
	}
	char *k = strdup(key);
	if (!k)
		return false;
	memmove(&s->cursors[at + 1], &s->cursors[at], (s->cursor_count - at) * sizeof *s->cursors);
	s->cursors[at] = (struct cursor){ .key = k, .t = t };
	s->cursor_count++;
	return true;
}

double state_status_cursor(const struct state *s, const char *key)
{
	bool found;
	size_t at = cursor_find(s, key, &found);
	return found ? s->cursors[at].t : 0;
}

void state_set_status_cursor(struct state *s, const char *key, double t)
{
	if (!time_in_range(t))
		return;
	bool found;
	size_t at = cursor_find(s, key, &found);
	if (found) {
		if (s->cursors[at].t != t) {
			s->cursors[at].t = t;
			s->dirty = true;
		}
		return;
	}
	if (!cursor_insert(s, at, key, t)) {
		log_error("out of memory recording a status messages' cursor");
		return;
	}
	s->dirty = true;
}

static void cursors_retain(struct state *s, bool (*keep)(const char *key, void *ctx), void *ctx)
{
	for (size_t i = s->cursor_count; i-- > 0;) {
		if (keep(s->cursors[i].key, ctx))
			continue;
		free(s->cursors[i].key);
		memmove(&s->cursors[i], &s->cursors[i + 1],
			(s->cursor_count - i - 1) * sizeof *s->cursors);
		s->cursor_count--;
		s->dirty = true;
	}
}

static bool cursors_from_json(struct state *s, const cJSON *root, size_t *dropped)
{
	const cJSON *since = cJSON_GetObjectItemCaseSensitive(root, "status_messages_since");
	if (!since)
		return true;
	if (!cJSON_IsObject(since))
		return false;
	const cJSON *c;
	cJSON_ArrayForEach(c, since) {
		if (!c->string || !cJSON_IsNumber(c))
			return false;
		bool found;
		size_t at = cursor_find(s, c->string, &found);
		if (found)
			return false; /* a key twice */
		if (!time_in_range(c->valuedouble)) {
			*dropped += 1;
			continue;
		}
		if (!cursor_insert(s, at, c->string, c->valuedouble))
			return false;
	}
	return true;
}

static bool cursors_to_json(const struct state *s, cJSON *root)
{
	if (s->cursor_count == 0)
		return true;
	cJSON *since = cJSON_AddObjectToObject(root, "status_messages_since");
	if (!since)
		return false;
	for (size_t i = 0; i < s->cursor_count; i++)
		if (!cJSON_AddNumberToObject(since, s->cursors[i].key, s->cursors[i].t))
			return false;
	return true;
}
