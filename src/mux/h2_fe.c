/*
 * HTTP/2 client connections: the mux between an HTTP/2 connection and the
 * HTTP engine's streams. See mux_h2.h and doc/internals/mux.md.
 *
 * The connection (struct h2c) reads its socket into <ibuf> and feeds
 * nghttp2 (nghttp2_session_mem_recv), whose callbacks build each request
 * stream (struct h2s) as HTTP/1.1 bytes in the stream's <rx>; nghttp2's
 * output (nghttp2_session_mem_send) goes through <obuf> to the socket. The
 * engine's stream reads <rx> and writes its response through xprt_h2s,
 * whose send() parses the HTTP/1.1 response with the project's parser
 * (h1.h) into HEADERS, DATA (from <tx>, by a data provider) and trailers.
 *
 * Flow control: WINDOW_UPDATEs are sent as the engine reads request body
 * bytes (nghttp2_session_consume()), so a slow server slows the client;
 * send() takes no more than <tx> holds (H2S_TX_MAX), so a slow client
 * slows the server.
 *
 * Lifetime: an h2s is referenced by nghttp2 (until its stream closes) and
 * by the engine's stream (until it closes its side, xprt close()); it is
 * freed when both are gone. When the connection goes first, its streams
 * see an error and the h2s only waits for the engine.
 *
 * Everything runs on the connection's thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include <tollgate/buffer.h>
#include <tollgate/clock.h>
#include <tollgate/counters.h>
#include <tollgate/fd.h>
#include <tollgate/global.h>
#include <tollgate/h1.h>
#include <tollgate/list.h>
#include <tollgate/listener.h>
#include <tollgate/mux_h2.h>
#include <tollgate/mux_h2_be.h>
#include <tollgate/pool.h>
#include <tollgate/pool_var.h>
#include <tollgate/proxy.h>
#include <tollgate/sock.h>
#include <tollgate/stkctr.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>
#include <tollgate/tls.h>
#include <tollgate/xprt.h>

#include "h2_fe_int.h"

#define H2S_TX_MAX   (64 * 1024)   /* response DATA buffered per stream */
#define H2C_SPARE_MAX 32           /* finished h2s a connection keeps for its next streams */
#define H2S_KEEP_MAX 1024          /* ... with their buffers' storage up to this size */

/* h2c flags */
#define H2C_F_RDMAY   0x01U   /* a read may find data */
#define H2C_F_SHUTR   0x02U   /* the client closed */
#define H2C_F_ERROR   0x04U   /* I/O or protocol error: close */
#define H2C_F_GOAWAY  0x08U   /* graceful GOAWAY submitted */
#define H2C_F_FATAL   0x10U   /* nghttp2 gave up the session: it sends no more */
#define H2C_F_WINOPEN 0x20U   /* the connection window was opened (first DATA) */
#define H2C_F_SETTINGS 0x40U  /* the client's first SETTINGS came */

/* h2s flags */
#define H2S_F_REQ_HEAD  0x0001U   /* request head emitted into rx */
#define H2S_F_REQ_ES    0x0002U   /* client's END_STREAM received */
#define H2S_F_CHUNKED   0x0004U   /* request body sent chunked to the engine */
#define H2S_F_HAS_CL    0x0008U   /* request had content-length */
#define H2S_F_RESET     0x0010U   /* reset (peer, or connection lost) before our end */
#define H2S_F_CLOSED    0x0020U   /* nghttp2 closed the stream */
#define H2S_F_SHUTW     0x0040U   /* the engine shut its output */
#define H2S_F_RES_SUB   0x0080U   /* response submitted */
#define H2S_F_TX_EOF    0x0100U   /* response body complete in tx */
#define H2S_F_DEFERRED  0x0200U   /* the data provider said DEFERRED */
#define H2S_F_TX_BLOCK  0x0400U   /* send() refused for lack of room */
#define H2S_F_ES_SENT   0x0800U   /* our END_STREAM went */
#define H2S_F_BAD       0x1000U   /* malformed request (h2_req_check): reset */
#define H2S_F_UPGRADE   0x2000U   /* extended CONNECT: its 101 answers 200, a tunnel */

enum h2s_tx_state {
	TX_HEAD = 0,   /* awaiting the response head */
	TX_CL,         /* Content-Length body */
	TX_CHUNKED,    /* chunked body */
	TX_CLOSE,      /* body until shutw (close-delimited, tunnel) */
	TX_DONE,       /* response complete */
};

struct h2c;

struct h2s {
	struct list list;          /* in h2c->streams */
	struct h2c *h2c;           /* its connection, NULL once gone */
	struct stream *strm;       /* the engine's stream, NULL once it left */
	int32_t id;                /* HTTP/2 stream id */
	unsigned int flags;        /* H2S_F_* */
	enum h1_meth meth;         /* request method (HEAD, CONNECT matter) */
	struct h2b rx;             /* HTTP/1.1 request bytes for the engine */
	uint64_t rx_unacked;       /* DATA bytes in rx not yet consumed (window) */
	uint64_t rx_total;         /* DATA bytes received (against content-length) */
	struct h2_req req;         /* request head being built */
	struct h2b tx;             /* response DATA to send */
	struct h2b hbuf;           /* response head, then chunked trailers */
	enum h2s_tx_state tx_state; /* response parsing */
	uint64_t tx_left;          /* TX_CL: body bytes left */
	struct h1_chunk ck;        /* TX_CHUNKED: parser */
	int rst_rcvd;              /* the client reset it (fs.aborted) */
	uint32_t rst_code;         /* with this code (fs.rst_code) */
};

struct h2c {
	struct side conn;          /* socket and transport (TLS) */
	struct listener *li;       /* where it came in */
	struct proxy *fe;          /* frontend */
	struct addr peer;          /* client address */
	struct addr local;         /* address it reached */
	int has_local;             /* <local> is known */
	int32_t t_hs;              /* TLS handshake ms (%Th) */
	struct task *task;         /* I/O and timeouts */
	nghttp2_session *ngh;      /* the protocol */
	struct buffer ibuf;        /* bytes read, not yet parsed */
	struct buffer obuf;        /* bytes to send */
	const uint8_t *pend;       /* nghttp2 output not yet in obuf */
	size_t pend_len;           /* its bytes */
	unsigned int flags;        /* H2C_F_* */
	unsigned int nb_streams;   /* h2s attached to an engine stream */
	unsigned int nb_req;       /* streams started so far */
	struct list streams;       /* h2s of the connection */
	struct list spare;         /* finished h2s kept for the next streams */
	unsigned int nb_spare;     /* their count, at most H2C_SPARE_MAX */
	struct list by_thread;     /* in h2c_list[tid] */
	uint32_t idle_exp;         /* deadline while idle or blocked */
	unsigned int glitches;     /* protocol abuses seen (fc_glitches) */
	unsigned int hb_frags;     /* frames of the header block being received */
	uint32_t hb_len;           /* their payload bytes */
	uint32_t peer_iws;         /* the client's SETTINGS_INITIAL_WINDOW_SIZE */
	struct stkctrs sc;         /* counters tracked by the connection's rules */
	unsigned char *pp_tlv;     /* its PROXY v2 header's TLVs (malloc'd), or NULL */
	unsigned int pp_tlv_len;   /* their bytes */
	unsigned char pp_rcvd;     /* a PROXY header was received (fc_rcvd_proxy) */
	int32_t last_id;           /* the stream looked up last (h2s_of()), 0: none */
	struct h2s *last;          /* its h2s, as nghttp2's stream user data */
};

