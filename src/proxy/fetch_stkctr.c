/*
 * Sample fetches and converters over stick tables, HAProxy's names:
 *
 *   sc_<m>(<ctr>[,<table>])      the entry tracked by stick counter <ctr>
 *   sc0_<m>([<table>]) ... sc2_<m>([<table>])
 *   src_<m>([<table>])           the entry of the client address (looked
 *                                up, never created; 0 if absent)
 *   <key>,table_<m>(<table>)     converter: the entry of the input key
 *                                (created by the inc_ and clr_ metrics)
 *   <key>,in_table([<table>])    converter: true if the key has an entry
 *   (the table converters default to the table of the proxy they are
 *   declared in)
 *   <key>,table_expire(<table>[,<default>]), table_idle(...)
 *                                converters: ms left before the entry
 *                                expires, ms since it was touched
 *
 *   sc_key(<ctr>), sc0_key ... sc2_key   the key of the tracked entry
 *   table_avl([<table>]), table_cnt([<table>])  free and used entries
 *   src_updt_conn_cnt([<table>])  conn_cnt of the client address' entry
 *                                (created if absent) + 1, returned
 *   (these default to the table of the proxy they are declared in)
 *
 * where <m> is a metric: conn_cnt, conn_cur, conn_rate, sess_cnt,
 * sess_rate, http_req_cnt, http_req_rate, http_err_cnt, http_err_rate,
 * http_fail_cnt, http_fail_rate, kbytes_in, bytes_in_rate, kbytes_out,
 * bytes_out_rate, glitch_cnt, glitch_rate, get_gpc0, get_gpc1, gpc0_rate,
 * gpc1_rate, get_gpt0, inc_gpc0, inc_gpc1, clr_gpc0, clr_gpc1, trackers,
 * tracked (sc only), and the array forms get_gpc, gpc_rate, get_gpt,
 * inc_gpc, clr_gpc taking an element index first.
 *
 * An untracked counter gives no sample (so an ACL on it does not match);
 * an absent key reads as 0; a data type the table does not store gives no
 * sample. With a <table> other than the tracked one, the tracked entry's
 * key is looked up there (same key type only). The keyword lists are
 * generated at start-up from the metric table below.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/clock.h>
#include <tollgate/errmsg.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/stkctr.h>
#include <tollgate/stktable.h>
#include <tollgate/stream-t.h>
#include <tollgate/ticks.h>

enum sc_op {
	OP_READ = 0,         /* value of the data type */
	OP_INC,              /* increment a gpc, return the new value */
	OP_CLR,              /* clear a gpc, return the old value */
	OP_TRACKERS,         /* references held on the entry */
	OP_TRACKED,          /* 1 if the counter tracks something (sc only) */
};

struct sc_metric {
	const char *name;    /* suffix after sc_/src_, NULL: no fetch */
	const char *tname;   /* suffix after table_, NULL: no converter */
	int dt;              /* data type, -1 for the ops without one */
	enum sc_op op;       /* what to do */
	unsigned int shift;  /* right shift of the value (kbytes) */
	int array;           /* takes an element index first */
};

