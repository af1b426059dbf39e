/*
 * HTTP/1.1 message parser: request and status lines, header fields, framing
 * (Content-Length, chunked), per RFC 9110 and RFC 9112.
 *
 * Principle. Pure functions over (buffer, length), in the manner of
 * picohttpparser: they never allocate, never write to the buffer, never read
 * a byte at or past <len>, and keep all their state in small caller-owned
 * structs, so a message may arrive in any number of reads. What they find is
 * given as spans (offset, length) into the caller's buffer, counted from the
 * first byte of the message, so they survive a realignment of the buffer.
 * The parser is strict: whatever it accepts has exactly one reading, so that
 * no server behind the proxy can frame a message differently (no request
 * smuggling). doc/internals/http-parser.md lists every rule and why.
 *
 * Head. h1_parse_request()/h1_parse_response() parse the start line and the
 * header section. The caller passes the message from its first byte, with
 * whatever has arrived, and calls again with the same bytes plus more after
 * a "need more" (0). Complete lines are parsed once: <msg> remembers where
 * the first incomplete line starts, so a head arriving in n pieces costs
 * O(head + n * line). A byte-per-read peer costs O(line) per byte, bounded
 * by the limits.
 *
 * Body. A Content-Length body needs no parser. A chunked body is parsed by
 * h1_chunk_parse() byte-exactly resumable: the caller hands it the bytes not
 * consumed yet; it never needs the whole body, nor the whole of a chunk.
 *
 * Return conventions (core-principles.md §4): bytes consumed (> 0), 0 for
 * "need more data", or a negative H1_ERR_* code. An error is final: the
 * state remembers it and later calls return it again. h1_err_status() maps
 * a code to the status the proxy answers a client with (responses failing
 * to parse are answered 502 by the caller, whatever the code).
 *
 * Ownership and threads: the structs belong to the caller (one stream, one
 * thread). The functions touch nothing else; h1_ctab is read-only.
 *
 * Costs: one pass over the bytes, a table lookup per byte (16 bytes per step
 * for field values, targets, and the letters, digits and '-' of names where
 * SSE2 exists), no function call per byte; known header names are
 * recognised by length then one compare. About 2,900 instructions for a
 * 525-byte request with 11 fields.
 */
#ifndef TOLLGATE_H1_H
#define TOLLGATE_H1_H

#include <stddef.h>
#include <stdint.h>

/* Default limits (struct h1_limits). */
#define H1_DEF_MAX_LINE      8192U   /* start line with its CRLF -> 414 */
#define H1_DEF_MAX_HEAD      16384U  /* whole head (tune.bufsize) -> 431 */
#define H1_DEF_MAX_HDRS      101U    /* header fields (tune.http.maxhdr) -> 431 */
#define H1_CHUNK_LINE_MAX    4096U   /* chunk-size line with its extensions */

/* Error codes, all negative. The comment gives the status the proxy answers
 * the client with when a request fails that way (h1_err_status()).
 */
