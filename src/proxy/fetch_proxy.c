/*
 * Sample fetches of the proxy layer (HAProxy's names and meanings):
 *   src, src_port, dst, dst_port         client connection addresses
 *   fc_src, fc_dst and _port             the client connection's socket
 *                                        addresses (not a PROXY header's,
 *                                        as HAProxy 2.6), not set-src's
 *   bc_src, bc_dst and _port             the server connection's
 *   src_is_local, dst_is_local, fc_src_is_local, fc_dst_is_local
 *                                        the address is one of the host's
 *   fc_rcvd_proxy                        a PROXY header was received
 *   fe_conn([frontend])                  current connections of a frontend
 *   be_conn([backend])                   current connections of a backend
 *   nbsrv([backend])                     usable servers of a backend
 *   srv_conn([backend/]server)           current connections of a server
 *   srv_sess_rate([backend/]server)      sessions per second handed to a server
 *   connslots([backend])                 free connection + queue slots
 *   be_conn_free([backend])              free connection slots of its servers
 *   fe_req_rate, fe_sess_rate([frontend]), be_sess_rate([backend])
 *                                        events over the last second
 *   act_conn, dst_conn                   connections of the process, of the
 *                                        listener the client reached
 *   txn.conn_retries, txn.redispatched   the stream's connection retries
 *   fe_name, fe_id, be_name, be_id       the stream's frontend and backend
 *   internal.strm.is_htx                 the stream is handled as HTTP
 *   srv_name, srv_id                     the server the stream was sent to
 *   fc_rtt, fc_rttvar, bc_rtt, bc_rttvar kernel's RTT estimate of the client
 *                                        and server connections (TCP_INFO)
 * Without an argument they apply to the stream's own frontend/backend; in
 * a health check, be_* and srv_* name the checked server and its backend.
 * Named proxies are looked up at each evaluation (O(proxies)); fine for
 * rules, and configuration is read-only while workers run.
 */
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tollgate/check.h>
#include <tollgate/clock.h>
#include <tollgate/errmsg.h>
#include <tollgate/http_txn.h>
#include <tollgate/freq_ctr.h>
#include <tollgate/lb.h>
#include <tollgate/listener.h>
#include <tollgate/mux_h2.h>
#include <tollgate/mux_h2_be.h>
#include <tollgate/proxy.h>
#include <tollgate/proxy_proto.h>
#include <tollgate/sample.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>

static struct stream *ctx_stream(const struct sample_ctx *ctx)
{
	return ctx ? ctx->strm : NULL;
}

static int set_addr(struct sample *smp, const struct addr *a, int port)
{
	const struct sockaddr *sa = addr_sa(a);

	if (port) {
		if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
			return 0;
		sample_set_sint(smp, addr_port(a));
		return 1;
	}
	if (sa->sa_family == AF_INET) {
		smp->data.type = SMP_T_IPV4;
		smp->data.u.ipv4 = ((const struct sockaddr_in *)sa)->sin_addr;
		return 1;
	}
	if (sa->sa_family == AF_INET6) {
		smp->data.type = SMP_T_IPV6;
		smp->data.u.ipv6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
		return 1;
	}
	return 0;
}

static int smp_src(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);

	return s ? set_addr(smp, &s->cli_addr, 0) : 0;
}

static int smp_src_port(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);

	return s ? set_addr(smp, &s->cli_addr, 1) : 0;
}

static int local_addr(const struct sample_ctx *ctx, struct addr *a)
{
	struct stream *s = ctx_stream(ctx);

	return s && stream_local_addr(s, a) == 0;
}

static int smp_dst(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct addr a;

	return local_addr(ctx, &a) ? set_addr(smp, &a, 0) : 0;
}

static int smp_dst_port(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct addr a;

	return local_addr(ctx, &a) ? set_addr(smp, &a, 1) : 0;
}

/* The client connection's addresses: its socket's peer and local ones,
 * as HAProxy 2.6 (a PROXY header, set-src and set-dst do not change them).
 */
static int fc_addr(const struct sample_ctx *ctx, int dst, struct addr *a)
{
	struct stream *s = ctx_stream(ctx);

	if (!s)
		return 0;
	if (!dst) {
		*a = s->fc_src;
		return 1;
	}
	if (s->has_fc_dst) {
		*a = s->fc_dst;
		return 1;
	}
	return s->cli.fd >= 0 && sock_get_name(s->cli.fd, a) == 0;
}

/* fc_src (private 0), fc_dst (1), fc_src_port (2), fc_dst_port (3) */
static int smp_fc_addr(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	uintptr_t p = (uintptr_t)smp->kw_private;
	struct addr a;

	return fc_addr(ctx, p & 1, &a) ? set_addr(smp, &a, p & 2) : 0;
}

/* bc_src (private 0), bc_dst (1), bc_src_port (2), bc_dst_port (3): the
 * server connection's, once there is one.
 */
