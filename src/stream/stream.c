/*
 * TCP streams. See stream.h for ownership and life cycle.
 *
 * All the work of a stream happens in its task's handler, on its thread:
 * fd handlers only record the ready events and wake the task. One pass of
 * the handler completes a pending connect, moves bytes in both directions
 * until nothing more can move, propagates half-closes, recomputes the
 * events to poll and the next timeout, and frees the stream when it is
 * done. Timeouts follow HAProxy: `timeout client` / `server` on each side's
 * strm_inactivity, `client-fin` / `server-fin` once that side has shut, `tunnel`
 * for both sides once established, `connect` while connecting, `queue`
 * while waiting for a server slot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tollgate/buffer.h>
#include <tollgate/clock.h>
#include <tollgate/counters.h>
#include <tollgate/fd.h>
#include <tollgate/global.h>
#include <tollgate/isolate.h>
#include <tollgate/lb-algo.h>
#include <tollgate/lb.h>
#include <tollgate/listener.h>
#include <tollgate/log.h>
#include <tollgate/logformat.h>
#include <tollgate/mux_h2.h>
#include <tollgate/mux_h2_be.h>
#include <tollgate/pool.h>
#include <tollgate/proxy.h>
#include <tollgate/sock.h>
#include <tollgate/http_txn.h>
#include <tollgate/server.h>
#include <tollgate/stats.h>
#include <tollgate/srv_idle.h>
#include <tollgate/acl.h>
#include <tollgate/sample.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>
#include <tollgate/task.h>
#include <tollgate/tcp_rules.h>
#include <tollgate/ticks.h>
#include <tollgate/tls.h>
#include <tollgate/trafficlog.h>
#include <tollgate/xprt.h>

#include "stream_int.h"

static struct pool_head *pool_stream;     /* streams; set at start-up */
static _Atomic unsigned int streams_alive; /* all threads; read by the soft stop */

/* Live streams of each thread, owner only (read by others under isolation). */
struct list streams_by_thread[MAX_THREADS];

int stream_init(void)
{
	for (int i = 0; i < MAX_THREADS; i++)
		list_init(&streams_by_thread[i]);
	pool_stream = pool_create("stream", sizeof(struct stream), 0);
	if (!pool_stream)
		return -ENOMEM;
	return http_stream_pool_init();
}

unsigned int stream_count(void)
{
	return atomic_load_explicit(&streams_alive, memory_order_relaxed);
}

/* Records why the stream ends, HAProxy's %ts codes (first call wins):
 * <who> is C (client), S (server), P (proxy), R (resource), c or s (client
 * or server timeout); <when> is R (before a server was involved), Q
 * (queued), C (connecting), D (data).
 */
void strm_set_term(struct stream *s, char who, char when)
{
	if (s->term[0] != '-')
		return;
	s->term[0] = who;
	s->term[1] = when;
}

/* ---- fd handlers ---- */

/* How a stream's sockets are polled. In TCP mode, edge-triggered with the
 * peer's end of stream reported: forward() tracks readiness itself
 * (SIDE_RDMAY, io_again) and never turns events off, and a short read after
 * EPOLLRDHUP is the end of stream without one more read() to learn it: a
 * short connection then costs no epoll_ctl() beyond the two additions.
 * The HTTP engine turns reading off and on as its transactions go, which
 * level-triggered polling serves with no bookkeeping: it keeps that.
 */
uint32_t strm_poll_mode(const struct stream *s)
{
	return s->fe->mode == PR_MODE_TCP ? FD_EV_RDHUP | FD_EV_ET : 0;
}

static void cli_iocb(int fd, unsigned int events, void *owner)
{
	struct stream *s = owner;

	s->cli.ev |= events;
	task_wakeup(s->task, TASK_WOKEN_IO);
}

void srv_iocb(int fd, unsigned int events, void *owner)
{
	struct stream *s = owner;

	s->srvside.ev |= events;
	task_wakeup(s->task, TASK_WOKEN_IO);
}

/* Names the handlers for `show fd`. */
__attribute__((constructor)) static void stream_name_iocbs(void)
{
	fd_name_iocb(cli_iocb, "sock_conn_iocb", "client");
	fd_name_iocb(srv_iocb, "sock_conn_iocb", "server");
}

/* ---- life and death ---- */

void strm_close_side(struct side *sd)
{
	if (sd->xprt) {
		sd->xprt->close(sd->xprt_ctx);
		sd->xprt = NULL;
		sd->xprt_ctx = NULL;
	}
	if (sd->fd >= 0) {
		fd_close_unshared(sd->fd);
		sd->fd = -1;
	}
}

void strm_close_srv(struct stream *s)
{
	struct h2_sinfo si;

	if (h2be_stream_info(&s->srvside, &si) == 0 && si.aborted) {
		s->bs_rst = 1;
		s->bs_rst_code = si.rst_code;
	}
	strm_close_side(&s->srvside);
}

void strm_free(struct stream *s)
{
	struct proxy *fe = s->fe;

	if (s->http)
		http_stream_release(s);
	else {
		if (s->be)
			stats_add_times(s->be, s->srv, 0, s->tw, s->tc, -1, (int)(uint32_t)(now_ms - s->t_accept));
		if (s->fe->log_targets && !s->no_log)
			stream_send_log(s);
	}
	strm_leave_queue(s);
	strm_release_server(s);
	if (s->sc.tracked) {
		stkctr_add_bytes(&s->sc, s->req.total - s->acct_in, s->res.total - s->acct_out);
		stkctr_release_all(&s->sc);
	}
	strm_close_side(&s->cli);
	strm_close_srv(s);
	buf_free(&s->req.buf);
	buf_free(&s->res.buf);
	free(s->pp_tlv);
	if (s->preamble != s->preamble_buf)
		free(s->preamble);
	pipe_put(s->req.pipe);
	pipe_put(s->res.pipe);
	counter_add(&fe->ctr[tid].bytes_in, s->req.total);
	counter_add(&fe->ctr[tid].bytes_out, s->res.total);
	if (s->be && s->be != fe) {
		counter_add(&s->be->ctr[tid].bytes_in, s->req.total);
		counter_add(&s->be->ctr[tid].bytes_out, s->res.total);
	}
	if (s->prev_srv) {   /* the server that served us (released above) */
		counter_add(&s->prev_srv->ctr[tid].bytes_in, s->req.total);
		counter_add(&s->prev_srv->ctr[tid].bytes_out, s->res.total);
	}
	/* the last uses of its servers: `del server` may free them now */
	server_hold(&s->prev_srv, NULL);
	server_hold(&s->idle_srv, NULL);
	server_hold(&s->pref_srv, NULL);
	if (!s->conn_given) {
		atomic_fetch_sub_explicit(&fe->feconn, 1, memory_order_relaxed);
		listener_release_slot(s->li);
	}
	list_del_init(&s->by_thread);
	task_destroy(s->task);
	if (s->sess_vars)
		var_store_reset(s->sess_vars);
	free(s->sess_vars);
	pool_free(pool_stream, s);
	atomic_fetch_sub_explicit(&streams_alive, 1, memory_order_relaxed);
}

