/*
 * HTTP/2 to servers: HTTP/1.1 <-> HTTP/2, several client streams on one
 * connection. See mux_h2_be.h for the principle and doc/internals/mux.md
 * for the translation rules. Framing, HPACK and flow control are
 * libnghttp2's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include <tollgate/addr.h>
#include <tollgate/buffer.h>
#include <tollgate/fd.h>
#include <tollgate/global.h>
#include <tollgate/h1.h>
#include <tollgate/http_msg.h>
#include <tollgate/list.h>
#include <tollgate/mux_h2_be.h>
#include <tollgate/stream-t.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/tls.h>
#include <tollgate/xprt.h>

#include "h2_be_int.h"

/* Connections with free streams, per thread (each list only its own). */
static struct list h2bc_avail[MAX_THREADS];

/* ---- socket I/O through the inner transport ---- */

/* Writes the framed bytes; more frames from nghttp2 as room appears. Sets
 * H2F_ERROR on a fatal error.
 */
static void h2_flush(struct h2bc *c)
{
	if (!(c->flags & H2F_HS_DONE) || (c->side.fd < 0 && (c->flags & H2F_SHARED)))
		return;   /* not connected yet, or closed with streams not all gone */
	for (;;) {
		if (buf_data(&c->out)) {
			ssize_t n = xprt_send(c->side.xprt, c->side.xprt_ctx, c->side.fd, &c->out, 0, 0);

			if (n < 0 && n != -EAGAIN) {
				c->flags |= H2F_ERROR;
				return;
			}
			if (buf_data(&c->out))
				return;   /* the socket is full: FD_EV_OUT */
		}
		if (!nghttp2_session_want_write(c->ses))
			return;
		if (nghttp2_session_send(c->ses) != 0) {
			c->flags |= H2F_ERROR;
			return;
		}
		if (!buf_data(&c->out))
			return;
	}
}

/* Reads the socket and feeds nghttp2, until it is drained or H2BE_READS
 * reads (the socket is polled level-triggered). Sets H2F_EOF / H2F_ERROR.
 * Each stream's stage is bounded by its window, which the engine gives
 * back as it takes the bytes.
 */
static void h2_read(struct h2bc *c)
{
	for (int i = 0; i < H2BE_READS; i++) {
		ssize_t n;

		if (c->flags & (H2F_EOF | H2F_ERROR))
			return;
		buf_reset(&c->in);
		n = xprt_recv(c->side.xprt, c->side.xprt_ctx, c->side.fd, &c->in, 0);
		if (n == -EAGAIN)
			return;
		if (n == 0) {
			c->flags |= H2F_EOF;
			return;
		}
		if (n < 0) {
			c->flags |= H2F_ERROR;
			return;
		}
		if (nghttp2_session_mem_recv(c->ses, (const uint8_t *)c->in.area, (size_t)n) < 0) {
			/* a connection error: nghttp2 queued its GOAWAY */
			c->flags |= H2F_ERROR;
			return;
		}
		if ((size_t)n < H2BE_IN_SIZE && !xprt_more(c->side.xprt, c->side.xprt_ctx))
			return;   /* drained */
	}
}

/* ---- streams and their connection ---- */

/* The stream of ours that <sid> is, or NULL. */
static struct h2be *h2_stream(struct h2bc *c, int32_t sid)
{
	return sid > 0 ? nghttp2_session_get_stream_user_data(c->ses, sid) : NULL;
}

/* Wakes the task of stream <h> with <ev>, as a poller would. */
static void h2s_wake(struct h2be *h, uint32_t ev)
{
	h->sflags &= ~H2S_WAKE;
	if (!h->task)
		return;
	h->sd->ev |= ev;
	task_wakeup(h->task, TASK_WOKEN_IO);
}

/* Whether <c> takes no more stream: failed, GOAWAY, or max-reuse spent. */
static int h2bc_spent(const struct h2bc *c)
{
	return (c->flags & (H2F_GOAWAY | H2F_ERROR | H2F_EOF | H2F_SHUTW)) ||
	       (c->max_reuse >= 0 && c->opened + !(c->flags & H2F_SHARED) > (unsigned int)c->max_reuse);
}

