/*
 * Unit tests of HTTP health checks (check.h): status lists, the request
 * built from `option httpchk` / `http-check send`, the response judge
 * (status, rstatus, string, rstring, negation, incomplete responses,
 * chunked bodies, interim responses), and the keywords' parsing through the
 * real configuration parser (values, defaults inheritance, errors with
 * file:line).
 */
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/check.h>
#include <tollgate/proxy.h>
#include <tollgate/tcpcheck.h>

#include "helpers/cfgtest.h"

/* ---- status lists ---- */

static void test_status_in(void **state)
{
	assert_int_equal(httpchk_status_in("200", 200), 1);
	assert_int_equal(httpchk_status_in("200", 204), 0);
	assert_int_equal(httpchk_status_in("200,204", 204), 1);
	assert_int_equal(httpchk_status_in("200-299,302", 250), 1);
	assert_int_equal(httpchk_status_in("200-299,302", 302), 1);
	assert_int_equal(httpchk_status_in("200-299,302", 301), 0);
	assert_int_equal(httpchk_status_in("200-299", 0), 0);     /* validation */
	assert_int_equal(httpchk_status_in("", 0), -EINVAL);
	assert_int_equal(httpchk_status_in("20", 0), -EINVAL);
	assert_int_equal(httpchk_status_in("2000", 0), -EINVAL);
	assert_int_equal(httpchk_status_in("abc", 0), -EINVAL);
	assert_int_equal(httpchk_status_in("200,", 0), -EINVAL);
	assert_int_equal(httpchk_status_in("299-200", 0), -EINVAL);
	assert_int_equal(httpchk_status_in("099", 0), -EINVAL);
	assert_int_equal(httpchk_status_in("200 ", 0), -EINVAL);
}

/* ---- request ---- */

static void test_build_request(void **state)
{
	struct pr_httpchk hc = { 0 };
	char out[256];
	int n;

	n = httpchk_build_request(&hc, out, sizeof(out));
	assert_int_equal(n, (int)strlen(out));
	assert_string_equal(out, "OPTIONS / HTTP/1.0\r\n\r\n");
	hc.meth = "GET";
	hc.uri = "/health";
	hc.ver = "HTTP/1.1";
	hc.hdrs = "Host: example\r\n";
	httpchk_build_request(&hc, out, sizeof(out));
	assert_string_equal(out, "GET /health HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n");
	hc.hdrs = "Host: ws\r\nConnection: upgrade\r\n";
	hc.has_conn = 1;
	hc.body = "test";
	httpchk_build_request(&hc, out, sizeof(out));
	assert_string_equal(out, "GET /health HTTP/1.1\r\nHost: ws\r\nConnection: upgrade\r\nContent-Length: 4\r\n\r\ntest");
	hc.has_conn = 0;
	hc.body = NULL;
	hc.meth = "POST";
	hc.hdrs = NULL;
	httpchk_build_request(&hc, out, sizeof(out));
	assert_string_equal(out, "POST /health HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
	hc.meth = "GET";
	hc.hdrs = "Host: example\r\n";
	assert_int_equal(httpchk_build_request(&hc, out, 20), -ENOSPC);
}

/* The rendered parts of a stage with log-formats: an empty URI is "/". */
static void test_format_request(void **state)
{
	struct pr_httpchk hc = { .meth = "GET", .uri = "%[var(check.p)]" };
	char out[256];

	httpchk_format_request(&hc, "", "x-a: b\r\n", "on be-srv", out, sizeof(out));
	assert_string_equal(out, "GET / HTTP/1.0\r\nx-a: b\r\nContent-Length: 9\r\n\r\non be-srv");
	httpchk_format_request(&hc, "/req1", NULL, NULL, out, sizeof(out));
	assert_string_equal(out, "GET /req1 HTTP/1.0\r\n\r\n");
}

/* ---- response judge ---- */

/* Runs httpchk_eval() on a copy of <resp> (with its terminator byte). */
static int eval(const struct pr_httpchk *hc, const void *re, const char *resp, int last, int *code, char *why)
{
	char buf[1024];
	size_t len = strlen(resp);

	memcpy(buf, resp, len + 1);
	return httpchk_eval(hc, re, buf, len, last, code, why, 256);
}

static void test_eval_default(void **state)
{
	struct pr_httpchk hc = { 0 };
	char why[256];
	int code;

	assert_int_equal(eval(&hc, NULL, "HTTP/1.0 200 OK\r\n\r\n", 0, &code, why), HTTPCHK_OK);
	assert_int_equal(code, 200);
	assert_string_equal(why, "Layer7 check passed, code: 200, info: \"OK\"");
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n", 0, &code, why), HTTPCHK_OK);
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", 0, &code, why),
	                 HTTPCHK_FAIL);
	assert_int_equal(code, 500);
	assert_string_equal(why, "Layer7 wrong status, code: 500, info: \"Internal Server Error\"");
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 404 Not Found\r\n\r\n", 0, &code, why), HTTPCHK_FAIL);
	/* incomplete: more, or a failure once nothing more can come */
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 OK\r\n", 0, &code, why), HTTPCHK_MORE);
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 OK\r\n", 1, &code, why), HTTPCHK_FAIL);
	assert_non_null(strstr(why, "Layer7 invalid response"));
	assert_int_equal(eval(&hc, NULL, "", 1, &code, why), HTTPCHK_FAIL);
	assert_string_equal(why, "Layer7 invalid response, info: \"empty response\"");
	/* not HTTP */
	assert_int_equal(eval(&hc, NULL, "+PONG\r\n\r\n", 0, &code, why), HTTPCHK_FAIL);
	assert_int_equal(code, 0);
	assert_non_null(strstr(why, "Layer7 invalid response, info: \"invalid HTTP response"));
	/* an interim response is skipped */
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\n\r\n", 0, &code, why),
	                 HTTPCHK_FAIL);
	assert_int_equal(code, 503);
}

