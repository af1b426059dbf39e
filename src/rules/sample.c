/*
 * Samples: registries, casts, expression parsing and evaluation.
 * See include/tollgate/sample.h for the principle and the contracts.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/errmsg.h>
#include <tollgate/sample.h>

/* ---- registries ---- */

/* Read-only once worker threads run: filled by constructors only. */
static struct list sample_fetch_lists = LIST_HEAD_INIT(sample_fetch_lists);
static struct list sample_conv_lists = LIST_HEAD_INIT(sample_conv_lists);

/* Converters live in converters.c and register from its constructor. In a
 * static library that object would not be linked in unless something
 * refers to it: this reference pulls it in with sample.o.
 */
extern const int conv_builtin_linked;
__attribute__((used)) static const int *const sample_pull_convs = &conv_builtin_linked;

const struct sample_fetch_kw *sample_find_fetch(const char *name, size_t len)
{
	struct sample_fetch_kw_list *kwl;

	list_for_each(kwl, &sample_fetch_lists, list) {
		for (const struct sample_fetch_kw *kw = kwl->kw; kw->name; kw++)
			if (strlen(kw->name) == len && memcmp(kw->name, name, len) == 0)
				return kw;
	}
	return NULL;
}

const struct sample_conv_kw *sample_find_conv(const char *name, size_t len)
{
	struct sample_conv_kw_list *kwl;

	list_for_each(kwl, &sample_conv_lists, list) {
		for (const struct sample_conv_kw *kw = kwl->kw; kw->name; kw++)
			if (strlen(kw->name) == len && memcmp(kw->name, name, len) == 0)
				return kw;
	}
	return NULL;
}

int sample_register_fetches(struct sample_fetch_kw_list *kwl)
{
	for (const struct sample_fetch_kw *kw = kwl->kw; kw->name; kw++)
		if (sample_find_fetch(kw->name, strlen(kw->name)))
			return -EEXIST;
	list_append(&sample_fetch_lists, &kwl->list);
	return 0;
}

int sample_register_convs(struct sample_conv_kw_list *kwl)
{
	for (const struct sample_conv_kw *kw = kwl->kw; kw->name; kw++)
		if (sample_find_conv(kw->name, strlen(kw->name)))
			return -EEXIST;
	list_append(&sample_conv_lists, &kwl->list);
	return 0;
}

/* ---- error messages ---- */


