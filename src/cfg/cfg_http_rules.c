/*
 * HTTP keywords of proxy sections:
 *   http-request <action> [args] [if|unless <cond>]
 *   http-response <action> [args] [if|unless <cond>]
 *   http-after-response <action> [args] [if|unless <cond>]
 *   redirect location|prefix|scheme <x> [code N] [options] [if|unless <cond>]
 *   errorfile <code> <file>
 * The actions and their arguments are parsed by http_rule_parse()
 * (src/proxy/http_rules.c, which owns struct http_rule); this file checks
 * where a keyword may appear, parses the condition and appends the rule.
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/acl.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/http_reply.h>
#include <tollgate/http_rules.h>
#include <tollgate/proxy.h>


/* Parses the action starting at args[<pos>], then the condition, and
 * appends the rule to <px>. <kw> names the keyword in messages
 * ("http-request", "redirect").
 */
static int add_rule(struct cfg_ctx *ctx, struct proxy *px, int is_req, const char *kw, int argc, char **args,
                    int pos, char **err)
{
	struct acl_cond *cond = NULL;
	struct http_rule *r;
	const char *act = args[pos];
	char *inner = NULL;

	r = http_rule_parse(is_req, argc, args, &pos, cfg_keep_file(ctx->file), ctx->line, &inner);
	if (!r) {
		/* the action's messages name it; "redirect" alone is the keyword */
		if (!strcmp(kw, "redirect"))
			cfg_set_err(err, "%s", inner ? inner : "'redirect' : invalid arguments.");
		else
			cfg_set_err(err, "'%s' : %s", kw, inner ? inner : "invalid action.");
		free(inner);
		return CFG_ERR;
	}
	if (pos < argc && strcmp(args[pos], "if") && strcmp(args[pos], "unless")) {
		cfg_set_err(err, "'%s %s' : unexpected '%s' (expected 'if' or 'unless').", kw, act, args[pos]);
		http_rule_destroy(r);
		return CFG_ERR;
	}
	if (pos < argc && cfg_proxy_parse_cond(ctx, px, argc - pos, args + pos, &cond, err) < 0) {
		http_rule_destroy(r);
		return CFG_ERR;
	}
	http_rule_add(px, r, cond);
	return CFG_OK;
}

static int kw_http_rules(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	int is_req = !strcmp(args[0], "http-request") ? 1 : !strcmp(args[0], "http-response") ? 0 : HTTP_RULES_AFTER;

	if (px->cap & PR_CAP_DEF)
		return cfg_set_err(err, "'%s' is not allowed in 'defaults' sections.", args[0]);
	if (argc < 2)
		return cfg_set_err(err, "'%s' expects an action (e.g. '%s %s').", args[0], args[0],
		                   is_req == 1 ? "deny if <cond>" : "set-header <name> <value>");
	if (!strcmp(args[1], "redirect") && is_req != 1)
		return cfg_set_err(err, "'%s redirect' is not supported (use it in 'http-request').", args[0]);
	if (!strcmp(args[1], "redirect"))
		return add_rule(ctx, px, 1, "http-request", argc, args, 1, err);
	return add_rule(ctx, px, is_req, args[0], argc, args, 1, err);
}

static int kw_redirect(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (px->cap & PR_CAP_DEF)
		return cfg_set_err(err, "'redirect' is not allowed in 'defaults' sections.");
	return add_rule(ctx, px, 1, "redirect", argc, args, 0, err);
}

static int kw_errorfile(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct http_reply *rep;
	char *end, *why = NULL;
	long code;
	int idx;

	if (argc != 3)
		return cfg_set_err(err, "'errorfile' expects <code> and <file>.");
	code = strtol(args[1], &end, 10);
	if (end == args[1] || *end || code < 100 || code > 999)
		return cfg_set_err(err, "'errorfile' : '%s' is not a status code.", args[1]);
	idx = http_errorfile_index((int)code);
	if (idx < 0)
		return cfg_set_warn(err, "'errorfile' : status code %ld not handled (supported: 200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 429, 500, 501, 502, 503, 504), error customization will be ignored.", code);
	rep = http_reply_load_errorfile(args[2], &why);
	if (!rep) {
		cfg_set_err(err, "'errorfile %ld' : %s", code, why ? why : "cannot load the file");
		free(why);
		return CFG_ERR;
	}
	px->errorfiles[idx] = rep;
	return CFG_OK;
}

static struct cfg_kw http_rules_kws[] = {
	{ "http-request", kw_http_rules, 0 },
	{ "http-response", kw_http_rules, 0 },
	{ "http-after-response", kw_http_rules, 0 },
	{ "redirect", kw_redirect, 0 },
	{ "errorfile", kw_errorfile, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list http_rules_kw_list = { .scope = "proxy", .kws = http_rules_kws };

__attribute__((constructor)) static void cfg_http_rules_register(void)
{
	cfg_register_keywords(&http_rules_kw_list);
}
