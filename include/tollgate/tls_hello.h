/*
 * TLS ClientHello inspection: what a TCP proxy can learn from a client's
 * first bytes before it chooses a server, for HAProxy's sample fetches
 * req.ssl_hello_type, req.ssl_sni, req.ssl_alpn and req.ssl_ver.
 *
 * Principle:
 *  - Pure functions over (bytes, length): no allocation, no global state,
 *    no lock; reentrant and thread-safe. They never read at or past
 *    p + len, whatever the bytes say. Results point into the input (nothing
 *    is copied or lower-cased), so they live as long as the caller's buffer
 *    is not changed.
 *  - Nothing is kept between calls: the caller parses again, from the
 *    start, each time more bytes have arrived (a ClientHello is a few
 *    hundred bytes; the cost is O(len) per call).
 *  - Three answers. TLS_HELLO_OK: the thing asked for is entirely present.
 *    TLS_HELLO_SHORT: every byte seen so far is a valid start and more
 *    bytes are needed; bytes that may still arrive are never a reason for
 *    BAD. TLS_HELLO_BAD: the bytes seen already are not a TLS start (a
 *    length field inconsistent with its container, a wrong type or
 *    version): no fetch will ever match this stream, stop waiting. The
 *    decision is monotonic: once a prefix is BAD, every longer input is
 *    BAD; once it is OK, longer inputs give the same result.
 *
 * What tls_hello_parse() accepts (RFC 5246, RFC 8446 section 4.1.2):
 *  - one record header: content type 22 (handshake), version 3.x, length
 *    from 1 to TLS_HELLO_REC_MAX;
 *  - the FIRST handshake message, entirely inside that first record. A
 *    handshake message longer than the first record's payload (a
 *    ClientHello fragmented over several records, as some censorship
 *    circumvention tools do, or one over 16 KB) is BAD: documented
 *    limitation, the request fetches then never match. Bytes after the
 *    first message (the rest of the record, later records) are not read;
 *  - for a ClientHello (type 1), the whole body is checked: version 3.x,
 *    random, session id (at most 32 bytes), cipher suites (even length, at
 *    least one), compression methods (at least one), then either nothing or
 *    an extension block that ends exactly with the message. Every extension
 *    lies within the block; server_name (0) and ALPN (16) are parsed and
 *    checked, the others skipped. Sent twice, either of those two is BAD
 *    (RFC 8446 forbids it, and a proxy and a server reading different
 *    copies would disagree on the destination);
 *  - server_name: a ServerNameList filling the extension, entries of
 *    name_type + 16-bit length filling the list; the host_name (type 0)
 *    entry is reported, an empty or second host_name is BAD. The name is
 *    NOT checked as a host name: it may hold any byte, NUL included;
 *  - ALPN: a ProtocolNameList filling the extension, not empty, made of
 *    non-empty 8-bit-length names filling it exactly;
 *  - another handshake type as first message: OK with hs_type set and
 *    nothing else (HAProxy's req.ssl_hello_type reports any type).
 *
 * Costs: O(len) time, O(1) stack. An over-long or fragmented ClientHello is
 * refused, never buffered: the caller's buffer (tune.bufsize) bounds what a
 * client can make the proxy hold, and a first record longer than that
 * buffer stays SHORT until the caller's inspect-delay expires.
 */
#ifndef TOLLGATE_TLS_HELLO_H
#define TOLLGATE_TLS_HELLO_H

#include <stddef.h>

/* Largest record length accepted: 2^14 bytes of plaintext plus 2048 of
 * expansion (RFC 5246 TLSCiphertext, and HAProxy's req.ssl_ver bound).
 */
#define TLS_HELLO_REC_MAX      (16384U + 2048U)

/* Handshake message type of a ClientHello (struct tls_hello.hs_type). */
#define TLS_HELLO_CLIENT_HELLO 1U

