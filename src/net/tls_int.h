/*
 * TLS internals shared by tls.c (contexts) and xprt_tls.c (connections).
 * Not a public interface.
 */
#ifndef TOLLGATE_TLS_INT_H
#define TOLLGATE_TLS_INT_H

#include <openssl/ssl.h>

#include <tollgate/tls.h>

/* A certificate file's contents. */
struct pem {
	X509 *leaf;
	STACK_OF(X509) *chain;
	EVP_PKEY *key;
};

/* A name a bind serves. */
struct sni_entry {
	char *name;                    /* lower case; "*.example.com" for a wildcard, "*": a default */
	SSL_CTX *ctx;                  /* its context */
	SSL_CTX *alt;                  /* one with a certificate of the other key type, or NULL */
	unsigned char plain;           /* the context has the bind's options and no filters */
	unsigned char alt_ec;          /* <alt> is the ECDSA one (else <ctx> is) */
};

/* A crt-list line of a list (tls.h's tls_crtlist_line, chained). */
struct crtlist_entry {
	struct tls_crtlist_line ln;
	struct crtlist_entry *next;
};

/* A context of a bind. */
struct bind_ctx {
	SSL_CTX *ctx;
	struct crtlist_entry *ent;     /* crt-list line it was made for, or NULL (crt); its
	                                * options merged over the bind's: the context's ex_data */
};

/* A bind's contexts and names (tls.h). */
struct tls_bind {
	struct bind_ctx *ctxs;         /* one per certificate (key type pairs share one) */
	unsigned int nctx;
	struct sni_entry *sni;         /* sorted by name */
	unsigned int nsni;
	struct sni_entry *neg;         /* negative filters ("!name" of a line): name and context */
	unsigned int nneg;
	unsigned int flags;            /* TLS_O_* of the bind */
	struct tls_conf conf;          /* its options (a copy): contexts made at runtime use them */
	char *where;                   /* "file:line" of the bind */
	char *fe, *addr;               /* its frontend and address, for messages */
	char *def_file;                /* certificate file of the default context */
	struct tls_keys *keys;         /* tls-ticket-keys, or NULL */
};

/* Certificate files loaded by binds, for the admin socket (`show/set/commit
 * ssl cert`, crt-lists). Built at configuration time; changed by the CLI
 * thread under thread isolation only, read by it otherwise.
 */
struct cert_use {
	struct tls_bind *b;            /* a bind serving the file */
	SSL_CTX *ctx;                  /* the context holding it */
	struct crtlist_entry *ent;     /* the crt-list line it comes from, or NULL */
};

struct cert_file {
	char *path;                    /* as written (after crt-base) */
	struct pem cur;                /* what serves now */
	struct cert_use *uses;         /* where */
	unsigned int nuses;
	struct cert_file *next;
};

extern struct cert_file *tls_cert_files;  /* declaration order */
extern int tls_bind_ex_idx;                /* SSL_CTX ex_data: a crt-list line's merged options, or NULL */

/* The loaded file <path>, or NULL. */
struct cert_file *tls_cert_find(const char *path);

/* Adds certificate <file> to <b> (see tls.c). 0 or -1 with <err>. */
int tls_add_cert(struct tls_bind *b, const char *file, struct crtlist_entry *ent, struct tls_conf *own,
                 int mem, char *err, size_t errlen);

/* Indexes the names of <ctx> (its certificate <leaf>, or <ent>'s filters). */
int tls_ctx_index(struct tls_bind *b, SSL_CTX *ctx, const struct crtlist_entry *ent, X509 *leaf, int plain);

/* Drops the names pointing to <ctx>. */
void tls_names_drop(struct tls_bind *b, const SSL_CTX *ctx);

/* qsort() order of the names. */
int tls_sni_cmp(const void *a, const void *b);

/* PEM certificate files (tls.c): frees what <p> holds; reads a
 * certificate, its chain and its matching key from <bio> (<name> in
 * messages; 0 or -1 with the reason); takes a reference to what <src>
 * holds (0 or -1).
 */
void tls_pem_free(struct pem *p);
int tls_pem_read(struct pem *p, BIO *bio, const char *name, char *err, size_t errlen);
int tls_pem_dup(struct pem *dst, const struct pem *src);

/* Calls <fn> for each DNS name of <x> (its subjectAltNames, else its CN),
 * until it returns non-zero; returns that, or 0.
 */
int tls_cert_names(X509 *x, int (*fn)(void *arg, const char *name), void *arg);

/* The certificate transaction (tls_certs.c): the file being replaced (or
 * NULL) and its new certificate.
 */
extern struct cert_file *tls_txn_file;
extern struct pem tls_txn_pem;

/* The context entry of <ctx> in <b>, or NULL. */
struct bind_ctx *tls_bind_ctx_of(struct tls_bind *b, const SSL_CTX *ctx);

/* Rebuilds <old> of <b> from the files it serves (<txn>: with the
 * certificate transaction's new one). Isolated. 0 or -1.
 */
int tls_ctx_replace(struct tls_bind *b, SSL_CTX *old, int txn, char *err, size_t errlen);

struct tls_keys;

