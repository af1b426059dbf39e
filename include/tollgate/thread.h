/*
 * Worker threads and their poll loops.
 *
 * Tollgate runs `thread_count` worker threads. Each owns an epoll instance,
 * the fds registered on it, a run queue and a wait queue (task.h), and runs
 * one loop:
 *
 *   1. clock_update();
 *   2. move tasks woken by other threads (inbound queue) to its run queue;
 *   3. wake the tasks whose timers are due (own wait queue, shared one);
 *   4. run a bounded batch of ready tasks;
 *   5. stop at the safe point if thread isolation is requested;
 *   6. epoll_wait() until the next timer, or not at all if work is pending;
 *   7. dispatch fd events to their handlers (fd.h).
 *
 * A worker never busy-waits: it sleeps in epoll_wait() and is woken by an
 * fd event, its next timer, or its eventfd (thread_wake()), which other
 * threads write only when it is actually sleeping.
 *
 * Threads that are not workers (the main thread, tests) have tid == -1. They
 * may wake tasks and request isolation, but own no task and no fd.
 *
 * Lifecycle, all called from the main thread: thread_setup(n) ->
 * thread_start() -> ... -> thread_stop() -> thread_join() ->
 * thread_teardown(). Setup can be repeated after teardown (tests do).
 */
#ifndef TOLLGATE_THREAD_H
#define TOLLGATE_THREAD_H

#include <stdatomic.h>
#include <stdint.h>

#include <tollgate/compiler.h>

#define MAX_THREADS 64

extern __thread int tid;                 /* this worker's id, -1 if not a worker */
extern __thread unsigned long tid_bit;   /* 1UL << tid, 0 if not a worker */
extern int thread_count;                 /* number of workers (set by thread_setup) */
extern unsigned long all_threads_mask;   /* one bit per worker */

/* Per-thread activity counters. Written only by the owner thread, with
 * relaxed atomic stores so that readers on other threads see whole values.
 */
struct thread_stats {
	_Atomic uint64_t loops;         /* poll loop passes */
	_Atomic uint64_t tasks_run;     /* task and tasklet handler calls */
	_Atomic uint64_t wakeups;       /* times woken through the eventfd */
	_Atomic uint64_t poll_ns;       /* time spent inside epoll_wait() */
	_Atomic uint64_t fd_events;     /* fd events dispatched */
	_Atomic uint64_t isolations;    /* times parked for another thread's isolation */
	_Atomic uint32_t fds;           /* fds currently owned */
	/* HAProxy's `show activity` counters */
	_Atomic uint64_t tasks_sw;      /* task handler calls (tasksw; tasklets aside) */
	_Atomic uint64_t empty_rq;      /* passes that found nothing to run */
	_Atomic uint64_t long_rq;       /* passes that spent their whole budget */
	_Atomic uint64_t wake_tasks;    /* polls not allowed to sleep: work was ready */
	_Atomic uint64_t poll_io;       /* polls that returned events */
	_Atomic uint64_t poll_exp;      /* polls that returned on their timeout */
	_Atomic uint64_t stream_calls;  /* stream handler calls */
	_Atomic uint64_t accepted;      /* connections accepted by this thread */
	_Atomic uint64_t loop_us_sum;   /* sliding sum of a pass's work time, µs (THREAD_LOOP_SAMPLES) */
};

/* Passes the average work time of a pass (avg_loop_us) is taken over. */
#define THREAD_LOOP_SAMPLES 512

/* Adds <v> to counter <c> of the calling thread's own thread_stats (only
 * its owner writes it; others read a racy snapshot).
 */
static inline void thread_stat_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v, memory_order_relaxed);
}

/* Returns the number of online CPUs, at least 1. */
int thread_cpus_online(void);

/* Prepares <n> workers (1..MAX_THREADS; 0 means one per online CPU): their
 * epoll instances, eventfds and queues. Returns 0, or -errno.
 */
int thread_setup(int n);

/* Pins worker <t> to the CPUs of <cpus> (bit N: CPU N) when it starts; 0
 * leaves it free. Between thread_setup() and thread_start().
 */
void thread_set_affinity(int t, unsigned long cpus);

/* Starts the workers prepared by thread_setup(). Signals are blocked in
 * workers: the main thread handles them. Returns 0, or -errno.
 */
int thread_start(void);

/* Asks every worker to leave its loop at the end of its current pass. Safe
 * from any thread.
 */
void thread_stop(void);

/* Waits for every worker to exit. Main thread only. */
void thread_join(void);

/* Frees what thread_setup() created. Workers must have been joined. Tasks
 * still queued are not freed: their owners must have destroyed them.
 */
void thread_teardown(void);

/* Wakes worker <t> out of epoll_wait() if it is sleeping; does nothing
 * otherwise. Returns 1 if it was sleeping. Safe from any thread. Lock-free.
 */
int thread_wake(int t);

/* Wakes every worker. Safe from any thread. */
void thread_wake_all(void);

/* Returns the epoll fd of worker <t>. */
int thread_epfd(int t);

/* Returns worker <t>'s activity counters. */
struct thread_stats *thread_stats(int t);

/* Returns 1 while the workers are running (between start and join). */
int thread_running(void);

#endif /* TOLLGATE_THREAD_H */
