/*
 * TLS certificates at runtime (admin socket, see tls.h): the files binds
 * loaded (tls_cert_files, built by tls.c at configuration time), their
 * description (`show ssl cert`), and the single transaction of `set /
 * commit / abort ssl cert` (a new PEM, an OCSP response), committed by
 * rebuilding every context serving the file under thread isolation
 * (tls_ctx_replace()). CLI thread only, but for the isolated swap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <tollgate/isolate.h>
#include <tollgate/tls.h>

#include "tls_int.h"

struct cert_file *tls_txn_file;           /* file of the ongoing transaction, or NULL */
struct pem tls_txn_pem;                   /* its new certificate */
static unsigned char *txn_ocsp;           /* its new OCSP response (DER), or NULL */
static size_t txn_ocsp_len;

struct cert_file *tls_cert_find(const char *path)
{
	struct cert_file *f;

	for (f = tls_cert_files; f && strcmp(f->path, path); f = f->next)
		;
	return f;
}


const char *tls_cert_next(const char *prev)
{
	const char *best = NULL;

	/* in name order, as HAProxy lists them; a few files: O(n) per step */
	for (const struct cert_file *f = tls_cert_files; f; f = f->next)
		if ((!prev || strcmp(f->path, prev) > 0) && (!best || strcmp(f->path, best) < 0))
			best = f->path;
	return best;
}

int tls_cert_known(const char *path)
{
	const struct cert_file *f = tls_cert_find(path);

	return !f ? 0 : f->cur.leaf ? 1 : -1;
}

int tls_cert_new(const char *path, char *err, size_t errlen)
{
	struct cert_file *f, **last = &tls_cert_files;

	if (tls_cert_find(path)) {
		snprintf(err, errlen, "Certificate '%s' already exists!", path);
		return -1;
	}
	while (*last)
		last = &(*last)->next;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path))) {
		free(f);
		snprintf(err, errlen, "Not enough memory!");
		return -1;
	}
	*last = f;
	return 0;
}

int tls_cert_del(const char *path, char *err, size_t errlen)
{
	struct cert_file *f, **pp;

	for (pp = &tls_cert_files; *pp && strcmp((*pp)->path, path); pp = &(*pp)->next)
		;
	f = *pp;
	if (!f) {
		snprintf(err, errlen, "certificate '%s' doesn't exist!\n", path);
		return -1;
	}
	if (f == tls_txn_file) {
		snprintf(err, errlen, "ongoing transaction for the certificate '%s'", path);
		return -1;
	}
	if (f->nuses || tls_crtlist_names(path)) {
		snprintf(err, errlen, "certificate '%s' in use, can't be deleted!\n", path);
		return -1;
	}
	*pp = f->next;
	tls_pem_free(&f->cur);
	free(f->uses);
	free(f->path);
	free(f);
	return 0;
}

unsigned int tls_cert_uses(const char *path)
{
	const struct cert_file *f = tls_cert_find(path);

	return f ? f->nuses : 0;
}

const char *tls_cert_txn(void)
{
	return tls_txn_file ? tls_txn_file->path : NULL;
}

/* Appends the DN <n> in HAProxy's "/K=V" form. */
size_t tls_dn_text(X509_NAME *n, char *out, size_t len)
{
	size_t o = 0;

	for (int i = 0; i < X509_NAME_entry_count(n) && o + 1 < len; i++) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
		const char *sn = OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)));
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
		int w = snprintf(out + o, len - o, "/%s=%.*s", sn ? sn : "?", ASN1_STRING_length(d),
		                 (const char *)ASN1_STRING_get0_data(d));

		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
	}
	if (o < len)
		out[o] = 0;
	return o;
}

size_t tls_time_text(const ASN1_TIME *t, char *out, size_t len)
{
	BIO *m = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (!m)
		return 0;
	ASN1_TIME_print(m, t);
	n = BIO_get_mem_data(m, &p);
	snprintf(out, len, "%.*s", (int)n, p);
	BIO_free(m);
	return strlen(out);
}

static int san_add(void *arg, const char *name)
{
	char *out = arg;
	size_t o = strlen(out);

	snprintf(out + o, 1024 - o, "%sDNS:%s", o ? ", " : "", name);
	return 0;
}

