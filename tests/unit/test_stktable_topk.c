/*
 * Stick-table top-N keys (stktable_topk.h): the `topk` keyword, exactness
 * for counters, and a multithreaded stress test (writers offering through
 * stktable_touch_local() while readers merge and write back, and killers
 * remove keys) meant for TSan as much as for the release build.
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

#include "helpers/runtime.h"

#include <tollgate/clock.h>
#include <tollgate/stktable.h>
#include <tollgate/stktable_topk.h>
#include <tollgate/thread.h>

#define NTHR  6
#define NKEYS 2000
#define TOPN  10

static char err[256];

static void mk(struct stktable *t, const char *line)
{
	struct stktable_def def;

	if (stktable_parse_line(&def, line, err, sizeof(err)))
		fail_msg("parse '%s': %s", line, err);
	assert_int_equal(stktable_init(t, "topk", &def), 0);
}

/* Adds <n> to key <key>'s http_req_cnt and touches it, as tracking does. */
static void bump(struct stktable *t, uint32_t key, uint32_t n)
{
	struct stktable_key k = { &key, 4 };
	struct stksess *ts = stktable_get_or_create(t, &k, NULL);

	assert_non_null(ts);
	stktable_u32_add(stktable_data_ptr(t, ts, STKTABLE_DT_HTTP_REQ_CNT, 0), n);
	stktable_touch_local(t, ts, 1);
}

static void test_parse(void **state)
{
	static const char *const bad[][2] = {
		{ "type ip size 10 store http_req_cnt topk", "expects a number of keys" },
		{ "type ip size 10 store http_req_cnt topk 0 http_req_cnt", "between 1 and 100" },
		{ "type ip size 10 store http_req_cnt topk 101 http_req_cnt", "between 1 and 100" },
		{ "type ip size 10 store http_req_cnt topk 5 nope", "unknown data type" },
		{ "type ip size 10 store gpc(2) topk 5 gpc", "not an array" },
		{ "type ip size 10 store server_id topk 5 server_id", "not an array, server_id" },
		{ "type ip size 10 store conn_cnt topk 5 http_req_cnt", "does not store 'http_req_cnt'" },
	};
	struct stktable_def a, b;
	char line[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(stktable_parse_line(&a, bad[i][0], err, sizeof(err)), 0);
		if (!strstr(err, bad[i][1]))
			fail_msg("'%s': got '%s'", bad[i][0], err);
	}
	/* `topk` may come before `store`; it round-trips */
	assert_int_equal(stktable_parse_line(&a, "type ip size 10 topk 7 http_req_rate store http_req_rate(10s)",
	                                     err, sizeof(err)), 0);
	assert_int_equal(a.topk_n, 7);
	assert_int_equal(a.topk_type, STKTABLE_DT_HTTP_REQ_RATE);
	stktable_def_format(&a, line, sizeof(line));
	assert_non_null(strstr(line, " topk 7 http_req_rate"));
	assert_int_equal(stktable_parse_line(&b, line, err, sizeof(err)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
}

/* Key k gets k+1 requests, in an interleaved order: the answer is exactly
 * the largest keys, largest first.
 */
static void test_exact(void **state)
{
	struct stktable_topk_item *top;
	struct stktable t;
	int n;

	(void)state;
	tid = 0;
	mk(&t, "type integer size 1000 store http_req_cnt topk 10 http_req_cnt");
	for (uint32_t round = 0; round < 200; round++)
		for (uint32_t k = round; k < 200; k++)
			bump(&t, k, 1);
	n = stktable_topk_read(&t, &top);
	assert_int_equal(n, 10);
	for (int i = 0; i < n; i++) {
		uint32_t key;

		memcpy(&key, top[i].key, 4);
		assert_int_equal(key, 199 - i);
		assert_int_equal(top[i].value, 200 - i);
	}
	free(top);
	/* a key that leaves the table leaves the list at the next read */
	{
		uint32_t key = 199;
		struct stktable_key k = { &key, 4 };
		struct stksess *ts = stktable_lookup_noexp(&t, &k);

		assert_non_null(ts);
		stktable_kill(&t, ts, 1);
	}
	n = stktable_topk_read(&t, &top);
	assert_int_equal(n, 10);
	assert_int_equal(top[0].value, 199);
	assert_int_equal(top[9].value, 190);
	free(top);
	/* fewer keys than asked: all of them */
	stktable_deinit(&t);
	mk(&t, "type integer size 1000 store http_req_cnt topk 10 http_req_cnt");
	bump(&t, 5, 3);
	bump(&t, 6, 0);
	n = stktable_topk_read(&t, &top);
	assert_int_equal(n, 1);
	assert_int_equal(top[0].value, 3);
	free(top);
	stktable_deinit(&t);
}

struct worker {
	pthread_t th;                 /* the thread */
	int id;                       /* its tid */
	struct stktable *t;           /* table under test */
	uint32_t iters;               /* operations (writers) */
	uint64_t rng;                 /* random state */
	int kill;                     /* also kills keys */
	atomic_int *stop;             /* ends the readers */
	uint64_t reads;               /* reads done (readers) */
};

static uint32_t xs(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1DULL) >> 32);
}

