/*
 * Unit tests for the memory pools (src/core/pool.c).
 *
 * Threads here are plain pthreads that set `tid` themselves, the way worker
 * threads do, so the pool layer is tested without the poll loop. The fatal
 * checks (poison, double free, wrong pool) run in a forked child whose death
 * by SIGABRT and message are checked; they run before the threaded tests.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/lock.h>
#include <tollgate/pool.h>
#include <tollgate/thread.h>

/* ---- helpers ---- */

static struct pool_stats stats_of(struct pool_head *p)
{
	struct pool_stats st;

	assert_int_equal(pool_get_stats(p, &st), 0);
	return st;
}

/* Asserts the counters of the quiescent pool <p> are consistent. */
static void assert_consistent(struct pool_head *p)
{
	struct pool_stats st = stats_of(p);
	uint64_t sum = 0;

	for (int t = 0; t < MAX_THREADS; t++)
		sum += st.thread_cached[t];
	assert_int_equal(sum, st.cached);
	assert_int_equal(st.allocated, st.used + st.cached + st.shared);
}

/* Asserts that nobody holds <p>'s lock (no self-deadlock left behind). */
static void assert_unlocked(struct pool_head *p)
{
	assert_true(spin_trylock(&p->lock));
	spin_unlock(&p->lock);
}

/* ---- basic behaviour ---- */

static void test_basic(void **state)
{
	struct pool_head *p;
	struct pool_stats st;
	unsigned char *a, *b, *z;

	(void)state;
	tid = -1;
	p = pool_create("basic", 40, 0);
	assert_non_null(p);
	st = stats_of(p);
	assert_string_equal(st.name, "basic");
	assert_int_equal(st.size, 48);              /* rounded to 16 */
	assert_int_equal(st.users, 1);
	assert_int_equal(st.allocated, 0);

	/* non-worker path */
	a = pool_alloc(p);
	b = pool_alloc(p);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	memset(a, 0x11, 48);
	memset(b, 0x22, 48);
	st = stats_of(p);
	assert_int_equal(st.allocated, 2);
	assert_int_equal(st.used, 2);
	pool_free(p, a);
	pool_free(p, NULL);
	st = stats_of(p);
	assert_int_equal(st.used, 1);
	assert_int_equal(st.shared, 1);
	z = pool_zalloc(p);                         /* recycles <a> */
	assert_ptr_equal(z, a);
	for (int i = 0; i < 48; i++)
		assert_int_equal(z[i], 0);
	pool_free(p, z);
	pool_free(p, b);

	/* worker path: LIFO cache */
	tid = 3;
	a = pool_alloc(p);
	pool_free(p, a);
	b = pool_alloc(p);
	assert_ptr_equal(a, b);
	pool_free(p, b);
	st = stats_of(p);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.thread_cached[3], 1);
	assert_consistent(p);

	/* tiny sizes still hold the free-list links */
	tid = -1;
	assert_null(pool_destroy(p));
	p = pool_create(NULL, 0, POOL_F_EXCLUSIVE);
	assert_non_null(p);
	st = stats_of(p);
	assert_int_equal(st.size, 16);
	assert_string_equal(st.name, "?");
	pool_free(p, pool_alloc(p));
	pool_destroy(p);

	assert_null(pool_create("huge", 0x80000000U, 0));
	assert_null(pool_destroy(NULL));
}

