/*
 * `resolvers` sections at run time, and servers' start-up addresses
 * (`init-addr`). See resolvers.h and doc/internals/dns.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <tollgate/clock.h>
#include <tollgate/dns.h>
#include <tollgate/fd.h>
#include <tollgate/log.h>
#include <tollgate/proxy.h>
#include <tollgate/resolvers.h>
#include <tollgate/server.h>
#include <tollgate/task.h>
#include <tollgate/ticks.h>

struct resolvers *resolvers_list;

static const char *const status_str[RSV_ST_COUNT] = {
	[RSV_ST_NONE] = "none", [RSV_ST_VALID] = "valid", [RSV_ST_NX] = "NX",
	[RSV_ST_REFUSED] = "refused", [RSV_ST_TIMEOUT] = "timeout", [RSV_ST_OTHER] = "unspecified",
};

const char *resolvers_status_str(enum rsv_status st)
{
	return st < RSV_ST_COUNT ? status_str[st] : "unspecified";
}

struct resolvers *resolvers_find(const char *id)
{
	for (struct resolvers *rs = resolvers_list; rs; rs = rs->next)
		if (!strcmp(rs->id, id))
			return rs;
	return NULL;
}

struct resolvers *resolvers_new(const char *id, const char *file, int line)
{
	struct resolvers *rs = calloc(1, sizeof(*rs)), **tail;

	if (!rs || !(rs->id = strdup(id))) {
		free(rs);
		return NULL;
	}
	/* HAProxy's defaults */
	rs->payload = 512;
	rs->retries = 3;
	rs->t_resolve = 1000;
	rs->t_retry = 1000;
	rs->hold[RSV_HOLD_NX] = rs->hold[RSV_HOLD_OTHER] = rs->hold[RSV_HOLD_REFUSED] =
		rs->hold[RSV_HOLD_TIMEOUT] = 30000;
	rs->hold[RSV_HOLD_VALID] = 10000;
	rs->hold[RSV_HOLD_OBSOLETE] = 0;
	rs->conf_file = file;
	rs->conf_line = line;
	for (tail = &resolvers_list; *tail; tail = &(*tail)->next)
		;
	*tail = rs;
	return rs;
}

int resolvers_add_ns(struct resolvers *rs, const char *id, const struct addr *a, const char *file, int line)
{
	struct dns_nameserver *ns = calloc(1, sizeof(*ns)), **tail;

	if (!ns || !(ns->id = strdup(id))) {
		free(ns);
		return -ENOMEM;
	}
	ns->addr = *a;
	ns->fd = -1;
	ns->parent = rs;
	ns->conf_file = file;
	ns->conf_line = line;
	for (tail = &rs->ns; *tail; tail = &(*tail)->next)
		;
	*tail = ns;
	rs->nb_ns++;
	return 0;
}

