/*
 * The HTTP/1.1 engine of a stream (mode http).
 *
 * Principle. The channel buffers hold the bytes as received. A message head
 * is parsed in place (h1.h), shown to the rules through the transaction's
 * editable view (http_msg.h), then written out edited in place of the
 * received head (buf_replace()). Each direction keeps a count of bytes
 * released for sending at the head of its buffer (<req_fwd>, <res_fwd>):
 * the head once analysed, then body bytes as the framing (Content-Length
 * or the chunked parser) accounts for them, so that nothing past the end of
 * a message is ever forwarded before it is parsed: a pipelined request
 * waits in the buffer until the previous response is complete, and no
 * bytes that the parser did not accept reach a server (no smuggling).
 *
 * One transaction at a time: the request is analysed, rules run, a server
 * connection is made or reused, the request flows, the response head is
 * analysed, the response flows; when it is complete and sent, the
 * transaction ends (logged, counted) and the next request is analysed.
 * Upgrades (101) and CONNECT turn the stream into a tunnel handled by the
 * TCP code (stream.c).
 *
 * Server connections: a stream keeps its server connection between
 * requests when both ends allow it and reuses it for the next request of
 * the same backend while that server stays usable (HAProxy's `http-reuse`
 * with `option prefer-last-server`); the slot of the server is only held
 * while a request is in flight, so leastconn and maxconn see requests, not
 * idle connections. A kept connection that reports any event while idle
 * (close, stray bytes) is closed.
 *
 * Room for rewrites: reads leave tune.maxrewrite bytes free in a buffer
 * so that an edited head that grew still fits; a head larger than the rest
 * is refused with 431 (request) or 502 (response).
 *
 * Memory: a connection holds a transaction only from the end of a request
 * head to the end of its response. While a head is incomplete the parser's
 * progress lives in the stream (head_wait()), its fields in a per-thread
 * scratch array; between requests nothing but the stream is held.
 *
 * Ownership: everything here runs on the stream's thread (stream.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <tollgate/base64.h>
#include <tollgate/buffer.h>
#include <tollgate/clock.h>
#include <tollgate/counters.h>
#include <tollgate/fd.h>
#include <tollgate/global.h>
#include <tollgate/h1.h>
#include <tollgate/http_codes.h>
#include <tollgate/http_msg.h>
#include <tollgate/http_reply.h>
#include <tollgate/http_rules.h>
#include <tollgate/http_service.h>
#include <tollgate/http_txn.h>
#include <tollgate/lb-algo.h>
#include <tollgate/lb.h>
#include <tollgate/logformat.h>
#include <tollgate/mux_h2.h>
#include <tollgate/mux_h2_be.h>
#include <tollgate/pool.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/stats.h>
#include <tollgate/sock.h>
#include <tollgate/srv_idle.h>
#include <tollgate/xprt.h>
#include <tollgate/stkctr.h>
#include <tollgate/stream-t.h>
#include <tollgate/task.h>
#include <tollgate/tcp_rules.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>

#include "http_headers.h"
#include "stream_http_int.h"
#include "stream_int.h"

static struct pool_head *pool_txn;    /* transactions; set at start-up */
static size_t txn_size;               /* struct and its arrays; set at start-up, then read-only */
static char *scratch[MAX_THREADS];    /* per thread, buf_size bytes: edited heads, replies */
static struct h1_hdr *scratch_hdrs[MAX_THREADS]; /* per thread, tune.http.maxhdr entries: the
                                               * fields of heads parsed without a transaction */

int http_stream_pool_init(void)
{
	size_t maxhdr = global.tune_maxhdr ? global.tune_maxhdr : H1_DEF_MAX_HDRS;

	txn_size = sizeof(struct http_txn) + 2 * maxhdr * sizeof(struct h1_hdr) +
	           2 * (maxhdr + HTTP_EXTRA_FIELDS) * sizeof(struct http_field);
	if (!pool_txn)
		pool_txn = pool_create("http_txn", (unsigned int)txn_size, 0);
	if (!pool_txn)
		return -ENOMEM;
	return srv_idle_init();
}

char *hs_thread_scratch(void)
{
	if (!scratch[tid])
		scratch[tid] = malloc(buf_size);
	return scratch[tid];
}

static struct h1_hdr *thread_scratch_hdrs(void)
{
	size_t maxhdr = global.tune_maxhdr ? global.tune_maxhdr : H1_DEF_MAX_HDRS;

	if (!scratch_hdrs[tid])
		scratch_hdrs[tid] = malloc(maxhdr * sizeof(struct h1_hdr));
	return scratch_hdrs[tid];
}

/* ---- transactions ---- */

static void txn_layout(struct http_txn *txn)
{
	size_t maxhdr = global.tune_maxhdr ? global.tune_maxhdr : H1_DEF_MAX_HDRS;
	char *p = (char *)(txn + 1);

	txn->req_hdrs = (struct h1_hdr *)p;
	p += maxhdr * sizeof(struct h1_hdr);
	txn->res_hdrs = (struct h1_hdr *)p;
	p += maxhdr * sizeof(struct h1_hdr);
	txn->req_fields = (struct http_field *)p;
	p += (maxhdr + HTTP_EXTRA_FIELDS) * sizeof(struct http_field);
	txn->res_fields = (struct http_field *)p;
}

/* Prepares <s>'s transaction for the next request. */
static void txn_reset(struct stream *s)
{
	struct http_txn *txn = s->txn;
	uint32_t maxhdr = global.tune_maxhdr ? global.tune_maxhdr : H1_DEF_MAX_HDRS;

	txn->req_state = txn->res_state = HTTP_MSG_HDR;
	h1_msg_init(&txn->req_h1, txn->req_hdrs, maxhdr);
	h1_msg_init(&txn->res_h1, txn->res_hdrs, maxhdr);
	http_head_init(&txn->req, txn->req_fields, maxhdr + HTTP_EXTRA_FIELDS, txn->req_arena, HTTP_ARENA_SIZE);
	http_head_init(&txn->res, txn->res_fields, maxhdr + HTTP_EXTRA_FIELDS, txn->res_arena, HTTP_ARENA_SIZE);
	txn->req_left = txn->res_left = 0;
	txn->meth = H1_METH_OTHER;
	txn->srv_meth = H1_METH_OTHER;
	txn->req_splice = txn->res_splice = 0;
	txn->flags = 0;
	/* set-timeout lasts one transaction */
	s->tmo_client = s->tmo_server = s->tmo_tunnel = s->tmo_connect = s->tmo_queue = s->tmo_tarpit = 0;
	s->retries_set = 0;                                    /* so does set-retries */
	txn->status = txn->srv_status = -1;
	txn->deny_status = 0;
	txn->t_req_start = txn->t_req_end = txn->t_res_start = 0;
	txn->ti = txn->tr = txn->tw = txn->tc = txn->trs = -1;
	txn->req_sec = 0;
	txn->req_ms = 0;
	txn->bytes_in = txn->bytes_out = 0;
	txn->uri_line[0] = '\0';
	memset(txn->cap_len, 0, sizeof(txn->cap_len));   /* 0: nothing captured */
	txn->cap_cookie_len[0] = txn->cap_cookie_len[1] = 0;
	txn->term[0] = txn->term[1] = '-';
	var_store_reset(&txn->vars);
	txn->uid_len = -1;
	txn->req_fwd = txn->res_fwd = 0;
	txn->req_total0 = s->req.total;
	txn->res_total0 = s->res.total;
	txn->req_body = txn->res_body = H1_BODY_NONE;
	txn->hold_exp = 0;
	txn->wait_rule = NULL;
	txn->wait_px = NULL;
	txn->wait_exp = txn->wait_least = 0;
	txn->wait_ready = 0;
	txn->reused = 0;
	txn->l7_len = 0;
	s->term[0] = s->term[1] = '-';
	s->tw = s->tc = -1;
	server_hold(&s->pref_srv, NULL);
}