/* Result of tls_hello_parse() and tls_stream_version(). */
enum tls_hello_res {
	TLS_HELLO_OK = 0,       /* the whole first handshake message (or record) is there */
	TLS_HELLO_SHORT,        /* a valid start of TLS so far: more bytes are needed */
	TLS_HELLO_BAD,          /* not a TLS (SSLv3+) handshake start: no fetch will match */
};

/* What tls_hello_parse() found. Versions are major << 16 | minor, the form
 * of HAProxy's req.ssl_ver (TLS 1.2, "3.3", is 0x30003). Pointers are into
 * the parsed input.
 */
struct tls_hello {
	unsigned int rec_version;    /* version of the first record header */
	unsigned int hs_type;        /* type of the first handshake message (1: ClientHello) */
	unsigned int hello_version;  /* ClientHello legacy_version; 0 if hs_type != 1 */
	const unsigned char *sni;    /* host_name of the server_name extension, or NULL */
	size_t sni_len;              /* its length (> 0 when sni is set) */
	const unsigned char *alpn;   /* ALPN ProtocolNameList body (after its 16-bit
	                              * length), or NULL; walk it with
	                              * tls_hello_alpn_next() */
	size_t alpn_len;             /* its length (> 0 when alpn is set) */
};

/* Parses the start of a client's TLS stream, <len> bytes at <p>, into
 * <out> (see the rules above). Returns TLS_HELLO_OK when the first
 * handshake message is complete and valid, with <out> filled; otherwise
 * TLS_HELLO_SHORT or TLS_HELLO_BAD, with <out> zeroed. <p> may be NULL
 * when <len> is 0 (SHORT).
 */
enum tls_hello_res tls_hello_parse(const unsigned char *p, size_t len, struct tls_hello *out);

/* Steps through the protocol names of <h>'s ALPN list, in the client's
 * order of preference. <*pos> starts at 0 and is advanced by each call.
 * Returns 1 with <*name> (into the input, not NUL-terminated) and
 * <*name_len> (1 to 255) set, or 0 at the end of the list and when <h> has
 * no ALPN. Safe on any <h> whose alpn/alpn_len designate readable bytes,
 * even ones tls_hello_parse() did not validate: it stops at the first
 * malformed name, and ends after at most alpn_len calls.
 */
int tls_hello_alpn_next(const struct tls_hello *h, size_t *pos, const unsigned char **name,
                        size_t *name_len);

/* Reads the protocol version of a client's stream, <len> bytes at <p>, for
 * HAProxy's req.ssl_ver. Two forms are recognised:
 *  - SSLv3 and later: a handshake record (type 22, version 3.x, length 6
 *    to TLS_HELLO_REC_MAX) starting with a ClientHello; the version is the
 *    ClientHello's legacy_version (bytes 9-10), not the record's, as in
 *    HAProxy (TLS 1.3 clients send 3.3). OK once the whole first record is
 *    present; the ClientHello itself is not parsed further;
 *  - SSLv2-compatible CLIENT-HELLO (RFC 5246 appendix E.2): a 2-byte
 *    header with the high bit set, message type 1, then version, cipher
 *    specs length (a multiple of 3), session id length (0 or 16) and
 *    challenge length (16 to 32) adding up to the header's length. OK once
 *    the whole message is present. The 3-byte SSLv2 header (with padding),
 *    which no client uses for a hello, is not recognised (BAD).
 * Returns TLS_HELLO_OK, TLS_HELLO_SHORT or TLS_HELLO_BAD. <*version> is set
 * to major << 16 | minor as soon as it is known and valid, SHORT included
 * (a caller whose buffer is full before the record ends may use it, as
 * HAProxy does when the record exceeds its buffer); it is 0 otherwise.
 */
enum tls_hello_res tls_stream_version(const unsigned char *p, size_t len, unsigned int *version);

#endif /* TOLLGATE_TLS_HELLO_H */
