/*
 * language(<value>[,<default>]) (HAProxy's 7.3.1): of the languages an
 * Accept-Language value lists, the one with the highest q-value that
 * the semicolon-separated <value> list holds, returned as written in the
 * list. Parsing follows HAProxy's, best effort included: a value without
 * "q=" counts as 1, q=0 drops it, the first of equal q-values wins, a
 * range "en-US" matches the listed "en" (not the other way round), and
 * a q-value such as "q=0" directly followed by a comma swallows the
 * next language, as HAProxy's parser does.
 */
#include <ctype.h>
#include <string.h>

#include <tollgate/sample.h>

/* Whether the requested range <r>/<rlen> matches the listed tag <t>/<tlen>:
 * equal, or the tag followed by '-' in the range.
 */
static int lang_match(const char *r, size_t rlen, const char *t, size_t tlen)
{
	size_t i;

	for (i = 0; i < rlen; i++) {
		if (r[i] == '-' && i == tlen)
			return 1;
		if (i == tlen || r[i] != t[i])
			return 0;
	}
	return i == tlen;
}

/* Reads a q-value at *<p> as HAProxy: a digit, any byte (it must be '.'),
 * up to three digits; in thousandths, at most 1000; 1000 when it does not
 * start with a digit. *<p> moves past what was read.
 */
static int lang_qvalue(const char **p, const char *end)
{
	const char *s = *p;
	int q = 1000;

	if (s < end && isdigit((unsigned char)*s)) {
		q = (*s++ - '0') * 1000;
		if (s < end && *s++ == '.') {
			for (int w = 100; w && s < end && isdigit((unsigned char)*s); w /= 10)
				q += (*s++ - '0') * w;
		}
	}
	*p = s;
	return q > 1000 ? 1000 : q;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

/* The listed language <token>/<len> matches, or NULL; *<n> its length. */
static const char *lang_listed(const char *list, const char *token, size_t len, size_t *n)
{
	const char *w = list;

	for (const char *s = list;; s++) {
		if (*s == ';' || !*s) {
			if (lang_match(token, len, w, (size_t)(s - w))) {
				*n = (size_t)(s - w);
				return w;
			}
			if (!*s)
				return NULL;
			w = s + 1;
		}
	}
}

static int conv_language(const struct sample_arg *args, struct sample *smp, void *private)
{
	const char *p = smp->data.u.str.ptr, *end = p + smp->data.u.str.len;
	const char *best = NULL;
	size_t best_len = 0;
	int best_q = 0;

	for (;;) {
		const char *token, *w;
		size_t n;
		int q = 1000;

		p = skip_blanks(p, end);
		if (p >= end)
			break;
		for (token = p; p < end && *p != ';' && *p != ',' && !isspace((unsigned char)*p); p++)
			;
		w = p > token ? lang_listed(args[0].data.str.ptr, token, (size_t)(p - token), &n) : NULL;
		if (w) {
			/* best effort: "; q = <value>", anything else counts as 1 */
			p = skip_blanks(p, end);
			if (p < end && *p == ';') {
				p = skip_blanks(p + 1, end);
				if (p < end && *p == 'q') {
					p = skip_blanks(p + 1, end);
					if (p < end && *p == '=') {
						p = skip_blanks(p + 1, end);
						if (p < end)
							q = lang_qvalue(&p, end);
					}
				}
			} else if (p < end && *p != ',') {
				w = NULL;   /* junk after the language: skipped */
			}
		}
		if (w && q > best_q) {
			best = w;
			best_len = n;
			if (q >= 1000)
				break;
			best_q = q;
		}
		while (p < end && *p != ',')
			p++;
		if (p >= end)
			break;
		p++;
	}
	if (!best_len && args[1].type == SMP_ARGT_STR) {
		best = args[1].data.str.ptr;
		best_len = args[1].data.str.len;
	}
	if (!best_len)
		return 0;
	sample_set_str(smp, best, best_len);
	return 1;
}

static struct sample_conv_kw_list conv_lang_kws = { .kw = {
	{ .name = "language", .fn = conv_language, .arg_mask = SMP_ARG2(1, STR, STR),
	  .in_type = SMP_T_STR, .out_type = SMP_T_STR },
	{ .name = NULL },
} };

__attribute__((constructor)) static void conv_lang_register(void)
{
	sample_register_convs(&conv_lang_kws);
}
