/*
 * Unit tests for samples (src/rules/sample.c) and converters
 * (src/rules/converters.c).
 *
 * The test registers its own fetches: constants from their arguments
 * (str_fetch(<s>), int_fetch(<n>), ip_fetch(<addr>), bin_fetch(<hex>),
 * bool_fetch(<n>)), one that never finds anything, one valid only in
 * http-request rules, and a multi-valued one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/sample.h>

/* ---- fake fetches ---- */

static int f_str(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_str(smp, args[0].data.str.ptr, args[0].data.str.len);
	return 1;
}

static int f_int(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_sint(smp, args[0].type != SMP_ARGT_STOP ? args[0].data.sint : 42);
	return 1;
}

static int f_bool(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_bool(smp, args[0].data.sint);
	return 1;
}

static int f_ip(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	if (inet_pton(AF_INET, args[0].data.str.ptr, &smp->data.u.ipv4) == 1) {
		smp->data.type = SMP_T_IPV4;
		return 1;
	}
	if (inet_pton(AF_INET6, args[0].data.str.ptr, &smp->data.u.ipv6) == 1) {
		smp->data.type = SMP_T_IPV6;
		return 1;
	}
	return 0;
}

/* bin_fetch(<hex>): the bytes written in hex, decoded into a static
 * per-expression buffer would need state; decode into the scratch area.
 */
static int f_bin(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	char *out = sample_scratch();
	size_t n = args[0].data.str.len / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		sscanf(args[0].data.str.ptr + 2 * i, "%2x", &b);
		out[i] = (char)b;
	}
	sample_set_bin(smp, out, n);
	return 1;
}

static int f_none(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return 0;
}

/* multi_fetch(<a,b,c>) with '|' separators: one value per call. */
static int f_multi(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const char *s = args[0].data.str.ptr, *e = s + args[0].data.str.len;
	const char *p = s + smp->fctx.u, *q;

	if (p >= e)
		return 0;
	q = memchr(p, '|', e - p);
	if (!q)
		q = e;
	sample_set_str(smp, p, q - p);
	smp->fctx.u = q - s + 1;
	if (q < e)
		smp->flags |= SMP_F_NOT_LAST;
	return 1;
}

static struct sample_fetch_kw_list test_fetches = {
	.kw = {
		{ "str_fetch",  f_str,   SMP_ARG1(1, STR),  NULL, SMP_T_STR,  SMP_USE_ANY },
		{ "int_fetch",  f_int,   SMP_ARG1(0, SINT), NULL, SMP_T_SINT, SMP_USE_ANY },
		{ "bool_fetch", f_bool,  SMP_ARG1(1, SINT), NULL, SMP_T_BOOL, SMP_USE_ANY },
		{ "ip_fetch",   f_ip,    SMP_ARG1(1, STR),  NULL, SMP_T_ADDR, SMP_USE_ANY },
		{ "bin_fetch",  f_bin,   SMP_ARG1(1, STR),  NULL, SMP_T_BIN,  SMP_USE_ANY },
		{ "none_fetch", f_none,  SMP_ARG0,          NULL, SMP_T_STR,  SMP_USE_ANY },
		{ "http_fetch", f_str,   SMP_ARG1(1, STR),  NULL, SMP_T_STR,  SMP_USE_HTTP_REQ | SMP_USE_HTTP_RES },
		{ "req_fetch",  f_str,   SMP_ARG1(1, STR),  NULL, SMP_T_STR,  SMP_USE_HTTP_REQ | SMP_USE_L6REQ },
		{ "sess_fetch", f_str,   SMP_ARG1(1, STR),  NULL, SMP_T_STR,  SMP_USE_L4CLI | SMP_USE_L5CLI },
		{ "multi_fetch", f_multi, SMP_ARG1(1, STR), NULL, SMP_T_STR,  SMP_USE_ANY },
		{ "time_fetch", f_int,   SMP_ARG1(1, TIME), NULL, SMP_T_SINT, SMP_USE_ANY },
		{ NULL, NULL, 0, NULL, 0, 0 },
	}
};

/* ---- helpers ---- */

static struct sample_expr *parse_ok(const char *text)
{
	struct sample_expr *expr = NULL;
	char *err = NULL;

	if (sample_parse_expr(text, 0, &expr, &err) != 0)
		fail_msg("parsing '%s' failed: %s", text, err ? err : "(no message)");
	assert_null(err);
	return expr;
}

/* Parses <text>, expects a failure whose message contains every given
 * substring (NULL-terminated list).
 */
static void parse_fails(const char *text, unsigned int where, ...)
{
	struct sample_expr *expr = NULL;
	char *err = NULL;
	const char *needle;
	va_list ap;

	if (sample_parse_expr(text, where, &expr, &err) == 0)
		fail_msg("parsing '%s' should have failed", text);
	assert_null(expr);
	assert_non_null(err);
	va_start(ap, where);
	while ((needle = va_arg(ap, const char *)))
		if (!strstr(err, needle))
			fail_msg("error for '%s' is \"%s\", lacks \"%s\"", text, err, needle);
	va_end(ap);
	assert_null(strchr(err, '\n'));
	free(err);
}

