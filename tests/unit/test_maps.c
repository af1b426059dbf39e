/*
 * Unit tests for the map converters (src/rules/maps.c).
 *
 * Expressions such as "str_fetch(/api/x),map_beg(FILE,none)" are parsed
 * and evaluated against a constant fetch registered here; FILE is replaced
 * by a temporary map file written by the test.
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

#include <tollgate/compiler.h>
#include <tollgate/maps.h>
#include <tollgate/sample.h>

#include "helpers/cfgtest.h"
#include "helpers/tempfile.h"

/* ---- fake fetches ---- */

/* str_fetch(<s>): the string <s>; converters cast it to an integer or an
 * address where they take one (str_fetch(10.0.0.1),map_ip(...)).
 */
static int f_str(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_str(smp, args[0].data.str.ptr, args[0].data.str.len);
	return 1;
}

/* ctx_str: the string handed in sample_ctx.txn (threads test). */
static int f_ctx_str(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const char *s = ctx->txn;

	sample_set_str(smp, s, strlen(s));
	return 1;
}

static struct sample_fetch_kw_list test_fetches = {
	.kw = {
		{ "str_fetch", f_str,     SMP_ARG1(1, STR),  NULL, SMP_T_STR,  SMP_USE_ANY },
		{ "ctx_str",   f_ctx_str, SMP_ARG0,          NULL, SMP_T_STR,  SMP_USE_ANY },
		{ NULL, NULL, 0, NULL, 0, 0 },
	}
};

/* ---- helpers ---- */

/* <content> in a temporary file (helpers/tempfile.h): the test fails if
 * it cannot be written.
 */
static char *temp_file(const char *content)
{
	char *path = test_temp_file(content);

	assert_non_null(path);
	return path;
}

/* Writes into <buf> the expression <fmt> where "FILE" stands for <path>. */
static void expr_text(char *buf, size_t len, const char *fmt, const char *path)
{
	const char *f = strstr(fmt, "FILE");

	if (f)
		snprintf(buf, len, "%.*s%s%s", (int)(f - fmt), fmt, path, f + 4);
	else
		snprintf(buf, len, "%s", fmt);
}

static struct sample_expr *parse_ok(const char *fmt, const char *path)
{
	struct sample_expr *expr = NULL;
	char text[1024], *err = NULL;

	expr_text(text, sizeof(text), fmt, path);
	if (sample_parse_expr(text, 0, &expr, &err) != 0)
		fail_msg("parsing '%s' failed: %s", text, err ? err : "(no message)");
	assert_null(err);
	return expr;
}

/* Parsing <fmt> must fail with a one-line message containing every given
 * substring (NULL-terminated list; "FILE" in them stands for <path>).
 */
static void parse_fails(const char *fmt, const char *path, ...)
{
	struct sample_expr *expr = NULL;
	char text[1024], needle[1024], *err = NULL;
	const char *n;
	va_list ap;

	expr_text(text, sizeof(text), fmt, path);
	if (sample_parse_expr(text, 0, &expr, &err) == 0)
		fail_msg("parsing '%s' should have failed", text);
	assert_null(expr);
	assert_non_null(err);
	va_start(ap, path);
	while ((n = va_arg(ap, const char *))) {
		expr_text(needle, sizeof(needle), n, path);
		if (!strstr(err, needle))
			fail_msg("error for '%s' is \"%s\", lacks \"%s\"", text, err, needle);
	}
	va_end(ap);
	assert_null(strchr(err, '\n'));
	free(err);
}

/* One evaluation: <fmt> ("FILE": the map) gives the string <want>, or no
 * sample if <want> is NULL.
 */
struct str_case {
	const char *fmt;                       /* expression */
	const char *want;                      /* expected string, or NULL */
};