static int smp_bc_addr(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);
	uintptr_t p = (uintptr_t)smp->kw_private;
	struct addr a;

	if (!s || stream_srv_conn(s)->fd < 0)
		return 0;
	if (((p & 1) ? sock_get_peer(stream_srv_conn(s)->fd, &a) : sock_get_name(stream_srv_conn(s)->fd, &a)) < 0)
		return 0;
	return set_addr(smp, &a, p & 2);
}

/* 1 if <a> is an address of this host: binding a socket to it works. */
static int addr_is_local(const struct addr *a)
{
	const struct sockaddr *sa = addr_sa(a);
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, ret;

	if (sa->sa_family == AF_INET)
		len = sizeof(struct sockaddr_in);
	else if (sa->sa_family == AF_INET6)
		len = sizeof(struct sockaddr_in6);
	else
		return -1;
	memcpy(&ss, sa, len);
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ret = bind(fd, (struct sockaddr *)&ss, len) == 0;
	close(fd);
	return ret;
}

/* src_is_local (private 0), dst_is_local (1): the stream's addresses
 * (set-src's included); fc_src_is_local (2), fc_dst_is_local (3): the
 * connection's.
 */
static int smp_is_local(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);
	uintptr_t p = (uintptr_t)smp->kw_private;
	struct addr a;
	int local;

	if (!s)
		return 0;
	if (p & 2) {
		if (!fc_addr(ctx, p & 1, &a))
			return 0;
	} else if (p & 1) {
		if (!local_addr(ctx, &a))
			return 0;
	} else {
		a = s->cli_addr;
	}
	local = addr_is_local(&a);
	if (local < 0)
		return 0;
	sample_set_bool(smp, local);
	return 1;
}

static int smp_fc_rcvd_proxy(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);

	if (!s)
		return 0;
	sample_set_bool(smp, s->pp_rcvd);
	return 1;
}

/* The proxy named by args[0] with <cap>, or the stream's own. */
static struct proxy *arg_proxy(const struct sample_arg *args, const struct sample_ctx *ctx, unsigned int cap)
{
	struct stream *s = ctx_stream(ctx);

	if (args && args[0].type == SMP_ARGT_STR)
		return proxy_find(args[0].data.str.ptr, cap);
	if (!s)
		return NULL;
	if (cap == PR_CAP_FE)
		return s->fe;
	return s->be ? s->be : ((s->fe->cap & PR_CAP_BE) ? s->fe : s->fe->defbe);
}

static int smp_fe_conn(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct proxy *px = arg_proxy(args, ctx, PR_CAP_FE);

	if (!px)
		return 0;
	sample_set_sint(smp, atomic_load_explicit(&px->feconn, memory_order_relaxed));
	return 1;
}

static int smp_be_conn(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct proxy *px = arg_proxy(args, ctx, PR_CAP_BE);

	if (!px)
		return 0;
	sample_set_sint(smp, atomic_load_explicit(&px->beconn, memory_order_relaxed));
	return 1;
}

static int smp_nbsrv(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct proxy *px = arg_proxy(args, ctx, PR_CAP_BE);
	int act, bck;

	if (!px)
		return 0;
	server_count_usable(px, &act, &bck);
	sample_set_sint(smp, act ? act : bck);
	return 1;
}

static int smp_connslots(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct proxy *px = arg_proxy(args, ctx, PR_CAP_BE);
	int64_t slots = 0;

	if (!px)
		return 0;
	for (struct server *srv = px->srv; srv; srv = srv->next) {
		if (!lb_srv_usable(srv))
			continue;
		if (!srv->maxconn) {
			sample_set_sint(smp, -1);   /* unlimited, as HAProxy */
			return 1;
		}
		slots += (int64_t)srv->maxconn - atomic_load(&srv->cur_conns);
	}
	sample_set_sint(smp, slots);
	return 1;
}

/* be_conn_free([backend]): free connection slots of the usable servers,
 * backup ones only when no active server is usable; -1 when one of them
 * has no maxconn (unlimited), as HAProxy.
 */
static int smp_be_conn_free(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct proxy *px = arg_proxy(args, ctx, PR_CAP_BE);
	int64_t free_slots = 0;
	int act, bck;

	if (!px)
		return 0;
	server_count_usable(px, &act, &bck);
	for (struct server *srv = px->srv; srv; srv = srv->next) {
		unsigned int cur;

		if (!lb_srv_usable(srv) || ((srv->flags & SRV_F_BACKUP) && act))
			continue;
		if (!srv->maxconn) {
			sample_set_sint(smp, -1);
			return 1;
		}
		cur = atomic_load(&srv->cur_conns);
		if (srv->maxconn > cur)
			free_slots += srv->maxconn - cur;
	}
	sample_set_sint(smp, free_slots);
	return 1;
}

