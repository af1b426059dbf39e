/*
 * Sets of HTTP status codes (http_codes.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/http_codes.h>

struct http_code_set http_err_codes;
struct http_code_set http_fail_codes;

/* Sets (<on> = 1) or clears the codes <lo> to <hi> of <set>. */
static void set_range(struct http_code_set *set, int lo, int hi, int on)
{
	for (int c = lo; c <= hi; c++) {
		unsigned int n = (unsigned int)(c - HTTP_CODES_MIN);
		uint64_t bit = (uint64_t)1 << (n % 64);

		if (on)
			set->bits[n / 64] |= bit;
		else
			set->bits[n / 64] &= ~bit;
	}
}

void http_codes_init_defaults(void)
{
	memset(&http_err_codes, 0, sizeof(http_err_codes));
	memset(&http_fail_codes, 0, sizeof(http_fail_codes));
	set_range(&http_err_codes, 400, 499, 1);
	set_range(&http_fail_codes, 500, 599, 1);
	set_range(&http_fail_codes, 501, 501, 0);
	set_range(&http_fail_codes, 505, 505, 0);
}

/* Reads a status code at *<p> into *<out>, moving *<p> past it. Returns 0,
 * or -1 when there is no number in [100, 599] there.
 */
static int read_code(const char **p, int *out)
{
	char *end;
	long v;

	if (**p < '0' || **p > '9')
		return -1;
	v = strtol(*p, &end, 10);
	if (v < HTTP_CODES_MIN || v > HTTP_CODES_MAX)
		return -1;
	*p = end;
	*out = (int)v;
	return 0;
}

int http_codes_parse(struct http_code_set *set, const char *arg, char *err, size_t errlen)
{
	struct http_code_set res = *set;
	const char *p = arg;
	int op = 0;   /* 0: replace, 1: add, -1: remove */

	if (*p == '+' || *p == '-')
		op = *p++ == '+' ? 1 : -1;
	if (!op)
		memset(&res, 0, sizeof(res));
	for (;;) {
		int lo, hi;

		if (read_code(&p, &lo) < 0)
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (read_code(&p, &hi) < 0 || hi < lo)
				goto bad;
		}
		set_range(&res, lo, hi, op >= 0);
		if (!*p)
			break;
		if (*p++ != ',')
			goto bad;
	}
	*set = res;
	return 0;
bad:
	snprintf(err, errlen, "invalid status code range '%s' at '%s' (expected [+-]<code>[-<code>][,...] with codes from 100 to 599)",
	         arg, p);
	return -1;
}