/* Evaluates <text>; returns 1 and the sample if one was produced. */
static int eval(const char *text, struct sample *smp)
{
	struct sample_expr *expr = parse_ok(text);
	struct sample_ctx ctx = { 0 };
	int ret = sample_eval(expr, &ctx, smp);

	/* callers only look at non-string results: a string may point into
	 * the freed expression's arguments
	 */
	sample_free_expr(expr);
	return ret;
}

/* Evaluates <text> expecting the string <want> (NULL: no sample). */
static void expect_str(const char *text, const char *want)
{
	struct sample_expr *expr = parse_ok(text);
	struct sample_ctx ctx = { 0 };
	struct sample smp;
	int ret = sample_eval(expr, &ctx, &smp);

	if (!want) {
		if (ret)
			fail_msg("'%s' produced a sample, expected none", text);
		sample_free_expr(expr);
		return;
	}
	if (!ret)
		fail_msg("'%s' produced no sample, expected \"%s\"", text, want);
	assert_true(sample_cast(&smp, SMP_T_STR));
	if (smp.data.u.str.len != strlen(want) || memcmp(smp.data.u.str.ptr, want, strlen(want)))
		fail_msg("'%s' gave \"%.*s\", expected \"%s\"", text,
			 (int)smp.data.u.str.len, smp.data.u.str.ptr, want);
	sample_free_expr(expr);
}

/* Evaluates <text> expecting the integer <want>. */
static void expect_int(const char *text, int64_t want)
{
	struct sample smp;

	if (!eval(text, &smp))
		fail_msg("'%s' produced no sample", text);
	if (smp.data.type != SMP_T_SINT && smp.data.type != SMP_T_BOOL)
		fail_msg("'%s' gave type %s", text, sample_type_name(smp.data.type));
	if (smp.data.u.sint != want)
		fail_msg("'%s' gave %lld, expected %lld", text, (long long)smp.data.u.sint, (long long)want);
}

/* ---- casts ---- */

static void test_casts(void **state)
{
	struct sample smp;

	(void)state;
	/* int -> str, str -> int */
	sample_set_sint(&smp, -1234);
	assert_true(sample_cast(&smp, SMP_T_STR));
	assert_int_equal(smp.data.u.str.len, 5);
	assert_memory_equal(smp.data.u.str.ptr, "-1234", 5);
	sample_set_str(&smp, "123abc", 6);
	assert_true(sample_cast(&smp, SMP_T_SINT));
	assert_int_equal(smp.data.u.sint, 123);
	sample_set_str(&smp, "", 0);
	assert_false(sample_cast(&smp, SMP_T_SINT));
	sample_set_str(&smp, "99999999999999999999", 20);
	assert_true(sample_cast(&smp, SMP_T_SINT));
	assert_true(smp.data.u.sint == INT64_MAX);

	/* str -> ipv4 strict, str -> addr */
	sample_set_str(&smp, "10.1.2.3", 8);
	assert_true(sample_cast(&smp, SMP_T_IPV4));
	assert_int_equal(ntohl(smp.data.u.ipv4.s_addr), 0x0a010203);
	sample_set_str(&smp, "10.1.2", 6);
	assert_false(sample_cast(&smp, SMP_T_IPV4));
	sample_set_str(&smp, "10.1.2.256", 10);
	assert_false(sample_cast(&smp, SMP_T_IPV4));
	sample_set_str(&smp, "2001:db8::1", 11);
	assert_true(sample_cast(&smp, SMP_T_ADDR));
	assert_int_equal(smp.data.type, SMP_T_IPV6);

	/* ipv4 -> str, int, ipv6; ipv6 -> ipv4 only when mapped */
	smp.data.type = SMP_T_IPV4;
	smp.data.u.ipv4.s_addr = htonl(0xc0a80001);
	assert_true(sample_cast(&smp, SMP_T_STR));
	assert_int_equal(smp.data.u.str.len, 11);
	assert_memory_equal(smp.data.u.str.ptr, "192.168.0.1", 11);
	smp.data.type = SMP_T_IPV4;
	smp.data.u.ipv4.s_addr = htonl(0xc0a80001);
	assert_true(sample_cast(&smp, SMP_T_SINT));
	assert_int_equal(smp.data.u.sint, 0xc0a80001);
	assert_true(sample_cast(&smp, SMP_T_IPV6));
	assert_true(sample_cast(&smp, SMP_T_STR));
	assert_int_equal(smp.data.u.str.len, strlen("::ffff:192.168.0.1"));
	smp.data.type = SMP_T_IPV6;
	inet_pton(AF_INET6, "::ffff:1.2.3.4", &smp.data.u.ipv6);
	assert_true(sample_cast(&smp, SMP_T_IPV4));
	assert_int_equal(ntohl(smp.data.u.ipv4.s_addr), 0x01020304);
	smp.data.type = SMP_T_IPV6;
	inet_pton(AF_INET6, "2002:0102:0304::1", &smp.data.u.ipv6);
	assert_true(sample_cast(&smp, SMP_T_IPV4));
	assert_int_equal(ntohl(smp.data.u.ipv4.s_addr), 0x01020304);
	smp.data.type = SMP_T_IPV6;
	inet_pton(AF_INET6, "2001:db8::1", &smp.data.u.ipv6);
	assert_false(sample_cast(&smp, SMP_T_IPV4));

	/* int -> bin is 8 bytes big-endian; bool -> int; bin -> str stops at NUL */
	sample_set_sint(&smp, 0x0102);
	assert_true(sample_cast(&smp, SMP_T_BIN));
	assert_int_equal(smp.data.u.str.len, 8);
	assert_memory_equal(smp.data.u.str.ptr, "\0\0\0\0\0\0\x01\x02", 8);
	sample_set_bool(&smp, 1);
	assert_true(sample_cast(&smp, SMP_T_SINT));
	assert_int_equal(smp.data.type, SMP_T_SINT);
	sample_set_bin(&smp, "ab\0cd", 5);
	assert_true(sample_cast(&smp, SMP_T_STR));
	assert_int_equal(smp.data.u.str.len, 2);

	/* the matrix */
	assert_true(sample_can_cast(SMP_T_STR, SMP_T_SINT));
	assert_true(sample_can_cast(SMP_T_ADDR, SMP_T_STR));
	assert_false(sample_can_cast(SMP_T_ADDR, SMP_T_SINT));
	assert_false(sample_can_cast(SMP_T_BIN, SMP_T_SINT));
	assert_false(sample_can_cast(SMP_T_IPV6, SMP_T_SINT));
	assert_true(sample_can_cast(SMP_T_BIN, SMP_T_ANY));
	assert_false(sample_can_cast(SMP_T_BOOL, SMP_T_IPV4));
}

