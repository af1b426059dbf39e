/*
 * Proxy sections: `defaults`, `frontend`, `backend`, `listen`, and the
 * keywords common to them (scope "proxy"): mode, server,
 * default-server, balance, hash-type, timeout, maxconn, retries, option,
 * default_backend, use_backend... (`bind` lines: cfg_bind.c)
 *
 * Semantics follow HAProxy's configuration manual. A keyword that does not
 * apply to the current section (e.g. `bind` in a backend) is refused with a
 * message saying where it belongs. `defaults` sections are kept in a list;
 * a proxy inherits from the last unnamed one, or from the one named by
 * `from`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/addr.h>
#include <tollgate/acl.h>
#include <tollgate/cfg.h>
#include <tollgate/conn_src.h>
#include <tollgate/check.h>
#include <tollgate/healthcheck.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/lb.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/tcp_rules.h>
#include <tollgate/tcpcheck.h>
#include <tollgate/http_rules.h>

/* Defaults sections seen so far, newest first; `last_defaults` is the one
 * that applies to proxies declared without `from`.
 */
struct defaults_entry {
	struct proxy *px;                /* the defaults section */
	struct defaults_entry *next;     /* older one */
};

static struct defaults_entry *defaults_list;
static struct proxy *last_defaults;

struct proxy *cfg_defaults_find(const char *name)
{
	for (struct defaults_entry *d = defaults_list; d; d = d->next)
		if (!strcmp(d->px->id, name))
			return d->px;
	return NULL;
}

struct proxy *cfg_defaults_nth(int n)
{
	int count = 0;
	struct defaults_entry *d;

	for (d = defaults_list; d; d = d->next)
		count++;
	if (n < 0 || n >= count)
		return NULL;
	for (d = defaults_list; count - 1 > n; count--)
		d = d->next;
	return d->px;
}

void cfg_proxy_reset(void)
{
	struct defaults_entry *d, *next;

	for (d = defaults_list; d; d = next) {
		next = d->next;
		free(d->px->lb_name);
		free(d->px->defbe_name);
		free(d->px->defsrv.agent_send);
		free(d->px->extchk_cmd);
		free(d->px->extchk_path);
		httpchk_free(&d->px->httpchk);
		tcpcheck_rules_free(&d->px->tcpcheck_rules);
		tcpchk_lines_free(d->px);
		free(d->px->fwdfor.hdr);
		free(d->px->send_name_hdr);
		free(d->px->origto.hdr);
		free(d->px->log_format);
		free(d->px->uid_format);
		free(d->px->uid_header);
		free(d->px->cookie.name);
		free(d->px->cookie.domain);
		logformat_free(d->px->logfmt);
		server_free_pp_tlvs(&d->px->defsrv);
		cfg_def_rules_free(d->px);
		tcp_rules_free(d->px);
		http_rules_free(d->px);
		free(d->px->id);
		free(d->px);
		free(d);
	}
	defaults_list = NULL;
	last_defaults = NULL;
	healthcheck_free_all();
}

const char *cfg_keep_file(const char *file)
{
	static struct kept_name {
		char *name;
		struct kept_name *next;
	} *kept;

	for (struct kept_name *k = kept; k; k = k->next)
		if (!strcmp(k->name, file))
			return k->name;
	struct kept_name *k = malloc(sizeof(*k));

	if (!k)
		return "?";
	k->name = strdup(file);
	if (!k->name) {
		free(k);
		return "?";
	}
	k->next = kept;
	kept = k;
	return k->name;
}

/* ---- sections ---- */

static int proxy_begin(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	unsigned int cap;
	const char *name = argc > 1 ? args[1] : NULL;
	struct proxy *px, *from = last_defaults, *other;
	int i = 2;

	if (!strcmp(args[0], "frontend"))
		cap = PR_CAP_FE;
	else if (!strcmp(args[0], "backend"))
		cap = PR_CAP_BE;
	else if (!strcmp(args[0], "listen"))
		cap = PR_CAP_FE | PR_CAP_BE;
	else
		cap = PR_CAP_DEF;

	/* only regular proxies inherit from the previous defaults section */
	if (cap == PR_CAP_DEF)
		from = NULL;
	if (cap == PR_CAP_DEF && name && !strcmp(name, "from")) {
		name = NULL;
		i = 1;
	}
	if (!name && cap != PR_CAP_DEF)
		return cfg_set_err(err, "'%s' expects an <id> argument", args[0]);
	if (name && !*name)
		return cfg_set_err(err, "'%s' : an empty name is not allowed", args[0]);
	if (argc > i) {
		if (strcmp(args[i], "from") || argc != i + 2)
			return cfg_set_err(err, "'%s %s' : unexpected '%s'; the only option is 'from <defaults name>'.",
			                   args[0], name ? name : "", args[i]);
		from = cfg_defaults_find(args[i + 1]);
		if (!from)
			return cfg_set_err(err, "'%s %s' : 'from' references unknown defaults section '%s'.",
			                   args[0], name ? name : "", args[i + 1]);
	}
	if (cap != PR_CAP_DEF) {
		for (other = proxies_list; other; other = other->next) {
			if (strcmp(other->id, name) || !(other->cap & cap & (PR_CAP_FE | PR_CAP_BE)))
				continue;
			return cfg_set_err(err, "%s '%s' has the same name as %s '%s' declared at %s:%d.",
			                   args[0], name, proxy_kind(other), other->id,
			                   other->conf_file, other->conf_line);
		}
	}
	px = proxy_new(name ? name : "", cap, cfg_keep_file(ctx->file), ctx->line);
	if (!px)
		return cfg_set_err(err, "out of memory");
	if (from && proxy_inherit(px, from) < 0)
		return cfg_set_err(err, "out of memory");
	if (from && tcpchk_inherit(ctx, px, from, err) < 0)
		return CFG_ERR;

	if (cap == PR_CAP_DEF) {
		struct defaults_entry *d = malloc(sizeof(*d));

		if (!d) {
			free(px->id);
			free(px);
			return cfg_set_err(err, "out of memory");
		}
		d->px = px;
		d->next = defaults_list;
		defaults_list = d;
		last_defaults = px;
	}
	ctx->section_data = px;
	proxy_set_parse_scope(px);   /* acl() and table converters of this section's rules */
	/* the defaults' rules come first (HAProxy evaluates them before) */
	return from ? cfg_def_rules_apply(ctx, px, from, err) : CFG_OK;
}

int cfg_proxy_need_cap(struct cfg_ctx *ctx, char **args, unsigned int cap, char **err)
{
	struct proxy *px = ctx->section_data;

	if (px->cap & PR_CAP_DEF)
		return CFG_OK;
	if ((px->cap & cap) == cap)
		return CFG_OK;
	return cfg_set_err(err, "'%s' is not allowed in '%s' sections (only in %s).", args[0], ctx->section,
	                   cap == PR_CAP_FE ? "frontend and listen" : "backend and listen");
}

int cfg_proxy_refuse_in_defaults(struct cfg_ctx *ctx, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (px->cap & PR_CAP_DEF)
		return cfg_set_err(err, "'%s' is not allowed in 'defaults' sections.", args[0]);
	return CFG_OK;
}

