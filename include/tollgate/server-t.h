/*
 * Server types. See server.h.
 */
#ifndef TOLLGATE_SERVER_T_H
#define TOLLGATE_SERVER_T_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include <tollgate/addr.h>
#include <tollgate/compiler.h>
#include <tollgate/conn_src-t.h>
#include <tollgate/freq_ctr.h>
#include <tollgate/list.h>
#include <tollgate/stats-t.h>
#include <tollgate/thread.h>

struct proxy;
struct check;
struct logbe_srv;

/* What one thread's streams hold of a server (server_hold()): written by
 * that thread only, summed by `del server` under thread isolation.
 */
struct srv_thr {
	unsigned int refs;                /* stream slots (srv, prev_srv, idle_srv, pref_srv) pointing to it */
} CACHE_ALIGNED;

/* Operational state, changed by health checks and the admin socket. */
enum srv_state {
	SRV_ST_STOPPED = 0,   /* down: not used */
	SRV_ST_RUNNING,       /* up */
};

/* Configuration flags (server.flags), fixed once workers run except
 * SRV_F_MAINT, which the admin socket changes under thread isolation.
 */
#define SRV_F_BACKUP      0x0001U   /* only used when no active server is up */
#define SRV_F_MAINT       0x0002U   /* administratively disabled ("disabled") */
#define SRV_F_CHECK       0x0004U   /* health-checked */
#define SRV_F_SEND_PROXY  0x0008U   /* sends a PROXY protocol v1 header */
#define SRV_F_SEND_PROXY2 0x0010U   /* sends a PROXY protocol v2 header */
#define SRV_F_DRAIN       0x0020U   /* admin drain: no new traffic but persistence */
#define SRV_F_AGENT       0x0040U   /* agent-checked (`agent-check`) */
#define SRV_F_DYNAMIC     0x0080U   /* added by the admin socket (`add server`) */
#define SRV_F_NON_PURGEABLE 0x0100U /* named by the configuration (use-server, track): `del server` refuses it */
#define SRV_F_RMAINT      0x0200U   /* maintenance for resolution: its name has no address (HAProxy's RMAINT) */

/* `init-addr` methods, tried in the order written (server.init_addr[]). */
enum srv_init_addr {
	SRV_IA_END = 0,       /* end of the list */
	SRV_IA_LAST,          /* the server-state file's address (server.lastaddr) */
	SRV_IA_LIBC,          /* the system's resolver, getaddrinfo() */
	SRV_IA_NONE,          /* no address: start in maintenance (SRV_F_RMAINT) */
	SRV_IA_IP,            /* the address of `init-addr` (server.init_ip) */
};
#define SRV_IA_MAX        4         /* methods in one `init-addr` */

/* `init-state` (HAProxy 3.x): how a checked server starts */
enum {
	SRV_INIT_NONE = 0,    /* as `up` (HAProxy's default) */
	SRV_INIT_FULLY_UP,    /* up, down after `fall` failures */
	SRV_INIT_UP,          /* up, down at the first failure */
	SRV_INIT_DOWN,        /* down, up at the first success */
	SRV_INIT_FULLY_DOWN,  /* down, up after `rise` successes */
};
#define SRV_RSV_NETS      8         /* networks in one `resolve-net` */
#define SRV_F_PROTO_H2    0x0400U   /* `proto h2`: HTTP/2 at once (mux_h2_be.h) */
#define SRV_F_ALPN_H2     0x0800U   /* `ssl` with "h2" in `alpn`: HTTP/2 if the handshake chooses it */
#define SRV_F_CHECK_H2    0x1000U   /* `check-proto h2` */
#define SRV_F_CHECK_PROTO 0x2000U   /* `check-proto` given (h1 or h2); else HTTP checks speak
                                     * what `proto` says */
#define SRV_F_AGENT_PORT  0x4000U   /* `agent-port` given: `port` no longer sets the agent's */
#define SRV_F_AGENT_ADDR  0x8000U   /* `agent-addr` given: `addr` no longer sets the agent's */
#define SRV_F_CMAINT      0x10000U  /* `disabled` in the configuration (HAProxy's CMAINT, 0x04 in
                                     * show servers state); SRV_F_MAINT says whether it still is */

/* Counters, one set per thread, written by that thread only (relaxed
 * stores) and summed on read.
 */
struct srv_counters {
	_Atomic uint64_t cum_conn;        /* connections handed to this server */
	_Atomic uint64_t bytes_in;        /* bytes from clients to this server */
	_Atomic uint64_t bytes_out;       /* bytes from this server to clients */
	_Atomic uint64_t failed_conns;    /* connection attempts that failed */
	_Atomic uint64_t failed_resp;     /* server-side errors after connecting */
	_Atomic uint64_t retries;         /* retried connection attempts */
	_Atomic uint64_t redispatches;    /* sessions moved away from it */
	_Atomic uint64_t cum_req;         /* mode http: requests sent to it */
	_Atomic uint64_t rsp[6];          /* mode http: responses by class: 1xx..5xx, then other */
	struct freq_ctr sess_per_sec;     /* connections handed to it, over the last second (srv_sess_rate, show stat rate) */
	struct stat_times tm;             /* times of the last requests (stats.h) */
} CACHE_ALIGNED;

