/*
 * Log backends: `backend <name>` + `mode log`, named by `log backend@<name>`
 * targets (global, proxies, log-forward), as HAProxy 2.9+.
 *
 * Each message picks one server through the backend's load balancing
 * (`balance roundrobin|random|sticky|log-hash`, lb.h); servers that are
 * down or in maintenance (`disable server`) are skipped, backups used when
 * no active server is left. No stream is involved.
 *
 * Servers: `udp@<ip>:<port>` gets one UDP socket, shared by every thread
 * (a datagram per message with sendto(), dropped when the socket is full;
 * not connected, so that an unreachable server costs no later message);
 * `tcp@<ip>:<port>` or a bare address gets one TCP connection, owned by
 * worker 0, which connects, reconnects a second after it breaks, and
 * writes. Any thread appends a framed message (a line, or `<len> <msg>`
 * with `log-proto octet-count`) to the server's queue under its spinlock
 * (a memcpy, no system call) and wakes worker 0 if no wakeup is pending;
 * worker 0 swaps the queue with its own output buffer under the lock and
 * writes that one without it. A full queue (LOGBE_QUEUE bytes) drops the
 * message (DroppedLogs).
 */
#ifndef TOLLGATE_LOGBE_H
#define TOLLGATE_LOGBE_H

#include <stddef.h>

#include <tollgate/lock.h>

struct proxy;
struct server;
struct task;
struct log_target;

#define LOGBE_QUEUE (256 * 1024)  /* bytes queued per TCP server */

struct logbe_srv {
	struct server *srv;          /* its server */
	int fd;                      /* socket, -1 when none (TCP: between connections; worker 0) */
	int connected;               /* TCP: the connection is established (worker 0) */
	struct spinlock lock;        /* TCP: queue, used, woken */
	char *queue;                 /* TCP: messages appended by any thread, LOGBE_QUEUE */
	size_t used;                 /* TCP: bytes in <queue> */
	int woken;                   /* TCP: worker 0 was woken and has not taken the queue yet */
	char *out;                   /* TCP: bytes being written (worker 0), LOGBE_QUEUE */
	size_t out_len;              /* TCP: bytes in <out> */
	size_t out_off;              /* TCP: bytes of <out> already written */
	struct task *task;           /* TCP: connects, takes the queue, writes; worker 0 */
};

/* Checks the log backend <px> (mode log): its `balance` algorithm
 * (roundrobin, random, sticky, log-hash) and compiles the log-hash
 * converters. Returns 0, or -1 with a message in <err>.
 */
int logbe_check(struct proxy *px, char *err, size_t errlen);

/* Resolves the `backend@<name>` targets of <list>. Returns NULL, or the
 * first target that names no log backend, with a message in <err>.
 */
struct log_target *logbe_resolve(struct log_target *list, char *err, size_t errlen);

/* Opens the servers' sockets and starts their TCP connections (start-up,
 * before workers run). Returns 0 or -errno with a message in <err>.
 */
int logbe_start(char *err, size_t errlen);

/* Sends the line <line> of <n> bytes (header, message, LF) to one server
 * of the log backend <be> chosen for the message <msg> of <mlen> bytes.
 * Any thread. A message no server can take is dropped (counted).
 */
void logbe_send(struct proxy *be, const char *msg, size_t mlen, const char *line, size_t n);

#endif /* TOLLGATE_LOGBE_H */
