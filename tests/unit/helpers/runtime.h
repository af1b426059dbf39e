/*
 * Test helpers: start and stop the worker threads, run a function on a
 * given worker and wait for it, wait for a condition with a deadline.
 */
#ifndef TOLLGATE_TEST_RUNTIME_H
#define TOLLGATE_TEST_RUNTIME_H

#include <stdint.h>

/* Iteration counts are divided by this under sanitizers (TSan is ~10x
 * slower, and threads outnumber the 2 cores of CI).
 */
#ifdef TG_TSAN
#define STRESS_DIV 10
#elif defined(TG_SANITIZER)
#define STRESS_DIV 4
#else
#define STRESS_DIV 1
#endif

/* Sets up and starts <n> workers, tearing down those of a previous
 * rt_start(); fails the test on error.
 */
void rt_start(int n);

/* Stops and joins the workers. Their queues and pools stay until the next
 * rt_start() or rt_group_teardown(), so that tasks can be destroyed after
 * the stop.
 */
void rt_stop(void);

/* cmocka group teardown: releases what the last rt_start() set up. */
int rt_group_teardown(void **state);

/* Runs <fn>(<arg>) on worker <thr> from a tasklet and returns once it has
 * run. Called from a non-worker thread.
 */
void rt_call_on(int thr, void (*fn)(void *), void *arg);

/* Waits until <pred>(<arg>) returns non-zero, checking every 100 us, for at
 * most <timeout_ms>. Returns 1 if it did, 0 on timeout.
 */
int rt_wait_until(int (*pred)(void *), void *arg, int timeout_ms);

/* Returns a pseudo-random number from the caller's thread-local state. */
uint32_t rt_rand(void);

#endif
