/*
 * The master CLI (-S): its socket and sessions, the commands the master
 * answers itself, and the routing of the others to a worker (`@<n>`,
 * `@!<pid>`, `@@<pid>`). Moved from master.c, which keeps the processes;
 * see master.c's header for the whole mode. Single-threaded, served from
 * the master's poll() loop (mcli_read(), mcli_accept(), mcli_expire()).
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

struct mcli mcli[MCLI_MAX];

/* Parses -S's argument, `[unix@]<path>[,<option>,<value>]*`, into mw's
 * cli_path, cli_level, cli_mode, cli_uid and cli_gid. The options are
 * HAProxy's bind options that mean something on a unix socket: mode
 * (octal), level, user/uid, group/gid. Returns 0, or -1 after an alert.
 */
int mcli_parse_arg(const char *arg)
{
	char buf[512], *save = NULL, *tok;

	if (strlen(arg) >= sizeof(buf)) {
		log_alert("-S '%s': too long.", arg);
		return -1;
	}
	strcpy(buf, arg);
	tok = strtok_r(buf, ",", &save);
	if (!tok || strlen(tok) - (strncmp(tok, "unix@", 5) ? 0 : 5) >= sizeof(mw.cli_path)) {
		log_alert("-S '%s': a unix socket path is expected first (at most %zu bytes).", arg,
		          sizeof(mw.cli_path) - 1);
		return -1;
	}
	strcpy(mw.cli_path, tok + (strncmp(tok, "unix@", 5) ? 0 : 5));
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *val = strtok_r(NULL, ",", &save), *end;
		struct passwd *pw;
		struct group *gr;

		if (!val) {
			log_alert("-S '%s': option '%s' expects a value.", arg, tok);
			return -1;
		}
		if (!strcmp(tok, "level")) {
			mw.cli_level = cli_level_parse(val);
			if (mw.cli_level < 0) {
				log_alert("-S '%s': 'level' only supports 'user', 'operator', and 'admin' (got '%s').", arg, val);
				return -1;
			}
		} else if (!strcmp(tok, "mode")) {
			mw.cli_mode = (mode_t)strtoul(val, &end, 8);
			if (*end || mw.cli_mode > 07777) {
				log_alert("-S '%s': 'mode' expects an octal mode, got '%s'.", arg, val);
				return -1;
			}
		} else if (!strcmp(tok, "uid") || !strcmp(tok, "gid")) {
			long v = strtol(val, &end, 10);

			if (*end || v < 0) {
				log_alert("-S '%s': '%s' expects a number, got '%s'.", arg, tok, val);
				return -1;
			}
			if (tok[0] == 'u')
				mw.cli_uid = (uid_t)v;
			else
				mw.cli_gid = (gid_t)v;
		} else if (!strcmp(tok, "user")) {
			if (!(pw = getpwnam(val))) {
				log_alert("-S '%s': unknown user '%s'.", arg, val);
				return -1;
			}
			mw.cli_uid = pw->pw_uid;
		} else if (!strcmp(tok, "group")) {
			if (!(gr = getgrnam(val))) {
				log_alert("-S '%s': unknown group '%s'.", arg, val);
				return -1;
			}
			mw.cli_gid = gr->gr_gid;
		} else {
			log_alert("-S '%s': unknown option '%s' (supported: mode, level, user, uid, group, gid).", arg, tok);
			return -1;
		}
	}
	return 0;
}

int mcli_bind(const char *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = mw.cli_path;
	int fd;

	mw.cli_level = CLI_LVL_ADMIN;
	mw.cli_mode = 0600;
	mw.cli_uid = (uid_t)-1;
	mw.cli_gid = (gid_t)-1;
	if (mcli_parse_arg(arg) < 0)
		return -1;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(path, mw.cli_mode) < 0 ||
	    ((mw.cli_uid != (uid_t)-1 || mw.cli_gid != (gid_t)-1) && chown(path, mw.cli_uid, mw.cli_gid) < 0) ||
	    listen(fd, 16) < 0) {
		close(fd);
		goto fail;
	}
	return fd;
