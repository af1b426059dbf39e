/*
 * HTTP/1.1 head parser: request and status lines, header fields, framing
 * decisions. See h1.h for the contract and doc/internals/http-parser.md for
 * the rules and their reasons.
 *
 * Resumption. <msg>->pos is the offset of the first line not parsed yet;
 * a line is parsed (and its effects applied to <msg>) only once complete,
 * so calling again with more bytes re-reads at most the incomplete line.
 * Every decision depends only on bytes already read, in order, and "need
 * more" is answered exactly when the next byte to read is missing, so a
 * parse fed in pieces ends exactly like a parse of the whole.
 *
 * Limits are applied by truncation: the head is parsed as if the buffer
 * ended at max_head (the start line at its start + max_line); running out
 * of bytes at such a bound is the "too large" error, otherwise "need more".
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <tollgate/h1.h>

/* Character classes: H1_C_* bits of each byte value, 8 per row. */
const uint8_t h1_ctab[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x00 */
	0x00, 0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x08 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x18 */
	0x34, 0x2f, 0x06, 0x25, 0x2f, 0x2f, 0x2f, 0x2f,  /* 0x20 */
	0x2e, 0x2e, 0x2f, 0x2f, 0x26, 0x2f, 0x2f, 0x26,  /* 0x28 */
	0xef, 0xef, 0xef, 0xef, 0xef, 0xef, 0xef, 0xef,  /* 0x30 */
	0xef, 0xef, 0x2e, 0x2e, 0x26, 0x2e, 0x26, 0x26,  /* 0x38 */
	0x26, 0xaf, 0xaf, 0xaf, 0xaf, 0xaf, 0xaf, 0x2f,  /* 0x40 */
	0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f,  /* 0x48 */
	0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f,  /* 0x50 */
	0x2f, 0x2f, 0x2f, 0x2e, 0x06, 0x2e, 0x27, 0x2f,  /* 0x58 */
	0x27, 0xaf, 0xaf, 0xaf, 0xaf, 0xaf, 0xaf, 0x2f,  /* 0x60 */
	0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f,  /* 0x68 */
	0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f,  /* 0x70 */
	0x2f, 0x2f, 0x2f, 0x26, 0x27, 0x26, 0x2f, 0x00,  /* 0x78 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0x80 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0x88 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0x90 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0x98 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xa0 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xa8 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xb0 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xb8 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xc0 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xc8 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xd0 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xd8 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xe0 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xe8 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xf0 */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,  /* 0xf8 */
};

/* Internal bits of h1_msg.te_last. */
#define H1_TE_LAST_CHUNKED  0x01U   /* the last coding seen is chunked */
#define H1_TE_SEEN_CHUNKED  0x02U   /* chunked was seen */

/* "Need more" from a line parser: distinct from any error and from 0. */
#define H1_MORE  0

void h1_limits_init(struct h1_limits *lim)
{
	lim->max_line = H1_DEF_MAX_LINE;
	lim->max_head = H1_DEF_MAX_HEAD;
	lim->max_body = 0;
	lim->opts = 0;
}

void h1_msg_init(struct h1_msg *msg, struct h1_hdr *hdrs, uint32_t max_hdrs)
{
	memset(msg, 0, sizeof(*msg));
	msg->hdrs = hdrs;
	msg->max_hdrs = max_hdrs;
}

int h1_name_eq(const char *name, size_t len, const char *lc, size_t lclen)
{
	size_t i;

	if (len != lclen)
		return 0;
	/* <lc> holds lower case letters, digits and '-': OR-ing 0x20 maps
	 * an upper case letter to its lower case and leaves those alone; it
	 * also maps 0x0D to '-' and 0x10-0x19 to digits, none of which can be
	 * in a token or field value here.
	 */
	for (i = 0; i < len; i++)
		if (((unsigned char)name[i] | 0x20) != (unsigned char)lc[i])
			return 0;
	return 1;
}

int h1_conn_specific(const char *name, size_t len)
{
	/* by length: the lengths differ, so one comparison at most */
	switch (len) {
	case 7:
		return h1_name_eq(name, len, "upgrade", 7);
	case 10:
		return h1_name_eq(name, len, "connection", 10) || h1_name_eq(name, len, "keep-alive", 10);
	case 16:
		return h1_name_eq(name, len, "proxy-connection", 16);
	case 17:
		return h1_name_eq(name, len, "transfer-encoding", 17);
	default:
		return 0;
	}
}

/* Returns the first position from <p> below <end> whose byte is not a field
 * value char (VCHAR, obs-text, SP, HTAB), or <end>.
 */
static inline uint32_t h1_scan_fval(const uint8_t *b, uint32_t p, uint32_t end)
{
#ifdef __SSE2__
	const __m128i c1f = _mm_set1_epi8(0x1F);
	const __m128i tab = _mm_set1_epi8('\t');
	const __m128i del = _mm_set1_epi8(0x7F);

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + p));
		__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, c1f), x);
		__m128i bad = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(x, tab), ctl),
		                           _mm_cmpeq_epi8(x, del));
		unsigned int m = (unsigned int)_mm_movemask_epi8(bad);

		if (m)
			return p + (uint32_t)__builtin_ctz(m);
		p += 16;
	}
#endif
	while (p < end && (h1_ctab[b[p]] & H1_C_FVAL))
		p++;
	return p;
}

