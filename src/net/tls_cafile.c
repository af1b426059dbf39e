/*
 * CA files and CRL files (`ca-file`, `crl-file`), kept in memory so that
 * the admin socket can show and replace them (see tls.h, `show/set/commit
 * ssl ca-file|crl-file`).
 *
 * A file is read once, at its first use by a bind, a crt-list line or a
 * server; every context using it gets a verification store built from the
 * copy in memory, never from the disk again. A commit replaces the copy
 * and then rebuilds what uses it, under thread isolation as `commit ssl
 * cert` does: each bind context through tls_ctx_replace() (the same
 * rebuild as a certificate commit: new handshakes use the new context,
 * connections already up keep theirs), each server context by swapping
 * its store.
 *
 * Threading: the registry, the transactions and the lists of binds and
 * servers belong to the start-up thread, then to the CLI thread; workers
 * only read the stores OpenSSL holds in their contexts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <tollgate/compiler.h>
#include <tollgate/isolate.h>
#include <tollgate/tls.h>

#include "tls_int.h"

struct ca_file {
	char *path;                    /* as written in the configuration, or given to `new ssl` */
	int crl;                       /* a crl-file, else a ca-file */
	int empty;                     /* `new ssl ...-file`: nothing set yet */
	STACK_OF(X509) *certs;         /* ca-file: its certificates */
	STACK_OF(X509_CRL) *crls;      /* crl-file: its lists */
	struct ca_file *next;
};

static struct ca_file *ca_files;           /* declaration order */

/* The ongoing transaction of each kind ([0] ca-file, [1] crl-file): the
 * file it replaces and the new contents (in a struct ca_file of its own).
 */
static struct ca_file *txn_of[2];
static struct ca_file txn_new[2];

static struct tls_bind **binds;            /* every bind with TLS (tls_bind_build()) */
static unsigned int nbinds;
static struct tls_srv **srvs;              /* every server with TLS */
static unsigned int nsrvs;

static void contents_free(struct ca_file *f)
{
	sk_X509_pop_free(f->certs, X509_free);
	sk_X509_CRL_pop_free(f->crls, X509_CRL_free);
	f->certs = NULL;
	f->crls = NULL;
}

/* Reads every certificate (ca-file) or CRL (crl-file) of <bio> into <f>.
 * Returns how many, 0 if none (then <f> holds nothing), -1 on memory
 * shortage.
 */
static int contents_read(struct ca_file *f, BIO *bio)
{
	int n = 0;

	if (f->crl) {
		X509_CRL *crl;

		if (!(f->crls = sk_X509_CRL_new_null()))
			return -1;
		while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) && sk_X509_CRL_push(f->crls, crl) > 0)
			n++;
	} else {
		X509 *x;

		if (!(f->certs = sk_X509_new_null()))
			return -1;
		while ((x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL)) && sk_X509_push(f->certs, x) > 0)
			n++;
	}
	ERR_clear_error();
	if (!n)
		contents_free(f);
	return n;
}

static struct ca_file *ca_find(const char *path, int crl)
{
	struct ca_file *f;

	for (f = ca_files; f && (f->crl != crl || strcmp(f->path, path)); f = f->next)
		;
	return f;
}

static struct ca_file *ca_append(const char *path, int crl)
{
	struct ca_file *f = calloc(1, sizeof(*f)), **last = &ca_files;

	if (!f || !(f->path = strdup(path))) {
		free(f);
		return NULL;
	}
	f->crl = crl;
	while (*last)
		last = &(*last)->next;
	*last = f;
	return f;
}

/* The file <path> of kind <crl>, read from the disk at its first use.
 * NULL with the configuration's reason in <err>.
 */
static struct ca_file *ca_get(const char *path, int crl, char *err, size_t errlen)
{
	struct ca_file *f = ca_find(path, crl), tmp = { .crl = crl };
	BIO *bio;
	int n;

