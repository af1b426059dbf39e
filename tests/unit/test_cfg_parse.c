/*
 * Unit tests of the configuration driver (src/cfg/cfgparse.c) and of the
 * unit parsers (src/cfg/units.c): fake sections and keywords registered the
 * way modules do, messages captured through the sink and checked in
 * HAProxy's exact format, suggestions, conditional blocks and directives
 * in files, directories read in order.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/cfg.h>

/* ---------------------------------------------------------------------- */
/* Capture                                                                */
/* ---------------------------------------------------------------------- */

#define MAX_MSGS 64

static char msgs[MAX_MSGS][1024];
static enum cfg_level lvls[MAX_MSGS];
static int nmsgs;
static char trace[131072];

static void capture(enum cfg_level lvl, const char *msg, void *arg)
{
	int *calls = arg;

	(*calls)++;
	if (nmsgs < MAX_MSGS) {
		snprintf(msgs[nmsgs], sizeof(msgs[0]), "%s", msg);
		lvls[nmsgs] = lvl;
	}
	nmsgs++;
}

static int sink_calls;

static int reset(void **state)
{
	nmsgs = 0;
	trace[0] = '\0';
	cfg_set_sink(capture, &sink_calls);
	cfg_set_diag(0);
	return 0;
}

static void tracef(const char *fmt, ...) PRINTF_FMT(1, 2);

static void tracef(const char *fmt, ...)
{
	size_t l = strlen(trace);
	va_list ap;

	if (l && l < sizeof(trace) - 1)
		trace[l++] = ' ';
	va_start(ap, fmt);
	vsnprintf(trace + l, sizeof(trace) - l, fmt, ap);
	va_end(ap);
}

/* Asserts that message <k> is exactly "<label padded> (PID) : config : parsing [<where>] : <msg>". */
static void expect_msg(int k, enum cfg_level lvl, const char *where, const char *msg)
{
	static const char *const labels[] = { "[ALERT]", "[WARNING]", "[NOTICE]", "[DIAG]" };
	char exp[1024];

	assert_true(k < nmsgs);
	snprintf(exp, sizeof(exp), "%-10s (%d) : config : parsing [%s] : %s", labels[lvl], (int)getpid(), where, msg);
	assert_string_equal(msgs[k], exp);
	assert_int_equal(lvls[k], lvl);
}

/* Asserts that some message contains <part>. */
static void expect_msg_part(const char *part)
{
	for (int k = 0; k < nmsgs && k < MAX_MSGS; k++) {
		if (strstr(msgs[k], part))
			return;
	}
	for (int k = 0; k < nmsgs && k < MAX_MSGS; k++)
		fprintf(stderr, "msg %d: %s\n", k, msgs[k]);
	fail_msg("no message contains '%s'", part);
}

/* ---------------------------------------------------------------------- */
/* Fake sections and keywords, registered the way modules do              */
/* ---------------------------------------------------------------------- */

static const char *mod_name(const struct cfg_ctx *ctx)
{
	return ctx->kw_mod == CFG_KWM_NO ? "no" : ctx->kw_mod == CFG_KWM_DEFAULT ? "default" : "std";
}

static int sec_begin(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (strcmp(args[0], "global") != 0 && strcmp(args[0], "defaults") != 0 && argc < 2)
		return cfg_set_err(err, "'%s' expects an <id> argument", args[0]);
	tracef("[%s%s%s]", args[0], argc > 1 ? " " : "", argc > 1 ? args[1] : "");
	ctx->section_data = ctx;         /* anything non-NULL */
	return CFG_OK;
}

static int sec_end(struct cfg_ctx *ctx, char **err)
{
	assert_non_null(ctx->section_data);
	tracef("[/%s]", ctx->section);
	return CFG_OK;
}

