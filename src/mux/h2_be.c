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

#define H2BE_OUT_SIZE   16384U          /* framed bytes waiting for the socket */
#define H2BE_IN_SIZE    16384U          /* one socket read */
#define H2BE_BODY_SIZE  65536U          /* request body taken, not framed yet */
#define H2BE_HEAD_MAX   65536U          /* a request head (tune.bufsize bounds it first) */
#define H2BE_HDRS_MAX   256U            /* its fields */
#define H2BE_WINDOW     (256U * 1024U)  /* the stream window we offer the server (default) */
#define H2BE_CONN_WINDOW (1024U * 1024U) /* the connection window */
#define H2BE_HDR_LIST   65536U          /* SETTINGS_MAX_HEADER_LIST_SIZE */
#define H2BE_STAGE_MAX  (H2BE_WINDOW + 2U * H2BE_HDR_LIST + 65536U) /* staged response bytes */
#define H2BE_READS      16              /* socket reads per wake-up at most (level-triggered) */
#define H2BE_REPLAY_MAX 16384U          /* a request kept for a retry (tune.bufsize) */
#define H2BE_MAX_STREAMS 100U           /* tune.h2.be.max-concurrent-streams' default, HAProxy's */

/* connection flags (struct h2bc) */
#define H2F_H2        0x0001U   /* HTTP/2 spoken (else a pass-through to the inner transport) */
#define H2F_HS_INNER  0x0002U   /* the inner handshake is done */
#define H2F_HS_DONE   0x0004U   /* ours too */
#define H2F_GOAWAY    0x0008U   /* the server sent GOAWAY (or no stream may open): no new stream */
#define H2F_ERROR     0x0010U   /* connection failed: every call fails */
#define H2F_EOF       0x0020U   /* the socket reached its end */
#define H2F_SHUTW     0x0100U   /* shut (GOAWAY sent) */
#define H2F_SETTINGS  0x0200U   /* the server's SETTINGS came */
#define H2F_WINOPEN   0x0800U   /* the connection window was opened (first DATA) */
#define H2F_SET_ACKED 0x1000U   /* the server acknowledged our SETTINGS */
#define H2F_SHARED    0x2000U   /* owns its socket (h2bc_iocb): streams are attached to it */
#define H2F_WAKE_TX   0x4000U   /* a window opened: wake the streams held back */
#define H2F_WOKE_ALL  0x8000U   /* its streams were woken for its end */
#define H2F_SET_BOTH  (H2F_SETTINGS | H2F_SET_ACKED)

/* stream flags (struct h2be) */
#define H2F_TX_BLOCK  0x0080U   /* send() refused bytes for want of body room */
#define H2F_WAIT_SET  0x0400U   /* an upgrade waits for the SETTINGS (RFC 8441) */
#define H2S_WAKE      0x0001U   /* frames came for it: wake its task */
enum h2be_rq {
	RQ_IDLE = 0,   /* no request being taken */
	RQ_HEAD,       /* its head, into <head> */
	RQ_BODY_CL,    /* a Content-Length body */
	RQ_BODY_CHK,   /* a chunked body */
	RQ_TUNNEL,     /* a CONNECT, extended or not: bytes as DATA until shutw() */
	RQ_DONE,       /* all of it taken */
};

enum h2be_rs {
	RS_NONE = 0,   /* no stream */
	RS_HEAD,       /* the final response head is awaited */
	RS_BODY,       /* head staged, body (or trailers) coming */
	RS_DONE,       /* complete */
	RS_ERROR,      /* reset, refused, or the connection failed */
};


/* A growing byte queue (the response staged for the engine). */
struct sq {
	char *p;       /* storage, NULL until used */
	size_t head;   /* first byte */
	size_t len;    /* bytes queued */
	size_t cap;    /* storage size */
};

/* An HTTP/2 connection to a server. While its first stream connects it is
 * that stream's transport (xprt_h2be, the stream's fd); once HTTP/2 is
 * chosen it takes the socket (h2bc_iocb) and the streams attach to it
 * (struct h2be, xprt_h2bs, sides without a socket). It belongs to the
 * thread that connected it, as its fd: only that thread lists, reads or
 * frees it.
 */
