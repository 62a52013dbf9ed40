/*
 * bodies.c: builds response bodies. Pure (see bodies.h); cJSON is used only
 * to escape the link URLs, which carry the client's Host header.
 */
#include "bodies.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char FILLER_HEAD[] = "{\"kubernetes_clusters\":[";
static const char FILLER_UNIT[] =
	"{\"id\":\"00000000-0000-4000-8000-000000000000\","
	"\"name\":\"filler\",\"region\":\"nyc1\","
	"\"version\":\"1.29.1-do.0\",\"node_pools\":[]},";

static bool take(struct body *out, char *data, size_t len)
{
	if (data == NULL)
		return false;
	out->data = data;
	out->len = len;
	return true;
}

bool bodies_copy(const struct body *in, struct body *out)
{
	char *p = malloc(in->len + 1);

	if (p == NULL)
		return false;
	if (in->len > 0)
		memcpy(p, in->data, in->len);
	p[in->len] = '\0';
	return take(out, p, in->len);
}

static char *put(char *w, const char *src, size_t n)
{
	memcpy(w, src, n);
	return w + n;
}

/* Prints into a new buffer; false when out of memory. */
static bool format(struct body *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool format(struct body *out, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	p = malloc((size_t)n + 1);
	if (p == NULL)
		return false;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return take(out, p, (size_t)n);
}

bool bodies_error_id(const char *id, const char *message, struct body *out)
{
	return format(out, "{\"id\":\"%s\",\"message\":\"%s\"}", id, message);
}

bool bodies_error(int status, struct body *out)
{
	/* ids and messages of the spec's examples where it has them */
	static const struct {
		int status;
		const char *id;
		const char *message;
	} table[] = {
		{ 400, "bad_request", "The request could not be understood." },
		{ 401, "unauthorized", "Unable to authenticate you." },
		{ 403, "forbidden",
		  "You do not have access for the attempted action." },
		{ 404, "not_found",
		  "The resource you requested could not be found." },
		{ 405, "method_not_allowed",
		  "The method is not allowed for this resource." },
		{ 422, "unprocessable_entity", "The request was invalid." },
		{ 429, "too_many_requests", "API rate limit exceeded." },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].status == status)
			return bodies_error_id(table[i].id, table[i].message,
					       out);
	if (status >= 500)
		return bodies_error_id("server_error",
				       "Unexpected server-side error", out);
	return bodies_error_id("example_error", "some error message", out);
}

bool bodies_html(int status, const char *reason, struct body *out)
{
	return format(out,
		      "<html>\r\n<head><title>%d %s</title></head>\r\n"
		      "<body>\r\n<center><h1>%d %s</h1></center>\r\n"
		      "<hr><center>gateway</center>\r\n</body>\r\n</html>\r\n",
		      status, reason, status, reason);
}

bool bodies_cluster(const struct cluster *cl, struct body *out)
{
	return format(out, "{\"kubernetes_cluster\":%s}", cl->json.data);
}

bool bodies_status_messages(const struct cluster *cl,
			    const struct stamp *since, bool inclusive,
			    struct body *out)
{
	static const char head[] = "{\"messages\":[";
	static const char tail[] = "]}";
	size_t i, first = 0, len;
	char *p, *w;

	if (cl->status_raw.data != NULL)
		return bodies_copy(&cl->status_raw, out);
	/* sorted, so the kept ones are a tail */
	while (since != NULL && first < cl->nmessages) {
		int cmp = scenario_stamp_cmp(&cl->messages[first].at, since);

		if (cmp > 0 || (cmp == 0 && inclusive))
			break;
		first++;
	}
	len = sizeof(head) - 1 + sizeof(tail) - 1;
	for (i = first; i < cl->nmessages; i++)
		len += cl->messages[i].json.len + 1;
	p = malloc(len + 1);
	if (p == NULL)
		return false;
	w = put(p, head, sizeof(head) - 1);
	for (i = first; i < cl->nmessages; i++) {
		if (i > first)
			*w++ = ',';
		w = put(w, cl->messages[i].json.data, cl->messages[i].json.len);
	}
	w = put(w, tail, sizeof(tail) - 1);
	*w = '\0';
	return take(out, p, (size_t)(w - p));
}

