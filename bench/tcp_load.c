/*
 * tcp_load — load generator and backend for bench/tcp_vs_haproxy.sh.
 *
 * Not part of `make bench` (the Makefile globs bench/bench_*.c); the driver
 * script builds it with `gcc -O2`. One epoll loop per process, 127.0.0.1
 * only in practice (any IPv4 address is accepted).
 *
 *   tcp_load server <port>
 *       Backend. The first byte a client sends picks what the connection
 *       does:
 *         'R'  read REQ_SIZE bytes, answer REP_SIZE bytes, close (conn/s);
 *         'D'  after REQ_SIZE bytes, send bulk data until the peer closes
 *              (download throughput).
 *   tcp_load client <ip:port> rr   <conns> <seconds> [warmup_s]
 *       <conns> concurrent connections, each: connect, send REQ_SIZE bytes,
 *       read the reply until the peer closes, close, repeat. Prints
 *       "conns=N errors=E secs=S conns_per_s=X".
 *   tcp_load client <ip:port> down <conns> <seconds> [warmup_s]
 *       <conns> long connections reading bulk data. Prints
 *       "bytes=N errors=E secs=S mbytes_per_s=X" (MB = 10^6 bytes).
 *   tcp_load wait <ip:port> <seconds>
 *       Exit 0 as soon as a connection to <ip:port> succeeds, 1 on timeout.
 *   tcp_load ports <n>
 *       Print <n> distinct TCP ports of 127.0.0.1 that are free right now
 *       (the kernel's choice for a bind to port 0).
 *
 * Only bytes and completions after the warm-up (default 0.5 s) count.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQ_SIZE   64      /* request bytes, first one selects the mode */
#define REP_SIZE   64      /* reply bytes in 'R' mode */
#define BULK_SIZE  65536   /* write/read chunk in bulk mode */
#define MAX_FDS    65536   /* per-fd state table size */
#define MAX_EVENTS 256

static char bulk[BULK_SIZE];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* Parses "<ip>:<port>" into <sin>; exits on error. */
static void parse_addr(const char *str, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(str, ':');

	if (!colon || (size_t)(colon - str) >= sizeof(host)) {
		fprintf(stderr, "tcp_load: bad address '%s' (want ip:port)\n", str);
		exit(2);
	}
	memcpy(host, str, colon - str);
	host[colon - str] = 0;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
		fprintf(stderr, "tcp_load: bad address '%s'\n", str);
		exit(2);
	}
}

/* ---------------------------------------------------------------- server */

struct srv_conn {
	uint32_t got;   /* request bytes read so far */
	char mode;      /* first request byte: 'R' or 'D', 0 before it */
	char sending;   /* 'D' mode: request complete, streaming */
};

static struct srv_conn *sconn;

static void srv_close(int ep, int fd)
{
	(void)ep;
	sconn[fd] = (struct srv_conn){ 0 };
	close(fd);
}

/* Streams bulk data on <fd> until the socket is full or the peer is gone. */
static void srv_pump(int ep, int fd)
{
	for (;;) {
		ssize_t n = send(fd, bulk, sizeof(bulk), MSG_NOSIGNAL);

		if (n > 0)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		srv_close(ep, fd);
		return;
	}
}

static void srv_read(int ep, int fd)
{
	struct srv_conn *c = &sconn[fd];
	char buf[4096];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			srv_close(ep, fd);
			return;
		}
		if (!c->mode)
			c->mode = buf[0];
		if (c->sending)
			continue; /* 'D' mode: ignore anything after the request */
		c->got += n;
		if (c->got < REQ_SIZE)
			continue;
		if (c->mode == 'R') {
			/* the reply fits in an empty socket buffer */
			if (write(fd, bulk, REP_SIZE) != REP_SIZE) { /* nothing to do */ }
			srv_close(ep, fd);
			return;
		}
		if (c->mode == 'D') {
			struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = fd };

			c->sending = 1;
			epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
			srv_pump(ep, fd);
			return;
		}
		srv_close(ep, fd); /* unknown mode */
		return;
	}
}

static int run_server(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct epoll_event evs[MAX_EVENTS], ev;
	int one = 1, lfd, ep;

	sconn = calloc(MAX_FDS, sizeof(*sconn));
	if (!sconn)
		die("calloc");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (listen(lfd, 4096) < 0)
		die("listen");
	ep = epoll_create1(0);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = lfd };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

	for (;;) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);

		if (n < 0 && errno == EINTR)
			continue;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				int cfd;

				while ((cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					if (cfd >= MAX_FDS) {
						close(cfd);
						continue;
					}
					ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.fd = cfd };
					epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
					srv_read(ep, cfd); /* the request is often there already */
				}
				continue;
			}
			if (sconn[fd].sending) {
				if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
					srv_close(ep, fd);
					continue;
				}
				if (evs[i].events & EPOLLIN)
					srv_read(ep, fd);
				if (sconn[fd].sending && (evs[i].events & EPOLLOUT))
					srv_pump(ep, fd);
			} else {
				srv_read(ep, fd);
			}
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- client */

enum cli_state { CS_CONNECTING, CS_READING };

struct cli_slot {
	int fd;              /* -1 when idle */
	enum cli_state state;
	uint32_t got;        /* reply bytes read */
};

struct cli {
	struct sockaddr_in dst;
	int ep;
	int bulk;            /* 1: 'D' mode */
	double t_count;      /* counting starts at this time */
	uint64_t done;       /* completed exchanges after warm-up */
	uint64_t bytes;      /* bulk bytes after warm-up */
	uint64_t errors;     /* failed connects/exchanges (whole run) */
	struct cli_slot *slots;
};