/* Verify callback of the bind contexts: records the first error of the
 * peer's certificate and of its chain on the connection, and lets the
 * errors of the bind's ca-ignore-err / crt-ignore-err pass (xprt_tls.c).
 */
int tls_verify_cb(int ok, X509_STORE_CTX *store);

/* The ClientHello of <ssl> was read (ClientHello callback, after the
 * context switch): notes whether OpenSSL will look its session id up in
 * the session cache, for SslCacheLookups (xprt_tls.c).
 */
void tls_conn_hello_seen(SSL *ssl);

/* The ticket keys of <file>, read at its first use (binds share them).
 * NULL with HAProxy's reason in <err>.
 */
struct tls_keys *tls_keys_load(const char *file, char *err, size_t errlen);

/* <ctx> encrypts and decrypts its tickets with <k>. */
void tls_keys_attach(SSL_CTX *ctx, struct tls_keys *k);

/* Whether a line of a crt-list names certificate file <path>. */
int tls_crtlist_names(const char *path);

/* Appends <file> to the crt-list of directory <dir> (created if new). 0
 * or -ENOMEM.
 */
int tls_crtlist_dir_add(const char *dir, const char *file);

/* Serves every line of crt-list <path> on <b> (tls_crtlist.c). 0 or -1. */
int tls_bind_add_crtlist(struct tls_bind *b, const char *path, char *err, size_t errlen);

/* The context new server-side connections of <b> start with. */
SSL_CTX *tls_bind_default_ctx(const struct tls_bind *b);

/* The client context of <s>, the session to offer on this thread (or NULL)
 * in *<sess>, its resolved TLS_VERIFY_* in *<verify> and its `verifyhost`
 * (or NULL) in *<host>.
 */
SSL_CTX *tls_srv_ctx(const struct tls_srv *s, SSL_SESSION **sess, int *verify, const char **host);

/* The options of server <s> (a copy) and its client context. */
const struct tls_conf *tls_srv_conf(const struct tls_srv *s);
SSL_CTX *tls_srv_ctx_of(const struct tls_srv *s);

/* CA and CRL files (tls_cafile.c). Gives <ctx> a verification store with
 * the ca-file and crl-file of <c> (read from the disk at their first use,
 * from memory afterwards) and, with <client_ca>, the CAs' names as the
 * list proposed to clients. 0, or -1 with the configuration's reason.
 */
int tls_ca_apply(SSL_CTX *ctx, const struct tls_conf *c, int client_ca, char *err, size_t errlen);

/* Binds and servers with TLS, for `commit ssl ca-file|crl-file` (start-up
 * and CLI thread). Track: 0 or -1 (memory).
 */
int tls_ca_track_bind(struct tls_bind *b);
void tls_ca_untrack_bind(struct tls_bind *b);
int tls_ca_track_srv(struct tls_srv *s);
void tls_ca_untrack_srv(struct tls_srv *s);

/* HAProxy's texts of `show ssl cert`: a DN as "/K=V", a time, and the
 * lines Serial to Issuer of certificate <x> appended to <out> at *<o>
 * (-1 once full).
 */
size_t tls_dn_text(X509_NAME *n, char *out, size_t len);
size_t tls_time_text(const ASN1_TIME *t, char *out, size_t len);
int tls_x509_text(X509 *x, char *out, size_t len, size_t *o);

/* OCSP stapling (tls_ocsp.c). Loads `<crt>.ocsp` for certificate <leaf>
 * (issuer in <chain> or `<crt>.issuer`), if the file exists; a response
 * that is not valid for it is ignored with a warning naming <where>. 0, or
 * -1 with HAProxy's reason in <err> (no issuer, unreadable file).
 * Configuration time only.
 */
int tls_ocsp_load(const char *crt, X509 *leaf, STACK_OF(X509) *chain, const char *where, char *err,
                  size_t errlen);

/* `set ssl cert <crt>.ocsp`: decodes the base64 payload <b64> into *<der>
 * (malloc'ed, *<len> bytes) and checks it is a valid response for <leaf>
 * (issuer in <chain> or `<crt>.issuer`). 0, or -1 with the reason in <err>.
 */
int tls_ocsp_txn_check(const char *crt, X509 *leaf, STACK_OF(X509) *chain, const char *b64, unsigned char **der,
                       size_t *len, char *err, size_t errlen);

/* `show ssl cert`: the OCSP certificate ID of <leaf> in hex into <out>,
 * computed (issuer in <chain> or `<crt>.issuer`) if <compute>, else the
 * one of the stapled response for it. Characters written; 0: none.
 */
size_t tls_ocsp_key_hex(const char *crt, X509 *leaf, STACK_OF(X509) *chain, int compute, char *out, size_t len);

/* `commit ssl cert`: staples <der> for <leaf> from now on (its entry,
 * created if none). Runs under thread isolation. 0 or -1 (<err>).
 */
int tls_ocsp_install(const char *crt, X509 *leaf, STACK_OF(X509) *chain, const unsigned char *der, size_t len,
                     char *err, size_t errlen);

/* Status request callback of the bind contexts: staples the response of
 * the certificate in use, if it has one.
 */
int tls_ocsp_status_cb(SSL *ssl, void *arg);

#endif /* TOLLGATE_TLS_INT_H */
