/*
 * What the proxy itself adds to or removes from HTTP heads, as the
 * configuration asks: the Connection fields of each side, X-Forwarded-For,
 * persistence cookies, and the captures kept for the logs. See
 * http_headers.h; the engine (stream_http.c) calls these while a head is
 * being analysed, on the stream's thread.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <tollgate/addr.h>
#include <tollgate/h1.h>
#include <tollgate/http_msg.h>
#include <tollgate/http_txn.h>
#include <tollgate/lb.h>
#include <tollgate/proxy-t.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>
#include <tollgate/xprt.h>

#include "http_headers.h"

/* Captures, for the logs, the fields of <hh> named by the frontend's
 * `capture <dir> header` lines and its `capture cookie` (<dir>: 0 request,
 * 1 response), as HAProxy: the last occurrence of a header, cut to the
 * configured length; "name=value" of the first matching cookie.
 */
void http_capture(struct stream *s, const struct http_head *hh, int dir)
{
	const struct proxy *fe = s->fe;
	const struct pr_capture *caps = dir ? fe->cap_res : fe->cap_req;
	unsigned int nb = dir ? fe->nb_cap_res : fe->nb_cap_req;
	struct http_txn *txn = s->txn;

	for (unsigned int i = 0; i < nb; i++) {
		int pos = -1, last = -1;

		if (!caps[i].name)
			continue;   /* declare capture, http-request capture: filled by rules */
		while (http_hdr_next(hh, caps[i].name, strlen(caps[i].name), &pos) >= 0)
			last = pos;
		if (last >= 0) {
			size_t n = hh->f[last].vlen < caps[i].len ? hh->f[last].vlen : caps[i].len;

			memcpy(txn->cap[dir][i], hh->f[last].v, n);
			txn->cap_len[dir][i] = (int16_t)n;
		}
	}
	if (fe->cap_cookie.name) {
		const char *hname = dir ? "set-cookie" : "cookie";
		size_t nlen = strlen(fe->cap_cookie.name);
		int pos = -1;

		while (!txn->cap_cookie_len[dir] && http_hdr_next(hh, hname, dir ? 10 : 6, &pos) >= 0) {
			const char *n, *val;
			size_t p = 0, nl, vl;

			while (http_cookie_next(hh->f[pos].v, hh->f[pos].vlen, &p, !dir, &n, &nl, &val, &vl)) {
				size_t l = (size_t)(val + vl - n);   /* "name=value" */

				if (nl != nlen || memcmp(n, fe->cap_cookie.name, nlen))
					continue;
				if (l > fe->cap_cookie.len)
					l = fe->cap_cookie.len;
				memcpy(txn->cap_cookie[dir], n, l);
				txn->cap_cookie_len[dir] = (int16_t)l;
				break;
			}
		}
	}
}

/* Makes the framing fields of <hh> say one thing, as parsed into <m>
 * (RFC 9112 6.3): Transfer-Encoding frames the message, so every
 * Content-Length goes (a recipient trusting it would desynchronise);
 * identical Content-Length duplicates become one field, where the first
 * was (RFC 9110 8.6).
 */
int http_framing_fields(struct http_head *hh, const struct h1_msg *m)
{
	char v[24];
	int pos = -1, first, n;

	if (m->flags & H1_MF_TE) {
		http_hdr_del(hh, "content-length", 14);
		return 0;
	}
	if (!(m->flags & H1_MF_CL_MULTI) || http_hdr_next(hh, "content-length", 14, &pos) < 0)
		return 0;
	first = pos;
	while (http_hdr_next(hh, "content-length", 14, &pos) >= 0)
		hh->f[pos].n = NULL;
	n = snprintf(v, sizeof(v), "%llu", (unsigned long long)m->content_length);
	return http_hdr_set_value(hh, first, v, (size_t)n);
}

