/*
 * Peers: sections, connections, handshake and the message exchange of
 * HAProxy's peers protocol v2.1 (principle in peers.h, protocol in
 * doc/internals/peers.md). Everything here runs on worker thread 0, or
 * before the workers start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <tollgate/clock.h>
#include <tollgate/fd.h>
#include <tollgate/global.h>
#include <tollgate/hash.h>
#include <tollgate/log.h>
#include <tollgate/peer_entry.h>
#include <tollgate/peer_msg.h>
#include <tollgate/peer_xprt.h>
#include <tollgate/peers.h>
#include <tollgate/proxy.h>
#include <tollgate/sock.h>
#include <tollgate/stktable.h>
#include <tollgate/task.h>
#include <tollgate/ticks.h>

#include "peers_int.h"

#define PEER_ALIVE_MS       5000   /* a link silent this long is dead (HAProxy's) */
#define PEER_RESYNC_MS      5000   /* time given to learn a full resync */
#define PEER_PUSH_MS        100    /* local changes are pushed at least this often */
#define PEER_PUSH_MIN_MS    1      /* ... and, woken by a change, at most this often */
#define PEER_CONNECT_MS     5000   /* default `timeout connect` and handshake time */
#define PEER_BACKOFF_MAX_MS 5000   /* longest reconnection delay */
#define PEER_HELLO_MAX      512    /* bytes of a hello or status before it is refused */

struct peers *peers_list;


/* Soft stop of an old process (a reload through the local peer): asked by
 * the main thread (peers_soft_stop()), applied by thread 0 (<stopping>);
 * peers_stop_busy() asks thread 0, in rounds, whether the new process is
 * taught and has everything (<drain_req> against each section's ack).
 */
static _Atomic int stop_req;
static int stopping;
static _Atomic unsigned int drain_req;

struct peers *peers_find(const char *name)
{
	for (struct peers *p = peers_list; p; p = p->next)
		if (!strcmp(p->id, name))
			return p;
	return NULL;
}

/* ---- Buffers ---- */

