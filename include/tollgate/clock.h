/*
 * The clock: a monotonic millisecond tick per loop pass.
 *
 * Each worker thread calls clock_update() once per pass of its poll loop and
 * then reads `now_ms` (thread-local) for every date it computes during the
 * pass: dates are cheap and consistent within a pass. Threads that are not
 * workers (the main thread, test threads) call clock_update() themselves
 * before reading `now_ms`.
 *
 * Ticks start about 20 seconds before the 32-bit wrap so that every run
 * crosses it and wrap bugs cannot hide (see ticks.h).
 */
#ifndef TOLLGATE_CLOCK_H
#define TOLLGATE_CLOCK_H

#include <stdint.h>

extern __thread uint32_t now_ms;     /* this pass's date in ticks */

/* Reads the monotonic clock and refreshes `now_ms`. Thread-safe. */
void clock_update(void);

/* Returns the monotonic clock in nanoseconds (not cached). Thread-safe. */
uint64_t clock_mono_ns(void);

/* Returns the current tick without caching it in `now_ms`. Thread-safe. */
uint32_t clock_ticks(void);

/* Returns the wall-clock time in seconds since the epoch (for logs). */
int64_t clock_wall_sec(void);

#endif /* TOLLGATE_CLOCK_H */
