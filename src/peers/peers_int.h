/*
 * Peers: what peers.c (links, messages, tasks) and peer_push.c (what a
 * link sends) share. Thread 0 only.
 */
#ifndef TOLLGATE_PEERS_INT_H
#define TOLLGATE_PEERS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/peers-t.h>

#define PEER_HEARTBEAT_MS   3000   /* heartbeat interval (HAProxy's) */

/* Appends a message <cls>/<type> with <len> bytes of payload at <p> (none
 * if the type is below 128) to the output of <c>. 0 or -ENOMEM.
 */
int peer_send_msg(struct peer_conn *c, uint8_t cls, uint8_t type, const unsigned char *p, size_t len);

/* Queues for <p>: resync confirms, acks, then a full resync (teaching) or
 * the local changes since its cursor, up to PEER_OUT_HIGH bytes.
 */
void peer_push(struct peer *p);

/* The peer acknowledged the updates of <pt> up to <upd>: forgets the
 * batches it covers (the lag's ring).
 */
void peer_lag_acked(struct peer_table *pt, uint32_t upd);

#endif /* TOLLGATE_PEERS_INT_H */
