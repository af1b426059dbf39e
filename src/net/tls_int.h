/*
 * TLS internals shared by tls.c (contexts) and xprt_tls.c (connections).
 * Not a public interface.
 */
#ifndef TOLLGATE_TLS_INT_H
#define TOLLGATE_TLS_INT_H

#include <openssl/ssl.h>

#include <tollgate/tls.h>

/* The context new server-side connections of <b> start with. */
SSL_CTX *tls_bind_default_ctx(const struct tls_bind *b);

/* The client context of <s>, the session to offer on this thread (or NULL)
 * in *<sess>, and its resolved TLS_VERIFY_* in *<verify>.
 */
SSL_CTX *tls_srv_ctx(const struct tls_srv *s, SSL_SESSION **sess, int *verify);

#endif /* TOLLGATE_TLS_INT_H */
