/*
 * Unit tests of the protocol health checks' reply parsers (check_proto.h):
 * verdicts and info texts of SMTP, PostgreSQL, Redis, MySQL, LDAP and SPOP
 * replies, waiting on incomplete replies, and every prefix of a reply
 * read from a buffer that ends right where the bytes end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/check_proto.h>
#include <tollgate/tcpcheck.h>

/* Parses <len> bytes of <s> from an exact-size heap copy. */
static int parse(enum chkp_parser p, const void *s, size_t len, int last, struct chkp_verdict *v)
{
	unsigned char *b = malloc(len ? len : 1);
	int r;

	assert_non_null(b);
	memcpy(b, s, len);
	r = chkp_parse(p, b, len, last, v);
	free(b);
	return r;
}

#define PARSE(p, lit, last, v) parse((p), (lit), sizeof(lit) - 1, (last), (v))

static void test_smtp(void **state)
{
	struct chkp_verdict v;

	assert_int_equal(PARSE(CHKP_P_SMTP, "220 mail ready\r\n", 0, &v), CHKP_PASS);
	assert_int_equal(v.code, 220);
	assert_string_equal(v.info, "mail ready");
	assert_int_equal(PARSE(CHKP_P_SMTP, "220 mail ready", 0, &v), CHKP_MORE);
	assert_int_equal(PARSE(CHKP_P_SMTP, "220\r", 0, &v), CHKP_MORE);
	assert_int_equal(PARSE(CHKP_P_SMTP, "22", 0, &v), CHKP_MORE);
	assert_int_equal(PARSE(CHKP_P_SMTP, "250-a\r\n250-b\r\n", 0, &v), CHKP_MORE);
	assert_int_equal(PARSE(CHKP_P_SMTP, "250-a\r\n250-b\r\n250 LAST\r\n", 0, &v), CHKP_PASS);
	assert_string_equal(v.info, "LAST");
	assert_int_equal(PARSE(CHKP_P_SMTP, "421 Try again later\r\n", 0, &v), CHKP_FAIL);
	assert_int_equal(v.status, CHKP_ST_STS);
	assert_int_equal(v.code, 421);
	assert_string_equal(v.info, "Try again later");
	assert_int_equal(PARSE(CHKP_P_SMTP, "I'm not a SMTP server\r\n", 0, &v), CHKP_FAIL);
	assert_int_equal(v.status, CHKP_ST_RSP);
	assert_string_equal(v.info, "I'm not a SMTP server");
	assert_int_equal(PARSE(CHKP_P_SMTP, "", 1, &v), CHKP_FAIL);
	assert_int_equal(v.status, CHKP_ST_RSP);
	assert_int_equal(PARSE(CHKP_P_SMTP, "250 ok", 1, &v), CHKP_PASS);   /* closed: take what came */
	assert_int_equal(PARSE(CHKP_P_SMTP, "250 \"q\"\x01\r\n", 0, &v), CHKP_PASS);
	assert_string_equal(v.info, "\\x22q\\x22\\x01");
}

static void test_pgsql(void **state)
{
	struct chkp_verdict v;

	assert_int_equal(PARSE(CHKP_P_PGSQL, "R\0\0\0\x08\0\0\0\0", 0, &v), CHKP_PASS);
	assert_string_equal(v.info, "PostgreSQL server is ok");
	assert_int_equal(PARSE(CHKP_P_PGSQL, "R\0\0\0\x17\0\0\0\x0a", 0, &v), CHKP_PASS);
	assert_int_equal(PARSE(CHKP_P_PGSQL, "R\0\0\0\x08\0\0\0\x01", 0, &v), CHKP_FAIL);
	assert_int_equal(v.status, CHKP_ST_STS);
	assert_int_equal(PARSE(CHKP_P_PGSQL, "R\0\0\0\x08", 0, &v), CHKP_MORE);
	assert_int_equal(PARSE(CHKP_P_PGSQL, "E\0\0\0\x0bSFATAL\0", 0, &v), CHKP_FAIL);
	assert_int_equal(v.status, CHKP_ST_RSP);
	assert_string_equal(v.info, "FATAL");
	assert_int_equal(PARSE(CHKP_P_PGSQL, "Not a PostgreSQL response", 0, &v), CHKP_FAIL);
	assert_string_equal(v.info, "PostgreSQL unknown error");
}

static void test_redis(void **state)
{
	struct chkp_verdict v;

	assert_int_equal(PARSE(CHKP_P_REDIS, "+PONG\r\n", 0, &v), CHKP_PASS);
	assert_string_equal(v.info, "Redis server is ok");
	assert_int_equal(PARSE(CHKP_P_REDIS, "+PO", 0, &v), CHKP_MORE);
	assert_int_equal(PARSE(CHKP_P_REDIS, "-LOADING\r\n", 1, &v), CHKP_FAIL);
	assert_int_equal(v.status, CHKP_ST_STS);
	assert_string_equal(v.info, "-LOADING");
}

