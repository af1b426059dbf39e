/*
 * HTTP checks over HTTP/2 (`check-proto h2`, or a `proto h2` server
 * without `check-proto`): the stage's request, built as HTTP/1 text like
 * any HTTP check's, is sent as one HTTP/2 stream with prior knowledge
 * (connection preface, SETTINGS, HEADERS, DATA), framed by an nghttp2
 * client session; the answer's status, fields and body are written back
 * as an HTTP/1.1 response into the check's response buffer, which
 * httpchk_eval() judges as for HTTP/1 (the reason phrase is the status's
 * standard one, as HAProxy's HTX shows it). See check_int.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nghttp2/nghttp2.h>

#include <tollgate/http_msg.h>
#include <tollgate/tcpcheck.h>

#include "check_int.h"

#define CHECK_H2_FIELDS 64      /* request fields sent at most */

struct check_h2 {
	nghttp2_session *ses;
	struct check *c;
	char *out;                  /* the request's frames, once built */
	size_t out_len;
	const char *body;           /* the request's body, for the data provider */
	size_t body_len;
	size_t body_off;
	int32_t sid;                /* the request's stream */
	char *rbody;                /* the answer's body, TCPCHK_BUFSIZE bytes */
	size_t rbody_len;
	int done;                   /* the stream closed */
};

/* Appends the <len> bytes at <p> to the response buffer, cut at its size. */
static void put_resp(struct check *c, const char *p, size_t len)
{
	if (len > TCPCHK_BUFSIZE - c->rlen)
		len = TCPCHK_BUFSIZE - c->rlen;
	memcpy(c->rbuf + c->rlen, p, len);
	c->rlen += len;
	c->rbuf[c->rlen] = '\0';
}

static int cb_header(nghttp2_session *ses, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
                     const uint8_t *value, size_t vlen, uint8_t flags, void *arg)
{
	struct check_h2 *h = arg;
	char line[64];

	if (f->hd.stream_id != h->sid || f->hd.type != NGHTTP2_HEADERS)
		return 0;
	if (nlen == 7 && !memcmp(name, ":status", 7)) {
		int code = vlen == 3 ? atoi((const char *)value) : 0;
		int n;

		/* a 1xx interim answer is dropped: the final one follows */
		if (code >= 100 && code < 200)
			return 0;
		n = snprintf(line, sizeof(line), "HTTP/1.1 %.3s \r\n", (const char *)value);
		h->c->rlen = 0;
		put_resp(h->c, line, (size_t)n);
		return 0;
	}
	if (!h->c->rlen || (nlen == 14 && !memcmp(name, "content-length", 14)) || (nlen && name[0] == ':'))
		return 0;   /* the length is said again once the body is complete */
	put_resp(h->c, (const char *)name, nlen);
	put_resp(h->c, ": ", 2);
	put_resp(h->c, (const char *)value, vlen);
	put_resp(h->c, "\r\n", 2);
	return 0;
}

static int cb_data(nghttp2_session *ses, uint8_t flags, int32_t sid, const uint8_t *data, size_t len, void *arg)
{
	struct check_h2 *h = arg;

	if (sid != h->sid)
		return 0;
	if (len > TCPCHK_BUFSIZE - h->rbody_len)
		len = TCPCHK_BUFSIZE - h->rbody_len;
	memcpy(h->rbody + h->rbody_len, data, len);
	h->rbody_len += len;
	return 0;
}

static int cb_close(nghttp2_session *ses, int32_t sid, uint32_t err, void *arg)
{
	struct check_h2 *h = arg;
	char line[48];
	int n;

	if (sid != h->sid)
		return 0;
	h->done = 1;
	if (!h->c->rlen)
		return 0;   /* reset before an answer: judged as an empty response */
	n = snprintf(line, sizeof(line), "content-length: %zu\r\n\r\n", h->rbody_len);
	put_resp(h->c, line, (size_t)n);
	put_resp(h->c, h->rbody, h->rbody_len);
	return 0;
}