struct h2bc {
	struct side side;              /* its socket (fd -1 until shared) and the transport under HTTP/2 */
	nghttp2_session *ses;          /* once HTTP/2 is chosen */
	int mode;                      /* H2BE_PRIOR / H2BE_ALPN */
	unsigned int flags;            /* H2F_* */
	struct buffer out;             /* framed bytes for the socket */
	struct buffer in;              /* one socket read */
	const void *key;               /* the server, for h2be_take() */
	struct addr dst;               /* the address connected to */
	int max_reuse;                 /* streams after the first one in its life, -1: no limit */
	int listed;                    /* in h2bc_avail[tid] (h2be_take() may find it) */
	struct list link;              /* there */
	struct list streams;           /* its struct h2be */
	unsigned int nstreams;         /* attached */
	unsigned int opened;           /* streams submitted in its life */
};

/* One stream: the per-request half of a server side (xprt_h2bs). */
struct h2be {
	struct h2bc *c;                /* its connection, NULL once it failed and was freed */
	struct side *sd;               /* the stream's server side, woken as a poller would */
	struct task *task;             /* the stream's task */
	struct list link;              /* in c->streams */
	unsigned int sflags;           /* H2F_TX_BLOCK, H2F_WAIT_SET, H2S_WAKE */
	uint32_t sub;                  /* FD_EV_* the engine waits for */
	int shut;                      /* shutw() done: no more request */
	/* the request being taken */
	int32_t sid;                   /* its stream, 0: none yet */
	int sclosed;                   /* that stream is closed: the rest of the body is dropped */
	enum h2be_rq rq;               /* progress */
	enum h1_meth meth;             /* its method */
	char *head;                    /* its head, copied (H2BE_HEAD_MAX) */
	size_t head_len;               /* bytes in <head> */
	struct h1_msg msg;             /* its parse */
	struct h1_hdr *hdrs;           /* fields (H2BE_HDRS_MAX) */
	uint64_t body_left;            /* Content-Length bytes not taken */
	struct h1_chunk ck;            /* chunked body parse */
	char *trl;                     /* request chunk trailer section, or NULL */
	size_t trl_len;                /* its bytes */
	struct buffer body;            /* body taken, not framed */
	int body_end;                  /* the whole body is in <body> */
	const char *proto;             /* extended CONNECT: :protocol (in <head>), else NULL */
	uint32_t proto_len;            /* its length */
	int connect;                   /* a plain CONNECT (RFC 9113 8.5): a tunnel after a 2xx */
	/* the response */
	enum h2be_rs rs;               /* progress */
	int status;                    /* final status, 0 before */
	int has_cl;                    /* the final head has content-length */
	int chunked;                   /* the body goes chunked to the engine */
	struct sq stage;               /* HTTP/1.1 bytes for the engine */
	struct sq rtrl;                /* response trailer fields */
	size_t unconsumed;             /* DATA bytes staged, window not yet given back */
	/* a refused request goes again on a new connection (h2be_refused()) */
	struct sq replay;              /* its HTTP/1.1 bytes taken so far */
	int replay_ok;                 /* all of them are in <replay> (not past its cap) */
	int res_begun;                 /* a response frame came for the stream */
	int refused;                   /* REFUSED_STREAM, or a GOAWAY below it, before any */
};

/* ---- byte queue ---- */

static int sq_add(struct sq *q, const void *src, size_t len)
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

static int sq_str(struct sq *q, const char *s)
{
	return sq_add(q, s, strlen(s));
}

static void sq_del(struct sq *q, size_t n)
{
	q->head += n;
	q->len -= n;
	if (!q->len)
		q->head = 0;
}

static void sq_free(struct sq *q)
{
	free(q->p);
	memset(q, 0, sizeof(*q));
}

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
static void req_reset(struct h2be *h)
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
static ssize_t req_take(struct h2be *h, struct buffer *b, size_t ofs, size_t max)
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

int h2be_take(struct side *sd, struct task *task, const void *key, const struct addr *dst)
{
	struct h2bc *c;

	list_for_each(c, &h2bc_avail[tid], link) {
		if (c->key == key && !addr_cmp(&c->dst, dst) && h2bc_has_room(c))
			return h2s_attach(c, sd, task) < 0 ? 0 : 1;
	}
	return 0;
}
