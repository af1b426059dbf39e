/*
 * Tollgate's entry point: command line, start-up, signals, stop.
 *
 * The command line is HAProxy's: -f (files or directories, repeatable), -c,
 * -d / -db, -D, -p, -v / -vv, -q, -L, -sf / -st, -n, -N, -x, -W / -Ws, -S.
 * With -W, -Ws or `master-worker`, main() hands over to the master
 * (src/core/master.c), which starts this program again as its worker.
 *
 * Start-up order: parse the configuration, check it, bind every listener
 * (so that a port in use fails the start), ask an old process to finish
 * (-sf/-st) once our sockets are bound, daemonize, write the pid file,
 * chroot and drop privileges, start the workers.
 *
 * Signals are handled synchronously by the main thread, which never runs
 * tasks (workers block every signal):
 *   SIGUSR1  soft stop: close listeners, let connections finish, exit;
 *            bounded by hard-stop-after;
 *   SIGTERM, SIGINT  fast stop;
 *   SIGTTOU  pause listeners; SIGTTIN  resume them;
 *   SIGQUIT  dump pool usage to stderr;
 *   handover_signal()  a newer process asked for the stick tables (-sf).
 * The main thread also saves the stick-table state file every
 * stick-tables-state-interval and on a clean stop (doc/peers.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <openssl/opensslv.h>

#include <tollgate/tls.h>
#include <tollgate/buffer.h>
#include <tollgate/cfg.h>
#include <tollgate/cli.h>
#include <tollgate/clock.h>
#include <tollgate/global.h>
#include <tollgate/handover.h>
#include <tollgate/limits.h>
#include <tollgate/listener.h>
#include <tollgate/log.h>
#include <tollgate/logbe.h>
#include <tollgate/sink.h>
#include <tollgate/logfwd.h>
#include <tollgate/master.h>
#include <tollgate/pool.h>
#include <tollgate/peers.h>
#include <tollgate/proxy.h>
#include <tollgate/resolvers.h>
#include <tollgate/check.h>
#include <tollgate/stream.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/userlist.h>
#include <tollgate/trafficlog.h>
#include <tollgate/version.h>

#define MAX_CFG_FILES 64
#define MAX_OLD_PIDS  64

struct cmdline {
	const char *cfg[MAX_CFG_FILES];  /* -f arguments */
	int ncfg;                        /* their number */
	int check_only;                  /* -c */
	const char *cond;                /* -cc: condition to evaluate, NULL: none */
	int daemon;                      /* -D */
	const char *pidfile;             /* -p */
	int old_pids[MAX_OLD_PIDS];      /* -sf/-st arguments */
	int nold;                        /* their number */
	int old_sig;                     /* SIGUSR1 (-sf) or SIGTERM (-st) */
	long maxconn;                    /* -n, 0: unset */
	long defmaxconn;                 /* -N, 0: unset */
	const char *xfer_sock;           /* -x: old process's stats socket, NULL: none */
	int master;                      /* -W or -Ws */
	int systemd;                     /* -Ws */
	const char *master_cli;          /* -S: the master CLI's socket, NULL: none */
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
	        "Tollgate version %s\n"
	        "Usage : %s [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]\n"
	        "        [ -p <pidfile> ] [ -L <localpeer> ] [ -x <unix_socket> ] [ -sf|-st <pid>* ]\n"
	        "        [ -W | -Ws ] [ -S <unix_socket> ]\n"
	        "        -v displays version ; -vv shows known build options.\n"
	        "        -d enters debug mode ; -db only disables background mode.\n"
	        "        -D goes daemon ; -c checks the configuration and exits.\n"
	        "        -W master-worker mode.\n"
	        "        -Ws master-worker mode with systemd notify support.\n"
	        "        -S <unix_socket> binds the master CLI on this socket (with -W or -Ws)\n"
	        "        -cc <expr> evaluates a .if condition: exit 0 if true, 1 if false, 2 on error\n"
	        "        -p writes pids of all children to this file\n"
	        "        -q quiet mode : don't display messages\n"
	        "        -n sets the maximum total # of connections (uses ulimit -n)\n"
	        "        -N sets the default, per-proxy maximum # of connections\n"
	        "        -L set local peer name\n"
	        "        -sf/-st [pid ]* finishes/terminates old pids.\n"
	        "        -x <unix_socket> get listening sockets from a unix socket\n",
	        TOLLGATE_VERSION, prog);
}

