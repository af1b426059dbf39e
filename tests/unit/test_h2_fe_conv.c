/*
 * Unit tests of the HTTP/2 <-> HTTP/1.1 conversions of the client mux
 * (src/mux/h2_fe_conv.c): request heads built from HTTP/2 fields (absolute
 * form, Host from :authority, joined cookies, chunked bodies and their
 * trailers, limits), response heads and trailers turned into HTTP/2 fields
 * (lower case, connection-specific fields dropped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/mux/h2_fe_int.h"

static int add(struct h2_req *r, struct h2b *out, const char *n, const char *v)
{
	return h2_req_add(r, out, n, strlen(n), v, strlen(v), 16384);
}

/* <out> as a NUL-terminated string (freed by the caller). */
static char *str(const struct h2b *out)
{
	char *s = malloc(h2b_len(out) + 1);

	memcpy(s, h2b_peek(out), h2b_len(out));
	s[h2b_len(out)] = 0;
	return s;
}

static void test_request_head(void **state)
{
	struct h2_req r;
	struct h2b out;
	char *s;

	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	assert_int_equal(add(&r, &out, ":method", "GET"), 0);
	assert_int_equal(add(&r, &out, ":scheme", "https"), 0);
	assert_int_equal(add(&r, &out, ":authority", "example.com"), 0);
	assert_int_equal(add(&r, &out, ":path", "/a?b=c"), 0);
	assert_int_equal(add(&r, &out, "cookie", "x=1"), 0);
	assert_int_equal(add(&r, &out, "user-agent", "t"), 0);
	assert_int_equal(add(&r, &out, "host", "other"), 0);   /* :authority wins */
	assert_int_equal(add(&r, &out, "cookie", "y=2"), 0);
	assert_int_equal(h2_req_build(&r, 1, &out), 0);
	s = str(&out);
	assert_string_equal(s, "GET https://example.com/a?b=c HTTP/1.1\r\nhost: example.com\r\nuser-agent: t\r\n"
	                       "cookie: x=1; y=2\r\n\r\n");
	assert_int_equal(r.meth, H1_METH_GET);
	free(s);
	h2b_free(&out);
	h2_req_free(&r);
}

static void test_request_body_framing(void **state)
{
	struct h2_req r;
	struct h2b out;
	char *s;

	/* no authority: origin form; a body without content-length goes chunked */
	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	assert_int_equal(add(&r, &out, ":method", "POST"), 0);
	assert_int_equal(add(&r, &out, ":scheme", "http"), 0);
	assert_int_equal(add(&r, &out, ":path", "/up"), 0);
	assert_int_equal(h2_req_build(&r, 0, &out), H2_REQ_CHUNKED);
	assert_int_equal(h2_req_data(&out, 1, "hello", 5), 0);
	assert_int_equal(h2_req_data(&out, 1, "", 0), 0);   /* an empty DATA frame is no last chunk */
	assert_int_equal(h2_req_add_trailer(&r, "grpc-x", 6, "1", 1, 100), 0);
	assert_int_equal(h2_req_end_chunked(&r, &out), 0);
	s = str(&out);
	assert_string_equal(s, "POST /up HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\ngrpc-x: 1\r\n\r\n");
	free(s);
	h2b_free(&out);
	h2_req_free(&r);

	/* content-length: the body as is; CONNECT: the authority is the target */
	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	assert_int_equal(add(&r, &out, ":method", "CONNECT"), 0);
	assert_int_equal(add(&r, &out, ":authority", "h:443"), 0);
	assert_int_equal(h2_req_build(&r, 0, &out), 0);
	s = str(&out);
	assert_string_equal(s, "CONNECT h:443 HTTP/1.1\r\nhost: h:443\r\n\r\n");
	assert_int_equal(r.meth, H1_METH_CONNECT);
	free(s);
	h2b_free(&out);
	h2_req_free(&r);
}

static void test_request_limits(void **state)
{
	struct h2_req r;
	struct h2b out;
	char big[300];

	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	memset(big, 'a', sizeof(big));
	assert_int_equal(h2_req_add(&r, &out, ":method", 7, "GET", 3, 256), 0);
	assert_int_equal(h2_req_add(&r, &out, ":path", 5, "/", 1, 256), 0);
	assert_int_equal(h2_req_add(&r, &out, "x", 1, big, sizeof(big), 256), -1);
	h2b_free(&out);
	h2_req_free(&r);
	/* no :method: no request line */
	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	assert_int_equal(add(&r, &out, ":path", "/"), 0);
	assert_int_equal(h2_req_build(&r, 1, &out), -1);
	h2b_free(&out);
	h2_req_free(&r);
}

/* Parses the response head <head> into <m> and builds its fields in <area>. */
static int head_nv(const char *head, size_t len, struct h1_msg *m, struct h1_hdr *hdrs, char *area, size_t size,
                   nghttp2_nv **nv)
{
	h1_msg_init(m, hdrs, 16);
	assert_int_equal(h1_parse_response(m, head, len, NULL), (int)len);
	return h2_res_nv(m, head, area, size, nv);
}

