/*
 * Per-thread statistics counters.
 *
 * A counter lives in a per-thread array of structs and is written only by
 * its thread, with a relaxed load and a relaxed store (plain moves on x86,
 * no locked instruction); readers on other threads sum the threads' values
 * with relaxed loads and see whole values, possibly slightly stale.
 */
#ifndef TOLLGATE_COUNTERS_H
#define TOLLGATE_COUNTERS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Adds <v> to the counter <c>, owned by the calling thread. */
static inline void counter_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
	                      memory_order_relaxed);
}

/* Sums the counter at byte offset <off> in <n> structs of <stride> bytes
 * starting at <base>.
 */
static inline uint64_t counter_sum(const void *base, size_t stride, size_t off, int n)
{
	uint64_t sum = 0;

	for (int i = 0; i < n; i++)
		sum += atomic_load_explicit((const _Atomic uint64_t *)((const char *)base + i * stride + off),
		                            memory_order_relaxed);
	return sum;
}

/* Sums field <field> of the per-thread array <arr> over the workers. */
#define COUNTER_SUM(arr, field) \
	counter_sum((arr), sizeof((arr)[0]), offsetof(__typeof__((arr)[0]), field), \
	            thread_count > 0 ? thread_count : 1)

#endif /* TOLLGATE_COUNTERS_H */