/* ---- simple keywords ---- */

static int kw_mode(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (argc < 2)
		return cfg_set_err(err, "'mode' expects 'tcp', 'http' or 'log'.");
	if (!strcmp(args[1], "tcp"))
		px->mode = PR_MODE_TCP;
	else if (!strcmp(args[1], "http"))
		px->mode = PR_MODE_HTTP;
	else if (!strcmp(args[1], "log") && (px->cap & PR_CAP_FE) && !(px->cap & PR_CAP_DEF))
		return cfg_set_err(err, "'mode log' is only applicable to backends (%s '%s' has a frontend).", proxy_kind(px), px->id);
	else if (!strcmp(args[1], "log"))
		px->mode = PR_MODE_LOG;
	else
		return cfg_set_err(err, "'mode' : unknown mode '%s' (expected 'tcp', 'http' or 'log').", args[1]);
	px->mode_explicit = 1;
	return CFG_OK;
}

static int parse_uint_arg(char **args, int argc, int idx, long long min, long long max,
                          long long *out, char **err)
{
	char *why = NULL;

	if (argc <= idx)
		return cfg_set_err(err, "'%s' expects an integer argument.", args[0]);
	if (cfg_parse_int(args[idx], min, max, out, &why) < 0) {
		cfg_set_err(err, "'%s' : %s", args[0], why ? why : "invalid integer");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

static int kw_maxconn(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	long long v;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_FE, err) < 0)
		return CFG_ERR;
	if (parse_uint_arg(args, argc, 1, 0, 10000000, &v, err) < 0)
		return CFG_ERR;
	px->maxconn = (unsigned int)v;
	return CFG_OK;
}

static int kw_fullconn(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	long long v;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (parse_uint_arg(args, argc, 1, 0, 10000000, &v, err) < 0)
		return CFG_ERR;
	px->fullconn = (unsigned int)v;
	return CFG_OK;
}

/* backlog <n>: the listen() backlog of the proxy's binds that set none */
static int kw_backlog(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	long long v;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_FE, err) < 0)
		return CFG_ERR;
	if (parse_uint_arg(args, argc, 1, 1, INT_MAX, &v, err) < 0)
		return CFG_ERR;
	px->backlog = (int)v;
	return CFG_OK;
}

/* clitcpka-idle|intvl <time>, srvtcpka-idle|intvl <time> (seconds unless
 * a unit is given), clitcpka-cnt|srvtcpka-cnt <n>: the TCP keep-alive
 * probes of the connections that option clitcpka/srvtcpka/tcpka enables.
 */
static int kw_tcpka(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	int srv = args[0][0] == 's';
	const char *what = args[0] + 9;   /* after "clitcpka-" */
	int idx = !strcmp(what, "idle") ? 0 : !strcmp(what, "intvl") ? 1 : 2;
	long long v;

	if (cfg_proxy_need_cap(ctx, args, srv ? PR_CAP_BE : PR_CAP_FE, err) < 0)
		return CFG_ERR;
	if (argc != 2)
		return cfg_set_err(err, "'%s' expects %s.", args[0], idx == 2 ? "a count" : "a time (seconds by default)");
	if (idx == 2 || strspn(args[1], "0123456789") == strlen(args[1])) {
		if (cfg_parse_int(args[1], 1, INT_MAX, &v, NULL) < 0)
			return cfg_set_err(err, "'%s' expects a positive integer, got '%s'.", args[0], args[1]);
	} else {
		unsigned int ms;

		if (cfg_parse_time(args[1], &ms, NULL) < 0)
			return cfg_set_err(err, "'%s' expects a time (seconds by default), got '%s'.", args[0], args[1]);
		if (ms < 1000)
			return cfg_set_err(err, "'%s' : '%s' is below one second, the unit of TCP keep-alive timers.", args[0], args[1]);
		v = ms / 1000;
	}
	px->tcpka[srv][idx] = (int)v;
	return CFG_OK;
}

/* http-send-name-header <name>: the request sent to a server carries the
 * header <name> set to the server's name (any of the request's removed).
 */
static int kw_send_name_hdr(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (argc != 2)
		return cfg_set_err(err, "'%s' requires a header string.", args[0]);
	free(px->send_name_hdr);
	px->send_name_hdr = strdup(args[1]);
	if (!px->send_name_hdr)
		return cfg_set_err(err, "out of memory");
	return CFG_OK;
}

/* Proxy keywords accepted with a warning that they have no effect
 * (doc/configuration.md says why for each).
 */
static int kw_noeffect(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	cfg_warn(ctx, "'%s' has no effect in Tollgate: ignored.", args[0]);
	return CFG_OK;
}

static int kw_retries(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	long long v;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (parse_uint_arg(args, argc, 1, 0, 1000, &v, err) < 0)
		return CFG_ERR;
	px->retries = (unsigned int)v;
	return CFG_OK;
}

/* `retry-on <keyword>...`: replaces the backend's retry conditions. */
static int kw_retry_on(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	static const struct { const char *kw; unsigned int bits; } kws[] = {
		{ "none", 0 },
		{ "conn-failure", PR_RE_CONN_FAILED },
		{ "empty-response", PR_RE_DISCONNECTED },
		{ "junk-response", PR_RE_JUNK_REQUEST },
		{ "response-timeout", PR_RE_TIMEOUT },
		{ "0rtt-rejected", PR_RE_EARLY_ERROR },
	};
	static const int codes[] = PR_RE_STATUSES;
	struct proxy *px = ctx->section_data;
	unsigned int v = 0;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (argc < 2)
		return cfg_set_err(err, "'retry-on' expects at least one keyword (none, conn-failure, empty-response, junk-response, response-timeout, 0rtt-rejected, all-retryable-errors or a status among 401 403 404 408 421 425 429 500 501 502 503 504).");
	for (int i = 1; i < argc; i++) {
		size_t k;

		if (!strcmp(args[i], "all-retryable-errors")) {
			v |= PR_RE_CONN_FAILED | PR_RE_DISCONNECTED | PR_RE_JUNK_REQUEST | PR_RE_TIMEOUT | PR_RE_EARLY_ERROR;
			for (k = 0; k < sizeof(codes) / sizeof(codes[0]); k++)
				if (codes[k] == 500 || codes[k] >= 502)
					v |= 1U << (PR_RE_STATUS_SHIFT + k);
			continue;
		}
		for (k = 0; k < sizeof(kws) / sizeof(kws[0]) && strcmp(args[i], kws[k].kw); k++)
			;
		if (k < sizeof(kws) / sizeof(kws[0])) {
			v |= kws[k].bits;
			continue;
		}
		for (k = 0; k < sizeof(codes) / sizeof(codes[0]) && atoi(args[i]) != codes[k]; k++)
			;
		if (k == sizeof(codes) / sizeof(codes[0]) || strspn(args[i], "0123456789") != strlen(args[i]))
			return cfg_set_err(err, "'retry-on' does not know '%s' (none, conn-failure, empty-response, junk-response, response-timeout, 0rtt-rejected, all-retryable-errors or a status among 401 403 404 408 421 425 429 500 501 502 503 504).", args[i]);
		v |= 1U << (PR_RE_STATUS_SHIFT + k);
	}
	px->retry_on = v;
	return CFG_OK;
}

