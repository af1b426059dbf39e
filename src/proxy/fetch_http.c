/*
 * Sample fetches of HTTP transactions, with HAProxy's names and meanings
 * (configuration.txt 7.3.6); doc/fragments/http-fetches.md lists them.
 *
 *   method, path, pathq, url, query, base, url_param/urlp, urlp_val,
 *   req.ver, status, res.ver                     start lines
 *   hdr, req.hdr, req.fhdr, res.hdr/shdr, res.fhdr,
 *   *hdr_cnt, *fhdr_cnt, *hdr_ip, *hdr_val       header fields
 *   req.cook/cook, res.cook/scook, *cook_cnt, *cook_val,
 *   req.cook_names, res.cook_names               cookies
 *   req.body, req.body_len, req.body_size, req.body_param,
 *   res.body, res.body_len, res.body_size         bodies (http_txn_body())
 *
 * Every fetch reads the transaction handed in sample_ctx.txn: a request
 * fetch finds nothing unless TX_HAS_REQ is set, a response fetch unless
 * TX_HAS_RES is. Without a transaction (mode tcp: tcp-request content
 * rules, use_backend, logs), a request fetch reads the head at the start
 * of the stream's request buffer, parsed on each call and left in place
 * (http_tcp_req_head(), fetch_payload.c), as HAProxy's fetches do there. Strings point into the head (received bytes or the head's
 * arena) or into the thread's scratch area; nothing is allocated.
 *
 * Multiple values. Where HAProxy returns one value from a list (the last
 * header value, the last cookie of that name) but lets ACLs try every
 * value, the fetch returns that value first and sets SMP_F_NOT_LAST while
 * others remain; sample_eval_next() then walks the list backwards, so a
 * plain evaluation gets HAProxy's value and an ACL sees them all. The
 * iteration state is the number of values already returned (smp->fctx.u);
 * each step re-walks the fields: O(fields + bytes) per value, so O(n^2)
 * for an ACL trying all n values of a head (n <= tune.http.maxhdr + extra).
 *
 * hdr() reads the response once one was parsed (http-response rules),
 * else the request: the sample context carries no direction, and the
 * response exists only when response rules run.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <tollgate/addr.h>
#include <tollgate/errmsg.h>
#include <tollgate/hash.h>
#include <tollgate/http_msg.h>
#include <tollgate/http_txn.h>
#include <tollgate/sample.h>
#include <tollgate/stream-t.h>

/* ---- where a fetch reads ---- */

#define HF_REQ   0x1U   /* the request */
#define HF_RES   0x2U   /* the response; with HF_REQ: the response if there, else the request */

/* The per-keyword data of the header and cookie fetches. */
struct hfetch {
	unsigned int dir;   /* HF_* */
	int full;           /* whole field values (fhdr): no split at commas */
};

static const struct hfetch hf_req = { HF_REQ, 0 };
static const struct hfetch hf_req_full = { HF_REQ, 1 };
static const struct hfetch hf_res = { HF_RES, 0 };
static const struct hfetch hf_res_full = { HF_RES, 1 };
static const struct hfetch hf_any = { HF_REQ | HF_RES, 0 };

static struct http_txn *ctx_txn(const struct sample_ctx *ctx)
{
	return ctx ? ctx->txn : NULL;
}

/* The request head of the transaction, or NULL if none was parsed. On a
 * stream that the HTTP engine does not run (mode tcp), the head at the
 * start of the request buffer, parsed on the fly; without one yet, NULL
 * with SMP_F_MAY_CHANGE on <smp> while more bytes may complete it.
 */
static const struct http_head *req_head(struct sample *smp, const struct sample_ctx *ctx)
{
	const struct http_txn *txn = ctx_txn(ctx);

	if (!txn)
		return http_tcp_req_head(smp, ctx);
	return txn->flags & TX_HAS_REQ ? &txn->req : NULL;
}

/* The response head of the transaction, or NULL if none was parsed. */
static const struct http_head *res_head(const struct sample_ctx *ctx)
{
	const struct http_txn *txn = ctx_txn(ctx);

	return txn && (txn->flags & TX_HAS_RES) ? &txn->res : NULL;
}

/* The head a keyword of direction <dir> (HF_*) reads, or NULL. */
static const struct http_head *dir_head(unsigned int dir, struct sample *smp, const struct sample_ctx *ctx)
{
	if (dir == HF_REQ)
		return req_head(smp, ctx);
	if (dir == HF_RES)
		return res_head(ctx);
	return res_head(ctx) ? res_head(ctx) : req_head(smp, ctx);
}

/* The optional name argument <a>: sets *<len> (0 when absent or empty). */
static const char *arg_name(const struct sample_arg *a, size_t *len)
{
	if (a->type != SMP_ARGT_STR || !a->data.str.len) {
		*len = 0;
		return NULL;
	}
	*len = a->data.str.len;
	return a->data.str.ptr;
}

/* Chooses which of <cnt> values to return. An explicit occurrence <occ>
 * (1 = first, -1 = last) gives one value. Without one (0), iterates from
 * the last value backwards when <backwards>, else from the first, keeping
 * the count returned so far in smp->fctx.u and setting SMP_F_NOT_LAST while
 * values remain. Returns the 0-based index, or -1 if there is none.
 */
static long pick_value(struct sample *smp, int64_t occ, size_t cnt, int backwards)
{
	uint64_t k;

	if (occ > 0)
		return (uint64_t)occ <= cnt ? (long)(occ - 1) : -1;
	if (occ < 0)
		return occ >= -(int64_t)cnt ? (long)((int64_t)cnt + occ) : -1;
	k = smp->fctx.u;
	if (k >= cnt)
		return -1;
	smp->fctx.u = k + 1;
	if (k + 1 < cnt)
		smp->flags |= SMP_F_NOT_LAST;
	return backwards ? (long)(cnt - 1 - k) : (long)k;
}

/* ---- fetches of one value from a list ---- */

/* Walks the values a header or cookie keyword (data <hf>) reads in <hh>,
 * those named <name> (<nlen> bytes; all when 0). Stores value number
 * <want> (0-based) in *<v> and *<vlen> if it exists. Returns the number of
 * values.
 */
