/*
 * File-descriptor budget: how many descriptors the configuration needs,
 * the default `maxconn` they allow, and raising RLIMIT_NOFILE to match.
 *
 * The rules are HAProxy 2.6's, so that a configuration gets the same
 * limits under both:
 *
 *   maxsock = fixed + 2 * maxconn + 2 * maxpipes
 *   fixed   = 10 reserved (standard streams, log sockets, configuration
 *             files, admin sessions) + one per listening socket (INET
 *             binds: one per thread) + one per stats socket + one per
 *             health check + 2 per thread (epoll fd and eventfd)
 *
 * A connection costs two descriptors (client and server side); a splice
 * pipe two. `maxpipes` defaults to maxconn / 4 when a proxy splices, else
 * to 0 (no pipe is ever created). Without `maxconn` (nor `-n`), maxconn is
 * what the descriptor limit leaves: the hard limit of RLIMIT_NOFILE (or
 * `ulimit-n`), capped by `fd-hard-limit`, less the fixed part, divided by
 * 2 (by 2.5 when pipes are sized automatically).
 *
 * Called once by main() on the main thread, after the configuration is
 * parsed and before any socket or the fd table exists.
 */
#ifndef TOLLGATE_LIMITS_H
#define TOLLGATE_LIMITS_H

#include <stddef.h>

/* Computes global.maxconn (when unset), global.maxpipes and
 * global.maxsock for <nbthread> worker threads from the configuration and
 * the current RLIMIT_NOFILE. Returns 0, or -EINVAL with a one-line
 * message in <err> when the limit leaves no room for a connection.
 */
int limits_compute(int nbthread, char *err, size_t errlen);

/* Sets RLIMIT_NOFILE to global.ulimit_n (when set) or global.maxsock,
 * raising the hard limit where the process may. Where it cannot: with
 * `strict-limits` (the default) returns -EPERM with a one-line message in
 * <err>; with `no strict-limits` raises the soft limit as far as the hard
 * one, logs a warning saying how many connections may fail, and returns
 * 0. Sets global.ulimit_n to the limit in force.
 */
int limits_apply(char *err, size_t errlen);

#endif /* TOLLGATE_LIMITS_H */