/* ---- forwarding ---- */

unsigned int strm_inactivity(const struct stream *s, int client)
{
	const struct pr_timeouts *fe = &s->fe->timeout;
	const struct pr_timeouts *be = s->be ? &s->be->timeout : fe;
	const struct side *sd = client ? &s->cli : &s->srvside;

	if (sd->flags & SIDE_SHUTR) {
		unsigned int fin = client ? fe->client_fin : be->server_fin;

		if (fin)
			return fin;
	}
	if (s->state == ST_EST && (s->tmo_tunnel || be->tunnel))
		return s->tmo_tunnel ? s->tmo_tunnel : be->tunnel;
	if (client)
		return s->tmo_client ? s->tmo_client : fe->client;
	return s->tmo_server ? s->tmo_server : be->server;
}

/* Moves bytes of channel <c> from <from> to <to>. Returns 1 if anything
 * moved. Sets SIDE_SHUTR / SIDE_ERROR on <from> and SIDE_ERROR on <to> as
 * seen.
 */
static int forward(struct stream *s, struct channel *c, struct side *from, struct side *to,
                   int can_write)
{
	int progress = 0, corked = 0, round;
	ssize_t n;

	for (round = 0; round < 16; round++) {
		int moved = 0;

		if (s->splice && !c->pipe && !buf_data(&c->buf) && !(from->flags & SIDE_SHUTR))
			c->pipe = pipe_get();
		if (c->pipe) {
			if ((from->flags & (SIDE_SHUTR | SIDE_ERROR | SIDE_RDMAY)) == SIDE_RDMAY) {
				n = pipe_splice_in(from->fd, c->pipe, 0);
				if (n > 0) {
					moved = 1;
				} else if (n == 0) {
					from->flags |= SIDE_SHUTR;
				} else if (n == -EAGAIN) {
					/* only an empty pipe proves the socket
					 * drained; else writing it out comes
					 * first, and its output event brings us
					 * back
					 */
					if (!c->pipe->data)
						from->flags &= ~SIDE_RDMAY;
				} else if (n == -ENOBUFS) {
					/* the pipe is full: the same; an empty
					 * one that refuses is retried next pass
					 */
					if (!c->pipe->data)
						s->io_again = 1;
				} else {
					from->flags |= SIDE_ERROR;
				}
			}
			if (can_write && c->pipe->data) {
				n = pipe_splice_out(c->pipe, to->fd, 0);
				if (n > 0) {
					c->total += (uint64_t)n;
					moved = 1;
				} else if (n != -EAGAIN && n != 0) {
					to->flags |= SIDE_ERROR;
				}
			}
			if (!c->pipe->data && (from->flags & SIDE_SHUTR)) {
				pipe_put(c->pipe);
				c->pipe = NULL;
			}
		} else {
			if (!buf_allocated(&c->buf) && buf_alloc(&c->buf) < 0) {
				s->io_again = 1;  /* retried on the next pass */
				break;
			}
			if ((from->flags & (SIDE_SHUTR | SIDE_ERROR | SIDE_RDMAY)) == SIDE_RDMAY &&
			    buf_room(&c->buf)) {
				size_t room = buf_room(&c->buf);

				n = xprt_recv(from->xprt, from->xprt_ctx, from->fd, &c->buf, 0);
				/* A short read drained the socket: do not try again
				 * before the poller says there is more (level-triggered
				 * polling reports it if we were wrong).
				 */
				if (n == -EAGAIN || (n > 0 && (size_t)n < room && !xprt_more(from->xprt, from->xprt_ctx)))
					from->flags &= ~SIDE_RDMAY;
				/* drained after the FIN arrived: that was all */
				if (n > 0 && (size_t)n < room && (from->flags & SIDE_RDHUP))
					from->flags |= SIDE_SHUTR;
				if (n > 0)
					moved = 1;
				else if (n == 0)
					from->flags |= SIDE_SHUTR;
				else if (n != -EAGAIN && n != -ENOSPC)
					from->flags |= SIDE_ERROR;
			}
			if (can_write && buf_data(&c->buf)) {
				size_t before = buf_data(&c->buf);

				/* more is already waiting on the other side (the last
				 * read filled the room): let the kernel hold a partial
				 * segment for the next send of this same pass, which a
				 * send without the flag (the last one) flushes
				 */
				unsigned int more = (from->flags & (SIDE_RDMAY | SIDE_SHUTR)) == SIDE_RDMAY && round < 15 ?
				                    BUF_SEND_MORE : 0;

				n = xprt_send(to->xprt, to->xprt_ctx, to->fd, &c->buf, 0, more);
				if (n > 0) {
					corked = !!more;
					c->total += before - buf_data(&c->buf);
					moved = 1;
				} else if (n != -EAGAIN && n != 0) {
					to->flags |= SIDE_ERROR;
				}
			}
		}
		if (!moved)
			break;
		progress = 1;
	}
	/* the budget ran out with more perhaps waiting: no new event will say
	 * so to an edge-triggered poller, the stream comes back by itself
	 */
	if (round == 16)
		s->io_again = 1;
	/* the read that was to follow a send with MSG_MORE found nothing:
	 * setting TCP_NODELAY again pushes the held partial segment now
	 * rather than after the kernel's 200 ms cork ceiling
	 */
	if (corked)
		sock_set_nodelay(to->fd, 1);
	/* propagate a half-close once everything read has been written */
	if (can_write && (from->flags & SIDE_SHUTR) && !(to->flags & SIDE_SHUTW) &&
	    !buf_data(&c->buf) && !(c->pipe && c->pipe->data)) {
		strm_shutw(to);
	}
	return progress;
}

