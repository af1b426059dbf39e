/*
 * crt-lists (tls.h): the registry of lists and their lines, the options
 * of a line merged over a bind's, and the admin socket's show/add/del.
 * A line becomes a context of each bind using the list (tls.c's
 * tls_add_cert()); adding and removing run under thread isolation, as a
 * certificate commit does, since every worker reads the contexts and the
 * names at each handshake.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include <tollgate/isolate.h>
#include <tollgate/tls.h>

#include "tls_int.h"

struct crtlist {
	char *path;
	struct crtlist_entry *entries; /* in order */
	int lines;                     /* the file's line count, then the last line number given */
	int dir;                       /* a directory given to 'crt': its files, line numbers 0 */
	struct tls_bind **binds;       /* binds using the list */
	unsigned int nbinds;
	struct crtlist *next;
};

static struct crtlist *crtlists;

static struct crtlist *crtlist_find(const char *path)
{
	struct crtlist *l;

	for (l = crtlists; l && strcmp(l->path, path); l = l->next)
		;
	return l;
}

int tls_crtlist_names(const char *path)
{
	for (const struct crtlist *l = crtlists; l; l = l->next)
		for (const struct crtlist_entry *e = l->entries; e; e = e->next)
			if (!strcmp(e->ln.crt, path))
				return 1;
	return 0;
}

int tls_crtlist_known(const char *path)
{
	return crtlist_find(path) != NULL;
}

int tls_crtlist_create(const char *path)
{
	struct crtlist *l, **last = &crtlists;

	if (crtlist_find(path))
		return 0;
	while (*last)
		last = &(*last)->next;
	l = calloc(1, sizeof(*l));
	if (!l || !(l->path = strdup(path))) {
		free(l);
		return -ENOMEM;
	}
	*last = l;
	return 0;
}

void tls_crtlist_line_clear(struct tls_crtlist_line *ln)
{
	free(ln->crt);
	tls_conf_clear(&ln->delta);
	for (unsigned int i = 0; i < ln->nfilters; i++)
		free(ln->filters[i]);
	free(ln->filters);
	memset(ln, 0, sizeof(*ln));
}

static struct crtlist_entry *entry_new(struct tls_crtlist_line *ln)
{
	struct crtlist_entry *e = calloc(1, sizeof(*e));

	if (e) {
		e->ln = *ln;
		memset(ln, 0, sizeof(*ln));
	}
	return e;
}

static void entry_append(struct crtlist *l, struct crtlist_entry *e)
{
	struct crtlist_entry **last = &l->entries;

	while (*last)
		last = &(*last)->next;
	*last = e;
}

int tls_crtlist_dir_add(const char *dir, const char *file)
{
	struct tls_crtlist_line ln = { 0 };
	struct crtlist *l;
	struct crtlist_entry *e;

	if (tls_crtlist_create(dir) < 0 || !(l = crtlist_find(dir)) || !(ln.crt = strdup(file)))
		return -ENOMEM;
	l->dir = 1;
	if (!(e = entry_new(&ln))) {
		free(ln.crt);
		return -ENOMEM;
	}
	entry_append(l, e);
	return 0;
}

int tls_crtlist_append(const char *path, struct tls_crtlist_line *ln, int lines)
{
	struct crtlist *l = crtlist_find(path);
	struct crtlist_entry *e;

	if (!l)
		return -1;
	l->lines = lines;
	if (!ln)
		return 0;
	if (!(e = entry_new(ln)))
		return -1;
	entry_append(l, e);
	return 0;
}

static int delta_empty(const struct tls_conf *d)
{
	return !d->ca_file && !d->crl_file && !d->verify && !d->alpn && !d->ciphers && !d->ciphersuites && !d->curves &&
	       !d->min_ver && !d->max_ver && !d->flags;
}

/* The bind's options <bc> with those line <ent> sets over them, in *<out>
 * (NULL: the line sets none). 0 or -1.
 */
static int conf_merge(const struct tls_bind *b, const struct crtlist_entry *ent, struct tls_conf **out,
                      char *err, size_t errlen)
{
	const struct tls_conf *bc = &b->conf;
	const struct tls_conf *d = &ent->ln.delta;
	struct tls_conf *c;

	*out = NULL;
	if (delta_empty(d))
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c || tls_conf_dup(c, bc) < 0)
		goto oom;
	/* the line's certificate comes from the line */
	for (unsigned int i = 0; i < c->ncrt; i++)
		free(c->crt[i]);
	free(c->crt);
	free(c->crt_list);
	c->crt = NULL;
	c->crt_list = NULL;
	c->ncrt = 0;
