/*
 * Master-worker mode, as HAProxy's (doc/management.md, "Master-worker
 * mode"). The master parses nothing but its command line and the
 * configuration's `master-worker`, `daemon` and `pidfile` (main.c did that
 * already); it then:
 *   - starts a worker: itself re-executed with the master's options
 *     removed, TOLLGATE_MWORKER_SOCK naming an admin socket the worker adds
 *     to its stats sockets (level admin, expose-fd listeners) and
 *     TOLLGATE_MWORKER_FD a pipe on which the worker writes one byte once
 *     it serves;
 *   - on SIGUSR2 or SIGHUP, or the master CLI's `reload`: starts a new
 *     worker with `-x <current worker's socket> -sf <workers>`, i.e. an
 *     ordinary reload: the listening sockets are passed over (no refused
 *     connection) and the stick tables handed over (doc/peers.md);
 *   - reaps its children and logs HAProxy's lines ("Current worker (PID)
 *     exited with code N (reason)", "Former worker ...", "Failed to load
 *     worker ..."); a worker failing with a code other than 0, 130 or 143
 *     makes every process stop (exit-on-failure) unless
 *     `master-worker no-exit-on-failure`; the master exits once it has no
 *     worker left, as HAProxy's;
 *   - SIGTERM, SIGINT: forwarded to the workers, then exits with them;
 *     SIGUSR1, SIGTTOU, SIGTTIN: forwarded;
 *   - -S <path>: the master CLI (master_cli.c; commands separated by ';' or new
 *     lines): help, show proc, show version, reload, show cli level,
 *     `@<n> <command>` (n-th current worker, 1: the newest),
 *     `@!<pid> <command>`, `@master <command>`, `@<n>` alone (default
 *     target), prompt, quit, operator, user, expert-mode,
 *     experimental-mode (the session's level and modes, prefixed to the
 *     commands routed to a worker), mcli-debug-mode (the master then
 *     answers show fd, show startup-logs and, in master_debug.c, other
 *     commands about itself);
 *   - -Ws: READY=1 / RELOADING=1 / STOPPING=1 on $NOTIFY_SOCKET.
 * The master is single-threaded; its loop is poll() on a signalfd, the CLI
 * socket and its sessions (struct mcli), and the workers' readiness pipes.
 * A routed command is relayed synchronously (forward(): 5 s at most).
 * This file keeps the processes; the master CLI is master_cli.c, the
 * master's own debug answers master_debug.c, their shared state
 * master_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tollgate/cli.h>
#include <tollgate/log.h>
#include <tollgate/master.h>
#include <tollgate/version.h>

#include "master_int.h"

struct master_state mw = { .cli_fd = -1, .exitcode = -1 };

long long mw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------- systemd's notify protocol ---------- */

