/*
 * Listeners. See listener.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>
#include <unistd.h>

#include <tollgate/clock.h>
#include <tollgate/counters.h>
#include <tollgate/fd.h>
#include <tollgate/freq_ctr.h>
#include <tollgate/global.h>
#include <tollgate/isolate.h>
#include <tollgate/listener.h>
#include <tollgate/log.h>
#include <tollgate/proxy.h>
#include <tollgate/sock.h>
#include <tollgate/mux_h2.h>
#include <tollgate/stream.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>

/* Connections accepted per wakeup of a listener, so that one busy listener
 * does not starve the rest of the loop.
 */
#define ACCEPT_BURST 64

/* Delay before accepting again after a descriptor or memory shortage
 * (EMFILE, ENFILE, ENOBUFS): HAProxy's 100 ms. Descriptors may come back
 * without a connection ending (a check, a pipe, an admin session), so the
 * pause must not wait for one only.
 */
#define ACCEPT_SHORTAGE_RETRY_MS 100

/* Per-thread control of the thread's listener sockets. */
struct li_thread {
	struct tasklet *ctl;             /* applies the wanted state */
	struct task *retry;              /* lifts a shortage pause after a delay */
	int limited;                     /* sockets paused by a connection limit */
	uint32_t next_warn;              /* tick before which a shortage is not logged again */
	int applied;                     /* state applied to the sockets */
} CACHE_ALIGNED;

static struct li_thread li_threads[MAX_THREADS];
static _Atomic int wanted_state;             /* enum listeners_state */
static _Atomic unsigned long limited_mask;   /* threads paused at a limit */
static _Atomic unsigned int actconn;         /* process-wide connections */
static _Atomic uint64_t cumconn[MAX_THREADS]; /* per thread, relaxed stores */

/* Per-thread connection and session rates over one second, written by
 * their thread only (no shared write on accept), summed by readers.
 */
struct li_rates {
	struct freq_ctr conn;        /* connections accepted */
	struct freq_ctr sess;        /* streams started */
	unsigned int accepts;        /* accepts, for spacing rate_max_update() */
} CACHE_ALIGNED;

static struct li_rates li_rates[MAX_THREADS];

/* Highest process-wide rates seen (MaxConnRate, MaxSessRate of `show
 * info`), and the times an accept made the process reach its maxconn.
 */
static _Atomic unsigned int rate_max[2];
static _Atomic unsigned int maxconn_reached;

unsigned int listeners_rate(int sessions)
{
	uint32_t now = clock_ticks();
	unsigned int sum = 0;

	for (int t = 0; t < MAX_THREADS; t++)
		sum += freq_ctr_read(sessions ? &li_rates[t].sess : &li_rates[t].conn, 1000, now);
	return sum;
}

/* Raises the recorded maximum of rate <sessions> to its current value.
 * Reading the rate sums every thread's counter, so the accept path calls
 * it only while its own rate is low (cheap) or on one accept of 16 (the
 * maximum then lags by a few connections at most).
 */
static void rate_max_update(int sessions)
{
	unsigned int r = listeners_rate(sessions);
	unsigned int m = atomic_load_explicit(&rate_max[sessions], memory_order_relaxed);

	while (r > m && !atomic_compare_exchange_weak_explicit(&rate_max[sessions], &m, r, memory_order_relaxed,
	                                                      memory_order_relaxed))
		;
}

unsigned int listeners_rate_max(int sessions)
{
	rate_max_update(sessions);
	return atomic_load_explicit(&rate_max[!!sessions], memory_order_relaxed);
}

unsigned int listeners_maxconn_reached(void)
{
	return atomic_load_explicit(&maxconn_reached, memory_order_relaxed);
}

int listeners_stopping(void)
{
	return atomic_load(&wanted_state) == LI_STOPPED;
}

unsigned int listeners_count(void)
{
	unsigned int n = 0;

	if (listeners_stopping())
		return 0; /* a soft stop closed them */
	for (const struct proxy *px = proxies_list; px; px = px->next) {
		if (!(px->cap & PR_CAP_FE) || px->disabled)
			continue;
		for (const struct list *e = px->listeners.next; e != &px->listeners; e = e->next)
			n++;
	}
	return n;
}

/* Listening sockets received from an old process (listeners_inherit()),
 * main thread only, until listeners_bind_all() has used or closed them.
 */
