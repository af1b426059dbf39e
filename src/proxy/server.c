/*
 * Servers. See server.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/clock.h>
#include <tollgate/lb.h>
#include <tollgate/log.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>
#include <tollgate/isolate.h>
#include <tollgate/sample.h>
#include <tollgate/server.h>
#include <tollgate/stream.h>
#include <tollgate/stktable.h>
#include <tollgate/srv_idle.h>
#include <tollgate/tls.h>
#include <tollgate/trafficlog.h>

_Atomic unsigned int server_list_gen;

void server_init_defaults(struct server *s)
{
	s->uweight = 1;
	s->inter = 2000;
	s->rise = 2;
	s->fall = 3;
	s->pool_max_conn = -1;
}

struct server *server_alloc(struct proxy *be, const char *name, const struct server *tmpl,
                            const char *file, int line)
{
	struct server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		return NULL;
	srv->id = strdup(name);
	if (!srv->id) {
		free(srv);
		return NULL;
	}
	if (tmpl->agent_send) {
		srv->agent_send = strdup(tmpl->agent_send);
		if (!srv->agent_send)
			goto out_free;
	}
	if (server_copy_pp(srv, tmpl) < 0 || server_copy_resolve(&srv->rsv, &tmpl->rsv) < 0)
		goto out_free;
	srv->proxy = be;
	for (int i = 0; i < MAX_THREADS; i++)
		list_init(&srv->idle_conns[i]);
	srv->conf_file = file;
	srv->conf_line = line;
	srv->flags = tmpl->flags;
	srv->uweight = tmpl->uweight;
	srv->iweight = srv->uweight;
	srv->maxconn = tmpl->maxconn;
	srv->max_reuse1 = tmpl->max_reuse1;
	srv->hash_key = tmpl->hash_key;
	srv->inter = tmpl->inter;
	srv->fastinter = tmpl->fastinter;
	srv->downinter = tmpl->downinter;
	srv->rise = tmpl->rise;
	srv->fall = tmpl->fall;
	srv->pool_max_conn = tmpl->pool_max_conn;
	srv->check_addr = tmpl->check_addr;
	srv->check_port = tmpl->check_port;
	srv->agent_addr = tmpl->agent_addr;
	srv->agent_port = tmpl->agent_port;
	srv->agent_inter = tmpl->agent_inter;
	memcpy(srv->tcp_md5sig, tmpl->tcp_md5sig, sizeof(srv->tcp_md5sig));
	srv->conn_src = tmpl->conn_src;
	srv->use_ssl = tmpl->use_ssl;
	srv->check_ssl = tmpl->check_ssl;
	srv->on_down_kill = tmpl->on_down_kill;
	srv->on_up_kill_backups = tmpl->on_up_kill_backups;
	srv->init_state = tmpl->init_state;
	if (tmpl->redir && !(srv->redir = strdup(tmpl->redir)))
		goto out_free;
	if (tmpl->tls_conf) {
		srv->tls_conf = calloc(1, sizeof(*srv->tls_conf));
		if (!srv->tls_conf || tls_conf_dup(srv->tls_conf, tmpl->tls_conf) < 0)
			goto out_free;
	}
	if ((tmpl->sni_text && !(srv->sni_text = strdup(tmpl->sni_text))) ||
	    (tmpl->check_sni && !(srv->check_sni = strdup(tmpl->check_sni))))
		goto out_free;
	/* a server is up until a check says otherwise */
	atomic_store(&srv->cur_state, SRV_ST_RUNNING);
	/* its state (and its backend's) dates from now (show stat lastchg) */
	atomic_store(&srv->st.last_change_ns, clock_mono_ns());
	if (!atomic_load(&be->st.last_change_ns))
		atomic_store(&be->st.last_change_ns, clock_mono_ns());
	return srv;

out_free:
	server_free(srv);
	return NULL;
}

int server_link(struct server *srv)
{
	struct proxy *be = srv->proxy;

	if (name_idx_add(&be->srv_names, srv->id, srv) < 0)
		return -ENOMEM;
	if (be->srv_last)
		be->srv_last->next = srv;
	else
		be->srv = srv;
	be->srv_last = srv;
	be->srv_count++;
	return 0;
}

struct server *server_new(struct proxy *be, const char *name, const char *file, int line)
{
	struct server *srv = server_alloc(be, name, &be->defsrv, file, line);

	if (srv && server_link(srv) < 0) {
		server_free(srv);
		return NULL;
	}
	return srv;
}

