/*
 * Stick-table definitions: key and data types, and the parser of a
 * stick-table line's arguments. Pure functions over their arguments, except
 * stktable_dict_intern() (a process-wide string set under a mutex).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/stktable.h>
#include <tollgate/stktable_topk.h>

const struct stktable_data_type stktable_data_types[STKTABLE_DATA_TYPES] = {
	[STKTABLE_DT_SERVER_ID]      = { "server_id",      STKTABLE_STD_SINT, 0, 0 },
	[STKTABLE_DT_GPT0]           = { "gpt0",           STKTABLE_STD_UINT, 0, 0 },
	[STKTABLE_DT_GPC0]           = { "gpc0",           STKTABLE_STD_UINT, 0, 0 },
	[STKTABLE_DT_GPC0_RATE]      = { "gpc0_rate",      STKTABLE_STD_FRQP, 1, 0 },
	[STKTABLE_DT_CONN_CNT]       = { "conn_cnt",       STKTABLE_STD_UINT, 0, 0 },
	[STKTABLE_DT_CONN_RATE]      = { "conn_rate",      STKTABLE_STD_FRQP, 1, 0 },
	[STKTABLE_DT_CONN_CUR]       = { "conn_cur",       STKTABLE_STD_UINT, 0, 0 },
	[STKTABLE_DT_SESS_CNT]       = { "sess_cnt",       STKTABLE_STD_UINT, 0, 0 },
	[STKTABLE_DT_SESS_RATE]      = { "sess_rate",      STKTABLE_STD_FRQP, 1, 0 },
	[STKTABLE_DT_HTTP_REQ_CNT]   = { "http_req_cnt",   STKTABLE_STD_UINT, 0, 0 },
	[STKTABLE_DT_HTTP_REQ_RATE]  = { "http_req_rate",  STKTABLE_STD_FRQP, 1, 0 },
	[STKTABLE_DT_HTTP_ERR_CNT]   = { "http_err_cnt",   STKTABLE_STD_UINT, 0, 0 },
	[STKTABLE_DT_HTTP_ERR_RATE]  = { "http_err_rate",  STKTABLE_STD_FRQP, 1, 0 },
	[STKTABLE_DT_BYTES_IN_CNT]   = { "bytes_in_cnt",   STKTABLE_STD_ULL,  0, 0 },
	[STKTABLE_DT_BYTES_IN_RATE]  = { "bytes_in_rate",  STKTABLE_STD_FRQP, 1, 0 },
	[STKTABLE_DT_BYTES_OUT_CNT]  = { "bytes_out_cnt",  STKTABLE_STD_ULL,  0, 0 },
	[STKTABLE_DT_BYTES_OUT_RATE] = { "bytes_out_rate", STKTABLE_STD_FRQP, 1, 0 },
	[STKTABLE_DT_GPC1]           = { "gpc1",           STKTABLE_STD_UINT, 0, 0 },
	[STKTABLE_DT_GPC1_RATE]      = { "gpc1_rate",      STKTABLE_STD_FRQP, 1, 0 },
	[STKTABLE_DT_SERVER_KEY]     = { "server_key",     STKTABLE_STD_DICT, 0, 0 },
	[STKTABLE_DT_HTTP_FAIL_CNT]  = { "http_fail_cnt",  STKTABLE_STD_UINT, 0, 0 },
	[STKTABLE_DT_HTTP_FAIL_RATE] = { "http_fail_rate", STKTABLE_STD_FRQP, 1, 0 },
	[STKTABLE_DT_GPT]            = { "gpt",            STKTABLE_STD_UINT, 0, 1 },
	[STKTABLE_DT_GPC]            = { "gpc",            STKTABLE_STD_UINT, 0, 1 },
	[STKTABLE_DT_GPC_RATE]       = { "gpc_rate",       STKTABLE_STD_FRQP, 1, 1 },
	[STKTABLE_DT_GLITCH_CNT]     = { "glitch_cnt",     STKTABLE_STD_UINT, 0, 0 },
	[STKTABLE_DT_GLITCH_RATE]    = { "glitch_rate",    STKTABLE_STD_FRQP, 1, 0 },
};

static const char *const key_type_names[STKTABLE_KEY_TYPES] = {
	[STKTABLE_KEY_IP]      = "ip",
	[STKTABLE_KEY_IPV6]    = "ipv6",
	[STKTABLE_KEY_INTEGER] = "integer",
	[STKTABLE_KEY_STRING]  = "string",
	[STKTABLE_KEY_BINARY]  = "binary",
};

static const uint32_t key_type_sizes[STKTABLE_KEY_TYPES] = {
	[STKTABLE_KEY_IP]      = 4,
	[STKTABLE_KEY_IPV6]    = 16,
	[STKTABLE_KEY_INTEGER] = 4,
	[STKTABLE_KEY_STRING]  = STKTABLE_DEFAULT_KEY_LEN,
	[STKTABLE_KEY_BINARY]  = STKTABLE_DEFAULT_KEY_LEN,
};

PRINTF_FMT(3, 4)
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

const char *stktable_key_type_name(enum stktable_key_type type)
{
	return (unsigned int)type < STKTABLE_KEY_TYPES ? key_type_names[type] : "?";
}

int stktable_data_type_by_name(const char *name, size_t len)
{
	int i;

	for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
		if (strlen(stktable_data_types[i].name) == len &&
		    memcmp(stktable_data_types[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

void stktable_def_init(struct stktable_def *def)
{
	memset(def, 0, sizeof(*def));
	def->type = STKTABLE_KEY_IP;
	def->key_len = key_type_sizes[STKTABLE_KEY_IP];
	def->srvkey = STKTABLE_SRVKEY_NAME;
}

/* Parses the unsigned number at the start of <*s> into <*v>, advancing
 * <*s>. Returns 0, -EINVAL (no digit) or -ERANGE.
 */