/* Gives <s> a new transaction for its next request. 0 or -ENOMEM. */
static int txn_new(struct stream *s)
{
	struct http_txn *txn = pool_alloc(pool_txn);

	if (!txn)
		return -ENOMEM;
	/* zeroed but the text areas (15 kB of the 15.6: the log's request
	 * line, the unique id, the captures, the variables and the rewrite
	 * arenas), which txn_reset() marks empty (var_store_init(): no
	 * variable, the arena unused) and nothing reads before writing
	 */
	memset(txn, 0, offsetof(struct http_txn, uri_line));
	txn_layout(txn);
	var_store_init(&txn->vars);
	s->txn = txn;
	txn_reset(s);
	return 0;
}

/* Releases the transaction of <s> (its response has left, or the stream
 * ends).
 */
static void txn_drop(struct stream *s)
{
	buf_free(&s->txn->req_copy);
	free(s->txn->l7_buf);
	free(s->txn->svc_body);
	var_store_reset(&s->txn->vars);
	pool_free(pool_txn, s->txn);
	s->txn = NULL;
}

/* Wall clock now, for the logs: seconds in *<sec>, milliseconds in *<ms>. */
static void wall_clock(int64_t *sec, uint32_t *ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = ts.tv_sec;
	*ms = (uint32_t)(ts.tv_nsec / 1000000);
}

/* Wall clock of the request start, for the logs. */
void hs_txn_stamp(struct http_txn *txn)
{
	wall_clock(&txn->req_sec, &txn->req_ms);
}

/* Forgets the head <s> was waiting for (it now has a transaction). */
static void head_reset(struct stream *s)
{
	uint32_t maxhdr = global.tune_maxhdr ? global.tune_maxhdr : H1_DEF_MAX_HDRS;

	h1_msg_init(&s->http_head, NULL, maxhdr);
	s->http_head_start = 0;
	s->http_head_sec = 0;
	s->http_head_ms = 0;
}

void http_stream_init(struct stream *s)
{
	s->http_idle_start = now_ms;
	s->http_nb_req = 0;
	head_reset(s);
}

/* Gives <s> a transaction for the request whose head it was waiting for,
 * with what was learnt while waiting: when the head started and, once the
 * parse is over, its result. The fields of a head parsed in one pass
 * (<whole>) are still in this thread's scratch array and are copied; a
 * head that came in several pieces is parsed again, once, from the
 * transaction (hs_analyze_request()). 0 or -ENOMEM.
 */
static int txn_take(struct stream *s, int whole)
{
	const struct h1_msg *m = &s->http_head;
	struct http_txn *txn;

	if (txn_new(s) < 0)
		return -ENOMEM;
	txn = s->txn;
	if (s->http_head_start) {
		txn->t_req_start = s->http_head_start;
		txn->ti = (int32_t)(s->http_head_start - s->http_idle_start);
		txn->req_sec = s->http_head_sec;
		txn->req_ms = s->http_head_ms;
	}
	if (m->res < 0 || (m->res > 0 && whole)) {
		if (m->res > 0)
			memcpy(txn->req_hdrs, m->hdrs, m->nb_hdrs * sizeof(*m->hdrs));
		txn->req_h1 = *m;
		txn->req_h1.hdrs = txn->req_hdrs;
	}
	head_reset(s);
	return 0;
}


int http_stream_may_reuse(const struct stream *s)
{
	if ((s->srv->flags & (SRV_F_SEND_PROXY | SRV_F_SEND_PROXY2)) || server_src_from_client(s->srv))
		return 0;   /* the header or the source names this client: private */
	if (s->txn->flags & TX_NO_REUSE)
		return 0;   /* resent after an empty response: a new connection */
	switch (s->be->http_reuse) {
	case PR_REUSE_NEVER:
		return 0;
	case PR_REUSE_SAFE:
		/* not the first request: if the server closes the connection
		 * under it, the client can retry (as HAProxy's safe mode)
		 */
		return s->http_nb_req > 1;
	default:
		return 1;
	}
}

void http_stream_reused(struct stream *s)
{
	s->txn->reused = 1;
	s->srv_conn_reused = 1;
}

/* Gives the server connection kept by <s> between requests (idle, no
 * request in flight) to the thread's idle pool, or closes it when it
 * cannot be shared (PROXY protocol header, or a source taken from the
 * client, `usesrc`: private to its client).
 */
void hs_drop_idle_conn(struct stream *s)
{
	if (!side_open(&s->srvside))
		return;
	if (s->srvside.fd < 0) {
		/* a stream of an HTTP/2 connection: it leaves it, which stays
		 * for others (mux_h2_be.h)
		 */
		strm_close_srv(s);
	} else if (s->idle_srv && s->state == ST_INI &&
	    !(s->idle_srv->flags & (SRV_F_SEND_PROXY | SRV_F_SEND_PROXY2)) &&
	    (!server_src_from_client(s->idle_srv) || s->idle_srv->proxy->http_reuse == PR_REUSE_NEVER) &&
	    (!s->srvside.xprt || s->srvside.xprt == &xprt_h2be) &&
	    !xprt_more(s->srvside.xprt, s->srvside.xprt_ctx) &&
	    !(s->srvside.flags & (SIDE_SHUTR | SIDE_SHUTW | SIDE_ERROR))) {
		/* HTTP/2 connections go with their context (mux_h2_be.h);
		 * `http-reuse never` keeps them for this client only
		 */
		if (s->idle_srv->proxy->http_reuse == PR_REUSE_NEVER)
			srv_idle_keep(&s->own_idle, &s->own_idle_count, s->idle_srv, &s->srv_dst,
			              s->srvside.fd, s->srvside.xprt, s->srvside.xprt_ctx);
		else
			srv_idle_park(s->idle_srv, &s->srv_dst, s->srv_conn_reused, s->srvside.fd,
			              s->srvside.xprt, s->srvside.xprt_ctx);
		s->srvside.fd = -1;
		s->srvside.xprt = NULL;
		s->srvside.xprt_ctx = NULL;
	} else {
		if (s->idle_srv && s->state == ST_INI && !(s->srvside.flags & (SIDE_SHUTR | SIDE_ERROR)))
			sock_set_nolinger(s->srvside.fd);    /* clean and ours to close: see srv_idle.c */
		strm_close_srv(s);
	}
	server_hold(&s->idle_srv, NULL);
}

