/*
 * Rings: bounded message buffers shared by every thread. See ring.h and
 * doc/internals/ring.md for the synchronisation contract.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/lock.h>
#include <tollgate/ring.h>
#include <tollgate/task.h>

int ring_init(struct ring *r, size_t size)
{
	memset(r, 0, sizeof(*r));
	spin_init(&r->lock, LOCK_RING);
	if (size <= RING_HDR)
		return -EINVAL;
	r->area = malloc(size);
	if (!r->area)
		return -ENOMEM;
	r->size = size;
	return 0;
}

void ring_free(struct ring *r)
{
	free(r->area);
	r->area = NULL;
	r->size = 0;
}

/* Copies <len> bytes of <src> to the absolute offset <at> of <r>, wrapping
 * at the end of the area. Lock held.
 */
static void __ring_put(struct ring *r, uint64_t at, const char *src, size_t len)
{
	size_t off = (size_t)(at % r->size);
	size_t first = r->size - off < len ? r->size - off : len;

	memcpy(r->area + off, src, first);
	memcpy(r->area, src + first, len - first);
}

/* Copies <len> bytes at the absolute offset <at> of <r> to <dst>. Lock
 * held.
 */
static void __ring_get(const struct ring *r, uint64_t at, char *dst, size_t len)
{
	size_t off = (size_t)(at % r->size);
	size_t first = r->size - off < len ? r->size - off : len;

	memcpy(dst, r->area + off, first);
	memcpy(dst + first, r->area, len - first);
}

/* The length of the message at <at>. Lock held, <at> a message's start. */
static uint32_t __ring_len(const struct ring *r, uint64_t at)
{
	uint32_t len;

	__ring_get(r, at, (char *)&len, sizeof(len));
	return len;
}

int ring_write(struct ring *r, const char *hdr, size_t hlen, const char *msg, size_t mlen)
{
	size_t need = RING_HDR + hlen + mlen;
	uint32_t len = (uint32_t)(hlen + mlen);

	if (need > r->size || hlen + mlen > UINT32_MAX) {
		atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
		return -1;
	}
	spin_lock(&r->lock);
	/* the oldest messages make room: whole messages only */
	while (r->tail + need - r->head > r->size)
		r->head += RING_HDR + __ring_len(r, r->head);
	__ring_put(r, r->tail, (const char *)&len, RING_HDR);
	__ring_put(r, r->tail + RING_HDR, hdr, hlen);
	__ring_put(r, r->tail + RING_HDR + hlen, msg, mlen);
	r->tail += need;
	/* under the lock: a waiter detached is never woken (ring.h); the
	 * order RING then the run queue's lock is the only one taken */
	for (struct ring_waiter *w = r->waiters; w; w = w->next)
		task_wakeup(w->task, TASK_WOKEN_OTHER);
	spin_unlock(&r->lock);
	return 0;
}

ssize_t ring_read(struct ring *r, uint64_t *pos, char *out, size_t room, uint64_t *lost)
{
	uint32_t len;

	spin_lock(&r->lock);
	if (*pos < r->head) {
		/* lapped: what was between is gone */
		if (lost)
			*lost += r->head - *pos;
		*pos = r->head;
	}
	if (*pos >= r->tail) {
		spin_unlock(&r->lock);
		return 0;
	}
	len = __ring_len(r, *pos);
	if (len > room) {
		spin_unlock(&r->lock);
		return -1;
	}
	__ring_get(r, *pos + RING_HDR, out, len);
	*pos += RING_HDR + len;
	spin_unlock(&r->lock);
	return (ssize_t)len;
}

/* Reads <head> or <tail> of <r> (<which>: 0 or 1) under its lock. */
static uint64_t ring_pos(struct ring *r, int which)
{
	uint64_t p;

	spin_lock(&r->lock);
	p = which ? r->tail : r->head;
	spin_unlock(&r->lock);
	return p;
}

uint64_t ring_head(struct ring *r)
{
	return ring_pos(r, 0);
}

uint64_t ring_tail(struct ring *r)
{
	return ring_pos(r, 1);
}

void ring_attach(struct ring *r, struct ring_waiter *w)
{
	spin_lock(&r->lock);
	w->prev = NULL;
	w->next = r->waiters;
	if (w->next)
		w->next->prev = w;
	r->waiters = w;
	spin_unlock(&r->lock);
}

void ring_detach(struct ring *r, struct ring_waiter *w)
{
	spin_lock(&r->lock);
	if (w->prev)
		w->prev->next = w->next;
	else if (r->waiters == w)
		r->waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	spin_unlock(&r->lock);
}
