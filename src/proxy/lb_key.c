/*
 * Load-balancing keys: the part of a request's sample that hash-based
 * balancing hashes (balance uri len/depth, hdr() use_domain_only,
 * url_param, url_param check_post on a POST body), as HAProxy takes it.
 * Pure functions over (bytes, length) that may come from the network:
 * they never allocate nor read past the length. See lb.h.
 */
#include <string.h>

#include <tollgate/lb.h>

/* The value of parameter <name> in the query of <uri>/<*len>, as
 * HAProxy's url_param balancing: parameters separated by '&' only, the
 * first match. Returns its start and sets <*len>, or NULL.
 */
static const char *url_param_value(const char *uri, size_t *len, const char *name)
{
	size_t nlen = strlen(name), n = *len;
	const char *q = memchr(uri, '?', n), *amp;

	if (!q)
		return NULL;
	n -= (size_t)(q + 1 - uri);
	q++;
	while (n > nlen) {
		if (q[nlen] == '=' && !memcmp(q, name, nlen)) {
			const char *v = q + nlen + 1;
			const char *end = memchr(v, '&', n - nlen - 1);

			*len = end ? (size_t)(end - v) : n - nlen - 1;
			return v;
		}
		amp = memchr(q, '&', n);
		if (!amp)
			return NULL;
		n -= (size_t)(amp + 1 - q);
		q = amp + 1;
	}
	return NULL;
}

/* Whether <c> is a token character (RFC 9110's tchar). */
static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

int lb_key_post(const struct lb_state *st, const char **p, size_t *len)
{
	const char *q = *p, *amp;
	size_t nlen = st->key_param ? strlen(st->key_param) : 0, n = *len;

	if (!nlen)
		return 0;
	while (n > nlen) {
		if (q[nlen] == '=' && !memcmp(q, st->key_param, nlen)) {
			const char *v = q + nlen + 1;
			const char *end = memchr(v, '&', n - nlen - 1);
			size_t vlen = end ? (size_t)(end - v) : n - nlen - 1;

			if (vlen && !is_tchar((unsigned char)*v)) {
				if (*v != ' ' && *v != '\t' && *v != '\r' && *v != '\n')
					return 0;   /* not URL-encoded: no parameters */
				vlen = 0;
			}
			*p = v;
			*len = vlen;
			return 1;
		}
		amp = memchr(q, '&', n);
		if (!amp)
			return 0;
		n -= (size_t)(amp + 1 - q);
		q = amp + 1;
	}
	return 0;
}

int lb_key_narrow(const struct lb_state *st, const char **p, size_t *len)
{
	const char *s = *p;
	size_t n = *len;

	if (st->key_param && !(s = url_param_value(s, &n, st->key_param)))
		return 0;

	if (st->key_len && n > st->key_len)
		n = st->key_len;
	if (st->key_depth) {
		unsigned int slashes = 0;

		for (size_t i = 0; i < n; i++) {
			if (s[i] == '/' && ++slashes == st->key_depth + 1) {
				n = i;
				break;
			}
		}
	}
	if (st->key_domain) {
		/* the label before the last dot ("example" of
		 * "www.example.com"); without a dot (a leading one does not
		 * count), the whole value
		 */
		const char *last = n > 1 ? memrchr(s + 1, '.', n - 1) : NULL;

		if (last) {
			const char *start = memrchr(s, '.', (size_t)(last - s));

			start = start ? start + 1 : s;
			n = (size_t)(last - start);
			s = start;
		}
	}
	*p = s;
	*len = n;
	return 1;
}