static void test_eval_status(void **state)
{
	struct pr_httpchk hc = { .expect_kind = HTTPCHK_EXP_STATUS, .expect = "204" };
	regex_t re;
	char why[256];
	int code;

	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 204 No Content\r\n\r\n", 0, &code, why), HTTPCHK_OK);
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 OK\r\n\r\n", 0, &code, why), HTTPCHK_FAIL);
	assert_string_equal(why, "Layer7 wrong status, code: 200, info: \"OK\"");
	hc.expect = "200-299,404";
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 404 Not Found\r\n\r\n", 0, &code, why), HTTPCHK_OK);
	hc.expect_neg = 1;
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 404 Not Found\r\n\r\n", 0, &code, why), HTTPCHK_FAIL);
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 500 Oops\r\n\r\n", 0, &code, why), HTTPCHK_OK);

	/* rstatus, negated: anything but 5xx */
	assert_int_equal(regcomp(&re, "^5", REG_EXTENDED | REG_NOSUB), 0);
	hc.expect_kind = HTTPCHK_EXP_RSTATUS;
	hc.expect = "^5";
	hc.expect_neg = 1;
	assert_int_equal(eval(&hc, &re, "HTTP/1.1 404 Not Found\r\n\r\n", 0, &code, why), HTTPCHK_OK);
	assert_int_equal(eval(&hc, &re, "HTTP/1.1 503 Unavailable\r\n\r\n", 0, &code, why), HTTPCHK_FAIL);
	assert_string_equal(why, "Layer7 wrong status, code: 503, info: \"Unavailable\"");
	hc.expect_neg = 0;
	assert_int_equal(eval(&hc, &re, "HTTP/1.1 503 Unavailable\r\n\r\n", 0, &code, why), HTTPCHK_OK);
	regfree(&re);
}

