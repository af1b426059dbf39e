/*
 * Event sinks: the `ring` sections (named rings, ring.h), the built-in
 * `buf0` ring, and the standard outputs, as HAProxy lists them in `show
 * events`.
 *
 *   ring <name>
 *       description <text>   shown by `show events` (default: the name)
 *       format <fmt>         header of the messages stored (default raw)
 *       maxlen <n>           longest message stored, header included
 *       size <n>             bytes of the ring (default 16384)
 *       timeout connect|server <t>
 *       server <name> <addr> [log-proto legacy|octet-count]
 *
 * `log ring@<name> ...` (trafficlog.h) writes into a ring from any
 * thread. Each `server` forwards the ring's messages, in order, over one
 * TCP connection owned by worker 0 (connected at start-up, reconnected a
 * second after it breaks): it is a reader of the ring woken after every
 * write. Sinks are configuration: read-only once workers run; the rings
 * themselves are shared under their own lock (ring.h).
 */
#ifndef TOLLGATE_SINK_H
#define TOLLGATE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/addr.h>
#include <tollgate/ring.h>

struct task;

/* The kinds of sinks `show events` lists. */
#define SINK_FD      1           /* stdout, stderr */
#define SINK_BUFFER  2           /* a ring */

#define SINK_DEFAULT_SIZE 16384  /* a ring's default size (HAProxy's BUFSIZE) */

/* A `server` line of a ring: a TCP syslog server fed from the ring. */
struct sink_srv {
	struct sink *sink;           /* its ring */
	char *id;                    /* its name */
	struct addr addr;            /* TCP address */
	int octet;                   /* `log-proto octet-count`: "<len> <msg>" frames */
	const char *conf_file;       /* where the line is */
	int conf_line;               /* ditto */
	int fd;                      /* connection, -1 when none (worker 0) */
	int connected;               /* established (worker 0) */
	uint64_t pos;                /* next ring message to send (worker 0) */
	uint64_t lost;               /* bytes of messages overwritten before they were sent (worker 0) */
	struct ring_waiter waiter;   /* woken by each write into the ring */
	struct task *task;           /* connects, reads the ring, writes (worker 0) */
	char *out;                   /* framed messages being written, size + 32 bytes (worker 0) */
	size_t out_len;              /* bytes in <out> */
	size_t out_off;              /* bytes of <out> already written */
	struct sink_srv *next;       /* next server of the ring */
};

struct sink {
	char *name;                  /* `ring <name>`, "buf0", "stdout"... */
	char *desc;                  /* `description`, shown by `show events` */
	int type;                    /* SINK_FD or SINK_BUFFER */
	int fd;                      /* SINK_FD: 1 or 2 */
	int format;                  /* enum log_format of the messages stored */
	size_t maxlen;               /* longest message stored, header included (0: the ring's size) */
	size_t size;                 /* bytes of the ring */
	unsigned int tmo_connect;    /* ms, 0: none (`timeout connect`) */
	unsigned int tmo_server;     /* ms, 0: none (`timeout server`) */
	struct ring ring;            /* SINK_BUFFER, allocated by sink_start() */
	struct sink_srv *srvs;       /* `server` lines */
	const char *conf_file;       /* where the section starts */
	int conf_line;               /* ditto */
	struct sink *next;           /* next sink, in `show events` order */
};

/* Every sink: stdout, stderr, buf0, then the `ring` sections in order. */
extern struct sink *sink_list;

/* Returns the sink named <name>, or NULL. */
struct sink *sink_find(const char *name);

/* Creates a ring sink named <name> at the end of the list (configuration
 * time), with HAProxy's defaults. Returns it, or NULL (out of memory).
 */
struct sink *sink_new_ring(const char *name);

/* Writes the message <hdr> + <msg> into the ring of <sk>, cut to its
 * `maxlen`. Any thread.
 */
void sink_write(struct sink *sk, const char *hdr, size_t hlen, const char *msg, size_t mlen);

/* Allocates the rings and starts the forwarding of their servers
 * (start-up, before workers run). Returns 0 or -errno with a message in
 * <err>.
 */
int sink_start(char *err, size_t errlen);

#endif /* TOLLGATE_SINK_H */
