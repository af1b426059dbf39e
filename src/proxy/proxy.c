/*
 * Proxies. See proxy.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/logbe.h>
#include <tollgate/logfwd.h>
#include <tollgate/acl.h>
#include <tollgate/errsnap.h>
#include <tollgate/global.h>
#include <tollgate/healthcheck.h>
#include <tollgate/lb.h>
#include <tollgate/logformat.h>
#include <tollgate/check.h>
#include <tollgate/http_rules.h>
#include <tollgate/proxy.h>
#include <tollgate/resolvers.h>
#include <tollgate/tls.h>
#include <tollgate/server.h>
#include <tollgate/server_state.h>
#include <tollgate/sample.h>
#include <tollgate/stktable.h>
#include <tollgate/tcp_rules.h>
#include <tollgate/unique_id.h>
#include <tollgate/tcpcheck.h>
#include <tollgate/trafficlog.h>

struct proxy *proxies_list;
static struct proxy *proxies_tail;

struct proxy *proxy_alloc(const char *name, unsigned int cap, const char *file, int line)
{
	struct proxy *px = calloc(1, sizeof(*px));

	if (!px)
		return NULL;
	px->id = strdup(name ? name : "");
	if (!px->id) {
		free(px);
		return NULL;
	}
	px->cap = cap;
	px->conf_file = file;
	px->conf_line = line;
	px->retries = 3;
	px->retry_on = PR_RE_CONN_FAILED;
	list_init(&px->listeners);
	list_init(&px->switching_rules);
	list_init(&px->tcp_req_conn);
	list_init(&px->tcp_req_sess);
	list_init(&px->tcp_req_cont);
	list_init(&px->tcp_res_cont);
	list_init(&px->def_rules);
	list_init(&px->queue);
	list_init(&px->tcpcheck_rules);
	list_init(&px->proto_rules);
	list_init(&px->sticking_rules);
	list_init(&px->http_req_rules);
	list_init(&px->http_res_rules);
	list_init(&px->http_after_res_rules);
	list_init(&px->server_rules);
	acl_list_init(&px->acls);
	spin_init(&px->queue_lock, LOCK_QUEUE);
	server_init_defaults(&px->defsrv);
	return px;
}

void proxy_link(struct proxy *px)
{
	if (proxies_tail)
		proxies_tail->next = px;
	else
		proxies_list = px;
	proxies_tail = px;
}

struct proxy *proxy_new(const char *name, unsigned int cap, const char *file, int line)
{
	struct proxy *px = proxy_alloc(name, cap, file, line);

	/* px->uuid: 0 until `id` sets it or proxy_finalize_all() numbers it */
	if (px && !(cap & PR_CAP_DEF))
		proxy_link(px);
	return px;
}

void proxy_stats_free(struct pr_stats *st)
{
	for (unsigned int i = 0; i < st->nb_auth; i++)
		free(st->auth[i]);
	free(st->auth);
	free(st->uri);
	free(st->realm);
	memset(st, 0, sizeof(*st));
}

/* Deep copy of a defaults section's stats settings. 0 or -ENOMEM. */
static int proxy_stats_copy(struct pr_stats *dst, const struct pr_stats *src)
{
	*dst = *src;
	dst->uri = dst->realm = NULL;
	dst->auth = NULL;
	dst->nb_auth = 0;
	if ((src->uri && !(dst->uri = strdup(src->uri))) || (src->realm && !(dst->realm = strdup(src->realm))))
		return -ENOMEM;
	if (src->nb_auth) {
		dst->auth = calloc(src->nb_auth, sizeof(*dst->auth));
		if (!dst->auth)
			return -ENOMEM;
		for (; dst->nb_auth < src->nb_auth; dst->nb_auth++)
			if (!(dst->auth[dst->nb_auth] = strdup(src->auth[dst->nb_auth])))
				return -ENOMEM;
	}
	return 0;
}

/* A copy of <len> bytes at <p>, or NULL. */
static unsigned char *bytes_dup(const unsigned char *p, size_t len)
{
	unsigned char *q = malloc(len);

	if (q)
		memcpy(q, p, len);
	return q;
}

