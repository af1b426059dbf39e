/*
 * `userlist` sections and HTTP Basic authentication: parsing of the
 * section, the credential check, and the http_auth() / http_auth_group()
 * fetches. See userlist.h.
 */
#include <crypt.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tollgate/base64.h>
#include <tollgate/cfg.h>
#include <tollgate/errmsg.h>
#include <tollgate/http_msg.h>
#include <tollgate/http_txn.h>
#include <tollgate/sample.h>
#include <tollgate/userlist.h>

#define UL_MAX_GROUPS 63                 /* bit 63 of an iteration state marks "started" */
#define UL_ITER_STARTED (1ULL << 63)

struct ul_user {
	char *name;
	char *pass;                  /* hash or clear text, NULL: never matches */
	int hashed;                  /* `password` (crypt) rather than `insecure-password` */
	char *groups_csv;            /* `groups` as written, resolved by userlist_finalize() */
	char *file;                  /* where declared */
	int line;
	uint64_t groups;             /* bit i: member of group i */
};

struct ul_group {
	char *name;
	char *users_csv;             /* `users` as written, or NULL */
	char *file;
	int line;
};

struct userlist {
	char *name;
	struct ul_user *users;
	unsigned int nb_users;
	struct ul_group *groups;
	unsigned int nb_groups;
	struct userlist *next;
};

static struct userlist *userlists;

const struct userlist *userlist_find(const char *name)
{
	for (struct userlist *ul = userlists; ul; ul = ul->next)
		if (!strcmp(ul->name, name))
			return ul;
	return NULL;
}

static struct ul_user *ul_user_find(const struct userlist *ul, const char *name, size_t len)
{
	for (unsigned int i = 0; i < ul->nb_users; i++)
		if (strlen(ul->users[i].name) == len && !memcmp(ul->users[i].name, name, len))
			return &ul->users[i];
	return NULL;
}

static int ul_group_find(const struct userlist *ul, const char *name, size_t len)
{
	for (unsigned int i = 0; i < ul->nb_groups; i++)
		if (strlen(ul->groups[i].name) == len && !memcmp(ul->groups[i].name, name, len))
			return (int)i;
	return -1;
}

const char *userlist_group_name(const struct userlist *ul, unsigned int idx)
{
	return idx < ul->nb_groups ? ul->groups[idx].name : NULL;
}

/* ---- the check ---- */

int userlist_check(const struct userlist *ul, const char *user, size_t ulen, const char *pass, size_t plen,
                   uint64_t *groups)
{
	const struct ul_user *u = ul_user_find(ul, user, ulen);
	char pw[256];
	int ok;

	if (!u || !u->pass || plen >= sizeof(pw) || memchr(pass, 0, plen))
		return 0;
	if (u->hashed) {
		struct crypt_data cd;
		const char *h;

		memcpy(pw, pass, plen);
		pw[plen] = 0;
		cd.initialized = 0;
		h = crypt_r(pw, u->pass, &cd);
		ok = h && *h != '*' && !strcmp(h, u->pass);
		memset(pw, 0, sizeof(pw));
	} else {
		ok = strlen(u->pass) == plen && !memcmp(u->pass, pass, plen);
	}
	if (ok && groups)
		*groups = u->groups;
	return ok;
}

enum http_auth_method http_auth_parse(const struct http_head *req, int proxy, char *buf, size_t room,
                                      struct http_auth_cred *c)
{
	const char *name = proxy ? "proxy-authorization" : "authorization";
	int pos = -1, idx = http_hdr_next(req, name, strlen(name), &pos);
	const char *v, *sp, *colon;
	size_t vlen, slen;
	ssize_t n;

