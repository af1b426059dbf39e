/*
 * The `global` section: process-wide settings (global.h).
 *
 * Each keyword's meaning and syntax follow HAProxy's configuration manual;
 * doc/configuration.md lists them. Keywords HAProxy has and Tollgate does
 * not implement yet are refused with a message saying so, except a few
 * that only tune HAProxy internals, accepted with a notice.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg.h>
#include <tollgate/global.h>
#include <tollgate/http_codes.h>
#include <tollgate/thread.h>
#include <tollgate/var_action.h>
#include <tollgate/vars.h>

/* Parses args[1] as an integer in [min, max] into *out, or fails naming
 * the keyword.
 */
static int int_arg(int argc, char **args, long long min, long long max, long long *out, char **err)
{
	char *why = NULL;

	if (argc < 2)
		return cfg_set_err(err, "'%s' expects an integer argument.", args[0]);
	if (cfg_parse_int(args[1], min, max, out, &why) < 0) {
		cfg_set_err(err, "'%s' : %s", args[0], why ? why : "invalid integer");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

static int kw_nbthread(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	long long v;

	if (int_arg(argc, args, 1, MAX_THREADS, &v, err) < 0)
		return CFG_ERR;
	global.nbthread = (int)v;
	return CFG_OK;
}

/* `thread-groups <n>`: HAProxy partitions its threads into groups, each
 * with its own scheduler state. Tollgate's threads always form one group:
 * 1 is what it does; more is accepted with a warning (the threads still
 * all serve every listener).
 */
static int kw_thread_groups(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	long long v;

	if (int_arg(argc, args, 1, MAX_THREADS, &v, err) < 0)
		return CFG_ERR;
	if (v > 1)
		return cfg_set_warn(err, "'thread-groups %lld' has no effect: Tollgate runs its threads in one group.", v);
	return CFG_OK;
}

/* Keywords about HAProxy features Tollgate's design has no switch for:
 * accepted silently, as their meaning is already what Tollgate does.
 *  - expose-experimental-directives: Tollgate has no experimental keywords.
 */
static int kw_noop(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc > 1)
		return cfg_set_err(err, "'%s' takes no argument.", args[0]);
	return CFG_OK;
}

/* `insecure-fork-wanted`: lets external checks start processes (without it
 * they fail, as HAProxy's, which forbids fork() then).
 */
static int kw_insecure_fork(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc > 1)
		return cfg_set_err(err, "'%s' takes no argument.", args[0]);
	global.insecure_fork = 1;
	return CFG_OK;
}

/* `external-check [preserve-env]`: allows `option external-check`. */
static int kw_external_check(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc > 2 || (argc == 2 && strcmp(args[1], "preserve-env")))
		return cfg_set_err(err, "'%s' only supports 'preserve-env' as an argument, found '%s'.", args[0], args[argc - 1]);
	global.external_check = argc == 2 ? 2 : 1;
	return CFG_OK;
}

/* `noreuseport`: no SO_REUSEPORT. Tollgate then binds one socket per
 * `bind` address, which every thread polls through its own duplicate (as
 * for unix sockets), instead of one per thread.
 */
static int kw_noreuseport(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc > 1)
		return cfg_set_err(err, "'%s' takes no argument.", args[0]);
	global.noreuseport = 1;
	return CFG_OK;
}

/* `nosplice`: `option splice-*` is ignored, data always goes through
 * buffers (HAProxy's kill switch for a kernel with a broken splice()).
 */
static int kw_nosplice(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc > 1)
		return cfg_set_err(err, "'%s' takes no argument.", args[0]);
	global.nosplice = 1;
	return CFG_OK;
}

static int kw_maxconn(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	long long v;

	if (int_arg(argc, args, 1, 10000000, &v, err) < 0)
		return CFG_ERR;
	global.maxconn = (unsigned int)v;
	return CFG_OK;
}

/* `maxconnrate <n>` / `maxsessrate <n>`: accepts (sessions) per second. */
static int kw_maxrate(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	long long v;

	if (int_arg(argc, args, 0, 100000000, &v, err) < 0)
		return CFG_ERR;
	atomic_store(args[0][3] == 'c' ? &global.maxconnrate : &global.maxsessrate, (unsigned int)v);
	return CFG_OK;
}

