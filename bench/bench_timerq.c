/*
 * Timer heap micro-benchmark: inserts N timers at random dates around the
 * tick wrap, then pops them all in date order, and prints one line
 *
 *   timerq_insert_pop n=N mops=X
 *
 * where X is millions of operations per second, an insert and a pop each
 * counting as one operation. The best of a few rounds is kept. Usage:
 * bench_timerq [N], N defaulting to 1000000.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <tollgate/ticks.h>
#include <tollgate/timerq.h>

#define ROUNDS 5

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	struct timerq_node *nodes;
	uint32_t *keys;
	uint64_t x = 88172645463325252ULL;
	double best = 0;
	struct timerq q;

	if (n == 0 || n > 100000000) {
		fprintf(stderr, "usage: %s [N], 0 < N <= 100000000\n", argv[0]);
		return 2;
	}
	nodes = calloc(n, sizeof(*nodes));
	keys = malloc(n * sizeof(*keys));
	if (!nodes || !keys) {
		fprintf(stderr, "out of memory for %lu timers\n", n);
		return 1;
	}

	/* Timeouts up to ~17 minutes from a date 20 s before the wrap. */
	for (unsigned long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		keys[i] = tick_add(0U - 20000, (uint32_t)(x % 1000000));
	}

	for (int r = 0; r < ROUNDS; r++) {
		struct timerq_node *first;
		uint32_t prev = 0;
		double t0, dt;

		timerq_init(&q);
		for (unsigned long i = 0; i < n; i++)
			timerq_node_init(&nodes[i]);

		t0 = now_s();
		for (unsigned long i = 0; i < n; i++)
			timerq_insert(&q, &nodes[i], keys[i]);
		while ((first = timerq_first(&q)) != NULL) {
			if (q.count < n && tick_is_lt(first->key, prev)) {
				fprintf(stderr, "timerq: out of order pop\n");
				return 1;
			}
			prev = first->key;
			timerq_remove(&q, first);
		}
		dt = now_s() - t0;
		if (2.0 * n / dt / 1e6 > best)
			best = 2.0 * n / dt / 1e6;
	}

	printf("timerq_insert_pop n=%lu mops=%.2f\n", n, best);
	free(keys);
	free(nodes);
	return 0;
}
