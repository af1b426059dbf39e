/*
 * HTTP/2 to servers: the request, HTTP/1.1 bytes from the engine to
 * HEADERS, DATA and trailers (nghttp2_submit_request() and its data
 * provider), and the byte queue of the stages. See mux_h2_be.h and
 * doc/internals/mux.md for the translation rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nghttp2/nghttp2.h>

#include <tollgate/buffer.h>
#include <tollgate/h1.h>
#include <tollgate/http_msg.h>

#include "h2_be_int.h"

/* ---- byte queue ---- */

int sq_add(struct sq *q, const void *src, size_t len)
{
	if (q->head + q->len + len > q->cap) {
		if (q->head) {
			memmove(q->p, q->p + q->head, q->len);
			q->head = 0;
		}
		if (q->len + len > q->cap) {
			size_t cap = q->cap ? q->cap : 4096;
			char *p;

			while (cap < q->len + len)
				cap *= 2;
			if (cap > H2BE_STAGE_MAX)
				cap = H2BE_STAGE_MAX;
			if (cap < q->len + len)
				return -1;   /* past what the window allows: a broken peer */
			p = realloc(q->p, cap);
			if (!p)
				return -1;
			q->p = p;
			q->cap = cap;
		}
	}
	memcpy(q->p + q->head + q->len, src, len);
	q->len += len;
	return 0;
}

int sq_str(struct sq *q, const char *s)
{
	return sq_add(q, s, strlen(s));
}

void sq_del(struct sq *q, size_t n)
{
	q->head += n;
	q->len -= n;
	if (!q->len)
		q->head = 0;
}

void sq_free(struct sq *q)
{
	free(q->p);
	memset(q, 0, sizeof(*q));
}

/* ---- the request ---- */

/* Request body for nghttp2 (its data provider). */
static ssize_t body_read(nghttp2_session *ses, int32_t sid, uint8_t *buf, size_t len, uint32_t *dflags,
                         nghttp2_data_source *src, void *u);

/* Fields of an HTTP/1.1 trailer section or head fields, one "name: value"
 * per CRLF-ended line (already validated by the parser), into <nv> of
 * <max> entries; names are lower-cased in place. Returns the count.
 */
static size_t trailer_nv(char *p, size_t len, nghttp2_nv *nv, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len && n < max) {
		size_t eol = i, colon, vs, ve;

		while (eol < len && p[eol] != '\r' && p[eol] != '\n')
			eol++;
		if (eol == i)
			break;   /* the final empty line */
		for (colon = i; colon < eol && p[colon] != ':'; colon++)
			p[colon] = (char)(p[colon] >= 'A' && p[colon] <= 'Z' ? p[colon] + 32 : p[colon]);
		vs = colon + 1;
		while (vs < eol && (p[vs] == ' ' || p[vs] == '\t'))
			vs++;
		ve = eol;
		while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
			ve--;
		if (colon < eol) {
			nv[n].name = (uint8_t *)p + i;
			nv[n].namelen = colon - i;
			nv[n].value = (uint8_t *)p + vs;
			nv[n].valuelen = ve - vs;
			nv[n].flags = NGHTTP2_NV_FLAG_NONE;
			n++;
		}
		i = eol;
		while (i < len && (p[i] == '\r' || p[i] == '\n'))
			i++;
	}
	return n;
}

static ssize_t body_read(nghttp2_session *ses, int32_t sid, uint8_t *buf, size_t len, uint32_t *dflags,
                         nghttp2_data_source *src, void *u)
{
	struct h2be *h = nghttp2_session_get_stream_user_data(ses, sid);
	size_t n;

	if (!h)
		return NGHTTP2_ERR_DEFERRED;   /* its stream is being reset */
	if (sid != h->sid) {
		*dflags |= NGHTTP2_DATA_FLAG_EOF;   /* a former request's stream */
		return 0;
	}
	n = buf_get(&h->body, buf, len);
	if (h->rq == RQ_TUNNEL) {
		/* the client's end of the tunnel (shutw()): END_STREAM */
		if (!n && !h->body_end)
			return NGHTTP2_ERR_DEFERRED;
		if (!n)
			*dflags |= NGHTTP2_DATA_FLAG_EOF;
		return (ssize_t)n;
	}
	if (!n && !h->body_end)
		return NGHTTP2_ERR_DEFERRED;
	if (h->body_end && !buf_data(&h->body)) {
		nghttp2_nv nv[64];
		size_t nnv = h->trl ? trailer_nv(h->trl, h->trl_len, nv, 64) : 0;

		*dflags |= NGHTTP2_DATA_FLAG_EOF;
		if (nnv && nghttp2_submit_trailer(ses, sid, nv, nnv) == 0)
			*dflags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
		free(h->trl);
		h->trl = NULL;
		h->trl_len = 0;
	}
	return (ssize_t)n;
}

