/*
 * Idle server connections (srv_idle.c): a connection the server already
 * closed, whose close the poller has not delivered yet, does not count
 * against parking another one (HAProxy's admission, srv_idle.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/fd.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/srv_idle.h>
#include <tollgate/thread.h>

#include "helpers/runtime.h"

struct idle_case {
	struct server *srv;
	int a[2], b[2];   /* [0]: ours, parked; [1]: the server's end */
	int taken;        /* what srv_idle_take() gave back */
	unsigned int count_after;
};

static void unused_iocb(int fd, unsigned int events, void *owner)
{
}

/* All in one call on the worker: its poller cannot run in between, as
 * when the close and the next parking come in one batch of events.
 */
static void park_after_server_close(void *arg)
{
	struct idle_case *c = arg;
	struct addr dst = { 0 };

	assert_int_equal(fd_insert(c->a[0], -1, unused_iocb, NULL, FD_EV_IN), 0);
	assert_int_equal(fd_insert(c->b[0], -1, unused_iocb, NULL, FD_EV_IN), 0);
	srv_idle_park(c->srv, &dst, 1, c->a[0], NULL, NULL);   /* safe: a second request went on it */
	close(c->a[1]);                                        /* the server closes it */
	srv_idle_park(c->srv, &dst, 0, c->b[0], NULL, NULL);   /* a first request's connection */
	c->count_after = c->srv->idle_count[tid];
	c->taken = srv_idle_take(c->srv, &dst, &(const struct xprt_ops *){ NULL }, &(void *){ NULL });
	if (c->taken >= 0)
		fd_delete(c->taken);
}

static void test_closed_entry_does_not_refuse_parking(void **state)
{
	struct proxy *be = proxy_alloc("be", PR_CAP_BE, "test", 1);
	struct idle_case c = { .taken = -2 };

	assert_non_null(be);
	c.srv = server_alloc(be, "s1", &be->defsrv, "test", 2);
	assert_non_null(c.srv);
	assert_int_equal(srv_idle_init(), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, c.a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, c.b), 0);
	rt_start(1);
	rt_call_on(0, park_after_server_close, &c);
	rt_stop();
	/* the closed one went, the new one is kept and given to the next
	 * request (before: refused and reset, the closed one kept)
	 */
	assert_int_equal(c.count_after, 1);
	assert_int_equal(c.taken, c.b[0]);
	close(c.b[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_entry_does_not_refuse_parking),
	};

	return cmocka_run_group_tests_name("srv_idle", tests, NULL, rt_group_teardown);
}
