/*
 * The transport of a peer connection: the raw socket, or TLS (xprt_tls,
 * src/net/xprt_tls.c) when the peer has `ssl` (outgoing) or the section's
 * bind has `ssl` (incoming), as HAProxy runs its peer sessions over its
 * SSL transport. The peers protocol above (handshake lines, messages) is
 * unchanged; the TLS handshake comes first, bounded by the connection's
 * handshake deadline like the peers handshake.
 *
 * Thread 0 only, like the connection. Returns follow xprt.h: bytes, 0 at
 * the peer's close, -EAGAIN, or another -errno.
 */
#ifndef TOLLGATE_PEER_XPRT_H
#define TOLLGATE_PEER_XPRT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <tollgate/peers-t.h>

/* Starts TLS on <c> as a client of <srv> (outgoing) or a server of <b>
 * (incoming); exactly one is non-NULL. 0 or -ENOMEM.
 */
int peer_xprt_tls_start(struct peer_conn *c, struct tls_srv *srv, struct tls_bind *b);

/* Drives the TLS handshake of <c>: 1 done (or none), 0 in progress (poll
 * peer_xprt_events()), -1 failed with a one-line reason naming the remote
 * address and, when there is one, the certificate error in <why>; *<tls_err>
 * gets the certificate error (-1: none, the handshake itself failed).
 */
int peer_xprt_handshake(struct peer_conn *c, int *tls_err, char *why, size_t wl);

/* Reads into the room of <c>->in (reserved by the caller). */
ssize_t peer_xprt_recv(struct peer_conn *c);

/* Writes from the head of <c>->out; the caller drops what was sent. */
ssize_t peer_xprt_send(struct peer_conn *c);

/* FD_EV_* the transport waits for by itself (a TLS read that must write). */
uint32_t peer_xprt_events(const struct peer_conn *c);

/* Ends TLS on <c> (close_notify if it was up, best effort) and frees its
 * context; the socket stays the caller's.
 */
void peer_xprt_close(struct peer_conn *c);

/* Text of a last TLS failure as kept in peer.tls_err (0: none), for show
 * peers: "SSL handshake failure" or the certificate error.
 */
const char *peer_xprt_err_str(int tls_err);

/* Free the TLS contexts and options of a peer, of a section (exit). */
void peer_xprt_free_peer(struct peer *p);
void peer_xprt_free_section(struct peers *ps);

#endif /* TOLLGATE_PEER_XPRT_H */