int tls_x509_text(X509 *x, char *out, size_t len, size_t *o)
{
	EVP_PKEY *key = X509_get0_pubkey(x);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char dn[1024], idn[1024], san[1024] = "", nb[64], na[64], hex[2 * EVP_MAX_MD_SIZE + 1], ser[2 * 64 + 1];
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	int id = key ? EVP_PKEY_get_base_id(key) : 0, w;

	X509_digest(x, EVP_sha1(), md, &mdlen);
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02X", md[i]);
	hex[2 * mdlen] = 0;
	ser[0] = 0;
	for (int i = 0; i < ASN1_STRING_length(sn) && i < 64; i++)
		snprintf(ser + 2 * i, 3, "%02X", ASN1_STRING_get0_data(sn)[i]);
	tls_time_text(X509_get0_notBefore(x), nb, sizeof(nb));
	tls_time_text(X509_get0_notAfter(x), na, sizeof(na));
	if (X509_get_ext_by_NID(x, NID_subject_alt_name, -1) >= 0)
		tls_cert_names(x, san_add, san);   /* SANs only: no CN in their place */
	tls_dn_text(X509_get_subject_name(x), dn, sizeof(dn));
	tls_dn_text(X509_get_issuer_name(x), idn, sizeof(idn));
	if (*o >= len)
		return -1;
	w = snprintf(out + *o, len - *o, "Serial: %s\nnotBefore: %s\nnotAfter: %s\n"
	             "Subject Alternative Name: %s\nAlgorithm: %s%d\nSHA1 FingerPrint: %s\nSubject: %s\nIssuer: %s\n",
	             ser, nb, na, san, id == EVP_PKEY_EC ? "EC" : id == EVP_PKEY_RSA ? "RSA" : "",
	             key ? EVP_PKEY_get_bits(key) : 0, hex, dn, idn);
	if (w < 0 || (size_t)w >= len - *o)
		return -1;
	*o += (size_t)w;
	return 0;
}

int tls_cert_describe(const char *path, char *out, size_t len)
{
	int txn = path[0] == '*';
	struct cert_file *f = tls_cert_find(txn ? path + 1 : path);
	const struct pem *p;
	char dn[1024];
	size_t o = 0;
	int w;

	if (!f || (txn && f != tls_txn_file))
		return -ENOENT;
	p = txn ? &tls_txn_pem : &f->cur;
	if (!p->leaf) {
		/* `new ssl cert`, not set yet */
		w = snprintf(out, len, "Filename: %s\nStatus: Empty\nOCSP Response Key: \n", path);
		return w < 0 || (size_t)w >= len ? -ENOSPC : w;
	}
	w = snprintf(out, len, "Filename: %s\nStatus: %s\n", path, txn || !f->nuses ? "Unused" : "Used");
	if (w < 0 || (size_t)w >= len)
		return -ENOSPC;
	o = (size_t)w;
	if (tls_x509_text(p->leaf, out, len, &o) < 0)
		return -ENOSPC;
	for (int i = 0; p->chain && i < sk_X509_num(p->chain) && o < len; i++) {
		X509 *c = sk_X509_value(p->chain, i);

		tls_dn_text(X509_get_subject_name(c), dn, sizeof(dn));
		o += (size_t)snprintf(out + o, len - o, "Chain Subject: %s\n", dn);
		if (o >= len)
			break;
		tls_dn_text(X509_get_issuer_name(c), dn, sizeof(dn));
		o += (size_t)snprintf(out + o, len - o, "Chain Issuer: %s\n", dn);
	}
	if (o < len)
		o += (size_t)snprintf(out + o, len - o, "OCSP Response Key: ");   /* no OCSP: empty, as HAProxy */
	if (o < len && (!txn || txn_ocsp))
		o += tls_ocsp_key_hex(f->path, p->leaf, p->chain, txn, out + o, len - o);
	if (o < len)
		o += (size_t)snprintf(out + o, len - o, "\n");
	return o < len ? (int)o : -ENOSPC;
}

/* Ends the transaction: what it held is freed. */
static void txn_clear(void)
{
	tls_pem_free(&tls_txn_pem);
	free(txn_ocsp);
	txn_ocsp = NULL;
	tls_txn_file = NULL;
}

/* Whether file <f> (NULL: unknown), set as <path>, may be put into the
 * transaction. 0, or -1 with HAProxy's message in <err>.
 */
static int txn_check(const struct cert_file *f, const char *path, char *err, size_t errlen)
{
	if (!f) {
		snprintf(err, errlen, "Can't replace a certificate which is not referenced by the configuration!");
		return -1;
	}
	if (tls_txn_file && tls_txn_file != f) {
		snprintf(err, errlen, "The ongoing transaction is about '%s' but you are trying to set '%s'",
		         tls_txn_file->path, path);
		return -1;
	}
	return 0;
}

