/*
 * Unit tests of the URI normalisers (src/http/uri_norm.c): HAProxy's
 * normalize-uri regression cases for every normaliser, strict failures,
 * outputs that do not fit, and inputs placed right before an unreadable
 * page.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/uri_norm.h>

/* Runs <op> on <in> and checks the result is <want> (NULL: an error <err>). */
static void check(enum uri_norm_op op, unsigned int flags, const char *in, const char *want, long err)
{
	char out[512];
	long n = uri_normalize(op, flags, in, strlen(in), out, sizeof(out));

	if (!want) {
		assert_int_equal(n, err);
		return;
	}
	assert_true(n >= 0);
	out[n] = '\0';
	assert_string_equal(out, want);
}

static void test_merge_slashes(void **state)
{
	check(URI_NORM_MERGE_SLASHES, 0, "/foo/bar", "/foo/bar", 0);
	check(URI_NORM_MERGE_SLASHES, 0, "/foo//bar", "/foo/bar", 0);
	check(URI_NORM_MERGE_SLASHES, 0, "///foo///bar///", "/foo/bar/", 0);
	check(URI_NORM_MERGE_SLASHES, 0, "///", "/", 0);
	check(URI_NORM_MERGE_SLASHES, 0, "//foo?bar=///", "/foo?bar=///", 0);
	check(URI_NORM_MERGE_SLASHES, 0, "*", "*", 0);
}

