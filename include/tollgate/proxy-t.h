/*
 * Proxy types: frontends, backends, listeners. See proxy.h.
 */
#ifndef TOLLGATE_PROXY_T_H
#define TOLLGATE_PROXY_T_H

#include <stdatomic.h>
#include <stdint.h>
#include <netinet/in.h>

#include <tollgate/acl.h>
#include <tollgate/addr.h>
#include <tollgate/check_proto.h>
#include <tollgate/compiler.h>
#include <tollgate/freq_ctr.h>
#include <tollgate/lb.h>
#include <tollgate/list.h>
#include <tollgate/lock-t.h>
#include <tollgate/nameidx.h>
#include <tollgate/server-t.h>
#include <tollgate/sock.h>
#include <tollgate/stats-t.h>
#include <tollgate/thread.h>

struct stream;
struct stktable;
struct log_target;
struct sample_expr;
struct stktable_def;
struct http_reply;
struct logformat;
struct httpchk_var;
struct tls_conf;
struct tls_bind;

/* `cookie NAME insert|rewrite|prefix [indirect] [nocache] [httponly]
 * [secure] [domain D] [maxidle/maxlife ignored]` of a backend.
 */
#define CK_INSERT    0x01U
#define CK_REWRITE   0x02U
#define CK_PREFIX    0x04U
#define CK_INDIRECT  0x08U
#define CK_NOCACHE   0x10U
#define CK_HTTPONLY  0x20U
#define CK_SECURE    0x40U
#define CK_POSTONLY  0x80U
struct pr_cookie {
	char *name;                      /* cookie name, NULL: no cookie persistence */
	unsigned int flags;              /* CK_* */
	char *domain;                    /* domain attribute, or NULL */
};

/* `http-reuse` modes (proxy.http_reuse); safe is the default (0). */
#define PR_REUSE_SAFE        0   /* a client's first request never takes another's idle connection */
#define PR_REUSE_NEVER       1   /* idle connections are never shared */
#define PR_REUSE_AGGRESSIVE  2   /* any request may take one (ours have all served a request) */
#define PR_REUSE_ALWAYS      3   /* same as aggressive for Tollgate */

/* The stats page (`stats enable`, `stats uri`...): answered by the proxy
 * for requests whose URI starts with <uri>.
 */
struct pr_stats {
	char *uri;                       /* URI prefix, NULL: no stats page */
	char *realm;                     /* stats realm, NULL: HAProxy's default */
	char **auth;                     /* "user:password" entries (stats auth) */
	unsigned int nb_auth;            /* their number */
	unsigned int refresh;            /* stats refresh, seconds (0: none) */
	int hide_version;                /* stats hide-version */
};

/* `capture request|response header <name> len <n>` and `capture cookie
 * <name> len <n>` of a frontend (logged by %hr, %hs, %CC, %CS).
 */
#define PR_MAX_CAPTURES   8       /* header captures per direction */
#define PR_CAPTURE_MAX    64      /* bytes kept per capture */
struct pr_capture {
	char *name;                      /* header or cookie name */
	unsigned int len;                /* bytes kept, <= PR_CAPTURE_MAX */
};

/* `option forwarded [proto] [host] [by] [by_port] [for] [for_port]`:
 * the parameters of the RFC 7239 header to build.
 */
struct pr_forwarded {
	unsigned char proto, host, by, by_port, for_, for_port;
};

/* `option forwardfor [except NET] [header NAME] [if-none]`. */
struct pr_forwardfor {
	char *hdr;                       /* header name, NULL: X-Forwarded-For */
	int if_none;                     /* only if the request has none */
	int has_except;                  /* `except` given */
	int except_v6;                   /* except network is IPv6 */
	struct in6_addr except_addr;     /* network (v4 in the first 4 bytes) */
	struct in6_addr except_mask;     /* mask, same layout */
};

