/*
 * Memory pools: named pools of fixed-size objects.
 *
 * Runtime objects (streams, connections, buffers, tasks, table entries) come
 * from pools; malloc() is for start-up and configuration. Design notes are in
 * doc/internals/pool.md.
 *
 * Principle:
 *  - A pool hands out objects of one size. Pools of equal (rounded) size are
 *    merged unless one of them is POOL_F_EXCLUSIVE; `users` counts merges.
 *  - Each worker thread has a bounded cache per pool, indexed by `tid`, that
 *    only it touches: pool_alloc() and pool_free() on a worker thread are a
 *    few plain loads and stores, with no lock and no atomic read-modify-write.
 *  - Behind the caches sits the pool's shared free list, under the pool's
 *    spinlock (LOCK_POOL). A cache that overflows moves a batch there; an
 *    empty cache takes a batch from there, one lock acquisition per batch;
 *    when both are empty the object comes from malloc().
 *  - Non-worker threads (tid == -1) bypass the caches and use the shared
 *    list under the lock.
 *  - An object may be freed on any thread, whatever thread allocated it: it
 *    goes into the freeing thread's cache.
 *  - The list of pools is under LOCK_POOL_LIST (a rwlock). No pool lock and
 *    no list lock is ever held while calling malloc(), so the garbage
 *    collector that a failed malloc() triggers can take any of them: it can
 *    never deadlock on the pool that called it.
 *  - On allocation failure pool_alloc() runs pool_gc(), retries once, then
 *    counts a failure and returns NULL. It never aborts.
 *
 * Costs: alloc/free on a worker is O(1) (amortised: one lock per batch of
 * cache_max/2 objects). Memory held by caches: at most about
 * max(8 objects, min(256 objects, 64 KiB)) per pool per worker thread, plus a
 * 4 KiB pool head (MAX_THREADS cache lines). Statistics are O(MAX_THREADS)
 * per pool. pool_gc() is O(objects it frees).
 *
 * Slab pools (POOL_F_SLAB) serve large populations of small objects (stick
 * table entries): objects are carved from 256 KiB chunks under the pool
 * lock, so they cost no malloc header and round to 8 bytes instead of 16;
 * freed objects are recycled through the caches as usual, but memory goes
 * back to the system only when the pool is destroyed (pool_gc() and
 * pool_flush() leave slab pools alone).
 *
 * Debug options (pool_debug_set(), or the TOLLGATE_POOL_DEBUG spec parsed by
 * pool_debug_parse()): POOL_DBG_POISON and POOL_DBG_TAG are latched by each
 * pool when it is created (TAG changes the object layout; POISON because an
 * object freed before poisoning was on would be reported as corrupted), so
 * they must be set before the pools they should cover are created; changing
 * them later only affects pools created later, and pools only merge with
 * pools of the same debug options. POOL_DBG_FAIL applies at once.
 */
#ifndef TOLLGATE_POOL_H
#define TOLLGATE_POOL_H

#include <stddef.h>
#include <stdio.h>

#include <tollgate/pool-t.h>

/* Creates (or joins, when one of equal rounded size exists and neither is
 * POOL_F_EXCLUSIVE, and both have the same debug options) a pool of objects
 * of <size> bytes named <name> (NULL is allowed; truncated to
 * POOL_NAME_LEN - 1 bytes). <flags> is a set of POOL_F_*. Sizes are rounded
 * up to a multiple of POOL_ALIGN (16), at least 16 bytes. Returns the pool,
 * or NULL on allocation failure or for an absurd size. Thread-safe.
 */
struct pool_head *pool_create(const char *name, unsigned int size, unsigned int flags);

/* Drops one user of <pool>; the last user frees it with every object cached
 * for it. Requires that no other thread uses the pool any more (their last
 * use happens-before this call: joined, isolated or otherwise synchronised).
 * If objects are still in use when the last user leaves, a warning is
 * printed and the pool stays listed with 0 users (stragglers can still be
 * freed into it; a later pool_create() may join it) rather than leaving
 * dangling objects. <pool> may be NULL. Returns NULL for convenience.
 */
