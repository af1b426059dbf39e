/*
 * The replies of http-request / http-response rules: the reply options of
 * `return`, `deny` and `tarpit` (status, content-type, errorfile(s),
 * file, string, lf-file, lf-string, hdr), built once when constant or
 * rendered for each request, and the `http-error` directive that sets a
 * proxy's error page from the same options. See http_rules.h and
 * http_reply.h; the rule itself is in http_rules_int.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tollgate/global.h>
#include <tollgate/http_reply.h>
#include <tollgate/http_rules.h>
#include <tollgate/list.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>

#include "http_rules_int.h"

/* Returns 1 if <status> has a built-in page (the only ones `errorfile`,
 * deny_status and default-errorfiles can use).
 */
static int has_error_page(int status)
{
	return http_error_reply(NULL, status)->status == status;
}

/* Reads <path> whole into a malloc'ed block. Returns it (and *<len>) or
 * NULL with *<err>.
 */
static char *read_file(const char *path, size_t *len, const char *act, char **err)
{
	size_t max = global.tune_bufsize ? global.tune_bufsize : 16384;
	struct stat st;
	char *buf;
	FILE *f = fopen(path, "rb");

	if (!f) {
		hr_set_err(err, "'%s' : cannot read file '%s' (%s).", act, path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)) ||
	    (size_t)st.st_size > max) {
		fclose(f);
		hr_set_err(err, "'%s' : file '%s' is not a regular file (or /dev/null) of at most tune.bufsize (%zu) bytes.",
		        act, path, max);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(f);
		hr_set_err(err, "out of memory");
		return NULL;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	if (*len != (size_t)st.st_size) {
		free(buf);
		hr_set_err(err, "'%s' : cannot read file '%s' (short read).", act, path);
		return NULL;
	}
	return buf;
}

/* Frees <f> and what it owns. */
void hr_reply_fmt_free(struct reply_fmt *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nb_hdrs; i++) {
		free(f->hdrs[i].name);
		logformat_free(f->hdrs[i].lf);
	}
	free(f->hdrs);
	free(f->ctype);
	logformat_free(f->body_lf);
	free(f->body);
	free(f);
}

/* Parses the reply options of return / deny / tarpit from args[*pos]:
 * [status|deny_status N] [content-type T] [default-errorfiles | errorfile F
 * | file F | string S | lf-file F | lf-string S] [hdr N FMT]*.
 * <defstatus> is the action's default. A reply whose headers and body are
 * constant is built once (r->reply); one with a log-format part is kept as
 * r->rfmt and rendered for each request.
 */