/* `ulimit-n <n>` and `fd-hard-limit <n>`: see limits.h. */
static int kw_fd_limit(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	long long v;

	if (int_arg(argc, args, 1, 0x7fffffff, &v, err) < 0)
		return CFG_ERR;
	if (!strcmp(args[0], "ulimit-n"))
		global.ulimit_n = (unsigned int)v;
	else
		global.fd_hard_limit = (unsigned int)v;
	return CFG_OK;
}

static int kw_strict_limits(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	global.strict_limits = ctx->kw_mod != CFG_KWM_NO;
	return CFG_OK;
}

static int kw_daemon(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	global.daemon = ctx->kw_mod != CFG_KWM_NO;
	return CFG_OK;
}

/* master-worker [no-exit-on-failure]: as -W (doc/management.md). */
static int kw_master_worker(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc > 2 || (argc == 2 && strcmp(args[1], "no-exit-on-failure")))
		return cfg_set_err(err, "'%s' only supports 'no-exit-on-failure' option.", args[0]);
	global.master_worker = argc == 2 ? 2 : 1;
	return CFG_OK;
}

static int kw_pidfile(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc < 2)
		return cfg_set_err(err, "'%s' expects a file name as an argument.", args[0]);
	free(global.pidfile);
	global.pidfile = strdup(args[1]);
	return global.pidfile ? CFG_OK : cfg_set_err(err, "out of memory");
}

/* set-var <var> <expr>, set-var-fmt <var> <fmt>: a proc variable set at
 * start-up.
 */
