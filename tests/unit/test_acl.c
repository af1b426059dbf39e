/*
 * Unit tests for ACLs and conditions (src/rules/acl.c).
 *
 * Fetches are fakes registered here: constants from their argument
 * (str_fetch(<s>), int_fetch(<n>), ip_fetch(<addr>), bin_fetch(<hex>),
 * bool_fetch(<n>)), none_fetch (never found), and ctx_* fetches reading a
 * per-thread struct through sample_ctx.txn, used by the multi-thread test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/acl.h>
#include <tollgate/patset.h>
#include <tollgate/sample.h>

#include "helpers/runtime.h"
#include "helpers/tempfile.h"

/* What the ctx_* fetches return. */
struct test_txn {
	const char *str;      /* ctx_str */
	int64_t num;          /* ctx_int */
	const char *ip;       /* ctx_ip, parsed at each call */
	int has_hdr;          /* ctx_hdr found or not */
};

/* ---- fake fetches ---- */

static int f_str(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_str(smp, args[0].data.str.ptr, args[0].data.str.len);
	return 1;
}

static int f_int(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_sint(smp, args[0].data.sint);
	return 1;
}

static int f_bool(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_bool(smp, args[0].data.sint);
	return 1;
}

static int parse_ip(const char *s, struct sample *smp)
{
	if (inet_pton(AF_INET, s, &smp->data.u.ipv4) == 1) {
		smp->data.type = SMP_T_IPV4;
		return 1;
	}
	if (inet_pton(AF_INET6, s, &smp->data.u.ipv6) == 1) {
		smp->data.type = SMP_T_IPV6;
		return 1;
	}
	return 0;
}

static int f_ip(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return parse_ip(args[0].data.str.ptr, smp);
}

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

static int f_ctx_str(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct test_txn *t = ctx->txn;

	sample_set_str(smp, t->str, strlen(t->str));
	return 1;
}

static int f_ctx_int(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct test_txn *t = ctx->txn;

	sample_set_sint(smp, t->num);
	return 1;
}

static int f_ctx_ip(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct test_txn *t = ctx->txn;

	return parse_ip(t->ip, smp);
}

static int f_ctx_hdr(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct test_txn *t = ctx->txn;

	if (!t->has_hdr)
		return 0;
	sample_set_str(smp, "", 0);
	return 1;
}

/* maybe_fetch(<n>): <n>, but only once final; before, no value yet and
 * more data may bring one (a payload fetch waiting for bytes).
 */
static int f_maybe(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	if (!(ctx->opt & SMP_OPT_FINAL)) {
		smp->flags |= SMP_F_MAY_CHANGE;
		return 0;
	}
	sample_set_sint(smp, args[0].data.sint);
	return 1;
}

/* multi_fetch(<a|b|c>): one value per call. */
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
		{ "str_fetch",  f_str,     SMP_ARG1(1, STR),  NULL, SMP_T_STR,  SMP_USE_ANY },
		{ "int_fetch",  f_int,     SMP_ARG1(1, SINT), NULL, SMP_T_SINT, SMP_USE_ANY },
		{ "bool_fetch", f_bool,    SMP_ARG1(1, SINT), NULL, SMP_T_BOOL, SMP_USE_ANY },
		{ "ip_fetch",   f_ip,      SMP_ARG1(1, STR),  NULL, SMP_T_ADDR, SMP_USE_ANY },
		{ "bin_fetch",  f_bin,     SMP_ARG1(1, STR),  NULL, SMP_T_BIN,  SMP_USE_ANY },
		{ "none_fetch", f_none,    SMP_ARG0,          NULL, SMP_T_STR,  SMP_USE_ANY },
		{ "multi_fetch", f_multi,  SMP_ARG1(1, STR),  NULL, SMP_T_STR,  SMP_USE_ANY },
		{ "maybe_fetch", f_maybe,  SMP_ARG1(1, SINT), NULL, SMP_T_SINT, SMP_USE_ANY },
		{ "ver_fetch",  f_int,     SMP_ARG1(1, SINT), NULL, SMP_T_SINT, SMP_USE_ANY, NULL, SMP_KW_DOTTED_VER },
		{ "ctx_str",    f_ctx_str, SMP_ARG0,          NULL, SMP_T_STR,  SMP_USE_HTTP_REQ },
		{ "ctx_int",    f_ctx_int, SMP_ARG0,          NULL, SMP_T_SINT, SMP_USE_ANY },
		{ "ctx_ip",     f_ctx_ip,  SMP_ARG0,          NULL, SMP_T_ADDR, SMP_USE_L4CLI | SMP_USE_HTTP_REQ },
		{ "ctx_hdr",    f_ctx_hdr, SMP_ARG0,          NULL, SMP_T_STR,  SMP_USE_HTTP_REQ },
		{ NULL, NULL, 0, NULL, 0, 0 },
	}
};

/* ---- helpers ---- */

#define MAX_WORDS 64

/* Splits the writable <line> on spaces into <args>; returns the count. */
static int split(char *line, char **args)
{
	int n = 0;

	for (char *tok = strtok(line, " "); tok && n < MAX_WORDS; tok = strtok(NULL, " "))
		args[n++] = tok;
	return n;
}

/* Declares "acl <line>" into <list>; fails the test on error. */
static void acl_ok(struct acl_list *list, const char *line)
{
	char buf[4096], *args[MAX_WORDS], *err = NULL;
	int argc;

	snprintf(buf, sizeof(buf), "acl %s", line);
	argc = split(buf, args);
	if (acl_parse_line(list, argc, args, &err) != 0)
		fail_msg("'acl %s' failed: %s", line, err ? err : "(no message)");
}

/* Declares "acl <line>" expecting an error containing <needle>. */
static void acl_fails(const char *line, const char *needle)
{
	char buf[4096], *args[MAX_WORDS], *err = NULL;
	struct acl_list list;
	int argc;

	acl_list_init(&list);
	snprintf(buf, sizeof(buf), "acl %s", line);
	argc = split(buf, args);
	if (acl_parse_line(&list, argc, args, &err) == 0)
		fail_msg("'acl %s' should have failed", line);
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("error for 'acl %s' is \"%s\", lacks \"%s\"", line, err, needle);
	assert_null(strchr(err, '\n'));
	free(err);
	acl_list_deinit(&list);
}

