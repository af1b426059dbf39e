/*
 * Internals of the HTTP/2 client mux shared by h2_fe.c (the connection and
 * its streams) and h2_fe_conv.c (pure conversions between HTTP/2 fields and
 * HTTP/1.1 bytes, unit-tested). Not a public interface.
 *
 * Return conventions: 0 or a count on success, -1 when a limit is passed
 * or memory is short (the caller resets the stream).
 */
#ifndef TOLLGATE_H2_FE_INT_H
#define TOLLGATE_H2_FE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>

#include <tollgate/h1.h>

/* A linear byte buffer that grows on demand, read from its head. Its
 * storage comes from the allocator set by h2b_set_allocator() (the C
 * library's by default).
 */
struct h2b {
	char *p;       /* storage, or NULL */
	size_t head;   /* offset of the first byte held */
	size_t end;    /* offset past the last byte held */
	size_t cap;    /* bytes allocated */
};

static inline size_t h2b_len(const struct h2b *b)
{
	return b->end - b->head;
}

/* First byte held (valid until the next put), NULL before any was. */
static inline char *h2b_peek(const struct h2b *b)
{
	return b->p ? b->p + b->head : NULL;
}

static inline void h2b_reset(struct h2b *b)
{
	b->head = b->end = 0;
}

/* Appends <len> bytes. 0 or -1 (no memory). */
int h2b_put(struct h2b *b, const char *src, size_t len);

/* Appends a NUL-terminated string. 0 or -1. */
int h2b_puts(struct h2b *b, const char *str);

/* Drops <n> bytes from the head (at most what is held). */
void h2b_del(struct h2b *b, size_t n);

/* Copies up to <len> bytes from the head into <dst> and drops them.
 * Returns the bytes copied.
 */
size_t h2b_get(struct h2b *b, char *dst, size_t len);

/* Keeps only the first <len> bytes held. */
void h2b_truncate(struct h2b *b, size_t len);

void h2b_free(struct h2b *b);

/* Makes every h2b allocate with <re> (realloc()'s contract) and free with
 * <rel>. Set once at start-up, before any h2b holds storage: storage is
 * freed by the allocator that gave it.
 */
void h2b_set_allocator(void *(*re)(void *ptr, size_t size), void (*rel)(void *ptr));

/* A span of h2_req.pse. */
struct h2_span {
	uint32_t off;         /* offset */
	uint32_t len;         /* length, 0: absent */
};

/* A request head as HTTP/2 fields arrive: the pseudo-headers are kept
 * until the first regular field (they come first), then the head is
 * written to the caller's output as HTTP/1.1 field by field.
 */
struct h2_req {
	struct h2b pse;       /* the pseudo-headers' values */
	struct h2_span m;     /* :method */
	struct h2_span p;     /* :path */
	struct h2_span a;     /* :authority */
	struct h2_span sc;    /* :scheme */
	struct h2_span pr;    /* :protocol (RFC 8441 extended CONNECT) */
	struct h2b cookie;    /* cookie fields joined with "; " */
	struct h2b trl;       /* trailer fields as "name: value\r\n" */
	int line_done;        /* the request line is written */
	int has_cl;           /* content-length seen */
	enum h1_meth meth;    /* from :method once the line is written */
	unsigned int seen;    /* H2_PH_* pseudo-headers checked so far */
	int64_t cl;           /* content-length checked, -1: none */
};

/* h2_req.seen: the pseudo-headers met, and whether a regular field came */
#define H2_PH_METHOD    0x01U
#define H2_PH_SCHEME    0x02U
#define H2_PH_AUTHORITY 0x04U
#define H2_PH_PATH      0x08U
#define H2_PH_PROTOCOL  0x10U
#define H2_PH_REGULAR   0x20U   /* a regular field came: no more pseudo-headers */

/* Starts the checks of a request head: h2_req_check() and friends. */
static inline void h2_req_init(struct h2_req *r)
{
	r->cl = -1;
}

/* Checks one field of a request head as RFC 9113 8.2-8.3 asks (and as
 * HAProxy's HTTP/2 decoder does), before h2_req_add(): a valid lower-case
 * name and a value without NUL/CR/LF; pseudo-headers known, each once,
 * before the regular fields, their values well formed; no
 * connection-specific field (connection, keep-alive, proxy-connection,
 * transfer-encoding, upgrade; te other than "trailers"); content-length
 * digits, repeated only with the same value. 0, or -1: the request is
 * malformed (the stream is reset, PROTOCOL_ERROR).
 */
