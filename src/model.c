/* model.c - lifecycle of the plain data in model.h. */
#include "model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

static const char *const state_names[] = {
#define STATE_NAME(name, str) str,
	CLUSTER_STATE_LIST(STATE_NAME)
#undef STATE_NAME
};

const char *cluster_state_name(enum cluster_state s)
{
	if ((unsigned)s >= CLUSTER_STATE_COUNT)
		s = CLUSTER_STATE_UNKNOWN;
	return state_names[s];
}

enum cluster_state cluster_state_parse(const char *s)
{
	if (!s)
		return CLUSTER_STATE_UNKNOWN;
	for (int i = 0; i < CLUSTER_STATE_COUNT; i++)
		if (strcmp(s, state_names[i]) == 0)
			return (enum cluster_state)i;
	return CLUSTER_STATE_UNKNOWN;
}

void cluster_cleanup(struct cluster *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->name);
	free(c->region);
	free(c->version);
	memset(c, 0, sizeof *c);
}

void cluster_array_free(struct cluster *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cluster_cleanup(&a[i]);
	free(a);
}

bool cluster_id_is_valid(const char *id)
{
	size_t n = 0;
	for (const char *p = id; *p; p++, n++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	return n >= 1 && n <= 64;
}

void upgrades_cleanup(struct upgrades *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->count; i++) {
		free(u->versions[i].slug);
		free(u->versions[i].kubernetes_version);
	}
	free(u->versions);
	u->versions = NULL;
	u->count = 0;
}

void cluster_record_cleanup(struct cluster_record *r)
{
	if (!r)
		return;
	cluster_cleanup(&r->cluster);
	upgrades_cleanup(&r->upgrades);
	clusterlint_cleanup(&r->clusterlint);
	status_messages_cleanup(&r->status_messages);
	upgrade_history_cleanup(&r->history);
	memset(r, 0, sizeof *r);
}

void clusterlint_cleanup(struct clusterlint *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->check_count; i++)
		free(c->checks[i].check_name);
	free(c->checks);
	for (size_t i = 0; i < c->finding_count; i++) {
		struct clusterlint_finding *f = &c->findings[i];
		free(f->check_name);
		free(f->message);
		free(f->object_kind);
		free(f->object_namespace);
		free(f->object_name);
	}
	free(c->findings);
	memset(c, 0, sizeof *c);
}

void status_messages_cleanup(struct status_messages *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->recent_count; i++)
		free(m->recent[i].message);
	memset(m, 0, sizeof *m);
}

void upgrade_history_cleanup(struct upgrade_history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->count; i++) {
		free(h->events[i].from);
		free(h->events[i].to);
	}
	memset(h, 0, sizeof *h);
}

static const char *const severity_names[] = {
#define SEVERITY_NAME(name, str) str,
	CLUSTERLINT_SEVERITY_LIST(SEVERITY_NAME)
#undef SEVERITY_NAME
};

const char *clusterlint_severity_name(enum clusterlint_severity s)
{
	return (unsigned)s < CLUSTERLINT_SEVERITY_COUNT ? severity_names[s] : "unknown";
}

bool clusterlint_severity_parse(const char *s, enum clusterlint_severity *out)
{
	for (int i = 0; s && i < CLUSTERLINT_SEVERITY_COUNT; i++) {
		if (strcmp(s, severity_names[i]) == 0) {
			*out = (enum clusterlint_severity)i;
			return true;
		}
	}
	return false;
}

const char *resource_kind_name(enum resource_kind k)
{
	static const char *const names[] = {
#define RESOURCE_NAME(name, str) str,
		RESOURCE_KIND_LIST(RESOURCE_NAME)
#undef RESOURCE_NAME
	};
	return (unsigned)k < RESOURCE_KIND_COUNT ? names[k] : "unknown";
}

const char *upgrade_kind_name(enum upgrade_kind k)
{
	static const char *const names[] = {
#define KIND_NAME(name, str) str,
		UPGRADE_KIND_LIST(KIND_NAME)
#undef KIND_NAME
	};
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

enum upgrade_kind upgrade_kind_of(const char *current, const char *offered)
{
	struct version c, o;
	if (!current || !offered || !version_parse(current, &c) || !version_parse(offered, &o))
		return UPGRADE_KIND_UNKNOWN;
	if (o.major == c.major && o.minor == c.minor)
		return UPGRADE_KIND_PATCH;
	if (o.major > c.major || (o.major == c.major && o.minor > c.minor))
		return UPGRADE_KIND_MINOR;
	return UPGRADE_KIND_UNKNOWN; /* an older minor is no upgrade we can name */
}
