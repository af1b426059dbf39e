/*
 * libFuzzer target for the TLS ClientHello inspection (tls_hello.h):
 * tls_hello_parse(), tls_hello_alpn_next() and tls_stream_version().
 *
 * Input: the first bytes of a client's stream, as is.
 *
 * Invariants checked (abort on violation):
 *  - no crash, no read past the length (each parse gets a heap copy of
 *    exactly the bytes it may read, so ASan sees any overread);
 *  - results are OK, SHORT or BAD; on SHORT and BAD the struct is zeroed;
 *  - on OK: sni and alpn lie inside the input, preceded by their length
 *    fields; hello_version is 3.x exactly for a ClientHello; the ALPN
 *    iterator ends within alpn_len calls, each name inside the list, the
 *    names filling it exactly;
 *  - monotonic in the length: over the prefixes of the input (all of them
 *    up to 512 bytes, a sample beyond), the answers are SHORT up to a
 *    point, then one final answer; an OK prefix gives the same fields
 *    (same offsets) as the whole input;
 *  - tls_stream_version(): the same, the version being 0 on BAD, fixed once
 *    known, and equal to the ClientHello's version when tls_hello_parse()
 *    found one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/tls_hello.h>

#define ALL_PREFIXES  512    /* inputs up to this length: every prefix */
#define SAMPLES       64     /* longer inputs: this many prefixes */

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

/* A parse result with its pointers made offsets, to compare parses of
 * different copies.
 */
struct result {
	enum tls_hello_res res;
	struct tls_hello h;
	size_t sni_off;        /* sni - input, or 0 */
	size_t alpn_off;       /* alpn - input, or 0 */
	enum tls_hello_res vres;
	unsigned int version;
};

static int in_input(const unsigned char *q, size_t n, const unsigned char *in, size_t len)
{
	return q >= in && (size_t)(q - in) <= len && n <= len - (size_t)(q - in);
}

static void check_ok(const struct tls_hello *h, const unsigned char *in, size_t len)
{
	const unsigned char *name;
	size_t pos = 0, calls = 0, sum = 0, n;

	if (h->hs_type == TLS_HELLO_CLIENT_HELLO)
		CHECK(h->hello_version >> 16 == 3 && (h->hello_version & 0xffff) <= 0xff);
	else
		CHECK(h->hello_version == 0 && !h->sni && !h->alpn);
	CHECK(h->rec_version >> 16 == 3);
	CHECK(!h->sni == !h->sni_len);
	CHECK(!h->alpn == !h->alpn_len);
	if (h->sni) {
		CHECK(in_input(h->sni, h->sni_len, in, len));
		CHECK(h->sni - in >= 3);
		CHECK(h->sni[-3] == 0);
		CHECK(((size_t)h->sni[-2] << 8 | h->sni[-1]) == h->sni_len);
	}
	if (!h->alpn)
		return;
	CHECK(in_input(h->alpn, h->alpn_len, in, len));
	CHECK(h->alpn - in >= 2);
	CHECK(((size_t)h->alpn[-2] << 8 | h->alpn[-1]) == h->alpn_len);
	while (tls_hello_alpn_next(h, &pos, &name, &n)) {
		CHECK(++calls <= h->alpn_len);
		CHECK(n >= 1 && n <= 255);
		CHECK(name > h->alpn && name + n <= h->alpn + h->alpn_len);
		sum += 1 + n;
	}
	CHECK(sum == h->alpn_len);
	CHECK(pos == h->alpn_len);
}

/* Parses the first <len> bytes of <data> from an exact-size heap copy. */
static void run(const uint8_t *data, size_t len, struct result *r)
{
	static const struct tls_hello zero;
	unsigned char *in = malloc(len ? len : 1);

	if (!in)
		abort();
	memcpy(in, data, len);
	memset(r, 0, sizeof(*r));
	r->res = tls_hello_parse(len ? in : NULL, len, &r->h);
	CHECK(r->res == TLS_HELLO_OK || r->res == TLS_HELLO_SHORT || r->res == TLS_HELLO_BAD);
	if (r->res == TLS_HELLO_OK) {
		check_ok(&r->h, in, len);
		r->sni_off = r->h.sni ? (size_t)(r->h.sni - in) : 0;
		r->alpn_off = r->h.alpn ? (size_t)(r->h.alpn - in) : 0;
	} else {
		CHECK(!memcmp(&r->h, &zero, sizeof(zero)));
	}
	r->h.sni = NULL;
	r->h.alpn = NULL;

	r->vres = tls_stream_version(len ? in : NULL, len, &r->version);
	CHECK(r->vres == TLS_HELLO_OK || r->vres == TLS_HELLO_SHORT || r->vres == TLS_HELLO_BAD);
	if (r->vres == TLS_HELLO_BAD)
		CHECK(r->version == 0);
	if (r->vres != TLS_HELLO_BAD && r->version && !(in[0] & 0x80))
		CHECK(r->version >> 16 == 3 && (r->version & 0xffff) <= 0xff);
	if (r->vres == TLS_HELLO_OK && !(in[0] & 0x80))
		CHECK(r->version != 0);
	/* a parsed ClientHello always has a readable version */
	if (r->res == TLS_HELLO_OK && r->h.hs_type == TLS_HELLO_CLIENT_HELLO) {
		CHECK(r->vres != TLS_HELLO_BAD);
		CHECK(r->version == r->h.hello_version);
	}
	free(in);
}

/* Checks that prefix result <p> is compatible with the whole input's <w>. */
static void check_prefix(const struct result *p, const struct result *w)
{
	if (p->res != TLS_HELLO_SHORT) {
		CHECK(p->res == w->res);
		CHECK(p->h.rec_version == w->h.rec_version);
		CHECK(p->h.hs_type == w->h.hs_type);
		CHECK(p->h.hello_version == w->h.hello_version);
		CHECK(p->h.sni_len == w->h.sni_len && p->sni_off == w->sni_off);
		CHECK(p->h.alpn_len == w->h.alpn_len && p->alpn_off == w->alpn_off);
	}
	if (w->res == TLS_HELLO_SHORT)
		CHECK(p->res == TLS_HELLO_SHORT);
	if (p->vres != TLS_HELLO_SHORT)
		CHECK(p->vres == w->vres && p->version == w->version);
	if (w->vres == TLS_HELLO_SHORT)
		CHECK(p->vres == TLS_HELLO_SHORT);
	if (p->version)
		CHECK(p->version == w->version);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result whole, part;
	size_t k, step;

	run(data, size, &whole);
	step = size <= ALL_PREFIXES ? 1 : size / SAMPLES;
	for (k = 0; k < size; k += step) {
		run(data, k, &part);
		check_prefix(&part, &whole);
	}
	return 0;
}
