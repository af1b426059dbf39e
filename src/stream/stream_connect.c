/*
 * The stream's server side: server slots and the queue, choosing a
 * backend and a server, and connecting to it (moved from stream.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tollgate/buffer.h>
#include <tollgate/clock.h>
#include <tollgate/conn_src.h>
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


/* ---- server slots and queue ---- */

void strm_release_server(struct stream *s)
{
	struct server *srv = s->srv;

	if (!srv)
		return;
	server_hold(&s->prev_srv, srv);
	server_hold(&s->srv, NULL);
	atomic_fetch_sub_explicit(&srv->cur_conns, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&s->be->beconn, 1, memory_order_relaxed);
	if (atomic_load_explicit(&s->be->nbpend, memory_order_relaxed))
		stream_dequeue(s->be);
}

void strm_leave_queue(struct stream *s)
{
	if (!s->ever_queued)
		return;
	spin_lock(&s->be->queue_lock);
	if (s->queued) {
		list_del_init(&s->queue_link);
		s->queued = 0;
		atomic_fetch_sub_explicit(&s->be->nbpend, 1, memory_order_relaxed);
	}
	spin_unlock(&s->be->queue_lock);
}

static void enter_queue(struct stream *s)
{
	spin_lock(&s->be->queue_lock);
	list_append(&s->be->queue, &s->queue_link);
	s->queued = 1;
	s->ever_queued = 1;
	counter_max(&s->be->st.queue_max, atomic_fetch_add_explicit(&s->be->nbpend, 1, memory_order_relaxed) + 1);
	spin_unlock(&s->be->queue_lock);
	s->state = ST_QUEUED;
	s->conn_exp = tick_add_ifset(now_ms, strm_queue_timeout(s));
}

void stream_dequeue(struct proxy *be)
{
	struct stream *s;

	spin_lock(&be->queue_lock);
	if (!list_empty(&be->queue)) {
		s = list_elem(be->queue.next, struct stream, queue_link);
		list_del_init(&s->queue_link);
		s->queued = 0;
		atomic_fetch_sub_explicit(&be->nbpend, 1, memory_order_relaxed);
		/* woken under the lock: the stream takes it before dying */
		task_wakeup(s->task, TASK_WOKEN_RES);
	}
	spin_unlock(&be->queue_lock);
}

/* ---- choosing a backend and a server ---- */

/* Returns 1 if content switching may send <s> to <be>: an enabled and
 * published backend, or an unpublished one when a force-be-switch rule of
 * the frontend matches (evaluated at most once, cached in *<force>, -1
 * meaning not yet). A disabled backend never.
 */
static int be_eligible(struct stream *s, const struct proxy *be, struct sample_ctx *ctx, int *force)
{
	if (be->disabled)
		return 0;
	if (!atomic_load_explicit(&be->unpublished, memory_order_relaxed) || be == s->fe)
		return 1;
	if (*force < 0) {
		*force = 0;
		for (const struct force_be_rule *f = s->fe->force_be; f && !*force; f = f->next)
			*force = cond_exec(f->cond, ctx);
	}
	return *force;
}

struct proxy *strm_choose_backend(struct stream *s)
{
	struct switching_rule *rule;
	struct sample_ctx ctx = { .strm = s, .txn = s->txn, .opt = SMP_OPT_FINAL };
	struct proxy *defbe = s->fe->defbe;
	int force = -1;

	list_for_each(rule, &s->fe->switching_rules, list) {
		char name[256];
		struct proxy *be;

		if (rule->cond && !cond_exec(rule->cond, &ctx))
			continue;
		if (!rule->lf) {
			/* HAProxy 3.x: a disabled or unpublished backend
			 * passes to the next rule
			 */
			if (be_eligible(s, rule->be, &ctx, &force))
				return rule->be;
			continue;
		}
		/* a computed name: a backend of the frontend's mode (an
		 * unpublished one passes to the next rule); no such backend:
		 * (as HAProxy) no other rule, the default backend
		 */
		logformat_render(rule->lf, s, name, sizeof(name));
		be = proxy_be_lookup(name);
		if (!be || (be->mode != s->fe->mode && !s->http) || be->disabled)
			break;
		if (be_eligible(s, be, &ctx, &force))
			return be;
	}
	return defbe && be_eligible(s, defbe, &ctx, &force) ? defbe : NULL;
}

