/*
 * Configuration driver: reads files, directories or text line by line,
 * splits each line (lexer.c), applies conditional blocks (cond.c) and
 * hands the remaining lines to the sections and keywords that modules
 * registered. Messages follow HAProxy's format and go through a sink.
 * Contracts in cfg.h; rules and differences with HAProxy in
 * doc/internals/cfg.md.
 *
 * Runs at start-up on one thread: the registries, the sink and the diag
 * flag are plain globals, written before workers start.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tollgate/errmsg.h>
#include <tollgate/cfg.h>
#include <tollgate/log.h>
#include <tollgate/maps.h>

#define CFG_MAX_FILE      (64u << 20)          /* largest configuration file read */
#define CFG_MAX_EXPANDED  (1u << 20)           /* largest line after variable expansion */
#define CFG_SUGGEST_LEN   64                   /* longest word considered for suggestions */

static struct list cfg_sections = LIST_HEAD_INIT(cfg_sections);
static struct list cfg_kw_lists = LIST_HEAD_INIT(cfg_kw_lists);

static void cfg_default_sink(enum cfg_level lvl, const char *msg, void *arg);

static void (*cfg_sink)(enum cfg_level lvl, const char *msg, void *arg) = cfg_default_sink;
static void *cfg_sink_arg;
static int cfg_diag;
static const struct cfg_ctx *cfg_current;   /* the parse in progress, for cfg_where() */

/* One parse, across all its files. */
struct cfg_parser {
	struct cfg_ctx ctx;          /* what handlers see */
	char *section_name;          /* owned copy behind ctx.section_name */
	int abort;                   /* 1: stop the whole parse (.alert, bad conditional) */
	int broken;                  /* 1: the current section's begin failed, skip its lines */
	int file_errors;             /* alerts in the current file */
	char *wbuf;                  /* lexer output */
	size_t wbufsz;               /* its size */
	char *words[CFG_MAX_WORDS + 1]; /* words of the current line */
	int cols[CFG_MAX_WORDS + 1]; /* their columns */
};

/* ---------------------------------------------------------------------- */
/* Registries                                                             */
/* ---------------------------------------------------------------------- */

void cfg_register_section(struct cfg_section *s)
{
	list_append(&cfg_sections, &s->list);
}

void cfg_register_keywords(struct cfg_kw_list *kwl)
{
	list_append(&cfg_kw_lists, &kwl->list);
}

