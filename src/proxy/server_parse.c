/*
 * The options of a `server` (and `default-server`) line, shared by the
 * configuration parser and the admin socket's `add server`. See server.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <tollgate/addr.h>
#include <tollgate/cfg.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/conn_src.h>
#include <tollgate/server.h>

static int parse_time_opt(const char *opt, const char *val, unsigned int *out, char **err)
{
	char *why = NULL;

	if (cfg_parse_time(val, out, &why) < 0) {
		cfg_set_err(err, "'%s' : %s", opt, why ? why : "invalid time");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

/* proxy-v2-options <opt>[,<opt>...]: HAProxy's names. */
static int pp_options(struct server *srv, char **args, const char *val, char **err)
{
	static const struct { const char *name; unsigned int flag; } opts[] = {
		{ "authority", SRV_PP_AUTHORITY }, { "crc32c", SRV_PP_CRC32C },
		{ "unique-id", SRV_PP_UNIQUE_ID },
		/* about the client's TLS connection: never one, nothing to send */
		{ "ssl", 0 }, { "cert-cn", 0 }, { "ssl-cipher", 0 }, { "cert-sig", 0 },
		{ "cert-key", 0 },
	};
	const char *p = val;

	while (*p) {
		size_t n = strcspn(p, ",");
		size_t k;

		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (strlen(opts[k].name) == n && !strncmp(p, opts[k].name, n))
				break;
		if (k == sizeof(opts) / sizeof(opts[0]))
			return cfg_set_err(err, "'%s %s' : 'proxy-v2-options' : unknown option '%.*s' (supported: authority, crc32c, unique-id, ssl, cert-cn, ssl-cipher, cert-sig, cert-key).",
			                   args[0], args[1], (int)n, p);
		srv->pp_opts |= opts[k].flag;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

/* set-proxy-v2-tlv-fmt(<type>) <fmt>: <type> 0..255 (decimal or 0x hex),
 * <fmt> a log-format (empty when absent: the TLV is sent empty).
 */
static int pp_tlv_fmt_option(struct server *srv, char **args, const char *opt, const char *val, char **err)
{
	const char *t = opt + 21;
	char *end, *why = NULL;
	long type = strtol(t, &end, 0);

	if (end == t || strcmp(end, ")") || type < 0 || type > 255)
		return cfg_set_err(err, "'%s %s' : '%s' : expected a TLV type from 0 to 255 between the parentheses.",
		                   args[0], args[1], opt);
	if (server_add_pp_tlv(srv, (unsigned int)type, val ? val : "", &why) < 0) {
		cfg_set_err(err, "'%s %s' : '%s' : %s", args[0], args[1], opt, why ? why : "out of memory");
		free(why);
		return -1;
	}
	return 0;
}

/* init-addr <method>[,<method>...]: last, libc, none, or an IP address. */
static int init_addr_option(struct server *srv, char **args, const char *val, char **err)
{
	struct srv_resolve_conf *rc = &srv->rsv;
	const char *p = val;
	int n = 0;

	memset(rc->init_addr, 0, sizeof(rc->init_addr));
	while (*p) {
		size_t len = strcspn(p, ",");
		char m[64];

		if (len >= sizeof(m) || n >= SRV_IA_MAX)
			return cfg_set_err(err, "'%s %s' : 'init-addr' : too many or too long methods in '%s'.", args[0], args[1], val);
		memcpy(m, p, len);
		m[len] = '\0';
		if (!strcmp(m, "last"))
			rc->init_addr[n++] = SRV_IA_LAST;
		else if (!strcmp(m, "libc"))
			rc->init_addr[n++] = SRV_IA_LIBC;
		else if (!strcmp(m, "none"))
			rc->init_addr[n++] = SRV_IA_NONE;
		else if (addr_parse(m, ADDR_P_PORT_OPTIONAL | ADDR_P_NO_RESOLVE | ADDR_P_NO_UNIX | ADDR_P_NO_FD,
		                    &rc->init_ip, NULL, 0) == 0 && (rc->init_ip.flags & ADDR_F_NO_PORT))
			rc->init_addr[n++] = SRV_IA_IP;
		else
			return cfg_set_err(err, "'%s %s' : 'init-addr' : unknown init-addr method '%s', supported methods are 'libc', 'last', 'none'.",
			                   args[0], args[1], m);
		p += len;
		if (*p)
			p++;
	}
	if (!n)
		return cfg_set_err(err, "'%s %s' : 'init-addr' expects a list of methods.", args[0], args[1]);
	return 0;
}

/* resolve-net <net>[,<net>...]: preferred networks for DNS answers. */
static int resolve_net_option(struct server *srv, char **args, const char *val, char **err)
{
	struct srv_resolve_conf *rc = &srv->rsv;
	const char *p = val;

	rc->nb_nets = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		char net[64], *slash, *end;
		unsigned int max, bytes;
		long bits;

		if (len >= sizeof(net) || rc->nb_nets >= SRV_RSV_NETS)
			return cfg_set_err(err, "'%s %s' : 'resolve-net' : at most %d networks, each <addr>/<bits>.", args[0], args[1], SRV_RSV_NETS);
		memcpy(net, p, len);
		net[len] = '\0';
		slash = strchr(net, '/');
		if (slash)
			*slash = '\0';
		if (inet_pton(AF_INET, net, rc->nets[rc->nb_nets].net) == 1) {
			rc->nets[rc->nb_nets].family = AF_INET;
			max = 32;
		} else if (inet_pton(AF_INET6, net, rc->nets[rc->nb_nets].net) == 1) {
			rc->nets[rc->nb_nets].family = AF_INET6;
			max = 128;
		} else {
			return cfg_set_err(err, "'%s %s' : 'resolve-net' : invalid network '%.*s', expected <addr>/<bits>.", args[0], args[1], (int)len, p);
		}
		bits = slash ? strtol(slash + 1, &end, 10) : (long)max;
		if (slash && (*end || end == slash + 1 || bits < 0 || bits > (long)max))
			return cfg_set_err(err, "'%s %s' : 'resolve-net' : invalid prefix length in '%.*s'.", args[0], args[1], (int)len, p);
		rc->nets[rc->nb_nets].bits = (unsigned int)bits;
		/* keep the network masked */
		bytes = (unsigned int)bits / 8;
		if (bytes < max / 8) {
			rc->nets[rc->nb_nets].net[bytes] &= (unsigned char)(0xff00 >> (bits % 8));
			memset(rc->nets[rc->nb_nets].net + bytes + 1, 0, max / 8 - bytes - 1);
		}
		rc->nb_nets++;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

/* resolve-opts <opt>[,<opt>...]: allow-dup-ip, prevent-dup-ip, ignore-weight. */
static int resolve_opts_option(struct server *srv, char **args, const char *val, char **err)
{
	const char *p = val;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len == 12 && !strncmp(p, "allow-dup-ip", len))
			srv->rsv.allow_dup_ip = 1;
		else if (len == 14 && !strncmp(p, "prevent-dup-ip", len))
			srv->rsv.allow_dup_ip = 0;
		else if (len != 13 || strncmp(p, "ignore-weight", len))   /* SRV weights are not applied anyway */
			return cfg_set_err(err, "'%s %s' : 'resolve-opts' : unknown option '%.*s' (supported: allow-dup-ip, ignore-weight, prevent-dup-ip).",
			                   args[0], args[1], (int)len, p);
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

/* Server keywords HAProxy refuses on `add server` (its "dyn" column). */
static const char *const not_dynamic[] = {
	"enabled", "init-addr", "resolvers", "resolve-prefer", "resolve-net", "resolve-opts",
	"redir", "stick", "non-stick", "namespace", "socks4", "max-reuse", "no-check",
	"no-agent-check", "no-check-send-proxy", "no-check-reuse-pool", "log-proto", "log-bufsize",
	NULL
};

/* Returns CFG_ERR with a message if <opt> may not appear on `add server`. */
static int dynamic_refused(const char *opt, char **err)
{
	for (int k = 0; not_dynamic[k]; k++)
		if (!strcmp(opt, not_dynamic[k]))
			return cfg_set_err(err, "'%s' option is not accepted for dynamic server", opt);
	/* HAProxy creates the check disabled, for `enable health`: Tollgate
	 * cannot start a check task on a running backend yet
	 */
	if (!strcmp(opt, "check") || !strcmp(opt, "agent-check"))
		return cfg_set_err(err, "'%s' is not supported yet on a server added at runtime (Tollgate starts health checks only with the configuration).", opt);
	return CFG_OK;
}

/* Server options accepted with no effect (a [WARNING]): whether each takes
 * a value, and why it changes nothing in Tollgate.
 */
static const struct cfg_no_effect srv_no_effect[] = {
	{ "maxqueue", 1, "streams wait in the backend's queue, which has no per-server limit" },
	{ "minconn", 1, "the server's limit is its 'maxconn', not a dynamic one" },
	{ "pool-low-conn", 1, "idle connections are reused whatever their number" },
	{ "pool-purge-delay", 1, "idle connections are closed on their own timeout" },
	{ "non-stick", 0, "stick rules store whichever server was chosen" },
	{ "no-verifyhost", 0, "the certificate's name is checked only with 'verifyhost'" },
	{ "tfo", 0, "connections open without TCP Fast Open" },
	{ "no-tfo", 0, "connections open without TCP Fast Open" },
	{ "tls-tickets", 0, "session resumption uses Tollgate's own cache" },
	{ "renegotiate", 0, "TLS renegotiation is never offered" },
	{ "no-renegotiate", 0, "TLS renegotiation is never offered" },
	{ "send-proxy-v2-ssl", 0, "the PROXY header is sent without the TLS TLVs" },
	{ "send-proxy-v2-ssl-cn", 0, "the PROXY header is sent without the TLS TLVs" },
	{ "check-send-proxy", 0, "health checks send no PROXY header" },
};

int server_parse_options(struct server *srv, int argc, char **args, int first, int dynamic, char **err)
{
	char where[300];
	int warned = 0;

	for (int i = first; i < argc; i++) {
		const char *opt = args[i];
		const char *val = i + 1 < argc ? args[i + 1] : NULL;
		char *end;
		long v;

		if (dynamic && dynamic_refused(opt, err) < 0)
			return CFG_ERR;
		snprintf(where, sizeof(where), "'%s %s'", args[0], args[1]);
		switch (cfg_no_effect_option(srv_no_effect, sizeof(srv_no_effect) / sizeof(srv_no_effect[0]),
		                             where, argc, args, &i, &warned, err)) {
		case 1:
			continue;
		case -1:
			return CFG_ERR;
		}

		if (!strcmp(opt, "check")) {
			srv->flags |= SRV_F_CHECK;
			continue;
		}
		if (!strcmp(opt, "on-marked-down") || !strcmp(opt, "on-marked-up")) {
			int down = opt[10] == 'd';
			const char *want = down ? "shutdown-sessions" : "shutdown-backup-sessions";

			if (!val || strcmp(val, want))
				return cfg_set_err(err, "'%s %s' : '%s' expects '%s' but got '%s'.", args[0], args[1], opt, want,
				                   val ? val : "");
			*(down ? &srv->on_down_kill : &srv->on_up_kill_backups) = 1;
			i++;
			continue;
		}
		if (!strcmp(opt, "redir")) {
			if (!val)
				return cfg_set_err(err, "'%s %s' : 'redir' expects <prefix> as argument.", args[0], args[1]);
			free(srv->redir);
			srv->redir = strdup(val);
			if (!srv->redir)
				return cfg_set_err(err, "out of memory");
			i++;
			continue;
		}
		if (!strcmp(opt, "init-state")) {
			static const char *const names[] = { "none", "fully-up", "up", "down", "fully-down" };
			int k = 0;

			while (val && k < 5 && strcmp(val, names[k]))
				k++;
			if (!val || k == 5)
				return cfg_set_err(err, "'%s %s' : 'init-state' expects 'fully-up', 'up', 'down', 'fully-down' or 'none', got '%s'.",
				                   args[0], args[1], val ? val : "");
			srv->init_state = (unsigned char)k;
			i++;
			continue;
		}
		if (!strcmp(opt, "no-check")) {
			srv->flags &= ~SRV_F_CHECK;
			continue;
		}
		if (!strcmp(opt, "log-proto")) {
			if (!val || (strcmp(val, "legacy") && strcmp(val, "octet-count")))
				return cfg_set_err(err, "'%s' expects one of 'legacy' or 'octet-count'.", opt);
			srv->log_octet = !strcmp(val, "octet-count");
			i++;
			continue;
		}
		if (!strcmp(opt, "backup")) {
			srv->flags |= SRV_F_BACKUP;
			continue;
		}
		if (!strcmp(opt, "no-backup")) {
			srv->flags &= ~SRV_F_BACKUP;
			continue;
		}
		if (!strcmp(opt, "disabled")) {
			srv->flags |= SRV_F_MAINT | SRV_F_CMAINT;
			continue;
		}
		if (!strcmp(opt, "enabled")) {
			srv->flags &= ~(SRV_F_MAINT | SRV_F_CMAINT);
			continue;
		}
		if (!strcmp(opt, "agent-check")) {
			srv->flags |= SRV_F_AGENT;
			continue;
		}
		if (!strcmp(opt, "no-agent-check")) {
			srv->flags &= ~SRV_F_AGENT;
			continue;
		}
		if (!strcmp(opt, "send-proxy")) {
			srv->flags |= SRV_F_SEND_PROXY;
			continue;
		}
		if (!strcmp(opt, "send-proxy-v2")) {
			srv->flags |= SRV_F_SEND_PROXY2;
			continue;
		}
		/* undo what a default-server line set */
		if (!strcmp(opt, "no-send-proxy")) {
			srv->flags &= ~SRV_F_SEND_PROXY;
			continue;
		}
		if (!strcmp(opt, "no-send-proxy-v2")) {
			srv->flags &= ~SRV_F_SEND_PROXY2;
			continue;
		}
		if (!strcmp(opt, "source")) {
			char kw[300], msg[512];

			snprintf(kw, sizeof(kw), "%s %s : source", args[0], args[1]);
			i++;
			if (conn_src_parse(&srv->conn_src, kw, argc, args, &i, msg, sizeof(msg)) < 0)
				return cfg_set_err(err, "%s", msg);
			continue;
		}
		if (!strncmp(opt, "set-proxy-v2-tlv-fmt(", 21)) {
			if (pp_tlv_fmt_option(srv, args, opt, val, err) < 0)
				return CFG_ERR;
			if (val)
				i++;
			continue;
		}
		{
			char kw[300];
			int r;

			snprintf(kw, sizeof(kw), "%s %s", args[0], args[1]);
			r = cfg_server_ssl_option(srv, kw, argc, args, &i, err);
			if (r < 0)
				return CFG_ERR;
			if (r > 0)
				continue;
		}
		if (!strcmp(opt, "proto") && val) {
			i++;
			if (!strcmp(val, "h2"))
				srv->flags |= SRV_F_PROTO_H2;   /* HTTP/2 by prior knowledge (mux_h2_be.h) */
			else if (!strcmp(val, "h1"))
				srv->flags &= ~SRV_F_PROTO_H2;
			else
				return cfg_set_err(err, "'%s %s' : 'proto' : unknown protocol '%s' (supported: h1, h2).", args[0], args[1], val);
			continue;
		}
		if (!strcmp(opt, "check-proto") && val) {
			i++;
			if (strcmp(val, "h1") && strcmp(val, "h2"))
				return cfg_set_err(err, "'%s %s' : 'check-proto' : unknown protocol '%s' (supported: h1, h2).", args[0], args[1], val);
			srv->flags |= SRV_F_CHECK_PROTO;   /* what HTTP checks speak */
			if (!strcmp(val, "h2"))
				srv->flags |= SRV_F_CHECK_H2;
			else
				srv->flags &= ~SRV_F_CHECK_H2;
			continue;
		}
		if (!val)
			return cfg_set_err(err, "'%s %s' : unknown option '%s' or missing value (supported: check, inter, fastinter, downinter, rise, fall, weight, maxconn, backup, disabled, id, hash-key, cookie, send-proxy, send-proxy-v2, proxy-v2-options, set-proxy-v2-tlv-fmt(<type>), track, healthcheck, pool-max-conn, proto, check-proto, tcp-md5sig, source, port, addr, agent-check, agent-addr, agent-port, agent-send, agent-inter, resolvers, resolve-prefer, init-addr).",
			                   args[0], args[1], opt);
		i++;
		if (!strcmp(opt, "proxy-v2-options")) {
			if (pp_options(srv, args, val, err) < 0)
				return CFG_ERR;
		} else if (!strcmp(opt, "inter")) {
			if (parse_time_opt(opt, val, &srv->inter, err) < 0)
				return CFG_ERR;
		} else if (!strcmp(opt, "fastinter")) {
			if (parse_time_opt(opt, val, &srv->fastinter, err) < 0)
				return CFG_ERR;
		} else if (!strcmp(opt, "downinter")) {
			if (parse_time_opt(opt, val, &srv->downinter, err) < 0)
				return CFG_ERR;
		} else if (!strcmp(opt, "rise") || !strcmp(opt, "fall")) {
			v = strtol(val, &end, 10);
			if (*end || v < 1 || v > 1000)
				return cfg_set_err(err, "'%s' expects a number from 1 to 1000, got '%s'.", opt, val);
			*(opt[0] == 'r' ? &srv->rise : &srv->fall) = (unsigned int)v;
		} else if (!strcmp(opt, "weight")) {
			v = strtol(val, &end, 10);
			if (*end || v < 0 || v > 256)
				return cfg_set_err(err, "'weight' expects a number from 0 to 256, got '%s'.", val);
			srv->uweight = srv->iweight = (unsigned int)v;
		} else if (!strcmp(opt, "maxconn")) {
			v = strtol(val, &end, 10);
			if (*end || v < 0 || v > 10000000)
				return cfg_set_err(err, "'maxconn' expects a positive number, got '%s'.", val);
			srv->maxconn = (unsigned int)v;
		} else if (!strcmp(opt, "max-reuse")) {
			v = strtol(val, &end, 10);
			if (*end || !*val || v < -1 || v > 2147483646)
				return cfg_set_err(err, "'max-reuse' expects -1 or a positive number, got '%s'.", val);
			srv->max_reuse1 = (unsigned int)(v + 1);
		} else if (!strcmp(opt, "hash-key")) {
			static const char *const keys[] = { "id", "id32", "addr", "addr-port" };

			for (v = 0; v < 4 && strcmp(val, keys[v]); v++)
				;
			if (v == 4)
				return cfg_set_err(err, "'hash-key' expects 'id', 'id32', 'addr' or 'addr-port', got '%s'.", val);
			srv->hash_key = (unsigned char)v;
		} else if (!strcmp(opt, "id")) {
			v = strtol(val, &end, 10);
			if (*end || v < 1 || v > 0x7fffffff)
				return cfg_set_err(err, "'id' expects a positive number, got '%s'.", val);
			srv->puid = (int)v;
		} else if (!strcmp(opt, "pool-max-conn")) {
			v = strtol(val, &end, 10);
			if (*end || end == val || v < -1 || v > 0x7fffffff)
				return cfg_set_err(err, "'pool-max-conn' expects -1 (no limit), 0 (no idle connection kept) or a positive number, got '%s'.", val);
			srv->pool_max_conn = (int)v;
		} else if (!strcmp(opt, "track")) {
			free(srv->track_name);
			srv->track_name = strdup(val);
			if (!srv->track_name)
				return cfg_set_err(err, "out of memory");
		} else if (!strcmp(opt, "healthcheck")) {
			free(srv->hc_name);
			srv->hc_name = strdup(val);
			if (!srv->hc_name)
				return cfg_set_err(err, "out of memory");
		} else if (!strcmp(opt, "agent-inter")) {
			if (parse_time_opt(opt, val, &srv->agent_inter, err) < 0)
				return CFG_ERR;
			if (!srv->agent_inter)
				return cfg_set_err(err, "'%s %s' : '%s' expects a positive delay, got '%s'.", args[0], args[1], opt, val);
		} else if (!strcmp(opt, "agent-port")) {
			v = strtol(val, &end, 10);
			if (*end || end == val || v < 1 || v > 65535)
				return cfg_set_err(err, "'%s %s' : '%s' expects a port number from 1 to 65535, got '%s'.", args[0], args[1], opt, val);
			srv->agent_port = (unsigned int)v;
			srv->flags |= SRV_F_AGENT_PORT;
		} else if (!strcmp(opt, "port")) {
			v = strtol(val, &end, 10);
			if (*end || end == val || v < 1 || v > 65535)
				return cfg_set_err(err, "'%s %s' : '%s' expects a port number from 1 to 65535, got '%s'.", args[0], args[1], opt, val);
			srv->check_port = (unsigned int)v;
			if (!(srv->flags & SRV_F_AGENT_PORT))   /* as HAProxy */
				srv->agent_port = (unsigned int)v;
		} else if (!strcmp(opt, "addr")) {
			char addrerr[ADDR_ERRLEN];

			if (addr_parse(val, ADDR_P_PORT_OPTIONAL | ADDR_P_NO_UNIX | ADDR_P_NO_FD,
			               &srv->check_addr, addrerr, sizeof(addrerr)) < 0)
				return cfg_set_err(err, "'%s %s' : '%s' : %s", args[0], args[1], opt, addrerr);
			if (!(srv->flags & SRV_F_AGENT_ADDR))
				srv->agent_addr = srv->check_addr;
		} else if (!strcmp(opt, "agent-addr")) {
			char addrerr[ADDR_ERRLEN];

			if (addr_parse(val, ADDR_P_PORT_OPTIONAL | ADDR_P_NO_UNIX | ADDR_P_NO_FD,
			               &srv->agent_addr, addrerr, sizeof(addrerr)) < 0)
				return cfg_set_err(err, "'%s %s' : '%s' : %s", args[0], args[1], opt, addrerr);
			srv->flags |= SRV_F_AGENT_ADDR;
		} else if (!strcmp(opt, "tcp-md5sig")) {
			if (strlen(val) > SRV_MD5SIG_MAX)
				return cfg_set_err(err, "'%s %s' : '%s' : the key is longer than %d characters.",
				                   args[0], args[1], opt, SRV_MD5SIG_MAX);
			strcpy(srv->tcp_md5sig, val);
		} else if (!strcmp(opt, "agent-send")) {
			free(srv->agent_send);
			srv->agent_send = strdup(val);
			if (!srv->agent_send)
				return cfg_set_err(err, "out of memory");
		} else if (!strcmp(opt, "cookie")) {
			free(srv->cookie);
			srv->cookie = strdup(val);
			if (!srv->cookie)
				return cfg_set_err(err, "out of memory");
		} else if (!strcmp(opt, "resolvers")) {
			free(srv->rsv.resolvers_id);
			srv->rsv.resolvers_id = strdup(val);
			if (!srv->rsv.resolvers_id)
				return cfg_set_err(err, "out of memory");
		} else if (!strcmp(opt, "resolve-prefer")) {
			if (!strcmp(val, "ipv4"))
				srv->rsv.prefer = AF_INET;
			else if (!strcmp(val, "ipv6"))
				srv->rsv.prefer = AF_INET6;
			else
				return cfg_set_err(err, "'%s %s' : 'resolve-prefer' expects 'ipv4' or 'ipv6', got '%s'.", args[0], args[1], val);
		} else if (!strcmp(opt, "init-addr")) {
			if (init_addr_option(srv, args, val, err) < 0)
				return CFG_ERR;
		} else if (!strcmp(opt, "resolve-net")) {
			if (resolve_net_option(srv, args, val, err) < 0)
				return CFG_ERR;
		} else if (!strcmp(opt, "resolve-opts")) {
			if (resolve_opts_option(srv, args, val, err) < 0)
				return CFG_ERR;
		} else if (!strcmp(opt, "observe") || !strcmp(opt, "error-limit") ||
		           !strcmp(opt, "on-error") || !strcmp(opt, "slowstart")) {
			/* accepted for compatibility, with a warning (the first
			 * one of the line): no effect yet (doc/configuration.md)
			 */
			if (!warned)
				cfg_set_warn(err, "'%s %s' : option '%s' has no effect in Tollgate yet.", args[0], args[1], opt);
			warned = 1;
		} else {
			return cfg_set_err(err, "'%s %s' : unknown option '%s' (supported: check, inter, fastinter, downinter, rise, fall, weight, maxconn, backup, disabled, id, cookie, send-proxy, send-proxy-v2, proxy-v2-options, set-proxy-v2-tlv-fmt(<type>), track, healthcheck, pool-max-conn, proto, check-proto, tcp-md5sig, source, port, addr, agent-check, agent-addr, agent-port, agent-send, agent-inter, resolvers, resolve-prefer, init-addr).",
			                   args[0], args[1], opt);
		}
	}
	return warned ? CFG_WARN : CFG_OK;
}