	if (f)
		return f;
	bio = BIO_new_file(path, "r");
	if (!bio) {
		if (crl)
			snprintf(err, errlen, "unable to configure CRL file '%s': %s", path, strerror(errno));
		else
			snprintf(err, errlen, "cannot load CA file '%s': %s", path, strerror(errno));
		ERR_clear_error();
		return NULL;
	}
	n = contents_read(&tmp, bio);
	BIO_free(bio);
	if (n <= 0) {
		if (crl)
			snprintf(err, errlen, "unable to configure CRL file '%s': no CRL found", path);
		else
			snprintf(err, errlen, "cannot load CA file '%s': no certificate found", path);
		return NULL;
	}
	f = ca_append(path, crl);
	if (!f) {
		contents_free(&tmp);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->certs = tmp.certs;
	f->crls = tmp.crls;
	return f;
}

/* A verification store with the certificates of <ca> and the lists of
 * <crl> (either NULL), or NULL on memory shortage.
 */
static X509_STORE *store_new(const struct ca_file *ca, const struct ca_file *crl)
{
	X509_STORE *st = X509_STORE_new();

	if (!st)
		return NULL;
	for (int i = 0; ca && ca->certs && i < sk_X509_num(ca->certs); i++)
		X509_STORE_add_cert(st, sk_X509_value(ca->certs, i));
	for (int i = 0; crl && crl->crls && i < sk_X509_CRL_num(crl->crls); i++)
		X509_STORE_add_crl(st, sk_X509_CRL_value(crl->crls, i));
	/* as HAProxy: a revoked certificate anywhere in the chain fails */
	if (crl)
		X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	ERR_clear_error();
	return st;
}

int tls_ca_apply(SSL_CTX *ctx, const struct tls_conf *c, int client_ca, char *err, size_t errlen)
{
	struct ca_file *ca = NULL, *crl = NULL;
	X509_STORE *st;

	if (!c->ca_file && !c->crl_file)
		return 0;
	if ((c->ca_file && !(ca = ca_get(c->ca_file, 0, err, errlen))) ||
	    (c->crl_file && !(crl = ca_get(c->crl_file, 1, err, errlen))))
		return -1;
	if (!(st = store_new(ca, crl))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	SSL_CTX_set_cert_store(ctx, st);   /* frees the previous one */
	if (client_ca && ca) {
		STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();

		for (int i = 0; names && i < sk_X509_num(ca->certs); i++) {
			X509_NAME *n = X509_NAME_dup(X509_get_subject_name(sk_X509_value(ca->certs, i)));

			if (n && sk_X509_NAME_push(names, n) <= 0)
				X509_NAME_free(n);
		}
		if (names)
			SSL_CTX_set_client_CA_list(ctx, names);
	}
	return 0;
}

/* Appends <p> to the array *<arr> of *<n>. 0 or -1. */
static int ptr_add(void ***arr, unsigned int *n, void *p)
{
	void **a = realloc(*arr, (*n + 1) * sizeof(*a));

	if (!a)
		return -1;
	a[(*n)++] = p;
	*arr = a;
	return 0;
}

static void ptr_del(void **arr, unsigned int *n, const void *p)
{
	for (unsigned int i = 0; i < *n; i++)
		if (arr[i] == p) {
			arr[i] = arr[--*n];
			return;
		}
}

int tls_ca_track_bind(struct tls_bind *b)
{
	return ptr_add((void ***)&binds, &nbinds, b);
}

void tls_ca_untrack_bind(struct tls_bind *b)
{
	ptr_del((void **)binds, &nbinds, b);
}

int tls_ca_track_srv(struct tls_srv *s)
{
	return ptr_add((void ***)&srvs, &nsrvs, s);
}

void tls_ca_untrack_srv(struct tls_srv *s)
{
	ptr_del((void **)srvs, &nsrvs, s);
}

/* Whether the options <c> name file <f>. */
static int conf_uses(const struct tls_conf *c, const struct ca_file *f)
{
	const char *p = f->crl ? c->crl_file : c->ca_file;

	return p && !strcmp(p, f->path);
}

/* The options of context <i> of bind <b>: a crt-list line's, or the bind's. */
static const struct tls_conf *bind_ctx_conf(const struct tls_bind *b, unsigned int i)
{
	const struct tls_conf *oc = SSL_CTX_get_ex_data(b->ctxs[i].ctx, tls_bind_ex_idx);

	return oc ? oc : &b->conf;
}

/* How many contexts (bind contexts, servers) use <f>. */
static unsigned int ca_uses(const struct ca_file *f)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nbinds; i++)
		for (unsigned int j = 0; j < binds[i]->nctx; j++)
			n += conf_uses(bind_ctx_conf(binds[i], j), f);
	for (unsigned int i = 0; i < nsrvs; i++)
		n += conf_uses(tls_srv_conf(srvs[i]), f);
	return n;
}