/* Declares "acl t <line>" in a fresh list and returns whether it matches
 * with context <txn>.
 */
static int match_ctx(const char *line, struct test_txn *txn)
{
	struct sample_ctx ctx = { .txn = txn };
	struct acl_list list;
	char buf[4096];
	int ret;

	acl_list_init(&list);
	snprintf(buf, sizeof(buf), "t %s", line);
	acl_ok(&list, buf);
	ret = acl_exec(acl_find(&list, "t"), &ctx);
	acl_list_deinit(&list);
	return ret;
}

static int match(const char *line)
{
	struct test_txn txn = { .str = "", .ip = "0.0.0.0" };

	return match_ctx(line, &txn);
}

#define MATCH(line)    do { if (!match(line)) fail_msg("'%s' should match", line); } while (0)
#define NOMATCH(line)  do { if (match(line)) fail_msg("'%s' should not match", line); } while (0)

/* Parses "<text>" as a condition with <list>; fails the test on error. */
static struct acl_cond *cond_ok(struct acl_list *list, const char *text)
{
	char buf[4096], *args[MAX_WORDS], *err = NULL;
	struct acl_cond *cond;
	int argc, used = -1;

	snprintf(buf, sizeof(buf), "%s", text);
	argc = split(buf, args);
	cond = cond_parse(list, argc, args, &used, &err);
	if (!cond)
		fail_msg("condition '%s' failed: %s", text, err ? err : "(no message)");
	assert_int_equal(used, argc);
	return cond;
}

static void cond_fails(struct acl_list *list, const char *text, const char *needle)
{
	char buf[4096], *args[MAX_WORDS], *err = NULL;
	int argc;

	snprintf(buf, sizeof(buf), "%s", text);
	argc = split(buf, args);
	if (cond_parse(list, argc, args, NULL, &err))
		fail_msg("condition '%s' should have failed", text);
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("error for '%s' is \"%s\", lacks \"%s\"", text, err, needle);
	free(err);
}

/* Evaluates condition <text> over <list> with <txn>. */
static int cond_text_exec(struct acl_list *list, const char *text, struct test_txn *txn)
{
	struct sample_ctx ctx = { .txn = txn };
	struct acl_cond *cond = cond_ok(list, text);
	int ret = cond_exec(cond, &ctx);

	cond_free(cond);
	return ret;
}

/* <content> in a temporary file (helpers/tempfile.h): the test fails if
 * it cannot be written.
 */
static char *temp_file(const char *content)
{
	char *path = test_temp_file(content);

	assert_non_null(path);
	return path;
}

/* ---- matching methods ---- */

static void test_match_str(void **state)
{
	(void)state;
	MATCH("str_fetch(hello) hello");
	MATCH("str_fetch(hello) foo bar hello");
	NOMATCH("str_fetch(hello) Hello");
	MATCH("str_fetch(hello) -i HELLO");
	MATCH("str_fetch(HeLLo) -i hello");
	NOMATCH("str_fetch(hell) hello");
	NOMATCH("str_fetch(hello) hell");
	/* -i applies to the patterns after it only; after a pattern it is one */
	NOMATCH("str_fetch(ABC) abc");
	MATCH("str_fetch(-i) abc -i");
	MATCH("str_fetch(-i) -- -i");
	MATCH("str_fetch(x) -m str x");
	MATCH("int_fetch(12) -m str 12");    /* integer cast to string */
	NOMATCH("str_fetch(hello)");         /* no pattern never matches */
}

static void test_match_beg_end_sub(void **state)
{
	(void)state;
	MATCH("str_fetch(/static/img.png) -m beg /img /static");
	NOMATCH("str_fetch(/stat) -m beg /static");
	MATCH("str_fetch(/STATIC/x) -m beg -i /static");
	MATCH("str_fetch(/a/b.PNG) -m end -i .png .gif");
	NOMATCH("str_fetch(/a/b.PNG) -m end .png");
	NOMATCH("str_fetch(png) -m end .png");
	MATCH("str_fetch(Mozilla/5.0_curl/7) -m sub curl");
	MATCH("str_fetch(Mozilla/5.0_CURL/7) -m sub -i wget curl");
	NOMATCH("str_fetch(Mozilla) -m sub curl");
	MATCH("str_fetch(abc) -m sub abc");
}

static void test_match_dir_dom(void **state)
{
	(void)state;
	/* HAProxy's documented examples */
	MATCH("str_fetch(/images/png/logo/32x32.png) -m dir /images");
	MATCH("str_fetch(/images/png/logo/32x32.png) -m dir images/png");
	MATCH("str_fetch(/images/png/logo/32x32.png) -m dir /png/logo");
	MATCH("str_fetch(/images/png/logo/32x32.png) -m dir 32x32.png");
	/* HAProxy's manual says "png" does not match, but its matcher (which
	 * we follow) does: "png" is a whole slash-delimited part here
	 */
	MATCH("str_fetch(/images/png/logo/32x32.png) -m dir png");
	NOMATCH("str_fetch(/images/png/logo/32x32.png) -m dir ng");
	NOMATCH("str_fetch(/images/png/logo/32x32.png) -m dir 32x32");
	MATCH("str_fetch(http://www1.dc-eu.example.com:80/blah) -m dom www1");
	MATCH("str_fetch(http://www1.dc-eu.example.com:80/blah) -m dom .www1");
	MATCH("str_fetch(http://www1.dc-eu.example.com:80/blah) -m dom dc-eu.example");
	MATCH("str_fetch(http://www1.dc-eu.example.com:80/blah) -m dom :www1:");
	/* the manual also lists "dc-eu.example:80", which is no part of the
	 * string: HAProxy's matcher does not match it either
	 */
	MATCH("str_fetch(http://www1.dc-eu.example.com:80/blah) -m dom example.com:80");
	MATCH("str_fetch(http://www1.dc-eu.example.com:80/blah) -m dom blah");
	NOMATCH("str_fetch(http://www1.dc-eu.example.com:80/blah) -m dom eu");
	NOMATCH("str_fetch(http://www1.dc-eu.example.com:80/blah) -m dom dc");
	MATCH("str_fetch(WWW.Example.COM) -m dom -i example");
}

