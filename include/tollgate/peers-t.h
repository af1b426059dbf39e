/*
 * Peers (stick-table replication) types. See peers.h for the principle,
 * doc/internals/peers.md for the protocol and doc/peers.md for operators.
 */
#ifndef TOLLGATE_PEERS_T_H
#define TOLLGATE_PEERS_T_H

#include <stdint.h>

#include <tollgate/addr.h>
#include <tollgate/stktable-t.h>

struct stktable;
struct task;
struct tls_conf;
struct tls_srv;
struct tls_bind;
struct xprt_ops;

/* A growable byte buffer of a peer connection. */
struct peer_buf {
	unsigned char *data;          /* bytes, NULL until first use */
	size_t len;                   /* bytes held from <data> */
	size_t cap;                   /* bytes allocated */
};

/* Connection states (peer_conn.state). */
enum peer_cstate {
	PEER_CS_CONNECTING = 0,       /* outgoing: connect() in progress */
	PEER_CS_WAIT_STATUS,          /* outgoing: hello sent, waiting for the status line */
	PEER_CS_WAIT_HELLO,           /* incoming: waiting for the three hello lines */
	PEER_CS_ESTABLISHED,          /* handshake done: binary messages */
	PEER_CS_CLOSING,              /* sending a last status/error, then closing */
};

/* Batches of updates remembered per shared table to date the oldest one
 * not acknowledged (the lag in milliseconds); past this, a new batch is
 * merged into the newest slot (which keeps its older date).
 */
#define PEER_LAG_SLOTS 8

/* A table shared with one peer (HAProxy's shared_table). */
struct peer_table {
	struct peer_table *next;      /* next table shared with the same peer */
	struct stktable *t;           /* the table */
	const char *nid;              /* its name on the wire */
	uint32_t local_id;            /* id we announce it with (1..) */
	uint64_t hash_seed;           /* XXH64 of the table's name: seeds the keys' shard, as HAProxy */
	unsigned int shard, shards;   /* the peer's shard (0: every key) and the section's shards */
	uint32_t remote_id;           /* id the peer announced it with, 0: none */
	uint64_t remote_data;         /* data types the peer sends (bitfield) */
	uint32_t remote_nbelem[STKTABLE_DATA_TYPES]; /* array sizes the peer sends */
	int defined;                  /* our definition was sent on this connection */
	struct stktable_updcur cur;   /* incremental stream: what was sent */
	struct stktable_updcur acked; /* restart point after a reconnection */
	struct stktable_updcur pend;  /* position awaiting the ack of <pend_id> */
	int pend_valid;               /* <pend> is set */
	uint32_t pend_id;             /* update id that commits <pend> once acked */
	struct stktable_cursor walk;  /* full resync walk */
	int teaching;                 /* a full resync walk is in progress */
	uint32_t last_pushed;         /* last update id sent */
	uint32_t last_get;            /* last update id received */
	uint32_t last_acked;          /* last received id we acknowledged */
	uint32_t peer_acked;          /* last id the peer acknowledged */
	uint64_t tx_updates;          /* updates sent */
	uint64_t rx_updates;          /* updates received and applied */
	/* lag: batches sent and not fully acknowledged, oldest first (a ring) */
	uint32_t lag_last[PEER_LAG_SLOTS]; /* last update id of each batch */
	uint32_t lag_sent[PEER_LAG_SLOTS]; /* when it was sent (tick) */
	uint8_t lag_head, lag_n;      /* ring's oldest slot, slots used */
};

struct peers;
struct peer;

/* One TCP connection with a peer (owned by thread 0). */
struct peer_conn {
	int fd;                       /* socket */
	enum peer_cstate state;       /* PEER_CS_* */
	int outgoing;                 /* 1: we connected, 0: accepted */
	struct peers *peers;          /* section */
	struct peer *peer;            /* the peer, NULL until identified (incoming) */
	struct peer_buf in;           /* bytes received, not parsed yet */
	struct peer_buf out;          /* bytes to send */
	uint32_t deadline;            /* handshake deadline (tick) */
	char src[ADDR_STRLEN];        /* remote address for logs */
	struct peer_conn *pnext;      /* next unidentified incoming connection */
	const struct xprt_ops *xprt;  /* transport: NULL raw, &xprt_tls over TLS */
	void *xprt_ctx;               /* its context */
	int tls_hs;                   /* 1 while the TLS handshake is in progress */
};

/* Dictionary (server_key) cache ids per connection and direction, as
 * HAProxy's.
 */
#define PEER_DICT_CACHE 128

/* Peer flags (peer.flags). */
#define PEER_F_TEACH        0x0001U  /* teaching a full resync */
#define PEER_F_TEACH_SENT   0x0002U  /* resync finished/partial sent, awaiting confirm */
#define PEER_F_LEARN        0x0004U  /* we asked this peer for a full resync */
#define PEER_F_ALIVE        0x0008U  /* a message came during the current liveness period */
#define PEER_F_NOTUP2DATE   0x0010U  /* it taught us a partial resync: ask others */
#define PEER_F_TAUGHT       0x0020U  /* local peer (old process): the new one confirmed the lesson */

/* A peer of a `peers` section. */
struct peer {
	struct peer *next;            /* next peer of the section */
	struct peers *peers;          /* section */
	char *id;                     /* name */
	struct addr addr;             /* address (kind ADDR_NONE if none) */
	int local;                    /* 1: this process */
	unsigned int shard;           /* `shard`: it gets the keys of this shard only, 0: all */
	char *conf_file;              /* where it is declared */
	int conf_line;                /* line */
	int use_ssl;                  /* `ssl`: connections to it run over TLS */
	struct tls_conf *tls_conf;    /* its TLS options as parsed, or NULL */
	struct tls_srv *tls;          /* its client context (use_ssl), or NULL */

