/*
 * Log formats: compilation of `log-format` strings and of the `%[sample]`
 * templates of header actions, and rendering. See logformat.h.
 *
 * A compiled format is an array of nodes: literal text, a separator (a run
 * of blanks in a log line), a %-variable, or a sample expression, each with
 * its LF_O_* options. It is read-only after logformat_parse(): any number
 * of threads render it at once into their own buffers. Rendering never
 * allocates; it may call getsockname() for %fi/%fp/%bi/%bp, localtime_r()
 * for the dates and the sample fetches of %[...].
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <tollgate/addr.h>
#include <tollgate/clock.h>
#include <tollgate/compiler.h>
#include <tollgate/http_txn.h>
#include <tollgate/listener.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>
#include <tollgate/tls.h>
#include <tollgate/unique_id.h>
#include <tollgate/trafficlog.h>
#include <tollgate/xprt.h>

const char LOGFMT_TCPLOG[] =
	"%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq";
const char LOGFMT_HTTPLOG[] =
	"%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r";
const char LOGFMT_HTTPSLOG[] =
	"%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r "
	"%[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed] %[ssl_fc_sni]/%sslv/%sslc";
const char LOGFMT_CLF[] =
	"%{+Q}o %{-Q}ci - - [%trg] %r %ST %B \"\" \"\" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl";

/* Node options (flags of the {...} argument of an item). */
#define LF_O_QUOTE   0x01U     /* Q: quote strings */
#define LF_O_HEX     0x02U     /* X: hexadecimal addresses, ports, %Ts, %pid... */
#define LF_O_ESC     0x04U     /* E: backslash before '"', '\' and ']' */

enum lf_kind {
	LF_LIT = 0,            /* literal text */
	LF_SEP,                /* blanks of a log line: one space, merged */
	LF_VAR,                /* %-variable */
	LF_EXPR,               /* %[sample expression] */
};

/* Variables. The order is free; lf_vars[] maps the names. */
enum lf_var {
	V_CI, V_CP, V_FI, V_FP, V_BI, V_BP, V_SI, V_SP,
	V_DATE, V_TR_DATE, V_TRG, V_TRL, V_T_GMT, V_TL, V_TS, V_MS,
	V_FT, V_F, V_B, V_S,
	V_TR, V_TW, V_TC, V_TRS, V_TA, V_TT, V_TH, V_TI, V_TQ, V_TD, V_TU,
	V_ST, V_BYTES, V_UP, V_CC, V_CS, V_TSTATE, V_TSC,
	V_AC, V_FC, V_BC, V_SC, V_RC, V_SQ, V_BQ,
	V_HR, V_HS, V_HRL, V_HSL,
	V_R, V_HM, V_HU, V_HP, V_HPO, V_HQ, V_HV,
	V_PID, V_H, V_RT, V_LC, V_ID, V_SSLV, V_SSLC,
	V_O,                   /* %o: flags for all following items (parse time only) */
};

static const struct {
	const char *name;
	enum lf_var var;
} lf_vars[] = {
	{ "ci", V_CI }, { "cp", V_CP }, { "fi", V_FI }, { "fp", V_FP },
	{ "bi", V_BI }, { "bp", V_BP }, { "si", V_SI }, { "sp", V_SP },
	{ "t", V_DATE }, { "tr", V_TR_DATE }, { "trg", V_TRG }, { "trl", V_TRL },
	{ "T", V_T_GMT }, { "Tl", V_TL }, { "Ts", V_TS }, { "ms", V_MS },
	{ "ft", V_FT }, { "f", V_F }, { "b", V_B }, { "s", V_S },
	{ "TR", V_TR }, { "Tw", V_TW }, { "Tc", V_TC }, { "Tr", V_TRS },
	{ "Ta", V_TA }, { "Tt", V_TT }, { "Th", V_TH }, { "Ti", V_TI },
	{ "Tq", V_TQ }, { "Td", V_TD }, { "Tu", V_TU },
	{ "ST", V_ST }, { "B", V_BYTES }, { "U", V_UP }, { "CC", V_CC }, { "CS", V_CS },
	{ "ts", V_TSTATE }, { "tsc", V_TSC },
	{ "ac", V_AC }, { "fc", V_FC }, { "bc", V_BC }, { "sc", V_SC }, { "rc", V_RC },
	{ "sq", V_SQ }, { "bq", V_BQ },
	{ "hr", V_HR }, { "hs", V_HS }, { "hrl", V_HRL }, { "hsl", V_HSL },
	{ "r", V_R }, { "HM", V_HM }, { "HU", V_HU }, { "HP", V_HP }, { "HPO", V_HPO },
	{ "HQ", V_HQ }, { "HV", V_HV },
	{ "pid", V_PID }, { "H", V_H }, { "rt", V_RT }, { "lc", V_LC }, { "ID", V_ID },
	{ "sslv", V_SSLV }, { "sslc", V_SSLC },
	{ "o", V_O },
};

