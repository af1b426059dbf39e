/*
 * `tcp-request connection|session|content`, `tcp-response content` and
 * `stick` rules of a proxy.
 *
 * Rules are parsed into lists of the proxy (read-only once workers run)
 * and executed by the stream on its thread:
 *   - tcp-request connection: when the connection is accepted, before
 *     anything else; `reject` closes it (counted in denied_conn);
 *   - tcp-request session: once, right after (counted in denied_sess);
 *   - tcp-request content: mode tcp: the frontend's after the session
 *     rules; with `tcp-request inspect-delay` a rule whose condition is
 *     undecided (a payload fetch waiting for more bytes, ACL_MISS) stops
 *     the evaluation, which resumes at that rule when more data comes, and
 *     is final once the delay is over, the buffer full or the client shut
 *     (HAProxy's semantics); the backend's once it is chosen, final.
 *     Mode http: for every request, once its head is parsed: the
 *     frontend's before its http-request rules, the backend's before the
 *     backend's http-request rules; `reject` closes the connection;
 *   - tcp-response content (backends): mode http: on every response head,
 *     before the http-response rules; mode tcp: on the first response
 *     bytes, final; `reject` / `close` close the connection;
 *   - rules written in a named `defaults` section are replayed in each
 *     proxy using it, before the proxy's own (cfg_def_rules.c);
 *   - stick match / on: when the backend is chosen, before load
 *     balancing: a server found in the table for the key is used while it
 *     is usable;
 *   - stick store-request / on: once a server is chosen, its id is stored
 *     in the table for the key (`server_id`).
 */
#ifndef TOLLGATE_TCP_RULES_H
#define TOLLGATE_TCP_RULES_H

#include <tollgate/list.h>
#include <tollgate/proxy-t.h>
#include <tollgate/sample-t.h>
#include <tollgate/sc_action.h>
#include <tollgate/var_action.h>

struct stream;
struct stktable;

enum tcp_act {
	TCP_ACT_ACCEPT = 0,       /* stop evaluating, accept */
	TCP_ACT_REJECT,           /* close the connection */
	TCP_ACT_SC,               /* a stick-counter action: track-sc, sc-inc-gpc, sc-set-gpt */
	TCP_ACT_VAR,              /* set-var, set-var-fmt, unset-var */
	TCP_ACT_SWITCH_HTTP,      /* switch-mode http: the HTTP engine takes the stream */
	TCP_ACT_SILENT_DROP,      /* silent-drop: close without the client knowing (sock_silent_drop()) */
};

/* The protocol a `switch-mode http` names (tcp_rule.switch_proto, and the
 * stream's upg_proto once it matched).
 */
enum strm_upg {
	STRM_UPG_AUTO = 0,        /* no "proto": HTTP/1, or HTTP/2 on its preface */
	STRM_UPG_H1,              /* "proto h1": HTTP/1 only, the preface gets a 405 */
	STRM_UPG_H2,              /* "proto h2": the h2 mux takes the connection */
};

enum tcp_stage {
	TCP_STAGE_CONN = 0,       /* tcp-request connection */
	TCP_STAGE_SESS,           /* tcp-request session */
	TCP_STAGE_CONT,           /* tcp-request content */
	TCP_STAGE_RES,            /* tcp-response content */
};

struct tcp_rule {
	enum tcp_stage stage;        /* where it runs */
	enum tcp_act act;            /* the action */
	struct sc_action sc;         /* TCP_ACT_SC: the stick-counter action (sc_action.h) */
	struct var_action va;        /* TCP_ACT_VAR: the variable action (var_action.h) */
	int switch_proto;            /* TCP_ACT_SWITCH_HTTP: STRM_UPG_* ("proto h1", "proto h2") */
	int rst_ttl;                 /* TCP_ACT_SILENT_DROP: rst-ttl <ttl>, 0 if none */
	struct acl_cond *cond;       /* if/unless, or NULL */
	const char *conf_file;       /* where declared */
	int conf_line;               /* ditto */
	struct list list;            /* in proxy->tcp_req_conn / sess / cont, tcp_res_cont */
};

