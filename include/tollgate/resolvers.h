/*
 * `resolvers` sections: nameservers queried over UDP for the addresses of
 * servers named by a host name, at run time (HAProxy's configuration.txt
 * §5.3, doc/internals/dns.md).
 *
 * Principle:
 *  - Configuration builds the sections (cfg_resolvers.c); finalisation
 *    gives each server with a host name its start-up address (`init-addr`:
 *    last, libc, none, <ip>) and, with `resolvers <id>`, a resolution.
 *  - Once workers run, each section is one task on thread 0 and one
 *    connected UDP socket per nameserver, registered on thread 0: queries,
 *    answers, retries and every resolution's state are that thread's only.
 *    A new address is installed with server_change_addr() (isolation), a
 *    server goes in or out of resolution maintenance (SRV_F_RMAINT) with
 *    server_change_admin(). Nothing here blocks: no getaddrinfo() once
 *    workers run.
 *  - Counters are per nameserver, written by thread 0 with relaxed stores,
 *    read by `show resolvers` on any thread.
 */
#ifndef TOLLGATE_RESOLVERS_H
#define TOLLGATE_RESOLVERS_H

#include <stddef.h>

#include <tollgate/resolvers-t.h>

struct server;

/* Every section, declaration order. Written before workers start. */
extern struct resolvers *resolvers_list;

/* Returns the section named <id>, or NULL. */
struct resolvers *resolvers_find(const char *id);

/* Creates section <id> with HAProxy's defaults and appends it. Returns it,
 * or NULL (out of memory).
 */
struct resolvers *resolvers_new(const char *id, const char *file, int line);

/* Adds nameserver <id> at <a> to <rs>. Returns 0 or -ENOMEM. */
int resolvers_add_ns(struct resolvers *rs, const char *id, const struct addr *a, const char *file, int line);

/* Adds the `nameserver` lines of the resolv.conf file <path> to <rs>, each
 * named by its address. Returns the number added, or -errno with a message
 * in <err> (<len> bytes).
 */
int resolvers_parse_resolv_conf(struct resolvers *rs, const char *path, char *err, size_t len);

/* Gives <srv> (which has a host name) its start-up address by its
 * `init-addr` methods, and with `resolvers <id>` its resolution. Returns 0;
 * 1 with a warning in <msg> (<len> bytes); or -1 with the error.
 */
int resolvers_server_init(struct server *srv, char *msg, size_t len);

/* Checks the sections once parsing is over: a warning for a section with no
 * nameserver. Reports through <fn>(<arg>, is_err, file, line, msg); returns
 * the number of errors.
 */
int resolvers_finalize(void (*fn)(void *arg, int is_err, const char *file, int line, const char *msg), void *arg);

/* Opens the nameservers' sockets and starts each used section's task on
 * thread 0. Before workers start. Returns 0 or -errno.
 */
int resolvers_start(void);

/* Closes the sockets. After workers stopped. */
void resolvers_stop(void);

/* Returns the text HAProxy's logs use for <st> ("NX", "timeout"...). */
const char *resolvers_status_str(enum rsv_status st);

#endif /* TOLLGATE_RESOLVERS_H */
