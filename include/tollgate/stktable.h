/*
 * Stick tables: per-key counters and rates shared by every thread.
 *
 * A table maps keys (ip, ipv6, integer, string, binary) to entries holding
 * the data types chosen at definition (HAProxy's names and meanings, see
 * doc/table.md). Design in doc/internals/stktable.md; the principle:
 *
 *  - Keys hash (per-table random seed) into shards. A shard has its own
 *    spinlock, hash index, and list of entries in touch order. Finding,
 *    creating, touching and removing an entry lock only its shard: there is
 *    no table-wide lock on any hot path (STKTABLE_F_SINGLE_LOCK makes one
 *    shard, the benchmark baseline).
 *  - Entry data is read and written with atomics (32/64-bit counters,
 *    freq_ctr's own lock-free protocol), from any thread, with or without
 *    the shard lock. A reader never sees a torn value.
 *  - References: every function that returns an entry takes a reference;
 *    the caller drops it (stktable_release(), or touch with <decref>). An
 *    entry with references is never freed, even expired, evicted or killed:
 *    it leaves the index at once and is freed by its last release.
 *  - Expiry: an entry dies `expire` ms after its last touch. Touches move it
 *    to its shard's list tail (O(1)), so the list is in expiry order; the
 *    purge (stktable_purge(), or the purge task) frees due entries from the
 *    heads in bounded batches. A per-entry override lives in a small
 *    unsorted list per shard.
 *  - Capacity: each shard owns a share of `size` and borrows more in
 *    batches from a table-wide spare when keys hash unevenly, so the table
 *    holds exactly up to `size`. A full shard that cannot borrow evicts its
 *    least recently touched unreferenced entries in a batch; with `nopurge`
 *    the creation is refused and counted.
 *  - Update stream: every move to a list tail and every local change takes
 *    the next sequence number of the entry's shard (under the shard lock it
 *    already holds: no shared write, no new lock per update). A consumer
 *    (a peer connection, a snapshot writer) holds its own cursor, one
 *    position per shard, and stktable_updates_next() reports what changed
 *    locally since, resumably, in bounded batches.
 *
 * Costs: lookup, get_or_create, touch, release, kill: O(1) expected (hash
 * chains average under 2 entries), one shard lock (a creation into a full
 * shard also evicts a batch); purge: O(entries examined), bounded by its
 * budget; update collect: O(entries changed + shards + overrides); walk,
 * snapshot, check: O(entries), one shard lock at a time.
 * Time: operations use the calling thread's `now_ms` (clock.h).
 * Return conventions: 0 or a positive count on success, -errno on failure;
 * parsers return <0 and write a one-line message to their error buffer.
 */
#ifndef TOLLGATE_STKTABLE_H
#define TOLLGATE_STKTABLE_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <tollgate/freq_ctr.h>
#include <tollgate/stktable-t.h>

/* HAProxy's data types, indexed by enum stktable_dt. */
extern const struct stktable_data_type stktable_data_types[STKTABLE_DATA_TYPES];

/* ---- Definitions (stktable_def.c) ---- */

/* Fills <def> with the defaults: type ip, size 0 (must be set), no expire,
 * nothing stored.
 */
void stktable_def_init(struct stktable_def *def);

/* Parses the arguments of a stick-table line, <argc> words in <argv> (e.g.
 * "type" "ip" "size" "1m" "expire" "30s" "store" "conn_cur,conn_rate(10s)"),
 * into <def> (which it initialises first). Returns 0, or <0 with a message
 * naming the offending word and what was expected in <err> (<errlen> bytes).
 */
int stktable_parse_args(struct stktable_def *def, int argc, char **argv,
                        char *err, size_t errlen);

/* Same as stktable_parse_args() on one line of blank-separated words. */
int stktable_parse_line(struct stktable_def *def, const char *line, char *err, size_t errlen);

/* Parses a `store` list ("conn_cur,gpc(3),gpc_rate(3,1m)") into <def>.
 * Returns 0 or <0 with a message in <err>.
 */
int stktable_parse_store(struct stktable_def *def, const char *list, char *err, size_t errlen);

/* Parses a time with an optional unit (us, ms, s, m, h, d; default ms) into
 * <*ms>. Returns 0, or -EINVAL (bad syntax), -ERANGE (over 2^31-1 ms).
 */
int stktable_parse_time(const char *str, uint32_t *ms);

