/*
 * Channel buffers and the pool of splice pipes. See buffer.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <tollgate/buffer.h>
#include <tollgate/compiler.h>
#include <tollgate/lock.h>
#include <tollgate/pool.h>

#define BUF_MIN_SIZE  1024U
#define BUF_MAX_SIZE  (1U << 30)

size_t buf_size = BUF_DEFAULT_SIZE;
struct pool_head *buf_pool;

int buf_pool_init(size_t size)
{
	if (!size)
		size = BUF_DEFAULT_SIZE;
	if (size < BUF_MIN_SIZE || size > BUF_MAX_SIZE)
		return -EINVAL;
	BUG_ON(buf_pool != NULL);
	buf_pool = pool_create("buffer", (unsigned int)size, 0);
	if (!buf_pool)
		return -ENOMEM;
	buf_size = size;
	return 0;
}

void buf_pool_deinit(void)
{
	buf_pool = pool_destroy(buf_pool);
}

int buf_alloc(struct buffer *b)
{
	DEBUG_BUG_ON(b->area != NULL);
	b->area = pool_alloc(buf_pool);
	if (!b->area) {
		*b = BUF_NULL;
		return -ENOMEM;
	}
	b->size = buf_size;
	b->head = 0;
	b->data = 0;
	return 0;
}

void buf_free(struct buffer *b)
{
	if (!b->area)
		return;
	pool_free(buf_pool, b->area);
	*b = BUF_NULL;
}

int buf_data_spans(const struct buffer *b, struct iovec iov[2])
{
	size_t first;

	if (!b->data)
		return 0;
	first = buf_contig_data(b);
	iov[0].iov_base = buf_head(b);
	iov[0].iov_len = first;
	if (first == b->data)
		return 1;
	iov[1].iov_base = b->area;
	iov[1].iov_len = b->data - first;
	return 2;
}

int buf_room_spans(const struct buffer *b, struct iovec iov[2])
{
	size_t room = buf_room(b);
	size_t first;

	if (!room)
		return 0;
	first = buf_contig_room(b);
	iov[0].iov_base = buf_tail(b);
	iov[0].iov_len = first;
	if (first == room)
		return 1;
	iov[1].iov_base = b->area;
	iov[1].iov_len = room - first;
	return 2;
}

/* Trims the <n> spans of <iov> to <max> bytes in total (0: no limit).
 * Returns the new number of spans.
 */
static int buf_trim_spans(struct iovec *iov, int n, size_t max)
{
	if (!max || !n)
		return n;
	if (iov[0].iov_len >= max) {
		iov[0].iov_len = max;
		return 1;
	}
	if (n == 2 && iov[0].iov_len + iov[1].iov_len > max)
		iov[1].iov_len = max - iov[0].iov_len;
	return n;
}

size_t buf_put(struct buffer *b, const void *src, size_t len)
{
	struct iovec iov[2];
	size_t done = 0, t = b->head + b->data;
	int n, i;

	if (!len)
		return 0;       /* a zero <max> means "no limit" below */
	if (t < b->size && len <= b->size - t) {
		/* the usual case: at the tail, in one piece */
		memcpy(b->area + t, src, len);
		b->data += len;
		return len;
	}
	n = buf_trim_spans(iov, buf_room_spans(b, iov), len);
	for (i = 0; i < n; i++) {
		memcpy(iov[i].iov_base, (const char *)src + done, iov[i].iov_len);
		done += iov[i].iov_len;
	}
	buf_add(b, done);
	return done;
}

size_t buf_peek(const struct buffer *b, size_t ofs, void *dst, size_t len)
{
	size_t pos, first;

	if (ofs >= b->data)
		return 0;
	if (len > b->data - ofs)
		len = b->data - ofs;
	pos = b->head + ofs;
	if (pos >= b->size)
		pos -= b->size;
	first = b->size - pos;
	if (first >= len) {
		memcpy(dst, b->area + pos, len);
	} else {
		memcpy(dst, b->area + pos, first);
		memcpy((char *)dst + first, b->area, len - first);
	}
	return len;
}

size_t buf_get(struct buffer *b, void *dst, size_t len)
{
	len = buf_peek(b, 0, dst, len);
	buf_del(b, len);
	return len;
}

/* Reverses the bytes in [<p>, <p> + <len>). */
static void buf_reverse(char *p, size_t len)
{
	char *q = p + len;
	char c;

	while (p + 1 < q) {
		c = *p;
		*p++ = *--q;
		*q = c;
	}
}

