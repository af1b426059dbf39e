/*
 * Conditional blocks (.if/.elif/.else/.endif), their expressions, and the
 * registry of build features that `feature(NAME)` tests. HAProxy's
 * configuration manual, section 2.4, is the reference; cfg.h has the
 * contracts and doc/internals/cfg.md the rules and the differences.
 *
 * The evaluator parses and evaluates in one pass over the expression, with
 * a flag telling whether the current branch must be evaluated at all
 * (`&&`/`||` short-circuit: a branch that is not needed is still parsed,
 * so syntax errors are always reported, but not evaluated).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/tls.h>
#include <tollgate/cfg.h>
#include <tollgate/global.h>
#include <tollgate/sock.h>

#define CFG_COND_MAX_DEPTH   64      /* nested parentheses */
#define CFG_COND_ARG_SIZE    1024    /* longest predicate argument */
#define CFG_COND_MAX_ARGS    2       /* most arguments a predicate takes */

/* ---------------------------------------------------------------------- */
/* Features                                                               */
/* ---------------------------------------------------------------------- */

static struct list cfg_features = LIST_HEAD_INIT(cfg_features);

void cfg_register_feature(struct cfg_feature *f)
{
	list_append(&cfg_features, &f->list);
}

int cfg_feature_present(const char *name)
{
	struct cfg_feature *f;

	list_for_each(f, &cfg_features, list) {
		if (strcmp(f->name, name) == 0)
			return f->present != 0;
	}
	return 0;
}

int cfg_features_list(char *buf, size_t size)
{
	struct cfg_feature *f;
	size_t need = 0;
	int n;

	if (size)
		buf[0] = '\0';
	list_for_each(f, &cfg_features, list) {
		n = snprintf(need < size ? buf + need : NULL, need < size ? size - need : 0,
			     "%s%c%s", need ? " " : "", f->present ? '+' : '-', f->name);
		if (n > 0)
			need += (size_t)n;
	}
	return (int)need;
}

/* Tollgate's own features, as "haproxy -vv" would list them: what it has
 * (+) and the HAProxy features it does not have (-), so that
 * `.if feature(OPENSSL)` picks the right branch (TLS is OpenSSL 3's).
 */
static struct cfg_feature cfg_builtin_features[] = {
	{ .name = "EPOLL",        .present = 1 },
	{ .name = "THREAD",       .present = 1 },
	{ .name = "LINUX_SPLICE", .present = 1 },
	{ .name = "POLL",         .present = 0 },
	{ .name = "KQUEUE",       .present = 0 },
	{ .name = "EVPORTS",      .present = 0 },
	{ .name = "OPENSSL",      .present = 1 },
	{ .name = "QUIC",         .present = 0 },
	{ .name = "LUA",          .present = 0 },
	{ .name = "PCRE",         .present = 0 },
	{ .name = "PCRE2",        .present = 0 },
	{ .name = "ZLIB",         .present = 0 },
	{ .name = "SLZ",          .present = 0 },
	{ .name = "PROMEX",       .present = 1 },
	{ .name = "ACCEPT4",      .present = 1 },
	{ .name = "CPU_AFFINITY", .present = 1 },
	{ .name = "SYSTEMD",      .present = 0 },
	/* IP_TRANSPARENT: bind transparent, source ... usesrc */
	{ .name = "TPROXY",       .present = 1 },
	/* probed at start-up: the kernel takes TCP MD5 keys (tcp-md5sig) */
	{ .name = "HAVE_WORKING_TCP_MD5SIG", .present = 0 },
};

/* ---------------------------------------------------------------------- */
/* Versions                                                               */
/* ---------------------------------------------------------------------- */

#define CFG_VER_ELTS 7               /* a.b.c.d, tag kind, tag number, commit count */

/* Parses the number at *<p>; returns 0 and advances, or -EINVAL. */
static int cfg_ver_num(const char **p, unsigned *out)
{
	unsigned long v = 0;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	while (isdigit((unsigned char)**p)) {
		if (v > 100000000UL)
			return -EINVAL;
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
	}
	*out = (unsigned)v;
	return 0;
}

