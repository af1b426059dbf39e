/*
 * Memory pools. See pool.h for the contract and doc/internals/pool.md for
 * the design.
 *
 * Lock rules of this file:
 *  - LOCK_POOL_LIST (pool_list_lock, a rwlock): writers are pool_create()
 *    and pool_destroy(); readers are the collector, the per-thread flush,
 *    statistics. Neither side ever calls malloc() while holding it.
 *  - LOCK_POOL (pool->lock, a spinlock): protects pool->free_list only. It is
 *    held for a handful of pointer moves, never across malloc() or free().
 *  - Order: LOCK_POOL_LIST, then one LOCK_POOL at a time.
 * Because malloc() is never called with a lock held, the collector that a
 * failed malloc() runs may take every lock: it cannot deadlock on the pool
 * that triggered it (the flaw of HAProxy's first threaded pool_gc2(), which
 * was entered with the caller's pool locked and had to skip that lock).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/compiler.h>
#include <tollgate/list.h>
#include <tollgate/lock.h>
#include <tollgate/pool.h>
#include <tollgate/thread.h>

#define POOL_CACHE_BYTES   (64U * 1024U)  /* a cache holds about this much */
#define POOL_CACHE_MIN     8U             /* ... but at least this many objects */
#define POOL_CACHE_MAX     256U           /* ... and at most this many */
#define POOL_MAX_SIZE      (1U << 30)     /* larger objects are refused */
#define POOL_AVG_SHIFT     4              /* needed_avg: new sample weighs 1/16 */

/* Slow paths stay out of line so that the fast paths keep a tiny prologue. */
#define NOINLINE           __attribute__((noinline))

/* Per-thread state that other threads write: pool_gc()'s flush requests.
 * One cache line each, so that the check in pool_thread_pass() stays local.
 */
struct pool_thread_ctx {
	atomic_int flush_req;    /* 1: flush own caches at the next loop pass */
} CACHE_ALIGNED;

static struct list pools = LIST_HEAD_INIT(pools);       /* all pools */
static struct rwlock pool_list_lock = {                /* LOCK_POOL_LIST */
	.rw = PTHREAD_RWLOCK_INITIALIZER,
#ifdef TG_DEBUG
	.label = LOCK_POOL_LIST,
#endif
};
static struct pool_thread_ctx pool_thread_ctx[MAX_THREADS];

static _Atomic unsigned int pool_dbg_flags;         /* POOL_DBG_* for new pools */
static _Atomic unsigned int pool_dbg_fail_every;    /* N of POOL_DBG_FAIL, 0: off */
static _Atomic uint64_t pool_dbg_fail_ctr;          /* pool_alloc() calls counted */
static _Atomic unsigned int pool_dbg_fail_mallocs;  /* system allocations to fail */

/* ---- small helpers ---- */

/* Returns the pool listed after <pool> (the first one if <pool> is NULL), or
 * NULL at the end. Requires LOCK_POOL_LIST. Used instead of list_for_each(),
 * which forms a struct pool_head pointer from the list head itself: a
 * misaligned pointer for UBSan, pool heads being cache-line aligned.
 */
static inline struct pool_head *pool_next(struct pool_head *pool)
{
	struct list *l = pool ? pool->list.next : pools.next;

	return l == &pools ? NULL : list_elem(l, struct pool_head, list);
}

/* Adds <n> to a counter that only the calling thread writes: a relaxed load
 * and store (plain moves), so that readers see whole values without the
 * owner paying for an atomic read-modify-write.
 */
static inline void pool_owner_add(_Atomic uint64_t *ctr, uint64_t n)
{
	atomic_store_explicit(ctr, atomic_load_explicit(ctr, memory_order_relaxed) + n,
	                      memory_order_relaxed);
}

static inline unsigned int pool_cache_count(struct pool_cache *pc)
{
	return atomic_load_explicit(&pc->count, memory_order_relaxed);
}

static inline void pool_cache_set_count(struct pool_cache *pc, unsigned int n)
{
	atomic_store_explicit(&pc->count, n, memory_order_relaxed);
}

static inline uint64_t pool_ld(_Atomic uint64_t *ctr)
{
	return atomic_load_explicit(ctr, memory_order_relaxed);
}