static void test_merge(void **state)
{
	struct pool_head *a, *b, *x, *d;
	struct pool_stats st;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	tid = -1;
	a = pool_create("merge_a", 100, 0);
	b = pool_create("merge_b", 110, 0);          /* both round to 112 */
	x = pool_create("merge_x", 112, POOL_F_EXCLUSIVE);
	d = pool_create("merge_d", 112, 0);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, x);
	assert_ptr_equal(a, d);
	st = stats_of(a);
	assert_int_equal(st.users, 3);
	assert_string_equal(st.name, "merge_a");
	assert_int_equal(stats_of(x).users, 1);

	/* an exclusive pool never takes later users either */
	assert_ptr_not_equal(pool_create("merge_e", 112, POOL_F_EXCLUSIVE), x);

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	pool_free(a, pool_alloc(a));
	assert_int_equal(pool_dump(f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "Dumping pools usage. Use SIGQUIT to flush them.\n"));
	assert_non_null(strstr(buf, "  - Pool merge_a (112 bytes) : 1 allocated (112 bytes), 0 used (~0 by thread caches), needed_avg "));
	assert_non_null(strstr(buf, ", 0 failures, 3 users [SHARED]\n"));
	assert_non_null(strstr(buf, "  - Pool merge_x (112 bytes) : 0 allocated (0 bytes), 0 used"));
	assert_non_null(strstr(buf, "\nTotal: "));
	free(buf);

	pool_destroy(b);
	assert_int_equal(stats_of(a).users, 2);
	pool_destroy(d);
	assert_int_equal(stats_of(a).users, 1);
	pool_destroy(a);
	pool_destroy(x);
	/* merge_e: find and destroy it through pool_for_each()'s callback arg */
}

static int find_pool_cb(struct pool_head *p, const struct pool_stats *st, void *arg)
{
	struct pool_head **found = arg;

	if (strcmp(st->name, "merge_e") == 0) {
		*found = p;
		return 7;
	}
	return 0;
}

