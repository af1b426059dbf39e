/*
 * Constant and environment-free fetches (HAProxy's names): str(<text>),
 * int(<n>), bool(<true|false|1|0>), bin(<hex>), ipv4(<addr>),
 * ipv6(<addr>), uuid([4]), rand([range]). Valid everywhere; their value
 * is the argument, parsed once; uuid and rand draw from a per-thread
 * generator seeded from the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <tollgate/errmsg.h>
#include <tollgate/sample.h>

static int smp_str(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_str(smp, args[0].data.str.ptr, args[0].data.str.len);
	return 1;
}

static int smp_int(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_sint(smp, args[0].data.sint);
	return 1;
}

static int smp_bool(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_bool(smp, (int)args[0].data.sint);
	return 1;
}

/* bool: "true" or "1", "false" or "0"; replaced by 1 or 0. */
static int smp_bool_check(struct sample_arg *args, char **err)
{
	const char *s = args[0].data.str.ptr;
	int v;

	if (!strcmp(s, "true") || !strcmp(s, "1"))
		v = 1;
	else if (!strcmp(s, "false") || !strcmp(s, "0"))
		v = 0;
	else
		return err_set(err, "'%s' is not a boolean (expected 'true', 'false', '1' or '0')", s);
	free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_SINT;
	args[0].data.sint = v;
	return 0;
}

static int smp_bin(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_bin(smp, args[0].data.str.ptr, args[0].data.str.len);
	return 1;
}

/* bin: an even number of hex digits, decoded in place. */
static int smp_bin_check(struct sample_arg *args, char **err)
{
	char *s = args[0].data.str.ptr;
	size_t len = args[0].data.str.len;

	if (len % 2)
		return err_set(err, "'%s': a binary block needs an even number of hex digits", s);
	for (size_t i = 0; i < len; i += 2) {
		int hi = sample_hex_digit(s[i]), lo = sample_hex_digit(s[i + 1]);

		if (hi < 0 || lo < 0)
			return err_set(err, "'%s': invalid hex digit at position %zu", s, hi < 0 ? i : i + 1);
		s[i / 2] = (char)(hi << 4 | lo);
	}
	args[0].data.str.len = len / 2;
	return 0;
}

static int smp_ipv4(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	smp->data.type = SMP_T_IPV4;
	smp->data.u.ipv4 = args[0].data.ipv4;
	return 1;
}

static int smp_ipv6(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	smp->data.type = SMP_T_IPV6;
	smp->data.u.ipv6 = args[0].data.ipv6;
	return 1;
}

/* The calling thread's xorshift64* generator, seeded on first use. */
static uint64_t smp_random(void)
{
	static __thread uint64_t state;

	if (!state) {
		if (getrandom(&state, sizeof(state), GRND_NONBLOCK) != sizeof(state))
			state = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&state;
		state |= 1;
	}
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545F4914F6CDD1DULL;
}

/* uuid([4]): a random (version 4) UUID in its text form. */
static int smp_uuid_check(struct sample_arg *args, char **err)
{
	if (args[0].type == SMP_ARGT_SINT && args[0].data.sint != 4)
		return err_set(err, "unsupported UUID version %lld (only 4 is supported)", (long long)args[0].data.sint);
	return 0;
}

static int smp_uuid(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	uint64_t a = smp_random(), b = smp_random();
	char *out = sample_scratch();
	int n;

	a = (a & ~0xf000ULL) | 0x4000ULL;                          /* version 4 */
	b = (b & ~(3ULL << 62)) | (2ULL << 62);                     /* variant 10 */
	n = snprintf(out, SAMPLE_SCRATCH_SIZE, "%08x-%04x-%04x-%04x-%012llx",
		     (unsigned int)(a >> 32), (unsigned int)(a >> 16) & 0xffff, (unsigned int)a & 0xffff,
		     (unsigned int)(b >> 48), (unsigned long long)(b & 0xffffffffffffULL));
	sample_set_str(smp, out, (size_t)n);
	return 1;
}

/* rand([range]): a random integer in [0, range), 32 bits by default. */
static int smp_rand(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	uint64_t r = smp_random() >> 32;

	if (args[0].type == SMP_ARGT_SINT && args[0].data.sint > 0)
		r = (r * (uint64_t)args[0].data.sint) >> 32;
	sample_set_sint(smp, (int64_t)r);
	return 1;
}

static struct sample_fetch_kw_list smp_const_fetch_list = { .kw = {
	/* name    fn        args               check           out         use */
	{ "str",   smp_str,  SMP_ARG1(1, STR),  NULL,           SMP_T_STR,  SMP_USE_ANY },
	{ "int",   smp_int,  SMP_ARG1(1, SINT), NULL,           SMP_T_SINT, SMP_USE_ANY },
	{ "bool",  smp_bool, SMP_ARG1(1, STR),  smp_bool_check, SMP_T_BOOL, SMP_USE_ANY },
	{ "bin",   smp_bin,  SMP_ARG1(1, STR),  smp_bin_check,  SMP_T_BIN,  SMP_USE_ANY },
	{ "ipv4",  smp_ipv4, SMP_ARG1(1, IPV4), NULL,           SMP_T_IPV4, SMP_USE_ANY },
	{ "ipv6",  smp_ipv6, SMP_ARG1(1, IPV6), NULL,           SMP_T_IPV6, SMP_USE_ANY },
	{ "uuid",  smp_uuid, SMP_ARG1(0, SINT), smp_uuid_check, SMP_T_STR,  SMP_USE_ANY },
	{ "rand",  smp_rand, SMP_ARG1(0, SINT), NULL,           SMP_T_SINT, SMP_USE_ANY },
	{ NULL, NULL, 0, NULL, 0, 0 },
} };

__attribute__((constructor)) static void fetch_const_register(void)
{
	sample_register_fetches(&smp_const_fetch_list);
}
