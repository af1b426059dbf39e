/*
 * Worker threads and the poll loop. See thread.h.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <tollgate/clock.h>
#include <tollgate/compiler.h>
#include <tollgate/fd.h>
#include <tollgate/isolate.h>
#include <tollgate/pool.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>

/* epoll data of a worker's own eventfd: no fd entry can produce it. */
#define WAKE_DATA UINT64_MAX

/* Events handled per epoll_wait() call. */
#define POLL_EVENTS 256

struct thread_ctx {
	pthread_t pth;                  /* the pthread */
	int epfd;                       /* its epoll instance */
	int evfd;                       /* eventfd used to wake it */
	unsigned long cpus;             /* CPU affinity, 0: none */
	atomic_int sleeping CACHE_ALIGNED; /* 1 while in (or entering) epoll_wait */
	struct thread_stats stats CACHE_ALIGNED; /* written by the owner only */
} CACHE_ALIGNED;

__thread int tid = -1;
__thread unsigned long tid_bit;
int thread_count;
unsigned long all_threads_mask;

static struct thread_ctx *threads;      /* [thread_count] */
static atomic_int stopping;             /* set by thread_stop() */
static atomic_int running;              /* workers between start and join */

int thread_cpus_online(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > MAX_THREADS ? MAX_THREADS : (int)n;
}

int thread_wake(int t)
{
	struct thread_ctx *ctx = &threads[t];
	uint64_t one = 1;

	if (!atomic_load_explicit(&ctx->sleeping, memory_order_seq_cst))
		return 0;
	if (!atomic_exchange_explicit(&ctx->sleeping, 0, memory_order_seq_cst))
		return 0;
	/* An eventfd write cannot block below 2^64-1 pending wakeups. */
	if (write(ctx->evfd, &one, sizeof(one)) < 0) {
		/* nothing to recover: EAGAIN means a wakeup is pending */
	}
	return 1;
}

void thread_wake_all(void)
{
	for (int t = 0; t < thread_count; t++)
		thread_wake(t);
}

int thread_epfd(int t)
{
	return threads[t].epfd;
}

struct thread_stats *thread_stats(int t)
{
	return &threads[t].stats;
}

int thread_running(void)
{
	return atomic_load_explicit(&running, memory_order_acquire);
}

/* Computes how long the worker may sleep, in ms for epoll_wait(): 0 if it
 * has work, -1 for no timer, else the time to its next timer. Raises the
 * sleeping flag when it returns non-zero, after which any new work wakes
 * the worker.
 */
static int poll_timeout(struct thread_ctx *ctx)
{
	uint32_t next, remain;

	if (sched_has_work())
		return 0;
	atomic_store_explicit(&ctx->sleeping, 1, memory_order_seq_cst);
	if (sched_has_work() || atomic_load_explicit(&stopping, memory_order_seq_cst)) {
		atomic_store_explicit(&ctx->sleeping, 0, memory_order_relaxed);
		return 0;
	}
	next = sched_next_expiry();
	if (!tick_isset(next))
		return -1;
	remain = tick_remain(now_ms, next);
	if (!remain) {
		atomic_store_explicit(&ctx->sleeping, 0, memory_order_relaxed);
		return 0;
	}
	return remain > INT32_MAX ? INT32_MAX : (int)remain;
}

/* Adds a pass's work time <ns> (from the end of a poll to the start of the
 * next) to the sliding sum avg_loop_us reads: HAProxy's sliding average
 * over the last THREAD_LOOP_SAMPLES passes.
 */
static void loop_sample(struct thread_stats *st, uint64_t ns)
{
	uint64_t sum = atomic_load_explicit(&st->loop_us_sum, memory_order_relaxed);

	sum = sum - (sum + THREAD_LOOP_SAMPLES - 1) / THREAD_LOOP_SAMPLES + ns / 1000;
	atomic_store_explicit(&st->loop_us_sum, sum, memory_order_relaxed);
}

static void drain_eventfd(struct thread_ctx *ctx)
{
	uint64_t v;

	if (read(ctx->evfd, &v, sizeof(v)) > 0)
		thread_stat_add(&ctx->stats.wakeups, 1);
}

