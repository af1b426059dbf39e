/*
 * Lock wrapper tests: mutual exclusion of the spinlock and the rwlock's
 * writers under contention (more threads than cores), readers never seeing
 * a half-done write, and the statistics dump.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/lock.h>

#include "helpers/runtime.h"

#define THREADS 8
#define ROUNDS (200000 / STRESS_DIV)

static struct spinlock spin;
static struct rwlock rw;
static uint64_t plain_counter;          /* protected by the lock under test */
static uint64_t pair[2];                /* written together under rw */
static _Atomic int torn;

static void *spin_main(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		spin_lock(&spin);
		plain_counter++;
		spin_unlock(&spin);
	}
	return NULL;
}

static void test_spinlock_excludes(void **state)
{
	pthread_t th[THREADS];

	spin_init(&spin, LOCK_OTHER);
	plain_counter = 0;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, spin_main, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(plain_counter, (uint64_t)THREADS * ROUNDS);
	assert_true(spin_trylock(&spin));
	assert_false(spin_trylock(&spin));
	spin_unlock(&spin);
}

static void *rw_main(void *arg)
{
	int writer = (int)(intptr_t)arg;

	for (int i = 0; i < ROUNDS / 4; i++) {
		if (writer) {
			rw_wrlock(&rw);
			pair[0]++;
			pair[1]++;
			rw_unlock(&rw);
		} else {
			rw_rdlock(&rw);
			if (pair[0] != pair[1])
				atomic_store(&torn, 1);
			rw_unlock(&rw);
		}
	}
	return NULL;
}

static void test_rwlock_readers_and_writers(void **state)
{
	pthread_t th[THREADS];

	assert_int_equal(rw_init(&rw, LOCK_OTHER), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, rw_main, (void *)(intptr_t)(i & 1)), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&torn), 0);
	assert_int_equal(pair[0], (uint64_t)(THREADS / 2) * (ROUNDS / 4));
	rw_destroy(&rw);
}

static void test_stats_dump(void **state)
{
	char buf[4096] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	assert_non_null(f);
	assert_int_equal(lock_stats_dump(f), 0);
	fclose(f);
#ifdef TG_DEBUG
	assert_non_null(strstr(buf, "Stats about Lock OTHER"));
#else
	assert_non_null(strstr(buf, "only available in debug builds"));
#endif
	assert_string_equal(lock_label_name(LOCK_POOL), "POOL");
	assert_string_equal(lock_label_name(LOCK_LABELS), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spinlock_excludes),
		cmocka_unit_test(test_rwlock_readers_and_writers),
		cmocka_unit_test(test_stats_dump),
	};

	return cmocka_run_group_tests_name("lock", tests, NULL, NULL);
}
