/*
 * Unit tests of the proxy's own replies (src/proxy/http_reply.c): every
 * built-in page parses as a valid response whose content-length is its
 * body, HAProxy's exact wording, errorfile loading (good, LF-only, empty,
 * missing, garbage, content-length mismatch, too large), per-proxy
 * errorfiles, constant replies and redirects byte for byte.
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

#include <tollgate/global.h>
#include <tollgate/h1.h>
#include <tollgate/http_reply.h>
#include <tollgate/proxy-t.h>

/* From http_reply.c (see the report: to move into http_reply.h). */

static const int builtin_codes[] = {
	200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 414, 421, 425, 429, 431,
	500, 501, 502, 503, 504, 505,
};

/* Parses <r> as a response; checks status and that the body is exactly
 * content-length bytes. Returns the head length.
 */
static int check_response(const struct http_reply *r, int status)
{
	struct h1_hdr hdrs[32];
	struct h1_msg msg;
	int ret;

	h1_msg_init(&msg, hdrs, 32);
	ret = h1_parse_response(&msg, r->data, r->len, NULL);
	assert_true(ret > 0);
	assert_int_equal(msg.status, status);
	assert_true(msg.flags & H1_MF_CL);
	assert_int_equal(msg.content_length, r->len - (size_t)ret);
	return ret;
}

static void test_builtin_pages(void **state)
{
	for (size_t i = 0; i < sizeof(builtin_codes) / sizeof(builtin_codes[0]); i++) {
		const struct http_reply *r = http_error_reply(NULL, builtin_codes[i]);
		char h1[32];

		assert_non_null(r);
		assert_int_equal(r->status, builtin_codes[i]);
		check_response(r, builtin_codes[i]);
		snprintf(h1, sizeof(h1), "<h1>%d ", builtin_codes[i]);
		assert_non_null(strstr(r->data, h1));
		assert_non_null(strstr(r->data, "\r\ncache-control: no-cache\r\n"));
		assert_non_null(strstr(r->data, "\r\ncontent-type: text/html\r\n"));
		/* as HAProxy's: the stream says the close when it closes */
		assert_null(strstr(r->data, "\r\nconnection:"));
	}
}

static void test_exact_wording(void **state)
{
	const char *exp429 =
		"HTTP/1.1 429 Too Many Requests\r\n"
		"content-length: 117\r\n"
		"cache-control: no-cache\r\n"
		"content-type: text/html\r\n"
		"\r\n"
		"<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n";
	const struct http_reply *r = http_error_reply(NULL, 429);

	assert_int_equal(r->len, strlen(exp429));
	assert_memory_equal(r->data, exp429, r->len);
	r = http_error_reply(NULL, 403);
	assert_non_null(strstr(r->data, "content-length: 93\r\n"));
	assert_non_null(strstr(r->data, "<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n"));
	r = http_error_reply(NULL, 503);
	assert_non_null(strstr(r->data, "HTTP/1.1 503 Service Unavailable\r\n"));
	assert_non_null(strstr(r->data, "\nNo server is available to handle this request.\n"));
	r = http_error_reply(NULL, 408);
	assert_non_null(strstr(r->data, "HTTP/1.1 408 Request Time-out\r\n"));
}

static void test_unknown_status_gives_500(void **state)
{
	assert_int_equal(http_error_reply(NULL, 418)->status, 500);
	assert_int_equal(http_error_reply(NULL, 0)->status, 500);
	assert_int_equal(http_error_reply(NULL, 999)->status, 500);
}

static void test_proxy_errorfile(void **state)
{
	static struct proxy px;
	struct http_reply custom = { .status = 503, .data = "HTTP/1.1 503 X\r\ncontent-length: 0\r\n\r\n", .len = 37 };
	struct http_reply custom500 = { .status = 500, .data = "HTTP/1.1 500 Y\r\ncontent-length: 0\r\n\r\n", .len = 37 };
	int idx = http_errorfile_index(503);

	assert_true(idx >= 0 && idx < 16);
	assert_int_equal(http_errorfile_index(418), -1);
	assert_true(http_errorfile_index(200) >= 0);
	px.errorfiles[idx] = &custom;
	assert_ptr_equal(http_error_reply(&px, 503), &custom);
	assert_int_equal(http_error_reply(&px, 502)->status, 502);   /* built-in */
	/* a status without a page falls back to the proxy's 500 */
	px.errorfiles[http_errorfile_index(500)] = &custom500;
	assert_ptr_equal(http_error_reply(&px, 418), &custom500);
}

