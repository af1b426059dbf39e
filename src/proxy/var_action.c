/*
 * set-var, set-var-fmt and unset-var for every rule set. See var_action.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/errmsg.h>
#include <tollgate/logformat.h>
#include <tollgate/sample.h>
#include <tollgate/var_action.h>

static const struct {
	const char *prefix;          /* action word up to its '(' */
	enum var_act_type type;
} var_actions[] = {
	{ "set-var(",     VAR_ACT_SET },
	{ "set-var-fmt(", VAR_ACT_SET_FMT },
	{ "unset-var(",   VAR_ACT_UNSET },
};

enum var_act_type var_action_type(const char *word)
{
	for (size_t i = 0; i < sizeof(var_actions) / sizeof(var_actions[0]); i++)
		if (!strncmp(word, var_actions[i].prefix, strlen(var_actions[i].prefix)))
			return var_actions[i].type;
	return VAR_ACT_NONE;
}

#define COND_LIST " (expected ifexists, ifnotexists, ifset, ifnotset, ifempty, ifnotempty, ifgt or iflt)"

/* The VAR_C_* flag of the condition word <c> (<cl> bytes), or 0. */
static unsigned int var_cond_flag(const char *c, size_t cl)
{
	static const struct {
		const char *name;
		unsigned int flag;
	} conds[] = {
		{ "ifexists", VAR_C_IFEXISTS }, { "ifnotexists", VAR_C_IFNOTEXISTS },
		{ "ifset", VAR_C_IFEXISTS }, { "ifnotset", VAR_C_IFNOTEXISTS },
		{ "ifempty", VAR_C_IFEMPTY }, { "ifnotempty", VAR_C_IFNOTEMPTY },
		{ "ifgt", VAR_C_IFGT }, { "iflt", VAR_C_IFLT },
	};

	for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
		if (strlen(conds[i].name) == cl && !memcmp(c, conds[i].name, cl))
			return conds[i].flag;
	return 0;
}

int var_action_parse(struct var_action *va, unsigned int where, int argc, char **args, int *pos,
		     char **err)
{
	const char *a = args[(*pos)++];
	const char *paren = strchr(a, '(');
	size_t len = paren ? strlen(paren) : 0;
	char *why = NULL;

	memset(va, 0, sizeof(*va));
	va->type = var_action_type(a);
	if (va->type == VAR_ACT_NONE || len < 3 || paren[len - 1] != ')') {
		err_set(err, "'%s' : expected %.*s(<scope>.<name>).", a,
			(int)(paren ? (size_t)(paren - a) : strlen(a)), a);
		return -1;
	}
	{
		/* "(<var>[,<cond>...])" */
		const char *comma = memchr(paren + 1, ',', len - 2);
		size_t nlen = comma ? (size_t)(comma - paren - 1) : len - 2;

		if (var_parse_name(paren + 1, nlen, &va->var, &why) < 0)
			goto fail;
		while (comma && comma < paren + len - 1) {
			const char *c = comma + 1, *end = memchr(c, ',', (size_t)(paren + len - 1 - c));
			size_t cl;
			unsigned int flag;

			if (!end)
				end = paren + len - 1;
			cl = (size_t)(end - c);
			flag = var_cond_flag(c, cl);
			if (!flag || va->type == VAR_ACT_UNSET) {
				err_set(err, "'%s' : %s '%.*s'%s.", a, flag ? "no condition on unset-var, got" : "unknown condition",
					(int)cl, c, flag ? "" : COND_LIST);
				return -1;
			}
			va->conds |= flag;
			comma = end;
		}
	}
	if (va->type == VAR_ACT_UNSET)
		return 0;
	if (*pos >= argc || !strcmp(args[*pos], "if") || !strcmp(args[*pos], "unless")) {
		err_set(err, "'%s' expects %s.", a,
			va->type == VAR_ACT_SET ? "a sample expression" : "a log-format string");
		return -1;
	}
	if (va->type == VAR_ACT_SET) {
		if (sample_parse_expr(args[*pos], where, &va->expr, &why) < 0)
			goto fail;
	} else {
		va->lf = logformat_parse(args[*pos], where, &why);
		if (!va->lf)
			goto fail;
	}
	(*pos)++;
	return 0;
fail:
	err_set(err, "'%s' : %s", a, why ? why : "out of memory");
	free(why);
	var_action_free(va);
	return -1;
}

/* Whether the conditions of <va> let <new> be stored. */
static int var_conds_hold(const struct var_action *va, const struct sample_ctx *ctx, const struct sample_data *new)
{
	struct sample_data cur;
	int exists, empty;

	if (!va->conds)
		return 1;
	exists = vars_get(&va->var, ctx, &cur);
	empty = (new->type == SMP_T_STR || new->type == SMP_T_BIN) && !new->u.str.len;
	if (((va->conds & VAR_C_IFEXISTS) && !exists) || ((va->conds & VAR_C_IFNOTEXISTS) && exists) ||
	    ((va->conds & VAR_C_IFEMPTY) && !empty) || ((va->conds & VAR_C_IFNOTEMPTY) && empty))
		return 0;
	/* ifgt/iflt compare integers only; anything else passes, as HAProxy */
	if (exists && cur.type == SMP_T_SINT && new->type == SMP_T_SINT &&
	    (((va->conds & VAR_C_IFGT) && !(cur.u.sint > new->u.sint)) ||
	     ((va->conds & VAR_C_IFLT) && !(cur.u.sint < new->u.sint))))
		return 0;
	return 1;
}

