/*
 * Scheduler tests: local and shared tasks, tasklets, timers (lazy and
 * early requeue, ordering at scale), cross-thread wakeups under stress
 * (none lost, none run twice at once), destruction while queued.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include <tollgate/clock.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>

#include "helpers/runtime.h"

/* ---- a task that records where and why it ran ---- */

struct probe {
	_Atomic int runs;               /* handler calls */
	_Atomic int ran_on;             /* tid of the last run */
	_Atomic unsigned int reasons;   /* union of the reasons seen */
	_Atomic uint32_t ran_at;        /* now_ms at the last run */
};

static struct task *probe_fn(struct task *t, void *ctx, unsigned int state)
{
	struct probe *p = ctx;

	atomic_store(&p->ran_on, tid);
	atomic_fetch_or(&p->reasons, state);
	atomic_store(&p->ran_at, now_ms);
	atomic_fetch_add(&p->runs, 1);
	return t;
}

static int probe_ran(void *arg)
{
	return atomic_load(&((struct probe *)arg)->runs) > 0;
}

static void test_local_task_runs_on_owner(void **state)
{
	struct probe p = { 0 };
	struct task *t;

	rt_start(3);
	t = task_new(1UL << 2, probe_fn, &p, "probe");
	assert_non_null(t);
	task_wakeup(t, TASK_WOKEN_INIT);
	assert_true(rt_wait_until(probe_ran, &p, 5000));
	assert_int_equal(atomic_load(&p.ran_on), 2);
	assert_int_equal(atomic_load(&p.reasons), TASK_WOKEN_INIT);
	rt_stop();
	task_destroy(t);
}

/* ---- timers ---- */

struct timer_case {
	struct task *t;                 /* the task under test */
	struct probe p;                 /* its record */
	uint32_t set_at;                /* now_ms when armed */
	uint32_t first, second;         /* delays to apply in order (ms) */
	int earlier;                    /* use task_schedule() for the second */
};

static void arm_timer(void *arg)
{
	struct timer_case *c = arg;

	c->t = task_new(0, probe_fn, &c->p, "timer");
	assert_non_null(c->t);
	c->set_at = now_ms;
	task_set_expire(c->t, tick_add(now_ms, c->first));
	if (c->earlier)
		task_schedule(c->t, tick_add(now_ms, c->second));
	else if (c->second)
		task_set_expire(c->t, tick_add(now_ms, c->second));
}

static void destroy_timer(void *arg)
{
	task_destroy(((struct timer_case *)arg)->t);
}

static void test_timer_fires_after_date(void **state)
{
	struct timer_case c = { .first = 30 };

	rt_start(2);
	rt_call_on(1, arm_timer, &c);
	assert_true(rt_wait_until(probe_ran, &c.p, 5000));
	assert_true(tick_is_le(tick_add(c.set_at, 30), atomic_load(&c.p.ran_at)));
	assert_int_equal(atomic_load(&c.p.reasons), TASK_WOKEN_TIMER);
	assert_int_equal(atomic_load(&c.p.ran_on), 1);
	rt_call_on(1, destroy_timer, &c);
	rt_stop();
}

static void test_timer_pushed_later_is_lazy(void **state)
{
	struct timer_case c = { .first = 10, .second = 60 };

	rt_start(1);
	rt_call_on(0, arm_timer, &c);
	assert_true(rt_wait_until(probe_ran, &c.p, 5000));
	/* not woken at the first date: the node moved when it came */
	assert_true(tick_is_le(tick_add(c.set_at, 60), atomic_load(&c.p.ran_at)));
	assert_int_equal(atomic_load(&c.p.runs), 1);
	rt_call_on(0, destroy_timer, &c);
	rt_stop();
}

static void test_timer_pushed_earlier_requeues(void **state)
{
	struct timer_case c = { .first = 60000, .second = 20, .earlier = 1 };

	rt_start(1);
	rt_call_on(0, arm_timer, &c);
	assert_true(rt_wait_until(probe_ran, &c.p, 5000));
	assert_true(tick_is_le(tick_add(c.set_at, 20), atomic_load(&c.p.ran_at)));
	assert_true(tick_is_lt(atomic_load(&c.p.ran_at), tick_add(c.set_at, 60000)));
	rt_call_on(0, destroy_timer, &c);
	rt_stop();
}

/* Many local timers on one thread fire in date order, never early; many
 * shared timers fire exactly once each, never early.
 */
