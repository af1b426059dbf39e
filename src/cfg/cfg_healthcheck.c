/*
 * `healthcheck <name>` sections (healthcheck.h), HAProxy 3.x:
 *
 *   healthcheck <name>
 *       type tcp-check|httpchk [<args>]|smtpchk|pgsql-check|redis-check|
 *            mysql-check|ldap-check|spop-check [<args>]
 *       http-check ... / tcp-check ...     (as in a backend)
 *
 * `type` takes what the matching `option` takes; servers choose a section
 * with `healthcheck <name>` (cfg_proxy.c), resolved once parsing is over.
 */
#include <string.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/healthcheck.h>
#include <tollgate/proxy.h>

static int hc_begin(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px;

	if (argc != 2 || !*args[1])
		return cfg_set_err(err, "'healthcheck' expects exactly one argument, its <name>.");
	px = healthcheck_find(args[1]);
	if (px)
		return cfg_set_err(err, "healthcheck '%s' has the same name as the one declared at %s:%d.",
		                   args[1], px->conf_file, px->conf_line);
	px = healthcheck_new(args[1], cfg_keep_file(ctx->file), ctx->line);
	if (!px)
		return cfg_set_err(err, "out of memory");
	ctx->section_data = px;
	proxy_set_parse_scope(px);
	return CFG_OK;
}

static int hc_end(struct cfg_ctx *ctx, char **err)
{
	struct proxy *px = ctx->section_data;

	proxy_set_parse_scope(NULL);
	if (px && !(px->options & (PR_O_HTTPCHK | PR_O_TCP_CHECK)) && px->chkproto.kind == CHKP_NONE)
		return cfg_set_err(err, "healthcheck '%s' (declared at %s:%d) has no 'type'.",
		                   px->id, px->conf_file, px->conf_line);
	return CFG_OK;
}

/* `type <kind> [<args>]`: what `option <kind> [<args>]` does in a backend. */
static int kw_type(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	int ret;

	if (argc < 2)
		return cfg_set_err(err, "'type' expects a check type (tcp-check, httpchk, smtpchk, pgsql-check, redis-check, mysql-check, ldap-check or spop-check).");
	if (!strcmp(args[1], "httpchk"))
		return cfg_option_httpchk(ctx, px, 0, argc, args, err);
	if (!strcmp(args[1], "tcp-check")) {
		if (argc > 2)
			return cfg_set_err(err, "'type tcp-check' takes no argument.");
		px->options &= ~PR_O_HTTPCHK;
		px->chkproto.kind = CHKP_NONE;
		px->options |= PR_O_TCP_CHECK;
		return CFG_OK;
	}
	if (!strcmp(args[1], "ssl-hello-chk"))
		return cfg_set_err(err, "'type ssl-hello-chk' : TLS is not supported yet.");
	ret = cfg_option_chkproto(ctx, px, 0, argc, args, err);
	if (ret != 1)
		return ret;
	return cfg_set_err(err, "'type' : unknown check type '%s' (expected tcp-check, httpchk, smtpchk, pgsql-check, redis-check, mysql-check, ldap-check or spop-check).",
	                   args[1]);
}

static struct cfg_kw hc_kws[] = {
	{ "type", kw_type, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list hc_kw_list = { .scope = "healthcheck", .kws = hc_kws };

static struct cfg_section hc_section = {
	.name = "healthcheck",
	.begin = hc_begin,
	.end = hc_end,
	.kw_scope = "healthcheck",
};

__attribute__((constructor)) static void cfg_healthcheck_register(void)
{
	cfg_register_section(&hc_section);
	cfg_register_keywords(&hc_kw_list);
}
