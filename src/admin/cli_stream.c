/*
 * Admin socket commands on streams: show sess, shutdown session
 * (show errors is cli_errors.c).
 *
 * Streams belong to their worker thread (stream.h). `show sess` takes a
 * snapshot of every thread's list under thread isolation
 * (stream_snapshot(): a rare admin command may stop the workers for the
 * time of a copy, O(streams)), then prints it with back-pressure; nothing
 * of a stream is read after the isolation ends, so a stream ending
 * meanwhile is harmless. Identities are the streams' addresses, printed in
 * HAProxy's short format; `shutdown session <ptr>` looks the pointer up in
 * the lists (under isolation again: never dereferencing a pointer read
 * from a client) and asks the stream's own thread to close it.
 *
 * The admin socket's sessions are listed after the streams, as HAProxy
 * lists its CLI connections: streams of its GLOBAL frontend whose server
 * side is the CLI applet. Their snapshot is taken on the admin sockets'
 * thread, which owns them (cli_sessions_snapshot()).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tollgate/addr.h>
#include <tollgate/cli.h>
#include <tollgate/http_txn.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>

#define SESS_SLACK 64   /* snapshot room beyond the streams counted */

struct sess_ctx {
	struct stream_info *si;      /* snapshot (malloc'ed) */
	struct stream_detail *d;     /* long form (malloc'ed), or NULL: short form */
	int n;                       /* streams in it */
	int pos;                     /* next to print */
	struct cli_sess_info *ci;    /* the admin sessions (malloc'ed) */
	int nci;                     /* admin sessions in it */
	int cpos;                    /* next to print */
	int detail;                  /* long form */
};

/* Takes the snapshot of the admin sessions into <c>, only <only> if not
 * NULL. Returns 0 or -ENOMEM.
 */
static int sess_snapshot_cli(struct sess_ctx *c, const void *only)
{
	int max = 16;

	for (;;) {
		int n;

		free(c->ci);
		c->ci = calloc((size_t)max, sizeof(*c->ci));
		if (!c->ci)
			return -ENOMEM;
		n = cli_sessions_snapshot(c->ci, max);
		if (n <= max) {
			c->nci = n;
			break;
		}
		max = n;
	}
	if (only) {
		int k = 0;

		for (int i = 0; i < c->nci; i++)
			if (c->ci[i].ptr == only)
				c->ci[k++] = c->ci[i];
		c->nci = k;
	}
	return 0;
}

/* Writes a duration of <ms> the way HAProxy prints ages: the two largest
 * non-zero units among d, h, m, s ("4s", "1m5s", "2h", "1d3h"), "0s" for
 * nothing. Returns <buf>.
 */
static const char *human_age(uint32_t ms, char *buf, size_t len)
{
	static const struct { uint32_t sec; char unit; } units[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};
	uint32_t t = ms / 1000;
	size_t n = 0;
	int shown = 0;

	buf[0] = '\0';
	for (int i = 0; i < 4 && shown < 2; i++) {
		uint32_t v = i ? t % units[i - 1].sec / units[i].sec : t / units[i].sec;

		if (!v)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%u%c", v, units[i].unit);
		shown++;
		if (n >= len)
			break;
	}
	if (!shown)
		snprintf(buf, len, "0s");
	return buf;
}

static int parse_show_sess(struct cli_session *s, int argc, char **args)
{
	struct sess_ctx *c = cli_ctx(s);
	int max = (int)stream_count() + SESS_SLACK, detail = 0;
	const void *only = NULL;

	if (argc > 2 && strcmp(args[2], "all") == 0) {
		detail = 1;
	} else if (argc > 2) {
		/* HAProxy: a stream's id (its address); anything else lists all */
		only = (const void *)(uintptr_t)strtoull(args[2], NULL, 0);
		detail = only != NULL;
	}
	for (int tries = 0; tries < 4; tries++) {
		int n;

		free(c->si);
		free(c->d);
		c->d = NULL;
		c->si = calloc((size_t)max, sizeof(*c->si));
		if (!c->si || (detail && !(c->d = calloc((size_t)max, sizeof(*c->d)))))
			return cli_err(s, "Out of memory.\n");
		n = stream_snapshot_detail(c->si, c->d, max, only);
		if (n <= max) {
			c->n = n;
			c->detail = detail;
			if (sess_snapshot_cli(c, only) < 0)
				return cli_err(s, "Out of memory.\n");
			if (only && !n && !c->nci)
				return cli_err(s, "Session not found.\n");
			return CLI_DUMP;
		}
		max = n + SESS_SLACK;
	}
	/* streams keep being created faster than we copy: show what we have */
	c->n = max;
	c->detail = detail;
	if (sess_snapshot_cli(c, only) < 0)
		return cli_err(s, "Out of memory.\n");
	return CLI_DUMP;
}

