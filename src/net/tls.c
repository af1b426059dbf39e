/*
 * TLS contexts (OpenSSL 3). See tls.h.
 *
 * A bind gets one SSL_CTX per certificate (a certificate of another key
 * type for the same names joins the context of the first, so that OpenSSL
 * picks RSA or ECDSA by the client's signature algorithms), all with the
 * same options, and an index of names sorted for a binary search. The
 * server-name callback switches the connection to the context of the
 * name, exact first, then the wildcard of its parent domain; with no match
 * the default (first) certificate serves, or the handshake is refused with
 * strict-sni. Sessions: OpenSSL's own cache (internally locked) of the
 * default context, shared by every thread; tickets unless no-tls-tickets.
 *
 * A server gets one client SSL_CTX; the session of its last full handshake
 * is kept per thread (sessions[tid], touched by that thread only) and
 * offered by the next connection of that thread.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <tollgate/isolate.h>
#include <tollgate/thread.h>
#include <tollgate/tls.h>

#include "tls_int.h"

unsigned int tls_cachesize = 20000;






struct tls_srv {
	SSL_CTX *ctx;
	struct tls_conf conf;          /* its options (a copy): `commit ssl ca-file` finds its files there */
	int verify;                    /* TLS_VERIFY_* (resolved) */
	int reuse;                     /* keep and offer sessions */
	char *verify_host;             /* "verifyhost": the name checked when no SNI is sent, or NULL */
	unsigned char *check_alpn;     /* "check-alpn": what checks offer (wire format), or NULL: "alpn" */
	unsigned int check_alpn_len;
	SSL_SESSION *sessions[MAX_THREADS]; /* last session per thread */
};

static int srv_ex_idx = -1;        /* SSL_CTX ex_data: the struct tls_srv */


struct cert_file *tls_cert_files;      /* declaration order */

static void set_ssl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char reason[256];

	if (e)
		ERR_error_string_n(e, reason, sizeof(reason));
	else
		snprintf(reason, sizeof(reason), "unknown error");
	snprintf(err, errlen, "%s: %s", what, reason);
	ERR_clear_error();
}

int tls_parse_version(const char *name, int *ver)
{
	static const struct { const char *name; int ver; } v[] = {
		{ "SSLv3", SSL3_VERSION }, { "TLSv1.0", TLS1_VERSION }, { "TLSv1.1", TLS1_1_VERSION },
		{ "TLSv1.2", TLS1_2_VERSION }, { "TLSv1.3", TLS1_3_VERSION },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (!strcmp(name, v[i].name)) {
			*ver = v[i].ver;
			return 0;
		}
	}
	return -1;
}

/* Turns <list> into ALPN's wire format in *<dst> (replaced) and *<dlen>.
 * 0, or -1 with a reason in <err>.
 */
static int alpn_parse(const char *list, unsigned char **dst, unsigned int *dlen, char *err, size_t errlen)
{
	size_t len = strlen(list), o = 0;
	unsigned char *w = malloc(len + 1);
	const char *p = list;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 0 || n > 255) {
			free(w);
			snprintf(err, errlen, "invalid protocol list '%s' (empty or longer than 255 bytes)", list);
			return -1;
		}
		w[o++] = (unsigned char)n;
		memcpy(w + o, p, n);
		o += n;
		p += n;
		if (*p)
			p++;
	}
	if (!o) {
		free(w);
		snprintf(err, errlen, "empty protocol list");
		return -1;
	}
	free(*dst);
	*dst = w;
	*dlen = (unsigned int)o;
	return 0;
}

int tls_conf_set_alpn(struct tls_conf *c, const char *list, char *err, size_t errlen)
{
	return alpn_parse(list, &c->alpn, &c->alpn_len, err, errlen);
}

int tls_conf_set_check_alpn(struct tls_conf *c, const char *list, char *err, size_t errlen)
{
	return alpn_parse(list, &c->check_alpn, &c->check_alpn_len, err, errlen);
}

/* A copy of the <len> bytes of <src> in *<dst> (NULL for NULL). -1 if out
 * of memory.
 */