static int kw_maxconn(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	long long v;
	char *why = NULL;

	if (argc != 2)
		return cfg_set_err(err, "'%s' expects an integer argument.", args[0]);
	if (cfg_parse_int(args[1], 1, 1000000, &v, &why) < 0) {
		cfg_set_err(err, "'%s' : %s", args[0], why ? why : "invalid integer");
		free(why);
		return CFG_ERR;
	}
	tracef("%s=%lld", args[0], v);
	return CFG_OK;
}

static int kw_flag(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	tracef("%s(%s)", args[0], mod_name(ctx));
	return CFG_OK;
}

static int kw_warnme(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	tracef("warnme");
	return cfg_set_warn(err, "'%s' is deprecated.", args[0]);
}

static int kw_args(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	size_t l = strlen(trace);

	tracef("%s", args[0]);
	for (int k = 1; k < argc; k++) {
		l = strlen(trace);
		snprintf(trace + l, sizeof(trace) - l, " %s", args[k]);
	}
	return CFG_OK;
}

/* "timeout <name> <time>": a two-word keyword dispatching on args[1]. */
static int kw_timeout(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	static const char *const names[] = { "connect", "client", "server" };
	unsigned ms;
	char *why = NULL;

	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		if (argc < 2 || strcmp(args[1], names[k]) != 0)
			continue;
		if (argc != 3)
			return cfg_set_err(err, "'timeout %s' expects a time.", args[1]);
		if (cfg_parse_time(args[2], &ms, &why) < 0) {
			cfg_set_err(err, "'timeout %s' : %s", args[1], why ? why : "invalid time");
			free(why);
			return CFG_ERR;
		}
		tracef("timeout %s=%u", args[1], ms);
		return CFG_OK;
	}
	return cfg_set_err(err, "'timeout' expects 'connect', 'client' or 'server'.");
}

static int kw_option(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc != 2)
		return cfg_set_err(err, "'option' expects an option name.");
	tracef("option %s(%s)", args[1], mod_name(ctx));
	return CFG_OK;
}

static struct cfg_section sec_global = { .name = "global", .begin = sec_begin, .end = sec_end, .kw_scope = "global" };
static struct cfg_section sec_defaults = { .name = "defaults", .begin = sec_begin, .end = sec_end, .kw_scope = "proxy" };
static struct cfg_section sec_frontend = { .name = "frontend", .begin = sec_begin, .end = sec_end, .kw_scope = "proxy" };
static struct cfg_section sec_backend = { .name = "backend", .begin = sec_begin, .end = sec_end, .kw_scope = "proxy" };
static struct cfg_section sec_listen = { .name = "listen", .begin = sec_begin, .end = sec_end, .kw_scope = "proxy" };

