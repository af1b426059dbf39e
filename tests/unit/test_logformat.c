/*
 * Unit tests for log formats (src/proxy/logformat.c): parse errors, every
 * variable rendered on a hand-made stream (TCP, then HTTP with a txn), the
 * default formats, flags, blank merging and truncation.
 *
 * The stream is a zeroed struct stream whose frontend, backend and server
 * are zeroed structs with names set: the renderer only reads fields.
 * Dates are rendered in UTC (TZ=UTC) and `now_ms` is set by hand.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/addr.h>
#include <tollgate/clock.h>
#include <tollgate/http_txn.h>
#include <tollgate/listener.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/server.h>
#include <tollgate/stream-t.h>
#include <tollgate/trafficlog.h>

/* ---- a fake stream ---- */

struct fake {
	struct proxy *fe, *be;
	struct server *srv;
	struct stream s;
	struct http_txn *txn;
};

static struct fake *fake_new(int http)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->fe = calloc(1, sizeof(*f->fe));
	f->be = calloc(1, sizeof(*f->be));
	f->srv = calloc(1, sizeof(*f->srv));
	assert_true(f->fe && f->be && f->srv);
	f->fe->id = "fe_main";
	f->be->id = "be_app";
	f->be->retries = 3;
	f->srv->id = "srv1";
	assert_int_equal(addr_parse("10.0.0.9:8080", ADDR_P_NO_RESOLVE, &f->srv->addr, NULL, 0), 0);
	atomic_store(&f->fe->feconn, 5);
	atomic_store(&f->be->beconn, 4);
	atomic_store(&f->be->nbpend, 2);
	atomic_store(&f->srv->cur_conns, 3);
	atomic_store(&f->srv->queued, 1);

	f->s.fe = f->fe;
	f->s.be = f->be;
	f->s.srv = f->srv;
	f->s.cli.fd = -1;
	f->s.srvside.fd = -1;
	assert_int_equal(addr_parse("192.0.2.7:4321", ADDR_P_NO_RESOLVE, &f->s.cli_addr, NULL, 0), 0);
	f->s.retries_left = 2;            /* one retry */
	f->s.accept_sec = 1234567890;     /* 13/Feb/2009:23:31:30 UTC */
	f->s.accept_ms = 42;
	now_ms = 100000;
	f->s.t_accept = now_ms - 1500;
	f->s.tw = 3;
	f->s.tc = 7;
	f->s.req.total = 120;
	f->s.res.total = 4567;
	f->s.term[0] = f->s.term[1] = '-';
	if (http) {
		f->txn = calloc(1, sizeof(*f->txn));
		assert_non_null(f->txn);
		f->s.txn = f->txn;
		f->txn->flags = TX_HAS_REQ | TX_HAS_RES | TX_LOGGED;   /* as at log time: bytes_in/out final */
		f->txn->status = 200;
		f->txn->ti = 250;
		f->txn->tr = 4;
		f->txn->tw = 1;
		f->txn->tc = 2;
		f->txn->trs = 30;
		f->txn->t_req_start = now_ms - 80;
		f->txn->req_sec = 1234567891;  /* 23:31:31.010 */
		f->txn->req_ms = 10;
		f->txn->bytes_in = 77;
		f->txn->bytes_out = 2750;
		f->txn->term[0] = f->txn->term[1] = '-';
		strcpy(f->txn->uri_line, "GET /a/b.html?x=1&y=2 HTTP/1.1");
	}
	return f;
}

static void fake_free(struct fake *f)
{
	free(f->fe);
	free(f->be);
	free(f->srv);
	free(f->txn);
	free(f);
}

/* Compiles <fmt> as a log line, renders it for <f> and compares to <want>. */
static void check_fmt(struct fake *f, const char *fmt, const char *want)
{
	char *err = NULL, out[2048];
	struct logformat *lf = logformat_parse(fmt, SMP_USE_ANY | LOGFMT_F_LOG, &err);

	if (!lf)
		fail_msg("'%s' refused: %s", fmt, err ? err : "?");
	logformat_render(lf, &f->s, out, sizeof(out));
	if (strcmp(out, want))
		fail_msg("'%s' rendered '%s', expected '%s'", fmt, out, want);
	logformat_free(lf);
}