	memset(c, 0, sizeof(*c));
	if (idx < 0)
		return HTTP_AUTH_NONE;
	v = req->f[idx].v;
	vlen = req->f[idx].vlen;
	if ((sp = memchr(v, ',', vlen)))          /* the first element, as HAProxy's header lookup */
		vlen = (size_t)(sp - v);
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	sp = memchr(v, ' ', vlen);
	if (!sp || sp == v)
		return HTTP_AUTH_NONE;
	slen = (size_t)(sp - v);
	c->data = sp;
	c->dlen = vlen - slen;
	while (c->dlen && *c->data == ' ') {
		c->data++;
		c->dlen--;
	}
	if (slen == 6 && !strncasecmp(v, "Bearer", 6))
		return c->method = HTTP_AUTH_BEARER;
	if (slen != 5 || strncasecmp(v, "Basic", 5))
		return HTTP_AUTH_NONE;
	n = base64_decode(c->data, c->dlen, buf, room);
	if (n < 0 || !(colon = memchr(buf, ':', (size_t)n)))
		return HTTP_AUTH_NONE;
	c->user = buf;
	c->ulen = (size_t)(colon - buf);
	c->pass = colon + 1;
	c->plen = (size_t)n - c->ulen - 1;
	return c->method = HTTP_AUTH_BASIC;
}

long http_basic_cred(const struct http_head *req, char *out, size_t room)
{
	struct http_auth_cred c;

	if (http_auth_parse(req, 0, out, room, &c) != HTTP_AUTH_BASIC)
		return -1;
	return (long)(c.ulen + 1 + c.plen);
}

/* Reads the request's credentials into <c> (Basic ones decoded into <buf>
 * of <room> bytes). Returns their method, HTTP_AUTH_NONE without a request.
 */
static enum http_auth_method req_cred(const struct sample_ctx *ctx, char *buf, size_t room, struct http_auth_cred *c)
{
	const struct http_txn *txn = ctx->txn;

	memset(c, 0, sizeof(*c));
	if (!txn || !(txn->flags & TX_HAS_REQ))
		return HTTP_AUTH_NONE;
	return http_auth_parse(&txn->req, !!(txn->flags & TX_USE_PX_CONN), buf, room, c);
}

/* The userlist of argument <arg>: its name, looked up when evaluated since
 * a list may be declared after its use (read-only once parsed).
 */
static const struct userlist *arg_userlist(const struct sample_arg *arg)
{
	return userlist_find(arg->data.str.ptr);
}

/* Checks the request's Basic credentials against the userlist in
 * <args>[0]; <c> receives them, decoded into <buf> (<room> bytes).
 */
static int auth_ok(const struct sample_arg *args, const struct sample_ctx *ctx, uint64_t *groups, char *buf,
                   size_t room, struct http_auth_cred *c)
{
	const struct userlist *ul = arg_userlist(&args[0]);

	if (req_cred(ctx, buf, room, c) != HTTP_AUTH_BASIC || !ul)
		return 0;
	return userlist_check(ul, c->user, c->ulen, c->pass, c->plen, groups);
}

/* No value without Basic credentials, as HAProxy (false in an ACL). */
static int smp_http_auth(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct http_auth_cred c;
	char buf[512];
	int ok = auth_ok(args, ctx, NULL, buf, sizeof(buf), &c);

	if (c.method != HTTP_AUTH_BASIC)
		return 0;
	sample_set_bool(smp, ok);
	return 1;
}

/* The user name, as HAProxy; in an ACL (SMP_OPT_ACL) the names of the
 * user's groups one by one instead, so that the patterns are groups.
 */
static int smp_http_auth_group(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct userlist *ul = arg_userlist(&args[0]);
	uint64_t mask = smp->fctx.u & ~UL_ITER_STARTED;
	unsigned int g;

	if (!ul)
		return 0;
	if (!(smp->fctx.u & UL_ITER_STARTED)) {
		struct http_auth_cred c;

		if (!auth_ok(args, ctx, &mask, sample_scratch(), SAMPLE_SCRATCH_SIZE, &c))
			return 0;
		if (!(ctx->opt & SMP_OPT_ACL)) {
			sample_set_str(smp, c.user, c.ulen);
			return 1;
		}
	}
	if (!mask)
		return 0;
	g = (unsigned int)__builtin_ctzll(mask);
	mask &= mask - 1;
	smp->fctx.u = mask | UL_ITER_STARTED;
	if (mask)
		smp->flags |= SMP_F_NOT_LAST;
	sample_set_str(smp, ul->groups[g].name, strlen(ul->groups[g].name));
	return 1;
}

