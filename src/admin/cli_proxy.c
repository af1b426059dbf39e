/*
 * Admin socket commands on the proxy: show stat, show servers
 * state, show backend, and the server changes (enable/disable server, set
 * server state/weight, set maxconn server).
 *
 * Output formats are HAProxy 3.x's: `show stat` prints
 * HAProxy's CSV header and column order with empty fields where Tollgate
 * has no value. Counters are per thread and summed on read (counters.h).
 * HTTP columns (req_tot, hrsp_*, intercepted) are filled for mode http
 * proxies only, as HAProxy; a server's check columns come from
 * check_status_name()/check_status_code() (check.h), readable from any
 * thread.
 *
 * Server changes alter flags and weights that other workers read without a
 * lock (lb_srv_usable()): they are made under thread isolation, then the
 * backend's load-balancing view is rebuilt (lb_update(), its own lock).
 *
 * The `show stat` rows (and their CSV lines) are also exported, for the Prometheus exporter (promex.c) and the stats page
 * (stats_page.c), through stat_rows.h; `show info` is in cli_info.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tollgate/buffer.h>
#include <tollgate/addr.h>
#include <tollgate/check.h>
#include <tollgate/cli.h>
#include <tollgate/clock.h>
#include <tollgate/counters.h>
#include <tollgate/freq_ctr.h>
#include <tollgate/global.h>
#include <tollgate/isolate.h>
#include <tollgate/lb.h>
#include <tollgate/listener.h>
#include <tollgate/log.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/stats.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/version.h>

#include "stat_rows.h"

/* ---- show stat ---- */


#define NCOLS STAT_NCOLS
#define VALSZ 64

/* A row being built: one short text per column, "" when empty. */
struct stat_row {
	char v[NCOLS][VALSZ];
	const struct proxy *px;      /* proxy described */
	const struct server *sv;     /* server described, NULL if none */
};

static int col(const char *name)
{
	for (int i = 0; i < NCOLS; i++)
		if (!strcmp(stat_cols[i], name))
			return i;
	BUG_ON(1);
	return 0;
}

static void setv(struct stat_row *r, const char *name, const char *fmt, ...) PRINTF_FMT(3, 4);
static void setv(struct stat_row *r, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->v[col(name)], VALSZ, fmt, ap);
	va_end(ap);
}

static void setu(struct stat_row *r, const char *name, unsigned long long v)
{
	setv(r, name, "%llu", v);
}

int stat_csv_line(const struct stat_row *r, char *out, size_t room)
{
	size_t n = 0;

	if (!r) {
		if (room < 2)
			return -1;
		out[n++] = '#';
		out[n++] = ' ';
	}
	for (int i = 0; i < NCOLS; i++) {
		const char *v = r ? r->v[i] : stat_cols[i];
		size_t l = strlen(v);

		if (n + l + 1 > room)
			return -1;
		memcpy(out + n, v, l);
		n += l;
		out[n++] = ',';
	}
	if (n + 1 > room)
		return -1;
	out[n++] = '\n';
	return (int)n;
}

int stat_row_format(const struct stat_row *r, enum stat_fmt fmt, int first, int desc, char *out,
                    size_t room)
{
	size_t n = 0;
	int type = atoi(r->v[col("type")]);
	int iid = atoi(r->v[col("iid")]);
	int sid = atoi(r->v[col("sid")]);
	int nf = 0;

	if (fmt == FMT_PLAIN)
		return stat_csv_line(r, out, room);
	if (fmt == FMT_JSON) {
		if (room < 3)
			return -1;
		if (!first)
			out[n++] = ',';
		out[n++] = '[';
	}
	for (int i = 0; i < NCOLS; i++) {
		size_t l = strlen(r->v[i]);
		/* "MCPP:u64": tags, then the type */
		const char *tags = stat_col_tags[i][type >= 0 && type <= 2 ? type : 0], *ty = tags + 5;
		int len;

		if (!l)
			continue; /* typed formats list filled fields only */
		if (fmt == FMT_TYPED) {
			len = snprintf(out + n, room - n, "%c.%d.%d.%d.%s.1:%.4s:%s:%s%s%s%s\n",
			               type == 0 ? 'F' : type == 1 ? 'B' : type == 2 ? 'S' : 'L',
			               iid, sid, i, stat_cols[i], tags, ty, r->v[i],
			               desc ? ":\"" : "", desc ? stat_col_desc[i] : "", desc ? "\"" : "");
			if (len < 0 || (size_t)len >= room - n)
				return -1;
			n += (size_t)len;
			continue;
		}
		len = snprintf(out + n, room - n,
		               "%s{\"objType\":\"%s\",\"proxyId\":%d,\"id\":%d,\"field\":{\"pos\":%d,\"name\":\"%s\"},\"processNum\":1,",
		               nf ? "," : "", type == 0 ? "Frontend" : type == 1 ? "Backend" : type == 2 ? "Server" : "Listener",
		               iid, sid, i, stat_cols[i]);
		if (len < 0 || (size_t)len >= room - n)
			return -1;
		n += (size_t)len;
		if (stat_json_tags_value(out, room, &n, tags, ty, r->v[i]) < 0)
			return -1;
		nf++;
	}
	if (room - n < 2)
		return -1;
	if (fmt == FMT_JSON)
		out[n++] = ']';
	return (int)n;
}

/* Writes <r> in format <fmt> (stat_row_format()) into the session's output.
 * Returns -1 (nothing written) if it does not fit.
 */
static int put_row(struct cli_session *s, const struct stat_row *r, enum stat_fmt fmt, int first,
                   int desc)
{
	size_t room;
	char *out = cli_tail(s, &room);
	int n = stat_row_format(r, fmt, first, desc, out, room);

	if (n < 0)
		return -1;
	cli_commit(s, (size_t)n);
	return 0;
}

/* Sums the per-thread rate counter at byte offset <off> of <n> structs of
 * <stride> bytes at <base>: events over the last second.
 */
static unsigned int rate_sum(const void *base, size_t stride, size_t off)
{
	uint32_t now = clock_ticks();
	unsigned int sum = 0;

	for (int t = 0; t < (thread_count > 0 ? thread_count : 1); t++)
		sum += freq_ctr_read((struct freq_ctr *)((char *)base + (size_t)t * stride + off), 1000, now);
	return sum;
}

#define RATE_SUM(arr, field) rate_sum((arr), sizeof((arr)[0]), offsetof(__typeof__((arr)[0]), field))

/* Returns <rate> after raising the maximum <max> to it. */
static unsigned int rate_seen(unsigned int rate, const _Atomic unsigned int *max)
{
	counter_max((_Atomic unsigned int *)max, rate); /* an atomic: const only for the rows */
	return rate;
}

