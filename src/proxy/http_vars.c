/*
 * Variables of scope txn (set-var(txn.x), var(txn.x)): a small store kept
 * in the transaction. See http_txn.h.
 *
 * Storage. At most HTTP_TXN_MAX_VARS variables; the bytes of string and
 * binary values live in txn->var_arena, up to var_arena_len: replacing a
 * string variable removes its old bytes and moves those after them down,
 * so the arena never fills up from rewrites alone. An entry removed from
 * vars[] by other code (unset-var) leaves its bytes behind as a hole; a
 * set that would not fit otherwise first packs the live values, so only
 * the live values count against the arena's size.
 *
 * Cost: O(variables) per lookup, O(variables + arena) per set. Only the
 * stream's thread touches its txn: no lock.
 */
#include <errno.h>
#include <string.h>

#include <tollgate/http_txn.h>

const struct http_var *http_txn_get_var(const struct http_txn *txn, const char *name, size_t len)
{
	if (!txn || len >= sizeof(txn->vars[0].name))
		return NULL;
	for (unsigned int i = 0; i < txn->nb_vars; i++) {
		const struct http_var *v = &txn->vars[i];

		if (strncmp(v->name, name, len) == 0 && v->name[len] == '\0')
			return v;
	}
	return NULL;
}

/* Returns 1 if <t> stores its bytes in the arena. */
static int var_type_has_bytes(int t)
{
	return t == SMP_T_STR || t == SMP_T_BIN;
}

/* Removes the arena bytes of <v> (a string or binary variable), moving the
 * bytes stored after them down and updating the variables that point there.
 */
static void var_release_bytes(struct http_txn *txn, struct http_var *v)
{
	char *start = (char *)v->data.u.str.ptr;
	size_t len = v->data.u.str.len;
	char *end = start + len, *arena_end = txn->var_arena + txn->var_arena_len;

	if (!len)
		return;
	memmove(start, end, (size_t)(arena_end - end));
	txn->var_arena_len -= (uint32_t)len;
	for (unsigned int i = 0; i < txn->nb_vars; i++) {
		struct http_var *o = &txn->vars[i];

		if (o != v && var_type_has_bytes(o->data.type) && o->data.u.str.ptr >= end)
			o->data.u.str.ptr -= len;
	}
	v->data.u.str.len = 0;
}

/* Returns the arena bytes held by the variables of <txn>. */
static size_t var_live_bytes(const struct http_txn *txn)
{
	size_t n = 0;

	for (unsigned int i = 0; i < txn->nb_vars; i++)
		if (var_type_has_bytes(txn->vars[i].data.type))
			n += txn->vars[i].data.u.str.len;
	return n;
}

/* Packs the values of the variables at the start of the arena, dropping
 * the holes left by removed entries. O(arena).
 */
static void var_compact(struct http_txn *txn)
{
	char tmp[HTTP_VAR_ARENA_SIZE];
	uint32_t len = 0;

	for (unsigned int i = 0; i < txn->nb_vars; i++) {
		struct http_var *v = &txn->vars[i];

		if (!var_type_has_bytes(v->data.type) || !v->data.u.str.len)
			continue;
		memcpy(tmp + len, v->data.u.str.ptr, v->data.u.str.len);
		v->data.u.str.ptr = txn->var_arena + len;
		len += (uint32_t)v->data.u.str.len;
	}
	memcpy(txn->var_arena, tmp, len);
	txn->var_arena_len = len;
}

int http_txn_set_var(struct http_txn *txn, const char *name, size_t len, const struct sample_data *data)
{
	char tmp[HTTP_VAR_ARENA_SIZE];
	struct http_var *v = (struct http_var *)http_txn_get_var(txn, name, len);
	const char *src = NULL;
	size_t need = 0, freed = 0;

	if (!len || len >= sizeof(txn->vars[0].name))
		return -EINVAL;
	if (data->type <= SMP_T_ANY || data->type >= SMP_TYPES || data->type == SMP_T_ADDR)
		return -EINVAL;
	if (!v && txn->nb_vars >= HTTP_TXN_MAX_VARS)
		return -ENOSPC;
	if (var_type_has_bytes(data->type)) {
		src = data->u.str.ptr;
		need = data->u.str.len;
	}
	if (v && var_type_has_bytes(v->data.type))
		freed = v->data.u.str.len;
	if (need > HTTP_VAR_ARENA_SIZE - (var_live_bytes(txn) - freed))
		return -ENOSPC;

	/* the new value may be read from the arena itself (var(txn.a) stored
	 * into txn.b, or into txn.a): save it before the arena moves
	 */
	if (need && src >= txn->var_arena && src < txn->var_arena + HTTP_VAR_ARENA_SIZE) {
		memcpy(tmp, src, need);
		src = tmp;
	}
	if (!v) {
		v = &txn->vars[txn->nb_vars++];
		memcpy(v->name, name, len);
		v->name[len] = '\0';
	} else if (freed) {
		var_release_bytes(txn, v);
	}
	v->data = *data;
	if (var_type_has_bytes(data->type)) {
		char *dst;

		v->data.u.str.len = 0;   /* not stored yet: no bytes to pack */
		if (need > HTTP_VAR_ARENA_SIZE - txn->var_arena_len)
			var_compact(txn);
		dst = txn->var_arena + txn->var_arena_len;
		v->data.u.str.len = need;
		if (need)
			memcpy(dst, src, need);
		v->data.u.str.ptr = dst;
		txn->var_arena_len += (uint32_t)need;
	}
	return 0;
}
