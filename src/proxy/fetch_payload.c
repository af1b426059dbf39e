/*
 * Sample fetches on the request's first bytes, for `tcp-request content`
 * rules with `tcp-request inspect-delay` (HAProxy's names and meanings):
 *   req.len, req_len                        bytes received so far
 *   req.payload(<off>,<len>), payload       a block of bytes (<len> 0: to the end)
 *   req.payload_lv(<off1>,<len>[,<off2>])   a block whose length is stored at <off1>
 *   req.proto_http, req_proto_http          a complete, valid HTTP/1 request head
 *   req.ssl_hello_type, req_ssl_hello_type  type of the first TLS handshake message
 *   req.ssl_sni, req_ssl_sni                server name of the TLS ClientHello
 *   req.ssl_alpn                            its ALPN protocol names (several values)
 *   req.ssl_ver, req_ssl_ver                TLS/SSL version, major * 65536 + minor
 *   req.rdp_cookie([<name>]), rdp_cookie    an RDP client's cookie (mstshash=...)
 *   req.rdp_cookie_cnt([<name>]), rdp_cookie_cnt  1 if it is there, else 0
 *   distcc_param(<tok>[,<occ>])             a distcc token's parameter
 *   distcc_body(<tok>[,<occ>])              its body
 *   wait_end                                true once the inspection is over
 *
 * The HTTP request fetches (url, hdr(), method...: fetch_http.c) read the
 * same bytes on a stream in mode tcp through http_tcp_req_head() below:
 * the request head is parsed on each call by the HTTP/1 parser into a
 * per-thread view, the bytes stay in the buffer to be forwarded as they
 * came.
 *
 * While more bytes may come (no SMP_OPT_FINAL in the context), a fetch
 * that lacks them answers nothing with SMP_F_MAY_CHANGE (req.len answers
 * its current value with it): the rule's condition is then undecided and
 * the stream waits (tcp_rules.h). They read the stream's request buffer
 * before anything of it was sent, where the bytes start at the buffer's
 * head; should they wrap, they are copied to the scratch area.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <tollgate/buffer.h>
#include <tollgate/distcc.h>
#include <tollgate/errmsg.h>
#include <tollgate/global.h>
#include <tollgate/h1.h>
#include <tollgate/http_msg.h>
#include <tollgate/http_txn.h>
#include <tollgate/rdp.h>
#include <tollgate/sample.h>
#include <tollgate/stream-t.h>
#include <tollgate/thread.h>
#include <tollgate/tls_hello.h>

/* Sets <*p>, <*len> to the bytes received so far on the request (on the
 * response when <res>: tcp-response content rules), in one piece. Returns
 * 0 when the context has no stream.
 */
static int chn_bytes(const struct sample_ctx *ctx, int res, const unsigned char **p, size_t *len)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	const struct buffer *b;
	struct iovec iov[2];
	char *copy;

	if (!s)
		return 0;
	b = res ? &s->res.buf : &s->req.buf;
	if (!buf_allocated(b) || buf_empty(b)) {
		*p = (const unsigned char *)"";
		*len = 0;
		return 1;
	}
	if (buf_data_spans(b, iov) == 1) {
		*p = iov[0].iov_base;
		*len = iov[0].iov_len;
		return 1;
	}
	/* wrapped: not before anything was sent, kept correct all the same */
	copy = sample_scratch();
	*len = iov[0].iov_len + iov[1].iov_len;
	if (*len > SAMPLE_SCRATCH_SIZE)
		*len = SAMPLE_SCRATCH_SIZE;
	memcpy(copy, iov[0].iov_base, iov[0].iov_len < *len ? iov[0].iov_len : *len);
	if (*len > iov[0].iov_len)
		memcpy(copy + iov[0].iov_len, iov[1].iov_base, *len - iov[0].iov_len);
	*p = (const unsigned char *)copy;
	return 1;
}

static int req_bytes(const struct sample_ctx *ctx, const unsigned char **p, size_t *len)
{
	return chn_bytes(ctx, 0, p, len);
}

