/*
 * Thread isolation tests. Workers run busy tasklets that write their own
 * plain (non-atomic) slot; an isolated thread reads and resets every slot.
 * If isolation let a worker run, the slots would change under the reader
 * (checked) and ThreadSanitizer would report the race.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <tollgate/isolate.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>

#include "helpers/runtime.h"

#define WORKERS 4
#define ROUNDS (200 / STRESS_DIV)

static uint64_t slots[WORKERS];          /* plain on purpose */
static struct tasklet *busy[WORKERS];
static _Atomic int stop_busy;
static _Atomic int in_isolation;
static _Atomic int overlap;
static _Atomic int rounds_done;

static void busy_fn(struct tasklet *tl, void *ctx, unsigned int state)
{
	slots[tid]++;
	if (!atomic_load(&stop_busy))
		tasklet_wakeup(tl);
}

/* Runs isolated: no worker may touch its slot meanwhile. */
static void isolated_section(void)
{
	uint64_t before[WORKERS];

	if (atomic_exchange(&in_isolation, 1))
		atomic_store(&overlap, 1);
	assert_true(thread_isolated());
	for (int i = 0; i < WORKERS; i++)
		before[i] = slots[i];
	for (int spin = 0; spin < 2000; spin++)
		sched_yield();
	for (int i = 0; i < WORKERS; i++) {
		assert_true(slots[i] == before[i]);
		slots[i] = 0;
	}
	atomic_store(&in_isolation, 0);
}

static void start_busy(int n)
{
	atomic_store(&stop_busy, 0);
	rt_start(n);
	for (int i = 0; i < n; i++) {
		busy[i] = tasklet_new(i, busy_fn, NULL, "busy");
		assert_non_null(busy[i]);
		tasklet_wakeup(busy[i]);
	}
}

static void stop_busy_workers(int n)
{
	atomic_store(&stop_busy, 1);
	rt_stop();
	for (int i = 0; i < n; i++)
		tasklet_free(busy[i]);
}

static void test_isolate_from_main(void **state)
{
	start_busy(WORKERS);
	for (int i = 0; i < ROUNDS; i++) {
		thread_isolate();
		isolated_section();
		thread_release();
	}
	stop_busy_workers(WORKERS);
	assert_int_equal(atomic_load(&overlap), 0);
}

static void *requester_main(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		thread_isolate();
		isolated_section();
		thread_release();
		atomic_fetch_add(&rounds_done, 1);
	}
	return NULL;
}

/* A worker-side requester: a tasklet that isolates, then re-wakes itself. */
static void worker_requester_fn(struct tasklet *tl, void *ctx, unsigned int state)
{
	thread_isolate();
	isolated_section();
	thread_release();
	if (atomic_fetch_add(&rounds_done, 1) < 4 * ROUNDS)
		tasklet_wakeup(tl);
}

static int all_rounds(void *arg)
{
	return atomic_load(&rounds_done) >= 4 * ROUNDS;
}

static void test_concurrent_requesters(void **state)
{
	pthread_t req[2];
	struct tasklet *wreq[2];

	atomic_store(&rounds_done, 0);
	start_busy(WORKERS);
	for (int i = 0; i < 2; i++) {
		wreq[i] = tasklet_new(i, worker_requester_fn, NULL, "requester");
		assert_non_null(wreq[i]);
		tasklet_wakeup(wreq[i]);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&req[i], NULL, requester_main, NULL), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(req[i], NULL);
	assert_true(rt_wait_until(all_rounds, NULL, 60000));
	stop_busy_workers(WORKERS);
	for (int i = 0; i < 2; i++)
		tasklet_free(wreq[i]);
	assert_int_equal(atomic_load(&overlap), 0);
}

static void test_isolate_single_thread(void **state)
{
	start_busy(1);
	thread_isolate();
	isolated_section();
	thread_release();
	stop_busy_workers(1);
}

static void test_isolate_idle_threads(void **state)
{
	/* no task at all: every worker sleeps in epoll_wait() */
	rt_start(WORKERS);
	for (int i = 0; i < ROUNDS; i++) {
		thread_isolate();
		assert_true(thread_isolated());
		thread_release();
		assert_false(thread_isolated());
	}
	rt_stop();
}

static void test_isolate_without_threads(void **state)
{
	thread_isolate();
	assert_true(thread_isolated());
	thread_release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isolate_without_threads),
		cmocka_unit_test(test_isolate_from_main),
		cmocka_unit_test(test_concurrent_requesters),
		cmocka_unit_test(test_isolate_single_thread),
		cmocka_unit_test(test_isolate_idle_threads),
	};

	return cmocka_run_group_tests_name("isolate", tests, NULL, rt_group_teardown);
}
