/*
 * Ticks: wrapping millisecond dates.
 *
 * A tick is a 32-bit count of milliseconds that wraps about every 49.7 days.
 * The value 0 (TICK_ETERNITY) means "never"; tick_add() never produces it.
 * Two ticks compare correctly as long as they are less than 2^31 ms (24.8
 * days) apart, which every timeout in Tollgate is. The process clock starts
 * 20 seconds before the wrap so that every run crosses it (see clock.h).
 *
 * All functions are pure and thread-safe.
 */
#ifndef TOLLGATE_TICKS_H
#define TOLLGATE_TICKS_H

#include <stdint.h>

#define TICK_ETERNITY   0U

/* Returns non-zero if <t> is set (not TICK_ETERNITY). */
static inline int tick_isset(uint32_t t)
{
	return t != TICK_ETERNITY;
}

/* Returns <now> + <ms>, skipping TICK_ETERNITY: the result is always set. */
static inline uint32_t tick_add(uint32_t now, uint32_t ms)
{
	uint32_t t = now + ms;

	return t ? t : 1;
}

/* Like tick_add() but returns TICK_ETERNITY when <ms> is 0 ("no timeout"),
 * which is how configuration timeouts use it.
 */
static inline uint32_t tick_add_ifset(uint32_t now, uint32_t ms)
{
	return ms ? tick_add(now, ms) : TICK_ETERNITY;
}

/* Returns 1 if <a> is strictly before <b>. Both must be set. */
static inline int tick_is_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* Returns 1 if <a> is before or equal to <b>. Both must be set. */
static inline int tick_is_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* Returns 1 if <t> is set and has been reached at <now>. */
static inline int tick_is_expired(uint32_t t, uint32_t now)
{
	return tick_isset(t) && (int32_t)(now - t) >= 0;
}

/* Returns the earliest of two dates, an unset one counting as "never". */
static inline uint32_t tick_first(uint32_t a, uint32_t b)
{
	if (!tick_isset(a))
		return b;
	if (!tick_isset(b))
		return a;
	return tick_is_lt(a, b) ? a : b;
}

/* Returns the remaining milliseconds before <t> at <now>: 0 if expired,
 * UINT32_MAX if <t> is not set.
 */
static inline uint32_t tick_remain(uint32_t now, uint32_t t)
{
	if (!tick_isset(t))
		return UINT32_MAX;
	if ((int32_t)(t - now) <= 0)
		return 0;
	return t - now;
}

/* Converts milliseconds to ticks; the same unit, spelled for readability. */
#define MS_TO_TICKS(ms) ((uint32_t)(ms))

#endif /* TOLLGATE_TICKS_H */
