/*
 * Locks: thin labelled wrappers.
 *
 * Tollgate takes locks only where threads truly share (pools' shared lists,
 * the shared run and wait queues, stick-table shards and entries). A
 * connection's data path takes none. Rules (doc/internals/core-principles.md):
 *  - never hold a lock across a blocking call or I/O;
 *  - never take two locks of the same label at once, except where the
 *    header of the structure documents an order;
 *  - a spinlock protects a few instructions; anything longer uses a rwlock.
 *
 * In debug builds (TG_DEBUG) each acquisition is counted per label, and a
 * contended one is timed: lock_stats_dump() prints them.
 */
#ifndef TOLLGATE_LOCK_H
#define TOLLGATE_LOCK_H

#include <sched.h>
#include <stdio.h>

#include <tollgate/compiler.h>
#include <tollgate/lock-t.h>

/* Spins of a waiting spin_lock() before it starts yielding the CPU. */
#define SPIN_YIELD_AFTER 256

#ifdef TG_DEBUG
extern struct lock_stat lock_stats[LOCK_LABELS];
uint64_t lock_now_ns(void);
#endif

/* Returns the printable name of <label>. */
const char *lock_label_name(enum lock_label label);

/* Writes the per-label statistics to <out>, one line per label that was
 * used, or a line saying they are not compiled in. Returns 0.
 */
int lock_stats_dump(FILE *out);

static inline void spin_init(struct spinlock *l, enum lock_label label)
{
	atomic_init(&l->locked, 0);
#ifdef TG_DEBUG
	l->label = label;
#else
	(void)label;
#endif
}

/* Returns 1 if the lock was taken, 0 if it is held by someone else. */
static inline int spin_trylock(struct spinlock *l)
{
	return !atomic_load_explicit(&l->locked, memory_order_relaxed) &&
	       !atomic_exchange_explicit(&l->locked, 1, memory_order_acquire);
}

static inline void spin_lock(struct spinlock *l)
{
#ifdef TG_DEBUG
	uint64_t start;

	if (likely(spin_trylock(l))) {
		atomic_fetch_add_explicit(&lock_stats[l->label].acquired, 1, memory_order_relaxed);
		return;
	}
	start = lock_now_ns();
#endif
	while (!spin_trylock(l)) {
		unsigned int spins = 0;

		/* Spin briefly, then yield: with more threads than CPUs the
		 * holder may be descheduled, and spinning would only delay it.
		 */
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
			if (++spins < SPIN_YIELD_AFTER)
				cpu_relax();
			else
				sched_yield();
		}
	}
#ifdef TG_DEBUG
	atomic_fetch_add_explicit(&lock_stats[l->label].acquired, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&lock_stats[l->label].contended, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&lock_stats[l->label].wait_ns, lock_now_ns() - start, memory_order_relaxed);
#endif
}

static inline void spin_unlock(struct spinlock *l)
{
	atomic_store_explicit(&l->locked, 0, memory_order_release);
}

/* Returns 0, or a positive errno from pthread_rwlock_init(). */
int rw_init(struct rwlock *l, enum lock_label label);
void rw_destroy(struct rwlock *l);

#ifdef TG_DEBUG
void rw_rdlock(struct rwlock *l);
void rw_wrlock(struct rwlock *l);
#else
static inline void rw_rdlock(struct rwlock *l)
{
	pthread_rwlock_rdlock(&l->rw);
}

static inline void rw_wrlock(struct rwlock *l)
{
	pthread_rwlock_wrlock(&l->rw);
}
#endif

static inline void rw_unlock(struct rwlock *l)
{
	pthread_rwlock_unlock(&l->rw);
}

#endif /* TOLLGATE_LOCK_H */