fail:
	log_alert("Master CLI: cannot bind '%s': %s.", path, strerror(errno));
	return -1;
}

void mcli_printf(int fd, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && send(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1, MSG_NOSIGNAL) < 0) {
		/* the client left */
	}
}

static void uptime(char *buf, size_t sz, time_t since)
{
	long up = (long)(time(NULL) - since);

	if (up < 0)
		up = 0;
	snprintf(buf, sz, "%ldd%02ldh%02ldm%02lds", up / 86400, (up % 86400) / 3600, (up % 3600) / 60, up % 60);
}

/* show proc, in HAProxy's layout (fixed 15-character columns). */
static void show_proc(int fd)
{
	char up[32], rel[32];
	int old = 0;

	uptime(up, sizeof(up), mw.started);
	snprintf(rel, sizeof(rel), "%d [failed: %d]", mw.reloads, mw.failed);
	mcli_printf(fd, "#%-14s %-15s %-15s %-15s %-15s\n", "<PID>", "<type>", "<reloads>", "<uptime>", "<version>");
	mcli_printf(fd, "%-15u %-15s %-15s %-15s %-15s\n", (unsigned int)getpid(), "master", rel, up, TOLLGATE_VERSION);
	mcli_printf(fd, "# workers\n");
	for (int i = 0; i < MW_MAX_PROCS; i++) {
		struct mw_proc *p = &mw.procs[i];

		if (!p->pid || p->state == MW_LEAVING) {
			old += p->pid != 0;
			continue;
		}
		uptime(up, sizeof(up), p->started);
		mcli_printf(fd, "%-15u %-15s %-15d %-15s %-15s\n", (unsigned int)p->pid, "worker", p->reloads, up,
		           TOLLGATE_VERSION);
	}
	if (old) {
		mcli_printf(fd, "# old workers\n");
		for (int i = 0; i < MW_MAX_PROCS; i++) {
			struct mw_proc *p = &mw.procs[i];

			if (!p->pid || p->state != MW_LEAVING)
				continue;
			uptime(up, sizeof(up), p->started);
			mcli_printf(fd, "%-15u %-15s %-15d %-15s %-15s\n", (unsigned int)p->pid, "worker", p->reloads, up,
			           TOLLGATE_VERSION);
		}
	}
	mcli_printf(fd, "# programs\n\n");
}

static const char master_help[] =
	"The following commands are valid at this level:\n"
	"  @!<pid>                                 : send a command to the <pid> process\n"
	"  @<relative pid>                         : send a command to the <relative pid> process\n"
	"  @master                                 : send a command to the master process\n"
	"  operator                                : lower the level of the current CLI session to operator\n"
	"  reload                                  : reload haproxy\n"
	"  show cli level                          : display the level of the current CLI session\n"
	"  show cli sockets                        : dump list of cli sockets\n"
	"  show proc                               : show processes status\n"
	"  show version                            : show version of the current process\n"
	"  user                                    : lower the level of the current CLI session to user\n"
	"  help [<command>]                        : list matching or all commands\n"
	"  prompt                                  : toggle interactive mode with prompt\n"
	"  quit                                    : disconnect\n"
	"\n";

/* Connects to worker <p>'s admin socket and sends the prefixes carrying
 * the session's level and modes, without a line end (HAProxy's order: the
 * level first, since `operator` and `user` turn the modes off). Returns
 * the socket (5 s receive timeout), or -1 after telling the client.
 */
