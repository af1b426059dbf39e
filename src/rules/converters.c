/*
 * Generic converters: case, hashes, encodings, fields, arithmetic.
 *
 * Each converter takes a sample already cast to its declared input type and
 * transforms it in place; a converter that builds a new string writes it
 * into the thread's scratch area (one sample_scratch() call, see sample.h)
 * and fails rather than truncate when it does not fit. None allocates;
 * all are reentrant. Behaviours follow HAProxy's configuration manual,
 * section 7.3.1; the keyword table is at the bottom of the file.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/base64.h>
#include <tollgate/hash.h>
#include <tollgate/sample.h>

/* Referenced by sample.c so that this object is linked from the static
 * library, which makes its constructor run.
 */
const int conv_builtin_linked = 1;

/* ---- case ---- */

static int conv_lower(const struct sample_arg *args, struct sample *smp, void *private)
{
	size_t len = smp->data.u.str.len;
	char *out;

	if (len > SAMPLE_SCRATCH_SIZE)
		return 0;
	out = sample_scratch();
	for (size_t i = 0; i < len; i++)
		out[i] = tolower((unsigned char)smp->data.u.str.ptr[i]);
	sample_set_str(smp, out, len);
	return 1;
}

static int conv_upper(const struct sample_arg *args, struct sample *smp, void *private)
{
	size_t len = smp->data.u.str.len;
	char *out;

	if (len > SAMPLE_SCRATCH_SIZE)
		return 0;
	out = sample_scratch();
	for (size_t i = 0; i < len; i++)
		out[i] = toupper((unsigned char)smp->data.u.str.ptr[i]);
	sample_set_str(smp, out, len);
	return 1;
}

/* ---- addresses ---- */

/* ipmask(mask4[,mask6]): an IPv6 that maps an IPv4 (v4-mapped,
 * v4-compatible, 6to4) is masked as IPv4; another IPv6 needs <mask6>.
 */
static int conv_ipmask(const struct sample_arg *args, struct sample *smp, void *private)
{
	if (smp->data.type == SMP_T_IPV6) {
		struct in_addr v4;

		if (sample_v6tov4(&v4, &smp->data.u.ipv6)) {
			smp->data.u.ipv4 = v4;
			smp->data.type = SMP_T_IPV4;
		}
	}
	if (smp->data.type == SMP_T_IPV4) {
		smp->data.u.ipv4.s_addr &= args[0].data.ipv4.s_addr;
		return 1;
	}
	if (args[1].type != SMP_ARGT_MSK6)
		return 0;
	for (int i = 0; i < 16; i++)
		smp->data.u.ipv6.s6_addr[i] &= args[1].data.ipv6.s6_addr[i];
	return 1;
}

/* ---- hashes (same results as HAProxy's hash-type functions) ---- */

/* Replaces the binary sample <smp> by hash <h>, avalanched if args[0]. */
static int conv_set_hash(const struct sample_arg *args, struct sample *smp, uint32_t h)
{
	if (args[0].type == SMP_ARGT_SINT && args[0].data.sint)
		h = hash_avalanche32(h);
	sample_set_sint(smp, h);
	return 1;
}

static int conv_crc32(const struct sample_arg *args, struct sample *smp, void *private)
{
	return conv_set_hash(args, smp, hash_crc32(smp->data.u.str.ptr,
							smp->data.u.str.len));
}

static int conv_djb2(const struct sample_arg *args, struct sample *smp, void *private)
{
	return conv_set_hash(args, smp, hash_djb2(smp->data.u.str.ptr,
						       smp->data.u.str.len));
}

static int conv_sdbm(const struct sample_arg *args, struct sample *smp, void *private)
{
	return conv_set_hash(args, smp, hash_sdbm(smp->data.u.str.ptr,
						       smp->data.u.str.len));
}

static int conv_wt6(const struct sample_arg *args, struct sample *smp, void *private)
{
	return conv_set_hash(args, smp, hash_wt6(smp->data.u.str.ptr,
						      smp->data.u.str.len));
}

