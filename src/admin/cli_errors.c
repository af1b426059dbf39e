/*
 * Admin socket: `show errors [<iid>|<proxy>] [request|response]`, the last
 * invalid request and response of each proxy (errsnap.h) in HAProxy's
 * layout: a header with the number of events captured since start-up,
 * then per capture its date, proxies, server, client, the position of the
 * error and the bytes received, one line of the message per line of dump
 * with its offset, escaped, long lines continued on "+" lines.
 *
 * The snapshots are copied under thread isolation when the command is
 * parsed (errsnap_copy()), then printed from the copy with back-pressure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tollgate/addr.h>
#include <tollgate/cli.h>
#include <tollgate/errsnap.h>
#include <tollgate/proxy.h>

#define DUMP_WIDTH 70   /* escaped message bytes per dump line, as HAProxy */

struct errors_ctx {
	struct err_snap *list;          /* copies, freed by release */
	struct err_snap *cur;           /* next to print */
	int iid;                        /* proxy id shown, -1: all */
	int dirs;                       /* 1 << ERRSNAP_REQ | 1 << ERRSNAP_RES shown */
	int in_dump;                    /* header of <cur> printed */
	size_t ofs;                     /* next byte of <cur> to dump */
	int cont;                       /* that byte continues a line ('+') */
};

/* Writes the date <sec>.<ms> as HAProxy's "07/Dec/2026:15:12:52.820". */
static const char *show_date(long long sec, int ms, char *buf, size_t size)
{
	static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)sec;
	struct tm tm;

	localtime_r(&t, &tm);
	snprintf(buf, size, "%02d/%s/%04d:%02d:%02d:%02d.%03d", tm.tm_mday, mon[tm.tm_mon],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return buf;
}

static void release_errors(struct cli_session *s)
{
	struct errors_ctx *c = cli_ctx(s);

	while (c->list) {
		struct err_snap *next = c->list->next;

		free(c->list);
		c->list = next;
	}
}

static int parse_show_errors(struct cli_session *s, int argc, char **args)
{
	struct errors_ctx *c = cli_ctx(s);
	char date[48];
	struct timespec ts;
	int oom;

	c->iid = -1;
	c->dirs = 3;
	if (argc > 2) {
		const struct proxy *px = proxy_find(args[2], 0);

		c->iid = px ? px->uuid : atoi(args[2]);
		if (!c->iid)
			return cli_err(s, "No such proxy.\n");
	}
	if (argc > 3 && strcmp(args[3], "request") == 0)
		c->dirs = 1 << ERRSNAP_REQ;
	else if (argc > 3 && strcmp(args[3], "response") == 0)
		c->dirs = 1 << ERRSNAP_RES;
	clock_gettime(CLOCK_REALTIME, &ts);
	cli_printf(s, "Total events captured on [%s] : %u\n",
	           show_date(ts.tv_sec, (int)(ts.tv_nsec / 1000000), date, sizeof(date)), errsnap_total());
	c->list = c->cur = errsnap_copy(&oom);
	if (oom)
		cli_printf(s, "Out of memory: some captures are not shown.\n");
	return CLI_DUMP;
}

/* Prints the header of <e>. Returns 0 if it did not fit. */
static int print_header(struct cli_session *s, const struct err_snap *e)
{
	char date[48], src[ADDR_STRLEN];
	int req = e->dir == ERRSNAP_REQ;

	if (e->src.kind == ADDR_INET)
		addr_format(&e->src, src, sizeof(src));
	else
		snprintf(src, sizeof(src), "unix:%d", 0);
	return cli_printf(s, " \n[%s] %s %s (#%d): invalid %s\n"
	                  "  %s %s (#%d), server %s (#%d), event #%u, src %s\n"
	                  "  buffer starts at 0 (including 0 out), %zu free,\n"
	                  "  len %zu, wraps at %u, error at position %u\n"
	                  "  H1 connection flags 0x00000000, H1 stream flags 0x00000000\n"
	                  "  H1 msg state %s(%d), H1 msg flags 0x00000000\n"
	                  "  H1 chunk len 0 bytes, H1 body len 0 bytes :\n"
	                  "  \n",
	                  show_date(e->sec, e->ms, date, sizeof(date)), req ? "frontend" : "backend",
	                  e->px, e->uuid, req ? "request" : "response", req ? "backend" : "frontend",
	                  e->oe_uuid >= 0 ? e->oe : "<NONE>", e->oe_uuid,
	                  e->srv_puid >= 0 ? e->srv : "<NONE>", e->srv_puid, e->event, src,
	                  e->bufsize > e->len ? e->bufsize - e->len : 0, e->len, e->bufsize,
	                  e->pos, e->state_name, e->state) == 0;
}

/* Escapes the bytes of <e> from *<ofs> into <out> (DUMP_WIDTH at most,
 * ending after a LF), advancing *<ofs>. Returns 1 if the line ended with
 * a LF (or the data), 0 if it continues.
 */
static int escape_line(const struct err_snap *e, size_t *ofs, char *out)
{
	size_t n = 0;

	while (*ofs < e->len) {
		unsigned char ch = (unsigned char)e->data[*ofs];
		char esc[8];

		if (ch == '\t' || ch == '\r' || ch == '\n' || ch == '\\')
			snprintf(esc, sizeof(esc), "\\%c", ch == '\t' ? 't' : ch == '\r' ? 'r' : ch == '\n' ? 'n' : '\\');
		else if (ch < 0x20 || ch >= 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02X", ch);
		else
			snprintf(esc, sizeof(esc), "%c", ch);
		if (n && n + strlen(esc) > DUMP_WIDTH)
			return 0;
		memcpy(out + n, esc, strlen(esc) + 1);
		n += strlen(esc);
		(*ofs)++;
		if (ch == '\n')
			return 1;
	}
	return 1;
}

static int dump_errors(struct cli_session *s)
{
	struct errors_ctx *c = cli_ctx(s);

	for (; c->cur; c->cur = c->cur->next, c->in_dump = 0) {
		const struct err_snap *e = c->cur;

		if (!(c->dirs & (1 << e->dir)) ||
		    (c->iid >= 0 && e->uuid != c->iid && e->oe_uuid != c->iid))
			continue;
		if (!c->in_dump) {
			if (!print_header(s, e))
				return 0;
			c->in_dump = 1;
			c->ofs = 0;
			c->cont = 0;
		}
		while (c->ofs < e->len) {
			char line[DUMP_WIDTH + 8];
			size_t ofs = c->ofs;
			int ended = escape_line(e, &ofs, line);

			if (cli_printf(s, "  %05zu%c %s\n", c->ofs, c->cont ? '+' : ' ', line) < 0)
				return 0;
			c->ofs = ofs;
			c->cont = !ended;
		}
	}
	return 1;
}

static struct cli_kw errors_kws[] = {
	{ { "show", "errors", NULL }, "show errors [<px>] [request|response]   : report last request and/or response errors for each proxy",
	  CLI_LVL_OPER, parse_show_errors, dump_errors, release_errors, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list errors_kw_list = { errors_kws, NULL };

__attribute__((constructor)) static void cli_errors_register(void)
{
	cli_register(&errors_kw_list);
}