/* Evaluates <fmt> expecting the string <want> (NULL: no sample). */
static void expect_str(const char *fmt, const char *path, const char *want)
{
	struct sample_expr *expr = parse_ok(fmt, path);
	struct sample_ctx ctx = { 0 };
	struct sample smp;
	int ret = sample_eval(expr, &ctx, &smp);

	if (!want) {
		if (ret)
			fail_msg("'%s' produced a sample, expected none", fmt);
	} else if (!ret) {
		fail_msg("'%s' produced no sample, expected \"%s\"", fmt, want);
	} else {
		if (smp.data.type != SMP_T_STR)
			fail_msg("'%s' gave type %s, expected a string", fmt, sample_type_name(smp.data.type));
		if (smp.data.u.str.len != strlen(want) || memcmp(smp.data.u.str.ptr, want, strlen(want)))
			fail_msg("'%s' gave \"%.*s\", expected \"%s\"", fmt,
				 (int)smp.data.u.str.len, smp.data.u.str.ptr, want);
	}
	sample_free_expr(expr);
}

/* Writes <content> as a map and runs the <n> <cases> against it. */
static void check_map(const char *content, const struct str_case *cases, size_t n)
{
	char *path = temp_file(content);

	for (size_t i = 0; i < n; i++)
		expect_str(cases[i].fmt, path, cases[i].want);
	test_temp_free(path);
}

/* Evaluates <fmt> expecting the integer <want>. */
static void expect_int(const char *fmt, const char *path, int64_t want)
{
	struct sample_expr *expr = parse_ok(fmt, path);
	struct sample_ctx ctx = { 0 };
	struct sample smp;

	if (!sample_eval(expr, &ctx, &smp))
		fail_msg("'%s' produced no sample", fmt);
	if (smp.data.type != SMP_T_SINT)
		fail_msg("'%s' gave type %s, expected an integer", fmt, sample_type_name(smp.data.type));
	if (smp.data.u.sint != want)
		fail_msg("'%s' gave %lld, expected %lld", fmt, (long long)smp.data.u.sint, (long long)want);
	sample_free_expr(expr);
}

/* Evaluates <fmt> expecting the address <want> (v4 or v6, same family). */
static void expect_ip(const char *fmt, const char *path, const char *want)
{
	struct sample_expr *expr = parse_ok(fmt, path);
	struct sample_ctx ctx = { 0 };
	struct sample smp;
	char got[INET6_ADDRSTRLEN] = "";

	if (!sample_eval(expr, &ctx, &smp))
		fail_msg("'%s' produced no sample", fmt);
	if (smp.data.type == SMP_T_IPV4)
		inet_ntop(AF_INET, &smp.data.u.ipv4, got, sizeof(got));
	else if (smp.data.type == SMP_T_IPV6)
		inet_ntop(AF_INET6, &smp.data.u.ipv6, got, sizeof(got));
	else
		fail_msg("'%s' gave type %s, expected an address", fmt, sample_type_name(smp.data.type));
	if (strcmp(got, want) != 0)
		fail_msg("'%s' gave %s, expected %s", fmt, got, want);
	sample_free_expr(expr);
}

/* Returns the number of loaded maps. */
static int nb_maps(void)
{
	int n = 0;

	for (const struct pat_ref *m = pat_ref_next(NULL, PAT_REF_MAP); m; m = pat_ref_next(m, PAT_REF_MAP))
		n++;
	return n;
}

/* ---- file format ---- */

static void test_file_format(void **state)
{
	static const struct str_case cases[] = {
		{ "str_fetch(www.example.com),map(FILE)", "be_www" },
		{ "str_fetch(api.example.com),map(FILE)", "be_api" },
		{ "str_fetch(spaced.example.com),map(FILE)", "a value  with   spaces" },
		{ "str_fetch(crlf.example.com),map(FILE)", "be_crlf" },
		{ "str_fetch(nokey-value),map(FILE,def)", "" },
		{ "str_fetch(#not-a-comment),map(FILE)", "hash" },
		{ "str_fetch(#),map(FILE)", NULL },
		{ "str_fetch(dup.example.com),map(FILE)", "first" },
		{ "str_fetch(last.example.com),map(FILE)", "no-newline" },
		/* case-sensitive, as HAProxy: users add ",lower" */
		{ "str_fetch(WWW.example.com),map(FILE)", NULL },
		{ "str_fetch(WWW.example.com),lower,map(FILE)", "be_www" },
		/* no match: the default, else no sample */
		{ "str_fetch(other),map(FILE,be_default)", "be_default" },
		{ "str_fetch(other),map_str(FILE)", NULL },
		{ "str_fetch(other),map(FILE,)", "" },
	};

	(void)state;
	check_map("# a comment\n"
		  "\n"
		  "   \t\n"
		  "www.example.com   be_www\n"
		  "  api.example.com\tbe_api   \t\n"
		  "spaced.example.com   a value  with   spaces  \n"
		  "crlf.example.com be_crlf\r\n"
		  "nokey-value\n"
		  "   #not-a-comment hash\n"
		  "dup.example.com first\n"
		  "dup.example.com second\n"
		  "last.example.com no-newline", cases, ARRAY_SIZE(cases));
}

