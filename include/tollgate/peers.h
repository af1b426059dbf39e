/*
 * Peers: stick-table replication with HAProxy's peers protocol (v2.1).
 *
 * Principle:
 *  - A `peers` section lists the processes of a fleet, this one included
 *    (the local peer, chosen by -L or `localpeer`, default the host name).
 *    Each process listens on its own address and connects to every other
 *    peer; one connection per pair survives (the accepting side closes the
 *    older one on a collision). The tables of the section (`stick-table ...
 *    peers NAME`, or `table` inside it) are shared with every peer.
 *  - Everything runs on worker thread 0: the listener, one task and at most
 *    one connection per remote peer. No lock of its own: the tables are
 *    read through the update stream (per-connection cursors, shard locks)
 *    and written like any other writer. `show peers` reads its counters as
 *    racy snapshots from other threads and never follows a connection.
 *  - Local changes are pushed every 100 ms in batches, data learned from a
 *    peer is never pushed again (stktable_touch_remote()), and `conn_cur`
 *    is sent but never applied (it counts this process's connections).
 *  - Bad input from the network closes that link only, with a log line
 *    naming the peer and the reason; the codec (peer_msg.h) is fuzzed.
 * Design: doc/internals/peers.md. Operators: doc/peers.md.
 */
#ifndef TOLLGATE_PEERS_H
#define TOLLGATE_PEERS_H

#include <tollgate/peers-t.h>

/* Every peers section, in declaration order (configuration, then read-only
 * but for each one's run-time fields).
 */
extern struct peers *peers_list;

/* Returns the peers section named <name>, or NULL. */
struct peers *peers_find(const char *name);

/* Resolves the sections after proxy_finalize_all(): the local peer, the
 * tables of each section (a table naming an unknown section is an error).
 * Reports problems through <report> like proxy_finalize_all(). Returns the
 * number of errors.
 */
int peers_finalize(void (*report)(void *arg, int is_err, const char *file, int line, const char *msg),
                   void *arg);

/* Opens the listeners and starts the peer tasks on worker thread 0. After
 * thread_setup(), before the workers run. <reloading>: this process
 * replaces an old one (-sf/-st), which teaches it the tables of every
 * section through the local peer before anyone else is asked. Returns 0
 * or <0 with a message in <err>.
 */
int peers_start(int reloading, char *err, size_t errlen);

/* Returns the shard of <ts>'s key, as HAProxy's show table prints it: 1..N
 * when <t> is shared by a section with `shards N`, else 0. Any thread (the
 * key is immutable; the sections are read-only once running).
 */
struct stksess;
unsigned int peers_entry_shard(const struct stktable *t, const struct stksess *ts);

/* Returns 1 if <t> is shared through a section with a local peer: on a
 * reload, the old process teaches it through that peer (HAProxy's way),
 * so the reload hand-over (handover.h) leaves it out.
 */
struct stktable;
int peers_table_taught(const struct stktable *t);

/* Returns 2 while the old process teaches a section, 1 while a section
 * waits for the old process to connect (at most its resync timeout), 0
 * when no section waits. Any thread.
 */
int peers_local_lesson_pending(void);

/* Old process of a reload (SIGUSR1): the sections stop listening, close
 * their remote links and teach the new process through the local peer.
 * Main thread.
 */
void peers_soft_stop(void);

/* Old process, once its last connection ended: returns 1 while the new
 * process is not taught or has not acknowledged every change yet (bounded
 * by a resync timeout when the link does not progress), 0 when the process
 * may leave. Call it again until it returns 0. Main thread.
 */
int peers_stop_busy(void);

/* Figures of one peer for `show peers` and the Prometheus exporter: racy
 * snapshots of thread 0's fields, any thread.
 */
struct peer_stats {
	int connected;                /* 1: the link is established */
	const char *status;           /* HAProxy's last_status: ESTA, CONN, RETR... */
	int64_t last_hello_ms;        /* age of the last successful handshake, -1: never */
	uint32_t reconnects;          /* handshakes that succeeded after the first */
	uint32_t proto_err;           /* protocol errors */
};

/* Fills <st> for <p>. */
void peer_get_stats(const struct peer *p, struct peer_stats *st);

/* Returns the local changes of <pt>'s table not sent to its peer yet (a
 * peer disconnected, back-pressured, or the next push not due), up to
 * PEER_UNSENT_MAX: a racy count from any thread, under the table's shard
 * locks.
 */
#define PEER_UNSENT_MAX 1000000U
uint32_t peer_table_unsent(struct peer_table *pt);

/* Returns what <pt>'s peer is missing: the updates sent and not
 * acknowledged yet plus the changes not sent yet (peer_table_unsent()),
 * and in <*lag_ms> the age of the oldest unacknowledged update (0 when
 * none).
 */
uint32_t peer_table_lag(struct peer_table *pt, uint32_t *lag_ms);

/* Frees every section (at exit, workers stopped). */
void peers_free_all(void);

#endif /* TOLLGATE_PEERS_H */