void strm_shutw(struct side *sd)
{
	int keep;

	if (sd->flags & SIDE_SHUTW)
		return;
	keep = sd->xprt ? sd->xprt->shutw(sd->xprt_ctx, sd->fd) : 0;
	/* if the other end already shut, our close() sends the FIN; a
	 * transport that ended a tunnel's stream keeps its connection
	 */
	if (!keep && !(sd->flags & SIDE_SHUTR) && sd->fd >= 0)
		shutdown(sd->fd, SHUT_WR);
	sd->flags |= SIDE_SHUTW;
}

int strm_send_preamble(struct stream *s)
{
	ssize_t n;

	if (!s->preamble_len)
		return 1;
	n = send(s->srvside.fd, s->preamble, s->preamble_len, MSG_NOSIGNAL);
	if (n == (ssize_t)s->preamble_len) {
		s->preamble_len = 0;
		return 1;
	}
	if (n > 0) {
		memmove(s->preamble, s->preamble + n, s->preamble_len - (size_t)n);
		s->preamble_len -= (unsigned int)n;
	} else if (errno != EAGAIN) {
		s->srvside.flags |= SIDE_ERROR;
	}
	return 0;
}

unsigned int strm_client_timeout(const struct stream *s)
{
	return s->tmo_client ? s->tmo_client : s->fe->timeout.client;
}

/* The proxy whose backend timeouts apply: the backend once chosen. */
static const struct proxy *tmo_be(const struct stream *s)
{
	return s->be ? s->be : s->fe;
}

unsigned int strm_server_timeout(const struct stream *s)
{
	return s->tmo_server ? s->tmo_server : tmo_be(s)->timeout.server;
}

unsigned int strm_tunnel_timeout(const struct stream *s)
{
	return s->tmo_tunnel ? s->tmo_tunnel : tmo_be(s)->timeout.tunnel;
}

unsigned int strm_connect_timeout(const struct stream *s)
{
	return s->tmo_connect ? s->tmo_connect : tmo_be(s)->timeout.connect;
}

unsigned int strm_queue_timeout(const struct stream *s)
{
	const struct proxy *be = tmo_be(s);

	if (s->tmo_queue)
		return s->tmo_queue;
	return be->timeout.queue ? be->timeout.queue : be->timeout.connect;
}

unsigned int strm_tarpit_timeout(const struct stream *s)
{
	const struct proxy *be = tmo_be(s);

	if (s->tmo_tarpit)
		return s->tmo_tarpit;
	return be->timeout.tarpit ? be->timeout.tarpit : be->timeout.connect;
}

uint32_t strm_side_events(const struct side *sd, const struct channel *in, const struct channel *out)
{
	uint32_t ev = 0;

	/* read while there is room and the peer has not shut */
	if (!(sd->flags & (SIDE_SHUTR | SIDE_ERROR)) &&
	    (in->pipe ? in->pipe->data < pipe_size_get() : !buf_allocated(&in->buf) || buf_room(&in->buf)))
		ev |= FD_EV_IN;
	/* write while something is pending */
	if (buf_data(&out->buf) || (out->pipe && out->pipe->data))
		ev |= FD_EV_OUT;
	return ev | xprt_events(sd->xprt, sd->xprt_ctx);
}

/* Returns 1 when both directions are over. */
static int stream_done(const struct stream *s)
{
	if ((s->cli.flags | s->srvside.flags) & SIDE_ERROR)
		return 1;
	return (s->cli.flags & SIDE_SHUTW) && (s->srvside.flags & SIDE_SHUTW);
}

int strm_connection_rules(struct stream *s)
{
	s->conn_rules_done = 1;
	if (tcp_rules_connection(s) < 0) {
		strm_set_term(s, 'P', 'R');
		counter_add(&s->fe->ctr[tid].denied_conn, 1);
		return -1;
	}
	return 0;
}

int strm_session_rules(struct stream *s)
{
	int final = 1, ret;

	if (!s->sc.sess_counted) {
		if (!s->conn_rules_done && strm_connection_rules(s) < 0)
			return -1;
		stkctr_session_start(&s->sc);
		s->inspect_exp = tick_add_ifset(now_ms, s->fe->inspect_delay);
		if (tcp_rules_session(s) < 0) {
			strm_set_term(s, 'P', 'R');
			counter_add(&s->fe->ctr[tid].denied_sess, 1);
			return -1;
		}
	}
	/* mode http: the content rules run for each request (stream_http_req.c) */
	if (s->http)
		return 0;
	if (s->fe->inspect_delay && !list_empty(&s->fe->tcp_req_cont)) {
		/* the rules look at what the client has sent so far; they are
		 * final once nothing more can change their verdict
		 */
		forward(s, &s->req, &s->cli, &s->srvside, 0);
		final = tick_is_expired(s->inspect_exp, now_ms) || tick_is_expired(s->cli.exp, now_ms) ||
		        (s->cli.flags & (SIDE_SHUTR | SIDE_ERROR)) ||
		        (buf_allocated(&s->req.buf) && !buf_room(&s->req.buf));
	}
	ret = tcp_rules_content(s, s->fe, final);
	if (ret < 0) {
		strm_set_term(s, 'P', 'R');
		counter_add(&s->fe->ctr[tid].denied_sess, 1);
	}
	return ret;
}

