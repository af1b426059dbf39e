/*
 * Conversions between HTTP/2 fields and HTTP/1.1 bytes for the client mux
 * (h2_fe_int.h). Pure functions over their arguments: no connection, no
 * stream, no thread state.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "h2_fe_int.h"

/* ---- growing buffers ---- */

/* Where h2b storage comes from: the C library's until the mux sets the
 * project's pools (h2b_set_allocator()); pure users (tests, the fuzzer)
 * keep the default.
 */
static void *(*h2b_realloc)(void *ptr, size_t size) = realloc;
static void (*h2b_release)(void *ptr) = free;

void h2b_set_allocator(void *(*re)(void *ptr, size_t size), void (*rel)(void *ptr))
{
	h2b_realloc = re;
	h2b_release = rel;
}

/* Makes room for <len> more bytes at the end of <b> (compacting, then
 * growing). Returns where they go, or NULL (no memory).
 */
static char *h2b_reserve(struct h2b *b, size_t len)
{
	if (b->end + len > b->cap) {
		size_t held = h2b_len(b);

		if (b->head) {
			memmove(b->p, b->p + b->head, held);
			b->head = 0;
			b->end = held;
		}
		if (held + len > b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 256;
			char *p;

			while (cap < held + len)
				cap *= 2;
			p = h2b_realloc(b->p, cap);
			if (!p)
				return NULL;
			b->p = p;
			b->cap = cap;
		}
	}
	return b->p + b->end;
}

int h2b_put(struct h2b *b, const char *src, size_t len)
{
	char *d;

	if (!len)
		return 0;
	d = h2b_reserve(b, len);
	if (!d)
		return -1;
	memcpy(d, src, len);
	b->end += len;
	return 0;
}

int h2b_puts(struct h2b *b, const char *str)
{
	return h2b_put(b, str, strlen(str));
}

void h2b_del(struct h2b *b, size_t n)
{
	if (n >= h2b_len(b))
		b->head = b->end = 0;
	else
		b->head += n;
}

size_t h2b_get(struct h2b *b, char *dst, size_t len)
{
	size_t n = h2b_len(b) < len ? h2b_len(b) : len;

	if (n)
		memcpy(dst, h2b_peek(b), n);
	h2b_del(b, n);
	return n;
}

void h2b_truncate(struct h2b *b, size_t len)
{
	if (len < h2b_len(b))
		b->end = b->head + len;
}

void h2b_free(struct h2b *b)
{
	h2b_release(b->p);
	b->p = NULL;
	b->head = b->end = b->cap = 0;
}

/* ---- requests: HTTP/2 fields to HTTP/1.1 ---- */

static int name_is(const char *name, size_t nlen, const char *lc)
{
	return strlen(lc) == nlen && !memcmp(name, lc, nlen);
}

/* Appends "name: value\r\n" to <b>. */
static int put_field(struct h2b *b, const char *name, size_t nlen, const char *value, size_t vlen)
{
	char *d = h2b_reserve(b, nlen + vlen + 4);

	if (!d)
		return -1;
	memcpy(d, name, nlen);
	d += nlen;
	*d++ = ':';
	*d++ = ' ';
	memcpy(d, value, vlen);
	d += vlen;
	*d++ = '\r';
	*d = '\n';
	b->end += nlen + vlen + 4;
	return 0;
}

static const char *pse(const struct h2_req *r, const struct h2_span *sp)
{
	const char *b = h2b_peek(&r->pse);

	return b ? b + sp->off : "";
}

static enum h1_meth meth_of(const char *m, size_t len)
{
	switch (len) {
	case 3:
		return !memcmp(m, "GET", 3) ? H1_METH_GET : !memcmp(m, "PUT", 3) ? H1_METH_PUT : H1_METH_OTHER;
	case 4:
		return !memcmp(m, "POST", 4) ? H1_METH_POST : !memcmp(m, "HEAD", 4) ? H1_METH_HEAD : H1_METH_OTHER;
	case 5:
		return !memcmp(m, "TRACE", 5) ? H1_METH_TRACE : !memcmp(m, "PATCH", 5) ? H1_METH_PATCH : H1_METH_OTHER;
	case 6:
		return !memcmp(m, "DELETE", 6) ? H1_METH_DELETE : H1_METH_OTHER;
	case 7:
		return !memcmp(m, "CONNECT", 7) ? H1_METH_CONNECT :
		       !memcmp(m, "OPTIONS", 7) ? H1_METH_OPTIONS : H1_METH_OTHER;
	default:
		return H1_METH_OTHER;
	}
}

/* Writes the request line and the Host to <out> once the pseudo-headers
 * are known (they come first: nghttp2 checks it). 0 or -1.
 */
