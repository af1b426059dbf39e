/*
 * Unit tests of the peers protocol codec (peer_msg.c): HAProxy's varint
 * encoding at its boundaries, framing (incomplete, oversized, unknown),
 * and the decoders on valid and truncated payloads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tollgate/peer_msg.h>
#include <tollgate/stktable.h>

static void test_varint(void **state)
{
	/* the boundaries of doc/peers-v2.0.txt: 1 byte below 240, 2 below 2288, ... */
	static const struct { uint64_t v; int len; } cases[] = {
		{ 0, 1 }, { 239, 1 }, { 240, 2 }, { 2287, 2 }, { 2288, 3 }, { 264431, 3 },
		{ 264432, 4 }, { 33818863, 4 }, { 33818864, 5 }, { 4328786159ULL, 5 },
		{ 4328786160ULL, 6 }, { UINT64_MAX, 10 },
	};
	unsigned char b[PEER_VARINT_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *p = b;
		uint64_t v;
		int n = peer_varint_encode(cases[i].v, b);

		assert_int_equal(n, cases[i].len);
		assert_int_equal(peer_varint_decode(&p, b + n, &v), 0);
		assert_true(v == cases[i].v);
		assert_ptr_equal(p, b + n);
		/* one byte short: truncated */
		p = b;
		if (n > 1)
			assert_int_equal(peer_varint_decode(&p, b + n - 1, &v), PEER_E_TRUNCATED);
	}
	/* HAProxy's encoding of 240: 0xF0 0x00; of 1000: 0xF8 0x2F */
	assert_int_equal(peer_varint_encode(240, b), 2);
	assert_int_equal(b[0], 0xF0);
	assert_int_equal(b[1], 0x00);
	peer_varint_encode(1000, b);
	assert_int_equal(b[0], 0xF8);
	assert_int_equal(b[1], 0x2F);
	/* endless continuation bytes: refused, not read forever */
	memset(b, 0xFF, sizeof(b));
	{
		unsigned char big[16];
		const unsigned char *p = big;
		uint64_t v;

		memset(big, 0xFF, sizeof(big));
		assert_int_equal(peer_varint_decode(&p, big + sizeof(big), &v), PEER_E_VARINT);
	}
}

static void test_frame(void **state)
{
	struct peer_msg m;
	unsigned char hb[] = { 0, 4 };
	unsigned char up[] = { 10, 0x81, 3, 'a', 'b', 'c', 0, 4 };
	unsigned char big[] = { 10, 0x80, 0xF0, 0xFF, 0x7F };
	unsigned char unk[] = { 3, 0 };
	unsigned char unk2[] = { 10, 0x90, 0 };

	(void)state;
	assert_int_equal(peer_msg_frame(hb, 1, &m), 0);
	assert_int_equal(peer_msg_frame(hb, 2, &m), 2);
	assert_int_equal(m.cls, 0);
	assert_int_equal(m.type, PEER_MSG_CTRL_HEARTBEAT);
	assert_null(m.payload);
	for (size_t l = 0; l < 6; l++)
		assert_int_equal(peer_msg_frame(up, l, &m), 0);     /* incomplete */
	assert_int_equal(peer_msg_frame(up, sizeof(up), &m), 6);
	assert_int_equal(m.len, 3);
	assert_memory_equal(m.payload, "abc", 3);
	assert_int_equal(peer_msg_frame(big, sizeof(big), &m), PEER_E_TOOBIG);
	assert_int_equal(peer_msg_frame(unk, sizeof(unk), &m), PEER_E_UNKNOWN);
	assert_int_equal(peer_msg_frame(unk2, sizeof(unk2), &m), PEER_E_UNKNOWN);
}

static void test_define(void **state)
{
	/* id 1, "stkt", ipv4, len 4, types conn_cnt(4)+http_req_rate(10),
	 * expire 60000, then http_req_rate's period 10000
	 */
	unsigned char d[64];
	size_t n = 0, old;
	struct peer_def def;

	(void)state;
	n += (size_t)peer_varint_encode(1, d + n);
	n += (size_t)peer_varint_encode(4, d + n);
	memcpy(d + n, "stkt", 4);
	n += 4;
	n += (size_t)peer_varint_encode(PEER_KT_IPV4, d + n);
	n += (size_t)peer_varint_encode(4, d + n);
	n += (size_t)peer_varint_encode((1 << 4) | (1 << 10), d + n);
	old = n;        /* senders before 1.9 stop here */
	n += (size_t)peer_varint_encode(60000, d + n);
	n += (size_t)peer_varint_encode(10, d + n);
	n += (size_t)peer_varint_encode(10000, d + n);
	assert_int_equal(peer_msg_parse_define(d, n, &def), 0);
	assert_true(def.id == 1 && def.name_len == 4 && !memcmp(def.name, "stkt", 4));
	assert_true(def.key_type == PEER_KT_IPV4 && def.key_len == 4 && def.expire == 60000);
	assert_int_equal(def.period[10], 10000);
	for (size_t l = 0; l < n; l++)
		if (l != old)
			assert_true(peer_msg_parse_define(d, l, &def) < 0);
	assert_int_equal(peer_msg_parse_define(d, old, &def), 0);
	assert_false(def.has_params);
	/* a rate whose parameters name another type */
	d[n - 4] = 11;
	assert_int_equal(peer_msg_parse_define(d, n, &def), PEER_E_BADDEF);
}

static void test_update(void **state)
{
	static struct peer_update u;
	struct peer_updfmt f = { .key_type = PEER_KT_STR, .key_len = 33,
	                         .data = (1 << 2) | (1 << 3) };
	unsigned char p[] = { 0, 0, 0, 7, 3, 'a', 'b', 'c', 5, 100, 2, 1 };
	unsigned char t[] = { 0, 0, 0x27, 0x10, 1, 'k', 9, 0, 0, 0 };

	(void)state;
	assert_int_equal(peer_msg_parse_update(p, sizeof(p), PEER_MSG_STKT_UPDATE, &f, &u), 0);
	assert_true(u.has_id && u.id == 7 && !u.has_expire);
	assert_int_equal(u.key_len, 3);
	assert_int_equal(u.nvals, 4);
	assert_true(u.vals[0] == 5 && u.vals[1] == 100 && u.vals[2] == 2 && u.vals[3] == 1);
	for (size_t l = 0; l < sizeof(p); l++)
		assert_true(peer_msg_parse_update(p, l, PEER_MSG_STKT_UPDATE, &f, &u) < 0);
	/* a timed incremental update carries the remaining lifetime */
	assert_int_equal(peer_msg_parse_update(t, sizeof(t), PEER_MSG_STKT_INCUPDATE_TIMED, &f, &u), 0);
	assert_true(!u.has_id && u.has_expire && u.expire == 10000);
	/* a string longer than the payload */
	p[4] = 200;
	assert_int_equal(peer_msg_parse_update(p, sizeof(p), PEER_MSG_STKT_UPDATE, &f, &u), PEER_E_TRUNCATED);
}

static void test_key_types(void **state)
{
	struct stktable_def d;
	uint32_t l;

	(void)state;
	stktable_def_init(&d);
	assert_int_equal(peer_key_type(&d, &l), PEER_KT_IPV4);
	assert_int_equal(l, 4);
	d.type = STKTABLE_KEY_STRING;
	d.key_len = 32;
	assert_int_equal(peer_key_type(&d, &l), PEER_KT_STR);
	assert_int_equal(l, 33);       /* HAProxy counts the NUL */
	d.type = STKTABLE_KEY_INTEGER;
	assert_int_equal(peer_key_type(&d, &l), PEER_KT_SINT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_define),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_key_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