/* The bytes of the fetch's direction: res.* keywords have a non-NULL
 * private.
 */
static int smp_bytes(const struct sample *smp, const struct sample_ctx *ctx, const unsigned char **p, size_t *len)
{
	return chn_bytes(ctx, smp->kw_private != NULL, p, len);
}

/* No answer yet: more bytes may bring one. Returns 0 (the fetch fails). */
static int wait_more(struct sample *smp, const struct sample_ctx *ctx)
{
	if (!(ctx->opt & SMP_OPT_FINAL))
		smp->flags |= SMP_F_MAY_CHANGE;
	return 0;
}

static int smp_req_len(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const unsigned char *p;
	size_t len;

	if (!smp_bytes(smp, ctx, &p, &len))
		return 0;
	sample_set_sint(smp, (int64_t)len);
	if (!(ctx->opt & SMP_OPT_FINAL))
		smp->flags |= SMP_F_MAY_CHANGE;
	return 1;
}

static int smp_req_payload(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	uint64_t off = (uint64_t)args[0].data.sint, n = (uint64_t)args[1].data.sint;
	const unsigned char *p;
	size_t len;

	if (!smp_bytes(smp, ctx, &p, &len))
		return 0;
	if (off > len || (n && n > len - off))
		return wait_more(smp, ctx);
	sample_set_bin(smp, p + off, n ? n : len - off);
	return 1;
}

/* Reads the <n>-byte big-endian length at <p>. */
static uint64_t read_be(const unsigned char *p, uint64_t n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | *p++;
	return v;
}

static int smp_req_payload_lv(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	uint64_t off1 = (uint64_t)args[0].data.sint, n = (uint64_t)args[1].data.sint;
	const unsigned char *p;
	uint64_t start, blk;
	size_t len;

	if (!smp_bytes(smp, ctx, &p, &len))
		return 0;
	if (off1 > len || n > len - off1)
		return wait_more(smp, ctx);
	blk = read_be(p + off1, n);
	start = off1 + n;
	if (args[2].type == SMP_ARGT_STR) {
		const char *o = args[2].data.str.ptr;
		int64_t v = strtoll(o, NULL, 10);    /* checked at parse time */

		if (*o == '+' || *o == '-') {
			if (v < 0 && (uint64_t)-v > start)
				return 0;
			start = (uint64_t)((int64_t)start + v);
		} else {
			start = (uint64_t)v;
		}
	}
	if (start > len || blk > len - start)
		return wait_more(smp, ctx);
	sample_set_bin(smp, p + start, blk);
	return 1;
}

/* Offsets and lengths are non-negative; a length field is 1 to 4 bytes;
 * <off2> is a number, with a sign when relative.
 */
static int check_payload(struct sample_arg *args, char **err)
{
	if (args[0].data.sint < 0 || args[1].data.sint < 0)
		return err_set(err, "offset and length must not be negative");
	return 0;
}

static int check_payload_lv(struct sample_arg *args, char **err)
{
	if (check_payload(args, err) < 0)
		return -1;
	if (args[1].data.sint < 1 || args[1].data.sint > 4)
		return err_set(err, "the length field must be 1 to 4 bytes long, not %lld", (long long)args[1].data.sint);
	if (args[2].type == SMP_ARGT_STR) {
		const char *o = args[2].data.str.ptr;
		char *end;
		long long v = strtoll(o, &end, 10);

		if (!*o || *end || (v < 0 && *o != '-'))
			return err_set(err, "<offset2> must be a number, with '+' or '-' when relative, not '%s'", o);
	}
	return 0;
}

/* ---- the request head, for HTTP fetches in mode tcp ---- */

/* A parsed head over the request buffer; one per thread, built on first
 * use with tune.http.maxhdr fields, kept for the life of the process.
 */
struct tcp_req_view {
	struct http_head hh;     /* what the fetches read */
	struct h1_hdr *hdrs;     /* parser output, <max> entries */
	struct http_field *f;    /* hh's fields, <max> entries */
	uint32_t max;            /* tune.http.maxhdr */
};