/* `option httpchk [METHOD URI [VERSION]]` and `http-check` settings. */
struct pr_httpchk {
	char *meth;                      /* NULL: OPTIONS */
	char *uri;                       /* NULL: / */
	char *ver;                       /* NULL: HTTP/1.0 */
	char *hdrs;                      /* `http-check send hdr` fields, "Name: value\r\n" each, or NULL
	                                  * (values are log-formats: compiled into <hdrs_fmt> with a '%') */
	char *body;                      /* `http-check send body`, or NULL */
	int uri_lf;                      /* <uri> is a log-format (`uri-lf`) */
	int body_lf;                     /* <body> is a log-format (`body-lf`) */
	struct logformat *uri_fmt;       /* compiled <uri>, <body>, <hdrs> when they are log-formats, */
	struct logformat *body_fmt;      /* by checks_start() (freed by checks_stop()); NULL: plain */
	struct logformat *hdrs_fmt;
	struct httpchk_var *vars;        /* `http-check set-var|set-var-fmt|unset-var` of this stage,
	                                  * in order (check.h), or NULL */
	int nb_vars;                     /* entries in <vars> */
	int has_conn;                    /* <hdrs> has a Connection field: no "Connection: close" */
	int send_state;                  /* `http-check send-state`: x-haproxy-server-state field */
	int local;                       /* set by this section (else inherited from defaults) */
	int expect_kind;                 /* 0: 2xx/3xx; 1: status; 2: rstatus; 3: string; 4: rstring */
	char *expect;                    /* expect argument (hdr, fhdr: the name pattern) */
	int expect_neg;                  /* `!` before the kind */
	void *expect_re;                 /* compiled regex for rstatus/rstring or a hdr name, or NULL */
	int name_match;                  /* hdr, fhdr: HTTPCHK_M_* for the name */
	char *expect_val;                /* hdr, fhdr: the value pattern, NULL: any value */
	int val_match;                   /* hdr, fhdr: HTTPCHK_M_* for the value */
	void *expect_val_re;             /* compiled regex of a hdr value, or NULL */
	int steps;                       /* `http-check send|expect` lines of this section */
	int has_connect;                 /* an `http-check connect` line came first */
	struct addr conn_addr;           /* its `addr` (kind ADDR_NONE: the server's) */
	unsigned int conn_port;          /* its `port`, 0: the address's or the server's */
	int conn_ssl;                    /* its `ssl`: TLS (the server's check context) */
	int conn_default;                /* its `default`: the server's check-ssl, check-sni */
	char *conn_sni;                  /* its `sni <name>`, or NULL */
	unsigned char *conn_alpn;        /* its `alpn <list>`, wire format, or NULL */
	unsigned int conn_alpn_len;      /* its bytes */
	int sent;                        /* a later stage: it has its `http-check send` */
	struct pr_httpchk *next;         /* the next stage of a multi-step check (each after the
	                                  * first starts with `http-check connect`), or NULL */
};

/* Capabilities (proxy.cap). */
#define PR_CAP_FE    0x01U       /* has listeners: frontend or listen */
#define PR_CAP_BE    0x02U       /* has servers: backend or listen */
#define PR_CAP_DEF   0x04U       /* a defaults section */
#define PR_CAP_HC    0x08U       /* a healthcheck section (with PR_CAP_DEF) */

enum pr_mode {
	PR_MODE_TCP = 0,         /* mode tcp */
	PR_MODE_HTTP,            /* mode http */
	PR_MODE_LOG,             /* mode log: a log backend (logbe.h), no stream */
};

/* Options (proxy.options). */
#define PR_O_REDISP        0x0001U   /* option redispatch */