enum h1_err {
	H1_ERR_METHOD            = -1,  /* 400: method not a token */
	H1_ERR_TARGET            = -2,  /* 400: bad request-target chars or form */
	H1_ERR_VERSION           = -3,  /* 400: not "HTTP/" DIGIT "." DIGIT */
	H1_ERR_VERSION_UNSUPP    = -4,  /* 505: major version 0 (above 1.1 reads as 1.1) */
	H1_ERR_STATUS            = -5,  /* 502: bad status code or reason */
	H1_ERR_BARE_LF           = -6,  /* 400: LF without CR (not accepted) */
	H1_ERR_BARE_CR           = -7,  /* 400: CR not followed by LF */
	H1_ERR_HDR_NAME          = -8,  /* 400: field name not a token / no ':' */
	H1_ERR_HDR_VALUE         = -9,  /* 400: control char in a field value */
	H1_ERR_OBS_FOLD          = -10, /* 400: line starting with SP/HTAB */
	H1_ERR_HOST_MISSING      = -11, /* 400: HTTP/1.1 request without Host */
	H1_ERR_HOST_DUP          = -12, /* 400: more than one Host field */
	H1_ERR_HOST_INVALID      = -13, /* 400: Host value not uri-host[:port] */
	H1_ERR_CL_INVALID        = -14, /* 400: Content-Length not 1*DIGIT, or >= 2^63 */
	H1_ERR_CL_MISMATCH       = -15, /* 400: Content-Length values differ */
	H1_ERR_TE_INVALID        = -16, /* 400: TE syntax, empty element, chunked twice */
	H1_ERR_TE_NOT_CHUNKED    = -17, /* 400: request TE whose last coding is not chunked */
	H1_ERR_TE_UNSUPP         = -18, /* 501: request TE with an unknown coding */
	H1_ERR_TE_HTTP10         = -19, /* 400: Transfer-Encoding in an HTTP/1.0 message */
	H1_ERR_URI_TOO_LONG      = -20, /* 414: request line longer than max_line */
	H1_ERR_LINE_TOO_LONG     = -21, /* 502: status line longer than max_line */
	H1_ERR_HEAD_TOO_LARGE    = -22, /* 431: head longer than max_head */
	H1_ERR_TOO_MANY_HDRS     = -23, /* 431: more than max_hdrs fields */
	H1_ERR_BODY_TOO_LARGE    = -24, /* 413: body longer than max_body */
	H1_ERR_CHUNK_SIZE        = -25, /* 400: chunk size not hex, or >= 2^63 */
	H1_ERR_CHUNK_EXT         = -26, /* 400: bad chunk extension */
	H1_ERR_CHUNK_CRLF        = -27, /* 400: chunk line or data not ended by CRLF */
	H1_ERR_CHUNK_LINE_LONG   = -28, /* 400: chunk line over H1_CHUNK_LINE_MAX */
	H1_ERR_TRAILER           = -29, /* 400: bad trailer field */
	H1_ERR_TRAILER_TOO_LARGE = -30, /* 431: trailer section over max_head */
	H1_ERR_HOST_AUTHORITY    = -31, /* 400: absolute-form/CONNECT authority differs from Host */
	H1_ERR_H2_PREFACE        = -32, /* 405: the HTTP/2 preface where HTTP/2 is not allowed (set by the caller) */
};
#define H1_ERR_MIN  H1_ERR_H2_PREFACE   /* lowest code */

/* Options (h1_limits.opts). */
#define H1_OPT_ACCEPT_BARE_LF  0x0001U  /* accept LF alone as a head line end */
#define H1_OPT_ACCEPT_FRAGMENT 0x0002U  /* accept '#' in a request target (a fragment) */

/* Limits and options of one parse; set once per proxy, read-only. */
struct h1_limits {
	uint32_t max_line;   /* start line incl. CRLF (> 0, clamped to max_head) */
	uint32_t max_head;   /* head incl. final CRLF; trailer section likewise */
	uint64_t max_body;   /* body bytes (CL or chunked sum), 0 = no limit */
	uint32_t opts;       /* H1_OPT_* */
};

/* Known methods (the method span always holds the text). */
enum h1_meth {
	H1_METH_OTHER = 0,   /* any other token */
	H1_METH_GET,
	H1_METH_HEAD,
	H1_METH_POST,
	H1_METH_PUT,
	H1_METH_DELETE,
	H1_METH_CONNECT,
	H1_METH_OPTIONS,
	H1_METH_TRACE,
	H1_METH_PATCH,
};

/* How the body of a message is delimited. */
enum h1_body {
	H1_BODY_NONE = 0,    /* no body */
	H1_BODY_CL,          /* content_length bytes */
	H1_BODY_CHUNKED,     /* chunked: h1_chunk_parse() */
	H1_BODY_CLOSE,       /* response: until the server closes */
	H1_BODY_TUNNEL,      /* response: 101 or 2xx to CONNECT, bytes both ways */
};

