/*
 * Dynamic servers: `add server` and `del server` on a running backend.
 * See server.h for the threading contract (thread isolation for the
 * lists, per-thread stream references for the lifetime).
 *
 * HAProxy 3.x's rules: a backend whose load-balancing algorithm cannot
 * take new servers (static-rr, map-based hashing) refuses them; a new
 * server ignores `default-server`, starts in maintenance (`enable server`
 * brings it in), and takes the smallest free id; only a server in
 * maintenance, named by no configuration element, with no connection,
 * queue, idle connection or stream left, may be removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/addr.h>
#include <tollgate/cfg.h>
#include <tollgate/cfg-proxy.h>
#include <tollgate/isolate.h>
#include <tollgate/lb.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>

int server_dyn_supported(const struct proxy *be, char *msg, size_t len)
{
	const struct lb_ops *ops = be->lb.ops;

	if (ops && (!strcmp(ops->name, "static-rr") || (ops->needs_key && be->lb.hash_type == LB_HASH_MAP))) {
		/* HAProxy's proxy_cap_str(): a listen section is a "proxy" */
		snprintf(msg, len, "%s '%s' uses a non dynamic load balancing method",
		         (be->cap & PR_CAP_FE) ? "proxy" : "backend", be->id);
		return 0;
	}
	return 1;
}

/* Returns the smallest server id of <be> not in use (HAProxy's choice),
 * or 0 if none is left.
 */
static int free_puid(const struct proxy *be)
{
	for (int id = 1; id > 0; id++)
		if (!server_find_by_id(be, id))
			return id;
	return 0;
}

/* Returns 1 if a `proto` option appears in args[3..argc). */
static int has_proto(int argc, char **args)
{
	for (int i = 3; i < argc; i++)
		if (!strcmp(args[i], "proto"))
			return 1;
	return 0;
}

/* Removes <srv> from its backend's list and name index. Under isolation. */
static void unlink_server(struct server *srv)
{
	struct proxy *be = srv->proxy;
	struct server **pp, *prev = NULL;

	for (pp = &be->srv; *pp && *pp != srv; pp = &(*pp)->next)
		prev = *pp;
	if (!*pp)
		return;
	*pp = srv->next;
	if (be->srv_last == srv)
		be->srv_last = prev;
	srv->next = NULL;
	be->srv_count--;
	name_idx_del(&be->srv_names, srv->id);
}

/* Removes <srv> from the trackers of the server it follows. Under
 * isolation (set_state() walks the list from check threads).
 */
static void untrack(struct server *srv)
{
	struct server **pp;

	if (!srv->tracked)
		return;
	for (pp = &srv->tracked->trackers; *pp; pp = &(*pp)->tracker_next) {
		if (*pp == srv) {
			*pp = srv->tracker_next;
			break;
		}
	}
	srv->tracked = NULL;
	srv->tracker_next = NULL;
}

/* Checks what can be checked before isolation; returns 0 or -1 with *<err>. */
static int precheck(struct proxy *be, int argc, char **args, char **err)
{
	char bad;

	if (argc < 3)
		return cfg_set_err(err, "'server' expects <name> and <addr>[:<port>] as arguments.");
	if (be->mode == PR_MODE_LOG)
		return cfg_set_err(err, "adding a server to a log backend ('mode log') is not supported yet.");
	bad = proxy_invalid_name_char(args[1]);
	if (bad)
		return cfg_set_err(err, "character '%c' is not permitted in server name '%s'.", bad, args[1]);
	/* HAProxy's muxes: h1 and h2 need an HTTP backend */
	if (be->mode != PR_MODE_HTTP && has_proto(argc, args))
		return cfg_set_err(err, "MUX protocol is not usable for server.");
	return 0;
}

/* Finishes <srv> and makes it visible in <be>. Under isolation. Returns 0
 * or -1 with *<err>.
 */
