/*
 * Editable HTTP heads. See http_msg.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tollgate/h1.h>
#include <tollgate/http_msg.h>

void http_head_init(struct http_head *hh, struct http_field *fields, uint32_t maxf,
                    char *arena, uint32_t arena_size)
{
	memset(hh, 0, sizeof(*hh));
	hh->f = fields;
	hh->maxf = maxf;
	hh->arena = arena;
	hh->arena_size = arena_size;
}

int http_head_load(struct http_head *hh, const struct h1_msg *msg, const char *base)
{
	if (msg->nb_hdrs > hh->maxf)
		return -ENOSPC;
	hh->meth = base + msg->method.off;
	hh->meth_len = msg->method.len;
	hh->m = msg->meth;
	hh->uri = base + msg->target.off;
	hh->uri_len = msg->target.len;
	hh->status = msg->status;
	hh->reason = base + msg->reason.off;
	hh->reason_len = msg->reason.len;
	/* a version above 1.1 is spoken as 1.1 (RFC 9110 2.5), and said so */
	hh->vmajor = msg->vmajor > 1 ? 1 : msg->vmajor;
	hh->vminor = msg->vmajor > 1 || msg->vminor > 1 ? 1 : msg->vminor;
	for (uint32_t i = 0; i < msg->nb_hdrs; i++) {
		hh->f[i].n = base + msg->hdrs[i].n.off;
		hh->f[i].nlen = msg->hdrs[i].n.len;
		hh->f[i].v = base + msg->hdrs[i].v.off;
		hh->f[i].vlen = msg->hdrs[i].v.len;
	}
	hh->nf = msg->nb_hdrs;
	hh->arena_len = 0;
	return 0;
}

const char *http_head_dup(struct http_head *hh, const char *src, size_t len)
{
	char *p;

	if (len > hh->arena_size - hh->arena_len)
		return NULL;
	p = hh->arena + hh->arena_len;
	if (len)
		memcpy(p, src, len);
	hh->arena_len += (uint32_t)len;
	return p;
}

int http_hdr_next(const struct http_head *hh, const char *name, size_t nlen, int *pos)
{
	for (int i = *pos + 1; i < (int)hh->nf; i++) {
		const struct http_field *f = &hh->f[i];

		if (f->n && f->nlen == nlen && !strncasecmp(f->n, name, nlen)) {
			*pos = i;
			return i;
		}
	}
	*pos = (int)hh->nf;
	return -1;
}

unsigned int http_hdr_count(const struct http_head *hh, const char *name, size_t nlen)
{
	unsigned int n = 0;
	int pos = -1;

	while (http_hdr_next(hh, name, nlen, &pos) >= 0)
		n++;
	return n;
}

/* A field value may hold any visible byte, obs-text, SP and HTAB. */
static int value_ok(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!(h1_ctab[(unsigned char)v[i]] & H1_C_FVAL))
			return 0;
	return 1;
}

static int token_ok(const char *t, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!(h1_ctab[(unsigned char)t[i]] & H1_C_TCHAR))
			return 0;
	return 1;
}

int http_hdr_add(struct http_head *hh, const char *name, size_t nlen, const char *value, size_t vlen)
{
	struct http_field *f;
	uint32_t mark = hh->arena_len;

	if (!token_ok(name, nlen) || !value_ok(value, vlen))
		return -EINVAL;
	if (hh->nf >= hh->maxf)
		return -ENOSPC;
	f = &hh->f[hh->nf];
	f->n = http_head_dup(hh, name, nlen);
	f->v = http_head_dup(hh, value, vlen);
	if (!f->n || !f->v) {
		hh->arena_len = mark;
		return -ENOSPC;
	}
	f->nlen = (uint32_t)nlen;
	f->vlen = (uint32_t)vlen;
	hh->nf++;
	return 0;
}

unsigned int http_hdr_del(struct http_head *hh, const char *name, size_t nlen)
{
	unsigned int n = 0;
	int pos = -1;

	while (http_hdr_next(hh, name, nlen, &pos) >= 0) {
		hh->f[pos].n = NULL;
		n++;
	}
	/* trailing deleted entries can be reused */
	while (hh->nf && !hh->f[hh->nf - 1].n)
		hh->nf--;
	return n;
}

