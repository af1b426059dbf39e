/*
 * Unit tests for the HTTP sample fetches (src/proxy/fetch_http.c); the
 * variables are tested in test_vars.c.
 *
 * Each test builds a transaction by hand: the request (and response) text
 * is parsed with the h1 parser, loaded into the txn's editable heads, and
 * the expressions are parsed with sample_parse_expr() and evaluated with a
 * sample context holding only that txn, as the stream does.
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

#include <tollgate/acl.h>
#include <tollgate/h1.h>
#include <tollgate/http_msg.h>
#include <tollgate/http_txn.h>
#include <tollgate/sample.h>

#define MAXH 101                          /* tune.http.maxhdr */
#define MAXF (MAXH + HTTP_EXTRA_FIELDS)   /* fields of an editable head */

static struct http_txn *txn;
static struct h1_hdr hdrs[2][MAXH];
static struct http_field fields[2][MAXF];
static char msgbuf[2][8192];              /* received bytes: request, response */
static struct sample_ctx ctx;
static unsigned int where;                /* SMP_USE_* the expressions are parsed for */

static int setup(void **state)
{
	txn = calloc(1, sizeof(*txn));
	if (!txn)
		return -1;
	txn->req_hdrs = hdrs[0];
	txn->res_hdrs = hdrs[1];
	txn->req_fields = fields[0];
	txn->res_fields = fields[1];
	txn->status = txn->srv_status = -1;
	ctx = (struct sample_ctx){ .txn = txn };
	where = SMP_USE_HTTP_REQ;
	return 0;
}

static int teardown(void **state)
{
	free(txn);
	txn = NULL;
	return 0;
}

/* Parses the request <text> into the txn and sets TX_HAS_REQ. */
static void load_req(const char *text)
{
	size_t len = strlen(text);

	assert_true(len <= sizeof(msgbuf[0]));
	memcpy(msgbuf[0], text, len);
	h1_msg_init(&txn->req_h1, txn->req_hdrs, MAXH);
	assert_int_equal(h1_parse_request(&txn->req_h1, msgbuf[0], len, NULL), (int)len);
	http_head_init(&txn->req, txn->req_fields, MAXF, txn->req_arena, HTTP_ARENA_SIZE);
	assert_int_equal(http_head_load(&txn->req, &txn->req_h1, msgbuf[0]), 0);
	txn->meth = txn->req.m;
	txn->flags |= TX_HAS_REQ;
}

/* Parses the response <text> into the txn and sets TX_HAS_RES. */
static void load_res(const char *text)
{
	size_t len = strlen(text);

	assert_true(len <= sizeof(msgbuf[1]));
	memcpy(msgbuf[1], text, len);
	h1_msg_init(&txn->res_h1, txn->res_hdrs, MAXH);
	assert_int_equal(h1_parse_response(&txn->res_h1, msgbuf[1], len, NULL), (int)len);
	http_head_init(&txn->res, txn->res_fields, MAXF, txn->res_arena, HTTP_ARENA_SIZE);
	assert_int_equal(http_head_load(&txn->res, &txn->res_h1, msgbuf[1]), 0);
	txn->flags |= TX_HAS_RES;
}

static struct sample_expr *parse(const char *text)
{
	struct sample_expr *expr = NULL;
	char *err = NULL;

	if (sample_parse_expr(text, where, &expr, &err) != 0)
		fail_msg("cannot parse '%s': %s", text, err ? err : "?");
	return expr;
}

/* Evaluates <text>: expects no sample when <want> is NULL, else the string
 * <want> (the sample is cast to a string).
 */