#define ORDER_TIMERS (10000 / STRESS_DIV)
#define SHARED_TIMERS (500 / STRESS_DIV)

struct order_rec {
	struct task *t;                 /* the task */
	uint32_t expire;                /* its date */
	_Atomic uint32_t fired;         /* now_ms when it ran, 0 before */
	_Atomic int runs;               /* times it ran */
};

static struct order_rec order_recs[ORDER_TIMERS];
static struct order_rec shared_recs[SHARED_TIMERS];
static int order_next;                  /* next slot of order_seq (thread 1 only) */
static int order_seq[ORDER_TIMERS];     /* run order, by index (thread 1 only) */
static _Atomic int order_written;       /* slots written, published to main */
static _Atomic int shared_done;

static struct task *order_fn(struct task *t, void *ctx, unsigned int state)
{
	struct order_rec *r = ctx;

	atomic_store(&r->fired, now_ms);
	atomic_fetch_add(&r->runs, 1);
	order_seq[order_next++] = (int)(r - order_recs);
	atomic_fetch_add_explicit(&order_written, 1, memory_order_release);
	return t;
}

static struct task *shared_order_fn(struct task *t, void *ctx, unsigned int state)
{
	struct order_rec *r = ctx;

	atomic_store(&r->fired, now_ms);
	if (atomic_fetch_add(&r->runs, 1) == 0)
		atomic_fetch_add(&shared_done, 1);
	return t;
}

static void arm_order(void *arg)
{
	for (int i = 0; i < ORDER_TIMERS; i++) {
		struct order_rec *r = &order_recs[i];

		r->t = task_new(0, order_fn, r, "order");
		assert_non_null(r->t);
		r->expire = tick_add(now_ms, 20 + rt_rand() % 300);
		task_set_expire(r->t, r->expire);
	}
}

static void destroy_order(void *arg)
{
	for (int i = 0; i < ORDER_TIMERS; i++)
		task_destroy(order_recs[i].t);
}

static int order_all_fired(void *arg)
{
	return atomic_load_explicit(&order_written, memory_order_acquire) == ORDER_TIMERS &&
	       atomic_load(&shared_done) == SHARED_TIMERS;
}

static void test_timer_order_at_scale(void **state)
{
	rt_start(2);
	clock_update();
	for (int i = 0; i < SHARED_TIMERS; i++) {
		struct order_rec *r = &shared_recs[i];

		r->t = task_new(all_threads_mask, shared_order_fn, r, "shared_order");
		assert_non_null(r->t);
		r->expire = tick_add(now_ms, 20 + rt_rand() % 300);
		task_set_expire(r->t, r->expire);
	}
	rt_call_on(1, arm_order, NULL);
	assert_true(rt_wait_until(order_all_fired, NULL, 10000));
	for (int i = 0; i < ORDER_TIMERS; i++) {
		struct order_rec *r = &order_recs[order_seq[i]];

		assert_int_equal(atomic_load(&r->runs), 1);
		assert_true(tick_is_le(r->expire, atomic_load(&r->fired)));
		if (i)
			assert_true(tick_is_le(order_recs[order_seq[i - 1]].expire, r->expire));
	}
	rt_call_on(1, destroy_order, NULL);
	rt_stop();
	for (int i = 0; i < SHARED_TIMERS; i++) {
		assert_int_equal(atomic_load(&shared_recs[i].runs), 1);
		assert_true(tick_is_le(shared_recs[i].expire, atomic_load(&shared_recs[i].fired)));
		task_destroy(shared_recs[i].t);
	}
}

/* ---- cross-thread wakeups under stress ---- */

#define STRESS_THREADS 4
#define STRESS_TASKS 64
#define STRESS_WAKERS 4
#define STRESS_WAKEUPS (1000000 / STRESS_DIV)

struct wake_rec {
	struct task *t;                 /* the task */
	_Atomic uint64_t requested;     /* bumped by wakers before waking */
	_Atomic uint64_t seen;          /* `requested` read at the last run */
	_Atomic int inside;             /* 1 while the handler runs */
	_Atomic uint64_t runs;          /* handler calls */
	_Atomic int overlap;            /* set if two runs overlapped */
};

static struct wake_rec wake_recs[STRESS_THREADS * STRESS_TASKS + 1];

static struct task *wake_fn(struct task *t, void *ctx, unsigned int state)
{
	struct wake_rec *r = ctx;

