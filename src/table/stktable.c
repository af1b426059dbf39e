/*
 * Stick-table store: layout, shards, hash index, and the entry operations
 * (lookup, get_or_create, touch, release, kill, expiry override), data
 * access and statistics. Principle and locking in stktable.h; design in
 * doc/internals/stktable.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <tollgate/clock.h>
#include <tollgate/lock.h>
#include <tollgate/pool.h>
#include <tollgate/stktable.h>
#include <tollgate/stktable_topk.h>
#include <tollgate/ticks.h>

#define STKTABLE_MIN_BUCKETS   16U     /* initial buckets of a shard */
#define STKTABLE_PER_SHARD     1024U   /* automatic sharding: one shard per this many entries */
#define STKTABLE_AUTO_SHARDS   256U    /* automatic sharding: at most this many shards */
#define STKTABLE_LOAN          16U     /* capacity borrowed or returned at once */

/* Capacity. Each shard owns a quota (its share of 7/8 of `size`); the rest
 * (t->spare) is lent in batches of STKTABLE_LOAN to shards that fill up
 * before the table does, and given back when a shard has twice that much
 * room again. So the table holds up to exactly `size` entries although keys
 * never hash evenly, and the shared counter is written once per batch, not
 * per entry. A full shard that cannot borrow evicts (or, with nopurge,
 * refuses).
 */

/* ---- Hashing ---- */

static inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t __stktable_hash(const struct stktable *t, const void *nkey)
{
	const unsigned char *p = nkey;
	uint32_t n = t->key_size, i;
	uint64_t h = t->seed, w;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h ^= w * 0x9E3779B97F4A7C15ULL;
		h = ((h << 27) | (h >> 37)) * 0x94D049BB133111EBULL;
	}
	if (i < n) {
		w = 0;
		memcpy(&w, p + i, n - i);
		h ^= w * 0x9E3779B97F4A7C15ULL;
	}
	return mix64(h ^ n);
}

static inline uint32_t bucket_of(const struct stktable_shard *sh, uint64_t h)
{
	return (uint32_t)h & sh->nb_mask;
}

void stktable_key_normalize(const struct stktable *t, const struct stktable_key *key, void *out)
{
	size_t n;

	memset(out, 0, t->key_size);
	if (t->def.type == STKTABLE_KEY_STRING) {
		n = key->len < t->key_size - 1 ? key->len : t->key_size - 1;
		n = strnlen(key->ptr, n);
	} else {
		n = key->len < t->key_size ? key->len : t->key_size;
	}
	memcpy(out, key->ptr, n);
}

/* ---- Lifecycle ---- */

static uint32_t pow2_floor(uint32_t v)
{
	uint32_t p = 1;

	while (p <= v / 2)
		p <<= 1;
	return p;
}

static uint32_t pow2_ceil(uint32_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1U << 31))
		p <<= 1;
	return p;
}

/* Computes the key size, the data offsets and the entry size of <t>. Types
 * of 8-byte alignment come first, then the 4-byte ones, so that there is no
 * padding between data.
 */
static int compute_layout(struct stktable *t)
{
	uint32_t ofs, pass, i;

	t->key_size = t->def.key_len + (t->def.type == STKTABLE_KEY_STRING);
	ofs = (uint32_t)sizeof(struct stksess) + t->key_size;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
			size_t sz = stktable_data_type_size((int)i);
			int wide = sz == 8;

			if (!t->def.stored[i] || wide != (pass == 0))
				continue;
			ofs = (ofs + (wide ? 7U : 3U)) & ~(wide ? 7U : 3U);
			if (ofs > UINT16_MAX)
				return -EINVAL;
			t->data_ofs[i] = (uint16_t)ofs;
			ofs += (uint32_t)sz * t->def.nbelem[i];
		}
		if (pass == 0)
			ofs = (ofs + 3) & ~3U;
	}
	t->entry_size = (ofs + 7) & ~7U;
	return 0;
}