/* Returns the first position from <p> below <end> whose byte is not a
 * token char, or <end>. Names are mostly letters, digits and '-': those are
 * skipped 16 at a time, the first other byte goes to the table.
 */
static inline uint32_t h1_scan_token(const uint8_t *b, uint32_t p, uint32_t end)
{
#ifdef __SSE2__
	const __m128i c20 = _mm_set1_epi8(0x20);
	const __m128i ca = _mm_set1_epi8('a');
	const __m128i c0 = _mm_set1_epi8('0');
	const __m128i c25 = _mm_set1_epi8(25);
	const __m128i c9 = _mm_set1_epi8(9);
	const __m128i dash = _mm_set1_epi8('-');

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + p));
		/* only letters OR 0x20 land in 'a'..'z' */
		__m128i l = _mm_sub_epi8(_mm_or_si128(x, c20), ca);
		__m128i d = _mm_sub_epi8(x, c0);
		__m128i ok = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(l, c25), l),
		                          _mm_cmpeq_epi8(_mm_min_epu8(d, c9), d));
		unsigned int m;

		ok = _mm_or_si128(ok, _mm_cmpeq_epi8(x, dash));
		m = ~(unsigned int)_mm_movemask_epi8(ok) & 0xFFFFU;
		if (m) {
			p += (uint32_t)__builtin_ctz(m);
			break;
		}
		p += 16;
	}
#endif
	while (p < end && (h1_ctab[b[p]] & H1_C_TCHAR))
		p++;
	return p;
}

/* Returns the first position from <p> below <end> whose byte is not a
 * request-target char (VCHAR but '#'), or <end>.
 */
static inline uint32_t h1_scan_target(const uint8_t *b, uint32_t p, uint32_t end)
{
#ifdef __SSE2__
	const __m128i c20 = _mm_set1_epi8(0x20);
	const __m128i c7f = _mm_set1_epi8(0x7F);
	const __m128i hash = _mm_set1_epi8('#');

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + p));
		__m128i lo = _mm_cmpeq_epi8(_mm_min_epu8(x, c20), x);
		__m128i hi = _mm_cmpeq_epi8(_mm_max_epu8(x, c7f), x);
		__m128i bad = _mm_or_si128(_mm_or_si128(lo, hi), _mm_cmpeq_epi8(x, hash));
		unsigned int m = (unsigned int)_mm_movemask_epi8(bad);

		if (m)
			return p + (uint32_t)__builtin_ctz(m);
		p += 16;
	}
#endif
	while (p < end && (h1_ctab[b[p]] & H1_C_TARGET))
		p++;
	return p;
}

/* Parses a line end at <p> (below <end>). Returns its length (2 for CRLF,
 * 1 for a bare LF if <opts> accept it), H1_MORE, or an error.
 */
static inline int h1_eol(const uint8_t *b, uint32_t p, uint32_t end, uint32_t opts, int err)
{
	if (b[p] == '\r') {
		if (p + 1 >= end)
			return H1_MORE;
		return b[p + 1] == '\n' ? 2 : H1_ERR_BARE_CR;
	}
	if (b[p] == '\n')
		return (opts & H1_OPT_ACCEPT_BARE_LF) ? 1 : H1_ERR_BARE_LF;
	return err;
}

/* Parses "HTTP/" DIGIT "." DIGIT at <p>, reading nothing at or past <end>.
 * Returns 8, H1_MORE or H1_ERR_VERSION; sets the version of <msg>.
 */
static int h1_version(struct h1_msg *msg, const uint8_t *b, uint32_t p, uint32_t end)
{
	static const char pfx[5] = { 'H', 'T', 'T', 'P', '/' };
	uint32_t i;

	/* HTTP/1.x whole, the usual case: one comparison */
	if (end - p >= 8 && !memcmp(b + p, "HTTP/1.", 7) && (h1_ctab[b[p + 7]] & H1_C_DIGIT)) {
		msg->vmajor = 1;
		msg->vminor = (uint8_t)(b[p + 7] - '0');
		return 8;
	}
	for (i = 0; i < 8; i++) {
		uint8_t c;

		if (p + i >= end)
			return H1_MORE;
		c = b[p + i];
		if (i < 5) {
			if (c != (uint8_t)pfx[i])
				return H1_ERR_VERSION;
		} else if (i == 6) {
			if (c != '.')
				return H1_ERR_VERSION;
		} else if (!(h1_ctab[c] & H1_C_DIGIT)) {
			return H1_ERR_VERSION;
		}
	}
	msg->vmajor = (uint8_t)(b[p + 5] - '0');
	msg->vminor = (uint8_t)(b[p + 7] - '0');
	return 8;
}

/* Identifies the method of <len> bytes at <m>. */
static enum h1_meth h1_meth_id(const uint8_t *m, uint32_t len)
{
	switch (len) {
	case 3:
		if (!memcmp(m, "GET", 3))
			return H1_METH_GET;
		if (!memcmp(m, "PUT", 3))
			return H1_METH_PUT;
		break;
	case 4:
		if (!memcmp(m, "POST", 4))
			return H1_METH_POST;
		if (!memcmp(m, "HEAD", 4))
			return H1_METH_HEAD;
		break;
	case 5:
		if (!memcmp(m, "TRACE", 5))
			return H1_METH_TRACE;
		if (!memcmp(m, "PATCH", 5))
			return H1_METH_PATCH;
		break;
	case 6:
		if (!memcmp(m, "DELETE", 6))
			return H1_METH_DELETE;
		break;
	case 7:
		if (!memcmp(m, "CONNECT", 7))
			return H1_METH_CONNECT;
		if (!memcmp(m, "OPTIONS", 7))
			return H1_METH_OPTIONS;
		break;
	}
	return H1_METH_OTHER;
}