#define OVER(f) do { if (d->f) { free(c->f); if (!(c->f = strdup(d->f))) goto oom; } } while (0)
	OVER(ca_file);
	OVER(crl_file);
	OVER(ciphers);
	OVER(ciphersuites);
	OVER(curves);
#undef OVER
	if (d->alpn) {
		free(c->alpn);
		if (!(c->alpn = malloc(d->alpn_len)))
			goto oom;
		memcpy(c->alpn, d->alpn, d->alpn_len);
		c->alpn_len = d->alpn_len;
	}
	if (d->verify)
		c->verify = d->verify;
	if (d->min_ver)
		c->min_ver = d->min_ver;
	if (d->max_ver)
		c->max_ver = d->max_ver;
	c->flags |= d->flags;
	if ((c->verify == TLS_VERIFY_REQUIRED || c->verify == TLS_VERIFY_OPTIONAL) && !c->ca_file) {
		snprintf(err, errlen, "Proxy '%s': verify is enabled but no CA file specified for bind '%s' at [%s].",
		         b->fe, b->addr, b->where);
		goto fail;
	}
	*out = c;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	if (c)
		tls_conf_clear(c);
	free(c);
	return -1;
}

/* Serves line <e> on <b>. 0 or -1. */
static int entry_add(struct tls_bind *b, struct crtlist_entry *e, int mem, char *err, size_t errlen)
{
	struct tls_conf *own;

	if (conf_merge(b, e, &own, err, errlen) < 0)
		return -1;
	return tls_add_cert(b, e->ln.crt, e, own, mem, err, errlen);
}

