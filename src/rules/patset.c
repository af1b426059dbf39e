/*
 * Pattern sets (include/tollgate/patset.h): parsing patterns, indexing
 * them, and finding the first that matches a sample. Used by ACL tests
 * (acl.c) and map converters (maps.c). See the header for the principles
 * and contracts.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/errmsg.h>
#include <tollgate/patset.h>
#include <tollgate/sample.h>

static const char *const pat_match_names[PAT_MATCH_NUM] = {
	"found", "bool", "int", "ip", "bin", "len", "str", "beg", "end", "sub",
	"dir", "dom", "reg",
};

/* Sample type each method casts the sample to before matching. */
static const int pat_match_types[PAT_MATCH_NUM] = {
	[PAT_MATCH_FOUND] = SMP_T_ANY,  [PAT_MATCH_BOOL] = SMP_T_SINT,
	[PAT_MATCH_INT]   = SMP_T_SINT, [PAT_MATCH_IP]   = SMP_T_ADDR,
	[PAT_MATCH_BIN]   = SMP_T_BIN,  [PAT_MATCH_LEN]  = SMP_T_STR,
	[PAT_MATCH_STR]   = SMP_T_STR,  [PAT_MATCH_BEG]  = SMP_T_STR,
	[PAT_MATCH_END]   = SMP_T_STR,  [PAT_MATCH_SUB]  = SMP_T_STR,
	[PAT_MATCH_DIR]   = SMP_T_STR,  [PAT_MATCH_DOM]  = SMP_T_STR,
	[PAT_MATCH_REG]   = SMP_T_STR,
};

/* One pattern, pre-parsed. */
struct pattern {
	unsigned int flags;                    /* PAT_F_* (ICASE: stored lowercased) */
	union {
		struct {
			int64_t min;           /* lowest accepted value (INT64_MIN if open) */
			int64_t max;           /* highest accepted value (INT64_MAX if open) */
		} range;                       /* INT, LEN */
		struct {
			int family;            /* AF_INET or AF_INET6 */
			struct in_addr a4;     /* v4 network, masked */
			struct in_addr m4;     /* v4 mask */
			struct in6_addr a6;    /* v6 network, masked */
			unsigned int bits;     /* prefix length; v4: 33 if not a prefix */
		} ip;                          /* IP */
		struct {
			char *ptr;             /* bytes, lowercased with -i, NUL-terminated */
			size_t len;            /* number of bytes */
		} str;                         /* BIN and string methods */
		regex_t *re;                   /* REG: compiled regex */
	} val;                                 /* value, by method */
};

/* Open-addressing hash of exact strings (PAT_MATCH_STR). */
struct pat_str_slot {
	uint64_t hash;                         /* hash of the (lowered) bytes */
	const char *ptr;                       /* pattern bytes, NULL for an empty slot */
	uint32_t len;                          /* pattern length */
	uint32_t pos;                          /* pattern position */
};

struct pat_str_index {
	struct pat_str_slot *slots;            /* table, power-of-two size, or NULL */
	size_t mask;                           /* size - 1 */
	size_t used;                           /* slots in use */
};

/* Networks of one prefix length, sorted for binary search. A network
 * appears once, with the position of its first pattern.
 */
struct pat_ip4_net {
	uint32_t net;                          /* host order network (first: bsearch key) */
	uint32_t pos;                          /* pattern position */
};

struct pat_ip6_net {
	struct in6_addr net;                   /* network (first: bsearch key) */
	uint32_t pos;                          /* pattern position */
};

struct pat_ip4_seg {
	unsigned int bits;                     /* prefix length */
	uint32_t mask;                         /* host order mask */
	struct pat_ip4_net *nets;              /* sorted by network */
	size_t n;                              /* number of networks */
};

struct pat_ip6_seg {
	unsigned int bits;                     /* prefix length */
	struct in6_addr mask;                  /* mask */
	struct pat_ip6_net *nets;              /* sorted by network (memcmp()) */
	size_t n;                              /* number of networks */
};

/* IP index (PAT_MATCH_IP). */
struct pat_ip_index {
	struct pat_ip4_seg *v4;                /* v4 segments, longest prefix first */
	size_t nb_v4;                          /* number of v4 segments */
	struct pat_ip6_seg *v6;                /* v6 segments, longest prefix first */
	size_t nb_v6;                          /* number of v6 segments */
	uint32_t *odd4;                        /* positions of the v4 patterns with non-prefix masks, in order */
	size_t nb_odd4;                        /* their number */
};

struct patset {
	int match;                             /* enum pat_match */
	unsigned int flags;                    /* PATSET_F_* */
	struct pattern *pats;                  /* patterns in position order */
	size_t nb_pats;                        /* number of patterns */
	size_t alloc_pats;                     /* allocated entries of <pats> */
	struct pat_str_index str_cs;           /* STR: case-sensitive patterns */
	struct pat_str_index str_ci;           /* STR: -i patterns, lowercased */
	struct pat_ip_index ip;                /* IP: index */
	int has_dups;                          /* an index dropped a duplicate: a removal looks for it */
};

/* Pattern flag, private: removed by patset_remove(), kept for its position. */
#define PAT_F_DEAD  0x80000000U


/* ---- helpers ---- */

/* Returns the smallest power of two >= <n> (1 for 0): the capacity of an
 * index array of <n> elements, grown by doubling when <n> reaches one.
 */
static size_t pow2_ceil(size_t n)
{
	size_t p = 1;

	while (p < n)
		p *= 2;
	return p;
}

static uint64_t pat_hash(const char *p, size_t len, int lower)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		h ^= lower ? (unsigned char)tolower(c) : c;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Compares <len> bytes of sample <s> with lowered pattern <p>, ignoring
 * the case of the sample. Returns 1 if equal.
 */
static int pat_eq_ci(const char *s, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (tolower((unsigned char)s[i]) != (unsigned char)p[i])
			return 0;
	return 1;
}