static void *worker_main(void *arg)
{
	struct thread_ctx *ctx = arg;
	struct epoll_event evs[POLL_EVENTS];
	uint64_t t0, t1;
	int n, timeout;

	tid = (int)(ctx - threads);
	tid_bit = 1UL << tid;
	if (ctx->cpus) {
		cpu_set_t set;

		CPU_ZERO(&set);
		for (int c = 0; c < 64; c++)
			if (ctx->cpus & (1UL << c))
				CPU_SET(c, &set);
		/* best effort: a CPU outside our cgroup just leaves the thread free */
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	clock_update();
	thread_harmless_end();

	t1 = clock_mono_ns();
	while (!atomic_load_explicit(&stopping, memory_order_acquire)) {
		unsigned int ran, tasks;

		clock_update();
		thread_stat_add(&ctx->stats.loops, 1);
		pool_thread_pass();
		ran = sched_run_pass(&tasks);
		thread_stat_add(&ctx->stats.tasks_run, ran);
		thread_stat_add(&ctx->stats.tasks_sw, tasks);
		if (!ran)
			thread_stat_add(&ctx->stats.empty_rq, 1);
		else if (ran >= SCHED_PASS_BUDGET)
			thread_stat_add(&ctx->stats.long_rq, 1);
		thread_safe_point();

		timeout = poll_timeout(ctx);
		if (!timeout)
			thread_stat_add(&ctx->stats.wake_tasks, 1);
		thread_harmless_begin();
		t0 = clock_mono_ns();
		loop_sample(&ctx->stats, t0 - t1);
		n = epoll_wait(ctx->epfd, evs, POLL_EVENTS, timeout);
		t1 = clock_mono_ns();
		thread_stat_add(&ctx->stats.poll_ns, t1 - t0);
		thread_harmless_end();
		atomic_store_explicit(&ctx->sleeping, 0, memory_order_relaxed);
		if (n > 0)
			thread_stat_add(&ctx->stats.poll_io, 1);
		else if (n == 0 && timeout)
			thread_stat_add(&ctx->stats.poll_exp, 1);

		clock_update();
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == WAKE_DATA) {
				drain_eventfd(ctx);
				continue;
			}
			fd_dispatch(&evs[i]);
		}
		if (n > 0)
			thread_stat_add(&ctx->stats.fd_events, (uint64_t)n);
	}
	thread_harmless_begin();
	return NULL;
}

static void close_ctx(struct thread_ctx *ctx)
{
	if (ctx->evfd >= 0)
		close(ctx->evfd);
	if (ctx->epfd >= 0)
		close(ctx->epfd);
}

int thread_setup(int n)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WAKE_DATA };
	int i, ret;

	if (n == 0)
		n = thread_cpus_online();
	if (n < 1 || n > MAX_THREADS)
		return -EINVAL;
	ret = fd_init();
	if (ret < 0)
		return ret;
	threads = calloc((size_t)n, sizeof(*threads));
	if (!threads)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		threads[i].epfd = threads[i].evfd = -1;
	for (i = 0; i < n; i++) {
		threads[i].epfd = epoll_create1(EPOLL_CLOEXEC);
		threads[i].evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (threads[i].epfd < 0 || threads[i].evfd < 0 ||
		    epoll_ctl(threads[i].epfd, EPOLL_CTL_ADD, threads[i].evfd, &ev) < 0) {
			ret = -errno;
			goto out_close;
		}
	}
	thread_count = n;
	all_threads_mask = n == 64 ? ~0UL : (1UL << n) - 1;
	ret = sched_init(n);
	if (ret < 0)
		goto out_close;
	isolate_init();
	atomic_store(&stopping, 0);
	return 0;

out_close:
	for (i = 0; i < n; i++)
		close_ctx(&threads[i]);
	free(threads);
	threads = NULL;
	thread_count = 0;
	all_threads_mask = 0;
	return ret;
}

void thread_set_affinity(int t, unsigned long cpus)
{
	threads[t].cpus = cpus;
}

int thread_start(void)
{
	sigset_t all, old;
	int i, ret = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	atomic_store_explicit(&running, 1, memory_order_release);
	for (i = 0; i < thread_count; i++) {
		ret = pthread_create(&threads[i].pth, NULL, worker_main, &threads[i]);
		if (ret)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		/* stop and reap the ones that started */
		thread_stop();
		while (i-- > 0)
			pthread_join(threads[i].pth, NULL);
		atomic_store(&running, 0);
		return -ret;
	}
	return 0;
}

void thread_stop(void)
{
	atomic_store_explicit(&stopping, 1, memory_order_seq_cst);
	thread_wake_all();
}

void thread_join(void)
{
	for (int i = 0; i < thread_count; i++)
		pthread_join(threads[i].pth, NULL);
	atomic_store_explicit(&running, 0, memory_order_release);
}

void thread_teardown(void)
{
	sched_deinit();
	for (int i = 0; i < thread_count; i++)
		close_ctx(&threads[i]);
	free(threads);
	threads = NULL;
	thread_count = 0;
	all_threads_mask = 0;
	fd_deinit();
}