static int dup_bytes(unsigned char **dst, const unsigned char *src, unsigned int len)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = malloc(len);
	if (!*dst)
		return -1;
	memcpy(*dst, src, len);
	return 0;
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int tls_conf_dup(struct tls_conf *dst, const struct tls_conf *src)
{
	*dst = *src;
	dst->crt = NULL;
	dst->crt_list = NULL;
	dst->ncrt = 0;
	dst->alpn = NULL;
	dst->check_alpn = NULL;
	if (dup_str(&dst->ca_file, src->ca_file) || dup_str(&dst->crl_file, src->crl_file) ||
	    dup_str(&dst->ticket_keys, src->ticket_keys) ||
	    dup_str(&dst->ciphers, src->ciphers) ||
	    dup_str(&dst->ciphersuites, src->ciphersuites) || dup_str(&dst->curves, src->curves) ||
	    dup_str(&dst->verify_host, src->verify_host))
		goto fail;
	if (src->ncrt) {
		dst->crt = calloc(src->ncrt, sizeof(*dst->crt));
		if (!dst->crt)
			goto fail;
		if (src->crt_list) {
			dst->crt_list = malloc(src->ncrt);
			if (!dst->crt_list)
				goto fail;
			memcpy(dst->crt_list, src->crt_list, src->ncrt);
		}
		for (unsigned int i = 0; i < src->ncrt; i++) {
			if (dup_str(&dst->crt[i], src->crt[i]))
				goto fail;
			dst->ncrt = i + 1;
		}
	}
	if (dup_bytes(&dst->alpn, src->alpn, src->alpn_len) < 0 ||
	    dup_bytes(&dst->check_alpn, src->check_alpn, src->check_alpn_len) < 0)
		goto fail;
	return 0;
fail:
	tls_conf_clear(dst);
	return -ENOMEM;
}

void tls_conf_clear(struct tls_conf *c)
{
	for (unsigned int i = 0; i < c->ncrt; i++)
		free(c->crt[i]);
	free(c->crt);
	free(c->crt_list);
	free(c->ca_file);
	free(c->crl_file);
	free(c->ticket_keys);
	free(c->alpn);
	free(c->check_alpn);
	free(c->ciphers);
	free(c->ciphersuites);
	free(c->curves);
	free(c->verify_host);
	memset(c, 0, sizeof(*c));
}

/* Options common to both roles. Returns 0 or -1 (reason in <err>). */
static int ctx_common(SSL_CTX *ctx, const struct tls_conf *c, char *err, size_t errlen)
{
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF |
	                         SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	                         ((c->flags & TLS_O_NO_TICKETS) ? SSL_OP_NO_TICKET : 0));
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                      SSL_MODE_RELEASE_BUFFERS);
	if (!SSL_CTX_set_min_proto_version(ctx, c->min_ver ? c->min_ver : TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, c->max_ver)) {
		set_ssl_err(err, errlen, "cannot set the protocol versions");
		return -1;
	}
	if (c->ciphers && !SSL_CTX_set_cipher_list(ctx, c->ciphers)) {
		set_ssl_err(err, errlen, "invalid 'ciphers' list");
		return -1;
	}
	if (c->ciphersuites && !SSL_CTX_set_ciphersuites(ctx, c->ciphersuites)) {
		set_ssl_err(err, errlen, "invalid 'ciphersuites' list");
		return -1;
	}
	if (c->curves && !SSL_CTX_set1_groups_list(ctx, c->curves)) {
		set_ssl_err(err, errlen, "invalid 'curves' list");
		return -1;
	}
	SSL_CTX_set_dh_auto(ctx, 1);
	return 0;
}

/* ---- certificates ---- */

void tls_pem_free(struct pem *p)
{
	X509_free(p->leaf);
	sk_X509_pop_free(p->chain, X509_free);
	EVP_PKEY_free(p->key);
	memset(p, 0, sizeof(*p));
}

/* Reads a certificate, its chain and its key from <bio> (<name> in
 * messages), checks the key matches. Returns 0 or -1 (reason in <err>).
 */
int tls_pem_read(struct pem *p, BIO *bio, const char *name, char *err, size_t errlen)
{
	X509 *x;

	memset(p, 0, sizeof(*p));
	p->leaf = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
	if (!p->leaf) {
		snprintf(err, errlen, "no certificate found in '%s'", name);
		ERR_clear_error();
		return -1;
	}
	p->chain = sk_X509_new_null();
	while (p->chain && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
		sk_X509_push(p->chain, x);
	ERR_clear_error();
	/* the key may be anywhere in the file */
	BIO_reset(bio);
	p->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	ERR_clear_error();
	if (!p->key) {
		snprintf(err, errlen, "no private key found in '%s'", name);
		goto fail;
	}
	if (!X509_check_private_key(p->leaf, p->key)) {
		snprintf(err, errlen, "the private key in '%s' does not match its certificate", name);
		ERR_clear_error();
		goto fail;
	}
	return 0;
fail:
	tls_pem_free(p);
	return -1;
}

/* Loads a PEM file (see tls_pem_read()). */
static int pem_load(struct pem *p, const char *file, char *err, size_t errlen)
{
	BIO *bio = BIO_new_file(file, "r");
	int ret;

	memset(p, 0, sizeof(*p));
	if (!bio) {
		snprintf(err, errlen, "cannot open certificate file '%s': %s", file, strerror(errno));
		ERR_clear_error();
		return -1;
	}
	ret = tls_pem_read(p, bio, file, err, errlen);
	BIO_free(bio);
	return ret;
}

/* Calls <fn> for each DNS name of <x> (SANs, else the CN). */
int tls_cert_names(X509 *x, int (*fn)(void *arg, const char *name), void *arg)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int found = 0, ret = 0;

	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && !ret; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		unsigned char *s;

		if (g->type != GEN_DNS || ASN1_STRING_to_UTF8(&s, g->d.dNSName) < 0)
			continue;
		ret = fn(arg, (const char *)s);
		OPENSSL_free(s);
		found = 1;
	}
	GENERAL_NAMES_free(sans);
	if (!found && !ret) {
		X509_NAME *n = X509_get_subject_name(x);
		int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
		unsigned char *s;

		if (i >= 0 && ASN1_STRING_to_UTF8(&s, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i))) >= 0) {
			ret = fn(arg, (const char *)s);
			OPENSSL_free(s);
		}
	}
	return ret;
}