typedef size_t (*value_walk_fn)(const struct http_head *hh, const struct hfetch *hf, const char *name,
				size_t nlen, size_t want, const char **v, size_t *vlen);

/* Finds the value of the head of keyword data smp->kw_private named by
 * args[0] that the fetch must return, walking with <walk>; <occ> and
 * <backwards> as pick_value() takes them. Sets *<v> and *<vlen> and
 * returns 1, or returns 0.
 */
static int value_pick(value_walk_fn walk, int64_t occ, int backwards, const struct sample_arg *args,
		      struct sample *smp, const struct sample_ctx *ctx, const char **v, size_t *vlen)
{
	const struct hfetch *hf = smp->kw_private;
	const struct http_head *hh = dir_head(hf->dir, smp, ctx);
	const char *name;
	size_t nlen, cnt;
	long idx;

	if (!hh)
		return 0;
	name = arg_name(&args[0], &nlen);
	cnt = walk(hh, hf, name, nlen, SIZE_MAX, v, vlen);
	idx = pick_value(smp, occ, cnt, backwards);
	if (idx < 0)
		return 0;
	walk(hh, hf, name, nlen, (size_t)idx, v, vlen);
	return 1;
}

/* Sets <smp> to the number of values <walk> finds (see value_pick()).
 * Returns 1, or 0 without the head.
 */
static int value_count(value_walk_fn walk, const struct sample_arg *args, struct sample *smp,
		       const struct sample_ctx *ctx)
{
	const struct hfetch *hf = smp->kw_private;
	const struct http_head *hh = dir_head(hf->dir, smp, ctx);
	const char *name, *v;
	size_t nlen, vlen;

	if (!hh)
		return 0;
	name = arg_name(&args[0], &nlen);
	sample_set_sint(smp, (int64_t)walk(hh, hf, name, nlen, SIZE_MAX, &v, &vlen));
	return 1;
}

/* Finds the value a fetch returns: sets *<v> and *<vlen> and returns 1,
 * or returns 0 (hdr_pick(), cookie_pick(), urlp_pick()).
 */
typedef int (*pick_fn)(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx,
		       const char **v, size_t *vlen);

/* Sets <smp> to the value <pick> finds: the string, or when <as_int> the
 * string cast to an integer (no sample if it is none). Returns 1 or 0.
 */
static int set_picked(pick_fn pick, int as_int, const struct sample_arg *args, struct sample *smp,
		      const struct sample_ctx *ctx)
{
	const char *v;
	size_t vlen;

	if (!pick(args, smp, ctx, &v, &vlen))
		return 0;
	sample_set_str(smp, v, vlen);
	return as_int ? sample_cast(smp, SMP_T_SINT) : 1;
}

/* ---- header fields ---- */

/* A value_walk_fn: the values of the fields of <hh> named <name> (<nlen>
 * bytes, any case; every field when <nlen> is 0), split at commas outside
 * quotes unless hf->full. O(fields + value bytes).
 */
static size_t hdr_walk(const struct http_head *hh, const struct hfetch *hf, const char *name, size_t nlen,
		       size_t want, const char **v, size_t *vlen)
{
	size_t n = 0;

	for (uint32_t i = 0; i < hh->nf; i++) {
		const struct http_field *f = &hh->f[i];
		const char *e;
		size_t el, pos = 0;

		if (!f->n || (nlen && (f->nlen != nlen || strncasecmp(f->n, name, nlen) != 0)))
			continue;
		if (hf->full) {
			if (n++ == want) {
				*v = f->v;
				*vlen = f->vlen;
			}
			continue;
		}
		while (http_value_next(f->v, f->vlen, &pos, &e, &el)) {
			if (n++ == want) {
				*v = e;
				*vlen = el;
			}
		}
	}
	return n;
}

/* A pick_fn: the last header value first, then the others for ACLs; the
 * occurrence args[1] picks one (1: first, -1: last).
 */
static int hdr_pick(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx,
		    const char **v, size_t *vlen)
{
	int64_t occ = args[1].type == SMP_ARGT_SINT ? args[1].data.sint : 0;

	return value_pick(hdr_walk, occ, 1, args, smp, ctx, v, vlen);
}

static int smp_hdr(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_picked(hdr_pick, 0, args, smp, ctx);
}

static int smp_hdr_cnt(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return value_count(hdr_walk, args, smp, ctx);
}

/* Parses <s> (<len> bytes) as HAProxy's hdr_ip() does: an IPv4 address,
 * optionally followed by ':' and a port (0-65535, dropped), or an IPv6
 * address, bare or in brackets. Fills <smp> and returns 1, or returns 0.
 */