static void test_match_reg_len_bin(void **state)
{
	(void)state;
	MATCH("str_fetch(GET_/api/v1) -m reg ^GET_/api/v[0-9]+$");
	NOMATCH("str_fetch(GET_/api/vx) -m reg ^GET_/api/v[0-9]+$");
	MATCH("str_fetch(<SCRIPT>) -m reg -i <script>");
	NOMATCH("str_fetch(<SCRIPT>) -m reg <script>");
	acl_fails("a str_fetch(x) -m reg a(b", "invalid regex 'a(b'");
	MATCH("str_fetch(hello) -m len 5");
	MATCH("str_fetch(hello) -m len gt 3");
	NOMATCH("str_fetch(hello) -m len lt 5");
	MATCH("str_fetch(hello) -m len 4:10");
	MATCH("int_fetch(123456) -m len 6");  /* integer as a string */
	MATCH("bin_fetch(48656c6c6f0a) -m bin 00 48656C6C6F0A");
	NOMATCH("bin_fetch(48656c6c6f0a) -m bin 48656c6c6f");
	MATCH("str_fetch(Hi) -m bin 4869");
	acl_fails("a bin_fetch(00) -m bin 0", "odd number of digits");
	acl_fails("a bin_fetch(00) -m bin zz", "not a hex block");
}

static void test_match_int(void **state)
{
	(void)state;
	MATCH("int_fetch(80) 80");
	MATCH("int_fetch(80) 443 80");
	NOMATCH("int_fetch(80) 81");
	MATCH("int_fetch(80) eq 80");
	MATCH("int_fetch(80) ge 80");
	NOMATCH("int_fetch(80) gt 80");
	MATCH("int_fetch(80) gt 79");
	MATCH("int_fetch(80) le 80");
	NOMATCH("int_fetch(80) lt 80");
	MATCH("int_fetch(-5) lt 0");
	MATCH("int_fetch(-5) -- -5");
	acl_fails("a int_fetch(-5) -5", "'-5' is not a valid ACL flag (use '--'");
	MATCH("int_fetch(-5) eq -5");
	NOMATCH("int_fetch(0) lt 0");
	/* the operator applies to the values after it */
	MATCH("int_fetch(5) lt 3 ge 5");
	MATCH("int_fetch(1) lt 3 7");
	MATCH("int_fetch(5) lt 3 7");         /* i.e. lt 3, lt 7 */
	NOMATCH("int_fetch(8) lt 3 7");
	/* ranges */
	MATCH("int_fetch(1024) 1024:65535");
	MATCH("int_fetch(65535) 1024:65535");
	NOMATCH("int_fetch(1023) 1024:65535");
	MATCH("int_fetch(99999) 1024:");
	MATCH("int_fetch(0) :1023");
	NOMATCH("int_fetch(1024) :1023");
	MATCH("int_fetch(15) 10-20");
	MATCH("int_fetch(-10) -- -20:-5");
	/* booleans as integers, -m bool */
	MATCH("bool_fetch(1) -m int 1");
	MATCH("bool_fetch(0) -m int 0");
	MATCH("int_fetch(7) -m bool");
	NOMATCH("int_fetch(0) -m bool");
	MATCH("bool_fetch(1)");
	NOMATCH("bool_fetch(0)");
	MATCH("str_fetch(42) -m int 40:50");   /* string cast to integer */
	acl_fails("a int_fetch(1) abc", "'abc' is neither a number nor a supported operator");
	acl_fails("a int_fetch(1) 5:3", "not a valid number range");
	acl_fails("a int_fetch(1) 1:x", "not a valid number range");
}

static void test_match_ip(void **state)
{
	(void)state;
	MATCH("ip_fetch(192.168.1.5) 192.168.1.0/24");
	MATCH("ip_fetch(192.168.1.5) 10.0.0.0/8 192.168.1.5");
	NOMATCH("ip_fetch(192.168.2.5) 192.168.1.0/24");
	MATCH("ip_fetch(192.168.2.5) 192.168.0.0/255.255.0.0");
	MATCH("ip_fetch(10.9.0.3) 10.0.0.0/255.0.255.0 8.8.8.8");  /* not a prefix */
	NOMATCH("ip_fetch(10.1.2.3) 10.0.0.0/255.0.255.0");
	NOMATCH("ip_fetch(10.1.3.3) 10.0.2.0/255.0.255.0");
	MATCH("ip_fetch(0.0.0.1) 1.2.3.4/0");
	/* abbreviated forms (HAProxy's table) */
	MATCH("ip_fetch(10.0.0.12) 10.12");
	MATCH("ip_fetch(127.0.0.1) 127.1");
	MATCH("ip_fetch(192.168.0.1) 192.168.1");
	MATCH("ip_fetch(127.9.9.9) 127.1/8");
	MATCH("ip_fetch(10.0.0.8) 010.000.000.008");   /* decimal, not octal */
	acl_fails("a ip_fetch(1.2.3.4) 1.2.3.4.5", "not a valid IPv4");
	acl_fails("a ip_fetch(1.2.3.4) 1..3.4", "not a valid IPv4");
	/* IPv6 */
	MATCH("ip_fetch(2001:db8::1) 2001:db8::/32");
	NOMATCH("ip_fetch(2001:db9::1) 2001:db8::/32");
	MATCH("ip_fetch(::1) ::1");
	MATCH("ip_fetch(2001:db8:0:1::1) 2001:db8::/48 2001:db8:0:1::/64");
	/* v4 sample, v6 pattern: through ::ffff:a.b.c.d */
	MATCH("ip_fetch(10.1.2.3) ::ffff:10.0.0.0/104");
	NOMATCH("ip_fetch(10.1.2.3) 2001:db8::/32");
	/* v6 sample, v4 pattern: mapped, compatible, 6to4 */
	MATCH("ip_fetch(::ffff:10.1.2.3) 10.0.0.0/8");
	MATCH("ip_fetch(2002:a01:203::1) 10.1.2.3");
	NOMATCH("ip_fetch(2001:db8::1) 0.0.0.0/0");
	/* strings are cast */
	MATCH("str_fetch(10.1.2.3) -m ip 10.0.0.0/8");
	NOMATCH("str_fetch(nope) -m ip 0.0.0.0/0");
	acl_fails("a ip_fetch(1.2.3.4) www.example.com", "not a valid IPv4 or IPv6 address");
	acl_fails("a ip_fetch(1.2.3.4) 10.0.0.0/33", "invalid IPv4 mask");
	acl_fails("a ip_fetch(1.2.3.4) ::1/ffff::", "bit count");
	acl_fails("a ip_fetch(1.2.3.4) -n 300.1.1.1", "not a valid IPv4");
}