int resolvers_parse_resolv_conf(struct resolvers *rs, const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0, lineno = 0;

	if (!f) {
		snprintf(err, len, "failed to open '%s': %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char ip[128], text[160];
		struct addr a;

		lineno++;
		if (sscanf(line, " nameserver %127s", ip) != 1)
			continue;
		/* a literal address (the system's resolver reads it so), port 53 */
		snprintf(text, sizeof(text), strchr(ip, ':') ? "[%s]:53" : "%s:53", ip);
		if (addr_parse(text, ADDR_P_NO_RESOLVE | ADDR_P_NO_UNIX | ADDR_P_NO_FD, &a, NULL, 0) < 0) {
			log_warning("parsing [%s:%d] : 'nameserver' : invalid address '%s', ignored.", path, lineno, ip);
			continue;
		}
		if (resolvers_add_ns(rs, ip, &a, rs->conf_file, rs->conf_line) < 0) {
			fclose(f);
			snprintf(err, len, "out of memory");
			return -ENOMEM;
		}
		n++;
	}
	fclose(f);
	return n;
}

/* ---- start-up addresses ---- */

/* Resolves <srv>'s name with the system's resolver, the preferred family
 * first. Returns 0 and sets its address, or -1. Configuration time only.
 */
static int init_addr_libc(struct server *srv)
{
	int fams[2] = { AF_INET6, AF_INET };
	char text[300];
	struct addr a;

	if (srv->rsv.prefer == AF_INET) {
		fams[0] = AF_INET;
		fams[1] = AF_INET6;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(text, sizeof(text), "%s%s", fams[i] == AF_INET ? "ipv4@" : "ipv6@", srv->hostname);
		if (addr_parse(text, ADDR_P_PORT_OPTIONAL | ADDR_P_NO_UNIX | ADDR_P_NO_FD, &a, NULL, 0) < 0)
			continue;
		addr_set_port(&a, addr_port(&srv->addr));
		a.flags = srv->addr.flags & ADDR_F_NO_PORT;
		srv->addr = a;
		return 0;
	}
	return -1;
}

/* Attaches <srv> to the resolution of <rs> that its backend's servers
 * naming the same host with the same preference share, creating it.
 * Returns 0 or -ENOMEM.
 */
static int resolution_join(struct server *srv, struct resolvers *rs)
{
	/* a name starting with '_' is an SRV record's (_http._tcp.example) */
	uint16_t prefer = srv->hostname[0] == '_' ? DNS_T_SRV : srv->rsv.prefer == AF_INET ? DNS_T_A : DNS_T_AAAA;
	struct resolution *r;
	struct server **srvs;

	for (r = rs->res; r; r = r->next)
		if (r->prefer == prefer && r->srvs[0]->proxy == srv->proxy && dns_name_eq(r->hostname, srv->hostname))
			break;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r || !(r->hostname = strdup(srv->hostname))) {
			free(r);
			return -ENOMEM;
		}
		r->rs = rs;
		r->prefer = prefer;
		r->next = rs->res;
		rs->res = r;
	}
	srvs = realloc(r->srvs, (r->nsrv + 1) * sizeof(*srvs));
	if (!srvs)
		return -ENOMEM;
	r->srvs = srvs;
	r->srvs[r->nsrv++] = srv;
	srv->res = r;
	return 0;
}

/* Returns the `default` section, made from /etc/resolv.conf the first
 * time (HAProxy 2.6 creates it when no section has that name).
 */
static struct resolvers *default_resolvers(void)
{
	struct resolvers *rs = resolvers_find("default");
	char err[256];

	if (rs)
		return rs;
	rs = resolvers_new("default", "/etc/resolv.conf", 0);
	if (!rs)
		return NULL;
	rs->implicit = 1;
	/* no resolv.conf: an empty section, silently, as HAProxy */
	resolvers_parse_resolv_conf(rs, "/etc/resolv.conf", err, sizeof(err));
	return rs;
}

