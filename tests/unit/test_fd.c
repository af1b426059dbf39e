/*
 * fd table tests: events reach the owner thread's handler; events carrying
 * an old generation (fd closed, number reused) are dropped; bad
 * registrations are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/fd.h>
#include <tollgate/thread.h>

#include "helpers/runtime.h"

struct pipe_case {
	int fds[2];                     /* the pipe */
	_Atomic int got;                /* bytes read by the handler */
	_Atomic int ran_on;             /* thread of the handler */
	_Atomic int calls;              /* handler calls */
};

static void pipe_iocb(int fd, unsigned int events, void *owner)
{
	struct pipe_case *c = owner;
	char buf[64];
	ssize_t n;

	atomic_fetch_add(&c->calls, 1);
	atomic_store(&c->ran_on, tid);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		atomic_fetch_add(&c->got, (int)n);
}

static void register_pipe(void *arg)
{
	struct pipe_case *c = arg;

	assert_int_equal(fd_insert(c->fds[0], -1, pipe_iocb, c, FD_EV_IN), 0);
	assert_int_equal(fd_insert(c->fds[0], -1, pipe_iocb, c, FD_EV_IN), -EBADF);
}

static void unregister_pipe(void *arg)
{
	struct pipe_case *c = arg;

	fd_delete(c->fds[0]);
}

static int got_five(void *arg)
{
	return atomic_load(&((struct pipe_case *)arg)->got) == 5;
}

static void test_event_reaches_owner(void **state)
{
	struct pipe_case c = { 0 };

	assert_int_equal(pipe2(c.fds, O_NONBLOCK | O_CLOEXEC), 0);
	rt_start(3);
	rt_call_on(2, register_pipe, &c);
	assert_int_equal(thread_stats(2)->fds, 1);
	assert_int_equal(write(c.fds[1], "hello", 5), 5);
	assert_true(rt_wait_until(got_five, &c, 5000));
	assert_int_equal(atomic_load(&c.ran_on), 2);
	rt_call_on(2, unregister_pipe, &c);
	assert_int_equal(thread_stats(2)->fds, 0);
	rt_stop();
	close(c.fds[1]);
}

/* Dispatches a fabricated event with the generation the fd had before it
 * was deleted and registered again: the new owner must not see it.
 */
static void stale_event(void *arg)
{
	struct pipe_case *c = arg;
	struct epoll_event ev = { .events = EPOLLIN };
	uint32_t old_gen;
	uint64_t stale_before = atomic_load(&fd_stale_events);

	assert_int_equal(fd_insert(c->fds[0], -1, pipe_iocb, c, FD_EV_IN), 0);
	old_gen = atomic_load(&fdtab[c->fds[0]].gen);
	fd_remove(c->fds[0]);
	assert_int_equal(fd_insert(c->fds[0], -1, pipe_iocb, c, FD_EV_IN), 0);
	ev.data.u64 = fd_epoll_data(c->fds[0], old_gen);
	fd_dispatch(&ev);
	assert_int_equal(atomic_load(&c->calls), 0);
	assert_int_equal(atomic_load(&fd_stale_events), stale_before + 1);
	/* the current generation is delivered */
	ev.data.u64 = fd_epoll_data(c->fds[0], atomic_load(&fdtab[c->fds[0]].gen));
	fd_dispatch(&ev);
	assert_int_equal(atomic_load(&c->calls), 1);
	fd_remove(c->fds[0]);
}

static void test_stale_generation_dropped(void **state)
{
	struct pipe_case c = { 0 };

	assert_int_equal(pipe2(c.fds, O_NONBLOCK | O_CLOEXEC), 0);
	rt_start(1);
	rt_call_on(0, stale_event, &c);
	rt_stop();
	close(c.fds[0]);
	close(c.fds[1]);
}

static void bad_inserts(void *arg)
{
	assert_int_equal(fd_insert(-1, -1, pipe_iocb, NULL, FD_EV_IN), -EBADF);
	assert_int_equal(fd_insert(fd_max, -1, pipe_iocb, NULL, FD_EV_IN), -EBADF);
	/* a number that is not an open fd: epoll_ctl() says so */
	assert_int_equal(fd_insert(fd_max - 1, -1, pipe_iocb, NULL, FD_EV_IN), -EBADF);
	assert_null(fdtab[fd_max - 1].iocb);
}

static void test_bad_registrations(void **state)
{
	rt_start(1);
	rt_call_on(0, bad_inserts, NULL);
	rt_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_reaches_owner),
		cmocka_unit_test(test_stale_generation_dropped),
		cmocka_unit_test(test_bad_registrations),
	};

	return cmocka_run_group_tests_name("fd", tests, NULL, rt_group_teardown);
}
