/*
 * Text and binary converters: integer dumps of binary input (be2dec,
 * le2dec, be2hex), URL and base64url codings, control-character tests,
 * reversal, parameter and host extraction, byte ranges, concatenation,
 * regex substitution (regsub) and the boolean switch iif. Behaviour follows HAProxy's configuration
 * manual (section 7.3.1) and matches HAProxy's output; same contract as
 * converters.c: input already cast, output in the thread's scratch area
 * or a part of the input, failure rather than truncation.
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/base64.h>
#include <tollgate/errmsg.h>
#include <tollgate/sample.h>

static const char conv_hexdigits[] = "0123456789ABCDEF";

/* ---- be2dec, le2dec, be2hex ---- */

/* be2dec/le2dec(separator,chunk_size[,truncate]) */
static int conv_2dec_check(struct sample_arg *args, char **err)
{
	if (args[1].type != SMP_ARGT_SINT || args[1].data.sint <= 0 || args[1].data.sint > 8)
		return err_set(err, "chunk_size out of [1..8] range (%lld)",
			       (long long)(args[1].type == SMP_ARGT_SINT ? args[1].data.sint : 0));
	if (args[2].type == SMP_ARGT_SINT && args[2].data.sint != 0 && args[2].data.sint != 1)
		return err_set(err, "Unsupported truncate value (%lld)", (long long)args[2].data.sint);
	return 0;
}

/* One unsigned number per <chunk_size> input bytes (big-endian if
 * <private> is non-NULL), separated by the separator; with <truncate>, a
 * last incomplete chunk is dropped.
 */
static int conv_2dec(const struct sample_arg *args, struct sample *smp, void *private)
{
	const uint8_t *in = (const uint8_t *)smp->data.u.str.ptr;
	size_t len = smp->data.u.str.len, chunk = (size_t)args[1].data.sint, o = 0, pos = 0;
	int trunc = args[2].type == SMP_ARGT_SINT && args[2].data.sint;
	const char *sep = args[0].data.str.ptr;
	size_t seplen = args[0].data.str.len;
	char *out = sample_scratch();

	while (pos < len && (!trunc || len - pos >= chunk)) {
		unsigned long long n = 0;
		char num[24];
		int nl;

		for (size_t i = 0; i < chunk && pos < len; i++, pos++) {
			if (private)
				n = (n << 8) | in[pos];
			else
				n |= (unsigned long long)in[pos] << (8 * i);
		}
		nl = snprintf(num, sizeof(num), "%llu", n);
		if (o + (o ? seplen : 0) + (size_t)nl > SAMPLE_SCRATCH_SIZE)
			break;   /* as HAProxy: stop at what fits */
		if (o) {
			memcpy(out + o, sep, seplen);
			o += seplen;
		}
		memcpy(out + o, num, (size_t)nl);
		o += (size_t)nl;
	}
	sample_set_str(smp, out, o);
	return 1;
}

/* be2hex([separator[,chunk_size[,truncate]]]) */
static int conv_be2hex_check(struct sample_arg *args, char **err)
{
	int64_t chunk = args[1].type == SMP_ARGT_SINT ? args[1].data.sint : 0;
	int64_t trunc = args[2].type == SMP_ARGT_SINT ? args[2].data.sint : 0;
	size_t seplen = args[0].type == SMP_ARGT_STR ? args[0].data.str.len : 0;

	if (chunk <= 0 && (seplen > 0 || trunc != 0))
		return err_set(err, "chunk_size needs to be positive (%lld)", (long long)chunk);
	if (trunc != 0 && trunc != 1)
		return err_set(err, "Unsupported truncate value (%lld)", (long long)trunc);
	return 0;
}

