/*
 * Servers of a backend.
 *
 * A server's configuration is read-only once workers run. Its state
 * (cur_state) is changed by its health check (on the check's thread) and
 * by the admin socket; each change recomputes the backend's
 * load-balancing view (lb_update(), under the LB lock) and is logged.
 * Its connection count and per-thread counters are atomics.
 *
 * Dynamic servers (server_dyn.c): the admin socket adds servers to and
 * removes them from a running backend. The backend's server list, its
 * name index and its load-balancing view are read by workers without a
 * lock, so both changes are made under thread isolation. A stream keeps
 * server pointers past a safe point (s->srv, prev_srv, idle_srv,
 * pref_srv); each slot is counted with server_hold() in the server's
 * per-thread `refs`, written by the stream's own thread only. Removal sums
 * them under isolation and refuses while any is held (HAProxy's "still
 * has connections attached"), so a server is freed only when no thread can
 * reach it: unlinked from every list while all workers are parked, and
 * pointed to by no stream. Resumable dumps (show stat, show servers state)
 * do not hold servers: they note server_list_gen and find their place
 * again by position when a removal happened meanwhile.
 */
#ifndef TOLLGATE_SERVER_H
#define TOLLGATE_SERVER_H

#include <tollgate/proxy-t.h>
#include <tollgate/server-t.h>

/* Creates a server named <name> in backend <be>, inheriting be->defsrv's
 * settings, appended to its list. Returns NULL on allocation failure.
 */
struct server *server_new(struct proxy *be, const char *name, const char *file, int line);

/* Allocates a server named <name> for backend <be> with the settings of
 * <tmpl> (a default-server), not yet linked anywhere. NULL on failure.
 */
struct server *server_alloc(struct proxy *be, const char *name, const struct server *tmpl,
                            const char *file, int line);

/* Links <srv> (from server_alloc()) at the end of its backend's list and
 * in its name index. Configuration time, or under thread isolation.
 * Returns 0 or -ENOMEM.
 */
int server_link(struct server *srv);

/* Returns the server named <name> in <be>, or NULL. */
struct server *server_find(const struct proxy *be, const char *name);

/* Returns the server of <be> whose numeric id is <puid>, or NULL. */
struct server *server_find_by_id(const struct proxy *be, int puid);

/* Sets <srv>'s state to <state> (enum srv_state); if it changed, updates
 * load balancing and logs "Server B/S is UP|DOWN, reason: <reason>, ..."
 * with the remaining active and backup servers. Any thread.
 */
void server_set_state(struct server *srv, int state, const char *reason);

/* The health a checked server's check starts with, from its `init-state`
 * (default: `rise`, up but one failure from down). Pure.
 */
unsigned int server_init_health(const struct server *srv);

/* Start-up: a checked server whose `init-state` is down or fully-down,
 * and that the server-state file left alone, starts DOWN. Before the
 * backend's load balancing is set up.
 */
void server_apply_init_state(struct server *srv);

/* Counts the usable active and backup servers of <be>. */
void server_count_usable(const struct proxy *be, int *active, int *backup);

/* Runtime changes of a server, made under thread isolation (the caller
 * holds no lock another worker could wait for; any thread) and followed by
 * a rebuild of the backend's load-balancing view where it matters:
 *  - server_change_admin() clears the SRV_F_* flags <clr> then sets <set>;
 *    returns 1 if the flags changed, 0 if not;
 *  - server_change_weight() sets the current weight (0..256);
 *  - server_change_maxconn() sets maxconn (0: unlimited).
 */
int server_change_admin(struct server *srv, unsigned int clr, unsigned int set);
void server_change_weight(struct server *srv, unsigned int weight);

/* Sets the address of <srv> to <na> under isolation: new connections and
 * checks go there, idle ones to the old address are not reused, and the
 * `srvkey addr` key follows. With <target> (not NULL), its SRV target
 * too (rsv_target, "" for none). Any thread holding no lock.
 */
void server_change_addr(struct server *srv, const struct addr *na, const char *target);

/* Copies <from> into <to> (its resolvers name duplicated; <to>'s old one
 * freed). Returns 0 or -ENOMEM.
 */
