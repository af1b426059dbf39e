/*
 * JSON Web Token converters (HAProxy's 7.3.1), JWS in Compact
 * Serialization only; the token parsing is in net/jwt.c:
 *
 *  - jwt_header_query([<json_path>[,int]]), jwt_payload_query(...): the
 *    decoded first (second) part of the token, or json_query on it;
 *  - jwt_verify(<alg>,<key>): checks the signature, 1 if good, 0 if not,
 *    HAProxy's negative codes otherwise (enum jwt_vrfy). <alg> and <key>
 *    are strings or variables; <key> is the HMAC secret, or the path of a
 *    PEM public key or certificate for RS*, ES* and PS*.
 *
 * Public keys are read at configuration time only, into a list searched by
 * path at run time (a path from a variable must name a key that some
 * jwt_verify loaded). The list is written before worker threads start and
 * only read afterwards; EVP_PKEY objects are safe to share for verifying.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <tollgate/base64.h>
#include <tollgate/errmsg.h>
#include <tollgate/json.h>
#include <tollgate/jwt.h>
#include <tollgate/sample.h>

/* ---- jwt_header_query, jwt_payload_query ---- */

static int conv_jwt_query_check(struct sample_arg *args, char **err)
{
	return json_query_type_check(&args[1], err);
}

/* json_query on the decoded part <idx> of the token; as HAProxy, the
 * parts after it are not looked at. Without a path HAProxy (2.6 to 3.x)
 * documents the whole decoded part but gives no sample: so does this.
 */
static int jwt_query(const struct sample_arg *args, struct sample *smp, int idx)
{
	struct jwt_part parts[JWT_PARTS];
	int n = jwt_split(smp->data.u.str.ptr, smp->data.u.str.len, parts, idx + 1);
	char *out;
	ssize_t len;

	if ((n >= 0 && n < idx + 1) || args[0].type != SMP_ARGT_STR)
		return 0;
	out = sample_scratch();
	len = base64url_decode(parts[idx].ptr, parts[idx].len, out, SAMPLE_SCRATCH_SIZE);
	if (len < 0)
		return 0;
	sample_set_str(smp, out, (size_t)len);
	return json_query_sample(args, smp);
}

static int conv_jwt_header_query(const struct sample_arg *args, struct sample *smp, void *private)
{
	return jwt_query(args, smp, 0);
}

static int conv_jwt_payload_query(const struct sample_arg *args, struct sample *smp, void *private)
{
	return jwt_query(args, smp, 1);
}

/* ---- public keys ---- */

struct jwt_key {
	struct jwt_key *next;
	EVP_PKEY *pkey;
	char path[];
};

static struct jwt_key *jwt_keys;

static EVP_PKEY *jwt_key_find(const char *path, size_t len)
{
	for (const struct jwt_key *k = jwt_keys; k; k = k->next)
		if (strlen(k->path) == len && !memcmp(k->path, path, len))
			return k->pkey;
	return NULL;
}

/* Reads the PEM public key (SPKI or PKCS#1 RSA) or certificate at <path>.
 * Returns 0, 1 if the file cannot be opened (*<err> set), or -EINVAL.
 */
static int jwt_key_load(const char *path, char **err)
{
	EVP_PKEY *pkey = NULL;
	struct jwt_key *k;
	X509 *x509;
	FILE *f;

	if (jwt_key_find(path, strlen(path)))
		return 0;
	f = fopen(path, "r");
	if (!f) {
		err_set(err, "cannot read the public key '%s': %s", path, strerror(errno));
		return 1;
	}
	pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (!pkey) {
		rewind(f);
		x509 = PEM_read_X509(f, NULL, NULL, NULL);
		if (x509) {
			pkey = X509_get_pubkey(x509);
			X509_free(x509);
		}
	}
	fclose(f);
	if (!pkey)
		return err_set(err, "'%s' holds no PEM public key or certificate", path);
	k = calloc(1, sizeof(*k) + strlen(path) + 1);
	if (!k) {
		EVP_PKEY_free(pkey);
		return err_set(err, "out of memory");
	}
	k->pkey = pkey;
	strcpy(k->path, path);
	k->next = jwt_keys;
	jwt_keys = k;
	return 0;
}

