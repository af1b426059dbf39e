/*
 * The HTTP/2 mux of client connections (src/mux/h2_fe.c). See
 * doc/internals/mux.md.
 *
 * Principle. One HTTP/2 connection (struct h2c) owns the client socket, its
 * transport (raw or TLS), a task, and an nghttp2 server session that does
 * the framing, HPACK and flow control. Each request stream becomes an
 * ordinary struct stream of the same thread whose client side has no
 * socket: its transport is the mux's per-stream xprt (xprt.h), which hands
 * the engine the request as HTTP/1.1 bytes and turns the engine's HTTP/1.1
 * response into HEADERS, DATA and trailers. Every rule, fetch, log and
 * reply of the HTTP engine thus works unchanged on HTTP/2 requests.
 *
 * Accounting: the connection is one session (feconn, cum_sess, `tcp-request
 * connection` and `session` rules once); each stream is one request.
 *
 * Threads: a connection and all its streams live on the thread that
 * accepted it; nothing here is shared.
 */
#ifndef TOLLGATE_MUX_H2_H
#define TOLLGATE_MUX_H2_H

#include <tollgate/addr.h>
#include <tollgate/buffer.h>

struct listener;
struct stream;

/* A connection accepted on a `proto h2` bind: the mux takes socket <fd>
 * (counted as a session here). Returns 0, or -ENOMEM (fd closed, slot
 * released). Accepting thread.
 */
int h2c_accept(struct listener *li, int fd, const struct addr *peer);

/* The TLS handshake of stream <s> chose "h2" by ALPN: the mux takes its
 * socket and TLS context (and its session slot); <s> keeps neither and is
 * to be freed by the caller without a log. Returns 0 or -ENOMEM (the
 * connection is then closed with <s>).
 */
int h2c_takeover(struct stream *s);

/* The glitches counted on the HTTP/2 connection of stream <s> (0 for any
 * other stream): fc_glitches.
 */
int h2_stream_glitches(const struct stream *s);

/* The streams open on the HTTP/2 connection of stream <s>, and in
 * *<limit> the most it allows (the SETTINGS_MAX_CONCURRENT_STREAMS it
 * advertised): fc_nb_streams, fc_settings_streams_limit. Returns -1 for a
 * stream not carried by HTTP/2.
 */
int h2_stream_conn_streams(const struct stream *s, unsigned int *limit);

struct h2_sinfo;

/* Fills <si> (mux_h2_be.h) for the client side of stream <s> when HTTP/2
 * carries it: its stream id, the reset the client sent, its connection's
 * streams (nb -1 once the connection is gone) and advertised limit. 0, or
 * -1 for a stream not carried by HTTP/2: fs.id, fs.aborted, fs.rst_code.
 */
int h2_stream_info(const struct stream *s, struct h2_sinfo *si);

/* An HTTP/1.1 stream <s> whose client sent the HTTP/2 preface (prior
 * knowledge, h2_preface_match()): the mux takes its socket, transport,
 * session slot and the bytes read so far (s->req.buf). <s> is to be freed
 * by the caller without a log. Returns 0, or -ENOMEM (the connection then
 * closes with <s>).
 */
int h2c_upgrade(struct stream *s);

/* Returns 1 if <b> starts with the HTTP/2 client preface, 0 if what it
 * holds is a beginning of it, -1 otherwise.
 */
int h2_preface_match(const struct buffer *b);

/* Returns 1 if the TLS transport context <tls_ctx> negotiated "h2" by ALPN. */
int h2_alpn_chosen(void *tls_ctx);

/* Soft stop: every HTTP/2 connection of the calling thread sends a GOAWAY,
 * lets its streams finish, then closes.
 */
void h2c_soft_stop(void);

#endif /* TOLLGATE_MUX_H2_H */