static int conv_be2hex(const struct sample_arg *args, struct sample *smp, void *private)
{
	const uint8_t *in = (const uint8_t *)smp->data.u.str.ptr;
	size_t len = smp->data.u.str.len, o = 0, pos = 0;
	size_t seplen = args[0].type == SMP_ARGT_STR ? args[0].data.str.len : 0;
	size_t chunk = args[1].type == SMP_ARGT_SINT ? (size_t)args[1].data.sint : 0;
	int trunc = args[2].type == SMP_ARGT_SINT && args[2].data.sint;
	char *out = sample_scratch();

	if (!seplen && !trunc)
		chunk = len;
	while (pos < len && (!trunc || len - pos >= chunk)) {
		size_t n = chunk < len - pos ? chunk : len - pos;

		if (o + (o ? seplen : 0) + 2 * n > SAMPLE_SCRATCH_SIZE)
			return 0;
		if (o) {
			memcpy(out + o, args[0].data.str.ptr, seplen);
			o += seplen;
		}
		for (size_t i = 0; i < n; i++, pos++) {
			out[o++] = conv_hexdigits[in[pos] >> 4];
			out[o++] = conv_hexdigits[in[pos] & 15];
		}
	}
	sample_set_str(smp, out, o);
	return 1;
}

/* hex2i: hexadecimal text to a signed integer; fails on a non-hex digit. */
static int conv_hex2i(const struct sample_arg *args, struct sample *smp, void *private)
{
	uint64_t n = 0;

	for (size_t i = 0; i < smp->data.u.str.len; i++) {
		int v = sample_hex_digit(smp->data.u.str.ptr[i]);

		if (v < 0)
			return 0;
		n = (n << 4) | (uint64_t)v;
	}
	sample_set_sint(smp, (int64_t)n);
	return 1;
}

/* ---- control characters ---- */

/* has_ctl([mask]): the mask has one bit per control character 0x00-0x1f
 * and bit 32 for 0x7f; default: all but TAB; "any": all; "http": NUL, CR,
 * LF. Replaced by its integer value.
 */
static int conv_has_ctl_check(struct sample_arg *args, char **err)
{
	const char *s = args[0].type == SMP_ARGT_STR ? args[0].data.str.ptr : "";
	long long v;
	char *end;

	if (!*s)
		s = "0x1FFFFFDFF";
	else if (!strcmp(s, "any"))
		s = "0x1FFFFFFFF";
	else if (!strcmp(s, "http"))
		s = "0x2401";
	errno = 0;
	v = strtoll(s, &end, 0);
	if (*end || errno)
		return err_set(err, "cannot parse value '%s', problem at position %d; expecting an integer value (decimal or hex with '0x' prefix), 'any' or 'http'",
			       s, (int)(end - s));
	if (v & ~0x1FFFFFFFFLL)
		return err_set(err, "unsupported excess bits 0x%llx in argument value %s",
			       (unsigned long long)(v & ~0x1FFFFFFFFLL), s);
	if (args[0].type == SMP_ARGT_STR)
		free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_SINT;
	args[0].data.sint = v;
	return 0;
}

static int conv_has_ctl(const struct sample_arg *args, struct sample *smp, void *private)
{
	const uint8_t *p = (const uint8_t *)smp->data.u.str.ptr;
	uint64_t mask = (uint64_t)args[0].data.sint;
	int found = 0;

	for (size_t i = 0; i < smp->data.u.str.len && !found; i++)
		found = (p[i] < 0x20 && (mask & (1ULL << p[i]))) || (p[i] == 0x7f && (mask & (1ULL << 32)));
	sample_set_bool(smp, found);
	return 1;
}

/* ---- URL coding ---- */

/* url_dec([in_form]): %XX decoded; '+' becomes a space after a '?' or
 * everywhere with <in_form>. An invalid %-sequence fails the conversion;
 * decoding stops at a NUL, as HAProxy's.
 */
static int conv_url_dec(const struct sample_arg *args, struct sample *smp, void *private)
{
	const char *in = smp->data.u.str.ptr;
	size_t len = smp->data.u.str.len, o = 0;
	int form = args[0].type == SMP_ARGT_SINT && args[0].data.sint;
	char *out;

	if (len > SAMPLE_SCRATCH_SIZE)
		return 0;
	out = sample_scratch();
	for (size_t i = 0; i < len && in[i]; i++) {
		char c = in[i];

		if (c == '+') {
			c = form ? ' ' : '+';
		} else if (c == '%') {
			int hi = i + 2 < len ? sample_hex_digit(in[i + 1]) : -1;
			int lo = hi >= 0 ? sample_hex_digit(in[i + 2]) : -1;

			if (lo < 0)
				return 0;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '?') {
			form = 1;
		}
		out[o++] = c;
	}
	sample_set_str(smp, out, o);
	return 1;
}