/* ---- encodings ---- */

static int conv_base64(const struct sample_arg *args, struct sample *smp, void *private)
{
	char *out;

	if (smp->data.u.str.len > (SAMPLE_SCRATCH_SIZE / 4) * 3)
		return 0;
	out = sample_scratch();
	sample_set_str(smp, out, base64_encode(smp->data.u.str.ptr, smp->data.u.str.len, out));
	return 1;
}

/* b64dec: no output for invalid base64 (as HAProxy). */
static int conv_b64dec(const struct sample_arg *args, struct sample *smp, void *private)
{
	char *out = sample_scratch();
	ssize_t n = base64_decode(smp->data.u.str.ptr, smp->data.u.str.len, out, SAMPLE_SCRATCH_SIZE);

	if (n < 0)
		return 0;
	sample_set_bin(smp, out, (size_t)n);
	return 1;
}

static int conv_hex(const struct sample_arg *args, struct sample *smp, void *private)
{
	static const char digits[] = "0123456789ABCDEF";
	const uint8_t *in = (const uint8_t *)smp->data.u.str.ptr;
	size_t len = smp->data.u.str.len;
	char *out;

	if (len > SAMPLE_SCRATCH_SIZE / 2)
		return 0;
	out = sample_scratch();
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	sample_set_str(smp, out, 2 * len);
	return 1;
}

/* json input decoders (argument values after conv_json_check()). */
enum conv_json_mode {
	CONV_JSON_ASCII = 0,   /* bytes are characters, never fails */
	CONV_JSON_UTF8,        /* fails on any UTF-8 error */
	CONV_JSON_UTF8S,       /* drops erroneous characters */
	CONV_JSON_UTF8P,       /* accepts overlong forms, fails on other errors */
	CONV_JSON_UTF8PS,      /* accepts overlong forms, drops other errors */
};

#define CONV_UTF8_OK       0
#define CONV_UTF8_BADSEQ   1   /* lone continuation, missing continuation, bad lead byte */
#define CONV_UTF8_INVRANGE 2   /* surrogate or above U+10FFFF */
#define CONV_UTF8_OVERLONG 4   /* more bytes than needed */

/* Decodes one UTF-8 character from the <len> (> 0) bytes at <p> into *<c>.
 * Returns the bytes consumed (>= 1) and sets *<code> to CONV_UTF8_* bits.
 */
static size_t conv_utf8_next(const uint8_t *p, size_t len, uint32_t *c, int *code)
{
	static const uint32_t min[4] = { 0, 0x80, 0x800, 0x10000 };
	size_t need, i;
	uint32_t v;

	*code = CONV_UTF8_OK;
	if (p[0] < 0x80) {
		*c = p[0];
		return 1;
	}
	if (p[0] >= 0xc0 && p[0] < 0xe0) {
		need = 1;
		v = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] < 0xf0) {
		need = 2;
		v = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] < 0xf8) {
		need = 3;
		v = p[0] & 0x07;
	} else {
		*code = CONV_UTF8_BADSEQ;
		*c = p[0];
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= len || (p[i] & 0xc0) != 0x80) {
			*code = CONV_UTF8_BADSEQ;
			*c = v;
			return i;
		}
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min[need])
		*code |= CONV_UTF8_OVERLONG;
	if ((v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		*code |= CONV_UTF8_INVRANGE;
	*c = v;
	return need + 1;
}

static int conv_json_check(struct sample_arg *args, char **err)
{
	static const char *const names[] = { "ascii", "utf8", "utf8s", "utf8p", "utf8ps" };
	const char *name = args[0].type == SMP_ARGT_STR ? args[0].data.str.ptr : "";

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(name, names[i]) == 0 || (!*name && i == 0)) {
			if (args[0].type == SMP_ARGT_STR)
				free(args[0].data.str.ptr);
			args[0].type = SMP_ARGT_SINT;
			args[0].data.sint = i;
			return 0;
		}
	}
	if (err)
		*err = strdup("unknown input code; expected 'ascii', 'utf8', 'utf8s', 'utf8p' or 'utf8ps'");
	return -EINVAL;
}

