/*
 * Configuration lexer: splits one line into words with HAProxy's rules
 * (its configuration manual, sections 2.2 and 2.3). See cfg.h for the
 * contract and doc/internals/cfg.md for the rules and the differences.
 *
 * A pure function: no global state, no allocation, never reads past the
 * length it is given, writes only into the caller's buffers.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg.h>

#define CFG_LEX_VARNAME_MAX 256      /* longest environment variable name */

/* The lexer's state while it walks one line. */
struct cfg_lex {
	const char *line;            /* the line */
	size_t len;                  /* its length */
	size_t i;                    /* read position in <line> */
	struct cfg_lex_out *out;     /* the caller's buffers */
	size_t o;                    /* write position in out->buf */
	int nwords;                  /* words completed or open */
	int in_word;                 /* 1 while a word is open (words[nwords] set) */
	int tok_col;                 /* 1-based column where the current token started */
};

/* Fills out->err/errcol and returns <ret>. */
static int cfg_lex_fail(struct cfg_lex *lx, int ret, size_t pos, const char *fmt, ...)
	PRINTF_FMT(4, 5);

static int cfg_lex_fail(struct cfg_lex *lx, int ret, size_t pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lx->out->err, sizeof(lx->out->err), fmt, ap);
	va_end(ap);
	lx->out->errcol = (int)pos + 1;
	return ret;
}

/* Returns 1 for the characters HAProxy treats as word separators. */
static inline int cfg_lex_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* Returns 1 for the characters that end a line. */
static inline int cfg_lex_eol(int c)
{
	return c == '\n' || c == '\r';
}

/* Opens a word at column <col> unless one is open. Returns 0 or -E2BIG. */
static int cfg_lex_begin(struct cfg_lex *lx, int col)
{
	if (lx->in_word)
		return 0;
	if (lx->nwords >= lx->out->maxwords)
		return cfg_lex_fail(lx, -E2BIG, (size_t)col - 1,
				    "too many words, max is %d", lx->out->maxwords);
	if (lx->o >= lx->out->bufsz)
		return cfg_lex_fail(lx, -ENOSPC, (size_t)col - 1, "output buffer too small");
	lx->out->words[lx->nwords] = lx->out->buf + lx->o;
	if (lx->out->cols)
		lx->out->cols[lx->nwords] = col;
	lx->in_word = 1;
	return 0;
}

/* Closes the open word, if any. Returns 0 or -ENOSPC. */
static int cfg_lex_end(struct cfg_lex *lx)
{
	if (!lx->in_word)
		return 0;
	if (lx->o >= lx->out->bufsz)
		return cfg_lex_fail(lx, -ENOSPC, lx->i, "output buffer too small");
	lx->out->buf[lx->o++] = '\0';
	lx->nwords++;
	lx->in_word = 0;
	return 0;
}

/* Appends <c> to the current word, opening one at column <col> if needed.
 * Keeps room for the word's NUL. Returns 0, -E2BIG or -ENOSPC.
 */
static int cfg_lex_put(struct cfg_lex *lx, char c, int col)
{
	int ret = cfg_lex_begin(lx, col);

	if (ret)
		return ret;
	if (lx->o + 1 >= lx->out->bufsz)
		return cfg_lex_fail(lx, -ENOSPC, lx->i, "output buffer too small");
	lx->out->buf[lx->o++] = c;
	return 0;
}

static int cfg_lex_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Handles the backslash at lx->i, outside single quotes; <dquote> tells
 * whether it is inside double quotes. Unknown sequences keep the backslash
 * (HAProxy: "\1" stays "\1"). Returns 0 or a negative error.
 */