/* ---- converters ---- */

static void test_conv_case(void **state)
{
	(void)state;
	expect_str("str_fetch(HeLLo-123),lower", "hello-123");
	expect_str("str_fetch(HeLLo-123),upper", "HELLO-123");
	expect_str("str_fetch(''),lower", "");
	expect_str("int_fetch(12),upper", "12");            /* int cast to string */
	expect_str("str_fetch(AbC),lower,upper,lower", "abc"); /* scratch alternation */
}

static void test_conv_ipmask(void **state)
{
	(void)state;
	expect_str("ip_fetch(192.168.17.42),ipmask(24)", "192.168.17.0");
	expect_str("ip_fetch(192.168.17.42),ipmask(255.255.0.0)", "192.168.0.0");
	expect_str("ip_fetch(192.168.17.42),ipmask(0)", "0.0.0.0");
	expect_str("ip_fetch(2001:db8:1:2::5),ipmask(24,64)", "2001:db8:1:2::");
	expect_str("ip_fetch(2001:db8:1:2::5),ipmask(24,ffff:ffff::)", "2001:db8::");
	expect_str("ip_fetch(2001:db8:1:2::5),ipmask(24)", NULL);   /* no mask6 */
	expect_str("ip_fetch(::ffff:10.1.2.3),ipmask(8)", "10.0.0.0"); /* mapped: v4 */
	expect_str("str_fetch(10.9.8.7),ipmask(16)", "10.9.0.0");  /* string cast */
	expect_str("str_fetch(nope),ipmask(16)", NULL);
	parse_fails("ip_fetch(1.2.3.4),ipmask(33)", 0, "ipmask", "argument 1", "IPv4 mask", NULL);
	parse_fails("ip_fetch(1.2.3.4),ipmask(24,129)", 0, "argument 2", "IPv6 mask", NULL);
	parse_fails("ip_fetch(1.2.3.4),ipmask", 0, "missing argument 1", "ipmask", NULL);
}

static void test_conv_hashes(void **state)
{
	(void)state;
	/* reference values computed independently (zlib's crc32 and the
	 * published algorithms)
	 */
	expect_int("str_fetch(123456789),crc32", 3421780262LL);
	expect_int("str_fetch(123456789),crc32(1)", 1130417534LL);
	expect_int("str_fetch(''),crc32", 0);
	expect_int("str_fetch(''),crc32(1)", 2874071335LL);
	expect_int("str_fetch(hello),djb2", 261238937LL);
	expect_int("str_fetch(hello),djb2(1)", 1119739105LL);
	expect_int("str_fetch(''),djb2", 5381);
	expect_int("str_fetch(hello),sdbm", 684824882LL);
	expect_int("str_fetch(123456789),sdbm", 1755344949LL);
	expect_int("str_fetch(hello),wt6", 3538347703LL);
	expect_int("str_fetch(123456789),wt6", 2225171485LL);
	expect_int("str_fetch(''),wt6", 4187620192LL);
	expect_int("str_fetch(hello),crc32(0)", 907060870LL);
	parse_fails("str_fetch(a),crc32(yes)", 0, "argument 1 to converter 'crc32' must be an integer", NULL);
}

static void test_conv_encodings(void **state)
{
	(void)state;
	expect_str("str_fetch(''),base64", "");
	expect_str("str_fetch(f),base64", "Zg==");
	expect_str("str_fetch(fo),base64", "Zm8=");
	expect_str("str_fetch(foo),base64", "Zm9v");
	expect_str("str_fetch(foobar),base64", "Zm9vYmFy");
	expect_str("bin_fetch(00ff10),base64", "AP8Q");
	expect_str("int_fetch(1),base64", "AAAAAAAAAAE=");
	expect_str("bin_fetch(00ff10),hex", "00FF10");
	/* b64dec undoes base64; invalid input gives no sample */
	expect_str("str_fetch(Zm9vYmFy),b64dec", "foobar");
	expect_str("str_fetch(Zm8=),b64dec", "fo");
	expect_str("str_fetch(Zg==),b64dec", "f");
	expect_str("str_fetch(''),b64dec", "");
	expect_str("str_fetch(foobar),base64,b64dec", "foobar");
	expect_str("bin_fetch(00ff10),base64,b64dec,hex", "00FF10");
	{
		static const char *const bad[] = { "str_fetch(Zg=),b64dec", "str_fetch(Z===),b64dec",
						   "str_fetch(Zm9*),b64dec", "str_fetch(Zg==Zg==),b64dec" };
		struct sample smp;

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (eval(bad[i], &smp))
				fail_msg("'%s' should give no sample", bad[i]);
	}
	expect_int("str_fetch(hello),length", 5);
	expect_int("str_fetch(''),length", 0);
}