static struct cfg_kw global_kws[] = {
	{ "maxconn",  kw_maxconn, 0 },
	{ "nbthread", kw_maxconn, 0 },
	{ "daemon",   kw_flag, CFG_KW_NO },
	{ "warnme",   kw_warnme, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw proxy_kws[] = {
	{ "bind",     kw_args, 0 },
	{ "server",   kw_args, 0 },
	{ "mode",     kw_args, 0 },
	{ "maxconn",  kw_maxconn, 0 },
	{ "timeout",  kw_timeout, 0 },
	{ "option",   kw_option, CFG_KW_NO | CFG_KW_DEFAULT },
	{ NULL, NULL, 0 },
};

/* a second table in the same scope, as a second module would add */
static struct cfg_kw proxy_more_kws[] = {
	{ "balance",  kw_args, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list global_kwl = { .scope = "global", .kws = global_kws };
static struct cfg_kw_list proxy_kwl = { .scope = "proxy", .kws = proxy_kws };
static struct cfg_kw_list proxy_more_kwl = { .scope = "proxy", .kws = proxy_more_kws };

/* Priority 101: before default-priority constructors of library modules,
 * so that these fake sections win over real ones of the same names.
 */
__attribute__((constructor(101))) static void test_cfg_register(void)
{
	cfg_register_section(&sec_global);
	cfg_register_section(&sec_defaults);
	cfg_register_section(&sec_frontend);
	cfg_register_section(&sec_backend);
	cfg_register_section(&sec_listen);
	cfg_register_keywords(&global_kwl);
	cfg_register_keywords(&proxy_kwl);
	cfg_register_keywords(&proxy_more_kwl);
}

/* ---------------------------------------------------------------------- */
/* Driver                                                                 */
/* ---------------------------------------------------------------------- */

static void test_sections_and_keywords(void **state)
{
	static const char text[] =
		"# a configuration\n"
		"global\n"
		"    maxconn 100\n"
		"    daemon\n"
		"    no daemon\n"
		"\n"
		"defaults\n"
		"    timeout connect 5s\n"
		"    timeout client 1m   # trailing comment\n"
		"frontend fe1\n"
		"    bind :80 \"name with spaces\"\n"
		"    option httplog\n"
		"    no option forwardfor\n"
		"    default option http-keep-alive\n"
		"    balance roundrobin\n"
		"backend be1\n"
		"    server s1 127.0.0.1:8080\n";

	assert_int_equal(cfg_parse_text("t.cfg", text), 0);
	assert_int_equal(nmsgs, 0);
	assert_string_equal(trace,
		"[global] maxconn=100 daemon(std) daemon(no) [/global] "
		"[defaults] timeout connect=5000 timeout client=60000 [/defaults] "
		"[frontend fe1] bind :80 name with spaces option httplog(std) option forwardfor(no) "
		"option http-keep-alive(default) balance roundrobin [/frontend] "
		"[backend be1] server s1 127.0.0.1:8080 [/backend]");
}

static void test_unknown_keywords(void **state)
{
	assert_int_equal(cfg_parse_text("t.cfg", "frontnd fe1\n"), -1);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:1", "unknown keyword 'frontnd' out of section; did you mean 'frontend' maybe ?");

	nmsgs = 0;
	assert_int_equal(cfg_parse_text("t.cfg", "global\n\tmxconn 10\n"), -1);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:2", "unknown keyword 'mxconn' in 'global' section; did you mean 'maxconn' maybe ?");

	nmsgs = 0;
	assert_int_equal(cfg_parse_text("t.cfg", "frontend fe\n  bnd :80\n  tiemout client 1s\n  bakend x\n  zzqqxxww 1\n"), -4);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:2", "unknown keyword 'bnd' in 'frontend' section; did you mean 'bind' maybe ?");
	expect_msg(1, CFG_LVL_ALERT, "t.cfg:3", "unknown keyword 'tiemout' in 'frontend' section; did you mean 'timeout' maybe ?");
	expect_msg(2, CFG_LVL_ALERT, "t.cfg:4", "unknown keyword 'bakend' in 'frontend' section; did you mean 'backend' maybe ?");
	expect_msg(3, CFG_LVL_ALERT, "t.cfg:5", "unknown keyword 'zzqqxxww' in 'frontend' section");

	/* keywords of another scope are not offered */
	assert_string_equal(cfg_suggest("proxy", "balanse"), "balance");
	assert_null(cfg_suggest("global", "balanse"));
	assert_string_equal(cfg_suggest(NULL, "lisen"), "listen");
	assert_null(cfg_suggest(NULL, ""));
}

static void test_out_of_section(void **state)
{
	assert_int_equal(cfg_parse_text("t.cfg", "maxconn 10\nglobal\n    maxconn 10\n"), -1);
	assert_int_equal(nmsgs, 1);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:1", "unknown keyword 'maxconn' out of section.");
	assert_string_equal(trace, "[global] maxconn=10 [/global]");
}

static void test_handler_results(void **state)
{
	static const char text[] =
		"global\n"
		"    maxconn abc\n"
		"    maxconn 0\n"
		"    warnme\n"
		"    no maxconn 1\n"
		"    maxconn 5\n"
		"frontend\n"
		"    bind :80\n"
		"defaults\n"
		"    timeout connect 5x\n"
		"    timeout queue 5s\n";

	assert_int_equal(cfg_parse_text("t.cfg", text), -6);
	assert_int_equal(nmsgs, 7);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:2",
		   "'maxconn' : invalid integer 'abc': expected a decimal number between 1 and 1000000");
	expect_msg(1, CFG_LVL_ALERT, "t.cfg:3",
		   "'maxconn' : integer '0' is out of range: expected a value between 1 and 1000000");
	expect_msg(2, CFG_LVL_WARNING, "t.cfg:4", "'warnme' is deprecated.");
	expect_msg(3, CFG_LVL_ALERT, "t.cfg:5", "'maxconn' : the 'no' prefix is not supported by this keyword");
	expect_msg(4, CFG_LVL_ALERT, "t.cfg:7", "'frontend' expects an <id> argument");
	expect_msg(5, CFG_LVL_ALERT, "t.cfg:10",
		   "'timeout connect' : invalid time value '5x': expected an integer optionally followed by a unit among us, ms, s, m, h, d (default ms)");
	expect_msg(6, CFG_LVL_ALERT, "t.cfg:11", "'timeout' expects 'connect', 'client' or 'server'.");
	/* a section whose begin failed is skipped to its end, end handler included */
	assert_string_equal(trace, "[global] warnme maxconn=5 [/global] [defaults] [/defaults]");
}

static void test_directives(void **state)
{
	static const char text[] =
		".warning \"careful\"\n"
		".notice \"fyi\"\n"
		".diag \"debugging\"\n"
		"global\n"
		"    .warning two words\n"
		"    .foo\n"
		"    .alert \"stop here\"\n"
		"    maxconn 1\n";

	assert_int_equal(cfg_parse_text("t.cfg", text), -3);
	assert_int_equal(nmsgs, 5);
	expect_msg(0, CFG_LVL_WARNING, "t.cfg:1", "'careful'.");
	expect_msg(1, CFG_LVL_NOTICE, "t.cfg:2", "'fyi'.");
	expect_msg(2, CFG_LVL_ALERT, "t.cfg:5", "unexpected argument 'words' for '.warning'; use quotes if the message should contain spaces");
	expect_msg(3, CFG_LVL_ALERT, "t.cfg:6", "unknown directive '.foo'");
	expect_msg(4, CFG_LVL_ALERT, "t.cfg:7", "'stop here'.");
	/* .alert stops the parse: maxconn is never seen, the section still ends */
	assert_string_equal(trace, "[global] [/global]");

	nmsgs = 0;
	cfg_set_diag(1);
	assert_int_equal(cfg_parse_text("t.cfg", ".diag \"debugging\"\n"), 0);
	expect_msg(0, CFG_LVL_DIAG, "t.cfg:1", "'debugging'.");
}

static void test_conditions(void **state)
{
	static const char text[] =
		"global\n"
		".if defined(TG_P_SET)\n"
		"    maxconn 1\n"
		".elif feature(THREAD)\n"
		"    maxconn 2\n"
		"    .if 0\n"
		"        maxconn 22\n"
		"        .alert \"not taken\"\n"
		"    .endif\n"
		".else\n"
		"    maxconn 3\n"
		".endif\n"
		".if streq(\"$TG_P_MODE\",prod) && version_atleast(2.4) && !version_atleast(99)\n"
		"    nbthread 4\n"
		".endif\n";

	unsetenv("TG_P_SET");
	setenv("TG_P_MODE", "prod", 1);
	assert_int_equal(cfg_parse_text("t.cfg", text), 0);
	assert_int_equal(nmsgs, 0);
	assert_string_equal(trace, "[global] maxconn=2 nbthread=4 [/global]");
}

static void test_condition_errors(void **state)
{
	assert_int_equal(cfg_parse_text("t.cfg", "global\n.elif 1\n    maxconn 1\n"), -1);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:2", "lone '.elif' with no matching '.if'");
	assert_string_equal(trace, "[global] [/global]");

	nmsgs = 0;
	assert_int_equal(cfg_parse_text("t.cfg", "global\n.if 1\n    maxconn 1\n\n"), -1);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:4", "non-terminated '.if' block opened at line 2");

	nmsgs = 0;
	assert_int_equal(cfg_parse_text("t.cfg", "global\n  .if 1 && foo(x)\n  .endif\n"), -1);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:2",
		   "unknown predicate 'foo' in conditional expression in '.if' at position 6");

	nmsgs = 0;
	assert_int_equal(cfg_parse_text("t.cfg", ".if 1\n.else\n.else\n.endif\n"), -1);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:3", "'.else' after '.else' is not permitted");
}

static void test_lexer_errors(void **state)
{
	assert_int_equal(cfg_parse_text("t.cfg", "global\n    maxconn \"10\n    maxconn 2\n"), -1);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:2", "unmatched double quote at position 13");
	/* the parse goes on with the next line */
	assert_string_equal(trace, "[global] maxconn=2 [/global]");

	nmsgs = 0;
	unsetenv("TG_P_UNSET");
	assert_int_equal(cfg_parse_text("t.cfg", "frontend fe\n  bind \"$TG_P_UNSET\" ssl\n"), -1);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:2",
		   "argument number 1 at position 8 is empty; if it comes from an unset environment variable, give it a default with \"${VAR-default}\"");

	nmsgs = 0;
	assert_int_equal(cfg_parse_text("t.cfg", "global\n  maxconn \\x4\n"), -1);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:2", "truncated or invalid hexadecimal sequence at position 11");
}

static void test_pseudo_vars(void **state)
{
	assert_int_equal(cfg_parse_text("p.cfg", "frontend fe1\n  bind \"${.FILE}:${.LINE}:${.SECTION}\"\nglobal\n  .notice \"$.SECTION\"\n"), 0);
	assert_string_equal(trace, "[frontend fe1] bind p.cfg:2:fe1 [/frontend] [global] [/global]");
	expect_msg(0, CFG_LVL_NOTICE, "p.cfg:4", "'global'.");
}

static void test_long_lines(void **state)
{
	size_t n = 70000;
	char *text = malloc(n + 64);
	size_t o;

	assert_non_null(text);
	o = (size_t)sprintf(text, "global\n maxconn ");
	memset(text + o, '1', n);
	strcpy(text + o + n, "\n maxconn 7\n");
	assert_int_equal(cfg_parse_text("t.cfg", text), -1);
	expect_msg(0, CFG_LVL_ALERT, "t.cfg:2", "line too long (70009 bytes, max is 65535)");
	assert_string_equal(trace, "[global] maxconn=7 [/global]");

	/* long, but within the limit: the word buffer grows */
	nmsgs = 0;
	trace[0] = '\0';
	o = (size_t)sprintf(text, "frontend fe\n mode ");
	memset(text + o, 'x', 60000);
	strcpy(text + o + 60000, "\n");
	assert_int_equal(cfg_parse_text("t.cfg", text), 0);
	assert_int_equal(strlen(trace), strlen("[frontend fe] mode ") + 60000 + strlen(" [/frontend]"));
	free(text);
}

static void test_too_many_errors(void **state)
{
	char text[1024];
	size_t o = (size_t)sprintf(text, "global\n");

	for (int k = 0; k < 60; k++)
		o += (size_t)sprintf(text + o, "bad%d\n", k);
	assert_int_equal(cfg_parse_text("t.cfg", text), -(CFG_MAX_FATAL + 1));
	expect_msg(CFG_MAX_FATAL, CFG_LVL_ALERT, "t.cfg:52", "too many errors (50), stopping now");
}

static void test_nul_in_line(void **state)
{
	/* cfg_parse_text() stops at the NUL; files may contain one */
	char path[] = "/tmp/tg_cfg_nul_XXXXXX";
	int fd = mkstemp(path);
	static const char content[] = "global\n  maxconn 1\0\n  maxconn 2\n";
	const char *paths[] = { path };

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, sizeof(content) - 1), (ssize_t)sizeof(content) - 1);
	close(fd);
	assert_int_equal(cfg_parse_files(paths, 1), -1);
	expect_msg_part("stray NUL character at position 12");
	assert_string_equal(trace, "[global] maxconn=2 [/global]");
	unlink(path);
}

