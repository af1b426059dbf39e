/*
 * Unit tests of the HTTP status code sets (src/http/http_codes.c):
 * HAProxy's defaults, replacing, extending and reducing ranges, and
 * malformed arguments leaving the set untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/http_codes.h>

static void test_defaults(void **state)
{
	http_codes_init_defaults();
	assert_false(http_codes_has(&http_err_codes, 399));
	assert_true(http_codes_has(&http_err_codes, 400));
	assert_true(http_codes_has(&http_err_codes, 499));
	assert_false(http_codes_has(&http_err_codes, 500));
	assert_true(http_codes_has(&http_fail_codes, 500));
	assert_false(http_codes_has(&http_fail_codes, 501));
	assert_true(http_codes_has(&http_fail_codes, 502));
	assert_false(http_codes_has(&http_fail_codes, 505));
	assert_true(http_codes_has(&http_fail_codes, 599));
	assert_false(http_codes_has(&http_fail_codes, 600));
	assert_false(http_codes_has(&http_fail_codes, 99));
}

static void test_replace_add_remove(void **state)
{
	struct http_code_set set;
	char err[200];

	memset(&set, 0, sizeof(set));
	assert_int_equal(http_codes_parse(&set, "400-499", err, sizeof(err)), 0);
	assert_int_equal(http_codes_parse(&set, "-450", err, sizeof(err)), 0);
	assert_int_equal(http_codes_parse(&set, "+500,100-101", err, sizeof(err)), 0);
	assert_true(http_codes_has(&set, 100) && http_codes_has(&set, 101));
	assert_false(http_codes_has(&set, 102));
	assert_true(http_codes_has(&set, 449) && http_codes_has(&set, 451));
	assert_false(http_codes_has(&set, 450));
	assert_true(http_codes_has(&set, 500));
	/* without a sign the set becomes exactly the ranges */
	assert_int_equal(http_codes_parse(&set, "220", err, sizeof(err)), 0);
	for (int c = HTTP_CODES_MIN; c <= HTTP_CODES_MAX; c++)
		assert_int_equal(http_codes_has(&set, c), c == 220);
}

static void test_malformed_leaves_set(void **state)
{
	static const char *const bad[] = {
		"", "+", "99", "600", "400-399", "400-", "400,", "4x0", "400-499x", "+-400", "400 500",
	};
	struct http_code_set set, before;
	char err[200];

	memset(&set, 0, sizeof(set));
	assert_int_equal(http_codes_parse(&set, "300-310", err, sizeof(err)), 0);
	before = set;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(http_codes_parse(&set, bad[i], err, sizeof(err)), -1);
		assert_non_null(strstr(err, "invalid status code range"));
		assert_memory_equal(&set, &before, sizeof(set));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_replace_add_remove),
		cmocka_unit_test(test_malformed_leaves_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
