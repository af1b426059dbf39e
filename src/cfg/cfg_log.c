/*
 * The `log` keyword, in `global` and in proxy sections:
 *   log <target> [len <n>] [format raw|rfc3164|rfc5424] <facility> [<level> [<minlevel>]]
 *   log global        (proxies: also send to the global targets)
 *   no log            (proxies: forget inherited targets)
 * Targets: stdout, stderr, <ip>[:port] (UDP syslog, port 514 by default),
 * udp@<ip>:<port>, /dev/log or unix@<path> (unix datagram socket).
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg.h>
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

static struct cfg_kw global_log_kws[] = {
	{ "log", kw_global_log, CFG_KW_NO },
	{ NULL, NULL, 0 },
};

static struct cfg_kw proxy_log_kws[] = {
	{ "log", kw_proxy_log, CFG_KW_NO },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list global_log_list = { .scope = "global", .kws = global_log_kws };
static struct cfg_kw_list proxy_log_list = { .scope = "proxy", .kws = proxy_log_kws };

__attribute__((constructor)) static void cfg_log_register(void)
{
	cfg_register_keywords(&global_log_list);
	cfg_register_keywords(&proxy_log_list);
}
