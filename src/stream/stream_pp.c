/*
 * PROXY protocol on accept (`bind ... accept-proxy`): before anything else
 * is read from the client, its PROXY header (v1 or v2) is peeked, parsed by
 * the pure parser (net/proxy_proto.c), then exactly its bytes are consumed:
 * what follows stays in the socket for the TCP or HTTP code. The announced
 * addresses replace the connection's (src, dst, %ci, logs, send-proxy), and
 * the v2 TLVs are kept for fc_pp_authority, fc_pp_unique_id, fc_pp_tlv().
 * And on connect (`server ... send-proxy|send-proxy-v2`): the header sent
 * to the server, with the v2 TLVs of proxy-v2-options and
 * set-proxy-v2-tlv-fmt. Runs on the stream's thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <tollgate/hash.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy_proto.h>
#include <tollgate/server-t.h>
#include <tollgate/sock.h>
#include <tollgate/stream.h>
#include <tollgate/unique_id.h>

#include "stream_int.h"

/* Longest header accepted: HAProxy reads it into one buffer (bufsize). */
#define PP_PEEK_MAX  16384

int strm_recv_proxy(struct stream *s)
{
	static __thread unsigned char peek[PP_PEEK_MAX];
	struct pp_info pp;
	ssize_t n;
	int ret;

	if (s->cli.flags & SIDE_ERROR)
		return -1;
	do {
		n = recv(s->cli.fd, peek, sizeof(peek), MSG_PEEK | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		s->cli.flags &= ~SIDE_RDMAY;
		return 0;
	}
	if (n == 0)
		return -1;   /* the client left before its header was complete */
	ret = pp_parse(peek, (size_t)n, &pp);
	if (ret < 0)
		return -1;
	if (ret == 0) {
		/* a prefix: wait for more, unless no more can come */
		if ((size_t)n == sizeof(peek) || (s->cli.flags & SIDE_RDHUP))
			return -1;
		s->cli.flags &= ~SIDE_RDMAY;
		return 0;
	}
	if (pp.tlv_len) {
		s->pp_tlv = malloc(pp.tlv_len);
		if (!s->pp_tlv)
			return -1;
		memcpy(s->pp_tlv, pp.tlv, pp.tlv_len);
		s->pp_tlv_len = (unsigned int)pp.tlv_len;
	}
	s->pp_rcvd = 1;
	if (pp.has_addr) {
		s->cli_addr = pp.src;
		s->dst_addr = pp.dst;
		s->has_dst = 1;
	}
	/* consume exactly the header: the bytes are there, peeked */
	do {
		n = recv(s->cli.fd, peek, (size_t)ret, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n != ret)
		return -1;
	s->pp_wait = 0;
	return 1;
}

int stream_local_addr(const struct stream *s, struct addr *a)
{
	if (s->has_dst) {
		*a = s->dst_addr;
		return 0;
	}
	if (s->cli.fd < 0 || sock_get_name(s->cli.fd, a) < 0)
		return -1;
	return 0;
}

/* ---- sending: send-proxy, send-proxy-v2 ---- */

#define PP_TLV_FMT_MAX  1024   /* longest value of a set-proxy-v2-tlv-fmt TLV */

/* Stores the IPv6 form of <a> (an IPv4 one mapped to ::ffff:a.b.c.d). */
static void to_v6(const struct addr *a, struct in6_addr *ip, uint16_t *port)
{
	const struct sockaddr *sa = addr_sa(a);

	if (sa->sa_family == AF_INET6) {
		*ip = ((const struct sockaddr_in6 *)sa)->sin6_addr;
		*port = ((const struct sockaddr_in6 *)sa)->sin6_port;
	} else {
		memset(ip, 0, sizeof(*ip));
		ip->s6_addr[10] = ip->s6_addr[11] = 0xff;
		memcpy(&ip->s6_addr[12], &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*port = ((const struct sockaddr_in *)sa)->sin_port;
	}
}

static int is_inet(const struct addr *a)
{
	int f = addr_sa(a)->sa_family;

	return a->kind == ADDR_INET && (f == AF_INET || f == AF_INET6);
}

/* v1: "PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n" (mixed families as
 * TCP6, the IPv4 side mapped, as HAProxy), or "PROXY UNKNOWN\r\n".
 */
static void build_v1(struct stream *s, const struct addr *src, const struct addr *dst, int inet)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int n;

	if (!inet) {
		memcpy(s->preamble, "PROXY UNKNOWN\r\n", 15);
		s->preamble_len = 15;
		return;
	}
	if (addr_sa(src)->sa_family == AF_INET && addr_sa(dst)->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr_sa(src))->sin_addr, a, sizeof(a));
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr_sa(dst))->sin_addr, b, sizeof(b));
	} else {
		struct in6_addr i6;
		uint16_t p;

		to_v6(src, &i6, &p);
		inet_ntop(AF_INET6, &i6, a, sizeof(a));
		to_v6(dst, &i6, &p);
		inet_ntop(AF_INET6, &i6, b, sizeof(b));
	}
	n = snprintf(s->preamble, sizeof(s->preamble_buf), "PROXY %s %s %s %u %u\r\n",
	             addr_sa(src)->sa_family == AF_INET && addr_sa(dst)->sa_family == AF_INET ? "TCP4" : "TCP6",
	             a, b, addr_port(src), addr_port(dst));
	s->preamble_len = n > 0 && n < (int)sizeof(s->preamble_buf) ? (unsigned int)n : 0;
}

