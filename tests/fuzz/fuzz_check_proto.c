/*
 * libFuzzer target for the protocol health checks' reply parsers
 * (check_proto.h): chkp_parse() for each parser.
 *
 * Input: one byte choosing the parser, then the server's reply as is.
 *
 * Invariants checked (abort on violation):
 *  - no crash, no read past the length (each parse gets a heap copy of
 *    exactly the bytes it may read, so ASan sees any overread);
 *  - the result is MORE, PASS or FAIL, never MORE when no more bytes can
 *    come (<last>);
 *  - the info text is NUL-terminated inside its array and printable ASCII
 *    (it goes into log lines);
 *  - over the prefixes of the reply, once a prefix gets a verdict, the
 *    parse of the same prefix is the same verdict (pure and repeatable).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/check_proto.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static int run(enum chkp_parser p, const uint8_t *data, size_t len, int last, struct chkp_verdict *v)
{
	unsigned char *in = malloc(len ? len : 1);
	int r;

	if (!in)
		abort();
	memcpy(in, data, len);
	memset(v, 0x5a, sizeof(*v));
	r = chkp_parse(p, in, len, last, v);
	free(in);
	CHECK(r == CHKP_MORE || r == CHKP_PASS || r == CHKP_FAIL);
	if (last)
		CHECK(r != CHKP_MORE);
	if (r != CHKP_MORE) {
		size_t n = strnlen(v->info, sizeof(v->info));

		CHECK(n < sizeof(v->info));
		for (size_t i = 0; i < n; i++)
			CHECK(v->info[i] >= 0x20 && v->info[i] < 0x7f);
		CHECK(v->status == CHKP_ST_OK || v->status == CHKP_ST_STS || v->status == CHKP_ST_RSP);
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chkp_verdict a, b;
	enum chkp_parser p;
	size_t step;

	if (!size)
		return 0;
	p = (enum chkp_parser)(data[0] % (CHKP_P_SPOP + 1));
	data++;
	size--;
	step = size <= 256 ? 1 : size / 64;
	for (size_t k = 0; k <= size; k += step) {
		for (int last = 0; last < 2; last++) {
			int r1 = run(p, data, k, last, &a), r2 = run(p, data, k, last, &b);

			CHECK(r1 == r2);
			if (r1 != CHKP_MORE)
				CHECK(a.status == b.status && a.code == b.code && !strcmp(a.info, b.info));
		}
	}
	return 0;
}
