/*
 * Admin socket commands on stick tables: show table, clear table, set table.
 *
 * Output is HAProxy 3.x's: a header per table
 *   # table: NAME, type: ip, size:N, used:N
 * then one line per entry
 *   0xPTR: key=KEY use=REFS exp=MS_LEFT shard=N name=value...   (N: the key's peers shard, 0: none)
 * with the stored data types in HAProxy's order (enum stktable_dt), rates
 * as name(PERIOD_MS)=value and arrays expanded (gpc0=.. gpc1=..,
 * gpc0_rate(P)=..).
 *
 * Streaming a table: a step is one call of stktable_walk_resume() (the
 * table module's resumable walk: bucket by bucket, a bounded batch per
 * shard lock hold, every entry present during the whole dump visited
 * exactly once even if a shard's index grows). Its callback formats lines
 * straight into the session's output buffer and stops before a bucket
 * whose lines would not fit; the next step resumes there once the client
 * has read. An entry's values are read with atomic loads under its shard
 * lock, so a line never shows a torn value or a freed entry.
 *
 * clear table: the same walk, but a step copies the keys of matching
 * entries into a batch under the lock, then looks each one up again without
 * the lock and kills it if only the lookup references it (HAProxy does not
 * remove entries in use).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cli.h>
#include <tollgate/clock.h>
#include <tollgate/peers.h>
#include <tollgate/proxy.h>
#include <tollgate/stktable.h>
#include <tollgate/ticks.h>

#define DUMP_ENTRIES     4096   /* entries visited per lock hold by show */
#define CLEAR_BATCH      256    /* keys copied per lock hold by clear */

enum table_action { ACT_SHOW = 0, ACT_CLEAR, ACT_SET };

struct table_ctx {
	struct stktable *t;             /* target table, NULL: list every table */
	struct proxy *px;               /* listing: next proxy to look at */
	struct proxy_xtable *x;         /* listing: next peers-section table, after the proxies */
	struct stktable_cursor cur;     /* position of the walk (show/clear) */
	int done;                       /* nothing left */
	int nfilt;                      /* filters in <f> */
	struct cli_table_filter f[CLI_TABLE_FILTERS]; /* data filters */
	unsigned char *batch;           /* clear: keys copied (malloc'ed) */
};

/* ---- Pure parsing ---- */

int cli_table_parse_type(const char *name, int *type, unsigned int *idx)
{
	const char *br = strchr(name, '[');
	char *end;
	int ty;

	if (!br) {
		*idx = 0;
		*type = stktable_data_type_by_name(name, strlen(name));
		return *type < 0 ? -1 : 0;
	}
	ty = stktable_data_type_by_name(name, (size_t)(br - name));
	if (ty < 0 || !stktable_data_types[ty].is_array || !isdigit((unsigned char)br[1]))
		return -1;
	errno = 0;
	unsigned long v = strtoul(br + 1, &end, 10);
	if (errno || *end != ']' || end[1] || v >= STKTABLE_MAX_DT_ARRAY)
		return -1;
	*type = ty;
	*idx = (unsigned int)v;
	return 0;
}

/* Parses a signed decimal integer, the whole word. Returns 0 or -1. */
static int parse_ll(const char *s, long long *v)
{
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return (errno || *end || end == s) ? -1 : 0;
}

static int parse_op(const char *s)
{
	static const char *const ops[] = { "eq", "ne", "le", "lt", "ge", "gt" };

	for (int i = 0; i < (int)ARRAY_SIZE(ops); i++)
		if (!strcmp(s, ops[i]))
			return i;
	return -1;
}

int cli_table_parse_filters(const struct stktable *t, int argc, char **args,
                            struct cli_table_filter *f, char *err, size_t errlen)
{
	int i, pos = 0;