static void test_conv_json(void **state)
{
	(void)state;
	expect_str("str_fetch('Very \"Ugly\" UA 1/2'),json", "Very \\\"Ugly\\\" UA 1\\/2");
	expect_str("str_fetch(a\\\\b),json", "a\\\\b");
	expect_str("str_fetch(''),json(utf8)", "");
	/* é in UTF-8 (c3 a9) */
	expect_str("bin_fetch(c3a9),json(utf8)", "\\u00e9");
	expect_str("bin_fetch(c3a9),json(ascii)", "\\u00c3\\u00a9");
	expect_str("bin_fetch(c3a9),json", "\\u00c3\\u00a9");
	expect_str("bin_fetch(01090a0d),json", "\\u0001\\t\\n\\r");
	expect_str("bin_fetch(e282ac),json(utf8)", "\\u20ac");     /* euro sign */
	/* invalid byte */
	expect_str("bin_fetch(61ff62),json(utf8)", NULL);
	expect_str("bin_fetch(61ff62),json(utf8s)", "ab");
	expect_str("bin_fetch(61ff62),json(utf8p)", NULL);
	expect_str("bin_fetch(61ff62),json(utf8ps)", "ab");
	/* overlong '/' (c0 af) */
	expect_str("bin_fetch(c0af),json(utf8)", NULL);
	expect_str("bin_fetch(c0af),json(utf8s)", "");
	expect_str("bin_fetch(c0af),json(utf8p)", "\\/");
	expect_str("bin_fetch(c0af),json(utf8ps)", "\\/");
	/* beyond U+FFFF: too long for \u */
	expect_str("bin_fetch(f09f9880),json(utf8)", NULL);
	expect_str("bin_fetch(41f09f9880),json(utf8s)", "A");
	/* truncated sequence, surrogate */
	expect_str("bin_fetch(41e282),json(utf8s)", "A");
	expect_str("bin_fetch(eda080),json(utf8)", NULL);
	parse_fails("str_fetch(a),json(latin1)", 0, "json", "utf8ps", NULL);
}

static void test_conv_field_word(void **state)
{
	(void)state;
	/* HAProxy's documented examples */
	expect_str("str_fetch(f1_f2_f3__f5),field(4,_)", "");
	expect_str("str_fetch(f1_f2_f3__f5),field(5,_)", "f5");
	expect_str("str_fetch(f1_f2_f3__f5),field(2,_,0)", "f2_f3__f5");
	expect_str("str_fetch(f1_f2_f3__f5),field(2,_,2)", "f2_f3");
	expect_str("str_fetch(f1_f2_f3__f5),field(-2,_,3)", "f2_f3_");
	expect_str("str_fetch(f1_f2_f3__f5),field(-3,_,0)", "f1_f2_f3");
	expect_str("str_fetch(f1_f2_f3__f5),word(4,_)", "f5");
	expect_str("str_fetch(f1_f2_f3__f5),word(5,_)", NULL);
	expect_str("str_fetch(f1_f2_f3__f5),word(2,_,0)", "f2_f3__f5");
	expect_str("str_fetch(f1_f2_f3__f5),word(3,_,2)", "f3__f5");
	expect_str("str_fetch(f1_f2_f3__f5),word(-2,_,3)", "f1_f2_f3");
	expect_str("str_fetch(f1_f2_f3__f5),word(-3,_,0)", "f1_f2");
	expect_str("str_fetch(/f1/f2/f3/f4),word(1,/)", "f1");
	expect_str("str_fetch(/f1////f2/f3/f4),word(1,/)", "f1");
	expect_str("str_fetch(/f1////f2/f3/f4),word(2,/)", "f2");
	/* edges */
	expect_str("str_fetch(a.b:c),field(2,.:)", "b");
	expect_str("str_fetch(a.b:c),field(-1,.:)", "c");
	expect_str("str_fetch(abc),field(1,_)", "abc");
	expect_str("str_fetch(abc),field(2,_)", NULL);
	expect_str("str_fetch(abc),field(-2,_)", NULL);
	expect_str("str_fetch(''),field(1,_)", "");
	expect_str("str_fetch(a_b),field(2,_,5)", "b");
	expect_str("str_fetch(___),word(1,_)", NULL);
	expect_str("str_fetch(x),word(-1,_)", "x");
	expect_str("str_fetch(a_b_),word(2,_,3)", "b_");
	expect_str("str_fetch(a\\,b\\,c),field(2,\\,)", "b");   /* escaped comma delimiter */
	parse_fails("str_fetch(a),field(0,_)", 0, "field", "index 0", NULL);
	parse_fails("str_fetch(a),field(1,)", 0, "delimiter list is empty", NULL);
	parse_fails("str_fetch(a),word(1,_,-1)", 0, "count", NULL);
	parse_fails("str_fetch(a),field(x,_)", 0, "argument 1 to converter 'field' must be an integer, not 'x'", NULL);
	parse_fails("str_fetch(a),field(1)", 0, "missing argument 2 to converter 'field' (expected a string)", NULL);
	parse_fails("str_fetch(a),field(1,_,2,3)", 0, "too many arguments to converter 'field' (at most 3)", NULL);
}

