/*
 * Unit tests for the variable-size allocations over pools
 * (src/core/pool_var.c): class boundaries, alignment, realloc within and
 * across classes and past the largest class, calloc's zeroing and
 * overflow, and a free on another thread than the allocating one.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/pool.h>
#include <tollgate/pool_var.h>
#include <tollgate/thread.h>

static int setup(void **state)
{
	return pool_var_init();
}

/* Every size up to past the largest class: aligned, usable to its end. */
static void test_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 63, 64, 65, 128, 129, 255, 256, 257, 1000, 4096, 4097,
	                                16383, 16384, 16385, 100000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = pool_var_alloc(sizes[i]);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, 0x5a, sizes[i]);
		pool_var_free(p);
	}
	pool_var_free(NULL);
}

/* realloc keeps the content, in place within a class, moved across
 * classes and to and from the malloc()'ed sizes.
 */
static void test_var_realloc(void **state)
{
	static const size_t steps[] = { 10, 40, 64, 100, 300, 5000, 20000, 70000, 300, 12 };
	unsigned char *p = pool_var_realloc(NULL, 1);
	size_t have = 1;

	assert_non_null(p);
	p[0] = 0;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t n = steps[i];
		unsigned char *q = pool_var_realloc(p, n);

		assert_non_null(q);
		for (size_t k = 0; k < (have < n ? have : n); k++)
			assert_int_equal(q[k], (unsigned char)k);
		for (size_t k = 0; k < n; k++)
			q[k] = (unsigned char)k;
		p = q;
		have = n;
	}
	/* growing within the class keeps the pointer */
	p = pool_var_realloc(p, 33);
	assert_ptr_equal(pool_var_realloc(p, 64), p);
	pool_var_free(p);
}

static void test_var_calloc(void **state)
{
	unsigned char *p = pool_var_alloc(200);

	memset(p, 0xff, 200);
	pool_var_free(p);   /* the next one of the class is likely this one */
	p = pool_var_calloc(10, 20);
	assert_non_null(p);
	for (int i = 0; i < 200; i++)
		assert_int_equal(p[i], 0);
	pool_var_free(p);
	assert_null(pool_var_calloc(SIZE_MAX / 2, 4));
}

static void *free_them(void *arg)
{
	void **v = arg;

	tid = 1;
	for (int i = 0; i < 64; i++)
		pool_var_free(v[i]);
	return NULL;
}

/* Objects allocated on one thread, freed on another. */
static void test_cross_thread_free(void **state)
{
	void *v[64];
	pthread_t th;

	for (int i = 0; i < 64; i++) {
		v[i] = pool_var_alloc((size_t)(i * 300));
		assert_non_null(v[i]);
	}
	assert_int_equal(pthread_create(&th, NULL, free_them, v), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	for (int i = 0; i < 64; i++) {
		v[i] = pool_var_alloc((size_t)(i * 300));
		assert_non_null(v[i]);
	}
	for (int i = 0; i < 64; i++)
		pool_var_free(v[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_var_realloc),
		cmocka_unit_test(test_var_calloc),
		cmocka_unit_test(test_cross_thread_free),
	};

	tid = 0;
	return cmocka_run_group_tests(tests, setup, NULL);
}
