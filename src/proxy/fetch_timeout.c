/*
 * Sample fetches of the timeouts (HAProxy's names and meanings), in ms:
 *   fe_client_timeout                     the frontend's `timeout client`
 *   fe_tarpit_timeout                     the frontend's `timeout tarpit`
 *                                         (falling back to `timeout connect`)
 *   be_server_timeout, be_connect_timeout, be_queue_timeout,
 *   be_tunnel_timeout, be_tarpit_timeout  the backend's (queue and tarpit
 *                                         fall back to `timeout connect`)
 *   cur_client_timeout, cur_server_timeout, cur_connect_timeout,
 *   cur_queue_timeout, cur_tunnel_timeout, cur_tarpit_timeout
 *                                         those in force for the stream:
 *                                         changed by `set-timeout`
 * The backend is the stream's once chosen, its frontend before.
 */
#include <stdint.h>

#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>

/* What a fetch reads (its kw_private). */
enum tmo_kind {
	TMO_FE_CLIENT = 0, TMO_BE_SERVER, TMO_BE_CONNECT, TMO_BE_QUEUE, TMO_BE_TUNNEL, TMO_BE_TARPIT,
	TMO_FE_TARPIT, TMO_CUR_CLIENT, TMO_CUR_SERVER, TMO_CUR_CONNECT, TMO_CUR_QUEUE, TMO_CUR_TUNNEL, TMO_CUR_TARPIT,
};

static int smp_timeout(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	const struct proxy *be;
	unsigned int v;

	if (!s || !s->fe)
		return 0;
	be = s->be ? s->be : s->fe;
	switch ((enum tmo_kind)(uintptr_t)smp->kw_private) {
	case TMO_FE_CLIENT: v = s->fe->timeout.client; break;
	case TMO_BE_SERVER: v = be->timeout.server; break;
	case TMO_BE_CONNECT: v = be->timeout.connect; break;
	case TMO_BE_QUEUE: v = be->timeout.queue ? be->timeout.queue : be->timeout.connect; break;
	case TMO_BE_TUNNEL: v = be->timeout.tunnel; break;
	case TMO_BE_TARPIT: v = be->timeout.tarpit ? be->timeout.tarpit : be->timeout.connect; break;
	case TMO_FE_TARPIT: v = s->fe->timeout.tarpit ? s->fe->timeout.tarpit : s->fe->timeout.connect; break;
	case TMO_CUR_CLIENT: v = strm_client_timeout(s); break;
	case TMO_CUR_SERVER: v = strm_server_timeout(s); break;
	case TMO_CUR_CONNECT: v = strm_connect_timeout(s); break;
	case TMO_CUR_QUEUE: v = strm_queue_timeout(s); break;
	case TMO_CUR_TUNNEL: v = strm_tunnel_timeout(s); break;
	default: v = strm_tarpit_timeout(s); break;
	}
	sample_set_sint(smp, v);
	return 1;
}

#define TMO(name, kind) { name, smp_timeout, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)(uintptr_t)(kind) }

static struct sample_fetch_kw_list timeout_fetch_list = { .kw = {
	TMO("fe_client_timeout", TMO_FE_CLIENT),
	TMO("fe_tarpit_timeout", TMO_FE_TARPIT),
	TMO("be_server_timeout", TMO_BE_SERVER),
	TMO("be_connect_timeout", TMO_BE_CONNECT),
	TMO("be_queue_timeout", TMO_BE_QUEUE),
	TMO("be_tunnel_timeout", TMO_BE_TUNNEL),
	TMO("be_tarpit_timeout", TMO_BE_TARPIT),
	TMO("cur_client_timeout", TMO_CUR_CLIENT),
	TMO("cur_server_timeout", TMO_CUR_SERVER),
	TMO("cur_connect_timeout", TMO_CUR_CONNECT),
	TMO("cur_queue_timeout", TMO_CUR_QUEUE),
	TMO("cur_tunnel_timeout", TMO_CUR_TUNNEL),
	TMO("cur_tarpit_timeout", TMO_CUR_TARPIT),
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void fetch_timeout_register(void)
{
	sample_register_fetches(&timeout_fetch_list);
}
