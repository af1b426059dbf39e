/*
 * The admin socket (CLI): `stats socket` lines, HAProxy's command language.
 *
 * Principle (design and formats in doc/admin-socket.md):
 *  - Every `stats socket` is bound by the main thread at start-up
 *    (cli_bind_all()) and accepted on worker thread 0 (cli_start()). Each
 *    connection is a session owned by thread 0 for its whole life: one task
 *    (I/O and the `stats timeout` timer), an input line buffer and a bounded
 *    output buffer. Nothing in a session is seen by another thread.
 *  - Commands are registered by the module that implements them, from a
 *    constructor (cli_register()), as lists of struct cli_kw.
 *  - A command answers in two steps: parse() runs once with the words of
 *    the command and may write a short answer; if it returns CLI_DUMP, its
 *    dump() is called again each time the output buffer has room, until it
 *    returns 1. A slow reader thus stops the dump (back-pressure) instead of
 *    making the session buffer a whole table; the worker never blocks.
 *  - Levels user < operator < admin: a command above the session's level is
 *    answered "Permission denied"; one needing a mode the session has not
 *    turned on (CLI_EXPERT, CLI_EXPERIMENTAL) is refused before. A session
 *    starts at its socket's level and may lower it (`operator`, `user`).
 *    Every answer ends with an empty line.
 *
 * Costs: a session holds CLI_INBUF_SIZE + CLI_OUTBUF_SIZE bytes; a dump
 * step writes at most the free part of the output buffer.
 */
#ifndef TOLLGATE_CLI_H
#define TOLLGATE_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/compiler.h>

/* Access levels (struct cli_kw.level, cli_level()). */
#define CLI_LVL_USER      0     /* read-only, no sensitive data */
#define CLI_LVL_OPER      1     /* may read everything, change little */
#define CLI_LVL_ADMIN     2     /* may change everything */
#define CLI_LVL_MASK      0x3   /* the level bits of struct cli_kw.level */

/* Session modes a command may require, or'ed into struct cli_kw.level
 * (HAProxy's ACCESS_EXPERT, ACCESS_EXPERIMENTAL): such a command is hidden
 * from `help` and refused until the session turns the mode on
 * (`expert-mode on`, `experimental-mode on`).
 */
#define CLI_EXPERT        0x10  /* needs `expert-mode on` */
#define CLI_EXPERIMENTAL  0x20  /* needs `experimental-mode on` */

#define CLI_INBUF_SIZE    16384 /* longest command line accepted */
#define CLI_OUTBUF_SIZE   65536 /* output buffer of a session */
#define CLI_MAX_ARGS      64    /* words of one command */
#define CLI_CTX_SIZE      512   /* bytes of per-command context (cli_ctx()) */

/* Return values of cli_kw.parse(). */
#define CLI_DONE          0     /* the answer is complete */
#define CLI_DUMP          1     /* call dump() until it returns 1 */

/* A return value of cli_kw.dump(): nothing to write now; call again once
 * the session's task (cli_task_of()) is woken. Input from the client
 * (or its end) stops the command instead, and is discarded; the session's
 * stats timeout does not run meanwhile (`show events -w`).
 */
#define CLI_DUMP_WAIT     2

struct cli_session;
struct task;
struct server;

/* A command: the words that name it, its help line, the level it needs
 * and its handlers. <parse> gets every word of the command line, the
 * command words included (args[0] is "show" for "show table"), and
 * args[argc] is NULL.
 */
struct cli_kw {
	const char *words[4];                 /* command words, NULL-terminated */
	const char *usage;                    /* help line, NULL: hidden */
	int level;                            /* CLI_LVL_* needed, | CLI_EXPERT/CLI_EXPERIMENTAL */
	int (*parse)(struct cli_session *s, int argc, char **args); /* CLI_DONE or CLI_DUMP */
	int (*dump)(struct cli_session *s);   /* 1: finished, 0: call again when there is room, CLI_DUMP_WAIT */
	void (*release)(struct cli_session *s); /* cleanup when the dump ends or is aborted, or NULL */
	void *priv;                           /* for the command (cli_priv()) */
};

/* A registered list of commands, terminated by an entry without words. */
struct cli_kw_list {
	struct cli_kw *kw;                    /* the commands */
	struct cli_kw_list *next;             /* next registered list */
};

/* Registers the commands of <l> (from a constructor, before main()). */
void cli_register(struct cli_kw_list *l);

/* Client connections of the admin sockets now (thread 0's count, read
 * without a lock: a gauge for `show info`).
 */
unsigned int cli_sessions_count(void);

