/*
 * Stick-table micro-benchmark.
 *
 *   bench_stktable [quick]
 *
 * 1. Memory per entry: RSS delta / entries after inserting 1,000,000 `ip`
 *    keys into "type ip size 1m store conn_cur,conn_rate(10s),http_req_rate(10s)".
 * 2. Tracked updates per second: get_or_create + conn_rate and
 *    http_req_rate update + touch_local (dropping the reference), on a table
 *    of 1M keys (pre-filled), keys drawn uniformly or from a zipf law
 *    (s = 0.99), at 1, 2, 4, 8, 16 threads, sharded and single-lock.
 *
 * One line per figure, e.g.
 *   stktable_update keys=uniform threads=4 mode=sharded mops=12.3
 * "quick" runs each figure for 0.1 s instead of 1 s. Threads are plain
 * pthreads (tid = i for the pools' per-thread caches). The machine's CPU
 * count is printed: figures above it measure oversubscription, not scaling.
 */
#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tollgate/clock.h>
#include <tollgate/stktable.h>
#include <tollgate/thread.h>

#define NKEYS        1000000U
#define ZIPF_SAMPLES (1U << 22)
#define MAX_BTHREADS 16

static const char *def_line = "type ip size 1m store conn_cur,conn_rate(10s),http_req_rate(10s)";
static uint32_t *zipf_keys;          /* ZIPF_SAMPLES key indexes drawn from the law */
static double run_secs = 1.0;

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint32_t xs(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1DULL) >> 32);
}

static int mk(struct stktable *t, int single)
{
	struct stktable_def def;
	char err[256];

	if (stktable_parse_line(&def, def_line, err, sizeof(err))) {
		fprintf(stderr, "parse: %s\n", err);
		return -1;
	}
	if (single)
		def.flags |= STKTABLE_F_SINGLE_LOCK;
	return stktable_init(t, single ? "single" : "sharded", &def);
}

static void fill(struct stktable *t)
{
	uint32_t i, ip;

	clock_update();
	for (i = 0; i < NKEYS; i++) {
		struct stktable_key k = { &ip, 4 };
		struct stksess *ts;

		ip = htonl(0x0a000000U + i);
		ts = stktable_get_or_create(t, &k, NULL);
		if (ts)
			stktable_release(t, ts);
	}
}

static void bench_memory(void)
{
	struct stktable t;
	struct stktable_stats st;
	long before, after;

	before = rss_kb();
	if (mk(&t, 0))
		return;
	fill(&t);
	after = rss_kb();
	stktable_get_stats(&t, &st);
	printf("stktable_mem type=ip store=conn_cur,conn_rate(10s),http_req_rate(10s) entries=%llu entry_size=%u bytes_per_entry=%.1f\n",
	       (unsigned long long)st.used, t.entry_size, (after - before) * 1024.0 / (double)st.used);
	stktable_deinit(&t);
}

static void make_zipf(void)
{
	double *cdf, sum = 0, s = 0.99;
	uint64_t rng = 12345;
	uint32_t i;

	cdf = malloc(sizeof(*cdf) * NKEYS);
	zipf_keys = malloc(sizeof(*zipf_keys) * ZIPF_SAMPLES);
	for (i = 0; i < NKEYS; i++) {
		sum += 1.0 / pow(i + 1, s);
		cdf[i] = sum;
	}
	for (i = 0; i < ZIPF_SAMPLES; i++) {
		double u = (xs(&rng) / 4294967296.0) * sum;
		uint32_t lo = 0, hi = NKEYS - 1;

		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* scatter ranks over the key space so hot keys are not neighbours */
		zipf_keys[i] = (uint32_t)(((uint64_t)lo * 2654435761U) % NKEYS);
	}
	free(cdf);
}

struct bthread {
	pthread_t th;                 /* the thread */
	int id;                       /* its index, also its tid */
	struct stktable *t;           /* table */
	int zipf;                     /* key law */
	volatile int *go;             /* start flag */
	volatile int *stop;           /* stop flag */
	uint64_t ops;                 /* tracked updates done */
};

