/*
 * PROXY protocol on accept (`bind ... accept-proxy`): before anything else
 * is read from the client, its PROXY header (v1 or v2) is peeked, parsed by
 * the pure parser (net/proxy_proto.c), then exactly its bytes are consumed:
 * what follows stays in the socket for the TCP or HTTP code. The announced
 * addresses replace the connection's (src, dst, %ci, logs, send-proxy), and
 * the v2 TLVs are kept for fc_pp_authority, fc_pp_unique_id, fc_pp_tlv().
 * Runs on the stream's thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <tollgate/proxy_proto.h>
#include <tollgate/sock.h>
#include <tollgate/stream.h>

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
