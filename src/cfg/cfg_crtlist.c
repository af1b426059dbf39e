/*
 * crt-list files, HAProxy's format: one certificate per line,
 *
 *   <crtfile> [\[<sslbindconf> ...\]] [[!]<snifilter> ...]
 *
 * with '#' comments and blank lines ignored. The options are a subset of
 * the bind line's (cfg_ssl_crtlist_option()); the filters replace the
 * certificate's names for SNI ("*.a.com", "!b.a.com" excludes a name from
 * the line's wildcard, "*" makes it a default). A list is read once, at
 * the first bind naming it, into the registry of tls.c; the admin socket
 * parses the line of `add ssl crt-list` here too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/log.h>
#include <tollgate/tls.h>

#define CRTLIST_MAX_ARGS 64          /* words on a line, brackets included */

/* Splits <line> into words, '[' and ']' being words of their own. */
static int split(char *line, char **args, char *store, size_t storelen)
{
	size_t o = 0;
	int n = 0;

	for (char *p = line; *p;) {
		size_t len;

		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		len = (*p == '[' || *p == ']') ? 1 : strcspn(p, " \t[]");
		if (n == CRTLIST_MAX_ARGS || o + len + 1 > storelen)
			return -1;
		memcpy(store + o, p, len);
		store[o + len] = 0;
		args[n++] = store + o;
		o += len + 1;
		p += len;
	}
	return n;
}

static int add_filter(struct tls_crtlist_line *ln, const char *f)
{
	char **n = realloc(ln->filters, (ln->nfilters + 1) * sizeof(*n));

	if (!n)
		return -1;
	ln->filters = n;
	if (!(n[ln->nfilters] = strdup(f)))
		return -1;
	ln->nfilters++;
	return 0;
}

int cfg_crtlist_parse_line(char *line, const char *file, int linenum, struct tls_crtlist_line *ln, char **err)
{
	char *args[CRTLIST_MAX_ARGS], store[4096 + CRTLIST_MAX_ARGS], path[4096];
	const char *base = cfg_ssl_crt_base();
	char where[300], *e;
	int n, i;

	memset(ln, 0, sizeof(*ln));
	ln->linenum = linenum;
	line[strcspn(line, "\r\n")] = 0;
	line += strspn(line, " \t");
	if (!*line || *line == '#')
		return 0;
	snprintf(where, sizeof(where), "parsing [%s:%d]", file, linenum);
	n = split(line, args, store, sizeof(store));
	if (n < 0)
		return cfg_set_err(err, "%s: too many args ", where);
	if (args[0][0] == '[' || args[0][0] == ']')
		return cfg_set_err(err, "%s: file must start with a cert", where);
	snprintf(path, sizeof(path), "%s%s%s", base && args[0][0] != '/' ? base : "",
	         base && args[0][0] != '/' ? "/" : "", args[0]);
	if (!(ln->crt = strdup(path)))
		goto oom;
	i = 1;
	if (i < n && !strcmp(args[i], "[")) {
		int end;

		for (end = i + 1; end < n && strcmp(args[end], "]"); end++)
			if (!strcmp(args[end], "["))
				goto fail_msg_many;
		if (end == n) {
			cfg_set_err(err, "%s: missing ']'", where);
			goto fail;
		}
		for (i++; i < end; i++) {
			char *oerr = NULL;
			int r = cfg_ssl_crtlist_option(&ln->delta, "crt-list", end, args, &i, &oerr);

			if (r < 0) {
				cfg_set_err(err, "%s: %s", where, oerr ? oerr : "invalid option");
				free(oerr);
				goto fail;
			}
			if (r == 2)   /* accepted with a warning */
				log_warning("%s : %s.", where, oerr);
			free(oerr);
		}
		i = end + 1;
	}
	for (; i < n; i++) {
		if (!strcmp(args[i], "[") || !strcmp(args[i], "]")) {
			cfg_set_err(err, "%s: malformated line, filters can't be between filename and options!", where);
			goto fail;
		}
		if (add_filter(ln, args[i]) < 0)
			goto oom;
	}
	return 1;
fail_msg_many:
	cfg_set_err(err, "%s: too many '['", where);
	goto fail;
oom:
	cfg_set_err(err, "not enough memory!");
fail:
	e = *err;
	tls_crtlist_line_clear(ln);
	*err = e;
	return -1;
}

int cfg_crtlist_load(const char *path, const char *kw, char **err)
{
	struct tls_crtlist_line ln;
	char line[4096];
	FILE *f;
	int linenum = 0, ret = 0;

	if (tls_crtlist_known(path))
		return 0;
	f = fopen(path, "r");
	if (!f)
		return cfg_set_err(err, "'%s' : 'crt-list' : cannot open file '%s' : %s.", kw, path, strerror(errno));
	if (tls_crtlist_create(path) < 0) {
		fclose(f);
		return cfg_set_err(err, "out of memory");
	}
	while (fgets(line, sizeof(line), f)) {
		int r;

		linenum++;
		if (!strchr(line, '\n') && !feof(f)) {
			ret = cfg_set_err(err, "'%s' : parsing [%s:%d]: line too long, limit is %d characters", kw,
			                  path, linenum, (int)sizeof(line) - 1);
			break;
		}
		r = cfg_crtlist_parse_line(line, path, linenum, &ln, err);
		if (r < 0) {
			char *e = *err;

			size_t n = e ? strlen(e) : 0;

			*err = NULL;   /* cfg_set_err() frees the old message */
			ret = cfg_set_err(err, "'%s' : %s%s", kw, e ? e : "error", n && strchr(".!", e[n - 1]) ? "" : ".");
			free(e);
			break;
		}
		if (r > 0 && tls_crtlist_append(path, &ln, linenum) < 0) {
			tls_crtlist_line_clear(&ln);
			ret = cfg_set_err(err, "out of memory");
			break;
		}
	}
	fclose(f);
	if (!ret)
		tls_crtlist_append(path, NULL, linenum);   /* the line count: additions number after it */
	return ret < 0 ? -1 : 0;
}
