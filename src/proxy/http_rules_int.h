/*
 * Private to the http-request / http-response rule code: the
 * representation of a rule, shared by src/proxy/http_rules.c (parsing,
 * execution) and src/proxy/http_rules_reply.c (the replies of return,
 * deny and http-error). Nothing else includes it; see http_rules.h.
 */
#ifndef TOLLGATE_HTTP_RULES_INT_H
#define TOLLGATE_HTTP_RULES_INT_H

#include <regex.h>
#include <stddef.h>

#include <tollgate/compiler.h>
#include <tollgate/http_txn.h>
#include <tollgate/list.h>
#include <tollgate/map_action.h>
#include <tollgate/sc_action.h>
#include <tollgate/uri_norm.h>
#include <tollgate/var_action.h>

struct acl_cond;
struct http_reply;
struct http_service;
struct logformat;
struct sample_expr;
struct server;
struct stream;

#define VALUE_MAX HTTP_ARENA_SIZE  /* a new value never exceeds the head's arena */

/* The timeouts `set-timeout` changes (http_rule.status), in hr_tmo_names order. */
enum hr_tmo {
	HR_TMO_CLIENT = 0,        /* the frontend's client timeout */
	HR_TMO_SERVER,            /* the backend's server timeout */
	HR_TMO_TUNNEL,            /* the backend's tunnel timeout */
	HR_TMO_CONNECT,           /* the backend's connect timeout */
	HR_TMO_QUEUE,             /* the backend's queue timeout */
	HR_TMO_TARPIT,            /* the tarpit's duration */
	HR_TMO_COUNT
};

enum http_act {
	HA_ALLOW = 0,             /* stop, forward */
	HA_DENY,                  /* answer status (error page or payload), close */
	HA_TARPIT,                /* same after timeout tarpit */
	HA_RETURN,                /* answer, keep alive */
	HA_REDIRECT,              /* answer a 3xx built from the request */
	HA_SET_HDR,               /* set-header <name> <fmt> */
	HA_ADD_HDR,               /* add-header <name> <fmt> */
	HA_DEL_HDR,               /* del-header <name> */
	HA_REPLACE_HDR,           /* replace-header <name> <regex> <repl> */
	HA_REPLACE_VAL,           /* replace-value <name> <regex> <repl> */
	HA_SET_PATH,              /* set-path <fmt> */
	HA_SET_QUERY,             /* set-query <fmt> */
	HA_SET_METHOD,            /* set-method <fmt> */
	HA_SET_URI,               /* set-uri <fmt> */
	HA_SET_PATHQ,             /* set-pathq <fmt> */
	HA_REPLACE_PATH,          /* replace-path <regex> <fmt> */
	HA_REPLACE_PATHQ,         /* replace-pathq <regex> <fmt> */
	HA_REPLACE_URI,           /* replace-uri <regex> <fmt> */
	HA_NORMALIZE_URI,         /* normalize-uri <normalizer> [full|strict] */
	HA_SET_SRC,               /* set-src <expr> */
	HA_SET_SRC_PORT,          /* set-src-port <expr> */
	HA_SET_DST,               /* set-dst <expr> */
	HA_SET_DST_PORT,          /* set-dst-port <expr> */
	HA_STRICT_MODE,           /* strict-mode on|off (status: 1 for on) */
	HA_CAPTURE,               /* capture <expr> len <N> | id <N> */
	HA_REJECT,                /* reject: close without answering */
	HA_SILENT_DROP,           /* silent-drop [rst-ttl <ttl>] (status: the ttl, 0 if none) */
	HA_SET_LOG_LEVEL,         /* set-log-level <level> (status: TX_LOGLVL value) */
	HA_SET_TIMEOUT,           /* set-timeout <name> <time>|<expr> (status: HR_TMO_*) */
	HA_SET_RETRIES,           /* set-retries <int>|<expr> */
	HA_WAIT_BODY,             /* wait-for-body time <t> [at-least <bytes>] */
	HA_SET_STATUS,            /* set-status <code> [reason <str>] */
	HA_SC,                    /* track-sc<N>, sc-inc-gpc..., sc-set-gpt... (sc_action.h) */
	HA_VAR,                   /* set-var, set-var-fmt, unset-var (var_action.h) */
	HA_MAP,                   /* set-map, del-map, add-acl, del-acl (map_action.h) */
	HA_SERVICE,               /* use-service <name>: the service answers */
	HA_AUTH,                  /* auth [realm <realm>] (name: the realm, or NULL) */
};

enum del_meth {
	DEL_M_STR = 0,            /* del-header: the exact name (default) */
	DEL_M_BEG,                /* -m beg: names starting with it */
	DEL_M_END,                /* -m end: names ending with it */
	DEL_M_SUB,                /* -m sub: names containing it */
	DEL_M_REG,                /* -m reg: names the regex matches */
};

enum redirect_type {
	RDR_LOCATION = 0,         /* Location is the rendered string */
	RDR_PREFIX,               /* prefix + the request's path (and query) */
	RDR_SCHEME,               /* scheme://host + path (and query) */
};