/* The events of per-thread counter <field> of <px> over the last second. */
static int64_t px_rate(struct proxy *px, size_t field)
{
	uint32_t now = clock_ticks();
	int64_t sum = 0;

	for (int t = 0; t < (thread_count > 0 ? thread_count : 1); t++)
		sum += freq_ctr_read((struct freq_ctr *)((char *)&px->ctr[t] + field), 1000, now);
	return sum;
}

/* fe_req_rate, fe_sess_rate([frontend]), be_sess_rate([backend]): private
 * is the counter's offset in struct pr_counters, + 1 for a backend.
 */
static int smp_px_rate(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	uintptr_t p = (uintptr_t)smp->kw_private;
	struct proxy *px = arg_proxy(args, ctx, (p & 1) ? PR_CAP_BE : PR_CAP_FE);

	if (!px)
		return 0;
	sample_set_sint(smp, px_rate(px, p & ~(uintptr_t)1));
	return 1;
}

static int smp_act_conn(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_sint(smp, listeners_actconn());
	return 1;
}

/* dst_conn: connections currently alive on the listener the client reached. */
static int smp_dst_conn(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);

	if (!s || !s->li)
		return 0;
	sample_set_sint(smp, atomic_load_explicit(&s->li->nbconn, memory_order_relaxed));
	return 1;
}

/* txn.conn_retries: connection attempts retried so far (set-retries or
 * the backend's retries, less those left).
 */
static int smp_conn_retries(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);
	unsigned int total;

	if (!s || !s->be)
		return 0;
	total = s->retries_set ? s->retries_set - 1 : s->be->retries;
	sample_set_sint(smp, total > s->retries_left ? total - s->retries_left : 0);
	return 1;
}

static int smp_redispatched(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);

	if (!s)
		return 0;
	sample_set_bool(smp, s->redispatched);
	return 1;
}

/* The server named by args[0] ("[<backend>/]<server>", the stream's
 * backend without one), or NULL. Looked up at each call: the server may
 * have been added or removed since (`add server`, `del server`).
 */
static struct server *arg_server(const struct sample_arg *args, const struct sample_ctx *ctx)
{
	const char *name = args[0].data.str.ptr, *slash = strchr(name, '/');
	struct proxy *be;

	if (slash) {
		char bname[256];
		size_t n = (size_t)(slash - name);

		if (n >= sizeof(bname))
			return 0;
		memcpy(bname, name, n);
		bname[n] = '\0';
		be = proxy_find(bname, PR_CAP_BE);
		name = slash + 1;
	} else {
		be = arg_proxy(NULL, ctx, PR_CAP_BE);
	}
	return be ? server_find(be, name) : NULL;
}

/* Parse-time check of a server argument: the configuration now names the
 * server, which `del server` must then refuse to remove (HAProxy).
 */
static int check_srv_arg(struct sample_arg *args, char **err)
{
	if (server_conf_ref_add(args[0].data.str.ptr, proxy_parsing) < 0) {
		*err = strdup("out of memory");
		return -1;
	}
	return 0;
}

static int smp_srv_sess_rate(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct server *srv = arg_server(args, ctx);

	if (!srv)
		return 0;
	sample_set_sint(smp, server_sess_rate(srv));
	return 1;
}

/* srv_is_up(<backend>/<server>): operational and not in maintenance. */
static int srv_is_up(const struct server *srv)
{
	return atomic_load(&srv->cur_state) == SRV_ST_RUNNING && !(srv->flags & (SRV_F_MAINT | SRV_F_RMAINT));
}

static int smp_srv_is_up(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct server *srv = arg_server(args, ctx);

	if (!srv)
		return 0;
	sample_set_bool(smp, srv_is_up(srv));
	return 1;
}

/* The integers of a server, told apart by the keyword's private value:
 * srv_conn (current connections), srv_iweight (the configuration's
 * weight), srv_uweight and srv_weight (the one set at run time, also the
 * effective one: Tollgate has no slowstart), srv_queue (streams waiting
 * for it), srv_conn_free (connections it may still take, -1 without
 * maxconn).
 */
enum srv_int { SI_CONN, SI_IWEIGHT, SI_UWEIGHT, SI_QUEUE, SI_CONN_FREE };

static int smp_srv_int(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct server *srv = arg_server(args, ctx);
	unsigned int cur;

	if (!srv)
		return 0;
	switch ((enum srv_int)(uintptr_t)smp->kw_private) {
	case SI_CONN:     sample_set_sint(smp, atomic_load(&srv->cur_conns)); break;
	case SI_IWEIGHT:  sample_set_sint(smp, srv->iweight); break;
	case SI_UWEIGHT:  sample_set_sint(smp, srv->uweight); break;
	case SI_QUEUE:    sample_set_sint(smp, atomic_load(&srv->queued)); break;
	case SI_CONN_FREE:
		cur = atomic_load(&srv->cur_conns);
		sample_set_sint(smp, !srv->maxconn ? -1 : cur >= srv->maxconn ? 0 : (int64_t)(srv->maxconn - cur));
		break;
	}
	return 1;
}

