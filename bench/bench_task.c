/*
 * Scheduler micro-benchmark: task wakeups per second.
 *
 *  same_thread:  on every worker, two tasks wake each other (a wakeup and a
 *                run per handler call, no other thread involved);
 *  cross_thread: every worker owns TOKENS tasks; each run wakes the task of
 *                the same index on the next worker, so all wakeups cross
 *                threads through the inbound queues.
 *  tasklet:      like same_thread with tasklets.
 *
 * At 1, 2, 4, 8 and 16 threads (capped by argv), each for MEASURE_MS after a
 * warm-up. Prints one line per figure; `bench/run` records them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tollgate/clock.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>

#define TOKENS 64

static int measure_ms = 500;

struct counter {
	_Atomic uint64_t runs;          /* written by its worker only */
} CACHE_ALIGNED;

static struct counter counters[MAX_THREADS];
static struct task *pair[MAX_THREADS][2];
static struct tasklet *tpair[MAX_THREADS][2];
static struct task *ring[MAX_THREADS][TOKENS];

static void count_run(void)
{
	_Atomic uint64_t *c = &counters[tid].runs;

	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
}

static struct task *pingpong_fn(struct task *t, void *ctx, unsigned int state)
{
	count_run();
	task_wakeup(ctx, TASK_WOKEN_MSG);
	return t;
}

static void tasklet_pingpong_fn(struct tasklet *tl, void *ctx, unsigned int state)
{
	count_run();
	tasklet_wakeup(ctx);
}

static struct task *ring_fn(struct task *t, void *ctx, unsigned int state)
{
	int idx = (int)(intptr_t)ctx;

	count_run();
	task_wakeup(ring[(tid + 1) % thread_count][idx], TASK_WOKEN_MSG);
	return t;
}

static uint64_t total_runs(void)
{
	uint64_t sum = 0;

	for (int i = 0; i < thread_count; i++)
		sum += atomic_load_explicit(&counters[i].runs, memory_order_relaxed);
	return sum;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Starts the workers, lets them warm up, measures, stops. Returns runs/s. */
static double measure(void)
{
	uint64_t r0, r1, t0, t1;

	if (thread_start() < 0) {
		fprintf(stderr, "cannot start threads\n");
		exit(1);
	}
	sleep_ms(measure_ms / 5);
	r0 = total_runs();
	t0 = clock_mono_ns();
	sleep_ms(measure_ms);
	r1 = total_runs();
	t1 = clock_mono_ns();
	thread_stop();
	thread_join();
	return (double)(r1 - r0) * 1e9 / (double)(t1 - t0);
}

static void setup(int n)
{
	memset(counters, 0, sizeof(counters));
	if (thread_setup(n) < 0) {
		fprintf(stderr, "cannot set up %d threads\n", n);
		exit(1);
	}
}

static void bench_same_thread(int n)
{
	double rate;

	setup(n);
	for (int i = 0; i < n; i++) {
		pair[i][0] = task_new(1UL << i, pingpong_fn, NULL, "ping");
		pair[i][1] = task_new(1UL << i, pingpong_fn, pair[i][0], "pong");
		pair[i][0]->tl.context = pair[i][1];
		task_wakeup(pair[i][0], TASK_WOKEN_INIT);
	}
	rate = measure();
	for (int i = 0; i < n; i++) {
		task_destroy(pair[i][0]);
		task_destroy(pair[i][1]);
	}
	thread_teardown();
	printf("task_wakeup mode=same_thread threads=%d per_thread_mops=%.2f total_mops=%.2f\n",
	       n, rate / n / 1e6, rate / 1e6);
	fflush(stdout);
}

static void bench_tasklet(int n)
{
	double rate;

	setup(n);
	for (int i = 0; i < n; i++) {
		tpair[i][0] = tasklet_new(i, tasklet_pingpong_fn, NULL, "ping");
		tpair[i][1] = tasklet_new(i, tasklet_pingpong_fn, tpair[i][0], "pong");
		tpair[i][0]->context = tpair[i][1];
		tasklet_wakeup(tpair[i][0]);
	}
	rate = measure();
	for (int i = 0; i < n; i++) {
		tasklet_free(tpair[i][0]);
		tasklet_free(tpair[i][1]);
	}
	thread_teardown();
	printf("tasklet_wakeup mode=same_thread threads=%d per_thread_mops=%.2f total_mops=%.2f\n",
	       n, rate / n / 1e6, rate / 1e6);
	fflush(stdout);
}

static void bench_cross_thread(int n)
{
	double rate;

	setup(n);
	for (int i = 0; i < n; i++)
		for (int k = 0; k < TOKENS; k++)
			ring[i][k] = task_new(1UL << i, ring_fn, (void *)(intptr_t)k, "ring");
	/* one token per index, all starting on thread 0 */
	for (int k = 0; k < TOKENS; k++)
		task_wakeup(ring[0][k], TASK_WOKEN_INIT);
	rate = measure();
	for (int i = 0; i < n; i++)
		for (int k = 0; k < TOKENS; k++)
			task_destroy(ring[i][k]);
	thread_teardown();
	printf("task_wakeup mode=cross_thread threads=%d per_thread_mops=%.2f total_mops=%.2f\n",
	       n, rate / n / 1e6, rate / 1e6);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const int counts[] = { 1, 2, 4, 8, 16 };

	if (argc > 1 && !strcmp(argv[1], "quick"))
		measure_ms = 100;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		bench_same_thread(counts[i]);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		bench_tasklet(counts[i]);
	for (size_t i = 1; i < sizeof(counts) / sizeof(counts[0]); i++)
		bench_cross_thread(counts[i]);
	return 0;
}
