/*
 * Unit tests for stick tables: definitions and parser, key types and
 * truncation, every data type, every operation, expiry (with references
 * held, overrides), eviction order and nopurge, the update log. Single
 * threaded; time is driven by setting `now_ms` by hand. Snapshots are in
 * test_stktable_snapshot.c, concurrency in test_stktable_stress.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/clock.h>
#include <tollgate/stktable.h>
#include <tollgate/ticks.h>

#define T0 ((uint32_t)-20000)

static char err[256];

static void mk(struct stktable *t, const char *line)
{
	struct stktable_def def;
	int ret = stktable_parse_line(&def, line, err, sizeof(err));

	if (ret)
		fail_msg("parse '%s': %s", line, err);
	assert_int_equal(stktable_init(t, "test", &def), 0);
}

static struct stktable_key ipkey(uint32_t *buf, uint32_t v)
{
	struct stktable_key k;

	*buf = htonl(v);
	k.ptr = buf;
	k.len = 4;
	return k;
}

static struct stksess *get_ip(struct stktable *t, uint32_t v)
{
	uint32_t b;
	struct stktable_key k = ipkey(&b, v);

	return stktable_get_or_create(t, &k, NULL);
}

static struct stksess *find_ip(struct stktable *t, uint32_t v)
{
	uint32_t b;
	struct stktable_key k = ipkey(&b, v);

	return stktable_lookup_noexp(t, &k);
}

/* Returns 1 if key <v> is in <t> (no reference kept). */
static int has_ip(struct stktable *t, uint32_t v)
{
	struct stksess *ts = find_ip(t, v);

	if (ts)
		stktable_release(t, ts);
	return ts != NULL;
}

/* ---- parser ---- */

static void test_parse_ok(void **state)
{
	struct stktable_def d;
	char buf[512];

	(void)state;
	assert_int_equal(stktable_parse_line(&d, "type ip size 1m expire 30s store conn_cur,conn_rate(10s),http_req_rate(10s),gpc(3),gpc_rate(3,1m)", err, sizeof(err)), 0);
	assert_int_equal(d.type, STKTABLE_KEY_IP);
	assert_int_equal(d.size, 1048576);
	assert_int_equal(d.expire, 30000);
	assert_true(d.stored[STKTABLE_DT_CONN_CUR]);
	assert_int_equal(d.period[STKTABLE_DT_CONN_RATE], 10000);
	assert_int_equal(d.nbelem[STKTABLE_DT_GPC], 3);
	assert_int_equal(d.nbelem[STKTABLE_DT_GPC_RATE], 3);
	assert_int_equal(d.period[STKTABLE_DT_GPC_RATE], 60000);
	assert_false(d.stored[STKTABLE_DT_GPC0]);

	assert_int_equal(stktable_parse_line(&d, "type string len 64 size 10k nopurge peers mypeers srvkey addr store server_id store gpt0,gpt(2),bytes_in_cnt,bytes_out_rate(1s)", err, sizeof(err)), 0);
	assert_int_equal(d.type, STKTABLE_KEY_STRING);
	assert_int_equal(d.key_len, 64);
	assert_int_equal(d.size, 10240);
	assert_int_equal(d.expire, 0);
	assert_true(d.flags & STKTABLE_F_NOPURGE);
	assert_string_equal(d.peers, "mypeers");
	assert_int_equal(d.srvkey, STKTABLE_SRVKEY_ADDR);
	assert_true(d.stored[STKTABLE_DT_SERVER_ID]);
	assert_int_equal(d.nbelem[STKTABLE_DT_GPT], 2);
	assert_int_equal(d.period[STKTABLE_DT_BYTES_OUT_RATE], 1000);

	assert_int_equal(stktable_parse_line(&d, "type binary size 100 expire 1h", err, sizeof(err)), 0);
	assert_int_equal(d.key_len, 32);
	assert_int_equal(d.expire, 3600000);

	/* the formatted line parses back to the same definition */
	assert_int_equal(stktable_parse_line(&d, "type ipv6 size 7 expire 2d nopurge store http_err_rate(500),glitch_cnt,gpc_rate(2,3s)", err, sizeof(err)), 0);
	stktable_def_format(&d, buf, sizeof(buf));
	{
		struct stktable_def d2;

		assert_int_equal(stktable_parse_line(&d2, buf, err, sizeof(err)), 0);
		assert_memory_equal(&d, &d2, sizeof(d));
	}
}

