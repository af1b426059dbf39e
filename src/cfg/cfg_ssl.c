/*
 * TLS keywords: the `ssl` options of bind and server lines, and the
 * global `ssl-default-*`, `ssl-server-verify`, `crt-base`, `ca-base` and
 * `tune.ssl.*`. Options fill a struct tls_conf (tls.h); the contexts are
 * built at the end of the line (bind) or of the server line, so that a bad
 * certificate is reported at the line that names it.
 *
 * Defaults: the global `ssl-default-bind-*` / `ssl-default-server-*` are
 * copied into a line's conf when its first TLS option appears (globals
 * come first in a configuration, as HAProxy expects).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include <tollgate/cfg.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/proxy-t.h>
#include <tollgate/sample.h>
#include <tollgate/server-t.h>
#include <tollgate/tcpcheck.h>
#include <tollgate/tls.h>

static struct tls_conf def_bind;   /* ssl-default-bind-* */
static struct tls_conf def_srv;    /* ssl-default-server-* */
static char *crt_base, *ca_base;   /* crt-base, ca-base */

/* Options with no value (both sides). Returns 1 if <opt> was one. */
static int flag_option(struct tls_conf *c, const char *opt)
{
	static const struct { const char *name; int min, max; } vers[] = {
		{ "no-sslv3", TLS1_VERSION, 0 }, { "no-tlsv10", TLS1_1_VERSION, 0 },
		{ "no-tlsv11", TLS1_2_VERSION, 0 }, { "no-tlsv12", 0, TLS1_1_VERSION },
		{ "no-tlsv13", 0, TLS1_2_VERSION },
		{ "force-tlsv12", TLS1_2_VERSION, TLS1_2_VERSION }, { "force-tlsv13", TLS1_3_VERSION, TLS1_3_VERSION },
	};

	for (size_t i = 0; i < sizeof(vers) / sizeof(vers[0]); i++) {
		if (strcmp(opt, vers[i].name))
			continue;
		/* "no-" options raise the floor only if it is below, or lower the ceiling */
		if (vers[i].min && (!c->min_ver || c->min_ver < vers[i].min || !strncmp(opt, "force-", 6)))
			c->min_ver = vers[i].min;
		if (vers[i].max)
			c->max_ver = vers[i].max;
		if (!strcmp(opt, "no-tlsv13") && (!c->min_ver || c->min_ver > TLS1_2_VERSION))
			c->min_ver = TLS1_2_VERSION;
		return 1;
	}
	if (!strcmp(opt, "no-tls-tickets")) {
		c->flags |= TLS_O_NO_TICKETS;
		return 1;
	}
	if (!strcmp(opt, "prefer-client-ciphers") || !strcmp(opt, "no-ca-names"))
		return 1;   /* accepted, no effect (doc/configuration.md) */
	return 0;
}

static int set_str(char **dst, const char *val, char **err)
{
	free(*dst);
	*dst = strdup(val);
	return *dst ? 0 : cfg_set_err(err, "out of memory");
}

static int set_path(char **dst, const char *base, const char *val, char **err)
{
	char buf[4096];

	if (base && val[0] != '/') {
		snprintf(buf, sizeof(buf), "%s/%s", base, val);
		val = buf;
	}
	return set_str(dst, val, err);
}

/* Options with a value common to both sides. Returns 1 if consumed, 0 if
 * unknown, -1 on error.
 */
static int value_option(struct tls_conf *c, const char *kw, const char *opt, const char *val, char **err)
{
	char why[256];
	int v;

	if (!strcmp(opt, "ciphers"))
		return set_str(&c->ciphers, val, err) < 0 ? -1 : 1;
	if (!strcmp(opt, "ciphersuites"))
		return set_str(&c->ciphersuites, val, err) < 0 ? -1 : 1;
	if (!strcmp(opt, "curves") || !strcmp(opt, "ecdhe"))
		return set_str(&c->curves, val, err) < 0 ? -1 : 1;
	if (!strcmp(opt, "ca-file"))
		return set_path(&c->ca_file, ca_base, val, err) < 0 ? -1 : 1;
	if (!strcmp(opt, "crl-file"))
		return set_path(&c->crl_file, ca_base, val, err) < 0 ? -1 : 1;
	if (!strcmp(opt, "ssl-min-ver") || !strcmp(opt, "ssl-max-ver")) {
		if (tls_parse_version(val, &v) < 0) {
			cfg_set_err(err, "'%s' : '%s' : unknown version '%s' (expected SSLv3, TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3).", kw, opt, val);
			return -1;
		}
		*(opt[5] == 'i' ? &c->min_ver : &c->max_ver) = v;
		return 1;
	}
	if (!strcmp(opt, "alpn")) {
		if (tls_conf_set_alpn(c, val, why, sizeof(why)) < 0) {
			cfg_set_err(err, "'%s' : 'alpn' : %s.", kw, why);
			return -1;
		}
		return 1;
	}
	return 0;
}