static void test_mysql(void **state)
{
	static const char hs[] = "\x0d\0\0\0\x0a" "5.7.42\0abcde";
	static const char hs_err[] = "\x0d\0\0\0\x0a" "5.7.42\0abcde" "\x08\0\0\x02\xff\x15\x04#28000";
	struct chkp_verdict v;

	assert_int_equal(parse(CHKP_P_MYSQL_HS, hs, sizeof(hs) - 1, 0, &v), CHKP_PASS);
	assert_string_equal(v.info, "5.7.42");
	assert_int_equal(parse(CHKP_P_MYSQL_HS, hs, 10, 0, &v), CHKP_MORE);
	assert_int_equal(parse(CHKP_P_MYSQL_HS, hs, 10, 1, &v), CHKP_FAIL);
	assert_int_equal(v.status, CHKP_ST_RSP);
	assert_int_equal(parse(CHKP_P_MYSQL_OK, hs, sizeof(hs) - 1, 0, &v), CHKP_MORE);
	assert_int_equal(parse(CHKP_P_MYSQL_OK, hs_err, sizeof(hs_err) - 1, 0, &v), CHKP_FAIL);
	assert_int_equal(v.status, CHKP_ST_STS);
	assert_int_equal(v.code, 1045);
	assert_string_equal(v.info, "#28000");
}

static void test_ldap(void **state)
{
	struct chkp_verdict v;

	assert_int_equal(PARSE(CHKP_P_LDAP, "\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00", 0, &v), CHKP_PASS);
	assert_string_equal(v.info, "Success");
	assert_int_equal(PARSE(CHKP_P_LDAP, "\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x31\x04\x00\x04\x00", 0, &v), CHKP_FAIL);
	assert_int_equal(v.status, CHKP_ST_STS);
	assert_int_equal(v.code, 49);
	assert_int_equal(PARSE(CHKP_P_LDAP, "\x31\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00", 0, &v), CHKP_FAIL);
	assert_string_equal(v.info, "Not LDAPv3 protocol");
	assert_int_equal(PARSE(CHKP_P_LDAP, "\x30\x0c\x02", 0, &v), CHKP_MORE);
}

static void test_spop(void **state)
{
	static const unsigned char ok[] = {
		0, 0, 0, 0x36, 0x65, 0, 0, 0, 1, 0, 0,
		7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 8, 3, '2', '.', '0',
		14, 'm', 'a', 'x', '-', 'f', 'r', 'a', 'm', 'e', '-', 's', 'i', 'z', 'e', 3, 0xfc, 0xf0, 0x06,
		12, 'c', 'a', 'p', 'a', 'b', 'i', 'l', 'i', 't', 'i', 'e', 's', 8, 0,
	};
	static const unsigned char v1[] = {
		0, 0, 0, 0x14, 0x65, 0, 0, 0, 1, 0, 0, 7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 8, 3, '1', '.', '0',
	};
	struct chkp_verdict v;

	assert_int_equal(parse(CHKP_P_SPOP, ok, sizeof(ok), 0, &v), CHKP_PASS);
	assert_string_equal(v.info, "SPOA server is ok");
	assert_int_equal(parse(CHKP_P_SPOP, ok, sizeof(ok) - 1, 0, &v), CHKP_MORE);
	assert_int_equal(parse(CHKP_P_SPOP, ok, sizeof(ok) - 1, 1, &v), CHKP_FAIL);
	assert_string_equal(v.info, "invalid frame received");
	assert_int_equal(parse(CHKP_P_SPOP, v1, sizeof(v1), 0, &v), CHKP_FAIL);
	assert_string_equal(v.info, "unsupported version");
	assert_int_equal(PARSE(CHKP_P_SPOP, "\0\0\0\x07\x65\0\0\0\0\0\0", 0, &v), CHKP_FAIL);
	assert_string_equal(v.info, "invalid frame received");
}

/* Every prefix of every reply gives MORE or a verdict, never reads past
 * its length (the heap copies are exact: ASan builds catch overreads).
 */
static void test_prefixes(void **state)
{
	static const char *const replies[] = {
		"250-a\r\n250 b\r\n", "E\0\0\0\x0bSFATAL\0", "\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00",
		"\0\0\0\x14\x65\0\0\0\x01\0\0\x07version\x08\x03" "1.0",
	};
	static const size_t lens[] = { 14, 12, 14, 24 };
	struct chkp_verdict v;

	for (int p = CHKP_P_SMTP; p <= CHKP_P_SPOP; p++)
		for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++)
			for (size_t n = 0; n <= lens[i]; n++)
				for (int last = 0; last < 2; last++) {
					int r = parse((enum chkp_parser)p, replies[i], n, last, &v);

					assert_true(r == CHKP_MORE || r == CHKP_PASS || r == CHKP_FAIL);
					if (last)
						assert_int_not_equal(r, CHKP_MORE);
				}
}

static void test_rulesets(void **state)
{
	struct pr_chkproto pc = { .kind = CHKP_SPOP };
	struct list rules;
	struct tcpcheck_rule *r;
	int n = 0;

	list_init(&rules);
	assert_int_equal(chkp_build_rules(&rules, &pc), 0);
	list_for_each(r, &rules, list) {
		n++;
		if (r->action == TCPCHK_ACT_SEND)
			assert_int_equal(r->len, 82);   /* HAProxy's HELLO: 4 + 0x4e bytes */
	}
	assert_int_equal(n, 3);
	tcpcheck_rules_free(&rules);
	pc.kind = CHKP_PGSQL;
	pc.arg = "postgres";
	assert_int_equal(chkp_build_rules(&rules, &pc), 0);
	r = list_elem(rules.next->next, struct tcpcheck_rule, list);
	assert_int_equal(r->len, 23);
	assert_memory_equal(r->data, "\0\0\0\x17\0\x03\0\0user\0postgres\0\0", 23);
	tcpcheck_rules_free(&rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smtp),
		cmocka_unit_test(test_pgsql),
		cmocka_unit_test(test_redis),
		cmocka_unit_test(test_mysql),
		cmocka_unit_test(test_ldap),
		cmocka_unit_test(test_spop),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_rulesets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