int server_copy_resolve(struct srv_resolve_conf *to, const struct srv_resolve_conf *from);
void server_change_maxconn(struct server *srv, unsigned int maxconn);

/* Returns the `source` settings of <srv>: its own, else its backend's, or
 * NULL where neither has one (the kernel chooses).
 */
static inline const struct conn_src *server_conn_src(const struct server *srv)
{
	if (srv->conn_src.addr.kind != ADDR_NONE)
		return &srv->conn_src;
	if (srv->proxy && srv->proxy->conn_src.addr.kind != ADDR_NONE)
		return &srv->proxy->conn_src;
	return NULL;
}

/* 1 if connections to <srv> present an address taken from each client
 * (`usesrc client`, `clientip`, `hdr_ip`): private to that client, never
 * pooled (HAProxy keys them by source).
 */
static inline int server_src_from_client(const struct server *srv)
{
	const struct conn_src *cs = server_conn_src(srv);

	return cs && cs->use >= CONN_SRC_USE_CLIENT;
}

/* Returns the address health checks of <srv> bind to (`source <addr>`,
 * never `usesrc`, as HAProxy's), or NULL.
 */
static inline const struct addr *server_check_src(const struct server *srv)
{
	const struct conn_src *cs = server_conn_src(srv);

	return cs ? &cs->addr : NULL;
}

/* Returns the `tcp-md5sig` key of <srv>, or NULL without one. */
static inline const char *server_md5sig(const struct server *srv)
{
	return srv->tcp_md5sig[0] ? srv->tcp_md5sig : NULL;
}

/* 1 if <srv> takes its address (0.0.0.0, `*`) or its port (none written)
 * from each client's destination (HAProxy's servers for transparent
 * setups): its connections go to as many places as there are clients.
 */
static inline int srv_addr_from_client(const struct server *srv)
{
	return srv->addr.kind == ADDR_INET && (srv->addr.flags & (ADDR_F_ANY | ADDR_F_NO_PORT));
}

/* 1 if connections to <srv> need a transport above the socket (TLS,
 * HTTP/2), set up once connected: no early send, no splicing.
 */
static inline int srv_has_xprt(const struct server *srv)
{
	return srv->tls || (srv->flags & (SRV_F_PROTO_H2 | SRV_F_ALPN_H2));
}

/* Raises *<max> to <cur> if lower. Any thread: relaxed, a
 * compare-and-swap only when it rises.
 */
static inline void server_raise_max(_Atomic unsigned int *max, unsigned int cur)
{
	unsigned int m = atomic_load_explicit(max, memory_order_relaxed);

	while (cur > m &&
	       !atomic_compare_exchange_weak_explicit(max, &m, cur, memory_order_relaxed,
	                                              memory_order_relaxed))
		;
}

/* Counts one more connection being served by <srv> and keeps the highest
 * count (`smax`, and the highest since the idle pool's last estimate of
 * the need, srv_idle.h). Any thread; relaxed atomics.
 */
static inline void server_conn_inc(struct server *srv)
{
	unsigned int cur = atomic_fetch_add_explicit(&srv->cur_conns, 1, memory_order_relaxed) + 1;

	server_raise_max(&srv->max_conns, cur);
	server_raise_max(&srv->used_max, cur);
}

/* Releases a server (at exit, or removed with no holder left). */
void server_free(struct server *srv);

/* Points the stream slot <slot> to <srv> (or NULL), counting the new
 * holder and releasing the old one. Owner thread of the stream only.
 */
static inline void server_hold(struct server **slot, struct server *srv)
{
	if (*slot == srv)
		return;
	if (srv)
		srv->per_thr[tid].refs++;
	if (*slot)
		(*slot)->per_thr[tid].refs--;
	*slot = srv;
}

/* Returns the number of stream slots holding <srv>. Exact only under
 * thread isolation (or with no worker running).
 */
unsigned int server_refs(const struct server *srv);

/* Returns the sessions handed to <srv> over the last second, all threads
 * summed (`srv_sess_rate`). Any thread.
 */
unsigned int server_sess_rate(struct server *srv);

/* Records that the configuration names server <spec> ("[<backend>/]<server>",
 * relative to proxy <px> without a backend) in a sample fetch argument:
 * `del server` refuses to remove it, as HAProxy does. Parse time. Returns
 * 0 or -ENOMEM.
 */