static const struct sc_metric metrics[] = {
	{ "conn_cnt", "conn_cnt", STKTABLE_DT_CONN_CNT, OP_READ, 0, 0 },
	{ "conn_cur", "conn_cur", STKTABLE_DT_CONN_CUR, OP_READ, 0, 0 },
	{ "conn_rate", "conn_rate", STKTABLE_DT_CONN_RATE, OP_READ, 0, 0 },
	{ "sess_cnt", "sess_cnt", STKTABLE_DT_SESS_CNT, OP_READ, 0, 0 },
	{ "sess_rate", "sess_rate", STKTABLE_DT_SESS_RATE, OP_READ, 0, 0 },
	{ "http_req_cnt", "http_req_cnt", STKTABLE_DT_HTTP_REQ_CNT, OP_READ, 0, 0 },
	{ "http_req_rate", "http_req_rate", STKTABLE_DT_HTTP_REQ_RATE, OP_READ, 0, 0 },
	{ "http_err_cnt", "http_err_cnt", STKTABLE_DT_HTTP_ERR_CNT, OP_READ, 0, 0 },
	{ "http_err_rate", "http_err_rate", STKTABLE_DT_HTTP_ERR_RATE, OP_READ, 0, 0 },
	{ "http_fail_cnt", "http_fail_cnt", STKTABLE_DT_HTTP_FAIL_CNT, OP_READ, 0, 0 },
	{ "http_fail_rate", "http_fail_rate", STKTABLE_DT_HTTP_FAIL_RATE, OP_READ, 0, 0 },
	{ "kbytes_in", "kbytes_in", STKTABLE_DT_BYTES_IN_CNT, OP_READ, 10, 0 },
	{ "bytes_in_rate", "bytes_in_rate", STKTABLE_DT_BYTES_IN_RATE, OP_READ, 0, 0 },
	{ "kbytes_out", "kbytes_out", STKTABLE_DT_BYTES_OUT_CNT, OP_READ, 10, 0 },
	{ "bytes_out_rate", "bytes_out_rate", STKTABLE_DT_BYTES_OUT_RATE, OP_READ, 0, 0 },
	{ "glitch_cnt", "glitch_cnt", STKTABLE_DT_GLITCH_CNT, OP_READ, 0, 0 },
	{ "glitch_rate", "glitch_rate", STKTABLE_DT_GLITCH_RATE, OP_READ, 0, 0 },
	{ "get_gpc0", "gpc0", STKTABLE_DT_GPC0, OP_READ, 0, 0 },
	{ "get_gpc1", "gpc1", STKTABLE_DT_GPC1, OP_READ, 0, 0 },
	{ "gpc0_rate", "gpc0_rate", STKTABLE_DT_GPC0_RATE, OP_READ, 0, 0 },
	{ "gpc1_rate", "gpc1_rate", STKTABLE_DT_GPC1_RATE, OP_READ, 0, 0 },
	{ "get_gpt0", "gpt0", STKTABLE_DT_GPT0, OP_READ, 0, 0 },
	{ "inc_gpc0", "inc_gpc0", STKTABLE_DT_GPC0, OP_INC, 0, 0 },
	{ "inc_gpc1", "inc_gpc1", STKTABLE_DT_GPC1, OP_INC, 0, 0 },
	{ "clr_gpc0", "clr_gpc0", STKTABLE_DT_GPC0, OP_CLR, 0, 0 },
	{ "clr_gpc1", "clr_gpc1", STKTABLE_DT_GPC1, OP_CLR, 0, 0 },
	{ "get_gpc", "gpc", STKTABLE_DT_GPC, OP_READ, 0, 1 },
	{ "gpc_rate", "gpc_rate", STKTABLE_DT_GPC_RATE, OP_READ, 0, 1 },
	{ "get_gpt", "gpt", STKTABLE_DT_GPT, OP_READ, 0, 1 },
	{ "inc_gpc", "inc_gpc", STKTABLE_DT_GPC, OP_INC, 0, 1 },
	{ "clr_gpc", "clr_gpc", STKTABLE_DT_GPC, OP_CLR, 0, 1 },
	{ "trackers", "trackers", -1, OP_TRACKERS, 0, 0 },
	{ "tracked", NULL, -1, OP_TRACKED, 0, 0 },
	{ NULL, "server_id", STKTABLE_DT_SERVER_ID, OP_READ, 0, 0 },   /* table_server_id only */
};

/* How a keyword designates its entry. */
enum sc_form {
	FORM_SC = 0,         /* sc_<m>([idx,]ctr[,table]) */
	FORM_SCN,            /* scN_<m>([idx,][table]) */
	FORM_SRC,            /* src_<m>([idx,][table]) */
};

struct sc_kw_ctx {
	const struct sc_metric *m;   /* the metric */
	enum sc_form form;           /* the form */
	int ctr;                     /* N of scN_ */
};

/* Applies metric <m> element <idx> to entry <ts> of <t> into <smp>.
 * Returns 1 with a sample, 0 without (type not stored).
 */
static int apply(const struct sc_metric *m, struct stktable *t, struct stksess *ts, unsigned int idx,
                 struct sample *smp)
{
	uint64_t v = 0;
	int dt = m->dt, rate;
	unsigned int ridx;