/* `balance url_param <name> check_post`: a POST whose query has no <name>
 * has it looked up in the body bytes there (all of them, chunked framing
 * removed, up to a scratch buffer, after `option http-buffer-request`),
 * as HAProxy. Returns 1 with the value at <*key>/<*len>, or 0.
 */
static int post_param(struct stream *s, const char **key, size_t *len)
{
	char *out = sample_scratch();
	uint64_t size;

	if (!s->be->lb.key_post || !s->txn || s->txn->meth != H1_METH_POST ||
	    !http_txn_body(s, 0, out, SAMPLE_SCRATCH_SIZE, len, &size))
		return 0;
	*key = out;
	return lb_key_post(&s->be->lb, key, len);
}

/* The key hash-based algorithms balance on: the backend's sample (balance
 * hash, uri, url_param, hdr), else the client's IP address (balance
 * source); lb_nokey() when there is none (round robin).
 */
static uint32_t lb_key_compute(struct stream *s)
{
	const struct sockaddr *sa = addr_sa(&s->cli_addr);

	if (s->be->hash_sample) {
		struct sample_ctx ctx = { .strm = s, .txn = s->txn, .opt = SMP_OPT_FINAL };
		struct sample smp;
		const char *key;
		size_t len;

		memset(&smp, 0, sizeof(smp));
		if (!sample_eval(s->be->hash_sample, &ctx, &smp) || !sample_cast(&smp, SMP_T_BIN))
			return lb_nokey(&s->be->lb);
		key = smp.data.u.str.ptr;
		len = smp.data.u.str.len;
		if (!len && s->be->lb.key_nonempty)
			return lb_nokey(&s->be->lb);
		if (!lb_key_narrow(&s->be->lb, &key, &len) && !post_param(s, &key, &len))
			return lb_nokey(&s->be->lb);
		return lb_hash_key(&s->be->lb, key, len);
	} else if (sa->sa_family == AF_INET) {
		return lb_hash_addr(&s->be->lb, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		return lb_hash_addr(&s->be->lb, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
	return lb_nokey(&s->be->lb);   /* no key: round robin */
}

/* The request's load-balancing key, computed once: a request without one
 * takes the next round-robin key, which a second evaluation (the HTTP
 * engine asking whether its kept connection fits, then choosing) must not
 * advance again.
 */
static uint32_t lb_key(struct stream *s)
{
	if (!s->lb_key_set) {
		s->lb_key = lb_key_compute(s);
		s->lb_key_set = 1;
	}
	return s->lb_key;
}

struct server *strm_lb_key_choice(struct stream *s)
{
	struct proxy *be = s->be;

	if (!be->lb.ops || !be->lb.ops->needs_key)
		return NULL;
	return lb_pick(&be->lb, lb_key(s), NULL);
}

/* Returns the address <s> connects to on server <srv>: the server's, except
 * that a wildcard host (empty, `*`, 0.0.0.0) takes the address the client
 * reached and a missing port the port it reached (HAProxy's servers for
 * transparent setups), built in <tmp>. A request's set-dst / set-dst-port
 * change it.
 */
static const struct addr *server_target(const struct stream *s, const struct server *srv,
                                        struct addr *tmp)
{
	const struct addr *sa = &srv->addr;
	struct addr local;

	if (!srv_addr_from_client(srv) || stream_local_addr(s, &local) < 0 || local.kind != ADDR_INET)
		return sa;   /* not client-dependent, or unknown: connect as written */
	*tmp = (sa->flags & ADDR_F_ANY) ? local : *sa;
	addr_set_port(tmp, addr_port((sa->flags & ADDR_F_NO_PORT) ? &local : sa));
	tmp->flags = 0;
	return tmp;
}

/* Fills <src> with the address the connection of <s> to its server binds
 * (`source`, `usesrc`: conn_src.h) and *<flags> with SOCK_C_TRANSPARENT for
 * an address of `usesrc`. Returns <src>, or NULL to let the kernel choose.
 */
static const struct addr *strm_conn_src(struct stream *s, struct addr *src, unsigned int *flags)
{
	const struct conn_src *cs = server_conn_src(s->srv);

	*flags = 0;
	if (!cs)
		return NULL;
	*src = cs->addr;
	switch (cs->use) {
	case CONN_SRC_USE_NONE:
		return src;
	case CONN_SRC_USE_ADDR:
		*src = cs->use_addr;
		break;
	case CONN_SRC_USE_CLIENT:
	case CONN_SRC_USE_CLIENTIP:
		if (s->cli_addr.kind != ADDR_INET)
			return src;   /* a unix client: no address to present */
		*src = s->cli_addr;
		if (cs->use == CONN_SRC_USE_CLIENTIP)
			addr_set_port(src, 0);
		break;
	case CONN_SRC_USE_HDR_IP: {
		const struct sample_fetch_kw *kw = sample_find_fetch("req.hdr_ip", 10);
		struct sample_arg args[2] = {
			{ .type = SMP_ARGT_STR, .data.str = { (char *)cs->hdr, strlen(cs->hdr) } },
			{ .type = SMP_ARGT_SINT, .data.sint = cs->hdr_occ },
		};
		struct sample_ctx ctx = { .strm = s, .txn = s->txn, .opt = SMP_OPT_FINAL };
		struct sample smp = { .data.type = SMP_T_ANY };

		/* no header (or occurrence 0): the source address alone */
		if (!s->txn || !kw || !cs->hdr_occ)
			return src;
		smp.kw_private = kw->private;
		smp.ctx = &ctx;
		if (!kw->fn(args, &smp, &ctx))
			return src;
		if (smp.data.type == SMP_T_IPV4) {
			struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = smp.data.u.ipv4 };

			addr_from_sa(src, (const struct sockaddr *)&sin, sizeof(sin));
		} else if (smp.data.type == SMP_T_IPV6) {
			struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = smp.data.u.ipv6 };

			addr_from_sa(src, (const struct sockaddr *)&sin6, sizeof(sin6));
		} else {
			return src;
		}
		break;
	}
	}
	src->flags = 0;
	*flags = SOCK_C_TRANSPARENT;
	return src;
}

int strm_srv_dst_differs(const struct stream *s, const struct server *srv)
{
	struct addr tmp;

	return srv_addr_from_client(srv) && addr_cmp(server_target(s, srv, &tmp), &s->srv_dst) != 0;
}

/* Starts a connection to s->srv. Returns 0 when connecting, <0 on an
 * immediate failure (counted by the caller).
 */
int connect_server(struct stream *s)
{
	struct addr dst;
	const struct xprt_ops *x = NULL;
	const struct addr *src;
	struct addr src_tmp;
	unsigned int src_flags;
	void *xctx = NULL;
	int fd = -1, ret;

	s->srv_dst = *server_target(s, s->srv, &dst);
	/* an HTTP request may take an idle connection to that server (and
	 * that destination)
	 */
	if (s->txn && !s->tunnel &&
	    ((s->be->http_reuse == PR_REUSE_NEVER &&
	      (fd = srv_idle_take_own(&s->own_idle, s->srv, &s->srv_dst, &x, &xctx)) >= 0) ||
	     (http_stream_may_reuse(s) && (fd = srv_idle_take(s->srv, &s->srv_dst, &x, &xctx)) >= 0))) {
		fd_set_owner(fd, srv_iocb, s);
		s->srvside.fd = fd;
		s->srvside.xprt = x;
		s->srvside.xprt_ctx = xctx;
		s->srvside.flags = 0;
		s->srvside.ev = 0;
		s->state = ST_EST;
		s->t_conn = now_ms;
		s->tc = 0;
		s->srvside.exp = tick_add_ifset(now_ms, strm_inactivity(s, 0));
		http_stream_reused(s);
		return 0;
	}
	/* or a free stream of an HTTP/2 connection of this thread */
	if (s->txn && !s->tunnel && (s->srv->flags & (SRV_F_PROTO_H2 | SRV_F_ALPN_H2)) && http_stream_may_reuse(s) &&
	    h2be_take(&s->srvside, s->task, s->srv, &s->srv_dst)) {
		s->srvside.flags = 0;
		s->srvside.ev = 0;
		s->state = ST_EST;
		s->t_conn = now_ms;
		s->tc = 0;
		s->srvside.exp = tick_add_ifset(now_ms, strm_inactivity(s, 0));
		http_stream_reused(s);
		return 0;
	}

	if (srv_has_xprt(s->srv))
		s->splice = 0;   /* splicing never goes through TLS nor HTTP/2 */
	if (strm_build_proxy_header(s) < 0)
		return -ENOMEM;
	s->srv_conn_reused = 0;
	src = strm_conn_src(s, &src_tmp, &src_flags);
	ret = sock_connect_src(&s->srv_dst, src, src_flags, server_md5sig(s->srv), &fd);
	if (ret < 0 && ret != -EINPROGRESS) {
		if (src && (ret == -EPERM || ret == -EACCES || ret == -EADDRNOTAVAIL))
			log_msg(LOG_LVL_ALERT, "Cannot bind to %ssource address before connect() for backend %s (server %s, %s:%d): %s.",
			        src_flags ? "tproxy " : "", s->be->id, s->srv->id, s->srv->conf_file ? s->srv->conf_file : "?",
			        s->srv->conf_line, strerror(-ret));
		return ret;
	}
	if ((s->be->options & PR_O_SRV_KA) && addr_sa(&s->srv_dst)->sa_family != AF_UNIX)
		sock_set_keepalive(fd, 1, s->be->tcpka[1][0], s->be->tcpka[1][1], s->be->tcpka[1][2]);
	/* polled for input: a connection that strm_early_send() finds
	 * established (the usual case on loopback and LANs) then needs no
	 * change of events; one still in progress is polled for output at
	 * the end of the pass
	 */
	ret = fd_insert(fd, tid, srv_iocb, s, FD_EV_IN | strm_poll_mode(s));
	if (ret < 0) {
		close(fd);
		return ret;
	}
	sock_set_nodelay(fd, 1);
	s->srvside.fd = fd;
	s->srvside.flags = 0;
	s->srvside.ev = 0;
	s->state = ST_CONNECTING;
	/* `proto h2`: the connection takes other streams of the thread while
	 * it connects, as HAProxy's (mux_h2_be.h)
	 */
	if (s->txn && !s->tunnel && (s->srv->flags & SRV_F_PROTO_H2) && s->be->http_reuse != PR_REUSE_NEVER &&
	    !(s->srv->flags & (SRV_F_SEND_PROXY | SRV_F_SEND_PROXY2)) && !server_src_from_client(s->srv)) {
		void *h2 = h2be_new(NULL, NULL, H2BE_PRIOR);

		if (h2 && h2be_offer(h2, s->srv, &s->srv_dst, (int)s->srv->max_reuse1 - 1) == 0) {
			s->srvside.xprt = &xprt_h2be;
			s->srvside.xprt_ctx = h2;
			s->srvside.flags |= SIDE_H2EARLY;
		} else if (h2) {
			xprt_h2be.close(h2);
		}
	}
	s->t_conn = now_ms;
	s->conn_exp = tick_add_ifset(now_ms, strm_connect_timeout(s));
	return 0;
}

/* Picks a server and connects, queues, or gives up (closing the stream).
 * <avoid> is the server that just failed, when redispatching.
 */
/* `persist rdp-cookie`: the UP server whose IPv4 address and port the
 * cookie's value "<addr>.<port>.<reserved>" gives, both decimal numbers
 * of the values in network order (an RDP broker's token redirection), as
 * HAProxy. NULL without one.
 */
static struct server *rdp_persist(struct stream *s)
{
	struct sample_ctx ctx = { .strm = s, .opt = SMP_OPT_FINAL };
	unsigned long v[2] = { 0, 0 };
	struct sample smp;
	const char *p, *end;

	memset(&smp, 0, sizeof(smp));
	if (!sample_eval(s->be->rdp_persist_sample, &ctx, &smp) || smp.data.type != SMP_T_STR)
		return NULL;
	p = smp.data.u.str.ptr;
	end = p + smp.data.u.str.len;
	for (int i = 0; i < 2; i++) {
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			v[i] = v[i] * 10 + (unsigned long)(*p - '0');
		if (p >= end || *p++ != '.')
			return NULL;
	}
	for (struct server *srv = s->be->srv; srv; srv = srv->next) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&srv->addr.ss;

		if (sin->sin_family == AF_INET && sin->sin_port == (uint16_t)v[1] &&
		    sin->sin_addr.s_addr == (uint32_t)v[0] && lb_srv_usable(srv))
			return srv;
	}
	return NULL;
}