/* Seconds since the last state change recorded in <st> (lastchg). */
static unsigned long long last_change_age(const struct stat_extra *st, uint64_t now)
{
	uint64_t at = atomic_load_explicit(&st->last_change_ns, memory_order_relaxed);

	if (!at)
		at = stat_start_ns();
	return now > at ? (now - at) / 1000000000ULL : 0;
}

/* Seconds spent DOWN (downtime): the recorded time, plus the time since the
 * last change if <down> now.
 */
static unsigned long long down_time(const struct stat_extra *st, int down, uint64_t now)
{
	uint64_t t = atomic_load_explicit(&st->down_ns, memory_order_relaxed);
	uint64_t at = atomic_load_explicit(&st->last_change_ns, memory_order_relaxed);

	if (!at)
		at = stat_start_ns();
	if (down && now > at)
		t += now - at;
	return t / 1000000000ULL;
}

/* Fills the time averages (qtime, ctime, rtime, ttime: HAProxy's sliding
 * averages over the last STATS_TIME_SAMPLES requests; each thread's sum is
 * weighed by its samples) and their maxima, from the per-thread sums at
 * byte offset <off> of the <stride>-byte counters at <base>.
 */
static void row_times(struct stat_row *r, const void *base, size_t stride, size_t off,
                      const struct stat_extra *st)
{
	static const char *const avg[4] = { "qtime", "ctime", "rtime", "ttime" };
	static const char *const max[4] = { "qtime_max", "ctime_max", "rtime_max", "ttime_max" };
	uint64_t sum[4] = { 0 }, n = 0;

	for (int t = 0; t < (thread_count > 0 ? thread_count : 1); t++) {
		const struct stat_times *tm = (const void *)((const char *)base + (size_t)t * stride + off);
		uint64_t c = atomic_load_explicit(&tm->samples, memory_order_relaxed);

		n += c < STATS_TIME_SAMPLES ? c : STATS_TIME_SAMPLES;
		for (int k = 0; k < 4; k++)
			sum[k] += atomic_load_explicit(&tm->sum[k], memory_order_relaxed);
	}
	for (int k = 0; k < 4; k++) {
		setu(r, avg[k], n ? (sum[k] + n - 1) / n : 0);
		setu(r, max[k], atomic_load_explicit(&st->time_max[k], memory_order_relaxed));
	}
}

#define ROW_TIMES(r, arr, st) row_times((r), (arr), sizeof((arr)[0]), offsetof(__typeof__((arr)[0]), tm), (st))

void stat_rates_sample(void)
{
	for (const struct proxy *px = proxies_list; px; px = px->next) {
		if (px->cap & PR_CAP_FE) {
			rate_seen(RATE_SUM(px->ctr, conn_per_sec), &px->st.cps_max);
			rate_seen(RATE_SUM(px->ctr, req_per_sec), &px->st.rps_max);
		}
		rate_seen(RATE_SUM(px->ctr, sess_per_sec), &px->st.sps_max);
		for (const struct server *sv = px->srv; sv; sv = sv->next)
			rate_seen(RATE_SUM(sv->ctr, sess_per_sec), &sv->st.sps_max);
	}
}

static void row_common(struct stat_row *r, const struct proxy *px, const char *svname, int type)
{
	memset(r, 0, sizeof(*r));
	r->px = px;
	setv(r, "pxname", "%s", px->id);
	setv(r, "svname", "%s", svname);
	setv(r, "pid", "1");
	setv(r, "iid", "%d", px->uuid);
	setv(r, "type", "%d", type);
	setv(r, "mode", "%s", px->mode == PR_MODE_HTTP ? "http" : px->mode == PR_MODE_LOG ? "log" : "tcp");
}

/* The HTTP response columns, by class as the counters' rsp[] arrays. */
static const char *const hrsp[6] = {
	"hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other",
};

/* Fills the HTTP counters that frontends and backends share: requests
 * and responses by class. Only for a mode http proxy <px> (HAProxy leaves
 * them empty in mode tcp). A `listen` proxy has one set of counters for
 * both of its rows, but its requests count once per row: received
 * (frontend) and passed to a server (backend, <backend> set).
 */
static void row_http(struct stat_row *r, const struct proxy *px, int backend)
{

	setu(r, "req_tot", backend ? COUNTER_SUM(px->ctr, be_req) : COUNTER_SUM(px->ctr, cum_req));
	for (int i = 0; i < 6; i++)
		setu(r, hrsp[i], COUNTER_SUM(px->ctr, rsp[i]));
}

static void row_frontend(struct stat_row *r, const struct proxy *px)
{
	row_common(r, px, "FRONTEND", 0);
	setu(r, "scur", atomic_load(&px->feconn));
	setu(r, "smax", atomic_load(&px->st.cur_max));
	setu(r, "slim", px->maxconn ? px->maxconn : global.maxconn);
	setu(r, "stot", COUNTER_SUM(px->ctr, cum_sess));
	setu(r, "bin", COUNTER_SUM(px->ctr, bytes_in));
	setu(r, "h1_spliced_bytes_in", COUNTER_SUM(px->ctr, spl_fe_in));
	setu(r, "h1_spliced_bytes_out", COUNTER_SUM(px->ctr, spl_fe_out));
	setu(r, "bout", COUNTER_SUM(px->ctr, bytes_out));
	/* HAProxy's dreq: tcp-request content rejects and http-request denies */
	setu(r, "dreq", COUNTER_SUM(px->ctr, denied_sess) + COUNTER_SUM(px->ctr, denied_req));
	setu(r, "dresp", COUNTER_SUM(px->ctr, denied_resp));
	setu(r, "ereq", COUNTER_SUM(px->ctr, failed_req));
	setv(r, "status", "%s", px->disabled ? "STOP" : atomic_load(&px->paused) ? "PAUSED" : "OPEN");
	setv(r, "sid", "0");
	setu(r, "rate", rate_seen(RATE_SUM(px->ctr, sess_per_sec), &px->st.sps_max));
	setu(r, "rate_lim", 0);
	setu(r, "rate_max", atomic_load(&px->st.sps_max));
	setu(r, "conn_rate", rate_seen(RATE_SUM(px->ctr, conn_per_sec), &px->st.cps_max));
	setu(r, "conn_rate_max", atomic_load(&px->st.cps_max));
	setu(r, "conn_tot", COUNTER_SUM(px->ctr, cum_conn));
	setu(r, "dcon", COUNTER_SUM(px->ctr, denied_conn));
	setu(r, "dses", COUNTER_SUM(px->ctr, denied_sess));
	if (px->mode == PR_MODE_HTTP) {
		row_http(r, px, 0);
		setu(r, "intercepted", COUNTER_SUM(px->ctr, intercepted));
		setu(r, "req_rate", rate_seen(RATE_SUM(px->ctr, req_per_sec), &px->st.rps_max));
		setu(r, "req_rate_max", atomic_load(&px->st.rps_max));
	}
}