static void test_eval_body(void **state)
{
	struct pr_httpchk hc = { .expect_kind = HTTPCHK_EXP_STRING, .expect = "OK" };
	regex_t re;
	char why[256];
	int code;

	/* Content-Length: waits for the whole body */
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 Fine\r\nContent-Length: 6\r\n\r\nall", 0, &code, why), HTTPCHK_MORE);
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 Fine\r\nContent-Length: 6\r\n\r\nall OK", 0, &code, why), HTTPCHK_OK);
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 Fine\r\nContent-Length: 6\r\n\r\nall ko", 0, &code, why), HTTPCHK_FAIL);
	assert_string_equal(why, "Layer7 invalid response, code: 200, info: \"HTTP content check did not match content 'OK'\"");
	/* the string is looked for in the body, not the head */
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno", 0, &code, why), HTTPCHK_FAIL);
	/* bytes after Content-Length are not the body */
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 x\r\nContent-Length: 2\r\n\r\nnoOK", 0, &code, why), HTTPCHK_FAIL);
	/* until the close */
	assert_int_equal(eval(&hc, NULL, "HTTP/1.0 200 x\r\n\r\nstatus: OK", 0, &code, why), HTTPCHK_MORE);
	assert_int_equal(eval(&hc, NULL, "HTTP/1.0 200 x\r\n\r\nstatus: OK", 1, &code, why), HTTPCHK_OK);
	/* chunked: the data, without the framing, once the last chunk came */
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nO\r\n", 0, &code, why),
	                 HTTPCHK_MORE);
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nO\r\n1\r\nK\r\n0\r\n\r\n",
	                      0, &code, why), HTTPCHK_OK);
	/* a failing status does not matter to a body match */
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 500 x\r\nContent-Length: 2\r\n\r\nOK", 0, &code, why), HTTPCHK_OK);
	assert_int_equal(code, 500);
	/* negated */
	hc.expect_neg = 1;
	hc.expect = "maintenance";
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 x\r\nContent-Length: 11\r\n\r\nmaintenance", 0, &code, why),
	                 HTTPCHK_FAIL);
	assert_non_null(strstr(why, "HTTP content check found unwanted content 'maintenance'"));
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 x\r\nContent-Length: 2\r\n\r\nup", 0, &code, why), HTTPCHK_OK);

	/* rstring */
	assert_int_equal(regcomp(&re, "\"status\": *\"(up|ok)\"", REG_EXTENDED | REG_NOSUB), 0);
	hc.expect_kind = HTTPCHK_EXP_RSTRING;
	hc.expect = "\"status\": *\"(up|ok)\"";
	hc.expect_neg = 0;
	assert_int_equal(eval(&hc, &re, "HTTP/1.1 200 x\r\nContent-Length: 15\r\n\r\n{\"status\":\"up\"}", 0, &code, why),
	                 HTTPCHK_OK);
	assert_int_equal(eval(&hc, &re, "HTTP/1.1 200 x\r\nContent-Length: 17\r\n\r\n{\"status\":\"down\"}", 0, &code, why),
	                 HTTPCHK_FAIL);
	assert_non_null(strstr(why, "did not match content (regex)"));
	regfree(&re);
}

/* ---- keywords ---- */

static void cleanup(void)
{
	for (struct proxy *px = proxies_list; px; px = px->next) {
		tcpcheck_rules_free(&px->tcpcheck_rules);
		httpchk_free(&px->httpchk);
	}
	proxy_free_all();
	cfg_proxy_reset();
	cfg_set_sink(NULL, NULL);
}