/* By tid + 1: threads that are not workers (tid -1) share entry 0. */
static struct tcp_req_view *tcp_views[MAX_THREADS + 1];

static struct tcp_req_view *tcp_view(void)
{
	struct tcp_req_view **slot = &tcp_views[tid + 1];
	uint32_t max = global.tune_maxhdr ? global.tune_maxhdr : H1_DEF_MAX_HDRS;
	struct tcp_req_view *v = *slot;

	if (v)
		return v;
	v = malloc(sizeof(*v) + max * (sizeof(struct h1_hdr) + sizeof(struct http_field)));
	if (!v)
		return NULL;
	v->hdrs = (struct h1_hdr *)(v + 1);
	v->f = (struct http_field *)(v->hdrs + max);
	v->max = max;
	*slot = v;
	return v;
}

/* Parses the request head at <p> (<len> bytes) into <msg> over <hdrs>
 * (<max> entries), within the limits of a request head in a buffer.
 * Returns as h1_parse_request().
 */
static int parse_req_head(struct h1_msg *msg, struct h1_hdr *hdrs, uint32_t max,
			  const unsigned char *p, size_t len)
{
	struct h1_limits lim;

	h1_limits_init(&lim);
	if (buf_size)
		lim.max_head = (uint32_t)buf_size;
	h1_msg_init(msg, hdrs, max);
	return h1_parse_request(msg, (const char *)p, len, &lim);
}

const struct http_head *http_tcp_req_head(struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	struct tcp_req_view *v;
	const unsigned char *p;
	struct h1_msg msg;
	size_t len;
	int ret;

	if (!s || s->http || !req_bytes(ctx, &p, &len) || !(v = tcp_view()))
		return NULL;
	ret = parse_req_head(&msg, v->hdrs, v->max, p, len);
	if (ret == 0)
		wait_more(smp, ctx);
	if (ret <= 0)
		return NULL;
	http_head_init(&v->hh, v->f, v->max, NULL, 0);
	if (http_head_load(&v->hh, &msg, (const char *)p) < 0)
		return NULL;
	return &v->hh;
}

static int smp_req_proto_http(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct h1_hdr hdrs[H1_DEF_MAX_HDRS];
	struct h1_msg msg;
	const unsigned char *p;
	size_t len;
	int ret;

	if (!req_bytes(ctx, &p, &len))
		return 0;
	ret = parse_req_head(&msg, hdrs, H1_DEF_MAX_HDRS, p, len);
	if (ret == 0 && !(ctx->opt & SMP_OPT_FINAL))
		return wait_more(smp, ctx);
	sample_set_bool(smp, ret > 0);
	return 1;
}

/* Parses the ClientHello at the start of the request. Returns 1 with <h>
 * filled, or 0 when there is none (the fetch then fails, waiting for more
 * bytes if they may complete it).
 */
static int hello(struct sample *smp, const struct sample_ctx *ctx, struct tls_hello *h)
{
	const unsigned char *p;
	size_t len;

	if (!req_bytes(ctx, &p, &len))
		return 0;
	switch (tls_hello_parse(p, len, h)) {
	case TLS_HELLO_OK:
		return 1;
	case TLS_HELLO_SHORT:
		return wait_more(smp, ctx);
	default:
		return 0;
	}
}

static int smp_ssl_hello_type(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct tls_hello h;

	if (!hello(smp, ctx, &h))
		return 0;
	sample_set_sint(smp, h.hs_type);
	return 1;
}

static int smp_ssl_sni(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct tls_hello h;

	if (!hello(smp, ctx, &h) || !h.sni)
		return 0;
	sample_set_str(smp, (const char *)h.sni, h.sni_len);
	return 1;
}

/* One protocol name per call: smp->fctx.u is the position in the list. */
static int smp_ssl_alpn(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const unsigned char *name;
	struct tls_hello h;
	size_t pos = smp->fctx.u, nlen;

	if (!hello(smp, ctx, &h) || !h.alpn || !tls_hello_alpn_next(&h, &pos, &name, &nlen))
		return 0;
	smp->fctx.u = pos;
	if (tls_hello_alpn_next(&h, &pos, &(const unsigned char *){ NULL }, &(size_t){ 0 }))
		smp->flags |= SMP_F_NOT_LAST;
	sample_set_str(smp, (const char *)name, nlen);
	return 1;
}

