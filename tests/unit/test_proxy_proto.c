/*
 * PROXY protocol parser tests (proxy_proto.h). For every input, every
 * prefix is parsed: the answers must be 0 ("need more") up to the point
 * where the test says the input becomes complete or wrong, then the final
 * answer for every longer prefix; each input is placed right before a
 * PROT_NONE page, so a read past <len> faults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "helpers/fence.h"

#include <tollgate/proxy_proto.h>


/* Parses every prefix of <b>: 0 below <first>, <res> from <first> on
 * (<res> > 0: the bytes consumed). The parse of the whole is left in <pp>
 * (its TLV pointer into the fenced copy).
 */
static void expect_prefixes(const unsigned char *b, size_t len, size_t first, int res,
                            struct pp_info *pp)
{
	for (size_t n = 0; n <= len; n++) {
		int want = n < first ? 0 : res;
		int r = pp_parse(test_fenced(b, n), n, pp);

		if (r != want)
			fail_msg("pp_parse(%zu of %zu bytes) = %d, expected %d", n, len, r, want);
		if (r <= 0) {
			assert_int_equal(pp->version, 0);
			assert_int_equal(pp->has_addr, 0);
			assert_null(pp->tlv);
		}
	}
}

static void expect_v1(const char *line, int res, size_t first)
{
	struct pp_info pp;

	expect_prefixes((const unsigned char *)line, strlen(line), first, res, &pp);
}

static void check_inet(const struct addr *a, int family, const char *ip, unsigned int port)
{
	char buf[INET6_ADDRSTRLEN];
	const struct sockaddr *sa = (const struct sockaddr *)&a->ss;

	assert_int_equal(a->kind, ADDR_INET);
	assert_int_equal(sa->sa_family, family);
	if (family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof(buf));
		assert_int_equal(ntohs(s4->sin_port), port);
	} else {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf));
		assert_int_equal(ntohs(s6->sin6_port), port);
	}
	assert_string_equal(buf, ip);
}

static void test_v1_valid(void **state)
{
	const char *l4 = "PROXY TCP4 192.0.2.1 198.51.100.2 5555 443\r\n";
	const char *l6 = "PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 0 65535\r\nGET /";
	struct pp_info pp;
	int n4 = (int)strlen(l4), n6 = (int)(strlen(l6) - 5);

	expect_prefixes((const unsigned char *)l4, (size_t)n4, (size_t)n4, n4, &pp);
	assert_int_equal(pp.version, 1);
	assert_true(pp.has_addr);
	check_inet(&pp.src, AF_INET, "192.0.2.1", 5555);
	check_inet(&pp.dst, AF_INET, "198.51.100.2", 443);
	/* what follows the header is not consumed */
	expect_prefixes((const unsigned char *)l6, strlen(l6), (size_t)n6, n6, &pp);
	check_inet(&pp.src, AF_INET6, "2001:db8::1", 0);
	check_inet(&pp.dst, AF_INET6, "::ffff:10.0.0.1", 65535);

	expect_v1("PROXY UNKNOWN\r\n", 15, 15);
	assert_int_equal(pp_parse((const unsigned char *)"PROXY UNKNOWN ffff::1 x 1 2\r\n", 29, &pp), 29);
	assert_int_equal(pp.has_addr, 0);
	assert_int_equal(pp.version, 1);
}

static void test_v1_invalid(void **state)
{
	/* wrong from the first differing byte */
	expect_v1("GET / HTTP/1.1\r\n", PP_ERR_SIG, 1);
	expect_v1("PROXX TCP4", PP_ERR_SIG, 5);
	expect_v1("proxy TCP4", PP_ERR_SIG, 1);
	/* wrong once the line is complete */
	expect_v1("PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", PP_ERR_V1, 32);
	expect_v1("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n", PP_ERR_V1, 31);
	expect_v1("PROXY TCP4 1.2.3.400 1.2.3.4 1 2\r\n", PP_ERR_V1, 34);
	expect_v1("PROXY TCP4 1.2.3.4 ::1 1 2\r\n", PP_ERR_V1, 28);
	expect_v1("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", PP_ERR_V1, 28);
	expect_v1("PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n", PP_ERR_V1, 36);
	expect_v1("PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n", PP_ERR_V1, 33);
	expect_v1("PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n", PP_ERR_V1, 30);
	expect_v1("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n", PP_ERR_V1, 34);
	expect_v1("PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n", PP_ERR_V1, 33);
	expect_v1("PROXY TCP4 1.2.3.4 1.2.3.4 1 \r\n", PP_ERR_V1, 31);
	expect_v1("PROXY \r\n", PP_ERR_V1, 8);
	expect_v1("PROXY\r\n", PP_ERR_SIG, 6);
}