static int req_line(struct h2_req *r, struct h2b *out)
{
	const struct h2_span *target;
	size_t mlen, len;
	char *d;
	int abs;

	if (r->line_done)
		return 0;
	r->line_done = 1;
	r->meth = meth_of(pse(r, &r->m), r->m.len);
	if (r->meth == H1_METH_CONNECT && r->pr.len)
		r->meth = H1_METH_GET;   /* extended CONNECT: GET + Upgrade */
	target = r->meth == H1_METH_CONNECT ? &r->a : &r->p;
	if (!r->m.len || !target->len)
		return -1;
	/* the line in one piece: method, target (absolute form when there
	 * is an authority), version
	 */
	mlen = r->pr.len ? 3 : r->m.len;
	abs = r->meth != H1_METH_CONNECT && r->a.len && r->sc.len && pse(r, target)[0] == '/';
	len = mlen + 1 + (abs ? r->sc.len + 3 + r->a.len : 0) + target->len + 11;
	d = h2b_reserve(out, len);
	if (!d)
		return -1;
	memcpy(d, r->pr.len ? "GET" : pse(r, &r->m), mlen);
	d += mlen;
	*d++ = ' ';
	if (abs) {
		memcpy(d, pse(r, &r->sc), r->sc.len);
		d += r->sc.len;
		memcpy(d, "://", 3);
		memcpy(d + 3, pse(r, &r->a), r->a.len);
		d += 3 + r->a.len;
	}
	memcpy(d, pse(r, target), target->len);
	memcpy(d + target->len, " HTTP/1.1\r\n", 11);
	out->end += len;
	if (r->a.len && put_field(out, "host", 4, pse(r, &r->a), r->a.len) < 0)
		return -1;
	if (r->pr.len && (put_field(out, "upgrade", 7, pse(r, &r->pr), r->pr.len) < 0 ||
	                  h2b_puts(out, "connection: upgrade\r\n") < 0))
		return -1;
	return 0;
}

/* RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static int scheme_ok(const char *v, size_t len)
{
	if (!len || !isalpha((unsigned char)v[0]))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '+' && v[i] != '-' && v[i] != '.')
			return 0;
	return 1;
}

/* Parses a content-length value: digits only, 0 or -1. */
static int cl_parse(const char *v, size_t len, int64_t *out)
{
	int64_t n = 0;

	if (!len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9' || n > (INT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	*out = n;
	return 0;
}

static int pseudo_check(struct h2_req *r, const char *name, size_t nlen, const char *value, size_t vlen)
{
	const uint8_t *v = (const uint8_t *)value;
	unsigned int bit;
	int ok;

	if (name_is(name, nlen, ":method")) {
		bit = H2_PH_METHOD;
		ok = nghttp2_check_method(v, vlen);
	} else if (name_is(name, nlen, ":scheme")) {
		bit = H2_PH_SCHEME;
		ok = scheme_ok(value, vlen);
	} else if (name_is(name, nlen, ":authority")) {
		bit = H2_PH_AUTHORITY;
		ok = nghttp2_check_authority(v, vlen);
	} else if (name_is(name, nlen, ":protocol")) {
		bit = H2_PH_PROTOCOL;   /* RFC 8441: SETTINGS_ENABLE_CONNECT_PROTOCOL */
		ok = vlen && nghttp2_check_header_value(v, vlen) && !memchr(value, ' ', vlen) &&
		     !memchr(value, ',', vlen);
	} else if (name_is(name, nlen, ":path")) {
		bit = H2_PH_PATH;
		/* as HAProxy: "/..." or "*" (RFC 9113 8.3.1) */
		ok = vlen && (v[0] == '/' || (vlen == 1 && v[0] == '*')) && nghttp2_check_path(v, vlen);
	} else {
		return -1;   /* unknown */
	}
	if (!ok || (r->seen & (bit | H2_PH_REGULAR)))
		return -1;
	r->seen |= bit;
	return 0;
}

int h2_req_check(struct h2_req *r, const char *name, size_t nlen, const char *value, size_t vlen)
{
	if (nlen && name[0] == ':')
		return pseudo_check(r, name, nlen, value, vlen);
	r->seen |= H2_PH_REGULAR;
	/* the value's chars are nghttp2_check_header_value()'s (unit test) */
	if (!nghttp2_check_header_name((const uint8_t *)name, nlen) || h1_fval_span(value, vlen) != vlen)
		return -1;
	if (h1_conn_specific(name, nlen) || (name_is(name, nlen, "te") && !(vlen == 8 && !memcmp(value, "trailers", 8))))
		return -1;
	if (name_is(name, nlen, "content-length")) {
		int64_t cl;

		if (cl_parse(value, vlen, &cl) < 0 || (r->cl >= 0 && r->cl != cl))
			return -1;
		r->cl = cl;
	}
	return 0;
}

int h2_req_check_end(const struct h2_req *r)
{
	unsigned int ph = r->seen & ~H2_PH_REGULAR;
	const char *b = h2b_peek(&r->pse);

	if (!(ph & H2_PH_METHOD) || !b)
		return -1;
	if (ph & H2_PH_PROTOCOL) {
		const char *pr = b + r->pr.off;

		if (meth_of(b + r->m.off, r->m.len) != H1_METH_CONNECT ||
		    ph != (H2_PH_METHOD | H2_PH_SCHEME | H2_PH_AUTHORITY | H2_PH_PATH | H2_PH_PROTOCOL))
			return -1;
		if ((r->pr.len == 2 && !strncasecmp(pr, "h2", 2)) || (r->pr.len == 3 && !strncasecmp(pr, "h2c", 3)))
			return -1;
		return 0;
	}
	if (meth_of(b + r->m.off, r->m.len) == H1_METH_CONNECT)
		return ph == (H2_PH_METHOD | H2_PH_AUTHORITY) ? 0 : -1;
	return (ph & (H2_PH_SCHEME | H2_PH_PATH)) == (H2_PH_SCHEME | H2_PH_PATH) ? 0 : -1;
}

int h2_trailer_check(const char *name, size_t nlen, const char *value, size_t vlen)
{
	if (!nlen || name[0] == ':')
		return -1;
	return nghttp2_check_header_name((const uint8_t *)name, nlen) &&
	       nghttp2_check_header_value((const uint8_t *)value, vlen) ? 0 : -1;
}

int h2_req_add(struct h2_req *r, struct h2b *out, const char *name, size_t nlen, const char *value, size_t vlen,
               size_t limit)
{
	if (h2b_len(out) + h2b_len(&r->pse) + h2b_len(&r->cookie) + nlen + vlen + 4 > limit)
		return -1;
	if (nlen && name[0] == ':') {
		struct h2_span *sp = name_is(name, nlen, ":method") ? &r->m : name_is(name, nlen, ":path") ? &r->p :
		                     name_is(name, nlen, ":authority") ? &r->a :
		                     name_is(name, nlen, ":scheme") ? &r->sc :
		                     name_is(name, nlen, ":protocol") ? &r->pr : NULL;

		if (!sp || r->line_done)
			return 0;
		sp->off = (uint32_t)h2b_len(&r->pse);
		sp->len = (uint32_t)vlen;
		return h2b_put(&r->pse, value, vlen);
	}
	if (req_line(r, out) < 0)
		return -1;
	if (name_is(name, nlen, "cookie")) {
		/* RFC 9113 8.2.3: split cookies are joined for HTTP/1.1 */
		if (h2b_len(&r->cookie) && h2b_put(&r->cookie, "; ", 2) < 0)
			return -1;
		return h2b_put(&r->cookie, value, vlen);
	}
	if (name_is(name, nlen, "host") && r->a.len)
		return 0;   /* :authority is the Host */
	if (name_is(name, nlen, "content-length"))
		r->has_cl = 1;
	return put_field(out, name, nlen, value, vlen);
}

int h2_req_add_trailer(struct h2_req *r, const char *name, size_t nlen, const char *value, size_t vlen,
                       size_t limit)
{
	if (h2b_len(&r->trl) + nlen + vlen + 4 > limit)
		return -1;
	return put_field(&r->trl, name, nlen, value, vlen);
}

int h2_req_build(struct h2_req *r, int es, struct h2b *out)
{
	int flags = 0;

	if (req_line(r, out) < 0)
		return -1;
	if (h2b_len(&r->cookie) && put_field(out, "cookie", 6, h2b_peek(&r->cookie), h2b_len(&r->cookie)) < 0)
		return -1;
	if (r->pr.len)
		flags |= H2_REQ_UPGRADE;   /* no body: the DATA are the tunnel's */
	else if (!es && !r->has_cl && r->meth != H1_METH_CONNECT) {
		/* a body of unknown length: chunks, and the trailers at the end */
		if (h2b_puts(out, "transfer-encoding: chunked\r\n") < 0)
			return -1;
		flags |= H2_REQ_CHUNKED;
	}
	if (h2b_puts(out, "\r\n") < 0)
		return -1;
	h2b_reset(&r->pse);   /* its storage stays for a next request (h2_req_free()) */
	h2b_free(&r->cookie);
	return flags;
}

int h2_req_data(struct h2b *out, int chunked, const char *data, size_t len)
{
	char line[24];

	if (!len)
		return 0;
	if (!chunked)
		return h2b_put(out, data, len);
	snprintf(line, sizeof(line), "%zx\r\n", len);
	return h2b_puts(out, line) || h2b_put(out, data, len) || h2b_put(out, "\r\n", 2) ? -1 : 0;
}

int h2_req_end_chunked(struct h2_req *r, struct h2b *out)
{
	if (h2b_puts(out, "0\r\n") || h2b_put(out, h2b_peek(&r->trl), h2b_len(&r->trl)) || h2b_puts(out, "\r\n"))
		return -1;
	h2b_free(&r->trl);
	return 0;
}

void h2_req_free(struct h2_req *r)
{
	h2b_free(&r->pse);
	h2b_free(&r->cookie);
	h2b_free(&r->trl);
}

/* ---- responses: HTTP/1.1 to HTTP/2 fields ---- */

/* A field list under construction: the nv array, then the strings. */
struct nv_out {
	nghttp2_nv *nv;   /* the block */
	size_t nb;        /* entries used */
	char *str;        /* next free byte of the string area */
};

/* Returns 1 if the <len> bytes at <s> hold an upper-case ASCII letter:
 * eight at a time (a name is mostly one or two words of them).
 */
static int has_upper(const char *s, size_t len)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL, hi = 0x8080808080808080ULL;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t x, y;

		memcpy(&x, s + i, 8);
		/* per byte: >= 'A' (+0x3f sets bit 7), not > 'Z' (+0x25 does not), ASCII */
		y = x & lo7;
		if ((y + 0x3f3f3f3f3f3f3f3fULL) & ~(y + 0x2525252525252525ULL) & ~x & hi)
			return 1;
	}
	for (; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return 1;
	return 0;
}

