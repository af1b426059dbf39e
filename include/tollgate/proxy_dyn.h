/*
 * Dynamic backends (`add backend` on the admin socket): see
 * src/proxy/proxy_dyn.c for the threading contract.
 */
#ifndef TOLLGATE_PROXY_DYN_H
#define TOLLGATE_PROXY_DYN_H

#include <tollgate/proxy-t.h>

/* Creates backend <name> from the defaults section <def_name>, in mode
 * <mode> if <mode_set> (else the defaults' mode, which must then be
 * written there), unpublished and without servers, and makes it visible
 * to every thread. Takes thread isolation itself: call it from a thread
 * holding no lock. Returns the backend, or NULL with *<err> set to
 * HAProxy's message (one line, no newline).
 */
struct proxy *proxy_dyn_add(const char *name, const char *def_name, enum pr_mode mode, int mode_set, char **err);

#endif /* TOLLGATE_PROXY_DYN_H */