/* Sends the log line of the current transaction once. */
static void txn_log(struct stream *s)
{
	struct http_txn *txn = s->txn;

	if (txn->flags & TX_LOGGED)
		return;
	txn->flags |= TX_LOGGED;
	txn->bytes_in = s->req.total - txn->req_total0;
	txn->bytes_out = s->res.total - txn->res_total0;
	txn->term[0] = s->term[0];
	txn->term[1] = s->term[1];
	if (txn->tw < 0)
		txn->tw = s->tw;
	if (txn->tc < 0)
		txn->tc = s->tc;
	if (s->be)
		stats_add_times(s->be, s->srv, 1, txn->tw, txn->tc, txn->trs,
		                (int)(uint32_t)(now_ms - txn->t_req_start) + (txn->ti > 0 ? txn->ti : 0));
	if (s->fe->log_targets) {
		if (!txn->req_sec)
			hs_txn_stamp(txn);
		stream_send_log(s);
	}
}

void http_stream_release(struct stream *s)
{
	struct http_txn *txn = s->txn;

	if (!txn && s->http_head_start && txn_take(s, 0) == 0)
		txn = s->txn;   /* a head had started: logged as a request */
	if (txn) {
		/* a transaction that started (bytes or a parsed head) is logged */
		if (txn->t_req_start || (txn->flags & TX_HAS_REQ))
			txn_log(s);
		txn_drop(s);
	}
	hs_drop_idle_conn(s);
	srv_idle_drop_own(&s->own_idle);
}

/* Records the final status answered to the client and counts it in the
 * proxies' counters (the stick counters are hs_txn_count_sc()'s).
 */
void hs_txn_set_status(struct stream *s, int status)
{
	struct http_txn *txn = s->txn;
	int cls = status / 100;

	txn->status = status;
	counter_add(&s->fe->ctr[tid].rsp[cls >= 1 && cls <= 5 ? cls - 1 : 5], 1);
	if (s->be && s->be != s->fe)
		counter_add(&s->be->ctr[tid].rsp[cls >= 1 && cls <= 5 ? cls - 1 : 5], 1);
	if (s->srv)
		counter_add(&s->srv->ctr[tid].rsp[cls >= 1 && cls <= 5 ? cls - 1 : 5], 1);
}

/* Counts <status> on the stream's tracked counters: an error when it is
 * one of `http-err-codes`, a failure when one of `http-fail-codes`. As
 * HAProxy, a server's status counts as soon as its head is parsed, before
 * the response rules, and the proxy's own replies as they are produced.
 */
void hs_txn_count_sc(struct stream *s, int status)
{
	if (!s->sc.tracked)
		return;
	if (http_codes_has(&http_err_codes, status))
		stkctr_http_err(&s->sc);
	if (http_codes_has(&http_fail_codes, status))
		stkctr_http_fail(&s->sc);
}

/* ---- I/O ---- */

/* Room reads keep free for rewrites. */
static size_t reserve(void)
{
	size_t r = global.tune_maxrewrite;

	return r < buf_size / 2 ? r : buf_size / 2;
}

/* The HTTP/2 server refused the request without processing it (before
 * any response byte): its bytes, kept by the transport, go back to the
 * head of the request buffer, released for sending again, and a new
 * connection to the same server is made (RFC 9113 section 8.7). Returns 1
 * if so, 0 when the request cannot go again (not refused, too large, no
 * retry left, no room): the caller answers 502 as before.
 */
static int hs_retry_refused(struct stream *s)
{
	struct http_txn *txn = s->txn;
	const void *req;
	size_t len;

	if (s->srvside.xprt != &xprt_h2bs || (txn->flags & (TX_HAS_RES | TX_LOCAL)) ||
	    buf_data(&s->res.buf) || !s->retries_left || s->req.pipe)
		return 0;
	req = h2be_refused(s->srvside.xprt_ctx, &len);
	if (!req || (!buf_allocated(&s->req.buf) && buf_alloc(&s->req.buf) < 0) ||
	    buf_replace(&s->req.buf, 0, 0, req, len) < 0)
		return 0;
	txn->req_fwd += len;
	/* counted again as they go again */
	s->req.total -= len < s->req.total ? len : s->req.total;
	s->acct_in -= len < s->acct_in ? len : s->acct_in;
	if (strm_retry_request(s) < 0)
		return 0;   /* not reached: retries_left was checked */
	return 1;
}

/* Reads from side <sd> into <b>, leaving <keep> bytes of room. Returns 1 if
 * bytes came.
 */
static int h_recv(struct side *sd, struct buffer *b, size_t keep)
{
	size_t room;
	ssize_t n;

	if ((sd->flags & (SIDE_SHUTR | SIDE_ERROR | SIDE_RDMAY)) != SIDE_RDMAY)
		return 0;
	if (!buf_allocated(b) && buf_alloc(b) < 0)
		return 0;   /* retried on the next wakeup */
	room = buf_room(b);
	if (room <= keep)
		return 0;
	n = xprt_recv(sd->xprt, sd->xprt_ctx, sd->fd, b, room - keep);
	if (n == -EAGAIN || (n > 0 && (size_t)n < room - keep && !xprt_more(sd->xprt, sd->xprt_ctx)))
		sd->flags &= ~SIDE_RDMAY;
	if (n > 0)
		return 1;
	if (n == 0)
		sd->flags |= SIDE_SHUTR;
	else if (n != -EAGAIN && n != -ENOSPC)
		sd->flags |= SIDE_ERROR;
	return 0;
}

/* Sends up to *<fwd> bytes of channel <c> to side <to>. Returns 1 if any
 * went.
 */
static int h_send(struct channel *c, uint64_t *fwd, struct side *to)
{
	size_t want = buf_data(&c->buf);
	ssize_t n;

	if (*fwd < want)
		want = (size_t)*fwd;
	if (!want || (to->flags & (SIDE_SHUTW | SIDE_ERROR)))
		return 0;
	to->flags &= ~SIDE_WBLOCK;
	n = xprt_send(to->xprt, to->xprt_ctx, to->fd, &c->buf, want, 0);
	if (n > 0) {
		c->total += (uint64_t)n;
		*fwd -= (uint64_t)n;
		return 1;
	}
	if (n == -ENOBUFS)
		to->flags |= SIDE_WBLOCK | SIDE_RDMAY;   /* the transport waits for its peer (xprt.h) */
	else if (n != -EAGAIN && n != 0)
		to->flags |= SIDE_ERROR;
	return 0;
}

/* Splices body bytes of channel <c> from side <from> to side <to> through
 * the channel's pipe (taken from the pool if needed): at most *<left> bytes
 * (a Content-Length body, decremented), or until <from> closes when <left>
 * is NULL. Adds the bytes read to *<in> and those written to *<out>.
 * Returns 1 if bytes moved, 0 otherwise (and when no pipe is available:
 * the caller then goes on through the buffer).
 */
static int h_splice(struct channel *c, struct side *from, struct side *to, uint64_t *left,
                    _Atomic uint64_t *in, _Atomic uint64_t *out)
{
	int moved = 0;
	ssize_t n;

	if (!c->pipe && !(c->pipe = pipe_get()))
		return 0;
	if ((from->flags & (SIDE_SHUTR | SIDE_ERROR | SIDE_RDMAY)) == SIDE_RDMAY && (!left || *left)) {
		n = pipe_splice_in(from->fd, c->pipe, left && *left < SIZE_MAX ? (size_t)*left : 0);
		if (n > 0) {
			if (left)
				*left -= (uint64_t)n;
			counter_add(in, (uint64_t)n);
			moved = 1;
		} else if (n == 0) {
			from->flags |= SIDE_SHUTR;
		} else if (n == -EAGAIN) {
			if (!c->pipe->data)
				from->flags &= ~SIDE_RDMAY;   /* drained: wait for the poller */
		} else if (n != -ENOBUFS) {
			from->flags |= SIDE_ERROR;
		}
	}
	if (c->pipe->data && !(to->flags & (SIDE_SHUTW | SIDE_ERROR))) {
		n = pipe_splice_out(c->pipe, to->fd, 0);
		if (n > 0) {
			c->total += (uint64_t)n;
			counter_add(out, (uint64_t)n);
			moved = 1;
		} else if (n != -EAGAIN && n != 0) {
			to->flags |= SIDE_ERROR;
		}
	}
	return moved;
}