unsigned int server_refs(const struct server *srv)
{
	unsigned int n = 0;

	for (int i = 0; i < MAX_THREADS; i++)
		n += srv->per_thr[i].refs;
	return n;
}

unsigned int server_sess_rate(struct server *srv)
{
	unsigned int n = 0;

	for (int i = 0; i < MAX_THREADS; i++)
		n += freq_ctr_read(&srv->ctr[i].sess_per_sec, 1000, now_ms);
	return n;
}

/* Servers named by sample fetch arguments (server_conf_ref_add()). */
struct srv_conf_ref {
	char *be;                         /* backend name */
	char *srv;                        /* server name */
	struct srv_conf_ref *next;        /* next reference */
};

static struct srv_conf_ref *srv_conf_refs;   /* written at parse time only */

int server_conf_ref_add(const char *spec, const struct proxy *px)
{
	const char *slash = strchr(spec, '/');
	struct srv_conf_ref *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->be = slash ? strndup(spec, (size_t)(slash - spec)) : strdup(px ? px->id : "");
	r->srv = strdup(slash ? slash + 1 : spec);
	if (!r->be || !r->srv) {
		free(r->be);
		free(r->srv);
		free(r);
		return -ENOMEM;
	}
	r->next = srv_conf_refs;
	srv_conf_refs = r;
	return 0;
}

int server_conf_referenced(const struct server *srv)
{
	for (const struct srv_conf_ref *r = srv_conf_refs; r; r = r->next)
		if (!strcmp(r->srv, srv->id) && !strcmp(r->be, srv->proxy->id))
			return 1;
	return 0;
}

void server_conf_refs_free(void)
{
	struct srv_conf_ref *r, *next;

	for (r = srv_conf_refs; r; r = next) {
		next = r->next;
		free(r->be);
		free(r->srv);
		free(r);
	}
	srv_conf_refs = NULL;
}

int server_set_keys(struct server *srv)
{
	char buf[ADDR_STRLEN];
	const char *k;

	srv->name_key = stktable_dict_intern(srv->id, strlen(srv->id));
	addr_format(&srv->addr, buf, sizeof(buf));
	k = stktable_dict_intern(buf, strlen(buf));
	atomic_store_explicit(&srv->addr_key, k, memory_order_release);
	return srv->name_key && k ? 0 : -ENOMEM;
}

struct server *server_find_by_key(const struct proxy *be, const char *key, int by_addr)
{
	if (!by_addr)
		return server_find(be, key);
	for (struct server *srv = be->srv; srv; srv = srv->next)
		if (atomic_load_explicit(&srv->addr_key, memory_order_acquire) == key)
			return srv;
	return NULL;
}

struct server *server_at(const struct proxy *be, unsigned int idx)
{
	struct server *srv = be->srv;

	while (srv && idx--)
		srv = srv->next;
	return srv;
}

struct server *server_find(const struct proxy *be, const char *name)
{
	return name_idx_get(&be->srv_names, name);
}

struct server *server_find_by_id(const struct proxy *be, int puid)
{
	for (struct server *srv = be->srv; srv; srv = srv->next)
		if (srv->puid == puid)
			return srv;
	return NULL;
}

void server_count_usable(const struct proxy *be, int *active, int *backup)
{
	*active = *backup = 0;
	for (struct server *srv = be->srv; srv; srv = srv->next) {
		if (!lb_srv_usable(srv))
			continue;
		if (srv->flags & SRV_F_BACKUP)
			(*backup)++;
		else
			(*active)++;
	}
}

/* Records a change of <srv> to <state> in its and its backend's history
 * (show stat lastchg, downtime, chkdown); <usable> is the number of the
 * backend's servers usable after the change: the backend goes DOWN when it
 * drops to 0 and UP when it leaves 0.
 */
static void server_stat_history(struct server *srv, int state, int usable)
{
	struct stat_extra *sv = &srv->st, *be = &srv->proxy->st;
	uint64_t now = clock_mono_ns();

	if (state == SRV_ST_RUNNING) {
		atomic_fetch_add(&sv->down_ns, now - atomic_load(&sv->last_change_ns));
		if (usable == 1) {
			atomic_fetch_add(&be->down_ns, now - atomic_load(&be->last_change_ns));
			atomic_store(&be->last_change_ns, now);
		}
	} else {
		atomic_fetch_add(&sv->down_trans, 1);
		if (!usable) {
			atomic_fetch_add(&be->down_trans, 1);
			atomic_store(&be->last_change_ns, now);
		}
	}
	atomic_store(&sv->last_change_ns, now);
}

