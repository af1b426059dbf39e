/*
 * Hash and digest converters on top of core/hash.c: crc32c, xxh32,
 * xxh64, xxh3, sha1 and sha2. Same values as HAProxy (the published
 * algorithms); 32-bit hashes are unsigned integers, 64-bit ones are
 * signed as HAProxy prints them. Digests are binary samples written into
 * the thread's scratch area.
 */
#include <errno.h>
#include <string.h>

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

static struct sample_conv_kw_list conv_hash_kws = {
	.kw = {
		/* name     fn           args               check            in         out */
		{ "crc32c", conv_crc32c, SMP_ARG1(0, SINT), NULL,            SMP_T_BIN, SMP_T_SINT, NULL },
		{ "xxh32",  conv_xxh32,  SMP_ARG1(0, SINT), NULL,            SMP_T_BIN, SMP_T_SINT, NULL },
		{ "xxh64",  conv_xxh64,  SMP_ARG1(0, SINT), NULL,            SMP_T_BIN, SMP_T_SINT, NULL },
		{ "xxh3",   conv_xxh3,   SMP_ARG1(0, SINT), NULL,            SMP_T_BIN, SMP_T_SINT, NULL },
		{ "sha1",   conv_sha1,   SMP_ARG0,          NULL,            SMP_T_BIN, SMP_T_BIN,  NULL },
		{ "sha2",   conv_sha2,   SMP_ARG1(0, SINT), conv_sha2_check, SMP_T_BIN, SMP_T_BIN,  NULL },
		{ NULL, NULL, 0, NULL, 0, 0, NULL },
	}
};

__attribute__((constructor)) static void conv_hash_register(void)
{
	sample_register_convs(&conv_hash_kws);
}
