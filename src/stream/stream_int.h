/*
 * Stream internals shared by the files of src/stream/ (the TCP stream code,
 * the HTTP engine, the registry). Not a public interface: nothing outside
 * src/stream/ includes it. Every function runs on the stream's own thread.
 */
#ifndef TOLLGATE_STREAM_INT_H
#define TOLLGATE_STREAM_INT_H

#include <sys/types.h>

#include <tollgate/fd.h>
#include <tollgate/stream-t.h>
#include <tollgate/task.h>
#include <tollgate/xprt.h>

/* Polls side <sd> for <ev> (FD_EV_*): its socket, or for a stream of a
 * mux (no socket, xprt.h) what the stream waits for, told to the mux.
 */
static inline void side_set_events(struct side *sd, uint32_t ev)
{
	if (sd->fd >= 0)
		fd_set_events(sd->fd, ev);
	else if (sd->xprt && sd->xprt->subscribe)
		sd->xprt->subscribe(sd->xprt_ctx, ev);
}

/* Whether side <sd> has a connection: its socket, or a stream of a mux. */
static inline int side_open(const struct side *sd)
{
	return sd->fd >= 0 || (sd->xprt && sd->xprt->subscribe);
}

/* Live streams of each thread (stream.c): the owner adds and removes its
 * own; other threads read them only under thread isolation
 * (stream_registry.c).
 */
extern struct list streams_by_thread[MAX_THREADS];

/* Records why the stream ends (HAProxy's %ts codes); the first call wins. */
void strm_set_term(struct stream *s, char who, char when);

/* Gives back the server slot held by <s>, if any (remembered in prev_srv). */
void strm_release_server(struct stream *s);

/* Leaves the backend's queue if queued. */
void strm_leave_queue(struct stream *s);

/* Closes a side's socket, if open. */
void strm_close_side(struct side *sd);

/* The same for the server side of <s>, keeping what bs.aborted and
 * bs.rst_code read of an HTTP/2 stream first.
 */
void strm_close_srv(struct stream *s);

/* Frees <s> and everything it owns; logs first when a log is due. */
void strm_free(struct stream *s);

/* Returns the backend the switching rules pick for <s>, or NULL. */
struct proxy *strm_choose_backend(struct stream *s);

/* For a backend whose algorithm balances on a key (source, hash, uri,
 * url_param, hdr), returns the server the key designates now, else NULL.
 */
struct server *strm_lb_key_choice(struct stream *s);

/* Picks a server of s->be (persistence first) and connects, queues, or
 * marks the stream ST_CLOSED. <avoid>: a server that just failed.
 */
void strm_assign_and_connect(struct stream *s, const struct server *avoid);

/* HAProxy's stream_choose_redispatch(): whether the retry of <s> about to
 * be made (s->retries_left already counted down), after its server <srv>
 * failed, goes to another server. With `option redispatch`: when <srv> is
 * no longer usable, on the retries its interval names (redispatch_after),
 * and on every retry when the server came from the balancing (not from
 * persistence), the algorithm is not a hash and more than one active
 * server is usable. Returns 0 or 1.
 */
int strm_redispatch_wanted(const struct stream *s, const struct server *srv);

/* The connection attempt failed: retry, redispatch or give up (ST_CLOSED). */
void strm_connect_failed(struct stream *s);

/* The server refused, unprocessed, a request it had been sent (HTTP/2
 * REFUSED_STREAM): closes the server side and connects to the same server
 * again, as a retry (out of `retries`, counted). Returns 0, or -1 when no
 * retry is left (nothing done).
 */
int strm_retry_request(struct stream *s);

/* A stream waiting in the queue or in the turn-around before a retry,
 * whose client has closed, is given up as HAProxy does (CQ, CC) when it
 * has nothing left to send (<pending> 0) or with `option abortonclose`.
 * Returns 1 when it was: the caller frees the stream.
 */
int strm_abort_connect_req(struct stream *s, int pending);

/* While s->state is ST_CONNECTING, tries to send up to <max> bytes (0: all)
 * of channel <c> to the server at once: if the connection is already
 * established (loopback, LAN), the bytes go and the stream moves to ST_EST
 * without waiting for writability; if it is refused, the attempt fails as
 * a connection failure (strm_connect_failed()). Returns the bytes sent.
 */
ssize_t strm_early_send(struct stream *s, struct channel *c, uint64_t max);

