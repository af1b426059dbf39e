/*
 * The HTTP engine's request side (mode http): a request head parsed,
 * shown to the rules, given a backend and a server, written out edited;
 * then its body released for sending as the framing accounts for it.
 * The principle of the engine is in stream_http.c; everything here runs
 * on the stream's thread.
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
#include <tollgate/pool.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/srv_idle.h>
#include <tollgate/stkctr.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>
#include <tollgate/task.h>
#include <tollgate/tcp_rules.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>

#include "http_headers.h"
#include "stream_http_int.h"
#include "stream_int.h"

/* Answers the frontend's monitor-uri with HAProxy's "200 OK" page. Returns 1
 * if it did.
 */
static int monitor_request(struct stream *s)
{
	const char *uri = s->fe->monitor_uri;
	size_t plen;
	const char *path;

	if (!uri)
		return 0;   /* the usual case: no path to find */
	path = http_uri_path(&s->txn->req, &plen);
	if (strlen(uri) != plen || memcmp(uri, path, plen))
		return 0;
	counter_add(&s->fe->ctr[tid].intercepted, 1);
	hs_local_reply(s, 200, http_error_reply(s->fe, 200)->data, http_error_reply(s->fe, 200)->len, 0);
	return 1;
}

/* Keeps the request line for the logs (%r). */
static void keep_uri_line(struct http_txn *txn, int h2)
{
	char *p = txn->uri_line, *end = txn->uri_line + sizeof(txn->uri_line) - 1;
	size_t n;

	/* "METHOD TARGET HTTP/x.y", cut to the room; by hand (every request) */
	n = txn->req.meth_len < (size_t)(end - p) ? txn->req.meth_len : (size_t)(end - p);
	memcpy(p, txn->req.meth, n);
	p += n;
	if (p < end)
		*p++ = ' ';
	n = txn->req.uri_len < (size_t)(end - p) ? txn->req.uri_len : (size_t)(end - p);
	memcpy(p, txn->req.uri, n);
	p += n;
	if (end - p >= 9) {
		memcpy(p, " HTTP/", 6);
		/* as received: an HTTP/2 request says 2.0, as HAProxy logs it */
		p[6] = h2 ? '2' : (char)('0' + txn->req_h1.vmajor % 10);
		p[7] = '.';
		p[8] = h2 ? '0' : (char)('0' + txn->req_h1.vminor % 10);
		p += 9;
	}
	*p = '\0';
}





/* Once the request head is written out, its bytes leave with the first
 * send: the method and target stay readable, as received, from the copy
 * kept for the logs (fetches in http-response rules, log lines); the
 * header fields are forgotten (a req.hdr() there yields nothing).
 */
static void forget_req_head(struct http_txn *txn)
{
	/* uri_line holds "METHOD TARGET HTTP/x.y" as received (cut at its size) */
	size_t have = strlen(txn->uri_line);
	const char *sp = memchr(txn->uri_line, ' ', have);
	const char *sp2 = sp ? memchr(sp + 1, ' ', have - (size_t)(sp + 1 - txn->uri_line)) : NULL;

	txn->req.meth = txn->uri_line;
	txn->req.meth_len = (uint32_t)(sp ? (size_t)(sp - txn->uri_line) : have);
	txn->req.uri = sp ? sp + 1 : txn->uri_line + have;
	txn->req.uri_len = (uint32_t)(sp ? (sp2 ? (size_t)(sp2 - sp - 1) : have - (size_t)(sp + 1 - txn->uri_line)) : 0);
	txn->req.nf = 0;
}

/* Keeps a copy of the request head just written (<len> bytes in this
 * thread's scratch area) and points txn->req into it, so that a log format
 * can read the request's fields once it is gone. Returns 0, or -ENOMEM /
 * -EINVAL (the caller forgets the fields instead).
 */
