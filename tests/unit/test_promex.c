/*
 * Unit tests of the Prometheus exporter (src/admin/promex.c), through its
 * registered service: a configuration parsed by the real parser (a mode
 * http frontend, a backend with two servers, a mode tcp listen, a stick
 * table, a disabled backend, a backend whose name needs escaping, a
 * backend with many servers), then renders checked line by line against
 * the exposition format, the expected series, the query-string filters,
 * and counters set by hand.
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

#include "helpers/cfgtest.h"

#define BIG_SERVERS 300              /* servers of backend "big": several buffer doublings */

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
	"listen tcpl\n"
	"  mode tcp\n"
	"  bind 127.0.0.1:18090\n"
	"  server t1 127.0.0.1:18091\n"
	"backend tbl\n"
	"  stick-table type ip size 1k expire 30s\n"
	"backend off\n"
	"  disabled\n"
	"  server o1 127.0.0.1:18092\n"
	"backend we\\\"ird\\\\x\\nz\n"
	"  server w1 127.0.0.1:18093\n";

static const struct http_service *svc;

/* ---- helpers ---- */

/* Renders <query>; returns the body as a string (free() it). */
static char *render(const char *query)
{
	const char *ctype = NULL;
	char *body = NULL, *text;
	size_t len = 0;

	struct http_service_args a = { .query = query, .qlen = strlen(query) };

	assert_int_equal(svc->render(&a, &body, &len, &ctype), 0);
	assert_non_null(body);
	assert_string_equal(ctype, "text/plain; version=0.0.4; charset=utf-8");
	text = malloc(len + 2);
	assert_non_null(text);
	/* a leading line feed: every line is then found as "\n<line>\n" */
	text[0] = '\n';
	memcpy(text + 1, body, len);
	text[len + 1] = '\0';
	free(body);
	return text;
}

/* Fails unless <text> has the whole line <line>. */
static void has_line(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (!strstr(text, want))
		fail_msg("missing line: %s", line);
}

/* Fails if <text> has a line starting with <start>. */
static void no_line(const char *text, const char *start)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s", start);
	if (strstr(text, want))
		fail_msg("unexpected line: %s", start);
}

/* Returns the length of the metric or label name at <p> (0 if none). */
static size_t name_len(const char *p, int metric)
{
	size_t n = 0;

	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_' ||
	       (metric && p[n] == ':') || (n && p[n] >= '0' && p[n] <= '9'))
		n++;
	return n;
}

/* Checks the labels at <*p> ("{...}" or nothing); moves <*p> past them. */
static void check_labels(const char **p, const char *line)
{
	const char *s = *p;

	if (*s != '{')
		return;
	s++;
	for (;;) {
		size_t n = name_len(s, 0);

		if (!n || s[n] != '=' || s[n + 1] != '"')
			fail_msg("bad label in: %s", line);
		for (s += n + 2; *s != '"'; s++) {
			if (!*s || *s == '\n')
				fail_msg("unterminated label value in: %s", line);
			if (*s == '\\' && s[1] != '\\' && s[1] != '"' && s[1] != 'n')
				fail_msg("bad escape in: %s", line);
			s += *s == '\\';
		}
		s++;
		if (*s == '}')
			break;
		if (*s != ',')
			fail_msg("bad label list in: %s", line);
		s++;
	}
	*p = s + 1;
}

#define MAX_FAMILIES 256

/* Checks <text> (from render()) as the text exposition format: comment
 * lines are "# HELP <name> <text>" then "# TYPE <name> gauge|counter",
 * once per family, before its samples; a sample is `name{labels} value`
 * of its family with a numeric value; a family's samples are together.
 * Returns the number of samples.
 */
