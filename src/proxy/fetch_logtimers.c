/*
 * Sample fetches of the log's timers and byte counts (HAProxy 3.x's names,
 * section 7.3.3 of its manual): each returns what the matching %-variable
 * of the log line renders, computed by the same function, as of the moment
 * it is evaluated (in the log line: the line's own value).
 *
 *   fc.timer.handshake %Th   req.timer.idle %Ti   req.timer.hdr %TR
 *   req.timer.tq %Tq         req.timer.queue %Tw  bc.timer.connect %Tc
 *   res.timer.hdr %Tr        res.timer.data %Td   txn.timer.total %Ta
 *   txn.timer.user %Tu       fc.timer.total %Tt
 *   bytes_in, req.bytes_in, req.bytes_out %U
 *   bytes_out, res.bytes_in, res.bytes_out %B
 *
 * Tollgate counts a message's bytes once, as they are forwarded: the "in"
 * and "out" counts of one direction are the same number. Nothing is
 * counted for these fetches: they read the stream's existing timestamps
 * and totals.
 */
#include <stdint.h>

#include <tollgate/logformat.h>
#include <tollgate/sample.h>

/* What a fetch reads (its kw_private). */
enum lt_kind {
	LT_TH = 0, LT_TI, LT_TR, LT_TQ, LT_TW, LT_TC, LT_TRS, LT_TD, LT_TA, LT_TU, LT_TT,
	LT_UP, LT_DOWN,
};

static int smp_log_timer(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	struct log_timers t;
	int64_t v;

	(void)args;
	if (!s)
		return 0;
	logformat_timers(s, &t);
	switch ((enum lt_kind)(uintptr_t)smp->kw_private) {
	case LT_TH: v = t.th; break;
	case LT_TI: v = t.ti; break;
	case LT_TR: v = t.tr; break;
	case LT_TQ: v = t.tq; break;
	case LT_TW: v = t.tw; break;
	case LT_TC: v = t.tc; break;
	case LT_TRS: v = t.trs; break;
	case LT_TD: v = t.td; break;
	case LT_TA: v = t.ta; break;
	case LT_TU: v = t.tu; break;
	default: v = t.tt; break;
	}
	sample_set_sint(smp, v);
	return 1;
}

static int smp_log_bytes(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	const struct stream *s = ctx ? ctx->strm : NULL;
	uint64_t up, down;

	(void)args;
	if (!s)
		return 0;
	logformat_bytes(s, &up, &down);
	sample_set_sint(smp, (int64_t)((enum lt_kind)(uintptr_t)smp->kw_private == LT_UP ? up : down));
	return 1;
}

#define LT(name, fn, kind) { name, fn, SMP_ARG0, NULL, SMP_T_SINT, SMP_USE_ANY, (void *)(uintptr_t)(kind) }

static struct sample_fetch_kw_list logtimer_fetch_list = { .kw = {
	LT("fc.timer.handshake", smp_log_timer, LT_TH),
	LT("req.timer.idle", smp_log_timer, LT_TI),
	LT("req.timer.hdr", smp_log_timer, LT_TR),
	LT("req.timer.tq", smp_log_timer, LT_TQ),
	LT("req.timer.queue", smp_log_timer, LT_TW),
	LT("bc.timer.connect", smp_log_timer, LT_TC),
	LT("res.timer.hdr", smp_log_timer, LT_TRS),
	LT("res.timer.data", smp_log_timer, LT_TD),
	LT("txn.timer.total", smp_log_timer, LT_TA),
	LT("txn.timer.user", smp_log_timer, LT_TU),
	LT("fc.timer.total", smp_log_timer, LT_TT),
	LT("bytes_in", smp_log_bytes, LT_UP),
	LT("req.bytes_in", smp_log_bytes, LT_UP),
	LT("req.bytes_out", smp_log_bytes, LT_UP),
	LT("bytes_out", smp_log_bytes, LT_DOWN),
	LT("res.bytes_in", smp_log_bytes, LT_DOWN),
	LT("res.bytes_out", smp_log_bytes, LT_DOWN),
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void fetch_logtimers_register(void)
{
	sample_register_fetches(&logtimer_fetch_list);
}
