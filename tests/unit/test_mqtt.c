/*
 * Unit tests for the MQTT packet checks (src/net/mqtt.c), on packets of
 * HAProxy's converter/mqtt.vtc and hand-made ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/mqtt.h>

/* Decodes hex <h> into <out>; returns the length. */
static size_t unhex(const char *h, unsigned char *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		char b[3] = { h[0], h[1], 0 };

		out[n++] = (unsigned char)strtoul(b, NULL, 16);
	}
	return n;
}

/* 3.1.1 CONNECT, empty id, user "test", password "passwd" */
#define C311 "101a00044d51545404c2003c00000004746573740006706173737764"
/* 5.0 CONNECT with will properties, user properties (mqtt.vtc) */
#define C50 "107e00044d51545405ee003c182700000014170126000161000162260001630001642100140008746573745f7375622a03000a746578742f706c61696e08000c77696c6c727370746f7069632600016500016626000167000168000977696c6c746f706963000b77696c6c7061796c6f61640004746573740006706173737764"
/* 5.0 CONNACK (mqtt.vtc) */
#define A50 "20250000221100000078217fff24012501270000ffff22000a2600016100016226000163000164"

static int valid(const char *hex)
{
	unsigned char b[512];

	return mqtt_validate(b, unhex(hex, b));
}

static void test_validate(void **state)
{
	unsigned char b[512];
	size_t n;

	(void)state;
	assert_int_equal(valid(C311), 1);
	assert_int_equal(valid(C50), 1);
	assert_int_equal(valid(A50), 1);
	assert_int_equal(valid("20020000"), 1);
	assert_int_equal(valid("102400064d514973647003c200000008746573745f7375620004746573740006706173737764"), 1);
	assert_int_equal(valid(C311 "c000"), 1);                    /* bytes after the packet */
	/* every proper prefix is incomplete */
	n = unhex(C50, b);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(mqtt_validate(b, k), 0);
	assert_int_equal(valid("d000"), -1);                        /* PINGREQ */
	assert_int_equal(valid("111400044d5154540402003c0008746573745f737562"), -1);   /* header flags */
	assert_int_equal(valid("21020000"), -1);
	assert_int_equal(valid("20020200"), -1);                    /* CONNACK reserved flags */
	assert_int_equal(valid("10ffffffff1400044d5154540402003c0008746573745f737562"), -1);  /* 5-byte length */
	assert_int_equal(valid("101300044d5154540402003c000874657374a5f737562"), -1);
	assert_int_equal(valid("100c00044d5154540403003c0000"), -1); /* reserved CONNECT flag */
	assert_int_equal(valid("100c00044d5154540418003c0000"), -1); /* will QoS without will */
	assert_int_equal(valid("100c00044d5154540602003c0000"), -1); /* protocol level 6 */
	assert_int_equal(valid("100c0004485454500402003c0000"), -1); /* protocol name HTTP */
	assert_int_equal(valid("100d00044d5154540402003c000000"), -1); /* a byte too many */
	/* 5.0: a property twice, or not allowed in CONNECT */
	assert_int_equal(valid("101200044d5154540502003c0a11000000011100000001" "0000"), -1);
	assert_int_equal(valid("100d00044d5154540502003c022400" "0000"), -1);
}

static void test_fields(void **state)
{
	unsigned char b[512];
	const unsigned char *v;
	size_t vlen, n;
	uint32_t num;

	(void)state;
	n = unhex(C50, b);
	assert_int_equal(mqtt_field(b, n, MQTT_CPT_CONNECT, MQTT_FN_CLIENT_IDENTIFIER, &v, &vlen, &num), 1);
	assert_int_equal(vlen, 8);
	assert_memory_equal(v, "test_sub", 8);
	assert_int_equal(mqtt_field(b, n, MQTT_CPT_CONNECT, MQTT_FN_FLAGS, &v, &vlen, &num), 1);
	assert_null(v);
	assert_int_equal(num, 238);
	assert_int_equal(mqtt_field(b, n, MQTT_CPT_CONNECT, 39, &v, &vlen, &num), 1);
	assert_int_equal(num, 20);
	assert_int_equal(mqtt_field(b, n, MQTT_CPT_CONNECT, 3, &v, &vlen, &num), 1);
	assert_memory_equal(v, "text/plain", 10);
	assert_int_equal(mqtt_field(b, n, MQTT_CPT_CONNECT, 38, &v, &vlen, &num), -1);   /* user property */
	assert_int_equal(mqtt_field(b, n, MQTT_CPT_CONNACK, MQTT_FN_FLAGS, &v, &vlen, &num), -1);
	assert_int_equal(mqtt_field(b, n - 1, MQTT_CPT_CONNECT, MQTT_FN_FLAGS, &v, &vlen, &num), 0);
	n = unhex(C311, b);
	assert_int_equal(mqtt_field(b, n, MQTT_CPT_CONNECT, MQTT_FN_CLIENT_IDENTIFIER, &v, &vlen, &num), -1);
	assert_int_equal(mqtt_field(b, n, MQTT_CPT_CONNECT, 17, &v, &vlen, &num), -1);   /* not 5.0 */
	n = unhex(A50, b);
	assert_int_equal(mqtt_field(b, n, MQTT_CPT_CONNACK, 33, &v, &vlen, &num), 1);
	assert_int_equal(num, 32767);
	assert_int_equal(mqtt_field(b, n, MQTT_CPT_CONNACK, MQTT_FN_PROTOCOL_VERSION, &v, &vlen, &num), 1);
	assert_int_equal(num, 5);
	assert_int_equal(mqtt_field(b, n, MQTT_CPT_CONNACK, 19, &v, &vlen, &num), 1);   /* absent: 0 */
	assert_int_equal(num, 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(mqtt_type_id("connect", 7), MQTT_CPT_CONNECT);
	assert_int_equal(mqtt_type_id("CONNACK", 7), MQTT_CPT_CONNACK);
	assert_int_equal(mqtt_type_id("15", 2), 15);
	assert_int_equal(mqtt_type_id("16", 2), 0);
	assert_int_equal(mqtt_type_id("0", 1), 0);
	assert_int_equal(mqtt_type_id("nope", 4), 0);
	assert_int_equal(mqtt_field_id(MQTT_CPT_CONNECT, "Username", 8), MQTT_FN_USERNAME);
	assert_int_equal(mqtt_field_id(MQTT_CPT_CONNECT, "reason_code", 11), 0);
	assert_int_equal(mqtt_field_id(MQTT_CPT_CONNACK, "reason_code", 11), MQTT_FN_REASON_CODE);
	assert_int_equal(mqtt_field_id(MQTT_CPT_CONNECT, "24", 2), 24);
	assert_int_equal(mqtt_field_id(MQTT_CPT_CONNECT, "18", 2), 0);
	assert_int_equal(mqtt_field_id(MQTT_CPT_CONNACK, "18", 2), 18);
	assert_int_equal(mqtt_field_id(MQTT_CPT_CONNACK, "018", 3), 0);
	assert_int_equal(mqtt_field_id(3, "35", 2), 35);
	assert_int_equal(mqtt_field_id(12, "flags", 5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
