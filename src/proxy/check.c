/*
 * Health checks: plain TCP connects, `option tcp-check` rulesets, or
 * `option httpchk` HTTP requests. See check.h and tcpcheck.h.
 *
 * A check is a task local to one worker; its probe socket is registered
 * with fd_insert() on that worker and its events wake the task, which runs
 * the steps as far as they go without blocking and sleeps until the next
 * event or the probe's deadline. Rules are read-only configuration, shared
 * by the checks of a backend's servers across workers without a lock.
 */
#include <errno.h>
#include <signal.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tollgate/tls.h>
#include <tollgate/xprt.h>
#include <tollgate/check.h>
#include <tollgate/check_agent.h>
#include <tollgate/check_ext.h>
#include <tollgate/check_proto.h>
#include <tollgate/clock.h>
#include <tollgate/compiler.h>
#include <tollgate/fd.h>
#include <tollgate/healthcheck.h>
#include <tollgate/h1.h>
#include <tollgate/lb.h>
#include <tollgate/log.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/task.h>
#include <tollgate/tcpcheck.h>
#include <tollgate/ticks.h>
#include <tollgate/trafficlog.h>

#include "check_int.h"

/* HAProxy's short check status names (check_status_name()), indexed by
 * check.status; matched on the start of a probe's reason.
 */
static const struct {
	const char *name;       /* short name */
	const char *prefix;     /* reasons starting with it */
} check_statuses[] = {
	{ "INI", NULL },                        /* 0: no result yet */
	{ "L4OK", "Layer4 check passed" },
	{ "L4TOUT", "Layer4 timeout" },
	{ "L4CON", "Layer4 connection problem" },
	{ "L7OK", "Layer7 check passed" },
	{ "L7STS", "Layer7 wrong status" },
	{ "L7RSP", "Layer7 invalid response" },
	{ "L7TOUT", "Layer7 timeout" },
	{ "PROCOK", "External check passed" },
	{ "PROCERR", "External check error" },
	{ "PROCTOUT", "External check timeout" },
	{ "L6OK", "Layer6 check passed" },
	{ "L6TOUT", "Layer6 timeout" },
	{ "L6RSP", "Layer6 invalid response" },
};

/* All checks: built by the main thread before the workers start, walked
 * again only after they stopped (checks_stop()).
 */
static struct check *checks;

void check_iocb(int fd, unsigned int events, void *owner)
{
	struct check *c = owner;

	c->ev |= events;
	task_wakeup(c->task, TASK_WOKEN_IO);
}

/* Names the handlers for `show fd`. */
__attribute__((constructor)) static void check_name_iocbs(void)
{
	fd_name_iocb(check_iocb, "sock_conn_iocb", "check");
}


/* Writes into <out> of <size> bytes HAProxy's description of the connect
 * error -<err>: "General socket error (Network is unreachable)" when
 * connect() itself failed (<sync>), "ECONNREFUSED returned by OS
 * (Connection refused)" for a refusal, whenever it comes.
 */
static void l4_err_text(char *out, size_t size, int err, int sync)
{
	const char *code = "General socket error";

	err = -err;
	if (err == ECONNREFUSED)
		code = "ECONNREFUSED returned by OS";
	else if (!sync && err == ECONNRESET)
		code = "ECONNRESET returned by OS";
	else if (!sync && (err == ENETUNREACH || err == EHOSTUNREACH))
		code = "ENETUNREACH returned by OS";
	else if (!sync && err == ENOMEM)
		code = "ENOMEM returned by OS";
	snprintf(out, size, "%s (%s)", code, strerror(err));
}

/* Fails a probe whose connection failed with -<err> (see l4_err_text()). */
void probe_l4_fail(struct check *c, int err, int sync)
{
	char info[128], why[CHECK_REASON_LEN];

	l4_err_text(info, sizeof(info), err, sync);
	snprintf(why, sizeof(why), "Layer4 connection problem, info: \"%s\"", info);
	probe_result(c, 0, why);
}

void probe_end(struct check *c)
{
	check_h2_free(c);
	if (c->xprt) {
		c->xprt->close(c->xprt_ctx);
		c->xprt = NULL;
		c->xprt_ctx = NULL;
	}
	c->tls_done = 0;
	if (c->fd >= 0) {
		fd_close_unshared(c->fd);
		c->fd = -1;
	}
	c->ev = 0;
	c->probe_exp = TICK_ETERNITY;
	c->connecting = c->connected = 0;
}

int check_status_of(const char *why)
{
	for (size_t i = 1; i < sizeof(check_statuses) / sizeof(check_statuses[0]); i++)
		if (!strncmp(why, check_statuses[i].prefix, strlen(check_statuses[i].prefix)))
			return (int)i;
	return 0;
}

/* Records a probe result and changes the server's state at the edges.
 * HAProxy's model: health counts up to rise + fall - 1; the server is up
 * at or above rise, and a checked server starts up at rise (one failure
 * from down). <why> is the reason of a failure or of a success (NULL:
 * "Layer4 check passed"). With `option log-health-checks`, a result is
 * logged ("Health check for server ... failed, reason: ...") when its
 * status (L4OK, L7STS...) differs from the previous probe's or when it
 * moves the health, as HAProxy.
 */