static int kw_set_var(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	char *why = NULL;

	if (argc != 3)
		return cfg_set_err(err, "'%s' expects a variable name and %s.", args[0],
				   strcmp(args[0], "set-var") ? "a log-format string" : "a sample expression");
	if (var_set_global(args[1], args[2], strcmp(args[0], "set-var") != 0, &why) < 0) {
		cfg_set_err(err, "'%s' : %s", args[0], why ? why : "failed");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

static int kw_chroot(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc < 2)
		return cfg_set_err(err, "'%s' expects a directory as an argument.", args[0]);
	free(global.chroot);
	global.chroot = strdup(args[1]);
	return global.chroot ? CFG_OK : cfg_set_err(err, "out of memory");
}

static int kw_user(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct passwd *pw;
	long long v;

	if (!strcmp(args[0], "uid")) {
		if (int_arg(argc, args, 0, 0x7fffffff, &v, err) < 0)
			return CFG_ERR;
		global.uid = (int)v;
		return CFG_OK;
	}
	if (argc < 2)
		return cfg_set_err(err, "'%s' expects a user name as an argument.", args[0]);
	pw = getpwnam(args[1]);
	if (!pw)
		return cfg_set_err(err, "'%s' : unknown user '%s'.", args[0], args[1]);
	global.uid = (int)pw->pw_uid;
	return CFG_OK;
}

static int kw_group(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct group *gr;
	long long v;

	if (!strcmp(args[0], "gid")) {
		if (int_arg(argc, args, 0, 0x7fffffff, &v, err) < 0)
			return CFG_ERR;
		global.gid = (int)v;
		return CFG_OK;
	}
	if (argc < 2)
		return cfg_set_err(err, "'%s' expects a group name as an argument.", args[0]);
	gr = getgrnam(args[1]);
	if (!gr)
		return cfg_set_err(err, "'%s' : unknown group '%s'.", args[0], args[1]);
	global.gid = (int)gr->gr_gid;
	return CFG_OK;
}

static int kw_hard_stop_after(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	char *why = NULL;

	if (argc < 2)
		return cfg_set_err(err, "'%s' expects a time as an argument.", args[0]);
	if (cfg_parse_time(args[1], &global.hard_stop_after, &why) < 0) {
		cfg_set_err(err, "'%s' : %s", args[0], why ? why : "invalid time");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

/* stick-tables-state-file PATH: where tables are saved and restored. */
static int kw_tables_state_file(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc != 2 || !*args[1])
		return cfg_set_err(err, "'%s' expects a file path as its only argument.", args[0]);
	free(global.tables_state_file);
	global.tables_state_file = strdup(args[1]);
	if (!global.tables_state_file)
		return cfg_set_err(err, "out of memory");
	return CFG_OK;
}

/* stick-tables-state-interval TIME: periodic save, 0 disables it. */
static int kw_tables_state_interval(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	char *why = NULL;

	if (argc != 2)
		return cfg_set_err(err, "'%s' expects a time as its only argument.", args[0]);
	if (cfg_parse_time(args[1], &global.tables_state_interval, &why) < 0) {
		cfg_set_err(err, "'%s' : %s", args[0], why ? why : "invalid time");
		free(why);
		return CFG_ERR;
	}
	return CFG_OK;
}

/* tune.vars.<scope>-max-size <bytes>: read as HAProxy does (a decimal
 * number, nothing after it), see enum vars_lim.
 */
static int kw_vars_max_size(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	static const char *const names[] = {
		[VARS_LIM_GLOBAL] = "tune.vars.global-max-size", [VARS_LIM_PROC] = "tune.vars.proc-max-size",
		[VARS_LIM_SESS] = "tune.vars.sess-max-size", [VARS_LIM_TXN] = "tune.vars.txn-max-size",
		[VARS_LIM_REQRES] = "tune.vars.reqres-max-size",
	};
	char *end;
	long v;

	if (argc < 2)
		return cfg_set_err(err, "'%s' expects a size in bytes.", args[0]);
	v = strtol(args[1], &end, 10);
	if (*end || end == args[1] || v < 0 || v > (long)UINT32_MAX)
		return cfg_set_err(err, "%s: '%s' is an invalid size", args[0], args[1]);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(args[0], names[i]))
			global.vars_limit[i] = (unsigned int)v;
	return CFG_OK;
}

/* tune.* keywords Tollgate implements. */
static int kw_tune(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	long long v;

	if (!strcmp(args[0], "tune.bufsize")) {
		if (int_arg(argc, args, 1024, 16 * 1024 * 1024, &v, err) < 0)
			return CFG_ERR;
		global.tune_bufsize = (unsigned int)v;
	} else if (!strcmp(args[0], "tune.maxpipes")) {
		if (int_arg(argc, args, 0, 1000000, &v, err) < 0)
			return CFG_ERR;
		global.tune_maxpipes = (unsigned int)v;
	} else if (!strcmp(args[0], "tune.stick-counters")) {
		if (int_arg(argc, args, 1, GLOBAL_MAX_STICKCTR, &v, err) < 0)
			return CFG_ERR;
		global.stick_counters = (unsigned int)v;
	} else if (!strcmp(args[0], "tune.http.maxhdr")) {
		if (int_arg(argc, args, 1, 32767, &v, err) < 0)
			return CFG_ERR;
		global.tune_maxhdr = (unsigned int)v;
	} else if (!strcmp(args[0], "tune.h2.max-concurrent-streams") ||
	           !strcmp(args[0], "tune.h2.fe.max-concurrent-streams")) {
		if (int_arg(argc, args, 1, 1 << 20, &v, err) < 0)
			return CFG_ERR;
		global.tune_h2_fe_max_streams = (unsigned int)v;
		if (args[0][8] == 'm')
			global.tune_h2_max_streams = (unsigned int)v;   /* HAProxy 2.6: the servers' streams too */
	} else if (!strcmp(args[0], "tune.h2.be.max-concurrent-streams")) {
		if (int_arg(argc, args, 1, 1 << 20, &v, err) < 0)
			return CFG_ERR;
		global.tune_h2_be_max_streams = (unsigned int)v;
	} else if (!strcmp(args[0], "tune.h2.be.initial-window-size")) {
		if (int_arg(argc, args, 1, 2147483647, &v, err) < 0)
			return CFG_ERR;
		global.tune_h2_be_window = (unsigned int)v;
	} else if (!strcmp(args[0], "tune.h2.fe.glitches-threshold")) {
		if (int_arg(argc, args, 0, 2147483647, &v, err) < 0)
			return CFG_ERR;
		global.tune_h2_fe_glitches = (unsigned int)v;
	} else if (!strcmp(args[0], "tune.h2.initial-window-size")) {
		if (int_arg(argc, args, 1, 2147483647, &v, err) < 0)
			return CFG_ERR;
		global.tune_h2_init_window = (unsigned int)v;
	} else if (!strcmp(args[0], "tune.h2.header-table-size")) {
		if (int_arg(argc, args, 0, 65536, &v, err) < 0)
			return CFG_ERR;
		global.tune_h2_header_table = (unsigned int)v + 1;   /* 0 is a valid size, apart from unset */
	} else if (!strcmp(args[0], "tune.h2.max-frame-size")) {
		if (int_arg(argc, args, 16384, 16777215, &v, err) < 0)
			return CFG_ERR;
		global.tune_h2_max_frame = (unsigned int)v;
	} else if (!strcmp(args[0], "tune.maxrewrite")) {
		if (int_arg(argc, args, 0, 1 << 20, &v, err) < 0)
			return CFG_ERR;
		global.tune_maxrewrite = (unsigned int)v;
	}
	return CFG_OK;
}

/* `http-err-codes` / `http-fail-codes` [+-]<range>[,...] [...]: each
 * argument replaces, extends or reduces the set in turn (http_codes.h).
 */
static int kw_http_codes(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct http_code_set *set = !strcmp(args[0], "http-err-codes") ? &http_err_codes : &http_fail_codes;
	char why[200];

	if (argc < 2)
		return cfg_set_err(err, "'%s' expects [+-]<range>[,...] (e.g. '400-499 -404').", args[0]);
	for (int i = 1; i < argc; i++)
		if (http_codes_parse(set, args[i], why, sizeof(why)) < 0)
			return cfg_set_err(err, "'%s' : %s.", args[0], why);
	return CFG_OK;
}

/* `tune.idle-pool.shared on|off`: HAProxy lets a thread take another
 * thread's idle server connections. Tollgate's idle pools are per thread
 * (srv_idle.h): `off` is what it does, `on` is accepted with a warning.
 */
static int kw_idle_pool_shared(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc != 2 || (strcmp(args[1], "on") && strcmp(args[1], "off")))
		return cfg_set_err(err, "'%s' expects 'on' or 'off'.", args[0]);
	if (!strcmp(args[1], "on"))
		return cfg_set_warn(err, "'%s on' has no effect: Tollgate keeps idle server connections per thread.", args[0]);
	return CFG_OK;
}

