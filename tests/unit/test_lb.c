/*
 * Load-balancing tests: each algorithm's distribution with weights, backup
 * servers, maxconn, avoidance on retry, key stability for hashing, and
 * concurrent picks racing server state changes.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/hash.h>
#include <tollgate/lb.h>
#include <tollgate/server-t.h>

#include "helpers/runtime.h"

#define NSRV 4

static struct server *srvs;

/* Builds NSRV servers s1..s4 with <weights>, all up, chained in order. */
static void make_servers(const unsigned int *weights)
{
	srvs = calloc(NSRV, sizeof(*srvs));
	assert_non_null(srvs);
	for (int i = 0; i < NSRV; i++) {
		char name[16];

		snprintf(name, sizeof(name), "s%d", i + 1);
		srvs[i].id = strdup(name);
		srvs[i].puid = i + 1;
		srvs[i].uweight = weights[i];
		atomic_store(&srvs[i].cur_state, SRV_ST_RUNNING);
		srvs[i].next = i + 1 < NSRV ? &srvs[i + 1] : NULL;
	}
}

static void free_servers(void)
{
	for (int i = 0; i < NSRV; i++)
		free(srvs[i].id);
	free(srvs);
}

static void init_lb(struct lb_state *st, const char *algo)
{
	const struct lb_ops *ops = lb_find(algo);

	assert_non_null(ops);
	memset(st, 0, sizeof(*st));
	assert_int_equal(lb_init(st, ops, srvs), 0);
}

static void count_picks(struct lb_state *st, int n, int *counts, int keyed)
{
	memset(counts, 0, NSRV * sizeof(*counts));
	for (int i = 0; i < n; i++) {
		struct server *s = lb_pick(st, keyed ? hash_avalanche32((uint32_t)i) : 0, NULL);

		assert_non_null(s);
		counts[s - srvs]++;
	}
}

static void test_registry(void **state)
{
	char names[256];

	assert_non_null(lb_find("roundrobin"));
	assert_non_null(lb_find("static-rr"));
	assert_non_null(lb_find("leastconn"));
	assert_non_null(lb_find("first"));
	assert_non_null(lb_find("source"));
	assert_non_null(lb_find("hash"));
	assert_non_null(lb_find("random"));
	assert_null(lb_find("roundrobn"));
	lb_names(names, sizeof(names));
	assert_non_null(strstr(names, "roundrobin"));
}

/* Weighted round robins are exact over each cycle of total weight. */
static void check_exact_rr(const char *algo)
{
	static const unsigned int w[NSRV] = { 5, 1, 1, 3 };
	struct lb_state st;
	int counts[NSRV];

	make_servers(w);
	init_lb(&st, algo);
	count_picks(&st, 10 * 100, counts, 0);
	for (int i = 0; i < NSRV; i++)
		assert_int_equal(counts[i], (int)w[i] * 100);
	lb_deinit(&st);
	free_servers();
}

static void test_roundrobin_weights(void **state)
{
	check_exact_rr("roundrobin");
}

static void test_static_rr_weights(void **state)
{
	check_exact_rr("static-rr");
}

static void test_roundrobin_is_smooth(void **state)
{
	static const unsigned int w[NSRV] = { 5, 1, 1, 0 };
	struct lb_state st;
	char seq[8] = "";

	make_servers(w);
	init_lb(&st, "roundrobin");
	for (int i = 0; i < 7; i++)
		seq[i] = (char)('a' + (lb_pick(&st, 0, NULL) - srvs));
	/* nginx's smooth sequence: the heavy server is spread out */
	assert_string_equal(seq, "aabacaa");
	lb_deinit(&st);
	free_servers();
}

