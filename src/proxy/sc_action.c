/*
 * Stick-counter actions of tcp-request and http rules: parsing, table
 * resolution, execution. See sc_action.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/errmsg.h>
#include <tollgate/global.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/sc_action.h>
#include <tollgate/stkctr.h>
#include <tollgate/stktable.h>
#include <tollgate/stream-t.h>

enum sc_act_type sc_action_type(const char *w)
{
	if (!strncmp(w, "track-sc", 8))
		return SC_ACT_TRACK;
	if (!strncmp(w, "sc-inc-gpc0", 11) || !strncmp(w, "sc-inc-gpc1", 11) || !strncmp(w, "sc-inc-gpc(", 11))
		return SC_ACT_INC_GPC;
	if (!strncmp(w, "sc-set-gpt0(", 12) || !strncmp(w, "sc-set-gpt(", 11))
		return SC_ACT_SET_GPT;
	if (!strncmp(w, "sc-add-gpc(", 11))
		return SC_ACT_ADD_GPC;
	return SC_ACT_NONE;
}

static int is_cond_word(const char *w)
{
	return !strcmp(w, "if") || !strcmp(w, "unless");
}

/* Parses "(<a>)" (<want> 1) or "(<a>,<b>)" (<want> 2), the whole of <s>,
 * into <a>, <b>. Returns 0 or -1.
 */
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

/* Parses sample expression <text> of action <act> for <where> into *<expr>. */
static int parse_expr(const char *text, unsigned int where, struct sample_expr **expr, const char *act,
                      char **err)
{
	char *why = NULL;
	int ret = 0;

	if (sample_parse_expr(text, where, expr, &why) < 0)
		ret = err_set(err, "'%s' : %s", act, why ? why : "invalid sample expression");
	free(why);
	return ret;
}

/* track-sc<N> <expr> [table <name>], from the word after the action. */
static int parse_track(struct sc_action *a, const char *w, unsigned int where, int argc, char **args, int *pos,
                       char **err)
{
	char *end;
	long n = strtol(w + 8, &end, 10);

	if (end == w + 8 || *end || n < 0 || n >= (long)global.stick_counters)
		return err_set(err, "'%s' : stick counter number must be from 0 to %u (tune.stick-counters).",
		               w, global.stick_counters - 1);
	a->sc = (unsigned int)n;
	if (*pos >= argc || is_cond_word(args[*pos]))
		return err_set(err, "'%s' expects a sample expression (e.g. 'src').", w);
	if (parse_expr(args[(*pos)++], where, &a->expr, w, err) < 0)
		return -EINVAL;
	if (*pos < argc && !strcmp(args[*pos], "table")) {
		if (*pos + 1 >= argc)
			return err_set(err, "'%s' : 'table' expects a table name.", w);
		if (!(a->table_name = strdup(args[*pos + 1]))) {
			err_set(err, "out of memory");
			return -ENOMEM;
		}
		*pos += 2;
	}
	return 0;
}

/* sc-inc-gpc0(<N>), sc-inc-gpc1(<N>), sc-inc-gpc(<idx>,<N>). */
static int parse_inc_gpc(struct sc_action *a, const char *w, char **err)
{
	long x = 0, y = 0;

	if (w[10] != '(') {
		if (paren_ints(w + 11, 1, &x, &y) < 0 || x < 0 || x >= (long)global.stick_counters)
			return err_set(err, "'%s' : expected %.11s(<sc-id>) with a stick counter from 0 to %u.",
			               w, w, global.stick_counters - 1);
		a->sc = (unsigned int)x;
		a->dt = w[10] == '0' ? STKTABLE_DT_GPC0 : STKTABLE_DT_GPC1;
		return 0;
	}
	if (paren_ints(w + 10, 2, &x, &y) < 0 || x < 0 || x >= STKTABLE_MAX_DT_ARRAY ||
	    y < 0 || y >= (long)global.stick_counters)
		return err_set(err, "'%s' : expected sc-inc-gpc(<idx>,<sc-id>).", w);
	a->dt = STKTABLE_DT_GPC;
	a->idx = (unsigned int)x;
	a->sc = (unsigned int)y;
	return 0;
}

