/*
 * Dynamic servers (server_dyn.c): HAProxy's rules for `add server` and
 * `del server`, the name index's removal, and a multithreaded stress test
 * of the lifetime guarantee.
 *
 * The stress test: workers run tasklets that behave as streams do between
 * two safe points: walk the backend's server list, pick a server (load
 * balancing or by name), hold it in a slot across later runs
 * (server_hold()), and write its per-thread counters. Meanwhile a
 * non-worker thread adds servers, enables them, puts them back into
 * maintenance and removes them. A removal that unlinked a server while a
 * worker walked the list, or freed one a slot still held, is a race for
 * ThreadSanitizer and a use after free for AddressSanitizer: run under
 * `make test-tsan` / `make test-asan`, this test fails if the isolation or
 * the reference check of server_dyn_delete() is taken away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/addr.h>
#include <tollgate/counters.h>
#include <tollgate/lb.h>
#include <tollgate/nameidx.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>

#include "helpers/cfgtest.h"
#include "helpers/runtime.h"

#define CFG "defaults\n    mode tcp\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n" \
            "backend be\n    balance roundrobin\n    server s1 127.0.0.1:1 check\n    server s2 127.0.0.1:2 track s1\n" \
            "backend sr\n    balance static-rr\n" \
            "backend hm\n    balance source\n" \
            "backend hc\n    balance source\n    hash-type consistent\n"

/* Adds server <name> at <addr> with <opts> (space-separated, or NULL). */
static struct server *add(struct proxy *be, const char *name, const char *addr, const char *opts, char **err)
{
	char *args[16], buf[256];
	int n = 0;

	args[n++] = "server";
	args[n++] = (char *)name;
	args[n++] = (char *)addr;
	if (opts) {
		snprintf(buf, sizeof(buf), "%s", opts);
		for (char *w = strtok(buf, " "); w && n < 15; w = strtok(NULL, " "))
			args[n++] = w;
	}
	args[n] = NULL;
	*err = NULL;
	return server_dyn_add(be, n, args, err);
}

static void test_name_idx_del(void **state)
{
	enum { N = 2000 };
	struct name_idx idx = NAME_IDX_INIT;
	static char names[N][16];

	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "n%d", i);
		assert_int_equal(name_idx_add(&idx, names[i], names[i]), 0);
	}
	/* remove every third name: the others must stay reachable */
	for (int i = 0; i < N; i += 3)
		assert_int_equal(name_idx_del(&idx, names[i]), 1);
	assert_int_equal(name_idx_del(&idx, "n0"), 0);
	for (int i = 0; i < N; i++) {
		if (i % 3)
			assert_ptr_equal(name_idx_get(&idx, names[i]), names[i]);
		else
			assert_null(name_idx_get(&idx, names[i]));
	}
	assert_int_equal(idx.count, N - (N + 2) / 3);
	name_idx_deinit(&idx);
}

