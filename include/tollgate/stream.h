/*
 * Streams: one client connection, its server connection, and the two
 * channels carrying bytes between them (TCP mode).
 *
 * Ownership: a stream, its fds, buffers, pipes and task belong to the
 * worker that accepted the client connection, for their whole life; only
 * that thread touches them (no lock). Other threads reach a stream only
 * through its task: a backend's queue (under the backend's queue_lock)
 * wakes a queued stream when a server slot frees up, doing so under that
 * lock, which the stream also takes before it leaves the queue or dies.
 *
 * Life: accepted -> backend chosen -> server picked (or queued) ->
 * connecting (retries, redispatch) -> established (forwarding both ways,
 * half-closes propagated) -> closed when both directions are shut, on an
 * error, or on a timeout.
 */
#ifndef TOLLGATE_STREAM_H
#define TOLLGATE_STREAM_H

#include <stdint.h>

#include <tollgate/addr.h>
#include <tollgate/proxy-t.h>

/* Creates a stream on the calling worker for the accepted client socket
 * <fd> from <peer>, on listener <li>. Takes ownership of <fd> (closed on
 * failure). Returns 0 or -ENOMEM.
 */
int stream_accept(struct listener *li, int fd, const struct addr *peer);

/* Creates the pools streams use. Start-up, before workers run. */
int stream_init(void);

/* Streams alive on all threads (racy snapshot). */
unsigned int stream_count(void);

/* Called by a backend when one of its servers frees a slot: wakes the
 * oldest queued stream, if any. Any thread.
 */
void stream_dequeue(struct proxy *be);

#endif /* TOLLGATE_STREAM_H */