static int *inherited_fds;                   /* -1 once used or closed */
static int inherited_n;                      /* entries in <inherited_fds> */
static unsigned int reused_count;            /* sockets taken over */

unsigned int listeners_reused(void)
{
	return reused_count;
}

int listeners_inherit(const int *fds, int n)
{
	int *a = n > 0 ? malloc(sizeof(*a) * (size_t)n) : NULL;

	if (n > 0 && !a) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		a[i] = fds[i];
	free(inherited_fds);
	inherited_fds = a;
	inherited_n = n;
	return 0;
}

/* Returns 1 if socket <fd> is bound to the address of <l>, 0 otherwise. */
static int inherited_matches(int fd, const struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const struct sockaddr_storage *want = &l->addr.ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 || ss.ss_family != want->ss_family)
		return 0;
	switch (ss.ss_family) {
	case AF_INET: {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
		const struct sockaddr_in *b = (const struct sockaddr_in *)want;

		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
		const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)want;

		return a->sin6_port == b->sin6_port && !memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr));
	}
	case AF_UNIX: {
		const struct sockaddr_un *a = (const struct sockaddr_un *)&ss;
		const struct sockaddr_un *b = (const struct sockaddr_un *)want;
		size_t max = sizeof(a->sun_path);

		if (a->sun_path[0] || b->sun_path[0]) /* paths */
			return !strncmp(a->sun_path, b->sun_path, max);
		/* abstract names: the lengths count the name */
		return len == l->addr.len && !memcmp(a->sun_path, b->sun_path, len - offsetof(struct sockaddr_un, sun_path));
	}
	default:
		return 0;
	}
}

/* Takes an inherited socket bound to <l>'s address, or returns -1. */
static int take_inherited(const struct listener *l)
{
	if (l->addr.kind != ADDR_INET && l->addr.kind != ADDR_UNIX)
		return -1;
	for (int i = 0; i < inherited_n; i++) {
		int fd = inherited_fds[i];

		if (fd >= 0 && inherited_matches(fd, l)) {
			inherited_fds[i] = -1;
			return fd;
		}
	}
	return -1;
}

/* Closes the inherited sockets no listener took. */
static void close_inherited(void)
{
	for (int i = 0; i < inherited_n; i++)
		if (inherited_fds[i] >= 0)
			close(inherited_fds[i]);
	free(inherited_fds);
	inherited_fds = NULL;
	inherited_n = 0;
}

unsigned int listeners_actconn(void)
{
	return atomic_load_explicit(&actconn, memory_order_relaxed);
}

uint64_t listeners_cumconn(void)
{
	uint64_t sum = 0;

	for (int i = 0; i < MAX_THREADS; i++)
		sum += atomic_load_explicit(&cumconn[i], memory_order_relaxed);
	return sum;
}

static unsigned long li_mask(const struct listener *l)
{
	unsigned long m = l->thread_mask ? l->thread_mask & all_threads_mask : all_threads_mask;

	return m ? m : 1;
}

