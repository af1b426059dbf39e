/*
 * Unit tests for the FIX message checks (src/net/fix.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/fix.h>

#define LOGON "8=FIX.4.4\0019=25\00135=A\00149=CLIENT\00156=SERVER\00110=208\001"

static int valid(const char *m)
{
	return fix_validate(m, strlen(m));
}

static void test_validate(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(valid(LOGON), 1);
	assert_int_equal(valid(LOGON "trailing bytes"), 1);
	assert_int_equal(valid("8=FIX.4.0\0019=13\00135=0\00110001=x\00110=118\001"), 1);   /* user tag */
	/* every proper prefix is incomplete */
	for (size_t n = 0; n < strlen(LOGON); n++)
		assert_int_equal(fix_validate(LOGON, n), 0);
	/* wrong checksum, body length, order, version, tag range */
	assert_int_equal(valid("8=FIX.4.4\0019=25\00135=A\00149=CLIENT\00156=SERVER\00110=209\001"), -1);
	assert_int_equal(valid("8=FIX.4.4\0019=24\00135=A\00149=CLIENT\00156=SERVER\00110=207\001"), -1);
	assert_int_equal(valid("9=25\0018=FIX.4.4\00135=A\00149=CLIENT\00156=SERVER\00110=208\001"), -1);
	assert_int_equal(valid("8=FIX.9.9\0019=25\00135=A\00149=CLIENT\00156=SERVER\00110=208\001"), -1);
	assert_int_equal(valid("8=FIX.4.0\0019=25\00135=A\00149=CLIENT\001999=SERVER\00110=208\001"), -1);
	assert_int_equal(valid("8=FIX.4.4\0019=25\00135=A\001=CLIENT\00156=SERVER\00110=208\001"), -1);
	assert_int_equal(valid("8=FIX.4.4\0019=25\00135=\00149=CLIENT\00156=SERVER\00110=208\001"), -1);
	/* a message that does not end: incomplete */
	memset(buf, 0, sizeof(buf));
	strcpy(buf, "8=FIX.4.4\0019=25\00135=A\00149=CLIENT\00156=SER");
	assert_int_equal(valid(buf), 0);
}

static void test_tag_value(void **state)
{
	const char *v;
	size_t vlen;

	(void)state;
	assert_int_equal(fix_tag_value(LOGON, strlen(LOGON), 49, &v, &vlen), 1);
	assert_int_equal(vlen, 6);
	assert_memory_equal(v, "CLIENT", 6);
	assert_int_equal(fix_tag_value(LOGON, strlen(LOGON), FIX_TAG_MSGTYPE, &v, &vlen), 1);
	assert_memory_equal(v, "A", 1);
	assert_int_equal(fix_tag_value(LOGON, strlen(LOGON), 52, &v, &vlen), -1);   /* CheckSum reached */
	assert_int_equal(fix_tag_value(LOGON, 30, 56, &v, &vlen), 0);               /* not there yet */
	assert_int_equal(fix_tag_value("8=\001", 3, 8, &v, &vlen), -1);              /* empty value */
	assert_int_equal(fix_tag_id("35", 2), 35);
	assert_int_equal(fix_tag_id("msgtype", 7), FIX_TAG_MSGTYPE);
	assert_int_equal(fix_tag_id("SenderCompID", 12), FIX_TAG_SENDERCOMPID);
	assert_int_equal(fix_tag_id("Nope", 4), 0);
	assert_int_equal(fix_tag_id("0", 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_tag_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