static int parse_verify(const char *kw, const char *val, int server, int *out, char **err)
{
	if (!strcmp(val, "none"))
		*out = TLS_VERIFY_NONE;
	else if (!strcmp(val, "required"))
		*out = TLS_VERIFY_REQUIRED;
	else if (!strcmp(val, "optional") && !server)
		*out = TLS_VERIFY_OPTIONAL;
	else
		return cfg_set_err(err, "'%s' : 'verify' : expected %s, got '%s'.", kw,
		                   server ? "'none' or 'required'" : "'none', 'optional' or 'required'", val);
	return 0;
}

static struct tls_conf *conf_get(struct tls_conf **c, const struct tls_conf *def, char **err)
{
	if (*c)
		return *c;
	*c = calloc(1, sizeof(**c));
	if (!*c || tls_conf_dup(*c, def) < 0) {
		free(*c);
		*c = NULL;
		cfg_set_err(err, "out of memory");
		return NULL;
	}
	return *c;
}

/* Options HAProxy has that Tollgate refuses, with the reason. */
static const struct {
	const char *name;
	const char *why;
} refused_opts[] = {
	{ "npn", "NPN is obsolete and not supported: use 'alpn'" },
	{ "allow-0rtt", "TLS 1.3 early data (0-RTT) is not supported: it would be open to replays" },
	{ "generate-certificates", "not supported" }, { "ca-sign-file", "not supported" },
	{ "ocsp-update", "HAProxy 2.8's automatic OCSP update is an option of crt-list lines ('<crt> [ocsp-update on]'), "
	                 "not of this line" },
};

/* Returns -1 with a message if <opt> is refused, else 0. */
static int refused(const char *kw, const char *opt, char **err)
{
	for (size_t i = 0; i < sizeof(refused_opts) / sizeof(refused_opts[0]); i++)
		if (!strcmp(opt, refused_opts[i].name))
			return cfg_set_err(err, "'%s' : option '%s' : %s.", kw, opt, refused_opts[i].why);
	return 0;
}

/* The options bind and server lines share: flags, and those with a value
 * (ciphers, ciphersuites, curves, ca-file, alpn, ssl-min/max-ver, verify,
 * crt). <c> is the line's conf, created from <def> at its first TLS
 * option. Same returns as cfg_bind_ssl_option().
 */