void strm_assign_and_connect(struct stream *s, const struct server *avoid)
{
	struct proxy *be = s->be;

	for (;;) {
		struct server *srv = NULL;

		if (!avoid && s->pref_srv && s->pref_srv->proxy == be && lb_srv_usable(s->pref_srv))
			srv = s->pref_srv;   /* persistence cookie */
		if (!srv && !avoid && s->be->rdp_persist_sample)
			srv = rdp_persist(s);
		if (!srv && !avoid && !list_empty(&be->sticking_rules))
			srv = stick_match(s);
		if (srv && lb_srv_full(srv))
			srv = NULL;
		s->srv_direct = srv != NULL;
		if (!srv)
			srv = lb_pick(&be->lb, be->lb.ops && be->lb.ops->needs_key ? lb_key(s) : 0, avoid);

		if (!srv) {
			if (be->lb.nusable && strm_queue_timeout(s)) {
				enter_queue(s);
				return;
			}
			/* no server at all: nothing to do but close */
			strm_set_term(s, 'S', 'C');
			counter_add(&be->ctr[tid].failed_conns, 1);
			s->state = ST_CLOSED;
			return;
		}
		if (srv->redir && s->redir_ok && (s->txn->meth == H1_METH_GET || s->txn->meth == H1_METH_HEAD) &&
		    s->txn->req_body == H1_BODY_NONE) {
			s->srv_redir = srv;   /* `redir`: the request stage answers a 302 */
			return;
		}
		server_conn_inc(srv);
		counter_max(&be->st.cur_max, atomic_fetch_add_explicit(&be->beconn, 1, memory_order_relaxed) + 1);
		server_hold(&s->srv, srv);
		if (s->tw < 0)
			s->tw = (int32_t)(now_ms - s->t_be);
		counter_add(&srv->ctr[tid].cum_conn, 1);
		counter_add(&be->ctr[tid].cum_lbconn, 1);
		freq_ctr_add(&srv->ctr[tid].sess_per_sec, 1000, 1, now_ms);
		freq_ctr_add(&be->ctr[tid].sess_per_sec, 1000, 1, now_ms);
		if (connect_server(s) == 0) {
			if (!list_empty(&be->sticking_rules))
				stick_store(s);
			return;
		}
		/* immediate failure (e.g. no source port): count, try again */
		counter_add(&srv->ctr[tid].failed_conns, 1);
		counter_add(&be->ctr[tid].failed_conns, 1);
		avoid = srv;
		strm_release_server(s);
		if (!s->retries_left--) {
			strm_set_term(s, 'S', 'C');
			s->state = ST_CLOSED;
			return;
		}
		counter_add(&be->ctr[tid].retries, 1);
	}
}