	for (i = 0; i < CLI_TABLE_FILTERS && pos < argc; i++, pos += 3) {
		const char *w = args[pos];
		int op;

		if (strncmp(w, "data.", 5) || cli_table_parse_type(w + 5, &f[i].type, &f[i].idx) < 0) {
			snprintf(err, errlen, "Filter entry #%i: Unknown data type\n", i + 1);
			return -1;
		}
		if (!t->data_ofs[f[i].type]) {
			snprintf(err, errlen, "Filter entry #%i: Data type not stored in this table\n", i + 1);
			return -1;
		}
		op = pos + 1 < argc ? parse_op(args[pos + 1]) : -1;
		if (op < 0) {
			snprintf(err, errlen, "Filter entry #%i: Require and operator among \"eq\", \"ne\", \"le\", \"ge\", \"lt\", \"gt\"\n", i + 1);
			return -1;
		}
		f[i].op = (enum cli_table_op)op;
		if (pos + 2 >= argc || parse_ll(args[pos + 2], &f[i].value) < 0) {
			snprintf(err, errlen, "Filter entry #%i: Require a valid integer value to compare against\n", i + 1);
			return -1;
		}
	}
	if (pos < argc) {
		snprintf(err, errlen, "Detected extra data in filter, %ith word of input, after '%s'\n",
		         pos + 3 + 1, args[pos - 1]);
		return -1;
	}
	return i;
}

int cli_table_filter_match(const struct cli_table_filter *f, long long v)
{
	switch (f->op) {
	case CLI_OP_EQ: return v == f->value;
	case CLI_OP_NE: return v != f->value;
	case CLI_OP_LE: return v <= f->value;
	case CLI_OP_LT: return v < f->value;
	case CLI_OP_GE: return v >= f->value;
	case CLI_OP_GT: return v > f->value;
	}
	return 0;
}

/* ---- Keys ---- */

/* Converts the text <s> into a key of <t>'s type in <buf> (at least 16
 * bytes, or t->key_size). Returns 0 or -1 (invalid key).
 */
static int parse_key(const struct stktable *t, const char *s, unsigned char *buf,
                     struct stktable_key *key)
{
	struct in_addr a4;
	struct in6_addr a6;
	long long v;

	switch (t->def.type) {
	case STKTABLE_KEY_IP:
		if (inet_pton(AF_INET, s, &a4) == 1) {
			memcpy(buf, &a4, 4);
		} else if (inet_pton(AF_INET6, s, &a6) == 1 && IN6_IS_ADDR_V4MAPPED(&a6)) {
			memcpy(buf, &a6.s6_addr[12], 4);
		} else {
			return -1;
		}
		key->len = 4;
		break;
	case STKTABLE_KEY_IPV6:
		if (inet_pton(AF_INET6, s, &a6) == 1) {
			memcpy(buf, &a6, 16);
		} else if (inet_pton(AF_INET, s, &a4) == 1) {
			memset(buf, 0, 10);
			buf[10] = buf[11] = 0xff;
			memcpy(buf + 12, &a4, 4);
		} else {
			return -1;
		}
		key->len = 16;
		break;
	case STKTABLE_KEY_INTEGER: {
		uint32_t u;

		if (parse_ll(s, &v) < 0)
			return -1;
		u = (uint32_t)v;
		memcpy(buf, &u, 4);
		key->len = 4;
		break;
	}
	case STKTABLE_KEY_STRING:
		key->ptr = s;
		key->len = strlen(s);
		return 0;
	default:
		return -1;
	}
	key->ptr = buf;
	return 0;
}

static const char hextab[] = "0123456789ABCDEF";

/* Writes the key of <ts> as HAProxy does. Returns the bytes written, or
 * -1 if <room> is too small.
 */
static int format_key(const struct stktable *t, const struct stksess *ts, char *out, size_t room)
{
	const unsigned char *k = stksess_key(ts);
	char tmp[INET6_ADDRSTRLEN];
	size_t n = 0;

	switch (t->def.type) {
	case STKTABLE_KEY_IP:
		inet_ntop(AF_INET, k, tmp, sizeof(tmp));
		n = (size_t)snprintf(out, room, "%s", tmp);
		break;
	case STKTABLE_KEY_IPV6:
		inet_ntop(AF_INET6, k, tmp, sizeof(tmp));
		n = (size_t)snprintf(out, room, "%s", tmp);
		break;
	case STKTABLE_KEY_INTEGER: {
		uint32_t u;

		memcpy(&u, k, 4);
		n = (size_t)snprintf(out, room, "%u", u);
		break;
	}
	case STKTABLE_KEY_STRING:
		for (size_t i = 0; i < t->key_size && k[i]; i++) {
			unsigned char c = k[i];

			if (n + 4 >= room)
				return -1;
			if (isprint(c) && isascii(c) && c != '\\' && c != ' ' && c != '=') {
				out[n++] = (char)c;
			} else if (c == '\t' || c == '\n' || c == '\r' || c == 0x1b || c == '\\' || c == ' ' || c == '=') {
				out[n++] = '\\';
				out[n++] = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == 0x1b ? 'e' : (char)c;
			} else {
				out[n++] = '\\';
				out[n++] = 'x';
				out[n++] = hextab[c >> 4];
				out[n++] = hextab[c & 15];
			}
		}
		return (int)n;
	default:
		for (size_t i = 0; i < t->key_size; i++) {
			if (n + 2 >= room)
				return -1;
			out[n++] = hextab[k[i] >> 4];
			out[n++] = hextab[k[i] & 15];
		}
		return (int)n;
	}
	return n < room ? (int)n : -1;
}