/* Returns 1 if the rest of the request body of <s> goes by splicing: a
 * Content-Length body of which nothing is buffered, the server connected
 * and its head sent, with option splice-request or splice-auto.
 */
static int req_splicing(const struct stream *s)
{
	const struct http_txn *txn = s->txn;

	return txn->req_splice && txn->req_state == HTTP_MSG_BODY && txn->req_body == H1_BODY_CL &&
	       !txn->req_fwd && !buf_data(&s->req.buf) && s->state == ST_EST && !s->preamble_len;
}

/* Returns 1 if the rest of the response body of <s> goes by splicing: a
 * Content-Length or close-delimited body of which nothing is buffered,
 * with option splice-response or splice-auto.
 */
static int res_splicing(const struct stream *s)
{
	const struct http_txn *txn = s->txn;

	return txn->res_splice && !(txn->flags & (TX_SKIP_BODY | TX_LOCAL)) && !txn->res_fwd &&
	       !buf_data(&s->res.buf) &&
	       ((txn->res_state == HTTP_MSG_BODY && txn->res_body == H1_BODY_CL) || txn->res_state == HTTP_MSG_CLOSE);
}

/* `retry-on` beyond conn-failure (HAProxy's L7 retries): copies the
 * request bytes of <s> about to be sent after those already sent
 * (txn->l7_len, which the caller advances by what went), so that the
 * request can be sent again on another connection. A request larger than
 * a buffer is never resent (TX_L7_OFF), as HAProxy.
 */
static void l7_stage(struct stream *s)
{
	struct http_txn *txn = s->txn;
	size_t want = buf_data(&s->req.buf), got = 0;
	struct iovec iov[2];
	int nspans;

	if (!(s->be->retry_on & ~PR_RE_CONN_FAILED) || (txn->flags & TX_L7_OFF))
		return;
	if (txn->req_fwd < want)
		want = (size_t)txn->req_fwd;
	if (!txn->l7_buf && !(txn->l7_buf = malloc(buf_size))) {
		txn->flags |= TX_L7_OFF;
		return;
	}
	if (want > buf_size - txn->l7_len) {
		txn->flags |= TX_L7_OFF;
		return;
	}
	nspans = buf_data_spans(&s->req.buf, iov);
	for (int i = 0; i < nspans && got < want; i++) {
		size_t l = iov[i].iov_len < want - got ? iov[i].iov_len : want - got;

		memcpy(txn->l7_buf + txn->l7_len + got, iov[i].iov_base, l);
		got += l;
	}
}

/* Gives back the pipe of channel <c> once empty. */
static void pipe_release(struct channel *c)
{
	if (c->pipe && !c->pipe->data) {
		pipe_put(c->pipe);
		c->pipe = NULL;
	}
}

/* Drops the unsent bytes of a channel (a message given up). */
void hs_chan_drop(struct channel *c)
{
	if (buf_allocated(&c->buf))
		buf_reset(&c->buf);
}

/* ---- shared by both directions ---- */

/* Sets the parser's limits for a head of <s>: the room its buffer leaves,
 * and the frontend's leniency (`option accept-unsafe-violations-in-http-
 * request`: a fragment in the target), used by every parse of a request
 * head so that the waiting and the final parse agree.
 */
void hs_limits_init(struct h1_limits *lim, const struct stream *s)
{
	h1_limits_init(lim);
	lim->max_head = (uint32_t)(buf_size - reserve());
	if (lim->max_line > lim->max_head)
		lim->max_line = lim->max_head;
	if (s->fe->options & PR_O_ACCEPT_UNSAFE_REQ)
		lim->opts |= H1_OPT_ACCEPT_FRAGMENT;
}

/* Where chunk_walk() copies the data of the chunks it crosses, if wanted. */
struct body_sink {
	char *out;     /* destination */
	size_t room;   /* its size */
	size_t len;    /* bytes copied */
};

/* Runs the chunk parser <ck> over the bytes of <c> from offset <skip> on,
 * until the body's end or the data's, copying the chunks' data into <sink>
 * when not NULL (what fits). Returns the bytes it accepted, or a negative
 * H1_ERR_* on bad framing.
 */
static int64_t chunk_walk(const struct channel *c, size_t skip, struct h1_chunk *ck, struct body_sink *sink)
{
	struct iovec iov[2];
	int nspans = buf_data_spans(&c->buf, iov);
	int64_t done = 0;

	for (int i = 0; i < nspans && !h1_chunk_done(ck); i++) {
		const char *p = iov[i].iov_base;
		size_t l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		p += skip;
		l -= skip;
		skip = 0;
		while (l && !h1_chunk_done(ck)) {
			struct h1_span sp;
			int r = h1_chunk_parse(ck, p, l, &sp);

			if (r < 0)
				return r;
			if (!r)
				break;
			if (sink && sp.len && sink->len < sink->room) {
				size_t n = sp.len < sink->room - sink->len ? sp.len : sink->room - sink->len;

				memcpy(sink->out + sink->len, p + sp.off, n);
				sink->len += n;
			}
			done += r;
			p += r;
			l -= (size_t)r;
		}
	}
	return done;
}

/* Copies <len> bytes of <c> from offset <ofs> into <out>. */
static void chan_copy(const struct channel *c, size_t ofs, char *out, size_t len)
{
	struct iovec iov[2];
	int nspans = buf_data_spans(&c->buf, iov);

	for (int i = 0; i < nspans && len; i++) {
		size_t l = iov[i].iov_len, n;

		if (ofs >= l) {
			ofs -= l;
			continue;
		}
		n = l - ofs < len ? l - ofs : len;
		memcpy(out, (const char *)iov[i].iov_base + ofs, n);
		out += n;
		len -= n;
		ofs = 0;
	}
}

int http_txn_body(const struct stream *s, int res, char *out, size_t room, size_t *len, uint64_t *size)
{
	const struct http_txn *txn = s->txn;
	const struct channel *c = res ? &s->res : &s->req;
	enum h1_body body;
	size_t ofs, data, have;

	if (!txn || !(txn->flags & (res ? TX_HAS_RES : TX_HAS_REQ)))
		return 0;
	if (res) {
		if (txn->res_state != HTTP_MSG_HDR && txn->res_state != HTTP_MSG_WAIT)
			return 0;
		ofs = (size_t)txn->res_head_ofs + txn->res_head_len;
		body = txn->res_body;
	} else {
		if (txn->req_state != HTTP_MSG_HDR && txn->req_state != HTTP_MSG_WAIT)
			return 0;
		ofs = txn->req_head_len;
		body = txn->req_body;
	}
	data = buf_data(&c->buf);
	have = data > ofs ? data - ofs : 0;
	*len = 0;
	*size = 0;
	if (body == H1_BODY_CHUNKED) {
		struct h1_limits lim;
		struct h1_chunk ck;
		struct body_sink sink = { out, room, 0 };

		hs_limits_init(&lim, s);
		h1_chunk_init(&ck, &lim);
		chunk_walk(c, ofs, &ck, &sink);
		*len = sink.len;
		*size = ck.total;
		return 1;
	}
	if (body == H1_BODY_CL) {
		uint64_t cl = res ? txn->res_left : txn->req_left;

		*size = cl;
		if (have > cl)
			have = (size_t)cl;
	} else if (body == H1_BODY_NONE) {
		have = 0;
	} else {
		*size = have;
	}
	*len = have < room ? have : room;
	chan_copy(c, ofs, out, *len);
	return 1;
}

