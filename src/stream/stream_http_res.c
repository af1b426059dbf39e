/*
 * The HTTP engine's response side (mode http): a response head parsed,
 * shown to the rules, written out edited; then its body released for
 * sending as the framing accounts for it, and the errors a server can
 * make before or while it answers. The principle of the engine is in
 * stream_http.c; everything here runs on the stream's thread.
 */
#include <errno.h>
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
#include <tollgate/errsnap.h>
#include <tollgate/fd.h>
#include <tollgate/global.h>
#include <tollgate/h1.h>
#include <tollgate/http_msg.h>
#include <tollgate/http_reply.h>
#include <tollgate/http_rules.h>
#include <tollgate/http_service.h>
#include <tollgate/http_txn.h>
#include <tollgate/lb-algo.h>
#include <tollgate/lb.h>
#include <tollgate/logformat.h>
#include <tollgate/mux_h2_be.h>
#include <tollgate/pool.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/srv_idle.h>
#include <tollgate/stkctr.h>
#include <tollgate/stream-t.h>
#include <tollgate/task.h>
#include <tollgate/tcp_rules.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>

#include "http_headers.h"
#include "stream_http_int.h"
#include "stream_int.h"

/* `retry-on`: sends the request of <s> again, from the copy of what was
 * sent (txn->l7_buf), on a new connection to the same server, or to one
 * picked again when `option redispatch` says so (strm_redispatch_wanted(),
 * as HAProxy's do_l7_retry()), when the copy is whole and a retry is
 * left: the server connection and
 * anything it answered are dropped. Returns 1 when resent (or answered 503
 * when no server is left), 0 when the caller goes on with the failure.
 */
static int l7_resend(struct stream *s)
{
	struct http_txn *txn = s->txn;
	struct server *srv = s->srv;
	int redisp;

	if ((txn->flags & TX_L7_OFF) || !txn->l7_len || !s->retries_left ||
	    (!buf_allocated(&s->req.buf) && buf_alloc(&s->req.buf) < 0) ||
	    buf_replace(&s->req.buf, 0, 0, txn->l7_buf, txn->l7_len) < 0)
		return 0;
	txn->req_fwd += txn->l7_len;
	txn->l7_len = 0;
	txn->reused = 0;
	txn->flags |= TX_NO_REUSE;
	s->retries_left--;
	counter_add(&s->be->ctr[tid].retries, 1);
	if (srv)
		counter_add(&srv->ctr[tid].retries, 1);
	redisp = strm_redispatch_wanted(s, srv);
	hs_chan_drop(&s->res);
	txn->res_fwd = 0;
	txn->res_state = HTTP_MSG_HDR;
	h1_msg_init(&txn->res_h1, txn->res_hdrs, global.tune_maxhdr ? global.tune_maxhdr : H1_DEF_MAX_HDRS);
	strm_close_srv(s);
	if (srv && !redisp) {
		if (connect_server(s) < 0)
			strm_connect_failed(s);
	} else {
		if (srv) {
			counter_add(&s->be->ctr[tid].redispatches, 1);
			counter_add(&srv->ctr[tid].redispatches, 1);
			s->redispatched = 1;
		}
		strm_release_server(s);
		s->state = ST_INI;
		strm_assign_and_connect(s, srv);
	}
	if (s->state == ST_CLOSED) {
		s->state = ST_INI;
		hs_chan_drop(&s->req);
		hs_error_reply(s, 503);
	}
	return 1;
}

int hs_l7_retry(struct stream *s, unsigned int why)
{
	return (s->be->retry_on & why) && !(s->txn->flags & (TX_HAS_RES | TX_LOCAL)) && l7_resend(s);
}

/* Whether `retry-on` of the backend of <s> names response status <st>. */
static int l7_status_match(const struct stream *s, int st)
{
	static const int codes[] = PR_RE_STATUSES;

	for (size_t k = 0; k < sizeof(codes) / sizeof(codes[0]); k++)
		if (codes[k] == st)
			return !!(s->be->retry_on & (1U << (PR_RE_STATUS_SHIFT + k)));
	return 0;
}

/* Analyses a complete response head of <len> bytes at offset <ofs>. */
static int response_rules(struct stream *s);