/* `set ssl cert <crt>.ocsp` (<n>: the length of <crt>): the transaction of
 * <crt> (started from what it serves if none) gets the OCSP response in
 * base64 <b64>, checked against its certificate. As tls_cert_set().
 */
static int cert_set_ocsp(const char *path, size_t n, const char *b64, int *updated, char *err, size_t errlen)
{
	char crt[4096];
	struct cert_file *f;
	unsigned char *der;
	struct pem p = { 0 };
	size_t len;

	snprintf(crt, sizeof(crt), "%.*s", (int)n, path);
	f = tls_cert_find(crt);
	if (txn_check(f, path, err, errlen) < 0)
		return -1;
	if (!tls_txn_file && (!f->cur.leaf || tls_pem_dup(&p, &f->cur) < 0)) {
		snprintf(err, errlen, f->cur.leaf ? "out of memory" : "'%s' has no certificate yet", crt);
		return -1;
	}
	if (tls_ocsp_txn_check(crt, tls_txn_file ? tls_txn_pem.leaf : p.leaf, tls_txn_file ? tls_txn_pem.chain : p.chain, b64,
	                       &der, &len, err, errlen) < 0) {
		tls_pem_free(&p);
		return -1;
	}
	*updated = tls_txn_file != NULL;
	if (!tls_txn_file) {
		tls_txn_pem = p;
		tls_txn_file = f;
	}
	free(txn_ocsp);
	txn_ocsp = der;
	txn_ocsp_len = len;
	return 0;
}

int tls_cert_set(const char *path, const char *pem_text, int *updated, char *err, size_t errlen)
{
	struct cert_file *f = tls_cert_find(path);
	size_t n = strlen(path);
	struct pem p;
	BIO *bio;
	int ret;

	if (!f && n > 5 && !strcmp(path + n - 5, ".ocsp"))
		return cert_set_ocsp(path, n - 5, pem_text, updated, err, errlen);
	if (!f) {
		const char *ext = strrchr(path, '.');
		char crt[4096];

		snprintf(crt, sizeof(crt), "%.*s", ext ? (int)(ext - path) : 0, path);
		if (ext && (!strcmp(ext, ".key") || !strcmp(ext, ".issuer") || !strcmp(ext, ".sctl")) &&
		    tls_cert_find(crt)) {
			snprintf(err, errlen, "'%s' alone is not supported: set '%s' with its certificate, chain and key "
			         "in one PEM payload", ext, crt);
			return -1;
		}
	}
	if (txn_check(f, path, err, errlen) < 0)
		return -1;
	bio = BIO_new_mem_buf(pem_text, -1);
	if (!bio) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ret = tls_pem_read(&p, bio, path, err, errlen);
	BIO_free(bio);
	if (ret < 0)
		return -1;
	*updated = tls_txn_file != NULL;
	txn_clear();   /* a new PEM comes without the OCSP response, as HAProxy's */
	tls_txn_pem = p;
	tls_txn_file = f;
	return 0;
}

int tls_cert_abort(const char *path)
{
	if (!tls_txn_file || strcmp(tls_txn_file->path, path))
		return -ENOENT;
	txn_clear();
	return 0;
}

int tls_cert_commit(const char *path, char *err, size_t errlen)
{
	struct cert_file *f = tls_txn_file;
	int ret = 0;

	if (!f || strcmp(f->path, path)) {
		snprintf(err, errlen, "No ongoing transaction! !");
		return -1;
	}
	/* contexts are read by every worker when a handshake starts: replace
	 * them alone; connections already up keep the certificate they have
	 */
	thread_isolate();
	for (unsigned int i = 0; i < f->nuses && !ret; i++)
		ret = tls_ctx_replace(f->uses[i].b, f->uses[i].ctx, 1, err, errlen);
	if (!ret && txn_ocsp)   /* checked by `set`: fails only without memory */
		ret = tls_ocsp_install(f->path, tls_txn_pem.leaf, tls_txn_pem.chain, txn_ocsp, txn_ocsp_len, err, errlen);
	thread_release();
	if (ret < 0)
		return -1;
	tls_pem_free(&f->cur);
	f->cur = tls_txn_pem;
	memset(&tls_txn_pem, 0, sizeof(tls_txn_pem));
	txn_clear();
	return 0;
}