int hs_body_ready(const struct stream *s, const struct channel *c, size_t ofs, enum h1_body body,
                  uint64_t cl, uint32_t least, int shut)
{
	size_t data = buf_data(&c->buf);
	size_t have = data > ofs ? data - ofs : 0;

	if (shut || (least && have >= least) || body == H1_BODY_NONE ||
	    (buf_allocated(&c->buf) && buf_room(&c->buf) <= reserve()))
		return 1;
	if (body == H1_BODY_CL)
		return have >= cl;
	if (body == H1_BODY_CHUNKED) {
		struct h1_limits lim;
		struct h1_chunk ck;

		/* parsed again from its start at each look: O(body), bounded
		 * by the buffer; bad framing is the forwarding's to report
		 */
		hs_limits_init(&lim, s);
		h1_chunk_init(&ck, &lim);
		return chunk_walk(c, ofs, &ck, NULL) < 0 || h1_chunk_done(&ck);
	}
	return 0;   /* until the close */
}

/* Writes the edited head of <hh> in place of the <old> bytes at <ofs> in
 * <c>. Returns the new length, or 0 if it does not fit.
 */
size_t hs_put_head(struct channel *c, size_t ofs, size_t old, const struct http_head *hh, int is_req)
{
	char *out = hs_thread_scratch();
	size_t n;

	if (!out)
		return 0;
	n = http_head_write(hh, is_req, out, buf_size);
	if (!n || buf_replace(&c->buf, ofs, old, out, n) < 0)
		return 0;
	return n;
}

/* Releases body bytes of a message for sending: <*fwd> grows over what the
 * framing accounts for. Returns 1 when the body is complete.
 */
int hs_body_account(struct channel *c, uint64_t *fwd, enum h1_body body, uint64_t *left,
                        struct h1_chunk *ck, int *err)
{
	size_t data = buf_data(&c->buf);

	if (*fwd >= data)
		return body == H1_BODY_CL ? !*left : body == H1_BODY_CHUNKED ? h1_chunk_done(ck) : 0;
	switch (body) {
	case H1_BODY_CL: {
		uint64_t avail = data - *fwd;
		uint64_t take = avail < *left ? avail : *left;

		*fwd += take;
		*left -= take;
		return !*left;
	}
	case H1_BODY_CHUNKED: {
		int64_t r = chunk_walk(c, (size_t)*fwd, ck, NULL);

		if (r < 0) {
			*err = (int)r;
			return 0;
		}
		*fwd += (uint64_t)r;
		return h1_chunk_done(ck);
	}
	default:
		*fwd = data;   /* until close, or a tunnel */
		return 0;
	}
}

/* ---- end of a transaction ---- */

/* Starts closing the client connection: a FIN after the last response
 * byte, then bytes still arriving are read and dropped until the client
 * closes or its timeout (so that a close with unread input does not reset
 * the connection before the client read the response).
 */
static void begin_close(struct stream *s)
{
	strm_shutw(&s->cli);
	s->cli.exp = tick_add(now_ms, s->fe->timeout.client_fin ? s->fe->timeout.client_fin :
	                              s->fe->timeout.client ? s->fe->timeout.client : 1000);
}

/* Ends the current transaction once its response was sent. Returns 1 if
 * the stream goes on with a new transaction, 0 if the client side closes.
 */
static int end_txn(struct stream *s)
{
	struct http_txn *txn = s->txn;
	int srv_keep = side_open(&s->srvside) && s->state == ST_EST && !(txn->flags & TX_SRV_CLOSE) &&
	               !(txn->flags & TX_LOCAL) && txn->req_state == HTTP_MSG_DONE && !txn->req_fwd &&
	               !buf_data(&s->res.buf) && !((s->srvside.flags) & (SIDE_SHUTR | SIDE_ERROR)) &&
	               !xprt_more(s->srvside.xprt, s->srvside.xprt_ctx);   /* nothing unasked, no end pending */

	if (s->sc.tracked) {
		stkctr_add_bytes(&s->sc, s->req.total - s->acct_in, s->res.total - s->acct_out);
		s->acct_in = s->req.total;
		s->acct_out = s->res.total;
	}
	txn_log(s);
	stkctr_release_txn(&s->sc);   /* the next request tracks its own keys */
	if (txn->req_state != HTTP_MSG_DONE || txn->req_fwd)
		txn->flags |= TX_CLI_CLOSE;   /* the rest of the request was not read */
	if (s->srv || s->state != ST_INI) {
		struct server *srv = s->srv;

		strm_leave_queue(s);
		strm_release_server(s);
		if (srv_keep) {
			server_hold(&s->idle_srv, srv);
		} else {
			strm_close_srv(s);
			server_hold(&s->idle_srv, NULL);
		}
		s->state = ST_INI;
	}
	/* an idle keep-alive connection holds no buffer (they go back to the
	 * thread's pool cache, cheap to take again): 2 x tune.bufsize less
	 * per idle client
	 */
	buf_free(&s->res.buf);
	if (!buf_data(&s->req.buf))
		buf_free(&s->req.buf);
	/* an HTTP/2 stream carries one transaction: its end ends the stream */
	if ((txn->flags & TX_CLI_CLOSE) || (s->cli.flags & SIDE_SHUTR) || s->h2) {
		begin_close(s);
		return 0;
	}
	txn_drop(s);   /* the next request gets a new one when it comes */
	s->http_idle_start = now_ms;
	return 1;
}

/* `option abortonclose`: the client closed after a complete request that
 * has no response yet. A request still queued or in the turn-around
 * before a retry is given up (CQ, CC; logged without a status); once the
 * server has all of it, it is told by shutting the server's write side,
 * and the server's close then ends it (CH, 400). Returns 1 when the
 * stream is to be freed.
 */
static int abort_on_close(struct stream *s)
{
	struct http_txn *txn = s->txn;

	if (strm_abort_connect_req(s, 1))
		return 1;
	if (s->state == ST_EST && !txn->req_fwd && !(txn->flags & TX_CLI_ABORT)) {
		txn->flags |= TX_CLI_ABORT | TX_SRV_CLOSE;
		if (s->srvside.fd >= 0)
			shutdown(s->srvside.fd, SHUT_WR);
		else
			strm_shutw(&s->srvside);
	}
	return 0;
}

/* ---- timeouts and polling ---- */

static unsigned int first_set(unsigned int a, unsigned int b, unsigned int c)
{
	return a ? a : b ? b : c;
}

