/*
 * Unit tests of tcp-check rules (tcpcheck.h): hex decoding, the expect
 * matcher (string, rstring, binary, negation, min-recv, end of data), and
 * the `tcp-check` keyword's rule building through the real configuration
 * parser (steps, comments, errors).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/proxy.h>
#include <tollgate/tcpcheck.h>

#include "helpers/cfgtest.h"

/* ---- hex ---- */

static void test_hex_ok(void **state)
{
	unsigned char out[8];
	const char *bad = NULL;

	assert_int_equal(tcpcheck_parse_hex("", out, sizeof(out), &bad), 0);
	assert_int_equal(tcpcheck_parse_hex("00ffA5e1", out, sizeof(out), &bad), 4);
	assert_memory_equal(out, "\x00\xff\xa5\xe1", 4);
	assert_int_equal(tcpcheck_parse_hex("0a0B", out, 2, NULL), 2);
	assert_memory_equal(out, "\x0a\x0b", 2);
}

static void test_hex_errors(void **state)
{
	unsigned char out[8];
	const char *bad = NULL;
	const char *s;

	s = "abc";
	assert_int_equal(tcpcheck_parse_hex(s, out, sizeof(out), &bad), -EINVAL);
	assert_ptr_equal(bad, s + 2);          /* the lone last digit */
	s = "0g";
	assert_int_equal(tcpcheck_parse_hex(s, out, sizeof(out), &bad), -EINVAL);
	assert_ptr_equal(bad, s + 1);
	s = "x0";
	assert_int_equal(tcpcheck_parse_hex(s, out, sizeof(out), &bad), -EINVAL);
	assert_ptr_equal(bad, s);
	assert_int_equal(tcpcheck_parse_hex("0 ", out, sizeof(out), NULL), -EINVAL);
	assert_int_equal(tcpcheck_parse_hex("001122", out, 2, NULL), -ENOSPC);
}

/* ---- matcher ---- */

static struct tcpcheck_rule mk_rule(enum tcpcheck_match m, const char *pat, size_t len, int inverse, int min_recv)
{
	struct tcpcheck_rule r = { .action = TCPCHK_ACT_EXPECT, .match = m, .inverse = inverse,
	                           .min_recv = min_recv, .data = (char *)pat, .len = len };

	return r;
}

static int match_str(const struct tcpcheck_rule *r, const char *s, int last)
{
	char buf[256];
	size_t len = strlen(s);

	memcpy(buf, s, len);
	return tcpcheck_match(r, buf, len, last);
}

static void test_match_string(void **state)
{
	struct tcpcheck_rule r = mk_rule(TCPCHK_MATCH_STRING, "+PONG", 5, 0, -1);

	assert_int_equal(match_str(&r, "+PONG\r\n", 0), TCPCHK_MATCH_OK);
	assert_int_equal(match_str(&r, "xx+PONG", 0), TCPCHK_MATCH_OK);
	assert_int_equal(match_str(&r, "+PO", 0), TCPCHK_MATCH_MORE);
	assert_int_equal(match_str(&r, "", 0), TCPCHK_MATCH_MORE);
	assert_int_equal(match_str(&r, "+PO", 1), TCPCHK_MATCH_FAIL);
	assert_int_equal(match_str(&r, "-ERR\r\n", 1), TCPCHK_MATCH_FAIL);
	/* min-recv makes a mismatch conclusive once enough bytes are in */
	r.min_recv = 4;
	assert_int_equal(match_str(&r, "-ER", 0), TCPCHK_MATCH_MORE);
	assert_int_equal(match_str(&r, "-ERR", 0), TCPCHK_MATCH_FAIL);
	assert_int_equal(match_str(&r, "-ER", 1), TCPCHK_MATCH_FAIL);
}

static void test_match_inverse(void **state)
{
	struct tcpcheck_rule r = mk_rule(TCPCHK_MATCH_STRING, "-ERR", 4, 1, -1);

	assert_int_equal(match_str(&r, "-ERR x", 0), TCPCHK_MATCH_FAIL);
	assert_int_equal(match_str(&r, "+OK", 0), TCPCHK_MATCH_MORE);   /* -ERR may still come */
	assert_int_equal(match_str(&r, "+OK", 1), TCPCHK_MATCH_OK);
	r.min_recv = 3;
	assert_int_equal(match_str(&r, "+O", 0), TCPCHK_MATCH_MORE);
	assert_int_equal(match_str(&r, "+OK", 0), TCPCHK_MATCH_OK);
	assert_int_equal(match_str(&r, "+O", 1), TCPCHK_MATCH_FAIL);
}

