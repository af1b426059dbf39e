/*
 * Unit tests for the intrusive timer heap (timerq.h).
 *
 * Random insert/remove/pop sequences are checked step by step against a
 * reference model, a sorted array of the queued keys, and the whole tree is
 * verified with timerq_check() along the way. The seed of the random tests
 * is printed and may be forced with TIMERQ_SEED=<n> to replay a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/compiler.h>
#include <tollgate/ticks.h>
#include <tollgate/timerq.h>

/* A timed object, as a task would embed its node. */
struct item {
	int pad;                 /* keeps the node off offset 0 */
	struct timerq_node node; /* place in the queue under test */
	unsigned int slot;       /* index in the in-queue set, if queued */
};

static struct item *item_of(struct timerq_node *n)
{
	return container_of(n, struct item, node);
}

/* ---- random numbers (xorshift64*, reproducible) ---- */

static uint64_t rng_state;

static void rng_seed(uint64_t fallback)
{
	const char *env = getenv("TIMERQ_SEED");

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

/* Returns a number in [0, <n>), n > 0. */
static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(((uint64_t)rng_next() * n) >> 32);
}

/* ---- reference model: queued keys, as offsets from a base, sorted in
 * decreasing order so that the earliest one is the last element.
 */

struct ref {
	uint32_t *off;  /* offsets, decreasing */
	unsigned int n; /* number of offsets */
	uint32_t base;  /* key = base + offset */
};

/* Returns the first index whose offset is below or equal to <off>
 * (lower = 1) or strictly below <off> (lower = 0).
 */