static void expect_err(const char *line, const char *needle)
{
	struct stktable_def d;

	err[0] = 0;
	if (stktable_parse_line(&d, line, err, sizeof(err)) >= 0)
		fail_msg("'%s' parsed but should fail", line);
	if (!strstr(err, needle))
		fail_msg("'%s': message '%s' lacks '%s'", line, err, needle);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_err("type ipv5 size 10", "'type ipv5'");
	expect_err("type ip", "missing 'size'");
	expect_err("size 10", "missing 'type'");
	expect_err("type ip size 10x", "'size 10x'");
	expect_err("type ip size 0", "'size 0'");
	expect_err("type ip size 10 expire 10y", "'expire 10y'");
	expect_err("type ip size 10 expire 30d", "too large");
	expect_err("type ip len 10 size 10", "'len' is only valid");
	expect_err("type string len 0 size 10", "'len 0'");
	expect_err("type string len 5000 size 10", "'len 5000'");
	expect_err("type ip size 10 store conn_rat", "unknown data type 'conn_rat'");
	expect_err("type ip size 10 store conn_rate", "expected a period");
	expect_err("type ip size 10 store conn_rate(", "missing ')'");
	expect_err("type ip size 10 store conn_rate(10q)", "period '10q'");
	expect_err("type ip size 10 store conn_cur(1)", "takes no argument");
	expect_err("type ip size 10 store gpc", "(<count>)");
	expect_err("type ip size 10 store gpc(101)", "'101'");
	expect_err("type ip size 10 store gpc_rate(3)", "(<count>,<period>)");
	expect_err("type ip size 10 store conn_cur,conn_cur", "more than once");
	expect_err("type ip size 10 store conn_cur,", "trailing ','");
	expect_err("type ip size 10 store", "'store' expects");
	expect_err("type ip size 10 srvkey foo", "'srvkey foo'");
	expect_err("type ip size 10 bogus", "unknown keyword 'bogus'");
}

/* Random lines from a vocabulary of valid and broken words: the parser
 * either accepts (and the definition initialises a table) or fails with a
 * message; it never crashes or reads out of bounds (ASan).
 */
static void test_parse_random(void **state)
{
	static const char *words[] = {
		"type", "ip", "ipv6", "integer", "string", "binary", "len", "size", "expire",
		"nopurge", "peers", "srvkey", "name", "addr", "store", "10", "1k", "0", "1m",
		"30s", "2d", "-1", "conn_cur", "conn_rate(10s)", "gpc(3)", "gpc_rate(3,1m)",
		"gpc_rate(,)", "gpc(", ")", "(", ",", "gpt(100)", "gpt(101)", "server_key",
		"http_req_rate(1s),conn_cnt", "bytes_in_rate(0)", "x", "", "store,", "99999999999999999999",
	};
	uint64_t rng = 0x1234;
	struct stktable_def d;
	struct stktable t;
	char line[512], junk[16];
	int i, n, w, ok = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		/* half of them start valid, so the store lists get exercised */
		strcpy(line, i & 1 ? "type string size 1k " : "");
		n = 1 + (int)(rng % 10);
		for (w = 0; w < n; w++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			if ((rng >> 60) == 0) {
				unsigned int k;

				for (k = 0; k < sizeof(junk) - 1; k++)
					junk[k] = (char)(33 + (rng >> (k * 3 % 56)) % 90);
				junk[sizeof(junk) - 1] = 0;
				strcat(line, junk);
			} else {
				strcat(line, words[(rng >> 33) % ARRAY_SIZE(words)]);
			}
			strcat(line, " ");
		}
		err[0] = 0;
		if (stktable_parse_line(&d, line, err, sizeof(err)) == 0) {
			ok++;
			if (d.size <= 100000) {
				assert_int_equal(stktable_init(&t, "r", &d), 0);
				stktable_deinit(&t);
			}
		} else if (!err[0]) {
			fail_msg("'%s' failed without a message", line);
		}
	}
	print_message("%d of 20000 random lines parsed\n", ok);
}

