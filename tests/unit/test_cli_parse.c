/*
 * Admin socket parsing tests: splitting a line into commands and words
 * (quotes, escapes, limits), access levels, and the show/clear table
 * filter parser with HAProxy's error messages. Inputs are also placed right
 * before an unreadable page to catch any read past their end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/cli.h>
#include <tollgate/stktable.h>

static void test_next_command(void **state)
{
	const char *l = "show info; show stat";

	assert_int_equal(cli_next_command(l, strlen(l)), 9);
	l = "set table t key 'a;b' data.gpc0 1;x";
	assert_int_equal(cli_next_command(l, strlen(l)), strlen(l) - 2);
	l = "a\\;b;c";
	assert_int_equal(cli_next_command(l, strlen(l)), 4);
	l = "no separator";
	assert_int_equal(cli_next_command(l, strlen(l)), strlen(l));
	assert_int_equal(cli_next_command("", 0), 0);
	/* a trailing backslash or an open quote never reads past the end */
	assert_int_equal(cli_next_command("ab\\", 3), 3);
	assert_int_equal(cli_next_command("'ab;", 4), 4);
}

static void test_split_words(void **state)
{
	char buf[128];
	char *args[8];

	strcpy(buf, "  show   table\tfe  ");
	assert_int_equal(cli_split_words(buf, args, 8), 3);
	assert_string_equal(args[0], "show");
	assert_string_equal(args[1], "table");
	assert_string_equal(args[2], "fe");
	assert_null(args[3]);

	strcpy(buf, "set table t key 'a b' \"c d\" e\\ f");
	assert_int_equal(cli_split_words(buf, args, 8), 7);
	assert_string_equal(args[4], "a b");
	assert_string_equal(args[5], "c d");
	assert_string_equal(args[6], "e f");

	strcpy(buf, "");
	assert_int_equal(cli_split_words(buf, args, 8), 0);
	assert_null(args[0]);

	strcpy(buf, "1 2 3 4 5 6 7 8");
	assert_int_equal(cli_split_words(buf, args, 8), -1);
	strcpy(buf, "1 2 3 4 5 6 7");
	assert_int_equal(cli_split_words(buf, args, 8), 7);

	strcpy(buf, "trailing\\");
	assert_int_equal(cli_split_words(buf, args, 8), 1);
	assert_string_equal(args[0], "trailing\\");
}

/* A line ending right before a PROT_NONE page. */
static void test_guard_page(void **state)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const char *cases[] = { "show table;", "'unterminated", "a\\", "x" };

	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = strlen(cases[i]);
		char *p = m + pg - len;

		memcpy(p, cases[i], len);
		assert_true(cli_next_command(p, len) <= len);
	}
	munmap(m, (size_t)pg * 2);
}

static void test_levels(void **state)
{
	assert_int_equal(cli_level_parse(NULL), CLI_LVL_OPER);
	assert_int_equal(cli_level_parse("user"), CLI_LVL_USER);
	assert_int_equal(cli_level_parse("operator"), CLI_LVL_OPER);
	assert_int_equal(cli_level_parse("admin"), CLI_LVL_ADMIN);
	assert_int_equal(cli_level_parse("root"), -1);
}

static void test_data_type_names(void **state)
{
	unsigned int idx;
	int type;

	assert_int_equal(cli_table_parse_type("conn_rate", &type, &idx), 0);
	assert_int_equal(type, STKTABLE_DT_CONN_RATE);
	assert_int_equal(idx, 0);
	assert_int_equal(cli_table_parse_type("gpc0", &type, &idx), 0);
	assert_int_equal(type, STKTABLE_DT_GPC0);
	assert_int_equal(cli_table_parse_type("gpc[3]", &type, &idx), 0);
	assert_int_equal(type, STKTABLE_DT_GPC);
	assert_int_equal(idx, 3);
	assert_int_equal(cli_table_parse_type("gpc_rate[1]", &type, &idx), 0);
	assert_int_equal(type, STKTABLE_DT_GPC_RATE);
	assert_int_equal(cli_table_parse_type("conn_cnt[1]", &type, &idx), -1); /* not an array */
	assert_int_equal(cli_table_parse_type("gpc[x]", &type, &idx), -1);
	assert_int_equal(cli_table_parse_type("gpc[1]x", &type, &idx), -1);
	assert_int_equal(cli_table_parse_type("gpc[", &type, &idx), -1);
	assert_int_equal(cli_table_parse_type("nope", &type, &idx), -1);
}

