/*
 * Hash and digest converters on top of core/hash.c: crc32c, xxh32,
 * xxh64, xxh3, sha1, sha2, digest and hmac (SHA algorithms only). Same
 * values as HAProxy (the published algorithms); 32-bit hashes are unsigned integers, 64-bit ones are
 * signed as HAProxy prints them. Digests are binary samples written into
 * the thread's scratch area.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tollgate/base64.h>
#include <tollgate/errmsg.h>
#include <tollgate/hash.h>
#include <tollgate/sample.h>

/* crc32c([avalanche]) */
static int conv_crc32c(const struct sample_arg *args, struct sample *smp, void *private)
{
	uint32_t h = hash_crc32c(smp->data.u.str.ptr, smp->data.u.str.len);

	if (args[0].type == SMP_ARGT_SINT && args[0].data.sint)
		h = hash_avalanche32(h);
	sample_set_sint(smp, h);
	return 1;
}

static inline uint64_t conv_seed(const struct sample_arg *args)
{
	return args[0].type == SMP_ARGT_SINT ? (uint64_t)args[0].data.sint : 0;
}

/* xxh32([seed]), xxh64([seed]), xxh3([seed]) */
static int conv_xxh32(const struct sample_arg *args, struct sample *smp, void *private)
{
	sample_set_sint(smp, hash_xxh32(smp->data.u.str.ptr, smp->data.u.str.len, (uint32_t)conv_seed(args)));
	return 1;
}

static int conv_xxh64(const struct sample_arg *args, struct sample *smp, void *private)
{
	sample_set_sint(smp, (int64_t)hash_xxh64(smp->data.u.str.ptr, smp->data.u.str.len, conv_seed(args)));
	return 1;
}

static int conv_xxh3(const struct sample_arg *args, struct sample *smp, void *private)
{
	sample_set_sint(smp, (int64_t)hash_xxh3(smp->data.u.str.ptr, smp->data.u.str.len, conv_seed(args)));
	return 1;
}

static int conv_sha1(const struct sample_arg *args, struct sample *smp, void *private)
{
	char *out = sample_scratch();

	hash_sha1(smp->data.u.str.ptr, smp->data.u.str.len, (uint8_t *)out);
	sample_set_bin(smp, out, HASH_SHA1_LEN);
	return 1;
}

/* sha2([bits]): 224, 256 (default), 384 or 512. */
static int conv_sha2_check(struct sample_arg *args, char **err)
{
	int64_t bits = args[0].type == SMP_ARGT_SINT ? args[0].data.sint : 256;

	if (bits != 224 && bits != 256 && bits != 384 && bits != 512)
		return err_set(err, "unsupported number of bits: '%lld' (expected 224, 256, 384 or 512)", (long long)bits);
	return 0;
}

static int conv_sha2(const struct sample_arg *args, struct sample *smp, void *private)
{
	int bits = args[0].type == SMP_ARGT_SINT ? (int)args[0].data.sint : 256;
	char *out = sample_scratch();
	size_t n = hash_sha2(bits, smp->data.u.str.ptr, smp->data.u.str.len, (uint8_t *)out);

	if (!n)
		return 0;
	sample_set_bin(smp, out, n);
	return 1;
}

/* ---- digest(<algo>) and hmac(<algo>,<key>) ---- */

/* The SHA digests by their OpenSSL names (case-insensitive): output bits,
 * 0 for SHA-1; <block> is the HMAC block size.
 */
static const struct conv_digest {
	const char *name;
	int bits;                    /* 0: SHA-1, else the SHA-2 size */
	size_t block;                /* bytes per compression block */
} conv_digests[] = {
	{ "sha1", 0, 64 }, { "sha224", 224, 64 }, { "sha256", 256, 64 },
	{ "sha384", 384, 128 }, { "sha512", 512, 128 },
};

/* Digest of <len> bytes at <in> into <out>; returns its length. */
static size_t conv_digest_run(const struct conv_digest *d, const void *in, size_t len, uint8_t *out)
{
	if (!d->bits) {
		hash_sha1(in, len, out);
		return HASH_SHA1_LEN;
	}
	return hash_sha2(d->bits, in, len, out);
}