static void test_parse_units(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(stktable_parse_time("1500", &v), 0);
	assert_int_equal(v, 1500);
	assert_int_equal(stktable_parse_time("1500us", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(stktable_parse_time("2m", &v), 0);
	assert_int_equal(v, 120000);
	assert_int_equal(stktable_parse_time("24d", &v), 0);
	assert_int_equal(v, 24 * 86400000U);
	assert_int_equal(stktable_parse_time("25d", &v), -ERANGE);
	assert_int_equal(stktable_parse_time("s", &v), -EINVAL);
	assert_int_equal(stktable_parse_size("3k", &v), 0);
	assert_int_equal(v, 3072);
	assert_int_equal(stktable_parse_size("2g", &v), 0);
	assert_int_equal(v, 2U << 30);
	assert_int_equal(stktable_parse_size("4g", &v), -ERANGE);
	assert_int_equal(stktable_parse_size("1kk", &v), -EINVAL);
}

/* ---- layout and data types ---- */

static void test_layout(void **state)
{
	struct stktable t;
	int i, j;

	(void)state;
	mk(&t, "type ip size 1000 store conn_cur,conn_rate(10s),http_req_rate(10s)");
	print_message("ip entry with conn_cur,conn_rate,http_req_rate: %u bytes (header %zu)\n",
	              t.entry_size, sizeof(struct stksess));
	assert_true(t.entry_size <= 72);
	stktable_deinit(&t);

	/* everything at once: offsets aligned and disjoint */
	mk(&t, "type string len 13 size 10 store server_id,server_key,gpt0,gpt(3),gpc0,gpc0_rate(1s),gpc1,gpc1_rate(1s),gpc(4),gpc_rate(2,1s),conn_cnt,conn_cur,conn_rate(1s),sess_cnt,sess_rate(1s),http_req_cnt,http_req_rate(1s),http_err_cnt,http_err_rate(1s),http_fail_cnt,http_fail_rate(1s),bytes_in_cnt,bytes_in_rate(1s),bytes_out_cnt,bytes_out_rate(1s),glitch_cnt,glitch_rate(1s)");
	for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
		size_t sz = stktable_data_type_size(i), a = t.data_ofs[i];
		size_t ea = a + sz * t.def.nbelem[i];

		assert_true(a >= sizeof(struct stksess) + t.key_size);
		assert_int_equal(a % (sz == 8 ? 8 : 4), 0);
		assert_true(ea <= t.entry_size);
		for (j = 0; j < STKTABLE_DATA_TYPES; j++) {
			size_t b = t.data_ofs[j], eb = b + stktable_data_type_size(j) * t.def.nbelem[j];

			if (i != j)
				assert_true(ea <= b || eb <= a);
		}
	}
	stktable_deinit(&t);
}

static void test_data_types(void **state)
{
	struct stktable t;
	struct stksess *ts;
	uint64_t v;
	int i;
	const char *sk;

	(void)state;
	now_ms = T0;
	mk(&t, "type integer size 10 store server_id,server_key,gpt0,gpt(3),gpc0,gpc0_rate(1s),gpc1,gpc1_rate(1s),gpc(4),gpc_rate(2,1s),conn_cnt,conn_cur,conn_rate(1s),sess_cnt,sess_rate(1s),http_req_cnt,http_req_rate(1s),http_err_cnt,http_err_rate(1s),http_fail_cnt,http_fail_rate(1s),bytes_in_cnt,bytes_in_rate(1s),bytes_out_cnt,bytes_out_rate(1s),glitch_cnt,glitch_rate(1s)");
	{
		uint32_t k = 7;
		struct stktable_key key = { &k, 4 };

		ts = stktable_get_or_create(&t, &key, NULL);
	}
	assert_non_null(ts);
	for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
		const struct stktable_data_type *dt = &stktable_data_types[i];
		unsigned int e;

		for (e = 0; e < t.def.nbelem[i]; e++) {
			assert_int_equal(stktable_data_get(&t, ts, i, e, &v), 0);
			assert_int_equal(v, 0);            /* created zeroed */
			switch (dt->std_type) {
			case STKTABLE_STD_SINT:
				assert_int_equal(stktable_data_set(&t, ts, i, e, (uint64_t)-5), 0);
				assert_int_equal(stktable_data_get(&t, ts, i, e, &v), 0);
				assert_int_equal((int64_t)v, -5);
				break;
			case STKTABLE_STD_UINT:
				assert_int_equal(stktable_data_add(&t, ts, i, e, 3), 0);
				assert_int_equal(stktable_data_add(&t, ts, i, e, 4), 0);
				assert_int_equal(stktable_data_get(&t, ts, i, e, &v), 0);
				assert_int_equal(v, 7);
				break;
			case STKTABLE_STD_ULL:
				assert_int_equal(stktable_data_add(&t, ts, i, e, 5000000000LL), 0);
				assert_int_equal(stktable_data_get(&t, ts, i, e, &v), 0);
				assert_true(v == 5000000000ULL);
				break;
			case STKTABLE_STD_FRQP:
				assert_int_equal(stktable_data_add(&t, ts, i, e, 10), 0);
				assert_int_equal(stktable_data_get(&t, ts, i, e, &v), 0);
				assert_int_equal(v, 10);
				now_ms += 1500;             /* half of it remains */
				assert_int_equal(stktable_data_get(&t, ts, i, e, &v), 0);
				assert_int_equal(v, 5);
				now_ms -= 1500;
				assert_int_equal(stktable_data_add(&t, ts, i, e, -1), -EINVAL);
				break;
			case STKTABLE_STD_DICT:
				sk = stktable_dict_intern("srv1", 4);
				assert_ptr_equal(sk, stktable_dict_intern("srv1", 4));
				assert_int_equal(stktable_data_set(&t, ts, i, e, (uintptr_t)sk), 0);
				assert_int_equal(stktable_data_get(&t, ts, i, e, &v), 0);
				assert_string_equal((const char *)(uintptr_t)v, "srv1");
				break;
			}
		}
		/* out of range element */
		assert_int_equal(stktable_data_get(&t, ts, i, t.def.nbelem[i], &v), -ENOENT);
	}
	/* conn_cur never goes below zero */
	stktable_data_set(&t, ts, STKTABLE_DT_CONN_CUR, 0, 1);
	stktable_data_add(&t, ts, STKTABLE_DT_CONN_CUR, 0, -3);
	stktable_data_get(&t, ts, STKTABLE_DT_CONN_CUR, 0, &v);
	assert_int_equal(v, 0);
	stktable_release(&t, ts);
	stktable_deinit(&t);

	/* a type not stored */
	mk(&t, "type ip size 10 store gpc0");
	ts = get_ip(&t, 1);
	assert_int_equal(stktable_data_get(&t, ts, STKTABLE_DT_CONN_CUR, 0, &v), -ENOENT);
	assert_null(stktable_data_ptr(&t, ts, STKTABLE_DT_CONN_CUR, 0));
	stktable_release(&t, ts);
	stktable_deinit(&t);
}

/* ---- key types and truncation ---- */