int stktable_init(struct stktable *t, const char *id, const struct stktable_def *def)
{
	uint32_t i, nb, base, extra, reserve;
	char pname[STKTABLE_NAME_LEN + 8];

	if (!def->size || def->key_len < 1 || def->key_len > STKTABLE_MAX_KEY_LEN ||
	    (unsigned int)def->type >= STKTABLE_KEY_TYPES)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", id ? id : "");
	t->def = *def;
	for (i = 0; i < STKTABLE_DATA_TYPES; i++)
		if (!t->def.stored[i])
			t->def.nbelem[i] = 0;
	if (compute_layout(t))
		return -EINVAL;

	if (def->flags & STKTABLE_F_SINGLE_LOCK)
		nb = 1;
	else if (def->nb_shards)
		nb = pow2_floor(def->nb_shards);
	else
		nb = pow2_floor(def->size / STKTABLE_PER_SHARD ? def->size / STKTABLE_PER_SHARD : 1);
	if (nb > (def->nb_shards ? STKTABLE_MAX_SHARDS : STKTABLE_AUTO_SHARDS))
		nb = def->nb_shards ? STKTABLE_MAX_SHARDS : STKTABLE_AUTO_SHARDS;
	if (nb > def->size)
		nb = pow2_floor(def->size);
	t->nb_shards = nb;
	t->shard_bits = (uint32_t)__builtin_ctz(nb);

	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)clock_mono_ns() ^ ((uint64_t)(uintptr_t)t << 16);

	t->shards = aligned_alloc(CACHELINE_SIZE, sizeof(*t->shards) * nb);
	if (!t->shards)
		return -ENOMEM;
	memset(t->shards, 0, sizeof(*t->shards) * nb);
	reserve = nb > 1 ? def->size / 8 : 0;
	base = (def->size - reserve) / nb;
	extra = (def->size - reserve) % nb;
	atomic_init(&t->spare, reserve);
	for (i = 0; i < nb; i++) {
		struct stktable_shard *sh = &t->shards[i];

		spin_init(&sh->lock, LOCK_TABLE_SHARD);
		sh->quota = base + (i < extra);
		sh->nb_max = pow2_ceil(sh->quota + (sh->quota < reserve ? sh->quota : reserve));
		if (sh->nb_max < STKTABLE_MIN_BUCKETS)
			sh->nb_max = STKTABLE_MIN_BUCKETS;
		sh->nb_mask = STKTABLE_MIN_BUCKETS - 1;
		list_init(&sh->touch);
		list_init(&sh->ovr);
		sh->ovr_next = TICK_ETERNITY;
		sh->buckets = calloc(STKTABLE_MIN_BUCKETS, sizeof(*sh->buckets));
		if (!sh->buckets)
			goto out_free_shards;
	}
	t->evict_batch = base / 64;
	if (t->evict_batch < 1)
		t->evict_batch = 1;
	if (t->evict_batch > 32)
		t->evict_batch = 32;

	snprintf(pname, sizeof(pname), "stksess:%s", t->id);
	/* Slab pool: entries are small and numerous, a malloc() header and
	 * 16-byte rounding each would cost a third of an `ip` entry; slab
	 * objects cost their size rounded to 8.
	 */
	t->pool = pool_create(pname, t->entry_size, POOL_F_SLAB);
	if (!t->pool)
		goto out_free_shards;
	if (def->topk_n && stktable_topk_init(t) < 0) {
		pool_destroy(t->pool);
		goto out_free_shards;
	}
	spin_init(&t->exp_lock, LOCK_TABLE);
	t->exp_req = TICK_ETERNITY;
	return 0;

out_free_shards:
	for (i = 0; i < nb; i++)
		free(t->shards[i].buckets);
	free(t->shards);
	t->shards = NULL;
	return -ENOMEM;
}

void stktable_deinit(struct stktable *t)
{
	struct stksess *ts, *back;
	uint32_t i;

	if (!t->shards)
		return;
	for (i = 0; i < t->nb_shards; i++) {
		struct stktable_shard *sh = &t->shards[i];

		list_for_each_safe(ts, back, &sh->touch, list)
			pool_free(t->pool, ts);
		list_for_each_safe(ts, back, &sh->ovr, list)
			pool_free(t->pool, ts);
		free(sh->buckets);
	}
	free(t->shards);
	t->shards = NULL;
	stktable_topk_deinit(t);
	pool_destroy(t->pool);
	t->pool = NULL;
}

/* ---- Index (shard lock held) ---- */

/* Returns the bucket count <sh> should grow to (double) if it holds more
 * entries than buckets and may grow, else 0. Shard lock held.
 */
static inline uint32_t __shard_grow_wanted(const struct stktable_shard *sh)
{
	uint32_t nb = (sh->nb_mask + 1) * 2;

	return sh->count > sh->nb_mask + 1 && nb <= sh->nb_max ? nb : 0;
}

/* Doubles the buckets of <sh> to <nb>, as __shard_grow_wanted() asked
 * while the lock was held. The array is allocated and the old one freed
 * with the lock released (no allocator call, hence no system call, under
 * a shard lock); if another thread grew the shard meanwhile, nothing is
 * done. On allocation failure the index simply stays denser.
 */