static int worker_connect(struct mcli *c, const struct mw_proc *p)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int w = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p->sock);
	if (w < 0 || setsockopt(w, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(w, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		mcli_printf(c->fd, "Can't connect to the target CLI!\n");
		if (w >= 0)
			close(w);
		return -1;
	}
	mcli_printf(w, "%s%s%s", c->level == CLI_LVL_USER ? "user -;" : c->level == CLI_LVL_OPER ? "operator -;" : "",
	           (c->modes & CLI_EXPERT) ? "expert-mode on -;" : "",
	           (c->modes & CLI_EXPERIMENTAL) ? "experimental-mode on -;" : "");
	return w;
}

/* Sends <cmd> (and its <payload>, NULL: none) to a worker's admin socket,
 * after the prefixes carrying the session's level and modes (HAProxy's
 * order: the level first, since `operator` and `user` turn the modes
 * off), and copies its answer to the session. Synchronous, 5 s at most.
 */
static void forward(struct mcli *c, const struct mw_proc *p, const char *cmd, const char *payload)
{
	char buf[16384];
	ssize_t n;
	int w = worker_connect(c, p);

	if (w < 0)
		return;
	mcli_printf(w, "%s\n", cmd);
	if (payload) {
		/* its lines, then the empty line that ends it */
		if (send(w, payload, strlen(payload), MSG_NOSIGNAL) < 0 || send(w, "\n", 1, MSG_NOSIGNAL) < 0) {
			/* the worker's answer says what it got */
		}
	}
	while ((n = recv(w, buf, sizeof(buf), 0)) > 0)
		if (send(c->fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
			break;
	close(w);
}

/* `@@<pid>` alone: the client's connection and the worker's, relayed both
 * ways by a thread of their own (the master's loop must not wait on an
 * interactive session) until the worker closes; the client closing its
 * side is passed on.
 */
struct mcli_attach {
	int client;                /* the master CLI connection, owned by the relay */
	int worker;                /* the worker's admin socket, owned by the relay */
};

static void *mcli_attach_relay(void *arg)
{
	struct mcli_attach *a = arg;
	struct pollfd pfd[2] = { { .fd = a->client, .events = POLLIN }, { .fd = a->worker, .events = POLLIN } };
	char buf[16384];

	for (;;) {
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents) {
			n = recv(a->worker, buf, sizeof(buf), 0);
			if (n <= 0 || send(a->client, buf, (size_t)n, MSG_NOSIGNAL) < 0)
				break;  /* the worker closed: so does the session */
		}
		if (pfd[0].revents) {
			n = recv(a->client, buf, sizeof(buf), 0);
			if (n <= 0) {
				shutdown(a->worker, SHUT_WR);
				pfd[0].fd = -1;  /* wait for the worker's last answer */
			} else if (send(a->worker, buf, (size_t)n, MSG_NOSIGNAL) < 0) {
				break;
			}
		}
	}
	close(a->client);
	close(a->worker);
	free(a);
	return NULL;
}

/* Hands the session <c> over to worker <p> for good (`@@<pid>` alone):
 * the session's level and modes go first (before the client's first line
 * in one-shot mode, as a line of their own with `prompt` in interactive
 * mode), then what the client already sent after the `@@` line. Returns 1
 * (handed over), or -1 if the session must close.
 */
static int mcli_attach(struct mcli *c, const struct mw_proc *p, const char *rest, size_t len)
{
	struct mcli_attach *a;
	pthread_attr_t attr;
	pthread_t th;
	int w = worker_connect(c, p);

	if (w < 0)
		return -1;
	if (c->prompt)
		mcli_printf(w, "prompt\n");
	if (len && send(w, rest, len, MSG_NOSIGNAL) < 0) {
		close(w);
		return -1;
	}
	a = malloc(sizeof(*a));
	if (!a || pthread_attr_init(&attr)) {
		free(a);
		close(w);
		return -1;
	}
	a->client = c->fd;
	a->worker = w;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, mcli_attach_relay, a)) {
		pthread_attr_destroy(&attr);
		free(a);
		close(w);
		return -1;
	}
	pthread_attr_destroy(&attr);
	c->fd = -1;   /* the relay owns it now */
	return 1;
}

/* Returns the pid a `@...` prefix (without its '@') names: 0 for the
 * master ("", "master", "0"), a worker's pid, or -1 if none.
 */