static void test_v1_too_long(void **state)
{
	char line[200];

	/* no CRLF within 107 bytes: an error as soon as 107 bytes are there */
	memset(line, 'a', sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	{
		struct pp_info pp;

		expect_prefixes((const unsigned char *)line, sizeof(line), PP_V1_MAX_LEN, PP_ERR_V1, &pp);
	}
	/* exactly 107 bytes with the CRLF: accepted */
	memcpy(line + PP_V1_MAX_LEN - 2, "\r\n", 2);
	expect_v1(strndupa(line, PP_V1_MAX_LEN), PP_V1_MAX_LEN, PP_V1_MAX_LEN);
}

/* A v2 header: command byte, family, address block of <alen> bytes taken
 * from <addr>, then <tlv>/<tlen>; written to <out>, returns its length.
 */
static size_t v2(unsigned char *out, unsigned char cmd, unsigned char fam,
                 const unsigned char *addr, size_t alen, const unsigned char *tlv, size_t tlen)
{
	static const unsigned char sig[12] = "\r\n\r\n\0\r\nQUIT\n";
	size_t body = alen + tlen;

	memcpy(out, sig, 12);
	out[12] = cmd;
	out[13] = fam;
	out[14] = (unsigned char)(body >> 8);
	out[15] = (unsigned char)body;
	if (alen)
		memcpy(out + 16, addr, alen);
	if (tlen)
		memcpy(out + 16 + alen, tlv, tlen);
	return 16 + body;
}

static const unsigned char zeros[256];
static const unsigned char addr4[12] = { 10, 1, 2, 3, 10, 9, 8, 7, 0x10, 0x92, 0, 80 };

static void test_v2_valid(void **state)
{
	static const unsigned char tlvs[] = {
		0x02, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
		0x05, 0x00, 0x02, 0xAB, 0xCD,
		0xE1, 0x00, 0x00,
	};
	unsigned char b[512], a6[36];
	const unsigned char *val;
	struct pp_info pp;
	size_t n, vlen, off = 0;
	unsigned int type;

	n = v2(b, 0x21, 0x11, addr4, 12, tlvs, sizeof(tlvs));
	expect_prefixes(b, n, n, (int)n, &pp);
	assert_int_equal(pp.version, 2);
	check_inet(&pp.src, AF_INET, "10.1.2.3", 4242);
	check_inet(&pp.dst, AF_INET, "10.9.8.7", 80);
	assert_int_equal(pp.tlv_len, sizeof(tlvs));
	assert_true(pp_tlv_find(pp.tlv, pp.tlv_len, PP2_TYPE_AUTHORITY, &val, &vlen));
	assert_int_equal(vlen, 11);
	assert_memory_equal(val, "example.com", 11);
	assert_true(pp_tlv_find(pp.tlv, pp.tlv_len, PP2_TYPE_UNIQUE_ID, &val, &vlen));
	assert_int_equal(vlen, 2);
	assert_true(pp_tlv_find(pp.tlv, pp.tlv_len, 0xE1, &val, &vlen));
	assert_int_equal(vlen, 0);
	assert_false(pp_tlv_find(pp.tlv, pp.tlv_len, PP2_TYPE_ALPN, &val, &vlen));
	for (int i = 0; i < 3; i++)
		assert_true(pp_tlv_next(pp.tlv, pp.tlv_len, &off, &type, &val, &vlen));
	assert_false(pp_tlv_next(pp.tlv, pp.tlv_len, &off, &type, &val, &vlen));

	/* IPv6, bytes after the header left alone */
	memset(a6, 0, sizeof(a6));
	a6[15] = 1;
	a6[31] = 2;
	a6[33] = 7;
	a6[35] = 8;
	n = v2(b, 0x21, 0x21, a6, 36, NULL, 0);
	memcpy(b + n, "GET", 3);
	expect_prefixes(b, n + 3, n, (int)n, &pp);
	check_inet(&pp.src, AF_INET6, "::1", 7);
	check_inet(&pp.dst, AF_INET6, "::2", 8);
	assert_null(pp.tlv);

	/* LOCAL: skipped whole, no addresses, even with junk after them */
	n = v2(b, 0x20, 0x11, (const unsigned char *)"junkjunkjunkjunk", 16, NULL, 0);
	expect_prefixes(b, n, n, (int)n, &pp);
	assert_int_equal(pp.has_addr, 0);
	n = v2(b, 0x20, 0x00, NULL, 0, NULL, 0);
	expect_prefixes(b, n, n, 16, &pp);
	/* PROXY over a family we do not carry (UNIX, UDP): skipped */
	n = v2(b, 0x21, 0x31, zeros, 216, NULL, 0);
	expect_prefixes(b, n, n, (int)n, &pp);
	assert_int_equal(pp.has_addr, 0);
}

static void test_v2_crc(void **state)
{
	unsigned char tl[7] = { 0x03, 0x00, 0x04, 0, 0, 0, 0 };
	unsigned char b[64];
	struct pp_info pp;
	uint32_t crc;
	size_t n;

	/* the reference value of CRC32C("123456789") */
	assert_int_equal(pp_crc32c((const unsigned char *)"123456789", 9), 0xE3069283U);
	n = v2(b, 0x21, 0x11, addr4, 12, tl, sizeof(tl));
	crc = pp_crc32c(b, n);
	b[n - 4] = (unsigned char)(crc >> 24);
	b[n - 3] = (unsigned char)(crc >> 16);
	b[n - 2] = (unsigned char)(crc >> 8);
	b[n - 1] = (unsigned char)crc;
	expect_prefixes(b, n, n, (int)n, &pp);
	b[n - 1] ^= 1;
	expect_prefixes(b, n, n, PP_ERR_TLV, &pp);
	/* a CRC32C TLV of another length */
	tl[2] = 3;
	n = v2(b, 0x21, 0x11, addr4, 12, tl, 6);
	expect_prefixes(b, n, n, PP_ERR_TLV, &pp);
}

static void test_v2_invalid(void **state)
{
	unsigned char b[512], big[300];
	struct pp_info pp;
	size_t n;

	/* bad signature byte: wrong from there */
	n = v2(b, 0x21, 0x11, addr4, 12, NULL, 0);
	b[6] = 'X';
	expect_prefixes(b, n, 7, PP_ERR_SIG, &pp);
	/* version 1 or 3, command 2 */
	n = v2(b, 0x11, 0x11, addr4, 12, NULL, 0);
	expect_prefixes(b, n, 13, PP_ERR_V2, &pp);
	n = v2(b, 0x31, 0x11, addr4, 12, NULL, 0);
	expect_prefixes(b, n, 13, PP_ERR_V2, &pp);
	n = v2(b, 0x22, 0x11, addr4, 12, NULL, 0);
	expect_prefixes(b, n, 13, PP_ERR_V2, &pp);
	/* address block shorter than the family's: known at byte 16 */
	n = v2(b, 0x21, 0x11, addr4, 8, NULL, 0);
	expect_prefixes(b, n, 16, PP_ERR_V2, &pp);
	n = v2(b, 0x21, 0x21, zeros, 20, NULL, 0);
	expect_prefixes(b, n, 16, PP_ERR_V2, &pp);
	/* TLV past the end of the header, truncated TLV header */
	n = v2(b, 0x21, 0x11, addr4, 12, (const unsigned char *)"\x02\x00\x0a" "12345", 8);
	expect_prefixes(b, n, n, PP_ERR_TLV, &pp);
	n = v2(b, 0x21, 0x11, addr4, 12, (const unsigned char *)"\x02\x00", 2);
	expect_prefixes(b, n, n, PP_ERR_TLV, &pp);
	/* authority over 255 bytes, unique id over 128 */
	memset(big, 'a', sizeof(big));
	big[0] = 0x02;
	big[1] = 0x01;
	big[2] = 0x00;
	n = v2(b, 0x21, 0x11, addr4, 12, big, 3 + 256);
	expect_prefixes(b, n, n, PP_ERR_TLV, &pp);
	big[1] = 0x00;
	big[2] = 0xff;
	n = v2(b, 0x21, 0x11, addr4, 12, big, 3 + 255);
	expect_prefixes(b, n, n, (int)n, &pp);
	big[0] = 0x05;
	big[2] = 129;
	n = v2(b, 0x21, 0x11, addr4, 12, big, 3 + 129);
	expect_prefixes(b, n, n, PP_ERR_TLV, &pp);
	big[2] = 128;
	n = v2(b, 0x21, 0x11, addr4, 12, big, 3 + 128);
	expect_prefixes(b, n, n, (int)n, &pp);
}

static void test_v2_largest(void **state)
{
	static unsigned char b[PP_MAX_LEN];
	struct pp_info pp;
	size_t n = PP_MAX_LEN;

	/* 65535 bytes of body: the address block, then one big NOOP TLV */
	v2(b, 0x21, 0x11, addr4, 12, NULL, 0);
	b[14] = 0xff;
	b[15] = 0xff;
	b[28] = PP2_TYPE_NOOP;
	b[29] = (unsigned char)((65535 - 12 - 3) >> 8);
	b[30] = (unsigned char)(65535 - 12 - 3);
	assert_int_equal(pp_parse(test_fenced(b, n - 1), n - 1, &pp), 0);
	assert_int_equal(pp_parse(test_fenced(b, n), n, &pp), (int)n);
	assert_int_equal(pp.tlv_len, 65535 - 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_valid),
		cmocka_unit_test(test_v1_invalid),
		cmocka_unit_test(test_v1_too_long),
		cmocka_unit_test(test_v2_valid),
		cmocka_unit_test(test_v2_crc),
		cmocka_unit_test(test_v2_invalid),
		cmocka_unit_test(test_v2_largest),
	};

	return cmocka_run_group_tests_name("proxy_proto", tests, NULL, NULL);
}
