/*
 * Proxy types: frontends, backends, listeners. See proxy.h.
 */
#ifndef TOLLGATE_PROXY_T_H
#define TOLLGATE_PROXY_T_H

#include <stdatomic.h>
#include <stdint.h>

#include <tollgate/acl.h>
#include <tollgate/addr.h>
#include <tollgate/compiler.h>
#include <tollgate/lb.h>
#include <tollgate/list.h>
#include <tollgate/lock-t.h>
#include <tollgate/server-t.h>
#include <tollgate/sock.h>
#include <tollgate/thread.h>

struct stream;
struct stktable;
struct log_target;
struct sample_expr;
struct stktable_def;

/* Capabilities (proxy.cap). */
#define PR_CAP_FE    0x01U       /* has listeners: frontend or listen */
#define PR_CAP_BE    0x02U       /* has servers: backend or listen */
#define PR_CAP_DEF   0x04U       /* a defaults section */

enum pr_mode {
	PR_MODE_TCP = 0,         /* mode tcp */
	PR_MODE_HTTP,            /* mode http */
};

/* Options (proxy.options). */
#define PR_O_REDISP        0x0001U   /* option redispatch */
#define PR_O_ALLBACKUPS    0x0002U   /* option allbackups */
#define PR_O_SPLICE_AUTO   0x0004U   /* option splice-auto */
#define PR_O_SPLICE_REQ    0x0008U   /* option splice-request */
#define PR_O_SPLICE_RES    0x0010U   /* option splice-response */
#define PR_O_TCPLOG        0x0020U   /* option tcplog */
#define PR_O_HTTPLOG       0x0040U   /* option httplog */
#define PR_O_TCP_CHECK     0x0080U   /* option tcp-check */
#define PR_O_DONTLOGNULL   0x0100U   /* option dontlognull */
#define PR_O_LOG_HEALTH    0x0200U   /* option log-health-checks */

/* Timeouts in ms, 0 when not set. */
struct pr_timeouts {
	unsigned int client;     /* client inactivity */
	unsigned int server;     /* server inactivity */
	unsigned int connect;    /* connection to a server */
	unsigned int queue;      /* waiting for a server slot */
	unsigned int tunnel;     /* both sides inactivity once established */
	unsigned int client_fin; /* client half-closed inactivity */
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
} CACHE_ALIGNED;

/* A bound address of a frontend: one socket per thread with SO_REUSEPORT,
 * or a single socket (unix, fd@) shared by the threads of its mask, each
 * polling it (the kernel wakes one accepter).
 */
struct listener {
	struct proxy *fe;                /* its frontend */
	struct addr addr;                /* bound address */
	char *name;                      /* "name" option, or NULL */
	struct sock_opts sopts;          /* backlog, v6only, unix mode/owner */
	unsigned int maxconn;            /* per-listener maxconn, 0: frontend's */
	int shards;                      /* sockets: 0 = one per thread */
	unsigned long thread_mask;       /* threads accepting on it, 0: all */
	int fds[MAX_THREADS];            /* socket of each thread, -1 if none */
	int nfds;                        /* sockets opened */
	_Atomic unsigned int nbconn;     /* connections accepted here, alive */
	const char *conf_file;           /* where declared */
	int conf_line;                   /* ditto */
	struct list list;                /* link in fe->listeners */
};

/* A `use_backend <name> [if|unless <cond>]` rule. */
struct switching_rule {
	char *be_name;                   /* name as written, resolved after parsing */
	struct proxy *be;                /* the backend */
	struct acl_cond *cond;           /* condition, NULL: always */
	const char *conf_file;           /* where declared */
	int conf_line;                   /* ditto */
	struct list list;                /* link in fe->switching_rules */
};

struct proxy {
	char *id;                        /* name */
	unsigned int cap;                /* PR_CAP_* */
	enum pr_mode mode;               /* tcp or http */
	unsigned int options;            /* PR_O_* */
	int uuid;                        /* numeric id */
	const char *conf_file;           /* where declared */
	int conf_line;                   /* ditto */
	struct proxy *next;              /* all proxies, declaration order */
	int disabled;                    /* "disabled" keyword */

	/* frontend side */
	struct list listeners;           /* struct listener */
	unsigned int maxconn;            /* frontend maxconn, 0: global's */
	_Atomic unsigned int feconn;     /* current frontend connections */
	char *defbe_name;                /* default_backend as written */
	struct proxy *defbe;             /* resolved default backend */
	struct list switching_rules;     /* use_backend rules */
	struct list tcp_req_conn;        /* tcp-request connection rules */
	struct list tcp_req_cont;        /* tcp-request content rules */
	unsigned int inspect_delay;      /* tcp-request inspect-delay, ms */
	struct acl_list acls;            /* named ACLs */

	/* backend side */
	struct server *srv;              /* servers, declaration order */
	struct server *srv_last;         /* last one, for appending */
	int srv_count;                   /* number of servers */
	struct server defsrv;            /* default-server settings */
	struct lb_state lb;              /* load balancing */
	char *lb_name;                   /* balance algorithm name */
	char *hash_expr;                 /* `balance hash <expr>` text */
	struct sample_expr *hash_sample; /* its parsed expression */
	unsigned int retries;            /* connection retries (default 3) */
	unsigned int fullconn;           /* backend fullconn (kept, unused) */
	_Atomic unsigned int beconn;     /* current backend connections */
	struct spinlock queue_lock;      /* protects queue */
	struct list queue;               /* streams waiting for a server slot */
	_Atomic unsigned int nbpend;     /* length of queue */
	struct list tcpcheck_rules;      /* option tcp-check steps */
	struct list sticking_rules;      /* stick on / match / store-request */

	struct stktable_def *table_def;  /* stick-table line parsed here, or NULL */
	struct stktable *table;          /* the table, created at finalisation */
	struct log_target *log_targets;  /* where traffic logs go, NULL: nowhere */
	int log_global;                  /* `log global`: add the global targets */
	int log_inherited;               /* log_targets is the defaults' list */
	const char *table_file;          /* where the stick-table line is */
	int table_line;                  /* ditto */
	struct pr_timeouts timeout;      /* timeouts */
	struct pr_counters ctr[MAX_THREADS]; /* per-thread counters */
};

#endif /* TOLLGATE_PROXY_T_H */