unsigned int sample_name_distance(const char *a, const char *b)
{
	unsigned int row[64], la, lb;

	la = strnlen(a, 63);
	lb = strnlen(b, 63);
	for (unsigned int j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned int i = 1; i <= la; i++) {
		unsigned int diag = row[0], up;

		row[0] = i;
		for (unsigned int j = 1; j <= lb; j++) {
			unsigned int best;

			up = row[j];
			best = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Returns 1 if a distance <d> from a word of <len> bytes is close enough
 * to suggest the other word.
 */
static int smp_close_enough(unsigned int d, size_t len)
{
	return d <= 2 || d * 3 <= len;
}

/* Returns the registered fetch (<conv> == 0) or converter name nearest to
 * <name>, or NULL if none is close.
 */
static const char *smp_suggest(const char *name, int conv)
{
	const char *best = NULL;
	unsigned int bestd = UINT_MAX, d;

	if (!conv) {
		struct sample_fetch_kw_list *kwl;

		list_for_each(kwl, &sample_fetch_lists, list)
			for (const struct sample_fetch_kw *kw = kwl->kw; kw->name; kw++)
				if ((d = sample_name_distance(name, kw->name)) < bestd) {
					bestd = d;
					best = kw->name;
				}
	} else {
		struct sample_conv_kw_list *kwl;

		list_for_each(kwl, &sample_conv_lists, list)
			for (const struct sample_conv_kw *kw = kwl->kw; kw->name; kw++)
				if ((d = sample_name_distance(name, kw->name)) < bestd) {
					bestd = d;
					best = kw->name;
				}
	}
	return best && smp_close_enough(bestd, strlen(name)) ? best : NULL;
}

/* ---- types and casts ---- */

const char *sample_type_name(int type)
{
	static const char *const names[SMP_TYPES] = {
		[SMP_T_ANY]  = "any",
		[SMP_T_BOOL] = "boolean",
		[SMP_T_SINT] = "integer",
		[SMP_T_ADDR] = "address",
		[SMP_T_IPV4] = "ipv4",
		[SMP_T_IPV6] = "ipv6",
		[SMP_T_STR]  = "string",
		[SMP_T_BIN]  = "binary",
	};

	return type >= 0 && type < SMP_TYPES ? names[type] : "?";
}

void sample_v4tov6(struct in6_addr *v6, const struct in_addr *v4)
{
	memset(v6, 0, sizeof(*v6));
	v6->s6_addr[10] = 0xff;
	v6->s6_addr[11] = 0xff;
	memcpy(&v6->s6_addr[12], &v4->s_addr, 4);
}

int sample_v6tov4(struct in_addr *v4, const struct in6_addr *v6)
{
	static const uint8_t zero[10];
	const uint8_t *a = v6->s6_addr;

	if (memcmp(a, zero, 10) == 0 &&
	    ((a[10] == 0xff && a[11] == 0xff) || (a[10] == 0 && a[11] == 0))) {
		memcpy(&v4->s_addr, a + 12, 4);      /* v4-mapped or v4-compatible */
		return 1;
	}
	if (a[0] == 0x20 && a[1] == 0x02) {
		memcpy(&v4->s_addr, a + 2, 4);       /* 6to4 */
		return 1;
	}
	return 0;
}

/* Parses exactly four dotted decimal octets in the <len> bytes at <s>
 * (leading zeros allowed, as HAProxy does). Returns 1, or 0.
 */
static int smp_buf2ip(const char *s, size_t len, struct in_addr *dst)
{
	uint8_t out[4];
	unsigned int octets = 0, val = 0, digits = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] >= '0' && s[i] <= '9') {
			val = val * 10 + (s[i] - '0');
			if (val > 255)
				return 0;
			digits++;
		} else if (i == len || s[i] == '.') {
			if (!digits || octets == 4)
				return 0;
			out[octets++] = val;
			val = digits = 0;
		} else {
			return 0;
		}
	}
	if (octets != 4)
		return 0;
	memcpy(&dst->s_addr, out, 4);
	return 1;
}

/* Parses the IPv6 address in the <len> bytes at <s>. Returns 1, or 0. */
static int smp_buf2ip6(const char *s, size_t len, struct in6_addr *dst)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = 0;
	return inet_pton(AF_INET6, buf, dst) == 1;
}

static _Thread_local char smp_scratch_buf[2][SAMPLE_SCRATCH_SIZE];
static _Thread_local unsigned int smp_scratch_idx;

char *sample_scratch(void)
{
	smp_scratch_idx ^= 1;
	return smp_scratch_buf[smp_scratch_idx];
}

static int c_none(struct sample *smp)
{
	(void)smp;
	return 1;
}

static int c_int2bool(struct sample *smp)
{
	smp->data.type = SMP_T_BOOL;
	return 1;
}

static int c_bool2int(struct sample *smp)
{
	smp->data.type = SMP_T_SINT;
	return 1;
}

static int c_int2str(struct sample *smp)
{
	char *buf = sample_scratch();
	int n = snprintf(buf, SAMPLE_SCRATCH_SIZE, "%lld", (long long)smp->data.u.sint);

	sample_set_str(smp, buf, n);
	return 1;
}

static int c_int2bin(struct sample *smp)
{
	uint8_t *buf = (uint8_t *)sample_scratch();
	uint64_t v = (uint64_t)smp->data.u.sint;

	if (smp->data.type == SMP_T_BOOL)
		v = !!v;
	for (int i = 7; i >= 0; i--, v >>= 8)
		buf[i] = v & 0xff;
	sample_set_bin(smp, buf, 8);
	return 1;
}

static int c_int2ip(struct sample *smp)
{
	smp->data.u.ipv4.s_addr = htonl((uint32_t)smp->data.u.sint);
	smp->data.type = SMP_T_IPV4;
	return 1;
}

static int c_int2ipv6(struct sample *smp)
{
	struct in_addr v4 = { .s_addr = htonl((uint32_t)smp->data.u.sint) };

	sample_v4tov6(&smp->data.u.ipv6, &v4);
	smp->data.type = SMP_T_IPV6;
	return 1;
}

