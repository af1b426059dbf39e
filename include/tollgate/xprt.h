/*
 * Transports (xprt): what moves a connection's bytes between its socket
 * and its buffers: raw sockets, TLS (OpenSSL 3, xprt_tls.c), and HTTP/2
 * to servers stacked on either (src/mux/h2_be.c, mux_h2_be.h).
 *
 * A connection side holds a transport as a pair (ops, ctx): ops NULL is the
 * raw socket, served inline by buf_recv()/buf_send() (the fast path costs
 * one test); otherwise ops->... are called with its ctx. Whatever the
 * transport, a caller sees plain bytes with buf_recv()/buf_send()'s return
 * conventions (doc/internals/net.md), plus:
 *
 *  - handshake(): 1 done, 0 in progress (poll xprt_events() and call again),
 *    -1 failed (close the connection). Never blocks.
 *  - events(): FD_EV_IN / FD_EV_OUT the transport itself waits for (a TLS
 *    read that needs to write first), to be OR'ed into what the caller
 *    polls; 0 for the raw transport.
 *  - recv() may return fewer bytes than the room while more are ready
 *    without a new poll event (TLS: the peer's close_notify came after the
 *    data); more() then says 1, and the caller reads again before trusting
 *    the poller. Otherwise a short read drained the transport, as with a
 *    socket.
 *  - recv() returns 0 once the peer closed (TLS close_notify or a bare
 *    TCP FIN: a truncation is an end of stream, as in HAProxy).
 *  - A mux stream (h2_fe.c) is a transport too, on a side whose fd is -1:
 *    subscribe() replaces fd_set_events() (side_set_events() picks), and
 *    the mux wakes the stream's task with side->ev set as a poller would;
 *    conn_side() gives the connection's own side (its socket, its TLS) to
 *    fetches and logs that look at the connection.
 *  - send() may return -ENOBUFS: it holds no room for more until its peer
 *    answers (HTTP/2 flow control). The caller then does not poll for
 *    writability on account of those bytes but reads the side; events()
 *    says FD_EV_OUT once room has come.
 *
 * A transport context belongs to the connection's thread like its fd;
 * nothing in it is shared. Splicing needs the raw transport on both sides.
 */
#ifndef TOLLGATE_XPRT_H
#define TOLLGATE_XPRT_H

#include <stdint.h>
#include <sys/types.h>

#include <tollgate/buffer.h>

struct side;

struct xprt_ops {
	const char *name;                                   /* "RAW", "SSL" */
	ssize_t (*recv)(void *ctx, int fd, struct buffer *b, size_t max);
	ssize_t (*send)(void *ctx, int fd, struct buffer *b, size_t max, unsigned int flags);
	int (*more)(const void *ctx);                       /* 1: a read finds more without an event */
	int (*handshake)(void *ctx, int fd);                /* 1 done, 0 again, -1 failed */
	int (*shutw)(void *ctx, int fd);                    /* end of what we send; 1: the socket stays open (a tunnel stream ended instead), 0: shut it too */
	void (*close)(void *ctx);                           /* frees ctx (not the fd) */
	uint32_t (*events)(const void *ctx);                /* FD_EV_* it waits for */
	/* Muxes only (NULL otherwise): the transport of one stream of a
	 * multiplexed connection, a side without a socket of its own (fd -1).
	 */
	void (*subscribe)(void *ctx, uint32_t events);      /* FD_EV_* the stream wants, instead of polling */
	const struct side *(*conn_side)(const void *ctx);   /* the side of the connection carrying it */
};

/* The TLS transport (xprt_tls.c); its contexts come from tls_conn_new(). */
extern const struct xprt_ops xprt_tls;

/* Reads into <b>, at most <max> bytes (0: the room). See the header. */
static inline ssize_t xprt_recv(const struct xprt_ops *x, void *ctx, int fd, struct buffer *b, size_t max)
{
	return x ? x->recv(ctx, fd, b, max) : buf_recv(b, fd, max);
}

/* Writes from <b>, at most <max> bytes (0: all); BUF_SEND_MORE flags. */
static inline ssize_t xprt_send(const struct xprt_ops *x, void *ctx, int fd, struct buffer *b, size_t max,
                                unsigned int flags)
{
	return x ? x->send(ctx, fd, b, max, flags) : buf_send(b, fd, max, flags);
}

/* Events the transport waits for by itself (0: none). */
static inline uint32_t xprt_events(const struct xprt_ops *x, const void *ctx)
{
	return x ? x->events(ctx) : 0;
}

/* 1 when a read would find more without a new poll event. */
static inline int xprt_more(const struct xprt_ops *x, const void *ctx)
{
	return x ? x->more(ctx) : 0;
}

#endif /* TOLLGATE_XPRT_H */
