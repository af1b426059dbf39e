/*
 * Unit tests of http-request / http-response rules, `redirect` and
 * `errorfile` (src/cfg/cfg_http_rules.c, src/proxy/http_rules.c):
 * configurations go through the real parser; rules run on a hand-made
 * stream and transaction whose heads are parsed by the H1 parser, and the
 * edited heads are written out with http_head_write() and compared byte
 * for byte.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/global.h>
#include <tollgate/h1.h>
#include <tollgate/http_msg.h>
#include <tollgate/http_reply.h>
#include <tollgate/http_rules.h>
#include <tollgate/http_txn.h>
#include <tollgate/proxy.h>
#include <tollgate/stream-t.h>

#include "helpers/cfgtest.h"

/* ---- configuration ---- */

static void cleanup(void)
{
	for (struct proxy *px = proxies_list; px; px = px->next)
		http_rules_free(px);
	proxy_free_all();
	cfg_proxy_reset();
	cfg_set_sink(NULL, NULL);
}

static int parse(const char *text)
{
	cleanup();
	cfgtest_msgs[0][0] = '\0';
	return cfgtest_parse(text);
}

static unsigned int count(const struct list *head)
{
	unsigned int n = 0;

	for (const struct list *l = head->next; l != head; l = l->next)
		n++;
	return n;
}

static struct proxy *fe(void)
{
	struct proxy *px = proxy_find("fe", 0);

	assert_non_null(px);
	return px;
}

static char tmpdir[64];

static const char *write_file(const char *name, const char *content)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	return path;
}

static void test_parse_lists(void **state)
{
	int rc = parse("frontend fe\n"
	               "  mode http\n"
	               "  http-request set-header X-A 1\n"
	               "  http-request add-header X-B \"two words\" if TRUE\n"
	               "  http-request del-header X-C unless FALSE\n"
	               "  http-request replace-header Host (.*):80 \\1\n"
	               "  http-request replace-value Accept ^text/(.*)$ t/\\1\n"
	               "  http-request set-path /new\n"
	               "  http-request set-query a=b\n"
	               "  http-request set-method POST\n"
	               "  http-request set-uri /u\n"
	               "  http-request deny deny_status 429 if FALSE\n"
	               "  http-request tarpit\n"
	               "  http-request return status 201 content-type text/plain string ok\n"
	               "  http-request redirect location /x code 301\n"
	               "  redirect prefix /p drop-query append-slash if TRUE\n"
	               "  http-request set-var(txn.foo) always_true\n"
	               "  http-request unset-var(txn.foo)\n"
	               "  http-request sc-inc-gpc0(0)\n"
	               "  http-request sc-inc-gpc(1,2)\n"
	               "  http-request sc-set-gpt0(1) 42\n"
	               "  http-request allow\n"
	               "  http-response set-header X-R 1\n"
	               "  http-response set-status 503 reason \"Go away\"\n"
	               "  http-response deny if FALSE\n"
	               "  http-response replace-value Cache-Control ^x$ y\n");

	if (rc)
		fail_msg("parse failed: %s", cfgtest_msgs[0]);
	assert_int_equal(count(&fe()->http_req_rules), 20);
	assert_int_equal(count(&fe()->http_res_rules), 4);
	cleanup();
}

struct bad_line {
	const char *line;        /* the faulty line (line 3 of the file) */
	const char *msg;         /* expected part of the message */
};

