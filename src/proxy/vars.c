/*
 * Variables of every scope (proc, sess, txn, req, res). See vars.h.
 *
 * Storage of one store: replacing a string variable removes its old bytes
 * and moves those after them down, so the arena never fills up from
 * rewrites alone; an unset variable's bytes are removed the same way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/check.h>
#include <tollgate/errmsg.h>
#include <tollgate/global.h>
#include <tollgate/http_txn.h>
#include <tollgate/lock.h>
#include <tollgate/sample.h>
#include <tollgate/stream-t.h>
#include <tollgate/vars.h>

static const char *const var_scope_names[] = {
	[VAR_SCOPE_PROC] = "proc",
	[VAR_SCOPE_SESS] = "sess",
	[VAR_SCOPE_TXN]  = "txn",
	[VAR_SCOPE_REQ]  = "req",
	[VAR_SCOPE_RES]  = "res",
	[VAR_SCOPE_CHECK] = "check",
};

int var_parse_name(const char *text, size_t len, struct var_ref *ref, char **err)
{
	const char *dot = memchr(text, '.', len);
	size_t slen = dot ? (size_t)(dot - text) : len;
	int scope = -1;

	for (size_t i = 0; i < sizeof(var_scope_names) / sizeof(var_scope_names[0]); i++)
		if (strlen(var_scope_names[i]) == slen && !memcmp(text, var_scope_names[i], slen))
			scope = (int)i;
	if (!dot || scope < 0)
		return err_set(err, "variable '%.*s' must be named '<scope>.<name>' with a scope among proc, sess, txn, req, res and check",
			       (int)len, text);
	if (len == slen + 1)
		return err_set(err, "variable '%.*s' has an empty name after '%.*s.'", (int)len, text, (int)slen, text);
	if (len >= VAR_NAME_SIZE)
		return err_set(err, "variable '%.*s': name longer than %d characters", (int)len, text, VAR_NAME_SIZE - 1);
	for (size_t i = slen + 1; i < len; i++) {
		char c = text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.'))
			return err_set(err, "variable '%.*s': invalid character '%c' (expected letters, digits, '_' and '.')",
				       (int)len, text, c);
	}
	ref->scope = (enum var_scope)scope;
	ref->len = len;
	memcpy(ref->name, text, len);
	ref->name[len] = '\0';
	return 0;
}

/* ---- one store ---- */

static int var_has_bytes(int t)
{
	return t == SMP_T_STR || t == SMP_T_BIN;
}

void var_store_init(struct var_store *st)
{
	st->vars = st->in_vars;
	st->cap = VAR_STORE_INLINE;
	st->arena = st->in_arena;
	st->arena_cap = VAR_ARENA_SIZE;
	st->nb = 0;
	st->arena_len = 0;
}

void var_store_reset(struct var_store *st)
{
	if (st->vars != st->in_vars)
		free(st->vars);
	if (st->arena != st->in_arena)
		free(st->arena);
	var_store_init(st);
}

/* Makes room for one more variable in <st>. Returns 0 or -ENOMEM. */
static int var_grow_vars(struct var_store *st)
{
	struct var *n;

	if (st->nb < st->cap)
		return 0;
	n = malloc((size_t)st->cap * 2 * sizeof(*n));
	if (!n)
		return -ENOMEM;
	memcpy(n, st->vars, (size_t)st->nb * sizeof(*n));
	if (st->vars != st->in_vars)
		free(st->vars);
	st->vars = n;
	st->cap *= 2;
	return 0;
}

/* Makes the arena of <st> hold at least <want> bytes, moving the values
 * to a larger heap area. Returns 0 or -ENOMEM.
 */
static int var_grow_arena(struct var_store *st, uint64_t want)
{
	uint64_t cap = st->arena_cap;
	char *n;

	if (want <= cap)
		return 0;
	while (cap < want)
		cap *= 2;
	if (cap > UINT32_MAX || !(n = malloc((size_t)cap)))
		return -ENOMEM;
	memcpy(n, st->arena, st->arena_len);
	for (unsigned int i = 0; i < st->nb; i++) {
		struct var *o = &st->vars[i];

		if (var_has_bytes(o->data.type))
			o->data.u.str.ptr = n + (o->data.u.str.ptr - st->arena);
	}
	if (st->arena != st->in_arena)
		free(st->arena);
	st->arena = n;
	st->arena_cap = (uint32_t)cap;
	return 0;
}

const struct var *var_store_get(const struct var_store *st, const char *name, size_t len)
{
	if (!st || len >= VAR_NAME_SIZE)
		return NULL;
	for (unsigned int i = 0; i < st->nb; i++) {
		const struct var *v = &st->vars[i];

		if (strncmp(v->name, name, len) == 0 && v->name[len] == '\0')
			return v;
	}
	return NULL;
}