static int line_option(struct tls_conf **cp, const struct tls_conf *def, int server, const char *kw,
                       int argc, char **args, int *i, char **err)
{
	static const char *const with_value[] = {
		"crt", "verify", "ciphers", "ciphersuites", "curves", "ecdhe", "ca-file", "crl-file", "alpn",
		"ssl-min-ver", "ssl-max-ver",
	};
	const char *opt = args[*i];
	const char *val = *i + 1 < argc ? args[*i + 1] : NULL;
	struct tls_conf *c;
	size_t k;

	if (!strcmp(opt, "no-tls-tickets") || !strncmp(opt, "no-ssl", 6) || !strncmp(opt, "no-tlsv", 7) ||
	    !strncmp(opt, "force-tlsv", 10) || !strcmp(opt, "prefer-client-ciphers") || !strcmp(opt, "no-ca-names")) {
		if (!(c = conf_get(cp, def, err)))
			return -1;
		if (!flag_option(c, opt))
			return cfg_set_err(err, "'%s' : unknown option '%s'.", kw, opt);
		return 1;
	}
	for (k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
		if (!strcmp(opt, with_value[k]))
			break;
	if (k == sizeof(with_value) / sizeof(with_value[0]))
		return 0;
	if (!val)
		return cfg_set_err(err, "'%s' : option '%s' expects a value.", kw, opt);
	if (!(c = conf_get(cp, def, err)))
		return -1;
	(*i)++;
	if (!strcmp(opt, "verify"))
		return parse_verify(kw, val, server, &c->verify, err) < 0 ? -1 : 1;
	if (!strcmp(opt, "crt")) {
		/* bind: one more certificate; server: the client certificate */
		if (!server || !c->ncrt) {
			char **n = realloc(c->crt, (c->ncrt + 1) * sizeof(*n));

			if (!n)
				return cfg_set_err(err, "out of memory");
			c->crt = n;
			if (c->crt_list) {
				unsigned char *kinds = realloc(c->crt_list, c->ncrt + 1);

				if (!kinds)
					return cfg_set_err(err, "out of memory");
				c->crt_list = kinds;
				kinds[c->ncrt] = 0;
			}
			c->crt[c->ncrt++] = NULL;
		}
		return set_path(&c->crt[c->ncrt - 1], crt_base, val, err) < 0 ? -1 : 1;
	}
	return value_option(c, kw, opt, val, err);
}

/* crt-list <file>: the list is read once (cfg_crtlist.c), then named in
 * the bind's certificates in order with the 'crt' ones.
 */
static int crt_list_option(struct tls_conf **cp, const char *kw, int argc, char **args, int *i, char **err)
{
	struct tls_conf *c;
	unsigned char *kinds;
	char **n;

	if (*i + 1 >= argc)
		return cfg_set_err(err, "'%s' : option 'crt-list' expects a value.", kw);
	if (!(c = conf_get(cp, &def_bind, err)))
		return -1;
	(*i)++;
	n = realloc(c->crt, (c->ncrt + 1) * sizeof(*n));
	if (n)
		c->crt = n;
	kinds = n ? realloc(c->crt_list, c->ncrt + 1) : NULL;
	if (!kinds)
		return cfg_set_err(err, "out of memory");
	if (!c->crt_list)
		memset(kinds, 0, c->ncrt);
	c->crt_list = kinds;
	c->crt[c->ncrt] = NULL;
	c->crt_list[c->ncrt++] = 1;
	if (set_path(&c->crt[c->ncrt - 1], crt_base, args[*i], err) < 0)
		return -1;
	return cfg_crtlist_load(c->crt[c->ncrt - 1], kw, err) < 0 ? -1 : 1;
}

int cfg_ssl_bind_conf_option(struct tls_conf **cp, const char *kw, int argc, char **args, int *i, char **err)
{
	const char *opt = args[*i];

	if (refused(kw, opt, err) < 0)
		return -1;
	if (!strcmp(opt, "ssl") || !strcmp(opt, "strict-sni")) {
		if (!conf_get(cp, &def_bind, err))
			return -1;
		(*cp)->flags |= opt[1] == 's' ? TLS_O_ON : TLS_O_STRICT_SNI;
		return 1;
	}
	if (!strcmp(opt, "crt-list"))
		return crt_list_option(cp, kw, argc, args, i, err);
	if (!strcmp(opt, "ca-ignore-err") || !strcmp(opt, "crt-ignore-err")) {
		char why[256];

		if (*i + 1 >= argc)
			return cfg_set_err(err, "'%s' : '%s' : missing error IDs list.", kw, opt);
		if (!conf_get(cp, &def_bind, err))
			return -1;
		(*i)++;
		if (tls_parse_ignore_err(args[*i], opt[1] == 'a' ? &(*cp)->ca_ignerr : &(*cp)->crt_ignerr,
		                         why, sizeof(why)) < 0)
			return cfg_set_err(err, "'%s' : '%s' : %s.", kw, opt, why);
		return 1;
	}
	if (!strcmp(opt, "tls-ticket-keys")) {
		if (*i + 1 >= argc)
			return cfg_set_err(err, "'%s' : option 'tls-ticket-keys' expects a value.", kw);
		if (!conf_get(cp, &def_bind, err))
			return -1;
		(*i)++;
		return set_str(&(*cp)->ticket_keys, args[*i], err) < 0 ? -1 : 1;
	}
	return line_option(cp, &def_bind, 0, kw, argc, args, i, err);
}

int cfg_bind_ssl_option(struct listener *l, const char *kw, int argc, char **args, int *i, char **err)
{
	return cfg_ssl_bind_conf_option(&l->tls_conf, kw, argc, args, i, err);
}

int cfg_ssl_crtlist_option(struct tls_conf *delta, const char *where, int argc, char **args, int *i, char **err)
{
	static const char *const allowed[] = {
		"alpn", "ca-file", "crl-file", "ciphers", "ciphersuites", "curves", "ecdhe", "verify", "ssl-min-ver",
		"ssl-max-ver", "no-ca-names",
	};
	static const struct tls_conf none;

	if (!strcmp(args[*i], "ocsp-update")) {
		/* HAProxy 2.8+ (the language -vv declares): accepted, with
		 * no effect, since Tollgate fetches no OCSP response itself */
		const char *v = *i + 1 < argc ? args[*i + 1] : "";

		if (strcmp(v, "on") && strcmp(v, "off"))
			return cfg_set_err(err, "'ocsp-update' : expects 'on' or 'off', got '%s'", v);
		(*i)++;
		if (!strcmp(v, "off"))
			return 1;
		cfg_set_err(err, "'ocsp-update on' has no effect: Tollgate does not fetch OCSP responses itself; "
		            "the '<crt>.ocsp' file loaded at start-up is stapled until its next update, "
		            "renew it with 'set ssl ocsp-response' on the admin socket");
		return 2;
	}
	for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
		if (!strcmp(args[*i], allowed[k]))
			return line_option(&delta, &none, 0, where, argc, args, i, err);
	if (refused(where, args[*i], err) < 0)
		return -1;
	return cfg_set_err(err, "unknown ssl keyword %s", args[*i]);
}

const char *cfg_ssl_crt_base(void)
{
	return crt_base;
}

int cfg_bind_ssl_finish(struct listener *l, const char *kw, char **err)
{
	char why[1024];

	if (!l->tls_conf)
		return 0;
	if (!(l->tls_conf->flags & TLS_O_ON))
		return 0;   /* TLS options without 'ssl': ignored, as in HAProxy */
	l->tls = tls_bind_build(l->tls_conf, l->fe->id, kw + 5 /* "bind <addr>" */, l->conf_file, l->conf_line,
	                        why, sizeof(why));
	if (!l->tls)
		return cfg_set_err(err, "'%s' : %s.", kw, why);
	return 0;
}

/* Returns 1 if the ALPN list of <c> offers "h2". */
static int alpn_has_h2(const struct tls_conf *c)
{
	for (unsigned int r = 0; r < c->alpn_len; r += c->alpn[r] + 1U)
		if (c->alpn[r] == 2 && !memcmp(c->alpn + r + 1, "h2", 2))
			return 1;
	return 0;
}

int cfg_ssl_client_conf_option(struct tls_conf **cp, int *use_ssl, const char *kw, int argc, char **args, int *i,
                               char **err)
{
	const char *opt = args[*i];

	if (refused(kw, opt, err) < 0)
		return -1;
	if (!strcmp(opt, "ssl")) {
		if (!conf_get(cp, &def_srv, err))
			return -1;
		*use_ssl = 1;
		return 1;
	}
	if (!strcmp(opt, "no-ssl")) {
		*use_ssl = 0;
		return 1;
	}
	if (!strcmp(opt, "no-ssl-reuse")) {
		if (!conf_get(cp, &def_srv, err))
			return -1;
		(*cp)->flags |= TLS_O_NO_REUSE;
		return 1;
	}
	if (!strcmp(opt, "verifyhost")) {
		if (*i + 1 >= argc || !*args[*i + 1])
			return cfg_set_err(err, "'%s' : missing hostname to verify against.", opt);
		if (!conf_get(cp, &def_srv, err))
			return -1;
		(*i)++;
		return set_str(&(*cp)->verify_host, args[*i], err) < 0 ? -1 : 1;
	}
	return line_option(cp, &def_srv, 1, kw, argc, args, i, err);
}

int cfg_server_ssl_option(struct server *srv, const char *kw, int argc, char **args, int *i, char **err)
{
	const char *opt = args[*i];
	const char *val = *i + 1 < argc ? args[*i + 1] : NULL;

	if (!strcmp(opt, "check-ssl")) {
		if (!conf_get(&srv->tls_conf, &def_srv, err))
			return -1;
		srv->check_ssl = 1;
		return 1;
	}
	if (!strcmp(opt, "no-check-ssl")) {
		/* -1: plain checks even with 'ssl' (cfg_server_ssl_finish()) */
		srv->check_ssl = -1;
		return 1;
	}
	if (!strcmp(opt, "check-alpn")) {
		char why[256];

		if (!val)
			return cfg_set_err(err, "'%s' : option '%s' expects a value.", kw, opt);
		if (!conf_get(&srv->tls_conf, &def_srv, err))
			return -1;
		(*i)++;
		if (tls_conf_set_check_alpn(srv->tls_conf, val, why, sizeof(why)) < 0)
			return cfg_set_err(err, "'%s' : 'check-alpn' : %s.", kw, why);
		return 1;
	}
	if (!strcmp(opt, "sni") || !strcmp(opt, "check-sni")) {
		if (!val)
			return cfg_set_err(err, "'%s' : option '%s' expects a value.", kw, opt);
		(*i)++;
		return set_str(opt[0] == 's' ? &srv->sni_text : &srv->check_sni, val, err) < 0 ? -1 : 1;
	}
	return cfg_ssl_client_conf_option(&srv->tls_conf, &srv->use_ssl, kw, argc, args, i, err);
}

int cfg_server_ssl_finish(struct server *srv, const char *kw, char **err)
{
	char why[1024];

	if (srv->sni_text && !srv->sni_expr) {
		char *e = NULL;

		if (sample_parse_expr(srv->sni_text, 0, &srv->sni_expr, &e) < 0) {
			cfg_set_err(err, "'%s' : 'sni' : %s", kw, e ? e : "invalid expression");
			free(e);
			return -1;
		}
	}
	srv->flags &= ~SRV_F_ALPN_H2;
	/* as HAProxy: checks follow the traffic's transport unless told
	 * (check-ssl / no-check-ssl) or sent elsewhere (`port`, `addr`); a
	 * dynamic server needs check-ssl
	 */
	if (!srv->check_ssl && srv->use_ssl && !(srv->flags & SRV_F_DYNAMIC) &&
	    !srv->check_port && srv->check_addr.kind != ADDR_INET)
		srv->check_ssl = 1;
	if (srv->check_ssl < 0)
		srv->check_ssl = 0;
	if (!srv->tls_conf || (!srv->use_ssl && !srv->check_ssl))
		return 0;
	if (srv->use_ssl && alpn_has_h2(srv->tls_conf))
		srv->flags |= SRV_F_ALPN_H2;   /* HTTP/2 when the server picks it (mux_h2_be.h) */
	srv->tls = tls_srv_build(srv->tls_conf, why, sizeof(why));
	if (!srv->tls)
		return cfg_set_err(err, "'%s' : %s.", kw, why);
	srv->check_tls = srv->tls;
	return 0;
}

int cfg_proxy_check_tls(struct proxy *px, char **err)
{
	char why[1024];

	const char *kw = tcpcheck_rules_want_ssl(&px->tcpcheck_rules) ? "tcp-check" :
	                 httpchk_want_ssl(&px->httpchk) ? "http-check" : NULL;

	if (!kw)
		return 0;
	/* as HAProxy: `tcp-check connect ssl` (or http-check) gives every
	 * server of the backend a TLS context for its checks, with its TLS
	 * options
	 */
	for (struct server *srv = px->srv; srv; srv = srv->next) {
		if (srv->check_tls)
			continue;
		if (!conf_get(&srv->tls_conf, &def_srv, err))
			return -1;
		srv->check_tls = tls_srv_build(srv->tls_conf, why, sizeof(why));
		if (!srv->check_tls)
			return cfg_set_err(err, "'server %s/%s' (declared at %s:%d) : '%s connect ssl' : %s.",
			                   px->id, srv->id, srv->conf_file, srv->conf_line, kw, why);
	}
	return 0;
}

/* ---- global keywords ---- */

/* ssl-default-{bind,server}-options: the flag options of the lines, and
 * ssl-min-ver / ssl-max-ver with their value.
 */
static int kw_default_options(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct tls_conf *c = strstr(args[0], "-bind-") ? &def_bind : &def_srv;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(args[i], "ssl-min-ver") || !strcmp(args[i], "ssl-max-ver")) {
			if (i + 1 >= argc)
				return cfg_set_err(err, "'%s' : '%s' expects a version.", args[0], args[i]);
			if (value_option(c, args[0], args[i], args[i + 1], err) < 0)
				return CFG_ERR;
			i++;
			continue;
		}
		if (!flag_option(c, args[i]))
			return cfg_set_err(err, "'%s' : unknown option '%s' (supported: no-sslv3, no-tlsv10, no-tlsv11, no-tlsv12, no-tlsv13, force-tlsv12, force-tlsv13, no-tls-tickets, prefer-client-ciphers, ssl-min-ver, ssl-max-ver).", args[0], args[i]);
	}
	return CFG_OK;
}