int server_conf_ref_add(const char *spec, const struct proxy *px);

/* Returns 1 if a configuration element recorded by server_conf_ref_add()
 * names <srv>.
 */
int server_conf_referenced(const struct server *srv);

/* Forgets the references recorded by server_conf_ref_add() (exit). */
void server_conf_refs_free(void);

/* Bumped (under isolation) at every server removal: a resumable dump that
 * kept a server pointer across a safe point may use it only if the
 * generation did not change.
 */
extern _Atomic unsigned int server_list_gen;

/* Returns the <idx>-th server (from 0) of <be>'s list, or NULL. */
struct server *server_at(const struct proxy *be, unsigned int idx);

/* Computes <srv>'s stick-table server keys (name_key, addr_key) from its
 * name and address: after configuration, when added, and when its address
 * changes (under isolation). Returns 0 or -ENOMEM.
 */
int server_set_keys(struct server *srv);

/* Returns the server of <be> whose key (name or "<ip>:<port>" per
 * <by_addr>) is the interned string <key>, or NULL. By name O(1), by
 * address O(servers).
 */
struct server *server_find_by_key(const struct proxy *be, const char *key, int by_addr);

/* Sets HAProxy's default-server settings in <s> (weight 1, inter 2s, rise
 * 2, fall 3, no idle pool limit).
 */
void server_init_defaults(struct server *s);

/* ---- Dynamic servers (server_dyn.c) ---- */

/* Returns 1 if <be> accepts `add server`; otherwise 0 with HAProxy's reason
 * ("backend 'x' uses a non dynamic load balancing method") in <msg> of
 * <len> bytes.
 */
int server_dyn_supported(const struct proxy *be, char *msg, size_t len);

/* Creates server args[1] at address args[2] with the options args[3..argc)
 * (args[0] is "server") in the running backend <be>, in maintenance, as
 * `add server` does. Takes thread isolation itself; any thread not
 * isolated already. Returns the server, or NULL with *<err> (malloc'd)
 * saying why in HAProxy's words.
 */
struct server *server_dyn_add(struct proxy *be, int argc, char **args, char **err);

/* Removes server <name> of <be> as `del server` does: it must exist, not be
 * named by the configuration, be in maintenance, and have no connection,
 * queued stream, idle connection or stream holding it. Takes thread
 * isolation itself. Returns 1 when removed (and freed), 0 or -1 (a
 * condition that may change later or not) with HAProxy's message in
 * *<msg> (static).
 */
int server_dyn_delete(struct proxy *be, const char *name, const char **msg);

/* Appends a set-proxy-v2-tlv-fmt TLV of <type> with format <fmt> to <srv>.
 * Returns 0, or -1 with *<err> (malloc'd) saying why.
 */
int server_add_pp_tlv(struct server *srv, unsigned int type, const char *fmt, char **err);

/* Copies the PROXY v2 options and TLVs of <from> (a default-server) to
 * <to>, after its own. Returns 0 or -ENOMEM.
 */
int server_copy_pp(struct server *to, const struct server *from);

/* Resolves the `track` of <srv> (srv->track_name set) to its server and
 * links <srv> among its trackers. Start-up, after every backend exists.
 * Returns 0, or -1 with a message in <err> of <errlen> bytes (unknown
 * backend or server, checks on <srv> too, a tracked server without check,
 * a loop).
 */
int server_resolve_track(struct server *srv, char *err, size_t errlen);

/* Parses the options of a `server` line, args[<first>..<argc>) (args[0]
 * the keyword, args[1] the server's name, for messages), into <srv>. With
 * <dynamic> (`add server`), the keywords HAProxy refuses at runtime are
 * refused. Returns CFG_OK, CFG_WARN with *<err> (malloc'd) naming the
 * first option accepted with no effect, or CFG_ERR with *<err> naming the
 * option.
 */
int server_parse_options(struct server *srv, int argc, char **args, int first, int dynamic, char **err);

/* Frees the TLV list of <srv>. */
void server_free_pp_tlvs(struct server *srv);

#endif /* TOLLGATE_SERVER_H */