/* Removes the arena bytes of <v> (a string or binary variable), moving the
 * bytes stored after them down and updating the variables that point there.
 */
static void var_release_bytes(struct var_store *st, struct var *v)
{
	char *start = (char *)v->data.u.str.ptr;
	size_t len = v->data.u.str.len;
	char *end = start + len, *arena_end = st->arena + st->arena_len;

	if (!len)
		return;
	memmove(start, end, (size_t)(arena_end - end));
	st->arena_len -= (uint32_t)len;
	for (unsigned int i = 0; i < st->nb; i++) {
		struct var *o = &st->vars[i];

		if (o != v && var_has_bytes(o->data.type) && o->data.u.str.ptr >= end)
			o->data.u.str.ptr -= len;
	}
	v->data.u.str.len = 0;
}

int var_store_set(struct var_store *st, const char *name, size_t len, const struct sample_data *data)
{
	struct var *v = (struct var *)var_store_get(st, name, len);
	const char *src = NULL;
	char *tmp = NULL;
	size_t need = 0, freed = 0;
	int ret;

	if (!len || len >= VAR_NAME_SIZE)
		return -EINVAL;
	if (!st->vars)
		var_store_init(st);   /* zeroed memory is an empty store too */
	if (data->type <= SMP_T_ANY || data->type >= SMP_TYPES || data->type == SMP_T_ADDR)
		return -EINVAL;
	if (!v && var_grow_vars(st) < 0)
		return -ENOMEM;
	if (var_has_bytes(data->type)) {
		src = data->u.str.ptr;
		need = data->u.str.len;
	}
	if (v && var_has_bytes(v->data.type))
		freed = v->data.u.str.len;

	/* the new value may be read from the arena itself (var(txn.a) stored
	 * into txn.b, or into txn.a): save it before the arena moves
	 */
	if (need && src >= st->arena && src < st->arena + st->arena_cap) {
		tmp = malloc(need);
		if (!tmp)
			return -ENOMEM;
		memcpy(tmp, src, need);
		src = tmp;
	}
	ret = var_grow_arena(st, (uint64_t)st->arena_len - freed + need);
	if (ret < 0) {
		free(tmp);
		return ret;
	}
	if (!v) {
		v = &st->vars[st->nb++];
		memcpy(v->name, name, len);
		v->name[len] = '\0';
	} else if (freed) {
		var_release_bytes(st, v);
	}
	v->data = *data;
	if (var_has_bytes(data->type)) {
		char *dst = st->arena + st->arena_len;

		if (need)
			memcpy(dst, src, need);
		v->data.u.str.ptr = dst;
		v->data.u.str.len = need;
		st->arena_len += (uint32_t)need;
	}
	free(tmp);
	return 0;
}

uint64_t var_store_size(const struct var_store *st, int reqres)
{
	uint64_t n = 0;

	if (!st || !st->vars)
		return 0;
	if (!reqres)
		return (uint64_t)st->nb * VAR_ACCT_SIZE + st->arena_len;
	for (unsigned int i = 0; i < st->nb; i++) {
		const struct var *v = &st->vars[i];

		if (strncmp(v->name, "req.", 4) && strncmp(v->name, "res.", 4))
			continue;
		n += VAR_ACCT_SIZE + (var_has_bytes(v->data.type) ? v->data.u.str.len : 0);
	}
	return n;
}

void var_store_unset(struct var_store *st, const char *name, size_t len)
{
	struct var *v = (struct var *)var_store_get(st, name, len);

	if (!v)
		return;
	if (var_has_bytes(v->data.type))
		var_release_bytes(st, v);
	memmove(v, v + 1, (size_t)(&st->vars[st->nb] - (v + 1)) * sizeof(*v));
	st->nb--;
}

void var_store_move_txn(struct var_store *from, struct var_store *to)
{
	/* from the end: removing one moves the last into its place */
	for (unsigned int i = from->nb; i-- > 0;) {
		const struct var *v = &from->vars[i];
		size_t len = strlen(v->name);

		if (strncmp(v->name, "txn.", 4) && strncmp(v->name, "req.", 4) && strncmp(v->name, "res.", 4))
			continue;
		var_store_set(to, v->name, len, &v->data);
		var_store_unset(from, v->name, len);
	}
}

/* ---- scopes ---- */

static struct var_store proc_vars;
static struct spinlock proc_lock;   /* protects proc_vars */

__attribute__((constructor)) static void vars_init(void)
{
	spin_init(&proc_lock, LOCK_VARS);
	var_store_init(&proc_vars);
}

/* The store of a health check's variables, allocated if <create>. */
static struct var_store *vars_check_store(struct check_smp *cs, int create)
{
	if (!cs->vars && create) {
		cs->vars = malloc(sizeof(*cs->vars));
		if (cs->vars)
			var_store_init(cs->vars);
	}
	return cs->vars;
}