int proxy_inherit(struct proxy *px, const struct proxy *def)
{
	px->mode = def->mode;
	px->options = def->options;
	px->timeout = def->timeout;
	px->inspect_delay = def->inspect_delay;
	px->res_inspect_delay = def->res_inspect_delay;
	px->retries = def->retries;
	px->retry_on = def->retry_on;
	px->redispatch_after = def->redispatch_after;
	px->srv_state_load = def->srv_state_load;
	if (px->cap & PR_CAP_FE)
		px->maxconn = def->maxconn;
	px->backlog = def->backlog;
	memcpy(px->tcpka, def->tcpka, sizeof(px->tcpka));
	px->defsrv.uweight = def->defsrv.uweight;
	px->defsrv.maxconn = def->defsrv.maxconn;
	px->defsrv.inter = def->defsrv.inter;
	px->defsrv.fastinter = def->defsrv.fastinter;
	px->defsrv.downinter = def->defsrv.downinter;
	px->defsrv.rise = def->defsrv.rise;
	px->defsrv.fall = def->defsrv.fall;
	px->defsrv.pool_max_conn = def->defsrv.pool_max_conn;
	if (server_copy_resolve(&px->defsrv.rsv, &def->defsrv.rsv) < 0)
		return -ENOMEM;
	px->defsrv.flags = def->defsrv.flags;
	if (server_copy_pp(&px->defsrv, &def->defsrv) < 0)
		return -ENOMEM;
	px->defsrv.check_addr = def->defsrv.check_addr;
	px->defsrv.check_port = def->defsrv.check_port;
	px->defsrv.agent_addr = def->defsrv.agent_addr;
	px->defsrv.agent_port = def->defsrv.agent_port;
	px->defsrv.agent_inter = def->defsrv.agent_inter;
	memcpy(px->defsrv.tcp_md5sig, def->defsrv.tcp_md5sig, sizeof(px->defsrv.tcp_md5sig));
	px->defsrv.conn_src = def->defsrv.conn_src;
	px->conn_src = def->conn_src;
	px->defsrv.use_ssl = def->defsrv.use_ssl;
	px->defsrv.check_ssl = def->defsrv.check_ssl;
	px->defsrv.on_down_kill = def->defsrv.on_down_kill;
	px->defsrv.on_up_kill_backups = def->defsrv.on_up_kill_backups;
	px->defsrv.init_state = def->defsrv.init_state;
	if (def->defsrv.tls_conf) {
		px->defsrv.tls_conf = calloc(1, sizeof(*px->defsrv.tls_conf));
		if (!px->defsrv.tls_conf || tls_conf_dup(px->defsrv.tls_conf, def->defsrv.tls_conf) < 0)
			return -ENOMEM;
	}
	if ((def->defsrv.sni_text && !(px->defsrv.sni_text = strdup(def->defsrv.sni_text))) ||
	    (def->defsrv.check_sni && !(px->defsrv.check_sni = strdup(def->defsrv.check_sni))))
		return -ENOMEM;
	if (def->extchk_cmd && !(px->extchk_cmd = strdup(def->extchk_cmd)))
		return -ENOMEM;
	if (def->extchk_path && !(px->extchk_path = strdup(def->extchk_path)))
		return -ENOMEM;
	if (def->defsrv.agent_send) {
		px->defsrv.agent_send = strdup(def->defsrv.agent_send);
		if (!px->defsrv.agent_send)
			return -ENOMEM;
	}
	px->lb.hash_type = def->lb.hash_type;
	px->lb.hash_fn = def->lb.hash_fn;
	px->lb.hash_avalanche = def->lb.hash_avalanche;
	px->log_global = def->log_global;
	px->log_targets = def->log_targets;   /* shared: targets are never freed */
	px->log_inherited = !!def->log_targets;
	if (def->lb_name && (px->cap & PR_CAP_BE)) {
		/* the whole `balance` line: its algorithm, key and options */
		px->lb_name = strdup(def->lb_name);
		if (!px->lb_name || (def->hash_expr && !(px->hash_expr = strdup(def->hash_expr))) ||
		    (def->lb.key_param && !(px->lb.key_param = strdup(def->lb.key_param))))
			return -ENOMEM;
		px->lb.random_draws = def->lb.random_draws;
		px->lb.key_len = def->lb.key_len;
		px->lb.key_depth = def->lb.key_depth;
		px->lb.key_domain = def->lb.key_domain;
		px->lb.key_nonempty = def->lb.key_nonempty;
		px->lb.key_post = def->lb.key_post;
	}
	if (def->rdp_persist && (px->cap & PR_CAP_BE) && !(px->rdp_persist = strdup(def->rdp_persist)))
		return -ENOMEM;
	/* mode http settings; strings are copied: each proxy frees its own */
	memcpy(px->errorfiles, def->errorfiles, sizeof(px->errorfiles));
	memcpy(px->error_fmts, def->error_fmts, sizeof(px->error_fmts));
	px->fwdfor = def->fwdfor;
	px->origto = def->origto;
	px->fwded = def->fwded;
	px->http_reuse = def->http_reuse;
	px->httpchk = def->httpchk;
	px->chkproto = def->chkproto;
	if (def->chkproto.arg && !(px->chkproto.arg = strdup(def->chkproto.arg)))
		return -ENOMEM;
	if ((def->send_name_hdr && !(px->send_name_hdr = strdup(def->send_name_hdr))) ||
	    (def->fwdfor.hdr && !(px->fwdfor.hdr = strdup(def->fwdfor.hdr))) ||
	    (def->origto.hdr && !(px->origto.hdr = strdup(def->origto.hdr))) ||
	    (def->httpchk.meth && !(px->httpchk.meth = strdup(def->httpchk.meth))) ||
	    (def->httpchk.uri && !(px->httpchk.uri = strdup(def->httpchk.uri))) ||
	    (def->httpchk.ver && !(px->httpchk.ver = strdup(def->httpchk.ver))) ||
	    (def->httpchk.hdrs && !(px->httpchk.hdrs = strdup(def->httpchk.hdrs))) ||
	    (def->httpchk.body && !(px->httpchk.body = strdup(def->httpchk.body))) ||
	    (def->httpchk.expect && !(px->httpchk.expect = strdup(def->httpchk.expect))) ||
	    (def->httpchk.expect_val && !(px->httpchk.expect_val = strdup(def->httpchk.expect_val))) ||
	    (def->httpchk.conn_sni && !(px->httpchk.conn_sni = strdup(def->httpchk.conn_sni))) ||
	    (def->httpchk.conn_alpn &&
	     !(px->httpchk.conn_alpn = bytes_dup(def->httpchk.conn_alpn, def->httpchk.conn_alpn_len))) ||
	    (def->log_format && !(px->log_format = strdup(def->log_format))) ||
	    (def->uid_format && !(px->uid_format = strdup(def->uid_format))) ||
	    (def->uid_header && !(px->uid_header = strdup(def->uid_header))))
		return -ENOMEM;
	px->httpchk.next = NULL;        /* defaults hold one stage (cfg_check.c) */
	px->httpchk.expect_re = NULL;   /* compiled again at finalisation */
	px->httpchk.expect_val_re = NULL;
	px->httpchk.uri_fmt = px->httpchk.body_fmt = px->httpchk.hdrs_fmt = NULL;
	px->httpchk.vars = NULL;        /* refused in defaults (cfg_check.c) */
	px->httpchk.nb_vars = 0;
	px->httpchk.local = 0;          /* a section's own http-check lines replace it all */
	if (proxy_stats_copy(&px->stats, &def->stats) < 0)
		return -ENOMEM;
	if (def->defbe_name && (px->cap & PR_CAP_FE)) {
		px->defbe_name = strdup(def->defbe_name);
		if (!px->defbe_name)
			return -ENOMEM;
	}
	return 0;
}