/* Whether <c> may take one more stream now: HTTP/2, no GOAWAY nor error,
 * below the server's SETTINGS_MAX_CONCURRENT_STREAMS and ours
 * (tune.h2.be.max-concurrent-streams), and below max-reuse + 1 streams in
 * its life.
 */
static int h2bc_has_room(const struct h2bc *c)
{
	uint32_t peer, ours = global.tune_h2_be_max_streams ? global.tune_h2_be_max_streams :
	                      global.tune_h2_max_streams ? global.tune_h2_max_streams : H2BE_MAX_STREAMS;
	unsigned int n = c->nstreams + !(c->flags & H2F_SHARED);   /* the connecting stream's, to come */

	if (!(c->flags & H2F_H2) || h2bc_spent(c))
		return 0;
	peer = nghttp2_session_get_remote_settings(c->ses, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
	return n < peer && n < ours;
}

/* Lists <c> as available, or not, as its room says. */
static void h2bc_relist(struct h2bc *c)
{
	int avail = c->key && h2bc_has_room(c);

	if (avail && !c->listed) {
		list_append(&h2bc_avail[tid], &c->link);
		c->listed = 1;
	} else if (!avail && c->listed) {
		list_del_init(&c->link);
		c->listed = 0;
	}
}

static void h2bc_free(struct h2bc *c)
{
	struct h2be *h, *bk;

	if (c->listed)
		list_del_init(&c->link);
	list_for_each_safe(h, bk, &c->streams, link) {
		/* its side keeps the half, which now fails every call */
		list_del_init(&h->link);
		h->c = NULL;
		h2s_wake(h, FD_EV_IN | FD_EV_ERR);
	}
	nghttp2_session_del(c->ses);
	if (c->side.xprt)
		c->side.xprt->close(c->side.xprt_ctx);
	if (c->side.fd >= 0)
		fd_close_unshared(c->side.fd);
	free(c->out.area);
	free(c->in.area);
	free(c);
}

/* After I/O on a shared connection: wakes the streams frames came for (all
 * of them when the connection failed or got a GOAWAY, those held back when
 * a window opened), frees it when it failed with no stream left, and
 * polls its socket.
 */
static void h2bc_after_io(struct h2bc *c)
{
	int all = (c->flags & (H2F_ERROR | H2F_EOF | H2F_GOAWAY)) && !(c->flags & H2F_WOKE_ALL);
	struct h2be *h, *bk;

	if (all)
		c->flags |= H2F_WOKE_ALL;   /* once: a stream woken does I/O here again */

	list_for_each_safe(h, bk, &c->streams, link) {
		if (all || (h->sflags & H2S_WAKE))
			h2s_wake(h, FD_EV_IN);
		else if ((c->flags & H2F_WAKE_TX) && (h->sflags & H2F_TX_BLOCK))
			h2s_wake(h, FD_EV_IN | FD_EV_OUT);
	}
	c->flags &= ~H2F_WAKE_TX;
	h2bc_relist(c);
	if (!(c->flags & H2F_SHARED))
		return;   /* connecting: its socket is still the first stream's */
	if (!c->nstreams && (c->flags & (H2F_ERROR | H2F_EOF | H2F_GOAWAY))) {
		h2bc_free(c);
		return;
	}
	if (c->flags & (H2F_ERROR | H2F_EOF)) {
		/* its streams fail as they look: the socket goes now */
		if (c->side.xprt)
			c->side.xprt->close(c->side.xprt_ctx);
		c->side.xprt = NULL;
		c->side.xprt_ctx = NULL;
		if (c->side.fd >= 0)
			fd_close_unshared(c->side.fd);
		c->side.fd = -1;
		return;
	}
	fd_set_events(c->side.fd, FD_EV_IN | (buf_data(&c->out) ? FD_EV_OUT : 0) |
	              xprt_events(c->side.xprt, c->side.xprt_ctx));
}

/* The shared connection's socket: frames in, frames out. */
static void h2bc_iocb(int fd, unsigned int events, void *owner)
{
	struct h2bc *c = owner;

	h2_flush(c);
	h2_read(c);
	h2_flush(c);
	if (events & FD_EV_ERR)
		c->flags |= H2F_ERROR;
	h2bc_after_io(c);
}

__attribute__((constructor)) static void h2be_name_iocb(void)
{
	fd_name_iocb(h2bc_iocb, "h2_io_cb", "server");
	for (int i = 0; i < MAX_THREADS; i++)
		list_init(&h2bc_avail[i]);
}

/* ---- the response, from nghttp2's callbacks ---- */

static ssize_t cb_send(nghttp2_session *ses, const uint8_t *data, size_t len, int flags, void *u)
{
	struct h2bc *c = u;
	size_t n = buf_put(&c->out, data, len);

	return n ? (ssize_t)n : NGHTTP2_ERR_WOULDBLOCK;
}

static int cb_begin_headers(nghttp2_session *ses, const nghttp2_frame *frame, void *u)
{
	struct h2be *h = h2_stream(u, frame->hd.stream_id);

	if (h)
		h->res_begun = 1;
	return 0;
}

/* The connection window opens at the first DATA frame, as HAProxy's: a
 * WINDOW_UPDATE sent with the SETTINGS would come between them and the
 * ACK of the server's, which a server may read as the next frame.
 */
static int cb_begin_frame(nghttp2_session *ses, const nghttp2_frame_hd *hd, void *u)
{
	struct h2bc *c = u;

	if (hd->type == NGHTTP2_DATA && !(c->flags & H2F_WINOPEN)) {
		c->flags |= H2F_WINOPEN;
		nghttp2_session_set_local_window_size(ses, NGHTTP2_FLAG_NONE, 0, (int32_t)H2BE_CONN_WINDOW);
	}
	return 0;
}

/* Field <n>: <v> to queue <q>. */
static int add_field(struct sq *q, const uint8_t *n, size_t nlen, const uint8_t *v, size_t vlen)
{
	if (sq_add(q, n, nlen) < 0 || sq_add(q, ": ", 2) < 0 || sq_add(q, v, vlen) < 0 || sq_add(q, "\r\n", 2) < 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	return 0;
}

static int cb_header(nghttp2_session *ses, const nghttp2_frame *frame, const uint8_t *name, size_t nlen,
                     const uint8_t *value, size_t vlen, uint8_t flags, void *u)
{
	struct h2be *h = h2_stream(u, frame->hd.stream_id);

	if (frame->hd.type != NGHTTP2_HEADERS || !h)
		return 0;
	if (h->rs == RS_BODY) {
		/* trailers (nghttp2 refuses pseudo-headers there) */
		return add_field(&h->rtrl, name, nlen, value, vlen);
	}
	if (h->rs != RS_HEAD)
		return 0;
	if (nlen == 7 && !memcmp(name, ":status", 7)) {
		char line[128];
		int st = 0;

		for (size_t i = 0; i < vlen && i < 3; i++)
			st = st * 10 + (value[i] - '0');   /* nghttp2 checked: 3 digits */
		if (h->proto && st == 200)
			st = 101;   /* RFC 8441: the upgrade accepted, a tunnel */
		h->status = st;
		h->has_cl = 0;
		snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", st, http_reason(st));
		return sq_str(&h->stage, line) < 0 ? NGHTTP2_ERR_CALLBACK_FAILURE : 0;
	}
	if (nlen && name[0] == ':')
		return 0;
	if (nlen == 14 && !memcmp(name, "content-length", 14))
		h->has_cl = 1;
	return add_field(&h->stage, name, nlen, value, vlen);
}

/* The response is complete: its last chunk and trailers when chunked. */
static int res_end(struct h2be *h)
{
	int ret = 0;

	if (h->chunked) {
		ret |= sq_str(&h->stage, "0\r\n");
		if (h->rtrl.len)
			ret |= sq_add(&h->stage, h->rtrl.p + h->rtrl.head, h->rtrl.len);
		ret |= sq_str(&h->stage, "\r\n");
	}
	sq_free(&h->rtrl);
	h->rs = RS_DONE;
	return ret < 0 ? NGHTTP2_ERR_CALLBACK_FAILURE : 0;
}

/* The final response head is complete (<end>: END_STREAM came with it). */
static int res_head_end(struct h2be *h, int end)
{
	int nobody = h->meth == H1_METH_HEAD || h->status == 204 || h->status == 304;
	int ret = 0;

	h->chunked = 0;
	if (h->proto && h->status == 101) {
		/* the engine tunnels after a 101: DATA pass as they are */
		ret |= sq_str(&h->stage, "connection: upgrade\r\nupgrade: ");
		ret |= sq_add(&h->stage, h->proto, h->proto_len);
		ret |= sq_str(&h->stage, "\r\n");
	} else if (h->connect && h->status >= 200 && h->status < 300) {
		/* and after a 2xx to CONNECT: no framing, DATA as they are */
	} else if (!nobody && !h->has_cl) {
		if (end)
			ret |= sq_str(&h->stage, "content-length: 0\r\n");
		else {
			ret |= sq_str(&h->stage, "transfer-encoding: chunked\r\n");
			h->chunked = 1;
		}
	}
	if (h->c && (h->c->flags & H2F_GOAWAY))
		ret |= sq_str(&h->stage, "connection: close\r\n");
	ret |= sq_str(&h->stage, "\r\n");
	h->rs = RS_BODY;
	if (ret < 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	return end ? res_end(h) : 0;
}


static int cb_frame_recv(nghttp2_session *ses, const nghttp2_frame *frame, void *u)
{
	struct h2bc *c = u;
	struct h2be *h;
	int end = !!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM);

	if (frame->hd.type == NGHTTP2_GOAWAY) {
		c->flags |= H2F_GOAWAY;
		return 0;
	}
	if (frame->hd.type == NGHTTP2_SETTINGS) {
		c->flags |= ((frame->hd.flags & NGHTTP2_FLAG_ACK) ? H2F_SET_ACKED : H2F_SETTINGS) | H2F_WAKE_TX;
		return 0;
	}
	if (frame->hd.type == NGHTTP2_WINDOW_UPDATE) {
		c->flags |= H2F_WAKE_TX;
		return 0;
	}
	h = h2_stream(c, frame->hd.stream_id);
	if (!h)
		return 0;
	h->sflags |= H2S_WAKE;
	if (frame->hd.type == NGHTTP2_RST_STREAM) {
		h->rst_rcvd = 1;
		h->rst_code = frame->rst_stream.error_code;
		return 0;
	}
	if (frame->hd.type == NGHTTP2_HEADERS) {
		if (h->rs == RS_HEAD) {
			if (h->status >= 100 && h->status < 200 && !(h->proto && h->status == 101)) {
				/* interim: passed on as such, the final one follows */
				h->status = 0;
				return sq_str(&h->stage, "\r\n") < 0 ? NGHTTP2_ERR_CALLBACK_FAILURE : 0;
			}
			return res_head_end(h, end);
		}
		if (h->rs == RS_BODY && end)
			return res_end(h);
		return 0;
	}
	if (frame->hd.type == NGHTTP2_DATA && end && h->rs == RS_BODY)
		return res_end(h);
	return 0;
}

static int cb_data(nghttp2_session *ses, uint8_t flags, int32_t sid, const uint8_t *data, size_t len, void *u)
{
	struct h2be *h = h2_stream(u, sid);
	char line[32];

	if (!h || h->rs != RS_BODY || h->meth == H1_METH_HEAD || h->status == 204 || h->status == 304) {
		/* nobody takes it: its window back at once */
		nghttp2_session_consume(ses, sid, len);
		return 0;
	}
	if (!len)
		return 0;
	h->sflags |= H2S_WAKE;
	if (h->chunked) {
		snprintf(line, sizeof(line), "%zx\r\n", len);
		if (sq_str(&h->stage, line) < 0 || sq_add(&h->stage, data, len) < 0 || sq_add(&h->stage, "\r\n", 2) < 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
	} else if (sq_add(&h->stage, data, len) < 0) {
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	h->unconsumed += len;
	return 0;
}

static int cb_stream_close(nghttp2_session *ses, int32_t sid, uint32_t error_code, void *u)
{
	struct h2bc *c = u;
	struct h2be *h = h2_stream(c, sid);

	c->flags |= H2F_WAKE_TX;   /* a slot freed: a request nghttp2 held may go */
	if (!h || sid != h->sid)
		return 0;
	h->sclosed = 1;
	h->sflags |= H2S_WAKE;
	/* unprocessed (RFC 9113 section 8.7): nghttp2 closes a stream above a
	 * GOAWAY's last-stream-id with this code too
	 */
	if (error_code == NGHTTP2_REFUSED_STREAM && h->rs == RS_HEAD && !h->res_begun && !h->status)
		h->refused = 1;
	if (h->rs != RS_DONE)
		h->rs = RS_ERROR;
	/* the server needs no more of the request */
	buf_reset(&h->body);
	return 0;
}
/* ---- the connection while its first stream connects (xprt_h2be) ---- */

static int h2_start(struct h2bc *c)
{
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt;
	uint32_t win = global.tune_h2_be_window ? global.tune_h2_be_window : H2BE_WINDOW;
	nghttp2_settings_entry set[] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, win },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, H2BE_HDR_LIST },
	};
	int ret;

	if (nghttp2_session_callbacks_new(&cbs))
		return -1;
	nghttp2_session_callbacks_set_send_callback(cbs, cb_send);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, cb_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cbs, cb_header);
	nghttp2_session_callbacks_set_on_begin_frame_callback(cbs, cb_begin_frame);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, cb_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, cb_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, cb_stream_close);
	if (nghttp2_option_new(&opt)) {
		nghttp2_session_callbacks_del(cbs);
		return -1;
	}
	nghttp2_option_set_no_auto_window_update(opt, 1);
	ret = nghttp2_session_client_new2(&c->ses, cbs, c, opt);
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cbs);
	if (ret)
		return -1;
	if (nghttp2_submit_settings(c->ses, NGHTTP2_FLAG_NONE, set, sizeof(set) / sizeof(set[0])))
		return -1;
	c->out.area = malloc(H2BE_OUT_SIZE);
	c->in.area = malloc(H2BE_IN_SIZE);
	if (!c->out.area || !c->in.area)
		return -1;
	c->out.size = H2BE_OUT_SIZE;
	c->in.size = H2BE_IN_SIZE;
	c->flags |= H2F_H2;
	return 0;
}

