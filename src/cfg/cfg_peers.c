/*
 * The `peers` section (HAProxy's configuration.txt §3.5):
 *
 *   peers NAME
 *       peer NAME ADDR:PORT [shard N] [ssl options]  (1.x form; the local one is where we listen)
 *       bind ADDR:PORT [ssl crt ... options]   (2.x form, with `server` lines)
 *       server NAME [ADDR:PORT] [shard N] [ssl options]  (no address: the local peer)
 *       default-server [ssl options]         (TLS options given to the later peer/server lines)
 *       default-bind [ssl options]           (TLS options of the bind, before it)
 *       table NAME type ... size ... [expire ...] [store ...]   (named NAME/TABLE elsewhere)
 *       timeout connect TIME
 *       shards N
 *       disabled | enabled
 *       log ...                              (accepted, no effect)
 *
 * The local peer is chosen at finalisation (peers.c): -L or `localpeer`,
 * else the host name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/addr.h>
#include <tollgate/cfg.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/peer_xprt.h>
#include <tollgate/peers.h>
#include <tollgate/proxy.h>
#include <tollgate/stktable.h>
#include <tollgate/tls.h>

static int peers_begin(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct peers *p, **tail;

	if (argc < 2 || !*args[1])
		return cfg_set_err(err, "missing name for peers section.");
	if (argc > 2)
		return cfg_set_err(err, "'peers' cannot handle unexpected argument '%s'.", args[2]);
	if ((p = peers_find(args[1])))
		return cfg_set_err(err, "peers section '%s' has the same name as another peers section declared at %s:%d.",
		                   args[1], p->conf_file, p->conf_line);
	p = calloc(1, sizeof(*p));
	if (!p || !(p->id = strdup(args[1])) || !(p->conf_file = strdup(ctx->file))) {
		if (p)
			free(p->id);
		free(p);
		return cfg_set_err(err, "out of memory.");
	}
	p->conf_line = ctx->line;
	p->lfd = -1;
	for (tail = &peers_list; *tail; tail = &(*tail)->next)
		;
	*tail = p;
	ctx->section_data = p;
	return CFG_OK;
}

/* `shard N` at args[*<i>] for line <kw>: into *<shard>, *<i> past the
 * value. CFG_OK or an error.
 */
static int parse_shard(const char *kw, int *i, int argc, char **args, unsigned int *shard, char **err)
{
	long long n;

	if (*i + 1 >= argc || cfg_parse_int(args[*i + 1], 0, 64, &n, NULL) < 0)
		return cfg_set_err(err, "'%s' : 'shard' expects an integer between 0 and 64.", kw);
	*shard = (unsigned int)n;
	(*i)++;
	return CFG_OK;
}

/* Parses the options after the address of a peer/server line <p>, from
 * args[<i>]: `shard N` and the TLS options of a server line (HAProxy's
 * "server parameters related to transport settings"). Returns CFG_OK or
 * an error.
 */
static int parse_peer_options(struct peer *p, int i, int argc, char **args, char **err)
{
	char kw[256];

	snprintf(kw, sizeof(kw), "%s %s", args[0], args[1]);
	for (; i < argc; i++) {
		int r;

		if (!strcmp(args[i], "shard")) {
			if (parse_shard(kw, &i, argc, args, &p->shard, err) != CFG_OK)
				return CFG_ERR;
			continue;
		}
		r = cfg_ssl_client_conf_option(&p->tls_conf, &p->use_ssl, kw, argc, args, &i, err);
		if (r < 0)
			return CFG_ERR;
		if (!r)
			return cfg_set_err(err, "'%s' : option '%s' is not supported on peers (only 'shard' and the TLS options).",
			                   kw, args[i]);
	}
	return CFG_OK;
}

/* Frees a peer being parsed. */
static void peer_free_parsed(struct peer *p)
{
	peer_xprt_free_peer(p);
	free(p->id);
	free(p->conf_file);
	free(p);
}

/* Builds the client TLS context of <p> if it has `ssl`. CFG_OK or an error. */
static int peer_tls_finish(struct peer *p, char **err)
{
	char why[1024];

	if (!p->use_ssl || !p->tls_conf)
		return CFG_OK;
	p->tls = tls_srv_build(p->tls_conf, why, sizeof(why));
	if (!p->tls)
		return cfg_set_err(err, "'peer %s' : %s.", p->id, why);
	return CFG_OK;
}

/* Whether <arg>, after a peer's name, is an option rather than an address. */
static int peer_arg_is_option(const char *arg)
{
	static const char *const opts[] = { "shard", "ssl", "no-ssl", "verify", "ca-file", "crt", "crl-file",
	                                    "ciphers", "ciphersuites", "ssl-min-ver", "ssl-max-ver", "alpn",
	                                    "no-ssl-reuse", "curves" };

	for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
		if (!strcmp(arg, opts[k]))
			return 1;
	return !strncmp(arg, "no-tls", 6) || !strncmp(arg, "force-tls", 9);
}

