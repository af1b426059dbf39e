/*
 * The task scheduler. See task.h for the contract and
 * doc/internals/task.md for the design.
 *
 * State machine of a task (tasklet.state), every change by CAS:
 *
 *   idle --wakeup--> QUEUED --picked by a runner--> RUNNING --handler done-->
 *        idle, or QUEUED again if reasons arrived meanwhile.
 *
 * A waker that finds QUEUED or RUNNING only adds its reason: exactly one
 * enqueue happens per transition to QUEUED, and a task is in at most one
 * queue and run by at most one thread. Tasklets are always local, so they
 * skip RUNNING: their state is cleared before the handler runs, and a wakeup
 * during the run re-queues them on their owner, which runs them after.
 *
 * Queues:
 *  - local run queue: a FIFO owned by its worker (no lock);
 *  - inbound queue: a lock-free LIFO other threads push onto; the owner takes
 *    it whole with one exchange and reverses it into its run queue;
 *  - shared run queue: a FIFO under LOCK_TASK_RQ, for shared tasks;
 *  - local wait queue: a timer heap owned by its worker;
 *  - shared wait queue: a timer heap under LOCK_TASK_WQ.
 * Lock order: LOCK_TASK_WQ, then LOCK_TASK_RQ (a due shared timer wakes its
 * task under the wait-queue lock, so that the task cannot be destroyed by
 * its handler on another thread in between: task_destroy() takes that lock).
 *
 * Sleeping workers and wakers meet through thread.h's sleeping flag with
 * sequentially consistent operations: a worker sets its flag then re-checks
 * for work (sched_has_work()); a waker publishes work then looks at the
 * flag. One of the two always sees the other.
 */
#include <errno.h>
#include <stdlib.h>

#include <tollgate/clock.h>
#include <tollgate/compiler.h>
#include <tollgate/lock.h>
#include <tollgate/pool.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>
#include <tollgate/timerq.h>

/* Per-worker scheduler state. Everything but the inbound queue and the
 * published counters is touched by the owner only.
 */
struct sched_thread {
	struct tasklet *rq_head;                  /* local run queue, FIFO */
	struct tasklet *rq_tail;                  /* its last element */
	unsigned int rq_len;                      /* its length */
	struct timerq wq;                         /* local wait queue */
	_Atomic(struct tasklet *) inbound CACHE_ALIGNED; /* pushed by others */
	_Atomic uint64_t inbound_wakeups;         /* pushes received (relaxed) */
	_Atomic unsigned int pub_rq_len CACHE_ALIGNED; /* copies for statistics */
	_Atomic unsigned int pub_wq_len;          /* ditto */
	_Atomic unsigned int tasks;               /* tasks and tasklets owned */
} CACHE_ALIGNED;

static struct sched_thread *sched_th;     /* [sched_nthreads] */
static int sched_nthreads;                /* set by sched_init(), read-only after */
static struct pool_head *pool_task;       /* ditto */
static struct pool_head *pool_tasklet;    /* ditto */

atomic_int task_profiling;

/* The shared run queue (LOCK_TASK_RQ). */
static struct spinlock srq_lock;          /* protects srq_head/tail/len */
static struct tasklet *srq_head;          /* FIFO of shared tasks */
static struct tasklet *srq_tail;          /* its last element */
static unsigned int srq_len;              /* under the lock */
static _Atomic unsigned long srq_mask;    /* union of the queued tasks' masks */

/* The shared wait queue (LOCK_TASK_WQ). Its earliest date and the thread
 * charged with waking up for it are published for lock-free reads.
 */
static struct spinlock swq_lock;          /* protects swq and the shared tasks' expire */
static struct timerq swq;                 /* shared timers */
static _Atomic uint32_t swq_next;         /* earliest key, or TICK_ETERNITY */
static _Atomic int swq_next_tid;          /* the worker that sleeps for it */

/* ---- run queues ---- */

static void local_rq_append(struct sched_thread *st, struct tasklet *tl)
{
	tl->next = NULL;
	if (st->rq_tail)
		st->rq_tail->next = tl;
	else
		st->rq_head = tl;
	st->rq_tail = tl;
	st->rq_len++;
}