int resolvers_server_init(struct server *srv, char *msg, size_t len)
{
	static const unsigned char dflt[SRV_IA_MAX] = { SRV_IA_LAST, SRV_IA_LIBC };
	const unsigned char *m = srv->rsv.init_addr[0] ? srv->rsv.init_addr : dflt;
	const char *be = srv->proxy->id;
	int tried = 0;

	if (srv->rsv.resolvers_id) {
		struct resolvers *rs = !strcmp(srv->rsv.resolvers_id, "default") ? default_resolvers()
		                       : resolvers_find(srv->rsv.resolvers_id);

		if (!rs) {
			snprintf(msg, len, "%s '%s', server '%s': unable to find required resolvers '%s'",
			         proxy_kind(srv->proxy), be, srv->id, srv->rsv.resolvers_id);
			return -1;
		}
		if (resolution_join(srv, rs) < 0) {
			snprintf(msg, len, "out of memory");
			return -1;
		}
	}
	for (int i = 0; i < SRV_IA_MAX && m[i]; i++) {
		switch (m[i]) {
		case SRV_IA_LAST: {
			/* the server-state file's address, the port kept */
			struct addr a;

			if (!srv->lastaddr || addr_parse(srv->lastaddr, ADDR_P_PORT_OPTIONAL | ADDR_P_NO_RESOLVE |
			                                 ADDR_P_NO_UNIX | ADDR_P_NO_FD, &a, NULL, 0) < 0)
				continue;
			addr_set_port(&a, addr_port(&srv->addr));
			a.flags = srv->addr.flags & ADDR_F_NO_PORT;
			srv->addr = a;
			return 0;
		}
		case SRV_IA_LIBC:
			tried = 1;
			if (init_addr_libc(srv) == 0)
				return 0;
			continue;
		case SRV_IA_NONE:
			srv->flags |= SRV_F_RMAINT;
			snprintf(msg, len, "'server %s/%s' : could not resolve address '%s', disabling server.",
			         be, srv->id, srv->hostname);
			return 1;
		case SRV_IA_IP: {
			struct addr a = srv->rsv.init_ip;

			addr_set_port(&a, addr_port(&srv->addr));
			a.flags = srv->addr.flags & ADDR_F_NO_PORT;
			srv->addr = a;
			if (!tried)
				return 0;
			snprintf(msg, len, "'server %s/%s' : could not resolve address '%s', falling back to configured address.",
			         be, srv->id, srv->hostname);
			return 1;
		}
		}
	}
	if (!tried)
		snprintf(msg, len, "'server %s/%s' : no method found to resolve address '%s'.", be, srv->id, srv->hostname);
	else
		snprintf(msg, len, "'server %s/%s' : could not resolve address '%s'.", be, srv->id, srv->hostname);
	return -1;
}

int resolvers_finalize(void (*fn)(void *arg, int is_err, const char *file, int line, const char *msg), void *arg)
{
	char msg[300];

	/* HAProxy 2.6 always has a "default" section (show resolvers) */
	if (!default_resolvers()) {
		fn(arg, 1, "/etc/resolv.conf", 0, "out of memory");
		return 1;
	}
	for (struct resolvers *rs = resolvers_list; rs; rs = rs->next) {
		if (rs->nb_ns || rs->implicit)
			continue;
		snprintf(msg, sizeof(msg), "resolvers '%s' has no nameservers configured!", rs->id);
		fn(arg, 0, rs->conf_file, rs->conf_line, msg);
	}
	return 0;
}

/* ---- run time: thread 0 only ---- */

static inline void count(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_relaxed);
}

/* Sends the query of <r> (type r->qtype) to every nameserver of its
 * section, with a new id.
 */
static void send_query(struct resolution *r)
{
	unsigned char q[DNS_HDR_LEN + DNS_MAX_NAME + 2 + 4 + 11];
	uint16_t id;
	int n;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(r->rs->next_qid += 0x9e37);
	r->qid = id;
	r->answers = 0;
	n = dns_build_query(q, sizeof(q), id, r->hostname, r->qtype, (uint16_t)r->rs->payload);
	for (struct dns_nameserver *ns = r->rs->ns; ns; ns = ns->next) {
		if (n < 0 || ns->fd < 0 || send(ns->fd, q, (size_t)n, MSG_DONTWAIT) != n) {
			count(&ns->cnt.snd_error);
			continue;
		}
		count(&ns->cnt.sent);
	}
}

/* Starts a resolution of <r> now. */
static void resolution_start(struct resolution *r)
{
	r->pending = 1;
	r->fell_back = 0;
	r->qtype = r->prefer;
	r->tries = r->rs->retries;
	r->tries--;
	send_query(r);
	r->retry_at = tick_add(now_ms, r->rs->t_retry);
}

static void fmt_host(const struct addr *a, char *buf, size_t len)
{
	struct addr t = *a;

	t.flags |= ADDR_F_NO_PORT;
	addr_format(&t, buf, len);
}

/* Puts <srv> into resolution maintenance for <why>, with HAProxy's line. */
static void srv_rmaint(struct server *srv, const char *why)
{
	int act, bck;

	if (!server_change_admin(srv, 0, SRV_F_RMAINT))
		return;
	server_count_usable(srv->proxy, &act, &bck);
	log_warning("Server %s/%s is going DOWN for maintenance (%s). %d active and %d backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
	            srv->proxy->id, srv->id, why, act, bck);
}

