/*
 * Servers of a backend as the configuration builds them: lookup by name
 * (the name index) and numbering (explicit ids, automatic ones filling the
 * gaps, an id used twice refused), at a scale where a list scan per
 * server line would be quadratic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/cfg.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>

#include "helpers/cfgtest.h"

#define HEAD "defaults\n    mode tcp\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\nbackend be\n"

static void test_ids(void **state)
{
	struct proxy *be;

	assert_int_equal(cfgtest_load(HEAD
	                              "    server a 127.0.0.1:1 id 2\n"
	                              "    server b 127.0.0.1:2\n"
	                              "    server c 127.0.0.1:3 id 1\n"
	                              "    server d 127.0.0.1:4\n"
	                              "    server e 127.0.0.1:5 id 7\n"
	                              "    server f 127.0.0.1:6\n"), 0);
	be = proxy_find("be", PR_CAP_BE);
	assert_non_null(be);
	assert_int_equal(server_find(be, "a")->puid, 2);
	assert_int_equal(server_find(be, "b")->puid, 3);
	assert_int_equal(server_find(be, "c")->puid, 1);
	assert_int_equal(server_find(be, "d")->puid, 4);
	assert_int_equal(server_find(be, "e")->puid, 7);
	assert_int_equal(server_find(be, "f")->puid, 5);
	assert_null(server_find(be, "g"));
	assert_ptr_equal(server_find_by_id(be, 5), server_find(be, "f"));
	cfgtest_unload();
}

static void test_duplicates_refused(void **state)
{
	assert_int_equal(cfgtest_load(HEAD "    server a 127.0.0.1:1 id 3\n    server b 127.0.0.1:2 id 3\n"), -1);
	cfgtest_unload();
	assert_int_equal(cfgtest_load(HEAD "    server a 127.0.0.1:1\n    server a 127.0.0.1:2\n"), -1);
	cfgtest_unload();
}

static void test_many_servers(void **state)
{
	enum { N = 20000 };
	size_t len = strlen(HEAD) + (size_t)N * 48 + 1;
	char *text = malloc(len), *p;
	struct proxy *be;

	assert_non_null(text);
	p = text + sprintf(text, "%s", HEAD);
	for (int i = 0; i < N; i++)
		p += sprintf(p, "    server s%d 10.0.%d.%d:80%s\n", i, i / 250, i % 250 + 1, i == N / 2 ? " id 1" : "");
	assert_int_equal(cfgtest_load(text), 0);
	be = proxy_find("be", PR_CAP_BE);
	assert_int_equal(be->srv_count, N);
	for (int i = 0; i < N; i += 997) {
		char name[16];

		snprintf(name, sizeof(name), "s%d", i);
		assert_string_equal(server_find(be, name)->id, name);
	}
	assert_int_equal(server_find(be, "s10000")->puid, 1);
	assert_int_equal(server_find(be, "s0")->puid, 2);
	assert_int_equal(server_find(be, "s19999")->puid, N);
	cfgtest_unload();
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_duplicates_refused),
		cmocka_unit_test(test_many_servers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