/* Appends to <out> at <*n> (<room> bytes in all); returns -1 if it does
 * not fit.
 */
static int put(char *out, size_t room, size_t *n, const char *fmt, ...) PRINTF_FMT(4, 5);
static int put(char *out, size_t room, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= room)
		return -1;
	va_start(ap, fmt);
	r = vsnprintf(out + *n, room - *n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= room - *n)
		return -1;
	*n += (size_t)r;
	return 0;
}

/* Writes one value of <type> element <idx> of <ts>. */
static int put_value(const struct stktable *t, struct stksess *ts, int type, unsigned int idx,
                     char *out, size_t room, size_t *n)
{
	uint64_t v = 0;

	stktable_data_get(t, ts, type, idx, &v);
	switch (stktable_data_types[type].std_type) {
	case STKTABLE_STD_SINT:
		return put(out, room, n, "%d", (int)(int64_t)v);
	case STKTABLE_STD_UINT:
	case STKTABLE_STD_FRQP:
		return put(out, room, n, "%u", (unsigned int)v);
	case STKTABLE_STD_ULL:
		return put(out, room, n, "%llu", (unsigned long long)v);
	case STKTABLE_STD_DICT:
		return put(out, room, n, "%s", v ? (const char *)(uintptr_t)v : "-");
	}
	return 0;
}

/* Formats the line of entry <ts> into <out>. Returns its length, or -1 if
 * <room> is too small. The shard lock (or a reference) keeps <ts> alive.
 */
static int format_entry(struct stktable *t, struct stksess *ts, char *out, size_t room, unsigned int own_refs)
{
	uint32_t exp = stksess_expire(ts);
	size_t n = 0;
	int k;

	if (put(out, room, &n, "%p: key=", (void *)ts) < 0)
		return -1;
	k = format_key(t, ts, out + n, room - n);
	if (k < 0)
		return -1;
	n += (size_t)k;
	if (put(out, room, &n, " use=%u exp=%u shard=%u", stksess_refs(ts) - own_refs,
	        tick_isset(exp) ? tick_remain(now_ms, exp) : 0, peers_entry_shard(t, ts)) < 0)
		return -1;
	for (int dt = 0; dt < STKTABLE_DATA_TYPES; dt++) {
		const struct stktable_data_type *d = &stktable_data_types[dt];

		if (!t->data_ofs[dt])
			continue;
		if (d->is_array) {
			/* the index goes before the first '_': gpc_rate -> gpc3_rate */
			const char *us = strchr(d->name, '_');
			int plen = us ? (int)(us - d->name) : (int)strlen(d->name);

			for (unsigned int i = 0; i < t->def.nbelem[dt]; i++) {
				if (put(out, room, &n, " %.*s%u%s", plen, d->name, i, us ? us : "") < 0)
					return -1;
				if (d->has_period && put(out, room, &n, "(%u)", t->def.period[dt]) < 0)
					return -1;
				if (put(out, room, &n, "=") < 0 || put_value(t, ts, dt, i, out, room, &n) < 0)
					return -1;
			}
			continue;
		}
		if (put(out, room, &n, " %s", d->name) < 0)
			return -1;
		if (d->has_period && put(out, room, &n, "(%u)", t->def.period[dt]) < 0)
			return -1;
		if (put(out, room, &n, "=") < 0 || put_value(t, ts, dt, 0, out, room, &n) < 0)
			return -1;
	}
	if (put(out, room, &n, "\n") < 0)
		return -1;
	return (int)n;
}

