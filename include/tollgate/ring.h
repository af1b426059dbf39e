/*
 * Rings: bounded in-memory message buffers written by every thread (the
 * `ring` sections, `log ring@<name>`, `show events`).
 *
 * A ring is one byte area of <size> bytes holding whole messages, each a
 * 4-byte length followed by its bytes, possibly wrapping at the end of
 * the area. Positions are absolute byte offsets (64-bit, never wrapping):
 * <head> is the oldest message kept, <tail> the end of the newest one.
 * A writer that lacks room drops the oldest messages (advances <head>); a
 * message that cannot fit even in an empty ring is refused and counted in
 * <dropped>.
 *
 * Synchronisation (doc/internals/ring.md): one spinlock guards the area,
 * <head>, <tail> and the list of waiters. A writer copies its message and
 * a reader copies one message out under it, so a reader never sees a
 * message half written nor one overwritten while it copies. Readers keep
 * their own position; a reader the writers lapped (its position behind
 * <head>) restarts at <head> and is told how many bytes it lost. The lock
 * is held for one memcpy of at most one message (bounded by the ring's
 * `maxlen`): short enough for a spinlock, and a reader never holds it
 * while it does I/O.
 *
 * Waiters (the forwarding tasks of `server` lines, `show events -w`
 * sessions) are tasks woken after each write; they attach and detach
 * under the lock, so a writer never wakes a task that was detached.
 */
#ifndef TOLLGATE_RING_H
#define TOLLGATE_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <tollgate/lock-t.h>

struct task;

#define RING_HDR 4               /* bytes of a message's length prefix */

/* A task woken after each write (owned by whoever attached it). */
struct ring_waiter {
	struct task *task;           /* woken with TASK_WOKEN_OTHER */
	struct ring_waiter *prev, *next; /* the ring's list, under its lock */
};

struct ring {
	struct spinlock lock;        /* guards everything below but <dropped> */
	char *area;                  /* <size> bytes */
	size_t size;                 /* bytes of the area */
	uint64_t head;               /* absolute offset of the oldest message */
	uint64_t tail;               /* absolute offset past the newest one */
	struct ring_waiter *waiters; /* tasks woken after each write */
	_Atomic uint64_t dropped;    /* messages refused (larger than the ring) */
};

/* Allocates the area of <r> (<size> bytes, at least RING_HDR + 1).
 * Returns 0 or -ENOMEM.
 */
int ring_init(struct ring *r, size_t size);

/* Frees the area of <r> (no thread uses it any more). */
void ring_free(struct ring *r);

/* Appends one message made of <hdr> (<hlen> bytes) followed by <msg>
 * (<mlen> bytes), dropping the oldest messages for room, then wakes the
 * waiters. Any thread. Returns 0, or -1 if the message can never fit
 * (counted in <dropped>).
 */
int ring_write(struct ring *r, const char *hdr, size_t hlen, const char *msg, size_t mlen);

/* Copies into <out> (room for <room> bytes) the message at *<pos> and
 * moves *<pos> past it. A position the writers overwrote restarts at the
 * oldest message, adding the bytes skipped to *<lost> when <lost> is not
 * NULL. Any thread. Returns the message's length, 0 if there is no new
 * message (*<pos> is the tail), or -1 if <room> is too small (nothing
 * moves; a room of the ring's size is always enough).
 */
ssize_t ring_read(struct ring *r, uint64_t *pos, char *out, size_t room, uint64_t *lost);

/* The position of the oldest message (a reader of every message starts
 * there) and past the newest (a reader of new ones only, `show events
 * -n`). Any thread.
 */
uint64_t ring_head(struct ring *r);
uint64_t ring_tail(struct ring *r);

/* Adds <w> (its task set) to the waiters of <r>, or removes it. Any
 * thread; after ring_detach() no writer touches <w> or its task.
 */
void ring_attach(struct ring *r, struct ring_waiter *w);
void ring_detach(struct ring *r, struct ring_waiter *w);

#endif /* TOLLGATE_RING_H */