/* queue([<backend>]) (private NULL), avg_queue([<backend>]): the streams
 * waiting in the backend's queue and its servers', in all or per usable
 * server (all when none is usable), as HAProxy.
 */
static int smp_queue(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct proxy *px = arg_proxy(args, ctx, PR_CAP_BE);
	int64_t n;
	int act, bck;

	if (!px)
		return 0;
	n = atomic_load(&px->nbpend);
	for (struct server *srv = px->srv; srv; srv = srv->next)
		n += atomic_load(&srv->queued);
	server_count_usable(px, &act, &bck);
	if (smp->kw_private && (act || bck))
		n = (n + (act ? act : bck) - 1) / (act ? act : bck);
	sample_set_sint(smp, n);
	return 1;
}

static int smp_fe_defbe(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);

	if (!s || !s->fe->defbe)
		return 0;
	sample_set_str(smp, s->fe->defbe->id, strlen(s->fe->defbe->id));
	return 1;
}

static int smp_be_max_retries(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct proxy *px = arg_proxy(args, ctx, PR_CAP_BE);

	if (!px)
		return 0;
	sample_set_sint(smp, px->retries);
	return 1;
}

/* cur_max_retries: the retries of this transaction (set-retries, else
 * the backend's).
 */
static int smp_cur_max_retries(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);

	if (!s)
		return 0;
	if (s->retries_set)
		sample_set_sint(smp, s->retries_set - 1);
	else
		return smp_be_max_retries(NULL, smp, ctx);
	return 1;
}

/* so_name: the `name` of the bind line the client came in by. */
static int smp_so_name(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);

	if (!s || !s->li || !s->li->name)
		return 0;
	sample_set_str(smp, s->li->name, strlen(s->li->name));
	return 1;
}

/* so_id: the id of the bind line the client came in by. */
static int smp_so_id(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);

	if (!s || !s->li)
		return 0;
	sample_set_sint(smp, s->li->luid);
	return 1;
}

/* Converters on a name: nbsrv (a backend's usable servers), srv_is_up and
 * srv_queue (a server, "<backend>/<server>" or one of the expression's
 * backend).
 */
static int conv_name_arg(struct sample *smp, struct sample_arg *arg, char *buf, size_t len)
{
	if (smp->data.u.str.len >= len)
		return 0;
	memcpy(buf, smp->data.u.str.ptr, smp->data.u.str.len);
	buf[smp->data.u.str.len] = '\0';
	arg->type = SMP_ARGT_STR;
	arg->data.str.ptr = buf;
	arg->data.str.len = smp->data.u.str.len;
	return 1;
}

static int conv_nbsrv(const struct sample_arg *args, struct sample *smp, void *private)
{
	struct sample_arg arg;
	char name[256];

	if (!conv_name_arg(smp, &arg, name, sizeof(name)))
		return 0;
	return smp_nbsrv(&arg, smp, smp->ctx);
}

/* be_exists (private PR_CAP_BE), fe_exists (PR_CAP_FE): a proxy with
 * that capability has the input's name.
 */
static int conv_px_exists(const struct sample_arg *args, struct sample *smp, void *private)
{
	struct sample_arg arg;
	char name[256];
	int found;

	found = conv_name_arg(smp, &arg, name, sizeof(name)) &&
	        proxy_find(name, (unsigned int)(uintptr_t)private) != NULL;
	sample_set_bool(smp, found);
	return 1;
}

static int conv_srv(const struct sample_arg *args, struct sample *smp, void *private)
{
	const void *kwp = smp->kw_private;
	struct sample_arg arg;
	char name[512];
	int ret;

	if (!conv_name_arg(smp, &arg, name, sizeof(name)))
		return 0;
	if (!private)
		return smp_srv_is_up(&arg, smp, smp->ctx);
	smp->kw_private = (void *)SI_QUEUE;
	ret = smp_srv_int(&arg, smp, smp->ctx);
	smp->kw_private = kwp;
	return ret;
}

static int smp_fe_name(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);

	if (!s || !s->fe)
		return 0;
	sample_set_str(smp, s->fe->id, strlen(s->fe->id));
	return 1;
}

static int smp_fe_id(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct stream *s = ctx_stream(ctx);

	if (!s || !s->fe)
		return 0;
	sample_set_sint(smp, s->fe->uuid);
	return 1;
}

/* The server of the current connection attempt, or of the last one; in a
 * health check, the checked server.
 */
static const struct server *ctx_target(const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);

	if (!s)
		return ctx && ctx->chk ? ((const struct check_smp *)ctx->chk)->srv : NULL;
	return s->srv ? s->srv : s->prev_srv;
}

/* The stream's backend; in a health check, the checked server's. */
static const struct proxy *ctx_backend(const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);

	if (!s)
		return ctx && ctx->chk ? ctx_target(ctx)->proxy : NULL;
	return s->be;
}