int strm_redispatch_wanted(const struct stream *s, const struct server *srv)
{
	const struct proxy *be = s->be;
	long total = s->retries_set ? (long)s->retries_set - 1 : (long)be->retries;
	long n = total - (long)s->retries_left;   /* this retry's number, from 1 */
	long every = be->redispatch_after > 0 ? be->redispatch_after : total + 1 + be->redispatch_after;
	int act, bck;

	if (!(be->options & PR_O_REDISP) || !srv)
		return 0;
	if (!lb_srv_usable(srv) || (be->redispatch_after && every && n % every == 0))
		return 1;
	if (s->srv_direct || (be->lb.ops && be->lb.ops->hashed))
		return 0;
	server_count_usable(be, &act, &bck);
	return act > 1;
}

/* Sends <s> to another server after its server <srv> failed (the retry
 * already counted down): counted as a redispatch, as HAProxy.
 */
static void redispatch(struct stream *s, struct server *srv)
{
	counter_add(&s->be->ctr[tid].redispatches, 1);
	counter_add(&srv->ctr[tid].redispatches, 1);
	s->redispatched = 1;
	strm_release_server(s);
	strm_assign_and_connect(s, srv);
}

/* The connection to the server failed: retry the same server, or another
 * one as `option redispatch` says (strm_redispatch_wanted()), or give up. As
 * HAProxy, a retry of the same server after an error (not a timeout)
 * waits MIN(1s, timeout connect) first: the turn-around, spent in
 * ST_CONNECTING without a socket (strm_check_connect() then connects).
 */
