/*
 * The fd table: which worker owns each file descriptor, and its handler.
 *
 * Every fd Tollgate polls is registered here with its owner thread; it is
 * added to that thread's epoll instance and only that thread registers,
 * changes, deletes it or receives its events. No lock: the owner is the only
 * writer of its entries (the table itself is allocated once at start-up).
 * An fd number closed by one thread may be reused by another: fd_remove()
 * bumps the generation with release semantics as its last write, and
 * fd_insert() reads it with acquire semantics first, which orders the two
 * owners' writes.
 *
 * Each entry carries a generation, bumped when the fd is deleted, and the
 * epoll event carries the generation it was registered with: an event that
 * arrives for a closed fd whose number was reused is recognised and dropped.
 */
#ifndef TOLLGATE_FD_H
#define TOLLGATE_FD_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/epoll.h>

#define FD_EV_IN   EPOLLIN      /* readable */
#define FD_EV_OUT  EPOLLOUT     /* writable */
#define FD_EV_ERR  EPOLLERR     /* error (always reported) */
#define FD_EV_HUP  EPOLLHUP     /* hang-up (always reported) */
#define FD_EV_RDHUP EPOLLRDHUP  /* peer shut down writing */
#define FD_EV_ET   EPOLLET      /* edge-triggered registration (fd_insert) */

/* Handler called on the owner thread with the ready events (FD_EV_*). */
typedef void (*fd_iocb)(int fd, unsigned int events, void *owner);

struct fdtab_entry {
	fd_iocb iocb;                 /* handler, NULL when unused */
	void *owner;                  /* handler's argument */
	_Atomic uint32_t gen;         /* bumped on delete (read by stats) */
	int16_t thr;                  /* owner thread, -1 when unused */
	uint32_t events;              /* events polled for */
};

/* Upper bound on the table size whatever RLIMIT_NOFILE says; also the
 * descriptor count assumed for an unlimited RLIMIT_NOFILE (limits.h).
 */
#define FD_MAX_LIMIT (1 << 21)

extern struct fdtab_entry *fdtab;   /* indexed by fd */
extern int fd_max;                  /* size of fdtab */

/* Allocates the table for fds up to the process limit (RLIMIT_NOFILE).
 * Returns 0 or -ENOMEM.
 */
int fd_init(void);
void fd_deinit(void);

/* Registers <fd> on worker <thr> (-1: the calling worker) with handler
 * <iocb>(<fd>, events, <owner>), polling for <events>. The fd should be
 * non-blocking. Called on <thr>, or before the workers start. Returns 0,
 * -EBADF if <fd> is out of range or already registered, or -errno from
 * epoll_ctl().
 *
 * With FD_EV_ET in <events> the fd is polled edge-triggered: the handler
 * hears of each new arrival (data, end of stream, room to write after a
 * send found none) once, and its owner keeps track of readiness itself: it
 * reads until a short read or EAGAIN, or comes back by itself when it
 * stops earlier. Its events never shrink (see fd_set_events()), which
 * saves the system calls that level-triggered polling spends turning
 * events off and on.
 */
int fd_insert(int fd, int thr, fd_iocb iocb, void *owner, uint32_t events);

/* Hands the registered <fd> to another handler <iocb>(<fd>, events,
 * <owner>) on the same thread (an idle server connection passing between
 * streams). Events already fetched by the poll loop go to the new handler.
 * Owner thread.
 */
void fd_set_owner(int fd, fd_iocb iocb, void *owner);

/* Changes the events polled for <fd>. An edge-triggered fd only gains the
 * events it lacks: those it no longer wants keep arriving, and the owner
 * ignores them. Owner thread. Returns 0 or -errno.
 */
int fd_set_events(int fd, uint32_t events);

/* Unregisters <fd> (stale events are dropped) without closing it. Owner
 * thread.
 */
void fd_remove(int fd);

/* Unregisters and closes <fd>. Owner thread. */
void fd_delete(int fd);

/* Same as fd_delete() for an fd this process created and never duplicated
 * (accepted or connected sockets): close() alone removes it from epoll,
 * which saves a system call per fd. Never for listeners or inherited fds,
 * whose file may stay open elsewhere and keep firing events.
 */
void fd_close_unshared(int fd);

/* Dispatches the events of one epoll result. Called by the poll loop. */
void fd_dispatch(const struct epoll_event *ev);

/* Builds the epoll data word for <fd> at its current generation. */
static inline uint64_t fd_epoll_data(int fd, uint32_t gen)
{
	return ((uint64_t)gen << 32) | (uint32_t)fd;
}

/* Number of events dropped because their fd had been closed (all threads). */
extern _Atomic uint64_t fd_stale_events;

/* ---- For `show fd` ---- */

/* Names handler <iocb> for `show fd`: <name> as HAProxy names the handler
 * of that kind of fd ("sock_accept_iocb", "sock_conn_iocb"), <kind> the
 * owner in Tollgate's words ("listener", "client", "server", "idle",
 * "check", "peer"). Start-up only (constructors); a fixed number of
 * handlers (16) can be named, later ones are ignored.
 */
void fd_name_iocb(fd_iocb iocb, const char *name, const char *kind);

/* One registered fd, as fd_snapshot() copies it. */
struct fd_info {
	int fd;                       /* the descriptor */
	int thr;                      /* owner thread */
	uint32_t events;              /* events polled for (FD_EV_*) */
	fd_iocb iocb;                 /* handler */
	void *owner;                  /* its argument */
	const char *name;             /* fd_name_iocb()'s name, "unknown" if none */
	const char *kind;             /* and kind, "other" if none */
};

/* Copies the registered fds, in fd order, into <out> (room for <max>),
 * under thread isolation so that no owner changes one meanwhile (O(fd_max)
 * with the workers parked: an admin command). Returns the number of
 * registered fds, which may exceed <max> (only <max> copied).
 */
int fd_snapshot(struct fd_info *out, int max);

#endif /* TOLLGATE_FD_H */