static int kw_id(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	long long v;

	if (cfg_proxy_refuse_in_defaults(ctx, args, err) < 0)
		return CFG_ERR;
	if (parse_uint_arg(args, argc, 1, 1, 0x7fffffff, &v, err) < 0)
		return CFG_ERR;
	px->uuid = (int)v;
	return CFG_OK;
}

static int kw_disabled(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	px->disabled = !strcmp(args[0], "disabled");
	return CFG_OK;
}

static int kw_default_backend(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_FE, err) < 0)
		return CFG_ERR;
	if (argc != 2)
		return cfg_set_err(err, "'default_backend' expects a backend name.");
	free(px->defbe_name);
	px->defbe_name = strdup(args[1]);
	return px->defbe_name ? CFG_OK : cfg_set_err(err, "out of memory");
}

/* timeout <name> <time> */
static int kw_timeout(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	static const struct {
		const char *name;
		size_t off;
		unsigned int cap;
	} tmo[] = {
		{ "client", offsetof(struct pr_timeouts, client), PR_CAP_FE },
		{ "server", offsetof(struct pr_timeouts, server), PR_CAP_BE },
		{ "connect", offsetof(struct pr_timeouts, connect), PR_CAP_BE },
		{ "queue", offsetof(struct pr_timeouts, queue), PR_CAP_BE },
		{ "tunnel", offsetof(struct pr_timeouts, tunnel), PR_CAP_BE },
		{ "client-fin", offsetof(struct pr_timeouts, client_fin), PR_CAP_FE },
		{ "client-hs", offsetof(struct pr_timeouts, client_hs), PR_CAP_FE },
		{ "server-fin", offsetof(struct pr_timeouts, server_fin), PR_CAP_BE },
		{ "check", offsetof(struct pr_timeouts, check), PR_CAP_BE },
		{ "http-request", offsetof(struct pr_timeouts, http_request), PR_CAP_FE | PR_CAP_BE },
		{ "http-keep-alive", offsetof(struct pr_timeouts, http_keep_alive), PR_CAP_FE },
		{ "tarpit", offsetof(struct pr_timeouts, tarpit), PR_CAP_FE },
	};
	struct proxy *px = ctx->section_data;
	char *why = NULL;

	if (argc < 2)
		return cfg_set_err(err, "'timeout' expects 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' or 'server-fin'.");
	for (size_t i = 0; i < sizeof(tmo) / sizeof(tmo[0]); i++) {
		unsigned int *field = (unsigned int *)((char *)&px->timeout + tmo[i].off);

		if (strcmp(args[1], tmo[i].name))
			continue;
		if (!(px->cap & PR_CAP_DEF) && !(px->cap & tmo[i].cap))
			return cfg_set_warn(err, "'timeout %s' is ignored in '%s' sections (only in %s).", args[1],
			                    ctx->section, tmo[i].cap == PR_CAP_FE ? "frontend, listen and defaults" : "backend, listen and defaults");
		if (argc != 3)
			return cfg_set_err(err, "'timeout %s' expects exactly one time value.", args[1]);
		if (cfg_parse_time(args[2], field, &why) < 0) {
			cfg_set_err(err, "'timeout %s' : %s", args[1], why ? why : "invalid time");
			free(why);
			return CFG_ERR;
		}
		return CFG_OK;
	}
	return cfg_set_err(err, "'timeout' : unknown timeout '%s' (expected 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' or 'server-fin').", args[1]);
}

/* option <name> / no option <name> */
/* option forwardfor [except <network>] [header <name>] [if-none],
 * option originalto [except <network>] [header <name>]
 */
static int option_forwardfor(struct proxy *px, int no, int argc, char **args, char **err)
{
	int is_ff = !strcmp(args[1], "forwardfor");
	struct pr_forwardfor *ff = is_ff ? &px->fwdfor : &px->origto;
	unsigned int flag = is_ff ? PR_O_FORWARDFOR : PR_O_ORIGINALTO;

	if (no) {
		px->options &= ~flag;
		return CFG_OK;
	}
	free(ff->hdr);
	memset(ff, 0, sizeof(*ff));
	for (int i = 2; i < argc; i++) {
		if (is_ff && !strcmp(args[i], "if-none")) {
			ff->if_none = 1;
		} else if (!strcmp(args[i], "header") && i + 1 < argc) {
			free(ff->hdr);
			ff->hdr = strdup(args[++i]);
			if (!ff->hdr)
				return cfg_set_err(err, "out of memory");
		} else if (!strcmp(args[i], "except") && i + 1 < argc) {
			/* <addr>[/<bits or mask>], IPv4 or IPv6 (sample.h's mask parsers) */
			char net[128], *slash;

			snprintf(net, sizeof(net), "%s", args[++i]);
			slash = strchr(net, '/');
			if (slash)
				*slash++ = '\0';
			if (inet_pton(AF_INET, net, &ff->except_addr) == 1 &&
			    sample_parse_mask4(slash ? slash : "32", (struct in_addr *)&ff->except_mask) == 0) {
				ff->except_v6 = 0;
			} else if (inet_pton(AF_INET6, net, &ff->except_addr) == 1 &&
			           sample_parse_mask6(slash ? slash : "128", &ff->except_mask) == 0) {
				ff->except_v6 = 1;
			} else {
				return cfg_set_err(err, "'option %s' : 'except' expects a network (e.g. 10.0.0.0/8 or ::1), got '%s'.", args[1], args[i]);
			}
			ff->has_except = 1;
		} else {
			return cfg_set_err(err, "'option %s' : unknown or incomplete argument '%s' (expected 'except <network>', 'header <name>'%s).", args[1], args[i], is_ff ? " or 'if-none'" : "");
		}
	}
	px->options |= flag;
	return CFG_OK;
}

/* option forwarded [proto] [host] [by] [by_port] [for] [for_port]: the
 * RFC 7239 header of the backend; without a parameter, 'proto' and 'for',
 * as HAProxy. The *-expr forms are refused (not supported yet).
 */
