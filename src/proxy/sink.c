/*
 * Event sinks: the `ring` sections and their forwarding to TCP syslog
 * servers. See sink.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tollgate/clock.h>
#include <tollgate/errmsg.h>
#include <tollgate/fd.h>
#include <tollgate/sink.h>
#include <tollgate/sock.h>
#include <tollgate/task.h>
#include <tollgate/ticks.h>
#include <tollgate/trafficlog.h>

#define SINK_THREAD    0         /* the worker owning the servers' connections */
#define SINK_RETRY_MS  1000      /* delay before reconnecting a server */
#define SINK_FRAME     12        /* room for an octet-count prefix ("<len> ") */
#define BUF0_SIZE      (1024 * 1024) /* HAProxy's built-in ring */

struct sink *sink_list;

struct sink *sink_find(const char *name)
{
	for (struct sink *sk = sink_list; sk; sk = sk->next)
		if (!strcmp(sk->name, name))
			return sk;
	return NULL;
}

/* Appends a sink named <name> described by <desc> of <type>. */
static struct sink *sink_add(const char *name, const char *desc, int type)
{
	struct sink *sk = calloc(1, sizeof(*sk)), **tail;

	if (!sk)
		return NULL;
	sk->name = strdup(name);
	sk->desc = strdup(desc);
	if (!sk->name || !sk->desc) {
		free(sk->name);
		free(sk->desc);
		free(sk);
		return NULL;
	}
	sk->type = type;
	sk->format = LOG_FMT_RAW;   /* HAProxy's default for rings */
	sk->size = SINK_DEFAULT_SIZE;
	for (tail = &sink_list; *tail; tail = &(*tail)->next)
		;
	*tail = sk;
	return sk;
}

struct sink *sink_new_ring(const char *name)
{
	return sink_add(name, name, SINK_BUFFER);
}

void sink_write(struct sink *sk, const char *hdr, size_t hlen, const char *msg, size_t mlen)
{
	size_t max = sk->maxlen ? sk->maxlen : sk->ring.size;

	if (!sk->ring.area)
		return;   /* not started (configuration check) */
	if (hlen > max)
		hlen = max;
	if (hlen + mlen > max)
		mlen = max - hlen;
	if (ring_write(&sk->ring, hdr, hlen, msg, mlen) < 0)
		log_drop();
}

/* ---- forwarding to the `server` lines (worker 0) ---- */

/* Closes the connection of <ss> and retries later. The bytes being
 * written are lost with it; the ring's position stays.
 */
static void fwd_close(struct sink_srv *ss)
{
	if (ss->fd >= 0)
		fd_delete(ss->fd);
	ss->fd = -1;
	ss->connected = 0;
	ss->out_len = ss->out_off = 0;
	task_set_expire(ss->task, tick_add(now_ms, SINK_RETRY_MS));
}

/* Appends to the output of <ss> the messages of the ring that fit,
 * framed by the server's log-proto. Returns the bytes added.
 */
static size_t fwd_fill(struct sink_srv *ss)
{
	size_t cap = ss->sink->ring.size + SINK_FRAME + 1, added = 0;

	while (cap - ss->out_len > SINK_FRAME + 1) {
		char *at = ss->out + ss->out_len + SINK_FRAME;
		ssize_t n = ring_read(&ss->sink->ring, &ss->pos, at, cap - ss->out_len - SINK_FRAME - 1, &ss->lost);

		if (n <= 0)
			break;
		if (ss->octet) {
			/* RFC6587 octet counting: "<len> <msg>" */
			char pfx[SINK_FRAME + 1];
			int p = snprintf(pfx, sizeof(pfx), "%zd ", n);

			memcpy(ss->out + ss->out_len, pfx, (size_t)p);
			memmove(ss->out + ss->out_len + p, at, (size_t)n);
			ss->out_len += (size_t)p + (size_t)n;
			added += (size_t)p + (size_t)n;
		} else {
			memmove(ss->out + ss->out_len, at, (size_t)n);
			ss->out[ss->out_len + (size_t)n] = '\n';
			ss->out_len += (size_t)n + 1;
			added += (size_t)n + 1;
		}
	}
	return added;
}

/* Writes what <ss> has, taking new messages from the ring. Connected.
 * Returns 0, or -1 after closing a broken connection.
 */
