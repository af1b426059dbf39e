/*
 * Sample fetches of a stream's connections and state (HAProxy's names):
 *   fc_lost, fc_retrans, fc_sacked, fc_reordering, fc_fackets, fc_unacked
 *                          the kernel's TCP_INFO counters of the client
 *                          connection (none without a TCP socket)
 *   bc_http_major          the HTTP major version spoken to the server: 2
 *                          over HTTP/2, else 1; none without a server
 *                          connection
 *   txn.sess_term_state    the two termination letters of the log (%ts),
 *                          as of now
 *   bc_be_queue, bc_srv_queue
 *                          what the log's %bq and %sq give
 * Each reads what the stream already holds (TCP_INFO: one getsockopt()
 * when evaluated): nothing is counted for them.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include <tollgate/http_txn.h>
#include <tollgate/mux_h2_be.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/server.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>

/* Which TCP_INFO counter (kw_private). */
enum tcpi_kind { TI_LOST = 0, TI_RETRANS, TI_SACKED, TI_REORDERING, TI_FACKETS, TI_UNACKED };

static int smp_tcpi(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int fd;
	uint32_t v;

	(void)args;
	if (!s)
		return 0;
	fd = stream_cli_conn(s)->fd;
	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return 0;
	switch ((enum tcpi_kind)(uintptr_t)smp->kw_private) {
	case TI_LOST: v = ti.tcpi_lost; break;
	case TI_RETRANS: v = ti.tcpi_retrans; break;
	case TI_SACKED: v = ti.tcpi_sacked; break;
	case TI_REORDERING: v = ti.tcpi_reordering; break;
	case TI_FACKETS: v = ti.tcpi_fackets; break;
	default: v = ti.tcpi_unacked; break;
	}
	sample_set_sint(smp, v);
	return 1;
}

static int smp_bc_http_major(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;

	(void)args;
	if (!s || !s->http || s->srvside.fd < 0)
		return 0;
	sample_set_sint(smp, s->srvside.xprt == &xprt_h2be ? 2 : 1);
	return 1;
}

static int smp_sess_term_state(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	const struct http_txn *txn;

	(void)args;
	if (!s)
		return 0;
	txn = s->txn;
	/* the transaction keeps its letters once logged, as the log line */
	sample_set_str(smp, txn && (txn->flags & TX_LOGGED) ? txn->term : s->term, 2);
	return 1;
}

static int smp_bc_queue(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;

	(void)args;
	if (!s)
		return 0;
	if (smp->kw_private)
		sample_set_sint(smp, s->srv ? atomic_load(&s->srv->queued) : 0);
	else
		sample_set_sint(smp, s->be ? atomic_load(&s->be->nbpend) : 0);
	return 1;
}

#define TCPI(name, kind) { name, smp_tcpi, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)(uintptr_t)(kind) }

static struct sample_fetch_kw_list conn_fetch_list = { .kw = {
	TCPI("fc_lost", TI_LOST),
	TCPI("fc_retrans", TI_RETRANS),
	TCPI("fc_sacked", TI_SACKED),
	TCPI("fc_reordering", TI_REORDERING),
	TCPI("fc_fackets", TI_FACKETS),
	TCPI("fc_unacked", TI_UNACKED),
	{ "bc_http_major", smp_bc_http_major, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_HTTP_RES, NULL },
	{ "txn.sess_term_state", smp_sess_term_state, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_ANY, NULL },
	{ "bc_be_queue", smp_bc_queue, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, NULL },
	{ "bc_srv_queue", smp_bc_queue, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)1 },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void fetch_conn_register(void)
{
	sample_register_fetches(&conn_fetch_list);
}
