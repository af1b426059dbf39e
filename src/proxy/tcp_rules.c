/*
 * tcp-request and stick rules: execution and table resolution. See
 * tcp_rules.h; parsing is in src/cfg/cfg_tcp_rules.c, the stick-counter
 * actions in src/proxy/sc_action.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/acl.h>
#include <tollgate/cfg.h>
#include <tollgate/clock.h>
#include <tollgate/counters.h>
#include <tollgate/lb.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/sc_action.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/stkctr.h>
#include <tollgate/stream-t.h>
#include <tollgate/tcp_rules.h>

static int rule_applies(struct acl_cond *cond, struct stream *s)
{
	struct sample_ctx ctx = { .strm = s, .txn = s->txn, .opt = SMP_OPT_FINAL };

	return !cond || cond_exec(cond, &ctx);
}

/* Evaluates <expr> for <s> into a key of <t>. Returns 1 with <key> set. */
static int expr_key(struct sample_expr *expr, struct stream *s, struct stktable *t, void *buf,
                    struct stktable_key *key)
{
	struct sample_ctx ctx = { .strm = s, .txn = s->txn, .opt = SMP_OPT_FINAL };

	return sc_expr_key(expr, &ctx, t, buf, key);
}

int silent_drop_parse(int argc, char **args, int *pos, int *ttl, char **err)
{
	char *end;
	long v;

	*ttl = 0;
	(*pos)++;
	if (*pos >= argc || strcmp(args[*pos], "rst-ttl"))
		return 0;
	if (*pos + 1 >= argc)
		return cfg_set_err(err, "'silent-drop rst-ttl' expects a TTL (1 to 255)."), -1;
	v = strtol(args[*pos + 1], &end, 10);
	if (!*args[*pos + 1] || *end || v < 1 || v > 255)
		return cfg_set_err(err, "'silent-drop rst-ttl' : '%s' is not a TTL (1 to 255).", args[*pos + 1]), -1;
	*ttl = (int)v;
	*pos += 2;
	return 0;
}

void silent_drop_exec(struct stream *s, int ttl)
{
	if (s->cli.fd >= 0)
		sock_silent_drop(s->cli.fd, ttl);
}

/* Runs the action of <r> for <s>. Returns 0 to go on with the next rule,
 * 1 to stop accepting, 2 to stop and switch to HTTP, -1 to reject.
 */
static int rule_act(struct tcp_rule *r, struct stream *s, const struct sample_ctx *act_ctx)
{
	switch (r->act) {
	case TCP_ACT_ACCEPT:
		return 1;
	case TCP_ACT_REJECT:
		return -1;
	case TCP_ACT_SILENT_DROP:
		silent_drop_exec(s, r->rst_ttl);
		return -1;
	case TCP_ACT_SC:
		if (sc_action_exec(&r->sc, s, act_ctx) && r->sc.type == SC_ACT_TRACK && s->txn)
			stkctr_http_req(&s->sc, 1U << r->sc.sc);   /* tracked for this request: it counts */
		break;
	case TCP_ACT_VAR:
		var_action_exec(&r->va, s, act_ctx);
		break;
	case TCP_ACT_SWITCH_HTTP:
		if (s->http)
			return 1;   /* already HTTP: as accept */
		s->upg_proto = r->switch_proto;
		return 2;
	}
	return 0;
}

/* Returns 1 when <r> tracks a key that more request bytes may still give
 * or change (the url of a request head not complete yet): the content
 * rules then wait for them, within the inspect delay, as HAProxy's do.
 * <ctx> is the content rules' context, final or not.
 */
static int track_key_pending(const struct tcp_rule *r, struct stream *s, const struct sample_ctx *ctx)
{
	struct sample smp;

	if ((ctx->opt & SMP_OPT_FINAL) || r->act != TCP_ACT_SC || r->sc.type != SC_ACT_TRACK ||
	    !r->sc.table || (s->sc.tracked & (1U << r->sc.sc)))
		return 0;
	memset(&smp, 0, sizeof(smp));
	sample_eval(r->sc.expr, ctx, &smp);
	return (smp.flags & SMP_F_MAY_CHANGE) != 0;
}

/* Runs the content rules <rules> for <s> from *<resume> (the rule that
 * waited, or NULL: the first), which it sets to the rule that waits.
 * Returns as tcp_rules_content().
 */