/* url_enc([query]): the only coding is "query" (RFC 3986 unreserved
 * characters kept, every other byte %XX). Replaced by 0.
 */
static int conv_url_enc_check(struct sample_arg *args, char **err)
{
	const char *s = args[0].type == SMP_ARGT_STR ? args[0].data.str.ptr : "";

	if (*s && strcmp(s, "query") != 0)
		return err_set(err, "unexpected encode type '%s'; the allowed value is 'query'", s);
	if (args[0].type == SMP_ARGT_STR)
		free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_SINT;
	args[0].data.sint = 0;
	return 0;
}

static int conv_url_enc(const struct sample_arg *args, struct sample *smp, void *private)
{
	const uint8_t *in = (const uint8_t *)smp->data.u.str.ptr;
	size_t o = 0;
	char *out = sample_scratch();

	for (size_t i = 0; i < smp->data.u.str.len; i++) {
		uint8_t c = in[i];
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			   c == '-' || c == '.' || c == '_' || c == '~';

		if (o + (keep ? 1 : 3) >= SAMPLE_SCRATCH_SIZE)   /* HAProxy keeps a byte for a NUL */
			return 0;
		if (keep) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = conv_hexdigits[c >> 4];
			out[o++] = conv_hexdigits[c & 15];
		}
	}
	sample_set_str(smp, out, o);
	return 1;
}

/* ---- base64url (RFC 4648 section 5, no padding) ---- */

static int conv_ub64enc(const struct sample_arg *args, struct sample *smp, void *private)
{
	size_t n;
	char *out;

	if (smp->data.u.str.len > (SAMPLE_SCRATCH_SIZE / 4) * 3)
		return 0;
	out = sample_scratch();
	n = base64_encode(smp->data.u.str.ptr, smp->data.u.str.len, out);
	while (n && out[n - 1] == '=')
		n--;
	for (size_t i = 0; i < n; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	sample_set_str(smp, out, n);
	return 1;
}

/* ub64dec: no output for invalid input ('+', '/', '=' and a length of 1
 * modulo 4 are invalid).
 */
static int conv_ub64dec(const struct sample_arg *args, struct sample *smp, void *private)
{
	const char *in = smp->data.u.str.ptr;
	size_t len = smp->data.u.str.len, n = 0;
	char *tmp, *out;
	ssize_t r;

	if (len % 4 == 1 || len + 3 > SAMPLE_SCRATCH_SIZE)
		return 0;
	tmp = sample_scratch();
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '+' || c == '/' || c == '=')
			return 0;
		tmp[n++] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	while (n % 4)
		tmp[n++] = '=';
	out = sample_scratch();
	r = base64_decode(tmp, n, out, SAMPLE_SCRATCH_SIZE);
	if (r < 0)
		return 0;
	sample_set_bin(smp, out, (size_t)r);
	return 1;
}

/* ---- strings ---- */

static int conv_reverse(const struct sample_arg *args, struct sample *smp, void *private)
{
	size_t len = smp->data.u.str.len;
	char *out;

	if (len > SAMPLE_SCRATCH_SIZE)
		return 0;
	out = sample_scratch();
	for (size_t i = 0; i < len; i++)
		out[i] = smp->data.u.str.ptr[len - 1 - i];
	sample_set_str(smp, out, len);
	return 1;
}

/* reverse_dom: the dot-separated labels of the input in reverse order,
 * "www.example.com" -> "com.example.www" (empty labels kept).
 */
static int conv_reverse_dom(const struct sample_arg *args, struct sample *smp, void *private)
{
	const char *in = smp->data.u.str.ptr;
	size_t len = smp->data.u.str.len, o = 0, end = len;
	char *out;

	if (len > SAMPLE_SCRATCH_SIZE)
		return 0;
	out = sample_scratch();
	for (size_t i = len; ; i--) {
		if (i == 0 || in[i - 1] == '.') {
			memcpy(out + o, in + i, end - i);
			o += end - i;
			if (i == 0)
				break;
			out[o++] = '.';
			end = i - 1;
		}
	}
	sample_set_str(smp, out, o);
	return 1;
}

/* ltrim(<chars>) (private NULL), rtrim(<chars>): the input without the
 * leading / trailing bytes that appear in <chars>; a part of the input.
 */