static struct stktable *make_table(const char *line)
{
	struct stktable_def def;
	struct stktable *t = calloc(1, sizeof(*t));
	char err[256];

	assert_non_null(t);
	assert_int_equal(stktable_parse_line(&def, line, err, sizeof(err)), 0);
	assert_int_equal(stktable_init(t, "t", &def), 0);
	return t;
}

/* Splits <line> and parses it as filters of <t>; returns the count and
 * leaves the message in <err>.
 */
static int filters(struct stktable *t, const char *line, struct cli_table_filter *f, char *err)
{
	char buf[256];
	char *args[32];
	int n;

	strcpy(buf, line);
	n = cli_split_words(buf, args, 32);
	err[0] = '\0';
	return cli_table_parse_filters(t, n, args, f, err, 256);
}

static void test_filters(void **state)
{
	struct stktable *t = make_table("type ip size 1k store conn_cnt,gpc(2),conn_rate(10s)");
	struct cli_table_filter f[CLI_TABLE_FILTERS];
	char err[256];

	assert_int_equal(filters(t, "data.conn_cnt gt 5", f, err), 1);
	assert_int_equal(f[0].type, STKTABLE_DT_CONN_CNT);
	assert_int_equal(f[0].op, CLI_OP_GT);
	assert_int_equal(f[0].value, 5);
	assert_int_equal(filters(t, "data.conn_cnt ge -1 data.gpc[1] ne 0 data.conn_rate lt 9 data.gpc[0] eq 2", f, err), 4);
	assert_int_equal(f[0].value, -1);
	assert_int_equal(f[1].type, STKTABLE_DT_GPC);
	assert_int_equal(f[1].idx, 1);
	assert_int_equal(f[3].op, CLI_OP_EQ);

	assert_int_equal(filters(t, "data.nope eq 1", f, err), -1);
	assert_string_equal(err, "Filter entry #1: Unknown data type\n");
	assert_int_equal(filters(t, "data.conn_cnt eq 1 data.gpc0 eq 1", f, err), -1);
	assert_string_equal(err, "Filter entry #2: Data type not stored in this table\n");
	assert_int_equal(filters(t, "data.conn_cnt is 1", f, err), -1);
	assert_string_equal(err, "Filter entry #1: Require and operator among \"eq\", \"ne\", \"le\", \"ge\", \"lt\", \"gt\"\n");
	assert_int_equal(filters(t, "data.conn_cnt eq", f, err), -1);
	assert_string_equal(err, "Filter entry #1: Require a valid integer value to compare against\n");
	assert_int_equal(filters(t, "data.conn_cnt eq 1x", f, err), -1);
	assert_string_equal(err, "Filter entry #1: Require a valid integer value to compare against\n");
	assert_int_equal(filters(t, "key 1.2.3.4", f, err), -1);
	assert_string_equal(err, "Filter entry #1: Unknown data type\n");
	assert_int_equal(filters(t, "data.conn_cnt eq 1 data.conn_cnt eq 1 data.conn_cnt eq 1 data.conn_cnt eq 1 extra", f, err), -1);
	assert_string_equal(err, "Detected extra data in filter, 16th word of input, after '1'\n");

	stktable_deinit(t);
	free(t);
}

static void test_filter_match(void **state)
{
	struct cli_table_filter f = { .value = 5 };
	const struct { enum cli_table_op op; int lt, eq, gt; } exp[] = {
		{ CLI_OP_EQ, 0, 1, 0 }, { CLI_OP_NE, 1, 0, 1 }, { CLI_OP_LE, 1, 1, 0 },
		{ CLI_OP_LT, 1, 0, 0 }, { CLI_OP_GE, 0, 1, 1 }, { CLI_OP_GT, 0, 0, 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(exp); i++) {
		f.op = exp[i].op;
		assert_int_equal(cli_table_filter_match(&f, 4), exp[i].lt);
		assert_int_equal(cli_table_filter_match(&f, 5), exp[i].eq);
		assert_int_equal(cli_table_filter_match(&f, 6), exp[i].gt);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_command),
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_guard_page),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_data_type_names),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_filter_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