static int option_forwarded(struct cfg_ctx *ctx, struct proxy *px, int no, int argc, char **args, char **err)
{
	struct pr_forwarded *f = &px->fwded;

	if (!(px->cap & (PR_CAP_BE | PR_CAP_DEF))) {
		cfg_warn(ctx, "'option forwarded' ignored because %s '%s' has no backend capability.",
		         ctx->section, px->id ? px->id : "");
		return CFG_OK;
	}
	if (no) {
		px->options &= ~PR_O_FORWARDED;
		return CFG_OK;
	}
	memset(f, 0, sizeof(*f));
	if (argc == 2)
		f->proto = f->for_ = 1;
	for (int i = 2; i < argc; i++) {
		unsigned char *flag = !strcmp(args[i], "proto") ? &f->proto :
		                      !strcmp(args[i], "host") ? &f->host :
		                      !strcmp(args[i], "by") ? &f->by :
		                      !strcmp(args[i], "by_port") ? &f->by_port :
		                      !strcmp(args[i], "for") ? &f->for_ :
		                      !strcmp(args[i], "for_port") ? &f->for_port : NULL;

		if (!flag) {
			if (strstr(args[i], "-expr"))
				return cfg_set_err(err, "'option forwarded' : '%s' is not supported yet (use 'proto', 'host', 'by', 'by_port', 'for', 'for_port').", args[i]);
			return cfg_set_err(err, "'option forwarded' : unknown parameter '%s' (expected 'proto', 'host', 'by', 'by_port', 'for' or 'for_port').", args[i]);
		}
		*flag = 1;
	}
	/* a port without its node is ignored, as HAProxy does */
	if (f->by_port && !f->by) {
		f->by_port = 0;
		cfg_warn(ctx, "'option forwarded' : 'by_port' will be ignored because 'by' is unset.");
	}
	if (f->for_port && !f->for_) {
		f->for_port = 0;
		cfg_warn(ctx, "'option forwarded' : 'for_port' will be ignored because 'for' is unset.");
	}
	px->options |= PR_O_FORWARDED;
	return CFG_OK;
}

static int kw_option(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	static const struct {
		const char *name;
		unsigned int flag;
		unsigned int cap;
	} opts[] = {
		{ "redispatch", PR_O_REDISP, PR_CAP_BE },
		{ "allbackups", PR_O_ALLBACKUPS, PR_CAP_BE },
		{ "splice-auto", PR_O_SPLICE_AUTO, PR_CAP_FE | PR_CAP_BE },
		{ "splice-request", PR_O_SPLICE_REQ, PR_CAP_FE | PR_CAP_BE },
		{ "splice-response", PR_O_SPLICE_RES, PR_CAP_FE | PR_CAP_BE },
		{ "tcplog", PR_O_TCPLOG, PR_CAP_FE },
		{ "httplog", PR_O_HTTPLOG, PR_CAP_FE },
		{ "dontlognull", PR_O_DONTLOGNULL, PR_CAP_FE },
		{ "tcp-check", PR_O_TCP_CHECK, PR_CAP_BE },
		{ "log-health-checks", PR_O_LOG_HEALTH, PR_CAP_BE },
		{ "accept-unsafe-violations-in-http-request", PR_O_ACCEPT_UNSAFE_REQ, PR_CAP_FE },
		{ "accept-invalid-http-request", PR_O_ACCEPT_UNSAFE_REQ, PR_CAP_FE },
		{ "log-separate-errors", PR_O_LOGERRORS, PR_CAP_FE },
		{ "external-check", PR_O_EXTCHK, PR_CAP_BE },
		{ "abortonclose", PR_O_ABRT_CLOSE, PR_CAP_BE },
		{ "http-use-proxy-header", PR_O_HTTP_PXHDR, PR_CAP_FE },
		{ "http-buffer-request", PR_O_HTTP_BUFREQ, PR_CAP_FE | PR_CAP_BE },
		{ "dontlog-normal", PR_O_DONTLOG_NORM, PR_CAP_FE },
		{ "tcpka", PR_O_CLI_KA | PR_O_SRV_KA, PR_CAP_FE | PR_CAP_BE },
		{ "clitcpka", PR_O_CLI_KA, PR_CAP_FE },
		{ "srvtcpka", PR_O_SRV_KA, PR_CAP_BE },
		{ "http-ignore-probes", PR_O_IGNORE_PRB, PR_CAP_FE },
	};
	/* Options accepted with a warning that they have no effect: socket
	 * and buffering tunings of HAProxy's (Tollgate sends at once and sets
	 * no delayed-ACK option), a response cache check, statistics that
	 * Tollgate already updates as data moves; and behaviours not built
	 * yet: logging at the response's headers (`logasap`), closing with a
	 * reset (`nolinger`), per-listener statistics (`socket-stats`),
	 * persistence to a DOWN server (`persist`), per-direction timeouts
	 * (`independent-streams`). doc/configuration.md lists them.
	 */
	static const char *const noeffect_opts[] = {
		"http-no-delay", "tcp-smart-accept", "tcp-smart-connect",
		"http-pretend-keepalive", "contstats", "checkcache",
		"logasap", "nolinger", "socket-stats", "persist", "independent-streams",
	};
	/* Accepted silently: what Tollgate always does. A kept server
	 * connection serves the client's next request when its server is
	 * still usable (doc/configuration.md, "Keep-alive").
	 */
	static const char *const http_opts[] = {
		"prefer-last-server",
	};
	struct proxy *px = ctx->section_data;
	int no = ctx->kw_mod == CFG_KWM_NO;
	int ret;

	if (argc < 2)
		return cfg_set_err(err, "'%soption' expects an option name.", no ? "no " : "");
	if (!strcmp(args[1], "httpchk"))
		return cfg_option_httpchk(ctx, px, no, argc, args, err);
	ret = cfg_option_chkproto(ctx, px, no, argc, args, err);
	if (ret != 1)
		return ret;
	if (!strcmp(args[1], "forwardfor") || !strcmp(args[1], "originalto"))
		return option_forwardfor(px, no, argc, args, err);
	if (!strcmp(args[1], "forwarded"))
		return option_forwarded(ctx, px, no, argc, args, err);
	for (size_t i = 0; i < sizeof(noeffect_opts) / sizeof(noeffect_opts[0]); i++) {
		if (!strcmp(args[1], noeffect_opts[i])) {
			cfg_warn(ctx, "'%soption %s' has no effect in Tollgate: ignored.", no ? "no " : "", args[1]);
			return CFG_OK;
		}
	}
	if (!strcmp(args[1], "httplog") && argc > 2) {
		if (argc > 3 || strcmp(args[2], "clf"))
			return cfg_set_err(err, "'option httplog' accepts only 'clf' after it, got '%s'.", args[2]);
		px->options &= ~PR_O_HTTPSLOG;
		px->options = no ? px->options & ~(PR_O_HTTPLOG | PR_O_CLF) : px->options | PR_O_HTTPLOG | PR_O_CLF;
		return CFG_OK;
	}
	/* httplog and httpslog: the last one given wins, as in HAProxy */
	if (!strcmp(args[1], "httplog") || !strcmp(args[1], "httpslog"))
		px->options &= ~(PR_O_HTTPSLOG | PR_O_CLF);
	if (!strcmp(args[1], "httpslog")) {
		if (argc > 2)
			return cfg_set_err(err, "'option httpslog' takes no argument, got '%s'.", args[2]);
		px->options = no ? px->options & ~PR_O_HTTPLOG : px->options | PR_O_HTTPLOG | PR_O_HTTPSLOG;
		return CFG_OK;
	}
	if (!strcmp(args[1], "http-server-close") || !strcmp(args[1], "httpclose") ||
	    !strcmp(args[1], "http-keep-alive")) {
		/* the last one given wins, as in HAProxy */
		px->options &= ~(PR_O_SRV_CLOSE | PR_O_HTTPCLOSE | PR_O_KEEPALIVE);
		if (!no)
			px->options |= !strcmp(args[1], "http-server-close") ? PR_O_SRV_CLOSE :
			               !strcmp(args[1], "httpclose") ? PR_O_HTTPCLOSE : PR_O_KEEPALIVE;
		return CFG_OK;
	}
	if (!strcmp(args[1], "redispatch"))
		/* [<interval>]: read as HAProxy does (atol: a word is 0) */
		px->redispatch_after = no ? 0 : argc > 2 ? (int)atol(args[2]) : -1;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strcmp(args[1], opts[i].name))
			continue;
		if (no)
			px->options &= ~opts[i].flag;
		else
			px->options |= opts[i].flag;
		if (!no && opts[i].flag == PR_O_TCP_CHECK) {
			px->options &= ~PR_O_HTTPCHK;   /* the last check option wins */
			px->chkproto.kind = CHKP_NONE;
		}
		return CFG_OK;
	}
	for (size_t i = 0; i < sizeof(http_opts) / sizeof(http_opts[0]); i++)
		if (!strcmp(args[1], http_opts[i]))
			return CFG_OK;
	if (!strcmp(args[1], "transparent"))
		return cfg_set_err(err, "'option transparent' is not supported yet: a server with address 0.0.0.0 ('server s 0.0.0.0') sends each connection to the address the client reached, HAProxy's replacement for it.");
	return cfg_set_err(err, "'option' : unknown option '%s'.", args[1]);
}