static void test_reply_make(void **state)
{
	const char *exp = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-a: b\r\ncontent-length: 5\r\n\r\nhello";
	struct http_reply *r = http_reply_make(200, "text/plain", "hello", 5, "x-a: b\r\n");

	assert_non_null(r);
	assert_int_equal(r->len, strlen(exp));
	assert_memory_equal(r->data, exp, r->len);
	check_response(r, 200);
	r = http_reply_make(204, NULL, "", 0, NULL);
	assert_non_null(r);
	assert_string_equal(r->data, "HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n");
	assert_int_equal(r->status, 204);
}

static void test_redirect(void **state)
{
	char out[256];
	size_t n;

	n = http_reply_redirect(out, sizeof(out), 302, "/login?x=1", 10, 0);
	out[n] = '\0';
	assert_string_equal(out, "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /login?x=1\r\n"
	                         "cache-control: no-cache\r\n\r\n");
	n = http_reply_redirect(out, sizeof(out), 301, "https://a/", 10, 1);
	out[n] = '\0';
	assert_string_equal(out, "HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: https://a/\r\n"
	                         "connection: close\r\n\r\n");
	n = http_reply_redirect(out, sizeof(out), 308, "/x", 2, 0);
	out[n] = '\0';
	assert_non_null(strstr(out, "HTTP/1.1 308 Permanent Redirect\r\n"));
	/* too small: 0, nothing promised */
	assert_int_equal(http_reply_redirect(out, 20, 302, "/x", 2, 0), 0);
}

static char tmpdir[64];

static const char *write_file(const char *name, const char *content, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	fclose(f);
	return path;
}

static void test_errorfile_good(void **state)
{
	const char *body = "HTTP/1.1 503 Sorry\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\ndown";
	const char *p = write_file("good.http", body, strlen(body));
	struct http_reply *r;
	char *err = NULL;

	r = http_reply_load_errorfile(p, &err);
	assert_non_null(r);
	assert_null(err);
	assert_int_equal(r->status, 503);
	assert_int_equal(r->len, strlen(body));
	assert_memory_equal(r->data, body, r->len);
}

static void test_errorfile_lf_only(void **state)
{
	const char *body = "HTTP/1.0 503 Service Unavailable\nCache-Control: no-cache\nContent-Type: text/html\n\n<h1>down</h1>\n";
	const char *exp = "HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nContent-Type: text/html\r\n\r\n<h1>down</h1>\n";
	const char *p = write_file("lf.http", body, strlen(body));
	char *err = NULL;
	struct http_reply *r = http_reply_load_errorfile(p, &err);

	assert_non_null(r);
	assert_int_equal(r->len, strlen(exp));
	assert_memory_equal(r->data, exp, r->len);
}

static void test_errorfile_empty(void **state)
{
	const char *p = write_file("empty.http", "", 0);
	char *err = NULL;
	struct http_reply *r = http_reply_load_errorfile(p, &err);

	assert_non_null(r);
	assert_int_equal(r->len, 0);
	r = http_reply_load_errorfile("/dev/null", &err);
	assert_non_null(r);
	assert_int_equal(r->len, 0);
}

static void expect_fail(const char *path, const char *needle)
{
	char *err = NULL;

	assert_null(http_reply_load_errorfile(path, &err));
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("message '%s' lacks '%s'", err, needle);
	assert_non_null(strstr(err, path));
	free(err);
}

static void test_errorfile_errors(void **state)
{
	char big[20000];
	char path[128];

	snprintf(path, sizeof(path), "%s/missing.http", tmpdir);
	expect_fail(path, "No such file or directory");
	expect_fail(write_file("garbage.http", "hello world\r\n\r\n", 15), "not a valid HTTP response");
	expect_fail(write_file("nohead.http", "HTTP/1.1 200 OK\r\nx: y\r\n", 23), "complete HTTP response head");
	expect_fail(write_file("cl.http", "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc", 42), "content-length 10 does not match its body of 3 bytes");
	memset(big, 'a', sizeof(big));
	memcpy(big, "HTTP/1.1 200 OK\r\n\r\n", 19);
	expect_fail(write_file("big.http", big, sizeof(big)), "larger than tune.bufsize");
	expect_fail(tmpdir, "not a regular file");
}

static int setup(void **state)
{
	global_init_defaults();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tg_reply_XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_pages),
		cmocka_unit_test(test_exact_wording),
		cmocka_unit_test(test_unknown_status_gives_500),
		cmocka_unit_test(test_proxy_errorfile),
		cmocka_unit_test(test_reply_make),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_errorfile_good),
		cmocka_unit_test(test_errorfile_lf_only),
		cmocka_unit_test(test_errorfile_empty),
		cmocka_unit_test(test_errorfile_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