static void test_key_types(void **state)
{
	struct stktable t;
	struct stksess *a, *b;
	unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint32_t i32 = 123456;
	struct stktable_key k;

	(void)state;
	now_ms = T0;
	mk(&t, "type ipv6 size 10 store gpc0");
	k.ptr = v6;
	k.len = 16;
	a = stktable_get_or_create(&t, &k, NULL);
	v6[15] = 2;
	b = stktable_get_or_create(&t, &k, NULL);
	assert_ptr_not_equal(a, b);
	v6[15] = 1;
	assert_ptr_equal(stktable_lookup(&t, &k), a);
	assert_memory_equal(stksess_key(a), v6, 16);
	stktable_release(&t, a);
	stktable_release(&t, a);
	stktable_release(&t, b);
	stktable_deinit(&t);

	mk(&t, "type integer size 10 store gpc0");
	k.ptr = &i32;
	k.len = 4;
	a = stktable_get_or_create(&t, &k, NULL);
	assert_ptr_equal(stktable_lookup_noexp(&t, &k), a);
	assert_memory_equal(stksess_key(a), &i32, 4);
	stktable_release(&t, a);
	stktable_release(&t, a);
	stktable_deinit(&t);

	/* strings: cut at `len` and at the first NUL */
	mk(&t, "type string len 8 size 10 store gpc0");
	k.ptr = "abcdefghXYZ";
	k.len = 11;
	a = stktable_get_or_create(&t, &k, NULL);
	assert_string_equal((const char *)stksess_key(a), "abcdefgh");
	k.ptr = "abcdefghQQQQ";                       /* same first 8 bytes: same entry */
	k.len = 12;
	assert_ptr_equal(stktable_lookup_noexp(&t, &k), a);
	k.ptr = "abc\0zzz";
	k.len = 7;
	b = stktable_get_or_create(&t, &k, NULL);
	k.ptr = "abc";
	k.len = 3;
	assert_ptr_equal(stktable_lookup_noexp(&t, &k), b);
	k.ptr = "abcd";
	k.len = 3;                                    /* only <len> bytes count */
	assert_ptr_equal(stktable_lookup_noexp(&t, &k), b);
	stktable_release(&t, a);
	stktable_release(&t, a);
	stktable_release(&t, b);
	stktable_release(&t, b);
	stktable_release(&t, b);
	stktable_deinit(&t);

	/* binary: cut at `len`, shorter keys zero-padded */
	mk(&t, "type binary len 4 size 10 store gpc0");
	k.ptr = "\x01\x02\x03\x04\x05";
	k.len = 5;
	a = stktable_get_or_create(&t, &k, NULL);
	assert_memory_equal(stksess_key(a), "\x01\x02\x03\x04", 4);
	k.ptr = "\x01\x02";
	k.len = 2;
	b = stktable_get_or_create(&t, &k, NULL);
	assert_memory_equal(stksess_key(b), "\x01\x02\x00\x00", 4);
	k.ptr = "\x01\x02\x00\x00\x09";
	k.len = 5;
	assert_ptr_equal(stktable_lookup_noexp(&t, &k), b);
	stktable_release(&t, a);
	stktable_release(&t, b);
	stktable_release(&t, b);
	stktable_deinit(&t);
}

/* ---- operations ---- */

static void test_ops(void **state)
{
	struct stktable t;
	struct stktable_stats st;
	struct stksess *a, *b;
	int e;
	uint32_t kb;
	struct stktable_key k = ipkey(&kb, 0x0a000001);

	(void)state;
	now_ms = T0;
	mk(&t, "type ip size 100 expire 10s store conn_cur");
	assert_null(stktable_lookup(&t, &k));
	a = stktable_get_or_create(&t, &k, &e);
	assert_non_null(a);
	assert_int_equal(e, 1);
	assert_int_equal(stksess_refs(a), 1);
	assert_int_equal(stksess_expire(a), T0 + 10000);
	b = stktable_get_or_create(&t, &k, &e);
	assert_ptr_equal(a, b);
	assert_int_equal(e, 0);
	assert_int_equal(stksess_refs(a), 2);

	/* lookup refreshes the expiry, lookup_noexp does not */
	now_ms = T0 + 1000;
	b = stktable_lookup_noexp(&t, &k);
	assert_int_equal(stksess_expire(a), T0 + 10000);
	stktable_release(&t, b);
	b = stktable_lookup(&t, &k);
	assert_int_equal(stksess_expire(a), T0 + 11000);
	stktable_release(&t, b);

	/* touch refreshes and may drop the reference */
	now_ms = T0 + 2000;
	stktable_touch_local(&t, a, 1);
	assert_int_equal(stksess_refs(a), 1);
	assert_int_equal(stksess_expire(a), T0 + 12000);
	stktable_touch_remote(&t, a, 0);
	stktable_release(&t, a);
	assert_int_equal(stksess_refs(a), 0);

	/* kill of an unreferenced entry frees it now */
	a = stktable_lookup(&t, &k);
	assert_int_equal(stktable_kill(&t, a, 1), 1);
	assert_null(stktable_lookup(&t, &k));

	/* kill of a referenced entry: gone from the index, alive until released */
	a = stktable_get_or_create(&t, &k, NULL);
	b = stktable_lookup(&t, &k);
	assert_int_equal(stktable_kill(&t, a, 1), 0);
	assert_null(stktable_lookup(&t, &k));
	stktable_get_stats(&t, &st);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.alive, 1);
	assert_int_equal(stktable_kill(&t, b, 0), 0);        /* twice: no harm */
	stktable_touch_local(&t, b, 0);                      /* unlinked: no effect */
	assert_int_equal(stktable_set_entry_expire(&t, b, 5), -ENOENT);
	stktable_data_add(&t, b, STKTABLE_DT_CONN_CUR, 0, 1); /* data still usable */
	stktable_release(&t, b);
	stktable_get_stats(&t, &st);
	assert_int_equal(st.alive, 0);
	assert_int_equal(st.killed, 2);
	/* a new entry for the same key is a fresh one */
	a = stktable_get_or_create(&t, &k, &e);
	assert_int_equal(e, 1);
	stktable_release(&t, a);
	assert_int_equal(stktable_check(&t), 1);
	stktable_deinit(&t);
}

