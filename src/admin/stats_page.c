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
 * it): ";csv" the CSV export (text/plain), else the HTML page (text/html);
 * ";norefresh" no automatic refresh. The HTML page is self-contained (inline
 * CSS, no script, no external resource), and every text that comes from the
 * configuration (names, check descriptions) is HTML-escaped.
 *
 * Threading and cost: render() runs on the stream's thread and reads what
 * `show stat` reads, without a lock (stat_rows.h). It walks the rows once,
 * O(rows x threads), into one buffer that doubles as it grows (outbuf.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/compiler.h>
#include <tollgate/http_service.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>

#include "outbuf.h"
#include "stat_rows.h"

#define STATS_CTYPE_CSV  "text/plain"
#define STATS_CTYPE_HTML "text/html"

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
};

/* The columns, in HAProxy's order (its session rate, last change, downtime
 * and throttle columns aside: `show stat` has no value for them).
 */
static const struct stats_col stats_cols[] = {
	{ "Queue", "Cur", "qcur" }, { NULL, "Max", "qmax" }, { NULL, "Limit", "qlimit" },
	{ "Sessions", "Cur", "scur" }, { NULL, "Max", "smax" }, { NULL, "Limit", "slim" },
	{ NULL, "Total", "stot" }, { NULL, "LbTot", "lbtot" },
	{ "Bytes", "In", "bin" }, { NULL, "Out", "bout" },
	{ "Denied", "Req", "dreq" }, { NULL, "Resp", "dresp" },
	{ "Errors", "Req", "ereq" }, { NULL, "Conn", "econ" }, { NULL, "Resp", "eresp" },
	{ "Warnings", "Retr", "wretr" }, { NULL, "Redis", "wredis" },
	{ "Server", "Status", "status" }, { NULL, "LastChk", "check_status" }, { NULL, "Wght", "weight" },
	{ NULL, "Act", "act" }, { NULL, "Bck", "bck" }, { NULL, "Chk", "chkfail" }, { NULL, "Dwn", "chkdown" },
};

/* Returns 1 if the URI after the prefix in <a> has <opt> (";csv"...). */
static int stats_opt(const struct http_service_args *a, const char *opt)
{
	return a->qlen && memmem(a->query, a->qlen, opt, strlen(opt)) != NULL;
}

/* ---- CSV ---- */

/* Appends the CSV line of row <r> (the header line if NULL) to <b>. */
static void put_csv_line(struct outbuf *b, const struct stat_row *r)
{
	for (size_t want = OUTBUF_FIRST;; want *= 2) {
		int n;

		if (outbuf_room(b, want) < 0)
			return;
		/* the byte past the room keeps the NUL outbuf.h promises */
		n = stat_csv_line(r, b->p + b->len, b->size - b->len - 1);
		if (n >= 0) {
			b->len += (size_t)n;
			b->p[b->len] = '\0';
			return;
		}
	}
}

/* stat_rows_foreach() callback: appends the CSV line of <r>. */
static int csv_row(const struct stat_row *r, void *arg)
{
	struct outbuf *b = arg;

	put_csv_line(b, r);
	return b->err ? -ENOMEM : 0;
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

/* Appends a link to <prefix><opt> (the prefix escaped) reading <text>. */
static void put_link(struct outbuf *b, const char *prefix, const char *opt, const char *text)
{
	outbuf_puts(b, "<li><a href=\"");
	put_html(b, prefix);
	outbuf_printf(b, "%s\">%s</a></li>\n", opt, text);
}

/* Appends the head of the page and its first block: the process, the
 * legend, the links.
 */
static void put_summary(const struct http_service_args *a, struct outbuf *b, int norefresh)
{
	const char *prefix = a->uri_prefix ? a->uri_prefix : "";
	struct stat_info inf;

	stat_info_fill(&inf);
	outbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
	if (a->refresh && !norefresh)
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
	put_link(b, prefix, norefresh ? ";norefresh" : "", "Refresh now");
	if (a->refresh)
		put_link(b, prefix, norefresh ? "" : ";norefresh", norefresh ? "Enable refresh" : "Disable refresh");
	put_link(b, prefix, ";csv", "CSV export");
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
 * stat` has none; the check's status with its code, its description in
 * a tooltip.
 */
static void put_cell(struct outbuf *b, const struct stat_row *r, const struct stats_col *c)
{
	const char *v = stat_row_get(r, c->col);

	if (strcmp(c->col, "check_status") || !*v) {
		outbuf_puts(b, "<td>");
		put_html(b, v);
		outbuf_puts(b, "</td>");
		return;
	}
	outbuf_puts(b, "<td title=\"");
	put_html(b, stat_row_get(r, "check_desc"));
	outbuf_puts(b, "\">");
	put_html(b, v);
	if (*stat_row_get(r, "check_code")) {
		outbuf_puts(b, "/");
		put_html(b, stat_row_get(r, "check_code"));
	}
	outbuf_puts(b, "</td>");
}

/* The walk of the rows (html_row()). */
struct stats_walk {
	struct outbuf *b;            /* the page */
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

/* Appends the whole HTML page for <a> to <b>. Returns 0 or -ENOMEM. */
static int put_page(const struct http_service_args *a, struct outbuf *b)
{
	struct stats_walk w = { .b = b };
	int ret;

	put_summary(a, b, stats_opt(a, ";norefresh"));
	ret = stat_rows_foreach(html_row, &w);
	if (w.px)
		outbuf_puts(b, "</table>\n");
	outbuf_puts(b, "</body>\n</html>\n");
	return ret;
}

/* ---- the service ---- */

/* Renders the page or the CSV export that <a> asks for into a malloc'ed
 * <*body> of <*len> bytes, type <*ctype>. Returns 0 or -ENOMEM (nothing
 * allocated is left). Any thread.
 */
static int stats_render(const struct http_service_args *a, char **body, size_t *len, const char **ctype)
{
	struct outbuf b = { NULL };
	int csv = stats_opt(a, ";csv");
	int ret;

	if (csv) {
		put_csv_line(&b, NULL);
		ret = stat_rows_foreach(csv_row, &b);
	} else {
		ret = put_page(a, &b);
	}
	if (ret < 0 || b.err) {
		free(b.p);
		return -ENOMEM;
	}
	*body = b.p;
	*len = b.len;
	*ctype = csv ? STATS_CTYPE_CSV : STATS_CTYPE_HTML;
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
