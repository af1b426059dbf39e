/*
 * Idle HTTP connections to servers, kept per thread for reuse by any
 * stream of that thread (HAProxy's `http-reuse safe`: a connection that
 * served a request, whose server allowed keep-alive, goes back to a pool
 * when its stream no longer needs it, and the next request for that server
 * on the same thread takes it instead of connecting).
 *
 * Ownership: each thread has its own list per server (server-t.h); only
 * that thread parks, takes or closes its entries, so there is no lock. A
 * parked fd stays registered on the thread's poller with a handler of this
 * module that closes it on any event (the server closed it, or sent bytes
 * nobody asked for).
 *
 * Limits: at most SRV_IDLE_MAX connections per server and thread (parking
 * one more closes the oldest); a connection idle for more than
 * SRV_IDLE_MAX_AGE ms is closed rather than reused, so that a server's own
 * keep-alive timeout is unlikely to close it under a new request.
 * Connections carrying a PROXY protocol header (send-proxy) are private to
 * their client and never parked. A server that takes each client's
 * destination (address 0.0.0.0, no port: srv_addr_from_client()) has
 * connections to many places: each is parked with the address it goes to
 * (<dst>) and only taken for that one.
 *
 * Admission (HAProxy's srv_add_to_idle_list()): a connection whose latest
 * request was not its first is "safe", the others "idle". One is kept if
 * the thread's pool of that server holds no safe one and (it is safe or
 * the pool is empty), or if the server's used connections plus its pooled
 * ones stay within the estimated need (est_need, at least the used ones):
 * a connection beyond what the traffic has shown it needs is closed. The
 * estimate follows HAProxy's purge: every SRV_IDLE_MAX_AGE ms (on the next
 * parking), est_need becomes the mean of itself and the highest use seen
 * since (used_max), at least that highest use. Entries the server has
 * already closed (their event not handled yet) are dropped before the rule
 * refuses one: they count for nothing, whatever the timing.
 */
#ifndef TOLLGATE_SRV_IDLE_H
#define TOLLGATE_SRV_IDLE_H

struct addr;
struct list;
struct server;
struct xprt_ops;

#define SRV_IDLE_MAX      64      /* per server and thread */
#define SRV_IDLE_MAX_AGE  5000    /* ms, as HAProxy's pool-purge-delay */
#define SRV_IDLE_OWN_MAX  10      /* per client, as HAProxy's max-session-srv-conns */

/* Creates the pool of idle entries. Start-up. Returns 0 or -ENOMEM. */
int srv_idle_init(void);

/* Parks <fd>, a connected socket to <srv> registered on the calling thread,
 * with nothing pending in either direction, and its transport (<x>, <ctx>)
 * (NULL: raw; an HTTP/2 connection's context, mux_h2_be.h); <is_safe>: its
 * latest request was not its first. Takes ownership of both: kept, or
 * closed if they cannot be (see Admission above). Calling thread only.
 */
void srv_idle_park(struct server *srv, const struct addr *dst, int is_safe, int fd,
                   const struct xprt_ops *x, void *ctx);

/* Takes the most recently parked connection to <srv> of the calling
 * thread, still registered on its poller (the caller sets its handler with
 * fd_set_owner() and its events), and its transport into *<x>, *<ctx>.
 * Returns the fd, or -1 if none is usable.
 */
int srv_idle_take(struct server *srv, const struct addr *dst, const struct xprt_ops **x, void **ctx);

/* `http-reuse never`: a client's server connections are its own. Keeps
 * <fd> (as srv_idle_park(), to <srv> at <dst>) in the client's list <own>
 * of <*count> entries (at most SRV_IDLE_OWN_MAX: the oldest is closed), so
 * that a later request of that client to the same place takes it back with
 * srv_idle_take_own(). Owner thread of the client's stream.
 */
void srv_idle_keep(struct list *own, unsigned int *count, struct server *srv, const struct addr *dst,
                   int fd, const struct xprt_ops *x, void *ctx);
/* Takes from <own> a connection to <srv> (and <dst> for a server taking
 * the client's destination), as srv_idle_take(). Returns the fd or -1.
 */
int srv_idle_take_own(struct list *own, struct server *srv, const struct addr *dst,
                      const struct xprt_ops **x, void **ctx);
/* Closes every connection of <own> (the client leaves). */
void srv_idle_drop_own(struct list *own);
/* Closes, on each thread, the idle connections to every server in
 * maintenance (as HAProxy does when a server enters maintenance; `del
 * server` needs none left). Asynchronous: each thread's tasklet does its
 * own. Any thread.
 */
void srv_idle_purge_maint(void);

#endif /* TOLLGATE_SRV_IDLE_H */