/* http_auth_type: "Basic" or "Bearer"; http_auth_user / http_auth_pass:
 * the Basic user and password (no value for other schemes).
 */
static int smp_http_auth_field(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	enum { F_TYPE, F_USER, F_PASS } f = (int)(intptr_t)smp->kw_private;
	struct http_auth_cred c;
	enum http_auth_method m = req_cred(ctx, sample_scratch(), SAMPLE_SCRATCH_SIZE, &c);

	(void)args;
	if (m == HTTP_AUTH_NONE || (f != F_TYPE && m != HTTP_AUTH_BASIC))
		return 0;
	if (f == F_TYPE)
		sample_set_str(smp, m == HTTP_AUTH_BASIC ? "Basic" : "Bearer", m == HTTP_AUTH_BASIC ? 5 : 6);
	else if (f == F_USER)
		sample_set_str(smp, c.user, c.ulen);
	else
		sample_set_str(smp, c.pass, c.plen);
	return 1;
}

/* http_auth_bearer([<header>]): the Bearer token of the Authorization
 * field; with a header name, of that field, where HAProxy answers an empty
 * string when the field is absent or holds another scheme.
 */
static int smp_http_auth_bearer(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct http_txn *txn = ctx->txn;
	struct http_auth_cred c;

	if (!txn || !(txn->flags & TX_HAS_REQ))
		return 0;
	if (args[0].type == SMP_ARGT_STR) {
		const char *n = args[0].data.str.ptr, *v, *sp;
		int pos = -1, idx = http_hdr_next(&txn->req, n, strlen(n), &pos);
		size_t vlen;

		sample_set_str(smp, "", 0);
		if (idx < 0)
			return 1;
		v = txn->req.f[idx].v;
		vlen = txn->req.f[idx].vlen;
		if ((sp = memchr(v, ',', vlen)))
			vlen = (size_t)(sp - v);
		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (!(sp = memchr(v, ' ', vlen)) || sp - v != 6 || strncasecmp(v, "Bearer", 6))
			return 1;
		while (sp < v + vlen && *sp == ' ')
			sp++;
		sample_set_str(smp, sp, (size_t)(v + vlen - sp));
		return 1;
	}
	if (req_cred(ctx, sample_scratch(), SAMPLE_SCRATCH_SIZE, &c) != HTTP_AUTH_BEARER)
		return 0;
	sample_set_str(smp, c.data, c.dlen);
	return 1;
}

/* Userlist names used before their section, checked by userlist_finalize(). */
struct ul_ref {
	char *name;
	char *file;                  /* where it was used */
	int line;
	struct ul_ref *next;
};

static struct ul_ref *ul_refs;

/* Checks the userlist argument at parse time: a known list is fine; an
 * unknown one is remembered with its place for userlist_finalize(), since
 * HAProxy accepts a list declared after its use.
 */
static int ul_arg_check(struct sample_arg *args, char **err)
{
	struct ul_ref *r;
	const char *file = "?";
	int line = 0;

	if (userlist_find(args[0].data.str.ptr))
		return 0;
	cfg_where(&file, &line);
	r = calloc(1, sizeof(*r));
	if (!r || !(r->name = strdup(args[0].data.str.ptr)) || !(r->file = strdup(file))) {
		if (r)
			free(r->name);
		free(r);
		return err_set(err, "out of memory");
	}
	r->line = line;
	r->next = ul_refs;
	ul_refs = r;
	return 0;
}

#define REQ (SMP_USE_HTTP_REQ | SMP_USE_L6REQ)