/* proxy-v2-options of a server (struct server.pp_opts). Those about TLS
 * (ssl, cert-*, ssl-cipher) add nothing: no client connection is TLS.
 */
#define SRV_MD5SIG_MAX    80        /* longest TCP MD5 key (TCP_MD5SIG_MAXKEYLEN) */

#define SRV_PP_AUTHORITY  0x0001U   /* the client's PROXY authority TLV, passed on */
#define SRV_PP_CRC32C     0x0002U   /* a CRC32C TLV over the header */
#define SRV_PP_UNIQUE_ID  0x0004U   /* the request's unique id (unique-id-format) */

struct logformat;

/* set-proxy-v2-tlv-fmt(<type>) <fmt>: a TLV added to the PROXY v2 header,
 * its value the format rendered for the stream.
 */
struct srv_pp_tlv {
	unsigned int type;                /* 0..255 */
	char *fmt;                        /* as written (copied from default-server) */
	struct logformat *lf;             /* compiled */
	struct srv_pp_tlv *next;          /* next, in configuration order */
};

struct tls_conf;
struct tls_srv;
struct sample_expr;
struct resolution;

/* How a server named by a host name gets its address (resolvers.h):
 * copied from `default-server`.
 */
struct srv_resolve_conf {
	char *resolvers_id;               /* `resolvers <id>`, or NULL */
	unsigned int prefer;              /* `resolve-prefer`: AF_INET, AF_INET6 (0: ipv6, the default) */
	unsigned char init_addr[SRV_IA_MAX]; /* enum srv_init_addr, SRV_IA_END-terminated; all END: "last,libc" */
	struct addr init_ip;              /* the <ip> of `init-addr` */
	unsigned int allow_dup_ip;        /* `resolve-opts allow-dup-ip`: may share an address with its backend's servers */
	unsigned int nb_nets;             /* `resolve-net` networks used */
	struct {
		int family;               /* AF_INET or AF_INET6 */
		unsigned char net[16];    /* network, masked */
		unsigned int bits;        /* prefix length */
	} nets[SRV_RSV_NETS];             /* preferred networks, in order */
};

/* `hash-key`: what places a server's points on a consistent ring */
enum {
	SRV_HASH_KEY_ID = 0,     /* its numeric id, scaled (default; HAProxy 2.6's only way) */
	SRV_HASH_KEY_ID32,       /* its numeric id, mixed */
	SRV_HASH_KEY_ADDR,       /* its IP address, else the id */
	SRV_HASH_KEY_ADDR_PORT,  /* its IP address and port, else the id */
};