static const char *srv_status(const struct server *sv)
{
	int up = atomic_load(&sv->cur_state) == SRV_ST_RUNNING;

	if (sv->flags & SRV_F_MAINT)
		return "MAINT";
	if (sv->flags & SRV_F_RMAINT)
		return "MAINT (resolution)";
	if ((sv->flags & SRV_F_DRAIN) && up)
		return sv->agent ? "DRAIN (agent)" : "DRAIN";
	if (!up && atomic_load(&sv->agent_down))
		return "DOWN (agent)";
	if (!sv->check)
		return up ? "no check" : "DOWN";
	return up ? "UP" : "DOWN";
}

/* HAProxy's check statuses that Tollgate reports (check_status_name()),
 * with what HAProxy prints for them: the number (enum healthcheck_status)
 * and the result (enum chk_result: 0 unknown, 2 failed, 3 passed) of `show
 * servers state`, the check_desc text of `show stat`, and whether the
 * status carries a layer 5-7 code (check_code).
 */
struct chk_st {
	const char *name;            /* short name, as check_status_name() */
	int num;                     /* srv_check_status */
	int result;                  /* srv_check_result */
	int l57data;                 /* check_code is shown */
	const char *desc;            /* check_desc */
};

static const struct chk_st chk_sts[] = {
	{ "INI",    1,  0, 0, "Initializing" },
	{ "L4OK",   6,  3, 0, "Layer4 check passed" },
	{ "L4TOUT", 7,  2, 0, "Layer4 timeout" },
	{ "L4CON",  8,  2, 0, "Layer4 connection problem" },
	{ "L6OK",   9,  3, 0, "Layer6 check passed" },
	{ "L6TOUT", 10, 2, 0, "Layer6 timeout" },
	{ "L6RSP",  11, 2, 0, "Layer6 invalid response" },
	{ "L7TOUT", 12, 2, 0, "Layer7 timeout" },
	{ "L7RSP",  13, 2, 0, "Layer7 invalid response" },
	{ "L7OK",   15, 3, 1, "Layer7 check passed" },
	{ "L7STS",  17, 2, 1, "Layer7 wrong status" },
};

/* Returns the entry of the check status <name> (check_status_name()); INI's
 * for "" (a server without a check: HAProxy's initial status) or a name not
 * in the table.
 */
static const struct chk_st *chk_st_named(const char *name)
{
	for (int i = 0; i < (int)ARRAY_SIZE(chk_sts); i++)
		if (!strcmp(chk_sts[i].name, name))
			return &chk_sts[i];
	return &chk_sts[0];
}

static void row_server(struct stat_row *r, const struct proxy *px, const struct server *sv)
{
	char addr[ADDR_STRLEN];
	uint64_t now = clock_mono_ns();
	int down = atomic_load(&sv->cur_state) != SRV_ST_RUNNING;

	row_common(r, px, sv->id, 2);
	r->sv = sv;
	setu(r, "qcur", atomic_load(&sv->queued));
	setu(r, "qmax", 0);     /* streams queue on the backend, never on a server */
	setu(r, "scur", atomic_load(&sv->cur_conns));
	setu(r, "smax", atomic_load(&sv->max_conns));
	if (sv->maxconn)
		setu(r, "slim", sv->maxconn);
	setu(r, "stot", COUNTER_SUM(sv->ctr, cum_conn));
	setu(r, "bin", COUNTER_SUM(sv->ctr, bytes_in));
	setu(r, "bout", COUNTER_SUM(sv->ctr, bytes_out));
	setu(r, "dresp", 0);
	setu(r, "econ", COUNTER_SUM(sv->ctr, failed_conns));
	setu(r, "eresp", COUNTER_SUM(sv->ctr, failed_resp));
	setu(r, "wretr", COUNTER_SUM(sv->ctr, retries));
	setu(r, "wredis", COUNTER_SUM(sv->ctr, redispatches));
	setv(r, "status", "%s", srv_status(sv));
	setu(r, "weight", sv->uweight);
	setu(r, "uweight", sv->uweight);
	setu(r, "act", (sv->flags & SRV_F_BACKUP) ? 0 : 1);
	setu(r, "bck", (sv->flags & SRV_F_BACKUP) ? 1 : 0);
	setv(r, "sid", "%d", sv->puid);
	setu(r, "lbtot", COUNTER_SUM(sv->ctr, cum_conn));
	if (px->mode == PR_MODE_HTTP) {
		setu(r, "req_tot", COUNTER_SUM(sv->ctr, cum_req));
		for (int i = 0; i < 6; i++)
			setu(r, hrsp[i], COUNTER_SUM(sv->ctr, rsp[i]));
	}
	setu(r, "rate", rate_seen(RATE_SUM(sv->ctr, sess_per_sec), &sv->st.sps_max));
	setu(r, "rate_max", atomic_load(&sv->st.sps_max));
	setu(r, "lastchg", last_change_age(&sv->st, now));
	ROW_TIMES(r, sv->ctr, &sv->st);
	if (sv->tracked)
		setv(r, "tracked", "%s/%s", sv->tracked->proxy->id, sv->tracked->id);
	if (sv->cookie)
		setv(r, "cookie", "%s", sv->cookie);
	if (check_enabled(sv, 0)) {
		/* as HAProxy: check counters and downtime for checked servers
		 * ("disable health" empties them all)
		 */
		setu(r, "chkfail", atomic_load(&sv->st.failed_checks));
		setu(r, "chkdown", atomic_load(&sv->st.down_trans));
		setu(r, "downtime", down_time(&sv->st, down, now));
		const struct chk_st *st = chk_st_named(check_status_name(sv));

		setv(r, "check_status", "%s", st->name);
		/* as HAProxy: a code only for the statuses that carry layer 5-7 data */
		if (st->l57data)
			setu(r, "check_code", (unsigned long long)check_status_code(sv));
		setv(r, "check_desc", "%s", st->desc);
		setu(r, "check_rise", sv->rise);
		setu(r, "check_fall", sv->fall);
		setu(r, "check_health", (unsigned long long)check_health(sv));
	}
	if (check_enabled(sv, 1)) {
		const struct chk_st *st = chk_st_named(check_agent_status_name(sv));

		setv(r, "agent_status", "%s", st->name);
		setv(r, "agent_desc", "%s", st->desc);
	}
	/* a name not resolved yet (init-addr none): no address, as HAProxy */
	if (!(sv->addr.flags & ADDR_F_NAME)) {
		addr_format(&sv->addr, addr, sizeof(addr));
		setv(r, "addr", "%s", addr);
	}
}