/* ---- admin socket ---- */

static int kind_of(enum tls_ca_kind k)
{
	return k == TLS_CA_CRL;
}

const char *tls_ca_next(enum tls_ca_kind k, const char *prev, int *count)
{
	const struct ca_file *best = NULL;

	/* in name order, as HAProxy lists them; a few files: O(n) per step */
	for (const struct ca_file *f = ca_files; f; f = f->next)
		if (f->crl == kind_of(k) && (!prev || strcmp(f->path, prev) > 0) &&
		    (!best || strcmp(f->path, best->path) < 0))
			best = f;
	if (best && count)
		*count = best->certs ? sk_X509_num(best->certs) : 0;
	return best ? best->path : NULL;
}

const char *tls_ca_txn(enum tls_ca_kind k, int *count)
{
	const struct ca_file *n = &txn_new[kind_of(k)];

	if (count)
		*count = n->certs ? sk_X509_num(n->certs) : 0;
	return txn_of[kind_of(k)] ? txn_of[kind_of(k)]->path : NULL;
}

int tls_ca_new(enum tls_ca_kind k, const char *path)
{
	struct ca_file *f;

	if (ca_find(path, kind_of(k)))
		return -EEXIST;
	f = ca_append(path, kind_of(k));
	if (!f)
		return -ENOMEM;
	f->empty = 1;
	return 0;
}

int tls_ca_del(enum tls_ca_kind k, const char *path, char *err, size_t errlen)
{
	const char *what = k == TLS_CA_CRL ? "CRL" : "CA";
	struct ca_file **pp, *f;

	for (pp = &ca_files; *pp && ((*pp)->crl != kind_of(k) || strcmp((*pp)->path, path)); pp = &(*pp)->next)
		;
	f = *pp;
	if (f && f == txn_of[kind_of(k)]) {
		snprintf(err, errlen, "ongoing transaction for the %s file '%s'", what, path);
		return -1;
	}
	if (!f) {
		if (k == TLS_CA_CRL && ca_find(path, 0))
			snprintf(err, errlen, "'del ssl crl-file' does not work on CA files!\n");
		else
			snprintf(err, errlen, "%s file '%s' doesn't exist!\n", what, path);
		return -1;
	}
	if (ca_uses(f)) {
		snprintf(err, errlen, "%s file '%s' in use, can't be deleted!\n", what, path);
		return -1;
	}
	*pp = f->next;
	contents_free(f);
	free(f->path);
	free(f);
	return 0;
}