static void write_file(const char *dir, const char *name, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static void test_directory(void **state)
{
	char dir[] = "/tmp/tg_cfg_dir_XXXXXX";
	char sub[600], where[600], file_a[600], file_b[600];
	const char *paths[2];

	assert_non_null(mkdtemp(dir));
	write_file(dir, "20-b.cfg", "backend b\n    server s2 10.0.0.2:80\n");
	write_file(dir, "10-a.cfg", "frontend a\n    bind :1\n");
	write_file(dir, ".hidden.cfg", "frontend hidden\n");
	write_file(dir, "notes.txt", "frontend txt\n");
	write_file(dir, "30-c.cfg.bak", "frontend bak\n");
	write_file(dir, "cfg", "frontend nosuffix\n");
	snprintf(sub, sizeof(sub), "%s/40-d.cfg", dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	paths[0] = dir;
	assert_int_equal(cfg_parse_files(paths, 1), 0);
	assert_int_equal(nmsgs, 0);
	assert_string_equal(trace, "[frontend a] bind :1 [/frontend] [backend b] server s2 10.0.0.2:80 [/backend]");

	/* each file ends its section; messages name the file; a missing LF warns */
	write_file(dir, "50-e.cfg", "    bind :2\n");
	write_file(dir, "60-f.cfg", "frontend f");
	trace[0] = '\0';
	assert_int_equal(cfg_parse_files(paths, 1), -1);
	assert_int_equal(nmsgs, 2);
	snprintf(where, sizeof(where), "%s/50-e.cfg:1", dir);
	expect_msg(0, CFG_LVL_ALERT, where, "unknown keyword 'bind' out of section.");
	snprintf(where, sizeof(where), "%s/60-f.cfg:1", dir);
	expect_msg(1, CFG_LVL_WARNING, where, "missing LF on last line, file might have been truncated at position 11");
	assert_string_equal(trace,
		"[frontend a] bind :1 [/frontend] [backend b] server s2 10.0.0.2:80 [/backend] [frontend f] [/frontend]");

	/* files given one by one are read in the order given */
	snprintf(file_a, sizeof(file_a), "%s/10-a.cfg", dir);
	snprintf(file_b, sizeof(file_b), "%s/20-b.cfg", dir);
	paths[0] = file_b;
	paths[1] = file_a;
	trace[0] = '\0';
	nmsgs = 0;
	assert_int_equal(cfg_parse_files(paths, 2), 0);
	assert_string_equal(trace, "[backend b] server s2 10.0.0.2:80 [/backend] [frontend a] bind :1 [/frontend]");

	rmdir(sub);
	remove_file(dir, "10-a.cfg");
	remove_file(dir, "20-b.cfg");
	remove_file(dir, ".hidden.cfg");
	remove_file(dir, "notes.txt");
	remove_file(dir, "30-c.cfg.bak");
	remove_file(dir, "cfg");
	remove_file(dir, "50-e.cfg");
	remove_file(dir, "60-f.cfg");
	assert_int_equal(rmdir(dir), 0);
}

static void test_missing_file(void **state)
{
	const char *paths[] = { "/nonexistent/tg/haproxy.cfg" };
	char exp[256];

	assert_int_equal(cfg_parse_files(paths, 1), -1);
	snprintf(exp, sizeof(exp),
		 "[ALERT]    (%d) : config : cannot open configuration file/directory /nonexistent/tg/haproxy.cfg : No such file or directory",
		 (int)getpid());
	assert_string_equal(msgs[0], exp);
}

static void test_message_api(void **state)
{
	struct cfg_ctx ctx = { .file = "x.cfg", .line = 7 };
	char exp[256];
	char *err = NULL;

	cfg_alert(NULL, "plain %d", 1);
	snprintf(exp, sizeof(exp), "[ALERT]    (%d) : config : plain 1", (int)getpid());
	assert_string_equal(msgs[0], exp);

	cfg_warn(&ctx, "'%s' is odd", "kw");
	expect_msg(1, CFG_LVL_WARNING, "x.cfg:7", "'kw' is odd");
	cfg_alert(&ctx, "bad");
	expect_msg(2, CFG_LVL_ALERT, "x.cfg:7", "bad");
	cfg_notice(&ctx, "note");
	expect_msg(3, CFG_LVL_NOTICE, "x.cfg:7", "note");
	assert_int_equal(ctx.errors, 1);
	assert_int_equal(ctx.warnings, 1);

	/* the exact widths of HAProxy's labels */
	assert_int_equal(strncmp(msgs[0], "[ALERT]    (", 12), 0);
	assert_int_equal(strncmp(msgs[1], "[WARNING]  (", 12), 0);
	assert_int_equal(strncmp(msgs[3], "[NOTICE]   (", 12), 0);

	assert_int_equal(cfg_set_err(&err, "a %s", "b"), CFG_ERR);
	assert_string_equal(err, "a b");
	assert_int_equal(cfg_set_warn(&err, "c"), CFG_WARN);
	assert_string_equal(err, "c");
	free(err);
	assert_int_equal(cfg_set_err(NULL, "ignored"), CFG_ERR);
}

/* ---------------------------------------------------------------------- */
/* Units                                                                  */
/* ---------------------------------------------------------------------- */

static void expect_time(const char *s, int ret, unsigned ms)
{
	unsigned got = 12345;
	char *err = NULL;
	int r = cfg_parse_time(s, &got, &err);

	if (r != ret)
		fail_msg("time '%s': returned %d, expected %d", s, r, ret);
	if (!ret) {
		assert_int_equal(got, ms);
		assert_null(err);
	} else {
		assert_int_equal(got, 12345);
		assert_non_null(err);
		/* the message names the value */
		assert_non_null(strstr(err, s));
		free(err);
	}
}

static void test_time(void **state)
{
	unsigned ms;

	expect_time("0", 0, 0);
	expect_time("100", 0, 100);
	expect_time("100ms", 0, 100);
	expect_time("5s", 0, 5000);
	expect_time("2m", 0, 120000);
	expect_time("1h", 0, 3600000);
	expect_time("1d", 0, 86400000);
	expect_time("1us", 0, 1);
	expect_time("1000us", 0, 1);
	expect_time("1500us", 0, 2);
	expect_time("24d", 0, 2073600000);
	expect_time("2147483647", 0, 2147483647u);
	expect_time("2147483648", -ERANGE, 0);
	expect_time("25d", -ERANGE, 0);
	expect_time("99999999999999999999999", -ERANGE, 0);
	expect_time("", -EINVAL, 0);
	expect_time("abc", -EINVAL, 0);
	expect_time("5 s", -EINVAL, 0);
	expect_time("5S", -EINVAL, 0);
	expect_time("-1", -EINVAL, 0);
	expect_time("1.5s", -EINVAL, 0);
	expect_time("5sec", -EINVAL, 0);
	expect_time("5ms ", -EINVAL, 0);
	assert_int_equal(cfg_parse_time("x", &ms, NULL), -EINVAL);
}

static void expect_size(const char *s, int ret, uint64_t v)
{
	uint64_t got = 12345;
	char *err = NULL;
	int r = cfg_parse_size(s, &got, &err);

	if (r != ret)
		fail_msg("size '%s': returned %d, expected %d", s, r, ret);
	if (!ret) {
		assert_true(got == v);
	} else {
		assert_true(got == 12345);
		assert_non_null(strstr(err, s));
		free(err);
	}
}

static void test_size(void **state)
{
	expect_size("0", 0, 0);
	expect_size("1024", 0, 1024);
	expect_size("1k", 0, 1024);
	expect_size("1K", 0, 1024);
	expect_size("2m", 0, 2097152);
	expect_size("3g", 0, 3221225472ULL);
	expect_size("3G", 0, 3221225472ULL);
	expect_size("18446744073709551615", 0, UINT64_MAX);
	expect_size("18446744073709551616", -ERANGE, 0);
	expect_size("17179869184g", -ERANGE, 0);
	expect_size("1t", -EINVAL, 0);
	expect_size("1kb", -EINVAL, 0);
	expect_size("k", -EINVAL, 0);
	expect_size("", -EINVAL, 0);
	expect_size("1.5k", -EINVAL, 0);
}

static void test_int(void **state)
{
	long long v = 99;
	char *err = NULL;

	assert_int_equal(cfg_parse_int("42", 0, 100, &v, NULL), 0);
	assert_int_equal(v, 42);
	assert_int_equal(cfg_parse_int("-5", -10, 10, &v, NULL), 0);
	assert_int_equal(v, -5);
	assert_int_equal(cfg_parse_int("+7", 0, 10, &v, NULL), 0);
	assert_int_equal(v, 7);
	assert_int_equal(cfg_parse_int("9223372036854775807", LLONG_MIN, LLONG_MAX, &v, NULL), 0);
	assert_true(v == LLONG_MAX);
	assert_int_equal(cfg_parse_int("-9223372036854775808", LLONG_MIN, LLONG_MAX, &v, NULL), 0);
	assert_true(v == LLONG_MIN);
	v = 99;
	assert_int_equal(cfg_parse_int("9223372036854775808", LLONG_MIN, LLONG_MAX, &v, NULL), -ERANGE);
	assert_int_equal(cfg_parse_int("101", 0, 100, &v, &err), -ERANGE);
	assert_string_equal(err, "integer '101' is out of range: expected a value between 0 and 100");
	assert_int_equal(cfg_parse_int("abc", 0, 100, &v, &err), -EINVAL);
	assert_string_equal(err, "invalid integer 'abc': expected a decimal number between 0 and 100");
	assert_int_equal(cfg_parse_int("", 0, 100, &v, &err), -EINVAL);
	assert_int_equal(cfg_parse_int("1e3", 0, 10000, &v, &err), -EINVAL);
	assert_int_equal(cfg_parse_int("-", 0, 10000, &v, &err), -EINVAL);
	assert_int_equal(v, 99);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sections_and_keywords, reset),
		cmocka_unit_test_setup(test_unknown_keywords, reset),
		cmocka_unit_test_setup(test_out_of_section, reset),
		cmocka_unit_test_setup(test_handler_results, reset),
		cmocka_unit_test_setup(test_directives, reset),
		cmocka_unit_test_setup(test_conditions, reset),
		cmocka_unit_test_setup(test_condition_errors, reset),
		cmocka_unit_test_setup(test_lexer_errors, reset),
		cmocka_unit_test_setup(test_pseudo_vars, reset),
		cmocka_unit_test_setup(test_long_lines, reset),
		cmocka_unit_test_setup(test_too_many_errors, reset),
		cmocka_unit_test_setup(test_nul_in_line, reset),
		cmocka_unit_test_setup(test_directory, reset),
		cmocka_unit_test_setup(test_missing_file, reset),
		cmocka_unit_test_setup(test_message_api, reset),
		cmocka_unit_test_setup(test_time, reset),
		cmocka_unit_test_setup(test_size, reset),
		cmocka_unit_test_setup(test_int, reset),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	cfg_set_sink(NULL, NULL);
	return ret;
}