	if (m->op == OP_TRACKERS) {
		sample_set_sint(smp, ts ? (int64_t)stksess_refs(ts) : 0);
		return 1;
	}
	stkctr_legacy_map(t, &dt, &idx);
	if (!t->data_ofs[dt] || idx >= t->def.nbelem[dt])
		return 0;
	if (!ts) {
		sample_set_sint(smp, 0);
		return 1;
	}
	switch (m->op) {
	case OP_INC:
		rate = m->dt == STKTABLE_DT_GPC0 ? STKTABLE_DT_GPC0_RATE :
		       m->dt == STKTABLE_DT_GPC1 ? STKTABLE_DT_GPC1_RATE : STKTABLE_DT_GPC_RATE;
		ridx = m->dt == STKTABLE_DT_GPC ? idx : 0;
		stkctr_legacy_map(t, &rate, &ridx);
		stktable_data_add(t, ts, dt, idx, 1);
		if (t->data_ofs[rate])
			stktable_data_add(t, ts, rate, ridx, 1);
		stktable_touch_local(t, ts, 0);
		stktable_data_get(t, ts, dt, idx, &v);
		break;
	case OP_CLR:
		stktable_data_get(t, ts, dt, idx, &v);
		stktable_data_set(t, ts, dt, idx, 0);
		stktable_touch_local(t, ts, 0);
		break;
	default:
		stktable_data_get(t, ts, dt, idx, &v);
		break;
	}
	sample_set_sint(smp, (int64_t)(v >> m->shift));
	return 1;
}