static void test_down_and_backup_servers(void **state)
{
	static const unsigned int w[NSRV] = { 1, 1, 1, 1 };
	struct lb_state st;
	int counts[NSRV];

	make_servers(w);
	srvs[2].flags |= SRV_F_BACKUP;
	srvs[3].flags |= SRV_F_BACKUP;
	init_lb(&st, "roundrobin");
	count_picks(&st, 100, counts, 0);
	assert_int_equal(counts[0], 50);
	assert_int_equal(counts[1], 50);
	assert_int_equal(counts[2] + counts[3], 0);

	/* one active down: the other takes everything */
	atomic_store(&srvs[0].cur_state, SRV_ST_STOPPED);
	assert_int_equal(lb_update(&st), 0);
	count_picks(&st, 10, counts, 0);
	assert_int_equal(counts[1], 10);

	/* all actives down: the first backup only */
	atomic_store(&srvs[1].cur_state, SRV_ST_STOPPED);
	assert_int_equal(lb_update(&st), 0);
	count_picks(&st, 10, counts, 0);
	assert_int_equal(counts[2], 10);

	/* option allbackups: all backups */
	st.allbackups = 1;
	assert_int_equal(lb_update(&st), 0);
	count_picks(&st, 10, counts, 0);
	assert_int_equal(counts[2], 5);
	assert_int_equal(counts[3], 5);

	/* nothing up */
	atomic_store(&srvs[2].cur_state, SRV_ST_STOPPED);
	atomic_store(&srvs[3].cur_state, SRV_ST_STOPPED);
	assert_int_equal(lb_update(&st), 0);
	assert_null(lb_pick(&st, 0, NULL));
	lb_deinit(&st);
	free_servers();
}

static void test_maintenance_and_avoid(void **state)
{
	static const unsigned int w[NSRV] = { 1, 1, 0, 0 };
	struct lb_state st;

	make_servers(w);
	srvs[0].flags |= SRV_F_MAINT;
	init_lb(&st, "roundrobin");
	for (int i = 0; i < 5; i++)
		assert_ptr_equal(lb_pick(&st, 0, NULL), &srvs[1]);
	/* the only usable server is returned even when avoided */
	assert_ptr_equal(lb_pick(&st, 0, &srvs[1]), &srvs[1]);
	srvs[0].flags &= ~SRV_F_MAINT;
	assert_int_equal(lb_update(&st), 0);
	for (int i = 0; i < 5; i++)
		assert_ptr_equal(lb_pick(&st, 0, &srvs[1]), &srvs[0]);
	lb_deinit(&st);
	free_servers();
}

static void test_leastconn(void **state)
{
	static const unsigned int w[NSRV] = { 1, 1, 1, 2 };
	struct lb_state st;

	make_servers(w);
	init_lb(&st, "leastconn");
	atomic_store(&srvs[0].cur_conns, 3);
	atomic_store(&srvs[1].cur_conns, 1);
	atomic_store(&srvs[2].cur_conns, 2);
	atomic_store(&srvs[3].cur_conns, 2);  /* weight 2: (2+1)/2 = 1.5 */
	assert_ptr_equal(lb_pick(&st, 0, NULL), &srvs[3]);
	atomic_store(&srvs[3].cur_conns, 6);
	assert_ptr_equal(lb_pick(&st, 0, NULL), &srvs[1]);
	lb_deinit(&st);
	free_servers();
}

static void test_first_fills_in_order(void **state)
{
	static const unsigned int w[NSRV] = { 1, 1, 1, 1 };
	struct lb_state st;

	make_servers(w);
	for (int i = 0; i < NSRV; i++)
		srvs[i].maxconn = 2;
	srvs[0].puid = 9;  /* id order: s2, s3, s4, s1 */
	init_lb(&st, "first");
	assert_ptr_equal(lb_pick(&st, 0, NULL), &srvs[1]);
	atomic_store(&srvs[1].cur_conns, 2);
	assert_ptr_equal(lb_pick(&st, 0, NULL), &srvs[2]);
	atomic_store(&srvs[2].cur_conns, 2);
	atomic_store(&srvs[3].cur_conns, 2);
	assert_ptr_equal(lb_pick(&st, 0, NULL), &srvs[0]);
	atomic_store(&srvs[0].cur_conns, 2);
	assert_null(lb_pick(&st, 0, NULL));   /* all full: the caller queues */
	lb_deinit(&st);
	free_servers();
}

