/*
 * The HTTP engine's own replies (stream_http.c): error pages, `return`
 * and services answered by the proxy, the http-after-response rules run on
 * them, and the stats page (`stats uri`). Moved out of stream_http.c,
 * whose principle (stream_http.c's header) they follow; everything here
 * runs on the stream's thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <tollgate/buffer.h>
#include <tollgate/clock.h>
#include <tollgate/counters.h>
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
#include <tollgate/task.h>
#include <tollgate/tcp_rules.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>
#include <tollgate/userlist.h>

#include "http_headers.h"
#include "stream_http_int.h"
#include "stream_int.h"

/* ---- replies of the proxy ---- */

/* Runs the http-after-response rules on the reply the proxy just put
 * at the start of the response buffer (txn->res_fwd bytes), rewriting its
 * head. A reply whose head does not parse or whose rewrite fails is sent
 * as it was.
 */
static void after_local_reply(struct stream *s)
{
	struct http_txn *txn = s->txn;
	uint32_t maxhdr = global.tune_maxhdr ? global.tune_maxhdr : H1_DEF_MAX_HDRS;
	size_t n;
	int hlen;

	if (buf_contig_data(&s->res.buf) < txn->res_fwd)
		return;
	h1_msg_init(&txn->res_h1, txn->res_hdrs, maxhdr);
	hlen = h1_parse_response(&txn->res_h1, buf_head(&s->res.buf), txn->res_fwd, NULL);
	if (hlen <= 0 || http_head_load(&txn->res, &txn->res_h1, buf_head(&s->res.buf)) < 0)
		return;
	txn->flags |= TX_HAS_RES;
	if (http_after_res_rules_exec(s) < 0)
		return;
	n = hs_put_head(&s->res, 0, (size_t)hlen, &txn->res, 0);
	if (n) {
		txn->res_fwd = txn->res_fwd - (size_t)hlen + n;
		txn->status = txn->res.status;   /* counted once, by hs_local_reply() */
	}
}

/* Returns 1 if the head of <data> (<hlen> bytes, up to its empty line)
 * has a Connection header.
 */
static int head_has_connection(const char *data, size_t hlen)
{
	for (const char *p = data; p && p + 12 < data + hlen; p = memchr(p, '\n', (size_t)(data + hlen - p))) {
		if (*p == '\n')
			p++;
		if (!strncasecmp(p, "connection:", 11))
			return 1;
	}
	return 0;
}

/* Puts the reply <data> (<len> bytes) in <b>, with `connection: close`
 * added to its head when <close> and it has no Connection header, as
 * HAProxy's H1 mux does on a connection it is about to close (a client
 * that sees no such header sends its next request, then meets the
 * close). Returns the bytes put and sets <*total> to the reply's length.
 */
static size_t put_reply(struct buffer *b, const char *data, size_t len, int close, size_t *total)
{
	static const char hdr[] = "connection: close\r\n";
	const char *end = close ? memmem(data, len, "\r\n\r\n", 4) : NULL;
	size_t hlen, n;

	*total = len;
	if (!end || head_has_connection(data, (size_t)(end - data) + 2))
		return buf_put(b, data, len);
	hlen = (size_t)(end - data) + 2;
	*total = len + sizeof(hdr) - 1;
	n = buf_put(b, data, hlen);
	if (n < hlen)
		return n;
	n += buf_put(b, hdr, sizeof(hdr) - 1);
	if (n < hlen + sizeof(hdr) - 1)
		return n;
	return n + buf_put(b, data + hlen, len - hlen);
}

/* Puts the response <data> of <len> bytes in front of the client, as the
 * answer to the current request, with <status>. The request is not
 * forwarded; the connection closes afterwards when <close>, when the
 * request's body was not read or when the client asked for it.
 */