/* ---- expiry ---- */

static void test_expiry(void **state)
{
	struct stktable t;
	struct stktable_stats st;
	struct stksess *ts, *held;
	uint32_t i, next;

	(void)state;
	now_ms = T0;
	mk(&t, "type ip size 1000 expire 1s store conn_cur");
	for (i = 0; i < 100; i++) {
		now_ms = T0 + i * 10;                  /* 0..990 ms, crossing the wrap later */
		stktable_release(&t, get_ip(&t, i));
	}
	held = find_ip(&t, 5);                        /* expires at T0+1050 */
	assert_int_equal(stktable_purge(&t, T0 + 999, 1000, &next), 0);
	assert_int_equal(next, T0 + 1000);
	/* half are due at T0+1495; the held one stays */
	assert_int_equal(stktable_purge(&t, T0 + 1495, 1000, &next), 49);
	assert_int_equal(next, T0 + 1500);
	assert_true(has_ip(&t, 5));
	assert_false(has_ip(&t, 4));
	assert_true(has_ip(&t, 50));
	/* budget: bounded batch, then "now" as next date */
	assert_int_equal(stktable_purge(&t, T0 + 5000, 10, &next), 10);
	assert_int_equal(next, T0 + 5000);
	assert_int_equal(stktable_purge(&t, T0 + 5000, 1000, &next), 40);
	/* the held one, expired again, is renewed: the next date covers it,
	 * so the purge task cannot stop while it remains
	 */
	assert_int_equal(next, T0 + 6000);
	stktable_get_stats(&t, &st);
	assert_int_equal(st.used, 1);
	assert_int_equal(st.expired, 99);
	assert_int_equal(stktable_check(&t), 1);
	/* released after that date, the expired entry goes with its release */
	now_ms = T0 + 6001;
	stktable_release(&t, held);
	stktable_get_stats(&t, &st);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.alive, 0);
	assert_int_equal(st.expired, 100);

	/* a touch keeps an entry alive; crossing the tick wrap */
	now_ms = (uint32_t)-300;
	ts = get_ip(&t, 1);
	now_ms = 500;                                 /* after the wrap */
	stktable_touch_local(&t, ts, 1);
	assert_int_equal(stktable_purge(&t, 1000, 1000, &next), 0);
	assert_int_equal(next, 1500);
	assert_int_equal(stktable_purge(&t, 1500, 1000, &next), 1);
	stktable_deinit(&t);

	/* no expire: entries never expire */
	now_ms = T0;
	mk(&t, "type ip size 10 store conn_cur");
	stktable_release(&t, get_ip(&t, 1));
	assert_int_equal(stksess_expire(find_ip(&t, 1)), TICK_ETERNITY);
	stktable_release(&t, find_ip(&t, 1));
	assert_int_equal(stktable_purge(&t, T0 + 1000000, 100, &next), 0);
	assert_int_equal(next, TICK_ETERNITY);
	stktable_deinit(&t);
}

static void test_expiry_override(void **state)
{
	struct stktable t;
	struct stksess *a, *b;
	uint32_t next;

	(void)state;
	now_ms = T0;
	mk(&t, "type ip size 100 expire 10s store conn_cur");
	a = get_ip(&t, 1);
	b = get_ip(&t, 2);
	/* longer: a ban of one hour survives touches */
	assert_int_equal(stktable_set_entry_expire(&t, a, 3600000), 0);
	/* shorter: 1 s */
	assert_int_equal(stktable_set_entry_expire(&t, b, 1000), 0);
	stktable_release(&t, b);
	now_ms = T0 + 5000;
	stktable_touch_local(&t, a, 1);
	assert_int_equal(stksess_expire(a), T0 + 3600000);
	assert_int_equal(stktable_check(&t), 2);
	assert_int_equal(stktable_purge(&t, T0 + 1000, 100, &next), 1);   /* b */
	assert_int_equal(next, T0 + 3600000);
	assert_false(has_ip(&t, 2));
	assert_int_equal(stktable_purge(&t, T0 + 3599999, 100, &next), 0);
	assert_true(has_ip(&t, 1));
	assert_int_equal(stktable_purge(&t, T0 + 3600000, 100, &next), 1);
	assert_false(has_ip(&t, 1));

	/* a shorter override ends with the next touch */
	now_ms = T0;
	b = get_ip(&t, 3);
	stktable_set_entry_expire(&t, b, 100);
	stktable_touch_local(&t, b, 1);
	assert_int_equal(stksess_expire(b), T0 + 10000);
	assert_int_equal(stktable_check(&t), 1);
	assert_int_equal(stktable_purge(&t, T0 + 200, 100, &next), 0);
	stktable_deinit(&t);
}

