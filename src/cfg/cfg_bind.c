/*
 * `bind` lines of frontend and listen sections: the addresses, and the
 * options each listener takes (socket, ownership, TLS, PROXY protocol,
 * proto). Moved from cfg_proxy.c.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/addr.h>
#include <tollgate/cfg.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/proxy.h>
#include <tollgate/sock.h>

static int parse_owner(const char *val, int is_user, int *out)
{
	char *end;
	long v = strtol(val, &end, 10);

	if (!*end && v >= 0) {
		*out = (int)v;
		return 0;
	}
	if (is_user) {
		struct passwd *pw = getpwnam(val);

		if (pw) {
			*out = (int)pw->pw_uid;
			return 0;
		}
	} else {
		struct group *gr = getgrnam(val);

		if (gr) {
			*out = (int)gr->gr_gid;
			return 0;
		}
	}
	return -1;
}

/* bind options accepted with no effect (a [WARNING]): whether each takes a
 * value, and why it changes nothing in Tollgate.
 */
static const struct cfg_no_effect bind_no_effect_kws[] = {
	{ "tfo", 0, "the listener does not accept TCP Fast Open" },
	{ "no-alpn", 0, "use 'alpn' to choose what is offered" },
	{ "tls-tickets", 0, "session resumption uses Tollgate's own cache" },
	{ "no-strict-sni", 0, "a client without a known SNI gets the default certificate anyway" },
	{ "interface", 1, "the socket is not bound to a device" },
	{ "level", 1, "it applies to CLI listeners only" },
	{ "severity-output", 1, "it applies to CLI listeners only" },
	{ "nice", 1, "all listeners have the same priority" },
	{ "default-crt", 1, "the first certificate is the default one" },
};

/* Parses the options of a bind line from args[<first>] into <l>. */
static int bind_options(struct cfg_ctx *ctx, struct listener *l, int argc, char **args, int first,
                        char **err)
{
	char where[300];
	int warned = 0;

	for (int i = first; i < argc; i++) {
		const char *opt = args[i];
		const char *val = i + 1 < argc ? args[i + 1] : NULL;
		char *end;
		long v;
		int id;

		if (!strcmp(opt, "v4v6")) {
			l->sopts.flags |= SOCK_O_V4V6;
			continue;
		}
		if (!strcmp(opt, "v6only")) {
			l->sopts.flags |= SOCK_O_V6ONLY;
			continue;
		}
		if (!strcmp(opt, "transparent")) {
			l->sopts.flags |= SOCK_O_TRANSPARENT;   /* IP_TRANSPARENT: TPROXY */
			continue;
		}
		snprintf(where, sizeof(where), "'bind %s'", args[1]);
		switch (cfg_no_effect_option(bind_no_effect_kws, sizeof(bind_no_effect_kws) / sizeof(bind_no_effect_kws[0]),
		                             where, argc, args, &i, &warned, err)) {
		case 1:
			continue;
		case -1:
			return CFG_ERR;
		}
		if (!strcmp(opt, "defer-accept")) {
			l->sopts.flags |= SOCK_O_DEFER_ACCEPT;   /* TCP listeners only */
			continue;
		}
		if (!strcmp(opt, "accept-proxy")) {
			l->accept_proxy = 1;
			continue;
		}
		{
			char kw[300];
			int r;

			snprintf(kw, sizeof(kw), "bind %s", args[1]);
			r = cfg_bind_ssl_option(l, kw, argc, args, &i, err);
			if (r < 0)
				return CFG_ERR;
			if (r > 0)
				continue;
		}
		if (!strcmp(opt, "proto") && val) {
			i++;
			if (!strcmp(val, "h2")) {
				l->proto_h2 = 1;   /* HTTP/2 with prior knowledge (h2_fe.c) */
				continue;
			}
			if (!strcmp(val, "none")) {
				l->proto_none = 1;   /* raw TCP, no HTTP upgrade */
				continue;
			}
			if (strcmp(val, "h1"))
				return cfg_set_err(err, "'bind %s' : 'proto' : unknown protocol '%s' (supported: h1, h2, none).", args[1], val);
			l->proto_h1 = 1;   /* HTTP/1 only: no upgrade on the HTTP/2 preface */
			continue;
		}
		if (!val)
			return cfg_set_err(err, "'bind %s' : unknown option '%s' or missing value (supported: name, backlog, maxconn, v4v6, v6only, accept-proxy, proto, mode, user, uid, group, gid, shards, thread, tcp-md5sig).", args[1], opt);
		i++;
		if (!strcmp(opt, "tcp-md5sig")) {
			if (strlen(val) > SRV_MD5SIG_MAX)
				return cfg_set_err(err, "'bind %s' : '%s' : the key is longer than %d characters.",
				                   args[1], opt, SRV_MD5SIG_MAX);
			strcpy(l->tcp_md5sig, val);
		} else if (!strcmp(opt, "mss")) {
			v = strtol(val, &end, 10);
			if (*end || end == val || v < 1 || v > 65535)
				return cfg_set_err(err, "'bind %s' : 'mss' expects a segment size from 1 to 65535, got '%s' (negative sizes are not supported).", args[1], val);
			l->sopts.mss = (int)v;
		} else if (!strcmp(opt, "name")) {
			free(l->name);
			l->name = strdup(val);
		} else if (!strcmp(opt, "id")) {
			v = strtol(val, &end, 10);
			if (*end || end == val || v < 1 || v > 2147483647)
				return cfg_set_err(err, "'bind %s' : 'id' expects a positive integer, got '%s'.", args[1], val);
			if (strchr(args[1], ','))
				return cfg_set_err(err, "'bind %s' : 'id' can only be used with a single socket.", args[1]);
			l->luid = (int)v;
		} else if (!strcmp(opt, "backlog")) {
			v = strtol(val, &end, 10);
			if (*end || v < 1 || v > 1000000)
				goto bad_value;
			l->sopts.backlog = (int)v;
		} else if (!strcmp(opt, "maxconn")) {
			v = strtol(val, &end, 10);
			if (*end || v < 0 || v > 10000000)
				goto bad_value;
			l->maxconn = (unsigned int)v;
		} else if (!strcmp(opt, "mode")) {
			v = strtol(val, &end, 8);
			if (*end || v < 0 || v > 07777)
				goto bad_value;
			l->sopts.mode = (mode_t)v;
			l->sopts.flags |= SOCK_O_MODE;
		} else if (!strcmp(opt, "user") || !strcmp(opt, "uid")) {
			if (parse_owner(val, 1, &id) < 0)
				goto bad_value;
			l->sopts.uid = (uid_t)id;
		} else if (!strcmp(opt, "group") || !strcmp(opt, "gid")) {
			if (parse_owner(val, 0, &id) < 0)
				goto bad_value;
			l->sopts.gid = (gid_t)id;
		} else if (!strcmp(opt, "shards")) {
			if (!strcmp(val, "by-thread")) {
				l->shards = 0;
			} else {
				v = strtol(val, &end, 10);
				if (*end || v < 1 || v > MAX_THREADS)
					goto bad_value;
				l->shards = (int)v;
			}
		} else if (!strcmp(opt, "thread")) {
			unsigned long mask = 0;
			const char *s = val;

			if (!strncmp(s, "1/", 2))
				s += 2;
			if (!strcmp(s, "all")) {
				mask = 0;
			} else {
				while (*s) {
					long a = strtol(s, &end, 10), b = a;

					if (end == s || a < 1 || a > MAX_THREADS)
						goto bad_value;
					if (*end == '-') {
						s = end + 1;
						b = strtol(s, &end, 10);
						if (end == s || b < a || b > MAX_THREADS)
							goto bad_value;
					}
					for (long t = a; t <= b; t++)
						mask |= 1UL << (t - 1);
					if (*end == ',')
						end++;
					else if (*end)
						goto bad_value;
					s = end;
				}
			}
			l->thread_mask = mask;
		} else {
			return cfg_set_err(err, "'bind %s' : unknown option '%s' (supported: name, backlog, maxconn, v4v6, v6only, accept-proxy, proto, mode, user, uid, group, gid, shards, thread).", args[1], opt);
		}
		continue;
bad_value:
		return cfg_set_err(err, "'bind %s' : invalid value '%s' for option '%s'.", args[1], val, opt);
	}
	return warned ? CFG_WARN : CFG_OK;
}