/* `retry-on` keywords (proxy.retry_on) */
#define PR_RE_CONN_FAILED  0x0001U   /* conn-failure: the connection failed, nothing sent */
#define PR_RE_DISCONNECTED 0x0002U   /* empty-response: closed, nothing received */
#define PR_RE_JUNK_REQUEST 0x0004U   /* junk-response: a head that does not parse */
#define PR_RE_TIMEOUT      0x0008U   /* response-timeout: timeout server before a head */
#define PR_RE_EARLY_ERROR  0x0010U   /* 0rtt-rejected (no early data: never happens) */
#define PR_RE_STATUS_SHIFT 8         /* then one bit per status, in the order of PR_RE_STATUSES */
#define PR_RE_STATUSES     { 401, 403, 404, 408, 421, 425, 429, 500, 501, 502, 503, 504 }
#define PR_O_ALLBACKUPS    0x0002U   /* option allbackups */
#define PR_O_SPLICE_AUTO   0x0004U   /* option splice-auto */
#define PR_O_SPLICE_REQ    0x0008U   /* option splice-request */
#define PR_O_SPLICE_RES    0x0010U   /* option splice-response */
#define PR_O_TCPLOG        0x0020U   /* option tcplog */
#define PR_O_HTTPLOG       0x0040U   /* option httplog */
#define PR_O_TCP_CHECK     0x0080U   /* option tcp-check */
#define PR_O_DONTLOGNULL   0x0100U   /* option dontlognull */
#define PR_O_LOG_HEALTH    0x0200U   /* option log-health-checks */
#define PR_O_FORWARDFOR    0x0400U   /* option forwardfor */
#define PR_O_SRV_CLOSE     0x0800U   /* option http-server-close */
#define PR_O_HTTPCLOSE     0x1000U   /* option httpclose: close both sides after each response */
#define PR_O_HTTPCHK       0x2000U   /* option httpchk */
#define PR_O_KEEPALIVE     0x4000U   /* option http-keep-alive (explicit; the default) */
#define PR_O_CLF           0x8000U   /* option httplog clf */
#define PR_O_ACCEPT_UNSAFE_REQ 0x10000U /* option accept-unsafe-violations-in-http-request */
#define PR_O_ORIGINALTO    0x20000U  /* option originalto */
#define PR_O_LOGERRORS     0x40000U  /* option log-separate-errors: errors logged at 'err' */
#define PR_O_EXTCHK       0x80000U   /* option external-check */
#define PR_O_ABRT_CLOSE   0x100000U  /* option abortonclose: a client's close aborts a pending request */
#define PR_O_HTTP_PXHDR   0x200000U  /* option http-use-proxy-header: proxy requests use Proxy-* auth */
#define PR_O_HTTP_BUFREQ  0x400000U  /* option http-buffer-request: the rules wait for the body */
#define PR_O_DONTLOG_NORM 0x800000U  /* option dontlog-normal: only sessions with an error are logged */
#define PR_O_FORWARDED    0x1000000U /* option forwarded: RFC 7239 header (backend) */
#define PR_O_IGNORE_PRB   0x2000000U /* option http-ignore-probes: silent close of empty connections */
#define PR_O_CLI_KA       0x4000000U /* option clitcpka (or tcpka): SO_KEEPALIVE on client connections */
#define PR_O_SRV_KA       0x8000000U /* option srvtcpka (or tcpka): SO_KEEPALIVE on server connections */
#define PR_O_HTTPSLOG     0x10000000U /* option httpslog: with PR_O_HTTPLOG, the HTTPS format */

/* Timeouts in ms, 0 when not set. */
struct pr_timeouts {
	unsigned int client;     /* client inactivity */
	unsigned int server;     /* server inactivity */
	unsigned int connect;    /* connection to a server */
	unsigned int queue;      /* waiting for a server slot */
	unsigned int tunnel;     /* both sides inactivity once established */
	unsigned int client_fin; /* client half-closed inactivity */
	unsigned int client_hs;  /* client TLS handshake (0: `client`) */
	unsigned int server_fin; /* server half-closed inactivity */
	unsigned int check;      /* health check connect/response */
	unsigned int http_request;    /* whole request headers (mode http) */
	unsigned int http_keep_alive; /* idle between requests (mode http) */
	unsigned int tarpit;     /* tarpit duration (mode http) */
};

