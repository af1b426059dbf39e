/*
 * TLS ClientHello inspection tests (tls_hello.h). ClientHellos are built
 * here field by field (record, handshake header, version, random, session
 * id, cipher suites, compression, extensions), plus one captured from
 * `openssl s_client -servername example.com -alpn h2,http/1.1`. For every
 * input:
 *  - prefixes: every length from 0 up is parsed, and the answers must be
 *    SHORT up to a point, then the final answer for every longer length
 *    (monotonic), the point being where the test says the input becomes
 *    complete or inconsistent;
 *  - bounds: each input is placed right before a PROT_NONE page, so a read
 *    past <len> faults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers/fence.h"

#include <tollgate/compiler.h>
#include <tollgate/tls_hello.h>

/* ---------------------------------------------------------------------- */
/* Inputs end right before an unreadable page. */


/* Parses <len> bytes of <b> placed at the fence. Pointers in <h> are into
 * the fenced copy: compare them with fence_off().
 */
static enum tls_hello_res parse_fenced(const unsigned char *b, size_t len, struct tls_hello *h)
{
	return tls_hello_parse(test_fenced(b, len), len, h);
}

/* Offset of <q>, a pointer into the fenced copy of an input of <len>
 * bytes, from the start of that input.
 */
static size_t fence_off(const unsigned char *q, size_t len)
{
	return (size_t)(q - test_fenced(NULL, 0)) + len;
}

static const char *res_name(enum tls_hello_res r)
{
	return r == TLS_HELLO_OK ? "OK" : r == TLS_HELLO_SHORT ? "SHORT" : "BAD";
}

/* Parses every prefix of <b> (0 to <len> bytes, <len> included): all must
 * be SHORT below <first>, and <res> from <first> on. The parse of the
 * whole is left in <h>.
 */
static void expect_prefixes(const unsigned char *b, size_t len, size_t first,
                            enum tls_hello_res res, struct tls_hello *h)
{
	enum tls_hello_res r;
	size_t n;

	for (n = 0; n <= len; n++) {
		enum tls_hello_res want = n < first ? TLS_HELLO_SHORT : res;

		r = parse_fenced(b, n, h);
		if (r != want)
			fail_msg("tls_hello_parse(%zu of %zu bytes) = %s, expected %s", n, len,
			         res_name(r), res_name(want));
		if (r != TLS_HELLO_OK) {
			assert_null(h->sni);
			assert_null(h->alpn);
			assert_int_equal(h->hs_type, 0);
		}
	}
}

/* The same for tls_stream_version(): SHORT below <first> with a version
 * of 0 below <known> and <version> from there, then <res> (and <version>
 * if OK, 0 if BAD).
 */
static void expect_version_prefixes(const unsigned char *b, size_t len, size_t known,
                                    size_t first, enum tls_hello_res res, unsigned int version)
{
	enum tls_hello_res r, want;
	unsigned int v, want_v;
	size_t n;

	for (n = 0; n <= len; n++) {
		want = n < first ? TLS_HELLO_SHORT : res;
		want_v = want == TLS_HELLO_BAD || n < known ? 0 : version;
		v = 0xdeadbeef;
		r = tls_stream_version(test_fenced(b, n), n, &v);
		if (r != want || v != want_v)
			fail_msg("tls_stream_version(%zu of %zu bytes) = %s 0x%x, expected %s 0x%x",
			         n, len, res_name(r), v, res_name(want), want_v);
	}
}

/* ---------------------------------------------------------------------- */
/* Building ClientHellos. */

#define HB_CAP   1024        /* largest built input */

/* An input under construction, with the length fields still open (their
 * value is written when the structure they announce is closed).
 */
struct hb {
	unsigned char b[HB_CAP];  /* the bytes */
	size_t len;               /* bytes written */
	size_t open[8];           /* offsets of the open length fields */
	size_t width[8];          /* and their widths in bytes */
	int depth;                /* number of open length fields */
};

/* Writes <v> on <n> bytes, big-endian, at <off> of <h>. */
static void hb_set(struct hb *h, size_t off, size_t v, size_t n)
{
	while (n--) {
		h->b[off + n] = (unsigned char)v;
		v >>= 8;
	}
}

