/*
 * Pool micro-benchmark: alloc+free pairs per second per thread, pools
 * against glibc malloc()/free(), at 1, 2, 4, 8 and 16 threads.
 *
 * Pattern (the same for both): each thread keeps a window of WINDOW live
 * objects of 64 to 256 bytes; each step frees the oldest and allocates a new
 * one of a random size, writing its first word. Pools are one per 64-byte
 * size class; malloc() gets the exact size. Threads set `tid` like workers.
 *
 * Usage: bench_pool [quick]
 * Output, one line per measurement:
 *   pool_alloc_free threads=N per_thread_mops=X total_mops=Y
 *   malloc_free threads=N per_thread_mops=X total_mops=Y
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tollgate/clock.h>
#include <tollgate/pool.h>
#include <tollgate/thread.h>

#define WINDOW       64         /* live objects per thread */
#define CLASSES      4          /* pools of 64, 128, 192, 256 bytes */
#define STEP_BATCH   1024       /* steps between two looks at the stop flag */
#define MAX_BENCH_THREADS 16

enum bench_mode {
	BENCH_POOL,                 /* pool_alloc()/pool_free() */
	BENCH_MALLOC,               /* malloc()/free() */
};

/* One benchmark thread. */
struct bench_thread {
	pthread_t th;               /* the thread */
	int idx;                    /* its tid */
	uint64_t steps;             /* alloc+free pairs done */
	uint64_t ns;                /* time measured */
} CACHE_ALIGNED;

static struct pool_head *bench_pools[CLASSES];
static struct bench_thread bench_threads[MAX_BENCH_THREADS];
static pthread_barrier_t bench_start;
static atomic_int bench_stop;
static enum bench_mode bench_mode;

static inline uint64_t bench_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Allocates an object of <size> (64..256) bytes, writing its first word. */
static inline void *bench_alloc(unsigned int size, uint64_t r)
{
	void *p;

	if (bench_mode == BENCH_POOL)
		p = pool_alloc(bench_pools[(size - 1) / 64]);
	else
		p = malloc(size);
	if (!p) {
		fprintf(stderr, "bench_pool: allocation failed\n");
		exit(1);
	}
	*(volatile uint64_t *)p = r;
	return p;
}

static inline void bench_free(void *p, unsigned int size)
{
	if (bench_mode == BENCH_POOL)
		pool_free(bench_pools[(size - 1) / 64], p);
	else
		free(p);
}

static void *bench_worker(void *arg)
{
	struct bench_thread *bt = arg;
	void *win[WINDOW];
	unsigned int sizes[WINDOW];
	uint64_t seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(bt->idx + 1);
	uint64_t start, steps = 0, r;
	unsigned int pos = 0, i;

	tid = bt->idx;
	tid_bit = 1UL << bt->idx;
	for (i = 0; i < WINDOW; i++) {
		r = bench_rand(&seed);
		sizes[i] = 64 + (unsigned int)((r >> 8) % 193);
		win[i] = bench_alloc(sizes[i], r);
	}
	pthread_barrier_wait(&bench_start);
	start = clock_mono_ns();
	while (!atomic_load_explicit(&bench_stop, memory_order_relaxed)) {
		for (i = 0; i < STEP_BATCH; i++) {
			r = bench_rand(&seed);
			bench_free(win[pos], sizes[pos]);
			sizes[pos] = 64 + (unsigned int)((r >> 8) % 193);
			win[pos] = bench_alloc(sizes[pos], r);
			pos = (pos + 1) % WINDOW;
		}
		steps += STEP_BATCH;
	}
	bt->ns = clock_mono_ns() - start;
	bt->steps = steps;
	for (i = 0; i < WINDOW; i++)
		bench_free(win[i], sizes[i]);
	tid = -1;
	return NULL;
}

/* Runs <n> threads in <mode> for <ms> milliseconds and prints one line. */
static void bench_run(enum bench_mode mode, int n, unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	double per_thread = 0, total = 0, mops;
	int i;

	bench_mode = mode;
	atomic_store(&bench_stop, 0);
	pthread_barrier_init(&bench_start, NULL, (unsigned int)n + 1);
	for (i = 0; i < n; i++) {
		bench_threads[i].idx = i;
		if (pthread_create(&bench_threads[i].th, NULL, bench_worker, &bench_threads[i]) != 0) {
			fprintf(stderr, "bench_pool: pthread_create failed\n");
			exit(1);
		}
	}
	pthread_barrier_wait(&bench_start);
	nanosleep(&ts, NULL);
	atomic_store(&bench_stop, 1);
	for (i = 0; i < n; i++)
		pthread_join(bench_threads[i].th, NULL);
	pthread_barrier_destroy(&bench_start);

	for (i = 0; i < n; i++) {
		mops = bench_threads[i].ns ? (double)bench_threads[i].steps * 1e3 / (double)bench_threads[i].ns : 0;
		per_thread += mops;
		total += mops;
	}
	per_thread /= n;
	printf("%s threads=%d per_thread_mops=%.2f total_mops=%.2f\n",
	       mode == BENCH_POOL ? "pool_alloc_free" : "malloc_free", n, per_thread, total);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const int counts[] = { 1, 2, 4, 8, 16 };
	unsigned int ms = 300;
	char name[16];
	size_t i;

	if (argc > 1 && strcmp(argv[1], "quick") == 0)
		ms = 50;
	for (i = 0; i < CLASSES; i++) {
		snprintf(name, sizeof(name), "bench_%zu", (i + 1) * 64);
		bench_pools[i] = pool_create(name, (unsigned int)((i + 1) * 64), POOL_F_EXCLUSIVE);
		if (!bench_pools[i]) {
			fprintf(stderr, "bench_pool: pool_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		bench_run(BENCH_POOL, counts[i], ms);
		bench_run(BENCH_MALLOC, counts[i], ms);
	}
	for (i = 0; i < CLASSES; i++)
		pool_destroy(bench_pools[i]);
	return 0;
}
