/*
 * Stick-table top-N keys: candidate sets fed by the write path, merged and
 * refreshed by readers. The principle, the approximation and the locking
 * are in stktable_topk.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/lock.h>
#include <tollgate/stktable.h>
#include <tollgate/stktable_topk.h>
#include <tollgate/thread.h>

/* A candidate set. Its records are <cap> x tk->rec bytes: the value
 * (uint64_t), then the normalised key.
 */
struct topk_set {
	struct spinlock lock;         /* protects <used> and the records */
	_Atomic uint64_t min;         /* smallest value when full, else 0 (written under <lock>) */
	uint32_t used;                /* records in use */
	unsigned char *rec;           /* the records */
} CACHE_ALIGNED;

struct stktable_topk {
	uint32_t n;                   /* keys asked for (`topk <n>`) */
	uint32_t cap;                 /* records of a set: 2n */
	int type;                     /* the data type ranked */
	uint32_t key_size;            /* bytes of a key */
	size_t rec;                   /* bytes of a record */
	struct topk_set set[STKTABLE_TOPK_SLOTS]; /* by thread, tid modulo the slots */
};

static inline uint64_t rec_value(const unsigned char *r)
{
	uint64_t v;

	memcpy(&v, r, sizeof(v));
	return v;
}

static inline void rec_set_value(unsigned char *r, uint64_t v)
{
	memcpy(r, &v, sizeof(v));
}

static inline unsigned char *rec_key(unsigned char *r)
{
	return r + sizeof(uint64_t);
}

int stktable_topk_init(struct stktable *t)
{
	struct stktable_topk *tk;

	tk = aligned_alloc(CACHELINE_SIZE, (sizeof(*tk) + CACHELINE_SIZE - 1) / CACHELINE_SIZE * CACHELINE_SIZE);
	if (!tk)
		return -ENOMEM;
	memset(tk, 0, sizeof(*tk));
	tk->n = t->def.topk_n;
	tk->cap = 2 * tk->n;
	tk->type = (int)t->def.topk_type;
	tk->key_size = t->key_size;
	tk->rec = (sizeof(uint64_t) + t->key_size + 7) / 8 * 8;
	for (int i = 0; i < STKTABLE_TOPK_SLOTS; i++) {
		spin_init(&tk->set[i].lock, LOCK_TABLE_TOPK);
		tk->set[i].rec = calloc(tk->cap, tk->rec);
		if (!tk->set[i].rec) {
			t->topk = tk;
			stktable_topk_deinit(t);
			return -ENOMEM;
		}
	}
	t->topk = tk;
	return 0;
}

void stktable_topk_deinit(struct stktable *t)
{
	if (!t->topk)
		return;
	for (int i = 0; i < STKTABLE_TOPK_SLOTS; i++)
		free(t->topk->set[i].rec);
	free(t->topk);
	t->topk = NULL;
}

/* Recomputes the published minimum of <s>. <s>'s lock held. */
static void __set_update_min(const struct stktable_topk *tk, struct topk_set *s)
{
	uint64_t min = UINT64_MAX;

	if (s->used < tk->cap) {
		atomic_store_explicit(&s->min, 0, memory_order_relaxed);
		return;
	}
	for (uint32_t i = 0; i < s->used; i++) {
		uint64_t v = rec_value(s->rec + i * tk->rec);

		if (v < min)
			min = v;
	}
	atomic_store_explicit(&s->min, min, memory_order_relaxed);
}

/* Puts <key> of value <v> in <s>: updates its record, or takes a free one,
 * or replaces the smallest if <v> is larger. <s>'s lock held.
 */
static void __set_put(const struct stktable_topk *tk, struct topk_set *s, const void *key, uint64_t v)
{
	unsigned char *r, *low = NULL;

	for (uint32_t i = 0; i < s->used; i++) {
		r = s->rec + i * tk->rec;
		if (!memcmp(rec_key(r), key, tk->key_size)) {
			rec_set_value(r, v);
			goto out_min;
		}
		if (!low || rec_value(r) < rec_value(low))
			low = r;
	}
	if (s->used < tk->cap)
		r = s->rec + s->used++ * tk->rec;
	else if (low && v > rec_value(low))
		r = low;
	else
		return;
	rec_set_value(r, v);
	memcpy(rec_key(r), key, tk->key_size);
out_min:
	__set_update_min(tk, s);
}

void stktable_topk_offer(struct stktable *t, struct stksess *ts)
{
	struct stktable_topk *tk = t->topk;
	struct topk_set *s;
	uint64_t v;

	if (stktable_data_get(t, ts, tk->type, 0, &v) < 0 || !v)
		return;
	s = &tk->set[(unsigned int)(tid < 0 ? 0 : tid) % STKTABLE_TOPK_SLOTS];
	if (v <= atomic_load_explicit(&s->min, memory_order_relaxed))
		return;
	spin_lock(&s->lock);
	__set_put(tk, s, stksess_key(ts), v);
	spin_unlock(&s->lock);
}

/* qsort_r() comparators: records by key (<arg>: the key size), by value
 * decreasing.
 */