/* Connection-specific fields, not forwarded over HTTP/2 (RFC 9113 8.2.2). */
static int conn_specific(const char *n, size_t len, const char *v, size_t vlen)
{
	if (h1_conn_specific(n, len))
		return 1;
	/* te: only "trailers" may go */
	return h1_name_eq(n, len, "te", 2) && !(vlen == 8 && !strncasecmp(v, "trailers", 8));
}

/* The value of the first field <lc> (lower case) of the parsed head <m>
 * whose bytes are at <buf>, its length in *<len>; NULL when absent.
 */
static const char *h1_msg_hdr(const struct h1_msg *m, const char *buf, const char *lc, uint32_t *len)
{
	for (uint32_t i = 0; i < m->nb_hdrs; i++) {
		if (h1_name_eq(buf + m->hdrs[i].n.off, m->hdrs[i].n.len, lc, strlen(lc))) {
			*len = m->hdrs[i].v.len;
			return buf + m->hdrs[i].v.off;
		}
	}
	return NULL;
}

/* The protocol an HTTP/1.1 upgrade request asks for (Connection: upgrade
 * and an Upgrade field: its first protocol, "h2c" excepted), in h->head,
 * or NULL.
 */
static const char *upgrade_proto(struct h2be *h, uint32_t *len)
{
	const struct h1_msg *m = &h->msg;
	const char *v;

	if (!(m->flags & H1_MF_CONN_UPGRADE) || !(m->flags & H1_MF_UPGRADE))
		return NULL;
	v = h1_msg_hdr(m, h->head, "upgrade", len);
	if (!v)
		return NULL;
	/* RFC 8441 4: :protocol is one protocol, the first one listed */
	for (uint32_t i = 0; i < *len; i++) {
		if (v[i] == ',') {
			*len = i;
			break;
		}
	}
	while (*len && (v[*len - 1] == ' ' || v[*len - 1] == '\t'))
		(*len)--;
	if (!*len || (*len == 3 && !strncasecmp(v, "h2c", 3)))
		return NULL;
	return v;
}

/* An upgrade the server cannot take (no extended CONNECT announced, or a
 * request with a body): as HAProxy, the stream it would have used is
 * reset (RST_STREAM CANCEL, written as it is since nghttp2 sends nothing
 * on a stream it has not opened), the request fails (502) and the
 * connection takes no other stream.
 */