static void test_strip_dotdot(void **state)
{
	static const char *const cases[][3] = {
		{ "/foo/bar", "/foo/bar", "/foo/bar" },
		{ "/foo/..", "/", "/" },
		{ "/foo/../", "/", "/" },
		{ "/foo/bar/../", "/foo/", "/foo/" },
		{ "/foo/../bar", "/bar", "/bar" },
		{ "/foo/../../bar/", "/../bar/", "/bar/" },
		{ "/foo//../../bar/", "/bar/", "/bar/" },
		{ "/foo/?bar=/foo/../", "/foo/?bar=/foo/../", "/foo/?bar=/foo/../" },
		{ "/foo/../?bar=/foo/../", "/?bar=/foo/../", "/?bar=/foo/../" },
		{ "/a/b/..", "/a/", "/a/" },
		{ "*", "*", "*" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check(URI_NORM_STRIP_DOTDOT, 0, cases[i][0], cases[i][1], 0);
		check(URI_NORM_STRIP_DOTDOT, URI_NORM_F_FULL, cases[i][0], cases[i][2], 0);
	}
}

static void test_strip_dot(void **state)
{
	static const char *const cases[][2] = {
		{ "/", "/" }, { "/a/b", "/a/b" }, { "/.", "/" }, { "/./", "/" }, { "/a/.", "/a/" },
		{ "/a.", "/a." }, { "/.a", "/.a" }, { "/a/./", "/a/" }, { "/a/./a", "/a/a" },
		{ "/a/../", "/a/../" }, { "/?a=/./", "/?a=/./" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(URI_NORM_STRIP_DOT, 0, cases[i][0], cases[i][1], 0);
}

static void test_sort_query(void **state)
{
	static const char *const cases[][2] = {
		{ "/?a=a", "/?a=a" }, { "/?z=z&a=a", "/?a=a&z=z" }, { "/?z=a&a=z", "/?a=z&z=a" },
		{ "/?c&b&a&z&x&y", "/?a&b&c&x&y&z" }, { "/?aaaa=&a=&aa=&aaa=", "/?a=&aa=&aaa=&aaaa=" },
		{ "/?a=5&a=3&a=1&a=2&a=4", "/?a=5&a=3&a=1&a=2&a=4" },
		{ "/?a=5&b=3&a=1&a=2&b=4", "/?a=5&a=1&a=2&b=3&b=4" }, { "/", "/" }, { "/?", "/?" },
	};
	char big[4 * URI_NORM_MAX_PARAMS + 8] = "/?", out[sizeof(big)];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(URI_NORM_SORT_QUERY, 0, cases[i][0], cases[i][1], 0);
	for (size_t i = 0; i <= URI_NORM_MAX_PARAMS; i++)
		strcat(big, i ? "&a" : "a");
	assert_int_equal(uri_normalize(URI_NORM_SORT_QUERY, 0, big, strlen(big), out, sizeof(out)), -ENOSPC);
}

static void test_percent(void **state)
{
	check(URI_NORM_PCT_UPPER, 0, "/%aa?a=%aa", "/%AA?a=%AA", 0);
	check(URI_NORM_PCT_UPPER, 0, "/%zz?a=%zz", "/%zz?a=%zz", 0);
	check(URI_NORM_PCT_UPPER, URI_NORM_F_STRICT, "/%zz?a=%zz", NULL, -EINVAL);
	check(URI_NORM_PCT_UPPER, URI_NORM_F_STRICT, "/%a", NULL, -EINVAL);
	check(URI_NORM_PCT_DECODE, 0, "/%61?%61=%61", "/a?a=a", 0);
	check(URI_NORM_PCT_DECODE, 0, "/%3F?foo=bar", "/%3F?foo=bar", 0);
	check(URI_NORM_PCT_DECODE, 0, "/%%36%36", "/%66", 0);
	check(URI_NORM_PCT_DECODE, URI_NORM_F_STRICT, "/%%36%36", NULL, -EINVAL);
}

static void test_fragment(void **state)
{
	check(URI_NORM_FRAG_STRIP, 0, "/#foo", "/", 0);
	check(URI_NORM_FRAG_STRIP, 0, "/%23foo", "/%23foo", 0);
	check(URI_NORM_FRAG_ENCODE, 0, "/#foo/#foo", "/%23foo/%23foo", 0);
	check(URI_NORM_FRAG_ENCODE, 0, "*", "*", 0);
}

static void test_no_room_and_page_end(void **state)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static const char *const ins[] = { "/a//b/../%6", "/x?b&a&", "/%", "/#", "/./.." };
	char out[64];

	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
	for (size_t k = 0; k < sizeof(ins) / sizeof(ins[0]); k++) {
		size_t len = strlen(ins[k]);
		char *in = m + pg - len;

		memcpy(in, ins[k], len);
		for (int op = URI_NORM_MERGE_SLASHES; op <= URI_NORM_FRAG_ENCODE; op++) {
			long n = uri_normalize((enum uri_norm_op)op, URI_NORM_F_FULL, in, len, out, sizeof(out));

			assert_true(n >= 0 && (size_t)n <= sizeof(out));
			assert_int_equal(uri_normalize((enum uri_norm_op)op, 0, in, len, out, 1) < 0 ||
			                 uri_normalize((enum uri_norm_op)op, 0, in, len, out, 1) <= 1, 1);
		}
	}
	assert_int_equal(uri_normalize(URI_NORM_FRAG_ENCODE, 0, "/##", 3, out, 4), -ENOSPC);
	{
		char segs[2 * URI_NORM_MAX_SEGS + 3], res[sizeof(segs)];

		for (size_t i = 0; i <= URI_NORM_MAX_SEGS; i++)
			memcpy(segs + 2 * i, "/.", 2);
		assert_int_equal(uri_normalize(URI_NORM_STRIP_DOT, 0, segs, 2 * URI_NORM_MAX_SEGS + 2, res, sizeof(res)),
		                 -ENOSPC);
		assert_int_equal(uri_normalize(URI_NORM_STRIP_DOT, 0, segs, 2 * URI_NORM_MAX_SEGS, res, sizeof(res)), 1);
	}
	munmap(m, (size_t)pg * 2);
}

static void test_lookup(void **state)
{
	enum uri_norm_op op;
	unsigned int opts;

	assert_int_equal(uri_norm_lookup("path-strip-dotdot", &op, &opts), 0);
	assert_int_equal(op, URI_NORM_STRIP_DOTDOT);
	assert_int_equal(opts, URI_NORM_F_FULL);
	assert_int_equal(uri_norm_lookup("percent-to-uppercase", &op, &opts), 0);
	assert_int_equal(opts, URI_NORM_F_STRICT);
	assert_int_equal(uri_norm_lookup("nope", &op, &opts), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_slashes),
		cmocka_unit_test(test_strip_dotdot),
		cmocka_unit_test(test_strip_dot),
		cmocka_unit_test(test_sort_query),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_fragment),
		cmocka_unit_test(test_no_room_and_page_end),
		cmocka_unit_test(test_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