	if (atomic_exchange(&r->inside, 1))
		atomic_store(&r->overlap, 1);
	atomic_store(&r->seen, atomic_load(&r->requested));
	atomic_fetch_add(&r->runs, 1);
	atomic_store(&r->inside, 0);
	return t;
}

static void *waker_main(void *arg)
{
	int nrec = *(int *)arg;

	for (int i = 0; i < STRESS_WAKEUPS / STRESS_WAKERS; i++) {
		struct wake_rec *r = &wake_recs[rt_rand() % nrec];

		atomic_fetch_add(&r->requested, 1);
		task_wakeup(r->t, TASK_WOKEN_MSG);
	}
	return NULL;
}

static int wake_all_seen(void *arg)
{
	int nrec = *(int *)arg;

	for (int i = 0; i < nrec; i++)
		if (atomic_load(&wake_recs[i].seen) != atomic_load(&wake_recs[i].requested))
			return 0;
	return 1;
}

/* <shared>: the last record is a shared task woken like the others. */
static void run_wake_storm(int with_shared)
{
	pthread_t wakers[STRESS_WAKERS];
	int nrec = STRESS_THREADS * STRESS_TASKS + with_shared;
	uint64_t runs = 0;

	memset(wake_recs, 0, sizeof(wake_recs));
	rt_start(STRESS_THREADS);
	for (int i = 0; i < STRESS_THREADS * STRESS_TASKS; i++) {
		wake_recs[i].t = task_new(1UL << (i % STRESS_THREADS), wake_fn, &wake_recs[i], "wake");
		assert_non_null(wake_recs[i].t);
	}
	if (with_shared) {
		wake_recs[nrec - 1].t = task_new(all_threads_mask, wake_fn, &wake_recs[nrec - 1], "wake_shared");
		assert_non_null(wake_recs[nrec - 1].t);
	}
	for (int i = 0; i < STRESS_WAKERS; i++)
		assert_int_equal(pthread_create(&wakers[i], NULL, waker_main, &nrec), 0);
	for (int i = 0; i < STRESS_WAKERS; i++)
		pthread_join(wakers[i], NULL);
	assert_true(rt_wait_until(wake_all_seen, &nrec, 20000));
	rt_stop();
	for (int i = 0; i < nrec; i++) {
		assert_int_equal(atomic_load(&wake_recs[i].overlap), 0);
		runs += atomic_load(&wake_recs[i].runs);
		task_destroy(wake_recs[i].t);
	}
	/* wakeups coalesce, but never beyond the count requested */
	assert_true(runs > 0 && runs <= STRESS_WAKEUPS);
}

static void test_cross_thread_wakeups(void **state)
{
	run_wake_storm(0);
}

static void test_shared_task_never_concurrent(void **state)
{
	run_wake_storm(1);
}

/* Workers waking tasks of other workers from their handlers: a fixed number
 * of hops, each run passing a token to a random task elsewhere.
 */
#define HOP_TOKENS 32
#define HOPS (1000000 / STRESS_DIV)

static _Atomic int64_t hops_left;
static _Atomic int64_t hops_done;
static struct task *hop_tasks[STRESS_THREADS * STRESS_TASKS];
static _Atomic int hop_tokens[STRESS_THREADS * STRESS_TASKS];

static struct task *hop_fn(struct task *t, void *ctx, unsigned int state)
{
	int self = (int)(intptr_t)ctx;
	int n = atomic_exchange(&hop_tokens[self], 0);

	while (n--) {
		int next;

		atomic_fetch_add(&hops_done, 1);
		if (atomic_fetch_sub(&hops_left, 1) <= 0)
			continue;
		do {
			next = (int)(rt_rand() % (STRESS_THREADS * STRESS_TASKS));
		} while (next % STRESS_THREADS == tid);
		atomic_fetch_add(&hop_tokens[next], 1);
		task_wakeup(hop_tasks[next], TASK_WOKEN_MSG);
	}
	return t;
}

static int hops_finished(void *arg)
{
	return atomic_load(&hops_done) == HOPS + HOP_TOKENS;
}