static int c_ip2int(struct sample *smp)
{
	smp->data.u.sint = ntohl(smp->data.u.ipv4.s_addr);
	smp->data.type = SMP_T_SINT;
	return 1;
}

static int c_ip2ipv6(struct sample *smp)
{
	struct in_addr v4 = smp->data.u.ipv4;

	sample_v4tov6(&smp->data.u.ipv6, &v4);
	smp->data.type = SMP_T_IPV6;
	return 1;
}

static int c_ipv62ip(struct sample *smp)
{
	struct in_addr v4;

	if (!sample_v6tov4(&v4, &smp->data.u.ipv6))
		return 0;
	smp->data.u.ipv4 = v4;
	smp->data.type = SMP_T_IPV4;
	return 1;
}

static int c_addr2str(struct sample *smp)
{
	char *buf = sample_scratch();
	int af = smp->data.type == SMP_T_IPV4 ? AF_INET : AF_INET6;

	if (!inet_ntop(af, &smp->data.u, buf, INET6_ADDRSTRLEN + 1))
		return 0;
	sample_set_str(smp, buf, strlen(buf));
	return 1;
}

static int c_addr2bin(struct sample *smp)
{
	char *buf = sample_scratch();
	size_t len = smp->data.type == SMP_T_IPV4 ? 4 : 16;

	memcpy(buf, &smp->data.u, len);
	sample_set_bin(smp, buf, len);
	return 1;
}

/* Like HAProxy's read_int64(): optional sign then digits, stopping at the
 * first other byte; saturates instead of wrapping.
 */
static int c_str2int(struct sample *smp)
{
	const char *p = smp->data.u.str.ptr, *end = p + smp->data.u.str.len;
	int neg = 0;
	int64_t v = 0;

	if (p == end)
		return 0;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		int d = *p - '0';

		if (!neg && v > (INT64_MAX - d) / 10)
			v = INT64_MAX;
		else if (neg && v < (INT64_MIN + d) / 10)
			v = INT64_MIN;
		else
			v = v * 10 + (neg ? -d : d);
	}
	sample_set_sint(smp, v);
	return 1;
}

static int c_str2bool(struct sample *smp)
{
	if (!c_str2int(smp))
		return 0;
	smp->data.type = SMP_T_BOOL;
	return 1;
}

static int c_str2ip(struct sample *smp)
{
	struct in_addr v4;

	if (!smp_buf2ip(smp->data.u.str.ptr, smp->data.u.str.len, &v4))
		return 0;
	smp->data.u.ipv4 = v4;
	smp->data.type = SMP_T_IPV4;
	return 1;
}

static int c_str2ipv6(struct sample *smp)
{
	struct in6_addr v6;

	if (!smp_buf2ip6(smp->data.u.str.ptr, smp->data.u.str.len, &v6))
		return 0;
	smp->data.u.ipv6 = v6;
	smp->data.type = SMP_T_IPV6;
	return 1;
}

static int c_str2addr(struct sample *smp)
{
	return c_str2ip(smp) || c_str2ipv6(smp);
}

static int c_str2bin(struct sample *smp)
{
	smp->data.type = SMP_T_BIN;
	return 1;
}

static int c_bin2str(struct sample *smp)
{
	const char *nul = memchr(smp->data.u.str.ptr, 0, smp->data.u.str.len);

	if (nul)
		smp->data.u.str.len = nul - smp->data.u.str.ptr;
	smp->data.type = SMP_T_STR;
	return 1;
}

typedef int (*smp_cast_fn)(struct sample *smp);

/* smp_casts[from][to]: NULL when impossible. Rows of the pseudo types are
 * unused (a produced sample is always concrete); the ANY and ADDR columns
 * are the targets converters may declare.
 */
static const smp_cast_fn smp_casts[SMP_TYPES][SMP_TYPES] = {
	/*             ANY     BOOL        SINT        ADDR        IPV4       IPV6        STR         BIN */
	[SMP_T_BOOL] = { c_none, c_none,     c_bool2int, NULL,       NULL,      NULL,       c_int2str,  c_int2bin  },
	[SMP_T_SINT] = { c_none, c_int2bool, c_none,     c_int2ip,   c_int2ip,  c_int2ipv6, c_int2str,  c_int2bin  },
	[SMP_T_IPV4] = { c_none, NULL,       c_ip2int,   c_none,     c_none,    c_ip2ipv6,  c_addr2str, c_addr2bin },
	[SMP_T_IPV6] = { c_none, NULL,       NULL,       c_none,     c_ipv62ip, c_none,     c_addr2str, c_addr2bin },
	[SMP_T_STR]  = { c_none, c_str2bool, c_str2int,  c_str2addr, c_str2ip,  c_str2ipv6, c_none,     c_str2bin  },
	[SMP_T_BIN]  = { c_none, NULL,       NULL,       NULL,       NULL,      NULL,       c_bin2str,  c_none     },
};