/* balance <algo> [args] */
static int kw_balance(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	const char *algo;
	char names[256];

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (argc < 2)
		return cfg_set_err(err, "'balance' expects an algorithm.");
	algo = args[1];
	if (!strncmp(algo, "random", 6) && (algo[6] == '(' || !algo[6])) {
		if (algo[6] == '(') {
			char *end;
			long n = strtol(algo + 7, &end, 10);

			if (n < 1 || n > 100 || strcmp(end, ")"))
				return cfg_set_err(err, "'balance random(<draws>)' expects a number of draws from 1 to 100, got '%s'.", algo);
			px->lb.random_draws = (unsigned int)n;
		}
		algo = "random";
	}
	if (!strcmp(algo, "log-hash")) {
		/* log backends: converters applied to the message */
		if (argc < 3)
			return cfg_set_err(err, "'balance log-hash' expects a list of converters (e.g. 'balance log-hash field(-2,\\\")').");
		free(px->hash_expr);
		px->hash_expr = strdup(args[2]);
	} else if (!strcmp(algo, "hash")) {
		if (argc < 3)
			return cfg_set_err(err, "'balance hash' expects a sample expression (e.g. 'balance hash src').");
		free(px->hash_expr);
		px->hash_expr = strdup(args[2]);
	} else if (!strcmp(algo, "uri") || !strcmp(algo, "url_param") || !strncmp(algo, "hdr(", 4)) {
		/* HTTP algorithms: a hash of a request sample (mode http) */
		char expr[300];

		px->lb.key_len = px->lb.key_depth = 0;
		px->lb.key_domain = px->lb.key_nonempty = px->lb.key_post = 0;
		free(px->lb.key_param);
		px->lb.key_param = NULL;
		if (!strcmp(algo, "uri")) {
			/* as HAProxy: the URI up to '?' (an absolute-form one with
			 * its scheme and authority), "whole" keeps the query,
			 * "path-only" drops the scheme and authority; "len" and
			 * "depth" narrow it (lb_key_narrow())
			 */
			int whole = 0, path_only = 0;
			static const char *const what[2][2] = {
				{ "url,field(1,?)", "url" },    /* [path_only][whole] */
				{ "path", "pathq" },
			};

			for (int i = 2; i < argc; i++) {
				if (!strcmp(args[i], "whole")) {
					whole = 1;
				} else if (!strcmp(args[i], "path-only")) {
					path_only = 1;
				} else if (!strcmp(args[i], "len") || !strcmp(args[i], "depth")) {
					long v = i + 1 < argc ? atol(args[i + 1]) : 0;

					if (v <= 0 || v > INT_MAX)
						return cfg_set_err(err, "'balance uri' : '%s' expects a positive integer (got '%s').",
						                   args[i], i + 1 < argc ? args[i + 1] : "");
					if (args[i][0] == 'l')
						px->lb.key_len = (unsigned int)v;
					else
						px->lb.key_depth = (unsigned int)v;
					i++;
				} else {
					return cfg_set_err(err, "'balance uri' : unknown option '%s' (expected 'whole', 'path-only', 'len <n>' or 'depth <n>').", args[i]);
				}
			}
			snprintf(expr, sizeof(expr), "%s", what[path_only][whole]);
		} else if (!strcmp(algo, "url_param")) {
			if (argc < 3)
				return cfg_set_err(err, "'balance url_param' expects a parameter name.");
			if (argc > 3 && strcmp(args[3], "check_post"))
				return cfg_set_err(err, "'balance url_param' only accepts 'check_post' modifier (got '%s').", args[3]);
			/* the whole target; lb_key_narrow() takes the value out */
			free(px->lb.key_param);
			px->lb.key_param = strdup(args[2]);
			if (!px->lb.key_param)
				return cfg_set_err(err, "out of memory");
			snprintf(expr, sizeof(expr), "url");
			/* check_post [<max_wait>]: the wait is ignored, as HAProxy */
			px->lb.key_post = argc > 3;
		} else {
			size_t n = strlen(algo);

			if (n < 6 || algo[n - 1] != ')')
				return cfg_set_err(err, "'balance hdr(<name>)' expects a header name in parentheses.");
			if (argc > 3 || (argc == 3 && strcmp(args[2], "use_domain_only")))
				return cfg_set_err(err, "'balance hdr()' : unknown option '%s' (expected 'use_domain_only').", args[2]);
			/* as HAProxy: the first value; an empty one is no key */
			px->lb.key_domain = argc == 3;
			px->lb.key_nonempty = 1;
			snprintf(expr, sizeof(expr), "req.hdr(%.*s,1)", (int)(n - 5), algo + 4);
		}
		free(px->hash_expr);
		px->hash_expr = strdup(expr);
		algo = "hash";
	} else if (!strncmp(algo, "rdp-cookie", 10)) {
		/* the cookie's value hashed (default "mstshash"), round robin
		 * without one, as HAProxy
		 */
		char expr[300];
		size_t n = strlen(algo);

		if (algo[10] == '(' && (n < 13 || algo[n - 1] != ')'))
			return cfg_set_err(err, "rdp-cookie : missing cookie name.");
		if (algo[10] && algo[10] != '(')
			return cfg_set_err(err, "rdp-cookie : invalid syntax '%s'.", algo);
		if (algo[10])
			snprintf(expr, sizeof(expr), "req.rdp_cookie(%.*s)", (int)(n - 12), algo + 11);
		else
			snprintf(expr, sizeof(expr), "req.rdp_cookie(mstshash)");
		px->lb.key_len = px->lb.key_depth = 0;
		px->lb.key_domain = px->lb.key_post = 0;
		free(px->lb.key_param);
		px->lb.key_param = NULL;
		px->lb.key_nonempty = 1;
		free(px->hash_expr);
		px->hash_expr = strdup(expr);
		algo = "hash";
	} else if (!lb_find(algo)) {
		lb_names(names, sizeof(names));
		return cfg_set_err(err, "'balance' : unknown algorithm '%s' (supported: %s).", algo, names);
	}
	free(px->lb_name);
	px->lb_name = strdup(algo);
	return px->lb_name ? CFG_OK : cfg_set_err(err, "out of memory");
}