static int parse_u64(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t n = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		if (n > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		n = n * 10 + (uint64_t)(*p - '0');
		p++;
	}
	*s = p;
	*v = n;
	return 0;
}

int stktable_parse_time(const char *str, uint32_t *ms)
{
	const char *p = str;
	uint64_t v;
	int ret;

	ret = parse_u64(&p, &v);
	if (ret)
		return ret;
	if (!*p || strcmp(p, "ms") == 0)
		;
	else if (strcmp(p, "us") == 0)
		v = (v + 999) / 1000;
	else if (strcmp(p, "s") == 0)
		v *= 1000ULL;
	else if (strcmp(p, "m") == 0)
		v *= 60000ULL;
	else if (strcmp(p, "h") == 0)
		v *= 3600000ULL;
	else if (strcmp(p, "d") == 0)
		v *= 86400000ULL;
	else
		return -EINVAL;
	if (v > INT32_MAX)
		return -ERANGE;
	*ms = (uint32_t)v;
	return 0;
}

int stktable_parse_size(const char *str, uint32_t *val)
{
	const char *p = str;
	uint64_t v;
	int ret;

	ret = parse_u64(&p, &v);
	if (ret)
		return ret;
	if (*p == 'k' || *p == 'K')
		v <<= 10;
	else if (*p == 'm' || *p == 'M')
		v <<= 20;
	else if (*p == 'g' || *p == 'G')
		v <<= 30;
	else if (*p)
		return -EINVAL;
	if (*p && p[1])
		return -EINVAL;
	if (v > UINT32_MAX)
		return -ERANGE;
	*val = (uint32_t)v;
	return 0;
}

/* Parses one store item <item> (<len> bytes, e.g. "gpc_rate(3,1m)") into
 * <def>. Returns 0 or <0 with a message in <err>.
 */