static void hb_int(struct hb *h, size_t v, size_t n)
{
	assert_true(h->len + n <= HB_CAP);
	hb_set(h, h->len, v, n);
	h->len += n;
}

static void hb_bytes(struct hb *h, const void *s, size_t n)
{
	assert_true(h->len + n <= HB_CAP);
	memcpy(h->b + h->len, s, n);
	h->len += n;
}

/* Opens a length field of <n> bytes, filled by the matching hb_close(). */
static void hb_open(struct hb *h, size_t n)
{
	assert_true(h->depth < (int)ARRAY_SIZE(h->open));
	h->open[h->depth] = h->len;
	h->width[h->depth++] = n;
	hb_int(h, 0, n);
}

static void hb_close(struct hb *h)
{
	size_t off, n;

	assert_true(h->depth > 0);
	off = h->open[--h->depth];
	n = h->width[h->depth];
	hb_set(h, off, h->len - off - n, n);
}

/* What build_hello() writes. */
struct hello_opts {
	unsigned int hs_type;     /* handshake message type (1: ClientHello) */
	int no_ext;               /* no extension block at all */
	const char *sni;          /* host_name, or NULL: no server_name */
	int sni_other;            /* a name of type 1 before the host_name */
	const char *alpn;         /* ALPN ProtocolNameList body, or NULL */
	size_t alpn_len;          /* its length */
	int twice;                /* server_name and ALPN sent twice */
};

/* Offsets of the fields the tests corrupt, set by build_hello(). */
struct hello_offs {
	size_t exts;              /* length of the extension block */
	size_t sni_ext;           /* length of the server_name extension */
	size_t sni_list;          /* length of its server_name_list */
	size_t sni_name;          /* first byte of the host_name */
	size_t alpn_list;         /* length of the ProtocolNameList */
	size_t end;               /* end of the message (and of the record) */
};

#define ALPN_H2_H11     "\x02h2\x08http/1.1"
#define ALPN_H2_H11_LEN 12

static struct hello_opts default_opts(void)
{
	struct hello_opts o = {
		.hs_type = TLS_HELLO_CLIENT_HELLO,
		.sni = "example.com",
		.alpn = ALPN_H2_H11,
		.alpn_len = ALPN_H2_H11_LEN,
	};

	return o;
}

static void build_sni(struct hb *h, const struct hello_opts *o, struct hello_offs *off)
{
	hb_int(h, 0, 2);                          /* server_name */
	off->sni_ext = h->len;
	hb_open(h, 2);
	off->sni_list = h->len;
	hb_open(h, 2);
	if (o->sni_other) {
		hb_int(h, 1, 1);                  /* a name type that is not host_name */
		hb_open(h, 2);
		hb_bytes(h, "other", 5);
		hb_close(h);
	}
	hb_int(h, 0, 1);                          /* host_name */
	hb_open(h, 2);
	off->sni_name = h->len;
	hb_bytes(h, o->sni, strlen(o->sni));
	hb_close(h);
	hb_close(h);
	hb_close(h);
}

static void build_alpn(struct hb *h, const struct hello_opts *o, struct hello_offs *off)
{
	hb_int(h, 16, 2);                         /* application_layer_protocol_negotiation */
	hb_open(h, 2);
	off->alpn_list = h->len;
	hb_open(h, 2);
	hb_bytes(h, o->alpn, o->alpn_len);
	hb_close(h);
	hb_close(h);
}

/* Writes a TLS 1.0 record holding one handshake message described by <o>
 * into <h>, and the offsets of its fields into <off>.
 */
