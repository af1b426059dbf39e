/*
 * Tollgate's entry point.
 *
 * At this stage the binary runs a demonstration of the threaded runtime
 * (`--demo`): one token passed from thread to thread through tasklet
 * wakeups, and a periodic timer task on every thread, with a report every
 * second. The proxy's command line (-f, -c, -D...) comes with the
 * configuration language.
 *
 * Signals are handled synchronously by the main thread, which never runs
 * tasks: workers block every signal (thread_start()).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tollgate/clock.h>
#include <tollgate/pool.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>
#include <tollgate/version.h>

#define DEMO_TIMER_MS 100

/* One per worker; owned by that worker except the counters, which the main
 * thread reads.
 */
struct demo_thread {
	struct tasklet *token;          /* receives the token */
	struct task *timer;             /* periodic timer task */
	_Atomic uint64_t hops;          /* token receptions */
	_Atomic uint64_t ticks;         /* timer runs */
};

static struct demo_thread demo[MAX_THREADS];

static void demo_token(struct tasklet *tl, void *ctx, unsigned int state)
{
	struct demo_thread *d = ctx;
	int next = (tid + 1) % thread_count;

	atomic_fetch_add_explicit(&d->hops, 1, memory_order_relaxed);
	tasklet_wakeup(demo[next].token);
}

static struct task *demo_timer(struct task *t, void *ctx, unsigned int state)
{
	struct demo_thread *d = ctx;

	if (state & TASK_WOKEN_TIMER)
		atomic_fetch_add_explicit(&d->ticks, 1, memory_order_relaxed);
	task_set_expire(t, tick_add(now_ms, DEMO_TIMER_MS));
	return t;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: tollgate --demo [-t THREADS] [-d SECONDS]\n"
	        "       tollgate -v\n"
	        "  --demo        run the threaded runtime demonstration\n"
	        "  -t THREADS    worker threads (default: online CPUs)\n"
	        "  -d SECONDS    stop after SECONDS (default: until SIGINT/SIGTERM)\n"
	        "  -v            print the version\n");
}

static int demo_run(int nthreads, int seconds)
{
	sigset_t sigs;
	struct timespec one_sec = { 1, 0 };
	uint64_t last_hops = 0;
	int elapsed = 0, sig, ret;

	ret = thread_setup(nthreads);
	if (ret < 0) {
		fprintf(stderr, "[ALERT] cannot set up %d threads: %s\n", nthreads, strerror(-ret));
		return 1;
	}
	clock_update();
	for (int i = 0; i < thread_count; i++) {
		demo[i].token = tasklet_new(i, demo_token, &demo[i], "demo_token");
		demo[i].timer = task_new(1UL << i, demo_timer, &demo[i], "demo_timer");
		if (!demo[i].token || !demo[i].timer) {
			fprintf(stderr, "[ALERT] out of memory\n");
			return 1;
		}
		task_set_expire(demo[i].timer, tick_add(now_ms, DEMO_TIMER_MS));
	}
	tasklet_wakeup(demo[0].token);

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	ret = thread_start();
	if (ret < 0) {
		fprintf(stderr, "[ALERT] cannot start threads: %s\n", strerror(-ret));
		return 1;
	}
	printf("tollgate %s demo running: %d threads, pid %d (Ctrl-C to stop)\n",
	       TOLLGATE_VERSION, thread_count, (int)getpid());
	fflush(stdout);

	for (;;) {
		uint64_t hops = 0, ticks = 0;

		sig = sigtimedwait(&sigs, NULL, &one_sec);
		for (int i = 0; i < thread_count; i++) {
			hops += atomic_load_explicit(&demo[i].hops, memory_order_relaxed);
			ticks += atomic_load_explicit(&demo[i].ticks, memory_order_relaxed);
		}
		if (sig < 0 && errno == EAGAIN) {
			elapsed++;
			printf("[demo] %ds: token hops/s=%llu timer runs=%llu\n", elapsed,
			       (unsigned long long)(hops - last_hops), (unsigned long long)ticks);
			fflush(stdout);
			last_hops = hops;
			if (seconds > 0 && elapsed >= seconds)
				break;
			continue;
		}
		if (sig > 0) {
			printf("[demo] signal %d received, stopping\n", sig);
			break;
		}
	}
	thread_stop();
	thread_join();
	{
		uint64_t hops = 0;

		for (int i = 0; i < thread_count; i++)
			hops += atomic_load(&demo[i].hops);
		printf("[demo] stopped: hops=%llu\n", (unsigned long long)hops);
	}
	for (int i = 0; i < thread_count; i++) {
		task_destroy(demo[i].timer);
		tasklet_free(demo[i].token);
	}
	thread_teardown();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "demo", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pool_dbg = getenv("TOLLGATE_POOL_DEBUG");
	int demo_mode = 0, nthreads = 0, seconds = 0, c;
	char *end;

	while ((c = getopt_long(argc, argv, "t:d:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			demo_mode = 1;
			break;
		case 't':
			nthreads = (int)strtol(optarg, &end, 10);
			if (*end || nthreads < 1 || nthreads > MAX_THREADS) {
				fprintf(stderr, "[ALERT] -t: expected a thread count from 1 to %d, got '%s'\n",
				        MAX_THREADS, optarg);
				return 1;
			}
			break;
		case 'd':
			seconds = (int)strtol(optarg, &end, 10);
			if (*end || seconds < 0) {
				fprintf(stderr, "[ALERT] -d: expected a number of seconds, got '%s'\n", optarg);
				return 1;
			}
			break;
		case 'v':
			printf("Tollgate version %s\n", TOLLGATE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (pool_dbg && pool_debug_parse(pool_dbg) < 0)
		return 1;
	if (!demo_mode) {
		usage(stderr);
		return 1;
	}
	return demo_run(nthreads, seconds);
}
