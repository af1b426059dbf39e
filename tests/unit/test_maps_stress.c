/*
 * Maps changed at run time while workers look them up (maps.h): four
 * workers evaluate "str(kN),map(FILE,none)" in busy tasklets while the
 * main thread adds, sets, deletes, clears and commits entries, as the
 * admin socket does. Every answer must be "none" or the value of its own
 * key ("vN-..."); a view or an entry freed or changed under a reader would
 * give garbage here, and ThreadSanitizer would report the race (the
 * changes are published under thread isolation, nothing else orders them).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/maps.h>
#include <tollgate/sample.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>

#include "helpers/runtime.h"
#include "helpers/tempfile.h"

#define WORKERS 4
#define KEYS 8
#define ROUNDS (3000 / STRESS_DIV)

static struct sample_expr *exprs[KEYS];
static struct tasklet *busy[WORKERS];
static _Atomic int stop_busy;
static _Atomic long lookups, bad, found;

static void busy_fn(struct tasklet *tl, void *ctx, unsigned int state)
{
	for (int n = 0; n < 16; n++) {
		int k = (int)(rt_rand() % KEYS);
		struct sample_ctx sctx = { 0 };
		struct sample smp;
		char want[16];
		int wl = snprintf(want, sizeof(want), "v%d-", k);

		if (!sample_eval(exprs[k], &sctx, &smp) || smp.data.type != SMP_T_STR) {
			atomic_fetch_add(&bad, 1);
			continue;
		}
		if (smp.data.u.str.len == 4 && memcmp(smp.data.u.str.ptr, "none", 4) == 0) {
			/* absent at this moment */
		} else if (smp.data.u.str.len > (size_t)wl && memcmp(smp.data.u.str.ptr, want, wl) == 0) {
			atomic_fetch_add(&found, 1);
		} else {
			atomic_fetch_add(&bad, 1);
		}
		atomic_fetch_add(&lookups, 1);
	}
	if (!atomic_load(&stop_busy))
		tasklet_wakeup(tl);
}

/* rt_wait_until() predicate: the workers looked up since *<arg>. */
static int looked_up(void *arg)
{
	return atomic_load(&lookups) > *(long *)arg;
}

static void test_changes_under_lookups(void **state)
{
	char *f = test_temp_file("k0 v0-file\nk1 v1-file\n"), text[512], key[16], val[32];
	struct pat_ref *m;
	char *err = NULL;

	(void)state;
	assert_non_null(f);
	for (int k = 0; k < KEYS; k++) {
		snprintf(text, sizeof(text), "str(k%d),map(%s,none)", k, f);
		assert_int_equal(sample_parse_expr(text, 0, &exprs[k], &err), 0);
	}
	m = pat_ref_lookup(f, PAT_REF_MAP);
	assert_non_null(m);
	rt_start(WORKERS);
	for (int i = 0; i < WORKERS; i++) {
		busy[i] = tasklet_new(i, busy_fn, NULL, "map-lookups");
		assert_non_null(busy[i]);
		tasklet_wakeup(busy[i]);
	}
	for (int r = 0; r < ROUNDS; r++) {
		int k = (int)(rt_rand() % KEYS);
		long seen = atomic_load(&lookups);

		/* interleave: every change lands between lookups, even on a
		 * loaded machine where the workers start late
		 */
		assert_true(rt_wait_until(looked_up, &seen, 10000));

		snprintf(key, sizeof(key), "k%d", k);
		snprintf(val, sizeof(val), "v%d-%d", k, r);
		switch (r % 8) {
		case 0: case 1: case 2:
			assert_int_equal(pat_ref_add(m, pat_ref_curr_ver(m), key, val, &err), 0);
			break;
		case 3:
			pat_ref_set(m, key, val, &err);
			break;
		case 4: case 5:
			pat_ref_del(m, key, &err);
			break;
		case 6: {
			unsigned int ver = pat_ref_prepare(m);

			for (int j = 0; j < KEYS; j += 2) {
				snprintf(key, sizeof(key), "k%d", j);
				snprintf(val, sizeof(val), "v%d-c%d", j, r);
				assert_int_equal(pat_ref_add(m, ver, key, val, &err), 0);
			}
			assert_int_equal(pat_ref_commit(m, ver, &err), 0);
			break;
		}
		default:
			if (r % 64 == 7)
				assert_int_equal(pat_ref_clear(m, pat_ref_curr_ver(m), &err), 0);
			break;
		}
		assert_null(err);
	}
	atomic_store(&stop_busy, 1);
	rt_stop();
	for (int i = 0; i < WORKERS; i++)
		tasklet_free(busy[i]);
	assert_true(atomic_load(&lookups) > 0);
	assert_true(atomic_load(&found) > 0);
	assert_int_equal(atomic_load(&bad), 0);
	for (int k = 0; k < KEYS; k++)
		sample_free_expr(exprs[k]);
	test_temp_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_under_lookups),
	};

	return cmocka_run_group_tests(tests, NULL, rt_group_teardown);
}
