/*
 * ACLs and conditions (include/tollgate/acl.h): named and anonymous tests
 * of samples against pattern sets (patset.c), combined by conditions.
 * See the header for the principles and contracts.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/errmsg.h>
#include <tollgate/acl.h>
#include <tollgate/maps.h>
#include <tollgate/patset.h>
#include <tollgate/sample.h>

/* One test: a sample expression, a method and its patterns. */
struct acl_expr {
	struct list list;                      /* in acl->exprs */
	struct sample_expr *smp;               /* what to fetch */
	int match;                             /* enum pat_match, final once <pats> exists */
	int dotted;                            /* INT patterns are versions "M[.m]" */
	struct acl_pats *pats;                 /* pattern references: "-f" files, then its own */
	unsigned int nb_pats;                  /* their number */
};

/* One pattern reference of a test (maps.h) and the set it matches in. */
struct acl_pats {
	struct pat_ref *ref;
	int set;
};

struct acl {
	struct list list;                      /* in the acl_list, or the cond's anonymous list */
	char *name;                            /* name, "anonymous" for { } */
	struct list exprs;                     /* struct acl_expr, ORed */
};

struct acl_term {
	struct acl *acl;                       /* tested ACL */
	int neg;                               /* 1 if negated with '!' */
};

struct acl_suite {
	struct acl_term *terms;                /* ANDed terms */
	unsigned int nb;                       /* number of terms */
};

struct acl_cond {
	int unless;                            /* 1 for "unless": result inverted */
	struct acl_suite *suites;              /* ORed suites */
	unsigned int nb_suites;                /* number of suites */
	struct list anon;                      /* anonymous ACLs owned by the condition */
};

/* ---- helpers ---- */

/* Prefixes the message in *<err> with the formatted text. */
static void PRINTF_FMT(2, 3) acl_err_prefix(char **err, const char *fmt, ...)
{
	char *pfx = NULL, *msg;
	va_list ap;

	if (!err || !*err)
		return;
	va_start(ap, fmt);
	if (vasprintf(&pfx, fmt, ap) < 0)
		pfx = NULL;
	va_end(ap);
	if (pfx && asprintf(&msg, "%s%s", pfx, *err) >= 0) {
		free(*err);
		*err = msg;
	}
	free(pfx);
}

/* ---- ACL evaluation ---- */

/* Evaluates one test, trying every value of a multi-valued fetch. */
static enum acl_res acl_expr_eval(const struct acl_expr *expr, const struct sample_ctx *ctx)
{
	struct sample_ctx actx;
	struct sample smp;
	unsigned int may_change = 0;
	int got;

	if (expr->smp->fetch->kw_flags & SMP_KW_ACL_CTX) {
		actx = *ctx;
		actx.opt |= SMP_OPT_ACL;
		ctx = &actx;
	}
	got = sample_eval(expr->smp, ctx, &smp);

	for (;;) {
		for (unsigned int i = 0; got && i < expr->nb_pats; i++)
			if (pat_ref_match(expr->pats[i].ref, expr->pats[i].set, &smp) >= 0)
				return ACL_PASS;
		may_change |= smp.flags & SMP_F_MAY_CHANGE;
		if (!(smp.flags & SMP_F_NOT_LAST))
			break;
		got = sample_eval_next(expr->smp, ctx, &smp);
	}
	return may_change && !(ctx->opt & SMP_OPT_FINAL) ? ACL_MISS : ACL_FAIL;
}

enum acl_res acl_eval(const struct acl *acl, const struct sample_ctx *ctx)
{
	const struct acl_expr *expr;
	enum acl_res res = ACL_FAIL;

	list_for_each(expr, &acl->exprs, list) {
		enum acl_res r = acl_expr_eval(expr, ctx);

		if (r == ACL_PASS)
			return ACL_PASS;
		if (r == ACL_MISS)
			res = ACL_MISS;
	}
	return res;
}