int http_hdr_set(struct http_head *hh, const char *name, size_t nlen, const char *value, size_t vlen)
{
	/* copy first: <value> may point into a field being deleted */
	const char *v;
	uint32_t mark = hh->arena_len;
	int ret;

	if (!value_ok(value, vlen) || !token_ok(name, nlen))
		return -EINVAL;
	v = http_head_dup(hh, value, vlen);
	if (!v)
		return -ENOSPC;
	http_hdr_del(hh, name, nlen);
	ret = http_hdr_add(hh, name, nlen, v, vlen);
	if (ret < 0)
		hh->arena_len = mark;
	return ret;
}

int http_hdr_set_value(struct http_head *hh, int idx, const char *value, size_t vlen)
{
	const char *v;

	if (idx < 0 || idx >= (int)hh->nf || !hh->f[idx].n)
		return -EINVAL;
	if (!value_ok(value, vlen))
		return -EINVAL;
	v = http_head_dup(hh, value, vlen);
	if (!v)
		return -ENOSPC;
	hh->f[idx].v = v;
	hh->f[idx].vlen = (uint32_t)vlen;
	return 0;
}

int http_set_method(struct http_head *hh, const char *m, size_t len)
{
	enum h1_meth nm = H1_METH_OTHER;
	static const struct { const char *s; enum h1_meth m; } known[] = {
		{ "GET", H1_METH_GET }, { "HEAD", H1_METH_HEAD }, { "POST", H1_METH_POST },
		{ "PUT", H1_METH_PUT }, { "DELETE", H1_METH_DELETE }, { "CONNECT", H1_METH_CONNECT },
		{ "OPTIONS", H1_METH_OPTIONS }, { "TRACE", H1_METH_TRACE }, { "PATCH", H1_METH_PATCH },
	};
	const char *p;

	if (!token_ok(m, len))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].s) == len && !memcmp(known[i].s, m, len))
			nm = known[i].m;
	/* the target must still suit the method (CONNECT, OPTIONS *) */
	if (hh->uri_len && !h1_target_valid(nm, hh->uri, hh->uri_len))
		return -EINVAL;
	p = http_head_dup(hh, m, len);
	if (!p)
		return -ENOSPC;
	hh->meth = p;
	hh->meth_len = (uint32_t)len;
	hh->m = nm;
	return 0;
}

int http_set_uri(struct http_head *hh, const char *uri, size_t len)
{
	const char *p;

	if (!h1_target_valid(hh->m, uri, len))
		return -EINVAL;
	p = http_head_dup(hh, uri, len);
	if (!p)
		return -ENOSPC;
	hh->uri = p;
	hh->uri_len = (uint32_t)len;
	return 0;
}

int http_normalize_authority(struct http_head *hh)
{
	const uint8_t *u = (const uint8_t *)hh->uri;
	uint32_t alen, hostlen, plen;
	int scheme, off, port, idx = -1, fix = 0;
	const char *nu, *host, *path;

	if (hh->m == H1_METH_CONNECT) {
		/* Host "name:80" or "name:443" becomes "name" (the target keeps its port) */
		while (http_hdr_next(hh, "host", 4, &idx) >= 0) {
			port = h1_host_port((const uint8_t *)hh->f[idx].v, hh->f[idx].vlen, &hostlen);
			if (port > 0 && h1_default_port(H1_SCHEME_NONE, (const uint8_t *)hh->f[idx].v + hostlen + 1, port))
				hh->f[idx].vlen = hostlen;
		}
		return 0;
	}
	if (!hh->uri_len || u[0] == '/' || u[0] == '*')
		return 0;
	off = h1_target_authority(u, hh->uri_len, &scheme, &alen);
	if (off < 0)
		return 0;
	port = h1_host_port(u + off, alen, &hostlen);
	if (port >= 0 && h1_default_port(scheme, u + off + hostlen + 1, port))
		fix = 1;
	else
		hostlen = alen;
	path = hh->uri + off + alen;
	plen = hh->uri_len - (uint32_t)off - alen;
	if (!plen && hh->m != H1_METH_OPTIONS) {
		path = "/";   /* "http://name" gets its path "/" */
		plen = 1;
		fix = 1;
	}
	if (!fix)
		return 0;
	nu = http_head_dup(hh, hh->uri, (size_t)off + hostlen);
	if (!nu || !http_head_dup(hh, path, plen))
		return -ENOSPC;
	host = nu + off;
	hh->uri = nu;
	hh->uri_len = (uint32_t)off + hostlen + plen;
	while (http_hdr_next(hh, "host", 4, &idx) >= 0) {
		hh->f[idx].v = host;
		hh->f[idx].vlen = hostlen;
	}
	return 0;
}