static int conv_json(const struct sample_arg *args, struct sample *smp, void *private)
{
	const uint8_t *p = (const uint8_t *)smp->data.u.str.ptr;
	const uint8_t *end = p + smp->data.u.str.len;
	int mode = args[0].type == SMP_ARGT_SINT ? (int)args[0].data.sint : CONV_JSON_ASCII;
	char *out = sample_scratch();
	size_t o = 0;

	while (p < end) {
		char tmp[8];
		const char *s = tmp;
		size_t l = 1;
		uint32_t c;

		if (mode == CONV_JSON_ASCII) {
			c = *p++;
		} else {
			int code;

			p += conv_utf8_next(p, end - p, &c, &code);
			if (mode == CONV_JSON_UTF8P || mode == CONV_JSON_UTF8PS)
				code &= ~CONV_UTF8_OVERLONG;
			if (code != CONV_UTF8_OK) {
				if (mode == CONV_JSON_UTF8 || mode == CONV_JSON_UTF8P)
					return 0;
				continue;
			}
			if (c > 0xffff) {   /* \u takes only 4 hex digits */
				if (mode == CONV_JSON_UTF8 || mode == CONV_JSON_UTF8P)
					return 0;
				continue;
			}
		}
		switch (c) {
		case '"':  s = "\\\""; l = 2; break;
		case '\\': s = "\\\\"; l = 2; break;
		case '/':  s = "\\/"; l = 2; break;
		case '\b': s = "\\b"; l = 2; break;
		case '\f': s = "\\f"; l = 2; break;
		case '\r': s = "\\r"; l = 2; break;
		case '\n': s = "\\n"; l = 2; break;
		case '\t': s = "\\t"; l = 2; break;
		default:
			if (c > 0x7e || c < 0x20) {   /* not printable in the C locale */
				snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned int)c);
				l = 6;
			} else {
				tmp[0] = c;
			}
		}
		if (o + l > SAMPLE_SCRATCH_SIZE)
			return 0;
		memcpy(out + o, s, l);
		o += l;
	}
	sample_set_str(smp, out, o);
	return 1;
}

/* ---- fields and words ---- */

static int conv_field_check(struct sample_arg *args, char **err)
{
	const char *why = NULL;

	if (args[0].data.sint == 0)
		why = "index 0 is invalid: fields count from 1 (or -1 from the end)";
	else if (args[1].data.str.len == 0)
		why = "the delimiter list is empty";
	else if (args[2].type == SMP_ARGT_SINT && args[2].data.sint < 0)
		why = "the count must be 0 (all remaining) or positive";
	if (why && err)
		*err = strdup(why);
	return why ? -EINVAL : 0;
}

static inline int conv_is_delim(const struct sample_arg *d, char c)
{
	return memchr(d->data.str.ptr, c, d->data.str.len) != NULL;
}

/* field(index,delimiters[,count]): empty fields count. The result is a
 * part of the input (no copy).
 */
static int conv_field(const struct sample_arg *args, struct sample *smp, void *private)
{
	const char *s = smp->data.u.str.ptr, *e = s + smp->data.u.str.len, *p;
	const char *start = s, *end = e;
	int64_t idx = args[0].data.sint, f = 1;
	int64_t count = args[2].type == SMP_ARGT_SINT ? args[2].data.sint : 1;

	if (idx > 0) {
		for (p = s; p < e && f < idx; p++) {
			if (conv_is_delim(&args[1], *p)) {
				f++;
				start = p + 1;
			}
		}
		if (f < idx)
			return 0;
		if (count) {
			for (p = start; p < e; p++)
				if (conv_is_delim(&args[1], *p) && --count == 0)
					break;
			end = p;
		}
	} else if (idx < 0) {
		for (p = e; p > s && f < -idx; p--) {
			if (conv_is_delim(&args[1], p[-1])) {
				f++;
				end = p - 1;
			}
		}
		if (f < -idx)
			return 0;
		if (count) {
			for (p = end; p > s; p--)
				if (conv_is_delim(&args[1], p[-1]) && --count == 0)
					break;
			start = p;
		}
	} else {
		return 0;
	}
	sample_set_str(smp, start, end - start);
	return 1;
}