/* Does <addr> fall in the `except` network of <ff>? */
static int fwdfor_excepted(const struct pr_forwardfor *ff, const struct addr *a)
{
	const struct sockaddr *sa = addr_sa(a);
	const unsigned char *ip, *net = (const unsigned char *)&ff->except_addr,
	                         *msk = (const unsigned char *)&ff->except_mask;
	size_t len;

	if (!ff->has_except)
		return 0;
	if (sa->sa_family == AF_INET && !ff->except_v6) {
		ip = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
		len = 4;
	} else if (sa->sa_family == AF_INET6 && ff->except_v6) {
		ip = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		len = 16;
	} else {
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		if ((ip[i] & msk[i]) != (net[i] & msk[i]))
			return 0;
	return 1;
}

/* `option forwardfor` of the frontend or the backend. */
/* Adds <name>: <a>'s IP (without brackets for IPv6, as HAProxy writes it)
 * to the request. Returns 0 or -ENOSPC; nothing for a non-IP address.
 */
static int add_ip_header(struct stream *s, const char *name, struct addr a)
{
	char ip[ADDR_STRLEN];
	size_t len;

	if (addr_sa(&a)->sa_family != AF_INET && addr_sa(&a)->sa_family != AF_INET6)
		return 0;
	a.flags |= ADDR_F_NO_PORT;
	addr_format(&a, ip, sizeof(ip));
	len = strlen(ip);
	if (ip[0] == '[') {
		memmove(ip, ip + 1, len);
		len -= 2;
	}
	return http_hdr_add(&s->txn->req, name, strlen(name), ip, len);
}

int http_add_forwardfor(struct stream *s, const struct proxy *px)
{
	const struct pr_forwardfor *ff = &px->fwdfor;
	const char *name = ff->hdr ? ff->hdr : "X-Forwarded-For";

	if (!(px->options & PR_O_FORWARDFOR) || fwdfor_excepted(ff, &s->cli_addr))
		return 0;
	if (ff->if_none && http_hdr_count(&s->txn->req, name, strlen(name)))
		return 0;
	return add_ip_header(s, name, s->cli_addr);
}

/* Appends an RFC 7239 node, "<ip>" or "\"<ip>:<port>\"" (an IPv6 one in
 * brackets, quoted), "unknown" for an address that is not IP.
 */
static size_t fwd_node(char *out, size_t room, struct addr a, int with_port)
{
	const struct sockaddr *sa = addr_sa(&a);
	char ip[ADDR_STRLEN];
	int v6 = sa->sa_family == AF_INET6, n;

	if (sa->sa_family != AF_INET && !v6)
		return (size_t)snprintf(out, room, "unknown");
	a.flags |= ADDR_F_NO_PORT;
	addr_format(&a, ip, sizeof(ip));
	if (v6 && ip[0] != '[')
		n = snprintf(out, room, "\"[%s]", ip);
	else
		n = snprintf(out, room, "%s%s", v6 || with_port ? "\"" : "", ip);
	if (n > 0 && (size_t)n < room && with_port)
		n += snprintf(out + n, room - (size_t)n, ":%u", addr_port(&a));
	if (n > 0 && (size_t)n < room && (v6 || with_port))
		n += snprintf(out + n, room - (size_t)n, "\"");
	return n > 0 ? (size_t)n : 0;
}

/* Is <v> a valid RFC 7239 host (a name or IPv4 address with an optional
 * port, or a bracketed IPv6 address), as HAProxy checks it?
 */
static int fwd_host_valid(const char *v, size_t len)
{
	size_t i = 0;

	if (!len)
		return 0;
	if (v[0] == '[') {
		while (i < len && v[i] != ']')
			i++;
		if (i == len)
			return 0;
		i++;
	} else {
		while (i < len && (isalnum((unsigned char)v[i]) || v[i] == '.'))
			i++;
	}
	if (i == len)
		return 1;
	if (v[i++] != ':' || i == len)
		return 0;
	for (; i < len; i++)
		if (!isdigit((unsigned char)v[i]))
			return 0;
	return 1;
}

int http_add_forwarded(struct stream *s, const struct proxy *px)
{
	const struct pr_forwarded *f = &px->fwded;
	char v[512];
	size_t n = 0;

	if (!(px->options & PR_O_FORWARDED))
		return 0;
	if (f->proto)
		n += (size_t)snprintf(v + n, sizeof(v) - n, "proto=%s", stream_cli_conn(s)->xprt == &xprt_tls ? "https" : "http");
	if (f->host && n < sizeof(v)) {
		int pos = -1;

		n += (size_t)snprintf(v + n, sizeof(v) - n, "%shost=\"", n ? ";" : "");
		if (http_hdr_next(&s->txn->req, "host", 4, &pos) >= 0 &&
		    fwd_host_valid(s->txn->req.f[pos].v, s->txn->req.f[pos].vlen) && n < sizeof(v))
			n += (size_t)snprintf(v + n, sizeof(v) - n, "%.*s", (int)s->txn->req.f[pos].vlen, s->txn->req.f[pos].v);
		if (n < sizeof(v))
			n += (size_t)snprintf(v + n, sizeof(v) - n, "\"");
	}
	if (f->by && n < sizeof(v)) {
		struct addr dst;

		n += (size_t)snprintf(v + n, sizeof(v) - n, "%sby=", n ? ";" : "");
		if (s->has_dst)
			dst = s->dst_addr;
		else if (s->cli.fd < 0 || sock_get_name(s->cli.fd, &dst) < 0)
			memset(&dst, 0, sizeof(dst));
		if (n < sizeof(v))
			n += fwd_node(v + n, sizeof(v) - n, dst, f->by_port);
	}
	if (f->for_ && n < sizeof(v)) {
		n += (size_t)snprintf(v + n, sizeof(v) - n, "%sfor=", n ? ";" : "");
		if (n < sizeof(v))
			n += fwd_node(v + n, sizeof(v) - n, s->cli_addr, f->for_port);
	}
	if (n >= sizeof(v))
		return -ENOSPC;
	return http_hdr_add(&s->txn->req, "Forwarded", 9, v, n);
}

int http_add_originalto(struct stream *s, const struct proxy *px)
{
	const struct pr_forwardfor *ot = &px->origto;
	const char *name = ot->hdr ? ot->hdr : "X-Original-To";
	struct addr dst;

	if (!(px->options & PR_O_ORIGINALTO))
		return 0;
	if (s->has_dst)
		dst = s->dst_addr;
	else if (s->cli.fd < 0 || sock_get_name(s->cli.fd, &dst) < 0)
		return 0;
	if (fwdfor_excepted(ot, &dst))
		return 0;
	return add_ip_header(s, name, dst);
}

/* Looks for the backend's persistence cookie in the request: sets
 * s->pref_srv to the server it names (if usable), and removes it (indirect)
 * or strips the server prefix (prefix mode) before the request goes on.
 * Returns 0 or -ENOSPC.
 */
int http_cookie_request(struct stream *s)
{
	const struct pr_cookie *ck = &s->be->cookie;
	struct http_head *hh = &s->txn->req;
	size_t nlen = strlen(ck->name);
	int pos = -1;

	while (http_hdr_next(hh, "cookie", 6, &pos) >= 0) {
		const char *v = hh->f[pos].v, *n, *val;
		size_t vlen = hh->f[pos].vlen, p = 0, nl, vl, sl;
		char buf[1024];
		size_t len;

		while (http_cookie_next(v, vlen, &p, 1, &n, &nl, &val, &vl)) {
			if (nl != nlen || memcmp(n, ck->name, nlen))
				continue;
			/* NAME=value found; in prefix mode the value is SRV~rest */
			sl = vl;
			if (ck->flags & CK_PREFIX) {
				const char *t = memchr(val, '~', vl);

				if (!t)
					continue;
				sl = (size_t)(t - val);
			}
			{
				struct server *srv;

				for (srv = s->be->srv; srv; srv = srv->next) {
					if (srv->cookie && strlen(srv->cookie) == sl && !memcmp(srv->cookie, val, sl)) {
						if (lb_srv_usable(srv) || (srv->flags & SRV_F_DRAIN)) {
							s->txn->flags |= TX_COOKIE_SEEN;
							server_hold(&s->pref_srv, srv);
						} else {
							s->txn->flags |= TX_COOKIE_DOWN;
						}
						break;
					}
				}
				if (!srv)
					s->txn->flags |= TX_COOKIE_INVALID;
			}
			/* the servers see the header without our cookie (indirect),
			 * or with the server prefix stripped (prefix)
			 */
			if (!(ck->flags & (CK_PREFIX | CK_INDIRECT)) || vlen > sizeof(buf))
				return 0;
			if (ck->flags & CK_PREFIX) {
				size_t head = (size_t)(val - v), tail = (size_t)(val + vl - v);

				memcpy(buf, v, head);
				memcpy(buf + head, val + sl + 1, vl - sl - 1);
				memcpy(buf + head + vl - sl - 1, v + tail, vlen - tail);
				len = vlen - sl - 1;
			} else {
				/* drop "NAME=value" up to the next cookie */
				size_t head = (size_t)(n - v), rest = p < vlen ? p : vlen;

				while (rest < vlen && (v[rest] == ' ' || v[rest] == '\t'))
					rest++;
				memcpy(buf, v, head);
				memcpy(buf + head, v + rest, vlen - rest);
				len = head + vlen - rest;
				while (len && (buf[len - 1] == ' ' || buf[len - 1] == ';'))
					len--;
			}
			if (!len) {
				hh->f[pos].n = NULL;   /* nothing left of the header */
				return 0;
			}
			return http_hdr_set_value(hh, pos, buf, len);
		}
	}
	return 0;
}

/* Normalises the Connection fields of the request for the server: kept for
 * an upgrade, else removed and replaced by what the server connection
 * needs.
 */
int http_conn_request(struct stream *s)
{
	struct http_txn *txn = s->txn;
	int srv_close = !!((s->be->options | s->fe->options) & (PR_O_SRV_CLOSE | PR_O_HTTPCLOSE));

	if ((txn->req_h1.flags & (H1_MF_CONN_UPGRADE | H1_MF_UPGRADE)) == (H1_MF_CONN_UPGRADE | H1_MF_UPGRADE))
		return 0;
	http_hdr_del(&txn->req, "connection", 10);
	if (srv_close) {
		txn->flags |= TX_SRV_CLOSE;
		return http_hdr_add(&txn->req, "Connection", 10, "close", 5);
	}
	if (txn->req.vminor == 0)
		return http_hdr_add(&txn->req, "Connection", 10, "keep-alive", 10);
	return 0;
}

/* Adds the persistence cookie to the response when needed (insert mode),
 * or rewrites the server's own (rewrite, prefix modes).
 */
int http_cookie_response(struct stream *s)
{
	const struct pr_cookie *ck = &s->be->cookie;
	struct http_txn *txn = s->txn;
	struct server *srv = s->srv ? s->srv : s->prev_srv;
	char line[1024];
	int n;

	if (!srv || !srv->cookie)
		return 0;
	if (ck->flags & CK_INSERT) {
		if ((txn->flags & TX_COOKIE_SEEN) && s->pref_srv == srv)
			return 0;   /* the client already goes to this server */
		n = snprintf(line, sizeof(line), "%s=%s; path=/%s%s%s%s", ck->name, srv->cookie,
		             ck->domain ? "; domain=" : "", ck->domain ? ck->domain : "",
		             (ck->flags & CK_HTTPONLY) ? "; HttpOnly" : "", (ck->flags & CK_SECURE) ? "; Secure" : "");
		if (n <= 0 || (size_t)n >= sizeof(line))
			return -ENOSPC;
		txn->flags |= TX_COOKIE_SET;
		if (http_hdr_add(&txn->res, "Set-Cookie", 10, line, (size_t)n) < 0)
			return -ENOSPC;
		if ((ck->flags & CK_NOCACHE) && http_hdr_add(&txn->res, "Cache-Control", 13, "private", 7) < 0)
			return -ENOSPC;
		return 0;
	}
	/* rewrite / prefix: the server's Set-Cookie NAME=... */
	{
		size_t nlen = strlen(ck->name);
		int pos = -1;

		while (http_hdr_next(&txn->res, "set-cookie", 10, &pos) >= 0) {
			const char *v = txn->res.f[pos].v;
			size_t vlen = txn->res.f[pos].vlen, eq = 0, semi;

			while (eq < vlen && v[eq] != '=')
				eq++;
			if (eq != nlen || memcmp(v, ck->name, nlen))
				continue;
			semi = eq;
			while (semi < vlen && v[semi] != ';')
				semi++;
			if (ck->flags & CK_PREFIX)
				n = snprintf(line, sizeof(line), "%s=%s~%.*s", ck->name, srv->cookie, (int)(vlen - eq - 1),
				             v + eq + 1);
			else
				n = snprintf(line, sizeof(line), "%s=%s%.*s", ck->name, srv->cookie, (int)(vlen - semi),
				             v + semi);
			if (n <= 0 || (size_t)n >= sizeof(line))
				return -ENOSPC;
			txn->flags |= TX_COOKIE_SET;
			return http_hdr_set_value(&txn->res, pos, line, (size_t)n);
		}
	}
	return 0;
}

/* Normalises the Connection fields of the response for the client. */
int http_conn_response(struct stream *s)
{
	struct http_txn *txn = s->txn;

	http_hdr_del(&txn->res, "connection", 10);
	if (txn->flags & TX_CLI_CLOSE)
		return http_hdr_add(&txn->res, "Connection", 10, "close", 5);
	if (txn->req.vminor == 0)
		return http_hdr_add(&txn->res, "Connection", 10, "keep-alive", 10);
	return 0;
}
