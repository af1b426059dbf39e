/*
 * The `log-forward <name>` section and its keywords (see logfwd.h):
 *   dgram-bind <addr>, bind <addr>, log <target> ..., maxconn <n>,
 *   timeout client <t>, backlog <n>, option assume-rfc6587-ntf|dont-parse-log,
 *   option host replace|fill|keep|append.
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/logfwd.h>
#include <tollgate/trafficlog.h>

static int logfwd_begin(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct logfwd *lf, **tail;

	if (argc < 2 || !*args[1])
		return cfg_set_err(err, "missing name for log-forward section.");
	if (argc > 2)
		return cfg_set_err(err, "'log-forward' cannot handle unexpected argument '%s'.", args[2]);
	for (tail = &logfwd_list; *tail; tail = &(*tail)->next)
		if (!strcmp((*tail)->id, args[1]))
			return cfg_set_err(err, "log-forward '%s' has the same name as another log-forward section (declared at %s:%d).",
			                   args[1], (*tail)->conf_file, (*tail)->conf_line);
	lf = calloc(1, sizeof(*lf));
	if (!lf || !(lf->id = strdup(args[1]))) {
		free(lf);
		return cfg_set_err(err, "out of memory.");
	}
	lf->maxconn = 10;   /* HAProxy's default for log-forward */
	lf->conf_file = cfg_keep_file(ctx->file);
	lf->conf_line = ctx->line;
	*tail = lf;
	ctx->section_data = lf;
	return CFG_OK;
}

static int logfwd_end(struct cfg_ctx *ctx, char **err)
{
	struct logfwd *lf = ctx->section_data;

	if (lf && !lf->binds)
		return cfg_set_warn(err, "log-forward '%s' has no 'bind' nor 'dgram-bind': it receives nothing.", lf->id);
	return CFG_OK;
}

/* bind <addr> / dgram-bind <addr> */
static int kw_bind(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct logfwd *lf = ctx->section_data;
	struct logfwd_bind *b, **tail;
	int dgram = !strcmp(args[0], "dgram-bind");
	const char *a;
	char why[ADDR_ERRLEN];

	if (argc < 2)
		return cfg_set_err(err, "'%s' expects an address (e.g. '%s 127.0.0.1:514').", args[0], args[0]);
	if (argc > 2)
		return cfg_set_err(err, "'%s %s' : option '%s' is not supported in log-forward sections.", args[0], args[1], args[2]);
	a = args[1];
	if (dgram && (!strncmp(a, "udp@", 4) || !strncmp(a, "udp4@", 5) || !strncmp(a, "udp6@", 5)))
		a = strchr(a, '@') + 1;
	else if (!dgram && (!strncmp(a, "tcp@", 4) || !strncmp(a, "tcp4@", 5) || !strncmp(a, "tcp6@", 5)))
		a = strchr(a, '@') + 1;
	b = calloc(1, sizeof(*b));
	if (!b)
		return cfg_set_err(err, "out of memory.");
	if (addr_parse(a, dgram ? ADDR_P_NO_FD : 0, &b->addr, why, sizeof(why)) < 0) {
		free(b);
		return cfg_set_err(err, "'%s' : %s.", args[0], why);
	}
	if (b->addr.kind != ADDR_INET && b->addr.kind != ADDR_UNIX && !(!dgram && b->addr.kind == ADDR_FD)) {
		free(b);
		return cfg_set_err(err, "'%s %s' : unsupported address family.", args[0], args[1]);
	}
	b->dgram = dgram;
	b->fd = -1;
	b->lf = lf;
	for (tail = &lf->binds; *tail; tail = &(*tail)->next)
		;
	*tail = b;
	return CFG_OK;
}

static int kw_log(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct logfwd *lf = ctx->section_data;

	if (ctx->kw_mod == CFG_KWM_NO) {
		lf->targets = NULL;
		return CFG_OK;
	}
	if (argc == 2 && !strcmp(args[1], "global")) {
		/* the global targets, copied: their sockets open once */
		struct log_target *copy, **tail;

		if (log_targets_dup(log_global_targets, &copy) < 0)
			return cfg_set_err(err, "out of memory.");
		for (tail = &lf->targets; *tail; tail = &(*tail)->next)
			;
		*tail = copy;
		return CFG_OK;
	}
	return log_target_parse(&lf->targets, argc, args, err) < 0 ? CFG_ERR : CFG_OK;
}

static int kw_maxconn(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct logfwd *lf = ctx->section_data;
	long long v;

	if (argc != 2)
		return cfg_set_err(err, "'%s' expects an integer argument.", args[0]);
	if (cfg_parse_int(args[1], 1, 1000000, &v, err) < 0)
		return CFG_ERR;
	if (args[0][0] == 'm')
		lf->maxconn = (unsigned int)v;
	else
		lf->backlog = (int)v;
	return CFG_OK;
}

static int kw_timeout(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct logfwd *lf = ctx->section_data;

	if (argc != 3 || strcmp(args[1], "client"))
		return cfg_set_err(err, "'timeout' expects 'client <time>' in a log-forward section.");
	return cfg_parse_time(args[2], &lf->timeout_client, err) < 0 ? CFG_ERR : CFG_OK;
}

static int kw_option(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	static const char *const hosts[] = { "keep", "replace", "fill", "append" };
	struct logfwd *lf = ctx->section_data;
	int on = ctx->kw_mod != CFG_KWM_NO;

	if (argc < 2)
		return cfg_set_err(err, "'option' expects an option name.");
	if (!strcmp(args[1], "assume-rfc6587-ntf") && argc == 2) {
		lf->ntf_only = on;
		return CFG_OK;
	}
	if (!strcmp(args[1], "dont-parse-log") && argc == 2) {
		lf->dont_parse = on;
		return CFG_OK;
	}
	if (!strcmp(args[1], "host") && on) {
		for (int i = 0; argc == 3 && i < 4; i++)
			if (!strcmp(args[2], hosts[i])) {
				lf->host = (enum logfwd_host)i;
				return CFG_OK;
			}
		return cfg_set_err(err, "'option host' expects one of 'replace', 'fill', 'keep' or 'append'.");
	}
	return cfg_set_err(err, "'option %s' is not supported in a log-forward section (supported: assume-rfc6587-ntf, dont-parse-log, host).",
	                   args[1]);
}

static struct cfg_section logfwd_section = {
	.name = "log-forward", .begin = logfwd_begin, .end = logfwd_end, .kw_scope = "log-forward",
};

static struct cfg_kw logfwd_kws[] = {
	{ "bind", kw_bind, 0 },
	{ "dgram-bind", kw_bind, 0 },
	{ "log", kw_log, CFG_KW_NO },
	{ "maxconn", kw_maxconn, 0 },
	{ "backlog", kw_maxconn, 0 },
	{ "timeout", kw_timeout, 0 },
	{ "option", kw_option, CFG_KW_NO },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list logfwd_kw_list = { .scope = "log-forward", .kws = logfwd_kws };

__attribute__((constructor)) static void cfg_logfwd_register(void)
{
	cfg_register_section(&logfwd_section);
	cfg_register_keywords(&logfwd_kw_list);
}