/* The resolution of <r> failed with <st>: past the `hold` period of that
 * status since the last valid answer, its servers go into resolution
 * maintenance (their last addresses are kept, as HAProxy does).
 */
static void resolution_error(struct resolution *r, enum rsv_status st)
{
	static const int hold_of[RSV_ST_COUNT] = {
		[RSV_ST_NX] = RSV_HOLD_NX, [RSV_ST_REFUSED] = RSV_HOLD_REFUSED,
		[RSV_ST_TIMEOUT] = RSV_HOLD_TIMEOUT, [RSV_ST_OTHER] = RSV_HOLD_OTHER,
	};
	char why[64];

	r->status = st;
	r->pending = 0;
	r->next_at = tick_add(now_ms, r->rs->t_resolve);
	if (r->has_valid && !tick_is_expired(tick_add(r->last_valid, r->rs->hold[hold_of[st]]), now_ms))
		return;
	snprintf(why, sizeof(why), "DNS %s status", resolvers_status_str(st));
	for (unsigned int i = 0; i < r->nsrv; i++)
		srv_rmaint(r->srvs[i], why);
}

/* Returns 1 if the address of <srv> is the IP of <it>. */
static int srv_has_ip(const struct server *srv, const struct dns_item *it)
{
	const struct sockaddr_storage *ss = &srv->addr.ss;

	if (srv->addr.flags & ADDR_F_NAME)
		return 0;
	if (it->type == DNS_T_A)
		return ss->ss_family == AF_INET && !memcmp(it->ip, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	return ss->ss_family == AF_INET6 && !memcmp(it->ip, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
}

/* Gives <srv> the IP of <it> (its port kept), logging the change as
 * HAProxy does, "by <by>".
 */
static void srv_set_ip(struct server *srv, const struct dns_item *it, const char *by,
                       unsigned int port, const char *target)
{
	char from[ADDR_STRLEN], to[ADDR_STRLEN];
	struct addr na;

	memset(&na, 0, sizeof(na));
	na.kind = ADDR_INET;
	na.fd = -1;
	if (it->type == DNS_T_A) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&na.ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, it->ip, 4);
		na.len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&na.ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, it->ip, 16);
		na.len = sizeof(*sin6);
	}
	addr_set_port(&na, port ? port : addr_port(&srv->addr));
	na.flags = port ? 0 : srv->addr.flags & ADDR_F_NO_PORT;
	if (srv->addr.flags & ADDR_F_NAME)
		strcpy(from, "(none)");
	else
		fmt_host(&srv->addr, from, sizeof(from));
	fmt_host(&na, to, sizeof(to));
	server_change_addr(srv, &na, target);
	if (!strcmp(from, to))
		return;   /* SRV: only the port or target changed */
	log_warning("%s/%s changed its IP from %s to %s by %s.", srv->proxy->id, srv->id, from, to, by);
}

/* Takes the address of <srv> away (its IP left the answers): "-" again;
 * with <target>, sets its SRV target too, and with <port> >= 0 its port.
 */
static void srv_clear_ip(struct server *srv, const char *target, int port)
{
	struct addr na;

	memset(&na, 0, sizeof(na));
	na.kind = ADDR_INET;
	na.fd = -1;
	na.ss.ss_family = AF_INET;
	na.len = sizeof(struct sockaddr_in);
	/* an SRV slot gets its record's port, or 0 once emptied */
	addr_set_port(&na, port >= 0 ? (unsigned int)port : addr_port(&srv->addr));
	na.flags = (port > 0 ? 0 : srv->addr.flags & ADDR_F_NO_PORT) | ADDR_F_ANY | ADDR_F_NAME;
	server_change_addr(srv, &na, target);
}

