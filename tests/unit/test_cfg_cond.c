/*
 * Unit tests of conditional expressions and blocks (src/cfg/cond.c): every
 * term and predicate, precedence and short-circuit, versions, features,
 * .if/.elif/.else/.endif nesting and their errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/cfg.h>

static char err[CFG_ERR_SIZE];
static int errcol;

static int ev(const char *expr)
{
	return cfg_cond_eval(expr, err, sizeof(err), &errcol);
}

/* Checks that <expr> evaluates to <val>. */
static void expect_val(const char *expr, int val)
{
	int got = ev(expr);

	if (got != val)
		fail_msg("<%s>: got %d (err '%s'), expected %d", expr, got, err, val);
}

/* Checks that <expr> fails at column <col> with a message containing <msg>. */
static void expect_fail(const char *expr, int col, const char *msg)
{
	int got = ev(expr);

	if (got != -EINVAL)
		fail_msg("<%s>: got %d, expected an error", expr, got);
	if (!strstr(err, msg))
		fail_msg("<%s>: message '%s' lacks '%s'", expr, err, msg);
	if (errcol != col)
		fail_msg("<%s>: column %d, expected %d ('%s')", expr, errcol, col, err);
}

static void test_numbers(void **state)
{
	expect_val("", 0);
	expect_val("   ", 0);
	expect_val("0", 0);
	expect_val("1", 1);
	expect_val("42", 1);
	expect_val("-1", 1);
	expect_val("00", 0);
	expect_val("0x10", 1);
	expect_val(" 1 ", 1);
}

static void test_not(void **state)
{
	expect_val("!0", 1);
	expect_val("!1", 0);
	expect_val("!!1", 1);
	expect_val("! 1", 0);
	expect_val("!(0)", 1);
}

static void test_and_or(void **state)
{
	expect_val("1 && 1", 1);
	expect_val("1 && 0", 0);
	expect_val("0 || 1", 1);
	expect_val("0 || 0", 0);
	expect_val("1&&1&&0", 0);
	/* && binds tighter than || */
	expect_val("1 || 0 && 0", 1);
	expect_val("0 && 1 || 1", 1);
	expect_val("(1 || 0) && 0", 0);
	expect_val("!(0 || 0) && (1)", 1);
	expect_val("((((1))))", 1);
}

static void test_short_circuit(void **state)
{
	/* a branch that is not needed is parsed but not evaluated */
	expect_val("1 || openssl_version_atleast(1.1.1)", 1);
	expect_val("0 && openssl_version_atleast(1.1.1)", 0);
	expect_val("feature(OPENSSL) && openssl_version_atleast(1.1.1)", 1);
	expect_val("openssl_version_before(1.1.1)", 0);
	expect_val("openssl_version_atleast(99.0)", 0);
	expect_val("ssllib_name_startswith(OpenSSL)", 1);
	expect_val("ssllib_name_startswith(AWS)", 0);
	expect_fail("openssl_version_atleast(x.y)", 1, "invalid version");
	/* but it must still parse */
	expect_fail("1 || nope(1)", 6, "unknown predicate 'nope'");
}

static void test_defined(void **state)
{
	setenv("TG_COND_SET", "", 1);
	unsetenv("TG_COND_UNSET");
	expect_val("defined(TG_COND_SET)", 1);
	expect_val("defined(TG_COND_UNSET)", 0);
	expect_val("!defined(TG_COND_UNSET)", 1);
	/* spaces are part of the argument, as in HAProxy */
	expect_val("defined( TG_COND_SET )", 0);
}

static struct cfg_feature test_feature = { .name = "TESTFEAT", .present = 1 };
static struct cfg_feature test_absent = { .name = "TESTABSENT", .present = 0 };

static void test_feature_pred(void **state)
{
	char list[512];
	int n;

	expect_val("feature(THREAD)", 1);
	expect_val("feature(EPOLL)", 1);
	expect_val("feature(OPENSSL)", 1);
	expect_val("feature(NOSUCH)", 0);
	expect_val("feature(TESTFEAT)", 1);
	expect_val("feature(TESTABSENT)", 0);
	expect_val("feature(THREA)", 0);

	n = cfg_features_list(list, sizeof(list));
	assert_int_equal(n, (int)strlen(list));
	assert_non_null(strstr(list, "+THREAD"));
	assert_non_null(strstr(list, "+OPENSSL"));
	assert_non_null(strstr(list, "+TESTFEAT"));
	/* truncation reports the full length, like snprintf */
	assert_int_equal(cfg_features_list(list, 4), n);
	assert_int_equal(strlen(list), 3);
}