static bool add_link(cJSON *pages, const char *rel, const char *host,
		     long page, long per_page)
{
	char url[512];

	snprintf(url, sizeof(url),
		 "http://%s/v2/kubernetes/clusters?page=%ld&per_page=%ld",
		 host, page, per_page);
	return cJSON_AddStringToObject(pages, rel, url) != NULL;
}

/* {"pages":{...}} for this page, or *out = NULL when it has no links. */
static bool links_for(const struct scenario *s, long page, long per_page,
		      long last, const char *host, char **out)
{
	cJSON *links = cJSON_CreateObject();
	cJSON *pages = cJSON_AddObjectToObject(links, "pages");
	bool ok = pages != NULL;

	*out = NULL;
	if (ok && page > 1)
		ok = add_link(pages, "first", host, 1, per_page) &&
		     add_link(pages, "prev", host, page - 1, per_page);
	if (ok && page < last)
		ok = add_link(pages, "next", host, page + 1, per_page) &&
		     add_link(pages, "last", host, last, per_page);
	if (ok && s->loop_to_page > 0 && page == last)
		ok = add_link(pages, "next", host, s->loop_to_page, per_page);
	if (ok && s->foreign_next != NULL && page == 1) {
		cJSON_DeleteItemFromObjectCaseSensitive(pages, "next");
		ok = cJSON_AddStringToObject(pages, "next",
					     s->foreign_next) != NULL;
	}
	/* Like the API: no "links" at all when there is nothing to link. */
	if (ok && pages->child != NULL) {
		*out = cJSON_PrintUnformatted(links);
		ok = *out != NULL;
	}
	cJSON_Delete(links);
	return ok;
}

bool bodies_list_page(const struct scenario *s, long page, long per_page,
		      const char *host, struct body *out)
{
	static const char head[] = "{\"kubernetes_clusters\":[";
	static const char mid[] = "],\"links\":";
	char meta[64];
	size_t total = s->nclusters, pp = (size_t)per_page, start, end, i;
	size_t len, meta_len, links_len;
	long last;
	char *links, *p, *w;

	last = total == 0 ? 1 : (long)((total + pp - 1) / pp);
	if (page <= last) {
		start = (size_t)(page - 1) * pp;
		end = start + pp < total ? start + pp : total;
	} else {
		start = end = total;
	}
	if (!links_for(s, page, per_page, last, host, &links))
		return false;
	links_len = links != NULL ? strlen(links) : 0;
	meta_len = (size_t)snprintf(meta, sizeof(meta),
				    ",\"meta\":{\"total\":%zu}}", total);

	len = sizeof(head) - 1 + (sizeof(mid) - 1) + links_len + meta_len;
	for (i = start; i < end; i++)
		len += s->clusters[i].json.len + 1;
	p = malloc(len + 1);
	if (p == NULL) {
		free(links);
		return false;
	}
	w = put(p, head, sizeof(head) - 1);
	for (i = start; i < end; i++) {
		if (i > start)
			*w++ = ',';
		w = put(w, s->clusters[i].json.data, s->clusters[i].json.len);
	}
	if (links != NULL) {
		w = put(w, mid, sizeof(mid) - 1);
		w = put(w, links, links_len);
	} else {
		*w++ = ']';
	}
	w = put(w, meta, meta_len);
	*w = '\0';
	free(links);
	return take(out, p, (size_t)(w - p));
}

void bodies_filler(char *buf, uint64_t pos, size_t n)
{
	const uint64_t hl = sizeof(FILLER_HEAD) - 1;
	const uint64_t ul = sizeof(FILLER_UNIT) - 1;

	while (n > 0) {
		const char *src;
		size_t avail;

		if (pos < hl) {
			src = FILLER_HEAD + pos;
			avail = (size_t)(hl - pos);
		} else {
			uint64_t off = (pos - hl) % ul;

			src = FILLER_UNIT + off;
			avail = (size_t)(ul - off);
		}
		if (avail > n)
			avail = n;
		memcpy(buf, src, avail);
		buf += avail;
		pos += avail;
		n -= avail;
	}
}
