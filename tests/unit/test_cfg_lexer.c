/*
 * Unit tests of the configuration lexer (src/cfg/lexer.c): HAProxy's
 * quoting, escaping, comments and environment variables, errors with their
 * column, limits, and reads that never pass the given length.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/cfg.h>

static char buf[8192];
static char *words[CFG_MAX_WORDS + 1];
static int cols[CFG_MAX_WORDS + 1];
static struct cfg_lex_out out;

/* Lexes the NUL-terminated <line> with <env>; returns the word count or error. */
static int lex_env(const char *line, const struct cfg_lex_env *env)
{
	memset(&out, 0, sizeof(out));
	out.buf = buf;
	out.bufsz = sizeof(buf);
	out.words = words;
	out.cols = cols;
	out.maxwords = CFG_MAX_WORDS;
	return cfg_lex_line(line, strlen(line), env, &out);
}

static int lex(const char *line)
{
	return lex_env(line, NULL);
}

/* Checks that <line> gives exactly the <n> words that follow. */
static void expect_words(const char *line, int n, ...)
{
	va_list ap;
	int got = lex(line);

	if (got != n)
		fail_msg("line <%s>: %d words (err '%s'), expected %d", line, got, out.err, n);
	va_start(ap, n);
	for (int k = 0; k < n; k++)
		assert_string_equal(words[k], va_arg(ap, const char *));
	va_end(ap);
	assert_null(words[n]);
}

/* Checks that <line> fails with <ret> at column <col> with a message containing <msg>. */
static void expect_error(const char *line, int ret, int col, const char *msg)
{
	int got = lex(line);

	if (got != ret)
		fail_msg("line <%s>: returned %d, expected %d", line, got, ret);
	assert_int_equal(out.errcol, col);
	if (!strstr(out.err, msg))
		fail_msg("line <%s>: message '%s' lacks '%s'", line, out.err, msg);
}

static void test_blanks(void **state)
{
	expect_words("", 0);
	expect_words("   \t  ", 0);
	expect_words("global", 1, "global");
	expect_words("  bind\t:80   ssl  ", 3, "bind", ":80", "ssl");
	expect_words("a\vb\fc", 3, "a", "b", "c");
}

static void test_columns(void **state)
{
	assert_int_equal(lex("  ab \"c d\"  e"), 3);
	assert_int_equal(cols[0], 3);
	assert_int_equal(cols[1], 6);
	assert_int_equal(cols[2], 13);
}

static void test_comments(void **state)
{
	expect_words("# a comment", 0);
	expect_words("   # indented comment", 0);
	expect_words("maxconn 10 # trailing", 2, "maxconn", "10");
	expect_words("global#this is the global section", 1, "global");
	expect_words("a\\#b", 1, "a#b");
	expect_words("\"a#b\" 'c#d'", 2, "a#b", "c#d");
}

static void test_end_of_line(void **state)
{
	expect_words("a b\r\n", 2, "a", "b");
	expect_words("a b\nc d", 2, "a", "b");
}

static void test_double_quotes(void **state)
{
	expect_words("log-format \"%{+Q}o %t %s %{-Q}r\"", 2, "log-format", "%{+Q}o %t %s %{-Q}r");
	expect_words("a\"b c\"d", 1, "ab cd");
	expect_words("\"it's\"", 1, "it's");
	expect_words("\"\"", 1, "");
	expect_words("x \"\" y", 3, "x", "", "y");
	expect_words("\"a\\\"b\"", 1, "a\"b");
	expect_words("\"a\\\\b\"", 1, "a\\b");
	expect_words("\"\\$HOME\"", 1, "$HOME");
	expect_words("\"\\x41\\t\"", 1, "A\t");
	expect_words("\"\\1\"", 1, "\\1");
}

static void test_single_quotes(void **state)
{
	expect_words("'a b'", 1, "a b");
	expect_words("'$HOME \\n \\x41 \"'", 1, "$HOME \\n \\x41 \"");
	expect_words("''", 1, "");
	expect_words("'a'\"b\"c", 1, "abc");
	/* the manual's equivalent forms */
	expect_words("log-format %{+Q}o\\ %t\\ %s\\ %{-Q}r", 2, "log-format", "%{+Q}o %t %s %{-Q}r");
	expect_words("log-format '%{+Q}o %t %s %{-Q}r'", 2, "log-format", "%{+Q}o %t %s %{-Q}r");
	expect_words("log-format \"%{+Q}o %t\"' %s %{-Q}r'", 2, "log-format", "%{+Q}o %t %s %{-Q}r");
	expect_words("log-format \"%{+Q}o %t\"' %s'\\ %{-Q}r", 2, "log-format", "%{+Q}o %t %s %{-Q}r");
}