static void test_match_binary_with_nul(void **state)
{
	struct tcpcheck_rule r = mk_rule(TCPCHK_MATCH_BINARY, "\x00\xca\xfe", 3, 0, -1);
	char buf[8] = { 'a', 0, 0, (char)0xca, (char)0xfe, 'z' };

	assert_int_equal(tcpcheck_match(&r, buf, 6, 0), TCPCHK_MATCH_OK);
	assert_int_equal(tcpcheck_match(&r, buf, 4, 0), TCPCHK_MATCH_MORE);
	assert_int_equal(tcpcheck_match(&r, buf, 4, 1), TCPCHK_MATCH_FAIL);
}

static void test_match_regex(void **state)
{
	struct tcpcheck_rule r = mk_rule(TCPCHK_MATCH_REGEX, NULL, 0, 0, -1);
	regex_t re;
	char buf[32] = "a\0role:master\r\n";

	assert_int_equal(regcomp(&re, "role:(master|primary)", REG_EXTENDED | REG_NOSUB), 0);
	r.re = &re;
	assert_int_equal(match_str(&r, "# Replication\r\nrole:master\r\n", 0), TCPCHK_MATCH_OK);
	assert_int_equal(match_str(&r, "role:slave\r\n", 0), TCPCHK_MATCH_MORE);
	assert_int_equal(match_str(&r, "role:slave\r\n", 1), TCPCHK_MATCH_FAIL);
	/* data past a NUL byte is searched too (REG_STARTEND) */
	assert_int_equal(tcpcheck_match(&r, buf, 15, 1), TCPCHK_MATCH_OK);
	/* the matcher stops at <len> */
	assert_int_equal(tcpcheck_match(&r, buf + 2, 8, 1), TCPCHK_MATCH_FAIL);
	r.inverse = 1;
	assert_int_equal(match_str(&r, "role:master", 0), TCPCHK_MATCH_FAIL);
	assert_int_equal(match_str(&r, "role:slave", 1), TCPCHK_MATCH_OK);
	regfree(&re);
}

/* The response right before an unreadable page: the matcher reads nothing
 * past <len> + 1 (the terminator byte it may write).
 */
static void test_match_guard_page(void **state)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct tcpcheck_rule s = mk_rule(TCPCHK_MATCH_STRING, "PONG!", 5, 0, -1);
	struct tcpcheck_rule b = mk_rule(TCPCHK_MATCH_BINARY, "\x01\x02", 2, 0, -1);
	char *buf;

	assert_ptr_not_equal(map, MAP_FAILED);
	assert_int_equal(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
	buf = map + pg - 6;                    /* 5 bytes of data + 1 terminator */
	memcpy(buf, "+PONG", 5);
	assert_int_equal(tcpcheck_match(&s, buf, 5, 0), TCPCHK_MATCH_MORE);
	assert_int_equal(tcpcheck_match(&b, buf, 5, 1), TCPCHK_MATCH_FAIL);
	memcpy(buf, "PONG!", 5);
	assert_int_equal(tcpcheck_match(&s, buf, 5, 0), TCPCHK_MATCH_OK);
	munmap(map, (size_t)pg * 2);
}

/* ---- rule building through the parser ---- */

static void cleanup(void)
{
	for (struct proxy *px = proxies_list; px; px = px->next)
		tcpcheck_rules_free(&px->tcpcheck_rules);
	proxy_free_all();
	cfg_proxy_reset();
	cfg_set_sink(NULL, NULL);
}

static struct tcpcheck_rule *nth_rule(struct proxy *px, int n)
{
	struct tcpcheck_rule *r;
	int i = 0;

	list_for_each(r, &px->tcpcheck_rules, list)
		if (i++ == n)
			return r;
	return NULL;
}