static int parse_store_item(struct stktable_def *def, const char *item, size_t len,
                            char *err, size_t errlen)
{
	const struct stktable_data_type *dt;
	const char *par, *end, *comma;
	char args[2][32];
	size_t nlen, alen;
	int nargs = 0, want, type;
	uint32_t nbelem = 1, period = 0;
	uint64_t n;
	const char *q;

	par = memchr(item, '(', len);
	nlen = par ? (size_t)(par - item) : len;
	type = stktable_data_type_by_name(item, nlen);
	if (type < 0)
		return set_err(err, errlen, "unknown data type '%.*s' in 'store' (expected one of server_id, server_key, gpt0, gpt(N), gpc0, gpc0_rate(P), gpc1, gpc1_rate(P), gpc(N), gpc_rate(N,P), conn_cnt, conn_cur, conn_rate(P), sess_cnt, sess_rate(P), http_req_cnt, http_req_rate(P), http_err_cnt, http_err_rate(P), http_fail_cnt, http_fail_rate(P), bytes_in_cnt, bytes_in_rate(P), bytes_out_cnt, bytes_out_rate(P), glitch_cnt, glitch_rate(P))", (int)nlen, item);
	dt = &stktable_data_types[type];
	want = dt->is_array + dt->has_period;

	if (par) {
		end = item + len - 1;
		if (*end != ')')
			return set_err(err, errlen, "data type '%.*s': missing ')' at the end of its arguments", (int)len, item);
		q = par + 1;
		while (q <= end) {
			comma = memchr(q, ',', (size_t)(end - q));
			if (!comma)
				comma = end;
			alen = (size_t)(comma - q);
			if (nargs == 2 || alen == 0 || alen >= sizeof(args[0]))
				return set_err(err, errlen, "data type '%.*s': malformed arguments (expected %s)", (int)len, item,
				               dt->is_array ? (dt->has_period ? "(<count>,<period>)" : "(<count>)") : "(<period>)");
			memcpy(args[nargs], q, alen);
			args[nargs][alen] = 0;
			nargs++;
			q = comma + 1;
		}
	}
	if (nargs != want) {
		if (!want)
			return set_err(err, errlen, "data type '%.*s' takes no argument", (int)len, item);
		return set_err(err, errlen, "data type '%.*s': expected %s", (int)len, item,
		               dt->is_array ? (dt->has_period ? "(<count>,<period>), e.g. gpc_rate(3,10s)" : "(<count>), e.g. gpc(3)") : "a period, e.g. conn_rate(10s)");
	}
	if (dt->is_array) {
		q = args[0];
		if (parse_u64(&q, &n) || *q || n < 1 || n > STKTABLE_MAX_DT_ARRAY)
			return set_err(err, errlen, "data type '%.*s': element count '%s' must be an integer between 1 and %d", (int)nlen, item, args[0], STKTABLE_MAX_DT_ARRAY);
		nbelem = (uint32_t)n;
	}
	if (dt->has_period) {
		const char *pa = args[dt->is_array ? 1 : 0];

		if (stktable_parse_time(pa, &period) || period == 0 || period > (1U << 30))
			return set_err(err, errlen, "data type '%.*s': period '%s' must be a delay between 1ms and 12d (units us, ms, s, m, h, d)", (int)nlen, item, pa);
	}
	if (def->stored[type])
		return set_err(err, errlen, "data type '%.*s' is stored more than once", (int)nlen, item);
	def->stored[type] = 1;
	def->nbelem[type] = nbelem;
	def->period[type] = period;
	return 0;
}

int stktable_parse_store(struct stktable_def *def, const char *list, char *err, size_t errlen)
{
	const char *p = list, *start;
	int depth, ret;

	if (!*p)
		return set_err(err, errlen, "'store' expects a comma-separated list of data types");
	while (*p) {
		start = p;
		depth = 0;
		while (*p && (depth || *p != ',')) {
			if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			p++;
		}
		if (p == start)
			return set_err(err, errlen, "'store %s': empty data type in the list", list);
		ret = parse_store_item(def, start, (size_t)(p - start), err, errlen);
		if (ret)
			return ret;
		if (*p == ',') {
			p++;
			if (!*p)
				return set_err(err, errlen, "'store %s': trailing ',' (expected a data type after it)", list);
		}
	}
	return 0;
}

/* Parses `topk <n> <data>` (<n> and <data> NULL if missing) into <def>.
 * Returns 0 or -EINVAL with <err> set.
 */
static int parse_topk(struct stktable_def *def, const char *n, const char *data, char *err, size_t errlen)
{
	const struct stktable_data_type *dt;
	uint32_t v;
	int type;

	if (!n || !data)
		return set_err(err, errlen, "'topk' expects a number of keys and a data type (e.g. 'topk 10 http_req_cnt')");
	if (stktable_parse_size(n, &v) || v < 1 || v > STKTABLE_TOPK_MAX)
		return set_err(err, errlen, "'topk %s': expected a number of keys between 1 and %d", n, STKTABLE_TOPK_MAX);
	type = stktable_data_type_by_name(data, strlen(data));
	if (type < 0)
		return set_err(err, errlen, "'topk %s %s': unknown data type", n, data);
	dt = &stktable_data_types[type];
	if (dt->is_array || (dt->std_type != STKTABLE_STD_UINT && dt->std_type != STKTABLE_STD_ULL &&
	                     dt->std_type != STKTABLE_STD_FRQP))
		return set_err(err, errlen, "'topk %s %s': keys can only be ranked by a counter, a rate or gpt0 (not an array, server_id or server_key)", n, data);
	def->topk_n = v;
	def->topk_type = (uint32_t)type;
	return 0;
}

