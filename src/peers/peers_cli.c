/*
 * `show peers [<section>]`: HAProxy's layout (management.txt), one block
 * per section and per peer, plus Tollgate's per-table counters (updates
 * sent and received, what the peer acknowledged). Runs on the CLI's
 * thread: the fields are racy snapshots of thread 0's state, and no
 * connection is followed (it may be freed meanwhile).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <tollgate/cli.h>
#include <tollgate/clock.h>
#include <tollgate/peer_xprt.h>
#include <tollgate/peers.h>
#include <tollgate/stktable.h>
#include <tollgate/ticks.h>

/* State of a dump. */
struct peers_ctx {
	struct peers *ps;               /* section being dumped */
	struct peer *p;                 /* next peer, NULL: the section's header first */
	struct peers *only;             /* section asked for, NULL: all */
	int head_done;                  /* the section's header line was written */
};

/* HAProxy's statuscode_str() of <p>'s last status. */
static const char *status_str(const struct peer *p)
{
	switch (p->last_state == PEER_CS_CONNECTING ? 100 : p->last_state == PEER_CS_WAIT_STATUS ? 110 : p->status) {
	case 100: return "CONN";
	case 110: return "HSHK";
	case 200: return "ESTA";
	case 300: return "RETR";
	case 501: return "PROT";
	case 502: return "VERS";
	case 503: return "NAME";
	case 504: return "UNKN";
	default:  return "NONE";
	}
}

void peer_get_stats(const struct peer *p, struct peer_stats *st)
{
	uint32_t hello = p->last_hdshk, sessions = p->sessions;

	st->connected = p->last_state == PEER_CS_ESTABLISHED;
	st->status = status_str(p);
	st->last_hello_ms = hello ? (int64_t)(uint32_t)(clock_ticks() - hello) : -1;
	st->reconnects = sessions ? sessions - 1 : 0;
	st->proto_err = p->proto_err;
}

/* Writes a date relative to now as HAProxy's human_time() does ("4s",
 * "1m30s", "2h5m", "3d4h"), "<PAST>" or "<NEVER>".
 */
static const char *rel(char *buf, size_t len, uint32_t tick, int past)
{
	uint32_t now = clock_ticks(), s;

	if (!tick_isset(tick))
		return "<NEVER>";
	if (!past && tick_is_expired(tick, now))
		return "<PAST>";
	s = (past ? now - tick : tick - now) / 1000;
	if (s < 60)
		snprintf(buf, len, "%us", s);
	else if (s < 3600)
		snprintf(buf, len, "%um%us", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%uh%um", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%ud%uh", s / 86400, s % 86400 / 3600);
	return buf;
}

static int dump_head(struct cli_session *s, struct peers *ps)
{
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t when = (time_t)ps->last_change;
	char b[32];
	struct tm tm;

	localtime_r(&when, &tm);
	return cli_printf(s, "%p: [%02d/%s/%04d:%02d:%02d:%02d] id=%s disabled=%d flags=0x%x resync_timeout=%s task_calls=%u\n",
	                  (void *)ps, tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	                  tm.tm_sec, ps->id, ps->disabled, (unsigned int)ps->resync,
	                  ps->resync == PEERS_RESYNC_DONE ? "<PAST>" : rel(b, sizeof(b), ps->resync_timeout, 0),
	                  ps->task_calls);
}

/* HAProxy's refcnt of a table: the sections that share it. */
static unsigned int table_refcnt(const struct stktable *t)
{
	unsigned int n = 0;

	for (struct peers *ps = peers_list; ps; ps = ps->next)
		for (unsigned int i = 0; i < ps->nb_tables; i++)
			n += ps->tables[i] == t;
	return n;
}