/* The client address of <ctx>'s stream as a key of <t>. */
static int src_key(const struct sample_ctx *ctx, struct stktable *t, void *buf, struct stktable_key *key)
{
	struct stream *s = ctx ? ctx->strm : NULL;
	const struct sockaddr *sa;
	struct sample smp;

	if (!s)
		return 0;
	memset(&smp, 0, sizeof(smp));
	sa = addr_sa(&s->cli_addr);
	if (sa->sa_family == AF_INET) {
		smp.data.type = SMP_T_IPV4;
		smp.data.u.ipv4 = ((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		smp.data.type = SMP_T_IPV6;
		smp.data.u.ipv6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	} else {
		return 0;
	}
	return stkctr_smp_to_key(t, &smp, buf, key);
}

static int smp_fetch_sc(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct sc_kw_ctx *k = smp->kw_private;
	const struct sc_metric *m = k->m;
	struct stream *s = ctx ? ctx->strm : NULL;
	unsigned char keybuf[STKTABLE_MAX_KEY_LEN + 16];
	struct stktable *t = NULL, *want = NULL;
	struct stktable_key key;
	struct stksess *ts;
	unsigned int idx = 0;
	int a = 0, ctr = k->ctr, ret;

	if (m->array)
		idx = (unsigned int)args[a++].data.sint;
	if (k->form == FORM_SC)
		ctr = (int)args[a++].data.sint;
	if (args[a].type == SMP_ARGT_STR) {
		want = proxy_table_find(args[a].data.str.ptr);
		if (!want)
			return 0;
	}
	if (!s)
		return 0;
	if (k->form == FORM_SRC) {
		t = want ? want : s->fe->table;
		if (!t || !src_key(ctx, t, keybuf, &key))
			return 0;
		ts = stktable_lookup_noexp(t, &key);
		ret = apply(m, t, ts, idx, smp);
		if (ts)
			stktable_release(t, ts);
		return ret;
	}
	if (ctr < 0 || ctr >= GLOBAL_MAX_STICKCTR || !(s->sc.tracked & (1U << ctr))) {
		if (m->op == OP_TRACKED) {
			sample_set_bool(smp, 0);
			return 1;
		}
		return 0;
	}
	t = s->sc.c[ctr].table;
	if (m->op == OP_TRACKED) {
		sample_set_bool(smp, !want || want == t);
		return 1;
	}
	if (!want || want == t)
		return apply(m, t, s->sc.c[ctr].entry, idx, smp);
	/* another table: look the tracked key up there */
	if (want->def.type != t->def.type || want->key_size != t->key_size)
		return 0;
	key.ptr = stksess_key(s->sc.c[ctr].entry);
	key.len = t->key_size;
	ts = stktable_lookup_noexp(want, &key);
	ret = apply(m, want, ts, idx, smp);
	if (ts)
		stktable_release(want, ts);
	return ret;
}

static int smp_conv_table(const struct sample_arg *args, struct sample *smp, void *private);

/* The table a converter's argument names, or for an absent name the
 * table of the proxy the expression was declared in (an SMP_ARGT_OBJ set
 * by conv_table_check()).
 */
static struct stktable *conv_table(const struct sample_arg *arg)
{
	if (arg->type == SMP_ARGT_OBJ)
		return ((const struct proxy *)arg->data.obj.ptr)->table;
	return arg->type == SMP_ARGT_STR ? proxy_table_find(arg->data.str.ptr) : NULL;
}

/* check_kw of the table converters: an absent table name means the table
 * of the proxy being parsed (HAProxy's default), kept as that proxy.
 */
static int conv_table_check(const struct sample_conv_kw *kw, struct sample_arg *args, char **err)
{
	/* table_<metric>: the table follows the element index of array metrics;
	 * in_table, table_expire, table_idle: it comes first
	 */
	const struct sc_metric *m = kw->fn == smp_conv_table ? kw->private : NULL;
	struct sample_arg *t = &args[m && m->array ? 1 : 0];

	if (t->type != SMP_ARGT_STOP)
		return 0;
	if (!proxy_parsing)
		return err_set(err, "'%s' needs a table name outside proxy sections", kw->name);
	t->type = SMP_ARGT_OBJ;
	t->data.obj.ptr = proxy_parsing;
	t->data.obj.free = NULL;
	return 0;
}

static int smp_conv_table(const struct sample_arg *args, struct sample *smp, void *private)
{
	const struct sc_metric *m = private;
	unsigned char keybuf[STKTABLE_MAX_KEY_LEN + 16];
	struct stktable_key key;
	struct stktable *t;
	struct stksess *ts;
	unsigned int idx = 0;
	int a = 0, ret;

	if (m->array)
		idx = (unsigned int)args[a++].data.sint;
	t = conv_table(&args[a]);
	if (!t || !stkctr_smp_to_key(t, smp, keybuf, &key))
		return 0;
	/* table_inc_gpc*, table_clr_gpc*: an absent key gets its entry */
	if (m->op == OP_INC || m->op == OP_CLR)
		ts = stktable_get_or_create(t, &key, NULL);
	else
		ts = stktable_lookup_noexp(t, &key);
	ret = apply(m, t, ts, idx, smp);
	if (ts)
		stktable_release(t, ts);
	return ret;
}

/* in_table([<table>]): whether the input key has an entry. */
static int smp_conv_in_table(const struct sample_arg *args, struct sample *smp, void *private)
{
	unsigned char keybuf[STKTABLE_MAX_KEY_LEN + 16];
	struct stktable_key key;
	struct stktable *t;
	struct stksess *ts;

	t = conv_table(&args[0]);
	if (!t || !stkctr_smp_to_key(t, smp, keybuf, &key))
		return 0;
	ts = stktable_lookup_noexp(t, &key);
	if (ts)
		stktable_release(t, ts);
	sample_set_bool(smp, ts != NULL);
	return 1;
}

/* table_expire(<table>[,<default>]) (private NULL), table_idle(...)
 * (private non-NULL): the ms before the input key's entry expires, or
 * since it was last touched; <default> when the key has no entry, else
 * no sample.
 */
static int smp_conv_table_time(const struct sample_arg *args, struct sample *smp, void *private)
{
	unsigned char keybuf[STKTABLE_MAX_KEY_LEN + 16];
	struct stktable_key key;
	struct stktable *t = conv_table(&args[0]);
	struct stksess *ts;
	uint32_t exp, left;

	if (!t || !stkctr_smp_to_key(t, smp, keybuf, &key))
		return 0;
	ts = stktable_lookup_noexp(t, &key);
	if (!ts) {
		if (args[1].type != SMP_ARGT_SINT)
			return 0;
		sample_set_sint(smp, args[1].data.sint);
		return 1;
	}
	exp = stksess_expire(ts);
	stktable_release(t, ts);
	left = tick_isset(exp) ? tick_remain(now_ms, exp) : 0;
	if (private)
		sample_set_sint(smp, tick_isset(exp) && left <= t->def.expire ? t->def.expire - left : 0);
	else
		sample_set_sint(smp, left);
	return 1;
}

static struct sample_conv_kw_list in_table_kws = { .kw = {
	{ "in_table", smp_conv_in_table, SMP_ARG1(0, STR), NULL, SMP_T_ANY, SMP_T_BOOL, NULL, conv_table_check },
	{ "table_expire", smp_conv_table_time, SMP_ARG2(0, STR, SINT), NULL, SMP_T_ANY, SMP_T_SINT, NULL, conv_table_check },
	{ "table_idle", smp_conv_table_time, SMP_ARG2(0, STR, SINT), NULL, SMP_T_ANY, SMP_T_SINT, (void *)1, conv_table_check },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

/* ---- keys and tables ---- */

/* check of fetches taking an optional table: absent, the table of the
 * proxy being parsed (kept as that proxy, read by conv_table()).
 */
static int fetch_table_check(struct sample_arg *args, char **err)
{
	if (args[0].type != SMP_ARGT_STOP)
		return 0;
	if (!proxy_parsing)
		return err_set(err, "a table name is needed outside proxy sections");
	args[0].type = SMP_ARGT_OBJ;
	args[0].data.obj.ptr = proxy_parsing;
	args[0].data.obj.free = NULL;
	return 0;
}

/* sc_key(<ctr>) (private NULL), scN_key (private N + 1): the key of the
 * entry the counter tracks, in the table's key type.
 */
static int smp_sc_key(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx ? ctx->strm : NULL;
	int ctr = smp->kw_private ? (int)(uintptr_t)smp->kw_private - 1 : (int)args[0].data.sint;
	const struct stktable *t;
	const unsigned char *k;
	uint32_t u;

	if (!s || ctr < 0 || ctr >= GLOBAL_MAX_STICKCTR || !(s->sc.tracked & (1U << ctr)))
		return 0;
	t = s->sc.c[ctr].table;
	k = stksess_key(s->sc.c[ctr].entry);
	switch (t->def.type) {
	case STKTABLE_KEY_IP:
		smp->data.type = SMP_T_IPV4;
		memcpy(&smp->data.u.ipv4, k, 4);
		return 1;
	case STKTABLE_KEY_IPV6:
		smp->data.type = SMP_T_IPV6;
		memcpy(&smp->data.u.ipv6, k, 16);
		return 1;
	case STKTABLE_KEY_INTEGER:
		memcpy(&u, k, 4);
		sample_set_sint(smp, u);
		return 1;
	case STKTABLE_KEY_STRING:
		sample_set_str(smp, (const char *)k, strnlen((const char *)k, t->key_size));
		return 1;
	default:
		sample_set_bin(smp, k, t->key_size);
		return 1;
	}
}

/* table_avl (private NULL), table_cnt: free and used entries. */
static int smp_table_count(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stktable *t = conv_table(&args[0]);
	struct stktable_stats st;

	if (!t)
		return 0;
	stktable_get_stats(t, &st);
	if (smp->kw_private)
		sample_set_sint(smp, (int64_t)st.used);
	else
		sample_set_sint(smp, st.size > st.used ? (int64_t)(st.size - st.used) : 0);
	return 1;
}

/* src_updt_conn_cnt([<table>]): counts a connection on the client
 * address' entry (created if absent) and returns the new count; no sample
 * when the table does not store conn_cnt.
 */
static int smp_src_updt_conn_cnt(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	unsigned char keybuf[STKTABLE_MAX_KEY_LEN + 16];
	struct stktable *t = conv_table(&args[0]);
	struct stktable_key key;
	struct stksess *ts;
	uint64_t v = 0;

	if (!t || !t->data_ofs[STKTABLE_DT_CONN_CNT] || !src_key(ctx, t, keybuf, &key))
		return 0;
	ts = stktable_get_or_create(t, &key, NULL);
	if (!ts)
		return 0;
	stktable_data_add(t, ts, STKTABLE_DT_CONN_CNT, 0, 1);
	stktable_data_get(t, ts, STKTABLE_DT_CONN_CNT, 0, &v);
	stktable_touch_local(t, ts, 1);
	sample_set_sint(smp, (int64_t)v);
	return 1;
}

static struct sample_fetch_kw_list table_fetch_kws = { .kw = {
	{ "sc_key", smp_sc_key, SMP_ARG1(1, SINT), NULL, SMP_T_ANY, SMP_USE_ANY },
	{ "sc0_key", smp_sc_key, SMP_ARG0, NULL, SMP_T_ANY, SMP_USE_ANY, (void *)1 },
	{ "sc1_key", smp_sc_key, SMP_ARG0, NULL, SMP_T_ANY, SMP_USE_ANY, (void *)2 },
	{ "sc2_key", smp_sc_key, SMP_ARG0, NULL, SMP_T_ANY, SMP_USE_ANY, (void *)3 },
	{ "table_avl", smp_table_count, SMP_ARG1(0, STR), fetch_table_check, SMP_T_SINT, SMP_USE_ANY },
	{ "table_cnt", smp_table_count, SMP_ARG1(0, STR), fetch_table_check, SMP_T_SINT, SMP_USE_ANY, (void *)1 },
	{ "src_updt_conn_cnt", smp_src_updt_conn_cnt, SMP_ARG1(0, STR), fetch_table_check, SMP_T_SINT, SMP_USE_ANY },
	{ NULL, NULL, 0, NULL, 0, 0 },
} };

/* ---- keyword generation ---- */

#define NFORMS (2 + 3)   /* sc_, src_, sc0_..sc2_ */
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

static uint64_t fetch_args(const struct sc_metric *m, enum sc_form form)
{
	/* [idx,] [ctr,] [table] */
	if (form == FORM_SC)
		return m->array ? SMP_ARG3(2, SINT, SINT, STR) : SMP_ARG2(1, SINT, STR);
	return m->array ? SMP_ARG2(1, SINT, STR) : SMP_ARG1(0, STR);
}

__attribute__((constructor)) static void fetch_stkctr_register(void)
{
	struct sample_fetch_kw_list *fl;
	struct sample_conv_kw_list *cl;
	struct sc_kw_ctx *ctxs;
	size_t nf = 0, nc = 0;

	fl = calloc(1, sizeof(*fl) + (NMETRICS * NFORMS + 1) * sizeof(fl->kw[0]));
	cl = calloc(1, sizeof(*cl) + (NMETRICS + 1) * sizeof(cl->kw[0]));
	ctxs = calloc(NMETRICS * NFORMS, sizeof(*ctxs));
	if (!fl || !cl || !ctxs)
		return;   /* keywords missing: configurations using them fail to parse */
	for (size_t i = 0; i < NMETRICS; i++) {
		const struct sc_metric *m = &metrics[i];

		for (int f = 0; f < NFORMS && m->name; f++) {
			enum sc_form form = f == 0 ? FORM_SC : f == 1 ? FORM_SRC : FORM_SCN;
			struct sample_fetch_kw *kw = &fl->kw[nf];
			struct sc_kw_ctx *c = &ctxs[nf];
			char name[64];

			if (form == FORM_SRC && m->op == OP_TRACKED)
				continue;
			if (form == FORM_SC)
				snprintf(name, sizeof(name), "sc_%s", m->name);
			else if (form == FORM_SRC)
				snprintf(name, sizeof(name), "src_%s", m->name);
			else
				snprintf(name, sizeof(name), "sc%d_%s", f - 2, m->name);
			c->m = m;
			c->form = form;
			c->ctr = form == FORM_SCN ? f - 2 : -1;
			kw->name = strdup(name);
			kw->fn = smp_fetch_sc;
			kw->arg_mask = fetch_args(m, form);
			kw->out_type = m->op == OP_TRACKED ? SMP_T_BOOL : SMP_T_SINT;
			kw->use = SMP_USE_ANY;
			kw->private = c;
			nf++;
		}
		if (m->tname) {
			struct sample_conv_kw *kw = &cl->kw[nc++];
			char name[64];

			snprintf(name, sizeof(name), "table_%s", m->tname);
			kw->name = strdup(name);
			kw->fn = smp_conv_table;
			kw->arg_mask = m->array ? SMP_ARG2(1, SINT, STR) : SMP_ARG1(0, STR);
			kw->check_kw = conv_table_check;
			kw->in_type = SMP_T_ANY;
			kw->out_type = SMP_T_SINT;
			kw->private = (void *)m;
		}
	}
	sample_register_fetches(fl);
	sample_register_convs(cl);
	sample_register_convs(&in_table_kws);
	sample_register_fetches(&table_fetch_kws);
}