/* word(index,delimiters[,count]): empty words are skipped. */
static int conv_word(const struct sample_arg *args, struct sample *smp, void *private)
{
	const struct sample_arg *d = &args[1];
	const char *s = smp->data.u.str.ptr, *e = s + smp->data.u.str.len, *p;
	const char *start = NULL, *end = NULL;
	int64_t idx = args[0].data.sint, w = 0;
	int64_t count = args[2].type == SMP_ARGT_SINT ? args[2].data.sint : 1;

	if (idx > 0) {
		for (p = s; p < e;) {
			while (p < e && conv_is_delim(d, *p))
				p++;
			if (p == e)
				break;
			if (++w == idx) {
				start = p;
				break;
			}
			while (p < e && !conv_is_delim(d, *p))
				p++;
		}
		if (!start)
			return 0;
		end = e;
		for (p = start; count; ) {
			while (p < e && !conv_is_delim(d, *p))
				p++;
			if (--count == 0) {
				end = p;
				break;
			}
			while (p < e && conv_is_delim(d, *p))
				p++;
			if (p == e)
				break;
		}
	} else if (idx < 0) {
		for (p = e; p > s;) {
			while (p > s && conv_is_delim(d, p[-1]))
				p--;
			if (p == s)
				break;
			if (++w == -idx) {
				end = p;
				break;
			}
			while (p > s && !conv_is_delim(d, p[-1]))
				p--;
		}
		if (!end)
			return 0;
		start = s;
		for (p = end; count; ) {
			while (p > s && !conv_is_delim(d, p[-1]))
				p--;
			if (--count == 0) {
				start = p;
				break;
			}
			while (p > s && conv_is_delim(d, p[-1]))
				p--;
			if (p == s)
				break;
		}
	} else {
		return 0;
	}
	sample_set_str(smp, start, end - start);
	return 1;
}

static int conv_length(const struct sample_arg *args, struct sample *smp, void *private)
{
	sample_set_sint(smp, (int64_t)smp->data.u.str.len);
	return 1;
}

/* ---- booleans and arithmetic ---- */

static int conv_bool(const struct sample_arg *args, struct sample *smp, void *private)
{
	sample_set_bool(smp, smp->data.u.sint != 0);
	return 1;
}

static int conv_not(const struct sample_arg *args, struct sample *smp, void *private)
{
	sample_set_bool(smp, smp->data.u.sint == 0);
	return 1;
}

/* Arithmetic saturates at INT64_MIN/INT64_MAX instead of wrapping. */
static int conv_add(const struct sample_arg *args, struct sample *smp, void *private)
{
	int64_t a = smp->data.u.sint, b, r;

	if (!sample_arg_sint(&args[0], smp, &b))
		return 0;
	if (__builtin_add_overflow(a, b, &r))
		r = b > 0 ? INT64_MAX : INT64_MIN;
	sample_set_sint(smp, r);
	return 1;
}

static int conv_sub(const struct sample_arg *args, struct sample *smp, void *private)
{
	int64_t a = smp->data.u.sint, b, r;

	if (!sample_arg_sint(&args[0], smp, &b))
		return 0;
	if (__builtin_sub_overflow(a, b, &r))
		r = b < 0 ? INT64_MAX : INT64_MIN;
	sample_set_sint(smp, r);
	return 1;
}