#ifndef TOLLGATE_BUILD_CC
#define TOLLGATE_BUILD_CC "cc"       /* set by the Makefile */
#endif
#ifndef TOLLGATE_BUILD_CFLAGS
#define TOLLGATE_BUILD_CFLAGS ""
#endif

/* -v: the version line; -vv: then the build, in HAProxy's -vv layout (its
 * headings and line formats, so that scripts reading one read the other),
 * with Tollgate's own facts.
 */
static void print_version(int verbose)
{
	struct utsname u;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	printf("Tollgate version %s %s - HAProxy %s configuration language\n", TOLLGATE_VERSION, TOLLGATE_DATE,
	       TOLLGATE_HAPROXY_COMPAT);
	if (!verbose)
		return;
	printf("Status: development branch - not for production yet.\n");
	if (uname(&u) == 0)
		printf("Running on: %s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
	printf("Build options :\n");
	printf("  TARGET  = %s\n", TOLLGATE_BUILD_TARGET);
	printf("  CC      = %s\n", TOLLGATE_BUILD_CC);
	printf("  CFLAGS  = %s\n", TOLLGATE_BUILD_CFLAGS);
	printf("  OPTIONS = %s\n", TOLLGATE_BUILD_OPTIONS);
#ifdef TG_DEBUG
	printf("  DEBUG   = -DTG_DEBUG\n");
#else
	printf("  DEBUG   = \n");
#endif
	printf("\nFeature list : %s\n", TOLLGATE_BUILD_FEATURES);
	printf("\nDefault settings :\n");
	printf("  bufsize = %d, maxrewrite = %d, maxpollevents = %d\n", GLOBAL_DEFAULT_BUFSIZE, 1024, 256);
	printf("\nBuilt with multi-threading support (MAX_THREADS=%d, default=%ld).\n", MAX_THREADS,
	       ncpu > 0 ? (ncpu < MAX_THREADS ? ncpu : MAX_THREADS) : 1);
	printf("Built with the Prometheus exporter as a service\n");
	printf("Configuration language: HAProxy %s compatible subset (see configuration.md)\n",
	       TOLLGATE_HAPROXY_COMPAT);
	/* HAProxy's wording, which scripts grep */
	printf("Built with OpenSSL version : %s\n", OPENSSL_VERSION_TEXT);
	printf("Running on OpenSSL version : %s\n", tls_library_version());
	printf("Available load-balancing algorithms: roundrobin static-rr leastconn first source random hash\n");
#ifdef __VERSION__
	printf("Built with %s compiler version %s\n", "gcc", __VERSION__);
#endif
	printf("\nAvailable polling systems :\n");
	printf("      epoll : pref=300,  test result OK\n");
	printf("Total: 1 (1 usable), will use epoll.\n");
	printf("\nAvailable multiplexer protocols :\n");
	printf("(protocols marked as <default> cannot be specified using 'proto' keyword)\n");
	printf("  <default> : mode=HTTP  side=FE|BE  mux=H1    flags=\n");
	printf("  <default> : mode=TCP   side=FE|BE  mux=PASS  flags=\n");
	printf("\nAvailable services : prometheus-exporter\n");
	printf("Available filters :\n");
}

/* Parses argv into <cl>. Returns 0, 1 to exit successfully (-v), -1 on a
 * usage error (already reported).
 */
static int parse_cmdline(int argc, char **argv, struct cmdline *cl)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (!strcmp(a, "-v") || !strcmp(a, "-vv")) {
			print_version(a[2] == 'v');
			return 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout, argv[0]);
			return 1;
		} else if (!strcmp(a, "-c")) {
			cl->check_only = 1;
		} else if (!strcmp(a, "-cc")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "[ALERT]    (%d) : option '-cc' expects a condition.\n", (int)getpid());
				return -1;
			}
			cl->cond = argv[++i];
		} else if (!strcmp(a, "-d")) {
			global.debug = 1;
			global.foreground = 1;
			log_verbose = 1;
		} else if (!strcmp(a, "-db")) {
			global.foreground = 1;
		} else if (!strcmp(a, "-V")) {
			/* HAProxy's verbose mode: messages are printed unless -q */
		} else if (!strcmp(a, "-W") || !strcmp(a, "-Ws")) {
			cl->master = 1;
			cl->systemd = a[2] == 's';
		} else if (!strcmp(a, "-D")) {
			cl->daemon = 1;
		} else if (!strcmp(a, "-q")) {
			global.quiet = 1;
			log_verbose = -1;
		} else if (!strcmp(a, "-sf") || !strcmp(a, "-st")) {
			cl->old_sig = a[2] == 'f' ? SIGUSR1 : SIGTERM;
			while (i + 1 < argc && argv[i + 1][0] != '-') {
				long pid = strtol(argv[i + 1], &end, 10);

				if (*end || pid <= 0) {
					fprintf(stderr, "[ALERT]    (%d) : %s: invalid pid '%s'.\n", (int)getpid(), a, argv[i + 1]);
					return -1;
				}
				if (cl->nold < MAX_OLD_PIDS)
					cl->old_pids[cl->nold++] = (int)pid;
				i++;
			}
		} else if (i + 1 >= argc && (!strcmp(a, "-f") || !strcmp(a, "-p") || !strcmp(a, "-n") ||
		                             !strcmp(a, "-N") || !strcmp(a, "-L") || !strcmp(a, "-x") ||
		                             !strcmp(a, "-S"))) {
			fprintf(stderr, "[ALERT]    (%d) : option '%s' expects an argument.\n", (int)getpid(), a);
			usage(stderr, argv[0]);
			return -1;
		} else if (!strcmp(a, "-f")) {
			if (cl->ncfg >= MAX_CFG_FILES) {
				fprintf(stderr, "[ALERT]    (%d) : too many -f options (at most %d).\n", (int)getpid(), MAX_CFG_FILES);
				return -1;
			}
			cl->cfg[cl->ncfg++] = argv[++i];
		} else if (!strcmp(a, "-p")) {
			cl->pidfile = argv[++i];
		} else if (!strcmp(a, "-L")) {
			global.localpeer = strdup(argv[++i]);
			global.localpeer_cmdline = 1;   /* wins over `localpeer` */
		} else if (!strcmp(a, "-S")) {
			cl->master_cli = argv[++i];
			/* the path, before any ",option,value" (master.c parses them) */
			if (memchr(cl->master_cli, '@', strcspn(cl->master_cli, ",")) &&
			    strncmp(cl->master_cli, "unix@", 5)) {
				fprintf(stderr, "[ALERT]    (%d) : -S '%s': only a unix socket path is supported.\n",
				        (int)getpid(), cl->master_cli);
				return -1;
			}
		} else if (!strcmp(a, "-x")) {
			cl->xfer_sock = argv[++i];
		} else if (!strcmp(a, "-n") || !strcmp(a, "-N")) {
			long v = strtol(argv[i + 1], &end, 10);

			if (*end || v <= 0) {
				fprintf(stderr, "[ALERT]    (%d) : option '%s' expects a positive number, got '%s'.\n",
				        (int)getpid(), a, argv[i + 1]);
				return -1;
			}
			if (a[1] == 'n')
				cl->maxconn = v;
			else
				cl->defmaxconn = v;
			i++;
		} else {
			fprintf(stderr, "[ALERT]    (%d) : unknown option '%s'.\n", (int)getpid(), a);
			usage(stderr, argv[0]);
			return -1;
		}
	}
	if (!cl->ncfg && !cl->cond) {
		fprintf(stderr, "[ALERT]    (%d) : No configuration file specified (use -f).\n", (int)getpid());
		usage(stderr, argv[0]);
		return -1;
	}
	return 0;
}