static void shard_grow(struct stktable *t, struct stktable_shard *sh, uint32_t nb)
{
	struct stksess **nbk = calloc(nb, sizeof(*nbk)), **old = NULL, *ts, *next;
	uint32_t i;

	if (!nbk)
		return;
	spin_lock(&sh->lock);
	if (sh->nb_mask + 1 == nb / 2) {
		for (i = 0; i <= sh->nb_mask; i++) {
			for (ts = sh->buckets[i]; ts; ts = next) {
				uint32_t b = (uint32_t)__stktable_hash(t, ts->key) & (nb - 1);

				next = ts->hnext;
				ts->hnext = nbk[b];
				nbk[b] = ts;
			}
		}
		old = sh->buckets;
		sh->buckets = nbk;
		sh->nb_mask = nb - 1;
		nbk = NULL;
	}
	spin_unlock(&sh->lock);
	free(old);
	free(nbk);
}

/* Returns 1 if normalised keys <a> and <b> of <t> are equal. */
static inline int key_eq(const struct stktable *t, const void *a, const void *b)
{
	uint64_t x[2], y[2];
	uint32_t u, v;

	switch (t->key_size) {
	case 4:
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	case 16:
		memcpy(x, a, 16);
		memcpy(y, b, 16);
		return x[0] == y[0] && x[1] == y[1];
	default:
		return memcmp(a, b, t->key_size) == 0;
	}
}

static struct stksess *__shard_find(const struct stktable *t, struct stktable_shard *sh,
                                    const void *nkey, uint64_t h)
{
	struct stksess *ts;

	for (ts = sh->buckets[bucket_of(sh, h)]; ts; ts = ts->hnext)
		if (key_eq(t, ts->key, nkey))
			return ts;
	return NULL;
}

/* Borrows up to STKTABLE_LOAN entries of capacity for full shard <sh>.
 * Returns 1 if it got some. Shard lock held.
 */
static int __shard_borrow(struct stktable *t, struct stktable_shard *sh)
{
	uint32_t spare = atomic_load_explicit(&t->spare, memory_order_relaxed), n;

	do {
		if (!spare)
			return 0;
		n = spare < STKTABLE_LOAN ? spare : STKTABLE_LOAN;
	} while (!atomic_compare_exchange_weak_explicit(&t->spare, &spare, spare - n,
	                                                memory_order_relaxed, memory_order_relaxed));
	sh->borrowed += n;
	return 1;
}

/* Gives borrowed capacity back once <sh> has room for two loans. Shard
 * lock held.
 */
static inline void __shard_give_back(struct stktable *t, struct stktable_shard *sh)
{
	uint32_t n;

	if (likely(!sh->borrowed) || sh->count + 2 * STKTABLE_LOAN > sh->quota + sh->borrowed)
		return;
	n = sh->borrowed < STKTABLE_LOAN ? sh->borrowed : STKTABLE_LOAN;
	sh->borrowed -= n;
	atomic_fetch_add_explicit(&t->spare, n, memory_order_relaxed);
}

void __stksess_unlink(struct stktable *t, struct stktable_shard *sh, struct stksess *ts)
{
	struct stksess **pp = &sh->buckets[bucket_of(sh, __stktable_hash(t, ts->key))];

	while (*pp != ts) {
		BUG_ON(!*pp);
		pp = &(*pp)->hnext;
	}
	*pp = ts->hnext;
	ts->hnext = NULL;
	if (atomic_load_explicit(&ts->ref_cnt, memory_order_relaxed) & STKSESS_F_OVERRIDE) {
		atomic_fetch_and_explicit(&ts->ref_cnt, ~STKSESS_F_OVERRIDE, memory_order_relaxed);
		sh->ovr_count--;
	}
	list_del_init(&ts->list);
	sh->count--;
	__shard_give_back(t, sh);
}

void __stksess_destroy(struct stktable *t, struct stktable_shard *sh, struct stksess *ts)
{
	__stksess_unlink(t, sh, ts);
	sh->freed++;
	pool_free(t->pool, ts);
}

/* Returns the expiry date a touch at now_ms gives, TICK_ETERNITY if none. */
static inline uint32_t touch_date(const struct stktable *t)
{
	return t->def.expire ? tick_add(now_ms, t->def.expire) : TICK_ETERNITY;
}

/* Refreshes <ts>'s expiry and moves it to the tail of its shard's touch
 * list (an overridden expiry is kept while it is later than the normal
 * one). Records a local update if <local>. Shard lock held.
 */
