/*
 * The admin socket: `stats socket` listeners, sessions, the command
 * registry, and output streaming with back-pressure.
 *
 * Threading: the sockets are bound by the main thread (cli_bind_all()) and
 * registered on worker 0 (cli_start()), which accepts and owns every
 * session: its fd, its task, its buffers. Commands therefore run on worker
 * 0; a command changing what other workers read takes thread isolation
 * itself (thread_isolate() is allowed from a task, see isolate.h).
 *
 * A session is driven by one task, woken by its fd's events and by its
 * `stats timeout` timer. Each run loops: send pending output; if a dump is
 * in progress and the output buffer has room, call the command's dump();
 * else run the next command of the current line; else take the next line
 * from the input; else read. It stops when the socket would block, and
 * after CLI_RUN_BUDGET steps (then it wakes itself again, so that a fast
 * reader of a huge dump does not starve the worker's other tasks).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockios.h>

#include <tollgate/addr.h>
#include <tollgate/cfg.h>
#include <tollgate/cli.h>
#include <tollgate/clock.h>
#include <tollgate/fd.h>
#include <tollgate/global.h>
#include <tollgate/log.h>
#include <tollgate/pool.h>
#include <tollgate/sock.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/ticks.h>

#include "stat_rows.h"

#define CLI_THREAD          0          /* worker owning every CLI socket and session */
#define CLI_SHORTAGE_RETRY_MS 100      /* accept again this long after EMFILE/ENFILE/ENOMEM */
#define CLI_RESERVE         4          /* output bytes kept for the framing ("\n> ") */
#define CLI_DUMP_ROOM       (CLI_OUTBUF_SIZE / 2) /* free room wanted before a dump step */
#define CLI_RUN_BUDGET      64         /* loop steps per task run */
#define CLI_DEFAULT_TIMEOUT 10000      /* ms, HAProxy's default `stats timeout` */
#define CLI_MAX_SESSIONS    256        /* concurrent sessions of all sockets; more are closed at once */
#define CLI_DEFAULT_MAXCONN 10         /* sessions per socket, HAProxy's default `stats maxconn` */
#define CLI_MAX_SOCKETS     16         /* `stats socket` lines served */

/* A bound `stats socket`. */
struct cli_listener {
	int fd;                          /* listening socket, -1 when closed */
	int level;                       /* CLI_LVL_* of its sessions */
	int paused;                      /* not polled after an accept() shortage */
	int full;                        /* not polled: `stats maxconn` sessions are open */
	unsigned int nsessions;          /* its open sessions (thread 0) */
	struct addr addr;                /* its address, for `show cli sockets` */
	struct global_stats_socket *conf; /* its configuration line */
};

struct cli_session {
	int fd;                          /* the connection */
	int level;                       /* CLI_LVL_*, lowered by `operator`, `user` */
	int modes;                       /* CLI_EXPERT, CLI_EXPERIMENTAL turned on */
	uint32_t timeout;                /* `set timeout cli`, ms; 0: `stats timeout` */
	int expose_fd;                   /* its socket has `expose-fd listeners` */
	struct cli_listener *l;          /* the socket it came in on */
	struct task *task;               /* I/O and timeout */
	unsigned int interactive:1;      /* `prompt` mode */
	unsigned int closing:1;          /* close once the output is sent */
	unsigned int eof:1;              /* the client shut its side */
	unsigned int line_seen:1;        /* a line was processed (one-shot mode ends) */
	unsigned int shut:1;             /* our side is shut: reading and dropping until EOF */
	unsigned int nolf:1;             /* end the current command without the empty line */
	unsigned int waiting:1;          /* the dump returned CLI_DUMP_WAIT: woken by cli_task_of() or input */
	unsigned int sev_output:2;       /* `set severity-output`: CLI_SEVOUT_* */
	unsigned int events;             /* events polled for */
	const struct cli_kw *kw;         /* command whose dump is in progress, or NULL */
	struct cli_session *prev, *next; /* all sessions (thread 0) */
	unsigned int id;                 /* rank among the sessions accepted (show sess) */
	uint32_t start_ms;               /* now_ms when accepted */
	struct timespec accept_ts;       /* wall clock when accepted */
	uint64_t calls;                  /* runs of its task */
	uint64_t bytes_in, bytes_out;    /* received, sent */
	size_t in_len;                   /* bytes in <in> */
	size_t line_len, line_pos;       /* current line, next command in it */
	int has_line;                    /* <line> holds commands to run */
	const char *payload;             /* the line's payload ("<<"), in <line> after it, or NULL */
	size_t out_pos, out_len;         /* sent and produced bytes of <out> */
	long outq;                       /* socket's queue when a send last blocked, or -1 */
	uint64_t ctx[CLI_CTX_SIZE / 8];  /* per-command context */
	char in[CLI_INBUF_SIZE];         /* bytes read, not yet a line */
	char line[CLI_INBUF_SIZE + 1];   /* the line being executed */
	char cmd[CLI_INBUF_SIZE + 1];    /* the command being parsed (words) */
	char out[CLI_OUTBUF_SIZE];       /* answer bytes */
};

/* `set severity-output` modes (struct cli_session.sev_output). */
#define CLI_SEVOUT_NONE        0          /* messages as they are */
#define CLI_SEVOUT_NUMBER      1          /* "[3]: " before a message */
#define CLI_SEVOUT_STRING      2          /* "[err]: " before a message */

static struct cli_kw_list *cli_lists;            /* registered commands */
static struct cli_listener cli_listeners[CLI_MAX_SOCKETS];
static int cli_nlisteners;
static struct pool_head *cli_pool;                /* sessions */
static struct cli_session *cli_sessions;          /* live sessions (thread 0) */
static struct task *cli_retry;                    /* lifts a shortage pause after a delay */
static struct task *cli_sampler;                  /* samples the rate maxima (stat_rates_sample()) */
static _Atomic unsigned int cli_nsessions;        /* their number: written by thread 0, read by any (show info) */
static _Atomic uint64_t cli_cumsessions;          /* sessions accepted since start */

