/*
 * External checks (`option external-check`): starting the command and
 * collecting its exit status.
 *
 * Principle:
 *  - check.c runs an external check as a probe of the server's check task:
 *    extchk_spawn() starts `external-check command` with HAProxy's
 *    arguments (<proxy_address> <proxy_port> <server_address>
 *    <server_port>) and environment (HAPROXY_PROXY_NAME,
 *    HAPROXY_SERVER_ADDR... and PATH from `external-check path`, plus the
 *    process environment with `external-check preserve-env`), and returns
 *    a pidfd: a descriptor that becomes readable when the child exits.
 *  - The check registers the pidfd with its worker's poller like a socket,
 *    so nothing waits: no SIGCHLD handler, no thread blocked in waitpid().
 *    When it fires, extchk_reap() collects the status with
 *    waitpid(WNOHANG). At the probe's deadline the check kills the child
 *    (SIGKILL) and keeps its pid, reaped without waiting at the next probe
 *    (extchk_reap() again) or at exit.
 *  - posix_spawn() starts the child with vfork semantics: the worker is
 *    held only until the child calls execve(), not for the command's run,
 *    and no page of a large process is copied. Every descriptor Tollgate
 *    opens is close-on-exec, so the command inherits only stdin, stdout
 *    and stderr.
 *  - Without `insecure-fork-wanted` the spawn is refused (-EPERM), as
 *    HAProxy forbids fork() then: the check fails.
 *
 * Costs: one process per probe; the environment is built on the stack.
 */
#ifndef TOLLGATE_CHECK_EXT_H
#define TOLLGATE_CHECK_EXT_H

#include <sys/types.h>

struct server;

/* Starts the external check command of <srv>'s backend. Returns a pidfd
 * (>= 0, close-on-exec) and sets <*pid>, or -errno: -EPERM without
 * `insecure-fork-wanted`, -ENAMETOOLONG for an environment too large, the
 * error of posix_spawn() (-ENOENT for a missing command) or pidfd_open().
 */
int extchk_spawn(const struct server *srv, pid_t *pid);

/* Collects the exit of child <pid> without waiting. Returns 1 with
 * <*code> set to its exit code (128 + signal number if killed), 0 if it
 * still runs, or -errno (-ECHILD: already collected).
 */
int extchk_reap(pid_t pid, int *code);

#endif /* TOLLGATE_CHECK_EXT_H */
