/*
 * Master-worker mode (-W, -Ws, `master-worker`): a master process that
 * starts the worker (the ordinary Tollgate process), reloads it on SIGUSR2
 * or SIGHUP, reports the workers that exit and answers the master CLI (-S).
 * See doc/management.md, "Master-worker mode".
 */
#ifndef TOLLGATE_MASTER_H
#define TOLLGATE_MASTER_H

struct master_opts {
	int systemd;             /* -Ws: notify systemd on $NOTIFY_SOCKET */
	const char *cli_path;    /* -S: the master CLI's unix socket, NULL: none */
	int no_exit_on_failure;  /* `master-worker no-exit-on-failure` */
	int daemon;              /* -D or `daemon`: the master goes to the background */
	const char *pidfile;     /* -p or `pidfile`: the master's pid, NULL: none */
};

/* Runs the master until it must exit; returns the process's exit status.
 * <argv> is the command line the workers are started with (the master's
 * own options are removed from it).
 */
int master_run(char **argv, const struct master_opts *o);

/* In a worker started by a master: returns the path of the admin socket
 * the master talks to it on (added to the stats sockets), NULL in a
 * process that no master started.
 */
const char *master_worker_socket(void);

/* In a worker: tells the master that it serves (the master then retires
 * the previous worker from its list and notifies systemd).
 */
void master_worker_ready(void);

/* Sends <msg> as one datagram to $NOTIFY_SOCKET (systemd's notify
 * protocol). Returns 0, or -1 if there is no socket or it failed.
 */
int sd_notify_send(const char *msg);

#endif
