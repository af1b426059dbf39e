/*
 * Stream types. See stream.h. Exposed for the sample fetches and actions
 * of the proxy layer; only the stream's own thread reads or writes them.
 */
#ifndef TOLLGATE_STREAM_T_H
#define TOLLGATE_STREAM_T_H

#include <stdint.h>
#include <time.h>

#include <tollgate/addr.h>
#include <tollgate/buffer.h>
#include <tollgate/h1.h>
#include <tollgate/list.h>
#include <tollgate/proxy-t.h>
#include <tollgate/server-t.h>
#include <tollgate/stkctr.h>

struct task;
struct http_txn;
struct var_store;
struct tcp_rule;
struct xprt_ops;

/* Side flags. */
#define SIDE_SHUTR     0x01U   /* end of stream read from this side */
#define SIDE_SHUTW     0x02U   /* we shut writing towards this side */
#define SIDE_ERROR     0x04U   /* I/O error on this side */
#define SIDE_RDMAY     0x08U   /* a read may find data: set by a read event,
                                * cleared when a read drains the socket */
#define SIDE_RDHUP     0x10U   /* the peer's end of stream has arrived
                                * (EPOLLRDHUP): a read that drains the
                                * socket has reached it */
#define SIDE_L4CON     0x20U   /* server side: the TCP connection is up (its
                                * TLS handshake may still be running) */
#define SIDE_WBLOCK    0x40U   /* the transport refused bytes until its peer
                                * answers (-ENOBUFS, xprt.h): writability is
                                * not polled for them */
#define SIDE_H2EARLY   0x80U   /* server side: an HTTP/2 connection offered to
                                * other streams while it connects
                                * (h2be_offer()), its TLS not set up yet */

enum stream_state {
	ST_INI = 0,            /* accepted, no backend decision yet */
	ST_QUEUED,             /* waiting for a server slot */
	ST_CONNECTING,         /* connect() in progress, or, with srvside.fd
	                        * < 0, the turn-around wait before a retry */
	ST_EST,                /* connected to the server */
	ST_CLOSED,             /* to be freed */
};

struct side {
	int fd;                /* socket, -1 if none */
	const struct xprt_ops *xprt; /* transport, NULL: raw socket (xprt.h) */
	void *xprt_ctx;        /* its context (TLS: the connection's SSL) */
	unsigned int flags;    /* SIDE_* */
	unsigned int ev;       /* events reported since the last pass */
	uint32_t exp;          /* inactivity deadline */
};

/* One direction: bytes read from <from> side, written to the other. */
struct channel {
	struct buffer buf;     /* bytes read, not yet written */
	struct pipe *pipe;     /* when splicing, else NULL */
	uint64_t total;        /* bytes forwarded */
};

