/*
 * Sets of HTTP status codes: which answers count as a client error
 * (`http-err-codes`, the `http_err_cnt` stick counter, default 400-499) and
 * which as a server failure (`http-fail-codes`, `http_fail_cnt`, default
 * 500-599 except 501 and 505, which clients provoke), as HAProxy.
 *
 * A set covers the codes 100 to 599. The two process-wide sets are written
 * while parsing `global` (main thread, before workers run) and read-only
 * afterwards: no lock.
 */
#ifndef TOLLGATE_HTTP_CODES_H
#define TOLLGATE_HTTP_CODES_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_CODES_MIN 100
#define HTTP_CODES_MAX 599

struct http_code_set {
	uint64_t bits[(HTTP_CODES_MAX - HTTP_CODES_MIN + 64) / 64]; /* bit n: code 100 + n */
};

extern struct http_code_set http_err_codes;   /* `http-err-codes` */
extern struct http_code_set http_fail_codes;  /* `http-fail-codes` */

/* Resets both process-wide sets to HAProxy's defaults. */
void http_codes_init_defaults(void);

/* Applies one argument of `http-err-codes`/`http-fail-codes` to <set>:
 * "[+-]<range>[,<range>...]" where a range is "N" or "N-M" (100 <= N <= M
 * <= 599). Without a sign the set becomes exactly these ranges; '+' adds
 * them, '-' removes them. Returns 0, or -1 with a message in <err> (the set
 * is then unchanged).
 */
int http_codes_parse(struct http_code_set *set, const char *arg, char *err, size_t errlen);

/* Returns 1 when <status> belongs to <set>, else 0. */
static inline int http_codes_has(const struct http_code_set *set, int status)
{
	unsigned int n;

	if (status < HTTP_CODES_MIN || status > HTTP_CODES_MAX)
		return 0;
	n = (unsigned int)(status - HTTP_CODES_MIN);
	return (int)((set->bits[n / 64] >> (n % 64)) & 1);
}

#endif /* TOLLGATE_HTTP_CODES_H */