/* ---- matching methods ---- */

static void test_match_str_beg_end_sub(void **state)
{
	static const struct str_case cases[] = {
		/* beg: the first matching line in file order, not the longest */
		{ "str_fetch(/api/v2/admin/x),map_beg(FILE)", "v2-first" },
		{ "str_fetch(/api/v1/x),map_beg(FILE)", "v1" },
		{ "str_fetch(/apix),map_beg(FILE)", "v1" },
		{ "str_fetch(/other),map_beg(FILE,none)", "none" },
		{ "str_fetch(/img/a.jpg),map_end(FILE)", "image" },
		{ "str_fetch(/img/a.jpeg),map_end(FILE)", NULL },
		/* sub: the first line contained */
		{ "str_fetch(/x/static/api/v2/y),map_sub(FILE)", "v2-first" },
		{ "str_fetch(/x/static/y),map_sub(FILE)", "static" },
		{ "str_fetch(/api),map_str(FILE)", "v1" },
		{ "str_fetch(/api/),map_str(FILE)", NULL },
		{ "str_fetch(/api/v2/admin),map_beg_key(FILE)", "/api/v2" },
	};

	(void)state;
	check_map("/api/v2 v2-first\n"
		  "/api v1\n"
		  "/api/v2/admin never-reached\n"
		  ".jpg image\n"
		  "/static static\n", cases, ARRAY_SIZE(cases));
}

static void test_match_dir_dom_reg(void **state)
{
	static const struct str_case words[] = {
		{ "str_fetch(/static/img/logo.png),map_dir(FILE)", "images" },
		{ "str_fetch(/static/imgs/logo.png),map_dir(FILE)", NULL },
		{ "str_fetch(/v1/api?x=1),map_dir(FILE)", "api-dir" },
		{ "str_fetch(www.example.com),map_dom(FILE)", "com" },
		{ "str_fetch(api.example.org),map_dom(FILE)", "api-dir" },
		{ "str_fetch(www.example.org),map_dom(FILE,nodom)", "nodom" },
	};
	static const struct str_case regs[] = {
		/* the first regex matching, in file order */
		{ "str_fetch(/api/v12/index.php),map_reg(FILE)", "versioned" },
		{ "str_fetch(/index.php),map_reg(FILE)", "php" },
		{ "str_fetch(/index.html),map_reg(FILE)", "root" },
		{ "str_fetch(index.html),map_reg(FILE)", NULL },
		{ "str_fetch(/api/v2/x),map_reg_key(FILE)", "^/api/v[0-9]+/" },
	};
	static const struct str_case regms[] = {
		/* map_regm: the value's \N are the groups of the key */
		{ "str_fetch(example.org),map_regm(FILE)", "example_AND_org" },
		{ "str_fetch(a.b.c),map_regm(FILE)", "a.b_AND_c" },
		{ "str_fetch(user-42),map_regm(FILE)", "42 is user \\ <user-42>" },
		{ "str_fetch(nodot),map_regm(FILE,unknown)", "unknown" },
	};

	(void)state;
	check_map("img images\nexample.com com\napi api-dir\n", words, ARRAY_SIZE(words));
	check_map("^/api/v[0-9]+/ versioned\n\\.php$ php\n^/ root\n", regs, ARRAY_SIZE(regs));
	check_map("^(.*)\\.(.*)$ \\1_AND_\\2\n^([a-z]+)-([0-9]+)$ \\2 is \\1 \\\\ <\\0>\n", regms, ARRAY_SIZE(regms));
}

