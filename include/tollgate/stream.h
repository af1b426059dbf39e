/*
 * Streams: one client connection, its server connection, and the two
 * channels carrying bytes between them (TCP mode).
 *
 * Ownership: a stream, its fds, buffers, pipes and task belong to the
 * worker that accepted the client connection, for their whole life; only
 * that thread touches them (no lock). Other threads reach a stream only
 * through its task: a backend's queue (under the backend's queue_lock)
 * wakes a queued stream when a server slot frees up, doing so under that
 * lock, which the stream also takes before it leaves the queue or dies.
 *
 * Life: accepted -> backend chosen -> server picked (or queued) ->
 * connecting (retries, redispatch) -> established (forwarding both ways,
 * half-closes propagated) -> closed when both directions are shut, on an
 * error, on a timeout, or when the admin socket asks (`shutdown session`).
 *
 * Registry: each thread keeps the list of its live streams (owner only, no
 * lock). The admin socket reads all lists under thread isolation
 * (stream_snapshot(): every other worker is parked outside stream code, so
 * the lists are stable), and asks a stream to close by setting its
 * kill_req flag and waking its task, still under isolation so the stream
 * cannot be freed meanwhile; the owner thread closes it on its next run.
 */
#ifndef TOLLGATE_STREAM_H
#define TOLLGATE_STREAM_H

#include <stdint.h>

#include <tollgate/addr.h>
#include <tollgate/proxy-t.h>

struct stream;

/* Creates a stream on the calling worker for the accepted client socket
 * <fd> from <peer>, on listener <li>. Takes ownership of <fd> (closed on
 * failure). Returns 0 or -ENOMEM.
 */
int stream_accept(struct listener *li, int fd, const struct addr *peer);

/* Stores in <a> the address the client of <s> reached: the one its PROXY
 * header announced, else the socket's local address. Returns 0, or -1 when
 * neither is known. Stream's thread.
 */
int stream_local_addr(const struct stream *s, struct addr *a);

struct side;
struct xprt_ops;

/* The side of the client connection of <s>: s->cli itself, or for a
 * stream of a mux (HTTP/2) the connection carrying it, whose fd and
 * transport (TLS) fetches and logs look at. Stream's thread.
 */
const struct side *stream_cli_conn(const struct stream *s);

/* The same for the server side: s->srvside, or for a stream of an HTTP/2
 * server connection (mux_h2_be.h) that connection.
 */
const struct side *stream_srv_conn(const struct stream *s);

/* Creates the stream of one request of a multiplexed client connection
 * (h2_fe.c) accepted on <li> from <peer>, reaching <dst>: its client side
 * has no socket (fd -1) and moves its bytes through <xprt>/<ctx>, the
 * mux's per-stream transport; <t_hs> is the connection's TLS handshake
 * time (%Th); <nb_req> the requests the connection carried before (its
 * first request is the session's first: `http-reuse safe`). The
 * connection was counted as one session and its
 * `tcp-request connection` and `session` rules ran once: the stream counts
 * a request only. It is woken to read its request at once. Returns it, or
 * NULL (no memory). Calling thread.
 */
struct stream *stream_new_mux(struct listener *li, const struct addr *peer, const struct addr *dst,
                              const struct xprt_ops *xprt, void *ctx, int32_t t_hs, unsigned int nb_req);

/* For a client connection a mux serves (no stream of its own), runs the
 * frontend's `tcp-request connection` and then `tcp-request session` rules
 * once, on a scratch stream standing for the connection, with the socket
 * <fd> from <peer>. Returns 0, or -1 when they reject it (counted). The
 * counters they track move to <keep> (zeroed by the caller), which holds
 * them for the connection's life and ends with stkctr_release_all() (see
 * doc/internals/mux.md).
 */
struct stkctrs;
int stream_mux_session_rules(struct listener *li, int fd, const struct addr *peer, struct stkctrs *keep);

/* Counts (<delta> 1) or uncounts (-1) a mux connection among the live
 * streams, so that a soft stop waits for it (stream_count()).
 */
void stream_count_conn(int delta);

/* The timeouts in force for <s>, in ms (0: none): a `set-timeout` of the
 * current transaction, else the backend's (the frontend's for client, and
 * for tarpit before a backend is chosen), queue and tarpit falling back to
 * `timeout connect` as in HAProxy. Stream's thread.
 */
unsigned int strm_client_timeout(const struct stream *s);
unsigned int strm_server_timeout(const struct stream *s);
unsigned int strm_tunnel_timeout(const struct stream *s);
unsigned int strm_connect_timeout(const struct stream *s);
unsigned int strm_queue_timeout(const struct stream *s);
unsigned int strm_tarpit_timeout(const struct stream *s);

/* Creates the pools streams use. Start-up, before workers run. */
int stream_init(void);

/* Streams alive on all threads (racy snapshot). */
unsigned int stream_count(void);

/* The next value of the process-wide request counter (HAProxy's
 * global.req_count): each stream takes one, and each request of a
 * keep-alive connection after its first, as each is a stream in HAProxy
 * (uniq_id: %rt, txn.id32, `show sess`).
 */
unsigned int strm_next_uniq_id(void);

struct stream_info;
struct stream_detail;

/* Fills <out> (room for <max>) with a snapshot of every live stream of
 * every thread, under thread isolation taken here (call it from a worker
 * or the main thread, holding no lock). Returns the number of live
 * streams, which may exceed <max> (only <max> are written: retry larger).
 * Cost: one isolation, O(streams).
 */
int stream_snapshot(struct stream_info *out, int max);

/* Same, with each info's <d> pointing to <details> (room for <max> too)
 * filled with the long form (addresses asked to the sockets: a system
 * call per side). <only>, if not NULL, restricts it to that stream.
 */
int stream_snapshot_detail(struct stream_info *out, struct stream_detail *details, int max,
			   const void *only);

/* Asks the live stream identified by <ptr> (from stream_snapshot()) to
 * close on its own thread, under isolation taken here. Its termination
 * state reads 'K' (killed). Returns 0, or -ENOENT if no live stream has
 * that identity (it may have ended meanwhile).
 */
int stream_shutdown(const void *ptr);

/* Kills the streams holding a slot of <srv> (`on-marked-down
 * shutdown-sessions`, <why> 'D'), or with <backups>, those of the backup
 * servers of its backend (`on-marked-up shutdown-backup-sessions`, 'U'):
 * they end with the termination code <why>. Any thread, isolated or not.
 * Returns the number of streams asked to end.
 */
int stream_shutdown_server(const struct server *srv, int backups, int why);

/* Called by a backend when one of its servers frees a slot: wakes the
 * oldest queued stream, if any. Any thread.
 */
void stream_dequeue(struct proxy *be);

#endif /* TOLLGATE_STREAM_H */
