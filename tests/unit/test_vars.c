/*
 * Unit tests for the variables (src/proxy/vars.c): one store's arena
 * bookkeeping, name parsing, the scopes seen from evaluation contexts,
 * and the var() fetch.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/check.h>
#include <tollgate/http_txn.h>
#include <tollgate/sample.h>
#include <tollgate/stream-t.h>
#include <tollgate/var_action.h>
#include <tollgate/vars.h>

static struct sample_data str_data(const char *s)
{
	struct sample_data d = { .type = SMP_T_STR };

	d.u.str.ptr = s;
	d.u.str.len = strlen(s);
	return d;
}

static void test_store(void **state)
{
	static struct var_store st;
	struct sample_data d = str_data("hello");
	struct sample_data n = { .type = SMP_T_SINT, .u.sint = -7 };
	const struct var *v;
	static char big[VAR_ARENA_SIZE + 1];

	(void)state;
	var_store_init(&st);
	assert_null(var_store_get(&st, "a", 1));
	assert_int_equal(var_store_set(&st, "a", 1, &d), 0);
	assert_int_equal(var_store_set(&st, "num", 3, &n), 0);
	d = str_data("world");
	assert_int_equal(var_store_set(&st, "b", 1, &d), 0);
	v = var_store_get(&st, "a", 1);
	assert_non_null(v);
	assert_int_equal(v->data.type, SMP_T_STR);
	assert_memory_equal(v->data.u.str.ptr, "hello", 5);
	assert_ptr_not_equal(v->data.u.str.ptr, d.u.str.ptr);   /* copied */
	assert_int_equal(st.arena_len, 10);
	assert_null(var_store_get(&st, "nu", 2));
	assert_null(var_store_get(&st, "numb", 4));

	/* replacing a string frees its bytes; the others stay intact */
	d = str_data("a much longer value");
	assert_int_equal(var_store_set(&st, "a", 1, &d), 0);
	assert_int_equal(st.nb, 3);
	assert_int_equal(st.arena_len, 5 + 19);
	assert_memory_equal(var_store_get(&st, "b", 1)->data.u.str.ptr, "world", 5);
	v = var_store_get(&st, "a", 1);
	assert_int_equal(v->data.u.str.len, 19);
	assert_memory_equal(v->data.u.str.ptr, "a much longer value", 19);

	/* a value read from the arena itself, even the variable's own */
	d = v->data;
	d.u.str.len = 6;
	assert_int_equal(var_store_set(&st, "a", 1, &d), 0);
	v = var_store_get(&st, "a", 1);
	assert_int_equal(v->data.u.str.len, 6);
	assert_memory_equal(v->data.u.str.ptr, "a much", 6);
	d = var_store_get(&st, "b", 1)->data;
	assert_int_equal(var_store_set(&st, "c", 1, &d), 0);
	assert_memory_equal(var_store_get(&st, "c", 1)->data.u.str.ptr, "world", 5);

	/* a string replaced by an integer */
	assert_int_equal(var_store_set(&st, "b", 1, &n), 0);
	assert_int_equal(var_store_get(&st, "b", 1)->data.u.sint, -7);
	assert_int_equal(st.arena_len, 6 + 5);
	assert_memory_equal(var_store_get(&st, "c", 1)->data.u.str.ptr, "world", 5);

	/* past the inline arena: the values move to the heap, intact */
	memset(big, 'x', sizeof(big));
	d.type = SMP_T_BIN;
	d.u.str.ptr = big;
	d.u.str.len = VAR_ARENA_SIZE - st.arena_len + 1;
	assert_int_equal(var_store_set(&st, "big", 3, &d), 0);
	assert_int_equal(st.arena_len, VAR_ARENA_SIZE + 1);
	assert_true(st.arena_cap > VAR_ARENA_SIZE);
	assert_memory_equal(var_store_get(&st, "c", 1)->data.u.str.ptr, "world", 5);
	assert_memory_equal(var_store_get(&st, "a", 1)->data.u.str.ptr, "a much", 6);
	assert_memory_equal(var_store_get(&st, "big", 3)->data.u.str.ptr, big, d.u.str.len);
	d = str_data("123456");
	assert_int_equal(var_store_set(&st, "a", 1, &d), 0);
	/* a heap value copied into another variable while the arena grows */
	d = var_store_get(&st, "big", 3)->data;
	assert_int_equal(var_store_set(&st, "big2", 4, &d), 0);
	assert_memory_equal(var_store_get(&st, "big2", 4)->data.u.str.ptr, big, d.u.str.len);
	var_store_unset(&st, "big2", 4);

	/* unsetting gives the bytes back and keeps the others */
	var_store_unset(&st, "big", 3);
	assert_null(var_store_get(&st, "big", 3));
	assert_int_equal(st.arena_len, 6 + 5);
	var_store_unset(&st, "a", 1);
	assert_int_equal(st.arena_len, 5);
	assert_memory_equal(var_store_get(&st, "c", 1)->data.u.str.ptr, "world", 5);
	assert_int_equal(var_store_get(&st, "num", 3)->data.u.sint, -7);
	var_store_unset(&st, "nothing", 7);

	/* many variables: no limit (HAProxy has none) */
	var_store_reset(&st);
	for (int i = 0; i < 5 * VAR_STORE_INLINE; i++) {
		char name[16];

		snprintf(name, sizeof(name), "v%d", i);
		n.u.sint = i;
		assert_int_equal(var_store_set(&st, name, strlen(name), &n), 0);
	}
	assert_int_equal(st.nb, 5 * VAR_STORE_INLINE);
	assert_int_equal(var_store_get(&st, "v0", 2)->data.u.sint, 0);
	assert_int_equal(var_store_get(&st, "v159", 4)->data.u.sint, 159);
	assert_int_equal(var_store_set(&st, "v3", 2, &n), 0);   /* replacing still works */

	/* bad names and types */
	var_store_reset(&st);
	assert_int_equal(var_store_set(&st, "", 0, &n), -EINVAL);
	memset(big, 'n', VAR_NAME_SIZE);
	assert_int_equal(var_store_set(&st, big, VAR_NAME_SIZE, &n), -EINVAL);
	d.type = SMP_T_ANY;
	assert_int_equal(var_store_set(&st, "x", 1, &d), -EINVAL);
	var_store_reset(&st);
}