/* Returns 1 if <ts> passes every filter of <c>. */
static int entry_matches(const struct table_ctx *c, struct stksess *ts)
{
	for (int i = 0; i < c->nfilt; i++) {
		uint64_t v;

		if (stktable_data_get(c->t, ts, c->f[i].type, c->f[i].idx, &v) < 0)
			return 0; /* index out of range */
		if (stktable_data_types[c->f[i].type].std_type == STKTABLE_STD_SINT)
			v = (uint64_t)(int64_t)(int32_t)v;
		if (!cli_table_filter_match(&c->f[i], (long long)v))
			return 0;
	}
	return 1;
}

/* ---- show table ---- */

static int table_header(struct cli_session *s, struct stktable *t)
{
	struct stktable_stats st;

	stktable_get_stats(t, &st);
	return cli_printf(s, "# table: %s, type: %s, size:%u, used:%llu\n", t->id,
	                  stktable_key_type_name(t->def.type), t->def.size,
	                  (unsigned long long)st.used);
}

/* Lists every table (header lines only). */
static int dump_table_list(struct cli_session *s)
{
	struct table_ctx *c = cli_ctx(s);

	for (; c->px; c->px = c->px->next) {
		if (!c->px->next)
			c->x = proxy_xtables;   /* then the peers sections' tables */
		if (!c->px->table)
			continue;
		if (table_header(s, c->px->table) < 0)
			return 0;
	}
	for (; c->x; c->x = c->x->next) {
		if (c->x->table && table_header(s, c->x->table) < 0)
			return 0;
	}
	return 1;
}

/* State of one show step's walk (stktable_walk_resume() callback). */
struct show_walk {
	struct table_ctx *c;            /* the command */
	char *out;                      /* the free part of the output buffer */
	size_t room;                    /* its size */
	size_t done;                    /* bytes of complete buckets */
	size_t pend;                    /* bytes of the current bucket after <done> */
};

static int show_walk_fn(struct stktable *t, struct stksess *ts, void *ctx)
{
	struct show_walk *w = ctx;
	int len;

	if (!ts) {
		/* end of a bucket: its lines are kept */
		w->done += w->pend;
		w->pend = 0;
		return STKTABLE_WALK_NEXT;
	}
	if (w->c->nfilt && !entry_matches(w->c, ts))
		return STKTABLE_WALK_NEXT;
	len = format_entry(t, ts, w->out + w->done + w->pend, w->room - w->done - w->pend, 0);
	if (len >= 0) {
		w->pend += (size_t)len;
		return STKTABLE_WALK_NEXT;
	}
	if (w->room - w->done >= CLI_OUTBUF_SIZE / 2) {
		/* a bucket larger than half the buffer: cut it */
		w->done += w->pend;
		w->pend = 0;
		return STKTABLE_WALK_SKIP;
	}
	w->pend = 0;
	return STKTABLE_WALK_STOP; /* resume at this bucket with more room */
}

/* One step of the dump of a table: see the principle at the top. */
static int dump_table(struct cli_session *s)
{
	struct table_ctx *c = cli_ctx(s);
	struct show_walk w = { .c = c };
	int finished;

	w.out = cli_tail(s, &w.room);
	finished = stktable_walk_resume(c->t, &c->cur, DUMP_ENTRIES, show_walk_fn, &w);
	cli_commit(s, w.done);
	return finished;
}

static int dump_show_table(struct cli_session *s)
{
	struct table_ctx *c = cli_ctx(s);

	return c->t ? dump_table(s) : dump_table_list(s);
}

/* ---- clear table ---- */

/* State of one clear step's walk. */
struct clear_walk {
	struct table_ctx *c;            /* the command */
	int nkeys;                      /* keys copied into c->batch */
	int mark;                       /* keys of complete buckets */
};

static int clear_walk_fn(struct stktable *t, struct stksess *ts, void *ctx)
{
	struct clear_walk *w = ctx;

	if (!ts) {
		w->mark = w->nkeys;
		return STKTABLE_WALK_NEXT;
	}
	if (stksess_refs(ts) || (w->c->nfilt && !entry_matches(w->c, ts)))
		return STKTABLE_WALK_NEXT;
	if (w->nkeys >= CLEAR_BATCH) {
		if (!w->mark)
			return STKTABLE_WALK_SKIP; /* a bucket larger than the batch: cut it */
		w->nkeys = w->mark;
		return STKTABLE_WALK_STOP;
	}
	memcpy(w->c->batch + (size_t)w->nkeys * t->key_size, stksess_key(ts), t->key_size);
	w->nkeys++;
	return STKTABLE_WALK_NEXT;
}