static int content_rules(struct stream *s, struct list *rules, const struct tcp_rule **resume, int final)
{
	struct sample_ctx ctx = { .strm = s, .txn = s->txn, .opt = final ? SMP_OPT_FINAL : 0 };
	struct sample_ctx act_ctx = { .strm = s, .txn = s->txn, .opt = SMP_OPT_FINAL };
	const struct tcp_rule *from = *resume;
	struct tcp_rule *r;

	list_for_each(r, rules, list) {
		int ret;

		if (from) {
			if (r != from)
				continue;
			from = NULL;
		}
		if (r->cond) {
			enum acl_res res = cond_eval(r->cond, &ctx);

			if (res == ACL_MISS) {
				*resume = r;
				return 1;
			}
			if (res == ACL_FAIL)
				continue;
		}
		if (track_key_pending(r, s, &ctx)) {
			*resume = r;
			return 1;
		}
		ret = rule_act(r, s, &act_ctx);
		if (ret) {
			s->last_rule_file = r->conf_file;   /* last_rule_file, _line */
			s->last_rule_line = r->conf_line;
			*resume = NULL;
			return ret < 0 ? -1 : ret == 2 ? 2 : 0;
		}
	}
	*resume = NULL;
	return 0;
}

int tcp_rules_content(struct stream *s, struct proxy *px, int final)
{
	return content_rules(s, &px->tcp_req_cont, &s->cont_rule, final);
}

int tcp_rules_response_content(struct stream *s, int final)
{
	int ret = s->be ? content_rules(s, &s->be->tcp_res_cont, &s->res_cont_rule, final) : 0;

	return ret == 2 ? 0 : ret;
}

/* Runs the rules of <rules> for <s>, every sample final. Returns 0 to go
 * on, -1 to reject.
 */
static int rules_final(struct list *rules, struct stream *s)
{
	struct sample_ctx ctx = { .strm = s, .txn = s->txn, .opt = SMP_OPT_FINAL };
	struct tcp_rule *r;

	list_for_each(r, rules, list) {
		int ret;

		if (!rule_applies(r->cond, s))
			continue;
		ret = rule_act(r, s, &ctx);
		if (ret)
			return ret < 0 ? -1 : 0;
	}
	return 0;
}

int tcp_rules_connection(struct stream *s)
{
	return rules_final(&s->fe->tcp_req_conn, s);
}

int tcp_rules_session(struct stream *s)
{
	return rules_final(&s->fe->tcp_req_sess, s);
}

int tcp_rules_response(struct stream *s)
{
	return s->be ? rules_final(&s->be->tcp_res_cont, s) : 0;
}

struct server *stick_match(struct stream *s)
{
	unsigned char keybuf[STKTABLE_MAX_KEY_LEN + 16];
	struct stick_rule *r;

	list_for_each(r, &s->be->sticking_rules, list) {
		struct stktable_key key;
		struct stksess *ts;
		uint64_t id = 0, skey = 0;
		struct server *srv;

		if (!(r->kind & STICK_MATCH) || !rule_applies(r->cond, s))
			continue;
		if (!expr_key(r->expr, s, r->table, keybuf, &key))
			continue;
		ts = stktable_lookup(r->table, &key);
		if (!ts)
			continue;
		stktable_data_get(r->table, ts, STKTABLE_DT_SERVER_ID, 0, &id);
		stktable_data_get(r->table, ts, STKTABLE_DT_SERVER_KEY, 0, &skey);
		stktable_release(r->table, ts);
		/* HAProxy: the server key (name, or address with srvkey addr)
		 * first, so that backends sharing a table agree; else the id
		 */
		srv = skey ? server_find_by_key(s->be, (const char *)(uintptr_t)skey,
		                                r->table->def.srvkey == STKTABLE_SRVKEY_ADDR) : NULL;
		if (!srv)
			srv = server_find_by_id(s->be, (int)(int32_t)id);
		if (srv && lb_srv_usable(srv) && !(srv->flags & SRV_F_DRAIN))
			return srv;
	}
	return NULL;
}

/* Stores <s>'s server under the key of every sticking rule of its backend
 * whose kind has a bit of <kinds>.
 */
static void store_server(struct stream *s, unsigned int kinds)
{
	unsigned char keybuf[STKTABLE_MAX_KEY_LEN + 16];
	struct stick_rule *r;

	if (!s->srv)
		return;
	list_for_each(r, &s->be->sticking_rules, list) {
		struct stktable_key key;
		struct stksess *ts;
		int err = 0;

		if (!(r->kind & kinds) || !rule_applies(r->cond, s))
			continue;
		if (!expr_key(r->expr, s, r->table, keybuf, &key))
			continue;
		ts = stktable_get_or_create(r->table, &key, &err);
		if (!ts)
			continue;
		stktable_data_set(r->table, ts, STKTABLE_DT_SERVER_ID, 0, (uint64_t)(uint32_t)s->srv->puid);
		stktable_data_set(r->table, ts, STKTABLE_DT_SERVER_KEY, 0, (uint64_t)(uintptr_t)
		                  (r->table->def.srvkey == STKTABLE_SRVKEY_ADDR ?
		                   atomic_load_explicit(&s->srv->addr_key, memory_order_acquire) : s->srv->name_key));
		stktable_touch_local(r->table, ts, 1);
	}
}

void stick_store(struct stream *s)
{
	store_server(s, STICK_STORE);
}

void stick_store_response(struct stream *s)
{
	store_server(s, STICK_STORE_RES);
}