/* Client connections the admin sockets accepted since start. */
uint64_t cli_sessions_total(void);

/* What `show sess` prints of an admin socket session (HAProxy lists its CLI
 * connections as streams of its GLOBAL frontend, served by the CLI applet).
 */
struct cli_sess_info {
	const void *ptr;             /* the session: its id in `show sess` */
	const void *task;            /* its task */
	const void *listener;        /* its socket */
	unsigned int id;             /* its rank among the sessions accepted since start */
	int fd;                      /* its connection */
	int tid;                     /* the thread serving it */
	int luid;                    /* its socket's rank among the stats sockets, from 1 */
	int is_unix;                 /* a unix socket (else TCP, see <tcp6>) */
	int tcp6;                    /* TCP over IPv6 */
	char src[128];               /* the client's address; "unix:<luid>" on a unix socket, as HAProxy */
	char addr[128];              /* the socket's address, same rule */
	uint32_t age_ms;             /* since it was accepted */
	int64_t accept_sec;          /* accept date (wall clock), seconds */
	int accept_usec;             /* and microseconds */
	uint64_t calls;              /* runs of its task */
	uint64_t bytes_in, bytes_out; /* received and sent since accepted */
	size_t in_len, out_len;      /* bytes waiting in its input and output buffers */
	const void *in_buf, *out_buf; /* those buffers */
	size_t in_size, out_size;    /* their sizes */
	uint32_t exp_ms;             /* until its idle timeout */
};

/* Copies up to <max> admin socket sessions into <out>, the oldest first;
 * returns how many there are (more than <max>: call again with more
 * room). Thread 0 (the admin sockets' thread) only: the sessions are
 * its own.
 */
int cli_sessions_snapshot(struct cli_sess_info *out, int max);

/* Finds the server of "<backend>/<server>" in <arg> (NULL: missing); on
 * failure answers HAProxy's error on <s> and returns NULL.
 */
struct server *cli_find_server(struct cli_session *s, const char *arg);

/* Sets the weight of <sv> to <arg> (0..256, or N% of its configured
 * weight) as `set weight` and `set server ... weight`; answers HAProxy's
 * error on <s> if <arg> is not one. Returns CLI_DONE.
 */
int cli_server_set_weight(struct cli_session *s, struct server *sv, const char *arg);

/* Admin sockets listening now. */
unsigned int cli_listeners_count(void);

/* Records that start-up is over (`show info` BootTime_ms: the time from
 * the start of the process to this call). Main thread, once.
 */
void cli_info_mark_ready(void);

/* ---- Start-up, called by main() ---- */

/* Binds every `stats socket` of the configuration. On failure writes a
 * message naming the address and file:line into <err>, closes what was
 * opened and returns -errno.
 */
int cli_bind_all(char *err, size_t errlen);

/* Registers the bound sockets on worker 0. After thread_setup(), before
 * thread_start(). Returns 0 or -errno.
 */
int cli_start(void);

/* Closes the sockets and frees the sessions left (workers stopped). */
void cli_stop(void);

/* ---- For command handlers (thread 0, inside parse/dump) ---- */

/* Appends formatted text to the answer. Returns 0, or -1 (nothing written)
 * if it does not fit in the free part of the output buffer.
 */
int cli_printf(struct cli_session *s, const char *fmt, ...) PRINTF_FMT(2, 3);

/* Appends <len> bytes. Returns 0, or -1 (nothing written) if no room. */
int cli_write(struct cli_session *s, const char *data, size_t len);

/* Free bytes in the output buffer. */
size_t cli_room(const struct cli_session *s);

/* Returns the free part of the output buffer, to be filled directly and
 * committed with cli_commit(). <room> receives its size.
 */
char *cli_tail(struct cli_session *s, size_t *room);
void cli_commit(struct cli_session *s, size_t len);

/* Writes <msg> as the whole answer, an informational message, and returns
 * CLI_DONE. With `set severity-output` on, it is preceded by the severity
 * (`[6]: ` or `[info]: `), as HAProxy's cli_msg().
 */
int cli_msg(struct cli_session *s, const char *msg);

/* Writes <msg> as the whole answer, an error, and returns CLI_DONE. With
 * `set severity-output` on, it is preceded by `[3]: ` or `[err]: `, as
 * HAProxy's cli_err(). Dumps (tables, lists) use cli_printf() and are never
 * prefixed.
 */
int cli_err(struct cli_session *s, const char *msg);

/* Syslog severities of a message (cli_sevf()). */
#define CLI_SEV_ERR       3     /* an error: `[3]: `, `[err]: ` */
#define CLI_SEV_WARNING   4     /* done or refused with a remark (`set server ... addr`) */
#define CLI_SEV_INFO      6     /* information, as cli_msg() */