static const struct bad_line bad_lines[] = {
	{ "http-request", "'http-request' expects an action" },
	{ "http-request frobnicate", "'http-request' : unknown action 'frobnicate' (supported: allow, deny," },
	{ "http-response tarpit", "'http-response' : unknown action 'tarpit'" },
	{ "http-request set-header X-A", "'http-request' : 'set-header' expects a header name and a value." },
	{ "http-request deny deny_status 418", "'http-request' : 'deny' : status 418 has no error message" },
	{ "http-request deny deny_status abc", "'deny' : 'deny_status' expects a status code from 200 to 599." },
	{ "http-request return string hello", "'return' : a non-empty 'string' payload needs a 'content-type'." },
	{ "http-request return content-type t lf-string %[nosuchfetch]", "'return' : invalid format '%[nosuchfetch]'" },
	{ "http-request return hdr x-a %[nosuchfetch]", "'return' : invalid format '%[nosuchfetch]'" },
	{ "http-request return string a file b", "'return' : 'file' conflicts with a previous payload argument" },
	{ "http-request return errorfile /nonexistent/x.http", "cannot read errorfile '/nonexistent/x.http' (No such file or directory)" },
	{ "http-request redirect to /x", "'http-request' : 'redirect' : unknown type 'to' (expected 'location', 'prefix' or 'scheme')." },
	{ "redirect location /x code 305", "'redirect' : 'code' expects 301, 302, 303, 307 or 308." },
	{ "redirect location /x frob", "'redirect' : unexpected 'frob' (expected code, drop-query" },
	{ "redirect location", "'redirect' expects a value after the redirect type." },
	{ "http-request replace-header Host ([a- x", "'replace-header' : invalid regex '([a-': Unmatched [" },
	{ "http-request replace-value Host a(b) \\2", "'replace-value' : '\\2' refers to a group the regex does not have (1 groups)." },
	{ "http-request set-var(foo.x) always_true", "'set-var(foo.x)' : variable 'foo.x' must be named '<scope>.<name>'" },
	{ "http-request set-var(txn.x)", "'set-var(txn.x)' expects a sample expression." },
	{ "http-request set-var(txn.a-b) always_true", "variable 'txn.a-b': invalid character '-'" },
	{ "http-request track-sc9 src", "'track-sc9' : stick counter number must be from 0 to" },
	{ "http-request sc-inc-gpc0(x)", "expected sc-inc-gpc0(<sc-id>)" },
	{ "http-request set-header X-A %[nosuchfetch]", "'set-header' : invalid format '%[nosuchfetch]'" },
	{ "http-request allow foo", "'http-request allow' : unexpected 'foo' (expected 'if' or 'unless')." },
	{ "http-response set-status 42", "'set-status' expects a status code from 100 to 999." },
	{ "http-request del-header X -m frob", "'del-header' : unknown matching method 'frob'" },
	{ "http-request del-header ([a- -m reg", "'del-header' : invalid regex '([a-'" },
	{ "http-request deny if", NULL },
	{ "http-request normalize-uri nope", "'normalize-uri' : unknown normalizer 'nope'" },
	{ "http-request normalize-uri path-merge-slashes full", "'http-request normalize-uri' : unexpected 'full'" },
	{ "http-after-response deny", "'http-after-response' : unknown action 'deny'" },
	{ "http-request set-timeout server 1s", "'set-timeout server' : proxy 'fe' has no backend capability." },
	{ "http-request set-timeout connect 1s", "'set-timeout connect' : proxy 'fe' has no backend capability." },
	{ "http-request set-timeout foo 1s", "'set-timeout' : unsupported timeout 'foo'" },
	{ "http-request set-retries 101", "'set-retries' expects a number from 0 to 100, got '101'." },
	{ "http-request capture path", "'capture' expects 'len <N>' or 'id <N>' after the sample." },
	{ "http-request capture path size 3", "'capture' : expected 'len <N>' (N > 0) or 'id <N>'" },
	{ "http-response capture status len 3", "'capture' : expected 'id <N>'" },
	{ "http-response redirect location /", "'http-response redirect' is not supported" },
	{ "errorfile 503", "'errorfile' expects <code> and <file>." },
	{ "errorfile abc /x", "'errorfile' : 'abc' is not a status code." },
	{ "errorfile 503 /nonexistent/503.http", "'errorfile 503' : cannot read errorfile '/nonexistent/503.http' (No such file or directory)." },
};

