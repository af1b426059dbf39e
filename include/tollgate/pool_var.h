/*
 * Variable-size allocations served by pools: a malloc()-like interface over
 * a fixed set of size classes, each a pool of pool.h. For code whose sizes
 * vary but stay small and which allocates per request (a library that takes
 * an allocator: nghttp2's nghttp2_mem, mux_h2.h).
 *
 * Principle:
 *  - Classes of 64 B to 16 KiB (powers of two), each one pool named
 *    "var-<size>", created once by pool_var_init(). A request is served by
 *    the smallest class that holds it plus a 16-byte header naming the
 *    class; a larger one by malloc() (the header then says so).
 *  - Ownership: what pool_var_alloc() returns belongs to the caller until
 *    pool_var_free(); it may be freed or resized on any thread (the pools
 *    are thread-safe: an object freed on another thread goes to that
 *    thread's cache), but like malloc() one object is used by one thread
 *    at a time. The mux frees on the connection's thread.
 *  - Pointers are 16-byte aligned, like malloc()'s on x86-64.
 *  - Memory: each class keeps at most its pool's per-thread cache
 *    (pool.h); pool_gc() returns the rest to the system.
 *
 * Costs: alloc and free are a pool_alloc()/pool_free() plus a class lookup
 * (a bit scan); realloc within the same class is free, across classes a
 * copy. Returns NULL when memory is short, never aborts.
 */
#ifndef TOLLGATE_POOL_VAR_H
#define TOLLGATE_POOL_VAR_H

#include <stddef.h>

/* Creates the class pools; idempotent and thread-safe (the first caller
 * creates them). 0 or -ENOMEM.
 */
int pool_var_init(void);

/* Returns <size> bytes (uninitialised), or NULL. Requires pool_var_init(). */
void *pool_var_alloc(size_t size);

/* Returns <n> x <size> zeroed bytes, or NULL (also on overflow). */
void *pool_var_calloc(size_t n, size_t size);

/* Resizes <ptr> (NULL: allocates) to <size> bytes, keeping its content up
 * to the smaller size; NULL when memory is short (<ptr> is then kept).
 */
void *pool_var_realloc(void *ptr, size_t size);

/* Frees <ptr> (NULL is allowed), from any thread. */
void pool_var_free(void *ptr);

#endif /* TOLLGATE_POOL_VAR_H */
