/*
 * Stick tables and rules of proxy sections:
 *   stick-table type ... size ... [expire ...] [nopurge] [store ...]
 *   tcp-request connection|session|content <action> [if|unless <cond>]
 *   tcp-request inspect-delay <time>
 *   stick on|match|store-request <expr> [table <name>] [if|unless <cond>]
 * Actions: accept, reject, silent-drop (closes like reject), track-sc<N>
 * <expr> [table <name>], sc-inc-gpc(<idx>,<N>), sc-inc-gpc0(<N>),
 * sc-inc-gpc1(<N>), sc-set-gpt(<idx>,<N>) <int|expr>, sc-set-gpt0(<N>)
 * <int|expr>.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/acl.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/global.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/stktable.h>
#include <tollgate/tcp_rules.h>

static int kw_stick_table(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	char why[256];

	if (px->cap & PR_CAP_DEF)
		return cfg_set_err(err, "'stick-table' is not allowed in 'defaults' sections.");
	if (px->table_def)
		return cfg_set_err(err, "'stick-table' : only one stick-table per section ('%s' already has one).", px->id);
	px->table_def = calloc(1, sizeof(*px->table_def));
	if (!px->table_def)
		return cfg_set_err(err, "out of memory");
	if (stktable_parse_args(px->table_def, argc - 1, args + 1, why, sizeof(why)) < 0) {
		free(px->table_def);
		px->table_def = NULL;
		return cfg_set_err(err, "'stick-table' : %s", why);
	}
	if (!px->table_def->size) {
		free(px->table_def);
		px->table_def = NULL;
		return cfg_set_err(err, "'stick-table' : missing 'size'.");
	}
	px->table_file = cfg_keep_file(ctx->file);
	px->table_line = ctx->line;
	return CFG_OK;
}

/* Finds the index of the first "if"/"unless" word at or after <from>. */
static int cond_start(int argc, char **args, int from)
{
	for (int i = from; i < argc; i++)
		if (!strcmp(args[i], "if") || !strcmp(args[i], "unless"))
			return i;
	return argc;
}

/* Parses "(<a>)" or "(<a>,<b>)" after a keyword prefix into <a>, <b>. */
static int paren_ints(const char *s, int want, long *a, long *b)
{
	char *end;

	if (*s != '(')
		return -1;
	*a = strtol(s + 1, &end, 10);
	if (end == s + 1)
		return -1;
	if (want == 2) {
		if (*end != ',')
			return -1;
		s = end + 1;
		*b = strtol(s, &end, 10);
		if (end == s)
			return -1;
	}
	return strcmp(end, ")") ? -1 : 0;
}

