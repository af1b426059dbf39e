/*
 * Admin socket command `show info`: the process's values, in HAProxy's
 * key order and formats ("Key: value" lines, typed, JSON), and the typed
 * and JSON field helpers `show stat` shares (stat_rows.h).
 *
 * The values are read without a lock: counters are per thread and summed
 * with relaxed loads; they are also exported, for the Prometheus exporter
 * (promex.c) and the stats page (stats_page.c), through stat_rows.h.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tollgate/buffer.h>
#include <tollgate/cli.h>
#include <tollgate/clock.h>
#include <tollgate/counters.h>
#include <tollgate/global.h>
#include <tollgate/listener.h>
#include <tollgate/log.h>
#include <tollgate/pool.h>
#include <tollgate/proxy.h>
#include <tollgate/stream.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/tls.h>
#include <tollgate/trafficlog.h>
#include <tollgate/version.h>

#include "stat_rows.h"

/* When the admin module saw the process start (cli_proxy_mark_start()). */
static int64_t start_wall;
static uint64_t start_mono_ns;

__attribute__((constructor)) static void cli_proxy_mark_start(void)
{
	start_wall = clock_wall_sec();
	start_mono_ns = clock_mono_ns();
}

/* ---- show info ---- */


/* The typed-output tags (HAProxy's management.txt, 9.2): origin, nature,
 * scope, persistence, one letter each; and their JSON names.
 */
static const char *tag_origin(char c)
{
	switch (c) {
	case 'M': return "Metric";
	case 'S': return "Status";
	case 'K': return "Key";
	case 'C': return "Config";
	case 'P': return "Product";
	default:  return "Unknown";
	}
}

static const char *tag_nature(char c)
{
	switch (c) {
	case 'G': return "Gauge";
	case 'L': return "Limit";
	case 'm': return "Min";
	case 'M': return "Max";
	case 'R': return "Rate";
	case 'C': return "Counter";
	case 'D': return "Duration";
	case 'A': return "Age";
	case 'T': return "Time";
	case 'N': return "Name";
	case 'O': return "Output";
	case 'a': return "Avg";
	default:  return "Unknown";
	}
}

static const char *tag_scope(char c)
{
	switch (c) {
	case 'P': return "Process";
	case 'S': return "Service";
	case 's': return "System";
	case 'C': return "Cluster";
	default:  return "Unknown";
	}
}

/* Appends <v> to <out> (at <*n>, <room> bytes) as a JSON string body
 * (quotes and backslashes escaped, control bytes as \u00XX). Returns 0 or
 * -1 if it does not fit.
 */
static int json_str(char *out, size_t room, size_t *n, const char *v)
{
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		int len;

		if (c == '"' || c == '\\')
			len = snprintf(out + *n, room - *n, "\\%c", c);
		else if (c < 0x20)
			len = snprintf(out + *n, room - *n, "\\u%04x", c);
		else
			len = snprintf(out + *n, room - *n, "%c", c);
		if (len < 0 || (size_t)len >= room - *n)
			return -1;
		*n += (size_t)len;
	}
	return 0;
}

/* See stat_rows.h. */
int stat_json_tags_value(char *out, size_t room, size_t *n, const char *tags, const char *type,
                         const char *v)
{
	int str = !strcmp(type, "str");
	int len = snprintf(out + *n, room - *n,
	                   "\"tags\":{\"origin\":\"%s\",\"nature\":\"%s\",\"scope\":\"%s\"},"
	                   "\"value\":{\"type\":\"%s\",\"value\":%s",
	                   tag_origin(tags[0]), tag_nature(tags[1]), tag_scope(tags[2]), type,
	                   str ? "\"" : "");

	if (len < 0 || (size_t)len >= room - *n)
		return -1;
	*n += (size_t)len;
	if (str) {
		if (json_str(out, room, n, v) < 0)
			return -1;
	} else {
		if (strlen(v) >= room - *n)
			return -1;
		memcpy(out + *n, v, strlen(v));
		*n += strlen(v);
	}
	len = snprintf(out + *n, room - *n, "%s}}", str ? "\"" : "");
	if (len < 0 || (size_t)len >= room - *n)
		return -1;
	*n += (size_t)len;
	return 0;
}