static int cfg_lex_escape(struct cfg_lex *lx, int dquote)
{
	size_t i = lx->i;
	int col = lx->tok_col;
	int next = i + 1 < lx->len ? (unsigned char)lx->line[i + 1] : -1;
	int h1, h2;

	switch (next) {
	case ' ':
	case '\\':
	case '#':
	case '\'':
	case '"':
		lx->i += 2;
		return cfg_lex_put(lx, (char)next, col);
	case 't':
		lx->i += 2;
		return cfg_lex_put(lx, '\t', col);
	case 'n':
		lx->i += 2;
		return cfg_lex_put(lx, '\n', col);
	case 'r':
		lx->i += 2;
		return cfg_lex_put(lx, '\r', col);
	case '$':
		/* "\$" only means "$" inside double quotes; outside, where
		 * '$' is not special, HAProxy keeps both characters.
		 */
		if (dquote) {
			lx->i += 2;
			return cfg_lex_put(lx, '$', col);
		}
		break;
	case 'x':
		h1 = i + 2 < lx->len ? cfg_lex_hex((unsigned char)lx->line[i + 2]) : -1;
		h2 = i + 3 < lx->len ? cfg_lex_hex((unsigned char)lx->line[i + 3]) : -1;
		if (h1 < 0 || h2 < 0)
			return cfg_lex_fail(lx, -EINVAL, i, "truncated or invalid hexadecimal sequence at position %zu", i + 1);
		if (!h1 && !h2)
			return cfg_lex_fail(lx, -EINVAL, i, "'\\x00' at position %zu: a word cannot contain a NUL character", i + 1);
		lx->i += 4;
		return cfg_lex_put(lx, (char)(h1 << 4 | h2), col);
	default:
		break;
	}
	lx->i += 1;
	return cfg_lex_put(lx, '\\', col);
}

/* Looks up the pseudo-variable <name> (".FILE", ".LINE", ".SECTION") into
 * <num> (for .LINE) and returns its value, or NULL if it is unknown.
 */
static const char *cfg_lex_pseudo(const char *name, const struct cfg_lex_env *env,
				  char *num, size_t numsz)
{
	if (strcmp(name, ".FILE") == 0)
		return env && env->file ? env->file : "";
	if (strcmp(name, ".LINE") == 0) {
		snprintf(num, numsz, "%d", env ? env->line : 0);
		return num;
	}
	if (strcmp(name, ".SECTION") == 0)
		return env && env->section ? env->section : "";
	return NULL;
}

/* Expands the variable reference at lx->i (a '$' inside double quotes):
 * $NAME, ${NAME}, ${NAME-default}, ${NAME[*]}, ${NAME[*]-default}, and the
 * pseudo-variables ${.FILE}, ${.LINE}, ${.SECTION}. Returns 0 or a negative
 * error. *<quote_empty> is cleared by a [*] expansion, which creates no
 * word when the value is empty.
 */
static int cfg_lex_var(struct cfg_lex *lx, const struct cfg_lex_env *env, int *quote_empty)
{
	const char *line = lx->line;
	size_t dollar = lx->i, j = lx->i + 1, brace = 0, name_at, name_len;
	char name[CFG_LEX_VARNAME_MAX];
	char num[24];
	const char *value;
	size_t value_len = 0;
	int expand = 0;
	int col = (int)dollar + 1;
	int ret;

	if (j < lx->len && line[j] == '{')
		brace = j++;

	if (j >= lx->len || !(isalpha((unsigned char)line[j]) || line[j] == '_' || line[j] == '.'))
		return cfg_lex_fail(lx, -EINVAL, j, "forbidden first char in environment variable name at position %zu", j + 1);

	name_at = j;
	if (line[j] == '.')
		j++;
	while (j < lx->len && (isalnum((unsigned char)line[j]) || line[j] == '_'))
		j++;
	name_len = j - name_at;
	if (name_len >= sizeof(name))
		return cfg_lex_fail(lx, -EINVAL, name_at, "environment variable name too long at position %zu", name_at + 1);
	memcpy(name, line + name_at, name_len);
	name[name_len] = '\0';

	if (name[0] == '.') {
		value = cfg_lex_pseudo(name, env, num, sizeof(num));
		if (!value)
			return cfg_lex_fail(lx, -EINVAL, name_at, "unknown pseudo-variable '%s' at position %zu", name, name_at + 1);
	} else {
		value = getenv(name);
	}
	if (value)
		value_len = strlen(value);

	if (brace && j < lx->len && line[j] == '[') {
		if (j + 2 >= lx->len || line[j + 1] != '*' || line[j + 2] != ']')
			return cfg_lex_fail(lx, -EINVAL, j, "truncated or invalid word expansion sequence at position %zu", j + 1);
		expand = 1;
		j += 3;
	}

	if (brace) {
		if (j < lx->len && line[j] == '-') {
			size_t def = ++j;

			while (j < lx->len && line[j] != '}' && !cfg_lex_eol(line[j]))
				j++;
			if (j >= lx->len || line[j] != '}')
				return cfg_lex_fail(lx, -EINVAL, brace, "unmatched brace in environment variable name at position %zu", brace + 1);
			if (!value) {
				/* the default replaces unset variables only, not empty ones */
				value = line + def;
				value_len = j - def;
			}
		} else if (j >= lx->len || line[j] != '}') {
			return cfg_lex_fail(lx, -EINVAL, brace, "unmatched brace in environment variable name at position %zu", brace + 1);
		}
		j++;
	}
	lx->i = j;

	if (expand) {
		/* a value of several words gives several words */
		*quote_empty = 0;
		for (size_t k = 0; k < value_len; k++) {
			if (cfg_lex_blank((unsigned char)value[k]) || cfg_lex_eol((unsigned char)value[k]))
				ret = cfg_lex_end(lx);
			else
				ret = cfg_lex_put(lx, value[k], col);
			if (ret)
				return ret;
		}
		return 0;
	}

	/* an unset variable still makes a (maybe empty) word */
	ret = cfg_lex_begin(lx, lx->in_word ? col : lx->tok_col);
	for (size_t k = 0; !ret && k < value_len; k++)
		ret = cfg_lex_put(lx, value[k], col);
	return ret;
}