static void check_err(const char *fmt, const char *needle)
{
	char *err = NULL;
	struct logformat *lf = logformat_parse(fmt, SMP_USE_ANY | LOGFMT_F_LOG, &err);

	if (lf)
		fail_msg("'%s' accepted", fmt);
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("'%s': error '%s' lacks '%s'", fmt, err, needle);
	free(err);
}

/* ---- test fetches ---- */

static int f_none(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	return 0;
}

static int f_lfstr(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	sample_set_str(smp, args[0].data.str.ptr, args[0].data.str.len);
	return 1;
}

static struct sample_fetch_kw_list lf_test_fetches = {
	.kw = {
		{ "lf_none", f_none, SMP_ARG0, NULL, SMP_T_STR, SMP_USE_ANY },
		{ "lf_str", f_lfstr, SMP_ARG1(1, STR), NULL, SMP_T_STR, SMP_USE_ANY },
		{ NULL, NULL, 0, NULL, 0, 0 },
	},
};

static int setup(void **state)
{
	setenv("TZ", "UTC", 1);
	tzset();
	sample_register_fetches(&lf_test_fetches);
	return 0;
}

/* ---- tests ---- */

static void test_parse_errors(void **state)
{
	check_err("%ci %zz", "unknown variable '%zz'");
	check_err("%[src", "missing ']'");
	check_err("%[no_such_fetch]", "no_such_fetch");
	check_err("%{+Q r", "missing '}'");
	check_err("%{+W}r", "unknown flag 'W'");
	check_err("abc %", "truncated");
	check_err("50% off", "'%%'");
	check_err("%(name r", "missing ')'");
}

static void test_tcp_vars(void **state)
{
	struct fake *f = fake_new(0);

	check_fmt(f, "%ci:%cp", "192.0.2.7:4321");
	check_fmt(f, "%{+X}ci:%{+X}cp", "C0000207:10E1");
	check_fmt(f, "%si:%sp", "10.0.0.9:8080");
	check_fmt(f, "%fi:%fp %bi:%bp", "-:- -:-");
	check_fmt(f, "[%t] [%tr] [%T] [%Tl] %Ts %ms %{+X}Ts",
	          "[13/Feb/2009:23:31:30.042] [13/Feb/2009:23:31:30.042] [13/Feb/2009:23:31:30 +0000] "
	          "[13/Feb/2009:23:31:30 +0000] 1234567890 042 499602D2");
	check_fmt(f, "%f %ft %b %s", "fe_main fe_main be_app srv1");
	check_fmt(f, "%Tw/%Tc/%Tt %Ta %Th %Ti %TR %Tq %Tr %Td %Tu",
	          "3/7/1500 1500 0 -1 -1 -1 -1 1490 1500");
	check_fmt(f, "%B %U %ST", "4567 120 0");
	check_fmt(f, "%ts %tsc", "-- ----");
	check_fmt(f, "%ac/%fc/%bc/%sc/%rc %sq/%bq",
	          "0/5/4/3/1 1/2");
	check_fmt(f, "%CC %CS %{+Q}CC", "- - \"\"");
	check_fmt(f, "%r", "<BADREQ>");
	check_fmt(f, "%rt %lc", "0 -");   /* %rt: the stream's uniq_id */
	f->s.srv = NULL;
	check_fmt(f, "%s %sc %sq %si", "<NOSRV> 0 0 -");
	f->s.prev_srv = f->srv;
	check_fmt(f, "%s %si", "srv1 10.0.0.9");
	f->s.be = NULL;
	check_fmt(f, "%b %bc %rc %bq", "fe_main 0 0 0");
	f->s.term[0] = 'C';
	f->s.term[1] = 'D';
	check_fmt(f, "%ts", "CD");
	fake_free(f);
}