static int check_exposition(const char *text)
{
	static char seen[MAX_FAMILIES][128];
	int nseen = 0, samples = 0, typed = 0;
	char cur[128] = "";
	const char *p = text + 1;

	while (*p) {
		const char *eol = strchr(p, '\n');
		char line[1024], *end;
		size_t n;

		assert_non_null(eol); /* every line ends with a line feed */
		assert_true((size_t)(eol - p) < sizeof(line));
		memcpy(line, p, (size_t)(eol - p));
		line[eol - p] = '\0';
		p = eol + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			n = name_len(line + 7, 1);
			if (!n || line[7 + n] != ' ' || n >= sizeof(cur))
				fail_msg("bad HELP line: %s", line);
			memcpy(cur, line + 7, n);
			cur[n] = '\0';
			for (int i = 0; i < nseen; i++)
				if (!strcmp(seen[i], cur))
					fail_msg("family twice: %s", cur);
			assert_true(nseen < MAX_FAMILIES);
			strcpy(seen[nseen++], cur);
			typed = 0;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			n = strlen(cur);
			if (typed || !n || strncmp(line + 7, cur, n) || line[7 + n] != ' ' ||
			    (strcmp(line + 8 + n, "gauge") && strcmp(line + 8 + n, "counter")))
				fail_msg("bad TYPE line: %s", line);
			typed = 1;
			continue;
		}
		if (line[0] == '#')
			fail_msg("unexpected comment: %s", line);
		n = name_len(line, 1);
		if (!typed || n != strlen(cur) || strncmp(line, cur, n))
			fail_msg("sample outside its family (%s): %s", cur, line);
		{
			const char *v = line + n;

			check_labels(&v, line);
			if (*v != ' ' || !v[1])
				fail_msg("no value in: %s", line);
			strtod(v + 1, &end);
			if (*end || end == v + 1)
				fail_msg("value not numeric in: %s", line);
		}
		samples++;
	}
	return samples;
}

/* Fails unless every sample line of <text> starts with one of the
 * prefixes in <prefixes> (NULL-terminated).
 */
static void only_prefixes(const char *text, const char *const *prefixes)
{
	for (const char *p = text + 1; *p; p = strchr(p, '\n') + 1) {
		int ok = 0;

		if (*p == '#')
			continue;
		for (int i = 0; prefixes[i]; i++)
			ok |= !strncmp(p, prefixes[i], strlen(prefixes[i]));
		if (!ok)
			fail_msg("unexpected sample: %.80s", p);
	}
}

/* ---- tests ---- */

static void test_registered(void **state)
{
	assert_non_null(svc);
	assert_string_equal(svc->name, "prometheus-exporter");
}

