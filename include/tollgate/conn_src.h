/*
 * Source addresses of connections to servers: HAProxy's `source` keyword
 * (backend, listen, defaults) and server option. A connection binds to
 * <addr> before connecting; with `usesrc` it binds instead, with
 * IP_TRANSPARENT (Linux TPROXY, CAP_NET_ADMIN), to an address that need not
 * be local: a fixed one, the client's (`client`: address and port,
 * `clientip`: address), or the last (or <occ>th) address of an HTTP header
 * (`hdr_ip(<hdr>[,<occ>])`). A server's own `source` replaces its
 * backend's. Health checks bind to <addr> only, as HAProxy's.
 *
 * A struct conn_src is plain data (copied from defaults and default-server
 * by assignment), written at configuration time and read-only afterwards.
 */
#ifndef TOLLGATE_CONN_SRC_H
#define TOLLGATE_CONN_SRC_H

#include <stddef.h>

#include <tollgate/addr.h>
#include <tollgate/conn_src-t.h>

/* 1 if <cs> was configured (`source` given). */
static inline int conn_src_set(const struct conn_src *cs)
{
	return cs->addr.kind != ADDR_NONE;
}

/* Parses `source` arguments: <args>[*<i>] is the address, followed by
 * `usesrc <what>` (`interface <name>` and port ranges are refused); *<i>
 * ends on the last word used.
 * <kw> names the keyword in messages ("source", "server s1 : source").
 * Returns 0, or -1 with a message in <err> (<errlen> bytes).
 */
int conn_src_parse(struct conn_src *cs, const char *kw, int argc, char **args, int *i, char *err,
                   size_t errlen);

#endif
