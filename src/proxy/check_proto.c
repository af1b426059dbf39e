/*
 * Protocol health checks: their rulesets and reply parsers. See
 * check_proto.h. The requests and verdicts follow HAProxy's (the same
 * bytes sent, the same statuses and info texts).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/check_proto.h>
#include <tollgate/tcpcheck.h>

void chkp_info(char *out, size_t size, const unsigned char *s, size_t len, int to_nul)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = s[i];

		if (!ch && to_nul)
			break;
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
			if (o + 1 >= size)
				break;
			out[o++] = (char)ch;
		} else {
			if (o + 4 >= size)
				break;
			snprintf(out + o, size - o, "\\x%02x", ch);
			o += 4;
		}
	}
	out[o] = '\0';
}

static int verdict(struct chkp_verdict *v, int ret, int status, int code, const char *info)
{
	v->status = status;
	v->code = code;
	snprintf(v->info, sizeof(v->info), "%s", info);
	return ret;
}

/* Length of the line at <s>[0..<len>) up to its CR or LF (or <len>). */
static size_t line_len(const unsigned char *s, size_t len)
{
	size_t n = 0;

	while (n < len && s[n] != '\r' && s[n] != '\n')
		n++;
	return n;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* One SMTP reply: lines "ddd-text" then a last "ddd text" (or "ddd"). The
 * first line must start with 3 digits and a separator (else "Layer7
 * invalid response" with the line); a code other than 2xx is "Layer7 wrong
 * status" with the code and the text of the last line, which also
 * describes a success.
 */
static int parse_smtp(const unsigned char *b, size_t len, int last, struct chkp_verdict *v)
{
	size_t pos = 0;

	if (len < 4 && !last)
		return CHKP_MORE;
	for (;;) {
		const unsigned char *l = b + pos;
		size_t rest = len - pos, ll = line_len(l, rest), t;
		int code;

		if (rest < 4 || !is_digit(l[0]) || !is_digit(l[1]) || !is_digit(l[2]) ||
		    (l[3] != ' ' && l[3] != '-' && l[3] != '\r' && l[3] != '\n')) {
			if (rest < 4 && !last && pos)
				return CHKP_MORE;   /* the next line of a multi-line reply */
			v->status = CHKP_ST_RSP;
			v->code = 0;
			chkp_info(v->info, sizeof(v->info), b, line_len(b, len), 0);
			return CHKP_FAIL;
		}
		if (!memchr(l, '\n', rest) && !last)
			return CHKP_MORE;           /* the line is not complete yet */
		if (l[3] == '-') {
			pos += ll;
			while (pos < len && (b[pos] == '\r' || b[pos] == '\n'))
				pos++;
			if (pos >= len) {
				if (!last)
					return CHKP_MORE;
			} else {
				continue;
			}
		}
		code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
		t = ll > 4 ? 4 : ll;
		while (t < ll && l[t] == ' ')
			t++;
		v->status = l[0] == '2' ? CHKP_ST_OK : CHKP_ST_STS;
		v->code = code;
		chkp_info(v->info, sizeof(v->info), l + t, ll - t, 0);
		return l[0] == '2' ? CHKP_PASS : CHKP_FAIL;
	}
}

/* The answer to a PostgreSQL StartupMessage: an ErrorResponse ('E') is an
 * invalid response described by its first field's text; an
 * AuthenticationRequest ('R', length 8 or more, a known method) passes.
 */
static int parse_pgsql(const unsigned char *b, size_t len, int last, struct chkp_verdict *v)
{
	static const unsigned char methods[] = { 0, 2, 3, 4, 5, 6, 7, 9, 10 };

	if (len < 5) {
		if (!last)
			return CHKP_MORE;
		return verdict(v, CHKP_FAIL, CHKP_ST_RSP, 0, "");
	}
	if (b[0] == 'E') {
		v->status = CHKP_ST_RSP;
		v->code = 0;
		chkp_info(v->info, sizeof(v->info), b + 6 < b + len ? b + 6 : b + len, len > 6 ? len - 6 : 0, 1);
		return CHKP_FAIL;
	}
	if (len < 9 && !last)
		return CHKP_MORE;
	if (len >= 9 && b[0] == 'R' && !b[1] && !b[2] && !b[3] && !b[5] && !b[6] && !b[7] &&
	    memchr(methods, b[8], sizeof(methods)))
		return verdict(v, CHKP_PASS, CHKP_ST_OK, 0, "PostgreSQL server is ok");
	return verdict(v, CHKP_FAIL, CHKP_ST_STS, 0, "PostgreSQL unknown error");
}

/* "+PONG\r\n" anywhere in the answer passes; without it once the answer
 * is complete, a wrong status described by the answer's first line.
 */
static int parse_redis(const unsigned char *b, size_t len, int last, struct chkp_verdict *v)
{
	if (len >= 7 && memmem(b, len, "+PONG\r\n", 7))
		return verdict(v, CHKP_PASS, CHKP_ST_OK, 0, "Redis server is ok");
	if (!last)
		return CHKP_MORE;
	v->status = CHKP_ST_STS;
	v->code = 0;
	chkp_info(v->info, sizeof(v->info), b, line_len(b, len), 0);
	return CHKP_FAIL;
}

/* The MySQL packet at <off>: an error packet (0xff) is a wrong status with
 * the error number and message; another complete packet passes, described
 * by the server version of the handshake (from offset 5) when <final>.
 */
static int parse_mysql_at(const unsigned char *b, size_t len, size_t off, int last, struct chkp_verdict *v)
{
	size_t plen;

	if (len < off + 4 || len < off + 4 + (plen = (size_t)b[off] | (size_t)b[off + 1] << 8 | (size_t)b[off + 2] << 16)) {
		if (!last)
			return CHKP_MORE;
		return verdict(v, CHKP_FAIL, CHKP_ST_RSP, 0, "");
	}
	if (plen && b[off + 4] == 0xff) {
		v->status = CHKP_ST_STS;
		v->code = plen >= 3 ? (int)(b[off + 5] | b[off + 6] << 8) : 0;
		chkp_info(v->info, sizeof(v->info), b + off + 7 <= b + len ? b + off + 7 : b + len,
		          len > off + 7 ? len - off - 7 : 0, 0);
		return CHKP_FAIL;
	}
	v->status = CHKP_ST_OK;
	v->code = 0;
	chkp_info(v->info, sizeof(v->info), b + (len > 5 ? 5 : len), len > 5 ? len - 5 : 0, 1);
	return CHKP_PASS;
}

static int parse_mysql_ok(const unsigned char *b, size_t len, int last, struct chkp_verdict *v)
{
	size_t hs;

	if (len < 4)
		return last ? verdict(v, CHKP_FAIL, CHKP_ST_RSP, 0, "") : CHKP_MORE;
	hs = 4 + ((size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16);
	return parse_mysql_at(b, len, hs, last, v);
}

/* Reads a BER length at <b>[*<pos>..<len>): short form, or long form on 2
 * or 4 bytes. Returns 1, 0 if more bytes are needed, -1 if unsupported.
 */
static int ber_len(const unsigned char *b, size_t len, size_t *pos, size_t *out)
{
	size_t p = *pos, n;

	if (p >= len)
		return 0;
	if (!(b[p] & 0x80)) {
		*out = b[p];
		*pos = p + 1;
		return 1;
	}
	n = b[p] & 0x7f;
	if (n != 2 && n != 4)
		return -1;
	if (len - p < 1 + n)
		return 0;
	*out = n == 2 ? (size_t)b[p + 1] << 8 | b[p + 2] :
	       (size_t)b[p + 1] << 24 | (size_t)b[p + 2] << 16 | (size_t)b[p + 3] << 8 | b[p + 4];
	*pos = p + 1 + n;
	return 1;
}

/* An LDAPv3 BindResponse to message 1: resultCode 0 passes ("Success"),
 * another is a wrong status with the code.
 */
static int parse_ldap(const unsigned char *b, size_t len, int last, struct chkp_verdict *v)
{
	static const char not_ldap[] = "Not LDAPv3 protocol";
	size_t pos = 1, mlen, skip;
	int r;

	if (len < 14)
		return last ? verdict(v, CHKP_FAIL, CHKP_ST_RSP, 0, not_ldap) : CHKP_MORE;
	if (b[0] != 0x30)
		return verdict(v, CHKP_FAIL, CHKP_ST_RSP, 0, not_ldap);
	r = ber_len(b, len, &pos, &mlen);
	if (r < 0)
		return verdict(v, CHKP_FAIL, CHKP_ST_RSP, 0, not_ldap);
	if (r == 0 || len - pos < mlen)
		return last ? verdict(v, CHKP_FAIL, CHKP_ST_RSP, 0, not_ldap) : CHKP_MORE;
	if (len - pos < 5 || memcmp(b + pos, "\x02\x01\x01\x61", 4))
		return verdict(v, CHKP_FAIL, CHKP_ST_RSP, 0, not_ldap);
	pos += 4;
	skip = (b[pos] & 0x80) ? (size_t)(b[pos] & 0x7f) : 0;
	if (len - pos < 1 + skip + 3)
		return last ? verdict(v, CHKP_FAIL, CHKP_ST_RSP, 0, not_ldap) : CHKP_MORE;
	pos += 1 + skip;
	if (b[pos] != 0x0a || b[pos + 1] != 0x01)
		return verdict(v, CHKP_FAIL, CHKP_ST_RSP, 0, not_ldap);
	if (b[pos + 2])
		return verdict(v, CHKP_FAIL, CHKP_ST_STS, b[pos + 2],
		               "See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9");
	return verdict(v, CHKP_PASS, CHKP_ST_OK, 0, "Success");
}

/* ---- SPOP ---- */

#define SPOP_T_INT32    2
#define SPOP_T_UINT32   3
#define SPOP_T_INT64    4
#define SPOP_T_UINT64   5
#define SPOP_T_STR      8
#define SPOP_T_BIN      9
#define SPOP_FRAME_MIN  256
#define SPOP_FRAME_MAX  (16384 - 4)

/* Decodes an SPOP varint at *<p> (before <end>). Returns 0 or -1. */
static int spop_varint(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
	const unsigned char *q = *p;
	uint64_t v;
	unsigned int shift = 4;

	if (q >= end)
		return -1;
	v = *q++;
	if (v >= 240) {
		for (;;) {
			if (q >= end || shift > 60)
				return -1;
			v += (uint64_t)*q << shift;
			if (*q++ < 128)
				break;
			shift += 7;
		}
	}
	*p = q;
	*out = v;
	return 0;
}

/* Decodes a length-prefixed string at *<p>. Returns 0 or -1. */
static int spop_str(const unsigned char **p, const unsigned char *end, const unsigned char **s, uint64_t *n)
{
	if (spop_varint(p, end, n) < 0 || *n > (uint64_t)(end - *p))
		return -1;
	*s = *p;
	*p += *n;
	return 0;
}

/* Skips a typed value at *<p>. Returns 0 or -1. */
static int spop_skip(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *s;
	uint64_t n;
	unsigned int type;

	if (*p >= end)
		return -1;
	type = *(*p)++ & 0x0f;
	switch (type) {
	case 0: case 1:
		return 0;
	case SPOP_T_INT32: case SPOP_T_UINT32: case SPOP_T_INT64: case SPOP_T_UINT64:
		return spop_varint(p, end, &n);
	case 6:
		if (end - *p < 4)
			return -1;
		*p += 4;
		return 0;
	case 7:
		if (end - *p < 16)
			return -1;
		*p += 16;
		return 0;
	case SPOP_T_STR: case SPOP_T_BIN:
		return spop_str(p, end, &s, &n);
	default:
		return -1;
	}
}

static int is_spop_int(unsigned int type)
{
	type &= 0x0f;
	return type == SPOP_T_INT32 || type == SPOP_T_UINT32 || type == SPOP_T_INT64 || type == SPOP_T_UINT64;
}

static int key_is(const unsigned char *s, uint64_t n, const char *k)
{
	return n == strlen(k) && !memcmp(s, k, (size_t)n);
}

/* Parses an SPOP version "M.m" into M * 1000 + m. Returns -1 if invalid. */
static int spop_vsn(const unsigned char *s, uint64_t n)
{
	const unsigned char *p = s, *end = s + n;
	int maj = 0, min = 0;

	while (p < end && *p == ' ')
		p++;
	if (p >= end || !is_digit(*p))
		return -1;
	while (p < end && is_digit(*p) && maj < 1000)
		maj = maj * 10 + (*p++ - '0');
	if (p >= end || *p++ != '.' || p >= end || !is_digit(*p))
		return -1;
	while (p < end && is_digit(*p) && min < 1000)
		min = min * 10 + (*p++ - '0');
	while (p < end && *p == ' ')
		p++;
	if (p != end || maj >= 1000 || min >= 1000)
		return -1;
	return maj * 1000 + min;
}

static const char *const spop_errors[] = {
	"normal", "I/O error", "a timeout occurred", "frame is too big", "invalid frame received",
	"version value not found", "max-frame-size value not found", "capabilities value not found",
	"unsupported version", "max-frame-size too big or too small", "fragmentation not supported",
	"invalid interlaced frames", "frame-id not found", "resource allocation error",
	"an unknown error occurred",
};
#define SPOP_ERR_INVALID     4
#define SPOP_ERR_NO_VSN      5
#define SPOP_ERR_NO_FSIZE    6
#define SPOP_ERR_NO_CAP      7
#define SPOP_ERR_BAD_VSN     8
#define SPOP_ERR_BAD_FSIZE   9
#define SPOP_ERR_UNKNOWN     14

static int spop_fail(struct chkp_verdict *v, int err)
{
	return verdict(v, CHKP_FAIL, CHKP_ST_RSP, err, spop_errors[err]);
}

/* An SPOP AGENT-HELLO frame with a supported version (2.0), a valid
 * max-frame-size and capabilities passes ("SPOA server is ok"); an
 * AGENT-DISCONNECT frame fails with its message or status code.
 */
static int parse_spop(const unsigned char *b, size_t len, int last, struct chkp_verdict *v)
{
	const unsigned char *p, *end, *s;
	uint32_t flen, flags;
	uint64_t n;
	int vsn = 0, fsize = 0, caps = 0;

	if (len < 11)
		return last ? spop_fail(v, SPOP_ERR_INVALID) : CHKP_MORE;
	flen = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	flags = (uint32_t)b[5] << 24 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 8 | b[8];
	if ((b[4] != 101 && b[4] != 102) || flags != 1 || b[9] || b[10] || flen < 7)
		return spop_fail(v, SPOP_ERR_INVALID);
	if (len - 4 < flen)
		return last ? spop_fail(v, SPOP_ERR_INVALID) : CHKP_MORE;
	p = b + 11;
	end = b + 4 + flen;
	if (b[4] == 102) {            /* AGENT-DISCONNECT */
		int code = SPOP_ERR_UNKNOWN;
		char msg[sizeof(v->info)] = "";

		while (p < end) {
			if (spop_str(&p, end, &s, &n) < 0 || !n)
				return spop_fail(v, SPOP_ERR_INVALID);
			if (key_is(s, n, "status-code")) {
				if (p >= end || !is_spop_int(*p++) || spop_varint(&p, end, &n) < 0)
					return spop_fail(v, SPOP_ERR_INVALID);
				code = n < sizeof(spop_errors) / sizeof(spop_errors[0]) ? (int)n : SPOP_ERR_UNKNOWN;
			} else if (key_is(s, n, "message")) {
				if (p >= end || (*p++ & 0x0f) != SPOP_T_STR || spop_str(&p, end, &s, &n) < 0 || n > 255)
					return spop_fail(v, SPOP_ERR_INVALID);
				chkp_info(msg, sizeof(msg), s, (size_t)n, 0);
			} else if (spop_skip(&p, end) < 0) {
				return spop_fail(v, SPOP_ERR_INVALID);
			}
		}
		v->status = CHKP_ST_RSP;
		v->code = code;
		snprintf(v->info, sizeof(v->info), "%s", *msg ? msg : spop_errors[code]);
		return CHKP_FAIL;
	}
	while (p < end) {
		if (spop_str(&p, end, &s, &n) < 0 || !n)
			return spop_fail(v, SPOP_ERR_INVALID);
		if (key_is(s, n, "version")) {
			if (p >= end || (*p++ & 0x0f) != SPOP_T_STR || spop_str(&p, end, &s, &n) < 0)
				return spop_fail(v, SPOP_ERR_INVALID);
			vsn = spop_vsn(s, n);
			if (vsn < 0)
				return spop_fail(v, SPOP_ERR_INVALID);
			if (vsn != 2000)
				return spop_fail(v, SPOP_ERR_BAD_VSN);
		} else if (key_is(s, n, "max-frame-size")) {
			if (p >= end || !is_spop_int(*p++) || spop_varint(&p, end, &n) < 0)
				return spop_fail(v, SPOP_ERR_INVALID);
			if (n < SPOP_FRAME_MIN || n > SPOP_FRAME_MAX)
				return spop_fail(v, SPOP_ERR_BAD_FSIZE);
			fsize = (int)n;
		} else if (key_is(s, n, "capabilities")) {
			if (p >= end || (*p++ & 0x0f) != SPOP_T_STR || spop_str(&p, end, &s, &n) < 0)
				return spop_fail(v, SPOP_ERR_INVALID);
			caps = 1;
		} else if (spop_skip(&p, end) < 0) {
			return spop_fail(v, SPOP_ERR_INVALID);
		}
	}
	if (!vsn)
		return spop_fail(v, SPOP_ERR_NO_VSN);
	if (!fsize)
		return spop_fail(v, SPOP_ERR_NO_FSIZE);
	if (!caps)
		return spop_fail(v, SPOP_ERR_NO_CAP);
	return verdict(v, CHKP_PASS, CHKP_ST_OK, 0, "SPOA server is ok");
}

int chkp_parse(enum chkp_parser p, const unsigned char *buf, size_t len, int last, struct chkp_verdict *v)
{
	v->status = CHKP_ST_OK;
	v->code = 0;
	v->info[0] = '\0';
	switch (p) {
	case CHKP_P_SMTP:
		return parse_smtp(buf, len, last, v);
	case CHKP_P_PGSQL:
		return parse_pgsql(buf, len, last, v);
	case CHKP_P_REDIS:
		return parse_redis(buf, len, last, v);
	case CHKP_P_MYSQL_HS:
		return parse_mysql_at(buf, len, 0, last, v);
	case CHKP_P_MYSQL_OK:
		return parse_mysql_ok(buf, len, last, v);
	case CHKP_P_LDAP:
		return parse_ldap(buf, len, last, v);
	case CHKP_P_SPOP:
		return parse_spop(buf, len, last, v);
	}
	return verdict(v, CHKP_FAIL, CHKP_ST_RSP, 0, "");
}

/* ---- rulesets ---- */

/* Appends a rule of <action> to <rules>, with a copy of <len> bytes of
 * <data> for a send. Returns it, or NULL (out of memory).
 */
static struct tcpcheck_rule *add_rule(struct list *rules, enum tcpcheck_action action, const void *data, size_t len)
{
	struct tcpcheck_rule *r = calloc(1, sizeof(*r)), *tail;

	if (!r)
		return NULL;
	r->action = action;
	r->min_recv = -1;
	if (data) {
		r->data = malloc(len + 1);
		if (!r->data) {
			free(r);
			return NULL;
		}
		memcpy(r->data, data, len);
		r->data[len] = '\0';
		r->len = len;
	}
	tail = list_empty(rules) ? NULL : list_elem(rules->prev, struct tcpcheck_rule, list);
	r->step = tail ? tail->step + 1 : 1;
	list_append(rules, &r->list);
	return r;
}

static int add_expect(struct list *rules, enum chkp_parser p)
{
	struct tcpcheck_rule *r = add_rule(rules, TCPCHK_ACT_EXPECT, NULL, 0);

	if (!r)
		return -ENOMEM;
	r->match = TCPCHK_MATCH_PROTO;
	r->proto = p;
	return 0;
}

static int add_send(struct list *rules, const void *data, size_t len)
{
	return add_rule(rules, TCPCHK_ACT_SEND, data, len) ? 0 : -ENOMEM;
}

/* The MySQL client authentication packet for <user> (variant <var>: 0
 * post-41, 1 pre-41, 2 post-80) followed by COM_QUIT, into <out> of
 * <size> bytes. Returns its length, or -ENOSPC.
 */
static int mysql_auth(unsigned char *out, size_t size, const char *user, int var)
{
	static const unsigned char caps41[] = { 0x00, 0x82, 0x00, 0x00, 0x00, 0x80, 0x00, 0x01, 0x21 };
	static const unsigned char caps80[] = { 0x00, 0x82, 0x08, 0x00, 0x00, 0x80, 0x00, 0x01, 0x21 };
	static const unsigned char caps40[] = { 0x00, 0x80, 0x00, 0x00, 0x01 };
	static const char plugin[] = "mysql_native_password";
	size_t ulen = strlen(user), plen, o = 4;

	plen = var == 1 ? ulen + 7 : var == 2 ? ulen + 7 + 27 + 22 : ulen + 7 + 27;
	if (size < 4 + plen + 5)
		return -ENOSPC;
	out[0] = (unsigned char)(plen & 0xff);
	out[1] = (unsigned char)(plen >> 8 & 0xff);
	out[2] = (unsigned char)(plen >> 16 & 0xff);
	out[3] = 1;
	if (var == 1) {
		memcpy(out + o, caps40, sizeof(caps40));
		o += sizeof(caps40);
	} else {
		memcpy(out + o, var == 2 ? caps80 : caps41, sizeof(caps41));
		o += sizeof(caps41);
		memset(out + o, 0, 23);
		o += 23;
	}
	memcpy(out + o, user, ulen + 1);
	o += ulen + 1;
	out[o++] = 0;                     /* filler, or no auth response */
	if (var == 2) {
		memcpy(out + o, plugin, sizeof(plugin));
		o += sizeof(plugin);
	}
	memcpy(out + o, "\x01\x00\x00\x00\x01", 5);   /* COM_QUIT */
	return (int)(o + 5);
}

int chkp_build_rules(struct list *rules, const struct pr_chkproto *pc)
{
	static const unsigned char spop_hello[] = {
		0x00, 0x00, 0x00, 0x4e, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x12, 's', 'u', 'p', 'p', 'o', 'r', 't', 'e', 'd', '-', 'v', 'e', 'r', 's', 'i', 'o', 'n', 's',
		0x08, 0x03, '2', '.', '0',
		0x0e, 'm', 'a', 'x', '-', 'f', 'r', 'a', 'm', 'e', '-', 's', 'i', 'z', 'e', 0x03, 0xfc, 0xf0, 0x06,
		0x0c, 'c', 'a', 'p', 'a', 'b', 'i', 'l', 'i', 't', 'i', 'e', 's', 0x08, 0x00,
		0x0b, 'h', 'e', 'a', 'l', 't', 'h', 'c', 'h', 'e', 'c', 'k', 0x11,
	};
	static const unsigned char ldap_bind[] = {
		0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00,
	};
	unsigned char buf[512];
	size_t n;
	int len;

	if (!add_rule(rules, TCPCHK_ACT_CONNECT, NULL, 0))
		return -ENOMEM;
	switch (pc->kind) {
	case CHKP_NONE:
		break;
	case CHKP_SMTP:
		len = snprintf((char *)buf, sizeof(buf), "%s\r\n", pc->arg ? pc->arg : "HELO localhost");
		if (len < 0 || (size_t)len >= sizeof(buf))
			return -ENOSPC;
		if (add_expect(rules, CHKP_P_SMTP) || add_send(rules, buf, (size_t)len) ||
		    add_expect(rules, CHKP_P_SMTP) || add_send(rules, "QUIT\r\n", 6) ||
		    add_expect(rules, CHKP_P_SMTP))
			return -ENOMEM;
		break;
	case CHKP_PGSQL:
		n = strlen(pc->arg ? pc->arg : "");
		if (n + 15 > sizeof(buf))
			return -ENOSPC;
		buf[0] = (unsigned char)((n + 15) >> 24);
		buf[1] = (unsigned char)((n + 15) >> 16);
		buf[2] = (unsigned char)((n + 15) >> 8);
		buf[3] = (unsigned char)(n + 15);
		memcpy(buf + 4, "\x00\x03\x00\x00user\x00", 9);
		memcpy(buf + 13, pc->arg ? pc->arg : "", n);
		buf[13 + n] = 0;
		buf[14 + n] = 0;
		if (add_send(rules, buf, n + 15) || add_expect(rules, CHKP_P_PGSQL))
			return -ENOMEM;
		break;
	case CHKP_REDIS:
		if (add_send(rules, "*1\r\n$4\r\nPING\r\n", 14) || add_expect(rules, CHKP_P_REDIS))
			return -ENOMEM;
		break;
	case CHKP_MYSQL:
		if (pc->arg) {
			len = mysql_auth(buf, sizeof(buf), pc->arg, pc->variant);
			if (len < 0)
				return len;
			if (add_send(rules, buf, (size_t)len) || add_expect(rules, CHKP_P_MYSQL_HS) ||
			    add_expect(rules, CHKP_P_MYSQL_OK))
				return -ENOMEM;
		} else if (add_expect(rules, CHKP_P_MYSQL_HS)) {
			return -ENOMEM;
		}
		break;
	case CHKP_LDAP:
		if (add_send(rules, ldap_bind, sizeof(ldap_bind)) || add_expect(rules, CHKP_P_LDAP))
			return -ENOMEM;
		break;
	case CHKP_SPOP:
		if (add_send(rules, spop_hello, sizeof(spop_hello)) || add_expect(rules, CHKP_P_SPOP))
			return -ENOMEM;
		break;
	}
	return 0;
}