static void expect_str(const char *text, const char *want)
{
	struct sample_expr *expr = parse(text);
	struct sample smp;
	int got = sample_eval(expr, &ctx, &smp);

	if (!want) {
		if (got && sample_cast(&smp, SMP_T_STR))
			fail_msg("'%s': expected no sample, got '%.*s'", text,
				 (int)smp.data.u.str.len, smp.data.u.str.ptr);
		assert_false(got);
	} else {
		if (!got)
			fail_msg("'%s': expected '%s', got no sample", text, want);
		assert_true(sample_cast(&smp, SMP_T_STR));
		if (smp.data.u.str.len != strlen(want) || memcmp(smp.data.u.str.ptr, want, strlen(want)))
			fail_msg("'%s': expected '%s', got '%.*s'", text, want,
				 (int)smp.data.u.str.len, smp.data.u.str.ptr);
	}
	sample_free_expr(expr);
}

/* Evaluates <text>, expecting an integer sample <want>. */
static void expect_int(const char *text, int64_t want)
{
	struct sample_expr *expr = parse(text);
	struct sample smp;

	if (!sample_eval(expr, &ctx, &smp))
		fail_msg("'%s': expected %lld, got no sample", text, (long long)want);
	assert_int_equal(smp.data.type, SMP_T_SINT);
	if (smp.data.u.sint != want)
		fail_msg("'%s': expected %lld, got %lld", text, (long long)want,
			 (long long)smp.data.u.sint);
	sample_free_expr(expr);
}

/* Evaluates <text> and every next value as an ACL does, expecting the
 * values (as strings, "-" for a value that gave no sample) joined by '|'.
 */
static void expect_all(const char *text, const char *want)
{
	struct sample_expr *expr = parse(text);
	struct sample smp;
	char out[1024];
	size_t n = 0;
	int got = sample_eval(expr, &ctx, &smp);

	out[0] = '\0';
	for (int i = 0; i < 100; i++) {
		const char *s = "-";
		size_t len = 1;

		if (got) {
			assert_true(sample_cast(&smp, SMP_T_STR));
			s = smp.data.u.str.ptr;
			len = smp.data.u.str.len;
		}
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%.*s", i ? "|" : "", (int)len, s);
		if (!(smp.flags & SMP_F_NOT_LAST))
			break;
		got = sample_eval_next(expr, &ctx, &smp);
	}
	if (strcmp(out, want) != 0)
		fail_msg("'%s': expected values '%s', got '%s'", text, want, out);
	sample_free_expr(expr);
}

/* Expects <text> to be refused at parse time with a message holding <part>. */
static void expect_parse_error(const char *text, const char *part)
{
	struct sample_expr *expr = NULL;
	char *err = NULL;

	assert_int_not_equal(sample_parse_expr(text, where, &expr, &err), 0);
	assert_null(expr);
	assert_non_null(err);
	if (!strstr(err, part))
		fail_msg("'%s': error '%s' lacks '%s'", text, err, part);
	free(err);
}

/* Expects <text> to give an address sample equal to <want>. */
static void expect_ip(const char *text, const char *want)
{
	struct sample_expr *expr = parse(text);
	struct sample smp;
	char buf[INET6_ADDRSTRLEN];

	if (!sample_eval(expr, &ctx, &smp))
		fail_msg("'%s': expected %s, got no sample", text, want);
	if (strchr(want, ':')) {
		assert_int_equal(smp.data.type, SMP_T_IPV6);
		inet_ntop(AF_INET6, &smp.data.u.ipv6, buf, sizeof(buf));
	} else {
		assert_int_equal(smp.data.type, SMP_T_IPV4);
		inet_ntop(AF_INET, &smp.data.u.ipv4, buf, sizeof(buf));
	}
	assert_string_equal(buf, want);
	sample_free_expr(expr);
}

/* ---- start line ---- */

