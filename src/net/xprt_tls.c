/*
 * The TLS transport: one SSL object per connection over its non-blocking
 * socket, driven by the owner thread's poll loop. See xprt.h and tls.h.
 *
 * SSL_ERROR_WANT_READ / WANT_WRITE become "poll this and call again"
 * (TLS_CF_WANT_IN / TLS_CF_WANT_OUT, reported by events()); nothing ever
 * blocks. Renegotiation is refused (SSL_OP_NO_RENEGOTIATION); a peer that
 * closes without close_notify ends the stream like a TCP FIN
 * (SSL_OP_IGNORE_UNEXPECTED_EOF). Reads loop until the buffer is full or
 * the socket is drained (WANT_READ), so that a short read means what it
 * means on a raw socket. Writes pass the same bytes again after a
 * WANT_WRITE, as OpenSSL requires (the head of the buffer only moves when
 * bytes are accepted).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <tollgate/clock.h>
#include <tollgate/fd.h>
#include <tollgate/freq_ctr.h>
#include <tollgate/sock.h>
#include <tollgate/tls.h>
#include <tollgate/xprt.h>

#include "tls_int.h"

#define TLS_CF_WANT_IN   0x01U   /* waits for readability */
#define TLS_CF_WANT_OUT  0x02U   /* waits for writability */
#define TLS_CF_EOF       0x04U   /* the peer closed: reads return 0 */
#define TLS_CF_HS_DONE   0x08U   /* handshake complete */
#define TLS_CF_SHUT      0x10U   /* close_notify sent */
#define TLS_CF_ERROR     0x20U   /* fatal error: no more I/O through SSL */
#define TLS_CF_PEER_EOF  0x40U   /* the error was the peer closing (no alert, no protocol error) */
#define TLS_CF_ID_LOOKUP 0x80U   /* the ClientHello makes OpenSSL look its session id up in the cache */

struct tls_conn {
	SSL *ssl;
	unsigned int flags;          /* TLS_CF_* */
	unsigned long err;           /* first OpenSSL error (ssl_fc_err), 0: none */
	int c_err;                   /* first verify error of the peer's certificate (ssl_c_err) */
	int ca_err, ca_err_depth;    /* first one in its chain, and where (ssl_c_ca_err) */
	uint64_t ca_ignerr;          /* client side: the bind's ca-ignore-err bits */
	uint64_t crt_ignerr;         /* and crt-ignore-err's */
};

static int conn_ex_idx = -1;       /* SSL ex_data: its struct tls_conn */

static _Atomic unsigned long hs_failures;

/* The Ssl* figures of `show info`: shared counters (a TLS connection
 * costs a handshake, far more than these atomics). The rates count over
 * one second; their maxima are raised where they grow.
 */
enum { RATE_ACCEPT, RATE_FE_KEY, RATE_BE_KEY, RATE_N };

static _Atomic uint64_t cache_lookups, cache_misses;   /* session ids looked up in the cache, not found */
static _Atomic unsigned int cur_conns;
static _Atomic uint64_t cum_conns;
static struct freq_ctr rates[RATE_N];
static _Atomic unsigned int rates_max[RATE_N];

unsigned long tls_handshake_failures(void)
{
	return atomic_load_explicit(&hs_failures, memory_order_relaxed);
}

static void rate_add(int r)
{
	uint32_t now = clock_ticks();
	unsigned int v, m;

	freq_ctr_add(&rates[r], 1000, 1, now);
	v = freq_ctr_read(&rates[r], 1000, now);
	m = atomic_load_explicit(&rates_max[r], memory_order_relaxed);
	while (v > m && !atomic_compare_exchange_weak_explicit(&rates_max[r], &m, v, memory_order_relaxed,
	                                                      memory_order_relaxed))
		;
}