static void row_backend(struct stat_row *r, const struct proxy *px)
{
	unsigned int weight = 0;
	int act = 0, bck = 0;
	uint64_t now = clock_mono_ns();

	row_common(r, px, "BACKEND", 1);
	server_count_usable(px, &act, &bck);
	for (const struct server *sv = px->srv; sv; sv = sv->next)
		if (lb_srv_usable(sv) && !(sv->flags & SRV_F_BACKUP))
			weight += sv->uweight;
	setu(r, "qcur", atomic_load(&px->nbpend));
	setu(r, "qmax", atomic_load(&px->st.queue_max));
	setu(r, "scur", atomic_load(&px->beconn));
	setu(r, "smax", atomic_load(&px->st.cur_max));
	setu(r, "stot", COUNTER_SUM(px->ctr, cum_lbconn));
	setu(r, "bin", COUNTER_SUM(px->ctr, bytes_in));
	setu(r, "h1_spliced_bytes_in", COUNTER_SUM(px->ctr, spl_be_in));
	setu(r, "h1_spliced_bytes_out", COUNTER_SUM(px->ctr, spl_be_out));
	setu(r, "bout", COUNTER_SUM(px->ctr, bytes_out));
	setu(r, "dreq", COUNTER_SUM(px->ctr, denied_req));
	setu(r, "dresp", COUNTER_SUM(px->ctr, denied_resp));
	setu(r, "econ", COUNTER_SUM(px->ctr, failed_conns));
	setu(r, "eresp", COUNTER_SUM(px->ctr, failed_resp));
	setu(r, "wretr", COUNTER_SUM(px->ctr, retries));
	setu(r, "wredis", COUNTER_SUM(px->ctr, redispatches));
	if (px->mode == PR_MODE_HTTP)
		row_http(r, px, 1);
	/* HAProxy's rule: UP with a usable server, or with no server at all */
	setv(r, "status", "%s", (act || bck || !px->srv) ? "UP" : "DOWN");
	setu(r, "chkdown", atomic_load(&px->st.down_trans));
	setu(r, "lastchg", last_change_age(&px->st, now));
	ROW_TIMES(r, px->ctr, &px->st);
	if (px->srv)
		setu(r, "downtime", down_time(&px->st, !act && !bck, now));
	setu(r, "weight", weight);
	setu(r, "uweight", weight);
	setu(r, "act", (unsigned long long)act);
	setu(r, "bck", (unsigned long long)bck);
	setv(r, "sid", "0");
	setu(r, "lbtot", COUNTER_SUM(px->ctr, cum_lbconn));
	setu(r, "rate", rate_seen(RATE_SUM(px->ctr, sess_per_sec), &px->st.sps_max));
	setu(r, "rate_max", atomic_load(&px->st.sps_max));
	if (px->cookie.name)
		setv(r, "cookie", "%s", px->cookie.name);
	setu(r, "cli_abrt", COUNTER_SUM(px->ctr, cli_aborts));
	setu(r, "srv_abrt", COUNTER_SUM(px->ctr, srv_aborts));
	if (px->lb_name)
		setv(r, "algo", "%s", px->lb_name);
}

/* Position in the rows of show stat: a proxy, then a step inside it. */
struct stat_cursor {
	struct proxy *px;            /* proxy being walked */
	int step;                    /* 0: frontend, 1: servers, 2: backend */
	struct server *sv;           /* next server */
	unsigned int sv_idx;         /* its position in the list */
	unsigned int gen;            /* server_list_gen when <sv> was taken */
};

/* Returns the server at position <idx> of <px>, through the cached
 * <*sv> unless a server was removed since <*gen> (server.h).
 */
static struct server *cursor_server(const struct proxy *px, struct server **sv,
                                    unsigned int idx, unsigned int *gen)
{
	unsigned int now = atomic_load(&server_list_gen);

	if (*gen != now) {
		*sv = server_at(px, idx);
		*gen = now;
	}
	return *sv;
}

/* Fills <r> with the row at <c> and moves <c> past it. Returns 1, or 0
 * (<r> untouched) after the last row.
 */
static int stat_cursor_next(struct stat_cursor *c, struct stat_row *r)
{
	while (c->px) {
		struct proxy *px = c->px;

		if (c->step == 0) {
			c->step = 1;
			c->sv = px->srv;
			c->sv_idx = 0;
			c->gen = atomic_load(&server_list_gen);
			if (px->cap & PR_CAP_FE) {
				row_frontend(r, px);
				return 1;
			}
		}
		if (c->step == 1) {
			if ((px->cap & PR_CAP_BE) && cursor_server(px, &c->sv, c->sv_idx, &c->gen)) {
				row_server(r, px, c->sv);
				c->sv = c->sv->next;
				c->sv_idx++;
				return 1;
			}
			c->step = 2;
			if (px->cap & PR_CAP_BE) {
				row_backend(r, px);
				return 1;
			}
		}
		c->px = px->next;
		c->step = 0;
	}
	return 0;
}

/* 1 if <hide> (STAT_HIDE_*) leaves server row <r> out: HAProxy's rules,
 * `up` hides servers in maintenance and stopped ones, `no-maint` those in
 * maintenance.
 */
static int stat_row_hidden(const struct stat_row *r, int hide)
{
	if (!r->sv)
		return 0;
	if ((hide & (STAT_HIDE_DOWN | STAT_HIDE_MAINT)) && (r->sv->flags & SRV_F_MAINT))
		return 1;
	return (hide & STAT_HIDE_DOWN) && atomic_load(&r->sv->cur_state) != SRV_ST_RUNNING;
}

/* With `up` or `no-maint`, HAProxy appends to a backend's status the
 * servers up and the servers it has: "UP (1/2)".
 */
static void stat_status_counts(struct stat_row *r)
{
	char *v = r->v[col("status")];
	size_t len = strlen(v);
	int up = 0, all = 0;

	for (const struct server *sv = r->px->srv; sv; sv = sv->next) {
		all++;
		up += atomic_load(&sv->cur_state) == SRV_ST_RUNNING && !(sv->flags & SRV_F_MAINT);
	}
	snprintf(v + len, VALSZ - len, " (%d/%d)", up, all);
}

int stat_rows_foreach(int hide, int (*cb)(const struct stat_row *r, void *arg), void *arg)
{
	struct stat_cursor c = { .px = proxies_list };
	struct stat_row *r = malloc(sizeof(*r));
	int ret = 0;

	if (!r)
		return -ENOMEM;
	while (!ret && stat_cursor_next(&c, r)) {
		if (stat_row_hidden(r, hide))
			continue;
		if (hide && !r->sv && !strcmp(r->v[col("svname")], "BACKEND"))
			stat_status_counts(r);
		ret = cb(r, arg);
	}
	free(r);
	return ret;
}

