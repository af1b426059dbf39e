/*
 * The statistics page (`stats enable`, `stats uri`): HAProxy's HTML report
 * of the process and of every frontend, backend and server, and its CSV
 * export. An internal HTTP service ("stats"), which the HTTP engine calls
 * for a request under the `stats uri` once it has checked `stats auth`.
 *
 * The page is rendered from the values `show info` and `show stat` print
 * (stat_rows.h), so the page, the CLI and the Prometheus exporter always
 * agree, and the CSV export is `show stat`'s output byte for byte: both
 * write their lines with stat_csv_line().
 *
 * What the URI after the prefix asks for, as HAProxy reads it (anywhere in
 * it, stats_parse_req()): the format, ";csv" the CSV export (text/plain),
 * ";typed" `show stat typed`'s lines (text/plain), ";json" `show stat
 * json`'s array and ";json-schema" its schema (application/json), else the
 * HTML page (text/html); ";up" hides the servers down or in maintenance,
 * ";no-maint" those in maintenance; "scope=<text>" keeps only the proxies
 * whose name holds <text> (any case; the page's scope box submits it);
 * ";norefresh" no automatic refresh. The page's controls link to these
 * options, carrying the ones in force. The HTML page is self-contained
 * (inline CSS, no script, no external resource), and every text that comes
 * from the configuration (names, check descriptions) is HTML-escaped.
 *
 * Threading and cost: render() runs on the stream's thread and reads what
 * `show stat` reads, without a lock (stat_rows.h). It walks the rows once,
 * O(rows x threads), into one buffer that doubles as it grows (outbuf.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tollgate/compiler.h>
#include <tollgate/http_service.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>

#include "outbuf.h"
#include "stat_rows.h"

#define STATS_CTYPE_CSV  "text/plain"
#define STATS_CTYPE_HTML "text/html"
#define STATS_CTYPE_JSON "application/json"

#define STATS_SCOPE_MAX 20           /* bytes of a scope kept, as HAProxy's */

/* What a request asks for (stats_parse_req()). */
struct stats_req {
	enum { SR_HTML, SR_CSV, SR_TYPED, SR_JSON, SR_SCHEMA } fmt; /* the answer */
	int hide;                        /* STAT_HIDE_*: ";up", ";no-maint" */
	int norefresh;                   /* ";norefresh" (with `stats refresh` only) */
	char scope[STATS_SCOPE_MAX + 1]; /* "scope=" text, "" for all proxies */
};

/* HAProxy's colours, by the class names of its page. */
static const char stats_css[] =
	"body{font-family:arial,helvetica,sans-serif;font-size:12px;color:#000;background:#fff}\n"
	"h1{font-size:x-large;margin:0 0 .5em}\n"
	"h1 .ver{font-size:medium;font-weight:normal}\n"
	"h2{font-size:large;margin:1em 0 .3em}\n"
	"h3{font-size:medium;margin:1.2em 0 .2em}\n"
	"table{border-collapse:collapse}\n"
	"table.hdr td{vertical-align:top;padding-right:3em}\n"
	"table.lgd td{border:1px solid #808080;padding:1px 4px}\n"
	"table.tbl td,table.tbl th{border:1px solid #808080;padding:1px 4px;text-align:right;white-space:nowrap}\n"
	"table.tbl td.name{text-align:left}\n"
	".titre{background:#20d0d0;color:#000}\n"
	".frontend,.backend{background:#e8e8d0}\n"
	".backend{font-weight:bold}\n"
	".active_up{background:#c0ffc0}\n"
	".backup_up{background:#b0d0ff}\n"
	".active_down,.backup_down{background:#ff9090}\n"
	".maintain{background:#c07820}\n"
	".draining{background:#20a0ff}\n"
	".active_no_check,.backup_no_check{background:#e0e0e0}\n";

/* The legend: a row class and what it means. */
static const char *const stats_legend[][2] = {
	{ "active_up", "active UP" },
	{ "backup_up", "backup UP" },
	{ "active_down", "active or backup DOWN" },
	{ "maintain", "active or backup in maintenance (MAINT)" },
	{ "draining", "active or backup draining (DRAIN)" },
	{ "active_no_check", "not checked" },
};