static unsigned int ref_search(const struct ref *r, uint32_t off, int lower)
{
	unsigned int lo = 0, hi = r->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (lower ? r->off[mid] > off : r->off[mid] >= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void ref_insert(struct ref *r, uint32_t key)
{
	uint32_t off = key - r->base;
	unsigned int i = ref_search(r, off, 0);

	memmove(&r->off[i + 1], &r->off[i], (r->n - i) * sizeof(*r->off));
	r->off[i] = off;
	r->n++;
}

static void ref_remove(struct ref *r, uint32_t key)
{
	uint32_t off = key - r->base;
	unsigned int i = ref_search(r, off, 1);

	assert_true(i < r->n);
	assert_int_equal(r->off[i], off);
	memmove(&r->off[i], &r->off[i + 1], (r->n - i - 1) * sizeof(*r->off));
	r->n--;
}

/* ---- helpers on the queue under test ---- */

/* Returns the node at level-order position <pos> (1-based) by walking the
 * links, independently of the implementation.
 */
static struct timerq_node *node_at(const struct timerq *q, unsigned int pos)
{
	struct timerq_node *n = q->root;
	int bit = 31;

	while (bit >= 0 && !((pos >> bit) & 1))
		bit--;
	while (--bit >= 0) {
		assert_non_null(n);
		n = ((pos >> bit) & 1) ? n->right : n->left;
	}
	assert_non_null(n);
	return n;
}

/* Asserts that <n> is out of any queue with its links cleared. */
static void assert_detached(const struct timerq_node *n)
{
	assert_false(timerq_node_queued(n));
	assert_null(n->parent);
	assert_null(n->left);
	assert_null(n->right);
}

/* Pops every node of <q>, asserting that the keys come out in wrapping
 * order and, when <expect> is set, that they equal <expect>[0..n-1] which
 * must be sorted in that order. Returns the number of nodes popped.
 */
static unsigned int drain(struct timerq *q, const uint32_t *expect, unsigned int n)
{
	struct timerq_node *node;
	unsigned int popped = 0;
	uint32_t prev = 0;

	while ((node = timerq_first(q)) != NULL) {
		if (popped)
			assert_true(tick_is_le(prev, node->key));
		if (expect) {
			assert_true(popped < n);
			assert_int_equal(node->key, expect[popped]);
		}
		prev = node->key;
		timerq_remove(q, node);
		assert_detached(node);
		popped++;
		if (q->count < 64 || (popped & 1023) == 0)
			assert_int_equal(timerq_check(q), (int)q->count);
	}
	assert_int_equal(q->count, 0);
	assert_int_equal(timerq_check(q), 0);
	if (expect)
		assert_int_equal(popped, n);
	return popped;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* ---- tests ---- */

static void test_empty(void **state)
{
	struct timerq q;
	struct timerq_node n;

	(void)state;
	timerq_init(&q);
	assert_null(timerq_first(&q));
	assert_int_equal(timerq_check(&q), 0);

	timerq_node_init(&n);
	assert_false(timerq_node_queued(&n));
	timerq_insert(&q, &n, 42);
	assert_true(timerq_node_queued(&n));
	assert_ptr_equal(timerq_first(&q), &n);
	assert_int_equal(n.key, 42);
	assert_int_equal(timerq_check(&q), 1);

	timerq_remove(&q, &n);
	assert_detached(&n);
	assert_null(timerq_first(&q));
	assert_int_equal(q.count, 0);
	assert_int_equal(timerq_check(&q), 0);

	/* A removed node can be inserted again, at another date. */
	timerq_insert(&q, &n, 7);
	assert_ptr_equal(timerq_first(&q), &n);
	assert_int_equal(timerq_check(&q), 1);
	timerq_remove(&q, &n);
	assert_int_equal(timerq_check(&q), 0);
}

/* Fills <keys>[0..n-1] following <pattern>. */
static void make_keys(uint32_t *keys, unsigned int n, int pattern)
{
	for (unsigned int i = 0; i < n; i++) {
		switch (pattern) {
		case 0: /* ascending */
			keys[i] = 1000 + i;
			break;
		case 1: /* descending */
			keys[i] = 1000 + n - i;
			break;
		case 2: /* random */
			keys[i] = 1000 + rng_below(4 * n);
			break;
		case 3: /* all equal */
			keys[i] = 1000;
			break;
		default: /* zigzag */
			keys[i] = 1000 + (i & 1 ? i : n + i);
			break;
		}
	}
}

#define SHAPE_MAX 40
#define PATTERNS  5

/* Removes the node at every level-order position (root, inner nodes, the
 * parent of the last, leaves and the last itself) of every tree shape up to
 * SHAPE_MAX nodes, for several key patterns, then checks what is left.
 */
static void test_remove_each_position(void **state)
{
	struct item items[SHAPE_MAX];
	uint32_t keys[SHAPE_MAX], left[SHAPE_MAX];
	struct timerq q;

	(void)state;
	rng_seed(12345);
	for (int pattern = 0; pattern < PATTERNS; pattern++) {
		for (unsigned int n = 1; n <= SHAPE_MAX; n++) {
			for (unsigned int pos = 1; pos <= n; pos++) {
				struct timerq_node *victim;
				unsigned int k = 0;

				make_keys(keys, n, pattern);
				timerq_init(&q);
				for (unsigned int i = 0; i < n; i++) {
					timerq_node_init(&items[i].node);
					timerq_insert(&q, &items[i].node, keys[i]);
					assert_int_equal(timerq_check(&q), (int)i + 1);
				}

				victim = node_at(&q, pos);
				timerq_remove(&q, victim);
				assert_detached(victim);
				assert_int_equal(timerq_check(&q), (int)n - 1);

				for (unsigned int i = 0; i < n; i++)
					if (&items[i].node != victim)
						left[k++] = keys[i];
				qsort(left, k, sizeof(*left), cmp_u32);
				drain(&q, left, k);
			}
		}
	}
}

/* The last node, moved into a removed node's place in another subtree, may
 * have to go up, not down.
 */
static void test_remove_sifts_up(void **state)
{
	/* Level order: 1, 10, 2, 11, 12, 3, 4: a valid heap as inserted. */
	static const uint32_t keys[] = {1, 10, 2, 11, 12, 3, 4};
	static const uint32_t left[] = {1, 2, 3, 4, 10, 12};
	struct item items[ARRAY_SIZE(keys)];
	struct timerq q;

	(void)state;
	timerq_init(&q);
	for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++) {
		timerq_node_init(&items[i].node);
		timerq_insert(&q, &items[i].node, keys[i]);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++)
		assert_ptr_equal(node_at(&q, i + 1), &items[i].node);

	/* Remove 11 (position 4): 4 (position 7) replaces it under 10 and
	 * must rise to position 2.
	 */
	timerq_remove(&q, &items[3].node);
	assert_int_equal(timerq_check(&q), 6);
	assert_ptr_equal(node_at(&q, 2), &items[6].node);
	assert_ptr_equal(node_at(&q, 4), &items[1].node);
	drain(&q, left, ARRAY_SIZE(left));
}

/* Many equal keys: each node comes out exactly once, in key order. */
static void test_duplicates(void **state)
{
	enum { N = 3000 };
	struct item *items = calloc(N, sizeof(*items));
	unsigned char *seen = calloc(N, 1);
	struct timerq_node *node;
	struct timerq q;
	unsigned int removed = 0, popped = 0;
	uint32_t prev = 0;

	(void)state;
	assert_non_null(items);
	assert_non_null(seen);
	rng_seed(777);
	timerq_init(&q);
	for (unsigned int i = 0; i < N; i++) {
		timerq_node_init(&items[i].node);
		/* Mostly one key, some of two others, around the wrap. */
		timerq_insert(&q, &items[i].node, 0xFFFFFFFFU + 2 * rng_below(3) * (i % 5 == 0));
	}
	assert_int_equal(timerq_check(&q), N);

	/* Remove a third of them, picked at random, checking each time. */
	for (unsigned int i = 0; i < N / 3; i++) {
		unsigned int j = rng_below(N);

		if (!timerq_node_queued(&items[j].node))
			continue;
		timerq_remove(&q, &items[j].node);
		assert_detached(&items[j].node);
		seen[j] = 1;
		removed++;
		assert_int_equal(timerq_check(&q), (int)(N - removed));
	}

	while ((node = timerq_first(&q)) != NULL) {
		unsigned int j = (unsigned int)(item_of(node) - items);

		assert_true(j < N);
		assert_false(seen[j]);
		seen[j] = 1;
		if (popped)
			assert_true(tick_is_le(prev, node->key));
		prev = node->key;
		timerq_remove(&q, node);
		popped++;
		if ((popped & 63) == 0)
			assert_int_equal(timerq_check(&q), (int)q.count);
	}
	assert_int_equal(removed + popped, N);
	for (unsigned int i = 0; i < N; i++)
		assert_true(seen[i]);
	free(seen);
	free(items);
}

/* Dates straddling the wrap pop in date order, not in numeric order. */
static void test_wrap(void **state)
{
	enum { SPAN = 0x2000 };
	const uint32_t base = 0xFFFFF000U;
	struct item *items = calloc(SPAN, sizeof(*items));
	uint32_t *perm = calloc(SPAN, sizeof(*perm));
	struct timerq_node *node;
	struct timerq q;
	uint32_t prev_off = 0;
	unsigned int popped = 0;

	(void)state;
	assert_non_null(items);
	assert_non_null(perm);
	rng_seed(4242);
	for (uint32_t i = 0; i < SPAN; i++)
		perm[i] = i;
	for (uint32_t i = SPAN - 1; i > 0; i--) {
		uint32_t j = rng_below(i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}

	timerq_init(&q);
	for (uint32_t i = 0; i < SPAN; i++) {
		timerq_node_init(&items[i].node);
		timerq_insert(&q, &items[i].node, tick_add(base, perm[i]));
	}
	assert_int_equal(timerq_check(&q), SPAN);
	assert_int_equal(timerq_first(&q)->key, base);

	while ((node = timerq_first(&q)) != NULL) {
		uint32_t off = node->key - base;

		/* Every date before the wrap comes out before any after it. */
		assert_true(off < SPAN);
		if (popped)
			assert_true(off >= prev_off);
		if (popped < 0x1000)
			assert_int_equal(node->key, base + popped);
		prev_off = off;
		timerq_remove(&q, node);
		popped++;
		if ((popped & 255) == 0)
			assert_int_equal(timerq_check(&q), (int)q.count);
	}
	assert_int_equal(popped, SPAN);
	/* The last date is base + SPAN - 1 = 0x00000FFF. */
	assert_int_equal(prev_off, SPAN - 1);
	free(perm);
	free(items);
}

/* Runs <ops> random operations on up to <max> nodes with keys drawn in
 * [base, base + range), checking every step against the reference and the
 * whole tree every <check_every> operations. Insertions are favoured
 * (<grow_pct> %) until the queue holds <max> nodes, then removals, so the
 * queue swings between empty and full.
 */
static void run_mixed(unsigned int max, unsigned int ops, uint32_t base, uint32_t range,
                      unsigned int grow_pct, unsigned int check_every)
{
	struct item *items = calloc(max, sizeof(*items));
	unsigned int *queued = calloc(max, sizeof(*queued)); /* item indices */
	unsigned int *spare = calloc(max, sizeof(*spare));   /* item indices */
	struct ref ref = {.off = calloc(max, sizeof(uint32_t)), .base = base};
	unsigned int nq = 0, nspare = max;
	unsigned int inserts = 0, removes = 0, pops = 0, swings = 0;
	int growing = 1;
	struct timerq q;

	assert_non_null(items);
	assert_non_null(queued);
	assert_non_null(spare);
	assert_non_null(ref.off);
	for (unsigned int i = 0; i < max; i++) {
		timerq_node_init(&items[i].node);
		spare[i] = max - 1 - i;
	}
	timerq_init(&q);

	for (unsigned int op = 0; op < ops; op++) {
		uint32_t dice = rng_below(100);
		struct item *it;

		if (nq == max && growing) {
			growing = 0;
			swings++;
		} else if (nq == 0 && !growing) {
			growing = 1;
			swings++;
		}

		if (nq == 0 || (nq < max && dice < (growing ? grow_pct : 100 - grow_pct))) {
			/* insert a spare item */
			unsigned int idx = spare[--nspare];
			uint32_t key = base + rng_below(range);

			it = &items[idx];
			timerq_insert(&q, &it->node, key);
			assert_true(timerq_node_queued(&it->node));
			assert_int_equal(it->node.key, key);
			it->slot = nq;
			queued[nq++] = idx;
			ref_insert(&ref, key);
			inserts++;
		} else {
			unsigned int slot;

			if (rng_below(2)) {
				/* pop the earliest */
				it = item_of(timerq_first(&q));
				slot = it->slot;
				assert_int_equal(it->node.key - base, ref.off[ref.n - 1]);
				pops++;
			} else {
				/* remove an arbitrary queued item */
				slot = rng_below(nq);
				it = &items[queued[slot]];
				removes++;
			}
			assert_ptr_equal(&items[queued[slot]], it);
			timerq_remove(&q, &it->node);
			assert_detached(&it->node);
			ref_remove(&ref, it->node.key);

			queued[slot] = queued[--nq];
			items[queued[slot]].slot = slot;
			spare[nspare++] = (unsigned int)(it - items);
		}

		assert_int_equal(q.count, nq);
		assert_int_equal(ref.n, nq);
		if (nq)
			assert_int_equal(timerq_first(&q)->key - base, ref.off[ref.n - 1]);
		else
			assert_null(timerq_first(&q));
		if (op % check_every == 0)
			assert_int_equal(timerq_check(&q), (int)nq);
	}
	assert_int_equal(timerq_check(&q), (int)nq);

	/* Drain what is left, still against the reference. */
	while (ref.n) {
		struct timerq_node *node = timerq_first(&q);

		assert_int_equal(node->key - base, ref.off[ref.n - 1]);
		timerq_remove(&q, node);
		ref.n--;
	}
	assert_null(timerq_first(&q));
	assert_int_equal(timerq_check(&q), 0);

	print_message("max=%u ops=%u inserts=%u removes=%u pops=%u swings=%u\n", max, ops, inserts,
	              removes, pops, swings);
	free(ref.off);
	free(spare);
	free(queued);
	free(items);
}

/* Small queues, a whole-tree check after every operation and few distinct
 * keys: every swap and replacement case, adjacent nodes included, occurs
 * many times.
 */
static void test_random_small(void **state)
{
	(void)state;
	rng_seed(1);
	run_mixed(9, 20000, 100, 4, 60, 1);
	run_mixed(70, 100000, 0xFFFFFFF0U, 32, 60, 1);
	run_mixed(300, 100000, 5, 1000, 70, 1);
}

/* Operations of the large random test: four swings between empty and 100k
 * nodes; one swing under AddressSanitizer, whose memmove() checks slow the
 * sorted-array reference down; and under ThreadSanitizer, which has nothing
 * to find in this single-threaded test and instruments memmove() byte range
 * by byte range (30 s), a short run up to about 20k nodes.
 */
#if defined(TG_TSAN)
#define LARGE_OPS 30000
#elif defined(TG_SANITIZER)
#define LARGE_OPS 200000
#else
#define LARGE_OPS 600000
#endif

/* Up to 100k nodes, keys across the wrap, swinging full and empty. */
static void test_random_large(void **state)
{
	(void)state;
	rng_seed(2);
	run_mixed(100000, LARGE_OPS, 0U - (1U << 23), 1U << 24, 85, 5000);
}

/* timerq_check() itself notices broken links, order, flags and counts. */
static void test_check_detects(void **state)
{
	enum { N = 10 };
	struct item items[N];
	struct timerq_node *n, *saved;
	struct timerq q;
	uint32_t key;

	(void)state;
	timerq_init(&q);
	for (unsigned int i = 0; i < N; i++) {
		timerq_node_init(&items[i].node);
		timerq_insert(&q, &items[i].node, 100 + i);
	}
	assert_int_equal(timerq_check(&q), N);

	/* A child pointing to the wrong parent. */
	n = node_at(&q, 5);
	saved = n->parent;
	n->parent = node_at(&q, 3);
	assert_int_equal(timerq_check(&q), -1);
	n->parent = saved;
	assert_int_equal(timerq_check(&q), N);

	/* The root with a parent. */
	q.root->parent = n;
	assert_int_equal(timerq_check(&q), -1);
	q.root->parent = NULL;

	/* A child before its parent, also across the wrap. */
	n = node_at(&q, 9);
	key = n->key;
	n->key = 99;
	assert_int_equal(timerq_check(&q), -1);
	n->key = 0xFFFFFFFFU;
	assert_int_equal(timerq_check(&q), -1);
	n->key = key;
	assert_int_equal(timerq_check(&q), N);

	/* A node not flagged queued. */
	n->queued = 0;
	assert_int_equal(timerq_check(&q), -1);
	n->queued = 1;

	/* Wrong counts. */
	q.count = N + 1;
	assert_int_equal(timerq_check(&q), -1);
	q.count = N - 1;
	assert_int_equal(timerq_check(&q), -1);
	q.count = N;

	/* A hole: the last node unhooked but still counted. */
	n = node_at(&q, N);
	saved = n->parent;
	saved->left = NULL; /* position 10 is a left child */
	assert_int_equal(timerq_check(&q), -1);
	/* A right child where the left one should be. */
	saved->right = n;
	assert_int_equal(timerq_check(&q), -1);
	saved->right = NULL;
	saved->left = n;
	assert_int_equal(timerq_check(&q), N);

	/* Right count, right links and order, but not complete: the last
	 * node hung one level too deep, under position 8 (keys are in level
	 * order, so the order still holds).
	 */
	saved->left = NULL;
	n->parent = node_at(&q, 8);
	n->parent->left = n;
	assert_int_equal(timerq_check(&q), -1);
	n->parent->left = NULL;
	n->parent = saved;
	saved->left = n;
	assert_int_equal(timerq_check(&q), N);

	/* A loop back to the root. */
	n->left = q.root;
	assert_int_equal(timerq_check(&q), -1);
	n->left = NULL;
	assert_int_equal(timerq_check(&q), N);

	drain(&q, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_remove_each_position),
		cmocka_unit_test(test_remove_sifts_up),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_random_small),
		cmocka_unit_test(test_random_large),
		cmocka_unit_test(test_check_detects),
	};

	return cmocka_run_group_tests_name("timerq", tests, NULL, NULL);
}