static void *bench_thread(void *p)
{
	struct bthread *b = p;
	struct stktable *t = b->t;
	uint64_t rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(b->id + 1), ops = 0;
	uint32_t zi = (uint32_t)b->id * 7919U * 64U, ip;
	struct stktable_key k = { &ip, 4 };

	tid = b->id;
	tid_bit = 1UL << b->id;
	clock_update();
	while (!*b->go)
		;
	while (!*b->stop) {
		int n;

		clock_update();
		for (n = 0; n < 256; n++) {
			uint32_t idx = b->zipf ? zipf_keys[zi++ & (ZIPF_SAMPLES - 1)] : xs(&rng) % NKEYS;
			struct stksess *ts;

			ip = htonl(0x0a000000U + idx);
			ts = stktable_get_or_create(t, &k, NULL);
			if (!ts)
				continue;
			stktable_rate_add(t, stktable_data_ptr(t, ts, STKTABLE_DT_CONN_RATE, 0),
			                  STKTABLE_DT_CONN_RATE, 1, now_ms);
			stktable_rate_add(t, stktable_data_ptr(t, ts, STKTABLE_DT_HTTP_REQ_RATE, 0),
			                  STKTABLE_DT_HTTP_REQ_RATE, 1, now_ms);
			stktable_touch_local(t, ts, 1);
		}
		ops += 256;
	}
	b->ops = ops;
	return NULL;
}

static double bench_updates(struct stktable *t, int nthr, int zipf)
{
	static struct bthread b[MAX_BTHREADS];
	volatile int go = 0, stop = 0;
	uint64_t total = 0;
	double t0, t1;
	int i;

	for (i = 0; i < nthr; i++) {
		b[i].id = i;
		b[i].t = t;
		b[i].zipf = zipf;
		b[i].go = &go;
		b[i].stop = &stop;
		b[i].ops = 0;
		pthread_create(&b[i].th, NULL, bench_thread, &b[i]);
	}
	usleep(20000);
	t0 = now_sec();
	go = 1;
	usleep((useconds_t)(run_secs * 1e6));
	stop = 1;
	for (i = 0; i < nthr; i++) {
		pthread_join(b[i].th, NULL);
		total += b[i].ops;
	}
	t1 = now_sec();
	return total / (t1 - t0) / 1e6;
}

int main(int argc, char **argv)
{
	static const int threads[] = { 1, 2, 4, 8, 16 };
	double res[2][2][5];          /* [zipf][single][thread idx] */
	struct stktable tables[2];
	int z, s, i;

	if (argc > 1 && strcmp(argv[1], "quick") == 0)
		run_secs = 0.1;
	printf("stktable_machine cpus=%ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	bench_memory();
	make_zipf();
	for (s = 0; s < 2; s++) {
		if (mk(&tables[s], s))
			return 1;
		fill(&tables[s]);
	}
	for (z = 0; z < 2; z++) {
		for (i = 0; i < 5; i++) {
			for (s = 0; s < 2; s++) {
				res[z][s][i] = bench_updates(&tables[s], threads[i], z);
				printf("stktable_update keys=%s threads=%d mode=%s mops=%.2f\n",
				       z ? "zipf" : "uniform", threads[i], s ? "single" : "sharded", res[z][s][i]);
				fflush(stdout);
			}
		}
	}
	for (z = 0; z < 2; z++) {
		printf("stktable_scaling keys=%s mode=sharded threads=16 vs=1 ratio=%.2f\n",
		       z ? "zipf" : "uniform", res[z][0][4] / res[z][0][0]);
		printf("stktable_sharded_vs_single keys=%s threads=16 ratio=%.2f\n",
		       z ? "zipf" : "uniform", res[z][0][4] / res[z][1][4]);
	}
	for (s = 0; s < 2; s++)
		stktable_deinit(&tables[s]);
	free(zipf_keys);
	return 0;
}
