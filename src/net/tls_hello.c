/*
 * TLS ClientHello inspection. See tls_hello.h.
 *
 * Every read goes through a reader that knows two limits: the end of the
 * bytes present (<avail>) and the end of the structure being read, as
 * declared by the length fields met so far (<end>, passed to each call).
 * A read past <end> is BAD whatever follows; a read past <avail> only is
 * SHORT. Structures are read in order and a length is checked against its
 * container as soon as its bytes are present, so that an inconsistency is
 * BAD as early as it can be seen and a valid prefix is always SHORT.
 */
#include <stdint.h>
#include <string.h>

#include <tollgate/tls_hello.h>

#define TLS_CT_HANDSHAKE     22      /* record content type: handshake */
#define TLS_EXT_SERVER_NAME  0       /* extension: server_name (RFC 6066) */
#define TLS_EXT_ALPN         16      /* extension: ALPN (RFC 7301) */
#define TLS_SNI_HOST_NAME    0       /* server_name entry type: host_name */
#define TLS_SESSION_ID_MAX   32      /* longest legacy_session_id */
#define TLS_RANDOM_LEN       32      /* ClientHello random */

#define SSL2_CLIENT_HELLO    1       /* SSLv2 message type: CLIENT-HELLO */
#define SSL2_HDR_LEN         2       /* 2-byte record header (high bit set) */

/* No structure ends here: the record header is bounded by nothing but the
 * bytes present.
 */
#define TLS_NO_END           SIZE_MAX

/* Reading position over the input. Invariant: pos <= avail, and pos is
 * never past the <end> of the structure being read.
 */
struct tls_rd {
	const unsigned char *p;  /* start of the input */
	size_t pos;              /* next byte to read */
	size_t avail;            /* bytes present */
};

/* Says whether <n> more bytes can be read before <end>: BAD if <end> comes
 * first, SHORT if they are not all present yet, else OK.
 */
static enum tls_hello_res tls_need(const struct tls_rd *r, size_t n, size_t end)
{
	if (n > end - r->pos)
		return TLS_HELLO_BAD;
	if (n > r->avail - r->pos)
		return TLS_HELLO_SHORT;
	return TLS_HELLO_OK;
}

/* Reads a big-endian integer of <n> bytes (1 to 3) lying before <end> into
 * <v>. Returns OK, SHORT or BAD (tls_need()); <v> is set only on OK.
 */
static enum tls_hello_res tls_get(struct tls_rd *r, size_t n, size_t end, size_t *v)
{
	enum tls_hello_res res = tls_need(r, n, end);
	size_t x = 0;

	if (res != TLS_HELLO_OK)
		return res;
	while (n--)
		x = x << 8 | r->p[r->pos++];
	*v = x;
	return TLS_HELLO_OK;
}

/* Steps over <n> bytes lying before <end>, which must all be present
 * (a complete message is wanted anyway). Returns OK, SHORT or BAD.
 */
static enum tls_hello_res tls_skip(struct tls_rd *r, size_t n, size_t end)
{
	enum tls_hello_res res = tls_need(r, n, end);

	if (res == TLS_HELLO_OK)
		r->pos += n;
	return res;
}

/* Reads a length field of <n> bytes and sets <*sub_end> to the end of the
 * structure it announces, which must lie within <end> (BAD otherwise).
 * <*len> receives the length. Returns OK, SHORT or BAD.
 */
static enum tls_hello_res tls_open(struct tls_rd *r, size_t n, size_t end,
                                   size_t *sub_end, size_t *len)
{
	enum tls_hello_res res = tls_get(r, n, end, len);

	if (res != TLS_HELLO_OK)
		return res;
	if (*len > end - r->pos)
		return TLS_HELLO_BAD;
	*sub_end = r->pos + *len;
	return TLS_HELLO_OK;
}

/* Reads a length field of <n> bytes announcing a structure that must end
 * exactly at <end>, and be non-empty unless <empty_ok>: TLS lists that
 * fill their container. Returns OK, SHORT or BAD.
 */
static enum tls_hello_res tls_open_exact(struct tls_rd *r, size_t n, size_t end, int empty_ok)
{
	enum tls_hello_res res;
	size_t sub_end, len;