/* A column of a proxy's table: a `show stat` column under a group title. */
struct stats_col {
	const char *group;           /* group title on the group's first column, NULL on the others */
	const char *title;           /* column title */
	const char *col;             /* `show stat` column */
	int duration;                /* seconds, shown as HAProxy's "1h2m" */
};

/* HAProxy's columns, in its order; the Status cell starts with the time
 * since the last change (lastchg), as HAProxy's.
 */
static const struct stats_col stats_cols[] = {
	{ "Queue", "Cur", "qcur", 0 }, { NULL, "Max", "qmax", 0 }, { NULL, "Limit", "qlimit", 0 },
	{ "Session rate", "Cur", "rate", 0 }, { NULL, "Max", "rate_max", 0 }, { NULL, "Limit", "rate_lim", 0 },
	{ "Sessions", "Cur", "scur", 0 }, { NULL, "Max", "smax", 0 }, { NULL, "Limit", "slim", 0 },
	{ NULL, "Total", "stot", 0 }, { NULL, "LbTot", "lbtot", 0 }, { NULL, "Last", "lastsess", 1 },
	{ "Bytes", "In", "bin", 0 }, { NULL, "Out", "bout", 0 },
	{ "Denied", "Req", "dreq", 0 }, { NULL, "Resp", "dresp", 0 },
	{ "Errors", "Req", "ereq", 0 }, { NULL, "Conn", "econ", 0 }, { NULL, "Resp", "eresp", 0 },
	{ "Warnings", "Retr", "wretr", 0 }, { NULL, "Redis", "wredis", 0 },
	{ "Server", "Status", "status", 0 }, { NULL, "LastChk", "check_status", 0 }, { NULL, "Wght", "weight", 0 },
	{ NULL, "Act", "act", 0 }, { NULL, "Bck", "bck", 0 }, { NULL, "Chk", "chkfail", 0 }, { NULL, "Dwn", "chkdown", 0 },
	{ NULL, "Dwntme", "downtime", 1 }, { NULL, "Thrtle", "throttle", 0 },
};

/* Writes <secs> (a decimal string) as HAProxy's human_time() does, its two
 * largest units ("1d2h", "3m4s", "0s"), into <out> of <room> bytes.
 */
static void stats_duration(const char *secs, char *out, size_t room)
{
	unsigned long long t = strtoull(secs, NULL, 10);
	size_t n = 0;
	int cnt = 2;

	out[0] = '\0';
	if (t >= 86400) {
		n += (size_t)snprintf(out + n, room - n, "%llud", t / 86400);
		cnt--;
	}
	if (cnt && t % 86400 / 3600 && n < room) {
		n += (size_t)snprintf(out + n, room - n, "%lluh", t % 86400 / 3600);
		cnt--;
	}
	if (cnt && t % 3600 / 60 && n < room) {
		n += (size_t)snprintf(out + n, room - n, "%llum", t % 3600 / 60);
		cnt--;
	}
	if (((cnt && t % 60) || !t) && n < room)
		snprintf(out + n, room - n, "%llus", t % 60);
}

/* Returns 1 if the URI after the prefix in <a> has <opt> (";csv"...). */
static int stats_opt(const struct http_service_args *a, const char *opt)
{
	return a->qlen && memmem(a->query, a->qlen, opt, strlen(opt)) != NULL;
}

/* Fills <r> from the URI after the prefix in <a>, as HAProxy reads it: each
 * option anywhere in it; the scope up to the next ';', '&', ' ' or the end,
 * cut at STATS_SCOPE_MAX bytes and ignored if it has a byte other than
 * letters, digits, '.', '_', '-' and ':'.
 */