enum stick_kind {
	STICK_MATCH = 1,          /* stick match */
	STICK_STORE = 2,          /* stick store-request */
	STICK_ON = 3,             /* both */
	STICK_STORE_RES = 4,      /* stick store-response (mode http) */
};

struct stick_rule {
	enum stick_kind kind;        /* what it does */
	struct sample_expr *expr;    /* the key */
	char *table_name;            /* `table T`, NULL: the backend's own */
	struct stktable *table;      /* resolved table */
	struct acl_cond *cond;       /* if/unless, or NULL */
	const char *conf_file;       /* where declared */
	int conf_line;               /* ditto */
	struct list list;            /* in proxy->sticking_rules */
};

/* Runs the tcp-request connection rules of <s>'s frontend. Returns 0 to go
 * on, -1 if the connection must be rejected.
 */
int tcp_rules_connection(struct stream *s);

/* Runs the tcp-request session rules of <s>'s frontend. Returns 0 to go
 * on, -1 if the connection must be rejected.
 */
int tcp_rules_session(struct stream *s);

/* Runs the tcp-request content rules of <px> (the frontend or the
 * backend of <s>) from the rule an earlier call stopped at (s->cont_rule).
 * <final>: no more data will come (undecided conditions then fail).
 * Actions evaluate their samples as final. Returns 0 to go on, -1 if the
 * connection must be rejected, 1 to wait for more data (s->cont_rule set),
 * 2 when a `switch-mode http` rule matched in a stream not yet in HTTP.
 */
int tcp_rules_content(struct stream *s, struct proxy *px, int final);

/* Runs the tcp-response content rules of <s>'s backend, final. Returns 0
 * to go on, -1 if the connection must be closed.
 */
int tcp_rules_response(struct stream *s);

/* Runs the tcp-response content rules of <s>'s backend on the response
 * bytes there, from the rule that waited (s->res_cont_rule) if any; not
 * <final>, a rule whose condition may still change waits. Returns 0 to go
 * on, -1 if the connection must be closed, 1 to wait for more data.
 */
int tcp_rules_response_content(struct stream *s, int final);

/* Returns the server the stick match rules of <s>'s backend find for it,
 * usable, or NULL.
 */
struct server *stick_match(struct stream *s);

/* Stores <s>'s server in the tables of the backend's store rules (stick
 * on, store-request); once the server is chosen.
 */
void stick_store(struct stream *s);

/* Stores <s>'s server in the tables of the backend's store-response
 * rules, their samples taken from the response head (mode http).
 */
void stick_store_response(struct stream *s);

/* Resolves the table names of every rule after parsing, and checks that
 * each stick rule's fetch has its data where the rule runs in its proxy's
 * mode (mode http: the request head for on/match/store-request, the
 * response head for store-response); reports errors through <report>.
 * Returns the number of errors.
 */
int tcp_rules_resolve(void (*report)(void *arg, int is_err, const char *file, int line, const char *msg),
                      void *arg);

/* Frees the rules of <px>. */
void tcp_rules_free(struct proxy *px);

/* Parses `silent-drop [rst-ttl <ttl>]` at args[*<pos>] (the action word),
 * for TCP and HTTP rules alike: *<ttl> gets the TTL (1..255), 0 without
 * rst-ttl; *<pos> moves past it. 0, or -1 with *<err>.
 */
int silent_drop_parse(int argc, char **args, int *pos, int *ttl, char **err);

/* Runs `silent-drop` on <s>'s client connection (sock_silent_drop()) when
 * the stream owns its socket; an HTTP/2 stream only ends (its connection
 * carries other streams). The caller then closes as for reject.
 */
void silent_drop_exec(struct stream *s, int ttl);

#endif /* TOLLGATE_TCP_RULES_H */