int sd_notify_send(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;
	int fd, ret;

	if (!path || (path[0] != '/' && path[0] != '@') || (len = strlen(path)) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';  /* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ret = (int)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun,
	                  (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
	return ret < 0 ? -1 : 0;
}

static void notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void notify(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!mw.o->systemd)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sd_notify_send(msg);
}

/* ---------- the worker's side ---------- */

const char *master_worker_socket(void)
{
	return getenv(ENV_SOCK);
}

void master_worker_ready(void)
{
	const char *s = getenv(ENV_FD);
	int fd = s ? atoi(s) : -1;

	if (fd <= STDERR_FILENO)
		return;
	if (write(fd, "R", 1) < 0) {
		/* the master is gone: nothing to tell */
	}
	close(fd);
	unsetenv(ENV_FD);
}

/* ---------- processes ---------- */

struct mw_proc *mw_proc_by_pid(int pid)
{
	for (int i = 0; i < MW_MAX_PROCS; i++)
		if (mw.procs[i].pid == pid)
			return &mw.procs[i];
	return NULL;
}

struct mw_proc *mw_current_worker(void)
{
	struct mw_proc *best = NULL;

	for (int i = 0; i < MW_MAX_PROCS; i++)
		if (mw.procs[i].pid && mw.procs[i].state == MW_CURRENT &&
		    (!best || mw.procs[i].started >= best->started))
			best = &mw.procs[i];
	return best;
}

static int nprocs(void)
{
	int n = 0;

	for (int i = 0; i < MW_MAX_PROCS; i++)
		n += mw.procs[i].pid != 0;
	return n;
}

static void kill_all(int sig)
{
	for (int i = 0; i < MW_MAX_PROCS; i++)
		if (mw.procs[i].pid)
			kill(mw.procs[i].pid, sig);
}

/* Starts a worker; on a reload, with the sockets and tables of <from> and
 * -sf every live worker. Returns 0 or -1 (logged).
 */
static int start_worker(const struct mw_proc *from)
{
	char *argv[MW_MAX_ARGS + MW_MAX_PROCS + 4], pidbuf[MW_MAX_PROCS][16], fdbuf[16];
	struct mw_proc *p = mw_proc_by_pid(0);
	int pfd[2], argc = 0, pid;

	if (!p) {
		log_alert("Cannot fork a new worker: too many processes (%d).", MW_MAX_PROCS);
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		log_alert("Cannot fork a new worker: %s.", strerror(errno));
		return -1;
	}
	snprintf(p->sock, sizeof(p->sock), "%s/worker.%u.sock", mw.dir, ++mw.seq);
	for (int i = 0; i < mw.wargc; i++)
		argv[argc++] = mw.wargv[i];
	if (from) {
		int n = 0;

		argv[argc++] = "-x";
		argv[argc++] = (char *)from->sock;
		argv[argc++] = "-sf";
		for (int i = 0; i < MW_MAX_PROCS; i++)
			if (mw.procs[i].pid && &mw.procs[i] != p) {
				snprintf(pidbuf[n], sizeof(pidbuf[n]), "%d", mw.procs[i].pid);
				argv[argc++] = pidbuf[n++];
			}
	}
	argv[argc] = NULL;
	pid = fork();
	if (pid < 0) {
		log_alert("Cannot fork a new worker: %s.", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);  /* a worker does not outlive its master */
		if (mw.cli_fd >= 0)
			close(mw.cli_fd);
		fcntl(pfd[1], F_SETFD, 0);
		snprintf(fdbuf, sizeof(fdbuf), "%d", pfd[1]);
		setenv(ENV_SOCK, p->sock, 1);
		setenv(ENV_FD, fdbuf, 1);
		unsetenv("NOTIFY_SOCKET");
		execvp(argv[0], argv);
		log_alert("Cannot execute %s: %s.", argv[0], strerror(errno));
		_exit(1);
	}
	close(pfd[1]);
	p->pid = pid;
	p->state = MW_LOADING;
	p->reloads = 0;
	p->started = time(NULL);
	p->ready_fd = pfd[0];
	p->reload_cli = -1;
	log_notice("New worker (%d) forked", pid);
	return 0;
}

void mw_cli_reply_close(int fd, const char *text)
{
	if (fd < 0)
		return;
	if (send(fd, text, strlen(text), MSG_NOSIGNAL) < 0) {
		/* the client left */
	}
	close(fd);
}

/* A loading worker wrote its byte: it serves; the others leave. */
static void worker_ready(struct mw_proc *p)
{
	close(p->ready_fd);
	p->ready_fd = -1;
	for (int i = 0; i < MW_MAX_PROCS; i++)
		if (mw.procs[i].pid && &mw.procs[i] != p && mw.procs[i].state == MW_CURRENT)
			mw.procs[i].state = MW_LEAVING;
	p->state = MW_CURRENT;
	mw.ever_ready = 1;
	log_notice("Loading success.");
	notify("READY=1\nMAINPID=%d\nSTATUS=Ready.\n", (int)getpid());
	mw_cli_reply_close(p->reload_cli, "Success=1\n");
	p->reload_cli = -1;
}

void mw_reload(int cli)
{
	struct mw_proc *from = mw_current_worker();
	struct timespec ts;

	if (mw.stopping) {
		mw_cli_reply_close(cli, "Success=0\n--\nThe master is stopping.\n");
		return;
	}
	for (int i = 0; i < MW_MAX_PROCS; i++)
		if (mw.procs[i].pid && mw.procs[i].state == MW_LOADING) {
			log_warning("Reload ignored: another reload is still in progress (worker %d loading).",
			            mw.procs[i].pid);
			mw_cli_reply_close(cli, "Success=0\n--\nAnother reload is still in progress.\n");
			return;
		}
	log_notice("Reloading Tollgate");
	mw.reloads++;
	for (int i = 0; i < MW_MAX_PROCS; i++)
		if (mw.procs[i].pid)
			mw.procs[i].reloads++;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify("RELOADING=1\nSTATUS=Reloading Configuration.\nMONOTONIC_USEC=%llu\n",
	       (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL);
	if (start_worker(from) < 0) {
		mw.failed++;
		notify("READY=1\nSTATUS=Reload failed!\n");
		mw_cli_reply_close(cli, "Success=0\n");
		return;
	}
	for (int i = 0; i < MW_MAX_PROCS; i++)
		if (mw.procs[i].pid && mw.procs[i].state == MW_LOADING)
			mw.procs[i].reload_cli = cli;
}

static const char *status_reason(int status)
{
	return status >= 128 ? strsignal(status - 128) : "Exit";
}

/* Reaps the exited children and logs them as HAProxy does. */
static void reap(void)
{
	int wstatus, pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
		struct mw_proc *p = mw_proc_by_pid(pid);
		int status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);

		if (!p)
			continue;
		if (p->state == MW_LOADING) {
			log_warning("Failed to load worker (%d) exited with code %d (%s)", pid, status, status_reason(status));
			if (mw.ever_ready) {
				mw.failed++;
				notify("READY=1\nSTATUS=Reload failed!\n");
			} else if (mw.exitcode < 0) {
				mw.exitcode = status;  /* the first start failed: the master leaves */
			}
			mw_cli_reply_close(p->reload_cli, "Success=0\n");
		} else if (p->state == MW_CURRENT) {
			if (status < 128)
				log_warning("Current worker (%d) exited with code %d (%s)", pid, status, "Exit");
			else
				log_alert("Current worker (%d) exited with code %d (%s)", pid, status, status_reason(status));
			if (status != 0 && status != 130 && status != 143 && !mw.o->no_exit_on_failure && !mw.stopping) {
				log_alert("exit-on-failure: killing every processes with SIGTERM");
				kill_all(SIGTERM);
			}
			if (mw.exitcode < 0 && status != 0 && status != 143)
				mw.exitcode = status;
		} else {
			log_warning("Former worker (%d) exited with code %d (%s)", pid, status, status_reason(status));
		}
		if (p->ready_fd >= 0)
			close(p->ready_fd);
		unlink(p->sock);
		memset(p, 0, sizeof(*p));
	}
}