static int fwd_flush(struct sink_srv *ss)
{
	for (;;) {
		ssize_t w;

		if (ss->out_off == ss->out_len) {
			ss->out_off = ss->out_len = 0;
			task_set_expire(ss->task, TICK_ETERNITY);
			if (!fwd_fill(ss))
				return 0;
		}
		w = send(ss->fd, ss->out + ss->out_off, ss->out_len - ss->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			/* `timeout server`: how long the output may stay blocked */
			if (!tick_isset(task_expire(ss->task)))
				task_set_expire(ss->task, tick_add_ifset(now_ms, ss->sink->tmo_server));
			return 0;   /* the writability edge calls again */
		}
		if (w <= 0) {
			fwd_close(ss);
			return -1;
		}
		ss->out_off += (size_t)w;
		task_set_expire(ss->task, TICK_ETERNITY);
	}
}

static void fwd_iocb(int fd, unsigned int events, void *owner)
{
	struct sink_srv *ss = owner;
	int was = ss->connected;

	if (sock_sender_events(fd, events, &ss->connected) < 0) {
		fwd_close(ss);
		return;
	}
	if (!was && ss->connected)
		task_set_expire(ss->task, TICK_ETERNITY);   /* `timeout connect` met */
	if (ss->connected)
		fwd_flush(ss);
}

static struct task *fwd_task(struct task *t, void *ctx, unsigned int state)
{
	struct sink_srv *ss = ctx;
	int expired = (state & TASK_WOKEN_TIMER) && tick_isset(task_expire(t)) &&
	              tick_is_expired(task_expire(t), now_ms);
	int fd, ret;

	if (ss->fd >= 0) {
		if (expired) {
			/* `timeout connect` or `timeout server` */
			fwd_close(ss);
			return t;
		}
		if (ss->connected)
			fwd_flush(ss);   /* woken by a write into the ring */
		return t;
	}
	if (!expired && tick_isset(task_expire(t)))
		return t;   /* a write while we wait to reconnect */
	task_set_expire(t, TICK_ETERNITY);
	ret = sock_connect(&ss->addr, NULL, &fd);
	if (ret < 0 && ret != -EINPROGRESS) {
		fwd_close(ss);
		return t;
	}
	if (fd_insert(fd, SINK_THREAD, fwd_iocb, ss, FD_EV_IN | FD_EV_OUT | FD_EV_ET) < 0) {
		close(fd);
		fwd_close(ss);
		return t;
	}
	ss->fd = fd;
	ss->connected = ret == 0;
	if (ss->connected)
		fwd_flush(ss);
	else
		task_set_expire(t, tick_add_ifset(now_ms, ss->sink->tmo_connect));
	return t;
}

static int start_server(struct sink_srv *ss, char *err, size_t errlen)
{
	ss->fd = -1;
	ss->out = malloc(ss->sink->ring.size + SINK_FRAME + 1);
	ss->task = task_new(1UL << SINK_THREAD, fwd_task, ss, "sink-forward");
	if (!ss->out || !ss->task) {
		if (ss->task)
			task_destroy(ss->task);
		free(ss->out);
		err_fmt(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ss->pos = ring_head(&ss->sink->ring);
	ss->waiter.task = ss->task;
	ring_attach(&ss->sink->ring, &ss->waiter);
	task_wakeup(ss->task, TASK_WOKEN_INIT);
	return 0;
}

int sink_start(char *err, size_t errlen)
{
	for (struct sink *sk = sink_list; sk; sk = sk->next) {
		int ret;

		if (sk->type != SINK_BUFFER || sk->ring.area)
			continue;
		ret = ring_init(&sk->ring, sk->size);
		if (ret < 0) {
			err_fmt(err, errlen, "ring '%s': cannot allocate %zu bytes", sk->name, sk->size);
			return ret;
		}
		for (struct sink_srv *ss = sk->srvs; ss; ss = ss->next)
			if ((ret = start_server(ss, err, errlen)) < 0)
				return ret;
	}
	return 0;
}

__attribute__((constructor)) static void sink_register(void)
{
	struct sink *sk;

	fd_name_iocb(fwd_iocb, "sink_forward_io_handler", "ring-server");
	/* HAProxy's built-in sinks, listed first by `show events` */
	if ((sk = sink_add("stdout", "standard output (fd#1)", SINK_FD)))
		sk->fd = 1;
	if ((sk = sink_add("stderr", "standard output (fd#2)", SINK_FD)))
		sk->fd = 2;
	if ((sk = sink_add("buf0", "in-memory ring buffer", SINK_BUFFER))) {
		sk->format = LOG_FMT_TIMED;
		sk->size = BUF0_SIZE;
	}
}