	if ((res = tls_open(r, n, end, &sub_end, &len)) != TLS_HELLO_OK)
		return res;
	if (sub_end != end || (len == 0 && !empty_ok))
		return TLS_HELLO_BAD;
	return TLS_HELLO_OK;
}

/* Steps over a TLS vector <min..max> whose length field has <n> bytes,
 * lying before <end>; its length must also be a multiple of <unit> (the
 * size of its elements). Returns OK, SHORT or BAD.
 */
static enum tls_hello_res tls_skip_vector(struct tls_rd *r, size_t n, size_t end,
                                          size_t min, size_t max, size_t unit)
{
	enum tls_hello_res res;
	size_t sub_end, len;

	if ((res = tls_open(r, n, end, &sub_end, &len)) != TLS_HELLO_OK)
		return res;
	if (len < min || len > max || len % unit)
		return TLS_HELLO_BAD;
	return tls_skip(r, len, sub_end);
}

/* Reads a version (major, minor bytes) before <end> into <*version> as
 * major << 16 | minor; the major must be 3 (SSLv3 and all TLS versions).
 * Returns OK, SHORT or BAD.
 */
static enum tls_hello_res tls_get_version(struct tls_rd *r, size_t end, unsigned int *version)
{
	enum tls_hello_res res;
	size_t major, minor;

	if ((res = tls_get(r, 1, end, &major)) != TLS_HELLO_OK)
		return res;
	if (major != 3)
		return TLS_HELLO_BAD;
	if ((res = tls_get(r, 1, end, &minor)) != TLS_HELLO_OK)
		return res;
	*version = (unsigned int)(major << 16 | minor);
	return TLS_HELLO_OK;
}

/* Reads the first record header: type 22, version 3.x into <*version>,
 * length 1 to TLS_HELLO_REC_MAX; <*rec_end> receives the offset of the end
 * of the record. Returns OK, SHORT or BAD.
 */
static enum tls_hello_res tls_rec_header(struct tls_rd *r, unsigned int *version, size_t *rec_end)
{
	enum tls_hello_res res;
	size_t type, len;

	if ((res = tls_get(r, 1, TLS_NO_END, &type)) != TLS_HELLO_OK)
		return res;
	if (type != TLS_CT_HANDSHAKE)
		return TLS_HELLO_BAD;
	if ((res = tls_get_version(r, TLS_NO_END, version)) != TLS_HELLO_OK)
		return res;
	if ((res = tls_get(r, 2, TLS_NO_END, &len)) != TLS_HELLO_OK)
		return res;
	/* handshake records are never empty (RFC 8446 section 5.1) */
	if (len == 0 || len > TLS_HELLO_REC_MAX)
		return TLS_HELLO_BAD;
	*rec_end = r->pos + len;
	return TLS_HELLO_OK;
}

/* Parses a server_name extension body ending at <end> into <out>. Entries
 * other than host_name are skipped by their 16-bit length (RFC 6066
 * section 3 requires every name type to start with one).
 */
static enum tls_hello_res tls_parse_sni(struct tls_rd *r, size_t end, struct tls_hello *out)
{
	enum tls_hello_res res;
	size_t name_end, type, len;

	/* server_name_list<1..2^16-1>, filling the extension */
	if ((res = tls_open_exact(r, 2, end, 0)) != TLS_HELLO_OK)
		return res;
	while (r->pos < end) {
		if ((res = tls_get(r, 1, end, &type)) != TLS_HELLO_OK)
			return res;
		if ((res = tls_open(r, 2, end, &name_end, &len)) != TLS_HELLO_OK)
			return res;
		if (type == TLS_SNI_HOST_NAME && (len == 0 || out->sni))
			return TLS_HELLO_BAD;
		if (type == TLS_SNI_HOST_NAME) {
			out->sni = r->p + r->pos;
			out->sni_len = len;
		}
		if ((res = tls_skip(r, len, name_end)) != TLS_HELLO_OK)
			return res;
	}
	return TLS_HELLO_OK;
}

/* Parses an ALPN extension body ending at <end> into <out>: a non-empty
 * list of non-empty names, filling the extension exactly.
 */
