/* credentials.c - GET /v2/kubernetes/clusters/{id}/credentials: only the
 * kind and expiry times survive decoding; the body is wiped. */
#include "endpoints/endpoint.h"

#include <stdio.h>

#include "decode.h"
#include "log.h"
#include "settings.h"

static long interval(const struct settings *s)
{
	return settings_credentials_interval(s);
}

static bool wanted(const struct settings *s, const struct record *rec, bool listed)
{
	(void)listed;
	return settings_credentials_interval(s) > 0 && !rec->gone;
}

static void path(char *buf, size_t size, const struct settings *s, const struct record *rec)
{
	snprintf(buf, size, "/v2/kubernetes/clusters/%s/credentials?expiry_seconds=%ld",
		 rec->r.cluster.id, settings_credentials_expiry_seconds(s));
}

static enum err apply(const struct settings *s, struct record *rec, const char *body, size_t len,
		      double now)
{
	(void)s;
	(void)now;
	struct credentials c;
	enum err rc = decode_credentials(body, len, &c);
	if (rc != ERR_OK)
		return rc;
	rec->r.credentials = c;
	rec->r.have_credentials = true;
	if (c.unreadable_certificate && !rec->logged_certificate) {
		log_warn("a certificate of the cluster's credentials is not X.509: its expiry is not exported",
			 "cluster_id", rec->r.cluster.id);
		rec->logged_certificate = true;
	}
	return ERR_OK;
}

const struct cluster_endpoint endpoint_credentials = {
	.name = "credentials",
	.ep = ENDPOINT_CREDENTIALS,
	.poll = POLL_CREDENTIALS,
	.kind = { SCHED_PRIO_CREDENTIALS, SCHED_PRIO_CREDENTIALS },
	.secret = true,
	.interval = interval,
	.wanted = wanted,
	.path = path,
	.apply = apply,
};