static void __stksess_touch(struct stktable *t, struct stktable_shard *sh, struct stksess *ts,
                            int local)
{
	uint32_t exp = touch_date(t);
	uint32_t seq = __shard_next_seq(sh);

	if (atomic_load_explicit(&ts->ref_cnt, memory_order_relaxed) & STKSESS_F_OVERRIDE) {
		uint32_t cur = atomic_load_explicit(&ts->expire, memory_order_relaxed);

		if (!tick_isset(exp) || !tick_is_lt(cur, exp))
			goto stamp;     /* the override is still the later date */
		atomic_fetch_and_explicit(&ts->ref_cnt, ~STKSESS_F_OVERRIDE, memory_order_relaxed);
		sh->ovr_count--;
	}
	atomic_store_explicit(&ts->expire, exp, memory_order_relaxed);
	if (sh->touch.prev != &ts->list) {
		list_del_init(&ts->list);
		list_append(&sh->touch, &ts->list);
	}
	ts->pos = seq;
stamp:
	if (local) {
		ts->upd = seq;
		sh->updates++;
	}
}

/* ---- Operations ---- */

static struct stksess *lookup(struct stktable *t, const struct stktable_key *key, int refresh)
{
	unsigned char nkey[STKTABLE_MAX_KEY_LEN + 1];
	struct stktable_shard *sh;
	struct stksess *ts;
	uint64_t h;

	stktable_key_normalize(t, key, nkey);
	h = __stktable_hash(t, nkey);
	sh = __stktable_shard(t, h);
	spin_lock(&sh->lock);
	ts = __shard_find(t, sh, nkey, h);
	if (ts) {
		atomic_fetch_add_explicit(&ts->ref_cnt, 1, memory_order_relaxed);
		if (refresh)
			__stksess_touch(t, sh, ts, 0);
	}
	spin_unlock(&sh->lock);
	return ts;
}

struct stksess *stktable_lookup(struct stktable *t, const struct stktable_key *key)
{
	return lookup(t, key, 1);
}

struct stksess *stktable_lookup_noexp(struct stktable *t, const struct stktable_key *key)
{
	return lookup(t, key, 0);
}

struct stksess *stktable_get_or_create(struct stktable *t, const struct stktable_key *key, int *err)
{
	unsigned char nkey[STKTABLE_MAX_KEY_LEN + 1];
	struct stktable_shard *sh;
	struct stksess *ts, *fresh;
	uint32_t exp, grow;
	uint64_t h;
	int ret = 0;

	stktable_key_normalize(t, key, nkey);
	h = __stktable_hash(t, nkey);
	sh = __stktable_shard(t, h);
	spin_lock(&sh->lock);
	ts = __shard_find(t, sh, nkey, h);
	if (ts) {
		atomic_fetch_add_explicit(&ts->ref_cnt, 1, memory_order_relaxed);
		spin_unlock(&sh->lock);
		goto out;
	}
	spin_unlock(&sh->lock);

	/* A new key. Its memory is taken with no shard lock held: the pool
	 * may take its own lock, carve a new 256 KiB chunk or collect
	 * garbage, and every thread meeting this shard would spin meanwhile.
	 * Another thread may create the same key in between: looked up again.
	 */
	fresh = pool_alloc(t->pool);
	if (!fresh) {
		ret = -ENOMEM;
		goto out;
	}
	memset(fresh, 0, t->entry_size);
	memcpy(fresh->key, nkey, t->key_size);
	atomic_init(&fresh->ref_cnt, 1);

	spin_lock(&sh->lock);
	ts = __shard_find(t, sh, nkey, h);
	if (ts) {
		atomic_fetch_add_explicit(&ts->ref_cnt, 1, memory_order_relaxed);
		spin_unlock(&sh->lock);
		pool_free(t->pool, fresh);
		goto out;
	}
	if (sh->count >= sh->quota + sh->borrowed && !__shard_borrow(t, sh)) {
		if (!(t->def.flags & STKTABLE_F_NOPURGE))
			__stktable_evict(t, sh, t->evict_batch);
		if (sh->count >= sh->quota + sh->borrowed) {
			sh->refused++;
			spin_unlock(&sh->lock);
			pool_free(t->pool, fresh);
			ret = -ENOSPC;
			goto out;
		}
	}
	ts = fresh;
	exp = touch_date(t);
	atomic_init(&ts->expire, exp);
	ts->pos = __shard_next_seq(sh);
	ts->hnext = sh->buckets[bucket_of(sh, h)];
	sh->buckets[bucket_of(sh, h)] = ts;
	list_append(&sh->touch, &ts->list);
	sh->count++;
	sh->created++;
	grow = __shard_grow_wanted(sh);
	spin_unlock(&sh->lock);
	if (grow)
		shard_grow(t, sh, grow);
	if (tick_isset(exp))
		__stktable_arm(t, exp);
	ret = 1;
out:
	if (err)
		*err = ret;
	return ts;
}