/* -cc <expr>: evaluates a `.if` condition as the configuration would (the
 * same predicates, the same HAProxy version for version_atleast()), as
 * HAProxy's -cc. Returns the exit status: 0 true, 1 false, 2 on error
 * (reported with the column).
 */
/* -cc <expr>: the expression is read as a `.if` line is (quotes, escapes,
 * environment variables), its words joined with single spaces, as HAProxy
 * does. Returns the process exit status: 0 true, 1 false, 2 error.
 */
static int eval_cond(const char *arg)
{
	char err[CFG_ERR_SIZE], buf[4096], joined[4096], *words[65];
	struct cfg_lex_out out = { .buf = buf, .bufsz = sizeof(buf), .words = words, .maxwords = 64 };
	size_t len = 0;
	int col, ret, n = cfg_lex_line(arg, strlen(arg), NULL, &out);

	if (n < 0) {
		fprintf(stderr, "[ALERT]    (%d) : Failed to evaluate condition: %s.\n", (int)getpid(), out.err);
		return 2;
	}
	joined[0] = '\0';
	for (int i = 0; i < n; i++) {
		int w = snprintf(joined + len, sizeof(joined) - len, "%s%s", i ? " " : "", words[i]);

		if (w < 0 || (size_t)w >= sizeof(joined) - len) {
			fprintf(stderr, "[ALERT]    (%d) : Failed to evaluate condition: expression too long.\n", (int)getpid());
			return 2;
		}
		len += (size_t)w;
	}
	ret = cfg_cond_eval(joined, err, sizeof(err), &col);

	if (ret < 0) {
		fprintf(stderr, "[ALERT]    (%d) : Failed to evaluate condition: %s", (int)getpid(), err);
		if (col > 0)
			fprintf(stderr, " at position %d", col);
		fprintf(stderr, ".\n");
		return 2;
	}
	return ret ? 0 : 1;
}