static struct list h2c_list[MAX_THREADS];   /* per thread, owner only */
static int h2c_list_ready[MAX_THREADS];

static nghttp2_session_callbacks *h2_cbs;   /* h2_lib_init(), then read-only */
static nghttp2_option *h2_opts;
static struct pool_head *pool_h2s;           /* struct h2s */
static pthread_once_t h2_lib_once = PTHREAD_ONCE_INIT;
static int h2_lib_err;                       /* h2_lib_setup()'s result */

static const struct xprt_ops xprt_h2s;

/* ---- small helpers ---- */

static void h2s_wake(struct h2s *h, unsigned int ev)
{
	if (!h->strm)
		return;
	h->strm->cli.ev |= ev;
	task_wakeup(h->strm->task, TASK_WOKEN_IO);
}

static void h2c_wake(struct h2c *c)
{
	task_wakeup(c->task, TASK_WOKEN_OTHER);
}

/* Drops the bytes <b> holds; its storage too when larger than
 * H2S_KEEP_MAX (a request body, a long response), so that what an h2s
 * keeps is small.
 */
static void h2b_trim(struct h2b *b)
{
	if (b->cap > H2S_KEEP_MAX)
		h2b_free(b);
	else
		h2b_reset(b);
}

/* Forgets <h> as the connection's last looked up stream (h2s_of()). */
static void h2s_unlook(struct h2s *h)
{
	if (h->h2c && h->h2c->last == h) {
		h->h2c->last = NULL;
		h->h2c->last_id = 0;
	}
}

static void h2s_destroy(struct h2s *h)
{
	h2s_unlook(h);
	list_del_init(&h->list);
	h2b_free(&h->rx);
	h2b_free(&h->tx);
	h2b_free(&h->hbuf);
	h2_req_free(&h->req);
	pool_free(pool_h2s, h);
}

/* Frees <h>, or keeps it in its connection's spares with the small
 * storage of its buffers (rx, tx, the pseudo-headers): the next stream
 * then costs no allocation. At most H2C_SPARE_MAX per connection, freed
 * with it.
 */
static void h2s_free(struct h2s *h)
{
	struct h2c *c = h->h2c;

	if (!c || c->nb_spare >= H2C_SPARE_MAX) {
		h2s_destroy(h);
		return;
	}
	h2s_unlook(h);
	list_del_init(&h->list);
	h2b_trim(&h->rx);
	h2b_trim(&h->tx);
	h2b_trim(&h->req.pse);
	h2b_free(&h->hbuf);
	h2b_free(&h->req.cookie);
	h2b_free(&h->req.trl);
	list_append(&c->spare, &h->list);
	c->nb_spare++;
}

/* A stream for <c>: a spare one (its buffers' storage kept, all else
 * zeroed), or a new one. NULL when memory is short.
 */
static struct h2s *h2s_new(struct h2c *c)
{
	struct h2b rx, tx, pse;
	struct h2s *h;

	if (list_empty(&c->spare))
		return pool_zalloc(pool_h2s);
	h = list_elem(c->spare.next, struct h2s, list);
	list_del_init(&h->list);
	c->nb_spare--;
	rx = h->rx;
	tx = h->tx;
	pse = h->req.pse;
	memset(h, 0, sizeof(*h));
	h->rx = rx;
	h->tx = tx;
	h->req.pse = pse;
	return h;
}

/* Gives back the flow-control window of the request bytes the stream will
 * never read.
 */
static void h2s_consume_rest(struct h2s *h)
{
	if (h->h2c && h->rx_unacked)
		nghttp2_session_consume(h->h2c->ngh, h->id, (size_t)h->rx_unacked);
	h->rx_unacked = 0;
	h2b_trim(&h->rx);
}

/* Counts <n> glitches on <c> (HAProxy's name for a protocol abuse: a
 * stream reset by the client before its response, a malformed or
 * oversized request, an invalid frame), and on the entries its rules
 * track (glitch_cnt, glitch_rate). Past tune.h2.fe.glitches-threshold the
 * connection is killed: GOAWAY ENHANCE_YOUR_CALM, then close.
 */
static void h2c_glitch(struct h2c *c, unsigned int n)
{
	c->glitches += n;
	if (c->sc.tracked)
		stkctr_glitch(&c->sc, n);
	if (global.tune_h2_fe_glitches && c->glitches >= global.tune_h2_fe_glitches && !(c->flags & H2C_F_ERROR)) {
		nghttp2_session_terminate_session(c->ngh, NGHTTP2_ENHANCE_YOUR_CALM);
		c->flags |= H2C_F_ERROR;
	}
}

/* ---- nghttp2 callbacks: the request side ---- */

/* The h2s of stream <id> of <c>: nghttp2's stream user data, the last one
 * found kept aside, since the callbacks of one frame (a field each, the
 * frame's end) and of one response (frame sent, stream closed) ask for the
 * same stream in a row (a map lookup each otherwise: about 200
 * instructions per request). Set with h2s_set(); h2s_free() forgets it.
 */
static struct h2s *h2s_of(struct h2c *c, int32_t id)
{
	struct h2s *h;

	if (id && id == c->last_id)
		return c->last;
	h = nghttp2_session_get_stream_user_data(c->ngh, id);
	if (h) {
		c->last_id = id;
		c->last = h;
	}
	return h;
}

/* Makes <h> (or NULL) the h2s of stream <id> of <c>. */
static void h2s_set(struct h2c *c, int32_t id, struct h2s *h)
{
	nghttp2_session_set_stream_user_data(c->ngh, id, h);
	c->last_id = h ? id : 0;
	c->last = h;
}

static int cb_begin_headers(nghttp2_session *ngh, const nghttp2_frame *frame, void *ud)
{
	struct h2c *c = ud;
	struct h2s *h;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if (c->flags & H2C_F_GOAWAY)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	h = h2s_new(c);
	if (!h)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	h->h2c = c;
	h->id = frame->hd.stream_id;
	h->meth = H1_METH_OTHER;
	h2_req_init(&h->req);
	list_append(&c->streams, &h->list);
	h2s_set(c, h->id, h);
	return 0;
}