__attribute__((destructor)) static void jwt_keys_free(void)
{
	while (jwt_keys) {
		struct jwt_key *k = jwt_keys;

		jwt_keys = k->next;
		EVP_PKEY_free(k->pkey);
		free(k);
	}
}

/* ---- jwt_verify ---- */

static int jwt_alg_has_key(enum jwt_alg alg)
{
	return alg >= JWT_ALG_RS256;
}

static int conv_jwt_verify_check(struct sample_arg *args, char **err)
{
	enum jwt_alg alg = JWT_ALG_UNKNOWN;
	int r;

	/* as HAProxy, a word that is no valid variable name stays a string */
	for (int i = 0; i < 2; i++) {
		if (sample_arg_to_var(&args[i], err) < 0) {
			free(*err);
			*err = NULL;
		}
	}
	if (args[0].type == SMP_ARGT_STR) {
		alg = jwt_parse_alg(args[0].data.str.ptr, args[0].data.str.len);
		if (alg == JWT_ALG_UNKNOWN)
			return err_set(err, "unknown JWT algorithm: %s", args[0].data.str.ptr);
	}
	if (args[1].type != SMP_ARGT_STR)
		return 0;
	if (args[0].type == SMP_ARGT_STR && !jwt_alg_has_key(alg))
		return 0;   /* an HMAC secret, or none */
	r = jwt_key_load(args[1].data.str.ptr, err);
	if (r == 1 && args[0].type != SMP_ARGT_STR) {
		/* the algorithm comes at run time: this may be a secret */
		free(*err);
		*err = NULL;
		return 0;
	}
	return r ? -EINVAL : 0;
}

static const EVP_MD *jwt_md(enum jwt_alg alg)
{
	switch (alg) {
	case JWT_ALG_HS256: case JWT_ALG_RS256: case JWT_ALG_ES256: case JWT_ALG_PS256:
		return EVP_sha256();
	case JWT_ALG_HS384: case JWT_ALG_RS384: case JWT_ALG_ES384: case JWT_ALG_PS384:
		return EVP_sha384();
	default:
		return EVP_sha512();
	}
}

static int jwt_verify_hmac(enum jwt_alg alg, const struct sample *key, const char *in, size_t len,
			   const unsigned char *sig, size_t siglen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (!HMAC(jwt_md(alg), key->data.u.str.ptr, (int)key->data.u.str.len,
		  (const unsigned char *)in, len, mac, &maclen))
		return JWT_VRFY_OUT_OF_MEMORY;
	return maclen == siglen && !CRYPTO_memcmp(mac, sig, siglen) ? JWT_VRFY_OK : JWT_VRFY_KO;
}

/* An ECDSA JWS signature is R and S side by side (RFC 7518 3.4); OpenSSL
 * wants DER. Returns the DER length written in <der>, or 0 for a
 * signature of the wrong length.
 */
static int jwt_ecdsa_der(EVP_PKEY *pkey, const unsigned char *sig, size_t siglen,
			 unsigned char *der, size_t room)
{
	size_t half = ((size_t)EVP_PKEY_bits(pkey) + 7) / 8;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *p = der;
	int n = 0;

	if (!es || siglen != 2 * half)
		goto out;
	r = BN_bin2bn(sig, (int)half, NULL);
	s = BN_bin2bn(sig + half, (int)half, NULL);
	if (!r || !s || !ECDSA_SIG_set0(es, r, s))
		goto out;
	r = s = NULL;   /* owned by <es> now */
	n = i2d_ECDSA_SIG(es, NULL);
	if (n <= 0 || (size_t)n > room)
		n = 0;
	else
		n = i2d_ECDSA_SIG(es, &p);
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return n > 0 ? n : 0;
}