static int h2_handshake(void *ctx, int fd)
{
	struct h2bc *c = ctx;

	if (c->flags & H2F_HS_DONE)
		return 1;
	c->side.fd = fd;
	if (c->side.xprt && !(c->flags & H2F_HS_INNER)) {
		int ret = c->side.xprt->handshake(c->side.xprt_ctx, fd);

		if (ret <= 0)
			return ret;
		c->flags |= H2F_HS_INNER;
	}
	if (!c->ses) {
		if (c->mode == H2BE_ALPN) {
			const unsigned char *p = NULL;
			unsigned int len = 0;

			if (c->side.xprt == &xprt_tls)
				SSL_get0_alpn_selected(tls_conn_ssl(c->side.xprt_ctx), &p, &len);
			if (len != 2 || memcmp(p, "h2", 2)) {
				c->flags |= H2F_HS_DONE;   /* HTTP/1.1: a pass-through */
				return 1;
			}
		}
		if (h2_start(c) < 0)
			return -1;
	}
	/* the preface goes now (with the requests of the streams that took
	 * the connection while it was connecting), or with the first request
	 * if the socket is full
	 */
	c->flags |= H2F_HS_DONE;
	h2_flush(c);
	return (c->flags & H2F_ERROR) ? -1 : 1;
}