/* Parses the uri-host [":" port] of <len> bytes at <v> (RFC 3986 3.2.2):
 * an IP-literal in brackets, or reg-name / IPv4 chars with '%' followed by
 * two hex digits and no ':'; then an optional ':' and digits. A ',' is
 * refused although reg-name allows it: some servers read Host as a list. Returns 1 if
 * valid and sets *<colon> to the offset of the port's ':' (<len> if none),
 * else 0. Empty is valid.
 */
static int h1_host_parse(const uint8_t *v, uint32_t len, uint32_t *colon)
{
	uint32_t i = 0;

	if (len && v[0] == '[') {
		for (i = 1; i < len && v[i] != ']'; i++)
			if (!(h1_ctab[v[i]] & H1_C_HOST) || v[i] == '[')
				return 0;
		if (i >= len)
			return 0;
		i++;
	} else {
		for (; i < len && v[i] != ':'; i++) {
			if (!(h1_ctab[v[i]] & H1_C_HOST) || v[i] == '[' || v[i] == ']')
				return 0;
			if (v[i] == '%') {
				if (i + 2 >= len || !(h1_ctab[v[i + 1]] & H1_C_HEX) ||
				    !(h1_ctab[v[i + 2]] & H1_C_HEX))
					return 0;
				i += 2;
			}
		}
	}
	*colon = i;
	if (i == len)
		return 1;
	if (v[i] != ':')
		return 0;
	for (i++; i < len; i++)
		if (!(h1_ctab[v[i]] & H1_C_DIGIT))
			return 0;
	return 1;
}

/* Returns 1 if the <len> bytes at <s> form an authority "host:port" as
 * CONNECT requires (a valid non-empty host, a port of 1-5 digits).
 */
static int h1_authority_ok(const uint8_t *s, uint32_t len)
{
	uint32_t colon;

	if (!h1_host_parse(s, len, &colon))
		return 0;
	return colon > 0 && colon < len && len - 1 - colon >= 1 && len - 1 - colon <= 5;
}

/* Checks the form of the request-target of <msg> against its method:
 * origin-form ("/..."), asterisk-form ("*", OPTIONS only), authority-form
 * (CONNECT only, and CONNECT takes only it), absolute-form (scheme "://",
 * no userinfo).
 * Returns 0 or H1_ERR_TARGET.
 */
static int h1_check_target(struct h1_msg *msg, const uint8_t *b)
{
	const uint8_t *t = b + msg->target.off;
	uint32_t len = msg->target.len, i;

	if (msg->meth == H1_METH_CONNECT)
		return h1_authority_ok(t, len) ? 0 : H1_ERR_TARGET;
	if (t[0] == '/')
		return 0;
	if (t[0] == '*')   /* OPTIONS, or another method: "PRI * HTTP/2.0" (HAProxy) */
		return (len == 1 && (msg->meth == H1_METH_OPTIONS || msg->meth == H1_METH_OTHER)) ? 0 : H1_ERR_TARGET;
	/* absolute-form: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (!((t[0] | 0x20) >= 'a' && (t[0] | 0x20) <= 'z'))
		return H1_ERR_TARGET;
	for (i = 1; i < len; i++) {
		uint8_t c = t[i];

		if (c == ':')
			break;
		if (!(((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
		      (h1_ctab[c] & H1_C_DIGIT) || c == '+' || c == '-' || c == '.'))
			return H1_ERR_TARGET;
	}
	if (i + 3 > len || t[i + 1] != '/' || t[i + 2] != '/')
		return H1_ERR_TARGET;
	/* a userinfo ("http://u@host/") is accepted and skipped, as HAProxy:
	 * only the host after it is compared with Host (h1_check_authority())
	 */
	msg->flags |= H1_MF_ABS_FORM;
	return 0;
}

int h1_target_valid(enum h1_meth m, const char *t, size_t len)
{
	struct h1_msg msg;

	if (!len || len > UINT32_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!(h1_ctab[(uint8_t)t[i]] & H1_C_TARGET))
			return 0;
	memset(&msg, 0, sizeof(msg));
	msg.meth = m;
	msg.target.len = (uint32_t)len;
	return h1_check_target(&msg, (const uint8_t *)t) == 0;
}

/* Parses the request line at <s>, reading below <end>. Returns the line's
 * length, H1_MORE or an error, and fills the start line of <msg>.
 */
