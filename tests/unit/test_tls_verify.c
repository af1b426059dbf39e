/*
 * The error lists of `ca-ignore-err` / `crt-ignore-err`
 * (tls_parse_ignore_err(), tls.h): "all", codes, names, and the errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/tls.h>

static void test_all_and_codes(void **state)
{
	char err[256];
	uint64_t m = 0;

	assert_int_equal(tls_parse_ignore_err("all", &m, err, sizeof(err)), 0);
	assert_true(m == ~0ULL);
	m = 0;
	assert_int_equal(tls_parse_ignore_err("10,20,63", &m, err, sizeof(err)), 0);
	assert_true(m == ((1ULL << 10) | (1ULL << 20) | (1ULL << 63)));
	/* lists add to what is there */
	assert_int_equal(tls_parse_ignore_err("1", &m, err, sizeof(err)), 0);
	assert_true(m & (1ULL << 1));
}

static void test_names(void **state)
{
	char err[256];
	uint64_t m = 0;

	assert_int_equal(tls_parse_ignore_err("X509_V_ERR_CERT_HAS_EXPIRED,DEPTH_ZERO_SELF_SIGNED_CERT", &m, err,
	                                      sizeof(err)), 0);
	assert_true(m == ((1ULL << 10) | (1ULL << 18)));
	m = 0;
	assert_int_equal(tls_parse_ignore_err("x509_v_err_cert_revoked", &m, err, sizeof(err)), 0);
	assert_true(m == (1ULL << 23));
}

static void test_errors(void **state)
{
	static const struct { const char *in, *msg; } bad[] = {
		{ "", "missing error IDs list" },
		{ "0", "ID '0' out of range (1..63) in error IDs list '0'" },
		{ "64", "ID '64' out of range (1..63)" },
		{ "99999999999999999999", "out of range (1..63)" },
		{ "10,", "unknown error ''" },
		{ "10,,11", "unknown error ''" },
		{ "10x", "unknown error '10x'" },
		{ "X509_V_ERR_", "unknown error 'X509_V_ERR_'" },
		{ "CERT_HAS_EXPIRED_", "unknown error 'CERT_HAS_EXPIRED_'" },
		{ "all,10", "unknown error 'all'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";
		uint64_t m = 0;

		assert_int_equal(tls_parse_ignore_err(bad[i].in, &m, err, sizeof(err)), -1);
		assert_non_null(strstr(err, bad[i].msg));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_and_codes),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("tls_verify", tests, NULL, NULL);
}
