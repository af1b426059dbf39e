/*
 * Idle server connections. See srv_idle.h.
 */
#include <errno.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include <tollgate/clock.h>
#include <tollgate/fd.h>
#include <tollgate/list.h>
#include <tollgate/pool.h>
#include <tollgate/proxy.h>
#include <tollgate/server-t.h>
#include <tollgate/server.h>
#include <tollgate/task.h>
#include <tollgate/sock.h>
#include <tollgate/srv_idle.h>
#include <tollgate/thread.h>
#include <tollgate/xprt.h>

struct idle_conn {
	int fd;                       /* the connection */
	const struct xprt_ops *xprt;  /* its transport (HTTP/2 to servers), NULL: raw */
	void *xprt_ctx;               /* the transport's context */
	struct server *srv;           /* its server */
	uint32_t since;               /* now_ms when parked */
	unsigned int addr_gen;        /* srv->addr_gen when parked */
	struct addr dst;              /* where it goes, if srv_addr_from_client(srv) */
	int safe;                     /* its latest request was not its first (srv_idle.h) */
	unsigned int *own_count;      /* a client's own (srv_idle_keep()): its count; NULL: the pool's */
	struct list link;             /* in srv->idle_conns[tid], newest first */
};

/* entries idle_sweep_ended() checks at most per parking */
#define SRV_IDLE_SWEEP_MAX 8

static struct pool_head *pool_idle;  /* set at start-up */

int srv_idle_init(void)
{
	if (!pool_idle)
		pool_idle = pool_create("idle_conn", sizeof(struct idle_conn), 0);
	return pool_idle ? 0 : -ENOMEM;
}

/* Closes idle server connection <fd>, abortively: nothing is in flight on
 * it, and a normal close by us would leave its source port in TIME_WAIT
 * for a minute (one per request in close mode, where each client's first
 * request opens a new connection and parking it closes the oldest: the
 * ports ran out and connect() slowed every request down).
 */
static void idle_fd_close(int fd, const struct xprt_ops *x, void *ctx)
{
	if (x)
		x->close(ctx);
	sock_set_nolinger(fd);
	fd_close_unshared(fd);
}

/* Forgets <ic> and closes its connection. Owner thread. */
static void idle_close(struct idle_conn *ic)
{
	list_del_init(&ic->link);
	if (ic->own_count) {
		(*ic->own_count)--;
		server_hold(&ic->srv, NULL);
	} else {
		ic->srv->idle_count[tid]--;
		atomic_fetch_sub_explicit(&ic->srv->idle_total, 1, memory_order_relaxed);
	}
	idle_fd_close(ic->fd, ic->xprt, ic->xprt_ctx);
	pool_free(pool_idle, ic);
}

/* Any event on an idle connection ends it: a close, an error, or bytes
 * that no request asked for.
 */
static void idle_iocb(int fd, unsigned int events, void *owner)
{
	idle_close(owner);
}

/* Names the handlers for `show fd`. */
__attribute__((constructor)) static void srv_idle_name_iocbs(void)
{
	fd_name_iocb(idle_iocb, "sock_conn_iocb", "idle");
}

/* Puts <fd> (to <srv> at <dst>, transport <x>, <ctx>; <safe>: its latest
 * request was not its first) at the head of
 * <head>: the pool's list (<own_count> NULL) or a client's own, whose
 * entries hold their server. Returns 1, or 0 with the connection closed
 * (no memory). The caller counts it.
 */
static int idle_add(struct list *head, unsigned int *own_count, struct server *srv,
                    const struct addr *dst, int safe, int fd, const struct xprt_ops *x, void *ctx)
{
	struct idle_conn *ic = pool_alloc(pool_idle);

	if (!ic) {
		idle_fd_close(fd, x, ctx);
		return 0;
	}
	ic->fd = fd;
	ic->xprt = x;
	ic->xprt_ctx = ctx;
	ic->srv = own_count ? NULL : srv;
	if (own_count)
		server_hold(&ic->srv, srv);
	ic->own_count = own_count;
	ic->safe = safe;
	ic->since = now_ms;
	ic->addr_gen = srv->addr_gen;
	if (srv_addr_from_client(srv))
		ic->dst = *dst;
	list_insert(head, &ic->link);
	fd_set_owner(fd, idle_iocb, ic);
	fd_set_events(fd, FD_EV_IN);
	return 1;
}

