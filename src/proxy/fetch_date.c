/*
 * The stream's dates, HAProxy's fetches accept_date([<unit>]) and
 * request_date([<unit>]): seconds since the epoch, or ms or us with the
 * unit "ms" or "us".
 *
 * accept_date is when the connection was accepted; in HTTP, when it became
 * ready for the current request (the end of the previous response on a
 * keep-alive connection), as HAProxy resets it. request_date is when the
 * first byte of the request head came (%tr), the accept date in TCP mode.
 *
 * The stream keeps these instants on the coarse clock (now_ms, ms); the
 * wall clock is read when the fetch runs and the elapsed time taken off,
 * so the microseconds are those of a millisecond date.
 */
#include <stdint.h>
#include <time.h>

#include <tollgate/clock.h>
#include <tollgate/http_txn.h>
#include <tollgate/sample.h>
#include <tollgate/stream-t.h>

static int date_unit_check(struct sample_arg *args, char **err)
{
	return sample_time_unit_check(&args[0], err);
}

/* private NULL: accept_date; non-NULL: request_date. */
static int smp_stream_date(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	const struct http_txn *txn = ctx ? ctx->txn : NULL;
	uint32_t tick;
	struct timespec ts;
	int64_t us;
	int64_t unit = args[0].type == SMP_ARGT_SINT ? args[0].data.sint : 0;

	if (!s)
		return 0;
	tick = s->t_accept;
	if (txn && txn->t_req_start) {
		tick = txn->t_req_start;
		if (!smp->kw_private && txn->ti > 0)
			tick -= (uint32_t)txn->ti;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	us = (us / 1000 - (int32_t)(now_ms - tick)) * 1000;
	sample_set_sint(smp, unit == 2 ? us : unit == 1 ? us / 1000 : us / 1000000);
	return 1;
}

static struct sample_fetch_kw_list date_fetches = { .kw = {
	{ "accept_date",  smp_stream_date, SMP_ARG1(0, STR), date_unit_check, SMP_T_SINT, SMP_USE_ANY, NULL },
	{ "request_date", smp_stream_date, SMP_ARG1(0, STR), date_unit_check, SMP_T_SINT,
	  SMP_USE_HTTP_REQ | SMP_USE_L6REQ | SMP_USE_HTTP_RES, "r" },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void fetch_date_register(void)
{
	sample_register_fetches(&date_fetches);
}