void tls_get_stats(struct tls_stats *st)
{
	uint32_t now = clock_ticks();
	unsigned int sess;

	st->cur_conns = atomic_load_explicit(&cur_conns, memory_order_relaxed);
	st->cum_conns = atomic_load_explicit(&cum_conns, memory_order_relaxed);
	st->rate = freq_ctr_read(&rates[RATE_ACCEPT], 1000, now);
	st->rate_max = atomic_load_explicit(&rates_max[RATE_ACCEPT], memory_order_relaxed);
	st->fe_key_rate = freq_ctr_read(&rates[RATE_FE_KEY], 1000, now);
	st->fe_key_rate_max = atomic_load_explicit(&rates_max[RATE_FE_KEY], memory_order_relaxed);
	st->be_key_rate = freq_ctr_read(&rates[RATE_BE_KEY], 1000, now);
	st->be_key_rate_max = atomic_load_explicit(&rates_max[RATE_BE_KEY], memory_order_relaxed);
	st->cache_lookups = atomic_load_explicit(&cache_lookups, memory_order_relaxed);
	st->cache_misses = atomic_load_explicit(&cache_misses, memory_order_relaxed);
	/* as HAProxy: the share of accepted connections that did not compute
	 * a key, rounded, 0 when there were none
	 */
	sess = st->rate;
	st->fe_reuse_pct = 0;
	if (st->fe_key_rate < sess)
		st->fe_reuse_pct = 100 - (100 * st->fe_key_rate + (sess - 1) / 2) / sess;
}

static struct tls_conn *conn_new(SSL_CTX *ctx, int fd)
{
	struct tls_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ssl = SSL_new(ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, fd) || !SSL_set_ex_data(c->ssl, conn_ex_idx, c)) {
		SSL_free(c->ssl);
		free(c);
		ERR_clear_error();
		return NULL;
	}
	atomic_fetch_add_explicit(&cur_conns, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&cum_conns, 1, memory_order_relaxed);
	return c;
}

void *tls_conn_accept(struct tls_bind *b, int fd)
{
	struct tls_conn *c = conn_new(tls_bind_default_ctx(b), fd);

	if (c) {
		c->ca_ignerr = b->conf.ca_ignerr;
		c->crt_ignerr = b->conf.crt_ignerr;
		SSL_set_accept_state(c->ssl);
		rate_add(RATE_ACCEPT);
	}
	return c;
}

void *tls_conn_connect(struct tls_srv *s, int fd, const char *sni)
{
	SSL_SESSION *sess;
	const char *host;
	int verify;
	SSL_CTX *ctx = tls_srv_ctx(s, &sess, &verify, &host);
	struct tls_conn *c = conn_new(ctx, fd);

	if (!c)
		return NULL;
	SSL_set_connect_state(c->ssl);
	if (sni && *sni) {
		SSL_set_tlsext_host_name(c->ssl, sni);
		host = sni;   /* the SNI sent wins over verifyhost, as in HAProxy 2.6 */
	}
	if (host && verify == TLS_VERIFY_REQUIRED) {
		/* HAProxy's matching: the CN counts beside the subjectAltNames;
		 * a wildcard in the first label only ("w*.example.com" too)
		 */
		SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT);
		SSL_set1_host(c->ssl, host);
	}
	if (sess)
		SSL_set_session(c->ssl, sess);
	ERR_clear_error();
	return c;
}

int tls_conn_set_alpn(void *ctx, const unsigned char *wire, unsigned int len)
{
	struct tls_conn *c = ctx;

	return SSL_set_alpn_protos(c->ssl, wire, len) ? -1 : 0;
}

const char *tls_conn_hs_error(const void *ctx, int timeout)
{
	const struct tls_conn *c = ctx;

	if (timeout)
		return "Timeout during SSL handshake";
	if (c->flags & (TLS_CF_PEER_EOF | TLS_CF_EOF))
		return "Connection closed during SSL handshake";
	return "SSL handshake failure";
}

struct ssl_st *tls_conn_ssl(const void *ctx)
{
	return ((const struct tls_conn *)ctx)->ssl;
}

unsigned long tls_conn_err(const void *ctx)
{
	return ((const struct tls_conn *)ctx)->err;
}

int tls_conn_verify_err(const void *ctx, int ca, int *depth)
{
	const struct tls_conn *c = ctx;

	if (depth)
		*depth = c->ca_err_depth;
	return ca ? c->ca_err : c->c_err;
}