static int response_head(struct stream *s, size_t ofs, size_t len)
{
	struct http_txn *txn = s->txn;
	int st = txn->res_h1.status;

	if (st >= 100 && st < 200 && st != 101) {
		/* interim response: forwarded as it is, then the next one */
		uint32_t maxhdr = global.tune_maxhdr ? global.tune_maxhdr : H1_DEF_MAX_HDRS;

		txn->res_fwd += len;
		h1_msg_init(&txn->res_h1, txn->res_hdrs, maxhdr);
		return 1;
	}
	/* retry-on <status>: the whole request went, its copy sent again */
	if (txn->req_state == HTTP_MSG_DONE && !txn->req_fwd && l7_status_match(s, st) && l7_resend(s))
		return 1;
	if (txn->req_state != HTTP_MSG_DONE && h1_res_body(&txn->res_h1, txn->srv_meth) == H1_BODY_TUNNEL) {
		/* as HAProxy: no tunnel before the whole request went (a 101
		 * to a request whose body is not all there): an invalid
		 * response, 502
		 */
		hs_server_failed(s, 502, 'P', 'H');
		return 1;
	}
	txn->t_res_start = now_ms;
	/* %Tr: from the connection established (or the request, when reused) */
	txn->trs = (int32_t)(now_ms - (txn->reused || s->tc < 0 ? txn->t_req_end : s->t_conn + (uint32_t)s->tc));
	http_head_load(&txn->res, &txn->res_h1, buf_head(&s->res.buf) + ofs);
	txn->flags |= TX_HAS_RES;
	txn->srv_status = st;
	hs_txn_count_sc(s, st);
	txn->res_body = h1_res_body(&txn->res_h1, txn->srv_meth);
	/* a HEAD turned into another method by the rules: the server's body
	 * is read (it frames the connection) but the client gets none
	 */
	if (txn->meth == H1_METH_HEAD && txn->res_body != H1_BODY_NONE && txn->res_body != H1_BODY_TUNNEL)
		txn->flags |= TX_SKIP_BODY;
	txn->res_left = txn->res_h1.content_length;
	if (http_framing_fields(&txn->res, &txn->res_h1) < 0) {
		strm_set_term(s, 'P', 'H');
		txn->flags |= TX_SRV_CLOSE;
		hs_error_reply(s, 500);
		return 1;
	}
	if (txn->res_body == H1_BODY_TUNNEL) {
		/* 101 or a CONNECT accepted: bytes both ways from now on */
		txn->res_fwd += len;
		hs_txn_set_status(s, st);
		s->tunnel = 1;
		return 1;
	}
	if (s->fe->nb_cap_res || s->fe->cap_cookie.name)
		http_capture(s, &txn->res, 1);
	if (!h1_keep_alive(&txn->res_h1) || txn->res_body == H1_BODY_CLOSE)
		txn->flags |= TX_SRV_CLOSE;
	if (txn->res_body == H1_BODY_CLOSE)
		txn->flags |= TX_CLI_CLOSE;   /* the client can only see the end by a close */
	txn->res_head_ofs = (uint32_t)ofs;
	txn->res_head_len = (uint32_t)len;
	if (!list_empty(&s->be->tcp_res_cont) && tcp_rules_response(s) < 0) {
		/* tcp-response content reject / close: the connection closes */
		counter_add(&s->be->ctr[tid].denied_resp, 1);
		strm_set_term(s, 'P', 'H');
		txn->flags |= TX_SRV_CLOSE;
		s->cli.flags |= SIDE_ERROR;
		return 1;
	}
	return response_rules(s);
}

/* Runs the http-response rules of the backend then of the frontend, then
 * writes the head out: from the start, or from the wait-for-body rule that
 * stopped them (txn->wait_rule, the body now there). Returns 1.
 */
