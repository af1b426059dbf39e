/*
 * Values with units in the configuration: times (HAProxy manual section
 * 2.5), sizes (2.6) and bounded integers. Contracts in cfg.h.
 *
 * Both time and size take unsigned integers only, as HAProxy: no sign, no
 * decimals, no blanks. Every message names the offending value.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg.h>

#define CFG_TIME_MAX_MS 0x7fffffffULL        /* HAProxy's timers: < 2^31 ms */

static int cfg_units_err(char **err, int ret, const char *fmt, ...) PRINTF_FMT(3, 4);

/* Sets *<err> (if <err> is set) to a malloc'd message and returns <ret>. */
static int cfg_units_err(char **err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return ret;
	free(*err);
	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return ret;
}

/* Reads the unsigned decimal number at *<p> into *<v> and advances *<p>.
 * Returns 0, -EINVAL if there is no digit, -ERANGE if it overflows.
 */
static int cfg_units_num(const char **p, uint64_t *v)
{
	uint64_t n = 0;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	while (**p >= '0' && **p <= '9') {
		unsigned d = (unsigned)(**p - '0');

		if (n > (UINT64_MAX - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
		(*p)++;
	}
	*v = n;
	return 0;
}

int cfg_parse_time(const char *s, unsigned *ms, char **err)
{
	const char *p = s;
	uint64_t v, num = 1, den = 1, res;
	int ret;

	ret = cfg_units_num(&p, &v);
	if (ret == -EINVAL)
		goto bad;
	if (ret == -ERANGE)
		goto too_big;

	if (!*p)
		;                                    /* default unit: ms */
	else if (strcmp(p, "us") == 0)
		den = 1000;
	else if (strcmp(p, "ms") == 0)
		;
	else if (strcmp(p, "s") == 0)
		num = 1000;
	else if (strcmp(p, "m") == 0)
		num = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		num = 3600 * 1000;
	else if (strcmp(p, "d") == 0)
		num = 86400 * 1000;
	else
		goto bad;

	if (v > CFG_TIME_MAX_MS * den)
		goto too_big;                        /* also guards v * num below */
	res = (v * num + den - 1) / den;             /* rounded up: 1us is 1ms */
	if (res > CFG_TIME_MAX_MS)
		goto too_big;
	*ms = (unsigned)res;
	return 0;

 bad:
	return cfg_units_err(err, -EINVAL,
			     "invalid time value '%s': expected an integer optionally followed by a unit among us, ms, s, m, h, d (default ms)", s);
 too_big:
	return cfg_units_err(err, -ERANGE,
			     "time value '%s' is too large: the maximum is 2147483647ms (about 24.8 days)", s);
}

int cfg_parse_size(const char *s, uint64_t *out, char **err)
{
	const char *p = s;
	unsigned shift = 0;
	uint64_t v;
	int ret;

	ret = cfg_units_num(&p, &v);
	if (ret == -EINVAL)
		goto bad;
	if (ret == -ERANGE)
		goto too_big;

	if (*p) {
		switch (*p) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: goto bad;
		}
		if (p[1])
			goto bad;
	}
	if (v > (UINT64_MAX >> shift))
		goto too_big;
	*out = v << shift;
	return 0;

 bad:
	return cfg_units_err(err, -EINVAL,
			     "invalid size value '%s': expected an integer optionally followed by a unit among k, m, g (multiples of 1024 bytes)", s);
 too_big:
	return cfg_units_err(err, -ERANGE, "size value '%s' is too large", s);
}

int cfg_parse_int(const char *s, long long min, long long max, long long *out, char **err)
{
	const char *p = s;
	uint64_t mag;
	long long v;
	int neg = 0;
	int ret;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	ret = cfg_units_num(&p, &mag);
	if (ret == -EINVAL || *p)
		return cfg_units_err(err, -EINVAL, "invalid integer '%s': expected a decimal number between %lld and %lld",
				     s, min, max);
	if (ret == -ERANGE ||
	    (!neg && mag > (uint64_t)LLONG_MAX) ||
	    (neg && mag > (uint64_t)LLONG_MAX + 1))
		goto range;

	v = neg ? (long long)(0 - mag) : (long long)mag;
	if (v < min || v > max)
		goto range;
	*out = v;
	return 0;

 range:
	return cfg_units_err(err, -ERANGE, "integer '%s' is out of range: expected a value between %lld and %lld",
			     s, min, max);
}