/* Message flags (h1_msg.flags), set once the head is complete. */
#define H1_MF_VER11        0x00000001U  /* HTTP/1.1 or later (1.2-9.9 read as 1.1) */
#define H1_MF_CL           0x00000002U  /* Content-Length present (with H1_MF_TE: drop it) */
#define H1_MF_CL_MULTI     0x00000004U  /* several CL lines or a list: rewrite one */
#define H1_MF_TE           0x00000008U  /* Transfer-Encoding present */
#define H1_MF_CHUNKED      0x00000010U  /* last transfer coding is chunked */
#define H1_MF_HOST         0x00000020U  /* Host present (msg.host) */
#define H1_MF_CONN_CLOSE   0x00000040U  /* Connection: close */
#define H1_MF_CONN_KA      0x00000080U  /* Connection: keep-alive */
#define H1_MF_CONN_UPGRADE 0x00000100U  /* Connection: upgrade */
#define H1_MF_CONN_OTHER   0x00000200U  /* Connection names other options */
#define H1_MF_UPGRADE      0x00000400U  /* Upgrade field present */
#define H1_MF_UPG_WS       0x00000800U  /* Upgrade lists websocket */
#define H1_MF_EXPECT_100   0x00001000U  /* HTTP/1.1 request, Expect: 100-continue */
#define H1_MF_EXPECT_OTHER 0x00002000U  /* other expectation (417 if wanted) */
#define H1_MF_ABS_FORM     0x00004000U  /* absolute-form target (its authority matches Host) */

/* A span of the caller's buffer, from the first byte of the message. */
struct h1_span {
	uint32_t off;        /* offset of the first byte */
	uint32_t len;        /* length in bytes */
};

/* One header field: name as received, value without surrounding OWS. */
struct h1_hdr {
	struct h1_span n;    /* field name */
	struct h1_span v;    /* field value */
};

/* A message head, while and after it is parsed. Set by h1_msg_init(); the
 * parse functions fill it. Fields other than the parser state are valid
 * once a parse returned > 0; a new message needs h1_msg_init() again.
 */
struct h1_msg {
	uint32_t pos;        /* parser: offset of the first unparsed line */
	int32_t  res;        /* parser: final result once done (>0 or error) */
	uint16_t hosts;      /* parser: Host fields seen */
	uint8_t  te_last;    /* parser: chunked seen (0x2), and last (0x1) */
	uint8_t  te_bad;     /* parser: a request coding is unknown */
	uint8_t  vmajor;     /* HTTP major version (1-9, as received); 0 until the start line */
	uint8_t  vminor;     /* HTTP minor version */
	uint16_t status;     /* response: status code */
	enum h1_meth meth;   /* request: method */
	enum h1_body body;   /* framing (responses: as if answering GET) */
	struct h1_span method; /* request: method */
	struct h1_span target; /* request: request-target */
	struct h1_span reason; /* response: reason phrase (may be empty) */
	struct h1_span host;   /* Host value if H1_MF_HOST */
	uint32_t flags;      /* H1_MF_* */
	uint32_t nb_hdrs;    /* header fields in <hdrs> */
	uint32_t max_hdrs;   /* capacity of <hdrs>: the field count limit */
	struct h1_hdr *hdrs; /* caller's array, filled in order of arrival */
	uint64_t content_length; /* if H1_MF_CL */
};

/* Chunked body parser state (h1_chunk_init()). */
struct h1_chunk {
	uint64_t remain;     /* data bytes left in the current chunk */
	uint64_t total;      /* data bytes so far (for max_body) */
	uint64_t max_body;   /* 0 = no limit */
	uint32_t line;       /* bytes of the current chunk-size line */
	uint32_t trailers;   /* bytes of the trailer section so far */
	uint32_t max_trailers; /* limit of <trailers> */
	uint8_t  state;      /* internal state, H1_CK_DONE when finished */
	int8_t   err;        /* error once failed, else 0 */
};

