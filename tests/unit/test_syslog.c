/*
 * Unit tests for the syslog parser, framer and header builder
 * (src/net/syslog.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/syslog.h>

static int field_is(const struct syslog_msg *m, int f, const char *want)
{
	return m->f[f].len == strlen(want) && !memcmp(m->f[f].ptr, want, m->f[f].len);
}

static int msg_is(const struct syslog_msg *m, const char *want)
{
	return m->len == strlen(want) && !memcmp(m->msg, want, m->len);
}

static void test_parse_3164(void **state)
{
	const char *s = "<134>Dec  7 18:00:00 myhost app[123]: hello world\n";
	struct syslog_msg m;

	(void)state;
	syslog_parse(s, strlen(s), &m);
	assert_int_equal(m.facility, 16);
	assert_int_equal(m.level, 6);
	assert_true(field_is(&m, SYSLOG_TIME, "Dec  7 18:00:00"));
	assert_true(field_is(&m, SYSLOG_HOST, "myhost"));
	assert_true(field_is(&m, SYSLOG_TAG, "app"));
	assert_true(field_is(&m, SYSLOG_PID, "123"));
	assert_true(msg_is(&m, "hello world"));
	/* no tag: the message starts after the host */
	s = "<134>Dec  7 18:00:00 tollgate[5]: 127.0.0.1:80 x";
	syslog_parse(s, strlen(s), &m);
	assert_true(field_is(&m, SYSLOG_HOST, "tollgate[5]:"));
	assert_int_equal(m.f[SYSLOG_TAG].len, 0);
	assert_true(msg_is(&m, "127.0.0.1:80 x"));
}

static void test_parse_5424(void **state)
{
	const char *s = "<13>1 2026-12-07T18:00:00.123456+01:00 h2 prog 99 ID47 [ex@1 a=\"b c\"] msg";
	struct syslog_msg m;

	(void)state;
	syslog_parse(s, strlen(s), &m);
	assert_int_equal(m.facility, 1);
	assert_int_equal(m.level, 5);
	assert_true(field_is(&m, SYSLOG_TIME, "2026-12-07T18:00:00.123456+01:00"));
	assert_true(field_is(&m, SYSLOG_MSGID, "ID47"));
	assert_true(field_is(&m, SYSLOG_SD, "[ex@1 a=\"b c\"]"));
	assert_true(msg_is(&m, "msg"));
	/* a bad header keeps only the PRI */
	s = "<13>1 bad";
	syslog_parse(s, strlen(s), &m);
	assert_int_equal(m.f[SYSLOG_TIME].len, 0);
	assert_true(field_is(&m, SYSLOG_PRIO, "<13>"));
	assert_true(msg_is(&m, "1 bad"));
}

static void test_parse_no_pri(void **state)
{
	struct syslog_msg m;

	(void)state;
	syslog_parse("hello", 5, &m);
	assert_int_equal(m.facility, -1);
	assert_int_equal(m.level, 6);
	assert_true(msg_is(&m, "hello"));
	syslog_parse("<999>x", 6, &m);   /* beyond 23 facilities */
	assert_int_equal(m.facility, -1);
	assert_true(msg_is(&m, "<999>x"));
	syslog_parse("<13", 3, &m);
	assert_int_equal(m.facility, -1);
}

static int syslog_frame_(const char *buf, size_t len, size_t max, const char **msg, size_t *mlen)
{
	return syslog_frame(buf, len, max, 0, msg, mlen);
}

static void test_frame(void **state)
{
	const char *msg;
	size_t len;

	(void)state;
	assert_int_equal(syslog_frame_("5 <1>ab7 <1>x", 13, 100, &msg, &len), 7);
	assert_int_equal(len, 5);
	assert_memory_equal(msg, "<1>ab", 5);
	assert_int_equal(syslog_frame_("5 <1>a", 6, 100, &msg, &len), 0);
	assert_int_equal(syslog_frame_("12", 2, 100, &msg, &len), 0);
	assert_int_equal(syslog_frame_("12x", 3, 100, &msg, &len), -1);
	assert_int_equal(syslog_frame_("999 ", 4, 100, &msg, &len), -1);   /* over the limit */
	assert_int_equal(syslog_frame_("<1>a\r\nb", 7, 100, &msg, &len), 6);
	assert_int_equal(len, 4);
	assert_int_equal(syslog_frame_("<1>abc", 6, 100, &msg, &len), 0);
	assert_int_equal(syslog_frame_("<1>abc", 6, 4, &msg, &len), -1);
	assert_int_equal(syslog_frame_("GET /", 5, 100, &msg, &len), -1);
	/* assume-rfc6587-ntf: lines only, whatever they start with */
	assert_int_equal(syslog_frame("12 ab\n", 6, 100, 1, &msg, &len), 6);
	assert_int_equal(len, 5);
	assert_int_equal(syslog_frame("GET /\n", 6, 100, 1, &msg, &len), 6);
}

static void test_header(void **state)
{
	const char *s = "<134>Dec  7 18:00:00 myhost app[123]: hi";
	struct syslog_msg m;
	char out[128];

	(void)state;
	syslog_parse(s, strlen(s), &m);
	syslog_header(out, sizeof(out), SYSLOG_FMT_RFC3164, 16, 6, &m, 0);
	assert_string_equal(out, "<134>Dec  7 18:00:00 myhost app[123]: ");
	syslog_header(out, sizeof(out), SYSLOG_FMT_AUTO, 16, 6, &m, 0);
	assert_string_equal(out, "<134>Dec  7 18:00:00 myhost app[123]: ");
	syslog_header(out, sizeof(out), SYSLOG_FMT_RAW, 16, 6, &m, 0);
	assert_string_equal(out, "");
	/* the facility and level given win; cut to the room */
	assert_int_equal(syslog_header(out, 6, SYSLOG_FMT_RFC3164, 1, 3, &m, 0), 5);
	assert_string_equal(out, "<11>D");
	s = "<13>1 2026-12-07T18:00:00Z h2 prog 99 - - m";
	syslog_parse(s, strlen(s), &m);
	syslog_header(out, sizeof(out), SYSLOG_FMT_RFC3164, 1, 5, &m, 0);
	assert_string_equal(out, "<13>Dec  7 18:00:00 h2 prog[99]: ");
	syslog_header(out, sizeof(out), SYSLOG_FMT_RFC5424, 1, 5, &m, 0);
	assert_string_equal(out, "<13>1 2026-12-07T18:00:00Z h2 prog 99 - - ");
	syslog_parse("<11>x", 5, &m);
	syslog_header(out, sizeof(out), SYSLOG_FMT_AUTO, 1, 3, &m, 0);
	assert_string_equal(out, "<11>");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_3164),
		cmocka_unit_test(test_parse_5424),
		cmocka_unit_test(test_parse_no_pri),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