struct name_add {
	struct tls_bind *b;
	SSL_CTX *ctx;
	int plain;                     /* sni_entry.plain */
};

static struct sni_entry *sni_find(const struct tls_bind *b, const char *name)
{
	size_t lo = 0, hi = b->nsni;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, b->sni[mid].name);

		if (!c)
			return &b->sni[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int tls_sni_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sni_entry *)a)->name, ((const struct sni_entry *)b)->name);
}

/* Adds <name> for na->ctx unless an earlier certificate has it (the first
 * one wins, as in HAProxy).
 */
/* Whether the certificate of <ctx> has an EC key (else RSA, or other). */
static int ctx_is_ec(SSL_CTX *ctx)
{
	X509 *x;

	SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST);
	x = SSL_CTX_get0_certificate(ctx);
	return x && EVP_PKEY_get_base_id(X509_get0_pubkey(x)) == EVP_PKEY_EC;
}

static int name_add(void *arg, const char *name)
{
	struct name_add *na = arg;
	struct tls_bind *b = na->b;
	struct sni_entry *e;
	char *lc = strdup(name);

	if (!lc)
		return -ENOMEM;
	for (char *p = lc; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (unsigned int i = 0; i < b->nsni; i++) {
		if (!strcmp(b->sni[i].name, lc)) {
			/* the first of each key type wins: the client's
			 * signature algorithms choose between them
			 */
			int ec = ctx_is_ec(na->ctx);

			if (!b->sni[i].alt && b->sni[i].ctx != na->ctx && ec != ctx_is_ec(b->sni[i].ctx)) {
				b->sni[i].alt = na->ctx;
				b->sni[i].alt_ec = (unsigned char)ec;
			}
			free(lc);
			return 0;
		}
	}
	e = realloc(b->sni, (b->nsni + 1) * sizeof(*e));
	if (!e) {
		free(lc);
		return -ENOMEM;
	}
	b->sni = e;
	e[b->nsni].name = lc;
	e[b->nsni].ctx = na->ctx;
	e[b->nsni].alt = NULL;
	e[b->nsni].alt_ec = 0;
	e[b->nsni].plain = (unsigned char)na->plain;
	b->nsni++;
	return 0;
}

/* Adds the negative filter <name> ("!name" on a crt-list line) of <ctx>. */
static int neg_add(struct tls_bind *b, const char *name, SSL_CTX *ctx)
{
	struct sni_entry *e = realloc(b->neg, (b->nneg + 1) * sizeof(*e));

	if (!e)
		return -ENOMEM;
	b->neg = e;
	if (!(e[b->nneg].name = strdup(name)))
		return -ENOMEM;
	for (char *p = e[b->nneg].name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	e[b->nneg].ctx = ctx;
	e[b->nneg].plain = 0;
	b->nneg++;
	return 0;
}

/* Whether <name> is a negative filter of <ctx>. A few per bind: a scan. */
static int neg_has(const struct tls_bind *b, const char *name, const SSL_CTX *ctx)
{
	for (unsigned int i = 0; i < b->nneg; i++)
		if (b->neg[i].ctx == ctx && !strcmp(b->neg[i].name, name))
			return 1;
	return 0;
}

/* Drops the names (positive and negative) that point to <ctx>. */
void tls_names_drop(struct tls_bind *b, const SSL_CTX *ctx)
{
	unsigned int w = 0;

	for (unsigned int r = 0; r < b->nsni; r++) {
		struct sni_entry *e = &b->sni[r];

		if (e->alt == ctx)
			e->alt = NULL;
		if (e->ctx == ctx && e->alt) {
			/* the other key type stays alone */
			e->ctx = e->alt;
			e->alt = NULL;
		}
		if (e->ctx == ctx)
			free(e->name);
		else
			b->sni[w++] = *e;
	}
	b->nsni = w;
	w = 0;
	for (unsigned int r = 0; r < b->nneg; r++) {
		if (b->neg[r].ctx == ctx)
			free(b->neg[r].name);
		else
			b->neg[w++] = b->neg[r];
	}
	b->nneg = w;
}

/* Points the names of <old> to <ctx>. */
static void names_move(struct tls_bind *b, const SSL_CTX *old, SSL_CTX *ctx)
{
	for (unsigned int i = 0; i < b->nsni; i++) {
		if (b->sni[i].ctx == old)
			b->sni[i].ctx = ctx;
		if (b->sni[i].alt == old)
			b->sni[i].alt = ctx;
	}
	for (unsigned int i = 0; i < b->nneg; i++)
		if (b->neg[i].ctx == old)
			b->neg[i].ctx = ctx;
}

/* Indexes the names <ctx> serves: those of its certificate <leaf>, or the
 * filters of its crt-list line <ent> ("!name": a negative filter, "!*..."
 * ignored as in HAProxy; "*": a default).
 */
int tls_ctx_index(struct tls_bind *b, SSL_CTX *ctx, const struct crtlist_entry *ent, X509 *leaf, int plain)
{
	struct name_add na = { b, ctx, plain };

	if (!ent || !ent->ln.nfilters)
		return tls_cert_names(leaf, name_add, &na);
	for (unsigned int i = 0; i < ent->ln.nfilters; i++) {
		const char *f = ent->ln.filters[i];
		int r = f[0] != '!' ? name_add(&na, f) : f[1] && f[1] != '*' ? neg_add(b, f + 1, ctx) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}

/* Finds the context already holding names of <x> with a certificate of
 * another key type, or NULL.
 */
struct pair_find {
	struct tls_bind *b;
	SSL_CTX *found;
};

static int pair_name(void *arg, const char *name)
{
	struct pair_find *pf = arg;

	for (unsigned int i = 0; i < pf->b->nsni; i++) {
		if (!strcasecmp(pf->b->sni[i].name, name)) {
			pf->found = pf->b->sni[i].plain ? pf->b->sni[i].ctx : NULL;
			return 1;
		}
	}
	return 0;
}

int tls_bind_ex_idx = -1;       /* SSL_CTX ex_data: a crt-list line's merged options, or NULL */

/* The context serving <lc> (lower case) on <b>: the exact name, else the
 * wildcard of its parent domain unless a negative filter of that context
 * names it. NULL if none.
 */
static struct sni_entry *sni_lookup(const struct tls_bind *b, const char *lc, size_t n)
{
	struct sni_entry *e = sni_find(b, lc);
	const char *dot = memchr(lc, '.', n);
	char wc[256];

	if (e || !dot || dot == lc)
		return e;
	wc[0] = '*';
	memcpy(wc + 1, dot, n - (size_t)(dot - lc) + 1);
	e = sni_find(b, wc);
	return e && b->nneg && (neg_has(b, lc, e->ctx) || (e->alt && neg_has(b, lc, e->alt))) ? NULL : e;
}

/* Whether the client offers ECDSA signatures (TLS 1.2 and 1.3 code points
 * end in 0x03), to choose between an RSA and an ECDSA certificate.
 */
static int client_ecdsa(SSL *ssl)
{
	const unsigned char *p;
	size_t len;

	if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_signature_algorithms, &p, &len) || len < 2)
		return 0;
	for (size_t i = 2; i + 1 < len; i += 2)
		if (p[i + 1] == 0x03)
			return 1;
	return 0;
}

/* A connection moves to <ctx>: OpenSSL takes its certificates, not the
 * options the SSL object copied from the first context. Where either
 * context comes from a crt-list line with options, they are set again
 * (versions, ciphers, groups, client verification), as HAProxy does.
 */
static void switch_ctx(SSL *ssl, const struct tls_bind *b, SSL_CTX *ctx)
{
	const struct tls_conf *to = SSL_CTX_get_ex_data(ctx, tls_bind_ex_idx);
	int any = to || SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_bind_ex_idx);

	SSL_set_SSL_CTX(ssl, ctx);
	if (!any)
		return;
	if (!to)
		to = &b->conf;
	SSL_set_min_proto_version(ssl, to->min_ver ? to->min_ver : TLS1_2_VERSION);
	SSL_set_max_proto_version(ssl, to->max_ver);
	SSL_set_cipher_list(ssl, to->ciphers ? to->ciphers : OSSL_default_cipher_list());
	SSL_set_ciphersuites(ssl, to->ciphersuites ? to->ciphersuites : OSSL_default_ciphersuites());
	if (to->curves)
		SSL_set1_groups_list(ssl, to->curves);
	SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx), tls_verify_cb);
	SSL_set_client_CA_list(ssl, SSL_dup_CA_list(SSL_CTX_get_client_CA_list(ctx)));
	ERR_clear_error();
}