/* The store of <scope> for <ctx>, allocating a stream's or a check's
 * store if <create>; NULL if there is none. Not for the proc scope.
 */
static struct var_store *vars_store(enum var_scope scope, const struct sample_ctx *ctx, int create)
{
	struct stream *s = ctx ? ctx->strm : NULL;
	struct http_txn *txn = ctx ? ctx->txn : NULL;

	if (ctx && ctx->chk && !s && !txn)
		return vars_check_store(ctx->chk, create);
	if (scope == VAR_SCOPE_CHECK)
		return NULL;
	if (scope != VAR_SCOPE_SESS && txn)
		return &txn->vars;
	if (!s)
		return NULL;
	if (!s->sess_vars && create) {
		s->sess_vars = malloc(sizeof(*s->sess_vars));
		if (s->sess_vars)
			var_store_init(s->sess_vars);
	}
	return s->sess_vars;
}

int vars_get(const struct var_ref *ref, const struct sample_ctx *ctx, struct sample_data *out)
{
	const struct var *v;

	if (ref->scope == VAR_SCOPE_PROC) {
		int ret = 0;

		spin_lock(&proc_lock);
		v = var_store_get(&proc_vars, ref->name, ref->len);
		if (v) {
			*out = v->data;
			if (var_has_bytes(v->data.type)) {
				char *copy = sample_scratch();

				if (out->u.str.len > SAMPLE_SCRATCH_SIZE)
					out->u.str.len = SAMPLE_SCRATCH_SIZE;   /* what a sample holds */
				memcpy(copy, v->data.u.str.ptr, out->u.str.len);
				out->u.str.ptr = copy;
			}
			ret = 1;
		}
		spin_unlock(&proc_lock);
		return ret;
	}
	v = var_store_get(vars_store(ref->scope, ctx, 0), ref->name, ref->len);
	if (!v)
		return 0;
	*out = v->data;
	return 1;
}

/* Whether any tune.vars.*-max-size limit is set. */
static int vars_limited(void)
{
	for (size_t i = 0; i < sizeof(global.vars_limit) / sizeof(global.vars_limit[0]); i++)
		if (global.vars_limit[i])
			return 1;
	return 0;
}

/* Whether <more> bytes more than <have> pass limit <lim> (tune.vars.*). */
static int vars_over(enum vars_lim lim, uint64_t have, int64_t more)
{
	return global.vars_limit[lim] && (int64_t)have + more > (int64_t)global.vars_limit[lim];
}

/* Whether <more> bytes more in the store <st> of a variable of scope
 * <scope> keep the tune.vars.* limits of that scope and the coarser ones,
 * HAProxy's accounting: the stores of <ctx>'s stream (its transaction's
 * for txn, req, res; its session's) and the proc scope's (read under
 * proc_lock, which the caller holds for the proc scope: <proc_held>).
 * Unlike HAProxy, the sess, proc and global limits count the variables of
 * this stream only, not those of every live stream.
 */
static int vars_fit(enum var_scope scope, const struct sample_ctx *ctx, const struct var_store *st,
                    int64_t more, int proc_held)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	const struct http_txn *txn = ctx ? ctx->txn : NULL;
	uint64_t txn_size = 0, sess_size = 0, proc_size;

	if (more <= 0 || scope == VAR_SCOPE_CHECK)
		return 1;
	if (!vars_limited())
		return 1;   /* the usual case: no store to size on each set-var */
	if (scope != VAR_SCOPE_PROC) {
		txn_size = txn ? var_store_size(&txn->vars, 0) : 0;
		sess_size = s ? var_store_size(s->sess_vars, 0) : 0;
	}
	switch (scope) {
	case VAR_SCOPE_REQ:
	case VAR_SCOPE_RES:
		if (vars_over(VARS_LIM_REQRES, var_store_size(st, 1), more))
			return 0;
		/* fall through */
	case VAR_SCOPE_TXN:
		if (vars_over(VARS_LIM_TXN, txn_size, more))
			return 0;
		/* fall through */
	case VAR_SCOPE_SESS:
		if (vars_over(VARS_LIM_SESS, sess_size + txn_size, more))
			return 0;
		/* fall through */
	default:
		if (!global.vars_limit[VARS_LIM_PROC] && !global.vars_limit[VARS_LIM_GLOBAL])
			return 1;
		if (!proc_held)
			spin_lock(&proc_lock);
		proc_size = var_store_size(&proc_vars, 0);
		if (!proc_held)
			spin_unlock(&proc_lock);
		return !vars_over(VARS_LIM_PROC, proc_size + sess_size + txn_size, more) &&
		       !vars_over(VARS_LIM_GLOBAL, proc_size + sess_size + txn_size, more);
	}
}