static int dump_peer(struct cli_session *s, struct peer *p)
{
	char out[4096], addr[ADDR_STRLEN] = "", b1[32], b2[32], b3[32];
	struct peer_stats st;
	uint32_t lag, lag_ms;
	int active = p->last_state == PEER_CS_ESTABLISHED, tls_err;
	size_t n = 0;

	if (p->addr.kind != ADDR_NONE)
		addr_format(&p->addr, addr, sizeof(addr));
	else if (p->local && p->peers->has_bind)
		addr_format(&p->peers->bind_addr, addr, sizeof(addr));
	n += (size_t)snprintf(out + n, sizeof(out) - n,
	                      "  %p: id=%s(%s,%s) addr=%s last_status=%s last_hdshk=%s\n"
	                      "        reconnect=%s heartbeat=%s confirm=%d tx_hbt=%u rx_hbt=%u no_hbt=%u new_conn=%u proto_err=%u coll=%u\n"
	                      "        flags=0x%x",
	                      (void *)p, p->id, p->local ? "local" : "remote", active ? "active" : "inactive",
	                      addr, status_str(p), p->last_hdshk ? rel(b1, sizeof(b1), p->last_hdshk, 1) : "<NEVER>",
	                      p->local ? "<NEVER>" : rel(b2, sizeof(b2), p->reconnect, 0),
	                      active ? rel(b3, sizeof(b3), p->heartbeat, 0) : "<NEVER>",
	                      p->confirm, p->tx_hbt, p->rx_hbt, p->no_hbt, p->new_conn, p->proto_err, p->coll,
	                      p->flags);
	if (active)
		n += (size_t)snprintf(out + n, sizeof(out) - n, " state=EST\n        src=%s", p->src);
	peer_get_stats(p, &st);
	if (!p->local)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "\n        reconnects=%u", st.reconnects);
	tls_err = __atomic_load_n(&p->tls_err, __ATOMIC_RELAXED);
	if (!p->local && tls_err)
		n += (size_t)snprintf(out + n, sizeof(out) - n, " tls_error=\"%s\"", peer_xprt_err_str(tls_err));
	if (p->tables) {
		n += (size_t)snprintf(out + n, sizeof(out) - n, "\n        shared tables:");
		for (struct peer_table *pt = p->tables; pt && n < sizeof(out) - 512; pt = pt->next) {
			/* HAProxy's fields first: update ids are per link here, so
			 * the table's are this link's: localupdate - last_pushed is
			 * what is not sent yet, as in HAProxy
			 */
			uint32_t unsent = peer_table_unsent(pt), last = pt->last_pushed + unsent;

			lag = peer_table_lag(pt, &lag_ms);
			n += (size_t)snprintf(out + n, sizeof(out) - n,
			                      "\n          %p local_id=%u remote_id=%u flags=0x%x remote_data=0x%llx"
			                      "\n              last_acked=%u last_pushed=%u last_get=%u teaching_origin=0 update=%u"
			                      "\n              table:%p id=%s update=%u localupdate=%u commitupdate=%u refcnt=%u"
			                      " tx_updates=%llu rx_updates=%llu lag=%u lag_ms=%u",
			                      (void *)pt, pt->local_id, pt->remote_id, pt->teaching,
			                      (unsigned long long)pt->remote_data, pt->last_acked, pt->last_pushed,
			                      pt->last_get, pt->peer_acked, (void *)pt->t, pt->t->id, last, last,
			                      pt->last_pushed, table_refcnt(pt->t),
			                      (unsigned long long)pt->tx_updates, (unsigned long long)pt->rx_updates,
			                      lag, lag_ms);
		}
	}
	n += (size_t)snprintf(out + n, sizeof(out) - n, "\n");
	return cli_write(s, out, n < sizeof(out) ? n : sizeof(out) - 1);
}

static int dump_peers(struct cli_session *s)
{
	struct peers_ctx *c = cli_ctx(s);

	for (; c->ps; c->ps = c->ps->next, c->head_done = 0) {
		if (c->only && c->only != c->ps)
			continue;
		if (!c->head_done) {
			if (dump_head(s, c->ps) < 0)
				return 0;
			c->head_done = 1;
			c->p = c->ps->list;
		}
		for (; c->p; c->p = c->p->next)
			if (dump_peer(s, c->p) < 0)
				return 0;
		if (cli_write(s, "\n", 1) < 0)
			return 0;
	}
	return 1;
}

static int parse_show_peers(struct cli_session *s, int argc, char **args)
{
	struct peers_ctx *c = cli_ctx(s);
	int a = 2;

	if (argc > a && (!strcmp(args[a], "dict") || !strcmp(args[a], "-")))
		a++;            /* the dictionary caches are not kept */
	if (argc > a) {
		c->only = peers_find(args[a]);
		if (!c->only)
			return cli_err(s, "No such peers\n");
	}
	c->ps = peers_list;
	return CLI_DUMP;
}

static struct cli_kw peers_cli_kws[] = {
	{ { "show", "peers", NULL }, "show peers [dict|-] [section]           : dump some information about all the peers or this peers section",
	  CLI_LVL_USER, parse_show_peers, dump_peers, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list peers_cli_list = { peers_cli_kws, NULL };

__attribute__((constructor)) static void peers_cli_register(void)
{
	cli_register(&peers_cli_list);
}