static void test_eval_hdr(void **state)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nX-State: ready , warm\r\nContent-Length: 0\r\n\r\n";
	struct pr_httpchk hc = { .expect_kind = HTTPCHK_EXP_HDR, .expect = "x-state", .expect_val = "warm" };
	char why[256];
	int code;

	/* each comma-separated value, trimmed; the name without case */
	assert_int_equal(eval(&hc, NULL, resp, 0, &code, why), HTTPCHK_OK);
	assert_string_equal(why, "Layer7 check passed, code: 200, info: \"OK\"");
	hc.expect_val = "ready";
	assert_int_equal(eval(&hc, NULL, resp, 0, &code, why), HTTPCHK_OK);
	hc.expect_val = "Warm";   /* values with case */
	assert_int_equal(eval(&hc, NULL, resp, 0, &code, why), HTTPCHK_FAIL);
	assert_string_equal(why, "Layer7 wrong status, code: 200, info: \"OK\"");
	/* fhdr: the whole value */
	hc.expect_kind = HTTPCHK_EXP_FHDR;
	hc.expect_val = "warm";
	assert_int_equal(eval(&hc, NULL, resp, 0, &code, why), HTTPCHK_FAIL);
	hc.val_match = HTTPCHK_M_END;
	assert_int_equal(eval(&hc, NULL, resp, 0, &code, why), HTTPCHK_OK);
	hc.val_match = HTTPCHK_M_SUB;
	hc.expect_val = "y , w";
	assert_int_equal(eval(&hc, NULL, resp, 0, &code, why), HTTPCHK_OK);
	/* name methods, presence alone, negation */
	hc.expect_kind = HTTPCHK_EXP_HDR;
	hc.expect_val = NULL;
	hc.expect = "X-ST";
	hc.name_match = HTTPCHK_M_BEG;
	assert_int_equal(eval(&hc, NULL, resp, 0, &code, why), HTTPCHK_OK);
	hc.name_match = HTTPCHK_M_STR;
	assert_int_equal(eval(&hc, NULL, resp, 0, &code, why), HTTPCHK_FAIL);
	hc.expect_neg = 1;
	assert_int_equal(eval(&hc, NULL, resp, 0, &code, why), HTTPCHK_OK);
	/* an incomplete head waits */
	assert_int_equal(eval(&hc, NULL, "HTTP/1.1 200 OK\r\nX-St", 0, &code, why), HTTPCHK_MORE);
}

static void test_parse_option(void **state)
{
	struct proxy *px;

	assert_int_equal(cfgtest_parse("backend a\n  option httpchk\n"
	                       "backend b\n  option httpchk /ping\n"
	                       "backend c\n  option httpchk HEAD /ping HTTP/1.1\n"
	                       "backend d\n  option tcp-check\n  option httpchk GET /\n"
	                       "backend e\n  option httpchk\n  no option httpchk\n"), 0);
	px = proxy_find("a", PR_CAP_BE);
	assert_true(px->options & PR_O_HTTPCHK);
	assert_null(px->httpchk.meth);
	assert_null(px->httpchk.uri);
	assert_int_equal(px->httpchk.expect_kind, HTTPCHK_EXP_DEFAULT);
	px = proxy_find("b", PR_CAP_BE);
	assert_null(px->httpchk.meth);
	assert_string_equal(px->httpchk.uri, "/ping");
	px = proxy_find("c", PR_CAP_BE);
	assert_string_equal(px->httpchk.meth, "HEAD");
	assert_string_equal(px->httpchk.uri, "/ping");
	assert_string_equal(px->httpchk.ver, "HTTP/1.1");
	px = proxy_find("d", PR_CAP_BE);
	assert_true(px->options & PR_O_HTTPCHK);
	assert_false(px->options & PR_O_TCP_CHECK);     /* the last check option wins */
	px = proxy_find("e", PR_CAP_BE);
	assert_false(px->options & PR_O_HTTPCHK);
	cleanup();
}