static int cb_header(nghttp2_session *ngh, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
                     const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
	struct h2s *h = h2s_of(ud, frame->hd.stream_id);

	if (!h || (h->flags & H2S_F_BAD))
		return 0;
	if (h->flags & H2S_F_REQ_HEAD) {
		/* trailers: kept for a chunked body, else dropped (HAProxy) */
		if (h2_trailer_check((const char *)name, namelen, (const char *)value, valuelen) < 0)
			h->flags |= H2S_F_BAD;
		if (!(h->flags & H2S_F_CHUNKED) || (h->flags & H2S_F_BAD))
			return 0;
		if (h2_req_add_trailer(&h->req, (const char *)name, namelen, (const char *)value, valuelen,
		                       buf_size) < 0)
			goto too_large;
		return 0;
	}
	/* the RFC 9113 checks are ours (nghttp2's HTTP messaging is off: it
	 * refuses a request without :authority nor Host, which HAProxy
	 * forwards); a malformed request is reset once its head is complete
	 */
	if (h2_req_check(&h->req, (const char *)name, namelen, (const char *)value, valuelen) < 0) {
		h->flags |= H2S_F_BAD;
		return 0;
	}
	if (h2_req_add(&h->req, &h->rx, (const char *)name, namelen, (const char *)value, valuelen, buf_size) < 0)
		goto too_large;
	return 0;

too_large:
	/* nghttp2 resets the stream and skips the rest of its fields */
	h2c_glitch(ud, 1);
	return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

/* A frame begins. PRIORITY frames are ignored (RFC 9113 5.3.2: nghttp2
 * reports no more of them), but not free to parse: one for a stream that
 * is not open counts (PRIORITY flood). A header block cut in more than 4
 * frames averaging under 1 kB counts as HAProxy 3.x does, one glitch per
 * 16 of them (nghttp2 gives the session up past 8 CONTINUATION frames).
 */
static int cb_begin_frame(nghttp2_session *ngh, const nghttp2_frame_hd *hd, void *ud)
{
	struct h2c *c = ud;

	if (hd->type == NGHTTP2_PRIORITY && !h2s_of(c, hd->stream_id))
		h2c_glitch(c, 1);
	if (hd->type == NGHTTP2_HEADERS || hd->type == NGHTTP2_CONTINUATION) {
		if (hd->type == NGHTTP2_HEADERS) {
			c->hb_frags = 0;
			c->hb_len = 0;
		}
		c->hb_frags++;
		c->hb_len += (uint32_t)hd->length;
		if ((hd->flags & NGHTTP2_FLAG_END_HEADERS) && c->hb_frags > 4 && c->hb_frags > c->hb_len / 1024)
			h2c_glitch(c, (c->hb_frags + 15) / 16);
	}
	if (hd->type == NGHTTP2_DATA && !(c->flags & H2C_F_WINOPEN)) {
		/* the connection window carries every stream's: as HAProxy,
		 * opened wide at the first DATA frame (not with the SETTINGS,
		 * whose ACK a client may wait for as the next frame), each
		 * stream bounded by its own window
		 */
		c->flags |= H2C_F_WINOPEN;
		nghttp2_session_set_local_window_size(ngh, NGHTTP2_FLAG_NONE, 0, 1 << 30);
	}
	return 0;
}

/* A frame nghttp2 refused (malformed request, bad pseudo-header, frame
 * on a wrong stream): it resets the stream or the connection itself.
 */
static int cb_invalid_frame(nghttp2_session *ngh, const nghttp2_frame *frame, int lib_error_code, void *ud)
{
	h2c_glitch(ud, 1);
	return 0;
}

static int32_t h2_stream_window(void)
{
	return global.tune_h2_init_window ? (int32_t)global.tune_h2_init_window : 65535;
}

/* A stream whose request body is longer than its window, or of unknown
 * length (a tunnel), gets one buffer more, as HAProxy 3.x grants a
 * receiving stream room beyond the initial window: a WINDOW_UPDATE right
 * after its HEADERS. rx stays bounded by the window.
 */
static void h2s_open_window(struct h2c *c, struct h2s *h)
{
	nghttp2_session_set_local_window_size(c->ngh, NGHTTP2_FLAG_NONE, h->id,
	                                      h2_stream_window() + (int32_t)buf_size);
}

/* The request head is complete: emit it as HTTP/1.1 and start its stream. */
static int h2s_start(struct h2c *c, struct h2s *h, int es)
{
	struct stream *s;
	int r = h2_req_build(&h->req, es, &h->rx);

	if (r < 0)
		return -1;
	if (r & H2_REQ_CHUNKED)
		h->flags |= H2S_F_CHUNKED;
	if (r & H2_REQ_UPGRADE)
		h->flags |= H2S_F_UPGRADE;
	if (!es && (h->req.cl < 0 || h->req.cl > h2_stream_window()))
		h2s_open_window(c, h);
	h->meth = h->req.meth;
	h->flags |= H2S_F_REQ_HEAD;
	s = stream_new_mux(c->li, &c->peer, c->has_local ? &c->local : NULL, &xprt_h2s, h, c->t_hs, c->nb_req++);
	if (!s)
		return -1;
	h->strm = s;
	s->pp_rcvd = c->pp_rcvd;
	if (c->sc.tracked)
		stkctr_inherit(&s->sc, &c->sc);   /* its sc0_*, counting its request */
	if (c->pp_tlv && (s->pp_tlv = malloc(c->pp_tlv_len))) {
		/* fc_pp_*, and what send-proxy-v2 passes on (authority) */
		memcpy(s->pp_tlv, c->pp_tlv, c->pp_tlv_len);
		s->pp_tlv_len = c->pp_tlv_len;
	}
	c->nb_streams++;
	return 0;
}

/* A malformed request (RFC 9113 8.1.1): the stream is reset with
 * PROTOCOL_ERROR, a glitch. Returns 0 for the callback.
 */
static int h2s_malformed(struct h2c *c, struct h2s *h)
{
	h->flags |= H2S_F_BAD;
	h2c_glitch(c, 1);
	nghttp2_submit_rst_stream(c->ngh, NGHTTP2_FLAG_NONE, h->id, NGHTTP2_PROTOCOL_ERROR);
	return 0;
}

static int cb_frame_recv(nghttp2_session *ngh, const nghttp2_frame *frame, void *ud)
{
	struct h2c *c = ud;
	struct h2s *h;
	int es = !!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM);

	if (frame->hd.type == NGHTTP2_SETTINGS && !(frame->hd.flags & NGHTTP2_FLAG_ACK)) {
		/* as HAProxy 3.x: a window made smaller after the first
		 * SETTINGS is legal but suspicious (responses stall)
		 */
		for (size_t i = 0; i < frame->settings.niv; i++) {
			const nghttp2_settings_entry *e = &frame->settings.iv[i];

			if (e->settings_id != NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE)
				continue;
			if ((c->flags & H2C_F_SETTINGS) && e->value < c->peer_iws)
				h2c_glitch(c, 1);
			c->peer_iws = e->value;
		}
		c->flags |= H2C_F_SETTINGS;
		return 0;
	}
	if (frame->hd.type == NGHTTP2_RST_STREAM) {
		/* a stream the client gives up before its response is complete:
		 * the work it caused was wasted (Rapid Reset, CVE-2023-44487)
		 */
		h = h2s_of(c, frame->hd.stream_id);
		if (h) {
			h->rst_rcvd = 1;
			h->rst_code = frame->rst_stream.error_code;
		}
		if (h && !(h->flags & H2S_F_ES_SENT))
			h2c_glitch(c, 1);
		return 0;
	}
	if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
		return 0;
	h = h2s_of(c, frame->hd.stream_id);
	if (!h)
		return 0;
	if (frame->hd.type == NGHTTP2_HEADERS && !(h->flags & H2S_F_REQ_HEAD) &&
	    ((h->flags & H2S_F_BAD) || h2_req_check_end(&h->req) < 0))
		return h2s_malformed(c, h);
	if (frame->hd.type == NGHTTP2_HEADERS && (h->flags & H2S_F_REQ_HEAD) && (!es || (h->flags & H2S_F_BAD)))
		return h2s_malformed(c, h);   /* trailers end the stream */
	if (frame->hd.type == NGHTTP2_HEADERS && !(h->flags & H2S_F_REQ_HEAD)) {
		if (h2s_start(c, h, es) < 0) {
			h2c_glitch(c, 1);
			nghttp2_submit_rst_stream(ngh, NGHTTP2_FLAG_NONE, h->id, NGHTTP2_INTERNAL_ERROR);
			return 0;
		}
	}
	if (es && h->req.cl >= 0 && h->rx_total != (uint64_t)h->req.cl)
		return h2s_malformed(c, h);   /* fewer DATA than content-length */
	if (es && !(h->flags & H2S_F_REQ_ES)) {
		h->flags |= H2S_F_REQ_ES;
		if ((h->flags & H2S_F_CHUNKED) && h2_req_end_chunked(&h->req, &h->rx) < 0) {
			nghttp2_submit_rst_stream(ngh, NGHTTP2_FLAG_NONE, h->id, NGHTTP2_INTERNAL_ERROR);
			return 0;
		}
		h2s_wake(h, FD_EV_IN);
	}
	return 0;
}