static void test_match_found_bool_default(void **state)
{
	struct test_txn txn = { .str = "", .ip = "1.2.3.4", .has_hdr = 1 };

	(void)state;
	assert_true(match_ctx("ctx_hdr -m found", &txn));
	txn.has_hdr = 0;
	assert_false(match_ctx("ctx_hdr -m found", &txn));
	NOMATCH("none_fetch -m found");
	MATCH("str_fetch('') -m found");
	MATCH("str_fetch(1) -m bool");
	/* a missing sample never matches */
	NOMATCH("none_fetch -m sub a");
	/* a version fetch (req.ssl_ver) takes "MAJOR[.MINOR]" patterns */
	MATCH("ver_fetch(196608) 3");
	MATCH("ver_fetch(196609) 3.1");
	NOMATCH("ver_fetch(196608) 3.1");
	MATCH("ver_fetch(196611) 3.1:3.3");
	MATCH("ver_fetch(196608) lt 3.1");
	NOMATCH("ver_fetch(196611) lt 3.1");
	MATCH("ver_fetch(3) -m int 3");          /* -m int: plain integers */
	MATCH("ver_fetch(196608),add(0) 196608"); /* a converter's output: integers */
	acl_fails("a ver_fetch(1) 3.x", "version (MAJOR[.MINOR])");
	acl_fails("a ver_fetch(1) 70000.1", "version (MAJOR[.MINOR])");
	/* binary output matches hex blocks by default (HAProxy's req.payload) */
	MATCH("bin_fetch(00ff) 00FF");
	NOMATCH("bin_fetch(00ff) 00");
	acl_fails("a bin_fetch(00) -m int 1", "matching method 'int' cannot be used");
	acl_fails("a ip_fetch(1.2.3.4) -m int 1", "matching method 'int' cannot be used");
	MATCH("ip_fetch(1.2.3.4) -m beg 1.2.");   /* an address can be a string */
	acl_fails("a int_fetch(1) -m nope 1", "unknown matching method 'nope'");
	acl_fails("a int_fetch(1) -m int -m int 1", "only one '-m'");
	acl_fails("a int_fetch(1) -x 1", "'-x' is not a valid ACL flag");
	acl_fails("a int_fech(1) 1", "did you mean 'int_fetch'");
	acl_fails("a str_fetch(a),lowr x", "did you mean 'lower'");
	acl_fails("b@d str_fetch(a) x", "invalid ACL name 'b@d'");
	acl_fails("a", "missing criterion");
	/* converters change the output type, hence the default method */
	MATCH("str_fetch(HELLO),lower hello");
	MATCH("str_fetch(abc),length 3");
	MATCH("ip_fetch(10.1.2.3),ipmask(16) 10.1.0.0/16");
	MATCH("str_fetch(12),add(1) 13");
}

/* HAProxy's derived keywords: <fetch>_<method>. */
static void test_derived_keywords(void **state)
{
	(void)state;
	MATCH("str_fetch_beg(/static/a) /static");
	NOMATCH("str_fetch_beg(/static/a) /a");
	MATCH("str_fetch_end(/static/a.css) .css");
	MATCH("str_fetch_sub(xxabcxx) abc");
	MATCH("str_fetch_len(abc) 3");
	MATCH("str_fetch_reg(abc) ^a.c$");
	MATCH("str_fetch_dir(/a/b/c) b");
	MATCH("str_fetch_dom(www.example.com) example");
	MATCH("str_fetch_beg(/static/a) -m end /a");      /* -m overrides */
	/* with a converter, the output type decides: str exact match */
	NOMATCH("str_fetch_beg(/STATIC/a),lower /static");
	MATCH("str_fetch_beg(/STATIC/a),lower /static/a");
	acl_fails("a str_fetch_xyz(a) a", "unknown fetch method 'str_fetch_xyz'");
}

static void test_pattern_files(void **state)
{
	char *f1, *f2, *fbad, line[512];
	struct acl_list list;
	struct sample_ctx ctx = { 0 };

	(void)state;
	f1 = temp_file("# a comment\n\nexact-one\n   leading-spaces\r\n #not-a-comment\nUPPER\n");
	f2 = temp_file("MiXeD\n");
	fbad = temp_file("10.0.0.0/8\n\n# fine so far\nbogus-address\n");

	acl_list_init(&list);
	snprintf(line, sizeof(line), "a str_fetch(exact-one) -f %s", f1);
	acl_ok(&list, line);
	snprintf(line, sizeof(line), "b str_fetch(leading-spaces) -f %s", f1);
	acl_ok(&list, line);
	snprintf(line, sizeof(line), "c str_fetch(#not-a-comment) -f %s", f1);
	acl_ok(&list, line);
	snprintf(line, sizeof(line), "d str_fetch(#_a_comment) -f %s", f1);
	acl_ok(&list, line);
	snprintf(line, sizeof(line), "e str_fetch(upper) -f %s", f1);   /* case-sensitive */
	acl_ok(&list, line);
	/* -i applies to the files after it: f1 exact, f2 and "test" ignoring case */
	snprintf(line, sizeof(line), "f str_fetch(mixed) -f %s -i -f %s test", f1, f2);
	acl_ok(&list, line);
	snprintf(line, sizeof(line), "g str_fetch(TEST) -f %s -i -f %s test", f1, f2);
	acl_ok(&list, line);
	snprintf(line, sizeof(line), "h str_fetch(upper) -f %s -i -f %s test", f1, f2);
	acl_ok(&list, line);
	assert_true(acl_exec(acl_find(&list, "a"), &ctx));
	assert_true(acl_exec(acl_find(&list, "b"), &ctx));
	assert_true(acl_exec(acl_find(&list, "c"), &ctx));
	assert_false(acl_exec(acl_find(&list, "d"), &ctx));
	assert_false(acl_exec(acl_find(&list, "e"), &ctx));
	assert_true(acl_exec(acl_find(&list, "f"), &ctx));
	assert_true(acl_exec(acl_find(&list, "g"), &ctx));
	assert_false(acl_exec(acl_find(&list, "h"), &ctx));   /* f1's UPPER is exact */
	acl_list_deinit(&list);

	/* errors name file:line */
	snprintf(line, sizeof(line), "a ip_fetch(1.2.3.4) -f %s", fbad);
	{
		char needle[512];

		snprintf(needle, sizeof(needle), "%s:4: 'bogus-address'", fbad);
		acl_fails(line, needle);
	}
	acl_fails("a str_fetch(a) -f /nonexistent/file", "cannot open pattern file '/nonexistent/file'");
	acl_fails("a str_fetch(a) -f", "'-f' expects a file name");
	snprintf(line, sizeof(line), "a str_fetch(a) -f %s -m sub x", f1);
	acl_fails(line, "'-m' must be given before '-f'");

	/* -M: the first column of a map */
	{
		char *map = temp_file("key1 value1\nkey2\tvalue2\n");

		snprintf(line, sizeof(line), "str_fetch(key2) -M -f %s", map);
		MATCH(line);
		snprintf(line, sizeof(line), "str_fetch(value1) -M -f %s", map);
		NOMATCH(line);
		unlink(map);
		free(map);
	}
	unlink(f1);
	unlink(f2);
	unlink(fbad);
	free(f1);
	free(f2);
	free(fbad);
}

