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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tollgate/addr.h>
#include <tollgate/cli.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>

#define SESS_SLACK 64   /* snapshot room beyond the streams counted */

struct sess_ctx {
	struct stream_info *si;      /* snapshot (malloc'ed) */
	int n;                       /* streams in it */
	int pos;                     /* next to print */
};

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
	int max = (int)stream_count() + SESS_SLACK;

	for (int tries = 0; tries < 4; tries++) {
		int n;

		free(c->si);
		c->si = calloc((size_t)max, sizeof(*c->si));
		if (!c->si)
			return cli_msg(s, "Out of memory.\n");
		n = stream_snapshot(c->si, max);
		if (n <= max) {
			c->n = n;
			return CLI_DUMP;
		}
		max = n + SESS_SLACK;
	}
	/* streams keep being created faster than we copy: show what we have */
	c->n = max;
	return CLI_DUMP;
}

static int dump_show_sess(struct cli_session *s)
{
	struct sess_ctx *c = cli_ctx(s);

	for (; c->pos < c->n; c->pos++) {
		const struct stream_info *si = &c->si[c->pos];
		char src[ADDR_STRLEN], age[32];
		const char *proto = "?";

		if (si->cli_addr.kind == ADDR_INET) {
			proto = si->cli_addr.ss.ss_family == AF_INET6 ? "tcpv6" : "tcpv4";
			addr_format(&si->cli_addr, src, sizeof(src));
		} else {
			proto = "unix_stream";
			snprintf(src, sizeof(src), "unix");
		}
		if (cli_printf(s, "%p: proto=%s src=%s fe=%s be=%s srv=%s ts=00 age=%s calls=%llu tid=%d\n",
		               si->ptr, proto, src, si->fe, si->be ? si->be : "<NONE>",
		               si->srv[0] ? si->srv : "<none>", human_age(si->age_ms, age, sizeof(age)),
		               (unsigned long long)si->calls, si->tid) < 0)
			return 0;
	}
	return 1;
}

static void release_show_sess(struct cli_session *s)
{
	struct sess_ctx *c = cli_ctx(s);

	free(c->si);
	c->si = NULL;
}

static int parse_shutdown_session(struct cli_session *s, int argc, char **args)
{
	unsigned long long v;
	char *end;

	if (argc < 3 || !*args[2])
		return cli_msg(s, "Session pointer expected (use 'show sess').\n");
	errno = 0;
	v = strtoull(args[2], &end, 0);
	if (errno || *end || !v)
		return cli_msg(s, "Session pointer expected (use 'show sess').\n");
	if (stream_shutdown((const void *)(uintptr_t)v) < 0)
		return cli_msg(s, "No such session (use 'show sess').\n");
	return CLI_DONE;
}

static struct cli_kw stream_kws[] = {
	{ { "show", "sess", NULL }, "show sess                               : report the list of current streams",
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