static int h1_request_line(struct h1_msg *msg, const uint8_t *b, uint32_t s,
                           uint32_t end, uint32_t opts)
{
	uint32_t p = s, t, v;
	int ret, eol;

	p = h1_scan_token(b, p, end);
	if (p >= end)
		return H1_MORE;
	if (b[p] != ' ' || p == s)
		return H1_ERR_METHOD;
	t = ++p;
	p = h1_scan_target(b, p, end);
	while (p < end && b[p] == '#' && (opts & H1_OPT_ACCEPT_FRAGMENT))
		p = h1_scan_target(b, p + 1, end);
	if (p >= end)
		return H1_MORE;
	if (b[p] != ' ' || p == t)
		return H1_ERR_TARGET;
	v = ++p;
	ret = h1_version(msg, b, v, end);
	if (ret <= 0)
		return ret;
	p += 8;
	if (p >= end)
		return H1_MORE;
	eol = h1_eol(b, p, end, opts, H1_ERR_VERSION);
	if (eol <= 0)
		return eol;
	if (!msg->vmajor)
		return H1_ERR_VERSION_UNSUPP;
	msg->method.off = s;
	msg->method.len = t - 1 - s;
	msg->target.off = t;
	msg->target.len = v - 1 - t;
	msg->meth = h1_meth_id(b + s, msg->method.len);
	ret = h1_check_target(msg, b);
	if (ret)
		return ret;
	if (msg->vmajor > 1 || msg->vminor >= 1)
		msg->flags |= H1_MF_VER11;
	return (int)(p + (uint32_t)eol - s);
}

/* Parses the status line at <s>, reading below <end>. Returns the line's
 * length, H1_MORE or an error, and fills the start line of <msg>. The
 * reason phrase may be absent along with its SP (tolerated: it carries no
 * meaning).
 */
static int h1_status_line(struct h1_msg *msg, const uint8_t *b, uint32_t s,
                          uint32_t end, uint32_t opts)
{
	uint32_t p = s, i, r;
	int ret, eol;
	unsigned int status = 0;

	ret = h1_version(msg, b, p, end);
	if (ret <= 0)
		return ret == H1_ERR_VERSION ? H1_ERR_VERSION : ret;
	p += 8;
	if (p >= end)
		return H1_MORE;
	if (b[p] != ' ')
		return H1_ERR_VERSION;
	p++;
	for (i = 0; i < 3; i++, p++) {
		if (p >= end)
			return H1_MORE;
		if (!(h1_ctab[b[p]] & H1_C_DIGIT))
			return H1_ERR_STATUS;
		status = status * 10 + (unsigned int)(b[p] - '0');
	}
	if (p >= end)
		return H1_MORE;
	r = p;
	if (b[p] == ' ') {
		r = ++p;
		p = h1_scan_fval(b, p, end);
		if (p >= end)
			return H1_MORE;
	}
	eol = h1_eol(b, p, end, opts, H1_ERR_STATUS);
	if (eol <= 0)
		return eol;
	if (!msg->vmajor)
		return H1_ERR_VERSION_UNSUPP;
	if (status < 100)
		return H1_ERR_STATUS;
	msg->status = (uint16_t)status;
	msg->reason.off = r;
	msg->reason.len = p - r;
	if (msg->vmajor > 1 || msg->vminor >= 1)
		msg->flags |= H1_MF_VER11;
	return (int)(p + (uint32_t)eol - s);
}

/* Calls <fn>(<ctx>, element, length) for each element of the comma list of
 * <len> bytes at <v>, elements stripped of OWS (possibly empty). Stops at
 * and returns the first non-zero result of <fn>, else 0.
 */
static int h1_list_each(const uint8_t *v, uint32_t len,
                        int (*fn)(void *ctx, const uint8_t *e, uint32_t elen), void *ctx)
{
	uint32_t i = 0;

	for (;;) {
		uint32_t s, e;
		int ret;

		while (i < len && (h1_ctab[v[i]] & H1_C_OWS))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (h1_ctab[v[e - 1]] & H1_C_OWS))
			e--;
		ret = fn(ctx, v + s, e - s);
		if (ret)
			return ret;
		if (i >= len)
			return 0;
		i++;   /* the comma */
	}
}

/* Returns 1 if the <len> bytes at <e> are all token chars (and len > 0). */
static int h1_is_token(const uint8_t *e, uint32_t len)
{
	uint32_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		if (!(h1_ctab[e[i]] & H1_C_TCHAR))
			return 0;
	return 1;
}

/* Content-Length element: 1*DIGIT below 2^63, every element equal. */
static int h1_cl_elem(void *ctx, const uint8_t *e, uint32_t len)
{
	struct h1_msg *msg = ctx;
	uint64_t v = 0;
	uint32_t i;

	if (!len)
		return H1_ERR_CL_INVALID;
	for (i = 0; i < len; i++) {
		if (!(h1_ctab[e[i]] & H1_C_DIGIT))
			return H1_ERR_CL_INVALID;
		if (v > (UINT64_C(0x7FFFFFFFFFFFFFFF) - (uint64_t)(e[i] - '0')) / 10)
			return H1_ERR_CL_INVALID;
		v = v * 10 + (uint64_t)(e[i] - '0');
	}
	if (msg->flags & H1_MF_CL) {
		if (v != msg->content_length)
			return H1_ERR_CL_MISMATCH;
		msg->flags |= H1_MF_CL_MULTI;
	}
	msg->flags |= H1_MF_CL;
	msg->content_length = v;
	return 0;
}

/* Transfer-Encoding element: one bare token (no parameters), chunked at
 * most once; unknown codings are remembered (requests: 501).
 */