static void test_local_addresses(void **state)
{
	struct fake *f = fake_new(0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char want[64];

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	f->s.cli.fd = fd;
	f->s.srvside.fd = fd;
	snprintf(want, sizeof(want), "127.0.0.1:%u 127.0.0.1:%u", ntohs(sin.sin_port), ntohs(sin.sin_port));
	check_fmt(f, "%fi:%fp %bi:%bp", want);
	close(fd);
	fake_free(f);
}

static void test_http_vars(void **state)
{
	struct fake *f = fake_new(1);

	check_fmt(f, "[%t] [%tr] [%trg] %ms", "[13/Feb/2009:23:31:30.760] [13/Feb/2009:23:31:31.010] "
	          "[13/Feb/2009:23:31:31 +0000] 760");
	check_fmt(f, "%TR/%Tw/%Tc/%Tr/%Ta %Ti %Tq %Tt %Tu %Td %Th", "4/1/2/30/80 250 254 330 80 43 0");
	check_fmt(f, "%ST %B %U", "200 2750 77");
	check_fmt(f, "%r|%{+Q}r", "GET /a/b.html?x=1&y=2 HTTP/1.1|\"GET /a/b.html?x=1&y=2 HTTP/1.1\"");
	check_fmt(f, "%HM|%HU|%HP|%HPO|%HQ|%HV", "GET|/a/b.html?x=1&y=2|/a/b.html|/a/b.html|?x=1&y=2|HTTP/1.1");
	strcpy(f->txn->uri_line, "GET http://h.example/p?q HTTP/1.0");
	check_fmt(f, "%HP|%HPO|%HQ", "http://h.example/p|/p|?q");
	strcpy(f->txn->uri_line, "GET /x\"y#z\x01");
	check_fmt(f, "%r %HV", "GET /x#22y#23z#01 HTTP/0.9");
	f->txn->flags &= ~TX_HAS_REQ;
	check_fmt(f, "%r %HM %HU", "<BADREQ> <BADREQ> <BADREQ>");
	f->txn->term[0] = 's';
	f->txn->term[1] = 'H';
	check_fmt(f, "%ts %tsc", "sH sH--");
	f->be->cookie.name = "SRVID";
	f->txn->flags |= TX_COOKIE_SEEN;
	check_fmt(f, "%tsc", "sHVN");
	f->txn->flags = TX_COOKIE_SET;
	check_fmt(f, "%tsc", "sHNI");
	check_fmt(f, "%hr|%hs|%hrl|%hsl", "|||");
	fake_free(f);
}

static void test_samples(void **state)
{
	struct fake *f = fake_new(0);
	char *err = NULL, out[256];
	struct logformat *lf;

	check_fmt(f, "src=%[src] port=%[src_port]", "src=192.0.2.7 port=4321");
	check_fmt(f, "%[lf_str(abc),upper] %{+Q}[lf_str(x)]", "ABC \"x\"");
	check_fmt(f, "a %[lf_none] b %{+Q}[lf_none]", "a - b \"\"");
	check_fmt(f, "%[lf_str(\"a]b\")]", "a]b");
	/* single quotes keep backslashes, as in HAProxy */
	check_fmt(f, "%{+E}[lf_str('q\"\\\\]')]", "q\\\"\\\\\\\\\\]");

	/* header templates: blanks kept, missing sample empty, CR/LF encoded */
	lf = logformat_parse("v=%[lf_none]  w=%[lf_str(a\r\nb)]", SMP_USE_ANY, &err);
	assert_non_null(lf);
	logformat_render(lf, &f->s, out, sizeof(out));
	assert_string_equal(out, "v=  w=a%0D%0Ab");
	logformat_free(lf);

	/* a template is usable without a stream for literals and constants */
	lf = logformat_parse("x-%[lf_str(k)]-%%", SMP_USE_ANY, &err);
	assert_non_null(lf);
	logformat_render(lf, NULL, out, sizeof(out));
	assert_string_equal(out, "x-k-%");
	logformat_free(lf);
	fake_free(f);
}

static void test_flags_and_blanks(void **state)
{
	struct fake *f = fake_new(1);

	check_fmt(f, "%{+Q}o %b %{-Q}s %ST %{+Q}ts", "\"be_app\" srv1 200 --");
	check_fmt(f, "%{+Q,+E}f %{Q}b", "\"fe_main\" \"be_app\"");
	check_fmt(f, "  a   %hr   %hs  b  ", "a b ");
	check_fmt(f, "%%%ST%%", "%200%");
	check_fmt(f, "%(name)ST %(x:str){+Q}b", "200 \"be_app\"");
	fake_free(f);
}

/* The tcplog line, as stream.c's log_tcp() built it by hand before log
 * formats: the default format must render the same bytes.
 */
static void test_default_tcplog_matches_legacy(void **state)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct fake *f = fake_new(0);
	struct stream *s = &f->s;
	char legacy[1024], cli[ADDR_STRLEN];
	time_t sec = (time_t)s->accept_sec;
	struct addr c = s->cli_addr;
	struct tm tm;

	for (int round = 0; round < 3; round++) {
		if (round == 1) {
			s->srv = NULL;
			s->prev_srv = NULL;
			s->tw = -1;
			s->tc = -1;
			s->term[0] = 'C';
			s->term[1] = 'R';
		}
		if (round == 2) {
			assert_int_equal(addr_parse("[2001:db8::5]:61000", ADDR_P_NO_RESOLVE, &s->cli_addr, NULL, 0), 0);
			s->be = NULL;
		}
		c = s->cli_addr;
		c.flags |= ADDR_F_NO_PORT;
		addr_format(&c, cli, sizeof(cli));
		localtime_r(&sec, &tm);
		snprintf(legacy, sizeof(legacy),
		         "%s:%u [%02d/%s/%04d:%02d:%02d:%02d.%03u] %s %s/%s %d/%d/%u %llu %c%c %u/%u/%u/%u/%u %u/%u",
		         cli, addr_port(&s->cli_addr), tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
		         tm.tm_hour, tm.tm_min, tm.tm_sec, s->accept_ms, s->fe->id,
		         s->be ? s->be->id : s->fe->id, s->srv ? s->srv->id : (s->prev_srv ? s->prev_srv->id : "<NOSRV>"),
		         s->tw, s->tc, (unsigned int)(now_ms - s->t_accept), (unsigned long long)s->res.total,
		         s->term[0], s->term[1], listeners_actconn(), atomic_load(&s->fe->feconn),
		         s->be ? atomic_load(&s->be->beconn) : 0, s->srv ? atomic_load(&s->srv->cur_conns) : 0,
		         s->be ? s->be->retries - s->retries_left : 0,
		         s->srv ? atomic_load(&s->srv->queued) : 0, s->be ? atomic_load(&s->be->nbpend) : 0);
		check_fmt(f, LOGFMT_TCPLOG, legacy);
	}
	fake_free(f);
}