const char *stat_row_get(const struct stat_row *r, const char *name)
{
	return r->v[col(name)];
}

const struct proxy *stat_row_proxy(const struct stat_row *r)
{
	return r->px;
}

const struct server *stat_row_server(const struct stat_row *r)
{
	return r->sv;
}

/* Dump position. */
struct stat_ctx {
	struct stat_cursor cur;      /* next row */
	int started;                 /* header written */
	int rows;                    /* rows written */
	enum stat_fmt fmt;           /* output format */
	int desc;                    /* `desc`: typed lines end with the field's description */
	struct stat_row *row;        /* scratch row (malloc'ed) */
	int iid;                     /* only this proxy id, -1: all */
	const struct proxy *px_only; /* ditto, first match: its name is compared */
	int types;                   /* row types shown: 1 frontend, 2 backend, 4 server */
	int sid;                     /* only this server id, -1: all */
	int hide;                    /* STAT_HIDE_*: `up`, `no-maint` */
};

/* The `<iid> <type> <sid>` filter of show stat: 1 if row <r> passes. */
static int stat_row_wanted(const struct stat_ctx *c, const struct stat_row *r)
{
	if (c->iid >= 0 && r->px->uuid != c->iid)
		return 0;
	if (c->px_only && strcmp(r->px->id, c->px_only->id))
		return 0;
	if (r->sv) {
		if (stat_row_hidden(r, c->hide))
			return 0;
		return (c->types & 4) && (c->sid < 0 || r->sv->puid == c->sid);
	}
	return !!(c->types & (!strcmp(r->v[col("svname")], "FRONTEND") ? 1 : 2));
}

/* `show stat domain resolvers` without any resolvers: HAProxy's header of
 * that domain in CSV, an empty list in JSON, nothing typed.
 */
static int stat_resolvers_empty(struct cli_session *s, int fmt)
{
	/* a dump, not a message: no severity prefix */
	if (fmt == FMT_JSON)
		cli_printf(s, "[]\n");
	else if (fmt == FMT_PLAIN)
		cli_printf(s, "# id,pid,sent,send_error,valid,update,cname,cname_error,any_err,nx,timeout,refused,other,invalid,too_big,truncated,outdated,\n");
	return CLI_DONE;
}

/* The option words of show stat, after the optional filter. */
static int stat_is_option(const char *w)
{
	static const char *const opts[] = { "typed", "json", "desc", "float", "up", "no-maint" };

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (!strcmp(w, opts[i]))
			return 1;
	return 0;
}

static int parse_show_stat(struct cli_session *s, int argc, char **args)
{
	struct stat_ctx *c = cli_ctx(s);

	/* show stat domain proxy|resolvers ...: proxy is the default; Tollgate
	 * has no resolvers section, so that domain has no rows
	 */
	if (argc > 2 && !strcmp(args[2], "domain")) {
		if (argc < 4 || (strcmp(args[3], "proxy") && strcmp(args[3], "resolvers")))
			return cli_err(s, "Invalid statistics domain.\n");
		if (!strcmp(args[3], "resolvers"))
			return stat_resolvers_empty(s, stat_parse_fmt(argc, args, 4));
		args += 2;
		argc -= 2;
	}
	c->row = malloc(sizeof(*c->row));
	if (!c->row)
		return cli_err(s, "Out of memory.\n");
	c->cur.px = proxies_list;
	c->fmt = stat_parse_fmt(argc, args, 2);
	c->desc = stat_parse_desc(argc, args, 2);
	c->iid = c->sid = -1;
	c->types = 7;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(args[i], "up"))
			c->hide |= STAT_HIDE_DOWN;
		else if (!strcmp(args[i], "no-maint"))
			c->hide |= STAT_HIDE_MAINT;
	}
	/* show stat [{<iid>|<proxy>} <type> <sid>] [typed|json|desc|up|no-maint]* */
	if (argc >= 5 && !stat_is_option(args[2])) {
		char *end;
		long v = strtol(args[2], &end, 10);

		if (*end) {
			for (c->px_only = proxies_list; c->px_only && strcmp(c->px_only->id, args[2]);
			     c->px_only = c->px_only->next)
				;
			if (!c->px_only)
				return cli_err(s, "No such proxy.\n");
		} else {
			c->iid = v < 0 ? -1 : (int)v;
		}
		v = strtol(args[3], &end, 10);
		c->types = *end ? 0 : v < 0 ? 7 : (int)v;
		v = strtol(args[4], &end, 10);
		c->sid = *end || v < 0 ? -1 : (int)v;
	}
	return CLI_DUMP;
}

/* Writes row <c->row>; returns -1 if there is no room. */
static int stat_put(struct cli_session *s, struct stat_ctx *c)
{
	if (put_row(s, c->row, c->fmt, !c->rows, c->desc) < 0)
		return -1;
	c->rows++;
	return 0;
}

static int dump_show_stat(struct cli_session *s)
{
	struct stat_ctx *c = cli_ctx(s);
	struct stat_cursor at;

	if (!c->started && c->fmt != FMT_PLAIN) {
		if (c->fmt == FMT_JSON && cli_write(s, "[", 1) < 0)
			return 0;
		c->started = 1;
	}
	if (!c->started) {
		size_t room;
		char *out = cli_tail(s, &room);
		int len = stat_csv_line(NULL, out, room);

		if (len < 0)
			return 0;
		cli_commit(s, (size_t)len);
		c->started = 1;
	}
	for (at = c->cur; stat_cursor_next(&c->cur, c->row); at = c->cur) {
		if (!stat_row_wanted(c, c->row))
			continue;
		if (c->hide && !c->row->sv && !strcmp(c->row->v[col("svname")], "BACKEND"))
			stat_status_counts(c->row);
		if (stat_put(s, c) < 0) {
			c->cur = at; /* the row is built again when there is room */
			return 0;
		}
	}
	if (c->fmt == FMT_JSON && cli_write(s, "]\n", 2) < 0)
		return 0;
	return 1;
}

static void release_show_stat(struct cli_session *s)
{
	struct stat_ctx *c = cli_ctx(s);

	free(c->row);
	c->row = NULL;
}

/* ---- show servers state / show backend ---- */

struct srvstate_ctx {
	struct proxy *px;            /* proxy being dumped */
	struct proxy *only;          /* the one asked for, or NULL */
	struct server *sv;           /* next server */
	unsigned int sv_idx;         /* its position in the list */
	unsigned int gen;            /* server_list_gen when <sv> was taken */
	int started;                 /* header written */
};

