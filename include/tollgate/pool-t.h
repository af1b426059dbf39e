/*
 * Memory pool types. See pool.h for the principle and the functions, and
 * doc/internals/pool.md for the design.
 *
 * Ownership at a glance:
 *  - struct pool_head: created by pool_create(), linked in the list of pools
 *    under LOCK_POOL_LIST; its read-mostly part never changes after creation
 *    except `users` (under LOCK_POOL_LIST).
 *  - struct pool_cache: one per worker thread per pool, written only by the
 *    owner thread (and by pool_destroy(), once nobody else uses the pool).
 *  - the shared free list (`free_list`) is under the pool's spinlock
 *    (LOCK_POOL); no pool lock is ever held across a call to malloc().
 */
#ifndef TOLLGATE_POOL_T_H
#define TOLLGATE_POOL_T_H

#include <stdatomic.h>
#include <stdint.h>

#include <tollgate/compiler.h>
#include <tollgate/list.h>
#include <tollgate/lock-t.h>
#include <tollgate/thread.h>   /* MAX_THREADS (no thread-t.h yet) */

#define POOL_NAME_LEN      32        /* bytes kept of a pool's name, NUL included */
#define POOL_ALIGN         16        /* object sizes are rounded up to this */

/* Pool creation flags (pool_create()). */
#define POOL_F_EXCLUSIVE   0x0001U   /* never merge this pool with another */
#define POOL_F_SLAB        0x0002U   /* carve objects from large chunks, kept
                                      * until the pool is destroyed (see pool.h) */
#define POOL_SLAB_ALIGN    8         /* object sizes of slab pools round to this */
#define POOL_SLAB_BYTES    (256U * 1024U) /* size of a slab chunk */

/* Debug options (pool_debug_set(), TOLLGATE_POOL_DEBUG). */
#define POOL_DBG_POISON    0x0001U   /* poison freed objects, check on reuse */
#define POOL_DBG_TAG       0x0002U   /* tag word after each object: catches
                                      * double and wrong-pool frees */
#define POOL_DBG_FAIL      0x0004U   /* fail every Nth pool_alloc() */
#define POOL_DBG_MASK      0x0007U   /* all known options */

#define POOL_POISON_BYTE   0xA5      /* pattern written into freed objects */
#define POOL_TAG_FREED     ((uintptr_t)0xF4EEF4EEF4EEF4EEULL) /* tag of a free object */

/* A free object. Its first bytes are reused as list links while it sits in a
 * cache or in the shared list, which is why an object is at least
 * sizeof(struct pool_item) bytes and poisoning starts after these links.
 */
struct pool_item {
	struct pool_item *next;   /* next object of the same batch / cache */
	struct pool_item *down;   /* shared list only, on a batch's first
	                           * object: the next batch */
};

/* The cache of one pool for one worker thread. Owner thread only, except the
 * counters, which others read (relaxed) to build statistics. One per cache
 * line so that threads never share a line on the fast path.
 */
struct pool_cache {
	struct pool_item *head;        /* most recently freed object, or NULL */
	struct pool_item *tail;        /* least recently freed, valid if head */
	_Atomic unsigned int count;    /* objects in the cache (owner writes) */
	_Atomic uint64_t allocs;       /* objects handed out by this thread */
	_Atomic uint64_t frees;        /* objects given back by this thread */
} CACHE_ALIGNED;

struct pool_head {
	/* read-mostly part: fixed at creation (except users) */
	struct list list;              /* in the list of pools (LOCK_POOL_LIST) */
	unsigned int size;             /* object size seen by users (rounded) */
	unsigned int alloc_size;       /* bytes obtained from malloc per object */
	unsigned int flags;            /* POOL_F_* */
	unsigned int debug;            /* POOL_DBG_POISON/TAG latched at creation */
	unsigned int cache_max;        /* per-thread cache bound, in objects */
	unsigned int cache_batch;      /* objects moved per shared-list exchange */
	unsigned int users;            /* creations merged here (LOCK_POOL_LIST) */
	char name[POOL_NAME_LEN];      /* name given at creation (first user's) */

	/* shared part: written by every thread, on its own cache line */
	struct spinlock lock CACHE_ALIGNED; /* LOCK_POOL: protects free_list */
	struct pool_item *free_list;   /* shared list: batches linked by `down` */
	void *slab_chunks;             /* slab pools: chunks, linked by their first word */
	char *slab_cur;                /* slab pools: next object to carve */
	unsigned int slab_left;        /* slab pools: objects left in the chunk */
	_Atomic uint64_t shared_count; /* objects in the shared list */
	_Atomic uint64_t allocated;    /* objects from malloc not yet freed to
	                                * the system */
	_Atomic uint64_t failures;     /* pool_alloc() calls that returned NULL */
	_Atomic uint64_t ext_allocs;   /* objects handed out to non-workers */
	_Atomic uint64_t ext_frees;    /* objects given back by non-workers */
	_Atomic uint64_t needed_avg16; /* 16 times the moving average of the
	                                * objects held by threads (used +
	                                * cached), see pool.md */

	struct pool_cache cache[MAX_THREADS]; /* per worker thread, by tid */
};

/* A snapshot of a pool's counters (pool_get_stats()). Taken without
 * stopping the threads: exact only when the pool is quiescent.
 */
struct pool_stats {
	char name[POOL_NAME_LEN];      /* the pool's name */
	unsigned int size;             /* object size in bytes */
	unsigned int flags;            /* POOL_F_* */
	unsigned int debug;            /* POOL_DBG_* latched by the pool */
	unsigned int users;            /* creations merged into this pool */
	unsigned int cache_max;        /* per-thread cache bound, in objects */
	uint64_t allocated;            /* objects obtained from the system */
	uint64_t used;                 /* objects handed out to users */
	uint64_t cached;               /* objects in thread caches (all threads) */
	uint64_t shared;               /* objects in the shared free list */
	uint64_t failures;             /* allocations that returned NULL */
	uint64_t needed_avg;           /* average of used + cached */
	unsigned int thread_cached[MAX_THREADS]; /* objects cached per thread */
};

#endif /* TOLLGATE_POOL_T_H */