static int conv_trim(const struct sample_arg *args, struct sample *smp, void *private)
{
	const char *p = smp->data.u.str.ptr, *set = args[0].data.str.ptr;
	size_t len = smp->data.u.str.len, sl = args[0].data.str.len;

	if (!private) {
		while (len && memchr(set, *p, sl)) {
			p++;
			len--;
		}
	} else {
		while (len && memchr(set, p[len - 1], sl))
			len--;
	}
	sample_set_str(smp, p, len);
	return 1;
}

/* host_only: a Host value without its port ("[::1]:80" -> "[::1]"),
 * lowercased.
 */
static int conv_host_only(const struct sample_arg *args, struct sample *smp, void *private)
{
	const char *s = smp->data.u.str.ptr;
	size_t len = smp->data.u.str.len, i = len;
	char *out;

	while (i > 0 && s[i - 1] != ':' && s[i - 1] != ']')
		i--;
	if (i > 0 && s[i - 1] == ':')
		len = i - 1;
	if (len > SAMPLE_SCRATCH_SIZE)
		return 0;
	out = sample_scratch();
	for (i = 0; i < len; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 'a' - 'A') : s[i];
	sample_set_str(smp, out, len);
	return 1;
}

/* port_only: the port of a Host value, 0 if none. */
static int conv_port_only(const struct sample_arg *args, struct sample *smp, void *private)
{
	const char *s = smp->data.u.str.ptr;
	size_t len = smp->data.u.str.len, i = len;
	uint32_t port = 0;

	while (i > 0 && s[i - 1] != ':' && s[i - 1] != ']')
		i--;
	if (i > 0 && s[i - 1] == ':')
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			port = port * 10 + (uint32_t)(s[i] - '0');
	sample_set_sint(smp, port);
	return 1;
}

/* param(name[,delimiter]): the delimiter is one character or 0xHH. */
static int conv_param_check(struct sample_arg *args, char **err)
{
	struct sample_arg *d = &args[1];

	if (d->type != SMP_ARGT_STR)
		return 0;
	if (d->data.str.len == 4 && !strncmp(d->data.str.ptr, "0x", 2) &&
	    sample_hex_digit(d->data.str.ptr[2]) >= 0 && sample_hex_digit(d->data.str.ptr[3]) >= 0) {
		d->data.str.ptr[0] = (char)(sample_hex_digit(d->data.str.ptr[2]) << 4 | sample_hex_digit(d->data.str.ptr[3]));
		d->data.str.ptr[1] = '\0';
		d->data.str.len = 1;
	}
	if (d->data.str.len != 1)
		return err_set(err, "the delimiter '%s' must be exactly 1 character, or 0xHH for an ASCII code", d->data.str.ptr);
	return 0;
}

/* The value of the first parameter <name> in a <delim>-separated list of
 * name=value (a query string by default). A parameter without '=' gives
 * an empty value; an absent one, no sample. The value is a part of the
 * input.
 */
static int conv_param(const struct sample_arg *args, struct sample *smp, void *private)
{
	const char *p = smp->data.u.str.ptr, *end = p + smp->data.u.str.len;
	const char *name = args[0].data.str.ptr;
	size_t nl = args[0].data.str.len;
	char delim = args[1].type == SMP_ARGT_STR ? args[1].data.str.ptr[0] : '&';

	while (p < end) {
		const char *next = memchr(p, delim, (size_t)(end - p)), *eq;

		if (!next)
			next = end;
		if ((size_t)(next - p) >= nl && !memcmp(p, name, nl)) {
			eq = p + nl;
			if (eq == next) {
				sample_set_str(smp, p, 0);
				return 1;
			}
			if (*eq == '=') {
				sample_set_str(smp, eq + 1, (size_t)(next - eq - 1));
				return 1;
			}
		}
		p = next + 1;
	}
	return 0;
}

/* bytes(offset[,length]): a part of the binary input. An offset past the
 * end gives an empty block; a length past the end keeps the rest. Either
 * may be a variable (no value if it is unset or negative).
 */
