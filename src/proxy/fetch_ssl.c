/*
 * TLS sample fetches, HAProxy's names and results:
 *
 *   ssl_fc, ssl_bc                 the client (server) connection is TLS
 *   ssl_fc_sni, ssl_fc_has_sni     server name the client sent
 *   ssl_fc_protocol, ssl_bc_protocol  "TLSv1.3"...
 *   ssl_fc_cipher, ssl_bc_cipher   cipher name (OpenSSL's)
 *   ssl_fc_alpn, ssl_bc_alpn       protocol chosen by ALPN
 *   ssl_fc_is_resumed              the session was resumed
 *   ssl_fc_session_id              session id (binary)
 *   ssl_fc_use_keysize, ssl_fc_alg_keysize  symmetric key bits
 *   ssl_c_used, ssl_c_verify       a client certificate came; verify result
 *   ssl_fc_has_crt                 one came in this handshake (not resumed)
 *   ssl_c_san                      its Subject Alt Names, OpenSSL's text
 *   ssl_c_s_dn, ssl_c_i_dn         its subject / issuer DN ("/CN=.../O=..."),
 *                                  or one entry: ssl_c_s_dn(CN)
 *   ssl_c_serial, ssl_c_sha1       its serial and SHA-1 fingerprint (binary)
 *   ssl_c_der                      the certificate itself, DER (binary)
 *   ssl_c_chain_der, ssl_s_chain_der  the certificates the peer sent, DER
 *   ssl_fc_err, ssl_bc_err         first OpenSSL error code on the connection
 *   ssl_fc_err_str, ssl_bc_err_str  its text (ERR_error_string())
 *   ssl_c_err, ssl_c_ca_err(_depth)  first verify error of the client's
 *                                  certificate, of its chain (and where)
 *   ssl_c_notbefore, ssl_c_notafter  validity, HAProxy's YYMMDDhhmmss[Z]
 *   ssl_c_version                  X.509 version (1..3)
 *   ssl_f_*                        the same about the certificate this
 *                                  side presented: sha1, serial, s_dn,
 *                                  i_dn, notbefore, notafter, version, der
 *   ssl_s_*                        the same about the server's certificate
 *   ssl_{c,f,s}_key_alg, _sig_alg  its key's and its signature's algorithm
 *
 * and the converter x509_v_err_str (a verify code's OpenSSL name).
 *
 * Strings go to the thread's scratch area or point into OpenSSL objects
 * that live as long as the connection. Without TLS the booleans are false
 * and the others have no value.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <tollgate/mux_h2_be.h>
#include <tollgate/sample.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>
#include <tollgate/tls.h>
#include <tollgate/xprt.h>

/* The SSL object of the client side (<bc> 0) or server side, or NULL. */
static SSL *side_ssl(const struct sample_ctx *ctx, int bc)
{
	const struct stream *s = ctx->strm;
	const struct side *sd;

	if (!s)
		return NULL;
	sd = bc ? stream_srv_conn(s) : stream_cli_conn(s);
	if (sd->xprt == &xprt_h2be) {
		/* HTTP/2 to the server: the TLS connection under it, if any */
		const struct xprt_ops *x;
		void *c = h2be_inner(sd->xprt_ctx, &x);

		return x == &xprt_tls ? tls_conn_ssl(c) : NULL;
	}
	return sd->xprt == &xprt_tls ? tls_conn_ssl(sd->xprt_ctx) : NULL;
}

#define BC   ((void *)1)   /* kw_private: the server side (or: the other variant, ssl_c_i_dn) */
#define FRT  ((void *)2)   /* kw_private: the certificate this side presented (ssl_f_*) */
#define FRT_I ((void *)3)  /* both */
#define SRV  ((void *)4)   /* kw_private: the certificate the server presented (ssl_s_*) */
#define SRV_I ((void *)5)  /* that, other variant */

/* Where they may be used, as HAProxy 2.6: the client's TLS connection
 * (and ssl_s_*) once the session exists (the handshake is done: not at
 * tcp-request connection), the server's (ssl_bc*) once a response came. */
#define FE_CONN (SMP_USE_ANY & ~SMP_USE_L4CLI)
#define BE_CONN SMP_USE_HTTP_RES

