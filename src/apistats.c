/* apistats.c - see apistats.h. */
#include "apistats.h"

const double apistats_bucket_bounds[APISTATS_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

static const char *const endpoint_names[] = {
#define ENDPOINT_NAME(name, str) str,
	ENDPOINT_LIST(ENDPOINT_NAME)
#undef ENDPOINT_NAME
};

const char *apistats_endpoint_name(enum endpoint e)
{
	return (unsigned)e < ENDPOINT_COUNT ? endpoint_names[e] : "unknown";
}

void apistats_count_request(struct apistats *s, enum endpoint ep, long code)
{
	if ((unsigned)ep >= ENDPOINT_COUNT || code < APISTATS_CODE_MIN || code > APISTATS_CODE_MAX)
		return;
	s->requests[ep][code - APISTATS_CODE_MIN]++;
}

void apistats_count_error(struct apistats *s, enum endpoint ep, enum err e)
{
	if ((unsigned)ep >= ENDPOINT_COUNT || !err_reason(e))
		return;
	s->errors[ep][e]++;
}

void apistats_observe_duration(struct apistats *s, enum endpoint ep, double seconds)
{
	if ((unsigned)ep >= ENDPOINT_COUNT || !(seconds >= 0))
		return;
	struct apistats_histogram *h = &s->duration[ep];
	for (int i = 0; i < APISTATS_BUCKETS; i++) {
		if (seconds <= apistats_bucket_bounds[i]) {
			h->buckets[i]++;
			break;
		}
	}
	h->count++;
	h->sum += seconds;
}

void apistats_count_retry(struct apistats *s, enum endpoint ep)
{
	if ((unsigned)ep < ENDPOINT_COUNT)
		s->retries[ep]++;
}
