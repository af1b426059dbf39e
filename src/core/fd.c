/*
 * The fd table. See fd.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <tollgate/compiler.h>
#include <tollgate/fd.h>
#include <tollgate/isolate.h>
#include <tollgate/thread.h>

struct fdtab_entry *fdtab;
int fd_max;
_Atomic uint64_t fd_stale_events;

int fd_init(void)
{
	struct rlimit rl;
	rlim_t n = 1024;

	if (fdtab)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		n = rl.rlim_cur;
	else if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		n = FD_MAX_LIMIT;
	if (n > FD_MAX_LIMIT)
		n = FD_MAX_LIMIT;
	fdtab = calloc((size_t)n, sizeof(*fdtab));
	if (!fdtab)
		return -ENOMEM;
	for (rlim_t i = 0; i < n; i++)
		fdtab[i].thr = -1;
	fd_max = (int)n;
	return 0;
}

void fd_deinit(void)
{
	free(fdtab);
	fdtab = NULL;
	fd_max = 0;
}

static void fd_add_count(int thr, int delta)
{
	struct thread_stats *st = thread_stats(thr);

	atomic_store_explicit(&st->fds, atomic_load_explicit(&st->fds, memory_order_relaxed) + delta,
	                      memory_order_relaxed);
}

int fd_insert(int fd, int thr, fd_iocb iocb, void *owner, uint32_t events)
{
	struct fdtab_entry *e;
	struct epoll_event ev;

	if (thr < 0)
		thr = tid;
	BUG_ON(thr < 0 || thr >= thread_count);
	BUG_ON(thread_running() && thr != tid);
	if (fd < 0 || fd >= fd_max)
		return -EBADF;
	e = &fdtab[fd];
	/* The fd number may have been closed by another thread a moment ago
	 * (fd_remove() then close()): its release on the generation orders
	 * its writes to the entry before ours.
	 */
	(void)atomic_load_explicit(&e->gen, memory_order_acquire);
	if (e->iocb)
		return -EBADF;
	e->iocb = iocb;
	e->owner = owner;
	e->thr = (int16_t)thr;
	e->events = events;
	ev.events = events;
	ev.data.u64 = fd_epoll_data(fd, atomic_load_explicit(&e->gen, memory_order_relaxed));
	if (epoll_ctl(thread_epfd(thr), EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = errno;

		e->iocb = NULL;
		e->owner = NULL;
		e->thr = -1;
		return -err;
	}
	fd_add_count(thr, 1);
	return 0;
}

int fd_set_events(int fd, uint32_t events)
{
	struct fdtab_entry *e = &fdtab[fd];
	struct epoll_event ev;

	BUG_ON(!e->iocb || (thread_running() && e->thr != tid));
	if (e->events & FD_EV_ET)
		events |= e->events;
	if (e->events == events)
		return 0;
	ev.events = events;
	ev.data.u64 = fd_epoll_data(fd, atomic_load_explicit(&e->gen, memory_order_relaxed));
	if (epoll_ctl(thread_epfd(e->thr), EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	e->events = events;
	return 0;
}

void fd_set_owner(int fd, fd_iocb iocb, void *owner)
{
	struct fdtab_entry *e = &fdtab[fd];

	BUG_ON(!e->iocb || (thread_running() && e->thr != tid));
	e->iocb = iocb;
	e->owner = owner;
}

/* Clears <fd>'s entry; <unreg>: remove it from epoll first. */
static void fd_clear(int fd, int unreg)
{
	struct fdtab_entry *e = &fdtab[fd];

	BUG_ON(!e->iocb || (thread_running() && e->thr != tid));
	if (unreg)
		epoll_ctl(thread_epfd(e->thr), EPOLL_CTL_DEL, fd, NULL);
	fd_add_count(e->thr, -1);
	e->iocb = NULL;
	e->owner = NULL;
	e->events = 0;
	e->thr = -1;
	/* last write before the caller closes the fd: publishes the cleared
	 * entry to whichever thread gets this fd number next (fd_insert())
	 */
	atomic_fetch_add_explicit(&e->gen, 1, memory_order_release);
}

void fd_remove(int fd)
{
	fd_clear(fd, 1);
}

void fd_delete(int fd)
{
	fd_clear(fd, 1);
	close(fd);
}

void fd_close_unshared(int fd)
{
	fd_clear(fd, 0);
	close(fd);
}

void fd_dispatch(const struct epoll_event *ev)
{
	int fd = (int)(uint32_t)ev->data.u64;
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	struct fdtab_entry *e;

	if (unlikely(fd < 0 || fd >= fd_max))
		goto stale;
	e = &fdtab[fd];
	if (unlikely(!e->iocb || e->thr != tid ||
	             atomic_load_explicit(&e->gen, memory_order_relaxed) != gen))
		goto stale;
	e->iocb(fd, ev->events, e->owner);
	return;
stale:
	atomic_fetch_add_explicit(&fd_stale_events, 1, memory_order_relaxed);
}

/* ---- show fd ---- */

#define FD_IOCB_NAMES 16

static struct {
	fd_iocb iocb;
	const char *name;
	const char *kind;
} iocb_names[FD_IOCB_NAMES];
static int nb_iocb_names;

void fd_name_iocb(fd_iocb iocb, const char *name, const char *kind)
{
	if (nb_iocb_names < FD_IOCB_NAMES) {
		iocb_names[nb_iocb_names].iocb = iocb;
		iocb_names[nb_iocb_names].name = name;
		iocb_names[nb_iocb_names++].kind = kind;
	}
}

int fd_snapshot(struct fd_info *out, int max)
{
	int n = 0;

	thread_isolate();
	for (int fd = 0; fd < fd_max; fd++) {
		const struct fdtab_entry *e = &fdtab[fd];
		struct fd_info *i;

		if (!e->iocb || e->thr < 0)
			continue;
		if (n++ >= max)
			continue;
		i = &out[n - 1];
		i->fd = fd;
		i->thr = e->thr;
		i->events = e->events;
		i->iocb = e->iocb;
		i->owner = e->owner;
		i->name = "unknown";
		i->kind = "other";
		for (int k = 0; k < nb_iocb_names; k++) {
			if (iocb_names[k].iocb == e->iocb) {
				i->name = iocb_names[k].name;
				i->kind = iocb_names[k].kind;
				break;
			}
		}
	}
	thread_release();
	return n;
}