static int parse_servers_state(struct cli_session *s, int argc, char **args)
{
	struct srvstate_ctx *c = cli_ctx(s);

	if (argc > 3) {
		c->only = proxy_find(args[3], PR_CAP_BE);
		if (!c->only)
			return cli_err(s, "Can't find backend.\n");
		c->px = c->only;
	} else {
		c->px = proxies_list;
	}
	c->sv = c->px ? c->px->srv : NULL;
	c->gen = atomic_load(&server_list_gen);
	return CLI_DUMP;
}

/* Writes the host part of <a> (no port, no brackets) into <buf>. */
static void host_text(const struct addr *a, char *buf, size_t size)
{
	addr_format(a, buf, size);
	if (a->kind == ADDR_INET) {
		char *colon = (a->flags & ADDR_F_NO_PORT) ? NULL : strrchr(buf, ':');

		if (colon)
			*colon = '\0';
		if (buf[0] == '[') {
			memmove(buf, buf + 1, strlen(buf));
			buf[strlen(buf) - 1] = '\0';
		}
	}
}

static int dump_servers_state(struct cli_session *s)
{
	struct srvstate_ctx *c = cli_ctx(s);

	if (!c->started) {
		if (cli_printf(s, "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n") < 0)
			return 0;
		c->started = 1;
	}
	while (c->px) {
		if (c->px->cap & PR_CAP_BE) {
			for (; cursor_server(c->px, &c->sv, c->sv_idx, &c->gen); c->sv = c->sv->next, c->sv_idx++) {
				struct server *sv = c->sv;
				char addr[ADDR_STRLEN];
				int up = atomic_load(&sv->cur_state) == SRV_ST_RUNNING;
				const struct chk_st *st = chk_st_named(check_status_name(sv));
				int maint = !!(sv->flags & SRV_F_MAINT), unchecked = !sv->check;
				/* HAProxy's SRV_ADMF_*: `disabled` is CMAINT (0x04), forced (0x01) while it lasts */
				unsigned int admin = (maint ? 0x01 : 0) | ((sv->flags & SRV_F_CMAINT) ? 0x04 : 0) |
				                     ((sv->flags & SRV_F_DRAIN) ? 0x08 : 0) |
				                     ((sv->flags & SRV_F_RMAINT) ? 0x20 : 0) |
				                     (sv->rsv_srv ? 0x40 : 0);
				int srv_rec = sv->hostname && sv->hostname[0] == '_';

				char agent[ADDR_STRLEN] = "-", chk[ADDR_STRLEN] = "-";
				int health = check_health(sv);

				/* entering maintenance zeroes the health, which then stays
				 * (server_change_admin() sets state_health); an unchecked
				 * server's reads rise, 0 once it was `disabled`, or what
				 * the server-state file said
				 */
				if (maint)
					health = sv->state_health ? sv->state_health - 1 : 0;
				else if (health < 0)
					health = sv->state_health ? sv->state_health - 1 : (sv->flags & SRV_F_CMAINT) ? 0 : (int)sv->rise;

				if (sv->addr.flags & ADDR_F_NAME)
					strcpy(addr, "-");   /* not resolved yet */
				else
					host_text(&sv->addr, addr, sizeof(addr));
				if (sv->agent_addr.kind == ADDR_INET)
					host_text(&sv->agent_addr, agent, sizeof(agent));
				if (sv->check_addr.kind == ADDR_INET)
					host_text(&sv->check_addr, chk, sizeof(chk));
				/* HAProxy's CHK_ST_* flags: CONFIGURED (2), ENABLED (4)
				 * unless "disable health|agent", and AGENT (16) for the
				 * agent; an unchecked server's health stays at rise
				 */
				int status = st->num, result = st->result;

				/* the server-state file's check result, until a check of its own */
				if (sv->state_chk[0] && (!sv->check || !strcmp(st->name, "INI"))) {
					status = sv->state_chk[0] - 1;
					result = sv->state_chk[1];
				}
				if (cli_printf(s, "%d %s %d %s %s %d %u %u %u %d %d %d %d %d %d %d %d %s %u %s %d %d %s %s %u\n",
				               c->px->uuid, c->px->id, sv->puid, sv->id, addr,
				               up && !(sv->flags & (SRV_F_RMAINT | SRV_F_MAINT)) ? 2 : 0, admin, sv->uweight, sv->iweight, 0,
				               status, result, health,
				               /* CONFIGURED, ENABLED, PAUSED (8) by maintenance, for
				                * good on an unchecked server `disabled` */
				               unchecked ? ((sv->flags & SRV_F_CMAINT) ? 8 : 0) :
				               (check_enabled(sv, 0) ? 6 : 2) | (maint ? 8 : 0),
				               (sv->flags & SRV_F_AGENT) ? (check_enabled(sv, 1) ? 22 : 18) : 0, 0, 0,
				               /* SRV: the slot's target and port, the record apart */
				               srv_rec ? (sv->rsv_target[0] ? sv->rsv_target : "-") : sv->hostname ? sv->hostname : "-",
				               addr_port(&sv->addr), srv_rec ? sv->hostname : "-", 0,
				               atomic_load(&sv->check_port), chk, agent,
				               sv->agent_port) < 0)
					return 0;
			}
		}
		if (c->only)
			break;
		c->px = c->px->next;
		c->sv = c->px ? c->px->srv : NULL;
		c->sv_idx = 0;
	}
	return 1;
}

static int parse_show_backend(struct cli_session *s, int argc, char **args)
{
	struct srvstate_ctx *c = cli_ctx(s);

	c->px = proxies_list;
	return CLI_DUMP;
}

static int dump_show_backend(struct cli_session *s)
{
	struct srvstate_ctx *c = cli_ctx(s);

	if (!c->started) {
		if (cli_printf(s, "# name\n") < 0)
			return 0;
		c->started = 1;
	}
	for (; c->px; c->px = c->px->next) {
		if (!(c->px->cap & PR_CAP_BE))
			continue;
		if (cli_printf(s, "%s\n", c->px->id) < 0)
			return 0;
	}
	return 1;
}

/* ---- Server changes ---- */

/* Finds the server of "<backend>/<server>" in <arg>; writes HAProxy's
 * error and returns NULL if absent.
 */
static struct server *find_server(struct cli_session *s, const char *arg)
{
	char be_name[256];
	const char *slash = arg ? strchr(arg, '/') : NULL;
	struct proxy *be;
	struct server *sv;