/* HTTP/2 is spoken through h2be_share() only: these pass through. */
static ssize_t h2_send(void *ctx, int fd, struct buffer *b, size_t max, unsigned int flags)
{
	struct h2bc *c = ctx;

	if (c->flags & H2F_H2)
		return -EPIPE;
	return xprt_send(c->side.xprt, c->side.xprt_ctx, fd, b, max, flags);
}

static ssize_t h2_recv(void *ctx, int fd, struct buffer *b, size_t max)
{
	struct h2bc *c = ctx;

	if (c->flags & H2F_H2)
		return -EPIPE;
	return xprt_recv(c->side.xprt, c->side.xprt_ctx, fd, b, max);
}

static int h2_more(const void *ctx)
{
	const struct h2bc *c = ctx;

	return (c->flags & H2F_H2) || xprt_more(c->side.xprt, c->side.xprt_ctx);
}

static int h2_shutw(void *ctx, int fd)
{
	struct h2bc *c = ctx;

	if (c->side.xprt)
		c->side.xprt->shutw(c->side.xprt_ctx, fd);
	return 0;
}

static void h2_close(void *ctx)
{
	struct h2bc *c = ctx;

	if (!c)
		return;
	c->side.fd = -1;   /* the stream's, closed by it */
	h2bc_free(c);
}

