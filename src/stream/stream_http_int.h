/*
 * Private interface between the parts of the HTTP engine: the stream's
 * life (stream_http.c), the request side (stream_http_req.c), the
 * response side (stream_http_res.c) and its own replies
 * (stream_http_reply.c). Everything runs on the stream's thread.
 */
#ifndef TOLLGATE_STREAM_HTTP_INT_H
#define TOLLGATE_STREAM_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/h1.h>

struct buffer;
struct channel;
struct http_head;
struct http_service;
struct http_service_args;
struct http_txn;
struct proxy;
struct stream;

/* stream_http.c */

/* Returns the calling thread's scratch area (buf_size bytes): edited
 * heads, replies being built.
 */
char *hs_thread_scratch(void);

/* Records the final status answered to the client and counts it in the
 * proxies' counters.
 */
void hs_txn_set_status(struct stream *s, int status);

/* Counts <status> as an error or a failure on the tracked counters
 * (`http-err-codes`, `http-fail-codes`).
 */
void hs_txn_count_sc(struct stream *s, int status);

/* Drops the unsent bytes of a channel (a message given up). */
void hs_chan_drop(struct channel *c);

/* Writes the edited head of <hh> in place of the <old> bytes at <ofs> in
 * <c>. Returns the new length, or 0 if it does not fit.
 */
size_t hs_put_head(struct channel *c, size_t ofs, size_t old, const struct http_head *hh, int is_req);

/* Sets the parser's limits for a head of <s> (the room its buffer leaves,
 * the frontend's leniency).
 */
void hs_limits_init(struct h1_limits *lim, const struct stream *s);

/* Releases body bytes of a message for sending: <*fwd> grows over what the
 * framing <body> accounts for. Returns 1 when the body is complete; sets
 * *<err> on bad chunked framing.
 */
int hs_body_account(struct channel *c, uint64_t *fwd, enum h1_body body, uint64_t *left,
                    struct h1_chunk *ck, int *err);

/* Whether the body of a message waited for by a wait-for-body rule is
 * there: in <c>, from offset <ofs> (past its head), framed by <body>
 * (<cl> bytes for Content-Length): complete, or <least> bytes of it when
 * not 0, or the buffer full, or <shut> (its sender closed). Returns 0/1.
 */
int hs_body_ready(const struct stream *s, const struct channel *c, size_t ofs, enum h1_body body,
                  uint64_t cl, uint32_t least, int shut);

/* Gives the server connection kept by <s> between requests to the
 * thread's idle pool, or closes it.
 */
void hs_drop_idle_conn(struct stream *s);

/* Stamps the wall-clock date of the request's start (logs). */
void hs_txn_stamp(struct http_txn *txn);

/* stream_http_req.c */

/* Request side analysis: parses a waiting request head and analyses it,
 * then releases its body. Returns 1 if anything changed.
 */
int hs_analyze_request(struct stream *s);

/* stream_http_res.c */

/* Response side analysis: parses the response head and analyses it, then
 * releases its body. Returns 1 if anything changed.
 */
int hs_analyze_response(struct stream *s);

/* The server failed before a complete response: answers <status> (502,
 * 504) if nothing was sent to the client yet, else cuts the client; the
 * termination flags are <who>, <when>.
 */
void hs_server_failed(struct stream *s, int status, char who, char when);

/* The server connection of <s> closed (or failed) before any response
 * byte. With `retry-on empty-response`, a copy of the whole request sent
 * and a retry left, the request is sent again on a new connection (state
 * no longer ST_INI); else, on a reused connection, the client connection
 * is to be closed without a response nor a log line, the cue for the
 * client to resend (state ST_INI), as HAProxy. Returns 1 in both cases,
 * 0 when the caller answers 502.
 */
int hs_empty_response(struct stream *s);

/* `retry-on` <why> (a PR_RE_* bit): when the backend of <s> names it and no
 * response head came, sends the request again on a new connection from
 * its copy (a retry left, the copy whole). Returns 1 when it did (the
 * state is no longer ST_EST), 0 when the caller goes on with the failure.
 */
int hs_l7_retry(struct stream *s, unsigned int why);

/* stream_http_reply.c */

/* Puts the response <data> of <len> bytes in front of the client, as the
 * answer to the current request, with <status>. The request is not
 * forwarded; the connection closes afterwards when <close> or when the
 * request's body was not read.
 */
void hs_local_reply(struct stream *s, int status, const char *data, size_t len, int close);

/* Answers <status> with the proxy's page for it: the backend's error file
 * or http-error, else the frontend's, else HAProxy's default page.
 */
void hs_error_reply(struct stream *s, int status);

/* Same, keeping the client connection for its next request when this one
 * was read whole: HAProxy's 503 when no backend, no server or no server
 * connection could take the request.
 */
void hs_error_reply_keep(struct stream *s, int status);

/* `redir <prefix>` on the server chosen for a GET or HEAD: answers HAProxy's
 * 302 (Cache-Control: no-cache, Content-length: 0, Location: the prefix
 * then the request's path and query; a prefix of "/" adds nothing).
 */
void hs_server_redirect(struct stream *s, const struct server *srv);

/* Moves what fits of the service's body into the response buffer, released
 * for sending; frees the body once all of it is there. Returns 1 if bytes
 * moved.
 */
int hs_svc_refill(struct http_txn *txn, struct buffer *b);

/* Has <svc> answer the request: its body may be larger than the buffer, so
 * it is kept aside and streamed (hs_svc_refill()). A service that cannot
 * render gets a 500.
 */
void hs_service_reply(struct stream *s, const struct http_service *svc, struct http_service_args *a);

/* Answers the stats page of <px> when the request's URI starts with its
 * `stats uri`; 401 first when `stats auth` lists users and the request
 * has none of them. Returns 1 if it answered.
 */
int hs_stats_request(struct stream *s, const struct proxy *px);

#endif /* TOLLGATE_STREAM_HTTP_INT_H */