/* Formats a message of severity <sev> (CLI_SEV_*) and writes it as one
 * answer, as cli_msg() and cli_err() do. Returns CLI_DONE.
 */
int cli_sevf(struct cli_session *s, int sev, const char *fmt, ...) PRINTF_FMT(3, 4);

/* The per-command context: CLI_CTX_SIZE bytes, zeroed before parse(). */
void *cli_ctx(struct cli_session *s);

/* The task of the session <s>: waking it calls a dump that returned
 * CLI_DUMP_WAIT again. Valid until the command's release().
 */
struct task *cli_task_of(const struct cli_session *s);

/* The session's access level (CLI_LVL_*). */
int cli_level(const struct cli_session *s);

/* The payload of the running command (HAProxy's `cmd <<` then lines up to
 * an empty one), NUL-terminated, or NULL. Only the last command of a line
 * has one.
 */
const char *cli_payload(const struct cli_session *s);

/* The running command's priv pointer. */
void *cli_priv(const struct cli_session *s);

/* Returns 1 if output is waiting to be sent, 0 if the buffer is empty. */
int cli_output_pending(const struct cli_session *s);

/* The session's socket, for `_getsocks` only (it sends file descriptors
 * with SCM_RIGHTS, beside the output buffer: call it only while the output
 * buffer is empty, as it is when a command starts and in its dump steps
 * that wrote nothing).
 */
int cli_session_fd(const struct cli_session *s);

/* Returns 1 if <s> came in on a socket declared `expose-fd listeners`. */
int cli_session_exposes_fds(const struct cli_session *s);

/* ---- Listening sockets hand-over on reload (cli_xfer.c) ---- */

#define CLI_XFER_MAX      1024  /* sockets one `_getsocks` transfers at most */

/* The `-x <path>` side: connects to the old process's stats socket <path>
 * (a unix socket of level admin), sends `_getsocks` and receives its
 * listening sockets into <fds> (room for <max>). Blocking, with a 5 s
 * timeout: main thread, start-up only. Returns the number of sockets, or
 * -errno with a one-line message in <err>. Protocol in doc/admin-socket.md.
 */
int cli_getsocks(const char *path, int *fds, int max, char *err, size_t errlen);

/* ---- Pure helpers (unit-tested) ---- */

/* Splits the command <cmd> (modified in place) into words: blanks separate
 * words, a backslash escapes the next character, single or double quotes
 * group. Stores at most <max> - 1 word pointers in <args>, then NULL.
 * Returns the number of words, or -1 if there were more.
 */
int cli_split_words(char *cmd, char **args, int max);

/* Returns the length of the first command of <line> (<len> bytes): up to
 * the first ';' that is not escaped or quoted, or <len>.
 */
size_t cli_next_command(const char *line, size_t len);

/* Parses an access level name ("user", "operator", "admin"); NULL gives
 * the default, operator. Returns CLI_LVL_* or -1.
 */
int cli_level_parse(const char *name);

/* ---- Stick-table filters of show/clear table (cli_table.c) ---- */

#define CLI_TABLE_FILTERS 4     /* data filters on one command (HAProxy's limit) */

/* Comparison operators of a filter. */
enum cli_table_op { CLI_OP_EQ = 0, CLI_OP_NE, CLI_OP_LE, CLI_OP_LT, CLI_OP_GE, CLI_OP_GT };

/* One `data.TYPE OP VALUE` filter. */
struct cli_table_filter {
	int type;                       /* data type (enum stktable_dt) */
	unsigned int idx;               /* element of an array type (data.gpc[1]) */
	enum cli_table_op op;           /* operator */
	long long value;                /* value compared with */
};

struct stktable;

/* Parses the data type name <name> ("conn_rate", "gpc0", "gpc[2]") into
 * <*type> and <*idx>. Returns 0 or -1 (unknown type or bad index).
 */
int cli_table_parse_type(const char *name, int *type, unsigned int *idx);

/* Parses the <argc> words of <args> as up to CLI_TABLE_FILTERS filters
 * `data.TYPE OP VALUE` of table <t> into <f>. Returns the number of
 * filters, or -1 with HAProxy's message (one line, ending in "\n") in
 * <err>.
 */
int cli_table_parse_filters(const struct stktable *t, int argc, char **args,
                            struct cli_table_filter *f, char *err, size_t errlen);

/* Returns 1 if value <v> passes filter <f>, 0 otherwise. */
int cli_table_filter_match(const struct cli_table_filter *f, long long v);

#endif /* TOLLGATE_CLI_H */
