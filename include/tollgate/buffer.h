/*
 * Channel buffers and splice pipes.
 *
 * Buffers. A `struct buffer` is a ring of `buf_size` bytes (tune.bufsize,
 * 16384 by default) holding the bytes in transit in one direction of a
 * stream. Its storage comes from the pool "buffer" (pool.h), and is only
 * taken when data must be held: an idle connection keeps an unallocated
 * buffer (area == NULL, BUF_NULL).
 *  - Ownership: a buffer belongs to the stream that embeds it, hence to one
 *    worker thread. No function here takes a lock or uses atomics on a
 *    buffer; two threads must never touch the same buffer.
 *  - Accounting: <head> is the offset of the first data byte, <data> the
 *    number of data bytes; they may wrap around the end of the area. The
 *    free part (`room`) is size - data. When the buffer becomes empty, head
 *    goes back to 0 so that the next data is contiguous.
 *  - I/O: buf_recv()/buf_send() use one system call each: recv()/send()
 *    when the room or data is one span, readv()/sendmsg() over the two
 *    spans when it wraps.
 *  - buf_size is set once, at configuration time, before any buffer exists
 *    (buf_pool_init()); it never changes while workers run.
 *
 * Pipes. For TCP forwarding without copying to user space, data goes
 * socket -> pipe -> socket with splice(2). Pipes are expensive to create
 * (two fds, a kernel allocation), so they are kept open and reused across
 * connections, in a process-wide pool:
 *  - pipe_get() hands out a pipe (empty) or NULL when `maxpipes` pipes are
 *    in use (like HAProxy's maxpipes) or creation fails; the caller then
 *    falls back to buffers. pipe_put() gives it back: an empty pipe is kept
 *    for reuse, one still holding data is closed.
 *  - A pipe in use belongs to one stream (one thread), like a buffer. The
 *    pool itself is shared: its free list is under a spinlock (never held
 *    across a system call: pipes are created and closed outside it), and the
 *    in-use count is an atomic checked against the cap before creation.
 *
 * Costs: buffer accounting O(1); buf_put/get/peek O(bytes); buf_realign()
 * O(size) in place; pipe_get()/pipe_put() O(1) plus pipe2()+fcntl() when a
 * new pipe is needed; each splice helper one system call.
 */
#ifndef TOLLGATE_BUFFER_H
#define TOLLGATE_BUFFER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <tollgate/compiler.h>

struct pool_head;

#define BUF_DEFAULT_SIZE   16384U    /* tune.bufsize default */

/* buf_send() flags. */
#define BUF_SEND_MORE      0x0001U   /* more data follows (MSG_MORE) */

struct buffer {
	char *area;        /* storage of <size> bytes, NULL if not allocated */
	size_t size;       /* capacity of <area>, 0 if not allocated */
	size_t head;       /* offset in <area> of the first data byte */
	size_t data;       /* number of data bytes (may wrap past the end) */
};

/* An unallocated buffer. */
#define BUF_NULL ((struct buffer){ .area = NULL, .size = 0, .head = 0, .data = 0 })

extern size_t buf_size;                 /* tune.bufsize, set by buf_pool_init() */
extern struct pool_head *buf_pool;      /* pool of buffer areas */

/* Creates the pool of buffer areas of <size> bytes (0: BUF_DEFAULT_SIZE),
 * named "buffer". Called once at start-up, before the workers run and
 * before any buffer is allocated; calling it again after buf_pool_deinit()
 * is allowed (tests). Returns 0, -EINVAL for a size below 1024 or above
 * 1 GiB, or -ENOMEM.
 */
int buf_pool_init(size_t size);

/* Releases the pool. Every buffer must have been freed. */
void buf_pool_deinit(void);

/* Gives <b> an area from the pool, empty. <b> must be unallocated. Returns
 * 0 or -ENOMEM (the caller refuses or delays the stream; never aborts).
 * Any thread (the owner's).
 */
int buf_alloc(struct buffer *b);

/* Returns <b>'s area to the pool (data is dropped) and resets <b> to
 * BUF_NULL. Does nothing on an unallocated buffer.
 */
void buf_free(struct buffer *b);

/* ---- accounting (owner thread, O(1)) ---- */