unsigned int cli_sessions_count(void)
{
	return atomic_load_explicit(&cli_nsessions, memory_order_relaxed);
}

uint64_t cli_sessions_total(void)
{
	return atomic_load_explicit(&cli_cumsessions, memory_order_relaxed);
}

/* Fills <i> with what `show sess` prints of session <s>. */
static void cli_sess_fill(const struct cli_session *s, struct cli_sess_info *i)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint32_t exp = task_expire(s->task);

	memset(i, 0, sizeof(*i));
	i->ptr = s;
	i->task = s->task;
	i->listener = s->l;
	i->id = s->id;
	i->fd = s->fd;
	i->tid = CLI_THREAD;
	i->luid = (int)(s->l - cli_listeners) + 1;
	i->is_unix = s->l->addr.kind != ADDR_INET;
	if (i->is_unix) {
		snprintf(i->src, sizeof(i->src), "unix:%d", i->luid);
		snprintf(i->addr, sizeof(i->addr), "unix:%d", i->luid);
	} else {
		i->tcp6 = s->l->addr.ss.ss_family == AF_INET6;
		if (getpeername(s->fd, (struct sockaddr *)&ss, &len) < 0 ||
		    addr_format_sa((struct sockaddr *)&ss, len, i->src, sizeof(i->src)) < 0)
			snprintf(i->src, sizeof(i->src), "?");
		if (addr_format(&s->l->addr, i->addr, sizeof(i->addr)) < 0)
			snprintf(i->addr, sizeof(i->addr), "?");
	}
	i->age_ms = now_ms - s->start_ms;
	i->accept_sec = s->accept_ts.tv_sec;
	i->accept_usec = (int)(s->accept_ts.tv_nsec / 1000);
	i->calls = s->calls;
	i->bytes_in = s->bytes_in;
	i->bytes_out = s->bytes_out;
	i->in_len = s->in_len;
	i->out_len = s->out_len - s->out_pos;
	i->in_buf = s->in;
	i->out_buf = s->out;
	i->in_size = sizeof(s->in);
	i->out_size = sizeof(s->out);
	i->exp_ms = tick_isset(exp) && tick_is_lt(now_ms, exp) ? exp - now_ms : 0;
}

int cli_sessions_snapshot(struct cli_sess_info *out, int max)
{
	int n = 0, pos;

	for (const struct cli_session *s = cli_sessions; s; s = s->next)
		n++;
	/* the list is newest first: fill from the end */
	pos = n;
	for (const struct cli_session *s = cli_sessions; s; s = s->next) {
		pos--;
		if (pos < max)
			cli_sess_fill(s, &out[pos]);
	}
	return n;
}

unsigned int cli_listeners_count(void)
{
	unsigned int n = 0;

	for (int i = 0; i < cli_nlisteners; i++)
		n += cli_listeners[i].fd >= 0;
	return n;
}

void cli_register(struct cli_kw_list *l)
{
	struct cli_kw_list **tail = &cli_lists;

	while (*tail)
		tail = &(*tail)->next;
	l->next = NULL;
	*tail = l;
}

/* ---- Pure helpers ---- */

int cli_level_parse(const char *name)
{
	if (!name || !strcmp(name, "operator"))
		return CLI_LVL_OPER;
	if (!strcmp(name, "user"))
		return CLI_LVL_USER;
	if (!strcmp(name, "admin"))
		return CLI_LVL_ADMIN;
	return -1;
}

size_t cli_next_command(const char *line, size_t len)
{
	char quote = 0;

	for (size_t i = 0; i < len; i++) {
		char c = line[i];

		if (c == '\\') {
			i++;
			continue;
		}
		if (quote) {
			if (c == quote)
				quote = 0;
			continue;
		}
		if (c == '\'' || c == '"')
			quote = c;
		else if (c == ';')
			return i;
	}
	return len;
}

int cli_split_words(char *cmd, char **args, int max)
{
	char *r = cmd, *w = cmd;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
			r++;
		if (!*r)
			break;
		if (n >= max - 1)
			return -1;
		args[n++] = w;
		while (*r) {
			if (*r == '\\' && r[1]) {
				*w++ = r[1];
				r += 2;
			} else if (quote) {
				if (*r == quote)
					quote = 0;
				else
					*w++ = *r;
				r++;
			} else if (*r == '\'' || *r == '"') {
				quote = *r++;
			} else if (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n') {
				r++;
				break;
			} else {
				*w++ = *r++;
			}
		}
		*w++ = '\0';
		/* <w> never passes <r>: a word's bytes and its NUL fit where it was */
	}
	args[n] = NULL;
	return n;
}

/* ---- Output for command handlers ---- */

size_t cli_room(const struct cli_session *s)
{
	size_t used = s->out_len + CLI_RESERVE;

	return used < sizeof(s->out) ? sizeof(s->out) - used : 0;
}

char *cli_tail(struct cli_session *s, size_t *room)
{
	*room = cli_room(s);
	return s->out + s->out_len;
}

void cli_commit(struct cli_session *s, size_t len)
{
	BUG_ON(len > cli_room(s));
	s->out_len += len;
}

int cli_write(struct cli_session *s, const char *data, size_t len)
{
	if (len > cli_room(s))
		return -1;
	memcpy(s->out + s->out_len, data, len);
	s->out_len += len;
	return 0;
}

