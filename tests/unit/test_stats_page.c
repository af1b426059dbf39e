/*
 * Unit tests of the statistics page (src/admin/stats_page.c), through its
 * registered service: a configuration parsed by the real parser (a mode
 * http frontend, a backend with a checked, a backup and a disabled server,
 * a mode tcp listen, a backend and a server whose names need escaping),
 * then the CSV export checked against `show
 * stat`'s own CSV writer and the HTML page checked for its names, its
 * escaping, its refresh, its version and its links.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/global.h>
#include <tollgate/http_service.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/version.h>

#include "../../src/admin/stat_rows.h"
#include "helpers/cfgtest.h"

/* The odd backend is `a<b&"c'd`, its server `x>y`. */
static const char cfg_text[] =
	"frontend fe\n"
	"  mode http\n"
	"  maxconn 500\n"
	"  bind 127.0.0.1:18080\n"
	"  default_backend be\n"
	"backend be\n"
	"  mode http\n"
	"  server s1 127.0.0.1:18081 check\n"
	"  server s2 127.0.0.1:18082 maxconn 10 backup\n"
	"  server s3 127.0.0.1:18083 disabled\n"
	"listen tcpl\n"
	"  mode tcp\n"
	"  bind 127.0.0.1:18090\n"
	"  server t1 127.0.0.1:18091\n"
	"backend a<b&\\\"c\\'d\n"
	"  server x>y 127.0.0.1:18093\n";

static const struct http_service *svc;

/* ---- helpers ---- */

/* Renders <a>; checks its content type is <ctype>. Returns the body as
 * a string (free() it).
 */
static char *render_args(const struct http_service_args *a, const char *ctype)
{
	const char *type = NULL;
	char *body = NULL, *text;
	size_t len = 0;

	assert_int_equal(svc->render(a, &body, &len, &type), 0);
	assert_non_null(body);
	assert_non_null(type);
	assert_string_equal(type, ctype);
	text = malloc(len + 1);
	assert_non_null(text);
	memcpy(text, body, len);
	text[len] = '\0';
	assert_int_equal(strlen(text), len); /* no NUL in the body */
	free(body);
	return text;
}

/* Renders the URI remainder <rest> under the prefix "/stats", with refresh
 * <refresh> and hide-version <hide>, of content type <ctype>.
 */
static char *render(const char *rest, unsigned int refresh, int hide, const char *ctype)
{
	struct http_service_args a = {
		.query = rest, .qlen = strlen(rest), .uri_prefix = "/stats", .refresh = refresh, .hide_version = hide,
	};

	return render_args(&a, ctype);
}

static char *render_html(const char *rest, unsigned int refresh, int hide)
{
	return render(rest, refresh, hide, "text/html");
}

/* Fails unless <text> contains <s>. */
static void has(const char *text, const char *s)
{
	if (!strstr(text, s))
		fail_msg("missing: %s", s);
}

/* Fails if <text> contains <s>. */
static void lacks(const char *text, const char *s)
{
	if (strstr(text, s))
		fail_msg("unexpected: %s", s);
}