/* Updates the estimate of the connections <srv> needs once every
 * SRV_IDLE_MAX_AGE ms, as HAProxy's purge of idle connections does. Any
 * thread: relaxed atomics, a race only delays or repeats one update.
 */
static void idle_update_need(struct server *srv)
{
	uint32_t stamp = atomic_load_explicit(&srv->est_stamp, memory_order_relaxed);
	unsigned int est, used_max;

	if ((uint32_t)(now_ms - stamp) < SRV_IDLE_MAX_AGE ||
	    !atomic_compare_exchange_strong_explicit(&srv->est_stamp, &stamp, now_ms,
	                                             memory_order_relaxed, memory_order_relaxed))
		return;
	est = atomic_load_explicit(&srv->est_need, memory_order_relaxed);
	used_max = atomic_load_explicit(&srv->used_max, memory_order_relaxed);
	est = (est + used_max) / 2;
	if (est < used_max)
		est = used_max;
	atomic_store_explicit(&srv->est_need, est, memory_order_relaxed);
	atomic_store_explicit(&srv->used_max, atomic_load_explicit(&srv->cur_conns, memory_order_relaxed),
	                      memory_order_relaxed);
}

/* Closes the entries of this thread's list of <srv> that already ended:
 * the server closed or reset them, or sent bytes no request asked for,
 * and idle_iocb() has not run yet (its event waits in this very poller
 * batch, or the next). The oldest SRV_IDLE_SWEEP_MAX only, those servers
 * close first: a system call each, on a parking the rule would refuse.
 * Returns 1 if any went.
 */
