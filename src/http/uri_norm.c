/*
 * URI normalisers (normalize-uri). See uri_norm.h.
 *
 * Each normaliser copies its input to <out>, changing what it is about;
 * the path normalisers work on segments (the bytes between two '/'),
 * keeping the offsets of the segments they keep in a small stack.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <tollgate/uri_norm.h>


/* An output under construction. */
struct out {
	char *p;                     /* start */
	size_t len;                  /* bytes written */
	size_t room;                 /* capacity */
	int full;                    /* a write did not fit */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->room) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Length of the path of <in>: up to the first '?' (or the end). */
static size_t path_len(const char *in, size_t len)
{
	const char *q = memchr(in, '?', len);

	return q ? (size_t)(q - in) : len;
}

static void merge_slashes(struct out *o, const char *in, size_t plen)
{
	for (size_t i = 0; i < plen; i++)
		if (!(in[i] == '/' && i && in[i - 1] == '/'))
			put(o, in + i, 1);
}

/* path-strip-dot and path-strip-dotdot. Returns 0 or -ENOSPC (more than
 * URI_NORM_MAX_SEGS segments).
 */
static int strip_segments(struct out *o, const char *in, size_t plen, int dotdot, int full)
{
	uint32_t off[URI_NORM_MAX_SEGS], slen[URI_NORM_MAX_SEGS];   /* kept segments, in <in> */
	size_t n = 0, i = 1, seen = 0;
	int consumed_last = 0;                  /* the last segment was a removed "." or ".." */

	while (i <= plen) {
		size_t e = i;

		/* every segment counts, kept or not: an output never has more */
		if (++seen > URI_NORM_MAX_SEGS)
			return -ENOSPC;
		while (e < plen && in[e] != '/')
			e++;
		consumed_last = 0;
		if (!dotdot && e - i == 1 && in[i] == '.') {
			consumed_last = 1;
		} else if (dotdot && e - i == 2 && in[i] == '.' && in[i + 1] == '.' &&
		           (n && !(slen[n - 1] == 2 && !memcmp(in + off[n - 1], "..", 2)))) {
			n--;                            /* pops the segment before */
			consumed_last = 1;
		} else if (dotdot && e - i == 2 && in[i] == '.' && in[i + 1] == '.' && full) {
			consumed_last = 1;              /* nothing before: dropped */
		} else {
			off[n] = (uint32_t)i;
			slen[n++] = (uint32_t)(e - i);
		}
		i = e + 1;
	}
	put(o, "/", 1);
	for (size_t k = 0; k < n; k++) {
		if (k)
			put(o, "/", 1);
		put(o, in + off[k], slen[k]);
	}
	if (consumed_last && o->len && o->p[o->len - 1] != '/')
		put(o, "/", 1);
	return 0;
}

/* Compares the names (up to '=') of two parameters. */
static int param_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ea = memchr(a, '=', alen), *eb = memchr(b, '=', blen);
	size_t na = ea ? (size_t)(ea - a) : alen, nb = eb ? (size_t)(eb - b) : blen;
	int c = memcmp(a, b, na < nb ? na : nb);

	return c ? c : na < nb ? -1 : na > nb;
}

/* query-sort-by-name on the query <q> (<qlen> bytes, after '?'): a stable
 * insertion into an index sorted by name. Returns 0 or -ENOSPC.
 */