/* The client deadline while waiting for a request head. */
static uint32_t head_deadline(const struct stream *s)
{
	uint32_t start = s->txn ? s->txn->t_req_start : s->http_head_start;
	const struct pr_timeouts *to = &s->fe->timeout;

	if (!start) {
		unsigned int idle = s->http_nb_req ? first_set(to->http_keep_alive, to->http_request, to->client)
		                                   : first_set(to->http_request, to->client, 0);

		return tick_add_ifset(s->http_idle_start, idle);
	}
	return tick_add_ifset(start, first_set(to->http_request, to->client, 0));
}

/* Waits for the head of the next request of <s> without a transaction:
 * reads what the client sent and parses it, resuming where the last pass
 * stopped (s->http_head). Returns 0 while more bytes are awaited (the
 * stream holds nothing else, and no buffer before bytes came), 1 once <s>
 * holds a transaction for what follows (the head complete or invalid, the
 * client gone or late with a request started, or late with its first
 * one: answered or logged as a request), -1 when the stream ends without
 * a word (the client left, or went quiet between requests), 2 when the
 * client sent the HTTP/2 preface, -ENOMEM when no transaction could be had.
 * Where HTTP/1 is imposed (`bind ... proto h1`, `switch-mode http proto
 * h1`) the preface is a request answered 405, as HAProxy's h1 mux does.
 */
static int head_wait(struct stream *s)
{
	struct buffer *b = &s->req.buf;
	struct h1_msg *m = &s->http_head;
	uint32_t nb0 = m->nb_hdrs;   /* fields parsed by earlier passes */
	unsigned int gone;
	struct h1_limits lim;
	int r;

	h_recv(&s->cli, b, reserve());
	gone = s->cli.flags & (SIDE_SHUTR | SIDE_ERROR);
	if (!buf_data(b)) {
		if (!gone && !tick_is_expired(head_deadline(s), now_ms))
			return 0;
		/* option http-ignore-probes: a connection that sent nothing
		 * is closed silently (no 408/400, no log, no error counted)
		 */
		if (s->http_nb_req || gone == SIDE_SHUTR || (s->fe->options & PR_O_IGNORE_PRB))
			return -1;
		/* a first request that never came (408), a reset (counted) */
		return txn_take(s, 0) < 0 ? -ENOMEM : 1;
	}
	if (!s->http_nb_req && !s->h2 && !s->http_head_start) {
		/* the HTTP/2 preface on an HTTP/1.1 bind, or on a connection
		 * upgraded from tcp: prior knowledge, the connection goes to
		 * the h2 mux (HAProxy does the same)
		 */
		int p = h2_preface_match(b);

		if (p > 0 && ((s->li && s->li->proto_h1) || s->upg_proto == STRM_UPG_H1)) {
			s->http_head_start = now_ms ? now_ms : 1;
			m->res = H1_ERR_H2_PREFACE;
			return txn_take(s, 0) < 0 ? -ENOMEM : 1;
		}
		if (p > 0)
			return 2;
		if (!p && !gone && !tick_is_expired(head_deadline(s), now_ms))
			return 0;
	}
	if (!s->http_head_start) {
		s->http_head_start = now_ms ? now_ms : 1;
		if (s->fe->log_targets)
			wall_clock(&s->http_head_sec, &s->http_head_ms);
	}
	m->hdrs = thread_scratch_hdrs();
	if (!m->hdrs)
		return txn_take(s, 0) < 0 ? -ENOMEM : 1;   /* the transaction parses it */
	if (buf_contig_data(b) < buf_data(b))
		buf_realign(b);
	hs_limits_init(&lim, s);
	r = h1_parse_request(m, buf_head(b), buf_data(b), &lim);
	if (!r && !gone && !tick_is_expired(head_deadline(s), now_ms))
		return 0;
	return txn_take(s, r > 0 && !nb0) < 0 ? -ENOMEM : 1;
}

struct task *http_stream_process(struct task *t, struct stream *s, unsigned int state, unsigned int sev)
{
	struct http_txn *txn = s->txn;
	int closing = (s->cli.flags & SIDE_SHUTW) != 0;
	int loops = 0, prog;

	/* tcp-request rules once, before the first request */
	if (!s->sc.sess_counted && strm_session_rules(s) < 0)
		goto out_free;

	if (closing) {
		/* drain what the client still sends, then free */
		while ((s->cli.flags & (SIDE_SHUTR | SIDE_ERROR | SIDE_RDMAY)) == SIDE_RDMAY) {
			ssize_t n;

			if (!buf_allocated(&s->req.buf) && buf_alloc(&s->req.buf) < 0)
				break;
			buf_reset(&s->req.buf);
			n = xprt_recv(s->cli.xprt, s->cli.xprt_ctx, s->cli.fd, &s->req.buf, 0);
			buf_reset(&s->req.buf);
			if (n > 0)
				continue;
			if (n == 0)
				s->cli.flags |= SIDE_SHUTR;
			else if (n == -EAGAIN)
				s->cli.flags &= ~SIDE_RDMAY;
			else
				s->cli.flags |= SIDE_ERROR;
		}
		buf_free(&s->req.buf);
		if ((s->cli.flags & (SIDE_SHUTR | SIDE_ERROR)) || tick_is_expired(s->cli.exp, now_ms))
			goto out_free;
		side_set_events(&s->cli, FD_EV_IN | xprt_events(s->cli.xprt, s->cli.xprt_ctx));
		hs_drop_idle_conn(s);
		task_set_expire(t, s->cli.exp);
		return t;
	}

	/* a kept server connection that wakes up while idle is closed */
	if (s->state == ST_INI && side_open(&s->srvside) && ((s->srvside.flags & SIDE_RDMAY) || (sev & (FD_EV_HUP | FD_EV_ERR)))) {
		strm_close_srv(s);
		s->srvside.flags = 0;
		server_hold(&s->idle_srv, NULL);
	}

	if (s->state == ST_QUEUED) {
		if (state & TASK_WOKEN_RES) {
			s->state = ST_INI;
			strm_assign_and_connect(s, NULL);
		} else if (tick_is_expired(s->conn_exp, now_ms)) {
			s->tw = (int32_t)(now_ms - s->t_be);   /* %Tw: the time queued */
			strm_set_term(s, 's', 'Q');
			strm_leave_queue(s);
			s->state = ST_CLOSED;
		}
	}
	if (txn) {
		strm_check_connect(s, sev);
		if (s->state == ST_CLOSED) {
			s->state = ST_INI;
			strm_close_srv(s);
			hs_error_reply_keep(s, 503);
		}
	}

restart:
	if (!s->txn) {
		/* no transaction until a request head is complete */
		int w = head_wait(s);

		if (!w) {
			if (!buf_data(&s->req.buf))
				buf_free(&s->req.buf);
			side_set_events(&s->cli, FD_EV_IN);
			if (side_open(&s->srvside))
				side_set_events(&s->srvside, FD_EV_IN);   /* idle: only to see it close */
			task_set_expire(t, head_deadline(s));
			return t;
		}
		if (w < 0) {
			if (w == -ENOMEM)
				strm_set_term(s, 'R', 'R');
			goto out_free;
		}
		if (w == 2) {
			/* HTTP/2: the mux takes the connection, its streams log */
			s->no_log = 1;
			h2c_upgrade(s);
			goto out_free;
		}
	}
	txn = s->txn;