/* ---------- the master ---------- */

/* Copies <argv> into the workers' command line, without the master's own
 * options (-W, -Ws, -S, -D, -p, -x, -sf/-st and their arguments).
 */
static int worker_argv(char **argv)
{
	for (int i = 0; argv[i]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-W") || !strcmp(a, "-Ws") || !strcmp(a, "-D"))
			continue;
		if (!strcmp(a, "-S") || !strcmp(a, "-p") || !strcmp(a, "-x")) {
			i += argv[i + 1] != NULL;
			continue;
		}
		if (!strcmp(a, "-sf") || !strcmp(a, "-st")) {
			while (argv[i + 1] && argv[i + 1][0] != '-')
				i++;
			continue;
		}
		if (mw.wargc >= MW_MAX_ARGS - 1) {
			log_alert("Master: too many command-line arguments.");
			return -1;
		}
		mw.wargv[mw.wargc++] = argv[i];
	}
	return 0;
}

static int write_pid(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f);
}

static void handle_signal(int sig)
{
	switch (sig) {
	case SIGCHLD:
		reap();
		break;
	case SIGTERM:
	case SIGINT:
		if (!mw.stopping) {
			notify("STOPPING=1\n");
			log_warning("Exiting Master process...");
		}
		mw.stopping = 1;
		kill_all(sig);
		break;
	case SIGUSR2:
	case SIGHUP:
		mw_reload(-1);
		break;
	case SIGUSR1:
	case SIGTTOU:
	case SIGTTIN:
		kill_all(sig);
		break;
	default:
		break;
	}
}