/* Replaces args[0] (an algorithm name) by its entry. */
static int conv_digest_check(struct sample_arg *args, char **err)
{
	for (size_t i = 0; i < sizeof(conv_digests) / sizeof(conv_digests[0]); i++) {
		if (!strcasecmp(args[0].data.str.ptr, conv_digests[i].name)) {
			free(args[0].data.str.ptr);
			args[0].type = SMP_ARGT_OBJ;
			args[0].data.obj.ptr = (void *)&conv_digests[i];
			args[0].data.obj.free = NULL;
			return 0;
		}
	}
	return err_set(err, "unsupported digest algorithm '%s' (supported: sha1, sha224, sha256, sha384 and sha512)",
		       args[0].data.str.ptr);
}

static int conv_digest(const struct sample_arg *args, struct sample *smp, void *private)
{
	char *out = sample_scratch();

	sample_set_bin(smp, out, conv_digest_run(args[0].data.obj.ptr, smp->data.u.str.ptr,
						  smp->data.u.str.len, (uint8_t *)out));
	return 1;
}

/* hmac: the key is base64, decoded once here (HAProxy also takes a
 * variable name, refused here).
 */
static int conv_hmac_check(struct sample_arg *args, char **err)
{
	char key[HASH_SHA2_MAXLEN * 4];
	ssize_t n;

	if (conv_digest_check(args, err) < 0)
		return -EINVAL;
	n = base64_decode(args[1].data.str.ptr, args[1].data.str.len, key, sizeof(key));
	if (n < 0)
		return err_set(err, "the key '%s' is not valid base64 (variables as keys are not supported)",
			       args[1].data.str.ptr);
	memcpy(args[1].data.str.ptr, key, (size_t)n);
	args[1].data.str.len = (size_t)n;
	return 0;
}

/* RFC 2104: H((K ^ opad) || H((K ^ ipad) || message)). */
static int conv_hmac(const struct sample_arg *args, struct sample *smp, void *private)
{
	const struct conv_digest *d = args[0].data.obj.ptr;
	uint8_t k0[128] = { 0 }, outer[128 + HASH_SHA2_MAXLEN];
	size_t len = smp->data.u.str.len, klen = args[1].data.str.len, n;
	char *buf, *out;

	if (len > SAMPLE_SCRATCH_SIZE - d->block)
		return 0;
	if (klen > d->block)
		conv_digest_run(d, args[1].data.str.ptr, klen, k0);
	else
		memcpy(k0, args[1].data.str.ptr, klen);
	buf = sample_scratch();   /* the other buffer than the input's, if it is in one */
	for (size_t i = 0; i < d->block; i++) {
		buf[i] = (char)(k0[i] ^ 0x36);
		outer[i] = k0[i] ^ 0x5c;
	}
	memcpy(buf + d->block, smp->data.u.str.ptr, len);
	n = conv_digest_run(d, buf, d->block + len, outer + d->block);
	out = sample_scratch();
	sample_set_bin(smp, out, conv_digest_run(d, outer, d->block + n, (uint8_t *)out));
	return 1;
}

static struct sample_conv_kw_list conv_hash_kws = {
	.kw = {
		/* name     fn           args               check            in         out */
		{ "crc32c", conv_crc32c, SMP_ARG1(0, SINT), NULL,            SMP_T_BIN, SMP_T_SINT, NULL },
		{ "xxh32",  conv_xxh32,  SMP_ARG1(0, SINT), NULL,            SMP_T_BIN, SMP_T_SINT, NULL },
		{ "xxh64",  conv_xxh64,  SMP_ARG1(0, SINT), NULL,            SMP_T_BIN, SMP_T_SINT, NULL },
		{ "xxh3",   conv_xxh3,   SMP_ARG1(0, SINT), NULL,            SMP_T_BIN, SMP_T_SINT, NULL },
		{ "sha1",   conv_sha1,   SMP_ARG0,          NULL,            SMP_T_BIN, SMP_T_BIN,  NULL },
		{ "sha2",   conv_sha2,   SMP_ARG1(0, SINT), conv_sha2_check, SMP_T_BIN, SMP_T_BIN,  NULL },
		{ "digest", conv_digest, SMP_ARG1(1, STR),  conv_digest_check, SMP_T_BIN, SMP_T_BIN, NULL },
		{ "hmac",   conv_hmac,   SMP_ARG2(2, STR, STR), conv_hmac_check, SMP_T_BIN, SMP_T_BIN, NULL },
		{ NULL, NULL, 0, NULL, 0, 0, NULL },
	}
};

__attribute__((constructor)) static void conv_hash_register(void)
{
	sample_register_convs(&conv_hash_kws);
}