static void build_hello(struct hb *h, const struct hello_opts *o, struct hello_offs *off)
{
	static const unsigned char ciphers[] = { 0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f };
	unsigned char random[32];
	int i;

	memset(h, 0, sizeof(*h));
	memset(off, 0, sizeof(*off));
	memset(random, 0xa5, sizeof(random));

	hb_int(h, 22, 1);                         /* handshake record */
	hb_int(h, 0x0301, 2);
	hb_open(h, 2);
	hb_int(h, o->hs_type, 1);
	hb_open(h, 3);
	hb_int(h, 0x0303, 2);                     /* legacy_version: TLS 1.2 */
	hb_bytes(h, random, sizeof(random));
	hb_open(h, 1);                            /* legacy_session_id */
	hb_bytes(h, random, sizeof(random));
	hb_close(h);
	hb_open(h, 2);
	hb_bytes(h, ciphers, sizeof(ciphers));
	hb_close(h);
	hb_int(h, 1, 1);                          /* compression: null only */
	hb_int(h, 0, 1);
	if (!o->no_ext) {
		off->exts = h->len;
		hb_open(h, 2);
		hb_bytes(h, "\x00\x0b\x00\x02\x01\x00", 6);   /* ec_point_formats */
		for (i = 0; i < (o->twice ? 2 : 1); i++) {
			if (o->sni)
				build_sni(h, o, off);
			if (o->alpn)
				build_alpn(h, o, off);
		}
		hb_bytes(h, "\x00\x2b\x00\x03\x02\x03\x04", 7); /* supported_versions */
		hb_close(h);
	}
	hb_close(h);
	hb_close(h);
	assert_int_equal(h->depth, 0);
	off->end = h->len;
}

/* Builds the hello described by <o> and expects every prefix of it to be
 * SHORT and the whole OK, parsed into <h>.
 */
static void build_ok(struct hb *b, const struct hello_opts *o, struct hello_offs *off,
                     struct tls_hello *h)
{
	build_hello(b, o, off);
	expect_prefixes(b->b, b->len, b->len, TLS_HELLO_OK, h);
}

/* Expects the ALPN list of <h> to be exactly the names in <names>. */
static void expect_alpn(const struct tls_hello *h, const char *const *names, size_t count)
{
	const unsigned char *name;
	size_t pos = 0, len, i;

	for (i = 0; i < count; i++) {
		assert_int_equal(tls_hello_alpn_next(h, &pos, &name, &len), 1);
		assert_int_equal(len, strlen(names[i]));
		assert_memory_equal(name, names[i], len);
	}
	assert_int_equal(tls_hello_alpn_next(h, &pos, &name, &len), 0);
	assert_int_equal(tls_hello_alpn_next(h, &pos, &name, &len), 0);
}

static const char *const h2_h11[] = { "h2", "http/1.1" };

/* ---------------------------------------------------------------------- */
/* Valid inputs. */

static void test_sni_alpn(void **state)
{
	struct hello_opts o = default_opts();
	struct hello_offs off;
	struct tls_hello h;
	struct hb b;

	build_ok(&b, &o, &off, &h);
	assert_int_equal(h.rec_version, 0x30001);
	assert_int_equal(h.hs_type, 1);
	assert_int_equal(h.hello_version, 0x30003);
	assert_non_null(h.sni);
	assert_int_equal(h.sni_len, 11);
	assert_memory_equal(h.sni, "example.com", 11);
	/* the name points into the input, it is not a copy */
	assert_int_equal(fence_off(h.sni, b.len), off.sni_name);
	assert_non_null(h.alpn);
	assert_int_equal(h.alpn_len, ALPN_H2_H11_LEN);
	assert_int_equal(fence_off(h.alpn, b.len), off.alpn_list + 2);
	expect_alpn(&h, h2_h11, 2);

	/* bytes after the message (the next record) change nothing */
	hb_bytes(&b, "\x14\x03\x03\x00\x01\x01GARBAGE", 13);
	assert_int_equal(parse_fenced(b.b, b.len, &h), TLS_HELLO_OK);
	assert_int_equal(h.sni_len, 11);
	assert_memory_equal(h.sni, "example.com", 11);
	assert_int_equal(fence_off(h.sni, b.len), off.sni_name);
	expect_alpn(&h, h2_h11, 2);
}