static int keep_req_head(struct http_txn *txn, size_t len)
{
	uint32_t maxhdr = global.tune_maxhdr ? global.tune_maxhdr : H1_DEF_MAX_HDRS;

	if (!buf_allocated(&txn->req_copy) && buf_alloc(&txn->req_copy) < 0)
		return -ENOMEM;
	buf_reset(&txn->req_copy);
	if (buf_put(&txn->req_copy, hs_thread_scratch(), len) != len)
		return -EINVAL;
	h1_msg_init(&txn->req_h1, txn->req_hdrs, maxhdr);
	if (h1_parse_request(&txn->req_h1, buf_head(&txn->req_copy), len, NULL) != (int)len)
		return -EINVAL;
	return http_head_load(&txn->req, &txn->req_h1, buf_head(&txn->req_copy));
}

/* Whether the stick match rules of <s>'s backend let this request go to
 * <idle>: no rule, no entry for its key, or an entry naming <idle>.
 */
static int stick_allows(struct stream *s, const struct server *idle)
{
	const struct server *srv;

	if (list_empty(&s->be->sticking_rules))
		return 1;
	srv = stick_match(s);
	return !srv || srv == idle;
}

/* Chooses where the request goes: reuses the kept server connection when it
 * leads to a usable server of the backend that neither a persistence
 * cookie nor a stick rule contradicts, else picks a server. Each request
 * runs the stick rules for its own key (they are stored for the server it
 * goes to, reused or not).
 */
static void assign_server(struct stream *s)
{
	struct server *idle = s->idle_srv;

	s->lb_key_set = 0;   /* each request is balanced on its own key */

	if (side_open(&s->srvside) && idle && idle->proxy == s->be && lb_srv_usable(idle) &&
	    !lb_srv_full(idle) && (!s->pref_srv || s->pref_srv == idle) &&
	    !(s->srvside.flags & (SIDE_SHUTR | SIDE_ERROR)) &&
	    (!s->be->lb.ops || !s->be->lb.ops->needs_key || strm_lb_key_choice(s) == idle) &&
	    stick_allows(s, idle) && !strm_proxy_header_differs(s, idle) &&
	    !strm_srv_dst_differs(s, idle)) {
		server_conn_inc(idle);
		atomic_fetch_add_explicit(&s->be->beconn, 1, memory_order_relaxed);
		server_hold(&s->srv, idle);
		if (!list_empty(&s->be->sticking_rules))
			stick_store(s);
		server_hold(&s->idle_srv, NULL);
		s->state = ST_EST;
		s->tw = 0;
		s->tc = 0;
		http_stream_reused(s);
		s->retries_left = s->retries_set ? s->retries_set - 1 : s->be->retries;
		s->redispatched = 0;
		s->srvside.exp = tick_add_ifset(now_ms, strm_inactivity(s, 0));
		return;
	}
	hs_drop_idle_conn(s);
	s->retries_left = s->retries_set ? s->retries_set - 1 : s->be->retries;
	s->redispatched = 0;
	s->t_be = now_ms;
	/* not on a retry or a redispatch: those follow a connection attempt */
	s->redir_ok = 1;
	strm_assign_and_connect(s, NULL);
	s->redir_ok = 0;
}

/* Applies the rules' verdict <v> with outcome <o>. Returns 1 if the proxy
 * answered (the request goes no further), 0 to forward.
 */
static int apply_verdict(struct stream *s, enum http_verdict v, const struct http_outcome *o)
{
	switch (v) {
	case HTTP_VERDICT_CONT:
	case HTTP_VERDICT_ALLOW:
		return 0;
	case HTTP_VERDICT_DENY:
		counter_add(&s->fe->ctr[tid].denied_req, 1);
		strm_set_term(s, 'P', 'R');
		/* as HAProxy 2.6: the connection stays open for the next
		 * request (unless the body was not read or the client asked)
		 */
		if (o->data)
			hs_local_reply(s, o->status, o->data, o->len, 0);
		else
			hs_error_reply_keep(s, o->status);
		return 1;
	case HTTP_VERDICT_REJECT:
		counter_add(&s->fe->ctr[tid].denied_req, 1);
		strm_set_term(s, 'P', 'R');
		s->cli.flags |= SIDE_ERROR;   /* closed at once, nothing sent */
		return 1;
	case HTTP_VERDICT_TARPIT:
		counter_add(&s->fe->ctr[tid].denied_req, 1);
		s->txn->flags |= TX_TARPIT;
		s->txn->deny_status = o->status ? o->status : 500;
		s->txn->hold_exp = tick_add(now_ms, strm_tarpit_timeout(s) ? strm_tarpit_timeout(s) : 1);
		return 1;
	case HTTP_VERDICT_REPLY:
		counter_add(&s->fe->ctr[tid].intercepted, 1);
		if (o->data)
			hs_local_reply(s, o->status, o->data, o->len, 0);
		else
			hs_error_reply(s, o->status);
		return 1;
	case HTTP_VERDICT_SERVICE: {
		struct http_service_args a = { .query = "" };
		size_t plen;
		const char *path = http_uri_path(&s->txn->req, &plen);
		const char *end = s->txn->req.uri + s->txn->req.uri_len;

		if (path && path + plen < end && path[plen] == '?') {
			a.query = path + plen + 1;
			a.qlen = (size_t)(end - a.query);
		}
		counter_add(&s->fe->ctr[tid].intercepted, 1);
		hs_service_reply(s, o->svc, &a);
		return 1;
	}
	case HTTP_VERDICT_ERROR:
	default:
		strm_set_term(s, 'P', 'R');
		hs_error_reply(s, o->status ? o->status : 500);
		return 1;
	}
}