/* Parses a count with an optional k/m/g suffix (x1024, x1024^2, x1024^3)
 * into <*val>. Returns 0, -EINVAL or -ERANGE (over 2^32-1).
 */
int stktable_parse_size(const char *str, uint32_t *val);

/* Returns the data type named <name> (<len> bytes), or -1. */
int stktable_data_type_by_name(const char *name, size_t len);

/* Returns the name of key type <type> ("ip", "ipv6", ...). */
const char *stktable_key_type_name(enum stktable_key_type type);

/* Returns the bytes one element of data type <type> takes in an entry. */
static inline size_t stktable_data_type_size(int type)
{
	switch (stktable_data_types[type].std_type) {
	case STKTABLE_STD_ULL:
		return sizeof(uint64_t);
	case STKTABLE_STD_FRQP:
		return sizeof(struct freq_ctr);
	case STKTABLE_STD_DICT:
		return sizeof(void *);
	default:
		return sizeof(uint32_t);
	}
}

/* Writes <def> as a stick-table line ("type ip size 1024 ... store a,b")
 * into <buf> (<len> bytes). Returns the length it needed (snprintf style).
 */
int stktable_def_format(const struct stktable_def *def, char *buf, size_t len);

/* Returns a process-lifetime copy of <str> shared by equal strings (the
 * server_key "dictionary"). Thread-safe; NULL on allocation failure.
 */
const char *stktable_dict_intern(const char *str, size_t len);

/* ---- Table lifecycle (stktable.c) ---- */

/* Initialises <t> named <id> from <def> (size > 0). Computes the entry
 * layout, the shards, and the pool. Returns 0, -EINVAL or -ENOMEM.
 */
int stktable_init(struct stktable *t, const char *id, const struct stktable_def *def);

/* Frees every entry and what stktable_init() created. No entry may be
 * referenced any more, the purge task (if any) must be stopped and the
 * worker threads that could use <t> stopped.
 */
void stktable_deinit(struct stktable *t);

/* ---- Operations (stktable.c); any thread ---- */

/* Returns the entry of <key> with a reference taken and its expiry
 * refreshed (no update recorded), or NULL if absent.
 */
struct stksess *stktable_lookup(struct stktable *t, const struct stktable_key *key);

/* Same as stktable_lookup() but leaves the expiry alone. */
struct stksess *stktable_lookup_noexp(struct stktable *t, const struct stktable_key *key);

/* Returns the entry of <key>, creating it (data zeroed, expiry set) if
 * absent, with a reference taken. Returns NULL on failure with <*err> (if
 * not NULL) set to -ENOSPC (table full: nopurge, or nothing evictable) or
 * -ENOMEM; on success <*err> is 0 if found, 1 if created.
 */
struct stksess *stktable_get_or_create(struct stktable *t, const struct stktable_key *key, int *err);

/* Refreshes the expiry of <ts> and records a local update (it will be
 * reported to update log consumers). Drops the caller's reference if
 * <decref>. Has no effect but the decref on an unlinked entry. If the
 * table's consumer armed it (<change_armed>, a relaxed load on the common
 * path), the first change after calls t->on_change() once, so that the
 * consumer reads the stream now rather than at its next poll; a missed
 * notification only delays it to that poll.
 */
void stktable_touch_local(struct stktable *t, struct stksess *ts, int decref);

/* Same as stktable_touch_local() for data just applied from a peer:
 * refreshes the expiry but records no local update, so it is not echoed.
 */
void stktable_touch_remote(struct stktable *t, struct stksess *ts, int decref);

/* Same as stktable_touch_remote() with the remaining lifetime <ms> that
 * the peer sent (a timed update) instead of the table's `expire`.
 */
void stktable_touch_remote_exp(struct stktable *t, struct stksess *ts, uint32_t ms, int decref);

/* Drops a reference on <ts>. If it was the last one and <ts> was killed or
 * has expired, it is freed. <ts> must not be used after.
 */
void stktable_release(struct stktable *t, struct stksess *ts);

/* Removes <ts> from the table now: frees it if unreferenced, otherwise it
 * leaves the index and is freed by its last release. Drops the caller's
 * reference first if <decref>. Returns 1 if freed now, 0 otherwise.
 */
int stktable_kill(struct stktable *t, struct stksess *ts, int decref);