	do {
		int cin, sin = 0;

		prog = 0;
		/* client -> request buffer, or -> server through a pipe */
		if (req_splicing(s)) {
			txn->flags |= TX_L7_OFF;   /* bytes that no retry copy sees */
			cin = h_splice(&s->req, &s->cli, &s->srvside, &txn->req_left,
			               &s->fe->ctr[tid].spl_fe_in, &s->be->ctr[tid].spl_be_out);
			if (!txn->req_left && !(s->req.pipe && s->req.pipe->data)) {
				pipe_release(&s->req);
				txn->req_state = HTTP_MSG_DONE;
				cin = 1;
			}
		} else {
			cin = h_recv(&s->cli, &s->req.buf, txn->req_state == HTTP_MSG_TUNNEL ? 0 : reserve());
		}
		if (cin)
			s->cli.exp = tick_add_ifset(now_ms, s->fe->timeout.client);
		prog |= cin;
		prog |= hs_analyze_request(s);
		if (s->state == ST_CLOSED) {
			s->state = ST_INI;
			hs_error_reply_keep(s, 503);
			prog = 1;
		}
		if (s->state == ST_CONNECTING && txn->req_fwd) {
			ssize_t n;

			l7_stage(s);
			n = strm_early_send(s, &s->req, txn->req_fwd);
			if (n > 0) {
				txn->l7_len += (size_t)n;
				txn->req_fwd -= (uint64_t)n;
				prog = 1;
			} else if (s->state == ST_CLOSED) {
				s->state = ST_INI;
				hs_error_reply_keep(s, 503);
				prog = 1;
			}
		}
		if (s->state == ST_EST && strm_send_preamble(s)) {
			size_t before = buf_data(&s->req.buf);
			int sent;

			l7_stage(s);
			sent = h_send(&s->req, &txn->req_fwd, &s->srvside);
			txn->l7_len += before - buf_data(&s->req.buf);

			if (sent)
				s->srvside.exp = tick_add_ifset(now_ms, strm_inactivity(s, 0));
			prog |= sent;
			/* body bytes released by the sending above */
			prog |= hs_analyze_request(s);
		}
		/* server -> response buffer */
		if (s->state == ST_EST && txn->req_state != HTTP_MSG_HDR && !(txn->flags & TX_LOCAL) && res_splicing(s)) {
			sin = h_splice(&s->res, &s->srvside, &s->cli,
			               txn->res_state == HTTP_MSG_CLOSE ? NULL : &txn->res_left,
			               &s->be->ctr[tid].spl_be_in, &s->fe->ctr[tid].spl_fe_out);
			if (sin)
				s->srvside.exp = tick_add_ifset(now_ms, strm_inactivity(s, 0));
			if (!(s->res.pipe && s->res.pipe->data) &&
			    (txn->res_state == HTTP_MSG_BODY ? !txn->res_left : !!(s->srvside.flags & SIDE_SHUTR))) {
				pipe_release(&s->res);
				txn->res_state = HTTP_MSG_DONE;
				sin = 1;
			}
			prog |= sin;
		} else if (s->state == ST_EST && txn->req_state != HTTP_MSG_HDR && !(txn->flags & TX_LOCAL)) {
			sin = h_recv(&s->srvside, &s->res.buf, txn->res_state == HTTP_MSG_CLOSE ? 0 : reserve());
			if (sin)
				s->srvside.exp = tick_add_ifset(now_ms, strm_inactivity(s, 0));
			prog |= sin;
			prog |= hs_analyze_response(s);
			if (s->tunnel)
				break;
		}
		if (txn->svc_body)
			prog |= hs_svc_refill(txn, &s->res.buf);
		if (h_send(&s->res, &txn->res_fwd, &s->cli)) {
			s->cli.exp = tick_add_ifset(now_ms, s->fe->timeout.client);
			prog = 1;
			prog |= hs_analyze_response(s);
		}
		/* close-delimited body: the server's close ends it */
		if (txn->res_state == HTTP_MSG_CLOSE && (s->srvside.flags & SIDE_SHUTR) &&
		    txn->res_fwd >= buf_data(&s->res.buf) && !(s->res.pipe && s->res.pipe->data)) {
			txn->res_state = HTTP_MSG_DONE;
			prog = 1;
		}
		/* the transaction is over once its response left */
		if (txn->res_state == HTTP_MSG_DONE && !txn->res_fwd && !txn->svc_body &&
		    (txn->req_state == HTTP_MSG_DONE || (txn->flags & TX_LOCAL))) {
			if (!end_txn(s))
				return http_stream_process(t, s, state, 0);   /* closing */
			if (++loops >= 8) {
				/* pipelined requests left: go on at the next pass,
				 * after the other tasks (fairness)
				 */
				task_wakeup(t, TASK_WOKEN_OTHER);
				side_set_events(&s->cli, FD_EV_IN);
				return t;
			}
			goto restart;
		}
	} while (prog && ++loops < 8);
	if (prog)
		task_wakeup(t, TASK_WOKEN_OTHER);   /* more to do: at the next pass */

	if (s->tunnel) {
		/* the TCP code forwards from now on: everything buffered is tunnel data */
		txn->req_state = txn->res_state = HTTP_MSG_TUNNEL;
		s->cli.exp = tick_add_ifset(now_ms, strm_inactivity(s, 1));
		s->srvside.exp = tick_add_ifset(now_ms, strm_inactivity(s, 0));
		task_wakeup(t, TASK_WOKEN_OTHER);
		side_set_events(&s->cli, FD_EV_IN | FD_EV_OUT);
		return t;
	}

	/* errors and closes */
	if (s->cli.flags & SIDE_ERROR) {
		strm_set_term(s, 'C', txn->req_state == HTTP_MSG_HDR ? 'R' : 'D');
		counter_add(&s->fe->ctr[tid].cli_aborts, 1);
		goto out_free;
	}
	if (s->cli.flags & SIDE_SHUTR) {
		if (txn->req_state == HTTP_MSG_HDR && !buf_data(&s->req.buf) && !txn->res_fwd &&
		    txn->res_state == HTTP_MSG_HDR) {
			/* client left between requests: nothing to log */
			if (!txn->t_req_start)
				txn->flags |= TX_LOGGED;
			goto out_free;
		}
		if (txn->req_state == HTTP_MSG_HDR || txn->req_state == HTTP_MSG_BODY || txn->req_state == HTTP_MSG_WAIT) {
			strm_set_term(s, 'C', txn->req_state != HTTP_MSG_BODY ? 'R' : 'D');
			counter_add(&s->fe->ctr[tid].cli_aborts, 1);
			goto out_free;
		}
		/* request complete: the response is still delivered, then close */
		txn->flags |= TX_CLI_CLOSE;
		if ((s->be->options & PR_O_ABRT_CLOSE) && !(txn->flags & (TX_HAS_RES | TX_LOCAL)) &&
		    abort_on_close(s))
			goto out_free;
	}
	if ((txn->flags & TX_CLI_ABORT) && s->state == ST_EST && (s->srvside.flags & (SIDE_ERROR | SIDE_SHUTR)) &&
	    !(txn->flags & (TX_HAS_RES | TX_LOCAL))) {
		/* the server closed after the client left: HAProxy's 400 */
		counter_add(&s->be->ctr[tid].cli_aborts, 1);
		hs_server_failed(s, 400, 'C', 'H');
		return http_stream_process(t, s, state, 0);
	}
	if (s->state == ST_EST && (s->srvside.flags & (SIDE_ERROR | SIDE_SHUTR)) && !(txn->flags & TX_LOCAL) &&
	    txn->res_state != HTTP_MSG_DONE && txn->res_state != HTTP_MSG_CLOSE && txn->req_state != HTTP_MSG_HDR) {
		/* an HTTP/2 server refused the stream unprocessed: sent again */
		if (hs_retry_refused(s))
			return http_stream_process(t, s, state, 0);
		if (hs_empty_response(s)) {
			if (s->state != ST_INI || (txn->flags & TX_LOCAL))
				return http_stream_process(t, s, state, 0);   /* resent, or 503 */
			goto out_free;                                     /* the client resends */
		}
		hs_server_failed(s, 502, 'S', (txn->flags & TX_HAS_RES) ? 'D' : 'H');
		return http_stream_process(t, s, state, 0);
	}
	if (s->state == ST_EST && (s->srvside.flags & SIDE_ERROR) && txn->res_state == HTTP_MSG_CLOSE) {
		strm_set_term(s, 'S', 'D');
		goto out_free;
	}