/* Makes <srv> (an SRV slot) resolve its record's <target> on its own, as
 * HAProxy does when the additional section lacks the target's address:
 * a resolution of the target for this server only, started at once; NULL
 * (or another target) drops the one it had. Thread 0.
 */
static void target_resolution(struct server *srv, const char *target)
{
	struct resolution *t = srv->tres, **prev;

	if (t && target && !strcmp(t->hostname, target))
		return;
	if (t) {
		for (prev = &t->rs->res; *prev != t; prev = &(*prev)->next)
			;
		*prev = t->next;
		free(t->hostname);
		free(t->srvs);
		free(t);
		srv->tres = NULL;
	}
	if (!target)
		return;
	t = calloc(1, sizeof(*t));
	if (!t || !(t->hostname = strdup(target)) || !(t->srvs = malloc(sizeof(*t->srvs)))) {
		if (t)
			free(t->hostname);
		free(t);
		return;   /* out of memory: the slot waits in maintenance */
	}
	t->rs = srv->res->rs;
	t->srvs[0] = srv;
	t->nsrv = 1;
	t->prefer = srv->rsv.prefer == AF_INET ? DNS_T_A : DNS_T_AAAA;
	t->next_at = now_ms ? now_ms : 1;
	for (prev = &t->rs->res; *prev; prev = &(*prev)->next)
		;
	*prev = t;
	srv->tres = t;
}

/* Gives <srv> the address that the additional section of <resp> holds
 * for the target of its SRV record <it> (its preferred family first) and
 * the record's port. Without one, the slot keeps its target but no
 * address (Tollgate does not resolve SRV targets on their own yet).
 */
static void srv_take_record(struct server *srv, const struct dns_item *it, const struct dns_response *resp)
{
	uint16_t first = srv->rsv.prefer == AF_INET ? DNS_T_A : DNS_T_AAAA;
	const struct dns_item *ip = NULL;

	for (unsigned int k = 0; k < resp->n; k++) {
		const struct dns_item *a = &resp->items[k];

		if (!a->additional || strcmp(a->target, it->target))
			continue;
		if (!ip || (a->type == first && ip->type != first))
			ip = a;
	}
	srv->rsv_srv = 1;
	if (!ip) {
		if (strcmp(srv->rsv_target, it->target))
			srv_clear_ip(srv, it->target, it->port);
		target_resolution(srv, it->target);
		return;
	}
	target_resolution(srv, NULL);
	if (!srv_has_ip(srv, ip) || addr_port(&srv->addr) != it->port || strcmp(srv->rsv_target, it->target))
		srv_set_ip(srv, ip, "DNS additional record", it->port, it->target);
	if ((srv->flags & SRV_F_RMAINT) && server_change_admin(srv, SRV_F_RMAINT, 0))
		log_warning("Server %s/%s ('%s') is UP/READY (resolves again).", srv->proxy->id, srv->id, it->target);
}

/* A valid SRV answer <resp> for <r>: each slot keeps its record (target
 * and port) while the answer lists it; a slot without one, or whose record
 * left the answers more than `hold obsolete` ago, takes in order a record
 * no other slot holds; one left without any loses its address and goes
 * into resolution maintenance ("entry removed from SRV record").
 */