struct proxy *proxy_find(const char *name, unsigned int cap)
{
	for (struct proxy *px = proxies_list; px; px = px->next)
		if ((px->cap & cap) == cap && !strcmp(px->id, name))
			return px;
	return NULL;
}

char proxy_invalid_name_char(const char *name)
{
	for (; *name; name++) {
		char c = *name;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':'))
			return c;
	}
	return 0;
}

const char *proxy_kind(const struct proxy *px)
{
	if (px->cap & PR_CAP_HC)
		return "healthcheck";
	if ((px->cap & (PR_CAP_FE | PR_CAP_BE)) == (PR_CAP_FE | PR_CAP_BE))
		return "listen";
	return (px->cap & PR_CAP_FE) ? "frontend" : "backend";
}

typedef proxy_report_fn report_fn;
#define report proxy_report   /* the short name used throughout this file */

int proxy_report(report_fn fn, void *arg, int is_err, const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(arg, is_err, file, line, msg);
	return is_err;
}

static int finalize_frontend(struct proxy *px, report_fn fn, void *arg)
{
	struct switching_rule *rule;
	int errs = 0;

	if (list_empty(&px->listeners))
		errs += report(fn, arg, 1, px->conf_file, px->conf_line,
		               "%s '%s' has no 'bind' directive. Please declare it as a backend if this was intended.",
		               proxy_kind(px), px->id);
	if (px->defbe_name) {
		px->defbe = proxy_find(px->defbe_name, PR_CAP_BE);
		if (!px->defbe)
			errs += report(fn, arg, 1, px->conf_file, px->conf_line,
			               "%s '%s': unable to find required default_backend: '%s'.",
			               proxy_kind(px), px->id, px->defbe_name);
		else if (px->defbe->mode == PR_MODE_LOG)
			errs += report(fn, arg, 1, px->conf_file, px->conf_line,
			               "%s '%s': default_backend '%s' is a log backend ('mode log'): it takes no traffic.",
			               proxy_kind(px), px->id, px->defbe_name);
	} else if (px->cap & PR_CAP_BE) {
		px->defbe = px;
	}
	list_for_each(rule, &px->switching_rules, list) {
		if (strchr(rule->be_name, '%')) {
			char *why = NULL;

			/* the mode is final now: it says which fetches apply */
			rule->lf = logformat_parse(rule->be_name, px->mode == PR_MODE_HTTP ? SMP_USE_HTTP_REQ :
			                           SMP_USE_L6REQ, &why);
			if (!rule->lf)
				errs += report(fn, arg, 1, rule->conf_file, rule->conf_line,
				               "%s '%s': invalid use_backend log-format '%s': %s.",
				               proxy_kind(px), px->id, rule->be_name, why ? why : "out of memory");
			free(why);
			continue;
		}
		rule->be = proxy_find(rule->be_name, PR_CAP_BE);
		if (!rule->be)
			errs += report(fn, arg, 1, rule->conf_file, rule->conf_line,
			               "%s '%s': unable to find required use_backend: '%s'.",
			               proxy_kind(px), px->id, rule->be_name);
		else if (rule->be->mode == PR_MODE_LOG)
			errs += report(fn, arg, 1, rule->conf_file, rule->conf_line,
			               "%s '%s': use_backend '%s' is a log backend ('mode log'): it takes no traffic.",
			               proxy_kind(px), px->id, rule->be_name);
	}
	{
		struct listener *l;

		list_for_each(l, &px->listeners, list) {
			/* the proxy's `backlog` for binds without their own */
			if (!l->sopts.backlog)
				l->sopts.backlog = px->backlog;
		}
		/* HAProxy: a mux's mode must be the frontend's */
		list_for_each(l, &px->listeners, list)
			if (l->proto_h2 && px->mode != PR_MODE_HTTP)
				errs += report(fn, arg, 1, l->conf_file, l->conf_line,
				               "MUX protocol 'h2' is not usable for 'bind' of %s '%s' (mode tcp): it needs mode http.",
				               proxy_kind(px), px->id);
	}
	if (!px->defbe && list_empty(&px->switching_rules))
		report(fn, arg, 0, px->conf_file, px->conf_line,
		       "%s '%s' has no backend: connections will be refused.",
		       proxy_kind(px), px->id);
	return errs;
}