static int idle_sweep_ended(struct server *srv)
{
	struct list *head = &srv->idle_conns[tid], *at = head->prev;
	int gone = 0;

	for (int n = 0; n < SRV_IDLE_SWEEP_MAX && at != head; n++) {
		struct idle_conn *ic = list_elem(at, struct idle_conn, link);
		char c;

		at = at->prev;
		if (recv(ic->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
		    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			continue;   /* nothing came: still idle */
		idle_close(ic);
		gone = 1;
	}
	return gone;
}

/* 1 if this thread's list of <srv> has no connection whose latest request
 * was not its first and (<is_safe> or the list is empty): HAProxy's first
 * clause.
 */
static int idle_thread_admits(struct server *srv, int is_safe)
{
	struct idle_conn *ic;
	int has_safe = 0;

	list_for_each(ic, &srv->idle_conns[tid], link)
		has_safe |= ic->safe;
	return !has_safe && (is_safe || list_empty(&srv->idle_conns[tid]));
}

/* 1 if the pool of <srv> takes one more connection (<is_safe>: its latest
 * request was not its first), by HAProxy's rule (srv_idle.h, Admission).
 * Connections the server already closed count for nothing: whether their
 * close was processed before this parking is a matter of timing (a server
 * closing its previous client's connection as it answers a new one, whose
 * connection was then refused and reset between two requests of an HTTP/2
 * client). Calling thread.
 */
static int idle_admits(struct server *srv, int is_safe)
{
	unsigned int used, idle, need;

	if (idle_thread_admits(srv, is_safe) ||
	    (idle_sweep_ended(srv) && idle_thread_admits(srv, is_safe)))
		return 1;
	/* the one being parked is still in use, as in HAProxy's count */
	used = atomic_load_explicit(&srv->cur_conns, memory_order_relaxed) + 1;
	idle = atomic_load_explicit(&srv->idle_total, memory_order_relaxed);
	need = atomic_load_explicit(&srv->est_need, memory_order_relaxed);
	return used + idle <= (used > need ? used : need);
}

void srv_idle_park(struct server *srv, const struct addr *dst, int is_safe, int fd,
                   const struct xprt_ops *x, void *ctx)
{
	struct idle_conn *ic;

	idle_update_need(srv);
	if (srv->pool_max_conn == 0 || (srv->flags & (SRV_F_MAINT | SRV_F_RMAINT)) ||
	    !idle_admits(srv, is_safe)) {
		/* pool-max-conn 0: no reuse; maintenance: none kept; more
		 * than the traffic needs
		 */
		idle_fd_close(fd, x, ctx);
		return;
	}
	if (srv->pool_max_conn > 0 &&
	    atomic_load_explicit(&srv->idle_total, memory_order_relaxed) >= (unsigned int)srv->pool_max_conn &&
	    !srv->idle_count[tid]) {
		idle_fd_close(fd, x, ctx);   /* the other threads hold the pool-max-conn */
		return;
	}
	if (srv->idle_count[tid] >= SRV_IDLE_MAX ||
	    (srv->pool_max_conn > 0 &&
	     atomic_load_explicit(&srv->idle_total, memory_order_relaxed) >= (unsigned int)srv->pool_max_conn)) {
		/* the oldest is last */
		ic = list_elem(srv->idle_conns[tid].prev, struct idle_conn, link);
		idle_close(ic);
	}
	if (!idle_add(&srv->idle_conns[tid], NULL, srv, dst, is_safe, fd, x, ctx))
		return;
	srv->idle_count[tid]++;
	atomic_fetch_add_explicit(&srv->idle_total, 1, memory_order_relaxed);
}

int srv_idle_take(struct server *srv, const struct addr *dst, const struct xprt_ops **x, void **ctx)
{
	struct idle_conn *ic;

	list_for_each(ic, &srv->idle_conns[tid], link) {
		int fd = ic->fd;

		if ((uint32_t)(now_ms - ic->since) > SRV_IDLE_MAX_AGE || ic->addr_gen != srv->addr_gen) {
			/* too old, or to a former address of the server (`set
			 * server addr`): so are the older ones after it
			 */
			while (ic->link.next != &srv->idle_conns[tid])
				idle_close(list_elem(ic->link.next, struct idle_conn, link));
			idle_close(ic);
			return -1;
		}
		if (srv_addr_from_client(srv) && addr_cmp(&ic->dst, dst) != 0)
			continue;   /* to another client's destination */
		list_del_init(&ic->link);
		srv->idle_count[tid]--;
		atomic_fetch_sub_explicit(&srv->idle_total, 1, memory_order_relaxed);
		*x = ic->xprt;
		*ctx = ic->xprt_ctx;
		pool_free(pool_idle, ic);
		return fd;
	}
	return -1;
}

void srv_idle_keep(struct list *own, unsigned int *count, struct server *srv, const struct addr *dst,
                   int fd, const struct xprt_ops *x, void *ctx)
{
	if (*count >= SRV_IDLE_OWN_MAX)   /* the oldest is last */
		idle_close(list_elem(own->prev, struct idle_conn, link));
	if (idle_add(own, count, srv, dst, 0, fd, x, ctx))
		(*count)++;
}

int srv_idle_take_own(struct list *own, struct server *srv, const struct addr *dst,
                      const struct xprt_ops **x, void **ctx)
{
	struct idle_conn *ic, *next;

	list_for_each_safe(ic, next, own, link) {
		int fd = ic->fd;

		if (ic->srv != srv || (srv_addr_from_client(srv) && addr_cmp(&ic->dst, dst) != 0))
			continue;
		if ((uint32_t)(now_ms - ic->since) > SRV_IDLE_MAX_AGE || ic->addr_gen != srv->addr_gen ||
		    (srv->flags & (SRV_F_MAINT | SRV_F_RMAINT))) {
			idle_close(ic);   /* stale, or to a server now elsewhere or off */
			continue;
		}
		*x = ic->xprt;
		*ctx = ic->xprt_ctx;
		ic->fd = -1;
		ic->xprt = NULL;
		list_del_init(&ic->link);
		(*ic->own_count)--;
		server_hold(&ic->srv, NULL);
		pool_free(pool_idle, ic);
		return fd;
	}
	return -1;
}

void srv_idle_drop_own(struct list *own)
{
	while (!list_empty(own))
		idle_close(list_elem(own->next, struct idle_conn, link));
}

/* Runs once on its thread: closes that thread's idle connections to
 * servers in maintenance, then frees itself.
 */
static void purge_maint_fn(struct tasklet *tl, void *ctx, unsigned int state)
{
	for (struct proxy *px = proxies_list; px; px = px->next) {
		for (struct server *srv = px->srv; srv; srv = srv->next) {
			if (!(srv->flags & (SRV_F_MAINT | SRV_F_RMAINT)))
				continue;
			while (!list_empty(&srv->idle_conns[tid]))
				idle_close(list_elem(srv->idle_conns[tid].next, struct idle_conn, link));
		}
	}
	tasklet_free(tl);
}

void srv_idle_purge_maint(void)
{
	/* no worker, no idle connection (and nobody to run the tasklets) */
	if (!thread_running())
		return;
	for (int t = 0; t < thread_count; t++) {
		struct tasklet *tl = tasklet_new(t, purge_maint_fn, NULL, "idle_purge");

		if (tl)
			tasklet_wakeup(tl);
	}
}