static void resolution_valid_srv(struct resolution *r, const struct dns_response *resp)
{
	unsigned char claimed[DNS_MAX_ITEMS] = { 0 };
	int idx[r->nsrv];
	unsigned int i, k;

	for (i = 0; i < r->nsrv; i++) {
		struct server *srv = r->srvs[i];

		idx[i] = -1;
		for (k = 0; srv->rsv_target[0] && k < resp->n; k++) {
			const struct dns_item *it = &resp->items[k];

			if (it->type == DNS_T_SRV && !it->additional && !claimed[k] &&
			    !strcmp(it->target, srv->rsv_target) && it->port == addr_port(&srv->addr)) {
				claimed[k] = 1;
				idx[i] = (int)k;
				srv->rsv_seen = now_ms;
				break;
			}
		}
	}
	/* empty slots first, then those whose record is obsolete (HAProxy's order) */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < r->nsrv; i++) {
			struct server *srv = r->srvs[i];

			if (idx[i] >= 0 || !srv->rsv_target[0] != !pass ||
			    (pass && !tick_is_expired(tick_add(srv->rsv_seen, r->rs->hold[RSV_HOLD_OBSOLETE]), now_ms)))
				continue;
			for (k = 0; k < resp->n; k++)
				if (resp->items[k].type == DNS_T_SRV && !resp->items[k].additional && !claimed[k])
					break;
			if (k < resp->n) {
				claimed[k] = 1;
				idx[i] = (int)k;
				srv->rsv_seen = now_ms;
			} else if (pass) {
				srv_clear_ip(srv, "", 0);
				target_resolution(srv, NULL);
				srv_rmaint(srv, "entry removed from SRV record");
			}
		}
	}
	for (i = 0; i < r->nsrv; i++)
		if (idx[i] >= 0)
			srv_take_record(r->srvs[i], &resp->items[idx[i]], resp);
}

/* Returns the index of the first `resolve-net` network of <srv> holding
 * the address of <it>, or the number of its networks if none does.
 */
static unsigned int net_rank(const struct server *srv, const struct dns_item *it)
{
	const struct srv_resolve_conf *rc = &srv->rsv;

	for (unsigned int n = 0; n < rc->nb_nets; n++) {
		unsigned int bits = rc->nets[n].bits, bytes = bits / 8;

		if (rc->nets[n].family != (it->type == DNS_T_A ? AF_INET : AF_INET6) ||
		    memcmp(it->ip, rc->nets[n].net, bytes))
			continue;
		if (bits % 8 && ((it->ip[bytes] ^ rc->nets[n].net[bytes]) & (0xff00 >> (bits % 8))))
			continue;
		return n;
	}
	return rc->nb_nets;
}

/* Returns the index of the address of <resp> (type <qtype>) that <srv>
 * takes: one no server holds (<claimed>; any with allow-dup-ip), in the
 * first of its `resolve-net` networks that has one, else the first; -1
 * if none is left.
 */
static int pick_item(const struct server *srv, const struct dns_response *resp, uint16_t qtype,
                     const unsigned char *claimed)
{
	int best = -1;

	for (unsigned int k = 0; k < resp->n; k++) {
		if (resp->items[k].type != qtype || (claimed[k] && !srv->rsv.allow_dup_ip))
			continue;
		if (best < 0 || net_rank(srv, &resp->items[k]) < net_rank(srv, &resp->items[best]))
			best = (int)k;
	}
	return best;
}

/* A valid answer <resp> for <r> came from <ns>. Each server keeps its
 * address while the answer lists it; one whose address left the answers
 * more than `hold obsolete` ago, or that has none, takes in order an
 * address no other server holds; one left without any loses its address
 * and goes into resolution maintenance. As HAProxy, the first server's
 * changes are "by <section>/<nameserver>", the others' "by DNS cache".
 */