void tls_conn_hello_seen(SSL *ssl)
{
	struct tls_conn *c = SSL_get_ex_data(ssl, conn_ex_idx);
	const unsigned char *p;
	size_t len;
	int ticket;

	if (!c || !SSL_client_hello_get0_session_id(ssl, &p))
		return;
	/* OpenSSL resumes from a ticket the client offers when tickets are
	 * on; the session id is looked up only without one
	 */
	ticket = SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_session_ticket, &p, &len) && len &&
	         !(SSL_get_options(ssl) & SSL_OP_NO_TICKET);
	if (!ticket)
		c->flags |= TLS_CF_ID_LOOKUP;
}

int tls_verify_cb(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_conn *c = ssl ? SSL_get_ex_data(ssl, conn_ex_idx) : NULL;
	int depth = X509_STORE_CTX_get_error_depth(store);
	int e = X509_STORE_CTX_get_error(store);

	if (ok || !c)
		return ok;
	if (!depth && !c->c_err)
		c->c_err = e;
	else if (depth && !c->ca_err) {
		c->ca_err = e;
		c->ca_err_depth = depth;
	}
	/* an ignored error lets the verification go on, as HAProxy */
	if (e > 0 && e < 64 && ((depth ? c->ca_ignerr : c->crt_ignerr) & (1ULL << e))) {
		ERR_clear_error();
		return 1;
	}
	return ok;
}