int sample_can_cast(int from, int to)
{
	if (from < 0 || from >= SMP_TYPES || to < 0 || to >= SMP_TYPES)
		return 0;
	if (to == SMP_T_ANY)
		return 1;
	if (from == SMP_T_ADDR)
		return from == to || (smp_casts[SMP_T_IPV4][to] && smp_casts[SMP_T_IPV6][to]);
	if (from == SMP_T_ANY)
		return 0;
	return smp_casts[from][to] != NULL;
}

int sample_cast(struct sample *smp, int type)
{
	smp_cast_fn fn;

	if (type == SMP_T_ANY || smp->data.type == type)
		return 1;
	if (smp->data.type <= SMP_T_ANY || smp->data.type >= SMP_TYPES ||
	    type < 0 || type >= SMP_TYPES)
		return 0;
	fn = smp_casts[smp->data.type][type];
	return fn ? fn(smp) : 0;
}

/* ---- masks ---- */

int sample_parse_mask4(const char *text, struct in_addr *mask)
{
	char *end;
	long bits;

	if (!*text)
		return -EINVAL;
	if (!strchr(text, '.')) {
		if (*text < '0' || *text > '9')
			return -EINVAL;
		bits = strtol(text, &end, 10);
		if (*end || bits < 0 || bits > 32)
			return -EINVAL;
		mask->s_addr = bits ? htonl(~0U << (32 - bits)) : 0;
		return 0;
	}
	return smp_buf2ip(text, strlen(text), mask) ? 0 : -EINVAL;
}

int sample_parse_mask6(const char *text, struct in6_addr *mask)
{
	char *end;
	long bits;

	if (!*text)
		return -EINVAL;
	if (!strchr(text, ':')) {
		if (*text < '0' || *text > '9')
			return -EINVAL;
		bits = strtol(text, &end, 10);
		if (*end || bits < 0 || bits > 128)
			return -EINVAL;
		memset(mask, 0, sizeof(*mask));
		for (int i = 0; i < 16; i++, bits -= 8)
			mask->s6_addr[i] = bits >= 8 ? 0xff : bits > 0 ? (uint8_t)(0xff << (8 - bits)) : 0;
		return 0;
	}
	return inet_pton(AF_INET6, text, mask) == 1 ? 0 : -EINVAL;
}

/* ---- arguments ---- */

static const char *smp_arg_type_name(int type)
{
	switch (type) {
	case SMP_ARGT_SINT: return "an integer";
	case SMP_ARGT_STR:  return "a string";
	case SMP_ARGT_IPV4: return "an IPv4 address";
	case SMP_ARGT_IPV6: return "an IPv6 address";
	case SMP_ARGT_MSK4: return "an IPv4 mask (dotted like 255.255.255.0, or a bit count)";
	case SMP_ARGT_MSK6: return "an IPv6 mask (a bit count, or like ffff:ffff::)";
	case SMP_ARGT_TIME: return "a time (a number with an optional unit us, ms, s, m, h or d)";
	default:            return "nothing";
	}
}

/* Parses a strict decimal integer. Returns 0, or -EINVAL. */
static int smp_parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || errno)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Parses a time: a number and an optional unit, default ms. Result in ms. */
static int smp_parse_time(const char *s, int64_t *out)
{
	static const struct { const char *unit; int64_t mul, div; } units[] = {
		{ "us", 1, 1000 }, { "ms", 1, 1 }, { "s", 1000, 1 }, { "m", 60000, 1 },
		{ "h", 3600000, 1 }, { "d", 86400000, 1 }, { "", 1, 1 },
	};
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v > INT64_MAX / 86400000)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strcmp(end, units[i].unit) == 0) {
			*out = (int64_t)v * units[i].mul / units[i].div;
			return 0;
		}
	return -EINVAL;
}