static void check_hash(enum lb_hash_type type, int max_moved_pct)
{
	static const unsigned int w[NSRV] = { 1, 1, 1, 1 };
	enum { KEYS = 4000 };
	struct server *before[KEYS];
	struct lb_state st;
	int counts[NSRV], moved = 0;

	make_servers(w);
	memset(&st, 0, sizeof(st));
	st.hash_type = type;
	assert_int_equal(lb_init(&st, lb_find("source"), srvs), 0);
	count_picks(&st, KEYS, counts, 1);
	for (int i = 0; i < NSRV; i++)
		assert_in_range(counts[i], KEYS / NSRV * 7 / 10, KEYS / NSRV * 13 / 10);
	for (int i = 0; i < KEYS; i++) {
		before[i] = lb_pick(&st, hash_avalanche32((uint32_t)i), NULL);
		assert_ptr_equal(lb_pick(&st, hash_avalanche32((uint32_t)i), NULL), before[i]);
	}
	atomic_store(&srvs[3].cur_state, SRV_ST_STOPPED);
	assert_int_equal(lb_update(&st), 0);
	for (int i = 0; i < KEYS; i++) {
		struct server *s = lb_pick(&st, hash_avalanche32((uint32_t)i), NULL);

		assert_ptr_not_equal(s, &srvs[3]);
		if (before[i] != &srvs[3] && s != before[i])
			moved++;
	}
	assert_true(moved * 100 <= KEYS * max_moved_pct);
	lb_deinit(&st);
	free_servers();
}

static void test_hash_consistent(void **state)
{
	/* only the keys of the server that went down move */
	check_hash(LB_HASH_CONSISTENT, 0);
}

static void test_hash_map_based(void **state)
{
	/* map-based: evenly spread, most keys move when servers change */
	check_hash(LB_HASH_MAP, 100);
}

static void test_random_weights(void **state)
{
	static const unsigned int w[NSRV] = { 1, 2, 3, 4 };
	struct lb_state st;
	int counts[NSRV];

	make_servers(w);
	memset(&st, 0, sizeof(st));
	st.random_draws = 1;   /* plain weighted random */
	assert_int_equal(lb_init(&st, lb_find("random"), srvs), 0);
	count_picks(&st, 10000, counts, 0);
	for (int i = 0; i < NSRV; i++)
		assert_in_range(counts[i], (int)w[i] * 1000 * 8 / 10, (int)w[i] * 1000 * 12 / 10);
	lb_deinit(&st);
	free_servers();
}

/* Picks on 4 threads while a fifth toggles servers up and down. */
#define PICKERS 4
#define PICKS (200000 / STRESS_DIV)

static struct lb_state stress_st;
static _Atomic int stop_toggle;
static _Atomic int bad_pick;

static void *picker_main(void *arg)
{
	for (int i = 0; i < PICKS; i++) {
		struct server *s = lb_pick(&stress_st, (uint32_t)i, NULL);

		if (s && (s < srvs || s >= srvs + NSRV))
			atomic_store(&bad_pick, 1);
	}
	return NULL;
}

static void *toggler_main(void *arg)
{
	for (unsigned int n = 0; !atomic_load(&stop_toggle); n++) {
		atomic_store(&srvs[n % NSRV].cur_state, (n / NSRV) & 1 ? SRV_ST_RUNNING : SRV_ST_STOPPED);
		lb_update(&stress_st);
	}
	return NULL;
}

