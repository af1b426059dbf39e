/*
 * Socket tests, on 127.0.0.1, ::1 and unix sockets in /tmp only: several
 * SO_REUSEPORT listeners on one port, accept, non-blocking connect to an
 * open and a closed port, unix sockets (mode, stale and live files),
 * inherited fd@N sockets and their refusal when they do not listen.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/addr.h>
#include <tollgate/sock.h>

#define WAIT_MS 5000   /* deadline for any single event */

/* Parses <str> (port optional) into an address; fails the test on error. */
static struct addr mkaddr(const char *str)
{
	char err[ADDR_ERRLEN];
	struct addr a;

	if (addr_parse(str, ADDR_P_PORT_OPTIONAL, &a, err, sizeof(err)) < 0)
		fail_msg("addr_parse(%s): %s", str, err);
	return a;
}

/* Waits up to WAIT_MS for <events> on <fd>. Returns the revents, 0 on
 * timeout.
 */
static int wait_fd(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	do {
		rc = poll(&pfd, 1, WAIT_MS);
	} while (rc < 0 && errno == EINTR);
	return rc > 0 ? pfd.revents : 0;
}

/* Accepts one connection on <lfd>, waiting for it. */
static int accept_one(int lfd, struct sockaddr_storage *peer, socklen_t *len)
{
	int fd;

	assert_true(wait_fd(lfd, POLLIN) & POLLIN);
	fd = sock_accept(lfd, peer, len);
	if (fd < 0)
		fail_msg("sock_accept: %s", strerror(-fd));
	return fd;
}

/* Connects to <dst> and waits for the outcome; returns the fd (connected). */
static int connect_wait(const struct addr *dst)
{
	int fd = -1, rc;

	rc = sock_connect(dst, NULL, &fd);
	if (rc != 0 && rc != -EINPROGRESS)
		fail_msg("sock_connect: %s", strerror(-rc));
	assert_true(fd >= 0);
	if (rc == -EINPROGRESS) {
		assert_true(wait_fd(fd, POLLOUT) & POLLOUT);
		assert_int_equal(sock_get_error(fd), 0);
	}
	return fd;
}

/* Sends <msg> on <a> and checks it arrives on <b>. */
static void check_pipe(int a, int b, const char *msg)
{
	char buf[64];
	ssize_t n;

	assert_int_equal(send(a, msg, strlen(msg), MSG_NOSIGNAL), (ssize_t)strlen(msg));
	assert_true(wait_fd(b, POLLIN) & POLLIN);
	n = recv(b, buf, sizeof(buf), 0);
	assert_int_equal(n, (ssize_t)strlen(msg));
	assert_memory_equal(buf, msg, strlen(msg));
}

