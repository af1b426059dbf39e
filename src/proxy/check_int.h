/*
 * Health check internals shared by check.c (the probes' life: task,
 * socket, results, plain and tcp-check probes, agents, external checks)
 * and check_http.c (`option httpchk` probes). Not a public interface:
 * nothing else includes it. Every function runs on the check's own
 * worker thread.
 */
#ifndef TOLLGATE_CHECK_INT_H
#define TOLLGATE_CHECK_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <tollgate/check.h>
#include <tollgate/list.h>
#include <tollgate/proxy-t.h>
#include <tollgate/server-t.h>
#include <tollgate/task.h>
#include <tollgate/xprt.h>

#define CHECK_REASON_LEN   512      /* room for a reason with its info */
#define HTTPCHK_STATE_MAX  640      /* room for an x-haproxy-server-state field line */

struct check {
	struct server *srv;       /* checked server */
	struct task *task;        /* local to one worker */
	int fd;                   /* probe socket, -1 between probes */
	unsigned int ev;          /* events seen on <fd> */
	_Atomic unsigned int health; /* 0..rise+fall-1; up when >= rise (read by the CLI) */
	uint32_t probe_exp;       /* end of the current probe (or of its current phase) */
	uint32_t probe_start;     /* date the probe started, for its duration */
	/* tcp-check state, unused by plain checks */
	const struct list *rules; /* the backend's rules, NULL: plain connect check */
	const struct list *cur;   /* current rule's link; == rules once all passed */
	int implicit;             /* the implicit first connect is in progress */
	int connecting;           /* a connect is pending on <fd> */
	int connected;            /* <fd> is connected */
	const struct xprt_ops *xprt; /* check-ssl: the TLS transport once started, else NULL */
	void *xprt_ctx;           /* its context */
	int tls_done;             /* check-ssl: the handshake is complete */
	const struct tcpcheck_rule *conn; /* tcp-check: the connect rule of <fd>, NULL: implicit */
	int conn_next;            /* tcp-check: <fd> is connected, its connect rule passes
	                           * once its TLS handshake (if any) is done */
	int l7;                   /* the ruleset has an expect: success is Layer7 */
	int proto;                /* <rules> are a protocol check's (check_proto.h) */
	char pass_why[CHECK_REASON_LEN]; /* success reason set by a protocol expect, or "" */
	size_t sent;              /* bytes of the current send step sent */
	char *lfbuf;              /* TCPCHK_BUFSIZE + 1 bytes: a send-lf step's rendered data, or NULL */
	size_t lflen;             /* its length */
	char *rbuf;               /* TCPCHK_BUFSIZE + 1 bytes of response */
	size_t rlen;              /* bytes in <rbuf> */
	int eof;                  /* no more data can come on <fd> */
	int rerr;                 /* -errno of the read error that set <eof>, or 0 */
	int agent;                /* this is the server's agent check (srv->agent) */
	/* option external-check state (check_ext.h); <fd> is the child's pidfd */
	int ext;                  /* runs `external-check command` */
	pid_t ext_pid;            /* the running child, 0: none */
	pid_t ext_zombie;         /* a child killed at a deadline, not reaped yet, or 0 */
	/* option httpchk state */
	const struct pr_httpchk *http; /* the stage of the HTTP check running, NULL: none */
	const struct pr_httpchk *http0; /* its first stage */
	char *req;                /* the request sent (built once, or per probe with send-state), or NULL */
	size_t req_len;           /* its length */
	size_t req_size;          /* bytes allocated for it */
	int h2;                   /* HTTP/2 checks (check-proto h2, or a proto h2 server) */
	struct check_h2 *h2s;     /* the connection's HTTP/2 state (check_h2.c), or NULL */
	struct check_smp smp;     /* what its sample expressions see: server, variables */
	char *req_base;           /* send-state or a multi-step check: the first stage's request
	                           * without the state field, else NULL */
	/* results, read by the admin socket from any thread */
	_Atomic int status;       /* index in check_statuses[] of the last result */
	_Atomic int paused;       /* "disable health|agent": no probe, results ignored */
	_Atomic int code;         /* HTTP status of the last HTTP check, else 0 */
	struct check *next;       /* all checks */
};

/* The probe socket's I/O callback: records the events and wakes the
 * check's task. check.c.
 */
void check_iocb(int fd, unsigned int events, void *owner);

/* Returns the index in check_statuses[] of the reason <why> (HAProxy's
 * text, matched by prefix), 0 if none. check.c.
 */
int check_status_of(const char *why);

/* The agent probe: starts it (connect), and runs it on a wakeup (send
 * `agent-send`, read and apply one line). check_agent_probe.c.
 */
void agent_start(struct check *c);
void agent_progress(struct check *c);

/* Records the result of the probe: <ok>, and the reason <why> (HAProxy's
 * text), logged when it changes the status or the health. check.c.
 */
void probe_result(struct check *c, int ok, const char *why);

/* Where a health check of <srv> connects: its `addr`/`port` or its own
 * (check.c).
 */
struct addr check_dest(const struct server *srv);

/* Fails a probe whose connection failed with -<err>. check.c. */
void probe_l4_fail(struct check *c, int err, int sync);

/* Ends the probe: closes its socket and transport, schedules the next. */
void probe_end(struct check *c);

/* check-ssl or `tcp-check connect ssl`: drives the handshake. 1 once done
 * (or without TLS), 0 in progress (events set), -1 failed (result
 * recorded).
 */
int check_tls_step(struct check *c);

/* Registers the connecting probe socket <fd> and its deadlines. 0, or -1
 * with <fd> closed (out of resources).
 */
int check_watch_connect(struct check *c, int fd);

/* Reads what is available into the response buffer, up to its size. */
void tcpchk_read(struct check *c);

/* Reads up to <len> bytes from the probe's connection (through its TLS
 * transport if any): the bytes read, 0 at the end, -EAGAIN when nothing
 * is there, or -errno.
 */
ssize_t check_recv(struct check *c, char *buf, size_t len);

/* HTTP/2 checks (check_h2.c). check_h2_prepare() sets *<out> and *<len>
 * to the frames carrying c->req (built at the first call of the
 * connection): 0, or -1 with the probe ended (reported).
 * check_h2_read() reads and decodes what came, writing the answer as an
 * HTTP/1.1 response into the response buffer: 1 once it is complete (or
 * the connection ended), else 0. check_h2_free() drops the connection's
 * HTTP/2 state (probe_end()).
 */
int check_h2_prepare(struct check *c, const char **out, size_t *len);
int check_h2_read(struct check *c);
void check_h2_free(struct check *c);

/* Sends what remains of <data> (<len> bytes, c->sent already sent): 0 once
 * all is sent, 1 when the socket is full, or -errno.
 */
int check_send(struct check *c, const char *data, size_t len);

/* `option httpchk`: starts a probe, then runs it as far as it goes at each
 * event (check_http.c).
 */
void httpchk_start(struct check *c);
void httpchk_run(struct check *c);

#endif /* TOLLGATE_CHECK_INT_H */