/* See stat_rows.h. */
enum stat_fmt stat_parse_fmt(int argc, char **args, int first)
{
	enum stat_fmt f = FMT_PLAIN;

	for (int i = first; i < argc; i++) {
		if (!strcmp(args[i], "typed"))
			f = FMT_TYPED;
		else if (!strcmp(args[i], "json"))
			f = FMT_JSON;
	}
	return f;
}

/* See stat_rows.h. */
int stat_parse_desc(int argc, char **args, int first)
{
	for (int i = first; i < argc; i++)
		if (!strcmp(args[i], "desc"))
			return 1;
	return 0;
}

/* ---- show info ---- */

/* Returns the HTTP requests received by all frontends (CumReq): the sum
 * of their cum_req counters, 0 when no frontend is in mode http.
 */
static uint64_t cum_http_req(void)
{
	uint64_t n = 0;

	for (const struct proxy *px = proxies_list; px; px = px->next)
		if (px->cap & PR_CAP_FE)
			n += COUNTER_SUM(px->ctr, cum_req);
	return n;
}

uint64_t stat_start_ns(void)
{
	return start_mono_ns;
}

/* Bytes emitted by the process (TotalBytesOut): to clients (the
 * frontends' bytes out) and to servers (the backends' bytes in). A
 * `listen` proxy's one set of counters counts both.
 */
static uint64_t total_bytes_out(void)
{
	uint64_t n = 0;

	for (const struct proxy *px = proxies_list; px; px = px->next) {
		if (px->cap & PR_CAP_FE)
			n += COUNTER_SUM(px->ctr, bytes_out);
		if (px->cap & PR_CAP_BE)
			n += COUNTER_SUM(px->ctr, bytes_in);
	}
	return n;
}

/* BytesOutRate: TotalBytesOut sampled every STAT_SAMPLE_MS by the admin
 * socket's thread (stat_info_sample()), the rate being the growth over the
 * last second. Written by that thread only, read by any.
 */
#define BYTES_OUT_SAMPLES (1000 / STAT_SAMPLE_MS)
static uint64_t bytes_out_ring[BYTES_OUT_SAMPLES]; /* the last second's samples (admin thread) */
static unsigned int bytes_out_pos;                  /* next slot of the ring (admin thread) */
static _Atomic uint64_t bytes_out_rate;             /* bytes sent over the last second */

void stat_info_sample(void)
{
	uint64_t now = total_bytes_out();
	uint64_t then = bytes_out_ring[bytes_out_pos];

	bytes_out_ring[bytes_out_pos] = now;
	bytes_out_pos = (bytes_out_pos + 1) % BYTES_OUT_SAMPLES;
	atomic_store_explicit(&bytes_out_rate, now >= then ? now - then : 0, memory_order_relaxed);
}

/* Streams created since start (CumStreams): the frontends' sessions. */
static uint64_t cum_streams(void)
{
	uint64_t n = 0;

	for (const struct proxy *px = proxies_list; px; px = px->next)
		if (px->cap & PR_CAP_FE)
			n += COUNTER_SUM(px->ctr, cum_sess);
	return n;
}

/* Pool memory, in bytes: obtained from the system, and handed out. */
struct pool_sums {
	uint64_t allocated;          /* PoolAlloc_bytes */
	uint64_t used;               /* PoolUsed_bytes */
	uint64_t failed;             /* PoolFailed */
};

static int pool_sum_cb(struct pool_head *pool, const struct pool_stats *st, void *arg)
{
	struct pool_sums *ps = arg;

	ps->allocated += st->allocated * st->size;
	ps->used += st->used * st->size;
	ps->failed += st->failures;
	return 0;
}

/* One `show info` field: HAProxy's position and name, typed tags, type. */
struct info_field {
	int pos;                     /* HAProxy's field position */
	const char *name;            /* key */
	const char *tags;            /* origin, nature, scope, persistence */
	const char *type;            /* u32, u64, str */
	const char *desc;            /* HAProxy 2.6's description (`show info desc`) */
};

