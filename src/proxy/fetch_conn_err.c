/*
 * Sample fetches of the connection errors (HAProxy's names and codes):
 *   fc_err, fc_err_str, fc_err_name   the client connection's
 *   bc_err, bc_err_str, bc_err_name   the server connection's
 * as an id, HAProxy's message, HAProxy's short name.
 *
 * A connection error in HAProxy's sense (a PROXY header, a TLS handshake,
 * a connect() that failed) ends the connection before it carries a stream:
 * the error log line reports it (doc/configuration.md, "Error logs"), and a
 * stream only ever sees a connection that succeeded, id 0 ("Success", an
 * empty name). The server side has a value only once a server connection
 * was established, as in HAProxy 2.6 where a refused connection leaves
 * none ("-" in a log line).
 */
#include <stdint.h>
#include <string.h>

#include <tollgate/sample.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>

/* What a fetch returns (its kw_private): bit 0 the server side, the rest
 * the form.
 */
enum cerr_form { CERR_ID = 0, CERR_STR = 2, CERR_NAME = 4 };

static int smp_conn_err(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	uintptr_t p = (uintptr_t)smp->kw_private;

	(void)args;
	if (!s)
		return 0;
	/* the server connection: open now, or established once (%Tc) */
	if ((p & 1) && s->srvside.fd < 0 && s->tc < 0)
		return 0;
	switch ((enum cerr_form)(p & ~(uintptr_t)1)) {
	case CERR_STR:
		sample_set_str(smp, "Success", 7);
		break;
	case CERR_NAME:
		sample_set_str(smp, "", 0);
		break;
	default:
		sample_set_sint(smp, 0);
		break;
	}
	return 1;
}

#define CERR(name, type, priv) { name, smp_conn_err, SMP_ARG0, NULL, type, SMP_USE_ANY, (void *)(uintptr_t)(priv) }

static struct sample_fetch_kw_list conn_err_fetch_list = { .kw = {
	CERR("fc_err", SMP_T_SINT, CERR_ID),
	CERR("fc_err_str", SMP_T_STR, CERR_STR),
	CERR("fc_err_name", SMP_T_STR, CERR_NAME),
	CERR("bc_err", SMP_T_SINT, CERR_ID | 1),
	CERR("bc_err_str", SMP_T_STR, CERR_STR | 1),
	CERR("bc_err_name", SMP_T_STR, CERR_NAME | 1),
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void fetch_conn_err_register(void)
{
	sample_register_fetches(&conn_err_fetch_list);
}
