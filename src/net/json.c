/*
 * JSON queries (json.h): a recursive descent over the document that
 * follows the path, bounded by JSON_MAX_DEPTH; values off the path are
 * skipped but checked, as HAProxy's mjson does.
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/json.h>

struct jcur {
	const char *p;      /* next byte */
	const char *end;    /* end of the document */
};

static void skip_ws(struct jcur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* The escape letters of a string, and what they stand for. */
static const char esc_letters[] = "bfnrt\\\"";
static const char esc_values[] = "\b\f\n\r\t\\\"";

/* Passes the string whose opening quote is at c->p. A backslash
 * protects the next byte only when it is an escape letter (so "\u" and
 * "\/" are two plain bytes, as HAProxy); a NUL byte is refused. Returns
 * 0 with c->p after the closing quote, or -1.
 */
static int pass_string(struct jcur *c)
{
	const char *p = c->p + 1;

	for (; p < c->end; p++) {
		if (*p == '\\' && p + 1 < c->end && p[1] && strchr(esc_letters, p[1]))
			p++;
		else if (!*p)
			return -1;
		else if (*p == '"') {
			c->p = p + 1;
			return 0;
		}
	}
	return -1;
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Passes the number at c->p as HAProxy reads one: '-', digits, '.'
 * digits, an exponent whose digits may be missing; without an exponent
 * it must end with a digit. Returns 0, or -1.
 */
static int pass_number(struct jcur *c)
{
	const char *p = c->p, *e = c->end;

	if (p < e && *p == '-')
		p++;
	if (p < e && is_digit(*p)) {
		while (p < e && is_digit(*p))
			p++;
	} else if (p >= e || *p != '.') {
		return -1;
	}
	if (p < e && *p == '.')
		for (p++; p < e && is_digit(*p); p++)
			;
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && *p == '-')
			p++;
		if (p < e && *p == '+')
			p++;
		while (p < e && is_digit(*p))
			p++;
	} else if (!is_digit(p[-1])) {
		return -1;
	}
	c->p = p;
	return 0;
}

/* Skips blanks, then the byte <ch> if it is next: returns 1, else 0. */
static int eat(struct jcur *c, char ch)
{
	skip_ws(c);
	if (c->p >= c->end || *c->p != ch)
		return 0;
	c->p++;
	return 1;
}

static int pass_word(struct jcur *c, const char *w, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return -1;
	c->p += n;
	return 0;
}

static enum json_tok pass_value(struct jcur *c, int depth);

/* Passes the array or object at c->p ('[' or '{'), of nesting <depth>
 * once opened. Returns 0, or -1.
 */
static int pass_container(struct jcur *c, int depth)
{
	int obj = *c->p == '{';
	char close = obj ? '}' : ']';

	if (depth > JSON_MAX_DEPTH)
		return -1;
	c->p++;
	if (eat(c, close))
		return 0;
	for (;;) {
		if (obj) {
			skip_ws(c);
			if (c->p >= c->end || *c->p != '"' || pass_string(c) < 0 || !eat(c, ':'))
				return -1;
		}
		if (pass_value(c, depth) == JSON_NONE)
			return -1;
		if (eat(c, close))
			return 0;
		if (!eat(c, ','))
			return -1;
		if (eat(c, close))
			return 0;   /* a trailing comma is accepted, as HAProxy */
	}
}

/* Passes one value (after blanks) at nesting <depth>: its type, c->p
 * after it; JSON_NONE if malformed.
 */
static enum json_tok pass_value(struct jcur *c, int depth)
{
	skip_ws(c);
	if (c->p >= c->end)
		return JSON_NONE;
	switch (*c->p) {
	case '{':
		return pass_container(c, depth + 1) < 0 ? JSON_NONE : JSON_OBJECT;
	case '[':
		return pass_container(c, depth + 1) < 0 ? JSON_NONE : JSON_ARRAY;
	case '"':
		return pass_string(c) < 0 ? JSON_NONE : JSON_STRING;
	case 't':
		return pass_word(c, "true", 4) < 0 ? JSON_NONE : JSON_TRUE;
	case 'f':
		return pass_word(c, "false", 5) < 0 ? JSON_NONE : JSON_FALSE;
	case 'n':
		return pass_word(c, "null", 4) < 0 ? JSON_NONE : JSON_NULL;
	default:
		if (*c->p == '-' || is_digit(*c->p))
			return pass_number(c) < 0 ? JSON_NONE : JSON_NUMBER;
		return JSON_NONE;
	}
}

/* The length of the ".key" step's name at <path> (after the dot) as
 * written, and *<n> the bytes it stands for ('\' escapes one byte).
 */
static size_t step_len(const char *path, size_t *n)
{
	size_t i = 0;

	*n = 0;
	while (path[i] && path[i] != '.' && path[i] != '[') {
		i += path[i] == '\\' && path[i + 1] ? 2 : 1;
		(*n)++;
	}
	return i;
}

/* Whether the raw key of <klen> bytes at <k> is the step name at <path>
 * (<n> bytes once unescaped).
 */
static int key_is(const char *k, size_t klen, const char *path, size_t n)
{
	if (klen != n)
		return 0;
	for (size_t i = 0; i < n; i++, path++) {
		if (*path == '\\')
			path++;
		if (k[i] != *path)
			return 0;
	}
	return 1;
}