static inline void pool_add(_Atomic uint64_t *ctr, uint64_t n)
{
	atomic_fetch_add_explicit(ctr, n, memory_order_relaxed);
}

static inline void pool_sub(_Atomic uint64_t *ctr, uint64_t n)
{
	atomic_fetch_sub_explicit(ctr, n, memory_order_relaxed);
}

/* Prints "FATAL: pool: <message>" on one line and aborts. */
static NORETURN PRINTF_FMT(1, 2) void pool_fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("FATAL: pool: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}

/* The only place the pool layer asks the system for memory. Honours the
 * pool_debug_fail_next_mallocs() hook. <align> is 0 for malloc()'s default
 * alignment. Returns NULL on failure. Called with no lock held.
 */
static void *pool_sys_alloc(size_t size, size_t align)
{
	unsigned int n = atomic_load_explicit(&pool_dbg_fail_mallocs, memory_order_relaxed);

	while (unlikely(n)) {
		if (atomic_compare_exchange_weak_explicit(&pool_dbg_fail_mallocs, &n, n - 1,
		                                          memory_order_relaxed,
		                                          memory_order_relaxed))
			return NULL;
	}
	return align ? aligned_alloc(align, size) : malloc(size);
}

/* Returns the number of objects of <pool> handed out and not given back
 * (a racy sum, exact when the pool is quiescent; 0 if the race went below).
 */
static uint64_t pool_used(struct pool_head *pool)
{
	uint64_t out = 0, in = 0;
	int t;

	/* frees first: an object seen freed here was allocated before */
	for (t = 0; t < MAX_THREADS; t++)
		in += pool_ld(&pool->cache[t].frees);
	in += pool_ld(&pool->ext_frees);
	for (t = 0; t < MAX_THREADS; t++)
		out += pool_ld(&pool->cache[t].allocs);
	out += pool_ld(&pool->ext_allocs);
	return (int64_t)(out - in) > 0 ? out - in : 0;
}

/* Feeds the needed_avg moving average with the objects threads currently
 * hold (used + cached = allocated - shared). Called on slow paths only; the
 * relaxed load/store may lose a concurrent sample, which is harmless.
 */
static void pool_update_needed(struct pool_head *pool)
{
	uint64_t alloc = pool_ld(&pool->allocated);
	uint64_t shared = pool_ld(&pool->shared_count);
	uint64_t held = alloc > shared ? alloc - shared : 0;
	uint64_t sum = pool_ld(&pool->needed_avg16);

	sum = sum - (sum >> POOL_AVG_SHIFT) + held;
	atomic_store_explicit(&pool->needed_avg16, sum, memory_order_relaxed);
}

/* ---- debug checks ---- */

static inline uintptr_t *pool_tag(const struct pool_head *pool, void *ptr)
{
	return (uintptr_t *)(void *)((char *)ptr + pool->size);
}

/* Copies into <name> (<len> bytes) the name of the listed pool whose head is
 * at <addr> and stores its object size in <size>. Returns 1 if found. Only
 * tries the list lock: it runs on the way to abort().
 */
static int pool_name_of(uintptr_t addr, char *name, size_t len, unsigned int *size)
{
	struct pool_head *entry;
	int found = 0;

	if (pthread_rwlock_tryrdlock(&pool_list_lock.rw) != 0)
		return 0;
	for (entry = pool_next(NULL); entry; entry = pool_next(entry)) {
		if ((uintptr_t)entry == addr) {
			snprintf(name, len, "%s", entry->name);
			*size = entry->size;
			found = 1;
			break;
		}
	}
	pthread_rwlock_unlock(&pool_list_lock.rw);
	return found;
}

/* Reports a free of <ptr> into <pool> whose tag is <tag> instead of <pool>,
 * and aborts.
 */
static NORETURN void pool_bad_free(struct pool_head *pool, void *ptr, uintptr_t tag)
{
	char owner[POOL_NAME_LEN];
	unsigned int size;

	if (tag == POOL_TAG_FREED)
		pool_fatal("double free of object %p in pool '%s' (%u bytes)",
		           ptr, pool->name, pool->size);
	if (pool_name_of(tag, owner, sizeof(owner), &size))
		pool_fatal("object %p of pool '%s' (%u bytes) freed into the wrong pool '%s' (%u bytes)",
		           ptr, owner, size, pool->name, pool->size);
	pool_fatal("object %p freed into pool '%s' (%u bytes) does not belong to it (tag 0x%" PRIxPTR ": unknown pool or corrupted memory)",
	           ptr, pool->name, pool->size, tag);
}

/* Checks that the free object <ptr> of a POISON pool still holds the poison
 * pattern after its links; reports and aborts otherwise.
 */
static void pool_check_poison(struct pool_head *pool, void *ptr)
{
	const unsigned char *p = (const unsigned char *)ptr + sizeof(struct pool_item);
	size_t len = pool->size - sizeof(struct pool_item);
	size_t ofs;

	if (!len || (p[0] == POOL_POISON_BYTE && memcmp(p, p + 1, len - 1) == 0))
		return;
	for (ofs = 0; p[ofs] == POOL_POISON_BYTE; ofs++)
		;
	pool_fatal("free object %p of pool '%s' (%u bytes) was written after free: byte at offset %zu is 0x%02x instead of 0x%02x",
	           ptr, pool->name, pool->size, ofs + sizeof(struct pool_item), p[ofs],
	           POOL_POISON_BYTE);
}

/* Debug part of pool_free(): checks and marks the tag, poisons. */
static NOINLINE void pool_free_dbg(struct pool_head *pool, void *ptr)
{
	if (pool->debug & POOL_DBG_TAG) {
		uintptr_t *tag = pool_tag(pool, ptr);

		if (*tag != (uintptr_t)pool)
			pool_bad_free(pool, ptr, *tag);
		*tag = POOL_TAG_FREED;
	}
	if (pool->debug & POOL_DBG_POISON)
		memset((char *)ptr + sizeof(struct pool_item), POOL_POISON_BYTE,
		       pool->size - sizeof(struct pool_item));
}

/* ---- the shared list (LOCK_POOL) ---- */

/* Pushes the batch <first>..(next)..NULL of <n> objects onto <pool>'s
 * shared list. The count is raised before linking and lowered after
 * unlinking, so it never under-counts the list: a zero means empty.
 */
static void pool_shared_push(struct pool_head *pool, struct pool_item *first, unsigned int n)
{
	pool_add(&pool->shared_count, n);
	spin_lock(&pool->lock);
	first->down = pool->free_list;
	pool->free_list = first;
	spin_unlock(&pool->lock);
}

/* Pops one batch from <pool>'s shared list and returns its first object
 * (chained by `next`), or NULL if the list is empty. The caller counts the
 * batch and lowers shared_count.
 */
static struct pool_item *pool_shared_pop_batch(struct pool_head *pool)
{
	struct pool_item *first;

	if (!pool_ld(&pool->shared_count))
		return NULL;
	spin_lock(&pool->lock);
	first = pool->free_list;
	if (first)
		pool->free_list = first->down;
	spin_unlock(&pool->lock);
	return first;
}

/* Pops one object from <pool>'s shared list, or returns NULL. */
static struct pool_item *pool_shared_pop_one(struct pool_head *pool)
{
	struct pool_item *it;

	if (!pool_ld(&pool->shared_count))
		return NULL;
	spin_lock(&pool->lock);
	it = pool->free_list;
	if (it) {
		if (it->next) {
			it->next->down = it->down;
			pool->free_list = it->next;
		} else {
			pool->free_list = it->down;
		}
	}
	spin_unlock(&pool->lock);
	if (it)
		pool_sub(&pool->shared_count, 1);
	return it;
}

/* Returns <pool>'s whole shared list to the system. The list is detached
 * under the lock and freed outside it. Returns the number of objects freed.
 */
static uint64_t pool_free_shared(struct pool_head *pool)
{
	struct pool_item *batch, *down, *it, *next;
	uint64_t n = 0;

	if (pool->flags & POOL_F_SLAB)
		return 0;   /* slab objects go back with their chunk only */
	spin_lock(&pool->lock);
	batch = pool->free_list;
	pool->free_list = NULL;
	spin_unlock(&pool->lock);

	for (; batch; batch = down) {
		down = batch->down;
		for (it = batch; it; it = next) {
			next = it->next;
			free(it);
			n++;
		}
	}
	if (n) {
		pool_sub(&pool->shared_count, n);
		pool_sub(&pool->allocated, n);
	}
	return n;
}

/* Returns the objects of cache <pc> of <pool> to the system. Requires that
 * the caller owns <pc> (its thread, or pool_destroy() on a quiescent pool).
 */
static uint64_t pool_free_cache(struct pool_head *pool, struct pool_cache *pc)
{
	struct pool_item *it = pc->head, *next;
	uint64_t n = 0;

	if (pool->flags & POOL_F_SLAB)
		return 0;   /* slab objects go back with their chunk only */
	pc->head = pc->tail = NULL;
	pool_cache_set_count(pc, 0);
	for (; it; it = next) {
		next = it->next;
		free(it);
		n++;
	}
	if (n)
		pool_sub(&pool->allocated, n);
	return n;
}

/* ---- allocation slow paths ---- */

/* Gets a new object of <pool> from the system; on failure runs the
 * collector and retries once. Returns NULL (counted as a failure) if both
 * attempts fail. Called with no lock held.
 */
/* Carves one object from <pool>'s current slab chunk. Requires the pool
 * lock. Returns NULL when the chunk is used up.
 */
static void *__pool_slab_carve(struct pool_head *pool)
{
	void *p;

	if (!pool->slab_left)
		return NULL;
	p = pool->slab_cur;
	pool->slab_cur += pool->alloc_size;
	pool->slab_left--;
	return p;
}

/* Slab pools: an object from the current chunk, or from a new chunk
 * allocated with no lock held (then installed under the lock, or dropped
 * if another thread installed one meanwhile). Returns NULL on failure.
 */
static void *pool_slab_alloc(struct pool_head *pool)
{
	unsigned int n = (POOL_SLAB_BYTES - 16) / pool->alloc_size;
	void *p, *chunk;

	spin_lock(&pool->lock);
	p = __pool_slab_carve(pool);
	spin_unlock(&pool->lock);
	if (p)
		return p;
	size_t bytes;

	if (!n)
		n = 1;
	/* aligned_alloc() wants a size that is a multiple of the alignment */
	bytes = (16 + (size_t)n * pool->alloc_size + 15) & ~(size_t)15;
	chunk = pool_sys_alloc(bytes, 16);
	if (!chunk) {
		pool_gc(pool);
		chunk = pool_sys_alloc(bytes, 16);
		if (!chunk)
			return NULL;
	}
	spin_lock(&pool->lock);
	if (pool->slab_left) {
		p = __pool_slab_carve(pool);
		spin_unlock(&pool->lock);
		free(chunk);
		return p;
	}
	*(void **)chunk = pool->slab_chunks;
	pool->slab_chunks = chunk;
	pool->slab_cur = (char *)chunk + 16;
	pool->slab_left = n;
	p = __pool_slab_carve(pool);
	spin_unlock(&pool->lock);
	return p;
}

static void *pool_alloc_sys(struct pool_head *pool)
{
	void *ptr = (pool->flags & POOL_F_SLAB) ? pool_slab_alloc(pool)
	                                         : pool_sys_alloc(pool->alloc_size, 0);

	if (unlikely(!ptr)) {
		/* No pool lock is held here, this pool's included (none ever
		 * is around malloc()), so the collector may lock them all.
		 */
		pool_gc(pool);
		ptr = (pool->flags & POOL_F_SLAB) ? pool_slab_alloc(pool)
		                                  : pool_sys_alloc(pool->alloc_size, 0);
		if (!ptr) {
			pool_add(&pool->failures, 1);
			return NULL;
		}
	}
	pool_add(&pool->allocated, 1);
	pool_update_needed(pool);
	return ptr;
}

/* Worker path when cache <pc> of <pool> is empty: takes a batch from the
 * shared list (one lock), hands out its first object and caches the rest;
 * else allocates from the system. Sets *<recycled> to 1 if the object had
 * been freed before. Returns NULL on failure.
 */
static NOINLINE void *pool_refill(struct pool_head *pool, struct pool_cache *pc, int *recycled)
{
	struct pool_item *first, *it;
	unsigned int n = 1;
	void *ptr;

	first = pool_shared_pop_batch(pool);
	if (!first) {
		*recycled = 0;
		ptr = pool_alloc_sys(pool);
		if (ptr)
			pool_owner_add(&pc->allocs, 1);
		return ptr;
	}
	/* the batch is ours now: count it outside the lock */
	for (it = first; it->next; it = it->next)
		n++;
	pool_sub(&pool->shared_count, n);
	if (n > 1) {
		pc->head = first->next;
		pc->tail = it;
		pool_cache_set_count(pc, n - 1);
	}
	pool_owner_add(&pc->allocs, 1);
	*recycled = 1;
	return first;
}

/* Non-worker path: one object from the shared list, else from the system. */
static NOINLINE void *pool_alloc_ext(struct pool_head *pool, int *recycled)
{
	void *ptr = pool_shared_pop_one(pool);

	*recycled = ptr != NULL;
	if (!ptr)
		ptr = pool_alloc_sys(pool);
	if (ptr)
		pool_add(&pool->ext_allocs, 1);
	return ptr;
}

/* Non-worker path of pool_free(): the object goes to the shared list. */
static NOINLINE void pool_free_ext(struct pool_head *pool, struct pool_item *it)
{
	it->next = NULL;
	pool_shared_push(pool, it, 1);
	pool_add(&pool->ext_frees, 1);
}

/* Takes an object from the calling thread's cache, or the slow paths. */
static inline void *pool_get(struct pool_head *pool, int *recycled)
{
	unsigned int t = (unsigned int)tid;
	struct pool_cache *pc;
	struct pool_item *it;

	if (unlikely(t >= MAX_THREADS))
		return pool_alloc_ext(pool, recycled);
	pc = &pool->cache[t];
	it = pc->head;
	if (unlikely(!it))
		return pool_refill(pool, pc, recycled);
	pc->head = it->next;
	pool_cache_set_count(pc, pool_cache_count(pc) - 1);
	pool_owner_add(&pc->allocs, 1);
	*recycled = 1;
	return it;
}

/* pool_alloc() when a debug option is active for <pool> or globally. */
static NOINLINE void *pool_alloc_dbg(struct pool_head *pool)
{
	unsigned int every = atomic_load_explicit(&pool_dbg_fail_every, memory_order_relaxed);
	int recycled;
	void *ptr;

	if (every) {
		uint64_t n = atomic_fetch_add_explicit(&pool_dbg_fail_ctr, 1,
		                                       memory_order_relaxed) + 1;
		if (n % every == 0) {
			pool_add(&pool->failures, 1);
			return NULL;
		}
	}
	ptr = pool_get(pool, &recycled);
	if (!ptr)
		return NULL;
	if (recycled && (pool->debug & POOL_DBG_POISON))
		pool_check_poison(pool, ptr);
	if (pool->debug & POOL_DBG_TAG)
		*pool_tag(pool, ptr) = (uintptr_t)pool;
	return ptr;
}

/* ---- public allocation API ---- */

void *pool_alloc(struct pool_head *pool)
{
	int recycled;

	if (unlikely(pool->debug |
	             atomic_load_explicit(&pool_dbg_fail_every, memory_order_relaxed)))
		return pool_alloc_dbg(pool);
	return pool_get(pool, &recycled);
}

void *pool_zalloc(struct pool_head *pool)
{
	void *ptr = pool_alloc(pool);

	if (ptr)
		memset(ptr, 0, pool->size);
	return ptr;
}

/* Moves the least recently freed cache_batch objects of the overfull cache
 * <pc> to <pool>'s shared list, under one lock acquisition. The walk to the
 * split point runs over recently freed (hot) objects, outside the lock.
 */
static NOINLINE void pool_cache_evict(struct pool_head *pool, struct pool_cache *pc)
{
	unsigned int keep = pool_cache_count(pc) - pool->cache_batch;
	struct pool_item *split = pc->head, *first;
	unsigned int i;

	for (i = 1; i < keep; i++)
		split = split->next;
	first = split->next;
	split->next = NULL;
	pc->tail = split;
	pool_cache_set_count(pc, keep);
	pool_shared_push(pool, first, pool->cache_batch);
	pool_update_needed(pool);
}

void pool_free(struct pool_head *pool, void *ptr)
{
	unsigned int t = (unsigned int)tid;
	struct pool_item *it = ptr;
	struct pool_cache *pc;
	unsigned int n;

	if (unlikely(!ptr))
		return;
	if (unlikely(pool->debug))
		pool_free_dbg(pool, ptr);
	if (unlikely(t >= MAX_THREADS)) {
		pool_free_ext(pool, it);
		return;
	}
	pc = &pool->cache[t];
	it->next = pc->head;
	if (!pc->head)
		pc->tail = it;
	pc->head = it;
	n = pool_cache_count(pc) + 1;
	pool_cache_set_count(pc, n);
	pool_owner_add(&pc->frees, 1);
	if (unlikely(n > pool->cache_max))
		pool_cache_evict(pool, pc);
}

/* ---- creation and destruction ---- */

struct pool_head *pool_create(const char *name, unsigned int size, unsigned int flags)
{
	unsigned int debug = atomic_load(&pool_dbg_flags) & (POOL_DBG_POISON | POOL_DBG_TAG);
	struct pool_head *pool, *entry;
	unsigned int objs;

	if (size > POOL_MAX_SIZE)
		return NULL;
	if (size < sizeof(struct pool_item))
		size = sizeof(struct pool_item);
	if (flags & POOL_F_SLAB)
		size = (size + POOL_SLAB_ALIGN - 1) & ~(POOL_SLAB_ALIGN - 1U);
	else
		size = (size + POOL_ALIGN - 1) & ~(POOL_ALIGN - 1U);

	/* Allocated before locking, and freed if we merge: no lock is ever
	 * held across an allocation.
	 */
	pool = pool_sys_alloc(sizeof(*pool), CACHELINE_SIZE);
	if (!pool)
		return NULL;
	memset(pool, 0, sizeof(*pool));
	list_init(&pool->list);
	snprintf(pool->name, sizeof(pool->name), "%s", name ? name : "?");
	pool->size = size;
	pool->alloc_size = size + ((debug & POOL_DBG_TAG) ? sizeof(uintptr_t) : 0);
	pool->flags = flags;
	pool->debug = debug;
	objs = POOL_CACHE_BYTES / size;
	pool->cache_max = objs < POOL_CACHE_MIN ? POOL_CACHE_MIN :
	                  objs > POOL_CACHE_MAX ? POOL_CACHE_MAX : objs;
	pool->cache_batch = pool->cache_max / 2;
	pool->users = 1;
	spin_init(&pool->lock, LOCK_POOL);

	rw_wrlock(&pool_list_lock);
	if (!(flags & POOL_F_EXCLUSIVE)) {
		for (entry = pool_next(NULL); entry; entry = pool_next(entry)) {
			if (entry->size != size || entry->debug != debug ||
			    (entry->flags & POOL_F_EXCLUSIVE) ||
			    ((entry->flags ^ flags) & POOL_F_SLAB))
				continue;
			entry->users++;
			rw_unlock(&pool_list_lock);
			free(pool);
			return entry;
		}
	}
	list_append(&pools, &pool->list);
	rw_unlock(&pool_list_lock);
	return pool;
}

void *pool_destroy(struct pool_head *pool)
{
	uint64_t used;
	int t;

	if (!pool)
		return NULL;

	rw_wrlock(&pool_list_lock);
	if (pool->users > 0)
		pool->users--;
	if (pool->users) {
		rw_unlock(&pool_list_lock);
		return NULL;
	}
	used = pool_used(pool);
	if (used) {
		/* Freeing the head would leave the objects dangling: keep it
		 * listed with 0 users (destroying it again retries).
		 */
		rw_unlock(&pool_list_lock);
		fprintf(stderr, "WARNING: pool: pool '%s' (%u bytes) destroyed with %" PRIu64 " objects still in use; keeping it\n",
		        pool->name, pool->size, used);
		return NULL;
	}
	list_del_init(&pool->list);
	rw_unlock(&pool_list_lock);

	pool_free_shared(pool);
	for (t = 0; t < MAX_THREADS; t++)
		pool_free_cache(pool, &pool->cache[t]);
	if (pool->flags & POOL_F_SLAB) {
		/* every object is free: the chunks go back whole */
		while (pool->slab_chunks) {
			void *next = *(void **)pool->slab_chunks;

			free(pool->slab_chunks);
			pool->slab_chunks = next;
		}
		atomic_store(&pool->allocated, 0);
	}
	BUG_ON(pool_ld(&pool->allocated) != 0);
	free(pool);
	return NULL;
}

/* ---- garbage collection ---- */

void pool_gc(struct pool_head *caller)
{
	unsigned int t = (unsigned int)tid;
	struct pool_head *pool;
	unsigned int i;

	/* <caller> needs no special case: its lock is not held by the thread
	 * whose malloc() failed, so it is taken below like every other one.
	 */
	(void)caller;

	rw_rdlock(&pool_list_lock);
	for (pool = pool_next(NULL); pool; pool = pool_next(pool)) {
		pool_free_shared(pool);
		if (t < MAX_THREADS)
			pool_free_cache(pool, &pool->cache[t]);
	}
	rw_unlock(&pool_list_lock);

	for (i = 0; i < MAX_THREADS; i++) {
		if (i != t)
			atomic_store_explicit(&pool_thread_ctx[i].flush_req, 1,
			                      memory_order_relaxed);
	}
}

void pool_flush(struct pool_head *pool)
{
	unsigned int t = (unsigned int)tid;

	if (!pool)
		return;
	pool_free_shared(pool);
	if (t < MAX_THREADS)
		pool_free_cache(pool, &pool->cache[t]);
}

void pool_thread_pass(void)
{
	unsigned int t = (unsigned int)tid;
	struct pool_head *pool;

	if (t >= MAX_THREADS)
		return;
	if (likely(!atomic_load_explicit(&pool_thread_ctx[t].flush_req, memory_order_relaxed)))
		return;
	atomic_store_explicit(&pool_thread_ctx[t].flush_req, 0, memory_order_relaxed);

	rw_rdlock(&pool_list_lock);
	for (pool = pool_next(NULL); pool; pool = pool_next(pool))
		pool_free_cache(pool, &pool->cache[t]);
	rw_unlock(&pool_list_lock);
}

/* ---- statistics ---- */

/* Fills <st> for <pool>. Requires LOCK_POOL_LIST (either side) for `users`. */
static void __pool_get_stats(struct pool_head *pool, struct pool_stats *st)
{
	unsigned int n;
	int t;

	memset(st, 0, sizeof(*st));
	memcpy(st->name, pool->name, sizeof(st->name));
	st->size = pool->size;
	st->flags = pool->flags;
	st->debug = pool->debug;
	st->users = pool->users;
	st->cache_max = pool->cache_max;
	st->used = pool_used(pool);
	for (t = 0; t < MAX_THREADS; t++) {
		n = pool_cache_count(&pool->cache[t]);
		st->thread_cached[t] = n;
		st->cached += n;
	}
	st->shared = pool_ld(&pool->shared_count);
	st->allocated = pool_ld(&pool->allocated);
	st->failures = pool_ld(&pool->failures);
	st->needed_avg = pool_ld(&pool->needed_avg16) >> POOL_AVG_SHIFT;
}

int pool_get_stats(struct pool_head *pool, struct pool_stats *st)
{
	rw_rdlock(&pool_list_lock);
	__pool_get_stats(pool, st);
	rw_unlock(&pool_list_lock);
	return 0;
}

int pool_for_each(int (*cb)(struct pool_head *pool, const struct pool_stats *st, void *arg),
                  void *arg)
{
	struct pool_head *pool;
	struct pool_stats st;
	int ret = 0;

	rw_rdlock(&pool_list_lock);
	for (pool = pool_next(NULL); pool; pool = pool_next(pool)) {
		__pool_get_stats(pool, &st);
		ret = cb(pool, &st, arg);
		if (ret)
			break;
	}
	rw_unlock(&pool_list_lock);
	return ret;
}

/* Totals accumulated by pool_dump(). */
struct pool_dump_ctx {
	FILE *out;                 /* where to write */
	unsigned int pools;        /* pools seen */
	uint64_t allocated;        /* bytes obtained from the system */
	uint64_t used;             /* bytes handed out */
	uint64_t cached;           /* bytes in thread caches */
};

static int pool_dump_one(struct pool_head *pool, const struct pool_stats *st, void *arg)
{
	struct pool_dump_ctx *ctx = arg;

	fprintf(ctx->out, "  - Pool %s (%u bytes) : %" PRIu64 " allocated (%" PRIu64 " bytes), %" PRIu64 " used (~%" PRIu64 " by thread caches), needed_avg %" PRIu64 ", %" PRIu64 " failures, %u users%s\n",
	        st->name, st->size, st->allocated, st->allocated * st->size, st->used,
	        st->cached, st->needed_avg, st->failures, st->users,
	        st->users > 1 ? " [SHARED]" : "");
	ctx->pools++;
	ctx->allocated += st->allocated * st->size;
	ctx->used += st->used * st->size;
	ctx->cached += st->cached * st->size;
	return 0;
}

int pool_dump(FILE *out)
{
	struct pool_dump_ctx ctx = { .out = out };

	fprintf(out, "Dumping pools usage. Use SIGQUIT to flush them.\n");
	pool_for_each(pool_dump_one, &ctx);
	fprintf(out, "Total: %u pools, %" PRIu64 " bytes allocated, %" PRIu64 " used (~%" PRIu64 " by thread caches).\n",
	        ctx.pools, ctx.allocated, ctx.used, ctx.cached);
	return ferror(out) ? -EIO : 0;
}

/* ---- debug options ---- */

int pool_debug_set(unsigned int flags, unsigned int fail_every)
{
	if (flags & ~POOL_DBG_MASK)
		return -EINVAL;
	if ((flags & POOL_DBG_FAIL) && !fail_every)
		return -EINVAL;
	if (!(flags & POOL_DBG_FAIL))
		fail_every = 0;
	atomic_store(&pool_dbg_fail_ctr, 0);
	atomic_store(&pool_dbg_fail_every, fail_every);
	atomic_store(&pool_dbg_flags, flags);
	return 0;
}

void pool_debug_get(unsigned int *flags, unsigned int *fail_every)
{
	if (flags)
		*flags = atomic_load(&pool_dbg_flags);
	if (fail_every)
		*fail_every = atomic_load(&pool_dbg_fail_every);
}

/* Returns 1 if the <len> bytes at <word> spell <name>. */
static int pool_word_is(const char *word, size_t len, const char *name)
{
	return len == strlen(name) && memcmp(word, name, len) == 0;
}

/* Parses the decimal N of "fail=N" (<len> bytes at <s>) into <n>. Returns 0,
 * or -EINVAL unless 1 <= N <= UINT_MAX.
 */
static int pool_parse_uint(const char *s, size_t len, unsigned int *n)
{
	uint64_t v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	if (!v)
		return -EINVAL;
	*n = (unsigned int)v;
	return 0;
}

int pool_debug_parse(const char *spec)
{
	unsigned int flags = 0, every = 0;
	const char *word = spec ? spec : "";
	const char *end;
	size_t len;

	while (*word) {
		end = strchr(word, ',');
		if (!end)
			end = word + strlen(word);
		len = (size_t)(end - word);
		if (len == 0 || pool_word_is(word, len, "none"))
			;
		else if (pool_word_is(word, len, "poison"))
			flags |= POOL_DBG_POISON;
		else if (pool_word_is(word, len, "tag"))
			flags |= POOL_DBG_TAG;
		else if (len > 5 && memcmp(word, "fail=", 5) == 0 &&
		         pool_parse_uint(word + 5, len - 5, &every) == 0)
			flags |= POOL_DBG_FAIL;
		else
			goto out_bad_word;
		word = *end ? end + 1 : end;
	}
	return pool_debug_set(flags, every);

 out_bad_word:
	fprintf(stderr, "pool: invalid debug option '%.*s' in spec '%s': expected poison, tag, fail=N (N >= 1) or none, separated by commas\n",
	        (int)len, word, spec);
	return -EINVAL;
}

void pool_debug_fail_next_mallocs(unsigned int n)
{
	atomic_store(&pool_dbg_fail_mallocs, n);
}
