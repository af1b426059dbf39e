/*
 * Stick tables and rules of proxy sections:
 *   stick-table type ... size ... [expire ...] [nopurge] [store ...]
 *   tcp-request connection|session|content <action> [if|unless <cond>]
 *   tcp-request inspect-delay <time>
 *   tcp-response content <action> [if|unless <cond>] (accept, reject, close,
 *   the stick-counter and variable actions)
 *   tcp-response inspect-delay <time>
 *   stick on|match|store-request|store-response <expr> [table <name>] [if|unless <cond>]
 * Actions: accept, reject, silent-drop (closes like reject), track-sc<N>
 * <expr> [table <name>], sc-inc-gpc(<idx>,<N>), sc-inc-gpc0(<N>),
 * sc-inc-gpc1(<N>), sc-set-gpt(<idx>,<N>) <int|expr>, sc-set-gpt0(<N>)
 * <int|expr>; the stick-counter ones are parsed by sc_action_parse()
 * (src/proxy/sc_action.c), shared with http-request rules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/acl.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/sc_action.h>
#include <tollgate/stktable.h>
#include <tollgate/tcp_rules.h>

/* The table layer stores gpc(N) apart from gpc0/gpc1 (and so on), but the
 * fetches, actions and admin commands of element 0 and 1 take either
 * (HAProxy's rule): a table storing both would be read and written in two
 * places. Returns HAProxy's message refusing such a <def>, or NULL.
 */
static const char *array_overrides(const struct stktable_def *def)
{
	if (def->stored[STKTABLE_DT_GPT] && def->stored[STKTABLE_DT_GPT0])
		return "simultaneous usage of 'gpt' and 'gpt0' in a same table is not permitted as 'gpt' overrides 'gpt0'.";
	if (def->stored[STKTABLE_DT_GPC] && (def->stored[STKTABLE_DT_GPC0] || def->stored[STKTABLE_DT_GPC1]))
		return "simultaneous usage of 'gpc' and 'gpc[0/1]' in a same table is not permitted as 'gpc' overrides 'gpc[0/1]'.";
	if (def->stored[STKTABLE_DT_GPC_RATE] && (def->stored[STKTABLE_DT_GPC0_RATE] || def->stored[STKTABLE_DT_GPC1_RATE]))
		return "simultaneous usage of 'gpc_rate' and 'gpc[0/1]_rate' in a same table is not permitted as 'gpc_rate' overrides 'gpc[0/1]_rate'.";
	return NULL;
}