/* Follows <path> from the value at c->p, at nesting <depth>. */
static enum json_tok find(struct jcur *c, const char *path, int depth, const char **tok, size_t *toklen)
{
	enum json_tok t;
	const char *start;

	skip_ws(c);
	if (c->p >= c->end)
		return JSON_NONE;
	start = c->p;
	if (!*path) {
		t = pass_value(c, depth);
		*tok = start;
		*toklen = (size_t)(c->p - start);
		return t;
	}
	if (*c->p == '{' && *path == '.') {
		size_t n, slen = step_len(path + 1, &n);

		if (depth + 1 > JSON_MAX_DEPTH)
			return JSON_NONE;
		c->p++;
		for (;;) {
			const char *k;
			size_t klen;

			skip_ws(c);
			if (c->p >= c->end || *c->p != '"')
				return JSON_NONE;
			k = c->p + 1;
			if (pass_string(c) < 0)
				return JSON_NONE;
			klen = (size_t)(c->p - 1 - k);
			if (!eat(c, ':'))
				return JSON_NONE;
			if (key_is(k, klen, path + 1, n))
				return find(c, path + 1 + slen, depth + 1, tok, toklen);
			if (pass_value(c, depth + 1) == JSON_NONE || !eat(c, ','))
				return JSON_NONE;   /* '}': not there; anything else: malformed */
		}
	}
	if (*c->p == '[' && *path == '[') {
		const char *rest = strchr(path, ']');
		unsigned long idx = 0;

		if (!rest || depth + 1 > JSON_MAX_DEPTH)
			return JSON_NONE;
		for (const char *d = path + 1; is_digit(*d) && idx < 1000000000UL; d++)
			idx = idx * 10 + (unsigned long)(*d - '0');
		c->p++;
		for (unsigned long i = 0;; i++) {
			skip_ws(c);
			if (c->p >= c->end || *c->p == ']')
				return JSON_NONE;
			if (i == idx)
				return find(c, rest + 1, depth + 1, tok, toklen);
			if (pass_value(c, depth + 1) == JSON_NONE || !eat(c, ','))
				return JSON_NONE;
		}
	}
	return JSON_NONE;   /* the path goes on below a value that has no such step */
}

enum json_tok json_find(const char *s, size_t len, const char *path, const char **tok, size_t *toklen)
{
	struct jcur c = { s, s + len };

	if (path[0] != '$')
		return JSON_NONE;
	return find(&c, path + 1, 0, tok, toklen);
}

/* HAProxy's reading of a \u00XX hex digit (lenient on non-digits). */
static unsigned int hex_nibble(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return (unsigned int)(ch - 'a' + 10);
}

long json_unquote(const char *tok, size_t toklen, char *out, size_t size)
{
	const char *s = tok + 1;
	size_t len = toklen - 2, i, j;

	if (toklen < 2)
		return -1;
	for (i = 0, j = 0; i < len && j < size; i++, j++) {
		if (s[i] == '\\' && i + 5 < len && s[i + 1] == 'u') {
			if (s[i + 2] != '0' || s[i + 3] != '0')
				return -1;
			unsigned int v = hex_nibble((unsigned char)s[i + 4]) & 0xff;

			v = ((v << 4) | hex_nibble((unsigned char)s[i + 5])) & 0xff;
			out[j] = (char)v;
			i += 5;
		} else if (s[i] == '\\' && i + 1 < len) {
			const char *e = s[i + 1] ? strchr(esc_letters, s[i + 1]) : NULL;

			if (!e)
				return -1;
			out[j] = esc_values[e - esc_letters];
			i++;
		} else {
			out[j] = s[i];
		}
	}
	if (j >= size)
		return -1;
	return (long)j;
}

double json_number(const char *tok, size_t toklen)
{
	const char *p = tok, *e = tok + toklen;
	double d = 0.0;
	int neg = 0;

	if (p < e && *p == '-') {
		neg = 1;
		p++;
	}
	while (p < e && is_digit(*p))
		d = d * 10.0 + (*p++ - '0');
	if (p < e && *p == '.') {
		double f = 0.0, base = 0.1;

		for (p++; p < e && is_digit(*p); p++) {
			f += base * (*p - '0');
			base /= 10.0;
		}
		d += f;
	}
	if (neg)
		d = -d;
	if (p < e && (*p == 'e' || *p == 'E')) {
		double pw = 1.0, x = 10.0;
		int ex = 0, eneg = 0;

		p++;
		if (p < e && *p == '-') {
			eneg = 1;
			p++;
		}
		if (p < e && *p == '+')
			p++;
		while (p < e && is_digit(*p) && ex < 100000)
			ex = ex * 10 + (*p++ - '0');
		for (; ex > 0; ex >>= 1, x *= x)
			if (ex & 1)
				pw *= x;
		d = eneg ? d / pw : d * pw;
	}
	return d;
}

int json_int(const char *tok, size_t avail, int64_t *out)
{
	const int64_t lim = ((int64_t)1 << 53) - 1;
	char buf[64];
	size_t n = avail < sizeof(buf) - 1 ? avail : sizeof(buf) - 1;
	long long v;

	memcpy(buf, tok, n);
	buf[n] = 0;
	v = strtoll(buf, NULL, 0);
	if (v < -lim || v > lim)
		return 0;
	*out = v;
	return 1;
}