struct stream {
	struct task *task;             /* runs everything, local to the thread */
	struct listener *li;           /* where the client came in */
	struct proxy *fe;              /* frontend */
	struct proxy *be;              /* backend, NULL before it is chosen */
	struct server *srv;            /* server holding a slot, or NULL */
	struct server *prev_srv;       /* server of the previous attempt */
	struct addr cli_addr;          /* client address (the PROXY header's, if any; set-src, set-src-port change it) */
	struct addr dst_addr;          /* address the client reached: a PROXY header's, or set by set-dst / set-dst-port */
	int has_dst;                   /* dst_addr is set (else ask the socket) */
	struct addr fc_src;            /* the client connection's source, its socket's peer
	                                * (fc_src): PROXY headers and set-src leave it */
	struct addr fc_dst;            /* its destination, known by an HTTP/2 stream (has_fc_dst) */
	unsigned char has_fc_dst;      /* fc_dst is set (else ask the socket) */
	unsigned char pp_rcvd;         /* a PROXY header was received (fc_rcvd_proxy) */
	int pp_wait;                   /* accept-proxy: the PROXY header is still awaited */
	unsigned char *pp_tlv;         /* the PROXY v2 header's TLVs (malloc'd), or NULL */
	unsigned int pp_tlv_len;       /* their bytes */
	int conn_rules_done;           /* `tcp-request connection` rules ran */
	int res_rules_done;            /* mode tcp: `tcp-response content` rules ran */
	int http;                      /* the HTTP engine runs it: mode http, or switched to it */
	int upgraded;                  /* switched from tcp to http: its first request skips the
	                                * tcp-request content rules, which already ran */
	int upg_proto;                 /* STRM_UPG_*: the protocol `switch-mode http proto` names */
	int cli_hs_done;               /* the client's TLS handshake is complete */
	int32_t t_hs;                  /* ms of the client's TLS handshake (%Th), 0 without TLS */
	int no_log;                    /* closed before a session existed: no traffic log */
	int conn_given;                /* the connection's slot (feconn, listener) belongs to a mux:
	                                * strm_free() does not release it */
	int h2;                        /* the client side is an HTTP/2 stream of a mux (h2_fe.c):
	                                * cli.fd is -1, one transaction, logged as HTTP/2.0 */
	unsigned int tmo_client;       /* set-timeout client (ms) for this transaction, 0: the frontend's */
	unsigned int tmo_server;       /* set-timeout server, 0: the backend's */
	unsigned int tmo_tunnel;       /* set-timeout tunnel, 0: the backend's */
	unsigned int tmo_connect;      /* set-timeout connect, 0: the backend's */
	unsigned int tmo_queue;        /* set-timeout queue, 0: the backend's */
	unsigned int tmo_tarpit;       /* set-timeout tarpit, 0: the backend's (else the frontend's) */
	unsigned int retries_set;      /* set-retries N: N + 1 for this transaction, 0: the backend's */
	struct side cli;               /* client side */
	struct side srvside;           /* server side */
	struct channel req;            /* client -> server */
	struct channel res;            /* server -> client */
	enum stream_state state;       /* see above */
	unsigned int retries_left;     /* connection attempts left */
	unsigned char srv_direct;      /* the server came from persistence (cookie, use-server,
	                                * stick match), not from the balancing */
	unsigned char redispatched;    /* a retry went to another server (%rc's '+') */
	uint32_t conn_exp;             /* connect or queue deadline */
	char *preamble;                /* PROXY protocol header to send first: preamble_buf,
	                                * or malloc'd when larger (v2 TLVs), or NULL */
	char preamble_buf[128];        /* room for one without TLVs (v1 at most 107 bytes) */
	unsigned int preamble_len;     /* its length, 0 once sent */
	uint32_t preamble_hash;        /* hash of the last one built (0: none), to
	                                * reuse a kept server connection only for
	                                * the same header, as HAProxy */
	int queued;                    /* 1 while in be->queue (under its lock) */
	int ever_queued;               /* set once queued: take the lock to leave */
	struct list queue_link;        /* link in be->queue */
	int splice;                    /* splicing allowed for this stream */
	int io_again;                  /* a forwarding pass stopped with more to read */
	const struct tcp_rule *cont_rule; /* tcp-request content rule waiting for data, or NULL */
	uint32_t lb_key;               /* load-balancing key of the request, once computed */
	int lb_key_set;                /* lb_key is computed (reset per HTTP request) */
	uint32_t inspect_exp;          /* end of tcp-request inspect-delay (tick), once started */
	const struct tcp_rule *res_cont_rule; /* tcp-response content rule waiting for data, or NULL */
	uint32_t res_inspect_exp;      /* end of tcp-response inspect-delay (tick), once started */
	struct http_txn *txn;          /* HTTP transaction (mode http), or NULL */
	int tunnel;                    /* HTTP stream switched to a tunnel (Upgrade, CONNECT) */
	struct server *pref_srv;       /* server named by a persistence cookie, or NULL */
	struct server *idle_srv;       /* HTTP: server of the kept (idle) server connection */
	const struct server *srv_redir; /* HTTP: the server chosen has `redir`: answer a 302 (this request) */
	unsigned char redir_ok;        /* HTTP: the request's first choice of server, which `redir` may answer */
	struct list own_idle;          /* HTTP, `http-reuse never`: the client's idle server connections (srv_idle.h) */
	unsigned int own_idle_count;   /* their number */
	int srv_conn_reused;           /* HTTP: the server connection's latest request was
	                                * not its first (a "safe" idle one, srv_idle.h) */
	struct addr srv_dst;           /* where the server connection goes: a kept
	                                * one to a server taking the client's
	                                * destination (0.0.0.0) is reused only for
	                                * the same one */
	uint32_t http_idle_start;      /* HTTP: end of the previous transaction (or accept) */
	unsigned int http_nb_req;      /* HTTP: requests seen on this connection */
	const char *last_rule_file;    /* the last final rule that ran (tcp-request/response
	                                * content, http-*), NULL: none; reset per request */
	int last_rule_line;            /* its line */
	unsigned int calls;            /* runs of its task for this request (cpu_calls) */
	unsigned char bs_rst;          /* the server reset its HTTP/2 stream for this
	                                * request (kept once that stream is closed) */
	uint32_t bs_rst_code;          /* with this code: bs.aborted, bs.rst_code */
	/* HTTP, while a request head is awaited and no transaction is held
	 * (stream_http.c: a transaction is taken once the head is complete)
	 */
	struct h1_msg http_head;       /* parser progress; its fields go to a per-thread scratch array */
	uint32_t http_head_start;      /* now_ms at the head's first byte, 0 before */
	uint32_t http_head_ms;         /* wall clock of that byte, ms part (logs) */
	int64_t http_head_sec;         /* ditto, seconds; 0 when not logging */
	struct stkctrs sc;             /* tracked stick-table entries */
	uint64_t acct_in;              /* req.total already counted in sc */
	uint64_t acct_out;             /* res.total already counted in sc */
	uint32_t t_accept;             /* now_ms at accept */
	uint32_t t_be;                 /* now_ms when the backend was chosen */
	uint32_t t_conn;               /* now_ms when the last connect started */
	int32_t tw;                    /* ms waiting for a server (%Tw), -1: never */
	int32_t tc;                    /* ms connecting (%Tc), -1: never connected */
	int64_t accept_sec;            /* wall clock at accept, when logging */
	uint32_t accept_ms;            /* ditto, milliseconds */
	char term[2];                  /* termination codes (%ts), '-': none */
	int tid;                       /* owner thread */
	unsigned int uniq_id;          /* stream number since start-up (show sess, HAProxy's id) */
	struct list by_thread;         /* link in its thread's stream list (owner only) */
	_Atomic int kill_req;          /* close on the next run: 1 `shutdown session`, else the
	                                * termination code ('D', 'U': stream_shutdown_server()) */
	struct var_store *sess_vars;   /* variables of scope sess (and txn/req/res without a
	                                * transaction), allocated on first set, or NULL */
};