/* Compares the sample bytes <s> and the pattern <p> of <len> bytes. */
static inline int pat_eq(const char *s, const struct pattern *p, size_t len)
{
	if (p->flags & PAT_F_ICASE)
		return pat_eq_ci(s, p->val.str.ptr, len);
	return memcmp(s, p->val.str.ptr, len) == 0;
}

/* ---- pattern parsing ---- */

int pat_match_find(const char *name)
{
	for (int i = 0; i < PAT_MATCH_NUM; i++)
		if (strcmp(name, pat_match_names[i]) == 0)
			return i;
	return -1;
}

const char *pat_match_name(int match)
{
	return match >= 0 && match < PAT_MATCH_NUM ? pat_match_names[match] : "?";
}

int pat_match_type(int match)
{
	return pat_match_types[match];
}

int pat_parse_int(const char *s, size_t len, int64_t *out)
{
	char buf[32], *end;
	long long v;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (!isdigit((unsigned char)buf[0]) && !((buf[0] == '-' || buf[0] == '+') && isdigit((unsigned char)buf[1])))
		return -EINVAL;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (*end || errno)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Parses an integer, or with <dotted> a version "M[.m]" as M * 65536 + m
 * (each part 0 to 65535).
 */
static int pat_parse_num(const char *s, size_t len, int dotted, int64_t *out)
{
	const char *dot = dotted ? memchr(s, '.', len) : NULL;
	int64_t maj, min = 0;

	if (!dotted)
		return pat_parse_int(s, len, out);
	if (pat_parse_int(s, dot ? (size_t)(dot - s) : len, &maj) < 0 || maj < 0 || maj > 65535)
		return -EINVAL;
	if (dot && (pat_parse_int(dot + 1, len - (size_t)(dot + 1 - s), &min) < 0 || min < 0 || min > 65535))
		return -EINVAL;
	*out = maj << 16 | min;
	return 0;
}

/* Parses an integer pattern: a value (with operator <op>) or a range
 * "a:b", ":b", "a:", "a-b". A leading '-' or '+' is a sign. <dotted>: the
 * numbers are versions (pat_parse_num()).
 */
static int pat_parse_range(const char *text, int op, int dotted, struct pattern *pat, char **err)
{
	const char *sep;
	int64_t v;

	/* the separator is a ':', or a '-' that does not start the text */
	sep = strchr(text, ':');
	if (!sep && *text)
		sep = strchr(text + 1, '-');
	pat->val.range.min = INT64_MIN;
	pat->val.range.max = INT64_MAX;
	if (!sep) {
		if (pat_parse_num(text, strlen(text), dotted, &v) < 0)
			return err_set(err, "'%s' is neither a %s nor a supported operator (eq, ge, gt, le, lt)", text,
				       dotted ? "version (MAJOR[.MINOR])" : "number");
		switch (op) {
		case PAT_OP_EQ: pat->val.range.min = pat->val.range.max = v; break;
		case PAT_OP_GE: pat->val.range.min = v; break;
		case PAT_OP_GT:
			if (v == INT64_MAX)
				return err_set(err, "'gt %s' can never match", text);
			pat->val.range.min = v + 1;
			break;
		case PAT_OP_LE: pat->val.range.max = v; break;
		case PAT_OP_LT:
			if (v == INT64_MIN)
				return err_set(err, "'lt %s' can never match", text);
			pat->val.range.max = v - 1;
			break;
		}
		return 0;
	}
	if (sep == text && !sep[1])
		return err_set(err, "'%s' is not a valid number range", text);
	if (sep > text && pat_parse_num(text, sep - text, dotted, &pat->val.range.min) < 0)
		return err_set(err, "'%s' is not a valid number range", text);
	if (sep[1] && pat_parse_num(sep + 1, strlen(sep + 1), dotted, &pat->val.range.max) < 0)
		return err_set(err, "'%s' is not a valid number range", text);
	if (pat->val.range.min > pat->val.range.max)
		return err_set(err, "'%s' is not a valid number range (lower bound above upper bound)", text);
	return 0;
}

/* Returns 1 if the host-order mask <m> is a prefix mask, and its length. */
static int pat_mask4_bits(uint32_t m, unsigned int *bits)
{
	uint32_t inv = ~m;

	if (inv & (inv + 1))
		return 0;
	*bits = __builtin_popcount(m);
	return 1;
}

/* Parses an IP pattern: v4 (possibly abbreviated) with "/bits" or a dotted
 * mask, or v6 with "/bits". Host names are refused: Tollgate never
 * resolves names while parsing.
 */
static int pat_parse_ip(const char *text, struct pattern *pat, char **err)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	int dots = 0;

	if (!alen || alen >= sizeof(addr))
		goto bad;
	memcpy(addr, text, alen);
	addr[alen] = 0;
	if (strchr(addr, ':')) {
		struct in6_addr m6;

		pat->val.ip.family = AF_INET6;
		if (inet_pton(AF_INET6, addr, &pat->val.ip.a6) != 1)
			goto bad;
		if (sample_parse_mask6(slash ? slash + 1 : "128", &m6) < 0 ||
		    (slash && strchr(slash + 1, ':')))
			return err_set(err, "'%s': an IPv6 mask must be a bit count (0 to 128)", text);
		pat->val.ip.bits = slash ? (unsigned int)atoi(slash + 1) : 128;
		for (int i = 0; i < 16; i++)
			pat->val.ip.a6.s6_addr[i] &= m6.s6_addr[i];
		return 0;
	}
	pat->val.ip.family = AF_INET;
	if (strspn(addr, "0123456789.") != alen)
		goto bad;
	for (const char *c = addr; *c; c++)
		dots += *c == '.';
	if (dots == 3) {
		/* four parts: decimal, leading zeros allowed, as samples are cast */
		struct sample tmp;

		sample_set_str(&tmp, addr, alen);
		if (!sample_cast(&tmp, SMP_T_IPV4))
			goto bad;
		pat->val.ip.a4 = tmp.data.u.ipv4;
	} else if (inet_aton(addr, &pat->val.ip.a4) == 0) {
		/* abbreviated forms HAProxy documents: "10.12" is 10.0.0.12 */
		goto bad;
	}
	if (sample_parse_mask4(slash ? slash + 1 : "32", &pat->val.ip.m4) < 0)
		return err_set(err, "'%s': invalid IPv4 mask (expected a bit count or a dotted mask)", text);
	pat->val.ip.a4.s_addr &= pat->val.ip.m4.s_addr;
	if (!pat_mask4_bits(ntohl(pat->val.ip.m4.s_addr), &pat->val.ip.bits))
		pat->val.ip.bits = 33;
	return 0;
 bad:
	return err_set(err, "'%s' is not a valid IPv4 or IPv6 address", text);
}