static int cmp_srv_puid(const void *a, const void *b)
{
	const struct server *x = *(const struct server *const *)a, *y = *(const struct server *const *)b;

	if (x->puid != y->puid)
		return x->puid < y->puid ? -1 : 1;
	return x->conf_line < y->conf_line ? -1 : x->conf_line > y->conf_line;
}

/* Refuses an explicit server id used twice, then gives the servers without
 * one the lowest ids the explicit ones leave free, in declaration order
 * (HAProxy's rule). Sorting the explicit ids keeps it O(n log n) where a
 * lookup per server was quadratic. Returns the number of errors reported.
 */
static int assign_server_ids(struct proxy *px, report_fn fn, void *arg)
{
	struct server **used, *srv;
	int n = 0, k = 0, puid = 1, errs = 0;

	for (srv = px->srv; srv; srv = srv->next)
		n += !!srv->puid;
	used = malloc((size_t)(n ? n : 1) * sizeof(*used));
	if (!used)
		return report(fn, arg, 1, px->conf_file, px->conf_line, "%s '%s': out of memory numbering servers.",
		              proxy_kind(px), px->id);
	for (srv = px->srv; srv; srv = srv->next)
		if (srv->puid)
			used[k++] = srv;
	qsort(used, (size_t)n, sizeof(*used), cmp_srv_puid);
	for (k = 1; k < n; k++)
		if (used[k]->puid == used[k - 1]->puid)
			errs += report(fn, arg, 1, used[k]->conf_file, used[k]->conf_line,
			               "'server %s' : id %d is already used by server '%s'.",
			               used[k]->id, used[k]->puid, used[k - 1]->id);
	k = 0;
	for (srv = px->srv; srv; srv = srv->next) {
		if (srv->puid)
			continue;
		while (k < n && used[k]->puid <= puid) {
			if (used[k]->puid == puid)
				puid++;
			k++;
		}
		srv->puid = puid++;
	}
	free(used);
	return errs;
}

static int finalize_backend(struct proxy *px, report_fn fn, void *arg)
{
	const struct lb_ops *ops;
	int ret;

	if (px->mode == PR_MODE_LOG) {
		char why[512];

		if (logbe_check(px, why, sizeof(why)) < 0)
			return report(fn, arg, 1, px->conf_file, px->conf_line, "%s", why);
	} else if (px->lb_name && (!strcmp(px->lb_name, "sticky") || !strcmp(px->lb_name, "log-hash"))) {
		report(fn, arg, 0, px->conf_file, px->conf_line,
		       "Unusable balance algorithm for %s '%s' (needs 'mode log'). Falling back to round robin.",
		       proxy_kind(px), px->id);
		free(px->lb_name);
		px->lb_name = NULL;
	}
	ops = lb_find(px->lb_name ? px->lb_name : "roundrobin");
	if (!ops)
		return report(fn, arg, 1, px->conf_file, px->conf_line,
		              "%s '%s': unknown load-balancing algorithm '%s'.",
		              proxy_kind(px), px->id, px->lb_name);
	if (assign_server_ids(px, fn, arg))
		return 1;
	if (px->options & PR_O_EXTCHK) {
		if (!global.external_check)
			return report(fn, arg, 1, px->conf_file, px->conf_line,
			              "Proxy '%s' : 'option external-check' unable to find required 'global.external-check'.", px->id);
		if (!px->extchk_cmd)
			return report(fn, arg, 1, px->conf_file, px->conf_line,
			              "Proxy '%s' : 'option external-check' requires 'external-check command'.", px->id);
		if (!global.insecure_fork)
			report(fn, arg, 0, px->conf_file, px->conf_line,
			       "Proxy '%s' : 'insecure-fork-wanted' not enabled in the global section, 'option external-check' will likely fail.", px->id);
	}
	for (struct server *srv = px->srv; srv; srv = srv->next) {
		char msg[512];
		int rc = srv->hostname ? resolvers_server_init(srv, msg, sizeof(msg)) : 0;

		if (rc)
			report(fn, arg, rc < 0, srv->conf_file, srv->conf_line, "%s", msg);
		if (rc < 0)
			return 1;
		server_apply_init_state(srv);
		if (server_set_keys(srv) < 0)
			return report(fn, arg, 1, srv->conf_file, srv->conf_line, "out of memory");
		if ((srv->flags & SRV_F_AGENT) && !srv->agent_port)
			return report(fn, arg, 1, srv->conf_file, srv->conf_line,
			              "'server %s/%s' : server %s does not have agent port. Agent check has been disabled.",
			              px->id, srv->id, srv->id);
	}
	if (px->hash_expr && !strcmp(ops->name, "hash")) {
		struct sample_expr *expr = NULL;
		char *why = NULL;

		if (sample_parse_expr(px->hash_expr, px->mode == PR_MODE_HTTP ? SMP_USE_HTTP_REQ : SMP_USE_L6REQ, &expr, &why) < 0) {
			report(fn, arg, 1, px->conf_file, px->conf_line, "%s '%s': 'balance hash %s': %s",
			       proxy_kind(px), px->id, px->hash_expr, why ? why : "invalid sample expression");
			free(why);
			return 1;
		}
		px->hash_sample = expr;
	}
	if (px->rdp_persist) {
		char text[300], *why = NULL;

		snprintf(text, sizeof(text), "req.rdp_cookie(%s)", px->rdp_persist);
		if (sample_parse_expr(text, SMP_USE_L6REQ, &px->rdp_persist_sample, &why) < 0) {
			report(fn, arg, 1, px->conf_file, px->conf_line, "%s '%s': 'persist rdp-cookie(%s)': %s",
			       proxy_kind(px), px->id, px->rdp_persist, why ? why : "invalid cookie name");
			free(why);
			return 1;
		}
	}
	px->lb.allbackups = !!(px->options & PR_O_ALLBACKUPS);
	ret = lb_init(&px->lb, ops, px->srv);
	if (ret < 0)
		return report(fn, arg, 1, px->conf_file, px->conf_line,
		              "%s '%s': cannot initialise load balancing (out of memory).",
		              proxy_kind(px), px->id);
	return 0;
}