/* A snapshot of a live stream for the admin socket (stream_snapshot()). */
struct stream_info {
	const void *ptr;               /* the stream's identity (never dereferenced by readers) */
	struct addr cli_addr;          /* client address */
	const char *fe;                /* frontend name (configuration lifetime) */
	const char *be;                /* backend name, or NULL */
	char srv[64];                  /* server name (copied: `del server` may free it), "" for none */
	uint32_t age_ms;               /* since accept */
	uint64_t calls;                /* stream task handler calls */
	int tid;                       /* owner thread */
	int state;                     /* enum stream_state */
	struct stream_detail *d;       /* long form (stream_snapshot_detail()), or NULL */
};

#define STRM_NEVER INT32_MIN       /* a stream_detail delay that is not set */

/* The long form of `show sess <id>|all`, copied under isolation. Delays
 * are milliseconds from the copy (negative: expired), STRM_NEVER if unset.
 */
struct stream_detail {
	unsigned int uniq_id;          /* HAProxy's id= */
	int64_t accept_sec;            /* wall clock at accept */
	uint32_t accept_ms;            /* ditto, milliseconds */
	int fe_uuid, be_uuid;          /* proxy ids (be: -1 without backend) */
	int fe_http, be_http;          /* modes */
	const void *li;                /* listener */
	const char *li_name;           /* its name, or NULL */
	struct addr fe_addr;           /* address the client reached (kind ADDR_NONE: unknown) */
	struct addr be_addr;           /* our end of the server connection (ditto) */
	struct addr srv_addr;          /* server address (ditto) */
	int srv_puid;                  /* server id, -1: none */
	const void *server;            /* the server, NULL: none */
	unsigned int retries;          /* connection retries made */
	int queued;                    /* waiting for a server slot */
	int32_t conn_exp;              /* connect/queue deadline */
	const void *task;              /* its task */
	int32_t task_exp;              /* task expiry */
	const void *txn;               /* HTTP transaction, NULL: none */
	int meth, status;              /* txn: method (h1_meth), status (-1: none) */
	int req_st, res_st;            /* txn: http_msg_state of each message */
	struct {
		const void *side;      /* struct side */
		unsigned int flags;    /* SIDE_* */
		int fd;                /* -1: none */
		int tls;               /* through TLS */
		int32_t exp;           /* inactivity deadline */
	} cli, srvs;
	struct {
		const void *chn;       /* struct channel */
		const void *area;      /* buffer storage, NULL if none */
		uint32_t data, size;   /* bytes in it, its size */
		int pipe;              /* splicing */
		uint64_t total;        /* bytes forwarded */
	} req, res;
};

#endif /* TOLLGATE_STREAM_T_H */