int tls_ca_set(enum tls_ca_kind k, const char *path, const char *pem_text, int *updated, char *err,
               size_t errlen)
{
	int crl = kind_of(k);
	struct ca_file *f = ca_find(path, crl), tmp = { .crl = crl };
	BIO *bio;
	int n;

	if (txn_of[crl] && txn_of[crl] != f) {
		snprintf(err, errlen, "The ongoing transaction is about '%s' but you are trying to set '%s'",
		         txn_of[crl]->path, path);
		return -1;
	}
	if (!f) {
		snprintf(err, errlen, "Can't replace a %s file which is not referenced by the configuration!",
		         crl ? "CRL" : "CA");
		return -1;
	}
	bio = BIO_new_mem_buf(pem_text, -1);
	if (!bio) {
		snprintf(err, errlen, "Not enough memory!");
		return -1;
	}
	n = contents_read(&tmp, bio);
	BIO_free(bio);
	if (n <= 0) {
		snprintf(err, errlen, n < 0 ? "Not enough memory!" : "Invalid payload");
		return -1;
	}
	*updated = txn_of[crl] != NULL;
	contents_free(&txn_new[crl]);
	txn_new[crl] = tmp;
	txn_of[crl] = f;
	return 0;
}

int tls_ca_abort(enum tls_ca_kind k, const char *path, char *err, size_t errlen)
{
	int crl = kind_of(k);

	if (!txn_of[crl]) {
		snprintf(err, errlen, "No ongoing transaction!");
		return -1;
	}
	if (strcmp(txn_of[crl]->path, path)) {
		snprintf(err, errlen, "The ongoing transaction is about '%s' but you are trying to abort a transaction for '%s'",
		         txn_of[crl]->path, path);
		return -1;
	}
	contents_free(&txn_new[crl]);
	txn_of[crl] = NULL;
	return 0;
}

/* Rebuilds every context using <f> (isolated). 0 or -1 with <err>. */
static int ca_rebuild(const struct ca_file *f, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < nbinds; i++) {
		struct tls_bind *b = binds[i];

		for (unsigned int j = 0; j < b->nctx; j++)
			if (conf_uses(bind_ctx_conf(b, j), f) && tls_ctx_replace(b, b->ctxs[j].ctx, 0, err, errlen) < 0)
				return -1;
	}
	for (unsigned int i = 0; i < nsrvs; i++)
		if (conf_uses(tls_srv_conf(srvs[i]), f) &&
		    tls_ca_apply(tls_srv_ctx_of(srvs[i]), tls_srv_conf(srvs[i]), 0, err, errlen) < 0)
			return -1;
	return 0;
}

int tls_ca_commit(enum tls_ca_kind k, const char *path, unsigned int *nuses, char *err, size_t errlen)
{
	int crl = kind_of(k);
	struct ca_file *f = txn_of[crl], old;
	int ret;

	if (!f) {
		snprintf(err, errlen, "No ongoing transaction! !");
		return -1;
	}
	if (strcmp(f->path, path)) {
		snprintf(err, errlen, "The ongoing transaction is about '%s' but you are trying to set '%s'", f->path, path);
		return -1;
	}
	/* the new contents serve from now on: contexts are rebuilt from them */
	old = *f;
	f->certs = txn_new[crl].certs;
	f->crls = txn_new[crl].crls;
	f->empty = 0;
	*nuses = ca_uses(f);
	thread_isolate();
	ret = ca_rebuild(f, err, errlen);
	if (ret < 0) {
		/* what was rebuilt goes back to the old contents */
		f->certs = old.certs;
		f->crls = old.crls;
		f->empty = old.empty;
		ca_rebuild(f, err + strlen(err), errlen - strlen(err));
	}
	thread_release();
	if (ret < 0)
		return -1;
	contents_free(&old);
	memset(&txn_new[crl], 0, sizeof(txn_new[crl]));
	txn_new[crl].crl = crl;
	txn_of[crl] = NULL;
	return 0;
}

/* Appends "<fmt>" to <out> at *<o>; -1 once it is full. */
static int out_add(char *out, size_t len, size_t *o, const char *fmt, ...) PRINTF_FMT(4, 5);

static int out_add(char *out, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*o >= len)
		return -1;
	va_start(ap, fmt);
	w = vsnprintf(out + *o, len - *o, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= len - *o)
		return -1;
	*o += (size_t)w;
	return 0;
}