/* Sets the state of <srv>, logs it (with <reason>, or "via <b>/<s>" when
 * it follows tracked server <via>), then passes it on to its trackers.
 */
static void set_state(struct server *srv, int state, const char *reason, const struct server *via)
{
	struct proxy *be = srv->proxy;
	int old = atomic_exchange(&srv->cur_state, state);
	char msg[512], why[300];
	int act, bck, n;

	if (old == state)
		return;
	if (be->lb.ops)
		lb_update(&be->lb);
	server_count_usable(be, &act, &bck);
	server_stat_history(srv, state, act + bck);
	if (via)
		snprintf(why, sizeof(why), " via %s/%s", via->proxy->id, via->id);
	else
		snprintf(why, sizeof(why), ", reason: %s", reason ? reason : "unknown");
	n = snprintf(msg, sizeof(msg),
	             "%sServer %s/%s is %s%s. %d active and %d backup servers %s. %u sessions active, %u remaining in queue.",
	             (srv->flags & SRV_F_BACKUP) ? "Backup " : "", be->id, srv->id,
	             state == SRV_ST_RUNNING ? "UP" : "DOWN", why, act, bck,
	             state == SRV_ST_RUNNING ? "online" : "left",
	             atomic_load(&srv->cur_conns), atomic_load(&srv->queued));
	log_msg(state == SRV_ST_RUNNING ? LOG_LVL_NOTICE : LOG_LVL_WARNING, "%s", msg);
	if (be->log_targets && n > 0)
		log_send(be->log_targets, state == SRV_ST_RUNNING ? LOG_SEV_NOTICE : LOG_SEV_ALERT,
		         msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	if (!act && !bck && state != SRV_ST_RUNNING) {
		n = snprintf(msg, sizeof(msg), "%s '%s' has no server available!",
		             (be->cap & PR_CAP_FE) ? "proxy" : "backend", be->id);
		log_msg(LOG_LVL_ALERT, "%s", msg);
		if (be->log_targets && n > 0)
			log_send(be->log_targets, LOG_SEV_EMERG, msg, (size_t)n);
	}
	/* on-marked-down / on-marked-up: the streams end with 'D' / 'U' */
	if (state != SRV_ST_RUNNING && srv->on_down_kill)
		stream_shutdown_server(srv, 0, 'D');
	else if (state == SRV_ST_RUNNING && srv->on_up_kill_backups && !(srv->flags & SRV_F_BACKUP) && srv->uweight)
		stream_shutdown_server(srv, 1, 'U');
	/* the trackers follow; the configuration refuses loops */
	for (struct server *t = srv->trackers; t; t = t->tracker_next)
		set_state(t, state, NULL, srv);
}

unsigned int server_init_health(const struct server *srv)
{
	switch (srv->init_state) {
	case SRV_INIT_FULLY_UP:
		return srv->rise + srv->fall - 1;
	case SRV_INIT_DOWN:
		return srv->rise - 1;
	case SRV_INIT_FULLY_DOWN:
		return 0;
	default:
		return srv->rise;
	}
}

void server_apply_init_state(struct server *srv)
{
	if ((srv->flags & SRV_F_CHECK) && !srv->state_health && srv->init_state >= SRV_INIT_DOWN)
		atomic_store(&srv->cur_state, SRV_ST_STOPPED);
}

void server_set_state(struct server *srv, int state, const char *reason)
{
	set_state(srv, state, reason, NULL);
}

int server_resolve_track(struct server *srv, char *err, size_t errlen)
{
	const char *slash = strchr(srv->track_name, '/');
	struct proxy *be = srv->proxy;
	const char *name = srv->track_name;
	struct server *t;

	if (slash) {
		char bname[256];
		size_t n = (size_t)(slash - srv->track_name);

		if (n >= sizeof(bname))
			n = sizeof(bname) - 1;
		memcpy(bname, srv->track_name, n);
		bname[n] = '\0';
		be = proxy_find(bname, PR_CAP_BE);
		if (!be) {
			snprintf(err, errlen, "unable to find required proxy '%s' for tracking.", bname);
			return -1;
		}
		name = slash + 1;
	}
	t = server_find(be, name);
	if (!t) {
		snprintf(err, errlen, "unable to find required server '%s' for tracking.", name);
		return -1;
	}
	if (srv->flags & SRV_F_CHECK) {
		snprintf(err, errlen, "unable to enable checks and tracking at the same time!");
		return -1;
	}
	if (srv->init_state) {
		snprintf(err, errlen, "'init-state' cannot be used with 'track'.");
		return -1;
	}
	if (!(t->flags & SRV_F_CHECK) && !t->track_name) {
		snprintf(err, errlen, "unable to use %s/%s for tracking as it does not have any check enabled.",
		         be->id, t->id);
		return -1;
	}
	for (const struct server *c = t; c; c = c->tracked) {
		if (c == srv) {
			snprintf(err, errlen, "unable to track %s/%s as it belongs to a tracking chain looping back to %s/%s.",
			         be->id, t->id, srv->proxy->id, srv->id);
			return -1;
		}
	}
	srv->tracked = t;
	srv->tracker_next = t->trackers;
	t->trackers = srv;
	return 0;
}

int server_add_pp_tlv(struct server *srv, unsigned int type, const char *fmt, char **err)
{
	struct srv_pp_tlv *t = calloc(1, sizeof(*t)), **tail;

	if (!t || !(t->fmt = strdup(fmt)))
		goto out_nomem;
	t->type = type;
	t->lf = logformat_parse(fmt, LOGFMT_F_LOG, err);
	if (!t->lf) {
		free(t->fmt);
		free(t);
		return -1;
	}
	for (tail = &srv->pp_tlvs; *tail; tail = &(*tail)->next)
		;
	*tail = t;
	return 0;
out_nomem:
	free(t);
	if (err)
		*err = strdup("out of memory");
	return -1;
}

int server_copy_pp(struct server *to, const struct server *from)
{
	to->pp_opts |= from->pp_opts;
	for (const struct srv_pp_tlv *t = from->pp_tlvs; t; t = t->next)
		if (server_add_pp_tlv(to, t->type, t->fmt, NULL) < 0)
			return -ENOMEM;   /* it compiled once: only memory can fail */
	return 0;
}

void server_free_pp_tlvs(struct server *srv)
{
	struct srv_pp_tlv *t, *next;

	for (t = srv->pp_tlvs; t; t = next) {
		next = t->next;
		logformat_free(t->lf);
		free(t->fmt);
		free(t);
	}
	srv->pp_tlvs = NULL;
}

int server_change_admin(struct server *srv, unsigned int clr, unsigned int set)
{
	unsigned int old = srv->flags;

	thread_isolate();
	srv->flags = (srv->flags & ~clr) | set;
	if ((srv->flags & ~old) & SRV_F_MAINT)
		srv->state_health = 1;   /* maintenance zeroes the health (show servers state) */
	thread_release();
	if (srv->flags == old)
		return 0;
	if (srv->proxy->lb.ops)
		lb_update(&srv->proxy->lb);
	if ((srv->flags & ~old) & (SRV_F_MAINT | SRV_F_RMAINT))
		srv_idle_purge_maint();
	return 1;
}

int server_copy_resolve(struct srv_resolve_conf *to, const struct srv_resolve_conf *from)
{
	char *id = NULL;

	if (from->resolvers_id && !(id = strdup(from->resolvers_id)))
		return -ENOMEM;
	free(to->resolvers_id);
	*to = *from;
	to->resolvers_id = id;
	return 0;
}

void server_change_addr(struct server *srv, const struct addr *na, const char *target)
{
	thread_isolate();
	if (target)
		snprintf(srv->rsv_target, sizeof(srv->rsv_target), "%s", target);
	srv->addr = *na;
	srv->addr_gen++;
	server_set_keys(srv);   /* srvkey addr: sticks to the new address */
	thread_release();
}

void server_change_weight(struct server *srv, unsigned int weight)
{
	if (srv->uweight == weight)
		return;
	thread_isolate();
	srv->uweight = weight;
	thread_release();
	if (srv->proxy->lb.ops)
		lb_update(&srv->proxy->lb);
}

void server_change_maxconn(struct server *srv, unsigned int maxconn)
{
	thread_isolate();
	srv->maxconn = maxconn;
	thread_release();
}

void server_free(struct server *srv)
{
	server_free_pp_tlvs(srv);
	if (srv->tls_conf)
		tls_conf_clear(srv->tls_conf);
	free(srv->tls_conf);
	if (srv->check_tls != srv->tls)
		tls_srv_free(srv->check_tls);   /* its own: `tcp-check connect ssl` */
	tls_srv_free(srv->tls);
	sample_free_expr(srv->sni_expr);
	free(srv->sni_text);
	free(srv->check_sni);
	free(srv->track_name);
	free(srv->hc_name);
	free(srv->hostname);
	free(srv->lastaddr);
	free(srv->redir);
	free(srv->rsv.resolvers_id);
	free(srv->id);
	free(srv->cookie);
	free(srv->agent_send);
	free(srv);
}
