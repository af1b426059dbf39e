/*
 * Unit tests for the JSON queries of json_query (src/net/json.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/json.h>

static enum json_tok q(const char *doc, const char *path, char *out, size_t size)
{
	const char *tok;
	size_t toklen;
	enum json_tok t = json_find(doc, strlen(doc), path, &tok, &toklen);

	if (t != JSON_NONE && out) {
		size_t n = toklen < size - 1 ? toklen : size - 1;

		memcpy(out, tok, n);
		out[n] = 0;
	}
	return t;
}

static void test_find(void **state)
{
	const char *doc = "{\"a\":{\"b\":[10,{\"c\":\"x\"}]},\"my.key\":true,\"n\":null,\"a\":2}";
	char v[64];

	(void)state;
	assert_int_equal(q(doc, "$.a.b[0]", v, sizeof(v)), JSON_NUMBER);
	assert_string_equal(v, "10");
	assert_int_equal(q(doc, "$.a.b[1].c", v, sizeof(v)), JSON_STRING);
	assert_string_equal(v, "\"x\"");
	assert_int_equal(q(doc, "$.a.b", v, sizeof(v)), JSON_ARRAY);
	assert_string_equal(v, "[10,{\"c\":\"x\"}]");
	assert_int_equal(q(doc, "$.my\\.key", NULL, 0), JSON_TRUE);
	assert_int_equal(q(doc, "$.n", NULL, 0), JSON_NULL);
	assert_int_equal(q(doc, "$.a", NULL, 0), JSON_OBJECT);      /* the first "a" wins */
	assert_int_equal(q(doc, "$.a.b[2]", NULL, 0), JSON_NONE);
	assert_int_equal(q(doc, "$.zz", NULL, 0), JSON_NONE);
	assert_int_equal(q(doc, "a", NULL, 0), JSON_NONE);          /* no '$' */
	/* malformed before the value: none; after it: not looked at */
	assert_int_equal(q("{\"x\":,\"a\":1}", "$.a", NULL, 0), JSON_NONE);
	assert_int_equal(q("{\"a\":1,garbage", "$.a", NULL, 0), JSON_NUMBER);
	assert_int_equal(q("{\"a\":[1,],\"b\":2,}", "$.b", NULL, 0), JSON_NUMBER);
	assert_int_equal(q("{\"a\":\"unterminated", "$.a", NULL, 0), JSON_NONE);
	assert_int_equal(q("{\"a\":1.}", "$.a", NULL, 0), JSON_NONE);
}

static void test_depth(void **state)
{
	char doc[256] = "", path[128] = "$";

	(void)state;
	for (int i = 0; i < 20; i++) {
		strcat(doc, "[");
		strcat(path, "[0]");
	}
	strcat(doc, "1");
	for (int i = 0; i < 20; i++)
		strcat(doc, "]");
	assert_int_equal(q(doc, path, NULL, 0), JSON_NUMBER);
	assert_int_equal(q(doc, "$", NULL, 0), JSON_ARRAY);
	memmove(doc + 1, doc, strlen(doc) + 1);
	doc[0] = '[';
	strcat(doc, "]");
	strcat(path, "[0]");
	assert_int_equal(q(doc, path, NULL, 0), JSON_NONE);
	assert_int_equal(q(doc, "$", NULL, 0), JSON_NONE);
}

static void test_values(void **state)
{
	char out[16];
	int64_t v;

	(void)state;
	assert_int_equal(json_unquote("\"a\\tb\\u0041\"", 12, out, sizeof(out)), 4);
	assert_memory_equal(out, "a\tbA", 4);
	assert_int_equal(json_unquote("\"\\u12ab\"", 8, out, sizeof(out)), -1);
	assert_int_equal(json_unquote("\"a\\/b\"", 6, out, sizeof(out)), -1);
	assert_int_equal(json_unquote("\"abcd\"", 6, out, 4), -1);
	assert_true(json_number("-1.5e3", 6) == -1500.0);
	assert_true(json_number("0.25", 4) == 0.25);
	assert_int_equal(json_int("010,", 4, &v), 1);
	assert_int_equal(v, 8);
	assert_int_equal(json_int("9007199254740991}", 17, &v), 1);
	assert_int_equal(json_int("9007199254740992}", 17, &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