void hs_local_reply(struct stream *s, int status, const char *data, size_t len, int close)
{
	struct http_txn *txn = s->txn;
	int drop_head, drop_fwd, drop_req;

	if (!buf_allocated(&s->res.buf) && buf_alloc(&s->res.buf) < 0) {
		strm_set_term(s, 'R', 'R');
		s->cli.flags |= SIDE_ERROR;   /* cannot answer: give up the connection */
		return;
	}
	/* the request goes no further: only a complete head without a body
	 * can be dropped alone (what follows may be the next request)
	 */
	drop_head = txn->req_state == HTTP_MSG_HDR && (txn->flags & TX_HAS_REQ) && txn->req_body == H1_BODY_NONE &&
	            txn->req_head_len <= buf_data(&s->req.buf);
	/* a request read whole, without a body, still waiting to go to the
	 * server (its connection failed): its head is what is left to forward,
	 * at the start of the buffer
	 */
	drop_fwd = !drop_head && txn->req_state == HTTP_MSG_DONE && txn->req_body == H1_BODY_NONE &&
	           txn->req_fwd && txn->req_fwd <= buf_data(&s->req.buf);
	drop_req = !drop_head && !drop_fwd && (txn->req_state != HTTP_MSG_DONE || txn->req_fwd);
	if (drop_req)
		close = 1;
	hs_chan_drop(&s->res);
	txn->res_fwd = put_reply(&s->res.buf, data, len,
	                         close || (txn->flags & TX_CLI_CLOSE) ||
	                         ((txn->flags & TX_HAS_REQ) && !h1_keep_alive(&txn->req_h1)), &len);
	txn->res_state = HTTP_MSG_DONE;
	txn->flags |= TX_LOCAL;
	hs_txn_set_status(s, status);
	hs_txn_count_sc(s, status);
	/* not on the error answering a request that could not be parsed:
	 * HAProxy's mux answers those without a stream, so without rules
	 */
	if (txn->res_fwd == len && len && (txn->flags & TX_HAS_REQ) && http_after_res_rules_present(s))
		after_local_reply(s);
	if (drop_head)
		buf_del(&s->req.buf, txn->req_head_len);
	else if (drop_fwd)
		buf_del(&s->req.buf, txn->req_fwd);
	else if (drop_req)
		hs_chan_drop(&s->req);
	txn->req_fwd = 0;
	txn->req_state = HTTP_MSG_DONE;
	if (close || (txn->res_fwd < len))
		txn->flags |= TX_CLI_CLOSE;
}

void hs_server_redirect(struct stream *s, const struct server *srv)
{
	size_t plen, size;
	const char *path = http_uri_pathq(&s->txn->req, &plen);
	const char *pfx = strcmp(srv->redir, "/") ? srv->redir : "";
	char *out;
	int n;

	if (!path || !plen) {
		hs_error_reply(s, 400);
		return;
	}
	size = strlen(pfx) + plen + 128;
	out = malloc(size);
	if (!out) {
		hs_error_reply(s, 500);
		return;
	}
	n = snprintf(out, size,
	             "HTTP/1.1 302 Found\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: %s%.*s\r\n\r\n",
	             pfx, (int)plen, path);
	if (n < 0 || (size_t)n >= size) {
		free(out);
		hs_error_reply(s, 500);
		return;
	}
	strm_set_term(s, 'L', 'C');   /* answered locally, as HAProxy's LC */
	hs_local_reply(s, 302, out, (size_t)n, 0);
	free(out);
}

/* Answers with the error page of <status> (the backend's, else the
 * frontend's errorfile, else the built-in one) and closes.
 */
/* Returns 1 if <px> has its own page (errorfile, http-error) in slot <idx>. */
static int custom_page(const struct proxy *px, int idx)
{
	return idx >= 0 && (px->errorfiles[idx] || px->error_fmts[idx]);
}

static void error_reply(struct stream *s, int status, int close);

void hs_error_reply(struct stream *s, int status)
{
	error_reply(s, status, 1);
}

void hs_error_reply_keep(struct stream *s, int status)
{
	error_reply(s, status, 0);
}

static void error_reply(struct stream *s, int status, int close)
{
	const struct proxy *px = s->fe;
	const struct http_reply *r;
	char *out = hs_thread_scratch();
	int idx = http_errorfile_index(status);

	/* the backend's page, else the frontend's, as HAProxy */
	if (s->be && (custom_page(s->be, idx) || !custom_page(s->fe, idx)))
		px = s->be;
	size_t len = out ? http_error_render(px, status, s, out, buf_size) : 0;

	if (len) {   /* an `http-error` reply with log-format parts */
		hs_local_reply(s, status, out, len, close);
		return;
	}
	r = http_error_reply(px, status);
	hs_local_reply(s, status, r->data, r->len, close);
}

/* Moves what fits of the service's body into the response buffer, released
 * for sending; frees the body once all of it is there. Returns 1 if bytes
 * moved.
 */
