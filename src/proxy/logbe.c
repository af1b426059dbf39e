/*
 * Log backends (`mode log`): choosing a server per message and sending to
 * it over UDP or TCP. See logbe.h.
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
#include <tollgate/lb.h>
#include <tollgate/logbe.h>
#include <tollgate/logfwd.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/task.h>
#include <tollgate/trafficlog.h>

#define LOGBE_THREAD   0         /* the worker owning the TCP connections */
#define LOGBE_RETRY_MS 1000      /* delay before reconnecting a TCP server */

int logbe_check(struct proxy *px, char *err, size_t errlen)
{
	const char *algo = px->lb_name ? px->lb_name : "roundrobin";
	struct sample_expr *expr = NULL;
	char *text, *why = NULL;
	size_t len;

	if (strcmp(algo, "roundrobin") && strcmp(algo, "random") && strcmp(algo, "sticky") &&
	    strcmp(algo, "log-hash")) {
		err_fmt(err, errlen, "in backend '%s': \"balance\" only supports 'roundrobin', 'random', 'sticky' and 'log-hash'.",
		        px->id);
		return -1;
	}
	if (strcmp(algo, "log-hash") || !px->hash_expr)
		return 0;
	if (px->lb.hash_type != LB_HASH_MAP) {
		err_fmt(err, errlen, "in backend '%s': \"balance log-hash\": unsupported hash method (from \"hash-type\"): only map-based.",
		        px->id);
		return -1;
	}
	/* converters need a fetch to be parsed: a constant one, never run */
	len = strlen(px->hash_expr) + 16;
	text = malloc(len);
	if (!text) {
		err_fmt(err, errlen, "out of memory");
		return -1;
	}
	snprintf(text, len, "str(-),%s", px->hash_expr);
	if (sample_parse_expr(text, 0, &expr, &why) < 0) {
		err_fmt(err, errlen, "in backend '%s': \"balance log-hash %s\": %s.", px->id, px->hash_expr,
		        why ? why : "out of memory");
		free(why);
		free(text);
		return -1;
	}
	free(text);
	px->hash_sample = expr;
	return 0;
}

struct log_target *logbe_resolve(struct log_target *list, char *err, size_t errlen)
{
	for (struct log_target *t = list; t; t = t->next) {
		if (t->kind != LOG_TGT_BACKEND || t->be)
			continue;
		t->be = proxy_find(t->be_name, PR_CAP_BE);
		if (!t->be || t->be->mode != PR_MODE_LOG) {
			err_fmt(err, errlen, "log target 'backend@%s': %s.", t->be_name,
			        t->be ? "this backend is not in 'mode log'" : "no such backend");
			t->be = NULL;
			return t;
		}
	}
	return NULL;
}

/* The hash key of the message <msg> for `balance log-hash`: the converted
 * message hashed, or its leading number with `hash-type ... none`.
 * Returns 0 with the key in *<key>, or -1 if a converter failed.
 */
static int loghash_key(struct proxy *be, const char *msg, size_t mlen, uint32_t *key)
{
	struct sample smp;

	memset(&smp, 0, sizeof(smp));
	smp.data.type = SMP_T_STR;
	smp.data.u.str.ptr = msg;
	smp.data.u.str.len = mlen;
	if (be->hash_sample && !sample_apply_convs(be->hash_sample, &smp))
		return -1;
	if (!sample_cast(&smp, SMP_T_BIN))
		return -1;
	*key = lb_hash_key(&be->lb, smp.data.u.str.ptr, smp.data.u.str.len);
	return 0;
}

/* ---- TCP servers: any thread queues; worker 0 connects and writes ---- */

/* Closes the connection of <ls> and retries later. Worker 0. The bytes
 * being written are lost with it (a frame cut short); the queue stays.
 */
static void tcp_close(struct logbe_srv *ls)
{
	if (ls->fd >= 0)
		fd_delete(ls->fd);
	ls->fd = -1;
	ls->connected = 0;
	ls->out_len = ls->out_off = 0;
	task_set_expire(ls->task, tick_add(now_ms, LOGBE_RETRY_MS));
}

/* Writes the output buffer of <ls>, taking the queue when it is empty.
 * Worker 0, connected. Returns 0, or -1 after closing a broken connection.
 */
