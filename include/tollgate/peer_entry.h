/*
 * Peers: the entries of a table on the wire, both ways (src/peers/
 * peer_entry.c): table definitions and updates encoded from the table,
 * updates applied to it, and a key's shard. Thread 0 (the peers' thread),
 * with the protocol in doc/internals/peers.md.
 */
#ifndef TOLLGATE_PEER_ENTRY_H
#define TOLLGATE_PEER_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/peers-t.h>

struct peer_update;
struct stksess;
struct stktable;

/* Encodes the table definition of <pt> into <out>. Returns its length. */
size_t peer_encode_define(const struct peer_table *pt, unsigned char *out);

/* Encodes the key and data of <ts> into <out> (room: PEER_MSG_MAXLEN) for
 * <pr> (its dictionary cache). Returns the length, or 0 if it does not
 * fit. Shard lock held.
 */
size_t peer_encode_entry(struct peer *pr, struct stktable *t, struct stksess *ts, unsigned char *out);

/* Returns the shard of the key of <ts> in <pt>'s table among <shards>
 * (1..shards), as HAProxy computes it.
 */
unsigned int peer_key_shard(const struct peer_table *pt, const struct stksess *ts, unsigned int shards);

/* Applies update <u> from <p> to the table of <pt>. */
void peer_apply_update(struct peer *p, struct peer_table *pt, const struct peer_update *u);

#endif /* TOLLGATE_PEER_ENTRY_H */