int cli_printf(struct cli_session *s, const char *fmt, ...)
{
	size_t room = cli_room(s);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->out + s->out_len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return -1;
	s->out_len += (size_t)n;
	return 0;
}

/* Writes the severity prefix of a message of syslog severity <sev>, if
 * the session asked for one (`set severity-output`).
 */
static void cli_sev_prefix(struct cli_session *s, int sev)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };

	if (s->sev_output == CLI_SEVOUT_NUMBER)
		cli_printf(s, "[%d]: ", sev);
	else if (s->sev_output == CLI_SEVOUT_STRING)
		cli_printf(s, "[%s]: ", names[sev]);
}

int cli_msg(struct cli_session *s, const char *msg)
{
	cli_sev_prefix(s, CLI_SEV_INFO);
	cli_write(s, msg, strlen(msg));
	return CLI_DONE;
}

int cli_err(struct cli_session *s, const char *msg)
{
	cli_sev_prefix(s, CLI_SEV_ERR);
	cli_write(s, msg, strlen(msg));
	return CLI_DONE;
}

int cli_sevf(struct cli_session *s, int sev, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_sev_prefix(s, sev);
	cli_write(s, msg, strlen(msg));
	return CLI_DONE;
}
struct task *cli_task_of(const struct cli_session *s)
{
	return s->task;
}

void *cli_ctx(struct cli_session *s)
{
	return s->ctx;
}

int cli_level(const struct cli_session *s)
{
	return s->level;
}

int cli_output_pending(const struct cli_session *s)
{
	return s->out_pos < s->out_len;
}

int cli_session_exposes_fds(const struct cli_session *s)
{
	return s->expose_fd;
}

int cli_session_fd(const struct cli_session *s)
{
	return s->fd;
}

const char *cli_payload(const struct cli_session *s)
{
	return s->has_line ? NULL : s->payload;
}

void *cli_priv(const struct cli_session *s)
{
	return s->kw ? s->kw->priv : NULL;
}

/* ---- Help ---- */

/* As HAProxy, help lists the commands of every level (a command above the
 * session's level is answered "Permission denied"), but not those of a
 * mode the session has not turned on.
 */
static int cli_kw_visible(const struct cli_session *s, const struct cli_kw *kw)
{
	return kw->usage && !(kw->level & ~s->modes & (CLI_EXPERT | CLI_EXPERIMENTAL));
}

static int cli_usage_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct cli_kw *const *)a)->usage,
	              (*(const struct cli_kw *const *)b)->usage);
}

/* Writes HAProxy's help text: the commands allowed at the session's level
 * whose first words match the words of <args> that match some command
 * (all of them if none does). <ishelp>: "help" was asked, otherwise <args>
 * is an unknown command.
 */
static void cli_usage(struct cli_session *s, char **args, int argc, int ishelp)
{
	const struct cli_kw *entries[256];
	struct cli_kw_list *l;
	int length = 0, n = 0;

	for (l = cli_lists; l; l = l->next)
		for (struct cli_kw *kw = l->kw; kw->words[0]; kw++) {
			int i;

			if (!cli_kw_visible(s, kw))
				continue;
			for (i = 0; i < 4 && kw->words[i] && i < argc && !strcmp(kw->words[i], args[i]); i++)
				;
			if (i > length)
				length = i;
		}
	if (ishelp) {
		cli_printf(s, "The following commands are valid at this level:\n");
	} else {
		cli_sev_prefix(s, CLI_SEV_INFO);   /* HAProxy prints this message as info */
		cli_printf(s, "Unknown command: '%s'", argc ? args[0] : "");
		cli_printf(s, "%s", length ? ", but maybe one of the following ones is a better match:\n"
		                           : ". Please enter one of the following commands only:\n");
	}
	for (l = cli_lists; l; l = l->next)
		for (struct cli_kw *kw = l->kw; kw->words[0]; kw++) {
			int i;

			if (!cli_kw_visible(s, kw))
				continue;
			for (i = 0; i < length && kw->words[i] && !strcmp(kw->words[i], args[i]); i++)
				;
			if (i == length && n < (int)ARRAY_SIZE(entries))
				entries[n++] = kw;
		}
	qsort(entries, (size_t)n, sizeof(entries[0]), cli_usage_cmp);
	for (int i = 0; i < n; i++)
		cli_printf(s, "  %s\n", entries[i]->usage);
	cli_printf(s, "  help [<command>]                        : list matching or all commands\n"
	              "  prompt                                  : toggle interactive mode with prompt\n"
	              "  quit                                    : disconnect\n");
}

/* ---- The session's own commands ---- */

static const char *const cli_level_names[] = { "user", "operator", "admin" };

static int parse_show_cli_level(struct cli_session *s, int argc, char **args)
{
	cli_printf(s, "%s\n", cli_level_names[s->level]);
	return CLI_DONE;
}

/* `operator`, `user`: lower the session's level (never raise it), and turn
 * the expert and experimental modes off, as HAProxy. A "-" argument ends
 * the answer without its empty line (HAProxy's master CLI uses it).
 */
static int parse_set_level(struct cli_session *s, int argc, char **args)
{
	int want = args[0][0] == 'o' ? CLI_LVL_OPER : CLI_LVL_USER;

	if (argc > 1 && !strcmp(args[1], "-"))
		s->nolf = 1;
	if (s->level < want)
		return cli_err(s, "Permission denied\n");
	s->level = want;
	s->modes &= ~(CLI_EXPERT | CLI_EXPERIMENTAL);
	return CLI_DONE;
}

/* `expert-mode [on|off]`, `experimental-mode [on|off]`: without an
 * argument, says whether the mode is on. Any argument but "on" turns it
 * off, as HAProxy.
 */