void strm_connect_failed(struct stream *s)
{
	struct server *srv = s->srv;
	int timed_out = tick_is_expired(s->conn_exp, now_ms);

	counter_add(&srv->ctr[tid].failed_conns, 1);
	counter_add(&s->be->ctr[tid].failed_conns, 1);
	strm_close_srv(s);
	s->preamble_len = 0;
	/* `retry-on` without conn-failure (mode http): no retry at all */
	if (!s->retries_left || (s->txn && !(s->be->retry_on & PR_RE_CONN_FAILED))) {
		strm_set_term(s, timed_out ? 's' : 'S', 'C');
		strm_release_server(s);
		s->state = ST_CLOSED;
		return;
	}
	s->retries_left--;
	if (strm_redispatch_wanted(s, srv)) {
		redispatch(s, srv);   /* at once: no turn-around for another server */
		return;
	}
	counter_add(&s->be->ctr[tid].retries, 1);
	counter_add(&srv->ctr[tid].retries, 1);
	if (!timed_out) {
		unsigned int delay = 1000;

		if (s->be->timeout.connect && s->be->timeout.connect < delay)
			delay = s->be->timeout.connect;
		s->state = ST_CONNECTING;
		s->conn_exp = tick_add(now_ms, delay);
		return;
	}
	if (connect_server(s) < 0)
		strm_connect_failed(s);
}