int acl_exec(const struct acl *acl, const struct sample_ctx *ctx)
{
	return acl_eval(acl, ctx) == ACL_PASS;
}

/* ---- ACL parsing ---- */

static void acl_free_expr(struct acl_expr *expr)
{
	if (!expr)
		return;
	sample_free_expr(expr->smp);
	for (unsigned int i = 0; i < expr->nb_pats; i++)
		pat_ref_release(expr->pats[i].ref);
	free(expr->pats);
	free(expr);
}

/* Returns the integer operator named <w> (PAT_OP_*), or -1. */
static int acl_get_op(const char *w)
{
	static const char *const ops[] = { "eq", "ge", "gt", "le", "lt" };

	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (strcmp(w, ops[i]) == 0)
			return i;
	return -1;
}

/* Makes <ref> (whose reference the caller holds) a pattern reference of
 * <expr>, used with <icase>; releases it on failure.
 */
static int acl_add_ref(struct acl_expr *expr, struct pat_ref *ref, int icase, char **err)
{
	struct acl_pats *p = realloc(expr->pats, (expr->nb_pats + 1) * sizeof(*p));
	int set;

	if (!p) {
		pat_ref_release(ref);
		return err_set(err, "out of memory"), -ENOMEM;
	}
	expr->pats = p;
	set = pat_ref_use(ref, expr->match, icase ? PAT_F_ICASE : 0,
			  expr->dotted ? PATSET_F_DOTTED : 0, err);
	if (set < 0) {
		pat_ref_release(ref);
		return set;
	}
	p[expr->nb_pats].ref = ref;
	p[expr->nb_pats++].set = set;
	return 0;
}

/* Loads the patterns of <path> into <expr> (shared with the other tests
 * loading it the same way); with <map>, only the first word of each line.
 * Errors name <path>:<line>.
 */
static int acl_load_file(struct acl_expr *expr, const char *path, int icase, int map,
			 char **err)
{
	struct pat_ref *ref;
	int ret = pat_ref_get_file(path, PAT_REF_ACL, map, &ref, err);

	return ret < 0 ? ret : acl_add_ref(expr, ref, icase, err);
}

/* The text HAProxy stores for an integer pattern <v> after operator <op>:
 * the range it stands for ("gt 3" is "4:"), in <buf>. Returns <buf>, or
 * NULL to keep the text and the operator (dotted versions, bounds).
 */
static const char *acl_op_range(int op, const char *v, char *buf, size_t size)
{
	int64_t n;

	if (op == PAT_OP_EQ || pat_parse_int(v, strlen(v), &n) < 0 ||
	    (op == PAT_OP_GT && n == INT64_MAX) || (op == PAT_OP_LT && n == INT64_MIN))
		return NULL;
	if (op == PAT_OP_GT || op == PAT_OP_GE)
		snprintf(buf, size, "%lld:", (long long)(op == PAT_OP_GT ? n + 1 : n));
	else
		snprintf(buf, size, ":%lld", (long long)(op == PAT_OP_LT ? n - 1 : n));
	return buf;
}

/* Default method for an expression of declared type <type>, or -1. */
static int acl_default_match(int type)
{
	switch (type) {
	case SMP_T_BOOL: return PAT_MATCH_BOOL;
	case SMP_T_SINT: return PAT_MATCH_INT;
	case SMP_T_ADDR:
	case SMP_T_IPV4:
	case SMP_T_IPV6: return PAT_MATCH_IP;
	case SMP_T_STR:  return PAT_MATCH_STR;
	case SMP_T_BIN:  return PAT_MATCH_BIN;    /* req.payload: hex blocks */
	default:         return -1;
	}
}

/* Parses the criterion <crit> into <expr>->smp; sets *<implied> to the
 * method implied by a derived keyword ("path_beg"), or -1.
 */