static void test_all(void **state)
{
	char *t = render("");
	char line[128];

	assert_true(check_exposition(t) > 100);

	/* process */
	has_line(t, "# TYPE haproxy_process_nbthread gauge");
	assert_non_null(strstr(t, "\nhaproxy_process_nbthread "));
	has_line(t, "haproxy_process_current_connections 0");
	snprintf(line, sizeof(line), "haproxy_process_max_connections %u", global.maxconn);
	has_line(t, line);
	assert_non_null(strstr(t, "\nhaproxy_process_start_time_seconds "));
	has_line(t, "# TYPE haproxy_process_connections_total counter");
	has_line(t, "haproxy_process_build_info{version=\"" TOLLGATE_VERSION "\"} 1");

	/* the mode http frontend */
	has_line(t, "# HELP haproxy_frontend_current_sessions Number of current sessions on the frontend, backend or server");
	has_line(t, "# TYPE haproxy_frontend_current_sessions gauge");
	has_line(t, "haproxy_frontend_current_sessions{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_limit_sessions{proxy=\"fe\"} 500");
	has_line(t, "# TYPE haproxy_frontend_sessions_total counter");
	has_line(t, "haproxy_frontend_sessions_total{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_bytes_in_total{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_bytes_out_total{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_requests_denied_total{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_responses_denied_total{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_request_errors_total{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_denied_connections_total{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_denied_sessions_total{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_status{proxy=\"fe\",state=\"DOWN\"} 0");
	has_line(t, "haproxy_frontend_status{proxy=\"fe\",state=\"UP\"} 1");
	has_line(t, "haproxy_frontend_http_requests_total{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"1xx\"} 0");
	has_line(t, "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"5xx\"} 0");
	has_line(t, "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"other\"} 0");
	has_line(t, "haproxy_frontend_intercepted_requests_total{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_connections_total{proxy=\"fe\"} 0");
	has_line(t, "haproxy_frontend_max_sessions{proxy=\"fe\"} 0");
	/* a backend with no server (a stick table only) is UP, as HAProxy */
	has_line(t, "haproxy_backend_status{proxy=\"tbl\",state=\"UP\"} 1");
	/* empty in show stat: no series, and no family at all */
	no_line(t, "haproxy_frontend_failed_header_rewriting_total");
	no_line(t, "# HELP haproxy_frontend_failed_header_rewriting_total");

	/* the mode tcp listen: frontend and backend, no HTTP series */
	has_line(t, "haproxy_frontend_current_sessions{proxy=\"tcpl\"} 0");
	has_line(t, "haproxy_backend_current_sessions{proxy=\"tcpl\"} 0");
	no_line(t, "haproxy_frontend_http_requests_total{proxy=\"tcpl\"}");
	no_line(t, "haproxy_frontend_http_responses_total{proxy=\"tcpl\"");
	no_line(t, "haproxy_backend_http_requests_total{proxy=\"tcpl\"}");
	has_line(t, "haproxy_server_current_sessions{proxy=\"tcpl\",server=\"t1\"} 0");

	/* the backend */
	has_line(t, "haproxy_backend_current_queue{proxy=\"be\"} 0");
	has_line(t, "haproxy_backend_current_sessions{proxy=\"be\"} 0");
	has_line(t, "haproxy_backend_sessions_total{proxy=\"be\"} 0");
	has_line(t, "haproxy_backend_connection_errors_total{proxy=\"be\"} 0");
	has_line(t, "haproxy_backend_response_errors_total{proxy=\"be\"} 0");
	has_line(t, "haproxy_backend_retry_warnings_total{proxy=\"be\"} 0");
	has_line(t, "haproxy_backend_redispatch_warnings_total{proxy=\"be\"} 0");
	has_line(t, "haproxy_backend_client_aborts_total{proxy=\"be\"} 0");
	has_line(t, "haproxy_backend_server_aborts_total{proxy=\"be\"} 0");
	has_line(t, "haproxy_backend_active_servers{proxy=\"be\"} 1");
	has_line(t, "haproxy_backend_backup_servers{proxy=\"be\"} 1");
	has_line(t, "haproxy_backend_weight{proxy=\"be\"} 1");
	has_line(t, "haproxy_backend_loadbalanced_total{proxy=\"be\"} 0");
	has_line(t, "haproxy_backend_status{proxy=\"be\",state=\"DOWN\"} 0");
	has_line(t, "haproxy_backend_status{proxy=\"be\",state=\"UP\"} 1");
	has_line(t, "haproxy_backend_http_requests_total{proxy=\"be\"} 0");
	has_line(t, "haproxy_backend_http_responses_total{proxy=\"be\",code=\"2xx\"} 0");
	has_line(t, "haproxy_backend_agg_server_status{proxy=\"be\",state=\"UP\"} 2");
	has_line(t, "haproxy_backend_agg_server_status{proxy=\"be\",state=\"MAINT\"} 0");
	no_line(t, "haproxy_backend_agg_server_status{proxy=\"tbl\"");

	/* its servers */
	has_line(t, "haproxy_server_current_queue{proxy=\"be\",server=\"s1\"} 0");
	has_line(t, "haproxy_server_current_sessions{proxy=\"be\",server=\"s1\"} 0");
	has_line(t, "haproxy_server_sessions_total{proxy=\"be\",server=\"s1\"} 0");
	has_line(t, "haproxy_server_bytes_in_total{proxy=\"be\",server=\"s1\"} 0");
	has_line(t, "haproxy_server_connection_errors_total{proxy=\"be\",server=\"s1\"} 0");
	has_line(t, "haproxy_server_retry_warnings_total{proxy=\"be\",server=\"s1\"} 0");
	has_line(t, "haproxy_server_weight{proxy=\"be\",server=\"s1\"} 1");
	has_line(t, "haproxy_server_active{proxy=\"be\",server=\"s1\"} 1");
	has_line(t, "haproxy_server_backup{proxy=\"be\",server=\"s2\"} 1");
	has_line(t, "haproxy_server_limit_sessions{proxy=\"be\",server=\"s2\"} 10");
	no_line(t, "haproxy_server_limit_sessions{proxy=\"be\",server=\"s1\"}");
	has_line(t, "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"UP\"} 1");
	has_line(t, "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"DOWN\"} 0");
	has_line(t, "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"NOLB\"} 0");
	has_line(t, "haproxy_server_status{proxy=\"be\",server=\"s2\",state=\"UP\"} 1");
	/* check counters for checked servers only; HTTP counters per server */
	has_line(t, "haproxy_backend_check_last_change_seconds{proxy=\"be\"} 0");
	no_line(t, "haproxy_server_check_failures_total{proxy=\"be\",server=\"s2\"}");
	has_line(t, "haproxy_server_http_responses_total{proxy=\"be\",server=\"s1\",code=\"2xx\"} 0");
	no_line(t, "haproxy_server_http_responses_total{proxy=\"tcpl\"");

	/* the stick table, the disabled backend */
	has_line(t, "haproxy_sticktable_size{name=\"tbl\",type=\"ip\"} 1024");
	has_line(t, "haproxy_sticktable_used{name=\"tbl\",type=\"ip\"} 0");
	assert_null(strstr(t, "proxy=\"off\""));
	free(t);
}

