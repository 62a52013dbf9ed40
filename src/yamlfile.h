/* yamlfile.h - one YAML document (JSON is YAML) from text, handed to a
 * walker with libyaml's node API, so that every value keeps its line for
 * the error that names it. Shared by the web configuration and the support
 * timeline. Pure: the caller reads the file and logs what went wrong.
 */
#ifndef DOKS_YAMLFILE_H
#define DOKS_YAMLFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "err.h"

/* Walks the document (borrowed for the call); root is NULL for an empty
 * one. false: the walker found something wrong (and said so). */
typedef bool (*yamlfile_walk_fn)(yaml_document_t *doc, yaml_node_t *root, void *ctx);

struct yamlfile_error {
	unsigned long line;   /* 1-based: where the problem is */
	bool second_document; /* a document follows the first: nothing else is wrong */
	char why[512];        /* libyaml's context and problem, for a syntax error */
};

/* Parses text (len bytes, borrowed) and walks its one document. ERR_OK;
 * ERR_CONFIG when walk returned false; ERR_PARSE for a syntax error or a
 * second document (*e says which, and where); ERR_NOMEM. */
enum err yamlfile_parse(const char *text, size_t len, yamlfile_walk_fn walk, void *ctx,
			struct yamlfile_error *e);

#endif