static void cli_start(struct cli *c, int idx)
{
	struct cli_slot *s = &c->slots[idx];
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = idx };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&c->dst, sizeof(c->dst)) < 0 && errno != EINPROGRESS) {
		c->errors++;
		close(fd);
		s->fd = -1;
		return;
	}
	s->fd = fd;
	s->state = CS_CONNECTING;
	s->got = 0;
	epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void cli_finish(struct cli *c, int idx, int ok, double t)
{
	struct cli_slot *s = &c->slots[idx];

	close(s->fd);
	s->fd = -1;
	if (!ok)
		c->errors++;
	else if (t >= c->t_count)
		c->done++;
}

static void cli_event(struct cli *c, int idx, uint32_t events, double t)
{
	struct cli_slot *s = &c->slots[idx];
	static char buf[BULK_SIZE];

	if (s->state == CS_CONNECTING) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = idx };
		int err = 0;
		socklen_t len = sizeof(err);
		char req[REQ_SIZE];

		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err || (events & EPOLLERR)) {
			cli_finish(c, idx, 0, t);
			return;
		}
		memset(req, 'x', sizeof(req));
		req[0] = c->bulk ? 'D' : 'R';
		if (write(s->fd, req, sizeof(req)) != sizeof(req)) {
			cli_finish(c, idx, 0, t);
			return;
		}
		s->state = CS_READING;
		epoll_ctl(c->ep, EPOLL_CTL_MOD, s->fd, &ev);
		return;
	}
	for (;;) {
		ssize_t n = read(s->fd, buf, c->bulk ? sizeof(buf) : 4096);

		if (n > 0) {
			s->got += n;
			if (c->bulk && t >= c->t_count)
				c->bytes += n;
			if (c->bulk)
				return; /* level-triggered: one read per event, fair across slots */
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		/* EOF or error */
		cli_finish(c, idx, !c->bulk && n == 0 && s->got >= REP_SIZE, t);
		return;
	}
}

static int run_client(const char *addr, const char *mode, int conns, double secs, double warmup)
{
	struct epoll_event evs[MAX_EVENTS];
	struct cli c = { 0 };
	double t0, t_end, t;

	parse_addr(addr, &c.dst);
	if (!strcmp(mode, "rr"))
		c.bulk = 0;
	else if (!strcmp(mode, "down"))
		c.bulk = 1;
	else {
		fprintf(stderr, "tcp_load: unknown client mode '%s' (rr|down)\n", mode);
		return 2;
	}
	c.ep = epoll_create1(0);
	c.slots = calloc(conns, sizeof(*c.slots));
	if (!c.slots)
		die("calloc");
	t0 = now_s();
	c.t_count = t0 + warmup;
	t_end = c.t_count + secs;
	for (int i = 0; i < conns; i++)
		cli_start(&c, i);

	while ((t = now_s()) < t_end) {
		int n = epoll_wait(c.ep, evs, MAX_EVENTS, 50);

		t = now_s();
		for (int i = 0; i < n; i++) {
			int idx = evs[i].data.u32;

			if (c.slots[idx].fd >= 0)
				cli_event(&c, idx, evs[i].events, t);
		}
		for (int i = 0; i < conns; i++) {
			if (c.slots[i].fd >= 0)
				continue;
			if (c.bulk && c.errors > (uint64_t)conns * 4)
				break; /* backend gone: do not spin */
			cli_start(&c, i);
		}
	}
	t = now_s() - c.t_count;
	if (c.bulk)
		printf("bytes=%llu errors=%llu secs=%.2f mbytes_per_s=%.1f\n",
		       (unsigned long long)c.bytes, (unsigned long long)c.errors, t, c.bytes / t / 1e6);
	else
		printf("conns=%llu errors=%llu secs=%.2f conns_per_s=%.0f\n",
		       (unsigned long long)c.done, (unsigned long long)c.errors, t, c.done / t);
	return 0;
}

static int run_wait(const char *addr, double secs)
{
	struct sockaddr_in dst;
	double t_end = now_s() + secs;

	parse_addr(addr, &dst);
	while (now_s() < t_end) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0) {
			close(fd);
			return 0;
		}
		close(fd);
		usleep(20000);
	}
	return 1;
}

static int run_ports(int n)
{
	int fds[64];

	if (n < 1 || n > 64)
		return 2;
	for (int i = 0; i < n; i++) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t len = sizeof(sin);

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    getsockname(fds[i], (struct sockaddr *)&sin, &len) < 0)
			die("bind");
		printf("%s%u", i ? " " : "", ntohs(sin.sin_port));
	}
	printf("\n");
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: tcp_load server <port>\n"
		"       tcp_load client <ip:port> rr|down <conns> <seconds> [warmup_s]\n"
		"       tcp_load wait <ip:port> <seconds>\n"
		"       tcp_load ports <n>\n");
	exit(2);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	memset(bulk, 'b', sizeof(bulk));
	if (argc == 3 && !strcmp(argv[1], "server"))
		return run_server(atoi(argv[2]));
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "client"))
		return run_client(argv[2], argv[3], atoi(argv[4]), atof(argv[5]),
				  argc == 7 ? atof(argv[6]) : 0.5);
	if (argc == 4 && !strcmp(argv[1], "wait"))
		return run_wait(argv[2], atof(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "ports"))
		return run_ports(atoi(argv[2]));
	usage();
	return 2;
}