int listeners_bind_all(char *err, size_t errlen)
{
	char why[SOCK_ERRLEN], addr[ADDR_STRLEN];

	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct listener *l;

		if (!(px->cap & PR_CAP_FE) || px->disabled)
			continue;
		list_for_each(l, &px->listeners, list) {
			unsigned long mask = li_mask(l);
			/* per-thread sockets need SO_REUSEPORT, which
			 * `noreuseport` turns off
			 */
			int per_thread = l->addr.kind == ADDR_INET && !global.noreuseport;
			int shards = l->shards ? l->shards : thread_count;
			int created[MAX_THREADS];    /* sockets opened, in order */
			int ncreated = 0, n = 0;

			for (int t = 0; t < thread_count; t++) {
				struct sock_opts o = l->sopts;
				int fd;

				o.md5sig = l->tcp_md5sig[0] ? l->tcp_md5sig : NULL;
				if (!(mask & (1UL << t)))
					continue;
				if (n && (!per_thread || n >= shards)) {
					/* Threads beyond the shards (and every thread
					 * of a unix or fd@ bind) share a socket: each
					 * polls its own duplicate, and the kernel hands
					 * a connection to one of the accepters.
					 */
					fd = fcntl(created[n % ncreated], F_DUPFD_CLOEXEC, 0);
					if (fd < 0) {
						addr_format(&l->addr, addr, sizeof(addr));
						snprintf(err, errlen, "Starting %s %s: cannot duplicate socket [%s] for thread %d (%s) declared at %s:%d",
						         proxy_kind(px), px->id, addr, t + 1, strerror(errno), l->conf_file, l->conf_line);
						close_inherited();
						listeners_close_all();
						return -errno;
					}
					l->fds[t] = fd;
					l->nfds++;
					n++;
					continue;
				}
				if (per_thread)
					o.flags |= SOCK_O_REUSEPORT;
				fd = take_inherited(l);
				if (fd >= 0) {
					/* the old process's socket: it never closes */
					addr_format(&l->addr, addr, sizeof(addr));
					log_notice("Proxy %s: reusing listening socket %s (fd %d) from the old process.",
					           px->id, addr, fd);
					reused_count++;
				} else {
					fd = sock_listen(&l->addr, &o, why, sizeof(why));
				}
				if (fd < 0) {
					addr_format(&l->addr, addr, sizeof(addr));
					snprintf(err, errlen, "Starting %s %s: cannot bind socket (%s) [%s] declared at %s:%d",
					         proxy_kind(px), px->id, why, addr, l->conf_file, l->conf_line);
					close_inherited();
					listeners_close_all();
					return fd;
				}
				/* accepted sockets inherit TCP_NODELAY from the
				 * listening one, which saves a system call per
				 * connection; fails harmlessly on a unix socket
				 */
				sock_set_nodelay(fd, 1);
				l->fds[t] = fd;
				l->nfds++;
				created[ncreated++] = fd;
				n++;
			}
		}
	}
	close_inherited();
	return 0;
}

/* Returns 1 if accepting one more connection on <l> would exceed a limit. */
static int over_limit(struct listener *l)
{
	struct proxy *fe = l->fe;

	return (global.maxconn && atomic_load(&actconn) >= global.maxconn) ||
	       (fe->maxconn && atomic_load(&fe->feconn) >= fe->maxconn) ||
	       (l->maxconn && atomic_load(&l->nbconn) >= l->maxconn);
}

/* Returns the milliseconds to wait before accepting again if the process
 * is at its connection or session rate limit (maxconnrate, maxsessrate),
 * else 0.
 */
static unsigned int rate_wait(void)
{
	unsigned int lim[2] = { atomic_load_explicit(&global.maxconnrate, memory_order_relaxed),
	                        atomic_load_explicit(&global.maxsessrate, memory_order_relaxed) };
	unsigned int wait = 0;

	for (int i = 0; i < 2; i++) {
		if (lim[i] && listeners_rate(i) >= lim[i]) {
			unsigned int w = 1000 / lim[i];

			if (w < 1)
				w = 1;
			if (w > wait)
				wait = w;
		}
	}
	return wait;
}