/* SNI: chooses the context from the ClientHello, before the version and
 * the cipher are negotiated (so that a crt-list line's options apply).
 */
static int client_hello_cb(SSL *ssl, int *alert, void *arg)
{
	struct tls_bind *b = arg;
	const unsigned char *p;
	struct sni_entry *e = NULL;
	size_t len, n = 0;
	SSL_CTX *ctx;
	char lc[256];

	/* server_name: list length (2), type (1), name length (2), name */
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) && len > 5 &&
	    p[2] == TLSEXT_NAMETYPE_host_name) {
		n = ((size_t)p[3] << 8) | p[4];
		if (n + 5 > len || n >= sizeof(lc))
			n = 0;
		for (size_t i = 0; i < n; i++)
			lc[i] = (char)tolower(p[5 + i]);
		lc[n] = 0;
		if (n)
			e = sni_lookup(b, lc, n);
	}
	if (!e) {
		if (b->flags & TLS_O_STRICT_SNI) {
			*alert = SSL_AD_UNRECOGNIZED_NAME;
			return SSL_CLIENT_HELLO_ERROR;
		}
		e = b->nsni ? sni_find(b, "*") : NULL;   /* a crt-list's default, else the first */
		if (!e) {
			tls_conn_hello_seen(ssl);
			return SSL_CLIENT_HELLO_SUCCESS;
		}
	}
	ctx = e->ctx;
	if (e->alt && client_ecdsa(ssl) == e->alt_ec)
		ctx = e->alt;
	if (ctx != SSL_get_SSL_CTX(ssl))
		switch_ctx(ssl, b, ctx);
	tls_conn_hello_seen(ssl);
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* The name was chosen by client_hello_cb: acknowledge it (OpenSSL then
 * keeps it in the session, for ssl_fc_sni after a TLS 1.2 resumption).
 */
