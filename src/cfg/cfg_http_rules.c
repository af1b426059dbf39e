/*
 * HTTP keywords of proxy sections:
 *   http-request <action> [args] [if|unless <cond>]
 *   http-response <action> [args] [if|unless <cond>]
 *   http-after-response <action> [args] [if|unless <cond>]
 *   redirect location|prefix|scheme <x> [code N] [options] [if|unless <cond>]
 *   errorfile <code> <file>
 *   errorfiles <name> [<code>...]
 *   http-error status <code> [reply options of `return`]
 *   declare capture request|response len <N>
 * and the `http-errors <name>` section (its `errorfile <code> <file>`
 * lines), whose pages `errorfiles` copies.
 * The actions and their arguments are parsed by http_rule_parse()
 * (src/proxy/http_rules.c, which owns struct http_rule); this file checks
 * where a keyword may appear, parses the condition and appends the rule.
 */
#include <stdio.h>
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
	cfg_proxy_check_cond(ctx, px, cond, is_req ? SMP_USE_HTTP_REQ : SMP_USE_HTTP_RES, NULL, NULL);
	if (http_rule_add(px, r, cond, &inner) < 0) {
		cfg_set_err(err, "'%s %s' : %s", kw, act, inner ? inner : "cannot add the rule.");
		free(inner);
		cond_free(cond);
		http_rule_destroy(r);
		return CFG_ERR;
	}
	return CFG_OK;
}

static int kw_http_rules(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	int is_req = !strcmp(args[0], "http-request") ? 1 : !strcmp(args[0], "http-response") ? 0 : HTTP_RULES_AFTER;

	int ret;

	if (argc < 2)
		return cfg_set_err(err, "'%s' expects an action (e.g. '%s %s').", args[0], args[0],
		                   is_req == 1 ? "deny if <cond>" : "set-header <name> <value>");
	if (!strcmp(args[1], "redirect") && is_req != 1)
		return cfg_set_err(err, "'%s redirect' is not supported (use it in 'http-request').", args[0]);
	if (!strcmp(args[1], "redirect"))
		ret = add_rule(ctx, px, 1, "http-request", argc, args, 1, err);
	else
		ret = add_rule(ctx, px, is_req, args[0], argc, args, 1, err);
	/* a named defaults section's rules go to each proxy using it */
	if (ret >= 0 && (px->cap & PR_CAP_DEF))
		return cfg_def_rule_keep(ctx, px, CFG_DEFR_OTHER, kw_http_rules, argc, args, err);
	return ret;
}

static int kw_redirect(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (px->cap & PR_CAP_DEF)
		return cfg_set_err(err, "'redirect' is not allowed in 'defaults' sections.");
	return add_rule(ctx, px, 1, "redirect", argc, args, 0, err);
}

/* Parses `errorfile <code> <file>` (<args>) into the slot *<idx> and the
 * reply *<rep>. Returns CFG_OK, CFG_ERR, or a warning (a code without a
 * page, ignored as in HAProxy: *<rep> stays NULL).
 */