static void resolution_valid(struct resolution *r, struct dns_nameserver *ns, const struct dns_response *resp)
{
	unsigned char claimed[DNS_MAX_ITEMS] = { 0 }, has[r->nsrv], moved[r->nsrv];
	char by[256];
	unsigned int i, k;

	r->status = RSV_ST_VALID;
	r->pending = 0;
	r->has_valid = 1;
	r->last_valid = now_ms;
	r->next_at = tick_add(now_ms, r->rs->t_resolve);
	count(&ns->cnt.valid);
	if (r->qtype == DNS_T_SRV) {
		resolution_valid_srv(r, resp);
		return;
	}
	for (i = 0; i < r->nsrv; i++) {
		struct server *srv = r->srvs[i];
		int best = pick_item(srv, resp, r->qtype, claimed);

		has[i] = moved[i] = 0;
		for (k = 0; k < resp->n; k++) {
			if (resp->items[k].type != r->qtype || (claimed[k] && !srv->rsv.allow_dup_ip) ||
			    !srv_has_ip(srv, &resp->items[k]))
				continue;
			/* still listed; but a better `resolve-net` address moves it */
			if (best >= 0 && net_rank(srv, &resp->items[best]) < net_rank(srv, &resp->items[k])) {
				moved[i] = 1;
				break;
			}
			claimed[k] = has[i] = 1;
			srv->rsv_seen = now_ms;
			break;
		}
	}
	/* servers with no address first, then those whose address is
	 * obsolete (HAProxy's order)
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < r->nsrv; i++) {
			struct server *srv = r->srvs[i];
			int none = !!(srv->addr.flags & ADDR_F_NAME), best;

			if (has[i] || none == pass ||
			    (pass && !moved[i] && !tick_is_expired(tick_add(srv->rsv_seen, r->rs->hold[RSV_HOLD_OBSOLETE]), now_ms)))
				continue;
			best = pick_item(srv, resp, r->qtype, claimed);
			k = best < 0 ? resp->n : (unsigned int)best;
			if (k < resp->n) {
				snprintf(by, sizeof(by), i ? "DNS cache" : "%s/%s", r->rs->id, ns->id);
				claimed[k] = has[i] = 1;
				srv_set_ip(srv, &resp->items[k], by, 0, NULL);
				count(&ns->cnt.update);
				srv->rsv_seen = now_ms;
			} else {
				if (!none)
					srv_clear_ip(srv, NULL, -1);
				srv_rmaint(srv, "No IP for server ");
			}
		}
	}
	for (i = 0; i < r->nsrv; i++) {
		struct server *srv = r->srvs[i];

		if (has[i] && (srv->flags & SRV_F_RMAINT) && server_change_admin(srv, SRV_F_RMAINT, 0)) {
			log_warning("Server %s/%s ('%s') is UP/READY (resolves again).", srv->proxy->id, srv->id, r->hostname);
			log_warning("Server %s/%s administratively READY thanks to valid DNS answer.", srv->proxy->id, srv->id);
		}
	}
}

/* Handles one datagram <buf> (<len> bytes) from <ns>. */
static void handle_answer(struct dns_nameserver *ns, const unsigned char *buf, size_t len)
{
	static struct dns_response resp;   /* thread 0 only: too big for the stack */
	struct resolvers *rs = ns->parent;
	struct resolution *r;
	enum rsv_status st;
	unsigned int wanted = 0;
	int ret;

	if (len > rs->payload) {
		count(&ns->cnt.too_big);
		return;
	}
	ret = dns_parse_response(buf, len, &resp);
	if (len < 2) {
		count(&ns->cnt.invalid);
		return;
	}
	resp.id = (uint16_t)((buf[0] << 8) | buf[1]);
	for (r = rs->res; r; r = r->next)
		if (r->pending && r->qid == resp.id)
			break;
	if (!r) {
		count(&ns->cnt.outdated);
		return;
	}
	if (ret < 0 || resp.qtype != r->qtype || !dns_name_eq(resp.qname, r->hostname)) {
		count(&ns->cnt.invalid);
		st = RSV_ST_OTHER;
	} else if (resp.truncated) {
		count(&ns->cnt.truncated);
		st = RSV_ST_OTHER;
	} else if (resp.rcode == DNS_RCODE_NXDOMAIN) {
		count(&ns->cnt.nx);
		st = RSV_ST_NX;
	} else if (resp.rcode == DNS_RCODE_REFUSED) {
		count(&ns->cnt.refused);
		st = RSV_ST_REFUSED;
	} else if (resp.rcode != DNS_RCODE_NOERROR) {
		count(&ns->cnt.other);
		st = RSV_ST_OTHER;
	} else {
		for (unsigned int i = 0; i < resp.n; i++)
			wanted += resp.items[i].type == r->qtype && !resp.items[i].additional;
		if (resp.cnames)
			count(&ns->cnt.cname);
		if (wanted) {
			resolution_valid(r, ns, &resp);
			return;
		}
		if (resp.ancount)
			count(&ns->cnt.other);
		else
			count(&ns->cnt.any_err);
		st = RSV_ST_OTHER;
	}
	/* an error: wait for every nameserver's answer, then try the other
	 * family once, then report
	 */
	if (++r->answers < rs->nb_ns)
		return;
	if (!r->fell_back && r->qtype != DNS_T_SRV) {
		r->fell_back = 1;
		r->qtype = r->qtype == DNS_T_A ? DNS_T_AAAA : DNS_T_A;
		send_query(r);
		r->retry_at = tick_add(now_ms, rs->t_retry);
		return;
	}
	resolution_error(r, st);
}

static void ns_iocb(int fd, unsigned int events, void *owner)
{
	static unsigned char buf[DNS_MAX_UDP];   /* thread 0 only */
	struct dns_nameserver *ns = owner;

	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0)
			break;   /* EAGAIN, or an ICMP error (ECONNREFUSED): the retry timer covers it */
		handle_answer(ns, buf, (size_t)n);
	}
	task_wakeup(ns->parent->task, TASK_WOKEN_IO);
}