static int acl_parse_criterion(const char *crit, struct acl_expr *expr, int *implied, char **err)
{
	static const char *const suffixes[] = { "beg", "end", "sub", "dir", "dom", "reg", "len" };
	size_t nlen = strcspn(crit, "(,");
	const char *us;
	char *text;
	int ret;

	*implied = -1;
	if (sample_find_fetch(crit, nlen))
		return sample_parse_expr(crit, 0, &expr->smp, err);

	/* HAProxy's derived ACL keywords: <fetch>_<method> */
	us = memrchr(crit, '_', nlen);
	if (us && sample_find_fetch(crit, us - crit)) {
		for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
			if ((size_t)(crit + nlen - us - 1) != strlen(suffixes[i]) ||
			    strncmp(us + 1, suffixes[i], strlen(suffixes[i])) != 0)
				continue;
			if (asprintf(&text, "%.*s%s", (int)(us - crit), crit, crit + nlen) < 0)
				return err_set(err, "out of memory parsing '%s'", crit), -ENOMEM;
			ret = sample_parse_expr(text, 0, &expr->smp, err);
			free(text);
			/* with converters, the output type decides, not the keyword */
			if (!ret && !expr->smp->nb_convs)
				*implied = pat_match_find(suffixes[i]);
			return ret;
		}
	}
	/* let the sample parser report it, with its suggestion */
	return sample_parse_expr(crit, 0, &expr->smp, err);
}

/* Parses "<criterion> [flags] [operator] [values...]" (<argc> words) into a
 * new test *<out>.
 */