static struct tasklet *local_rq_pop(struct sched_thread *st)
{
	struct tasklet *tl = st->rq_head;

	if (!tl)
		return NULL;
	st->rq_head = tl->next;
	if (!st->rq_head)
		st->rq_tail = NULL;
	st->rq_len--;
	return tl;
}

/* Pushes <tl> onto worker <thr>'s inbound queue and wakes it if asleep. */
static void inbound_push(int thr, struct tasklet *tl)
{
	struct sched_thread *st = &sched_th[thr];
	struct tasklet *head = atomic_load_explicit(&st->inbound, memory_order_relaxed);

	do {
		tl->next = head;
	} while (!atomic_compare_exchange_weak_explicit(&st->inbound, &head, tl,
	                                                memory_order_seq_cst,
	                                                memory_order_relaxed));
	thread_wake(thr);
}

/* Moves everything other threads pushed for us into the local run queue,
 * restoring their push order.
 */
static void inbound_drain(struct sched_thread *st)
{
	struct tasklet *list, *rev = NULL, *next;
	unsigned int n = 0;

	if (!atomic_load_explicit(&st->inbound, memory_order_relaxed))
		return;
	list = atomic_exchange_explicit(&st->inbound, NULL, memory_order_acquire);
	while (list) {
		next = list->next;
		list->next = rev;
		rev = list;
		list = next;
		n++;
	}
	while (rev) {
		next = rev->next;
		local_rq_append(st, rev);
		rev = next;
	}
	atomic_store_explicit(&st->inbound_wakeups,
	                      atomic_load_explicit(&st->inbound_wakeups, memory_order_relaxed) + n,
	                      memory_order_relaxed);
}

/* Wakes one sleeping worker of <mask> other than the caller, so that it
 * picks up shared work. If none sleeps, the awake ones will see the work
 * before they sleep (they re-check after raising their sleeping flag).
 */
static void wake_one_of(unsigned long mask)
{
	mask &= all_threads_mask & ~tid_bit;
	while (mask) {
		int t = __builtin_ctzl(mask);

		if (thread_wake(t))
			return;
		mask &= mask - 1;
	}
}

static void shared_rq_push(struct tasklet *tl)
{
	struct task *t = (struct task *)tl;

	tl->next = NULL;
	spin_lock(&srq_lock);
	if (srq_tail)
		srq_tail->next = tl;
	else
		srq_head = tl;
	srq_tail = tl;
	srq_len++;
	atomic_fetch_or_explicit(&srq_mask, t->thread_mask, memory_order_seq_cst);
	spin_unlock(&srq_lock);
	if (!(t->thread_mask & tid_bit))
		wake_one_of(t->thread_mask);
}

/* Takes up to <max> shared tasks the calling worker may run into <out>.
 * Returns how many were taken.
 */
static unsigned int shared_rq_take(struct tasklet **out, unsigned int max)
{
	struct tasklet *tl, *prev = NULL, *next;
	unsigned long mask = 0;
	unsigned int n = 0;

	if (!(atomic_load_explicit(&srq_mask, memory_order_relaxed) & tid_bit))
		return 0;
	spin_lock(&srq_lock);
	for (tl = srq_head; tl; tl = next) {
		struct task *t = (struct task *)tl;

		next = tl->next;
		if (n < max && (t->thread_mask & tid_bit)) {
			if (prev)
				prev->next = next;
			else
				srq_head = next;
			if (srq_tail == tl)
				srq_tail = prev;
			srq_len--;
			out[n++] = tl;
			continue;
		}
		mask |= t->thread_mask;
		prev = tl;
	}
	atomic_store_explicit(&srq_mask, mask, memory_order_seq_cst);
	spin_unlock(&srq_lock);
	return n;
}

/* Puts <tl>, just marked QUEUED by its waker, in the right queue. */
static void enqueue(struct tasklet *tl)
{
	if (tl->flags & TASK_F_SHARED)
		shared_rq_push(tl);
	else if (tl->tid == tid)
		local_rq_append(&sched_th[tid], tl);
	else
		inbound_push(tl->tid, tl);
}

