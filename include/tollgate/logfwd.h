/*
 * log-forward sections: a syslog relay, as HAProxy's.
 *
 *   log-forward <name>
 *       dgram-bind <addr>      UDP syslog receiver
 *       bind <addr>            TCP syslog receiver (RFC6587 octet counting
 *                              or one message per line)
 *       log <target> ...       where messages go (as in proxies)
 *       maxconn <n>            TCP connections at once (accepts pause beyond)
 *       timeout client <t>     idle TCP connection closed after it
 *       backlog <n>            listen() backlog of the TCP binds
 *       option assume-rfc6587-ntf   TCP: one message per line, always
 *       option dont-parse-log  relay messages as received, unparsed
 *       option host replace|fill|keep|append   the host field vs the sender's IP
 *
 * Each received message is parsed (syslog.h) and forwarded with its own
 * facility, level, time, host, tag and pid, in each target's format.
 * Receivers live on worker 0: syslog is light, and one thread keeps the
 * order of one sender's messages. Malformed or oversized input is dropped
 * (counted in `show info`'s DroppedLogs), never fatal: an oversized
 * datagram is dropped, a TCP stream that is not syslog or frames a message
 * larger than tune.bufsize is closed.
 */
#ifndef TOLLGATE_LOGFWD_H
#define TOLLGATE_LOGFWD_H

#include <stdatomic.h>
#include <stdint.h>

#include <tollgate/addr.h>

struct log_target;
struct task;

struct logfwd_bind {
	struct addr addr;            /* where to listen */
	int dgram;                   /* 1: dgram-bind (UDP/unix datagram), 0: bind (stream) */
	int fd;                      /* socket, -1 before start */
	struct logfwd *lf;           /* its section */
	struct logfwd_bind *next;    /* next bind of the section */
};

/* `option host`: what becomes of the host field (HAProxy 3.2+). */
enum logfwd_host {
	LOGFWD_HOST_KEEP = 0,        /* as received (HAProxy up to 3.1; Tollgate's default) */
	LOGFWD_HOST_REPLACE,         /* the sender's IP address, always */
	LOGFWD_HOST_FILL,            /* the sender's IP address when there is none */
	LOGFWD_HOST_APPEND,          /* "<host>,<ip>", or the IP when there is none */
};

struct logfwd {
	char *id;                    /* section name */
	struct logfwd_bind *binds;   /* receivers, in configuration order */
	struct log_target *targets;  /* `log` lines */
	unsigned int maxconn;        /* TCP connections at once, 0: 10 (HAProxy's default here) */
	unsigned int timeout_client; /* ms, 0: none */
	int backlog;                 /* listen() backlog, 0: maxconn */
	int ntf_only;                /* option assume-rfc6587-ntf */
	int dont_parse;              /* option dont-parse-log */
	enum logfwd_host host;       /* option host */
	unsigned int cur_conns;      /* TCP connections now (worker 0 only) */
	int paused;                  /* accepts stopped at maxconn (worker 0 only) */
	_Atomic uint64_t received;   /* messages received */
	const char *conf_file;       /* where it was declared */
	int conf_line;               /* ditto */
	struct logfwd *next;         /* next section */
};

extern struct logfwd *logfwd_list;

/* Binds every receiver and opens its targets (start-up, before privileges
 * are dropped and workers run). Returns 0 or -errno with a message in <err>.
 */
int logfwd_bind_all(char *err, size_t errlen);

/* Registers the receivers on worker 0. Returns 0 or -ENOMEM. */
int logfwd_start(void);

#endif /* TOLLGATE_LOGFWD_H */