static int parse_expr(struct cfg_ctx *ctx, const char *text, struct sample_expr **expr, char **err)
{
	char *why = NULL;

	if (sample_parse_expr(text, SMP_USE_L4CLI, expr, &why) < 0) {
		cfg_set_err(err, "%s", why ? why : "invalid sample expression");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

static int parse_tcp_action(struct cfg_ctx *ctx, struct tcp_rule *r, int argc, char **args, int *pos, char **err)
{
	const char *a = args[*pos];
	long x = 0, y = 0;

	(*pos)++;
	if (!strcmp(a, "accept")) {
		r->act = TCP_ACT_ACCEPT;
	} else if (!strcmp(a, "reject") || !strcmp(a, "silent-drop")) {
		r->act = TCP_ACT_REJECT;
	} else if (!strncmp(a, "track-sc", 8)) {
		char *end;
		long n = strtol(a + 8, &end, 10);

		if (end == a + 8 || *end || n < 0 || n >= (long)global.stick_counters)
			return cfg_set_err(err, "'%s' : stick counter number must be from 0 to %u (tune.stick-counters).",
			                   a, global.stick_counters - 1);
		r->act = TCP_ACT_TRACK_SC;
		r->sc = (unsigned int)n;
		if (*pos >= argc || !strcmp(args[*pos], "if") || !strcmp(args[*pos], "unless"))
			return cfg_set_err(err, "'%s' expects a sample expression (e.g. 'src').", a);
		if (parse_expr(ctx, args[(*pos)++], &r->expr, err) < 0)
			return CFG_ERR;
		if (*pos < argc && !strcmp(args[*pos], "table")) {
			if (*pos + 1 >= argc)
				return cfg_set_err(err, "'%s' : 'table' expects a table name.", a);
			r->table_name = strdup(args[*pos + 1]);
			*pos += 2;
		}
	} else if (!strncmp(a, "sc-inc-gpc0", 11) || !strncmp(a, "sc-inc-gpc1", 11)) {
		if (paren_ints(a + 11, 1, &x, &y) < 0 || x < 0 || x >= (long)global.stick_counters)
			return cfg_set_err(err, "'%s' : expected %.11s(<sc-id>) with a stick counter from 0 to %u.",
			                   a, a, global.stick_counters - 1);
		r->act = TCP_ACT_INC_GPC;
		r->sc = (unsigned int)x;
		r->dt = a[10] == '0' ? STKTABLE_DT_GPC0 : STKTABLE_DT_GPC1;
	} else if (!strncmp(a, "sc-inc-gpc(", 11)) {
		if (paren_ints(a + 10, 2, &x, &y) < 0 || x < 0 || x >= STKTABLE_MAX_DT_ARRAY ||
		    y < 0 || y >= (long)global.stick_counters)
			return cfg_set_err(err, "'%s' : expected sc-inc-gpc(<idx>,<sc-id>).", a);
		r->act = TCP_ACT_INC_GPC;
		r->dt = STKTABLE_DT_GPC;
		r->idx = (unsigned int)x;
		r->sc = (unsigned int)y;
	} else if (!strncmp(a, "sc-set-gpt0(", 12) || !strncmp(a, "sc-set-gpt(", 11)) {
		int arr = a[10] == '(';

		if (paren_ints(a + (arr ? 10 : 11), arr ? 2 : 1, &x, &y) < 0)
			return cfg_set_err(err, "'%s' : expected %s.", a, arr ? "sc-set-gpt(<idx>,<sc-id>)" : "sc-set-gpt0(<sc-id>)");
		r->act = TCP_ACT_SET_GPT;
		r->dt = arr ? STKTABLE_DT_GPT : STKTABLE_DT_GPT0;
		r->idx = arr ? (unsigned int)x : 0;
		r->sc = (unsigned int)(arr ? y : x);
		if (r->sc >= global.stick_counters || r->idx >= STKTABLE_MAX_DT_ARRAY)
			return cfg_set_err(err, "'%s' : index or stick counter out of range.", a);
		if (*pos >= argc)
			return cfg_set_err(err, "'%s' expects an integer or a sample expression.", a);
		{
			char *end;
			long long v = strtoll(args[*pos], &end, 10);

			if (!*end && end != args[*pos])
				r->value = v;
			else if (parse_expr(ctx, args[*pos], &r->expr, err) < 0)
				return CFG_ERR;
			(*pos)++;
		}
	} else {
		return cfg_set_err(err, "unknown action '%s' (supported: accept, reject, silent-drop, track-sc<N>, sc-inc-gpc(<idx>,<N>), sc-inc-gpc0(<N>), sc-inc-gpc1(<N>), sc-set-gpt(<idx>,<N>), sc-set-gpt0(<N>)).", a);
	}
	return CFG_OK;
}

static void free_tcp_rule(struct tcp_rule *r)
{
	sample_free_expr(r->expr);
	cond_free(r->cond);
	free(r->table_name);
	free(r);
}

static int kw_tcp_request(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct tcp_rule *r;
	int pos = 2, stage, c;

	if (argc < 2)
		return cfg_set_err(err, "'tcp-request' expects 'connection', 'session', 'content' or 'inspect-delay'.");
	if (!strcmp(args[1], "inspect-delay")) {
		char *why = NULL;

		if (argc != 3 || cfg_parse_time(args[2], &px->inspect_delay, &why) < 0) {
			cfg_set_err(err, "'tcp-request inspect-delay' expects a time%s%s", why ? ": " : ".", why ? why : "");
			free(why);
			return CFG_ERR;
		}
		return CFG_OK;
	}
	if (!strcmp(args[1], "connection"))
		stage = 0;
	else if (!strcmp(args[1], "session") || !strcmp(args[1], "content"))
		stage = 1;
	else
		return cfg_set_err(err, "'tcp-request' : unknown stage '%s' (expected 'connection', 'session', 'content' or 'inspect-delay').", args[1]);
	if (px->cap & PR_CAP_DEF)
		return cfg_set_err(err, "'tcp-request %s' is not allowed in 'defaults' sections.", args[1]);
	if (!(px->cap & PR_CAP_FE))
		return cfg_set_warn(err, "'tcp-request %s' is ignored in 'backend' sections (Tollgate applies it in frontends only).", args[1]);
	if (argc < 3)
		return cfg_set_err(err, "'tcp-request %s' expects an action.", args[1]);
	r = calloc(1, sizeof(*r));
	if (!r)
		return cfg_set_err(err, "out of memory");
	r->stage = stage;
	r->conf_file = cfg_keep_file(ctx->file);
	r->conf_line = ctx->line;
	if (parse_tcp_action(ctx, r, argc, args, &pos, err) < 0) {
		char *inner = *err;

		*err = NULL;
		cfg_set_err(err, "'tcp-request %s' : %s", args[1], inner ? inner : "invalid action");
		free(inner);
		free_tcp_rule(r);
		return CFG_ERR;
	}
	c = cond_start(argc, args, pos);
	if (c != pos) {
		cfg_set_err(err, "'tcp-request %s %s' : unexpected '%s' (expected 'if' or 'unless').", args[1], args[2], args[pos]);
		free_tcp_rule(r);
		return CFG_ERR;
	}
	if (c < argc && cfg_proxy_parse_cond(ctx, px, argc - c, args + c, &r->cond, err) < 0) {
		free_tcp_rule(r);
		return CFG_ERR;
	}
	/* track-sc needs its table to exist; checked at finalisation */
	list_append(stage ? &px->tcp_req_cont : &px->tcp_req_conn, &r->list);
	return CFG_OK;
}

static int kw_stick(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct stick_rule *r;
	int pos = 3, c;

	if (argc < 3)
		return cfg_set_err(err, "'stick' expects 'on', 'match' or 'store-request' followed by a sample expression.");
	if (px->cap & PR_CAP_DEF)
		return cfg_set_err(err, "'stick' is not allowed in 'defaults' sections.");
	if (!(px->cap & PR_CAP_BE))
		return cfg_set_err(err, "'stick' is not allowed in 'frontend' sections (only in backend and listen).");
	r = calloc(1, sizeof(*r));
	if (!r)
		return cfg_set_err(err, "out of memory");
	if (!strcmp(args[1], "on"))
		r->kind = STICK_ON;
	else if (!strcmp(args[1], "match"))
		r->kind = STICK_MATCH;
	else if (!strcmp(args[1], "store-request"))
		r->kind = STICK_STORE;
	else {
		free(r);
		return cfg_set_err(err, "'stick' : unknown method '%s' (expected 'on', 'match' or 'store-request'; 'store-response' needs mode http).", args[1]);
	}
	r->conf_file = cfg_keep_file(ctx->file);
	r->conf_line = ctx->line;
	if (parse_expr(ctx, args[2], &r->expr, err) < 0)
		goto out_free;
	if (pos < argc && !strcmp(args[pos], "table")) {
		if (pos + 1 >= argc) {
			cfg_set_err(err, "'stick %s' : 'table' expects a table name.", args[1]);
			goto out_free;
		}
		r->table_name = strdup(args[pos + 1]);
		pos += 2;
	}
	c = cond_start(argc, args, pos);
	if (c != pos) {
		cfg_set_err(err, "'stick %s' : unexpected '%s' (expected 'table', 'if' or 'unless').", args[1], args[pos]);
		goto out_free;
	}
	if (c < argc && cfg_proxy_parse_cond(ctx, px, argc - c, args + c, &r->cond, err) < 0)
		goto out_free;
	list_append(&px->sticking_rules, &r->list);
	return CFG_OK;

out_free:
	sample_free_expr(r->expr);
	free(r->table_name);
	free(r);
	return CFG_ERR;
}

static struct cfg_kw tcp_rules_kws[] = {
	{ "stick-table", kw_stick_table, 0 },
	{ "tcp-request", kw_tcp_request, 0 },
	{ "stick", kw_stick, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list tcp_rules_kw_list = { .scope = "proxy", .kws = tcp_rules_kws };

__attribute__((constructor)) static void cfg_tcp_rules_register(void)
{
	cfg_register_keywords(&tcp_rules_kw_list);
}
