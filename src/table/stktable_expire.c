/*
 * Stick-table expiry and eviction.
 *
 * Each shard keeps its entries in touch order: a touch sets the expiry to
 * now + expire and moves the entry to the list tail, so the list is also in
 * expiry order and the purge only looks at heads. A referenced expired entry
 * cannot be freed: it is renewed as if touched and moved to the tail (its
 * last release frees it if it expires again, see stktable_release()), so
 * every linked entry always has a date that the task's timer covers.
 * Entries with an overridden expiry sit in a small unsorted list per
 * shard, scanned when its earliest date is reached.
 *
 * The purge task: one shared task per table. Its timer changes only under
 * t->exp_lock, both in the task (which recomputes the next date from the
 * shards) and in __stktable_arm() (called when an entry is created or
 * overridden), so the seed-004 race (the task rewriting its date while
 * another thread requeues it) cannot happen, nor can an arm be lost:
 *  - the task clears exp_armed and exp_req under exp_lock, scans the shards,
 *    then under exp_lock sets its timer to the earliest of what it saw and
 *    of the dates armed meanwhile (exp_req), and sets exp_armed again;
 *  - an arm skips the lock only if exp_armed is set and the task's date is
 *    already no later than the new one; otherwise it records the date in
 *    exp_req and task_schedule()s it under exp_lock.
 * An entry created in a shard the task already scanned is either seen as
 * unarmed (the arm takes the lock) or covered by a date armed by someone
 * else during the scan, in which case the task also caps its next date at
 * now + expire (no later than that entry's expiry, to a loop pass).
 * Touches only push a date later, so they need no arm. The task is
 * disarmed (timer "never") only when it saw no linked entry: a later
 * creation then finds exp_armed cleared and arms it.
 */
#include <errno.h>

#include <tollgate/clock.h>
#include <tollgate/lock.h>
#include <tollgate/stktable.h>
#include <tollgate/task.h>
#include <tollgate/ticks.h>

#define STKTABLE_EVICT_SCAN    64U     /* entries examined per eviction at most */
#define STKTABLE_PURGE_BUDGET  1024U   /* entries examined per purge task run */

unsigned int __stktable_evict(struct stktable *t, struct stktable_shard *sh, unsigned int n)
{
	struct stksess *ts, *back;
	unsigned int done = 0, seen = 0;

	list_for_each_safe(ts, back, &sh->touch, list) {
		if (done >= n || seen++ >= STKTABLE_EVICT_SCAN)
			break;
		if (stksess_refs(ts))
			continue;
		sh->evicted++;
		__stksess_destroy(t, sh, ts);
		done++;
	}
	return done;
}

/* Returns the date a referenced expired entry is given at <now>: it cannot
 * be freed while in use, so it is kept as if touched (a table without
 * `expire` retries a second later). Its holder's release either touches it
 * again or leaves it to this date.
 */
static inline uint32_t renew_date(const struct stktable *t, uint32_t now)
{
	return tick_add(now, t->def.expire ? t->def.expire : 1000);
}

/* Purges shard <sh> at <now>, consuming <*budget>, and lowers <*next> to
 * the shard's next expiry. Returns the number of entries freed. Shard lock
 * held.
 *
 * A referenced expired entry is renewed (renew_date()) and moved to the
 * tail, so the touch list stays in expiry order and every linked entry
 * keeps a date that <*next> covers: the task never stops while an entry
 * remains (see "The purge task" in doc/internals/stktable.md).
 */
