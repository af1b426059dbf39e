/*
 * libFuzzer target for HTTP/2 to servers (mux_h2_be.h): what a server sends
 * back over HTTP/2, turned into HTTP/1.1 for the engine, after a request
 * from the engine.
 *
 * Input: one byte <k>, then a request as the engine would send it (the
 * next <k> * 4 bytes, HTTP/1.1 head and body, possibly chunked), then the
 * server's bytes (frames, after its preface SETTINGS). The connection runs
 * over a socketpair: its handshake (xprt_h2be), then h2be_share() makes
 * the side one stream of it (xprt_h2bs); the request goes through the
 * stream's send(), the server's bytes are written to the peer end and
 * read by the connection's handler (captured from fd_set_owner() and
 * called as the poller would), the stream's recv() is called until it
 * stops giving.
 *
 * Invariants checked (abort on violation):
 *  - no crash, no leak, no read or write out of bounds (ASan/UBSan);
 *  - send() and recv() follow xprt.h: bytes > 0 within the room, 0,
 *    -EAGAIN, -ENOBUFS, -ENOSPC or -EPIPE;
 *  - the synthesized response head, once complete, parses as HTTP/1.1
 *    (h1_parse_response() > 0) unless recv() failed: no field of the
 *    server can split the head the engine reads;
 *  - a request refused for a retry (h2be_refused()) is given back as the
 *    bytes send() took for it, at most 16 KiB, before any response byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tollgate/buffer.h>
#include <tollgate/addr.h>
#include <tollgate/compiler.h>
#include <tollgate/fd.h>
#include <tollgate/global.h>
#include <tollgate/h1.h>
#include <tollgate/mux_h2_be.h>
#include <tollgate/pool.h>
#include <tollgate/stream-t.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/tls.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

/* What the transport links against but never reaches here (no TLS, no
 * pooled buffers).
 */
const struct xprt_ops xprt_tls;
struct ssl_st *tls_conn_ssl(const void *ctx) { return NULL; }
void *pool_alloc(struct pool_head *p) { abort(); }
void pool_free(struct pool_head *p, void *ptr) { abort(); }
struct pool_head *pool_create(const char *name, unsigned int size, unsigned int flags) { return NULL; }
void *pool_destroy(struct pool_head *p) { return NULL; }
void bug_fatal(const char *cond, const char *file, int line) { abort(); }

/* The poller and the scheduler, as far as one connection needs them: its
 * handler is kept to be called by hand; a private connection (no key) is
 * never listed, so no thread's list is touched.
 */
struct global global;
__thread int tid = -1;
static fd_iocb conn_iocb;
static void *conn_owner;
void fd_set_owner(int fd, fd_iocb iocb, void *owner) { conn_iocb = iocb; conn_owner = owner; }
int fd_set_events(int fd, uint32_t events) { return 0; }
void fd_close_unshared(int fd) { }
void fd_name_iocb(fd_iocb iocb, const char *name, const char *kind) { }
void task_wakeup(struct task *t, unsigned int reason) { }
int addr_cmp(const struct addr *a, const struct addr *b) { return 1; }

/* Reads and drops what the transport wrote to the peer end <fd>. */
static void drain(int fd)
{
	char tmp[16384];

	while (recv(fd, tmp, sizeof(tmp), MSG_DONTWAIT) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req_area[16384], res_area[16384], head[16384];
	struct buffer req = { .area = req_area, .size = sizeof(req_area) };
	struct buffer res = { .area = res_area, .size = sizeof(res_area) };
	size_t rlen, head_len = 0, taken = 0;
	const struct xprt_ops *x;
	struct side sd = { .fd = -1 };
	int fds[2], failed = 0;
	void *ctx;

	if (size < 1 || size > 65536)
		return 0;
	rlen = (size_t)data[0] * 4;
	if (rlen > size - 1)
		rlen = size - 1;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	ctx = h2be_new(NULL, NULL, H2BE_PRIOR);
	CHECK(ctx);
	CHECK(xprt_h2be.handshake(ctx, fds[0]) == 1);
	sd.fd = fds[0];
	sd.xprt = &xprt_h2be;
	sd.xprt_ctx = ctx;
	conn_iocb = NULL;
	CHECK(h2be_share(&sd, NULL, NULL, NULL, -1) == 1);
	CHECK(sd.fd == -1 && sd.xprt == &xprt_h2bs && conn_iocb);
	x = sd.xprt;
	ctx = sd.xprt_ctx;
	drain(fds[1]);

	buf_put(&req, data + 1, rlen);
	for (int i = 0; i < 8 && buf_data(&req); i++) {
		ssize_t n = x->send(ctx, -1, &req, 0, 0);

		CHECK(n > 0 || n == 0 || n == -EAGAIN || n == -ENOBUFS || n == -EPIPE);
		if (n > 0)
			taken += (size_t)n;
		drain(fds[1]);
		if (n <= 0)
			break;
	}
	{
		size_t off = 1 + rlen;

		while (off < size) {
			ssize_t w = send(fds[1], data + off, size - off, MSG_DONTWAIT);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	shutdown(fds[1], SHUT_WR);
	for (int i = 0; i < 64; i++) {
		ssize_t n;

		buf_reset(&res);
		if (conn_owner)
			conn_iocb(fds[0], FD_EV_IN, conn_owner);   /* the poller: the socket is readable */
		n = x->recv(ctx, -1, &res, 0);
		drain(fds[1]);
		CHECK((n > 0 && (size_t)n <= res.size) || n == 0 || n == -EAGAIN || n == -ENOSPC || n == -EPIPE);
		if (n > 0) {
			size_t c = (size_t)n < sizeof(head) - head_len ? (size_t)n : sizeof(head) - head_len;

			buf_get(&res, head + head_len, c);
			head_len += c;
			continue;
		}
		if (n == -EPIPE)
			failed = 1;
		break;
	}
	{
		size_t rl = 0;
		const void *rp = h2be_refused(ctx, &rl);

		/* the last request taken, as it came */
		if (rp)
			CHECK(!head_len && rl && rl <= 16384 && rl <= taken && memmem(data + 1, taken, rp, rl));
	}
	if (!failed && head_len) {
		struct h1_hdr hdrs[256];
		struct h1_msg msg;
		struct h1_limits lim;
		size_t end = 0;

		/* the head of the final response: skip interim ones */
		for (;;) {
			const char *e = memmem(head + end, head_len - end, "\r\n\r\n", 4);
			int r;

			if (!e)
				break;
			h1_limits_init(&lim);
			lim.max_head = sizeof(head);
			lim.max_line = sizeof(head);
			h1_msg_init(&msg, hdrs, 256);
			r = h1_parse_response(&msg, head + end, head_len - end, &lim);
			if (r == H1_ERR_HEAD_TOO_LARGE || r == H1_ERR_TOO_MANY_HDRS || r == H1_ERR_STATUS)
				break;   /* limits of the engine's, or a status the server chose: a 502 */
			CHECK(r > 0);
			if (msg.status >= 200)
				break;
			end += (size_t)r;
		}
	}
	x->close(ctx);
	close(fds[0]);
	close(fds[1]);
	return 0;
}