static int cb_data_chunk(nghttp2_session *ngh, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *ud)
{
	struct h2s *h = h2s_of(ud, id);

	if (h)
		h->rx_total += len;
	if (h && h->req.cl >= 0 && h->rx_total > (uint64_t)h->req.cl && !(h->flags & H2S_F_BAD))
		h2s_malformed(ud, h);   /* more DATA than content-length */
	if (!h || !h->strm || (h->flags & H2S_F_BAD)) {
		nghttp2_session_consume(ngh, id, len);   /* nobody reads it */
		return 0;
	}
	if (h2_req_data(&h->rx, (h->flags & H2S_F_CHUNKED) != 0, (const char *)data, len) < 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	h->rx_unacked += len;
	h2s_wake(h, FD_EV_IN);
	return 0;
}

static int cb_frame_send(nghttp2_session *ngh, const nghttp2_frame *frame, void *ud)
{
	struct h2s *h;

	if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	h = h2s_of(ud, frame->hd.stream_id);
	if (!h)
		return 0;
	h->flags |= H2S_F_ES_SENT;
	/* the response is complete and the request is not: the rest of it
	 * is not wanted (RFC 9113 8.1)
	 */
	if (!(h->flags & H2S_F_REQ_ES))
		nghttp2_submit_rst_stream(ngh, NGHTTP2_FLAG_NONE, h->id, NGHTTP2_NO_ERROR);
	return 0;
}

static int cb_stream_close(nghttp2_session *ngh, int32_t id, uint32_t error_code, void *ud)
{
	struct h2s *h = h2s_of(ud, id);

	if (!h)
		return 0;
	h2s_set(ud, id, NULL);
	h->flags |= H2S_F_CLOSED;
	if (!(h->flags & H2S_F_ES_SENT))
		h->flags |= H2S_F_RESET;   /* ended before our response did */
	if (!h->strm) {
		h2s_free(h);
		return 0;
	}
	if (h->flags & H2S_F_RESET)
		h2s_wake(h, FD_EV_IN | FD_EV_ERR);
	else
		h2s_wake(h, FD_EV_IN);
	return 0;
}

/* ---- the response side: data provider ---- */

static ssize_t h2s_data_read(nghttp2_session *ngh, int32_t id, uint8_t *buf, size_t len, uint32_t *dflags,
                             nghttp2_data_source *src, void *ud)
{
	struct h2s *h = src->ptr;
	size_t n = h2b_get(&h->tx, (char *)buf, len);

	if (n && (h->flags & H2S_F_TX_BLOCK)) {
		h->flags &= ~H2S_F_TX_BLOCK;
		h2s_wake(h, FD_EV_OUT);
	}
	if (!h2b_len(&h->tx) && (h->flags & H2S_F_TX_EOF)) {
		*dflags |= NGHTTP2_DATA_FLAG_EOF;
		if (h2b_len(&h->hbuf)) {
			/* trailers from a chunked response (gRPC status) */
			nghttp2_nv *nv;
			int nb = h2_trailers_nv(&h->hbuf, &nv);

			if (nb > 0 && nghttp2_submit_trailer(ngh, id, nv, (size_t)nb) == 0)
				*dflags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
			free(nv);
		}
		return (ssize_t)n;
	}
	if (!n) {
		h->flags |= H2S_F_DEFERRED;
		return NGHTTP2_ERR_DEFERRED;
	}
	return (ssize_t)n;
}

/* More response DATA (or its end) is there: the data provider resumes. */
static void h2s_tx_ready(struct h2s *h)
{
	if (!(h->flags & H2S_F_DEFERRED) || !h->h2c)
		return;
	h->flags &= ~H2S_F_DEFERRED;
	nghttp2_session_resume_data(h->h2c->ngh, h->id);
	h2c_wake(h->h2c);
}

/* Per thread: the fields of a response head being converted, and the room
 * of its HTTP/2 fields (nghttp2 copies what it is given).
 */
static struct h1_hdr *res_hdrs[MAX_THREADS];
static char *nv_area[MAX_THREADS];
static size_t nv_area_size[MAX_THREADS];   /* per thread: each one sizes its own */

static uint32_t res_maxhdr(void)
{
	return global.tune_maxhdr ? global.tune_maxhdr : H1_DEF_MAX_HDRS;
}

/* The client ended its side (END_STREAM) of a tunnel (CONNECT, extended
 * or not, answered): an end of input for the engine, as a shutdown.
 */
static int h2s_tunnel_ended(const struct h2s *h)
{
	return (h->flags & H2S_F_REQ_ES) && h->tx_state == TX_CLOSE &&
	       (h->meth == H1_METH_CONNECT || (h->flags & H2S_F_UPGRADE));
}

/* Submits the response head <res> parsed from <buf> (the engine's bytes or
 * hbuf). Returns 0 or -1.
 */
static int h2s_submit_head(struct h2s *h, const struct h1_msg *res, const char *buf)
{
	nghttp2_session *ngh = h->h2c->ngh;
	nghttp2_data_provider prd = { .source.ptr = h, .read_callback = h2s_data_read };
	nghttp2_nv *nv;
	enum h1_body body;
	int nb, ret;

	nb = h2_res_nv(res, buf, nv_area[tid], nv_area_size[tid], &nv);
	if (nb < 0)
		return -1;
	if (res->status == 101 && (h->flags & H2S_F_UPGRADE)) {
		/* RFC 8441: the upgrade accepted is a 200, the DATA that
		 * follow are the tunnel's, both ways
		 */
		memcpy((char *)nv[0].value, "200", 3);
		h->tx_state = TX_CLOSE;
		ret = nghttp2_submit_response(ngh, h->id, nv, (size_t)nb, &prd);
		h->flags |= H2S_F_RES_SUB;
		h2c_wake(h->h2c);
		return ret < 0 ? -1 : 0;
	}
	if (res->status >= 100 && res->status < 200) {
		/* interim: passed on, the final response follows */
		ret = res->status == 101 ? -1 : nghttp2_submit_headers(ngh, NGHTTP2_FLAG_NONE, h->id, NULL, nv,
		                                                        (size_t)nb, NULL);
		h2c_wake(h->h2c);
		return ret < 0 ? -1 : 0;
	}
	body = h1_res_body(res, h->meth);
	h->tx_left = res->content_length;
	switch (body) {
	case H1_BODY_NONE:
		h->tx_state = TX_DONE;
		break;
	case H1_BODY_CL:
		h->tx_state = h->tx_left ? TX_CL : TX_DONE;
		break;
	case H1_BODY_CHUNKED:
		h->tx_state = TX_CHUNKED;
		h1_chunk_init(&h->ck, NULL);
		h->ck.max_trailers = (uint32_t)buf_size;
		break;
	default:
		h->tx_state = TX_CLOSE;
		break;
	}
	if (h->tx_state == TX_DONE)
		h->flags |= H2S_F_TX_EOF;
	if (h2s_tunnel_ended(h))
		h2s_wake(h, FD_EV_IN);   /* the client's side ended already */
	ret = nghttp2_submit_response(ngh, h->id, nv, (size_t)nb, body == H1_BODY_NONE ? NULL : &prd);
	h->flags |= H2S_F_RES_SUB;
	h2c_wake(h->h2c);
	return ret < 0 ? -1 : 0;
}

/* Takes response bytes <p>[0..<len>) in state TX_HEAD: a head found whole
 * in them is converted in place (the usual case), else the bytes gather in
 * hbuf until it is whole. Returns the bytes taken, or -1 on a bad or too
 * large head.
 */
static ssize_t h2s_take_head(struct h2s *h, const char *p, size_t len)
{
	size_t had = h2b_len(&h->hbuf);
	size_t room = buf_size > had ? buf_size - had : 0;
	size_t take = len < room ? len : room;
	struct h1_msg res;
	int r;

	if (!res_hdrs[tid]) {
		nv_area_size[tid] = (res_maxhdr() + 2) * sizeof(nghttp2_nv) + buf_size + 16;
		res_hdrs[tid] = malloc(res_maxhdr() * sizeof(struct h1_hdr));
		nv_area[tid] = malloc(nv_area_size[tid]);
		if (!res_hdrs[tid] || !nv_area[tid]) {
			free(res_hdrs[tid]);
			res_hdrs[tid] = NULL;
			return -1;
		}
	}
	h1_msg_init(&res, res_hdrs[tid], res_maxhdr());
	if (!had) {
		r = h1_parse_response(&res, p, len < buf_size ? len : buf_size, NULL);
		if (r < 0)
			return -1;
		if (r > 0)
			return h2s_submit_head(h, &res, p) < 0 ? -1 : r;
		h1_msg_init(&res, res_hdrs[tid], res_maxhdr());
	}
	/* in pieces: parsed again from its start each time (rare, bounded by
	 * tune.bufsize)
	 */
	if (!take || h2b_put(&h->hbuf, p, take) < 0)
		return -1;
	r = h1_parse_response(&res, h2b_peek(&h->hbuf), h2b_len(&h->hbuf), NULL);
	if (r < 0)
		return -1;
	if (r == 0)
		return (ssize_t)take;
	if (h2s_submit_head(h, &res, h2b_peek(&h->hbuf)) < 0)
		return -1;
	h2b_reset(&h->hbuf);   /* from now on: the trailers, if any */
	return (ssize_t)((size_t)r - had);
}

/* Takes body bytes <p>[0..<len>) as the response framing says. Returns
 * the bytes taken (0: no room), or -1 on bad framing.
 */
static ssize_t h2s_take_body(struct h2s *h, const char *p, size_t len)
{
	size_t room = H2S_TX_MAX > h2b_len(&h->tx) ? H2S_TX_MAX - h2b_len(&h->tx) : 0;
	size_t n;

	switch (h->tx_state) {
	case TX_CL:
		n = len < room ? len : room;
		if (n > h->tx_left)
			n = (size_t)h->tx_left;
		if (n && h2b_put(&h->tx, p, n) < 0)
			return -1;
		h->tx_left -= n;
		if (!h->tx_left) {
			h->tx_state = TX_DONE;
			h->flags |= H2S_F_TX_EOF;
		}
		return (ssize_t)n;
	case TX_CHUNKED: {
		struct h1_span sp;
		uint32_t trl0 = h->ck.trailers;
		int r;

		if (!room)
			return 0;
		r = h1_chunk_parse(&h->ck, p, len < room ? len : room, &sp);
		if (r < 0)
			return -1;
		if (sp.len && h2b_put(&h->tx, p + sp.off, sp.len) < 0)
			return -1;
		if (h->ck.trailers > trl0) {
			/* trailer section bytes come last in what was parsed */
			uint32_t t = h->ck.trailers - trl0;

			if (h2b_put(&h->hbuf, p + r - t, t) < 0)
				return -1;
		}
		if (h1_chunk_done(&h->ck)) {
			h->tx_state = TX_DONE;
			h->flags |= H2S_F_TX_EOF;
		}
		return r;
	}
	case TX_CLOSE:
		n = len < room ? len : room;
		if (n && h2b_put(&h->tx, p, n) < 0)
			return -1;
		return (ssize_t)n;
	default:
		return (ssize_t)len;   /* past the end: nothing more is sent */
	}
}

/* ---- the per-stream transport (xprt.h) ---- */

static ssize_t h2s_recv(void *ctx, int fd, struct buffer *b, size_t max)
{
	struct h2s *h = ctx;
	size_t room = buf_room(b), n, before;

	if (h->flags & H2S_F_SHUTW)
		return 0;   /* the transaction is over: the stream ends */
	if (max && max < room)
		room = max;
	before = h2b_len(&h->rx);
	if (before) {
		char *tmp;

		if (!room)
			return -ENOSPC;
		n = before < room ? before : room;
		tmp = h2b_peek(&h->rx);
		n = buf_put(b, tmp, n);
		h2b_del(&h->rx, n);
		/* the window opens as the engine reads: a slow server slows the
		 * client. Body bytes still in rx are at most what rx holds; the
		 * others were read (chunk framing aside, which never counts)
		 */
		if (h->h2c && h->rx_unacked > h2b_len(&h->rx)) {
			nghttp2_session_consume(h->h2c->ngh, h->id, (size_t)(h->rx_unacked - h2b_len(&h->rx)));
			h->rx_unacked = h2b_len(&h->rx);
			h2c_wake(h->h2c);
		}
		return (ssize_t)n;
	}
	if ((h->flags & H2S_F_RESET) || !h->h2c)
		return -ECONNRESET;
	if (h2s_tunnel_ended(h))
		return 0;   /* the client ended its side of a tunnel */
	return -EAGAIN;
}

static ssize_t h2s_send(void *ctx, int fd, struct buffer *b, size_t max, unsigned int flags)
{
	struct h2s *h = ctx;
	size_t want = buf_data(b), done = 0;

	if ((h->flags & H2S_F_RESET) || !h->h2c)
		return -ECONNRESET;
	if (max && max < want)
		want = max;
	while (done < want) {
		size_t l = buf_contig_data(b);
		ssize_t r;

		if (l > want - done)
			l = want - done;
		r = h->tx_state == TX_HEAD ? h2s_take_head(h, buf_head(b), l) : h2s_take_body(h, buf_head(b), l);
		if (r < 0) {
			/* a response we cannot carry: the stream is reset */
			nghttp2_submit_rst_stream(h->h2c->ngh, NGHTTP2_FLAG_NONE, h->id, NGHTTP2_INTERNAL_ERROR);
			h->flags |= H2S_F_RESET;
			h2c_wake(h->h2c);
			return -EPROTO;
		}
		if (!r)
			break;
		buf_del(b, (size_t)r);
		done += (size_t)r;
	}
	if (h2b_len(&h->tx) || (h->flags & H2S_F_TX_EOF))
		h2s_tx_ready(h);
	if (!done) {
		h->flags |= H2S_F_TX_BLOCK;
		return -EAGAIN;
	}
	return (ssize_t)done;
}

static int h2s_more(const void *ctx)
{
	const struct h2s *h = ctx;

	return (h2b_len(&h->rx) != 0 || h2s_tunnel_ended(h)) && !(h->flags & H2S_F_SHUTW);
}

static int h2s_handshake(void *ctx, int fd)
{
	return 1;
}

static int h2s_shutw(void *ctx, int fd)
{
	struct h2s *h = ctx;

	h->flags |= H2S_F_SHUTW;
	if (h->tx_state == TX_CLOSE) {
		h->tx_state = TX_DONE;
		h->flags |= H2S_F_TX_EOF;
		h2s_tx_ready(h);
	}
	return 1;   /* no socket of its own */
}

/* The engine's stream leaves: an unfinished response resets the stream. */
static void h2s_close(void *ctx)
{
	struct h2s *h = ctx;
	struct h2c *c = h->h2c;

	h->strm = NULL;
	if (!c) {
		h2s_free(h);
		return;
	}
	c->nb_streams--;
	h2s_consume_rest(h);
	if (!(h->flags & H2S_F_CLOSED)) {
		if (h->tx_state != TX_DONE || !(h->flags & H2S_F_RES_SUB))
			nghttp2_submit_rst_stream(c->ngh, NGHTTP2_FLAG_NONE, h->id, NGHTTP2_INTERNAL_ERROR);
		else
			h2s_tx_ready(h);
		h2c_wake(c);
		return;   /* freed when nghttp2 closes the stream */
	}
	h2s_free(h);
	h2c_wake(c);
}

static uint32_t h2s_events(const void *ctx)
{
	return 0;
}

/* Level-triggered, as a socket polled by the engine: what it waits for
 * and is already there wakes it.
 */
static void h2s_subscribe(void *ctx, uint32_t ev)
{
	struct h2s *h = ctx;
	struct stream *s = h->strm;

	if (!s || !(ev & FD_EV_IN))
		return;
	if ((h2b_len(&h->rx) || (h->flags & H2S_F_SHUTW)) && !(s->cli.flags & SIDE_RDMAY))
		h2s_wake(h, FD_EV_IN);
	else if (((h->flags & H2S_F_RESET) || !h->h2c) && !(s->cli.flags & SIDE_ERROR))
		h2s_wake(h, FD_EV_IN | FD_EV_ERR);
}

static const struct side *h2s_conn_side(const void *ctx)
{
	static const struct side none = { .fd = -1 };
	const struct h2s *h = ctx;

	return h->h2c ? &h->h2c->conn : &none;
}

static const struct xprt_ops xprt_h2s = {
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

/* ---- the connection ---- */

static void h2c_iocb(int fd, unsigned int events, void *owner)
{
	struct h2c *c = owner;

	c->conn.ev |= events;
	task_wakeup(c->task, TASK_WOKEN_IO);
}

/* Frees <c>: its streams see an error, its socket closes, its session
 * slot is released.
 */
static void h2c_free(struct h2c *c)
{
	struct h2s *h, *back;

	list_for_each_safe(h, back, &c->streams, list) {
		list_del_init(&h->list);
		h->h2c = NULL;
		h->rx_unacked = 0;
		if (h->strm) {
			if (!(h->flags & H2S_F_CLOSED))
				h->flags |= H2S_F_RESET;
			h2s_wake(h, FD_EV_IN | FD_EV_ERR);
		} else {
			h2s_destroy(h);
		}
	}
	list_for_each_safe(h, back, &c->spare, list)
		h2s_destroy(h);
	if ((c->flags & H2C_F_ERROR) && c->conn.fd >= 0) {
		/* input left unread would make the close a reset, which the
		 * client's stack may take before our GOAWAY: drop what is
		 * there (bounded)
		 */
		char tmp[4096];

		for (int i = 0; i < 64 && recv(c->conn.fd, tmp, sizeof(tmp), MSG_DONTWAIT) > 0; i++)
			;
	}
	nghttp2_session_del(c->ngh);
	if (c->sc.tracked)
		stkctr_release_all(&c->sc);
	free(c->pp_tlv);
	if (c->conn.xprt)
		c->conn.xprt->close(c->conn.xprt_ctx);
	if (c->conn.fd >= 0)
		fd_delete(c->conn.fd);
	buf_free(&c->ibuf);
	buf_free(&c->obuf);
	list_del_init(&c->by_thread);
	atomic_fetch_sub_explicit(&c->fe->feconn, 1, memory_order_relaxed);
	listener_release_slot(c->li);
	stream_count_conn(-1);
	task_destroy(c->task);
	free(c);
}

/* nghttp2 gave up the session (<err>: a flood of ACKs, too many
 * CONTINUATION frames, a bad preface) and sends nothing more: the GOAWAY
 * is ours, after the whole frames obuf holds.
 */
static void h2c_fatal(struct h2c *c, int err)
{
	uint32_t last = (uint32_t)nghttp2_session_get_last_proc_stream_id(c->ngh);
	uint32_t code = err == NGHTTP2_ERR_BAD_CLIENT_MAGIC ? NGHTTP2_PROTOCOL_ERROR : NGHTTP2_ENHANCE_YOUR_CALM;
	uint8_t f[17] = { 0, 0, 8, NGHTTP2_GOAWAY, 0, 0, 0, 0, 0,
	                  (uint8_t)(last >> 24), (uint8_t)(last >> 16), (uint8_t)(last >> 8), (uint8_t)last,
	                  (uint8_t)(code >> 24), (uint8_t)(code >> 16), (uint8_t)(code >> 8), (uint8_t)code };

	c->flags |= H2C_F_ERROR | H2C_F_FATAL;
	if (c->pend_len)
		return;   /* a frame is cut there: no room for ours */
	if (!buf_allocated(&c->obuf) && buf_alloc(&c->obuf) < 0)
		return;
	if (buf_room(&c->obuf) >= sizeof(f))
		buf_put(&c->obuf, (const char *)f, sizeof(f));
}

/* Feeds nghttp2 with what <c>->ibuf holds. */
static void h2c_feed(struct h2c *c)
{
	while (buf_data(&c->ibuf)) {
		size_t l = buf_contig_data(&c->ibuf);
		ssize_t r = nghttp2_session_mem_recv(c->ngh, (const uint8_t *)buf_head(&c->ibuf), l);

		if (r < 0) {
			h2c_glitch(c, 1);
			h2c_fatal(c, (int)r);
			buf_reset(&c->ibuf);
			break;
		}
		buf_del(&c->ibuf, (size_t)r);
	}
}

/* Reads what the client sent and feeds it to nghttp2. */
static void h2c_recv(struct h2c *c)
{
	h2c_feed(c);   /* bytes read before the mux took the connection */
	for (int round = 0; round < 16 && (c->flags & (H2C_F_RDMAY | H2C_F_SHUTR | H2C_F_ERROR)) == H2C_F_RDMAY;
	     round++) {
		size_t room;
		ssize_t n;

		if (!buf_allocated(&c->ibuf) && buf_alloc(&c->ibuf) < 0)
			return;
		room = buf_room(&c->ibuf);
		n = xprt_recv(c->conn.xprt, c->conn.xprt_ctx, c->conn.fd, &c->ibuf, 0);
		if (n == -EAGAIN || (n > 0 && (size_t)n < room && !xprt_more(c->conn.xprt, c->conn.xprt_ctx)))
			c->flags &= ~H2C_F_RDMAY;
		if (n == 0)
			c->flags |= H2C_F_SHUTR;
		else if (n < 0 && n != -EAGAIN)
			c->flags |= H2C_F_ERROR;
		h2c_feed(c);
		if (n <= 0)
			break;
	}
	buf_free(&c->ibuf);
}

/* Sends what nghttp2 has to send. */
static void h2c_send(struct h2c *c)
{
	for (int round = 0; round < 64; round++) {
		ssize_t n;

		if (!buf_allocated(&c->obuf) && buf_alloc(&c->obuf) < 0)
			return;
		/* nghttp2's output into obuf, as room allows */
		while (buf_room(&c->obuf) && !(c->flags & H2C_F_FATAL)) {
			if (!c->pend_len) {
				n = nghttp2_session_mem_send(c->ngh, &c->pend);
				if (n < 0) {
					c->flags |= H2C_F_ERROR;
					return;
				}
				if (!n)
					break;
				c->pend_len = (size_t)n;
			}
			n = (ssize_t)buf_put(&c->obuf, c->pend, c->pend_len);
			c->pend += n;
			c->pend_len -= (size_t)n;
		}
		if (!buf_data(&c->obuf))
			break;
		n = xprt_send(c->conn.xprt, c->conn.xprt_ctx, c->conn.fd, &c->obuf, 0, 0);
		if (n == -EAGAIN || n == 0)
			return;
		if (n < 0) {
			c->flags |= H2C_F_ERROR;
			return;
		}
		c->idle_exp = TICK_ETERNITY;   /* progress */
	}
	if (!buf_data(&c->obuf))
		buf_free(&c->obuf);
}

/* Submits the graceful GOAWAY once (soft stop): the streams already
 * opened finish, no new one is accepted.
 */
static void h2c_goaway(struct h2c *c)
{
	if (c->flags & H2C_F_GOAWAY)
		return;
	c->flags |= H2C_F_GOAWAY;
	nghttp2_submit_goaway(c->ngh, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(c->ngh),
	                      NGHTTP2_NO_ERROR, NULL, 0);
}

/* The connection's deadline: `timeout client` while its output is blocked,
 * `timeout http-keep-alive` (else `http-request`, else `client`) while no
 * stream is open; none while streams work (they have theirs).
 */
static uint32_t h2c_deadline(struct h2c *c)
{
	const struct pr_timeouts *to = &c->fe->timeout;
	unsigned int ms;

	if (buf_data(&c->obuf) || c->pend_len)
		ms = to->client;
	else if (!c->nb_streams)
		ms = to->http_keep_alive ? to->http_keep_alive : to->http_request ? to->http_request : to->client;
	else
		return TICK_ETERNITY;
	if (!tick_isset(c->idle_exp))
		c->idle_exp = tick_add_ifset(now_ms, ms);
	return c->idle_exp;
}

static struct task *h2c_process(struct task *t, void *ctx, unsigned int state)
{
	struct h2c *c = ctx;
	unsigned int ev = c->conn.ev;
	uint32_t poll = 0, exp;

	c->conn.ev = 0;
	if (ev & (FD_EV_IN | FD_EV_HUP | FD_EV_ERR | FD_EV_RDHUP))
		c->flags |= H2C_F_RDMAY;
	if (c->conn.xprt && (ev & FD_EV_OUT))
		c->flags |= H2C_F_RDMAY;   /* a TLS read may have waited to write */
	if (ev & FD_EV_ERR)
		c->flags |= H2C_F_ERROR;
	if (listeners_stopping())
		h2c_goaway(c);
	h2c_recv(c);
	if (!(c->flags & H2C_F_ERROR) || !(ev & FD_EV_ERR))
		h2c_send(c);
	if (ev & (FD_EV_IN | FD_EV_OUT))
		c->idle_exp = TICK_ETERNITY;   /* activity */
	exp = h2c_deadline(c);
	if (tick_is_expired(exp, now_ms) && !(c->flags & H2C_F_GOAWAY)) {
		/* idle (or blocked) too long: say goodbye, then close */
		h2c_goaway(c);
		c->flags |= H2C_F_ERROR;
		h2c_send(c);
	}
	if ((c->flags & H2C_F_ERROR) || tick_is_expired(exp, now_ms) ||
	    ((c->flags & H2C_F_SHUTR) && !c->nb_streams && !buf_data(&c->obuf) && !c->pend_len) ||
	    (!nghttp2_session_want_read(c->ngh) && !nghttp2_session_want_write(c->ngh) &&
	     !buf_data(&c->obuf) && !c->pend_len)) {
		h2c_free(c);
		return NULL;
	}
	if (!(c->flags & H2C_F_SHUTR) && nghttp2_session_want_read(c->ngh))
		poll |= FD_EV_IN;
	if (buf_data(&c->obuf) || c->pend_len)
		poll |= FD_EV_OUT;
	fd_set_events(c->conn.fd, poll | xprt_events(c->conn.xprt, c->conn.xprt_ctx));
	task_set_expire(t, exp);
	return t;
}

/* nghttp2's allocator: the project's pools by size class (pool_var.h),
 * instead of a malloc() per frame, field and stream. A session allocates
 * and frees only on its connection's thread (every nghttp2 call of the
 * mux is made there), nghttp2_session_del() included.
 */
static void *h2_mem_malloc(size_t size, void *ud)
{
	return pool_var_alloc(size);
}

static void h2_mem_free(void *ptr, void *ud)
{
	pool_var_free(ptr);
}

static void *h2_mem_calloc(size_t n, size_t size, void *ud)
{
	return pool_var_calloc(n, size);
}

static void *h2_mem_realloc(void *ptr, size_t size, void *ud)
{
	return pool_var_realloc(ptr, size);
}

static nghttp2_mem h2_mem = {
	.malloc = h2_mem_malloc,
	.free = h2_mem_free,
	.calloc = h2_mem_calloc,
	.realloc = h2_mem_realloc,
};

/* One-time set-up of the nghttp2 callbacks and options, and of the pools
 * (h2_lib_init(): once, whichever thread comes first).
 */
static void h2_lib_setup(void)
{
	h2_lib_err = -ENOMEM;
	if (pool_var_init() < 0)
		return;
	pool_h2s = pool_create("h2s", sizeof(struct h2s), 0);
	if (!pool_h2s)
		return;
	h2b_set_allocator(pool_var_realloc, pool_var_free);
	if (nghttp2_session_callbacks_new(&h2_cbs) != 0 || nghttp2_option_new(&h2_opts) != 0)
		return;
	nghttp2_session_callbacks_set_on_begin_headers_callback(h2_cbs, cb_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(h2_cbs, cb_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(h2_cbs, cb_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(h2_cbs, cb_data_chunk);
	nghttp2_session_callbacks_set_on_frame_send_callback(h2_cbs, cb_frame_send);
	nghttp2_session_callbacks_set_on_stream_close_callback(h2_cbs, cb_stream_close);
	nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(h2_cbs, cb_invalid_frame);
	nghttp2_session_callbacks_set_on_begin_frame_callback(h2_cbs, cb_begin_frame);
	nghttp2_option_set_no_auto_window_update(h2_opts, 1);
	nghttp2_option_set_no_http_messaging(h2_opts, 1);   /* h2_req_check() */
	nghttp2_option_set_no_closed_streams(h2_opts, 1);
	h2_lib_err = 0;
}

static int h2_lib_init(void)
{
	pthread_once(&h2_lib_once, h2_lib_setup);
	return h2_lib_err;
}

/* The SETTINGS_MAX_CONCURRENT_STREAMS a connection advertises. */
static unsigned int h2c_max_streams(void)
{
	return global.tune_h2_fe_max_streams ? global.tune_h2_fe_max_streams : 100;
}

/* Creates the mux of a connection whose socket <fd> (and transport) is
 * already counted as a session. Returns it, or NULL.
 */
static struct h2c *h2c_new(struct listener *li, int fd, const struct addr *peer, const struct xprt_ops *xprt,
                           void *xctx)
{
	struct h2c *c = calloc(1, sizeof(*c));
	nghttp2_settings_entry iv[6];
	int n = 0;

	if (!c)
		return NULL;
	if (h2_lib_init() < 0)
		goto out_free;
	c->task = task_new(0, h2c_process, c, "h2c");
	if (!c->task)
		goto out_free;
	if (nghttp2_session_server_new3(&c->ngh, h2_cbs, c, h2_opts, &h2_mem) != 0)
		goto out_task;
	c->conn.fd = fd;
	c->conn.xprt = xprt;
	c->conn.xprt_ctx = xctx;
	c->li = li;
	c->fe = li->fe;
	c->peer = *peer;
	c->has_local = sock_get_name(fd, &c->local) == 0;
	c->ibuf = BUF_NULL;
	c->peer_iws = 65535;   /* RFC 9113 6.5.2 default */
	c->obuf = BUF_NULL;
	c->flags = H2C_F_RDMAY;
	list_init(&c->streams);
	list_init(&c->spare);
	list_init(&c->by_thread);
	iv[n++] = (nghttp2_settings_entry){ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, h2c_max_streams() };
	iv[n++] = (nghttp2_settings_entry){ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE,
	                                    global.tune_h2_init_window ? global.tune_h2_init_window : 65535 };
	if (global.tune_h2_header_table)
		iv[n++] = (nghttp2_settings_entry){ NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, global.tune_h2_header_table - 1 };
	if (global.tune_h2_max_frame)
		iv[n++] = (nghttp2_settings_entry){ NGHTTP2_SETTINGS_MAX_FRAME_SIZE, global.tune_h2_max_frame };
	/* priorities are ignored (RFC 9113 5.3.2 deprecates RFC 7540's):
	 * nghttp2 then keeps no priority tree and no closed streams for it
	 */
	iv[n++] = (nghttp2_settings_entry){ NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1 };
	/* RFC 8441: extended CONNECT (WebSocket over HTTP/2), as HAProxy */
	iv[n++] = (nghttp2_settings_entry){ NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1 };
	if (nghttp2_submit_settings(c->ngh, NGHTTP2_FLAG_NONE, iv, (size_t)n) != 0)
		goto out_session;
	if (!h2c_list_ready[tid]) {
		list_init(&h2c_list[tid]);
		h2c_list_ready[tid] = 1;
	}
	list_append(&h2c_list[tid], &c->by_thread);
	stream_count_conn(1);
	return c;

out_session:
	nghttp2_session_del(c->ngh);
out_task:
	task_destroy(c->task);
out_free:
	free(c);
	return NULL;
}

int h2c_accept(struct listener *li, int fd, const struct addr *peer)
{
	struct proxy *fe = li->fe;
	struct stkctrs sc = { 0 };
	struct h2c *c;

	/* one session for the whole connection */
	counter_max(&fe->st.cur_max, atomic_fetch_add_explicit(&fe->feconn, 1, memory_order_relaxed) + 1);
	counter_add(&fe->ctr[tid].cum_sess, 1);
	freq_ctr_add(&fe->ctr[tid].sess_per_sec, 1000, 1, now_ms);
	if (stream_mux_session_rules(li, fd, peer, &sc) < 0)
		goto out_close;
	c = h2c_new(li, fd, peer, NULL, NULL);
	if (!c) {
		stkctr_release_all(&sc);
		goto out_close;
	}
	c->sc = sc;
	if (fd_insert(fd, tid, h2c_iocb, c, FD_EV_IN) < 0) {
		c->conn.fd = -1;
		h2c_free(c);   /* releases the slot */
		close(fd);
		return -ENOMEM;
	}
	c->idle_exp = tick_add_ifset(now_ms, fe->timeout.client);
	task_wakeup(c->task, TASK_WOKEN_INIT);
	return 0;

out_close:
	atomic_fetch_sub_explicit(&fe->feconn, 1, memory_order_relaxed);
	close(fd);
	listener_release_slot(li);
	return -ENOMEM;
}

/* The mux adopts the client connection of stream <s> (socket, transport,
 * session slot). Returns it, or NULL.
 */
static struct h2c *h2c_adopt(struct stream *s)
{
	struct h2c *c = h2c_new(s->li, s->cli.fd, &s->cli_addr, s->cli.xprt, s->cli.xprt_ctx);

	if (!c)
		return NULL;
	c->t_hs = s->t_hs;
	c->pp_rcvd = s->pp_rcvd;
	if (s->has_dst) {
		c->local = s->dst_addr;   /* from a PROXY header */
		c->has_local = 1;
	}
	/* the connection's counters follow it (glitches, conn_cur); the
	 * transaction's stay with the stream
	 */
	for (unsigned int m = s->sc.tracked & ~s->sc.txn_owned; m; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctz(m);

		c->sc.c[i] = s->sc.c[i];
		c->sc.tracked |= 1U << i;
		s->sc.c[i].table = NULL;
		s->sc.c[i].entry = NULL;
	}
	s->sc.tracked &= s->sc.txn_owned;
	c->pp_tlv = s->pp_tlv;   /* the PROXY header's TLVs, for each stream */
	c->pp_tlv_len = s->pp_tlv_len;
	s->pp_tlv = NULL;
	s->pp_tlv_len = 0;
	fd_set_owner(s->cli.fd, h2c_iocb, c);
	/* the socket, its TLS and the session slot are the mux's now */
	s->cli.fd = -1;
	s->cli.xprt = NULL;
	s->cli.xprt_ctx = NULL;
	s->conn_given = 1;
	task_wakeup(c->task, TASK_WOKEN_INIT);
	return c;
}

int h2c_takeover(struct stream *s)
{
	return h2c_adopt(s) ? 0 : -ENOMEM;
}

int h2c_upgrade(struct stream *s)
{
	struct h2c *c;

	c = h2c_adopt(s);
	if (!c)
		return -ENOMEM;
	c->ibuf = s->req.buf;   /* the preface and what followed it */
	s->req.buf = BUF_NULL;
	return 0;
}

int h2_stream_glitches(const struct stream *s)
{
	const struct h2s *h;

	if (s->cli.xprt != &xprt_h2s)
		return 0;
	h = s->cli.xprt_ctx;
	return h && h->h2c ? (int)h->h2c->glitches : 0;
}

int h2_stream_conn_streams(const struct stream *s, unsigned int *limit)
{
	struct h2_sinfo si;

	if (h2_stream_info(s, &si) < 0 || si.nb < 0)
		return -1;
	*limit = si.limit;
	return si.nb;
}

int h2_stream_info(const struct stream *s, struct h2_sinfo *si)
{
	const struct h2s *h;

	if (s->cli.xprt != &xprt_h2s)
		return -1;
	h = s->cli.xprt_ctx;
	if (!h)
		return -1;
	si->sid = h->id;
	si->aborted = h->rst_rcvd;
	si->rst_code = h->rst_code;
	si->nb = h->h2c ? (int)h->h2c->nb_streams : -1;
	si->limit = h2c_max_streams();   /* as advertised */
	return 0;
}

int h2_preface_match(const struct buffer *b)
{
	static const char preface[] = NGHTTP2_CLIENT_MAGIC;
	char head[sizeof(preface) - 1];
	size_t n = buf_peek(b, 0, head, sizeof(head));

	if (memcmp(head, preface, n))
		return -1;
	return n == sizeof(head) ? 1 : 0;
}

int h2_alpn_chosen(void *tls_ctx)
{
	const unsigned char *p = NULL;
	unsigned int len = 0;
	SSL *ssl = tls_conn_ssl(tls_ctx);

	if (!ssl)
		return 0;
	SSL_get0_alpn_selected(ssl, &p, &len);
	return len == 2 && !memcmp(p, "h2", 2);
}

void h2c_soft_stop(void)
{
	struct h2c *c;

	if (!h2c_list_ready[tid])
		return;
	list_for_each(c, &h2c_list[tid], by_thread)
		h2c_wake(c);   /* it sees the stop and says GOAWAY */
}