/* Overrides the expiry of <ts>: it expires <ms> ms from now (ms < 2^31). A
 * later touch keeps the override unless the normal date (now + expire) is
 * later. Records a local update. Returns 0, or -ENOENT if <ts> was unlinked.
 */
int stktable_set_entry_expire(struct stktable *t, struct stksess *ts, uint32_t ms);

/* Returns the number of references held on <ts> (racy snapshot). An
 * acquire load: a 0 seen under the shard lock orders the holders' last
 * accesses before the caller's free.
 */
static inline uint32_t stksess_refs(const struct stksess *ts)
{
	return atomic_load_explicit(&((struct stksess *)ts)->ref_cnt, memory_order_acquire) &
	       STKSESS_REF_MASK;
}

/* Takes one more reference on <ts>, of which the caller holds one already
 * (so it cannot be freed meanwhile). Dropped by stktable_touch_local(...,
 * 1) as any other.
 */
static inline void stksess_hold(struct stksess *ts)
{
	atomic_fetch_add_explicit(&ts->ref_cnt, 1, memory_order_relaxed);
}

/* Returns the expiry date of <ts> (racy snapshot), TICK_ETERNITY if none. */
static inline uint32_t stksess_expire(const struct stksess *ts)
{
	return atomic_load_explicit(&((struct stksess *)ts)->expire, memory_order_relaxed);
}

/* Writes into <out> (t->key_size bytes) the normalised form of <key>: a
 * fixed-size key is truncated or zero-padded, a string is cut at its first
 * NUL and at `len` bytes then NUL-padded, binary is cut at `len` bytes and
 * zero-padded.
 */
void stktable_key_normalize(const struct stktable *t, const struct stktable_key *key, void *out);

/* Returns the stored key of <ts> (t->key_size bytes, normalised). */
static inline const void *stksess_key(const struct stksess *ts)
{
	return ts->key;
}

/* ---- Data (stktable.c); any thread holding a reference ---- */

/* Returns the address of element <idx> of data type <type> in <ts>, or NULL
 * if the table does not store it or <idx> is out of range. Access it with
 * atomics (the helpers below) only.
 */
static inline void *stktable_data_ptr(const struct stktable *t, struct stksess *ts, int type,
                                      unsigned int idx)
{
	if (!t->data_ofs[type] || idx >= t->def.nbelem[type])
		return NULL;
	return (char *)ts + t->data_ofs[type] + idx * stktable_data_type_size(type);
}

/* Reads element <idx> of <type> in <ts> into <*val>: integers as they are,
 * a rate as its current estimate (freq_ctr_read() at now_ms), server_key as
 * the pointer value. Returns 0 or -ENOENT (not stored).
 */
int stktable_data_get(const struct stktable *t, struct stksess *ts, int type,
                      unsigned int idx, uint64_t *val);

/* Adds <delta> (may be negative for integers; a rate counts <delta> events)
 * to element <idx> of <type>. Integers wrap like HAProxy's unsigned ones,
 * except that conn_cur never goes below 0. Returns 0, -ENOENT or -EINVAL.
 */
int stktable_data_add(const struct stktable *t, struct stksess *ts, int type,
                      unsigned int idx, int64_t delta);

/* Sets element <idx> of <type> to <val> (a rate: sets its current period
 * count and clears the previous one). Returns 0, -ENOENT or -EINVAL.
 */
int stktable_data_set(const struct stktable *t, struct stksess *ts, int type,
                      unsigned int idx, uint64_t val);

/* Fast paths for the tracking code: <p> from stktable_data_ptr(). */
static inline void stktable_u32_add(void *p, uint32_t v)
{
	atomic_fetch_add_explicit((_Atomic uint32_t *)p, v, memory_order_relaxed);
}

static inline void stktable_rate_add(const struct stktable *t, void *p, int type, uint32_t v,
                                     uint32_t now)
{
	freq_ctr_add((struct freq_ctr *)p, t->def.period[type], v, now);
}

/* ---- Statistics and walking (stktable.c) ---- */

/* Fills <st> with <t>'s statistics (each shard read under its lock). */
void stktable_get_stats(struct stktable *t, struct stktable_stats *st);

/* Calls <fn> on every linked entry, shard by shard, with the shard lock
 * held (<fn> must be short and call no table function on <t>). Stops when
 * <fn> returns non-zero and returns that value; returns 0 otherwise.
 */