static void test_parse_send_expect(void **state)
{
	struct proxy *px;

	assert_int_equal(cfgtest_parse("backend a\n"
	                       "  option httpchk\n"
	                       "  http-check send meth GET uri /health ver HTTP/1.1 hdr Host example\n"
	                       "  http-check expect ! rstatus ^5\n"
	                       "backend b\n"
	                       "  option httpchk\n"
	                       "  http-check expect status 200-299,302\n"
	                       "  http-check expect !string maintenance\n"), 0);
	px = proxy_find("a", PR_CAP_BE);
	assert_string_equal(px->httpchk.meth, "GET");
	assert_string_equal(px->httpchk.uri, "/health");
	assert_string_equal(px->httpchk.ver, "HTTP/1.1");
	assert_string_equal(px->httpchk.hdrs, "Host: example\r\n");
	assert_int_equal(px->httpchk.expect_kind, HTTPCHK_EXP_RSTATUS);
	assert_string_equal(px->httpchk.expect, "^5");
	assert_int_equal(px->httpchk.expect_neg, 1);
	assert_null(px->httpchk.expect_re);              /* compiled by checks_start() */
	px = proxy_find("b", PR_CAP_BE);                 /* the last expect wins */
	assert_int_equal(px->httpchk.expect_kind, HTTPCHK_EXP_STRING);
	assert_string_equal(px->httpchk.expect, "maintenance");
	assert_int_equal(px->httpchk.expect_neg, 1);
	cleanup();
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *line;
		const char *msg;
	} cases[] = {
		{ "http-check", "'http-check' expects 'send' or 'expect'." },
		{ "http-check nope", "'http-check' : unknown action 'nope'" },
		{ "http-check expect", "expects a match: [!] status|rstatus|string|rstring <pattern>." },
		{ "http-check expect foo 200", "'http-check expect' : unknown match 'foo'" },
		{ "http-check expect string-lf x", "match 'string-lf' is not supported yet" },
		{ "http-check expect status", "'http-check expect status' expects a pattern." },
		{ "http-check expect status 2xx", "invalid status list '2xx'" },
		{ "http-check expect rstring (", "'http-check expect rstring' : invalid regular expression '('" },
		{ "http-check expect rstatus [", "'http-check expect rstatus' : invalid regular expression '['" },
		{ "http-check expect string a b", "unexpected word 'b' after the pattern 'a'" },
		{ "http-check expect min-recv 1 string a", "option 'min-recv' is not supported yet" },
		{ "http-check send meth", "'meth' expects a value." },
		{ "http-check send foo", "'http-check send' : unknown word 'foo'" },
		{ "http-check send hdr X(A b", "invalid header 'X(A: b'" },
		{ "http-check send body", "'body' expects a string." },
		{ "http-check send body-lf %[nosuch]", "'body-lf' : invalid log-format '%[nosuch]'" },
		{ "http-check set-var(check.a)", "expects a sample expression" },
		{ "http-check send ver HTTP/2", "invalid version 'HTTP/2'" },
		{ "http-check send meth G(T", "invalid method 'G(T'" },
		{ "http-check send-state x", "'http-check send-state' takes no argument" },
		{ "http-check connect proto h2", "'proto' is not supported yet" },
		{ "http-check connect ssl sni", "'sni' expects an argument." },
		{ "option httpchk GET / HTTP/1.0 h x", "'option httpchk' : unexpected word 'x'" },
		{ "option httpchk GET / HTTP/1.0 %[src]", "a log-format <host> ('%[src]') is not supported yet" },
		{ "option httpchk G@T /", "'option httpchk' : invalid method 'G@T'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char cfg[256];

		snprintf(cfg, sizeof(cfg), "backend be\n  %s\n", cases[i].line);
		assert_int_equal(cfgtest_parse(cfg), -1);
		assert_int_equal(cfgtest_nmsgs, 1);
		if (!strstr(cfgtest_msgs[0], "parsing [t.cfg:2] : ") || !strstr(cfgtest_msgs[0], cases[i].msg))
			fail_msg("line '%s': got '%s', wanted '%s'", cases[i].line, cfgtest_msgs[0], cases[i].msg);
		cleanup();
	}
	assert_int_equal(cfgtest_parse("frontend fe\n  http-check expect status 200\n"), -1);
	assert_non_null(strstr(cfgtest_msgs[0], "'http-check' is not allowed in 'frontend' sections"));
	cleanup();
	/* disable-on-404: a warning, not an error */
	assert_int_equal(cfgtest_parse("backend be\n  http-check disable-on-404\n"), 0);
	assert_int_equal(cfgtest_nmsgs, 1);
	assert_non_null(strstr(cfgtest_msgs[0], "'http-check disable-on-404' is not supported yet"));
	cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_in),
		cmocka_unit_test(test_build_request),
		cmocka_unit_test(test_format_request),
		cmocka_unit_test(test_eval_default),
		cmocka_unit_test(test_eval_status),
		cmocka_unit_test(test_eval_body),
		cmocka_unit_test(test_eval_hdr),
		cmocka_unit_test(test_parse_option),
		cmocka_unit_test(test_parse_send_expect),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