static uint32_t h2_events(const void *ctx)
{
	const struct h2bc *c = ctx;
	uint32_t ev = xprt_events(c->side.xprt, c->side.xprt_ctx);

	if ((c->flags & H2F_H2) && buf_data(&c->out))
		ev |= FD_EV_OUT;
	return ev;
}

const struct xprt_ops xprt_h2be = {
	.name = "H2",
	.recv = h2_recv,
	.send = h2_send,
	.handshake = h2_handshake,
	.shutw = h2_shutw,
	.close = h2_close,
	.events = h2_events,
	.more = h2_more,
};

void *h2be_new(const struct xprt_ops *inner, void *inner_ctx, int mode)
{
	struct h2bc *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->side.fd = -1;
	c->side.xprt = inner;
	c->side.xprt_ctx = inner_ctx;
	c->mode = mode;
	c->max_reuse = -1;
	list_init(&c->link);
	list_init(&c->streams);
	return c;
}

int h2be_offer(void *ctx, const void *key, const struct addr *dst, int max_reuse)
{
	struct h2bc *c = ctx;

	if (c->mode != H2BE_PRIOR || (!c->ses && h2_start(c) < 0))
		return -1;
	c->key = key;
	c->dst = *dst;
	c->max_reuse = max_reuse;
	h2bc_relist(c);
	return 0;
}

