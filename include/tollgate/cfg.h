/*
 * Configuration parser: HAProxy's configuration language.
 *
 * An HAProxy user brings their haproxy.cfg: Tollgate reads it with the same
 * rules (doc/internals/cfg.md lists them and the few deliberate
 * differences). Four parts, each usable alone:
 *
 *   - the lexer (lexer.c) splits one line into words: quotes, escapes,
 *     comments, environment variables. It is a pure function over
 *     (line, length) writing into caller buffers; it never allocates and
 *     keeps no state.
 *   - conditions (cond.c) evaluate the expression of `.if`/`.elif` and
 *     track the nesting of conditional blocks; features (`feature(X)`) come
 *     from a registry that modules fill.
 *   - units (units.c) parse time, size and bounded integer values.
 *   - the driver (cfgparse.c) reads files, directories or text line by line
 *     and hands every useful line to the section or keyword that a module
 *     registered for it. It prints HAProxy-style messages through a
 *     replaceable sink.
 *
 * Registration: a module declares static `struct cfg_section`,
 * `struct cfg_kw_list` and `struct cfg_feature` objects and registers them
 * from a constructor at the bottom of its .c file:
 *
 *	__attribute__((constructor)) static void foo_cfg_register(void)
 *	{
 *		cfg_register_section(&foo_section);
 *		cfg_register_keywords(&foo_kws);
 *	}
 *
 * The registries are plain lists with static heads, so constructors may run
 * in any order, all before main(). Nothing here is thread-safe: the
 * configuration is parsed at start-up, before workers run (or later only
 * under thread isolation), as core-principles.md requires.
 *
 * Costs: a line costs O(length); a keyword lookup is O(keywords of the
 * scope), a suggestion after an unknown keyword O(candidates * len^2).
 */
#ifndef TOLLGATE_CFG_H
#define TOLLGATE_CFG_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/compiler.h>
#include <tollgate/list.h>

/* HAProxy version whose configuration language Tollgate implements.
 * `version_atleast()`/`version_before()` in `.if` compare against it, since
 * users write them about HAProxy versions to pick a syntax (see cfg.md).
 */
#define TOLLGATE_HAPROXY_COMPAT "3.0"

#define CFG_MAX_WORDS      64        /* words on a line, as HAProxy's MAX_LINE_ARGS */
#define CFG_MAX_LINE       65535     /* bytes on a line, LF excluded */
#define CFG_MAX_NESTING    100       /* nested .if levels, as HAProxy */
#define CFG_MAX_FATAL      50        /* errors in one file before it is abandoned */
#define CFG_ERR_SIZE       256       /* size of the lexer's and conditions' message buffers */

/* Handler return values (see struct cfg_kw). */
#define CFG_OK             0         /* accepted */
#define CFG_WARN           1         /* accepted, *err holds a warning */
#define CFG_ERR            (-1)      /* refused, *err holds the reason */

/* Message levels, for the sink. */
enum cfg_level {
	CFG_LVL_ALERT = 0,           /* an error: the configuration is refused */
	CFG_LVL_WARNING,             /* accepted, but probably not what was meant */
	CFG_LVL_NOTICE,              /* information (.notice) */
	CFG_LVL_DIAG,                /* diagnostic (.diag), shown in diag mode only */
};

/* Keyword modifiers: HAProxy's "no" and "default" prefixes. */
enum cfg_kw_mod {
	CFG_KWM_STD = 0,             /* plain keyword */
	CFG_KWM_NO,                  /* "no <keyword> ..." */
	CFG_KWM_DEFAULT,             /* "default <keyword> ..." */
};

/* struct cfg_kw flags */
#define CFG_KW_NO          0x01      /* accepts the "no" prefix */
#define CFG_KW_DEFAULT     0x02      /* accepts the "default" prefix */

/* ---------------------------------------------------------------------- */
/* Lexer                                                                  */
/* ---------------------------------------------------------------------- */

/* Values of the pseudo-variables "${.FILE}", "${.LINE}" and "${.SECTION}".
 * May be omitted (NULL): they then expand to empty strings and 0.
 */
struct cfg_lex_env {
	const char *file;            /* current file name, or NULL */
	int line;                    /* current line number */
	const char *section;         /* section name, or its keyword if unnamed, or NULL */
};