/* Splits <s> into <v>: up to 4 dotted numbers, then an optional
 * "-dev<n>" (kind 1), "-pre<n>"/"-rc<n>" (kind 2), release being kind 3,
 * then an optional "-...-<n>" commit count. Missing numbers are zero.
 */
static int cfg_ver_split(const char *s, unsigned v[CFG_VER_ELTS])
{
	const char *p = s, *last;
	int i;

	memset(v, 0, sizeof(unsigned) * CFG_VER_ELTS);
	v[4] = 3;
	for (i = 0; i < 4; i++) {
		if (cfg_ver_num(&p, &v[i]))
			return -EINVAL;
		if (*p != '.')
			break;
		p++;
	}
	if (!*p)
		return 0;
	if (*p != '-')
		return -EINVAL;
	p++;
	if (strncmp(p, "dev", 3) == 0) {
		v[4] = 1;
		p += 3;
	} else if (strncmp(p, "pre", 3) == 0) {
		v[4] = 2;
		p += 3;
	} else if (strncmp(p, "rc", 2) == 0) {
		v[4] = 2;
		p += 2;
	}
	if (v[4] != 3) {
		/* the tag's number may be missing ("0.1-dev") */
		if (isdigit((unsigned char)*p) && cfg_ver_num(&p, &v[5]))
			return -EINVAL;
		if (!*p)
			return 0;
		if (*p != '-')
			return -EINVAL;
		p++;
	}
	/* anything else (a commit id, a distro tag...): the number after the
	 * last dash, if it is one, counts commits; the rest is ignored.
	 */
	last = strrchr(p, '-');
	last = last ? last + 1 : p;
	if (cfg_ver_num(&last, &v[6]) || *last)
		v[6] = 0;
	return 0;
}