/* Inactivity timeout of the client (<client> = 1) or server side. */
unsigned int strm_inactivity(const struct stream *s, int client);

/* Runs the frontend's `tcp-request connection` rules once. Returns 0, or -1
 * when they reject the connection (counted, termination state set).
 */
int strm_connection_rules(struct stream *s);

/* accept-proxy: reads the client's PROXY protocol header (stream_pp.c).
 * Returns 1 once read (addresses and TLVs taken), 0 while more bytes are
 * awaited, -1 when the header is invalid or the client left.
 */
int strm_recv_proxy(struct stream *s);

/* Prepares the PROXY protocol header s->srv wants (send-proxy, send-proxy-v2
 * with its options and TLVs) in s->preamble, or none. Returns 0, or -ENOMEM
 * (stream_pp.c).
 */
int strm_build_proxy_header(struct stream *s);

/* Returns 1 if the PROXY header that server <srv> wants for the current
 * request of <s> differs from the one sent on the kept server connection
 * (a v2 header whose unique-id or set-proxy-v2-tlv-fmt TLVs changed), so
 * that the connection may not carry this request, as HAProxy hashes the
 * header into a connection's reuse key; else 0 (stream_pp.c).
 */
int strm_proxy_header_differs(struct stream *s, struct server *srv);

/* Returns 1 if <srv> takes its address from the client's destination and
 * the request of <s> goes to another one than the kept connection
 * (s->srv_dst), else 0.
 */
int strm_srv_dst_differs(const struct stream *s, const struct server *srv);
/* Shuts writing towards side <sd> once (TLS close_notify, then a FIN
 * unless the peer already shut).
 */
void strm_shutw(struct side *sd);

/* Events to poll on the server side while s->state is ST_CONNECTING (the
 * TCP connect, the PROXY header, then the TLS handshake).
 */
uint32_t strm_connect_events(const struct stream *s);

/* Sends the PROXY protocol header if one is pending; 1 once none is. */
int strm_send_preamble(struct stream *s);

/* Events to poll on side <sd> reading into <in> and writing <out>. */
uint32_t strm_side_events(const struct side *sd, const struct channel *in, const struct channel *out);

/* Runs the tcp-request connection rules (once) and the content rules at
 * the start of the stream. In TCP mode with `tcp-request inspect-delay`,
 * reads the client first and may wait: returns 1 to be called again when
 * more data or the end of the delay comes. Returns 0 when done, -1 if the
 * stream was rejected (counted, term set).
 */
int strm_session_rules(struct stream *s);

/* Completes a pending connect on the events <sev> of the server side, or
 * fails it on its timeout. Moves the stream to ST_EST or retries.
 */
void strm_check_connect(struct stream *s, unsigned int sev);

/* One pass of the HTTP engine over stream <s> (mode http, not tunnelled),
 * after the events were folded into the sides' flags. Returns <t>, or NULL
 * once the stream was freed. In stream_http.c.
 */
struct task *http_stream_process(struct task *t, struct stream *s, unsigned int state, unsigned int sev);

/* Prepares a new stream of a mode http frontend to wait for its first
 * request head: no transaction is taken before the head is complete. In
 * stream_http.c.
 */
void http_stream_init(struct stream *s);

/* Logs a transaction still in progress (aborted) and frees the txn of
 * <s>. In stream_http.c.
 */
void http_stream_release(struct stream *s);

/* Returns 1 if the current request of <s> may take an idle connection of
 * another client (the backend's http-reuse mode, the request's rank, no
 * PROXY protocol header). In stream_http.c.
 */
int http_stream_may_reuse(const struct stream *s);

/* Notes that the request of <s> goes over a connection kept or taken from
 * the idle pool (bc_reused, and the connection becomes a "safe" idle one).
 * In stream_http.c.
 */
void http_stream_reused(struct stream *s);

/* Creates the pool of transactions. Start-up. In stream_http.c. */
int http_stream_pool_init(void);

/* Shared by stream.c and stream_connect.c (the stream's server side). */
uint32_t strm_poll_mode(const struct stream *s);   /* the fd polling mode of <s>'s sides */
void srv_iocb(int fd, unsigned int events, void *owner); /* the server side's fd handler */
int connect_server(struct stream *s);               /* starts the connection to the chosen server */

#endif /* TOLLGATE_STREAM_INT_H */