static int conv_bytes_check(struct sample_arg *args, char **err)
{
	if (args[0].type == SMP_ARGT_SINT && args[0].data.sint < 0)
		return err_set(err, "the offset must be positive or zero (%lld)", (long long)args[0].data.sint);
	if (args[1].type == SMP_ARGT_SINT && args[1].data.sint < 0)
		return err_set(err, "the length must be positive or zero (%lld)", (long long)args[1].data.sint);
	return 0;
}

static int conv_bytes(const struct sample_arg *args, struct sample *smp, void *private)
{
	size_t len = smp->data.u.str.len, off, n;
	int64_t a, b;

	if (!sample_arg_sint(&args[0], smp, &a) || a < 0)
		return 0;
	off = (size_t)a;
	if (off >= len) {
		sample_set_bin(smp, smp->data.u.str.ptr, 0);
		return 1;
	}
	n = len - off;
	if (args[1].type != SMP_ARGT_STOP) {
		if (!sample_arg_sint(&args[1], smp, &b) || b < 0)
			return 0;
		if ((size_t)b < n)
			n = (size_t)b;
	}
	sample_set_bin(smp, smp->data.u.str.ptr + off, n);
	return 1;
}

/* concat([<first>][,<variable>][,<second>]): the input followed by the
 * strings and the variable's value (nothing if it is unset).
 */
static int conv_var_arg_check(struct sample_arg *args, char **err);

static int conv_concat_check(struct sample_arg *args, char **err)
{
	if (args[1].type != SMP_ARGT_STR || !args[1].data.str.len)
		return 0;
	return conv_var_arg_check(&args[1], err);
}

/* concat and add_item: the input, then <l0> bytes of args[0], the value
 * of the variable of args[1] (nothing when unset) and args[2]; with
 * <item>, args[0] (a delimiter) only when the input is not empty and
 * something follows it.
 */
static int join3(const struct sample_arg *args, struct sample *smp, int item)
{
	size_t l0 = args[0].type == SMP_ARGT_STR ? args[0].data.str.len : 0;
	size_t l2 = args[2].type == SMP_ARGT_STR ? args[2].data.str.len : 0;
	size_t len = smp->data.u.str.len, lv = 0;
	struct sample var;
	char *out;

	if (sample_arg_var(&args[1], smp, SMP_T_STR, &var))
		lv = var.data.u.str.len;
	if (item && (!len || (!lv && !l2)))
		l0 = 0;
	if (len + l0 + lv + l2 > SAMPLE_SCRATCH_SIZE)
		return 0;
	out = sample_scratch();
	memmove(out, smp->data.u.str.ptr, len);
	if (l0)
		memcpy(out + len, args[0].data.str.ptr, l0);
	if (lv)
		memmove(out + len + l0, var.data.u.str.ptr, lv);
	if (l2)
		memcpy(out + len + l0 + lv, args[2].data.str.ptr, l2);
	sample_set_str(smp, out, len + l0 + lv + l2);
	return 1;
}

static int conv_concat(const struct sample_arg *args, struct sample *smp, void *private)
{
	return join3(args, smp, 0);
}

/* strcmp(<var>), secure_memcmp(<var>): the argument must name a variable. */
static int conv_var_arg_check(struct sample_arg *args, char **err)
{
	int r = sample_arg_to_var(&args[0], err);

	if (r > 0)
		return err_set(err, "'%s' is not a variable name (expected <scope>.<name>)", args[0].data.str.ptr);
	return r < 0 ? -EINVAL : 0;
}

/* strcmp(<var>): strcmp(3)'s sign of the input against the variable's
 * value, a shorter equal prefix comparing lower; no value if it is unset.
 */
static int conv_strcmp(const struct sample_arg *args, struct sample *smp, void *private)
{
	size_t len = smp->data.u.str.len;
	struct sample var;
	int r;

	if (!sample_arg_var(&args[0], smp, SMP_T_STR, &var))
		return 0;
	/* strncmp(3) as glibc computes it (HAProxy's value): the difference of
	 * the first differing bytes, stopping at a NUL; computed here so that
	 * no libc (or sanitizer) gives another non-zero value
	 */
	r = 0;
	for (size_t i = 0; i < len && i < var.data.u.str.len; i++) {
		unsigned char a = (unsigned char)smp->data.u.str.ptr[i], b = (unsigned char)var.data.u.str.ptr[i];

		if (a != b || !a) {
			r = a - b;
			break;
		}
	}
	if (!r && len != var.data.u.str.len)
		r = len < var.data.u.str.len ? -1 : 1;
	sample_set_sint(smp, r);
	return 1;
}