struct proxy *proxy_parsing;

struct proxy_xtable *proxy_xtables;
static struct proxy_xtable **proxy_xtables_tail = &proxy_xtables;

struct stktable *proxy_table_find(const char *name)
{
	for (struct proxy *px = proxies_list; px; px = px->next)
		if (px->table && !strcmp(px->id, name))
			return px->table;
	for (struct proxy_xtable *x = proxy_xtables; x; x = x->next)
		if (x->table && !strcmp(x->id, name))
			return x->table;
	return NULL;
}

int proxy_xtable_add(const char *id, const struct stktable_def *def, const char *file, int line)
{
	struct proxy_xtable *x;

	for (x = proxy_xtables; x; x = x->next)
		if (!strcmp(x->id, id))
			return -EEXIST;
	x = calloc(1, sizeof(*x));
	if (!x || !(x->id = strdup(id)) || !(x->file = strdup(file))) {
		if (x)
			free(x->id);
		free(x);
		return -ENOMEM;
	}
	x->def = *def;
	x->line = line;
	*proxy_xtables_tail = x;
	proxy_xtables_tail = &x->next;
	return 0;
}

static struct proxy *table_owner(const char *name)
{
	for (struct proxy *px = proxies_list; px; px = px->next)
		if (px->table_def && !strcmp(px->id, name))
			return px;
	return NULL;
}

/* Creates the tables. Tables used by stick rules store server_id and
 * server_key, added here when missing, as HAProxy does.
 */
static int init_tables(report_fn fn, void *arg)
{
	static const int stick_types[] = { STKTABLE_DT_SERVER_ID, STKTABLE_DT_SERVER_KEY };
	int errs = 0;

	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct stick_rule *r;

		list_for_each(r, &px->sticking_rules, list) {
			struct proxy *owner = r->table_name ? table_owner(r->table_name) : px;

			struct stktable_def *def = owner ? owner->table_def : NULL;

			for (struct proxy_xtable *x = proxy_xtables; !def && r->table_name && x; x = x->next)
				if (!strcmp(x->id, r->table_name))
					def = &x->def;   /* a peers section's table */
			if (!def)
				continue;
			for (size_t i = 0; i < sizeof(stick_types) / sizeof(stick_types[0]); i++) {
				if (!def->stored[stick_types[i]]) {
					def->stored[stick_types[i]] = 1;
					def->nbelem[stick_types[i]] = 1;
				}
			}
		}
	}
	for (struct proxy *px = proxies_list; px; px = px->next) {
		if (!px->table_def)
			continue;
		px->table = calloc(1, sizeof(*px->table));
		if (!px->table || stktable_init(px->table, px->id, px->table_def) < 0) {
			free(px->table);
			px->table = NULL;
			errs += report(fn, arg, 1, px->table_file, px->table_line,
			               "%s '%s': cannot create the stick-table (out of memory or invalid size).",
			               proxy_kind(px), px->id);
		}
	}
	for (struct proxy_xtable *x = proxy_xtables; x; x = x->next) {
		x->table = calloc(1, sizeof(*x->table));
		if (!x->table || stktable_init(x->table, x->id, &x->def) < 0) {
			free(x->table);
			x->table = NULL;
			errs += report(fn, arg, 1, x->file, x->line,
			               "table '%s': cannot create the stick-table (out of memory or invalid size).", x->id);
		}
	}
	return errs;
}