/* Drops one reference on <ts> with the shard lock of <sh> held: frees it if
 * that was the last one and it is unlinked or expired.
 */
static void __stksess_decref(struct stktable *t, struct stktable_shard *sh, struct stksess *ts)
{
	uint32_t old = atomic_fetch_sub_explicit(&ts->ref_cnt, 1, memory_order_acq_rel);

	BUG_ON(!(old & STKSESS_REF_MASK));
	if ((old & STKSESS_REF_MASK) != 1)
		return;
	if (old & STKSESS_F_UNLINKED) {
		sh->freed++;
		pool_free(t->pool, ts);
	} else if (tick_is_expired(atomic_load_explicit(&ts->expire, memory_order_relaxed), now_ms)) {
		sh->expired++;
		__stksess_destroy(t, sh, ts);
	}
}

static void touch(struct stktable *t, struct stksess *ts, int decref, int local)
{
	struct stktable_shard *sh = __stksess_shard(t, ts);

	spin_lock(&sh->lock);
	if (!(atomic_load_explicit(&ts->ref_cnt, memory_order_relaxed) & STKSESS_F_UNLINKED))
		__stksess_touch(t, sh, ts, local);
	if (decref)
		__stksess_decref(t, sh, ts);
	spin_unlock(&sh->lock);
}

void stktable_touch_local(struct stktable *t, struct stksess *ts, int decref)
{
	if (t->topk)
		stktable_topk_offer(t, ts);
	touch(t, ts, decref, 1);
	if (t->on_change && atomic_load_explicit(&t->change_armed, memory_order_relaxed) &&
	    atomic_exchange_explicit(&t->change_armed, 0, memory_order_relaxed))
		t->on_change(t);
}

void stktable_touch_remote(struct stktable *t, struct stksess *ts, int decref)
{
	touch(t, ts, decref, 0);
}

void stktable_touch_remote_exp(struct stktable *t, struct stksess *ts, uint32_t ms, int decref)
{
	__stksess_set_remaining(t, ts, ms);
	if (decref)
		stktable_release(t, ts);
}

void stktable_release(struct stktable *t, struct stksess *ts)
{
	struct stktable_shard *sh;
	uint32_t old;

	/* Fast path: we still hold our reference, so <ts> is alive while we
	 * read its expiry. Once the count is dropped it may be freed by
	 * anyone: we do not touch it again.
	 */
	if (!tick_is_expired(atomic_load_explicit(&ts->expire, memory_order_relaxed), now_ms)) {
		old = atomic_fetch_sub_explicit(&ts->ref_cnt, 1, memory_order_acq_rel);
		BUG_ON(!(old & STKSESS_REF_MASK));
		if ((old & (STKSESS_REF_MASK | STKSESS_F_UNLINKED)) == (1 | STKSESS_F_UNLINKED)) {
			sh = __stksess_shard(t, ts);
			pool_free(t->pool, ts);
			atomic_fetch_add_explicit(&sh->freed_late, 1, memory_order_relaxed);
		}
		return;
	}
	/* Expired: drop it under the lock so that the last reference frees it. */
	sh = __stksess_shard(t, ts);
	spin_lock(&sh->lock);
	__stksess_decref(t, sh, ts);
	spin_unlock(&sh->lock);
}