/* secure_memcmp(<var>): true if the input equals the variable's value,
 * compared in a time that does not depend on where they differ.
 */
static int conv_secure_memcmp(const struct sample_arg *args, struct sample *smp, void *private)
{
	const unsigned char *a = (const unsigned char *)smp->data.u.str.ptr, *b;
	struct sample var;
	unsigned char diff = 0;

	if (!sample_arg_var(&args[0], smp, SMP_T_BIN, &var))
		return 0;
	if (var.data.u.str.len != smp->data.u.str.len) {
		sample_set_bool(smp, 0);
		return 1;
	}
	b = (const unsigned char *)var.data.u.str.ptr;
	for (size_t i = 0; i < smp->data.u.str.len; i++)
		diff |= a[i] ^ b[i];
	sample_set_bool(smp, diff == 0);
	return 1;
}

/* iif(true,false): one of two constant strings after a boolean. */
static int conv_iif(const struct sample_arg *args, struct sample *smp, void *private)
{
	const struct sample_arg *a = smp->data.u.sint ? &args[0] : &args[1];

	sample_set_str(smp, a->data.str.ptr, a->data.str.len);
	return 1;
}

/* ---- regsub ---- */

struct conv_regsub {
	regex_t re;                  /* compiled pattern */
	int global;                  /* "g" flag: replace every match */
};

static void conv_regsub_free(void *ptr)
{
	struct conv_regsub *rs = ptr;

	regfree(&rs->re);
	free(rs);
}

/* regsub(<regex>,<subst>[,<flags>]): POSIX extended regex, flags "i"
 * (ignore case) and "g" (every match). Replaces args[0] by the compiled
 * pattern.
 */
static int conv_regsub_check(struct sample_arg *args, char **err)
{
	const char *flags = args[2].type == SMP_ARGT_STR ? args[2].data.str.ptr : "";
	int cflags = REG_EXTENDED, rc;
	struct conv_regsub *rs;
	char why[128];

	for (const char *f = flags; *f; f++) {
		if (*f == 'i')
			cflags |= REG_ICASE;
		else if (*f != 'g')
			return err_set(err, "invalid regex flag '%c' in '%s' (expected 'i' or 'g')", *f, flags);
	}
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return err_set(err, "out of memory");
	rs->global = strchr(flags, 'g') != NULL;
	rc = regcomp(&rs->re, args[0].data.str.ptr, cflags);
	if (rc) {
		regerror(rc, &rs->re, why, sizeof(why));
		free(rs);
		return err_set(err, "invalid regex '%s': %s", args[0].data.str.ptr, why);
	}
	for (const char *p = args[1].data.str.ptr; *p; p++) {
		if (*p == '\\' && p[1] >= '0' && p[1] <= '9' && (size_t)(p[1] - '0') > rs->re.re_nsub) {
			err_set(err, "'\\%c' refers to a group the regex does not have (%zu groups)",
				p[1], rs->re.re_nsub);
			conv_regsub_free(rs);
			return -EINVAL;
		}
		if (*p == '\\' && p[1])
			p++;
	}
	free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_OBJ;
	args[0].data.obj.ptr = rs;
	args[0].data.obj.free = conv_regsub_free;
	return 0;
}

/* Appends <len> bytes to out[*o], failing past the scratch size. */
static int conv_put(char *out, size_t *o, const char *p, size_t len)
{
	if (*o + len > SAMPLE_SCRATCH_SIZE)
		return 0;
	memcpy(out + *o, p, len);
	*o += len;
	return 1;
}

/* Appends the substitution <sub>, its \N replaced by the groups of <pm>
 * in <p>.
 */
static int conv_put_subst(char *out, size_t *o, const char *sub, const char *p, const regmatch_t *pm)
{
	for (; *sub; sub++) {
		if (*sub == '\\' && sub[1] >= '0' && sub[1] <= '9') {
			const regmatch_t *g = &pm[sub[1] - '0'];

			sub++;
			if (g->rm_so >= 0 && !conv_put(out, o, p + g->rm_so, (size_t)(g->rm_eo - g->rm_so)))
				return 0;
			continue;
		}
		if (*sub == '\\' && sub[1])
			sub++;
		if (!conv_put(out, o, sub, 1))
			return 0;
	}
	return 1;
}

