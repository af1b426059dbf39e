/*
 * Listeners: the sockets of `bind` lines and the accept path.
 *
 * An INET listener gets one SO_REUSEPORT socket per worker thread of its
 * mask, so the kernel spreads connections and each thread accepts on its
 * own socket with no lock; a unix or fd@ listener has one socket, which
 * every thread of the mask polls through its own dup() (as do threads
 * beyond `shards`). Sockets are bound by the main thread
 * before the workers start (so that a failure to bind is reported at
 * start-up); each socket is registered on its owner thread's poller.
 *
 * Connection limits: global `maxconn`, frontend `maxconn` and `bind ...
 * maxconn`. At a limit, a thread stops polling its listener sockets
 * (connections wait in the kernel's backlog) until a connection ends. At a
 * descriptor or memory shortage (EMFILE, ENFILE, ENOBUFS) it stops until a
 * connection ends or 100 ms pass, whichever comes first.
 *
 * Reload without closing a listening socket (`-x`): the new process
 * receives the old one's listening sockets (admin socket `_getsocks`) and
 * hands them to listeners_inherit() before listeners_bind_all(), which then
 * reuses a received socket whose bound address equals the listener's
 * instead of binding a new one. The kernel socket thus lives on from the
 * old process into the new one and no connection is ever refused.
 *
 * States, applied by each thread to its own sockets when the main thread
 * asks (signals): running, paused (SIGTTOU: not accepting), stopped
 * (SIGUSR1 soft stop: sockets closed).
 */
#ifndef TOLLGATE_LISTENER_H
#define TOLLGATE_LISTENER_H

#include <tollgate/proxy-t.h>

enum listeners_state {
	LI_RUNNING = 0,          /* accepting */
	LI_PAUSED,               /* not accepting, sockets kept */
	LI_STOPPED,              /* sockets closed */
};

/* Offers the <n> listening sockets of <fds>, received from an old process,
 * to the next listeners_bind_all(), which takes ownership of them: it
 * reuses each one at most once, for a listener socket whose address is the
 * one the received socket is bound to (getsockname(), same family, address
 * and port, or same unix path), and closes those left unused. Main thread,
 * start-up. Returns 0 or -ENOMEM (then the fds are closed).
 */
int listeners_inherit(const int *fds, int n);

/* Binds every listener of every enabled frontend. On failure writes a
 * message naming the frontend, the address and file:line into <err>,
 * closes what was opened and returns -errno.
 */
int listeners_bind_all(char *err, size_t errlen);

/* Registers the bound sockets on their threads' pollers and creates the
 * per-thread control tasklets. After thread_setup(), before
 * thread_start(). <paused>: they accept nothing until
 * listeners_set_state(LI_RUNNING). Returns 0 or -errno.
 */
int listeners_start(int paused);

/* "disable frontend" (<pause> 1) / "enable frontend" (0), HAProxy's:
 * a paused frontend's TCP sockets are shut (shutdown(SHUT_RD): the kernel
 * refuses new connections, the port stays bound) and no longer polled;
 * resuming listens on them again. Unix sockets are only no longer polled
 * (connections wait in the backlog). Connections already accepted go on.
 * The sockets change under thread isolation, so no accept() runs on one
 * being shut. Logs "Paused frontend <fe>." / "Resumed frontend <fe>.".
 * Returns 0, -EALREADY if it already is in that state, or -errno if
 * listen() fails again (the frontend then stays paused).
 */
int listeners_pause_frontend(struct proxy *fe, int pause);

/* Asks every worker to apply <state> to its listener sockets. Any thread. */
void listeners_set_state(enum listeners_state state);

/* Closes the sockets of every listener (main thread, workers stopped or
 * not started) and frees the control tasklets.
 */
void listeners_close_all(void);

/* Gives back the connection slot of a connection accepted on <li>, and
 * resumes listeners that stopped at a limit. Any thread.
 */
void listener_release_slot(struct listener *li);

/* Wakes the threads whose listeners stopped at a connection limit, so that
 * they accept again if a limit was raised (`set maxconn`). Any thread.
 */
void listeners_recheck_limits(void);

/* Connections currently accepted by the process. */
unsigned int listeners_actconn(void);

/* Connections accepted since start (all threads). */
uint64_t listeners_cumconn(void);

/* Connections accepted (<sessions> 0) or sessions started (1) over the
 * last second, all threads.
 */
unsigned int listeners_rate(int sessions);

/* Highest value listeners_rate(<sessions>) has reached since start. */
unsigned int listeners_rate_max(int sessions);

/* Times an accepted connection made the process reach global maxconn. */
unsigned int listeners_maxconn_reached(void);

/* 1 once a soft stop closed the listeners (SIGUSR1), else 0. */
int listeners_stopping(void);

/* `bind` lines of the enabled frontends, 0 once stopping (`show info`
 * Listeners).
 */
unsigned int listeners_count(void);

/* Listener sockets taken over from an old process by the last
 * listeners_bind_all() (for `show activity` and the tests).
 */
unsigned int listeners_reused(void);

#endif /* TOLLGATE_LISTENER_H */