static void stats_parse_req(const struct http_service_args *a, struct stats_req *r)
{
	const char *sc = a->qlen ? memmem(a->query, a->qlen, "scope=", 6) : NULL;

	memset(r, 0, sizeof(*r));
	r->fmt = stats_opt(a, ";json-schema") ? SR_SCHEMA : stats_opt(a, ";json") ? SR_JSON :
	         stats_opt(a, ";typed") ? SR_TYPED : stats_opt(a, ";csv") ? SR_CSV : SR_HTML;
	r->hide = (stats_opt(a, ";up") ? STAT_HIDE_DOWN : 0) | (stats_opt(a, ";no-maint") ? STAT_HIDE_MAINT : 0);
	r->norefresh = a->refresh && stats_opt(a, ";norefresh");
	if (sc) {
		const char *end = a->query + a->qlen;
		size_t n = 0;

		for (sc += 6; sc + n < end && !strchr(";& ", sc[n]); n++)
			;
		n = n > STATS_SCOPE_MAX ? STATS_SCOPE_MAX : n;
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)sc[i]) && !strchr("._-:", sc[i]))
				n = 0;
		memcpy(r->scope, sc, n);
		r->scope[n] = '\0';
	}
}

/* 1 if proxy <px> is within the scope of <r> (its name holds the scope, in
 * any case).
 */
static int stats_in_scope(const struct stats_req *r, const struct proxy *px)
{
	return !r->scope[0] || strcasestr(px->id, r->scope) != NULL;
}

/* ---- CSV ---- */

/* Appends row <r> in format <fmt> (stat_row_format(); the CSV header line
 * if <r> is NULL) to <b>, preceded by a comma in JSON unless <first>.
 */
static void put_row(struct outbuf *b, const struct stat_row *r, enum stat_fmt fmt, int first)
{
	for (size_t want = OUTBUF_FIRST;; want *= 2) {
		int n;

		if (outbuf_room(b, want) < 0)
			return;
		/* the byte past the room keeps the NUL outbuf.h promises */
		n = r ? stat_row_format(r, fmt, first, 0, b->p + b->len, b->size - b->len - 1)
		      : stat_csv_line(NULL, b->p + b->len, b->size - b->len - 1);
		if (n >= 0) {
			b->len += (size_t)n;
			b->p[b->len] = '\0';
			return;
		}
	}
}

/* The walk of the rows in a text or JSON format (text_row()). */
struct stats_text {
	struct outbuf *b;            /* the answer */
	const struct stats_req *req; /* what was asked */
	enum stat_fmt fmt;           /* its format */
	int rows;                    /* rows written */
};

/* stat_rows_foreach() callback: appends row <r> if in the scope. */
static int text_row(const struct stat_row *r, void *arg)
{
	struct stats_text *w = arg;

	if (!stats_in_scope(w->req, stat_row_proxy(r)))
		return 0;
	put_row(w->b, r, w->fmt, !w->rows++);
	return w->b->err ? -ENOMEM : 0;
}

/* Appends the answer in the text or JSON format of <req> to <b>: `show
 * stat`'s output in that format, without the CLI's final empty line.
 * Returns 0 or -ENOMEM.
 */
static int put_text(const struct stats_req *req, struct outbuf *b)
{
	struct stats_text w = { .b = b, .req = req,
	                        .fmt = req->fmt == SR_JSON ? FMT_JSON : req->fmt == SR_TYPED ? FMT_TYPED : FMT_PLAIN };
	int ret;

	if (req->fmt == SR_SCHEMA) {
		outbuf_put(b, stat_json_schema, stat_json_schema_len);
		return 0;
	}
	if (w.fmt == FMT_PLAIN)
		put_row(b, NULL, FMT_PLAIN, 1);
	else if (w.fmt == FMT_JSON)
		outbuf_puts(b, "[");
	ret = stat_rows_foreach(req->hide, text_row, &w);
	if (w.fmt == FMT_JSON)
		outbuf_puts(b, "]\n");
	return ret;
}

/* ---- HTML ---- */

/* Appends <s> to <b>, HTML-escaped (& < > " ' as character references):
 * safe in text and in a quoted attribute value.
 */