static unsigned int __shard_purge(struct stktable *t, struct stktable_shard *sh, uint32_t now,
                                  unsigned int *budget, uint32_t *next)
{
	struct stksess *ts, *back;
	unsigned int freed = 0;
	uint32_t exp;
	uint32_t onext;

	while (!list_empty(&sh->touch)) {
		ts = list_elem(sh->touch.next, struct stksess, list);
		exp = atomic_load_explicit(&ts->expire, memory_order_relaxed);
		if (!tick_is_expired(exp, now)) {
			*next = tick_first(*next, exp);
			break;
		}
		if (!*budget) {
			*next = now;    /* more to do */
			break;
		}
		(*budget)--;
		if (stksess_refs(ts)) {
			atomic_store_explicit(&ts->expire, renew_date(t, now), memory_order_relaxed);
			list_del_init(&ts->list);
			list_append(&sh->touch, &ts->list);
			ts->pos = __shard_next_seq(sh);
			continue;
		}
		sh->expired++;
		__stksess_destroy(t, sh, ts);
		freed++;
	}

	if (!sh->ovr_count || !tick_is_expired(sh->ovr_next, now)) {
		if (sh->ovr_count)
			*next = tick_first(*next, sh->ovr_next);
		return freed;
	}
	onext = TICK_ETERNITY;
	list_for_each_safe(ts, back, &sh->ovr, list) {
		if (!*budget) {
			onext = now;
			break;
		}
		(*budget)--;
		exp = atomic_load_explicit(&ts->expire, memory_order_relaxed);
		if (!tick_is_expired(exp, now)) {
			onext = tick_first(onext, exp);
			continue;
		}
		if (stksess_refs(ts)) {
			/* in use: renewed, like the touch list's */
			exp = renew_date(t, now);
			atomic_store_explicit(&ts->expire, exp, memory_order_relaxed);
			onext = tick_first(onext, exp);
			continue;
		}
		sh->expired++;
		__stksess_destroy(t, sh, ts);
		freed++;
	}
	sh->ovr_next = onext;
	*next = tick_first(*next, onext);
	return freed;
}

unsigned int stktable_purge(struct stktable *t, uint32_t now, unsigned int budget, uint32_t *next)
{
	uint32_t start, k, nx = TICK_ETERNITY;
	unsigned int freed = 0;

	start = atomic_fetch_add_explicit(&t->purge_cursor, 1, memory_order_relaxed);
	for (k = 0; k < t->nb_shards; k++) {
		struct stktable_shard *sh = &t->shards[(start + k) & (t->nb_shards - 1)];

		if (!budget) {
			nx = now;
			break;
		}
		spin_lock(&sh->lock);
		freed += __shard_purge(t, sh, now, &budget, &nx);
		spin_unlock(&sh->lock);
	}
	if (next)
		*next = nx;
	return freed;
}

/* The purge task's handler: purges a batch and requeues itself under
 * t->exp_lock (see the top of this file).
 */
static struct task *stktable_purge_task(struct task *task, void *ctx, unsigned int state)
{
	struct stktable *t = ctx;
	uint32_t next, when;

	spin_lock(&t->exp_lock);
	atomic_store_explicit(&t->exp_armed, 0, memory_order_seq_cst);
	t->exp_req = TICK_ETERNITY;
	spin_unlock(&t->exp_lock);

	stktable_purge(t, now_ms, STKTABLE_PURGE_BUDGET, &next);

	spin_lock(&t->exp_lock);
	when = next;
	if (tick_isset(t->exp_req)) {
		/* Armed during the scan: cover what it may have hidden. */
		when = tick_first(when, t->exp_req);
		if (t->def.expire)
			when = tick_first(when, tick_add(now_ms, t->def.expire));
	}
	task_set_expire(task, when);
	t->exp_req = TICK_ETERNITY;
	atomic_store_explicit(&t->exp_armed, tick_isset(when), memory_order_seq_cst);
	spin_unlock(&t->exp_lock);
	return task;
}

void __stktable_arm(struct stktable *t, uint32_t date)
{
	struct task *task = t->exp_task;
	uint32_t te;

	if (!task || !tick_isset(date))
		return;
	if (atomic_load_explicit(&t->exp_armed, memory_order_seq_cst)) {
		te = task_expire(task);
		if (tick_isset(te) && tick_is_le(te, date))
			return;
	}
	spin_lock(&t->exp_lock);
	t->exp_req = tick_first(t->exp_req, date);
	task_schedule(task, date);
	atomic_store_explicit(&t->exp_armed, 1, memory_order_seq_cst);
	spin_unlock(&t->exp_lock);
}

int stktable_purge_task_start(struct stktable *t, unsigned long mask)
{
	struct task *task;

	if (!mask)
		mask = all_threads_mask;
	task = task_new(mask, stktable_purge_task, t, "stktable_purge");
	if (!task)
		return -ENOMEM;
	t->exp_task = task;
	/* First run at once: it computes the real date. */
	spin_lock(&t->exp_lock);
	task_set_expire(task, tick_add(clock_ticks(), 0));
	atomic_store_explicit(&t->exp_armed, 1, memory_order_seq_cst);
	spin_unlock(&t->exp_lock);
	return 0;
}

void stktable_purge_task_stop(struct stktable *t)
{
	if (!t->exp_task)
		return;
	task_destroy(t->exp_task);
	t->exp_task = NULL;
}