/* Per-thread counters of a proxy, written by their thread, summed on read. */
struct pr_counters {
	_Atomic uint64_t cum_conn;       /* frontend: connections accepted */
	_Atomic uint64_t cum_sess;       /* sessions (accepted and not rejected) */
	_Atomic uint64_t cum_lbconn;     /* backend: connections load-balanced */
	_Atomic uint64_t bytes_in;       /* bytes received from clients */
	_Atomic uint64_t bytes_out;      /* bytes sent to clients */
	_Atomic uint64_t denied_conn;    /* rejected by tcp-request connection */
	_Atomic uint64_t denied_sess;    /* rejected by tcp-request content */
	_Atomic uint64_t failed_req;     /* client-side errors */
	_Atomic uint64_t failed_conns;   /* backend: connection failures */
	_Atomic uint64_t failed_resp;    /* backend: server-side errors */
	_Atomic uint64_t retries;        /* backend: retries */
	_Atomic uint64_t redispatches;   /* backend: redispatches */
	_Atomic uint64_t cli_aborts;     /* aborted by the client */
	_Atomic uint64_t srv_aborts;     /* aborted by the server */
	/* mode http */
	_Atomic uint64_t cum_req;        /* frontend: HTTP requests received */
	_Atomic uint64_t be_req;         /* backend: HTTP requests passed to a server */
	_Atomic uint64_t rsp[6];         /* responses by class: 1xx..5xx, then other */
	_Atomic uint64_t denied_req;     /* requests denied by http-request rules */
	_Atomic uint64_t denied_resp;    /* responses denied by http-response rules */
	_Atomic uint64_t intercepted;    /* requests answered by the proxy (return, redirect) */
	/* HTTP bodies spliced (option splice-*), HAProxy's h1_spliced_bytes_* */
	_Atomic uint64_t spl_fe_in;      /* frontend: from clients */
	_Atomic uint64_t spl_fe_out;     /* frontend: to clients */
	_Atomic uint64_t spl_be_in;      /* backend: from servers */
	_Atomic uint64_t spl_be_out;     /* backend: to servers */
	/* rates over the last second (show stat rate, conn_rate, req_rate) */
	struct freq_ctr sess_per_sec;    /* frontend: sessions; backend: load-balanced connections */
	struct freq_ctr conn_per_sec;    /* frontend: connections accepted */
	struct freq_ctr req_per_sec;     /* frontend: HTTP requests received */
	struct stat_times tm;            /* backend: times of the last requests (stats.h) */
} CACHE_ALIGNED;

/* A bound address of a frontend: one socket per thread with SO_REUSEPORT,
 * or a single socket (unix, fd@) shared by the threads of its mask, each
 * polling it (the kernel wakes one accepter).
 */
struct listener {
	struct proxy *fe;                /* its frontend */
	struct addr addr;                /* bound address */
	char *name;                      /* "name" option, or NULL */
	int luid;                        /* "id" option, else numbered at start-up (so_id); 0 before */
	struct sock_opts sopts;          /* backlog, v6only, unix mode/owner */
	unsigned int maxconn;            /* per-listener maxconn, 0: frontend's */
	int shards;                      /* sockets: 0 = one per thread */
	int accept_proxy;                /* "accept-proxy": a PROXY header comes first */
	int proto_none;                  /* "proto none": raw TCP only, never upgraded to HTTP */
	int proto_h2;                    /* "proto h2": HTTP/2 with prior knowledge (h2_fe.c) */
	int proto_h1;                    /* "proto h1": HTTP/1 only, the HTTP/2 preface gets a 405 */
	char tcp_md5sig[SRV_MD5SIG_MAX + 1]; /* "tcp-md5sig" key, "" for none */
	struct tls_conf *tls_conf;       /* "ssl" and its options as parsed, or NULL */
	struct tls_bind *tls;            /* TLS contexts built from them, or NULL: raw */
	unsigned long thread_mask;       /* threads accepting on it, 0: all */
	int fds[MAX_THREADS];            /* socket of each thread, -1 if none */
	int nfds;                        /* sockets opened */
	_Atomic unsigned int nbconn;     /* connections accepted here, alive */
	const char *conf_file;           /* where declared */
	int conf_line;                   /* ditto */
	struct list list;                /* link in fe->listeners */
};

/* A `use_backend <name> [if|unless <cond>]` rule. A name holding '%' is
 * a log-format string (`use_backend be_%[req.hdr(host),lower]`) rendered
 * and looked up for each request.
 */