static void assert_nonblock_cloexec(int fd)
{
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

static void test_reuseport(void **state)
{
	struct sock_opts o = { .flags = SOCK_O_REUSEPORT, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	struct addr a = mkaddr("127.0.0.1"), bound, peer_a, cli_local;
	struct sockaddr_storage peer;
	char err[SOCK_ERRLEN];
	struct pollfd pfd[2];
	int l1, l2, l3, c, s, i, rc;
	socklen_t plen = 0;

	/* port 0: the first socket picks an ephemeral port */
	l1 = sock_listen(&a, &o, err, sizeof(err));
	if (l1 < 0)
		fail_msg("sock_listen: %s", err);
	assert_nonblock_cloexec(l1);
	assert_int_equal(sock_get_name(l1, &bound), 0);
	assert_int_not_equal(addr_port(&bound), 0);

	/* the second binds the same address and port */
	l2 = sock_listen(&bound, &o, err, sizeof(err));
	if (l2 < 0)
		fail_msg("second SO_REUSEPORT sock_listen: %s", err);

	/* without SO_REUSEPORT the port is taken */
	o.flags = 0;
	l3 = sock_listen(&bound, &o, err, sizeof(err));
	assert_int_equal(l3, -EADDRINUSE);
	assert_non_null(strstr(err, "cannot bind 127.0.0.1:"));

	/* nothing to accept yet */
	rc = sock_accept(l1, NULL, NULL);
	assert_int_equal(rc, -EAGAIN);
	assert_int_equal(sock_accept_classify(rc), SOCK_ACC_DONE);

	/* a real connection lands on one of the two */
	c = connect_wait(&bound);
	pfd[0] = (struct pollfd){ .fd = l1, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = l2, .events = POLLIN };
	assert_true(poll(pfd, 2, WAIT_MS) > 0);
	s = -1;
	for (i = 0; i < 2 && s < 0; i++) {
		if (pfd[i].revents & POLLIN)
			s = sock_accept(pfd[i].fd, &peer, &plen);
	}
	assert_true(s >= 0);
	assert_nonblock_cloexec(s);

	/* the peer seen by accept is the client's local address */
	assert_int_equal(addr_from_sa(&peer_a, (struct sockaddr *)&peer, plen), 0);
	assert_int_equal(sock_get_name(c, &cli_local), 0);
	assert_int_equal(addr_cmp(&peer_a, &cli_local), 0);
	assert_int_equal(sock_get_peer(s, &peer_a), 0);
	assert_int_equal(addr_cmp(&peer_a, &cli_local), 0);

	check_pipe(c, s, "hello");
	check_pipe(s, c, "world");

	close(s);
	close(c);
	close(l1);
	close(l2);
}

static void test_connect_open_and_closed(void **state)
{
	struct addr a = mkaddr("127.0.0.1"), bound;
	int l, holder, c, s, rc;

	l = sock_listen(&a, NULL, NULL, 0);
	assert_true(l >= 0);
	assert_int_equal(sock_get_name(l, &bound), 0);

	/* to a listening port: connected, no error */
	c = -1;
	rc = sock_connect(&bound, NULL, &c);
	assert_true(rc == 0 || rc == -EINPROGRESS);
	assert_true(c >= 0);
	assert_nonblock_cloexec(c);
	assert_true(wait_fd(c, POLLOUT) & POLLOUT);
	assert_int_equal(sock_get_error(c), 0);
	s = accept_one(l, NULL, NULL);
	close(s);
	close(c);

	/* to a closed port: a bound socket that does not listen holds the
	 * port so that nobody else can take it meanwhile
	 */
	holder = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(holder >= 0);
	assert_int_equal(bind(holder, addr_sa(&a), a.len), 0);
	assert_int_equal(sock_get_name(holder, &bound), 0);
	c = -1;
	rc = sock_connect(&bound, NULL, &c);
	if (rc == -EINPROGRESS) {
		assert_true(c >= 0);
		assert_true(wait_fd(c, POLLOUT) & (POLLOUT | POLLERR | POLLHUP));
		assert_int_equal(sock_get_error(c), -ECONNREFUSED);
		/* SO_ERROR is cleared by reading it */
		assert_int_equal(sock_get_error(c), 0);
		close(c);
	} else {
		/* some kernels report the refusal at once */
		assert_int_equal(rc, -ECONNREFUSED);
		assert_int_equal(c, -1);
	}
	close(holder);
	close(l);

	/* bad kinds */
	c = 7;
	a = mkaddr("fd@3");
	assert_int_equal(sock_connect(&a, NULL, &c), -EINVAL);
	assert_int_equal(c, -1);
	assert_int_equal(sock_get_error(-1), -EBADF);
}

static void test_connect_source(void **state)
{
	struct addr a = mkaddr("127.0.0.1"), bound, src = mkaddr("127.0.0.1"), local;
	struct addr src6 = mkaddr("[::1]");
	int l, c, s, rc;

	l = sock_listen(&a, NULL, NULL, 0);
	assert_true(l >= 0);
	assert_int_equal(sock_get_name(l, &bound), 0);

	rc = sock_connect(&bound, &src, &c);
	assert_true(rc == 0 || rc == -EINPROGRESS);
	assert_true(wait_fd(c, POLLOUT) & POLLOUT);
	assert_int_equal(sock_get_error(c), 0);
	assert_int_equal(sock_get_name(c, &local), 0);
	assert_int_equal(addr_cmp_host(&local, &src), 0);
	assert_int_not_equal(addr_port(&local), 0);
	s = accept_one(l, NULL, NULL);
	close(s);
	close(c);

	/* families must match */
	assert_int_equal(sock_connect(&bound, &src6, &c), -EINVAL);
	assert_int_equal(c, -1);
	close(l);
}

static void test_ipv6(void **state)
{
	struct sock_opts o = { .flags = SOCK_O_V6ONLY | SOCK_O_REUSEPORT, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	struct addr a = mkaddr("[::1]"), bound;
	char err[SOCK_ERRLEN], name[ADDR_STRLEN];
	int l, c, s, v = -1;
	socklen_t len = sizeof(v);

	l = sock_listen(&a, &o, err, sizeof(err));
	if (l == -EADDRNOTAVAIL || l == -EAFNOSUPPORT) {
		skip();   /* no IPv6 loopback on this machine */
		return;
	}
	if (l < 0)
		fail_msg("sock_listen([::1]): %s", err);
	assert_int_equal(getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sock_get_name(l, &bound), 0);
	addr_format(&bound, name, sizeof(name));
	assert_true(strncmp(name, "[::1]:", 6) == 0);
	c = connect_wait(&bound);
	s = accept_one(l, NULL, NULL);
	check_pipe(c, s, "six");
	close(s);
	close(c);
	close(l);
}

static void test_options(void **state)
{
	struct addr a = mkaddr("127.0.0.1"), bound;
	int l, c, s, v;
	socklen_t len = sizeof(v);

	l = sock_listen(&a, NULL, NULL, 0);
	assert_true(l >= 0);
	assert_int_equal(sock_get_name(l, &bound), 0);
	c = connect_wait(&bound);
	s = accept_one(l, NULL, NULL);

	assert_int_equal(sock_set_nodelay(s, 1), 0);
	assert_int_equal(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	assert_int_not_equal(v, 0);
	assert_int_equal(sock_set_nodelay(s, 0), 0);
	assert_int_equal(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	assert_int_equal(v, 0);

	assert_int_equal(sock_set_keepalive(s, 1, 30, 5, 4), 0);
	assert_int_equal(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
	assert_int_not_equal(v, 0);
	assert_int_equal(getsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len), 0);
	assert_int_equal(v, 30);
	assert_int_equal(getsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &v, &len), 0);
	assert_int_equal(v, 5);
	assert_int_equal(getsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &v, &len), 0);
	assert_int_equal(v, 4);
	assert_int_equal(sock_set_keepalive(s, 0, 0, 0, 0), 0);
	assert_int_equal(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
	assert_int_equal(v, 0);

	assert_int_equal(sock_set_nodelay(-1, 1), -EBADF);
	close(s);
	close(c);
	close(l);
}

static void test_accept_classify(void **state)
{
	assert_int_equal(sock_accept_classify(-EAGAIN), SOCK_ACC_DONE);
	assert_int_equal(sock_accept_classify(-EWOULDBLOCK), SOCK_ACC_DONE);
	assert_int_equal(sock_accept_classify(-EINTR), SOCK_ACC_RETRY);
	assert_int_equal(sock_accept_classify(-ECONNABORTED), SOCK_ACC_RETRY);
	assert_int_equal(sock_accept_classify(-EPROTO), SOCK_ACC_RETRY);
	assert_int_equal(sock_accept_classify(-EMFILE), SOCK_ACC_LIMIT_PROC);
	assert_int_equal(sock_accept_classify(-ENFILE), SOCK_ACC_LIMIT_SYS);
	assert_int_equal(sock_accept_classify(-ENOBUFS), SOCK_ACC_LIMIT_MEM);
	assert_int_equal(sock_accept_classify(-ENOMEM), SOCK_ACC_LIMIT_MEM);
	assert_int_equal(sock_accept_classify(-EBADF), SOCK_ACC_FATAL);
	assert_int_equal(sock_accept_classify(-EINVAL), SOCK_ACC_FATAL);
	assert_int_equal(sock_accept(-1, NULL, NULL), -EBADF);
}

/* Builds "/tmp/tg-test-sock-<pid>-<tag>.sock" into <buf>. */
static void tmp_sock_path(char *buf, size_t size, const char *tag)
{
	snprintf(buf, size, "/tmp/tg-test-sock-%d-%s.sock", (int)getpid(), tag);
}

/* Returns 1 if a "<path>.<pid>.tmp" leftover exists. */
static int tmp_leftover(const char *path)
{
	char tmp[256];
	struct stat st;

	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	return lstat(tmp, &st) == 0;
}

static void test_unix(void **state)
{
	struct sock_opts o = { .flags = SOCK_O_MODE, .mode = 0600, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	char path[128], spec[160], err[SOCK_ERRLEN];
	struct sockaddr_storage peer;
	socklen_t plen = 0;
	struct addr a, p;
	struct stat st;
	int l, l2, c, s, fd;

	tmp_sock_path(path, sizeof(path), "u");
	snprintf(spec, sizeof(spec), "unix@%s", path);
	unlink(path);
	a = mkaddr(spec);

	l = sock_listen(&a, &o, err, sizeof(err));
	if (l < 0)
		fail_msg("sock_listen(%s): %s", spec, err);
	assert_nonblock_cloexec(l);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_false(tmp_leftover(path));

	/* connect (usually immediate for unix sockets) and accept */
	c = connect_wait(&a);
	s = accept_one(l, &peer, &plen);
	assert_int_equal(addr_from_sa(&p, (struct sockaddr *)&peer, plen), 0);
	assert_int_equal(p.kind, ADDR_UNIX);
	check_pipe(c, s, "unix");
	close(s);
	close(c);

	/* a live socket is not replaced without SOCK_O_REPLACE */
	o.mode = 0660;
	l2 = sock_listen(&a, &o, err, sizeof(err));
	assert_int_equal(l2, -EADDRINUSE);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "listening"));
	assert_false(tmp_leftover(path));

	/* with it, it is (reload), atomically */
	o.flags |= SOCK_O_REPLACE;
	l2 = sock_listen(&a, &o, err, sizeof(err));
	if (l2 < 0)
		fail_msg("sock_listen(REPLACE): %s", err);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	c = connect_wait(&a);
	s = accept_one(l2, NULL, NULL);
	close(s);
	close(c);
	close(l);

	/* closing leaves a stale file, which is replaced */
	close(l2);
	assert_int_equal(lstat(path, &st), 0);
	o.flags = SOCK_O_MODE;
	o.mode = 0666;
	l = sock_listen(&a, &o, err, sizeof(err));
	if (l < 0)
		fail_msg("sock_listen(stale): %s", err);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0666);
	c = connect_wait(&a);
	s = accept_one(l, NULL, NULL);
	close(s);
	close(c);
	close(l);
	assert_int_equal(unlink(path), 0);

	/* a file that is not a socket is never removed */
	fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	l = sock_listen(&a, &o, err, sizeof(err));
	assert_int_equal(l, -EEXIST);
	assert_non_null(strstr(err, "not a socket"));
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(unlink(path), 0);

	/* a missing directory: the message names the address */
	a = mkaddr("unix@/tmp/tg-test-no-such-dir/x.sock");
	l = sock_listen(&a, &o, err, sizeof(err));
	assert_int_equal(l, -ENOENT);
	assert_non_null(strstr(err, "/tmp/tg-test-no-such-dir/x.sock"));
}

static void test_abstract(void **state)
{
	char spec[64], err[SOCK_ERRLEN];
	struct addr a;
	int l, c, s;

	snprintf(spec, sizeof(spec), "abns@tg-test-%d", (int)getpid());
	a = mkaddr(spec);
	l = sock_listen(&a, NULL, err, sizeof(err));
	if (l < 0)
		fail_msg("sock_listen(%s): %s", spec, err);
	c = connect_wait(&a);
	s = accept_one(l, NULL, NULL);
	check_pipe(s, c, "abstract");
	close(s);
	close(c);
	close(l);
}

#define INHERITED_FD 100   /* fd number the tests dup their sockets to */

/* Creates a TCP socket on 127.0.0.1 (ephemeral port), listening if
 * <do_listen>, blocking and without CLOEXEC like an inherited one, dup'ed
 * to <num>. Stores its address in <bound>.
 */
static void make_inherited(int num, int do_listen, struct addr *bound)
{
	struct addr a = mkaddr("127.0.0.1");
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, addr_sa(&a), a.len), 0);
	if (do_listen)
		assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(dup2(fd, num), num);
	close(fd);
	assert_int_equal(sock_get_name(num, bound), 0);
}