int stktable_walk(struct stktable *t, int (*fn)(struct stktable *t, struct stksess *ts, void *ctx),
                  void *ctx);

/* Return values of a stktable_walk_resume() callback. */
#define STKTABLE_WALK_NEXT   0  /* go on */
#define STKTABLE_WALK_STOP   1  /* stop before this bucket (on an entry) or after it (at its end) */
#define STKTABLE_WALK_SKIP   2  /* stop after this bucket, its remaining entries unvisited */

/* Resumable walk over the linked entries of <t>, for dumps that must stop
 * when their output is full and go on later (the admin socket).
 *
 * The walk goes shard by shard and, inside a shard, bucket by bucket of its
 * hash index in reverse-binary order of the bucket number (the cursor of
 * Redis' SCAN): since an index only grows by doubling, the cursor stays
 * valid across a resize, and an entry linked during the whole walk is
 * visited exactly once (one linked or unlinked meanwhile may or may not
 * be), however many calls the walk takes.
 *
 * <fn> is called with the shard lock held (short; no table call on <t>):
 * for each entry <ts> of a bucket, then once with <ts> NULL at the end of
 * each non-empty bucket (a commit point). It returns STKTABLE_WALK_NEXT to
 * go on, or STKTABLE_WALK_STOP to stop: on an entry, the cursor stays at
 * its bucket, which the next call visits again from its first entry (so
 * the caller drops what it did for that bucket since the last NULL call);
 * at the end of a bucket, the next call starts at the following bucket.
 * STKTABLE_WALK_SKIP stops after the current bucket, dropping its remaining
 * entries (a bucket too large for the caller's buffer).
 *
 * A call visits at most <max_entries> entries plus the rest of the bucket
 * where that count is reached, and at most 1024 buckets, so a shard lock is
 * held for a bounded batch; it may go on into the next shards within those
 * bounds (one lock at a time). <cur> must be zeroed before the first call.
 * Returns 1 when the walk is finished, 0 when it should be called again.
 * Cost: O(entries + buckets visited).
 */
int stktable_walk_resume(struct stktable *t, struct stktable_cursor *cur, unsigned int max_entries,
                         int (*fn)(struct stktable *t, struct stksess *ts, void *ctx), void *ctx);

/* Checks the invariants of every shard (counts, links, list orders, the
 * capacity adding up to `size`). Returns the number of linked entries, or
 * -1 on a broken invariant. O(n), for tests, on a quiescent table.
 */
long stktable_check(struct stktable *t);

/* ---- Expiry and eviction (stktable_expire.c) ---- */

/* Frees the entries of <t> whose expiry is reached at <now>, examining at
 * most <budget> entries, starting at a rotating shard. Referenced expired
 * entries are skipped (freed at their last release). Stores in <*next> (if
 * not NULL) the next date there is work: the earliest expiry seen, <now> if
 * the budget ran out, TICK_ETERNITY if none. Returns the number freed.
 */
unsigned int stktable_purge(struct stktable *t, uint32_t now, unsigned int budget, uint32_t *next);

/* Starts a shared purge task for <t> on the worker threads of <mask> (0:
 * all). It wakes at the next expiry and requeues itself under t->exp_lock.
 * Returns 0 or -ENOMEM. Call before or while workers run.
 */
int stktable_purge_task_start(struct stktable *t, unsigned long mask);

/* Destroys the purge task. Workers must be stopped. */
void stktable_purge_task_stop(struct stktable *t);

/* ---- Update stream (stktable_updates.c) ---- */

/* Called for a changed entry, shard lock held: read key and data, no table
 * call on <t>. <upd> is the entry's sequence number in its shard. Non-zero
 * stops the walk before this entry (it is reported again next time), except
 * in an override list, which is always walked whole.
 */
typedef int (*stktable_upd_fn)(struct stktable *t, struct stksess *ts, uint32_t upd, void *ctx);

/* Allocates <c> for <t>. With <from_now>, it starts at the current end of
 * the stream (only later changes are reported); otherwise at its beginning
 * (every entry whose last local change is still recorded, at most 2^30
 * sequence numbers of its shard ago, so that the consumer may then fall
 * 2^30 behind). Returns 0 or -ENOMEM.
 */
int stktable_updcur_init(struct stktable *t, struct stktable_updcur *c, int from_now);