/* The keys of `show info`, in HAProxy 3.x's order (its positions, which
 * it prints in order); stat_info.v[] follows it. HAProxy's keys left out
 * have no meaning here (zlib memory) or no value yet (PatternsAdded,
 * PatternsFreed, 3.x only); `description` is printed only when set, as
 * HAProxy, and Tollgate has no `description` in global: never. The
 * descriptions are HAProxy 2.6's (its typos included, so that tools
 * matching them keep working), 3.x's for the keys 2.6 does not have.
 */
static const struct info_field info_fields[] = {
	{ 0, "Name", "POSV", "str",
	  "Product name" },
	{ 1, "Version", "POSV", "str",
	  "Product version" },
	{ 2, "Release_date", "POSV", "str",
	  "Date of latest source code update" },
	{ 3, "Nbthread", "CGSV", "u32",
	  "Number of started threads (global.nbthread)" },
	{ 4, "Nbproc", "CGSV", "u32",
	  "Number of started worker processes (historical, always 1)" },
	{ 5, "Process_num", "KGPV", "u32",
	  "Relative worker process number (1)" },
	{ 6, "Pid", "SGPV", "u32",
	  "This worker process identifier for the system" },
	{ 7, "Uptime", "MDPV", "str",
	  "How long ago this worker process was started (days+hours+minutes+seconds)" },
	{ 8, "Uptime_sec", "MDPV", "u32",
	  "How long ago this worker process was started (seconds)" },
	{ 9, "Memmax_MB", "CLPV", "u32",
	  "Worker process's hard limit on memory usage in MB (-m on command line)" },
	{ 10, "PoolAlloc_MB", "MGPV", "u32",
	  "Amount of memory allocated in pools (in MB)" },
	{ 11, "PoolUsed_MB", "MGPV", "u32",
	  "Amount of pool memory currently used (in MB)" },
	{ 12, "PoolFailed", "MCPV", "u32",
	  "Number of failed pool allocations since this worker was started" },
	{ 13, "Ulimit-n", "CLPV", "u32",
	  "Hard limit on the number of per-process file descriptors" },
	{ 14, "Maxsock", "CLPV", "u32",
	  "Hard limit on the number of per-process sockets" },
	{ 15, "Maxconn", "CLPV", "u32",
	  "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)" },
	{ 16, "Hard_maxconn", "CLPV", "u32",
	  "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)" },
	{ 17, "CurrConns", "MGPV", "u32",
	  "Current number of connections on this worker process" },
	{ 18, "CumConns", "MCPV", "u32",
	  "Total number of connections on this worker process since started" },
	{ 19, "CumReq", "MCPV", "u32",
	  "Total number of requests on this worker process since started" },
	{ 20, "MaxSslConns", "MMPV", "u32",
	  "Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited" },
	{ 21, "CurrSslConns", "MGPV", "u32",
	  "Current number of SSL endpoints on this worker process (front+back)" },
	{ 22, "CumSslConns", "MCPV", "u32",
	  "Total number of SSL endpoints on this worker process since started (front+back)" },
	{ 23, "Maxpipes", "CLPV", "u32",
	  "Hard limit on the number of pipes for splicing, 0=unlimited" },
	{ 24, "PipesUsed", "MGPV", "u32",
	  "Current number of pipes in use in this worker process" },
	{ 25, "PipesFree", "MGPV", "u32",
	  "Current number of allocated and available pipes in this worker process" },
	{ 26, "ConnRate", "MRPV", "u32",
	  "Number of front connections created on this worker process over the last second" },
	{ 27, "ConnRateLimit", "CLPV", "u32",
	  "Hard limit for ConnRate (global.maxconnrate)" },
	{ 28, "MaxConnRate", "MMPV", "u32",
	  "Highest ConnRate reached on this worker process since started (in connections per second)" },
	{ 29, "SessRate", "MRPV", "u32",
	  "Number of sessions created on this worker process over the last second" },
	{ 30, "SessRateLimit", "CLPV", "u32",
	  "Hard limit for SessRate (global.maxsessrate)" },
	{ 31, "MaxSessRate", "MRPV", "u32",
	  "Highest SessRate reached on this worker process since started (in sessions per second)" },
	{ 32, "SslRate", "MRPV", "u32",
	  "Number of SSL connections created on this worker process over the last second" },
	{ 33, "SslRateLimit", "CLPV", "u32",
	  "Hard limit for SslRate (global.maxsslrate)" },
	{ 34, "MaxSslRate", "MMPV", "u32",
	  "Highest SslRate reached on this worker process since started (in connections per second)" },
	{ 35, "SslFrontendKeyRate", "MGPV", "u32",
	  "Number of SSL keys created on frontends in this worker process over the last second" },
	{ 36, "SslFrontendMaxKeyRate", "MMPV", "u32",
	  "Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)" },
	{ 37, "SslFrontendSessionReuse_pct", "MGPV", "u32",
	  "Percent of frontend SSL connections which did not require a new key" },
	{ 38, "SslBackendKeyRate", "MRPV", "u32",
	  "Number of SSL keys created on backends in this worker process over the last second" },
	{ 39, "SslBackendMaxKeyRate", "MMPV", "u32",
	  "Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)" },
	{ 40, "SslCacheLookups", "MCPV", "u32",
	  "Total number of SSL session ID lookups in the SSL session cache on this worker since started" },
	{ 41, "SslCacheMisses", "MCPV", "u32",
	  "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started" },
	{ 42, "CompressBpsIn", "MRPV", "u32",
	  "Number of bytes submitted to the HTTP compressor in this worker process over the last second" },
	{ 43, "CompressBpsOut", "MRPV", "u32",
	  "Number of bytes emitted by the HTTP compressor in this worker process over the last second" },
	{ 44, "CompressBpsRateLim", "CLPV", "u32",
	  "Limit of CompressBpsOut beyond which HTTP compression is automatically disabled" },
	{ 47, "Tasks", "MGPV", "u32",
	  "Total number of tasks in the current worker process (active + sleeping)" },
	{ 48, "Run_queue", "MGPV", "u32",
	  "Total number of active tasks+tasklets in the current worker process" },
	{ 49, "Idle_pct", "MaPV", "u32",
	  "Percentage of last second spent waiting in the current worker thread" },
	{ 50, "node", "COSV", "str",
	  "Node name (global.node)" },
	{ 52, "Stopping", "MGPV", "u32",
	  "1 if the worker process is currently stopping, otherwise zero" },
	{ 53, "Jobs", "MGPV", "u32",
	  "Current number of active jobs on the current worker process (frontend connections, master connections, listeners)" },
	{ 54, "Unstoppable Jobs", "MGPV", "u32",
	  "Current number of unstoppable jobs on the current worker process (master connections)" },
	{ 55, "Listeners", "MGPV", "u32",
	  "Current number of active listeners on the current worker process" },
	{ 56, "ActivePeers", "MGPV", "u32",
	  "Current number of verified active peers connections on the current worker process" },
	{ 57, "ConnectedPeers", "MGPV", "u32",
	  "Current number of peers having passed the connection step on the current worker process" },
	{ 58, "DroppedLogs", "MGPV", "u32",
	  "Total number of dropped logs for current worker process since started" },
	{ 59, "BusyPolling", "MGPV", "u32",
	  "1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)" },
	{ 60, "FailedResolutions", "MGPV", "u32",
	  "Total number of failed DNS resolutions in current worker process since started" },
	{ 61, "TotalBytesOut", "MGPV", "u64",
	  "Total number of bytes emitted by current worker process since started" },
	{ 62, "TotalSplicedBytesOut", "MGPV", "u64",
	  "Total number of bytes emitted by current worker process through a kernel pipe since started" },
	{ 63, "BytesOutRate", "MRPV", "u64",
	  "Number of bytes emitted by current worker process over the last second" },
	{ 64, "DebugCommandsIssued", "MGPV", "u32",
	  "Number of debug commands issued on this process (anything > 0 is unsafe)" },
	{ 65, "CumRecvLogs", "MCPV", "u32",
	  "Total number of log messages received by log-forwarding listeners on this worker process since started" },
	{ 66, "Build info", "POSV", "str",
	  "Build info" },
	{ 67, "Memmax_bytes", "CLPV", "u32",
	  "Worker process's hard limit on memory usage in byes (-m on command line)" },
	{ 68, "PoolAlloc_bytes", "MGPV", "u64",
	  "Amount of memory allocated in pools (in bytes)" },
	{ 69, "PoolUsed_bytes", "MGPV", "u64",
	  "Amount of pool memory currently used (in bytes)" },
	{ 70, "Start_time_sec", "MDPV", "u32",
	  "Start time in seconds" },
	{ 71, "Tainted", "SGPV", "str",
	  "Experimental features used" },
	{ 72, "TotalWarnings", "MCPV", "u32",
	  "Total warnings issued" },
	{ 73, "MaxconnReached", "MCPV", "u32",
	  "Number of times an accepted connection resulted in Maxconn being reached" },
	{ 74, "BootTime_ms", "MDPV", "u32",
	  "How long ago it took to parse and process the config before being ready (milliseconds)" },
	{ 75, "Niced_tasks", "MGPV", "u32",
	  "Total number of active tasks+tasklets in the current worker process (Run_queue) that are niced" },
	{ 76, "CurrStreams", "MGPV", "u64",
	  "Current number of streams on this worker process" },
	{ 77, "CumStreams", "MGPV", "u64",
	  "Total number of streams created on this worker process since started" },
	{ 78, "BlockedTrafficWarnings", "MGPV", "u32",
	  "Total number of warnings issued about traffic being blocked by too slow a task" },
	{ 81, "NbThreadGroups", "CGSV", "u32",
	  "Number of started thread groups (global.thread-groups)" },
};