static int conv_mul(const struct sample_arg *args, struct sample *smp, void *private)
{
	int64_t a = smp->data.u.sint, b, r;

	if (!sample_arg_sint(&args[0], smp, &b))
		return 0;
	if (__builtin_mul_overflow(a, b, &r))
		r = (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
	sample_set_sint(smp, r);
	return 1;
}

/* div by 0 gives INT64_MAX, as HAProxy does. */
static int conv_div(const struct sample_arg *args, struct sample *smp, void *private)
{
	int64_t a = smp->data.u.sint, b;

	if (!sample_arg_sint(&args[0], smp, &b))
		return 0;
	if (b == 0 || (a == INT64_MIN && b == -1))
		sample_set_sint(smp, INT64_MAX);
	else
		sample_set_sint(smp, a / b);
	return 1;
}

/* mod by 0 gives 0, as HAProxy does. */
static int conv_mod(const struct sample_arg *args, struct sample *smp, void *private)
{
	int64_t a = smp->data.u.sint, b;

	if (!sample_arg_sint(&args[0], smp, &b))
		return 0;
	if (b == 0 || b == -1)
		sample_set_sint(smp, 0);
	else
		sample_set_sint(smp, a % b);
	return 1;
}

static int conv_and(const struct sample_arg *args, struct sample *smp, void *private)
{
	int64_t b;

	if (!sample_arg_sint(&args[0], smp, &b))
		return 0;
	sample_set_sint(smp, smp->data.u.sint & b);
	return 1;
}

static int conv_or(const struct sample_arg *args, struct sample *smp, void *private)
{
	int64_t b;

	if (!sample_arg_sint(&args[0], smp, &b))
		return 0;
	sample_set_sint(smp, smp->data.u.sint | b);
	return 1;
}

static int conv_xor(const struct sample_arg *args, struct sample *smp, void *private)
{
	int64_t b;

	if (!sample_arg_sint(&args[0], smp, &b))
		return 0;
	sample_set_sint(smp, smp->data.u.sint ^ b);
	return 1;
}

static int conv_cpl(const struct sample_arg *args, struct sample *smp, void *private)
{
	sample_set_sint(smp, ~smp->data.u.sint);
	return 1;
}

static int conv_odd(const struct sample_arg *args, struct sample *smp, void *private)
{
	sample_set_bool(smp, smp->data.u.sint & 1);
	return 1;
}

static int conv_even(const struct sample_arg *args, struct sample *smp, void *private)
{
	sample_set_bool(smp, !(smp->data.u.sint & 1));
	return 1;
}

static int conv_neg(const struct sample_arg *args, struct sample *smp, void *private)
{
	int64_t a = smp->data.u.sint;

	sample_set_sint(smp, a == INT64_MIN ? INT64_MAX : -a);
	return 1;
}

/* ---- registration ---- */

static struct sample_conv_kw_list conv_builtin_kws = {
	.kw = {
		/* name      fn           args                                 check             in           out */
		{ "lower",   conv_lower,  SMP_ARG0,                            NULL,             SMP_T_STR,  SMP_T_STR,  NULL },
		{ "upper",   conv_upper,  SMP_ARG0,                            NULL,             SMP_T_STR,  SMP_T_STR,  NULL },
		{ "ipmask",  conv_ipmask, SMP_ARG2(1, MSK4, MSK6),             NULL,             SMP_T_ADDR, SMP_T_ADDR, NULL },
		{ "crc32",   conv_crc32,  SMP_ARG1(0, SINT),                   NULL,             SMP_T_BIN,  SMP_T_SINT, NULL },
		{ "djb2",    conv_djb2,   SMP_ARG1(0, SINT),                   NULL,             SMP_T_BIN,  SMP_T_SINT, NULL },
		{ "sdbm",    conv_sdbm,   SMP_ARG1(0, SINT),                   NULL,             SMP_T_BIN,  SMP_T_SINT, NULL },
		{ "wt6",     conv_wt6,    SMP_ARG1(0, SINT),                   NULL,             SMP_T_BIN,  SMP_T_SINT, NULL },
		{ "base64",  conv_base64, SMP_ARG0,                            NULL,             SMP_T_BIN,  SMP_T_STR,  NULL },
		{ "b64dec",  conv_b64dec, SMP_ARG0,                            NULL,             SMP_T_STR,  SMP_T_BIN,  NULL },
		{ "hex",     conv_hex,    SMP_ARG0,                            NULL,             SMP_T_BIN,  SMP_T_STR,  NULL },
		{ "json",    conv_json,   SMP_ARG1(0, STR),                    conv_json_check,  SMP_T_STR,  SMP_T_STR,  NULL },
		{ "field",   conv_field,  SMP_ARG3(2, SINT, STR, SINT),        conv_field_check, SMP_T_STR,  SMP_T_STR,  NULL },
		{ "word",    conv_word,   SMP_ARG3(2, SINT, STR, SINT),        conv_field_check, SMP_T_STR,  SMP_T_STR,  NULL },
		{ "length",  conv_length, SMP_ARG0,                            NULL,             SMP_T_STR,  SMP_T_SINT, NULL },
		{ "bool",    conv_bool,   SMP_ARG0,                            NULL,             SMP_T_SINT, SMP_T_BOOL, NULL },
		{ "not",     conv_not,    SMP_ARG0,                            NULL,             SMP_T_SINT, SMP_T_BOOL, NULL },
		{ "add",     conv_add,    SMP_ARG1(1, SINT),                   NULL,             SMP_T_SINT, SMP_T_SINT, NULL, NULL, SMP_CONV_F_VAR_ARGS },
		{ "sub",     conv_sub,    SMP_ARG1(1, SINT),                   NULL,             SMP_T_SINT, SMP_T_SINT, NULL, NULL, SMP_CONV_F_VAR_ARGS },
		{ "mul",     conv_mul,    SMP_ARG1(1, SINT),                   NULL,             SMP_T_SINT, SMP_T_SINT, NULL, NULL, SMP_CONV_F_VAR_ARGS },
		{ "div",     conv_div,    SMP_ARG1(1, SINT),                   NULL,             SMP_T_SINT, SMP_T_SINT, NULL, NULL, SMP_CONV_F_VAR_ARGS },
		{ "mod",     conv_mod,    SMP_ARG1(1, SINT),                   NULL,             SMP_T_SINT, SMP_T_SINT, NULL, NULL, SMP_CONV_F_VAR_ARGS },
		{ "and",     conv_and,    SMP_ARG1(1, SINT),                   NULL,             SMP_T_SINT, SMP_T_SINT, NULL, NULL, SMP_CONV_F_VAR_ARGS },
		{ "or",      conv_or,     SMP_ARG1(1, SINT),                   NULL,             SMP_T_SINT, SMP_T_SINT, NULL, NULL, SMP_CONV_F_VAR_ARGS },
		{ "xor",     conv_xor,    SMP_ARG1(1, SINT),                   NULL,             SMP_T_SINT, SMP_T_SINT, NULL, NULL, SMP_CONV_F_VAR_ARGS },
		{ "cpl",     conv_cpl,    SMP_ARG0,                            NULL,             SMP_T_SINT, SMP_T_SINT, NULL },
		{ "odd",     conv_odd,    SMP_ARG0,                            NULL,             SMP_T_SINT, SMP_T_BOOL, NULL },
		{ "even",    conv_even,   SMP_ARG0,                            NULL,             SMP_T_SINT, SMP_T_BOOL, NULL },
		{ "neg",     conv_neg,    SMP_ARG0,                            NULL,             SMP_T_SINT, SMP_T_SINT, NULL },
		{ NULL, NULL, 0, NULL, 0, 0, NULL },
	}
};

__attribute__((constructor)) static void conv_register_builtin(void)
{
	sample_register_convs(&conv_builtin_kws);
}