void *pool_destroy(struct pool_head *pool);

/* Returns an object of <pool> (uninitialised), or NULL on failure (counted
 * in the pool's failures). Any thread. Not async-signal-safe.
 */
void *pool_alloc(struct pool_head *pool);

/* Same as pool_alloc() with the object's <size> bytes zeroed. */
void *pool_zalloc(struct pool_head *pool);

/* Returns <ptr> (may be NULL) to <pool>, the pool it was allocated from (or
 * a pool merged with it). Any thread, not necessarily the allocating one.
 * With POOL_DBG_TAG, a double free or a free into the wrong pool is reported
 * and aborts.
 */
void pool_free(struct pool_head *pool, void *ptr);

/* Returns cached memory of every pool to the system: each pool's shared
 * list (under that pool's lock, never held by the caller: see above), and
 * the calling worker's own caches. Other workers are asked to flush their
 * caches at their next loop pass (pool_thread_pass()). <caller> is the pool
 * whose allocation failed, or NULL; it is treated like every other pool
 * (its lock is taken as usual, since pool_alloc() never holds it). Any
 * thread; not from a signal handler (set a flag and call it from the loop).
 */
void pool_gc(struct pool_head *caller);

/* Returns <pool>'s shared list to the system, and the calling worker's
 * cache of it. Other threads' caches are untouched. Any thread.
 */
void pool_flush(struct pool_head *pool);

/* Called by each worker's poll loop once per pass: if pool_gc() asked this
 * thread to flush, returns its cached objects of every pool to the system.
 * Costs one relaxed load otherwise. Does nothing on non-worker threads.
 */
void pool_thread_pass(void);

/* Fills <st> with a snapshot of <pool>'s counters (exact when quiescent).
 * Returns 0.
 */
int pool_get_stats(struct pool_head *pool, struct pool_stats *st);

/* Calls <cb>(pool, stats, <arg>) for every pool, under LOCK_POOL_LIST (read
 * side): <cb> may allocate and free objects but must not create or destroy
 * pools. Stops at the first non-zero return of <cb> and returns it, or
 * returns 0.
 */
int pool_for_each(int (*cb)(struct pool_head *pool, const struct pool_stats *st, void *arg),
                  void *arg);

/* Writes HAProxy-style "show pools" lines to <out>: a header, one line per
 * pool and a total. Returns 0 or -EIO.
 */
int pool_dump(FILE *out);

/* ---- Debugging and fault injection ---- */

/* Sets the debug options: <flags> is a set of POOL_DBG_*; <fail_every> is N
 * for POOL_DBG_FAIL (every Nth pool_alloc() over all pools fails; the count
 * restarts at each call). POISON and TAG are latched by pools created after
 * the call. Returns 0, or -EINVAL for unknown flags or FAIL with N == 0 (and
 * then changes nothing). Thread-safe.
 */
int pool_debug_set(unsigned int flags, unsigned int fail_every);

/* Stores the current debug options in <flags> and <fail_every> (either may
 * be NULL).
 */
void pool_debug_get(unsigned int *flags, unsigned int *fail_every);

/* Parses a debug spec, the value of the TOLLGATE_POOL_DEBUG environment
 * variable: comma-separated words among "poison", "tag", "fail=N" (N >= 1),
 * and "none" (or an empty spec) for no option, e.g. "poison,tag,fail=100".
 * On success the options replace the current ones (pool_debug_set()) and 0
 * is returned. On a bad spec nothing changes, a one-line error naming the
 * bad word is printed on stderr, and -EINVAL is returned.
 */
int pool_debug_parse(const char *spec);

/* Test hook: makes the next <n> system allocations made by the pool layer
 * (objects and pool heads) fail as if malloc() had returned NULL. 0 cancels.
 */
void pool_debug_fail_next_mallocs(unsigned int n);

#endif /* TOLLGATE_POOL_H */