void probe_result(struct check *c, int ok, const char *why)
{
	struct server *srv = c->srv;
	unsigned int top = srv->rise + srv->fall - 1;
	unsigned int dur = tick_is_lt(c->probe_start, now_ms) ? now_ms - c->probe_start : 0;
	char reason[CHECK_REASON_LEN];
	int was_up = atomic_load(&srv->cur_state) == SRV_ST_RUNNING;
	int status, report;

	if (atomic_load(&c->paused)) {
		probe_end(c);   /* disabled while it ran: its result is ignored */
		return;
	}
	if (!why)
		why = ok ? "Layer4 check passed" : "Layer4 connection problem";
	snprintf(reason, sizeof(reason), "%s, check duration: %ums", why, dur);
	status = check_status_of(why);
	report = status != atomic_load(&c->status);
	if (ok) {
		if (c->health < top) {
			report = 1;
			c->health++;
			if (c->health >= srv->rise)
				c->health = top;   /* fully up at once, as HAProxy */
		}
	} else if (c->health > 0) {
		report = 1;
		if (c == srv->check)   /* chkfail, as HAProxy: a failure while not fully down */
			atomic_fetch_add_explicit(&srv->st.failed_checks, 1, memory_order_relaxed);
		c->health--;
		if (c->health < srv->rise)
			c->health = 0;     /* fully down at once, as HAProxy */
	}
	/* server state changes are always logged (server_set_state()) */
	if ((srv->proxy->options & PR_O_LOG_HEALTH) && report) {
		char line[600];
		int n = snprintf(line, sizeof(line), "Health check for %sserver %s/%s %s, reason: %s, status: %u/%u %s.",
		                 (srv->flags & SRV_F_BACKUP) ? "backup " : "", srv->proxy->id, srv->id,
		                 ok ? "succeeded" : "failed", reason,
		                 c->health >= srv->rise ? c->health - srv->rise + 1 : c->health,
		                 c->health >= srv->rise ? srv->fall : srv->rise,
		                 c->health >= srv->rise ? "UP" : "DOWN");

		log_msg(LOG_LVL_WARNING, "%s", line);
		if (srv->proxy->log_targets && n > 0)
			log_send(srv->proxy->log_targets, LOG_SEV_NOTICE, line,
			         (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	atomic_store(&c->status, status);
	if (ok && c->health >= srv->rise && !was_up && !atomic_load(&srv->agent_down))
		server_set_state(srv, SRV_ST_RUNNING, reason);
	else if (!ok && c->health < srv->rise && was_up)
		server_set_state(srv, SRV_ST_STOPPED, reason);
	probe_end(c);
}

static unsigned int next_interval(const struct check *c)
{
	const struct server *srv = c->srv;
	unsigned int top = srv->rise + srv->fall - 1;

	if (c->agent)
		return srv->agent_inter ? srv->agent_inter : srv->inter;
	if (atomic_load(&srv->cur_state) != SRV_ST_RUNNING)
		return c->health ? (srv->fastinter ? srv->fastinter : srv->inter)
		                 : (srv->downinter ? srv->downinter : srv->inter);
	if (c->health < top && srv->fastinter)
		return srv->fastinter;
	return srv->inter;
}

/* ---- plain connect check ---- */

/* Where a health check of <srv> connects, as HAProxy: the server's `addr`
 * if it has one, else its own address; on its `port` if set (by the
 * configuration or `set server check-port`), else the port `addr` names,
 * else the server's.
 */
struct addr check_dest(const struct server *srv)
{
	struct addr dst = srv->check_addr.kind == ADDR_INET ? srv->check_addr : srv->addr;
	unsigned int port = atomic_load(&srv->check_port);

	if (!port)
		port = addr_port(&srv->check_addr);
	if (!port)
		port = addr_port(&srv->addr);
	if (port)
		addr_set_port(&dst, port);
	return dst;
}

static void probe_start(struct check *c)
{
	const struct pr_timeouts *to = &c->srv->proxy->timeout;
	unsigned int limit = to->check ? to->check : to->connect;
	struct addr dst;
	int fd = -1, ret;

	if (!limit || limit > c->srv->inter)
		limit = c->srv->inter;
	dst = check_dest(c->srv);
	ret = sock_connect_probe(&dst, server_check_src(c->srv), server_md5sig(c->srv), &fd);
	if (ret < 0 && ret != -EINPROGRESS) {
		probe_l4_fail(c, ret, 1);
		return;
	}
	if (fd_insert(fd, tid, check_iocb, c, FD_EV_OUT) < 0) {
		close(fd);
		probe_result(c, 0, "Layer4 connection problem (out of resources)");
		return;
	}
	c->fd = fd;
	c->ev = 0;
	c->probe_exp = tick_add(now_ms, limit);
}

static void tcpchk_fail(struct check *c, const char *status, const char *what);

/* The connect rule of the probe's connection, if a tcp-check rule of
 * its own says how to connect (not a protocol check's implicit one).
 */
static const struct tcpcheck_rule *conn_rule(const struct check *c)
{
	return c->rules && !c->proto ? c->conn : NULL;
}

/* Whether the probe's connection is TLS: `tcp-check connect ssl`, else
 * the server's check-ssl for a connection that takes the server's
 * settings (every probe but a tcp-check connect without `default`, as
 * HAProxy).
 */
static int tls_wanted(const struct check *c)
{
	const struct tcpcheck_rule *r = conn_rule(c);

	if (r && r->ssl)
		return 1;
	if (!r && c->http && c->http->has_connect)   /* `http-check connect`: the same rule */
		return c->http->conn_ssl || (c->http->conn_default && c->srv->check_ssl);
	return (!r || r->use_default) && c->srv->check_ssl;
}

/* The sni and alpn of the probe's connection: its tcp-check or http-check
 * connect rule's, else the server's check-sni with `default` (or without
 * a connect rule); the server's alpn for checks (check-alpn) comes with
 * its context. <alpn> is left NULL when the rule has none.
 */
static const char *conn_sni_alpn(const struct check *c, const unsigned char **alpn, unsigned int *alpn_len)
{
	const struct tcpcheck_rule *r = conn_rule(c);
	const struct pr_httpchk *h = !r && c->http && c->http->has_connect ? c->http : NULL;

	*alpn = r ? r->alpn : h ? h->conn_alpn : NULL;
	*alpn_len = r ? r->alpn_len : h ? h->conn_alpn_len : 0;
	if (r)
		return r->sni ? r->sni : r->use_default ? c->srv->check_sni : NULL;
	if (h)
		return h->conn_sni ? h->conn_sni : h->conn_default ? c->srv->check_sni : NULL;
	return c->srv->check_sni;
}

/* Fails the handshake: a tcp-check names its connect step, as HAProxy. */
static void tls_fail(struct check *c, const char *status, const char *what)
{
	char why[CHECK_REASON_LEN];

	if (c->rules) {
		tcpchk_fail(c, status, what);
		return;
	}
	if (what)
		snprintf(why, sizeof(why), "%s, info: \"%s\"", status, what);
	else
		snprintf(why, sizeof(why), "%s", status);
	probe_result(c, 0, why);
}

/* check-ssl or `tcp-check connect ssl`: drives the TLS handshake on the
 * connected probe socket. Returns 1 once done (or without TLS), 0 while in
 * progress (events set, c->ev consumed), -1 when it failed (result
 * recorded: Layer6 invalid response, or Layer6 timeout).
 */
int check_tls_step(struct check *c)
{
	int ret;

	if (c->agent || c->tls_done || !tls_wanted(c))
		return 1;
	if (!c->xprt) {
		const unsigned char *alpn;
		unsigned int alpn_len;
		const char *sni = conn_sni_alpn(c, &alpn, &alpn_len);

		if (!c->srv->check_tls) {
			tls_fail(c, "Layer6 invalid response", "no TLS context for the check (add 'check-ssl' or 'ssl' to the server)");
			return -1;
		}
		c->xprt_ctx = tls_conn_connect_check(c->srv->check_tls, c->fd, sni);
		if (!c->xprt_ctx || (alpn && tls_conn_set_alpn(c->xprt_ctx, alpn, alpn_len) < 0)) {
			if (c->xprt_ctx)
				tls_conn_free(c->xprt_ctx);
			c->xprt_ctx = NULL;
			tls_fail(c, "Layer6 invalid response", "out of memory");
			return -1;
		}
		c->xprt = &xprt_tls;
	}
	ret = c->xprt->handshake(c->xprt_ctx, c->fd);
	if (ret > 0) {
		c->tls_done = 1;
		return 1;
	}
	if (ret < 0) {
		tls_fail(c, "Layer6 invalid response", "SSL handshake failure");
		return -1;
	}
	if (tick_is_expired(c->probe_exp, now_ms)) {
		tls_fail(c, "Layer6 timeout", NULL);
		return -1;
	}
	fd_set_events(c->fd, xprt_events(c->xprt, c->xprt_ctx));
	c->ev = 0;
	return 0;
}

/* Runs the plain check on a wakeup during a probe. */
static void plain_progress(struct check *c)
{
	if (!c->connected && (c->ev & (FD_EV_OUT | FD_EV_ERR | FD_EV_HUP))) {
		int err = sock_get_error(c->fd);

		if (err) {
			probe_l4_fail(c, err, 0);
			return;
		}
		c->connected = 1;
	}
	if (c->connected) {
		int ret = check_tls_step(c);

		if (ret > 0) {
			/* a reset, never a FIN: see sock_connect_probe() */
			sock_set_nolinger(c->fd);
			probe_result(c, 1, c->srv->check_ssl ? "Layer6 check passed" : NULL);
		}
		c->ev = 0;
	} else if (tick_is_expired(c->probe_exp, now_ms)) {
		probe_result(c, 0, "Layer4 timeout");
	}
}

/* ---- tcp-check ---- */

/* Returns the current rule, or NULL past the last step (a trailing
 * comment is no step).
 */
static const struct tcpcheck_rule *cur_rule(const struct check *c)
{
	const struct tcpcheck_rule *r;

	if (c->cur == c->rules)
		return NULL;
	r = list_elem(c->cur, const struct tcpcheck_rule, list);
	return r->action == TCPCHK_ACT_COMMENT ? NULL : r;
}

/* The pattern of expect rule <r> as shown in messages. */
static void pattern_text(char *out, size_t size, const struct tcpcheck_rule *r)
{
	if (r->match == TCPCHK_MATCH_STRING)
		check_escape_bytes(out, size, r->data, r->len);
	else if (r->match == TCPCHK_MATCH_PROTO)
		snprintf(out, size, "protocol reply");
	else
		check_escape_bytes(out, size, r->text, strlen(r->text));
}

/* Describes where the probe is: "at step 2 of tcp-check (expect string
 * '+PONG')" or "at initial connection step of tcp-check".
 */
static void step_text(const struct check *c, char *out, size_t size)
{
	const struct tcpcheck_rule *r = cur_rule(c);
	static const char *const match_names[] = { "string", "rstring", "binary", "custom", "rbinary" };
	char pat[160];

	if (c->implicit || !r) {
		snprintf(out, size, "at initial connection step of tcp-check");
		return;
	}
	switch (r->action) {
	case TCPCHK_ACT_CONNECT:
		if (r->port)
			snprintf(out, size, "at step %d of tcp-check (connect port %u)", r->step, r->port);
		else
			snprintf(out, size, "at step %d of tcp-check (connect)", r->step);
		break;
	case TCPCHK_ACT_SEND:
		snprintf(out, size, "at step %d of tcp-check (send)", r->step);
		break;
	case TCPCHK_ACT_VAR:
		snprintf(out, size, "at step %d of tcp-check (action)", r->step);
		break;
	case TCPCHK_ACT_EXPECT:
		pattern_text(pat, sizeof(pat), r);
		snprintf(out, size, "at step %d of tcp-check (expect %s%s '%s')", r->step,
		         r->inverse ? "! " : "", match_names[r->match], pat);
		break;
	case TCPCHK_ACT_COMMENT:
		BUG_ON(1);        /* cur_rule() never returns one */
		break;
	}
}

/* Fails the probe: "<status>, info: \"<what> <step text>[, comment: ...]\"". */
static void tcpchk_fail(struct check *c, const char *status, const char *what)
{
	const struct tcpcheck_rule *r = cur_rule(c);
	char where[400], reason[CHECK_REASON_LEN];

	if (c->proto) {
		/* protocol checks tell no step, as HAProxy's */
		if (what)
			snprintf(reason, sizeof(reason), "%s, info: \"%s\"", status, what);
		else
			snprintf(reason, sizeof(reason), "%s", status);
		probe_result(c, 0, reason);
		return;
	}
	step_text(c, where, sizeof(where));
	snprintf(reason, sizeof(reason), "%s, info: \"%s%s%s%s%.96s\"", status, what ? what : "", what ? " " : "",
	         where, r && !c->implicit && r->comment ? ", comment: " : "",
	         r && !c->implicit && r->comment ? r->comment : "");
	probe_result(c, 0, reason);
}


/* Registers the connecting socket <fd> of probe <c> for writability and
 * arms the connect deadline, as HAProxy: with `timeout check`, the
 * connect is bounded by `timeout connect` (capped by `inter`) and what
 * follows by `timeout check`; without, `inter` bounds the whole probe.
 * Returns 0, or -1 with <fd> closed (out of resources).
 */
int check_watch_connect(struct check *c, int fd)
{
	const struct pr_timeouts *to = &c->srv->proxy->timeout;

	if (fd_insert(fd, tid, check_iocb, c, FD_EV_OUT) < 0) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->connecting = 1;
	if (to->check && to->connect)
		c->probe_exp = tick_add(now_ms, to->connect < c->srv->inter ? to->connect : c->srv->inter);
	return 0;
}

/* Opens the connection of a connect step to the server's address, on
 * <port> if not 0. Returns 0 (connecting) or -1 (probe failed, reported).
 */
static int tcpchk_connect(struct check *c, const struct tcpcheck_rule *r)
{
	struct addr dst = check_dest(c->srv);
	unsigned int port = r ? r->port : 0;
	int fd = -1, ret;

	if (c->xprt) {
		c->xprt->close(c->xprt_ctx);
		c->xprt = NULL;
		c->xprt_ctx = NULL;
	}
	c->tls_done = 0;
	c->conn = r;
	if (c->fd >= 0) {
		fd_close_unshared(c->fd);
		c->fd = -1;
	}
	c->ev = 0;
	c->rlen = 0;
	c->eof = 0;
	c->rerr = 0;
	c->connected = 0;
	if (port && dst.kind == ADDR_INET) {
		if (dst.ss.ss_family == AF_INET)
			((struct sockaddr_in *)&dst.ss)->sin_port = htons((uint16_t)port);
		else
			((struct sockaddr_in6 *)&dst.ss)->sin6_port = htons((uint16_t)port);
	}
	if (dst.kind == ADDR_INET && !addr_port(&dst)) {
		tcpchk_fail(c, "Layer4 connection problem", "No port to connect to (use 'tcp-check connect port <N>')");
		return -1;
	}
	ret = sock_connect_md5(&dst, NULL, server_md5sig(c->srv), &fd);
	if (ret < 0 && ret != -EINPROGRESS) {
		char info[128];

		l4_err_text(info, sizeof(info), ret, 1);
		tcpchk_fail(c, "Layer4 connection problem", info);
		return -1;
	}
	if (check_watch_connect(c, fd) < 0) {
		tcpchk_fail(c, "Layer4 connection problem", "out of resources");
		return -1;
	}
	return 0;
}

/* Reads what is available into the response buffer, up to its size. */
ssize_t check_recv(struct check *c, char *buf, size_t len)
{
	for (;;) {
		ssize_t n;

		if (c->xprt) {
			struct buffer b = { .area = buf, .size = len };

			n = c->xprt->recv(c->xprt_ctx, c->fd, &b, 0);
			if (n < 0) {
				errno = (int)-n;
				n = -1;
			}
		} else {
			n = recv(c->fd, buf, len, MSG_DONTWAIT);
		}
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

void tcpchk_read(struct check *c)
{
	while (!c->eof && c->rlen < TCPCHK_BUFSIZE) {
		ssize_t n = check_recv(c, c->rbuf + c->rlen, TCPCHK_BUFSIZE - c->rlen);

		if (n > 0) {
			c->rlen += (size_t)n;
		} else if (n == 0) {
			c->eof = 1;
		} else if (n == -EAGAIN) {
			break;
		} else {
			c->rerr = (int)n;
			c->eof = 1;
		}
	}
	c->rbuf[c->rlen] = '\0';
}

/* Sends what remains of <data> (<len> bytes, c->sent already sent).
 * Returns 0 once all is sent (c->sent == <len>), 1 when the socket is full
 * (writability awaited), or -errno (-EPIPE for a zero-byte send).
 */
int check_send(struct check *c, const char *data, size_t len)
{
	while (c->sent < len) {
		ssize_t n;

		if (c->xprt) {
			struct buffer b = { .area = (char *)data + c->sent, .size = len - c->sent, .data = len - c->sent };

			n = c->xprt->send(c->xprt_ctx, c->fd, &b, 0, 0);
			if (n < 0) {
				errno = (int)-n;
				n = -1;
			}
		} else {
			n = send(c->fd, data + c->sent, len - c->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		if (n > 0) {
			c->sent += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fd_set_events(c->fd, FD_EV_OUT | xprt_events(c->xprt, c->xprt_ctx));
			return 1;
		} else {
			return n < 0 ? -errno : -EPIPE;
		}
	}
	return 0;
}

static void tcpchk_next(struct check *c)
{
	if (c->implicit)
		c->implicit = 0;     /* the first rule is now current */
	else
		c->cur = c->cur->next;
	c->sent = 0;
}

/* Writes the reason "<prefix>[, code: N], info: \"<info>\"" of expect rule
 * <r> into <out>: as HAProxy, only the Layer7 passed and wrong-status
 * statuses show a code (status-code, else 0).
 */
static void expect_reason(char *out, size_t size, const char *prefix, const struct tcpcheck_rule *r,
                          const char *info)
{
	char code[32] = "";

	if (!strcmp(prefix, "Layer7 check passed") || !strcmp(prefix, "Layer7 wrong status"))
		snprintf(code, sizeof(code), ", code: %d", r->status_code >= 0 ? r->status_code : 0);
	snprintf(out, size, "%s%s, info: \"%s\"", prefix, code, info);
}

/* Fails the probe on expect rule <r> (its error-status, else Layer7
 * invalid response) with the info <what>.
 */
static void expect_fail(struct check *c, const struct tcpcheck_rule *r, const char *what)
{
	char reason[CHECK_REASON_LEN];

	expect_reason(reason, sizeof(reason), r->err_status ? r->err_status : "Layer7 invalid response", r, what);
	probe_result(c, 0, reason);
}

/* Runs the protocol expect <r> on what was received. Returns 0 (passed:
 * the next rule is current), 1 (waiting for more: fd events set) or -1
 * (probe failed, reported).
 */
static int tcpchk_proto(struct check *c, const struct tcpcheck_rule *r)
{
	struct chkp_verdict v;
	char why[CHECK_REASON_LEN];
	int m;

	m = chkp_parse((enum chkp_parser)r->proto, (const unsigned char *)c->rbuf, c->rlen,
	               c->eof || c->rlen >= TCPCHK_BUFSIZE, &v);
	if (m == CHKP_MORE) {
		fd_set_events(c->fd, FD_EV_IN | FD_EV_RDHUP);
		return 1;
	}
	if (m == CHKP_FAIL && c->rerr && !c->rlen) {
		tcpchk_fail(c, "Layer4 connection problem", strerror(-c->rerr));
		return -1;
	}
	if (v.status == CHKP_ST_RSP)
		snprintf(why, sizeof(why), "Layer7 invalid response%s%s%s", v.info[0] ? ", info: \"" : "", v.info,
		         v.info[0] ? "\"" : "");
	else
		snprintf(why, sizeof(why), "Layer7 %s, code: %d%s%s%s",
		         m == CHKP_PASS ? "check passed" : "wrong status", v.code,
		         v.info[0] ? ", info: \"" : "", v.info, v.info[0] ? "\"" : "");
	if (m == CHKP_FAIL) {
		atomic_store(&c->code, v.code);
		probe_result(c, 0, why);
		return -1;
	}
	if (v.info[0]) {
		snprintf(c->pass_why, sizeof(c->pass_why), "%s", why);
		atomic_store(&c->code, v.code);
	}
	tcpchk_next(c);
	return 0;
}

/* The v1 PROXY line of the check's own connection, as HAProxy's checks
 * send it: "PROXY TCP4|TCP6 <local> <server> <lport> <sport>\r\n", or
 * "PROXY UNKNOWN\r\n" (a UNIX socket). Returns its length.
 */
static size_t pp_v1_line(int fd, char *out, size_t size)
{
	struct sockaddr_storage l, p;
	socklen_t ll = sizeof(l), pl = sizeof(p);
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int f, n;

	if (getsockname(fd, (struct sockaddr *)&l, &ll) < 0 || getpeername(fd, (struct sockaddr *)&p, &pl) < 0 ||
	    l.ss_family != p.ss_family || (l.ss_family != AF_INET && l.ss_family != AF_INET6))
		return (size_t)snprintf(out, size, "PROXY UNKNOWN\r\n");
	f = l.ss_family;
	inet_ntop(f, f == AF_INET ? (void *)&((struct sockaddr_in *)&l)->sin_addr : (void *)&((struct sockaddr_in6 *)&l)->sin6_addr, a, sizeof(a));
	inet_ntop(f, f == AF_INET ? (void *)&((struct sockaddr_in *)&p)->sin_addr : (void *)&((struct sockaddr_in6 *)&p)->sin6_addr, b, sizeof(b));
	n = snprintf(out, size, "PROXY %s %s %s %u %u\r\n", f == AF_INET ? "TCP4" : "TCP6", a, b,
	             ntohs(f == AF_INET ? ((struct sockaddr_in *)&l)->sin_port : ((struct sockaddr_in6 *)&l)->sin6_port),
	             ntohs(f == AF_INET ? ((struct sockaddr_in *)&p)->sin_port : ((struct sockaddr_in6 *)&p)->sin6_port));
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* `tcp-check connect send-proxy`: sends the PROXY header first, as
 * HAProxy's checks: v1 with the check connection's own addresses, or a
 * v2 LOCAL command on a send-proxy-v2 server. Sent at once on the fresh
 * socket (the bytes always fit). Returns 0, or -1 (probe failed,
 * reported).
 */
static int tcpchk_send_proxy(struct check *c)
{
	static const char v2[] = "\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";
	char line[128];
	int is_v2 = !!(c->srv->flags & SRV_F_SEND_PROXY2);
	size_t len = is_v2 ? sizeof(v2) - 1 : pp_v1_line(c->fd, line, sizeof(line));
	ssize_t n;

	do
		n = send(c->fd, is_v2 ? v2 : line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	tcpchk_fail(c, "Layer4 connection problem", n < 0 ? strerror(errno) : "send failed");
	return -1;
}

/* Renders the `send-lf` / `send-binary-lf` data of <r> into c->lfbuf.
 * Returns 0, or -1 when the probe failed (reported): the rendered text of
 * a send-binary-lf is not hexadecimal.
 */
static int tcpchk_render_send(struct check *c, const struct tcpcheck_rule *r)
{
	struct sample_ctx ctx = { .chk = &c->smp, .opt = SMP_OPT_FINAL };
	size_t n = logformat_render_ctx(r->fmt, &ctx, c->lfbuf, TCPCHK_BUFSIZE + 1);
	int len;

	c->lflen = n;
	if (!r->fmt_binary)
		return 0;
	len = tcpcheck_parse_hex(c->lfbuf, (unsigned char *)c->lfbuf, TCPCHK_BUFSIZE, NULL);
	if (len < 0) {
		tcpchk_fail(c, "Layer7 invalid response", "tcp-check send : failed to parse binary (not hexadecimal)");
		return -1;
	}
	c->lflen = (size_t)len;
	return 0;
}

/* Renders the `on-success` / `on-error` log-format <lf> into <out>. */
static const char *tcpchk_render_msg(struct check *c, const struct logformat *lf, char *out, size_t size)
{
	struct sample_ctx ctx = { .chk = &c->smp, .opt = SMP_OPT_FINAL };

	logformat_render_ctx(lf, &ctx, out, size);
	return out;
}

/* Runs the steps as far as possible. Returns when the probe ended (result
 * recorded) or waits for an event; then sets the fd's events.
 */
static void tcpchk_run(struct check *c)
{
	const struct pr_timeouts *to = &c->srv->proxy->timeout;

	for (;;) {
		const struct tcpcheck_rule *r;
		int ret;

		if (c->connecting) {
			int err;

			if (!(c->ev & (FD_EV_OUT | FD_EV_ERR | FD_EV_HUP)))
				goto wait;
			err = sock_get_error(c->fd);
			if (err) {
				char info[128];

				l4_err_text(info, sizeof(info), err, 0);
				tcpchk_fail(c, "Layer4 connection problem", info);
				return;
			}
			c->connecting = 0;
			c->connected = 1;
			if (to->check)
				c->probe_exp = tick_add(now_ms, to->check);
			if (c->conn && c->conn->send_proxy && tcpchk_send_proxy(c) < 0)
				return;
			c->conn_next = 1;
			continue;
		}
		if (c->connected && check_tls_step(c) <= 0)
			return;
		if (c->conn_next) {
			/* connected, TLS up: the connect step passed */
			c->conn_next = 0;
			tcpchk_next(c);
			continue;
		}
		r = cur_rule(c);
		if (!r) {
			probe_result(c, 1, c->pass_why[0] ? c->pass_why :
			                   c->l7 ? "Layer7 check passed, code: 0, info: \"(tcp-check)\""
			                         : "Layer4 check passed");
			return;
		}
		switch (r->action) {
		case TCPCHK_ACT_CONNECT:
			if (tcpchk_connect(c, r) < 0)
				return;
			continue;
		case TCPCHK_ACT_SEND:
			if (r->fmt && !c->sent && tcpchk_render_send(c, r) < 0)
				return;
			ret = r->fmt ? check_send(c, c->lfbuf, c->lflen) : check_send(c, r->data, r->len);
			if (ret > 0)
				goto wait;
			if (ret < 0) {
				tcpchk_fail(c, "Layer4 connection problem", ret == -EPIPE ? "send failed" : strerror(-ret));
				return;
			}
			c->rlen = 0;      /* a new question: a new answer */
			c->rbuf[0] = '\0';
			tcpchk_next(c);
			continue;
		case TCPCHK_ACT_COMMENT:
			BUG_ON(1);        /* cur_rule() never returns one */
			return;
		case TCPCHK_ACT_VAR: {
			struct sample_ctx ctx = { .chk = &c->smp, .opt = SMP_OPT_FINAL };

			var_action_exec(&r->va, NULL, &ctx);
			tcpchk_next(c);
			continue;
		}
		case TCPCHK_ACT_EXPECT: {
			int m;

			tcpchk_read(c);
			if (r->match == TCPCHK_MATCH_PROTO) {
				m = tcpchk_proto(c, r);
				if (m < 0)
					return;
				if (m > 0)
					goto wait;
				continue;
			}
			m = tcpcheck_match(r, c->rbuf, c->rlen, c->eof || c->rlen >= TCPCHK_BUFSIZE);
			if (m == TCPCHK_MATCH_OK) {
				char msg[400];

				/* the last expect's on-success / status-code describe a success */
				c->pass_why[0] = '\0';
				if (r->on_success || r->status_code >= 0 || r->ok_status)
					expect_reason(c->pass_why, sizeof(c->pass_why), r->ok_status ? r->ok_status : "Layer7 check passed", r,
					              r->on_success ? tcpchk_render_msg(c, r->on_success, msg, sizeof(msg)) : "(tcp-check)");
				tcpchk_next(c);
				continue;
			}
			if (m == TCPCHK_MATCH_FAIL) {
				char pat[160], what[400];
				static const char *const kinds[] = { "", " (regex)", " (binary)", "", " (binary regex)" };

				if (c->rerr && !c->rlen) {
					tcpchk_fail(c, "Layer4 connection problem", strerror(-c->rerr));
					return;
				}
				if (r->on_error) {
					expect_fail(c, r, tcpchk_render_msg(c, r->on_error, what, sizeof(what)));
					return;
				}
				pattern_text(pat, sizeof(pat), r);
				/* as HAProxy: a binary regex is not shown */
				snprintf(what, sizeof(what), "TCPCHK %s content%s%s%s%s at step %d%s%.96s",
				         r->inverse ? "matched unwanted" : "did not match", kinds[r->match],
				         r->match == TCPCHK_MATCH_RBINARY ? "" : " '",
				         r->match == TCPCHK_MATCH_RBINARY ? "" : pat,
				         r->match == TCPCHK_MATCH_RBINARY ? "" : "'", r->step,
				         r->comment ? ", comment: " : "", r->comment ? r->comment : "");
				expect_fail(c, r, what);
				return;
			}
			fd_set_events(c->fd, FD_EV_IN | FD_EV_RDHUP);
			goto wait;
		}
		}
	}
wait:
	if (tick_is_expired(c->probe_exp, now_ms)) {
		const struct tcpcheck_rule *r = c->connected ? cur_rule(c) : NULL;

		/* as HAProxy, the info of an expect's timeout starts with a space */
		if (r && r->action == TCPCHK_ACT_EXPECT)
			tcpchk_fail(c, r->tout_status ? r->tout_status : "Layer7 timeout", "");
		else
			tcpchk_fail(c, c->connected ? "Layer7 timeout" : "Layer4 timeout", NULL);
	}
	c->ev = 0;
}

static void tcpchk_start(struct check *c)
{
	const struct tcpcheck_rule *first;

	c->cur = c->rules->next;
	c->pass_why[0] = '\0';
	if (c->smp.vars)
		var_store_reset(c->smp.vars);   /* each run starts without variables, as HAProxy's */
	first = cur_rule(c);
	for (const struct list *l = c->cur; first && first->action == TCPCHK_ACT_VAR; ) {
		l = l->next;   /* variable actions may come before the first connect */
		first = l == c->rules ? NULL : list_elem(l, const struct tcpcheck_rule, list);
	}
	c->implicit = !first || first->action != TCPCHK_ACT_CONNECT;
	c->sent = 0;
	c->probe_exp = tick_add(now_ms, c->srv->inter);
	c->conn_next = 0;
	if (c->implicit && tcpchk_connect(c, NULL) < 0)
		return;
	tcpchk_run(c);
}

int tcpcheck_match(const struct tcpcheck_rule *r, char *buf, size_t len, int last)
{
	int found;

	if (r->min_recv >= 0 && len < (size_t)r->min_recv)
		return last ? TCPCHK_MATCH_FAIL : TCPCHK_MATCH_MORE;
	switch (r->match) {
	case TCPCHK_MATCH_REGEX: {
		regmatch_t pm[1];
		int flags = 0;

		buf[len] = '\0';
#ifdef REG_STARTEND
		pm[0].rm_so = 0;
		pm[0].rm_eo = (regoff_t)len;
		flags = REG_STARTEND;
#endif
		found = regexec(r->re, buf, 1, pm, flags) == 0;
		break;
	}
	case TCPCHK_MATCH_RBINARY: {
		/* as HAProxy: the regex runs on the upper-case hex of the bytes */
		static const char hex[] = "0123456789ABCDEF";
		char *h = malloc(2 * len + 1);

		if (!h)
			return TCPCHK_MATCH_FAIL;
		for (size_t i = 0; i < len; i++) {
			h[2 * i] = hex[(unsigned char)buf[i] >> 4];
			h[2 * i + 1] = hex[(unsigned char)buf[i] & 15];
		}
		h[2 * len] = '\0';
		found = regexec(r->re, h, 0, NULL, 0) == 0;
		free(h);
		break;
	}
	default:
		found = r->len && len >= r->len && memmem(buf, len, r->data, r->len) != NULL;
		break;
	}
	if (!found && !last && r->min_recv < 0)
		return TCPCHK_MATCH_MORE;
	return found != r->inverse ? TCPCHK_MATCH_OK : TCPCHK_MATCH_FAIL;
}

const char *check_status_name(const struct server *srv)
{
	const struct check *c = srv->check;

	return c ? check_statuses[atomic_load(&c->status)].name : "";
}

const char *check_agent_status_name(const struct server *srv)
{
	const struct check *c = srv->agent;

	return c ? check_statuses[atomic_load(&c->status)].name : "";
}

int check_enabled(const struct server *srv, int agent)
{
	const struct check *c = agent ? srv->agent : srv->check;

	return c && !atomic_load(&c->paused);
}

int check_set_enabled(struct server *srv, int agent, int enabled)
{
	struct check *c = agent ? srv->agent : srv->check;

	if (!c)
		return -ENOENT;
	atomic_store(&c->paused, !enabled);
	return 0;
}

int check_health(const struct server *srv)
{
	const struct check *c = srv->check;

	return c ? (int)atomic_load(&c->health) : -1;
}

int check_status_code(const struct server *srv)
{
	const struct check *c = srv->check;

	return c ? atomic_load(&c->code) : 0;
}

/* ---- external check (check_ext.h) ---- */

static void extchk_start(struct check *c)
{
	const struct pr_timeouts *to = &c->srv->proxy->timeout;
	char why[CHECK_REASON_LEN];
	int fd, code;

	if (c->ext_zombie && extchk_reap(c->ext_zombie, &code) != 0)
		c->ext_zombie = 0;
	fd = extchk_spawn(c->srv, &c->ext_pid);
	if (fd < 0) {
		c->ext_pid = 0;
		snprintf(why, sizeof(why), "External check error, info: \"%s\"",
		         fd == -EPERM ? "fork refused without 'insecure-fork-wanted'" : strerror(-fd));
		probe_result(c, 0, why);
		return;
	}
	if (fd_insert(fd, tid, check_iocb, c, FD_EV_IN) < 0) {
		close(fd);
		kill(c->ext_pid, SIGKILL);
		c->ext_zombie = c->ext_pid;
		c->ext_pid = 0;
		probe_result(c, 0, "External check error, info: \"out of resources\"");
		return;
	}
	c->fd = fd;
	c->ev = 0;
	c->probe_exp = tick_add(now_ms, to->check ? to->check : c->srv->inter);
}

/* On a wakeup: the child exited (its pidfd is readable), or the deadline
 * passed and it is killed.
 */
static void extchk_progress(struct check *c)
{
	char why[CHECK_REASON_LEN];
	int code = 0, r = extchk_reap(c->ext_pid, &code);

	if (r > 0) {
		c->ext_pid = 0;
		snprintf(why, sizeof(why), "External check %s, code: %d", code ? "error" : "passed", code);
		probe_result(c, !code, why);
		return;
	}
	if (r < 0) {
		c->ext_pid = 0;
		probe_result(c, 0, "External check error, info: \"child lost\"");
		return;
	}
	if (tick_is_expired(c->probe_exp, now_ms)) {
		kill(c->ext_pid, SIGKILL);
		if (extchk_reap(c->ext_pid, &code) == 0)
			c->ext_zombie = c->ext_pid;
		c->ext_pid = 0;
		probe_result(c, 0, "External check timeout");
	}
}

/* ---- the task ---- */

static struct task *check_process(struct task *t, void *ctx, unsigned int state)
{
	struct check *c = ctx;

	if (c->fd >= 0) {
		if (c->ext)
			extchk_progress(c);
		else if (c->agent)
			agent_progress(c);
		else if (c->rules)
			tcpchk_run(c);
		else if (c->http)
			httpchk_run(c);
		else
			plain_progress(c);
		if (c->fd >= 0)
			task_set_expire(t, c->probe_exp);
		else
			task_set_expire(t, tick_add(now_ms, next_interval(c)));
		return t;
	}
	if (!(state & TASK_WOKEN_TIMER) && !(state & TASK_WOKEN_INIT)) {
		task_set_expire(t, task_expire(t));
		return t;
	}
	/* paused, or its server's name has no address yet (resolvers.h) */
	if (atomic_load(&c->paused) || (c->srv->flags & SRV_F_RMAINT)) {
		task_set_expire(t, tick_add(now_ms, next_interval(c)));
		return t;
	}
	c->probe_start = now_ms;
	if (c->ext)
		extchk_start(c);
	else if (c->agent)
		agent_start(c);
	else if (c->rules)
		tcpchk_start(c);
	else if (c->http)
		httpchk_start(c);
	else
		probe_start(c);
	if (c->fd >= 0)
		task_set_expire(t, c->probe_exp);
	else
		task_set_expire(t, tick_add(now_ms, next_interval(c)));
	return t;
}

static void check_free(struct check *c)
{
	check_h2_free(c);   /* a probe stopped in flight */
	if (c->smp.vars)
		var_store_reset(c->smp.vars);
	free(c->smp.vars);
	free(c->req);
	free(c->req_base);
	free(c->rbuf);
	free(c->lfbuf);
	free(c);
}

/* Compiles <pattern> into *<out> (a regex_t *) for <px>'s HTTP check.
 * Returns 0, -ENOMEM, or -EINVAL (logged).
 */
static int httpchk_regcomp(struct proxy *px, const char *pattern, void **out)
{
	regex_t *re;

	if (*out)
		return 0;
	re = calloc(1, sizeof(*re));
	if (!re)
		return -ENOMEM;
	if (regcomp(re, pattern, REG_EXTENDED | REG_NOSUB)) {
		free(re);
		log_alert("%s '%s': invalid regular expression '%s' in 'http-check expect'.",
		          proxy_kind(px), px->id, pattern);
		return -EINVAL;
	}
	*out = re;
	return 0;
}

/* Compiles the log-format <text> of <px>'s HTTP check into *<out>, once.
 * Returns 0, or -EINVAL (logged; validated at parse time already).
 */
static int httpchk_lfcomp(struct proxy *px, const char *text, struct logformat **out)
{
	char *why = NULL;

	if (*out)
		return 0;
	*out = logformat_parse(text, 0, &why);
	if (*out)
		return 0;
	log_alert("%s '%s': invalid log-format '%s' in 'http-check send': %s.",
	          proxy_kind(px), px->id, text, why ? why : "out of memory");
	free(why);
	return -EINVAL;
}

/* Compiles the regexes of <px>'s HTTP check (rstatus, rstring, a hdr name
 * or value) and its log-formats (uri-lf, body-lf, header values with a
 * '%') into px->httpchk, once. Returns 0, -ENOMEM, or -EINVAL.
 */
static int httpchk_compile(struct proxy *px)
{
	int ret = 0;

	for (struct pr_httpchk *hc = &px->httpchk; hc && !ret; hc = hc->next) {
		int hdr = hc->expect_kind == HTTPCHK_EXP_HDR || hc->expect_kind == HTTPCHK_EXP_FHDR;

		if ((hc->uri_lf && httpchk_lfcomp(px, hc->uri, &hc->uri_fmt) < 0) ||
		    (hc->body_lf && httpchk_lfcomp(px, hc->body, &hc->body_fmt) < 0) ||
		    (hc->hdrs && strchr(hc->hdrs, '%') && httpchk_lfcomp(px, hc->hdrs, &hc->hdrs_fmt) < 0))
			return -EINVAL;
		if (!hc->expect)
			continue;
		if (hc->expect_kind == HTTPCHK_EXP_RSTATUS || hc->expect_kind == HTTPCHK_EXP_RSTRING ||
		    (hdr && hc->name_match == HTTPCHK_M_REG))
			ret = httpchk_regcomp(px, hc->expect, &hc->expect_re);
		if (!ret && hdr && hc->expect_val && hc->val_match == HTTPCHK_M_REG)
			ret = httpchk_regcomp(px, hc->expect_val, &hc->expect_val_re);
	}
	return ret;
}

/* Creates and schedules the agent check of <srv>, the <n>th check
 * created (for its thread and first date). Returns 0 or -ENOMEM.
 */
static int agent_new(struct server *srv, int n)
{
	unsigned int inter = srv->agent_inter ? srv->agent_inter : srv->inter;
	struct check *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->rbuf = malloc(TCPCHK_BUFSIZE + 1);
	if (!c->rbuf) {
		free(c);
		return -ENOMEM;
	}
	c->agent = 1;
	c->srv = srv;
	c->fd = -1;
	c->probe_exp = TICK_ETERNITY;
	c->task = task_new(1UL << (n % thread_count), check_process, c, "agent");
	if (!c->task) {
		check_free(c);
		return -ENOMEM;
	}
	srv->agent = c;
	c->next = checks;
	checks = c;
	task_set_expire(c->task, tick_add(now_ms, 1 + (inter * (unsigned int)(n + 1)) / 16 % inter));
	return 0;
}

/* What a check configuration (a backend's, or the healthcheck section of
 * its servers) runs: computed once per configuration by check_conf_prepare().
 */
struct check_conf {
	int tcpchk;                  /* tcp-check rules run */
	int lf;                      /* one of them is a send-lf / send-binary-lf */
	int l7;                      /* ... and have an expect */
	int http;                    /* an HTTP check runs */
	int req_len;                 /* length of <req> (HTTP checks) */
	char req[HTTPCHK_REQ_MAX];   /* the HTTP check request, built once */
};

/* Prepares the check configuration of <cp> into <cf>: its protocol rules,
 * its regex and its HTTP request when <used> (a server runs it). Returns
 * 0, -ENOMEM or -EINVAL (logged).
 */
static int check_conf_prepare(struct proxy *cp, int used, struct check_conf *cf)
{
	const struct tcpcheck_rule *r;
	int steps = 0;

	cf->l7 = 0;
	cf->lf = 0;
	cf->req_len = 0;
	list_for_each(r, &cp->tcpcheck_rules, list) {
		steps += r->action != TCPCHK_ACT_COMMENT;
		cf->l7 |= r->action == TCPCHK_ACT_EXPECT;
		cf->lf |= r->fmt != NULL;
	}
	cf->tcpchk = (cp->options & PR_O_TCP_CHECK) && steps;
	if (cp->chkproto.kind != CHKP_NONE && list_empty(&cp->proto_rules)) {
		int ret = chkp_build_rules(&cp->proto_rules, &cp->chkproto);

		if (ret < 0)
			return ret;
	}
	if (!(cp->options & PR_O_TCP_CHECK) && steps && !(cp->cap & PR_CAP_HC)) {
		log_warning("%s '%s' has 'tcp-check' rules but no 'option tcp-check': its checks are plain TCP connects.",
		            proxy_kind(cp), cp->id);
	}
	/* `option httpchk` clears `option tcp-check` when parsed after
	 * it: both set means tcp-check came last, and wins, as HAProxy
	 */
	cf->http = (cp->options & PR_O_HTTPCHK) && !(cp->options & PR_O_TCP_CHECK);
	if (cf->http && used) {
		int ret = httpchk_compile(cp);

		if (ret < 0)
			return ret;
		for (const struct pr_httpchk *hc = &cp->httpchk; hc; hc = hc->next) {
			cf->req_len = httpchk_build_request(hc, cf->req, sizeof(cf->req));
			if (cf->req_len < 0) {
				log_alert("%s '%s': the 'option httpchk' request is longer than %d bytes.",
				          proxy_kind(cp), cp->id, HTTPCHK_REQ_MAX);
				return -EINVAL;
			}
		}
		cf->req_len = httpchk_build_request(&cp->httpchk, cf->req, sizeof(cf->req));
	}
	return 0;
}

/* Creates the check of <srv>, the <n>th one, running the configuration
 * <cp> prepared in <cf>. Returns 0 or -ENOMEM.
 */
static int check_new(struct server *srv, struct proxy *cp, const struct check_conf *cf, int n)
{
	struct check *c = calloc(1, sizeof(*c));
	int thr;

	if (!c)
		return -ENOMEM;
	if (cf->tcpchk || cf->http || cp->chkproto.kind != CHKP_NONE) {
		c->rbuf = malloc(TCPCHK_BUFSIZE + 1);
		if (!c->rbuf) {
			free(c);
			return -ENOMEM;
		}
	}
	if (cp->options & PR_O_EXTCHK) {
		c->ext = 1;   /* HAProxy: the external check replaces any other */
	} else if (cp->chkproto.kind != CHKP_NONE) {
		c->rules = &cp->proto_rules;
		c->cur = c->rules;
		c->l7 = 1;
		c->proto = 1;
	} else if (cf->tcpchk) {
		c->rules = &cp->tcpcheck_rules;
		c->cur = c->rules;
		c->l7 = cf->l7;
		if (cf->lf && !(c->lfbuf = malloc(TCPCHK_BUFSIZE + 1))) {
			check_free(c);
			return -ENOMEM;
		}
	} else if (cf->http) {
		int dyn = httpchk_dynamic(&cp->httpchk);

		c->http = c->http0 = &cp->httpchk;
		c->h2 = !!(srv->flags & ((srv->flags & SRV_F_CHECK_PROTO) ? SRV_F_CHECK_H2 : SRV_F_PROTO_H2));
		c->req_size = (cp->httpchk.next || dyn ? HTTPCHK_REQ_MAX : (size_t)cf->req_len) + 1 +
		              (cp->httpchk.send_state ? HTTPCHK_STATE_MAX : 0);
		c->req = malloc(c->req_size);
		if ((cp->httpchk.send_state || cp->httpchk.next || dyn) && c->req) {
			c->req_base = strdup(cf->req);
			if (!c->req_base) {
				check_free(c);
				return -ENOMEM;
			}
		}
		if (!c->req) {
			check_free(c);
			return -ENOMEM;
		}
		memcpy(c->req, cf->req, (size_t)cf->req_len + 1);
		c->req_len = (size_t)cf->req_len;
	}
	thr = n % thread_count;
	c->srv = srv;
	c->smp.srv = srv;
	c->fd = -1;
	c->probe_exp = TICK_ETERNITY;
	/* starts up, one failure from down, or where the server-state file says */
	c->health = srv->state_health ? (unsigned int)srv->state_health - 1 : server_init_health(srv);
	c->task = task_new(1UL << thr, check_process, c, "check");
	if (!c->task) {
		check_free(c);
		return -ENOMEM;
	}
	srv->check = c;
	c->next = checks;
	checks = c;
	/* spread the first probes over one interval */
	task_set_expire(c->task, tick_add(now_ms, 1 + (srv->inter * (unsigned int)(n + 1)) / 16 % srv->inter));
	return 0;
}

/* A server `disabled` in the configuration and still in maintenance
 * gets no check; one that the server-state file or the admin socket put
 * in maintenance keeps its own.
 */
static int srv_conf_maint(const struct server *srv)
{
	return (srv->flags & (SRV_F_MAINT | SRV_F_CMAINT)) == (SRV_F_MAINT | SRV_F_CMAINT);
}

int checks_start(void)
{
	int n = 0;

	clock_update();
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct check_conf own, hc;
		int used = 0, ret;

		for (struct server *srv = px->srv; srv; srv = srv->next)
			used |= (srv->flags & SRV_F_CHECK) && !srv_conf_maint(srv) && !srv->hc;
		ret = check_conf_prepare(px, used, &own);
		if (ret < 0)
			return ret;
		for (struct server *srv = px->srv; srv; srv = srv->next) {
			if ((srv->flags & SRV_F_AGENT) && !srv_conf_maint(srv)) {
				ret = agent_new(srv, n++);
				if (ret < 0)
					return ret;
				if (srv->state_chk_off & 2)
					check_set_enabled(srv, 1, 0);
			}
			if (!(srv->flags & SRV_F_CHECK) || srv_conf_maint(srv))
				continue;
			/* `healthcheck <name>`: that section's check instead */
			if (srv->hc && (ret = check_conf_prepare(srv->hc, 1, &hc)) < 0)
				return ret;
			ret = check_new(srv, srv->hc ? srv->hc : px, srv->hc ? &hc : &own, n++);
			if (ret < 0)
				return ret;
			if (srv->state_chk_off & 1)
				check_set_enabled(srv, 0, 0);
		}
	}
	return 0;
}

/* Frees the regexes, log-formats and protocol rules checks_start() built
 * for <px>.
 */
static void check_conf_release(struct proxy *px)
{
	tcpcheck_rules_free(&px->proto_rules);
	for (struct pr_httpchk *hc = &px->httpchk; hc; hc = hc->next) {
		logformat_free(hc->uri_fmt);
		logformat_free(hc->body_fmt);
		logformat_free(hc->hdrs_fmt);
		hc->uri_fmt = hc->body_fmt = hc->hdrs_fmt = NULL;
		if (hc->expect_re) {
			regfree(hc->expect_re);
			free(hc->expect_re);
			hc->expect_re = NULL;
		}
		if (hc->expect_val_re) {
			regfree(hc->expect_val_re);
			free(hc->expect_val_re);
			hc->expect_val_re = NULL;
		}
	}
}

void checks_stop(void)
{
	struct check *c, *next;

	for (c = checks; c; c = next) {
		next = c->next;
		if (c->fd >= 0) {
			fd_remove(c->fd);
			close(c->fd);
		}
		/* workers stopped: waiting for a killed child is immediate */
		if (c->ext_pid) {
			kill(c->ext_pid, SIGKILL);
			waitpid(c->ext_pid, NULL, 0);
		}
		if (c->ext_zombie)
			waitpid(c->ext_zombie, NULL, 0);
		task_destroy(c->task);
		if (c->agent)
			c->srv->agent = NULL;
		else
			c->srv->check = NULL;
		check_free(c);
	}
	checks = NULL;
	/* the regexes checks_start() compiled; the strings stay (configuration) */
	for (struct proxy *px = proxies_list; px; px = px->next)
		check_conf_release(px);
	for (struct proxy *px = healthchecks_list; px; px = px->next)
		check_conf_release(px);
}