static int h1_te_elem(void *ctx, const uint8_t *e, uint32_t len)
{
	struct h1_msg *msg = ctx;

	if (!h1_is_token(e, len))
		return H1_ERR_TE_INVALID;
	if (h1_name_eq((const char *)e, len, "chunked", 7)) {
		if (msg->te_last & H1_TE_SEEN_CHUNKED)
			return H1_ERR_TE_INVALID;
		msg->te_last = H1_TE_SEEN_CHUNKED | H1_TE_LAST_CHUNKED;
		return 0;
	}
	msg->te_last &= (uint8_t)~H1_TE_LAST_CHUNKED;
	if (!h1_name_eq((const char *)e, len, "gzip", 4) &&
	    !h1_name_eq((const char *)e, len, "deflate", 7) &&
	    !h1_name_eq((const char *)e, len, "compress", 8) &&
	    !h1_name_eq((const char *)e, len, "x-gzip", 6) &&
	    !h1_name_eq((const char *)e, len, "x-compress", 10))
		msg->te_bad = 1;
	return 0;
}

/* Connection option: close, keep-alive, upgrade, or another (ignored if
 * not a token; empty elements are allowed by the list syntax).
 */
static int h1_conn_elem(void *ctx, const uint8_t *e, uint32_t len)
{
	struct h1_msg *msg = ctx;

	if (!len)
		return 0;
	if (h1_name_eq((const char *)e, len, "close", 5))
		msg->flags |= H1_MF_CONN_CLOSE;
	else if (h1_name_eq((const char *)e, len, "keep-alive", 10))
		msg->flags |= H1_MF_CONN_KA;
	else if (h1_name_eq((const char *)e, len, "upgrade", 7))
		msg->flags |= H1_MF_CONN_UPGRADE;
	else
		msg->flags |= H1_MF_CONN_OTHER;
	return 0;
}

/* Upgrade protocol: "websocket" with or without a "/version". */
static int h1_upg_elem(void *ctx, const uint8_t *e, uint32_t len)
{
	struct h1_msg *msg = ctx;
	uint32_t n = 0;

	while (n < len && e[n] != '/')
		n++;
	if (h1_name_eq((const char *)e, n, "websocket", 9))
		msg->flags |= H1_MF_UPG_WS;
	return 0;
}

/* Applies the meaning of a complete header field (name <n>/<nlen>, value
 * <v>/<vlen>) to <msg>. Returns 0 or an error.
 */
static int h1_field(struct h1_msg *msg, const uint8_t *b, uint32_t n, uint32_t nlen,
                    uint32_t v, uint32_t vlen, int is_resp)
{
	const char *name = (const char *)b + n;
	const uint8_t *val = b + v;
	uint32_t colon;

	switch (nlen) {
	case 4:
		if (is_resp || !h1_name_eq(name, nlen, "host", 4))
			break;
		if (++msg->hosts > 1)
			return H1_ERR_HOST_DUP;
		if (!h1_host_parse(val, vlen, &colon))
			return H1_ERR_HOST_INVALID;
		msg->flags |= H1_MF_HOST;
		msg->host.off = v;
		msg->host.len = vlen;
		break;
	case 6:
		if (is_resp || !h1_name_eq(name, nlen, "expect", 6) || !(msg->flags & H1_MF_VER11))
			break;
		if (h1_name_eq((const char *)val, vlen, "100-continue", 12))
			msg->flags |= H1_MF_EXPECT_100;
		else
			msg->flags |= H1_MF_EXPECT_OTHER;
		break;
	case 7:
		if (!h1_name_eq(name, nlen, "upgrade", 7))
			break;
		msg->flags |= H1_MF_UPGRADE;
		return h1_list_each(val, vlen, h1_upg_elem, msg);
	case 10:
		if (!h1_name_eq(name, nlen, "connection", 10))
			break;
		return h1_list_each(val, vlen, h1_conn_elem, msg);
	case 14:
		if (!h1_name_eq(name, nlen, "content-length", 14))
			break;
		return h1_list_each(val, vlen, h1_cl_elem, msg);
	case 17:
		if (!h1_name_eq(name, nlen, "transfer-encoding", 17))
			break;
		msg->flags |= H1_MF_TE;
		return h1_list_each(val, vlen, h1_te_elem, msg);
	}
	return 0;
}

/* Decides the framing of the complete head of <msg>. Returns 0 or an
 * error.
 */
static int h1_framing(struct h1_msg *msg, const struct h1_limits *lim, int is_resp)
{
	if (msg->flags & H1_MF_TE) {
		/* RFC 9112 6.1: faulty framing, whatever Content-Length says */
		if (!(msg->flags & H1_MF_VER11))
			return H1_ERR_TE_HTTP10;
		if (!is_resp) {
			if (msg->te_bad)
				return H1_ERR_TE_UNSUPP;
			if (!(msg->te_last & H1_TE_LAST_CHUNKED))
				return H1_ERR_TE_NOT_CHUNKED;
		}
		if (msg->te_last & H1_TE_LAST_CHUNKED)
			msg->flags |= H1_MF_CHUNKED;
	}
	if (!is_resp) {
		/* an HTTP/1.1 request without Host passes, as in HAProxy
		 * (RFC 9112 3.2 would answer 400; H1_ERR_HOST_MISSING is kept
		 * for callers that want it)
		 */
		if (msg->flags & H1_MF_CHUNKED)
			msg->body = H1_BODY_CHUNKED;
		else if (msg->flags & H1_MF_CL)
			msg->body = H1_BODY_CL;
		else
			msg->body = H1_BODY_NONE;
	} else {
		msg->body = h1_res_body(msg, H1_METH_GET);
	}
	if (lim->max_body && msg->body == H1_BODY_CL && msg->content_length > lim->max_body)
		return H1_ERR_BODY_TOO_LARGE;
	return 0;
}