/* A server whose check runs reports its check status as a gauge per state. */
static void test_check_status(void **state)
{
	struct server *s1 = server_find(proxy_find("be", PR_CAP_BE), "s1");
	char *t = render("scope=server");

	assert_non_null(s1);
	if (s1->check) {
		has_line(t, "haproxy_server_check_status{proxy=\"be\",server=\"s1\",state=\"L7OK\"} 0");
		has_line(t, "haproxy_server_check_status{proxy=\"be\",server=\"s1\",state=\"L4CON\"} 0");
		has_line(t, "haproxy_server_check_code{proxy=\"be\",server=\"s1\"} 0");
	} else {
		/* checks are created when they start: show stat has no check yet */
		no_line(t, "haproxy_server_check_status{proxy=\"be\",server=\"s1\"");
	}
	no_line(t, "haproxy_server_check_status{proxy=\"be\",server=\"s2\"");
	no_line(t, "haproxy_server_check_code{proxy=\"be\",server=\"s2\"");
	free(t);
}

static void test_scopes(void **state)
{
	static const char *const front[] = { "haproxy_frontend_", NULL };
	static const char *const back_srv[] = { "haproxy_backend_", "haproxy_server_", NULL };
	static const char *const process[] = { "haproxy_process_", NULL };
	static const char *const tables[] = { "haproxy_sticktable_", NULL };
	static const char *const empty[] = { "scope=", "scope=*&scope=", "scope=bogus", "scope=server&scope=" };
	char *t;

	t = render("scope=frontend");
	assert_true(check_exposition(t) > 10);
	only_prefixes(t, front);
	has_line(t, "haproxy_frontend_current_sessions{proxy=\"fe\"} 0");
	no_line(t, "# HELP haproxy_process_");
	free(t);

	/* unknown parameters are ignored, a fragment ends the query */
	t = render("foo=bar&scope=backend&x&scope=server#scope=global");
	check_exposition(t);
	only_prefixes(t, back_srv);
	has_line(t, "haproxy_backend_current_queue{proxy=\"be\"} 0");
	has_line(t, "haproxy_server_current_queue{proxy=\"be\",server=\"s1\"} 0");
	free(t);

	/* an empty scope clears those before it; an unknown one adds nothing */
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		t = render(empty[i]);
		assert_string_equal(t, "\n");
		free(t);
	}

	t = render("scope=&scope=global");
	assert_true(check_exposition(t) > 5);
	only_prefixes(t, process);
	free(t);

	t = render("scope=sticktable");
	assert_int_equal(check_exposition(t), 2);
	only_prefixes(t, tables);
	free(t);

	t = render("scope=%2A");   /* "*", encoded */
	assert_non_null(strstr(t, "\nhaproxy_process_nbthread "));
	assert_non_null(strstr(t, "\nhaproxy_sticktable_size"));
	free(t);
}

static void test_metrics_filter(void **state)
{
	static const char *const status[] = { "haproxy_frontend_status", "haproxy_server_status", NULL };
	char *t;

	t = render("metrics=haproxy_frontend_status%2Chaproxy_server_status");
	check_exposition(t);
	only_prefixes(t, status);
	has_line(t, "haproxy_frontend_status{proxy=\"fe\",state=\"UP\"} 1");
	has_line(t, "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"UP\"} 1");
	free(t);

	t = render("metrics=-haproxy_server_status&metrics=-haproxy_process_nbthread,,-");
	check_exposition(t);
	no_line(t, "haproxy_server_status");
	no_line(t, "haproxy_process_nbthread");
	has_line(t, "haproxy_server_current_queue{proxy=\"be\",server=\"s1\"} 0");
	has_line(t, "haproxy_process_current_connections 0");
	free(t);

	/* a name that is no metric: nothing */
	t = render("metrics=haproxy_nothing");
	assert_string_equal(t, "\n");
	free(t);
}