	if (!arg || !slash || (size_t)(slash - arg) >= sizeof(be_name)) {
		cli_err(s, "Require 'backend/server'.\n");
		return NULL;
	}
	memcpy(be_name, arg, (size_t)(slash - arg));
	be_name[slash - arg] = '\0';
	be = proxy_find(be_name, PR_CAP_BE);
	if (!be) {
		cli_err(s, "No such backend.\n");
		return NULL;
	}
	sv = server_find(be, slash + 1);
	if (!sv) {
		cli_err(s, "No such server.\n");
		return NULL;
	}
	return sv;
}

struct server *cli_find_server(struct cli_session *s, const char *arg)
{
	return find_server(s, arg);
}

int cli_server_set_weight(struct cli_session *s, struct server *sv, const char *arg)
{
	char *end;
	long w;

	/* HAProxy's checks and messages, in its order */
	if (!arg || !*arg)
		return cli_err(s, "Require <weight> or <weight%>.\n");
	w = strtol(arg, &end, 10);
	if (end == arg)
		return cli_err(s, "Empty weight string empty or preceded by garbage\n");
	if (end[0] == '%' && !end[1]) {
		if (w < 0)
			return cli_err(s, "Relative weight must be positive.\n");
		/* a percentage of the configured weight, capped at 256 */
		w = (long)sv->iweight * (w > 25600 ? 25600 : w) / 100;
		if (w > 256)
			w = 256;
	} else if (w < 0 || w > 256) {
		return cli_err(s, "Absolute weight can only be between 0 and 256 inclusive.\n");
	} else if (*end) {
		return cli_err(s, "Trailing garbage in weight string\n");
	}
	thread_isolate();
	sv->uweight = (unsigned int)w;
	thread_release();
	if (sv->proxy->lb.ops)
		lb_update(&sv->proxy->lb);
	return CLI_DONE;
}

/* Changes the admin flags of <sv>: clears <clr> then sets <set>, under
 * isolation, then rebuilds the backend's LB view and logs the change.
 */
static void server_set_admin(struct server *sv, unsigned int clr, unsigned int set, const char *what)
{
	if (!server_change_admin(sv, clr, set))
		return;
	log_notice("Server %s/%s %s by the admin socket.", sv->proxy->id, sv->id, what);
}

static int parse_server_admin(struct cli_session *s, int argc, char **args)
{
	int enable = !strcmp(args[0], "enable");
	struct server *sv = find_server(s, argc > 2 ? args[2] : NULL);

	if (!sv)
		return CLI_DONE;
	if (enable)
		server_set_admin(sv, SRV_F_MAINT, 0, "is leaving forced maintenance");
	else
		server_set_admin(sv, 0, SRV_F_MAINT, "was put into forced maintenance");
	return CLI_DONE;
}

/* enable|disable health|agent <b>/<s> */
static int parse_check_enable(struct cli_session *s, int argc, char **args)
{
	int enable = !strcmp(args[0], "enable"), agent = !strcmp(args[1], "agent");
	struct server *sv = find_server(s, argc > 2 ? args[2] : NULL);

	if (!sv)
		return CLI_DONE;
	if (check_set_enabled(sv, agent, enable) < 0 && enable)
		return cli_msg(s, agent ? "Agent was not configured on this server, cannot enable.\n"
				        : "Health check was not configured on this server, cannot enable.\n");
	return CLI_DONE;
}

/* set server <b>/<s> addr <ip> [port <port>]: as HAProxy, reports what
 * changed. New connections (and health checks) go to the new address;
 * idle pooled ones to the old one are not reused.
 */
static int set_server_addr(struct cli_session *s, struct server *sv, const char *ip, const char *port)
{
	char from[ADDR_STRLEN], to[ADDR_STRLEN], msg[2 * ADDR_STRLEN + 96];
	struct addr na = sv->addr, old = sv->addr;
	unsigned int old_port = addr_port(&sv->addr), new_port = old_port;
	int n = 0, ip_change;

	if (sv->addr.kind != ADDR_INET)
		return cli_err(s, "Update for the current server address family is only supported through configuration file.\n");
	if (addr_parse(ip, ADDR_P_PORT_OPTIONAL | ADDR_P_NO_RESOLVE | ADDR_P_NO_UNIX | ADDR_P_NO_FD,
	               &na, NULL, 0) < 0 || na.kind != ADDR_INET || !(na.flags & ADDR_F_NO_PORT)) {
		return cli_sevf(s, CLI_SEV_WARNING, "Invalid addr '%s'\n", ip);
	}
	if (port) {
		char *end;
		long v = strtol(port, &end, 10);

		if (*port == '+' || *port == '-')
			return cli_err(s, "Port mapping ('+' or '-' port) is not supported by Tollgate.\n");
		if (end == port || *end || v < 1 || v > 65535) {
			cli_printf(s, "problem converting port '%s' to an int\n", port);
			return CLI_DONE;
		}
		new_port = (unsigned int)v;
	}
	addr_set_port(&na, (uint16_t)new_port);
	na.flags = (old.flags & ADDR_F_NO_PORT) && !port ? ADDR_F_NO_PORT : 0;
	old.flags |= ADDR_F_NO_PORT;
	ip_change = addr_cmp_host(&old, &na) != 0;
	if (ip_change) {
		struct addr t = na;

		t.flags |= ADDR_F_NO_PORT;
		addr_format(&old, from, sizeof(from));
		addr_format(&t, to, sizeof(to));
		n = snprintf(msg, sizeof(msg), "IP changed from '%s' to '%s'", from, to);
	}
	if (new_port != old_port)
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, "%sport changed from '%u' to '%u'",
		              ip_change ? ", " : "", old_port, new_port);
	if (!n)
		return cli_msg(s, "nothing changed\n");
	server_change_addr(sv, &na, NULL);
	return cli_sevf(s, CLI_SEV_WARNING, "%s\n", msg);
}

static int parse_set_server(struct cli_session *s, int argc, char **args)
{
	struct server *sv = find_server(s, argc > 2 ? args[2] : NULL);

	if (!sv)
		return CLI_DONE;
	if (argc == 4 && !strcmp(args[3], "check-port"))
		return cli_err(s, "set server <b>/<s> check-port requires a port.\n");
	if (argc < 5)
		return cli_err(s, "usage: set server <backend>/<server> state|weight <value>\n");
	if (!strcmp(args[3], "state")) {
		if (!strcmp(args[4], "ready"))
			server_set_admin(sv, SRV_F_MAINT | SRV_F_DRAIN, 0, "is ready");
		else if (!strcmp(args[4], "drain"))
			server_set_admin(sv, SRV_F_MAINT, SRV_F_DRAIN, "is draining");
		else if (!strcmp(args[4], "maint"))
			server_set_admin(sv, SRV_F_DRAIN, SRV_F_MAINT, "was put into forced maintenance");
		else
			return cli_err(s, "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n");
		return CLI_DONE;
	}
	if (!strcmp(args[3], "weight"))
		return cli_server_set_weight(s, sv, args[4]);
	if (!strcmp(args[3], "addr"))
		return set_server_addr(s, sv, args[4], argc > 6 && !strcmp(args[5], "port") ? args[6] : NULL);
	if (!strcmp(args[3], "check-port")) {
		/* where the next health checks connect (the server's `port`);
		 * HAProxy 2.6's replies: one line, none on success
		 */
		char *end;
		long v = strtol(args[4], &end, 10);

		if (end == args[4] || *end)
			return cli_err(s, "provided port is not an integer");
		if (v < 0 || v > 65535)
			return cli_err(s, "provided port is invalid");
		atomic_store(&sv->check_port, (unsigned int)v);
		return cli_msg(s, "");
	}
	return cli_err(s, "usage: set server <backend>/<server> state|weight|addr|check-port <value>\n");
}