static int is_bc(const struct sample *smp)
{
	return ((uintptr_t)smp->kw_private & 1) != 0;
}

/* The certificate a fetch reads: the client's, ours with ssl_f_*, or the
 * server's with ssl_s_*.
 */
static X509 *smp_cert(const struct sample *smp, const struct sample_ctx *ctx)
{
	uintptr_t k = (uintptr_t)smp->kw_private;
	SSL *ssl = side_ssl(ctx, (k & 4) != 0);

	if (!ssl)
		return NULL;
	return (k & 2) ? SSL_get_certificate(ssl) : SSL_get0_peer_certificate(ssl);
}

static int smp_ssl(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_bool(smp, side_ssl(ctx, is_bc(smp)) != NULL);
	return 1;
}

static int set_cstr(struct sample *smp, const char *v)
{
	if (!v)
		return 0;
	sample_set_str(smp, v, strlen(v));
	return 1;
}

static int smp_sni(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, 0);

	return ssl && set_cstr(smp, SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name));
}

static int smp_has_sni(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, 0);

	sample_set_bool(smp, ssl && SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name));
	return 1;
}

static int smp_protocol(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, is_bc(smp));

	return ssl && set_cstr(smp, SSL_get_version(ssl));
}

static int smp_cipher(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, is_bc(smp));

	return ssl && set_cstr(smp, SSL_get_cipher_name(ssl));
}

static int smp_alpn(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, is_bc(smp));
	const unsigned char *p;
	unsigned int len;

	if (!ssl)
		return 0;
	SSL_get0_alpn_selected(ssl, &p, &len);
	if (!p || !len)
		return 0;
	sample_set_str(smp, (const char *)p, len);
	return 1;
}

static int smp_resumed(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, is_bc(smp));

	/* false without TLS, or without a connection, as HAProxy */
	sample_set_bool(smp, ssl && SSL_session_reused(ssl));
	return 1;
}

static int smp_session_id(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, is_bc(smp));
	SSL_SESSION *sess = ssl ? SSL_get_session(ssl) : NULL;
	const unsigned char *id;
	unsigned int len;

	if (!sess)
		return 0;
	id = SSL_SESSION_get_id(sess, &len);
	if (!len)
		return 0;
	sample_set_bin(smp, id, len);
	return 1;
}

static int smp_keysize(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, 0);
	int alg = 0, use;

	if (!ssl || !SSL_get_current_cipher(ssl))
		return 0;
	use = SSL_CIPHER_get_bits(SSL_get_current_cipher(ssl), &alg);
	sample_set_sint(smp, is_bc(smp) ? alg : use);
	return 1;
}

static int smp_c_used(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, 0);

	sample_set_bool(smp, ssl && SSL_get0_peer_certificate(ssl));
	return 1;
}

/* ssl_fc_has_crt: a client certificate came in this very handshake (a
 * resumed session carries the one of its first handshake: HAProxy says
 * false then).
 */
static int smp_fc_has_crt(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, 0);

	if (!ssl)
		return 0;
	sample_set_bool(smp, SSL_get0_peer_certificate(ssl) && !SSL_session_reused(ssl));
	return 1;
}

/* ssl_c_san: the client certificate's Subject Alt Names as OpenSSL prints
 * them ("DNS:a.test, IP Address:127.0.0.1, URI:..."), ", " between them.
 */
static int smp_c_san(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, 0);
	X509 *crt = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
	STACK_OF(GENERAL_NAME) *names = crt ? X509_get_ext_d2i(crt, NID_subject_alt_name, NULL, NULL) : NULL;
	BIO *bio = names ? BIO_new(BIO_s_mem()) : NULL;
	char *out = sample_scratch();
	int n = 0;

	for (int i = 0; bio && i < sk_GENERAL_NAME_num(names); i++) {
		if (i)
			BIO_puts(bio, ", ");
		GENERAL_NAME_print(bio, sk_GENERAL_NAME_value(names, i));
	}
	if (bio)
		n = BIO_read(bio, out, SAMPLE_SCRATCH_SIZE);
	BIO_free(bio);
	sk_GENERAL_NAME_pop_free(names, GENERAL_NAME_free);
	if (n <= 0)
		return 0;
	sample_set_str(smp, out, (size_t)n);
	return 1;
}

