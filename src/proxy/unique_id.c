/*
 * Unique request ids. See unique_id.h.
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/errmsg.h>
#include <tollgate/http_msg.h>
#include <tollgate/http_txn.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/stream-t.h>
#include <tollgate/unique_id.h>

int unique_id_finalize(struct proxy *px, char **err)
{
	char *why = NULL;

	if (!px->uid_format || px->uid_fmt)
		return 0;
	px->uid_fmt = logformat_parse(px->uid_format, SMP_USE_HTTP_REQ, &why);
	if (!px->uid_fmt) {
		err_set(err, "unique-id-format '%s': %s", px->uid_format, why ? why : "out of memory");
		free(why);
		return -1;
	}
	return 0;
}

const char *unique_id_get(struct stream *s, size_t *len)
{
	struct http_txn *txn = s ? s->txn : NULL;

	if (!txn || !s->fe->uid_fmt)
		return NULL;
	if (txn->uid_len < 0) {
		char buf[UNIQUE_ID_LEN + 1];
		size_t n;

		txn->uid_len = 0;   /* a format reading unique-id sees it empty, no recursion */
		n = logformat_render(s->fe->uid_fmt, s, buf, sizeof(buf));
		memcpy(txn->uid, buf, n);
		txn->uid_len = (int)n;
	}
	*len = (size_t)txn->uid_len;
	return txn->uid;
}

int unique_id_add_header(struct stream *s)
{
	const struct proxy *fe = s->fe;
	const char *id;
	size_t len;

	if (!fe->uid_header || !(id = unique_id_get(s, &len)))
		return 0;
	return http_hdr_add(&s->txn->req, fe->uid_header, strlen(fe->uid_header), id, len);
}

/* unique-id: the transaction's id (generated now if not yet). */
static int smp_unique_id(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	size_t len;
	const char *id = unique_id_get(ctx ? ctx->strm : NULL, &len);

	if (!id)
		return 0;
	sample_set_str(smp, id, len);
	return 1;
}

static struct sample_fetch_kw_list unique_id_fetches = { .kw = {
	{ "unique-id", smp_unique_id, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_HTTP_REQ | SMP_USE_HTTP_RES },
	{ NULL, NULL, 0, NULL, 0, 0 },
} };

__attribute__((constructor)) static void unique_id_register(void)
{
	sample_register_fetches(&unique_id_fetches);
}
