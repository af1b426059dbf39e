/*
 * Tasks, tasklets and their scheduler.
 *
 * A task is a handler plus a context, woken for reasons (TASK_WOKEN_*) and
 * optionally by its timer (`expire`). A tasklet is the cheap kind with no
 * timer, used for I/O callbacks.
 *
 * Ownership and locking:
 *  - A task whose thread mask has one bit (the usual case: everything tied to
 *    a connection) is *local*: it lives in its owner thread's run queue and
 *    wait queue, which only the owner touches, with no lock. Tasklets are
 *    always local.
 *  - A task whose mask has several bits is *shared*: it lives in the shared
 *    run queue (LOCK_TASK_RQ) and the shared wait queue (LOCK_TASK_WQ), and is
 *    run by exactly one thread of its mask at a time.
 *  - task_wakeup()/tasklet_wakeup() are callable from any thread. Waking a
 *    local task owned by another thread pushes it lock-free onto that
 *    thread's inbound queue and wakes the thread only if it sleeps.
 *  - A wakeup while the handler runs is not lost: the reasons accumulate and
 *    the task runs again after. A task is never run twice at once.
 *  - The expiry date and the wait-queue position of a task change together,
 *    under the lock of the queue that holds it (shared task) or on the owner
 *    thread (local task), never apart: the expiry-task race of seed note 004
 *    cannot happen. Hence `expire` is only written through task_set_expire()
 *    and task_schedule(); anyone may read it with task_expire().
 *  - Liveness: a thread may wake a task only while it knows the task is
 *    alive (it holds a reference to the object embedding it). Tasks are
 *    destroyed by their owner thread (any thread of the mask for a shared
 *    task, from its handler), or by anyone before the threads start.
 *
 * Timers are lazy: pushing a date later does not touch the wait queue until
 * the old date is reached; pushing it earlier requeues at once.
 */
#ifndef TOLLGATE_TASK_H
#define TOLLGATE_TASK_H

#include <stdatomic.h>

#include <tollgate/task-t.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>

/* Number of tasks a thread runs per loop pass before looking at fds again. */
#define TASK_BATCH 256

/* Set to 1 to measure the time spent in each handler (costs two clock reads
 * per call); 0 by default.
 */
extern atomic_int task_profiling;

/* Creates a task allowed on the threads of <mask> with handler <fn> and
 * context <ctx>. A mask of 0 means the calling worker thread. A mask with one
 * bit makes a local task of that thread, several bits a shared one; bits
 * beyond the running threads are ignored. <name> labels it in statistics
 * (may be NULL). The task is neither queued nor woken. Returns NULL on
 * allocation failure.
 */
struct task *task_new(unsigned long mask, task_fn fn, void *ctx, const char *name);

/* Destroys <t>: removes its timer and frees it, or, if it is queued to run,
 * marks it so the scheduler frees it without running it. Called by the
 * owner thread (for a shared task: from its own handler, which then returns
 * NULL), or by any thread before the workers start or after they stopped
 * (and before thread_teardown()).
 */
void task_destroy(struct task *t);

/* Wakes <t> for <reason> (TASK_WOKEN_*). Any thread. */
void task_wakeup(struct task *t, unsigned int reason);

/* Sets the expiry of <t> to <when> (TICK_ETERNITY: no timer) and places it
 * in its wait queue, atomically with respect to other such changes. Local
 * task: owner thread only (or before the workers start). Shared task: any
 * thread.
 */
void task_set_expire(struct task *t, uint32_t when);

/* Makes <t> expire no later than <when>: the earlier of its current expiry
 * and <when>. Same thread rules as task_set_expire().
 */
void task_schedule(struct task *t, uint32_t when);

/* Returns the expiry date of <t> (may be stale by the time it is used). */
static inline uint32_t task_expire(const struct task *t)
{
	return atomic_load_explicit(&t->expire, memory_order_relaxed);
}

/* Returns the state bits of <t> (racy snapshot, for statistics/tests). */
static inline unsigned int task_state(const struct task *t)
{
	return atomic_load_explicit(&t->tl.state, memory_order_relaxed);
}

/* Creates a tasklet owned by worker <thr> (-1: the calling worker). Returns
 * NULL on allocation failure.
 */
struct tasklet *tasklet_new(int thr, tasklet_fn fn, void *ctx, const char *name);

/* Wakes <tl> with reason TASK_WOKEN_OTHER. Any thread. */
void tasklet_wakeup(struct tasklet *tl);

/* Same as tasklet_wakeup() with an explicit reason. */
void tasklet_wakeup_reason(struct tasklet *tl, unsigned int reason);

/* Frees <tl>. Owner thread only (or when the workers do not run); it may be
 * called from the tasklet's own handler. A queued tasklet is freed when the
 * scheduler dequeues it.
 */
void tasklet_free(struct tasklet *tl);

/* ---- Scheduler entry points, called by the poll loop (thread.c) ---- */

/* Sets up the scheduler's pools and per-thread queues for <n> threads.
 * Returns 0 or -ENOMEM.
 */
int sched_init(int n);

/* Releases what sched_init() created. */
void sched_deinit(void);

/* Moves tasks woken by other threads into the local run queue, wakes due
 * timers (local and shared) and runs up to TASK_BATCH ready tasks. Returns
 * the number of handlers called, and in <*tasks> how many of them were
 * tasks' (the others tasklets'). Worker threads only.
 */
unsigned int sched_run_pass(unsigned int *tasks);

/* The most handlers sched_run_pass() calls in one pass. */
#define SCHED_PASS_BUDGET TASK_BATCH

/* Returns 1 if the calling worker has ready work (it must not sleep). */
int sched_has_work(void);

/* Returns the next date the calling worker must wake at (local and shared
 * timers), or TICK_ETERNITY.
 */
uint32_t sched_next_expiry(void);

/* Fills <st> with worker <thr>'s scheduler counters (racy snapshot). */
void sched_get_stats(int thr, struct sched_stats *st);

/* Returns the number of tasks in the shared run queue and wait queue. */
void sched_shared_lengths(unsigned int *rq, unsigned int *wq);

/* Checks the wait queue invariants (links, heap order, count) of worker
 * <thr> (-1: the shared queue).
 * Returns the number of timers, or -1 on a broken invariant. For tests; the
 * local queue of a running thread may only be checked by that thread.
 */
int sched_check_wq(int thr);

#endif /* TOLLGATE_TASK_H */