/* HAProxy's text for CRL <crl> ("openssl crl -text" in short). */
static int crl_text(X509_CRL *crl, char *out, size_t len, size_t *o)
{
	STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(crl);
	char dn[1024], t[64];

	tls_dn_text(X509_CRL_get_issuer(crl), dn, sizeof(dn));
	if (out_add(out, len, o, "Version %ld\nSignature Algorithm: %s\nIssuer: %s\n", X509_CRL_get_version(crl) + 1,
	            OBJ_nid2ln(X509_CRL_get_signature_nid(crl)), dn) < 0)
		return -1;
	tls_time_text(X509_CRL_get0_lastUpdate(crl), t, sizeof(t));
	if (out_add(out, len, o, "Last Update: %s\n", t) < 0)
		return -1;
	if (X509_CRL_get0_nextUpdate(crl))
		tls_time_text(X509_CRL_get0_nextUpdate(crl), t, sizeof(t));
	else
		snprintf(t, sizeof(t), "NONE");
	if (out_add(out, len, o, "Next Update: %s\n", t) < 0)
		return -1;
	if (!rev || !sk_X509_REVOKED_num(rev))
		return out_add(out, len, o, "No Revoked Certificates.\n");
	if (out_add(out, len, o, "Revoked Certificates:\n") < 0)
		return -1;
	for (int i = 0; i < sk_X509_REVOKED_num(rev); i++) {
		const X509_REVOKED *r = sk_X509_REVOKED_value(rev, i);
		const ASN1_INTEGER *sn = X509_REVOKED_get0_serialNumber(r);
		char ser[2 * 64 + 1] = "";

		for (int j = 0; j < ASN1_STRING_length(sn) && j < 64; j++)
			snprintf(ser + 2 * j, 3, "%02X", ASN1_STRING_get0_data(sn)[j]);
		tls_time_text(X509_REVOKED_get0_revocationDate(r), t, sizeof(t));
		if (out_add(out, len, o, "    Serial Number: %s\n        Revocation Date: %s\n", ser, t) < 0)
			return -1;
	}
	return 0;
}

int tls_ca_describe(enum tls_ca_kind k, const char *path, int index, char *out, size_t len)
{
	int crl = kind_of(k), txn = path[0] == '*';
	const char *name = txn || (path[0] == '\\' && path[1] == '*') ? path + 1 : path;
	const struct ca_file *f = ca_find(name, crl), *c;
	size_t o = 0;
	int n;

	if (!f || (txn && f != txn_of[crl]))
		return -ENOENT;
	c = txn ? &txn_new[crl] : f;
	n = crl ? (c->crls ? sk_X509_CRL_num(c->crls) : 0) : (c->certs ? sk_X509_num(c->certs) : 0);
	if (!n && !txn && f->empty) {
		/* `new ssl`, not set yet: HAProxy shows a CRL file so, a CA file not */
		if (crl && out_add(out, len, &o, "Filename: %s\nStatus: Empty\n", name) < 0)
			return -ENOSPC;
		return (int)o;
	}
	if (index > n)
		return 0;   /* as HAProxy: nothing */
	if (out_add(out, len, &o, "Filename: %s\nStatus: %s\n", txn ? path : name, !txn && ca_uses(f) ? "Used" : "Unused") < 0)
		return -ENOSPC;
	for (int i = index ? index - 1 : 0; i < (index ? index : n); i++) {
		if (out_add(out, len, &o, " \n%s #%d:\n", crl ? "Certificate Revocation List" : "Certificate", i + 1) < 0)
			return -ENOSPC;
		if (crl ? crl_text(sk_X509_CRL_value(c->crls, i), out, len, &o) < 0 :
		    tls_x509_text(sk_X509_value(c->certs, i), out, len, &o) < 0)
			return -ENOSPC;
	}
	return (int)o;
}
