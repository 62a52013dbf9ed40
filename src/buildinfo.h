/* buildinfo.h - what --version prints: the exporter's version, revision
 * and build date, and the versions of the libraries it runs with. */
#ifndef DOKS_BUILDINFO_H
#define DOKS_BUILDINFO_H

#include <stdio.h>

/* The exporter's version ("0.1.0"), its revision (the commit's short hash,
 * or "unknown") and its build date, as the build wrote them: static
 * strings, any thread. */
const char *buildinfo_version(void);
const char *buildinfo_revision(void);
const char *buildinfo_build_date(void);
/* "doks_exporter/<version>", the User-Agent of every API request. */
const char *buildinfo_user_agent(void);

/* The --version text, onto out (borrowed). */
void buildinfo_print(FILE *out);

#endif
