/*
 * Peers: what a link sends (peers_int.h): resync confirms, acks, then the
 * local changes of each shared table (its update stream) or a full
 * resync walk, encoded by peer_entry.c; and the lag those batches leave
 * until the peer acknowledges them. Thread 0, like the links
 * (doc/internals/peers.md, "Sending").
 */
#include <arpa/inet.h>
#include <string.h>

#include <tollgate/clock.h>
#include <tollgate/peer_entry.h>
#include <tollgate/peer_msg.h>
#include <tollgate/peers.h>
#include <tollgate/stktable.h>
#include <tollgate/ticks.h>

#include "peers_int.h"

#define PEER_OUT_HIGH       65536  /* stop filling the output buffer past this */
#define PEER_BATCH          256    /* entries per update stream or walk step */

/* Scratch for one message payload (thread 0 only). */
static unsigned char scratch[PEER_MSG_MAXLEN + 2 * PEER_VARINT_MAX];

/* Context of the update stream and walk callbacks. */
struct push_ctx {
	struct peer *p;                /* the peer */
	struct peer_table *pt;         /* the table */
	int sent;                      /* updates queued */
};

/* Queues an update of <ts> for the peer of <x>. Shard lock held: only
 * encodes and copies. Returns 0 (an entry that cannot be encoded, or of
 * another shard than the peer's, is skipped).
 */
static int queue_update(struct stktable *t, struct stksess *ts, struct push_ctx *x)
{
	struct peer *p = x->p;
	struct peer_table *pt = x->pt;
	struct peer_conn *c = p->conn;
	unsigned char *m = scratch;
	size_t n = 0, len;
	uint32_t id;
	int inc, timed = p->local && t->def.expire;   /* the lesson keeps each remaining lifetime */

	if (pt->shard && peer_key_shard(pt, ts, pt->shards) != pt->shard)
		return 0;
	if (!pt->defined) {
		len = peer_encode_define(pt, scratch);
		if (peer_send_msg(c, PEER_MSG_CLASS_STKTABLE, PEER_MSG_STKT_DEFINE, scratch, len) < 0)
			return 0;
		pt->defined = 1;
		p->tx_table = pt;
		inc = 0;
	} else if (p->tx_table != pt) {
		len = (size_t)peer_varint_encode(pt->local_id, scratch);
		if (peer_send_msg(c, PEER_MSG_CLASS_STKTABLE, PEER_MSG_STKT_SWITCH, scratch, len) < 0)
			return 0;
		p->tx_table = pt;
		inc = 0;
	} else {
		inc = x->sent > 0 || pt->tx_updates > 0;
	}
	id = pt->last_pushed + 1;
	if (!inc) {
		uint32_t nid = htonl(id);

		memcpy(m, &nid, 4);
		n = 4;
	}
	if (timed) {
		uint32_t exp = atomic_load_explicit(&ts->expire, memory_order_relaxed);
		uint32_t rem = !tick_isset(exp) ? t->def.expire : tick_is_expired(exp, now_ms) ? 1 : exp - now_ms;

		rem = htonl(rem);
		memcpy(m + n, &rem, 4);
		n += 4;
	}
	len = peer_encode_entry(p, t, ts, m + n);
	if (!len)
		return 0;       /* larger than a message: skipped */
	if (peer_send_msg(c, PEER_MSG_CLASS_STKTABLE,
	             timed ? (inc ? PEER_MSG_STKT_INCUPDATE_TIMED : PEER_MSG_STKT_UPDATE_TIMED) :
	             inc ? PEER_MSG_STKT_INCUPDATE : PEER_MSG_STKT_UPDATE, m, n + len) < 0)
		return 1;       /* out of memory: stop, retried later */
	pt->last_pushed = id;
	pt->tx_updates++;
	x->sent++;
	return 0;
}

static int upd_cb(struct stktable *t, struct stksess *ts, uint32_t upd, void *ctx)
{
	return queue_update(t, ts, ctx);
}

static int walk_cb(struct stktable *t, struct stksess *ts, void *ctx)
{
	if (ts)
		queue_update(t, ts, ctx);
	return STKTABLE_WALK_NEXT;
}

/* Remembers that <sent> updates of <pt> ending at its last_pushed left now
 * (the lag's ring, see PEER_LAG_SLOTS).
 */