typedef void (*report_fn)(void *arg, int is_err, const char *file, int line, const char *msg);

/* Resolves <name> (NULL: <px>'s own table) for a rule; reports failures. */
static struct stktable *resolve(struct proxy *px, const char *name, const char *what,
                                const char *file, int line, report_fn fn, void *arg, int *errs)
{
	char msg[512];
	struct stktable *t = sc_table_resolve(px, name, what, msg, sizeof(msg));

	if (!t) {
		fn(arg, 1, file, line, msg);
		(*errs)++;
	}
	return t;
}

/* Where the data of a stick rule <sr> of <px> can come from: the
 * connection, then the request's first bytes (mode tcp) or head (mode
 * http) for on/match/store-request, which run once the request is there;
 * the connection or the response head for store-response, once the
 * response head is there (mode http only). Reports a fetch that has none
 * of them (HAProxy's check). Returns 0 or -1.
 */
static int stick_check_place(struct proxy *px, const struct stick_rule *sr, report_fn fn, void *arg)
{
	int http = px->mode == PR_MODE_HTTP;
	unsigned int avail = sr->kind == STICK_STORE_RES ? SMP_USE_L4CLI | SMP_USE_HTTP_RES
	                                                 : SMP_USE_L4CLI | SMP_USE_L5CLI | SMP_USE_HTTP_REQ;
	const char *method = sr->kind == STICK_STORE_RES ? "store-response" :
	                     sr->kind == STICK_ON ? "on" : sr->kind == STICK_MATCH ? "match" : "store-request";
	char msg[512];

	if (!http)
		avail &= ~(SMP_USE_HTTP_REQ | SMP_USE_HTTP_RES);
	if (!http && sr->kind == STICK_STORE_RES)
		snprintf(msg, sizeof(msg), "%s '%s': 'stick store-response' needs 'mode http'.", proxy_kind(px), px->id);
	else if (!(sr->expr->use & avail) && !http && (sr->expr->use & SMP_USE_HTTP_REQ))
		snprintf(msg, sizeof(msg), "%s '%s': 'stick %s': fetch '%s' needs 'mode http' (this %s is in mode tcp).",
		         proxy_kind(px), px->id, method, sr->expr->fetch->name, proxy_kind(px));
	else if (!(sr->expr->use & avail))
		snprintf(msg, sizeof(msg), "%s '%s': 'stick %s': fetch '%s' extracts information which is not available %s.",
		         proxy_kind(px), px->id, method, sr->expr->fetch->name,
		         sr->kind == STICK_STORE_RES ? "for 'store-response'" : "during the request");
	else
		return 0;
	fn(arg, 1, sr->conf_file, sr->conf_line, msg);
	return -1;
}

int tcp_rules_resolve(report_fn fn, void *arg)
{
	int errs = 0;

	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct list *lists[4] = { &px->tcp_req_conn, &px->tcp_req_sess, &px->tcp_req_cont, &px->tcp_res_cont };
		struct stick_rule *sr;

		for (int i = 0; i < 4; i++) {
			struct tcp_rule *r;

			list_for_each(r, lists[i], list)
				if (r->act == TCP_ACT_SC && r->sc.type == SC_ACT_TRACK)
					r->sc.table = resolve(px, r->sc.table_name, "track-sc", r->conf_file, r->conf_line,
					                      fn, arg, &errs);
		}
		list_for_each(sr, &px->sticking_rules, list) {
			if (stick_check_place(px, sr, fn, arg) < 0)
				errs++;
			sr->table = resolve(px, sr->table_name, "stick", sr->conf_file, sr->conf_line, fn, arg, &errs);
			if (sr->table && !sr->table->def.stored[STKTABLE_DT_SERVER_ID]) {
				/* stick rules need server_id: HAProxy adds it implicitly */
				char msg[512];

				snprintf(msg, sizeof(msg), "%s '%s': table '%s' used by 'stick' does not store server_id.",
				         proxy_kind(px), px->id, sr->table->id);
				fn(arg, 1, sr->conf_file, sr->conf_line, msg);
				errs++;
			}
		}
	}
	return errs;
}

void tcp_rules_free(struct proxy *px)
{
	struct list *lists[4] = { &px->tcp_req_conn, &px->tcp_req_sess, &px->tcp_req_cont, &px->tcp_res_cont };
	struct stick_rule *sr, *sback;

	for (int i = 0; i < 4; i++) {
		struct tcp_rule *r, *back;

		list_for_each_safe(r, back, lists[i], list) {
			sc_action_free(&r->sc);
			var_action_free(&r->va);
			cond_free(r->cond);
			free(r);
		}
		list_init(lists[i]);
	}
	list_for_each_safe(sr, sback, &px->sticking_rules, list) {
		sample_free_expr(sr->expr);
		cond_free(sr->cond);
		free(sr->table_name);
		free(sr);
	}
	list_init(&px->sticking_rules);
}