/* The section's task: starts resolutions that are due, resends queries
 * unanswered after `timeout retry`, gives up after `resolve_retries`.
 */
static struct task *resolvers_process(struct task *t, void *ctx, unsigned int state)
{
	struct resolvers *rs = ctx;
	uint32_t next = TICK_ETERNITY;

	for (struct resolution *r = rs->res; r; r = r->next) {
		if (r->pending && tick_is_expired(r->retry_at, now_ms)) {
			if (!r->tries) {
				for (struct dns_nameserver *ns = rs->ns; ns; ns = ns->next)
					count(&ns->cnt.timeout);
				resolution_error(r, RSV_ST_TIMEOUT);
			} else {
				r->tries--;
				send_query(r);
				r->retry_at = tick_add(now_ms, rs->t_retry);
			}
		} else if (!r->pending && tick_is_expired(r->next_at, now_ms)) {
			resolution_start(r);
		}
		next = tick_first(next, r->pending ? r->retry_at : r->next_at);
	}
	task_set_expire(t, next);
	return t;
}

int resolvers_start(void)
{
	clock_update();
	for (struct resolvers *rs = resolvers_list; rs; rs = rs->next) {
		if (!rs->res)
			continue;
		rs->task = task_new(1UL, resolvers_process, rs, "resolvers");
		if (!rs->task)
			return -ENOMEM;
		for (struct dns_nameserver *ns = rs->ns; ns; ns = ns->next) {
			int fd = socket(ns->addr.ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

			if (fd < 0) {
				log_warning("resolvers %s: nameserver %s: cannot create a socket: %s.", rs->id, ns->id, strerror(errno));
				continue;
			}
			if (connect(fd, (struct sockaddr *)&ns->addr.ss, ns->addr.len) < 0) {
				log_warning("resolvers %s: nameserver %s: cannot connect: %s.", rs->id, ns->id, strerror(errno));
				close(fd);
				continue;
			}
			if (fd_insert(fd, 0, ns_iocb, ns, FD_EV_IN) < 0) {
				close(fd);
				return -ENOMEM;
			}
			ns->fd = fd;
		}
		/* every resolution starts at once: the first answers come
		 * within milliseconds of start-up
		 */
		for (struct resolution *r = rs->res; r; r = r->next) {
			r->next_at = now_ms ? now_ms : 1;
			for (unsigned int i = 0; i < r->nsrv; i++)
				r->srvs[i]->rsv_seen = now_ms;
		}
		task_wakeup(rs->task, TASK_WOKEN_INIT);
	}
	return 0;
}

void resolvers_stop(void)
{
	for (struct resolvers *rs = resolvers_list; rs; rs = rs->next) {
		for (struct dns_nameserver *ns = rs->ns; ns; ns = ns->next) {
			if (ns->fd < 0)
				continue;
			fd_remove(ns->fd);
			close(ns->fd);
			ns->fd = -1;
		}
	}
}