/* Accepts on one socket of <l>, owned by this thread. */
static void accept_iocb(int fd, unsigned int events, void *owner)
{
	struct listener *l = owner;
	struct proxy *fe = l->fe;

	if (atomic_load(&fe->paused)) {
		fd_set_events(fd, 0);   /* an event from before the pause: li_ctl() re-arms it */
		return;
	}
	for (int i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct addr peer;
		int cfd;

		unsigned int wait = rate_wait();

		if (wait) {
			/* at a rate limit: the clients wait in the backlog */
			fd_set_events(fd, 0);
			li_threads[tid].limited = 1;
			atomic_fetch_or(&limited_mask, tid_bit);
			task_schedule(li_threads[tid].retry, tick_add(now_ms, wait));
			return;
		}
		if (over_limit(l)) {
			/* At a limit: stop polling until a connection ends.
			 * The bit is published before the re-check and
			 * listener_release_slot() decrements before reading
			 * the mask (seq_cst), so a slot freed meanwhile is
			 * never missed.
			 */
			fd_set_events(fd, 0);
			li_threads[tid].limited = 1;
			atomic_fetch_or(&limited_mask, tid_bit);
			if (!over_limit(l))
				tasklet_wakeup(li_threads[tid].ctl);
			return;
		}
		cfd = sock_accept(fd, &ss, &len);
		if (cfd >= 0)
			thread_stat_add(&thread_stats(tid)->accepted, 1);
		if (cfd < 0) {
			switch (sock_accept_classify(cfd)) {
			case SOCK_ACC_DONE:
				return;
			case SOCK_ACC_RETRY:
				continue;
			case SOCK_ACC_FATAL:
				log_alert("Proxy %s: listener socket error, accept() said: %s; no longer accepting on it.",
				          fe->id, strerror(-cfd));
				fd_set_events(fd, 0);
				return;
			default:
				/* fd or memory shortage: back off until a
				 * connection ends or the retry delay passes;
				 * the client waits in the backlog meanwhile.
				 */
				if (!tick_isset(li_threads[tid].next_warn) || tick_is_expired(li_threads[tid].next_warn, now_ms)) {
					li_threads[tid].next_warn = tick_add(now_ms, 1000);
					log_warning("Proxy %s: accept() failed: %s (maxsock %u, ulimit-n %u); pausing the listener, retrying every %d ms.",
					            fe->id, strerror(-cfd), global.maxsock, global.ulimit_n, ACCEPT_SHORTAGE_RETRY_MS);
				}
				fd_set_events(fd, 0);
				li_threads[tid].limited = 1;
				atomic_fetch_or(&limited_mask, tid_bit);
				task_schedule(li_threads[tid].retry, tick_add(now_ms, ACCEPT_SHORTAGE_RETRY_MS));
				return;
			}
		}
		if (atomic_fetch_add_explicit(&actconn, 1, memory_order_relaxed) + 1 == global.maxconn)
			atomic_fetch_add_explicit(&maxconn_reached, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&l->nbconn, 1, memory_order_relaxed);
		counter_add(&cumconn[tid], 1);
		counter_add(&fe->ctr[tid].cum_conn, 1);
		freq_ctr_add(&fe->ctr[tid].conn_per_sec, 1000, 1, now_ms);
		freq_ctr_add(&li_rates[tid].conn, 1000, 1, now_ms);
		if (addr_from_sa(&peer, (struct sockaddr *)&ss, len) < 0)
			memset(&peer, 0, sizeof(peer));
		if (stream_accept(l, cfd, &peer) == 0)
			freq_ctr_add(&li_rates[tid].sess, 1000, 1, now_ms);
		if (!(++li_rates[tid].accepts & 15) || freq_ctr_read(&li_rates[tid].conn, 1000, now_ms) < 16) {
			rate_max_update(0);
			rate_max_update(1);
		}
	}
}

/* Names the handlers for `show fd`. */
__attribute__((constructor)) static void listener_name_iocbs(void)
{
	fd_name_iocb(accept_iocb, "sock_accept_iocb", "listener");
}

void listeners_recheck_limits(void)
{
	unsigned long mask = atomic_load(&limited_mask);

	while (mask) {
		int t = __builtin_ctzl(mask);

		mask &= mask - 1;
		if (li_threads[t].ctl)
			tasklet_wakeup(li_threads[t].ctl);
	}
}

void listener_release_slot(struct listener *li)
{
	atomic_fetch_sub(&li->nbconn, 1);
	atomic_fetch_sub(&actconn, 1);
	listeners_recheck_limits();
}

/* Applies the wanted state to this thread's listener sockets, and lifts a
 * connection-limit pause.
 */
static void li_ctl(struct tasklet *tl, void *ctx, unsigned int state)
{
	struct li_thread *lt = &li_threads[tid];
	int want = atomic_load(&wanted_state);

	atomic_fetch_and(&limited_mask, ~tid_bit);
	lt->limited = 0;
	if (lt->applied == LI_STOPPED)
		return;
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct listener *l;

		if (!(px->cap & PR_CAP_FE))
			continue;
		list_for_each(l, &px->listeners, list) {
			int fd = l->fds[tid];

			if (fd < 0 || !fdtab[fd].iocb)
				continue;
			if (want == LI_STOPPED) {
				/* Take what the kernel already queued for us
				 * before closing: on a reload the new process
				 * listens beside us, and connections left in our
				 * backlog would be reset by the close.
				 */
				accept_iocb(fd, FD_EV_IN, l);
				fd_delete(fd);
				l->fds[tid] = -1;
			} else {
				fd_set_events(fd, want == LI_RUNNING && !atomic_load(&px->paused) ? FD_EV_IN : 0);
			}
		}
	}
	lt->applied = want;
	if (want == LI_STOPPED)
		h2c_soft_stop();   /* HTTP/2 clients get their GOAWAY */
}

