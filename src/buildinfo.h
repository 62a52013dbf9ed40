/* buildinfo.h - what --version prints: the exporter's version, revision
 * and build date, and the versions of the libraries it runs with. */
#ifndef DOKS_BUILDINFO_H
#define DOKS_BUILDINFO_H

#include <stdio.h>

void buildinfo_print(FILE *out);

#endif
