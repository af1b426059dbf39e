/*
 * DNS messages. See dns.h.
 */
#include <errno.h>
#include <string.h>

#include <tollgate/dns.h>

#define DNS_MAX_ALIASES 8       /* CNAME targets an answer may lead through */

static inline uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t rd32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void wr16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static inline char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

int dns_name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	if (la != lb)
		return 0;
	for (size_t i = 0; i < la; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

const char *dns_strerror(int err)
{
	switch (err) {
	case DNS_E_SHORT: return "truncated message";
	case DNS_E_NOT_RESPONSE: return "not a query response";
	case DNS_E_QUESTION: return "unexpected question count";
	case DNS_E_NAME: return "invalid name";
	case DNS_E_RECORD: return "invalid record";
	case DNS_E_TRAILING: return "trailing bytes";
	}
	return "unknown error";
}

int dns_build_query(unsigned char *buf, size_t room, uint16_t id, const char *name,
                    uint16_t qtype, uint16_t payload)
{
	size_t len = strlen(name), o = DNS_HDR_LEN;
	const char *p = name, *end;

	if (len && name[len - 1] == '.')
		len--;
	if (!len || len > DNS_MAX_NAME)
		return -EINVAL;
	/* header + labels (len + 2 bytes) + type/class + OPT (11 bytes) */
	if (room < DNS_HDR_LEN + len + 2 + 4 + 11)
		return -ENOSPC;
	memset(buf, 0, DNS_HDR_LEN);
	wr16(buf, id);
	buf[2] = 0x01;                 /* RD */
	wr16(buf + 4, 1);              /* QDCOUNT */
	end = name + len;
	while (p < end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t l = dot ? (size_t)(dot - p) : (size_t)(end - p);

		if (!l || l > DNS_MAX_LABEL)
			return -EINVAL;
		buf[o++] = (unsigned char)l;
		memcpy(buf + o, p, l);
		o += l;
		p += l + (dot ? 1 : 0);
	}
	buf[o++] = 0;
	wr16(buf + o, qtype);
	wr16(buf + o + 2, 1);          /* IN */
	o += 4;
	if (payload > 512) {
		wr16(buf + 10, 1);     /* ARCOUNT */
		buf[o++] = 0;          /* root */
		wr16(buf + o, DNS_T_OPT);
		wr16(buf + o + 2, payload);
		memset(buf + o + 4, 0, 6);   /* extended rcode, version, flags, rdlen */
		o += 10;
	}
	return (int)o;
}

/* Decodes the name at <off> of the message <msg> (<len> bytes) into <out>
 * (DNS_MAX_NAME + 1 bytes, lower case, no final dot; may be NULL to only
 * skip it). Sets *<next> to the offset after the name where it starts.
 * Returns 0 or DNS_E_SHORT / DNS_E_NAME.
 */
static int read_name(const unsigned char *msg, size_t len, size_t off, char *out, size_t *next)
{
	size_t n = 0, pos = off;
	int jumps = 0, jumped = 0;

	for (;;) {
		unsigned int l;

		if (pos >= len)
			return DNS_E_SHORT;
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= len)
				return DNS_E_SHORT;
			to = ((l & 0x3f) << 8) | msg[pos + 1];
			/* backwards only: no loop can be built */
			if (to >= pos || ++jumps > DNS_MAX_JUMPS)
				return DNS_E_NAME;
			if (!jumped)
				*next = pos + 2;
			jumped = 1;
			pos = to;
			continue;
		}
		if (l & 0xc0)
			return DNS_E_NAME;    /* 01 and 10: reserved label types */
		if (!l) {
			if (!jumped)
				*next = pos + 1;
			break;
		}
		if (pos + 1 + l > len)
			return DNS_E_SHORT;
		if (n + (n ? 1 : 0) + l > DNS_MAX_NAME)
			return DNS_E_NAME;
		if (out) {
			if (n)
				out[n] = '.';
			for (unsigned int i = 0; i < l; i++)
				out[n + (n ? 1 : 0) + i] = lower((char)msg[pos + 1 + i]);
		}
		n += (n ? 1 : 0) + l;
		pos += 1 + l;
	}
	if (out)
		out[n] = '\0';
	return 0;
}

