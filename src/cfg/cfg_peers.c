/*
 * The `peers` section (HAProxy's configuration.txt §3.5):
 *
 *   peers NAME
 *       peer NAME ADDR:PORT [shard N]        (1.x form; the local one is where we listen)
 *       bind ADDR:PORT                       (2.x form, with `server` lines)
 *       server NAME [ADDR:PORT] [shard N]    (no address: the local peer)
 *       default-server ...  default-bind ... (accepted, no option has an effect)
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
#include <tollgate/peers.h>
#include <tollgate/proxy.h>
#include <tollgate/stktable.h>

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

/* Parses the options after the address of a peer/server line, from
 * args[<i>]: only `shard N` is known (into <*shard>). Returns CFG_OK or an
 * error.
 */
static int parse_peer_options(int i, int argc, char **args, unsigned int *shard, char **err)
{
	for (; i < argc; i++) {
		long long n;

		if (!strcmp(args[i], "shard")) {
			if (i + 1 >= argc || cfg_parse_int(args[i + 1], 0, 64, &n, NULL) < 0)
				return cfg_set_err(err, "'%s %s' : 'shard' expects an integer between 0 and 64.", args[0], args[1]);
			*shard = (unsigned int)n;
			i++;
			continue;
		}
		return cfg_set_err(err, "'%s %s' : option '%s' is not supported on peers (only 'shard').",
		                   args[0], args[1], args[i]);
	}
	return CFG_OK;
}

static int kw_peer(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct peers *ps = ctx->section_data;
	int is_peer = !strcmp(args[0], "peer");
	char aerr[ADDR_ERRLEN];
	struct peer *p, **tail;
	int has_addr, ret;
	unsigned int shard = 0;

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
	has_addr = argc >= 3 && strcmp(args[2], "shard");
	ret = parse_peer_options(has_addr ? 3 : 2, argc, args, &shard, err);
	if (ret < 0)
		return ret;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->id = strdup(args[1])) || !(p->conf_file = strdup(ctx->file))) {
		if (p)
			free(p->id);
		free(p);
		return cfg_set_err(err, "out of memory.");
	}
	p->conf_line = ctx->line;
	p->shard = shard;
	p->peers = ps;
	p->last_state = -1;
	if (has_addr &&
	    addr_parse(args[2], ADDR_P_NO_UNIX | (is_peer ? 0 : ADDR_P_NO_FD), &p->addr, aerr, sizeof(aerr)) < 0) {
		free(p->id);
		free(p->conf_file);
		free(p);
		return cfg_set_err(err, "'%s %s' : invalid address '%s': %s.", args[0], args[1], args[2], aerr);
	}
	if (is_peer)
		ps->has_peer_line = 1;
	for (tail = &ps->list; *tail; tail = &(*tail)->next)
		;
	*tail = p;
	return CFG_OK;
}

static int kw_bind(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct peers *ps = ctx->section_data;
	char aerr[ADDR_ERRLEN];

	if (!ps)
		return CFG_OK;
	if (!strcmp(args[0], "default-bind"))
		return CFG_OK;
	if (ps->has_peer_line)
		return cfg_set_err(err, "mixing \"peer\" and \"bind\" line is forbidden");
	if (ps->has_bind)
		return cfg_set_err(err, "One listener per \"peers\" section is authorized but another is already configured at line %d.",
		                   ps->bind_line);
	if (argc < 2)
		return cfg_set_err(err, "'bind' expects an address (<addr>:<port>).");
	if (addr_parse(args[1], ADDR_P_NO_UNIX, &ps->bind_addr, aerr, sizeof(aerr)) < 0)
		return cfg_set_err(err, "'bind %s' : %s.", args[1], aerr);
	if (argc > 2)
		return cfg_set_err(err, "'bind %s' : option '%s' is not supported in peers sections.", args[1], args[2]);
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
	{ "default-server", kw_accept, 0 },
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