static int smp_c_verify(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, 0);

	if (!ssl)
		return 0;
	sample_set_sint(smp, SSL_get0_peer_certificate(ssl) ? SSL_get_verify_result(ssl) : X509_V_OK);
	return 1;
}

/* ssl_c_s_dn / ssl_c_i_dn [(entry[,occ])]: the whole DN in HAProxy's
 * "/K=V/K=V" form, or the value of one entry (occ: 1 first, -1 last
 * (default), as HAProxy counts).
 */
static int smp_dn(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	X509 *x = smp_cert(smp, ctx);
	X509_NAME *n;
	char *out = sample_scratch();
	size_t o = 0;
	int cnt;

	if (!x)
		return 0;
	n = is_bc(smp) ? X509_get_issuer_name(x) : X509_get_subject_name(x);
	cnt = X509_NAME_entry_count(n);
	if (args[0].type == SMP_ARGT_STR) {
		int occ = args[1].type == SMP_ARGT_SINT ? (int)args[1].data.sint : -1;
		int seen = 0;

		if (!occ)
			return 0;
		for (int k = 0; k < cnt; k++) {
			int i = occ > 0 ? k : cnt - 1 - k;
			X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
			int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
			const char *sn = OBJ_nid2sn(nid);
			ASN1_STRING *d;

			if (!sn || strcmp(sn, args[0].data.str.ptr))
				continue;
			if (++seen != (occ > 0 ? occ : -occ))
				continue;
			d = X509_NAME_ENTRY_get_data(e);
			sample_set_str(smp, (const char *)ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d));
			return 1;
		}
		return 0;
	}
	for (int i = 0; i < cnt; i++) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
		const char *sn = OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)));
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
		size_t sl = strlen(sn ? sn : "?"), dl = (size_t)ASN1_STRING_length(d);

		if (o + sl + dl + 2 >= SAMPLE_SCRATCH_SIZE)
			return 0;
		out[o++] = '/';
		memcpy(out + o, sn ? sn : "?", sl);
		o += sl;
		out[o++] = '=';
		memcpy(out + o, ASN1_STRING_get0_data(d), dl);
		o += dl;
	}
	sample_set_str(smp, out, o);
	return 1;
}

static int smp_serial(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	X509 *x = smp_cert(smp, ctx);
	const ASN1_INTEGER *sn;

	if (!x)
		return 0;
	sn = X509_get0_serialNumber(x);
	sample_set_bin(smp, ASN1_STRING_get0_data(sn), (size_t)ASN1_STRING_length(sn));
	return 1;
}

static int smp_sha1(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	X509 *x = smp_cert(smp, ctx);
	unsigned char *out = (unsigned char *)sample_scratch();
	unsigned int len = 0;

	if (!x || !X509_digest(x, EVP_sha1(), out, &len))
		return 0;
	sample_set_bin(smp, out, len);
	return 1;
}

/* ssl_c_der / ssl_f_der: the certificate in DER; no value when it does not
 * fit the scratch area (as HAProxy's, bounded by its buffer size).
 */
static int smp_der(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	X509 *x = smp_cert(smp, ctx);
	unsigned char *out = (unsigned char *)sample_scratch();
	unsigned char *p = out;
	int len = x ? i2d_X509(x, NULL) : -1;

	if (len <= 0 || len > SAMPLE_SCRATCH_SIZE || i2d_X509(x, &p) != len)
		return 0;
	sample_set_bin(smp, out, (size_t)len);
	return 1;
}

/* ssl_c_chain_der / ssl_s_chain_der: the certificates the peer sent, in
 * DER one after the other, in the order OpenSSL keeps them (from a server,
 * its own first; from a client, without its own, as HAProxy's); no value
 * without any or when they do not fit the scratch area.
 */
static int smp_chain_der(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	SSL *ssl = side_ssl(ctx, ((uintptr_t)smp->kw_private & 4) != 0);
	STACK_OF(X509) *certs = ssl ? SSL_get_peer_cert_chain(ssl) : NULL;
	unsigned char *out = (unsigned char *)sample_scratch();
	unsigned char *p = out;
	int n = certs ? sk_X509_num(certs) : 0;

	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(certs, i);
		int len = i2d_X509(x, NULL);

		if (len <= 0 || len > SAMPLE_SCRATCH_SIZE - (p - out) || i2d_X509(x, &p) != len)
			return 0;
	}
	sample_set_bin(smp, out, (size_t)(p - out));
	return 1;
}

