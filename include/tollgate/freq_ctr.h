/*
 * Frequency counters: event rates over a period (HAProxy-compatible).
 *
 * A counter counts events in the current period and remembers the count of
 * the previous one. The rate over the last <period> ms is estimated as:
 *
 *     estimate = curr + floor(prev * (period - elapsed) / period)
 *
 * where <elapsed> is the age of the current period (now - its start). This is
 * HAProxy's sliding-window approximation: it assumes the previous period's
 * events were spread evenly, and counts the share of them still inside the
 * window (now - period, now].
 *
 * Error bound. Let f = (period - elapsed) / period. The exact sliding-window
 * count is curr + x, where x (0 <= x <= prev) is the number of previous-period
 * events still inside the window. The estimate uses prev * f instead, so
 *
 *     |estimate - exact| <= prev * max(f, 1 - f) + 1      (<= prev + 1)
 *
 * the +1 covering the floor. On a steady stream the error is far smaller
 * (tests/unit/test_freq_ctr.c measures it against an exact reference).
 *
 * Periods are aligned: when a period is over, the next one starts at the old
 * start plus a whole number of periods (the count is carried to <prev> if
 * exactly one period passed, dropped if two or more did). A start date is
 * kept even (rounded down by at most 1 ms): its lowest bit is the counter's
 * lock during a period change. A start of 0 means "never used", so an
 * all-zero counter is a valid empty one (freq_ctr_init() just zeroes).
 *
 * Dates are wrapping ticks (ticks.h). A date slightly before the period start
 * (threads' clocks differ by a loop pass) counts as the start itself; a date
 * a period or more before it resets the counter.
 *
 * Concurrency: lock-free for the common case. Any thread may update and read
 * a counter at any time:
 *  - an update within the current period is one atomic add;
 *  - a period change takes the lock bit in curr_tick with a CAS, moves the
 *    counts and stores the new start, which releases the bit;
 *  - a read retries while the lock bit is set or the start changed under it,
 *    so it never sees a half-done period change (no torn value). The one
 *    exception: freq_ctr_set() may store the start it found, so a reader
 *    racing with it may pair the old current count with the new previous
 *    one (each value whole; only peer and snapshot loads call it).
 * Events added concurrently with a period change land in one of the two
 * periods, never lost. Costs: update O(1), one atomic; read O(1), no write.
 */
#ifndef TOLLGATE_FREQ_CTR_H
#define TOLLGATE_FREQ_CTR_H

#include <stdatomic.h>
#include <stdint.h>

#include <tollgate/compiler.h>

struct freq_ctr {
	_Atomic uint32_t curr_tick;   /* start of the current period (even), bit 0: lock, 0: unused */
	_Atomic uint32_t curr_ctr;    /* events in the current period */
	_Atomic uint32_t prev_ctr;    /* events in the previous period */
};

/* Makes <ctr> an empty counter. Not thread-safe (initialisation only). */
static inline void freq_ctr_init(struct freq_ctr *ctr)
{
	atomic_init(&ctr->curr_tick, 0);
	atomic_init(&ctr->curr_ctr, 0);
	atomic_init(&ctr->prev_ctr, 0);
}

/* Returns the number of whole periods between the period start <tick> and
 * <now>, and stores in <*elapsed> the age of the current (possibly virtual)
 * period, in [0, period). Returns 2 (meaning "two or more") when <tick> is
 * unused or lies too far away. Pure.
 */
static inline uint32_t __freq_ctr_age(uint32_t tick, uint32_t period, uint32_t now,
                                      uint32_t *elapsed)
{
	int32_t d = (int32_t)(now - tick);
	uint32_t n;

	if (unlikely(tick == 0 || d <= -(int32_t)period)) {
		*elapsed = 0;
		return 2;
	}
	if (d < 0)
		d = 0;
	n = (uint32_t)d / period;
	*elapsed = (uint32_t)d % period;
	return n;
}

/* Adds <inc> events at date <now> to <ctr> counting over <period> ms
 * (period > 0, < 2^30). Thread-safe, lock-free except during a period change.
 */