static void test_no_extensions(void **state)
{
	struct hello_opts o = default_opts();
	struct hello_offs off;
	struct tls_hello h;
	struct hb b;

	o.no_ext = 1;
	build_ok(&b, &o, &off, &h);
	assert_int_equal(h.hs_type, 1);
	assert_int_equal(h.hello_version, 0x30003);
	assert_null(h.sni);
	assert_int_equal(h.sni_len, 0);
	assert_null(h.alpn);
	expect_alpn(&h, NULL, 0);

	/* an extension block without server_name nor ALPN */
	o = default_opts();
	o.sni = NULL;
	o.alpn = NULL;
	build_ok(&b, &o, &off, &h);
	assert_null(h.sni);
	assert_null(h.alpn);

	/* SNI only, ALPN only */
	o = default_opts();
	o.alpn = NULL;
	build_ok(&b, &o, &off, &h);
	assert_memory_equal(h.sni, "example.com", 11);
	assert_null(h.alpn);
	o = default_opts();
	o.sni = NULL;
	build_ok(&b, &o, &off, &h);
	assert_null(h.sni);
	expect_alpn(&h, h2_h11, 2);
}

static void test_sni_entries(void **state)
{
	static const char *const one[] = { "x" };
	struct hello_opts o = default_opts();
	struct hello_offs off;
	struct tls_hello h;
	struct hb b;

	/* a name of another type first: the host_name is still found */
	o.sni_other = 1;
	o.sni = "a.example";
	o.alpn = "\x01x";
	o.alpn_len = 2;
	build_ok(&b, &o, &off, &h);
	assert_int_equal(h.sni_len, 9);
	assert_memory_equal(h.sni, "a.example", 9);
	assert_int_equal(fence_off(h.sni, b.len), off.sni_name);
	expect_alpn(&h, one, 1);

	/* the name is reported as sent: no case change, no check */
	o = default_opts();
	o.sni = "WWW.Example.COM.";
	build_hello(&b, &o, &off);
	assert_int_equal(parse_fenced(b.b, b.len, &h), TLS_HELLO_OK);
	assert_int_equal(h.sni_len, 16);
	assert_memory_equal(h.sni, "WWW.Example.COM.", 16);
}

static void test_other_handshake(void **state)
{
	/* a Certificate message (11) as first message: reported, not parsed */
	static const unsigned char cert[] = {
		0x16, 0x03, 0x03, 0x00, 0x07, 0x0b, 0x00, 0x00, 0x03, 0xff, 0xff, 0xff,
	};
	struct hello_opts o = default_opts();
	struct hello_offs off;
	struct tls_hello h;
	struct hb b;

	expect_prefixes(cert, sizeof(cert), sizeof(cert), TLS_HELLO_OK, &h);
	assert_int_equal(h.rec_version, 0x30003);
	assert_int_equal(h.hs_type, 11);
	assert_int_equal(h.hello_version, 0);
	assert_null(h.sni);
	assert_null(h.alpn);

	/* a ServerHello built like a ClientHello: its body is not read */
	o.hs_type = 2;
	build_ok(&b, &o, &off, &h);
	assert_int_equal(h.hs_type, 2);
	assert_int_equal(h.hello_version, 0);
	assert_null(h.sni);
	assert_null(h.alpn);
}

static void test_alpn_iteration(void **state)
{
	static const char *const many[] = { "acme-tls/1", "h2", "http/1.1", "spdy/3.1" };
	static const char list[] = "\x0a" "acme-tls/1" "\x02h2\x08http/1.1\x08spdy/3.1";
	struct hello_opts o = default_opts();
	struct hello_offs off;
	struct tls_hello h, bad;
	const unsigned char *name;
	size_t pos, len;
	struct hb b;

	o.alpn = list;
	o.alpn_len = sizeof(list) - 1;
	build_ok(&b, &o, &off, &h);
	expect_alpn(&h, many, 4);

	/* a list that was not validated: the iterator stops, never overreads */
	memset(&bad, 0, sizeof(bad));
	bad.alpn = test_fenced((const unsigned char *)"\x02h2\x09http", 7);
	bad.alpn_len = 7;
	pos = 0;
	assert_int_equal(tls_hello_alpn_next(&bad, &pos, &name, &len), 1);
	assert_int_equal(len, 2);
	assert_int_equal(tls_hello_alpn_next(&bad, &pos, &name, &len), 0);
	bad.alpn = test_fenced((const unsigned char *)"\x00\x02h2", 4);
	bad.alpn_len = 4;
	pos = 0;
	assert_int_equal(tls_hello_alpn_next(&bad, &pos, &name, &len), 0);
	pos = 1;
	assert_int_equal(tls_hello_alpn_next(&bad, &pos, &name, &len), 1);
	assert_memory_equal(name, "h2", 2);
	pos = 99;
	assert_int_equal(tls_hello_alpn_next(&bad, &pos, &name, &len), 0);
}