int stktable_parse_args(struct stktable_def *def, int argc, char **argv,
                        char *err, size_t errlen)
{
	int i, have_type = 0, have_size = 0, ret;
	uint32_t v;

	stktable_def_init(def);
	for (i = 0; i < argc; i++) {
		const char *kw = argv[i];
		const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(kw, "type") == 0) {
			int k;

			if (!arg)
				return set_err(err, errlen, "'type' expects one of ip, ipv6, integer, string, binary");
			for (k = 0; k < STKTABLE_KEY_TYPES; k++)
				if (strcmp(arg, key_type_names[k]) == 0)
					break;
			if (k == STKTABLE_KEY_TYPES)
				return set_err(err, errlen, "'type %s': unknown key type (expected ip, ipv6, integer, string or binary)", arg);
			def->type = (enum stktable_key_type)k;
			def->key_len = key_type_sizes[k];
			have_type = 1;
			i++;
			if (i + 1 < argc && strcmp(argv[i + 1], "len") == 0) {
				if (k != STKTABLE_KEY_STRING && k != STKTABLE_KEY_BINARY)
					return set_err(err, errlen, "'len' is only valid after 'type string' or 'type binary', not 'type %s'", arg);
				if (i + 2 >= argc)
					return set_err(err, errlen, "'len' expects a key length in bytes");
				if (stktable_parse_size(argv[i + 2], &v) || v < 1 || v > STKTABLE_MAX_KEY_LEN)
					return set_err(err, errlen, "'len %s': expected a key length between 1 and %d", argv[i + 2], STKTABLE_MAX_KEY_LEN);
				def->key_len = v;
				i += 2;
			}
		} else if (strcmp(kw, "size") == 0) {
			if (!arg)
				return set_err(err, errlen, "'size' expects a number of entries (suffixes k, m, g)");
			ret = stktable_parse_size(arg, &v);
			if (ret || v == 0 || v > (1U << 31))
				return set_err(err, errlen, "'size %s': expected a number of entries between 1 and 2g (suffixes k, m, g)", arg);
			def->size = v;
			have_size = 1;
			i++;
		} else if (strcmp(kw, "expire") == 0) {
			if (!arg)
				return set_err(err, errlen, "'expire' expects a delay (units us, ms, s, m, h, d)");
			ret = stktable_parse_time(arg, &v);
			if (ret == -ERANGE)
				return set_err(err, errlen, "'expire %s': delay too large (max 2147483647 ms, about 24.8 days)", arg);
			if (ret)
				return set_err(err, errlen, "'expire %s': expected a delay with an optional unit (us, ms, s, m, h, d)", arg);
			def->expire = v;
			i++;
		} else if (strcmp(kw, "nopurge") == 0) {
			def->flags |= STKTABLE_F_NOPURGE;
		} else if (strcmp(kw, "peers") == 0) {
			if (!arg)
				return set_err(err, errlen, "'peers' expects the name of a peers section");
			if (strlen(arg) >= sizeof(def->peers))
				return set_err(err, errlen, "'peers %s': name too long (max %zu characters)", arg, sizeof(def->peers) - 1);
			/* zero-padded, so that equal definitions compare equal */
			memset(def->peers, 0, sizeof(def->peers));
			strcpy(def->peers, arg);
			i++;
		} else if (strcmp(kw, "srvkey") == 0) {
			if (arg && strcmp(arg, "name") == 0)
				def->srvkey = STKTABLE_SRVKEY_NAME;
			else if (arg && strcmp(arg, "addr") == 0)
				def->srvkey = STKTABLE_SRVKEY_ADDR;
			else
				return set_err(err, errlen, "'srvkey %s': expected 'name' or 'addr'", arg ? arg : "");
			i++;
		} else if (strcmp(kw, "store") == 0) {
			if (!arg)
				return set_err(err, errlen, "'store' expects a comma-separated list of data types");
			ret = stktable_parse_store(def, arg, err, errlen);
			if (ret)
				return ret;
			i++;
		} else if (strcmp(kw, "topk") == 0) {
			ret = parse_topk(def, arg, i + 2 < argc ? argv[i + 2] : NULL, err, errlen);
			if (ret)
				return ret;
			i += 2;
		} else if (strcmp(kw, "len") == 0) {
			return set_err(err, errlen, "'len' must follow 'type string' or 'type binary'");
		} else {
			return set_err(err, errlen, "unknown keyword '%s' (expected type, size, expire, nopurge, peers, srvkey, store or topk)", kw);
		}
	}
	if (def->topk_n && !def->stored[def->topk_type])
		return set_err(err, errlen, "'topk %u %s': the table does not store '%s' (add it to 'store')", def->topk_n,
		               stktable_data_types[def->topk_type].name, stktable_data_types[def->topk_type].name);
	if (!have_type)
		return set_err(err, errlen, "missing 'type' (expected 'type ip|ipv6|integer|string|binary')");
	if (!have_size)
		return set_err(err, errlen, "missing 'size' (expected 'size <entries>')");
	return 0;
}