/* Returns the number of arguments declared in <mask>. */
static int smp_arg_count(uint64_t mask)
{
	int n = 0;

	while (n < SMP_ARG_MAX && ((mask >> (4 + 5 * n)) & 0x1f))
		n++;
	return n;
}

static const struct sample_var_ops *smp_var_ops;   /* set once from a constructor */

void sample_set_var_ops(const struct sample_var_ops *ops)
{
	smp_var_ops = ops;
}

int sample_arg_to_var(struct sample_arg *arg, char **err)
{
	void *obj = NULL;
	int r;

	if (arg->type != SMP_ARGT_STR || !smp_var_ops)
		return 1;
	r = smp_var_ops->parse(arg->data.str.ptr, arg->data.str.len, &obj, err);
	if (r != 0)
		return r;
	free(arg->data.str.ptr);
	arg->type = SMP_ARGT_VAR;
	arg->data.obj.ptr = obj;
	arg->data.obj.free = smp_var_ops->free;
	return 0;
}

int sample_arg_var(const struct sample_arg *arg, const struct sample *smp, int type, struct sample *out)
{
	if (arg->type != SMP_ARGT_VAR || !smp_var_ops)
		return 0;
	memset(out, 0, sizeof(*out));
	return smp_var_ops->get(arg->data.obj.ptr, smp->ctx, &out->data) && sample_cast(out, type);
}

int sample_arg_sint(const struct sample_arg *arg, const struct sample *smp, int64_t *out)
{
	struct sample tmp;

	if (arg->type == SMP_ARGT_SINT) {
		*out = arg->data.sint;
		return 1;
	}
	if (!sample_arg_var(arg, smp, SMP_T_SINT, &tmp))
		return 0;
	*out = tmp.data.u.sint;
	return 1;
}

/* Frees an argument array of <n> declared entries (some may be absent). */
static void smp_free_args_n(struct sample_arg *args, int n)
{
	if (!args)
		return;
	for (int i = 0; i < n; i++) {
		if (args[i].type == SMP_ARGT_STR)
			free(args[i].data.str.ptr);
		else if ((args[i].type == SMP_ARGT_OBJ || args[i].type == SMP_ARGT_VAR) && args[i].data.obj.free)
			args[i].data.obj.free(args[i].data.obj.ptr);
	}
	free(args);
}

/* Parses the <len> bytes at <text>, the inside of the parentheses of
 * keyword <name> (a <kind>, "fetch" or "converter"), against <mask>, into
 * a new array *<out> of declared+1 entries, then runs <check> and, for the
 * converter <conv> (NULL for a fetch), its check_kw. Arguments are
 * separated by commas; quotes group bytes (no escape inside single
 * quotes), a backslash escapes '\\', ' ', '"' and '\'' and makes \r \n \t
 * control characters, and is kept before anything else (HAProxy's rules).
 * Returns 0, or -EINVAL/-ENOMEM with *<err> set.
 */
static int smp_parse_args(const char *kind, const char *name, uint64_t mask,
			  int (*check)(struct sample_arg *args, char **err),
			  const struct sample_conv_kw *conv,
			  const char *text, size_t len, int has_parens,
			  struct sample_arg **out, char **err)
{
	int ndecl = smp_arg_count(mask), nmin = mask & 0xf, n = 0, ret;
	struct sample_arg *args;
	char *word = NULL;
	size_t pos = 0;

	args = calloc(ndecl + 1, sizeof(*args));
	word = malloc(len + 1);
	if (!args || !word) {
		free(args);
		free(word);
		err_set(err, "out of memory parsing the arguments to %s '%s'", kind, name);
		return -ENOMEM;
	}