static int tcp_flush(struct logbe_srv *ls)
{
	for (;;) {
		ssize_t w;

		if (ls->out_off == ls->out_len) {
			char *swap;

			spin_lock(&ls->lock);
			swap = ls->out;
			ls->out = ls->queue;
			ls->out_len = ls->used;
			ls->queue = swap;
			ls->used = 0;
			ls->woken = 0;
			spin_unlock(&ls->lock);
			ls->out_off = 0;
			if (!ls->out_len)
				return 0;
		}
		w = send(ls->fd, ls->out + ls->out_off, ls->out_len - ls->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;   /* the writability edge calls again */
		if (w <= 0) {
			tcp_close(ls);
			return -1;
		}
		ls->out_off += (size_t)w;
	}
}

static void tcp_iocb(int fd, unsigned int events, void *owner)
{
	struct logbe_srv *ls = owner;

	if (sock_sender_events(fd, events, &ls->connected) < 0) {
		tcp_close(ls);
		return;
	}
	if (ls->connected)
		tcp_flush(ls);
}

static struct task *tcp_task(struct task *t, void *ctx, unsigned int state)
{
	struct logbe_srv *ls = ctx;
	int fd, ret;

	if (ls->fd >= 0) {
		if (ls->connected)
			tcp_flush(ls);   /* woken by a sender */
		return t;
	}
	if ((state & TASK_WOKEN_TIMER) && !tick_is_expired(task_expire(t), now_ms))
		return t;
	if (!(state & (TASK_WOKEN_TIMER | TASK_WOKEN_INIT)) && tick_isset(task_expire(t)))
		return t;   /* a sender while we wait to reconnect */
	task_set_expire(t, TICK_ETERNITY);
	ret = sock_connect(&ls->srv->addr, NULL, &fd);
	if (ret < 0 && ret != -EINPROGRESS) {
		tcp_close(ls);
		return t;
	}
	if (fd_insert(fd, LOGBE_THREAD, tcp_iocb, ls, FD_EV_IN | FD_EV_OUT | FD_EV_ET) < 0) {
		close(fd);
		tcp_close(ls);
		return t;
	}
	ls->fd = fd;
	ls->connected = ret == 0;
	if (ls->connected)
		tcp_flush(ls);
	return t;
}

static void tcp_send(struct logbe_srv *ls, const char *line, size_t n)
{
	char pfx[24];
	size_t plen = 0;
	int wake;

	if (ls->srv->log_octet) {
		/* RFC6587 octet counting: "<len> <msg>", no LF */
		n--;
		plen = (size_t)snprintf(pfx, sizeof(pfx), "%zu ", n);
	}
	spin_lock(&ls->lock);
	if (ls->used + plen + n > LOGBE_QUEUE) {
		spin_unlock(&ls->lock);
		log_drop();
		return;
	}
	memcpy(ls->queue + ls->used, pfx, plen);
	memcpy(ls->queue + ls->used + plen, line, n);
	ls->used += plen + n;
	wake = !ls->woken;
	ls->woken = 1;
	spin_unlock(&ls->lock);
	if (wake)
		task_wakeup(ls->task, TASK_WOKEN_OTHER);
}

void logbe_send(struct proxy *be, const char *msg, size_t mlen, const char *line, size_t n)
{
	struct server *srv;
	uint32_t key = 0;

	if (be->lb.ops && be->lb.ops->needs_key && loghash_key(be, msg, mlen, &key) < 0) {
		log_drop();
		return;
	}
	srv = lb_pick(&be->lb, key, NULL);
	if (!srv || !srv->log) {
		log_drop();
		return;
	}
	if (srv->log_dgram) {
		/* not connected: a server that was away (ICMP unreachable)
		 * costs no message once it is back
		 */
		if (sendto(srv->log->fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL, addr_sa(&srv->addr),
		           srv->addr.len) != (ssize_t)n)
			log_drop();
		return;
	}
	tcp_send(srv->log, line, n);
}

static int start_server(struct server *srv, char *err, size_t errlen)
{
	struct logbe_srv *ls = calloc(1, sizeof(*ls));
	char a[ADDR_STRLEN];

	if (!ls)
		goto oom;
	ls->srv = srv;
	ls->fd = -1;
	if (srv->log_dgram) {
		const struct sockaddr *sa = addr_sa(&srv->addr);

		ls->fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (ls->fd < 0) {
			int e = errno;

			addr_format(&srv->addr, a, sizeof(a));
			err_fmt(err, errlen, "backend '%s', server '%s': cannot open log server %s: %s",
			        srv->proxy->id, srv->id, a, strerror(e));
			if (ls->fd >= 0)
				close(ls->fd);
			free(ls);
			return -e;
		}
		srv->log = ls;
		return 0;
	}
	spin_init(&ls->lock, LOCK_LOGSRV);
	ls->queue = malloc(LOGBE_QUEUE);
	ls->out = malloc(LOGBE_QUEUE);
	ls->task = task_new(1UL << LOGBE_THREAD, tcp_task, ls, "log-server");
	if (!ls->queue || !ls->out || !ls->task) {
		if (ls->task)
			task_destroy(ls->task);
		free(ls->queue);
		free(ls->out);
		free(ls);
		goto oom;
	}
	srv->log = ls;
	task_wakeup(ls->task, TASK_WOKEN_INIT);
	return 0;
oom:
	err_fmt(err, errlen, "out of memory");
	return -ENOMEM;
}

int logbe_start(char *err, size_t errlen)
{
	for (struct proxy *px = proxies_list; px; px = px->next) {
		if (px->mode != PR_MODE_LOG || !(px->cap & PR_CAP_BE) || px->disabled)
			continue;
		for (struct server *srv = px->srv; srv; srv = srv->next) {
			int ret = srv->log ? 0 : start_server(srv, err, errlen);

			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

__attribute__((constructor)) static void logbe_register(void)
{
	fd_name_iocb(tcp_iocb, "sink_forward_io_handler", "log-server");
}