static void upgrade_refused(struct h2be *h)
{
	int32_t sid = nghttp2_session_get_next_stream_id(h->c->ses);
	uint8_t rst[13] = { 0, 0, 4, NGHTTP2_RST_STREAM, 0,
	                    (uint8_t)(sid >> 24), (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid,
	                    0, 0, 0, NGHTTP2_CANCEL };

	h->c->flags |= H2F_GOAWAY;
	if (sid > 0 && !nghttp2_session_want_write(h->c->ses) && buf_room(&h->c->out) >= sizeof(rst))
		buf_put(&h->c->out, rst, sizeof(rst));
}

/* Submits the request whose head is parsed in h->msg. 0 or -1. */
static int req_submit(struct h2be *h)
{
	struct h1_msg *m = &h->msg;
	nghttp2_nv nv[H2BE_HDRS_MAX + 4];
	nghttp2_data_provider prd = { .source.ptr = h, .read_callback = body_read };
	const char *t = h->head + m->target.off, *auth = NULL, *path = t, *sch = "https";
	uint32_t tlen = m->target.len, alen = 0, plen = tlen, slen = 5;
	size_t n = 0;
	int32_t sid;

	h->connect = m->meth == H1_METH_CONNECT;
	if (h->proto) {
		/* RFC 8441, as HAProxy: a request with Upgrade and no body
		 * becomes an extended CONNECT, if the server announced it;
		 * else 502 (a body: 502 whatever the server, as HAProxy 3.x)
		 */
		if (m->body != H1_BODY_NONE ||
		    !nghttp2_session_get_remote_settings(h->c->ses, NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL)) {
			upgrade_refused(h);
			return -1;
		}
		auth = h1_msg_hdr(m, h->head, "host", &alen);
	}
	if (m->flags & H1_MF_ABS_FORM) {
		int scheme, off = h1_target_authority((const uint8_t *)t, tlen, &scheme, &alen);

		if (off >= 0) {
			sch = t;
			slen = (uint32_t)((const char *)memchr(t, ':', tlen) - t);
			auth = t + off;
			path = auth + alen;
			plen = tlen - (uint32_t)(path - t);
			if (!plen) {
				path = "/";
				plen = 1;
			}
		}
	}
	/* origin-form: no :authority, Host goes as a field (RFC 9113 8.3.1,
	 * as HAProxy), and :scheme https whatever the transport (HAProxy's
	 * default, "sent by browsers"); absolute-form: its scheme and
	 * authority, Host then dropped
	 */
#define NV(nm, vl, vlen) do { \
		nv[n].name = (uint8_t *)(nm); nv[n].namelen = strlen(nm); \
		nv[n].value = (uint8_t *)(vl); nv[n].valuelen = (vlen); nv[n].flags = NGHTTP2_NV_FLAG_NONE; n++; \
	} while (0)
	if (h->connect) {
		/* RFC 9113 8.5, as HAProxy: :authority the target, no :scheme
		 * nor :path, Host dropped
		 */
		auth = t;
		alen = tlen;
		NV(":method", "CONNECT", 7);
		NV(":authority", auth, alen);
	} else {
		if (h->proto) {
			NV(":method", "CONNECT", 7);
			NV(":scheme", sch, slen);
			NV(":protocol", h->proto, h->proto_len);
		} else {
			NV(":method", h->head + m->method.off, m->method.len);
			NV(":scheme", sch, slen);
		}
		if (auth)
			NV(":authority", auth, alen);
		NV(":path", path, plen);
	}
#undef NV
	for (uint32_t i = 0; i < m->nb_hdrs && n < sizeof(nv) / sizeof(nv[0]); i++) {
		char *nm = h->head + m->hdrs[i].n.off;
		const char *v = h->head + m->hdrs[i].v.off;

		if (conn_specific(nm, m->hdrs[i].n.len, v, m->hdrs[i].v.len) ||
		    (auth && h1_name_eq(nm, m->hdrs[i].n.len, "host", 4)))
			continue;
		for (uint32_t k = 0; k < m->hdrs[i].n.len; k++)
			if (nm[k] >= 'A' && nm[k] <= 'Z')
				nm[k] = (char)(nm[k] + 32);
		nv[n].name = (uint8_t *)nm;
		nv[n].namelen = m->hdrs[i].n.len;
		nv[n].value = (uint8_t *)v;
		nv[n].valuelen = m->hdrs[i].v.len;
		nv[n].flags = NGHTTP2_NV_FLAG_NONE;
		n++;
	}
	h->meth = m->meth;
	h->body_end = 0;
	if (h->proto || h->connect) {
		h->rq = RQ_TUNNEL;   /* the stream stays open for the tunnel */
	} else if (m->body == H1_BODY_CL && m->content_length) {
		h->body_left = m->content_length;
		h->rq = RQ_BODY_CL;
	} else if (m->body == H1_BODY_CHUNKED) {
		h1_chunk_init(&h->ck, NULL);
		h->rq = RQ_BODY_CHK;
	} else {
		h->rq = RQ_DONE;
		h->body_end = 1;
	}
	h->sid = -1;   /* callbacks during the submission see no stream of ours */
	sid = nghttp2_submit_request(h->c->ses, NULL, nv, n, h->rq == RQ_DONE ? NULL : &prd, h);
	if (sid < 0)
		return -1;
	h->sid = sid;
	h->c->opened++;
	h->rs = RS_HEAD;
	h->status = 0;
	return 0;
}

/* Starts taking a new request: forgets the former one. */
void req_reset(struct h2be *h)
{
	if (h->c && h->sid > 0 && nghttp2_session_find_stream(h->c->ses, h->sid)) {
		if (!h->sclosed)
			nghttp2_submit_rst_stream(h->c->ses, NGHTTP2_FLAG_NONE, h->sid, NGHTTP2_CANCEL);
		nghttp2_session_set_stream_user_data(h->c->ses, h->sid, NULL);   /* late frames reach nobody */
	}
	h->sid = 0;
	h->sclosed = 0;
	h->rq = RQ_HEAD;
	h->rs = RS_NONE;
	h->head_len = 0;
	h->meth = H1_METH_OTHER;
	h->proto = NULL;
	h->proto_len = 0;
	h->connect = 0;
	h1_msg_init(&h->msg, h->hdrs, H2BE_HDRS_MAX);
	buf_reset(&h->body);
	sq_del(&h->replay, h->replay.len);
	h->replay_ok = 1;
	h->res_begun = 0;
	h->refused = 0;
	free(h->trl);
	h->trl = NULL;
	h->trl_len = 0;
	sq_free(&h->rtrl);
	h->unconsumed = 0;
}

