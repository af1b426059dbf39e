/*
 * distcc tokens (distcc.h), walked as HAProxy does: a token whose
 * parameter is not 8 hex digits ends the search. A body that passes the
 * bytes received before the token looked for means waiting for more
 * (HAProxy stops there: the answer would change with more bytes).
 */
#include <tollgate/distcc.h>
#include <tollgate/sample.h>

/* Tokens that carry no body, their parameter being a count or a status. */
static int distcc_no_body(uint32_t tok)
{
	return tok == 0x41524743 /* ARGC */ || tok == 0x44495354 /* DIST */ ||
	       tok == 0x4E46494C /* NFIL */ || tok == 0x53544154 /* STAT */ ||
	       tok == 0x444F4E45 /* DONE */;
}

int distcc_find(const char *p, size_t len, uint32_t tok, unsigned int occ,
		uint32_t *param, size_t *body, size_t *blen)
{
	const unsigned char *u = (const unsigned char *)p;
	unsigned int seen = 0;
	size_t ofs = 0;

	for (;;) {
		uint32_t t, v = 0;
		size_t b;

		if (len - ofs < 12)
			return 0;
		t = (uint32_t)u[ofs] << 24 | (uint32_t)u[ofs + 1] << 16 | (uint32_t)u[ofs + 2] << 8 | u[ofs + 3];
		for (int i = 0; i < 8; i++) {
			int c = sample_hex_digit((char)u[ofs + 4 + (size_t)i]);

			if (c < 0)
				return -1;
			v = (v << 4) | (uint32_t)c;
		}
		ofs += 12;
		b = distcc_no_body(t) ? 0 : v;
		if (t == tok && (!occ || occ == ++seen)) {
			*param = v;
			*body = ofs;
			*blen = b;
			return 1;
		}
		if (b > len - ofs)
			return 0;   /* HAProxy gives up here; more bytes may bring it */
		ofs += b;
	}
}
