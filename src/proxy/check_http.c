/*
 * `option httpchk` probes: connect, send the request (with the server's
 * state when asked), read and judge the response, stage after stage for a
 * multi-step `http-check` ruleset. A stage with `set-var` lines or
 * log-formats (uri-lf, body-lf, header values) has its request built at
 * each probe, with the check's variables and server (struct check_smp). The probe's life (task, socket, results)
 * is check.c's; see check_int.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tollgate/check.h>
#include <tollgate/clock.h>
#include <tollgate/fd.h>
#include <tollgate/h1.h>
#include <tollgate/lb.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/tcpcheck.h>
#include <tollgate/ticks.h>
#include <tollgate/var_action.h>
#include <tollgate/vars.h>

#include "check_int.h"

/* Opens the probe's connection to the server. Returns 0 (connecting) or
 * -1 (probe failed, reported).
 */
static int httpchk_connect(struct check *c)
{
	struct addr dst;
	int fd = -1, ret;

	c->ev = 0;
	c->rlen = 0;
	c->eof = 0;
	c->rerr = 0;
	c->sent = 0;
	c->connected = 0;
	/* `http-check connect addr|port`: elsewhere than the server */
	dst = c->http->conn_addr.kind != ADDR_NONE ? c->http->conn_addr : check_dest(c->srv);
	if (c->http->conn_port && dst.kind == ADDR_INET)
		addr_set_port(&dst, c->http->conn_port);
	else if (c->http->conn_addr.kind != ADDR_NONE && !addr_port(&dst)) {
		struct addr def = check_dest(c->srv);

		addr_set_port(&dst, addr_port(&def));
	}
	ret = sock_connect_md5(&dst, NULL, server_md5sig(c->srv), &fd);
	if (ret < 0 && ret != -EINPROGRESS) {
		probe_l4_fail(c, ret, 1);
		return -1;
	}
	if (check_watch_connect(c, fd) < 0) {
		probe_result(c, 0, "Layer4 connection problem (out of resources)");
		return -1;
	}
	return 0;
}

static int httpchk_next_stage(struct check *c);

/* Runs the HTTP check as far as possible: connect, send the request, read
 * and judge the response (then the next stage's, for a multi-step check). Returns when the probe ended (result recorded)
 * or waits for an event (fd events set).
 */
void httpchk_run(struct check *c)
{
	const struct pr_timeouts *to = &c->srv->proxy->timeout;
	char why[CHECK_REASON_LEN];
	int m, code, ret, last = 0;

	if (c->connecting) {
		int err;

		if (!(c->ev & (FD_EV_OUT | FD_EV_ERR | FD_EV_HUP)))
			goto wait;
		err = sock_get_error(c->fd);
		if (err) {
			probe_l4_fail(c, err, 0);
			return;
		}
		c->connecting = 0;
		c->connected = 1;
		if (to->check)
			c->probe_exp = tick_add(now_ms, to->check);
	}
	if (check_tls_step(c) <= 0)
		return;
	if (c->h2) {
		const char *frames;
		size_t len;

		if (check_h2_prepare(c, &frames, &len) < 0)
			return;
		ret = check_send(c, frames, len);
	} else {
		ret = check_send(c, c->req, c->req_len);
	}
	if (ret > 0)
		goto wait;
	if (ret < 0) {
		snprintf(why, sizeof(why), "Layer4 connection problem, info: \"%s\"",
		         ret == -EPIPE ? "send failed" : strerror(-ret));
		probe_result(c, 0, why);
		return;
	}
	if (c->h2)
		last = check_h2_read(c);
	else
		tcpchk_read(c);
	if (c->rerr && !c->rlen) {
		snprintf(why, sizeof(why), "Layer4 connection problem, info: \"%s\"", strerror(-c->rerr));
		probe_result(c, 0, why);
		return;
	}
	m = httpchk_eval(c->http, c->http->expect_re, c->rbuf, c->rlen, last || c->eof || c->rlen >= TCPCHK_BUFSIZE,
	                 &code, why, sizeof(why));
	if (m == HTTPCHK_OK && c->http->next) {
		/* multi-step: the next stage, on a new connection */
		atomic_store(&c->code, code);
		if (httpchk_next_stage(c) < 0)
			return;
		httpchk_run(c);
		return;
	}
	if (m != HTTPCHK_MORE) {
		atomic_store(&c->code, code);
		probe_result(c, m == HTTPCHK_OK, why);
		return;
	}
	fd_set_events(c->fd, FD_EV_IN | FD_EV_RDHUP);
wait:
	if (tick_is_expired(c->probe_exp, now_ms))
		probe_result(c, 0, c->connected ? "Layer7 timeout" : "Layer4 timeout");
	c->ev = 0;
}

/* Writes HAProxy's `http-check send-state` field value for <c>'s server
 * into <out>: its state as the stats page says it ("UP", "UP 1/3" while
 * going down, "DOWN 1/2" while going up, "DOWN"), address, port, names,
 * node, weight over the backend's total, connections and queue.
 */
