/*
 * Process-wide settings from the `global` section and the command line.
 *
 * Written while parsing the configuration (main thread, before workers
 * run), read-only afterwards: no lock.
 */
#ifndef TOLLGATE_GLOBAL_H
#define TOLLGATE_GLOBAL_H

#include <stdint.h>

#define GLOBAL_DEFAULT_BUFSIZE     16384
#define GLOBAL_DEFAULT_STICKCTR    3
#define GLOBAL_MAX_STICKCTR        16

/* A `stats socket` line, kept for the admin socket. */
struct global_stats_socket {
	char *addr;                      /* address as written */
	char *level;                     /* user, operator or admin */
	unsigned int mode;               /* unix socket mode, 0: unset */
	int uid, gid;                    /* owner, -1: unset */
	int expose_fd;                   /* `expose-fd listeners`: _getsocks allowed */
	int master;                      /* a worker's socket for its master (not configured) */
	const char *conf_file;           /* where declared */
	int conf_line;                   /* ditto */
	struct global_stats_socket *next; /* next socket */
};

struct global {
	int nbthread;                    /* worker threads, 0: one per CPU */
	unsigned int maxconn;            /* process-wide connection limit, 0: from the fd limit (limits.h) */
	_Atomic unsigned int maxconnrate; /* `maxconnrate`, `set rate-limit connections global`: accepts per second, 0: none */
	_Atomic unsigned int maxsessrate; /* `maxsessrate`, `set rate-limit sessions global`: sessions per second, 0: none */
	unsigned int maxpipes;           /* splice pipes, set by limits_compute() */
	unsigned int maxsock;            /* descriptors needed, set by limits_compute() */
	unsigned int ulimit_n;           /* `ulimit-n`, 0: maxsock; the limit in force once applied */
	unsigned int fd_hard_limit;      /* `fd-hard-limit`, 0: none */
	int strict_limits;               /* `strict-limits`: refuse to start if RLIMIT_NOFILE cannot be set */
	int daemon;                      /* fork into the background */
	int noreuseport;                 /* noreuseport: one socket per bind, no SO_REUSEPORT */
	int nosplice;                    /* nosplice: no splice() even with option splice-* */
	char *pidfile;                   /* write the pid there */
	unsigned int tune_bufsize;       /* channel buffer size */
	unsigned int tune_maxpipes;      /* `tune.maxpipes`, 0: automatic (limits.h) */
	unsigned int stick_counters;     /* tune.stick-counters */
	unsigned int tune_maxhdr;        /* tune.http.maxhdr: header fields per message */
	unsigned int vars_limit[5];      /* tune.vars.<VARS_LIM_*>-max-size in bytes, 0: none */
	unsigned int tune_maxrewrite;    /* tune.maxrewrite: buffer room kept for head rewrites */
	unsigned int tune_h2_fe_max_streams; /* tune.h2.(fe.)max-concurrent-streams, 0: 100 */
	unsigned int tune_h2_be_max_streams; /* tune.h2.be.max-concurrent-streams, 0: tune.h2.max-concurrent-streams' */
	unsigned int tune_h2_max_streams;    /* tune.h2.max-concurrent-streams (both sides, HAProxy 2.6), 0: 100 */
	unsigned int tune_h2_be_window;      /* tune.h2.be.initial-window-size, 0: 256 KiB */
	unsigned int tune_h2_fe_glitches; /* tune.h2.fe.glitches-threshold, 0: none */
	unsigned int tune_h2_init_window;    /* tune.h2.initial-window-size, 0: 65535 */
	unsigned int tune_h2_header_table;   /* tune.h2.header-table-size + 1, 0: unset (4096) */
	unsigned int tune_h2_max_frame;      /* tune.h2.max-frame-size, 0: 16384 */
	unsigned int hard_stop_after;    /* ms, 0: none */
	char *tables_state_file;         /* `stick-tables-state-file`, NULL: none */
	char *server_state_file;         /* `server-state-file`, NULL: none (server_state.h) */
	char *server_state_base;         /* `server-state-base`, NULL: none */
	unsigned int tables_state_interval; /* `stick-tables-state-interval` ms, 0: save on stop only */
	char *chroot;                    /* chroot directory */
	int uid, gid;                    /* drop privileges to, -1: keep */
	unsigned long cpu_map[64];       /* cpu-map: CPU set of each thread, 0: unset */
	struct global_stats_socket *stats_sockets; /* stats socket lines */
	unsigned int stats_timeout;      /* stats timeout, ms */
	unsigned int stats_maxconn;      /* `stats maxconn`: sessions per stats socket, 0: HAProxy's 10 */
	char *localpeer;                 /* -L / localpeer */
	char *node;                      /* `node`: show info's node, NULL: the host name */
	int localpeer_cmdline;           /* 1: set by -L, `localpeer` is ignored */
	int quiet;                       /* -q */
	int debug;                       /* -d: debug output */
	int foreground;                  /* -db or -d: stay in the foreground */
	int external_check;              /* `external-check`: 1, 2 with preserve-env */
	int insecure_fork;               /* `insecure-fork-wanted` */
	int master_worker;               /* `master-worker`: 1, 2 with no-exit-on-failure */
};

extern struct global global;

/* Resets <global> to its defaults. */
void global_init_defaults(void);

#endif /* TOLLGATE_GLOBAL_H */