	/* run time, thread 0 only (show peers reads racy snapshots) */
	struct peer_conn *conn;       /* established or in-progress connection */
	struct task *task;            /* timers: reconnect, heartbeat, push */
	struct peer_table *tables;    /* tables shared with it */
	struct peer_table *tx_table;  /* table our last update was about */
	struct peer_table *rx_table;  /* table the peer's updates are about */
	unsigned int flags;           /* PEER_F_* */
	int status;                   /* last handshake status (200...), 0: none */
	int confirm;                  /* resync confirms to send */
	unsigned int failures;        /* failed attempts since the last success (back-off) */
	uint32_t reconnect;           /* next connection attempt / liveness check (tick) */
	uint32_t heartbeat;           /* next heartbeat to send (tick) */
	uint32_t next_push;           /* a change does not trigger a push before this (tick) */
	uint32_t last_hdshk;          /* date of the last successful handshake (tick), 0: never */
	uint32_t tx_hbt, rx_hbt;      /* heartbeats sent, received */
	uint32_t no_hbt;              /* liveness periods without any message */
	uint32_t new_conn;            /* connection attempts */
	uint32_t sessions;            /* handshakes that succeeded */
	uint32_t proto_err;           /* protocol errors */
	uint32_t coll;                /* collisions (both sides connected) */
	uint64_t taught;              /* local peer (old process): entries of the lesson sent */
	int tls_err;                  /* last TLS handshake failure: 0 none, -1 without a
	                               * certificate error, else the X509 verify error
	                               * (thread 0 writes, show peers reads a snapshot) */
	int16_t last_state;           /* PEER_CS_* of the connection, -1: none. Thread 0
	                               * writes it with relaxed atomic stores; other
	                               * threads read it so (start-up, show peers) */
	char src[ADDR_STRLEN];        /* remote address of the current connection */
	char link_src[ADDR_STRLEN];   /* its source address (the remote's if incoming, ours if outgoing) */
	char link_dst[ADDR_STRLEN];   /* its destination address */
	int link_tls;                 /* it runs over TLS */
	const char *tx_dict[PEER_DICT_CACHE]; /* values the peer has, by cache id - 1 (interned) */
	unsigned int tx_dict_next;    /* last cache id given - 1 (round robin) */
	const char *rx_dict[PEER_DICT_CACHE]; /* values it sent, by cache id - 1 (interned) */
};

/* Resync states of a section (peers.resync). */
enum peers_resync {
	PEERS_RESYNC_NEEDED = 0,      /* learn a full resync from a peer */
	PEERS_RESYNC_ASSIGNED,        /* asked one peer, waiting for it */
	PEERS_RESYNC_DONE,            /* up to date (or nobody to learn from) */
	PEERS_RESYNC_FROMLOCAL,       /* a reload: waiting for the old process's lesson */
};

/* A table declared inside a peers section (`table NAME ...`). */
struct peers_table_decl {
	struct peers_table_decl *next; /* next declaration */
	char *name;                   /* NAME */
	char *id;                     /* "SECTION/NAME", its name everywhere else */
	struct stktable_def def;      /* its definition */
	char *conf_file;              /* where */
	int conf_line;                /* line */
};

/* A `peers` section. */
struct peers {
	struct peers *next;           /* next section */
	char *id;                     /* name */
	char *conf_file;              /* where it starts */
	int conf_line;                /* line */
	int disabled;                 /* `disabled` */
	int has_peer_line;            /* a `peer` line was seen (no `bind` then) */
	int has_bind;                 /* a `bind` line was seen */
	struct addr bind_addr;        /* `bind` address */
	int bind_line;                /* line of `bind` */
	struct tls_conf *bind_tls_conf; /* `bind`/`default-bind` TLS options, or NULL */
	struct tls_bind *bind_tls;    /* the listener's contexts (`ssl`), or NULL */
	struct tls_conf *defsrv_tls_conf; /* `default-server` TLS options, or NULL */
	int defsrv_ssl;               /* `default-server ssl` */
	unsigned int defsrv_shard;    /* `default-server shard` */
	unsigned int timeout_connect; /* `timeout connect` in ms, 0: default */
	unsigned int shards;          /* `shards`: keys are spread over this many shards, 0: none */
	struct peer *list;            /* peers in declaration order */
	struct peer *local;           /* the local peer, set at finalisation */
	struct peers_table_decl *decls; /* tables declared inside */
	struct stktable **tables;     /* tables shared by this section */
	unsigned int nb_tables;       /* their number */

	/* run time, thread 0 */
	int lfd;                      /* listening socket, -1 */
	struct task *task;            /* times out unidentified connections */
	struct peer_conn *pending;    /* incoming connections before their hello */
	enum peers_resync resync;     /* PEERS_RESYNC_*. Thread 0 writes it with relaxed
	                               * atomic stores; the main thread reads it so at
	                               * start-up (peers_local_lesson_pending()) */
	uint32_t resync_timeout;      /* date to give up learning (tick) */
	uint32_t last_change;         /* wall clock second of the last state change */
	uint32_t task_calls;          /* peer task runs */
	uint32_t stop_deadline;       /* old process: last date to teach the new one (tick) */
	int stopped;                  /* old process: the soft stop was applied */
	_Atomic int stop_busy;        /* old process: the new one is not taught yet (for main) */
	_Atomic unsigned int drain_ack; /* last peers_stop_busy() round answered */
};

#endif /* TOLLGATE_PEERS_T_H */