static int route(const char *target)
{
	struct mw_proc *list[MW_MAX_PROCS];
	struct mw_proc *p;
	int n = 0;
	char *end;
	long v;

	if (!target[0] || !strcmp(target, "master"))
		return 0;
	if (target[0] == '!') {
		v = strtol(target + 1, &end, 10);
		p = (*end || v <= 0) ? NULL : mw_proc_by_pid((int)v);
		return p ? p->pid : -1;
	}
	v = strtol(target, &end, 10);
	if (*end || v < 0)
		return -1;
	if (v == 0)
		return 0;
	/* relative numbers: 1 is the newest worker serving, then older ones */
	for (int i = 0; i < MW_MAX_PROCS; i++)
		if (mw.procs[i].pid && mw.procs[i].state != MW_LOADING)
			list[n++] = &mw.procs[i];
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (list[j]->state == MW_CURRENT && list[i]->state != MW_CURRENT) {
				p = list[i];
				list[i] = list[j];
				list[j] = p;
			}
	return v <= n ? list[v - 1]->pid : -1;
}

static void mcli_close(struct mcli *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* The interactive prompt, HAProxy's: "master> ", "<pid>> ", with the
 * modes on in parentheses ("master(x)> ") and "[ReloadFailed]" after a
 * failed reload.
 */
static void mcli_prompt(struct mcli *c)
{
	char who[32];

	if (c->target)
		snprintf(who, sizeof(who), "%d", c->target);
	else
		snprintf(who, sizeof(who), "master%s", mw.failed ? "[ReloadFailed]" : "");
	mcli_printf(c->fd, "%s%s%s%s%s%s> ", who, c->modes || c->debug ? "(" : "",
	           (c->modes & CLI_EXPERIMENTAL) ? "x" : "", (c->modes & CLI_EXPERT) ? "e" : "",
	           c->debug ? "d" : "", c->modes || c->debug ? ")" : "");
}

/* The commands the master applies to the session itself, whatever the
 * target (HAProxy's pcli_find_and_exec_kw()). Returns 1 if <word> was one,
 * 0 if not, -1 if it was refused (the session must close, as HAProxy's).
 */
static int mcli_session_kw(struct mcli *c, const char *word, const char *arg)
{
	int mode = 0;

	if (!strcmp(word, "prompt")) {
		c->prompt = !c->prompt;
		return 1;
	}
	if (!strcmp(word, "quit")) {
		c->quit = 1;
		return 1;
	}
	if (!strcmp(word, "operator") || !strcmp(word, "user")) {
		int want = word[0] == 'o' ? CLI_LVL_OPER : CLI_LVL_USER;

		if (c->level < want)
			goto denied;
		c->level = want;
		return 1;
	}
	if (!strcmp(word, "expert-mode"))
		mode = CLI_EXPERT;
	else if (!strcmp(word, "experimental-mode"))
		mode = CLI_EXPERIMENTAL;
	else if (strcmp(word, "mcli-debug-mode"))
		return 0;
	if (c->level < CLI_LVL_ADMIN)
		goto denied;
	if (!mode) {
		c->debug = arg && !strcmp(arg, "on");
		return 1;
	}
	c->modes &= ~mode;
	if (arg && !strcmp(arg, "on"))
		c->modes |= mode;
	return 1;
denied:
	mcli_printf(c->fd, "Permission denied!\n");
	return -1;
}

/* `show fd` on the master (`mcli-debug-mode on`): its descriptors, in the
 * worker's `show fd` line shape (one thread: tid 1).
 */
static void mcli_show_fd_line(struct mcli *c, int fd, const void *owner, const char *name, const char *kind)
{
	mcli_printf(c->fd, "%7d : ev=Ioe tmask=0x1 umask=0x0 prmsk=0x1 pwmsk=0x0 owner=%p iocb=%p(%s) kind=%s tid=1\n",
	            fd, owner, (const void *)name, name, kind);
}

static void mcli_show_fd(struct mcli *c)
{
	if (mw.cli_fd >= 0)
		mcli_show_fd_line(c, mw.cli_fd, &mw, "sock_accept_iocb", "master-listener");
	for (int i = 0; i < MCLI_MAX; i++)
		if (mcli[i].fd >= 0)
			mcli_show_fd_line(c, mcli[i].fd, &mcli[i], "sock_conn_iocb", "master-cli");
	for (int i = 0; i < MW_MAX_PROCS; i++)
		if (mw.procs[i].pid && mw.procs[i].ready_fd >= 0)
			mcli_show_fd_line(c, mw.procs[i].ready_fd, &mw.procs[i], "mworker_pipe_handler", "worker-pipe");
	mcli_printf(c->fd, "\n");
}

/* `show startup-logs` on the master (`mcli-debug-mode on`): its own, from
 * its parsing of the configuration at start.
 */
static void mcli_show_startup_logs(struct mcli *c)
{
	char buf[4096];
	size_t off = 0, n;

	while ((n = log_startup_read(off, buf, sizeof(buf))) > 0) {
		if (send(c->fd, buf, n, MSG_NOSIGNAL) < 0)
			return;
		off += n;
	}
	mcli_printf(c->fd, "\n");
}

/* Runs <cmd> with master_debug.c's answers: the master's counters and its
 * sessions. Returns 1 if it was one of them.
 */
static int mcli_debug_command(struct mcli *c, const char *cmd)
{
	struct mdebug_sess sess[MCLI_MAX];
	long long now = mw_now_ms();
	int n = 0;

	mw.ctr.started = mw.started;
	mw.ctr.cur_conns = 0;
	for (int i = 0; i < MCLI_MAX; i++) {
		if (mcli[i].fd < 0)
			continue;
		sess[n++] = (struct mdebug_sess){ &mcli[i], (uint64_t)(now - mcli[i].start), mcli[i].calls };
		mw.ctr.cur_conns++;
	}
	return mdebug_command(c->fd, cmd, &mw.ctr, sess, n);
}

/* `help`: the master's commands and, with `mcli-debug-mode on`, those it
 * answers itself, sorted as HAProxy lists them; help, prompt and quit
 * last.
 */
static void mcli_help(struct mcli *c)
{
	const char *tail = strstr(master_help, "  help [");
	const char *parts[2] = { strchr(master_help, '\n') + 1, mdebug_help };
	const char *ends[2] = { tail, mdebug_help + strlen(mdebug_help) };

	if (!c->debug) {
		mcli_printf(c->fd, "%s", master_help);
		return;
	}
	mcli_printf(c->fd, "%.*s", (int)(parts[0] - master_help), master_help);
	/* merge the two sorted lists of lines */
	while (parts[0] < ends[0] || parts[1] < ends[1]) {
		int k = parts[1] >= ends[1] ? 0 : parts[0] >= ends[0] ? 1 : strcmp(parts[0], parts[1]) > 0;
		const char *nl = strchr(parts[k], '\n') + 1;

		mcli_printf(c->fd, "%.*s", (int)(nl - parts[k]), parts[k]);
		parts[k] = nl;
	}
	mcli_printf(c->fd, "%s", tail);
}

/* `@@<pid> [command...]` (HAProxy 3.x): the whole line <line>, ';'
 * included, goes to the worker at once, on one session, and its answer
 * back; without a command, the session is handed over to the worker for
 * good (mcli_attach()), <more> (<len> bytes) being what followed the line.
 * Returns 0 to go on, 1 if handed over, -1 if the session must close.
 */
static int mcli_double_at(struct mcli *c, char *line, const char *more, size_t len)
{
	char *prefix = line + 2, *rest = prefix + strcspn(prefix, " \t");
	struct mw_proc *p;
	int target;

	if (*rest) {
		*rest++ = '\0';
		rest += strspn(rest, " \t");
	}
	target = route(prefix);
	p = target > 0 ? mw_proc_by_pid(target) : NULL;
	if (!p) {
		mcli_printf(c->fd, "Can't find the target PID matching the prefix '@@%s'\n", prefix);
		return -1;
	}
	if (!*rest)
		return mcli_attach(c, p, more, len);
	forward(c, p, rest, c->payload);
	return 0;
}

/* Runs one master CLI command (a part of a line between ';'). Returns 0 to
 * go on, 1 if the session's fd was handed over (reload), -1 if the session
 * must close now.
 */
static int cli_command(struct mcli *c, char *cmd)
{
	char word[32] = "", arg[32] = "";
	int target = c->target;
	int ret;

	while (*cmd == ' ' || *cmd == '\t')
		cmd++;
	cmd[strcspn(cmd, "\r")] = '\0';
	if (cmd[0] == '@') {
		char *prefix = cmd + 1, *rest = prefix + strcspn(prefix, " \t");

		if (*rest) {
			*rest++ = '\0';
			rest += strspn(rest, " \t");
		}
		target = route(prefix);
		if (target < 0) {
			mcli_printf(c->fd, "Can't find the target PID matching the prefix '@%s'\n", prefix);
			return -1;
		}
		if (!*rest) {
			/* a prefix alone: the default target from now on */
			c->target = target;
			return 0;
		}
		cmd = rest;
	} else {
		sscanf(cmd, "%31s %31s", word, arg);
		ret = mcli_session_kw(c, word, arg[0] ? arg : NULL);
		if (ret)
			return ret < 0 ? -1 : 0;
	}
	if (target) {
		struct mw_proc *p = mw_proc_by_pid(target);

		if (!p) {
			mcli_printf(c->fd, "Can't find the target PID matching the prefix '@!%d'\n", target);
			return -1;
		}
		if (cmd[0])
			forward(c, p, cmd, c->last ? c->payload : NULL);
		return 0;
	}
	if (!strcmp(cmd, "show proc")) {
		show_proc(c->fd);
	} else if (!strcmp(cmd, "reload")) {
		if (c->level < CLI_LVL_OPER) {
			mcli_printf(c->fd, "Permission denied\n\n");
			return 0;
		}
		mw_reload(c->fd);
		c->fd = -1;
		return 1;
	} else if (!strcmp(cmd, "show version")) {
		mcli_printf(c->fd, "%s\n\n", TOLLGATE_VERSION);  /* the empty line ends every answer */
	} else if (!strcmp(cmd, "show cli level")) {
		mcli_printf(c->fd, "%s\n\n", c->level == CLI_LVL_ADMIN ? "admin" : c->level == CLI_LVL_OPER ? "operator" : "user");
	} else if (c->debug && !strcmp(cmd, "show fd")) {
		mcli_show_fd(c);
	} else if (c->debug && !strcmp(cmd, "show startup-logs")) {
		mcli_show_startup_logs(c);
	} else if (c->debug && mcli_debug_command(c, cmd)) {
		/* answered by the master itself (master_debug.c) */
	} else if (!strcmp(cmd, "show cli sockets")) {
		mcli_printf(c->fd, "\n");  /* the master has no stats socket, as HAProxy's */
	} else if (!strncmp(cmd, "help", 4) && (!cmd[4] || cmd[4] == ' ')) {
		mcli_help(c);
	} else if (cmd[0]) {
		mcli_printf(c->fd, "Unknown command: '%s'\n%s", cmd, master_help);
	}
	return 0;
}

/* In interactive mode, HAProxy's "+ " prompt after a line ending with
 * "<<" and after each line of its payload: writes those not written yet
 * for the payload lines in the <len> bytes from <nl> (the line's newline).
 */
static void mcli_payload_prompts(struct mcli *c, const char *nl, size_t len)
{
	unsigned int lines = 0;

	if (!c->prompt)
		return;
	for (size_t i = 0; i < len; i++)
		lines += nl[i] == '\n';
	for (; c->pprompts < lines; c->pprompts++)
		mcli_printf(c->fd, "+ ");
}

/* Runs the complete lines received by <c>: each command in turn, the
 * prompt after each in interactive mode. As HAProxy's, the session lasts
 * until the client closes its side (socat's one-shot use), `quit`, a
 * refused command, or the idle timeout. Returns 0 if it must close.
 */
static int mcli_run(struct mcli *c, int eof)
{
	for (;;) {
		char *nl = memchr(c->in, '\n', c->len);
		size_t n;

		size_t cut, pl = 0;
		char *end = NULL;

		if (!nl && !(eof && c->len))
			return !eof;
		n = nl ? (size_t)(nl - c->in) : c->len;
		/* HAProxy's payload: a line ending with "<<" is followed by lines
		 * up to an empty one, relayed with the line's last command
		 */
		cut = n;
		while (cut && (c->in[cut - 1] == ' ' || c->in[cut - 1] == '\t' || c->in[cut - 1] == '\r'))
			cut--;
		c->payload = NULL;
		if (nl && cut >= 2 && !memcmp(c->in + cut - 2, "<<", 2)) {
			end = memmem(nl, c->len - n, "\n\n", 2);
			mcli_payload_prompts(c, nl, end ? (size_t)(end - nl) + 1 : c->len - n);
			if (!end && !eof) {
				if (c->len < sizeof(c->in) - 1)
					return 1;  /* the rest of the payload is coming */
				mcli_printf(c->fd, "Payload too long.\n");
				return 0;
			}
			pl = end ? (size_t)(end - nl) : c->len - n - 1;  /* its lines, newlines included */
			c->payload = nl + 1;
		}
		c->in[n] = '\0';
		if (c->payload)
			c->payload[pl] = '\0';
		for (char *cmd = c->in, *next; cmd; cmd = next) {
			int ret;

			cmd += strspn(cmd, " \t");
			if (!strncmp(cmd, "@@", 2)) {
				/* the rest of the line, ';' included, is the worker's */
				size_t used = (nl ? n + 1 : n) + (c->payload ? (end ? pl + 1 : c->len - n - 1) : 0);

				c->last = 1;
				ret = mcli_double_at(c, cmd, c->in + used, c->len - used);
				if (ret)
					return ret > 0 ? 1 : 0;
				if (c->prompt)
					mcli_prompt(c);
				break;
			}
			next = strchr(cmd, ';');
			if (next)
				*next++ = '\0';
			c->last = !next;
			ret = cli_command(c, cmd);
			if (ret)
				return ret > 0 ? 1 : 0;  /* handed over, or refused */
			if (c->prompt)
				mcli_prompt(c);
			if (c->quit)
				return 0;
		}
		c->pprompts = 0;
		n = nl ? n + 1 : n;
		if (c->payload)
			n += end ? pl + 1 : c->len - n;  /* the payload and its empty line */
		memmove(c->in, c->in + n, c->len - n);
		c->len -= n;
		c->deadline = mw_now_ms() + (c->prompt ? MCLI_IDLE_MS : MCLI_LINE_MS);
	}
}

void mcli_read(struct mcli *c)
{
	ssize_t n = recv(c->fd, c->in + c->len, sizeof(c->in) - 1 - c->len, MSG_DONTWAIT);

	c->calls++;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->len += (size_t)n;
	if (c->len >= sizeof(c->in) - 1 && !memchr(c->in, '\n', c->len)) {
		mcli_printf(c->fd, "Command line too long.\n");
		mcli_close(c);
		return;
	}
	if (!mcli_run(c, n <= 0))
		mcli_close(c);
}

void mcli_accept(void)
{
	int fd = accept4(mw.cli_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < MCLI_MAX; i++) {
		struct mcli *c = &mcli[i];

		if (c->fd >= 0)
			continue;
		memset(c, 0, offsetof(struct mcli, in));
		c->fd = fd;
		c->level = mw.cli_level;
		c->start = mw_now_ms();
		c->deadline = c->start + MCLI_LINE_MS;
		mw.ctr.accepted++;
		return;
	}
	mw_cli_reply_close(fd, "Too many connections to the master CLI.\n");
}

/* Closes the sessions whose deadline passed; returns the poll() timeout
 * until the next one, -1 if none.
 */
int mcli_expire(void)
{
	long long now = mw_now_ms(), next = -1;

	for (int i = 0; i < MCLI_MAX; i++) {
		if (mcli[i].fd < 0)
			continue;
		if (mcli[i].deadline <= now) {
			mcli_close(&mcli[i]);
			continue;
		}
		if (next < 0 || mcli[i].deadline - now < next)
			next = mcli[i].deadline - now;
	}
	return (int)next;
}