/* Runs the tcp-request content rules of <px> on the request just parsed;
 * a rejection closes the connection at once, nothing sent (HAProxy).
 * Returns 1 if it did.
 */
static int tcp_content_rejects(struct stream *s, struct proxy *px)
{
	if (list_empty(&px->tcp_req_cont) || tcp_rules_content(s, px, 1) >= 0)
		return 0;
	counter_add(&s->fe->ctr[tid].denied_req, 1);
	strm_set_term(s, 'P', 'R');
	s->cli.flags |= SIDE_ERROR;
	return 1;
}

/* Before the proxy waits for the body of a request (a wait-for-body rule,
 * `option http-buffer-request`): an HTTP/1.1 request with a body announced
 * and "Expect: 100-continue" gets an interim "HTTP/1.1 100 Continue" from
 * the proxy, whose client would otherwise hold the body back, and the
 * header is removed so that the server does not answer 100 again (HAProxy's
 * http_handle_expect_hdr()). Once per request. Returns 0, or -1 if the
 * answer or the edit does not fit.
 */
static int expect_continue(struct stream *s)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct http_txn *txn = s->txn;

	if (!(txn->req_h1.flags & H1_MF_EXPECT_100) || txn->meth == H1_METH_CONNECT ||
	    !(txn->req_body == H1_BODY_CHUNKED || (txn->req_body == H1_BODY_CL && txn->req_h1.content_length)))
		return 0;
	txn->req_h1.flags &= ~H1_MF_EXPECT_100;
	http_hdr_del(&txn->req, "expect", 6);
	if ((!buf_allocated(&s->res.buf) && buf_alloc(&s->res.buf) < 0) ||
	    buf_replace(&s->res.buf, (size_t)txn->res_fwd, 0, cont, sizeof(cont) - 1) < 0)
		return -1;
	txn->res_fwd += sizeof(cont) - 1;
	return 0;
}

/* `option http-buffer-request` of <px> (the frontend, or the backend once
 * chosen): the rules of <px> wait for the body as behind a wait-for-body
 * rule, for the `timeout http-request` of <px>. Returns 1 if the request
 * now waits (or was answered), 0 if its body is there already.
 */
static int buffer_request(struct stream *s, const struct proxy *px)
{
	struct http_txn *txn = s->txn;

	if (expect_continue(s) < 0) {
		hs_error_reply(s, 500);
		return 1;
	}
	if (hs_body_ready(s, &s->req, txn->req_head_len, txn->req_body, txn->req_left, 0, 0))
		return 0;
	txn->wait_rule = NULL;
	txn->wait_px = px;
	txn->wait_least = 0;
	txn->wait_exp = tick_add_ifset(now_ms, px->timeout.http_request);
	txn->req_state = HTTP_MSG_WAIT;
	return 1;
}

/* Analyses a complete request head of <len> bytes: rules, backend, server,
 * rewrite. Returns 1 (something changed).
 */
static int request_rules(struct stream *s);