static void httpchk_state_text(const struct check *c, char *out, size_t size)
{
	const struct server *srv = c->srv;
	const struct proxy *px = srv->proxy;
	unsigned int health = atomic_load(&c->health), top = srv->rise + srv->fall - 1, tot = 0;
	int up = atomic_load(&srv->cur_state) == SRV_ST_RUNNING;
	char addr[ADDR_STRLEN], node[256] = "", state[32];
	const char *colon;

	for (const struct server *s = px->srv; s; s = s->next)
		if (lb_srv_usable(s) && !(s->flags & SRV_F_BACKUP))
			tot += s->uweight;
	if (up && health >= top)
		snprintf(state, sizeof(state), "UP");
	else if (up)
		snprintf(state, sizeof(state), "UP %u/%u", health - srv->rise + 1, srv->fall);
	else if (health)
		snprintf(state, sizeof(state), "DOWN %u/%u", health, srv->rise);
	else
		snprintf(state, sizeof(state), "DOWN");
	addr_format(&srv->addr, addr, sizeof(addr));
	colon = srv->addr.kind == ADDR_INET && !(srv->addr.flags & ADDR_F_NO_PORT) ? strrchr(addr, ':') : NULL;
	gethostname(node, sizeof(node) - 1);
	snprintf(out, size, "%s; address=%.*s; port=%s; name=%s/%s; node=%s; weight=%u/%u; scur=%u/%u; qcur=%u",
	         state, colon ? (int)(colon - addr) : (int)strlen(addr), addr, colon ? colon + 1 : "",
	         px->id, srv->id, node, srv->uweight, tot, atomic_load(&srv->cur_conns),
	         atomic_load(&px->beconn), atomic_load(&srv->queued));
}

/* Sets the request to send to <base> (a stage's request), with the
 * x-haproxy-server-state field after its request line for a send-state
 * check, as HAProxy. c->req holds c->req_size bytes: HTTPCHK_REQ_MAX + 1
 * (+ HTTPCHK_STATE_MAX with send-state) for a multi-step check or one
 * built at each probe, else the first stage's length plus that.
 */
static void httpchk_load_request(struct check *c, const char *base)
{
	const char *eol = strstr(base, "\r\n");
	size_t size = c->req_size;
	char text[HTTPCHK_STATE_MAX - 32];
	int n;

	if (!c->http0->send_state || !eol) {
		c->req_len = strlen(base);
		memcpy(c->req, base, c->req_len + 1);
		return;
	}
	httpchk_state_text(c, text, sizeof(text));
	n = snprintf(c->req, size, "%.*sx-haproxy-server-state: %s\r\n%s", (int)(eol - base) + 2, base, text, eol + 2);
	c->req_len = n > 0 && (size_t)n < size ? (size_t)n : size - 1;
}

/* Runs the variable actions of the current stage written before its send
 * (<after> 0) or after it (<after> 1), in order.
 */
static void httpchk_run_vars(struct check *c, int after)
{
	struct sample_ctx ctx = { .chk = &c->smp, .opt = SMP_OPT_FINAL };

	for (int i = 0; i < c->http->nb_vars; i++)
		if (c->http->vars[i].after_send == after)
			var_action_exec(&c->http->vars[i].va, NULL, &ctx);
}

/* The text of a request part: <lf> rendered into <out> (<size> bytes), or
 * <plain> when it is not a log-format.
 */
static const char *httpchk_part(struct check *c, const struct logformat *lf, const char *plain,
                                char *out, size_t size)
{
	struct sample_ctx ctx = { .chk = &c->smp };

	if (!lf)
		return plain;
	logformat_render_ctx(lf, &ctx, out, size);
	return out;
}

/* Starts the current stage: runs its variable actions that come before
 * its send and sets its request. Returns 0, or -1 when the probe ended
 * (reported).
 */
static int httpchk_stage_begin(struct check *c)
{
	const struct pr_httpchk *hc = c->http;
	char base[HTTPCHK_REQ_MAX], uri[HTTPCHK_REQ_MAX], hdrs[HTTPCHK_REQ_MAX], body[HTTPCHK_REQ_MAX];
	int n;

	httpchk_run_vars(c, 0);
	if (!hc->uri_fmt && !hc->body_fmt && !hc->hdrs_fmt) {
		if (hc == c->http0) {   /* built once at start-up */
			if (c->req_base)
				httpchk_load_request(c, c->req_base);
			return 0;
		}
		n = httpchk_build_request(hc, base, sizeof(base));   /* checked at start-up */
	} else {
		n = httpchk_format_request(hc, httpchk_part(c, hc->uri_fmt, hc->uri, uri, sizeof(uri)),
		                           httpchk_part(c, hc->hdrs_fmt, hc->hdrs, hdrs, sizeof(hdrs)),
		                           httpchk_part(c, hc->body_fmt, hc->body, body, sizeof(body)),
		                           base, sizeof(base));
	}
	if (n < 0) {
		probe_result(c, 0, "Layer7 invalid response, info: \"request too long\"");
		return -1;
	}
	httpchk_load_request(c, base);
	return 0;
}

/* Closes the connection of the stage that passed and connects for the
 * next one, within the same probe deadline. Returns 0, or -1 when the
 * probe ended (reported).
 */
static int httpchk_next_stage(struct check *c)
{
	uint32_t exp = c->probe_exp;

	probe_end(c);
	c->probe_exp = exp;
	httpchk_run_vars(c, 1);
	c->http = c->http->next;
	if (httpchk_stage_begin(c) < 0)
		return -1;
	return httpchk_connect(c);
}

void httpchk_start(struct check *c)
{
	c->probe_exp = tick_add(now_ms, c->srv->inter);
	c->http = c->http0;
	if (c->smp.vars)
		var_store_reset(c->smp.vars);   /* each run starts without variables, as HAProxy's */
	if (httpchk_stage_begin(c) < 0 || httpchk_connect(c) < 0)
		return;
	httpchk_run(c);
}

