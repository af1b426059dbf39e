/*
 * HTTP health checks' pure parts: the request of `option httpchk` /
 * `http-check send`, the `http-check expect` verdict on a response, status
 * lists. See check.h; the probes that use them are in check.c.
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tollgate/check.h>
#include <tollgate/compiler.h>
#include <tollgate/h1.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>
#include <tollgate/tcpcheck.h>
void check_escape_bytes(char *out, size_t size, const char *s, size_t len)
{
	size_t o = 0, i, max = len > 64 ? 64 : len;

	/* each byte takes at most 4 characters; keep 4 for "..." and the NUL */
	for (i = 0; i < max && o + 4 + 4 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\r')
			o += (size_t)snprintf(out + o, size - o, "\\r");
		else if (ch == '\n')
			o += (size_t)snprintf(out + o, size - o, "\\n");
		else if (ch == '\t')
			o += (size_t)snprintf(out + o, size - o, "\\t");
		else if (ch == '\\' || ch == '\'' || ch == '"')
			o += (size_t)snprintf(out + o, size - o, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	if (i < len)
		o += (size_t)snprintf(out + o, size - o, "...");
	out[o] = '\0';
}

/* Parses exactly 3 digits at *<pp> (100..999) into *<v>, advancing *<pp>.
 * Returns 0 or -EINVAL.
 */
static int parse_code3(const char **pp, int *v)
{
	const char *p = *pp;

	if (p[0] < '1' || p[0] > '9' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
		return -EINVAL;
	*v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	*pp = p + 3;
	return 0;
}

int httpchk_status_in(const char *list, int code)
{
	const char *p = list;
	int found = 0;

	for (;;) {
		int lo, hi;

		if (parse_code3(&p, &lo) < 0)
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_code3(&p, &hi) < 0 || hi < lo)
				return -EINVAL;
		}
		if (code >= lo && code <= hi)
			found = 1;
		if (!*p)
			return found;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
}

int httpchk_build_request(const struct pr_httpchk *hc, char *out, size_t size)
{
	return httpchk_format_request(hc, hc->uri, hc->hdrs, hc->body, out, size);
}

int httpchk_format_request(const struct pr_httpchk *hc, const char *uri, const char *hdrs, const char *body,
                           char *out, size_t size)
{
	const char *meth = hc->meth ? hc->meth : "OPTIONS";
	const char *ver = hc->ver ? hc->ver : "HTTP/1.0";
	int v11 = ver[7] >= '1';      /* "HTTP/1.x": close is 1.0's default, not said */
	char clen[40] = "";
	int n;

	/* a body, or a method that may have one, gets its length */
	if (body || (strcmp(meth, "OPTIONS") && strcmp(meth, "GET") && strcmp(meth, "HEAD") &&
	             strcmp(meth, "DELETE")))
		snprintf(clen, sizeof(clen), "Content-Length: %zu\r\n", body ? strlen(body) : 0);
	n = snprintf(out, size, "%s %s %s\r\n%s%s%s\r\n%s",
	             meth, uri && *uri ? uri : "/", ver, hdrs ? hdrs : "",
	             hc->has_conn || !v11 ? "" : "Connection: close\r\n", clen, body ? body : "");

	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

/* Finds where the body of a chunked response at <body>[0..<len>) ends.
 * With <compact>, moves the chunk data to the start of <body> (in place:
 * the data only moves towards the start, behind what is still parsed).
 * Returns the bytes of data (compacted or not), or a negative H1_ERR_*;
 * *<done> is set to 1 once the last chunk was seen.
 */
static long chunked_body(char *body, size_t len, int compact, int *done)
{
	struct h1_chunk ck;
	size_t in = 0, out = 0;

	h1_chunk_init(&ck, NULL);
	while (in < len && !h1_chunk_done(&ck)) {
		struct h1_span d;
		int n = h1_chunk_parse(&ck, body + in, len - in, &d);

		if (n < 0)
			return n;
		if (n == 0)
			break;
		if (compact && d.len)
			memmove(body + out, body + in + d.off, d.len);
		out += d.len;
		in += (size_t)n;
	}
	*done = h1_chunk_done(&ck);
	return (long)out;
}

/* Returns 1 when <s> of <len> bytes matches <pat> as <how> (HTTPCHK_M_*),
 * <re> being the compiled regex for HTTPCHK_M_REG; <icase>: without case.
 */
static int hdr_match(const char *s, size_t len, const char *pat, int how, const void *re, int icase)
{
	size_t plen = strlen(pat);
	char tmp[1024];

	switch (how) {
	case HTTPCHK_M_STR:
		return len == plen && !(icase ? strncasecmp(s, pat, len) : memcmp(s, pat, len));
	case HTTPCHK_M_BEG:
		return len >= plen && !(icase ? strncasecmp(s, pat, plen) : memcmp(s, pat, plen));
	case HTTPCHK_M_END:
		return len >= plen && !(icase ? strncasecmp(s + len - plen, pat, plen) : memcmp(s + len - plen, pat, plen));
	case HTTPCHK_M_SUB:
		if (!icase)
			return memmem(s, len, pat, plen) != NULL;
		for (size_t i = 0; i + plen <= len; i++)
			if (!strncasecmp(s + i, pat, plen))
				return 1;
		return 0;
	default:
		if (len >= sizeof(tmp))
			len = sizeof(tmp) - 1;
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		return regexec(re, tmp, 0, NULL, 0) == 0;
	}
}

/* `hdr` / `fhdr`: 1 when a field of <msg> (whose spans start at <base>)
 * has a name matching <hc>'s pattern and, when it has a value pattern, a
 * value matching it: each comma-separated value for `hdr`, the whole one
 * for `fhdr`.
 */
static int hdr_found(const struct pr_httpchk *hc, const struct h1_msg *msg, const char *base)
{
	for (uint32_t i = 0; i < msg->nb_hdrs; i++) {
		const char *n = base + msg->hdrs[i].n.off, *v = base + msg->hdrs[i].v.off;
		size_t vlen = msg->hdrs[i].v.len;

		if (!hdr_match(n, msg->hdrs[i].n.len, hc->expect, hc->name_match, hc->expect_re, 1))
			continue;
		if (!hc->expect_val)
			return 1;
		if (hc->expect_kind == HTTPCHK_EXP_FHDR) {
			if (hdr_match(v, vlen, hc->expect_val, hc->val_match, hc->expect_val_re, 0))
				return 1;
			continue;
		}
		for (size_t a = 0; a <= vlen;) {
			size_t b = a, e;

			while (b < vlen && v[b] != ',')
				b++;
			e = b;
			while (a < e && (v[a] == ' ' || v[a] == '\t'))
				a++;
			while (e > a && (v[e - 1] == ' ' || v[e - 1] == '\t'))
				e--;
			if (hdr_match(v + a, e - a, hc->expect_val, hc->val_match, hc->expect_val_re, 0))
				return 1;
			a = b + 1;
		}
	}
	return 0;
}

int httpchk_eval(const struct pr_httpchk *hc, const void *re, char *buf, size_t len, int last,
                 int *code, char *why, size_t why_size)
{
	struct h1_hdr hdrs[H1_DEF_MAX_HDRS];
	struct h1_msg msg;
	size_t off = 0;          /* start of the final response, after any 1xx */
	char phrase[96], info[112];
	int head, st, found;
	int is_head = hc->meth && !strcmp(hc->meth, "HEAD");

	*code = 0;
	for (;;) {
		h1_msg_init(&msg, hdrs, H1_DEF_MAX_HDRS);
		head = h1_parse_response(&msg, buf + off, len - off, NULL);
		if (head < 0) {
			*code = msg.status;
			snprintf(why, why_size, "Layer7 invalid response, info: \"invalid HTTP response: %s\"", h1_err_str(head));
			return HTTPCHK_FAIL;
		}
		if (head == 0) {
			if (!last)
				return HTTPCHK_MORE;
			snprintf(why, why_size, "Layer7 invalid response, info: \"%s\"",
			         len ? (len >= TCPCHK_BUFSIZE ? "response head larger than the check buffer"
			                                     : "connection closed before the end of the response head")
			             : "empty response");
			return HTTPCHK_FAIL;
		}
		if (msg.status >= 200 || msg.status == 101)
			break;
		off += (size_t)head;  /* an interim response: the final one follows */
	}
	st = *code = msg.status;
	check_escape_bytes(phrase, sizeof(phrase), buf + off + msg.reason.off, msg.reason.len);
	/* no reason phrase (HTTP/2 has none): no info, as HAProxy */
	snprintf(info, sizeof(info), phrase[0] ? ", info: \"%s\"" : "", phrase);

	switch (hc->expect_kind) {
	case HTTPCHK_EXP_HDR:
	case HTTPCHK_EXP_FHDR: {
		int ok = hdr_found(hc, &msg, buf + off) != !!hc->expect_neg;

		/* as HAProxy: a failure tells the status line, not the header */
		snprintf(why, why_size, "Layer7 %s, code: %d%s",
		         ok ? "check passed" : "wrong status", st, info);
		return ok ? HTTPCHK_OK : HTTPCHK_FAIL;
	}
	case HTTPCHK_EXP_STATUS:
	case HTTPCHK_EXP_RSTATUS:
	case HTTPCHK_EXP_DEFAULT: {
		int ok;

		if (hc->expect_kind == HTTPCHK_EXP_DEFAULT) {
			ok = st >= 200 && st < 400;
		} else {
			if (hc->expect_kind == HTTPCHK_EXP_STATUS) {
				found = httpchk_status_in(hc->expect, st) == 1;
			} else {
				char digits[8];

				snprintf(digits, sizeof(digits), "%d", st);
				found = regexec(re, digits, 0, NULL, 0) == 0;
			}
			ok = found != !!hc->expect_neg;
		}
		snprintf(why, why_size, "Layer7 %s, code: %d%s",
		         ok ? "check passed" : "wrong status", st, info);
		return ok ? HTTPCHK_OK : HTTPCHK_FAIL;
	}
	default: {
		char *body = buf + off + head;
		size_t blen = len - off - (size_t)head;
		char pat[96];
		int done = 0;
		long n;

		switch (h1_res_body(&msg, is_head ? H1_METH_HEAD : H1_METH_GET)) {
		case H1_BODY_NONE:
			blen = 0;
			break;
		case H1_BODY_CL:
			if (blen < msg.content_length && !last)
				return HTTPCHK_MORE;
			if (blen > msg.content_length)
				blen = (size_t)msg.content_length;
			break;
		case H1_BODY_CHUNKED:
			n = chunked_body(body, blen, 0, &done);
			if (n >= 0 && !done && !last)
				return HTTPCHK_MORE;
			n = n >= 0 ? chunked_body(body, blen, 1, &done) : n;
			if (n < 0) {
				snprintf(why, why_size, "Layer7 invalid response, code: %d, info: \"invalid chunked body: %s\"",
				         st, h1_err_str((int)n));
				return HTTPCHK_FAIL;
			}
			blen = (size_t)n;
			break;
		default:             /* until the close */
			if (!last)
				return HTTPCHK_MORE;
			break;
		}
		body[blen] = '\0';
		if (hc->expect_kind == HTTPCHK_EXP_STRING) {
			size_t plen = strlen(hc->expect);

			found = plen && blen >= plen && memmem(body, blen, hc->expect, plen) != NULL;
		} else {
			regmatch_t pm[1];
			int flags = 0;

#ifdef REG_STARTEND
			pm[0].rm_so = 0;
			pm[0].rm_eo = (regoff_t)blen;
			flags = REG_STARTEND;
#endif
			found = regexec(re, body, 1, pm, flags) == 0;
		}
		if (found != !!hc->expect_neg) {
			snprintf(why, why_size, "Layer7 check passed, code: %d%s", st, info);
			return HTTPCHK_OK;
		}
		check_escape_bytes(pat, sizeof(pat), hc->expect, strlen(hc->expect));
		snprintf(why, why_size, "Layer7 invalid response, code: %d, info: \"HTTP content check %s%s '%s'\"", st,
		         hc->expect_neg ? "found unwanted content" : "did not match content",
		         hc->expect_kind == HTTPCHK_EXP_RSTRING ? " (regex)" : "", pat);
		return HTTPCHK_FAIL;
	}
	}
}

int httpchk_dynamic(const struct pr_httpchk *hc)
{
	for (; hc; hc = hc->next)
		if (hc->uri_lf || hc->body_lf || hc->nb_vars || (hc->hdrs && strchr(hc->hdrs, '%')))
			return 1;
	return 0;
}

void httpchk_free(struct pr_httpchk *hc)
{
	if (hc->next) {
		httpchk_free(hc->next);
		free(hc->next);
	}
	free(hc->meth);
	free(hc->uri);
	free(hc->ver);
	free(hc->hdrs);
	free(hc->body);
	free(hc->expect);
	free(hc->expect_val);
	free(hc->conn_sni);
	free(hc->conn_alpn);
	logformat_free(hc->uri_fmt);
	logformat_free(hc->body_fmt);
	logformat_free(hc->hdrs_fmt);
	for (int i = 0; i < hc->nb_vars; i++)
		var_action_free(&hc->vars[i].va);
	free(hc->vars);
	if (hc->expect_re) {
		regfree(hc->expect_re);
		free(hc->expect_re);
	}
	if (hc->expect_val_re) {
		regfree(hc->expect_val_re);
		free(hc->expect_val_re);
	}
	memset(hc, 0, sizeof(*hc));
}