static void parse_fails(const char *name, const char *needle)
{
	struct var_ref ref;
	char *err = NULL;

	assert_int_equal(var_parse_name(name, strlen(name), &ref, &err), -EINVAL);
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("error for '%s' is \"%s\", lacks \"%s\"", name, err, needle);
	free(err);
}

static void test_names(void **state)
{
	static const char *const ok[] = { "proc.a", "sess.a_b", "txn.a.b", "req.X9", "res.y", "check.z" };
	static const enum var_scope scopes[] = { VAR_SCOPE_PROC, VAR_SCOPE_SESS, VAR_SCOPE_TXN,
						 VAR_SCOPE_REQ, VAR_SCOPE_RES, VAR_SCOPE_CHECK };
	struct var_ref ref;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(var_parse_name(ok[i], strlen(ok[i]), &ref, NULL), 0);
		assert_int_equal(ref.scope, scopes[i]);
		assert_string_equal(ref.name, ok[i]);
	}
	parse_fails("chk.a", "scope among proc, sess, txn, req, res and check");
	parse_fails("a", "'<scope>.<name>'");
	parse_fails("txn.", "empty name");
	parse_fails("txn.a-b", "invalid character '-'");
	parse_fails("txn.0123456789012345678901234567890123456789012345", "longer than 47");
}

/* A health check's context: check (and the other scopes but proc) in the
 * check's store, allocated at the first set; a stream has no check scope.
 */
