/*
 * The `resolvers` section (HAProxy's configuration.txt §5.3.2):
 *
 *   resolvers NAME
 *       nameserver ID [udp@]ADDR:PORT
 *       parse-resolv-conf                   (/etc/resolv.conf's nameservers)
 *       accepted_payload_size N             (12..65535, default 512)
 *       resolve_retries N                   (>= 1, default 3)
 *       timeout resolve|retry TIME          (default 1s each)
 *       hold nx|other|refused|timeout|valid|obsolete TIME
 *
 * The runtime side is src/proxy/resolvers.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/addr.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/dns.h>
#include <tollgate/resolvers.h>

static int resolvers_begin(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct resolvers *rs;

	if (argc < 2 || !*args[1])
		return cfg_set_err(err, "missing name for resolvers section.");
	if (argc > 2)
		return cfg_set_err(err, "'resolvers' cannot handle unexpected argument '%s'.", args[2]);
	if ((rs = resolvers_find(args[1])))
		return cfg_set_err(err, "resolvers '%s' has same name as another resolvers (declared at %s:%d).",
		                   args[1], rs->conf_file, rs->conf_line);
	rs = resolvers_new(args[1], cfg_keep_file(ctx->file), ctx->line);
	if (!rs)
		return cfg_set_err(err, "out of memory.");
	ctx->section_data = rs;
	return CFG_OK;
}

static int kw_nameserver(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct resolvers *rs = ctx->section_data;
	const char *text;
	char aerr[ADDR_ERRLEN];
	struct addr a;

	if (argc < 3)
		return cfg_set_err(err, "'nameserver' expects <name> and <addr>[:<port>] as arguments.");
	for (struct dns_nameserver *ns = rs->ns; ns; ns = ns->next)
		if (!strcmp(ns->id, args[1]))
			return cfg_set_err(err, "nameserver '%s' has same name as another nameserver (declared at %s:%d).",
			                   args[1], ns->conf_file, ns->conf_line);
	text = args[2];
	if (!strncmp(text, "tcp@", 4) || !strncmp(text, "tcp4@", 5) || !strncmp(text, "tcp6@", 5))
		return cfg_set_err(err, "'nameserver %s' : DNS over TCP is not supported by Tollgate (use a UDP nameserver).", args[1]);
	if (!strncmp(text, "udp@", 4))
		text += 4;
	else if (!strncmp(text, "udp4@", 5) || !strncmp(text, "udp6@", 5))
		text += 5;
	/* a port is required, as in HAProxy */
	if (addr_parse(text, ADDR_P_NO_UNIX | ADDR_P_NO_FD, &a, aerr, sizeof(aerr)) < 0)
		return cfg_set_err(err, "'nameserver %s' : %s", args[1], aerr);
	if (a.flags & ADDR_F_ANY)
		return cfg_set_err(err, "'nameserver %s' : expected the nameserver's address, got '%s'.", args[1], args[2]);
	if (resolvers_add_ns(rs, args[1], &a, cfg_keep_file(ctx->file), ctx->line) < 0)
		return cfg_set_err(err, "out of memory.");
	return CFG_OK;
}

static int kw_parse_resolv_conf(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	char why[300];

	if (resolvers_parse_resolv_conf(ctx->section_data, "/etc/resolv.conf", why, sizeof(why)) < 0)
		return cfg_set_err(err, "'parse-resolv-conf' : %s.", why);
	return CFG_OK;
}

static int kw_payload(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct resolvers *rs = ctx->section_data;
	long long v;

	if (argc < 2 || cfg_parse_int(args[1], DNS_HDR_LEN, DNS_MAX_UDP, &v, NULL) < 0)
		return cfg_set_err(err, "'accepted_payload_size' expects an integer from %d to %d.", DNS_HDR_LEN, DNS_MAX_UDP);
	rs->payload = (unsigned int)v;
	return CFG_OK;
}

static int kw_retries(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct resolvers *rs = ctx->section_data;
	long long v;

	if (argc < 2 || cfg_parse_int(args[1], 1, 1000, &v, NULL) < 0)
		return cfg_set_err(err, "'resolve_retries' expects a positive integer.");
	rs->retries = (unsigned int)v;
	return CFG_OK;
}

/* Parses <val> into *<out> for keyword <kw> <what>. */
static int parse_delay(const char *kw, const char *what, const char *val, unsigned int *out, char **err)
{
	char *why = NULL;

	if (!val || cfg_parse_time(val, out, &why) < 0) {
		cfg_set_err(err, "'%s %s' : %s", kw, what, why ? why : "expects <time> as argument.");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

static int kw_timeout(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct resolvers *rs = ctx->section_data;

	if (argc < 3 || (strcmp(args[1], "retry") && strcmp(args[1], "resolve")))
		return cfg_set_err(err, "'timeout' expects 'retry' or 'resolve' and <time> as arguments got '%s'.",
		                   argc > 1 ? args[1] : "");
	if (parse_delay(args[0], args[1], args[2], !strcmp(args[1], "retry") ? &rs->t_retry : &rs->t_resolve, err) < 0)
		return CFG_ERR;
	if (!rs->t_retry || !rs->t_resolve)
		return cfg_set_err(err, "'timeout %s' expects a positive delay.", args[1]);
	return CFG_OK;
}

static int kw_hold(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	static const char *const names[RSV_HOLD_COUNT] = {
		[RSV_HOLD_NX] = "nx", [RSV_HOLD_OTHER] = "other", [RSV_HOLD_REFUSED] = "refused",
		[RSV_HOLD_TIMEOUT] = "timeout", [RSV_HOLD_VALID] = "valid", [RSV_HOLD_OBSOLETE] = "obsolete",
	};
	struct resolvers *rs = ctx->section_data;

	for (int i = 0; argc > 1 && i < RSV_HOLD_COUNT; i++)
		if (!strcmp(args[1], names[i]))
			return parse_delay(args[0], args[1], argc > 2 ? args[2] : NULL, &rs->hold[i], err);
	return cfg_set_err(err, "'hold' unknown <event>: '%s', expects either 'nx', 'timeout', 'valid', 'obsolete', 'refused' or 'other'.",
	                   argc > 1 ? args[1] : "");
}

static struct cfg_kw resolvers_kws[] = {
	{ "nameserver", kw_nameserver, 0 },
	{ "parse-resolv-conf", kw_parse_resolv_conf, 0 },
	{ "accepted_payload_size", kw_payload, 0 },
	{ "resolve_retries", kw_retries, 0 },
	{ "timeout", kw_timeout, 0 },
	{ "hold", kw_hold, 0 },
	{ NULL, NULL, 0 },
};
static struct cfg_kw_list resolvers_kwl = { .scope = "resolvers", .kws = resolvers_kws };
static struct cfg_section resolvers_section = {
	.name = "resolvers", .begin = resolvers_begin, .end = NULL, .kw_scope = "resolvers",
};

__attribute__((constructor)) static void cfg_resolvers_register(void)
{
	cfg_register_section(&resolvers_section);
	cfg_register_keywords(&resolvers_kwl);
}