static void test_response_fields(void **state)
{
	static const char head[] = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\n"
	                           "Keep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n";
	static const char head2[] = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-abcdefgH: 1\r\n"
	                            "x-abcdefghijklmnoP: 2\r\nX-abcdefghijklmnop: 3\r\nx-abcdefghijklmnop-~|^`: 4\r\n\r\n";
	static const char *const names[] = { "content-length", "x-abcdefgh", "x-abcdefghijklmnop",
	                                     "x-abcdefghijklmnop", "x-abcdefghijklmnop-~|^`" };
	struct h1_hdr hdrs[16];
	struct h1_msg m;
	nghttp2_nv *nv;
	char area[2048];
	int nb;

	nb = head_nv(head, sizeof(head) - 1, &m, hdrs, area, sizeof(area), &nv);
	assert_int_equal(nb, 3);
	assert_memory_equal(nv[0].name, ":status", 7);
	assert_memory_equal(nv[0].value, "404", 3);
	assert_int_equal(nv[1].namelen, 12);
	assert_memory_equal(nv[1].name, "content-type", 12);
	assert_memory_equal(nv[1].value, "text/plain", 10);
	assert_memory_equal(nv[2].name, "x-a", 3);
	/* too small an area is refused, not overrun */
	assert_int_equal(h2_res_nv(&m, head, area, 40, &nv), -1);

	/* names are lower-cased wherever their upper case is (eight bytes at
	 * a time, then the tail); lower-case names and the values stay in the
	 * head
	 */
	nb = head_nv(head2, sizeof(head2) - 1, &m, hdrs, area, sizeof(area), &nv);
	assert_int_equal(nb, 6);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(nv[i + 1].namelen, strlen(names[i]));
		assert_memory_equal(nv[i + 1].name, names[i], strlen(names[i]));
		assert_int_equal(nv[i + 1].valuelen, 1);
	}
	assert_ptr_equal(nv[1].name, head2 + m.hdrs[0].n.off);
	assert_ptr_equal(nv[5].name, head2 + m.hdrs[4].n.off);
	assert_ptr_equal(nv[3].value, head2 + m.hdrs[2].v.off);
}

static void test_trailers(void **state)
{
	static const char trl[] = "Grpc-Status: 0\r\nGrpc-Message:  fine \r\nConnection: x\r\n\r\n";
	struct h2b b;
	nghttp2_nv *nv;
	int nb;

	memset(&b, 0, sizeof(b));
	assert_int_equal(h2b_put(&b, trl, sizeof(trl) - 1), 0);
	nb = h2_trailers_nv(&b, &nv);
	assert_int_equal(nb, 2);
	assert_memory_equal(nv[0].name, "grpc-status", 11);
	assert_memory_equal(nv[0].value, "0", 1);
	assert_int_equal(nv[1].valuelen, 4);
	assert_memory_equal(nv[1].value, "fine", 4);
	free(nv);
	h2b_free(&b);
}

static int chk(struct h2_req *r, const char *n, const char *v)
{
	return h2_req_check(r, n, strlen(n), v, strlen(v));
}

/* A fresh request checked with a valid head, then <n>: <v>. */
static int chk_one(const char *n, const char *v)
{
	struct h2_req r;

	memset(&r, 0, sizeof(r));
	h2_req_init(&r);
	if (chk(&r, ":method", "GET") || chk(&r, ":scheme", "http") || chk(&r, ":path", "/"))
		return -2;
	return chk(&r, n, v);
}