static int servername_cb(SSL *ssl, int *alert, void *arg)
{
	return SSL_TLSEXT_ERR_OK;
}

static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                   unsigned int inlen, void *arg)
{
	const struct tls_conf *c = arg;

	if (SSL_select_next_proto((unsigned char **)out, outlen, c->alpn, c->alpn_len, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	return SSL_TLSEXT_ERR_OK;
}

/* ex_data free: a context owns the merged options of its crt-list line */
static void conf_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	if (ptr) {
		tls_conf_clear(ptr);
		free(ptr);
	}
}

/* A context of <b> with the options of <own> (a crt-list line's, merged
 * over the bind's: taken, freed with the context, even on failure) or of
 * the bind (<own> NULL).
 */
static SSL_CTX *bind_ctx_new(struct tls_bind *b, struct tls_conf *own, char *err, size_t errlen)
{
	static const unsigned char sid_ctx[] = "haproxy";   /* HAProxy's: a shared ticket key file resumes across both */
	const struct tls_conf *c = own ? own : &b->conf;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (tls_bind_ex_idx < 0)
		tls_bind_ex_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, conf_ex_free);
	if (!ctx) {
		conf_ex_free(NULL, own, NULL, 0, 0, NULL);
		set_ssl_err(err, errlen, "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_ex_data(ctx, tls_bind_ex_idx, own);
	if (ctx_common(ctx, c, err, errlen) < 0)
		goto fail;
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_sess_set_cache_size(ctx, tls_cachesize);
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	SSL_CTX_set_tlsext_status_cb(ctx, tls_ocsp_status_cb);   /* staples <crt>.ocsp, if any */
	if (c->verify == TLS_VERIFY_OPTIONAL || c->verify == TLS_VERIFY_REQUIRED) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		                   (c->verify == TLS_VERIFY_REQUIRED ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), tls_verify_cb);
	}
	/* the CAs are also the names proposed to the client (verify on) */
	if (tls_ca_apply(ctx, c, c->verify == TLS_VERIFY_OPTIONAL || c->verify == TLS_VERIFY_REQUIRED, err, errlen) < 0)
		goto fail;
	if (b->keys)
		tls_keys_attach(ctx, b->keys);
	SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, b);
	SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
	if (c->alpn)
		SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, (void *)c);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* Records that <b> serves <file> from <ctx> (for crt-list line <ent>, or
 * NULL); takes <p> (zeroed) for the file's first use. 0 or -1.
 */
static int cert_register(const char *file, struct pem *p, struct tls_bind *b, SSL_CTX *ctx,
                         struct crtlist_entry *ent, char *err, size_t errlen)
{
	struct cert_file *f, **last = &tls_cert_files;
	struct cert_use *u;

	for (f = tls_cert_files; f; last = &f->next, f = f->next)
		if (!strcmp(f->path, file))
			break;
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f || !(f->path = strdup(file))) {
			free(f);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		f->cur = *p;
		memset(p, 0, sizeof(*p));
		*last = f;
	}
	u = realloc(f->uses, (f->nuses + 1) * sizeof(*u));
	if (!u) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->uses = u;
	u[f->nuses].b = b;
	u[f->nuses].ctx = ctx;
	u[f->nuses].ent = ent;
	f->nuses++;
	return 0;
}

/* A reference to what file <f> serves now. */
int tls_pem_dup(struct pem *dst, const struct pem *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!src->leaf || !X509_up_ref(src->leaf))
		return -1;
	dst->leaf = src->leaf;
	if (!EVP_PKEY_up_ref(src->key)) {
		tls_pem_free(dst);
		return -1;
	}
	dst->key = src->key;
	if (src->chain && !(dst->chain = X509_chain_up_ref(src->chain))) {
		tls_pem_free(dst);
		return -1;
	}
	return 0;
}