/* The short name of OpenSSL's object <obj> as a constant string. */
static int set_obj_name(struct sample *smp, const ASN1_OBJECT *obj)
{
	const char *sn = OBJ_nid2sn(OBJ_obj2nid(obj));

	if (!sn)
		return 0;
	sample_set_str(smp, sn, strlen(sn));
	return 1;
}

/* ssl_{c,f,s}_key_alg: the algorithm of the certificate's public key
 * ("rsaEncryption", "id-ecPublicKey").
 */
static int smp_key_alg(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	X509 *x = smp_cert(smp, ctx);
	ASN1_OBJECT *obj = NULL;

	if (!x || !X509_PUBKEY_get0_param(&obj, NULL, NULL, NULL, X509_get_X509_PUBKEY(x)))
		return 0;
	return set_obj_name(smp, obj);
}

/* ssl_{c,f,s}_sig_alg: the algorithm the certificate is signed with
 * ("ecdsa-with-SHA256", "RSA-SHA256").
 */
static int smp_sig_alg(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	X509 *x = smp_cert(smp, ctx);
	const ASN1_OBJECT *obj = NULL;

	if (!x)
		return 0;
	X509_ALGOR_get0(&obj, NULL, NULL, X509_get0_tbs_sigalg(x));
	return set_obj_name(smp, obj);
}

/* notbefore / notafter ("after" variants: BC bit), HAProxy's format: the
 * UTCTime text (YYMMDDhhmmssZ), a GeneralizedTime of the 2000s without
 * its century; none for other dates.
 */
static int smp_time(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	X509 *x = smp_cert(smp, ctx);
	const ASN1_TIME *t;
	const unsigned char *d;
	int len;

	if (!x)
		return 0;
	t = is_bc(smp) ? X509_get0_notAfter(x) : X509_get0_notBefore(x);
	d = ASN1_STRING_get0_data(t);
	len = ASN1_STRING_length(t);
	if (ASN1_STRING_type(t) == V_ASN1_GENERALIZEDTIME) {
		if (len < 12 || d[0] != '2' || d[1] != '0')
			return 0;
		d += 2;
		len -= 2;
	} else if (ASN1_STRING_type(t) != V_ASN1_UTCTIME || len < 10 || d[0] >= '5') {
		return 0;
	}
	sample_set_str(smp, (const char *)d, (size_t)len);
	return 1;
}

static int smp_version(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	X509 *x = smp_cert(smp, ctx);

	if (!x)
		return 0;
	sample_set_sint(smp, X509_get_version(x) + 1);
	return 1;
}

/* The transport context of the client (server) side, if TLS. */
static const void *side_tls(const struct sample_ctx *ctx, int bc)
{
	const struct stream *s = ctx->strm;
	const struct side *sd;

	if (!s)
		return NULL;
	sd = bc ? &s->srvside : &s->cli;
	return sd->xprt == &xprt_tls ? sd->xprt_ctx : NULL;
}

static int smp_err(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const void *c = side_tls(ctx, is_bc(smp));

	if (!c)
		return 0;
	sample_set_sint(smp, (long long)tls_conn_err(c));
	return 1;
}

static int smp_err_str(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const void *c = side_tls(ctx, is_bc(smp));
	char *out = sample_scratch();

	if (!c || !tls_conn_err(c))
		return 0;
	ERR_error_string_n(tls_conn_err(c), out, 256);
	sample_set_str(smp, out, strlen(out));
	return 1;
}

/* ssl_c_err (private NULL), ssl_c_ca_err (BC), ssl_c_ca_err_depth (FRT) */
static int smp_verify_err(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const void *c = side_tls(ctx, 0);
	int depth, e;

	if (!c)
		return 0;
	e = tls_conn_verify_err(c, smp->kw_private != NULL, &depth);
	sample_set_sint(smp, smp->kw_private == FRT ? depth : e);
	return 1;
}