void buf_realign(struct buffer *b)
{
	if (!b->head)
		return;
	if (b->head + b->data <= b->size) {
		memmove(b->area, b->area + b->head, b->data);
	} else {
		/* rotate the whole area left by <head>: three reversals */
		buf_reverse(b->area, b->head);
		buf_reverse(b->area + b->head, b->size - b->head);
		buf_reverse(b->area, b->size);
	}
	b->head = 0;
}

int buf_replace(struct buffer *b, size_t ofs, size_t old, const char *src, size_t len)
{
	size_t after;

	if (ofs + old > b->data)
		return -EINVAL;
	if (b->data - old + len > b->size)
		return -ENOSPC;
	after = b->data - ofs - old;
	if (b->head + (b->data > b->data - old + len ? b->data : b->data - old + len) > b->size)
		buf_realign(b);
	memmove(b->area + b->head + ofs + len, b->area + b->head + ofs + old, after);
	memcpy(b->area + b->head + ofs, src, len);
	b->data = b->data - old + len;
	if (!b->data)
		b->head = 0;
	return 0;
}

ssize_t buf_recv(struct buffer *b, int fd, size_t max)
{
	struct iovec iov[2];
	ssize_t ret;
	int n;

	if (!b->area || buf_full(b))
		return -ENOSPC;
	n = buf_trim_spans(iov, buf_room_spans(b, iov), max);
	/* one span: recv() takes the socket's short path (readv() goes
	 * through the generic file layer); not a socket: readv()
	 */
	do {
		ret = n == 1 ? recv(fd, iov[0].iov_base, iov[0].iov_len, 0) : readv(fd, iov, n);
		if (ret < 0 && errno == ENOTSOCK)
			ret = readv(fd, iov, n);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	buf_add(b, (size_t)ret);
	return ret;
}

ssize_t buf_send(struct buffer *b, int fd, size_t max, unsigned int flags)
{
	struct iovec iov[2];
	struct msghdr msg;
	ssize_t ret;
	int n;

	if (buf_empty(b))
		return 0;
	n = buf_trim_spans(iov, buf_data_spans(b, iov), max);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	do {
		int f = MSG_NOSIGNAL | MSG_DONTWAIT | ((flags & BUF_SEND_MORE) ? MSG_MORE : 0);

		/* one span: send(), no message header to copy in */
		ret = n == 1 ? send(fd, iov[0].iov_base, iov[0].iov_len, f) : sendmsg(fd, &msg, f);
		if (ret < 0 && errno == ENOTSOCK)
			ret = writev(fd, iov, n);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	buf_del(b, (size_t)ret);
	return ret;
}

/* ---- the pipe pool ---- */

/* Free pipes, under pipe_lock (a spinlock: a few instructions, never a
 * system call), labelled LOCK_PIPE.
 */
static struct spinlock pipe_lock;
static struct pipe *pipe_free_list;       /* open, empty pipes (pipe_lock) */
static _Atomic unsigned int pipe_free_cnt; /* length of pipe_free_list,
                                            * written under pipe_lock */
static _Atomic unsigned int pipes_used;   /* handed out; checked against
                                           * pipe_max before creating */
static _Atomic uint64_t pipe_failures;    /* pipe_get() refusals */
static unsigned int pipe_max;             /* maxpipes, fixed at init */
static size_t pipe_want;                  /* tune.pipesize, 0: default */
static size_t pipe_bytes;                 /* actual capacity of a pipe */
static struct pool_head *pipe_pool;       /* struct pipe objects */

/* Creates a pipe into a struct from the pool. Returns it or NULL. */
static struct pipe *pipe_create(void)
{
	struct pipe *p;
	int fds[2];

	p = pool_alloc(pipe_pool);
	if (!p)
		return NULL;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
		pool_free(pipe_pool, p);
		return NULL;
	}
	/* best effort: unprivileged processes are capped by
	 * /proc/sys/fs/pipe-max-size
	 */
	if (pipe_want)
		fcntl(fds[1], F_SETPIPE_SZ, (int)pipe_want);
	p->cons = fds[0];
	p->prod = fds[1];
	p->data = 0;
	p->next = NULL;
	return p;
}

/* Closes <p> and frees its struct. */
static void pipe_destroy(struct pipe *p)
{
	close(p->prod);
	close(p->cons);
	pool_free(pipe_pool, p);
}

int pipe_pool_init(unsigned int maxpipes, size_t pipesize)
{
	struct pipe *p;
	int sz;

	spin_init(&pipe_lock, LOCK_PIPE);
	pipe_free_list = NULL;
	atomic_store(&pipe_free_cnt, 0);
	atomic_store(&pipes_used, 0);
	atomic_store(&pipe_failures, 0);
	pipe_max = maxpipes;
	pipe_want = pipesize > (size_t)INT32_MAX ? (size_t)INT32_MAX : pipesize;
	pipe_bytes = 0;
	if (!maxpipes)
		return 0;
	pipe_pool = pool_create("pipe", sizeof(struct pipe), 0);
	if (!pipe_pool)
		return -ENOMEM;
	/* a first pipe tells the real capacity; it is kept for reuse */
	p = pipe_create();
	if (!p)
		return 0;     /* pipes may come later; pipe_bytes stays unknown */
	sz = fcntl(p->prod, F_GETPIPE_SZ);
	pipe_bytes = sz > 0 ? (size_t)sz : 65536;
	pipe_free_list = p;
	atomic_store(&pipe_free_cnt, 1);
	return 0;
}

void pipe_pool_deinit(void)
{
	struct pipe *p;

	BUG_ON(atomic_load(&pipes_used) != 0);
	while ((p = pipe_free_list)) {
		pipe_free_list = p->next;
		pipe_destroy(p);
	}
	atomic_store(&pipe_free_cnt, 0);
	pipe_pool = pool_destroy(pipe_pool);
	pipe_max = 0;
}

struct pipe *pipe_get(void)
{
	unsigned int used = atomic_load_explicit(&pipes_used, memory_order_relaxed);
	struct pipe *p;

	/* reserve a slot under the cap first, so that the cap holds even
	 * while pipes are being created outside the lock
	 */
	do {
		if (used >= pipe_max) {
			atomic_fetch_add_explicit(&pipe_failures, 1, memory_order_relaxed);
			return NULL;
		}
	} while (!atomic_compare_exchange_weak_explicit(&pipes_used, &used, used + 1,
	                                                memory_order_relaxed, memory_order_relaxed));

	spin_lock(&pipe_lock);
	p = pipe_free_list;
	if (p) {
		pipe_free_list = p->next;
		atomic_store_explicit(&pipe_free_cnt,
		                      atomic_load_explicit(&pipe_free_cnt, memory_order_relaxed) - 1,
		                      memory_order_relaxed);
	}
	spin_unlock(&pipe_lock);

	if (!p) {
		p = pipe_create();
		if (!p) {
			atomic_fetch_sub_explicit(&pipes_used, 1, memory_order_relaxed);
			atomic_fetch_add_explicit(&pipe_failures, 1, memory_order_relaxed);
			return NULL;
		}
	}
	p->next = NULL;
	return p;
}

void pipe_put(struct pipe *p)
{
	if (!p)
		return;
	if (p->data) {
		/* bytes left inside cannot be dropped: close it */
		pipe_destroy(p);
	} else {
		spin_lock(&pipe_lock);
		p->next = pipe_free_list;
		pipe_free_list = p;
		atomic_store_explicit(&pipe_free_cnt,
		                      atomic_load_explicit(&pipe_free_cnt, memory_order_relaxed) + 1,
		                      memory_order_relaxed);
		spin_unlock(&pipe_lock);
	}
	atomic_fetch_sub_explicit(&pipes_used, 1, memory_order_relaxed);
}

ssize_t pipe_splice_in(int fd, struct pipe *p, size_t max)
{
	size_t room, cap = pipe_bytes ? pipe_bytes : 65536;
	ssize_t ret;
	char c;

	/* Ask for no more than the pipe can take: a full pipe is "try again
	 * later", never "end of stream".
	 */
	room = p->data < cap ? cap - p->data : 0;
	if (!room)
		return -ENOBUFS;
	if (!max || max > room)
		max = room;
	do {
		ret = splice(fd, NULL, p->prod, NULL, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0) {
		/* splice() was seen returning 0 when the pipe could not take
		 * more (on this project's Linux VMs, under load): only a peek
		 * seeing the end of the stream makes it one.
		 */
		ssize_t r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

		if (r > 0)
			return -ENOBUFS;
		if (r < 0 && errno == EAGAIN)
			return -EAGAIN;
		return r < 0 ? -errno : 0;
	}
	p->data += (size_t)ret;
	return ret;
}

ssize_t pipe_splice_out(struct pipe *p, int fd, size_t max)
{
	size_t len = p->data;
	ssize_t ret;

	if (!len)
		return 0;
	if (max && max < len)
		len = max;
	do {
		ret = splice(p->cons, NULL, fd, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	p->data -= (size_t)ret;
	return ret;
}

size_t pipe_size_get(void)
{
	return pipe_bytes;
}

void pipe_get_stats(struct pipe_stats *st)
{
	st->max = pipe_max;
	st->used = atomic_load_explicit(&pipes_used, memory_order_relaxed);
	st->free = atomic_load_explicit(&pipe_free_cnt, memory_order_relaxed);
	st->failures = atomic_load_explicit(&pipe_failures, memory_order_relaxed);
	st->pipe_size = pipe_bytes;
}