static const struct cfg_section *cfg_find_section(const char *name)
{
	struct cfg_section *s;

	list_for_each(s, &cfg_sections, list) {
		if (strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

static const struct cfg_kw *cfg_find_kw(const char *scope, const char *name)
{
	struct cfg_kw_list *kwl;

	if (!scope)
		return NULL;
	list_for_each(kwl, &cfg_kw_lists, list) {
		if (strcmp(kwl->scope, scope) != 0)
			continue;
		for (const struct cfg_kw *kw = kwl->kws; kw && kw->name; kw++) {
			if (strcmp(kw->name, name) == 0)
				return kw;
		}
	}
	return NULL;
}

/* Damerau-Levenshtein distance (optimal string alignment) between <a> and
 * <b>, both at most CFG_SUGGEST_LEN long.
 */
static int cfg_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	int d[CFG_SUGGEST_LEN + 1][CFG_SUGGEST_LEN + 1];

	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++) {
		for (int j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* Keeps <cand> in *<best> if it is closer to <word> than *<best_d>. */
static void cfg_suggest_try(const char *word, const char *cand, const char **best, int *best_d)
{
	int d;

	if (strlen(cand) > CFG_SUGGEST_LEN)
		return;
	d = cfg_distance(word, cand);
	if (d < *best_d) {
		*best_d = d;
		*best = cand;
	}
}

const char *cfg_suggest(const char *scope, const char *word)
{
	const char *best = NULL;
	size_t len = strlen(word);
	int best_d = 1 << 30;
	int limit;
	struct cfg_kw_list *kwl;
	struct cfg_section *s;

	if (!len || len > CFG_SUGGEST_LEN)
		return NULL;
	list_for_each(s, &cfg_sections, list)
		cfg_suggest_try(word, s->name, &best, &best_d);
	if (scope) {
		list_for_each(kwl, &cfg_kw_lists, list) {
			if (strcmp(kwl->scope, scope) != 0)
				continue;
			for (const struct cfg_kw *kw = kwl->kws; kw && kw->name; kw++)
				cfg_suggest_try(word, kw->name, &best, &best_d);
		}
	}
	/* a third of the word may be wrong, at least one character; at that
	 * limit the first character must be right ('bind' is no 'ring') */
	limit = (int)(len + 2) / 3;
	if (limit < 1)
		limit = 1;
	if (best && best_d == limit && limit > 1 && best[0] != word[0])
		return NULL;
	return best && best_d <= limit ? best : NULL;
}

/* ---------------------------------------------------------------------- */
/* Messages                                                               */
/* ---------------------------------------------------------------------- */

static void cfg_default_sink(enum cfg_level lvl, const char *msg, void *arg)
{
	/* kept for `show startup-logs` too (parsing is single-threaded) */
	log_startup_append(msg, strlen(msg));
	log_startup_append("\n", 1);
	fprintf(stderr, "%s\n", msg);
}

void cfg_set_sink(void (*sink)(enum cfg_level lvl, const char *msg, void *arg), void *arg)
{
	cfg_sink = sink ? sink : cfg_default_sink;
	cfg_sink_arg = sink ? arg : NULL;
}

void cfg_set_diag(int on)
{
	cfg_diag = !!on;
}

static const char *const cfg_level_label[] = {
	[CFG_LVL_ALERT]   = "[ALERT]",
	[CFG_LVL_WARNING] = "[WARNING]",
	[CFG_LVL_NOTICE]  = "[NOTICE]",
	[CFG_LVL_DIAG]    = "[DIAG]",
};

/* Formats and sends one message: "<label padded to 10> (PID) : config : "
 * then "parsing [FILE:LINE] : " when <file> is set, then the message.
 * Counts it in <ctx> (may be NULL).
 */
static void cfg_vemit(struct cfg_ctx *ctx, enum cfg_level lvl, const char *file, int line,
		      const char *fmt, va_list ap)
{
	char fallback[512];
	char *body = NULL, *msg = NULL;
	int n;

	if (lvl == CFG_LVL_DIAG && !cfg_diag)
		return;
	if (ctx && lvl == CFG_LVL_ALERT)
		ctx->errors++;
	if (ctx && lvl == CFG_LVL_WARNING)
		ctx->warnings++;

	if (vasprintf(&body, fmt, ap) < 0)
		body = NULL;
	if (file)
		n = asprintf(&msg, "%-10s (%d) : config : parsing [%s:%d] : %s", cfg_level_label[lvl],
			     (int)getpid(), file, line, body ? body : "(out of memory)");
	else
		n = asprintf(&msg, "%-10s (%d) : config : %s", cfg_level_label[lvl],
			     (int)getpid(), body ? body : "(out of memory)");
	if (n < 0) {
		/* no memory: say at least where, from the stack */
		snprintf(fallback, sizeof(fallback), "%-10s (%d) : config : parsing [%s:%d] : %s",
			 cfg_level_label[lvl], (int)getpid(), file ? file : "-", line,
			 body ? body : "(message lost: out of memory)");
		cfg_sink(lvl, fallback, cfg_sink_arg);
	} else {
		cfg_sink(lvl, msg, cfg_sink_arg);
	}
	free(msg);
	free(body);
}

static void cfg_emit(struct cfg_ctx *ctx, enum cfg_level lvl, const char *fmt, ...) PRINTF_FMT(3, 4);

/* Emits at the place of <ctx> (its file and line). */
static void cfg_emit(struct cfg_ctx *ctx, enum cfg_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vemit(ctx, lvl, ctx ? ctx->file : NULL, ctx ? ctx->line : 0, fmt, ap);
	va_end(ap);
}

void cfg_alert(struct cfg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vemit(ctx, CFG_LVL_ALERT, ctx ? ctx->file : NULL, ctx ? ctx->line : 0, fmt, ap);
	va_end(ap);
}

void cfg_warn(struct cfg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vemit(ctx, CFG_LVL_WARNING, ctx ? ctx->file : NULL, ctx ? ctx->line : 0, fmt, ap);
	va_end(ap);
}

void cfg_notice(struct cfg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vemit(ctx, CFG_LVL_NOTICE, ctx ? ctx->file : NULL, ctx ? ctx->line : 0, fmt, ap);
	va_end(ap);
}

static int cfg_vset(char **err, int ret, const char *fmt, va_list ap)
{
	err_vset(err, fmt, ap);
	return ret;
}

int cfg_set_err(char **err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfg_vset(err, CFG_ERR, fmt, ap);
	va_end(ap);
	return ret;
}

int cfg_set_warn(char **err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfg_vset(err, CFG_WARN, fmt, ap);
	va_end(ap);
	return ret;
}

int cfg_no_effect_option(const struct cfg_no_effect *tab, size_t n, const char *where,
                         int argc, char **args, int *i, int *warned, char **err)
{
	const char *opt = args[*i];

	for (size_t k = 0; k < n; k++) {
		if (strcmp(opt, tab[k].kw))
			continue;
		if (tab[k].has_value && *i + 1 >= argc)
			return cfg_set_err(err, "%s : '%s' expects an argument.", where, opt);
		if (!*warned)
			cfg_set_warn(err, "%s : option '%s' has no effect in Tollgate: %s.", where, opt, tab[k].why);
		*warned = 1;
		*i += tab[k].has_value;
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Lines                                                                  */
/* ---------------------------------------------------------------------- */

/* Reports the result <rc> of the handler of <what>, with its message <err>
 * (freed here). Messages name their keyword themselves (HAProxy style:
 * "'maxconn' expects an integer argument."), so they are printed as they
 * are; <what> only names the keyword of a handler that gave no message.
 */
static void cfg_report(struct cfg_parser *p, const char *what, int rc, char *err)
{
	if (rc < 0 && err)
		cfg_emit(&p->ctx, CFG_LVL_ALERT, "%s", err);
	else if (rc < 0)
		cfg_emit(&p->ctx, CFG_LVL_ALERT, "'%s' : invalid line (no details given)", what);
	else if (rc > 0 && err)
		cfg_emit(&p->ctx, CFG_LVL_WARNING, "%s", err);
	else if (rc > 0)
		p->ctx.warnings++;
	free(err);
}

/* Ends the current section, if any: calls its end handler. */
static void cfg_end_section(struct cfg_parser *p)
{
	const struct cfg_section *s = p->ctx.cur;
	char *err = NULL;
	int rc;

	if (!s)
		return;
	if (s->end && !p->broken) {
		rc = s->end(&p->ctx, &err);
		cfg_report(p, s->name, rc, err);
	}
	p->ctx.cur = NULL;
	p->ctx.section = NULL;
	p->ctx.section_name = NULL;
	p->ctx.section_data = NULL;
	p->broken = 0;
	free(p->section_name);
	p->section_name = NULL;
}

/* Starts section <s> with its header line <args>. */
static void cfg_begin_section(struct cfg_parser *p, const struct cfg_section *s, int argc, char **args)
{
	char *err = NULL;
	int rc;

	cfg_end_section(p);
	p->ctx.cur = s;
	p->ctx.section = s->name;
	if (argc > 1) {
		p->section_name = strdup(args[1]);
		if (!p->section_name) {
			cfg_emit(&p->ctx, CFG_LVL_ALERT, "'%s' : out of memory", s->name);
			p->broken = 1;
			return;
		}
		p->ctx.section_name = p->section_name;
	}
	if (s->begin) {
		rc = s->begin(&p->ctx, argc, args, &err);
		cfg_report(p, s->name, rc, err);
		/* its keywords would find no section data: skip them silently */
		if (rc < 0)
			p->broken = 1;
	}
}

/* Handles the .diag/.notice/.warning/.alert directives and unknown ones. */
static void cfg_directive(struct cfg_parser *p, int argc, char **args)
{
	static const struct {
		const char *name;            /* directive */
		enum cfg_level lvl;          /* level of its message */
	} dirs[] = {
		{ ".diag", CFG_LVL_DIAG }, { ".notice", CFG_LVL_NOTICE },
		{ ".warning", CFG_LVL_WARNING }, { ".alert", CFG_LVL_ALERT },
	};

	for (size_t k = 0; k < ARRAY_SIZE(dirs); k++) {
		if (strcmp(args[0], dirs[k].name) != 0)
			continue;
		if (argc > 2) {
			cfg_emit(&p->ctx, CFG_LVL_ALERT, "unexpected argument '%s' for '%s'; use quotes if the message should contain spaces", args[2], args[0]);
			return;
		}
		cfg_emit(&p->ctx, dirs[k].lvl, "'%s'.", argc > 1 ? args[1] : "");
		if (dirs[k].lvl == CFG_LVL_ALERT)
			p->abort = 1;
		return;
	}
	cfg_emit(&p->ctx, CFG_LVL_ALERT, "unknown directive '%s'", args[0]);
}

/* Splits <line> of <len> bytes into p->words. Returns the word count or -1
 * after reporting an error.
 */
static int cfg_split(struct cfg_parser *p, const char *line, size_t len)
{
	struct cfg_lex_env env = {
		.file = p->ctx.file,
		.line = p->ctx.line,
		.section = p->ctx.section_name ? p->ctx.section_name : p->ctx.section,
	};
	struct cfg_lex_out out;
	int n;

	while (1) {
		out.buf = p->wbuf;
		out.bufsz = p->wbufsz;
		out.words = p->words;
		out.cols = p->cols;
		out.maxwords = CFG_MAX_WORDS;
		n = p->wbuf ? cfg_lex_line(line, len, &env, &out) : -ENOSPC;
		if (n != -ENOSPC)
			break;
		if (p->wbufsz >= CFG_MAX_EXPANDED) {
			cfg_emit(&p->ctx, CFG_LVL_ALERT, "line too long after environment variable expansion (max %u bytes)",
				 CFG_MAX_EXPANDED);
			return -1;
		}
		size_t sz = p->wbufsz ? p->wbufsz * 2 : 4096;
		char *nb = realloc(p->wbuf, sz);

		if (!nb) {
			cfg_emit(&p->ctx, CFG_LVL_ALERT, "out of memory while splitting the line");
			return -1;
		}
		p->wbuf = nb;
		p->wbufsz = sz;
	}
	if (n < 0) {
		cfg_emit(&p->ctx, CFG_LVL_ALERT, "%s", out.err);
		return -1;
	}
	return n;
}

/* Handles one line of a file. Sets p->abort to stop everything. */
static void cfg_line(struct cfg_parser *p, struct cfg_cond_state *cond, const char *line, size_t len)
{
	char err[CFG_ERR_SIZE];
	const struct cfg_section *s;
	const struct cfg_kw *kw;
	const char *hint;
	char **args = p->words;
	char *herr = NULL;
	int argc, errcol, rc;

	if (len > CFG_MAX_LINE) {
		cfg_emit(&p->ctx, CFG_LVL_ALERT, "line too long (%zu bytes, max is %d)", len, CFG_MAX_LINE);
		return;
	}
	argc = cfg_split(p, line, len);
	if (argc <= 0)
		return;

	rc = cfg_cond_line(cond, argc, args, p->ctx.line, err, sizeof(err), &errcol);
	if (rc < 0) {
		cfg_emit(&p->ctx, CFG_LVL_ALERT, "%s", err);
		p->abort = 1;
		return;
	}
	if (rc > 0 || !cfg_cond_active(cond))
		return;

	if (args[0][0] == '.') {
		cfg_directive(p, argc, args);
		return;
	}

	for (int k = 0; k < argc; k++) {
		if (!args[k][0]) {
			cfg_emit(&p->ctx, CFG_LVL_ALERT, "argument number %d at position %d is empty; if it comes from an unset environment variable, give it a default with \"${VAR-default}\"",
				 k, p->cols[k]);
			return;
		}
	}

	s = cfg_find_section(args[0]);
	if (s) {
		cfg_begin_section(p, s, argc, args);
		return;
	}

	p->ctx.kw_mod = CFG_KWM_STD;
	if (argc > 1 && strcmp(args[0], "no") == 0)
		p->ctx.kw_mod = CFG_KWM_NO;
	else if (argc > 1 && strcmp(args[0], "default") == 0)
		p->ctx.kw_mod = CFG_KWM_DEFAULT;
	if (p->ctx.kw_mod != CFG_KWM_STD) {
		args++;
		argc--;
	}

	if (p->broken)
		return;
	if (!p->ctx.cur) {
		hint = cfg_suggest(NULL, args[0]);
		if (hint)
			cfg_emit(&p->ctx, CFG_LVL_ALERT, "unknown keyword '%s' out of section; did you mean '%s' maybe ?", args[0], hint);
		else
			cfg_emit(&p->ctx, CFG_LVL_ALERT, "unknown keyword '%s' out of section.", args[0]);
		return;
	}

	kw = cfg_find_kw(p->ctx.cur->kw_scope, args[0]);
	if (!kw) {
		hint = cfg_suggest(p->ctx.cur->kw_scope, args[0]);
		if (hint)
			cfg_emit(&p->ctx, CFG_LVL_ALERT, "unknown keyword '%s' in '%s' section; did you mean '%s' maybe ?", args[0], p->ctx.section, hint);
		else
			cfg_emit(&p->ctx, CFG_LVL_ALERT, "unknown keyword '%s' in '%s' section", args[0], p->ctx.section);
		return;
	}
	if ((p->ctx.kw_mod == CFG_KWM_NO && !(kw->flags & CFG_KW_NO)) ||
	    (p->ctx.kw_mod == CFG_KWM_DEFAULT && !(kw->flags & CFG_KW_DEFAULT))) {
		cfg_emit(&p->ctx, CFG_LVL_ALERT, "'%s' : the '%s' prefix is not supported by this keyword", args[0],
			 p->ctx.kw_mod == CFG_KWM_NO ? "no" : "default");
		return;
	}
	pat_ref_set_place(p->ctx.file, p->ctx.line);
	rc = kw->parse(&p->ctx, argc, args, &herr);
	pat_ref_set_place(NULL, 0);   /* the name is the driver's: not kept */
	cfg_report(p, args[0], rc, herr);
}

/* Parses the text <buf> of <len> bytes named <name>. <file> tells whether
 * it comes from a file (a missing final LF is then worth a warning).
 */
static void cfg_parse_buf(struct cfg_parser *p, const char *name, const char *buf, size_t len, int file)
{
	struct cfg_cond_state *cond;
	char err[CFG_ERR_SIZE];
	size_t pos = 0;
	int start_errors = p->ctx.errors;

	p->ctx.file = name;
	p->ctx.line = 0;
	cond = calloc(1, sizeof(*cond));
	if (!cond) {
		cfg_emit(&p->ctx, CFG_LVL_ALERT, "out of memory");
		return;
	}

	while (pos < len && !p->abort) {
		const char *line = buf + pos;
		const char *lf = memchr(line, '\n', len - pos);
		size_t llen = lf ? (size_t)(lf - line) : len - pos;
		const char *nul = memchr(line, '\0', llen);

		pos += llen + (lf ? 1 : 0);
		p->ctx.line++;
		if (p->ctx.errors - start_errors >= CFG_MAX_FATAL) {
			cfg_emit(&p->ctx, CFG_LVL_ALERT, "too many errors (%d), stopping now", CFG_MAX_FATAL);
			break;
		}
		if (nul) {
			cfg_emit(&p->ctx, CFG_LVL_ALERT, "stray NUL character at position %zu", (size_t)(nul - line) + 1);
			continue;
		}
		if (!lf && file)
			cfg_emit(&p->ctx, CFG_LVL_WARNING, "missing LF on last line, file might have been truncated at position %zu",
				 llen + 1);
		cfg_line(p, cond, line, llen);
	}

	if (!p->abort && cfg_cond_finish(cond, err, sizeof(err)) < 0) {
		cfg_emit(&p->ctx, CFG_LVL_ALERT, "%s", err);
		p->abort = 1;
	}
	/* a file always ends its section */
	cfg_end_section(p);
	free(cond);
}

/* Reads the file <path> into a malloc'd *<buf> of *<len> bytes (plus a NUL
 * after it). Returns 0 or -errno.
 */
static int cfg_read_file(const char *path, char **buf, size_t *len)
{
	size_t size = 0, cap = 4096;
	char *b, *nb;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b = malloc(cap);
	if (!b)
		goto out_nomem;
	while (1) {
		if (size + 1 >= cap) {
			if (cap >= CFG_MAX_FILE) {
				free(b);
				close(fd);
				return -EFBIG;
			}
			nb = realloc(b, cap * 2);
			if (!nb)
				goto out_free;
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + size, cap - size - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(b);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		size += (size_t)r;
	}
	close(fd);
	b[size] = '\0';
	*buf = b;
	*len = size;
	return 0;

 out_free:
	free(b);
 out_nomem:
	close(fd);
	return -ENOMEM;
}

/* Parses the file <path>. */
static void cfg_parse_file(struct cfg_parser *p, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	ret = cfg_read_file(path, &buf, &len);
	if (ret < 0) {
		p->ctx.file = NULL;
		cfg_emit(&p->ctx, CFG_LVL_ALERT, "cannot open configuration file %s : %s", path,
			 ret == -EFBIG ? "file too large" : strerror(-ret));
		return;
	}
	cfg_parse_buf(p, path, buf, len, 1);
	free(buf);
}

/* Keeps the directory entries HAProxy reads with -f dir: names ending in
 * ".cfg" that do not start with '.'.
 */
static int cfg_dir_filter(const struct dirent *de)
{
	size_t l = strlen(de->d_name);

	return de->d_name[0] != '.' && l > 4 && strcmp(de->d_name + l - 4, ".cfg") == 0;
}

/* Parses the regular ".cfg" files of directory <dir> in alphabetical order. */
static void cfg_parse_dir(struct cfg_parser *p, const char *dir)
{
	struct dirent **ents = NULL;
	struct stat st;
	char *path;
	int n;

	n = scandir(dir, &ents, cfg_dir_filter, alphasort);
	if (n < 0) {
		p->ctx.file = NULL;
		cfg_emit(&p->ctx, CFG_LVL_ALERT, "cannot open configuration directory %s : %s", dir, strerror(errno));
		return;
	}
	for (int k = 0; k < n; k++) {
		if (!p->abort) {
			if (asprintf(&path, "%s/%s", dir, ents[k]->d_name) < 0) {
				p->ctx.file = NULL;
				cfg_emit(&p->ctx, CFG_LVL_ALERT, "cannot load configuration directory %s : out of memory", dir);
				p->abort = 1;
			} else {
				/* only regular files: no loops through links to dirs */
				if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
					cfg_parse_file(p, path);
				free(path);
			}
		}
		free(ents[k]);
	}
	free(ents);
}

static void cfg_parser_free(struct cfg_parser *p)
{
	free(p->wbuf);
	free(p->section_name);
}

int cfg_where(const char **file, int *line)
{
	if (!cfg_current || !cfg_current->file)
		return 0;
	*file = cfg_current->file;
	*line = cfg_current->line;
	return 1;
}

int cfg_parse_files(const char *const *paths, int npaths)
{
	struct cfg_parser p = { .wbuf = NULL };
	struct stat st;

	cfg_current = &p.ctx;
	for (int k = 0; k < npaths && !p.abort; k++) {
		if (stat(paths[k], &st) < 0) {
			p.ctx.file = NULL;
			cfg_emit(&p.ctx, CFG_LVL_ALERT, "cannot open configuration file/directory %s : %s",
				 paths[k], strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode))
			cfg_parse_dir(&p, paths[k]);
		else
			cfg_parse_file(&p, paths[k]);
	}
	cfg_current = NULL;
	cfg_parser_free(&p);
	return p.ctx.errors ? -p.ctx.errors : 0;
}

int cfg_parse_text(const char *name, const char *text)
{
	struct cfg_parser p = { .wbuf = NULL };

	cfg_current = &p.ctx;
	cfg_parse_buf(&p, name, text, strlen(text), 0);
	cfg_current = NULL;
	cfg_parser_free(&p);
	return p.ctx.errors ? -p.ctx.errors : 0;
}