int strm_retry_request(struct stream *s)
{
	struct server *srv = s->srv;

	if (!s->retries_left)
		return -1;
	s->retries_left--;
	counter_add(&s->be->ctr[tid].retries, 1);
	counter_add(&srv->ctr[tid].retries, 1);
	strm_close_srv(s);
	s->preamble_len = 0;
	if (connect_server(s) < 0)
		strm_connect_failed(s);
	return 0;
}

int strm_abort_connect_req(struct stream *s, int pending)
{
	if (!(s->cli.flags & (SIDE_SHUTR | SIDE_ERROR)))
		return 0;
	if (s->state != ST_QUEUED && (s->state != ST_CONNECTING || s->srvside.fd >= 0))
		return 0;
	if (pending && !(s->cli.flags & SIDE_ERROR) && !(s->be->options & PR_O_ABRT_CLOSE))
		return 0;
	strm_set_term(s, 'C', s->state == ST_QUEUED ? 'Q' : 'C');
	counter_add(&s->fe->ctr[tid].cli_aborts, 1);
	counter_add(&s->be->ctr[tid].cli_aborts, 1);
	if (s->state == ST_QUEUED) {
		s->tw = (int32_t)(now_ms - s->t_be);   /* %Tw: the time queued */
		strm_leave_queue(s);
	}
	return 1;
}

