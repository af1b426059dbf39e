/*
 * PROXY protocol header parser. See proxy_proto.h for the contract.
 */
#include <arpa/inet.h>
#include <string.h>

#include <tollgate/proxy_proto.h>

static const unsigned char pp_v2_sig[12] = "\r\n\r\n\0\r\nQUIT\n";
static const char pp_v1_sig[6] = "PROXY ";

/* CRC32C update of <crc> (not inverted) by <len> bytes of <p>; the bytes
 * at [<zero>, <zero> + 4) of the whole input, <base> bytes before <p>,
 * count as zeros (the CRC32C TLV's own value).
 */
static uint32_t crc32c_update(uint32_t crc, const unsigned char *p, size_t len,
                              size_t base, size_t zero)
{
	for (size_t i = 0; i < len; i++) {
		size_t pos = base + i;
		unsigned char c = pos >= zero && pos < zero + 4 ? 0 : p[i];

		crc ^= c;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78U & (0U - (crc & 1U)));
	}
	return crc;
}

uint32_t pp_crc32c(const unsigned char *buf, size_t len)
{
	return ~crc32c_update(0xFFFFFFFFU, buf, len, 0, (size_t)-8);
}

int pp_tlv_next(const unsigned char *tlv, size_t len, size_t *off,
                unsigned int *type, const unsigned char **val, size_t *vlen)
{
	size_t o = *off, l;

	if (o >= len || len - o < 3)
		return 0;
	l = ((size_t)tlv[o + 1] << 8) | tlv[o + 2];
	if (l > len - o - 3)
		return 0;
	*type = tlv[o];
	*val = tlv + o + 3;
	*vlen = l;
	*off = o + 3 + l;
	return 1;
}

int pp_tlv_find(const unsigned char *tlv, size_t len, unsigned int type,
                const unsigned char **val, size_t *vlen)
{
	size_t off = 0;
	unsigned int t;

	while (pp_tlv_next(tlv, len, &off, &t, val, vlen))
		if (t == type)
			return 1;
	return 0;
}

/* Copies the field [<p>, <e>) as a NUL-terminated string into <dst> of
 * <size> bytes; returns 0, or -1 when it does not fit or is empty.
 */
static int field_copy(char *dst, size_t size, const unsigned char *p, const unsigned char *e)
{
	size_t n = (size_t)(e - p);

	if (n == 0 || n >= size)
		return -1;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

/* Parses a decimal port [<p>, <e>) into *<port>; returns 0 or -1. */
static int port_parse(const unsigned char *p, const unsigned char *e, unsigned int *port)
{
	unsigned int v = 0;

	if (p == e || e - p > 5)
		return -1;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned int)(*p - '0');
	}
	if (v > 65535)
		return -1;
	*port = v;
	return 0;
}

/* Sets <a> to the IPv4 (<v6> = 0) or IPv6 address <bytes> and <port>
 * (network order bytes, host order port).
 */
static void inet_set(struct addr *a, int v6, const void *bytes, unsigned int port)
{
	memset(a, 0, sizeof(*a));
	a->kind = ADDR_INET;
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, bytes, 16);
		s6->sin6_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, bytes, 4);
		s4->sin_port = htons((uint16_t)port);
	}
}

/* v1: "PROXY TCP4 <src> <dst> <sport> <dport>\r\n" or "PROXY UNKNOWN...\r\n". */
static int parse_v1(const unsigned char *buf, size_t len, struct pp_info *out)
{
	const unsigned char *p, *e, *end, *f[4], *fe[4];
	unsigned char ip[16];
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned int sport, dport;
	int v6, nf;

	if (memcmp(buf, pp_v1_sig, len < 6 ? len : 6))
		return PP_ERR_SIG;
	e = memchr(buf, '\n', len < PP_V1_MAX_LEN ? len : PP_V1_MAX_LEN);
	if (!e)
		return len < PP_V1_MAX_LEN ? 0 : PP_ERR_V1;
	if (e - buf < 7 || e[-1] != '\r')
		return PP_ERR_V1;
	end = e - 1;   /* the CR */
	out->version = 1;
	p = buf + 6;
	if (end - p >= 7 && !memcmp(p, "UNKNOWN", 7))
		return (int)(e - buf + 1);
	if (end - p < 5 || (memcmp(p, "TCP4 ", 5) && memcmp(p, "TCP6 ", 5)))
		return PP_ERR_V1;
	v6 = p[3] == '6';
	p += 5;
	/* four fields separated by single spaces */
	for (nf = 0; nf < 4; nf++) {
		const unsigned char *sp = nf < 3 ? memchr(p, ' ', (size_t)(end - p)) : end;

		if (!sp)
			return PP_ERR_V1;
		f[nf] = p;
		fe[nf] = sp;
		p = sp + 1;
	}
	if (field_copy(tmp, sizeof(tmp), f[0], fe[0]) < 0 || inet_pton(v6 ? AF_INET6 : AF_INET, tmp, ip) != 1)
		return PP_ERR_V1;
	if (port_parse(f[2], fe[2], &sport) < 0 || port_parse(f[3], fe[3], &dport) < 0)
		return PP_ERR_V1;
	inet_set(&out->src, v6, ip, sport);
	if (field_copy(tmp, sizeof(tmp), f[1], fe[1]) < 0 || inet_pton(v6 ? AF_INET6 : AF_INET, tmp, ip) != 1)
		return PP_ERR_V1;
	inet_set(&out->dst, v6, ip, dport);
	out->has_addr = 1;
	return (int)(e - buf + 1);
}

