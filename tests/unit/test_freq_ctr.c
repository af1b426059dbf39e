/*
 * Unit tests for frequency counters (freq_ctr.h).
 *
 * Edge cases (idle for one, two, many periods; period boundaries; the tick
 * wrap), random event streams checked against an exact sliding-window
 * reference within the documented bound, and concurrent adders (no event
 * lost across a period change). The random seed may be forced with
 * FREQ_SEED=<n>.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/freq_ctr.h>
#include <tollgate/ticks.h>

static uint64_t rng_state;

static void rng_seed(uint64_t fallback)
{
	const char *env = getenv("FREQ_SEED");

	rng_state = env ? strtoull(env, NULL, 0) : fallback;
	print_message("seed %llu\n", (unsigned long long)rng_state);
	if (!rng_state)
		rng_state = 1;
}

static uint32_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(((uint64_t)rng_next() * n) >> 32);
}

/* Dates start 20 s before the wrap, like the process clock. */
#define T0 ((uint32_t)-20000)

static void test_empty(void **state)
{
	struct freq_ctr c;

	(void)state;
	freq_ctr_init(&c);
	assert_int_equal(freq_ctr_read(&c, 1000, T0), 0);
	assert_int_equal(freq_ctr_read(&c, 1000, 0), 0);
	assert_int_equal(freq_ctr_read(&c, 1000, 12345), 0);
}

static void test_same_period(void **state)
{
	struct freq_ctr c;
	int i;

	(void)state;
	freq_ctr_init(&c);
	for (i = 0; i < 10; i++)
		freq_ctr_add(&c, 1000, 1, T0 + (uint32_t)i * 10);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 100), 10);
	freq_ctr_add(&c, 1000, 5, T0 + 999);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 999), 15);
}

/* One period later the count becomes "previous" and fades linearly. */
static void test_idle_one_period(void **state)
{
	struct freq_ctr c;
	uint32_t curr, prev, el;

	(void)state;
	freq_ctr_init(&c);
	freq_ctr_add(&c, 1000, 100, T0);              /* period [T0, T0+1000) */
	/* at exactly the boundary: all of prev counts */
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 1000), 100);
	freq_ctr_snapshot(&c, 1000, T0 + 1000, &curr, &prev, &el);
	assert_int_equal(curr, 0);
	assert_int_equal(prev, 100);
	assert_int_equal(el, 0);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 1250), 75);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 1500), 50);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 1999), 0);   /* 100 * 1/1000 floors to 0 */
	/* an add in the next period carries the old count to prev */
	freq_ctr_add(&c, 1000, 10, T0 + 1500);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 1500), 60);
}

static void test_idle_two_and_many(void **state)
{
	struct freq_ctr c;

	(void)state;
	freq_ctr_init(&c);
	freq_ctr_add(&c, 1000, 100, T0);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 2000), 0);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 2500), 0);
	freq_ctr_add(&c, 1000, 7, T0 + 2500);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 2500), 7);
	/* many periods idle (an hour) */
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 3600000), 0);
	freq_ctr_add(&c, 1000, 3, T0 + 3600000);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 3600000), 3);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 3601000), 3);
}

/* Periods stay aligned on the first period's start (to the even ms). */
static void test_alignment(void **state)
{
	struct freq_ctr c;
	uint32_t curr, prev, el;

	(void)state;
	freq_ctr_init(&c);
	freq_ctr_add(&c, 1000, 1, T0 + 2);
	freq_ctr_add(&c, 1000, 1, T0 + 1500);          /* next period starts at T0+1002 */
	freq_ctr_snapshot(&c, 1000, T0 + 1500, &curr, &prev, &el);
	assert_int_equal(curr, 1);
	assert_int_equal(prev, 1);
	assert_int_equal(el, 498);
}

/* The wrap of the 32-bit tick is crossed without a glitch. */
static void test_wrap(void **state)
{
	struct freq_ctr c;
	uint32_t now = (uint32_t)-500, i;

	(void)state;
	freq_ctr_init(&c);
	for (i = 0; i < 1000; i++)                     /* 1 event/ms across 0 */
		freq_ctr_add(&c, 1000, 1, now + i);
	assert_int_equal(freq_ctr_read(&c, 1000, now + 999), 1000);
	for (i = 1000; i < 3000; i++)
		freq_ctr_add(&c, 1000, 1, now + i);
	/* steady 1/ms stream: the estimate is the period, +1 at most */
	assert_in_range(freq_ctr_read(&c, 1000, now + 2999), 1000, 1001);
	/* a date a bit behind the period start (another thread's clock) */
	freq_ctr_add(&c, 1000, 1, now + 1990);
	assert_in_range(freq_ctr_read(&c, 1000, now + 2999), 1001, 1002);
	/* tick 0 itself is a valid date */
	freq_ctr_init(&c);
	freq_ctr_add(&c, 100, 4, 0);
	assert_int_equal(freq_ctr_read(&c, 100, 0), 4);
	assert_int_equal(freq_ctr_read(&c, 100, 50), 4);
	assert_int_equal(freq_ctr_read(&c, 100, 148), 2);   /* a start at 0 is stored as -2 */
}