static void test_request_line(void **state)
{
	load_req("GET /a/b?x=1&y=&z HTTP/1.1\r\nHost: Example.com\r\nUser-Agent: t\r\n\r\n");
	expect_str("method", "GET");
	expect_str("path", "/a/b");
	expect_str("url", "/a/b?x=1&y=&z");
	expect_str("query", "x=1&y=&z");
	expect_str("base", "Example.com/a/b");
	expect_str("base,lower", "example.com/a/b");
	expect_str("req.ver", "1.1");
	expect_str("req_ver", "1.1");

	load_req("POST /nothing HTTP/1.0\r\n\r\n");
	expect_str("method", "POST");
	expect_str("query", NULL);
	expect_str("base", "/nothing");      /* no Host: the path alone */
	expect_str("req.ver", "1.0");

	load_req("PURGE /? HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_str("method", "PURGE");
	expect_str("query", "");
	expect_str("path", "/");
}

static void test_absolute_and_special_targets(void **state)
{
	load_req("GET http://h.example:8080/p/q?r=1 HTTP/1.1\r\nHost: h.example:8080\r\n\r\n");
	expect_str("path", "/p/q");
	expect_str("url", "http://h.example:8080/p/q?r=1");
	expect_str("query", "r=1");
	expect_str("base", "h.example:8080/p/q");
	expect_str("url_param(r)", "1");

	load_req("GET http://h.example?q HTTP/1.1\r\nHost: h.example\r\n\r\n");
	expect_str("path", "");
	expect_str("query", "q");

	load_req("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_str("url", "*");
	expect_str("path", NULL);
	expect_str("base", "h");

	load_req("CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n");
	expect_str("method", "CONNECT");
	expect_str("path", NULL);
	expect_str("url", "h.example:443");
}

/* ---- url parameters ---- */

static void test_url_param(void **state)
{
	load_req("GET /p?x=1&y=&z&a=first;a=second&Cap=C HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_str("url_param(x)", "1");
	expect_str("url_param(y)", "");           /* present, empty value */
	expect_str("url_param(z)", NULL);         /* no '=': not a parameter value */
	expect_str("url_param(w)", NULL);
	expect_str("url_param(a)", "first");      /* the first occurrence */
	expect_str("urlp(a)", "first");
	expect_all("url_param(a)", "first|second");
	expect_str("url_param", "1");             /* no name: the first parameter */
	expect_all("url_param", "1||first|second|C");
	expect_str("url_param(cap)", NULL);       /* case-sensitive by default */
	expect_str("url_param(cap,,i)", "C");
	expect_str("url_param(CAP,&,i)", "C");

	load_req("GET /foo;JSESSIONID=abc HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_str("url_param(JSESSIONID)", NULL);   /* the list starts at '?' */
	expect_str("url_param(JSESSIONID,;)", "abc");

	/* '?' ends no value (HAProxy's delimiters: '&', ';' and <delim>) */
	load_req("GET /foo;s=abc?n=42x HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_str("url_param(s,;)", "abc?n=42x");
	expect_int("urlp_val(n)", 42);

	load_req("GET /noquery HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_str("url_param", NULL);
	expect_str("url_param(x)", NULL);

	expect_parse_error("url_param(a,;;)", "single character");
	expect_parse_error("url_param(a,&,x)", "must be 'i'");
}

/* ---- header fields ---- */

static const char *hdr_req =
	"GET / HTTP/1.1\r\n"
	"Host: www.example.com\r\n"
	"X-F: a, b\r\n"
	"X-Other: z\r\n"
	"X-F: \"c,d\", e\r\n"
	"x-f: f\r\n"
	"X-Empty:\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux, x86_64)\r\n"
	"\r\n";

static void test_hdr(void **state)
{
	load_req(hdr_req);
	expect_str("req.hdr(host)", "www.example.com");
	expect_str("req.hdr(HOST)", "www.example.com");
	expect_str("hdr(host)", "www.example.com");
	expect_str("req.hdr(x-f)", "f");             /* the last value */
	expect_str("req.hdr(x-f,1)", "a");
	expect_str("req.hdr(x-f,2)", "b");
	expect_str("req.hdr(x-f,3)", "\"c,d\"");     /* quoted comma does not split */
	expect_str("req.hdr(x-f,4)", "e");
	expect_str("req.hdr(x-f,5)", "f");
	expect_str("req.hdr(x-f,6)", NULL);
	expect_str("req.hdr(x-f,-1)", "f");
	expect_str("req.hdr(x-f,-2)", "e");
	expect_str("req.hdr(x-f,-5)", "a");
	expect_str("req.hdr(x-f,-6)", NULL);
	expect_str("req.hdr(x-f,0)", "f");
	expect_all("req.hdr(x-f)", "f|e|\"c,d\"|b|a");
	expect_all("req.hdr(x-f,2)", "b");           /* explicit occurrence: one value */
	expect_str("req.hdr(missing)", NULL);
	expect_str("req.hdr(x-empty)", "");          /* present but empty */
	expect_str("req.hdr(user-agent)", "x86_64)");
	expect_str("req.hdr", "x86_64)");            /* no name: every field */

	expect_str("req.fhdr(user-agent)", "Mozilla/5.0 (X11; Linux, x86_64)");
	expect_str("req.fhdr(x-f)", "f");
	expect_str("req.fhdr(x-f,1)", "a, b");
	expect_str("req.fhdr(x-f,-2)", "\"c,d\", e");
	expect_all("req.fhdr(x-f)", "f|\"c,d\", e|a, b");
	expect_str("req.fhdr(missing)", NULL);
	expect_parse_error("req.fhdr", "missing argument 1");

	expect_int("req.hdr_cnt(x-f)", 5);
	expect_int("hdr_cnt(x-f)", 5);
	expect_int("req.fhdr_cnt(x-f)", 3);
	expect_int("req.hdr_cnt(missing)", 0);
	expect_int("req.fhdr_cnt", 7);               /* every field */
	expect_int("req.hdr_cnt", 10);               /* every comma-separated value */

	/* request fetches are refused in response rules, and conversely */
	where = SMP_USE_HTTP_RES;
	expect_parse_error("req.hdr(host)", "req.hdr");
	where = SMP_USE_HTTP_REQ;
	expect_parse_error("res.hdr(server)", "res.hdr");
	expect_parse_error("status", "status");
}

static void test_hdr_after_rewrite(void **state)
{
	load_req(hdr_req);
	assert_int_equal(http_hdr_set(&txn->req, "X-F", 3, "new, value", 10), 0);
	expect_str("req.hdr(x-f)", "value");
	expect_str("req.fhdr(x-f)", "new, value");
	expect_int("req.hdr_cnt(x-f)", 2);
	expect_int("req.fhdr_cnt(x-f)", 1);

	assert_int_equal(http_hdr_add(&txn->req, "Cookie", 6, "s=1", 3), 0);
	expect_str("req.cook(s)", "1");
	assert_int_equal(http_hdr_del(&txn->req, "host", 4), 1u);
	expect_str("req.hdr(host)", NULL);
	expect_str("base", "/");

	assert_int_equal(http_set_path(&txn->req, "/new/path", 9), 0);
	assert_int_equal(http_set_query(&txn->req, "k=v", 3), 0);
	expect_str("path", "/new/path");
	expect_str("url_param(k)", "v");
	assert_int_equal(http_set_method(&txn->req, "DELETE", 6), 0);
	expect_str("method", "DELETE");
}

static void test_hdr_ip_and_val(void **state)
{
	load_req("GET / HTTP/1.1\r\nHost: h\r\n"
		 "X-Forwarded-For: 10.0.0.1, 192.168.1.2:8080\r\n"
		 "X-Real: 2001:db8::1\r\n"
		 "X-B: [::1]\r\n"
		 "X-Bad: 1.2.3.4:99999, junk\r\n"
		 "X-Mixed: 10.1.1.1, [fe80::1]:80, 1.2.3.4:\r\n"
		 "X-N: 12, 7abc, x\r\n"
		 "\r\n");
	expect_ip("req.hdr_ip(x-forwarded-for)", "192.168.1.2");   /* port dropped */
	expect_ip("hdr_ip(x-forwarded-for,1)", "10.0.0.1");
	expect_ip("req.hdr_ip(x-real)", "2001:db8::1");
	expect_ip("req.hdr_ip(x-b)", "::1");
	expect_str("req.hdr_ip(x-bad)", NULL);
	expect_str("req.hdr_ip(x-bad,1)", NULL);                   /* port above 65535 */
	expect_str("req.hdr_ip(missing)", NULL);
	expect_str("req.hdr_ip(x-mixed)", NULL);                   /* the last value has an empty port */
	expect_all("req.hdr_ip(x-mixed)", "-|-|10.1.1.1");         /* ACLs skip the bad ones */
	expect_all("req.hdr_ip(x-forwarded-for)", "192.168.1.2|10.0.0.1");

	expect_int("req.hdr_val(x-n)", 0);                         /* "x": 0, as HAProxy */
	expect_int("req.hdr_val(x-n,1)", 12);
	expect_int("hdr_val(x-n,2)", 7);

	/* through an ACL: every value is tried, not only the last one */
	{
		struct acl_list list;
		char *a1[] = { "acl", "priv", "req.hdr_ip(x-forwarded-for)", "10.0.0.0/8" };
		char *a2[] = { "acl", "none", "req.hdr_ip(x-bad)", "0.0.0.0/0", "::/0" };
		char *a3[] = { "acl", "ef", "hdr(x-n)", "12" };
		char *err = NULL;

		acl_list_init(&list);
		assert_int_equal(acl_parse_line(&list, 4, a1, &err), 0);
		assert_int_equal(acl_parse_line(&list, 5, a2, &err), 0);
		assert_int_equal(acl_parse_line(&list, 4, a3, &err), 0);
		assert_true(acl_exec(acl_find(&list, "priv"), &ctx));
		assert_false(acl_exec(acl_find(&list, "none"), &ctx));
		assert_true(acl_exec(acl_find(&list, "ef"), &ctx));
		acl_list_deinit(&list);
	}
}

/* ---- cookies ---- */

static void test_req_cookies(void **state)
{
	load_req("GET / HTTP/1.1\r\nHost: h\r\n"
		 "Cookie: a=1; b = two words ; $Version=1; c=\"q;x\"; flag\r\n"
		 "Cookie: a=3, d=4;e=\r\n"
		 "\r\n");
	expect_str("req.cook(a)", "3");          /* the last occurrence */
	expect_str("cook(a)", "3");
	expect_all("req.cook(a)", "3|1");
	expect_str("req.cook(b)", "two words");  /* spaces around dropped */
	expect_str("req.cook(c)", "\"q;x\"");    /* quotes kept, ';' inside */
	expect_str("req.cook(d)", "4");          /* ',' separates cookies too */
	expect_str("req.cook(e)", "");           /* present, empty */
	expect_str("req.cook(flag)", NULL);      /* no '=' */
	expect_str("req.cook($Version)", NULL);  /* attributes are skipped */
	expect_str("req.cook(A)", NULL);         /* names are case-sensitive */
	expect_str("req.cook(zz)", NULL);
	expect_str("req.cook", "1");             /* no name: the first cookie */
	expect_all("req.cook", "1|two words|\"q;x\"|3|4|");
	expect_int("req.cook_cnt(a)", 2);
	expect_int("cook_cnt(a)", 2);
	expect_int("req.cook_cnt", 6);
	expect_int("req.cook_cnt(zz)", 0);
	expect_int("req.cook_val(a)", 3);
	expect_int("cook_val(d)", 4);
	expect_int("req.cook_val(b)", 0);        /* no digits: 0, as HAProxy */
	expect_str("req.cook_val(e)", NULL);     /* empty: no number at all */

	load_req("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_str("req.cook(a)", NULL);
	expect_int("req.cook_cnt", 0);
}

/* ---- responses ---- */

static void test_response(void **state)
{
	load_req(hdr_req);
	expect_str("hdr(x-other)", "z");         /* before the response: the request */
	load_res("HTTP/1.1 302 Found\r\n"
		 "Set-Cookie: SID=abc; Path=/; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\n"
		 "Set-Cookie: lang=en\r\n"
		 "Set-Cookie: SID = def ; HttpOnly\r\n"
		 "Location: /x\r\n"
		 "Cache-Control: no-cache, private\r\n"
		 "Content-Length: 0\r\n"
		 "\r\n");
	where = SMP_USE_HTTP_RES;
	expect_int("status", 302);
	expect_str("res.ver", "1.1");
	expect_str("resp_ver", "1.1");
	expect_str("method", "GET");
	expect_str("res.hdr(cache-control)", "private");
	expect_str("shdr(cache-control,1)", "no-cache");
	expect_str("res.fhdr(cache-control)", "no-cache, private");
	expect_int("res.hdr_cnt(cache-control)", 2);
	expect_int("shdr_cnt(cache-control)", 2);
	expect_int("res.fhdr_cnt(set-cookie)", 3);
	expect_int("res.hdr_val(content-length)", 0);
	expect_str("hdr(location)", "/x");       /* the response once there */
	expect_str("hdr(x-other)", NULL);
	expect_str("res.cook(SID)", "def");      /* the last one */
	expect_all("scook(SID)", "def|abc");
	expect_str("res.cook(Path)", NULL);      /* an attribute, not a cookie */
	expect_str("res.cook(Expires)", NULL);
	expect_str("res.cook", "abc");           /* no name: the first */
	expect_int("res.cook_cnt", 3);
	expect_int("scook_cnt(lang)", 1);
	expect_str("res.hdr(missing)", NULL);
	expect_parse_error("path", "path");

	/* no response parsed: response fetches find nothing */
	txn->flags &= ~TX_HAS_RES;
	expect_str("status", NULL);
	expect_str("res.hdr(location)", NULL);
	expect_str("res.ver", NULL);
	expect_str("res.cook", NULL);
}

/* ---- no transaction ---- */

static void test_no_txn(void **state)
{
	static const char *const req_exprs[] = {
		"method", "path", "url", "query", "base", "url_param(x)", "req.ver",
		"hdr(host)", "req.hdr(host)", "req.fhdr(host)", "req.hdr_cnt(host)",
		"req.fhdr_cnt", "req.hdr_ip(x)", "req.hdr_val(x)", "req.cook(a)",
		"req.cook_cnt", "var(txn.a)",
	};
	static const char *const res_exprs[] = {
		"status", "res.ver", "res.hdr(x)", "res.fhdr(x)", "res.hdr_cnt",
		"res.cook(a)", "res.cook_cnt", "shdr_ip(x)",
	};

	load_req(hdr_req);
	load_res("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ctx.txn = NULL;
	for (size_t i = 0; i < sizeof(req_exprs) / sizeof(req_exprs[0]); i++)
		expect_str(req_exprs[i], NULL);
	where = SMP_USE_HTTP_RES;
	for (size_t i = 0; i < sizeof(res_exprs) / sizeof(res_exprs[0]); i++)
		expect_str(res_exprs[i], NULL);
	where = SMP_USE_ANY;
	expect_str("var(txn.a,dflt)", "dflt");

	/* a txn whose request is not parsed yet */
	ctx.txn = txn;
	txn->flags = 0;
	where = SMP_USE_HTTP_REQ;
	for (size_t i = 0; i < sizeof(req_exprs) / sizeof(req_exprs[0]); i++)
		expect_str(req_exprs[i], NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute_and_special_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_param, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hdr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hdr_after_rewrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hdr_ip_and_val, setup, teardown),
		cmocka_unit_test_setup_teardown(test_req_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_txn, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