struct lf_node {
	enum lf_kind kind;             /* what this node renders */
	enum lf_var var;               /* LF_VAR: which variable */
	unsigned int opts;             /* LF_O_* */
	char *text;                    /* LF_LIT: the text (owned) */
	size_t len;                    /* LF_LIT: its length */
	struct sample_expr *expr;      /* LF_EXPR: the expression (owned) */
};

struct logformat {
	size_t nb;                     /* nodes used */
	size_t alloc;                  /* nodes allocated */
	int log;                       /* compiled with LOGFMT_F_LOG */
	struct lf_node *nodes;         /* in rendering order */
};

/* ---- compilation ---- */

static struct lf_node *lf_add(struct logformat *lf, enum lf_kind kind, unsigned int opts)
{
	struct lf_node *n;

	if (lf->nb == lf->alloc) {
		size_t cnt = lf->alloc ? lf->alloc * 2 : 8;
		struct lf_node *p = realloc(lf->nodes, cnt * sizeof(*p));

		if (!p)
			return NULL;
		lf->nodes = p;
		lf->alloc = cnt;
	}
	n = &lf->nodes[lf->nb++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->opts = opts;
	return n;
}

/* Appends literal text; in a log line, runs of blanks become separators. */
static int lf_add_text(struct logformat *lf, const char *p, size_t len)
{
	while (len) {
		size_t n = 0;
		struct lf_node *node;

		if (lf->log && (*p == ' ' || *p == '\t')) {
			while (n < len && (p[n] == ' ' || p[n] == '\t'))
				n++;
			if (!lf_add(lf, LF_SEP, 0))
				return -ENOMEM;
		} else {
			while (n < len && !(lf->log && (p[n] == ' ' || p[n] == '\t')))
				n++;
			/* merge with a previous literal ("%%" splits them) */
			node = lf->nb ? &lf->nodes[lf->nb - 1] : NULL;
			if (node && node->kind == LF_LIT) {
				char *t = realloc(node->text, node->len + n + 1);

				if (!t)
					return -ENOMEM;
				memcpy(t + node->len, p, n);
				node->len += n;
				t[node->len] = '\0';
				node->text = t;
			} else {
				node = lf_add(lf, LF_LIT, 0);
				if (!node || !(node->text = strndup(p, n)))
					return -ENOMEM;
				node->len = n;
			}
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int lf_err(char **err, const char *fmt, ...) PRINTF_FMT(2, 3);
static int lf_err(char **err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	free(*err);
	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return -EINVAL;
}

/* Parses the flags "+Q,-X,E" (<len> bytes at <arg>) into *<opts>. */
static int lf_parse_flags(const char *arg, size_t len, unsigned int *opts, char **err)
{
	const char *end = arg + len;

	while (arg < end) {
		const char *comma = memchr(arg, ',', (size_t)(end - arg));
		const char *stop = comma ? comma : end;
		int sign = 1;
		unsigned int bit;

		if (*arg == '+' || *arg == '-')
			sign = *arg++ == '+';
		if (stop - arg == 1 && *arg == 'Q')
			bit = LF_O_QUOTE;
		else if (stop - arg == 1 && *arg == 'X')
			bit = LF_O_HEX;
		else if (stop - arg == 1 && *arg == 'E')
			bit = LF_O_ESC;
		else
			return lf_err(err, "unknown flag '%.*s' in '%%{%.*s}' (expected Q, X or E)",
			              (int)(stop - arg), arg, (int)len, end - len);
		if (sign)
			*opts |= bit;
		else
			*opts &= ~bit;
		arg = comma ? comma + 1 : end;
	}
	return 0;
}

/* Returns the end of the sample expression starting at <p> (after "%["):
 * the first ']' outside parentheses and quotes, or NULL.
 */
static const char *lf_expr_end(const char *p)
{
	int depth = 0;
	char quote = 0;

	for (; *p; p++) {
		if (quote) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			if (depth)
				depth--;
		} else if (*p == ']' && !depth) {
			return p;
		}
	}
	return NULL;
}

struct logformat *logformat_parse(const char *fmt, unsigned int where, char **err)
{
	struct logformat *lf = calloc(1, sizeof(*lf));
	unsigned int defopts = 0;
	const char *p = fmt, *lit = fmt;

	if (!lf)
		goto out_nomem;
	lf->log = !!(where & LOGFMT_F_LOG);
	where &= ~LOGFMT_F_LOG;
	while (*p) {
		const char *item = p;
		unsigned int opts = defopts;

		if (*p != '%') {
			p++;
			continue;
		}
		if (lf_add_text(lf, lit, (size_t)(p - lit)) < 0)
			goto out_nomem;
		p++;
		if (*p == '%') {          /* "%%": a literal '%' */
			lit = p++;
			continue;
		}
		if (*p == '(') {          /* %(name): names only matter to encodings we lack */
			const char *end = strchr(p, ')');

			if (!end) {
				lf_err(err, "missing ')' after '%s'", item);
				goto out_fail;
			}
			p = end + 1;
		}
		if (*p == '{') {
			const char *end = strchr(p, '}');

			if (!end) {
				lf_err(err, "missing '}' after '%s'", item);
				goto out_fail;
			}
			if (lf_parse_flags(p + 1, (size_t)(end - p - 1), &opts, err) < 0)
				goto out_fail;
			p = end + 1;
		}
		if (*p == '[') {
			const char *end = lf_expr_end(p + 1);
			struct lf_node *n;
			char *text, *e = NULL;

			if (!end) {
				lf_err(err, "missing ']' after '%s'", item);
				goto out_fail;
			}
			text = strndup(p + 1, (size_t)(end - p - 1));
			n = text ? lf_add(lf, LF_EXPR, opts) : NULL;
			if (!n) {
				free(text);
				goto out_nomem;
			}
			if (sample_parse_expr(text, where, &n->expr, &e) < 0) {
				lf->nb--;
				lf_err(err, "in '%%[%s]': %s", text, e ? e : "invalid sample expression");
				free(text);
				free(e);
				goto out_fail;
			}
			free(text);
			p = lit = end + 1;
			continue;
		}
		if (isalpha((unsigned char)*p)) {
			const char *name = p;
			size_t len, i;

			while (isalnum((unsigned char)*p))
				p++;
			len = (size_t)(p - name);
			for (i = 0; i < sizeof(lf_vars) / sizeof(lf_vars[0]); i++)
				if (strlen(lf_vars[i].name) == len && !memcmp(lf_vars[i].name, name, len))
					break;
			if (i == sizeof(lf_vars) / sizeof(lf_vars[0])) {
				lf_err(err, "unknown variable '%%%.*s' at position %d",
				       (int)len, name, (int)(item - fmt) + 1);
				goto out_fail;
			}
			if (lf_vars[i].var == V_O) {
				defopts = opts;
			} else {
				struct lf_node *n = lf_add(lf, LF_VAR, opts);

				if (!n)
					goto out_nomem;
				n->var = lf_vars[i].var;
			}
			lit = p;
			continue;
		}
		if (!*p)
			lf_err(err, "truncated item '%s' at the end", item);
		else
			lf_err(err, "unexpected '%c' after '%%' at position %d (write '%%%%' for a literal '%%')",
			       *p, (int)(item - fmt) + 1);
		goto out_fail;
	}
	if (lf_add_text(lf, lit, (size_t)(p - lit)) < 0)
		goto out_nomem;
	return lf;
out_nomem:
	lf_err(err, "out of memory");
out_fail:
	logformat_free(lf);
	return NULL;
}

void logformat_free(struct logformat *lf)
{
	if (!lf)
		return;
	for (size_t i = 0; i < lf->nb; i++) {
		free(lf->nodes[i].text);
		sample_free_expr(lf->nodes[i].expr);
	}
	free(lf->nodes);
	free(lf);
}

/* ---- rendering ---- */

/* Output cursor: bytes beyond <room> - 1 are dropped (the line is cut). */
struct lf_out {
	char *buf;             /* destination */
	size_t room;           /* its size, >= 1 */
	size_t len;            /* bytes written */
};

static void out_mem(struct lf_out *o, const char *p, size_t len)
{
	size_t left = o->room - 1 - o->len;

	if (len > left)
		len = left;
	memcpy(o->buf + o->len, p, len);
	o->len += len;
}

static void out_chr(struct lf_out *o, char c)
{
	out_mem(o, &c, 1);
}

static void out_fmt(struct lf_out *o, const char *fmt, ...) PRINTF_FMT(2, 3);
static void out_fmt(struct lf_out *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_mem(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Writes the string <p>/<len> honouring the Q and E options of <opts>.
 * <p> NULL is a missing value: "-" (log lines) or nothing, `""` quoted.
 * In log lines, control and 8-bit bytes (and '"', '#' for <url>) become
 * "#XX"; elsewhere control bytes become "%XX".
 */
static void out_str(struct lf_out *o, const struct logformat *lf, unsigned int opts,
                    const char *p, size_t len, int url)
{
	static const char hex[] = "0123456789ABCDEF";

	if (!p && !(opts & LF_O_QUOTE)) {
		if (lf->log)
			out_chr(o, '-');
		return;
	}
	if (opts & LF_O_QUOTE)
		out_chr(o, '"');
	for (size_t i = 0; p && i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (lf->log && (c < 32 || c >= 127 || (url && (c == '"' || c == '#')))) {
			out_chr(o, '#');
			out_chr(o, hex[c >> 4]);
			out_chr(o, hex[c & 15]);
			continue;
		}
		if (!lf->log && (c < 32 || c == 127) && c != '\t') {
			out_chr(o, '%');
			out_chr(o, hex[c >> 4]);
			out_chr(o, hex[c & 15]);
			continue;
		}
		if ((opts & LF_O_ESC) && (c == '"' || c == '\\' || c == ']'))
			out_chr(o, '\\');
		out_chr(o, (char)c);
	}
	if (opts & LF_O_QUOTE)
		out_chr(o, '"');
}

static void out_cstr(struct lf_out *o, const struct logformat *lf, unsigned int opts, const char *s)
{
	out_str(o, lf, opts, s, s ? strlen(s) : 0, 0);
}

/* Writes the host part of <a> (X: hexadecimal bytes), "-" when unset. */
static void out_ip(struct lf_out *o, const struct logformat *lf, unsigned int opts, const struct addr *a)
{
	char buf[ADDR_STRLEN];
	struct addr c;

	if (!a || a->kind == ADDR_NONE) {
		out_str(o, lf, opts, NULL, 0, 0);
		return;
	}
	if ((opts & LF_O_HEX) && a->kind == ADDR_INET) {
		const unsigned char *b;
		size_t n;

		if (a->ss.ss_family == AF_INET) {
			b = (const unsigned char *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
			n = 4;
		} else {
			b = (const unsigned char *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
			n = 16;
		}
		for (size_t i = 0; i < n; i++)
			out_fmt(o, "%02X", b[i]);
		return;
	}
	/* same text as the historical tcplog line: addr_format() without port */
	c = *a;
	c.flags |= ADDR_F_NO_PORT;
	addr_format(&c, buf, sizeof(buf));
	out_cstr(o, lf, opts, buf);
}

static void out_port(struct lf_out *o, const struct logformat *lf, unsigned int opts, const struct addr *a)
{
	if (!a || a->kind == ADDR_NONE)
		out_str(o, lf, opts & ~LF_O_QUOTE, NULL, 0, 0);
	else if (opts & LF_O_HEX)
		out_fmt(o, "%04X", addr_port(a));
	else
		out_fmt(o, "%u", addr_port(a));
}

static void out_int(struct lf_out *o, int64_t v)
{
	out_fmt(o, "%lld", (long long)v);
}

static const char *const lf_mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Dates. <kind>: 0 "dd/Mmm/yyyy:hh:mm:ss.mmm" local, 1 "... +0000" UTC,
 * 2 "... +hhmm" local.
 */
static void out_date(struct lf_out *o, int64_t sec, unsigned int ms, int kind)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (kind == 1)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	out_fmt(o, "%02d/%s/%04d:%02d:%02d:%02d", tm.tm_mday, lf_mon[tm.tm_mon],
	        tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (kind == 0) {
		out_fmt(o, ".%03u", ms);
	} else if (kind == 1) {
		out_mem(o, " +0000", 6);
	} else {
		long off = tm.tm_gmtoff / 60;

		out_fmt(o, " %c%02ld%02ld", off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	}
}

/* The dates of <s>: accept (<asec>, <ams>) and request start (<rsec>, <rms>). In
 * HTTP mode the accept date is the start of the idle time before the
 * request (HAProxy resets it for each request of a connection).
 */
static void lf_dates(const struct stream *s, int64_t *asec, unsigned int *ams,
                     int64_t *rsec, unsigned int *rms)
{
	const struct http_txn *txn = s->txn;

	*asec = s->accept_sec;
	*ams = s->accept_ms;
	if (txn && txn->req_sec) {
		int64_t t = txn->req_sec * 1000 + txn->req_ms - (txn->ti > 0 ? txn->ti : 0);

		*rsec = txn->req_sec;
		*rms = txn->req_ms;
		*asec = t / 1000;
		*ams = (unsigned int)(t % 1000);
	} else {
		*rsec = *asec;
		*rms = *ams;
	}
}

void logformat_timers(const struct stream *s, struct log_timers *t)
{
	const struct http_txn *txn = s->txn;

	/* the handshake belongs to the connection's first request */
	t->th = txn && s->http_nb_req > 1 ? 0 : s->t_hs;
	if (txn) {
		t->ti = txn->ti;
		t->tr = txn->tr;
		t->tq = txn->tr >= 0 ? t->th + (txn->ti > 0 ? txn->ti : 0) + txn->tr : -1;
		/* those of the stream's connection until the log takes them */
		t->tw = txn->tw >= 0 ? txn->tw : s->tw;
		t->tc = txn->tc >= 0 ? txn->tc : s->tc;
		t->trs = txn->trs;
		t->ta = (uint32_t)(now_ms - txn->t_req_start);
		t->tt = t->ta + (txn->ti > 0 ? txn->ti : 0) + t->th;
		t->tu = t->ta;
		t->td = txn->trs >= 0 ? t->ta - t->tr - t->tw - t->tc - t->trs : -1;
	} else {
		t->ti = -1;
		t->tr = -1;
		t->tq = -1;
		t->tw = s->tw;
		t->tc = s->tc;
		t->trs = -1;
		t->tt = (uint32_t)(now_ms - s->t_accept);
		t->ta = t->tt;
		t->tu = t->tt;
		t->td = s->tc >= 0 ? t->tt - (s->tw > 0 ? s->tw : 0) - s->tc : -1;
	}
}

void logformat_bytes(const struct stream *s, uint64_t *up, uint64_t *down)
{
	const struct http_txn *txn = s->txn;

	if (!txn) {
		*up = s->req.total;
		*down = s->res.total;
	} else if (txn->flags & TX_LOGGED) {
		*up = txn->bytes_in;
		*down = txn->bytes_out;
	} else {
		*up = s->req.total - txn->req_total0;
		*down = s->res.total - txn->res_total0;
	}
}

/* Splits the request line <line> as HAProxy's %HM/%HU/%HP/%HPO/%HQ/%HV. */
static void out_reqpart(struct lf_out *o, const struct logformat *lf, unsigned int opts,
                        const char *line, enum lf_var var)
{
	const char *end, *uri, *uend, *ver, *p;

	if (!line) {
		out_str(o, lf, opts, "<BADREQ>", 8, 1);
		return;
	}
	end = line + strlen(line);
	for (p = line; p < end && *p != ' ' && *p != '\t'; p++)
		;
	if (var == V_HM) {
		if (p == end)
			out_str(o, lf, opts, "<BADREQ>", 8, 1);
		else
			out_str(o, lf, opts, line, (size_t)(p - line), 1);
		return;
	}
	if (p == end) {
		out_str(o, lf, opts, "<BADREQ>", 8, 1);
		return;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	uri = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	uend = p;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	ver = p;
	switch (var) {
	case V_HU:
		out_str(o, lf, opts, uri, (size_t)(uend - uri), 1);
		break;
	case V_HV:
		if (ver == end)
			out_str(o, lf, opts, "HTTP/0.9", 8, 1);
		else
			out_str(o, lf, opts, ver, (size_t)(end - ver), 1);
		break;
	case V_HQ: {
		const char *q = memchr(uri, '?', (size_t)(uend - uri));

		if (q)
			out_str(o, lf, opts, q, (size_t)(uend - q), 1);
		else if (opts & LF_O_QUOTE)
			out_str(o, lf, opts, "", 0, 1);
		break;
	}
	case V_HP:
	case V_HPO: {
		const char *q = memchr(uri, '?', (size_t)(uend - uri));
		const char *path = uri, *pend = q ? q : uend;

		if (var == V_HPO && *uri != '/') {
			/* absolute form: skip "scheme://authority" */
			const char *ss = memchr(uri, '/', (size_t)(pend - uri));

			if (ss && ss + 1 < pend && ss[1] == '/') {
				ss = memchr(ss + 2, '/', (size_t)(pend - ss - 2));
				path = ss ? ss : pend;
			}
		}
		out_str(o, lf, opts, path, (size_t)(pend - path), 1);
		break;
	}
	default:
		break;
	}
}

static char lf_hostname[256];                /* %H, set by lf_init() */

static void lf_render_var(struct lf_out *o, const struct logformat *lf, const struct lf_node *n,
                          struct stream *s)
{
	const struct http_txn *txn = s->txn;
	const struct server *srv = s->srv ? s->srv : s->prev_srv;
	unsigned int opts = n->opts;
	struct log_timers t;
	int64_t asec, rsec;
	unsigned int ams, rms;
	struct addr a;

	switch (n->var) {
	case V_CI:
		out_ip(o, lf, opts, &s->cli_addr);
		break;
	case V_CP:
		out_port(o, lf, opts, &s->cli_addr);
		break;
	case V_FI:
	case V_FP:
	case V_BI:
	case V_BP: {
		int fe_side = n->var == V_FI || n->var == V_FP;
		int fd = fe_side ? stream_cli_conn(s)->fd : stream_srv_conn(s)->fd;
		const struct addr *pa = fe_side ? (stream_local_addr(s, &a) == 0 ? &a : NULL)
		                                : (fd >= 0 && sock_get_name(fd, &a) == 0 ? &a : NULL);

		if (pa)
			addr_unmap_v4(&a);
		if (n->var == V_FI || n->var == V_BI)
			out_ip(o, lf, opts, pa);
		else
			out_port(o, lf, opts, pa);
		break;
	}
	case V_SI:
		out_ip(o, lf, opts, srv ? &srv->addr : NULL);
		break;
	case V_SP:
		out_port(o, lf, opts, srv ? &srv->addr : NULL);
		break;
	case V_DATE:
	case V_TR_DATE:
	case V_TRG:
	case V_TRL:
	case V_T_GMT:
	case V_TL:
	case V_TS:
	case V_MS:
		lf_dates(s, &asec, &ams, &rsec, &rms);
		if (n->var == V_DATE)
			out_date(o, asec, ams, 0);
		else if (n->var == V_TR_DATE)
			out_date(o, rsec, rms, 0);
		else if (n->var == V_TRG)
			out_date(o, rsec, rms, 1);
		else if (n->var == V_TRL)
			out_date(o, rsec, rms, 2);
		else if (n->var == V_T_GMT)
			out_date(o, asec, ams, 1);
		else if (n->var == V_TL)
			out_date(o, asec, ams, 2);
		else if (n->var == V_TS)
			out_fmt(o, (opts & LF_O_HEX) ? "%04llX" : "%lld", (long long)asec);
		else
			out_fmt(o, (opts & LF_O_HEX) ? "%02X" : "%03u", ams);
		break;
	case V_FT:
		if (stream_cli_conn(s)->xprt == &xprt_tls) {   /* HAProxy's mark of a TLS connection */
			char ft[256];

			snprintf(ft, sizeof(ft), "%s~", s->fe->id);
			out_cstr(o, lf, opts, ft);
			break;
		}
		/* fall through */
	case V_F:
		out_cstr(o, lf, opts, s->fe->id);
		break;
	case V_SSLV:
	case V_SSLC: {
		const struct side *cs = stream_cli_conn(s);
		SSL *ssl = cs->xprt == &xprt_tls ? tls_conn_ssl(cs->xprt_ctx) : NULL;

		out_cstr(o, lf, opts, !ssl ? NULL : n->var == V_SSLV ? SSL_get_version(ssl) : SSL_get_cipher_name(ssl));
		break;
	}
	case V_B:
		out_cstr(o, lf, opts, s->be ? s->be->id : s->fe->id);
		break;
	case V_S:
		out_cstr(o, lf, opts, srv ? srv->id : "<NOSRV>");
		break;
	case V_TR: case V_TW: case V_TC: case V_TRS: case V_TA: case V_TT:
	case V_TH: case V_TI: case V_TQ: case V_TD: case V_TU:
		logformat_timers(s, &t);
		out_int(o, n->var == V_TR ? t.tr : n->var == V_TW ? t.tw : n->var == V_TC ? t.tc :
		           n->var == V_TRS ? t.trs : n->var == V_TA ? t.ta : n->var == V_TT ? t.tt :
		           n->var == V_TH ? t.th : n->var == V_TI ? t.ti : n->var == V_TQ ? t.tq :
		           n->var == V_TD ? t.td : t.tu);
		break;
	case V_ST:
		out_int(o, txn ? txn->status : 0);
		break;
	case V_BYTES:
	case V_UP: {
		uint64_t up, down;

		logformat_bytes(s, &up, &down);
		out_fmt(o, "%llu", (unsigned long long)(n->var == V_UP ? up : down));
		break;
	}
	case V_CC:
	case V_CS: {
		int d = n->var == V_CS;

		if (txn && txn->cap_cookie_len[d] > 0)
			out_str(o, lf, opts, txn->cap_cookie[d], (size_t)txn->cap_cookie_len[d], 0);
		else
			out_str(o, lf, opts, NULL, 0, 0);
		break;
	}
	case V_TSTATE:
	case V_TSC: {
		const char *term = txn ? txn->term : s->term;

		out_chr(o, term[0]);
		out_chr(o, term[1]);
		if (n->var == V_TSC) {
			int ck = txn && s->be && s->be->cookie.name;

			out_chr(o, !ck ? '-' : (txn->flags & TX_COOKIE_SEEN) ? 'V' : (txn->flags & TX_COOKIE_DOWN) ? 'D' :
			           (txn->flags & TX_COOKIE_INVALID) ? 'I' : 'N');
			out_chr(o, !ck ? '-' : (txn->flags & TX_COOKIE_SET) ? 'I' : 'N');
		}
		break;
	}
	case V_AC:
		out_fmt(o, "%u", listeners_actconn());
		break;
	case V_FC:
		out_fmt(o, "%u", atomic_load(&s->fe->feconn));
		break;
	case V_BC:
		out_fmt(o, "%u", s->be ? atomic_load(&s->be->beconn) : 0);
		break;
	case V_SC:
		out_fmt(o, "%u", s->srv ? atomic_load(&s->srv->cur_conns) : 0);
		break;
	case V_RC:
		/* '+': a retry went to another server (HAProxy's SF_REDISP) */
		out_fmt(o, "%s%u", s->redispatched ? "+" : "",
		        s->be ? (s->retries_set ? s->retries_set - 1 : s->be->retries) - s->retries_left : 0);
		break;
	case V_SQ:
		out_fmt(o, "%u", s->srv ? atomic_load(&s->srv->queued) : 0);
		break;
	case V_BQ:
		out_fmt(o, "%u", s->be ? atomic_load(&s->be->nbpend) : 0);
		break;
	case V_HR: case V_HS: case V_HRL: case V_HSL: {
		/* captured headers: "{v1|v2}" (hr, hs), or each value quoted,
		 * separated by spaces (hrl, hsl); nothing without captures, nor
		 * for a request that could not be parsed (HAProxy's mux logs
		 * those without a stream, hence without captures)
		 */
		int d = n->var == V_HS || n->var == V_HSL, braces = n->var == V_HR || n->var == V_HS;
		unsigned int nb = d ? s->fe->nb_cap_res : s->fe->nb_cap_req;

		if (!nb || !txn || !(txn->flags & TX_HAS_REQ))
			break;
		if (braces)
			out_chr(o, '{');
		for (unsigned int i = 0; i < nb; i++) {
			int len = txn ? txn->cap_len[d][i] : 0;

			if (i)
				out_chr(o, braces ? '|' : ' ');
			if (braces) {
				if (len > 0)
					out_str(o, lf, 0, txn->cap[d][i], (size_t)len, 0);
			} else {
				out_str(o, lf, LF_O_QUOTE, len > 0 ? txn->cap[d][i] : NULL, len > 0 ? (size_t)len : 0, 0);
			}
		}
		if (braces)
			out_chr(o, '}');
		break;
	}
	case V_R:
		if (txn && (txn->flags & TX_HAS_REQ) && txn->uri_line[0])
			out_str(o, lf, opts, txn->uri_line, strlen(txn->uri_line), 1);
		else
			out_str(o, lf, opts, "<BADREQ>", 8, 1);
		break;
	case V_HM: case V_HU: case V_HP: case V_HPO: case V_HQ: case V_HV:
		out_reqpart(o, lf, opts,
		            txn && (txn->flags & TX_HAS_REQ) && txn->uri_line[0] ? txn->uri_line : NULL,
		            n->var);
		break;
	case V_ID: {
		size_t len = 0;
		const char *id = unique_id_get(s, &len);

		out_str(o, lf, opts, id, len, 0);
		break;
	}
	case V_PID:
		out_fmt(o, (opts & LF_O_HEX) ? "%04X" : "%d", (int)getpid());
		break;
	case V_H:
		out_cstr(o, lf, opts, lf_hostname);
		break;
	case V_RT:
		out_fmt(o, (opts & LF_O_HEX) ? "%04X" : "%u", s ? s->uniq_id : strm_next_uniq_id());
		break;
	case V_LC:
		out_str(o, lf, opts & ~LF_O_QUOTE, NULL, 0, 0);   /* not counted yet */
		break;
	case V_O:
		break;
	}
}

size_t logformat_render(const struct logformat *lf, struct stream *s, char *out, size_t room)
{
	struct sample_ctx ctx = { .strm = s, .txn = s ? s->txn : NULL };

	return logformat_render_ctx(lf, &ctx, out, room);
}

size_t logformat_render_ctx(const struct logformat *lf, const struct sample_ctx *sctx, char *out, size_t room)
{
	struct stream *s = sctx->strm;
	struct lf_out o = { .buf = out, .room = room, .len = 0 };
	int last_sep = 1;     /* no separator at the start of a line */

	if (!room)
		return 0;
	for (size_t i = 0; i < lf->nb && o.len + 1 < room; i++) {
		const struct lf_node *n = &lf->nodes[i];
		size_t before = o.len;

		switch (n->kind) {
		case LF_SEP:
			if (!last_sep) {
				out_chr(&o, ' ');
				last_sep = 1;
			}
			continue;
		case LF_LIT:
			out_mem(&o, n->text, n->len);
			break;
		case LF_VAR:
			if (s)
				lf_render_var(&o, lf, n, s);
			break;
		case LF_EXPR: {
			struct sample_ctx ctx = *sctx;
			struct sample smp;

			ctx.opt |= SMP_OPT_FINAL;

			memset(&smp, 0, sizeof(smp));
			if (sample_eval(n->expr, &ctx, &smp) && sample_cast(&smp, SMP_T_STR))
				out_str(&o, lf, n->opts, smp.data.u.str.ptr, smp.data.u.str.len, 0);
			else
				out_str(&o, lf, n->opts, NULL, 0, 0);
			break;
		}
		}
		if (o.len != before)
			last_sep = 0;
	}
	out[o.len] = '\0';
	return o.len;
}

/* ---- default formats and sending ---- */

static struct logformat *lf_default[4];      /* tcplog, httplog, clf, httpslog */
static pthread_once_t lf_once = PTHREAD_ONCE_INIT;

static void lf_init(void)
{
	const char *fmts[4] = { LOGFMT_TCPLOG, LOGFMT_HTTPLOG, LOGFMT_CLF, LOGFMT_HTTPSLOG };

	if (gethostname(lf_hostname, sizeof(lf_hostname) - 1) < 0)
		lf_hostname[0] = '\0';
	for (int i = 0; i < 4; i++)
		lf_default[i] = logformat_parse(fmts[i], LOGFMT_F_LOG, NULL);
}

int logformat_finalize(struct proxy *px, char **err)
{
	char *e = NULL;

	pthread_once(&lf_once, lf_init);
	if (!lf_default[0] || !lf_default[1] || !lf_default[2] || !lf_default[3])
		return lf_err(err, "out of memory"), -ENOMEM;
	if (!px || !px->log_format || px->logfmt)
		return 0;
	px->logfmt = logformat_parse(px->log_format, LOGFMT_F_LOG, &e);
	if (!px->logfmt) {
		lf_err(err, "log-format '%s': %s", px->log_format, e ? e : "out of memory");
		free(e);
		return -EINVAL;
	}
	return 0;
}

/* Returns the format of frontend <fe>, or NULL when it logs nothing. */
static const struct logformat *lf_pick(const struct proxy *fe)
{
	if (fe->logfmt)
		return fe->logfmt;
	if (!(fe->options & (PR_O_HTTPLOG | PR_O_TCPLOG)))
		return NULL;
	pthread_once(&lf_once, lf_init);
	if (fe->options & PR_O_HTTPLOG)
		return lf_default[(fe->options & PR_O_HTTPSLOG) ? 3 : (fe->options & PR_O_CLF) ? 2 : 1];
	return lf_default[0];
}

void stream_send_log(struct stream *s)
{
	const struct proxy *fe = s->fe;
	const struct logformat *lf;
	const char *term;
	char line[1024];
	unsigned int lvl;
	size_t len;
	int err;

	if (!fe->log_targets || !(lf = lf_pick(fe)))
		return;
	if (fe->options & PR_O_DONTLOGNULL) {
		if (s->txn ? !(s->txn->flags & TX_HAS_REQ) && !s->txn->bytes_in
		           : !s->req.total && !s->res.total)
			return;
	}
	lvl = s->txn ? (s->txn->flags & TX_LOGLVL_MASK) >> TX_LOGLVL_SHIFT : 0;
	if (lvl == TX_LOG_SILENT)
		return;   /* set-log-level silent */
	term = s->txn ? s->txn->term : s->term;
	err = term[0] != '-' || (s->txn && s->txn->status >= 500);
	if (!err && (fe->options & PR_O_DONTLOG_NORM))
		return;   /* option dontlog-normal: only errors are logged */
	len = logformat_render(lf, s, line, sizeof(line));
	/* as HAProxy: set-log-level's level, else 'info', errors at 'err'
	 * only with option log-separate-errors
	 */
	log_send(fe->log_targets, lvl ? (int)lvl - 1 : err && (fe->options & PR_O_LOGERRORS) ? LOG_SEV_ERR : LOG_SEV_INFO,
	         line, len);
}