/* Records <reason> on <tl> and marks it QUEUED unless it is queued or
 * running already. Returns 1 if the caller must enqueue() it. Once
 * marked, the task is not freed before it is dequeued (task_destroy()
 * leaves a queued task to the scheduler), so the enqueue may come later,
 * after the caller dropped a lock.
 */
static int wakeup_mark(struct tasklet *tl, unsigned int reason)
{
	unsigned int s = atomic_load_explicit(&tl->state, memory_order_relaxed);
	unsigned int n;

	if (!reason)
		reason = TASK_WOKEN_OTHER;
	do {
		if (unlikely(s & TASK_KILLED))
			return 0;
		n = s | reason;
		if (!(s & (TASK_QUEUED | TASK_RUNNING)))
			n |= TASK_QUEUED;
	} while (!atomic_compare_exchange_weak_explicit(&tl->state, &s, n,
	                                                memory_order_acq_rel,
	                                                memory_order_relaxed));
	return !(s & (TASK_QUEUED | TASK_RUNNING));
}

static void wakeup(struct tasklet *tl, unsigned int reason)
{
	if (wakeup_mark(tl, reason))
		enqueue(tl);
}

void task_wakeup(struct task *t, unsigned int reason)
{
	wakeup(&t->tl, reason);
}

void tasklet_wakeup(struct tasklet *tl)
{
	wakeup(tl, TASK_WOKEN_OTHER);
}

void tasklet_wakeup_reason(struct tasklet *tl, unsigned int reason)
{
	wakeup(tl, reason);
}

/* ---- wait queues ---- */

/* Publishes the shared wait queue's earliest date. Called under swq_lock.
 * Returns the worker charged with it if the date changed, to be woken
 * (swq_wake()) once the lock is dropped: no system call under a spinlock.
 */
static int swq_publish(void)
{
	struct timerq_node *n = timerq_first(&swq);
	uint32_t old = atomic_load_explicit(&swq_next, memory_order_relaxed);
	uint32_t next = n ? n->key : TICK_ETERNITY;
	int thr = -1;

	if (n) {
		struct task *t = container_of(n, struct task, wq);
		unsigned long m = t->thread_mask & all_threads_mask;

		thr = m ? __builtin_ctzl(m) : 0;
	}
	atomic_store_explicit(&swq_next_tid, thr, memory_order_relaxed);
	atomic_store_explicit(&swq_next, next, memory_order_seq_cst);
	return thr >= 0 && thr != tid && next != old ? thr : -1;
}

/* Wakes worker <thr> as swq_publish() asked, after swq_lock is dropped. */
static inline void swq_wake(int thr)
{
	if (thr >= 0 && thread_running())
		thread_wake(thr);
}

/* Sets <t>'s expiry to <when> and its place in <q>. The caller owns <q>
 * (holds its lock, or is its worker). Later dates are applied lazily.
 */
static void __set_expire(struct timerq *q, struct task *t, uint32_t when)
{
	atomic_store_explicit(&t->expire, when, memory_order_relaxed);
	if (!tick_isset(when))
		return;        /* dropped when its current key comes */
	if (timerq_node_queued(&t->wq)) {
		if (!tick_is_lt(when, t->wq.key))
			return; /* lazy: moved when the old date comes */
		timerq_remove(q, &t->wq);
	}
	timerq_insert(q, &t->wq, when);
}

/* Sets <t>'s expiry to <when>, or to the earliest of its current one and
 * <when> if <earlier_only>, under the rule of the queue that holds it.
 */
static void change_expire(struct task *t, uint32_t when, int earlier_only)
{
	uint32_t cur;

	if (t->tl.flags & TASK_F_SHARED) {
		int thr;

		spin_lock(&swq_lock);
		cur = atomic_load_explicit(&t->expire, memory_order_relaxed);
		__set_expire(&swq, t, earlier_only ? tick_first(cur, when) : when);
		thr = swq_publish();
		spin_unlock(&swq_lock);
		swq_wake(thr);
		return;
	}
	BUG_ON(thread_running() && t->tl.tid != tid);
	cur = atomic_load_explicit(&t->expire, memory_order_relaxed);
	__set_expire(&sched_th[t->tl.tid].wq, t, earlier_only ? tick_first(cur, when) : when);
}

void task_set_expire(struct task *t, uint32_t when)
{
	change_expire(t, when, 0);
}