/* Writes the client address of <si> and returns its protocol name. */
static const char *sess_source(const struct stream_info *si, char *src, size_t len)
{
	if (si->cli_addr.kind == ADDR_INET) {
		addr_format(&si->cli_addr, src, len);
		return si->cli_addr.ss.ss_family == AF_INET6 ? "tcpv6" : "tcpv4";
	}
	snprintf(src, len, "unix");
	return "unix_stream";
}

/* Formats <a> into <buf>, "?" when unknown. */
static const char *sess_addr(const struct addr *a, char *buf, size_t len)
{
	if (a->kind == ADDR_NONE || addr_format(a, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* Formats the delay <ms> HAProxy's way: "<NEVER>", "<PAST>", or "4s". */
static const char *sess_delay(int32_t ms, char *buf, size_t len)
{
	if (ms == STRM_NEVER)
		return "<NEVER>";
	if (ms <= 0)
		return "<PAST>";
	return human_age((uint32_t)ms, buf, len);
}

/* HAProxy's name of the H1 state of a message in <st> (http_msg_state). */
static const char *sess_msg_state(int st, int req)
{
	switch (st) {
	case HTTP_MSG_HDR:    return req ? "MSG_RQBEFORE" : "MSG_RPBEFORE";
	case HTTP_MSG_DONE:   return "MSG_DONE";
	case HTTP_MSG_TUNNEL: return "MSG_TUNNEL";
	default:              return "MSG_DATA";
	}
}

/* Prints the long form of <si> ("show sess all|<id>"). Returns 0 if it
 * did not fit.
 */
static int print_sess_detail(struct cli_session *s, const struct stream_info *si)
{
	static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *const srv_st[] = { "INI", "QUE", "CON", "EST", "CLO" };
	const struct stream_detail *d = si->d;
	char src[ADDR_STRLEN], a1[ADDR_STRLEN], a2[ADDR_STRLEN], t1[32], t2[32], t3[32], age[32];
	char be[256], srv[256], txn[160], scb[256];
	const char *proto = sess_source(si, src, sizeof(src));
	unsigned long tmask = 1UL << si->tid;
	time_t sec = (time_t)d->accept_sec;
	struct tm tm;

	localtime_r(&sec, &tm);
	if (si->be)
		snprintf(be, sizeof(be), "  backend=%s (id=%d mode=%s) addr=%s\n", si->be, d->be_uuid,
		         d->be_http ? "http" : "tcp", sess_addr(&d->be_addr, a1, sizeof(a1)));
	else
		snprintf(be, sizeof(be), "  backend=<NONE> (id=-1 mode=-)\n");
	if (d->server)
		snprintf(srv, sizeof(srv), "  server=%s (id=%d) addr=%s\n", si->srv, d->srv_puid,
		         sess_addr(&d->srv_addr, a2, sizeof(a2)));
	else
		snprintf(srv, sizeof(srv), "  server=<NONE> (id=-1)\n");
	txn[0] = '\0';
	if (d->txn)
		snprintf(txn, sizeof(txn), "  txn=%p flags=0x0 meth=%d status=%d req.st=%s rsp.st=%s req.f=0x00 rsp.f=0x00\n",
		         d->txn, d->meth, d->status, sess_msg_state(d->req_st, 1), sess_msg_state(d->res_st, 0));
	if (d->srvs.fd >= 0)
		snprintf(scb, sizeof(scb), "  scb=%p flags=0x%08x state=%s endp=CONN,%p,0x00000000 sub=0\n"
		         "      co1=%p ctrl=%s xprt=%s mux=%s data=STRM target=SERVER:%p\n"
		         "      flags=0x00000000 fd=%d fd.state=0 updt=0 fd.tmask=0x%lx\n",
		         d->srvs.side, d->srvs.flags, srv_st[si->state < 5 ? si->state : 4], d->srvs.side,
		         d->srvs.side, d->srv_addr.kind == ADDR_INET && d->srv_addr.ss.ss_family == AF_INET6 ? "tcpv6" : "tcpv4",
		         d->srvs.tls ? "SSL" : "RAW", d->be_http ? "H1" : "PASS", d->server, d->srvs.fd, tmask);
	else
		snprintf(scb, sizeof(scb), "  scb=%p flags=0x%08x state=%s endp=CONN,(nil),0x00000000 sub=0\n",
		         d->srvs.side, d->srvs.flags, srv_st[si->state < 5 ? si->state : 4]);
	return cli_printf(s,
		"%p: [%02d/%s/%04d:%02d:%02d:%02d.%06d] id=%u proto=%s source=%s\n"
		"  flags=0x0, conn_retries=%u, conn_exp=%s conn_et=0x000 srv_conn=%p, pend_pos=%p waiting=%d epoch=0\n"
		"  frontend=%s (id=%d mode=%s), listener=%s (id=0) addr=%s\n"
		"%s%s"
		"  task=%p (state=0x00 nice=0 calls=%llu rate=0 exp=%s tmask=0x%lx age=%s)\n"
		"%s"
		"  scf=%p flags=0x%08x state=%s endp=CONN,%p,0x00000000 sub=0\n"
		"      co0=%p ctrl=%s xprt=%s mux=%s data=STRM target=LISTENER:%p\n"
		"      flags=0x00000000 fd=%d fd.state=0 updt=0 fd.tmask=0x%lx\n"
		"%s"
		"  req=%p (f=0x0 an=0x0 pipe=%d tofwd=0 total=%llu)\n"
		"      an_exp=<NEVER> rex=%s wex=<NEVER>\n"
		"      buf=%p data=%p o=0 p=0 i=%u size=%u\n"
		"  res=%p (f=0x0 an=0x0 pipe=%d tofwd=0 total=%llu)\n"
		"      an_exp=<NEVER> rex=%s wex=<NEVER>\n"
		"      buf=%p data=%p o=0 p=0 i=%u size=%u\n",
		si->ptr, tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		(int)d->accept_ms * 1000, d->uniq_id, proto, src,
		d->retries, sess_delay(d->conn_exp, t1, sizeof(t1)), d->server, d->queued ? si->ptr : NULL,
		d->queued,
		si->fe, d->fe_uuid, d->fe_http ? "http" : "tcp", d->li_name ? d->li_name : "?",
		sess_addr(&d->fe_addr, a1, sizeof(a1)),
		be, srv,
		d->task, (unsigned long long)si->calls, sess_delay(d->task_exp, t2, sizeof(t2)), tmask,
		human_age(si->age_ms, age, sizeof(age)),
		txn,
		d->cli.side, d->cli.flags, (d->cli.flags & (SIDE_SHUTR | SIDE_SHUTW)) == (SIDE_SHUTR | SIDE_SHUTW) ? "CLO" : "EST",
		d->cli.side, d->cli.side, proto, d->cli.tls ? "SSL" : "RAW", d->fe_http ? "H1" : "PASS", d->li,
		d->cli.fd, tmask,
		scb,
		d->req.chn, d->req.pipe, (unsigned long long)d->req.total, sess_delay(d->cli.exp, t3, sizeof(t3)),
		d->req.chn, d->req.area, d->req.data, d->req.size,
		d->res.chn, d->res.pipe, (unsigned long long)d->res.total, sess_delay(d->srvs.exp, t1, sizeof(t1)),
		d->res.chn, d->res.area, d->res.data, d->res.size) == 0;
}

/* Prints the admin session <ci> in the short form or, if <detail>, in
 * HAProxy 2.6's long form of a CLI stream: frontend GLOBAL, no backend, the
 * client connection on the stats socket's listener, the CLI applet on the
 * server side. Returns 0 if it did not fit.
 */
static int print_sess_cli(struct cli_session *s, const struct cli_sess_info *ci, int detail)
{
	static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char *proto = ci->is_unix ? "unix_stream" : ci->tcp6 ? "tcpv6" : "tcpv4";
	char age[32], exp[32];
	time_t sec = (time_t)ci->accept_sec;
	struct tm tm;

	human_age(ci->age_ms, age, sizeof(age));
	if (!detail)
		return cli_printf(s, "%p: proto=%s src=%s fe=GLOBAL be=<NONE> srv=<none> ts=00 age=%s calls=%llu tid=%d\n",
		                  ci->ptr, proto, ci->src, age, (unsigned long long)ci->calls, ci->tid) == 0;
	localtime_r(&sec, &tm);
	return cli_printf(s,
		"%p: [%02d/%s/%04d:%02d:%02d:%02d.%06d] id=%u proto=%s source=%s\n"
		"  flags=0x8, conn_retries=0, conn_exp=<NEVER> conn_et=0x000 srv_conn=(nil), pend_pos=(nil) waiting=0 epoch=0\n"
		"  frontend=GLOBAL (id=0 mode=tcp), listener=? (id=%d) addr=%s\n"
		"  backend=<NONE> (id=-1 mode=-)\n"
		"  server=<NONE> (id=-1)\n"
		"  task=%p (state=0x00 nice=-64 calls=%llu rate=0 exp=%s tmask=0x%lx age=%s)\n"
		"  scf=%p flags=0x00000000 state=EST endp=CONN,%p,0x00000000 sub=0\n"
		"      co0=%p ctrl=%s xprt=RAW mux=PASS data=STRM target=LISTENER:%p\n"
		"      flags=0x00000000 fd=%d fd.state=0 updt=0 fd.tmask=0x%lx\n"
		"  scb=%p flags=0x00000000 state=EST endp=APPCTX,%p,0x00000000 sub=0\n"
		"      app1=%p st0=0 st1=0 st2=0 applet=<CLI> tmask=0x%lx nice=-64 calls=%llu rate=0 cpu=0 lat=0\n"
		"  req=%p (f=0x0 an=0x0 pipe=0 tofwd=-1 total=%llu)\n"
		"      an_exp=<NEVER> rex=<NEVER> wex=<NEVER>\n"
		"      buf=%p data=%p o=0 p=0 i=%zu size=%zu\n"
		"  res=%p (f=0x0 an=0x0 pipe=0 tofwd=-1 total=%llu)\n"
		"      an_exp=<NEVER> rex=<NEVER> wex=<NEVER>\n"
		"      buf=%p data=%p o=%zu p=0 i=0 size=%zu\n",
		ci->ptr, tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		ci->accept_usec, ci->id, proto, ci->src,
		ci->luid, ci->addr,
		ci->task, (unsigned long long)ci->calls,
		ci->exp_ms ? human_age(ci->exp_ms, exp, sizeof(exp)) : "<NEVER>", 1UL << ci->tid, age,
		ci->ptr, ci->ptr, ci->ptr, proto, ci->listener, ci->fd, 1UL << ci->tid,
		ci->ptr, ci->ptr, ci->ptr, 1UL << ci->tid, (unsigned long long)ci->calls,
		ci->in_buf, (unsigned long long)ci->bytes_in, ci->in_buf, ci->in_buf, ci->in_len, ci->in_size,
		ci->out_buf, (unsigned long long)ci->bytes_out, ci->out_buf, ci->out_buf, ci->out_len,
		ci->out_size) == 0;
}

static int dump_show_sess(struct cli_session *s)
{
	struct sess_ctx *c = cli_ctx(s);

	for (; c->pos < c->n; c->pos++) {
		const struct stream_info *si = &c->si[c->pos];
		char src[ADDR_STRLEN], age[32];
		const char *proto;

		if (si->d) {
			if (!print_sess_detail(s, si))
				return 0;
			continue;
		}
		proto = sess_source(si, src, sizeof(src));
		if (cli_printf(s, "%p: proto=%s src=%s fe=%s be=%s srv=%s ts=00 age=%s calls=%llu tid=%d\n",
		               si->ptr, proto, src, si->fe, si->be ? si->be : "<NONE>",
		               si->srv[0] ? si->srv : "<none>", human_age(si->age_ms, age, sizeof(age)),
		               (unsigned long long)si->calls, si->tid) < 0)
			return 0;
	}
	for (; c->cpos < c->nci; c->cpos++)
		if (!print_sess_cli(s, &c->ci[c->cpos], c->detail))
			return 0;
	return 1;
}

static void release_show_sess(struct cli_session *s)
{
	struct sess_ctx *c = cli_ctx(s);

	free(c->ci);
	c->ci = NULL;
	free(c->si);
	c->si = NULL;
	free(c->d);
	c->d = NULL;
}

static int parse_shutdown_session(struct cli_session *s, int argc, char **args)
{
	unsigned long long v;
	char *end;

	if (argc < 3 || !*args[2])
		return cli_err(s, "Session pointer expected (use 'show sess').\n");
	errno = 0;
	v = strtoull(args[2], &end, 0);
	if (errno || *end || !v)
		return cli_err(s, "Session pointer expected (use 'show sess').\n");
	if (stream_shutdown((const void *)(uintptr_t)v) < 0)
		return cli_err(s, "No such session (use 'show sess').\n");
	return CLI_DONE;
}

static struct cli_kw stream_kws[] = {
	{ { "show", "sess", NULL }, "show sess [id]                          : report the list of current sessions or dump this exact session",
	  CLI_LVL_OPER, parse_show_sess, dump_show_sess, release_show_sess, NULL },
	{ { "shutdown", "session", NULL }, "shutdown session <id>                   : kill a specific session",
	  CLI_LVL_ADMIN, parse_shutdown_session, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list stream_kw_list = { stream_kws, NULL };

__attribute__((constructor)) static void cli_stream_register(void)
{
	cli_register(&stream_kw_list);
}