/* ---- pattern sets (the API maps use) ---- */

/* Builds a set of method <match> from the NULL-terminated <texts>. */
static struct patset *set_of(int match, const char *const *texts)
{
	struct patset *set = patset_new(match, 0);
	char *err = NULL;

	assert_non_null(set);
	for (; *texts; texts++)
		if (patset_add(set, *texts, 0, PAT_OP_EQ, &err) < 0)
			fail_msg("pattern '%s': %s", *texts, err);
	assert_int_equal(patset_build(set), 0);
	return set;
}

/* Returns the position <set> answers for the string <s>. */
static long pos_of_str(const struct patset *set, const char *s)
{
	struct sample smp;

	sample_set_str(&smp, s, strlen(s));
	return patset_lookup(set, &smp);
}

static long pos_of_ip(const struct patset *set, const char *ip)
{
	struct sample smp;

	assert_true(parse_ip(ip, &smp));
	return patset_lookup(set, &smp);
}

static void test_patset_positions(void **state)
{
	static const char *const begs[] = { "/api", "/api/v2", "/static", "/api", NULL };
	static const char *const strs[] = { "a", "b", "a", "c", NULL };
	static const char *const nets[] = { "10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "10.1.0.0/16",
					    "192.168.0.0/255.255.0.255", "2001:db8::/32", "0.0.0.0/0", NULL };
	static const char *const ints[] = { "10:20", "15", "30:", NULL };
	struct patset *set;
	struct sample smp;
	char *err = NULL;

	(void)state;
	assert_int_equal(pat_match_find("dom"), PAT_MATCH_DOM);
	assert_int_equal(pat_match_find("nope"), -1);
	assert_string_equal(pat_match_name(PAT_MATCH_REG), "reg");
	assert_int_equal(pat_match_type(PAT_MATCH_IP), SMP_T_ADDR);

	/* scanned methods: the first pattern in order */
	set = set_of(PAT_MATCH_BEG, begs);
	assert_int_equal(patset_method(set), PAT_MATCH_BEG);
	assert_int_equal(patset_count(set), 4);
	assert_int_equal(pos_of_str(set, "/api/v2/x"), 0);
	assert_int_equal(pos_of_str(set, "/static/x"), 2);
	assert_int_equal(pos_of_str(set, "/other"), -1);
	sample_set_str(&smp, "/api", 4);
	assert_true(patset_match(set, &smp));
	sample_set_str(&smp, "/ap", 3);
	assert_false(patset_match(set, &smp));
	patset_free(set);

	/* str: duplicates keep the first position */
	set = set_of(PAT_MATCH_STR, strs);
	assert_int_equal(pos_of_str(set, "a"), 0);
	assert_int_equal(pos_of_str(set, "c"), 3);
	assert_int_equal(pos_of_str(set, "d"), -1);
	patset_free(set);

	/* ip: the most specific network, then the first of equal ones */
	set = set_of(PAT_MATCH_IP, nets);
	assert_int_equal(pos_of_ip(set, "10.1.2.3"), 2);
	assert_int_equal(pos_of_ip(set, "10.1.2.4"), 1);
	assert_int_equal(pos_of_ip(set, "10.9.9.9"), 0);
	assert_int_equal(pos_of_ip(set, "11.0.0.1"), 6);
	assert_int_equal(pos_of_ip(set, "2001:db8::1"), 5);
	assert_int_equal(pos_of_ip(set, "::ffff:10.1.9.9"), 1);
	assert_int_equal(pos_of_ip(set, "2003::1"), -1);   /* 2002::/16 would be 6to4 */
	patset_free(set);

	/* int: the first range in order */
	set = set_of(PAT_MATCH_INT, ints);
	sample_set_sint(&smp, 15);
	assert_int_equal(patset_lookup(set, &smp), 0);
	sample_set_sint(&smp, 31);
	assert_int_equal(patset_lookup(set, &smp), 2);
	sample_set_sint(&smp, 21);
	assert_int_equal(patset_lookup(set, &smp), -1);
	patset_free(set);

	/* methods without patterns answer 0 when the sample passes */
	set = patset_new(PAT_MATCH_BOOL, 0);
	assert_int_equal(patset_add(set, "ignored", 0, PAT_OP_EQ, &err), 0);
	assert_int_equal(patset_build(set), 0);
	assert_int_equal(patset_count(set), 0);
	sample_set_bool(&smp, 1);
	assert_int_equal(patset_lookup(set, &smp), 0);
	sample_set_bool(&smp, 0);
	assert_int_equal(patset_lookup(set, &smp), -1);
	patset_free(set);

	/* errors name the pattern */
	set = patset_new(PAT_MATCH_IP, 0);
	assert_int_equal(patset_add(set, "foo", 0, PAT_OP_EQ, &err), -EINVAL);
	assert_non_null(strstr(err, "'foo' is not a valid IPv4 or IPv6 address"));
	free(err);
	patset_free(set);
}

/* What read_line() saw. */
struct read_seen {
	char lines[8][64];                     /* "line:key=value" */
	int n;                                 /* number of entries */
};

