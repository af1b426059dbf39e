/*
 * Server-state files: what `show servers state` dumped before a reload,
 * read back at start-up so that servers keep their runtime state.
 *
 * `load-server-state-from-file global` (backends, from defaults) reads the
 * global `server-state-file`, `local` the backend's own
 * (`server-state-file-name`, default: the backend's name), both relative
 * to `server-state-base` unless absolute. The format is HAProxy's version
 * 1 (a "1" line, then one line of 20 to 25 fields per server, '#' lines
 * ignored). A line applies to the server of the same backend and server
 * names: its operational state (health), its administrative state
 * (forced maintenance, drain, the configuration's `disabled` winning
 * when it changed), its weight (unless the configured weight changed),
 * its address (for servers named by a host name, through `init-addr
 * last`), its port, its check port and a `disable health|agent`.
 * Problems are HAProxy's warnings: a missing file is a notice, a
 * corrupted line (too few fields, no newline) makes the whole file
 * ignored, a field out of range skips its server's line.
 */
#ifndef TOLLGATE_SERVER_STATE_H
#define TOLLGATE_SERVER_STATE_H

/* `load-server-state-from-file` (proxy.srv_state_load) */
enum {
	PR_SRV_STATE_NONE = 0,   /* not set or `none`: nothing is loaded */
	PR_SRV_STATE_GLOBAL,     /* the global `server-state-file` */
	PR_SRV_STATE_LOCAL,      /* the backend's own file */
};

/* Applies the server-state files to the servers of every backend that
 * loads one; warnings and notices go to the start-up log. Once, at
 * start-up, after proxy ids are assigned and before servers' addresses
 * are resolved and load balancing is set up.
 */
void server_state_apply_all(void);

#endif /* TOLLGATE_SERVER_STATE_H */