/* ---- eviction ---- */

static void test_eviction(void **state)
{
	struct stktable t;
	struct stktable_stats st;
	struct stksess *held;
	int e;
	uint32_t i;

	(void)state;
	now_ms = T0;
	mk(&t, "type ip size 4 store conn_cur");
	assert_int_equal(t.nb_shards, 1);
	for (i = 1; i <= 4; i++) {
		now_ms++;
		stktable_release(&t, get_ip(&t, i));
	}
	/* touch 1: 2 is now the least recently touched */
	stktable_touch_local(&t, find_ip(&t, 1), 1);
	stktable_release(&t, get_ip(&t, 5));
	assert_false(has_ip(&t, 2));
	assert_true(has_ip(&t, 1));
	/* a referenced entry is skipped: 3 is held, 4 goes */
	held = find_ip(&t, 3);
	stktable_release(&t, get_ip(&t, 6));
	assert_false(has_ip(&t, 4));
	assert_true(has_ip(&t, 3));
	stktable_get_stats(&t, &st);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(st.used, 4);
	stktable_release(&t, held);
	stktable_deinit(&t);

	/* nopurge: creation refused and counted */
	mk(&t, "type ip size 2 nopurge store conn_cur");
	stktable_release(&t, get_ip(&t, 1));
	stktable_release(&t, get_ip(&t, 2));
	{
		uint32_t b;
		struct stktable_key k = ipkey(&b, 3);

		assert_null(stktable_get_or_create(&t, &k, &e));
		assert_int_equal(e, -ENOSPC);
	}
	stktable_get_stats(&t, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.evicted, 0);
	assert_true(has_ip(&t, 1));
	stktable_deinit(&t);

	/* everything referenced: refused even without nopurge */
	mk(&t, "type ip size 1 store conn_cur");
	held = get_ip(&t, 1);
	assert_null(get_ip(&t, 2));
	stktable_release(&t, held);
	assert_non_null(held = get_ip(&t, 2));
	stktable_release(&t, held);
	stktable_deinit(&t);
}

/* ---- update log ---- */

struct upd_seen {
	uint32_t keys[64];            /* keys reported (host order) */
	int n;                        /* how many */
};

static int upd_cb(struct stktable *t, struct stksess *ts, uint32_t upd, void *ctx)
{
	struct upd_seen *s = ctx;
	uint32_t k;

	(void)t;
	(void)upd;
	memcpy(&k, stksess_key(ts), 4);
	s->keys[s->n++] = ntohl(k);
	return 0;
}

static int seen(const struct upd_seen *s, uint32_t k)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->keys[i] == k)
			return 1;
	return 0;
}

/* Drains the update stream at <c> in batches of <max> into <s>. */
static void drain(struct stktable *t, struct stktable_updcur *c, unsigned int max, struct upd_seen *s)
{
	int rounds = 0;

	memset(s, 0, sizeof(*s));
	while (!stktable_updates_next(t, c, max, upd_cb, s))
		assert_true(++rounds < 1000);
}

/* stktable_updates_pending() filter: odd keys only. */
static int odd_key(struct stktable *t, struct stksess *ts, uint32_t upd, void *ctx)
{
	uint32_t k;

	memcpy(&k, stksess_key(ts), 4);
	return ntohl(k) & 1;
}

static void test_updates(void **state)
{
	struct stktable t;
	struct upd_seen s;
	struct stktable_stats st;
	struct stktable_updcur c, old, late;
	uint32_t i;

	(void)state;
	now_ms = T0;
	mk(&t, "type ip size 16k expire 10s store conn_cur");
	assert_true(t.nb_shards > 1);
	assert_int_equal(stktable_updcur_init(&t, &old, 0), 0);
	for (i = 1; i <= 10; i++)
		stktable_touch_local(&t, get_ip(&t, i), 1);
	stktable_touch_remote(&t, get_ip(&t, 11), 1);   /* remote: never reported */
	stktable_release(&t, get_ip(&t, 12));          /* created, never changed */
	assert_int_equal(stktable_updcur_init(&t, &late, 1), 0);
	assert_int_equal(stktable_updcur_init(&t, &c, 0), 0);
	/* counted without moving the cursor, bounded, filtered */
	assert_int_equal(stktable_updates_pending(&t, &c, 1000, NULL, NULL), 10);
	assert_int_equal(stktable_updates_pending(&t, &c, 4, NULL, NULL), 4);
	assert_int_equal(stktable_updates_pending(&t, &c, 1000, odd_key, NULL), 5);
	assert_int_equal(stktable_updates_pending(&t, &late, 1000, NULL, NULL), 0);
	drain(&t, &c, 1000, &s);
	assert_int_equal(s.n, 10);
	assert_int_equal(stktable_updates_pending(&t, &c, 1000, NULL, NULL), 0);
	for (i = 1; i <= 10; i++)
		assert_true(seen(&s, i));
	/* nothing new */
	drain(&t, &c, 1000, &s);
	assert_int_equal(s.n, 0);
	/* a consumer created after the changes sees none of them */
	drain(&t, &late, 1000, &s);
	assert_int_equal(s.n, 0);
	/* two local changes, one remote touch of an updated entry, an override */
	stktable_touch_local(&t, find_ip(&t, 3), 1);
	stktable_touch_local(&t, find_ip(&t, 12), 1);
	stktable_touch_remote(&t, find_ip(&t, 5), 1);
	{
		struct stksess *ts = find_ip(&t, 7);

		stktable_set_entry_expire(&t, ts, 60000);
		stktable_release(&t, ts);
	}
	assert_int_equal(stktable_updates_pending(&t, &c, 1000, NULL, NULL), 3);
	drain(&t, &c, 1000, &s);
	assert_int_equal(s.n, 3);
	assert_true(seen(&s, 3) && seen(&s, 12) && seen(&s, 7));
	/* an older consumer, resuming one entry at a time, gets each changed
	 * entry exactly once (a stop does not restart anything)
	 */
	drain(&t, &old, 1, &s);
	assert_int_equal(s.n, 11);
	for (i = 1; i <= 12; i++)
		assert_int_equal(seen(&s, i), i != 11);
	stktable_get_stats(&t, &st);
	assert_int_equal(st.updates, 13);
	assert_true(stktable_check(&t) == 12);
	stktable_updcur_free(&c);
	stktable_updcur_free(&old);
	stktable_updcur_free(&late);
	stktable_deinit(&t);
}