/* Prints a finalisation problem with the place it comes from. */
static void report_problem(void *arg, int is_err, const char *file, int line, const char *msg)
{
	int *errors = arg;

	if (is_err) {
		log_alert("config : %s [%s:%d]", msg, file, line);
		(*errors)++;
	} else {
		log_warning("config : %s [%s:%d]", msg, file, line);
	}
}

static int write_pidfile(const char *path)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int n;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
}

static int drop_privileges(void)
{
	if (global.chroot && (chroot(global.chroot) < 0 || chdir("/") < 0)) {
		log_alert("[%s] cannot chroot(%s): %s.", "main", global.chroot, strerror(errno));
		return -1;
	}
	if (global.gid >= 0 && setgid((gid_t)global.gid) < 0) {
		log_alert("[%s] cannot set gid %d: %s.", "main", global.gid, strerror(errno));
		return -1;
	}
	if (global.uid >= 0 && setuid((uid_t)global.uid) < 0) {
		log_alert("[%s] cannot set uid %d: %s.", "main", global.uid, strerror(errno));
		return -1;
	}
	return 0;
}

/* Fills <sigs> with the signals the main thread handles. */
static void handled_signals(sigset_t *sigs)
{
	static const int handled[] = { SIGINT, SIGTERM, SIGUSR1, SIGTTOU, SIGTTIN, SIGQUIT, SIGHUP };

	sigemptyset(sigs);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(sigs, handled[i]);
	sigaddset(sigs, handover_signal());
}

/* Saves the tables to the state file, if one is configured and this
 * process still owns them (not handed over to a newer one).
 */
static void save_tables_state(void)
{
	char err[512];
	long n;

	if (!global.tables_state_file || handover_done())
		return;
	n = tables_state_save(global.tables_state_file, err, sizeof(err));
	if (n < 0)
		log_warning("%s.", err);
	else
		log_notice("Saved %ld stick-table entries to '%s'.", n, global.tables_state_file);
}

/* Restores the tables from the state file, if one is configured. */
static void load_tables_state(void)
{
	char err[512];
	long n;

	if (!global.tables_state_file)
		return;
	n = tables_state_load(global.tables_state_file, err, sizeof(err));
	if (n == -ENOENT)
		log_notice("%s: the tables start empty.", err);
	else if (n < 0)
		log_warning("%s; the tables start empty.", err);
	else
		log_notice("Restored %ld stick-table entries from '%s'.", n, global.tables_state_file);
}

/* Returns the path of the old process's stats socket for a reload: -x,
 * else the first unix stats socket of level admin, else NULL.
 */
static const char *old_stats_socket(const struct cmdline *cl)
{
	if (cl->xfer_sock)
		return cl->xfer_sock;
	for (struct global_stats_socket *s = global.stats_sockets; s; s = s->next) {
		const char *a = s->addr;

		if (!strncmp(a, "unix@", 5))
			a += 5;
		if (a[0] == '/' && (!s->level || !strcmp(s->level, "admin")))
			return a;
	}
	return NULL;
}

/* With -sf/-st, takes the stick tables of the old process (doc/peers.md,
 * "Reloads"). Returns 1 if it got them.
 */