static int kw_peer(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct peers *ps = ctx->section_data;
	int is_peer = !strcmp(args[0], "peer");
	char aerr[ADDR_ERRLEN];
	struct peer *p, **tail;
	int has_addr, ret;

	if (!ps)
		return CFG_OK;
	if (argc < 2)
		return cfg_set_err(err, "'%s' : expects <name> [<addr>] as arguments.", args[0]);
	if (is_peer && ps->has_bind)
		return cfg_set_err(err, "mixing \"peer\" and \"bind\" line is forbidden");
	if (is_peer && argc < 3)
		return cfg_set_err(err, "'peer %s' : expects an address (<addr>:<port>) after the name.", args[1]);
	for (p = ps->list; p; p = p->next)
		if (!strcmp(p->id, args[1]))
			return cfg_set_err(err, "'%s %s' : peer name already used at %s:%d.", args[0], args[1],
			                   p->conf_file, p->conf_line);
	has_addr = argc >= 3 && !peer_arg_is_option(args[2]);
	p = calloc(1, sizeof(*p));
	if (!p || !(p->id = strdup(args[1])) || !(p->conf_file = strdup(ctx->file))) {
		if (p)
			free(p->id);
		free(p);
		return cfg_set_err(err, "out of memory.");
	}
	p->conf_line = ctx->line;
	p->peers = ps;
	p->last_state = -1;
	p->use_ssl = ps->defsrv_ssl;
	p->shard = ps->defsrv_shard;
	if (ps->defsrv_tls_conf && ((p->tls_conf = calloc(1, sizeof(*p->tls_conf))) == NULL ||
	                            tls_conf_dup(p->tls_conf, ps->defsrv_tls_conf) < 0)) {
		peer_free_parsed(p);
		return cfg_set_err(err, "out of memory.");
	}
	ret = parse_peer_options(p, has_addr ? 3 : 2, argc, args, err);
	if (ret == CFG_OK && has_addr &&
	    addr_parse(args[2], ADDR_P_NO_UNIX | (is_peer ? 0 : ADDR_P_NO_FD), &p->addr, aerr, sizeof(aerr)) < 0)
		ret = cfg_set_err(err, "'%s %s' : invalid address '%s': %s.", args[0], args[1], args[2], aerr);
	if (ret == CFG_OK)
		ret = peer_tls_finish(p, err);
	if (ret != CFG_OK) {
		peer_free_parsed(p);
		return ret;
	}
	if (is_peer)
		ps->has_peer_line = 1;
	for (tail = &ps->list; *tail; tail = &(*tail)->next)
		;
	*tail = p;
	return CFG_OK;
}

/* `default-server`: `shard` and the TLS options (and `ssl`) every later
 * peer/server line of the section starts from, as HAProxy's default-server
 * in a peers section. Other server options are accepted with no effect
 * (a word that is no option we know is skipped).
 */
static int kw_default_server(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct peers *ps = ctx->section_data;

	if (!ps)
		return CFG_OK;
	for (int i = 1; i < argc; i++) {
		int r;

		if (!strcmp(args[i], "shard")) {
			if (parse_shard("default-server", &i, argc, args, &ps->defsrv_shard, err) != CFG_OK)
				return CFG_ERR;
			continue;
		}
		r = cfg_ssl_client_conf_option(&ps->defsrv_tls_conf, &ps->defsrv_ssl, "default-server", argc, args, &i,
		                               err);
		if (r < 0)
			return CFG_ERR;
	}
	return CFG_OK;
}

/* The TLS options of a `bind` or `default-bind` line, from args[<i>]. */
static int parse_bind_options(struct peers *ps, const char *kw, int i, int argc, char **args, char **err)
{
	for (; i < argc; i++) {
		int r = cfg_ssl_bind_conf_option(&ps->bind_tls_conf, kw, argc, args, &i, err);

		if (r < 0)
			return CFG_ERR;
		if (!r)
			return cfg_set_err(err, "'%s' : option '%s' is not supported in peers sections (only the TLS options).",
			                   kw, args[i]);
	}
	return CFG_OK;
}