static int request_head(struct stream *s, size_t len)
{
	struct http_txn *txn = s->txn;

	txn->t_req_end = now_ms;
	txn->req_head_len = (uint32_t)len;
	txn->tr = (int32_t)(now_ms - txn->t_req_start);
	http_head_load(&txn->req, &txn->req_h1, buf_head(&s->req.buf));
	txn->flags |= TX_HAS_REQ;
	if ((s->fe->options & PR_O_HTTP_PXHDR) && txn->req.uri_len && txn->req.uri[0] != '/' && txn->req.uri[0] != '*')
		txn->flags |= TX_USE_PX_CONN;
	txn->meth = txn->req.m;
	txn->req_body = txn->req_h1.body;
	txn->req_left = txn->req_h1.content_length;
	if (http_normalize_authority(&txn->req) < 0) {
		hs_error_reply(s, 500);
		return 1;
	}
	keep_uri_line(txn, s->h2);
	if (s->http_nb_req && !s->h2) {   /* a new stream in HAProxy */
		s->uniq_id = strm_next_uniq_id();
		s->last_rule_file = NULL;
		s->calls = 1;   /* this run */
		s->bs_rst = 0;
	}
	s->http_nb_req++;
	if ((txn->req_h1.flags & (H1_MF_CL | H1_MF_TE)) == (H1_MF_CL | H1_MF_TE))
		txn->flags |= TX_CLI_CLOSE;   /* a smuggling attempt, maybe: no next request */
	counter_add(&s->fe->ctr[tid].cum_req, 1);
	freq_ctr_add(&s->fe->ctr[tid].req_per_sec, 1000, 1, now_ms);
	if (s->sc.tracked)
		stkctr_http_req(&s->sc, ~0U);
	if (!h1_keep_alive(&txn->req_h1) || (s->fe->options & PR_O_HTTPCLOSE))
		txn->flags |= TX_CLI_CLOSE;
	if (http_framing_fields(&txn->req, &txn->req_h1) < 0) {
		hs_error_reply(s, 500);
		return 1;
	}
	if (s->fe->nb_cap_req || s->fe->cap_cookie.name)
		http_capture(s, &txn->req, 0);
	if (monitor_request(s))
		return 1;
	if (s->upgraded) {
		/* switched from tcp: the content rules ran on this request
		 * already; what they set for it goes with it
		 */
		s->upgraded = 0;
		if (s->sess_vars)
			var_store_move_txn(s->sess_vars, &txn->vars);
	} else if (tcp_content_rejects(s, s->fe)) {
		/* tcp-request content rules run again for every request (HAProxy) */
		return 1;
	}
	if ((s->fe->options & PR_O_HTTP_BUFREQ) && buffer_request(s, s->fe))
		return 1;
	return request_rules(s);
}

/* A wait-for-body rule stopped the http-request rules: the request waits
 * for its body, once its client knows to send it. Returns 1.
 */
static int wait_rule(struct stream *s)
{
	if (expect_continue(s) < 0) {
		s->txn->wait_rule = NULL;
		hs_error_reply(s, 500);
		return 1;
	}
	s->txn->req_state = HTTP_MSG_WAIT;
	return 1;
}

/* Runs the http-request rules of the frontend, chooses the backend, runs
 * its rules, then routes the request: from the start, or from the
 * wait-for-body rule that stopped them (txn->wait_rule, its body now
 * there). Returns 1 (something changed).
 */