int proxy_tables_start(void)
{
	/* every table gets its task, even without `expire`: an entry given its
	 * own expiry at run time (an override) needs it too
	 */
	for (struct proxy *px = proxies_list; px; px = px->next)
		if (px->table && stktable_purge_task_start(px->table, 0) < 0)
			return -ENOMEM;
	for (struct proxy_xtable *x = proxy_xtables; x; x = x->next)
		if (x->table && stktable_purge_task_start(x->table, 0) < 0)
			return -ENOMEM;
	return 0;
}

/* `log global` adds the global targets after the proxy's own ones. Target
 * lists live as long as the process (a few bytes each).
 */
static int finalize_logs(struct proxy *px)
{
	struct log_target **tail, *gtargets;

	if (!px->log_global || !log_global_targets)
		return 0;
	if (px->log_inherited) {
		/* inherited lists are shared with the defaults: copy first */
		if (log_targets_dup(px->log_targets, &px->log_targets) < 0)
			return -ENOMEM;
		px->log_inherited = 0;
	}
	tail = &px->log_targets;
	while (*tail)
		tail = &(*tail)->next;
	if (log_targets_dup(log_global_targets, &gtargets) < 0)
		return -ENOMEM;
	*tail = gtargets;
	return 0;
}

/* Backends sorted by name, for names computed at run time (dynamic
 * use_backend): built at finalisation, read-only afterwards.
 */
static struct proxy **be_index;
static size_t be_count;

static int be_cmp(const void *a, const void *b)
{
	return strcmp((*(struct proxy *const *)a)->id, (*(struct proxy *const *)b)->id);
}

static void be_index_build(void)
{
	size_t n = 0;

	free(be_index);
	be_index = NULL;
	be_count = 0;
	for (struct proxy *px = proxies_list; px; px = px->next)
		n += (px->cap & PR_CAP_BE) && !(px->cap & PR_CAP_DEF);
	if (!n || !(be_index = malloc(n * sizeof(*be_index))))
		return;
	for (struct proxy *px = proxies_list; px; px = px->next)
		if ((px->cap & PR_CAP_BE) && !(px->cap & PR_CAP_DEF))
			be_index[be_count++] = px;
	qsort(be_index, be_count, sizeof(*be_index), be_cmp);
}

struct proxy *proxy_be_lookup(const char *name)
{
	size_t lo = 0, hi = be_count;

