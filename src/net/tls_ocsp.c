/*
 * OCSP stapling, as HAProxy: a certificate file <crt> with a `<crt>.ocsp`
 * beside it (a DER OCSP response) gets that response stapled to the
 * handshakes of clients asking for it (status_request). The admin socket
 * lists the responses (`show ssl ocsp-response`) and replaces one (`set ssl
 * ocsp-response <base64>`), the response naming which certificate it is
 * for, or in a certificate transaction (`set ssl cert <crt>.ocsp`).
 *
 * Each certificate with an `.ocsp` file is one entry, keyed by its OCSP
 * certificate ID (SHA-1 of the issuer's name and key, and the serial: DER,
 * HAProxy's key). Entries are created at configuration time, or by
 * `commit ssl cert` under thread isolation (a `<crt>.ocsp` set in the
 * transaction), and never freed; their response is read by every thread's handshakes (a copy made
 * under <lock> for OpenSSL) and replaced by the CLI thread under the same
 * lock, writer side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <tollgate/base64.h>
#include <tollgate/lock.h>
#include <tollgate/log.h>
#include <tollgate/tls.h>

#include "tls_int.h"

#define OCSP_KEY_MAX 128          /* HAProxy's OCSP_MAX_CERTID_ASN1_LENGTH */
#define OCSP_FILE_MAX (1 << 20)   /* an .ocsp file larger than this is refused */
#define OCSP_SKEW 300             /* seconds of clock skew allowed, HAProxy's OCSP_MAX_RESPONSE_TIME_SKEW */

struct ocsp_entry {
	unsigned char key[OCSP_KEY_MAX];  /* the DER certificate ID, zero-padded */
	int key_len;                      /* its bytes */
	X509 *leaf;                       /* the certificate (a reference), matched by X509_cmp() */
	unsigned char *resp;              /* the DER response stapled, or NULL (none valid) */
	size_t resp_len;
	time_t expire;                    /* its next update less the allowed skew: not stapled after */
	struct ocsp_entry *next;
};

static struct ocsp_entry *entries;      /* configuration order; the list is fixed once threads run */
static struct rwlock lock;              /* guards every entry's resp/resp_len */
static int lock_ready;

/* Checks the DER response <der> (<len> bytes) as HAProxy 2.6 does: parsed,
 * successful, one single response, good or revoked, with a next update,
 * valid now, and for <cid> if given (else for any entry: *<found>). Its
 * next update less the skew goes to *<expire>. 0, or -1 with HAProxy's
 * reason in <err>.
 */
static int resp_check(const unsigned char *der, size_t len, OCSP_CERTID *cid, struct ocsp_entry **found,
                      time_t *expire, char *err, size_t errlen)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	OCSP_BASICRESP *bs = NULL;
	OCSP_SINGLERESP *sr;
	ASN1_GENERALIZEDTIME *rev, *thisupd, *nextupd = NULL;
	const char *why = NULL;
	int reason, st, ret = -1;

	if (!resp) {
		why = "Unable to parse OCSP response";
		goto out;
	}
	if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		why = "OCSP response status not successful";
		goto out;
	}
	bs = OCSP_response_get1_basic(resp);
	if (!bs) {
		why = "Failed to get basic response from OCSP Response";
		goto out;
	}
	if (OCSP_resp_count(bs) > 1) {
		snprintf(err, errlen, "OCSP response ignored because contains multiple single responses (%d)",
		         OCSP_resp_count(bs));
		goto out;
	}
	sr = OCSP_resp_get0(bs, 0);
	if (!sr) {
		why = "Failed to get OCSP single response";
		goto out;
	}
	st = OCSP_single_get0_status(sr, &reason, &rev, &thisupd, &nextupd);
	if (st != V_OCSP_CERTSTATUS_GOOD && st != V_OCSP_CERTSTATUS_REVOKED) {
		why = "OCSP single response: certificate status is unknown";
		goto out;
	}
	if (!nextupd) {
		why = "OCSP single response: missing nextupdate";
		goto out;
	}
	if (!OCSP_check_validity(thisupd, nextupd, OCSP_SKEW, -1)) {
		why = "OCSP single response: no longer valid.";
		goto out;
	}
	if (cid) {
		if (OCSP_id_cmp(OCSP_SINGLERESP_get0_id(sr), cid)) {
			why = "OCSP single response: Certificate ID does not match certificate and issuer";
			goto out;
		}
	} else {
		unsigned char key[OCSP_KEY_MAX] = { 0 };
		unsigned char *k = key;
		int klen = i2d_OCSP_CERTID((OCSP_CERTID *)OCSP_SINGLERESP_get0_id(sr), NULL);
		struct ocsp_entry *e;

		if (klen <= 0 || klen > OCSP_KEY_MAX) {
			why = "OCSP single response: Certificate ID too long";
			goto out;
		}
		i2d_OCSP_CERTID((OCSP_CERTID *)OCSP_SINGLERESP_get0_id(sr), &k);
		for (e = entries; e && memcmp(e->key, key, sizeof(key)); e = e->next)
			;
		if (!e) {
			why = "OCSP single response: Certificate ID does not match any certificate or issuer";
			goto out;
		}
		*found = e;
	}
	{
		struct tm tm = { 0 };

		if (!ASN1_TIME_to_tm(nextupd, &tm)) {
			why = "OCSP single response: Invalid \"Next Update\" time";
			goto out;
		}
		*expire = timegm(&tm) - OCSP_SKEW;
	}
	ret = 0;