int stktable_parse_line(struct stktable_def *def, const char *line, char *err, size_t errlen)
{
	char *copy, *save = NULL, *w;
	char *argv[64];
	int argc = 0, ret;

	copy = strdup(line);
	if (!copy) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		if (argc == (int)ARRAY_SIZE(argv)) {
			free(copy);
			return set_err(err, errlen, "too many words (max %d)", (int)ARRAY_SIZE(argv));
		}
		argv[argc++] = w;
	}
	ret = stktable_parse_args(def, argc, argv, err, errlen);
	free(copy);
	return ret;
}

int stktable_def_format(const struct stktable_def *def, char *buf, size_t len)
{
	size_t n = 0;
	int i, w, first = 1;

#define OUT(...) do {                                                          \
		w = snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, __VA_ARGS__); \
		n += (size_t)(w > 0 ? w : 0);                                  \
	} while (0)

	OUT("type %s", stktable_key_type_name(def->type));
	if (def->type == STKTABLE_KEY_STRING || def->type == STKTABLE_KEY_BINARY)
		OUT(" len %u", def->key_len);
	OUT(" size %u", def->size);
	if (def->expire)
		OUT(" expire %ums", def->expire);
	if (def->flags & STKTABLE_F_NOPURGE)
		OUT(" nopurge");
	if (def->peers[0])
		OUT(" peers %s", def->peers);
	if (def->srvkey == STKTABLE_SRVKEY_ADDR)
		OUT(" srvkey addr");
	if (def->topk_n)
		OUT(" topk %u %s", def->topk_n, stktable_data_types[def->topk_type].name);
	for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
		const struct stktable_data_type *dt = &stktable_data_types[i];

		if (!def->stored[i])
			continue;
		OUT("%s%s", first ? " store " : ",", dt->name);
		first = 0;
		if (dt->is_array && dt->has_period)
			OUT("(%u,%ums)", def->nbelem[i], def->period[i]);
		else if (dt->is_array)
			OUT("(%u)", def->nbelem[i]);
		else if (dt->has_period)
			OUT("(%ums)", def->period[i]);
	}
#undef OUT
	return (int)n;
}

/* The server_key dictionary: interned strings, never freed. */
struct dict_str {
	struct dict_str *next;        /* next interned string */
	size_t len;                   /* length of <str> */
	char str[];                   /* the string, NUL-terminated */
};

static pthread_mutex_t dict_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dict_str *dict_head;   /* under dict_lock */

const char *stktable_dict_intern(const char *str, size_t len)
{
	struct dict_str *d;

	pthread_mutex_lock(&dict_lock);
	for (d = dict_head; d; d = d->next)
		if (d->len == len && memcmp(d->str, str, len) == 0)
			break;
	if (!d) {
		d = malloc(sizeof(*d) + len + 1);
		if (d) {
			d->len = len;
			memcpy(d->str, str, len);
			d->str[len] = 0;
			d->next = dict_head;
			dict_head = d;
		}
	}
	pthread_mutex_unlock(&dict_lock);
	return d ? d->str : NULL;
}