_Static_assert(ARRAY_SIZE(info_fields) == STAT_INFO_FIELDS, "stat_info.v[] has one value per key");

/* Milliseconds from the start of the process to serving (BootTime_ms). */
static _Atomic unsigned int boot_ms;

void cli_info_mark_ready(void)
{
	atomic_store(&boot_ms, (unsigned int)((clock_mono_ns() - start_mono_ns) / 1000000ULL));
}

/* Sets the value of key <name> in <inf>. */
static void info_set(struct stat_info *inf, const char *name, const char *fmt, ...) PRINTF_FMT(3, 4);
static void info_set(struct stat_info *inf, const char *name, const char *fmt, ...)
{
	va_list ap;

	for (int i = 0; i < STAT_INFO_FIELDS; i++) {
		if (strcmp(info_fields[i].name, name))
			continue;
		va_start(ap, fmt);
		vsnprintf(inf->v[i], STAT_INFO_VALSZ, fmt, ap);
		va_end(ap);
		return;
	}
	BUG_ON(1);
}

static void info_setu(struct stat_info *inf, const char *name, unsigned long long v)
{
	info_set(inf, name, "%llu", v);
}

void stat_info_fill(struct stat_info *inf)
{
	uint64_t up = (clock_mono_ns() - start_mono_ns) / 1000000000ULL;
	unsigned int rq = 0, wq = 0, tasks = 0, runq = 0;
	uint64_t poll_ns = 0, total_ns = (clock_mono_ns() - start_mono_ns) * (uint64_t)(thread_count ? thread_count : 1);
	unsigned int idle, listeners = listeners_count() + cli_listeners_count();
	struct pool_sums pools = { 0 };
	struct pipe_stats ps;
	struct tls_stats tls;
	char host[64];

	memset(inf, 0, sizeof(*inf));
	sched_shared_lengths(&rq, &wq);
	runq = rq;
	tasks = wq;
	for (int t = 0; t < thread_count; t++) {
		struct sched_stats st;

		sched_get_stats(t, &st);
		tasks += st.tasks;
		runq += st.rq_len;
		poll_ns += atomic_load_explicit(&thread_stats(t)->poll_ns, memory_order_relaxed);
	}
	idle = total_ns ? (unsigned int)(poll_ns * 100 / total_ns) : 100;
	if (idle > 100)
		idle = 100;
	pipe_get_stats(&ps);
	tls_get_stats(&tls);
	pool_for_each(pool_sum_cb, &pools);
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	info_set(inf, "Name", "Tollgate");
	info_set(inf, "Version", "%s", TOLLGATE_VERSION);
	info_set(inf, "Release_date", "%s", TOLLGATE_DATE);
	info_setu(inf, "Nbthread", (unsigned int)thread_count);
	info_setu(inf, "Nbproc", 1);
	info_setu(inf, "Process_num", 1);
	info_setu(inf, "Pid", (unsigned int)getpid());
	info_set(inf, "Uptime", "%llud %lluh%02llum%02llus", (unsigned long long)(up / 86400),
	         (unsigned long long)(up % 86400 / 3600), (unsigned long long)(up % 3600 / 60),
	         (unsigned long long)(up % 60));
	info_setu(inf, "Uptime_sec", up);
	info_setu(inf, "Memmax_MB", 0);
	info_setu(inf, "PoolAlloc_MB", pools.allocated / 1048576);
	info_setu(inf, "PoolUsed_MB", pools.used / 1048576);
	info_setu(inf, "PoolFailed", pools.failed);
	info_setu(inf, "Ulimit-n", global.ulimit_n);
	info_setu(inf, "Maxsock", global.maxsock);
	info_setu(inf, "Maxconn", global.maxconn);
	info_setu(inf, "Hard_maxconn", global.maxconn);
	info_setu(inf, "CurrConns", listeners_actconn());
	/* as HAProxy, CumConns counts the admin sockets' connections too */
	info_setu(inf, "CumConns", listeners_cumconn() + cli_sessions_total());
	info_setu(inf, "CumReq", cum_http_req());
	info_setu(inf, "MaxSslConns", 0);   /* no maxsslconn: no limit */
	info_setu(inf, "CurrSslConns", tls.cur_conns);
	info_setu(inf, "CumSslConns", tls.cum_conns);
	info_setu(inf, "Maxpipes", ps.max);
	info_setu(inf, "PipesUsed", ps.used);
	info_setu(inf, "PipesFree", ps.free);
	info_setu(inf, "ConnRate", listeners_rate(0));
	info_setu(inf, "ConnRateLimit", atomic_load(&global.maxconnrate));
	info_setu(inf, "MaxConnRate", listeners_rate_max(0));
	info_setu(inf, "SessRate", listeners_rate(1));
	info_setu(inf, "SessRateLimit", atomic_load(&global.maxsessrate));
	info_setu(inf, "MaxSessRate", listeners_rate_max(1));
	info_setu(inf, "SslRate", tls.rate);
	info_setu(inf, "SslRateLimit", 0);   /* no maxsslrate */
	info_setu(inf, "MaxSslRate", tls.rate_max);
	info_setu(inf, "SslFrontendKeyRate", tls.fe_key_rate);
	info_setu(inf, "SslFrontendMaxKeyRate", tls.fe_key_rate_max);
	info_setu(inf, "SslFrontendSessionReuse_pct", tls.fe_reuse_pct);
	info_setu(inf, "SslBackendKeyRate", tls.be_key_rate);
	info_setu(inf, "SslBackendMaxKeyRate", tls.be_key_rate_max);
	info_setu(inf, "SslCacheLookups", tls.cache_lookups);
	info_setu(inf, "SslCacheMisses", tls.cache_misses);
	info_setu(inf, "CompressBpsIn", 0);
	info_setu(inf, "CompressBpsOut", 0);
	info_setu(inf, "CompressBpsRateLim", 0);
	info_setu(inf, "Tasks", tasks);
	info_setu(inf, "Run_queue", runq);
	info_setu(inf, "Idle_pct", idle);
	info_set(inf, "node", "%s", global.node ? global.node : host);
	info_setu(inf, "Stopping", (unsigned int)listeners_stopping());
	/* HAProxy's jobs: listeners, client connections, admin sessions */
	info_setu(inf, "Jobs", listeners + listeners_actconn() + cli_sessions_count());
	info_setu(inf, "Unstoppable Jobs", 0);
	info_setu(inf, "Listeners", listeners);
	info_setu(inf, "ActivePeers", 0);
	info_setu(inf, "ConnectedPeers", 0);
	info_setu(inf, "DroppedLogs", log_dropped());
	info_setu(inf, "BusyPolling", 0);
	info_setu(inf, "FailedResolutions", 0);
	info_setu(inf, "TotalBytesOut", total_bytes_out());
	info_setu(inf, "TotalSplicedBytesOut", 0);
	info_setu(inf, "BytesOutRate", atomic_load_explicit(&bytes_out_rate, memory_order_relaxed));
	info_setu(inf, "DebugCommandsIssued", 0);
	info_setu(inf, "CumRecvLogs", 0);
	info_set(inf, "Build info", "%s", TOLLGATE_VERSION);
	info_setu(inf, "Memmax_bytes", 0);
	info_setu(inf, "PoolAlloc_bytes", pools.allocated);
	info_setu(inf, "PoolUsed_bytes", pools.used);
	info_setu(inf, "Start_time_sec", (unsigned long long)start_wall);
	info_set(inf, "Tainted", "0");
	info_setu(inf, "TotalWarnings", log_warnings());
	info_setu(inf, "MaxconnReached", listeners_maxconn_reached());
	info_setu(inf, "BootTime_ms", atomic_load(&boot_ms));
	info_setu(inf, "Niced_tasks", 0);
	info_setu(inf, "CurrStreams", stream_count());
	info_setu(inf, "CumStreams", cum_streams());
	info_setu(inf, "BlockedTrafficWarnings", 0);
	info_setu(inf, "NbThreadGroups", 1);
}