int stktable_kill(struct stktable *t, struct stksess *ts, int decref)
{
	struct stktable_shard *sh = __stksess_shard(t, ts);
	uint32_t old;
	int freed = 0;

	spin_lock(&sh->lock);
	if (decref) {
		old = atomic_fetch_sub_explicit(&ts->ref_cnt, 1, memory_order_acq_rel);
		BUG_ON(!(old & STKSESS_REF_MASK));
		if ((old & (STKSESS_REF_MASK | STKSESS_F_UNLINKED)) == (1 | STKSESS_F_UNLINKED)) {
			sh->freed++;
			pool_free(t->pool, ts);
			freed = 1;
			goto out_unlock;
		}
		/* Our reference is gone: <ts> must not be read again if it was
		 * already unlinked, since another holder's release may free it
		 * right now without the lock. Decide on what our own decrement
		 * returned. Not unlinked: only a kill (under this lock, held)
		 * could unlink it, so it stays alive for what follows.
		 */
		if (old & STKSESS_F_UNLINKED)
			goto out_unlock;        /* already killed, its last release frees it */
	} else {
		/* we hold a reference: <ts> is alive */
		old = atomic_load_explicit(&ts->ref_cnt, memory_order_relaxed);
		if (old & STKSESS_F_UNLINKED)
			goto out_unlock;        /* already killed, its last release frees it */
	}
	__stksess_unlink(t, sh, ts);
	sh->killed++;
	/* From here no new reference can be taken. Whoever brings the count
	 * to zero with the flag set frees the entry.
	 */
	old = atomic_fetch_or_explicit(&ts->ref_cnt, STKSESS_F_UNLINKED, memory_order_acq_rel);
	if (!(old & STKSESS_REF_MASK)) {
		sh->freed++;
		pool_free(t->pool, ts);
		freed = 1;
	}
out_unlock:
	spin_unlock(&sh->lock);
	return freed;
}

/* Puts <ts> in the override list of <sh> with expiry <exp>. Shard lock held. */
static void __stksess_override(struct stktable_shard *sh, struct stksess *ts, uint32_t exp)
{
	if (!(atomic_load_explicit(&ts->ref_cnt, memory_order_relaxed) & STKSESS_F_OVERRIDE)) {
		atomic_fetch_or_explicit(&ts->ref_cnt, STKSESS_F_OVERRIDE, memory_order_relaxed);
		list_del_init(&ts->list);
		list_append(&sh->ovr, &ts->list);
		sh->ovr_count++;
	}
	atomic_store_explicit(&ts->expire, exp, memory_order_relaxed);
	sh->ovr_next = tick_first(sh->ovr_next, exp);
}

int stktable_set_entry_expire(struct stktable *t, struct stksess *ts, uint32_t ms)
{
	struct stktable_shard *sh = __stksess_shard(t, ts);
	uint32_t exp = tick_add(now_ms, ms > INT32_MAX ? INT32_MAX : ms);

	spin_lock(&sh->lock);
	if (atomic_load_explicit(&ts->ref_cnt, memory_order_relaxed) & STKSESS_F_UNLINKED) {
		spin_unlock(&sh->lock);
		return -ENOENT;
	}
	__stksess_override(sh, ts, exp);
	ts->upd = __shard_next_seq(sh);
	sh->updates++;
	spin_unlock(&sh->lock);
	__stktable_arm(t, exp);
	return 0;
}

void __stksess_set_remaining(struct stktable *t, struct stksess *ts, uint32_t ms)
{
	struct stktable_shard *sh;
	uint32_t exp;

	sh = __stksess_shard(t, ts);
	exp = tick_add(now_ms, ms > INT32_MAX ? INT32_MAX : ms);
	spin_lock(&sh->lock);
	if (atomic_load_explicit(&ts->ref_cnt, memory_order_relaxed) & STKSESS_F_UNLINKED) {
		spin_unlock(&sh->lock);
		return;
	}
	if (!t->def.expire || ms > t->def.expire) {
		__stksess_override(sh, ts, exp);
	} else {
		if (atomic_load_explicit(&ts->ref_cnt, memory_order_relaxed) & STKSESS_F_OVERRIDE) {
			atomic_fetch_and_explicit(&ts->ref_cnt, ~STKSESS_F_OVERRIDE, memory_order_relaxed);
			sh->ovr_count--;
		}
		atomic_store_explicit(&ts->expire, exp, memory_order_relaxed);
		list_del_init(&ts->list);
		list_append(&sh->touch, &ts->list);
		ts->pos = __shard_next_seq(sh);
	}
	spin_unlock(&sh->lock);
	__stktable_arm(t, exp);
}

/* ---- Data ---- */

int stktable_data_get(const struct stktable *t, struct stksess *ts, int type,
                      unsigned int idx, uint64_t *val)
{
	void *p;

	if (type < 0 || type >= STKTABLE_DATA_TYPES || !(p = stktable_data_ptr(t, ts, type, idx)))
		return -ENOENT;
	switch (stktable_data_types[type].std_type) {
	case STKTABLE_STD_SINT:
		*val = (uint64_t)(int64_t)(int32_t)atomic_load_explicit((_Atomic uint32_t *)p, memory_order_relaxed);
		break;
	case STKTABLE_STD_UINT:
		*val = atomic_load_explicit((_Atomic uint32_t *)p, memory_order_relaxed);
		break;
	case STKTABLE_STD_ULL:
		*val = atomic_load_explicit((_Atomic uint64_t *)p, memory_order_relaxed);
		break;
	case STKTABLE_STD_FRQP:
		*val = freq_ctr_read(p, t->def.period[type], now_ms);
		break;
	case STKTABLE_STD_DICT:
		*val = (uint64_t)(uintptr_t)atomic_load_explicit((_Atomic(const char *) *)p, memory_order_acquire);
		break;
	}
	return 0;
}