/* Returns 1 if <name> is one of the <n> names of <names>. */
static int name_in(const char *name, char names[][DNS_MAX_NAME + 1], unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

/* Returns 1 if <name> is the target of an SRV record kept in <r>. */
static int srv_target(const struct dns_response *r, const char *name)
{
	for (unsigned int i = 0; i < r->n; i++)
		if (r->items[i].type == DNS_T_SRV && !r->items[i].additional && !strcmp(r->items[i].target, name))
			return 1;
	return 0;
}

int dns_parse_response(const unsigned char *buf, size_t len, struct dns_response *r)
{
	char aliases[DNS_MAX_ALIASES + 1][DNS_MAX_NAME + 1];
	char owner[DNS_MAX_NAME + 1];
	unsigned int naliases = 1, qd, an, ns, ar;
	size_t off;
	int ret;

	memset(r, 0, offsetof(struct dns_response, items));
	if (len < DNS_HDR_LEN)
		return DNS_E_SHORT;
	r->id = rd16(buf);
	if (!(buf[2] & 0x80) || (buf[2] & 0x78))
		return DNS_E_NOT_RESPONSE;      /* QR must be set, OPCODE 0 */
	r->truncated = !!(buf[2] & 0x02);
	r->rcode = buf[3] & 0x0f;
	qd = rd16(buf + 4);
	an = rd16(buf + 6);
	ns = rd16(buf + 8);
	ar = rd16(buf + 10);
	r->ancount = an;
	if (qd != 1)
		return DNS_E_QUESTION;
	ret = read_name(buf, len, DNS_HDR_LEN, r->qname, &off);
	if (ret < 0)
		return ret;
	if (off + 4 > len)
		return DNS_E_SHORT;
	r->qtype = rd16(buf + off);
	off += 4;
	strcpy(aliases[0], r->qname);

	for (unsigned int i = 0; i < an + ns + ar; i++) {
		uint16_t type, rdlen;
		uint32_t ttl;
		size_t rd;
		int answer = i < an, extra = i >= an + ns;

		ret = read_name(buf, len, off, answer || extra ? owner : NULL, &off);
		if (ret < 0)
			return ret;
		if (off + 10 > len)
			return DNS_E_SHORT;
		type = rd16(buf + off);
		ttl = rd32(buf + off + 4);
		rdlen = rd16(buf + off + 8);
		rd = off + 10;
		if (rd + rdlen > len)
			return DNS_E_SHORT;
		off = rd + rdlen;
		if (extra) {
			/* the address of an SRV target kept above */
			if ((type == DNS_T_A || type == DNS_T_AAAA) && r->n < DNS_MAX_ITEMS && srv_target(r, owner)) {
				struct dns_item *it = &r->items[r->n++];

				if (rdlen != (type == DNS_T_A ? 4 : 16))
					return DNS_E_RECORD;
				memset(it, 0, sizeof(*it));
				it->type = type;
				it->ttl = ttl;
				it->additional = 1;
				memcpy(it->ip, buf + rd, rdlen);
				strcpy(it->target, owner);
			}
			continue;
		}
		if (!answer)
			continue;
		if (!name_in(owner, aliases, naliases)) {
			r->skipped++;
			continue;
		}
		if (type == DNS_T_CNAME) {
			size_t end;

			if (naliases > DNS_MAX_ALIASES) {
				r->skipped++;
				continue;
			}
			ret = read_name(buf, len, rd, aliases[naliases], &end);
			if (ret < 0)
				return ret;
			if (end != off)
				return DNS_E_RECORD;
			naliases++;
			r->cnames++;
			continue;
		}
		if ((type != DNS_T_A && type != DNS_T_AAAA && type != DNS_T_SRV) || r->n >= DNS_MAX_ITEMS) {
			r->skipped++;
			continue;
		}
		{
			struct dns_item *it = &r->items[r->n];

			memset(it, 0, sizeof(*it));
			it->type = type;
			it->ttl = ttl;
			if (type == DNS_T_A || type == DNS_T_AAAA) {
				if (rdlen != (type == DNS_T_A ? 4 : 16))
					return DNS_E_RECORD;
				memcpy(it->ip, buf + rd, rdlen);
			} else {
				size_t end;

				if (rdlen < 7)
					return DNS_E_RECORD;
				it->prio = rd16(buf + rd);
				it->weight = rd16(buf + rd + 2);
				it->port = rd16(buf + rd + 4);
				ret = read_name(buf, len, rd + 6, it->target, &end);
				if (ret < 0)
					return ret;
				if (end != off)
					return DNS_E_RECORD;
			}
			r->n++;
		}
	}
	if (off != len)
		return DNS_E_TRAILING;
	return (int)len;
}