static inline void freq_ctr_add(struct freq_ctr *ctr, uint32_t period, uint32_t inc, uint32_t now)
{
	uint32_t tick, elapsed, n, curr, ntick;

	for (;;) {
		tick = atomic_load_explicit(&ctr->curr_tick, memory_order_acquire);
		if (unlikely(tick & 1)) {
			cpu_relax();
			continue;
		}
		n = __freq_ctr_age(tick, period, now, &elapsed);
		if (likely(n == 0)) {
			atomic_fetch_add_explicit(&ctr->curr_ctr, inc, memory_order_relaxed);
			return;
		}
		if (atomic_compare_exchange_weak_explicit(&ctr->curr_tick, &tick, tick | 1,
		                                          memory_order_acquire,
		                                          memory_order_relaxed))
			break;
	}
	/* We hold the lock bit: move to the period containing <now>. */
	curr = atomic_exchange_explicit(&ctr->curr_ctr, 0, memory_order_relaxed);
	atomic_store_explicit(&ctr->prev_ctr, n == 1 ? curr : 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&ctr->curr_ctr, inc, memory_order_relaxed);
	if (tick == 0 || (n >= 2 && (int32_t)(now - tick) < 0))
		ntick = now;                          /* unused or reset: start now */
	else
		ntick = tick + (uint32_t)((uint64_t)n * period);
	ntick &= ~1U;
	if (!ntick)
		ntick = (uint32_t)-2;                 /* 0 means unused */
	atomic_store_explicit(&ctr->curr_tick, ntick, memory_order_release);
}

/* Reads <ctr> consistently at date <now>: stores the count of the current
 * period in <*curr>, of the previous one in <*prev>, and the age of the
 * current period in <*elapsed>. Thread-safe, never writes.
 */
static inline void freq_ctr_snapshot(struct freq_ctr *ctr, uint32_t period, uint32_t now,
                                     uint32_t *curr, uint32_t *prev, uint32_t *elapsed)
{
	uint32_t tick, tick2, c, p, n;

	for (;;) {
		tick = atomic_load_explicit(&ctr->curr_tick, memory_order_acquire);
		if (unlikely(tick & 1)) {
			cpu_relax();
			continue;
		}
		/* acquire loads: the second read of the start stays after them */
		c = atomic_load_explicit(&ctr->curr_ctr, memory_order_acquire);
		p = atomic_load_explicit(&ctr->prev_ctr, memory_order_acquire);
		tick2 = atomic_load_explicit(&ctr->curr_tick, memory_order_relaxed);
		if (tick == tick2)
			break;
	}
	n = __freq_ctr_age(tick, period, now, elapsed);
	if (n == 1) {
		p = c;
		c = 0;
	} else if (n >= 2) {
		p = c = 0;
	}
	*curr = c;
	*prev = p;
}

/* Returns the estimated number of events in the last <period> ms at date
 * <now> (formula and bound at the top of this file). Thread-safe.
 */
static inline uint32_t freq_ctr_read(struct freq_ctr *ctr, uint32_t period, uint32_t now)
{
	uint32_t curr, prev, elapsed;
	uint64_t est;

	freq_ctr_snapshot(ctr, period, now, &curr, &prev, &elapsed);
	est = curr + (uint64_t)prev * (period - elapsed) / period;
	return est > UINT32_MAX ? UINT32_MAX : (uint32_t)est;
}

/* Overwrites <ctr> with the counts <curr> and <prev> of a period that
 * started <age> ms before <now> (age < period), as received from a peer or a
 * snapshot. Thread-safe against readers and adders.
 */
static inline void freq_ctr_set(struct freq_ctr *ctr, uint32_t curr, uint32_t prev,
                                uint32_t age, uint32_t now)
{
	uint32_t tick, ntick;

	for (;;) {
		tick = atomic_load_explicit(&ctr->curr_tick, memory_order_relaxed);
		if (tick & 1) {
			cpu_relax();
			continue;
		}
		if (atomic_compare_exchange_weak_explicit(&ctr->curr_tick, &tick, tick | 1,
		                                          memory_order_acquire,
		                                          memory_order_relaxed))
			break;
	}
	atomic_store_explicit(&ctr->curr_ctr, curr, memory_order_relaxed);
	atomic_store_explicit(&ctr->prev_ctr, prev, memory_order_relaxed);
	ntick = (now - age) & ~1U;
	if (!ntick)
		ntick = (uint32_t)-2;
	atomic_store_explicit(&ctr->curr_tick, ntick, memory_order_release);
}

#endif /* TOLLGATE_FREQ_CTR_H */