void h2be_set_inner(void *ctx, const struct xprt_ops *inner, void *inner_ctx)
{
	struct h2bc *c = ctx;

	c->side.xprt = inner;
	c->side.xprt_ctx = inner_ctx;
}

void *h2be_inner(const void *ctx, const struct xprt_ops **ops)
{
	const struct h2bc *c = ctx;

	*ops = c->side.xprt;
	return c->side.xprt_ctx;
}

/* ---- one stream of a shared connection (xprt_h2bs) ---- */

/* Keeps a copy of the <n> request bytes at the head of <b> for a retry,
 * while the request fits in H2BE_REPLAY_MAX.
 */
static void replay_keep(struct h2be *h, const struct buffer *b, size_t n)
{
	char tmp[4096];

	if (!h->replay_ok)
		return;
	if (h->replay.len + n > H2BE_REPLAY_MAX) {
		h->replay_ok = 0;
		sq_free(&h->replay);
		return;
	}
	for (size_t ofs = 0; ofs < n;) {
		size_t k = n - ofs < sizeof(tmp) ? n - ofs : sizeof(tmp);

		buf_peek(b, ofs, tmp, k);
		if (sq_add(&h->replay, tmp, k) < 0) {
			h->replay_ok = 0;
			sq_free(&h->replay);
			return;
		}
		ofs += k;
	}
}

const void *h2be_refused(const void *ctx, size_t *len)
{
	const struct h2be *h = ctx;

	if (!h || !h->refused || !h->replay_ok || !h->replay.len)
		return NULL;
	*len = h->replay.len;
	return h->replay.p + h->replay.head;
}

static ssize_t h2s_send(void *ctx, int fd, struct buffer *b, size_t max, unsigned int flags)
{
	struct h2be *h = ctx;
	struct h2bc *c = h->c;
	size_t want = buf_data(b);
	ssize_t n;

	if (!want)
		return 0;
	if (!c || (c->flags & H2F_ERROR) || h->shut)
		return -EPIPE;
	if (max && max < want)
		want = max;
	n = req_take(h, b, 0, want);
	if (n < 0) {
		h2_flush(c);   /* an upgrade refused: its RST_STREAM */
		h2bc_after_io(c);
		return -EPIPE;
	}
	replay_keep(h, b, (size_t)n);
	buf_del(b, (size_t)n);
	if (n && h->sid > 0 && buf_data(&h->body))
		nghttp2_session_resume_data(c->ses, h->sid);
	h2_flush(c);
	h2bc_after_io(c);
	if (c->flags & H2F_ERROR)
		return -EPIPE;
	if (!n) {
		h->sflags |= H2F_TX_BLOCK;
		return -ENOBUFS;   /* the window holds the body back: see xprt.h */
	}
	h->sflags &= ~H2F_TX_BLOCK;
	return n;
}