int h2_req_check(struct h2_req *r, const char *name, size_t nlen, const char *value, size_t vlen);

/* Checks the request head is complete: :method; CONNECT has :authority
 * and neither :scheme nor :path; any other method :scheme and :path (an
 * :authority or a Host is not required, as HAProxy). An extended CONNECT
 * (:protocol, RFC 8441) has all four, and a protocol other than "h2" or
 * "h2c" (as HAProxy). 0 or -1.
 */
int h2_req_check_end(const struct h2_req *r);

/* Checks one trailer field: a valid name and value, no pseudo-header.
 * 0 or -1.
 */
int h2_trailer_check(const char *name, size_t nlen, const char *value, size_t vlen);

/* h2_req_build() result flags: the body goes chunked; the request is an
 * extended CONNECT (RFC 8441), a GET with Upgrade whose 101 opens a tunnel.
 */
#define H2_REQ_CHUNKED 0x1
#define H2_REQ_UPGRADE 0x2

/* Adds the field <name>: <value> of a request head (an extended CONNECT
 * becomes, as in HAProxy, a GET with "upgrade: <:protocol>" and
 * "connection: upgrade") (pseudo-header or
 * regular; names are lower case, as HTTP/2 wants and nghttp2 checks),
 * writing to <out> as HTTP/1.1: at the first regular field, the request
 * line from :method and, as HAProxy's HTTP/2 requests, the absolute-form
 * target ":scheme://:authority:path" (origin-form without an authority;
 * CONNECT: the authority), and Host from :authority (a host field is then
 * dropped); then each field (cookies are kept to be joined). The head may
 * not exceed <limit> bytes. 0 or -1 (too large, no :method or target, no
 * memory).
 */
int h2_req_add(struct h2_req *r, struct h2b *out, const char *name, size_t nlen, const char *value, size_t vlen,
               size_t limit);

/* Adds a trailer field (a chunked request body's trailer section). 0 or -1. */
int h2_req_add_trailer(struct h2_req *r, const char *name, size_t nlen, const char *value, size_t vlen,
                       size_t limit);

/* Ends the request head in <out>: the request line if no regular field
 * came, the cookies in one field, and when a body follows (<es> 0)
 * without a content-length, Transfer-Encoding: chunked. Returns the
 * H2_REQ_* flags (>= 0), or -1.
 */
int h2_req_build(struct h2_req *r, int es, struct h2b *out);

/* Appends request body bytes to <out>: as one chunk when <chunked>. 0 or -1. */
int h2_req_data(struct h2b *out, int chunked, const char *data, size_t len);

/* Appends the end of a chunked body to <out>: the last chunk and the
 * trailers. 0 or -1.
 */
int h2_req_end_chunked(struct h2_req *r, struct h2b *out);

/* Frees the storage of <r>'s buffers (h2_req_build() empties the
 * pseudo-headers' but keeps its storage, for a next request).
 */
void h2_req_free(struct h2_req *r);

/* Builds the HTTP/2 fields of the parsed HTTP/1.1 response head <res>
 * whose bytes start at <buf>: ":status", then the fields with lower-cased
 * names, without the connection-specific ones (connection, keep-alive,
 * proxy-connection, transfer-encoding, upgrade), in the <size> bytes at
 * <area> (the array, then the status and the names that had upper case),
 * *<nv> pointing there. The values and the lower-case names point into
 * <buf>: submit the fields (nghttp2 copies them) before <buf> changes.
 * Returns the count, or -1 when <area> is too small.
 */
int h2_res_nv(const struct h1_msg *res, const char *buf, void *area, size_t size, nghttp2_nv **nv);

/* Builds the HTTP/2 fields of a chunked body's trailer section <trl>
 * ("name: value\r\n"... then "\r\n"), names lower-cased. Sets *<nv> (the
 * caller frees it; the values point into <trl>). Returns the count (0:
 * none), or -1.
 */
int h2_trailers_nv(const struct h2b *trl, nghttp2_nv **nv);

#endif /* TOLLGATE_H2_FE_INT_H */