static void test_worker_to_worker_wakeups(void **state)
{
	atomic_store(&hops_left, HOPS);
	atomic_store(&hops_done, 0);
	rt_start(STRESS_THREADS);
	for (int i = 0; i < STRESS_THREADS * STRESS_TASKS; i++) {
		atomic_store(&hop_tokens[i], 0);
		hop_tasks[i] = task_new(1UL << (i % STRESS_THREADS), hop_fn, (void *)(intptr_t)i, "hop");
		assert_non_null(hop_tasks[i]);
	}
	for (int i = 0; i < HOP_TOKENS; i++) {
		atomic_fetch_add(&hop_tokens[i], 1);
		task_wakeup(hop_tasks[i], TASK_WOKEN_INIT);
	}
	/* every token ends after HOPS forwards in all: HOPS + initial runs */
	assert_true(rt_wait_until(hops_finished, NULL, 30000));
	rt_stop();
	for (int i = 0; i < STRESS_THREADS * STRESS_TASKS; i++) {
		assert_int_equal(atomic_load(&hop_tokens[i]), 0);
		task_destroy(hop_tasks[i]);
	}
}

/* ---- tasklets and destruction ---- */

struct tl_case {
	struct tasklet *tl;             /* the tasklet */
	_Atomic int runs;               /* its runs */
	_Atomic int ran_on;             /* where */
	int free_self;                  /* frees itself on first run */
};

static void tl_fn(struct tasklet *tl, void *ctx, unsigned int state)
{
	struct tl_case *c = ctx;

	atomic_store(&c->ran_on, tid);
	atomic_fetch_add(&c->runs, 1);
	if (c->free_self)
		tasklet_free(tl);
}

static int tl_ran(void *arg)
{
	return atomic_load(&((struct tl_case *)arg)->runs) > 0;
}

static void test_tasklet_cross_thread_and_self_free(void **state)
{
	struct tl_case c = { .free_self = 1 };

	rt_start(2);
	c.tl = tasklet_new(1, tl_fn, &c, "tl");
	assert_non_null(c.tl);
	tasklet_wakeup(c.tl);
	assert_true(rt_wait_until(tl_ran, &c, 5000));
	assert_int_equal(atomic_load(&c.ran_on), 1);
	rt_stop();
}

struct kill_case {
	struct task *victim;            /* destroyed while queued */
	struct probe p;                 /* must never run */
};

static void wake_then_destroy(void *arg)
{
	struct kill_case *k = arg;

	k->victim = task_new(0, probe_fn, &k->p, "victim");
	assert_non_null(k->victim);
	task_wakeup(k->victim, TASK_WOKEN_INIT);
	assert_true(task_state(k->victim) & TASK_QUEUED);
	task_destroy(k->victim);       /* freed when the scheduler dequeues it */
}

static void nothing(void *arg)
{
}

static void test_destroy_while_queued(void **state)
{
	struct kill_case k = { 0 };

	rt_start(1);
	rt_call_on(0, wake_then_destroy, &k);
	rt_call_on(0, nothing, NULL);  /* a later pass dequeued the victim */
	rt_stop();
	assert_int_equal(atomic_load(&k.p.runs), 0);
}

/* ---- statistics ---- */

static void test_task_statistics(void **state)
{
	struct probe p = { 0 };
	struct task *t;
	struct sched_stats st;

	atomic_store(&task_profiling, 1);
	rt_start(1);
	t = task_new(1, probe_fn, &p, "stats");
	assert_non_null(t);
	for (int i = 0; i < 3; i++) {
		int before = atomic_load(&p.runs);

		task_wakeup(t, TASK_WOKEN_MSG);
		while (atomic_load(&p.runs) == before)
			sched_yield();
	}
	rt_call_on(0, nothing, NULL);
	sched_get_stats(0, &st);
	assert_int_equal(st.tasks, 1);
	assert_true(st.inbound_wakeups >= 3);
	rt_stop();
	assert_int_equal(atomic_load(&t->tl.calls), 3);
	assert_true(atomic_load(&t->tl.cpu_ns) > 0);
	task_destroy(t);
	atomic_store(&task_profiling, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_task_runs_on_owner),
		cmocka_unit_test(test_timer_fires_after_date),
		cmocka_unit_test(test_timer_pushed_later_is_lazy),
		cmocka_unit_test(test_timer_pushed_earlier_requeues),
		cmocka_unit_test(test_timer_order_at_scale),
		cmocka_unit_test(test_cross_thread_wakeups),
		cmocka_unit_test(test_shared_task_never_concurrent),
		cmocka_unit_test(test_worker_to_worker_wakeups),
		cmocka_unit_test(test_tasklet_cross_thread_and_self_free),
		cmocka_unit_test(test_destroy_while_queued),
		cmocka_unit_test(test_task_statistics),
	};

	return cmocka_run_group_tests_name("task", tests, NULL, rt_group_teardown);
}
