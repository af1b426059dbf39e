/*
 * HTTP/1.1 parser tests: valid requests and responses of every shape, every
 * rejection (each smuggling vector by name), the semantics helpers, chunked
 * bodies, and for every input:
 *  - resumption: split at every byte position (and fed byte by byte), the
 *    parse ends exactly like the parse of the whole, spans included;
 *  - bounds: each piece is placed right before a PROT_NONE page, so a read
 *    past <len> faults; pieces move between calls (spans are offsets).
 */
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

#include <tollgate/h1.h>
#include <tollgate/http_msg.h>

#define MAXH     128         /* header array of the tests */
#define OK       1           /* expected: success, head up to the blank line */

/* ---------------------------------------------------------------------- */
/* Guard page: inputs end right before an unreadable page. */

static char *guard_base;     /* two pages, the second PROT_NONE */
static size_t guard_page;    /* page size */
#define GUARD_CAP (guard_page * 16)

static int group_setup(void **state)
{
	(void)state;
	guard_page = (size_t)sysconf(_SC_PAGESIZE);
	/* 16 readable pages, then a PROT_NONE one */
	guard_base = mmap(NULL, GUARD_CAP + guard_page, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_base == MAP_FAILED)
		return -1;
	return mprotect(guard_base + GUARD_CAP, guard_page, PROT_NONE);
}

static int group_teardown(void **state)
{
	(void)state;
	munmap(guard_base, GUARD_CAP + guard_page);
	return 0;
}

/* Copies <len> bytes of <src> so that they end at the guard page, returns
 * where they start.
 */
static const char *guard_place(const char *src, size_t len)
{
	char *dst;

	assert_true(len <= GUARD_CAP);
	dst = guard_base + GUARD_CAP - len;
	memcpy(dst, src, len);
	return dst;
}

/* ---------------------------------------------------------------------- */
/* Heads. */

enum kind { REQ, RES };

struct parsed {
	int ret;
	struct h1_msg msg;
	struct h1_hdr hdrs[MAXH];
};

static int parse(enum kind k, struct h1_msg *msg, const char *b, size_t len,
                 const struct h1_limits *lim)
{
	return k == REQ ? h1_parse_request(msg, b, len, lim) : h1_parse_response(msg, b, len, lim);
}

static void msg_equal(const struct parsed *a, const struct parsed *b, const char *what)
{
	const struct h1_msg *x = &a->msg, *y = &b->msg;
	uint32_t i;

	if (a->ret != b->ret)
		fail_msg("%s: ret %d != %d", what, a->ret, b->ret);
	if (a->ret <= 0)
		return;
	assert_int_equal(x->vmajor, y->vmajor);
	assert_int_equal(x->vminor, y->vminor);
	assert_int_equal(x->status, y->status);
	assert_int_equal(x->meth, y->meth);
	assert_int_equal(x->body, y->body);
	assert_int_equal(x->flags, y->flags);
	assert_int_equal(x->content_length, y->content_length);
	assert_int_equal(x->method.off, y->method.off);
	assert_int_equal(x->method.len, y->method.len);
	assert_int_equal(x->target.off, y->target.off);
	assert_int_equal(x->target.len, y->target.len);
	assert_int_equal(x->reason.off, y->reason.off);
	assert_int_equal(x->reason.len, y->reason.len);
	assert_int_equal(x->host.off, y->host.off);
	assert_int_equal(x->host.len, y->host.len);
	assert_int_equal(x->nb_hdrs, y->nb_hdrs);
	for (i = 0; i < x->nb_hdrs; i++) {
		assert_int_equal(a->hdrs[i].n.off, b->hdrs[i].n.off);
		assert_int_equal(a->hdrs[i].n.len, b->hdrs[i].n.len);
		assert_int_equal(a->hdrs[i].v.off, b->hdrs[i].v.off);
		assert_int_equal(a->hdrs[i].v.len, b->hdrs[i].v.len);
	}
}

/* Checks that every span of a successful parse lies within the head. */
static void spans_in_bounds(const struct parsed *p)
{
	const struct h1_msg *m = &p->msg;
	uint32_t end = (uint32_t)p->ret, i;

	if (p->ret <= 0)
		return;
	assert_true(m->method.off + m->method.len <= end);
	assert_true(m->target.off + m->target.len <= end);
	assert_true(m->reason.off + m->reason.len <= end);
	assert_true(m->host.off + m->host.len <= end);
	for (i = 0; i < m->nb_hdrs; i++) {
		assert_true(p->hdrs[i].n.off + p->hdrs[i].n.len <= end);
		assert_true(p->hdrs[i].v.off + p->hdrs[i].v.len <= end);
	}
}

/* Parses <in> whole, then split at every position, then byte by byte, each
 * piece before the guard page; all must agree. Fills <out> with the whole
 * parse and returns its result.
 */
static int check_head(enum kind k, const char *in, size_t len, const struct h1_limits *lim,
                      uint32_t maxh, struct parsed *out)
{
	static struct parsed part;
	size_t cut;
	int r;

	memset(out, 0, sizeof(*out));
	h1_msg_init(&out->msg, out->hdrs, maxh);
	out->ret = parse(k, &out->msg, guard_place(in, len), len, lim);
	/* calling again gives the same answer */
	assert_int_equal(parse(k, &out->msg, guard_place(in, len), len, lim), out->ret);
	spans_in_bounds(out);

	for (cut = 0; cut < len; cut++) {
		memset(&part, 0, sizeof(part));
		h1_msg_init(&part.msg, part.hdrs, maxh);
		r = parse(k, &part.msg, guard_place(in, cut), cut, lim);
		if (r == 0)
			r = parse(k, &part.msg, guard_place(in, len), len, lim);
		part.ret = r;
		msg_equal(out, &part, in);
	}

	memset(&part, 0, sizeof(part));
	h1_msg_init(&part.msg, part.hdrs, maxh);
	for (cut = 0, r = 0; cut <= len && r == 0; cut++)
		r = parse(k, &part.msg, guard_place(in, cut), cut, lim);
	part.ret = r;
	msg_equal(out, &part, in);
	return out->ret;
}

/* Expected head length: up to the first blank line. */
static int head_len(const char *in)
{
	const char *s = in + strspn(in, "\r\n");
	const char *e = strstr(s, "\r\n\r\n");
	const char *l = strstr(s, "\n\n");

	if (e && (!l || e < l))
		return (int)(e - in + 4);
	return l ? (int)(l - in + 2) : -1000;
}

struct hcase {
	const char *name;    /* what it tests */
	enum kind kind;
	const char *in;
	size_t len;          /* length of <in> (NULs included) */
	int exp;             /* OK or an H1_ERR_* (0: need more) */
};

/* A case from a string literal, its NULs included. */
#define H(name, kind, lit, exp) { name, kind, lit, sizeof(lit) - 1, exp }

static void run_cases(const struct hcase *c, size_t n, const struct h1_limits *lim)
{
	static struct parsed p;
	size_t i;

	for (i = 0; i < n; i++) {
		int exp = c[i].exp == OK ? head_len(c[i].in) : c[i].exp;
		int r = check_head(c[i].kind, c[i].in, c[i].len, lim, MAXH, &p);

		if (r != exp)
			fail_msg("case '%s': got %d (%s), expected %d (%s)", c[i].name, r,
			         h1_err_str(r), exp, h1_err_str(exp));
	}
}

#define RQ(extra) "GET / HTTP/1.1\r\nHost: a\r\n" extra "\r\n"