static int parse_mode(struct cli_session *s, int argc, char **args)
{
	int mode = (int)(intptr_t)cli_priv(s);

	if (argc > 2 && !strcmp(args[2], "-"))
		s->nolf = 1;
	if (s->level < CLI_LVL_ADMIN)
		return cli_err(s, "Permission denied\n");
	if (argc < 2) {
		cli_printf(s, "%s is %s\n", args[0], (s->modes & mode) ? "ON" : "OFF");
		return CLI_DONE;
	}
	s->modes &= ~mode;
	if (!strcmp(args[1], "on"))
		s->modes |= mode;
	return CLI_DONE;
}

/* `set severity-output none|number|string`: this session's messages
 * (not its dumps) are preceded by their syslog severity, as a number or a
 * name (HAProxy's feedback format for scripts).
 */
static int parse_set_severity(struct cli_session *s, int argc, char **args)
{
	static const char *const modes[] = { "none", "number", "string" };

	for (int i = 0; argc > 2 && i < (int)ARRAY_SIZE(modes); i++) {
		if (!strcmp(args[2], modes[i])) {
			s->sev_output = (unsigned int)i;
			return CLI_DONE;
		}
	}
	return cli_err(s, "one of 'none', 'number', 'string' is a required argument\n");
}

/* Writes the address of <l> as HAProxy's `show cli sockets` does:
 * unix@PATH, abns@NAME, ipv4@IP:PORT, ipv6@[IP]:PORT (an inherited fd@N
 * as the address it is bound to).
 */
static void cli_print_listener(struct cli_session *s, const struct cli_listener *l)
{
	char buf[ADDR_STRLEN];
	struct addr a = l->addr;

	if (a.kind == ADDR_FD || a.kind == ADDR_SOCKPAIR) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		if (getsockname(l->fd, (struct sockaddr *)&ss, &len) < 0 ||
		    addr_from_sa(&a, (struct sockaddr *)&ss, len) < 0) {
			cli_printf(s, "unknown ");
			return;
		}
	}
	addr_format(&a, buf, sizeof(buf));
	if (a.kind == ADDR_INET)
		cli_printf(s, "%s@%s ", a.ss.ss_family == AF_INET6 ? "ipv6" : "ipv4", buf);
	else
		cli_printf(s, "%s ", buf);
}

static int parse_show_cli_sockets(struct cli_session *s, int argc, char **args)
{
	cli_printf(s, "# socket lvl processes\n");
	for (int i = 0; i < cli_nlisteners; i++) {
		if (cli_listeners[i].fd < 0)
			continue;
		cli_print_listener(s, &cli_listeners[i]);
		cli_printf(s, "%s all\n", cli_level_names[cli_listeners[i].level]);
	}
	return CLI_DONE;
}

/* `set timeout cli <delay>`: the session's idle timeout, in seconds
 * unless a unit is given, rounded up to whole seconds, 1 s at least
 * (HAProxy's rules and messages).
 */
static int parse_set_timeout(struct cli_session *s, int argc, char **args)
{
	unsigned int ms;
	char *why = NULL;
	size_t digits;

	if (argc < 3 || strcmp(args[2], "cli"))
		return cli_err(s, "'set timeout' only supports 'cli'.\n");
	if (argc < 4)
		return cli_err(s, "Expects an integer value.\n");
	digits = strspn(args[3], "0123456789");
	if (digits && !args[3][digits] && digits < 7)
		ms = (unsigned int)strtoul(args[3], NULL, 10) * 1000;  /* seconds without a unit */
	else if (cfg_parse_time(args[3], &ms, &why) < 0)
		ms = 0;
	free(why);
	ms = ms > UINT32_MAX - 999 ? 0 : (ms + 999) / 1000 * 1000;  /* whole seconds, rounded up */
	if (ms < 1000)
		return cli_err(s, "Invalid timeout value.\n");
	s->timeout = ms;
	task_set_expire(s->task, tick_add(now_ms, ms));
	return CLI_DONE;
}