/* Waits for more client data for the tcp-request content rules: input is
 * polled (edge-triggered: always), the task wakes at the end of the
 * inspect delay at the latest.
 */
static struct task *strm_inspect_wait(struct task *t, struct stream *s)
{
	side_set_events(&s->cli, FD_EV_IN);
	task_set_expire(t, tick_first(s->cli.exp, s->inspect_exp));
	if (s->io_again) {
		s->io_again = 0;
		task_wakeup(t, TASK_WOKEN_IO);
	}
	return t;
}

/* The server name to send to <srv> (`sni EXPR`), in <buf>, or NULL. */
static const char *server_sni(const struct server *srv, struct stream *s, char *buf, size_t len)
{
	struct sample_ctx ctx = { .strm = s, .txn = s->txn, .opt = SMP_OPT_FINAL };
	struct sample smp;

	if (!srv->sni_expr || !sample_eval(srv->sni_expr, &ctx, &smp) || !sample_cast(&smp, SMP_T_STR) ||
	    !smp.data.u.str.len || smp.data.u.str.len >= len)
		return NULL;
	memcpy(buf, smp.data.u.str.ptr, smp.data.u.str.len);
	buf[smp.data.u.str.len] = 0;
	return buf;
}

/* The transport to the server, once its TCP connection is up: the PROXY
 * header first (it precedes the ClientHello and the HTTP/2 preface), then
 * TLS and/or HTTP/2 (mux_h2_be.h, HTTP streams only) with their
 * handshakes. Returns 1 once done, 0 while in progress, -1 on failure.
 */
static int srv_xprt_step(struct stream *s)
{
	struct side *sd = &s->srvside;

	if (!sd->xprt || (sd->flags & SIDE_H2EARLY)) {
		char sni[256];

		if (!strm_send_preamble(s))
			return (sd->flags & SIDE_ERROR) ? -1 : 0;
		if (sd->flags & SIDE_H2EARLY) {
			/* offered while connecting (connect_server()): TLS under it */
			sd->flags &= ~SIDE_H2EARLY;
			if (s->srv->tls) {
				void *tls = tls_conn_connect(s->srv->tls, sd->fd, server_sni(s->srv, s, sni, sizeof(sni)));

				if (!tls)
					return -1;
				h2be_set_inner(sd->xprt_ctx, &xprt_tls, tls);
			}
			return sd->xprt->handshake(sd->xprt_ctx, sd->fd);
		}
		if (s->srv->tls) {
			sd->xprt_ctx = tls_conn_connect(s->srv->tls, sd->fd, server_sni(s->srv, s, sni, sizeof(sni)));
			if (!sd->xprt_ctx)
				return -1;
			sd->xprt = &xprt_tls;
		}
		if (s->http && !s->tunnel && (s->srv->flags & (SRV_F_PROTO_H2 | SRV_F_ALPN_H2))) {
			void *h2 = h2be_new(sd->xprt, sd->xprt_ctx,
			                    (s->srv->flags & SRV_F_PROTO_H2) ? H2BE_PRIOR : H2BE_ALPN);

			if (!h2)
				return -1;   /* the TLS context, if any, is closed with the side */
			sd->xprt = &xprt_h2be;
			sd->xprt_ctx = h2;
		}
		if (!sd->xprt)
			return 1;
	}
	return sd->xprt->handshake(sd->xprt_ctx, sd->fd);
}

void strm_check_connect(struct stream *s, unsigned int sev)
{
	int ret;

	if (s->state != ST_CONNECTING)
		return;
	if (s->srvside.fd < 0) {
		/* the turn-around before a retry */
		if (tick_is_expired(s->conn_exp, now_ms)) {
			s->conn_exp = TICK_ETERNITY;   /* an immediate failure is no timeout */
			if (connect_server(s) < 0)
				strm_connect_failed(s);
		}
		return;
	}
	if (!(s->srvside.flags & SIDE_L4CON)) {
		if (sev & (FD_EV_OUT | FD_EV_ERR | FD_EV_HUP)) {
			/* writable without error or hang-up: connected, no need
			 * to ask the socket
			 */
			if ((sev & (FD_EV_ERR | FD_EV_HUP)) && sock_get_error(s->srvside.fd) != 0) {
				strm_connect_failed(s);
				return;
			}
			s->srvside.flags |= SIDE_L4CON;
		} else if (tick_is_expired(s->conn_exp, now_ms)) {
			strm_connect_failed(s);
			return;
		}
		if (!(s->srvside.flags & SIDE_L4CON))
			return;
	}
	ret = srv_has_xprt(s->srv) ? srv_xprt_step(s) : 1;
	if (ret > 0 && s->srvside.xprt == &xprt_h2be &&
	    h2be_share(&s->srvside, s->task, s->be->http_reuse == PR_REUSE_NEVER ? NULL : s->srv, &s->srv_dst,
	               (int)s->srv->max_reuse1 - 1) < 0)
		ret = -1;
	if (ret > 0) {
		s->srvside.flags |= SIDE_RDMAY;
		s->state = ST_EST;
		s->tc = (int32_t)(now_ms - s->t_conn);
		s->srvside.exp = tick_add_ifset(now_ms, strm_inactivity(s, 0));
	} else if (ret < 0 || tick_is_expired(s->conn_exp, now_ms)) {
		strm_connect_failed(s);
	}
}

/* Events to poll on the server side while connecting. */
uint32_t strm_connect_events(const struct stream *s)
{
	const struct side *sd = &s->srvside;

	if (!(sd->flags & SIDE_L4CON) || (!sd->xprt && s->preamble_len))
		return FD_EV_OUT;
	return xprt_events(sd->xprt, sd->xprt_ctx);
}