/* Adds certificate <file> to <b>: into a plain context of another key
 * type serving the same names (an RSA/ECDSA pair), or in a context of its
 * own with the options <own> (a crt-list line's merged over the bind's,
 * taken; NULL: the bind's), named by the certificate or by the filters of
 * crt-list line <ent>. With <mem> the file must be loaded already (the
 * admin socket adds only certificates in memory). 0 or -1.
 */
int tls_add_cert(struct tls_bind *b, const char *file, struct crtlist_entry *ent, struct tls_conf *own,
                    int mem, char *err, size_t errlen)
{
	const struct cert_file *known = tls_cert_find(file);
	int plain = !own && (!ent || !ent->ln.nfilters);
	struct pair_find pf = { b, NULL };
	struct bind_ctx *ctxs;
	struct pem p;
	SSL_CTX *ctx;
	int ret = -1;

	if (known) {
		if (tls_pem_dup(&p, &known->cur) < 0) {
			conf_ex_free(NULL, own, NULL, 0, 0, NULL);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	} else if (mem || pem_load(&p, file, err, errlen) < 0) {
		if (mem)
			snprintf(err, errlen, "certificate '%s' does not exist!", file);
		conf_ex_free(NULL, own, NULL, 0, 0, NULL);
		return -1;
	}
	if (!known && !mem && tls_ocsp_load(file, p.leaf, p.chain, b->where, err, errlen) < 0) {
		conf_ex_free(NULL, own, NULL, 0, 0, NULL);
		tls_pem_free(&p);
		return -1;
	}
	/* another key type for names already served: the same context */
	if (plain)
		tls_cert_names(p.leaf, pair_name, &pf);
	if (pf.found) {
		X509 *cur;

		SSL_CTX_set_current_cert(pf.found, SSL_CERT_SET_FIRST);
		cur = SSL_CTX_get0_certificate(pf.found);
		if (cur && EVP_PKEY_get_base_id(X509_get0_pubkey(cur)) != EVP_PKEY_get_base_id(p.key)) {
			if (!SSL_CTX_use_cert_and_key(pf.found, p.leaf, p.key, p.chain, 1)) {
				char what[512];

				snprintf(what, sizeof(what), "cannot use certificate '%s'", file);
				set_ssl_err(err, errlen, what);
				goto out;
			}
			ret = cert_register(file, &p, b, pf.found, ent, err, errlen);
			goto out;
		}
	}
	ctx = bind_ctx_new(b, own, err, errlen);
	if (!ctx)
		goto out;
	if (!SSL_CTX_use_cert_and_key(ctx, p.leaf, p.key, p.chain, 1)) {
		char what[512];

		snprintf(what, sizeof(what), "cannot use certificate '%s'", file);
		set_ssl_err(err, errlen, what);
		SSL_CTX_free(ctx);
		goto out;
	}
	ctxs = realloc(b->ctxs, (b->nctx + 1) * sizeof(*ctxs));
	if (!ctxs || (!b->nctx && !(b->def_file = strdup(file)))) {
		if (ctxs)
			b->ctxs = ctxs;
		SSL_CTX_free(ctx);
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	b->ctxs = ctxs;
	b->ctxs[b->nctx].ctx = ctx;
	b->ctxs[b->nctx].ent = ent;
	b->nctx++;
	if (tls_ctx_index(b, ctx, ent, p.leaf, plain) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ret = cert_register(file, &p, b, ctx, ent, err, errlen);
out:
	tls_pem_free(&p);
	return ret;
}

static int skip_file(const char *name)
{
	static const char *const ext[] = { ".key", ".ocsp", ".issuer", ".sctl", ".crt-list" };
	size_t n = strlen(name);

	if (name[0] == '.')
		return 1;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);

		if (n > e && !strcmp(name + n - e, ext[i]))
			return 1;
	}
	return 0;
}

/* A file, or a directory: read once into a crt-list named after it (no
 * trailing '/'), one line per file in name order, as HAProxy lists them.
 */
static int add_cert_path(struct tls_bind *b, const char *path, char *err, size_t errlen)
{
	struct dirent **list;
	size_t dl = strlen(path);
	int n, ret = 0, added = 0;
	char dir[4096];

	while (dl > 1 && path[dl - 1] == '/')
		dl--;
	snprintf(dir, sizeof(dir), "%.*s", (int)dl, path);
	if (tls_crtlist_known(dir))
		return tls_bind_add_crtlist(b, dir, err, errlen);
	n = scandir(dir, &list, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOTDIR)
			return tls_add_cert(b, path, NULL, NULL, 0, err, errlen);
		snprintf(err, errlen, "cannot open certificate file or directory '%s': %s", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char file[4096 + 256];

		if (!ret && !skip_file(list[i]->d_name) &&
		    (list[i]->d_type == DT_REG || list[i]->d_type == DT_LNK || list[i]->d_type == DT_UNKNOWN)) {
			snprintf(file, sizeof(file), "%s/%s", dir, list[i]->d_name);
			if (tls_crtlist_dir_add(dir, file) < 0) {
				snprintf(err, errlen, "out of memory");
				ret = -1;
			}
			added++;
		}
		free(list[i]);
	}
	free(list);
	if (!ret && !added) {
		snprintf(err, errlen, "no certificate in directory '%s'", path);
		return -1;
	}
	return ret < 0 ? ret : tls_bind_add_crtlist(b, dir, err, errlen);
}

struct tls_bind *tls_bind_build(const struct tls_conf *c, const char *fe, const char *addr, const char *file,
                                int line, char *err, size_t errlen)
{
	struct tls_bind *b = calloc(1, sizeof(*b));
	char where[4200];

	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->flags = c->flags;
	snprintf(where, sizeof(where), "%s:%d", file ? file : "?", line);
	if (tls_conf_dup(&b->conf, c) < 0 || !(b->where = strdup(where)) || !(b->fe = strdup(fe ? fe : "")) ||
	    !(b->addr = strdup(addr ? addr : "")))
		goto oom;
	if (!c->ncrt) {
		snprintf(err, errlen, "'ssl' needs at least one certificate ('crt')");
		goto fail;
	}
	if (c->verify == TLS_VERIFY_REQUIRED && !c->ca_file) {
		snprintf(err, errlen, "'verify required' needs a 'ca-file' to verify client certificates");
		goto fail;
	}
	if (tls_ca_track_bind(b) < 0)
		goto oom;
	if (c->ticket_keys && !(c->flags & TLS_O_NO_TICKETS) && !(b->keys = tls_keys_load(c->ticket_keys, err, errlen)))
		goto fail;
	for (unsigned int i = 0; i < c->ncrt; i++) {
		int r = c->crt_list && c->crt_list[i] ? tls_bind_add_crtlist(b, c->crt[i], err, errlen) :
		        add_cert_path(b, c->crt[i], err, errlen);

		if (r < 0)
			goto fail;
	}
	if (!b->nctx) {
		snprintf(err, errlen, "no certificate: the crt-list is empty");
		goto fail;
	}
	qsort(b->sni, b->nsni, sizeof(*b->sni), tls_sni_cmp);
	return b;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	tls_bind_free(b);
	return NULL;
}

void tls_bind_free(struct tls_bind *b)
{
	if (!b)
		return;
	tls_ca_untrack_bind(b);
	for (unsigned int i = 0; i < b->nctx; i++)
		SSL_CTX_free(b->ctxs[i].ctx);
	for (unsigned int i = 0; i < b->nsni; i++)
		free(b->sni[i].name);
	for (unsigned int i = 0; i < b->nneg; i++)
		free(b->neg[i].name);
	free(b->ctxs);
	free(b->sni);
	free(b->neg);
	free(b->where);
	free(b->fe);
	free(b->addr);
	free(b->def_file);
	tls_conf_clear(&b->conf);
	free(b);
}

/* ---- servers ---- */

/* A new session from a full handshake: kept for this thread's next
 * connection to the same server.
 */
static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_srv *s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), srv_ex_idx);

	if (!s || !s->reuse || tid < 0 || tid >= MAX_THREADS)
		return 0;
	SSL_SESSION_free(s->sessions[tid]);
	s->sessions[tid] = sess;
	return 1;   /* we hold the reference */
}