static struct cli_kw cli_own_kws[] = {
	{ { "set", "timeout", NULL }, "set timeout [cli] <delay>               : change a timeout setting",
	  CLI_LVL_USER, parse_set_timeout, NULL, NULL, NULL },
	{ { "set", "severity-output", NULL }, "set severity-output [none|number|string]: set presence of severity level in feedback information",
	  CLI_LVL_USER, parse_set_severity, NULL, NULL, NULL },
	{ { "show", "cli", "level", NULL }, "show cli level                          : display the level of the current CLI session",
	  CLI_LVL_USER, parse_show_cli_level, NULL, NULL, NULL },
	{ { "show", "cli", "sockets", NULL }, "show cli sockets                        : dump list of cli sockets",
	  CLI_LVL_USER, parse_show_cli_sockets, NULL, NULL, NULL },
	{ { "operator", NULL }, "operator                                : lower the level of the current CLI session to operator",
	  CLI_LVL_USER, parse_set_level, NULL, NULL, NULL },
	{ { "user", NULL }, "user                                    : lower the level of the current CLI session to user",
	  CLI_LVL_USER, parse_set_level, NULL, NULL, NULL },
	{ { "expert-mode", NULL }, NULL, CLI_LVL_USER, parse_mode, NULL, NULL, (void *)(intptr_t)CLI_EXPERT },
	{ { "experimental-mode", NULL }, NULL, CLI_LVL_USER, parse_mode, NULL, NULL, (void *)(intptr_t)CLI_EXPERIMENTAL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list cli_own_kw_list = { cli_own_kws, NULL };

static void cli_session_iocb(int fd, unsigned int events, void *owner);
static void cli_master_session_iocb(int fd, unsigned int events, void *owner);
static void cli_accept_iocb(int fd, unsigned int events, void *owner);
static void cli_master_accept_iocb(int fd, unsigned int events, void *owner);

__attribute__((constructor)) static void cli_own_register(void)
{
	cli_register(&cli_own_kw_list);
	/* `show fd`: HAProxy's callback names, Tollgate's kinds */
	fd_name_iocb(cli_accept_iocb, "sock_accept_iocb", "cli-listener");
	fd_name_iocb(cli_session_iocb, "sock_conn_iocb", "cli");
	fd_name_iocb(cli_master_accept_iocb, "mworker_accept_wrapper", "master-listener");
	fd_name_iocb(cli_master_session_iocb, "sock_conn_iocb", "master-cli");
}

/* ---- Command execution ---- */

static const struct cli_kw *cli_find_kw(char **args, int argc)
{
	const struct cli_kw *best = NULL;
	int best_len = 0;

	for (struct cli_kw_list *l = cli_lists; l; l = l->next)
		for (struct cli_kw *kw = l->kw; kw->words[0]; kw++) {
			int i;

			for (i = 0; i < 4 && kw->words[i]; i++)
				if (i >= argc || strcmp(kw->words[i], args[i]))
					break;
			if ((i == 4 || !kw->words[i]) && i > best_len) {
				best = kw;
				best_len = i;
			}
		}
	return best;
}

/* Ends the current command: its release, then the framing. */
static void cli_end_command(struct cli_session *s)
{
	if (s->kw && s->kw->release)
		s->kw->release(s);
	s->kw = NULL;
	/* CLI_RESERVE guarantees the room */
	if (s->nolf)
		s->nolf = 0;
	else
		s->out[s->out_len++] = '\n';
	if (s->interactive && !s->closing) {
		s->out[s->out_len++] = '>';
		s->out[s->out_len++] = ' ';
	}
}

/* Runs the next command of the current line. */
static void cli_run_next(struct cli_session *s)
{
	size_t rest = s->line_len - s->line_pos;
	size_t n = cli_next_command(s->line + s->line_pos, rest);
	char *args[CLI_MAX_ARGS];
	const struct cli_kw *kw;
	int argc;

	memcpy(s->cmd, s->line + s->line_pos, n);
	s->cmd[n] = '\0';
	s->line_pos += n < rest ? n + 1 : n;
	if (s->line_pos >= s->line_len)
		s->has_line = 0;

	argc = cli_split_words(s->cmd, args, CLI_MAX_ARGS);
	if (argc == 0) {
		/* an empty command: only the prompt answers it */
		if (s->interactive)
			cli_write(s, "> ", 2);
		return;
	}
	if (argc < 0) {
		cli_err(s, "Too many words on the command line.\n");
		cli_end_command(s);
		return;
	}
	if (!strcmp(args[0], "quit")) {
		s->closing = 1;
		s->has_line = 0;
		return;
	}
	if (!strcmp(args[0], "prompt")) {
		s->interactive = !s->interactive;
		cli_end_command(s);
		return;
	}
	if (!strcmp(args[0], "help")) {
		cli_usage(s, args + 1, argc - 1, 1);
		cli_end_command(s);
		return;
	}
	kw = cli_find_kw(args, argc);
	if (!kw) {
		cli_usage(s, args, argc, 0);
		cli_end_command(s);
		return;
	}
	/* HAProxy's order: the modes, then the level */
	if (kw->level & ~s->modes & CLI_EXPERT) {
		cli_err(s, "This command is restricted to expert mode only.\n");
		cli_end_command(s);
		return;
	}
	if (kw->level & ~s->modes & CLI_EXPERIMENTAL) {
		cli_err(s, "This command is restricted to experimental mode only.\n");
		cli_end_command(s);
		return;
	}
	if ((kw->level & CLI_LVL_MASK) > s->level) {
		cli_err(s, "Permission denied\n");
		cli_end_command(s);
		return;
	}
	memset(s->ctx, 0, sizeof(s->ctx));
	s->kw = kw;
	if (kw->parse(s, argc, args) == CLI_DUMP && kw->dump)
		return; /* the dump goes on in cli_process() */
	cli_end_command(s);
}

/* Moves the next complete line from <in> to <line>. Returns 1 if one was
 * taken, 0 if more input is needed.
 */
static int cli_take_line(struct cli_session *s)
{
	char *nl = memchr(s->in, '\n', s->in_len);
	size_t n;

	size_t cut, take, pl = 0;
	char *end = NULL;

	if (!nl) {
		if (!s->eof || !s->in_len)
			return 0;
		n = s->in_len;  /* the last line, without its newline */
	} else {
		n = (size_t)(nl - s->in);
	}
	/* HAProxy's payload: a line ending with "<<" is followed by lines up
	 * to an empty one (or the end of input), given to its last command
	 */
	cut = n;
	while (cut && (s->in[cut - 1] == ' ' || s->in[cut - 1] == '\t' || s->in[cut - 1] == '\r'))
		cut--;
	if (nl && cut >= 2 && !memcmp(s->in + cut - 2, "<<", 2)) {
		end = memmem(nl, s->in_len - n, "\n\n", 2);
		if (!end && !s->eof)
			return 0;
		pl = end ? (size_t)(end - nl) : s->in_len - n - 1;   /* payload bytes, last newline included */
		cut -= 2;
	}
	take = pl ? cut : n;
	memcpy(s->line, s->in, take);
	s->line[take] = '\0';
	/* a NUL byte would end the words early: make it a blank */
	for (size_t i = 0; i < take; i++)
		if (!s->line[i])
			s->line[i] = ' ';
	s->payload = NULL;
	if (pl) {
		memcpy(s->line + take + 1, nl + 1, pl);
		s->line[take + 1 + pl] = '\0';
		s->payload = s->line + take + 1;
		n += 1 + pl + (end ? 1 : 0) - (nl ? 1 : 0);   /* the line, its payload, the empty line */
	}
	s->line_len = take;
	s->line_pos = 0;
	s->has_line = 1;
	s->line_seen = 1;
	n = nl ? n + 1 : n;
	memmove(s->in, s->in + n, s->in_len - n);
	s->in_len -= n;
	return 1;
}

/* Resumes the sockets paused by a shortage. CLI thread. */
static void cli_resume_paused(void)
{
	for (int i = 0; i < cli_nlisteners; i++) {
		if (cli_listeners[i].paused && !cli_listeners[i].full && thread_running()) {
			cli_listeners[i].paused = 0;
			fd_set_events(cli_listeners[i].fd, FD_EV_IN);
		}
	}
}

/* The shortage retry delay passed: descriptors may have come back
 * elsewhere than from an admin session (a proxy connection ended).
 */
static struct task *cli_retry_task(struct task *t, void *ctx, unsigned int state)
{
	task_set_expire(t, TICK_ETERNITY);
	cli_resume_paused();
	return t;
}

static struct task *cli_sampler_task(struct task *t, void *ctx, unsigned int state)
{
	stat_rates_sample();
	stat_info_sample();
	task_set_expire(t, tick_add(now_ms, STAT_SAMPLE_MS));
	return t;
}

static void cli_session_free(struct cli_session *s)
{
	if (s->kw && s->kw->release)
		s->kw->release(s);
	s->kw = NULL;
	if (s->fd >= 0)
		fd_delete(s->fd);
	if (s->prev)
		s->prev->next = s->next;
	else
		cli_sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	atomic_fetch_sub_explicit(&cli_nsessions, 1, memory_order_relaxed);
	if (s->l) {
		s->l->nsessions--;
		if (s->l->full) {
			/* room again under `stats maxconn`: the queued clients come in */
			s->l->full = 0;
			if (!s->l->paused && thread_running())
				fd_set_events(s->l->fd, FD_EV_IN);
		}
	}
	pool_free(cli_pool, s);
	/* an fd was given back */
	cli_resume_paused();
}

static unsigned int cli_maxconn(void)
{
	return global.stats_maxconn ? global.stats_maxconn : CLI_DEFAULT_MAXCONN;
}

static uint32_t cli_timeout(const struct cli_session *s)
{
	if (s && s->timeout)
		return s->timeout;
	return global.stats_timeout ? global.stats_timeout : CLI_DEFAULT_TIMEOUT;
}

/* The length of the session's socket's send queue (SIOCOUTQ: the kernel
 * memory of the packets a unix socket's peer has not read yet, the bytes a
 * TCP one has not acknowledged yet), or -1.
 */
static long cli_outq(const struct cli_session *s)
{
	int q;

	if (ioctl(s->fd, SIOCOUTQ, &q) < 0)
		return -1;
	return q;
}

/* Runs the session as far as it can without blocking. Returns 0 if it
 * must be closed now, 1 otherwise.
 */
static int cli_process(struct cli_session *s)
{
	unsigned int want;
	int budget = CLI_RUN_BUDGET;
	int progress = 0;
	int waited = 0;                  /* a waiting dump was asked this run */
	int step;

	while (budget-- > 0) {
		/* 1. send what is pending */
		if (s->out_pos < s->out_len) {
			ssize_t n = send(s->fd, s->out + s->out_pos, s->out_len - s->out_pos,
			                 MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n > 0) {
				s->out_pos += (size_t)n;
				s->bytes_out += (uint64_t)n;
				s->outq = -1;
				progress = 1;
			} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				/* wait for room, unless a dump can still fill ours;
				 * the queue's length tells a reader's progress when
				 * the timeout strikes (cli_reader_progressed())
				 */
				s->outq = cli_outq(s);
			} else if (n < 0 && errno == EINTR) {
				continue;
			} else {
				return 0;
			}
			if (s->out_pos == s->out_len) {
				s->out_pos = s->out_len = 0;
			} else if (s->out_pos > sizeof(s->out) / 2) {
				memmove(s->out, s->out + s->out_pos, s->out_len - s->out_pos);
				s->out_len -= s->out_pos;
				s->out_pos = 0;
			}
		}

		/* 2. go on with a dump while the buffer has room */
		if (s->kw) {
			if (cli_room(s) < CLI_DUMP_ROOM && s->out_pos < s->out_len) {
				if (s->out_pos > 0) {
					memmove(s->out, s->out + s->out_pos, s->out_len - s->out_pos);
					s->out_len -= s->out_pos;
					s->out_pos = 0;
					continue;
				}
				break; /* full: the reader must make room */
			}
			if (s->waiting) {
				/* any input (or its end) stops a waiting dump, as
				 * HAProxy's `show events -w`; it is discarded */
				if (!s->in_len && !s->eof) {
					ssize_t n = recv(s->fd, s->in, sizeof(s->in), MSG_DONTWAIT);

					if (n > 0)
						s->in_len = (size_t)n;
					else if (n == 0)
						s->eof = 1;
					else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
						return 0;
				}
				if (s->in_len || s->eof) {
					s->in_len = 0;
					s->waiting = 0;
					cli_end_command(s);
					task_set_expire(s->task, tick_add(now_ms, cli_timeout(s)));
					continue;
				}
				if (waited)
					break;   /* asked once this run: sleep until woken */
				s->waiting = 0;
			}
			/* a step may write nothing (clear table works without
			 * output): the run budget bounds such steps
			 */
			step = s->kw->dump(s);
			if (step == CLI_DUMP_WAIT) {
				/* no stats timeout while waiting for events */
				s->waiting = 1;
				waited = 1;
				task_set_expire(s->task, TICK_ETERNITY);
			} else if (step) {
				cli_end_command(s);
			}
			continue;
		}

		/* 3. commands are run on an empty output buffer */
		if (s->out_pos < s->out_len)
			break;
		if (s->closing) {
			/* Shut our side and drop what the client still sends
			 * until it closes: closing with unread input would
			 * reset the connection and could lose the answer.
			 */
			char junk[4096];
			ssize_t n;

			if (s->eof)
				return 0;
			if (!s->shut) {
				shutdown(s->fd, SHUT_WR);
				s->shut = 1;
			}
			n = recv(s->fd, junk, sizeof(junk), MSG_DONTWAIT);
			if (n > 0)
				continue;
			if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
				return 0;
			break;
		}
		if (s->has_line) {
			cli_run_next(s);
			continue;
		}
		if (s->line_seen && !s->interactive) {
			s->closing = 1;
			continue;
		}

		/* 4. the next line */
		if (cli_take_line(s))
			continue;
		if (s->eof) {
			s->closing = 1;
			continue;
		}
		if (s->in_len == sizeof(s->in)) {
			cli_err(s, "Command line too long (the limit is 16384 bytes).\n");
			s->closing = 1;
			cli_end_command(s);
			continue;
		}

		/* 5. read */
		{
			ssize_t n = recv(s->fd, s->in + s->in_len, sizeof(s->in) - s->in_len, MSG_DONTWAIT);

			if (n > 0) {
				s->in_len += (size_t)n;
				s->bytes_in += (uint64_t)n;
				progress = 1;
				continue;
			}
			if (n == 0) {
				s->eof = 1;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return 0;
			break;
		}
	}

	if (budget < 0) {
		/* out of budget with work left: yield to the other tasks */
		task_wakeup(s->task, TASK_WOKEN_OTHER);
	}
	want = 0;
	if (s->out_pos < s->out_len)
		want |= FD_EV_OUT;
	else if (s->shut || s->waiting || (!s->kw && !s->has_line && !s->closing && !s->eof && s->in_len < sizeof(s->in)))
		want |= FD_EV_IN;
	if (want != s->events) {
		fd_set_events(s->fd, want);
		s->events = want;
	}
	if (progress && !s->waiting)
		task_set_expire(s->task, tick_add(now_ms, cli_timeout(s)));
	return 1;
}

/* On the `stats timeout` of a session blocked on output: returns 1 if its
 * reader drained some of the socket's queue since the send blocked (or
 * since the last such check), 0 if not or if no output is pending. The
 * kernel wakes a blocked writer only once most of the queue (hundreds of
 * KB on a unix socket) is read, which a slow but steady reader of a long
 * dump can take longer than the timeout to do: the dump must go on as long
 * as the reader reads, and stop when it stops reading.
 */
static int cli_reader_progressed(struct cli_session *s)
{
	long q;

	if (s->out_pos == s->out_len || s->outq < 0)
		return 0;
	q = cli_outq(s);
	if (q < 0 || q >= s->outq)
		return 0;
	s->outq = q;
	return 1;
}

static struct task *cli_session_task(struct task *t, void *ctx, unsigned int state)
{
	struct cli_session *s = ctx;

	s->calls++;
	if ((state & TASK_WOKEN_TIMER) && tick_is_expired(task_expire(t), now_ms)) {
		/* stats timeout: no progress for too long, unless a session
		 * blocked on output sees its reader drain the socket's queue
		 */
		if (!cli_reader_progressed(s)) {
			cli_session_free(s);
			task_destroy(t);
			return NULL;
		}
		task_set_expire(t, tick_add(now_ms, cli_timeout(s)));
	}
	if (!cli_process(s)) {
		cli_session_free(s);
		task_destroy(t);
		return NULL;
	}
	return t;
}

static void cli_session_iocb(int fd, unsigned int events, void *owner)
{
	struct cli_session *s = owner;

	task_wakeup(s->task, TASK_WOKEN_IO);
}

/* The same, for the sessions of the master's socket: another function
 * only so that `show fd` tells them apart.
 */
static void cli_master_session_iocb(int fd, unsigned int events, void *owner)
{
	cli_session_iocb(fd, events, owner);
}

/* ---- Listeners ---- */

static void cli_accept_iocb(int fd, unsigned int events, void *owner)
{
	struct cli_listener *l = owner;

	for (int i = 0; i < 16; i++) {
		struct cli_session *s;
		int cfd;

		if (l->nsessions >= cli_maxconn()) {
			/* as HAProxy: stop accepting, the next clients wait in
			 * the backlog until a session ends (cli_session_free())
			 */
			fd_set_events(fd, 0);
			l->full = 1;
			return;
		}
		cfd = sock_accept(fd, NULL, NULL);

		if (cfd < 0) {
			enum sock_accept_action a = sock_accept_classify(cfd);

			if (a == SOCK_ACC_RETRY)
				continue;
			if (a == SOCK_ACC_DONE)
				return;
			/* fd or memory shortage: stop polling until a session
			 * ends (cli_session_free()) or the retry delay passes,
			 * else the level-triggered event would spin; a fatal
			 * error disables the socket.
			 */
			log_warning("stats socket %s: accept() failed: %s; %s.", l->conf->addr, strerror(-cfd),
			            a == SOCK_ACC_FATAL ? "no longer accepting on it" : "pausing it");
			fd_set_events(fd, 0);
			l->paused = a != SOCK_ACC_FATAL;
			if (l->paused)
				task_schedule(cli_retry, tick_add(now_ms, CLI_SHORTAGE_RETRY_MS));
			return;
		}
		if (atomic_load_explicit(&cli_nsessions, memory_order_relaxed) >= CLI_MAX_SESSIONS || !(s = pool_alloc(cli_pool))) {
			close(cfd);
			continue;
		}
		/* counted as HAProxy counts its CLI's accepts */
		thread_stat_add(&thread_stats(tid)->accepted, 1);
		memset(s, 0, offsetof(struct cli_session, in));
		s->fd = cfd;
		s->l = l;
		s->level = l->level;
		s->expose_fd = l->conf->expose_fd;
		s->outq = -1;
		s->start_ms = now_ms;
		clock_gettime(CLOCK_REALTIME, &s->accept_ts);
		s->id = (unsigned int)atomic_load_explicit(&cli_cumsessions, memory_order_relaxed) + 1;
		s->task = task_new(tid_bit, cli_session_task, s, "cli_session");
		if (!s->task) {
			close(cfd);
			pool_free(cli_pool, s);
			continue;
		}
		if (fd_insert(cfd, tid, l->conf->master ? cli_master_session_iocb : cli_session_iocb, s,
		              FD_EV_IN) < 0) {
			close(cfd);
			task_destroy(s->task);
			pool_free(cli_pool, s);
			continue;
		}
		s->events = FD_EV_IN;
		s->next = cli_sessions;
		if (cli_sessions)
			cli_sessions->prev = s;
		cli_sessions = s;
		atomic_fetch_add_explicit(&cli_nsessions, 1, memory_order_relaxed);
		l->nsessions++;
		atomic_fetch_add_explicit(&cli_cumsessions, 1, memory_order_relaxed);
		task_set_expire(s->task, tick_add(now_ms, cli_timeout(s)));
		task_wakeup(s->task, TASK_WOKEN_INIT);
	}
}

int cli_bind_all(char *err, size_t errlen)
{
	for (struct global_stats_socket *gs = global.stats_sockets; gs; gs = gs->next) {
		struct sock_opts o = SOCK_OPTS_INIT;
		char why[SOCK_ERRLEN > ADDR_ERRLEN ? SOCK_ERRLEN : ADDR_ERRLEN];
		struct cli_listener *l;
		struct addr a;
		int fd;

		if (cli_nlisteners >= CLI_MAX_SOCKETS) {
			snprintf(err, errlen, "Starting stats socket %s: too many stats sockets (at most %d) [%s:%d]",
			         gs->addr, CLI_MAX_SOCKETS, gs->conf_file, gs->conf_line);
			cli_stop();
			return -ENOSPC;
		}
		if (addr_parse(gs->addr, 0, &a, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "Starting stats socket %s: %s [%s:%d]", gs->addr, why,
			         gs->conf_file, gs->conf_line);
			cli_stop();
			return -EINVAL;
		}
		if (a.kind == ADDR_UNIX) {
			/* a reload replaces the old process's socket */
			o.flags |= SOCK_O_REPLACE;
			if (gs->mode) {
				o.flags |= SOCK_O_MODE;
				o.mode = (mode_t)gs->mode;
			}
			o.uid = gs->uid >= 0 ? (uid_t)gs->uid : (uid_t)-1;
			o.gid = gs->gid >= 0 ? (gid_t)gs->gid : (gid_t)-1;
		}
		fd = sock_listen(&a, &o, why, sizeof(why));
		if (fd < 0) {
			snprintf(err, errlen, "Starting stats socket %s: cannot bind socket (%s) [%s:%d]",
			         gs->addr, why, gs->conf_file, gs->conf_line);
			cli_stop();
			return fd;
		}
		l = &cli_listeners[cli_nlisteners++];
		l->fd = fd;
		l->conf = gs;
		l->addr = a;
		l->level = cli_level_parse(gs->level);
		if (l->level < 0)
			l->level = CLI_LVL_OPER;
	}
	return 0;
}

/* The accept callback of the master's socket in a worker: the same as
 * cli_accept_iocb(), named for `show fd` as HAProxy's.
 */
static void cli_master_accept_iocb(int fd, unsigned int events, void *owner)
{
	cli_accept_iocb(fd, events, owner);
}

int cli_start(void)
{
	/* the maxima of show stat and the exporter, with or without a socket */
	cli_sampler = task_new(1UL << CLI_THREAD, cli_sampler_task, NULL, "stat_sampler");
	if (!cli_sampler)
		return -ENOMEM;
	task_schedule(cli_sampler, tick_add(now_ms, STAT_SAMPLE_MS));
	if (!cli_nlisteners)
		return 0;
	cli_pool = pool_create("cli_session", sizeof(struct cli_session), 0);
	cli_retry = task_new(1UL << CLI_THREAD, cli_retry_task, NULL, "cli_retry");
	if (!cli_pool || !cli_retry)
		return -ENOMEM;
	for (int i = 0; i < cli_nlisteners; i++) {
		int ret = fd_insert(cli_listeners[i].fd, CLI_THREAD,
		                    cli_listeners[i].conf->master ? cli_master_accept_iocb : cli_accept_iocb,
		                    &cli_listeners[i], FD_EV_IN);

		if (ret < 0)
			return ret;
	}
	return 0;
}

void cli_stop(void)
{
	while (cli_sessions) {
		struct task *t = cli_sessions->task;

		cli_session_free(cli_sessions);
		task_destroy(t);
	}
	for (int i = 0; i < cli_nlisteners; i++) {
		struct cli_listener *l = &cli_listeners[i];

		if (l->fd < 0)
			continue;
		if (fd_max > l->fd && fdtab && fdtab[l->fd].iocb)
			fd_delete(l->fd);
		else
			close(l->fd);
		l->fd = -1;
	}
	cli_nlisteners = 0;
	if (cli_retry)
		task_destroy(cli_retry);
	cli_retry = NULL;
	if (cli_sampler)
		task_destroy(cli_sampler);
	cli_sampler = NULL;
	if (cli_pool)
		cli_pool = pool_destroy(cli_pool);
}