static void test_match_int(void **state)
{
	static const struct str_case cases[] = {
		/* the string input is cast to an integer */
		{ "str_fetch(200),map_int(FILE)", "ok" },
		{ "str_fetch(404),map_int(FILE)", "client-error" },
		{ "str_fetch(503),map_int(FILE)", "server-error" },
		{ "str_fetch(-5),map_int(FILE)", "negative" },
		{ "str_fetch(300),map_int(FILE,other)", "other" },
		{ "str_fetch(300),length,map_int(FILE,other)", "other" },
		{ "str_fetch(x),length,add(199),map_int(FILE)", "ok" },
		{ "str_fetch(450),map_int_key(FILE)", "400:499" },
	};

	(void)state;
	check_map("200 ok\n"
		  "400:499 client-error\n"
		  "404 not-found-never-reached\n"
		  "500: server-error\n"
		  "-5 negative\n", cases, ARRAY_SIZE(cases));
}

static void test_match_ip(void **state)
{
	static const struct str_case cases[] = {
		/* the string input is cast to an address; the most specific
		 * network wins, whatever the file order
		 */
		{ "str_fetch(10.1.2.3),map_ip(FILE)", "host" },
		{ "str_fetch(10.1.2.4),map_ip(FILE)", "narrow" },
		{ "str_fetch(10.2.0.1),map_ip(FILE)", "wide" },
		{ "str_fetch(192.168.77.0),map_ip(FILE)", "odd-mask" },
		{ "str_fetch(192.168.77.1),map_ip(FILE)", NULL },
		{ "str_fetch(2001:db8:1::5),map_ip(FILE)", "v6-net" },
		{ "str_fetch(2001:db9::5),map_ip(FILE,unknown)", "unknown" },
		/* v4 sample against a v6 network, v4-mapped v6 sample against v4 */
		{ "str_fetch(172.16.9.9),map_ip(FILE)", "mapped" },
		{ "str_fetch(::ffff:10.1.9.9),map_ip(FILE)", "narrow" },
		/* not an address: the cast fails, no sample (not even the default) */
		{ "str_fetch(not-an-ip),map_ip(FILE,def)", NULL },
		{ "str_fetch(10.9.9.9),map_ip_key(FILE)", "10.0.0.0/8" },
		{ "str_fetch(10.9.9.9),ipmask(16),map_ip(FILE)", "wide" },
	};

	(void)state;
	check_map("10.0.0.0/8 wide\n"
		  "10.1.0.0/16 narrow\n"
		  "10.1.2.3 host\n"
		  "10.0.0.0/8 duplicate-never-reached\n"
		  "192.168.0.0/255.255.0.255 odd-mask\n"
		  "2001:db8::/32 v6-net\n"
		  "::ffff:172.16.0.0/108 mapped\n", cases, ARRAY_SIZE(cases));
}

/* ---- outputs ---- */

static void test_outputs(void **state)
{
	char *fi = temp_file("small 1\nbig 1000000000000\nneg -42\n");
	char *fa = temp_file("v4 192.168.0.1\nv6 2001:db8::1\n");
	char *fn = temp_file("10.0.0.0/8 100\n10.1.0.0/16 116\n");

	(void)state;
	expect_int("str_fetch(big),map_str_int(FILE)", fi, 1000000000000LL);
	expect_int("str_fetch(neg),map_str_int(FILE,7)", fi, -42);
	expect_int("str_fetch(none),map_str_int(FILE,7)", fi, 7);
	expect_str("str_fetch(none),map_str_int(FILE)", fi, NULL);
	expect_int("str_fetch(smaller),map_beg_int(FILE)", fi, 1);
	expect_int("str_fetch(10.1.0.9),map_ip_int(FILE)", fn, 116);
	expect_int("str_fetch(10.2.0.9),map_ip_int(FILE)", fn, 100);
	expect_int("str_fetch(11.0.0.1),map_ip_int(FILE,-1)", fn, -1);
	expect_int("str_fetch(big),map_str_int(FILE),add(1)", fi, 1000000000001LL);
	/* the same file as strings and as integers */
	expect_str("str_fetch(big),map(FILE)", fi, "1000000000000");

	expect_ip("str_fetch(v4),map_str_ip(FILE)", fa, "192.168.0.1");
	expect_ip("str_fetch(v6),map_str_ip(FILE)", fa, "2001:db8::1");
	expect_ip("str_fetch(none),map_str_ip(FILE,10.0.0.1)", fa, "10.0.0.1");
	expect_ip("str_fetch(none),map_str_ip(FILE,::1)", fa, "::1");
	expect_ip("str_fetch(v4-and-more),map_beg_ip(FILE)", fa, "192.168.0.1");
	expect_ip("str_fetch(v4),map_str_ip(FILE),ipmask(24)", fa, "192.168.0.0");
	expect_str("str_fetch(v4),map_str_key(FILE)", fa, "v4");
	test_temp_free(fi);
	test_temp_free(fa);
	test_temp_free(fn);
}

