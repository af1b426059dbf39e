/*
 * Master-worker mode, private to src/core/master*.c: the master's state
 * and what its parts call of each other: master.c (the processes: start,
 * reload, reap, signals, the loop), master_cli.c (the master CLI: its
 * sessions, its commands, the routing to workers) and master_debug.c (the
 * master's own answers in `mcli-debug-mode on`). The master is
 * single-threaded: nothing here is shared with another thread.
 */
#ifndef TOLLGATE_CORE_MASTER_INT_H
#define TOLLGATE_CORE_MASTER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <tollgate/master.h>

/* Writes the formatted text to the master CLI connection <fd> (ignoring a
 * client that left).
 */
void mcli_printf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The master's counters, for `show activity` and `show info`. */
struct mdebug_counters {
	time_t started;              /* the master's start, wall clock */
	uint64_t loops;              /* passes of its poll() loop */
	uint64_t poll_io;            /* polls that returned events */
	uint64_t poll_exp;           /* polls that returned on their timeout */
	uint64_t accepted;           /* master CLI connections accepted */
	unsigned int cur_conns;      /* master CLI connections open */
};

/* A master CLI session, for `show sess`. */
struct mdebug_sess {
	const void *ptr;             /* its identity */
	uint64_t age_ms;             /* since it was accepted */
	uint64_t calls;              /* times it was served */
};

/* Runs <cmd> as the master in `mcli-debug-mode on` (HAProxy's master then
 * runs its whole CLI on its own state): `show info`, `show env [<var>]`,
 * `show activity`, `show sess`, `show backend` answered from
 * the master's state, the answer written to <fd>. <sess> lists the
 * <nsess> master CLI sessions. Returns 1 if <cmd> was one, 0 if not.
 */
int mdebug_command(int fd, const char *cmd, const struct mdebug_counters *ctr,
                   const struct mdebug_sess *sess, int nsess);

/* The lines `help` adds in `mcli-debug-mode on`, HAProxy's texts. */
extern const char mdebug_help[];

/* ---- the state (master.c's, the CLI's sessions master_cli.c's) ---- */

#define MW_MAX_PROCS 64
#define MW_MAX_ARGS  256
#define ENV_SOCK     "TOLLGATE_MWORKER_SOCK"
#define ENV_FD       "TOLLGATE_MWORKER_FD"

enum mw_state { MW_LOADING, MW_CURRENT, MW_LEAVING };

struct mw_proc {
	int pid;                  /* 0: free slot */
	enum mw_state state;
	int reloads;              /* reloads of the master since it started */
	time_t started;           /* wall clock, for show proc's uptime */
	int ready_fd;             /* read end of its readiness pipe, -1: closed */
	int reload_cli;           /* CLI client waiting for this load's result, -1: none */
	char sock[108];           /* its admin socket */
};

struct master_state {
	const struct master_opts *o;
	char *wargv[MW_MAX_ARGS];  /* the workers' command line */
	int wargc;                 /* its length without the reload arguments */
	struct mw_proc procs[MW_MAX_PROCS];
	char dir[64];              /* private directory of the workers' sockets */
	unsigned int seq;          /* socket names */
	int reloads, failed;       /* show proc's master line */
	time_t started;
	int cli_fd;                /* -S listener, -1: none */
	char cli_path[108];        /* its path */
	int cli_level;             /* CLI_LVL_* of its sessions (-S ...,level,L) */
	mode_t cli_mode;           /* its mode (-S ...,mode,M), 0600 by default */
	uid_t cli_uid;             /* its owner, -1: unchanged */
	gid_t cli_gid;             /* its group, -1: unchanged */
	int stopping;              /* SIGTERM/SIGINT received: exit with the workers */
	int exitcode;              /* HAProxy's: the first abnormal worker status */
	int ever_ready;            /* a worker served once: a failed load is a failed reload */
	struct mdebug_counters ctr; /* its loop's and CLI's counters (show activity, show info) */
};

extern struct master_state mw;       /* the master's state (master.c) */

#define MCLI_MAX      16         /* master CLI connections served at once */
#define MCLI_LINE_MS  10000      /* a session out of interactive mode is closed after this long idle */
#define MCLI_IDLE_MS  600000     /* an interactive session idle this long is closed */

/* A master CLI connection. The master serves them from its poll() loop;
 * a command for a worker is forwarded synchronously (forward()).
 */
struct mcli {
	int fd;                    /* the connection, -1: free slot */
	int level;                 /* CLI_LVL_*, lowered by `operator`, `user` */
	int modes;                 /* CLI_EXPERT, CLI_EXPERIMENTAL, prefixed to forwarded commands */
	int debug;                 /* `mcli-debug-mode on`: the master answers some worker commands */
	int prompt;                /* interactive mode */
	int quit;                  /* `quit` was received */
	int target;                /* default target: 0 the master, else a worker's pid (`@1` alone) */
	long long deadline;        /* monotonic ms after which it is closed */
	long long start;           /* monotonic ms when accepted (show sess) */
	uint64_t calls;            /* times served (show sess) */
	char *payload;             /* the running line's payload ("<<"), in <in>, or NULL */
	int last;                  /* the running command is the last of its line */
	unsigned int pprompts;     /* "+ " prompts written for the pending payload */
	size_t len;                /* bytes in <in> */
	char in[16384];            /* received, not yet run */
};

extern struct mcli mcli[MCLI_MAX];    /* its CLI sessions (master_cli.c) */

/* ---- master.c ---- */

/* Monotonic clock, ms. */
long long mw_now_ms(void);

/* The process of <pid> in the list, or NULL. */
struct mw_proc *mw_proc_by_pid(int pid);

/* The current worker (the newest loaded), or NULL. */
struct mw_proc *mw_current_worker(void);

/* Starts a reload; the CLI connection <cli> (or -1) gets its result and
 * is closed then.
 */
void mw_reload(int cli);

/* Writes <text> to CLI connection <fd> and closes it. */
void mw_cli_reply_close(int fd, const char *text);

/* ---- master_cli.c ---- */

/* Parses -S's argument into mw's cli_* fields. Returns 0, or -1 after an
 * alert.
 */
int mcli_parse_arg(const char *arg);

/* Binds the master CLI's socket (mw.cli_fd). Returns 0, or -1 after an
 * alert.
 */
int mcli_bind(const char *arg);

/* Serves session <c>, readable. */
void mcli_read(struct mcli *c);

/* Accepts a connection on the master CLI's socket. */
void mcli_accept(void);

/* Closes the sessions whose deadline passed; returns the poll() timeout
 * until the next one, -1 if none.
 */
int mcli_expire(void);

#endif
