/*
 * Agent checks: the probe (connect to `agent-addr`/`agent-port`, send
 * `agent-send`, read one line) and how its reply changes the server. The
 * reply's parser is check_agent.c; the task that runs the probe, check.c.
 * Moved from check.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tollgate/check.h>
#include <tollgate/check_agent.h>
#include <tollgate/clock.h>
#include <tollgate/fd.h>
#include <tollgate/log.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/task.h>
#include <tollgate/tcpcheck.h>

#include "check_int.h"

/* Ends an agent probe. Failures to reach the agent change nothing: the
 * regular health check judges connectivity, as HAProxy.
 */
static void agent_end(struct check *c, const char *status)
{
	atomic_store(&c->status, check_status_of(status));
	probe_end(c);
}

void agent_start(struct check *c)
{
	const struct server *srv = c->srv;
	/* `agent-addr` and `agent-port`, which `addr` and `port` set too */
	struct addr dst = srv->agent_addr.kind == ADDR_INET ? srv->agent_addr : srv->addr;
	unsigned int port = srv->agent_port;
	unsigned int limit = srv->proxy->timeout.check;
	int fd = -1, ret;

	if (!limit)
		limit = srv->agent_inter ? srv->agent_inter : srv->inter;
	c->rlen = 0;
	c->eof = 0;
	c->rerr = 0;
	c->sent = 0;
	c->connected = 0;
	if (dst.kind == ADDR_INET)
		addr_set_port(&dst, port);
	ret = sock_connect_md5(&dst, NULL, server_md5sig(srv), &fd);
	if (ret < 0 && ret != -EINPROGRESS) {
		agent_end(c, "Layer4 connection problem");
		return;
	}
	if (fd_insert(fd, tid, check_iocb, c, FD_EV_OUT) < 0) {
		close(fd);
		agent_end(c, "Layer4 connection problem");
		return;
	}
	c->fd = fd;
	c->ev = 0;
	c->connecting = 1;
	c->probe_exp = tick_add(now_ms, limit);
}

/* Applies the agent's reply <r> (words in <buf>) to the server, in
 * HAProxy's order: administrative state, weight, maxconn, then health.
 */
static void agent_apply(struct check *c, const char *buf, const struct agent_reply *r)
{
	struct server *srv = c->srv;
	const char *warn = NULL;
	char reason[CHECK_REASON_LEN];
	unsigned int v;

	if (atomic_load(&c->paused)) {
		agent_end(c, "Layer7 check passed");   /* disabled while it ran: nothing applied */
		return;
	}
	if (r->admin == AGENT_A_DRAIN && server_change_admin(srv, 0, SRV_F_DRAIN))
		log_notice("Server %s/%s enters drain mode (set by the agent).", srv->proxy->id, srv->id);
	else if (r->admin == AGENT_A_MAINT && server_change_admin(srv, 0, SRV_F_MAINT))
		log_warning("Server %s/%s was put into maintenance by the agent.", srv->proxy->id, srv->id);
	else if (r->admin == AGENT_A_READY && server_change_admin(srv, SRV_F_MAINT | SRV_F_DRAIN, 0))
		log_notice("Server %s/%s is ready (set by the agent).", srv->proxy->id, srv->id);
	if (r->weight.set) {
		if (agent_weight(buf + r->weight.off, r->weight.len, srv->iweight, &v, &warn) == 0)
			server_change_weight(srv, v);
	}
	if (r->maxconn.set) {
		const char *why = NULL;

		if (agent_maxconn(buf + r->maxconn.off, r->maxconn.len, &v, &why) == 0)
			server_change_maxconn(srv, v);
		else if (!warn)
			warn = why;
	}
	if (r->health != AGENT_H_NONE) {
		const char *msg = buf + r->desc.off;
		int mlen = r->desc.set ? (int)r->desc.len : 0;
		int up = r->health == AGENT_H_UP;

		if (!mlen || up) {
			if (r->error.set) {
				msg = buf + r->error.off;
				mlen = (int)r->error.len;
			} else if (warn) {
				msg = warn;
				mlen = (int)strlen(warn);
			}
		}
		snprintf(reason, sizeof(reason), "via agent : %.*s%s%.*s%s", (int)r->health_word.len,
		         buf + r->health_word.off, mlen ? " (" : "", mlen, msg, mlen ? ")" : "");
		atomic_store(&srv->agent_down, !up);
		if (!up)
			server_set_state(srv, SRV_ST_STOPPED, reason);
		else if (!srv->check || srv->check->health >= srv->rise)
			server_set_state(srv, SRV_ST_RUNNING, reason);
		agent_end(c, up ? "Layer7 check passed" : "Layer7 wrong status");
		return;
	}
	agent_end(c, "Layer7 check passed");
}

void agent_progress(struct check *c)
{
	const struct server *srv = c->srv;
	struct agent_reply r;
	size_t len = srv->agent_send ? strlen(srv->agent_send) : 0;
	int ret;

	if (c->connecting) {
		if (!(c->ev & (FD_EV_OUT | FD_EV_ERR | FD_EV_HUP)))
			goto check_timeout;
		if (sock_get_error(c->fd)) {
			agent_end(c, "Layer4 connection problem");
			return;
		}
		c->connecting = 0;
		c->connected = 1;
	}
	ret = check_send(c, srv->agent_send, len);
	if (ret > 0)
		goto check_timeout;
	if (ret < 0) {
		agent_end(c, "Layer4 connection problem");
		return;
	}
	fd_set_events(c->fd, FD_EV_IN | FD_EV_RDHUP);
	tcpchk_read(c);
	ret = agent_parse(c->rbuf, c->rlen, c->eof || c->rlen >= TCPCHK_BUFSIZE, &r);
	if (ret > 0) {
		agent_apply(c, c->rbuf, &r);
		return;
	}
	if (ret == AGENT_INCOMPLETE) {
		log_warning("Agent check for server %s/%s: Ignoring incomplete line from agent.",
		            srv->proxy->id, srv->id);
		agent_end(c, "Layer7 invalid response");
		return;
	}
check_timeout:
	if (tick_is_expired(c->probe_exp, now_ms))
		agent_end(c, c->connected ? "Layer7 timeout" : "Layer4 timeout");
}