/* Where cfg_lex_line() writes. Everything is provided by the caller. */
struct cfg_lex_out {
	char *buf;                   /* receives the words, each NUL-terminated */
	size_t bufsz;                /* size of <buf> */
	char **words;                /* receives pointers into <buf>, then a NULL: maxwords + 1 entries */
	int *cols;                   /* optional: 1-based column where each word starts, maxwords entries */
	int maxwords;                /* most words accepted */
	char err[CFG_ERR_SIZE];      /* message when the call fails */
	int errcol;                  /* 1-based column of the error, 0 if none */
};

/* Splits the configuration line <line> of <len> bytes into words the way
 * HAProxy does: blanks separate words; '#' outside quotes starts a comment;
 * "double quotes" protect blanks, '#' and single quotes and expand
 * environment variables ("$VAR", "${VAR}", "${VAR-default}", "${VAR[*]}" to
 * split a value into several words, "${.FILE}" and friends from <env>);
 * 'single quotes' protect everything; backslash escapes (\ , \#, \\, \',
 * \", \$ in double quotes, \t, \n, \r, \xNN) apply outside single quotes.
 * The line ends at <len>, at LF or at CR. <env> may be NULL.
 *
 * Returns the number of words (0 for a blank or comment line); words may be
 * empty (""). On error returns -EINVAL (syntax: unterminated quote, bad
 * escape, bad variable), -E2BIG (more than out->maxwords words) or -ENOSPC
 * (out->buf too small: retry with a larger one), and fills out->err and
 * out->errcol. Never reads past <len>, never allocates. Reads the process
 * environment with getenv().
 */
int cfg_lex_line(const char *line, size_t len, const struct cfg_lex_env *env,
		 struct cfg_lex_out *out);

/* ---------------------------------------------------------------------- */
/* Conditions                                                             */
/* ---------------------------------------------------------------------- */

/* A build feature tested by `feature(NAME)`, listed like "haproxy -vv". */
struct cfg_feature {
	const char *name;            /* upper-case name, e.g. "THREAD" */
	int present;                 /* 1: "+NAME", 0: "-NAME" */
	struct list list;            /* link in the registry */
};

/* Adds <f> to the feature registry (from a constructor). Tollgate's own
 * features (THREAD, EPOLL...) are registered by cond.c.
 */
void cfg_register_feature(struct cfg_feature *f);

/* Returns 1 if feature <name> is registered and present, else 0. */
int cfg_feature_present(const char *name);

/* Writes the feature list ("+EPOLL +THREAD -OPENSSL ...") into <buf> of
 * <size> bytes, NUL-terminated, truncated if needed. Returns the length
 * that the whole list needs, like snprintf().
 */
int cfg_features_list(char *buf, size_t size);

/* Evaluates the condition <expr> of a `.if`/`.elif` (its words joined with
 * single spaces, as HAProxy does). Grammar: `||` of `&&` of terms, `&&`
 * binding tighter; a term is `!`* followed by an integer (0 is false,
 * anything else true), `( expr )` or a predicate with its arguments in
 * parentheses: defined(VAR), feature(NAME), streq(a,b), strneq(a,b),
 * strstr(a,b), version_atleast(V), version_before(V), enabled(OPT),
 * fips_mode(), ssllib_name_startswith(N), openssl_version_atleast(V)...
 * An empty expression is false.
 *
 * Returns 1 (true), 0 (false), or -EINVAL with a message in <err> of
 * <errsz> bytes and the 1-based column of the culprit in *<errcol> (both
 * optional). Never allocates.
 */
int cfg_cond_eval(const char *expr, char *err, size_t errsz, int *errcol);

/* Compares two HAProxy-style versions (<a>[.<b>[.<c>[.<d>]]][-dev<n>|-pre<n>|
 * -rc<n>][...], missing parts being zero: "2.4" == "2.4.0", "2.4-dev19" <
 * "2.4"). Returns 0 with *<cmp> < 0, 0 or > 0 as <a> is older than, the same
 * as or newer than <b>; -EINVAL if either does not parse.
 */
int cfg_version_cmp(const char *a, const char *b, int *cmp);

/* State of the conditional blocks of one file. Zero-initialise it. */
struct cfg_cond_state {
	int depth;                   /* number of open .if */
	struct {
		unsigned char state; /* enum in cond.c: taking, dropping, done... */
		int line;            /* line of its .if, for "non-terminated" */
	} lvl[CFG_MAX_NESTING + 1];  /* [1..depth] used */
};

