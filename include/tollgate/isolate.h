/*
 * Thread isolation (the "sync point" of seed note 003).
 *
 * thread_isolate() returns once every other worker is parked at a safe point
 * of its loop (or sleeping in epoll_wait(), which counts as harmless); the
 * caller then runs alone until thread_release(). It is how runtime changes
 * to structures other threads read without locks (configuration, server
 * lists) are made safe.
 *
 * - Callable from a worker thread (at a point where it holds no lock another
 *   worker could wait for) or from a non-worker thread (main, CLI, tests).
 * - Concurrent requesters are served one after another; workers stay parked
 *   until the last requester has released, then all resume.
 * - With one worker, or before the workers start, it returns at once.
 * - Not reentrant: a thread calls thread_release() before isolating again.
 *
 * A worker is "harmless" while parked or sleeping in epoll_wait(): it holds
 * no lock and touches no shared structure. Leaving that state re-checks
 * pending requests (thread_harmless_end()), so a requester that saw every
 * thread harmless is never overtaken.
 */
#ifndef TOLLGATE_ISOLATE_H
#define TOLLGATE_ISOLATE_H

void thread_isolate(void);
void thread_release(void);

/* Returns 1 if the caller currently holds isolation. */
int thread_isolated(void);

/* ---- Used by the poll loop (thread.c) ---- */

/* Resets the isolation state for a new set of workers; all start harmless. */
void isolate_init(void);

/* Marks the calling worker harmless (before epoll_wait(), or on exit). */
void thread_harmless_begin(void);

/* Leaves the harmless state; parks first if isolation is requested. */
void thread_harmless_end(void);

/* Returns 1 if some thread requests isolation (cheap check). */
int isolate_requested(void);

/* The loop's safe point: parks until no isolation is requested. */
void thread_safe_point(void);

#endif /* TOLLGATE_ISOLATE_H */