/* ---------------------------------------------------------------------- */
/* Inconsistent inputs: BAD as soon as the bad field is present. */

static void test_bad_lengths(void **state)
{
	struct hello_opts o = default_opts();
	struct hello_offs off;
	struct tls_hello h;
	struct hb b;
	size_t msg_len;

	/* record length above 2^14 + 2048, and 0 */
	build_hello(&b, &o, &off);
	msg_len = b.len - 9;
	hb_set(&b, 3, TLS_HELLO_REC_MAX + 1, 2);
	expect_prefixes(b.b, b.len, 5, TLS_HELLO_BAD, &h);
	hb_set(&b, 3, 0, 2);
	expect_prefixes(b.b, b.len, 5, TLS_HELLO_BAD, &h);
	/* the largest record length is fine: only the message is awaited */
	hb_set(&b, 3, TLS_HELLO_REC_MAX, 2);
	expect_prefixes(b.b, b.len, b.len, TLS_HELLO_OK, &h);

	/* record too short for the handshake header, then for the message
	 * (a message spanning records: documented limitation)
	 */
	build_hello(&b, &o, &off);
	hb_set(&b, 3, 3, 2);
	expect_prefixes(b.b, b.len, 6, TLS_HELLO_BAD, &h);
	hb_set(&b, 3, msg_len + 3, 2);
	expect_prefixes(b.b, b.len, 9, TLS_HELLO_BAD, &h);
	/* a record longer than the message is fine */
	hb_set(&b, 3, msg_len + 40, 2);
	expect_prefixes(b.b, b.len, b.len, TLS_HELLO_OK, &h);
	assert_memory_equal(h.sni, "example.com", 11);

	/* extension length past the end of the block */
	build_hello(&b, &o, &off);
	hb_set(&b, off.sni_ext, 0xffff, 2);
	expect_prefixes(b.b, b.len, off.sni_ext + 2, TLS_HELLO_BAD, &h);
	/* server_name_list longer, then shorter, than its extension */
	build_hello(&b, &o, &off);
	hb_set(&b, off.sni_list, b.b[off.sni_list + 1] + 1, 2);
	expect_prefixes(b.b, b.len, off.sni_list + 2, TLS_HELLO_BAD, &h);
	hb_set(&b, off.sni_list, b.b[off.sni_list + 1] - 2, 2);
	expect_prefixes(b.b, b.len, off.sni_list + 2, TLS_HELLO_BAD, &h);
	/* host_name longer than the list */
	build_hello(&b, &o, &off);
	hb_set(&b, off.sni_name - 2, 12, 2);
	expect_prefixes(b.b, b.len, off.sni_name, TLS_HELLO_BAD, &h);
	/* ProtocolNameList longer than its extension */
	build_hello(&b, &o, &off);
	hb_set(&b, off.alpn_list, ALPN_H2_H11_LEN + 1, 2);
	expect_prefixes(b.b, b.len, off.alpn_list + 2, TLS_HELLO_BAD, &h);
	/* a protocol name running past the list */
	build_hello(&b, &o, &off);
	b.b[off.alpn_list + 5] = 9;
	expect_prefixes(b.b, b.len, off.alpn_list + 6, TLS_HELLO_BAD, &h);
	/* extension block longer, then shorter, than the rest of the message */
	build_hello(&b, &o, &off);
	hb_set(&b, off.exts, off.end - off.exts - 1, 2);
	expect_prefixes(b.b, b.len, off.exts + 2, TLS_HELLO_BAD, &h);
	hb_set(&b, off.exts, off.end - off.exts - 3, 2);
	expect_prefixes(b.b, b.len, off.exts + 2, TLS_HELLO_BAD, &h);
	/* handshake message longer than the record */
	build_hello(&b, &o, &off);
	hb_set(&b, 6, msg_len + 1, 3);
	expect_prefixes(b.b, b.len, 9, TLS_HELLO_BAD, &h);
	/* handshake message shorter than its content */
	hb_set(&b, 6, off.exts - 9 + 1, 3);
	expect_prefixes(b.b, b.len, off.exts, TLS_HELLO_BAD, &h);
}