static void test_conv_arith(void **state)
{
	(void)state;
	expect_int("int_fetch(0),bool", 1 - 1);
	expect_int("int_fetch(7),bool", 1);
	expect_int("int_fetch(0),not", 1);
	expect_int("int_fetch(-3),not", 0);
	expect_int("bool_fetch(1),not", 0);
	expect_int("str_fetch(12),add(30)", 42);
	expect_int("int_fetch(5),sub(7)", -2);
	expect_int("int_fetch(6),mul(-7)", -42);
	expect_int("int_fetch(43),div(2)", 21);
	expect_int("int_fetch(43),div(0)", INT64_MAX);
	expect_int("int_fetch(43),mod(5)", 3);
	expect_int("int_fetch(43),mod(0)", 0);
	expect_int("int_fetch(9223372036854775807),add(1)", INT64_MAX);
	expect_int("int_fetch(-9223372036854775807),sub(2)", INT64_MIN);
	expect_int("int_fetch(4611686018427387904),mul(4)", INT64_MAX);
	expect_int("int_fetch(4611686018427387904),mul(-4)", INT64_MIN);
	expect_int("int_fetch(-9223372036854775807),sub(1),div(-1)", INT64_MAX);
	expect_int("int_fetch(12),and(10)", 8);
	expect_int("int_fetch(12),or(3)", 15);
	expect_int("int_fetch(12),xor(4)", 8);
	expect_int("int_fetch(12),neg", -12);
	expect_int("int_fetch(12),add(-2),mul(3),div(5),neg", -6);
	expect_int("time_fetch(10s)", 10000);
	expect_int("time_fetch(1500us)", 1);
	expect_int("time_fetch(2m)", 120000);
	/* a variable name is accepted (proxy/vars.c reads it); other words are not */
	{
		struct sample_expr *e = parse_ok("int_fetch(1),add(txn.var)");

		expect_int("int_fetch(1),add(2)", 3);
		sample_free_expr(e);
	}
	expect_str("int_fetch(1),add(txn.unset)", NULL);
	parse_fails("int_fetch(1),add(foo.var)", 0, "variable 'foo.var' must be named", NULL);
	parse_fails("int_fetch(1),add(abc)", 0, "argument 1 to converter 'add' must be an integer", NULL);
	parse_fails("int_fetch(1),add", 0, "missing argument 1 to converter 'add'", NULL);
	parse_fails("time_fetch(10x)", 0, "argument 1 to fetch 'time_fetch' must be a time", NULL);
}

/* Output that does not fit the scratch area makes the converter fail. */
static void test_conv_scratch_overflow(void **state)
{
	size_t n = SAMPLE_SCRATCH_SIZE + 10;
	char *text = malloc(n + 32);
	struct sample smp;

	(void)state;
	assert_non_null(text);
	strcpy(text, "str_fetch(");
	memset(text + 10, 'A', n);
	strcpy(text + 10 + n, "),lower");
	assert_false(eval(text, &smp));
	/* json may expand 6 times: fits on input, not on output */
	memset(text + 10, 1, SAMPLE_SCRATCH_SIZE / 2);
	strcpy(text + 10 + SAMPLE_SCRATCH_SIZE / 2, "),json");
	assert_false(eval(text, &smp));
	free(text);
}

/* ---- parse errors ---- */

static void test_parse_errors(void **state)
{
	(void)state;
	parse_fails("str_fech(a)", 0, "unknown fetch method 'str_fech'", "did you mean 'str_fetch'", NULL);
	parse_fails("zzzzzzzz", 0, "unknown fetch method 'zzzzzzzz'", NULL);
	parse_fails("str_fetch(a),lowr", 0, "unknown converter 'lowr'", "did you mean 'lower'", NULL);
	parse_fails("str_fetch(abc", 0, "missing closing ')'", "str_fetch", NULL);
	parse_fails("str_fetch(a),field(1,_", 0, "missing closing ')'", "field", NULL);
	parse_fails("str_fetch(a)x", 0, "unexpected 'x'", NULL);
	parse_fails("str_fetch", 0, "missing argument 1 to fetch 'str_fetch' (expected a string)", NULL);
	parse_fails("int_fetch(abc)", 0, "argument 1 to fetch 'int_fetch' must be an integer, not 'abc'", NULL);
	parse_fails("str_fetch(a),lower(1)", 0, "converter 'lower' takes no argument", NULL);
	parse_fails("str_fetch(a),", 0, "missing converter name", NULL);
	parse_fails("", 0, "missing fetch name", NULL);
	parse_fails("bin_fetch(00),add(1)", 0, "converter 'add' cannot be applied to a sample of type binary", NULL);
}