int hr_parse_reply(struct http_rule *r, int argc, char **args, int *pos, const char *act, int defstatus,
                       char **err)
{
	const char *ctype = NULL, *payload = NULL;
	enum { PL_NONE, PL_DEFAULT, PL_ERRORFILE, PL_FILE, PL_STRING, PL_LF_FILE, PL_LF_STRING, PL_ERRORFILES } kind = PL_NONE;
	static const char *const kinds[] = { "default-errorfiles", "errorfile", "file", "string", "lf-file", "lf-string",
	                                     "errorfiles" };
	struct reply_fmt *f = calloc(1, sizeof(*f));
	int explicit_status = 0, dynamic = 0;
	char *hdrs = NULL, *body = NULL;
	size_t hlen = 0, blen = 0;
	int ret = -1;

	if (!f)
		return hr_set_err(err, "out of memory");
	r->status = defstatus;
	while (*pos < argc && !hr_is_cond_word(args[*pos])) {
		const char *w = args[(*pos)++];
		size_t k;

		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(w, kinds[k]); k++)
			;
		if (!strcmp(w, "status") || !strcmp(w, "deny_status")) {
			if (*pos >= argc || hr_parse_status(args[*pos], 200, 599, &r->status) < 0) {
				hr_set_err(err, "'%s' : '%s' expects a status code from 200 to 599.", act, w);
				goto out;
			}
			(*pos)++;
			explicit_status = 1;
		} else if (!strcmp(w, "content-type")) {
			if (!(ctype = hr_next_arg(argc, args, pos, act, "a value after 'content-type'", err)))
				goto out;
		} else if (k < sizeof(kinds) / sizeof(kinds[0])) {
			if (kind != PL_NONE) {
				hr_set_err(err, "'%s' : '%s' conflicts with a previous payload argument (only one of default-errorfiles, errorfile, errorfiles, file, string, lf-file, lf-string).", act, w);
				goto out;
			}
			kind = (int)k + PL_DEFAULT;
			if (kind != PL_DEFAULT && !(payload = hr_next_arg(argc, args, pos, act, "an argument after the payload keyword", err)))
				goto out;
		} else if (!strcmp(w, "hdr")) {
			struct reply_hdr *nh;
			const char *n, *v;
			char *nb;

			if (*pos + 1 >= argc || hr_is_cond_word(args[*pos]) || hr_is_cond_word(args[*pos + 1])) {
				hr_set_err(err, "'%s' : 'hdr' expects a name and a value.", act);
				goto out;
			}
			n = args[(*pos)++];
			v = args[(*pos)++];
			nh = realloc(f->hdrs, (size_t)(f->nb_hdrs + 1) * sizeof(*nh));
			if (!nh) {
				hr_set_err(err, "out of memory");
				goto out;
			}
			f->hdrs = nh;
			nh[f->nb_hdrs].lf = NULL;
			if (!(nh[f->nb_hdrs].name = strdup(n))) {
				hr_set_err(err, "out of memory");
				goto out;
			}
			f->nb_hdrs++;
			if (hr_parse_lf(v, r->is_req, &nh[f->nb_hdrs - 1].lf, act, err) < 0)
				goto out;
			if (strchr(v, '%'))
				dynamic = 1;
			nb = realloc(hdrs, hlen + strlen(n) + strlen(v) + 5);
			if (!nb) {
				hr_set_err(err, "out of memory");
				goto out;
			}
			hdrs = nb;
			hlen += (size_t)sprintf(hdrs + hlen, "%s: %s\r\n", n, v);
		} else {
			hr_set_err(err, "'%s' : unexpected '%s' (expected status, content-type, default-errorfiles, errorfile, errorfiles, file, string, lf-file, lf-string, hdr, if or unless).", act, w);
			goto out;
		}
	}

	if (r->act != HA_RETURN && kind == PL_NONE && !ctype && !hdrs)
		kind = PL_DEFAULT;   /* deny [deny_status N]: default-errorfiles implied */
	switch (kind) {
	case PL_NONE:                /* return without payload: empty body */
		if (ctype) {
			hr_set_err(err, "'%s' : 'content-type' needs a payload (file, string, lf-file or lf-string).", act);
			goto out;
		}
		break;
	case PL_DEFAULT:
		if (!has_error_page(r->status)) {
			hr_set_err(err, "'%s' : status %d has no error message (with default-errorfiles it must be one of 200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 414, 421, 425, 429, 431, 500, 501, 502, 503, 504, 505).", act, r->status);
			goto out;
		}
		if (hdrs) {
			hr_set_err(err, "'%s' : 'hdr' cannot be used with the default error messages.", act);
			goto out;
		}
		r->reply = NULL;
		ret = 0;
		goto out;
	case PL_ERRORFILE: {
		char *why = NULL;
		struct http_reply *rep = http_reply_load_errorfile(payload, &why);

		if (!rep) {
			hr_set_err(err, "'%s' : %s", act, why ? why : "cannot load errorfile");
			free(why);
			goto out;
		}
		if (ctype || hdrs) {
			hr_set_err(err, "'%s' : 'content-type' and 'hdr' cannot be used with 'errorfile' (the file holds the whole response).", act);
			goto out;
		}
		if (!explicit_status)
			r->status = rep->status;
		r->reply = rep;
		ret = 0;
		goto out;
	}
	case PL_ERRORFILES: {
		const struct http_errors *he = http_errors_find(payload);

		if (!he) {
			hr_set_err(err, "'%s' : unknown http-errors section '%s'.", act, payload);
			goto out;
		}
		if (ctype || hdrs) {
			hr_set_err(err, "'%s' : 'content-type' and 'hdr' cannot be used with 'errorfiles'.", act);
			goto out;
		}
		if (!has_error_page(r->status)) {
			hr_set_err(err, "'%s' : status %d cannot have an error file.", act, r->status);
			goto out;
		}
		r->reply = http_errors_page(he, r->status);   /* NULL: the proxy's page, as HAProxy */
		ret = 0;
		goto out;
	}
	case PL_FILE:
	case PL_LF_FILE:
		if (!(body = read_file(payload, &blen, act, err)))
			goto out;
		body[blen] = '\0';
		break;
	case PL_STRING:
	case PL_LF_STRING:
		if (!(body = strdup(payload))) {
			hr_set_err(err, "out of memory");
			goto out;
		}
		blen = strlen(body);
		break;
	}
	if (blen && !ctype) {
		hr_set_err(err, "'%s' : a non-empty '%s' payload needs a 'content-type'.", act, kinds[kind - PL_DEFAULT]);
		goto out;
	}
	if (!blen)
		ctype = NULL;   /* no body: no Content-Type, as HAProxy */
	if (kind == PL_LF_FILE || kind == PL_LF_STRING) {
		if (hr_parse_lf(body, r->is_req, &f->body_lf, act, err) < 0)
			goto out;
		dynamic = 1;
	}
	if (dynamic) {
		if (ctype && !(f->ctype = strdup(ctype))) {
			hr_set_err(err, "out of memory");
			goto out;
		}
		f->body = body;
		f->blen = blen;
		body = NULL;
		r->rfmt = f;
		f = NULL;
		ret = 0;
		goto out;
	}
	r->reply = http_reply_make(r->status, ctype, body ? body : "", blen, hdrs);
	if (!r->reply) {
		hr_set_err(err, "out of memory");
		goto out;
	}
	ret = 0;