/* Handles the line <args> (<argc> words) at line <line> if it is one of
 * .if/.elif/.else/.endif. Returns 1 when it was one (the line is consumed),
 * 0 when it is not, or -EINVAL with a message in <err> (lone .elif, .else
 * after .else, bad condition, too deep...); *<errcol> is then the column in
 * the joined condition, or 0.
 */
int cfg_cond_line(struct cfg_cond_state *st, int argc, char **args, int line,
		  char *err, size_t errsz, int *errcol);

/* Returns 1 if lines at the current point are taken, 0 if they are in a
 * block whose condition is false.
 */
int cfg_cond_active(const struct cfg_cond_state *st);

/* Called at the end of a file: returns 0, or -EINVAL with a message naming
 * the line of the innermost non-terminated .if.
 */
int cfg_cond_finish(const struct cfg_cond_state *st, char *err, size_t errsz);

/* ---------------------------------------------------------------------- */
/* Units                                                                  */
/* ---------------------------------------------------------------------- */

/* Parses the time <s>: an unsigned integer with an optional unit among us,
 * ms (the default), s, m, h, d. Stores it in *<ms> in milliseconds, rounded
 * up (1us gives 1ms). Values of 2^31 ms (24.8 days) and more are refused,
 * as HAProxy's timers do. Returns 0, or -EINVAL (syntax) / -ERANGE (too
 * large) with a malloc'd message naming the value in *<err> (if <err> is
 * not NULL; *<err> stays NULL if that allocation fails).
 */
int cfg_parse_time(const char *s, unsigned *ms, char **err);

/* Parses the size <s>: an unsigned integer with an optional suffix k, m or
 * g (any case), multiples of 1024 as in HAProxy. Stores bytes in *<out>.
 * Returns 0, -EINVAL or -ERANGE, with *<err> as cfg_parse_time().
 */
int cfg_parse_size(const char *s, uint64_t *out, char **err);

/* Parses the decimal integer <s> (optional sign) and checks
 * <min> <= value <= <max>. Returns 0 with the value in *<out>, or -EINVAL /
 * -ERANGE with *<err> as cfg_parse_time().
 */
int cfg_parse_int(const char *s, long long min, long long max, long long *out, char **err);

/* ---------------------------------------------------------------------- */
/* Driver                                                                 */
/* ---------------------------------------------------------------------- */

/* Passed to every handler. Owned by the driver: valid during the call only
 * (copy <file> if it must be kept).
 */
struct cfg_ctx {
	const char *file;            /* current file */
	int line;                    /* current line, from 1 */
	const char *section;         /* current section keyword ("global", "frontend"...), NULL before any */
	const char *section_name;    /* its name argument ("foo" in "frontend foo"), NULL if none */
	void *section_data;          /* set by the section's begin handler, for its keywords and end */
	enum cfg_kw_mod kw_mod;      /* "no"/"default" prefix of the current keyword line */
	int errors;                  /* alerts emitted in this parse */
	int warnings;                /* warnings emitted in this parse */
	const struct cfg_section *cur; /* current section, NULL before any */
};

/* A section: a header keyword valid anywhere (e.g. "frontend") that ends
 * the previous section and starts a new one.
 */
struct cfg_section {
	const char *name;            /* header keyword */
	/* Called with the header line (args[0] is <name>); may set
	 * ctx->section_data. Returns as a keyword handler. May be NULL.
	 */
	int (*begin)(struct cfg_ctx *ctx, int argc, char **args, char **err);
	/* Called when the section ends (next section header, end of file). May be NULL. */
	int (*end)(struct cfg_ctx *ctx, char **err);
	const char *kw_scope;        /* scope of the keywords of its lines, e.g. "proxy" */
	struct list list;            /* link in the registry */
};

/* A keyword. <name> is a single word, the first one of the line; keywords
 * made of several words ("timeout connect", "option httplog") register the
 * first word and dispatch on args[1] themselves.
 */
