/*
 * Stick-table top-N keys (`topk <n> <data>` on a stick-table line): the <n>
 * keys with the largest value of one stored counter or rate, kept on the
 * write path so that a reader (the Prometheus exporter) never walks the
 * table.
 *
 * Principle: every local change of an entry (stktable_touch_local()) offers
 * (key, value) to one of STKTABLE_TOPK_SLOTS candidate sets, the one of the
 * calling thread (tid modulo the slots). A set keeps the 2n largest values
 * offered to it, one per key. Once it is full, a relaxed load of its
 * smallest value rejects, with no lock, every offer that would not enter
 * it: the common case costs one datum read and one load. A reader
 * (stktable_topk_read()) merges the sets, looks each candidate up in the
 * table for its current value (a key that left the table is dropped, a
 * decayed rate lowered), writes those values back into the sets, and
 * returns the n best.
 *
 * Approximation: a counter only grows and is offered after each change, so
 * a set holds values no larger than the keys' current ones; a key of the
 * true top n could only be pushed out of its set by 2n keys of larger
 * values, which would outrank it: for counters the answer is exact, up to
 * changes racing the read. A rate, or conn_cur, can fall without being
 * offered: its stale larger value stays in its set until the next read
 * refreshes it, and meanwhile may push out a key of a smaller value; a key
 * removed and created again behaves likewise. The list is then approximate
 * until the next offers and reads settle it.
 *
 * Threading: each set has its own spinlock (LOCK_TABLE_TOPK), taken by the
 * offering thread for an offer that enters the set and by a reader; its
 * minimum is an atomic written under the lock. Reads are serialised by the
 * caller or not at all: two concurrent reads are correct, only redundant.
 * Cost: an entering offer scans the set (2n keys); a read is O(slots x 2n)
 * copies plus one table lookup per distinct candidate.
 */
#ifndef TOLLGATE_STKTABLE_TOPK_H
#define TOLLGATE_STKTABLE_TOPK_H

#include <stddef.h>
#include <stdint.h>

struct stktable;
struct stksess;
struct stktable_topk;

#define STKTABLE_TOPK_SLOTS 16        /* candidate sets of a table */
#define STKTABLE_TOPK_MAX   100       /* largest <n> of `topk <n>` */

/* One answer of stktable_topk_read(). */
struct stktable_topk_item {
	uint64_t value;               /* the datum's value at the read */
	const unsigned char *key;     /* t->key_size bytes, normalised, in the same allocation */
};

/* Creates the candidate sets of <t> for its definition's `topk` (def.topk_n
 * > 0). Returns 0, or -ENOMEM.
 */
int stktable_topk_init(struct stktable *t);

/* Frees what stktable_topk_init() created. */
void stktable_topk_deinit(struct stktable *t);

/* Offers the entry <ts> of <t> (a reference held, no shard lock of <t>
 * held) with its current value of the `topk` datum. Any thread. Costs a
 * datum read and a relaxed load when the value enters no set.
 */
void stktable_topk_offer(struct stktable *t, struct stksess *ts);

/* Sets <*out> to a malloc'ed array of the best keys of <t> (at most
 * def.topk_n), by decreasing value, values of 0 left out; the caller frees
 * <*out> (one free(), keys included). Returns their number, or -ENOMEM
 * (<*out> NULL). Any thread, no shard lock of <t> held.
 */
int stktable_topk_read(struct stktable *t, struct stktable_topk_item **out);

#endif /* TOLLGATE_STKTABLE_TOPK_H */