static void test_bad_fields(void **state)
{
	struct hello_opts o = default_opts();
	struct hello_offs off;
	struct tls_hello h;
	struct hb b;
	size_t sid = 9 + 2 + 32, cs = sid + 1 + 32;

	/* session id longer than 32 */
	build_hello(&b, &o, &off);
	b.b[sid] = 33;
	expect_prefixes(b.b, b.len, sid + 1, TLS_HELLO_BAD, &h);
	/* odd and empty cipher suites */
	build_hello(&b, &o, &off);
	hb_set(&b, cs, 5, 2);
	expect_prefixes(b.b, b.len, cs + 2, TLS_HELLO_BAD, &h);
	hb_set(&b, cs, 0, 2);
	expect_prefixes(b.b, b.len, cs + 2, TLS_HELLO_BAD, &h);
	/* no compression method */
	build_hello(&b, &o, &off);
	b.b[cs + 2 + 6] = 0;
	expect_prefixes(b.b, b.len, cs + 2 + 6 + 1, TLS_HELLO_BAD, &h);
	/* ClientHello version 2.0 */
	build_hello(&b, &o, &off);
	b.b[9] = 2;
	expect_prefixes(b.b, b.len, 10, TLS_HELLO_BAD, &h);
	/* empty host_name, empty protocol name, empty lists */
	o.sni = "";
	build_hello(&b, &o, &off);
	expect_prefixes(b.b, b.len, off.sni_name, TLS_HELLO_BAD, &h);
	o = default_opts();
	o.alpn = "\x02h2\x00";
	o.alpn_len = 4;
	build_hello(&b, &o, &off);
	expect_prefixes(b.b, b.len, off.alpn_list + 6, TLS_HELLO_BAD, &h);
	o.alpn_len = 0;
	build_hello(&b, &o, &off);
	expect_prefixes(b.b, b.len, off.alpn_list + 2, TLS_HELLO_BAD, &h);
	/* an empty server_name extension (only servers send that): its 16
	 * bytes of body become an unknown extension
	 */
	o = default_opts();
	build_hello(&b, &o, &off);
	hb_set(&b, off.sni_ext, 0, 2);
	memcpy(b.b + off.sni_ext + 2, "\xfe\xff\x00\x0c", 4);
	expect_prefixes(b.b, b.len, off.sni_ext + 2, TLS_HELLO_BAD, &h);
	/* the same with the type changed: a valid hello without SNI */
	hb_set(&b, off.sni_ext - 2, 0xfefe, 2);
	expect_prefixes(b.b, b.len, b.len, TLS_HELLO_OK, &h);
	assert_null(h.sni);
	expect_alpn(&h, h2_h11, 2);
}

static void test_duplicates(void **state)
{
	struct hello_opts o = default_opts();
	struct hello_offs off;
	struct tls_hello h;
	struct hb b;

	/* server_name and ALPN each sent twice: BAD at the second type */
	o.twice = 1;
	o.alpn = NULL;
	build_hello(&b, &o, &off);
	expect_prefixes(b.b, b.len, off.sni_ext, TLS_HELLO_BAD, &h);
	o = default_opts();
	o.twice = 1;
	o.sni = NULL;
	build_hello(&b, &o, &off);
	expect_prefixes(b.b, b.len, off.alpn_list - 2, TLS_HELLO_BAD, &h);

	/* two host_name entries in one list */
	o = default_opts();
	o.sni_other = 1;
	build_hello(&b, &o, &off);
	b.b[off.sni_list + 2] = 0;
	expect_prefixes(b.b, b.len, off.sni_list + 2 + 1 + 2 + 5 + 1 + 2, TLS_HELLO_BAD, &h);
}

static void test_not_tls(void **state)
{
	static const char *const texts[] = {
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"SSH-2.0-OpenSSH_9.6\r\n",
		"\x17\x03\x03\x00\x10",               /* application data record */
		"\x15\x03\x03\x00\x02\x02\x28",       /* alert record */
	};
	static const unsigned char v2[] = { 0x16, 0x02, 0x00, 0x00, 0x10 };
	struct tls_hello h;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(texts); i++)
		expect_prefixes((const unsigned char *)texts[i], strlen(texts[i]), 1,
		                TLS_HELLO_BAD, &h);
	/* record version 2.x */
	expect_prefixes(v2, sizeof(v2), 2, TLS_HELLO_BAD, &h);
	/* NULL with no byte is merely SHORT */
	assert_int_equal(tls_hello_parse(NULL, 0, &h), TLS_HELLO_SHORT);
}

