/*
 * `show peers [<section>]`: HAProxy's layout (management.txt), one block
 * per section and per peer, plus Tollgate's per-table counters (updates
 * sent and received, what the peer acknowledged). Runs on the CLI's
 * thread: the fields are racy snapshots of thread 0's state, and no
 * connection is followed (it may be freed meanwhile).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tollgate/cli.h>
#include <tollgate/clock.h>
#include <tollgate/peer_xprt.h>
#include <tollgate/peers.h>
#include <tollgate/stktable.h>
#include <tollgate/task-t.h>
#include <tollgate/ticks.h>

/* State of a dump. */
struct peers_ctx {
	struct peers *ps;               /* section being dumped */
	struct peer *p;                 /* next peer, NULL: the section's header first */
	struct peers *only;             /* section asked for, NULL: all */
	int head_done;                  /* the section's header line was written */
	int dict;                       /* `show peers dict`: with the dictionary caches */
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

/* HAProxy's line of a table a peer is on (remote_table, last_local_table). */
static void table_line(FILE *f, const char *what, const struct peer_table *pt)
{
	if (pt)
		fprintf(f, "\n        %s:%p id=%s local_id=%u remote_id=%u", what, (const void *)pt, pt->t->id,
		        pt->local_id, pt->remote_id);
}

/* HAProxy's dump of the dictionary caches of <p> (`show peers dict`):
 * the values we gave ids to, up to the first free one, then every id the
 * peer may use, four a line. The values are interned for the process's
 * life, so a racy snapshot reads valid strings.
 */
static void dict_dump(FILE *f, const struct peer *p)
{
	unsigned int i, count = 0;

	fprintf(f, "\n        TX dictionary cache:");
	for (i = 0; i < PEER_DICT_CACHE; i++) {
		const char *v = __atomic_load_n(&p->tx_dict[i], __ATOMIC_RELAXED);

		if (!v)
			break;
		if (!count++)
			fprintf(f, "\n        ");
		fprintf(f, "  %3u -> %s", i, v);
		count &= 0x3;
	}
	fprintf(f, "\n        RX dictionary cache:");
	for (i = 0, count = 0; i < PEER_DICT_CACHE; i++) {
		const char *v = __atomic_load_n(&p->rx_dict[i], __ATOMIC_RELAXED);

		if (!count++)
			fprintf(f, "\n        ");
		fprintf(f, "  %3u -> %s", i, v ? v : "-");
		count &= 0x3;
	}
}

/* Writes the block of <p> into <f>; <dict>: with the dictionary caches. */
static void peer_block(FILE *f, struct peer *p, int dict)
{
	char addr[ADDR_STRLEN] = "", b1[32], b2[32], b3[32];
	struct peer_stats st;
	uint32_t lag, lag_ms;
	int active = p->last_state == PEER_CS_ESTABLISHED, tls_err;

	if (p->addr.kind != ADDR_NONE)
		addr_format(&p->addr, addr, sizeof(addr));
	else if (p->local && p->peers->has_bind)
		addr_format(&p->peers->bind_addr, addr, sizeof(addr));
	fprintf(f, "  %p: id=%s(%s,%s) addr=%s last_status=%s last_hdshk=%s\n"
	        "        reconnect=%s heartbeat=%s confirm=%d tx_hbt=%u rx_hbt=%u no_hbt=%u new_conn=%u proto_err=%u coll=%u\n"
	        "        flags=0x%x",
	        (void *)p, p->id, p->local ? "local" : "remote", active ? "active" : "inactive",
	        addr, status_str(p), p->last_hdshk ? rel(b1, sizeof(b1), p->last_hdshk, 1) : "<NEVER>",
	        p->local ? "<NEVER>" : rel(b2, sizeof(b2), p->reconnect, 0),
	        active ? rel(b3, sizeof(b3), p->heartbeat, 0) : "<NEVER>",
	        p->confirm, p->tx_hbt, p->rx_hbt, p->no_hbt, p->new_conn, p->proto_err, p->coll, p->flags);
	if (active) {
		/* HAProxy's session fields: its applet is our connection (only
		 * its address is printed: it is never followed), in the state
		 * of an established session (st0 7, "waiting for messages")
		 */
		fprintf(f, " appctx:%p st0=7 st1=0 task_calls=%llu state=EST\n        xprt=%s src=%s addr=%s",
		        __atomic_load_n((void **)&p->conn, __ATOMIC_RELAXED),
		        p->task ? (unsigned long long)atomic_load_explicit(&p->task->tl.calls, memory_order_relaxed) : 0ULL,
		        p->link_tls ? "SSL" : "RAW", p->link_src, p->link_dst);
	}
	table_line(f, "remote_table", __atomic_load_n(&p->rx_table, __ATOMIC_RELAXED));
	table_line(f, "last_local_table", __atomic_load_n(&p->tx_table, __ATOMIC_RELAXED));
	peer_get_stats(p, &st);
	if (!p->local)
		fprintf(f, "\n        reconnects=%u", st.reconnects);
	tls_err = __atomic_load_n(&p->tls_err, __ATOMIC_RELAXED);
	if (!p->local && tls_err)
		fprintf(f, " tls_error=\"%s\"", peer_xprt_err_str(tls_err));
	if (p->tables)
		fprintf(f, "\n        shared tables:");
	for (struct peer_table *pt = p->tables; pt; pt = pt->next) {
		/* HAProxy's fields first: update ids are per link here, so
		 * the table's are this link's: localupdate - last_pushed is
		 * what is not sent yet, as in HAProxy
		 */
		uint32_t unsent = peer_table_unsent(pt), last = pt->last_pushed + unsent;

		lag = peer_table_lag(pt, &lag_ms);
		fprintf(f, "\n          %p local_id=%u remote_id=%u flags=0x%x remote_data=0x%llx"
		        "\n              last_acked=%u last_pushed=%u last_get=%u teaching_origin=0 update=%u"
		        "\n              table:%p id=%s update=%u localupdate=%u commitupdate=%u refcnt=%u"
		        " tx_updates=%llu rx_updates=%llu lag=%u lag_ms=%u",
		        (void *)pt, pt->local_id, pt->remote_id, pt->teaching,
		        (unsigned long long)pt->remote_data, pt->last_acked, pt->last_pushed,
		        pt->last_get, pt->peer_acked, (void *)pt->t, pt->t->id, last, last,
		        pt->last_pushed, table_refcnt(pt->t),
		        (unsigned long long)pt->tx_updates, (unsigned long long)pt->rx_updates,
		        lag, lag_ms);
		/* the caches are the peer's, shown under each table as HAProxy does */
		if (dict)
			dict_dump(f, p);
		else
			fprintf(f, "\n        Dictionary cache not dumped (use \"show peers dict\")");
	}
	fprintf(f, "\n");
}

/* Writes the block of <p> whole, or nothing (-1: no room, call again). A
 * block larger than the output buffer is cut.
 */
static int dump_peer(struct cli_session *s, struct peer *p, int dict)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	int ret;

	if (!f)
		return cli_write(s, "(out of memory)\n", 16);
	peer_block(f, p, dict);
	fclose(f);
	if (!out)
		return cli_write(s, "(out of memory)\n", 16);
	if (n > CLI_OUTBUF_SIZE / 2) {
		n = CLI_OUTBUF_SIZE / 2;
		memcpy(out + n - 5, "...\n", 4);
		n--;
	}
	ret = cli_write(s, out, n);
	free(out);
	return ret;
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
			if (dump_peer(s, c->p, c->dict) < 0)
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

	if (argc > a && !strcmp(args[a], "dict"))
		c->dict = 1, a++;
	else if (argc > a && !strcmp(args[a], "-"))
		a++;            /* so that a section may be called "dict" */
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