/* Malformed input never crashes and always gets a message. */
static void test_parse_garbage(void **state)
{
	static const char *const bad[] = {
		"(", ")", ",", ",,", "(a)", "str_fetch((", "str_fetch(\\", "str_fetch('abc)",
		"str_fetch(a))", "str_fetch(a),(", "str_fetch(a),lower(", "str_fetch(a),,lower",
		"str_fetch(a)),lower", "int_fetch(1,2)", "int_fetch(99999999999999999999)",
		"int_fetch( 1)", "ip_fetch(1.2.3.4),ipmask(1.2.3)", "ip_fetch(1.2.3.4),ipmask(-1)",
		"ip_fetch(1.2.3.4),ipmask(24,1:2:3)x", "time_fetch(-1s)", "time_fetch(ms)",
		"str_fetch(a),field(9999999999999999999999,_)",
		"a_very_long_fetch_name_that_goes_on_and_on_and_on_beyond_sixty_four_bytes_of_text(1)",
	};
	struct sample_expr *expr;
	char *err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expr = NULL;
		err = NULL;
		if (sample_parse_expr(bad[i], 0, &expr, &err) == 0)
			fail_msg("'%s' should not parse", bad[i]);
		assert_null(expr);
		assert_non_null(err);
		free(err);
	}
}

static void test_parse_misc(void **state)
{
	struct sample_expr *expr;
	char *err = NULL;

	(void)state;
	/* an address can be hashed: it is cast to binary */
	expr = NULL;
	assert_int_equal(sample_parse_expr("ip_fetch(::1),crc32", 0, &expr, &err), 0);
	assert_int_equal(expr->out_type, SMP_T_SINT);
	sample_free_expr(expr);

	/* places */
	assert_int_equal(sample_parse_expr("http_fetch(x)", SMP_USE_HTTP_REQ, &expr, &err), 0);
	sample_free_expr(expr);
	assert_int_equal(sample_parse_expr("http_fetch(x)", SMP_USE_L4CLI, &expr, &err), -EINVAL);
	assert_non_null(strstr(err, "fetch 'http_fetch' cannot be used in tcp-request connection rules"));
	free(err);
	err = NULL;
	/* a fetch of the request's bytes: content rules, not session rules;
	 * one of the session: content rules too
	 */
	assert_int_equal(sample_parse_expr("req_fetch(x)", SMP_USE_L6REQ, &expr, &err), 0);
	sample_free_expr(expr);
	assert_int_equal(sample_parse_expr("req_fetch(x)", SMP_USE_L5CLI, &expr, &err), -EINVAL);
	assert_non_null(strstr(err, "fetch 'req_fetch' cannot be used in tcp-request session rules"));
	free(err);
	err = NULL;
	assert_int_equal(sample_parse_expr("sess_fetch(x)", SMP_USE_L6REQ, &expr, &err), 0);
	sample_free_expr(expr);
	assert_int_equal(sample_parse_expr("http_fetch(x)", SMP_USE_L6REQ, &expr, &err), -EINVAL);
	assert_non_null(strstr(err, "cannot be used in tcp-request content rules"));
	free(err);
	err = NULL;

	/* err may be NULL */
	assert_int_equal(sample_parse_expr("nope", 0, &expr, NULL), -EINVAL);

	/* empty parentheses with optional arguments */
	expect_int("int_fetch()", 42);
	expect_int("int_fetch", 42);
	/* quoted argument with a comma and a parenthesis */
	expect_str("str_fetch('a,b)c')", "a,b)c");

	/* registering a name twice is refused */
	static struct sample_fetch_kw_list dup = {
		.kw = { { "str_fetch", f_str, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_ANY }, { NULL, NULL, 0, NULL, 0, 0 } }
	};
	assert_int_equal(sample_register_fetches(&dup), -EEXIST);

	/* the constant fetches */
	expect_int("always_true", 1);
	expect_int("always_false", 0);

	assert_int_equal(sample_name_distance("kitten", "sitting"), 3);
}

static void test_eval_none_and_multi(void **state)
{
	struct sample_expr *expr = parse_ok("multi_fetch(a|Bb|ccc),upper");
	struct sample_ctx ctx = { 0 };
	struct sample smp;

	(void)state;
	expect_str("none_fetch", NULL);
	expect_str("none_fetch,lower", NULL);

	assert_true(sample_eval(expr, &ctx, &smp));
	assert_memory_equal(smp.data.u.str.ptr, "A", 1);
	assert_true(smp.flags & SMP_F_NOT_LAST);
	assert_true(sample_eval_next(expr, &ctx, &smp));
	assert_int_equal(smp.data.u.str.len, 2);
	assert_memory_equal(smp.data.u.str.ptr, "BB", 2);
	assert_true(sample_eval_next(expr, &ctx, &smp));
	assert_int_equal(smp.data.u.str.len, 3);
	assert_memory_equal(smp.data.u.str.ptr, "CCC", 3);
	assert_false(smp.flags & SMP_F_NOT_LAST);
	sample_free_expr(expr);
}

/* ---- text and binary converters (conv_text.c), constant fetches ---- */