static enum tls_hello_res tls_parse_alpn(struct tls_rd *r, size_t end, struct tls_hello *out)
{
	enum tls_hello_res res;
	size_t name_end, start, len;

	/* protocol_name_list<2..2^16-1>, filling the extension */
	if ((res = tls_open_exact(r, 2, end, 0)) != TLS_HELLO_OK)
		return res;
	start = r->pos;
	while (r->pos < end) {
		if ((res = tls_open(r, 1, end, &name_end, &len)) != TLS_HELLO_OK)
			return res;
		if (len == 0)
			return TLS_HELLO_BAD;
		if ((res = tls_skip(r, len, name_end)) != TLS_HELLO_OK)
			return res;
	}
	out->alpn = r->p + start;
	out->alpn_len = end - start;
	return TLS_HELLO_OK;
}

/* Parses the extension block of a ClientHello, which must end exactly at
 * <end>, the end of the message.
 */
static enum tls_hello_res tls_parse_extensions(struct tls_rd *r, size_t end, struct tls_hello *out)
{
	enum tls_hello_res res;
	size_t ext_end, type, len;
	int seen_sni = 0, seen_alpn = 0;

	if ((res = tls_open_exact(r, 2, end, 1)) != TLS_HELLO_OK)
		return res;
	while (r->pos < end) {
		if ((res = tls_get(r, 2, end, &type)) != TLS_HELLO_OK)
			return res;
		if ((type == TLS_EXT_SERVER_NAME && seen_sni++) ||
		    (type == TLS_EXT_ALPN && seen_alpn++))
			return TLS_HELLO_BAD;
		if ((res = tls_open(r, 2, end, &ext_end, &len)) != TLS_HELLO_OK)
			return res;
		switch (type) {
		case TLS_EXT_SERVER_NAME:
			res = tls_parse_sni(r, ext_end, out);
			break;
		case TLS_EXT_ALPN:
			res = tls_parse_alpn(r, ext_end, out);
			break;
		default:
			res = tls_skip(r, len, ext_end);
			break;
		}
		if (res != TLS_HELLO_OK)
			return res;
	}
	return TLS_HELLO_OK;
}

/* Parses a ClientHello body ending at <end> (the end of the message) into
 * <out>.
 */
static enum tls_hello_res tls_parse_client_hello(struct tls_rd *r, size_t end, struct tls_hello *out)
{
	enum tls_hello_res res;

	if ((res = tls_get_version(r, end, &out->hello_version)) != TLS_HELLO_OK)
		return res;
	if ((res = tls_skip(r, TLS_RANDOM_LEN, end)) != TLS_HELLO_OK)
		return res;

	/* legacy_session_id<0..32>, cipher_suites<2..2^16-2> (2 bytes each),
	 * legacy_compression_methods<1..2^8-1>
	 */
	if ((res = tls_skip_vector(r, 1, end, 0, TLS_SESSION_ID_MAX, 1)) != TLS_HELLO_OK)
		return res;
	if ((res = tls_skip_vector(r, 2, end, 2, 0xfffe, 2)) != TLS_HELLO_OK)
		return res;
	if ((res = tls_skip_vector(r, 1, end, 1, 0xff, 1)) != TLS_HELLO_OK)
		return res;

	/* extensions are optional before TLS 1.3: the message may end here */
	if (r->pos == end)
		return TLS_HELLO_OK;
	return tls_parse_extensions(r, end, out);
}

/* tls_hello_parse() without the reset of <out> on failure. */
static enum tls_hello_res __tls_hello_parse(struct tls_rd *r, struct tls_hello *out)
{
	enum tls_hello_res res;
	size_t rec_end, msg_end, len;

	if ((res = tls_rec_header(r, &out->rec_version, &rec_end)) != TLS_HELLO_OK)
		return res;
	if ((res = tls_get(r, 1, rec_end, &len)) != TLS_HELLO_OK)
		return res;
	out->hs_type = (unsigned int)len;
	/* the message must fit in the first record: see tls_hello.h */
	if ((res = tls_open(r, 3, rec_end, &msg_end, &len)) != TLS_HELLO_OK)
		return res;
	if (out->hs_type != TLS_HELLO_CLIENT_HELLO)
		return tls_skip(r, len, msg_end);
	return tls_parse_client_hello(r, msg_end, out);
}