int cfg_version_cmp(const char *a, const char *b, int *cmp)
{
	unsigned va[CFG_VER_ELTS], vb[CFG_VER_ELTS];

	if (cfg_ver_split(a, va) || cfg_ver_split(b, vb))
		return -EINVAL;
	*cmp = 0;
	for (int i = 0; i < CFG_VER_ELTS; i++) {
		if (va[i] != vb[i]) {
			*cmp = va[i] < vb[i] ? -1 : 1;
			break;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Expressions                                                            */
/* ---------------------------------------------------------------------- */

/* The evaluator's state. */
struct cfg_cond {
	const char *expr;            /* the whole expression */
	const char *p;               /* read position */
	char *err;                   /* message buffer, may be NULL */
	size_t errsz;                /* its size */
	int errcol;                  /* 1-based column of the error */
	int depth;                   /* parentheses open */
};

/* A predicate and how many arguments it takes. */
struct cfg_cond_pred {
	const char *name;            /* as written in the expression */
	int min_args;                /* fewest arguments */
	int max_args;                /* most arguments */
	/* Returns 0/1, or -EINVAL with a message set through cfg_cond_fail(). */
	int (*eval)(struct cfg_cond *cc, const struct cfg_cond_pred *pred,
		    char args[][CFG_COND_ARG_SIZE], const char *at);
};

static int cfg_cond_fail(struct cfg_cond *cc, const char *at, const char *fmt, ...)
	PRINTF_FMT(3, 4);

/* Records the message and the column of <at>; returns -EINVAL. */
static int cfg_cond_fail(struct cfg_cond *cc, const char *at, const char *fmt, ...)
{
	va_list ap;

	if (cc->err && cc->errsz) {
		va_start(ap, fmt);
		vsnprintf(cc->err, cc->errsz, fmt, ap);
		va_end(ap);
	}
	cc->errcol = (int)(at - cc->expr) + 1;
	return -EINVAL;
}

static void cfg_cond_skip_blanks(struct cfg_cond *cc)
{
	while (*cc->p == ' ' || *cc->p == '\t')
		cc->p++;
}

static int cfg_pred_defined(struct cfg_cond *cc, const struct cfg_cond_pred *pred,
			    char args[][CFG_COND_ARG_SIZE], const char *at)
{
	return getenv(args[0]) != NULL;
}

static int cfg_pred_feature(struct cfg_cond *cc, const struct cfg_cond_pred *pred,
			    char args[][CFG_COND_ARG_SIZE], const char *at)
{
	return cfg_feature_present(args[0]);
}

static int cfg_pred_streq(struct cfg_cond *cc, const struct cfg_cond_pred *pred,
			  char args[][CFG_COND_ARG_SIZE], const char *at)
{
	return strcmp(args[0], args[1]) == 0;
}

static int cfg_pred_strneq(struct cfg_cond *cc, const struct cfg_cond_pred *pred,
			   char args[][CFG_COND_ARG_SIZE], const char *at)
{
	return strcmp(args[0], args[1]) != 0;
}

static int cfg_pred_strstr(struct cfg_cond *cc, const struct cfg_cond_pred *pred,
			   char args[][CFG_COND_ARG_SIZE], const char *at)
{
	return strstr(args[0], args[1]) != NULL;
}

/* version_atleast()/version_before(): compared with the HAProxy version
 * whose language Tollgate implements, TOLLGATE_HAPROXY_COMPAT.
 */
static int cfg_pred_version(struct cfg_cond *cc, const struct cfg_cond_pred *pred,
			    char args[][CFG_COND_ARG_SIZE], const char *at)
{
	int cmp;

	if (cfg_version_cmp(TOLLGATE_HAPROXY_COMPAT, args[0], &cmp))
		return cfg_cond_fail(cc, at, "invalid version '%s' in predicate '%s'", args[0], pred->name);
	if (strcmp(pred->name, "version_atleast") == 0)
		return cmp >= 0;
	return cmp < 0;
}

/* enabled(): HAProxy's run-time options as Tollgate has them: EPOLL (the
 * only poller), SPLICE (unless `nosplice`), REUSEPORT (unless
 * `noreuseport`), FAST-FORWARD (bodies always go from one socket's buffer
 * to the other with no re-encoding); the others (POLL, KQUEUE, EVPORTS,
 * GETADDRINFO, SERVER-SSL-VERIFY-NONE) are off.
 */
static int cfg_pred_enabled(struct cfg_cond *cc, const struct cfg_cond_pred *pred,
			    char args[][CFG_COND_ARG_SIZE], const char *at)
{
	if (!strcmp(args[0], "SPLICE"))
		return !global.nosplice;
	if (!strcmp(args[0], "REUSEPORT"))
		return !global.noreuseport;
	return !strcmp(args[0], "EPOLL") || !strcmp(args[0], "FAST-FORWARD");
}

/* fips_mode(), awslc_*(): OpenSSL without FIPS mode, not AWS-LC: false. */
static int cfg_pred_false(struct cfg_cond *cc, const struct cfg_cond_pred *pred,
			  char args[][CFG_COND_ARG_SIZE], const char *at)
{
	return 0;
}

/* ssllib_name_startswith(<name>): the library's name is "OpenSSL". */
static int cfg_pred_ssllib(struct cfg_cond *cc, const struct cfg_cond_pred *pred,
			   char args[][CFG_COND_ARG_SIZE], const char *at)
{
	return strncmp("OpenSSL", args[0], strlen(args[0])) == 0;
}

/* openssl_version_atleast / _before(<a.b.c>): the running library's. */
static int cfg_pred_openssl(struct cfg_cond *cc, const struct cfg_cond_pred *pred,
			    char args[][CFG_COND_ARG_SIZE], const char *at)
{
	int cmp;

	if (cfg_version_cmp(tls_library_version_number(), args[0], &cmp))
		return cfg_cond_fail(cc, at, "invalid version '%s' in predicate '%s'", args[0], pred->name);
	if (strcmp(pred->name, "openssl_version_atleast") == 0)
		return cmp >= 0;
	return cmp < 0;
}

static const struct cfg_cond_pred cfg_cond_preds[] = {
	{ "defined",                 1, 1, cfg_pred_defined },
	{ "feature",                 1, 1, cfg_pred_feature },
	{ "streq",                   2, 2, cfg_pred_streq },
	{ "strneq",                  2, 2, cfg_pred_strneq },
	{ "strstr",                  2, 2, cfg_pred_strstr },
	{ "version_atleast",         1, 1, cfg_pred_version },
	{ "version_before",          1, 1, cfg_pred_version },
	{ "enabled",                 1, 1, cfg_pred_enabled },
	{ "fips_mode",               0, 0, cfg_pred_false },
	{ "ssllib_name_startswith",  1, 1, cfg_pred_ssllib },
	{ "openssl_version_atleast", 1, 1, cfg_pred_openssl },
	{ "openssl_version_before",  1, 1, cfg_pred_openssl },
	{ "awslc_api_atleast",       1, 1, cfg_pred_false },
	{ "awslc_api_before",        1, 1, cfg_pred_false },
};

/* Parses one predicate argument at cc->p into <arg>, stopping at an
 * unquoted ',' or ')'. Quotes and backslashes work as at the top level
 * (second level of quoting), except \#, \$ and \xNN. Returns 0 or -EINVAL.
 */
static int cfg_cond_arg(struct cfg_cond *cc, const struct cfg_cond_pred *pred, char *arg, int argn)
{
	const char *start = cc->p;
	size_t n = 0;
	int quote = 0;
	char c;

	while (1) {
		c = *cc->p;
		if (!c) {
			if (quote)
				return cfg_cond_fail(cc, start, "unmatched quote in argument %d of predicate '%s'", argn, pred->name);
			return cfg_cond_fail(cc, cc->p, "missing ')' after the arguments of predicate '%s'", pred->name);
		}
		if (!quote && (c == ',' || c == ')'))
			break;
		cc->p++;
		if (c == quote) {
			quote = 0;
			continue;
		}
		if (!quote && (c == '"' || c == '\'')) {
			quote = c;
			continue;
		}
		if (c == '\\' && quote != '\'' && *cc->p) {
			char e = *cc->p;
			int known = 1;

			if (e == 't')
				c = '\t';
			else if (e == 'n')
				c = '\n';
			else if (e == 'r')
				c = '\r';
			else if (e == '\\' || e == '\'' || e == '"' || e == ' ' || e == ',' || e == ')')
				c = e;
			else
				known = 0;       /* "\1" stays "\1" */
			if (known)
				cc->p++;
		}
		if (n + 1 >= CFG_COND_ARG_SIZE)
			return cfg_cond_fail(cc, start, "argument %d of predicate '%s' is too long (max %d bytes)",
					     argn, pred->name, CFG_COND_ARG_SIZE - 1);
		arg[n++] = c;
	}
	arg[n] = '\0';
	return 0;
}

static int cfg_cond_expr(struct cfg_cond *cc, int eval);

/* Parses (and if <eval>, evaluates) a predicate call at cc->p. */
static int cfg_cond_pred(struct cfg_cond *cc, int eval)
{
	char args[CFG_COND_MAX_ARGS][CFG_COND_ARG_SIZE];
	const struct cfg_cond_pred *pred = NULL;
	const char *at = cc->p;
	size_t len = 0;
	int nargs = 0;
	int ret;

	while (isalnum((unsigned char)at[len]) || at[len] == '_')
		len++;
	for (size_t k = 0; len && k < ARRAY_SIZE(cfg_cond_preds); k++) {
		if (strlen(cfg_cond_preds[k].name) == len && strncmp(cfg_cond_preds[k].name, at, len) == 0) {
			pred = &cfg_cond_preds[k];
			break;
		}
	}
	if (!pred) {
		if (!len)
			return cfg_cond_fail(cc, at, "unparsable conditional expression '%s'", at);
		return cfg_cond_fail(cc, at, "unknown predicate '%.*s' in conditional expression", (int)len, at);
	}
	cc->p += len;

	if (*cc->p == '(') {
		cc->p++;
		if (*cc->p == ')') {
			cc->p++;
		} else {
			while (1) {
				if (nargs >= pred->max_args)
					return cfg_cond_fail(cc, cc->p, "too many arguments to predicate '%s' (expects %d)",
							     pred->name, pred->max_args);
				ret = cfg_cond_arg(cc, pred, args[nargs], nargs + 1);
				if (ret)
					return ret;
				nargs++;
				if (*cc->p++ == ')')
					break;
			}
		}
	}
	if (nargs < pred->min_args)
		return cfg_cond_fail(cc, at, "missing arguments to predicate '%s' (got %d, expects %d)",
				     pred->name, nargs, pred->min_args);
	if (!eval)
		return 0;
	return pred->eval(cc, pred, args, at);
}

/* term := '!'* ( integer | '(' expr ')' | predicate ) */
static int cfg_cond_term(struct cfg_cond *cc, int eval)
{
	const char *at;
	char *end;
	int neg = 0;
	int ret;

	cfg_cond_skip_blanks(cc);
	while (*cc->p == '!') {
		neg = !neg;
		cc->p++;
		cfg_cond_skip_blanks(cc);
	}
	at = cc->p;

	if (!*at)
		return cfg_cond_fail(cc, at, "missing term at the end of conditional expression '%s'", cc->expr);

	if (isdigit((unsigned char)*at) ||
	    ((*at == '-' || *at == '+') && isdigit((unsigned char)at[1]))) {
		long long v = strtoll(at, &end, 0);

		cc->p = end;
		ret = v != 0;
	} else if (*at == '(') {
		if (++cc->depth > CFG_COND_MAX_DEPTH)
			return cfg_cond_fail(cc, at, "conditional expression nested too deeply (max %d levels)",
					     CFG_COND_MAX_DEPTH);
		cc->p++;
		ret = cfg_cond_expr(cc, eval);
		if (ret < 0)
			return ret;
		cfg_cond_skip_blanks(cc);
		if (*cc->p != ')')
			return cfg_cond_fail(cc, cc->p, "expected ')' after conditional expression '%s'", at);
		cc->p++;
		cc->depth--;
	} else {
		ret = cfg_cond_pred(cc, eval);
		if (ret < 0)
			return ret;
	}
	return eval ? ret ^ neg : 0;
}

/* and := term ( '&&' term )* */
static int cfg_cond_and(struct cfg_cond *cc, int eval)
{
	int val = cfg_cond_term(cc, eval);
	int r;

	while (val >= 0) {
		cfg_cond_skip_blanks(cc);
		if (cc->p[0] != '&' || cc->p[1] != '&')
			break;
		cc->p += 2;
		r = cfg_cond_term(cc, eval && val);
		if (r < 0)
			return r;
		val = val && r;
	}
	return val;
}

/* expr := and ( '||' and )* */
static int cfg_cond_expr(struct cfg_cond *cc, int eval)
{
	int val = cfg_cond_and(cc, eval);
	int r;

	while (val >= 0) {
		cfg_cond_skip_blanks(cc);
		if (cc->p[0] != '|' || cc->p[1] != '|')
			break;
		cc->p += 2;
		r = cfg_cond_and(cc, eval && !val);
		if (r < 0)
			return r;
		val = val || r;
	}
	return val;
}

int cfg_cond_eval(const char *expr, char *err, size_t errsz, int *errcol)
{
	struct cfg_cond cc = { .expr = expr, .p = expr, .err = err, .errsz = errsz };
	int ret;

	if (err && errsz)
		err[0] = '\0';
	if (errcol)
		*errcol = 0;

	cfg_cond_skip_blanks(&cc);
	if (!*cc.p)
		return 0;        /* empty: false */

	ret = cfg_cond_expr(&cc, 1);
	if (ret >= 0) {
		cfg_cond_skip_blanks(&cc);
		if (*cc.p)
			ret = cfg_cond_fail(&cc, cc.p, "unexpected character '%c' at the end of conditional expression '%s'",
					    *cc.p, expr);
	}
	if (ret < 0 && errcol)
		*errcol = cc.errcol;
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Conditional blocks                                                     */
/* ---------------------------------------------------------------------- */

enum {
	CFG_COND_TAKE = 0,           /* this branch is taken */
	CFG_COND_WAIT,               /* no branch taken yet: a later .elif/.else may be */
	CFG_COND_DONE,               /* a branch was taken, or the parent is dropped */
	CFG_COND_ELSE = 0x80,        /* flag: .else was seen at this level */
};

static int cfg_cond_err(char *err, size_t errsz, const char *fmt, ...) PRINTF_FMT(3, 4);

static int cfg_cond_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int cfg_cond_active(const struct cfg_cond_state *st)
{
	return st->depth == 0 || (st->lvl[st->depth].state & ~CFG_COND_ELSE) == CFG_COND_TAKE;
}

/* Joins args[1..argc-1] with single spaces and evaluates them. */
static int cfg_cond_eval_args(int argc, char **args, char *err, size_t errsz, int *errcol)
{
	char msg[CFG_ERR_SIZE];
	size_t len = 0, pos = 0;
	char *expr;
	int ret;

	for (int k = 1; k < argc; k++)
		len += strlen(args[k]) + 1;
	expr = malloc(len + 1);
	if (!expr)
		return cfg_cond_err(err, errsz, "out of memory while evaluating '%s'", args[0]);
	for (int k = 1; k < argc; k++) {
		size_t l = strlen(args[k]);

		if (k > 1)
			expr[pos++] = ' ';
		memcpy(expr + pos, args[k], l);
		pos += l;
	}
	expr[pos] = '\0';

	ret = cfg_cond_eval(expr, msg, sizeof(msg), errcol);
	if (ret < 0)
		cfg_cond_err(err, errsz, "%s in '%s' at position %d", msg, args[0], errcol ? *errcol : 0);
	free(expr);
	return ret;
}

int cfg_cond_line(struct cfg_cond_state *st, int argc, char **args, int line,
		  char *err, size_t errsz, int *errcol)
{
	unsigned char *state;
	int ret;

	if (errcol)
		*errcol = 0;
	if (argc < 1 || args[0][0] != '.')
		return 0;

	if (strcmp(args[0], ".if") == 0) {
		if (st->depth >= CFG_MAX_NESTING)
			return cfg_cond_err(err, errsz, "too many nested '.if', max is %d", CFG_MAX_NESTING);
		/* inside a dropped block, the condition is not even evaluated */
		if (!cfg_cond_active(st)) {
			st->depth++;
			st->lvl[st->depth].state = CFG_COND_DONE;
			st->lvl[st->depth].line = line;
			return 1;
		}
		ret = cfg_cond_eval_args(argc, args, err, errsz, errcol);
		if (ret < 0)
			return ret;
		st->depth++;
		st->lvl[st->depth].state = ret ? CFG_COND_TAKE : CFG_COND_WAIT;
		st->lvl[st->depth].line = line;
		return 1;
	}

	if (strcmp(args[0], ".elif") == 0) {
		if (!st->depth)
			return cfg_cond_err(err, errsz, "lone '.elif' with no matching '.if'");
		state = &st->lvl[st->depth].state;
		if (*state & CFG_COND_ELSE)
			return cfg_cond_err(err, errsz, "'.elif' after '.else' is not permitted");
		if (*state != CFG_COND_WAIT) {
			*state = CFG_COND_DONE;
			return 1;
		}
		ret = cfg_cond_eval_args(argc, args, err, errsz, errcol);
		if (ret < 0)
			return ret;
		*state = ret ? CFG_COND_TAKE : CFG_COND_WAIT;
		return 1;
	}

	if (strcmp(args[0], ".else") == 0 || strcmp(args[0], ".endif") == 0) {
		if (argc > 1)
			return cfg_cond_err(err, errsz, "unexpected argument '%s' for '%s'", args[1], args[0]);
		if (!st->depth)
			return cfg_cond_err(err, errsz, "lone '%s' with no matching '.if'", args[0]);
		if (args[0][1] == 'e' && args[0][2] == 'n') {   /* .endif */
			st->depth--;
			return 1;
		}
		state = &st->lvl[st->depth].state;
		if (*state & CFG_COND_ELSE)
			return cfg_cond_err(err, errsz, "'.else' after '.else' is not permitted");
		*state = (*state == CFG_COND_WAIT ? CFG_COND_TAKE : CFG_COND_DONE) | CFG_COND_ELSE;
		return 1;
	}
	return 0;
}

int cfg_cond_finish(const struct cfg_cond_state *st, char *err, size_t errsz)
{
	if (!st->depth)
		return 0;
	return cfg_cond_err(err, errsz, "non-terminated '.if' block opened at line %d",
			    st->lvl[st->depth].line);
}

__attribute__((constructor)) static void cfg_cond_register(void)
{
	for (size_t k = 0; k < ARRAY_SIZE(cfg_builtin_features); k++) {
		if (!strcmp(cfg_builtin_features[k].name, "HAVE_WORKING_TCP_MD5SIG"))
			cfg_builtin_features[k].present = sock_md5sig_works();
		cfg_register_feature(&cfg_builtin_features[k]);
	}
}