struct tls_srv *tls_srv_build(const struct tls_conf *c, char *err, size_t errlen)
{
	struct tls_srv *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (srv_ex_idx < 0)
		srv_ex_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (tls_conf_dup(&s->conf, c) < 0 || tls_ca_track_srv(s) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	s->verify = c->verify == TLS_VERIFY_DEFAULT ? TLS_VERIFY_REQUIRED : c->verify;
	s->reuse = !(c->flags & TLS_O_NO_REUSE);
	s->check_alpn_len = c->check_alpn_len;
	if ((c->verify_host && !(s->verify_host = strdup(c->verify_host))) ||
	    dup_bytes(&s->check_alpn, c->check_alpn, c->check_alpn_len) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (s->verify == TLS_VERIFY_REQUIRED && !c->ca_file) {
		snprintf(err, errlen, "verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default");
		goto fail;
	}
	s->ctx = SSL_CTX_new(TLS_client_method());
	if (!s->ctx) {
		set_ssl_err(err, errlen, "cannot create a TLS context");
		goto fail;
	}
	if (ctx_common(s->ctx, c, err, errlen) < 0 || tls_ca_apply(s->ctx, c, 0, err, errlen) < 0)
		goto fail;
	SSL_CTX_set_verify(s->ctx, s->verify == TLS_VERIFY_REQUIRED ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	if (c->ncrt) {
		struct pem p;

		if (pem_load(&p, c->crt[0], err, errlen) < 0)
			goto fail;
		if (!SSL_CTX_use_cert_and_key(s->ctx, p.leaf, p.key, p.chain, 1)) {
			tls_pem_free(&p);
			set_ssl_err(err, errlen, "cannot use the client certificate");
			goto fail;
		}
		tls_pem_free(&p);
	}
	if (c->alpn && SSL_CTX_set_alpn_protos(s->ctx, c->alpn, c->alpn_len)) {
		set_ssl_err(err, errlen, "cannot set 'alpn'");
		goto fail;
	}
	SSL_CTX_set_ex_data(s->ctx, srv_ex_idx, s);
	if (s->reuse) {
		SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(s->ctx, new_session_cb);
	}
	return s;
fail:
	tls_srv_free(s);
	return NULL;
}

void tls_srv_free(struct tls_srv *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_THREADS; i++)
		SSL_SESSION_free(s->sessions[i]);
	SSL_CTX_free(s->ctx);
	tls_ca_untrack_srv(s);
	tls_conf_clear(&s->conf);
	free(s->verify_host);
	free(s->check_alpn);
	free(s);
}

void *tls_conn_connect_check(struct tls_srv *s, int fd, const char *sni)
{
	void *c = tls_conn_connect(s, fd, sni);

	if (c && s->check_alpn && SSL_set_alpn_protos(tls_conn_ssl(c), s->check_alpn, s->check_alpn_len)) {
		tls_conn_free(c);
		return NULL;
	}
	return c;
}

SSL_CTX *tls_bind_default_ctx(const struct tls_bind *b)
{
	return b->ctxs[0].ctx;
}

const struct tls_conf *tls_srv_conf(const struct tls_srv *s)
{
	return &s->conf;
}

SSL_CTX *tls_srv_ctx_of(const struct tls_srv *s)
{
	return s->ctx;
}

SSL_CTX *tls_srv_ctx(const struct tls_srv *s, SSL_SESSION **sess, int *verify, const char **host)
{
	*sess = s->reuse && tid >= 0 && tid < MAX_THREADS ? s->sessions[tid] : NULL;
	*verify = s->verify;
	*host = s->verify_host;
	return s->ctx;
}

const char *tls_library_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

const char *tls_library_version_number(void)
{
	return OpenSSL_version(OPENSSL_VERSION_STRING);
}

struct bind_ctx *tls_bind_ctx_of(struct tls_bind *b, const SSL_CTX *ctx)
{
	for (unsigned int i = 0; i < b->nctx; i++)
		if (b->ctxs[i].ctx == ctx)
			return &b->ctxs[i];
	return NULL;
}

/* A new context of bind <b> replacing <old>, with its options: every file
 * <old> served, the transaction's certificate for the transaction's file
 * if <txn>. Its SNI names replace <old>'s (a crt-list line's filters stay).
 * Runs isolated. 0 or -1 (<old> then stays).
 */
int tls_ctx_replace(struct tls_bind *b, SSL_CTX *old, int txn, char *err, size_t errlen)
{
	struct bind_ctx *bc = tls_bind_ctx_of(b, old);
	const struct tls_conf *oc = SSL_CTX_get_ex_data(old, tls_bind_ex_idx);
	int filtered = bc && bc->ent && bc->ent->ln.nfilters;
	struct tls_conf *own = NULL;
	struct name_add na = { b, NULL, !oc && !filtered };
	struct cert_file *g;
	SSL_CTX *ctx;

	if (!bc) {
		snprintf(err, errlen, "internal error: context not found");
		return -1;
	}
	if (oc && (!(own = calloc(1, sizeof(*own))) || tls_conf_dup(own, oc) < 0)) {
		free(own);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ctx = na.ctx = bind_ctx_new(b, own, err, errlen);
	if (!ctx)
		return -1;
	for (g = tls_cert_files; g; g = g->next) {
		for (unsigned int i = 0; i < g->nuses; i++) {
			const struct pem *p = txn && g == tls_txn_file ? &tls_txn_pem : &g->cur;

			if (g->uses[i].b != b || g->uses[i].ctx != old)
				continue;
			if (!SSL_CTX_use_cert_and_key(ctx, p->leaf, p->key, p->chain, 1)) {
				set_ssl_err(err, errlen, "cannot use the new certificate");
				SSL_CTX_free(ctx);
				return -1;
			}
		}
	}
	/* the names: those of the other contexts stay, this one's are redone */
	if (filtered)
		names_move(b, old, ctx);
	else
		tls_names_drop(b, old);
	for (g = tls_cert_files; g; g = g->next)
		for (unsigned int i = 0; i < g->nuses; i++)
			if (g->uses[i].b == b && g->uses[i].ctx == old) {
				if (!filtered)
					tls_cert_names(txn && g == tls_txn_file ? tls_txn_pem.leaf : g->cur.leaf, name_add, &na);
				g->uses[i].ctx = ctx;
			}
	qsort(b->sni, b->nsni, sizeof(*b->sni), tls_sni_cmp);
	bc->ctx = ctx;
	/* connections using <old> hold their own reference to it */
	SSL_CTX_free(old);
	return 0;
}