static void test_default_http_formats(void **state)
{
	struct fake *f = fake_new(1);

	check_fmt(f, LOGFMT_HTTPLOG,
	          "192.0.2.7:4321 [13/Feb/2009:23:31:31.010] fe_main be_app/srv1 4/1/2/30/80 200 2750 - - ---- "
	          "0/5/4/3/1 1/2 \"GET /a/b.html?x=1&y=2 HTTP/1.1\"");
	check_fmt(f, LOGFMT_CLF,
	          "192.0.2.7 - - [13/Feb/2009:23:31:31 +0000] \"GET /a/b.html?x=1&y=2 HTTP/1.1\" 200 2750 \"\" \"\" "
	          "4321 760 \"fe_main\" \"be_app\" \"srv1\" 4 1 2 30 80 ---- 0 5 4 3 1 1 2 \"\" \"\" ");
	fake_free(f);
}

static void test_truncation(void **state)
{
	struct fake *f = fake_new(1);
	char *err = NULL, out[16];
	struct logformat *lf = logformat_parse(LOGFMT_HTTPLOG, SMP_USE_ANY | LOGFMT_F_LOG, &err);
	size_t n;

	assert_non_null(lf);
	memset(out, 'Z', sizeof(out));
	n = logformat_render(lf, &f->s, out, 10);
	assert_int_equal(n, 9);
	assert_string_equal(out, "192.0.2.7");
	assert_int_equal(out[10], 'Z');
	n = logformat_render(lf, &f->s, out, 1);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	assert_int_equal(logformat_render(lf, &f->s, out, 0), 0);
	logformat_free(lf);
	fake_free(f);
}

static void test_finalize(void **state)
{
	struct proxy *px = calloc(1, sizeof(*px));
	char *err = NULL;

	assert_non_null(px);
	px->id = "fe";
	assert_int_equal(logformat_finalize(px, &err), 0);
	assert_null(px->logfmt);
	px->log_format = strdup("%ci %b");
	assert_int_equal(logformat_finalize(px, &err), 0);
	assert_non_null(px->logfmt);
	logformat_free(px->logfmt);
	px->logfmt = NULL;
	free(px->log_format);
	px->log_format = strdup("%ci %nope");
	assert_int_equal(logformat_finalize(px, &err), -EINVAL);
	assert_non_null(err);
	assert_non_null(strstr(err, "%nope"));
	assert_null(px->logfmt);
	free(err);
	free(px->log_format);
	free(px);
}