int tls_bind_add_crtlist(struct tls_bind *b, const char *path, char *err, size_t errlen)
{
	struct crtlist *l = crtlist_find(path);
	struct tls_bind **bs;

	if (!l) {
		snprintf(err, errlen, "crt-list '%s' is not loaded", path);
		return -1;
	}
	bs = realloc(l->binds, (l->nbinds + 1) * sizeof(*bs));
	if (!bs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	l->binds = bs;
	l->binds[l->nbinds++] = b;
	for (struct crtlist_entry *e = l->entries; e; e = e->next) {
		if (entry_add(b, e, 0, err, errlen) < 0) {
			size_t n = strlen(err);

			if (!l->dir)
				snprintf(err + n, errlen - n, " (crt-list '%s' line %d)", path, e->ln.linenum);
			return -1;
		}
	}
	return 0;
}

/* ---- crt-lists at runtime (admin socket) ---- */

static const char *version_name(int v)
{
	switch (v) {
	case SSL3_VERSION: return "SSLv3";
	case TLS1_VERSION: return "TLSv1.0";
	case TLS1_1_VERSION: return "TLSv1.1";
	case TLS1_2_VERSION: return "TLSv1.2";
	default: return "TLSv1.3";
	}
}

/* The [options] of a line as HAProxy prints them (its order). */
static size_t opts_text(const struct tls_conf *d, char *out, size_t len)
{
	size_t o = 0;

#define ADD(...) do { if (o < len) o += (size_t)snprintf(out + o, len - o, __VA_ARGS__); } while (0)
	if (delta_empty(d))
		return 0;
	ADD(" [");
	if (d->alpn) {
		ADD("alpn ");
		for (unsigned int r = 0; r < d->alpn_len; r += d->alpn[r] + 1U)
			ADD("%s%.*s", r ? "," : "", d->alpn[r], (const char *)d->alpn + r + 1);
	}
	if (d->verify)
		ADD("%sverify %s", d->alpn ? " " : "", d->verify == TLS_VERIFY_NONE ? "none" :
		    d->verify == TLS_VERIFY_OPTIONAL ? "optional" : "required");
	if (d->ca_file)
		ADD("%sca-file %s", o > 2 ? " " : "", d->ca_file);
	if (d->crl_file)
		ADD("%scrl-file %s", o > 2 ? " " : "", d->crl_file);
	if (d->ciphers)
		ADD("%sciphers %s", o > 2 ? " " : "", d->ciphers);
	if (d->ciphersuites)
		ADD("%sciphersuites %s", o > 2 ? " " : "", d->ciphersuites);
	if (d->curves)
		ADD("%scurves %s", o > 2 ? " " : "", d->curves);
	if (d->min_ver)
		ADD("%sssl-min-ver %s", o > 2 ? " " : "", version_name(d->min_ver));
	if (d->max_ver)
		ADD("%sssl-max-ver %s", o > 2 ? " " : "", version_name(d->max_ver));
	ADD("]");
#undef ADD
	return o < len ? o : len;
}

int tls_crtlist_show(const char *path, int num, char *out, size_t len)
{
	const struct crtlist *l;
	size_t o = 0;

	if (!path) {
		for (l = crtlists; l && o < len; l = l->next)
			o += (size_t)snprintf(out + o, len - o, "%s\n", l->path);
		return o < len ? (int)o : -ENOSPC;
	}
	if (!(l = crtlist_find(path)))
		return -ENOENT;
	o = (size_t)snprintf(out, len, "# %s\n", l->path);
	for (const struct crtlist_entry *e = l->entries; e && o < len; e = e->next) {
		o += (size_t)snprintf(out + o, len - o, "%s", e->ln.crt);
		if (num && o < len)
			o += (size_t)snprintf(out + o, len - o, ":%d", e->ln.linenum);
		if (o < len)
			o += opts_text(&e->ln.delta, out + o, len - o);
		for (unsigned int i = 0; i < e->ln.nfilters && o < len; i++)
			o += (size_t)snprintf(out + o, len - o, " %s", e->ln.filters[i]);
		if (o < len)
			o += (size_t)snprintf(out + o, len - o, "\n");
	}
	return o < len ? (int)o : -ENOSPC;
}

/* Removes line <e> from bind <b>: its uses go; a context left with no
 * certificate goes with its names, one still holding another (a pair) is
 * rebuilt without it. Runs isolated.
 */
static void entry_remove(struct tls_bind *b, const struct crtlist_entry *e)
{
	for (struct cert_file *f = tls_cert_files; f; f = f->next) {
		for (unsigned int i = 0; i < f->nuses; i++) {
			SSL_CTX *ctx = f->uses[i].ctx;
			int left = 0;
			char err[256];

			if (f->uses[i].b != b || f->uses[i].ent != e)
				continue;
			f->uses[i--] = f->uses[--f->nuses];
			for (struct cert_file *g = tls_cert_files; g; g = g->next)
				for (unsigned int j = 0; j < g->nuses; j++)
					left |= g->uses[j].b == b && g->uses[j].ctx == ctx;
			if (left) {
				struct bind_ctx *bc = tls_bind_ctx_of(b, ctx);

				if (bc && bc->ent == e)
					bc->ent = NULL;   /* a plain line: the pair's other file stays */
				tls_ctx_replace(b, ctx, 0, err, sizeof(err));
				continue;
			}
			tls_names_drop(b, ctx);
			for (unsigned int k = 0; k < b->nctx; k++) {
				if (b->ctxs[k].ctx == ctx) {
					memmove(&b->ctxs[k], &b->ctxs[k + 1], (b->nctx - k - 1) * sizeof(*b->ctxs));
					b->nctx--;
					break;
				}
			}
			SSL_CTX_free(ctx);
		}
	}
}

/* Rebuilds the names of <b> from its contexts in order (the first of each
 * key type wins a name), after a removal left names a later context also
 * has. Runs isolated. 0 or -ENOMEM.
 */
static int index_rebuild(struct tls_bind *b)
{
	for (unsigned int i = 0; i < b->nctx; i++)
		tls_names_drop(b, b->ctxs[i].ctx);
	for (unsigned int i = 0; i < b->nctx; i++) {
		SSL_CTX *ctx = b->ctxs[i].ctx;
		const struct crtlist_entry *ent = b->ctxs[i].ent;
		int plain = !SSL_CTX_get_ex_data(ctx, tls_bind_ex_idx) && (!ent || !ent->ln.nfilters);
		int r = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST);

		for (; r; r = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT)) {
			X509 *x = SSL_CTX_get0_certificate(ctx);

			if (x && tls_ctx_index(b, ctx, ent, x, plain) < 0)
				return -ENOMEM;
			if (ent && ent->ln.nfilters)
				break;   /* the filters name the context once */
		}
	}
	qsort(b->sni, b->nsni, sizeof(*b->sni), tls_sni_cmp);
	return 0;
}