__attribute__((constructor)) static void xprt_tls_init(void)
{
	conn_ex_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* Maps a failed SSL call's result to flags; returns -EAGAIN when it is to
 * be called again, -EPIPE on a fatal error, 0 at the peer's close.
 */
static int conn_error(struct tls_conn *c, int ret)
{
	int e = SSL_get_error(c->ssl, ret);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		c->flags |= TLS_CF_WANT_IN;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		c->flags |= TLS_CF_WANT_OUT;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		c->flags |= TLS_CF_EOF;
		return 0;
	default:
		/* a bare close: SYSCALL with nothing queued, or OpenSSL 3's
		 * unexpected-EOF reason
		 */
		if ((e == SSL_ERROR_SYSCALL && !ERR_peek_error()) ||
		    ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			c->flags |= TLS_CF_PEER_EOF;
		if (!c->err)
			c->err = ERR_peek_error();   /* the oldest of the queue, as HAProxy records it */
		c->flags |= TLS_CF_ERROR;
		ERR_clear_error();
		return -EPIPE;
	}
}

static ssize_t tls_recv(void *ctx, int fd, struct buffer *b, size_t max)
{
	struct tls_conn *c = ctx;
	size_t room, total = 0;
	int ret = -EAGAIN;

	if (!b->area || buf_full(b))
		return -ENOSPC;
	if (c->flags & TLS_CF_EOF)
		return 0;
	if (c->flags & TLS_CF_ERROR)
		return -EPIPE;
	room = buf_room(b);
	if (max && max < room)
		room = max;
	c->flags &= ~(TLS_CF_WANT_IN | TLS_CF_WANT_OUT);
	while (total < room) {
		size_t want = buf_contig_room(b);
		int n;

		if (want > room - total)
			want = room - total;
		n = SSL_read(c->ssl, buf_tail(b), (int)want);
		if (n > 0) {
			buf_add(b, (size_t)n);
			total += (size_t)n;
			continue;
		}
		ret = conn_error(c, n);
		break;
	}
	if (total)
		return (ssize_t)total;
	return ret;
}

static ssize_t tls_send(void *ctx, int fd, struct buffer *b, size_t max, unsigned int flags)
{
	struct tls_conn *c = ctx;
	size_t want = buf_data(b), total = 0;
	int ret = -EAGAIN;

	if (!want)
		return 0;
	if (c->flags & TLS_CF_ERROR)
		return -EPIPE;
	if (max && max < want)
		want = max;
	c->flags &= ~(TLS_CF_WANT_IN | TLS_CF_WANT_OUT);
	while (total < want) {
		size_t len = buf_contig_data(b);
		int n;

		if (len > want - total)
			len = want - total;
		n = SSL_write(c->ssl, buf_head(b), (int)len);
		if (n > 0) {
			buf_del(b, (size_t)n);
			total += (size_t)n;
			continue;
		}
		ret = conn_error(c, n);
		if (!ret)
			ret = -EPIPE;   /* close_notify while writing: the peer is gone */
		break;
	}
	if (total)
		return (ssize_t)total;
	return ret;
}

static int tls_handshake(void *ctx, int fd)
{
	struct tls_conn *c = ctx;
	int n;

	if (c->flags & TLS_CF_HS_DONE)
		return 1;
	/* as HAProxy, no handshake work on a connection the client reset:
	 * the bytes that came before the reset (its Finished, from a client
	 * that resets as soon as its side is done, as `openssl s_time -new`)
	 * would cost their checking and the session tickets' making for a
	 * peer that takes nothing back. One getsockopt() a step, two or three
	 * a handshake.
	 */
	if (fd >= 0 && SSL_is_server(c->ssl) && sock_get_error(fd) != 0) {
		c->flags |= TLS_CF_ERROR;
		atomic_fetch_add_explicit(&hs_failures, 1, memory_order_relaxed);
		return -1;
	}
	c->flags &= ~(TLS_CF_WANT_IN | TLS_CF_WANT_OUT);
	n = SSL_do_handshake(c->ssl);
	if (n == 1) {
		c->flags |= TLS_CF_HS_DONE;
		if (!SSL_session_reused(c->ssl))
			rate_add(SSL_is_server(c->ssl) ? RATE_FE_KEY : RATE_BE_KEY);
		/* a TLS 1.3 legacy session id is never looked up */
		if ((c->flags & TLS_CF_ID_LOOKUP) && SSL_version(c->ssl) < TLS1_3_VERSION) {
			atomic_fetch_add_explicit(&cache_lookups, 1, memory_order_relaxed);
			if (!SSL_session_reused(c->ssl))
				atomic_fetch_add_explicit(&cache_misses, 1, memory_order_relaxed);
		}
		return 1;
	}
	if (conn_error(c, n) == -EAGAIN)
		return 0;
	atomic_fetch_add_explicit(&hs_failures, 1, memory_order_relaxed);
	return -1;
}

static int tls_shutw(void *ctx, int fd)
{
	struct tls_conn *c = ctx;

	if ((c->flags & (TLS_CF_HS_DONE | TLS_CF_SHUT | TLS_CF_ERROR)) == TLS_CF_HS_DONE) {
		c->flags |= TLS_CF_SHUT;
		SSL_shutdown(c->ssl);   /* best effort: close_notify if the socket takes it */
		ERR_clear_error();
	}
	return 0;
}

static void tls_close(void *ctx)
{
	struct tls_conn *c = ctx;

	if (!c)
		return;
	/* a connection that ends without an error keeps its session in the
	 * cache (OpenSSL drops the session of one freed without a shutdown)
	 */
	if ((c->flags & (TLS_CF_HS_DONE | TLS_CF_ERROR)) == TLS_CF_HS_DONE)
		SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(c->ssl);
	ERR_clear_error();
	free(c);
	atomic_fetch_sub_explicit(&cur_conns, 1, memory_order_relaxed);
}

void tls_conn_free(void *ctx)
{
	tls_close(ctx);
}

static uint32_t tls_events(const void *ctx)
{
	const struct tls_conn *c = ctx;

	return ((c->flags & TLS_CF_WANT_IN) ? FD_EV_IN : 0) | ((c->flags & TLS_CF_WANT_OUT) ? FD_EV_OUT : 0);
}

static int tls_more(const void *ctx)
{
	const struct tls_conn *c = ctx;

	return (c->flags & TLS_CF_EOF) || SSL_has_pending(c->ssl);
}

const struct xprt_ops xprt_tls = {
	.name = "SSL",
	.recv = tls_recv,
	.send = tls_send,
	.handshake = tls_handshake,
	.shutw = tls_shutw,
	.close = tls_close,
	.events = tls_events,
	.more = tls_more,
};