static void test_strings(void **state)
{
	expect_val("streq(a,a)", 1);
	expect_val("streq(a,b)", 0);
	expect_val("strneq(a,b)", 1);
	expect_val("strneq(a,a)", 0);
	expect_val("streq(,)", 1);
	expect_val("streq(a, a)", 0);              /* " a" differs from "a" */
	expect_val("streq('a,b',\"a,b\")", 1);     /* second level of quoting */
	expect_val("streq(a\\,b,'a,b')", 1);
	expect_val("streq('x)',x\\))", 1);
	expect_val("strstr(haystack,st)", 1);
	expect_val("strstr(haystack,needle)", 0);
	setenv("TG_COND_SSL", "yes", 1);
	/* as the driver gives it after the lexer expanded "$TG_COND_SSL" */
	expect_val("streq(yes,yes) && !strneq(yes,yes)", 1);
}

static void test_versions(void **state)
{
	int cmp;

	assert_int_equal(cfg_version_cmp("2.4", "2.4.0", &cmp), 0);
	assert_int_equal(cmp, 0);
	assert_int_equal(cfg_version_cmp("2.4-dev19", "2.4", &cmp), 0);
	assert_true(cmp < 0);
	assert_int_equal(cfg_version_cmp("2.4-rc1", "2.4-dev19", &cmp), 0);
	assert_true(cmp > 0);
	assert_int_equal(cfg_version_cmp("2.4-pre2", "2.4-rc2", &cmp), 0);
	assert_int_equal(cmp, 0);
	assert_int_equal(cfg_version_cmp("2.10", "2.9", &cmp), 0);
	assert_true(cmp > 0);
	assert_int_equal(cfg_version_cmp("1.2.10.1", "1.2.10", &cmp), 0);
	assert_true(cmp > 0);
	assert_int_equal(cfg_version_cmp("2.4-dev18-f6818d-20", "2.4-dev18", &cmp), 0);
	assert_true(cmp > 0);
	assert_int_equal(cfg_version_cmp("0.1-dev", "0.1", &cmp), 0);
	assert_true(cmp < 0);
	assert_int_equal(cfg_version_cmp("", "1", &cmp), -EINVAL);
	assert_int_equal(cfg_version_cmp("abc", "1", &cmp), -EINVAL);
	assert_int_equal(cfg_version_cmp("2.x", "1", &cmp), -EINVAL);

	/* compared with TOLLGATE_HAPROXY_COMPAT, "3.0" */
	expect_val("version_atleast(2.4)", 1);
	expect_val("version_atleast(3.0)", 1);
	expect_val("version_atleast(3.0-dev1)", 1);
	expect_val("version_atleast(3.0.1)", 0);
	expect_val("version_atleast(3.1)", 0);
	expect_val("version_before(3.1)", 1);
	expect_val("version_before(3.0)", 0);
	expect_val("version_before(2.4-dev19)", 0);
	expect_fail("version_atleast(abc)", 1, "invalid version 'abc'");
}

static void test_ssl_preds(void **state)
{
	expect_val("fips_mode()", 0);
	expect_val("fips_mode", 0);
	expect_val("ssllib_name_startswith(Open)", 1);
	expect_val("enabled(EPOLL)", 1);
	expect_val("enabled(POLL)", 0);
	expect_val("awslc_api_before(26)", 0);
}

static void test_errors(void **state)
{
	expect_fail("1 &&", 5, "missing term");
	expect_fail("!", 2, "missing term");
	expect_fail("1 2", 3, "unexpected character '2'");
	expect_fail("1 & 1", 3, "unexpected character '&'");
	expect_fail("(1", 3, "expected ')'");
	expect_fail("nope(1)", 1, "unknown predicate 'nope'");
	expect_fail("%", 1, "unparsable");
	expect_fail("defined", 1, "missing arguments to predicate 'defined' (got 0, expects 1)");
	expect_fail("streq(a)", 1, "missing arguments to predicate 'streq' (got 1, expects 2)");
	expect_fail("streq(a,b,c)", 11, "too many arguments");
	expect_fail("defined(X", 10, "missing ')'");
	expect_fail("streq('a,b)", 7, "unmatched quote");
	expect_fail("fips_mode(x)", 11, "too many arguments");
}