static void put_html(struct outbuf *b, const char *s)
{
	for (size_t n; *s; s += n + 1) {
		n = strcspn(s, "&<>\"'");
		outbuf_put(b, s, n);
		switch (s[n]) {
		case '\0': return;
		case '&':  outbuf_puts(b, "&amp;"); break;
		case '<':  outbuf_puts(b, "&lt;"); break;
		case '>':  outbuf_puts(b, "&gt;"); break;
		case '"':  outbuf_puts(b, "&quot;"); break;
		default:   outbuf_puts(b, "&#39;"); break;
		}
	}
}

/* Appends a control of the page: a link to the stats URI of <a> followed
 * by <opt1>, <opt2> and, if <scoped>, the scope of <r> ("?scope=be"),
 * reading <text>; <extra> (HTML) follows the link in its item.
 */
static void put_ctl(struct outbuf *b, const struct http_service_args *a, const struct stats_req *r,
                    const char *opt1, const char *opt2, int scoped, const char *text, const char *extra)
{
	outbuf_puts(b, "<li><a href=\"");
	put_html(b, a->uri_prefix ? a->uri_prefix : "");
	outbuf_printf(b, "%s%s%s%s\">%s</a>%s</li>\n", opt1, opt2, scoped && r->scope[0] ? "?scope=" : "",
	              scoped ? r->scope : "", text, extra);
}

/* Appends the page's controls, HAProxy's: the scope box (a form whose
 * submission asks for "?scope=<text>"), hide or show the servers DOWN,
 * disable or enable the refresh, refresh now, the CSV and JSON exports.
 */
static void put_controls(struct outbuf *b, const struct http_service_args *a, const struct stats_req *r)
{
	const char *up = (r->hide & STAT_HIDE_DOWN) ? ";up" : "";
	const char *norefresh = r->norefresh ? ";norefresh" : "";
	const char *export_norefresh = a->refresh ? ";norefresh" : "";

	outbuf_printf(b, "<li><form method=\"GET\">Scope : <input value=\"%s\" name=\"scope\" size=\"8\" maxlength=\"%d\" tabindex=\"1\"></form></li>\n",
	              r->scope, STATS_SCOPE_MAX);
	if (r->hide & STAT_HIDE_DOWN)
		put_ctl(b, a, r, "", norefresh, 1, "Show all servers", "");
	else
		put_ctl(b, a, r, ";up", norefresh, 1, "Hide 'DOWN' servers", "");
	if (a->refresh)
		put_ctl(b, a, r, up, r->norefresh ? "" : ";norefresh", 1,
		        r->norefresh ? "Enable refresh" : "Disable refresh", "");
	put_ctl(b, a, r, up, norefresh, 1, "Refresh now", "");
	put_ctl(b, a, r, ";csv", export_norefresh, 1, "CSV export", "");
	outbuf_puts(b, "<li><a href=\"");
	put_html(b, a->uri_prefix ? a->uri_prefix : "");
	outbuf_printf(b, ";json%s%s%s\">JSON export</a> (<a href=\"", export_norefresh,
	              r->scope[0] ? "?scope=" : "", r->scope);
	put_html(b, a->uri_prefix ? a->uri_prefix : "");
	outbuf_puts(b, ";json-schema\">schema</a>)</li>\n");
}

/* Appends the head of the page and its first block: the process, the
 * legend, the links.
 */