/* A consumer stopped in the middle of a shard must still report an entry
 * changed before its stopping point but moved beyond it since (a lookup):
 * comparing changes with the position reached would lose it.
 */
static void test_updates_resume_moved(void **state)
{
	struct stktable t;
	struct upd_seen s;
	struct stktable_updcur c;
	uint32_t i;
	int rounds = 0;

	(void)state;
	now_ms = T0;
	mk(&t, "type ip size 64 expire 10s store conn_cur");
	assert_int_equal(t.nb_shards, 1);
	assert_int_equal(stktable_updcur_init(&t, &c, 0), 0);
	for (i = 1; i <= 3; i++)
		stktable_touch_local(&t, get_ip(&t, i), 1);
	{
		uint32_t b;
		struct stktable_key k = ipkey(&b, 1);

		stktable_release(&t, stktable_lookup(&t, &k));   /* 1 moves to the tail */
	}
	memset(&s, 0, sizeof(s));
	while (!stktable_updates_next(&t, &c, 1, upd_cb, &s))
		assert_true(++rounds < 10);
	assert_int_equal(s.n, 3);
	assert_true(seen(&s, 1) && seen(&s, 2) && seen(&s, 3));
	stktable_updcur_free(&c);
	stktable_deinit(&t);
}

/* Sequence numbers compare with wrapping arithmetic: a shard whose counter
 * passes 2^32 keeps reporting the changes made after the wrap.
 */
static void test_updates_wrap(void **state)
{
	struct stktable t;
	struct upd_seen s;
	struct stktable_updcur c;
	uint32_t i;

	(void)state;
	now_ms = T0;
	mk(&t, "type ip size 1k expire 10s store conn_cur");
	for (i = 0; i < t.nb_shards; i++)
		atomic_store(&t.shards[i].seq, UINT32_MAX - 3);
	assert_int_equal(stktable_updcur_init(&t, &c, 1), 0);
	for (i = 1; i <= 20; i++)
		stktable_touch_local(&t, get_ip(&t, i), 1);
	drain(&t, &c, 3, &s);
	assert_int_equal(s.n, 20);
	stktable_touch_local(&t, find_ip(&t, 4), 1);
	drain(&t, &c, 3, &s);
	assert_int_equal(s.n, 1);
	assert_true(seen(&s, 4));
	stktable_updcur_free(&c);
	stktable_deinit(&t);
}

/* ---- sharding and statistics ---- */

static void test_shards(void **state)
{
	struct stktable t;
	struct stktable_stats st;
	uint32_t i;

	(void)state;
	now_ms = T0;
	mk(&t, "type ip size 1m store conn_cur");
	assert_int_equal(t.nb_shards, 256);
	for (i = 0; i < 50000; i++)
		stktable_release(&t, get_ip(&t, i));
	assert_int_equal(stktable_check(&t), 50000);
	stktable_get_stats(&t, &st);
	assert_int_equal(st.used, 50000);
	assert_int_equal(st.created, 50000);
	assert_int_equal(st.size, 1048576);
	for (i = 0; i < 50000; i += 7)
		assert_true(has_ip(&t, i));
	stktable_deinit(&t);

	{
		struct stktable_def d;

		stktable_parse_line(&d, "type ip size 1m store conn_cur", err, sizeof(err));
		d.flags |= STKTABLE_F_SINGLE_LOCK;
		assert_int_equal(stktable_init(&t, "single", &d), 0);
		assert_int_equal(t.nb_shards, 1);
		for (i = 0; i < 5000; i++)
			stktable_release(&t, get_ip(&t, i));
		assert_int_equal(stktable_check(&t), 5000);
		stktable_deinit(&t);
	}
}

/* ---- resumable walk ---- */

#define WALK_N 20000U

/* Counts visits per key; drops the visits of a bucket it stops in. */
struct walk_ctx {
	uint8_t seen[2 * WALK_N];       /* visits of key i (committed) */
	uint32_t pend[64];              /* keys of the current bucket */
	unsigned int npend;             /* in <pend> */
	unsigned int calls;             /* callback calls on entries */
	unsigned int stop_every;        /* stop on every Nth entry (0: never) */
	int stopped;                    /* stopped since the last complete bucket */
};