/* ---- errors ---- */

static void test_errors(void **state)
{
	char *fip = temp_file("10.0.0.0/8 a\n\n# comment\nfoo b\n");
	char *fint = temp_file("a 1\nb 2\n# c\nc abc\n");
	char *fempty = temp_file("a 1\nb\n");
	char *fre = temp_file("ok x\n(unclosed y\n");
	char *fnum = temp_file("10 a\nten b\n");
	char *faddr = temp_file("a 10.0.0.1\nb 10.0.0\n");

	(void)state;
	parse_fails("str_fetch(a),map(/nonexistent/hosts.map)", "",
		    "cannot open map file '/nonexistent/hosts.map': No such file or directory",
		    "converter 'map'", NULL);
	parse_fails("str_fetch(1.2.3.4),map_ip(FILE)", fip,
		    "map file 'FILE' line 4: 'foo' is not a valid IPv4 or IPv6 address", NULL);
	parse_fails("str_fetch(a),map_str_int(FILE)", fint,
		    "map file 'FILE' line 4: 'abc' is not an integer (map_str_int)", NULL);
	parse_fails("str_fetch(a),map_beg_int(FILE)", fempty,
		    "map file 'FILE' line 2: '' is not an integer (map_beg_int)", NULL);
	parse_fails("str_fetch(a),map_reg(FILE)", fre, "map file 'FILE' line 2: invalid regex '(unclosed'", NULL);
	parse_fails("str_fetch(1),map_int(FILE)", fnum, "map file 'FILE' line 2: 'ten' is neither a number", NULL);
	parse_fails("str_fetch(a),map_str_ip(FILE)", faddr,
		    "map file 'FILE' line 2: '10.0.0' is not an IPv4 or IPv6 address (map_str_ip)", NULL);
	/* defaults are typed by the output */
	parse_fails("str_fetch(a),map_str_int(FILE,x)", fint, "argument 2 to converter 'map_str_int' must be an integer, not 'x'", NULL);
	parse_fails("str_fetch(a),map_str_ip(FILE,10.0.0)", faddr, "default value '10.0.0' is not an IPv4 or IPv6 address", NULL);
	parse_fails("str_fetch(a),map_str_key(FILE,x)", fint, "too many arguments to converter 'map_str_key'", NULL);
	parse_fails("str_fetch(a),map", "", "missing argument 1 to converter 'map'", NULL);
	parse_fails("str_fetch(a),map(virt@x)", "", "virtual map 'virt@x' is not supported", NULL);
	parse_fails("str_fetch(a),map(file@)", "", "missing map file name", NULL);
	/* nothing stays loaded after errors */
	assert_int_equal(nb_maps(), 0);
	test_temp_free(fip);
	test_temp_free(fint);
	test_temp_free(fempty);
	test_temp_free(fre);
	test_temp_free(fnum);
	test_temp_free(faddr);
}

/* ---- registry ---- */