/* Sets <ref> to <data> in <st> within the tune.vars.* limits, as HAProxy
 * 2.6: a new variable that does not fit is not created; a string that
 * does not fit leaves the variable as a boolean (0 here) in its place.
 */
static int vars_set_limited(const struct var_ref *ref, const struct sample_ctx *ctx, struct var_store *st,
                            const struct sample_data *data, int proc_held)
{
	const struct var *old = var_store_get(st, ref->name, ref->len);
	int64_t more = (int64_t)(var_has_bytes(data->type) ? data->u.str.len : 0) -
	               (int64_t)(old && var_has_bytes(old->data.type) ? old->data.u.str.len : 0);
	struct sample_data none = { .type = SMP_T_BOOL };

	if (!old && !vars_fit(ref->scope, ctx, st, VAR_ACCT_SIZE, proc_held))
		return -ENOSPC;
	if (!vars_fit(ref->scope, ctx, st, more + (old ? 0 : VAR_ACCT_SIZE), proc_held)) {
		var_store_set(st, ref->name, ref->len, &none);
		return -ENOSPC;
	}
	return var_store_set(st, ref->name, ref->len, data);
}

int vars_set(const struct var_ref *ref, const struct sample_ctx *ctx, const struct sample_data *data)
{
	struct var_store *st;
	int ret;

	if (ref->scope == VAR_SCOPE_PROC) {
		spin_lock(&proc_lock);
		ret = vars_set_limited(ref, ctx, &proc_vars, data, 1);
		spin_unlock(&proc_lock);
		return ret;
	}
	st = vars_store(ref->scope, ctx, 1);
	return st ? vars_set_limited(ref, ctx, st, data, 0) : -ENOENT;
}

void vars_unset(const struct var_ref *ref, const struct sample_ctx *ctx)
{
	struct var_store *st;

	if (ref->scope == VAR_SCOPE_PROC) {
		spin_lock(&proc_lock);
		var_store_unset(&proc_vars, ref->name, ref->len);
		spin_unlock(&proc_lock);
		return;
	}
	st = vars_store(ref->scope, ctx, 0);
	if (st)
		var_store_unset(st, ref->name, ref->len);
}

void vars_proc_walk(void (*fn)(const struct var *v, void *arg), void *arg)
{
	spin_lock(&proc_lock);
	for (unsigned int i = 0; i < proc_vars.nb; i++)
		fn(&proc_vars.vars[i], arg);
	spin_unlock(&proc_lock);
}

/* ---- the var() fetch ---- */

static int smp_var(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	if (vars_get(args[0].data.obj.ptr, ctx, &smp->data))
		return 1;
	if (args[1].type == SMP_ARGT_STR) {
		sample_set_str(smp, args[1].data.str.ptr, args[1].data.str.len);
		return 1;
	}
	return 0;
}

/* Replaces the variable name of args[0] ("<scope>.<name>") by its parsed
 * reference (struct var_ref), the form vars_get() takes.
 */
static int var_check(struct sample_arg *args, char **err)
{
	struct var_ref *ref = malloc(sizeof(*ref));

	if (!ref)
		return err_set(err, "out of memory");
	if (var_parse_name(args[0].data.str.ptr, args[0].data.str.len, ref, err) < 0) {
		free(ref);
		return -EINVAL;
	}
	free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_OBJ;
	args[0].data.obj.ptr = ref;
	args[0].data.obj.free = free;
	return 0;
}

static struct sample_fetch_kw_list vars_fetch_list = { .kw = {
	/* declared string so that converters and ACL methods type-check at
	 * parse time; the sample keeps the variable's own type and is cast
	 * at run time
	 */
	{ "var", smp_var, SMP_ARG2(1, STR, STR), var_check, SMP_T_STR, SMP_USE_ANY, NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void vars_register(void)
{
	sample_register_fetches(&vars_fetch_list);
}

/* ---- variables as converter arguments (add(txn.n)...) ---- */

/* A word is a variable name when it starts with a scope and a dot;
 * anything else is left to the caller (1).
 */
static int vars_arg_parse(const char *text, size_t len, void **obj, char **err)
{
	struct var_ref *ref;
	const char *dot = memchr(text, '.', len);

	if (!dot)
		return 1;
	ref = malloc(sizeof(*ref));
	if (!ref)
		return err_set(err, "out of memory");
	if (var_parse_name(text, len, ref, err) < 0) {
		free(ref);
		return -EINVAL;
	}
	*obj = ref;
	return 0;
}

static int vars_arg_get(const void *obj, const struct sample_ctx *ctx, struct sample_data *out)
{
	return vars_get(obj, ctx, out);
}

static const struct sample_var_ops vars_arg_ops = {
	.parse = vars_arg_parse,
	.get = vars_arg_get,
	.free = free,
};

__attribute__((constructor)) static void vars_register_arg_ops(void)
{
	sample_set_var_ops(&vars_arg_ops);
}