int tls_crtlist_check(const char *path, const struct tls_crtlist_line *ln, char *err, size_t errlen)
{
	const struct crtlist *l = crtlist_find(path);
	size_t pl = strlen(path);

	if (!l) {
		snprintf(err, errlen, "crt-list '%s' does not exist!", path);
		return -1;
	}
	if (l->dir && (strncmp(ln->crt, path, pl) || ln->crt[pl] != '/')) {
		snprintf(err, errlen, "'%s' is a directory, certificate path '%s' must contain the directory path",
		         path, ln->crt);
		return -1;
	}
	if (tls_cert_known(ln->crt) <= 0) {
		snprintf(err, errlen, "certificate '%s' %s!", ln->crt, tls_cert_known(ln->crt) ? "is empty" : "does not exist");
		return -1;
	}
	if (l->dir) {
		for (const struct crtlist_entry *e = l->entries; e; e = e->next) {
			if (!strcmp(e->ln.crt, ln->crt)) {
				snprintf(err, errlen, "file already exists in this directory!");
				return -1;
			}
		}
		if (ln->nfilters || !delta_empty(&ln->delta)) {
			snprintf(err, errlen, "this is a directory, SSL configuration and filters are not allowed");
			return -1;
		}
	}
	return 0;
}

int tls_crtlist_add(const char *path, struct tls_crtlist_line *ln, char *err, size_t errlen)
{
	struct crtlist *l = crtlist_find(path);
	struct crtlist_entry *e;
	unsigned int i;
	int ret = 0;

	if (tls_crtlist_check(path, ln, err, errlen) < 0)
		return -1;
	ln->linenum = l->dir ? 0 : ++l->lines;
	if (!(e = entry_new(ln))) {
		snprintf(err, errlen, "Not enough memory!");
		return -1;
	}
	/* the binds' contexts and names are read by every worker at each
	 * handshake: changed alone
	 */
	thread_isolate();
	for (i = 0; i < l->nbinds && !ret; i++) {
		ret = entry_add(l->binds[i], e, 1, err, errlen);
		qsort(l->binds[i]->sni, l->binds[i]->nsni, sizeof(*l->binds[i]->sni), tls_sni_cmp);
	}
	if (ret < 0) {
		for (unsigned int k = 0; k < i; k++)
			entry_remove(l->binds[k], e);
	}
	thread_release();
	if (ret < 0) {
		tls_crtlist_line_clear(&e->ln);
		free(e);
		return -1;
	}
	entry_append(l, e);
	return 0;
}

int tls_crtlist_del(const char *path, const char *crt, int linenum, char *err, size_t errlen)
{
	struct crtlist *l = crtlist_find(path);
	struct crtlist_entry *e, *found = NULL, **pp;
	char nums[256] = "";
	size_t o = 0;
	int count = 0;

	if (!l) {
		snprintf(err, errlen, "crt-list '%s' does not exist!", path);
		return -1;
	}
	if (!tls_cert_find(crt)) {
		snprintf(err, errlen, "certificate '%s' does not exist!", crt);
		return -1;
	}
	for (e = l->entries; e; e = e->next) {
		if (strcmp(e->ln.crt, crt))
			continue;
		count++;
		if (o < sizeof(nums))
			o += (size_t)snprintf(nums + o, sizeof(nums) - o, "%s%d", o ? ", " : "", e->ln.linenum);
		if (!linenum || e->ln.linenum == linenum)
			found = found ? found : e;
	}
	if (!count) {
		snprintf(err, errlen, "certificate '%s' can't be found in crt-list '%s'!", crt, path);
		return -1;
	}
	if (linenum && !found) {
		snprintf(err, errlen, "found a certificate '%s' but the line number is incorrect, please specify a correct line number preceded by colons (%s)!", crt, nums);
		return -1;
	}
	if (!linenum && count > 1) {
		snprintf(err, errlen, "found the certificate '%s' in several entries, please specify a line number preceded by colons (%s)!", crt, nums);
		return -1;
	}
	/* the default certificate of a bind stays */
	o = 0;
	for (unsigned int i = 0; i < l->nbinds; i++) {
		if (strcmp(l->binds[i]->def_file, crt))
			continue;
		if (!o)
			o = (size_t)snprintf(err, errlen, "certificate '%s' cannot be deleted, it is used as default certificate by the following frontends:\n", crt);
		if (o < errlen)
			o += (size_t)snprintf(err + o, errlen - o, "\t- %s\n", l->binds[i]->where);
	}
	if (o)
		return -1;
	thread_isolate();
	for (unsigned int i = 0; i < l->nbinds; i++) {
		entry_remove(l->binds[i], found);
		index_rebuild(l->binds[i]);
	}
	thread_release();
	for (pp = &l->entries; *pp != found; pp = &(*pp)->next)
		;
	*pp = found->next;
	tls_crtlist_line_clear(&found->ln);
	free(found);
	return 0;
}