int cfg_lex_line(const char *line, size_t len, const struct cfg_lex_env *env,
		 struct cfg_lex_out *out)
{
	struct cfg_lex lx = { .line = line, .len = len, .out = out };
	size_t quote_at = 0;
	int quote = 0;               /* 0, '\'' or '"' */
	int quote_empty = 0;         /* the open quotes produced nothing yet */
	int in_tok = 0;              /* between a token's first char and a separator */
	int ret = 0;

	out->err[0] = '\0';
	out->errcol = 0;
	if (out->maxwords < 0)
		out->maxwords = 0;

	while (lx.i < len && !ret) {
		unsigned char c = (unsigned char)line[lx.i];

		if (cfg_lex_eol(c))
			break;
		if (c == '\0') {
			ret = cfg_lex_fail(&lx, -EINVAL, lx.i, "NUL character at position %zu", lx.i + 1);
			break;
		}

		if (!quote && cfg_lex_blank(c)) {
			in_tok = 0;
			ret = cfg_lex_end(&lx);
			lx.i++;
			continue;
		}
		if (!quote && c == '#')
			break;
		if (!in_tok) {
			in_tok = 1;
			lx.tok_col = (int)lx.i + 1;
		}

		if (quote == '\'') {
			if (c == '\'') {
				quote = 0;
				if (quote_empty)
					ret = cfg_lex_begin(&lx, lx.tok_col);
			} else {
				quote_empty = 0;
				ret = cfg_lex_put(&lx, (char)c, lx.tok_col);
			}
			lx.i++;
			continue;
		}

		if (quote == '"') {
			if (c == '"') {
				quote = 0;
				if (quote_empty)
					ret = cfg_lex_begin(&lx, lx.tok_col);
				lx.i++;
			} else if (c == '\\') {
				quote_empty = 0;
				ret = cfg_lex_escape(&lx, 1);
			} else if (c == '$') {
				quote_empty = 0;
				ret = cfg_lex_var(&lx, env, &quote_empty);
			} else {
				quote_empty = 0;
				ret = cfg_lex_put(&lx, (char)c, lx.tok_col);
				lx.i++;
			}
			continue;
		}

		/* outside quotes */
		if (c == '\'' || c == '"') {
			quote = c;
			quote_at = lx.i;
			quote_empty = 1;
			lx.i++;
		} else if (c == '\\') {
			ret = cfg_lex_escape(&lx, 0);
		} else {
			ret = cfg_lex_put(&lx, (char)c, lx.tok_col);
			lx.i++;
		}
	}

	if (!ret && quote)
		ret = cfg_lex_fail(&lx, -EINVAL, quote_at, "unmatched %s quote at position %zu",
				   quote == '"' ? "double" : "single", quote_at + 1);
	if (!ret)
		ret = cfg_lex_end(&lx);
	if (ret) {
		if (out->maxwords >= 0 && out->words)
			out->words[0] = NULL;
		return ret;
	}
	out->words[lx.nwords] = NULL;
	return lx.nwords;
}
