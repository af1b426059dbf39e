/*
 * `source ... usesrc ...`: parsing. See conn_src.h; the stream binds the
 * connection (stream_connect.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/conn_src.h>

/* Parses `hdr_ip(<hdr>[,<occ>])` of <val> into <cs>. Returns 0 or -1. */
static int conn_src_hdr_ip(struct conn_src *cs, const char *kw, const char *val, char *err,
                           size_t errlen)
{
	const char *name = val + strlen("hdr_ip("), *close = strchr(name, ')');
	const char *comma = close ? memchr(name, ',', (size_t)(close - name)) : NULL;
	size_t len = (size_t)((comma ? comma : close ? close : name) - name);
	char *end;

	if (!close || close[1] || len == 0 || len > CONN_SRC_HDR_MAX) {
		snprintf(err, errlen, "'%s' : 'usesrc' expects hdr_ip(<hdr>[,<occ>]) with a header name of 1 to %d characters, got '%s'.",
		         kw, CONN_SRC_HDR_MAX, val);
		return -1;
	}
	memcpy(cs->hdr, name, len);
	cs->hdr[len] = '\0';
	cs->hdr_occ = -1;
	if (comma) {
		long occ = strtol(comma + 1, &end, 10);

		if (end == comma + 1 || end != close || occ < -1000 || occ > 1000) {
			snprintf(err, errlen, "'%s' : 'usesrc' : hdr_ip() expects an occurrence from -1000 to 1000, got '%s'.",
			         kw, val);
			return -1;
		}
		cs->hdr_occ = (int)occ;
	}
	cs->use = CONN_SRC_USE_HDR_IP;
	return 0;
}

int conn_src_parse(struct conn_src *cs, const char *kw, int argc, char **args, int *i, char *err,
                   size_t errlen)
{
	char addrerr[ADDR_ERRLEN];
	struct conn_src n = { .use = CONN_SRC_USE_NONE };

	if (*i >= argc || !*args[*i]) {
		snprintf(err, errlen, "'%s' expects <addr>[:<port>] [usesrc { <addr2>[:<port2>] | client | clientip | hdr_ip(<hdr>[,<occ>]) }].", kw);
		return -1;
	}
	if (addr_parse(args[*i], ADDR_P_PORT_OPTIONAL | ADDR_P_NO_UNIX | ADDR_P_NO_FD, &n.addr, addrerr,
	               sizeof(addrerr)) < 0 || n.addr.kind != ADDR_INET) {
		snprintf(err, errlen, "'%s' : '%s' : %s (an IPv4 or IPv6 address and an optional port; port ranges are not supported yet).",
		         kw, args[*i], n.addr.kind == ADDR_INET ? "not an address" : addrerr);
		return -1;
	}
	while (*i + 1 < argc && (!strcmp(args[*i + 1], "usesrc") || !strcmp(args[*i + 1], "interface"))) {
		const char *opt = args[*i + 1], *val = *i + 2 < argc ? args[*i + 2] : NULL;

		if (!strcmp(opt, "interface")) {
			snprintf(err, errlen, "'%s' : 'interface' is not supported yet.", kw);
			return -1;
		}
		if (!val || !*val) {
			snprintf(err, errlen, "'%s' : 'usesrc' expects <addr>[:<port>], 'client', 'clientip', or 'hdr_ip(<hdr>[,<occ>])'.", kw);
			return -1;
		}
		*i += 2;
		if (!strcmp(val, "client")) {
			n.use = CONN_SRC_USE_CLIENT;
		} else if (!strcmp(val, "clientip")) {
			n.use = CONN_SRC_USE_CLIENTIP;
		} else if (!strncmp(val, "hdr_ip(", 7)) {
			if (conn_src_hdr_ip(&n, kw, val, err, errlen) < 0)
				return -1;
		} else if (addr_parse(val, ADDR_P_PORT_OPTIONAL | ADDR_P_NO_UNIX | ADDR_P_NO_FD, &n.use_addr,
		                      addrerr, sizeof(addrerr)) == 0 && n.use_addr.kind == ADDR_INET) {
			n.use = CONN_SRC_USE_ADDR;
		} else {
			snprintf(err, errlen, "'%s' : 'usesrc' expects <addr>[:<port>], 'client', 'clientip', or 'hdr_ip(<hdr>[,<occ>])', got '%s'.",
			         kw, val);
			return -1;
		}
	}
	*cs = n;
	return 0;
}