/* Writes a TLV header of <type> and <len> at <p>. */
static void tlv_head(unsigned char *p, unsigned int type, size_t len)
{
	p[0] = (unsigned char)type;
	p[1] = (unsigned char)(len >> 8);
	p[2] = (unsigned char)len;
}

/* v2: PROXY over TCP4/TCP6 (or LOCAL without addresses), then the TLVs:
 * CRC32C (filled last), the authority passed on, the unique id,
 * set-proxy-v2-tlv-fmt ones.
 */
static int build_v2(struct stream *s, const struct addr *src, const struct addr *dst, int inet)
{
	static const unsigned char sig[12] = "\r\n\r\n\0\r\nQUIT\n";
	const struct server *srv = s->srv;
	const unsigned char *auth = NULL;
	const char *uid = NULL;
	size_t auth_len = 0, uid_len = 0, cap = PP_V2_HDR_LEN + 36, pos, crc_at = 0;
	int v4 = inet && addr_sa(src)->sa_family == AF_INET && addr_sa(dst)->sa_family == AF_INET;
	unsigned char *p;

	if ((srv->pp_opts & SRV_PP_AUTHORITY) && s->pp_tlv)
		pp_tlv_find(s->pp_tlv, s->pp_tlv_len, PP2_TYPE_AUTHORITY, &auth, &auth_len);
	if (srv->pp_opts & SRV_PP_CRC32C)
		cap += 7;
	if (auth)
		cap += 3 + auth_len;
	if (srv->pp_opts & SRV_PP_UNIQUE_ID) {
		/* the stream's unique id (generated now if needed), or an empty TLV without one, as HAProxy */
		uid = unique_id_get(s, &uid_len);
		if (!uid)
			uid_len = 0;
		cap += 3 + uid_len;
	}
	for (const struct srv_pp_tlv *t = srv->pp_tlvs; t; t = t->next)
		cap += 3 + PP_TLV_FMT_MAX + 1;   /* + the NUL logformat_render() writes */
	if (cap > sizeof(s->preamble_buf)) {
		s->preamble = malloc(cap);
		if (!s->preamble) {
			s->preamble = s->preamble_buf;
			return -ENOMEM;
		}
	}
	p = (unsigned char *)s->preamble;
	memcpy(p, sig, 12);
	if (!inet) {
		p[12] = 0x20;                     /* version 2, LOCAL */
		p[13] = 0x00;                     /* UNSPEC */
		pos = PP_V2_HDR_LEN;
	} else if (v4) {
		const struct sockaddr_in *c = (const void *)addr_sa(src), *l = (const void *)addr_sa(dst);

		p[12] = 0x21;                     /* version 2, PROXY */
		p[13] = 0x11;                     /* TCP over IPv4 */
		memcpy(p + 16, &c->sin_addr, 4);
		memcpy(p + 20, &l->sin_addr, 4);
		memcpy(p + 24, &c->sin_port, 2);
		memcpy(p + 26, &l->sin_port, 2);
		pos = PP_V2_HDR_LEN + 12;
	} else {
		struct in6_addr a6;
		uint16_t port;

		p[12] = 0x21;
		p[13] = 0x21;                     /* TCP over IPv6 */
		to_v6(src, &a6, &port);
		memcpy(p + 16, &a6, 16);
		memcpy(p + 48, &port, 2);
		to_v6(dst, &a6, &port);
		memcpy(p + 32, &a6, 16);
		memcpy(p + 50, &port, 2);
		pos = PP_V2_HDR_LEN + 36;
	}
	if (srv->pp_opts & SRV_PP_CRC32C) {
		crc_at = pos + 3;
		tlv_head(p + pos, PP2_TYPE_CRC32C, 4);
		memset(p + crc_at, 0, 4);
		pos += 7;
	}
	if (auth) {
		tlv_head(p + pos, PP2_TYPE_AUTHORITY, auth_len);
		memcpy(p + pos + 3, auth, auth_len);
		pos += 3 + auth_len;
	}
	if (srv->pp_opts & SRV_PP_UNIQUE_ID) {
		tlv_head(p + pos, PP2_TYPE_UNIQUE_ID, uid_len);
		if (uid_len)
			memcpy(p + pos + 3, uid, uid_len);
		pos += 3 + uid_len;
	}
	for (const struct srv_pp_tlv *t = srv->pp_tlvs; t; t = t->next) {
		size_t n = logformat_render(t->lf, s, (char *)p + pos + 3, PP_TLV_FMT_MAX + 1);

		tlv_head(p + pos, t->type, n);
		pos += 3 + n;
	}
	p[14] = (unsigned char)((pos - PP_V2_HDR_LEN) >> 8);
	p[15] = (unsigned char)(pos - PP_V2_HDR_LEN);
	if (crc_at) {
		uint32_t crc = pp_crc32c(p, pos);

		p[crc_at] = (unsigned char)(crc >> 24);
		p[crc_at + 1] = (unsigned char)(crc >> 16);
		p[crc_at + 2] = (unsigned char)(crc >> 8);
		p[crc_at + 3] = (unsigned char)crc;
	}
	s->preamble_len = (unsigned int)pos;
	return 0;
}

