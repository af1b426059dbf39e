/*
 * The transport of a peer connection (peer_xprt.h): the raw socket or
 * TLS, seen through xprt.h's wrappers over the connection's linear
 * buffers (struct peer_buf): a struct buffer is laid over the room of the
 * input or the data of the output for each call, so nothing is copied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <tollgate/buffer.h>
#include <tollgate/peer_xprt.h>
#include <tollgate/tls.h>
#include <tollgate/xprt.h>

int peer_xprt_tls_start(struct peer_conn *c, struct tls_srv *srv, struct tls_bind *b)
{
	c->xprt_ctx = srv ? tls_conn_connect(srv, c->fd, NULL) : tls_conn_accept(b, c->fd);
	if (!c->xprt_ctx)
		return -ENOMEM;
	c->xprt = &xprt_tls;
	c->tls_hs = 1;
	return 0;
}

int peer_xprt_handshake(struct peer_conn *c, int *tls_err, char *why, size_t wl)
{
	unsigned long e;
	long v;
	int r;

	if (!c->tls_hs)
		return 1;
	r = c->xprt->handshake(c->xprt_ctx, c->fd);
	if (r > 0)
		c->tls_hs = 0;
	if (r >= 0)
		return r;
	/* a client that could not verify the server's certificate has its
	 * reason in the verify result; otherwise the first OpenSSL error
	 * (an alert from the peer: "tlsv1 alert unknown ca"...), if any
	 */
	v = SSL_get_verify_result(tls_conn_ssl(c->xprt_ctx));
	e = tls_conn_err(c->xprt_ctx);
	*tls_err = v != X509_V_OK ? (int)v : -1;
	if (v != X509_V_OK)
		snprintf(why, wl, "SSL handshake failure (certificate verify failed: %s)", X509_verify_cert_error_string(v));
	else if (e && ERR_reason_error_string(e))
		snprintf(why, wl, "SSL handshake failure (%s)", ERR_reason_error_string(e));
	else
		snprintf(why, wl, "%s", tls_conn_hs_error(c->xprt_ctx, 0));
	return -1;
}

ssize_t peer_xprt_recv(struct peer_conn *c)
{
	struct buffer b = { .area = (char *)c->in.data + c->in.len, .size = c->in.cap - c->in.len };

	return xprt_recv(c->xprt, c->xprt_ctx, c->fd, &b, 0);
}

ssize_t peer_xprt_send(struct peer_conn *c)
{
	struct buffer b = { .area = (char *)c->out.data, .size = c->out.len, .data = c->out.len };

	return xprt_send(c->xprt, c->xprt_ctx, c->fd, &b, 0, 0);
}

uint32_t peer_xprt_events(const struct peer_conn *c)
{
	return xprt_events(c->xprt, c->xprt_ctx);
}

void peer_xprt_close(struct peer_conn *c)
{
	if (!c->xprt)
		return;
	if (!c->tls_hs)
		c->xprt->shutw(c->xprt_ctx, c->fd);
	c->xprt->close(c->xprt_ctx);
	c->xprt = NULL;
	c->xprt_ctx = NULL;
}

const char *peer_xprt_err_str(int tls_err)
{
	if (!tls_err)
		return NULL;
	if (tls_err < 0)
		return "SSL handshake failure";
	return X509_verify_cert_error_string(tls_err);
}

/* Frees a TLS configuration of the peers and the pointer itself. */
static void conf_free(struct tls_conf *c)
{
	if (c)
		tls_conf_clear(c);
	free(c);
}

void peer_xprt_free_peer(struct peer *p)
{
	tls_srv_free(p->tls);
	conf_free(p->tls_conf);
	p->tls = NULL;
	p->tls_conf = NULL;
}

void peer_xprt_free_section(struct peers *ps)
{
	tls_bind_free(ps->bind_tls);
	conf_free(ps->bind_tls_conf);
	conf_free(ps->defsrv_tls_conf);
	ps->bind_tls = NULL;
	ps->bind_tls_conf = ps->defsrv_tls_conf = NULL;
}