static void put_summary(const struct http_service_args *a, const struct stats_req *r, struct outbuf *b)
{
	struct stat_info inf;

	stat_info_fill(&inf);
	outbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
	if (a->refresh && !r->norefresh)
		outbuf_printf(b, "<meta http-equiv=\"refresh\" content=\"%u\">\n", a->refresh);
	outbuf_printf(b, "<title>Statistics Report for Tollgate</title>\n<style>\n%s</style>\n</head>\n<body>\n",
	              stats_css);
	outbuf_puts(b, "<h1>Statistics Report for Tollgate");
	if (!a->hide_version) {
		outbuf_puts(b, " <span class=\"ver\">version ");
		put_html(b, stat_info_get(&inf, "Version"));
		outbuf_puts(b, "</span>");
	}
	outbuf_puts(b, "</h1>\n<table class=\"hdr\"><tr><td>\n<h2>General process information</h2>\n");
	outbuf_printf(b, "<p><b>pid = </b>%s (process #1, nbproc = 1, nbthread = %s)<br>\n",
	              stat_info_get(&inf, "Pid"), stat_info_get(&inf, "Nbthread"));
	outbuf_printf(b, "<b>uptime = </b>%s<br>\n", stat_info_get(&inf, "Uptime"));
	outbuf_printf(b, "<b>system limits:</b> maxconn = %s<br>\n", stat_info_get(&inf, "Maxconn"));
	outbuf_printf(b, "<b>current conns = </b>%s; <b>conn rate = </b>%s/sec; <b>total conns = </b>%s<br>\n",
	              stat_info_get(&inf, "CurrConns"), stat_info_get(&inf, "ConnRate"),
	              stat_info_get(&inf, "CumConns"));
	outbuf_printf(b, "<b>Running tasks:</b> %s/%s; <b>idle = </b>%s %%</p>\n",
	              stat_info_get(&inf, "Run_queue"), stat_info_get(&inf, "Tasks"),
	              stat_info_get(&inf, "Idle_pct"));

	outbuf_puts(b, "</td><td>\n<h2>Legend</h2>\n<table class=\"lgd\">\n");
	for (size_t i = 0; i < ARRAY_SIZE(stats_legend); i++)
		outbuf_printf(b, "<tr><td class=\"%s\">&nbsp;&nbsp;&nbsp;&nbsp;</td><td>%s</td></tr>\n",
		              stats_legend[i][0], stats_legend[i][1]);

	outbuf_puts(b, "</table>\n</td><td>\n<h2>Display options</h2>\n<ul>\n");
	put_controls(b, a, r);
	outbuf_puts(b, "</ul>\n</td></tr></table>\n");
}

/* Opens the table of proxy <px>: its name, the two title rows. */
static void put_table_head(struct outbuf *b, const struct proxy *px)
{
	outbuf_puts(b, "<h3>");
	put_html(b, px->id);
	outbuf_puts(b, "</h3>\n<table class=\"tbl\">\n<tr class=\"titre\"><th rowspan=\"2\"></th>");
	for (size_t i = 0; i < ARRAY_SIZE(stats_cols); i++) {
		size_t span = 1;

		if (!stats_cols[i].group)
			continue;
		while (i + span < ARRAY_SIZE(stats_cols) && !stats_cols[i + span].group)
			span++;
		outbuf_printf(b, "<th colspan=\"%zu\">%s</th>", span, stats_cols[i].group);
	}
	outbuf_puts(b, "</tr>\n<tr class=\"titre\">");
	for (size_t i = 0; i < ARRAY_SIZE(stats_cols); i++)
		outbuf_printf(b, "<th>%s</th>", stats_cols[i].title);
	outbuf_puts(b, "</tr>\n");
}

/* Returns the class of row <r> of `show stat` type <type>: HAProxy's. */
static const char *row_class(const struct stat_row *r, int type)
{
	const char *st = stat_row_get(r, "status");
	int bck = !strcmp(stat_row_get(r, "bck"), "1");

	if (type != 2)
		return type == 1 ? "backend" : "frontend";
	if (!strcmp(st, "MAINT"))
		return "maintain";
	if (!strcmp(st, "DRAIN"))
		return "draining";
	if (!strcmp(st, "no check"))
		return bck ? "backup_no_check" : "active_no_check";
	if (!strcmp(st, "UP"))
		return bck ? "backup_up" : "active_up";
	return bck ? "backup_down" : "active_down";
}

/* Appends the cell of column <c> of row <r>: its value, empty where `show
 * stat` has none; durations as HAProxy writes them; the status after the
 * time since the last change; the check's status with its code, its
 * description in a tooltip.
 */