const char *stat_info_get(const struct stat_info *inf, const char *key)
{
	for (int i = 0; i < STAT_INFO_FIELDS; i++)
		if (!strcmp(info_fields[i].name, key))
			return inf->v[i];
	BUG_ON(1);
	return "";
}

static int parse_show_info(struct cli_session *s, int argc, char **args)
{
	enum stat_fmt fmt = stat_parse_fmt(argc, args, 2);
	int desc = stat_parse_desc(argc, args, 2);
	const struct info_field *f = info_fields;
	struct stat_info inf;
	int i;
	size_t room, n = 0;
	char *out;

	stat_info_fill(&inf);
	/* a few hundred bytes (a few KiB in JSON): fits the empty buffer */
	out = cli_tail(s, &room);
	if (fmt == FMT_JSON && room)
		out[n++] = '[';
	for (i = 0; i < STAT_INFO_FIELDS; i++) {
		int len;

		if (fmt == FMT_PLAIN) {
			/* as HAProxy, `desc` appends :"<description>" */
			len = snprintf(out + n, room - n, "%s: %s%s%s%s\n", f[i].name, inf.v[i],
			               desc ? ":\"" : "", desc ? f[i].desc : "", desc ? "\"" : "");
		} else if (fmt == FMT_TYPED) {
			len = snprintf(out + n, room - n, "%d.%s.1:%s:%s:%s%s%s%s\n", f[i].pos, f[i].name,
			               f[i].tags, f[i].type, inf.v[i],
			               desc ? ":\"" : "", desc ? f[i].desc : "", desc ? "\"" : "");
		} else {
			len = snprintf(out + n, room - n, "%s{\"field\":{\"pos\":%d,\"name\":\"%s\"},\"processNum\":1,",
			               i ? "," : "", f[i].pos, f[i].name);
			if (len >= 0 && (size_t)len < room - n) {
				n += (size_t)len;
				len = stat_json_tags_value(out, room, &n, f[i].tags, f[i].type, inf.v[i]) < 0 ? -1 : 0;
			}
		}
		if (len < 0 || (size_t)len >= room - n)
			return cli_err(s, "Output buffer too short.\n");
		n += (size_t)len;
	}
	if (fmt == FMT_JSON) {
		if (room - n < 3)
			return cli_err(s, "Output buffer too short.\n");
		out[n++] = ']';
		out[n++] = '\n';
	}
	cli_commit(s, n);
	return CLI_DONE;
}

static struct cli_kw info_kws[] = {
	{ { "show", "info", NULL }, "show info [desc|json|typed|float]*      : report information about the running process",
	  CLI_LVL_USER, parse_show_info, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list info_kw_list = { info_kws, NULL };

__attribute__((constructor)) static void cli_info_register(void)
{
	cli_register(&info_kw_list);
}