static int acl_parse_expr(int argc, char **args, struct acl_expr **out, char **err)
{
	struct acl_expr *expr;
	int implied, forced = 0, loaded = 0, icase = 0, map = 0, op = PAT_OP_EQ, ret = 0, i;
	struct pat_ref *anon;

	if (argc < 1 || !*args[0])
		return err_set(err, "missing criterion (a sample fetch)");
	expr = calloc(1, sizeof(*expr));
	if (!expr)
		return err_set(err, "out of memory"), -ENOMEM;
	list_init(&expr->list);
	ret = acl_parse_criterion(args[0], expr, &implied, err);
	if (ret < 0)
		goto out_free;
	expr->match = implied >= 0 ? implied : acl_default_match(expr->smp->out_type);
	/* the keyword's own patterns (req.ssl_ver 3.1), not a converter's output */
	expr->dotted = implied < 0 && !expr->smp->nb_convs && (expr->smp->fetch->kw_flags & SMP_KW_DOTTED_VER);

	for (i = 1; i < argc && args[i][0] == '-'; i++) {
		const char *f = args[i];

		if (strcmp(f, "--") == 0) {
			i++;
			break;
		} else if (strcmp(f, "-i") == 0) {
			icase = 1;
		} else if (strcmp(f, "-n") == 0) {
			/* never resolving names, there is nothing to forbid */
		} else if (strcmp(f, "-M") == 0) {
			map = 1;
		} else if (strcmp(f, "-u") == 0) {
			int64_t id;

			if (i + 1 >= argc || pat_parse_int(args[i + 1], strlen(args[i + 1]), &id) < 0) {
				ret = err_set(err, "'-u' expects an integer id");
				goto out_free;
			}
			i++;
		} else if (strcmp(f, "-m") == 0) {
			int m;

			if (i + 1 >= argc) {
				ret = err_set(err, "'-m' expects a matching method (found, bool, int, ip, bin, len, str, beg, end, sub, dir, dom, reg)");
				goto out_free;
			}
			if (loaded) {
				ret = err_set(err, "'-m' must be given before '-f'");
				goto out_free;
			}
			if (forced) {
				ret = err_set(err, "only one '-m' matching method may be given");
				goto out_free;
			}
			m = pat_match_find(args[i + 1]);
			if (m < 0) {
				ret = err_set(err, "unknown matching method '%s' (expected found, bool, int, ip, bin, len, str, beg, end, sub, dir, dom or reg)",
					      args[i + 1]);
				goto out_free;
			}
			if (m != PAT_MATCH_FOUND && !sample_can_cast(expr->smp->out_type, pat_match_type(m))) {
				ret = err_set(err, "matching method '%s' cannot be used with '%s', which returns %s",
					      args[i + 1], args[0], sample_type_name(expr->smp->out_type));
				goto out_free;
			}
			expr->match = m;
			expr->dotted = 0;   /* -m int: plain integers */
			forced = 1;
			i++;
		} else if (strcmp(f, "-f") == 0) {
			if (i + 1 >= argc) {
				ret = err_set(err, "'-f' expects a file name");
				goto out_free;
			}
			if (expr->match < 0) {
				ret = err_set(err, "'%s' returns %s: a matching method must be given with '-m' before '-f'",
					      args[0], sample_type_name(expr->smp->out_type));
				goto out_free;
			}
			ret = acl_load_file(expr, args[i + 1], icase, map, err);
			if (ret < 0)
				goto out_free;
			loaded = 1;
			i++;
		} else {
			ret = err_set(err, "'%s' is not a valid ACL flag (use '--' before a pattern beginning with '-')", f);
			goto out_free;
		}
	}
	if (expr->match < 0) {
		ret = err_set(err, "'%s' returns %s: a matching method must be given with '-m'",
			      args[0], sample_type_name(expr->smp->out_type));
		goto out_free;
	}
	/* its own patterns, as HAProxy an anonymous reference even if none */
	anon = pat_ref_new_anon(args[0], strcspn(args[0], "(,"));
	if (!anon) {
		ret = err_set(err, "out of memory");
		goto out_free;
	}
	for (; i < argc && ret == 0; i++) {
		char range[48];
		const char *text = args[i];

		if (expr->match == PAT_MATCH_INT || expr->match == PAT_MATCH_LEN) {
			int o = acl_get_op(args[i]);

			if (o >= 0) {
				op = o;
				continue;
			}
			if (!expr->dotted && (text = acl_op_range(op, args[i], range, sizeof(range))))
				ret = pat_ref_add_pattern(anon, text, PAT_OP_EQ, err);
			else
				ret = pat_ref_add_pattern(anon, args[i], op, err);
			continue;
		}
		ret = pat_ref_add_pattern(anon, text, PAT_OP_EQ, err);
	}
	if (ret < 0) {
		pat_ref_release(anon);
		goto out_free;
	}
	ret = acl_add_ref(expr, anon, icase, err);
	if (ret < 0)
		goto out_free;
	*out = expr;
	return 0;

 out_free:
	acl_free_expr(expr);
	return ret;
}

static struct acl *acl_new(const char *name)
{
	struct acl *acl = calloc(1, sizeof(*acl));

	if (!acl)
		return NULL;
	acl->name = strdup(name);
	if (!acl->name) {
		free(acl);
		return NULL;
	}
	list_init(&acl->list);
	list_init(&acl->exprs);
	return acl;
}

static void acl_free(struct acl *acl)
{
	struct acl_expr *expr, *back;

	list_for_each_safe(expr, back, &acl->exprs, list) {
		list_del_init(&expr->list);
		acl_free_expr(expr);
	}
	free(acl->name);
	free(acl);
}

void acl_list_init(struct acl_list *list)
{
	list_init(&list->head);
	list->names = (struct name_idx)NAME_IDX_INIT;
}

void acl_list_deinit(struct acl_list *list)
{
	struct acl *acl, *back;

	list_for_each_safe(acl, back, &list->head, list) {
		list_del_init(&acl->list);
		acl_free(acl);
	}
	name_idx_deinit(&list->names);
}

struct acl *acl_find(const struct acl_list *list, const char *name)
{
	return name_idx_get(&list->names, name);
}

