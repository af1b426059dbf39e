/*
 * Rules written in a named `defaults` section (tcp-request, tcp-response,
 * http-request, http-response, http-after-response), as HAProxy has them:
 * evaluated before the rules of each proxy that uses the section.
 *
 * A rule line of a defaults section is parsed there (so that its errors
 * name its own file:line) and kept as written; each proxy declared `from`
 * that section gets the kept lines replayed through the same keyword
 * parser when it begins, before any line of its own, so that it owns a
 * full copy of every rule (nothing shared, nothing to reference-count).
 * HAProxy's restrictions hold: only named defaults sections take rules;
 * such a section initialises either frontends or backends, never both nor
 * a listen section, nor another defaults section; a backend cannot take
 * its `tcp-request connection|session` rules, a frontend its
 * `tcp-response content` ones.
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/maps.h>
#include <tollgate/proxy.h>

/* One kept rule line. */
struct cfg_def_rule {
	int (*parse)(struct cfg_ctx *ctx, int argc, char **args, char **err); /* the keyword's parser */
	const char *file;              /* where written (kept name) */
	int line;                      /* ditto */
	int argc;                      /* words */
	char **args;                   /* their copies */
	struct list list;              /* in proxy->def_rules */
};

int cfg_def_rule_keep(struct cfg_ctx *ctx, struct proxy *def, unsigned int kind,
                      int (*parse)(struct cfg_ctx *, int, char **, char **), int argc, char **args, char **err)
{
	struct cfg_def_rule *r;

	if (!*def->id)
		return cfg_set_err(err, "'%s %s' is not allowed in anonymous 'defaults' sections.",
		                   args[0], argc > 1 ? args[1] : "");
	r = calloc(1, sizeof(*r));
	if (!r || !(r->args = calloc((size_t)argc + 1, sizeof(*r->args))))
		goto out_nomem;
	for (r->argc = 0; r->argc < argc; r->argc++)
		if (!(r->args[r->argc] = strdup(args[r->argc])))
			goto out_nomem;
	r->parse = parse;
	r->file = cfg_keep_file(ctx->file);
	r->line = ctx->line;
	def->def_rules_kinds |= kind;
	list_append(&def->def_rules, &r->list);
	return CFG_OK;

out_nomem:
	if (r && r->args)
		for (int i = 0; i < r->argc; i++)
			free(r->args[i]);
	if (r)
		free(r->args);
	free(r);
	return cfg_set_err(err, "out of memory");
}

int cfg_def_rules_apply(struct cfg_ctx *ctx, struct proxy *px, struct proxy *def, char **err)
{
	unsigned int cap = px->cap & (PR_CAP_FE | PR_CAP_BE);
	struct cfg_def_rule *r;

	if (list_empty(&def->def_rules))
		return CFG_OK;
	if (px->cap & PR_CAP_DEF)
		return cfg_set_err(err, "a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at %s:%d)",
		                   def->conf_file, def->conf_line);
	if (cap == (PR_CAP_FE | PR_CAP_BE))
		return cfg_set_err(err, "a listen section cannot inherit from a defaults section defining TCP/HTTP rules");
	if (def->def_rules_cap && def->def_rules_cap != cap)
		return cfg_set_err(err, "frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at %s:%d)",
		                   def->conf_file, def->conf_line);
	if (cap == PR_CAP_BE && (def->def_rules_kinds & CFG_DEFR_L4L5))
		return cfg_set_err(err, "a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules (defaults section at %s:%d)",
		                   def->conf_file, def->conf_line);
	if (cap == PR_CAP_FE && (def->def_rules_kinds & CFG_DEFR_TCP_RES))
		return cfg_set_err(err, "a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules (defaults section at %s:%d)",
		                   def->conf_file, def->conf_line);
	def->def_rules_cap = cap;
	list_for_each(r, &def->def_rules, list) {
		struct cfg_ctx sub = *ctx;
		char *why = NULL;

		sub.file = r->file;
		sub.line = r->line;
		sub.section_data = px;
		pat_ref_set_place(r->file, r->line);
		if (r->parse(&sub, r->argc, r->args, &why) < 0) {
			cfg_set_err(err, "rule at %s:%d of defaults section '%s': %s", r->file, r->line, def->id,
			            why ? why : "invalid");
			free(why);
			return CFG_ERR;
		}
		free(why);   /* its warnings were given where it is written */
	}
	return CFG_OK;
}

void cfg_def_rules_free(struct proxy *def)
{
	struct cfg_def_rule *r, *back;

	list_for_each_safe(r, back, &def->def_rules, list) {
		for (int i = 0; i < r->argc; i++)
			free(r->args[i]);
		free(r->args);
		free(r);
	}
	list_init(&def->def_rules);
}