static struct sample_fetch_kw_list ul_fetch_list = { .kw = {
	{ "http_auth",        smp_http_auth,        SMP_ARG1(1, STR), ul_arg_check, SMP_T_BOOL, REQ, NULL, 0 },
	{ "http_auth_group",  smp_http_auth_group,  SMP_ARG1(1, STR), ul_arg_check, SMP_T_STR,  REQ, NULL, SMP_KW_ACL_CTX },
	{ "http_auth_type",   smp_http_auth_field,  0,                NULL,         SMP_T_STR,  REQ, (void *)0, 0 },
	{ "http_auth_user",   smp_http_auth_field,  0,                NULL,         SMP_T_STR,  REQ, (void *)1, 0 },
	{ "http_auth_pass",   smp_http_auth_field,  0,                NULL,         SMP_T_STR,  REQ, (void *)2, 0 },
	{ "http_auth_bearer", smp_http_auth_bearer, SMP_ARG1(0, STR), NULL,         SMP_T_STR,  REQ, NULL, 0 },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, 0 },
} };

#undef REQ

/* ---- the section ---- */

static int ul_begin(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct userlist *ul, **pp;

	ctx->section_data = NULL;
	if (argc < 2)
		return cfg_set_err(err, "'userlist' expects <name> as argument.");
	if (userlist_find(args[1]))
		return cfg_set_err(err, "'userlist' : userlist '%s' already exists.", args[1]);
	ul = calloc(1, sizeof(*ul));
	if (!ul || !(ul->name = strdup(args[1]))) {
		free(ul);
		return cfg_set_err(err, "out of memory");
	}
	for (pp = &userlists; *pp; pp = &(*pp)->next)
		;
	*pp = ul;
	ctx->section_data = ul;
	return CFG_OK;
}

static int kw_group(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct userlist *ul = ctx->section_data;
	struct ul_group *g;

	if (!ul)
		return CFG_OK;
	if (argc < 2)
		return cfg_set_err(err, "'group' expects <name> as argument.");
	if (ul_group_find(ul, args[1], strlen(args[1])) >= 0)
		return cfg_set_err(err, "'group' : group '%s' already exists in userlist '%s'.", args[1], ul->name);
	if (ul->nb_groups >= UL_MAX_GROUPS)
		return cfg_set_err(err, "'group' : too many groups in userlist '%s' (at most %d).", ul->name, UL_MAX_GROUPS);
	if (argc > 2 && (strcmp(args[2], "users") || argc != 4))
		return cfg_set_err(err, "'group %s' : expects 'users <user>,<user>...' after the name.", args[1]);
	g = realloc(ul->groups, (ul->nb_groups + 1) * sizeof(*g));
	if (!g)
		return cfg_set_err(err, "out of memory");
	ul->groups = g;
	g = &g[ul->nb_groups];
	memset(g, 0, sizeof(*g));
	g->name = strdup(args[1]);
	g->file = strdup(ctx->file);
	g->line = ctx->line;
	g->users_csv = argc > 2 ? strdup(args[3]) : NULL;
	if (!g->name || !g->file || (argc > 2 && !g->users_csv))
		return cfg_set_err(err, "out of memory");
	ul->nb_groups++;
	return CFG_OK;
}

static int kw_user(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct userlist *ul = ctx->section_data;
	struct ul_user u = { 0 }, *t;

	if (!ul)
		return CFG_OK;
	if (argc < 2)
		return cfg_set_err(err, "'user' expects <name> as argument.");
	if (ul_user_find(ul, args[1], strlen(args[1])))
		return cfg_set_err(err, "'user' : user '%s' already exists in userlist '%s'.", args[1], ul->name);
	for (int i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			return cfg_set_err(err, "'user %s' : '%s' expects an argument.", args[1], args[i]);
		if (!strcmp(args[i], "password") || !strcmp(args[i], "insecure-password")) {
			free(u.pass);
			u.pass = strdup(args[i + 1]);
			u.hashed = args[i][0] == 'p';
		} else if (!strcmp(args[i], "groups")) {
			free(u.groups_csv);
			u.groups_csv = strdup(args[i + 1]);
		} else {
			free(u.pass);
			free(u.groups_csv);
			return cfg_set_err(err, "'user %s' : unexpected '%s' (expected 'password', 'insecure-password' or 'groups').",
			                   args[1], args[i]);
		}
	}
	t = realloc(ul->users, (ul->nb_users + 1) * sizeof(*t));
	if (!t) {
		free(u.pass);
		free(u.groups_csv);
		return cfg_set_err(err, "out of memory");
	}
	ul->users = t;
	u.name = strdup(args[1]);
	u.file = strdup(ctx->file);
	u.line = ctx->line;
	ul->users[ul->nb_users++] = u;
	if (!u.name || !u.file)
		return cfg_set_err(err, "out of memory");
	return CFG_OK;
}