static int read_line(void *arg, char *key, char *value, int line, char **err)
{
	struct read_seen *r = arg;

	if (r->n == 8)
		return -EINVAL;
	snprintf(r->lines[r->n++], sizeof(r->lines[0]), "%d:%s=%s", line, key, value);
	return 0;
}

static void test_pattern_file_reader(void **state)
{
	char *f = temp_file("# comment\n\n  \t\nkey value\n  k2\t  a  b \t\r\n #k3 v3\nlast  no-newline");
	struct read_seen r = { .n = 0 };
	char *err = NULL;

	(void)state;
	assert_int_equal(pat_read_file(f, "map", 1, read_line, &r, &err), 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.lines[0], "4:key=value");
	assert_string_equal(r.lines[1], "5:k2=a  b");
	assert_string_equal(r.lines[2], "6:#k3=v3");
	assert_string_equal(r.lines[3], "7:last=no-newline");
	/* without <map>: the whole line is the key */
	r.n = 0;
	assert_int_equal(pat_read_file(f, "pattern", 0, read_line, &r, &err), 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.lines[1], "5:k2\t  a  b \t=");
	assert_int_equal(pat_read_file("/nonexistent/x", "map", 1, read_line, &r, &err), -ENOENT);
	assert_non_null(strstr(err, "cannot open map file '/nonexistent/x'"));
	free(err);
	unlink(f);
	free(f);
}

/* Big lists go through the indexes (hash, sorted prefixes). */
static void test_large_lists(void **state)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap), *fs, *fi, line[512];
	struct test_txn txn = { .str = "", .ip = "0.0.0.0" };
	struct sample_ctx ctx = { .txn = &txn };
	struct acl_list list;
	struct acl *s, *ip;
	char key[64], addr[64];

	(void)state;
	assert_non_null(buf);
	for (int i = 0; i < 5000; i++)
		len += snprintf(buf + len, cap - len, "Host-%d.Example.com\n", i);
	fs = temp_file(buf);
	len = 0;
	for (int i = 0; i < 3000; i++)
		len += snprintf(buf + len, cap - len, "10.%d.%d.0/24\n", i / 256, i % 256);
	for (int i = 0; i < 1000; i++)
		len += snprintf(buf + len, cap - len, "172.16.%d.%d\n", i / 256, i % 256);
	for (int i = 0; i < 1000; i++)
		len += snprintf(buf + len, cap - len, "2001:db8:%x::/48\n", i);
	fi = temp_file(buf);

	acl_list_init(&list);
	snprintf(line, sizeof(line), "hosts ctx_str -i -f %s", fs);
	acl_ok(&list, line);
	snprintf(line, sizeof(line), "nets ctx_ip -f %s", fi);
	acl_ok(&list, line);
	s = acl_find(&list, "hosts");
	ip = acl_find(&list, "nets");

	for (int i = 0; i < 5000; i += 7) {
		snprintf(key, sizeof(key), "HOST-%d.example.COM", i);
		txn.str = key;
		assert_true(acl_exec(s, &ctx));
	}
	txn.str = "host-5000.example.com";
	assert_false(acl_exec(s, &ctx));
	txn.str = "host-1.example.co";
	assert_false(acl_exec(s, &ctx));

	for (int i = 0; i < 3000; i += 13) {
		snprintf(addr, sizeof(addr), "10.%d.%d.77", i / 256, i % 256);
		txn.ip = addr;
		assert_true(acl_exec(ip, &ctx));
	}
	txn.ip = "10.11.184.1";    /* 10.11.184.0 = entry 3000: absent */
	assert_false(acl_exec(ip, &ctx));
	txn.ip = "172.16.3.231";   /* entry 999 */
	assert_true(acl_exec(ip, &ctx));
	txn.ip = "172.16.3.232";
	assert_false(acl_exec(ip, &ctx));
	txn.ip = "2001:db8:3e7:ffff::1";   /* 0x3e7 = 999 */
	assert_true(acl_exec(ip, &ctx));
	txn.ip = "2001:db8:3e8::1";
	assert_false(acl_exec(ip, &ctx));
	txn.ip = "::ffff:10.0.5.1";
	assert_true(acl_exec(ip, &ctx));

	acl_list_deinit(&list);
	unlink(fs);
	unlink(fi);
	free(fs);
	free(fi);
	free(buf);
}

/* A multi-valued fetch matches if any value does. */
static void test_multi_values(void **state)
{
	(void)state;
	MATCH("multi_fetch(a|b|c) c");
	MATCH("multi_fetch(a|b|c),upper B");
	NOMATCH("multi_fetch(a|b|c) d");
}

/* ---- conditions ---- */