static int request_rules(struct stream *s)
{
	struct http_txn *txn = s->txn;
	char *out = hs_thread_scratch();
	struct http_outcome o = { 0 };
	enum http_verdict v = HTTP_VERDICT_CONT;
	int be_waits = txn->wait_px && txn->wait_px != s->fe;
	size_t n, len = txn->req_head_len;

	if (!out) {
		hs_error_reply(s, 500);
		return 1;
	}
	if (!be_waits) {
		v = http_req_rules_exec(s->fe, s, &o, out, buf_size);
		if (v == HTTP_VERDICT_WAIT)
			return wait_rule(s);
	}
	/* the frontend's stats page needs no backend */
	if (!be_waits && (v == HTTP_VERDICT_CONT || v == HTTP_VERDICT_ALLOW) && hs_stats_request(s, s->fe))
		return 1;
	if (!be_waits && (v == HTTP_VERDICT_CONT || v == HTTP_VERDICT_ALLOW)) {
		struct proxy *be = strm_choose_backend(s);

		if (!be) {
			strm_set_term(s, 'P', 'R');
			hs_error_reply_keep(s, 503);
			return 1;
		}
		if (be != s->be && s->state == ST_INI)
			hs_drop_idle_conn(s);   /* another backend than the previous request's */
		s->be = be;
		s->t_be = now_ms;
		if (be != s->fe) {
			/* the backend's own timeouts replace the frontend's
			 * set-timeout (HAProxy's stream_set_backend())
			 */
			s->tmo_server = s->tmo_connect = s->tmo_queue = s->tmo_tunnel = 0;
		}
		if (be != s->fe && tcp_content_rejects(s, be))
			return 1;
		/* the backend's option, when the frontend did not wait
		 * already: before the backend's rules (HAProxy)
		 */
		if (be != s->fe && (be->options & PR_O_HTTP_BUFREQ) && !(s->fe->options & PR_O_HTTP_BUFREQ) &&
		    buffer_request(s, be))
			return 1;
	}
	if ((be_waits || v == HTTP_VERDICT_CONT || v == HTTP_VERDICT_ALLOW) && s->be != s->fe) {
		v = http_req_rules_exec(s->be, s, &o, out, buf_size);
		if (v == HTTP_VERDICT_WAIT)
			return wait_rule(s);
	}
	if (apply_verdict(s, v, &o))
		return 1;
	if (s->be != s->fe && hs_stats_request(s, s->be))
		return 1;

	if ((s->be->cookie.name && http_cookie_request(s) < 0) || http_conn_request(s) < 0 ||
	    unique_id_add_header(s) < 0 ||
	    http_add_forwardfor(s, s->fe) < 0 || (s->be != s->fe && http_add_forwardfor(s, s->be) < 0) ||
	    http_add_originalto(s, s->fe) < 0 || (s->be != s->fe && http_add_originalto(s, s->be) < 0) ||
	    http_add_forwarded(s, s->be) < 0) {
		hs_error_reply(s, 500);
		return 1;
	}
	/* the server is chosen while the request's fields are readable
	 * (balance hdr/uri/url_param, stick rules read them)
	 */
	counter_add(&s->be->ctr[tid].be_req, 1);
	if (!list_empty(&s->be->server_rules))
		http_use_server(s);
	s->srv_redir = NULL;
	assign_server(s);
	if (s->srv_redir) {
		hs_server_redirect(s, s->srv_redir);
		return 1;
	}
	if (s->state == ST_CLOSED) {
		s->state = ST_INI;
		hs_error_reply_keep(s, 503);
		return 1;
	}
	if (s->srv)
		counter_add(&s->srv->ctr[tid].cum_req, 1);
	if (s->srv && s->be->send_name_hdr &&
	    http_hdr_set(&txn->req, s->be->send_name_hdr, strlen(s->be->send_name_hdr), s->srv->id,
	                 strlen(s->srv->id)) < 0) {
		hs_error_reply(s, 500);
		return 1;
	}
	if (s->h2 && !(s->srv && (s->srv->flags & SRV_F_PROTO_H2))) {
		/* an HTTP/2 request reads in absolute form (the rules and logs
		 * see "scheme://authority/path", as in HAProxy); the server gets
		 * the origin form, but for a `proto h2` one, whose transport
		 * makes :scheme and :authority of it as HAProxy does
		 */
		size_t pl;
		const char *pq = http_uri_pathq(&txn->req, &pl);

		if (pq != txn->req.uri && http_set_uri(&txn->req, pq, pl) < 0) {
			hs_error_reply(s, 500);
			return 1;
		}
	}
	n = hs_put_head(&s->req, 0, len, &txn->req, 1);
	if (!n) {
		strm_set_term(s, 'P', 'R');
		hs_error_reply(s, 500);
		return 1;
	}
	txn->req_fwd = n;
	txn->srv_meth = txn->req.m;
	if (!global.nosplice && !s->cli.xprt) {   /* never through TLS nor a mux */
		unsigned int opts = s->fe->options | s->be->options;

		txn->req_splice = !!(opts & (PR_O_SPLICE_REQ | PR_O_SPLICE_AUTO));
		txn->res_splice = !!(opts & (PR_O_SPLICE_RES | PR_O_SPLICE_AUTO));
	}
	if (!s->fe->log_keep_req || keep_req_head(txn, n) < 0)
		forget_req_head(txn);
	if (txn->req_body == H1_BODY_CHUNKED) {
		struct h1_limits lim;

		hs_limits_init(&lim, s);
		h1_chunk_init(&txn->req_ck, &lim);
	}
	txn->req_state = txn->req_body == H1_BODY_NONE ||
	                 (txn->req_body == H1_BODY_CL && !txn->req_left) ? HTTP_MSG_DONE : HTTP_MSG_BODY;
	return 1;
}

