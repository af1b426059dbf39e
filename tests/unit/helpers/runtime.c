/*
 * Test helpers for the threaded runtime. See runtime.h.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

#include <tollgate/clock.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>

#include "runtime.h"

struct rt_call {
	void (*fn)(void *);          /* what to run */
	void *arg;                   /* its argument */
	pthread_mutex_t lock;        /* protects done */
	pthread_cond_t cond;         /* signalled when done */
	int done;                    /* 1 once fn returned */
};

void rt_start(int n)
{
	if (thread_count)
		thread_teardown();
	assert_int_equal(thread_setup(n), 0);
	assert_int_equal(thread_start(), 0);
}

void rt_stop(void)
{
	thread_stop();
	thread_join();
}

int rt_group_teardown(void **state)
{
	if (thread_count)
		thread_teardown();
	return 0;
}

static void rt_call_handler(struct tasklet *tl, void *ctx, unsigned int state)
{
	struct rt_call *c = ctx;

	clock_update();
	c->fn(c->arg);
	tasklet_free(tl);
	pthread_mutex_lock(&c->lock);
	c->done = 1;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void rt_call_on(int thr, void (*fn)(void *), void *arg)
{
	struct rt_call c = { .fn = fn, .arg = arg, .done = 0 };
	struct tasklet *tl;

	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.cond, NULL);
	tl = tasklet_new(thr, rt_call_handler, &c, "rt_call");
	assert_non_null(tl);
	tasklet_wakeup(tl);
	pthread_mutex_lock(&c.lock);
	while (!c.done)
		pthread_cond_wait(&c.cond, &c.lock);
	pthread_mutex_unlock(&c.lock);
	pthread_cond_destroy(&c.cond);
	pthread_mutex_destroy(&c.lock);
}

int rt_wait_until(int (*pred)(void *), void *arg, int timeout_ms)
{
	struct timespec pause = { 0, 100000 };
	uint64_t deadline = clock_mono_ns() + (uint64_t)timeout_ms * 1000000ULL;

	while (!pred(arg)) {
		if (clock_mono_ns() > deadline)
			return 0;
		nanosleep(&pause, NULL);
	}
	return 1;
}

uint32_t rt_rand(void)
{
	static __thread uint32_t x;

	if (!x)
		x = (uint32_t)(uintptr_t)&x ^ (uint32_t)clock_mono_ns() ^ 0x9e3779b9U;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}