/* Offset where the path starts in the target: after "scheme://authority"
 * for an absolute-form target, else 0.
 */
static size_t path_start(const char *u, size_t len)
{
	const char *sep;

	if (!len || u[0] == '/' || u[0] == '*')
		return 0;
	sep = memchr(u, ':', len);
	if (!sep || (size_t)(sep - u) + 3 > len || sep[1] != '/' || sep[2] != '/')
		return 0;  /* authority-form (CONNECT): no path */
	for (size_t i = (size_t)(sep - u) + 3; i < len; i++)
		if (u[i] == '/' || u[i] == '?')
			return i;
	return len;
}

const char *http_uri_path(const struct http_head *hh, size_t *len)
{
	size_t start = path_start(hh->uri, hh->uri_len), end = start;

	while (end < hh->uri_len && hh->uri[end] != '?')
		end++;
	*len = end - start;
	return hh->uri + start;
}

const char *http_uri_query(const struct http_head *hh, size_t *len)
{
	const char *q = memchr(hh->uri, '?', hh->uri_len);

	if (!q)
		return NULL;
	*len = hh->uri_len - (size_t)(q + 1 - hh->uri);
	return q + 1;
}

/* Rebuilds the target from <prefix> (scheme and authority), <path> and
 * <query> (NULL: none).
 */
static int rebuild_uri(struct http_head *hh, const char *pre, size_t prelen, const char *path,
                       size_t plen, const char *q, size_t qlen)
{
	char tmp[8192];
	size_t n = prelen + plen + (q ? qlen + 1 : 0);

	if (n > sizeof(tmp))
		return -ENOSPC;
	memcpy(tmp, pre, prelen);
	memcpy(tmp + prelen, path, plen);
	if (q) {
		tmp[prelen + plen] = '?';
		memcpy(tmp + prelen + plen + 1, q, qlen);
	}
	return http_set_uri(hh, tmp, n);
}

int http_set_path(struct http_head *hh, const char *path, size_t len)
{
	size_t start = path_start(hh->uri, hh->uri_len), qlen = 0;
	const char *q = http_uri_query(hh, &qlen);

	/* after an authority, a path without its '/' would extend the
	 * authority: the request would name another host than its Host */
	if (start && len && path[0] != '/')
		return -EINVAL;
	return rebuild_uri(hh, hh->uri, start, path, len, q, qlen);
}

const char *http_uri_pathq(const struct http_head *hh, size_t *len)
{
	size_t start = path_start(hh->uri, hh->uri_len);

	*len = hh->uri_len - start;
	return hh->uri + start;
}

int http_set_pathq(struct http_head *hh, const char *pathq, size_t len)
{
	size_t start = path_start(hh->uri, hh->uri_len);

	if (start && len && pathq[0] != '/' && pathq[0] != '?')
		return -EINVAL;   /* as http_set_path() */
	return rebuild_uri(hh, hh->uri, start, pathq, len, NULL, 0);
}

int http_set_query(struct http_head *hh, const char *q, size_t len)
{
	size_t plen, start = path_start(hh->uri, hh->uri_len);
	const char *p = http_uri_path(hh, &plen);

	return rebuild_uri(hh, hh->uri, start, p, plen, len ? q : NULL, len);
}

const char *http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 425: return "Too Early";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

int http_set_status(struct http_head *hh, int status, const char *reason, size_t len)
{
	const char *r;

	if (status < 100 || status > 999)
		return -EINVAL;
	if (!reason) {
		reason = http_reason(status);
		len = strlen(reason);
	} else if (!value_ok(reason, len)) {
		return -EINVAL;
	}
	r = http_head_dup(hh, reason, len);
	if (!r)
		return -ENOSPC;
	hh->status = (uint16_t)status;
	hh->reason = r;
	hh->reason_len = (uint32_t)len;
	return 0;
}

/* Appends <len> bytes of <src> at *<pos> in <out> of <room>. */
static inline int put(char *out, size_t room, size_t *pos, const char *src, size_t len)
{
	if (len > room - *pos)
		return -1;
	memcpy(out + *pos, src, len);
	*pos += len;
	return 0;
}