/* Request side analysis. Returns 1 if anything changed. */
int hs_analyze_request(struct stream *s)
{
	struct http_txn *txn = s->txn;
	int changed = 0;
	struct buffer *b = &s->req.buf;

	if (txn->flags & TX_TARPIT)
		return 0;
	if (txn->req_state == HTTP_MSG_WAIT) {
		/* a wait-for-body rule holds the rules until the body is there */
		if (!hs_body_ready(s, &s->req, txn->req_head_len, txn->req_body, txn->req_left, txn->wait_least,
		                   (s->cli.flags & (SIDE_SHUTR | SIDE_ERROR)) != 0))
			return 0;
		txn->wait_ready = 1;
		txn->req_state = HTTP_MSG_HDR;
		request_rules(s);
		if (txn->req_state != HTTP_MSG_BODY)
			return 1;
		changed = 1;
	} else if (txn->req_state == HTTP_MSG_HDR) {
		struct h1_limits lim;
		int r;

		/* a new request waits for the previous response to be sent */
		if (!buf_data(b) || txn->res_state != HTTP_MSG_HDR || txn->res_fwd)
			return 0;
		if (!txn->t_req_start) {
			txn->t_req_start = now_ms ? now_ms : 1;
			txn->ti = (int32_t)(now_ms - s->http_idle_start);
			if (s->fe->log_targets)
				hs_txn_stamp(txn);
		}
		if (buf_contig_data(b) < buf_data(b))
			buf_realign(b);
		hs_limits_init(&lim, s);
		r = h1_parse_request(&txn->req_h1, buf_head(b), buf_data(b), &lim);
		if (!r)
			return 0;
		if (r < 0) {
			int st = h1_err_status(r);

			errsnap_capture(s->fe, ERRSNAP_REQ, s->be != s->fe ? s->be : NULL, NULL, &s->cli_addr,
					buf_head(b), buf_data(b), buf_size, &txn->req_h1, r);
			snprintf(txn->uri_line, sizeof(txn->uri_line), "<BADREQ>");
			counter_add(&s->fe->ctr[tid].failed_req, 1);
			strm_set_term(s, 'P', 'R');
			if (st == 400 && r == H1_ERR_HEAD_TOO_LARGE)
				st = 431;
			hs_error_reply(s, st);
			return 1;
		}
		request_head(s, (size_t)r);
		changed = 1;
		if (txn->req_state != HTTP_MSG_BODY)
			return 1;
		/* body bytes that came with the head go with it, in one send */
	}
	if (txn->req_state == HTTP_MSG_BODY) {
		int err = 0;

		if (hs_body_account(&s->req, &txn->req_fwd, txn->req_body, &txn->req_left, &txn->req_ck, &err)) {
			txn->req_state = HTTP_MSG_DONE;
			return 1;
		}
		if (err) {
			/* bad chunk framing: the server got part of a body; stop both */
			counter_add(&s->fe->ctr[tid].failed_req, 1);
			strm_set_term(s, 'P', 'D');
			txn->flags |= TX_CLI_CLOSE | TX_SRV_CLOSE;
			if (!(txn->flags & TX_HAS_RES) && txn->res_state == HTTP_MSG_HDR) {
				if (s->srv)
					strm_release_server(s);
				strm_close_srv(s);
				s->state = ST_INI;
				hs_error_reply(s, 400);
			} else {
				s->cli.flags |= SIDE_ERROR;
			}
			return 1;
		}
	}
	return changed;
}