/*
 * The `log` keyword, in `global` and in proxy sections:
 *   log <target> [len <n>] [format raw|rfc3164|rfc5424] <facility> [<level> [<minlevel>]]
 *   log global        (proxies: also send to the global targets)
 *   no log            (proxies: forget inherited targets)
 * Targets: stdout, stderr, <ip>[:port] (UDP syslog, port 514 by default),
 * udp@<ip>:<port>, /dev/log or unix@<path> (unix datagram socket).
 *
 * And `log-format <fmt>` in defaults, frontend and listen sections: the
 * traffic log line's format (see logformat.h), compiled here so that a
 * bad format is reported at its line; a frontend inheriting the string
 * from a defaults section compiles it in logformat_finalize().
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>
#include <tollgate/trafficlog.h>

static int kw_global_log(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (ctx->kw_mod == CFG_KWM_NO) {
		log_global_targets = NULL;
		return CFG_OK;
	}
	return log_target_parse(&log_global_targets, argc, args, err) < 0 ? CFG_ERR : CFG_OK;
}

static int kw_proxy_log(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (ctx->kw_mod == CFG_KWM_NO) {
		px->log_targets = NULL;
		px->log_global = 0;
		px->log_inherited = 0;
		return CFG_OK;
	}
	if (argc == 2 && !strcmp(args[1], "global")) {
		px->log_global = 1;
		return CFG_OK;
	}
	if (px->log_inherited) {
		/* inherited lists are shared with the defaults: copy first */
		if (log_targets_dup(px->log_targets, &px->log_targets) < 0)
			return cfg_set_err(err, "out of memory");
		px->log_inherited = 0;
	}
	return log_target_parse(&px->log_targets, argc, args, err) < 0 ? CFG_ERR : CFG_OK;
}

static int kw_proxy_log_format(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct logformat *lf;
	size_t len = 0;
	char *fmt, *e = NULL;

	if (ctx->kw_mod == CFG_KWM_NO) {
		free(px->log_format);
		px->log_format = NULL;
		logformat_free(px->logfmt);
		px->logfmt = NULL;
		return CFG_OK;
	}
	if (argc < 2)
		return cfg_set_err(err, "'%s' expects a format string (quote it when it holds spaces).", args[0]);
	if (!(px->cap & (PR_CAP_FE | PR_CAP_DEF)))
		return cfg_set_warn(err, "'%s' ignored in backend '%s': logs are produced by frontends.",
		                    args[0], px->id);
	/* unquoted words are joined by one space: blanks are separators anyway */
	for (int i = 1; i < argc; i++)
		len += strlen(args[i]) + 1;
	fmt = malloc(len);
	if (!fmt)
		return cfg_set_err(err, "out of memory");
	fmt[0] = '\0';
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			strcat(fmt, " ");
		strcat(fmt, args[i]);
	}
	lf = logformat_parse(fmt, LOGFMT_F_LOG, &e);
	if (!lf) {
		cfg_set_err(err, "'%s': %s.", args[0], e ? e : "out of memory");
		free(e);
		free(fmt);
		return CFG_ERR;
	}
	free(px->log_format);
	logformat_free(px->logfmt);
	px->log_format = fmt;
	px->logfmt = lf;
	return CFG_OK;
}

static struct cfg_kw global_log_kws[] = {
	{ "log", kw_global_log, CFG_KW_NO },
	{ NULL, NULL, 0 },
};

static struct cfg_kw proxy_log_kws[] = {
	{ "log", kw_proxy_log, CFG_KW_NO },
	{ "log-format", kw_proxy_log_format, CFG_KW_NO },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list global_log_list = { .scope = "global", .kws = global_log_kws };
static struct cfg_kw_list proxy_log_list = { .scope = "proxy", .kws = proxy_log_kws };

__attribute__((constructor)) static void cfg_log_register(void)
{
	cfg_register_keywords(&global_log_list);
	cfg_register_keywords(&proxy_log_list);
}