static void test_escapes(void **state)
{
	expect_words("a\\ b", 1, "a b");
	expect_words("a\\\\b", 1, "a\\b");
	expect_words("\\\"x\\\"", 1, "\"x\"");
	expect_words("\\'x\\'", 1, "'x'");
	expect_words("\\t\\n\\r", 1, "\t\n\r");
	expect_words("\\x41\\x7a\\x7A", 1, "Azz");
	expect_words("\\x20", 1, " ");
	expect_words("\\1", 1, "\\1");
	expect_words("\\$HOME", 1, "\\$HOME");    /* '$' is not special outside double quotes */
	expect_words("end\\", 1, "end\\");
	expect_words("reqrep ^([^\\ :]*)\\ /static/(.*) \\1\\ /\\2", 3,
		     "reqrep", "^([^ :]*) /static/(.*)", "\\1 /\\2");
}

static void test_escape_errors(void **state)
{
	expect_error("a \\x4", -EINVAL, 3, "hexadecimal");
	expect_error("a \\xZZ", -EINVAL, 3, "hexadecimal");
	expect_error("\"\\x4g\"", -EINVAL, 2, "hexadecimal");
	expect_error("a\\x00b", -EINVAL, 2, "NUL");
}

static void test_env(void **state)
{
	setenv("TG_A", "hello", 1);
	setenv("TG_EMPTY", "", 1);
	setenv("TG_LIST", "  one two\tthree ", 1);
	unsetenv("TG_UNSET");

	expect_words("\"${TG_A}\"", 1, "hello");
	expect_words("\"$TG_A\"", 1, "hello");
	expect_words("\"x${TG_A}y\"", 1, "xhelloy");
	expect_words("\"$TG_A.z\"", 1, "hello.z");
	expect_words("\"$TG_A-z\"", 1, "hello-z");
	expect_words("pre\"$TG_A\"post", 1, "prehellopost");
	/* not expanded outside double quotes */
	expect_words("$TG_A '${TG_A}'", 2, "$TG_A", "${TG_A}");
	/* defaults replace unset variables only */
	expect_words("\"${TG_UNSET-127.0.0.1}:514\"", 1, "127.0.0.1:514");
	expect_words("\"${TG_A-def}\"", 1, "hello");
	expect_words("\"${TG_EMPTY-def}\"", 1, "");
	expect_words("\"${TG_UNSET-a b}\"", 1, "a b");
	expect_words("\"${TG_UNSET-}\"", 1, "");
	/* an unset variable still makes a word, empty */
	expect_words("user \"$TG_UNSET\" x", 3, "user", "", "x");
	/* [*] splits a value into words */
	expect_words("bind \"${TG_LIST[*]}\"", 4, "bind", "one", "two", "three");
	expect_words("x\"${TG_LIST[*]}\"y", 5, "x", "one", "two", "three", "y");
	expect_words("\"<${TG_A[*]}>\"", 1, "<hello>");
	expect_words("a \"${TG_UNSET[*]}\" b", 2, "a", "b");
	expect_words("a \"${TG_EMPTY[*]}\" b", 2, "a", "b");
	expect_words("a \"${TG_UNSET[*]-x y}\" b", 4, "a", "x", "y", "b");
	/* without braces, [*] is plain text */
	expect_words("\"$TG_A[*]\"", 1, "hello[*]");
}

static void test_env_errors(void **state)
{
	expect_error("\"$1\"", -EINVAL, 3, "forbidden first char");
	expect_error("\"cost $ 5\"", -EINVAL, 8, "forbidden first char");
	expect_error("\"$\"", -EINVAL, 3, "forbidden first char");
	expect_error("x \"${TG_A\"", -EINVAL, 5, "unmatched brace");
	expect_error("x \"${TG_A-def\"", -EINVAL, 5, "unmatched brace");
	expect_error("\"${TG_A[x]}\"", -EINVAL, 8, "word expansion");
	expect_error("\"${TG_A[*\"", -EINVAL, 8, "word expansion");
	expect_error("\"${.NOPE}\"", -EINVAL, 4, "pseudo-variable");
}