/* ---------------------------------------------------------------------- */
/* req.ssl_ver. */

/* SSLv2-compatible CLIENT-HELLO announcing TLS 1.0: 3 cipher specs, no
 * session id, 16 bytes of challenge.
 */
static const unsigned char sslv2_hello[] = {
	0x80, 0x22, 0x01, 0x03, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, 0x10,
	0x00, 0x00, 0x35, 0x00, 0x00, 0x2f, 0x00, 0x00, 0xff,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
};

static void test_version_sslv2(void **state)
{
	unsigned char b[sizeof(sslv2_hello)];
	struct tls_hello h;

	expect_version_prefixes(sslv2_hello, sizeof(b), 11, sizeof(b), TLS_HELLO_OK, 0x30001);
	/* not a ClientHello for tls_hello_parse() */
	expect_prefixes(sslv2_hello, sizeof(b), 1, TLS_HELLO_BAD, &h);

	/* SSL 2.0 itself */
	memcpy(b, sslv2_hello, sizeof(b));
	b[3] = 0x00;
	b[4] = 0x02;
	expect_version_prefixes(b, sizeof(b), 11, sizeof(b), TLS_HELLO_OK, 0x00002);

	/* message type, cipher specs length, session id length, challenge
	 * length, total length: each BAD as soon as it is present
	 */
	memcpy(b, sslv2_hello, sizeof(b));
	b[2] = 0x02;
	expect_version_prefixes(b, sizeof(b), 0, 3, TLS_HELLO_BAD, 0);
	memcpy(b, sslv2_hello, sizeof(b));
	b[6] = 0x0a;
	expect_version_prefixes(b, sizeof(b), 0, 7, TLS_HELLO_BAD, 0);
	memcpy(b, sslv2_hello, sizeof(b));
	b[8] = 0x08;
	expect_version_prefixes(b, sizeof(b), 0, 9, TLS_HELLO_BAD, 0);
	memcpy(b, sslv2_hello, sizeof(b));
	b[10] = 0x0f;
	expect_version_prefixes(b, sizeof(b), 0, 11, TLS_HELLO_BAD, 0);
	b[10] = 0x21;
	expect_version_prefixes(b, sizeof(b), 0, 11, TLS_HELLO_BAD, 0);
	memcpy(b, sslv2_hello, sizeof(b));
	b[1] = 0x23;
	expect_version_prefixes(b, sizeof(b), 0, 11, TLS_HELLO_BAD, 0);
	/* a length too short for the header */
	b[1] = 0x04;
	expect_version_prefixes(b, sizeof(b), 0, 5, TLS_HELLO_BAD, 0);
}

static void test_version_tls(void **state)
{
	static const char *const texts[] = {
		"GET / HTTP/1.1\r\n\r\n",
		"\x17\x03\x03\x00\x10",
	};
	struct hello_opts o = default_opts();
	struct hello_offs off;
	struct hb b;
	size_t i;

	/* the ClientHello's version (3.3), not the record's (3.1), known from
	 * byte 11, OK with the whole record
	 */
	build_hello(&b, &o, &off);
	expect_version_prefixes(b.b, b.len, 11, b.len, TLS_HELLO_OK, 0x30003);

	/* the message may span records here: only the record is awaited */
	hb_set(&b, 3, 100, 2);
	expect_version_prefixes(b.b, b.len, 11, 105, TLS_HELLO_OK, 0x30003);

	/* record length bounds, first message type, hello version */
	build_hello(&b, &o, &off);
	hb_set(&b, 3, 5, 2);
	expect_version_prefixes(b.b, b.len, 0, 10, TLS_HELLO_BAD, 0);
	hb_set(&b, 3, TLS_HELLO_REC_MAX + 1, 2);
	expect_version_prefixes(b.b, b.len, 0, 5, TLS_HELLO_BAD, 0);
	build_hello(&b, &o, &off);
	b.b[5] = 2;
	expect_version_prefixes(b.b, b.len, 0, 6, TLS_HELLO_BAD, 0);
	build_hello(&b, &o, &off);
	b.b[9] = 0;
	expect_version_prefixes(b.b, b.len, 0, 10, TLS_HELLO_BAD, 0);

	for (i = 0; i < ARRAY_SIZE(texts); i++)
		expect_version_prefixes((const unsigned char *)texts[i], strlen(texts[i]), 0, 1,
		                        TLS_HELLO_BAD, 0);
}