/* Skewed keys: key k drawn with a weight about 1/(k+1). */
static void *writer(void *p)
{
	struct worker *w = p;

	tid = w->id;
	tid_bit = 1UL << w->id;
	clock_update();
	for (uint32_t i = 0; i < w->iters; i++) {
		uint32_t r = xs(&w->rng);
		uint32_t key = (uint32_t)((uint64_t)NKEYS * (r % 1024) * (r % 1024) / (1024 * 1024));

		if (w->kill && (r >> 24) == 0) {
			struct stktable_key k = { &key, 4 };
			struct stksess *ts = stktable_lookup_noexp(w->t, &k);

			if (ts)
				stktable_kill(w->t, ts, 1);
			continue;
		}
		bump(w->t, key, 1 + (r >> 30));
	}
	return NULL;
}

/* Checks the shape of an answer: at most TOPN distinct keys, decreasing
 * non-zero values.
 */
static void check_answer(const struct stktable_topk_item *top, int n)
{
	assert_true(n >= 0 && n <= TOPN);
	for (int i = 0; i < n; i++) {
		assert_true(top[i].value > 0);
		if (i)
			assert_true(top[i].value <= top[i - 1].value);
		for (int j = 0; j < i; j++)
			assert_memory_not_equal(top[i].key, top[j].key, 4);
	}
}

static void *reader(void *p)
{
	struct worker *w = p;

	tid = w->id;
	tid_bit = 1UL << w->id;
	while (!atomic_load(w->stop)) {
		struct stktable_topk_item *top;
		int n = stktable_topk_read(w->t, &top);

		check_answer(top, n);
		free(top);
		w->reads++;
	}
	return NULL;
}

static void *run(void *p)
{
	struct worker *w = p;

	return w->iters ? writer(p) : reader(p);
}

/* stktable_walk() callback: inserts the entry's value into the TOPN
 * largest of <ctx>, sorted decreasing.
 */
static int collect(struct stktable *t, struct stksess *ts, void *ctx)
{
	uint64_t *best = ctx, v;
	int i;

	stktable_data_get(t, ts, STKTABLE_DT_HTTP_REQ_CNT, 0, &v);
	for (i = TOPN; i > 0 && best[i - 1] < v; i--)
		if (i < TOPN)
			best[i] = best[i - 1];
	if (i < TOPN)
		best[i] = v;
	return 0;
}

static void stress(int kill)
{
	static struct worker w[NTHR + 2];
	struct stktable_topk_item *top;
	uint64_t best[TOPN] = { 0 };
	atomic_int stop = 0;
	pthread_t th[NTHR + 2];
	struct stktable t;
	int n;

	mk(&t, "type integer size 100k store http_req_cnt topk 10 http_req_cnt");
	memset(w, 0, sizeof(w));
	for (int i = 0; i < NTHR + 2; i++) {
		w[i] = (struct worker){ .id = i, .t = &t, .rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1),
		                        .iters = i < NTHR ? 200000 / STRESS_DIV : 0, .kill = kill, .stop = &stop };
		pthread_create(&th[i], NULL, run, &w[i]);
	}
	for (int i = 0; i < NTHR; i++)
		pthread_join(th[i], NULL);
	atomic_store(&stop, 1);
	for (int i = NTHR; i < NTHR + 2; i++) {
		pthread_join(th[i], NULL);
		assert_true(w[i].reads > 0);
	}
	tid = 0;
	n = stktable_topk_read(&t, &top);
	check_answer(top, n);
	if (!kill) {
		/* counters, no key removed: exactly the table's largest values */
		stktable_walk(&t, collect, best);
		assert_int_equal(n, TOPN);
		for (int i = 0; i < n; i++)
			assert_int_equal(top[i].value, best[i]);
	}
	free(top);
	stktable_deinit(&t);
}

static void test_stress_counters(void **state)
{
	(void)state;
	stress(0);
}

static void test_stress_kills(void **state)
{
	(void)state;
	stress(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_stress_counters),
		cmocka_unit_test(test_stress_kills),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
