/*
 * Stick-table update log.
 *
 * A local change (touch_local, expiry override) stamps the entry with the
 * table's current epoch (ts->upd) under its shard lock, and every move to a
 * touch list tail stamps ts->pos with it too. Writers only *read* the epoch,
 * a read-mostly cache line: no shared write, no shared lock per update.
 *
 * A consumer closes the epoch E (atomic increment to E+1) and visits the
 * shards one by one under their locks. In a shard's touch list, positions
 * never decrease from head to tail (the epoch only grows and is read under
 * the shard lock at each move), so walking back from the tail it stops at
 * the first entry with pos <= since: the cost is the entries moved since
 * then, not the table. Override lists are scanned whole (they are small).
 *
 * Guarantee: a change whose shard lock was released before the consumer
 * increments the epoch carries an id <= E and is reported by this call (or
 * was by an earlier one, unless changed again since). A change made after
 * the consumer visited the entry's shard reads the new epoch (the shard
 * lock orders it after the increment), so it carries an id > E and the next
 * call reports it. Only an entry's latest change is kept ("entries changed
 * since X"), and an entry removed meanwhile is not reported. Ids are
 * 32-bit and compared with wrapping arithmetic.
 */
#include <tollgate/lock.h>
#include <tollgate/stktable.h>

/* Returns 1 if epoch <a> is after epoch <b>. */
static inline int epoch_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

uint32_t stktable_updates_collect(struct stktable *t, uint32_t since, stktable_upd_fn fn, void *ctx)
{
	struct stksess *ts;
	uint32_t closed, i;
	int stop = 0;

	closed = atomic_fetch_add_explicit(&t->epoch, 1, memory_order_seq_cst);
	if (closed + 1 == 0)
		atomic_fetch_add_explicit(&t->epoch, 1, memory_order_seq_cst);  /* 0 means "none" */

	for (i = 0; i < t->nb_shards && !stop; i++) {
		struct stktable_shard *sh = &t->shards[i];
		struct list *l;

		spin_lock(&sh->lock);
		for (l = sh->touch.prev; l != &sh->touch && !stop; l = l->prev) {
			ts = list_elem(l, struct stksess, list);
			if (!epoch_after(ts->pos, since))
				break;
			if (ts->upd && epoch_after(ts->upd, since) && !epoch_after(ts->upd, closed))
				stop = fn(t, ts, ts->upd, ctx);
		}
		if (!stop) {
			list_for_each(ts, &sh->ovr, list) {
				if (ts->upd && epoch_after(ts->upd, since) && !epoch_after(ts->upd, closed))
					if ((stop = fn(t, ts, ts->upd, ctx)))
						break;
			}
		}
		spin_unlock(&sh->lock);
	}
	return closed;
}