struct switching_rule {
	char *be_name;                   /* name as written, resolved after parsing */
	struct proxy *be;                /* the backend, NULL when dynamic */
	struct logformat *lf;            /* dynamic name, compiled at finalisation, or NULL */
	struct acl_cond *cond;           /* condition, NULL: always */
	const char *conf_file;           /* where declared */
	int conf_line;                   /* ditto */
	struct list list;                /* link in fe->switching_rules */
};

/* A `force-be-switch {if|unless} <cond>` rule of a frontend. */
struct force_be_rule {
	struct acl_cond *cond;           /* condition */
	struct force_be_rule *next;      /* next rule, configuration order */
};

struct proxy {
	char *id;                        /* name */
	unsigned int cap;                /* PR_CAP_* */
	enum pr_mode mode;               /* tcp or http */
	int mode_explicit;               /* defaults: `mode` written (`add backend` needs a mode) */
	unsigned int options;            /* PR_O_* */
	int uuid;                        /* numeric id */
	const char *conf_file;           /* where declared */
	int conf_line;                   /* ditto */
	struct proxy *next;              /* all proxies, declaration order */
	int disabled;                    /* "disabled" keyword */
	_Atomic int paused;              /* "disable frontend": sockets shut, not accepting (listener.h) */
	_Atomic int unpublished;         /* `be-unpublished`, `(un)publish backend`: content switching passes it over */
	struct force_be_rule *force_be;  /* force-be-switch rules (frontend), or NULL */
	struct err_snap *_Atomic errsnap[2]; /* last invalid request, response (errsnap.h) */

	/* frontend side */
	struct list listeners;           /* struct listener */
	unsigned int maxconn;            /* frontend maxconn, 0: global's */
	_Atomic unsigned int feconn;     /* current frontend connections */
	char *defbe_name;                /* default_backend as written */
	struct proxy *defbe;             /* resolved default backend */
	struct list switching_rules;     /* use_backend rules */
	struct list tcp_req_conn;        /* tcp-request connection rules */
	struct list tcp_req_sess;        /* tcp-request session rules */
	struct list tcp_req_cont;        /* tcp-request content rules (backends too) */
	unsigned int inspect_delay;      /* tcp-request inspect-delay, ms */
	struct list tcp_res_cont;        /* tcp-response content rules (backend side) */
	unsigned int res_inspect_delay;  /* tcp-response inspect-delay, ms */
	struct list def_rules;           /* defaults: its rule lines, replayed in each proxy using it
	                                  * (struct cfg_def_rule, cfg_def_rules.c) */
	unsigned int def_rules_kinds;    /* defaults: CFG_DEFR_* kinds of rules it holds */
	unsigned int def_rules_cap;      /* defaults: PR_CAP_FE/BE of the proxies using its rules, 0: none yet */
	struct acl_list acls;            /* named ACLs */

