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
};

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

void state_observe(struct state *s, const char *key, struct upgrades *u, double now)
{
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
	cursors_retain(s, keep, ctx);
}

static bool time_in_range(double t)
{
	return t >= STATE_TIME_MIN && t < STATE_TIME_MAX; /* false for NaN */
}

static bool cursors_from_json(struct state *s, const cJSON *root, size_t *dropped);
static bool cursors_to_json(const struct state *s, cJSON *root);

/* Fills s from the parsed file; false when its shape is wrong. A time
 * out of range drops its version, or its whole cluster entry for
 * pending_since, and counts in *dropped. */
static bool from_json(struct state *s, const cJSON *root, size_t *dropped)
{
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
	const cJSON *clusters = cJSON_GetObjectItemCaseSensitive(root, "clusters");
	if (!cJSON_IsNumber(version) || version->valuedouble != 1 || !cJSON_IsObject(clusters))
		return false;
	if (!cursors_from_json(s, root, dropped))
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
	return true;
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
	if (!cursors_to_json(s, root)) {
		cJSON_Delete(root);
		return NULL;
	}
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