/* ---------------------------------------------------------------------- */
/* A real ClientHello. */

/* Sent by OpenSSL 3.0.19 `s_client -servername example.com -alpn h2,http/1.1`
 * (TLS 1.3 with 1.2 fallback; 335 bytes, one record).
 */
static const unsigned char openssl_hello[] = {
	0x16, 0x03, 0x01, 0x01, 0x4a, 0x01, 0x00, 0x01, 0x46, 0x03, 0x03, 0xa0,
	0xc5, 0x25, 0xd2, 0x51, 0xd3, 0x1c, 0x41, 0xea, 0x0d, 0x50, 0x00, 0x0f,
	0xcd, 0xd6, 0x6b, 0xab, 0xc4, 0xf7, 0xfc, 0x4f, 0x22, 0x7a, 0x1e, 0xbc,
	0x79, 0x18, 0xb2, 0xdc, 0xfe, 0x9c, 0xa9, 0x20, 0x25, 0x0c, 0x28, 0xf4,
	0xf2, 0xc7, 0x93, 0x66, 0xfa, 0xa1, 0x40, 0xf6, 0x70, 0xf1, 0xe1, 0xe8,
	0x39, 0x37, 0x26, 0x0f, 0xd5, 0x1d, 0x4c, 0xd2, 0x81, 0xec, 0x58, 0x7d,
	0x8c, 0xaa, 0x57, 0x81, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0xbf,
	0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x00, 0x0b, 0x00, 0x04,
	0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16, 0x00, 0x14, 0x00, 0x1d,
	0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01,
	0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x10,
	0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32, 0x08, 0x68, 0x74, 0x74, 0x70,
	0x2f, 0x31, 0x2e, 0x31, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00,
	0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03,
	0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04,
	0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03,
	0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2b,
	0x00, 0x09, 0x08, 0x03, 0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01, 0x00,
	0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00,
	0x1d, 0x00, 0x20, 0xa9, 0x4a, 0x74, 0x2b, 0xe4, 0xcd, 0x80, 0x4b, 0x1e,
	0x9b, 0x5e, 0x1a, 0xb4, 0x39, 0xac, 0x53, 0xdf, 0x4b, 0x15, 0x54, 0x48,
	0xc0, 0x92, 0x84, 0x74, 0x84, 0x4e, 0xa9, 0xfd, 0xce, 0x77, 0x3a,
};

static void test_openssl_capture(void **state)
{
	struct tls_hello h;
	unsigned int v;

	expect_prefixes(openssl_hello, sizeof(openssl_hello), sizeof(openssl_hello),
	                TLS_HELLO_OK, &h);
	assert_int_equal(h.rec_version, 0x30001);
	assert_int_equal(h.hs_type, 1);
	assert_int_equal(h.hello_version, 0x30003);
	assert_int_equal(h.sni_len, 11);
	assert_memory_equal(h.sni, "example.com", 11);
	expect_alpn(&h, h2_h11, 2);
	assert_int_equal(tls_stream_version(openssl_hello, sizeof(openssl_hello), &v), TLS_HELLO_OK);
	assert_int_equal(v, 0x30003);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sni_alpn),
		cmocka_unit_test(test_no_extensions),
		cmocka_unit_test(test_sni_entries),
		cmocka_unit_test(test_other_handshake),
		cmocka_unit_test(test_alpn_iteration),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_not_tls),
		cmocka_unit_test(test_version_sslv2),
		cmocka_unit_test(test_version_tls),
		cmocka_unit_test(test_openssl_capture),
	};

	return cmocka_run_group_tests_name("tls_hello", tests, NULL, NULL);
}
