/* options.c - GET /v2/kubernetes/options: the versions the API offers,
 * every poll.options_interval, with the first account's token. A change of
 * the version set signals every cluster's /upgrades. */
#include "endpoints/endpoint.h"

#include "decode.h"

const char endpoint_options_path[] = "/v2/kubernetes/options";
const struct sched_kind endpoint_options_kind = { SCHED_PRIO_OPTIONS, SCHED_PRIO_OPTIONS };

/* Order-independent: the count plus the sum of each slug's FNV-1a. */
static unsigned long long fingerprint(const struct upgrades *u)
{
	unsigned long long sum = u->count;
	for (size_t i = 0; i < u->count; i++) {
		unsigned long long h = 14695981039346656037ULL;
		for (const char *c = u->versions[i].slug; c && *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
		sum += h;
	}
	return sum;
}

enum err endpoint_options_decode(const char *body, size_t len, struct upgrades *out,
				 unsigned long long *version_set)
{
	enum err rc = decode_options(body, len, out);
	if (rc == ERR_OK)
		*version_set = fingerprint(out);
	return rc;
}