static int parse_hdr_ip(const char *s, size_t len, struct sample *smp)
{
	char buf[INET6_ADDRSTRLEN + 2];
	const char *colon;

	if (!len || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';

	colon = strchr(buf, ':');
	if (colon && !strchr(colon + 1, ':') && buf[0] != '[') {
		/* IPv4 with a port */
		size_t plen = len - (size_t)(colon - buf) - 1;
		long port = 0;

		if (!plen || plen > 5)
			return 0;
		for (size_t i = 0; i < plen; i++) {
			if (colon[1 + i] < '0' || colon[1 + i] > '9')
				return 0;
			port = port * 10 + (colon[1 + i] - '0');
		}
		if (port > 65535)
			return 0;
		buf[colon - buf] = '\0';
	}
	if (inet_pton(AF_INET, buf, &smp->data.u.ipv4) == 1) {
		smp->data.type = SMP_T_IPV4;
		return 1;
	}
	if (buf[0] == '[') {
		if (len < 3 || buf[len - 1] != ']')
			return 0;
		buf[len - 1] = '\0';
		if (inet_pton(AF_INET6, buf + 1, &smp->data.u.ipv6) != 1)
			return 0;
		smp->data.type = SMP_T_IPV6;
		return 1;
	}
	if (inet_pton(AF_INET6, buf, &smp->data.u.ipv6) == 1) {
		smp->data.type = SMP_T_IPV6;
		return 1;
	}
	return 0;
}

/* A value that is no address gives no sample; an ACL goes on with the
 * next value (SMP_F_NOT_LAST stays set), as HAProxy's iteration does.
 */
static int smp_hdr_ip(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const char *v;
	size_t vlen;

	if (!hdr_pick(args, smp, ctx, &v, &vlen))
		return 0;
	return parse_hdr_ip(v, vlen, smp);
}

static int smp_hdr_val(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_picked(hdr_pick, 1, args, smp, ctx);
}

/* ---- cookies ---- */

/* A value_walk_fn: the cookies named <name> (<nlen> bytes, case-sensitive;
 * any when 0) of the Cookie fields of a request or the Set-Cookie fields
 * of a response (hf->dir HF_RES).
 */
static size_t cookie_walk(const struct http_head *hh, const struct hfetch *hf, const char *name, size_t nlen,
			  size_t want, const char **v, size_t *vlen)
{
	int res = hf->dir == HF_RES;
	const char *field = res ? "set-cookie" : "cookie";
	size_t n = 0, flen = strlen(field);
	int fpos = -1;

	while (http_hdr_next(hh, field, flen, &fpos) >= 0) {
		const struct http_field *f = &hh->f[fpos];
		const char *cn, *cv;
		size_t cnl, cvl, pos = 0;

		while (http_cookie_next(f->v, f->vlen, &pos, !res, &cn, &cnl, &cv, &cvl)) {
			if (nlen && (cnl != nlen || memcmp(cn, name, nlen) != 0))
				continue;
			if (n++ == want) {
				*v = cv;
				*vlen = cvl;
			}
		}
	}
	return n;
}

/* A pick_fn: the last cookie of that name first (the first cookie when no
 * name is given), then the others for ACLs, as HAProxy.
 */
static int cookie_pick(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx,
		       const char **v, size_t *vlen)
{
	size_t nlen;

	arg_name(&args[0], &nlen);
	return value_pick(cookie_walk, 0, nlen != 0, args, smp, ctx, v, vlen);
}

static int smp_cook(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_picked(cookie_pick, 0, args, smp, ctx);
}

static int smp_cook_val(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_picked(cookie_pick, 1, args, smp, ctx);
}

static int smp_cook_cnt(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return value_count(cookie_walk, args, smp, ctx);
}

/* req.cook_names([<delim>]), res.cook_names([<delim>]): the names of
 * every cookie, in order, separated by <delim> (default ",").
 */
static int smp_cook_names(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct hfetch *hf = smp->kw_private;
	const struct http_head *hh = hf->dir == HF_RES ? res_head(ctx) : req_head(smp, ctx);
	const char *field = hf->dir == HF_RES ? "set-cookie" : "cookie";
	const char *delim = args[0].type == SMP_ARGT_STR ? args[0].data.str.ptr : ",";
	size_t dl = strlen(delim), o = 0;
	char *out = sample_scratch();
	int fpos = -1;

	if (!hh)
		return 0;
	while (http_hdr_next(hh, field, strlen(field), &fpos) >= 0) {
		const struct http_field *f = &hh->f[fpos];
		const char *cn, *cv;
		size_t cnl, cvl, pos = 0;

		while (http_cookie_next(f->v, f->vlen, &pos, hf->dir != HF_RES, &cn, &cnl, &cv, &cvl)) {
			if (o + (o ? dl : 0) + cnl > SAMPLE_SCRATCH_SIZE)
				return 0;
			if (o) {
				memcpy(out + o, delim, dl);
				o += dl;
			}
			memcpy(out + o, cn, cnl);
			o += cnl;
		}
	}
	sample_set_str(smp, out, o);
	return 1;
}

/* req.hdr_names([<delim>]), res.hdr_names(...): the names of the header
 * fields in order, lower case (as HAProxy stores them), separated by
 * <delim> (default ",").
 */
static int smp_hdr_names(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct hfetch *hf = smp->kw_private;
	const struct http_head *hh = hf->dir == HF_RES ? res_head(ctx) : req_head(smp, ctx);
	const char *delim = args[0].type == SMP_ARGT_STR ? args[0].data.str.ptr : ",";
	size_t dl = strlen(delim), o = 0;
	char *out = sample_scratch();

	if (!hh)
		return 0;
	for (uint32_t i = 0; i < hh->nf; i++) {
		const struct http_field *f = &hh->f[i];

		if (!f->n)
			continue;
		if (o + (o ? dl : 0) + f->nlen > SAMPLE_SCRATCH_SIZE)
			return 0;
		if (o) {
			memcpy(out + o, delim, dl);
			o += dl;
		}
		for (uint32_t k = 0; k < f->nlen; k++)
			out[o++] = (char)tolower((unsigned char)f->n[k]);
	}
	sample_set_str(smp, out, o);
	return 1;
}

/* Appends HAProxy's varint of <v> at <out> + *<o> (room checked by the
 * caller): below 240 one byte; else the low bits with 0xf0, then groups
 * of 7 bits, each but the last with 0x80.
 */
static void put_varint(unsigned char *out, size_t *o, uint64_t v)
{
	if (v < 240) {
		out[(*o)++] = (unsigned char)v;
		return;
	}
	out[(*o)++] = (unsigned char)(v | 240);
	v = (v - 240) >> 4;
	while (v >= 128) {
		out[(*o)++] = (unsigned char)(v | 128);
		v = (v - 128) >> 7;
	}
	out[(*o)++] = (unsigned char)v;
}

/* Appends <n> bytes of <p> (lower case if <lower>) to <out>, with their
 * varint length first if <bin>. Returns 0 when SAMPLE_SCRATCH_SIZE would
 * be passed.
 */
static int put_part(char *out, size_t *o, const char *p, size_t n, int lower, int bin)
{
	if (*o + n + (bin ? 10 : 0) > SAMPLE_SCRATCH_SIZE)
		return 0;
	if (bin)
		put_varint((unsigned char *)out, o, n);
	for (size_t k = 0; k < n; k++)
		out[(*o)++] = lower ? (char)tolower((unsigned char)p[k]) : p[k];
	return 1;
}

/* The per-keyword data of req.hdrs, req.hdrs_bin, res.hdrs, res.hdrs_bin. */
struct hdrs_kw {
	unsigned int dir;   /* HF_REQ or HF_RES */
	int bin;            /* the binary form */
};

static const struct hdrs_kw hdrs_req = { HF_REQ, 0 };
static const struct hdrs_kw hdrs_req_bin = { HF_REQ, 1 };
static const struct hdrs_kw hdrs_res = { HF_RES, 0 };
static const struct hdrs_kw hdrs_res_bin = { HF_RES, 1 };

/* req.hdrs, res.hdrs: the header block as HTTP/1 text, names in lower
 * case (as HAProxy stores them), with the empty line that ends it.
 * req.hdrs_bin, res.hdrs_bin: each name and value as <varint
 * length><bytes>, then two empty strings.
 */
static int smp_hdrs(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct hdrs_kw *kw = smp->kw_private;
	int bin = kw->bin;
	const struct http_head *hh = dir_head(kw->dir, smp, ctx);
	char *out = sample_scratch();
	size_t o = 0;

	(void)args;
	if (!hh)
		return 0;
	for (uint32_t i = 0; i < hh->nf; i++) {
		const struct http_field *f = &hh->f[i];

		if (!f->n)
			continue;
		if (!put_part(out, &o, f->n, f->nlen, 1, bin) ||
		    (!bin && !put_part(out, &o, ": ", 2, 0, 0)) ||
		    !put_part(out, &o, f->v, f->vlen, 0, bin) ||
		    (!bin && !put_part(out, &o, "\r\n", 2, 0, 0)))
			return 0;
	}
	if (!put_part(out, &o, bin ? "\0\0" : "\r\n", 2, 0, 0))
		return 0;
	if (bin)
		sample_set_bin(smp, out, o);
	else
		sample_set_str(smp, out, o);
	return 1;
}

/* capture.req.hdr(<n>), capture.res.hdr(<n>) (private non-NULL): what
 * the frontend's capture slot <n> of that direction holds (`capture
 * request|response header`, `declare capture` with `http-request|
 * http-response capture ... id <n>`), slots numbered from 0 in the order
 * of declaration.
 */
static int smp_capture_hdr(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	const struct http_txn *txn = ctx_txn(ctx);
	int dir = smp->kw_private != NULL;
	int64_t n = args[0].data.sint;

	if (!s || !txn || !s->fe || n < 0 || n >= (dir ? s->fe->nb_cap_res : s->fe->nb_cap_req) ||
	    txn->cap_len[dir][n] <= 0)
		return 0;
	sample_set_str(smp, txn->cap[dir][n], (size_t)txn->cap_len[dir][n]);
	return 1;
}

/* ---- start lines ---- */

/* Returns a part of a request head and sets *<len>, or returns NULL when
 * the head has none: req_method(), req_uri(), req_path(), http_uri_query().
 */
typedef const char *(*req_part_fn)(const struct http_head *hh, size_t *len);

/* Sets <smp> to the string <part> finds in the request. Returns 1 or 0. */
static int set_req_part(req_part_fn part, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct http_head *hh = req_head(smp, ctx);
	const char *p;
	size_t len;

	if (!hh || !(p = part(hh, &len)))
		return 0;
	sample_set_str(smp, p, len);
	return 1;
}

/* The method; none when empty. */
static const char *req_method(const struct http_head *hh, size_t *len)
{
	*len = hh->meth_len;
	return hh->meth_len ? hh->meth : NULL;
}

/* The target as received; none when empty. */
static const char *req_uri(const struct http_head *hh, size_t *len)
{
	*len = hh->uri_len;
	return hh->uri_len ? hh->uri : NULL;
}

/* The path of the request's target: origin-form or absolute-form only
 * (none for "*" and CONNECT's authority-form, as HAProxy). An absolute-form
 * target without a path gives an empty path.
 */
static const char *req_path(const struct http_head *hh, size_t *len)
{
	const char *u = hh->uri, *slash, *sep;
	size_t ulen = hh->uri_len;

	if (!ulen)
		return NULL;
	if (u[0] != '/') {
		sep = memchr(u, ':', ulen);
		slash = memchr(u, '/', ulen);
		if (!sep || !slash || slash != sep + 1 || (size_t)(sep - u) + 2 >= ulen || sep[2] != '/')
			return NULL;
	}
	return http_uri_path(hh, len);
}

/* The path and query string, with the same rules as req_path(). */
static const char *req_pathq(const struct http_head *hh, size_t *len)
{
	size_t plen;

	if (!req_path(hh, &plen))
		return NULL;
	return http_uri_pathq(hh, len);
}

static int smp_method(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_req_part(req_method, smp, ctx);
}

static int smp_url(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_req_part(req_uri, smp, ctx);
}

static int smp_path(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_req_part(req_path, smp, ctx);
}

static int smp_pathq(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_req_part(req_pathq, smp, ctx);
}

static int smp_query(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_req_part(http_uri_query, smp, ctx);
}

/* The first Host value followed by the path (baseq, private non-NULL:
 * and the query string); the path alone without Host, the Host alone
 * without a path (as HAProxy).
 */
static int smp_base(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct http_head *hh = req_head(smp, ctx);
	const char *path = NULL;
	char *out;
	size_t plen = 0;
	int pos = -1;

	if (!hh)
		return 0;
	path = smp->kw_private ? req_pathq(hh, &plen) : req_path(hh, &plen);
	if (http_hdr_next(hh, "host", 4, &pos) < 0) {
		if (!path)
			return 0;
		sample_set_str(smp, path, plen);
		return 1;
	}
	if (hh->f[pos].vlen + plen > SAMPLE_SCRATCH_SIZE)
		return 0;
	out = sample_scratch();
	memcpy(out, hh->f[pos].v, hh->f[pos].vlen);
	if (plen)
		memcpy(out + hh->f[pos].vlen, path, plen);
	sample_set_str(smp, out, hh->f[pos].vlen + plen);
	return 1;
}

/* base32: HAProxy's 32-bit hash of "base" (sdbm, then avalanche). */
static int smp_base32(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	smp->kw_private = NULL;
	if (!smp_base(args, smp, ctx))
		return 0;
	sample_set_sint(smp, hash_avalanche32(hash_sdbm(smp->data.u.str.ptr, smp->data.u.str.len)));
	return 1;
}

/* url32: HAProxy's 32-bit hash of the first Host value followed by the
 * path and query string when the target has one (sdbm over both, then
 * avalanche); the hash of nothing when neither is there, as HAProxy.
 */
static int smp_url32(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct http_head *hh = req_head(smp, ctx);
	const char *path;
	size_t plen = 0;
	uint32_t h = 0;
	int pos = -1;

	(void)args;
	if (!hh)
		return 0;
	if (http_hdr_next(hh, "host", 4, &pos) >= 0)
		h = hash_sdbm_more(h, hh->f[pos].v, hh->f[pos].vlen);
	path = req_pathq(hh, &plen);
	if (path && plen && path[0] == '/')
		h = hash_sdbm_more(h, path, plen);
	sample_set_sint(smp, hash_avalanche32(h));
	return 1;
}

/* Appends the client address of <ctx>'s stream (4 or 16 bytes) to the
 * 4-byte hash <h> (network order), binary: base32+src, url32+src.
 * Returns 1, or 0 without a stream or an IP client.
 */
static int set_hash_src(uint32_t h, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	const struct sockaddr *sa;
	unsigned char *out;

	if (!s)
		return 0;
	h = htonl(h);
	out = (unsigned char *)sample_scratch();
	memcpy(out, &h, 4);
	sa = addr_sa(&s->cli_addr);
	if (sa->sa_family == AF_INET) {
		memcpy(out + 4, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		sample_set_bin(smp, out, 8);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(out + 4, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		sample_set_bin(smp, out, 20);
	} else {
		return 0;
	}
	return 1;
}

/* url32+src: url32 (4 bytes, network order) then the client address. */
static int smp_url32_src(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	if (!smp_url32(args, smp, ctx))
		return 0;
	return set_hash_src((uint32_t)smp->data.u.sint, smp, ctx);
}

/* base32+src: base32 (4 bytes, network order) then the client address
 * (4 or 16 bytes), binary.
 */
static int smp_base32_src(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	if (!smp_base32(args, smp, ctx))
		return 0;
	return set_hash_src((uint32_t)smp->data.u.sint, smp, ctx);
}

/* The IPv4 address and port of an absolute "http://" or "https://" target
 * whose host is four dotted decimals (HAProxy's url2sa(): the port is the
 * digits after ':', else 80 or 443; no name is resolved, an IPv6 host
 * gives nothing). Returns 1, or 0 for any other target.
 */
static int url_ipv4(const struct http_head *hh, struct in_addr *ip, unsigned int *port)
{
	const char *u = hh->uri, *end = hh->uri + hh->uri_len, *p;
	unsigned char oct[4] = { 0 };
	unsigned int n = 0, cur = 0;
	int digit = 0;

	p = memmem(u, hh->uri_len, "://", 3);
	if (!p)
		return 0;
	if (p - u == 4 && !strncasecmp(u, "http", 4))
		*port = 80;
	else if (p - u == 5 && !strncasecmp(u, "https", 5))
		*port = 443;
	else
		return 0;
	for (p += 3; p < end && ((*p >= '0' && *p <= '9') || *p == '.'); p++) {
		if (*p == '.') {
			if (!digit || n == 4)
				return 0;
			digit = 0;
			continue;
		}
		if (!digit) {
			if (n == 4)
				return 0;
			n++;
			cur = 0;
			digit = 1;
		}
		cur = cur * 10 + (unsigned int)(*p - '0');
		if (cur > 255)
			return 0;
		oct[n - 1] = (unsigned char)cur;
	}
	if (n < 4 || !digit)
		return 0;
	memcpy(ip, oct, 4);
	if (p < end && *p == ':') {
		unsigned int v = 0;

		for (p++; p < end && *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (unsigned int)(*p - '0');
		*port = v & 0xffff;
	}
	return 1;
}

/* url_ip: the IPv4 host of an absolute target; url_port (private
 * non-NULL): its port.
 */
static int smp_url_ip(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct http_head *hh = req_head(smp, ctx);
	struct in_addr ip;
	unsigned int port;

	(void)args;
	if (!hh || !url_ipv4(hh, &ip, &port))
		return 0;
	if (smp->kw_private) {
		sample_set_sint(smp, port);
	} else {
		smp->data.type = SMP_T_IPV4;
		smp->data.u.ipv4 = ip;
	}
	return 1;
}

/* meth(<method>): the method given as argument, as a string. */
static int smp_meth(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	(void)ctx;
	sample_set_str(smp, args[0].data.str.ptr, args[0].data.str.len);
	return 1;
}

/* server_status: the status the server sent, before any set-status. */
static int smp_server_status(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct http_txn *txn = ctx_txn(ctx);

	(void)args;
	if (!txn || txn->srv_status < 0)
		return 0;
	sample_set_sint(smp, txn->srv_status);
	return 1;
}

/* http_first_req: the request is the first of its connection. */
static int smp_first_req(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;

	if (!s || !ctx_txn(ctx))
		return 0;
	sample_set_bool(smp, s->http_nb_req == 1);
	return 1;
}

static int urlp_is_delim(char c, char delim)
{
	return c == '&' || c == ';' || c == delim;
}

/* Finds in the target <u> of <ulen> bytes, from offset <i>, the next
 * parameter named <name> (<nlen> bytes; any when 0; any case if <icase>)
 * that has a value ("name=value", delimited by '&', ';' or <delim>). Sets
 * *<v> and *<vlen>, and *<next> to the offset after it, and returns 1, or
 * returns 0.
 */
static int urlp_find(const char *u, size_t ulen, size_t i, const char *name, size_t nlen,
		     int icase, char delim, const char **v, size_t *vlen, size_t *next)
{
	while (i < ulen) {
		size_t b = i, e = i;
		const char *eq;

		while (e < ulen && !urlp_is_delim(u[e], delim))
			e++;
		i = e + 1;
		eq = memchr(u + b, '=', e - b);
		if (!eq)
			continue;
		if (nlen && ((size_t)(eq - (u + b)) != nlen ||
			     (icase ? strncasecmp(u + b, name, nlen) : memcmp(u + b, name, nlen)) != 0))
			continue;
		*v = eq + 1;
		*vlen = (size_t)(u + e - (eq + 1));
		*next = i;
		return 1;
	}
	return 0;
}

/* A pick_fn: the next parameter of the query named by args[0] (any when absent)
 * from the position kept in smp->fctx.u (0: find the start of the list,
 * after the first '?' or args[1][0]); sets SMP_F_NOT_LAST if another one
 * follows. Sets *<v> and *<vlen> and returns 1, or returns 0.
 */
static int urlp_pick(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx,
		     const char **v, size_t *vlen)
{
	const struct http_head *hh = req_head(smp, ctx);
	char delim = args[1].type == SMP_ARGT_STR && args[1].data.str.len ? args[1].data.str.ptr[0] : '?';
	int icase = args[2].type == SMP_ARGT_STR && args[2].data.str.len;
	const char *u, *name, *nv;
	size_t i, ulen, nlen, next, nvlen, after;

	if (!hh)
		return 0;
	u = hh->uri;
	ulen = hh->uri_len;
	name = arg_name(&args[0], &nlen);
	if (!smp->fctx.u) {
		for (i = 0; i < ulen && u[i] != '?' && u[i] != delim; i++)
			;
		if (i >= ulen)
			return 0;
		i++;
	} else {
		i = (size_t)smp->fctx.u - 1;
	}
	if (!urlp_find(u, ulen, i, name, nlen, icase, delim, v, vlen, &next))
		return 0;
	smp->fctx.u = next + 1;
	if (urlp_find(u, ulen, next, name, nlen, icase, delim, &nv, &nvlen, &after))
		smp->flags |= SMP_F_NOT_LAST;
	return 1;
}

static int smp_url_param(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_picked(urlp_pick, 0, args, smp, ctx);
}

static int smp_urlp_val(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_picked(urlp_pick, 1, args, smp, ctx);
}

static int urlp_check(struct sample_arg *args, char **err)
{
	if (args[1].type == SMP_ARGT_STR && args[1].data.str.len > 1)
		return err_set(err, "the delimiter '%s' must be a single character", args[1].data.str.ptr);
	if (args[2].type == SMP_ARGT_STR && strcmp(args[2].data.str.ptr, "i") != 0)
		return err_set(err, "the third argument must be 'i' (case-insensitive names), not '%s'",
			       args[2].data.str.ptr);
	return 0;
}

/* ---- bodies ---- */

/* The per-keyword data of the body fetches. */
struct body_kw {
	int res;    /* 0: the request's body, 1: the response's */
	int what;   /* BODY_BYTES, BODY_LEN, BODY_SIZE */
};

#define BODY_BYTES 0
#define BODY_LEN   1
#define BODY_SIZE  2

static const struct body_kw body_req = { 0, BODY_BYTES };
static const struct body_kw body_req_len = { 0, BODY_LEN };
static const struct body_kw body_req_size = { 0, BODY_SIZE };
static const struct body_kw body_res = { 1, BODY_BYTES };
static const struct body_kw body_res_len = { 1, BODY_LEN };
static const struct body_kw body_res_size = { 1, BODY_SIZE };

/* The body bytes of the message of smp->kw_private there while its rules
 * run, copied into the scratch area: sets *<b>, *<len> and *<size>
 * (http_txn_body()) and returns 1, or 0.
 */
static int body_get(struct sample *smp, const struct sample_ctx *ctx, const char **b, size_t *len,
		    uint64_t *size)
{
	const struct body_kw *bk = smp->kw_private;
	char *out;

	if (!ctx || !ctx->strm || !ctx->txn)
		return 0;
	out = sample_scratch();
	if (!http_txn_body(ctx->strm, bk->res, out, SAMPLE_SCRATCH_SIZE, len, size))
		return 0;
	*b = out;
	return 1;
}

/* req.body, req.body_len, req.body_size and their res.* twins. */
static int smp_body(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct body_kw *bk = smp->kw_private;
	const char *b;
	size_t len;
	uint64_t size;

	if (!body_get(smp, ctx, &b, &len, &size))
		return 0;
	if (bk->what == BODY_BYTES)
		sample_set_bin(smp, b, len);
	else
		sample_set_sint(smp, (int64_t)(bk->what == BODY_LEN ? len : size));
	return 1;
}

/* A pick_fn: the next parameter named args[0] (any when absent; any case
 * with args[1] "i") of the request body read as
 * application/x-www-form-urlencoded, from the position kept in
 * smp->fctx.u; sets SMP_F_NOT_LAST if another one follows.
 */
static int body_param_pick(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx,
			   const char **v, size_t *vlen)
{
	int icase = args[1].type == SMP_ARGT_STR && args[1].data.str.len;
	const char *b, *name, *nv;
	size_t len, nlen, next, nvlen, after;
	uint64_t size;

	if (!body_get(smp, ctx, &b, &len, &size))
		return 0;
	name = arg_name(&args[0], &nlen);
	if (!urlp_find(b, len, (size_t)smp->fctx.u, name, nlen, icase, '&', v, vlen, &next))
		return 0;
	smp->fctx.u = next;
	if (urlp_find(b, len, next, name, nlen, icase, '&', &nv, &nvlen, &after))
		smp->flags |= SMP_F_NOT_LAST;
	return 1;
}

static int smp_body_param(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_picked(body_param_pick, 0, args, smp, ctx);
}

static int body_param_check(struct sample_arg *args, char **err)
{
	if (args[1].type == SMP_ARGT_STR && strcmp(args[1].data.str.ptr, "i") != 0)
		return err_set(err, "the second argument must be 'i' (case-insensitive names), not '%s'",
			       args[1].data.str.ptr);
	return 0;
}

/* Writes "<major>.<minor>" of <hh> into the scratch area. */
static int set_version(struct sample *smp, const struct http_head *hh)
{
	char *out;
	int n;

	if (!hh || !hh->vmajor)
		return 0;
	out = sample_scratch();
	/* capture.res.ver (private non-NULL): as written, "HTTP/1.1" */
	n = snprintf(out, SAMPLE_SCRATCH_SIZE, "%s%u.%u", smp->kw_private ? "HTTP/" : "", hh->vmajor, hh->vminor);
	sample_set_str(smp, out, (size_t)n);
	return 1;
}

static int smp_req_ver(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct http_head *hh = req_head(smp, ctx);

	if (hh && ctx->strm && ((const struct stream *)ctx->strm)->h2) {
		sample_set_str(smp, "2.0", 3);   /* as the client spoke it */
		return 1;
	}
	return set_version(smp, hh);
}

static int smp_res_ver(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return set_version(smp, res_head(ctx));
}

static int smp_status(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct http_head *hh = res_head(ctx);

	if (!hh)
		return 0;
	sample_set_sint(smp, hh->status);
	return 1;
}

/* ---- registration ---- */

#define REQ (SMP_USE_HTTP_REQ | SMP_USE_L6REQ)
#define RES SMP_USE_HTTP_RES

static struct sample_fetch_kw_list http_fetch_list = { .kw = {
	/* name          fn             args                          check       out          use        private */
	{ "method",      smp_method,    SMP_ARG0,                     NULL,       SMP_T_STR,  REQ | RES, NULL },
	{ "path",        smp_path,      SMP_ARG0,                     NULL,       SMP_T_STR,  REQ,       NULL },
	{ "pathq",       smp_pathq,     SMP_ARG0,                     NULL,       SMP_T_STR,  REQ,       NULL },
	{ "url",         smp_url,       SMP_ARG0,                     NULL,       SMP_T_STR,  REQ,       NULL },
	{ "query",       smp_query,     SMP_ARG0,                     NULL,       SMP_T_STR,  REQ,       NULL },
	{ "base",        smp_base,      SMP_ARG0,                     NULL,       SMP_T_STR,  REQ,       NULL },
	{ "baseq",       smp_base,      SMP_ARG0,                     NULL,       SMP_T_STR,  REQ,       "q" },
	{ "base32",      smp_base32,    SMP_ARG0,                     NULL,       SMP_T_SINT, REQ,       NULL },
	{ "base32+src",  smp_base32_src, SMP_ARG0,                    NULL,       SMP_T_BIN,  REQ,       NULL },
	{ "url32",       smp_url32,     SMP_ARG0,                     NULL,       SMP_T_SINT, REQ,       NULL },
	{ "url32+src",   smp_url32_src, SMP_ARG0,                     NULL,       SMP_T_BIN,  REQ,       NULL },
	{ "url_ip",      smp_url_ip,    SMP_ARG0,                     NULL,       SMP_T_IPV4, REQ,       NULL },
	{ "url_port",    smp_url_ip,    SMP_ARG0,                     NULL,       SMP_T_SINT, REQ,       "p" },
	{ "meth",        smp_meth,      SMP_ARG1(1, STR),             NULL,       SMP_T_STR,  SMP_USE_ANY, NULL },
	{ "server_status", smp_server_status, SMP_ARG0,               NULL,       SMP_T_SINT, RES,       NULL },
	{ "http_first_req", smp_first_req, SMP_ARG0,                  NULL,       SMP_T_BOOL, REQ | RES, NULL },
	/* capture.req.uri: from the first slash, as HAProxy 2.6 (pathq) */
	{ "capture.req.uri", smp_pathq, SMP_ARG0,                     NULL,       SMP_T_STR,  REQ | RES, NULL },
	{ "capture.req.ver", smp_req_ver, SMP_ARG0,                   NULL,       SMP_T_STR,  REQ | RES, "HTTP/" },
	{ "url_param",   smp_url_param, SMP_ARG3(0, STR, STR, STR),   urlp_check, SMP_T_STR,  REQ,       NULL },
	{ "urlp",        smp_url_param, SMP_ARG3(0, STR, STR, STR),   urlp_check, SMP_T_STR,  REQ,       NULL },
	{ "urlp_val",    smp_urlp_val,  SMP_ARG3(0, STR, STR, STR),   urlp_check, SMP_T_SINT, REQ,       NULL },
	{ "req.ver",     smp_req_ver,   SMP_ARG0,                     NULL,       SMP_T_STR,  REQ,       NULL },
	{ "req_ver",     smp_req_ver,   SMP_ARG0,                     NULL,       SMP_T_STR,  REQ,       NULL },
	{ "res.ver",     smp_res_ver,   SMP_ARG0,                     NULL,       SMP_T_STR,  RES,       NULL },
	{ "resp_ver",    smp_res_ver,   SMP_ARG0,                     NULL,       SMP_T_STR,  RES,       NULL },
	{ "status",      smp_status,    SMP_ARG0,                     NULL,       SMP_T_SINT, RES,       NULL },
	{ "txn.status",  smp_status,    SMP_ARG0,                     NULL,       SMP_T_SINT, RES,       NULL },
	{ "capture.req.method", smp_method, SMP_ARG0,                 NULL,       SMP_T_STR,  REQ | RES, NULL },
	{ "capture.res.ver", smp_res_ver, SMP_ARG0,                   NULL,       SMP_T_STR,  REQ | RES, "HTTP/" },
	{ "req.body",    smp_body,      SMP_ARG0,                     NULL,       SMP_T_BIN,  REQ,       &body_req },
	{ "req.body_len", smp_body,     SMP_ARG0,                     NULL,       SMP_T_SINT, REQ,       &body_req_len },
	{ "req.body_size", smp_body,    SMP_ARG0,                     NULL,       SMP_T_SINT, REQ,       &body_req_size },
	{ "req.body_param", smp_body_param, SMP_ARG2(0, STR, STR),    body_param_check, SMP_T_STR, REQ, &body_req },
	{ "res.body",    smp_body,      SMP_ARG0,                     NULL,       SMP_T_BIN,  RES,       &body_res },
	{ "res.body_len", smp_body,     SMP_ARG0,                     NULL,       SMP_T_SINT, RES,       &body_res_len },
	{ "res.body_size", smp_body,    SMP_ARG0,                     NULL,       SMP_T_SINT, RES,       &body_res_size },

	{ "hdr",         smp_hdr,       SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_STR,  REQ | RES, &hf_any },
	{ "req.hdr",     smp_hdr,       SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_STR,  REQ,       &hf_req },
	{ "req.fhdr",    smp_hdr,       SMP_ARG2(1, STR, SINT),       NULL,       SMP_T_STR,  REQ,       &hf_req_full },
	{ "res.hdr",     smp_hdr,       SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_STR,  RES,       &hf_res },
	{ "shdr",        smp_hdr,       SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_STR,  RES,       &hf_res },
	{ "res.fhdr",    smp_hdr,       SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_STR,  RES,       &hf_res_full },
	{ "hdr_cnt",     smp_hdr_cnt,   SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, REQ,       &hf_req },
	{ "req.hdr_cnt", smp_hdr_cnt,   SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, REQ,       &hf_req },
	{ "req.fhdr_cnt", smp_hdr_cnt,  SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, REQ,       &hf_req_full },
	{ "res.hdr_cnt", smp_hdr_cnt,   SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, RES,       &hf_res },
	{ "shdr_cnt",    smp_hdr_cnt,   SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, RES,       &hf_res },
	{ "res.fhdr_cnt", smp_hdr_cnt,  SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, RES,       &hf_res_full },
	{ "hdr_ip",      smp_hdr_ip,    SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_ADDR, REQ,       &hf_req },
	{ "req.hdr_ip",  smp_hdr_ip,    SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_ADDR, REQ,       &hf_req },
	{ "res.hdr_ip",  smp_hdr_ip,    SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_ADDR, RES,       &hf_res },
	{ "shdr_ip",     smp_hdr_ip,    SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_ADDR, RES,       &hf_res },
	{ "hdr_val",     smp_hdr_val,   SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_SINT, REQ,       &hf_req },
	{ "req.hdr_val", smp_hdr_val,   SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_SINT, REQ,       &hf_req },
	{ "res.hdr_val", smp_hdr_val,   SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_SINT, RES,       &hf_res },
	{ "shdr_val",    smp_hdr_val,   SMP_ARG2(0, STR, SINT),       NULL,       SMP_T_SINT, RES,       &hf_res },

	{ "cook",        smp_cook,      SMP_ARG1(0, STR),             NULL,       SMP_T_STR,  REQ,       &hf_req },
	{ "req.cook",    smp_cook,      SMP_ARG1(0, STR),             NULL,       SMP_T_STR,  REQ,       &hf_req },
	{ "res.cook",    smp_cook,      SMP_ARG1(0, STR),             NULL,       SMP_T_STR,  RES,       &hf_res },
	{ "scook",       smp_cook,      SMP_ARG1(0, STR),             NULL,       SMP_T_STR,  RES,       &hf_res },
	/* HAProxy's deprecated names of req.cook and res.cook */
	{ "cookie",      smp_cook,      SMP_ARG1(0, STR),             NULL,       SMP_T_STR,  REQ,       &hf_req },
	{ "set-cookie",  smp_cook,      SMP_ARG1(0, STR),             NULL,       SMP_T_STR,  RES,       &hf_res },
	{ "cook_cnt",    smp_cook_cnt,  SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, REQ,       &hf_req },
	{ "req.cook_cnt", smp_cook_cnt, SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, REQ,       &hf_req },
	{ "res.cook_cnt", smp_cook_cnt, SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, RES,       &hf_res },
	{ "scook_cnt",   smp_cook_cnt,  SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, RES,       &hf_res },
	{ "req.cook_names", smp_cook_names, SMP_ARG1(0, STR),         NULL,       SMP_T_STR,  REQ,       &hf_req },
	{ "req.hdrs",    smp_hdrs,      SMP_ARG0,                     NULL,       SMP_T_STR,  REQ,       &hdrs_req },
	{ "req.hdrs_bin", smp_hdrs,     SMP_ARG0,                     NULL,       SMP_T_BIN,  REQ,       &hdrs_req_bin },
	{ "res.hdrs",    smp_hdrs,      SMP_ARG0,                     NULL,       SMP_T_STR,  RES,       &hdrs_res },
	{ "res.hdrs_bin", smp_hdrs,     SMP_ARG0,                     NULL,       SMP_T_BIN,  RES,       &hdrs_res_bin },
	{ "capture.req.hdr", smp_capture_hdr, SMP_ARG1(1, SINT),      NULL,       SMP_T_STR,  REQ | RES, NULL },
	{ "capture.res.hdr", smp_capture_hdr, SMP_ARG1(1, SINT),      NULL,       SMP_T_STR,  RES,       "r" },
	{ "req.hdr_names", smp_hdr_names, SMP_ARG1(0, STR),           NULL,       SMP_T_STR,  REQ,       &hf_req },
	{ "res.hdr_names", smp_hdr_names, SMP_ARG1(0, STR),           NULL,       SMP_T_STR,  RES,       &hf_res },
	{ "res.cook_names", smp_cook_names, SMP_ARG1(0, STR),         NULL,       SMP_T_STR,  RES,       &hf_res },
	{ "cook_val",    smp_cook_val,  SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, REQ,       &hf_req },
	{ "req.cook_val", smp_cook_val, SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, REQ,       &hf_req },
	{ "res.cook_val", smp_cook_val, SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, RES,       &hf_res },
	{ "scook_val",   smp_cook_val,  SMP_ARG1(0, STR),             NULL,       SMP_T_SINT, RES,       &hf_res },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

#undef REQ
#undef RES

__attribute__((constructor)) static void fetch_http_register(void)
{
	sample_register_fetches(&http_fetch_list);
}