/* Returns 1 if <name> is a valid ACL name: letters, digits, - _ . : */
static int acl_valid_name(const char *name)
{
	if (!*name)
		return 0;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && !strchr("-_.:", *name))
			return 0;
	return 1;
}

int acl_parse_line(struct acl_list *list, int argc, char **args, char **err)
{
	struct acl_expr *expr;
	struct acl *acl;
	int ret;

	if (argc < 2 || !*args[1])
		return err_set(err, "missing ACL name");
	if (!acl_valid_name(args[1]))
		return err_set(err, "invalid ACL name '%s': only letters, digits, '-', '_', '.' and ':' are allowed",
			       args[1]);
	if (argc < 3)
		return err_set(err, "ACL '%s': missing criterion (a sample fetch)", args[1]);
	ret = acl_parse_expr(argc - 2, args + 2, &expr, err);
	if (ret < 0) {
		acl_err_prefix(err, "ACL '%s': ", args[1]);
		return ret;
	}
	acl = acl_find(list, args[1]);
	if (!acl) {
		acl = acl_new(args[1]);
		if (!acl || name_idx_add(&list->names, acl->name, acl) < 0) {
			if (acl)
				acl_free(acl);
			acl_free_expr(expr);
			return err_set(err, "out of memory creating ACL '%s'", args[1]), -ENOMEM;
		}
		list_append(&list->head, &acl->list);
	}
	list_append(&acl->exprs, &expr->list);
	return 0;
}

/* ---- built-in ACLs ---- */

static const struct {
	const char *name;              /* ACL name */
	const char *words[4];          /* criterion and patterns, NULL-ended */
} acl_builtins[] = {
	{ "TRUE",           { "always_true" } },
	{ "FALSE",          { "always_false" } },
	{ "LOCALHOST",      { "src", "127.0.0.1/8", "::1" } },
	{ "HTTP",           { "req.proto_http" } },
	{ "HTTP_1.0",       { "req.ver", "1.0" } },
	{ "HTTP_1.1",       { "req.ver", "1.1" } },
	{ "HTTP_2.0",       { "req.ver", "2.0" } },
	{ "HTTP_3.0",       { "req.ver", "3.0" } },
	{ "METH_CONNECT",   { "method", "CONNECT" } },
	{ "METH_DELETE",    { "method", "DELETE" } },
	{ "METH_GET",       { "method", "GET", "HEAD" } },
	{ "METH_HEAD",      { "method", "HEAD" } },
	{ "METH_OPTIONS",   { "method", "OPTIONS" } },
	{ "METH_POST",      { "method", "POST" } },
	{ "METH_PUT",       { "method", "PUT" } },
	{ "METH_TRACE",     { "method", "TRACE" } },
	{ "HTTP_URL_ABS",   { "url_reg", "^[^/:]*://" } },
	{ "HTTP_URL_SLASH", { "url_beg", "/" } },
	{ "HTTP_URL_STAR",  { "url", "*" } },
	{ "HTTP_CONTENT",   { "req.hdr_val(content-length)", "gt", "0" } },
	{ "RDP_COOKIE",     { "req.rdp_cookie_cnt", "gt", "0" } },
	{ "REQ_CONTENT",    { "req.len", "gt", "0" } },
	{ "WAIT_END",       { "wait_end" } },
};

/* Instantiates the built-in ACL <name> into <named>. Returns it, or NULL
 * with *<err> set to "no such ACL" (<err> untouched if <name> is not a
 * built-in, so the caller can suggest a name) or the parse error.
 */
static struct acl *acl_builtin(struct acl_list *named, const char *name, int *known, char **err)
{
	struct acl_expr *expr;
	struct acl *acl;
	int argc = 0;