static void test_add_rules(void **state)
{
	struct proxy *be, *sr, *hm, *hc;
	struct server *srv;
	char *err = NULL, msg[256];

	assert_int_equal(cfgtest_load(CFG), 0);
	be = proxy_find("be", PR_CAP_BE);
	sr = proxy_find("sr", PR_CAP_BE);
	hm = proxy_find("hm", PR_CAP_BE);
	hc = proxy_find("hc", PR_CAP_BE);

	/* static-rr and map-based hashing cannot take new servers */
	assert_int_equal(server_dyn_supported(sr, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "backend 'sr' uses a non dynamic load balancing method");
	assert_int_equal(server_dyn_supported(hm, msg, sizeof(msg)), 0);
	assert_int_equal(server_dyn_supported(hc, msg, sizeof(msg)), 1);
	assert_int_equal(server_dyn_supported(be, msg, sizeof(msg)), 1);

	/* created in maintenance, with the smallest free id, default-server ignored */
	srv = add(be, "d1", "127.0.0.1:3", "weight 7", &err);
	assert_non_null(srv);
	assert_true(srv->flags & SRV_F_MAINT);
	assert_true(srv->flags & SRV_F_DYNAMIC);
	assert_int_equal(srv->puid, 3);
	assert_int_equal(srv->uweight, 7);
	assert_ptr_equal(server_find(be, "d1"), srv);
	assert_ptr_equal(be->srv_last, srv);

	assert_null(add(be, "d1", "127.0.0.1:3", NULL, &err));
	assert_string_equal(err, "Already exists a server with the same name in backend.");
	free(err);
	assert_null(add(be, "d2", "127.0.0.1:3", "id 3", &err));
	assert_string_equal(err, "'id' : custom id 3 already used at (null):0 ('server d1').");
	free(err);
	assert_null(add(be, "d2", "127.0.0.1:3", "enabled", &err));
	assert_string_equal(err, "'enabled' option is not accepted for dynamic server");
	free(err);
	assert_null(add(be, "a/b", "127.0.0.1:3", NULL, &err));
	assert_string_equal(err, "character '/' is not permitted in server name 'a/b'.");
	free(err);
	assert_null(add(be, "d2", "127.0.0.1:3", "proto h1", &err));
	assert_string_equal(err, "MUX protocol is not usable for server.");
	free(err);
	assert_null(add(be, "d2", "127.0.0.1:3", "track d1", &err));
	assert_non_null(strstr(err, "for tracking"));
	free(err);

	/* removal: HAProxy's conditions, in its order */
	assert_int_equal(server_dyn_delete(be, "nope", (const char **)&err), -1);
	assert_string_equal(err, "No such server.");
	assert_int_equal(server_dyn_delete(be, "s1", (const char **)&err), -1);
	assert_string_equal(err, "This server cannot be removed at runtime due to other configuration elements pointing to it.");
	assert_int_equal(server_dyn_delete(be, "s2", (const char **)&err), -1);
	assert_int_equal(server_change_admin(srv, SRV_F_MAINT, 0), 1);
	assert_int_equal(server_dyn_delete(be, "d1", (const char **)&err), -1);
	assert_string_equal(err, "Only servers in maintenance mode can be deleted.");
	server_change_admin(srv, 0, SRV_F_MAINT);
	srv->per_thr[0].refs++;   /* as a stream holding it */
	assert_int_equal(server_dyn_delete(be, "d1", (const char **)&err), 0);
	assert_string_equal(err, "Server still has connections attached to it, cannot remove it.");
	srv->per_thr[0].refs--;
	assert_int_equal(server_dyn_delete(be, "d1", (const char **)&err), 1);
	assert_string_equal(err, "Server deleted.");
	assert_null(server_find(be, "d1"));
	assert_string_equal(be->srv_last->id, "s2");
	assert_null(be->srv_last->next);

	/* its id is free again */
	srv = add(be, "d3", "127.0.0.1:3", NULL, &err);
	assert_non_null(srv);
	assert_int_equal(srv->puid, 3);
	cfgtest_unload();
}

/* A server named by a sample fetch argument cannot be removed (HAProxy). */
static void test_fetch_reference(void **state)
{
	const char *msg;
	struct proxy *be;

	assert_int_equal(cfgtest_load("defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n"
	                              "frontend fe\n    bind 127.0.0.1:1\n    acl busy srv_sess_rate(be/a) gt 50\n"
	                              "    http-request deny if busy\n    default_backend be\n"
	                              "backend be\n    server a :\n    server b 127.0.0.1\n    server c 127.0.0.1:1 disabled\n"), 0);
	be = proxy_find("be", PR_CAP_BE);
	assert_true(server_find(be, "a")->addr.flags & ADDR_F_ANY);
	assert_true(server_find(be, "b")->addr.flags & ADDR_F_NO_PORT);
	server_change_admin(server_find(be, "a"), 0, SRV_F_MAINT);
	assert_int_equal(server_dyn_delete(be, "a", &msg), -1);
	assert_string_equal(msg, "This server cannot be removed at runtime due to other configuration elements pointing to it.");
	/* a server of the configuration, named by nothing, may go */
	assert_int_equal(server_dyn_delete(be, "c", &msg), 1);
	assert_null(server_find(be, "c"));
	cfgtest_unload();
}

/* ---- stress ---- */

#define WORKERS 4
#define HOLD    4
#define NAMES   6
#define ROUNDS  (1000 / STRESS_DIV)

static struct proxy *stress_be;
static struct server *held[WORKERS][HOLD];   /* each row owned by its worker */
static struct tasklet *strm_tl[WORKERS];
static _Atomic int stop_streams;
static _Atomic uint64_t uses;       /* stream runs */
static volatile unsigned int sink[WORKERS];  /* keeps the reads (one per worker) */
static uint64_t uses_goal;

static int uses_reached(void *arg)
{
	return atomic_load(&uses) >= uses_goal;
}

static void stream_fn(struct tasklet *tl, void *ctx, unsigned int st)
{
	struct proxy *be = stress_be;
	unsigned int k = rt_rand() % HOLD, sum = 0;
	struct server *srv;
	char name[16];

	/* a walk, as stats and `balance first` do */
	for (srv = be->srv; srv; srv = srv->next)
		sum += srv->flags;
	/* a pick, as load balancing or a persistence cookie does */
	if (rt_rand() & 1) {
		srv = lb_pick(&be->lb, 0, NULL);
	} else {
		snprintf(name, sizeof(name), "d%u", rt_rand() % NAMES);
		srv = server_find(be, name);
	}
	server_hold(&held[tid][k], rt_rand() % 3 ? srv : NULL);
	/* and uses of what it holds, runs later */
	for (int j = 0; j < HOLD; j++) {
		if (!held[tid][j])
			continue;
		counter_add(&held[tid][j]->ctr[tid].cum_conn, 1);
		sum += held[tid][j]->uweight + (unsigned char)held[tid][j]->id[0];
	}
	sink[tid] = sum;
	atomic_fetch_add_explicit(&uses, 1, memory_order_relaxed);
	if (!atomic_load(&stop_streams))
		tasklet_wakeup(tl);
}

static void release_held(void *arg)
{
	for (int j = 0; j < HOLD; j++)
		server_hold(&held[tid][j], NULL);
}

static void test_stress_add_del(void **state)
{
	unsigned int deleted = 0, refused = 0;
	const char *msg;
	char *err, name[16];

	assert_int_equal(cfgtest_load(CFG), 0);
	stress_be = proxy_find("be", PR_CAP_BE);
	atomic_store(&stop_streams, 0);
	rt_start(WORKERS);
	for (int i = 0; i < WORKERS; i++) {
		strm_tl[i] = tasklet_new(i, stream_fn, NULL, "stream");
		assert_non_null(strm_tl[i]);
		tasklet_wakeup(strm_tl[i]);
	}
	for (int r = 0; r < ROUNDS; r++) {
		struct server *srv;

		/* let the streams run between two changes */
		uses_goal = atomic_load(&uses) + 2 * WORKERS;
		assert_true(rt_wait_until(uses_reached, NULL, 10000));

		snprintf(name, sizeof(name), "d%u", rt_rand() % NAMES);
		srv = server_find(stress_be, name);   /* this thread is the only writer */
		if (!srv) {
			srv = add(stress_be, name, "127.0.0.1:9", NULL, &err);
			assert_non_null(srv);
			server_change_admin(srv, SRV_F_MAINT, 0);
			continue;
		}
		server_change_admin(srv, 0, SRV_F_MAINT);
		if (server_dyn_delete(stress_be, name, &msg) > 0)
			deleted++;
		else
			refused++;
	}
	atomic_store(&stop_streams, 1);
	for (int i = 0; i < WORKERS; i++)
		rt_call_on(i, release_held, NULL);
	rt_stop();
	for (int i = 0; i < WORKERS; i++)
		tasklet_free(strm_tl[i]);
	/* nothing holds them now: every dynamic server goes */
	for (int i = 0; i < NAMES; i++) {
		struct server *srv;

		snprintf(name, sizeof(name), "d%d", i);
		srv = server_find(stress_be, name);
		if (!srv)
			continue;
		server_change_admin(srv, 0, SRV_F_MAINT);
		assert_int_equal(server_dyn_delete(stress_be, name, &msg), 1);
	}
	print_message("stress: %u removed, %u refused while held, %llu uses\n", deleted, refused,
	              (unsigned long long)atomic_load(&uses));
	assert_true(deleted > 0);
	assert_true(refused > 0);
	assert_true(atomic_load(&uses) > 0);
	cfgtest_unload();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_idx_del),
		cmocka_unit_test(test_add_rules),
		cmocka_unit_test(test_fetch_reference),
		cmocka_unit_test(test_stress_add_del),
	};

	return cmocka_run_group_tests_name("server_dyn", tests, NULL, rt_group_teardown);
}