static int pat_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses one pattern <text> for method <match> into <pat>. */
static int pat_parse(int match, int dotted, const char *text, int icase, int op,
		     struct pattern *pat, char **err)
{
	size_t len = strlen(text);

	memset(pat, 0, sizeof(*pat));
	switch (match) {
	case PAT_MATCH_INT:
		return pat_parse_range(text, op, dotted, pat, err);
	case PAT_MATCH_LEN:
		return pat_parse_range(text, op, 0, pat, err);
	case PAT_MATCH_IP:
		return pat_parse_ip(text, pat, err);
	case PAT_MATCH_BIN:
		if (len % 2)
			return err_set(err, "'%s' is not a hex block (odd number of digits)", text);
		pat->val.str.ptr = malloc(len / 2 + 1);
		if (!pat->val.str.ptr)
			return -ENOMEM;
		for (size_t i = 0; i < len; i += 2) {
			int hi = pat_hex(text[i]), lo = pat_hex(text[i + 1]);

			if (hi < 0 || lo < 0) {
				free(pat->val.str.ptr);
				pat->val.str.ptr = NULL;
				return err_set(err, "'%s' is not a hex block (bad digit)", text);
			}
			pat->val.str.ptr[i / 2] = (char)(hi << 4 | lo);
		}
		pat->val.str.len = len / 2;
		return 0;
	case PAT_MATCH_REG: {
		int rc;

		pat->val.re = malloc(sizeof(*pat->val.re));
		if (!pat->val.re)
			return -ENOMEM;
		rc = regcomp(pat->val.re, text, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
		if (rc) {
			char why[128];

			regerror(rc, pat->val.re, why, sizeof(why));
			free(pat->val.re);
			pat->val.re = NULL;
			return err_set(err, "invalid regex '%s': %s", text, why);
		}
		return 0;
	}
	default:   /* string methods */
		pat->val.str.ptr = strdup(text);
		if (!pat->val.str.ptr)
			return -ENOMEM;
		pat->val.str.len = len;
		if (icase) {
			pat->flags |= PAT_F_ICASE;
			for (size_t i = 0; i < len; i++)
				pat->val.str.ptr[i] = tolower((unsigned char)pat->val.str.ptr[i]);
		}
		return 0;
	}
}

/* Frees what pattern <pat> of method <match> holds. */
static void pat_free(int match, struct pattern *pat)
{
	if (match == PAT_MATCH_REG) {
		if (pat->val.re) {
			regfree(pat->val.re);
			free(pat->val.re);
		}
	} else if (match != PAT_MATCH_INT && match != PAT_MATCH_LEN && match != PAT_MATCH_IP) {
		free(pat->val.str.ptr);
	}
}

struct patset *patset_new(int match, unsigned int flags)
{
	struct patset *set = calloc(1, sizeof(*set));