static void test_depth(void **state)
{
	char expr[400];
	size_t o = 0;

	for (int k = 0; k < 100; k++)
		expr[o++] = '(';
	expr[o++] = '1';
	for (int k = 0; k < 100; k++)
		expr[o++] = ')';
	expr[o] = '\0';
	assert_int_equal(ev(expr), -EINVAL);
	assert_non_null(strstr(err, "nested too deeply"));
}

/* ---------------------------------------------------------------------- */
/* Blocks                                                                 */
/* ---------------------------------------------------------------------- */

/* Runs the lines of <text> through the lexer and the block state machine
 * and writes into <taken> the first word of each taken ordinary line,
 * space-separated. Returns 0, or the (negative) error of the first failing
 * line with its number in *<eline>.
 */
static int run_blocks(const char *text, char *taken, size_t tsz, int *eline)
{
	struct cfg_cond_state st;
	char wbuf[1024];
	char *words[CFG_MAX_WORDS + 1];
	struct cfg_lex_out out = { .buf = wbuf, .bufsz = sizeof(wbuf), .words = words,
				   .maxwords = CFG_MAX_WORDS };
	int line = 0, n, ret, col;

	memset(&st, 0, sizeof(st));
	taken[0] = '\0';
	*eline = 0;
	while (*text) {
		const char *lf = strchr(text, '\n');
		size_t len = lf ? (size_t)(lf - text) : strlen(text);

		line++;
		n = cfg_lex_line(text, len, NULL, &out);
		text += len + (lf ? 1 : 0);
		assert_true(n >= 0);
		if (!n)
			continue;
		ret = cfg_cond_line(&st, n, words, line, err, sizeof(err), &col);
		if (ret < 0) {
			*eline = line;
			return ret;
		}
		if (ret == 0 && cfg_cond_active(&st)) {
			if (taken[0])
				strncat(taken, " ", tsz - strlen(taken) - 1);
			strncat(taken, words[0], tsz - strlen(taken) - 1);
		}
	}
	ret = cfg_cond_finish(&st, err, sizeof(err));
	if (ret < 0)
		*eline = line;
	return ret;
}

static void expect_blocks(const char *text, const char *expected)
{
	char taken[256];
	int eline;

	if (run_blocks(text, taken, sizeof(taken), &eline) < 0)
		fail_msg("line %d: %s", eline, err);
	assert_string_equal(taken, expected);
}

static void expect_block_error(const char *text, int line, const char *msg)
{
	char taken[256];
	int eline;

	assert_int_equal(run_blocks(text, taken, sizeof(taken), &eline), -EINVAL);
	assert_int_equal(eline, line);
	if (!strstr(err, msg))
		fail_msg("message '%s' lacks '%s'", err, msg);
}

static void test_blocks_basic(void **state)
{
	expect_blocks("a\n.if 1\nb\n.endif\nc\n", "a b c");
	expect_blocks("a\n.if 0\nb\n.endif\nc\n", "a c");
	expect_blocks(".if 0\nb\n.else\nc\n.endif\n", "c");
	expect_blocks(".if 1\nb\n.else\nc\n.endif\n", "b");
	expect_blocks(".if\nb\n.endif\n", "");                 /* empty: false */
	expect_blocks(".if 1 &&   \"1\"\nb\n.endif\n", "b");      /* words rejoined with one space */
}

static void test_blocks_elif(void **state)
{
	static const char chain[] =
		".if %s\nA\n.elif %s\nB\n.elif %s\nC\n.else\nD\n.endif\nE\n";
	char text[256];

	snprintf(text, sizeof(text), chain, "1", "1", "1");
	expect_blocks(text, "A E");
	snprintf(text, sizeof(text), chain, "0", "1", "1");
	expect_blocks(text, "B E");
	snprintf(text, sizeof(text), chain, "0", "0", "1");
	expect_blocks(text, "C E");
	snprintf(text, sizeof(text), chain, "0", "0", "0");
	expect_blocks(text, "D E");
}