ssize_t strm_early_send(struct stream *s, struct channel *c, uint64_t max)
{
	ssize_t n;

	if (s->state != ST_CONNECTING || s->srvside.fd < 0 || s->preamble_len || c->pipe || !buf_data(&c->buf) ||
	    srv_has_xprt(s->srv))
		return 0;
	n = buf_send(&c->buf, s->srvside.fd, max, 0);
	if (n > 0) {
		c->total += (uint64_t)n;
		s->state = ST_EST;
		s->tc = (int32_t)(now_ms - s->t_conn);
		s->srvside.exp = tick_add_ifset(now_ms, strm_inactivity(s, 0));
		return n;
	}
	if (n == -EAGAIN || n == -ENOTCONN || n == 0)
		return 0;   /* still connecting: its writability will tell */
	strm_connect_failed(s);   /* refused, reset... */
	return 0;
}

static void log_connect(struct stream *s);
static void log_hs_failure(struct stream *s, const char *why);
static struct stream *strm_alloc(struct listener *li, const struct addr *peer);

/* Hands the mode tcp stream <s> to the HTTP engine (`tcp-request content
 * switch-mode http`, or a mode http backend): what the client sent so far
 * is its first request, or the HTTP/2 preface (head_wait() then gives the
 * connection to the h2 mux). The client socket is polled level-triggered
 * from now on, as the HTTP engine wants it (strm_poll_mode()). On a bind
 * with `proto none` the connection closes instead (HAProxy); with
 * `switch-mode http proto h2` the h2 mux takes it at once.
 */
static struct task *strm_switch_http(struct task *t, struct stream *s, unsigned int state)
{
	if (s->li && s->li->proto_none) {
		/* `bind ... proto none`: no HTTP on it, the upgrade fails */
		strm_set_term(s, 'P', 'R');
		strm_free(s);
		return NULL;
	}
	s->http = 1;
	s->upgraded = 1;
	s->cont_rule = NULL;
	http_stream_init(s);
	fd_remove(s->cli.fd);
	if (fd_insert(s->cli.fd, tid, cli_iocb, s, FD_EV_IN) < 0) {
		s->cli.flags |= SIDE_ERROR;
		strm_free(s);
		return NULL;
	}
	s->cli.flags |= SIDE_RDMAY;   /* nothing known of what is pending */
	if (s->upg_proto == STRM_UPG_H2) {
		/* the mux reads what came as its preface: anything else is a
		 * connection error there, as in HAProxy; its streams log
		 */
		s->no_log = 1;
		h2c_upgrade(s);
		strm_free(s);
		return NULL;
	}
	return http_stream_process(t, s, state, 0);
}

static struct task *stream_process(struct task *t, void *ctx, unsigned int state)
{
	struct stream *s = ctx;
	unsigned int cev = s->cli.ev, sev = s->srvside.ev;
	int cprog, sprog, kill;

	thread_stat_add(&thread_stats(tid)->stream_calls, 1);
	s->calls++;
	s->cli.ev = s->srvside.ev = 0;
	if (cev & (FD_EV_IN | FD_EV_HUP | FD_EV_ERR | FD_EV_RDHUP))
		s->cli.flags |= SIDE_RDMAY;
	if (sev & (FD_EV_IN | FD_EV_HUP | FD_EV_ERR | FD_EV_RDHUP))
		s->srvside.flags |= SIDE_RDMAY;
	/* a TLS read may have waited for writability (TLS_CF_WANT_OUT) */
	if (s->cli.xprt && (cev & FD_EV_OUT))
		s->cli.flags |= SIDE_RDMAY;
	if (s->srvside.xprt && (sev & FD_EV_OUT))
		s->srvside.flags |= SIDE_RDMAY;
	/* a reset also says RDHUP, with ERR: its reads must report it */
	if ((cev & (FD_EV_RDHUP | FD_EV_ERR)) == FD_EV_RDHUP)
		s->cli.flags |= SIDE_RDHUP;
	if ((sev & (FD_EV_RDHUP | FD_EV_ERR)) == FD_EV_RDHUP)
		s->srvside.flags |= SIDE_RDHUP;
	if (cev & FD_EV_ERR)
		s->cli.flags |= SIDE_ERROR;

	if ((kill = atomic_load_explicit(&s->kill_req, memory_order_relaxed))) {
		/* `shutdown session` from the admin socket (1: K), or its
		 * server went down (D) or a primary came up (U)
		 */
		strm_set_term(s, kill == 1 ? 'K' : (char)kill, s->state == ST_EST ? 'D' : s->state == ST_QUEUED ? 'Q' :
		                 s->state == ST_CONNECTING ? 'C' : 'R');
		goto out_free;
	}
	if (s->pp_wait) {
		int ret;

		/* as in HAProxy, `tcp-request connection` rules see the real
		 * addresses: they run before the PROXY header is read
		 */
		if (!s->conn_rules_done && strm_connection_rules(s) < 0)
			goto out_free;
		ret = strm_recv_proxy(s);

		if (ret < 0 || (ret == 0 && tick_is_expired(s->cli.exp, now_ms))) {
			/* no session was ever established: nothing to log */
			s->no_log = 1;
			goto out_free;
		}
		if (ret == 0) {
			side_set_events(&s->cli, FD_EV_IN);
			task_set_expire(t, s->cli.exp);
			return t;
		}
		log_connect(s);
	}
	if (s->cli.xprt && !s->cli_hs_done) {
		int ret;

		/* as in HAProxy, `tcp-request connection` rules run before the
		 * handshake; `timeout client-hs` (else `client`) bounds it
		 */
		if (!s->conn_rules_done && strm_connection_rules(s) < 0)
			goto out_free;
		ret = s->cli.xprt->handshake(s->cli.xprt_ctx, s->cli.fd);
		if (ret < 0 || (ret == 0 && tick_is_expired(s->cli.exp, now_ms))) {
			/* no session was ever established: HAProxy's one-line
			 * connection error log instead of a traffic log
			 */
			log_hs_failure(s, tls_conn_hs_error(s->cli.xprt_ctx, ret == 0));
			s->no_log = 1;
			goto out_free;
		}
		if (ret == 0) {
			fd_set_events(s->cli.fd, xprt_events(s->cli.xprt, s->cli.xprt_ctx));
			task_set_expire(t, s->cli.exp);
			return t;
		}
		s->cli_hs_done = 1;
		s->t_hs = (int32_t)(now_ms - s->t_accept);
		s->cli.flags |= SIDE_RDMAY;   /* data may have come with the handshake */
		s->cli.exp = tick_add_ifset(now_ms, s->fe->timeout.client);
		if (s->http && h2_alpn_chosen(s->cli.xprt_ctx)) {
			/* ALPN chose HTTP/2: the connection goes to the h2 mux,
			 * after the session rules (once per connection); this
			 * stream ends without a log, each HTTP/2 stream logs
			 */
			if (strm_session_rules(s) < 0 || h2c_takeover(s) < 0)
				goto out_free;
			s->no_log = 1;
			goto out_free;
		}
		if (s->http)
			http_stream_init(s);   /* the request timers start now */
	}
	if (s->li->proto_h2 && s->cli.fd >= 0) {
		/* `proto h2` with `accept-proxy`: the PROXY header is read (and
		 * the TLS handshake done), the connection goes to the h2 mux
		 * as HAProxy's h2 mux follows the PROXY header; it logs its
		 * streams
		 */
		if (strm_session_rules(s) < 0 || h2c_upgrade(s) < 0)
			goto out_free;
		s->no_log = 1;
		goto out_free;
	}
	if (s->http && !s->tunnel)
		return http_stream_process(t, s, state, sev);

