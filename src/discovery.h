/* discovery.h - every cluster of an account, from the paginated list.
 *
 * Follows links.pages.next with the account's client: a link to another
 * origin is refused (the token goes to the configured origin only), links
 * that loop stop the listing, and an id listed twice (offset pagination
 * while clusters are created) is kept once. Poller thread only.
 */
#ifndef DOKS_DISCOVERY_H
#define DOKS_DISCOVERY_H

#include <stddef.h>

#include "api.h"
#include "apistats.h"
#include "err.h"
#include "model.h"

struct discovery_result {
	struct cluster *clusters; /* owned (discovery_result_cleanup); sorted by id */
	size_t count;
	size_t pages;    /* pages read */
	size_t requests; /* requests sent, failed ones included */
};

/* Lists the account's clusters; account names it in logs (NULL or ""
 * when unnamed). ERR_OK fills *out (an empty account included); any other
 * code was counted and logged, and *out is empty. deadline_mono as for
 * api_run. */
enum err discovery_run(struct api *api, struct apistats *stats, const char *account,
		       double deadline_mono, struct discovery_result *out);

void discovery_result_cleanup(struct discovery_result *r);

#endif