int h1_host_port(const uint8_t *a, uint32_t len, uint32_t *hostlen)
{
	uint32_t i = len;

	while (i && (h1_ctab[a[i - 1]] & H1_C_DIGIT))
		i--;
	if (!i || a[i - 1] != ':') {
		*hostlen = len;
		return -1;
	}
	*hostlen = i - 1;
	return (int)(len - i);
}

/* Returns 1 if the port <p> of <plen> bytes is the default one of scheme
 * <scheme> (H1_SCHEME_*): empty, 80 for http, 443 for https, either when
 * there is no scheme (CONNECT).
 */
int h1_default_port(int scheme, const uint8_t *p, int plen)
{
	int is80 = plen == 2 && !memcmp(p, "80", 2), is443 = plen == 3 && !memcmp(p, "443", 3);

	if (plen <= 0)
		return plen == 0;
	if (scheme == H1_SCHEME_NONE)
		return is80 || is443;
	return (scheme == H1_SCHEME_HTTP && is80) || (scheme == H1_SCHEME_HTTPS && is443);
}

int h1_target_authority(const uint8_t *t, uint32_t len, int *scheme, uint32_t *alen)
{
	/* the bytes that end the authority, and '@' that ends a userinfo:
	 * one table load per byte (this runs twice on every HTTP/2 request,
	 * whose target is in absolute form)
	 */
	static const uint8_t stop[256] = { ['/'] = 1, ['?'] = 1, ['#'] = 1, ['@'] = 2 };
	const uint8_t *p, *as, *end = t + len;
	uint32_t i;

	for (i = 0; i < len && t[i] != ':'; i++)
		;
	if (i + 3 > len || t[i + 1] != '/' || t[i + 2] != '/')
		return -1;
	*scheme = (i == 4 && h1_name_eq((const char *)t, 4, "http", 4)) ? H1_SCHEME_HTTP :
	          (i == 5 && h1_name_eq((const char *)t, 5, "https", 5)) ? H1_SCHEME_HTTPS : H1_SCHEME_OTHER;
	p = t + i + 3;
#ifdef __SSE2__
	/* 16 bytes at a time up to the first stop byte (an authority is
	 * mostly shorter: one step, then the table for the byte found)
	 */
	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('/')),
		                                        _mm_cmpeq_epi8(x, _mm_set1_epi8('?'))),
		                           _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('#')),
		                                        _mm_cmpeq_epi8(x, _mm_set1_epi8('@'))));
		unsigned int m = (unsigned int)_mm_movemask_epi8(hit);

		if (m) {
			p += __builtin_ctz(m);
			break;
		}
		p += 16;
	}
#endif
	for (as = t + i + 3; p < end; p++) {
		uint8_t k = stop[*p];

		if (k) {
			if (k == 1)
				break;
			as = p + 1;     /* skip the userinfo */
		}
	}
	*alen = (uint32_t)(p - as);
	return (int)(as - t);
}

/* Returns 1 if the hosts <a>/<alen> and <b>/<blen> are equal, case ignored. */
static int h1_host_eq(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
	uint32_t i;

	if (alen != blen)
		return 0;
	if (!memcmp(a, b, alen))
		return 1;   /* the usual case: the same bytes (an HTTP/2 request's) */
	for (i = 0; i < alen; i++) {
		uint8_t x = a[i], y = b[i];

		x = (uint8_t)(x >= 'A' && x <= 'Z' ? x + 32 : x);
		y = (uint8_t)(y >= 'A' && y <= 'Z' ? y + 32 : y);
		if (x != y)
			return 0;
	}
	return 1;
}

/* Checks that the authority of an absolute-form or CONNECT target of the
 * request <msg> names the same host and port as its Host field (RFC 9112
 * 3.2.2 lets a server ignore Host then, and rules or servers that read
 * Host would disagree with those that read the target), as HAProxy does:
 * case is ignored; a port that is empty or the scheme's default (80 for
 * http, 443 for https, either for CONNECT) matches no port. Returns 0 or
 * H1_ERR_HOST_AUTHORITY.
 */
static int h1_check_authority(const struct h1_msg *msg, const uint8_t *b)
{
	const uint8_t *a = b + msg->target.off, *h = b + msg->host.off;
	uint32_t alen = msg->target.len, hlen = msg->host.len, ahost, hhost;
	int scheme = H1_SCHEME_NONE, aport, hport, off;

	if (!(msg->flags & H1_MF_HOST) || (!(msg->flags & H1_MF_ABS_FORM) && msg->meth != H1_METH_CONNECT))
		return 0;
	if (msg->flags & H1_MF_ABS_FORM) {
		off = h1_target_authority(a, alen, &scheme, &alen);
		if (off < 0)
			return H1_ERR_TARGET;
		a += off;
		if (h1_host_eq(a, alen, h, hlen))
			return 0;
	}
	aport = h1_host_port(a, alen, &ahost);
	hport = h1_host_port(h, hlen, &hhost);
	if (!(msg->flags & H1_MF_ABS_FORM)) {
		/* CONNECT host:port: a Host with a port names the same one; one
		 * with none (or an empty one) needs a default port
		 */
		if (hport > 0)
			return h1_host_eq(a, ahost, h, hhost) && aport == hport &&
			       !memcmp(a + ahost + 1, h + hhost + 1, (size_t)hport) ? 0 : H1_ERR_HOST_AUTHORITY;
		return h1_default_port(H1_SCHEME_NONE, a + ahost + 1, aport) && h1_host_eq(a, ahost, h, hhost) ?
		       0 : H1_ERR_HOST_AUTHORITY;
	}
	if (aport < 0 && hport < 0)
		return H1_ERR_HOST_AUTHORITY;
	if (aport >= 0 && !h1_default_port(scheme, a + ahost + 1, aport))
		return H1_ERR_HOST_AUTHORITY;
	if (hport >= 0 && !h1_default_port(scheme, h + hhost + 1, hport))
		return H1_ERR_HOST_AUTHORITY;
	return h1_host_eq(a, ahost, h, hhost) ? 0 : H1_ERR_HOST_AUTHORITY;
}