static int cmp_key(const void *a, const void *b, void *arg)
{
	return memcmp((const unsigned char *)a + sizeof(uint64_t), (const unsigned char *)b + sizeof(uint64_t),
	              *(const uint32_t *)arg);
}

static int cmp_value_desc(const void *a, const void *b, void *arg)
{
	uint64_t va = rec_value(a), vb = rec_value(b);

	(void)arg;
	return va < vb ? 1 : va > vb ? -1 : 0;
}

/* Returns the record of <key> among the <n> records of <recs> sorted by
 * key, or NULL.
 */
static unsigned char *find_sorted(const struct stktable_topk *tk, unsigned char *recs, size_t n, const void *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(rec_key(recs + mid * tk->rec), key, tk->key_size);

		if (!c)
			return recs + mid * tk->rec;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Writes the values of <uniq> (<n> records sorted by key) back into the
 * sets: a key of value 0 (gone from the table) leaves its set. <snap> holds
 * each set's records as the read copied them, set i's <cnt>[i] records from
 * <start>[i], sorted by key: a record whose value changed since (a newer
 * offer) is left as it is.
 */
static void write_back(struct stktable_topk *tk, unsigned char *uniq, size_t n, unsigned char *snap,
                       const size_t *start, const size_t *cnt)
{
	for (int i = 0; i < STKTABLE_TOPK_SLOTS; i++) {
		struct topk_set *s = &tk->set[i];

		spin_lock(&s->lock);
		for (uint32_t j = 0; j < s->used;) {
			unsigned char *r = s->rec + j * tk->rec;
			unsigned char *u = find_sorted(tk, uniq, n, rec_key(r));
			unsigned char *was = find_sorted(tk, snap + start[i] * tk->rec, cnt[i], rec_key(r));

			if (!u || !was || rec_value(was) != rec_value(r)) {
				j++;
				continue;
			}
			if (!rec_value(u)) {
				/* gone: the last record takes its place */
				memmove(r, s->rec + --s->used * tk->rec, tk->rec);
				continue;
			}
			rec_set_value(r, rec_value(u));
			j++;
		}
		__set_update_min(tk, s);
		spin_unlock(&s->lock);
	}
}

int stktable_topk_read(struct stktable *t, struct stktable_topk_item **out)
{
	struct stktable_topk *tk = t->topk;
	size_t start[STKTABLE_TOPK_SLOTS], cnt[STKTABLE_TOPK_SLOTS];
	size_t room = (size_t)STKTABLE_TOPK_SLOTS * tk->cap * tk->rec;
	struct stktable_topk_item *items;
	unsigned char *snap, *all, *keys;
	size_t n = 0, u = 0, k = 0;

	*out = NULL;
	snap = malloc(2 * room);
	if (!snap)
		return -ENOMEM;
	all = snap + room;
	for (int i = 0; i < STKTABLE_TOPK_SLOTS; i++) {
		struct topk_set *s = &tk->set[i];

		spin_lock(&s->lock);
		memcpy(snap + n * tk->rec, s->rec, s->used * tk->rec);
		start[i] = n;
		cnt[i] = s->used;
		n += s->used;
		spin_unlock(&s->lock);
	}
	memcpy(all, snap, n * tk->rec);
	for (int i = 0; i < STKTABLE_TOPK_SLOTS; i++)
		qsort_r(snap + start[i] * tk->rec, cnt[i], tk->rec, cmp_key, &tk->key_size);
	/* one record per key, its value taken from the table now */
	qsort_r(all, n, tk->rec, cmp_key, &tk->key_size);
	for (size_t i = 0; i < n; i++) {
		unsigned char *r = all + i * tk->rec;
		struct stktable_key key = { rec_key(r), tk->key_size };
		struct stksess *ts;
		uint64_t v = 0;

		if (u && !memcmp(rec_key(all + (u - 1) * tk->rec), rec_key(r), tk->key_size))
			continue;
		ts = stktable_lookup_noexp(t, &key);
		if (ts) {
			if (stktable_data_get(t, ts, tk->type, 0, &v) < 0)
				v = 0;
			stktable_release(t, ts);
		}
		if (r != all + u * tk->rec)
			memcpy(all + u * tk->rec, r, tk->rec);
		rec_set_value(all + u * tk->rec, v);
		u++;
	}
	write_back(tk, all, u, snap, start, cnt);

	qsort_r(all, u, tk->rec, cmp_value_desc, NULL);
	while (k < u && k < tk->n && rec_value(all + k * tk->rec))
		k++;
	items = malloc(k * (sizeof(*items) + tk->key_size) + 1);
	if (!items) {
		free(snap);
		return -ENOMEM;
	}
	keys = (unsigned char *)(items + k);
	for (size_t i = 0; i < k; i++) {
		memcpy(keys + i * tk->key_size, rec_key(all + i * tk->rec), tk->key_size);
		items[i] = (struct stktable_topk_item){ rec_value(all + i * tk->rec), keys + i * tk->key_size };
	}
	free(snap);
	*out = items;
	return (int)k;
}
