/*
 * The proxy's own edits of HTTP heads (http_headers.c): Connection fields,
 * X-Forwarded-For, persistence cookies, captures for the logs. Private to
 * the HTTP engine (stream_http.c). Each function works on s->txn's
 * editable heads (http_msg.h) on the stream's thread; those returning int
 * return 0 or -ENOSPC/-EINVAL when an edit does not fit (the engine then
 * answers 500).
 */
#ifndef TOLLGATE_HTTP_HEADERS_H
#define TOLLGATE_HTTP_HEADERS_H

struct h1_msg;
struct http_head;
struct proxy;
struct stream;

/* Keeps, for %hr/%hs and %CC/%CS, the fields of <hh> named by the
 * frontend's `capture <dir> header` lines and its `capture cookie` (<dir>:
 * 0 request, 1 response): the last occurrence of a header and the first
 * matching cookie ("name=value"), cut to the configured lengths.
 */
void http_capture(struct stream *s, const struct http_head *hh, int dir);

/* Makes the framing fields of the head <hh> parsed into <m> unambiguous
 * before anyone sees them: no Content-Length beside a Transfer-Encoding,
 * one Content-Length for identical duplicates.
 */
int http_framing_fields(struct http_head *hh, const struct h1_msg *m);

/* Adds X-Forwarded-For (or the configured name) for `option forwardfor`
 * of proxy <px>, unless the client is in its `except` network or the
 * header is there with `if-none`.
 */
int http_add_forwardfor(struct stream *s, const struct proxy *px);

/* Adds the RFC 7239 Forwarded header of `option forwarded` of <px> (the
 * backend). 0 or -ENOSPC.
 */
int http_add_forwarded(struct stream *s, const struct proxy *px);

/* Adds `X-Original-To: <destination address>` (or the `header` of option
 * originalto) when <px> has `option originalto` and the destination (the
 * listening address, or what set-dst made it) is not in its `except`
 * network. Returns 0 or -ENOSPC.
 */
int http_add_originalto(struct stream *s, const struct proxy *px);

/* Looks for the backend's persistence cookie in the request: sets
 * s->pref_srv to the server it names (if usable or draining) and removes
 * it (indirect) or strips the server prefix (prefix mode).
 */
int http_cookie_request(struct stream *s);

/* Inserts the persistence cookie in the response when the client does not
 * already go to this server (insert mode), or rewrites the server's own
 * (rewrite, prefix modes).
 */
int http_cookie_response(struct stream *s);

/* Sets the request's Connection fields for the server connection: kept
 * for an upgrade, else `close` (http-server-close, httpclose) or
 * `keep-alive` for an HTTP/1.0 request.
 */
int http_conn_request(struct stream *s);

/* Sets the response's Connection fields for the client: `close` when the
 * client connection ends after this response, `keep-alive` for an
 * HTTP/1.0 client that keeps it.
 */
int http_conn_response(struct stream *s);

#endif /* TOLLGATE_HTTP_HEADERS_H */