/* Parses a head, a request if <is_resp> is 0. See h1_parse_request(). */
static int h1_parse_head(struct h1_msg *msg, const char *buf, size_t len,
                         const struct h1_limits *lim, int is_resp)
{
	static const struct h1_limits deflim = {
		H1_DEF_MAX_LINE, H1_DEF_MAX_HEAD, 0, 0
	};
	const uint8_t *b = (const uint8_t *)buf;
	uint32_t max_head, max_line, hlen, pos, opts;
	int ret;

	if (msg->res)
		return msg->res;
	if (!lim)
		lim = &deflim;
	opts = lim->opts;
	max_head = lim->max_head ? lim->max_head : H1_DEF_MAX_HEAD;
	if (max_head > INT32_MAX)
		max_head = INT32_MAX;
	max_line = lim->max_line && lim->max_line < max_head ? lim->max_line : max_head;
	hlen = len < max_head ? (uint32_t)len : max_head;
	pos = msg->pos;

	if (!msg->vmajor) {
		uint32_t lend;

		/* RFC 9112 2.2: ignore empty lines before a request line */
		while (!is_resp && pos < hlen && (b[pos] == '\r' || b[pos] == '\n')) {
			ret = h1_eol(b, pos, hlen, opts, 0);
			if (ret == H1_MORE)
				goto more;
			if (ret < 0)
				goto fail;
			pos += (uint32_t)ret;
			msg->pos = pos;
		}
		lend = pos + max_line < hlen ? pos + max_line : hlen;
		ret = is_resp ? h1_status_line(msg, b, pos, lend, opts)
		              : h1_request_line(msg, b, pos, lend, opts);
		if (ret == H1_MORE) {
			msg->vmajor = 0;
			if (lend == pos + max_line) {
				ret = is_resp ? H1_ERR_LINE_TOO_LONG : H1_ERR_URI_TOO_LONG;
				goto fail;
			}
			goto more;
		}
		if (ret < 0)
			goto fail;
		pos += (uint32_t)ret;
		msg->pos = pos;
	}

	for (;;) {
		uint32_t p = pos, n, ne, v, ve;
		int eol;
		uint8_t c;

		if (p >= hlen)
			goto more;
		c = b[p];
		if (c == '\r' || c == '\n') {
			eol = h1_eol(b, p, hlen, opts, 0);
			if (eol == H1_MORE)
				goto more;
			if (eol < 0) {
				ret = eol;
				goto fail;
			}
			pos = p + (uint32_t)eol;
			break;
		}
		if (msg->nb_hdrs >= msg->max_hdrs) {
			ret = H1_ERR_TOO_MANY_HDRS;
			goto fail;
		}
		n = p;
		p = h1_scan_token(b, p, hlen);
		if (p >= hlen)
			goto more;
		if (b[p] != ':' || p == n) {
			ret = (p == n && (h1_ctab[c] & H1_C_OWS)) ? H1_ERR_OBS_FOLD : H1_ERR_HDR_NAME;
			goto fail;
		}
		ne = p++;
		while (p < hlen && (h1_ctab[b[p]] & H1_C_OWS))
			p++;
		v = p;
		p = h1_scan_fval(b, p, hlen);
		if (p >= hlen)
			goto more;
		eol = h1_eol(b, p, hlen, opts, H1_ERR_HDR_VALUE);
		if (eol == H1_MORE)
			goto more;
		if (eol < 0) {
			ret = eol;
			goto fail;
		}
		ve = p;
		while (ve > v && (h1_ctab[b[ve - 1]] & H1_C_OWS))
			ve--;
		ret = h1_field(msg, b, n, ne - n, v, ve - v, is_resp);
		if (ret < 0)
			goto fail;
		msg->hdrs[msg->nb_hdrs].n.off = n;
		msg->hdrs[msg->nb_hdrs].n.len = ne - n;
		msg->hdrs[msg->nb_hdrs].v.off = v;
		msg->hdrs[msg->nb_hdrs].v.len = ve - v;
		msg->nb_hdrs++;
		pos = p + (uint32_t)eol;
		msg->pos = pos;
	}

	msg->pos = pos;
	ret = h1_framing(msg, lim, is_resp);
	if (!ret && !is_resp)
		ret = h1_check_authority(msg, b);
	if (ret < 0)
		goto fail;
	msg->res = (int32_t)pos;
	return (int)pos;

 more:
	if (hlen == max_head) {
		ret = H1_ERR_HEAD_TOO_LARGE;
		goto fail;
	}
	return 0;
 fail:
	msg->res = ret;
	return ret;
}