static ssize_t h2s_recv(void *ctx, int fd, struct buffer *b, size_t max)
{
	struct h2be *h = ctx;
	struct h2bc *c = h->c;
	size_t room, n;

	if (!b->area || buf_full(b))
		return -ENOSPC;
	room = buf_room(b);
	if (max && max < room)
		room = max;
	n = h->stage.len < room ? h->stage.len : room;
	if (n) {
		size_t k = n < h->unconsumed ? n : h->unconsumed;

		buf_put(b, h->stage.p + h->stage.head, n);
		sq_del(&h->stage, n);
		if (!h->stage.len)
			k = h->unconsumed;
		if (k && c && h->sid > 0) {
			/* the engine took body bytes: the server may send more */
			h->unconsumed -= k;
			nghttp2_session_consume(c->ses, h->sid, k);
			h2_flush(c);
			h2bc_after_io(c);
		}
		return (ssize_t)n;
	}
	if (!c)
		return (h->rs == RS_HEAD || h->rs == RS_BODY || h->rs == RS_ERROR) ? -EPIPE : 0;
	if (h->rs == RS_ERROR || (c->flags & H2F_ERROR))
		return -EPIPE;
	if (c->flags & H2F_EOF)
		return (h->rs == RS_HEAD || h->rs == RS_BODY) ? -EPIPE : 0;
	if ((c->flags & H2F_GOAWAY) && h->rs != RS_HEAD && h->rs != RS_BODY)
		return 0;   /* nothing more will come on this connection */
	if (h->rq == RQ_TUNNEL && h->rs == RS_DONE)
		return 0;   /* the server ended its side of the tunnel */
	return -EAGAIN;
}

/* Whether the connection of <h> takes no more stream: failed, GOAWAY, or
 * its max-reuse spent.
 */
static int h2s_spent(const struct h2be *h)
{
	return !h->c || h2bc_spent(h->c);
}

static int h2s_more(const void *ctx)
{
	const struct h2be *h = ctx;

	return h->stage.len || h->rs == RS_ERROR || (h->rq == RQ_TUNNEL && h->rs == RS_DONE) || h2s_spent(h);
}

static int h2s_handshake(void *ctx, int fd)
{
	return 1;
}

static int h2s_shutw(void *ctx, int fd)
{
	struct h2be *h = ctx;
	struct h2bc *c = h->c;

	if (!c || h->shut)
		return 1;
	if (h->rq == RQ_TUNNEL && h->sid > 0 && !h->sclosed && !(c->flags & H2F_ERROR)) {
		/* the client ended its side of a tunnel: END_STREAM only, as
		 * HAProxy (the server's side may go on)
		 */
		h->body_end = 1;
		nghttp2_session_resume_data(c->ses, h->sid);
	} else if (h->sid > 0 && !h->sclosed && h->rs != RS_DONE && nghttp2_session_find_stream(c->ses, h->sid)) {
		/* the request is abandoned: its stream only */
		nghttp2_submit_rst_stream(c->ses, NGHTTP2_FLAG_NONE, h->sid, NGHTTP2_CANCEL);
		h->shut = 1;
	}
	h2_flush(c);
	h2bc_after_io(c);
	return 1;
}

/* Detaches <h> from its connection: its open stream is reset (CANCEL); the
 * connection stays for others, idle if none (listed), or closes when it
 * failed, got a GOAWAY, spent its max-reuse or is private.
 */
static void h2s_close(void *ctx)
{
	struct h2be *h = ctx;
	struct h2bc *c = h->c;

	if (c) {
		req_reset(h);
		list_del_init(&h->link);
		c->nstreams--;
		h->c = NULL;
		h2_flush(c);
		if ((c->flags & H2F_SHARED) && !c->nstreams && (!c->key || h2bc_spent(c) || (c->flags & H2F_SHUTW)))
			h2bc_free(c);
		else
			h2bc_after_io(c);
	}
	free(h->body.area);
	free(h->head);
	free(h->hdrs);
	free(h->trl);
	sq_free(&h->stage);
	sq_free(&h->rtrl);
	sq_free(&h->replay);
	free(h);
}

static uint32_t h2s_events(const void *ctx)
{
	const struct h2be *h = ctx;

	/* send() refused bytes and room has come since: wake up to send */
	if (h->c && (h->sflags & H2F_TX_BLOCK) && buf_room(&h->body) &&
	    (!(h->sflags & H2F_WAIT_SET) || (h->c->flags & H2F_SET_BOTH) == H2F_SET_BOTH))
		return FD_EV_OUT;
	return 0;
}