void task_schedule(struct task *t, uint32_t when)
{
	change_expire(t, when, 1);
}

/* Pops due timers from <q> (owned by the caller), up to <budget>: re-places
 * those whose wanted expiry moved later, wakes the others. With <defer>
 * (room for <budget> tasks), the woken tasks are only marked and stored
 * there, to be enqueued by the caller after it drops the queue's lock.
 * Returns the number of tasks stored in <defer>, or woken.
 */
static unsigned int wq_expire(struct timerq *q, unsigned int budget, struct tasklet **defer)
{
	struct timerq_node *n;
	unsigned int done = 0, woken = 0;

	while (done < budget && (n = timerq_first(q)) && tick_is_expired(n->key, now_ms)) {
		struct task *t = container_of(n, struct task, wq);
		uint32_t exp = atomic_load_explicit(&t->expire, memory_order_relaxed);

		done++;
		timerq_remove(q, n);
		if (!tick_isset(exp))
			continue;
		if (!tick_is_expired(exp, now_ms)) {
			timerq_insert(q, n, exp);
			continue;
		}
		if (!defer)
			wakeup(&t->tl, TASK_WOKEN_TIMER);
		else if (wakeup_mark(&t->tl, TASK_WOKEN_TIMER))
			defer[woken++] = &t->tl;
	}
	return defer ? woken : done;
}

static int swq_due(void)
{
	uint32_t next = atomic_load_explicit(&swq_next, memory_order_seq_cst);

	return tick_is_expired(next, now_ms);
}

/* Expires the shared wait queue's due timers, up to TASK_BATCH. Enqueuing
 * a shared task may wake a sleeping worker (an eventfd write): done after
 * swq_lock is dropped, like swq_publish()'s wake-up.
 */
static void swq_expire(void)
{
	struct tasklet *due[TASK_BATCH];
	unsigned int n, i;
	int thr;

	if (!swq_due())
		return;
	spin_lock(&swq_lock);
	n = wq_expire(&swq, TASK_BATCH, due);
	thr = swq_publish();
	spin_unlock(&swq_lock);
	for (i = 0; i < n; i++)
		enqueue(due[i]);
	swq_wake(thr);
}

/* ---- creation and destruction ---- */

struct task *task_new(unsigned long mask, task_fn fn, void *ctx, const char *name)
{
	struct task *t;
	int owner;

	if (!mask) {
		BUG_ON(tid < 0);
		mask = tid_bit;
	}
	if (thread_count > 0 && (mask & all_threads_mask))
		mask &= all_threads_mask;
	t = pool_zalloc(pool_task);
	if (!t)
		return NULL;
	owner = __builtin_ctzl(mask);
	t->thread_mask = mask;
	t->tl.flags = TASK_F_TASK;
	if (mask & (mask - 1)) {
		t->tl.flags |= TASK_F_SHARED;
		t->tl.tid = -1;
	} else {
		BUG_ON(owner >= sched_nthreads);
		t->tl.tid = (short)owner;
		atomic_fetch_add_explicit(&sched_th[owner].tasks, 1, memory_order_relaxed);
	}
	t->tl.process.task = fn;
	t->tl.context = ctx;
	t->tl.name = name;
	timerq_node_init(&t->wq);
	return t;
}

static void task_free_mem(struct task *t)
{
	if (t->tl.tid >= 0)
		atomic_fetch_sub_explicit(&sched_th[t->tl.tid].tasks, 1, memory_order_relaxed);
	pool_free(pool_task, t);
}

void task_destroy(struct task *t)
{
	unsigned int s;

	if (!t)
		return;
	if (t->tl.flags & TASK_F_SHARED) {
		int thr;

		spin_lock(&swq_lock);
		if (timerq_node_queued(&t->wq))
			timerq_remove(&swq, &t->wq);
		thr = swq_publish();
		spin_unlock(&swq_lock);
		swq_wake(thr);
	} else {
		BUG_ON(thread_running() && t->tl.tid != tid);
		if (timerq_node_queued(&t->wq))
			timerq_remove(&sched_th[t->tl.tid].wq, &t->wq);
	}
	s = atomic_fetch_or_explicit(&t->tl.state, TASK_KILLED, memory_order_acq_rel);
	if ((s & TASK_QUEUED) && !(s & TASK_RUNNING) && thread_running())
		return;  /* freed by the scheduler when dequeued */
	/* Running (its own handler destroys it), idle, or the workers are
	 * stopped: their queues are dead and rebuilt by the next set-up.
	 */
	task_free_mem(t);
}