out:
	hr_reply_fmt_free(f);
	free(body);
	free(hdrs);
	return ret;
}

/* Renders the reply <f> of rule <r> for <s> into <out> (<room> bytes).
 * Returns its length, 0 if it does not fit.
 */
size_t hr_render_reply(const struct http_rule *r, const struct reply_fmt *f, struct stream *s, char *out,
                           size_t room)
{
	char hdrs[VALUE_MAX], body[VALUE_MAX];
	const char *b = f->body;
	size_t hlen = 0, blen = f->blen;

	for (int i = 0; i < f->nb_hdrs; i++) {
		size_t nlen = strlen(f->hdrs[i].name), vlen;

		if (hlen + nlen + 4 > sizeof(hdrs))
			return 0;
		memcpy(hdrs + hlen, f->hdrs[i].name, nlen);
		memcpy(hdrs + hlen + nlen, ": ", 2);
		vlen = logformat_render(f->hdrs[i].lf, s, hdrs + hlen + nlen + 2, sizeof(hdrs) - hlen - nlen - 4);
		if (!vlen)
			continue;   /* an empty value: no header, as HAProxy */
		hlen += nlen + 2 + vlen;
		memcpy(hdrs + hlen, "\r\n", 2);
		hlen += 2;
	}
	if (f->body_lf) {
		blen = logformat_render(f->body_lf, s, body, sizeof(body));
		b = body;
	}
	return http_reply_write(out, room, r->status, blen ? f->ctype : NULL, hdrs, hlen, b, blen);
}

/* `http-error` replies rendered per request: kept reachable until exit,
 * as the constant replies (proxies and defaults share them). Parse time
 * only.
 */
static struct list http_error_rules = LIST_HEAD_INIT(http_error_rules);

int http_error_rule_parse(struct proxy *px, int argc, char **args, const char *file, int line, char **err)
{
	char **av = calloc((size_t)argc + 1, sizeof(*av));
	struct http_rule *r;
	int pos = 0, idx;

	if (!av)
		return hr_set_err(err, "out of memory");
	if (argc < 3 || strcmp(args[1], "status")) {
		free(av);
		return hr_set_err(err, "'http-error' expects 'status <code>' first.");
	}
	if (hr_parse_status(args[2], 200, 599, &idx) < 0 || http_errorfile_index(idx) < 0) {
		free(av);
		return hr_set_err(err, "'http-error' : status %s cannot be customised (supported: 200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 429, 500, 501, 502, 503, 504).", args[2]);
	}
	av[0] = "return";   /* the reply options of `return` */
	for (int i = 1; i < argc; i++)
		av[i] = args[i];
	r = http_rule_parse(1, argc, av, &pos, file, line, err);
	free(av);
	if (!r)
		return -1;
	if (pos < argc) {
		http_rule_destroy(r);
		return hr_set_err(err, "'http-error' : unexpected '%s' (conditions are not allowed).", args[pos]);
	}
	idx = http_errorfile_index(r->status);
	if (r->rfmt) {
		list_append(&http_error_rules, &r->list);
		px->error_fmts[idx] = r;
		return 0;
	}
	if (r->reply) {   /* a constant reply: an errorfile */
		px->errorfiles[idx] = r->reply;
		px->error_fmts[idx] = NULL;
	}
	/* default-errorfiles: the proxy's page stays */
	http_rule_destroy(r);
	return 0;
}

size_t http_error_render(const struct proxy *px, int status, struct stream *s, char *out, size_t room)
{
	int idx = http_errorfile_index(status);
	const struct http_rule *r = idx < 0 ? NULL : px->error_fmts[idx];

	return r ? hr_render_reply(r, r->rfmt, s, out, room) : 0;
}