/* cpu-map [auto:]<thread-set> <cpu-set>: thread numbers start at 1, as in
 * HAProxy; sets are "N", "N-M" or "all", comma-separated.
 */
static int parse_set(const char *s, int max, unsigned long *out)
{
	unsigned long set = 0;
	char *end;

	if (!strcmp(s, "all")) {
		*out = max >= 64 ? ~0UL : (1UL << max) - 1;
		return 0;
	}
	while (*s) {
		long a = strtol(s, &end, 10), b;

		if (end == s || a < 0)
			return -EINVAL;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a)
				return -EINVAL;
		}
		if (b >= max)
			return -ERANGE;
		for (long i = a; i <= b; i++)
			set |= 1UL << i;
		if (*end == ',')
			end++;
		else if (*end)
			return -EINVAL;
		s = end;
	}
	*out = set;
	return 0;
}

static int kw_cpu_map(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	const char *thr = args[1];
	unsigned long threads, cpus;

	if (argc < 3)
		return cfg_set_err(err, "'%s' expects a thread set and a CPU set (e.g. 'cpu-map 1-4 0-3').", args[0]);
	if (!strncmp(thr, "auto:", 5))
		thr += 5;
	if (!strncmp(thr, "1/", 2))   /* thread group 1, the only one */
		thr += 2;
	if (parse_set(thr, 65, &threads) < 0 || (threads & 1))
		return cfg_set_err(err, "'%s' : invalid thread set '%s' (threads are numbered from 1 to %d).",
		                   args[0], args[1], MAX_THREADS);
	if (parse_set(args[2], 64, &cpus) < 0 || !cpus)
		return cfg_set_err(err, "'%s' : invalid CPU set '%s' (CPUs are numbered from 0 to 63).",
		                   args[0], args[2]);
	threads >>= 1;
	if (!strncmp(args[1], "auto:", 5)) {
		/* one CPU of the set per thread, in order */
		unsigned long c = cpus;

		for (int t = 0; t < 64 && c; t++) {
			if (!(threads & (1UL << t)))
				continue;
			global.cpu_map[t] = c & -c;
			c &= c - 1;
		}
		return CFG_OK;
	}
	for (int t = 0; t < 64; t++)
		if (threads & (1UL << t))
			global.cpu_map[t] = cpus;
	return CFG_OK;
}

