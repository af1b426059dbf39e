/*
 * DNS message tests (dns.h): queries as a nameserver reads them, responses
 * with compression, CNAME chains, SRV records, and malformed ones (each
 * placed right before a PROT_NONE page, so a read past <len> faults).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers/fence.h"

#include <tollgate/dns.h>

static struct dns_response resp;

static int parse(const unsigned char *b, size_t len)
{
	return dns_parse_response(test_fenced(b, len), len, &resp);
}

static void test_query(void **state)
{
	unsigned char b[512];
	static const unsigned char want[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
		0, 1, 0, 1,
		0, 0, 41, 0x05, 0xdc, 0, 0, 0, 0, 0, 0,
	};
	int n = dns_build_query(b, sizeof(b), 0x1234, "www.example.", DNS_T_A, 1500);

	assert_int_equal(n, (int)sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	/* 512: no OPT record */
	n = dns_build_query(b, sizeof(b), 1, "a", DNS_T_AAAA, 512);
	assert_int_equal(n, 12 + 3 + 4);
	assert_int_equal(b[11], 0);
	assert_int_equal(dns_build_query(b, sizeof(b), 1, "a..b", DNS_T_A, 0), -EINVAL);
	assert_int_equal(dns_build_query(b, sizeof(b), 1, "", DNS_T_A, 0), -EINVAL);
	assert_int_equal(dns_build_query(b, 20, 1, "www.example", DNS_T_A, 0), -ENOSPC);
	{
		char lbl[80];

		memset(lbl, 'a', 64);
		lbl[64] = '\0';
		assert_int_equal(dns_build_query(b, sizeof(b), 1, lbl, DNS_T_A, 0), -EINVAL);
	}
}

/* www.example A: CNAME to Web.Example (compressed), then two A records of
 * web.example, one of another name (skipped), then an authority record.
 */
static const unsigned char cname_resp[] = {
	0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 4, 0, 1, 0, 0,
	/* 12 */ 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
	/* 29: CNAME */ 0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, 'W', 'e', 'b', 0xc0, 16,
	/* 47: A */ 0xc0, 41, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 0, 0, 1,
	/* 63: A */ 0xc0, 41, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 0, 0, 2,
	/* 79: A of example (not in the chain) */ 0xc0, 16, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 9, 9, 9, 9,
	/* 95: NS in authority */ 0xc0, 16, 0, 2, 0, 1, 0, 0, 0, 30, 0, 2, 0xc0, 16,
};

static void test_cname_chain(void **state)
{
	assert_int_equal(parse(cname_resp, sizeof(cname_resp)), (int)sizeof(cname_resp));
	assert_int_equal(resp.id, 0xabcd);
	assert_int_equal(resp.rcode, DNS_RCODE_NOERROR);
	assert_string_equal(resp.qname, "www.example");
	assert_int_equal(resp.qtype, DNS_T_A);
	assert_int_equal(resp.cnames, 1);
	assert_int_equal(resp.n, 2);
	assert_int_equal(resp.skipped, 1);
	assert_int_equal(resp.items[0].ttl, 30);
	assert_memory_equal(resp.items[1].ip, "\x0a\x00\x00\x02", 4);
	/* every shorter datagram is refused, never read past */
	for (size_t n = 0; n < sizeof(cname_resp); n++)
		assert_true(parse(cname_resp, n) < 0);
}

static void test_srv_and_errors(void **state)
{
	static const unsigned char srv[] = {
		0, 7, 0x85, 0x03, 0, 1, 0, 1, 0, 0, 0, 0,
		5, '_', 'h', 't', 't', 'p', 4, '_', 't', 'c', 'p', 1, 'x', 0, 0, 33, 0, 1,
		0xc0, 12, 0, 33, 0, 1, 0, 0, 1, 0, 0, 10, 0, 10, 0, 5, 0x1f, 0x90, 1, 'a', 0xc0, 23,
	};
	unsigned char b[sizeof(cname_resp)];

	assert_int_equal(parse(srv, sizeof(srv)), (int)sizeof(srv));
	assert_int_equal(resp.rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(resp.n, 1);
	assert_int_equal(resp.items[0].port, 8080);
	assert_int_equal(resp.items[0].prio, 10);
	assert_string_equal(resp.items[0].target, "a.x");
	/* with the target's address in the additional section, and one of
	 * another name (ignored)
	 */
	{
		static const unsigned char more[] = {
			0xc0, 48, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 1, 2, 3,
			0xc0, 23, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 9, 9, 9,
		};
		unsigned char t[sizeof(srv) + sizeof(more)];

		memcpy(t, srv, sizeof(srv));
		memcpy(t + sizeof(srv), more, sizeof(more));
		t[11] = 2;
		assert_int_equal(parse(t, sizeof(t)), (int)sizeof(t));
		assert_int_equal(resp.n, 2);
		assert_true(resp.items[1].additional);
		assert_string_equal(resp.items[1].target, "a.x");
		assert_memory_equal(resp.items[1].ip, "\x0a\x01\x02\x03", 4);
	}

	/* a query, not a response */
	memcpy(b, cname_resp, sizeof(b));
	b[2] = 0x01;
	assert_int_equal(parse(b, sizeof(b)), DNS_E_NOT_RESPONSE);
	/* a pointer to itself, then forwards */
	memcpy(b, cname_resp, sizeof(b));
	b[30] = 29;
	assert_int_equal(parse(b, sizeof(b)), DNS_E_NAME);
	b[30] = 60;
	assert_int_equal(parse(b, sizeof(b)), DNS_E_NAME);
	/* an A record of 5 bytes */
	memcpy(b, cname_resp, sizeof(b));
	b[58] = 5;
	assert_true(parse(b, sizeof(b)) < 0);
	/* two questions */
	memcpy(b, cname_resp, sizeof(b));
	b[5] = 2;
	assert_int_equal(parse(b, sizeof(b)), DNS_E_QUESTION);
	/* a reserved label type */
	memcpy(b, cname_resp, sizeof(b));
	b[12] = 0x43;
	assert_int_equal(parse(b, sizeof(b)), DNS_E_NAME);
	/* trailing bytes */
	{
		unsigned char t[sizeof(cname_resp) + 1];

		memcpy(t, cname_resp, sizeof(cname_resp));
		t[sizeof(cname_resp)] = 0;
		assert_int_equal(parse(t, sizeof(t)), DNS_E_TRAILING);
	}
}

static void test_name_eq(void **state)
{
	assert_true(dns_name_eq("WWW.example.", "www.Example"));
	assert_false(dns_name_eq("www.example", "www.exampl"));
	assert_false(dns_name_eq("a", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_srv_and_errors),
		cmocka_unit_test(test_name_eq),
	};

	return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