	if (s->state == ST_INI && !s->be) {
		int ret = strm_session_rules(s);

		if (ret < 0)
			goto out_free;
		if (ret == 2)
			return strm_switch_http(t, s, state);
		if (ret > 0)
			return strm_inspect_wait(t, s);
	}
	if (s->state == ST_INI) {
		s->be = strm_choose_backend(s);
		s->t_be = now_ms;
		if (s->be && s->be->mode == PR_MODE_HTTP && !s->tunnel) {
			/* a mode tcp frontend sends it to a mode http backend:
			 * the connection is upgraded (HAProxy), the HTTP engine
			 * chooses the backend again for each request
			 */
			s->be = NULL;
			return strm_switch_http(t, s, state);
		}
		if (!s->be || (s->be != s->fe && tcp_rules_content(s, s->be, 1) < 0)) {
			/* no backend, or its tcp-request content rules reject */
			strm_set_term(s, 'P', 'R');
			s->state = ST_CLOSED;
		} else {
			s->retries_left = s->be->retries;
			s->redispatched = 0;
			s->splice = !global.nosplice && !s->cli.xprt &&
			            (!!(s->fe->options & (PR_O_SPLICE_AUTO | PR_O_SPLICE_REQ | PR_O_SPLICE_RES)) ||
			             !!(s->be->options & (PR_O_SPLICE_AUTO | PR_O_SPLICE_REQ | PR_O_SPLICE_RES)));
			strm_assign_and_connect(s, NULL);
		}
	} else if (s->state == ST_QUEUED && (state & TASK_WOKEN_RES)) {
		s->state = ST_INI;
		strm_assign_and_connect(s, NULL);
	} else if (s->state == ST_QUEUED && tick_is_expired(s->conn_exp, now_ms)) {
		s->tw = (int32_t)(now_ms - s->t_be);   /* %Tw: the time queued */
		strm_set_term(s, 's', 'Q');
		strm_leave_queue(s);
		s->state = ST_CLOSED;
	}

	strm_check_connect(s, sev);

	if (s->state == ST_CLOSED)
		goto out_free;

	/* client side: read even before the server is there */
	cprog = 0;
	sprog = 0;
	if (s->state == ST_EST) {
		if (strm_send_preamble(s)) {
			cprog = forward(s, &s->req, &s->cli, &s->srvside, 1);
			if (!s->res_rules_done && !list_empty(&s->be->tcp_res_cont)) {
				/* tcp-response content: with tcp-response inspect-delay,
				 * until the rules decide or the delay is over; else on
				 * the first bytes, or the end
				 */
				int shut = (s->srvside.flags & (SIDE_SHUTR | SIDE_ERROR)) != 0, ret = 1;

				sprog = forward(s, &s->res, &s->srvside, &s->cli, 0);
				if (s->be->res_inspect_delay) {
					if (!s->res_inspect_exp)
						s->res_inspect_exp = tick_add_ifset(now_ms, s->be->res_inspect_delay);
					ret = tcp_rules_response_content(s, shut || tick_is_expired(s->res_inspect_exp, now_ms) ||
					                                    (buf_allocated(&s->res.buf) && !buf_room(&s->res.buf)));
				} else if (buf_data(&s->res.buf) || (s->res.pipe && s->res.pipe->data) || shut) {
					ret = tcp_rules_response_content(s, 1);
				}
				if (ret < 0) {
					strm_set_term(s, 'P', 'D');
					counter_add(&s->be->ctr[tid].denied_resp, 1);
					goto out_free;
				}
				if (!ret)
					s->res_rules_done = 1;
			}
			if (s->res_rules_done || list_empty(&s->be->tcp_res_cont))
				sprog |= forward(s, &s->res, &s->srvside, &s->cli, 1);
		}
	} else if (!(s->cli.flags & SIDE_SHUTR)) {
		cprog = forward(s, &s->req, &s->cli, &s->srvside, 0);
		if (strm_early_send(s, &s->req, 0) > 0) {
			cprog = 1;
			sprog = forward(s, &s->req, &s->cli, &s->srvside, 1);
		}
		if (s->state == ST_CLOSED)
			goto out_free;   /* refused, no retry left */
	}
	if (strm_abort_connect_req(s, buf_data(&s->req.buf) || (s->req.pipe && s->req.pipe->data)))
		goto out_free;
	if ((cprog || sprog) && s->sc.tracked) {
		stkctr_add_bytes(&s->sc, s->req.total - s->acct_in, s->res.total - s->acct_out);
		s->acct_in = s->req.total;
		s->acct_out = s->res.total;
	}
	if (cprog || sprog) {
		/* activity refreshes both sides, as HAProxy's channel timeouts do */
		s->cli.exp = tick_add_ifset(now_ms, strm_inactivity(s, 1));
		if (s->state == ST_EST)
			s->srvside.exp = tick_add_ifset(now_ms, strm_inactivity(s, 0));
	}
	if (stream_done(s)) {
		if (s->cli.flags & SIDE_ERROR)
			strm_set_term(s, 'C', 'D');
		else if (s->srvside.flags & SIDE_ERROR)
			strm_set_term(s, 'S', 'D');
		goto out_free;
	}
	/* both sides shut and nothing left to deliver, in buffers or pipes */
	if (s->state == ST_EST && (s->cli.flags & SIDE_SHUTR) && (s->srvside.flags & SIDE_SHUTR) &&
	    !buf_data(&s->req.buf) && !buf_data(&s->res.buf) &&
	    !(s->req.pipe && s->req.pipe->data) && !(s->res.pipe && s->res.pipe->data))
		goto out_free;