/* sc-set-gpt(<idx>,<N>) / sc-set-gpt0(<N>) / sc-add-gpc(<idx>,<N>) <int|expr>. */
static int parse_set_gpt(struct sc_action *a, const char *w, unsigned int where, int argc, char **args, int *pos,
                         char **err)
{
	int add = a->type == SC_ACT_ADD_GPC, arr = w[10] == '(';
	long x = 0, y = 0;
	char *end;
	long long v;

	if (paren_ints(w + (arr ? 10 : 11), arr ? 2 : 1, &x, &y) < 0)
		return err_set(err, "'%s' : expected %s.", w, add ? "sc-add-gpc(<idx>,<sc-id>)" :
		               arr ? "sc-set-gpt(<idx>,<sc-id>)" : "sc-set-gpt0(<sc-id>)");
	a->dt = add ? STKTABLE_DT_GPC : arr ? STKTABLE_DT_GPT : STKTABLE_DT_GPT0;
	a->idx = arr ? (unsigned int)x : 0;
	a->sc = (unsigned int)(arr ? y : x);
	if (x < 0 || y < 0 || a->sc >= global.stick_counters || a->idx >= STKTABLE_MAX_DT_ARRAY)
		return err_set(err, "'%s' : index or stick counter out of range.", w);
	if (*pos >= argc || is_cond_word(args[*pos]))
		return err_set(err, "'%s' expects an integer or a sample expression.", w);
	v = strtoll(args[*pos], &end, 10);
	if (!*end && end != args[*pos])
		a->value = v;
	else if (parse_expr(args[*pos], where, &a->expr, w, err) < 0)
		return -EINVAL;
	(*pos)++;
	return 0;
}

int sc_action_parse(struct sc_action *a, unsigned int where, int argc, char **args, int *pos, char **err)
{
	const char *w = args[(*pos)++];

	a->type = sc_action_type(w);
	a->txn_scope = (where & (SMP_USE_HTTP_REQ | SMP_USE_HTTP_RES)) != 0;
	switch (a->type) {
	case SC_ACT_TRACK:
		return parse_track(a, w, where, argc, args, pos, err);
	case SC_ACT_INC_GPC:
		return parse_inc_gpc(a, w, err);
	case SC_ACT_SET_GPT:
	case SC_ACT_ADD_GPC:
		return parse_set_gpt(a, w, where, argc, args, pos, err);
	case SC_ACT_NONE:
		break;
	}
	return err_set(err, "'%s' is not a stick-counter action.", w);
}

struct stktable *sc_table_resolve(struct proxy *px, const char *name, const char *what, char *msg,
                                  size_t room)
{
	struct stktable *t = name ? proxy_table_find(name) : px->table;

	if (t)
		return t;
	if (name)
		snprintf(msg, room, "%s '%s': '%s' refers to unknown table '%s'.", proxy_kind(px), px->id, what, name);
	else
		snprintf(msg, room, "%s '%s': '%s' needs a table: add a 'stick-table' to this section or 'table <name>'.",
		         proxy_kind(px), px->id, what);
	return NULL;
}

int sc_action_resolve(struct sc_action *a, struct proxy *px, const char *what, char *msg, size_t room)
{
	if (a->type != SC_ACT_TRACK)
		return 0;
	a->table = sc_table_resolve(px, a->table_name, what, msg, room);
	return a->table ? 0 : -ENOENT;
}

int sc_expr_key(const struct sample_expr *expr, const struct sample_ctx *ctx, struct stktable *t, void *buf,
                struct stktable_key *key)
{
	struct sample smp;

	memset(&smp, 0, sizeof(smp));
	if (!sample_eval(expr, ctx, &smp))
		return 0;
	return stkctr_smp_to_key(t, &smp, buf, key);
}

int sc_action_exec(const struct sc_action *a, struct stream *s, const struct sample_ctx *ctx)
{
	unsigned char keybuf[STKTABLE_MAX_KEY_LEN + 16];
	struct stktable_key key;
	struct sample smp;
	long long v;

	switch (a->type) {
	case SC_ACT_TRACK:
		if (!a->table || (s->sc.tracked & (1U << a->sc)))
			return 0;
		if (!sc_expr_key(a->expr, ctx, a->table, keybuf, &key))
			return 0;
		/* tcp-request content rules of an HTTP request (ctx->txn) track
		 * for that request only, as HAProxy's streams do
		 */
		return stkctr_track(&s->sc, a->sc, a->table, &key,
		                    a->txn_scope || ctx->txn ? STKCTR_OWN_TXN : STKCTR_OWN_SESS) == 0;
	case SC_ACT_INC_GPC:
		stkctr_inc_gpc(&s->sc.c[a->sc], a->dt, a->idx, 1);
		return 0;
	case SC_ACT_SET_GPT:
	case SC_ACT_ADD_GPC:
		v = a->value;
		if (a->expr) {
			memset(&smp, 0, sizeof(smp));
			if (!sample_eval(a->expr, ctx, &smp) || !sample_cast(&smp, SMP_T_SINT))
				return 0;
			v = smp.data.u.sint;
		}
		if (a->type == SC_ACT_SET_GPT)
			stkctr_set_gpt(&s->sc.c[a->sc], a->dt, a->idx, (uint32_t)v);
		else if (v >= 0 && v <= UINT32_MAX)   /* unsigned 32-bit values only, as HAProxy */
			stkctr_inc_gpc(&s->sc.c[a->sc], a->dt, a->idx, (uint32_t)v);
		return 0;
	case SC_ACT_NONE:
		break;
	}
	return 0;
}

void sc_action_free(struct sc_action *a)
{
	sample_free_expr(a->expr);
	a->expr = NULL;
	free(a->table_name);
	a->table_name = NULL;
}