/* Validates the TLVs [<off>, <total>) of the v2 header <buf>. */
static int check_tlvs(const unsigned char *buf, size_t off, size_t total)
{
	const unsigned char *tlv = buf + off, *val;
	size_t len = total - off, o = 0, vlen;
	unsigned int type;

	while (o < len) {
		if (!pp_tlv_next(tlv, len, &o, &type, &val, &vlen))
			return PP_ERR_TLV;   /* truncated: must end with the header */
		switch (type) {
		case PP2_TYPE_AUTHORITY:
			if (vlen > PP2_AUTHORITY_MAX)
				return PP_ERR_TLV;
			break;
		case PP2_TYPE_UNIQUE_ID:
			if (vlen > PP2_UNIQUE_ID_MAX)
				return PP_ERR_TLV;
			break;
		case PP2_TYPE_CRC32C: {
			size_t at = (size_t)(val - buf);
			uint32_t want;

			if (vlen != 4)
				return PP_ERR_TLV;
			want = ((uint32_t)val[0] << 24) | ((uint32_t)val[1] << 16) |
			       ((uint32_t)val[2] << 8) | val[3];
			if (~crc32c_update(0xFFFFFFFFU, buf, total, 0, at) != want)
				return PP_ERR_TLV;
			break;
		}
		default:
			break;
		}
	}
	return 0;
}

static int parse_v2(const unsigned char *buf, size_t len, struct pp_info *out)
{
	size_t total, alen;
	int cmd;

	if (memcmp(buf, pp_v2_sig, len < 12 ? len : 12))
		return PP_ERR_SIG;
	if (len < 13)
		return 0;
	if ((buf[12] & 0xF0) != 0x20)
		return PP_ERR_V2;
	cmd = buf[12] & 0x0F;
	if (cmd > 1)
		return PP_ERR_V2;
	if (len < PP_V2_HDR_LEN)
		return 0;
	total = PP_V2_HDR_LEN + (((size_t)buf[14] << 8) | buf[15]);
	alen = buf[13] == 0x11 ? 12 : buf[13] == 0x21 ? 36 : 0;
	if (cmd == 1 && alen && total < PP_V2_HDR_LEN + alen)
		return PP_ERR_V2;
	if (len < total)
		return 0;
	out->version = 2;
	if (cmd == 0 || !alen)
		return (int)total;   /* LOCAL, or a family without addresses for us: skipped */
	if (alen == 12) {
		inet_set(&out->src, 0, buf + 16, ((unsigned int)buf[24] << 8) | buf[25]);
		inet_set(&out->dst, 0, buf + 20, ((unsigned int)buf[26] << 8) | buf[27]);
	} else {
		inet_set(&out->src, 1, buf + 16, ((unsigned int)buf[48] << 8) | buf[49]);
		inet_set(&out->dst, 1, buf + 32, ((unsigned int)buf[50] << 8) | buf[51]);
	}
	out->has_addr = 1;
	if (check_tlvs(buf, PP_V2_HDR_LEN + alen, total) < 0) {
		memset(out, 0, sizeof(*out));
		return PP_ERR_TLV;
	}
	if (total > PP_V2_HDR_LEN + alen) {
		out->tlv = buf + PP_V2_HDR_LEN + alen;
		out->tlv_len = total - PP_V2_HDR_LEN - alen;
	}
	return (int)total;
}

int pp_parse(const unsigned char *buf, size_t len, struct pp_info *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return 0;
	ret = buf[0] == 'P' ? parse_v1(buf, len, out) :
	      buf[0] == '\r' ? parse_v2(buf, len, out) : PP_ERR_SIG;
	if (ret <= 0)
		memset(out, 0, sizeof(*out));
	return ret;
}