#define H1_CK_DONE  0xFFU    /* h1_chunk.state when the body is complete */

/* Character classes of h1_ctab[]. */
#define H1_C_TCHAR   0x01U   /* token char */
#define H1_C_TARGET  0x02U   /* request-target char: VCHAR but '#' */
#define H1_C_FVAL    0x04U   /* field value char: VCHAR, obs-text, SP, HTAB */
#define H1_C_HOST    0x08U   /* uri-host / port char (no ',') */
#define H1_C_OWS     0x10U   /* SP or HTAB */
#define H1_C_QDTEXT  0x20U   /* quoted-string char (no '"', no '\\') */
#define H1_C_DIGIT   0x40U   /* 0-9 */
#define H1_C_HEX     0x80U   /* 0-9a-fA-F */

extern const uint8_t h1_ctab[256];

/* Fills <lim> with the defaults above, no body limit, no options. */
void h1_limits_init(struct h1_limits *lim);

/* Prepares <msg> for a new message whose fields go to <hdrs>, an array of
 * <max_hdrs> entries (tune.http.maxhdr); one more field fails the parse with
 * H1_ERR_TOO_MANY_HDRS.
 */
void h1_msg_init(struct h1_msg *msg, struct h1_hdr *hdrs, uint32_t max_hdrs);

/* Parses the head of a request held in <buf>[0..<len>), <buf> starting at
 * the first byte of the message (empty lines before the request line are
 * skipped and counted in the head). <msg> is from h1_msg_init(), then from
 * earlier calls on the same bytes, <len> only growing. Returns the length
 * of the head including its final CRLF (the body, if any, starts there),
 * 0 if more bytes are needed, or a negative H1_ERR_*. On success the spans,
 * method, version, flags, host, content_length and body are set; body is
 * H1_BODY_NONE, CL or CHUNKED. <lim> may be NULL for the defaults.
 */
int h1_parse_request(struct h1_msg *msg, const char *buf, size_t len,
                     const struct h1_limits *lim);

/* Same for a response head. body is set as for a response to GET;
 * h1_res_body() gives it for another method. Interim (1xx) responses are
 * complete messages: parse the next one with a fresh <msg>.
 */
int h1_parse_response(struct h1_msg *msg, const char *buf, size_t len,
                      const struct h1_limits *lim);

/* Returns how the body of the parsed response <res> is delimited when it
 * answers a request of method <req_meth>: none for HEAD, 1xx (but 101),
 * 204 and 304; a tunnel for 101 and for 2xx to CONNECT; then chunked,
 * Content-Length, or until close.
 */
enum h1_body h1_res_body(const struct h1_msg *res, enum h1_meth req_meth);

/* Returns 1 if the connection may be kept after the parsed message <msg>
 * by its own version and Connection options (1.1: unless close; 1.0: only
 * with keep-alive and not close), else 0. The caller adds its own reasons
 * (a body delimited by close, an error, a configured close).
 */
int h1_keep_alive(const struct h1_msg *msg);

/* Prepares <ck> to parse a chunked body with the limits of <lim> (NULL for
 * the defaults): max_body on the data, max_head on the trailer section.
 */
void h1_chunk_init(struct h1_chunk *ck, const struct h1_limits *lim);

/* Parses chunked body bytes <buf>[0..<len>): the bytes following those
 * consumed by the previous calls. Consumes framing up to the end of the
 * next run of chunk data available, and sets *<data> to that run (offset
 * from <buf>, length 0 if none). Returns the bytes consumed (the run
 * included), 0 if nothing can be consumed without more bytes (or the body
 * is already complete), or a negative H1_ERR_*. The body is complete when h1_chunk_done(); the bytes
 * after it belong to the next message. Framing is consumed byte by byte,
 * so any split of the input gives the same result. At most INT_MAX bytes
 * are looked at per call.
 */