int stktable_data_add(const struct stktable *t, struct stksess *ts, int type,
                      unsigned int idx, int64_t delta)
{
	_Atomic uint32_t *u;
	uint32_t cur;
	void *p;

	if (type < 0 || type >= STKTABLE_DATA_TYPES || !(p = stktable_data_ptr(t, ts, type, idx)))
		return -ENOENT;
	switch (stktable_data_types[type].std_type) {
	case STKTABLE_STD_SINT:
	case STKTABLE_STD_UINT:
		u = p;
		if (type == STKTABLE_DT_CONN_CUR && delta < 0) {
			cur = atomic_load_explicit(u, memory_order_relaxed);
			do {
				if (!cur)
					break;
			} while (!atomic_compare_exchange_weak_explicit(u, &cur,
			             (uint64_t)-delta >= cur ? 0 : cur - (uint32_t)-delta,
			             memory_order_relaxed, memory_order_relaxed));
		} else {
			atomic_fetch_add_explicit(u, (uint32_t)delta, memory_order_relaxed);
		}
		break;
	case STKTABLE_STD_ULL:
		atomic_fetch_add_explicit((_Atomic uint64_t *)p, (uint64_t)delta, memory_order_relaxed);
		break;
	case STKTABLE_STD_FRQP:
		if (delta < 0 || delta > UINT32_MAX)
			return -EINVAL;
		freq_ctr_add(p, t->def.period[type], (uint32_t)delta, now_ms);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

int stktable_data_set(const struct stktable *t, struct stksess *ts, int type,
                      unsigned int idx, uint64_t val)
{
	void *p;

	if (type < 0 || type >= STKTABLE_DATA_TYPES || !(p = stktable_data_ptr(t, ts, type, idx)))
		return -ENOENT;
	switch (stktable_data_types[type].std_type) {
	case STKTABLE_STD_SINT:
	case STKTABLE_STD_UINT:
		atomic_store_explicit((_Atomic uint32_t *)p, (uint32_t)val, memory_order_relaxed);
		break;
	case STKTABLE_STD_ULL:
		atomic_store_explicit((_Atomic uint64_t *)p, val, memory_order_relaxed);
		break;
	case STKTABLE_STD_FRQP:
		if (val > UINT32_MAX)
			return -EINVAL;
		freq_ctr_set(p, (uint32_t)val, 0, 0, now_ms);
		break;
	case STKTABLE_STD_DICT:
		atomic_store_explicit((_Atomic(const char *) *)p, (const char *)(uintptr_t)val,
		                      memory_order_release);
		break;
	}
	return 0;
}

/* ---- Statistics, walking, checking ---- */

void stktable_get_stats(struct stktable *t, struct stktable_stats *st)
{
	uint64_t freed = 0;
	uint32_t i;

	memset(st, 0, sizeof(*st));
	st->size = t->def.size;
	st->shards = t->nb_shards;
	for (i = 0; i < t->nb_shards; i++) {
		struct stktable_shard *sh = &t->shards[i];

		spin_lock(&sh->lock);
		st->used += sh->count;
		st->created += sh->created;
		st->evicted += sh->evicted;
		st->refused += sh->refused;
		st->expired += sh->expired;
		st->killed += sh->killed;
		st->updates += sh->updates;
		freed += sh->freed;
		spin_unlock(&sh->lock);
		freed += atomic_load_explicit(&sh->freed_late, memory_order_relaxed);
	}
	st->alive = st->created - freed;
}

int stktable_walk(struct stktable *t, int (*fn)(struct stktable *t, struct stksess *ts, void *ctx),
                  void *ctx)
{
	struct stksess *ts;
	uint32_t i;
	int ret = 0;

	for (i = 0; i < t->nb_shards && !ret; i++) {
		struct stktable_shard *sh = &t->shards[i];

		spin_lock(&sh->lock);
		list_for_each(ts, &sh->touch, list)
			if ((ret = fn(t, ts, ctx)))
				break;
		if (!ret)
			list_for_each(ts, &sh->ovr, list)
				if ((ret = fn(t, ts, ctx)))
					break;
		spin_unlock(&sh->lock);
	}
	return ret;
}

/* ---- Resumable walk ---- */

#define STKTABLE_WALK_BUCKETS  1024U   /* buckets visited per call at most */

static uint32_t rev32(uint32_t v)
{
	v = ((v >> 1) & 0x55555555U) | ((v & 0x55555555U) << 1);
	v = ((v >> 2) & 0x33333333U) | ((v & 0x33333333U) << 2);
	v = ((v >> 4) & 0x0F0F0F0FU) | ((v & 0x0F0F0F0FU) << 4);
	v = ((v >> 8) & 0x00FF00FFU) | ((v & 0x00FF00FFU) << 8);
	return (v >> 16) | (v << 16);
}

/* Returns the cursor after <v> for an index of <mask> + 1 buckets, 0 at the
 * end: increments the reversed bits above the mask, so that buckets split
 * by a growth of the index are never visited twice nor skipped.
 */
static uint32_t walk_cursor_next(uint32_t v, uint32_t mask)
{
	v |= ~mask;
	v = rev32(v);
	v++;
	return rev32(v);
}

int stktable_walk_resume(struct stktable *t, struct stktable_cursor *cur, unsigned int max_entries,
                         int (*fn)(struct stktable *t, struct stksess *ts, void *ctx), void *ctx)
{
	unsigned int entries = 0, buckets = 0;

	while (cur->shard < t->nb_shards) {
		struct stktable_shard *sh = &t->shards[cur->shard];
		int stop = 0, end = 0;

		spin_lock(&sh->lock);
		do {
			struct stksess *ts = sh->buckets[cur->bucket & sh->nb_mask];
			int ret = STKTABLE_WALK_NEXT;

			for (; ts; ts = ts->hnext) {
				entries++;
				ret = fn(t, ts, ctx);
				if (ret != STKTABLE_WALK_NEXT)
					break;
			}
			if (ret == STKTABLE_WALK_STOP) {
				stop = 1;  /* this bucket again next time */
				break;
			}
			if (ret == STKTABLE_WALK_NEXT && sh->buckets[cur->bucket & sh->nb_mask])
				ret = fn(t, NULL, ctx);
			cur->bucket = walk_cursor_next(cur->bucket, sh->nb_mask);
			end = !cur->bucket;
			if (ret != STKTABLE_WALK_NEXT)
				stop = 1;
		} while (!stop && !end && ++buckets < STKTABLE_WALK_BUCKETS && entries < max_entries);
		spin_unlock(&sh->lock);
		if (end)
			cur->shard++;
		if (stop || buckets >= STKTABLE_WALK_BUCKETS || entries >= max_entries)
			break;
	}
	return cur->shard >= t->nb_shards;
}

long stktable_check(struct stktable *t)
{
	struct stksess *ts, *prev;
	long total = 0;
	uint64_t capacity = atomic_load_explicit(&t->spare, memory_order_relaxed);
	uint32_t i, b, n, nt, no;
	int bad = 0;

	for (i = 0; i < t->nb_shards; i++) {
		struct stktable_shard *sh = &t->shards[i];

		spin_lock(&sh->lock);
		n = nt = no = 0;
		for (b = 0; b <= sh->nb_mask; b++) {
			for (ts = sh->buckets[b]; ts; ts = ts->hnext) {
				uint64_t h = __stktable_hash(t, ts->key);

				if (__stktable_shard(t, h) != sh || bucket_of(sh, h) != b ||
				    (atomic_load_explicit(&ts->ref_cnt, memory_order_relaxed) & STKSESS_F_UNLINKED))
					bad = 1;
				n++;
			}
		}
		prev = NULL;
		list_for_each(ts, &sh->touch, list) {
			if (atomic_load_explicit(&ts->ref_cnt, memory_order_relaxed) & STKSESS_F_OVERRIDE)
				bad = 1;
			if (prev && (int32_t)(ts->pos - prev->pos) < 0)
				bad = 1;
			prev = ts;
			nt++;
		}
		list_for_each(ts, &sh->ovr, list) {
			if (!(atomic_load_explicit(&ts->ref_cnt, memory_order_relaxed) & STKSESS_F_OVERRIDE))
				bad = 1;
			no++;
		}
		if (n != sh->count || nt + no != n || no != sh->ovr_count ||
		    sh->count > sh->quota + sh->borrowed)
			bad = 1;
		capacity += sh->quota + sh->borrowed;
		total += n;
		spin_unlock(&sh->lock);
	}
	if (capacity != t->def.size)
		bad = 1;           /* capacity lost or made up (quiescent tables only) */
	return bad ? -1 : total;
}