/* persist rdp-cookie[(<name>)]: a server named by the RDP cookie (default
 * "msts"), as HAProxy (stream_connect.c).
 */
static int kw_persist(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	const char *a = argc > 1 ? args[1] : "";
	size_t n = strlen(a);
	char *name;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (strncmp(a, "rdp-cookie", 10) || (a[10] && a[10] != '('))
		return cfg_set_err(err, "'persist' only supports 'rdp-cookie'.");
	if (a[10] && (n < 13 || a[n - 1] != ')' || memchr(a + 11, ')', n - 12)))
		return cfg_set_err(err, "'persist rdp-cookie' : missing cookie name.");
	name = a[10] ? strndup(a + 11, n - 12) : strdup("msts");
	if (!name)
		return cfg_set_err(err, "out of memory");
	free(px->rdp_persist);
	px->rdp_persist = name;
	return CFG_OK;
}

/* hash-type map-based|consistent [function] [modifier] */
static int kw_hash_type(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (argc < 2)
		return cfg_set_err(err, "'hash-type' expects 'map-based' or 'consistent'.");
	if (!strcmp(args[1], "map-based"))
		px->lb.hash_type = LB_HASH_MAP;
	else if (!strcmp(args[1], "consistent"))
		px->lb.hash_type = LB_HASH_CONSISTENT;
	else
		return cfg_set_err(err, "'hash-type' : unknown method '%s' (expected 'map-based' or 'consistent').", args[1]);
	/* as HAProxy: sdbm by default, avalanched by default when consistent */
	px->lb.hash_fn = LB_HFN_SDBM;
	px->lb.hash_avalanche = px->lb.hash_type == LB_HASH_CONSISTENT && argc < 3;
	if (argc > 2) {
		static const char *const fns[] = { "sdbm", "djb2", "wt6", "crc32", "none" };
		unsigned int i = 0;

		while (i < sizeof(fns) / sizeof(fns[0]) && strcmp(args[2], fns[i]))
			i++;
		if (i == sizeof(fns) / sizeof(fns[0]))
			return cfg_set_err(err, "'hash-type' : unknown hash function '%s' (expected 'sdbm', 'djb2', 'wt6', 'crc32' or 'none').", args[2]);
		px->lb.hash_fn = (enum lb_hash_fn)i;
	}
	if (argc > 3) {
		if (strcmp(args[3], "avalanche") || argc > 4)
			return cfg_set_err(err, "'hash-type' only supports 'avalanche' as a modifier for hash functions, got '%s'.", args[argc > 4 && !strcmp(args[3], "avalanche") ? 4 : 3]);
		px->lb.hash_avalanche = 1;
	}
	return CFG_OK;
}

/* hash-preserve-affinity always|maxconn|maxqueue. Tollgate's hash-based
 * algorithms skip a saturated server for the next one on the ring, which
 * is HAProxy's `maxconn`; the others are accepted with a warning.
 */
static int kw_hash_preserve_affinity(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (argc != 2 || (strcmp(args[1], "always") && strcmp(args[1], "maxconn") && strcmp(args[1], "maxqueue")))
		return cfg_set_err(err, "'hash-preserve-affinity' expects 'always', 'maxconn' or 'maxqueue'.");
	if (strcmp(args[1], "maxconn"))
		return cfg_set_warn(err, "'hash-preserve-affinity %s' is not supported yet: a saturated server is skipped for the next one on the hash ring, as with 'maxconn'.", args[1]);
	return CFG_OK;
}

/* ---- server / default-server ---- */

