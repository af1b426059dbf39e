/*
 * log-forward receivers: UDP datagrams and TCP syslog streams, relayed to
 * the section's log targets. See logfwd.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <tollgate/clock.h>
#include <tollgate/errmsg.h>
#include <tollgate/fd.h>
#include <tollgate/global.h>
#include <tollgate/logfwd.h>
#include <tollgate/sock.h>
#include <tollgate/syslog.h>
#include <tollgate/task.h>
#include <tollgate/trafficlog.h>

#define LOGFWD_THREAD 0          /* the worker every receiver runs on */

struct logfwd *logfwd_list;

/* A TCP syslog connection: bytes received and not yet framed. */
struct logfwd_conn {
	struct logfwd *lf;           /* its section */
	struct sockaddr_storage peer; /* the sender */
	int fd;                      /* the socket */
	struct task *task;           /* `timeout client` */
	size_t used;                 /* bytes in <buf> */
	char buf[];                  /* room for one message and its frame (bufsize + 16) */
};

/* The largest message accepted: HAProxy's buffer size. */
static size_t msg_max(void)
{
	return global.tune_bufsize ? global.tune_bufsize : 16384;
}

/* Relays the message <msg> of <len> bytes received from <peer> (NULL or
 * a unix one: unknown) by section <lf>.
 */
static void relay(struct logfwd *lf, const char *msg, size_t len, const struct sockaddr_storage *peer)
{
	char ip[INET6_ADDRSTRLEN], host[512];
	struct syslog_span *h;
	struct syslog_msg m;
	const void *a;

	atomic_fetch_add_explicit(&lf->received, 1, memory_order_relaxed);
	if (lf->dont_parse) {
		syslog_raw(msg, len, &m);
		goto send;
	}
	syslog_parse(msg, len, &m);
	if (lf->host == LOGFWD_HOST_KEEP || !peer ||
	    (peer->ss_family != AF_INET && peer->ss_family != AF_INET6))
		goto send;
	a = peer->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)peer)->sin_addr
	                               : (const void *)&((const struct sockaddr_in6 *)peer)->sin6_addr;
	if (!inet_ntop(peer->ss_family, a, ip, sizeof(ip)))
		goto send;
	h = &m.f[SYSLOG_HOST];
	if (lf->host == LOGFWD_HOST_REPLACE || !h->len) {
		snprintf(host, sizeof(host), "%s", ip);
	} else if (lf->host == LOGFWD_HOST_APPEND) {
		snprintf(host, sizeof(host), "%.*s,%s", (int)(h->len < 256 ? h->len : 256), h->ptr, ip);
	} else {
		goto send;   /* fill, and a host is there */
	}
	h->ptr = host;
	h->len = strlen(host);
send:
	log_forward(lf->targets, &m);
}

static void dgram_iocb(int fd, unsigned int events, void *owner)
{
	static char buf[65536];
	struct logfwd_bind *b = owner;

	/* a bounded batch per event: other fds of worker 0 get their turn */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT, (struct sockaddr *)&peer, &plen);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if ((size_t)n > msg_max() || (size_t)n > sizeof(buf)) {
			log_drop();
			continue;
		}
		relay(b->lf, buf, (size_t)n, plen ? &peer : NULL);
	}
}

static void conn_close(struct logfwd_conn *c)
{
	struct logfwd *lf = c->lf;

	fd_delete(c->fd);
	task_destroy(c->task);
	free(c);
	lf->cur_conns--;
	if (lf->paused && lf->cur_conns < lf->maxconn) {
		/* room again: the stream binds accept */
		for (struct logfwd_bind *b = lf->binds; b; b = b->next)
			if (!b->dgram && b->fd >= 0)
				fd_set_events(b->fd, FD_EV_IN);
		lf->paused = 0;
	}
}

static struct task *conn_timeout(struct task *t, void *ctx, unsigned int state)
{
	struct logfwd_conn *c = ctx;

	if (!(state & TASK_WOKEN_TIMER) || !tick_is_expired(task_expire(t), now_ms))
		return t;
	conn_close(c);   /* destroys <t> */
	return NULL;
}