/* Takes request bytes of <b> from offset <ofs>, at most <max>. Returns the
 * bytes taken, or -1 when the request cannot go (it failed to parse, or
 * CONNECT).
 */
ssize_t req_take(struct h2be *h, struct buffer *b, size_t ofs, size_t max)
{
	size_t taken = 0;
	char tmp[4096];

	while (taken < max) {
		size_t avail = max - taken, n;
		struct h1_span sp;
		int ret;

		switch (h->rq) {
		case RQ_IDLE:
		case RQ_DONE:
			if (h->c->flags & H2F_GOAWAY)
				return -1;   /* no new stream on this connection */
			req_reset(h);
			/* fall through */
		case RQ_HEAD: {
			struct h1_limits lim;
			size_t prev = h->head_len;

			n = avail < H2BE_HEAD_MAX - prev ? avail : H2BE_HEAD_MAX - prev;
			if (!n)
				return -1;
			buf_peek(b, ofs + taken, h->head + prev, n);
			h1_limits_init(&lim);
			lim.max_head = H2BE_HEAD_MAX;
			lim.max_line = H2BE_HEAD_MAX;
			lim.opts = H1_OPT_ACCEPT_FRAGMENT;
			ret = h1_parse_request(&h->msg, h->head, prev + n, &lim);
			if (ret < 0)
				return -1;
			if (!ret) {
				h->head_len = prev + n;
				return (ssize_t)(taken + n);
			}
			h->proto = upgrade_proto(h, &h->proto_len);
			if (h->proto && (h->c->flags & H2F_SET_BOTH) != H2F_SET_BOTH) {
				/* whether the server takes extended CONNECT is
				 * in its SETTINGS: the head waits for them, and
				 * for the ACK of ours (the exchange is over: a
				 * refusal closing the connection cuts nothing)
				 */
				h->sflags |= H2F_WAIT_SET;
				h->head_len = prev;
				h1_msg_init(&h->msg, h->hdrs, H2BE_HDRS_MAX);   /* parsed again */
				return (ssize_t)taken;
			}
			h->sflags &= ~H2F_WAIT_SET;
			h->head_len = (size_t)ret;
			taken += (size_t)ret - prev;
			if (req_submit(h) < 0)
				return -1;
			break;
		}
		case RQ_TUNNEL:   /* a body without end */
		case RQ_BODY_CL:
			n = h->sclosed ? sizeof(tmp) : buf_room(&h->body);
			if (n > avail)
				n = avail;
			if (h->rq == RQ_BODY_CL && n > h->body_left)
				n = (size_t)h->body_left;
			if (n > sizeof(tmp))
				n = sizeof(tmp);
			if (!n)
				return (ssize_t)taken;
			buf_peek(b, ofs + taken, tmp, n);
			if (!h->sclosed)
				buf_put(&h->body, tmp, n);
			taken += n;
			if (h->rq == RQ_TUNNEL)
				break;
			h->body_left -= n;
			if (!h->body_left) {
				h->body_end = 1;
				h->rq = RQ_DONE;
			}
			break;
		case RQ_BODY_CHK:
			/* data runs at once, framing byte by byte to see the
			 * trailer section's bytes
			 */
			n = !h->ck.remain ? 1 : h->sclosed ? sizeof(tmp) : buf_room(&h->body);
			if (n > avail)
				n = avail;
			if (h->ck.remain && n > h->ck.remain)
				n = (size_t)h->ck.remain;
			if (n > sizeof(tmp))
				n = sizeof(tmp);
			if (!n)
				return (ssize_t)taken;
			buf_peek(b, ofs + taken, tmp, n);
			if (!h->ck.remain && h1_chunk_in_trailers(&h->ck)) {
				if (!h->trl && !(h->trl = malloc(H1_DEF_MAX_HEAD + 2)))
					return -1;
				if (h->trl_len < H1_DEF_MAX_HEAD + 2)
					h->trl[h->trl_len++] = tmp[0];
			}
			ret = h1_chunk_parse(&h->ck, tmp, n, &sp);
			if (ret < 0)
				return -1;
			if (!ret)
				return (ssize_t)taken;
			if (sp.len && !h->sclosed)
				buf_put(&h->body, tmp + sp.off, sp.len);
			taken += (size_t)ret;
			if (h1_chunk_done(&h->ck)) {
				h->body_end = 1;
				h->rq = RQ_DONE;
			}
			break;
		}
		if (h->rq == RQ_DONE) {
			if (h->sid > 0)
				nghttp2_session_resume_data(h->c->ses, h->sid);
			return (ssize_t)taken;   /* the next request waits for the response */
		}
	}
	return (ssize_t)taken;
}