static int count_pools_cb(struct pool_head *p, const struct pool_stats *st, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void test_for_each(void **state)
{
	struct pool_head *found = NULL;
	int n = 0;

	(void)state;
	assert_int_equal(pool_for_each(find_pool_cb, &found), 7);
	assert_non_null(found);
	pool_destroy(found);
	assert_int_equal(pool_for_each(count_pools_cb, &n), 0);
	assert_int_equal(n, 0);                      /* every test cleaned up */
}

static void test_counters_and_flush(void **state)
{
	enum { N = 1000 };
	static void *objs[N];
	struct pool_head *p;
	struct pool_stats st;

	(void)state;
	tid = 0;
	p = pool_create("counters", 64, POOL_F_EXCLUSIVE);
	assert_non_null(p);
	for (int i = 0; i < N; i++)
		assert_non_null(objs[i] = pool_alloc(p));
	st = stats_of(p);
	assert_int_equal(st.allocated, N);
	assert_int_equal(st.used, N);
	assert_int_equal(st.cache_max, 256);         /* min(256, 64 KiB / 64) */
	assert_true(st.needed_avg > 0);
	for (int i = 0; i < N; i++)
		pool_free(p, objs[i]);
	st = stats_of(p);
	assert_int_equal(st.used, 0);
	assert_true(st.cached <= st.cache_max);
	assert_true(st.shared > 0);
	assert_int_equal(st.thread_cached[0], st.cached);
	assert_consistent(p);

	/* cross-thread: allocated on 0, freed on 1, into 1's cache */
	objs[0] = pool_alloc(p);
	tid = 1;
	pool_free(p, objs[0]);
	st = stats_of(p);
	assert_int_equal(st.thread_cached[1], 1);
	assert_int_equal(st.used, 0);
	assert_consistent(p);

	/* flush: the shared list and the caller's cache go; 0's cache stays */
	pool_flush(p);
	st = stats_of(p);
	assert_int_equal(st.shared, 0);
	assert_int_equal(st.thread_cached[1], 0);
	assert_int_equal(st.allocated, st.thread_cached[0]);
	tid = 0;
	pool_flush(p);
	st = stats_of(p);
	assert_int_equal(st.allocated, 0);
	assert_int_equal(st.cached, 0);

	/* large objects: the cache bound falls to 8 */
	tid = -1;
	pool_destroy(p);
	p = pool_create("counters_big", 40000, POOL_F_EXCLUSIVE);
	assert_int_equal(stats_of(p).cache_max, 8);
	pool_destroy(p);
}

static void test_destroy_in_use(void **state)
{
	struct pool_head *p;
	void *obj;

	(void)state;
	tid = 2;
	p = pool_create("in_use", 32, POOL_F_EXCLUSIVE);
	obj = pool_alloc(p);
	/* refused with a warning, the pool stays listed with 0 users */
	assert_null(pool_destroy(p));
	assert_int_equal(stats_of(p).users, 0);
	pool_free(p, obj);
	pool_destroy(p);                             /* now it goes */
	tid = -1;
}

/* ---- debug options ---- */

static void test_debug_set_parse(void **state)
{
	unsigned int flags, every;

	(void)state;
	assert_int_equal(pool_debug_set(0x100, 0), -EINVAL);
	assert_int_equal(pool_debug_set(POOL_DBG_FAIL, 0), -EINVAL);

	assert_int_equal(pool_debug_parse("poison,tag,fail=100"), 0);
	pool_debug_get(&flags, &every);
	assert_int_equal(flags, POOL_DBG_POISON | POOL_DBG_TAG | POOL_DBG_FAIL);
	assert_int_equal(every, 100);

	/* a bad spec changes nothing */
	assert_int_equal(pool_debug_parse("poison,bogus"), -EINVAL);
	assert_int_equal(pool_debug_parse("fail=0"), -EINVAL);
	assert_int_equal(pool_debug_parse("fail="), -EINVAL);
	assert_int_equal(pool_debug_parse("fail=12x"), -EINVAL);
	assert_int_equal(pool_debug_parse("fail=99999999999"), -EINVAL);
	assert_int_equal(pool_debug_parse("tags"), -EINVAL);
	pool_debug_get(&flags, &every);
	assert_int_equal(flags, POOL_DBG_POISON | POOL_DBG_TAG | POOL_DBG_FAIL);
	assert_int_equal(every, 100);

	assert_int_equal(pool_debug_parse("tag,,poison"), 0);
	pool_debug_get(&flags, &every);
	assert_int_equal(flags, POOL_DBG_POISON | POOL_DBG_TAG);
	assert_int_equal(every, 0);

	assert_int_equal(pool_debug_parse("none"), 0);
	pool_debug_get(&flags, &every);
	assert_int_equal(flags, 0);
	assert_int_equal(pool_debug_parse(""), 0);
	assert_int_equal(pool_debug_parse(NULL), 0);
	pool_debug_get(&flags, NULL);
	assert_int_equal(flags, 0);
}

static void test_fail_every(void **state)
{
	struct pool_head *p;
	void *objs[12];
	int nulls = 0;

	(void)state;
	tid = 0;
	p = pool_create("fail_every", 48, POOL_F_EXCLUSIVE);
	assert_int_equal(pool_debug_set(POOL_DBG_FAIL, 3), 0);
	for (int i = 0; i < 12; i++) {
		objs[i] = pool_alloc(p);
		if ((i + 1) % 3 == 0)
			assert_null(objs[i]);
		else
			assert_non_null(objs[i]);
		nulls += !objs[i];
	}
	assert_int_equal(pool_debug_set(0, 0), 0);
	assert_int_equal(stats_of(p).failures, nulls);
	assert_int_equal(stats_of(p).used, 12 - nulls);
	for (int i = 0; i < 12; i++)
		pool_free(p, objs[i]);
	assert_non_null(objs[0] = pool_zalloc(p));   /* no longer failing */
	pool_free(p, objs[0]);
	assert_consistent(p);
	pool_destroy(p);
	tid = -1;
}

/* TAG and POISON on: normal use works, and such pools merge only with
 * pools of the same options.
 */
static void test_debug_pools_normal_use(void **state)
{
	struct pool_head *plain, *dbg, *dbg2;
	void *a, *b;

	(void)state;
	plain = pool_create("dbg_plain", 80, 0);
	assert_int_equal(pool_debug_set(POOL_DBG_POISON | POOL_DBG_TAG, 0), 0);
	dbg = pool_create("dbg_tagged", 80, 0);
	dbg2 = pool_create("dbg_tagged2", 80, 0);
	assert_int_equal(pool_debug_set(0, 0), 0);
	assert_ptr_not_equal(plain, dbg);
	assert_ptr_equal(dbg, dbg2);
	assert_int_equal(stats_of(dbg).debug, POOL_DBG_POISON | POOL_DBG_TAG);
	assert_int_equal(stats_of(plain).debug, 0);

	for (int t = -1; t < 2; t++) {
		tid = t;
		a = pool_alloc(dbg);
		memset(a, 0x33, 80);
		pool_free(dbg, a);
		b = pool_zalloc(dbg);                /* same object, poison intact */
		assert_ptr_equal(a, b);
		assert_int_equal(((unsigned char *)b)[79], 0);
		tid = (t + 1) % 2;                   /* freed on another thread */
		pool_free(dbg2, b);
	}
	tid = 0;
	pool_gc(NULL);                               /* frees tagged objects too */
	tid = 1;
	pool_thread_pass();
	tid = -1;
	assert_int_equal(stats_of(dbg).allocated, 0);
	pool_destroy(dbg2);
	pool_destroy(dbg);
	pool_destroy(plain);
}

/* Runs <fn> in a forked child with stderr captured into <msg>. Returns the
 * child's wait status.
 */
static int run_in_child(void (*fn)(void), char *msg, size_t len)
{
	int fds[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while (got + 1 < len && (n = read(fds[0], msg + got, len - 1 - got)) > 0)
		got += (size_t)n;
	msg[got] = 0;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_aborted(int status, const char *msg, const char *expect)
{
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT || !strstr(msg, expect))
		fail_msg("child status 0x%x, expected SIGABRT with \"%s\", got: %s", status, expect, msg);
}

static void child_write_after_free(void)
{
	struct pool_head *p;
	char *obj;

	pool_debug_set(POOL_DBG_POISON, 0);
	p = pool_create("poisoned", 64, 0);
	tid = 0;
	obj = pool_alloc(p);
	pool_free(p, obj);
	obj[40] = 'x';                               /* write after free */
	pool_alloc(p);                               /* must abort here */
}

static void child_double_free(void)
{
	struct pool_head *p;
	void *obj;

	pool_debug_set(POOL_DBG_TAG, 0);
	p = pool_create("tagged", 64, 0);
	tid = 1;
	obj = pool_alloc(p);
	pool_free(p, obj);
	pool_free(p, obj);                           /* must abort here */
}

static void child_wrong_pool(void)
{
	struct pool_head *a, *b;
	void *obj;

	pool_debug_set(POOL_DBG_TAG, 0);
	a = pool_create("pool_one", 64, POOL_F_EXCLUSIVE);
	b = pool_create("pool_two", 64, POOL_F_EXCLUSIVE);
	obj = pool_alloc(a);
	pool_free(b, obj);                           /* must abort here */
}

static void child_clean_run(void)
{
	struct pool_head *p;

	pool_debug_set(POOL_DBG_TAG | POOL_DBG_POISON, 0);
	p = pool_create("clean", 64, 0);
	tid = 0;
	pool_free(p, pool_alloc(p));
	pool_free(p, pool_alloc(p));
}

static void test_poison_detects_write_after_free(void **state)
{
	char msg[1024];
	int status;

	(void)state;
	status = run_in_child(child_write_after_free, msg, sizeof(msg));
	assert_aborted(status, msg, "FATAL: pool: free object");
	assert_non_null(strstr(msg, "pool 'poisoned' (64 bytes) was written after free: byte at offset 40 is 0x78 instead of 0xa5"));

	/* and a correct program under the same options does not die */
	status = run_in_child(child_clean_run, msg, sizeof(msg));
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_tag_detects_double_free(void **state)
{
	char msg[1024];
	int status;

	(void)state;
	status = run_in_child(child_double_free, msg, sizeof(msg));
	assert_aborted(status, msg, "FATAL: pool: double free of object");
	assert_non_null(strstr(msg, "in pool 'tagged' (64 bytes)"));
}

static void test_tag_detects_wrong_pool(void **state)
{
	char msg[1024];
	int status;

	(void)state;
	status = run_in_child(child_wrong_pool, msg, sizeof(msg));
	assert_aborted(status, msg, "freed into the wrong pool");
	assert_non_null(strstr(msg, "of pool 'pool_one' (64 bytes) freed into the wrong pool 'pool_two' (64 bytes)"));
}

/* ---- garbage collection on allocation failure ---- */

static void test_gc_on_malloc_failure(void **state)
{
	enum { N = 1000 };
	static void *objs[N];
	struct pool_head *a, *b, *c;
	struct pool_stats st;
	void *x, *y;

	(void)state;
	tid = 0;
	a = pool_create("gc_a", 64, POOL_F_EXCLUSIVE);
	b = pool_create("gc_b", 128, POOL_F_EXCLUSIVE);
	c = pool_create("gc_c", 256, POOL_F_EXCLUSIVE);

	/* a: objects in thread 0's cache and in the shared list */
	for (int i = 0; i < N; i++)
		objs[i] = pool_alloc(a);
	for (int i = 0; i < N; i++)
		pool_free(a, objs[i]);
	/* b: objects in thread 1's cache and in the shared list */
	for (int i = 0; i < 300; i++)
		objs[i] = pool_alloc(b);
	tid = 1;
	for (int i = 0; i < 300; i++)
		pool_free(b, objs[i]);
	tid = 0;
	assert_int_equal(stats_of(a).allocated, N);
	assert_true(stats_of(b).shared > 0);

	/* c is empty: its allocation goes to malloc(), which fails once */
	pool_debug_fail_next_mallocs(1);
	x = pool_alloc(c);
	assert_non_null(x);
	st = stats_of(c);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.allocated, 1);
	assert_int_equal(stats_of(a).allocated, 0);          /* shared + own cache */
	st = stats_of(b);
	assert_int_equal(st.shared, 0);
	assert_int_equal(st.allocated, st.thread_cached[1]); /* not ours to free */
	assert_true(st.allocated > 0);
	assert_unlocked(a);
	assert_unlocked(b);
	assert_unlocked(c);

	/* thread 1 was asked to flush at its next loop pass */
	tid = 1;
	pool_thread_pass();
	assert_int_equal(stats_of(b).allocated, 0);
	pool_thread_pass();                          /* request consumed */
	tid = 0;

	/* the failing pool's own objects: held in thread 1's cache, while
	 * thread 0 needs one; the collector takes c's own lock too
	 */
	y = pool_alloc(c);
	tid = 1;
	pool_free(c, y);
	tid = 0;
	pool_debug_fail_next_mallocs(1);
	y = pool_alloc(c);
	assert_non_null(y);
	assert_unlocked(c);
	tid = 1;
	pool_thread_pass();
	tid = 0;
	st = stats_of(c);
	assert_int_equal(st.allocated, 2);                   /* x and y */
	assert_int_equal(st.used, 2);
	assert_int_equal(st.failures, 0);

	/* malloc() fails twice: NULL and a failure counted, no abort */
	pool_debug_fail_next_mallocs(2);
	assert_null(pool_alloc(c));
	st = stats_of(c);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.used, 2);
	assert_consistent(c);
	assert_unlocked(c);

	/* same on a non-worker thread */
	tid = -1;
	pool_debug_fail_next_mallocs(2);
	assert_null(pool_zalloc(c));
	assert_int_equal(stats_of(c).failures, 2);
	pool_debug_fail_next_mallocs(1);
	assert_non_null(objs[0] = pool_alloc(c));
	pool_free(c, objs[0]);

	/* pool creation fails cleanly too */
	pool_debug_fail_next_mallocs(1);
	assert_null(pool_create("gc_d", 512, POOL_F_EXCLUSIVE));

	pool_free(c, x);
	pool_free(c, y);
	assert_consistent(c);
	pool_destroy(a);
	pool_destroy(b);
	pool_destroy(c);
	for (int t = 0; t < MAX_THREADS; t++) {      /* consume flush requests */
		tid = t;
		pool_thread_pass();
	}
	tid = -1;
}

/* ---- multithreaded storm ---- */

#define STORM_WORKERS   8
#define STORM_ITERS     50000
#define STORM_WINDOW    32
#define STORM_QUEUE     256
#define STORM_POOLS     4

struct storm_obj {
	struct pool_head *pool;       /* the pool it came from */
	uint64_t *mem;                /* the object */
	size_t words;                 /* its size in 64-bit words */
	uint64_t pattern;             /* what every word holds */
};

/* A locked queue through which objects move to another thread. */
struct storm_queue {
	pthread_mutex_t lock;         /* protects the fields below */
	struct storm_obj objs[STORM_QUEUE]; /* ring */
	unsigned int head;            /* next to pop */
	unsigned int len;             /* objects queued */
};

static struct storm_queue storm_queues[STORM_WORKERS];
static struct pool_head *storm_pools[STORM_POOLS];
static size_t storm_sizes[STORM_POOLS];
static pthread_barrier_t storm_barrier;
static _Atomic uint64_t storm_errors;

static uint64_t storm_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void storm_fill(struct storm_obj *o)
{
	for (size_t i = 0; i < o->words; i++)
		o->mem[i] = o->pattern;
}

static void storm_check_free(struct storm_obj *o)
{
	for (size_t i = 0; i < o->words; i++) {
		if (o->mem[i] != o->pattern) {
			atomic_fetch_add(&storm_errors, 1);
			break;
		}
	}
	pool_free(o->pool, o->mem);
}

static int storm_push(int to, const struct storm_obj *o)
{
	struct storm_queue *q = &storm_queues[to];
	int ok = 0;

	pthread_mutex_lock(&q->lock);
	if (q->len < STORM_QUEUE) {
		q->objs[(q->head + q->len++) % STORM_QUEUE] = *o;
		ok = 1;
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

static void storm_drain(int me)
{
	struct storm_queue *q = &storm_queues[me];
	struct storm_obj batch[STORM_QUEUE];
	unsigned int n = 0;

	pthread_mutex_lock(&q->lock);
	while (q->len) {
		batch[n++] = q->objs[q->head];
		q->head = (q->head + 1) % STORM_QUEUE;
		q->len--;
	}
	pthread_mutex_unlock(&q->lock);
	for (unsigned int i = 0; i < n; i++)
		storm_check_free(&batch[i]);
}

static void *storm_worker(void *arg)
{
	int me = (int)(intptr_t)arg;
	struct storm_obj win[STORM_WINDOW];
	unsigned int nwin = 0, oldest = 0;
	uint64_t seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(me + 1);
	uint64_t seq = 0;

	tid = me;
	tid_bit = 1UL << me;
	pthread_barrier_wait(&storm_barrier);
	for (int it = 0; it < STORM_ITERS; it++) {
		uint64_t r = storm_rand(&seed);
		int k = (int)(r % STORM_POOLS);
		struct storm_obj o;

		pool_thread_pass();
		if (me == 0 && it % 2000 == 1999)
			pool_gc(NULL);
		o.pool = storm_pools[k];
		o.mem = (r >> 8) & 1 ? pool_alloc(o.pool) : pool_zalloc(o.pool);
		if (!o.mem) {
			atomic_fetch_add(&storm_errors, 1);
			continue;
		}
		o.words = storm_sizes[k] / 8;
		o.pattern = ((uint64_t)me << 56) | ++seq;
		storm_fill(&o);
		if ((r >> 16) % 3 == 0 && storm_push((me + 1 + (int)((r >> 24) % (STORM_WORKERS - 1))) % STORM_WORKERS, &o)) {
			/* handed to another thread, which frees it */
		} else if (nwin < STORM_WINDOW) {
			win[(oldest + nwin++) % STORM_WINDOW] = o;
		} else {
			storm_check_free(&win[oldest]);
			win[oldest] = o;
			oldest = (oldest + 1) % STORM_WINDOW;
		}
		if ((r >> 32) % 4 == 0)
			storm_drain(me);
	}
	pthread_barrier_wait(&storm_barrier);       /* nobody pushes after this */
	storm_drain(me);
	for (unsigned int i = 0; i < nwin; i++)
		storm_check_free(&win[(oldest + i) % STORM_WINDOW]);
	return NULL;
}

/* A non-worker thread (tid == -1) working beside them on the shared path. */
static void *storm_outsider(void *arg)
{
	struct storm_obj win[STORM_WINDOW];
	uint64_t seed = 12345;

	(void)arg;
	pthread_barrier_wait(&storm_barrier);
	for (int round = 0; round < STORM_ITERS / 200; round++) {
		for (int i = 0; i < STORM_WINDOW; i++) {
			int k = (int)(storm_rand(&seed) % STORM_POOLS);

			win[i].pool = storm_pools[k];
			win[i].mem = pool_alloc(win[i].pool);
			win[i].words = storm_sizes[k] / 8;
			win[i].pattern = ((uint64_t)0xEE << 56) | (uint64_t)(round * STORM_WINDOW + i);
			if (!win[i].mem) {
				atomic_fetch_add(&storm_errors, 1);
				return NULL;
			}
			storm_fill(&win[i]);
		}
		for (int i = 0; i < STORM_WINDOW; i++)
			storm_check_free(&win[i]);
	}
	pthread_barrier_wait(&storm_barrier);
	return NULL;
}

static void test_storm(void **state)
{
	pthread_t th[STORM_WORKERS + 1];
	struct pool_stats st;

	(void)state;
	tid = -1;
	storm_pools[0] = pool_create("storm_64", 64, 0);
	storm_pools[1] = pool_create("storm_64b", 60, 0);      /* merged with [0] */
	storm_pools[2] = pool_create("storm_200", 200, POOL_F_EXCLUSIVE);
	storm_pools[3] = pool_create("storm_2000", 2000, POOL_F_EXCLUSIVE);
	assert_ptr_equal(storm_pools[0], storm_pools[1]);
	for (int k = 0; k < STORM_POOLS; k++)
		storm_sizes[k] = stats_of(storm_pools[k]).size;
	for (int i = 0; i < STORM_WORKERS; i++) {
		pthread_mutex_init(&storm_queues[i].lock, NULL);
		storm_queues[i].head = storm_queues[i].len = 0;
	}
	pthread_barrier_init(&storm_barrier, NULL, STORM_WORKERS + 1);
	for (int i = 0; i < STORM_WORKERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, storm_worker, (void *)(intptr_t)i), 0);
	assert_int_equal(pthread_create(&th[STORM_WORKERS], NULL, storm_outsider, NULL), 0);
	for (int i = 0; i <= STORM_WORKERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&storm_barrier);

	assert_int_equal(atomic_load(&storm_errors), 0);
	for (int k = 0; k < STORM_POOLS; k++) {
		st = stats_of(storm_pools[k]);
		assert_int_equal(st.used, 0);
		assert_int_equal(st.failures, 0);
		assert_int_equal(st.allocated, st.cached + st.shared);
		assert_true(st.allocated > 0);
		assert_consistent(storm_pools[k]);
		assert_unlocked(storm_pools[k]);
	}
	for (int k = 0; k < STORM_POOLS; k++)
		pool_destroy(storm_pools[k]);           /* [0] and [1]: two users */
	for (int i = 0; i < STORM_WORKERS; i++)
		pthread_mutex_destroy(&storm_queues[i].lock);
	for (int t = 0; t < MAX_THREADS; t++) {      /* consume flush requests */
		tid = t;
		pool_thread_pass();
	}
	tid = -1;
}


/* Slab pools: objects carved back to back from chunks (no malloc header),
 * 8-byte granularity, recycled, kept by the collector, released whole by
 * pool_destroy() (ASan checks nothing leaks), and safe under threads.
 */
#define SLAB_OBJS 20000
#define SLAB_THREADS 4

static struct pool_head *slab_pool;

static void *slab_storm(void *arg)
{
	void *objs[256];

	tid = (int)(intptr_t)arg;
	tid_bit = 1UL << tid;
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 256; i++) {
			objs[i] = pool_alloc(slab_pool);
			assert_non_null(objs[i]);
			memset(objs[i], tid, 72);
		}
		for (int i = 0; i < 256; i++) {
			for (int b = 0; b < 72; b++)
				assert_int_equal(((unsigned char *)objs[i])[b], tid);
			pool_free(slab_pool, objs[i]);
		}
	}
	return NULL;
}

