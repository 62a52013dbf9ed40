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
#include <unistd.h>

#include "log.h"

/* A state file larger than this is not ours. */
#define STATE_FILE_MAX ((size_t)16 << 20)

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

struct state {
	struct entry *entries; /* sorted by key */
	size_t count;
	size_t cap;
	bool dirty;
};

struct state *state_new(void)
{
	return calloc(1, sizeof(struct state));
}

static void entry_cleanup(struct entry *e)
{
	for (size_t i = 0; i < e->count; i++)
		free(e->versions[i].slug);
	free(e->versions);
	free(e->key);
}

void state_free(struct state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++)
		entry_cleanup(&s->entries[i]);
	free(s->entries);
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

void state_retain(struct state *s, bool (*keep)(const char *key, void *ctx), void *ctx)
{
	for (size_t i = s->count; i-- > 0;) {
		if (!keep(s->entries[i].key, ctx)) {
			remove_at(s, i);
			s->dirty = true;
		}
	}
}

/* Fills s from the parsed file; false when its shape is wrong. */
static bool from_json(struct state *s, const cJSON *root)
{
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
	const cJSON *clusters = cJSON_GetObjectItemCaseSensitive(root, "clusters");
	if (!cJSON_IsNumber(version) || version->valuedouble != 1 || !cJSON_IsObject(clusters))
		return false;
	const cJSON *c;
	cJSON_ArrayForEach(c, clusters) {
		const cJSON *since = cJSON_GetObjectItemCaseSensitive(c, "pending_since");
		const cJSON *versions = cJSON_GetObjectItemCaseSensitive(c, "versions");
		if (!c->string || !cJSON_IsNumber(since) || !(since->valuedouble > 0) ||
		    !isfinite(since->valuedouble) ||
		    !cJSON_IsObject(versions))
			return false;
		size_t at = 0;
		if (find(s, c->string, &at))
			return false; /* a key twice */
		struct entry *e = insert(s, c->string, at);
		if (!e)
			return false;
		e->pending_since = since->valuedouble;
		size_t n = (size_t)cJSON_GetArraySize(versions);
		e->versions = calloc(n ? n : 1, sizeof *e->versions);
		if (!e->versions)
			return false;
		const cJSON *v;
		cJSON_ArrayForEach(v, versions) {
			if (!v->string || !cJSON_IsNumber(v) || !(v->valuedouble > 0) ||
			    !isfinite(v->valuedouble) || e->count >= n)
				return false;
			e->versions[e->count].slug = strdup(v->string);
			if (!e->versions[e->count].slug)
				return false;
			e->versions[e->count++].first = v->valuedouble;
		}
	}
	return true;
}

enum err state_load(const char *path, struct state **out)
{
	struct state *s = state_new();
	if (!s)
		return ERR_NOMEM;
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno != ENOENT)
			log_warn("cannot read the state file; starting afresh", "file", path, "err",
				 strerror(errno));
		*out = s;
		return ERR_OK;
	}
	char *buf = malloc(STATE_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, STATE_FILE_MAX + 1, f) : 0;
	fclose(f);
	cJSON *root = NULL;
	if (buf && n <= STATE_FILE_MAX)
		root = cJSON_ParseWithLength(buf, n);
	free(buf);
	if (!root || !cJSON_IsObject(root) || !from_json(s, root)) {
		log_warn("the state file is corrupt; starting afresh and replacing it", "file", path);
		state_free(s);
		s = state_new();
		if (!s) {
			cJSON_Delete(root);
			return ERR_NOMEM;
		}
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
	return root;
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