size_t http_head_size(const struct http_head *hh, int is_req)
{
	size_t n = is_req ? hh->meth_len + 1 + hh->uri_len + 1 + 8 + 2 : 8 + 5 + hh->reason_len + 2;

	for (uint32_t i = 0; i < hh->nf; i++)
		if (hh->f[i].n)
			n += hh->f[i].nlen + 2 + hh->f[i].vlen + 2;
	return n + 2;
}

size_t http_head_write(const struct http_head *hh, int is_req, char *out, size_t room)
{
	/* "HTTP/x.y" by hand: this runs for every message (no printf) */
	char ver[8] = { 'H', 'T', 'T', 'P', '/', (char)('0' + (hh->vmajor ? hh->vmajor % 10 : 1)), '.',
	                (char)('0' + hh->vminor % 10) };
	size_t pos = 0;
	int vl = 8;

	if (is_req) {
		if (put(out, room, &pos, hh->meth, hh->meth_len) || put(out, room, &pos, " ", 1) ||
		    put(out, room, &pos, hh->uri, hh->uri_len) || put(out, room, &pos, " ", 1) ||
		    put(out, room, &pos, ver, (size_t)vl) || put(out, room, &pos, "\r\n", 2))
			return 0;
	} else {
		char st[5] = { ' ', (char)('0' + hh->status / 100 % 10), (char)('0' + hh->status / 10 % 10),
		               (char)('0' + hh->status % 10), ' ' };
		int sl = 5;

		if (put(out, room, &pos, ver, (size_t)vl) || put(out, room, &pos, st, (size_t)sl) ||
		    put(out, room, &pos, hh->reason, hh->reason_len) || put(out, room, &pos, "\r\n", 2))
			return 0;
	}
	for (uint32_t i = 0; i < hh->nf; i++) {
		const struct http_field *f = &hh->f[i];

		if (!f->n)
			continue;
		if (put(out, room, &pos, f->n, f->nlen) || put(out, room, &pos, ": ", 2) ||
		    put(out, room, &pos, f->v, f->vlen) || put(out, room, &pos, "\r\n", 2))
			return 0;
	}
	if (put(out, room, &pos, "\r\n", 2))
		return 0;
	return pos;
}

int http_value_next(const char *v, size_t vlen, size_t *pos, const char **e, size_t *elen)
{
	size_t i = *pos, start, end;
	int quoted = 0;

	if (i > vlen || (i == vlen && i))
		return 0;
	start = i;
	while (i < vlen) {
		if (v[i] == '"')
			quoted = !quoted;
		else if (v[i] == '\\' && quoted && i + 1 < vlen)
			i++;
		else if (v[i] == ',' && !quoted)
			break;
		i++;
	}
	end = i;
	while (start < end && (v[start] == ' ' || v[start] == '\t'))
		start++;
	while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
		end--;
	*e = v + start;
	*elen = end - start;
	*pos = i < vlen ? i + 1 : vlen + 1;
	return 1;
}

static int is_sp(char c)
{
	return c == ' ' || c == '\t';
}

int http_cookie_next(const char *v, size_t vlen, size_t *pos, int list,
		       const char **n, size_t *nl, const char **val, size_t *vall)
{
	while (*pos < vlen) {
		size_t i = *pos, nb, ne, vb, ve;
		int quoted = 0, has_eq = 0;

		while (i < vlen && is_sp(v[i]))
			i++;
		nb = ne = i;
		while (i < vlen && v[i] != '=' && v[i] != ';' && !(list && v[i] == ',')) {
			if (!is_sp(v[i]))
				ne = i + 1;
			i++;
		}
		vb = ve = i;
		if (i < vlen && v[i] == '=') {
			has_eq = 1;
			i++;
			while (i < vlen && is_sp(v[i]))
				i++;
			vb = i;
			for (; i < vlen; i++) {
				if (quoted) {
					if (v[i] == '\\' && i + 1 < vlen)
						i++;
					else if (v[i] == '"')
						quoted = 0;
				} else if (v[i] == '"') {
					quoted = 1;
				} else if (v[i] == ';' || v[i] == ',') {
					break;
				}
			}
			ve = i;
			while (ve > vb && is_sp(v[ve - 1]))
				ve--;
		}
		*pos = list ? i + 1 : vlen;
		if (!has_eq || ne == nb || v[nb] == '$')
			continue;
		*n = v + nb;
		*nl = ne - nb;
		*val = v + vb;
		*vall = ve - vb;
		return 1;
	}
	return 0;
}
