/* yamlfile.c - see yamlfile.h. */
#include "yamlfile.h"

#include <stdio.h>
#include <string.h>

static enum err syntax(const yaml_parser_t *parser, struct yamlfile_error *e)
{
	if (parser->error == YAML_MEMORY_ERROR)
		return ERR_NOMEM;
	e->line = (unsigned long)parser->problem_mark.line + 1;
	snprintf(e->why, sizeof e->why, "%s%s%s", parser->context ? parser->context : "",
		 parser->context ? ": " : "", parser->problem ? parser->problem : "malformed");
	return ERR_PARSE;
}

enum err yamlfile_parse(const char *text, size_t len, yamlfile_walk_fn walk, void *ctx,
			struct yamlfile_error *e)
{
	memset(e, 0, sizeof *e);
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return ERR_NOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	enum err rc = ERR_OK;
	if (!yaml_parser_load(&parser, &doc)) {
		rc = syntax(&parser, e);
		goto out;
	}
	bool ok = walk(&doc, yaml_document_get_root_node(&doc), ctx);
	yaml_document_delete(&doc);
	if (!ok) {
		rc = ERR_CONFIG;
		goto out;
	}
	/* a second document would be ignored by a reader that stops at the
	 * first: refuse it */
	if (!yaml_parser_load(&parser, &doc)) {
		rc = syntax(&parser, e);
		goto out;
	}
	const yaml_node_t *extra = yaml_document_get_root_node(&doc);
	if (extra) {
		e->line = (unsigned long)extra->start_mark.line + 1;
		e->second_document = true;
		rc = ERR_PARSE;
	}
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&parser);
	return rc;
}