	/* timeouts */
	if (tick_is_expired(s->cli.exp, now_ms) ||
	    (s->state == ST_EST && tick_is_expired(s->srvside.exp, now_ms))) {
		if (tick_is_expired(s->cli.exp, now_ms)) {
			strm_set_term(s, 'c', s->state == ST_EST ? 'D' : s->state == ST_QUEUED ? 'Q' : 'C');
			counter_add(&s->fe->ctr[tid].cli_aborts, 1);
		} else {
			strm_set_term(s, 's', 'D');
			counter_add(&s->be->ctr[tid].srv_aborts, 1);
		}
		goto out_free;
	}

	/* what to poll */
	side_set_events(&s->cli, strm_side_events(&s->cli, &s->req, &s->res) &
	                         (s->state == ST_EST ? ~0U : ~(uint32_t)FD_EV_OUT));
	if (s->srvside.fd >= 0) {
		if (s->state == ST_CONNECTING)
			fd_set_events(s->srvside.fd, strm_connect_events(s));
		else
			fd_set_events(s->srvside.fd, strm_side_events(&s->srvside, &s->res, &s->req) |
			                             (s->preamble_len ? FD_EV_OUT : 0));
	}
	{
		uint32_t exp = s->cli.exp;

		if (s->state == ST_EST)
			exp = tick_first(exp, s->srvside.exp);
		else if (s->state == ST_CONNECTING || s->state == ST_QUEUED)
			exp = tick_first(exp, s->conn_exp);
		if (s->state == ST_EST && !s->res_rules_done && s->res_inspect_exp)
			exp = tick_first(exp, s->res_inspect_exp);
		task_set_expire(t, exp);
	}
	if (s->io_again) {
		s->io_again = 0;
		task_wakeup(t, TASK_WOKEN_IO);
	}
	return t;

out_free:
	strm_free(s);
	return NULL;
}

/* Without `option tcplog` or a log format, HAProxy logs one line per
 * accepted connection (after its PROXY header, if one is expected).
 */