static int smp_be_name(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct proxy *be = ctx_backend(ctx);

	if (!be)
		return 0;
	sample_set_str(smp, be->id, strlen(be->id));
	return 1;
}

static int smp_be_id(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct proxy *be = ctx_backend(ctx);

	if (!be)
		return 0;
	sample_set_sint(smp, be->uuid);
	return 1;
}

static int smp_srv_name(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct server *srv = ctx_target(ctx);

	if (!srv)
		return 0;
	sample_set_str(smp, srv->id, strlen(srv->id));
	return 1;
}

static int smp_srv_id(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct server *srv = ctx_target(ctx);

	if (!srv)
		return 0;
	sample_set_sint(smp, srv->puid);
	return 1;
}

/* fc_rtt([unit]), fc_rttvar, bc_rtt, bc_rttvar: the kernel's smoothed RTT
 * or its variance for the client (fc) or server (bc) socket, in ms, or in
 * us with the argument "us". No value without a TCP socket.
 */
static int smp_rtt(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);
	uintptr_t what = (uintptr_t)smp->kw_private;   /* bit 0: server side, bit 1: variance */
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int fd;

	if (!s)
		return 0;
	fd = (what & 1) ? stream_srv_conn(s)->fd : stream_cli_conn(s)->fd;
	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return 0;
	sample_set_sint(smp, (what & 2) ? ti.tcpi_rttvar : ti.tcpi_rtt);
	if (args[0].type != SMP_ARGT_STR || strcmp(args[0].data.str.ptr, "us"))
		smp->data.u.sint /= 1000;
	return 1;
}

/* fc_http_major: the HTTP major version the client connection speaks, 2
 * for HTTP/2, 1 for HTTP/1.x; none outside HTTP.
 */
static int smp_fc_http_major(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);

	if (!s || !s->http)
		return 0;
	sample_set_sint(smp, s->h2 ? 2 : 1);
	return 1;
}

/* bc_reused: whether the request went over a server connection kept from
 * an earlier request (HAProxy's "last connection was reused"); no value
 * before a server connection (a request the proxy answered itself).
 */
static int smp_bc_reused(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);

	if (!s || !s->srv || stream_srv_conn(s)->fd < 0)
		return 0;
	sample_set_bool(smp, s->txn && s->txn->reused);
	return 1;
}

/* fc_glitches: the protocol abuses counted on the client connection
 * (HTTP/2: see h2_fe.c); 0 for an HTTP/1 one, none outside HTTP.
 */
static int smp_fc_glitches(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);

	if (!s || !s->http)
		return 0;
	sample_set_sint(smp, s->h2 ? h2_stream_glitches(s) : 0);
	return 1;
}

/* fc_nb_streams, fc_settings_streams_limit (kw_private 1): the streams
 * open on the client connection and the most it allows: the HTTP/2 mux's,
 * else 1 and 1 (TCP, HTTP/1.x).
 */
static int smp_fc_streams(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);
	unsigned int limit = 1;
	int nb;

	if (!s)
		return 0;
	nb = s->h2 ? h2_stream_conn_streams(s, &limit) : -1;
	if (nb < 0) {
		nb = 1;
		limit = 1;
	}
	sample_set_sint(smp, smp->kw_private ? (int64_t)limit : nb);
	return 1;
}

/* bc_glitches (kw_private 0), bc_nb_streams (1), bc_settings_streams_limit
 * (2): the server connection's, as fc_*: an HTTP/2 one gives its open
 * streams and the server's SETTINGS_MAX_CONCURRENT_STREAMS, others 1 and
 * 1; no glitch is counted on server connections (0). No value before a
 * server connection.
 */
static int smp_bc_streams(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);
	struct h2_sinfo si = { .nb = 1, .limit = 1 };
	long what = (long)smp->kw_private;

	if (!s || !s->srv || (s->srvside.xprt != &xprt_h2bs && s->srvside.fd < 0))
		return 0;
	h2be_stream_info(&s->srvside, &si);
	sample_set_sint(smp, what == 0 ? 0 : what == 1 ? si.nb : (int64_t)si.limit);
	return 1;
}

/* fs.id, fs.aborted, fs.rst_code (kw_private 0, 1, 2), bs.aborted,
 * bs.rst_code (4, 5): the stream of the client (server) side as its
 * multiplexer sees it (the server's, once closed: what strm_close_srv()
 * kept). On
 * HTTP/2, its stream id, whether the peer reset it (RST_STREAM) and that
 * frame's code; on HTTP/1.x the id is the number of earlier requests on
 * the connection, on TCP 0; never aborted there, and no reset code (as
 * HAProxy).
 */
