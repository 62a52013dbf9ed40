/* support.c - see support.h. */
#include "support.h"

#include <string.h>

int support_release_offered(const struct upgrades *options, const char *release)
{
	if (!options || options->count == 0)
		return -1;
	char minor[TIMELINE_RELEASE_SIZE];
	for (size_t i = 0; i < options->count; i++)
		if (options->versions[i].slug &&
		    timeline_minor_of(options->versions[i].slug, minor, sizeof minor) &&
		    strcmp(minor, release) == 0)
			return 1;
	return 0;
}

enum support_note support_compute(const struct support_input *in, struct support *out,
				  char release[TIMELINE_RELEASE_SIZE])
{
	*out = (struct support){ .unsupported_since = in->unsupported_since };
	release[0] = '\0';
	if (!in->version || !timeline_minor_of(in->version, release, TIMELINE_RELEASE_SIZE)) {
		release[0] = '\0';
		return SUPPORT_AGREE;
	}
	double eos = 0, begin = 0;
	out->listed = in->timeline && timeline_find(in->timeline, release, &eos, &begin);
	bool ended = out->listed && in->now >= eos;
	out->unsupported = ended || in->offered == 0;
	if (out->listed) {
		out->have_end_of_support = true;
		out->end_of_support = eos;
	} else if (in->unsupported_since > 0) {
		begin = timeline_unlisted_upgrades_begin(in->unsupported_since);
	}
	if (out->listed || in->unsupported_since > 0)
		out->have_forced_upgrade =
			timeline_forced_upgrade_earliest(begin, in->window, &out->forced_upgrade_earliest);
	if (!out->listed)
		return SUPPORT_UNLISTED;
	if (!ended && in->offered == 0)
		return SUPPORT_MISSING_BUT_LISTED;
	if (ended && in->offered == 1)
		return SUPPORT_OFFERED_BUT_ENDED;
	return SUPPORT_AGREE;
}