void var_action_exec(const struct var_action *va, struct stream *s, const struct sample_ctx *ctx)
{
	struct sample smp;

	switch (va->type) {
	case VAR_ACT_SET:
		memset(&smp, 0, sizeof(smp));
		if (sample_eval(va->expr, ctx, &smp) && var_conds_hold(va, ctx, &smp.data))
			vars_set(&va->var, ctx, &smp.data);
		break;
	case VAR_ACT_SET_FMT: {
		char buf[VAR_ARENA_SIZE + 1];   /* not the scratch area: the format's samples use it */
		size_t n = logformat_render_ctx(va->lf, ctx, buf, sizeof(buf));

		sample_set_str(&smp, buf, n);
		if (var_conds_hold(va, ctx, &smp.data))
			vars_set(&va->var, ctx, &smp.data);
		break;
	}
	case VAR_ACT_UNSET:
		vars_unset(&va->var, ctx);
		break;
	case VAR_ACT_NONE:
		break;
	}
}

int var_set_global(const char *name, const char *value, int fmt, char **err)
{
	struct var_action va = { .type = fmt ? VAR_ACT_SET_FMT : VAR_ACT_SET };
	struct sample_ctx ctx = { .opt = SMP_OPT_FINAL };
	char *why = NULL;

	if (var_parse_name(name, strlen(name), &va.var, &why) < 0)
		goto fail;
	if (va.var.scope != VAR_SCOPE_PROC) {
		err_set(err, "variable '%s': only the 'proc' scope can be set here (global section, admin socket)", name);
		return -1;
	}
	if (fmt)
		va.lf = logformat_parse(value, 0, &why);
	else if (sample_parse_expr(value, 0, &va.expr, &why) < 0)
		va.expr = NULL;
	if (!va.lf && !va.expr)
		goto fail;
	var_action_exec(&va, NULL, &ctx);
	var_action_free(&va);
	return 0;
fail:
	err_set(err, "%s", why ? why : "out of memory");
	free(why);
	return -1;
}

void var_action_free(struct var_action *va)
{
	if (va->expr)
		sample_free_expr(va->expr);
	if (va->lf)
		logformat_free(va->lf);
	va->expr = NULL;
	va->lf = NULL;
}

/* ---- the converters set-var(<var>[,<cond>...]) and unset-var(<var>) ---- */

static void conv_var_free(void *obj)
{
	free(obj);
}

/* Replaces args[0] (the variable's name) by a struct var_action holding
 * it and the conditions args[1..4] (set-var only).
 */
static int conv_var_check(struct sample_arg *args, char **err)
{
	struct var_action *va = calloc(1, sizeof(*va));
	char *why = NULL;

	if (!va)
		return err_set(err, "out of memory");
	if (var_parse_name(args[0].data.str.ptr, strlen(args[0].data.str.ptr), &va->var, &why) < 0) {
		err_set(err, "%s", why ? why : "out of memory");
		free(why);
		free(va);
		return -1;
	}
	for (int i = 1; i < 5 && args[i].type == SMP_ARGT_STR; i++) {
		unsigned int flag = var_cond_flag(args[i].data.str.ptr, strlen(args[i].data.str.ptr));

		if (!flag) {
			err_set(err, "unknown condition '%s'%s", args[i].data.str.ptr, COND_LIST);
			free(va);
			return -1;
		}
		va->conds |= flag;
	}
	free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_OBJ;
	args[0].data.obj.ptr = va;
	args[0].data.obj.free = conv_var_free;
	return 0;
}

/* set-var: stores the sample when the conditions hold and passes it on;
 * no sample otherwise (as HAProxy).
 */
static int conv_set_var(const struct sample_arg *args, struct sample *smp, void *private)
{
	const struct var_action *va = args[0].data.obj.ptr;

	if (!smp->ctx || !var_conds_hold(va, smp->ctx, &smp->data))
		return 0;
	return vars_set(&va->var, smp->ctx, &smp->data) >= 0;
}

/* unset-var: removes the variable, passes the sample on. */
static int conv_unset_var(const struct sample_arg *args, struct sample *smp, void *private)
{
	const struct var_action *va = args[0].data.obj.ptr;

	if (smp->ctx)
		vars_unset(&va->var, smp->ctx);
	return 1;
}

static struct sample_conv_kw_list var_convs = { .kw = {
	{ "set-var",   conv_set_var,   SMP_ARG5(1, STR, STR, STR, STR, STR), conv_var_check, SMP_T_ANY, SMP_T_ANY, NULL },
	{ "unset-var", conv_unset_var, SMP_ARG1(1, STR),                     conv_var_check, SMP_T_ANY, SMP_T_ANY, NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void var_convs_register(void)
{
	sample_register_convs(&var_convs);
}