static void h2s_subscribe(void *ctx, uint32_t ev)
{
	struct h2be *h = ctx;

	h->sub = ev;
	if ((ev & FD_EV_IN) && !(h->sd->flags & SIDE_RDMAY) &&
	    (h->stage.len || h->rs == RS_ERROR || !h->c || (h->c->flags & (H2F_ERROR | H2F_EOF | H2F_GOAWAY)) ||
	     (h->rq == RQ_TUNNEL && h->rs == RS_DONE)))
		h2s_wake(h, FD_EV_IN);
	else if ((ev & FD_EV_OUT) && h2s_events(h))
		h2s_wake(h, FD_EV_OUT);
}

static const struct side *h2s_conn_side(const void *ctx)
{
	static const struct side none = { .fd = -1 };
	const struct h2be *h = ctx;

	return h->c ? &h->c->side : &none;
}

const struct xprt_ops xprt_h2bs = {
	.name = "H2",
	.recv = h2s_recv,
	.send = h2s_send,
	.more = h2s_more,
	.handshake = h2s_handshake,
	.shutw = h2s_shutw,
	.close = h2s_close,
	.events = h2s_events,
	.subscribe = h2s_subscribe,
	.conn_side = h2s_conn_side,
};

/* A new stream half on <c> for side <sd> of the stream whose task is
 * <task>: <sd> becomes a side without a socket. 0, or -1 without memory.
 */
static int h2s_attach(struct h2bc *c, struct side *sd, struct task *task)
{
	struct h2be *h = calloc(1, sizeof(*h));

	if (!h)
		return -1;
	h->body.area = malloc(H2BE_BODY_SIZE);
	h->head = malloc(H2BE_HEAD_MAX);
	h->hdrs = malloc(H2BE_HDRS_MAX * sizeof(*h->hdrs));
	if (!h->body.area || !h->head || !h->hdrs) {
		free(h->body.area);
		free(h->head);
		free(h->hdrs);
		free(h);
		return -1;
	}
	h->body.size = H2BE_BODY_SIZE;
	h->c = c;
	h->sd = sd;
	h->task = task;
	h->replay_ok = 1;
	list_append(&c->streams, &h->link);
	c->nstreams++;
	sd->fd = -1;
	sd->xprt = &xprt_h2bs;
	sd->xprt_ctx = h;
	h2bc_relist(c);
	return 0;
}

int h2be_share(struct side *sd, struct task *task, const void *key, const struct addr *dst, int max_reuse)
{
	struct h2bc *c = sd->xprt_ctx;
	int fd = sd->fd;

	if (sd->xprt != &xprt_h2be || !(c->flags & H2F_H2))
		return 0;
	c->side.fd = fd;
	if (!c->key) {
		c->key = key;
		if (dst)
			c->dst = *dst;
		c->max_reuse = max_reuse;
	}
	c->flags |= H2F_SHARED;
	if (h2s_attach(c, sd, task) < 0) {
		c->side.fd = -1;
		c->flags &= ~H2F_SHARED;
		return -1;
	}
	fd_set_owner(fd, h2bc_iocb, c);
	h2bc_after_io(c);
	return 1;
}

int h2be_stream_info(const struct side *sd, struct h2_sinfo *si)
{
	const struct h2be *h = sd->xprt_ctx;

	if (sd->xprt != &xprt_h2bs || !h)
		return -1;
	si->sid = h->sid;
	si->aborted = h->rst_rcvd;
	si->rst_code = h->rst_code;
	si->nb = h->c ? (int)h->c->nstreams : 0;
	si->limit = h->c && h->c->ses ?
	            nghttp2_session_get_remote_settings(h->c->ses, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS) : 0;
	return 0;
}

int h2be_take(struct side *sd, struct task *task, const void *key, const struct addr *dst)
{
	struct h2bc *c;

	list_for_each(c, &h2bc_avail[tid], link) {
		if (c->key == key && !addr_cmp(&c->dst, dst) && h2bc_has_room(c))
			return h2s_attach(c, sd, task) < 0 ? 0 : 1;
	}
	return 0;
}
