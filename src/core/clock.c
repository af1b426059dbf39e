/*
 * The clock. See clock.h.
 */
#include <time.h>

#include <tollgate/clock.h>

/* Ticks = monotonic ms + this offset. Chosen at first use so that the tick
 * counter wraps about 20 s after start-up.
 */
#define CLOCK_WRAP_AFTER_MS 20000U

__thread uint32_t now_ms;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
}

/* The offset is computed on first use by any thread. A benign race: every
 * thread that computes it computes a value within a millisecond or two, and
 * the first CAS wins; the others adopt it.
 */
static _Atomic uint32_t clock_offset;
static _Atomic int clock_offset_set;

static uint32_t offset(void)
{
	uint32_t off;
	int expected = 0;

	if (__atomic_load_n(&clock_offset_set, __ATOMIC_ACQUIRE) == 2)
		return __atomic_load_n(&clock_offset, __ATOMIC_RELAXED);
	off = (uint32_t)(0U - CLOCK_WRAP_AFTER_MS - (uint32_t)mono_ms());
	if (__atomic_compare_exchange_n(&clock_offset_set, &expected, 1, 0,
	                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&clock_offset, off, __ATOMIC_RELAXED);
		__atomic_store_n(&clock_offset_set, 2, __ATOMIC_RELEASE);
		return off;
	}
	while (__atomic_load_n(&clock_offset_set, __ATOMIC_ACQUIRE) != 2)
		;
	return __atomic_load_n(&clock_offset, __ATOMIC_RELAXED);
}

uint32_t clock_ticks(void)
{
	uint32_t t = (uint32_t)mono_ms() + offset();

	/* never TICK_ETERNITY, so that "now" is always a valid date */
	return t ? t : 1;
}

void clock_update(void)
{
	now_ms = clock_ticks();
}

uint64_t clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int64_t clock_wall_sec(void)
{
	return (int64_t)time(NULL);
}