static void test_check_scope(void **state)
{
	struct stream *s = calloc(1, sizeof(*s));
	struct check_smp cs = { 0 };
	struct sample_ctx chk = { .chk = &cs }, strm = { .strm = s };
	struct sample_data d = str_data("v"), out;
	struct var_ref r_chk, r_sess;

	(void)state;
	assert_int_equal(var_parse_name("check.x", 7, &r_chk, NULL), 0);
	assert_int_equal(var_parse_name("sess.y", 6, &r_sess, NULL), 0);
	assert_int_equal(vars_get(&r_chk, &chk, &out), 0);
	assert_null(cs.vars);
	assert_int_equal(vars_set(&r_chk, &chk, &d), 0);
	assert_int_equal(vars_set(&r_sess, &chk, &d), 0);
	assert_non_null(cs.vars);
	assert_int_equal(cs.vars->nb, 2);
	assert_int_equal(vars_get(&r_chk, &chk, &out), 1);
	assert_int_equal(vars_set(&r_chk, &strm, &d), -ENOENT);
	assert_int_equal(vars_get(&r_chk, &strm, &out), 0);
	assert_null(s->sess_vars);
	vars_unset(&r_chk, &chk);
	assert_int_equal(vars_get(&r_chk, &chk, &out), 0);
	free(cs.vars);
	free(s);
}

/* The scopes from contexts: txn, req and res in the transaction, sess in
 * the stream (kept when the transaction is reset), proc for everyone.
 */
static void test_scopes(void **state)
{
	struct http_txn *txn = calloc(1, sizeof(*txn));
	struct stream *s = calloc(1, sizeof(*s));
	struct sample_ctx ctx = { .strm = s, .txn = txn }, other = { 0 }, tcp = { .strm = s };
	struct sample_data d = str_data("v"), out;
	struct var_ref r_txn, r_req, r_sess, r_proc;

	(void)state;
	assert_int_equal(var_parse_name("txn.x", 5, &r_txn, NULL), 0);
	assert_int_equal(var_parse_name("req.x", 5, &r_req, NULL), 0);
	assert_int_equal(var_parse_name("sess.x", 6, &r_sess, NULL), 0);
	assert_int_equal(var_parse_name("proc.x", 6, &r_proc, NULL), 0);
	var_store_reset(&txn->vars);
	assert_int_equal(vars_set(&r_txn, &ctx, &d), 0);
	d = str_data("r");
	assert_int_equal(vars_set(&r_req, &ctx, &d), 0);
	d = str_data("s");
	assert_null(s->sess_vars);
	assert_int_equal(vars_set(&r_sess, &ctx, &d), 0);
	assert_non_null(s->sess_vars);
	d = str_data("p");
	assert_int_equal(vars_set(&r_proc, &ctx, &d), 0);

	assert_int_equal(vars_get(&r_txn, &ctx, &out), 1);
	assert_memory_equal(out.u.str.ptr, "v", 1);
	assert_int_equal(vars_get(&r_req, &ctx, &out), 1);
	assert_memory_equal(out.u.str.ptr, "r", 1);
	assert_int_equal(vars_get(&r_sess, &ctx, &out), 1);
	assert_memory_equal(out.u.str.ptr, "s", 1);

	/* a new transaction keeps sess and proc */
	var_store_reset(&txn->vars);
	assert_int_equal(vars_get(&r_txn, &ctx, &out), 0);
	assert_int_equal(vars_get(&r_sess, &ctx, &out), 1);
	/* proc is seen without a stream; a copy, not the stored bytes */
	assert_int_equal(vars_get(&r_proc, &other, &out), 1);
	assert_memory_equal(out.u.str.ptr, "p", 1);
	assert_int_equal(vars_get(&r_sess, &other, &out), 0);
	assert_true(vars_set(&r_txn, &other, &d) < 0);

	/* without a transaction (TCP), txn variables live in the stream */
	assert_int_equal(vars_set(&r_txn, &tcp, &d), 0);
	assert_int_equal(vars_get(&r_txn, &tcp, &out), 1);
	assert_int_equal(vars_get(&r_txn, &ctx, &out), 0);

	vars_unset(&r_sess, &ctx);
	assert_int_equal(vars_get(&r_sess, &ctx, &out), 0);
	vars_unset(&r_proc, &ctx);
	assert_int_equal(vars_get(&r_proc, &ctx, &out), 0);
	free(s->sess_vars);
	free(s);
	free(txn);
}