static int kw_stick_table(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	const char *why_not;
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
	if ((why_not = array_overrides(px->table_def))) {
		free(px->table_def);
		px->table_def = NULL;
		return cfg_set_err(err, "'stick-table' : %s", why_not);
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

/* Parses the sample expression <text> of a stick rule. Where its data
 * comes from is checked once the proxy's mode is known, when the rules are
 * resolved (tcp_rules_resolve()).
 */
static int parse_expr(struct cfg_ctx *ctx, const char *text, struct sample_expr **expr, char **err)
{
	char *why = NULL;

	if (sample_parse_expr(text, 0, expr, &why) < 0) {
		cfg_set_err(err, "%s", why ? why : "invalid sample expression");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

/* Parses the action at args[*<pos>] into <r>, advancing *<pos> past it. */
static int parse_tcp_action(struct tcp_rule *r, int argc, char **args, int *pos, char **err)
{
	const char *a = args[*pos];
	unsigned int where = r->stage == TCP_STAGE_CONN ? SMP_USE_L4CLI :
	                     r->stage == TCP_STAGE_CONT ? SMP_USE_L6REQ : SMP_USE_L5CLI;

	if (!strcmp(a, "accept")) {
		r->act = TCP_ACT_ACCEPT;
	} else if (!strcmp(a, "silent-drop")) {
		r->act = TCP_ACT_SILENT_DROP;
		if (silent_drop_parse(argc, args, pos, &r->rst_ttl, err) < 0)
			return CFG_ERR;
		return CFG_OK;
	} else if (!strcmp(a, "reject") || (r->stage == TCP_STAGE_RES && !strcmp(a, "close"))) {
		r->act = TCP_ACT_REJECT;
	} else if (r->stage == TCP_STAGE_CONT && !strcmp(a, "switch-mode")) {
		r->act = TCP_ACT_SWITCH_HTTP;
		if (*pos + 1 >= argc || strcmp(args[*pos + 1], "http"))
			return cfg_set_err(err, "'switch-mode' expects 'http' (the only mode it switches to).");
		*pos += 2;
		if (*pos < argc && !strcmp(args[*pos], "proto")) {
			if (*pos + 1 >= argc)
				return cfg_set_err(err, "'switch-mode http proto' expects a protocol name.");
			if (!strcmp(args[*pos + 1], "h1"))
				r->switch_proto = STRM_UPG_H1;
			else if (!strcmp(args[*pos + 1], "h2"))
				r->switch_proto = STRM_UPG_H2;
			else
				return cfg_set_err(err, "'switch-mode http proto' : unknown protocol '%s' (supported: h1, h2).", args[*pos + 1]);
			*pos += 2;
		}
		return CFG_OK;
	} else if (sc_action_type(a) != SC_ACT_NONE) {
		r->act = TCP_ACT_SC;
		return sc_action_parse(&r->sc, where, argc, args, pos, err) < 0 ? CFG_ERR : CFG_OK;
	} else if (var_action_type(a) != VAR_ACT_NONE) {
		int at = *pos;
		char *why = NULL;

		r->act = TCP_ACT_VAR;
		if (var_action_parse(&r->va, where, argc, args, pos, err) >= 0)
			return CFG_OK;
		if (r->stage != TCP_STAGE_CONT && r->stage != TCP_STAGE_RES)
			return CFG_ERR;
		/* content rules also see the HTTP message in mode http (HAProxy) */
		*pos = at;
		if (var_action_parse(&r->va, r->stage == TCP_STAGE_CONT ? SMP_USE_HTTP_REQ : SMP_USE_HTTP_RES,
		                     argc, args, pos, &why) < 0) {
			free(why);
			return CFG_ERR;
		}
		free(*err);
		*err = NULL;
		return CFG_OK;
	} else if (!strcmp(a, "attach-srv")) {
		return cfg_set_err(err, "action 'attach-srv' is not supported: Tollgate has no reverse HTTP (HAProxy 2.9+).");
	} else if (r->stage == TCP_STAGE_RES) {
		return cfg_set_err(err, "unknown action '%s' (supported: accept, reject, close, silent-drop, sc-inc-gpc(<idx>,<N>), sc-inc-gpc0(<N>), sc-inc-gpc1(<N>), sc-set-gpt(<idx>,<N>), sc-set-gpt0(<N>), set-var(<var>), set-var-fmt(<var>), unset-var(<var>)).", a);
	} else {
		return cfg_set_err(err, "unknown action '%s' (supported: accept, reject, silent-drop, track-sc<N>, sc-inc-gpc(<idx>,<N>), sc-inc-gpc0(<N>), sc-inc-gpc1(<N>), sc-set-gpt(<idx>,<N>), sc-set-gpt0(<N>), set-var(<var>), set-var-fmt(<var>), unset-var(<var>)%s).",
		                   a, r->stage == TCP_STAGE_CONT ? ", switch-mode http" : "");
	}
	(*pos)++;
	return CFG_OK;
}

static void free_tcp_rule(struct tcp_rule *r)
{
	sc_action_free(&r->sc);
	var_action_free(&r->va);
	cond_free(r->cond);
	free(r);
}

/* Parses the `<kw> <stage> <action> [if|unless <cond>]` line <args> into
 * a rule of <stage> appended to <list>.
 */
static int add_tcp_rule(struct cfg_ctx *ctx, struct proxy *px, enum tcp_stage stage, struct list *list,
                        int argc, char **args, char **err)
{
	struct tcp_rule *r;
	int pos = 2, c;

	if (argc < 3)
		return cfg_set_err(err, "'%s %s' expects an action.", args[0], args[1]);
	r = calloc(1, sizeof(*r));
	if (!r)
		return cfg_set_err(err, "out of memory");
	r->stage = stage;
	r->conf_file = cfg_keep_file(ctx->file);
	r->conf_line = ctx->line;
	if (parse_tcp_action(r, argc, args, &pos, err) < 0) {
		char *inner = *err;

		*err = NULL;
		cfg_set_err(err, "'%s %s' : %s", args[0], args[1], inner ? inner : "invalid action");
		free(inner);
		free_tcp_rule(r);
		return CFG_ERR;
	}
	c = cond_start(argc, args, pos);
	if (c != pos) {
		cfg_set_err(err, "'%s %s %s' : unexpected '%s' (expected 'if' or 'unless').", args[0], args[1], args[2], args[pos]);
		free_tcp_rule(r);
		return CFG_ERR;
	}
	if (c < argc && cfg_proxy_parse_cond(ctx, px, argc - c, args + c, &r->cond, err) < 0) {
		free_tcp_rule(r);
		return CFG_ERR;
	}
	if (stage != TCP_STAGE_RES)
		cfg_proxy_check_cond(ctx, px, r->cond, stage == TCP_STAGE_CONN ? SMP_USE_L4CLI :
				     stage == TCP_STAGE_SESS ? SMP_USE_L5CLI : SMP_USE_L6REQ,
				     stage == TCP_STAGE_CONN ? "tcp-request connection" :
				     stage == TCP_STAGE_SESS ? "tcp-request session" : "tcp-request content", NULL);
	/* track-sc needs its table to exist; checked at finalisation */
	list_append(list, &r->list);
	return CFG_OK;
}

/* Parses `<kw> inspect-delay <time>` into *<ms>. */
static int parse_inspect_delay(int argc, char **args, unsigned int *ms, char **err)
{
	char *why = NULL;

	if (argc != 3 || cfg_parse_time(args[2], ms, &why) < 0) {
		cfg_set_err(err, "'%s inspect-delay' expects a time%s%s", args[0], why ? ": " : ".", why ? why : "");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

static int kw_tcp_request(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	enum tcp_stage stage;
	struct list *list;
	int ret;

	if (argc < 2)
		return cfg_set_err(err, "'tcp-request' expects 'connection', 'session', 'content' or 'inspect-delay'.");
	if (!strcmp(args[1], "inspect-delay"))
		return parse_inspect_delay(argc, args, &px->inspect_delay, err);
	if (!strcmp(args[1], "connection")) {
		stage = TCP_STAGE_CONN;
		list = &px->tcp_req_conn;
	} else if (!strcmp(args[1], "session")) {
		stage = TCP_STAGE_SESS;
		list = &px->tcp_req_sess;
	} else if (!strcmp(args[1], "content")) {
		stage = TCP_STAGE_CONT;
		list = &px->tcp_req_cont;
	} else {
		return cfg_set_err(err, "'tcp-request' : unknown stage '%s' (expected 'connection', 'session', 'content' or 'inspect-delay').", args[1]);
	}
	if (stage != TCP_STAGE_CONT && !(px->cap & (PR_CAP_FE | PR_CAP_DEF)))
		return cfg_set_warn(err, "'tcp-request %s' is ignored in 'backend' sections (Tollgate applies it in frontends only).", args[1]);
	ret = add_tcp_rule(ctx, px, stage, list, argc, args, err);
	if (ret >= 0 && (px->cap & PR_CAP_DEF))
		return cfg_def_rule_keep(ctx, px, stage == TCP_STAGE_CONT ? CFG_DEFR_OTHER : CFG_DEFR_L4L5,
		                         kw_tcp_request, argc, args, err);
	return ret;
}

static int kw_tcp_response(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	int ret;

	if (argc < 2)
		return cfg_set_err(err, "'tcp-response' expects 'content' or 'inspect-delay'.");
	if (!(px->cap & (PR_CAP_BE | PR_CAP_DEF)))
		return cfg_set_err(err, "'tcp-response %s' is not allowed in 'frontend' sections (only in backend, listen and defaults).", args[1]);
	if (!strcmp(args[1], "inspect-delay"))
		return parse_inspect_delay(argc, args, &px->res_inspect_delay, err);
	if (strcmp(args[1], "content"))
		return cfg_set_err(err, "'tcp-response' : unknown stage '%s' (expected 'content' or 'inspect-delay').", args[1]);
	ret = add_tcp_rule(ctx, px, TCP_STAGE_RES, &px->tcp_res_cont, argc, args, err);
	if (ret >= 0 && (px->cap & PR_CAP_DEF))
		return cfg_def_rule_keep(ctx, px, CFG_DEFR_TCP_RES, kw_tcp_response, argc, args, err);
	return ret;
}

static int kw_stick(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct stick_rule *r;
	int pos = 3, c;

	if (argc < 3)
		return cfg_set_err(err, "'stick' expects 'on', 'match', 'store-request' or 'store-response' followed by a sample expression.");
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
	else if (!strcmp(args[1], "store-response"))
		r->kind = STICK_STORE_RES;
	else {
		free(r);
		return cfg_set_err(err, "'stick' : unknown method '%s' (expected 'on', 'match', 'store-request' or 'store-response').", args[1]);
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
	if (r->kind != STICK_STORE_RES)
		cfg_proxy_check_cond(ctx, px, r->cond, px->mode == PR_MODE_HTTP ? SMP_USE_HTTP_REQ : SMP_USE_L6REQ, NULL,
				     r->kind == STICK_STORE ? "backend stick-store rule"
							 : "backend use-server, balance or stick-match rule");
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
	{ "tcp-response", kw_tcp_response, 0 },
	{ "stick", kw_stick, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list tcp_rules_kw_list = { .scope = "proxy", .kws = tcp_rules_kws };

__attribute__((constructor)) static void cfg_tcp_rules_register(void)
{
	cfg_register_keywords(&tcp_rules_kw_list);
}