static int publish(struct proxy *be, struct server *srv, char **err)
{
	char msg[512];
	struct server *other;

	if (server_find(be, srv->id))
		return cfg_set_err(err, "Already exists a server with the same name in backend.");
	if (srv->puid) {
		other = server_find_by_id(be, srv->puid);
		if (other)
			return cfg_set_err(err, "'id' : custom id %d already used at %s:%d ('server %s').",
			                   srv->puid, other->conf_file ? other->conf_file : "(null)",
			                   other->conf_line, other->id);
	} else {
		srv->puid = free_puid(be);
		if (!srv->puid)
			return cfg_set_err(err, "Cannot attach server : no id left in proxy");
	}
	if (srv->track_name) {
		if (server_resolve_track(srv, msg, sizeof(msg)) < 0)
			return cfg_set_err(err, "%s", msg);
		if (srv->tracked->flags & SRV_F_DYNAMIC) {
			struct server *t = srv->tracked;

			untrack(srv);
			return cfg_set_err(err, "unable to use %s/%s for tracking as it is a dynamic server.",
			                   t->proxy->id, t->id);
		}
		atomic_store(&srv->cur_state, atomic_load(&srv->tracked->cur_state));
	}
	if (server_set_keys(srv) < 0 || server_link(srv) < 0) {
		untrack(srv);
		return cfg_set_err(err, "out of memory");
	}
	if (lb_set_servers(&be->lb, be->srv) < 0) {
		unlink_server(srv);
		untrack(srv);
		return cfg_set_err(err, "Failed to initialize load-balancing data.");
	}
	return 0;
}

struct server *server_dyn_add(struct proxy *be, int argc, char **args, char **err)
{
	char addrerr[ADDR_ERRLEN];
	struct server *tmpl, *srv = NULL;
	struct addr a;

	if (precheck(be, argc, args, err) < 0)
		return NULL;
	if (addr_parse(args[2], ADDR_P_NO_FD | ADDR_P_PORT_OPTIONAL | ADDR_P_NO_RESOLVE, &a, addrerr, sizeof(addrerr)) < 0) {
		cfg_set_err(err, "%s", addrerr);
		return NULL;
	}
	/* `default-server` does not apply to dynamic servers (HAProxy) */
	tmpl = calloc(1, sizeof(*tmpl));
	if (!tmpl) {
		cfg_set_err(err, "out of memory");
		return NULL;
	}
	server_init_defaults(tmpl);
	srv = server_alloc(be, args[1], tmpl, NULL, 0);
	free(tmpl);
	if (!srv) {
		cfg_set_err(err, "out of memory");
		return NULL;
	}
	srv->addr = a;
	if (server_parse_options(srv, argc, args, 3, 1, err) < 0)
		goto out_free;
	srv->flags |= SRV_F_DYNAMIC;   /* checks over TLS only with check-ssl (cfg_server_ssl_finish()) */
	{
		char kw[300];

		snprintf(kw, sizeof(kw), "server %s/%s", be->id, args[1]);
		if (cfg_server_ssl_finish(srv, kw, err) < 0)
			goto out_free;
	}
	/* a dynamic server always starts in maintenance (HAProxy 3.x) */
	srv->flags |= SRV_F_MAINT;

	thread_isolate();
	if (publish(be, srv, err) < 0) {
		thread_release();
		goto out_free;
	}
	thread_release();
	return srv;

out_free:
	server_free(srv);
	return NULL;
}

int server_dyn_delete(struct proxy *be, const char *name, const char **msg)
{
	struct server *srv;
	int ret = -1;

	/* alone: no worker may be half-way through picking this server */
	thread_isolate();
	srv = server_find(be, name);
	if (!srv) {
		*msg = "No such server.";
		goto out;
	}
	if ((srv->flags & SRV_F_NON_PURGEABLE) || srv->trackers || server_conf_referenced(srv) ||
	    (srv->tracked && !(srv->flags & SRV_F_DYNAMIC))) {
		*msg = "This server cannot be removed at runtime due to other configuration elements pointing to it.";
		goto out;
	}
	if (!(srv->flags & SRV_F_MAINT)) {
		*msg = "Only servers in maintenance mode can be deleted.";
		goto out;
	}
	if (srv->check || srv->agent) {
		*msg = "This server has a health or agent check: Tollgate cannot remove it at runtime yet.";
		goto out;
	}
	ret = 0;
	if (atomic_load(&srv->cur_conns) || atomic_load(&srv->queued) ||
	    atomic_load(&srv->idle_total) || server_refs(srv)) {
		*msg = "Server still has connections attached to it, cannot remove it.";
		goto out;
	}
	unlink_server(srv);
	untrack(srv);
	/* a shrinking list needs no room; the server, in maintenance, is in
	 * no view already, even if the algorithm could not rebuild its own
	 */
	lb_set_servers(&be->lb, be->srv);
	atomic_fetch_add(&server_list_gen, 1);
	thread_release();
	/* unreachable now: no list, index or stream leads to it */
	server_free(srv);
	*msg = "Server deleted.";
	return 1;
out:
	thread_release();
	return ret;
}