static int kw_bind(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct listener *first = NULL, *l;
	char addrerr[ADDR_ERRLEN];
	char *list, *tok, *save = NULL;
	int ret = CFG_OK;

	if (cfg_proxy_refuse_in_defaults(ctx, args, err) < 0 || cfg_proxy_need_cap(ctx, args, PR_CAP_FE, err) < 0)
		return CFG_ERR;
	if (argc < 2 || !*args[1])
		return cfg_set_err(err, "'bind' expects [addr1]:port1[-end1]{,[addr]:port[-end]}... as arguments.");
	list = strdup(args[1]);
	if (!list)
		return cfg_set_err(err, "out of memory");
	/* several addresses separated by commas share the options */
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		l = calloc(1, sizeof(*l));
		if (!l) {
			ret = cfg_set_err(err, "out of memory");
			break;
		}
		l->fe = px;
		l->sopts.uid = (uid_t)-1;
		l->sopts.gid = (gid_t)-1;
		l->conf_file = cfg_keep_file(ctx->file);
		l->conf_line = ctx->line;
		for (int t = 0; t < MAX_THREADS; t++)
			l->fds[t] = -1;
		if (addr_parse(tok, 0, &l->addr, addrerr, sizeof(addrerr)) < 0) {
			free(l);
			ret = cfg_set_err(err, "'bind' : %s", addrerr);
			break;
		}
		if (first) {
			l->sopts = first->sopts;
			l->maxconn = first->maxconn;
			l->shards = first->shards;
			l->thread_mask = first->thread_mask;
			l->name = first->name ? strdup(first->name) : NULL;
			l->tls = first->tls;   /* shared, read-only */
			l->proto_h2 = first->proto_h2;
			l->proto_h1 = first->proto_h1;
			l->proto_none = first->proto_none;
		} else {
			char kw[300];

			snprintf(kw, sizeof(kw), "bind %s", args[1]);
			ret = bind_options(ctx, l, argc, args, 2, err);
			if (ret >= 0) {
				int warn = ret;

				ret = cfg_bind_ssl_finish(l, kw, err);
				if (ret == CFG_OK)
					ret = warn;   /* the options' warning, in *err */
			}
			if (ret < 0) {
				free(l->name);
				free(l);
				break;
			}
			first = l;
		}
		list_append(&px->listeners, &l->list);
	}
	free(list);
	return ret;
}

static struct cfg_kw bind_kws[] = {
	{ "bind", kw_bind, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list bind_kw_list = { .scope = "proxy", .kws = bind_kws };

__attribute__((constructor)) static void cfg_bind_register(void)
{
	cfg_register_keywords(&bind_kw_list);
}