/* Returns 1 if <b> has an area. */
static inline int buf_allocated(const struct buffer *b)
{
	return b->area != NULL;
}

/* Returns the number of data bytes in <b>. */
static inline size_t buf_data(const struct buffer *b)
{
	return b->data;
}

/* Returns the number of free bytes in <b>. */
static inline size_t buf_room(const struct buffer *b)
{
	return b->size - b->data;
}

/* Returns 1 if <b> holds no data. */
static inline int buf_empty(const struct buffer *b)
{
	return b->data == 0;
}

/* Returns 1 if <b> has no room (an unallocated buffer is full). */
static inline int buf_full(const struct buffer *b)
{
	return b->data == b->size;
}

/* Returns the address of the first data byte. */
static inline char *buf_head(const struct buffer *b)
{
	return b->area + b->head;
}

/* Returns the offset of the first free byte (just after the data). */
static inline size_t buf_tail_ofs(const struct buffer *b)
{
	size_t t = b->head + b->data;

	return t >= b->size ? t - b->size : t;
}

/* Returns the address of the first free byte. */
static inline char *buf_tail(const struct buffer *b)
{
	return b->area + buf_tail_ofs(b);
}

/* Returns the number of data bytes readable at buf_head() in one piece. */
static inline size_t buf_contig_data(const struct buffer *b)
{
	size_t end = b->size - b->head;

	return b->data < end ? b->data : end;
}

/* Returns the number of free bytes writable at buf_tail() in one piece. */
static inline size_t buf_contig_room(const struct buffer *b)
{
	size_t t = b->head + b->data;

	if (t >= b->size)               /* data wraps: room is in the middle */
		return b->head - (t - b->size);
	return b->size - t;              /* room runs to the end of the area */
}

/* Records that <n> bytes were written at the tail (n <= room). */
static inline void buf_add(struct buffer *b, size_t n)
{
	DEBUG_BUG_ON(n > buf_room(b));
	b->data += n;
}

/* Drops <n> bytes from the head (n <= data). An emptied buffer restarts at
 * offset 0.
 */
static inline void buf_del(struct buffer *b, size_t n)
{
	DEBUG_BUG_ON(n > b->data);
	b->data -= n;
	if (!b->data)
		b->head = 0;
	else {
		b->head += n;
		if (b->head >= b->size)
			b->head -= b->size;
	}
}

/* Drops all data. */
static inline void buf_reset(struct buffer *b)
{
	b->head = 0;
	b->data = 0;
}

/* Fills <iov> with the spans of data of <b>, in order, for writev(); returns
 * how many (0, 1 or 2).
 */
int buf_data_spans(const struct buffer *b, struct iovec iov[2]);

/* Fills <iov> with the spans of room of <b>, in order, for readv(); returns
 * how many (0, 1 or 2).
 */
int buf_room_spans(const struct buffer *b, struct iovec iov[2]);

/* Copies up to <len> bytes from <src> to the tail of <b>. Returns the
 * number copied (less than <len> if the room is smaller).
 */
size_t buf_put(struct buffer *b, const void *src, size_t len);

/* Copies up to <len> bytes from the head of <b> into <dst> and drops them.
 * Returns the number copied.
 */
size_t buf_get(struct buffer *b, void *dst, size_t len);

/* Copies up to <len> bytes of data starting <ofs> bytes after the head into
 * <dst>, without dropping them. Returns the number copied (0 if <ofs> >=
 * data).
 */
size_t buf_peek(const struct buffer *b, size_t ofs, void *dst, size_t len);

/* Moves the data of <b> to the start of its area so that it is contiguous
 * (head == 0), for parsers that need one piece. In place, no allocation,
 * O(size).
 */
void buf_realign(struct buffer *b);

/* Replaces the <old> data bytes found <ofs> bytes after the head of <b>
 * with the <len> bytes at <src> (HTTP head rewriting). May realign <b>.
 * Returns 0, -EINVAL if the range is not within the data, or -ENOSPC if
 * the result does not fit (nothing changed then). O(data).
 */
int buf_replace(struct buffer *b, size_t ofs, size_t old, const char *src, size_t len);

/* ---- I/O (owner thread, non-blocking fds) ---- */

