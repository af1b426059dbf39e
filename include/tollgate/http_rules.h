/*
 * `http-request` and `http-response` rules of a proxy, and `redirect`.
 *
 * Rules are parsed into lists of the proxy (src/cfg/cfg_http_rules.c),
 * read-only once workers run, and executed by the HTTP stream engine on
 * the stream's thread, in HAProxy's order:
 *   - request: the frontend's http-request rules once the request head is
 *     parsed, then, once the backend is chosen and if it is another proxy,
 *     the backend's;
 *   - response: the backend's http-response rules, then the frontend's
 *     (if another proxy);
 *   - http-after-response: the backend's then the frontend's, on every
 *     response about to leave, the proxy's own replies included.
 * Each rule's condition is evaluated with the stream and its transaction
 * (sample_ctx.strm, .txn). Header and start-line actions edit txn->req or
 * txn->res in place (http_msg.h); final actions stop the evaluation and
 * tell the engine what to answer.
 *
 * Request actions: allow, deny [deny_status N] [return options], tarpit
 * [deny_status N], return [status N] [content-type T] [string S | file F
 * | errorfile F | lf-string FMT | lf-file F] [hdr NAME FMT]..., redirect location|prefix|scheme
 * <x> [code N] [drop-query] [append-slash], set-header, add-header,
 * del-header, replace-header, replace-value, set-path, set-query,
 * set-method, set-uri, track-sc0|1|2 <sample> [table T], sc-inc-gpc(idx,N),
 * sc-inc-gpc0/1(N), sc-set-gpt(idx,N) <int|expr>, sc-set-gpt0(N),
 * set-var(<var>) <expr>, set-var-fmt(<var>) <fmt>, unset-var(<var>), use-service <name>
 * (http_service.h: the Prometheus exporter).
 * Response actions: allow, deny [deny_status N], set-header, add-header,
 * del-header, replace-header, replace-value, set-status N [reason R],
 * set-var, sc-inc-gpc..., sc-set-gpt....
 * Header values of set-header/add-header are log-format strings in HAProxy;
 * Tollgate accepts literal text and `%[sample]` expressions in them.
 */
#ifndef TOLLGATE_HTTP_RULES_H
#define TOLLGATE_HTTP_RULES_H

#include <stddef.h>

struct acl_cond;
struct proxy;
struct stream;
struct http_rule;
struct http_service;

/* What the rules decided. */
enum http_verdict {
	HTTP_VERDICT_CONT = 0,   /* no final action: go on (forward) */
	HTTP_VERDICT_ALLOW,      /* `allow`: stop evaluating, forward */
	HTTP_VERDICT_DENY,       /* answer <status> with the rule's reply, close */
	HTTP_VERDICT_TARPIT,     /* wait timeout tarpit, then answer <status>, close */
	HTTP_VERDICT_REPLY,      /* `return` / `redirect`: answer, keep alive if possible */
	HTTP_VERDICT_ERROR,      /* a rewrite failed: answer <status> (500, 400) */
	HTTP_VERDICT_SERVICE,    /* `use-service`: the service <svc> answers */
	HTTP_VERDICT_REJECT,     /* `reject`: close the client connection, no answer */
	HTTP_VERDICT_WAIT,       /* `wait-for-body`: txn->wait_* say until when; run the
	                          * rules again once the body is there (txn->wait_ready) */
};

/* The outcome of a rule list. */
struct http_outcome {
	int status;              /* status to answer (deny/tarpit/return/redirect) */
	const char *data;        /* complete response to send, or NULL: the
	                          * error page of <status> (http_reply.h) */
	size_t len;              /* its length */
	const struct http_service *svc; /* SERVICE: who answers */
};

/* Runs the http-request rules of <px> for stream <s> (its txn holds the
 * parsed request). For a redirect, and a `return` / `deny` whose reply has
 * log-format parts, the response is written into <out> of
 * <room> bytes (o->data points there). Returns the verdict, with <o> set
 * for DENY, TARPIT, REPLY and ERROR.
 */
enum http_verdict http_req_rules_exec(struct proxy *px, struct stream *s, struct http_outcome *o,
                                      char *out, size_t room);

/* Same for the http-response rules of <px> (the txn holds the response). */
enum http_verdict http_res_rules_exec(struct proxy *px, struct stream *s, struct http_outcome *o,
                                      char *out, size_t room);

/* Runs the http-after-response rules of <s>'s backend (if another proxy)
 * then of its frontend on txn->res, the response about to leave (from the
 * server or the proxy itself). Returns 0, or -1 when a rewrite failed.
 */
int http_after_res_rules_exec(struct stream *s);

/* Returns 1 if the frontend or the backend of <s> has http-after-response
 * rules.
 */
int http_after_res_rules_present(const struct stream *s);

/* Parses `http-error status <code> [reply options]` (those of `return`)
 * for proxy <px> (<args>: the whole line), at <file>:<line>: a constant
 * reply replaces px->errorfiles[] of the code, one with log-format parts
 * goes to px->error_fmts[]. Returns 0 or -1 with *<err>.
 */
int http_error_rule_parse(struct proxy *px, int argc, char **args, const char *file, int line, char **err);

/* Renders into <out> (<room> bytes) the `http-error` reply of <px> for
 * <status> that has log-format parts, for <s>. Returns its length, or 0 if
 * there is none (or it does not fit): then http_error_reply() applies.
 */
size_t http_error_render(const struct proxy *px, int status, struct stream *s, char *out, size_t room);

/* Appends `use-server <name>` with its condition <cond> (may be NULL;
 * owned from now on) to backend <px>, declared at <file>:<line>; the name
 * is resolved by http_rules_resolve(). Returns 0 or -1 (out of memory).
 */
int http_srv_rule_add(struct proxy *px, const char *name, struct acl_cond *cond, const char *file, int line);

/* Runs the use-server rules of <s>'s backend: the first matching one whose
 * server is usable becomes s->pref_srv, as a persistence cookie would.
 */
void http_use_server(struct stream *s);

#define HTTP_RULES_AFTER 2       /* <is_req> of http_rule_parse(): http-after-response */

/* Parses the action of an http-request (<is_req> 1), http-response (0) or
 * http-after-response (HTTP_RULES_AFTER) rule
 * starting at args[*<pos>] (the configuration parser's words), advancing
 * *<pos> past it. <file>:<line> is where the rule is. Returns the rule, or
 * NULL with *<err> (malloc'ed) saying what is wrong.
 */
struct http_rule *http_rule_parse(int is_req, int argc, char **args, int *pos, const char *file, int line,
                                  char **err);

/* Appends rule <r> with its condition <cond> (may be NULL; owned by the
 * rule from now on) to <px>'s request, response or after-response list;
 * a `capture ... len` rule takes a new request capture slot of <px>.
 * Returns 0, or -1 with *<err> (no slot left, not a frontend): then <r>
 * and <cond> stay the caller's.
 */
struct acl_cond;
int http_rule_add(struct proxy *px, struct http_rule *r, struct acl_cond *cond, char **err);

/* Frees a rule not added to a proxy. */
void http_rule_destroy(struct http_rule *r);

/* Resolves table names of track-sc actions after parsing; reports through
 * <report>. Returns the number of errors.
 */
int http_rules_resolve(void (*report)(void *arg, int is_err, const char *file, int line, const char *msg),
                       void *arg);

/* Frees the rules of <px>. */
void http_rules_free(struct proxy *px);

#endif /* TOLLGATE_HTTP_RULES_H */
