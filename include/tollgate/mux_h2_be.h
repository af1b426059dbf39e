/*
 * HTTP/2 to servers (`server ... proto h2`, `server ... ssl alpn h2`): a
 * stacked transport. See doc/internals/mux.md, "Server side (h2_be)".
 *
 * Principle. The stream engine keeps speaking HTTP/1.1 to its server side.
 * Where a server speaks HTTP/2, the server side's transport becomes
 * xprt_h2be, whose context wraps the inner transport (the raw socket, or
 * TLS) and an nghttp2 client session:
 *  - send() parses the engine's HTTP/1.1 request bytes (h1.h) and submits
 *    them as a HEADERS frame, DATA frames (a chunked body dechunked) and
 *    trailers;
 *  - recv() feeds the socket's bytes to nghttp2 and hands the engine an
 *    HTTP/1.1 response synthesized from the frames: the status line and
 *    fields, Content-Length kept or `Transfer-Encoding: chunked` added,
 *    DATA as the body, trailing HEADERS as the chunk trailer.
 * Several streams per connection: once HTTP/2 is chosen, h2be_share()
 * makes the connection its own object (its socket, its handler) and the
 * stream's server side a side without a socket (xprt_h2bs, a per-stream
 * half); other streams of the thread attach to it with h2be_take(). With
 * `alpn`, the TLS handshake decides: "h2" speaks HTTP/2, anything else
 * makes the context a pass-through to TLS.
 *
 * Back-pressure: send() takes only what its body buffer holds (bounded),
 * and answers -ENOBUFS when the server's flow-control window holds it
 * (the caller then polls what events() says rather than writability);
 * recv() gives back the server's window (nghttp2_session_consume) as the
 * engine takes the body, so a slow client slows the server down.
 *
 * Errors: RST_STREAM, or a GOAWAY excluding the stream, or a protocol
 * error before the response is complete make recv() fail (-EPIPE), as a
 * reset socket would. After a GOAWAY, more() says 1 and recv() says 0
 * once the stream in progress is over: the connection is not kept.
 *
 * A connection and its streams belong to the thread that connected it, as
 * its fd: no lock.
 */
#ifndef TOLLGATE_MUX_H2_BE_H
#define TOLLGATE_MUX_H2_BE_H

#include <tollgate/xprt.h>

struct addr;
struct task;

/* h2be_new() modes. */
#define H2BE_PRIOR  1   /* `proto h2`: HTTP/2 at once (prior knowledge) */
#define H2BE_ALPN   2   /* HTTP/2 if the TLS handshake's ALPN chose "h2" */

extern const struct xprt_ops xprt_h2be;   /* the connection while it is set up */
extern const struct xprt_ops xprt_h2bs;   /* one stream of a shared connection */

/* Returns a context for xprt_h2be over the transport (<inner>, <inner_ctx>)
 * (NULL, NULL: the raw socket), which it then owns (closed with it), or
 * NULL on allocation failure (<inner_ctx> is then still the caller's).
 * <mode>: H2BE_PRIOR or H2BE_ALPN (only over TLS).
 */
void *h2be_new(const struct xprt_ops *inner, void *inner_ctx, int mode);

/* The inner transport of the h2be context <ctx> (its ops in *<ops>): for
 * the fetches that look at the TLS connection under HTTP/2.
 */
void *h2be_inner(const void *ctx, const struct xprt_ops **ops);

/* Once the handshake of side <sd> (xprt_h2be) is done: when HTTP/2 was
 * chosen, the connection takes the socket and <sd> becomes its first
 * stream (xprt_h2bs, fd -1; <task> is woken for it). With <key> (the
 * server) not NULL the connection is listed for h2be_take() while it has
 * free streams; NULL keeps it private (`http-reuse never`). <max_reuse>:
 * the server's `max-reuse` (-1: none). Returns 1 when shared, 0 when the
 * side keeps speaking HTTP/1.1 (ALPN), -1 without memory.
 */
int h2be_share(struct side *sd, struct task *task, const void *key, const struct addr *dst, int max_reuse);

/* Offers the connection of context <ctx> (h2be_new(), H2BE_PRIOR) to the
 * streams of the thread while it connects: h2be_take() may attach them at
 * once (their requests go with the preface), as HAProxy. <key>, <dst>,
 * <max_reuse> as h2be_share()'s. 0, or -1 without memory.
 */
int h2be_offer(void *ctx, const void *key, const struct addr *dst, int max_reuse);

/* Sets the transport under a context made before the TCP connection was
 * up (h2be_offer()): TLS, once its context exists.
 */
void h2be_set_inner(void *ctx, const struct xprt_ops *inner, void *inner_ctx);

/* Attaches side <sd> as a new stream of a connection of this thread to
 * <key> at <dst> that has free streams. 1 when done, else 0.
 */
int h2be_take(struct side *sd, struct task *task, const void *key, const struct addr *dst);

/* The request bytes (HTTP/1.1, as send() took them) of the stream that the
 * server refused without processing it (RST_STREAM REFUSED_STREAM, or a
 * GOAWAY whose last-stream-id is below it) before any response frame, so
 * that the engine sends them again on a new connection: their length in
 * *<len>. NULL when not refused, or when the request was larger than the
 * copy kept (16 KiB). Valid until the context is closed.
 */
const void *h2be_refused(const void *ctx, size_t *len);

/* What the fetches see of an HTTP/2 stream (bs.*, bc_nb_streams...; the
 * client side's too, h2_stream_info()).
 */
struct h2_sinfo {
	int32_t sid;          /* the stream id, 0 before one was opened */
	int aborted;          /* the peer reset it (RST_STREAM received) */
	uint32_t rst_code;    /* that frame's error code */
	int nb;               /* the streams open on its connection */
	unsigned int limit;   /* the most the connection allows at once */
};

/* Fills <si> for the server side <sd> when it is a stream of a shared
 * HTTP/2 connection (xprt_h2bs): the limit is the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS. 0, or -1 for any other side.
 */
int h2be_stream_info(const struct side *sd, struct h2_sinfo *si);

#endif /* TOLLGATE_MUX_H2_BE_H */