struct cfg_kw {
	const char *name;            /* first word of the line */
	/* Parses the line (args[0] is <name>, the "no"/"default" prefix is
	 * removed and reported in ctx->kw_mod). Returns CFG_OK, CFG_WARN with
	 * a malloc'd warning in *err, or <0 with a malloc'd reason in *err.
	 * The driver prints the message after "parsing [FILE:LINE] : " and
	 * frees it: name the keyword in it, HAProxy-style ("'maxconn'
	 * expects an integer argument."). cfg_set_err() builds it.
	 */
	int (*parse)(struct cfg_ctx *ctx, int argc, char **args, char **err);
	unsigned int flags;          /* CFG_KW_NO, CFG_KW_DEFAULT */
};

/* The keywords of a scope, a table ending with a { NULL } entry. */
struct cfg_kw_list {
	const char *scope;           /* e.g. "global", "proxy" */
	struct cfg_kw *kws;          /* NULL-name-terminated table */
	struct list list;            /* link in the registry */
};

/* Registers a section (from a constructor). The first registered of a name wins. */
void cfg_register_section(struct cfg_section *s);

/* Registers a keyword table (from a constructor). Several tables may share
 * a scope; the first registered entry of a name wins.
 */
void cfg_register_keywords(struct cfg_kw_list *kwl);

/* Stores in *<file> and *<line> the place of the configuration line being
 * parsed, for checks that run later (a name resolved after the whole
 * configuration is read). Returns 1, or 0 outside a parse.
 */
int cfg_where(const char **file, int *line);

/* Parses the files or directories <paths> (<npaths> of them) in order. A
 * directory contributes its regular files whose name ends in ".cfg" and
 * does not start with '.', in alphabetical order (HAProxy's -f dir). Each
 * file ends the current section. Returns 0 if no alert was emitted, else
 * minus the number of alerts.
 */
int cfg_parse_files(const char *const *paths, int npaths);

/* Parses the NUL-terminated configuration <text> named <name> in messages.
 * Same return as cfg_parse_files(). For tests and inline configurations.
 */
int cfg_parse_text(const char *name, const char *text);

/* Replaces the message sink. <sink> receives each complete message line
 * (no trailing LF) and <arg>; NULL restores the default, which writes the
 * line and a LF to stderr.
 */
void cfg_set_sink(void (*sink)(enum cfg_level lvl, const char *msg, void *arg), void *arg);

/* Shows (<on> = 1) or hides (0, the default) .diag messages. */
void cfg_set_diag(int on);

/* Emits "[ALERT]    (PID) : config : parsing [FILE:LINE] : <fmt...>" and
 * counts an error in <ctx>. <ctx> may be NULL (no file:line part).
 */
void cfg_alert(struct cfg_ctx *ctx, const char *fmt, ...) PRINTF_FMT(2, 3);

/* Same as cfg_alert() at level WARNING, counted in ctx->warnings. */
void cfg_warn(struct cfg_ctx *ctx, const char *fmt, ...) PRINTF_FMT(2, 3);

/* Same at level NOTICE, not counted. */
void cfg_notice(struct cfg_ctx *ctx, const char *fmt, ...) PRINTF_FMT(2, 3);

/* For handlers: replaces *<err> with a malloc'd formatted message (*err is
 * freed first; left NULL if the allocation fails). Returns CFG_ERR, so that
 * a handler can `return cfg_set_err(err, "...", ...);`.
 */
int cfg_set_err(char **err, const char *fmt, ...) PRINTF_FMT(2, 3);

/* Same as cfg_set_err() but returns CFG_WARN. */
int cfg_set_warn(char **err, const char *fmt, ...) PRINTF_FMT(2, 3);

/* An option of a bind or server line accepted with no effect: whether it
 * takes a value, and why it changes nothing in Tollgate.
 */
struct cfg_no_effect {
	const char *kw;
	int has_value;
	const char *why;
};

/* If args[*<i>] is one of the <n> options of <tab>: sets the line's
 * warning "<where> : option '<kw>' has no effect in Tollgate: <why>." (the
 * first such option of the line only, tracked by *<warned>), steps *<i>
 * over its value and returns 1. Returns 0 if it is not in <tab>, CFG_ERR
 * with <err> set if its value is missing.
 */
int cfg_no_effect_option(const struct cfg_no_effect *tab, size_t n, const char *where,
                         int argc, char **args, int *i, int *warned, char **err);

/* Returns the registered keyword or section name closest to <word> among
 * the keywords of <scope> (may be NULL) and the section names, or NULL if
 * none is close enough. For "did you mean" messages.
 */
const char *cfg_suggest(const char *scope, const char *word);

#endif /* TOLLGATE_CFG_H */