static int kw_bind(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct peers *ps = ctx->section_data;
	char aerr[ADDR_ERRLEN], kw[256], why[1024];

	if (!ps)
		return CFG_OK;
	if (!strcmp(args[0], "default-bind")) {
		if (ps->has_bind && argc > 1)
			return cfg_set_err(err, "'default-bind' must come before the 'bind' line of the section (line %d).",
			                   ps->bind_line);
		return parse_bind_options(ps, "default-bind", 1, argc, args, err);
	}
	if (ps->has_peer_line)
		return cfg_set_err(err, "mixing \"peer\" and \"bind\" line is forbidden");
	if (ps->has_bind)
		return cfg_set_err(err, "One listener per \"peers\" section is authorized but another is already configured at line %d.",
		                   ps->bind_line);
	if (argc < 2)
		return cfg_set_err(err, "'bind' expects an address (<addr>:<port>).");
	if (addr_parse(args[1], ADDR_P_NO_UNIX, &ps->bind_addr, aerr, sizeof(aerr)) < 0)
		return cfg_set_err(err, "'bind %s' : %s.", args[1], aerr);
	snprintf(kw, sizeof(kw), "bind %s", args[1]);
	if (parse_bind_options(ps, kw, 2, argc, args, err) != CFG_OK)
		return CFG_ERR;
	if (ps->bind_tls_conf && (ps->bind_tls_conf->flags & TLS_O_ON)) {
		ps->bind_tls = tls_bind_build(ps->bind_tls_conf, ps->id, args[1], ctx->file, ctx->line, why, sizeof(why));
		if (!ps->bind_tls)
			return cfg_set_err(err, "'%s' : %s.", kw, why);
	}
	ps->has_bind = 1;
	ps->bind_line = ctx->line;
	return CFG_OK;
}

static int kw_table(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct peers *ps = ctx->section_data;
	struct peers_table_decl *d, **tail;
	struct stktable_def def;
	char msg[256], id[2 * STKTABLE_NAME_LEN];
	int ret;

	if (!ps)
		return CFG_OK;
	if (argc < 2)
		return cfg_set_err(err, "'table' expects a table name and its definition.");
	if ((size_t)snprintf(id, sizeof(id), "%s/%s", ps->id, args[1]) >= STKTABLE_NAME_LEN)
		return cfg_set_err(err, "'table %s' : stick-table name too long.", args[1]);
	if (stktable_parse_args(&def, argc - 2, args + 2, msg, sizeof(msg)) < 0)
		return cfg_set_err(err, "'table %s' : %s", args[1], msg);
	snprintf(def.peers, sizeof(def.peers), "%s", ps->id);
	ret = proxy_xtable_add(id, &def, ctx->file, ctx->line);
	if (ret == -EEXIST)
		return cfg_set_err(err, "'table %s' : a table named '%s' is already declared.", args[1], id);
	d = calloc(1, sizeof(*d));
	if (ret < 0 || !d || !(d->name = strdup(args[1])) || !(d->id = strdup(id))) {
		if (d)
			free(d->name);
		free(d);
		return cfg_set_err(err, "out of memory.");
	}
	d->def = def;
	for (tail = &ps->decls; *tail; tail = &(*tail)->next)
		;
	*tail = d;
	return CFG_OK;
}

static int kw_timeout(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct peers *ps = ctx->section_data;
	unsigned int ms;

	if (!ps)
		return CFG_OK;
	if (argc < 2 || strcmp(args[1], "connect"))
		return cfg_set_err(err, "'timeout' supports only 'connect' in 'peers' section (got '%s').",
		                   argc < 2 ? "" : args[1]);
	if (argc < 3 || cfg_parse_time(args[2], &ms, NULL) < 0)
		return cfg_set_err(err, "'timeout connect' expects a time value (e.g. 5s).");
	ps->timeout_connect = ms;
	return CFG_OK;
}

static int kw_shards(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct peers *ps = ctx->section_data;
	long long n;

	if (!ps)
		return CFG_OK;
	if (argc < 2 || cfg_parse_int(args[1], 1, 64, &n, NULL) < 0)
		return cfg_set_err(err, "'shards' expects an integer between 1 and 64.");
	ps->shards = (unsigned int)n;
	return CFG_OK;
}

static int kw_disabled(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct peers *ps = ctx->section_data;

	if (ps)
		ps->disabled = !strcmp(args[0], "disabled");
	return CFG_OK;
}

static int kw_accept(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	return CFG_OK;
}

static struct cfg_kw peers_kws[] = {
	{ "peer", kw_peer, 0 },
	{ "server", kw_peer, 0 },
	{ "bind", kw_bind, 0 },
	{ "default-bind", kw_bind, 0 },
	{ "default-server", kw_default_server, 0 },
	{ "table", kw_table, 0 },
	{ "timeout", kw_timeout, 0 },
	{ "shards", kw_shards, 0 },
	{ "disabled", kw_disabled, 0 },
	{ "enabled", kw_disabled, 0 },
	{ "log", kw_accept, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list peers_kw_list = { .scope = "peers", .kws = peers_kws };

static struct cfg_section peers_section = {
	.name = "peers",
	.begin = peers_begin,
	.kw_scope = "peers",
};

__attribute__((constructor)) static void cfg_peers_register(void)
{
	cfg_register_section(&peers_section);
	cfg_register_keywords(&peers_kw_list);
}