static void test_request_checks(void **state)
{
	struct h2_req r;
	struct h2b out;

	/* no :authority nor Host: accepted, as HAProxy */
	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	h2_req_init(&r);
	assert_int_equal(chk(&r, ":method", "GET"), 0);
	assert_int_equal(chk(&r, ":scheme", "https"), 0);
	assert_int_equal(chk(&r, ":path", "/url1"), 0);
	assert_int_equal(add(&r, &out, ":method", "GET"), 0);
	assert_int_equal(add(&r, &out, ":scheme", "https"), 0);
	assert_int_equal(add(&r, &out, ":path", "/url1"), 0);
	assert_int_equal(h2_req_check_end(&r), 0);
	assert_int_equal(h2_req_build(&r, 1, &out), 0);
	assert_int_equal(h2b_len(&out), strlen("GET /url1 HTTP/1.1\r\n\r\n"));
	assert_memory_equal(h2b_peek(&out), "GET /url1 HTTP/1.1\r\n\r\n", h2b_len(&out));
	h2b_free(&out);
	h2_req_free(&r);

	assert_int_equal(chk_one("x-a", "1"), 0);
	assert_int_equal(chk_one("te", "trailers"), 0);
	assert_int_equal(chk_one("content-length", "12"), 0);
	assert_int_equal(chk_one(":authority", "a:80"), 0);
	assert_int_equal(chk_one("te", "gzip"), -1);
	assert_int_equal(chk_one("connection", "close"), -1);
	assert_int_equal(chk_one("upgrade", "websocket"), -1);
	assert_int_equal(chk_one("X-Upper", "1"), -1);
	assert_int_equal(chk_one("x-a", "a\nb"), -1);
	assert_int_equal(chk_one("content-length", "1x"), -1);
	assert_int_equal(chk_one(":path", "/again"), -1);
	assert_int_equal(chk_one(":foo", "1"), -1);
	assert_int_equal(chk_one(":protocol", "web socket"), -1);

	/* RFC 8441 extended CONNECT: a GET with Upgrade, no body framing */
	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	h2_req_init(&r);
	{
		static const char *const f[][2] = { { ":method", "CONNECT" }, { ":scheme", "https" },
		                                    { ":authority", "h" }, { ":path", "/ws" },
		                                    { ":protocol", "websocket" } };
		const char *want = "GET https://h/ws HTTP/1.1\r\nhost: h\r\nupgrade: websocket\r\n"
		                   "connection: upgrade\r\n\r\n";

		for (size_t i = 0; i < 5; i++) {
			assert_int_equal(chk(&r, f[i][0], f[i][1]), 0);
			assert_int_equal(add(&r, &out, f[i][0], f[i][1]), 0);
		}
		assert_int_equal(h2_req_check_end(&r), 0);
		assert_int_equal(h2_req_build(&r, 0, &out), H2_REQ_UPGRADE);
		assert_int_equal(r.meth, H1_METH_GET);
		assert_int_equal(h2b_len(&out), strlen(want));
		assert_memory_equal(h2b_peek(&out), want, strlen(want));
	}
	h2b_free(&out);
	h2_req_free(&r);
	/* :protocol without CONNECT, or "h2c" */
	memset(&r, 0, sizeof(r));
	h2_req_init(&r);
	assert_int_equal(add(&r, &out, ":method", "CONNECT"), 0);
	assert_int_equal(add(&r, &out, ":protocol", "h2c"), 0);
	r.seen = H2_PH_METHOD | H2_PH_SCHEME | H2_PH_AUTHORITY | H2_PH_PATH | H2_PH_PROTOCOL;
	assert_int_equal(h2_req_check_end(&r), -1);
	h2b_free(&out);
	h2_req_free(&r);

	/* pseudo-headers after a regular field; content-length twice */
	memset(&r, 0, sizeof(r));
	h2_req_init(&r);
	assert_int_equal(chk(&r, ":method", "GET"), 0);
	assert_int_equal(chk(&r, "content-length", "3"), 0);
	assert_int_equal(chk(&r, "content-length", "3"), 0);
	assert_int_equal(r.cl, 3);
	assert_int_equal(chk(&r, "content-length", "4"), -1);
	assert_int_equal(chk(&r, ":path", "/"), -1);

	/* required pseudo-headers */
	memset(&r, 0, sizeof(r));
	h2_req_init(&r);
	assert_int_equal(chk(&r, ":path", "x"), -1);   /* neither "/..." nor "*" */
	r.seen = H2_PH_METHOD | H2_PH_PATH;
	assert_int_equal(h2_req_check_end(&r), -1);    /* no :method value kept, no :scheme */
	assert_int_equal(h2_trailer_check("grpc-status", 11, "0", 1), 0);
	assert_int_equal(h2_trailer_check(":path", 5, "/", 1), -1);
}

/* A request field's value is checked with h1_fval_span(), which must
 * accept exactly the bytes nghttp2_check_header_value() does.
 */
static void test_value_chars(void **state)
{
	char v[40];

	for (int c = 0; c < 256; c++) {
		uint8_t b = (uint8_t)c;

		assert_int_equal(nghttp2_check_header_value(&b, 1) != 0, h1_fval_span((const char *)&b, 1) == 1);
	}
	memset(v, 'a', sizeof(v));
	assert_int_equal(h1_fval_span(v, sizeof(v)), sizeof(v));
	v[20] = 0x7f;
	assert_int_equal(h1_fval_span(v, sizeof(v)), 20);
	v[20] = '\t';
	v[33] = '\n';
	assert_int_equal(h1_fval_span(v, sizeof(v)), 33);
	assert_int_equal(chk_one("x-a", "a\x01b"), -1);
	assert_int_equal(chk_one("x-a", "tab\there \x80\xff"), 0);
}

static void test_h2b(void **state)
{
	struct h2b b;
	char out[8];

	memset(&b, 0, sizeof(b));
	for (int i = 0; i < 1000; i++)
		assert_int_equal(h2b_put(&b, "abcd", 4), 0);
	assert_int_equal(h2b_len(&b), 4000);
	assert_int_equal(h2b_get(&b, out, 3), 3);
	assert_memory_equal(out, "abc", 3);
	h2b_del(&b, 3996);
	assert_int_equal(h2b_len(&b), 1);
	assert_int_equal(h2b_get(&b, out, 8), 1);
	assert_int_equal(out[0], 'd');
	assert_int_equal(h2b_len(&b), 0);
	h2b_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_head),
		cmocka_unit_test(test_request_body_framing),
		cmocka_unit_test(test_request_limits),
		cmocka_unit_test(test_response_fields),
		cmocka_unit_test(test_trailers),
		cmocka_unit_test(test_request_checks),
		cmocka_unit_test(test_value_chars),
		cmocka_unit_test(test_h2b),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