size_t h1_fval_span(const char *v, size_t len)
{
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	return h1_scan_fval((const uint8_t *)v, 0, (uint32_t)len);
}

int h1_parse_request(struct h1_msg *msg, const char *buf, size_t len,
                     const struct h1_limits *lim)
{
	return h1_parse_head(msg, buf, len, lim, 0);
}

int h1_parse_response(struct h1_msg *msg, const char *buf, size_t len,
                      const struct h1_limits *lim)
{
	return h1_parse_head(msg, buf, len, lim, 1);
}

enum h1_body h1_res_body(const struct h1_msg *res, enum h1_meth req_meth)
{
	if (res->status == 101)
		return H1_BODY_TUNNEL;
	if (res->status < 200 || res->status == 204 || res->status == 304)
		return H1_BODY_NONE;
	if (req_meth == H1_METH_HEAD)
		return H1_BODY_NONE;
	if (req_meth == H1_METH_CONNECT && res->status < 300)
		return H1_BODY_TUNNEL;
	if (res->flags & H1_MF_CHUNKED)
		return H1_BODY_CHUNKED;
	if (res->flags & H1_MF_TE)
		return H1_BODY_CLOSE;
	if (res->flags & H1_MF_CL)
		return H1_BODY_CL;
	return H1_BODY_CLOSE;
}

int h1_keep_alive(const struct h1_msg *msg)
{
	if (msg->flags & H1_MF_CONN_CLOSE)
		return 0;
	if (msg->flags & H1_MF_VER11)
		return 1;
	return !!(msg->flags & H1_MF_CONN_KA);
}

int h1_err_status(int err)
{
	switch (err) {
	case H1_ERR_VERSION_UNSUPP:
		return 505;
	case H1_ERR_TE_UNSUPP:
		return 501;
	case H1_ERR_URI_TOO_LONG:
		return 414;
	case H1_ERR_HEAD_TOO_LARGE:
	case H1_ERR_TOO_MANY_HDRS:
	case H1_ERR_TRAILER_TOO_LARGE:
		return 431;
	case H1_ERR_BODY_TOO_LARGE:
		return 413;
	case H1_ERR_H2_PREFACE:
		return 405;
	case H1_ERR_STATUS:
	case H1_ERR_LINE_TOO_LONG:
		return 502;
	default:
		return 400;
	}
}

const char *h1_err_str(int err)
{
	static const char *const str[] = {
		[-H1_ERR_METHOD]            = "invalid method",
		[-H1_ERR_TARGET]            = "invalid request-target",
		[-H1_ERR_VERSION]           = "invalid HTTP version",
		[-H1_ERR_VERSION_UNSUPP]    = "unsupported HTTP version",
		[-H1_ERR_STATUS]            = "invalid status line",
		[-H1_ERR_BARE_LF]           = "line ended by LF without CR",
		[-H1_ERR_BARE_CR]           = "CR not followed by LF",
		[-H1_ERR_HDR_NAME]          = "invalid header name",
		[-H1_ERR_HDR_VALUE]         = "invalid character in header value",
		[-H1_ERR_OBS_FOLD]          = "obsolete line folding",
		[-H1_ERR_HOST_MISSING]      = "HTTP/1.1 request without Host",
		[-H1_ERR_HOST_DUP]          = "several Host headers",
		[-H1_ERR_HOST_INVALID]      = "invalid Host value",
		[-H1_ERR_CL_INVALID]        = "invalid Content-Length",
		[-H1_ERR_CL_MISMATCH]       = "differing Content-Length values",
		[-H1_ERR_TE_INVALID]        = "invalid Transfer-Encoding",
		[-H1_ERR_TE_NOT_CHUNKED]    = "Transfer-Encoding not ending with chunked",
		[-H1_ERR_TE_UNSUPP]         = "unsupported transfer coding",
		[-H1_ERR_TE_HTTP10]         = "Transfer-Encoding in HTTP/1.0",
		[-H1_ERR_URI_TOO_LONG]      = "request line too long",
		[-H1_ERR_LINE_TOO_LONG]     = "status line too long",
		[-H1_ERR_HEAD_TOO_LARGE]    = "header section too large",
		[-H1_ERR_TOO_MANY_HDRS]     = "too many header fields",
		[-H1_ERR_BODY_TOO_LARGE]    = "body too large",
		[-H1_ERR_CHUNK_SIZE]        = "invalid chunk size",
		[-H1_ERR_CHUNK_EXT]         = "invalid chunk extension",
		[-H1_ERR_CHUNK_CRLF]        = "chunk line or data not ended by CRLF",
		[-H1_ERR_CHUNK_LINE_LONG]   = "chunk line too long",
		[-H1_ERR_TRAILER]           = "invalid trailer field",
		[-H1_ERR_TRAILER_TOO_LARGE] = "trailer section too large",
		[-H1_ERR_HOST_AUTHORITY]    = "target authority differs from Host",
		[-H1_ERR_H2_PREFACE]        = "HTTP/2 preface where HTTP/2 is not allowed",
	};

	if (err >= 0 || err < H1_ERR_MIN || !str[-err])
		return "unknown";
	return str[-err];
}
