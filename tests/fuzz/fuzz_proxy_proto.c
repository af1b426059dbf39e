/*
 * libFuzzer target for the PROXY protocol header parser (proxy_proto.h):
 * pp_parse(), pp_tlv_next(), pp_tlv_find().
 *
 * Input: the first bytes of a client's stream on an accept-proxy listener.
 *
 * Invariants checked (abort on violation):
 *  - no crash, no read past the length (each parse gets a heap copy of
 *    exactly the bytes it may read, so ASan sees any overread);
 *  - the result is <0 (an enum pp_err), 0, or a length within the input
 *    and at most PP_MAX_LEN; on <= 0 the struct is zeroed;
 *  - on success: version 1 or 2, a v1 header ends with CRLF and is at most
 *    PP_V1_MAX_LEN bytes, the TLVs lie inside the header and the iterator
 *    walks them exactly to their end;
 *  - monotonic in the length: over the prefixes (all up to 256 bytes, a
 *    sample beyond), the answers are 0 up to a point, then one final
 *    answer, the same for every longer prefix.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/proxy_proto.h>

#define ALL_PREFIXES  256    /* inputs up to this length: every prefix */
#define SAMPLES       32     /* longer inputs: this many prefixes */

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static int parse_copy(const uint8_t *data, size_t len, struct pp_info *pp, size_t *tlv_off)
{
	unsigned char *copy = malloc(len ? len : 1);
	int r;

	CHECK(copy);
	memcpy(copy, data, len);
	r = pp_parse(copy, len, pp);
	*tlv_off = 0;
	if (r > 0) {
		CHECK((size_t)r <= len && r <= PP_MAX_LEN);
		CHECK(pp->version == 1 || pp->version == 2);
		if (pp->version == 1) {
			CHECK(r <= PP_V1_MAX_LEN && r >= 8);
			CHECK(copy[r - 2] == '\r' && copy[r - 1] == '\n');
			CHECK(!pp->tlv);
		}
		if (pp->tlv) {
			const unsigned char *val;
			size_t off = 0, vlen, seen = 0;
			unsigned int type;

			CHECK(pp->tlv > copy && pp->tlv + pp->tlv_len == copy + r);
			while (pp_tlv_next(pp->tlv, pp->tlv_len, &off, &type, &val, &vlen)) {
				CHECK(val >= pp->tlv && val + vlen <= pp->tlv + pp->tlv_len);
				seen++;
			}
			CHECK(off == pp->tlv_len && seen > 0);
			(void)pp_tlv_find(pp->tlv, pp->tlv_len, PP2_TYPE_AUTHORITY, &val, &vlen);
			*tlv_off = (size_t)(pp->tlv - copy);
		}
	} else {
		static const struct pp_info zero;

		CHECK(r == 0 || r == PP_ERR_SIG || r == PP_ERR_V1 || r == PP_ERR_V2 || r == PP_ERR_TLV);
		CHECK(!memcmp(pp, &zero, sizeof(zero)));
	}
	free(copy);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_info whole, part;
	size_t woff, poff, first = 0;
	int rw, rp, final_seen = 0;

	rw = parse_copy(data, size, &whole, &woff);
	for (size_t i = 0; i <= size; i++) {
		size_t n = i;

		if (size > ALL_PREFIXES) {
			if (i > SAMPLES)
				break;
			n = (size_t)((unsigned long long)size * i / SAMPLES);
		}
		rp = parse_copy(data, n, &part, &poff);
		if (rp == 0) {
			CHECK(!final_seen);
			continue;
		}
		if (!final_seen)
			first = n;
		final_seen = 1;
		CHECK(rp == rw);
		CHECK(part.version == whole.version && part.has_addr == whole.has_addr &&
		      part.tlv_len == whole.tlv_len && poff == woff);
	}
	(void)first;
	return 0;
}