static int smp_strm_state(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);
	struct h2_sinfo si = { 0 };
	long what = (long)smp->kw_private;
	int h2;

	if (!s)
		return 0;
	if (what >= 3) {
		if (h2be_stream_info(&s->srvside, &si) < 0) {
			si.aborted = s->bs_rst;
			si.rst_code = s->bs_rst_code;
		}
		h2 = si.aborted;   /* only HTTP/2 resets are kept */
		what -= 3;
	} else {
		h2 = h2_stream_info(s, &si) == 0;
		if (!h2 && s->http && s->http_nb_req)
			si.sid = s->http_nb_req - 1;
	}
	if (what == 2 && !(h2 && si.aborted))
		return 0;
	if (what == 1)
		sample_set_bool(smp, si.aborted);
	else
		sample_set_sint(smp, what ? (int64_t)si.rst_code : si.sid);
	return 1;
}

/* txn.id32: the stream's number from the process-wide request counter
 * (the log's %rt; it wraps at 2^32).
 */
static int smp_txn_id32(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);

	if (!s)
		return 0;
	sample_set_sint(smp, s->uniq_id);
	return 1;
}

/* last_rule_file (kw_private 0), last_rule_line (1): where the last final
 * rule that ran for the stream (request) is declared; no value before one.
 */
static int smp_last_rule(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);

	if (!s || !s->last_rule_file)
		return 0;
	if (smp->kw_private)
		sample_set_sint(smp, s->last_rule_line);
	else
		sample_set_str(smp, s->last_rule_file, strlen(s->last_rule_file));
	return 1;
}

/* cpu_calls (kw_private 0): the runs of the stream's task for the request;
 * cpu_ns_avg, cpu_ns_tot, lat_ns_avg, lat_ns_tot (1): the time spent in
 * them and waiting for them, which HAProxy measures only under
 * `profiling.tasks on` and reports as 0 otherwise: Tollgate has no task
 * profiling, so 0.
 */
static int smp_cpu_calls(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);

	if (!s)
		return 0;
	sample_set_sint(smp, smp->kw_private ? 0 : s->calls);
	return 1;
}

static int smp_rtt_check(struct sample_arg *args, char **err)
{
	if (args[0].type == SMP_ARGT_STR && strcmp(args[0].data.str.ptr, "ms") && strcmp(args[0].data.str.ptr, "us")) {
		if (err)
			*err = strdup("the unit must be 'ms' or 'us'");
		return -EINVAL;
	}
	return 0;
}

/* fc_pp_authority, fc_pp_unique_id, fc_pp_tlv(<type>): a TLV of the
 * client's PROXY v2 header (accept-proxy), its bytes as a string.
 */
static int pp_tlv_sample(const struct stream *s, unsigned int type, struct sample *smp)
{
	const unsigned char *val;
	size_t vlen;

	if (!s || !s->pp_tlv || !pp_tlv_find(s->pp_tlv, s->pp_tlv_len, type, &val, &vlen))
		return 0;
	sample_set_str(smp, (const char *)val, vlen);
	return 1;
}

static int smp_fc_pp_authority(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return pp_tlv_sample(ctx_stream(ctx), PP2_TYPE_AUTHORITY, smp);
}

static int smp_fc_pp_unique_id(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return pp_tlv_sample(ctx_stream(ctx), PP2_TYPE_UNIQUE_ID, smp);
}

static int smp_fc_pp_tlv(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return pp_tlv_sample(ctx_stream(ctx), (unsigned int)args[0].data.sint, smp);
}

/* The TLV types fc_pp_tlv() knows by name (HAProxy's spelling). */
static const struct { const char *name; unsigned int type; } pp_tlv_names[] = {
	{ "ALPN", PP2_TYPE_ALPN }, { "AUTHORITY", PP2_TYPE_AUTHORITY },
	{ "CRC32C", PP2_TYPE_CRC32C }, { "NOOP", PP2_TYPE_NOOP },
	{ "UNIQUE_ID", PP2_TYPE_UNIQUE_ID }, { "SSL", PP2_TYPE_SSL },
	{ "NETNS", PP2_TYPE_NETNS },
};

/* fc_pp_tlv's argument: a number 0..255 (decimal or 0x hex) or a name. */
static int check_pp_tlv(struct sample_arg *args, char **err)
{
	const char *v = args[0].data.str.ptr;
	char *end;
	long t = strtol(v, &end, 0);

	if (*v && !*end && t >= 0 && t <= 255)
		goto found;
	for (size_t i = 0; i < sizeof(pp_tlv_names) / sizeof(pp_tlv_names[0]); i++) {
		if (!strcasecmp(v, pp_tlv_names[i].name)) {
			t = pp_tlv_names[i].type;
			goto found;
		}
	}
	return err_set(err, "expected a TLV type: a number from 0 to 255 or one of ALPN, AUTHORITY, CRC32C, NOOP, UNIQUE_ID, SSL, NETNS, not '%s'", v);
found:
	free(args[0].data.str.ptr);
	args[0].type = SMP_ARGT_SINT;
	args[0].data.sint = t;
	return 0;
}

/* internal.strm.is_htx: the stream is handled as HTTP (mode http, or
 * switched to it), HAProxy's "HTX" streams.
 */