static struct sample_fetch_kw_list ssl_fetch_list = { .kw = {
	{ "ssl_fc", smp_ssl, SMP_ARG0, NULL, SMP_T_BOOL, FE_CONN },
	{ "ssl_bc", smp_ssl, SMP_ARG0, NULL, SMP_T_BOOL, BE_CONN, BC },
	{ "ssl_fc_sni", smp_sni, SMP_ARG0, NULL, SMP_T_STR, FE_CONN },
	{ "ssl_fc_has_sni", smp_has_sni, SMP_ARG0, NULL, SMP_T_BOOL, FE_CONN },
	{ "ssl_fc_protocol", smp_protocol, SMP_ARG0, NULL, SMP_T_STR, FE_CONN },
	{ "ssl_bc_protocol", smp_protocol, SMP_ARG0, NULL, SMP_T_STR, BE_CONN, BC },
	{ "ssl_fc_cipher", smp_cipher, SMP_ARG0, NULL, SMP_T_STR, FE_CONN },
	{ "ssl_bc_cipher", smp_cipher, SMP_ARG0, NULL, SMP_T_STR, BE_CONN, BC },
	{ "ssl_fc_alpn", smp_alpn, SMP_ARG0, NULL, SMP_T_STR, FE_CONN },
	{ "ssl_bc_alpn", smp_alpn, SMP_ARG0, NULL, SMP_T_STR, BE_CONN, BC },
	{ "ssl_fc_is_resumed", smp_resumed, SMP_ARG0, NULL, SMP_T_BOOL, FE_CONN },
	{ "ssl_bc_is_resumed", smp_resumed, SMP_ARG0, NULL, SMP_T_BOOL, BE_CONN, BC },
	{ "ssl_fc_session_id", smp_session_id, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN },
	{ "ssl_bc_session_id", smp_session_id, SMP_ARG0, NULL, SMP_T_BIN, BE_CONN, BC },
	{ "ssl_fc_use_keysize", smp_keysize, SMP_ARG0, NULL, SMP_T_SINT, FE_CONN },
	{ "ssl_fc_alg_keysize", smp_keysize, SMP_ARG0, NULL, SMP_T_SINT, FE_CONN, BC },
	{ "ssl_c_used", smp_c_used, SMP_ARG0, NULL, SMP_T_BOOL, FE_CONN },
	{ "ssl_c_verify", smp_c_verify, SMP_ARG0, NULL, SMP_T_SINT, FE_CONN },
	{ "ssl_fc_has_crt", smp_fc_has_crt, SMP_ARG0, NULL, SMP_T_BOOL, FE_CONN },
	{ "ssl_c_san", smp_c_san, SMP_ARG0, NULL, SMP_T_STR, FE_CONN },
	{ "ssl_c_s_dn", smp_dn, SMP_ARG2(0, STR, SINT), NULL, SMP_T_STR, FE_CONN },
	{ "ssl_c_i_dn", smp_dn, SMP_ARG2(0, STR, SINT), NULL, SMP_T_STR, FE_CONN, BC },
	{ "ssl_c_serial", smp_serial, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN },
	{ "ssl_c_sha1", smp_sha1, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN },
	{ "ssl_c_der", smp_der, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN },
	{ "ssl_c_chain_der", smp_chain_der, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN },
	{ "ssl_c_notbefore", smp_time, SMP_ARG0, NULL, SMP_T_STR, FE_CONN },
	{ "ssl_c_notafter", smp_time, SMP_ARG0, NULL, SMP_T_STR, FE_CONN, BC },
	{ "ssl_c_version", smp_version, SMP_ARG0, NULL, SMP_T_SINT, FE_CONN },
	{ "ssl_c_err", smp_verify_err, SMP_ARG0, NULL, SMP_T_SINT, FE_CONN },
	{ "ssl_c_ca_err", smp_verify_err, SMP_ARG0, NULL, SMP_T_SINT, FE_CONN, BC },
	{ "ssl_c_ca_err_depth", smp_verify_err, SMP_ARG0, NULL, SMP_T_SINT, FE_CONN, FRT },
	{ "ssl_fc_err", smp_err, SMP_ARG0, NULL, SMP_T_SINT, FE_CONN },
	{ "ssl_bc_err", smp_err, SMP_ARG0, NULL, SMP_T_SINT, BE_CONN, BC },
	{ "ssl_fc_err_str", smp_err_str, SMP_ARG0, NULL, SMP_T_STR, FE_CONN },
	{ "ssl_bc_err_str", smp_err_str, SMP_ARG0, NULL, SMP_T_STR, BE_CONN, BC },
	{ "ssl_f_s_dn", smp_dn, SMP_ARG2(0, STR, SINT), NULL, SMP_T_STR, FE_CONN, FRT },
	{ "ssl_f_i_dn", smp_dn, SMP_ARG2(0, STR, SINT), NULL, SMP_T_STR, FE_CONN, FRT_I },
	{ "ssl_f_serial", smp_serial, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN, FRT },
	{ "ssl_f_sha1", smp_sha1, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN, FRT },
	{ "ssl_f_der", smp_der, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN, FRT },
	{ "ssl_f_notbefore", smp_time, SMP_ARG0, NULL, SMP_T_STR, FE_CONN, FRT },
	{ "ssl_f_notafter", smp_time, SMP_ARG0, NULL, SMP_T_STR, FE_CONN, FRT_I },
	{ "ssl_f_version", smp_version, SMP_ARG0, NULL, SMP_T_SINT, FE_CONN, FRT },
	{ "ssl_c_key_alg", smp_key_alg, SMP_ARG0, NULL, SMP_T_STR, FE_CONN },
	{ "ssl_c_sig_alg", smp_sig_alg, SMP_ARG0, NULL, SMP_T_STR, FE_CONN },
	{ "ssl_f_key_alg", smp_key_alg, SMP_ARG0, NULL, SMP_T_STR, FE_CONN, FRT },
	{ "ssl_f_sig_alg", smp_sig_alg, SMP_ARG0, NULL, SMP_T_STR, FE_CONN, FRT },
	{ "ssl_s_der", smp_der, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN, SRV },
	{ "ssl_s_chain_der", smp_chain_der, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN, SRV },
	{ "ssl_s_key_alg", smp_key_alg, SMP_ARG0, NULL, SMP_T_STR, FE_CONN, SRV },
	{ "ssl_s_sig_alg", smp_sig_alg, SMP_ARG0, NULL, SMP_T_STR, FE_CONN, SRV },
	{ "ssl_s_notbefore", smp_time, SMP_ARG0, NULL, SMP_T_STR, FE_CONN, SRV },
	{ "ssl_s_notafter", smp_time, SMP_ARG0, NULL, SMP_T_STR, FE_CONN, SRV_I },
	{ "ssl_s_s_dn", smp_dn, SMP_ARG2(0, STR, SINT), NULL, SMP_T_STR, FE_CONN, SRV },
	{ "ssl_s_i_dn", smp_dn, SMP_ARG2(0, STR, SINT), NULL, SMP_T_STR, FE_CONN, SRV_I },
	{ "ssl_s_serial", smp_serial, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN, SRV },
	{ "ssl_s_sha1", smp_sha1, SMP_ARG0, NULL, SMP_T_BIN, FE_CONN, SRV },
	{ "ssl_s_version", smp_version, SMP_ARG0, NULL, SMP_T_SINT, FE_CONN, SRV },
	{ NULL, NULL, 0, NULL, 0, 0 },
} };

/* x509_v_err_str: the name of an OpenSSL verify code (ssl_c_verify...),
 * or the number itself, printed unsigned as HAProxy does.
 */
static int conv_x509_v_err_str(const struct sample_arg *args, struct sample *smp, void *private)
{
	const char *name = tls_verify_err_name(smp->data.u.sint);
	char *out;
	int n;

	if (name) {
		sample_set_str(smp, name, strlen(name));
		return 1;
	}
	out = sample_scratch();
	n = snprintf(out, SAMPLE_SCRATCH_SIZE, "%llu", (unsigned long long)smp->data.u.sint);
	sample_set_str(smp, out, (size_t)n);
	return 1;
}

static struct sample_conv_kw_list ssl_conv_list = { .kw = {
	{ "x509_v_err_str", conv_x509_v_err_str, SMP_ARG0, NULL, SMP_T_SINT, SMP_T_STR, NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void fetch_ssl_register(void)
{
	sample_register_fetches(&ssl_fetch_list);
	sample_register_convs(&ssl_conv_list);
}