static void test_registry(void **state)
{
	char *f = temp_file("k1 v1\nk2 v2 with space\n");
	char name[1100], *opt = strdup("/tmp/tollgate-map-absent-XXXXXX");
	struct sample_expr *a, *b, *c, *d;
	const struct pat_ref *m;
	const char *key, *value;
	const void *e0, *e1;
	unsigned int gen;

	(void)state;
	assert_int_equal(nb_maps(), 0);
	/* one file, several converters and prefixes: loaded once */
	a = parse_ok("str_fetch(k1),map(FILE)", f);
	b = parse_ok("str_fetch(k1),map_beg(file@FILE)", f);
	c = parse_ok("str_fetch(k1),map_str_key(opt@FILE)", f);
	assert_int_equal(nb_maps(), 1);
	m = pat_ref_lookup(f, PAT_REF_MAP);
	assert_non_null(m);
	assert_ptr_equal(pat_ref_next(NULL, PAT_REF_MAP), m);
	assert_null(pat_ref_next(m, PAT_REF_MAP));
	assert_string_equal(pat_ref_path(m), f);
	assert_int_equal(pat_ref_size(m), 2);
	snprintf(name, sizeof(name), "#%u", pat_ref_id(m));
	assert_ptr_equal(pat_ref_lookup(name, PAT_REF_MAP), m);
	assert_null(pat_ref_lookup("#99999", PAT_REF_MAP));
	assert_null(pat_ref_lookup("#", PAT_REF_MAP));
	assert_null(pat_ref_lookup("/no/such/map", PAT_REF_MAP));
	e0 = pat_ref_entry(m, 0, &key, &value, &gen);
	assert_string_equal(key, "k1");
	assert_string_equal(value, "v1");
	e1 = pat_ref_entry(m, 1, &key, &value, &gen);
	assert_string_equal(key, "k2");
	assert_string_equal(value, "v2 with space");
	assert_ptr_not_equal(e0, e1);

	/* opt@ of a missing file: an empty map, but a plain reference fails */
	assert_true(mkstemp(opt) >= 0);
	unlink(opt);
	d = parse_ok("str_fetch(k1),map(opt@FILE,empty)", opt);
	assert_int_equal(nb_maps(), 2);
	expect_str("str_fetch(k1),map(opt@FILE,empty)", opt, "empty");
	parse_fails("str_fetch(k1),map(FILE)", opt, "cannot open map file 'FILE'", NULL);

	/* freed with the last expression using it */
	sample_free_expr(a);
	sample_free_expr(b);
	assert_int_equal(nb_maps(), 2);
	sample_free_expr(c);
	assert_int_equal(nb_maps(), 1);
	sample_free_expr(d);
	assert_int_equal(nb_maps(), 0);
	/* loaded again from the file */
	expect_str("str_fetch(k2),map(FILE)", f, "v2 with space");
	assert_int_equal(nb_maps(), 0);
	test_temp_free(f);
	free(opt);
}

/* ---- configuration ---- */

/* Maps in a real configuration: loaded once, released with the proxies;
 * errors carry the configuration's file:line and the map's.
 */
static void test_config(void **state)
{
	char *fip = temp_file("10.0.0.0/8 1\n10.1.0.0/16 2\n");
	char *fhost = temp_file("example.com be_a\n");
	char *bad = temp_file("10.0.0.0/8 a\nfoo b\n");
	char cfg[4096];

	(void)state;
	snprintf(cfg, sizeof(cfg),
		 "backend be\n"
		 "  mode http\n"
		 "  acl known req.hdr(host),lower,map_dom(opt@%s) -m found\n"
		 "  http-request set-header X-Tier %%[src,map_ip(%s,unknown)]\n"
		 "  http-request set-header X-Host %%[req.hdr(host),lower,map(file@%s,be_default)] if known\n"
		 "  http-request set-header X-Id %%[src,map_ip_int(%s,0)]\n",
		 fhost, fip, fhost, fip);
	if (cfgtest_load(cfg) != 0)
		fail_msg("configuration refused: %s", cfgtest_msgs[0]);
	assert_int_equal(nb_maps(), 2);
	assert_int_equal(pat_ref_size(pat_ref_lookup(fip, PAT_REF_MAP)), 2);
	assert_int_equal(pat_ref_size(pat_ref_lookup(fhost, PAT_REF_MAP)), 1);
	cfgtest_unload();
	assert_int_equal(nb_maps(), 0);

	snprintf(cfg, sizeof(cfg),
		 "frontend fe\n"
		 "  mode http\n"
		 "  http-request set-header X-Tier %%[src,map_ip(%s,unknown)]\n", bad);
	assert_true(cfgtest_parse(cfg) != 0);
	assert_non_null(strstr(cfgtest_msgs[0], "[t.cfg:3]"));
	if (!strstr(cfgtest_msgs[0], "line 2: 'foo' is not a valid IPv4 or IPv6 address"))
		fail_msg("message: %s", cfgtest_msgs[0]);
	cfgtest_unload();
	assert_int_equal(nb_maps(), 0);
	test_temp_free(fip);
	test_temp_free(fhost);
	test_temp_free(bad);
}