static void conn_iocb(int fd, unsigned int events, void *owner)
{
	struct logfwd_conn *c = owner;
	size_t room = msg_max() + 16;
	ssize_t n;

	for (;;) {
		const char *msg;
		size_t mlen;
		int used;

		n = recv(fd, c->buf + c->used, room - c->used, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c);
			return;
		}
		if (n < 0)
			break;
		c->used += (size_t)n;
		while ((used = syslog_frame(c->buf, c->used, msg_max(), c->lf->ntf_only, &msg, &mlen)) > 0) {
			relay(c->lf, msg, mlen, &c->peer);
			memmove(c->buf, c->buf + used, c->used - (size_t)used);
			c->used -= (size_t)used;
		}
		if (used < 0) {
			/* not syslog, or a message beyond tune.bufsize */
			log_drop();
			conn_close(c);
			return;
		}
	}
	if (c->lf->timeout_client)
		task_set_expire(c->task, tick_add(now_ms, c->lf->timeout_client));
}

static void accept_iocb(int fd, unsigned int events, void *owner)
{
	struct logfwd_bind *b = owner;
	struct logfwd *lf = b->lf;

	while (lf->cur_conns < lf->maxconn) {
		struct sockaddr_storage peer;
		socklen_t plen;
		int cfd = sock_accept(fd, &peer, &plen);
		struct logfwd_conn *c;

		if (cfd < 0) {
			if (sock_accept_classify(cfd) == SOCK_ACC_RETRY)
				continue;
			return;
		}
		c = malloc(sizeof(*c) + msg_max() + 16);
		if (c)
			c->task = task_new(1UL << LOGFWD_THREAD, conn_timeout, c, "log-forward");
		if (!c || !c->task || fd_insert(cfd, LOGFWD_THREAD, conn_iocb, c, FD_EV_IN) < 0) {
			if (c && c->task)
				task_destroy(c->task);
			free(c);
			close(cfd);
			continue;
		}
		c->lf = lf;
		c->peer = peer;
		c->fd = cfd;
		c->used = 0;
		lf->cur_conns++;
		if (lf->timeout_client)
			task_set_expire(c->task, tick_add(now_ms, lf->timeout_client));
	}
	/* maxconn reached: new connections wait in the backlog */
	for (struct logfwd_bind *o = lf->binds; o; o = o->next)
		if (!o->dgram && o->fd >= 0)
			fd_set_events(o->fd, 0);
	lf->paused = 1;
}

/* Opens the datagram socket of <b>. Returns the fd or -errno. */
static int dgram_socket(struct logfwd_bind *b, char *err, size_t errlen)
{
	const struct sockaddr *sa = addr_sa(&b->addr);
	int one = 1, fd, e;
	char a[ADDR_STRLEN];

	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && sa->sa_family == AF_UNIX && !(b->addr.flags & ADDR_F_ABSTRACT) &&
	    ((const struct sockaddr_un *)sa)->sun_path[0])
		unlink(((const struct sockaddr_un *)sa)->sun_path);   /* a previous run's socket */
	if (fd >= 0 && sa->sa_family != AF_UNIX) {
		/* a reload binds the port while the old process still has it */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	}
	if (fd >= 0 && bind(fd, sa, b->addr.len) == 0)
		return fd;
	e = errno;
	if (fd >= 0)
		close(fd);
	addr_format(&b->addr, a, sizeof(a));
	err_fmt(err, errlen, "log-forward: cannot bind %s: %s", a, strerror(e));
	return -e;
}

int logfwd_bind_all(char *err, size_t errlen)
{
	for (struct logfwd *lf = logfwd_list; lf; lf = lf->next) {
		int ret = log_targets_open_list(lf->targets, err, errlen);

		if (ret < 0)
			return ret;
		for (struct logfwd_bind *b = lf->binds; b; b = b->next) {
			struct sock_opts o = SOCK_OPTS_INIT;

			o.backlog = lf->backlog ? lf->backlog : (int)lf->maxconn;
			o.flags |= SOCK_O_REUSEPORT;   /* reloads */
			b->fd = b->dgram ? dgram_socket(b, err, errlen) : sock_listen(&b->addr, &o, err, errlen);
			if (b->fd < 0)
				return b->fd;
		}
	}
	return 0;
}

int logfwd_start(void)
{
	for (struct logfwd *lf = logfwd_list; lf; lf = lf->next)
		for (struct logfwd_bind *b = lf->binds; b; b = b->next)
			if (b->fd >= 0 &&
			    fd_insert(b->fd, LOGFWD_THREAD, b->dgram ? dgram_iocb : accept_iocb, b, FD_EV_IN) < 0)
				return -ENOMEM;
	return 0;
}

__attribute__((constructor)) static void logfwd_register(void)
{
	fd_name_iocb(dgram_iocb, "syslog_fd_handler", "log-forward");
	fd_name_iocb(accept_iocb, "sock_accept_iocb", "log-forward");
	fd_name_iocb(conn_iocb, "sock_conn_iocb", "log-forward");
}