	if (!be_index)
		return proxy_find(name, PR_CAP_BE);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, be_index[mid]->id);

		if (!c)
			return be_index[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int cmp_proxy_uuid(const void *a, const void *b)
{
	const struct proxy *pa = *(struct proxy *const *)a, *pb = *(struct proxy *const *)b;

	return pa->uuid < pb->uuid ? -1 : pa->uuid > pb->uuid;
}

/* Numbers the proxies without an `id`, as HAProxy does: in declaration
 * order, from 2 (HAProxy keeps 1 unused unless given explicitly, a
 * historical quirk it preserves), skipping the ids given explicitly.
 * Reports two proxies given the same id. Cost: O(P log P).
 */
static int assign_ids(report_fn fn, void *arg)
{
	struct proxy **used, *px;
	size_t n = 0, nused = 0, i = 0;
	int errs = 0, next = 2;

	for (px = proxies_list; px; px = px->next)
		n++;
	used = calloc(n ? n : 1, sizeof(*used));
	if (!used)
		return report(fn, arg, 1, proxies_list->conf_file, proxies_list->conf_line, "out of memory numbering the proxies");
	for (px = proxies_list; px; px = px->next)
		if (px->uuid > 0)
			used[nused++] = px;
	qsort(used, nused, sizeof(*used), cmp_proxy_uuid);
	for (size_t k = 1; k < nused; k++) {
		const struct proxy *a = used[k - 1], *b = used[k];

		if (a->uuid == b->uuid)
			errs += report(fn, arg, 1, b->conf_file, b->conf_line,
			               "%s '%s' has the same ID '%d' as %s '%s' (declared at %s:%d).",
			               proxy_kind(b), b->id, b->uuid, proxy_kind(a), a->id, a->conf_file, a->conf_line);
	}
	for (px = proxies_list; px; px = px->next) {
		if (px->uuid > 0)
			continue;
		while (i < nused && used[i]->uuid < next)
			i++;
		while (i < nused && used[i]->uuid == next) {
			next++;
			i++;
		}
		px->uuid = next++;
	}
	free(used);
	return errs;
}

/* Warnings HAProxy gives for a configuration that loads but will misbehave:
 * a proxy without the timeouts it needs (HAProxy's condition), a log
 * format with nowhere to send it.
 */
static void warn_suspicious(struct proxy *px, report_fn fn, void *arg)
{
	if (px->disabled || px->mode == PR_MODE_LOG)
		return;
	if (((px->cap & PR_CAP_FE) && !px->timeout.client) ||
	    ((px->cap & PR_CAP_BE) && px->srv &&
	     (!px->timeout.connect || (!px->timeout.server && (px->mode == PR_MODE_HTTP || !px->timeout.tunnel)))))
		report(fn, arg, 0, px->conf_file, px->conf_line,
		       "missing timeouts for %s '%s': set 'timeout client', 'timeout connect' and 'timeout server' to non-zero values, or connections may stay forever.",
		       proxy_kind(px), px->id);
	if ((px->cap & PR_CAP_FE) && !px->log_targets &&
	    ((px->options & (PR_O_HTTPLOG | PR_O_TCPLOG)) || px->log_format))
		report(fn, arg, 0, px->conf_file, px->conf_line,
		       "log format ignored for %s '%s' since it has no log address.", proxy_kind(px), px->id);
}

/* Finds the backends of the `log backend@<name>` targets and the rings of
 * the `log ring@<name>` ones of the global
 * section, the proxies and the log-forward sections. Returns the number of
 * errors reported.
 */
static int resolve_log_backends(report_fn fn, void *arg)
{
	char why[300];
	int errs = 0;

	struct log_target *bad;

	/* the message names the `log` line */
	if ((bad = logbe_resolve(log_global_targets, why, sizeof(why))) ||
	    (bad = log_rings_resolve(log_global_targets, why, sizeof(why))))
		errs += report(fn, arg, 1, bad->conf_file, bad->conf_line, "%s", why);
	for (struct proxy *px = proxies_list; px; px = px->next)
		if ((bad = logbe_resolve(px->log_targets, why, sizeof(why))) ||
		    (bad = log_rings_resolve(px->log_targets, why, sizeof(why))))
			errs += report(fn, arg, 1, bad->conf_file, bad->conf_line, "%s", why);
	for (struct logfwd *lf = logfwd_list; lf; lf = lf->next)
		if ((bad = logbe_resolve(lf->targets, why, sizeof(why))) ||
		    (bad = log_rings_resolve(lf->targets, why, sizeof(why))))
			errs += report(fn, arg, 1, bad->conf_file, bad->conf_line, "%s", why);
	return errs;
}

/* Numbers the listeners of frontend <px> without an "id" in their order,
 * from 1, skipping the ids given, as HAProxy (so_id): the candidate also
 * moves on past a listener that has its "id". Returns the errors
 * reported: an id given twice. O(n^2) in the frontend's bind lines.
 */
static int number_listeners(struct proxy *px, report_fn fn, void *arg)
{
	struct listener *l, *o;
	int errs = 0, next = 1, used;

	list_for_each(l, &px->listeners, list) {
		list_for_each(o, &px->listeners, list) {
			if (o == l)
				break;
			if (l->luid && o->luid == l->luid)
				errs += report(fn, arg, 1, l->conf_file, l->conf_line,
				               "proxy '%s' : custom id %d of this bind line already used at %s:%d.",
				               px->id, l->luid, o->conf_file, o->conf_line);
		}
	}
	/* the candidate moves on past every listener, numbered or not */
	list_for_each(l, &px->listeners, list) {
		if (l->luid) {
			next++;
			continue;
		}
		do {
			used = 0;
			list_for_each(o, &px->listeners, list)
				if (o->luid == next)
					used = 1;
			next += used;
		} while (used);
		l->luid = next++;
	}
	return errs;
}

int proxy_finalize_all(report_fn fn, void *arg)
{
	int errs = assign_ids(fn, arg) + init_tables(fn, arg);

	be_index_build();   /* without it (no memory), lookups walk the list */

	for (struct proxy *px = proxies_list; px; px = px->next)
		if (finalize_logs(px) < 0)
			errs += report(fn, arg, 1, px->conf_file, px->conf_line, "out of memory");
	errs += resolve_log_backends(fn, arg);

	server_state_apply_all();   /* before addresses are resolved and weights used */
	for (struct proxy *px = proxies_list; px; px = px->next) {
		if (px->cap & PR_CAP_BE)
			errs += finalize_backend(px, fn, arg);
	}
	for (struct proxy *px = proxies_list; px; px = px->next) {
		if (px->cap & PR_CAP_FE) {
			errs += number_listeners(px, fn, arg);
			proxy_set_parse_scope(px);   /* dynamic use_backend formats */
			errs += finalize_frontend(px, fn, arg);
		}
	}
	for (struct proxy *px = proxies_list; px; px = px->next) {
		for (struct server *srv = (px->cap & PR_CAP_BE) ? px->srv : NULL; srv; srv = srv->next) {
			char why[256];

			if (srv->track_name && server_resolve_track(srv, why, sizeof(why)) < 0)
				errs += report(fn, arg, 1, srv->conf_file, srv->conf_line, "%s '%s', server '%s': %s",
				               proxy_kind(px), px->id, srv->id, why);
			if ((srv->flags & SRV_F_PROTO_H2) && px->mode != PR_MODE_HTTP)
				errs += report(fn, arg, 1, srv->conf_file, srv->conf_line,
				               "proxy '%s' : MUX protocol 'h2' is not usable for server '%s' (HTTP/2 needs mode http).",
				               px->id, srv->id);
			if (srv->hc_name && !(srv->hc = healthcheck_find(srv->hc_name)))
				errs += report(fn, arg, 1, srv->conf_file, srv->conf_line,
				               "%s '%s', server '%s': unable to find the healthcheck section '%s'.",
				               proxy_kind(px), px->id, srv->id, srv->hc_name);
		}
	}
	for (struct proxy *px = proxies_list; px; px = px->next)
		warn_suspicious(px, fn, arg);
	errs += tcp_rules_resolve(fn, arg);
	errs += http_rules_resolve(fn, arg);
	for (struct proxy *px = proxies_list; px; px = px->next) {
		char *why = NULL;

		if ((px->cap & PR_CAP_FE) && px->log_format && strstr(px->log_format, "%["))
			px->log_keep_req = 1;
		proxy_set_parse_scope(px);   /* formats compiled now are this proxy's */
		if ((px->cap & PR_CAP_FE) && logformat_finalize(px, &why) < 0) {
			errs += report(fn, arg, 1, px->conf_file, px->conf_line, "%s '%s': %s", proxy_kind(px), px->id,
			               why ? why : "invalid log-format");
			free(why);
			why = NULL;
		}
		if ((px->cap & PR_CAP_FE) && unique_id_finalize(px, &why) < 0) {
			errs += report(fn, arg, 1, px->conf_file, px->conf_line, "%s '%s': %s", proxy_kind(px), px->id,
			               why ? why : "invalid unique-id-format");
			free(why);
		}
	}
	/* parsing is over: expressions parsed from now on (the admin socket's
	 * set var) belong to no proxy section
	 */
	proxy_set_parse_scope(NULL);
	return errs;
}

int proxy_finalize_backend(struct proxy *px, report_fn fn, void *arg)
{
	if (finalize_logs(px) < 0)
		return report(fn, arg, 1, px->conf_file, px->conf_line, "out of memory");
	return finalize_backend(px, fn, arg);
}

void proxy_be_index_rebuild(void)
{
	be_index_build();
}

void proxy_set_parse_scope(struct proxy *px)
{
	proxy_parsing = px;
	acl_set_parse_scope(px ? &px->acls : NULL);
}

void proxy_free(struct proxy *px)
{
	struct switching_rule *rule, *rback;
	struct listener *l, *lback;
	struct server *srv, *snext;

	errsnap_free(px);
	list_for_each_safe(rule, rback, &px->switching_rules, list) {
		cond_free(rule->cond);
		logformat_free(rule->lf);
		free(rule->be_name);
		free(rule);
	}
	while (px->force_be) {
		struct force_be_rule *f = px->force_be;

		px->force_be = f->next;
		cond_free(f->cond);
		free(f);
	}
	acl_list_deinit(&px->acls);
	name_idx_deinit(&px->srv_names);
	list_for_each_safe(l, lback, &px->listeners, list) {
		free(l->name);
		free(l);
	}
	if (px->lb.ops)
		lb_deinit(&px->lb);
	tcp_rules_free(px);
	httpchk_free(&px->httpchk);
	http_rules_free(px);
	free(px->cookie.name);
	free(px->cookie.domain);
	free(px->fwdfor.hdr);
	free(px->send_name_hdr);
	free(px->origto.hdr);
	free(px->log_format);
	logformat_free(px->logfmt);
	free(px->uid_format);
	logformat_free(px->uid_fmt);
	free(px->uid_header);
	for (unsigned int i = 0; i < px->nb_cap_req; i++)
		free(px->cap_req[i].name);
	for (unsigned int i = 0; i < px->nb_cap_res; i++)
		free(px->cap_res[i].name);
	free(px->cap_cookie.name);
	free(px->monitor_uri);
	proxy_stats_free(&px->stats);
	tcpcheck_rules_free(&px->tcpcheck_rules);
	tcpcheck_rules_free(&px->proto_rules);
	free(px->chkproto.arg);
	if (px->table) {
		stktable_purge_task_stop(px->table);
		stktable_deinit(px->table);
		free(px->table);
	}
	free(px->table_def);
	for (srv = px->srv; srv; srv = snext) {
		snext = srv->next;
		server_free(srv);
	}
	free(px->lb_name);
	free(px->hash_expr);
	free(px->lb.key_param);
	sample_free_expr(px->hash_sample);
	free(px->rdp_persist);
	sample_free_expr(px->rdp_persist_sample);
	free(px->defbe_name);
	server_free_pp_tlvs(&px->defsrv);
	free(px->defsrv.agent_send);
	free(px->extchk_cmd);
	free(px->extchk_path);
	free(px->id);
	free(px);
}

void proxy_free_all(void)
{
	server_conf_refs_free();
	struct proxy *px, *next;

	free(be_index);
	be_index = NULL;
	be_count = 0;

	for (px = proxies_list; px; px = next) {
		next = px->next;
		proxy_free(px);
	}
	proxies_list = proxies_tail = NULL;
	while (proxy_xtables) {
		struct proxy_xtable *x = proxy_xtables;

		proxy_xtables = x->next;
		if (x->table) {
			stktable_purge_task_stop(x->table);
			stktable_deinit(x->table);
			free(x->table);
		}
		free(x->id);
		free(x->file);
		free(x);
	}
	proxy_xtables_tail = &proxy_xtables;
}