static int kw_default_value(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct tls_conf *c = strstr(args[0], "-bind-") ? &def_bind : &def_srv;
	const char *opt = strrchr(args[0], '-') + 1;

	if (argc != 2)
		return cfg_set_err(err, "'%s' expects one argument.", args[0]);
	return value_option(c, args[0], opt, args[1], err) < 0 ? CFG_ERR : CFG_OK;
}

static int kw_server_verify(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc != 2 || (strcmp(args[1], "none") && strcmp(args[1], "required")))
		return cfg_set_err(err, "'%s' expects 'none' or 'required'.", args[0]);
	def_srv.verify = args[1][0] == 'n' ? TLS_VERIFY_NONE : TLS_VERIFY_REQUIRED;
	return CFG_OK;
}

static int kw_base(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	char **dst = args[0][1] == 'r' ? &crt_base : &ca_base;

	if (argc != 2)
		return cfg_set_err(err, "'%s' expects a directory.", args[0]);
	return set_str(dst, args[1], err) < 0 ? CFG_ERR : CFG_OK;
}

static int kw_tune_ssl(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	char *end;
	long v;

	if (argc != 2)
		return cfg_set_err(err, "'%s' expects one argument.", args[0]);
	v = strtol(args[1], &end, 10);
	if (!strcmp(args[0], "tune.ssl.cachesize")) {
		if (*end || v < 0 || v > 100000000)
			return cfg_set_err(err, "'%s' expects a number of sessions, got '%s'.", args[0], args[1]);
		tls_cachesize = (unsigned int)v;
		return CFG_OK;
	}
	if (!strcmp(args[0], "tune.ssl.default-dh-param") && (*end || v < 1024))
		return cfg_set_err(err, "'%s' expects a size in bits of at least 1024, got '%s'.", args[0], args[1]);
	/* default-dh-param, lifetime, maxrecord: accepted, no effect (doc/configuration.md) */
	return cfg_set_warn(err, "'%s' has no effect in Tollgate (DHE uses the TLS library's groups, sessions and records its defaults).", args[0]);
}