static ssize_t body_read(nghttp2_session *ses, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *arg)
{
	struct check_h2 *h = arg;
	size_t n = h->body_len - h->body_off;

	if (n > len)
		n = len;
	memcpy(buf, h->body + h->body_off, n);
	h->body_off += n;
	if (h->body_off == h->body_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* Adds the field <name> (<nlen> bytes, lowercased into <lower>, 64
 * bytes) = <value> to <nva> unless HTTP/2 forbids it. Host stays a host
 * field (the request is in origin form: no :authority), as HAProxy sends
 * it. nghttp2 copies the fields it is given.
 */
static void add_field(nghttp2_nv *nva, size_t *nb, char *lower, const char *name, size_t nlen,
                      const char *value, size_t vlen)
{
	static const char *const banned[] = { "connection", "keep-alive", "proxy-connection", "transfer-encoding",
	                                      "upgrade", "te" };

	for (size_t i = 0; i < nlen; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		if (strlen(banned[i]) == nlen && !memcmp(lower, banned[i], nlen))
			return;
	nva[*nb] = (nghttp2_nv){ (uint8_t *)lower, (uint8_t *)value, nlen, vlen, NGHTTP2_NV_FLAG_NONE };
	(*nb)++;
}

/* Submits the HTTP/1 request of c->req as a stream of <h>'s session. */
static int submit_request(struct check_h2 *h, const struct check *c)
{
	const char *p = c->req, *end = c->req + c->req_len, *sp1, *sp2, *eol, *body;
	char lower[CHECK_H2_FIELDS][64];
	nghttp2_nv nva[CHECK_H2_FIELDS + 3];
	nghttp2_data_provider dp = { .read_callback = body_read };
	size_t nb = 0;

	eol = strstr(p, "\r\n");
	body = strstr(p, "\r\n\r\n");
	sp1 = eol ? memchr(p, ' ', (size_t)(eol - p)) : NULL;
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp2 || !body)
		return -1;
	nva[nb++] = (nghttp2_nv){ (uint8_t *)":method", (uint8_t *)p, 7, (size_t)(sp1 - p), NGHTTP2_NV_FLAG_NONE };
	nva[nb++] = (nghttp2_nv){ (uint8_t *)":scheme", (uint8_t *)(c->xprt ? "https" : "http"), 7,
	                          c->xprt ? 5 : 4, NGHTTP2_NV_FLAG_NONE };
	nva[nb++] = (nghttp2_nv){ (uint8_t *)":path", (uint8_t *)(sp1 + 1), 5, (size_t)(sp2 - sp1 - 1),
	                          NGHTTP2_NV_FLAG_NONE };
	for (p = eol + 2; p < body + 2 && nb < CHECK_H2_FIELDS + 3; p = eol + 2) {
		const char *colon, *v;

		eol = strstr(p, "\r\n");
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon - p > 63)
			continue;
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		add_field(nva, &nb, lower[nb - 3], p, (size_t)(colon - p), v, (size_t)(eol - v));
	}
	h->body = body + 4;
	h->body_len = (size_t)(end - h->body);
	h->sid = nghttp2_submit_request(h->ses, NULL, nva, nb, h->body_len ? &dp : NULL, NULL);
	return h->sid < 0 ? -1 : 0;
}

/* Appends what the session has to send to h->out. 0, or -1. */
static int collect_frames(struct check_h2 *h)
{
	const uint8_t *data;
	ssize_t n;

	while ((n = nghttp2_session_mem_send(h->ses, &data)) > 0) {
		char *out = realloc(h->out, h->out_len + (size_t)n);

		if (!out)
			return -1;
		memcpy(out + h->out_len, data, (size_t)n);
		h->out = out;
		h->out_len += (size_t)n;
	}
	return n < 0 ? -1 : 0;
}

void check_h2_free(struct check *c)
{
	struct check_h2 *h = c->h2s;

	if (!h)
		return;
	if (h->ses)
		nghttp2_session_del(h->ses);
	free(h->out);
	free(h->rbody);
	free(h);
	c->h2s = NULL;
}

int check_h2_prepare(struct check *c, const char **out, size_t *len)
{
	struct check_h2 *h = c->h2s;
	nghttp2_session_callbacks *cbs;
	int ret;

	if (h) {
		*out = h->out;
		*len = h->out_len;
		return 0;
	}
	h = c->h2s = calloc(1, sizeof(*h));
	if (!h || !(h->rbody = malloc(TCPCHK_BUFSIZE)) || nghttp2_session_callbacks_new(&cbs))
		goto fail;
	h->c = c;
	nghttp2_session_callbacks_set_on_header_callback(cbs, cb_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, cb_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, cb_close);
	ret = nghttp2_session_client_new(&h->ses, cbs, h);
	nghttp2_session_callbacks_del(cbs);
	if (ret || nghttp2_submit_settings(h->ses, NGHTTP2_FLAG_NONE, NULL, 0) ||
	    submit_request(h, c) < 0 || collect_frames(h) < 0)
		goto fail;
	*out = h->out;
	*len = h->out_len;
	return 0;
fail:
	check_h2_free(c);
	probe_result(c, 0, "Layer7 invalid response, info: \"HTTP/2 request could not be built\"");
	return -1;
}

int check_h2_read(struct check *c)
{
	struct check_h2 *h = c->h2s;
	char buf[16384];

	while (!c->eof && !h->done) {
		ssize_t n = check_recv(c, buf, sizeof(buf));

		if (n == -EAGAIN)
			break;
		if (n <= 0) {
			c->rerr = n < 0 ? (int)n : 0;
			c->eof = 1;
			break;
		}
		if (nghttp2_session_mem_recv(h->ses, (const uint8_t *)buf, (size_t)n) < 0) {
			c->eof = 1;   /* a protocol error: judged on what came */
			break;
		}
	}
	return h->done || c->eof;
}