static void test_set(void **state)
{
	struct freq_ctr c;
	uint32_t curr, prev, el;

	(void)state;
	freq_ctr_init(&c);
	freq_ctr_set(&c, 10, 40, 500, T0 + 10000);
	freq_ctr_snapshot(&c, 1000, T0 + 10000, &curr, &prev, &el);
	assert_int_equal(curr, 10);
	assert_int_equal(prev, 40);
	assert_int_equal(el, 500);
	assert_int_equal(freq_ctr_read(&c, 1000, T0 + 10000), 30);
}

/* Random streams: bursts and gaps, random periods; after each event and at
 * random probe dates the estimate is compared with the exact count of
 * events in (now - period, now]:  |est - exact| <= prev*max(f,1-f) + 1.
 */
static void test_random_vs_exact(void **state)
{
	static uint32_t ev_time[200000];
	uint32_t nev, first, r, now, period, checks = 0;
	double sum_err = 0, sum_exact = 0;

	(void)state;
	rng_seed(0x5eed1234ULL);
	for (r = 0; r < 40; r++) {
		struct freq_ctr c;

		freq_ctr_init(&c);
		period = 10 + rng_below(5000);
		now = T0 - rng_below(100000);
		nev = 0;
		first = 0;
		while (nev < 5000) {
			uint32_t mode = rng_below(10), n, k;

			now += mode == 0 ? rng_below(3 * period) : rng_below(period / 10 + 1);
			n = 1 + rng_below(mode < 5 ? 3 : 20);
			for (k = 0; k < n && nev < ARRAY_SIZE(ev_time); k++)
				ev_time[nev++] = now;
			freq_ctr_add(&c, period, n, now);
			{
				uint32_t curr, prev, el, est, exact = 0;
				double f, bound;

				while (first < nev && (int32_t)(now - ev_time[first]) >= (int32_t)period)
					first++;
				exact = nev - first;
				est = freq_ctr_read(&c, period, now);
				freq_ctr_snapshot(&c, period, now, &curr, &prev, &el);
				f = (double)(period - el) / period;
				bound = prev * (f > 1 - f ? f : 1 - f) + 1;
				if ((double)est > exact + bound || (double)est + bound < exact)
					fail_msg("run %u period %u: est %u exact %u bound %.1f (curr %u prev %u el %u)",
					         r, period, est, exact, bound, curr, prev, el);
				sum_err += est > exact ? est - exact : exact - est;
				sum_exact += exact;
				checks++;
			}
		}
	}
	print_message("%u checks, mean relative error %.3f%%\n", checks, 100.0 * sum_err / sum_exact);
	assert_true(sum_err / sum_exact < 0.2);
}

/* A steady stream (Poisson-like, 5 events per 10 ms): the relative error
 * stays within a few percent.
 */
static void test_steady_accuracy(void **state)
{
	struct freq_ctr c;
	uint32_t now = T0, i, hist[2000] = { 0 }, exact, est, maxerr = 0;

	(void)state;
	rng_seed(42);
	freq_ctr_init(&c);
	for (i = 0; i < 20000; i++) {
		uint32_t n = rng_below(2) ? rng_below(2) : 0;
		uint32_t k;

		now++;
		hist[i % 2000] = n;
		if (n)
			freq_ctr_add(&c, 2000, n, now);
		if (i >= 4000 && i % 97 == 0) {
			for (k = 0, exact = 0; k < 2000; k++)
				exact += hist[k];
			est = freq_ctr_read(&c, 2000, now);
			if ((est > exact ? est - exact : exact - est) > maxerr)
				maxerr = est > exact ? est - exact : exact - est;
		}
	}
	print_message("steady stream: max error %u events of ~500\n", maxerr);
	assert_true(maxerr < 60);
}

/* Concurrent adders around a period change: every event lands in either
 * the current or the previous period, none is lost.
 */
struct adder_arg {
	struct freq_ctr *c;           /* shared counter */
	uint32_t now;                 /* this thread's date */
	uint32_t n;                   /* events to add */
};

static void *adder(void *p)
{
	struct adder_arg *a = p;
	uint32_t i;

	for (i = 0; i < a->n; i++)
		freq_ctr_add(a->c, 1000, 1, a->now + (i & 1));
	return NULL;
}

static void test_concurrent(void **state)
{
	struct freq_ctr c;
	struct adder_arg args[8];
	pthread_t th[8];
	uint32_t curr, prev, el, rounds;
	int i;

	(void)state;
	for (rounds = 0; rounds < 20; rounds++) {
		freq_ctr_init(&c);
		freq_ctr_add(&c, 1000, 1, T0);
		for (i = 0; i < 8; i++) {
			args[i].c = &c;
			args[i].now = i & 1 ? T0 + 1500 : T0 + 900;  /* two periods mixed */
			args[i].n = 20000;
			pthread_create(&th[i], NULL, adder, &args[i]);
		}
		for (i = 0; i < 8; i++)
			pthread_join(th[i], NULL);
		freq_ctr_snapshot(&c, 1000, T0 + 1500, &curr, &prev, &el);
		assert_int_equal(curr + prev, 8 * 20000 + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_same_period),
		cmocka_unit_test(test_idle_one_period),
		cmocka_unit_test(test_idle_two_and_many),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_random_vs_exact),
		cmocka_unit_test(test_steady_accuracy),
		cmocka_unit_test(test_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