/* Resets the maxima of <st> (smax, qmax, rate maxima), and with <all> its
 * check counters too; the state history (lastchg, downtime) stays, as
 * HAProxy.
 */
static void stat_extra_clear(struct stat_extra *st, int all)
{
	atomic_store(&st->cur_max, 0);
	atomic_store(&st->queue_max, 0);
	atomic_store(&st->sps_max, 0);
	atomic_store(&st->cps_max, 0);
	atomic_store(&st->rps_max, 0);
	for (int k = 0; k < 4; k++)
		atomic_store(&st->time_max[k], 0);
	if (all) {
		atomic_store(&st->down_trans, 0);
		atomic_store(&st->failed_checks, 0);
	}
}

/* clear counters [all | server <backend>/<server> [force]]: the plain form
 * resets the maximum values (smax, qmax, rate_max...), `all` also zeroes
 * the accumulated counters of every proxy and server, `server` those of
 * one server; under isolation (each counter has a single writer, its
 * thread, which is parked meanwhile).
 */
static int parse_clear_counters(struct cli_session *s, int argc, char **args)
{
	int all = argc > 2 && !strcmp(args[2], "all");

	if (argc > 2 && cli_level(s) < CLI_LVL_ADMIN)
		return cli_err(s, "Permission denied\n");
	if (argc < 3 || all) {
		thread_isolate();
		for (struct proxy *px = proxies_list; px; px = px->next) {
			if (all)
				memset(px->ctr, 0, sizeof(px->ctr));
			stat_extra_clear(&px->st, all);
			for (struct server *sv = px->srv; sv; sv = sv->next) {
				if (all)
					memset(sv->ctr, 0, sizeof(sv->ctr));
				stat_extra_clear(&sv->st, all);
				atomic_store(&sv->max_conns, atomic_load(&sv->cur_conns));
			}
		}
		thread_release();
		return CLI_DONE;
	}
	if (!strcmp(args[2], "server")) {
		struct server *sv = find_server(s, argc > 3 ? args[3] : NULL);

		if (!sv)
			return CLI_DONE;
		if (argc > 4 && strcmp(args[4], "force"))
			return cli_err(s, "Usage: clear counters server <backend>/<server> [force]\n");
		thread_isolate();
		memset(sv->ctr, 0, sizeof(sv->ctr));
		thread_release();
		return cli_msg(s, "Server counters cleared.\n");
	}
	return cli_err(s, "Usage: clear counters [all|server <backend>/<server> [force]]\n");
}

static int parse_set_maxconn_server(struct cli_session *s, int argc, char **args)
{
	struct server *sv = find_server(s, argc > 3 ? args[3] : NULL);
	char *end;
	long v;

	if (!sv)
		return CLI_DONE;
	if (argc < 5)
		return cli_err(s, "Integer value expected.\n");
	v = strtol(args[4], &end, 10);
	if (*end || end == args[4] || v < 0)
		return cli_err(s, "Integer value expected.\n");
	thread_isolate();
	sv->maxconn = (unsigned int)v;
	thread_release();
	return CLI_DONE;
}

static struct cli_kw proxy_kws[] = {
	{ { "show", "stat", NULL }, "show stat [desc|json|no-maint|typed|up]*: report counters for each proxy and server",
	  CLI_LVL_USER, parse_show_stat, dump_show_stat, release_show_stat, NULL },
	{ { "show", "servers", "state", NULL }, "show servers state [<backend>]          : dump volatile server information (all or for a single backend)",
	  CLI_LVL_USER, parse_servers_state, dump_servers_state, NULL, NULL },
	{ { "show", "backend", NULL }, "show backend                            : list backends in the current running config",
	  CLI_LVL_USER, parse_show_backend, dump_show_backend, NULL, NULL },
	{ { "disable", "server", NULL }, "disable server (DEPRECATED)             : disable a server for maintenance (use 'set server' instead)",
	  CLI_LVL_ADMIN, parse_server_admin, NULL, NULL, NULL },
	{ { "enable", "server", NULL }, "enable server  (DEPRECATED)             : enable a disabled server (use 'set server' instead)",
	  CLI_LVL_ADMIN, parse_server_admin, NULL, NULL, NULL },
	{ { "enable", "health", NULL }, "enable health <bk>/<srv>                : enable health checks",
	  CLI_LVL_ADMIN, parse_check_enable, NULL, NULL, NULL },
	{ { "disable", "health", NULL }, "disable health <bk>/<srv>               : disable health checks",
	  CLI_LVL_ADMIN, parse_check_enable, NULL, NULL, NULL },
	{ { "enable", "agent", NULL }, "enable agent <bk>/<srv>                 : enable agent checks",
	  CLI_LVL_ADMIN, parse_check_enable, NULL, NULL, NULL },
	{ { "disable", "agent", NULL }, "disable agent <bk>/<srv>                : disable agent checks",
	  CLI_LVL_ADMIN, parse_check_enable, NULL, NULL, NULL },
	{ { "set", "server", NULL }, "set server <bk>/<srv> [opts]            : change a server's state, weight, address or check port",
	  CLI_LVL_ADMIN, parse_set_server, NULL, NULL, NULL },
	{ { "clear", "counters", NULL }, "clear counters [all|server <bk>/<srv> [force]] : clear max statistics counters (or all, or one server's)",
	  CLI_LVL_OPER, parse_clear_counters, NULL, NULL, NULL },
	{ { "set", "maxconn", "server", NULL }, "set maxconn server <bk>/<srv>           : change a server's maxconn setting",
	  CLI_LVL_ADMIN, parse_set_maxconn_server, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list proxy_kw_list = { proxy_kws, NULL };

__attribute__((constructor)) static void cli_proxy_register(void)
{
	cli_register(&proxy_kw_list);
}