	*known = 0;
	for (size_t i = 0; i < ARRAY_SIZE(acl_builtins); i++) {
		if (strcmp(acl_builtins[i].name, name) != 0)
			continue;
		*known = 1;
		while (argc < 4 && acl_builtins[i].words[argc])
			argc++;
		if (acl_parse_expr(argc, (char **)acl_builtins[i].words, &expr, err) < 0) {
			acl_err_prefix(err, "built-in ACL '%s' is not available here: ", name);
			return NULL;
		}
		acl = acl_new(name);
		if (!acl) {
			acl_free_expr(expr);
			err_set(err, "out of memory creating ACL '%s'", name);
			return NULL;
		}
		list_append(&acl->exprs, &expr->list);
		list_append(&named->head, &acl->list);
		return acl;
	}
	return NULL;
}

/* ---- conditions ---- */

void cond_free(struct acl_cond *cond)
{
	struct acl *acl, *back;

	if (!cond)
		return;
	for (unsigned int i = 0; i < cond->nb_suites; i++)
		free(cond->suites[i].terms);
	free(cond->suites);
	list_for_each_safe(acl, back, &cond->anon, list) {
		list_del_init(&acl->list);
		acl_free(acl);
	}
	free(cond);
}

/* Appends the term (<acl>, <neg>) to the last suite of <cond>, opening a
 * suite if <new_suite>.
 */
static int cond_add_term(struct acl_cond *cond, int new_suite, struct acl *acl, int neg)
{
	struct acl_suite *suite;
	struct acl_term *terms;

	if (new_suite) {
		suite = realloc(cond->suites, (cond->nb_suites + 1) * sizeof(*suite));
		if (!suite)
			return -ENOMEM;
		cond->suites = suite;
		cond->suites[cond->nb_suites].terms = NULL;
		cond->suites[cond->nb_suites].nb = 0;
		cond->nb_suites++;
	}
	suite = &cond->suites[cond->nb_suites - 1];
	terms = realloc(suite->terms, (suite->nb + 1) * sizeof(*terms));
	if (!terms)
		return -ENOMEM;
	suite->terms = terms;
	terms[suite->nb].acl = acl;
	terms[suite->nb].neg = neg;
	suite->nb++;
	return 0;
}

/* Sets *<err> for the unknown ACL <word>, suggesting a known name. */
static void cond_unknown(const struct acl_list *named, const char *word, char **err)
{
	const char *best = NULL;
	unsigned int bestd = UINT_MAX, d;
	struct acl *acl;

	if (word[0] == '{' || word[strlen(word) - 1] == '}') {
		err_set(err, "unknown ACL '%s' (braces of an anonymous ACL must be separate words: '{ fetch values }')",
			word);
		return;
	}
	list_for_each(acl, &named->head, list)
		if ((d = sample_name_distance(word, acl->name)) < bestd) {
			bestd = d;
			best = acl->name;
		}
	for (size_t i = 0; i < ARRAY_SIZE(acl_builtins); i++)
		if ((d = sample_name_distance(word, acl_builtins[i].name)) < bestd) {
			bestd = d;
			best = acl_builtins[i].name;
		}
	if (best && (bestd <= 2 || bestd * 3 <= strlen(word)))
		err_set(err, "unknown ACL '%s' (did you mean '%s'?)", word, best);
	else
		err_set(err, "unknown ACL '%s'", word);
}