/* Adds a field whose bytes stay where they are until the list is
 * submitted (nghttp2 copies them): only a name with upper case is
 * written, lower-cased, in the string area.
 */
static void nv_add(struct nv_out *o, const char *name, size_t nlen, const char *value, size_t vlen)
{
	nghttp2_nv *e = &o->nv[o->nb++];

	if (has_upper(name, nlen)) {
		for (size_t i = 0; i < nlen; i++)
			o->str[i] = (char)tolower((unsigned char)name[i]);
		name = o->str;
		o->str += nlen;
	}
	e->name = (uint8_t *)(uintptr_t)name;
	e->namelen = nlen;
	e->value = (uint8_t *)(uintptr_t)value;
	e->valuelen = vlen;
	e->flags = NGHTTP2_NV_FLAG_NONE;
}

int h2_res_nv(const struct h1_msg *res, const char *buf, void *area, size_t size, nghttp2_nv **nv)
{
	size_t strsz = 16;
	struct nv_out o;
	char *status;

	for (uint32_t i = 0; i < res->nb_hdrs; i++)
		strsz += res->hdrs[i].n.len + res->hdrs[i].v.len;
	if ((res->nb_hdrs + 1) * sizeof(nghttp2_nv) + strsz > size)
		return -1;
	o.nv = area;
	o.nb = 0;
	o.str = (char *)(o.nv + res->nb_hdrs + 1);
	/* the status in the area: h2s_submit_head() may rewrite it */
	status = o.str;
	o.str += 3;
	status[0] = (char)('0' + res->status / 100 % 10);
	status[1] = (char)('0' + res->status / 10 % 10);
	status[2] = (char)('0' + res->status % 10);
	o.nv[0] = (nghttp2_nv){ (uint8_t *)(uintptr_t)":status", (uint8_t *)status, 7, 3, NGHTTP2_NV_FLAG_NONE };
	o.nb = 1;
	for (uint32_t i = 0; i < res->nb_hdrs; i++) {
		const struct h1_hdr *h = &res->hdrs[i];

		if (h1_conn_specific(buf + h->n.off, h->n.len))
			continue;
		nv_add(&o, buf + h->n.off, h->n.len, buf + h->v.off, h->v.len);
	}
	*nv = o.nv;
	return (int)o.nb;
}

int h2_trailers_nv(const struct h2b *trl, nghttp2_nv **nv)
{
	const char *p = h2b_peek(trl), *end;
	size_t lines = 0;
	struct nv_out o;

	if (!p) {
		*nv = NULL;
		return 0;
	}
	end = p + h2b_len(trl);

	for (const char *q = p; q < end; q++)
		lines += *q == '\n';
	o.nv = malloc(lines * sizeof(nghttp2_nv) + h2b_len(trl) + 1);
	if (!o.nv)
		return -1;
	o.nb = 0;
	o.str = (char *)(o.nv + lines);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *colon, *v, *ve;

		if (!eol)
			break;
		ve = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		colon = memchr(p, ':', (size_t)(ve - p));
		if (colon && colon > p) {
			v = colon + 1;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			if (!h1_conn_specific(p, (size_t)(colon - p)))
				nv_add(&o, p, (size_t)(colon - p), v, (size_t)(ve - v));
		}
		p = eol + 1;
	}
	*nv = o.nv;
	return (int)o.nb;
}