static int smp_is_htx(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx_stream(ctx);

	if (!s)
		return 0;
	sample_set_bool(smp, s->http);
	return 1;
}

static struct sample_fetch_kw_list proxy_fetch_list = { .kw = {
	{ "src", smp_src, SMP_ARG0, NULL, SMP_T_ADDR, SMP_USE_ANY },
	{ "src_port", smp_src_port, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "dst", smp_dst, SMP_ARG0, NULL, SMP_T_ADDR, SMP_USE_ANY },
	{ "dst_port", smp_dst_port, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "fc_src", smp_fc_addr, SMP_ARG0, NULL, SMP_T_ADDR, SMP_USE_ANY, (void *)0 },
	{ "fc_dst", smp_fc_addr, SMP_ARG0, NULL, SMP_T_ADDR, SMP_USE_ANY, (void *)1 },
	{ "fc_src_port", smp_fc_addr, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)2 },
	{ "fc_dst_port", smp_fc_addr, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)3 },
	{ "bc_src", smp_bc_addr, SMP_ARG0, NULL, SMP_T_ADDR, SMP_USE_HTTP_RES, (void *)0 },
	{ "bc_dst", smp_bc_addr, SMP_ARG0, NULL, SMP_T_ADDR, SMP_USE_HTTP_RES, (void *)1 },
	{ "bc_src_port", smp_bc_addr, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_HTTP_RES, (void *)2 },
	{ "bc_dst_port", smp_bc_addr, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_HTTP_RES, (void *)3 },
	{ "src_is_local", smp_is_local, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_ANY, (void *)0 },
	{ "dst_is_local", smp_is_local, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_ANY, (void *)1 },
	{ "fc_src_is_local", smp_is_local, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_ANY, (void *)2 },
	{ "fc_dst_is_local", smp_is_local, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_ANY, (void *)3 },
	{ "fc_rcvd_proxy", smp_fc_rcvd_proxy, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_ANY },
	{ "fe_conn", smp_fe_conn, SMP_ARG1(0, STR), NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "be_conn", smp_be_conn, SMP_ARG1(0, STR), NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "nbsrv", smp_nbsrv, SMP_ARG1(0, STR), NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "connslots", smp_connslots, SMP_ARG1(0, STR), NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "be_conn_free", smp_be_conn_free, SMP_ARG1(0, STR), NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "fe_req_rate", smp_px_rate, SMP_ARG1(0, STR), NULL, SMP_T_SINT, SMP_USE_ANY,
	  (void *)offsetof(struct pr_counters, req_per_sec) },
	{ "fe_sess_rate", smp_px_rate, SMP_ARG1(0, STR), NULL, SMP_T_SINT, SMP_USE_ANY,
	  (void *)offsetof(struct pr_counters, sess_per_sec) },
	{ "be_sess_rate", smp_px_rate, SMP_ARG1(0, STR), NULL, SMP_T_SINT, SMP_USE_ANY,
	  (void *)(offsetof(struct pr_counters, sess_per_sec) + 1) },
	{ "act_conn", smp_act_conn, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "dst_conn", smp_dst_conn, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "cpu_calls", smp_cpu_calls, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)0 },
	{ "cpu_ns_avg", smp_cpu_calls, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)1 },
	{ "cpu_ns_tot", smp_cpu_calls, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)1 },
	{ "lat_ns_avg", smp_cpu_calls, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)1 },
	{ "lat_ns_tot", smp_cpu_calls, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)1 },
	{ "last_rule_file", smp_last_rule, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_ANY, (void *)0 },
	{ "last_rule_line", smp_last_rule, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)1 },
	{ "txn.id32", smp_txn_id32, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "txn.conn_retries", smp_conn_retries, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_HTTP_RES },
	{ "txn.redispatched", smp_redispatched, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_HTTP_RES },
	{ "srv_conn", smp_srv_int, SMP_ARG1(1, STR), check_srv_arg, SMP_T_SINT, SMP_USE_ANY, (void *)SI_CONN },
	{ "srv_sess_rate", smp_srv_sess_rate, SMP_ARG1(1, STR), check_srv_arg, SMP_T_SINT, SMP_USE_ANY },
	{ "fe_name", smp_fe_name, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_ANY },
	{ "internal.strm.is_htx", smp_is_htx, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_ANY },
	{ "fe_id", smp_fe_id, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY },
	/* the backend is known from the content rules on (HAProxy's BKEND) */
	{ "be_name", smp_be_name, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_ANY & ~(SMP_USE_L4CLI | SMP_USE_L5CLI) },
	{ "be_id", smp_be_id, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY & ~(SMP_USE_L4CLI | SMP_USE_L5CLI) },
	{ "srv_name", smp_srv_name, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_HTTP_RES },
	{ "srv_id", smp_srv_id, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_HTTP_RES },
	{ "fc_http_major", smp_fc_http_major, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "bc_reused", smp_bc_reused, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_HTTP_RES },
	{ "fc_glitches", smp_fc_glitches, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "bc_glitches", smp_bc_streams, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)0 },
	{ "bc_nb_streams", smp_bc_streams, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)1 },
	{ "bc_settings_streams_limit", smp_bc_streams, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)2 },
	{ "fs.id", smp_strm_state, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)0 },
	{ "bs.aborted", smp_strm_state, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_ANY, (void *)4 },
	{ "bs.rst_code", smp_strm_state, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)5 },
	{ "fs.aborted", smp_strm_state, SMP_ARG0, NULL, SMP_T_BOOL, SMP_USE_ANY, (void *)1 },
	{ "fs.rst_code", smp_strm_state, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)2 },
	{ "fc_nb_streams", smp_fc_streams, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY },
	{ "fc_settings_streams_limit", smp_fc_streams, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)1 },
	{ "fc_rtt", smp_rtt, SMP_ARG1(0, STR), smp_rtt_check, SMP_T_SINT, SMP_USE_ANY, (void *)0 },
	{ "fc_rttvar", smp_rtt, SMP_ARG1(0, STR), smp_rtt_check, SMP_T_SINT, SMP_USE_ANY, (void *)2 },
	{ "bc_rtt", smp_rtt, SMP_ARG1(0, STR), smp_rtt_check, SMP_T_SINT, SMP_USE_ANY, (void *)1 },
	{ "bc_rttvar", smp_rtt, SMP_ARG1(0, STR), smp_rtt_check, SMP_T_SINT, SMP_USE_ANY, (void *)3 },
	{ "fc_pp_authority", smp_fc_pp_authority, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_ANY },
	{ "fc_pp_unique_id", smp_fc_pp_unique_id, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_ANY },
	{ "fc_pp_tlv", smp_fc_pp_tlv, SMP_ARG1(1, STR), check_pp_tlv, SMP_T_STR, SMP_USE_ANY },
	{ "srv_is_up", smp_srv_is_up, SMP_ARG1(1, STR), check_srv_arg, SMP_T_BOOL, SMP_USE_ANY },
	{ "srv_iweight", smp_srv_int, SMP_ARG1(1, STR), check_srv_arg, SMP_T_SINT, SMP_USE_ANY, (void *)SI_IWEIGHT },
	{ "srv_uweight", smp_srv_int, SMP_ARG1(1, STR), check_srv_arg, SMP_T_SINT, SMP_USE_ANY, (void *)SI_UWEIGHT },
	{ "srv_weight", smp_srv_int, SMP_ARG1(1, STR), check_srv_arg, SMP_T_SINT, SMP_USE_ANY, (void *)SI_UWEIGHT },
	{ "srv_queue", smp_srv_int, SMP_ARG1(1, STR), check_srv_arg, SMP_T_SINT, SMP_USE_ANY, (void *)SI_QUEUE },
	{ "srv_conn_free", smp_srv_int, SMP_ARG1(1, STR), check_srv_arg, SMP_T_SINT, SMP_USE_ANY, (void *)SI_CONN_FREE },
	{ "queue", smp_queue, SMP_ARG1(0, STR), NULL, SMP_T_SINT, SMP_USE_ANY, NULL },
	{ "avg_queue", smp_queue, SMP_ARG1(0, STR), NULL, SMP_T_SINT, SMP_USE_ANY, (void *)1 },
	{ "fe_defbe", smp_fe_defbe, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_ANY },
	{ "be_max_retries", smp_be_max_retries, SMP_ARG1(0, STR), NULL, SMP_T_SINT, SMP_USE_ANY & ~(SMP_USE_L4CLI | SMP_USE_L5CLI) },
	{ "cur_max_retries", smp_cur_max_retries, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY & ~(SMP_USE_L4CLI | SMP_USE_L5CLI) },
	{ "so_name", smp_so_name, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_ANY },
	{ "so_id", smp_so_id, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY },
	{ NULL, NULL, 0, NULL, 0, 0 },
} };

static struct sample_conv_kw_list proxy_conv_list = { .kw = {
	{ "nbsrv", conv_nbsrv, SMP_ARG0, NULL, SMP_T_STR, SMP_T_SINT, NULL },
	{ "be_exists", conv_px_exists, SMP_ARG0, NULL, SMP_T_STR, SMP_T_BOOL, (void *)(uintptr_t)PR_CAP_BE },
	{ "fe_exists", conv_px_exists, SMP_ARG0, NULL, SMP_T_STR, SMP_T_BOOL, (void *)(uintptr_t)PR_CAP_FE },
	{ "srv_is_up", conv_srv, SMP_ARG0, NULL, SMP_T_STR, SMP_T_BOOL, NULL },
	{ "srv_queue", conv_srv, SMP_ARG0, NULL, SMP_T_STR, SMP_T_SINT, (void *)1 },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void fetch_proxy_register(void)
{
	sample_register_fetches(&proxy_fetch_list);
	sample_register_convs(&proxy_conv_list);
}
