/*
 * Stick-table update stream.
 *
 * Every move of an entry to its shard's touch list tail takes the shard's
 * next sequence number (ts->pos), and a local change (touch_local, expiry
 * override) records it as the entry's change (ts->upd). Both are written
 * under the shard lock the writer already holds: no shared write, no new
 * lock on the per-request path. Remote touches move the entry but leave
 * ts->upd alone, so data learned from a peer is never reported again.
 *
 * In a touch list positions grow strictly from head to tail, and an
 * entry's change is never later than its position. A consumer's cursor
 * keeps, per shard, where its current pass began (base) and how far it
 * went (pos). Entries changed after the base all lie after it; those
 * before pos were reported already (an entry changed since moved to the
 * tail, after pos). So a pass goes back from the tail to the first entry
 * at or before pos, then forward, reporting entries with upd > base and
 * advancing pos entry by entry: it can stop anywhere and resume exactly
 * there. (Comparing upd with pos would lose an entry changed before the
 * stop but moved beyond it since, by a lookup or a remote touch.) Override
 * lists (unsorted, small) are walked whole once the touch list is done,
 * against the base; then pos and base take the shard's sequence.
 *
 * A shard whose sequence equals the base has nothing new: it is skipped
 * without its lock (a relaxed read; a change missed this way is found by
 * the next call, since the writer's store is eventually visible).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/lock.h>
#include <tollgate/stktable.h>

/* Returns 1 if sequence number <a> is after <b> (wrapping). */
static inline int seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

int stktable_updcur_init(struct stktable *t, struct stktable_updcur *c, int from_now)
{
	c->nb = t->nb_shards;
	c->pos = calloc(2 * (size_t)c->nb, sizeof(*c->pos));
	if (!c->pos)
		return -ENOMEM;
	c->base = c->pos + c->nb;
	for (uint32_t i = 0; i < c->nb; i++) {
		uint32_t seq = atomic_load_explicit(&t->shards[i].seq, memory_order_relaxed);

		c->pos[i] = c->base[i] = seq;
	}
	if (!from_now)
		stktable_updcur_to_start(t, c);
	return 0;
}

void stktable_updcur_to_end(struct stktable *t, struct stktable_updcur *c)
{
	for (uint32_t i = 0; i < c->nb; i++) {
		struct stktable_shard *sh = &t->shards[i];

		spin_lock(&sh->lock);
		c->pos[i] = c->base[i] = atomic_load_explicit(&sh->seq, memory_order_relaxed);
		spin_unlock(&sh->lock);
	}
}

void stktable_updcur_to_start(struct stktable *t, struct stktable_updcur *c)
{
	for (uint32_t i = 0; i < c->nb; i++)
		c->pos[i] = c->base[i] =
			atomic_load_explicit(&t->shards[i].seq, memory_order_relaxed) - 0x40000000U;
}

void stktable_updcur_copy(struct stktable_updcur *dst, const struct stktable_updcur *src)
{
	memcpy(dst->pos, src->pos, 2 * (size_t)src->nb * sizeof(*src->pos));
}

void stktable_updcur_free(struct stktable_updcur *c)
{
	free(c->pos);
	c->pos = c->base = NULL;
	c->nb = 0;
}

/* Visits shard <sh> from position <*pos> of a pass that began at <*base>:
 * see the file's comment. Reports at most <*budget> entries (decremented).
 * Returns 1 if the shard was walked to its end, 0 if it stopped. Shard
 * lock held.
 */
static int __shard_next(struct stktable *t, struct stktable_shard *sh, uint32_t *pos,
                        uint32_t *base, unsigned int *budget, stktable_upd_fn fn, void *ctx)
{
	struct stksess *ts;
	struct list *l;

	/* back from the tail to the first entry at or before the cursor */
	for (l = sh->touch.prev; l != &sh->touch; l = l->prev) {
		ts = list_elem(l, struct stksess, list);
		if (!seq_after(ts->pos, *pos))
			break;
	}
	/* then forward, advancing the cursor entry by entry; an entry changed
	 * after the pass began is reported even if its change is older than
	 * the cursor (it was moved since by a lookup or a remote touch)
	 */
	for (l = l->next; l != &sh->touch; l = l->next) {
		ts = list_elem(l, struct stksess, list);
		if (ts->upd && seq_after(ts->upd, *base)) {
			if (!*budget || fn(t, ts, ts->upd, ctx))
				return 0;
			(*budget)--;
		}
		*pos = ts->pos;
	}
	list_for_each(ts, &sh->ovr, list) {
		if (ts->upd && seq_after(ts->upd, *base)) {
			fn(t, ts, ts->upd, ctx);
			if (*budget)
				(*budget)--;
		}
	}
	*pos = *base = atomic_load_explicit(&sh->seq, memory_order_relaxed);
	return 1;
}

int stktable_updates_next(struct stktable *t, struct stktable_updcur *c, unsigned int max,
                          stktable_upd_fn fn, void *ctx)
{
	unsigned int budget = max;

	for (uint32_t i = 0; i < c->nb; i++) {
		struct stktable_shard *sh = &t->shards[i];
		int done;

		if (atomic_load_explicit(&sh->seq, memory_order_relaxed) == c->base[i])
			continue;       /* nothing moved since the pass began: nothing new */
		spin_lock(&sh->lock);
		done = __shard_next(t, sh, &c->pos[i], &c->base[i], &budget, fn, ctx);
		spin_unlock(&sh->lock);
		if (!done)
			return 0;
	}
	return 1;
}

unsigned int stktable_updates_pending(struct stktable *t, const struct stktable_updcur *c, unsigned int max,
                                      stktable_upd_fn keep, void *ctx)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < c->nb && n < max; i++) {
		struct stktable_shard *sh = &t->shards[i];
		uint32_t pos = c->pos[i], base = c->base[i];
		struct stksess *ts;
		struct list *l;

		if (atomic_load_explicit(&sh->seq, memory_order_relaxed) == base)
			continue;
		spin_lock(&sh->lock);
		for (l = sh->touch.prev; l != &sh->touch; l = l->prev)
			if (!seq_after(list_elem(l, struct stksess, list)->pos, pos))
				break;
		for (l = l->next; l != &sh->touch && n < max; l = l->next) {
			ts = list_elem(l, struct stksess, list);
			n += ts->upd && seq_after(ts->upd, base) && (!keep || keep(t, ts, ts->upd, ctx));
		}
		list_for_each(ts, &sh->ovr, list)
			n += ts->upd && seq_after(ts->upd, base) && (!keep || keep(t, ts, ts->upd, ctx));
		spin_unlock(&sh->lock);
	}
	return n < max ? n : max;
}