static int parse_errorfile(int argc, char **args, int *idx, struct http_reply **rep, char **err)
{
	char *end, *why = NULL;
	long code;

	*rep = NULL;
	if (argc != 3)
		return cfg_set_err(err, "'errorfile' expects <code> and <file>.");
	code = strtol(args[1], &end, 10);
	if (end == args[1] || *end || code < 100 || code > 999)
		return cfg_set_err(err, "'errorfile' : '%s' is not a status code.", args[1]);
	*idx = http_errorfile_index((int)code);
	if (*idx < 0)
		return cfg_set_warn(err, "'errorfile' : status code %ld not handled (supported: 200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 429, 500, 501, 502, 503, 504), error customization will be ignored.", code);
	*rep = http_reply_load_errorfile(args[2], &why);
	if (!*rep) {
		cfg_set_err(err, "'errorfile %ld' : %s", code, why ? why : "cannot load the file");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

static int kw_errorfile(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct http_reply *rep;
	int idx, ret = parse_errorfile(argc, args, &idx, &rep, err);

	if (rep) {
		px->errorfiles[idx] = rep;
		px->error_fmts[idx] = NULL;
	}
	return ret;
}

/* `errorloc|errorloc302|errorloc303 <code> <url>`: the error <code> is
 * answered with a 302 (303 for errorloc303) redirect to <url>, with
 * `Cache-Control: no-cache` and an empty body, as HAProxy.
 */
static int kw_errorloc(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	int status = !strcmp(args[0], "errorloc303") ? 303 : 302;
	struct http_reply *rep;
	char *end, *hdrs;
	long code;
	int idx;

	if (argc != 3)
		return cfg_set_err(err, "'%s' expects <code> and <url>.", args[0]);
	code = strtol(args[1], &end, 10);
	if (end == args[1] || *end || code < 100 || code > 999)
		return cfg_set_err(err, "'%s' : '%s' is not a status code.", args[0], args[1]);
	idx = http_errorfile_index((int)code);
	if (idx < 0)
		return cfg_set_warn(err, "'%s' : status code %ld not handled, error relocation will be ignored.", args[0], code);
	if (asprintf(&hdrs, "Cache-Control: no-cache\r\nLocation: %s\r\n", args[2]) < 0)
		return cfg_set_err(err, "out of memory");
	rep = http_reply_make(status, NULL, "", 0, hdrs);
	free(hdrs);
	if (!rep)
		return cfg_set_err(err, "out of memory");
	px->errorfiles[idx] = rep;
	px->error_fmts[idx] = NULL;
	return CFG_OK;
}

/* `errorfiles <name> [<code>...]`: the pages of http-errors section
 * <name> (those of the codes given, or all) replace the proxy's, in the
 * order of the lines as `errorfile` does.
 */
static int kw_errorfiles(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	const struct http_errors *he;

	if (argc < 2)
		return cfg_set_err(err, "'errorfiles' expects the name of an http-errors section, then optional status codes.");
	he = http_errors_find(args[1]);
	if (!he)
		return cfg_set_err(err, "'errorfiles' : unknown http-errors section '%s' (it must be declared before its use).", args[1]);
	for (int i = 2; i < argc; i++) {
		char *end;
		long code = strtol(args[i], &end, 10);
		int idx = http_errorfile_index((int)code);

		if (end == args[i] || *end || idx < 0)
			return cfg_set_err(err, "'errorfiles %s' : '%s' is not a status code that can have an error file.", args[1], args[i]);
		if (he->pages[idx]) {
			px->errorfiles[idx] = he->pages[idx];
			px->error_fmts[idx] = NULL;
		}
	}
	if (argc == 2) {
		for (int idx = 0; idx < HTTP_ERRORFILE_SLOTS; idx++) {
			if (he->pages[idx]) {
				px->errorfiles[idx] = he->pages[idx];
				px->error_fmts[idx] = NULL;
			}
		}
	}
	return CFG_OK;
}

static int kw_http_error(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	char *inner = NULL;

	if (http_error_rule_parse(ctx->section_data, argc, args, cfg_keep_file(ctx->file), ctx->line, &inner) < 0) {
		cfg_set_err(err, "%s", inner ? inner : "'http-error' : invalid arguments.");
		free(inner);
		return CFG_ERR;
	}
	return CFG_OK;
}

/* `use-server <server> [if|unless <cond>]` in a backend. */
static int kw_use_server(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct acl_cond *cond = NULL;

	if ((px->cap & PR_CAP_DEF) || !(px->cap & PR_CAP_BE))
		return cfg_set_err(err, "'use-server' is only allowed in 'backend' and 'listen' sections.");
	if (argc < 2 || !strcmp(args[1], "if") || !strcmp(args[1], "unless"))
		return cfg_set_err(err, "'use-server' expects a server name, then an optional condition.");
	if (argc > 2 && strcmp(args[2], "if") && strcmp(args[2], "unless"))
		return cfg_set_err(err, "'use-server %s' : unexpected '%s' (expected 'if' or 'unless').", args[1], args[2]);
	if (argc > 2 && cfg_proxy_parse_cond(ctx, px, argc - 2, args + 2, &cond, err) < 0)
		return CFG_ERR;
	cfg_proxy_check_cond(ctx, px, cond, px->mode == PR_MODE_HTTP ? SMP_USE_HTTP_REQ : SMP_USE_L6REQ,
			     NULL, "backend use-server, balance or stick-match rule");
	if (http_srv_rule_add(px, args[1], cond, cfg_keep_file(ctx->file), ctx->line) < 0) {
		cond_free(cond);
		return cfg_set_err(err, "out of memory");
	}
	return CFG_OK;
}

/* `declare capture request|response len <N>`: a capture slot filled by
 * `http-request|http-response capture ... id <slot>` rules.
 */
static int kw_declare(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	unsigned int *nb;
	struct pr_capture *cap;
	char *end;
	long len;
	int res;

	if (argc != 5 || strcmp(args[1], "capture") || (strcmp(args[2], "request") && strcmp(args[2], "response")) ||
	    strcmp(args[3], "len"))
		return cfg_set_err(err, "'declare' expects 'capture request|response len <N>'.");
	if (!(px->cap & PR_CAP_FE) || (px->cap & PR_CAP_DEF))
		return cfg_set_err(err, "'declare capture' is only allowed in 'frontend' and 'listen' sections.");
	len = strtol(args[4], &end, 10);
	if (*end || len < 1)
		return cfg_set_err(err, "'declare capture' : 'len' expects a positive number, got '%s'.", args[4]);
	res = args[2][2] == 's';
	nb = res ? &px->nb_cap_res : &px->nb_cap_req;
	if (*nb >= PR_MAX_CAPTURES)
		return cfg_set_err(err, "'declare capture %s' : at most %d captures per direction.", args[2], PR_MAX_CAPTURES);
	cap = res ? &px->cap_res[*nb] : &px->cap_req[*nb];
	cap->name = NULL;   /* filled by rules */
	cap->len = len > PR_CAPTURE_MAX ? PR_CAPTURE_MAX : (unsigned int)len;
	(*nb)++;
	return CFG_OK;
}

/* ---- http-errors <name> sections ---- */

static int http_errors_begin(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct http_errors *he;

	ctx->section_data = NULL;
	if (argc != 2)
		return cfg_set_err(err, "'http-errors' expects a name.");
	he = http_errors_find(args[1]);
	if (he)
		return cfg_set_err(err, "http-errors section '%s' is already declared at %s:%d.", args[1], he->conf_file,
		                   he->conf_line);
	he = http_errors_new(args[1], cfg_keep_file(ctx->file), ctx->line);
	if (!he)
		return cfg_set_err(err, "out of memory");
	ctx->section_data = he;
	return CFG_OK;
}

static int kw_errors_errorfile(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct http_errors *he = ctx->section_data;
	struct http_reply *rep;
	int idx, ret;

	if (!he)
		return CFG_OK;   /* the section's header was refused */
	ret = parse_errorfile(argc, args, &idx, &rep, err);
	if (rep)
		he->pages[idx] = rep;
	return ret;
}

static struct cfg_kw http_rules_kws[] = {
	{ "http-request", kw_http_rules, 0 },
	{ "http-response", kw_http_rules, 0 },
	{ "http-after-response", kw_http_rules, 0 },
	{ "redirect", kw_redirect, 0 },
	{ "errorfile", kw_errorfile, 0 },
	{ "errorfiles", kw_errorfiles, 0 },
	{ "errorloc", kw_errorloc, 0 }, { "errorloc302", kw_errorloc, 0 }, { "errorloc303", kw_errorloc, 0 },
	{ "http-error", kw_http_error, 0 },
	{ "declare", kw_declare, 0 },
	{ "use-server", kw_use_server, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list http_rules_kw_list = { .scope = "proxy", .kws = http_rules_kws };

static struct cfg_kw http_errors_kws[] = {
	{ "errorfile", kw_errors_errorfile, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list http_errors_kw_list = { .scope = "http-errors", .kws = http_errors_kws };

static struct cfg_section http_errors_section = {
	.name = "http-errors",
	.begin = http_errors_begin,
	.kw_scope = "http-errors",
};

__attribute__((constructor)) static void cfg_http_rules_register(void)
{
	cfg_register_keywords(&http_rules_kw_list);
	cfg_register_section(&http_errors_section);
	cfg_register_keywords(&http_errors_kw_list);
}
