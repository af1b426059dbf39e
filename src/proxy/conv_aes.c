/*
 * aes_gcm_dec(<bits>,<nonce>,<key>,<aead_tag>[,<aad>]) and
 * aes_gcm_enc(<bits>,<nonce>,<key>,<aead_tag>[,<aad>]) (HAProxy's 7.3.1;
 * 2.6 has aes_gcm_dec without <aad>): AES-GCM with OpenSSL. <nonce>,
 * <key>, <aead_tag> and <aad> are base64, written (decoded once here at
 * configuration time) or in variables (decoded at each use). For
 * aes_gcm_enc, <aead_tag> names the variable that receives the tag
 * (16 bytes, base64). A failed check of the tag or of <aad>, or a key of
 * another length than <bits>, gives no sample.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <tollgate/base64.h>
#include <tollgate/errmsg.h>
#include <tollgate/sample.h>
#include <tollgate/vars.h>

#define AES_GCM_TAG 16

static const char *const aes_arg_names[] = { NULL, "nonce", "key", "aead_tag", "aad" };

static int conv_aes_gcm_check(struct sample_arg *args, char **err, int enc)
{
	if (args[0].data.sint != 128 && args[0].data.sint != 192 && args[0].data.sint != 256)
		return err_set(err, "key size must be 128, 192 or 256 (bits).");
	for (int i = 1; i < 5 && args[i].type == SMP_ARGT_STR; i++) {
		size_t len = args[i].data.str.len;
		char *dec;
		ssize_t n;

		if (sample_arg_to_var(&args[i], err) < 0) {
			free(*err);
			*err = NULL;
		}
		if (args[i].type != SMP_ARGT_STR)
			continue;
		if (enc && i == 3)
			return err_set(err, "aead_tag must be a variable");
		dec = malloc(len / 4 * 3 + 1);
		n = dec ? base64_decode(args[i].data.str.ptr, len, dec, len / 4 * 3 + 1) : -1;
		if (n < 0) {
			free(dec);
			return err_set(err, "failed to parse %s : argument needs to be base64 encoded, "
				       "and can either be a string or a variable", aes_arg_names[i]);
		}
		free(args[i].data.str.ptr);
		args[i].data.str.ptr = dec;
		args[i].data.str.len = (size_t)n;
	}
	return 0;
}

static int conv_aes_gcm_dec_check(struct sample_arg *args, char **err)
{
	return conv_aes_gcm_check(args, err, 0);
}

static int conv_aes_gcm_enc_check(struct sample_arg *args, char **err)
{
	return conv_aes_gcm_check(args, err, 1);
}

/* The bytes of argument <arg>: decoded at configuration time, or the
 * base64 value of its variable decoded into <buf> (<room> bytes).
 * Returns the length, or -1.
 */
static ssize_t aes_arg(const struct sample_arg *arg, const struct sample *smp,
		       unsigned char *buf, size_t room, const unsigned char **out)
{
	struct sample v;
	ssize_t n;

	if (arg->type == SMP_ARGT_STR) {
		*out = (const unsigned char *)arg->data.str.ptr;
		return (ssize_t)arg->data.str.len;
	}
	if (!sample_arg_var(arg, smp, SMP_T_STR, &v))
		return -1;
	n = base64_decode(v.data.u.str.ptr, v.data.u.str.len, buf, room);
	*out = buf;
	return n;
}

static int aes_gcm(const struct sample_arg *args, struct sample *smp, int enc)
{
	unsigned char nb[256], kb[64], tb[64], ab[1024], tag[AES_GCM_TAG];
	const unsigned char *nonce, *key, *tagp = NULL, *aad = NULL;
	ssize_t nl, kl, tl = 0, al = 0;
	const EVP_CIPHER *c = args[0].data.sint == 128 ? EVP_aes_128_gcm() :
			      args[0].data.sint == 192 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
	size_t len = smp->data.u.str.len;
	unsigned char *out;
	char b64[BASE64_ENC_LEN(AES_GCM_TAG)];
	struct sample_data tagv;
	EVP_CIPHER_CTX *ctx;
	int ok, n = 0, fin = 0;

	nl = aes_arg(&args[1], smp, nb, sizeof(nb), &nonce);
	kl = aes_arg(&args[2], smp, kb, sizeof(kb), &key);
	if (!enc)
		tl = aes_arg(&args[3], smp, tb, sizeof(tb), &tagp);
	if (args[4].type != SMP_ARGT_STOP)
		al = aes_arg(&args[4], smp, ab, sizeof(ab), &aad);
	if (nl <= 0 || kl != args[0].data.sint / 8 || tl < 0 || al < 0 ||
	    len > SAMPLE_SCRATCH_SIZE - AES_GCM_TAG)
		return 0;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return 0;
	out = (unsigned char *)sample_scratch();
	ok = EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, (int)nl, NULL) == 1 &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) == 1 &&
	     (!al || EVP_CipherUpdate(ctx, NULL, &n, aad, (int)al) == 1) &&
	     EVP_CipherUpdate(ctx, out, &n, (const unsigned char *)smp->data.u.str.ptr, (int)len) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tl, (void *)tagp) == 1;
	ok = ok && EVP_CipherFinal_ex(ctx, out + n, &fin) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AES_GCM_TAG, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return 0;
	if (enc) {
		memset(&tagv, 0, sizeof(tagv));
		tagv.type = SMP_T_STR;
		tagv.u.str.ptr = b64;
		tagv.u.str.len = base64_encode(tag, AES_GCM_TAG, b64);
		if (!smp->ctx || vars_set(args[3].data.obj.ptr, smp->ctx, &tagv) < 0)
			return 0;
	}
	sample_set_bin(smp, out, (size_t)(n + fin));
	return 1;
}

static int conv_aes_gcm_dec(const struct sample_arg *args, struct sample *smp, void *private)
{
	return aes_gcm(args, smp, 0);
}

static int conv_aes_gcm_enc(const struct sample_arg *args, struct sample *smp, void *private)
{
	return aes_gcm(args, smp, 1);
}

static struct sample_conv_kw_list conv_aes_kws = { .kw = {
	{ "aes_gcm_dec", conv_aes_gcm_dec, SMP_ARG5(4, SINT, STR, STR, STR, STR), conv_aes_gcm_dec_check, SMP_T_BIN, SMP_T_BIN, NULL },
	{ "aes_gcm_enc", conv_aes_gcm_enc, SMP_ARG5(4, SINT, STR, STR, STR, STR), conv_aes_gcm_enc_check, SMP_T_BIN, SMP_T_BIN, NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void conv_aes_register(void)
{
	sample_register_convs(&conv_aes_kws);
}