static int smp_ssl_ver(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const unsigned char *p;
	unsigned int version = 0;
	size_t len;

	if (!req_bytes(ctx, &p, &len))
		return 0;
	switch (tls_stream_version(p, len, &version)) {
	case TLS_HELLO_OK:
		sample_set_sint(smp, version);
		return 1;
	case TLS_HELLO_SHORT:
		/* a record larger than the buffer: its version is known */
		if ((ctx->opt & SMP_OPT_FINAL) && version) {
			sample_set_sint(smp, version);
			return 1;
		}
		return wait_more(smp, ctx);
	default:
		return 0;
	}
}

static int smp_wait_end(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	if (!(ctx->opt & SMP_OPT_FINAL))
		return wait_more(smp, ctx);
	sample_set_bool(smp, 1);
	return 1;
}

/* req.rdp_cookie([<name>]): the value of the RDP cookie <name> (any when
 * absent); on an HTTP stream nothing, as HAProxy. req.rdp_cookie_cnt
 * (private non-NULL): 1 if it is there, 0 if not; neither while the bytes
 * are too few to tell.
 */
static int smp_rdp_cookie(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const unsigned char *p;
	const char *v;
	size_t len, vlen;
	int r;

	if (ctx->txn || !req_bytes(ctx, &p, &len))
		return 0;
	r = rdp_cookie((const char *)p, len, args[0].data.str.ptr,
		       args[0].type == SMP_ARGT_STR ? args[0].data.str.len : 0, &v, &vlen);
	if (r == 0)
		return wait_more(smp, ctx);   /* the count too, as HAProxy */
	if (smp->kw_private) {
		sample_set_sint(smp, r > 0);
		return 1;
	}
	if (r <= 0)
		return 0;
	sample_set_str(smp, v, vlen);
	return 1;
}

/* distcc_param(<token>[,<occ>]) and distcc_body (private non-NULL): the
 * parameter or the body of a token of a distcc request. A body not all
 * received yet is waited for, and gives no sample once the inspection is
 * over (HAProxy then returns the announced length, bytes never received
 * included).
 */
static int smp_distcc(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const unsigned char *p;
	size_t len, body, blen;
	uint32_t param;
	int r;

	if (ctx->txn || !req_bytes(ctx, &p, &len))
		return 0;
	r = distcc_find((const char *)p, len, (uint32_t)args[0].data.sint,
			args[1].type == SMP_ARGT_SINT ? (unsigned int)args[1].data.sint : 0, &param, &body, &blen);
	if (r == 0)
		return wait_more(smp, ctx);
	if (r < 0)
		return 0;
	if (!smp->kw_private) {
		sample_set_sint(smp, param);
		return 1;
	}
	if (blen > len - body)
		return wait_more(smp, ctx);
	sample_set_bin(smp, p + body, blen);
	return 1;
}

/* distcc_*(<token>[,<occ>]): a token name of exactly 4 characters,
 * replaced by its value (big-endian); <occ> from 1.
 */
static int check_distcc(struct sample_arg *args, char **err)
{
	const unsigned char *t = (const unsigned char *)args[0].data.str.ptr;
	uint32_t tok;

	if (args[0].data.str.len != 4)
		return err_set(err, "token name must be exactly 4 characters");
	tok = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
	free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_SINT;
	args[0].data.sint = tok;
	if (args[1].type == SMP_ARGT_SINT && args[1].data.sint < 0)
		return err_set(err, "occurrence must be positive (got %lld)", (long long)args[1].data.sint);
	return 0;
}

/* The request's bytes: tcp-request content on, and http-request rules
 * (not tcp-request session, which runs before any byte is awaited: HAProxy
 * refuses them there). req.proto_http also answers in response rules. */