static void put_cell(struct outbuf *b, const struct stat_row *r, const struct stats_col *c)
{
	const char *v = stat_row_get(r, c->col);
	char t[32];

	if (!strcmp(c->col, "check_status") && *v) {
		outbuf_puts(b, "<td title=\"");
		put_html(b, stat_row_get(r, "check_desc"));
		outbuf_puts(b, "\">");
		put_html(b, v);
		if (*stat_row_get(r, "check_code")) {
			outbuf_puts(b, "/");
			put_html(b, stat_row_get(r, "check_code"));
		}
		outbuf_puts(b, "</td>");
		return;
	}
	outbuf_puts(b, "<td>");
	if (!strcmp(c->col, "status") && *stat_row_get(r, "lastchg") && strcmp(v, "no check")) {
		stats_duration(stat_row_get(r, "lastchg"), t, sizeof(t));
		outbuf_printf(b, "%s ", t);
	}
	if (c->duration && *v) {
		stats_duration(v, t, sizeof(t));
		v = t;
	}
	put_html(b, v);
	outbuf_puts(b, "</td>");
}

/* The walk of the rows (html_row()). */
struct stats_walk {
	struct outbuf *b;            /* the page */
	const struct stats_req *req; /* what was asked */
	const struct proxy *px;      /* proxy whose table is open, NULL before the first */
};

/* stat_rows_foreach() callback: appends the line of <r>, after opening
 * its proxy's table (closing the previous one) on the proxy's first row.
 */
static int html_row(const struct stat_row *r, void *arg)
{
	struct stats_walk *w = arg;
	const struct proxy *px = stat_row_proxy(r);
	const struct server *sv = stat_row_server(r);
	int type = atoi(stat_row_get(r, "type"));

	if (!stats_in_scope(w->req, px))
		return 0;
	if (px != w->px) {
		if (w->px)
			outbuf_puts(w->b, "</table>\n");
		put_table_head(w->b, px);
		w->px = px;
	}
	outbuf_printf(w->b, "<tr class=\"%s\"><td class=\"name\">", row_class(r, type));
	/* the server's own name: `show stat`'s svname is cut at 63 bytes */
	put_html(w->b, sv ? sv->id : type == 1 ? "Backend" : "Frontend");
	outbuf_puts(w->b, "</td>");
	for (size_t i = 0; i < ARRAY_SIZE(stats_cols); i++)
		put_cell(w->b, r, &stats_cols[i]);
	outbuf_puts(w->b, "</tr>\n");
	return w->b->err ? -ENOMEM : 0;
}

/* Appends the whole HTML page for <a> and <req> to <b>. Returns 0 or
 * -ENOMEM.
 */
static int put_page(const struct http_service_args *a, const struct stats_req *req, struct outbuf *b)
{
	struct stats_walk w = { .b = b, .req = req };
	int ret;

	put_summary(a, req, b);
	ret = stat_rows_foreach(req->hide, html_row, &w);
	if (w.px)
		outbuf_puts(b, "</table>\n");
	outbuf_puts(b, "</body>\n</html>\n");
	return ret;
}

/* ---- the service ---- */

/* Renders the page or the export that <a> asks for into a malloc'ed
 * <*body> of <*len> bytes, type <*ctype>. Returns 0 or -ENOMEM (nothing
 * allocated is left). Any thread.
 */
static int stats_render(const struct http_service_args *a, char **body, size_t *len, const char **ctype)
{
	struct outbuf b = { NULL };
	struct stats_req req;
	int ret;

	stats_parse_req(a, &req);
	ret = req.fmt == SR_HTML ? put_page(a, &req, &b) : put_text(&req, &b);
	if (ret < 0 || b.err) {
		free(b.p);
		return -ENOMEM;
	}
	*body = b.p;
	*len = b.len;
	*ctype = req.fmt == SR_HTML ? STATS_CTYPE_HTML :
	         req.fmt == SR_JSON || req.fmt == SR_SCHEMA ? STATS_CTYPE_JSON : STATS_CTYPE_CSV;
	return 0;
}

static struct http_service stats_service = {
	.name = "stats",
	.internal = 1,
	.render = stats_render,
};

__attribute__((constructor)) static void stats_page_register(void)
{
	http_service_register(&stats_service);
}