static void test_const_fetches(void **state)
{
	struct sample smp;

	(void)state;
	expect_str("str(foo 1/2)", "foo 1/2");
	expect_int("int(-12)", -12);
	expect_int("bool(true)", 1);
	expect_int("bool(0)", 0);
	expect_str("bin(14fb9c),hex", "14FB9C");
	expect_str("ipv4(10.1.2.3)", "10.1.2.3");
	assert_true(eval("uuid", &smp));
	assert_int_equal(smp.data.type, SMP_T_STR);
	assert_int_equal(smp.data.u.str.len, 36);
	assert_int_equal(smp.data.u.str.ptr[14], '4');
	expect_int("rand(1)", 0);
	parse_fails("bool(maybe)", 0, "'maybe' is not a boolean", NULL);
	parse_fails("bin(abc)", 0, "even number of hex digits", NULL);
	parse_fails("bin(zz)", 0, "invalid hex digit", NULL);
	parse_fails("uuid(7)", 0, "unsupported UUID version 7", NULL);
}

static void test_time(void **state)
{
	struct sample smp;

	(void)state;
	expect_str("int(784111777),http_date", "Sun, 06 Nov 1994 08:49:37 GMT");
	expect_str("int(784111777123),http_date(0,ms)", "Sun, 06 Nov 1994 08:49:37.123 GMT");
	expect_str("int(784111777),http_date(3600)", "Sun, 06 Nov 1994 09:49:37 GMT");
	expect_str("int(0),utime(%Y-%m-%d %H:%M:%S)", "1970-01-01 00:00:00");
	expect_str("int(86400),utime(%d,-1)", "01");
	parse_fails("date(0,h)", 0, "invalid unit 'h'", NULL);
	assert_true(eval("date", &smp));
	assert_true(smp.data.u.sint > 1700000000);
	assert_true(eval("date(0,ms)", &smp));
	assert_true(smp.data.u.sint > 1700000000000LL);
	expect_int("int(6),even", 1);
	expect_int("int(-3),odd", 1);
	expect_int("int(0),cpl", -1);
}

static void test_conv_2dec_2hex(void **state)
{
	(void)state;
	expect_str("str(0123456789),be2dec(:,1)", "48:49:50:51:52:53:54:55:56:57");
	expect_str("str(0123456789),be2dec(-,3)", "3158322-3355701-3553080-57");
	expect_str("str(0123456789),be2dec(::,3,1)", "3158322::3355701::3553080");
	expect_str("str(0123456789),le2dec(-,3)", "3289392-3486771-3684150-57");
	expect_str("str(''),be2dec(:,1)", "");
	expect_str("bin(0102030405),be2hex", "0102030405");
	expect_str("bin(0102030405),be2hex(:,1)", "01:02:03:04:05");
	expect_str("bin(0102030405),be2hex(--,3)", "010203--0405");
	expect_str("bin(0102030405),be2hex(.,3,1)", "010203");
	expect_int("str(1F),hex2i", 31);
	expect_int("str(ffffffffffffffff),hex2i", -1);
	expect_str("str(1G),hex2i", NULL);
	parse_fails("str(a),be2dec(:,9)", 0, "chunk_size out of [1..8] range", NULL);
	parse_fails("str(a),be2dec(:,1,2)", 0, "Unsupported truncate value", NULL);
	parse_fails("str(a),be2hex(:)", 0, "chunk_size needs to be positive", NULL);
}

static void test_conv_has_ctl(void **state)
{
	(void)state;
	expect_int("str(abc),has_ctl", 0);
	expect_int("bin(610961),has_ctl", 0);          /* TAB is not counted by default */
	expect_int("bin(610961),has_ctl(any)", 1);
	expect_int("bin(617f),has_ctl", 1);
	expect_int("bin(610a),has_ctl(http)", 1);
	expect_int("bin(6101),has_ctl(http)", 0);
	expect_int("bin(6101),has_ctl(0x2)", 1);
	parse_fails("str(a),has_ctl(0x400000000)", 0, "unsupported excess bits", NULL);
	parse_fails("str(a),has_ctl(foo)", 0, "cannot parse value 'foo'", NULL);
}

static void test_conv_url(void **state)
{
	(void)state;
	expect_str("str(/bla+%20?foo%3Dbar%2B42+42%20),url_dec", "/bla+ ?foo=bar+42 42 ");
	expect_str("str(/bla+%20?foo%3Dbar%2B42+42%20),url_dec(1)", "/bla  ?foo=bar+42 42 ");
	expect_str("str(a%2),url_dec", NULL);
	expect_str("str(a%zz),url_dec", NULL);
	expect_str("str(foo=bar+42 42 ),url_enc", "foo%3Dbar%2B42%2042%20");
	expect_str("str(a-b.c_d~e),url_enc(query)", "a-b.c_d~e");
	parse_fails("str(a),url_enc(path)", 0, "unexpected encode type 'path'", NULL);
	expect_str("bin(14fb9c03d97f12d97e),ub64enc", "FPucA9l_Etl-");
	expect_str("str(f),ub64enc", "Zg");
	expect_str("str(FPucA9l_Etl-),ub64dec,hex", "14FB9C03D97F12D97E");
	expect_str("str(Zm9vYg),ub64dec", "foob");
	expect_str("str(Zg==),ub64dec", NULL);
	expect_str("str(Z),ub64dec", NULL);
}