	/* timeouts */
	if (txn->res_state == HTTP_MSG_WAIT && tick_is_expired(txn->wait_exp, now_ms)) {
		/* wait-for-body on a response: the server is too slow (504) */
		txn->wait_rule = NULL;
		txn->res_state = HTTP_MSG_HDR;
		txn->flags &= ~TX_HAS_RES;
		hs_server_failed(s, 504, 's', 'D');
		return http_stream_process(t, s, state, 0);
	}
	if (txn->req_state == HTTP_MSG_WAIT) {
		if (tick_is_expired(txn->wait_exp, now_ms)) {
			/* wait-for-body on a request: the client is too slow (408) */
			txn->wait_rule = NULL;
			txn->req_state = HTTP_MSG_HDR;
			strm_set_term(s, 'c', 'R');
			counter_add(&s->fe->ctr[tid].failed_req, 1);
			hs_error_reply(s, 408);
			return http_stream_process(t, s, state, 0);
		}
		if (tick_is_expired(s->cli.exp, now_ms)) {
			strm_set_term(s, 'c', 'R');
			counter_add(&s->fe->ctr[tid].cli_aborts, 1);
			goto out_free;
		}
	} else if (txn->flags & TX_TARPIT) {
		if (tick_is_expired(txn->hold_exp, now_ms)) {
			txn->flags &= ~TX_TARPIT;
			strm_set_term(s, 'P', 'T');
			hs_error_reply_keep(s, txn->deny_status);   /* kept open, as HAProxy 2.6 */
			return http_stream_process(t, s, state, 0);
		}
	} else if (txn->req_state == HTTP_MSG_HDR && txn->res_state == HTTP_MSG_HDR && !txn->res_fwd) {
		uint32_t exp = head_deadline(s);

		if (tick_is_expired(exp, now_ms)) {
			if (!txn->t_req_start && s->http_nb_req) {
				txn->flags |= TX_LOGGED;   /* keep-alive idle timeout: silent */
				goto out_free;
			}
			if (!txn->t_req_start)
				txn->t_req_start = now_ms ? now_ms : 1;
			strm_set_term(s, 'c', 'R');
			counter_add(&s->fe->ctr[tid].failed_req, 1);
			hs_error_reply(s, 408);
			return http_stream_process(t, s, state, 0);
		}
		s->cli.exp = exp;
	} else if (txn->req_state == HTTP_MSG_DONE && !(txn->flags & (TX_HAS_RES | TX_LOCAL)) &&
	           !buf_data(&s->res.buf)) {
		/* As HAProxy: a complete request waiting for its server (in
		 * the queue, through connection attempts and retries, for the
		 * response head) is not bound by `timeout client`, which
		 * counts again from when there is something to answer.
		 */
		s->cli.exp = tick_add_ifset(now_ms, s->fe->timeout.client);
	} else if (tick_is_expired(s->cli.exp, now_ms)) {
		strm_set_term(s, 'c', txn->req_state == HTTP_MSG_DONE ? 'D' : 'R');
		counter_add(&s->fe->ctr[tid].cli_aborts, 1);
		goto out_free;
	}
	if (s->state == ST_EST && txn->req_state != HTTP_MSG_HDR && !(txn->flags & TX_LOCAL) &&
	    tick_is_expired(s->srvside.exp, now_ms)) {
		if (txn->flags & TX_HAS_RES) {
			strm_set_term(s, 's', 'D');
			counter_add(&s->be->ctr[tid].srv_aborts, 1);
			goto out_free;
		}
		if (!hs_l7_retry(s, PR_RE_TIMEOUT))
			hs_server_failed(s, 504, 's', 'H');
		return http_stream_process(t, s, state, 0);
	}

	/* what to poll */
	{
		uint32_t cev = 0, exp;

		/* a pipe holding data is written out before more is read
		 * into it (else a full pipe would wake us for nothing)
		 */
		if (!(s->cli.flags & (SIDE_SHUTR | SIDE_ERROR)) && !(txn->flags & TX_TARPIT) &&
		    (!buf_allocated(&s->req.buf) || buf_room(&s->req.buf) > reserve()) &&
		    !(s->req.pipe && s->req.pipe->data))
			cev |= FD_EV_IN;
		if ((txn->res_fwd && buf_data(&s->res.buf)) || (s->res.pipe && s->res.pipe->data))
			cev |= FD_EV_OUT;
		side_set_events(&s->cli, cev | xprt_events(s->cli.xprt, s->cli.xprt_ctx));
		if (side_open(&s->srvside)) {
			uint32_t sev2 = 0;

			if (s->state == ST_CONNECTING)
				sev2 = strm_connect_events(s);
			else if (s->state == ST_INI)
				sev2 = FD_EV_IN;   /* idle: only to see it close */
			else {
				if (!(s->srvside.flags & (SIDE_SHUTR | SIDE_ERROR)) &&
				    (!buf_allocated(&s->res.buf) || buf_room(&s->res.buf) > reserve()) &&
				    !(s->res.pipe && s->res.pipe->data))
					sev2 |= FD_EV_IN;
				if ((txn->req_fwd && buf_data(&s->req.buf) && !(s->srvside.flags & SIDE_WBLOCK)) ||
				    s->preamble_len ||
				    (s->req.pipe && s->req.pipe->data))
					sev2 |= FD_EV_OUT;
				sev2 |= xprt_events(s->srvside.xprt, s->srvside.xprt_ctx);
			}
			side_set_events(&s->srvside, sev2);
		}
		exp = (txn->flags & TX_TARPIT) ? txn->hold_exp : s->cli.exp;
		if (txn->req_state == HTTP_MSG_WAIT || txn->res_state == HTTP_MSG_WAIT)
			exp = tick_first(exp, txn->wait_exp);
		if (s->state == ST_EST && txn->req_state != HTTP_MSG_HDR && !(txn->flags & TX_LOCAL))
			exp = tick_first(exp, s->srvside.exp);
		else if (s->state == ST_CONNECTING || s->state == ST_QUEUED)
			exp = tick_first(exp, s->conn_exp);
		task_set_expire(t, exp);
	}
	return t;

out_free:
	strm_free(s);
	return NULL;
}