static void test_conditions(void **state)
{
	struct test_txn txn = { .str = "GET", .num = 10, .ip = "127.0.0.1" };
	struct acl_list list;

	(void)state;
	acl_list_init(&list);
	acl_ok(&list, "is_get ctx_str GET");
	acl_ok(&list, "is_post ctx_str POST");
	acl_ok(&list, "small ctx_int lt 5");
	acl_ok(&list, "local ctx_ip 127.0.0.0/8");
	acl_ok(&list, "missing none_fetch -m found");
	/* two declarations of a name are ORed */
	acl_ok(&list, "get_or_post ctx_str GET");
	acl_ok(&list, "get_or_post ctx_str POST");

	assert_true(cond_text_exec(&list, "if is_get", &txn));
	assert_false(cond_text_exec(&list, "unless is_get", &txn));
	assert_true(cond_text_exec(&list, "if is_get local", &txn));        /* AND */
	assert_false(cond_text_exec(&list, "if is_get small", &txn));
	assert_true(cond_text_exec(&list, "if is_get !small", &txn));       /* NOT */
	assert_true(cond_text_exec(&list, "if ! small", &txn));             /* lone '!' */
	assert_true(cond_text_exec(&list, "if !!is_get", &txn));
	assert_true(cond_text_exec(&list, "if small || is_get", &txn));     /* OR */
	assert_true(cond_text_exec(&list, "if small or is_get", &txn));
	assert_true(cond_text_exec(&list, "if small OR is_get", &txn));
	assert_false(cond_text_exec(&list, "if small || is_post", &txn));
	/* AND binds tighter than OR: (small AND local) OR (is_get AND !local) */
	assert_false(cond_text_exec(&list, "if small local || is_get !local", &txn));
	assert_true(cond_text_exec(&list, "if small local || is_get local", &txn));
	/* a missing sample does not match; its negation does */
	assert_false(cond_text_exec(&list, "if missing", &txn));
	assert_true(cond_text_exec(&list, "if !missing", &txn));
	assert_true(cond_text_exec(&list, "if get_or_post", &txn));
	txn.str = "POST";
	assert_true(cond_text_exec(&list, "if get_or_post", &txn));
	txn.str = "PUT";
	assert_false(cond_text_exec(&list, "if get_or_post", &txn));

	/* anonymous ACLs */
	txn.str = "GET";
	assert_true(cond_text_exec(&list, "if { ctx_str GET }", &txn));
	assert_true(cond_text_exec(&list, "if is_get { ctx_int ge 10 }", &txn));
	assert_false(cond_text_exec(&list, "if is_get !{ ctx_int ge 10 }", &txn));
	assert_true(cond_text_exec(&list, "if { ctx_int lt 2 } || { ctx_ip 127.0.0.1 }", &txn));
	assert_true(cond_text_exec(&list, "if { ctx_str,lower -m beg g }", &txn));
	assert_true(cond_text_exec(&list, "if ! { ctx_str -i post }", &txn));

	/* built-in ACLs */
	assert_true(cond_text_exec(&list, "if TRUE", &txn));
	assert_false(cond_text_exec(&list, "if FALSE", &txn));
	assert_true(cond_text_exec(&list, "unless FALSE", &txn));
	assert_true(cond_text_exec(&list, "if TRUE !FALSE", &txn));

	/* errors */
	cond_fails(&list, "if is_gte", "unknown ACL 'is_gte' (did you mean 'is_get'?)");
	cond_fails(&list, "if nothing_like_it_at_all", "unknown ACL 'nothing_like_it_at_all'");
	cond_fails(&list, "if {ctx_str GET }", "braces of an anonymous ACL must be separate words");
	cond_fails(&list, "if { ctx_str GET", "missing closing '}'");
	cond_fails(&list, "if ctx_str GET }", "unknown ACL 'ctx_str'");
	cond_fails(&list, "if is_get }", "unexpected '}'");
	cond_fails(&list, "if { }", "empty anonymous ACL");
	cond_fails(&list, "if { ctx_strr GET }", "did you mean 'ctx_str'");
	cond_fails(&list, "if", "missing condition after 'if'");
	cond_fails(&list, "when is_get", "conditions must start with either 'if' or 'unless'");
	cond_fails(&list, "if || is_get", "'||' must be between two terms");
	cond_fails(&list, "if is_get ||", "without a term after it");
	cond_fails(&list, "if is_get !", "without a term after it");
	/* LOCALHOST needs "src", which net/ registers when it is linked in */
	if (sample_find_fetch("src", 3))
		cond_free(cond_ok(&list, "if LOCALHOST"));
	else
		cond_fails(&list, "if LOCALHOST", "built-in ACL 'LOCALHOST' is not available here: unknown fetch method 'src'");
	acl_list_deinit(&list);
}

/* acl(<names>): the AND of named ACLs of the section being parsed, '!'
 * negating one; built-ins instantiated; unknown names refused.
 */
static void test_acl_fetch(void **state)
{
	struct test_txn txn = { .str = "GET", .num = 10, .ip = "127.0.0.1" };
	struct acl_list list;

	(void)state;
	acl_fails("x acl(is_get)", "acl() is only available in proxy sections");
	acl_list_init(&list);
	acl_set_parse_scope(&list);
	acl_ok(&list, "is_get ctx_str GET");
	acl_ok(&list, "small ctx_int lt 5");
	acl_ok(&list, "a1 acl(is_get)");
	acl_ok(&list, "a2 acl(is_get,!small)");
	acl_ok(&list, "a3 acl(is_get,small)");
	acl_ok(&list, "a4 acl(!a1)");
	acl_ok(&list, "a5 acl(TRUE,a2)");
	assert_true(cond_text_exec(&list, "if a1", &txn));
	assert_true(cond_text_exec(&list, "if a2", &txn));
	assert_false(cond_text_exec(&list, "if a3", &txn));
	assert_false(cond_text_exec(&list, "if a4", &txn));
	assert_true(cond_text_exec(&list, "if a5", &txn));
	assert_true(cond_text_exec(&list, "if { acl(a4) -m bool } || a1", &txn));
	{
		char buf[64] = "acl bad acl(nope)", *args[MAX_WORDS], *err = NULL;
		int argc = split(buf, args);

		assert_int_not_equal(acl_parse_line(&list, argc, args, &err), 0);
		assert_non_null(strstr(err, "no such ACL: 'nope'"));
		free(err);
	}
	acl_set_parse_scope(NULL);
	acl_list_deinit(&list);
}

static void test_cond_check_use(void **state)
{
	struct acl_list list;
	struct acl_cond *cond;
	char *err = NULL;

	(void)state;
	acl_list_init(&list);
	acl_ok(&list, "ua ctx_str curl");
	acl_ok(&list, "both ctx_str curl");
	acl_ok(&list, "both ctx_ip 10.0.0.0/8");
	cond = cond_ok(&list, "if { ctx_ip 10.0.0.0/8 } || ua");
	assert_int_equal(cond_check_use(cond, SMP_USE_HTTP_REQ, NULL, "here", &err), 0);
	/* a named ACL none of whose tests can fetch there */
	assert_int_equal(cond_check_use(cond, SMP_USE_L4CLI, "tcp-request connection", "there", &err), -EINVAL);
	assert_string_equal(err, "acl 'ua' will never match in 'tcp-request connection' because it only "
			    "involves keywords that are incompatible with 'there'");
	free(err);
	err = NULL;
	cond_free(cond);
	/* one test of the ACL can: it may match */
	cond = cond_ok(&list, "if both");
	assert_int_equal(cond_check_use(cond, SMP_USE_L4CLI, NULL, "there", &err), 0);
	cond_free(cond);
	/* an anonymous one names its keyword */
	cond = cond_ok(&list, "unless { ctx_str curl }");
	assert_int_equal(cond_check_use(cond, SMP_USE_L4CLI, NULL, "there", &err), -EINVAL);
	assert_string_equal(err, "anonymous acl will never match because it uses keyword 'ctx_str' which is "
			    "incompatible with 'there'");
	free(err);
	cond_free(cond);
	acl_list_deinit(&list);
}