static void test_slab_pool(void **state)
{
	static void *objs[SLAB_OBJS];
	struct pool_stats st;
	int adjacent = 0;
	pthread_t th[SLAB_THREADS];

	slab_pool = pool_create("slab_test", 72, POOL_F_SLAB | POOL_F_EXCLUSIVE);
	assert_non_null(slab_pool);
	for (int i = 0; i < SLAB_OBJS; i++) {
		objs[i] = pool_alloc(slab_pool);
		assert_non_null(objs[i]);
		assert_int_equal((uintptr_t)objs[i] % 8, 0);
		if (i && (char *)objs[i] - (char *)objs[i - 1] == 72)
			adjacent++;
	}
	/* carved back to back: only chunk boundaries break the stride */
	assert_true(adjacent >= SLAB_OBJS - SLAB_OBJS / 3000 - 2);
	pool_get_stats(slab_pool, &st);
	assert_int_equal(st.size, 72);
	assert_int_equal(st.allocated, SLAB_OBJS);
	assert_int_equal(st.used, SLAB_OBJS);
	for (int i = 0; i < SLAB_OBJS; i++)
		pool_free(slab_pool, objs[i]);
	pool_gc(NULL);
	pool_get_stats(slab_pool, &st);
	assert_int_equal(st.allocated, SLAB_OBJS);   /* kept for reuse */
	assert_int_equal(st.used, 0);
	/* recycled, not carved again */
	objs[0] = pool_alloc(slab_pool);
	pool_get_stats(slab_pool, &st);
	assert_int_equal(st.allocated, SLAB_OBJS);
	pool_free(slab_pool, objs[0]);

	for (int i = 0; i < SLAB_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, slab_storm, (void *)(intptr_t)i), 0);
	for (int i = 0; i < SLAB_THREADS; i++)
		pthread_join(th[i], NULL);
	tid = -1;
	tid_bit = 0;
	pool_get_stats(slab_pool, &st);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.allocated, st.cached + st.shared);
	pool_destroy(slab_pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_for_each),
		cmocka_unit_test(test_counters_and_flush),
		cmocka_unit_test(test_destroy_in_use),
		cmocka_unit_test(test_debug_set_parse),
		cmocka_unit_test(test_fail_every),
		cmocka_unit_test(test_debug_pools_normal_use),
		/* forked children: before any thread is created */
		cmocka_unit_test(test_poison_detects_write_after_free),
		cmocka_unit_test(test_tag_detects_double_free),
		cmocka_unit_test(test_tag_detects_wrong_pool),
		cmocka_unit_test(test_gc_on_malloc_failure),
		cmocka_unit_test(test_storm),
		cmocka_unit_test(test_slab_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