struct acl_cond *cond_parse(struct acl_list *named, int argc, char **args,
			    int *consumed, char **err)
{
	struct acl_cond *cond;
	int neg = 0, new_suite = 1, i;

	if (argc < 1 || (strcmp(args[0], "if") != 0 && strcmp(args[0], "unless") != 0)) {
		err_set(err, "conditions must start with either 'if' or 'unless'");
		return NULL;
	}
	cond = calloc(1, sizeof(*cond));
	if (!cond) {
		err_set(err, "out of memory parsing a condition");
		return NULL;
	}
	list_init(&cond->anon);
	cond->unless = args[0][0] == 'u';

	for (i = 1; i < argc; i++) {
		const char *word = args[i];
		struct acl *acl;

		while (*word == '!') {
			neg = !neg;
			word++;
		}
		if (!*word)
			continue;   /* a lone '!' applies to the next word */

		if (strcmp(word, "||") == 0 || strcasecmp(word, "or") == 0) {
			if (new_suite || neg) {
				err_set(err, "'%s' must be between two terms", word);
				goto out_free;
			}
			new_suite = 1;
			continue;
		}
		if (strcmp(word, "}") == 0) {
			err_set(err, "unexpected '}' without a matching '{'");
			goto out_free;
		}
		if (strcmp(word, "{") == 0) {
			struct acl_expr *expr;
			int end = i + 1;

			while (end < argc && strcmp(args[end], "}") != 0)
				end++;
			if (end == argc) {
				err_set(err, "missing closing '}' in condition");
				goto out_free;
			}
			if (end == i + 1) {
				err_set(err, "empty anonymous ACL '{ }'");
				goto out_free;
			}
			if (acl_parse_expr(end - i - 1, args + i + 1, &expr, err) < 0) {
				acl_err_prefix(err, "in anonymous ACL: ");
				goto out_free;
			}
			acl = acl_new("anonymous");
			if (!acl) {
				acl_free_expr(expr);
				err_set(err, "out of memory parsing a condition");
				goto out_free;
			}
			list_append(&acl->exprs, &expr->list);
			list_append(&cond->anon, &acl->list);
			i = end;
		} else {
			acl = acl_find(named, word);
			if (!acl) {
				int known;

				acl = acl_builtin(named, word, &known, err);
				if (!acl) {
					if (!known)
						cond_unknown(named, word, err);
					goto out_free;
				}
			}
		}
		if (cond_add_term(cond, new_suite, acl, neg) < 0) {
			err_set(err, "out of memory parsing a condition");
			goto out_free;
		}
		new_suite = 0;
		neg = 0;
	}
	if (!cond->nb_suites) {
		err_set(err, "missing condition after '%s'", args[0]);
		goto out_free;
	}
	if (new_suite || neg) {
		err_set(err, "condition ends with '%s' without a term after it", args[argc - 1]);
		goto out_free;
	}
	if (consumed)
		*consumed = argc;
	return cond;

 out_free:
	cond_free(cond);
	return NULL;
}

enum acl_res cond_eval(const struct acl_cond *cond, const struct sample_ctx *ctx)
{
	enum acl_res res = ACL_FAIL;

	for (unsigned int s = 0; s < cond->nb_suites && res != ACL_PASS; s++) {
		const struct acl_suite *suite = &cond->suites[s];
		enum acl_res sres = ACL_PASS;

		for (unsigned int t = 0; t < suite->nb; t++) {
			enum acl_res r = acl_eval(suite->terms[t].acl, ctx);

			if (r != ACL_MISS && suite->terms[t].neg)
				r = r == ACL_PASS ? ACL_FAIL : ACL_PASS;
			if (r == ACL_FAIL) {
				sres = ACL_FAIL;
				break;
			}
			if (r == ACL_MISS)
				sres = ACL_MISS;
		}
		if (sres == ACL_PASS || (sres == ACL_MISS && res == ACL_FAIL))
			res = sres;
	}
	if (cond->unless && res != ACL_MISS)
		res = res == ACL_PASS ? ACL_FAIL : ACL_PASS;
	return res;
}

int cond_exec(const struct acl_cond *cond, const struct sample_ctx *ctx)
{
	return cond_eval(cond, ctx) == ACL_PASS;
}

/* Returns 1 if none of <acl>'s tests can fetch at <where>, setting *<kw>
 * to the first test's fetch name: such an ACL never matches there.
 */
static int acl_unusable(const struct acl *acl, unsigned int where, const char **kw)
{
	const struct acl_expr *expr;

	*kw = NULL;
	list_for_each(expr, &acl->exprs, list) {
		if (!(where & ~expr->smp->use))
			return 0;
		if (!*kw)
			*kw = expr->smp->fetch->name;
	}
	return *kw != NULL;
}

