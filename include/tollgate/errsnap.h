/*
 * Error snapshots: the last invalid request and the last invalid response
 * of each proxy, for the admin socket's `show errors` (HAProxy's).
 *
 * Principle. When the HTTP engine refuses a message head as invalid (400
 * for a request, 502 for a response), it calls errsnap_capture() with the
 * bytes received so far: one allocation holds a copy of them (at most
 * tune.bufsize bytes), the date, the proxies, the server, the client
 * address and the position of the error. It replaces the proxy's previous
 * snapshot of that direction: memory is bounded by two snapshots per
 * proxy, as HAProxy's.
 *
 * Threads. A capture costs a malloc, a copy and one atomic exchange of the
 * proxy's pointer, then frees the replaced snapshot: no lock, and nothing
 * on the path of valid messages. The admin socket copies the snapshots
 * under thread isolation (errsnap_copy()), so that no worker frees one
 * while it is being copied.
 */
#ifndef TOLLGATE_ERRSNAP_H
#define TOLLGATE_ERRSNAP_H

#include <stddef.h>

#include <tollgate/addr.h>

struct proxy;
struct server;
struct h1_msg;

#define ERRSNAP_REQ  0   /* an invalid request, on the frontend */
#define ERRSNAP_RES  1   /* an invalid response, on the backend */

#define ERRSNAP_NAMELEN 128   /* proxy and server names kept (truncated) */

struct err_snap {
	long long sec;                  /* date of the capture, wall clock */
	int ms;                         /* its milliseconds */
	unsigned int event;             /* global event number, from 0 */
	int dir;                        /* ERRSNAP_REQ or ERRSNAP_RES */
	int uuid;                       /* id of the proxy holding it */
	char px[ERRSNAP_NAMELEN];       /* its name */
	int oe_uuid;                    /* id of the other end (-1: none) */
	int srv_puid;                   /* id of the server (-1: none) */
	char oe[ERRSNAP_NAMELEN];       /* other end: the backend of a request, the frontend of a response */
	char srv[ERRSNAP_NAMELEN];      /* server name, "" if none */
	struct addr src;                /* client address */
	unsigned int bufsize;           /* size of the buffer it was in */
	unsigned int pos;               /* offset of the error in <data> */
	int state;                      /* HAProxy's H1 parser state number */
	const char *state_name;         /* and its name ("MSG_RQURI") */
	size_t len;                     /* bytes in <data> */
	struct err_snap *next;          /* errsnap_copy(): next copy */
	char data[];                    /* the message bytes received */
};

/* Records the invalid message <buf> (<len> bytes, in a buffer of
 * <bufsize>) of direction <dir> on proxy <px>, <msg> and <err> (a negative
 * H1_ERR_*) telling where the parser stopped; <oe> is the other proxy (or
 * NULL), <srv> the server (or NULL), <src> the client. Never fails the
 * caller: without memory, nothing is recorded. Thread-safe.
 */
void errsnap_capture(struct proxy *px, int dir, const struct proxy *oe, const struct server *srv,
		     const struct addr *src, const char *buf, size_t len, size_t bufsize,
		     const struct h1_msg *msg, int err);

/* Returns the number of events captured since start-up. */
unsigned int errsnap_total(void);

/* Returns a list (->next) of copies of the snapshots of every proxy, in
 * proxy order, request before response; the caller frees each. Taken
 * under thread isolation. *<oom> is set if a copy could not be made.
 */
struct err_snap *errsnap_copy(int *oom);

/* Frees the snapshots of <px> (proxy teardown, workers stopped). */
void errsnap_free(struct proxy *px);

#endif /* TOLLGATE_ERRSNAP_H */