/* Moves <c> back to the beginning of the stream (see stktable_updcur_init()). */
void stktable_updcur_to_start(struct stktable *t, struct stktable_updcur *c);

/* Moves <c> to the current end of the stream (after a full resync walk). */
void stktable_updcur_to_end(struct stktable *t, struct stktable_updcur *c);

/* Copies the positions of <src> into <dst> (both for the same table). */
void stktable_updcur_copy(struct stktable_updcur *dst, const struct stktable_updcur *src);

/* Frees what stktable_updcur_init() allocated. */
void stktable_updcur_free(struct stktable_updcur *c);

/* Calls <fn> for every linked entry whose last local change came after
 * <c>, in each shard's order, advancing <c> past what was reported. Stops
 * after <max> reports (the rest of an override list excepted) or when <fn>
 * refuses one. Returns 1 when <c> reached the end of the stream, 0 when
 * more remains. Entries changed only by stktable_touch_remote() are never
 * reported (data learned from a peer is not echoed). Only an entry's latest
 * change is reported; removed entries are not. Sequence numbers compare
 * with wrapping arithmetic: a consumer must not fall 2^31 moves behind in a
 * shard. Cost: O(entries moved since <c> + shards with changes + their
 * override lists), one shard lock at a time; shards without change are
 * skipped without their lock.
 */
int stktable_updates_next(struct stktable *t, struct stktable_updcur *c, unsigned int max,
                          stktable_upd_fn fn, void *ctx);

/* Counts, without moving <c>, the entries that stktable_updates_next()
 * would report (and <keep>, if set, accepts: non-zero), up to <max>. The
 * cursor is read as is: from another thread than its owner's, the count is
 * a racy estimate. Same cost as stktable_updates_next().
 */
unsigned int stktable_updates_pending(struct stktable *t, const struct stktable_updcur *c, unsigned int max,
                                      stktable_upd_fn keep, void *ctx);

/* ---- Module internals (src/table/), documented for its files only ---- */

/* Returns the 64-bit hash of the normalised key <nkey> of <t>. */
uint64_t __stktable_hash(const struct stktable *t, const void *nkey);

/* Returns the shard of <t> that a key of hash <h> belongs to. */
static inline struct stktable_shard *__stktable_shard(const struct stktable *t, uint64_t h)
{
	return &t->shards[t->shard_bits ? (uint32_t)(h >> 32) >> (32 - t->shard_bits) : 0];
}

/* Returns the shard <ts> belongs to (recomputes the key's hash). */
static inline struct stktable_shard *__stksess_shard(const struct stktable *t, const struct stksess *ts)
{
	return __stktable_shard(t, __stktable_hash(t, ts->key));
}

/* Removes <ts> from the index and list of <sh>. Shard lock held. */
void __stksess_unlink(struct stktable *t, struct stktable_shard *sh, struct stksess *ts);

/* Returns the next sequence number of <sh> (never 0). Shard lock held. */
static inline uint32_t __shard_next_seq(struct stktable_shard *sh)
{
	uint32_t s = atomic_load_explicit(&sh->seq, memory_order_relaxed) + 1;

	if (!s)
		s = 1;
	atomic_store_explicit(&sh->seq, s, memory_order_relaxed);
	return s;
}

/* Unlinks <ts>, which has no reference, and frees it. Shard lock held. */
void __stksess_destroy(struct stktable *t, struct stktable_shard *sh, struct stksess *ts);

/* Evicts up to <n> unreferenced entries from the head of <sh>'s touch list
 * (least recently touched first), examining a bounded number. Returns the
 * number evicted. Shard lock held.
 */
unsigned int __stktable_evict(struct stktable *t, struct stktable_shard *sh, unsigned int n);

/* Makes sure the purge task (if any) wakes no later than <date>, the
 * expiry of an entry just created or overridden. Any thread, no shard lock
 * held.
 */
void __stktable_arm(struct stktable *t, uint32_t date);

/* Sets the remaining lifetime of <ts> to <ms> as loaded from a snapshot,
 * recording no update: at most `expire`, it goes to its touch list tail;
 * longer (or in a table without expire), it becomes an expiry override. No
 * effect on an unlinked entry. Any thread, no shard lock held.
 */
void __stksess_set_remaining(struct stktable *t, struct stksess *ts, uint32_t ms);

#endif /* TOLLGATE_STKTABLE_H */