int cond_check_use(const struct acl_cond *cond, unsigned int where, const char *rule,
                   const char *place, char **err)
{
	char in[96] = "";

	if (rule)
		snprintf(in, sizeof(in), " in '%s'", rule);
	for (unsigned int s = 0; s < cond->nb_suites; s++) {
		for (unsigned int t = 0; t < cond->suites[s].nb; t++) {
			const struct acl *acl = cond->suites[s].terms[t].acl;
			const struct acl *a;
			const char *kw;
			int anonymous = 0;

			if (!acl_unusable(acl, where, &kw))
				continue;
			list_for_each(a, &cond->anon, list)
				anonymous |= a == acl;
			if (anonymous)
				return err_set(err, "anonymous acl will never match%s because it uses keyword '%s' "
					       "which is incompatible with '%s'", in, kw, place);
			return err_set(err, "acl '%s' will never match%s because it only involves keywords "
				       "that are incompatible with '%s'", acl->name, in, place);
		}
	}
	return 0;
}

/* ---- the acl() fetch ---- */

/* Named ACLs of the proxy section being parsed (configuration time only,
 * one thread), for acl(); NULL outside proxy sections.
 */
static struct acl_list *acl_scope;

void acl_set_parse_scope(struct acl_list *list)
{
	acl_scope = list;
}

#define ACL_FETCH_MAX 5   /* names in one acl() */

struct acl_fetch_terms {
	unsigned int nb;                       /* terms */
	struct {
		const struct acl *acl;         /* resolved ACL */
		int neg;                       /* written "!name" */
	} t[ACL_FETCH_MAX];
};

/* acl(<name>[,<name>...]): resolves each name (a leading '!' negates it)
 * among the ACLs of the proxy being parsed and the built-in ones, and
 * replaces args[0] by the resolved terms.
 */
static int smp_acl_check(struct sample_arg *args, char **err)
{
	struct acl_fetch_terms *terms;

	if (!acl_scope)
		return err_set(err, "acl() is only available in proxy sections");
	terms = calloc(1, sizeof(*terms));
	if (!terms)
		return err_set(err, "out of memory");
	for (int i = 0; i < ACL_FETCH_MAX && args[i].type == SMP_ARGT_STR; i++) {
		const char *name = args[i].data.str.ptr;
		struct acl *acl;
		int neg = *name == '!', known;

		name += neg;
		acl = acl_find(acl_scope, name);
		if (!acl)
			acl = acl_builtin(acl_scope, name, &known, err);
		if (!acl) {
			if (err && !*err)
				err_set(err, "no such ACL: '%s'", name);
			free(terms);
			return -EINVAL;
		}
		terms->t[terms->nb].acl = acl;
		terms->t[terms->nb++].neg = neg;
	}
	free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_OBJ;
	args[0].data.obj.ptr = terms;
	args[0].data.obj.free = free;
	return 0;
}

/* True if every term holds (HAProxy's AND of the listed ACLs). */
static int smp_acl(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct acl_fetch_terms *terms = args[0].data.obj.ptr;
	int ok = 1;

	for (unsigned int i = 0; i < terms->nb && ok; i++)
		ok = acl_exec(terms->t[i].acl, ctx) != terms->t[i].neg;
	sample_set_bool(smp, ok);
	return 1;
}

static struct sample_fetch_kw_list acl_fetch_list = { .kw = {
	{ "acl", smp_acl, SMP_ARG5(1, STR, STR, STR, STR, STR), smp_acl_check, SMP_T_BOOL, SMP_USE_ANY },
	{ NULL, NULL, 0, NULL, 0, 0 },
} };

__attribute__((constructor)) static void acl_register_fetch(void)
{
	sample_register_fetches(&acl_fetch_list);
}