static void test_blocks_nested(void **state)
{
	static const char text[] =
		".if 1\n"
		"  a\n"
		"  .if 0\n"
		"    b\n"
		"  .elif 1\n"
		"    c\n"
		"    .if 1\n"
		"      d\n"
		"    .endif\n"
		"  .else\n"
		"    e\n"
		"  .endif\n"
		".else\n"
		"  .if 1\n"
		"    f\n"
		"  .else\n"
		"    g\n"
		"  .endif\n"
		".endif\n"
		"h\n";

	expect_blocks(text, "a c d h");
	/* in a dropped block, conditions are not evaluated: no error */
	expect_blocks(".if 0\n.if nope(\nx\n.elif %\n.endif\n.endif\ny\n", "y");
	/* the manual's example */
	setenv("TG_A", "1", 1);
	setenv("TG_B", "0", 1);
	setenv("TG_C", "1", 1);
	expect_blocks(".if \"${TG_A}\"\n.if \"${TG_B}\"\nab\n.elif \"${TG_C}\"\nac\n.else\nother\n.endif\n.else\nnota\n.endif\n",
		      "ac");
}

static void test_blocks_errors(void **state)
{
	expect_block_error("a\n.elif 1\n", 2, "lone '.elif' with no matching '.if'");
	expect_block_error(".else\n", 1, "lone '.else'");
	expect_block_error("x\ny\n.endif\n", 3, "lone '.endif'");
	expect_block_error(".if 1\n.else\n.elif 1\n.endif\n", 3, "'.elif' after '.else' is not permitted");
	expect_block_error(".if 1\n.else\n.else\n.endif\n", 3, "'.else' after '.else' is not permitted");
	expect_block_error(".if 1\n.else x\n.endif\n", 2, "unexpected argument 'x' for '.else'");
	expect_block_error(".if 1\n.endif x\n", 2, "unexpected argument 'x' for '.endif'");
	expect_block_error("a\n.if 1 &&\n.endif\n", 2, "missing term at the end of conditional expression '1 &&' in '.if' at position 5");
	expect_block_error(".if 0\n.elif streq(a)\n.endif\n", 2, "in '.elif' at position 1");
	/* at the end: names the line of the .if */
	expect_block_error("a\n.if 1\nb\n.if 0\nc\n", 5, "non-terminated '.if' block opened at line 4");
}

static void test_blocks_depth(void **state)
{
	static char text[CFG_MAX_NESTING * 14 + 16];
	size_t o = 0;
	char taken[64];
	int eline;

	for (int k = 0; k < CFG_MAX_NESTING; k++)
		o += (size_t)sprintf(text + o, ".if 1\n");
	o += (size_t)sprintf(text + o, "x\n");
	for (int k = 0; k < CFG_MAX_NESTING; k++)
		o += (size_t)sprintf(text + o, ".endif\n");
	expect_blocks(text, "x");

	o = 0;
	for (int k = 0; k <= CFG_MAX_NESTING; k++)
		o += (size_t)sprintf(text + o, ".if 1\n");
	assert_int_equal(run_blocks(text, taken, sizeof(taken), &eline), -EINVAL);
	assert_int_equal(eline, CFG_MAX_NESTING + 1);
	assert_non_null(strstr(err, "too many nested '.if', max is 100"));
}

static void test_not_directive(void **state)
{
	struct cfg_cond_state st;
	char *args[] = { "frontend", "fe", NULL };
	char *dot[] = { ".warning", "x", NULL };

	memset(&st, 0, sizeof(st));
	assert_int_equal(cfg_cond_line(&st, 2, args, 1, err, sizeof(err), NULL), 0);
	assert_int_equal(cfg_cond_line(&st, 2, dot, 1, err, sizeof(err), NULL), 0);
	assert_int_equal(cfg_cond_active(&st), 1);
}

__attribute__((constructor)) static void test_cfg_cond_register(void)
{
	cfg_register_feature(&test_feature);
	cfg_register_feature(&test_absent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_not),
		cmocka_unit_test(test_and_or),
		cmocka_unit_test(test_short_circuit),
		cmocka_unit_test(test_defined),
		cmocka_unit_test(test_feature_pred),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_ssl_preds),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_blocks_basic),
		cmocka_unit_test(test_blocks_elif),
		cmocka_unit_test(test_blocks_nested),
		cmocka_unit_test(test_blocks_errors),
		cmocka_unit_test(test_blocks_depth),
		cmocka_unit_test(test_not_directive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