/* Calls <fn> on each comma-separated name of <csv>; returns the sum of
 * its results.
 */
static int each_name(const char *csv, int (*fn)(struct userlist *ul, void *item, const char *n, size_t len),
                     struct userlist *ul, void *item)
{
	int errs = 0;

	while (csv && *csv) {
		size_t len = strcspn(csv, ",");

		if (len)
			errs += fn(ul, item, csv, len);
		csv += len + (csv[len] == ',');
	}
	return errs;
}

static void (*fin_report)(void *arg, int is_err, const char *file, int line, const char *msg);
static void *fin_arg;

static int fin_group_user(struct userlist *ul, void *item, const char *n, size_t len)
{
	struct ul_group *g = item;
	struct ul_user *u = ul_user_find(ul, n, len);
	char msg[512];

	if (u) {
		u->groups |= 1ULL << (g - ul->groups);
		return 0;
	}
	snprintf(msg, sizeof(msg), "userlist '%s': no such user '%.*s' in group '%s'.", ul->name, (int)len, n, g->name);
	fin_report(fin_arg, 1, g->file, g->line, msg);
	return 1;
}

static int fin_user_group(struct userlist *ul, void *item, const char *n, size_t len)
{
	struct ul_user *u = item;
	int g = ul_group_find(ul, n, len);
	char msg[512];

	if (g >= 0) {
		u->groups |= 1ULL << g;
		return 0;
	}
	snprintf(msg, sizeof(msg), "userlist '%s': no such group '%.*s' for user '%s'.", ul->name, (int)len, n, u->name);
	fin_report(fin_arg, 1, u->file, u->line, msg);
	return 1;
}

int userlist_finalize(void (*report)(void *arg, int is_err, const char *file, int line, const char *msg),
                      void *arg)
{
	int errs = 0;

	fin_report = report;
	fin_arg = arg;
	for (struct userlist *ul = userlists; ul; ul = ul->next) {
		for (unsigned int i = 0; i < ul->nb_groups; i++)
			errs += each_name(ul->groups[i].users_csv, fin_group_user, ul, &ul->groups[i]);
		for (unsigned int i = 0; i < ul->nb_users; i++)
			errs += each_name(ul->users[i].groups_csv, fin_user_group, ul, &ul->users[i]);
	}
	while (ul_refs) {
		struct ul_ref *r = ul_refs;
		char msg[512];

		if (!userlist_find(r->name)) {
			snprintf(msg, sizeof(msg), "unable to find userlist '%s'.", r->name);
			report(arg, 1, r->file, r->line, msg);
			errs++;
		}
		ul_refs = r->next;
		free(r->name);
		free(r->file);
		free(r);
	}
	return errs;
}

static struct cfg_kw userlist_kws[] = {
	{ "group", kw_group, 0 },
	{ "user", kw_user, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list userlist_kw_list = { .scope = "userlist", .kws = userlist_kws };

static struct cfg_section userlist_section = {
	.name = "userlist",
	.begin = ul_begin,
	.kw_scope = "userlist",
};

__attribute__((constructor)) static void userlist_register(void)
{
	cfg_register_section(&userlist_section);
	cfg_register_keywords(&userlist_kw_list);
	sample_register_fetches(&ul_fetch_list);
}