int hs_svc_refill(struct http_txn *txn, struct buffer *b)
{
	size_t n = buf_put(b, txn->svc_body + txn->svc_off, txn->svc_len - txn->svc_off);

	txn->svc_off += n;
	txn->res_fwd += n;
	if (txn->svc_off == txn->svc_len) {
		free(txn->svc_body);
		txn->svc_body = NULL;
	}
	return n > 0;
}

/* Has <svc> answer the request: its body may be larger than the buffer, so
 * it is kept aside and streamed (hs_svc_refill()). A service that cannot
 * render gets a 500.
 */
void hs_service_reply(struct stream *s, const struct http_service *svc, struct http_service_args *a)
{
	struct http_txn *txn = s->txn;
	const char *ctype;
	char head[256], *body = NULL;
	size_t blen = 0;
	int n;

	if (svc->render(a, &body, &blen, &ctype) < 0) {
		strm_set_term(s, 'R', 'R');
		hs_error_reply(s, 500);
		return;
	}
	n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\ncontent-type: %s\r\ncontent-length: %zu\r\n"
	             "cache-control: no-cache\r\n\r\n", ctype, blen);
	hs_local_reply(s, 200, head, (size_t)n, 0);
	/* HEAD: the length, not the body; not even the head fitted: nothing */
	if (txn->meth == H1_METH_HEAD || txn->res_fwd < (uint64_t)n) {
		free(body);
		return;
	}
	txn->svc_body = body;
	txn->svc_len = blen;
	txn->svc_off = 0;
	hs_svc_refill(txn, &s->res.buf);
}

/* ---- the stats page (`stats uri`) ---- */

/* Returns 1 if the request carries Basic credentials listed in <st>. */
static int stats_auth_ok(const struct http_txn *txn, const struct pr_stats *st)
{
	char cred[256];
	long n = http_basic_cred(&txn->req, cred, sizeof(cred));

	if (n <= 0)
		return 0;
	for (unsigned int i = 0; i < st->nb_auth; i++)
		if (strlen(st->auth[i]) == (size_t)n && !memcmp(st->auth[i], cred, (size_t)n))
			return 1;
	return 0;
}

/* Answers 401 with the realm of <st> (HAProxy's page), keeping the
 * connection: the browser asks again on it.
 */
static void stats_unauthorized(struct stream *s, const struct pr_stats *st)
{
	static const char body[] = "<html><body><h1>401 Unauthorized</h1>\n"
	                           "You need a valid user and password to access this content.\n</body></html>\n";
	char *out = hs_thread_scratch();
	int n;

	n = snprintf(out, buf_size, "HTTP/1.1 401 Unauthorized\r\ncontent-length: %zu\r\ncache-control: no-cache\r\n"
	             "content-type: text/html\r\nwww-authenticate: Basic realm=\"%s\"\r\n\r\n%s",
	             sizeof(body) - 1, st->realm ? st->realm : "HAProxy Statistics", body);
	if (n < 0 || (size_t)n >= buf_size) {
		hs_error_reply(s, 500);
		return;
	}
	hs_local_reply(s, 401, out, (size_t)n, 0);
}

/* Answers the stats page of <px> when the request's URI starts with its
 * `stats uri`; 401 first when `stats auth` lists users and the request
 * has none of them. Returns 1 if it answered.
 */
int hs_stats_request(struct stream *s, const struct proxy *px)
{
	const struct pr_stats *st = &px->stats;
	struct http_txn *txn = s->txn;
	struct http_service_args a = { 0 };
	const struct http_service *svc;
	size_t plen;

	if (!st->uri)
		return 0;
	plen = strlen(st->uri);
	if (txn->req.uri_len < plen || memcmp(txn->req.uri, st->uri, plen))
		return 0;
	counter_add(&s->fe->ctr[tid].intercepted, 1);
	if (st->nb_auth && !stats_auth_ok(txn, st)) {
		stats_unauthorized(s, st);
		return 1;
	}
	svc = http_service_find("stats");
	if (!svc) {
		hs_error_reply(s, 503);
		return 1;
	}
	a.query = txn->req.uri + plen;
	a.qlen = txn->req.uri_len - plen;
	a.uri_prefix = st->uri;
	a.refresh = st->refresh;
	a.hide_version = st->hide_version;
	hs_service_reply(s, svc, &a);
	return 1;
}