static void test_fd_inherited(void **state)
{
	char spec[32], err[SOCK_ERRLEN];
	struct addr a, bound;
	int l, c, s;

	make_inherited(INHERITED_FD, 1, &bound);
	assert_false(fcntl(INHERITED_FD, F_GETFL) & O_NONBLOCK);
	snprintf(spec, sizeof(spec), "fd@%d", INHERITED_FD);
	a = mkaddr(spec);
	l = sock_listen(&a, NULL, err, sizeof(err));
	if (l < 0)
		fail_msg("sock_listen(%s): %s", spec, err);
	/* a duplicate: a second bind on the same fd@N gets another one */
	assert_int_not_equal(l, INHERITED_FD);
	assert_nonblock_cloexec(l);
	assert_nonblock_cloexec(INHERITED_FD);
	c = connect_wait(&bound);
	s = accept_one(l, NULL, NULL);
	check_pipe(c, s, "inherited");
	close(s);
	close(c);
	close(l);
	l = sock_listen(&a, NULL, err, sizeof(err));
	assert_true(l >= 0 && l != INHERITED_FD);
	close(l);
	close(INHERITED_FD);
}

static void test_fd_refused(void **state)
{
	char spec[32], err[SOCK_ERRLEN];
	struct addr a, bound;
	int pfd[2], l;

	/* bound but not listening */
	make_inherited(INHERITED_FD + 1, 0, &bound);
	snprintf(spec, sizeof(spec), "fd@%d", INHERITED_FD + 1);
	a = mkaddr(spec);
	l = sock_listen(&a, NULL, err, sizeof(err));
	assert_int_equal(l, -EINVAL);
	assert_non_null(strstr(err, spec));
	assert_non_null(strstr(err, "not listening"));
	assert_null(strchr(err, '\n'));
	/* still open: it is the caller's */
	assert_true(fcntl(INHERITED_FD + 1, F_GETFD) >= 0);
	close(INHERITED_FD + 1);

	/* closed */
	l = sock_listen(&a, NULL, err, sizeof(err));
	assert_int_equal(l, -EBADF);
	assert_non_null(strstr(err, "not an open file descriptor"));

	/* not a socket */
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(dup2(pfd[0], INHERITED_FD + 2), INHERITED_FD + 2);
	snprintf(spec, sizeof(spec), "fd@%d", INHERITED_FD + 2);
	a = mkaddr(spec);
	l = sock_listen(&a, NULL, err, sizeof(err));
	assert_int_equal(l, -ENOTSOCK);
	assert_non_null(strstr(err, "not a socket"));
	close(INHERITED_FD + 2);
	close(pfd[0]);
	close(pfd[1]);

	/* a datagram socket */
	l = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(l >= 0);
	assert_int_equal(dup2(l, INHERITED_FD + 3), INHERITED_FD + 3);
	close(l);
	snprintf(spec, sizeof(spec), "fd@%d", INHERITED_FD + 3);
	a = mkaddr(spec);
	l = sock_listen(&a, NULL, err, sizeof(err));
	assert_int_equal(l, -EPROTOTYPE);
	assert_non_null(strstr(err, "not a stream socket"));
	close(INHERITED_FD + 3);

	/* sockpair@ is not supported, unset addresses are refused */
	a = mkaddr("sockpair@3");
	assert_int_equal(sock_listen(&a, NULL, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "sockpair@3"));
	memset(&a, 0, sizeof(a));
	assert_int_equal(sock_listen(&a, NULL, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuseport),
		cmocka_unit_test(test_connect_open_and_closed),
		cmocka_unit_test(test_connect_source),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_accept_classify),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_abstract),
		cmocka_unit_test(test_fd_inherited),
		cmocka_unit_test(test_fd_refused),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