/* Counters and states set by hand show in the right series. */
static void test_values(void **state)
{
	struct proxy *fe = proxy_find("fe", PR_CAP_FE), *be = proxy_find("be", PR_CAP_BE);
	struct server *s2 = server_find(be, "s2");
	char *t;

	assert_non_null(fe);
	assert_non_null(s2);
	atomic_store(&fe->ctr[0].cum_sess, 5);
	atomic_store(&fe->ctr[0].cum_req, 9);
	atomic_store(&fe->ctr[0].rsp[1], 7);
	atomic_store(&fe->ctr[0].bytes_in, 1234567890123ULL);
	atomic_store(&s2->ctr[0].failed_conns, 3);
	s2->flags |= SRV_F_MAINT;

	t = render("");
	check_exposition(t);
	has_line(t, "haproxy_frontend_sessions_total{proxy=\"fe\"} 5");
	has_line(t, "haproxy_frontend_http_requests_total{proxy=\"fe\"} 9");
	has_line(t, "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"2xx\"} 7");
	has_line(t, "haproxy_frontend_bytes_in_total{proxy=\"fe\"} 1234567890123");
	has_line(t, "haproxy_server_connection_errors_total{proxy=\"be\",server=\"s2\"} 3");
	has_line(t, "haproxy_server_status{proxy=\"be\",server=\"s2\",state=\"MAINT\"} 1");
	has_line(t, "haproxy_server_status{proxy=\"be\",server=\"s2\",state=\"UP\"} 0");
	has_line(t, "haproxy_backend_agg_server_status{proxy=\"be\",state=\"UP\"} 1");
	has_line(t, "haproxy_backend_agg_server_status{proxy=\"be\",state=\"MAINT\"} 1");
	free(t);

	/* no-maint leaves the server out, not from the backend's count */
	t = render("no-maint");
	check_exposition(t);
	assert_null(strstr(t, "server=\"s2\""));
	has_line(t, "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"UP\"} 1");
	has_line(t, "haproxy_backend_agg_server_status{proxy=\"be\",state=\"MAINT\"} 1");
	free(t);

	s2->flags &= ~SRV_F_MAINT;
	atomic_store(&s2->ctr[0].failed_conns, 0);
	atomic_store(&fe->ctr[0].cum_sess, 0);
	atomic_store(&fe->ctr[0].cum_req, 0);
	atomic_store(&fe->ctr[0].rsp[1], 0);
	atomic_store(&fe->ctr[0].bytes_in, 0);
}

/* Label values are escaped: backslash, double quote, line feed. */
static void test_escaping(void **state)
{
	char *t = render("scope=backend&scope=server");

	check_exposition(t);
	has_line(t, "haproxy_backend_current_queue{proxy=\"we\\\"ird\\\\x\\nz\"} 0");
	has_line(t, "haproxy_server_current_queue{proxy=\"we\\\"ird\\\\x\\nz\",server=\"w1\"} 0");
	free(t);
}

/* Many servers: the families' buffers grow; the series stay grouped. */
static void test_big(void **state)
{
	char *t = render("scope=server");
	char line[128];

	check_exposition(t);
	for (int i = 0; i < BIG_SERVERS; i += 37) {
		snprintf(line, sizeof(line), "haproxy_server_status{proxy=\"big\",server=\"b%d\",state=\"UP\"} 1", i);
		has_line(t, line);
	}
	free(t);
}

static int setup(void **state)
{
	size_t len = sizeof(cfg_text) + BIG_SERVERS * 64 + 32;
	char *text = malloc(len);
	size_t n;
	int errs;

	if (!text)
		return -1;
	global_init_defaults();
	n = (size_t)snprintf(text, len, "%sbackend big\n", cfg_text);
	for (int i = 0; i < BIG_SERVERS; i++)
		n += (size_t)snprintf(text + n, len - n, "  server b%d 127.0.0.1:%d\n", i, 20000 + i);
	errs = cfgtest_load(text);
	free(text);
	if (errs < 0)
		return -1;
	svc = http_service_find("prometheus-exporter");
	return 0;
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
		cmocka_unit_test(test_all),
		cmocka_unit_test(test_check_status),
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_metrics_filter),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_big),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