out:
	if (why)
		snprintf(err, errlen, "%s", why);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
	return ret;
}

/* Replaces the response of <e> by a copy of <der>, stapled until <expire>.
 * 0 or -ENOMEM.
 */
static int entry_set(struct ocsp_entry *e, const unsigned char *der, size_t len, time_t expire)
{
	unsigned char *copy = malloc(len);
	unsigned char *old;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, der, len);
	rw_wrlock(&lock);
	old = e->resp;
	e->resp = copy;
	e->resp_len = len;
	e->expire = expire;
	rw_unlock(&lock);
	free(old);
	return 0;
}

/* The issuer of <leaf>: in <chain>, else the file <crt>.issuer. NULL if
 * none (a reference to drop otherwise).
 */
static X509 *issuer_of(X509 *leaf, STACK_OF(X509) *chain, const char *crt)
{
	char path[4200];
	X509 *x = NULL;
	FILE *f;

	for (int i = 0; chain && i < sk_X509_num(chain); i++) {
		x = sk_X509_value(chain, i);
		if (X509_check_issued(x, leaf) == X509_V_OK) {
			X509_up_ref(x);
			return x;
		}
	}
	snprintf(path, sizeof(path), "%s.issuer", crt);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (x && X509_check_issued(x, leaf) != X509_V_OK) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* Reads the whole file <path> into *<buf> (malloc'ed). Bytes, or -1. */
static long file_read(const char *path, unsigned char **buf)
{
	FILE *f = fopen(path, "rb");
	long n;

	*buf = NULL;
	if (!f)
		return -1;
	*buf = malloc(OCSP_FILE_MAX);
	n = *buf ? (long)fread(*buf, 1, OCSP_FILE_MAX, f) : -1;
	if (n < 0 || ferror(f) || n == OCSP_FILE_MAX) {
		free(*buf);
		*buf = NULL;
		n = -1;
	}
	fclose(f);
	return n;
}

/* Decodes the base64 text <b64> (line breaks ignored) into *<der>
 * (malloc'ed, or NULL). Bytes, 0 or -1 when it is not base64, -ENOMEM.
 */
static ssize_t b64_der(const char *b64, unsigned char **der)
{
	size_t n = strlen(b64), j = 0;
	char *clean = malloc(n + 1);
	ssize_t len;

	*der = malloc(n + 1);
	if (!clean || !*der) {
		free(clean);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (b64[i] != '\r' && b64[i] != '\n')
			clean[j++] = b64[i];
	len = base64_decode(clean, j, *der, n + 1);
	free(clean);
	return len;
}

/* The OCSP certificate ID of <leaf> (issuer in <chain> or <crt>.issuer)
 * into <key> (OCSP_KEY_MAX bytes, zero-padded), its bytes in *<klen>; the
 * ID itself, to free, or NULL with HAProxy's reason in <err> (<path>: the
 * .ocsp file named).
 */
static OCSP_CERTID *cert_id(const char *crt, X509 *leaf, STACK_OF(X509) *chain, const char *path,
                            unsigned char *key, int *klen, char *err, size_t errlen)
{
	X509 *issuer = issuer_of(leaf, chain, crt);
	OCSP_CERTID *cid = issuer ? OCSP_cert_to_id(EVP_sha1(), leaf, issuer) : NULL;
	unsigned char *k = key;

	X509_free(issuer);
	*klen = cid ? i2d_OCSP_CERTID(cid, NULL) : -1;
	if (*klen <= 0 || *klen > OCSP_KEY_MAX) {
		OCSP_CERTID_free(cid);
		ERR_clear_error();
		snprintf(err, errlen, "'%s' is present and activates OCSP but it is impossible to compute the OCSP certificate ID (maybe the issuer could not be found)", path);
		return NULL;
	}
	memset(key, 0, OCSP_KEY_MAX);
	i2d_OCSP_CERTID(cid, &k);
	return cid;
}

/* The entry of certificate ID <key>, created for <leaf> if none (in key
 * order, as HAProxy lists them; the list may only grow while the workers
 * do not read it: configuration time or thread isolation). NULL: no
 * memory.
 */
static struct ocsp_entry *entry_get(const unsigned char *key, int klen, X509 *leaf)
{
	struct ocsp_entry *e, **pe;

	for (e = entries; e && memcmp(e->key, key, OCSP_KEY_MAX); e = e->next)
		;
	if (e)
		return e;
	if (!lock_ready) {
		if (rw_init(&lock, LOCK_OTHER))
			return NULL;
		lock_ready = 1;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	memcpy(e->key, key, OCSP_KEY_MAX);
	e->key_len = klen;
	X509_up_ref(leaf);
	e->leaf = leaf;
	for (pe = &entries; *pe && memcmp((*pe)->key, key, OCSP_KEY_MAX) < 0; pe = &(*pe)->next)
		;
	e->next = *pe;
	*pe = e;
	return e;
}

int tls_ocsp_load(const char *crt, X509 *leaf, STACK_OF(X509) *chain, const char *where, char *err,
                  size_t errlen)
{
	char path[4200];
	unsigned char key[OCSP_KEY_MAX], *der;
	struct ocsp_entry *e;
	OCSP_CERTID *cid;
	struct stat st;
	char why[256];
	time_t expire;
	long len;
	int klen;

	snprintf(path, sizeof(path), "%s.ocsp", crt);
	if (stat(path, &st) < 0)
		return 0;   /* no .ocsp: no stapling */
	cid = cert_id(crt, leaf, chain, path, key, &klen, err, errlen);
	if (!cid)
		return -1;
	e = entry_get(key, klen, leaf);
	if (!e) {
		OCSP_CERTID_free(cid);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	len = file_read(path, &der);
	if (len < 0) {
		OCSP_CERTID_free(cid);
		snprintf(err, errlen, "Error reading OCSP response from file '%s'", path);
		return -1;
	}
	if (resp_check(der, (size_t)len, cid, NULL, &expire, why, sizeof(why)) < 0)
		log_warning("parsing [%s] : loading '%s': %s. Content will be ignored.", where, path, why);
	else if (entry_set(e, der, (size_t)len, expire) < 0) {
		free(der);
		OCSP_CERTID_free(cid);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(der);
	OCSP_CERTID_free(cid);
	return 0;
}

int tls_ocsp_txn_check(const char *crt, X509 *leaf, STACK_OF(X509) *chain, const char *b64, unsigned char **der,
                       size_t *len, char *err, size_t errlen)
{
	unsigned char key[OCSP_KEY_MAX];
	char path[4200];
	OCSP_CERTID *cid;
	time_t expire;
	ssize_t n;
	int klen;

	snprintf(path, sizeof(path), "%s.ocsp", crt);
	n = b64_der(b64, der);
	if (n <= 0) {
		free(*der);
		*der = NULL;
		snprintf(err, errlen, "Error reading OCSP response in base64 format");
		return -1;
	}
	cid = cert_id(crt, leaf, chain, path, key, &klen, err, errlen);
	if (!cid || resp_check(*der, (size_t)n, cid, NULL, &expire, err, errlen) < 0) {
		OCSP_CERTID_free(cid);
		free(*der);
		*der = NULL;
		return -1;
	}
	OCSP_CERTID_free(cid);
	*len = (size_t)n;
	return 0;
}

size_t tls_ocsp_key_hex(const char *crt, X509 *leaf, STACK_OF(X509) *chain, int compute, char *out, size_t len)
{
	unsigned char key[OCSP_KEY_MAX];
	const unsigned char *k = key;
	const struct ocsp_entry *e;
	char why[512];
	size_t o = 0;
	int klen = 0;

	if (compute) {
		OCSP_CERTID *cid = cert_id(crt, leaf, chain, crt, key, &klen, why, sizeof(why));

		if (!cid)
			return 0;
		OCSP_CERTID_free(cid);
	} else {
		for (e = entries; e && X509_cmp(e->leaf, leaf); e = e->next)
			;
		if (!e)
			return 0;
		k = e->key;
		klen = e->key_len;
	}
	for (int i = 0; i < klen && o + 3 <= len; i++)
		o += (size_t)snprintf(out + o, len - o, "%02x", k[i]);
	return o;
}

int tls_ocsp_install(const char *crt, X509 *leaf, STACK_OF(X509) *chain, const unsigned char *der, size_t len,
                     char *err, size_t errlen)
{
	unsigned char key[OCSP_KEY_MAX];
	struct ocsp_entry *e;
	OCSP_CERTID *cid;
	time_t expire;
	int klen;

	cid = cert_id(crt, leaf, chain, crt, key, &klen, err, errlen);
	if (!cid)
		return -1;
	if (resp_check(der, len, cid, NULL, &expire, err, errlen) < 0) {
		OCSP_CERTID_free(cid);
		return -1;
	}
	OCSP_CERTID_free(cid);
	e = entry_get(key, klen, leaf);
	if (!e || entry_set(e, der, len, expire) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int tls_ocsp_status_cb(SSL *ssl, void *arg)
{
	X509 *x = SSL_get_certificate(ssl);
	unsigned char *copy = NULL;
	struct ocsp_entry *e;
	size_t len = 0;

	if (!x)
		return SSL_TLSEXT_ERR_NOACK;
	for (e = entries; e && X509_cmp(e->leaf, x); e = e->next)
		;
	if (!e)
		return SSL_TLSEXT_ERR_NOACK;
	rw_rdlock(&lock);
	/* as HAProxy, a response past its next update is not stapled */
	if (e->resp && e->expire >= time(NULL) && (copy = OPENSSL_malloc(e->resp_len))) {
		memcpy(copy, e->resp, e->resp_len);
		len = e->resp_len;
	}
	rw_unlock(&lock);
	if (!copy)
		return SSL_TLSEXT_ERR_NOACK;
	SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)len);   /* OpenSSL frees it */
	return SSL_TLSEXT_ERR_OK;
}

int tls_ocsp_set(const char *b64, char *err, size_t errlen)
{
	struct ocsp_entry *e = NULL;
	unsigned char *der;
	time_t expire;
	ssize_t len = b64_der(b64, &der);
	int ret = -1;

	if (len == -ENOMEM) {
		snprintf(err, errlen, "Failed to update OCSP response.");
		goto out;
	}
	if (len <= 0) {
		snprintf(err, errlen, "'set ssl ocsp-response' received invalid base64 encoded response.");
		goto out;
	}
	if (resp_check(der, (size_t)len, NULL, &e, &expire, err, errlen) < 0) {
		size_t l = strlen(err);

		snprintf(err + l, errlen - l, ".");
		goto out;
	}
	if (entry_set(e, der, (size_t)len, expire) < 0) {
		snprintf(err, errlen, "OCSP response: Memory allocation error.");
		goto out;
	}
	ret = 0;
out:
	free(der);
	return ret;
}

/* Appends the certificate ID of <e> as HAProxy prints it. */
static int entry_show(const struct ocsp_entry *e, char *out, size_t len)
{
	const unsigned char *p = e->key;
	OCSP_CERTID *cid = d2i_OCSP_CERTID(NULL, &p, e->key_len);
	ASN1_OCTET_STRING *name_hash = NULL, *key_hash = NULL;
	ASN1_INTEGER *serial = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	size_t o = 0;
	char *txt;
	long n;

	o += (size_t)snprintf(out, len, "Certificate ID key : ");
	for (int i = 0; i < e->key_len && o + 3 < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%02x", e->key[i]);
	if (o + 1 < len)
		out[o++] = '\n';
	if (cid && bio && OCSP_id_get0_info(&name_hash, NULL, &key_hash, &serial, cid)) {
		BIO_printf(bio, " Certificate ID:\n   Issuer Name Hash: ");
		i2a_ASN1_STRING(bio, name_hash, 0);
		BIO_printf(bio, "\n   Issuer Key Hash: ");
		i2a_ASN1_STRING(bio, key_hash, 0);
		BIO_printf(bio, "\n   Serial Number: ");
		i2a_ASN1_INTEGER(bio, serial);
		BIO_printf(bio, "\n");
	}
	n = bio ? BIO_get_mem_data(bio, &txt) : 0;
	if (n > 0 && o + (size_t)n < len) {
		memcpy(out + o, txt, (size_t)n);
		o += (size_t)n;
	}
	BIO_free(bio);
	OCSP_CERTID_free(cid);
	ERR_clear_error();
	return o < len ? (int)o : -ENOSPC;
}

/* The entry whose key is the hex text <hex>, or NULL. */
static struct ocsp_entry *entry_by_hex(const char *hex)
{
	unsigned char key[OCSP_KEY_MAX] = { 0 };
	size_t n = strlen(hex);
	struct ocsp_entry *e;

	if (!n || n % 2 || n / 2 > OCSP_KEY_MAX)
		return NULL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return NULL;
		key[i] = (unsigned char)v;
	}
	for (e = entries; e && memcmp(e->key, key, sizeof(key)); e = e->next)
		;
	return e;
}

int tls_ocsp_show(const char *id, char *out, size_t len)
{
	size_t o = 0;
	int n;

	if (id) {
		struct ocsp_entry *e = entry_by_hex(id);
		BIO *bio;
		char *txt = NULL;
		long tl;

		if (!e)
			return -ENOENT;
		bio = BIO_new(BIO_s_mem());
		if (!bio)
			return -ENOSPC;
		rw_rdlock(&lock);
		if (e->resp) {
			const unsigned char *p = e->resp;
			OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, (long)e->resp_len);

			if (r)
				OCSP_RESPONSE_print(bio, r, 0);
			OCSP_RESPONSE_free(r);
		}
		rw_unlock(&lock);
		tl = BIO_get_mem_data(bio, &txt);
		if (tl <= 0)
			o = (size_t)snprintf(out, len, "Unable to parse OCSP response");
		/* as HAProxy: an empty line gets a space, the CLI's answers
		 * ending at the first empty line
		 */
		for (long i = 0; i < tl && o + 2 < len; i++) {
			out[o++] = txt[i];
			if (txt[i] == '\n' && i + 1 < tl && txt[i + 1] == '\n')
				out[o++] = ' ';
		}
		BIO_free(bio);
		ERR_clear_error();
		return o + 2 < len ? (int)o : -ENOSPC;
	}
	o += (size_t)snprintf(out, len, "# Certificate IDs\n");
	for (struct ocsp_entry *e = entries; e && o < len; e = e->next) {
		n = entry_show(e, out + o, len - o);
		if (n < 0)
			return n;
		o += (size_t)n;
	}
	return o < len ? (int)o : -ENOSPC;
}