	if (!set)
		return NULL;
	set->match = match;
	set->flags = flags;
	return set;
}

int patset_method(const struct patset *set)
{
	return set->match;
}

size_t patset_count(const struct patset *set)
{
	return set->nb_pats;
}

int patset_add(struct patset *set, const char *text, unsigned int pflags, int op, char **err)
{
	struct pattern pat;
	int ret;

	if (set->match == PAT_MATCH_FOUND || set->match == PAT_MATCH_BOOL)
		return 0;   /* takes no pattern: ignored, as HAProxy does */
	/* positions and string lengths are 32-bit in the indexes */
	if (set->nb_pats >= UINT32_MAX)
		return err_set(err, "too many patterns (at most %u)", UINT32_MAX);
	if (strlen(text) > UINT32_MAX)
		return err_set(err, "pattern longer than %u bytes", UINT32_MAX);
	ret = pat_parse(set->match, !!(set->flags & PATSET_F_DOTTED), text,
			!!(pflags & PAT_F_ICASE), op, &pat, err);
	if (ret == -ENOMEM)
		err_set(err, "out of memory parsing pattern '%s'", text);
	if (ret < 0)
		return ret;
	if (set->nb_pats == set->alloc_pats) {
		size_t n = set->alloc_pats ? 2 * set->alloc_pats : 8;
		struct pattern *p = realloc(set->pats, n * sizeof(*p));

		if (!p) {
			pat_free(set->match, &pat);
			return err_set(err, "out of memory parsing pattern '%s'", text), -ENOMEM;
		}
		set->pats = p;
		set->alloc_pats = n;
	}
	set->pats[set->nb_pats++] = pat;
	return 0;
}

int pat_read_file(const char *path, const char *kind, int map, pat_line_fn fn,
		  void *arg, char **err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, ret = 0;

	if (!f) {
		ret = -errno;
		err_set(err, "cannot open %s file '%s': %s", kind, path, strerror(-ret));
		return ret;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *c = line, *key, *value;

		lineno++;
		if (*c == '#')
			continue;
		while (*c == ' ' || *c == '\t')
			c++;
		key = c;
		while (*c && *c != '\n' && *c != '\r' && (!map || (*c != ' ' && *c != '\t')))
			c++;
		if (c == key)
			continue;
		value = c;   /* "" unless a map value follows */
		if (*c == ' ' || *c == '\t') {
			*c++ = 0;
			while (*c == ' ' || *c == '\t')
				c++;
			value = c;
			while (*c && *c != '\n' && *c != '\r')
				c++;
			while (c > value && (c[-1] == ' ' || c[-1] == '\t'))
				c--;
		}
		*c = 0;
		ret = fn(arg, key, value, lineno, err);
		if (ret < 0)
			break;
	}
	if (!ret && ferror(f)) {
		ret = -EIO;
		err_set(err, "error reading %s file '%s': %s", kind, path, strerror(errno));
	}
	free(line);
	fclose(f);
	return ret;
}

/* ---- indexes ---- */

static int pat_str_insert(struct pat_str_index *idx, const struct pattern *pat, uint32_t pos,
			  int lower)
{
	uint64_t h = pat_hash(pat->val.str.ptr, pat->val.str.len, lower);
	size_t i = h & idx->mask;

	for (;; i = (i + 1) & idx->mask) {
		struct pat_str_slot *s = &idx->slots[i];

		if (!s->ptr) {
			s->hash = h;
			s->ptr = pat->val.str.ptr;
			s->len = pat->val.str.len;
			s->pos = pos;
			idx->used++;
			return 0;
		}
		if (s->hash == h && s->len == pat->val.str.len &&
		    memcmp(s->ptr, pat->val.str.ptr, s->len) == 0)
			return 1;   /* duplicate: the first one stays */
	}
}

/* Builds one string table from the patterns whose icase flag is <ci>. */
static int pat_str_build(struct patset *set, struct pat_str_index *idx, int ci)
{
	size_t n = 0, size = 8;

	for (size_t i = 0; i < set->nb_pats; i++)
		n += !!(set->pats[i].flags & PAT_F_ICASE) == ci;
	if (!n)
		return 0;
	while (size < 2 * n)
		size *= 2;
	idx->used = 0;
	idx->slots = calloc(size, sizeof(*idx->slots));
	if (!idx->slots)
		return -ENOMEM;
	idx->mask = size - 1;
	for (size_t i = 0; i < set->nb_pats; i++)
		if (!!(set->pats[i].flags & PAT_F_ICASE) == ci)
			set->has_dups |= pat_str_insert(idx, &set->pats[i], (uint32_t)i, ci);
	return 0;
}

static long pat_str_lookup(const struct pat_str_index *idx, const char *p, size_t len, int ci)
{
	uint64_t h;
	size_t i;

	if (!idx->slots)
		return -1;
	h = pat_hash(p, len, ci);
	for (i = h & idx->mask; idx->slots[i].ptr; i = (i + 1) & idx->mask) {
		const struct pat_str_slot *s = &idx->slots[i];

		if (s->hash == h && s->len == len &&
		    (ci ? pat_eq_ci(p, s->ptr, len) : memcmp(p, s->ptr, len) == 0))
			return s->pos;
	}
	return -1;
}

/* Orders v4 networks by address, then position. */
static int pat_cmp_ip4(const void *a, const void *b)
{
	const struct pat_ip4_net *x = a, *y = b;

	if (x->net != y->net)
		return x->net < y->net ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* bsearch(): <key> is a host order address, <elt> a struct pat_ip4_net. */
static int pat_cmp_ip4_key(const void *key, const void *elt)
{
	uint32_t x = *(const uint32_t *)key, y = ((const struct pat_ip4_net *)elt)->net;

	return x < y ? -1 : x > y;
}

/* Orders v6 networks by address, then position. */
static int pat_cmp_ip6(const void *a, const void *b)
{
	const struct pat_ip6_net *x = a, *y = b;
	int c = memcmp(&x->net, &y->net, sizeof(x->net));

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* bsearch(): <key> is a struct in6_addr, <elt> a struct pat_ip6_net. */
static int pat_cmp_ip6_key(const void *key, const void *elt)
{
	return memcmp(key, &((const struct pat_ip6_net *)elt)->net, sizeof(struct in6_addr));
}

/* Sorts the <n> v4 networks at <nets> and keeps the first position of each
 * network. Returns the number left.
 */
static size_t pat_ip4_sort(struct pat_ip4_net *nets, size_t n)
{
	size_t k = 0;

	qsort(nets, n, sizeof(*nets), pat_cmp_ip4);
	for (size_t i = 0; i < n; i++)
		if (!k || nets[i].net != nets[k - 1].net)
			nets[k++] = nets[i];
	return k;
}

/* Same as pat_ip4_sort() for v6 networks. */
static size_t pat_ip6_sort(struct pat_ip6_net *nets, size_t n)
{
	size_t k = 0;

	qsort(nets, n, sizeof(*nets), pat_cmp_ip6);
	for (size_t i = 0; i < n; i++)
		if (!k || memcmp(&nets[i].net, &nets[k - 1].net, sizeof(nets[i].net)) != 0)
			nets[k++] = nets[i];
	return k;
}

/* Builds the IP index of <set>: segments per prefix length, longest first. */
static int pat_ip_build(struct patset *set)
{
	struct pat_ip_index *ix = &set->ip;
	size_t cnt4[34] = { 0 }, cnt6[129] = { 0 }, k;

	for (size_t i = 0; i < set->nb_pats; i++) {
		const struct pattern *p = &set->pats[i];

		if (p->val.ip.family == AF_INET)
			cnt4[p->val.ip.bits]++;
		else
			cnt6[p->val.ip.bits]++;
	}
	for (int b = 0; b <= 32; b++)
		ix->nb_v4 += !!cnt4[b];
	for (int b = 0; b <= 128; b++)
		ix->nb_v6 += !!cnt6[b];
	ix->v4 = calloc(ix->nb_v4 + 1, sizeof(*ix->v4));
	ix->v6 = calloc(ix->nb_v6 + 1, sizeof(*ix->v6));
	ix->odd4 = calloc(pow2_ceil(cnt4[33] + 1), sizeof(*ix->odd4));
	if (!ix->v4 || !ix->v6 || !ix->odd4)
		return -ENOMEM;

	for (int b = 32, s = 0; b >= 0; b--) {
		struct pat_ip4_seg *seg;

		if (!cnt4[b])
			continue;
		seg = &ix->v4[s++];
		seg->bits = b;
		seg->mask = b ? ~0U << (32 - b) : 0;
		seg->nets = malloc(pow2_ceil(cnt4[b]) * sizeof(*seg->nets));
		if (!seg->nets)
			return -ENOMEM;
		for (size_t i = 0; i < set->nb_pats; i++) {
			const struct pattern *p = &set->pats[i];

			if (p->val.ip.family == AF_INET && p->val.ip.bits == (unsigned int)b)
				seg->nets[seg->n++] = (struct pat_ip4_net){ ntohl(p->val.ip.a4.s_addr), (uint32_t)i };
		}
		k = seg->n;
		seg->n = pat_ip4_sort(seg->nets, seg->n);
		set->has_dups |= seg->n != k;
	}
	for (int b = 128, s = 0; b >= 0; b--) {
		struct pat_ip6_seg *seg;

		if (!cnt6[b])
			continue;
		seg = &ix->v6[s++];
		seg->bits = b;
		for (int i = 0, left = b; i < 16; i++, left -= 8)
			seg->mask.s6_addr[i] = left >= 8 ? 0xff : left > 0 ? (uint8_t)(0xff << (8 - left)) : 0;
		seg->nets = malloc(pow2_ceil(cnt6[b]) * sizeof(*seg->nets));
		if (!seg->nets)
			return -ENOMEM;
		for (size_t i = 0; i < set->nb_pats; i++) {
			const struct pattern *p = &set->pats[i];

			if (p->val.ip.family == AF_INET6 && p->val.ip.bits == (unsigned int)b)
				seg->nets[seg->n++] = (struct pat_ip6_net){ p->val.ip.a6, (uint32_t)i };
		}
		k = seg->n;
		seg->n = pat_ip6_sort(seg->nets, seg->n);
		set->has_dups |= seg->n != k;
	}
	for (size_t i = 0; i < set->nb_pats; i++)
		if (set->pats[i].val.ip.family == AF_INET && set->pats[i].val.ip.bits == 33)
			ix->odd4[ix->nb_odd4++] = (uint32_t)i;
	return 0;
}

int patset_build(struct patset *set)
{
	if (set->match == PAT_MATCH_STR)
		return pat_str_build(set, &set->str_cs, 0) < 0 || pat_str_build(set, &set->str_ci, 1) < 0 ?
		       -ENOMEM : 0;
	if (set->match == PAT_MATCH_IP)
		return pat_ip_build(set);
	return 0;
}

static long pat_ip4_lookup(const struct patset *set, struct in_addr a)
{
	const struct pat_ip_index *ix = &set->ip;
	uint32_t x = ntohl(a.s_addr);

	for (size_t s = 0; s < ix->nb_v4; s++) {
		uint32_t key = x & ix->v4[s].mask;
		const struct pat_ip4_net *n;

		n = bsearch(&key, ix->v4[s].nets, ix->v4[s].n, sizeof(*n), pat_cmp_ip4_key);
		if (n)
			return n->pos;
	}
	for (size_t i = 0; i < ix->nb_odd4; i++) {
		const struct pattern *p = &set->pats[ix->odd4[i]];

		if (((a.s_addr ^ p->val.ip.a4.s_addr) & p->val.ip.m4.s_addr) == 0)
			return ix->odd4[i];
	}
	return -1;
}

static long pat_ip6_lookup(const struct patset *set, const struct in6_addr *a)
{
	const struct pat_ip_index *ix = &set->ip;

	for (size_t s = 0; s < ix->nb_v6; s++) {
		const struct pat_ip6_net *n;
		struct in6_addr key;

		for (int i = 0; i < 16; i++)
			key.s6_addr[i] = a->s6_addr[i] & ix->v6[s].mask.s6_addr[i];
		n = bsearch(&key, ix->v6[s].nets, ix->v6[s].n, sizeof(*n), pat_cmp_ip6_key);
		if (n)
			return n->pos;
	}
	return -1;
}

/* ---- incremental changes ---- */

/* Grows the array *<arr> of <n> elements of <size> bytes, whose capacity
 * is pow2_ceil(<n>), so that one more fits. Returns 0 or -ENOMEM.
 */
static int pat_grow(void *arr, size_t n, size_t size)
{
	void **a = arr, *p;

	if (n && pow2_ceil(n) != n)
		return 0;   /* room left */
	p = realloc(*a, (n ? 2 * n : 1) * size);
	if (!p)
		return -ENOMEM;
	*a = p;
	return 0;
}

/* Returns 1 if patterns <a> and <b> of <set> are the same index key. */
static int pat_same_key(const struct patset *set, const struct pattern *a, const struct pattern *b)
{
	if (set->match == PAT_MATCH_IP)
		return a->val.ip.family == b->val.ip.family && a->val.ip.bits == b->val.ip.bits &&
		       (a->val.ip.family == AF_INET ?
			a->val.ip.a4.s_addr == b->val.ip.a4.s_addr && a->val.ip.m4.s_addr == b->val.ip.m4.s_addr :
			memcmp(&a->val.ip.a6, &b->val.ip.a6, sizeof(a->val.ip.a6)) == 0);
	return (a->flags & PAT_F_ICASE) == (b->flags & PAT_F_ICASE) && a->val.str.len == b->val.str.len &&
	       memcmp(a->val.str.ptr, b->val.str.ptr, a->val.str.len) == 0;
}

/* Returns the first live pattern of <set> with the same key as the one at
 * <pos> (a duplicate the index dropped), or -1. O(N), only where the set
 * ever held duplicates.
 */
static long pat_find_dup(const struct patset *set, size_t pos)
{
	if (!set->has_dups)
		return -1;
	for (size_t i = 0; i < set->nb_pats; i++)
		if (i != pos && !(set->pats[i].flags & PAT_F_DEAD) &&
		    pat_same_key(set, &set->pats[i], &set->pats[pos]))
			return (long)i;
	return -1;
}

/* Doubles the string table <idx> when it is half full. Returns 0 or -ENOMEM. */
static int pat_str_reserve(struct pat_str_index *idx)
{
	size_t size = idx->slots ? 2 * (idx->mask + 1) : 8;
	struct pat_str_slot *old = idx->slots, *n;

	if (old && 2 * (idx->used + 1) <= idx->mask + 1)
		return 0;
	n = calloc(size, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; old && i <= idx->mask; i++) {
		size_t j = old[i].hash & (size - 1);

		if (!old[i].ptr)
			continue;
		while (n[j].ptr)
			j = (j + 1) & (size - 1);
		n[j] = old[i];
	}
	idx->slots = n;
	idx->mask = size - 1;
	free(old);
	return 0;
}

/* Removes pattern <pos> from the string table <idx> (lowered if <ci>): its
 * slot goes to the next live duplicate, else is emptied by shifting back
 * the slots of its probe sequence (no tombstone).
 */
static void pat_str_remove(struct patset *set, struct pat_str_index *idx, size_t pos, int ci)
{
	const struct pattern *p = &set->pats[pos];
	uint64_t h = pat_hash(p->val.str.ptr, p->val.str.len, ci);
	size_t i, j;
	long dup;

	if (!idx->slots)
		return;
	for (i = h & idx->mask; idx->slots[i].ptr && idx->slots[i].pos != pos; i = (i + 1) & idx->mask)
		;
	if (!idx->slots[i].ptr)
		return;   /* a duplicate the table never held */
	dup = pat_find_dup(set, pos);
	if (dup >= 0) {
		idx->slots[i].pos = (uint32_t)dup;
		idx->slots[i].ptr = set->pats[dup].val.str.ptr;
		return;
	}
	idx->slots[i].ptr = NULL;
	idx->used--;
	for (j = (i + 1) & idx->mask; idx->slots[j].ptr; j = (j + 1) & idx->mask) {
		size_t k = idx->slots[j].hash & idx->mask;

		/* the slot stays if its home is cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		idx->slots[i] = idx->slots[j];
		idx->slots[j].ptr = NULL;
		i = j;
	}
}

/* Returns the v4 (<v6> 0) or v6 segment of <bits> of <ix>, inserting an
 * empty one if <create>, or NULL.
 */
static void *pat_ip_seg(struct pat_ip_index *ix, int v6, unsigned int bits, int create)
{
	size_t nb = v6 ? ix->nb_v6 : ix->nb_v4, s;

	for (s = 0; s < nb; s++) {
		unsigned int b = v6 ? ix->v6[s].bits : ix->v4[s].bits;

		if (b == bits)
			return v6 ? (void *)&ix->v6[s] : (void *)&ix->v4[s];
		if (b < bits)
			break;
	}
	if (!create)
		return NULL;
	if (v6) {
		struct pat_ip6_seg *a = realloc(ix->v6, (nb + 1) * sizeof(*a));

		if (!a)
			return NULL;
		ix->v6 = a;
		memmove(&a[s + 1], &a[s], (nb - s) * sizeof(*a));
		memset(&a[s], 0, sizeof(*a));
		a[s].bits = bits;
		for (int i = 0, left = (int)bits; i < 16; i++, left -= 8)
			a[s].mask.s6_addr[i] = left >= 8 ? 0xff : left > 0 ? (uint8_t)(0xff << (8 - left)) : 0;
		ix->nb_v6++;
		return &a[s];
	} else {
		struct pat_ip4_seg *a = realloc(ix->v4, (nb + 1) * sizeof(*a));

		if (!a)
			return NULL;
		ix->v4 = a;
		memmove(&a[s + 1], &a[s], (nb - s) * sizeof(*a));
		memset(&a[s], 0, sizeof(*a));
		a[s].bits = bits;
		a[s].mask = bits ? ~0U << (32 - bits) : 0;
		ix->nb_v4++;
		return &a[s];
	}
}

/* Returns the first index of the networks <nets> (<n>, sorted) not below
 * <key> (<v6>: a struct in6_addr, else a host order uint32_t).
 */
static size_t pat_ip_lower(const void *nets, size_t n, int v6, const void *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = v6 ? pat_cmp_ip6_key(key, &((const struct pat_ip6_net *)nets)[mid]) :
			     pat_cmp_ip4_key(key, &((const struct pat_ip4_net *)nets)[mid]);

		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Indexes pattern <pos> of the IP set <set>, the last one. Returns 0 or
 * -ENOMEM (then unchanged, but for an empty segment left in place).
 */
static int pat_ip_insert(struct patset *set, size_t pos)
{
	struct pat_ip_index *ix = &set->ip;
	const struct pattern *p = &set->pats[pos];
	int v6 = p->val.ip.family == AF_INET6;
	uint32_t key4 = ntohl(p->val.ip.a4.s_addr);
	const void *key = v6 ? (const void *)&p->val.ip.a6 : (const void *)&key4;
	size_t i;

	if (!v6 && p->val.ip.bits == 33) {
		if (pat_grow(&ix->odd4, ix->nb_odd4, sizeof(*ix->odd4)) < 0)
			return -ENOMEM;
		ix->odd4[ix->nb_odd4++] = (uint32_t)pos;
		return 0;
	}
	if (v6) {
		struct pat_ip6_seg *seg = pat_ip_seg(ix, 1, p->val.ip.bits, 1);

		if (!seg)
			return -ENOMEM;
		i = pat_ip_lower(seg->nets, seg->n, 1, key);
		if (i < seg->n && pat_cmp_ip6_key(key, &seg->nets[i]) == 0)
			return set->has_dups = 1, 0;
		if (pat_grow(&seg->nets, seg->n, sizeof(*seg->nets)) < 0)
			return -ENOMEM;
		memmove(&seg->nets[i + 1], &seg->nets[i], (seg->n - i) * sizeof(*seg->nets));
		seg->nets[i] = (struct pat_ip6_net){ p->val.ip.a6, (uint32_t)pos };
		seg->n++;
	} else {
		struct pat_ip4_seg *seg = pat_ip_seg(ix, 0, p->val.ip.bits, 1);

		if (!seg)
			return -ENOMEM;
		i = pat_ip_lower(seg->nets, seg->n, 0, key);
		if (i < seg->n && seg->nets[i].net == key4)
			return set->has_dups = 1, 0;
		if (pat_grow(&seg->nets, seg->n, sizeof(*seg->nets)) < 0)
			return -ENOMEM;
		memmove(&seg->nets[i + 1], &seg->nets[i], (seg->n - i) * sizeof(*seg->nets));
		seg->nets[i] = (struct pat_ip4_net){ key4, (uint32_t)pos };
		seg->n++;
	}
	return 0;
}

/* Removes pattern <pos> from the IP index of <set> (see pat_str_remove()). */
static void pat_ip_remove(struct patset *set, size_t pos)
{
	struct pat_ip_index *ix = &set->ip;
	const struct pattern *p = &set->pats[pos];
	int v6 = p->val.ip.family == AF_INET6;
	uint32_t key4 = ntohl(p->val.ip.a4.s_addr);
	const void *key = v6 ? (const void *)&p->val.ip.a6 : (const void *)&key4;
	long dup;
	size_t i;

	if (!v6 && p->val.ip.bits == 33) {
		for (i = 0; i < ix->nb_odd4 && ix->odd4[i] != pos; i++)
			;
		if (i < ix->nb_odd4) {
			memmove(&ix->odd4[i], &ix->odd4[i + 1], (ix->nb_odd4 - i - 1) * sizeof(*ix->odd4));
			ix->nb_odd4--;
		}
		return;
	}
	if (v6) {
		struct pat_ip6_seg *seg = pat_ip_seg(ix, 1, p->val.ip.bits, 0);

		i = seg ? pat_ip_lower(seg->nets, seg->n, 1, key) : 0;
		if (!seg || i >= seg->n || seg->nets[i].pos != pos)
			return;   /* a duplicate the index never held */
		if ((dup = pat_find_dup(set, pos)) >= 0) {
			seg->nets[i].pos = (uint32_t)dup;
			return;
		}
		memmove(&seg->nets[i], &seg->nets[i + 1], (seg->n - i - 1) * sizeof(*seg->nets));
		seg->n--;
	} else {
		struct pat_ip4_seg *seg = pat_ip_seg(ix, 0, p->val.ip.bits, 0);

		i = seg ? pat_ip_lower(seg->nets, seg->n, 0, key) : 0;
		if (!seg || i >= seg->n || seg->nets[i].pos != pos)
			return;
		if ((dup = pat_find_dup(set, pos)) >= 0) {
			seg->nets[i].pos = (uint32_t)dup;
			return;
		}
		memmove(&seg->nets[i], &seg->nets[i + 1], (seg->n - i - 1) * sizeof(*seg->nets));
		seg->n--;
	}
}

int patset_check(const struct patset *set, const char *text, unsigned int pflags, int op, char **err)
{
	struct pattern pat;
	int ret;

	if (set->match == PAT_MATCH_FOUND || set->match == PAT_MATCH_BOOL)
		return 0;
	ret = pat_parse(set->match, !!(set->flags & PATSET_F_DOTTED), text, !!(pflags & PAT_F_ICASE),
			op, &pat, err);
	if (ret == -ENOMEM)
		err_set(err, "out of memory parsing pattern '%s'", text);
	if (ret == 0)
		pat_free(set->match, &pat);
	return ret;
}

int patset_append(struct patset *set, const char *text, unsigned int pflags, int op, char **err)
{
	size_t pos = set->nb_pats;
	struct pattern *p;
	int ret = patset_add(set, text, pflags, op, err);

	if (ret < 0 || set->nb_pats == pos)
		return ret;   /* an error, or found/bool: no pattern */
	p = &set->pats[pos];
	if (set->match == PAT_MATCH_STR) {
		struct pat_str_index *idx = (p->flags & PAT_F_ICASE) ? &set->str_ci : &set->str_cs;

		ret = pat_str_reserve(idx);
		if (ret == 0)
			set->has_dups |= pat_str_insert(idx, p, (uint32_t)pos, !!(p->flags & PAT_F_ICASE));
	} else if (set->match == PAT_MATCH_IP) {
		ret = pat_ip_insert(set, pos);
	}
	if (ret < 0) {
		pat_free(set->match, &set->pats[--set->nb_pats]);
		return err_set(err, "out of memory indexing pattern '%s'", text), -ENOMEM;
	}
	return 0;
}

void patset_remove(struct patset *set, size_t pos)
{
	struct pattern *p;

	if (pos >= set->nb_pats || (set->pats[pos].flags & PAT_F_DEAD))
		return;   /* found/bool have no pattern */
	p = &set->pats[pos];
	if (set->match == PAT_MATCH_STR)
		pat_str_remove(set, (p->flags & PAT_F_ICASE) ? &set->str_ci : &set->str_cs, pos,
			       !!(p->flags & PAT_F_ICASE));
	else if (set->match == PAT_MATCH_IP)
		pat_ip_remove(set, pos);
	p->flags |= PAT_F_DEAD;
}

void patset_pop(struct patset *set)
{
	if (!set->nb_pats)
		return;
	patset_remove(set, set->nb_pats - 1);
	pat_free(set->match, &set->pats[--set->nb_pats]);
}

void patset_free(struct patset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->nb_pats; i++)
		pat_free(set->match, &set->pats[i]);
	free(set->pats);
	free(set->str_cs.slots);
	free(set->str_ci.slots);
	for (size_t s = 0; set->ip.v4 && s < set->ip.nb_v4; s++)
		free(set->ip.v4[s].nets);
	for (size_t s = 0; set->ip.v6 && s < set->ip.nb_v6; s++)
		free(set->ip.v6[s].nets);
	free(set->ip.v4);
	free(set->ip.v6);
	free(set->ip.odd4);
	free(set);
}

/* ---- matching ---- */

/* Returns 1 if byte <c> is one of the <delims> (never for NUL). */
static inline int pat_is_delim(const char *delims, char c)
{
	return c && strchr(delims, c);
}

/* Returns 1 if the pattern <pl> bytes at <ps> appear in <s> (<len> bytes)
 * delimited by <delims> or the ends; delimiters at both ends of the
 * pattern are ignored (HAProxy's dir and dom methods).
 */
static int pat_match_word(const char *s, size_t len, const struct pattern *pat,
			  const char *delims)
{
	const char *ps = pat->val.str.ptr;
	size_t pl = pat->val.str.len;

	while (pl && pat_is_delim(delims, *ps)) {
		ps++;
		pl--;
	}
	while (pl && pat_is_delim(delims, ps[pl - 1]))
		pl--;
	if (pl > len)
		return 0;
	for (size_t i = 0; i + pl <= len; i++) {
		if (i > 0 && !pat_is_delim(delims, s[i - 1]))
			continue;
		if (i + pl < len && !pat_is_delim(delims, s[i + pl]))
			continue;
		if ((pat->flags & PAT_F_ICASE) ? pat_eq_ci(s + i, ps, pl) : memcmp(s + i, ps, pl) == 0)
			return 1;
	}
	return 0;
}

long patset_lookup(const struct patset *set, struct sample *smp)
{
	const char *s;
	size_t len;

	if (set->match == PAT_MATCH_FOUND)
		return 0;
	if (!sample_cast(smp, pat_match_types[set->match]))
		return -1;
	s = smp->data.u.str.ptr;
	len = smp->data.u.str.len;

	switch (set->match) {
	case PAT_MATCH_BOOL:
		return smp->data.u.sint != 0 ? 0 : -1;
	case PAT_MATCH_INT:
	case PAT_MATCH_LEN: {
		int64_t v = set->match == PAT_MATCH_INT ? smp->data.u.sint : (int64_t)len;

		for (size_t i = 0; i < set->nb_pats; i++)
			if (set->pats[i].val.range.min <= v && v <= set->pats[i].val.range.max &&
			    !(set->pats[i].flags & PAT_F_DEAD))
				return i;
		return -1;
	}
	case PAT_MATCH_IP:
		if (smp->data.type == SMP_T_IPV4) {
			struct in6_addr v6;
			long pos = pat_ip4_lookup(set, smp->data.u.ipv4);

			if (pos >= 0 || !set->ip.nb_v6)
				return pos;
			sample_v4tov6(&v6, &smp->data.u.ipv4);
			return pat_ip6_lookup(set, &v6);
		} else {
			struct in_addr v4;
			long pos = pat_ip6_lookup(set, &smp->data.u.ipv6);

			if (pos >= 0 || !sample_v6tov4(&v4, &smp->data.u.ipv6))
				return pos;
			return pat_ip4_lookup(set, v4);
		}
	case PAT_MATCH_STR: {
		long pos = pat_str_lookup(&set->str_cs, s, len, 0);

		return pos >= 0 ? pos : pat_str_lookup(&set->str_ci, s, len, 1);
	}
	case PAT_MATCH_BIN:
		for (size_t i = 0; i < set->nb_pats; i++)
			if (set->pats[i].val.str.len == len && !(set->pats[i].flags & PAT_F_DEAD) &&
			    memcmp(set->pats[i].val.str.ptr, s, len) == 0)
				return i;
		return -1;
	case PAT_MATCH_BEG:
		for (size_t i = 0; i < set->nb_pats; i++) {
			const struct pattern *p = &set->pats[i];

			if (p->val.str.len <= len && !(p->flags & PAT_F_DEAD) && pat_eq(s, p, p->val.str.len))
				return i;
		}
		return -1;
	case PAT_MATCH_END:
		for (size_t i = 0; i < set->nb_pats; i++) {
			const struct pattern *p = &set->pats[i];

			if (p->val.str.len <= len && !(p->flags & PAT_F_DEAD) &&
			    pat_eq(s + len - p->val.str.len, p, p->val.str.len))
				return i;
		}
		return -1;
	case PAT_MATCH_SUB:
		for (size_t i = 0; i < set->nb_pats; i++) {
			const struct pattern *p = &set->pats[i];
			size_t pl = p->val.str.len;

			if (p->flags & PAT_F_DEAD)
				continue;
			for (size_t j = 0; pl <= len && j <= len - pl; j++)
				if (pat_eq(s + j, p, pl))
					return i;
		}
		return -1;
	case PAT_MATCH_DIR:
		for (size_t i = 0; i < set->nb_pats; i++)
			if (!(set->pats[i].flags & PAT_F_DEAD) && pat_match_word(s, len, &set->pats[i], "/?"))
				return i;
		return -1;
	case PAT_MATCH_DOM:
		for (size_t i = 0; i < set->nb_pats; i++)
			if (!(set->pats[i].flags & PAT_F_DEAD) && pat_match_word(s, len, &set->pats[i], "/?.:"))
				return i;
		return -1;
	case PAT_MATCH_REG:
		for (size_t i = 0; i < set->nb_pats; i++) {
			regmatch_t pm[1] = { { .rm_so = 0, .rm_eo = (regoff_t)len } };

			if (!(set->pats[i].flags & PAT_F_DEAD) &&
			    regexec(set->pats[i].val.re, len ? s : "", 1, pm, REG_STARTEND) == 0)
				return i;
		}
		return -1;
	}
	return -1;
}