enum tls_hello_res tls_hello_parse(const unsigned char *p, size_t len, struct tls_hello *out)
{
	struct tls_rd r = { .p = p, .pos = 0, .avail = len };
	enum tls_hello_res res;

	memset(out, 0, sizeof(*out));
	res = __tls_hello_parse(&r, out);
	if (res != TLS_HELLO_OK)
		memset(out, 0, sizeof(*out));
	return res;
}

int tls_hello_alpn_next(const struct tls_hello *h, size_t *pos, const unsigned char **name,
                        size_t *name_len)
{
	size_t i = *pos, n;

	if (!h->alpn || i >= h->alpn_len)
		return 0;
	n = h->alpn[i];
	/* cannot happen after a successful parse: stop rather than overread */
	if (n == 0 || n > h->alpn_len - i - 1)
		return 0;
	*name = h->alpn + i + 1;
	*name_len = n;
	*pos = i + 1 + n;
	return 1;
}

/* tls_stream_version() for an SSLv2-compatible CLIENT-HELLO. */
static enum tls_hello_res tls_sslv2_version(struct tls_rd *r, unsigned int *version)
{
	enum tls_hello_res res;
	size_t hdr, end, type, v, specs, sid, challenge;

	if ((res = tls_get(r, SSL2_HDR_LEN, TLS_NO_END, &hdr)) != TLS_HELLO_OK)
		return res;
	end = r->pos + (hdr & 0x7fff);
	if ((res = tls_get(r, 1, end, &type)) != TLS_HELLO_OK)
		return res;
	if (type != SSL2_CLIENT_HELLO)
		return TLS_HELLO_BAD;
	if ((res = tls_get(r, 2, end, &v)) != TLS_HELLO_OK)
		return res;
	if ((res = tls_get(r, 2, end, &specs)) != TLS_HELLO_OK)
		return res;
	if (specs % 3)
		return TLS_HELLO_BAD;
	if ((res = tls_get(r, 2, end, &sid)) != TLS_HELLO_OK)
		return res;
	if (sid != 0 && sid != 16)
		return TLS_HELLO_BAD;
	if ((res = tls_get(r, 2, end, &challenge)) != TLS_HELLO_OK)
		return res;
	if (challenge < 16 || challenge > 32)
		return TLS_HELLO_BAD;
	/* the three lists fill the message exactly */
	if (specs + sid + challenge != end - r->pos)
		return TLS_HELLO_BAD;
	*version = (unsigned int)((v >> 8) << 16 | (v & 0xff));
	return tls_skip(r, end - r->pos, end);
}

/* tls_stream_version() for an SSLv3+ record. */
static enum tls_hello_res tls_record_version(struct tls_rd *r, unsigned int *version)
{
	enum tls_hello_res res;
	unsigned int rec_version, v;
	size_t rec_end, type, len;

	if ((res = tls_rec_header(r, &rec_version, &rec_end)) != TLS_HELLO_OK)
		return res;
	if ((res = tls_get(r, 1, rec_end, &type)) != TLS_HELLO_OK)
		return res;
	if (type != TLS_HELLO_CLIENT_HELLO)
		return TLS_HELLO_BAD;
	/* the message length is not checked: it may span records here */
	if ((res = tls_get(r, 3, rec_end, &len)) != TLS_HELLO_OK)
		return res;
	if ((res = tls_get_version(r, rec_end, &v)) != TLS_HELLO_OK)
		return res;
	*version = v;
	return tls_skip(r, rec_end - r->pos, rec_end);
}

enum tls_hello_res tls_stream_version(const unsigned char *p, size_t len, unsigned int *version)
{
	struct tls_rd r = { .p = p, .pos = 0, .avail = len };
	enum tls_hello_res res;

	*version = 0;
	if (!len)
		return TLS_HELLO_SHORT;
	if (p[0] & 0x80)
		res = tls_sslv2_version(&r, version);
	else
		res = tls_record_version(&r, version);
	if (res == TLS_HELLO_BAD)
		*version = 0;
	return res;
}
