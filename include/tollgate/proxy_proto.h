/*
 * PROXY protocol header parser (HAProxy's "PROXY protocol", versions 1
 * and 2), for `bind ... accept-proxy`.
 *
 * The header is bytes from the network: pp_parse() is a pure function over
 * (buffer, length). It never allocates, never reads past <len>, and can be
 * called again with more bytes (it restarts from the beginning; headers are
 * at most PP_MAX_LEN bytes). Return convention (doc/internals/net.md):
 * bytes consumed (>0) once a whole valid header is there, 0 when the bytes
 * so far are a valid prefix of a header, <0 (enum pp_err) on an error; an
 * error is final: more bytes never make it valid.
 *
 * What is validated (as HAProxy does): the v1 line ("PROXY TCP4|TCP6|
 * UNKNOWN ...\r\n", at most 107 bytes, numeric addresses of the announced
 * family, ports 0..65535); the v2 signature, version 2, command LOCAL or
 * PROXY, the address block length of the family; the TLVs of a PROXY
 * header, which must tile the rest of the header exactly, with the
 * authority at most 255 bytes, the unique id at most 128, and a CRC32C
 * TLV (4 bytes) equal to the checksum of the whole header.
 */
#ifndef TOLLGATE_PROXY_PROTO_H
#define TOLLGATE_PROXY_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/addr.h>

#define PP_V1_MAX_LEN   107            /* longest v1 line, CRLF included */
#define PP_V2_HDR_LEN   16             /* signature, version, family, length */
#define PP_MAX_LEN      (PP_V2_HDR_LEN + 65535)

/* TLV types (PP2_TYPE_* in the specification). */
#define PP2_TYPE_ALPN       0x01
#define PP2_TYPE_AUTHORITY  0x02
#define PP2_TYPE_CRC32C     0x03
#define PP2_TYPE_NOOP       0x04
#define PP2_TYPE_UNIQUE_ID  0x05
#define PP2_TYPE_SSL        0x20
#define PP2_TYPE_NETNS      0x30

#define PP2_AUTHORITY_MAX   255        /* longest authority TLV accepted */
#define PP2_UNIQUE_ID_MAX   128        /* longest unique id TLV accepted */

enum pp_err {
	PP_ERR_SIG = -1,               /* not a PROXY protocol signature */
	PP_ERR_V1 = -2,                /* malformed v1 line */
	PP_ERR_V2 = -3,                /* bad v2 version, command or address length */
	PP_ERR_TLV = -4,               /* malformed or invalid TLV */
};

/* A parsed header. Addresses are set only when the header carries them
 * (v1 TCP4/TCP6, v2 PROXY over TCP/UDP on IPv4/IPv6): <has_addr> says so;
 * otherwise (v1 UNKNOWN, v2 LOCAL, other families) the connection's own
 * addresses stay. <tlv> points into the parsed buffer.
 */
struct pp_info {
	int version;                   /* 1 or 2 */
	int has_addr;                  /* src/dst were carried */
	struct addr src;               /* client address, as announced */
	struct addr dst;               /* address the client reached, as announced */
	const unsigned char *tlv;      /* v2 TLVs, validated, or NULL */
	size_t tlv_len;                /* their bytes */
};

/* Parses the <len> bytes at <buf> as a PROXY protocol header into <out>
 * (zeroed first). Returns as described above.
 */
int pp_parse(const unsigned char *buf, size_t len, struct pp_info *out);

/* Iterates over validated TLVs <tlv>/<len>: at offset *<off>, stores the
 * type, the value and its length, advances *<off>; returns 1, or 0 at the
 * end (or on a truncated TLV, which pp_parse() never lets through).
 */
int pp_tlv_next(const unsigned char *tlv, size_t len, size_t *off,
                unsigned int *type, const unsigned char **val, size_t *vlen);

/* Finds the first TLV of <type> in <tlv>/<len>. Returns 1 with the value
 * in *<val> and *<vlen>, or 0.
 */
int pp_tlv_find(const unsigned char *tlv, size_t len, unsigned int type,
                const unsigned char **val, size_t *vlen);

/* CRC32C (Castagnoli) of <len> bytes, as the CRC32C TLV carries it. */
uint32_t pp_crc32c(const unsigned char *buf, size_t len);

#endif /* TOLLGATE_PROXY_PROTO_H */
