/*
 * Reproduction of seed note 004's pattern: a periodic shared task (HAProxy's
 * stick-table expiry task) recomputes its own expiry at 1 ms granularity
 * while several other threads keep pushing that expiry earlier
 * (stktable_requeue_exp() -> task_queue() in HAProxy). In HAProxy the task
 * wrote t->expire without the wait queue's lock and the requeue on another
 * thread could see it reset between its checks.
 *
 * Here `expire` and the wait-queue position only change together under the
 * shared wait queue's lock (task_set_expire(), task_schedule()), so the race
 * cannot exist. The test hammers the pattern for thousands of cycles and
 * checks: no overlapping runs, no lost wakeup (the task keeps running after
 * the pushers stop), the wait queue intact, and, under TSan, no data race.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <tollgate/clock.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>

#include "helpers/runtime.h"

#define WORKERS 4
#define PUSHERS 3
#define CYCLES (5000 / (STRESS_DIV > 4 ? 4 : STRESS_DIV))

static struct task *expiry_task;
static _Atomic int inside;
static _Atomic int overlap;
static _Atomic uint64_t runs;
static _Atomic uint64_t timer_runs;
static _Atomic int stop_pushers;
static _Atomic uint64_t pushes;

/* The periodic task: like a table's expiry task, it purges then computes
 * its next date from what remains, here always "in 1 ms".
 */
static struct task *expiry_fn(struct task *t, void *ctx, unsigned int state)
{
	if (atomic_exchange(&inside, 1))
		atomic_store(&overlap, 1);
	if (state & TASK_WOKEN_TIMER)
		atomic_fetch_add(&timer_runs, 1);
	atomic_fetch_add(&runs, 1);
	task_set_expire(t, tick_add(now_ms, 1));
	atomic_store(&inside, 0);
	return t;
}

/* Other threads updating entries: each update pushes the table's expiry
 * earlier (0 to 2 ms from now), like a touch with a short table expire.
 */
static void *pusher_main(void *arg)
{
	while (!atomic_load(&stop_pushers)) {
		task_schedule(expiry_task, tick_add(clock_ticks(), rt_rand() % 3));
		atomic_fetch_add(&pushes, 1);
	}
	return NULL;
}

/* Workers push too, from a local task that re-wakes itself, so that the
 * requeue also races with the expiry task on the worker threads.
 */
static struct task *worker_pusher_fn(struct task *t, void *ctx, unsigned int state)
{
	if (atomic_load(&stop_pushers))
		return t;
	task_schedule(expiry_task, tick_add(now_ms, rt_rand() % 3));
	atomic_fetch_add(&pushes, 1);
	task_wakeup(t, TASK_WOKEN_OTHER);
	return t;
}

static int enough_cycles(void *arg)
{
	return atomic_load(&timer_runs) >= CYCLES;
}

static int runs_beyond(void *arg)
{
	return atomic_load(&timer_runs) >= *(uint64_t *)arg;
}

static void test_expiry_task_requeue_race(void **state)
{
	pthread_t pushers[PUSHERS];
	struct task *wpush[WORKERS];
	uint64_t target;

	rt_start(WORKERS);
	expiry_task = task_new(all_threads_mask, expiry_fn, NULL, "table_expire");
	assert_non_null(expiry_task);
	clock_update();
	task_set_expire(expiry_task, tick_add(now_ms, 1));
	for (int i = 0; i < WORKERS; i++) {
		wpush[i] = task_new(1UL << i, worker_pusher_fn, NULL, "pusher");
		assert_non_null(wpush[i]);
		task_wakeup(wpush[i], TASK_WOKEN_INIT);
	}
	for (int i = 0; i < PUSHERS; i++)
		assert_int_equal(pthread_create(&pushers[i], NULL, pusher_main, NULL), 0);

	assert_true(rt_wait_until(enough_cycles, NULL, 60000));
	atomic_store(&stop_pushers, 1);
	for (int i = 0; i < PUSHERS; i++)
		pthread_join(pushers[i], NULL);

	/* no lost timer: alone again, the task keeps firing every ms */
	target = atomic_load(&timer_runs) + 50;
	assert_true(rt_wait_until(runs_beyond, &target, 10000));
	assert_int_equal(atomic_load(&overlap), 0);
	assert_true(atomic_load(&pushes) > CYCLES);
	assert_true(sched_check_wq(-1) >= 0);

	rt_stop();
	assert_true(sched_check_wq(-1) >= 0);
	for (int i = 0; i < WORKERS; i++)
		task_destroy(wpush[i]);
	task_destroy(expiry_task);
	assert_int_equal(sched_check_wq(-1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expiry_task_requeue_race),
	};

	return cmocka_run_group_tests_name("seed004", tests, NULL, rt_group_teardown);
}