static int conv_regsub(const struct sample_arg *args, struct sample *smp, void *private)
{
	const struct conv_regsub *rs = args[0].data.obj.ptr;
	const char *p = smp->data.u.str.ptr, *end = p + smp->data.u.str.len;
	char *out = sample_scratch();
	int notbol = 0;
	size_t o = 0;

	while (1) {
		regmatch_t pm[10];
		int found = 0;

		if (rs->global || !notbol) {
			pm[0].rm_so = 0;
			pm[0].rm_eo = end - p;
			found = regexec(&rs->re, p, 10, pm, REG_STARTEND | notbol) == 0;
		}
		if (!found)
			pm[0].rm_so = end - p;
		if (!conv_put(out, &o, p, (size_t)pm[0].rm_so))
			return 0;
		if (!found)
			break;
		if (!conv_put_subst(out, &o, args[1].data.str.ptr, p, pm))
			return 0;
		if (p >= end)
			break;
		if (pm[0].rm_eo == 0) {   /* an empty match: keep the character it stands before */
			if (!conv_put(out, &o, p, 1))
				return 0;
			pm[0].rm_eo = 1;
		}
		p += pm[0].rm_eo;
		notbol = REG_NOTBOL;
	}
	sample_set_str(smp, out, o);
	return 1;
}

/* add_item(<delim>[,<var>[,<suffix>]]): the input, then <delim> when the
 * input is not empty and something follows, the variable's value (if
 * set), <suffix>; as HAProxy. Without a variable, a suffix is required.
 */
static int conv_add_item_check(struct sample_arg *args, char **err)
{
	int has_var = args[1].type == SMP_ARGT_STR && args[1].data.str.len;

	if (!has_var && (args[2].type != SMP_ARGT_STR || !args[2].data.str.len))
		return err_set(err, "expects a variable name, a suffix, or both after the delimiter");
	return has_var ? conv_concat_check(args, err) : 0;
}

static int conv_add_item(const struct sample_arg *args, struct sample *smp, void *private)
{
	return join3(args, smp, 1);
}

/* cut_crlf: the input up to its first CR or LF. */
static int conv_cut_crlf(const struct sample_arg *args, struct sample *smp, void *private)
{
	size_t n = 0;

	while (n < smp->data.u.str.len && smp->data.u.str.ptr[n] != '\r' && smp->data.u.str.ptr[n] != '\n')
		n++;
	smp->data.u.str.len = n;
	return 1;
}

/* base2: each input byte as eight binary digits. */
static int conv_base2(const struct sample_arg *args, struct sample *smp, void *private)
{
	const unsigned char *in = (const unsigned char *)smp->data.u.str.ptr;
	size_t len = smp->data.u.str.len;
	char *out;

	if (len > SAMPLE_SCRATCH_SIZE / 8)
		return 0;
	out = sample_scratch();
	for (size_t i = 0; i < len; i++)
		for (int b = 0; b < 8; b++)
			out[i * 8 + (size_t)b] = (char)('0' + ((in[i] >> (7 - b)) & 1));
	sample_set_str(smp, out, len * 8);
	return 1;
}

/* htonl: the input as an unsigned 32-bit integer, 4 bytes in network
 * order.
 */
static int conv_htonl(const struct sample_arg *args, struct sample *smp, void *private)
{
	uint32_t v = (uint32_t)smp->data.u.sint;
	unsigned char *out = (unsigned char *)sample_scratch();

	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
	sample_set_bin(smp, out, 4);
	return 1;
}