static int fetch_old_tables(const struct cmdline *cl)
{
	const char *path = old_stats_socket(cl);
	char err[512];
	int has_table = 0;

	for (struct proxy *px = proxies_list; px; px = px->next)
		has_table |= px->table != NULL;
	if (!cl->nold || !has_table)
		return 0;
	if (!path) {
		log_warning("Reload: no admin stats socket to take the stick tables of the old process from; they start %s.",
		            global.tables_state_file ? "from the state file" : "empty");
		return 0;
	}
	if (handover_fetch(path, cl->old_sig == SIGTERM, err, sizeof(err)) < 0) {
		log_warning("Reload: cannot take the stick tables of the old process: %s; they start %s.", err,
		            global.tables_state_file ? "from the state file" : "empty");
		return 0;
	}
	return 1;
}

/* Returns the timeout of the next signal wait: the soft stop's tick, the
 * next periodic save of the state file, or NULL (none).
 */
static struct timespec *wait_timeout(struct timespec *ts, int soft_stopping, uint64_t next_save)
{
	uint64_t now = clock_mono_ns(), wait = UINT64_MAX;

	if (soft_stopping)
		wait = 100 * 1000000ULL;
	if (next_save)
		wait = next_save > now ? (next_save - now < wait ? next_save - now : wait) : 0;
	if (wait == UINT64_MAX)
		return NULL;
	ts->tv_sec = (time_t)(wait / 1000000000ULL);
	ts->tv_nsec = (long)(wait % 1000000000ULL);
	return ts;
}

/* A reload through the local peer: waits until the old process taught us
 * (bounded: a dead link is closed), then serves. An old process that does
 * not connect within a second (an old HAProxy not up to date itself
 * teaches nothing) is not waited for: we serve and learn meanwhile.
 */
static void wait_local_lesson(void)
{
	const struct timespec ten_ms = { 0, 10 * 1000000L };
	uint64_t give_up = clock_mono_ns() + 1000000000ULL;
	int r;

	while ((r = peers_local_lesson_pending()) == 2 || (r == 1 && clock_mono_ns() < give_up))
		nanosleep(&ten_ms, NULL);
	listeners_set_state(LI_RUNNING);
}

/* Waits for signals and applies them until the process must exit.
 * Returns the signal of a fast stop (SIGTERM, SIGINT), else 0.
 */
static int signal_loop(void)
{
	uint64_t interval = (uint64_t)global.tables_state_interval * 1000000ULL;
	uint64_t hard_deadline = 0, next_save = 0;
	struct timespec ts;
	int soft_stopping = 0;
	sigset_t sigs;

	handled_signals(&sigs);
	if (global.tables_state_file && interval)
		next_save = clock_mono_ns() + interval;

	for (;;) {
		int sig = sigtimedwait(&sigs, NULL, wait_timeout(&ts, soft_stopping, next_save));

		if (next_save && clock_mono_ns() >= next_save) {
			save_tables_state();
			next_save = clock_mono_ns() + interval;
		}
		if (sig == handover_signal()) {
			handover_serve();
			continue;
		}

		if (soft_stopping) {
			handover_tick();
			/* the new process must also have our last changes */
			if (stream_count() == 0 && !peers_stop_busy()) {
				log_notice("Proxy stopped: all connections finished.");
				return 0;
			}
			if (hard_deadline && clock_mono_ns() >= hard_deadline) {
				log_warning("hard-stop-after reached: closing %u remaining connections.", stream_count());
				return 0;
			}
		}
		switch (sig) {
		case SIGINT:
		case SIGTERM:
			log_notice("Stopping (signal %d): fast stop.", sig);
			return sig;
		case SIGUSR1:
			if (soft_stopping)
				break;
			log_notice("Stopping frontends (SIGUSR1): soft stop, %u connections to finish.", stream_count());
			listeners_set_state(LI_STOPPED);
			peers_soft_stop();
			soft_stopping = 1;
			if (global.hard_stop_after)
				hard_deadline = clock_mono_ns() + (uint64_t)global.hard_stop_after * 1000000ULL;
			break;
		case SIGTTOU:
			log_notice("Pausing frontends (SIGTTOU).");
			listeners_set_state(LI_PAUSED);
			break;
		case SIGTTIN:
			log_notice("Resuming frontends (SIGTTIN).");
			listeners_set_state(LI_RUNNING);
			break;
		case SIGQUIT:
			pool_dump(stderr);
			break;
		case SIGHUP:
			log_notice("SIGHUP received: nothing to reload in place; use -sf to reload.");
			break;
		default:
			break;
		}
	}
}