	/* backend side */
	struct server *srv;              /* servers, declaration order */
	struct server *srv_last;         /* last one, for appending */
	int srv_count;                   /* number of servers */
	struct name_idx srv_names;       /* servers by name (server_find()) */
	struct server defsrv;            /* default-server settings */
	struct conn_src conn_src;        /* `source` (be, listen, defaults): its servers' default (conn_src.h) */
	struct lb_state lb;              /* load balancing */
	char *lb_name;                   /* balance algorithm name */
	char *hash_expr;                 /* `balance hash <expr>` text */
	struct sample_expr *hash_sample; /* its parsed expression */
	char *rdp_persist;               /* `persist rdp-cookie`: the cookie's name, or NULL */
	struct sample_expr *rdp_persist_sample; /* req.rdp_cookie(<name>) */
	unsigned int retries;            /* connection retries (default 3) */
	unsigned int retry_on;           /* `retry-on`: PR_RE_* (default PR_RE_CONN_FAILED) */
	int redispatch_after;            /* option redispatch <n>: every nth retry (> 0), the
	                                  * |n|th from the last one (< 0; -1: the last), 0: none */
	unsigned int fullconn;           /* backend fullconn (kept, unused) */
	unsigned char srv_state_load;    /* `load-server-state-from-file`: PR_SRV_STATE_* (server_state.h) */
	char *srv_state_file_name;       /* `server-state-file-name`, NULL: the backend's name */
	int backlog;                     /* `backlog`: listen() backlog of binds without one, 0: default */
	char *send_name_hdr;             /* http-send-name-header: the header carrying the server's name */
	int tcpka[2][3];                 /* clitcpka-/srvtcpka- idle (s), intvl (s), cnt; 0: the system's */
	_Atomic unsigned int beconn;     /* current backend connections */
	struct spinlock queue_lock;      /* protects queue */
	struct list queue;               /* streams waiting for a server slot */
	_Atomic unsigned int nbpend;     /* length of queue */
	struct list tcpcheck_rules;      /* option tcp-check steps */
	char ***tcpchk_lines;            /* defaults: its `tcp-check` lines as written (argv
	                                  * copies, NULL-ended), replayed into the sections
	                                  * that inherit them; NULL: none */
	int tcpchk_nlines;               /* their number */
	int tcpchk_inherited;            /* <tcpcheck_rules> came from the defaults: the
	                                  * section's own first line replaces them */
	struct pr_chkproto chkproto;     /* option smtpchk, pgsql-check... (check_proto.h) */
	struct list proto_rules;         /* its ruleset, built by checks_start() */
	char *extchk_cmd;                /* `external-check command`, or NULL */
	char *extchk_path;               /* `external-check path` (the command's PATH), or NULL: "" */
	struct list sticking_rules;      /* stick on / match / store-request */

	/* mode http */
	struct list http_req_rules;      /* http-request rules (and `redirect`) */
	struct list http_res_rules;      /* http-response rules */
	struct list http_after_res_rules; /* http-after-response rules */
	struct list server_rules;        /* use-server rules (struct http_srv_rule, http_rules.c) */
	const struct http_reply *errorfiles[24]; /* errorfile per code (http_reply.c index), NULL: built-in */
	const struct http_rule *error_fmts[24];  /* http-error replies rendered per request, by the same index, or NULL */
	struct pr_cookie cookie;         /* cookie persistence (backend) */
	struct pr_forwardfor fwdfor;     /* option forwardfor */
	struct pr_forwardfor origto;     /* option originalto (if_none unused) */
	struct pr_forwarded fwded;       /* option forwarded */
	struct pr_httpchk httpchk;       /* option httpchk */
	int http_reuse;                  /* PR_REUSE_*: sharing idle server connections */
	struct pr_capture cap_req[PR_MAX_CAPTURES]; /* capture request header */
	struct pr_capture cap_res[PR_MAX_CAPTURES]; /* capture response header */
	unsigned int nb_cap_req, nb_cap_res;
	struct pr_capture cap_cookie;    /* capture cookie, name NULL if none */
	char *monitor_uri;               /* monitor-uri, or NULL */
	struct pr_stats stats;           /* stats page (stats uri...) */
	char *log_format;                /* log-format string as written, or NULL */
	struct logformat *logfmt;        /* compiled log format used by this frontend, or NULL */
	char *uid_format;                /* unique-id-format as written, or NULL */
	struct logformat *uid_fmt;       /* its compiled form (frontends), or NULL */
	char *uid_header;                /* unique-id-header name, or NULL */
	int log_keep_req;                /* its log format reads the request (%[...]): keep the head */

	struct stktable_def *table_def;  /* stick-table line parsed here, or NULL */
	struct stktable *table;          /* the table, created at finalisation */
	struct log_target *log_targets;  /* where traffic logs go, NULL: nowhere */
	int log_global;                  /* `log global`: add the global targets */
	int log_inherited;               /* log_targets is the defaults' list */
	const char *table_file;          /* where the stick-table line is */
	int table_line;                  /* ditto */
	struct pr_timeouts timeout;      /* timeouts */
	struct pr_counters ctr[MAX_THREADS]; /* per-thread counters */
	struct stat_extra st;            /* maxima and state history (stats-t.h) */
};

#endif /* TOLLGATE_PROXY_T_H */