/* stats socket <addr> [mode M] [level L] [user U] [uid N] [group G] [gid N]
 * stats timeout <time>
 * stats maxconn <n>
 * The socket itself is served by the admin module; here it is recorded.
 */
static int kw_stats(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct global_stats_socket *s, **tail;
	char *why = NULL;

	if (argc >= 3 && !strcmp(args[1], "timeout")) {
		if (cfg_parse_time(args[2], &global.stats_timeout, &why) < 0) {
			cfg_set_err(err, "'stats timeout' : %s", why ? why : "invalid time");
			free(why);
			return CFG_ERR;
		}
		return CFG_OK;
	}
	if (argc >= 2 && !strcmp(args[1], "maxconn")) {
		char *end;
		long v = argc >= 3 ? strtol(args[2], &end, 10) : 0;

		if (argc < 3 || *end || v <= 0 || v > INT_MAX)
			return cfg_set_err(err, "'stats maxconn' expects a positive value");
		global.stats_maxconn = (unsigned int)v;
		return CFG_OK;
	}
	if (argc < 3 || strcmp(args[1], "socket"))
		return cfg_set_err(err, "'stats' expects 'socket', 'timeout' or 'maxconn'.");
	s = calloc(1, sizeof(*s));
	if (!s)
		return cfg_set_err(err, "out of memory");
	s->addr = strdup(args[2]);
	s->uid = s->gid = -1;
	s->conf_file = ctx->file;
	s->conf_line = ctx->line;
	for (int i = 3; i < argc; i += 2) {
		const char *opt = args[i], *val = i + 1 < argc ? args[i + 1] : NULL;
		char *end;

		if (!val) {
			free(s->addr);
			free(s->level);
			free(s);
			return cfg_set_err(err, "'stats socket' : option '%s' expects a value.", opt);
		}
		if (!strcmp(opt, "mode")) {
			s->mode = (unsigned int)strtoul(val, &end, 8);
			if (*end)
				goto bad_value;
		} else if (!strcmp(opt, "level")) {
			if (strcmp(val, "user") && strcmp(val, "operator") && strcmp(val, "admin"))
				goto bad_value;
			free(s->level);
			s->level = strdup(val);
		} else if (!strcmp(opt, "uid") || !strcmp(opt, "gid")) {
			long v = strtol(val, &end, 10);

			if (*end || v < 0)
				goto bad_value;
			*(opt[0] == 'u' ? &s->uid : &s->gid) = (int)v;
		} else if (!strcmp(opt, "user")) {
			struct passwd *pw = getpwnam(val);

			if (!pw)
				goto bad_value;
			s->uid = (int)pw->pw_uid;
		} else if (!strcmp(opt, "group")) {
			struct group *gr = getgrnam(val);

			if (!gr)
				goto bad_value;
			s->gid = (int)gr->gr_gid;
		} else if (!strcmp(opt, "expose-fd")) {
			if (strcmp(val, "listeners"))
				goto bad_value;
			s->expose_fd = 1;
		} else if (!strcmp(opt, "process") || !strcmp(opt, "thread")) {
			/* accepted: meaningful for HAProxy's master/worker only */
		} else {
			cfg_set_err(err, "'stats socket' : unknown option '%s' (supported: mode, level, user, uid, group, gid, expose-fd, process, thread).", opt);
			goto out_free;
		}
		continue;
bad_value:
		cfg_set_err(err, "'stats socket' : invalid value '%s' for option '%s'.", val, opt);
		goto out_free;
	}
	for (tail = &global.stats_sockets; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	return CFG_OK;

out_free:
	free(s->addr);
	free(s->level);
	free(s);
	return CFG_ERR;
}

static int kw_localpeer(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	if (argc < 2)
		return cfg_set_err(err, "'%s' expects a peer name as an argument.", args[0]);
	if (global.localpeer_cmdline)
		return CFG_OK;   /* -L wins, as in HAProxy */
	free(global.localpeer);
	global.localpeer = strdup(args[1]);
	return CFG_OK;
}

static int kw_quiet(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	global.quiet = 1;
	return CFG_OK;
}

/* log-send-hostname, log-tag: accepted for compatibility, with a warning:
 * the syslog header carries no hostname and the tag "tollgate".
 */
static int kw_accept(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	return cfg_set_warn(err, "'%s' has no effect in Tollgate yet: the syslog header carries no hostname and the tag 'tollgate'.", args[0]);
}

static int kw_nbproc(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	return cfg_set_err(err, "'%s' is not supported: Tollgate runs one process with 'nbthread' threads.", args[0]);
}

static struct cfg_kw global_kws[] = {
	{ "nbthread", kw_nbthread, 0 },
	{ "thread-groups", kw_thread_groups, 0 },
	{ "noreuseport", kw_noreuseport, 0 },
	{ "nosplice", kw_nosplice, 0 },
	{ "expose-experimental-directives", kw_noop, 0 },
	{ "insecure-fork-wanted", kw_insecure_fork, 0 },
	{ "external-check", kw_external_check, 0 },
	{ "maxconn", kw_maxconn, 0 },
	{ "maxconnrate", kw_maxrate, 0 },
	{ "maxsessrate", kw_maxrate, 0 },
	{ "ulimit-n", kw_fd_limit, 0 },
	{ "fd-hard-limit", kw_fd_limit, 0 },
	{ "strict-limits", kw_strict_limits, CFG_KW_NO },
	{ "daemon", kw_daemon, CFG_KW_NO },
	{ "pidfile", kw_pidfile, 0 },
	{ "master-worker", kw_master_worker, 0 },
	{ "set-var", kw_set_var, 0 },
	{ "set-var-fmt", kw_set_var, 0 },
	{ "chroot", kw_chroot, 0 },
	{ "user", kw_user, 0 },
	{ "uid", kw_user, 0 },
	{ "group", kw_group, 0 },
	{ "gid", kw_group, 0 },
	{ "hard-stop-after", kw_hard_stop_after, 0 },
	{ "stick-tables-state-file", kw_tables_state_file, 0 },
	{ "stick-tables-state-interval", kw_tables_state_interval, 0 },
	{ "tune.bufsize", kw_tune, 0 },
	{ "tune.vars.global-max-size", kw_vars_max_size, 0 },
	{ "tune.vars.proc-max-size", kw_vars_max_size, 0 },
	{ "tune.vars.sess-max-size", kw_vars_max_size, 0 },
	{ "tune.vars.txn-max-size", kw_vars_max_size, 0 },
	{ "tune.vars.reqres-max-size", kw_vars_max_size, 0 },
	{ "tune.http.maxhdr", kw_tune, 0 },
	{ "tune.maxrewrite", kw_tune, 0 },
	{ "tune.h2.max-concurrent-streams", kw_tune, 0 },
	{ "tune.h2.fe.max-concurrent-streams", kw_tune, 0 },
	{ "tune.h2.be.max-concurrent-streams", kw_tune, 0 },
	{ "tune.h2.be.initial-window-size", kw_tune, 0 },
	{ "tune.h2.fe.glitches-threshold", kw_tune, 0 },
	{ "tune.h2.initial-window-size", kw_tune, 0 },
	{ "tune.h2.header-table-size", kw_tune, 0 },
	{ "tune.h2.max-frame-size", kw_tune, 0 },
	{ "tune.maxpipes", kw_tune, 0 },
	{ "tune.stick-counters", kw_tune, 0 },
	{ "tune.idle-pool.shared", kw_idle_pool_shared, 0 },
	{ "http-err-codes", kw_http_codes, 0 },
	{ "http-fail-codes", kw_http_codes, 0 },
	{ "cpu-map", kw_cpu_map, 0 },
	{ "stats", kw_stats, 0 },
	{ "localpeer", kw_localpeer, 0 },
	{ "quiet", kw_quiet, 0 },
	{ "log-send-hostname", kw_accept, 0 },
	{ "log-tag", kw_accept, 0 },
	{ "nbproc", kw_nbproc, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list global_kw_list = { .scope = "global", .kws = global_kws };

static struct cfg_section global_section = {
	.name = "global",
	.kw_scope = "global",
};

__attribute__((constructor)) static void cfg_global_register(void)
{
	cfg_register_section(&global_section);
	cfg_register_keywords(&global_kw_list);
}