static int dump_clear_table(struct cli_session *s)
{
	struct table_ctx *c = cli_ctx(s);
	struct stktable *t = c->t;
	struct clear_walk w = { .c = c };
	int finished;

	finished = stktable_walk_resume(t, &c->cur, CLEAR_BATCH, clear_walk_fn, &w);
	for (int i = 0; i < w.nkeys; i++) {
		struct stktable_key key = { c->batch + (size_t)i * t->key_size, t->key_size };
		struct stksess *ts = stktable_lookup_noexp(t, &key);

		if (!ts)
			continue;
		/* ours is the only reference, and it still matches */
		if (stksess_refs(ts) == 1 && (!c->nfilt || entry_matches(c, ts)))
			stktable_kill(t, ts, 1);
		else
			stktable_release(t, ts);
	}
	return finished;
}

static void release_table(struct cli_session *s)
{
	struct table_ctx *c = cli_ctx(s);

	free(c->batch);
	c->batch = NULL;
}

/* ---- Parsing the commands ---- */

static int table_usage_err(struct cli_session *s, int action)
{
	switch (action) {
	case ACT_SHOW:
		return cli_err(s, "Optional argument only supports \"data.<store_data_type>\" <operator> <value> or key <key>\n");
	case ACT_CLEAR:
		return cli_err(s, "Required arguments: <table> \"data.<store_data_type>\" <operator> <value> or <table> key <key>\n");
	default:
		return cli_err(s, "Required arguments: <table> key <key> [data.<store_data_type> <value>]*\n");
	}
}

/* Applies `data.TYPE VALUE` pairs of set table to <ts>. */
static int table_set_data(struct cli_session *s, struct stktable *t, struct stksess *ts,
                          int argc, char **args)
{
	for (int i = 5; i < argc; i += 2) {
		unsigned int idx;
		long long v;
		int type;

		if (strncmp(args[i], "data.", 5))
			return cli_err(s, "\"data.<type>\" followed by a value expected\n");
		if (cli_table_parse_type(args[i] + 5, &type, &idx) < 0)
			return cli_err(s, "Unknown data type\n");
		if (!t->data_ofs[type])
			return cli_err(s, "Data type not stored in this table\n");
		if (i + 1 >= argc || parse_ll(args[i + 1], &v) < 0)
			return cli_err(s, "Require a valid integer value to store\n");
		if (idx >= t->def.nbelem[type])
			return cli_err(s, "index out of range in this data array\n");
		if (stktable_data_types[type].std_type == STKTABLE_STD_DICT)
			return cli_err(s, "Require a valid integer value to store\n");
		if (stktable_data_set(t, ts, type, idx, (uint64_t)v) < 0)
			return cli_err(s, "Require a valid integer value to store\n");
	}
	return CLI_DONE;
}