#define RDR_F_DROP_QUERY   0x01U  /* drop-query */
#define RDR_F_APPEND_SLASH 0x02U  /* append-slash */

/* A header of a reply whose value is a log-format string. */
struct reply_hdr {
	char *name;                  /* header name */
	struct logformat *lf;        /* its value */
};

/* The parts of a `return` / `deny` reply rendered for each request: set
 * when a `hdr` value or the body (lf-string, lf-file) is a log-format
 * string.
 */
struct reply_fmt {
	char *ctype;                 /* content-type, or NULL */
	struct reply_hdr *hdrs;      /* hdr <name> <fmt>, in order */
	int nb_hdrs;                 /* their number */
	struct logformat *body_lf;   /* lf-string / lf-file body, or NULL */
	char *body;                  /* string / file body otherwise (may be NULL) */
	size_t blen;                 /* its length */
};

struct http_rule {
	int is_req;                  /* in http_req_rules (1) or http_res_rules (0) */
	int after;                   /* in http_after_res_rules (is_req is 0) */
	enum http_act act;           /* the action */
	int status;                  /* deny/tarpit/return/set-status status, redirect code */
	const struct http_reply *reply; /* return/deny payload, NULL: error page of <status> */
	struct reply_fmt *rfmt;      /* or the reply rendered per request, or NULL */
	char *name;                  /* header name, variable name */
	size_t nlen;                 /* its length */
	struct logformat *lf;        /* header value, set-path..., redirect string */
	regex_t re;                  /* replace-header/value pattern */
	int has_re;                  /* <re> is compiled */
	char *repl;                  /* replacement with \N back-references */
	char *reason;                /* set-status reason, or NULL */
	enum redirect_type rdr;      /* redirect kind */
	unsigned int rdr_flags;      /* RDR_F_* */
	char *cookie;                /* redirect set-cookie/clear-cookie header line, or NULL */
	struct sc_action sc;         /* HA_SC: the stick-counter action */
	struct var_action va;        /* HA_VAR: the variable action */
	struct map_action ma;        /* HA_MAP: the map or ACL change */
	int cap_id;                  /* capture: slot, -1 until http_rule_add() gives one (len) */
	unsigned int cap_len;        /* capture len <N> */
	int del_meth;                /* del-header -m: DEL_M_* */
	unsigned int timeout_ms;     /* set-timeout: a constant (ms), 0: <expr>; wait-for-body: its time */
	uint32_t at_least;           /* wait-for-body: enough body bytes, 0: the whole body */
	enum uri_norm_op norm;       /* normalize-uri: the normaliser */
	unsigned int norm_flags;     /* and its URI_NORM_F_* options */
	struct sample_expr *expr;    /* set-src/-dst[-port], capture, set-timeout: the sample */
	const struct http_service *svc; /* use-service */
	struct acl_cond *cond;       /* if/unless, or NULL */
	const char *conf_file;       /* where declared (lives until exit) */
	int conf_line;               /* ditto */
	struct list list;            /* in proxy->http_req_rules / http_res_rules */
};


/* ---- helpers of http_rules.c used by http_rules_reply.c ---- */

/* Sets *<err> to a malloc'ed message. Returns -1. */
int hr_set_err(char **err, const char *fmt, ...) PRINTF_FMT(2, 3);

/* Returns 1 if <w> is "if" or "unless". */
int hr_is_cond_word(const char *w);

/* Returns the word at *<pos> and advances, or NULL (with *<err> saying
 * that <act> expects <what>) if the line ends there or a condition starts.
 */
const char *hr_next_arg(int argc, char **args, int *pos, const char *act, const char *what, char **err);

/* Parses the log-format <text> for a request (<is_req>) or response rule
 * into *<lf>. Returns 0 or -1 with *<err> naming <act>.
 */
int hr_parse_lf(const char *text, int is_req, struct logformat **lf, const char *act, char **err);

/* Parses the decimal status <s> into *<st>, checking <min>..<max>.
 * Returns 0 or -1.
 */
int hr_parse_status(const char *s, int min, int max, int *st);

/* ---- replies (http_rules_reply.c) ---- */

/* Parses the reply options of return / deny / tarpit from args[*<pos>]
 * into <r> (r->reply, or r->rfmt when a part is a log-format string);
 * <defstatus> is the action's default status. Returns 0 or -1 with *<err>.
 */
int hr_parse_reply(struct http_rule *r, int argc, char **args, int *pos, const char *act, int defstatus,
                   char **err);

/* Renders the reply <f> of rule <r> for <s> into <out> (<room> bytes).
 * Returns its length, 0 if it does not fit.
 */
size_t hr_render_reply(const struct http_rule *r, const struct reply_fmt *f, struct stream *s, char *out,
                       size_t room);

/* Frees <f> (may be NULL) and what it owns. */
void hr_reply_fmt_free(struct reply_fmt *f);

#endif /* TOLLGATE_HTTP_RULES_INT_H */