struct tasklet *tasklet_new(int thr, tasklet_fn fn, void *ctx, const char *name)
{
	struct tasklet *tl;

	if (thr < 0)
		thr = tid;
	BUG_ON(thr < 0 || thr >= sched_nthreads);
	tl = pool_zalloc(pool_tasklet);
	if (!tl)
		return NULL;
	tl->tid = (short)thr;
	tl->process.tasklet = fn;
	tl->context = ctx;
	tl->name = name;
	atomic_fetch_add_explicit(&sched_th[thr].tasks, 1, memory_order_relaxed);
	return tl;
}

static void tasklet_free_mem(struct tasklet *tl)
{
	atomic_fetch_sub_explicit(&sched_th[tl->tid].tasks, 1, memory_order_relaxed);
	pool_free(pool_tasklet, tl);
}

void tasklet_free(struct tasklet *tl)
{
	unsigned int s;

	if (!tl)
		return;
	BUG_ON(thread_running() && tl->tid != tid);
	s = atomic_fetch_or_explicit(&tl->state, TASK_KILLED, memory_order_acq_rel);
	if ((s & TASK_QUEUED) && thread_running())
		return;  /* freed by the scheduler when dequeued */
	tasklet_free_mem(tl);
}

/* ---- running ---- */

static void account(struct tasklet *tl, uint64_t start)
{
	atomic_store_explicit(&tl->calls,
	                      atomic_load_explicit(&tl->calls, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	if (start)
		atomic_fetch_add_explicit(&tl->cpu_ns, clock_mono_ns() - start, memory_order_relaxed);
}

static void run_tasklet(struct tasklet *tl)
{
	unsigned int s = atomic_exchange_explicit(&tl->state, 0, memory_order_acq_rel);

	if (s & TASK_KILLED) {
		tasklet_free_mem(tl);
		return;
	}
	/* Counted before the call since the handler may free the tasklet;
	 * for the same reason tasklets are not timed.
	 */
	account(tl, 0);
	tl->process.tasklet(tl, tl->context, s & TASK_WOKEN_ANY);
}

static void run_task(struct task *t)
{
	struct tasklet *tl = &t->tl;
	unsigned int s = atomic_load_explicit(&tl->state, memory_order_relaxed);
	unsigned int n;
	uint64_t start = 0;

	do {
		if (s & TASK_KILLED) {
			task_free_mem(t);
			return;
		}
		n = (s & ~(TASK_QUEUED | TASK_WOKEN_ANY)) | TASK_RUNNING;
	} while (!atomic_compare_exchange_weak_explicit(&tl->state, &s, n,
	                                                memory_order_acq_rel,
	                                                memory_order_relaxed));
	if (atomic_load_explicit(&task_profiling, memory_order_relaxed))
		start = clock_mono_ns();
	if (!tl->process.task(t, tl->context, s & TASK_WOKEN_ANY))
		return;  /* destroyed by its handler */
	account(tl, start);

	s = atomic_load_explicit(&tl->state, memory_order_relaxed);
	do {
		n = s & ~TASK_RUNNING;
		if (s & TASK_WOKEN_ANY)
			n |= TASK_QUEUED;
	} while (!atomic_compare_exchange_weak_explicit(&tl->state, &s, n,
	                                                memory_order_acq_rel,
	                                                memory_order_relaxed));
	if (n & TASK_QUEUED)
		enqueue(tl);
}

/* Runs <tl>. Returns 1 if it is a task, 0 if a tasklet. */
static int run_one(struct tasklet *tl)
{
	if (tl->flags & TASK_F_TASK) {
		run_task((struct task *)tl);
		return 1;
	}
	run_tasklet(tl);
	return 0;
}

unsigned int sched_run_pass(unsigned int *tasks)
{
	struct sched_thread *st = &sched_th[tid];
	struct tasklet *picked[TASK_BATCH / 4];
	unsigned int budget = TASK_BATCH, n, i, ran = 0;

	*tasks = 0;
	struct tasklet *tl;

	inbound_drain(st);
	wq_expire(&st->wq, TASK_BATCH, NULL);
	swq_expire();

	/* shared tasks get up to a quarter of the batch, local ones the rest */
	n = shared_rq_take(picked, ARRAY_SIZE(picked));
	for (i = 0; i < n; i++)
		*tasks += (unsigned int)run_one(picked[i]);
	ran += n;
	budget -= n;

	while (budget && (tl = local_rq_pop(st))) {
		*tasks += (unsigned int)run_one(tl);
		ran++;
		budget--;
	}
	atomic_store_explicit(&st->pub_rq_len, st->rq_len, memory_order_relaxed);
	atomic_store_explicit(&st->pub_wq_len, st->wq.count, memory_order_relaxed);
	return ran;
}

int sched_has_work(void)
{
	struct sched_thread *st = &sched_th[tid];
	struct timerq_node *n;

	if (st->rq_head)
		return 1;
	if (atomic_load_explicit(&st->inbound, memory_order_seq_cst))
		return 1;
	if (atomic_load_explicit(&srq_mask, memory_order_seq_cst) & tid_bit)
		return 1;
	clock_update();
	n = timerq_first(&st->wq);
	if (n && tick_is_expired(n->key, now_ms))
		return 1;
	return swq_due();
}

uint32_t sched_next_expiry(void)
{
	struct timerq_node *n = timerq_first(&sched_th[tid].wq);
	uint32_t next = n ? n->key : TICK_ETERNITY;

	if (atomic_load_explicit(&swq_next_tid, memory_order_relaxed) == tid)
		next = tick_first(next, atomic_load_explicit(&swq_next, memory_order_seq_cst));
	return next;
}

/* ---- set-up and statistics ---- */

int sched_init(int n)
{
	sched_th = calloc((size_t)n, sizeof(*sched_th));
	if (!sched_th)
		return -ENOMEM;
	pool_task = pool_create("task", sizeof(struct task), 0);
	pool_tasklet = pool_create("tasklet", sizeof(struct tasklet), 0);
	if (!pool_task || !pool_tasklet) {
		sched_deinit();
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		timerq_init(&sched_th[i].wq);
	sched_nthreads = n;
	spin_init(&srq_lock, LOCK_TASK_RQ);
	spin_init(&swq_lock, LOCK_TASK_WQ);
	srq_head = srq_tail = NULL;
	srq_len = 0;
	atomic_store(&srq_mask, 0);
	timerq_init(&swq);
	atomic_store(&swq_next, TICK_ETERNITY);
	atomic_store(&swq_next_tid, -1);
	return 0;
}

void sched_deinit(void)
{
	free(sched_th);
	sched_th = NULL;
	sched_nthreads = 0;
	pool_task = pool_task ? pool_destroy(pool_task) : NULL;
	pool_tasklet = pool_tasklet ? pool_destroy(pool_tasklet) : NULL;
}

void sched_get_stats(int thr, struct sched_stats *st)
{
	struct sched_thread *s = &sched_th[thr];

	st->rq_len = atomic_load_explicit(&s->pub_rq_len, memory_order_relaxed);
	st->wq_len = atomic_load_explicit(&s->pub_wq_len, memory_order_relaxed);
	st->tasks = atomic_load_explicit(&s->tasks, memory_order_relaxed);
	st->inbound_wakeups = atomic_load_explicit(&s->inbound_wakeups, memory_order_relaxed);
}

void sched_shared_lengths(unsigned int *rq, unsigned int *wq)
{
	spin_lock(&swq_lock);
	*wq = swq.count;
	spin_unlock(&swq_lock);
	spin_lock(&srq_lock);
	*rq = srq_len;
	spin_unlock(&srq_lock);
}

int sched_check_wq(int thr)
{
	int ret;

	if (thr >= 0)
		return timerq_check(&sched_th[thr].wq);
	spin_lock(&swq_lock);
	ret = timerq_check(&swq);
	spin_unlock(&swq_lock);
	return ret;
}
