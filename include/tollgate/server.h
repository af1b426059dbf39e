/*
 * Servers of a backend.
 *
 * A server's configuration is read-only once workers run. Its state
 * (cur_state) is changed by its health check (on the check's thread) and
 * by the admin socket; each change recomputes the backend's
 * load-balancing view (lb_update(), under the LB lock) and is logged.
 * Its connection count and per-thread counters are atomics.
 */
#ifndef TOLLGATE_SERVER_H
#define TOLLGATE_SERVER_H

#include <tollgate/proxy-t.h>
#include <tollgate/server-t.h>

/* Creates a server named <name> in backend <be>, inheriting be->defsrv's
 * settings, appended to its list. Returns NULL on allocation failure.
 */
struct server *server_new(struct proxy *be, const char *name, const char *file, int line);

/* Returns the server named <name> in <be>, or NULL. */
struct server *server_find(const struct proxy *be, const char *name);

/* Returns the server of <be> whose numeric id is <puid>, or NULL. */
struct server *server_find_by_id(const struct proxy *be, int puid);

/* Sets <srv>'s state to <state> (enum srv_state); if it changed, updates
 * load balancing and logs "Server B/S is UP|DOWN, reason: <reason>, ..."
 * with the remaining active and backup servers. Any thread.
 */
void server_set_state(struct server *srv, int state, const char *reason);

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
void server_change_maxconn(struct server *srv, unsigned int maxconn);

/* Counts one more connection being served by <srv> and keeps the highest
 * count (`smax`). Any thread; relaxed atomics, a compare-and-swap only when
 * the highest count rises.
 */
static inline void server_conn_inc(struct server *srv)
{
	unsigned int cur = atomic_fetch_add_explicit(&srv->cur_conns, 1, memory_order_relaxed) + 1;
	unsigned int max = atomic_load_explicit(&srv->max_conns, memory_order_relaxed);

	while (cur > max &&
	       !atomic_compare_exchange_weak_explicit(&srv->max_conns, &max, cur,
	                                              memory_order_relaxed, memory_order_relaxed))
		;
}

/* Releases a server (at exit). */
void server_free(struct server *srv);

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
 * the keyword, args[1] the server's name, for messages), into <srv>.
 * Returns CFG_OK, or CFG_ERR with *<err> (malloc'd) naming the option.
 */
int server_parse_options(struct server *srv, int argc, char **args, int first, char **err);

/* Frees the TLV list of <srv>. */
void server_free_pp_tlvs(struct server *srv);

#endif /* TOLLGATE_SERVER_H */