int h1_chunk_parse(struct h1_chunk *ck, const char *buf, size_t len,
                   struct h1_span *data);

/* Returns 1 while the trailer section is parsed: the last chunk was
 * consumed, the final CRLF not yet. The next byte given to
 * h1_chunk_parse() then belongs to that section (a proxy forwarding the
 * trailers in another form collects them so).
 */
int h1_chunk_in_trailers(const struct h1_chunk *ck);

/* Returns 1 once the last chunk and the trailer section were consumed. */
static inline int h1_chunk_done(const struct h1_chunk *ck)
{
	return ck->state == H1_CK_DONE;
}

/* Returns the status code the proxy answers a client whose request failed
 * with <err> (400, 413, 414, 431, 501 or 505), 400 for unknown codes.
 */
int h1_err_status(int err);

/* Returns 1 if the <len> bytes at <t> form a request-target the parser
 * accepts for method <m> (its characters, and its form: origin, asterisk
 * for OPTIONS, authority for CONNECT only, absolute), else 0. For
 * rewrites, so that no edited request is one a server could read
 * differently.
 */
int h1_target_valid(enum h1_meth m, const char *t, size_t len);

/* Returns how many of the <len> bytes at <v> are field-value chars
 * (VCHAR, obs-text, SP, HTAB: RFC 9110 5.5, what the parser accepts in a
 * field value), 16 at a time: <len> when all are.
 */
size_t h1_fval_span(const char *v, size_t len);

/* Schemes of an absolute-form target, as far as default ports go. */
#define H1_SCHEME_NONE   0  /* no scheme (a CONNECT authority) */
#define H1_SCHEME_HTTP   1
#define H1_SCHEME_HTTPS  2
#define H1_SCHEME_OTHER  3

/* Finds the authority of the absolute-form target <t> of <len> bytes
 * ("scheme://[userinfo@]authority[/?#...]"): returns its offset (after any
 * userinfo) and sets *<alen> to its length and *<scheme> to H1_SCHEME_*,
 * or returns -1 if <t> has no "scheme://".
 */
int h1_target_authority(const uint8_t *t, uint32_t len, int *scheme, uint32_t *alen);

/* Returns 1 if the port <p> of <plen> bytes is a default port of scheme
 * <scheme> (H1_SCHEME_*) as HAProxy's http_is_default_port(): an empty
 * port (<plen> 0) always, 80 for http, 443 for https, either for
 * H1_SCHEME_NONE; 0 otherwise and for <plen> < 0 (no port).
 */
int h1_default_port(int scheme, const uint8_t *p, int plen);

/* Splits the authority <a> of <len> bytes as HAProxy's http_get_host_port():
 * the port is the digits after a final ':'. Sets *<hostlen> to the length
 * before ":port" and returns the port's length (0: an empty port after
 * ':'), or -1 if there is no port (*<hostlen> is then <len>).
 */
int h1_host_port(const uint8_t *a, uint32_t len, uint32_t *hostlen);

/* Returns a short constant description of <err> ("unknown" if none). */
const char *h1_err_str(int err);

/* Returns 1 if the field name <name> of <len> bytes equals <lc>, a lower
 * case name of the same length, ignoring case, else 0.
 */
int h1_name_eq(const char *name, size_t len, const char *lc, size_t lclen);

/* Returns 1 if the field name <name> of <len> bytes is one of the fields
 * that only concern one HTTP/1.x connection and that HTTP/2 forbids (RFC
 * 9113 8.2.2): Connection, Keep-Alive, Proxy-Connection,
 * Transfer-Encoding, Upgrade. (TE, allowed with "trailers" only, is the
 * caller's.) Used by both HTTP/2 muxes.
 */
int h1_conn_specific(const char *name, size_t len);

#endif /* TOLLGATE_H1_H */