static void test_conv_strings(void **state)
{
	(void)state;
	expect_str("str(abc),reverse", "cba");
	expect_str("str(''),reverse", "");
	expect_str("str(WWW.Example.COM:8080),host_only", "www.example.com");
	expect_str("str([::1]:80),host_only", "[::1]");
	expect_str("str([::1]),host_only", "[::1]");
	expect_int("str(example.com:8080),port_only", 8080);
	expect_int("str([::1]),port_only", 0);
	expect_str("str(a=1&b=2&c),param(b)", "2");
	expect_str("str(a=1&b=2&c),param(c)", "");
	expect_str("str(a=1&b=2&c),param(d)", NULL);
	expect_str("str(a=1;bb=2),param(bb,;)", "2");
	expect_str("str(a=1;bb=2),param(bb,0x3b)", "2");
	parse_fails("str(a),param(a,ab)", 0, "must be exactly 1 character", NULL);
	expect_str("bin(00010203),bytes(1,2),hex", "0102");
	expect_str("bin(00010203),bytes(2),hex", "0203");
	expect_str("bin(00010203),bytes(9),hex", "");
	expect_str("bin(00010203),bytes(1,99),hex", "010203");
	expect_str("str(mid),concat(<,,>)", "mid<>");
	expect_str("str(xxabcxy),ltrim(xy)", "abcxy");
	expect_str("str(xxabcxy),rtrim(xy)", "xxabc");
	expect_str("str(xyx),ltrim(xy)", "");
	expect_str("bin(00010203),bytes(txn.unset),hex", NULL);
	expect_str("str(mid),concat(<,txn.unset,>)", "mid<>");   /* no context: the variable is unset */
	parse_fails("str(a),concat(<,nodot,>)", 0, "'nodot' is not a variable name", NULL);
	parse_fails("str(a),concat(<,foo.x,>)", 0, "variable 'foo.x' must be named", NULL);
	expect_str("str(a),strcmp(txn.unset)", NULL);
	expect_str("str(a),secure_memcmp(txn.unset)", NULL);
	parse_fails("str(a),strcmp(abc)", 0, "'abc' is not a variable name", NULL);
	parse_fails("str(a),secure_memcmp", 0, "missing argument 1", NULL);
	expect_str("str(this is a test),regsub(is a,is also a)", "this is also a test");
	expect_str("str(aXbXc),regsub(X,-,g)", "a-b-c");
	expect_str("str(abc),regsub(x*,-,g)", "-a-b-c-");
	expect_str("str(AbA),regsub(a,z,ig)", "zbz");
	expect_str("str(aaa),regsub(^a,b,g)", "baa");
	expect_str("str(foo.bar),regsub('([a-z]+)[.]([a-z]+)','\\2.\\1')", "bar.foo");
	parse_fails("str(a),regsub(a,b,x)", 0, "invalid regex flag 'x'", NULL);
	parse_fails("str(a),regsub('(a',b)", 0, "invalid regex '(a'", NULL);
	parse_fails("str(a),regsub('(a)','\\2')", 0, "refers to a group the regex does not have", NULL);
	expect_str("bool(1),iif(yes,no)", "yes");
	expect_str("int(0),iif(yes,no)", "no");
}

static void test_conv_digests(void **state)
{
	(void)state;
	/* values from HAProxy's reg-test sample_fetches/hashes.vtc and
	 * Python's hashlib
	 */
	expect_int("str(123456789),crc32c", 0xe3069283LL);
	expect_int("str(''),xxh32", 0x02cc5d05LL);
	expect_int("str(''),xxh64", (int64_t)0xef46db3751d8e999ULL);
	expect_int("str(''),xxh3", 0x2d06800538d394c2LL);
	expect_str("str(abc),sha1,hex", "A9993E364706816ABA3E25717850C26C9CD0D89D");
	expect_str("str(abc),sha2,hex", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
	expect_str("str(abc),sha2(224),hex", "23097D223405D8228642A477BDA255B32AADBCE4BDA0B3F7E36C9DA7");
	parse_fails("str(a),sha2(100)", 0, "unsupported number of bits", NULL);
	/* digest and hmac: Python's hashlib and hmac modules */
	expect_str("str(abc),digest(SHA512),hex,bytes(0,32)", "DDAF35A193617ABACC417349AE204131");
	expect_str("str(The quick brown fox jumps over the lazy dog),hmac(sha1,a2V5),hex",
		   "DE7C9B85B8B78AA6BC8A7A36F70A90701C9DB4D9");
	parse_fails("str(a),digest(md5)", 0, "unsupported digest algorithm 'md5'", NULL);
	parse_fails("str(a),hmac(sha256,txn.key)", 0, "is not valid base64", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_casts),
		cmocka_unit_test(test_const_fetches),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_conv_2dec_2hex),
		cmocka_unit_test(test_conv_has_ctl),
		cmocka_unit_test(test_conv_url),
		cmocka_unit_test(test_conv_strings),
		cmocka_unit_test(test_conv_digests),
		cmocka_unit_test(test_conv_case),
		cmocka_unit_test(test_conv_ipmask),
		cmocka_unit_test(test_conv_hashes),
		cmocka_unit_test(test_conv_encodings),
		cmocka_unit_test(test_conv_json),
		cmocka_unit_test(test_conv_field_word),
		cmocka_unit_test(test_conv_arith),
		cmocka_unit_test(test_conv_scratch_overflow),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_misc),
		cmocka_unit_test(test_eval_none_and_multi),
	};

	if (sample_register_fetches(&test_fetches) < 0) {
		fprintf(stderr, "cannot register the test fetches\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