static void test_parse_errors(void **state)
{
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		char text[512];

		snprintf(text, sizeof(text), "frontend fe\n  mode http\n  %s\n", bad_lines[i].line);
		if (parse(text) != -1)
			fail_msg("'%s' was accepted", bad_lines[i].line);
		if (!strstr(cfgtest_msgs[0], "parsing [t.cfg:3] : "))
			fail_msg("'%s': no place in '%s'", bad_lines[i].line, cfgtest_msgs[0]);
		if (bad_lines[i].msg && !strstr(cfgtest_msgs[0], bad_lines[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", bad_lines[i].line, cfgtest_msgs[0], bad_lines[i].msg);
		assert_int_equal(count(&fe()->http_req_rules), 0);
	}
	assert_int_equal(parse("defaults\n  http-request deny\n"), -1);
	assert_non_null(strstr(cfgtest_msgs[0], "'http-request deny' is not allowed in anonymous 'defaults' sections."));
	assert_int_equal(parse("defaults\n  redirect location /\n"), -1);
	assert_non_null(strstr(cfgtest_msgs[0], "'redirect' is not allowed in 'defaults' sections."));
	cleanup();
}

static void test_errorfile_keyword(void **state)
{
	const char *p = write_file("503.http", "HTTP/1.1 503 Sorry\r\ncontent-length: 3\r\n\r\nbye");
	const char *bad = NULL;
	char text[1024];
	const struct http_reply *r;

	/* set in defaults, inherited; overridden in a frontend */
	snprintf(text, sizeof(text), "defaults\n  mode http\n  errorfile 503 %s\nfrontend fe\nfrontend fe2\n  errorfile 503 /dev/null\n", p);
	assert_int_equal(parse(text), 0);
	r = http_error_reply(fe(), 503);
	assert_int_equal(r->status, 503);
	assert_memory_equal(r->data, "HTTP/1.1 503 Sorry\r\n", 20);
	assert_int_equal(http_error_reply(proxy_find("fe2", 0), 503)->len, 0);
	assert_int_equal(http_error_reply(fe(), 502)->status, 502);   /* built-in */
	/* garbage names the file and the reason */
	bad = write_file("bad.http", "this is not http\r\n\r\n");
	snprintf(text, sizeof(text), "frontend fe\n  errorfile 500 %s\n", bad);
	assert_int_equal(parse(text), -1);
	assert_non_null(strstr(cfgtest_msgs[0], "parsing [t.cfg:2] : 'errorfile 500' : errorfile '"));
	assert_non_null(strstr(cfgtest_msgs[0], "bad.http' is not a valid HTTP response"));
	/* a code HAProxy cannot customise: a warning, as HAProxy */
	assert_int_equal(parse("frontend fe\n  errorfile 418 /dev/null\n"), 0);
	assert_int_equal(cfgtest_nmsgs, 1);
	assert_non_null(strstr(cfgtest_msgs[0], "'errorfile' : status code 418 not handled"));
	cleanup();
}

static void report(void *arg, int is_err, const char *file, int line, const char *msg)
{
	snprintf(cfgtest_msgs[cfgtest_nmsgs < 16 ? cfgtest_nmsgs : 15], sizeof(cfgtest_msgs[0]), "%s:%d: %s", file, line, msg);
	cfgtest_nmsgs++;
}

static void test_resolve(void **state)
{
	assert_int_equal(parse("frontend fe\n  mode http\n  http-request track-sc0 src table nope\n"
	                       "  http-request track-sc1 src\n  http-request sc-inc-gpc0(0)\n"), 0);
	cfgtest_nmsgs = 0;
	assert_int_equal(http_rules_resolve(report, NULL), 2);
	assert_string_equal(cfgtest_msgs[0], "t.cfg:3: frontend 'fe': 'http-request track-sc0' refers to unknown table 'nope'.");
	assert_string_equal(cfgtest_msgs[1], "t.cfg:4: frontend 'fe': 'http-request track-sc1' needs a table: add a 'stick-table' to this section or 'table <name>'.");
	cleanup();
}

/* ---- execution ---- */

struct fixture {
	struct stream s;
	struct http_txn *txn;
	char req[2048];
	char res[2048];
	struct h1_hdr req_hdrs[32];
	struct h1_hdr res_hdrs[32];
	struct http_field req_f[64];
	struct http_field res_f[64];
	char out[2048];
	struct http_outcome o;
};

static struct fixture fx;

/* Loads request <req> (and response <res> if not NULL) into fx. */
static void load(const char *req, const char *res)
{
	free(fx.txn);
	memset(&fx, 0, sizeof(fx));
	fx.txn = calloc(1, sizeof(*fx.txn));
	assert_non_null(fx.txn);
	fx.s.fe = fe();
	fx.s.txn = fx.txn;
	snprintf(fx.req, sizeof(fx.req), "%s", req);
	h1_msg_init(&fx.txn->req_h1, fx.req_hdrs, 32);
	assert_true(h1_parse_request(&fx.txn->req_h1, fx.req, strlen(fx.req), NULL) > 0);
	http_head_init(&fx.txn->req, fx.req_f, 64, fx.txn->req_arena, HTTP_ARENA_SIZE);
	assert_int_equal(http_head_load(&fx.txn->req, &fx.txn->req_h1, fx.req), 0);
	fx.txn->meth = fx.txn->req_h1.meth;
	fx.txn->flags |= TX_HAS_REQ;
	if (res) {
		snprintf(fx.res, sizeof(fx.res), "%s", res);
		h1_msg_init(&fx.txn->res_h1, fx.res_hdrs, 32);
		assert_true(h1_parse_response(&fx.txn->res_h1, fx.res, strlen(fx.res), NULL) > 0);
		http_head_init(&fx.txn->res, fx.res_f, 64, fx.txn->res_arena, HTTP_ARENA_SIZE);
		assert_int_equal(http_head_load(&fx.txn->res, &fx.txn->res_h1, fx.res), 0);
		fx.txn->flags |= TX_HAS_RES;
	}
}

static enum http_verdict run_req(void)
{
	memset(&fx.o, 0, sizeof(fx.o));
	return http_req_rules_exec(fe(), &fx.s, &fx.o, fx.out, sizeof(fx.out));
}

static enum http_verdict run_res(void)
{
	memset(&fx.o, 0, sizeof(fx.o));
	return http_res_rules_exec(fe(), &fx.s, &fx.o, fx.out, sizeof(fx.out));
}

/* Returns the request (<is_req>) or response head as written out. */
static const char *head(int is_req)
{
	static char buf[4096];
	size_t n = http_head_write(is_req ? &fx.txn->req : &fx.txn->res, is_req, buf, sizeof(buf) - 1);

	assert_true(n > 0);
	buf[n] = '\0';
	return buf;
}

static void setup_cfg(const char *rules)
{
	char text[8192];

	snprintf(text, sizeof(text), "frontend fe\n  mode http\n%s", rules);
	if (parse(text))
		fail_msg("parse failed: %s", cfgtest_msgs[0]);
}

#define REQ "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: text/html, text/plain, image/png\r\nX-Del: 1\r\nX-Keep: 2\r\n\r\n"

static void test_header_actions(void **state)
{
	setup_cfg("  http-request set-header X-Keep new\n"
	          "  http-request add-header X-Add \"a b\"\n"
	          "  http-request add-header X-Add c\n"
	          "  http-request del-header x-del\n"
	          "  http-request replace-header Host ^(ex[a-z]*)\\.com$ \\1.org\n"
	          "  http-request replace-value Accept ^text/(.*)$ t/\\1\n"
	          "  http-request set-header X-Never 1 if FALSE\n"
	          "  http-request set-header X-Unless 1 unless FALSE\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_CONT);
	assert_string_equal(head(1),
		"GET /a/b?x=1 HTTP/1.1\r\n"
		"Host: example.org\r\n"
		"Accept: t/html, t/plain, image/png\r\n"
		"X-Keep: new\r\n"
		"X-Add: a b\r\n"
		"X-Add: c\r\n"
		"X-Unless: 1\r\n"
		"\r\n");
	cleanup();
}

static void test_header_format(void **state)
{
	setup_cfg("  http-request set-header X-Path %[path]\n"
	          "  http-request set-header X-Host \"h=%[req.hdr(host)];\"\n"
	          "  http-request set-header X-Pct 100%%\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_CONT);
	assert_non_null(strstr(head(1), "\r\nX-Path: /a/b\r\nX-Host: h=example.com;\r\nX-Pct: 100%\r\n"));
	cleanup();
}

static void test_start_line(void **state)
{
	setup_cfg("  http-request set-path /new/path\n"
	          "  http-request set-query q=2\n"
	          "  http-request set-method PUT\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_CONT);
	assert_memory_equal(head(1), "PUT /new/path?q=2 HTTP/1.1\r\n", 28);
	setup_cfg("  http-request set-uri /u?v\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_CONT);
	assert_memory_equal(head(1), "GET /u?v HTTP/1.1\r\n", 19);
	/* an invalid method is a failed rewrite: 500 */
	setup_cfg("  http-request set-method \"BAD METHOD\"\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_ERROR);
	assert_int_equal(fx.o.status, 500);
	cleanup();
}

static void test_rewrite_overflow(void **state)
{
	char rules[5000];
	char big[1500];

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(rules, sizeof(rules), "  http-request add-header X-1 %s\n  http-request add-header X-2 %s\n"
	         "  http-request add-header X-3 %s\n  http-request set-header X-Never 1\n", big, big, big);
	setup_cfg(rules);
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_ERROR);
	assert_int_equal(fx.o.status, 500);
	assert_null(fx.o.data);
	cleanup();
}

static void test_final_verdicts(void **state)
{
	setup_cfg("  http-request allow if TRUE\n  http-request deny\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_ALLOW);

	setup_cfg("  http-request deny\n  http-request set-header X-After 1\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_DENY);
	assert_int_equal(fx.o.status, 403);
	assert_null(fx.o.data);
	assert_null(strstr(head(1), "X-After"));

	setup_cfg("  http-request deny deny_status 429\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_DENY);
	assert_int_equal(fx.o.status, 429);
	assert_int_equal(fx.txn->deny_status, 429);
	assert_null(fx.o.data);

	setup_cfg("  http-request tarpit\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_TARPIT);
	assert_int_equal(fx.o.status, 500);

	setup_cfg("  http-request tarpit deny_status 403\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_TARPIT);
	assert_int_equal(fx.o.status, 403);

	setup_cfg("  http-request deny status 403 content-type text/plain string nope hdr X-Why rules\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_DENY);
	assert_int_equal(fx.o.status, 403);
	assert_non_null(fx.o.data);
	assert_memory_equal(fx.o.data, "HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nX-Why: rules\r\ncontent-length: 4\r\n\r\nnope",
	                    fx.o.len);
	cleanup();
}

static void test_return(void **state)
{
	char *body = strdup(write_file("body.txt", "file body\n"));
	char *ef = strdup(write_file("ef.http", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
	char rules[1024];

	setup_cfg("  http-request return\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_REPLY);
	assert_int_equal(fx.o.status, 200);
	assert_memory_equal(fx.o.data, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", fx.o.len);

	setup_cfg("  http-request return status 404 content-type text/plain string \"not here\"\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_REPLY);
	assert_int_equal(fx.o.status, 404);
	assert_int_equal(fx.o.len, strlen("HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 8\r\n\r\nnot here"));
	assert_memory_equal(fx.o.data, "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 8\r\n\r\nnot here", fx.o.len);

	snprintf(rules, sizeof(rules), "  http-request return content-type text/plain file %s\n", body);
	setup_cfg(rules);
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_REPLY);
	assert_memory_equal(fx.o.data, "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 10\r\n\r\nfile body\n", fx.o.len);

	snprintf(rules, sizeof(rules), "  http-request return errorfile %s\n", ef);
	setup_cfg(rules);
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_REPLY);
	assert_int_equal(fx.o.len, 40);
	assert_memory_equal(fx.o.data, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", 40);

	setup_cfg("  http-request return status 503 default-errorfiles\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_REPLY);
	assert_int_equal(fx.o.status, 503);
	assert_null(fx.o.data);
	free(body);
	free(ef);
	cleanup();
}

static void test_redirects(void **state)
{
	setup_cfg("  http-request redirect location /login\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_REPLY);
	assert_int_equal(fx.o.status, 302);
	assert_ptr_equal(fx.o.data, fx.out);
	assert_memory_equal(fx.o.data, "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /login\r\ncache-control: no-cache\r\n\r\n",
	                    fx.o.len);

	setup_cfg("  redirect prefix https://new.example code 301\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_REPLY);
	assert_int_equal(fx.o.status, 301);
	assert_memory_equal(fx.o.data, "HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: https://new.example/a/b?x=1\r\n\r\n",
	                    fx.o.len);

	setup_cfg("  redirect prefix /p drop-query append-slash code 308\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_REPLY);
	assert_non_null(strstr(fx.o.data, "\r\nlocation: /p/a/b/\r\n"));

	setup_cfg("  redirect scheme https if TRUE\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_REPLY);
	assert_non_null(strstr(fx.o.data, "\r\nlocation: https://example.com/a/b?x=1\r\n"));

	setup_cfg("  redirect location https://%[req.hdr(host)]/x code 303 set-cookie SEEN=1\n");
	load("GET / HTTP/1.0\r\nHost: h.test\r\n\r\n", NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_REPLY);
	assert_memory_equal(fx.o.data, "HTTP/1.1 303 See Other\r\ncontent-length: 0\r\nlocation: https://h.test/x\r\n"
	                    "cache-control: no-cache\r\nconnection: close\r\nset-cookie: SEEN=1; path=/\r\n\r\n", fx.o.len);

	/* the caller's area is too small: a 500 rather than a cut response */
	setup_cfg("  redirect location /login\n");
	load(REQ, NULL);
	memset(&fx.o, 0, sizeof(fx.o));
	assert_int_equal(http_req_rules_exec(fe(), &fx.s, &fx.o, fx.out, 20), HTTP_VERDICT_ERROR);
	cleanup();
}

#define RES "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nServer: x\r\nCache-Control: private, x\r\n\r\n"

static void test_response_rules(void **state)
{
	setup_cfg("  http-response set-status 503 reason \"Go away\"\n"
	          "  http-response del-header Server\n"
	          "  http-response add-header X-R 1\n"
	          "  http-response replace-value Cache-Control ^x$ y\n");
	load(REQ, RES);
	assert_int_equal(run_res(), HTTP_VERDICT_CONT);
	assert_string_equal(head(0), "HTTP/1.1 503 Go away\r\nContent-Length: 0\r\nCache-Control: private, y\r\nX-R: 1\r\n\r\n");

	setup_cfg("  http-response deny\n");
	load(REQ, RES);
	assert_int_equal(run_res(), HTTP_VERDICT_DENY);
	assert_int_equal(fx.o.status, 502);
	assert_null(fx.o.data);
	cleanup();
}

static void test_vars(void **state)
{
	const struct var *v;

	setup_cfg("  http-request set-var(txn.p) path\n"
	          "  http-request set-var(txn.gone) path\n"
	          "  http-request unset-var(txn.gone)\n");
	load(REQ, NULL);
	assert_int_equal(run_req(), HTTP_VERDICT_CONT);
	v = var_store_get(&fx.txn->vars, "txn.p", 5);
	assert_non_null(v);
	assert_int_equal(v->data.type, SMP_T_STR);
	assert_int_equal(v->data.u.str.len, 4);
	assert_memory_equal(v->data.u.str.ptr, "/a/b", 4);
	assert_null(var_store_get(&fx.txn->vars, "txn.gone", 8));
	cleanup();
}

static int setup(void **state)
{
	global_init_defaults();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tg_rules_XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	var_store_reset(&fx.txn->vars);
	free(fx.txn);
	fx.txn = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_lists),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_errorfile_keyword),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_header_actions),
		cmocka_unit_test(test_header_format),
		cmocka_unit_test(test_start_line),
		cmocka_unit_test(test_rewrite_overflow),
		cmocka_unit_test(test_final_verdicts),
		cmocka_unit_test(test_return),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_response_rules),
		cmocka_unit_test(test_vars),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
