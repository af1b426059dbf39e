/*
 * Unit tests for JSON Web Token parsing (src/net/jwt.c) and base64url
 * decoding (src/core/base64.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/base64.h>
#include <tollgate/jwt.h>

static void test_split(void **state)
{
	struct jwt_part p[JWT_PARTS];
	const char *t = "aa.b.ccc";

	assert_int_equal(jwt_split(t, strlen(t), p, 3), 3);
	assert_ptr_equal(p[1].ptr, t + 3);
	assert_int_equal(p[0].len, 2);
	assert_int_equal(p[1].len, 1);
	assert_int_equal(p[2].len, 3);
	assert_int_equal(jwt_split("a.b.c.d", 7, p, 3), -1);
	assert_int_equal(jwt_split("a.b", 3, p, 3), 2);
	assert_int_equal(jwt_split("a.b.", 4, p, 3), 3);
	assert_int_equal(p[2].len, 0);
	assert_int_equal(jwt_split("", 0, p, 3), 1);
	assert_int_equal(p[0].len, 0);
	assert_int_equal(jwt_split("a.b", 3, p, 1), -1);   /* more than asked for */
	assert_int_equal(p[0].len, 1);
}

static void test_b64url(void **state)
{
	char out[16];

	assert_int_equal(base64url_decode("YWJj", 4, out, sizeof(out)), 3);
	assert_memory_equal(out, "abc", 3);
	assert_int_equal(base64url_decode("YWI", 3, out, sizeof(out)), 2);
	assert_int_equal(base64url_decode("YQ", 2, out, sizeof(out)), 1);
	assert_int_equal(base64url_decode("-_8", 3, out, sizeof(out)), 2);
	assert_int_equal((unsigned char)out[0], 0xfb);
	assert_int_equal((unsigned char)out[1], 0xff);
	assert_int_equal(base64url_decode("YWJjZ", 5, out, sizeof(out)), -1);   /* 1 mod 4 */
	assert_int_equal(base64url_decode("YQ==", 4, out, sizeof(out)), -1);    /* padding */
	assert_int_equal(base64url_decode("+/8", 3, out, sizeof(out)), -1);     /* standard alphabet */
	assert_int_equal(base64url_decode("YWJj", 4, out, 2), -1);              /* room */
	assert_int_equal(base64url_decode("", 0, out, 0), 0);
}

static void test_alg(void **state)
{
	assert_int_equal(jwt_parse_alg("HS256", 5), JWT_ALG_HS256);
	assert_int_equal(jwt_parse_alg("ES512", 5), JWT_ALG_ES512);
	assert_int_equal(jwt_parse_alg("PS384", 5), JWT_ALG_PS384);
	assert_int_equal(jwt_parse_alg("none", 4), JWT_ALG_NONE);
	assert_int_equal(jwt_parse_alg("hs256", 5), JWT_ALG_UNKNOWN);
	assert_int_equal(jwt_parse_alg("HS2567", 6), JWT_ALG_UNKNOWN);
	assert_int_equal(jwt_parse_alg("HS25", 4), JWT_ALG_UNKNOWN);
	assert_int_equal(jwt_parse_alg("", 0), JWT_ALG_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_alg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