/* Valid requests and responses of all shapes. */
static const struct hcase valid_cases[] = {
	H("simple get", REQ, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", OK),
	H("http/1.0 no host", REQ, "GET / HTTP/1.0\r\n\r\n", OK),
	H("leading empty lines", REQ, "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", OK),
	H("post cl", REQ, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", OK),
	H("post chunked", REQ, "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", OK),
	H("gzip, chunked", REQ, RQ("Transfer-Encoding: gzip, chunked\r\n"), OK),
	H("TE split over lines", REQ, RQ("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"), OK),
	H("TE case", REQ, RQ("transfer-encoding: ChUnKeD\r\n"), OK),
	H("TE tab OWS", REQ, RQ("Transfer-Encoding:\tchunked\t\r\n"), OK),
	H("cl dup identical", REQ, RQ("Content-Length: 5\r\nContent-Length: 5\r\n"), OK),
	H("cl list identical", REQ, RQ("Content-Length: 5, 5 ,5\r\n"), OK),
	H("cl leading zeros", REQ, RQ("Content-Length: 0005\r\n"), OK),
	H("cl max", REQ, RQ("Content-Length: 9223372036854775807\r\n"), OK),
	H("empty value", REQ, RQ("X-Empty:\r\nX-Sp:   \r\n"), OK),
	H("obs-text value", REQ, RQ("X-T: caf\xc3\xa9 \x80\xff\r\n"), OK),
	H("long value simd", REQ, RQ("X-Long: 0123456789abcdef0123456789abcdef0123456789abcdef!~\t x\r\n"), OK),
	H("host port", REQ, "GET / HTTP/1.1\r\nHost: a.b-c_d~:8080\r\n\r\n", OK),
	H("host ipv6", REQ, "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", OK),
	H("host pct-encoded", REQ, "GET / HTTP/1.1\r\nHost: a%41b.c:\r\n\r\n", OK),
	H("host ipv6 no port", REQ, "GET / HTTP/1.1\r\nHost: [fe80::1%25eth0]\r\n\r\n", OK),
	H("host sub-delims", REQ, "GET / HTTP/1.1\r\nHost: a!$&'()*+;=b\r\n\r\n", OK),
	H("host empty", REQ, "GET / HTTP/1.1\r\nHost:\r\n\r\n", OK),
	H("absolute form", REQ, "GET http://a.example/b?c HTTP/1.1\r\nHost: a.example\r\n\r\n", OK),
	H("absolute @ in path", REQ, "GET https://a.example:8443/b@c?d@e HTTP/1.1\r\nHost: a.example:8443\r\n\r\n", OK),
	H("connect", REQ, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", OK),
	H("options *", REQ, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", OK),
	/* "*" with another method, as HAProxy: the HTTP/2 preface parses */
	H("pri star h2", REQ, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", OK),
	H("other method", REQ, "PROPFIND /d HTTP/1.1\r\nHost: a\r\n\r\n", OK),
	H("http/1.9 as 1.x", REQ, "GET / HTTP/1.9\r\nHost: a\r\n\r\n", OK),
	H("target chars", REQ, "GET /a/b?c=d&e=%20f;g!$'()*+,:@~[] HTTP/1.1\r\nHost: a\r\n\r\n", OK),
	H("weird header names", REQ, RQ("X!#$%&'*+-.^_`|~09: v\r\n"), OK),
	H("long names simd", REQ, RQ("X-A-Very-Long-Header-Name_With_Under.Dots-0123456789-abcdefghijklmnop: v\r\n"
	                             "Abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:v\r\n"), OK),
	H("long method", REQ, "VERY-LONG_METHOD.NAME-0123456789 / HTTP/1.1\r\nHost: a\r\n\r\n", OK),
	H("res 200", RES, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", OK),
	H("res no reason", RES, "HTTP/1.1 200\r\n\r\n", OK),
	H("res empty reason", RES, "HTTP/1.1 200 \r\n\r\n", OK),
	H("res reason chars", RES, "HTTP/1.1 404 Not \tFound \xe9\r\n\r\n", OK),
	H("res chunked", RES, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", OK),
	H("res cl+te", RES, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", OK),
	H("res te gzip", RES, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", OK),
	H("res unknown te", RES, "HTTP/1.1 200 OK\r\nTransfer-Encoding: foo, chunked\r\n\r\n", OK),
	H("res 1.0", RES, "HTTP/1.0 200 OK\r\n\r\n", OK),
	H("res 100", RES, "HTTP/1.1 100 Continue\r\n\r\n", OK),
	H("res 999", RES, "HTTP/1.1 999 X\r\n\r\n", OK),
	H("res host ignored", RES, "HTTP/1.1 200 OK\r\nHost: a b\r\nHost: c\r\n\r\n", OK),
	/* versions above 1.1 read as 1.1 (RFC 9110 2.5), as HAProxy */
	H("version 1.2", REQ, "GET / HTTP/1.2\r\nHost: a\r\n\r\n", OK),
	H("version 2.0", REQ, "GET / HTTP/2.0\r\nHost: a\r\n\r\n", OK),
	H("version 9.9", REQ, "GET / HTTP/9.9\r\nHost: a\r\n\r\n", OK),
	H("status version 2.0", RES, "HTTP/2.0 200 OK\r\n\r\n", OK),
	/* an absolute-form or CONNECT authority and Host name one place */
	H("absolute-form, same Host", REQ, "GET http://a.b/p HTTP/1.1\r\nHost: a.b\r\n\r\n", OK),
	H("absolute-form, Host in other case", REQ, "GET http://A.b/p HTTP/1.1\r\nHost: a.B\r\n\r\n", OK),
	H("absolute-form, long Host", REQ, "GET http://long-host-name.example.com:8080/p HTTP/1.1\r\n"
	  "Host: long-host-name.example.com:8080\r\n\r\n", OK),
	H("absolute-form, long Host in other case", REQ, "GET http://Long-Host-Name.example.com:8080/p HTTP/1.1\r\n"
	  "Host: long-host-name.EXAMPLE.com:8080\r\n\r\n", OK),
	H("absolute-form, userinfo skipped", REQ, "GET http://u:p@a:80/p HTTP/1.1\r\nHost: a\r\n\r\n", OK),
	H("absolute-form, empty port", REQ, "GET http://a:/p HTTP/1.1\r\nHost: a:80\r\n\r\n", OK),
	H("absolute-form https, Host 443", REQ, "GET https://a/p HTTP/1.1\r\nHost: a:443\r\n\r\n", OK),
	H("CONNECT default port, Host without", REQ, "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", OK),
	H("CONNECT default port, Host empty port", REQ, "CONNECT a:80 HTTP/1.1\r\nHost: a:\r\n\r\n", OK),
	H("absolute-form, default port", REQ, "GET http://a:80/p HTTP/1.1\r\nHost: a\r\n\r\n", OK),
	H("absolute-form, default port in Host", REQ, "GET HTTP://a/p HTTP/1.1\r\nHost: a:80\r\n\r\n", OK),
	H("absolute-form https, 443", REQ, "GET https://a:443/p HTTP/1.1\r\nHost: a\r\n\r\n", OK),
	H("absolute-form, empty port", REQ, "GET http://a/p HTTP/1.1\r\nHost: a:\r\n\r\n", OK),
	H("absolute-form, IP-literal", REQ, "GET http://[::1]:80/p HTTP/1.1\r\nHost: [::1]\r\n\r\n", OK),
	H("absolute-form, no path", REQ, "GET http://a:8080?q HTTP/1.1\r\nHost: a:8080\r\n\r\n", OK),
	H("absolute-form 1.0, no Host", REQ, "GET http://a/p HTTP/1.0\r\n\r\n", OK),
	H("CONNECT, same Host", REQ, "CONNECT a:443 HTTP/1.1\r\nHost: A:443\r\n\r\n", OK),
};

static void test_valid(void **state)
{
	(void)state;
	run_cases(valid_cases, sizeof(valid_cases) / sizeof(valid_cases[0]), NULL);
}

/* Rejections. Each smuggling vector has its own case. */
static const struct hcase reject_cases[] = {
	/* framing: request smuggling vectors */
	H("CL + TE unknown coding", REQ, RQ("Content-Length: 5\r\nTransfer-Encoding: foo, chunked\r\n"),
	  H1_ERR_TE_UNSUPP),
	H("CL + TE not chunked", REQ, RQ("Content-Length: 5\r\nTransfer-Encoding: gzip\r\n"), H1_ERR_TE_NOT_CHUNKED),
	H("CL + TE in HTTP/1.0", REQ, "POST / HTTP/1.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
	  H1_ERR_TE_HTTP10),
	H("TE xchunked", REQ, RQ("Transfer-Encoding: xchunked\r\n"), H1_ERR_TE_UNSUPP),
	H("TE chunkedx", REQ, RQ("Transfer-Encoding: chunkedx\r\n"), H1_ERR_TE_UNSUPP),
	H("TE chunked, identity", REQ, RQ("Transfer-Encoding: chunked, identity\r\n"), H1_ERR_TE_UNSUPP),
	H("TE identity", REQ, RQ("Transfer-Encoding: identity\r\n"), H1_ERR_TE_UNSUPP),
	H("TE gzip alone", REQ, RQ("Transfer-Encoding: gzip\r\n"), H1_ERR_TE_NOT_CHUNKED),
	H("TE chunked then gzip line", REQ, RQ("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n"), H1_ERR_TE_NOT_CHUNKED),
	H("TE chunked, gzip", REQ, RQ("Transfer-Encoding: chunked, gzip\r\n"), H1_ERR_TE_NOT_CHUNKED),
	H("TE chunked twice", REQ, RQ("Transfer-Encoding: chunked, chunked\r\n"), H1_ERR_TE_INVALID),
	H("TE chunked twice lines", REQ, RQ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), H1_ERR_TE_INVALID),
	H("TE tab inside", REQ, RQ("Transfer-Encoding: chunked\tidentity\r\n"), H1_ERR_TE_INVALID),
	H("TE space inside", REQ, RQ("Transfer-Encoding: chun ked\r\n"), H1_ERR_TE_INVALID),
	H("TE empty element", REQ, RQ("Transfer-Encoding: ,chunked\r\n"), H1_ERR_TE_INVALID),
	H("TE trailing comma", REQ, RQ("Transfer-Encoding: chunked,\r\n"), H1_ERR_TE_INVALID),
	H("TE empty", REQ, RQ("Transfer-Encoding:\r\n"), H1_ERR_TE_INVALID),
	H("TE param", REQ, RQ("Transfer-Encoding: chunked;q=1\r\n"), H1_ERR_TE_INVALID),
	H("TE quoted", REQ, RQ("Transfer-Encoding: \"chunked\"\r\n"), H1_ERR_TE_INVALID),
	H("TE vertical tab", REQ, RQ("Transfer-Encoding: \x0b" "chunked\r\n"), H1_ERR_HDR_VALUE),
	H("TE space before colon", REQ, RQ("Transfer-Encoding : chunked\r\n"), H1_ERR_HDR_NAME),
	H("TE folded", REQ, RQ("X: a\r\n Transfer-Encoding: chunked\r\n"), H1_ERR_OBS_FOLD),
	H("TE folded value", REQ, RQ("Transfer-Encoding:\r\n chunked\r\n"), H1_ERR_TE_INVALID),
	H("TE in 1.0", REQ, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", H1_ERR_TE_HTTP10),
	H("TE in 1.0 with CL", REQ, "POST / HTTP/1.0\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", H1_ERR_TE_HTTP10),
	H("TE in 1.0 response", RES, "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", H1_ERR_TE_HTTP10),
	H("res TE chunked twice", RES, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", H1_ERR_TE_INVALID),
	H("CL differ lines", REQ, RQ("Content-Length: 5\r\nContent-Length: 6\r\n"), H1_ERR_CL_MISMATCH),
	H("CL differ list", REQ, RQ("Content-Length: 5, 6\r\n"), H1_ERR_CL_MISMATCH),
	H("res CL differ", RES, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n", H1_ERR_CL_MISMATCH),
	H("CL negative", REQ, RQ("Content-Length: -5\r\n"), H1_ERR_CL_INVALID),
	H("CL plus", REQ, RQ("Content-Length: +5\r\n"), H1_ERR_CL_INVALID),
	H("CL hex", REQ, RQ("Content-Length: 0x10\r\n"), H1_ERR_CL_INVALID),
	H("CL space inside", REQ, RQ("Content-Length: 1 0\r\n"), H1_ERR_CL_INVALID),
	H("CL empty", REQ, RQ("Content-Length:\r\n"), H1_ERR_CL_INVALID),
	H("CL trailing comma", REQ, RQ("Content-Length: 5,\r\n"), H1_ERR_CL_INVALID),
	H("CL 2^63", REQ, RQ("Content-Length: 9223372036854775808\r\n"), H1_ERR_CL_INVALID),
	H("CL overflow 2^64", REQ, RQ("Content-Length: 18446744073709551616\r\n"), H1_ERR_CL_INVALID),
	H("CL huge", REQ, RQ("Content-Length: 99999999999999999999999999\r\n"), H1_ERR_CL_INVALID),
	H("CL name NUL", REQ, RQ("Content-Length\0: 5\r\n"), H1_ERR_HDR_NAME),
	/* NUL bytes anywhere */
	H("NUL end of line", REQ, "GET / HTTP/1.1\r\0\nHost: a\r\n\r\n", H1_ERR_BARE_CR),
	H("NUL empty line", REQ, RQ("\0\r\n"), H1_ERR_HDR_NAME),
	H("NUL host", REQ, "GET / HTTP/1.1\r\nHost: a\0\r\n\r\n", H1_ERR_HDR_VALUE),
	H("NUL method", REQ, "G\0T / HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_METHOD),
	H("NUL target", REQ, "GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("NUL version", REQ, "GET / HTTP/1\0" "1\r\nHost: a\r\n\r\n", H1_ERR_VERSION),
	H("NUL name", REQ, RQ("X\0Y: v\r\n"), H1_ERR_HDR_NAME),
	H("NUL value", REQ, RQ("X: a\0b\r\n"), H1_ERR_HDR_VALUE),
	H("NUL value start", REQ, RQ("X: \0\r\n"), H1_ERR_HDR_VALUE),
	H("NUL line start", REQ, RQ("\0X: v\r\n"), H1_ERR_HDR_NAME),
	H("NUL reason", RES, "HTTP/1.1 200 O\0K\r\n\r\n", H1_ERR_STATUS),
	H("NUL leading", REQ, "\0GET / HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_METHOD),
	/* line ends */
	H("bare LF request line", REQ, "GET / HTTP/1.1\nHost: a\r\n\r\n", H1_ERR_BARE_LF),
	H("bare LF header", REQ, "GET / HTTP/1.1\r\nHost: a\n\r\n", H1_ERR_BARE_LF),
	H("bare LF end", REQ, "GET / HTTP/1.1\r\nHost: a\r\n\n", H1_ERR_BARE_LF),
	H("bare LF leading", REQ, "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_BARE_LF),
	H("bare CR value", REQ, RQ("X: a\rb\r\n"), H1_ERR_BARE_CR),
	H("bare CR value end", REQ, RQ("X: a\r\r\n"), H1_ERR_BARE_CR),
	H("bare CR request line", REQ, "GET / HTTP/1.1\rHost: a\r\n\r\n", H1_ERR_BARE_CR),
	H("bare CR end", REQ, "GET / HTTP/1.1\r\nHost: a\r\n\rX", H1_ERR_BARE_CR),
	H("bare CR leading", REQ, "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_BARE_CR),
	H("bare CR status", RES, "HTTP/1.1 200 OK\rX\r\n\r\n", H1_ERR_BARE_CR),
	H("obs-fold", REQ, RQ("X: a\r\n b\r\n"), H1_ERR_OBS_FOLD),
	H("obs-fold tab", REQ, RQ("X: a\r\n\tb\r\n"), H1_ERR_OBS_FOLD),
	H("ws before first header", REQ, "GET / HTTP/1.1\r\n Host: a\r\n\r\n", H1_ERR_OBS_FOLD),
	H("res obs-fold", RES, "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", H1_ERR_OBS_FOLD),
	/* Host */
	/* HTTP/1.1 without Host: accepted, as HAProxy does */
	H("no host", REQ, "GET / HTTP/1.1\r\n\r\n", OK),
	H("no host abs", REQ, "GET http://a/ HTTP/1.1\r\n\r\n", OK),
	H("two hosts", REQ, "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", H1_ERR_HOST_DUP),
	H("two hosts case", REQ, "GET / HTTP/1.1\r\nHost: a\r\nhOsT: b\r\n\r\n", H1_ERR_HOST_DUP),
	H("host space", REQ, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host userinfo", REQ, "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host slash", REQ, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host bad port", REQ, "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host bracket", REQ, "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host after bracket", REQ, "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host two brackets", REQ, "GET / HTTP/1.1\r\nHost: [::1]]\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host bracket late", REQ, "GET / HTTP/1.1\r\nHost: a[::1]\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host two colons", REQ, "GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host colons", REQ, "GET / HTTP/1.1\r\nHost: ::::\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host bare ipv6", REQ, "GET / HTTP/1.1\r\nHost: ::1\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host percent", REQ, "GET / HTTP/1.1\r\nHost: a%\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host percent one hex", REQ, "GET / HTTP/1.1\r\nHost: a%4\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host percent not hex", REQ, "GET / HTTP/1.1\r\nHost: a%4g.b\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host comma", REQ, "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", H1_ERR_HOST_INVALID),
	H("host comma list", REQ, "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", H1_ERR_HOST_INVALID),
	/* request line */
	H("method bad char", REQ, "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_METHOD),
	H("method empty", REQ, " / HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_METHOD),
	H("method tab", REQ, "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_METHOD),
	H("method high", REQ, "G\xc9T / HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_METHOD),
	H("two spaces", REQ, "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("target space", REQ, "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_VERSION),
	H("target ctl", REQ, "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("target del", REQ, "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("target high", REQ, "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("target fragment", REQ, "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("target tab", REQ, "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("target relative", REQ, "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("target star get", REQ, "GET * HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("target star long", REQ, "OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("target scheme only", REQ, "GET http: HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("absolute userinfo, other host", REQ, "GET http://a@evil/ HTTP/1.1\r\nHost: a\r\n\r\n",
	  H1_ERR_HOST_AUTHORITY),
	H("absolute long userinfo, other host", REQ, "GET http://long-host-name.example.com@evil/ HTTP/1.1\r\n"
	  "Host: long-host-name.example.com\r\n\r\n", H1_ERR_HOST_AUTHORITY),
	H("absolute long, other host", REQ, "GET http://long-host-name.example.com/ HTTP/1.1\r\n"
	  "Host: long-host-name.example.org\r\n\r\n", H1_ERR_HOST_AUTHORITY),
	H("connect origin", REQ, "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("connect no port", REQ, "CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("connect userinfo", REQ, "CONNECT u@a:1 HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("no version", REQ, "GET /\r\n\r\n", H1_ERR_TARGET),
	H("version no dot", REQ, "GET / HTTP/1x1\r\nHost: a\r\n\r\n", H1_ERR_VERSION),
	H("connect bad port", REQ, "CONNECT a:8x HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("connect long port", REQ, "CONNECT a:123456 HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("connect empty host", REQ, "CONNECT :443 HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("scheme bad char", REQ, "GET h_tp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("scheme digit first", REQ, "GET 1http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_TARGET),
	H("version lower", REQ, "GET / http/1.1\r\nHost: a\r\n\r\n", H1_ERR_VERSION),
	H("version short", REQ, "GET / HTTP/1\r\nHost: a\r\n\r\n", H1_ERR_VERSION),
	H("version long", REQ, "GET / HTTP/1.10\r\nHost: a\r\n\r\n", H1_ERR_VERSION),
	H("version trailing sp", REQ, "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", H1_ERR_VERSION),
	H("version 0.9", REQ, "GET / HTTP/0.9\r\n\r\n", H1_ERR_VERSION_UNSUPP),
	H("trailing garbage", REQ, "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", H1_ERR_VERSION),
	/* header names and values */
	H("name empty", REQ, RQ(": v\r\n"), H1_ERR_HDR_NAME),
	H("name space", REQ, RQ("X Y: v\r\n"), H1_ERR_HDR_NAME),
	H("name no colon", REQ, RQ("XY\r\n"), H1_ERR_HDR_NAME),
	H("name separator", REQ, RQ("X(Y): v\r\n"), H1_ERR_HDR_NAME),
	H("long name bad char", REQ, RQ("X-Very-Long-Header-Name-With@At: v\r\n"), H1_ERR_HDR_NAME),
	H("long name space", REQ, RQ("X-Very-Long-Header-Name-With-Space : v\r\n"), H1_ERR_HDR_NAME),
	H("long name high", REQ, RQ("X-Very-Long-Header-Name-With-\xc1: v\r\n"), H1_ERR_HDR_NAME),
	H("long name bracket", REQ, RQ("X-Very-Long-Header-Name-With-[: v\r\n"), H1_ERR_HDR_NAME),
	H("long method ctl", REQ, "VERY-LONG-METHOD-NAME-01234\x7f / HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_METHOD),
	H("name high", REQ, RQ("X\xe9: v\r\n"), H1_ERR_HDR_NAME),
	H("value ctl", REQ, RQ("X: a\x01z\r\n"), H1_ERR_HDR_VALUE),
	H("value del", REQ, RQ("X: a\x7fz\r\n"), H1_ERR_HDR_VALUE),
	H("value esc simd", REQ, RQ("X: 0123456789abcdef0123456789\x1b" "abcdef\r\n"), H1_ERR_HDR_VALUE),
	H("value ff", REQ, RQ("X: a\x0c\r\n"), H1_ERR_HDR_VALUE),
	/* responses */
	H("status 2 digits", RES, "HTTP/1.1 20 OK\r\n\r\n", H1_ERR_STATUS),
	H("status 4 digits", RES, "HTTP/1.1 2000 OK\r\n\r\n", H1_ERR_STATUS),
	H("status alpha", RES, "HTTP/1.1 2a0 OK\r\n\r\n", H1_ERR_STATUS),
	H("status < 100", RES, "HTTP/1.1 099 OK\r\n\r\n", H1_ERR_STATUS),
	H("status ctl reason", RES, "HTTP/1.1 200 O\x01K\r\n\r\n", H1_ERR_STATUS),
	H("status no sp", RES, "HTTP/1.1200 OK\r\n\r\n", H1_ERR_VERSION),
	H("status version 0.9", RES, "HTTP/0.9 200 OK\r\n\r\n", H1_ERR_VERSION_UNSUPP),
	H("absolute-form, other Host", REQ, "GET http://a/p HTTP/1.1\r\nHost: b\r\n\r\n", H1_ERR_HOST_AUTHORITY),
	H("absolute-form, other port", REQ, "GET http://a:81/p HTTP/1.1\r\nHost: a\r\n\r\n", H1_ERR_HOST_AUTHORITY),
	H("absolute-form, Host port", REQ, "GET http://a/p HTTP/1.1\r\nHost: a:8080\r\n\r\n", H1_ERR_HOST_AUTHORITY),
	H("absolute-form https, port 80", REQ, "GET https://a:80/ HTTP/1.1\r\nHost: a\r\n\r\n",
	  H1_ERR_HOST_AUTHORITY),
	H("absolute-form 1.0, other Host", REQ, "GET http://a/ HTTP/1.0\r\nHost: b\r\n\r\n", H1_ERR_HOST_AUTHORITY),
	H("absolute-form, longer Host", REQ, "GET http://a?q HTTP/1.1\r\nHost: ab\r\n\r\n", H1_ERR_HOST_AUTHORITY),
	H("CONNECT, other Host", REQ, "CONNECT a:443 HTTP/1.1\r\nHost: b:443\r\n\r\n", H1_ERR_HOST_AUTHORITY),
	H("CONNECT, other port in Host", REQ, "CONNECT a:80 HTTP/1.1\r\nHost: a:443\r\n\r\n", H1_ERR_HOST_AUTHORITY),
	H("CONNECT other port, Host without", REQ, "CONNECT a:8080 HTTP/1.1\r\nHost: a\r\n\r\n",
	  H1_ERR_HOST_AUTHORITY),
	H("status bad version", RES, "HTTX/1.1 200 OK\r\n\r\n", H1_ERR_VERSION),
	H("status leading crlf", RES, "\r\nHTTP/1.1 200 OK\r\n\r\n", H1_ERR_VERSION),
	/* incomplete */
	H("incomplete", REQ, "GET / HTTP/1.1\r\nHost: a\r\n", 0),
	H("incomplete cr", REQ, "GET / HTTP/1.1\r\nHost: a\r\n\r", 0),
	H("empty", REQ, "", 0),
};

static void test_reject(void **state)
{
	(void)state;
	run_cases(reject_cases, sizeof(reject_cases) / sizeof(reject_cases[0]), NULL);
}

/* Bare LF accepted as a line end only with the option. */
static void test_bare_lf_option(void **state)
{
	static struct parsed p;
	struct h1_limits lim;
	const char *in = "\nGET /x HTTP/1.1\nHost: a\nX: b\r\nContent-Length: 2\n\nhi";

	(void)state;
	h1_limits_init(&lim);
	assert_int_equal(check_head(REQ, in, strlen(in), NULL, MAXH, &p), H1_ERR_BARE_LF);
	lim.opts = H1_OPT_ACCEPT_BARE_LF;
	assert_int_equal(check_head(REQ, in, strlen(in), &lim, MAXH, &p), (int)strlen(in) - 2);
	assert_int_equal(p.msg.nb_hdrs, 3);
	assert_int_equal(p.msg.content_length, 2);
	assert_int_equal(p.msg.target.off, 5);
	/* a bare CR is still refused */
	in = "GET / HTTP/1.1\nHost: a\rX\n\n";
	assert_int_equal(check_head(REQ, in, strlen(in), &lim, MAXH, &p), H1_ERR_BARE_CR);
	in = "HTTP/1.1 200 OK\nContent-Length: 0\n\n";
	assert_int_equal(check_head(RES, in, strlen(in), &lim, MAXH, &p), (int)strlen(in));
}

/* Limits: request line (414), head size (431), header count (431), body
 * (413), each at the exact boundary.
 */
static void test_limits(void **state)
{
	static struct parsed p;
	static char in[70000];
	struct h1_limits lim;
	size_t n, i;
	int r;

	(void)state;
	h1_limits_init(&lim);
	lim.max_line = 64;
	lim.max_head = 256;

	/* a request line of exactly 64 bytes with its CRLF passes, 65 fails */
	for (n = 64; n <= 65; n++) {
		size_t tl = n - strlen("GET  HTTP/1.1\r\n");

		memcpy(in, "GET ", 4);
		memset(in + 4, 'a', tl);
		in[4] = '/';
		strcpy(in + 4 + tl, " HTTP/1.1\r\nHost: a\r\n\r\n");
		r = check_head(REQ, in, strlen(in), &lim, MAXH, &p);
		assert_int_equal(r, n == 64 ? (int)strlen(in) : H1_ERR_URI_TOO_LONG);
		/* incomplete but already too long */
		if (n == 65) {
			r = check_head(REQ, in, 70, &lim, MAXH, &p);
			assert_int_equal(r, H1_ERR_URI_TOO_LONG);
		}
	}
	/* the status line limit */
	strcpy(in, "HTTP/1.1 200 ");
	memset(in + 13, 'r', 60);
	strcpy(in + 73, "\r\n\r\n");
	assert_int_equal(check_head(RES, in, strlen(in), &lim, MAXH, &p), H1_ERR_LINE_TOO_LONG);

	/* a head of exactly 256 bytes passes, 257 fails */
	for (n = 256; n <= 257; n++) {
		size_t fill = n - strlen("GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n");

		strcpy(in, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
		memset(in + strlen(in), 'v', fill);
		strcpy(in + strlen("GET / HTTP/1.1\r\nHost: a\r\nX: ") + fill, "\r\n\r\n");
		assert_int_equal(strlen(in), n);
		r = check_head(REQ, in, n, &lim, MAXH, &p);
		assert_int_equal(r, n == 256 ? 256 : H1_ERR_HEAD_TOO_LARGE);
	}
	/* leading empty lines count in the head */
	memset(in, 0, sizeof(in));
	for (i = 0; i < 230; i += 2)
		memcpy(in + i, "\r\n", 2);
	strcpy(in + 230, "GET / HTTP/1.1\r\nHost: a\r\nX-Some: value\r\n\r\n");
	assert_int_equal(check_head(REQ, in, strlen(in), &lim, MAXH, &p), H1_ERR_HEAD_TOO_LARGE);

	/* default limits: 101 fields pass, 102 fail */
	for (n = 101; n <= 102; n++) {
		size_t off;

		strcpy(in, "GET / HTTP/1.1\r\nHost: a\r\n");
		off = strlen(in);
		for (i = 1; i < n; i++)
			off += (size_t)sprintf(in + off, "X-%zu: %zu\r\n", i, i);
		strcpy(in + off, "\r\n");
		memset(&p, 0, sizeof(p));
		h1_msg_init(&p.msg, p.hdrs, H1_DEF_MAX_HDRS);
		r = h1_parse_request(&p.msg, guard_place(in, strlen(in)), strlen(in), NULL);
		assert_int_equal(r, n == 101 ? (int)strlen(in) : H1_ERR_TOO_MANY_HDRS);
		assert_int_equal(h1_err_status(r > 0 ? -1 : r), r > 0 ? 400 : 431);
	}
	/* few headers allowed by the array: split checks too */
	assert_int_equal(check_head(REQ, "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", 39, NULL, 2, &p),
	                 H1_ERR_TOO_MANY_HDRS);

	/* default head limit: a 20 kB header */
	strcpy(in, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	memset(in + strlen(in), 'x', 20000);
	strcat(in, "\r\n\r\n");
	memset(&p, 0, sizeof(p));
	h1_msg_init(&p.msg, p.hdrs, MAXH);
	assert_int_equal(h1_parse_request(&p.msg, in, strlen(in), NULL), H1_ERR_HEAD_TOO_LARGE);

	/* body limit on Content-Length */
	lim.max_body = 10;
	strcpy(in, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n");
	assert_int_equal(check_head(REQ, in, strlen(in), &lim, MAXH, &p), H1_ERR_BODY_TOO_LARGE);
	strcpy(in, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n");
	assert_int_equal(check_head(REQ, in, strlen(in), &lim, MAXH, &p), (int)strlen(in));
}

/* The fields of parsed messages. */
static void test_fields(void **state)
{
	static struct parsed p;
	const char *in;

	(void)state;
	in = "\r\nPOST /path?q=1 HTTP/1.1\r\nHost:  example.com:80 \r\n"
	     "content-length: 12\r\nConnection: keep-alive, Upgrade\r\n"
	     "Upgrade: WebSocket/13, h2c\r\nExpect: 100-Continue\r\nX-E:\t\r\n\r\nbody";
	assert_int_equal(check_head(REQ, in, strlen(in), NULL, MAXH, &p), head_len(in));
	assert_int_equal(p.msg.meth, H1_METH_POST);
	assert_int_equal(p.msg.method.off, 2);
	assert_int_equal(p.msg.method.len, 4);
	assert_memory_equal(in + p.msg.target.off, "/path?q=1", 9);
	assert_int_equal(p.msg.target.len, 9);
	assert_int_equal(p.msg.vmajor, 1);
	assert_int_equal(p.msg.vminor, 1);
	assert_int_equal(p.msg.nb_hdrs, 6);
	assert_int_equal(p.hdrs[0].n.len, 4);
	assert_memory_equal(in + p.hdrs[0].v.off, "example.com:80", 14);
	assert_int_equal(p.hdrs[0].v.len, 14);
	assert_int_equal(p.msg.host.off, p.hdrs[0].v.off);
	assert_int_equal(p.msg.host.len, 14);
	assert_int_equal(p.msg.content_length, 12);
	assert_int_equal(p.msg.body, H1_BODY_CL);
	assert_int_equal(p.hdrs[5].v.len, 0);
	assert_int_equal(p.msg.flags,
	                 H1_MF_VER11 | H1_MF_HOST | H1_MF_CL | H1_MF_CONN_KA | H1_MF_CONN_UPGRADE |
	                 H1_MF_UPGRADE | H1_MF_UPG_WS | H1_MF_EXPECT_100);
	assert_true(h1_keep_alive(&p.msg));

	/* a version above 1.1: reported as received, with 1.1 semantics */
	in = "GET / HTTP/2.0\r\nHost: a\r\n\r\n";
	assert_true(check_head(REQ, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_int_equal(p.msg.vmajor, 2);
	assert_int_equal(p.msg.vminor, 0);
	assert_true(p.msg.flags & H1_MF_VER11);
	assert_true(h1_keep_alive(&p.msg));

	in = "GET / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\n";
	assert_true(check_head(REQ, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_int_equal(p.msg.vminor, 0);
	assert_int_equal(p.msg.flags & H1_MF_EXPECT_100, 0);   /* ignored in 1.0 */
	assert_int_equal(p.msg.body, H1_BODY_NONE);
	assert_true(h1_keep_alive(&p.msg));

	in = "GET / HTTP/1.0\r\n\r\n";
	assert_true(check_head(REQ, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_false(h1_keep_alive(&p.msg));

	in = "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\nExpect: x\r\n\r\n";
	assert_true(check_head(REQ, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_false(h1_keep_alive(&p.msg));
	assert_true(p.msg.flags & H1_MF_CONN_OTHER);
	assert_true(p.msg.flags & H1_MF_EXPECT_OTHER);
	assert_int_equal(p.msg.meth, H1_METH_GET);

	in = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
	assert_true(check_head(REQ, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_int_equal(p.msg.body, H1_BODY_CHUNKED);

	in = "GET http://x/y HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_true(check_head(REQ, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_true(p.msg.flags & H1_MF_ABS_FORM);

	in = "HTTP/1.1 404 Not Found\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\nabcde";
	assert_int_equal(check_head(RES, in, strlen(in), NULL, MAXH, &p), head_len(in));
	assert_int_equal(p.msg.status, 404);
	assert_memory_equal(in + p.msg.reason.off, "Not Found", 9);
	assert_int_equal(p.msg.reason.len, 9);
	assert_true(p.msg.flags & H1_MF_CL_MULTI);
	assert_int_equal(p.msg.body, H1_BODY_CL);
	assert_int_equal(h1_res_body(&p.msg, H1_METH_HEAD), H1_BODY_NONE);
	assert_int_equal(h1_res_body(&p.msg, H1_METH_CONNECT), H1_BODY_CL);

	in = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
	assert_true(check_head(RES, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_int_equal(p.msg.body, H1_BODY_CHUNKED);
	assert_int_equal(h1_res_body(&p.msg, H1_METH_CONNECT), H1_BODY_TUNNEL);
	assert_int_equal(h1_res_body(&p.msg, H1_METH_HEAD), H1_BODY_NONE);

	in = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n";
	assert_true(check_head(RES, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_int_equal(p.msg.body, H1_BODY_CLOSE);

	in = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n";
	assert_true(check_head(RES, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_int_equal(p.msg.body, H1_BODY_CLOSE);
	assert_true(h1_keep_alive(&p.msg));

	in = "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n";
	assert_true(check_head(RES, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_int_equal(p.msg.body, H1_BODY_NONE);
	in = "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n";
	assert_true(check_head(RES, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_int_equal(p.msg.body, H1_BODY_NONE);
	in = "HTTP/1.1 100 Continue\r\n\r\n";
	assert_true(check_head(RES, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_int_equal(p.msg.body, H1_BODY_NONE);
	in = "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n";
	assert_true(check_head(RES, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_int_equal(p.msg.body, H1_BODY_TUNNEL);
	assert_true(p.msg.flags & H1_MF_UPG_WS);
	in = "HTTP/1.1 200 \r\n\r\n";
	assert_true(check_head(RES, in, strlen(in), NULL, MAXH, &p) > 0);
	assert_int_equal(p.msg.reason.len, 0);
	assert_int_equal(p.msg.body, H1_BODY_CLOSE);
}

/* Two pipelined requests: the head length separates them. */
static void test_pipelined(void **state)
{
	static struct parsed p;
	const char *in = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
	int r;

	(void)state;
	r = check_head(REQ, in, strlen(in), NULL, MAXH, &p);
	assert_int_equal(r, 28);
	r = check_head(REQ, in + r, strlen(in + r), NULL, MAXH, &p);
	assert_int_equal(r, 28);
	assert_memory_equal(in + 28 + p.msg.target.off, "/2", 2);

	/* an interim response, then the final one */
	in = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	r = check_head(RES, in, strlen(in), NULL, MAXH, &p);
	assert_int_equal(r, 25);
	assert_int_equal(p.msg.status, 100);
	assert_int_equal(h1_res_body(&p.msg, H1_METH_POST), H1_BODY_NONE);
	r = check_head(RES, in + r, strlen(in + r), NULL, MAXH, &p);
	assert_int_equal(r, 38);
	assert_int_equal(p.msg.status, 200);
	assert_int_equal(p.msg.body, H1_BODY_CL);
	assert_int_equal(p.msg.content_length, 0);
}

/* Every known method is recognised; others are H1_METH_OTHER. */
static void test_methods(void **state)
{
	static struct parsed p;
	static const struct {
		const char *m;
		enum h1_meth id;
	} c[] = {
		{ "GET", H1_METH_GET }, { "HEAD", H1_METH_HEAD }, { "POST", H1_METH_POST },
		{ "PUT", H1_METH_PUT }, { "DELETE", H1_METH_DELETE },
		{ "OPTIONS", H1_METH_OPTIONS }, { "TRACE", H1_METH_TRACE },
		{ "PATCH", H1_METH_PATCH }, { "get", H1_METH_OTHER }, { "GETS", H1_METH_OTHER },
		{ "PUTS", H1_METH_OTHER }, { "TRACK", H1_METH_OTHER }, { "DELETED", H1_METH_OTHER },
		{ "CONNECTS", H1_METH_OTHER }, { "OPTION", H1_METH_OTHER }, { "PATCHY", H1_METH_OTHER },
	};
	char in[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(in, sizeof(in), "%s /x HTTP/1.1\r\nHost: a\r\n\r\n", c[i].m);
		assert_int_equal(check_head(REQ, in, strlen(in), NULL, MAXH, &p), (int)strlen(in));
		assert_int_equal(p.msg.meth, c[i].id);
		assert_int_equal(p.msg.method.len, strlen(c[i].m));
	}
	strcpy(in, "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n");
	assert_int_equal(check_head(REQ, in, strlen(in), NULL, MAXH, &p), (int)strlen(in));
	assert_int_equal(p.msg.meth, H1_METH_CONNECT);
}

/* http_normalize_authority(): the request line and Host after parsing, as
 * HAProxy's scheme-based normalization leaves them.
 */
static void test_normalize_authority(void **state)
{
	static const struct { const char *in, *line, *host; } c[] = {
		{ "GET http://u:p@h:80/c1 HTTP/1.1\r\nHost: h:80\r\n\r\n", "http://u:p@h/c1", "h" },
		{ "GET http://h:8080/c2 HTTP/1.1\r\nHost: h:8080\r\n\r\n", "http://h:8080/c2", "h:8080" },
		{ "GET https://h:443/c3 HTTP/1.1\r\nHost: h\r\n\r\n", "https://h/c3", "h" },
		{ "GET https://h:80/c4 HTTP/1.1\r\nHost: h:80\r\n\r\n", "https://h:80/c4", "h:80" },
		{ "GET http://h/c22 HTTP/1.1\r\nHost: h:80\r\n\r\n", "http://h/c22", "h:80" },
		{ "GET http://h:/c24 HTTP/1.1\r\nHost: h\r\n\r\n", "http://h/c24", "h" },
		{ "GET http://h:80/c28 HTTP/1.1\r\nHost: h:\r\n\r\n", "http://h/c28", "h" },
		{ "GET http://: HTTP/1.1\r\nHost: :80\r\n\r\n", "http:///", "" },
		{ "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n", "http://h/", "h" },
		{ "GET http://h?a=b HTTP/1.1\r\nHost: h\r\n\r\n", "http://h?a=b", "h" },
		{ "OPTIONS http://h:80 HTTP/1.1\r\nHost: h\r\n\r\n", "http://h", "h" },
		{ "CONNECT h:80 HTTP/1.1\r\nHost: h:80\r\n\r\n", "h:80", "h" },
		{ "CONNECT h:443 HTTP/1.1\r\nHost: h:\r\n\r\n", "h:443", "h:" },
		{ "CONNECT h:8443 HTTP/1.1\r\nHost: h:8443\r\n\r\n", "h:8443", "h:8443" },
		{ "GET /x HTTP/1.1\r\nHost: h:80\r\n\r\n", "/x", "h:80" },
	};
	struct h1_hdr hdrs[8];
	struct http_field f[8];
	char arena[256];
	struct h1_msg msg;
	struct http_head hh;
	int idx;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		h1_msg_init(&msg, hdrs, 8);
		assert_int_equal(h1_parse_request(&msg, c[i].in, strlen(c[i].in), NULL), (int)strlen(c[i].in));
		http_head_init(&hh, f, 8, arena, sizeof(arena));
		assert_int_equal(http_head_load(&hh, &msg, c[i].in), 0);
		assert_int_equal(http_normalize_authority(&hh), 0);
		assert_int_equal(hh.uri_len, strlen(c[i].line));
		assert_memory_equal(hh.uri, c[i].line, hh.uri_len);
		idx = -1;
		assert_true(http_hdr_next(&hh, "host", 4, &idx) >= 0);
		assert_int_equal(hh.f[idx].vlen, strlen(c[i].host));
		assert_memory_equal(hh.f[idx].v, c[i].host, hh.f[idx].vlen);
	}
}

/* The authority of an absolute-form target, and the connection-specific
 * field names HTTP/2 forbids.
 */
static void test_target_authority_conn_specific(void **state)
{
	static const struct { const char *t; int off, alen, scheme; } c[] = {
		{ "http://h:80/p", 7, 4, H1_SCHEME_HTTP },
		{ "HTTPS://h?q", 8, 1, H1_SCHEME_HTTPS },
		{ "ws://u:p@h:1#f", 9, 3, H1_SCHEME_OTHER },
		{ "http://a@b@c/x", 11, 1, H1_SCHEME_HTTP },
		{ "http://h", 7, 1, H1_SCHEME_HTTP },
		{ "http://", 7, 0, H1_SCHEME_HTTP },
		{ "http:/h", -1, 0, 0 },
		{ "/p", -1, 0, 0 },
		/* authorities of 16 bytes and more (scanned 16 at a time) */
		{ "http://abcdefghijklmnop.example:8080/p", 7, 29, H1_SCHEME_HTTP },
		{ "http://abcdefghijklmnopqrstuvwxyz0123456789", 7, 36, H1_SCHEME_HTTP },
		{ "http://abcdefghijklmnopqrstuvw@h/p", 31, 1, H1_SCHEME_HTTP },
		{ "http://abcdefghijklmnopq@rstuvwxyz0123456789?q", 25, 19, H1_SCHEME_HTTP },
		{ "http://u@abcdefghijklmnopqrstuvwxyz#f", 9, 26, H1_SCHEME_HTTP },
		{ "http://abcdefghijklmno/pqrstuvwxyz@0123456789", 7, 15, H1_SCHEME_HTTP },
		{ "http://abcdefghijklmnop/", 7, 16, H1_SCHEME_HTTP },
	};
	static const char *const yes[] = { "connection", "Keep-Alive", "proxy-connection",
	                                   "TRANSFER-ENCODING", "upgrade" };
	static const char *const no[] = { "connectio", "keep-alivf", "te", "upgrades", "host", "" };
	uint32_t alen;
	int scheme;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		alen = 0;
		scheme = 0;
		assert_int_equal(h1_target_authority((const uint8_t *)c[i].t, (uint32_t)strlen(c[i].t),
		                                     &scheme, &alen), c[i].off);
		if (c[i].off < 0)
			continue;
		assert_int_equal(alen, c[i].alen);
		assert_int_equal(scheme, c[i].scheme);
	}
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_int_equal(h1_conn_specific(yes[i], strlen(yes[i])), 1);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(h1_conn_specific(no[i], strlen(no[i])), 0);
}

static void test_err_helpers(void **state)
{
	int e;

	(void)state;
	for (e = -1; e >= H1_ERR_MIN; e--)
		assert_string_not_equal(h1_err_str(e), "unknown");
	assert_string_equal(h1_err_str(0), "unknown");
	assert_string_equal(h1_err_str(H1_ERR_MIN - 1), "unknown");
	assert_int_equal(h1_err_status(H1_ERR_URI_TOO_LONG), 414);
	assert_int_equal(h1_err_status(H1_ERR_HEAD_TOO_LARGE), 431);
	assert_int_equal(h1_err_status(H1_ERR_TOO_MANY_HDRS), 431);
	assert_int_equal(h1_err_status(H1_ERR_BODY_TOO_LARGE), 413);
	assert_int_equal(h1_err_status(H1_ERR_TE_UNSUPP), 501);
	assert_int_equal(h1_err_status(H1_ERR_H2_PREFACE), 405);
	assert_int_equal(h1_err_status(H1_ERR_VERSION_UNSUPP), 505);
	assert_int_equal(h1_err_status(H1_ERR_HOST_MISSING), 400);
	assert_int_equal(h1_err_status(H1_ERR_STATUS), 502);
	assert_int_equal(h1_err_status(H1_ERR_LINE_TOO_LONG), 502);
	assert_int_equal(h1_err_status(H1_ERR_TRAILER_TOO_LARGE), 431);
	assert_true(h1_name_eq("Content-LENGTH", 14, "content-length", 14));
	assert_false(h1_name_eq("Content_Length", 14, "content-length", 14));
	assert_false(h1_name_eq("Host", 4, "hosts", 5));
}

/* ---------------------------------------------------------------------- */
/* Chunked bodies. */

struct cres {
	int ret;             /* final: > 0 total consumed when done, 0, or error */
	char data[8192];     /* data runs concatenated */
	size_t dlen;
};

/* Parses <in> as a chunked body, the first <first> bytes available, then
 * all; each call's bytes placed before the guard page.
 */
static void chunk_run(const char *in, size_t len, size_t first, const struct h1_limits *lim,
                      struct cres *out)
{
	struct h1_chunk ck;
	struct h1_span d;
	size_t off = 0, avail = first;

	out->dlen = 0;
	h1_chunk_init(&ck, lim);
	for (;;) {
		const char *b = guard_place(in + off, avail - off);
		int r = h1_chunk_parse(&ck, b, avail - off, &d);

		if (r < 0) {
			out->ret = r;
			assert_int_equal(h1_chunk_parse(&ck, b, avail - off, &d), r);
			return;
		}
		assert_true(d.off + d.len <= (uint32_t)r);
		assert_true(out->dlen + d.len <= sizeof(out->data));
		memcpy(out->data + out->dlen, b + d.off, d.len);
		out->dlen += d.len;
		off += (size_t)r;
		if (h1_chunk_done(&ck)) {
			out->ret = (int)off;
			return;
		}
		if (r == 0) {
			if (avail == len) {
				out->ret = 0;
				return;
			}
			avail = len;
		}
	}
}

/* Checks a chunked body whole and split everywhere. Returns the result. */
static int check_chunk(const char *in, size_t len, const struct h1_limits *lim, struct cres *out)
{
	static struct cres part;
	size_t cut;

	chunk_run(in, len, len, lim, out);
	for (cut = 0; cut <= len; cut++) {
		chunk_run(in, len, cut, lim, &part);
		if (part.ret != out->ret)
			fail_msg("chunk '%s' cut %zu: %d != %d", in, cut, part.ret, out->ret);
		if (out->ret < 0)
			continue;   /* data before an error may or may not be seen */
		assert_int_equal(part.dlen, out->dlen);
		assert_memory_equal(part.data, out->data, out->dlen);
	}
	return out->ret;
}

struct ccase {
	const char *name;
	const char *in;
	size_t len;          /* length of <in> (NULs included) */
	int exp;             /* > 0: consumed; 0: need more; < 0: error */
	const char *data;    /* expected data if exp > 0 */
};

#define ALL 0x7fffffff   /* expected: every byte consumed */
#define C(name, lit, exp, data) { name, lit, sizeof(lit) - 1, exp, data }

static const struct ccase chunk_cases[] = {
	C("simple", "5\r\nhello\r\n0\r\n\r\n", ALL, "hello"),
	C("two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", ALL, "hello world"),
	C("hex upper lower", "A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", ALL, "0123456789abcdefghij"),
	C("leading zeros", "0005\r\nhello\r\n000\r\n\r\n", ALL, "hello"),
	C("extensions", "5;a=b;c=\"x \\\"y\";d\r\nhello\r\n0;last\r\n\r\n", ALL, "hello"),
	C("ext bws", "5 ;a = b ; c\r\nhello\r\n0\t;\tz\r\n\r\n", ALL, "hello"),
	C("trailers", "5\r\nhello\r\n0\r\nX-T: v\r\nY:\r\n\r\n", ALL, "hello"),
	C("next message after", "0\r\n\r\nGET / HTTP/1.1\r\n", 5, ""),
	C("incomplete size", "5", 0, NULL),
	C("incomplete data", "5\r\nhel", 0, NULL),
	C("incomplete end", "0\r\n\r", 0, NULL),
	C("max size header", "7fffffffffffffff\r\nabc", 0, NULL),
	C("size overflow 2^63", "8000000000000000\r\n", H1_ERR_CHUNK_SIZE, NULL),
	C("size overflow 2^64", "10000000000000000\r\n", H1_ERR_CHUNK_SIZE, NULL),
	C("size overflow long", "fffffffffffffffffffff\r\n", H1_ERR_CHUNK_SIZE, NULL),
	C("size negative", "-5\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_SIZE, NULL),
	C("size 0x", "0x5\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_SIZE, NULL),
	C("size empty", "\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_SIZE, NULL),
	C("size leading space", " 5\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_SIZE, NULL),
	C("size trailing space", "5 \r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("size LF only", "5\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("size bare CR", "5\rhello\r\n0\r\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("data LF only", "5\r\nhello\n0\r\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("data too long", "5\r\nhelloX\r\n0\r\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("data no crlf", "5\r\nhello0\r\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("last LF only", "0\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("end LF only", "0\r\n\n", H1_ERR_CHUNK_CRLF, NULL),
	C("end bare CR", "0\r\n\rX", H1_ERR_CHUNK_CRLF, NULL),
	C("ext bad char", "5;a@b\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("ext no name", "5;\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("ext no value", "5;a=\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("ext ctl in quote", "5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("ext unterminated quote", "5;a=\"x\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("ext bare LF", "5;a\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("ext value then junk", "5;a=b c\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("ext names list", "5;a;b ;c\t;d\r\nhello\r\n0\r\n\r\n", ALL, "hello"),
	C("ext name junk", "5;a x\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("ext name bare LF", "5;a=b\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("ext quoted junk", "5;a=\"b\"x\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("ext quoted bare LF", "5;a=\"b\"\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("ext escaped ctl", "5;a=\"\\\x01\"\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("ext value bws then CR", "5;a=b \r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("ext name bws then CR", "5;a \r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("ext semicolon bws", "5; \ta=b\r\nhello\r\n0\r\n\r\n", ALL, "hello"),
	C("trailer CR CR", "0\r\nX: v\r\r\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("data CR then junk", "1\r\nx\rx\n0\r\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("NUL in ext", "5;a\0\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("NUL in quoted ext", "5;a=\"\0\"\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_EXT, NULL),
	C("NUL in trailer name", "0\r\nX\0: v\r\n\r\n", H1_ERR_TRAILER, NULL),
	C("NUL in trailer value", "0\r\nX: \0\r\n\r\n", H1_ERR_TRAILER, NULL),
	C("NUL after data", "1\r\nx\0\r\n0\r\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("NUL in size", "5\0\r\nhello\r\n0\r\n\r\n", H1_ERR_CHUNK_SIZE, NULL),
	C("trailer folded", "0\r\nX: a\r\n b\r\n\r\n", H1_ERR_TRAILER, NULL),
	C("trailer bad name", "0\r\nX Y: a\r\n\r\n", H1_ERR_TRAILER, NULL),
	C("trailer ctl", "0\r\nX: a\x01\r\n\r\n", H1_ERR_TRAILER, NULL),
	C("trailer LF only", "0\r\nX: a\n\r\n", H1_ERR_CHUNK_CRLF, NULL),
	C("trailer no colon", "0\r\nX\r\n\r\n", H1_ERR_TRAILER, NULL),
};

static void test_chunked(void **state)
{
	static struct cres r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(chunk_cases) / sizeof(chunk_cases[0]); i++) {
		const struct ccase *c = &chunk_cases[i];
		int got = check_chunk(c->in, c->len, NULL, &r);
		int exp = c->exp == ALL ? (int)c->len : c->exp;

		if (got != exp)
			fail_msg("chunk case '%s': got %d (%s), expected %d", c->name, got,
			         h1_err_str(got), exp);
		if (c->exp > 0) {
			assert_int_equal(r.dlen, strlen(c->data));
			assert_memory_equal(r.data, c->data, r.dlen);
		}
	}
}

/* Chunked limits: line length, trailer size, body size, and a NUL in data
 * (data is opaque).
 */
static void test_chunk_limits(void **state)
{
	static struct cres r;
	static char in[16384];
	struct h1_limits lim;
	size_t n;

	(void)state;
	/* a chunk line of exactly H1_CHUNK_LINE_MAX bytes with its CRLF */
	for (n = H1_CHUNK_LINE_MAX; n <= H1_CHUNK_LINE_MAX + 1; n++) {
		memset(in, 0, sizeof(in));
		memcpy(in, "1;a=", 4);
		memset(in + 4, 'b', n - 6);
		strcpy(in + n - 2, "\r\nx\r\n0\r\n\r\n");
		assert_int_equal(check_chunk(in, strlen(in), NULL, &r),
		                 n == H1_CHUNK_LINE_MAX ? (int)strlen(in) : H1_ERR_CHUNK_LINE_LONG);
	}
	h1_limits_init(&lim);
	lim.max_head = 20;
	strcpy(in, "0\r\nX-A: 0123456789\r\n\r\n");   /* 19 bytes of trailers */
	assert_int_equal(check_chunk(in, strlen(in), &lim, &r), (int)strlen(in));
	strcpy(in, "0\r\nX-A: 012345678901\r\n\r\n");   /* 21 */
	assert_int_equal(check_chunk(in, strlen(in), &lim, &r), H1_ERR_TRAILER_TOO_LARGE);

	lim.max_body = 10;
	strcpy(in, "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n");
	assert_int_equal(check_chunk(in, strlen(in), &lim, &r), (int)strlen(in));
	strcpy(in, "5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n");
	assert_int_equal(check_chunk(in, strlen(in), &lim, &r), H1_ERR_BODY_TOO_LARGE);

	/* NULs and CRLFs inside data are data */
	memcpy(in, "4\r\n\0\r\n\0\r\n0\r\n\r\n", 14);
	assert_int_equal(check_chunk(in, 14, NULL, &r), 14);
	assert_int_equal(r.dlen, 4);
	assert_memory_equal(r.data, "\0\r\n\0", 4);
}

/* A large chunk arriving in pieces: no buffering, data reported per run. */
static void test_chunk_stream(void **state)
{
	struct h1_chunk ck;
	struct h1_span d;
	static char piece[4096];
	uint64_t got = 0;
	int r, i;

	(void)state;
	h1_chunk_init(&ck, NULL);
	r = h1_chunk_parse(&ck, "100000\r\n", 8, &d);
	assert_int_equal(r, 8);
	assert_int_equal(d.len, 0);
	memset(piece, 'z', sizeof(piece));
	for (i = 0; i < 256; i++) {
		r = h1_chunk_parse(&ck, piece, sizeof(piece), &d);
		assert_int_equal(r, (int)sizeof(piece));
		assert_int_equal(d.off, 0);
		got += d.len;
	}
	assert_int_equal(got, 0x100000);
	r = h1_chunk_parse(&ck, "\r\n0\r\n\r\n", 7, &d);
	assert_int_equal(r, 7);
	assert_true(h1_chunk_done(&ck));
	assert_int_equal(h1_chunk_parse(&ck, "x", 1, &d), 0);
}

/* ---------------------------------------------------------------------- */
/* Smuggling: whole request streams. The head says how the body is framed;
 * the framing is then parsed; what remains must be exactly the next
 * request, or the stream is refused.
 */
static void test_smuggling_streams(void **state)
{
	static struct parsed p;
	static struct cres c;
	const char *in;
	int r;

	(void)state;
	/* CL.TE and TE.CL: Transfer-Encoding frames (RFC 9112 6.3), in either
	 * order, whatever Content-Length says; both flags stay set so that the
	 * caller removes Content-Length and closes after the response
	 */
	for (int i = 0; i < 2; i++) {
		static const char *const both[2] = {
			"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
			"0\r\n\r\nG",
			"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"
			"1\r\nG\r\n0\r\n\r\n",
		};
		static const int body_len[2] = { 5, 11 };

		in = both[i];
		r = check_head(REQ, in, strlen(in), NULL, MAXH, &p);
		assert_true(r > 0);
		assert_int_equal(p.msg.body, H1_BODY_CHUNKED);
		assert_int_equal(p.msg.flags & (H1_MF_CL | H1_MF_TE), H1_MF_CL | H1_MF_TE);
		assert_int_equal(check_chunk(in + r, strlen(in + r), NULL, &c), body_len[i]);
	}
	/* chunked body with a hidden request after it: the parser stops at the
	 * end of the body, the rest is a separate request that is parsed (and
	 * checked) on its own
	 */
	in = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "3\r\nabc\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n";
	r = check_head(REQ, in, strlen(in), NULL, MAXH, &p);
	assert_true(r > 0);
	assert_int_equal(p.msg.body, H1_BODY_CHUNKED);
	assert_int_equal(check_chunk(in + r, strlen(in + r), NULL, &c), 13);
	assert_true(check_head(REQ, in + r + 13, strlen(in + r + 13), NULL, MAXH, &p) > 0);
	/* chunk size with a trailing junk that some servers ignore */
	assert_int_equal(check_chunk("3x\r\nabc\r\n0\r\n\r\n", 14, NULL, &c), H1_ERR_CHUNK_SIZE);
	/* size truncated by a server reading 64-bit: refused */
	assert_int_equal(check_chunk("10000000000000003\r\nabc\r\n0\r\n\r\n", 29, NULL, &c),
	                 H1_ERR_CHUNK_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_bare_lf_option),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_normalize_authority),
		cmocka_unit_test(test_target_authority_conn_specific),
		cmocka_unit_test(test_err_helpers),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_chunk_limits),
		cmocka_unit_test(test_chunk_stream),
		cmocka_unit_test(test_smuggling_streams),
	};

	return cmocka_run_group_tests_name("h1", tests, group_setup, group_teardown);
}