static int sort_query(struct out *o, const char *q, size_t qlen)
{
	uint32_t off[URI_NORM_MAX_PARAMS], plen[URI_NORM_MAX_PARAMS];
	size_t n = 0, i = 0;

	while (i <= qlen) {
		size_t e = i, k;

		while (e < qlen && q[e] != '&')
			e++;
		if (n == URI_NORM_MAX_PARAMS)
			return -ENOSPC;
		/* binary search for the first greater name: stable */
		{
			size_t lo = 0, hi = n;

			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (param_cmp(q + off[mid], plen[mid], q + i, e - i) <= 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			k = lo;
		}
		memmove(off + k + 1, off + k, (n - k) * sizeof(off[0]));
		memmove(plen + k + 1, plen + k, (n - k) * sizeof(plen[0]));
		off[k] = (uint32_t)i;
		plen[k] = (uint32_t)(e - i);
		n++;
		i = e + 1;
	}
	for (size_t k = 0; k < n; k++) {
		if (k)
			put(o, "&", 1);
		put(o, q + off[k], plen[k]);
	}
	return 0;
}

/* percent-to-uppercase and percent-decode-unreserved over <in>. */
static int percent(struct out *o, const char *in, size_t len, int decode, int strict)
{
	for (size_t i = 0; i < len; i++) {
		int h, l;

		if (in[i] != '%') {
			put(o, in + i, 1);
			continue;
		}
		if (i + 2 >= len || (h = hexval(in[i + 1])) < 0 || (l = hexval(in[i + 2])) < 0) {
			if (strict)
				return -EINVAL;
			put(o, "%", 1);
			continue;
		}
		if (decode && unreserved(h * 16 + l)) {
			char c = (char)(h * 16 + l);

			put(o, &c, 1);
		} else if (decode) {
			put(o, in + i, 3);
		} else {
			char enc[3] = { '%', "0123456789ABCDEF"[h], "0123456789ABCDEF"[l] };

			put(o, enc, 3);
		}
		i += 2;
	}
	return 0;
}

long uri_normalize(enum uri_norm_op op, unsigned int flags, const char *in, size_t len, char *out, size_t room)
{
	struct out o = { .p = out, .room = room };
	size_t plen = path_len(in, len);
	int ret = 0;

	if (!len || in[0] != '/') {
		put(&o, in, len);   /* "*", or no path: nothing to do */
		return o.full ? -ENOSPC : (long)o.len;
	}
	switch (op) {
	case URI_NORM_MERGE_SLASHES:
	case URI_NORM_STRIP_DOT:
	case URI_NORM_STRIP_DOTDOT:
		if (op == URI_NORM_MERGE_SLASHES)
			merge_slashes(&o, in, plen);
		else
			ret = strip_segments(&o, in, plen, op == URI_NORM_STRIP_DOTDOT, !!(flags & URI_NORM_F_FULL));
		put(&o, in + plen, len - plen);
		break;
	case URI_NORM_SORT_QUERY:
		put(&o, in, plen);
		if (plen < len) {
			put(&o, "?", 1);
			ret = sort_query(&o, in + plen + 1, len - plen - 1);
		}
		break;
	case URI_NORM_PCT_UPPER:
	case URI_NORM_PCT_DECODE:
		ret = percent(&o, in, len, op == URI_NORM_PCT_DECODE, !!(flags & URI_NORM_F_STRICT));
		break;
	case URI_NORM_FRAG_STRIP: {
		const char *h = memchr(in, '#', len);

		put(&o, in, h ? (size_t)(h - in) : len);
		break;
	}
	case URI_NORM_FRAG_ENCODE:
		for (size_t i = 0; i < len; i++)
			put(&o, in[i] == '#' ? "%23" : in + i, in[i] == '#' ? 3 : 1);
		break;
	}
	if (ret < 0)
		return ret;
	return o.full ? -ENOSPC : (long)o.len;
}

int uri_norm_lookup(const char *name, enum uri_norm_op *op, unsigned int *opts)
{
	static const struct {
		const char *name;
		enum uri_norm_op op;
		unsigned int opts;
	} tab[] = {
		{ "path-merge-slashes", URI_NORM_MERGE_SLASHES, 0 },
		{ "path-strip-dot", URI_NORM_STRIP_DOT, 0 },
		{ "path-strip-dotdot", URI_NORM_STRIP_DOTDOT, URI_NORM_F_FULL },
		{ "query-sort-by-name", URI_NORM_SORT_QUERY, 0 },
		{ "percent-to-uppercase", URI_NORM_PCT_UPPER, URI_NORM_F_STRICT },
		{ "percent-decode-unreserved", URI_NORM_PCT_DECODE, URI_NORM_F_STRICT },
		{ "fragment-strip", URI_NORM_FRAG_STRIP, 0 },
		{ "fragment-encode", URI_NORM_FRAG_ENCODE, 0 },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!strcmp(tab[i].name, name)) {
			*op = tab[i].op;
			*opts = tab[i].opts;
			return 0;
		}
	}
	return -1;
}
