/*
 * capture-req(<id>), capture-res(<id>) (HAProxy's 7.3.1): store the
 * string sample in the frontend's request (response) capture slot <id>
 * (`capture request|response header`, `declare capture`, numbered from 0
 * in the order of declaration), cut to the slot's length, and pass it on
 * unchanged; no sample without such a slot or outside an HTTP
 * transaction, as HAProxy.
 */
#include <string.h>

#include <tollgate/http_txn.h>
#include <tollgate/proxy-t.h>
#include <tollgate/sample.h>
#include <tollgate/stream-t.h>

/* <private> non-NULL: the response slots. */
static int conv_capture(const struct sample_arg *args, struct sample *smp, void *private)
{
	const struct sample_ctx *ctx = smp->ctx;
	const struct stream *s = ctx ? ctx->strm : NULL;
	struct http_txn *txn = ctx ? ctx->txn : NULL;
	int res = private != NULL;
	int64_t id = args[0].data.sint;
	const struct pr_capture *c;
	size_t n = smp->data.u.str.len;

	if (!s || !txn || !s->fe || id < 0 || id >= (res ? s->fe->nb_cap_res : s->fe->nb_cap_req))
		return 0;
	c = res ? &s->fe->cap_res[id] : &s->fe->cap_req[id];
	if (n > c->len)
		n = c->len;
	memcpy(txn->cap[res][id], smp->data.u.str.ptr, n);
	txn->cap_len[res][id] = (int16_t)n;
	return 1;
}

static struct sample_conv_kw_list conv_capture_kws = { .kw = {
	{ "capture-req", conv_capture, SMP_ARG1(1, SINT), NULL, SMP_T_STR, SMP_T_STR, NULL },
	{ "capture-res", conv_capture, SMP_ARG1(1, SINT), NULL, SMP_T_STR, SMP_T_STR, (void *)1 },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void conv_capture_register(void)
{
	sample_register_convs(&conv_capture_kws);
}