static void lag_note_batch(struct peer_table *pt, unsigned int sent)
{
	unsigned int i;

	if (!sent)
		return;
	if (pt->lag_n == PEER_LAG_SLOTS) {
		i = (pt->lag_head + pt->lag_n - 1U) % PEER_LAG_SLOTS;   /* merged into the newest */
	} else {
		i = (pt->lag_head + pt->lag_n) % PEER_LAG_SLOTS;
		pt->lag_sent[i] = now_ms ? now_ms : 1;
		pt->lag_n++;
	}
	pt->lag_last[i] = pt->last_pushed;
}

void peer_lag_acked(struct peer_table *pt, uint32_t upd)
{
	while (pt->lag_n && (int32_t)(upd - pt->lag_last[pt->lag_head]) >= 0) {
		pt->lag_head = (uint8_t)((pt->lag_head + 1U) % PEER_LAG_SLOTS);
		pt->lag_n--;
	}
}

/* stktable_updates_pending() filter: the entries the peer of <ctx> gets. */
static int pending_cb(struct stktable *t, struct stksess *ts, uint32_t upd, void *ctx)
{
	const struct peer_table *pt = ctx;

	return !pt->shard || peer_key_shard(pt, ts, pt->shards) == pt->shard;
}

uint32_t peer_table_unsent(struct peer_table *pt)
{
	return stktable_updates_pending(pt->t, &pt->cur, PEER_UNSENT_MAX, pending_cb, pt);
}

uint32_t peer_table_lag(struct peer_table *pt, uint32_t *lag_ms)
{
	int32_t lag = (int32_t)(pt->last_pushed - pt->peer_acked);
	uint8_t n = pt->lag_n, head = pt->lag_head;

	*lag_ms = n ? clock_ticks() - pt->lag_sent[head % PEER_LAG_SLOTS] : 0;
	return (lag > 0 ? (uint32_t)lag : 0) + peer_table_unsent(pt);
}

void peer_push(struct peer *p)
{
	struct peer_conn *c = p->conn;
	struct peers *ps = p->peers;
	size_t before = c->out.len;
	int teaching = 0;

	for (; p->confirm > 0; p->confirm--)
		peer_send_msg(c, PEER_MSG_CLASS_CONTROL, PEER_MSG_CTRL_RESYNCCONFIRM, NULL, 0);
	for (struct peer_table *pt = p->tables; pt; pt = pt->next) {
		if (pt->remote_id && pt->last_get != pt->last_acked) {
			unsigned char a[PEER_VARINT_MAX + 4];
			uint32_t n = htonl(pt->last_get);
			int l = peer_varint_encode(pt->remote_id, a);

			memcpy(a + l, &n, 4);
			peer_send_msg(c, PEER_MSG_CLASS_STKTABLE, PEER_MSG_STKT_ACK, a, (size_t)l + 4);
			pt->last_acked = pt->last_get;
		}
	}
	for (struct peer_table *pt = p->tables; pt; pt = pt->next) {
		struct push_ctx x = { .p = p, .pt = pt, .sent = 0 };

		if (p->local && !c->outgoing)
			break;  /* the old process learns nothing from us: it leaves */
		if (pt->teaching) {
			while (c->out.len < PEER_OUT_HIGH && pt->teaching)
				if (stktable_walk_resume(pt->t, &pt->walk, PEER_BATCH, walk_cb, &x))
					pt->teaching = 0;
			teaching |= pt->teaching;
			p->taught += (uint64_t)x.sent;
			lag_note_batch(pt, x.sent);
			continue;
		}
		while (c->out.len < PEER_OUT_HIGH && !stktable_updates_next(pt->t, &pt->cur, PEER_BATCH, upd_cb, &x))
			;
		if (x.sent && !pt->pend_valid) {
			stktable_updcur_copy(&pt->pend, &pt->cur);
			pt->pend_id = pt->last_pushed;
			pt->pend_valid = 1;
		}
		lag_note_batch(pt, x.sent);
	}
	if ((p->flags & PEER_F_TEACH) && !teaching && !(p->flags & PEER_F_TEACH_SENT)) {
		peer_send_msg(c, PEER_MSG_CLASS_CONTROL, ps->resync == PEERS_RESYNC_DONE ?
		         PEER_MSG_CTRL_RESYNCFINISHED : PEER_MSG_CTRL_RESYNCPARTIAL, NULL, 0);
		p->flags |= PEER_F_TEACH_SENT;
	}
	if (c->out.len != before)
		p->heartbeat = tick_add(now_ms, PEER_HEARTBEAT_MS);
}