/* Reads at most <max> bytes (0: as many as fit) from <fd> into the room of
 * <b>, with one recv() (readv() when the room wraps, or for a fd that is
 * not a socket). Returns the number of bytes read (> 0), 0 at end
 * of stream, -EAGAIN when nothing is available, -ENOSPC without reading if
 * <b> is full or unallocated, or another -errno (-ECONNRESET...). EINTR is
 * retried.
 */
ssize_t buf_recv(struct buffer *b, int fd, size_t max);

/* Sends at most <max> bytes (0: all) of the data of <b> to <fd> with one
 * send()/sendmsg() (MSG_NOSIGNAL; writev() if <fd> is not a socket) and drops what
 * was sent; a partial send leaves the rest in <b>. <flags>: BUF_SEND_*.
 * Returns the number of bytes sent (> 0), 0 if <b> is empty, -EAGAIN when
 * the fd cannot take data, or another -errno (-EPIPE, -ECONNRESET...), never
 * a SIGPIPE. EINTR is retried.
 */
ssize_t buf_send(struct buffer *b, int fd, size_t max, unsigned int flags);

/* ---- splice pipes (shared pool) ---- */

struct pipe {
	int prod;               /* write end: data is spliced into it */
	int cons;               /* read end: data is spliced out of it */
	size_t data;            /* bytes in the pipe (kept by the helpers) */
	struct pipe *next;      /* free list link, while in the pool */
};

/* Pool statistics (pipe_get_stats()). */
struct pipe_stats {
	unsigned int max;       /* cap on pipes in use (maxpipes) */
	unsigned int used;      /* pipes handed out and not given back */
	unsigned int free;      /* open pipes kept for reuse */
	uint64_t failures;      /* pipe_get() refusals: cap or creation error */
	size_t pipe_size;       /* capacity of each pipe in bytes */
};

/* Sets up the pipe pool: at most <maxpipes> pipes in use at once (0
 * disables splicing: pipe_get() always returns NULL), each of <pipesize>
 * bytes when possible (F_SETPIPE_SZ, best effort; 0 keeps the system
 * default; tune.pipesize). Start-up, before workers run. Returns 0.
 */
int pipe_pool_init(unsigned int maxpipes, size_t pipesize);

/* Closes every pooled pipe. Every pipe must have been given back. */
void pipe_pool_deinit(void);

/* Returns an empty pipe, from the pool or newly created (non-blocking,
 * close-on-exec), or NULL if <maxpipes> are in use or creation fails
 * (counted in failures). Any thread.
 */
struct pipe *pipe_get(void);

/* Gives <p> back: kept for reuse if empty, closed if it still holds data
 * (its bytes cannot be dropped otherwise). <p> may be NULL. Any thread.
 */
void pipe_put(struct pipe *p);

/* Moves at most <max> bytes (0: the pipe's capacity) from socket <fd> into
 * <p> with splice() (SPLICE_F_MOVE | SPLICE_F_NONBLOCK; <fd> must be
 * non-blocking). Returns the bytes moved (> 0; added to p->data), 0 at end
 * of stream, -ENOBUFS when the pipe cannot take more while the socket has
 * data (drain it with pipe_splice_out() before retrying), -EAGAIN when the
 * socket has nothing, or the pipe, not empty, refused (the kernel does not
 * tell which), or another -errno.
 */
ssize_t pipe_splice_in(int fd, struct pipe *p, size_t max);

/* Moves at most <max> bytes (0: all) from <p> to socket <fd> with splice().
 * Returns the bytes moved (> 0; removed from p->data), 0 if <p> is empty,
 * -EAGAIN when <fd> cannot take data, or another -errno (-EPIPE...).
 * splice() cannot be told MSG_NOSIGNAL: writing to a socket closed by its
 * peer raises SIGPIPE, so the process must ignore SIGPIPE (or block it, as
 * workers do) when splicing.
 */
ssize_t pipe_splice_out(struct pipe *p, int fd, size_t max);

/* Returns the capacity of the pool's pipes in bytes (0 before init). */
size_t pipe_size_get(void);

/* Fills <st> with a snapshot of the pool's counters. */
void pipe_get_stats(struct pipe_stats *st);

#endif /* TOLLGATE_BUFFER_H */