/* ---- threads ---- */

#define NB_THREADS 4

struct worker {
	pthread_t thr;                 /* the thread */
	int id;                        /* 0..NB_THREADS-1 */
	const struct acl_cond *conds[4]; /* shared conditions */
	int failures;                  /* wrong results seen */
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct test_txn txn;
	struct sample_ctx ctx = { .txn = &txn };
	char str[64], ip[32];
	int iters = 20000 / STRESS_DIV;

	for (int i = 0; i < iters; i++) {
		int k = (i + w->id) % 3, exp0, exp1, exp2, exp3;

		/* host names of the form "ThreadN-Host-K" */
		snprintf(str, sizeof(str), "Thread%d-Host-%d", w->id, k);
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", w->id, k, i & 255);
		txn.str = str;
		txn.ip = ip;
		txn.num = i;
		exp0 = k == 1;                         /* lower, field */
		exp1 = (k == 2) || (i % 2 == 0);       /* upper,json || even */
		exp2 = w->id == 2 && k == 0;           /* ipmask, base64 */
		exp3 = !(k == 1) && i % 2 == 1;        /* negation, AND */
		w->failures += cond_exec(w->conds[0], &ctx) != exp0;
		w->failures += cond_exec(w->conds[1], &ctx) != exp1;
		w->failures += cond_exec(w->conds[2], &ctx) != exp2;
		w->failures += cond_exec(w->conds[3], &ctx) != exp3;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct worker w[NB_THREADS];
	struct acl_cond *conds[4];
	struct acl_list list;

	(void)state;
	acl_list_init(&list);
	acl_ok(&list, "k1 ctx_str,lower,field(3,-) 1");
	acl_ok(&list, "k2 ctx_str,upper,json(utf8),word(-1,-) 2");
	acl_ok(&list, "even ctx_int,and(1) 0");
	acl_ok(&list, "t2k0 ctx_ip,ipmask(24),base64 CgIAAA==");
	acl_ok(&list, "t2k0 ctx_ip,ipmask(24) 1.2.3.4");   /* ORed, never true */
	acl_ok(&list, "odd ctx_int,mod(2),bool");
	conds[0] = cond_ok(&list, "if k1");
	conds[1] = cond_ok(&list, "if k2 || even");
	conds[2] = cond_ok(&list, "if { ctx_ip,ipmask(255.255.0.0),ipmask(16) 10.2.0.0 } t2k0");
	conds[3] = cond_ok(&list, "unless k1 || !odd");

	for (int t = 0; t < NB_THREADS; t++) {
		w[t].id = t;
		w[t].failures = 0;
		memcpy(w[t].conds, conds, sizeof(conds));
		assert_int_equal(pthread_create(&w[t].thr, NULL, worker_run, &w[t]), 0);
	}
	for (int t = 0; t < NB_THREADS; t++) {
		assert_int_equal(pthread_join(w[t].thr, NULL), 0);
		assert_int_equal(w[t].failures, 0);
	}
	for (int c = 0; c < 4; c++)
		cond_free(conds[c]);
	acl_list_deinit(&list);
}

/* Three-valued conditions: a test waiting for data is undecided (MISS)
 * unless the rest of the condition decides without it; final contexts
 * never answer MISS.
 */
static void test_undecided_conditions(void **state)
{
	struct sample_ctx open = { .opt = 0 }, final = { .opt = SMP_OPT_FINAL };
	const char *const lines[] = {
		"acl maybe maybe_fetch(1) eq 1",
		"acl yes always_true",
		"acl no always_false",
	};
	static const struct {
		const char *cond;
		enum acl_res open, final;
	} cases[] = {
		{ "if maybe",          ACL_MISS, ACL_PASS },
		{ "unless maybe",      ACL_MISS, ACL_FAIL },
		{ "if !maybe",         ACL_MISS, ACL_FAIL },
		{ "if maybe no",       ACL_FAIL, ACL_FAIL },   /* a failing term decides the suite */
		{ "if no maybe",       ACL_FAIL, ACL_FAIL },
		{ "if maybe yes",      ACL_MISS, ACL_PASS },
		{ "if maybe || yes",   ACL_PASS, ACL_PASS },   /* a passing suite decides the condition */
		{ "if yes || maybe",   ACL_PASS, ACL_PASS },
		{ "if maybe || no",    ACL_MISS, ACL_PASS },
		{ "unless maybe || yes", ACL_FAIL, ACL_FAIL },
	};
	struct acl_list list;
	char *err = NULL;

	acl_list_init(&list);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char buf[128], *args[16];
		int argc;

		snprintf(buf, sizeof(buf), "%s", lines[i]);
		argc = split(buf, args);
		assert_int_equal(acl_parse_line(&list, argc, args, &err), 0);
	}
	assert_int_equal(acl_eval(acl_find(&list, "maybe"), &open), ACL_MISS);
	assert_int_equal(acl_eval(acl_find(&list, "maybe"), &final), ACL_PASS);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct acl_cond *cond = cond_ok(&list, cases[i].cond);

		if (cond_eval(cond, &open) != cases[i].open)
			fail_msg("'%s' undecided data: got %d", cases[i].cond, cond_eval(cond, &open));
		if (cond_eval(cond, &final) != cases[i].final)
			fail_msg("'%s' final: got %d", cases[i].cond, cond_eval(cond, &final));
		assert_int_equal(cond_exec(cond, &open), cases[i].open == ACL_PASS);
		cond_free(cond);
	}
	acl_list_deinit(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_str),
		cmocka_unit_test(test_acl_fetch),
		cmocka_unit_test(test_match_beg_end_sub),
		cmocka_unit_test(test_match_dir_dom),
		cmocka_unit_test(test_match_reg_len_bin),
		cmocka_unit_test(test_match_int),
		cmocka_unit_test(test_match_ip),
		cmocka_unit_test(test_match_found_bool_default),
		cmocka_unit_test(test_derived_keywords),
		cmocka_unit_test(test_pattern_files),
		cmocka_unit_test(test_large_lists),
		cmocka_unit_test(test_multi_values),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_undecided_conditions),
		cmocka_unit_test(test_cond_check_use),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_patset_positions),
		cmocka_unit_test(test_pattern_file_reader),
	};

	if (sample_register_fetches(&test_fetches) < 0) {
		fprintf(stderr, "cannot register the test fetches\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