static struct sample_conv_kw_list conv_text_kws = {
	.kw = {
		/* name       fn              args                         check               in          out */
		{ "be2dec",    conv_2dec,      SMP_ARG3(2, STR, SINT, SINT), conv_2dec_check,   SMP_T_BIN,  SMP_T_STR,  (void *)1 },
		{ "le2dec",    conv_2dec,      SMP_ARG3(2, STR, SINT, SINT), conv_2dec_check,   SMP_T_BIN,  SMP_T_STR,  NULL },
		{ "be2hex",    conv_be2hex,    SMP_ARG3(0, STR, SINT, SINT), conv_be2hex_check, SMP_T_BIN,  SMP_T_STR,  NULL },
		{ "hex2i",     conv_hex2i,     SMP_ARG0,                     NULL,              SMP_T_STR,  SMP_T_SINT, NULL },
		{ "has_ctl",   conv_has_ctl,   SMP_ARG1(0, STR),             conv_has_ctl_check, SMP_T_BIN, SMP_T_BOOL, NULL },
		{ "url_dec",   conv_url_dec,   SMP_ARG1(0, SINT),            NULL,              SMP_T_STR,  SMP_T_STR,  NULL },
		{ "url_enc",   conv_url_enc,   SMP_ARG1(0, STR),             conv_url_enc_check, SMP_T_STR, SMP_T_STR,  NULL },
		{ "ub64enc",   conv_ub64enc,   SMP_ARG0,                     NULL,              SMP_T_BIN,  SMP_T_STR,  NULL },
		{ "ub64dec",   conv_ub64dec,   SMP_ARG0,                     NULL,              SMP_T_STR,  SMP_T_BIN,  NULL },
		{ "reverse",   conv_reverse,   SMP_ARG0,                     NULL,              SMP_T_STR,  SMP_T_STR,  NULL },
		{ "reverse_dom", conv_reverse_dom, SMP_ARG0,                 NULL,              SMP_T_STR,  SMP_T_STR,  NULL },
		{ "ltrim",     conv_trim,      SMP_ARG1(1, STR),             NULL,              SMP_T_STR,  SMP_T_STR,  NULL },
		{ "rtrim",     conv_trim,      SMP_ARG1(1, STR),             NULL,              SMP_T_STR,  SMP_T_STR,  (void *)1 },
		{ "host_only", conv_host_only, SMP_ARG0,                     NULL,              SMP_T_STR,  SMP_T_STR,  NULL },
		{ "port_only", conv_port_only, SMP_ARG0,                     NULL,              SMP_T_STR,  SMP_T_SINT, NULL },
		{ "param",     conv_param,     SMP_ARG2(1, STR, STR),        conv_param_check,  SMP_T_STR,  SMP_T_STR,  NULL },
		{ "bytes",     conv_bytes,     SMP_ARG2(1, SINT, SINT),      conv_bytes_check,  SMP_T_BIN,  SMP_T_BIN,  NULL, NULL, SMP_CONV_F_VAR_ARGS },
		{ "concat",    conv_concat,    SMP_ARG3(0, STR, STR, STR),   conv_concat_check, SMP_T_STR,  SMP_T_STR,  NULL },
		{ "iif",       conv_iif,       SMP_ARG2(2, STR, STR),        NULL,              SMP_T_BOOL, SMP_T_STR,  NULL },
		{ "strcmp",    conv_strcmp,    SMP_ARG1(1, STR),             conv_var_arg_check, SMP_T_STR, SMP_T_SINT, NULL },
		{ "secure_memcmp", conv_secure_memcmp, SMP_ARG1(1, STR),     conv_var_arg_check, SMP_T_BIN, SMP_T_BOOL, NULL },
		{ "regsub",    conv_regsub,    SMP_ARG3(2, STR, STR, STR),   conv_regsub_check, SMP_T_STR,  SMP_T_STR,  NULL },
		{ "add_item",  conv_add_item,  SMP_ARG3(1, STR, STR, STR),   conv_add_item_check, SMP_T_STR, SMP_T_STR, NULL },
		{ "cut_crlf",  conv_cut_crlf,  SMP_ARG0,                     NULL,              SMP_T_STR,  SMP_T_STR,  NULL },
		{ "base2",     conv_base2,     SMP_ARG0,                     NULL,              SMP_T_BIN,  SMP_T_STR,  NULL },
		{ "htonl",     conv_htonl,     SMP_ARG0,                     NULL,              SMP_T_SINT, SMP_T_BIN,  NULL },
		{ NULL, NULL, 0, NULL, 0, 0, NULL },
	}
};

__attribute__((constructor)) static void conv_text_register(void)
{
	sample_register_convs(&conv_text_kws);
}