/* show/clear/set table NAME key KEY ... */
static int table_by_key(struct cli_session *s, struct stktable *t, int action, int argc, char **args)
{
	unsigned char buf[16];
	struct stktable_key key;
	struct stksess *ts;

	if (t->def.type == STKTABLE_KEY_BINARY) {
		switch (action) {
		case ACT_SHOW:
			return cli_err(s, "Showing keys from tables of type other than ip, ipv6, string and integer is not supported\n");
		case ACT_CLEAR:
			return cli_err(s, "Removing keys from tables of type other than ip, ipv6, string and integer is not supported\n");
		default:
			return cli_err(s, "Inserting keys into tables of type other than ip, ipv6, string and integer is not supported\n");
		}
	}
	if (argc < 5 || !*args[4])
		return cli_err(s, "Key value expected\n");
	if (parse_key(t, args[4], buf, &key) < 0)
		return cli_err(s, "Invalid key\n");
	if (action != ACT_SET && argc > 5)
		return table_usage_err(s, action);
	/* show's key form too (HAProxy: after the key is parsed) */
	if (cli_level(s) < CLI_LVL_OPER)
		return cli_err(s, "Permission denied\n");

	if (action == ACT_SET) {
		int ret;

		ts = stktable_get_or_create(t, &key, NULL);
		if (!ts)
			return cli_err(s, "Unable to allocate a new entry\n");
		ret = table_set_data(s, t, ts, argc, args);
		/* a CLI change is a local update: it will replicate */
		stktable_touch_local(t, ts, 1);
		return ret;
	}
	ts = stktable_lookup_noexp(t, &key);
	if (!ts)
		return CLI_DONE;
	if (action == ACT_SHOW) {
		char line[4096 * 4];
		int len;

		table_header(s, t);
		/* our lookup holds one of the references: not reported */
		len = format_entry(t, ts, line, sizeof(line), 1);
		if (len > 0)
			cli_write(s, line, (size_t)len);
		stktable_release(t, ts);
		return CLI_DONE;
	}
	/* clear */
	if (stksess_refs(ts) > 1) {
		stktable_release(t, ts);
		return cli_err(s, "Entry currently in use, cannot remove\n");
	}
	stktable_kill(t, ts, 1);
	return CLI_DONE;
}

static int parse_table(struct cli_session *s, int argc, char **args)
{
	struct table_ctx *c = cli_ctx(s);
	int action = (int)(intptr_t)cli_priv(s);
	char err[256];
	struct stktable *t;

	if (argc < 3) {
		if (action != ACT_SHOW)
			return table_usage_err(s, action);
		c->px = proxies_list;
		c->x = proxies_list ? NULL : proxy_xtables;
		return CLI_DUMP;
	}
	t = proxy_table_find(args[2]);
	if (!t)
		return cli_err(s, "No such table\n");
	c->t = t;
	/* HAProxy's order: the table is looked up before the level is checked */
	if (action != ACT_SHOW && cli_level(s) < CLI_LVL_OPER)
		return cli_err(s, "Permission denied\n");
	if (argc >= 4 && !strcmp(args[3], "key"))
		return table_by_key(s, t, action, argc, args);
	if (action == ACT_SET)
		return table_usage_err(s, action);
	for (int i = 3; i < argc; i++) {
		if (strncmp(args[i], "shard", 5))
			continue;
		/* no HAProxy version filters by shard (doc/management.md) */
		snprintf(err, sizeof(err), "Filter '%.32s' is not supported (there is no shard filter); "
		         "only \"data.<store_data_type>\" <operator> <value> or key <key>\n", args[i]);
		return cli_msg(s, err);
	}
	if (argc >= 4 && strncmp(args[3], "data.", 5))
		return table_usage_err(s, action);
	if (argc >= 4) {
		c->nfilt = cli_table_parse_filters(t, argc - 3, args + 3, c->f, err, sizeof(err));
		if (c->nfilt < 0)
			return cli_err(s, err);
	}
	if (action == ACT_SHOW) {
		table_header(s, t);
		if (cli_level(s) < CLI_LVL_OPER) {
			cli_printf(s, "# contents not dumped due to insufficient privileges\n");
			return CLI_DONE;
		}
		return CLI_DUMP;
	}
	c->batch = malloc((size_t)CLEAR_BATCH * t->key_size);
	if (!c->batch)
		return cli_err(s, "Out of memory.\n");
	return CLI_DUMP;
}

static struct cli_kw table_kws[] = {
	{ { "clear", "table", NULL }, "clear table <table> [<filter>]*         : remove an entry from a table (filter: data/key)",
	  CLI_LVL_USER, parse_table, dump_clear_table, release_table, (void *)(intptr_t)ACT_CLEAR },
	{ { "set", "table", NULL }, "set table <table> key <k> [data.* <v>]* : update or create a table entry's data",
	  CLI_LVL_USER, parse_table, NULL, NULL, (void *)(intptr_t)ACT_SET },
	{ { "show", "table", NULL }, "show table [<table> [<filter>]*]        : report table usage stats or dump this table's contents (filter: data/key)",
	  CLI_LVL_USER, parse_table, dump_show_table, NULL, (void *)(intptr_t)ACT_SHOW },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list table_kw_list = { table_kws, NULL };

__attribute__((constructor)) static void cli_table_register(void)
{
	cli_register(&table_kw_list);
}