/* Reads what stream_send_log() wrote to the pipe: "" when nothing. */
static void read_pipe(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
}

static void test_send_log(void **state)
{
	struct fake *f = fake_new(0);
	struct log_target tgt = { .kind = LOG_TGT_STDOUT, .format = LOG_FMT_RFC3164,
	                          .facility = 16, .level = 7 };
	char buf[2048];
	int pfd[2];

	assert_int_equal(pipe2(pfd, O_NONBLOCK), 0);
	tgt.fd = pfd[1];

	/* no target, or no format: nothing */
	f->fe->options = PR_O_TCPLOG;
	stream_send_log(&f->s);
	f->fe->log_targets = &tgt;
	f->fe->options = 0;
	stream_send_log(&f->s);
	read_pipe(pfd[0], buf, sizeof(buf));
	assert_string_equal(buf, "");

	/* tcplog at info (local0.info = 134) */
	f->fe->options = PR_O_TCPLOG;
	stream_send_log(&f->s);
	read_pipe(pfd[0], buf, sizeof(buf));
	assert_true(!strncmp(buf, "<134>", 5));
	assert_non_null(strstr(buf, "]: 192.0.2.7:4321 [13/Feb/2009:23:31:30.042] fe_main be_app/srv1 3/7/1500 4567 -- "));

	/* an error termination logs at info, at err (131) with
	 * option log-separate-errors
	 */
	f->s.term[0] = 'S';
	f->s.term[1] = 'C';
	stream_send_log(&f->s);
	read_pipe(pfd[0], buf, sizeof(buf));
	assert_true(!strncmp(buf, "<134>", 5));
	f->fe->options |= PR_O_LOGERRORS;
	stream_send_log(&f->s);
	read_pipe(pfd[0], buf, sizeof(buf));
	assert_true(!strncmp(buf, "<131>", 5));

	/* dontlognull: nothing without bytes both ways, a line with some */
	f->fe->options |= PR_O_DONTLOGNULL;
	f->s.req.total = f->s.res.total = 0;
	stream_send_log(&f->s);
	read_pipe(pfd[0], buf, sizeof(buf));
	assert_string_equal(buf, "");
	f->s.req.total = 1;
	stream_send_log(&f->s);
	read_pipe(pfd[0], buf, sizeof(buf));
	assert_non_null(strstr(buf, "fe_main"));

	/* log-format wins over the options */
	f->fe->logfmt = logformat_parse("custom %b", SMP_USE_ANY | LOGFMT_F_LOG, NULL);
	assert_non_null(f->fe->logfmt);
	stream_send_log(&f->s);
	read_pipe(pfd[0], buf, sizeof(buf));
	assert_non_null(strstr(buf, "]: custom be_app\n"));
	logformat_free(f->fe->logfmt);
	f->fe->logfmt = NULL;
	fake_free(f);

	/* HTTP: httplog, clf, 5xx at err, dontlognull without request */
	f = fake_new(1);
	f->fe->log_targets = &tgt;
	f->fe->options = PR_O_HTTPLOG;
	stream_send_log(&f->s);
	read_pipe(pfd[0], buf, sizeof(buf));
	assert_true(!strncmp(buf, "<134>", 5));
	assert_non_null(strstr(buf, " 200 2750 - - ---- "));
	f->fe->options = PR_O_HTTPLOG | PR_O_CLF | PR_O_LOGERRORS;
	f->txn->status = 503;
	stream_send_log(&f->s);
	read_pipe(pfd[0], buf, sizeof(buf));
	assert_true(!strncmp(buf, "<131>", 5));
	assert_non_null(strstr(buf, "]: 192.0.2.7 - - [13/Feb/2009:23:31:31 +0000] \"GET "));
	f->fe->options = PR_O_HTTPLOG | PR_O_DONTLOGNULL;
	f->txn->flags = 0;
	f->txn->bytes_in = 0;
	stream_send_log(&f->s);
	read_pipe(pfd[0], buf, sizeof(buf));
	assert_string_equal(buf, "");
	fake_free(f);
	close(pfd[0]);
	close(pfd[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_tcp_vars),
		cmocka_unit_test(test_local_addresses),
		cmocka_unit_test(test_http_vars),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_flags_and_blanks),
		cmocka_unit_test(test_default_tcplog_matches_legacy),
		cmocka_unit_test(test_default_http_formats),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_finalize),
		cmocka_unit_test(test_send_log),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
