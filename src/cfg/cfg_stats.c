/*
 * The `stats` keyword of proxy sections: HAProxy's stats page.
 *
 *   stats enable                     the page at /haproxy?stats (HAProxy's default)
 *   stats uri <prefix>               the page for URIs starting with <prefix>
 *   stats realm <realm>              Basic authentication realm
 *   stats auth <user>:<password>     a user allowed in (several lines: several users)
 *   stats refresh <delay>            the HTML page reloads itself every <delay>
 *   stats hide-version               no version on the page
 *
 * Accepted with a warning, without effect: `stats show-legends`,
 * `show-node`, `show-desc`, `show-modules`, `scope`, `admin` (the page has
 * no admin actions: use the admin socket). Refused with a message:
 * `stats http-request` and anything else. The page itself is
 * src/admin/stats_page.c; the HTTP engine matches the URI and checks the
 * credentials (stream_http.c).
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/proxy.h>

#define STATS_DEFAULT_URI "/haproxy?stats"

static int set_str(char **dst, const char *v, char **err)
{
	char *c = strdup(v);

	if (!c)
		return cfg_set_err(err, "out of memory");
	free(*dst);
	*dst = c;
	return CFG_OK;
}

static int kw_stats(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct pr_stats *st = &((struct proxy *)ctx->section_data)->stats;
	const char *sub = argc > 1 ? args[1] : "";
	char *why = NULL;

	if (!strcmp(sub, "enable")) {
		if (argc != 2)
			return cfg_set_err(err, "'stats enable' takes no argument.");
		return st->uri ? CFG_OK : set_str(&st->uri, STATS_DEFAULT_URI, err);
	}
	if (!strcmp(sub, "uri") || !strcmp(sub, "realm")) {
		if (argc != 3 || !*args[2])
			return cfg_set_err(err, "'stats %s' expects %s.", sub, sub[0] == 'u' ? "a URI prefix" : "a realm name");
		return set_str(sub[0] == 'u' ? &st->uri : &st->realm, args[2], err);
	}
	if (!strcmp(sub, "auth")) {
		char **a;

		if (argc != 3 || !strchr(args[2], ':'))
			return cfg_set_err(err, "'stats auth' expects <user>:<password>.");
		a = realloc(st->auth, (st->nb_auth + 1) * sizeof(*a));
		if (!a)
			return cfg_set_err(err, "out of memory");
		st->auth = a;
		if (!(a[st->nb_auth] = strdup(args[2])))
			return cfg_set_err(err, "out of memory");
		st->nb_auth++;
		/* HAProxy: auth alone turns the page on */
		return st->uri ? CFG_OK : set_str(&st->uri, STATS_DEFAULT_URI, err);
	}
	if (!strcmp(sub, "refresh")) {
		unsigned int ms;

		if (argc != 3 || cfg_parse_time(args[2], &ms, &why) < 0) {
			cfg_set_err(err, "'stats refresh' expects a delay%s%s", why ? ": " : ".", why ? why : "");
			free(why);
			return CFG_ERR;
		}
		st->refresh = (ms + 999) / 1000;
		return st->uri ? CFG_OK : set_str(&st->uri, STATS_DEFAULT_URI, err);
	}
	if (!strcmp(sub, "hide-version")) {
		st->hide_version = 1;
		return CFG_OK;
	}
	if (!strcmp(sub, "show-legends") || !strcmp(sub, "show-node") || !strcmp(sub, "show-desc") ||
	    !strcmp(sub, "show-modules") || !strcmp(sub, "scope") || !strcmp(sub, "admin"))
		return cfg_set_warn(err, "'stats %s' is not supported yet and is ignored%s.", sub,
		                    !strcmp(sub, "admin") ? " (the page has no admin actions: use the admin socket)" : "");
	if (!strcmp(sub, "socket") || !strcmp(sub, "timeout") || !strcmp(sub, "maxconn"))
		return cfg_set_err(err, "'stats %s' belongs to the 'global' section.", sub);
	return cfg_set_err(err, "'stats' expects 'enable', 'uri', 'realm', 'auth', 'refresh', 'hide-version', "
	                   "'show-legends', 'show-node', 'show-desc', 'scope' or 'admin'%s%s%s.",
	                   *sub ? ", not '" : "", sub, *sub ? "'" : "");
}

static struct cfg_kw stats_kws[] = {
	{ "stats", kw_stats, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list stats_kw_list = { .scope = "proxy", .kws = stats_kws };

__attribute__((constructor)) static void cfg_stats_register(void)
{
	cfg_register_keywords(&stats_kw_list);
}