static void log_connect(struct stream *s)
{
	char cli[ADDR_STRLEN], loc[ADDR_STRLEN], line[512];
	struct addr local;
	int n;

	if (!s->fe->log_targets || (s->fe->options & (PR_O_TCPLOG | PR_O_HTTPLOG)) || s->fe->logfmt)
		return;
	addr_format(&s->cli_addr, cli, sizeof(cli));
	if (stream_local_addr(s, &local) < 0)
		snprintf(loc, sizeof(loc), "-");
	else
		addr_format(&local, loc, sizeof(loc));
	n = snprintf(line, sizeof(line), "Connect from %s to %s (%s/%s)", cli, loc, s->fe->id,
	             s->fe->mode == PR_MODE_HTTP ? "HTTP" : "TCP");
	if (n > 0)
		log_send(s->fe->log_targets, LOG_SEV_INFO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* A client whose TLS handshake failed: HAProxy's line
 * "<ip>:<port> [<accept date>] <frontend>/<bind number>: <why>", unless
 * `option dontlognull`.
 */
static void log_hs_failure(struct stream *s, const char *why)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char cli[ADDR_STRLEN], line[512];
	const struct listener *l;
	struct tm tm;
	time_t sec = (time_t)s->accept_sec;
	int n = 0;
	int num = 0;

	if (!s->fe->log_targets || (s->fe->options & PR_O_DONTLOGNULL))
		return;
	list_for_each(l, &s->fe->listeners, list) {
		num++;
		if (l == s->li)
			break;
	}
	addr_format(&s->cli_addr, cli, sizeof(cli));
	localtime_r(&sec, &tm);
	n = snprintf(line, sizeof(line), "%s [%02d/%s/%04d:%02d:%02d:%02d.%03u] %s/%s%.0d: %s", cli, tm.tm_mday,
	             mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, s->accept_ms, s->fe->id,
	             s->li->name ? s->li->name : "", s->li->name ? 0 : num, why);
	if (n > 0)
		log_send(s->fe->log_targets, LOG_SEV_INFO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static _Atomic unsigned int stream_uniq;   /* next stream's uniq_id */

unsigned int strm_next_uniq_id(void)
{
	return atomic_fetch_add_explicit(&stream_uniq, 1, memory_order_relaxed);
}

int stream_accept(struct listener *li, int fd, const struct addr *peer)
{
	struct proxy *fe = li->fe;
	struct stream *s;

	if (li->proto_h2 && !li->accept_proxy)
		return h2c_accept(li, fd, peer);   /* `proto h2`: the mux owns it */
	s = strm_alloc(li, peer);
	if (!s)
		goto out_close;
	s->cli.fd = fd;
	s->cli.flags = SIDE_RDMAY;   /* the first bytes are often there already */
	if (li->tls) {
		s->cli.xprt_ctx = tls_conn_accept(li->tls, fd);
		if (!s->cli.xprt_ctx)
			goto out_task;
		s->cli.xprt = &xprt_tls;
	}
	s->pp_wait = li->accept_proxy;
	if (fd_insert(fd, tid, cli_iocb, s, FD_EV_IN | strm_poll_mode(s)) < 0)
		goto out_xprt;
	list_append(&streams_by_thread[tid], &s->by_thread);
	/* TCP_NODELAY: inherited from the listening socket (listener.c) */
	if ((fe->options & PR_O_CLI_KA) && peer && addr_sa(peer)->sa_family != AF_UNIX)
		sock_set_keepalive(fd, 1, fe->tcpka[0][0], fe->tcpka[0][1], fe->tcpka[0][2]);
	counter_max(&fe->st.cur_max, atomic_fetch_add_explicit(&fe->feconn, 1, memory_order_relaxed) + 1);
	atomic_fetch_add_explicit(&streams_alive, 1, memory_order_relaxed);
	counter_add(&fe->ctr[tid].cum_sess, 1);
	freq_ctr_add(&fe->ctr[tid].sess_per_sec, 1000, 1, now_ms);
	s->cli.exp = tick_add_ifset(now_ms, li->tls && fe->timeout.client_hs ? fe->timeout.client_hs : fe->timeout.client);
	s->http = fe->mode == PR_MODE_HTTP;
	if (s->http)
		http_stream_init(s);
	if (fe->log_targets) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s->accept_sec = ts.tv_sec;
		s->accept_ms = (uint32_t)(ts.tv_nsec / 1000000);
		if (!li->accept_proxy)
			log_connect(s);
	}
	task_wakeup(s->task, TASK_WOKEN_INIT);
	return 0;

out_xprt:
	if (s->cli.xprt)
		s->cli.xprt->close(s->cli.xprt_ctx);
out_task:
	task_destroy(s->task);
	pool_free(pool_stream, s);
out_close:
	close(fd);
	listener_release_slot(li);
	return -ENOMEM;
}

/* ---- streams of a mux (h2_fe.c) ---- */

const struct side *stream_cli_conn(const struct stream *s)
{
	if (s->cli.xprt && s->cli.xprt->conn_side)
		return s->cli.xprt->conn_side(s->cli.xprt_ctx);
	return &s->cli;
}

const struct side *stream_srv_conn(const struct stream *s)
{
	if (s->srvside.xprt && s->srvside.xprt->conn_side)
		return s->srvside.xprt->conn_side(s->srvside.xprt_ctx);
	return &s->srvside;
}

void stream_count_conn(int delta)
{
	atomic_fetch_add_explicit(&streams_alive, (unsigned int)delta, memory_order_relaxed);
}

/* Common part of a new stream: its task, frontend, client address and
 * lists; registered on the thread. NULL without memory.
 */
static struct stream *strm_alloc(struct listener *li, const struct addr *peer)
{
	struct stream *s = pool_zalloc(pool_stream);

	if (!s)
		return NULL;
	s->task = task_new(0, stream_process, s, "stream");
	if (!s->task) {
		pool_free(pool_stream, s);
		return NULL;
	}
	s->li = li;
	s->fe = li->fe;
	s->cli_addr = *peer;
	s->fc_src = *peer;
	s->srvside.fd = -1;
	s->req.buf = BUF_NULL;
	s->res.buf = BUF_NULL;
	list_init(&s->queue_link);
	list_init(&s->by_thread);
	list_init(&s->own_idle);
	s->tid = tid;
	s->uniq_id = strm_next_uniq_id();
	s->t_accept = now_ms;
	s->tw = s->tc = -1;
	s->term[0] = s->term[1] = '-';
	return s;
}

struct stream *stream_new_mux(struct listener *li, const struct addr *peer, const struct addr *dst,
                              const struct xprt_ops *xprt, void *ctx, int32_t t_hs, unsigned int nb_req)
{
	struct stream *s = strm_alloc(li, peer);

	if (!s)
		return NULL;
	s->cli.fd = -1;
	s->cli.xprt = xprt;
	s->cli.xprt_ctx = ctx;
	s->cli.flags = SIDE_RDMAY;   /* the request head is there */
	s->cli_hs_done = 1;
	s->t_hs = t_hs;
	if (dst) {
		s->dst_addr = *dst;
		s->has_dst = 1;
		s->fc_dst = *dst;
		s->has_fc_dst = 1;
	}
	s->conn_given = 1;
	s->h2 = 1;
	s->conn_rules_done = 1;      /* once per connection, by the mux */
	s->sc.sess_counted = 1;      /* and the session rules */
	s->http = 1;
	http_stream_init(s);
	s->http_nb_req = nb_req;
	s->cli.exp = tick_add_ifset(now_ms, li->fe->timeout.client);
	if (li->fe->log_targets) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s->accept_sec = ts.tv_sec;
		s->accept_ms = (uint32_t)(ts.tv_nsec / 1000000);
	}
	list_append(&streams_by_thread[tid], &s->by_thread);
	atomic_fetch_add_explicit(&streams_alive, 1, memory_order_relaxed);
	task_wakeup(s->task, TASK_WOKEN_INIT);
	return s;
}

int stream_mux_session_rules(struct listener *li, int fd, const struct addr *peer, struct stkctrs *keep)
{
	struct stream *s;
	int ret = 0;

	if (list_empty(&li->fe->tcp_req_conn) && list_empty(&li->fe->tcp_req_sess))
		return 0;
	s = strm_alloc(li, peer);
	if (!s)
		return 0;   /* no rules rather than no connection */
	s->cli.fd = fd;
	s->http = 1;
	s->no_log = 1;
	if (strm_connection_rules(s) < 0)
		ret = -1;
	else {
		stkctr_session_start(&s->sc);
		if (tcp_rules_session(s) < 0) {
			counter_add(&s->fe->ctr[tid].denied_sess, 1);
			ret = -1;
		}
	}
	if (s->sc.tracked && ret == 0)
		*keep = s->sc;   /* the connection's, for its glitches */
	else if (s->sc.tracked)
		stkctr_release_all(&s->sc);
	if (s->sess_vars)
		var_store_reset(s->sess_vars);
	free(s->sess_vars);
	free(s->pp_tlv);
	task_destroy(s->task);
	pool_free(pool_stream, s);
	return ret;
}