static int jwt_verify_pkey(enum jwt_alg alg, const struct sample *key, const char *in, size_t len,
			   const unsigned char *sig, size_t siglen)
{
	EVP_PKEY *pkey = jwt_key_find(key->data.u.str.ptr, key->data.u.str.len);
	unsigned char der[2 * 66 + 16];
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *md;
	int ret = JWT_VRFY_KO, ok;

	if (!pkey)
		return JWT_VRFY_UNKNOWN_KEY;
	if (alg >= JWT_ALG_ES256 && alg <= JWT_ALG_ES512) {
		if (EVP_PKEY_base_id(pkey) != EVP_PKEY_EC)
			return JWT_VRFY_KO;
		siglen = (size_t)jwt_ecdsa_der(pkey, sig, siglen, der, sizeof(der));
		if (!siglen)
			return JWT_VRFY_KO;
		sig = der;
	}
	md = EVP_MD_CTX_new();
	if (!md)
		return JWT_VRFY_OUT_OF_MEMORY;
	ok = EVP_DigestVerifyInit(md, &pctx, jwt_md(alg), NULL, pkey) == 1;
	if (ok && alg >= JWT_ALG_PS256)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
	if (ok && EVP_DigestVerifyUpdate(md, in, len) == 1 &&
	    EVP_DigestVerifyFinal(md, sig, siglen) == 1)
		ret = JWT_VRFY_OK;
	EVP_MD_CTX_free(md);
	return ret;
}

/* HAProxy's order: the algorithm, then the token's shape, then the
 * signature's encoding, then the signature itself.
 */
static int jwt_verify(const struct sample *token, const struct sample *algs, const struct sample *key)
{
	enum jwt_alg alg = jwt_parse_alg(algs->data.u.str.ptr, algs->data.u.str.len);
	struct jwt_part p[JWT_PARTS];
	unsigned char sig[12288];  /* what a 16 kB token can hold */
	ssize_t siglen;
	size_t signed_len;
	int n;

	if (alg == JWT_ALG_UNKNOWN)
		return JWT_VRFY_UNKNOWN_ALG;
	n = jwt_split(token->data.u.str.ptr, token->data.u.str.len, p, JWT_PARTS);
	if (n == 2 && alg == JWT_ALG_NONE)
		return JWT_VRFY_OK;
	if (n != JWT_PARTS)
		return JWT_VRFY_INVALID_TOKEN;
	if (alg == JWT_ALG_NONE)
		return p[2].len ? JWT_VRFY_KO : JWT_VRFY_OK;
	if (!p[2].len)
		return JWT_VRFY_INVALID_TOKEN;
	siglen = base64url_decode(p[2].ptr, p[2].len, sig, sizeof(sig));
	if (siglen < 0)
		return JWT_VRFY_INVALID_TOKEN;
	signed_len = p[0].len + 1 + p[1].len;
	if (!jwt_alg_has_key(alg))
		return jwt_verify_hmac(alg, key, p[0].ptr, signed_len, sig, (size_t)siglen);
	return jwt_verify_pkey(alg, key, p[0].ptr, signed_len, sig, (size_t)siglen);
}

/* The string argument <arg>, written or from a variable, into <out>. */
static int jwt_arg_str(const struct sample_arg *arg, const struct sample *smp, struct sample *out)
{
	if (arg->type != SMP_ARGT_STR)
		return sample_arg_var(arg, smp, SMP_T_STR, out);
	memset(out, 0, sizeof(*out));
	sample_set_str(out, arg->data.str.ptr, arg->data.str.len);
	return 1;
}

static int conv_jwt_verify(const struct sample_arg *args, struct sample *smp, void *private)
{
	struct sample alg, key;

	if (!jwt_arg_str(&args[0], smp, &alg) || !jwt_arg_str(&args[1], smp, &key))
		return 0;
	sample_set_sint(smp, jwt_verify(smp, &alg, &key));
	return 1;
}

static struct sample_conv_kw_list conv_jwt_kws = { .kw = {
	{ "jwt_header_query",  conv_jwt_header_query,  SMP_ARG2(0, STR, STR), conv_jwt_query_check, SMP_T_BIN, SMP_T_ANY, NULL },
	{ "jwt_payload_query", conv_jwt_payload_query, SMP_ARG2(0, STR, STR), conv_jwt_query_check, SMP_T_BIN, SMP_T_ANY, NULL },
	{ "jwt_verify",        conv_jwt_verify,        SMP_ARG2(2, STR, STR), conv_jwt_verify_check, SMP_T_BIN, SMP_T_SINT, NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void conv_jwt_register(void)
{
	sample_register_convs(&conv_jwt_kws);
}