#define L6 (SMP_USE_L6REQ | SMP_USE_HTTP_REQ)
#define RES ((const void *)1)   /* res.*: the response bytes (tcp-response content) */


static struct sample_fetch_kw_list payload_fetch_list = { .kw = {
	{ "req.len", smp_req_len, SMP_ARG0, NULL, SMP_T_SINT, L6, NULL },
	{ "res.len", smp_req_len, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_HTTP_RES, RES },
	{ "res.payload", smp_req_payload, SMP_ARG2(2, SINT, SINT), check_payload, SMP_T_BIN, SMP_USE_HTTP_RES, RES },
	{ "res.payload_lv", smp_req_payload_lv, SMP_ARG3(2, SINT, SINT, STR), check_payload_lv, SMP_T_BIN, SMP_USE_HTTP_RES, RES },
	{ "req_len", smp_req_len, SMP_ARG0, NULL, SMP_T_SINT, L6, NULL },
	{ "req.payload", smp_req_payload, SMP_ARG2(2, SINT, SINT), check_payload, SMP_T_BIN, L6, NULL },
	{ "payload", smp_req_payload, SMP_ARG2(2, SINT, SINT), check_payload, SMP_T_BIN, L6, NULL },
	{ "req.payload_lv", smp_req_payload_lv, SMP_ARG3(2, SINT, SINT, STR), check_payload_lv, SMP_T_BIN, L6, NULL },
	{ "payload_lv", smp_req_payload_lv, SMP_ARG3(2, SINT, SINT, STR), check_payload_lv, SMP_T_BIN, L6, NULL },
	{ "req.proto_http", smp_req_proto_http, SMP_ARG0, NULL, SMP_T_BOOL, L6 | SMP_USE_HTTP_RES, NULL },
	{ "req_proto_http", smp_req_proto_http, SMP_ARG0, NULL, SMP_T_BOOL, L6 | SMP_USE_HTTP_RES, NULL },
	{ "req.ssl_hello_type", smp_ssl_hello_type, SMP_ARG0, NULL, SMP_T_SINT, L6, NULL },
	{ "req_ssl_hello_type", smp_ssl_hello_type, SMP_ARG0, NULL, SMP_T_SINT, L6, NULL },
	{ "req.ssl_sni", smp_ssl_sni, SMP_ARG0, NULL, SMP_T_STR, L6, NULL },
	{ "req_ssl_sni", smp_ssl_sni, SMP_ARG0, NULL, SMP_T_STR, L6, NULL },
	{ "req.ssl_alpn", smp_ssl_alpn, SMP_ARG0, NULL, SMP_T_STR, L6, NULL },
	{ "req.ssl_ver", smp_ssl_ver, SMP_ARG0, NULL, SMP_T_SINT, L6, NULL, SMP_KW_DOTTED_VER },
	{ "req_ssl_ver", smp_ssl_ver, SMP_ARG0, NULL, SMP_T_SINT, L6, NULL, SMP_KW_DOTTED_VER },
	{ "req.rdp_cookie", smp_rdp_cookie, SMP_ARG1(0, STR), NULL, SMP_T_STR, L6, NULL },
	{ "rdp_cookie", smp_rdp_cookie, SMP_ARG1(0, STR), NULL, SMP_T_STR, L6, NULL },
	{ "req.rdp_cookie_cnt", smp_rdp_cookie, SMP_ARG1(0, STR), NULL, SMP_T_SINT, L6, "c" },
	{ "rdp_cookie_cnt", smp_rdp_cookie, SMP_ARG1(0, STR), NULL, SMP_T_SINT, L6, "c" },
	{ "distcc_param", smp_distcc, SMP_ARG2(1, STR, SINT), check_distcc, SMP_T_SINT, L6, NULL },
	{ "distcc_body", smp_distcc, SMP_ARG2(1, STR, SINT), check_distcc, SMP_T_BIN, L6, "b" },
	{ "wait_end", smp_wait_end, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_ANY, NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, 0 },
} };

__attribute__((constructor)) static void fetch_payload_register(void)
{
	sample_register_fetches(&payload_fetch_list);
}