/* In a worker: the admin socket its master talks to it on (level admin,
 * exposing the listeners for the next worker's -x).
 */
static int add_master_socket(const char *path)
{
	struct global_stats_socket *s = calloc(1, sizeof(*s)), **tail;

	if (!s || !(s->addr = strdup(path)) || !(s->level = strdup("admin"))) {
		if (s)
			free(s->addr);
		free(s);
		return -1;
	}
	s->mode = 0600;
	s->uid = s->gid = -1;
	s->expose_fd = 1;
	s->master = 1;
	s->conf_file = "master";
	for (tail = &global.stats_sockets; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	return 0;
}

/* The first lines of `show startup-logs`, HAProxy's "haproxy version is"
 * and "path to executable is" notices (kept in memory, not printed).
 */
static void log_startup_notes(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	log_startup_note("tollgate version is %s", TOLLGATE_VERSION);
	log_startup_note("path to executable is %s", exe);
}

static void block_signals(void)
{
	sigset_t sigs;

	handled_signals(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	const char *pool_dbg = getenv("TOLLGATE_POOL_DEBUG");
	struct cmdline cl = { .old_sig = 0 };
	char err[512];
	int ret, stop_sig, errors = 0, lesson;

	global_init_defaults();
	ret = parse_cmdline(argc, argv, &cl);
	if (ret)
		return ret > 0 ? 0 : 1;
	log_startup_notes();
	if (cl.cond)
		return eval_cond(cl.cond);
	if (pool_dbg && pool_debug_parse(pool_dbg) < 0)
		return 1;

	if (cfg_parse_files(cl.cfg, cl.ncfg) < 0) {
		log_alert("Fatal errors found in configuration.");
		return 1;
	}
	if (cl.maxconn)
		global.maxconn = (unsigned int)cl.maxconn;
	if (cl.defmaxconn)
		for (struct proxy *px = proxies_list; px; px = px->next)
			if ((px->cap & PR_CAP_FE) && !px->maxconn)
				px->maxconn = (unsigned int)cl.defmaxconn;
	if (proxy_finalize_all(report_problem, &errors) > 0 || peers_finalize(report_problem, &errors) > 0 ||
	    userlist_finalize(report_problem, &errors) > 0 || resolvers_finalize(report_problem, &errors) > 0 ||
	    errors) {
		log_alert("Fatal errors found in configuration.");
		return 1;
	}
	if (cl.check_only) {
		if (!global.quiet)
			printf("Configuration file is valid\n");
		return 0;
	}
	if (cl.master_cli && !cl.master && !global.master_worker) {
		log_alert("-S requires master-worker mode (-W, -Ws or 'master-worker').");
		return 1;
	}
	if ((cl.master || global.master_worker) && !master_worker_socket()) {
		struct master_opts mo = {
			.systemd = cl.systemd, .cli_path = cl.master_cli,
			.no_exit_on_failure = global.master_worker == 2,
			.daemon = (cl.daemon || global.daemon) && !global.foreground,
			.pidfile = cl.pidfile ? cl.pidfile : global.pidfile,
		};

		return master_run(argv, &mo);
	}
	if (master_worker_socket() && add_master_socket(master_worker_socket()) < 0) {
		log_alert("out of memory at start-up.");
		return 1;
	}
	if (!proxies_list && !logfwd_list)
		log_warning("config : no frontend and no backend: nothing to do but wait for signals.");

	/* before the fd table (sized from RLIMIT_NOFILE) and any socket */
	if (limits_compute(global.nbthread ? global.nbthread : thread_cpus_online(), err, sizeof(err)) < 0 ||
	    limits_apply(err, sizeof(err)) < 0) {
		log_alert("%s", err);
		return 1;
	}
	block_signals();
	clock_update();
	ret = thread_setup(global.nbthread);
	if (ret < 0) {
		log_alert("cannot set up %d threads: %s.", global.nbthread, strerror(-ret));
		return 1;
	}
	for (int t = 0; t < thread_count; t++)
		thread_set_affinity(t, global.cpu_map[t]);
	if (buf_pool_init(global.tune_bufsize) < 0 ||
	    pipe_pool_init(global.maxpipes, 0) < 0 ||
	    stream_init() < 0) {
		log_alert("out of memory at start-up.");
		return 1;
	}
	if (cl.xfer_sock) {
		/* reload: take the old process's listening sockets over, so
		 * that none is ever closed (no refused connection)
		 */
		int fds[CLI_XFER_MAX];
		int n = cli_getsocks(cl.xfer_sock, fds, CLI_XFER_MAX, err, sizeof(err));

		if (n < 0)
			log_warning("Failed to get the sockets from the old process: %s; binding new ones.", err);
		else if (listeners_inherit(fds, n) < 0)
			log_warning("Failed to keep the sockets of the old process: out of memory; binding new ones.");
	}
	ret = listeners_bind_all(err, sizeof(err));
	if (ret < 0) {
		log_alert("%s", err);
		return 1;
	}
	/* a reload: the old process's tables, through its stats socket,
	 * before ours replaces it; otherwise (or failing that) the state file
	 */
	if (global.tables_state_file && tables_state_init(global.tables_state_file, err, sizeof(err)) < 0)
		log_warning("%s.", err);
	if (!fetch_old_tables(&cl))
		load_tables_state();
	ret = cli_bind_all(err, sizeof(err));
	if (ret < 0) {
		log_alert("%s", err);
		return 1;
	}
	if (log_targets_open(err, sizeof(err)) < 0)
		log_warning("%s; traffic logs to it are dropped.", err);
	if (sink_start(err, sizeof(err)) < 0 || logbe_start(err, sizeof(err)) < 0 ||
	    logfwd_bind_all(err, sizeof(err)) < 0) {
		log_alert("%s", err);
		return 1;
	}
	/* -st: the old process stops at once and teaches nothing */
	if (peers_start(cl.nold > 0 && cl.old_sig == SIGUSR1, err, sizeof(err)) < 0) {
		log_alert("%s", err);
		return 1;
	}
	/* a reload through the local peer: we serve once the old process
	 * taught us (connections wait in the shared sockets' queues)
	 */
	lesson = peers_local_lesson_pending();
	if (listeners_start(lesson) < 0 || cli_start() < 0 || checks_start() < 0 || proxy_tables_start() < 0 ||
	    resolvers_start() < 0 || logfwd_start() < 0) {
		log_alert("cannot register listeners, health checks, resolvers or table expiry tasks: out of resources.");
		return 1;
	}
	/* our sockets are bound: the old process may stop accepting */
	for (int i = 0; i < cl.nold; i++)
		if (kill(cl.old_pids[i], cl.old_sig) < 0 && errno != ESRCH)
			log_warning("cannot signal old process %d: %s.", cl.old_pids[i], strerror(errno));

	if ((cl.daemon || global.daemon) && !global.foreground && !master_worker_socket() && daemonize() < 0) {
		log_alert("cannot go to the background: %s.", strerror(errno));
		return 1;
	}
	if ((cl.pidfile || global.pidfile) && !master_worker_socket()) {
		const char *pf = cl.pidfile ? cl.pidfile : global.pidfile;

		if (write_pidfile(pf) < 0)
			log_warning("cannot write pid file %s: %s.", pf, strerror(errno));
	}
	if (drop_privileges() < 0)
		return 1;

	ret = thread_start();
	if (ret < 0) {
		log_alert("cannot start threads: %s.", strerror(-ret));
		return 1;
	}
	handover_start_receiver();
	if (lesson)
		wait_local_lesson();
	cli_info_mark_ready();
	log_startup_end();
	log_notice("Tollgate %s started: %d threads, pid %d.", TOLLGATE_VERSION, thread_count, (int)getpid());
	master_worker_ready();
	stop_sig = signal_loop();

	thread_stop();
	thread_join();
	handover_finish();
	save_tables_state();
	checks_stop();
	resolvers_stop();
	cli_stop();
	listeners_close_all();
	/* a worker stopped by a signal says so to its master, as HAProxy's
	 * (the master reports 143 as a normal stop)
	 */
	return master_worker_socket() && stop_sig ? 128 + stop_sig : 0;
}