static int walk_fn(struct stktable *t, struct stksess *ts, void *ctx)
{
	struct walk_ctx *w = ctx;
	uint32_t k;

	(void)t;
	if (!ts) {
		for (unsigned int i = 0; i < w->npend; i++)
			w->seen[w->pend[i]]++;
		w->npend = 0;
		w->stopped = 0;
		return STKTABLE_WALK_NEXT;
	}
	/* a stop revisits its bucket: at most one per bucket, else a bucket
	 * longer than <stop_every> (the hash is seeded per process) would be
	 * stopped in forever
	 */
	if (w->stop_every && ++w->calls % w->stop_every == 0 && !w->stopped) {
		w->npend = 0;  /* this bucket is visited again */
		w->stopped = 1;
		return STKTABLE_WALK_STOP;
	}
	memcpy(&k, stksess_key(ts), 4);
	k = ntohl(k);
	assert_true(k < 2 * WALK_N);
	assert_true(w->npend < 64);
	w->pend[w->npend++] = k;
	return STKTABLE_WALK_NEXT;
}

static void test_walk_resume(void **state)
{
	struct stktable t;
	struct stktable_cursor cur;
	struct walk_ctx *w = calloc(1, sizeof(*w));
	unsigned int steps = 0;
	uint32_t i;

	(void)state;
	assert_non_null(w);
	now_ms = T0;

	/* a plain walk visits every entry once */
	mk(&t, "type ip size 64k store conn_cur");
	for (i = 0; i < WALK_N; i++)
		stktable_release(&t, get_ip(&t, i));
	memset(&cur, 0, sizeof(cur));
	while (!stktable_walk_resume(&t, &cur, 100, walk_fn, w))
		steps++;
	assert_true(steps > WALK_N / 1100); /* bounded batches */
	for (i = 0; i < WALK_N; i++)
		assert_int_equal(w->seen[i], 1);
	stktable_deinit(&t);

	/* stops and index growth between steps: every entry present during
	 * the whole walk is still visited exactly once
	 */
	memset(w, 0, sizeof(*w));
	w->stop_every = 7;
	{
		struct stktable_def d;

		assert_int_equal(stktable_parse_line(&d, "type ip size 64k store conn_cur", err, sizeof(err)), 0);
		d.flags |= STKTABLE_F_SINGLE_LOCK;
		assert_int_equal(stktable_init(&t, "walk", &d), 0);
	}
	for (i = 0; i < 100; i++)
		stktable_release(&t, get_ip(&t, i));
	memset(&cur, 0, sizeof(cur));
	steps = 0;
	i = 100;
	while (!stktable_walk_resume(&t, &cur, 5, walk_fn, w)) {
		/* grow the index (16 new keys per step) */
		for (unsigned int j = 0; j < 16 && i < 2 * WALK_N; j++, i++)
			stktable_release(&t, get_ip(&t, i));
		steps++;
		assert_true(steps < 1000000);
	}
	assert_true(t.shards[0].nb_mask + 1 > 128); /* it did grow */
	for (i = 0; i < 100; i++)
		assert_int_equal(w->seen[i], 1);
	for (; i < 2 * WALK_N; i++)
		assert_true(w->seen[i] <= 1);
	assert_true(stktable_check(&t) > 0);
	stktable_deinit(&t);

	/* an empty table finishes at once */
	memset(w, 0, sizeof(*w));
	mk(&t, "type ip size 1k store conn_cur");
	memset(&cur, 0, sizeof(cur));
	for (steps = 0; !stktable_walk_resume(&t, &cur, 100, walk_fn, w); steps++)
		assert_true(steps < 10000);
	stktable_deinit(&t);
	free(w);
}


/* Found by fuzzing: the formatted definition lost `srvkey addr`, and a
 * repeated `peers` left the first name's tail in the struct.
 */
static void test_def_format_round_trip(void **state)
{
	static const char *const lines[] = {
		"type binary len 20 size 10 peers p srvkey addr store server_id,server_key",
		"type ip size 10 peers a_rather_long_peers_section_name peers b",
		"type string len 64 size 100k expire 30s nopurge store gpc(3),gpc_rate(3,1m),gpt(2)",
	};
	struct stktable_def a, b;
	char msg[256], line[1024];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(stktable_parse_line(&a, lines[i], msg, sizeof(msg)), 0);
		assert_true((size_t)stktable_def_format(&a, line, sizeof(line)) < sizeof(line));
		assert_int_equal(stktable_parse_line(&b, line, msg, sizeof(msg)), 0);
		assert_memory_equal(&a, &b, sizeof(a));
	}
	assert_int_equal(stktable_parse_line(&a, lines[0], msg, sizeof(msg)), 0);
	stktable_def_format(&a, line, sizeof(line));
	assert_non_null(strstr(line, " srvkey addr"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_units),
		cmocka_unit_test(test_parse_random),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_data_types),
		cmocka_unit_test(test_key_types),
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_expiry_override),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_updates),
		cmocka_unit_test(test_updates_wrap),
		cmocka_unit_test(test_updates_resume_moved),
		cmocka_unit_test(test_shards),
		cmocka_unit_test(test_walk_resume),
		cmocka_unit_test(test_def_format_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