static struct cfg_kw ssl_global_kws[] = {
	{ "ssl-default-bind-options", kw_default_options, 0 },
	{ "ssl-default-server-options", kw_default_options, 0 },
	{ "ssl-default-bind-ciphers", kw_default_value, 0 },
	{ "ssl-default-bind-ciphersuites", kw_default_value, 0 },
	{ "ssl-default-bind-curves", kw_default_value, 0 },
	{ "ssl-default-server-ciphers", kw_default_value, 0 },
	{ "ssl-default-server-ciphersuites", kw_default_value, 0 },
	{ "ssl-default-server-curves", kw_default_value, 0 },
	{ "ssl-server-verify", kw_server_verify, 0 },
	{ "crt-base", kw_base, 0 },
	{ "ca-base", kw_base, 0 },
	{ "tune.ssl.cachesize", kw_tune_ssl, 0 },
	{ "tune.ssl.default-dh-param", kw_tune_ssl, 0 },
	{ "tune.ssl.lifetime", kw_tune_ssl, 0 },
	{ "tune.ssl.maxrecord", kw_tune_ssl, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list ssl_global_kw_list = { .scope = "global", .kws = ssl_global_kws };

__attribute__((constructor)) static void cfg_ssl_register(void)
{
	cfg_register_keywords(&ssl_global_kw_list);
}