static int count_char(const char *s, size_t n, char c)
{
	int k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/* What `show stat`'s CSV writer gives: the header and every row. */
struct csv_ref {
	char *p;                     /* text (malloc'ed) */
	size_t len;                  /* its length */
	int rows;                    /* rows */
};

static void csv_ref_add(struct csv_ref *c, const struct stat_row *r)
{
	char line[16384];
	int n = stat_csv_line(r, line, sizeof(line));

	assert_true(n > 0);
	c->p = realloc(c->p, c->len + (size_t)n + 1);
	assert_non_null(c->p);
	memcpy(c->p + c->len, line, (size_t)n);
	c->len += (size_t)n;
	c->p[c->len] = '\0';
}

static int csv_ref_row(const struct stat_row *r, void *arg)
{
	struct csv_ref *c = arg;

	csv_ref_add(c, r);
	c->rows++;
	return 0;
}

/* ---- tests ---- */

static void test_registered(void **state)
{
	char names[256];

	assert_non_null(svc);
	assert_string_equal(svc->name, "stats");
	assert_true(svc->internal);
	/* not one use-service may name */
	http_service_names(names, sizeof(names));
	lacks(names, "stats");
}

/* The CSV export is `show stat`'s CSV: the header, then a line per row,
 * each with as many fields as the header.
 */
static void test_csv(void **state)
{
	static const char *const rests[] = { ";csv", ";csv;norefresh", ";norefresh;csv" };
	struct csv_ref ref = { NULL };
	size_t hlen;
	int commas;

	csv_ref_add(&ref, NULL);
	assert_int_equal(stat_rows_foreach(0, csv_ref_row, &ref), 0);
	/* fe; be: 3 servers, backend; tcpl: frontend, server, backend; the odd one */
	assert_int_equal(ref.rows, 1 + 4 + 3 + 2);

	for (size_t i = 0; i < sizeof(rests) / sizeof(rests[0]); i++) {
		char *t = render(rests[i], 10, 0, "text/plain");
		const char *p = t;
		int lines = 0;

		assert_string_equal(t, ref.p);
		assert_int_equal(strncmp(t, "# pxname,svname,qcur,", 21), 0);
		hlen = strcspn(t, "\n");
		commas = count_char(t, hlen, ',');
		assert_true(commas > 100);
		while (*p) {
			size_t n = strcspn(p, "\n");

			assert_int_equal(p[n], '\n');
			assert_int_equal(count_char(p, n, ','), commas);
			assert_int_equal(p[n - 1], ',');
			p += n + 1;
			lines++;
		}
		assert_int_equal(lines, 1 + ref.rows);
		has(t, "\nfe,FRONTEND,");
		has(t, "\nbe,s1,");
		has(t, "\na<b&\"c'd,x>y,");
		/* the header alone outgrows the first 512 bytes; then doublings */
		assert_true(strlen(t) > 2048);
		lacks(t, "<html");
		free(t);
	}
	free(ref.p);
}

/* The page names every proxy and server, in a table per proxy. */
static void test_html(void **state)
{
	static const char *const names[] = {
		"<td class=\"name\">s1</td>", "<td class=\"name\">s2</td>", "<td class=\"name\">s3</td>",
		"<td class=\"name\">t1</td>", "<h3>fe</h3>", "<h3>be</h3>", "<h3>tcpl</h3>",
	};
	char *t = render_html("", 0, 0);
	const char *p;
	int tables = 0;

	assert_int_equal(strncmp(t, "<!DOCTYPE html>\n", 16), 0);
	assert_true(strlen(t) > 4096); /* outgrew the first 512 bytes: doublings */
	has(t, "<title>Statistics Report for Tollgate</title>");
	has(t, "</body>\n</html>\n");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		has(t, names[i]);
	for (p = t; (p = strstr(p, "<table class=\"tbl\">")); p++)
		tables++;
	assert_int_equal(tables, 4);

	/* the process block, from show info */
	has(t, "General process information");
	has(t, "<b>pid = </b>");
	has(t, "nbthread = ");
	has(t, "<b>uptime = </b>");
	has(t, "maxconn = ");
	has(t, "<b>current conns = </b>");

	/* titles, rows by kind and state */
	has(t, "<th colspan=\"3\">Queue</th>");
	has(t, "<th>Wght</th>");
	has(t, "<tr class=\"frontend\"><td class=\"name\">Frontend</td>");
	has(t, "<tr class=\"backend\"><td class=\"name\">Backend</td>");
	has(t, "<tr class=\"backup_no_check\"><td class=\"name\">s2</td>");
	has(t, "<tr class=\"maintain\"><td class=\"name\">s3</td>");
	has(t, "<tr class=\"active_no_check\"><td class=\"name\">t1</td>");
	has(t, "<td>OPEN</td>");
	/* the status after the time since the last change, as HAProxy */
	has(t, "s MAINT</td>");
	has(t, "<td>no check</td>");
	has(t, "<th colspan=\"3\">Session rate</th>");
	has(t, "<th>Dwntme</th><th>Thrtle</th>");
	/* s2's maxconn is its session limit; empty cells stay empty */
	has(t, "<td>10</td>");
	has(t, "<td></td>");

	/* self-contained */
	lacks(t, "<script");
	lacks(t, "src=");
	lacks(t, "http://");
	lacks(t, "https://");
	lacks(t, "<link");
	free(t);
}

/* A server's state sets its row's class; a check's status shows. */
static void test_states(void **state)
{
	struct proxy *be = proxy_find("be", PR_CAP_BE);
	struct server *s1 = server_find(be, "s1"), *s2 = server_find(be, "s2");
	int was = atomic_load(&s1->cur_state);
	char *t;

	assert_non_null(s1);
	assert_non_null(s2);
	atomic_store(&s1->cur_state, SRV_ST_RUNNING);
	t = render_html("", 0, 0);
	has(t, s1->check ? "<tr class=\"active_up\"><td class=\"name\">s1</td>"
	                 : "<tr class=\"active_no_check\"><td class=\"name\">s1</td>");
	if (s1->check)
		has(t, "<td title=\"");
	free(t);

	atomic_store(&s1->cur_state, SRV_ST_STOPPED);
	s2->flags |= SRV_F_DRAIN;
	t = render_html("", 0, 0);
	has(t, "<tr class=\"active_down\"><td class=\"name\">s1</td>");
	has(t, "<tr class=\"draining\"><td class=\"name\">s2</td>");
	free(t);
	s2->flags &= ~SRV_F_DRAIN;
	atomic_store(&s1->cur_state, was);
}

/* Names from the configuration are escaped, never written raw. */
static void test_escaping(void **state)
{
	char *t = render_html("", 0, 0);

	has(t, "<h3>a&lt;b&amp;&quot;c&#39;d</h3>");
	has(t, "<td class=\"name\">x&gt;y</td>");
	lacks(t, "a<b");
	lacks(t, "&\"c");
	lacks(t, "c'd");
	lacks(t, "x>y");
	free(t);
}

/* A meta refresh only with a refresh, and not with ";norefresh". */
static void test_refresh(void **state)
{
	char *t;

	t = render_html("", 10, 0);
	has(t, "<meta http-equiv=\"refresh\" content=\"10\">");
	has(t, "<a href=\"/stats;norefresh\">Disable refresh</a>");
	free(t);

	t = render_html("", 0, 0);
	lacks(t, "http-equiv=\"refresh\"");
	lacks(t, "able refresh");
	free(t);

	t = render_html(";norefresh", 10, 0);
	lacks(t, "http-equiv=\"refresh\"");
	has(t, "<a href=\"/stats\">Enable refresh</a>");
	has(t, "<a href=\"/stats;norefresh\">Refresh now</a>");
	free(t);

	/* a remainder that is neither: the page, refreshed */
	t = render_html(";up", 5, 0);
	has(t, "<meta http-equiv=\"refresh\" content=\"5\">");
	free(t);
}

/* The version as `show info` prints it, unless hide-version. */
static void test_version(void **state)
{
	char *t;

	t = render_html("", 0, 0);
	has(t, "version " TOLLGATE_VERSION "</span>");
	free(t);

	t = render_html("", 0, 1);
	has(t, "<h1>Statistics Report for Tollgate</h1>");
	lacks(t, TOLLGATE_VERSION);
	lacks(t, "version");
	free(t);
}

/* The links carry the prefix, escaped. */
static void test_links(void **state)
{
	struct http_service_args a = { .query = "", .uri_prefix = "/st\"<ats" };
	char *t;

	t = render_html("", 0, 0);
	has(t, "<a href=\"/stats;csv\">CSV export</a>");
	has(t, "<a href=\"/stats\">Refresh now</a>");
	free(t);

	t = render_args(&a, "text/html");
	has(t, "<a href=\"/st&quot;&lt;ats;csv\">CSV export</a>");
	lacks(t, "/st\"");
	free(t);
}

static int setup(void **state)
{
	global_init_defaults();
	if (cfgtest_load(cfg_text) < 0)
		return -1;
	svc = http_service_find("stats");
	return svc ? 0 : -1;
}

static int teardown(void **state)
{
	cfgtest_unload();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_links),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