static void test_concurrent_picks_and_updates(void **state)
{
	static const char *const algos[] = { "roundrobin", "static-rr", "leastconn", "first",
	                                     "source", "random" };
	static const unsigned int w[NSRV] = { 1, 2, 3, 4 };

	for (size_t a = 0; a < sizeof(algos) / sizeof(algos[0]); a++) {
		pthread_t pick[PICKERS], tog;

		make_servers(w);
		init_lb(&stress_st, algos[a]);
		atomic_store(&stop_toggle, 0);
		assert_int_equal(pthread_create(&tog, NULL, toggler_main, NULL), 0);
		for (int i = 0; i < PICKERS; i++)
			assert_int_equal(pthread_create(&pick[i], NULL, picker_main, NULL), 0);
		for (int i = 0; i < PICKERS; i++)
			pthread_join(pick[i], NULL);
		atomic_store(&stop_toggle, 1);
		pthread_join(tog, NULL);
		assert_int_equal(atomic_load(&bad_pick), 0);
		lb_deinit(&stress_st);
		free_servers();
	}
}

/* Takes the key out of <in> with <fn> under <st> (lb_key_narrow() or
 * lb_key_post()) and checks it against <want> (NULL: none).
 */
static void check_key(int (*fn)(const struct lb_state *, const char **, size_t *), const struct lb_state *st,
                      const char *in, const char *want)
{
	const char *p = in;
	size_t len = strlen(in);
	int found = fn(st, &p, &len);

	if (!want) {
		assert_int_equal(found, 0);
		return;
	}
	assert_int_equal(found, 1);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(p, want, len);
}

static void check_narrow(const struct lb_state *st, const char *in, const char *want)
{
	check_key(lb_key_narrow, st, in, want);
}

static void check_post(const struct lb_state *st, const char *in, const char *want)
{
	check_key(lb_key_post, st, in, want);
}

/* the keys of balance uri len/depth, hdr() use_domain_only, url_param, as HAProxy */
static void test_key_narrow(void **state)
{
	struct lb_state st = { 0 };

	st.key_len = 5;
	check_narrow(&st, "/abcdefg", "/abcd");
	st.key_len = 0;
	st.key_depth = 2;
	check_narrow(&st, "/a/b/c/d", "/a/b");
	check_narrow(&st, "/a", "/a");
	st.key_depth = 0;
	st.key_domain = 1;
	check_narrow(&st, "www.example.com", "example");
	check_narrow(&st, "example.com", "example");
	check_narrow(&st, "localhost", "localhost");
	check_narrow(&st, ".com", ".com");
	st.key_domain = 0;
	st.key_param = "id";
	check_narrow(&st, "/p?id=42&x=1", "42");
	check_narrow(&st, "/p?xid=1&id=7", "7");
	check_narrow(&st, "/p?id=a;b=c", "a;b=c");
	check_narrow(&st, "/p?id=", "");
	check_narrow(&st, "/p?id", NULL);
	check_narrow(&st, "/p/id=1", NULL);
	check_narrow(&st, "/p?x=1", NULL);
}

/* url_param check_post: the parameter in a body, as HAProxy 2.6 reads it */
static void test_key_post(void **state)
{
	struct lb_state st = { 0 };

	check_post(&st, "id=1", NULL);
	st.key_param = "id";
	check_post(&st, "id=42&x=1", "42");
	check_post(&st, "xid=1&id=7", "7");
	check_post(&st, "a=b&id=last", "last");
	check_post(&st, "id=", "");
	check_post(&st, "id=&x=1", "");
	check_post(&st, "id= 5", "");
	check_post(&st, "id=\x01bin", NULL);
	check_post(&st, "id", NULL);
	check_post(&st, "x=1&y=2", NULL);
	check_post(&st, "", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_key_narrow),
		cmocka_unit_test(test_key_post),
		cmocka_unit_test(test_roundrobin_weights),
		cmocka_unit_test(test_static_rr_weights),
		cmocka_unit_test(test_roundrobin_is_smooth),
		cmocka_unit_test(test_down_and_backup_servers),
		cmocka_unit_test(test_maintenance_and_avoid),
		cmocka_unit_test(test_leastconn),
		cmocka_unit_test(test_first_fills_in_order),
		cmocka_unit_test(test_hash_consistent),
		cmocka_unit_test(test_hash_map_based),
		cmocka_unit_test(test_random_weights),
		cmocka_unit_test(test_concurrent_picks_and_updates),
	};

	return cmocka_run_group_tests_name("lb", tests, NULL, NULL);
}