	/* "()" holds one empty argument where a string comes first, as in
	 * HAProxy (`str()`: an empty string); for other types it holds none
	 */
	while (has_parens && (len || (nmin && ((mask >> 4) & 0x1f) == SMP_ARGT_STR)) && pos <= len) {
		size_t wl = 0;
		char quote = 0;
		int type;

		/* one argument, unescaped into <word> */
		for (; pos < len; pos++) {
			char c = text[pos];

			if (quote && c == quote) {
				quote = 0;
			} else if (!quote && (c == '"' || c == '\'')) {
				quote = c;
			} else if (c == '\\' && quote != '\'' && pos + 1 < len) {
				/* HAProxy's escapes: \\ \<space> \" \' \r \n \t; a
				 * backslash before anything else is kept, except
				 * before a comma (Tollgate's older escape, which
				 * no HAProxy configuration contains)
				 */
				char e = text[pos + 1];

				if (e == '\\' || e == ' ' || e == '"' || e == '\'' || e == ',')
					word[wl++] = text[++pos];
				else if (e == 'r' || e == 'n' || e == 't')
					word[wl++] = text[++pos] == 'r' ? '\r' : e == 'n' ? '\n' : '\t';
				else
					word[wl++] = c;
			} else if (c == ',' && !quote) {
				break;
			} else {
				word[wl++] = c;
			}
		}
		word[wl] = 0;
		pos++;   /* skip the comma, or step past the end */

		if (n >= ndecl) {
			if (ndecl == 0)
				ret = err_set(err, "%s '%s' takes no argument", kind, name);
			else
				ret = err_set(err, "too many arguments to %s '%s' (at most %d)",
					      kind, name, ndecl);
			goto out_free;
		}
		type = (mask >> (4 + 5 * n)) & 0x1f;
		args[n].type = type;
		switch (type) {
		case SMP_ARGT_SINT:
			if (smp_parse_int(word, &args[n].data.sint) == 0)
				break;
			if (conv && (conv->kw_flags & SMP_CONV_F_VAR_ARGS) && smp_var_ops) {
				void *obj = NULL;
				int r = smp_var_ops->parse(word, wl, &obj, err);

				if (r < 0) {
					ret = -EINVAL;
					goto out_free;
				}
				if (r == 0) {
					args[n].type = SMP_ARGT_VAR;
					args[n].data.obj.ptr = obj;
					args[n].data.obj.free = smp_var_ops->free;
					break;
				}
			}
			goto bad_arg;
		case SMP_ARGT_TIME:
			if (smp_parse_time(word, &args[n].data.sint) < 0)
				goto bad_arg;
			break;
		case SMP_ARGT_IPV4:
			if (inet_pton(AF_INET, word, &args[n].data.ipv4) != 1)
				goto bad_arg;
			break;
		case SMP_ARGT_IPV6:
			if (inet_pton(AF_INET6, word, &args[n].data.ipv6) != 1)
				goto bad_arg;
			break;
		case SMP_ARGT_MSK4:
			if (sample_parse_mask4(word, &args[n].data.ipv4) < 0)
				goto bad_arg;
			break;
		case SMP_ARGT_MSK6:
			if (sample_parse_mask6(word, &args[n].data.ipv6) < 0)
				goto bad_arg;
			break;
		case SMP_ARGT_STR:
			args[n].data.str.ptr = strdup(word);
			args[n].data.str.len = wl;
			if (!args[n].data.str.ptr) {
				args[n].type = SMP_ARGT_STOP;
				ret = err_set(err, "out of memory parsing the arguments to %s '%s'",
					      kind, name);
				ret = -ENOMEM;
				goto out_free;
			}
			break;
		default:
			goto bad_arg;
		}
		n++;
		if (pos > len)
			break;
	}

	if (n < nmin) {
		int type = (mask >> (4 + 5 * n)) & 0x1f;

		ret = err_set(err, "missing argument %d to %s '%s' (expected %s)",
			      n + 1, kind, name, smp_arg_type_name(type));
		goto out_free;
	}
	if ((check && check(args, err) < 0) ||
	    (conv && conv->check_kw && conv->check_kw(conv, args, err) < 0)) {
		char *why = err ? *err : NULL;

		if (err)
			*err = NULL;
		ret = err_set(err, "invalid arguments to %s '%s': %s", kind, name,
			      why ? why : "rejected");
		free(why);
		goto out_free;
	}
	free(word);
	*out = args;
	return 0;

 bad_arg:
	ret = err_set(err, "argument %d to %s '%s' must be %s, not '%s'",
		      n + 1, kind, name, smp_arg_type_name(args[n].type), word);
	args[n].type = SMP_ARGT_STOP;
 out_free:
	smp_free_args_n(args, ndecl);
	free(word);
	return ret;
}

/* ---- expressions ---- */