static int response_rules(struct stream *s)
{
	struct http_txn *txn = s->txn;
	struct server *srv = s->srv;
	struct http_outcome o = { 0 };
	enum http_verdict v = HTTP_VERDICT_CONT;
	char *out = hs_thread_scratch();
	int fe_waits = txn->wait_rule && txn->wait_px != s->be;
	size_t n, ofs = txn->res_head_ofs, len = txn->res_head_len;

	if (!out)
		goto fail500;
	if (!fe_waits)
		v = http_res_rules_exec(s->be, s, &o, out, buf_size);
	if ((fe_waits || v == HTTP_VERDICT_CONT || v == HTTP_VERDICT_ALLOW) && v != HTTP_VERDICT_WAIT &&
	    s->be != s->fe)
		v = http_res_rules_exec(s->fe, s, &o, out, buf_size);
	if (v == HTTP_VERDICT_WAIT) {
		txn->res_state = HTTP_MSG_WAIT;
		return 1;
	}
	if (v != HTTP_VERDICT_DENY && s->be && !list_empty(&s->be->sticking_rules))
		stick_store_response(s);   /* after the rules, as HAProxy's store rules */
	if (v == HTTP_VERDICT_DENY) {
		counter_add(&s->be->ctr[tid].denied_resp, 1);
		if (srv)
			counter_add(&srv->ctr[tid].failed_resp, 1);
		strm_set_term(s, 'P', 'H');
		txn->flags |= TX_SRV_CLOSE;
		txn->res_state = HTTP_MSG_HDR;
		if (o.data)
			hs_local_reply(s, o.status, o.data, o.len, 1);
		else
			hs_error_reply(s, o.status ? o.status : 502);
		return 1;
	}
	if (v == HTTP_VERDICT_REJECT) {   /* silent-drop: the client's connection is gone, nothing sent */
		counter_add(&s->be->ctr[tid].denied_resp, 1);
		strm_set_term(s, 'P', 'H');
		txn->flags |= TX_SRV_CLOSE;
		s->cli.flags |= SIDE_ERROR;
		return 1;
	}
	if (v == HTTP_VERDICT_ERROR)
		goto fail500;
	if ((s->be->cookie.name && http_cookie_response(s) < 0) || http_conn_response(s) < 0 ||
	    http_after_res_rules_exec(s) < 0)
		goto fail500;
	n = hs_put_head(&s->res, ofs, len, &txn->res, 0);
	if (!n)
		goto fail500;
	txn->res_fwd += n;
	hs_txn_set_status(s, txn->res.status);
	if (txn->res_body == H1_BODY_CHUNKED) {
		struct h1_limits lim;

		hs_limits_init(&lim, s);
		h1_chunk_init(&txn->res_ck, &lim);
	}
	txn->res_state = txn->res_body == H1_BODY_NONE || (txn->res_body == H1_BODY_CL && !txn->res_left) ?
	                 HTTP_MSG_DONE : txn->res_body == H1_BODY_CLOSE ? HTTP_MSG_CLOSE : HTTP_MSG_BODY;
	return 1;

fail500:
	strm_set_term(s, 'P', 'H');
	txn->flags |= TX_SRV_CLOSE;
	hs_error_reply(s, 500);
	return 1;
}

/* The server failed before a complete response: answers <status> (502,
 * 504) if nothing was sent to the client yet, else cuts the client.
 */
void hs_server_failed(struct stream *s, int status, char who, char when)
{
	struct http_txn *txn = s->txn;

	strm_set_term(s, who, when);
	counter_add(&s->be->ctr[tid].failed_resp, 1);
	if (s->srv)
		counter_add(&s->srv->ctr[tid].failed_resp, 1);
	if (status == 504 || who == 's')
		counter_add(&s->be->ctr[tid].srv_aborts, 1);
	txn->flags |= TX_SRV_CLOSE;
	if (s->srv)
		strm_release_server(s);
	strm_close_srv(s);
	s->state = ST_INI;
	if (!(txn->flags & TX_HAS_RES) && !(txn->flags & TX_LOCAL)) {
		hs_chan_drop(&s->res);
		txn->res_fwd = 0;
		txn->res_state = HTTP_MSG_HDR;
		hs_error_reply(s, status);
	} else {
		s->cli.flags |= SIDE_ERROR;   /* truncated response: the client must see an abort */
	}
}