/* The shortage retry delay passed: accept again. */
static struct task *li_retry(struct task *t, void *ctx, unsigned int state)
{
	task_set_expire(t, TICK_ETERNITY);
	if (li_threads[tid].limited)
		tasklet_wakeup(li_threads[tid].ctl);
	return t;
}

int listeners_start(int paused)
{
	for (int t = 0; t < thread_count; t++) {
		li_threads[t].ctl = tasklet_new(t, li_ctl, NULL, "listener_ctl");
		li_threads[t].retry = task_new(1UL << t, li_retry, NULL, "listener_retry");
		if (!li_threads[t].ctl || !li_threads[t].retry)
			return -ENOMEM;
		li_threads[t].applied = paused ? LI_PAUSED : LI_RUNNING;
		li_threads[t].limited = 0;
	}
	atomic_store(&wanted_state, paused ? LI_PAUSED : LI_RUNNING);
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct listener *l;

		if (!(px->cap & PR_CAP_FE))
			continue;
		list_for_each(l, &px->listeners, list) {
			for (int t = 0; t < thread_count; t++) {
				int ret;

				if (l->fds[t] < 0)
					continue;
				ret = fd_insert(l->fds[t], t, accept_iocb, l, paused ? 0 : FD_EV_IN);
				if (ret < 0)
					return ret;
			}
		}
	}
	return 0;
}

/* Shuts (<pause>) or re-listens the TCP sockets of <fe>. Returns 0 or
 * -errno of the first listen() that fails. Under isolation.
 */
static int frontend_sockets(struct proxy *fe, int pause)
{
	struct listener *l;
	int ret = 0;

	list_for_each(l, &fe->listeners, list) {
		if (l->addr.kind != ADDR_INET)
			continue;
		for (int t = 0; t < MAX_THREADS; t++) {
			int fd = l->fds[t];

			/* a socket shared by threads is listed once per thread */
			for (int u = 0; u < t && fd >= 0; u++)
				if (l->fds[u] == fd)
					fd = -1;
			if (fd < 0)
				continue;
			if (pause)
				shutdown(fd, SHUT_RD);
			else if (listen(fd, l->sopts.backlog > 0 ? l->sopts.backlog : SOCK_DEFAULT_BACKLOG) < 0 && !ret)
				ret = -errno;
		}
	}
	return ret;
}

int listeners_pause_frontend(struct proxy *fe, int pause)
{
	int ret;

	if (atomic_load(&fe->paused) == pause)
		return -EALREADY;
	thread_isolate();
	ret = frontend_sockets(fe, pause);
	if (!ret)
		atomic_store(&fe->paused, pause);
	thread_release();
	if (ret < 0) {
		log_alert("Failed to resume frontend %s: listen() said: %s.", fe->id, strerror(-ret));
		return ret;
	}
	log_warning("%s frontend %s.", pause ? "Paused" : "Resumed", fe->id);
	for (int t = 0; t < thread_count; t++)
		if (li_threads[t].ctl)
			tasklet_wakeup(li_threads[t].ctl);
	return 0;
}

void listeners_set_state(enum listeners_state state)
{
	atomic_store(&wanted_state, (int)state);
	for (int t = 0; t < thread_count; t++)
		if (li_threads[t].ctl)
			tasklet_wakeup(li_threads[t].ctl);
}

void listeners_close_all(void)
{
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct listener *l;

		if (!(px->cap & PR_CAP_FE))
			continue;
		list_for_each(l, &px->listeners, list) {
			for (int t = 0; t < MAX_THREADS; t++) {
				int fd = l->fds[t];

				if (fd < 0)
					continue;
				if (fdtab && fd < fd_max && fdtab[fd].iocb)
					fd_remove(fd);
				close(fd);   /* fd@N: a duplicate, N stays open */
				l->fds[t] = -1;
			}
			l->nfds = 0;
		}
	}
	for (int t = 0; t < MAX_THREADS; t++) {
		if (li_threads[t].ctl)
			tasklet_free(li_threads[t].ctl);
		if (li_threads[t].retry)
			task_destroy(li_threads[t].retry);
		li_threads[t].ctl = NULL;
		li_threads[t].retry = NULL;
	}
}