void sample_free_expr(struct sample_expr *expr)
{
	if (!expr)
		return;
	smp_free_args_n(expr->fetch_args, expr->fetch ? smp_arg_count(expr->fetch->arg_mask) : 0);
	for (unsigned int i = 0; i < expr->nb_convs; i++)
		smp_free_args_n(expr->convs[i].args, smp_arg_count(expr->convs[i].kw->arg_mask));
	free(expr->convs);
	free(expr->text);
	free(expr);
}

static const char *smp_place_name(unsigned int bit)
{
	switch (bit) {
	case SMP_USE_L4CLI:    return "tcp-request connection";
	case SMP_USE_L5CLI:    return "tcp-request session";
	case SMP_USE_L6REQ:    return "tcp-request content";
	case SMP_USE_HTTP_REQ: return "http-request";
	case SMP_USE_HTTP_RES: return "http-response";
	default:               return "?";
	}
}

/* Finds in <text> from <p> the ')' closing the '(' just before <p>,
 * honouring quotes and backslashes. Returns its position, or NULL.
 */
static const char *smp_find_close(const char *p)
{
	char quote = 0;

	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == ')') {
			return p;
		}
	}
	return NULL;
}

/* Parses one "name[(args)]" at *<pp> for a <kind> keyword: sets <name> and
 * <nlen>, the argument text and its length, <has_parens>, and advances *<pp>
 * past it (to the ',' or the end). Returns 0, or -EINVAL with *<err> set.
 */
static int smp_split_kw(const char **pp, const char *kind, const char **name,
			size_t *nlen, const char **atext, size_t *alen,
			int *has_parens, char **err)
{
	const char *p = *pp, *close;

	*name = p;
	while (*p && *p != '(' && *p != ',' && *p != ')')
		p++;
	*nlen = p - *name;
	*atext = p;
	*alen = 0;
	*has_parens = 0;
	if (!*nlen)
		return err_set(err, "missing %s name in '%s'", kind, *pp);
	if (*p == ')')
		return err_set(err, "unexpected ')' after %s '%.*s'", kind, (int)*nlen, *name);
	if (*p == '(') {
		close = smp_find_close(p + 1);
		if (!close)
			return err_set(err, "missing closing ')' after the arguments to %s '%.*s'",
				       kind, (int)*nlen, *name);
		*atext = p + 1;
		*alen = close - (p + 1);
		*has_parens = 1;
		p = close + 1;
		if (*p && *p != ',')
			return err_set(err, "unexpected '%s' after ')' of %s '%.*s' (expected ',' and a converter)",
				       p, kind, (int)*nlen, *name);
	}
	*pp = p;
	return 0;
}

int sample_parse_expr(const char *text, unsigned int where,
		      struct sample_expr **out, char **err)
{
	const char *p = text, *name, *atext;
	size_t nlen, alen;
	int has_parens, ret, cur_type;
	struct sample_expr *expr;
	char kwname[64];

	expr = calloc(1, sizeof(*expr));
	if (!expr || !(expr->text = strdup(text))) {
		free(expr);
		err_set(err, "out of memory parsing sample expression '%s'", text);
		return -ENOMEM;
	}

	ret = smp_split_kw(&p, "fetch", &name, &nlen, &atext, &alen, &has_parens, err);
	if (ret < 0)
		goto out_free;
	snprintf(kwname, sizeof(kwname), "%.*s", (int)nlen, name);
	expr->fetch = sample_find_fetch(name, nlen);
	if (!expr->fetch) {
		const char *sug = smp_suggest(kwname, 0);

		if (sug)
			ret = err_set(err, "unknown fetch method '%s' in '%s' (did you mean '%s'?)",
				      kwname, text, sug);
		else
			ret = err_set(err, "unknown fetch method '%s' in '%s'", kwname, text);
		goto out_free;
	}
	ret = smp_parse_args("fetch", expr->fetch->name, expr->fetch->arg_mask,
			     expr->fetch->check, NULL, atext, alen, has_parens,
			     &expr->fetch_args, err);
	if (ret < 0)
		goto out_free;
	/* what the session has is there when the request's bytes are */
	expr->use = expr->fetch->use | (expr->fetch->use & SMP_USE_L5CLI ? SMP_USE_L6REQ : 0);
	if (where & ~expr->use) {
		unsigned int bad = where & ~expr->use;

		ret = err_set(err, "fetch '%s' cannot be used in %s rules",
			      expr->fetch->name, smp_place_name(bad & -bad));
		goto out_free;
	}
	cur_type = expr->fetch->out_type;