/* Makes room for <n> more bytes in <b>. Returns 0 or -ENOMEM. */
static int buf_reserve(struct peer_buf *b, size_t n)
{
	size_t cap;
	unsigned char *d;

	if (b->len + n <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

static int buf_put(struct peer_buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static void buf_consume(struct peer_buf *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

static void buf_free(struct peer_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int peer_send_msg(struct peer_conn *c, uint8_t cls, uint8_t type, const unsigned char *p, size_t len)
{
	unsigned char hdr[2 + PEER_VARINT_MAX];
	size_t h = 2;

	hdr[0] = cls;
	hdr[1] = type;
	if (type >= 128)
		h += (size_t)peer_varint_encode(len, hdr + 2);
	if (buf_reserve(&c->out, h + len) < 0)
		return -ENOMEM;
	buf_put(&c->out, hdr, h);
	if (len)
		buf_put(&c->out, p, len);
	return 0;
}

/* ---- Finalisation ---- */



/* Adds <t> to the tables of <ps>. */
static int add_table(struct peers *ps, struct stktable *t)
{
	struct stktable **n = realloc(ps->tables, (ps->nb_tables + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	ps->tables = n;
	ps->tables[ps->nb_tables++] = t;
	return 0;
}

/* Creates the shared-table states of remote peer <p>. */
static int init_peer_tables(struct peers *ps, struct peer *p)
{
	struct peer_table **tail = &p->tables;

	for (unsigned int i = 0; i < ps->nb_tables; i++) {
		struct stktable *t = ps->tables[i];
		struct peer_table *pt = calloc(1, sizeof(*pt));

		if (!pt)
			return -ENOMEM;
		*tail = pt;
		tail = &pt->next;
		pt->t = t;
		pt->nid = t->id;
		for (struct peers_table_decl *d = ps->decls; d; d = d->next)
			if (!strcmp(d->id, t->id))
				pt->nid = t->id + strlen(ps->id);   /* "/NAME", as HAProxy sends it */
		pt->local_id = i + 1;
		pt->hash_seed = hash_xxh64(t->id, strlen(t->id), 0);
		pt->shard = p->shard;
		pt->shards = ps->shards;
		if (stktable_updcur_init(t, &pt->acked, 0) < 0 || stktable_updcur_init(t, &pt->cur, 0) < 0 ||
		    stktable_updcur_init(t, &pt->pend, 0) < 0)
			return -ENOMEM;
	}
	return 0;
}

int peers_finalize(proxy_report_fn fn, void *arg)
{
	char host[256] = "";
	const char *local = global.localpeer;
	int errs = 0;

	if (!local) {
		gethostname(host, sizeof(host) - 1);
		local = host;
	}
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct peers *ps;

		if (!px->table || !px->table_def->peers[0])
			continue;
		ps = peers_find(px->table_def->peers);
		if (!ps) {
			errs += proxy_report(fn, arg, 1, px->table_file, px->table_line,
			               "Proxy '%s': unable to find sync peers '%s'.", px->id, px->table_def->peers);
			continue;
		}
		if (add_table(ps, px->table) < 0)
			errs += proxy_report(fn, arg, 1, px->table_file, px->table_line, "out of memory");
	}
	for (struct peers *ps = peers_list; ps; ps = ps->next) {
		for (struct peers_table_decl *d = ps->decls; d; d = d->next) {
			struct stktable *t = proxy_table_find(d->id);

			if (t && add_table(ps, t) < 0)
				errs += proxy_report(fn, arg, 1, ps->conf_file, ps->conf_line, "out of memory");
		}
		for (struct peer *p = ps->list; p; p = p->next)
			if (!strcmp(p->id, local))
				p->local = 1, ps->local = p;
		if (!ps->local) {
			proxy_report(fn, arg, 0, ps->conf_file, ps->conf_line,
			       "Removing incomplete section 'peers %s' (no peer named '%s').", ps->id, local);
			ps->disabled = 1;
			continue;
		}
		if (!ps->has_bind && ps->local->addr.kind == ADDR_NONE) {
			errs += proxy_report(fn, arg, 1, ps->local->conf_file, ps->local->conf_line,
			               "peers section '%s': local peer '%s' has no address to listen on (add one, or a 'bind' line).",
			               ps->id, ps->local->id);
			continue;
		}
		for (struct peer *p = ps->list; p; p = p->next) {
			/* as HAProxy: a shard for the local peer, or past `shards`, is ignored */
			if (p->shard && (p->local || p->shard > ps->shards)) {
				proxy_report(fn, arg, 0, p->conf_file, p->conf_line, p->local ?
				             "peers section '%s': shard ignored for '%s' (the local peer)." :
				             "peers section '%s': shard ignored for '%s': greater than the section's 'shards'.",
				             ps->id, p->id);
				p->shard = 0;
			}
			if (p->local)
				continue;
			if (p->addr.kind != ADDR_INET) {
				errs += proxy_report(fn, arg, 1, p->conf_file, p->conf_line,
				               "peers section '%s': peer '%s' needs an address (<addr>:<port>).", ps->id, p->id);
				continue;
			}
			if (init_peer_tables(ps, p) < 0)
				errs += proxy_report(fn, arg, 1, p->conf_file, p->conf_line, "out of memory");
		}
		/* as HAProxy: the local peer's own line says how the old process of
		 * a reload connects to the new one, which listens on the bind
		 */
		if (!ps->local->use_ssl != !ps->bind_tls)
			proxy_report(fn, arg, 0, ps->local->conf_file, ps->local->conf_line,
			             "Peers section '%s': local peer have a %s listener and a %s server configured.",
			             ps->id, ps->bind_tls ? "SSL" : "non-SSL", ps->local->use_ssl ? "SSL" : "non-SSL");
		/* the local peer: the other process of a reload (doc/peers.md) */
		if (init_peer_tables(ps, ps->local) < 0)
			errs += proxy_report(fn, arg, 1, ps->conf_file, ps->conf_line, "out of memory");
	}
	return errs;
}

/* ---- Connections ---- */

static void conn_io(int fd, unsigned int events, void *owner);

/* Returns the delay before the next connection attempt of <p>: growing
 * with its failures up to PEER_BACKOFF_MAX_MS, with jitter so that two
 * peers do not retry in step.
 */
static uint32_t backoff(struct peer *p)
{
	uint32_t d = p->failures >= 5 ? PEER_BACKOFF_MAX_MS : 250U << p->failures;

	if (d > PEER_BACKOFF_MAX_MS)
		d = PEER_BACKOFF_MAX_MS;
	return d + (uint32_t)(random() % 250);
}

/* Updates the events polled for <c>: writability only while output waits
 * (or the connect is in progress); during a TLS handshake, what it waits
 * for.
 */
static void conn_poll(struct peer_conn *c)
{
	uint32_t ev = FD_EV_IN;

	if (c->state == PEER_CS_CONNECTING)
		ev |= FD_EV_OUT;
	else if (c->tls_hs)
		ev = peer_xprt_events(c) ? peer_xprt_events(c) : FD_EV_IN;
	else if (c->out.len)
		ev |= FD_EV_OUT;
	fd_set_events(c->fd, ev | peer_xprt_events(c));
}

/* Removes <c> from the unidentified connections of its section. */
static void pending_del(struct peer_conn *c)
{
	for (struct peer_conn **pp = &c->peers->pending; *pp; pp = &(*pp)->pnext) {
		if (*pp == c) {
			*pp = c->pnext;
			break;
		}
	}
}

static void maybe_learn(struct peer *p);

/* A reload: <ps> learns nothing (more) from the old process, for <why>;
 * it asks its remote peers instead, if any.
 */
static void local_lesson_failed(struct peers *ps, const char *why)
{
	int remotes = 0;

	for (struct peer *o = ps->list; o; o = o->next)
		remotes += !o->local;
	log_warning("Peers '%s': no full lesson from the old process (%s); %s.", ps->id, why,
	            remotes ? "asking the other peers" : "the tables keep what they have");
	__atomic_store_n(&ps->resync, remotes ? PEERS_RESYNC_NEEDED : PEERS_RESYNC_DONE, __ATOMIC_RELAXED);
	ps->resync_timeout = tick_add(now_ms, PEER_RESYNC_MS);
	for (struct peer *o = ps->list; o; o = o->next)
		maybe_learn(o);
}

/* Closes <c> for <reason> (logged when the peer is known). */
static void conn_close(struct peer_conn *c, const char *reason)
{
	struct peer *p = c->peer;
	struct peers *ps = c->peers;

	if (!c->outgoing)
		pending_del(c);
	if (p && p->conn == c) {
		if (c->state == PEER_CS_ESTABLISHED && p->local)
			log_notice("Peer '%s' (peers '%s'): link with the %s process closed: %s.", p->id, ps->id,
			           c->outgoing ? "new" : "old", reason);
		else if (c->state == PEER_CS_ESTABLISHED)
			log_warning("Peer '%s' (peers '%s') disconnected: %s (address %s).", p->id, ps->id, reason, c->src);
		else if (!p->failures)   /* the first failure of a series only */
			log_warning("Peer '%s' (peers '%s'): connection failed: %s (address %s).", p->id, ps->id, reason,
			            c->src);
		p->conn = NULL;
		__atomic_store_n(&p->last_state, -1, __ATOMIC_RELAXED);
		if ((p->flags & PEER_F_LEARN) && ps->resync == PEERS_RESYNC_ASSIGNED)
			__atomic_store_n(&ps->resync, PEERS_RESYNC_NEEDED, __ATOMIC_RELAXED);   /* learn from another one */
		if ((p->flags & PEER_F_LEARN) && p->local && ps->resync == PEERS_RESYNC_FROMLOCAL)
			local_lesson_failed(ps, "the old process's link closed before the end of its lesson");
		p->flags &= ~(PEER_F_LEARN | PEER_F_TEACH | PEER_F_TEACH_SENT);
		if (c->state != PEER_CS_ESTABLISHED)
			p->failures++;
		p->reconnect = tick_add(now_ms, backoff(p));
		p->heartbeat = TICK_ETERNITY;
		ps->last_change = (uint32_t)clock_wall_sec();
		if (p->task)
			task_wakeup(p->task, TASK_WOKEN_MSG);
	} else if (!p && c->state != PEER_CS_CLOSING) {   /* a refusal was logged already */
		log_warning("Peers '%s': connection from %s closed: %s.", ps->id, c->src, reason);
	}
	peer_xprt_close(c);
	fd_delete(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

/* Sends what <c> has to send. Returns 0, or <0 after closing <c>. */
static int conn_flush(struct peer_conn *c)
{
	while (c->out.len && !c->tls_hs && c->state != PEER_CS_CONNECTING) {
		ssize_t n = peer_xprt_send(c);

		if (n == -EAGAIN || n == -EWOULDBLOCK || n == 0)
			break;
		if (n == -EINTR)
			continue;
		if (n < 0) {
			conn_close(c, strerror((int)-n));
			return -1;
		}
		buf_consume(&c->out, (size_t)n);
	}
	if (!c->out.len && c->state == PEER_CS_CLOSING) {
		conn_close(c, "handshake refused");
		return -1;
	}
	conn_poll(c);
	return 0;
}

static struct peer_conn *conn_new(struct peers *ps, int fd, int outgoing)
{
	struct peer_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->peers = ps;
	c->outgoing = outgoing;
	c->state = outgoing ? PEER_CS_CONNECTING : PEER_CS_WAIT_HELLO;
	c->deadline = tick_add(now_ms, ps->timeout_connect ? ps->timeout_connect : PEER_CONNECT_MS);
	if (fd_insert(fd, 0, conn_io, c, FD_EV_IN | (outgoing ? FD_EV_OUT : 0)) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

/* Returns the address to reach <p> at: the local peer (the new process of
 * a reload, for the old one) listens on the section's `bind` if any.
 */
static const struct addr *peer_addr(const struct peer *p)
{
	return p->local && p->peers->has_bind ? &p->peers->bind_addr : &p->addr;
}

/* Starts a connection to <p>. */
static void peer_connect(struct peer *p)
{
	struct peers *ps = p->peers;
	struct peer_conn *c;
	char hello[512];
	int fd, ret, n;

	p->new_conn++;
	ret = sock_connect(peer_addr(p), NULL, &fd);
	if (ret < 0 && ret != -EINPROGRESS) {
		p->failures++;
		p->reconnect = tick_add(now_ms, backoff(p));
		return;
	}
	c = conn_new(ps, fd, 1);
	if (!c) {
		close(fd);
		p->reconnect = tick_add(now_ms, backoff(p));
		return;
	}
	c->peer = p;
	p->conn = c;
	__atomic_store_n(&p->last_state, PEER_CS_CONNECTING, __ATOMIC_RELAXED);
	addr_format(peer_addr(p), c->src, sizeof(c->src));
	if (p->tls && peer_xprt_tls_start(c, p->tls, NULL) < 0) {
		conn_close(c, "out of memory");
		return;
	}
	n = snprintf(hello, sizeof(hello), "HAProxyS 2.1\n%s\n%s %d 1\n", p->id, ps->local->id, (int)getpid());
	buf_put(&c->out, hello, (size_t)n);
}

/* Asks <p>, if connected, for a full resync when its section needs one
 * and nobody was asked yet.
 */
static void maybe_learn(struct peer *p)
{
	struct peers *ps = p->peers;

	if (p->local || !p->conn || p->conn->state != PEER_CS_ESTABLISHED || ps->resync != PEERS_RESYNC_NEEDED ||
	    (p->flags & (PEER_F_LEARN | PEER_F_NOTUP2DATE)))
		return;
	peer_send_msg(p->conn, PEER_MSG_CLASS_CONTROL, PEER_MSG_CTRL_RESYNCREQ, NULL, 0);
	p->flags |= PEER_F_LEARN;
	__atomic_store_n(&ps->resync, PEERS_RESYNC_ASSIGNED, __ATOMIC_RELAXED);
}

/* The handshake of <c> with <p> succeeded. */
/* Records the addresses and transport of <c>, <p>'s new link, for show
 * peers: HAProxy's src (who connected) and addr (where to).
 */
static void link_addrs(struct peer_conn *c, struct peer *p)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char local[ADDR_STRLEN] = "-";

	if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_format_sa((struct sockaddr *)&ss, sl, local, sizeof(local));
	snprintf(p->link_src, sizeof(p->link_src), "%s", c->outgoing ? local : c->src);
	snprintf(p->link_dst, sizeof(p->link_dst), "%s", c->outgoing ? c->src : local);
	p->link_tls = c->xprt != NULL;
}

static void established(struct peer_conn *c, struct peer *p)
{
	struct peers *ps = c->peers;

	c->state = PEER_CS_ESTABLISHED;
	__atomic_store_n(&p->last_state, PEER_CS_ESTABLISHED, __ATOMIC_RELAXED);
	p->status = 200;
	p->last_hdshk = now_ms ? now_ms : 1;
	p->sessions++;
	p->failures = 0;
	p->confirm = 0;
	p->flags = PEER_F_ALIVE | (p->flags & PEER_F_NOTUP2DATE);
	p->tx_table = p->rx_table = NULL;
	memset(p->tx_dict, 0, sizeof(p->tx_dict));   /* dictionary caches: per connection */
	memset(p->rx_dict, 0, sizeof(p->rx_dict));
	p->tx_dict_next = PEER_DICT_CACHE - 1;       /* the first value takes id 1 */
	p->reconnect = tick_add(now_ms, PEER_ALIVE_MS);
	p->heartbeat = tick_add(now_ms, PEER_HEARTBEAT_MS);
	snprintf(p->src, sizeof(p->src), "%s", c->src);
	link_addrs(c, p);
	for (struct peer_table *pt = p->tables; pt; pt = pt->next) {
		pt->defined = 0;
		pt->remote_id = 0;
		pt->teaching = 0;
		pt->last_get = pt->last_acked = 0;
		pt->pend_valid = 0;
		stktable_updcur_copy(&pt->cur, &pt->acked);   /* resend what was not acked */
		pt->peer_acked = pt->last_pushed;             /* ... under new ids: a new lag */
		pt->lag_n = 0;
	}
	if (p->local && c->outgoing) {
		/* the old process of a reload: teach the new one every entry,
		 * then what changes here until we leave (by the stream)
		 */
		for (struct peer_table *pt = p->tables; pt; pt = pt->next) {
			stktable_updcur_to_end(pt->t, &pt->cur);
			memset(&pt->walk, 0, sizeof(pt->walk));
			pt->teaching = 1;
		}
		p->flags |= PEER_F_TEACH;
		p->taught = 0;
	} else if (p->local) {
		p->flags |= PEER_F_LEARN;   /* the new process: the old one teaches unasked */
	}
	ps->last_change = (uint32_t)clock_wall_sec();
	log_notice("Peer '%s' (peers '%s') connected (%s, %s)%s.", p->id, ps->id,
	           c->outgoing ? "outgoing" : "incoming", c->src,
	           !p->local ? "" : c->outgoing ? ": teaching the new process" : ": learning from the old process");
	maybe_learn(p);   /* at once: the sooner learned, the less is overwritten */
	task_wakeup(p->task, TASK_WOKEN_MSG);
}

/* Refuses an incoming handshake with <status> for <why>. */
static void refuse(struct peer_conn *c, int status, const char *why)
{
	char line[16];
	int n = snprintf(line, sizeof(line), "%d\n", status);

	log_warning("Peers '%s': handshake from %s refused with status %d: %s.", c->peers->id, c->src, status, why);
	buf_put(&c->out, line, (size_t)n);
	c->state = PEER_CS_CLOSING;
}

/* Returns the length of the line at <s> (<len> bytes) without its LF, or -1
 * if it is not complete.
 */
static long line_len(const unsigned char *s, size_t len)
{
	const unsigned char *lf = memchr(s, '\n', len);

	return lf ? (long)(lf - s) : -1;
}

/* Parses the three hello lines of an incoming connection. Returns the
 * bytes consumed, 0 if incomplete, -1 if refused (status queued).
 */
static long parse_hello(struct peer_conn *c)
{
	struct peers *ps = c->peers;
	const unsigned char *s = c->in.data;
	char l1[PEER_HELLO_MAX], l2[PEER_HELLO_MAX], l3[PEER_HELLO_MAX];
	long n1, n2, n3;
	unsigned int maj, min;
	struct peer *p;
	char *sp;
	size_t len = c->in.len;

	if ((n1 = line_len(s, len)) < 0 || (n2 = line_len(s + n1 + 1, len - (size_t)n1 - 1)) < 0 ||
	    (n3 = line_len(s + n1 + n2 + 2, len - (size_t)(n1 + n2) - 2)) < 0) {
		if (len > 3 * PEER_HELLO_MAX) {
			refuse(c, 501, "hello too long");
			return -1;
		}
		return 0;
	}
	if (n1 >= PEER_HELLO_MAX || n2 >= PEER_HELLO_MAX || n3 >= PEER_HELLO_MAX) {
		refuse(c, 501, "hello line too long");
		return -1;
	}
	memcpy(l1, s, (size_t)n1);
	l1[n1] = 0;
	memcpy(l2, s + n1 + 1, (size_t)n2);
	l2[n2] = 0;
	memcpy(l3, s + n1 + n2 + 2, (size_t)n3);
	l3[n3] = 0;
	if (strncmp(l1, "HAProxyS ", 9)) {
		refuse(c, 501, "not the peers protocol");
		return -1;
	}
	if (sscanf(l1 + 9, "%u.%u", &maj, &min) != 2 || maj != 2 || min > 1) {
		refuse(c, 502, "unsupported protocol version");
		return -1;
	}
	if (strcmp(l2, ps->local->id)) {
		refuse(c, 503, "it asked for another local peer name");
		return -1;
	}
	sp = strchr(l3, ' ');
	if (!sp) {
		refuse(c, 501, "malformed peer line");
		return -1;
	}
	*sp = 0;
	/* the local peer too: the old process of a reload, come to teach us
	 * (unless we are the old one)
	 */
	for (p = ps->list; p && strcmp(p->id, l3); p = p->next)
		;
	if (!p || (p->local && stopping)) {
		refuse(c, 504, "unknown peer name");
		return -1;
	}
	if (p->conn) {
		/* Both sides connected: the connection opened by the peer with
		 * the lower name survives, on both sides, so that they do not
		 * close each other's in turn. An older incoming connection is
		 * stale (the peer restarted): the new one replaces it.
		 */
		p->coll++;
		if (p->conn->outgoing && strcmp(ps->local->id, p->id) < 0) {
			char line[8];

			snprintf(line, sizeof(line), "300\n");
			buf_put(&c->out, line, 4);
			c->state = PEER_CS_CLOSING;
			return -1;
		}
		conn_close(p->conn, "replaced by the peer's own connection");
	}
	pending_del(c);
	c->peer = p;
	p->conn = c;
	buf_put(&c->out, "200\n", 4);
	established(c, p);
	return n1 + n2 + n3 + 3;
}

/* Parses the status line of an outgoing connection. Same returns. */
static long parse_status(struct peer_conn *c)
{
	struct peer *p = c->peer;
	long n = line_len(c->in.data, c->in.len);
	char line[32];
	int status;

	if (n < 0)
		return c->in.len > 32 ? -2 : 0;
	if (n >= (long)sizeof(line))
		return -2;
	memcpy(line, c->in.data, (size_t)n);
	line[n] = 0;
	status = atoi(line);
	p->status = status;
	if (status == 300) {
		/* the peer keeps its own connection to us (see parse_hello()) */
		p->conn = NULL;
		conn_close(c, "try again later");
		p->reconnect = tick_add(now_ms, PEER_ALIVE_MS);
		return -1;
	}
	if (status != 200) {
		char why[96];

		snprintf(why, sizeof(why), "handshake refused with status %d (%s)", status,
		         status == 300 ? "try again later" : status == 501 ? "protocol error" :
		         status == 502 ? "bad version" : status == 503 ? "local peer name mismatch" :
		         status == 504 ? "remote peer name mismatch" : "unknown status");
		conn_close(c, why);
		return -1;
	}
	established(c, p);
	return n + 1;
}

/* ---- Messages ---- */

/* <p>, of a shard, taught us: marks every peer of its shard as asked.
 * Returns 1 if a peer of another shard remains to be asked.
 */
static int shard_left(struct peer *p)
{
	int left = 0;

	for (struct peer *o = p->peers->list; o; o = o->next) {
		if (o->local)
			continue;
		if (o->shard == p->shard)
			o->flags |= PEER_F_NOTUP2DATE;
		else if (o->shard && !(o->flags & PEER_F_NOTUP2DATE))
			left = 1;
	}
	return left;
}

/* Handles message <m> from the peer of <c>. Returns 0, or -1 with
 * <why> set (the caller closes the link).
 */
static int handle_msg(struct peer_conn *c, const struct peer_msg *m, char *why, size_t wl)
{
	struct peer *p = c->peer;
	struct peers *ps = c->peers;
	struct peer_table *pt;
	int ret;

	p->flags |= PEER_F_ALIVE;
	if (m->cls == PEER_MSG_CLASS_CONTROL) {
		switch (m->type) {
		case PEER_MSG_CTRL_RESYNCREQ:
			/* Up to date, we walk the whole table: local and learned
			 * entries. Still learning ourselves (a fleet starting
			 * together), we send only our own changes, through the
			 * stream from its start: what we learned came from peers
			 * the requester asks too, and sending it back could
			 * overwrite their newer values with ours.
			 */
			for (pt = p->tables; pt; pt = pt->next) {
				if (ps->resync != PEERS_RESYNC_DONE) {
					stktable_updcur_to_start(pt->t, &pt->cur);
					continue;
				}
				stktable_updcur_to_end(pt->t, &pt->cur);   /* later changes: by the stream */
				memset(&pt->walk, 0, sizeof(pt->walk));
				pt->teaching = 1;
			}
			p->flags = (p->flags | PEER_F_TEACH) & ~PEER_F_TEACH_SENT;
			break;
		case PEER_MSG_CTRL_RESYNCFINISHED:
		case PEER_MSG_CTRL_RESYNCPARTIAL:
			if ((p->flags & PEER_F_LEARN) && p->local) {
				uint64_t n = 0;

				p->flags &= ~PEER_F_LEARN;
				for (pt = p->tables; pt; pt = pt->next)
					n += pt->rx_updates;
				if (m->type == PEER_MSG_CTRL_RESYNCFINISHED && ps->resync == PEERS_RESYNC_FROMLOCAL) {
					__atomic_store_n(&ps->resync, PEERS_RESYNC_DONE, __ATOMIC_RELAXED);
					log_notice("Peers '%s': full resync learned from the old process (%llu entries).",
					           ps->id, (unsigned long long)n);
				} else if (ps->resync == PEERS_RESYNC_FROMLOCAL) {
					local_lesson_failed(ps, "it was not up to date itself");
				}
			} else if (p->flags & PEER_F_LEARN) {
				p->flags &= ~PEER_F_LEARN;
				if (m->type == PEER_MSG_CTRL_RESYNCFINISHED && p->shard && shard_left(p)) {
					/* a peer of a shard knows that shard's keys only:
					 * ask one of each shard (HAProxy's rule)
					 */
					__atomic_store_n(&ps->resync, PEERS_RESYNC_NEEDED, __ATOMIC_RELAXED);
					ps->resync_timeout = tick_add(now_ms, PEER_RESYNC_MS);
					log_notice("Peers '%s': resync of shard %u learned from '%s'.", ps->id, p->shard, p->id);
					for (struct peer *o = ps->list; o; o = o->next)
						maybe_learn(o);
				} else if (m->type == PEER_MSG_CTRL_RESYNCFINISHED) {
					__atomic_store_n(&ps->resync, PEERS_RESYNC_DONE, __ATOMIC_RELAXED);
					log_notice("Peers '%s': full resync learned from '%s'.", ps->id, p->id);
				} else {
					struct peer *o;

					__atomic_store_n(&ps->resync, PEERS_RESYNC_NEEDED, __ATOMIC_RELAXED);
					p->flags |= PEER_F_NOTUP2DATE;   /* ask another one */
					log_notice("Peers '%s': partial resync learned from '%s' (not up to date itself).",
					           ps->id, p->id);
					for (o = ps->list; o && (o->local || (o->flags & PEER_F_NOTUP2DATE)); o = o->next)
						;
					if (!o) {
						/* every peer is starting too: nobody knows more */
						__atomic_store_n(&ps->resync, PEERS_RESYNC_DONE, __ATOMIC_RELAXED);
						log_notice("Peers '%s': every peer answered a partial resync: up to date.", ps->id);
					}
					for (o = ps->list; o; o = o->next)
						if (!o->local && o != p)
							maybe_learn(o);
				}
			}
			p->confirm++;
			break;
		case PEER_MSG_CTRL_RESYNCCONFIRM:
			if (p->local && c->outgoing && (p->flags & PEER_F_TEACH)) {
				/* HAProxy closes here; we keep pushing our changes
				 * until we leave (doc/peers.md, "Reloads")
				 */
				p->flags |= PEER_F_TAUGHT;
				log_notice("Peers '%s': taught %llu entries of %u tables to the new process.", ps->id,
				           (unsigned long long)p->taught, ps->nb_tables);
			}
			p->flags &= ~(PEER_F_TEACH | PEER_F_TEACH_SENT);
			break;
		case PEER_MSG_CTRL_HEARTBEAT:
			p->rx_hbt++;
			break;
		}
		return 0;
	}
	if (m->cls == PEER_MSG_CLASS_ERROR) {
		snprintf(why, wl, "the peer reported %s", m->type == PEER_MSG_ERR_SIZELIMIT ?
		         "a message over its size limit" : "a protocol error");
		return -1;
	}
	switch (m->type) {
	case PEER_MSG_STKT_DEFINE: {
		struct peer_def d;
		uint32_t klen;
		int kt;

		if ((ret = peer_msg_parse_define(m->payload, m->len, &d)) < 0) {
			snprintf(why, wl, "malformed table definition (error %d)", ret);
			return -1;
		}
		p->rx_table = NULL;
		for (pt = p->tables; pt; pt = pt->next) {
			if (pt->remote_id == d.id)
				pt->remote_id = 0;
			if (!p->rx_table && strlen(pt->nid) == d.name_len && !memcmp(pt->nid, d.name, d.name_len))
				p->rx_table = pt;
		}
		pt = p->rx_table;
		if (!pt)
			return 0;       /* a table we do not share: its updates are ignored */
		kt = peer_key_type(&pt->t->def, &klen);
		if ((uint64_t)kt != d.key_type || klen != d.key_len) {
			snprintf(why, wl, "table definition of '%s' does not match ours (key type %llu len %llu, ours %d len %u)",
			         pt->nid, (unsigned long long)d.key_type, (unsigned long long)d.key_len, kt, klen);
			p->rx_table = NULL;
			return -1;
		}
		pt->remote_id = (uint32_t)d.id;
		pt->remote_data = d.data;
		memcpy(pt->remote_nbelem, d.nbelem, sizeof(pt->remote_nbelem));
		return 0;
	}
	case PEER_MSG_STKT_SWITCH: {
		uint64_t id;

		if (peer_msg_parse_switch(m->payload, m->len, &id) < 0) {
			snprintf(why, wl, "malformed table switch");
			return -1;
		}
		p->rx_table = NULL;
		for (pt = p->tables; pt; pt = pt->next)
			if (pt->remote_id && pt->remote_id == id)
				p->rx_table = pt;
		return 0;
	}
	case PEER_MSG_STKT_ACK: {
		uint64_t id;
		uint32_t upd;

		if (peer_msg_parse_ack(m->payload, m->len, &id, &upd) < 0) {
			snprintf(why, wl, "malformed ack");
			return -1;
		}
		for (pt = p->tables; pt; pt = pt->next) {
			if (pt->local_id != id)
				continue;
			pt->peer_acked = upd;
			peer_lag_acked(pt, upd);
			if (pt->pend_valid && (int32_t)(upd - pt->pend_id) >= 0) {
				stktable_updcur_copy(&pt->acked, &pt->pend);
				pt->pend_valid = 0;
			}
		}
		return 0;
	}
	default: {      /* the four update types */
		static struct peer_update u;   /* thread 0 only; 8 KB */
		struct peer_updfmt f;
		uint32_t klen;

		pt = p->rx_table;
		if (!pt)
			return 0;
		f.key_type = peer_key_type(&pt->t->def, &klen);
		f.key_len = klen;
		f.data = pt->remote_data;
		memcpy(f.nbelem, pt->remote_nbelem, sizeof(f.nbelem));
		if ((ret = peer_msg_parse_update(m->payload, m->len, m->type, &f, &u)) < 0) {
			snprintf(why, wl, "malformed update for table '%s' (error %d)", pt->nid, ret);
			return -1;
		}
		pt->last_get = u.has_id ? u.id : pt->last_get + 1;
		peer_apply_update(p, pt, &u);
		return 0;
	}
	}
}

/* Parses what <c> received. Returns 0, or -1 after closing <c>. */
static int process_input(struct peer_conn *c)
{
	char why[256];
	long n;

	if (c->state == PEER_CS_WAIT_HELLO) {
		n = parse_hello(c);
		if (n == 0)
			return 0;
		if (n < 0) {
			c->in.len = 0;
			return 0;       /* status queued, closed once sent */
		}
		buf_consume(&c->in, (size_t)n);
	} else if (c->state == PEER_CS_WAIT_STATUS) {
		n = parse_status(c);
		if (n == 0)
			return 0;
		if (n == -1)
			return -1;
		if (n < 0) {
			conn_close(c, "malformed handshake status");
			return -1;
		}
		buf_consume(&c->in, (size_t)n);
	}
	if (c->state != PEER_CS_ESTABLISHED) {
		c->in.len = 0;
		return 0;
	}
	while (c->in.len) {
		struct peer_msg m;
		int r = peer_msg_frame(c->in.data, c->in.len, &m);

		if (r == 0)
			break;
		if (r < 0) {
			c->peer->proto_err++;
			if (r == PEER_E_TOOBIG) {
				peer_send_msg(c, PEER_MSG_CLASS_ERROR, PEER_MSG_ERR_SIZELIMIT, NULL, 0);
				snprintf(why, sizeof(why), "message over %d bytes", PEER_MSG_MAXLEN);
			} else {
				peer_send_msg(c, PEER_MSG_CLASS_ERROR, PEER_MSG_ERR_PROTOCOL, NULL, 0);
				if (r == PEER_E_UNKNOWN)
					snprintf(why, sizeof(why), "unknown message class %u type %u", c->in.data[0], c->in.data[1]);
				else
					snprintf(why, sizeof(why), "malformed message length");
			}
			goto fail;
		}
		if (handle_msg(c, &m, why, sizeof(why)) < 0) {
			c->peer->proto_err++;
			if (m.cls != PEER_MSG_CLASS_ERROR)
				peer_send_msg(c, PEER_MSG_CLASS_ERROR, PEER_MSG_ERR_PROTOCOL, NULL, 0);
			goto fail;
		}
		buf_consume(&c->in, (size_t)r);
	}
	peer_push(c->peer);
	return 0;
fail:
	/* best effort: the error message goes out before the close */
	(void)peer_xprt_send(c);
	conn_close(c, why);
	return -1;
}

static void conn_io(int fd, unsigned int events, void *owner)
{
	struct peer_conn *c = owner;

	if (c->state == PEER_CS_CONNECTING) {
		int err;

		if (!(events & (FD_EV_OUT | FD_EV_ERR | FD_EV_HUP)))
			return;
		err = sock_get_error(fd);
		if (err) {
			conn_close(c, strerror(err < 0 ? -err : err));
			return;
		}
		c->state = PEER_CS_WAIT_STATUS;
		__atomic_store_n(&c->peer->last_state, PEER_CS_WAIT_STATUS, __ATOMIC_RELAXED);
	}
	if (c->tls_hs) {
		char why[256];
		int tls_err = 0, r = peer_xprt_handshake(c, &tls_err, why, sizeof(why));

		if (r < 0) {
			if (c->peer)
				__atomic_store_n(&c->peer->tls_err, tls_err, __ATOMIC_RELAXED);
			conn_close(c, why);
			return;
		}
		if (!r) {
			conn_poll(c);
			return;
		}
		if (c->peer)
			__atomic_store_n(&c->peer->tls_err, 0, __ATOMIC_RELAXED);
		events |= FD_EV_IN;     /* data may have come with the handshake */
	}
	if (events & (FD_EV_IN | FD_EV_ERR | FD_EV_HUP | FD_EV_RDHUP)) {
		for (;;) {
			ssize_t n;

			if (buf_reserve(&c->in, 16384) < 0) {
				conn_close(c, "out of memory");
				return;
			}
			n = peer_xprt_recv(c);
			if (n > 0) {
				c->in.len += (size_t)n;
				if (process_input(c) < 0)
					return;
				continue;
			}
			if (n == 0) {
				conn_close(c, "closed by the peer");
				return;
			}
			if (n == -EINTR)
				continue;
			if (n != -EAGAIN && n != -EWOULDBLOCK) {
				conn_close(c, strerror((int)-n));
				return;
			}
			break;
		}
	}
	conn_flush(c);
}

static void accept_cb(int fd, unsigned int events, void *owner)
{
	struct peers *ps = owner;

	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		struct peer_conn *c;
		int cfd = sock_accept(fd, &ss, &sl);

		if (cfd < 0)
			return;
		sock_set_nodelay(cfd, 1);
		c = conn_new(ps, cfd, 0);
		if (!c) {
			close(cfd);
			continue;
		}
		addr_format_sa((struct sockaddr *)&ss, sl, c->src, sizeof(c->src));
		c->pnext = ps->pending;
		ps->pending = c;
		if (ps->bind_tls && peer_xprt_tls_start(c, NULL, ps->bind_tls) < 0) {
			conn_close(c, "out of memory");
			continue;
		}
		conn_poll(c);
	}
}

/* The old process of a reload stops accepting peers (the new one listens
 * beside it), hands its remote links over to the new process (it closes
 * them and does not reconnect, as HAProxy) and connects to its local peer:
 * the new process, which it teaches.
 */
static void section_soft_stop(struct peers *ps)
{
	struct peer *lp = ps->local;

	stopping = 1;
	ps->stopped = 1;
	if (ps->lfd >= 0) {
		fd_delete(ps->lfd);
		ps->lfd = -1;
	}
	while (ps->pending)
		conn_close(ps->pending, "soft stop");
	for (struct peer *p = ps->list; p; p = p->next) {
		if (p->local)
			continue;
		if (p->conn)
			conn_close(p->conn, "soft stop: the new process takes over");
		p->reconnect = TICK_ETERNITY;
	}
	if (ps->nb_tables && lp->task) {
		ps->stop_deadline = tick_add(now_ms, PEER_RESYNC_MS);
		lp->reconnect = now_ms;
		lp->failures = 0;
		task_wakeup(lp->task, TASK_WOKEN_MSG);
	}
}

/* Old process: is the new one not taught yet, or missing changes (the
 * stream not drained, updates not acknowledged)? Thread 0, after a push.
 */
static int local_busy(struct peer *p)
{
	struct peers *ps = p->peers;
	struct peer_conn *c = p->conn;

	if (!stopping || !ps->nb_tables || tick_is_expired(ps->stop_deadline, now_ms))
		return 0;
	if (!c)   /* trying to connect; a refused connection means nobody took over (HAProxy) */
		return !(p->flags & PEER_F_TAUGHT) && !p->failures;
	if (c->state != PEER_CS_ESTABLISHED)
		return 1;
	ps->stop_deadline = tick_add(now_ms, PEER_RESYNC_MS);   /* it moves: give it time */
	if ((p->flags & PEER_F_TEACH) || c->out.len)
		return 1;
	for (struct peer_table *pt = p->tables; pt; pt = pt->next)
		if (pt->teaching || pt->last_pushed != pt->peer_acked)
			return 1;
	return 0;
}

/* Names the handlers for `show fd`. */
__attribute__((constructor)) static void peers_name_iocbs(void)
{
	fd_name_iocb(conn_io, "sock_conn_iocb", "peer");
	fd_name_iocb(accept_cb, "sock_accept_iocb", "peers-listener");
}

/* Closes the incoming connections of a section that did not complete
 * their handshake in time (a client that connects and never speaks).
 */
static struct task *section_task(struct task *t, void *ctx, unsigned int state)
{
	struct peers *ps = ctx;
	struct peer_conn *c, *next;

	if (atomic_load(&stop_req) && !ps->stopped)
		section_soft_stop(ps);
	for (c = ps->pending; c; c = next) {
		next = c->pnext;
		if (tick_is_expired(c->deadline, now_ms))
			conn_close(c, "handshake timeout");
	}
	task_set_expire(t, tick_add(now_ms, 1000));
	return t;
}

/* ---- The peer task ---- */

static struct task *peer_task(struct task *t, void *ctx, unsigned int state)
{
	struct peer *p = ctx;
	struct peers *ps = p->peers;
	struct peer_conn *c = p->conn;
	unsigned int drain = atomic_load(&drain_req);   /* before the push it answers */
	uint32_t next;
	int early = 0;

	ps->task_calls++;
	if (ps->resync == PEERS_RESYNC_FROMLOCAL && tick_is_expired(ps->resync_timeout, now_ms)) {
		struct peer_conn *lc = ps->local->conn;

		if (lc && lc->state == PEER_CS_ESTABLISHED)
			ps->resync_timeout = tick_add(now_ms, PEER_RESYNC_MS);   /* a lesson in progress */
		else
			local_lesson_failed(ps, "it did not connect");
	} else if (ps->resync != PEERS_RESYNC_DONE && tick_is_expired(ps->resync_timeout, now_ms)) {
		__atomic_store_n(&ps->resync, PEERS_RESYNC_DONE, __ATOMIC_RELAXED);   /* nobody to learn from: we are the reference */
		for (struct peer *o = ps->list; o; o = o->next)
			o->flags &= ~PEER_F_LEARN;
	}
	if (!c) {
		/* the local peer is connected to by the old process of a
		 * reload only; an old process reconnects to nobody else
		 */
		if (p->local ? local_busy(p) && tick_is_expired(p->reconnect, now_ms) :
		    !stopping && tick_is_expired(p->reconnect, now_ms))
			peer_connect(p);
	} else if (c->state != PEER_CS_ESTABLISHED) {
		if (tick_is_expired(c->deadline, now_ms)) {
			conn_close(c, c->state == PEER_CS_CONNECTING ? "connect timeout" : "handshake timeout");
		}
	} else {
		if (tick_is_expired(p->reconnect, now_ms)) {
			if (!(p->flags & PEER_F_ALIVE)) {
				p->no_hbt++;
				conn_close(c, "no message for 5 seconds (dead peer)");
				goto out;
			}
			p->flags &= ~PEER_F_ALIVE;
			p->reconnect = tick_add(now_ms, PEER_ALIVE_MS);
		}
		maybe_learn(p);
		if (tick_isset(p->next_push) && !tick_is_expired(p->next_push, now_ms)) {
			early = 1;      /* woken by a change right after a push: soon */
		} else {
			/* the next local change wakes us (peers_table_changed()) */
			for (struct peer_table *pt = p->tables; pt; pt = pt->next)
				atomic_store_explicit(&pt->t->change_armed, 1, memory_order_relaxed);
			peer_push(p);
			p->next_push = tick_add(now_ms, PEER_PUSH_MIN_MS);
		}
		if (tick_is_expired(p->heartbeat, now_ms)) {
			peer_send_msg(c, PEER_MSG_CLASS_CONTROL, PEER_MSG_CTRL_HEARTBEAT, NULL, 0);
			p->tx_hbt++;
			p->heartbeat = tick_add(now_ms, PEER_HEARTBEAT_MS);
		}
		conn_flush(c);
	}
out:
	c = p->conn;
	if (p->local) {
		atomic_store(&ps->stop_busy, local_busy(p));
		atomic_store(&ps->drain_ack, drain);
	}
	next = c ? (c->state == PEER_CS_ESTABLISHED ?
	            tick_first(tick_first(p->reconnect, p->heartbeat), tick_add(now_ms, PEER_PUSH_MS)) :
	            c->deadline) : p->reconnect;
	if (ps->resync != PEERS_RESYNC_DONE)
		next = tick_first(next, ps->resync_timeout);
	if (early)
		next = tick_first(next, p->next_push);
	task_set_expire(t, next);
	return t;
}

/* A local change in <t> after a push (stktable_touch_local(), any worker):
 * wakes the tasks of the peers it is shared with, which push it at once
 * instead of at their next 100 ms poll, as HAProxy wakes its peers on an
 * update. The sections and tasks are set before the workers run.
 */
static void peers_table_changed(struct stktable *t)
{
	for (struct peers *ps = peers_list; ps; ps = ps->next) {
		unsigned int i;

		for (i = 0; i < ps->nb_tables && ps->tables[i] != t; i++)
			;
		if (i == ps->nb_tables)
			continue;
		for (struct peer *p = ps->list; p; p = p->next)
			if (p->task)
				task_wakeup(p->task, TASK_WOKEN_MSG);
	}
}

int peers_start(int reloading, char *err, size_t errlen)
{
	struct sock_opts so = SOCK_OPTS_INIT;

	/* beside the old process of a reload, which stops listening when it
	 * connects to us to teach (HAProxy's peers listen so too)
	 */
	so.flags |= SOCK_O_REUSEPORT;
	for (struct peers *ps = peers_list; ps; ps = ps->next) {
		const struct addr *la;
		int remotes = 0;

		if (ps->disabled || !ps->local)
			continue;
		la = ps->has_bind ? &ps->bind_addr : &ps->local->addr;
		ps->lfd = sock_listen(la, &so, err, errlen);
		if (ps->lfd < 0)
			return ps->lfd;
		if (fd_insert(ps->lfd, 0, accept_cb, ps, FD_EV_IN) < 0) {
			snprintf(err, errlen, "peers '%s': cannot register the listener", ps->id);
			return -ENOMEM;
		}
		ps->last_change = (uint32_t)clock_wall_sec();
		ps->task = task_new(1UL, section_task, ps, "peers");
		if (!ps->task) {
			snprintf(err, errlen, "peers '%s': out of memory", ps->id);
			return -ENOMEM;
		}
		task_wakeup(ps->task, TASK_WOKEN_INIT);
		for (struct peer *p = ps->list; p; p = p->next) {
			remotes += !p->local;
			p->task = task_new(1UL, peer_task, p, "peer");
			if (!p->task) {
				snprintf(err, errlen, "peers '%s': out of memory", ps->id);
				return -ENOMEM;
			}
			p->reconnect = p->local ? TICK_ETERNITY : now_ms;   /* the local one: see section_soft_stop() */
			task_wakeup(p->task, TASK_WOKEN_INIT);
		}
		for (unsigned int i = 0; i < ps->nb_tables; i++)
			ps->tables[i]->on_change = peers_table_changed;
		/* a reload: the old process teaches us first (HAProxy's way) */
		__atomic_store_n(&ps->resync, reloading && ps->nb_tables ? PEERS_RESYNC_FROMLOCAL :
		                 remotes ? PEERS_RESYNC_NEEDED : PEERS_RESYNC_DONE, __ATOMIC_RELAXED);
		ps->resync_timeout = tick_add(now_ms, PEER_RESYNC_MS);
	}
	return 0;
}

int peers_table_taught(const struct stktable *t)
{
	for (struct peers *ps = peers_list; ps; ps = ps->next)
		for (unsigned int i = 0; !ps->disabled && ps->local && i < ps->nb_tables; i++)
			if (ps->tables[i] == t)
				return 1;
	return 0;
}

int peers_local_lesson_pending(void)
{
	int ret = 0;

	for (struct peers *ps = peers_list; ps; ps = ps->next) {
		if (__atomic_load_n(&ps->resync, __ATOMIC_RELAXED) != PEERS_RESYNC_FROMLOCAL)
			continue;
		if (__atomic_load_n(&ps->local->last_state, __ATOMIC_RELAXED) == PEER_CS_ESTABLISHED)
			return 2;
		ret = 1;
	}
	return ret;
}

void peers_soft_stop(void)
{
	atomic_store(&stop_req, 1);
	for (struct peers *ps = peers_list; ps; ps = ps->next)
		if (ps->task)
			task_wakeup(ps->task, TASK_WOKEN_MSG);
}

int peers_stop_busy(void)
{
	unsigned int round = atomic_load(&drain_req);
	int answered = 1, busy = 0;

	for (struct peers *ps = peers_list; ps; ps = ps->next) {
		if (!ps->task || !ps->nb_tables || !ps->local->task)
			continue;
		answered &= atomic_load(&ps->drain_ack) == round;
		busy |= atomic_load(&ps->stop_busy);
	}
	if (!answered)
		return 1;
	if (round && !busy)
		return 0;
	/* a new round, answered by a push after this moment */
	atomic_store(&drain_req, round + 1);
	for (struct peers *ps = peers_list; ps; ps = ps->next)
		if (ps->local && ps->local->task)
			task_wakeup(ps->local->task, TASK_WOKEN_MSG);
	return 1;
}

void peers_free_all(void)
{
	while (peers_list) {
		struct peers *ps = peers_list;

		peers_list = ps->next;
		while (ps->list) {
			struct peer *p = ps->list;

			ps->list = p->next;
			while (p->tables) {
				struct peer_table *pt = p->tables;

				p->tables = pt->next;
				stktable_updcur_free(&pt->cur);
				stktable_updcur_free(&pt->acked);
				stktable_updcur_free(&pt->pend);
				free(pt);
			}
			peer_xprt_free_peer(p);
			free(p->id);
			free(p->conf_file);
			free(p);
		}
		while (ps->decls) {
			struct peers_table_decl *d = ps->decls;

			ps->decls = d->next;
			free(d->name);
			free(d->id);
			free(d);
		}
		peer_xprt_free_section(ps);
		free(ps->tables);
		free(ps->id);
		free(ps->conf_file);
		free(ps);
	}
}