int strm_build_proxy_header(struct stream *s)
{
	struct addr src = s->cli_addr, dst;
	int inet;

	if (s->preamble && s->preamble != s->preamble_buf)
		free(s->preamble);
	s->preamble = s->preamble_buf;
	s->preamble_len = 0;
	if (!(s->srv->flags & (SRV_F_SEND_PROXY | SRV_F_SEND_PROXY2)))
		return 0;
	inet = stream_local_addr(s, &dst) == 0 && is_inet(&src) && is_inet(&dst);
	if (s->srv->flags & SRV_F_SEND_PROXY2) {
		if (build_v2(s, &src, &dst, inet) < 0)
			return -ENOMEM;
	} else {
		build_v1(s, &src, &dst, inet);
	}
	s->preamble_hash = hash_xxh32(s->preamble, s->preamble_len, 0) | 1;
	return 0;
}

int strm_proxy_header_differs(struct stream *s, struct server *srv)
{
	struct server *cur = s->srv;
	uint32_t sent = s->preamble_hash;
	int differs;

	if (!(srv->flags & SRV_F_SEND_PROXY2) || (!(srv->pp_opts & SRV_PP_UNIQUE_ID) && !srv->pp_tlvs))
		return 0;   /* the same client, the same header */
	s->srv = srv;
	differs = strm_build_proxy_header(s) < 0 || s->preamble_hash != sent;
	s->srv = cur;
	s->preamble_len = 0;         /* nothing to send on a kept connection */
	s->preamble_hash = sent;
	return differs;
}
