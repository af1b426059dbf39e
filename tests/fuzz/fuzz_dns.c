/*
 * libFuzzer target for the DNS response parser (dns.h):
 * dns_parse_response().
 *
 * Input: one datagram from a nameserver of a `resolvers` section.
 *
 * Invariants checked (abort on violation):
 *  - no crash, no read past the length (each parse gets a heap copy of
 *    exactly the bytes it may read, so ASan sees any overread);
 *  - the result is the length or a negative enum dns_err;
 *  - on success: at most DNS_MAX_ITEMS items, each of a kept type, names
 *    NUL-terminated within DNS_MAX_NAME, lower case;
 *  - a datagram is whole: every strict prefix of a valid one is refused.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/dns.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static struct dns_response resp;

static int parse_copy(const uint8_t *data, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);
	int r;

	CHECK(copy);
	memcpy(copy, data, len);
	r = dns_parse_response(copy, len, &resp);
	free(copy);
	return r;
}

static void check_name(const char *s)
{
	size_t n = strnlen(s, DNS_MAX_NAME + 1);

	CHECK(n <= DNS_MAX_NAME);
	for (size_t i = 0; i < n; i++)
		CHECK(!(s[i] >= 'A' && s[i] <= 'Z'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	int r = parse_copy(data, len);

	if (r < 0) {
		CHECK(r >= DNS_E_TRAILING);
		return 0;
	}
	CHECK((size_t)r == len);
	CHECK(resp.n <= DNS_MAX_ITEMS);
	check_name(resp.qname);
	for (unsigned int i = 0; i < resp.n; i++) {
		const struct dns_item *it = &resp.items[i];

		CHECK(it->type == DNS_T_A || it->type == DNS_T_AAAA || it->type == DNS_T_SRV);
		check_name(it->target);
	}
	/* a few strict prefixes: all refused */
	for (size_t n = len > 8 ? len - 8 : 0; n < len; n++)
		CHECK(parse_copy(data, n) < 0);
	return 0;
}