int hs_empty_response(struct stream *s)
{
	struct http_txn *txn = s->txn;

	if ((txn->flags & (TX_HAS_RES | TX_LOCAL)) || txn->res_state != HTTP_MSG_HDR || buf_data(&s->res.buf))
		return 0;   /* part of a head, then the close: 502 whatever retry-on, as HAProxy */
	if (hs_l7_retry(s, PR_RE_DISCONNECTED))
		return 1;
	if (!txn->reused || (s->be->retry_on & PR_RE_DISCONNECTED))
		return 0;   /* a retry that could not be made answers 502, as HAProxy */
	if (s->srvside.xprt == &xprt_h2bs && s->http_nb_req <= 1)
		return 0;   /* a stream of a shared HTTP/2 connection: a client's first request gets 502, as HAProxy */
	/* a kept connection that the server closed as the request came */
	txn->flags |= TX_LOGGED;
	strm_release_server(s);
	strm_close_srv(s);
	s->state = ST_INI;
	return 1;
}

/* Response side analysis. Returns 1 if anything changed. */
int hs_analyze_response(struct stream *s)
{
	struct http_txn *txn = s->txn;
	int changed = 0;
	struct buffer *b = &s->res.buf;

	if (txn->flags & TX_LOCAL)
		return 0;
	if (txn->res_state == HTTP_MSG_WAIT) {
		/* a wait-for-body rule holds the rules until the body is there */
		if (!hs_body_ready(s, &s->res, (size_t)txn->res_head_ofs + txn->res_head_len, txn->res_body,
		                   txn->res_left, txn->wait_least, (s->srvside.flags & (SIDE_SHUTR | SIDE_ERROR)) != 0))
			return 0;
		txn->wait_ready = 1;
		txn->res_state = HTTP_MSG_HDR;
		response_rules(s);
		if (txn->res_state != HTTP_MSG_BODY && txn->res_state != HTTP_MSG_CLOSE)
			return 1;
		changed = 1;
	} else if (txn->res_state == HTTP_MSG_HDR) {
		struct h1_limits lim;
		size_t ofs = (size_t)txn->res_fwd;
		int r;

		if (s->state != ST_EST || txn->req_state == HTTP_MSG_HDR || buf_data(b) <= ofs)
			return 0;
		if (buf_contig_data(b) < buf_data(b))
			buf_realign(b);
		hs_limits_init(&lim, s);
		r = h1_parse_response(&txn->res_h1, buf_head(b) + ofs, buf_data(b) - ofs, &lim);
		if (!r)
			return 0;
		if (r < 0) {
			errsnap_capture(s->be, ERRSNAP_RES, s->fe, s->srv, &s->cli_addr, buf_head(b) + ofs,
					buf_data(b) - ofs, buf_size, &txn->res_h1, r);
			if (!hs_l7_retry(s, PR_RE_JUNK_REQUEST))
				hs_server_failed(s, 502, 'P', 'H');
			return 1;
		}
		response_head(s, ofs, (size_t)r);
		changed = 1;
		if (txn->res_state != HTTP_MSG_BODY && txn->res_state != HTTP_MSG_CLOSE)
			return 1;
		/* body bytes that came with the head go with it, in one send */
	}
	if (txn->res_state == HTTP_MSG_BODY || txn->res_state == HTTP_MSG_CLOSE) {
		int err = 0, done;

		if (txn->flags & TX_SKIP_BODY) {
			uint64_t skip = 0;

			if (txn->res_fwd || !buf_data(b))
				return changed;   /* the head leaves first, then the body is dropped */
			done = hs_body_account(&s->res, &skip, txn->res_body, &txn->res_left, &txn->res_ck, &err);
			buf_del(b, (size_t)skip);
			changed |= skip > 0;
		} else {
			done = hs_body_account(&s->res, &txn->res_fwd, txn->res_body, &txn->res_left, &txn->res_ck, &err);
		}
		if (done) {
			txn->res_state = HTTP_MSG_DONE;
			return 1;
		}
		if (err) {
			/* bad chunked framing from the server, head already sent */
			strm_set_term(s, 'S', 'D');
			counter_add(&s->be->ctr[tid].failed_resp, 1);
			s->cli.flags |= SIDE_ERROR;
			s->srvside.flags |= SIDE_ERROR;
			return 1;
		}
	}
	return changed;
}