struct server {
	char *id;                         /* name */
	struct proxy *proxy;              /* its backend */
	struct server *next;              /* next server of the backend, config order */
	int puid;                         /* numeric id ("id N" or auto) */
	unsigned char hash_key;           /* `hash-key`: SRV_HASH_KEY_* (consistent hashing) */
	struct addr addr;                 /* where to connect (changed under isolation) */
	char *hostname;                   /* the host name of its address, or NULL if numeric */
	struct srv_resolve_conf rsv;      /* resolvers, resolve-prefer, init-addr */
	struct resolution *res;           /* its runtime resolution (`resolvers`), or NULL */
	uint32_t rsv_seen;                /* tick its address was last in an answer (resolvers' thread only) */
	char rsv_target[256];             /* SRV: the target its slot holds, "" for none (changed under isolation) */
	int rsv_srv;                      /* SRV: it held a target once (HAProxy's HMAINT bit, 0x40, in show servers state) */
	struct resolution *tres;          /* SRV: its target's own resolution (no additional record), or NULL; thread 0 */
	unsigned int addr_gen;            /* bumped at each change of addr (idle connections) */
	unsigned int flags;               /* SRV_F_* */
	unsigned int pp_opts;             /* SRV_PP_* (send-proxy-v2 proxy-v2-options) */
	struct tls_conf *tls_conf;        /* TLS options as parsed ("ssl", "verify"...), or NULL */
	int use_ssl;                      /* "ssl": traffic goes over TLS */
	int check_ssl;                    /* "check-ssl": health checks go over TLS */
	struct tls_srv *tls;              /* context for traffic, built when use_ssl, else NULL */
	struct tls_srv *check_tls;        /* context for checks (the same as tls, or its own) */
	struct sample_expr *sni_expr;     /* "sni EXPR", or NULL */
	char *sni_text;                   /* its text (copied from default-server) */
	char *check_sni;                  /* "check-sni" server name for checks, or NULL */
	char *track_name;                 /* "track [<backend>/]<server>" as written, or NULL */
	char *hc_name;                    /* "healthcheck <name>" as written, or NULL */
	struct proxy *hc;                 /* that healthcheck section once resolved: its check replaces the backend's */
	struct server *tracked;           /* the server whose health this one follows, or NULL */
	struct server *trackers;          /* servers following this one (configuration-time list) */
	struct server *tracker_next;      /* next in tracked->trackers */
	struct srv_pp_tlv *pp_tlvs;       /* set-proxy-v2-tlv-fmt TLVs, or NULL */
	unsigned int uweight;             /* current weight, 0..256 (admin socket may change it) */
	unsigned int iweight;             /* weight from the configuration, 0..256 */
	unsigned int maxconn;             /* 0: unlimited */
	unsigned int max_reuse1;          /* `max-reuse` + 1 (HTTP/2 connections), 0: none (-1) */
	_Atomic int cur_state;            /* enum srv_state */
	_Atomic unsigned int cur_conns;   /* connections being served now */
	_Atomic unsigned int queued;      /* streams waiting for it */
	_Atomic unsigned int max_conns;   /* highest <cur_conns> seen (smax) */
	/* health check settings */
	unsigned int inter;               /* ms between checks while up */
	unsigned int fastinter;           /* ms between checks while changing */
	unsigned int downinter;           /* ms between checks while down */
	unsigned int rise;                /* successes to go up */
	unsigned int fall;                /* failures to go down */
	struct check *check;              /* its health check, or NULL */
	int state_health;                 /* the server-state file's check health plus one, 0: none */
	char *lastaddr;                   /* the server-state file's srv_addr (init-addr last), or NULL */
	unsigned char state_chk_off;      /* the server-state file paused its check (1), its agent (2) */
	unsigned char on_down_kill;       /* `on-marked-down shutdown-sessions` */
	unsigned char on_up_kill_backups; /* `on-marked-up shutdown-backup-sessions` */
	unsigned char init_state;         /* `init-state`: SRV_INIT_* */
	char *redir;                      /* `redir <prefix>`: GET/HEAD get a 302 there (mode http), or NULL */
	short state_chk[2];               /* its srv_check_status + 1 (0: none) and srv_check_result,
	                                   * shown until the check has a result of its own */
	/* `addr` and `port`: where health checks (and, unless `agent-addr` /
	 * `agent-port`, agent checks) connect; `set server check-port` changes
	 * the port at runtime
	 */
	struct addr check_addr;           /* kind ADDR_NONE: the server's address */
	_Atomic unsigned int check_port;  /* 0: the port of `addr`, else the server's */
	/* agent check settings (check_agent.h) */
	struct addr agent_addr;           /* `agent-addr`, kind ADDR_NONE: the server's address */
	unsigned int agent_port;          /* `agent-port`, 0: none (agent-check then refused) */
	unsigned int agent_inter;         /* ms between agent checks, 0: `inter` */
	char *agent_send;                 /* `agent-send` string, or NULL */
	char tcp_md5sig[SRV_MD5SIG_MAX + 1]; /* `tcp-md5sig` key, "" for none */
	struct conn_src conn_src;         /* `source`: where its connections come from (conn_src.h) */
	struct check *agent;              /* its agent check, or NULL */
	_Atomic int agent_down;           /* the agent said down/stopped/fail last */
	char *cookie;                     /* `cookie VALUE` for cookie persistence, or NULL */
	const char *name_key;             /* its name, interned (stick tables' server_key, srvkey name) */
	_Atomic(const char *) addr_key;   /* "<ip>:<port>", interned (srvkey addr); changes with addr */
	/* idle HTTP connections to this server, per thread (srv_idle.h):
	 * each thread's list and count are touched by that thread only
	 */
	struct list idle_conns[MAX_THREADS];
	unsigned int idle_count[MAX_THREADS];
	_Atomic unsigned int idle_total;  /* sum of idle_count[], for pool-max-conn */
	/* the idle-pool estimate: any thread, relaxed atomics (srv_idle.c,
	 * idle_update_need(): a race only delays or repeats one update) */
	_Atomic unsigned int used_max;    /* highest <cur_conns> since the last estimate (HAProxy's max_used_conns) */
	_Atomic unsigned int est_need;    /* connections estimated needed (HAProxy's est_need_conns) */
	_Atomic uint32_t est_stamp;       /* now_ms of the last estimate, every SRV_IDLE_MAX_AGE */
	int pool_max_conn;                /* "pool-max-conn": -1 no limit but SRV_IDLE_MAX per thread, 0 no pool */
	/* load-balancing per-algorithm state, under the backend's LB lock */
	int lb_cw;                        /* smooth roundrobin current weight */
	unsigned int lb_idx;              /* index in LB arrays */
	int log_dgram;                    /* log backends: a UDP server (udp@), else TCP */
	int log_octet;                    /* log backends: `log-proto octet-count` (TCP framing) */
	struct logbe_srv *log;            /* log backends: its socket and queue (logbe.h), or NULL */
	const char *conf_file;            /* where it was declared */
	int conf_line;                    /* ditto */
	struct srv_counters ctr[MAX_THREADS]; /* per-thread counters */
	struct srv_thr per_thr[MAX_THREADS];  /* per-thread references from streams */
	struct stat_extra st;             /* rate maximum and state history (stats-t.h) */
};

#endif /* TOLLGATE_SERVER_T_H */