static void test_parse_rules(void **state)
{
	struct tcpcheck_rule *r;
	struct proxy *px;

	assert_int_equal(cfgtest_parse("backend be\n"
	                       "  option tcp-check\n"
	                       "  tcp-check comment \"first\"\n"
	                       "  tcp-check connect port 6379 linger\n"
	                       "  tcp-check send PING\\r\\n comment ping\n"
	                       "  tcp-check expect min-recv 5 string +PONG\n"
	                       "  tcp-check send-binary 00ff\n"
	                       "  tcp-check comment pattern\n"
	                       "  tcp-check expect !rstring ^-ERR\n"
	                       "  tcp-check expect ! binary 0A0b comment own\n"
	                       "  tcp-check comment dangling\n"), 0);
	px = proxy_find("be", PR_CAP_BE);
	assert_non_null(px);
	assert_true(px->options & PR_O_TCP_CHECK);

	r = nth_rule(px, 0);
	assert_int_equal(r->action, TCPCHK_ACT_CONNECT);
	assert_int_equal(r->step, 1);
	assert_int_equal(r->port, 6379);
	assert_string_equal(r->comment, "first");
	assert_int_equal(r->conf_line, 4);

	r = nth_rule(px, 1);
	assert_int_equal(r->action, TCPCHK_ACT_SEND);
	assert_int_equal(r->len, 6);
	assert_memory_equal(r->data, "PING\r\n", 6);
	assert_string_equal(r->comment, "ping");

	r = nth_rule(px, 2);
	assert_int_equal(r->action, TCPCHK_ACT_EXPECT);
	assert_int_equal(r->match, TCPCHK_MATCH_STRING);
	assert_int_equal(r->min_recv, 5);
	assert_int_equal(r->inverse, 0);
	assert_null(r->comment);

	r = nth_rule(px, 3);
	assert_int_equal(r->len, 2);
	assert_memory_equal(r->data, "\x00\xff", 2);

	r = nth_rule(px, 4);
	assert_int_equal(r->match, TCPCHK_MATCH_REGEX);
	assert_int_equal(r->inverse, 1);
	assert_int_equal(r->min_recv, -1);
	assert_non_null(r->re);
	assert_string_equal(r->comment, "pattern");

	r = nth_rule(px, 5);
	assert_int_equal(r->match, TCPCHK_MATCH_BINARY);
	assert_int_equal(r->inverse, 1);
	assert_int_equal(r->step, 6);
	assert_memory_equal(r->data, "\x0a\x0b", 2);
	assert_string_equal(r->text, "0A0b");
	assert_string_equal(r->comment, "own");

	r = nth_rule(px, 6);                   /* the dangling comment waits, as no step */
	assert_int_equal(r->action, TCPCHK_ACT_COMMENT);
	assert_string_equal(r->comment, "dangling");
	assert_null(nth_rule(px, 7));
	cleanup();
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *line;
		const char *msg;
	} cases[] = {
		{ "tcp-check", "'tcp-check' expects 'comment', 'connect', 'send', 'send-binary' or 'expect'." },
		{ "tcp-check nope", "'tcp-check' : unknown action 'nope'" },
		{ "tcp-check send-binary 123", "'123' has an odd number of hexadecimal digits" },
		{ "tcp-check send-binary 1z", "invalid hexadecimal digit 'z' in '1z'" },
		{ "tcp-check expect rstring (", "'tcp-check expect rstring' : invalid regular expression '('" },
		{ "tcp-check expect", "expects a match: [!] string|rstring|binary <pattern>." },
		{ "tcp-check expect string-lf 00", "match 'string-lf' is not supported yet" },
		{ "tcp-check expect rbinary (", "'tcp-check expect rbinary' : invalid regular expression '('" },
		{ "tcp-check send-lf %[nope]", "'tcp-check send-lf' : invalid log-format '%[nope]'" },
		{ "tcp-check expect min-recv x string a", "'min-recv' expects a number of bytes from 0 to 16384, got 'x'." },
		{ "tcp-check expect ok-status L7STS string a", "'ok-status' expects one of L7OK, L6OK, L4OK, got 'L7STS'." },
		{ "tcp-check send", "'tcp-check send' expects the data to send" },
		{ "tcp-check send a b", "unexpected word 'b' after the data" },
		{ "tcp-check connect port", "'port' expects a port number from 1 to 65535." },
		{ "tcp-check connect foo", "unknown option 'foo'" },
		{ "tcp-check comment a b", "'tcp-check comment' expects exactly one text argument" },
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
	/* sections */
	assert_int_equal(cfgtest_parse("frontend fe\n  tcp-check send x\n"), -1);
	assert_non_null(strstr(cfgtest_msgs[0], "'tcp-check' is not allowed in 'frontend' sections (only in backend and listen)."));
	cleanup();
	/* a defaults' rules: inherited by a backend with none, replaced by its own */
	assert_int_equal(cfgtest_parse("defaults\n  tcp-check send x\nbackend a\nbackend b\n  tcp-check send y\n"), 0);
	assert_string_equal(nth_rule(proxy_find("a", PR_CAP_BE), 0)->data, "x");
	assert_string_equal(nth_rule(proxy_find("b", PR_CAP_BE), 0)->data, "y");
	assert_null(nth_rule(proxy_find("b", PR_CAP_BE), 1));
	cleanup();
	/* a connect anywhere requires one first */
	assert_int_equal(cfgtest_parse("backend be\n  tcp-check comment c\n  tcp-check expect string a\n  tcp-check connect\n"), -1);
	assert_non_null(strstr(cfgtest_msgs[0], "[t.cfg:4]"));
	assert_non_null(strstr(cfgtest_msgs[0], "but step 1 is 'expect' (line 3)"));
	cleanup();
	/* a comment does not leak into the next section */
	assert_int_equal(cfgtest_parse("backend a\n  tcp-check comment c\nbackend b\n  tcp-check send x\n"), 0);
	assert_null(nth_rule(proxy_find("b", PR_CAP_BE), 0)->comment);
	cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_ok),
		cmocka_unit_test(test_hex_errors),
		cmocka_unit_test(test_match_string),
		cmocka_unit_test(test_match_inverse),
		cmocka_unit_test(test_match_binary_with_nul),
		cmocka_unit_test(test_match_regex),
		cmocka_unit_test(test_match_guard_page),
		cmocka_unit_test(test_parse_rules),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