static void test_pseudo_vars(void **state)
{
	struct cfg_lex_env env = { .file = "/etc/haproxy/haproxy.cfg", .line = 12, .section = "fe1" };

	assert_int_equal(lex_env("x \"${.FILE}:${.LINE}\" \"$.SECTION\"", &env), 3);
	assert_string_equal(words[1], "/etc/haproxy/haproxy.cfg:12");
	assert_string_equal(words[2], "fe1");
	assert_int_equal(lex_env("\"${.LINE}${.SECTION}\"", NULL), 1);
	assert_string_equal(words[0], "0");
}

static void test_quote_errors(void **state)
{
	expect_error("\"abc", -EINVAL, 1, "unmatched double quote at position 1");
	expect_error("bind 'abc", -EINVAL, 6, "unmatched single quote at position 6");
	expect_error("a \"b\rc\"", -EINVAL, 3, "unmatched double quote");
	expect_error("a \"b # c", -EINVAL, 3, "unmatched double quote");
	expect_error("'it''s", -EINVAL, 5, "unmatched single quote");
}

static void test_nul(void **state)
{
	static const char line[] = "a\0b";

	memset(&out, 0, sizeof(out));
	out.buf = buf;
	out.bufsz = sizeof(buf);
	out.words = words;
	out.maxwords = CFG_MAX_WORDS;
	assert_int_equal(cfg_lex_line(line, 3, NULL, &out), -EINVAL);
	assert_int_equal(out.errcol, 2);
	/* the length is what counts, not a NUL: "ab" of "abc" */
	assert_int_equal(cfg_lex_line("abc", 2, NULL, &out), 1);
	assert_string_equal(words[0], "ab");
}

static void test_max_words(void **state)
{
	char line[CFG_MAX_WORDS * 3 + 8];
	size_t o = 0;

	for (int k = 0; k < CFG_MAX_WORDS; k++)
		o += (size_t)sprintf(line + o, "w%c ", 'a' + k % 26);
	assert_int_equal(lex(line), CFG_MAX_WORDS);
	strcpy(line + o, "zz");
	expect_error(line, -E2BIG, (int)o + 1, "too many words, max is 64");

	setenv("TG_MANY", "a b c d e f g h", 1);
	memset(&out, 0, sizeof(out));
	out.buf = buf;
	out.bufsz = sizeof(buf);
	out.words = words;
	out.maxwords = 4;
	assert_int_equal(cfg_lex_line("x \"${TG_MANY[*]}\"", 17, NULL, &out), -E2BIG);
	assert_int_equal(out.errcol, 4);
}

static void test_small_buffer(void **state)
{
	char small[6];

	for (size_t sz = 0; sz <= sizeof(small); sz++) {
		int ret;

		memset(&out, 0, sizeof(out));
		out.buf = small;
		out.bufsz = sz;
		out.words = words;
		out.maxwords = CFG_MAX_WORDS;
		ret = cfg_lex_line("ab cd", 5, NULL, &out);
		/* "ab\0cd\0" needs 6 bytes */
		if (sz < 6) {
			assert_int_equal(ret, -ENOSPC);
		} else {
			assert_int_equal(ret, 2);
			assert_string_equal(words[1], "cd");
		}
	}
}

/* Lines placed right before an unreadable page: any read past the length
 * faults.
 */
static void test_no_overread(void **state)
{
	static const char *const lines[] = {
		"a", "a\\", "\"", "'", "\"$", "\"${", "\"${A", "\"${A[", "\"${A[*",
		"\"${A-", "\\x", "\\x4", "a # b", "\"a\\", "\"${TG_A}\"", "x\"${TG_A[*]-d}",
		"\"$.", "\"${.LIN",
	};
	long pg = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
	for (size_t k = 0; k < ARRAY_SIZE(lines); k++) {
		size_t len = strlen(lines[k]);
		char *at = map + pg - len;

		memcpy(at, lines[k], len);
		memset(&out, 0, sizeof(out));
		out.buf = buf;
		out.bufsz = sizeof(buf);
		out.words = words;
		out.maxwords = CFG_MAX_WORDS;
		(void)cfg_lex_line(at, len, NULL, &out);
	}
	munmap(map, (size_t)pg * 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blanks),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_end_of_line),
		cmocka_unit_test(test_double_quotes),
		cmocka_unit_test(test_single_quotes),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_escape_errors),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_env_errors),
		cmocka_unit_test(test_pseudo_vars),
		cmocka_unit_test(test_quote_errors),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_max_words),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_no_overread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