/* ---- size ---- */

/* Big maps go through the indexes; values follow their keys. */
static void test_large_maps(void **state)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap), *fs, *fi, want[64], text[128];

	(void)state;
	assert_non_null(buf);
	for (int i = 0; i < 20000; i++)
		len += snprintf(buf + len, cap - len, "host-%d.example.com be_%d\n", i, i);
	fs = temp_file(buf);
	len = 0;
	for (int i = 0; i < 5000; i++)
		len += snprintf(buf + len, cap - len, "10.%d.%d.0/24 %d\n", i / 256, i % 256, i);
	for (int i = 0; i < 256; i++)
		len += snprintf(buf + len, cap - len, "10.%d.0.0/16 %d\n", i, 100000 + i);
	fi = temp_file(buf);

	for (int i = 0; i < 20000; i += 997) {
		snprintf(text, sizeof(text), "str_fetch(host-%d.example.com),map(FILE)", i);
		snprintf(want, sizeof(want), "be_%d", i);
		expect_str(text, fs, want);
	}
	expect_str("str_fetch(host-20000.example.com),map(FILE)", fs, NULL);
	for (int i = 0; i < 5000; i += 331) {
		snprintf(text, sizeof(text), "str_fetch(10.%d.%d.77),map_ip_int(FILE)", i / 256, i % 256);
		expect_int(text, fi, i);
	}
	/* 10.19.136.0/24 would be entry 5000: the /16 answers */
	expect_int("str_fetch(10.19.136.1),map_ip_int(FILE)", fi, 100019);
	expect_int("str_fetch(10.200.1.1),map_ip_int(FILE)", fi, 100200);
	test_temp_free(fs);
	test_temp_free(fi);
	free(buf);
}

/* ---- threads ---- */

struct thread_arg {
	const struct sample_expr *expr;        /* shared expression */
	int id;                                /* thread number */
	int errors;                            /* wrong answers */
};

static void *lookup_thread(void *p)
{
	struct thread_arg *ta = p;
	char key[64], want[64];

	for (int i = 0; i < 20000; i++) {
		int k = (i * 7 + ta->id) % 1000;
		struct sample_ctx ctx = { .txn = key };
		struct sample smp;

		snprintf(key, sizeof(key), "HOST-%d", k);
		snprintf(want, sizeof(want), "value %d", k);
		if (!sample_eval(ta->expr, &ctx, &smp) || smp.data.u.str.len != strlen(want) ||
		    memcmp(smp.data.u.str.ptr, want, strlen(want)) != 0)
			ta->errors++;
	}
	return NULL;
}

/* Any number of threads look up the same map at once (run under TSan). */
static void test_threads(void **state)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap), *f;
	struct thread_arg ta[4];
	pthread_t th[4];
	struct sample_expr *expr;

	(void)state;
	assert_non_null(buf);
	for (int i = 0; i < 1000; i++)
		len += snprintf(buf + len, cap - len, "host-%d value %d\n", i, i);
	f = temp_file(buf);
	expr = parse_ok("ctx_str,lower,map(FILE)", f);
	for (int i = 0; i < 4; i++) {
		ta[i] = (struct thread_arg){ .expr = expr, .id = i };
		assert_int_equal(pthread_create(&th[i], NULL, lookup_thread, &ta[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(ta[i].errors, 0);
	}
	sample_free_expr(expr);
	test_temp_free(f);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_format),
		cmocka_unit_test(test_match_str_beg_end_sub),
		cmocka_unit_test(test_match_dir_dom_reg),
		cmocka_unit_test(test_match_int),
		cmocka_unit_test(test_match_ip),
		cmocka_unit_test(test_outputs),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_large_maps),
		cmocka_unit_test(test_threads),
	};

	if (sample_register_fetches(&test_fetches) < 0) {
		fprintf(stderr, "cannot register the test fetches\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