int master_run(char **argv, const struct master_opts *o)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP, SIGTTOU, SIGTTIN };
	const char *tmp = getenv("TMPDIR");
	sigset_t set;
	int sfd, fd;

	mw.o = o;
	mw.started = time(NULL);
	for (int i = 0; i < MCLI_MAX; i++)
		mcli[i].fd = -1;
	if (worker_argv(argv) < 0)
		return 1;
	snprintf(mw.dir, sizeof(mw.dir), "%s/tollgate-master.XXXXXX", tmp && strlen(tmp) < 24 ? tmp : "/tmp");
	if (!mkdtemp(mw.dir)) {
		log_alert("Master: cannot create a directory for the workers' sockets: %s.", strerror(errno));
		return 1;
	}
	if (o->cli_path && (mw.cli_fd = mcli_bind(o->cli_path)) < 0)
		return 1;
	if (o->daemon) {
		int pid = fork();

		if (pid < 0) {
			log_alert("cannot go to the background: %s.", strerror(errno));
			return 1;
		}
		if (pid > 0)
			_exit(0);
		setsid();
		/* as a daemon without -W: no terminal; stderr stays for the logs */
		if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
	}
	if (o->pidfile && write_pid(o->pidfile) < 0)
		log_warning("cannot write pid file %s: %s.", o->pidfile, strerror(errno));

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		log_alert("Master: signalfd: %s.", strerror(errno));
		return 1;
	}
	if (start_worker(NULL) < 0)
		return 1;
	log_startup_end();   /* the master keeps no log of its own runtime */

	while (nprocs() > 0) {
		struct pollfd pfd[MW_MAX_PROCS + MCLI_MAX + 2];
		struct mw_proc *owner[MW_MAX_PROCS + MCLI_MAX + 2];
		struct mcli *sess[MW_MAX_PROCS + MCLI_MAX + 2] = { NULL };
		int n = 0, ready, timeout = mcli_expire();

		pfd[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		owner[n++] = NULL;
		if (mw.cli_fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = mw.cli_fd, .events = POLLIN };
			owner[n++] = NULL;
		}
		for (int i = 0; i < MCLI_MAX; i++)
			if (mcli[i].fd >= 0) {
				pfd[n] = (struct pollfd){ .fd = mcli[i].fd, .events = POLLIN };
				sess[n] = &mcli[i];
				owner[n++] = NULL;
			}
		for (int i = 0; i < MW_MAX_PROCS; i++)
			if (mw.procs[i].pid && mw.procs[i].ready_fd >= 0) {
				pfd[n] = (struct pollfd){ .fd = mw.procs[i].ready_fd, .events = POLLIN };
				owner[n++] = &mw.procs[i];
			}
		mw.ctr.loops++;
		ready = poll(pfd, (nfds_t)n, timeout);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			log_alert("Master: poll: %s.", strerror(errno));
			break;
		}
		if (ready > 0)
			mw.ctr.poll_io++;
		else if (timeout)
			mw.ctr.poll_exp++;
		for (int i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == sfd) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
					handle_signal((int)si.ssi_signo);
				/* SIGCHLD may merge: reap whatever exited */
				reap();
			} else if (sess[i]) {
				if (sess[i]->fd == pfd[i].fd)
					mcli_read(sess[i]);
			} else if (pfd[i].fd == mw.cli_fd) {
				mcli_accept();
			} else if (owner[i] && owner[i]->pid && owner[i]->ready_fd == pfd[i].fd) {
				char c;

				if (read(pfd[i].fd, &c, 1) == 1)
					worker_ready(owner[i]);
				else {
					/* closed without a word: it is exiting; SIGCHLD tells */
					close(owner[i]->ready_fd);
					owner[i]->ready_fd = -1;
				}
			}
		}
	}
	log_warning("All workers exited. Exiting... (%d)", mw.exitcode > 0 ? mw.exitcode : 0);
	if (mw.cli_fd >= 0) {
		close(mw.cli_fd);
		unlink(mw.cli_path);
	}
	rmdir(mw.dir);
	return mw.exitcode > 0 ? mw.exitcode : 0;
}