	while (*p == ',') {
		const struct sample_conv_kw *kw;
		struct sample_conv_expr *convs;

		p++;
		ret = smp_split_kw(&p, "converter", &name, &nlen, &atext, &alen, &has_parens, err);
		if (ret < 0)
			goto out_free;
		snprintf(kwname, sizeof(kwname), "%.*s", (int)nlen, name);
		kw = sample_find_conv(name, nlen);
		if (!kw) {
			const char *sug = smp_suggest(kwname, 1);

			if (sug)
				ret = err_set(err, "unknown converter '%s' in '%s' (did you mean '%s'?)",
					      kwname, text, sug);
			else
				ret = err_set(err, "unknown converter '%s' in '%s'", kwname, text);
			goto out_free;
		}
		if (!sample_can_cast(cur_type, kw->in_type)) {
			ret = err_set(err, "converter '%s' cannot be applied to a sample of type %s in '%s' (it takes %s)",
				      kw->name, sample_type_name(cur_type), text,
				      sample_type_name(kw->in_type));
			goto out_free;
		}
		convs = realloc(expr->convs, (expr->nb_convs + 1) * sizeof(*convs));
		if (!convs) {
			err_set(err, "out of memory parsing sample expression '%s'", text);
			ret = -ENOMEM;
			goto out_free;
		}
		expr->convs = convs;
		convs[expr->nb_convs].kw = kw;
		convs[expr->nb_convs].args = NULL;
		ret = smp_parse_args("converter", kw->name, kw->arg_mask, kw->check, kw,
				     atext, alen, has_parens, &convs[expr->nb_convs].args, err);
		if (ret < 0)
			goto out_free;
		expr->nb_convs++;
		if (kw->out_type != SMP_T_ANY)   /* ANY: the input's type passes on */
			cur_type = kw->out_type;
	}
	expr->out_type = cur_type;
	*out = expr;
	return 0;

 out_free:
	sample_free_expr(expr);
	return ret;
}

int sample_apply_convs(const struct sample_expr *expr, struct sample *smp)
{
	for (unsigned int i = 0; i < expr->nb_convs; i++) {
		const struct sample_conv_expr *c = &expr->convs[i];

		if (!sample_cast(smp, c->kw->in_type))
			return 0;
		if (!c->kw->fn(c->args, smp, c->kw->private))
			return 0;
	}
	return 1;
}

int sample_eval(const struct sample_expr *expr, const struct sample_ctx *ctx,
		struct sample *smp)
{
	smp->flags = 0;
	smp->fctx.u = 0;
	smp->data.type = SMP_T_ANY;
	smp->kw_private = expr->fetch->private;
	smp->ctx = ctx;
	if (!expr->fetch->fn(expr->fetch_args, smp, ctx))
		return 0;
	return sample_apply_convs(expr, smp);
}

int sample_eval_next(const struct sample_expr *expr, const struct sample_ctx *ctx,
		     struct sample *smp)
{
	smp->flags &= ~SMP_F_NOT_LAST;
	smp->kw_private = expr->fetch->private;
	smp->ctx = ctx;
	if (!expr->fetch->fn(expr->fetch_args, smp, ctx))
		return 0;
	return sample_apply_convs(expr, smp);
}

/* ---- constant fetches ---- */

static int smp_fetch_true(const struct sample_arg *args, struct sample *smp,
			  const struct sample_ctx *ctx)
{
	sample_set_bool(smp, 1);
	return 1;
}

static int smp_fetch_false(const struct sample_arg *args, struct sample *smp,
			   const struct sample_ctx *ctx)
{
	sample_set_bool(smp, 0);
	return 1;
}

static struct sample_fetch_kw_list smp_const_fetches = {
	.kw = {
		{ "always_true",  smp_fetch_true,  SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_ANY },
		{ "always_false", smp_fetch_false, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_ANY },
		{ NULL, NULL, 0, NULL, 0, 0 },
	}
};

__attribute__((constructor)) static void sample_register_const(void)
{
	sample_register_fetches(&smp_const_fetches);
}