static int kw_server(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	char addrerr[ADDR_ERRLEN], host[256];
	struct server *srv;
	struct addr a;
	int rc;

	if (cfg_proxy_refuse_in_defaults(ctx, args, err) < 0 || cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (argc < 3)
		return cfg_set_err(err, "'server' expects <name> and <addr>[:<port>] as arguments.");
	if (server_find(px, args[1]))
		return cfg_set_err(err, "'server' : %s '%s' already has a server named '%s'.", proxy_kind(px), px->id, args[1]);
	/* no host (or `*`, 0.0.0.0) and no port: the client's destination's;
	 * a host name is resolved at the end (init-addr, resolvers.h)
	 */
	const char *addr = args[2];
	int dgram = 0;

	if (px->mode == PR_MODE_LOG && (!strncmp(addr, "udp@", 4) || !strncmp(addr, "udp4@", 5) ||
	                                !strncmp(addr, "udp6@", 5))) {
		/* log backends: a UDP syslog server */
		addr = strchr(addr, '@') + 1;
		dgram = 1;
	}
	if (addr_parse_name(addr, ADDR_P_NO_FD | ADDR_P_PORT_OPTIONAL, &a, host, sizeof(host),
	                    addrerr, sizeof(addrerr)) < 0)
		return cfg_set_err(err, "'server %s' : %s", args[1], addrerr);
	if (px->mode == PR_MODE_LOG && (a.kind != ADDR_INET || *host))
		return cfg_set_err(err, "'server %s' : a log server needs a numeric IP address and port (udp@<ip>:<port> or tcp@<ip>:<port>), not '%s'.",
		                   args[1], args[2]);
	srv = server_new(px, args[1], cfg_keep_file(ctx->file), ctx->line);
	if (!srv)
		return cfg_set_err(err, "out of memory");
	srv->addr = a;
	if (px->mode == PR_MODE_LOG) {
		srv->log_dgram = dgram;
		if ((a.flags & ADDR_F_NO_PORT))
			addr_set_port(&srv->addr, 514);
	}
	if (*host && !(srv->hostname = strdup(host)))
		return cfg_set_err(err, "out of memory");
	/* an id used twice is refused by proxy_finalize_all() */
	rc = server_parse_options(srv, argc, args, 3, 0, err);
	if (rc < 0)
		return CFG_ERR;
	{
		char kw[300];

		snprintf(kw, sizeof(kw), "server %s", args[1]);
		return cfg_server_ssl_finish(srv, kw, err) < 0 ? CFG_ERR : rc;
	}
}

/* server-template <prefix> <num>|<low>-<high> <fqdn>[:<port>] [options]:
 * servers <prefix><i> for each <i>, all named <fqdn>; with `resolvers`
 * they share one resolution and take different addresses of its answer.
 */
static int kw_server_template(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	char *fake[CFG_MAX_WORDS + 1], name[256], *end;
	long low = 1, high;

	if (cfg_proxy_refuse_in_defaults(ctx, args, err) < 0 || cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (argc < 4)
		return cfg_set_err(err, "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments.");
	high = strtol(args[2], &end, 10);
	if (*end == '-' && end > args[2]) {
		low = high;
		high = strtol(end + 1, &end, 10);
	}
	if (*end || end == args[2] || low < 1 || high < low || high - low >= 10000)
		return cfg_set_err(err, "'server-template %s' : expects a number of servers or a range <low>-<high> (from 1, at most 10000 servers), got '%s'.",
		                   args[1], args[2]);
	for (int i = 0; i < argc && i < CFG_MAX_WORDS; i++)
		fake[i] = args[i];
	fake[0] = "server";
	for (long i = low; i <= high; i++) {
		if ((size_t)snprintf(name, sizeof(name), "%s%ld", args[1], i) >= sizeof(name))
			return cfg_set_err(err, "'server-template' : prefix '%s' too long.", args[1]);
		fake[1] = name;
		fake[2] = args[3];
		/* the options follow the address: shift them over <nb> */
		for (int k = 4; k < argc; k++)
			fake[k - 1] = args[k];
		if (kw_server(ctx, argc - 1, fake, err) < 0)
			return CFG_ERR;
	}
	return CFG_OK;
}

static int kw_default_server(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	char *fake[CFG_MAX_WORDS + 2];
	int n = 0;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	/* reuse the server option parser with a name placeholder */
	fake[n++] = args[0];
	fake[n++] = "(defaults)";
	for (int i = 1; i < argc && n < CFG_MAX_WORDS + 1; i++)
		fake[n++] = args[i];
	return server_parse_options(&px->defsrv, n, fake, 2, 0, err);
}

/* ---- use_backend ---- */

static int kw_use_backend(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct switching_rule *rule;
	int ret;

	if (cfg_proxy_refuse_in_defaults(ctx, args, err) < 0 || cfg_proxy_need_cap(ctx, args, PR_CAP_FE, err) < 0)
		return CFG_ERR;
	if (argc < 2)
		return cfg_set_err(err, "'use_backend' expects a backend name.");
	rule = calloc(1, sizeof(*rule));
	if (!rule)
		return cfg_set_err(err, "out of memory");
	rule->be_name = strdup(args[1]);
	rule->conf_file = cfg_keep_file(ctx->file);
	rule->conf_line = ctx->line;
	if (argc > 2) {
		ret = cfg_proxy_parse_cond(ctx, px, argc - 2, args + 2, &rule->cond, err);
		if (ret < 0) {
			free(rule->be_name);
			free(rule);
			return CFG_ERR;
		}
		cfg_proxy_check_cond(ctx, px, rule->cond, px->mode == PR_MODE_HTTP ? SMP_USE_HTTP_REQ : SMP_USE_L6REQ,
				     NULL, "frontend use-backend rule");
	}
	list_append(&px->switching_rules, &rule->list);
	return CFG_OK;
}

/* force-be-switch {if|unless} <cond>: content switching may then pick an
 * unpublished backend.
 */
static int kw_force_be_switch(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct force_be_rule *f, **tail;

	if (cfg_proxy_refuse_in_defaults(ctx, args, err) < 0 || cfg_proxy_need_cap(ctx, args, PR_CAP_FE, err) < 0)
		return CFG_ERR;
	if (argc < 3 || (strcmp(args[1], "if") && strcmp(args[1], "unless")))
		return cfg_set_err(err, "'force-be-switch' expects 'if' or 'unless' followed by a condition.");
	f = calloc(1, sizeof(*f));
	if (!f)
		return cfg_set_err(err, "out of memory");
	if (cfg_proxy_parse_cond(ctx, px, argc - 1, args + 1, &f->cond, err) < 0) {
		free(f);
		return CFG_ERR;
	}
	for (tail = &px->force_be; *tail; tail = &(*tail)->next)
		;
	*tail = f;
	return CFG_OK;
}

/* be-unpublished: the backend starts unpublished (`publish backend`). */
static int kw_be_unpublished(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (cfg_proxy_refuse_in_defaults(ctx, args, err) < 0 || cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	atomic_store(&px->unpublished, 1);
	return CFG_OK;
}

/* Keywords accepted for compatibility, with no effect yet. */
static int kw_accept(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	return CFG_OK;
}

/* cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [postonly]
 * [preserve] [httponly] [secure] [domain <d>] [maxidle <t>] [maxlife <t>]
 * [dynamic] [attr <v>]
 */
static int kw_cookie(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct pr_cookie *ck = &px->cookie;
	unsigned int modes;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (argc < 2)
		return cfg_set_err(err, "'cookie' expects a cookie name.");
	free(ck->name);
	free(ck->domain);
	memset(ck, 0, sizeof(*ck));
	ck->name = strdup(args[1]);
	if (!ck->name)
		return cfg_set_err(err, "out of memory");
	for (int i = 2; i < argc; i++) {
		const char *a = args[i];

		if (!strcmp(a, "insert"))
			ck->flags |= CK_INSERT;
		else if (!strcmp(a, "rewrite"))
			ck->flags |= CK_REWRITE;
		else if (!strcmp(a, "prefix"))
			ck->flags |= CK_PREFIX;
		else if (!strcmp(a, "indirect"))
			ck->flags |= CK_INDIRECT;
		else if (!strcmp(a, "nocache"))
			ck->flags |= CK_NOCACHE;
		else if (!strcmp(a, "httponly"))
			ck->flags |= CK_HTTPONLY;
		else if (!strcmp(a, "secure"))
			ck->flags |= CK_SECURE;
		else if (!strcmp(a, "postonly"))
			ck->flags |= CK_POSTONLY;
		else if (!strcmp(a, "preserve") || !strcmp(a, "dynamic"))
			;   /* accepted, no effect (doc/configuration.md) */
		else if (!strcmp(a, "domain") && i + 1 < argc) {
			free(ck->domain);
			ck->domain = strdup(args[++i]);
			if (!ck->domain)
				return cfg_set_err(err, "out of memory");
		} else if ((!strcmp(a, "maxidle") || !strcmp(a, "maxlife") || !strcmp(a, "attr")) && i + 1 < argc)
			i++;   /* accepted, no effect */
		else
			return cfg_set_err(err, "'cookie %s' : unknown or incomplete option '%s' (expected insert, rewrite, prefix, indirect, nocache, postonly, preserve, httponly, secure, domain <d>, maxidle <t>, maxlife <t>).", args[1], a);
	}
	modes = ck->flags & (CK_INSERT | CK_REWRITE | CK_PREFIX);
	if (modes & (modes - 1))
		return cfg_set_err(err, "'cookie %s' : 'insert', 'rewrite' and 'prefix' are mutually exclusive.", args[1]);
	if (!modes)
		ck->flags |= CK_REWRITE;   /* HAProxy's default */
	return CFG_OK;
}

/* http-reuse never|safe|aggressive|always (srv_idle.h) */
static int kw_http_reuse(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	static const char *const modes[] = { "safe", "never", "aggressive", "always" };
	struct proxy *px = ctx->section_data;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	for (int i = 0; argc == 2 && i < 4; i++) {
		if (!strcmp(args[1], modes[i])) {
			px->http_reuse = i;
			return CFG_OK;
		}
	}
	return cfg_set_err(err, "'http-reuse' expects 'never', 'safe', 'aggressive' or 'always'.");
}

/* source <addr>[:<port>] [usesrc ...] (conn_src.h): the servers' default */
static int kw_source(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	char msg[512];
	int i = 1;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_BE, err) < 0)
		return CFG_ERR;
	if (conn_src_parse(&px->conn_src, "source", argc, args, &i, msg, sizeof(msg)) < 0)
		return cfg_set_err(err, "%s", msg);
	if (i + 1 < argc)
		return cfg_set_err(err, "'source' : unexpected '%s' (expected 'usesrc' or 'interface').", args[i + 1]);
	return CFG_OK;
}

/* capture request|response header <name> len <n>
 * capture cookie <name> len <n>
 */
static int kw_capture(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct pr_capture *cap;
	const char *name;
	char *end;
	long len;
	int lenpos;

	if (px->cap & PR_CAP_DEF)
		return cfg_set_err(err, "'capture' is not allowed in 'defaults' sections.");
	if (!(px->cap & PR_CAP_FE))
		return cfg_set_warn(err, "'capture' is ignored in 'backend' sections (captures belong to frontends).");
	if (argc == 5 && !strcmp(args[1], "cookie")) {
		name = args[2];
		lenpos = 3;
		cap = &px->cap_cookie;
		if (cap->name)
			return cfg_set_err(err, "'capture cookie' : only one cookie capture per frontend ('%s' already).", cap->name);
	} else if (argc == 6 && (!strcmp(args[1], "request") || !strcmp(args[1], "response")) &&
	           !strcmp(args[2], "header")) {
		int res = args[1][2] == 's';
		unsigned int *nb = res ? &px->nb_cap_res : &px->nb_cap_req;

		if (*nb >= PR_MAX_CAPTURES)
			return cfg_set_err(err, "'capture %s header' : at most %d captures per direction.", args[1], PR_MAX_CAPTURES);
		name = args[3];
		lenpos = 4;
		cap = res ? &px->cap_res[*nb] : &px->cap_req[*nb];
		(*nb)++;
	} else {
		return cfg_set_err(err, "'capture' expects 'request header <name> len <n>', 'response header <name> len <n>' or 'cookie <name> len <n>'.");
	}
	if (strcmp(args[lenpos], "len"))
		return cfg_set_err(err, "'capture %s' : expected 'len <n>' after the name, got '%s'.", args[1], args[lenpos]);
	len = strtol(args[lenpos + 1], &end, 10);
	if (*end || len < 1)
		return cfg_set_err(err, "'capture %s' : 'len' expects a positive number, got '%s'.", args[1], args[lenpos + 1]);
	if (len > PR_CAPTURE_MAX)
		len = PR_CAPTURE_MAX;   /* documented: longer captures are cut */
	cap->name = strdup(name);
	if (!cap->name)
		return cfg_set_err(err, "out of memory");
	cap->len = (unsigned int)len;
	return CFG_OK;
}

/* monitor-uri <uri>: answered 200 by the proxy itself */
static int kw_monitor_uri(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (cfg_proxy_need_cap(ctx, args, PR_CAP_FE, err) < 0)
		return CFG_ERR;
	if (argc != 2 || args[1][0] != '/')
		return cfg_set_err(err, "'monitor-uri' expects a path starting with '/'.");
	free(px->monitor_uri);
	px->monitor_uri = strdup(args[1]);
	return px->monitor_uri ? CFG_OK : cfg_set_err(err, "out of memory");
}

static struct cfg_kw proxy_kws[] = {
	{ "capture", kw_capture, 0 },
	{ "monitor-uri", kw_monitor_uri, 0 },
	{ "cookie", kw_cookie, 0 },
	{ "http-reuse", kw_http_reuse, 0 },
	{ "source", kw_source, 0 },
	{ "mode", kw_mode, 0 },
	{ "server", kw_server, 0 },
	{ "server-template", kw_server_template, 0 },
	{ "default-server", kw_default_server, 0 },
	{ "balance", kw_balance, 0 },
	{ "hash-type", kw_hash_type, 0 },
	{ "persist", kw_persist, 0 },
	{ "hash-preserve-affinity", kw_hash_preserve_affinity, 0 },
	{ "timeout", kw_timeout, 0 },
	{ "maxconn", kw_maxconn, 0 },
	{ "fullconn", kw_fullconn, 0 },
	{ "backlog", kw_backlog, 0 },
	{ "http-send-name-header", kw_send_name_hdr, 0 },
	{ "clitcpka-idle", kw_tcpka, 0 }, { "clitcpka-intvl", kw_tcpka, 0 }, { "clitcpka-cnt", kw_tcpka, 0 },
	{ "srvtcpka-idle", kw_tcpka, 0 }, { "srvtcpka-intvl", kw_tcpka, 0 }, { "srvtcpka-cnt", kw_tcpka, 0 },
	{ "log-tag", kw_noeffect, 0 },
	{ "hash-balance-factor", kw_noeffect, 0 },
	{ "max-keep-alive-queue", kw_noeffect, 0 },
	{ "force-persist", kw_noeffect, 0 },
	{ "ignore-persist", kw_noeffect, 0 },
	{ "retries", kw_retries, 0 },
	{ "retry-on", kw_retry_on, 0 },
	{ "option", kw_option, CFG_KW_NO },
	{ "default_backend", kw_default_backend, 0 },
	{ "use_backend", kw_use_backend, 0 },
	{ "id", kw_id, 0 },
	{ "disabled", kw_disabled, 0 },
	{ "force-be-switch", kw_force_be_switch, 0 },
	{ "be-unpublished", kw_be_unpublished, 0 },
	{ "enabled", kw_disabled, 0 },
	{ "description", kw_accept, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list proxy_kw_list = { .scope = "proxy", .kws = proxy_kws };

static struct cfg_section sec_defaults = { .name = "defaults", .begin = proxy_begin, .kw_scope = "proxy" };
static struct cfg_section sec_frontend = { .name = "frontend", .begin = proxy_begin, .kw_scope = "proxy" };
/* The end of a backend or listen section: what needs all its lines. */
static int proxy_end(struct cfg_ctx *ctx, char **err)
{
	struct proxy *px = ctx->section_data;

	return px && cfg_proxy_check_tls(px, err) < 0 ? CFG_ERR : CFG_OK;
}

static struct cfg_section sec_backend = { .name = "backend", .begin = proxy_begin, .end = proxy_end, .kw_scope = "proxy" };
static struct cfg_section sec_listen = { .name = "listen", .begin = proxy_begin, .end = proxy_end, .kw_scope = "proxy" };

__attribute__((constructor)) static void cfg_proxy_register(void)
{
	cfg_register_section(&sec_defaults);
	cfg_register_section(&sec_frontend);
	cfg_register_section(&sec_backend);
	cfg_register_section(&sec_listen);
	cfg_register_keywords(&proxy_kw_list);
}