static void expect_var(const char *expr_text, struct sample_ctx *ctx, const char *want)
{
	struct sample_expr *expr = NULL;
	struct sample smp;
	char *err = NULL;

	if (sample_parse_expr(expr_text, 0, &expr, &err) != 0)
		fail_msg("parsing '%s' failed: %s", expr_text, err);
	if (!want) {
		assert_int_equal(sample_eval(expr, ctx, &smp), 0);
	} else {
		assert_int_equal(sample_eval(expr, ctx, &smp), 1);
		assert_true(sample_cast(&smp, SMP_T_STR));
		if (smp.data.u.str.len != strlen(want) || memcmp(smp.data.u.str.ptr, want, strlen(want)))
			fail_msg("'%s' gave \"%.*s\", expected \"%s\"", expr_text,
				 (int)smp.data.u.str.len, smp.data.u.str.ptr, want);
	}
	sample_free_expr(expr);
}

static void test_var_fetch(void **state)
{
	struct http_txn *txn = calloc(1, sizeof(*txn));
	struct sample_ctx ctx = { .txn = txn };
	struct sample_data d = str_data("Value"), n = { .type = SMP_T_SINT, .u.sint = 41 };
	struct var_ref ref;
	char *err = NULL;
	struct sample_expr *expr = NULL;

	(void)state;
	var_store_reset(&txn->vars);
	assert_int_equal(var_parse_name("txn.s", 5, &ref, NULL), 0);
	assert_int_equal(vars_set(&ref, &ctx, &d), 0);
	assert_int_equal(var_parse_name("res.n.x", 7, &ref, NULL), 0);
	assert_int_equal(vars_set(&ref, &ctx, &n), 0);
	expect_var("var(txn.s)", &ctx, "Value");
	expect_var("var(txn.s),lower", &ctx, "value");
	expect_var("var(res.n.x)", &ctx, "41");
	expect_var("var(res.n.x),add(1)", &ctx, "42");
	expect_var("var(txn.missing)", &ctx, NULL);
	expect_var("var(txn.missing,dflt)", &ctx, "dflt");
	expect_var("var(txn.s,dflt)", &ctx, "Value");
	assert_int_equal(sample_parse_expr("var(foo.s)", 0, &expr, &err), -EINVAL);
	assert_non_null(strstr(err, "invalid arguments to fetch 'var': variable 'foo.s' must be named"));
	free(err);
	free(txn);
}

static void test_action_conditions(void **state)
{
	struct http_txn *txn = calloc(1, sizeof(*txn));
	struct sample_ctx ctx = { .txn = txn, .opt = SMP_OPT_FINAL };
	struct var_action va;
	struct sample_data out;
	char w1[] = "set-var(txn.x,ifnotexists,ifnotempty)", w2[] = "str(v1)", w3[] = "str(v2)";
	char bad[] = "set-var(txn.x,ifwhatever)", un[] = "unset-var(txn.x,ifexists)";
	char *args[] = { w1, w2 }, *args2[] = { w1, w3 }, *badargs[] = { bad, w2 }, *unargs[] = { un };
	char *err = NULL;
	int pos = 0;

	(void)state;
	var_store_reset(&txn->vars);
	assert_int_equal(var_action_parse(&va, 0, 2, args, &pos, NULL), 0);
	assert_int_equal(pos, 2);
	assert_int_equal(va.conds, VAR_C_IFNOTEXISTS | VAR_C_IFNOTEMPTY);
	var_action_exec(&va, NULL, &ctx);
	var_action_free(&va);
	pos = 0;
	assert_int_equal(var_action_parse(&va, 0, 2, args2, &pos, NULL), 0);
	var_action_exec(&va, NULL, &ctx);   /* exists now: not replaced */
	var_action_free(&va);
	assert_int_equal(vars_get(&va.var, &ctx, &out), 1);
	assert_memory_equal(out.u.str.ptr, "v1", 2);
	pos = 0;
	assert_int_equal(var_action_parse(&va, 0, 2, badargs, &pos, &err), -1);
	assert_non_null(strstr(err, "unknown condition 'ifwhatever'"));
	free(err);
	err = NULL;
	pos = 0;
	assert_int_equal(var_action_parse(&va, 0, 1, unargs, &pos, &err), -1);
	assert_non_null(strstr(err, "no condition on unset-var"));
	free(err);
	free(txn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_check_scope),
		cmocka_unit_test(test_var_fetch),
		cmocka_unit_test(test_action_conditions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
