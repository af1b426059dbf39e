/*
 * The Prometheus exporter (`http-request use-service prometheus-exporter`):
 * HAProxy's promex metrics, rendered from the values `show info` and `show
 * stat` print (stat_rows.h), so that both always agree.
 *
 * Output: the text exposition format 0.0.4, with HAProxy's metric names,
 * types and labels: haproxy_process_* (no label), haproxy_frontend_* and
 * haproxy_backend_* {proxy}, haproxy_server_* {proxy,server},
 * haproxy_sticktable_* {name,type} (and Tollgate's top_keys {name,type,data,
 * key} for a table with `topk`), Tollgate's haproxy_peer_* {peers,peer
 * [,table]} (peer_get_stats(), racy snapshots of the peers thread's
 * counters); states as one 0/1 gauge per state label
 * (haproxy_server_status{...,state="UP"} 1). A series whose `show stat`
 * field is empty is left out, and a family without series has no HELP or
 * TYPE line. The query string selects scopes, metrics and servers as
 * promex's does (promex_parse_query()).
 *
 * Families come metric-major, as promex writes them: all the series of a
 * family together, under its one HELP and TYPE line. Building a row sums
 * per-thread counters, so the rows are walked once, each series appended
 * to its family's own buffer, and the buffers are joined in family order
 * at the end: O(rows x threads) and about twice the output in memory.
 *
 * Threading: render() runs on the stream's thread and reads what `show
 * stat` reads, without a lock (stat_rows.h), plus each stick table's
 * counts (its shard locks, one at a time, briefly) and top keys
 * (stktable_topk_read(): its candidate sets' locks and one lookup per
 * candidate, never a walk of the table).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/compiler.h>
#include <tollgate/http_service.h>
#include <tollgate/peers.h>
#include <tollgate/pool.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/stktable.h>
#include <tollgate/stktable_topk.h>

#include "outbuf.h"
#include "stat_rows.h"

#define PROMEX_CTYPE "text/plain; version=0.0.4; charset=utf-8"

/* Scopes, in output order, as the query string names them; frontend,
 * backend and server follow `show stat`'s row types (0, 1, 2).
 */
enum promex_scope {
	PS_GLOBAL = 0,
	PS_FRONT,
	PS_BACK,
	PS_SERVER,
	PS_STICK,
	PS_PEER,
	PS_COUNT
};

#define PS_BIT(s)  (1U << (s))
#define PS_ALL     (PS_BIT(PS_COUNT) - 1)

static const char *const scope_names[PS_COUNT] = {
	"global", "frontend", "backend", "server", "sticktable", "peer",
};

static const char *const scope_prefix[PS_COUNT] = {
	"haproxy_process_", "haproxy_frontend_", "haproxy_backend_", "haproxy_server_",
	"haproxy_sticktable_", "haproxy_peer_",
};

/* ---- families ---- */

/* A process family: a `show info` value. */
struct info_metric {
	const char *key;             /* `show info` key */
	const char *name;            /* after "haproxy_process_" */
	int counter;                 /* counter, else gauge */
	const char *label;           /* the value goes to this label, the sample is 1 */
	const char *help;            /* HELP text */
};

/* HAProxy 3.x's process metrics that `show info` has, in promex's order (the
 * `show info` order), with its names, types and HELP texts.
 */
static const struct info_metric info_metrics[] = {
	{ "Nbthread", "nbthread", 0, NULL, "Number of started threads (global.nbthread)" },
	{ "Nbproc", "nbproc", 0, NULL, "Number of started worker processes (historical, always 1)" },
	{ "Process_num", "relative_process_id", 0, NULL, "Relative worker process number (1)" },
	{ "Uptime_sec", "uptime_seconds", 0, NULL, "How long ago this worker process was started (seconds)" },
	{ "PoolFailed", "pool_failures_total", 1, NULL, "Number of failed pool allocations since this worker was started" },
	{ "Ulimit-n", "max_fds", 0, NULL, "Hard limit on the number of per-process file descriptors" },
	{ "Maxsock", "max_sockets", 0, NULL, "Hard limit on the number of per-process sockets" },
	{ "Maxconn", "max_connections", 0, NULL, "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)" },
	{ "Hard_maxconn", "hard_max_connections", 0, NULL, "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)" },
	{ "CurrConns", "current_connections", 0, NULL, "Current number of connections on this worker process" },
	{ "CumConns", "connections_total", 1, NULL, "Total number of connections on this worker process since started" },
	{ "CumReq", "requests_total", 1, NULL, "Total number of requests on this worker process since started" },
	{ "MaxSslConns", "max_ssl_connections", 0, NULL, "Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited" },
	{ "CurrSslConns", "current_ssl_connections", 0, NULL, "Current number of SSL endpoints on this worker process (front+back)" },
	{ "CumSslConns", "ssl_connections_total", 1, NULL, "Total number of SSL endpoints on this worker process since started (front+back)" },
	{ "Maxpipes", "max_pipes", 0, NULL, "Hard limit on the number of pipes for splicing, 0=unlimited" },
	{ "PipesUsed", "pipes_used_total", 1, NULL, "Current number of pipes in use in this worker process" },
	{ "PipesFree", "pipes_free_total", 1, NULL, "Current number of allocated and available pipes in this worker process" },
	{ "ConnRate", "current_connection_rate", 0, NULL, "Number of front connections created on this worker process over the last second" },
	{ "ConnRateLimit", "limit_connection_rate", 0, NULL, "Hard limit for ConnRate (global.maxconnrate)" },
	{ "MaxConnRate", "max_connection_rate", 0, NULL, "Highest ConnRate reached on this worker process since started (in connections per second)" },
	{ "SessRate", "current_session_rate", 0, NULL, "Number of sessions created on this worker process over the last second" },
	{ "SessRateLimit", "limit_session_rate", 0, NULL, "Hard limit for SessRate (global.maxsessrate)" },
	{ "MaxSessRate", "max_session_rate", 0, NULL, "Highest SessRate reached on this worker process since started (in sessions per second)" },
	{ "SslRate", "current_ssl_rate", 0, NULL, "Number of SSL connections created on this worker process over the last second" },
	{ "SslRateLimit", "limit_ssl_rate", 0, NULL, "Hard limit for SslRate (global.maxsslrate)" },
	{ "MaxSslRate", "max_ssl_rate", 0, NULL, "Highest SslRate reached on this worker process since started (in connections per second)" },
	{ "SslFrontendKeyRate", "current_frontend_ssl_key_rate", 0, NULL, "Number of SSL keys created on frontends in this worker process over the last second" },
	{ "SslFrontendMaxKeyRate", "max_frontend_ssl_key_rate", 0, NULL, "Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)" },
	{ "SslFrontendSessionReuse_pct", "frontend_ssl_reuse", 0, NULL, "Percent of frontend SSL connections which did not require a new key" },
	{ "SslBackendKeyRate", "current_backend_ssl_key_rate", 0, NULL, "Number of SSL keys created on backends in this worker process over the last second" },
	{ "SslBackendMaxKeyRate", "max_backend_ssl_key_rate", 0, NULL, "Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)" },
	{ "SslCacheLookups", "ssl_cache_lookups_total", 1, NULL, "Total number of SSL session ID lookups in the SSL session cache on this worker since started" },
	{ "SslCacheMisses", "ssl_cache_misses_total", 1, NULL, "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started" },
	{ "CompressBpsIn", "http_comp_bytes_in_total", 1, NULL, "Number of bytes submitted to the HTTP compressor in this worker process over the last second" },
	{ "CompressBpsOut", "http_comp_bytes_out_total", 1, NULL, "Number of bytes emitted by the HTTP compressor in this worker process over the last second" },
	{ "CompressBpsRateLim", "limit_http_comp", 0, NULL, "Limit of CompressBpsOut beyond which HTTP compression is automatically disabled" },
	{ "Tasks", "current_tasks", 0, NULL, "Total number of tasks in the current worker process (active + sleeping)" },
	{ "Run_queue", "current_run_queue", 0, NULL, "Total number of active tasks+tasklets in the current worker process" },
	{ "Idle_pct", "idle_time_percent", 0, NULL, "Percentage of last second spent waiting in the current worker thread" },
	{ "node", "node", 0, "node", "Node name (global.node)" },
	{ "Stopping", "stopping", 0, NULL, "1 if the worker process is currently stopping, otherwise zero" },
	{ "Jobs", "jobs", 0, NULL, "Current number of active jobs on the current worker process (frontend connections, master connections, listeners)" },
	{ "Unstoppable Jobs", "unstoppable_jobs", 0, NULL, "Current number of unstoppable jobs on the current worker process (master connections)" },
	{ "Listeners", "listeners", 0, NULL, "Current number of active listeners on the current worker process" },
	{ "ActivePeers", "active_peers", 0, NULL, "Current number of verified active peers connections on the current worker process" },
	{ "ConnectedPeers", "connected_peers", 0, NULL, "Current number of peers having passed the connection step on the current worker process" },
	{ "DroppedLogs", "dropped_logs_total", 1, NULL, "Total number of dropped logs for current worker process since started" },
	{ "BusyPolling", "busy_polling_enabled", 0, NULL, "1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)" },
	{ "FailedResolutions", "failed_resolutions", 1, NULL, "Total number of failed DNS resolutions in current worker process since started" },
	{ "TotalBytesOut", "bytes_out_total", 1, NULL, "Total number of bytes emitted by current worker process since started" },
	{ "TotalSplicedBytesOut", "spliced_bytes_out_total", 1, NULL, "Total number of bytes emitted by current worker process through a kernel pipe since started" },
	{ "CumRecvLogs", "recv_logs_total", 1, NULL, "Total number of log messages received by log-forwarding listeners on this worker process since started" },
	{ "Build info", "build_info", 0, "version", "Build info" },
	{ "Memmax_bytes", "max_memory_bytes", 0, NULL, "Worker process's hard limit on memory usage in byes (-m on command line)" },
	{ "PoolAlloc_bytes", "pool_allocated_bytes", 0, NULL, "Amount of memory allocated in pools (in bytes)" },
	{ "PoolUsed_bytes", "pool_used_bytes", 0, NULL, "Amount of pool memory currently used (in bytes)" },
	{ "Start_time_sec", "start_time_seconds", 0, NULL, "Start time in seconds" },
	{ "TotalWarnings", "total_warnings", 1, NULL, "Total warnings issued" },
	{ "NbThreadGroups", "nb_thread_groups", 0, NULL, "Number of started thread groups (global.thread-groups)" },
};

/* How a proxy family is made from a row. */
enum px_kind {
	PK_VALUE = 0,                /* the column's value */
	PK_STATUS,                   /* the status column, one gauge per state */
	PK_HRSP,                     /* hrsp_1xx..hrsp_other, one series per code */
	PK_CHECK_STATUS,             /* check_status, one gauge per check status */
	PK_CHECK_CODE,               /* check_code, 0 without a layer 5-7 code */
	PK_AGG_STATUS,               /* a backend's servers counted by state */
	PK_AGG_CHECK,                /* a backend's servers counted by check status */
	PK_MS,                       /* a time in milliseconds, written in seconds */
	PK_AGENT_STATUS,             /* agent_status, one gauge per check status */
	PK_AGENT_CODE,               /* agent_code, 0 without a code */
};

/* A frontend, backend or server family: a `show stat` column. */
struct px_metric {
	const char *col;             /* column */
	const char *name;            /* after "haproxy_<scope>_" */
	const char *srv_name;        /* name for servers, if another */
	unsigned int scopes;         /* PS_BIT()s of the rows that have it */
	enum px_kind kind;           /* how it is made */
	int counter;                 /* counter, else gauge */
	const char *help;            /* HELP text */
};

#define F_ PS_BIT(PS_FRONT)
#define B_ PS_BIT(PS_BACK)
#define S_ PS_BIT(PS_SERVER)

/* HAProxy's metrics of the `show stat` columns, in its column order. */
static const struct px_metric px_metrics[] = {
	{ "qcur", "current_queue", NULL, B_ | S_, PK_VALUE, 0, "Number of current queued connections" },
	{ "qmax", "max_queue", NULL, B_ | S_, PK_VALUE, 0, "Highest value of queued connections encountered since process started" },
	{ "scur", "current_sessions", NULL, F_ | B_ | S_, PK_VALUE, 0, "Number of current sessions on the frontend, backend or server" },
	{ "smax", "max_sessions", NULL, F_ | B_ | S_, PK_VALUE, 0, "Highest value of current sessions encountered since process started" },
	{ "slim", "limit_sessions", NULL, F_ | B_ | S_, PK_VALUE, 0, "Frontend/listener/server's maxconn, backend's fullconn" },
	{ "stot", "sessions_total", NULL, F_ | B_ | S_, PK_VALUE, 1, "Total number of sessions since process started" },
	{ "bin", "bytes_in_total", NULL, F_ | B_ | S_, PK_VALUE, 1, "Total number of request bytes since process started" },
	{ "bout", "bytes_out_total", NULL, F_ | B_ | S_, PK_VALUE, 1, "Total number of response bytes since process started" },
	{ "dreq", "requests_denied_total", NULL, F_ | B_, PK_VALUE, 1, "Total number of denied requests since process started" },
	{ "dresp", "responses_denied_total", NULL, F_ | B_ | S_, PK_VALUE, 1, "Total number of denied responses since process started" },
	{ "ereq", "request_errors_total", NULL, F_, PK_VALUE, 1, "Total number of invalid requests since process started" },
	{ "econ", "connection_errors_total", NULL, B_ | S_, PK_VALUE, 1, "Total number of failed connections to server since the worker process started" },
	{ "eresp", "response_errors_total", NULL, B_ | S_, PK_VALUE, 1, "Total number of invalid responses since the worker process started" },
	{ "wretr", "retry_warnings_total", NULL, B_ | S_, PK_VALUE, 1, "Total number of server connection retries since the worker process started" },
	{ "wredis", "redispatch_warnings_total", NULL, B_ | S_, PK_VALUE, 1, "Total number of server redispatches due to connection failures since the worker process started" },
	{ "status", "status", NULL, F_ | B_ | S_, PK_STATUS, 0, "Current status of the service, per state label value." },
	{ "weight", "weight", NULL, B_ | S_, PK_VALUE, 0, "Server's effective weight, or sum of active servers' effective weights for a backend" },
	{ "act", "active_servers", "active", B_ | S_, PK_VALUE, 0, "Total number of active UP servers with a non-zero weight" },
	{ "bck", "backup_servers", "backup", B_ | S_, PK_VALUE, 0, "Total number of backup UP servers with a non-zero weight" },
	{ "chkfail", "check_failures_total", NULL, S_, PK_VALUE, 1, "Total number of failed individual health checks per server/backend, since the worker process started" },
	{ "chkdown", "check_up_down_total", NULL, B_ | S_, PK_VALUE, 1, "Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started" },
	{ "lastchg", "check_last_change_seconds", NULL, B_ | S_, PK_VALUE, 0, "How long ago the last server state changed, in seconds" },
	{ "downtime", "downtime_seconds_total", NULL, B_ | S_, PK_VALUE, 1, "Total time spent in DOWN state, for server or backend" },
	{ "qlimit", "queue_limit", NULL, S_, PK_VALUE, 0, "Limit on the number of connections in queue, for servers only (maxqueue argument)" },
	{ "throttle", "current_throttle", NULL, S_, PK_VALUE, 0, "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)" },
	{ "lbtot", "loadbalanced_total", NULL, B_ | S_, PK_VALUE, 1, "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)" },
	{ "rate", "current_session_rate", NULL, F_ | B_ | S_, PK_VALUE, 0, "Total number of sessions processed by this object over the last second (sessions for listeners/frontends, requests for backends/servers)" },
	{ "rate_lim", "limit_session_rate", NULL, F_, PK_VALUE, 0, "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)" },
	{ "rate_max", "max_session_rate", NULL, F_ | B_ | S_, PK_VALUE, 0, "Highest value of sessions per second observed since the worker process started" },
	{ "check_status", "check_status", NULL, S_, PK_CHECK_STATUS, 0, "Status of last health check, per state label value." },
	{ "check_code", "check_code", NULL, S_, PK_CHECK_CODE, 0, "layer5-7 code, if available of the last health check." },
	{ "check_duration", "check_duration_seconds", NULL, S_, PK_MS, 0, "Total duration of the latest server health check, in seconds." },
	{ "hrsp_1xx", "http_responses_total", NULL, F_ | B_ | S_, PK_HRSP, 1, "Total number of HTTP responses with status 100-199 returned by this object since the worker process started" },
	{ "req_rate_max", "http_requests_rate_max", NULL, F_, PK_VALUE, 0, "Highest value of http requests observed since the worker process started" },
	{ "req_tot", "http_requests_total", NULL, F_ | B_ | S_, PK_VALUE, 1, "Total number of HTTP requests processed by this object since the worker process started" },
	{ "cli_abrt", "client_aborts_total", NULL, B_ | S_, PK_VALUE, 1, "Total number of requests or connections aborted by the client since the worker process started" },
	{ "srv_abrt", "server_aborts_total", NULL, B_ | S_, PK_VALUE, 1, "Total number of requests or connections aborted by the server since the worker process started" },
	{ "comp_in", "http_comp_bytes_in_total", NULL, F_ | B_, PK_VALUE, 1, "Total number of bytes submitted to the HTTP compressor for this object since the worker process started" },
	{ "comp_out", "http_comp_bytes_out_total", NULL, F_ | B_, PK_VALUE, 1, "Total number of bytes emitted by the HTTP compressor for this object since the worker process started" },
	{ "comp_byp", "http_comp_bytes_bypassed_total", NULL, F_ | B_, PK_VALUE, 1, "Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)" },
	{ "comp_rsp", "http_comp_responses_total", NULL, F_ | B_, PK_VALUE, 1, "Total number of HTTP responses that were compressed for this object since the worker process started" },
	{ "lastsess", "last_session_seconds", NULL, B_ | S_, PK_VALUE, 0, "How long ago some traffic was seen on this object on this worker process, in seconds" },
	{ "qtime", "queue_time_average_seconds", NULL, B_ | S_, PK_MS, 0, "Avg. queue time for last 1024 successful connections." },
	{ "ctime", "connect_time_average_seconds", NULL, B_ | S_, PK_MS, 0, "Avg. connect time for last 1024 successful connections." },
	{ "rtime", "response_time_average_seconds", NULL, B_ | S_, PK_MS, 0, "Avg. response time for last 1024 successful connections." },
	{ "ttime", "total_time_average_seconds", NULL, B_ | S_, PK_MS, 0, "Avg. total time for last 1024 successful connections." },
	{ "agent_status", "agent_status", NULL, S_, PK_AGENT_STATUS, 0, "Status of last agent check, per state label value." },
	{ "agent_code", "agent_code", NULL, S_, PK_AGENT_CODE, 0, "Status code reported by the latest server agent check" },
	{ "agent_duration", "agent_duration_seconds", NULL, S_, PK_MS, 0, "Total duration of the latest server agent check, in seconds." },
	{ "conn_rate_max", "connections_rate_max", NULL, F_, PK_VALUE, 0, "Highest value of connections per second observed since the worker process started" },
	{ "conn_tot", "connections_total", NULL, F_, PK_VALUE, 1, "Total number of new connections accepted on this frontend since the worker process started" },
	{ "intercepted", "intercepted_requests_total", NULL, F_, PK_VALUE, 1, "Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started" },
	{ "dcon", "denied_connections_total", NULL, F_, PK_VALUE, 1, "Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started" },
	{ "dses", "denied_sessions_total", NULL, F_, PK_VALUE, 1, "Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started" },
	{ "wrew", "failed_header_rewriting_total", NULL, F_ | B_ | S_, PK_VALUE, 1, "Total number of failed HTTP header rewrites since the worker process started" },
	{ "connect", "connection_attempts_total", NULL, B_ | S_, PK_VALUE, 1, "Total number of outgoing connection attempts on this backend/server since the worker process started" },
	{ "reuse", "connection_reuses_total", NULL, B_ | S_, PK_VALUE, 1, "Total number of reused connection on this backend/server since the worker process started" },
	{ "cache_lookups", "http_cache_lookups_total", NULL, F_ | B_, PK_VALUE, 1, "Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started" },
	{ "cache_hits", "http_cache_hits_total", NULL, F_ | B_, PK_VALUE, 1, "Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started" },
	{ "srv_icur", "idle_connections_current", NULL, S_, PK_VALUE, 0, "Current number of idle connections available for reuse on this server" },
	{ "src_ilim", "idle_connections_limit", NULL, S_, PK_VALUE, 0, "Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)" },
	{ "qtime_max", "max_queue_time_seconds", NULL, B_ | S_, PK_MS, 0, "Maximum observed time spent in the queue" },
	{ "ctime_max", "max_connect_time_seconds", NULL, B_ | S_, PK_MS, 0, "Maximum observed time spent waiting for a connection to complete" },
	{ "rtime_max", "max_response_time_seconds", NULL, B_ | S_, PK_MS, 0, "Maximum observed time spent waiting for a server response" },
	{ "ttime_max", "max_total_time_seconds", NULL, B_ | S_, PK_MS, 0, "Maximum observed total request+response time (request+queue+connect+response+processing)" },
	{ "eint", "internal_errors_total", NULL, F_ | B_ | S_, PK_VALUE, 1, "Total number of internal errors since process started" },
	{ "idle_conn_cur", "unsafe_idle_connections_current", NULL, S_, PK_VALUE, 0, "Current number of unsafe idle connections" },
	{ "safe_conn_cur", "safe_idle_connections_current", NULL, S_, PK_VALUE, 0, "Current number of safe idle connections" },
	{ "used_conn_cur", "used_connections_current", NULL, S_, PK_VALUE, 0, "Current number of connections in use" },
	{ "need_conn_est", "need_connections_current", NULL, S_, PK_VALUE, 0, "Estimated needed number of connections" },
	{ "uweight", "uweight", NULL, B_ | S_, PK_VALUE, 0, "Server's user weight, or sum of active servers' user weights for a backend" },
	{ "agg_server_check_status", "agg_server_check_status", NULL, B_, PK_AGG_STATUS, 0, "Backend's aggregated gauge of servers' state check status" },
	{ "agg_server_status", "agg_server_status", NULL, B_, PK_AGG_STATUS, 0, "Backend's aggregated gauge of servers' status" },
	{ "agg_check_status", "agg_check_status", NULL, B_, PK_AGG_CHECK, 0, "Backend's aggregated gauge of servers' state check status" },
	{ "cache_hint_hits", "http_cache_hint_hits_total", NULL, F_ | B_, PK_VALUE, 1, "Total number of HTTP requests for which a 103 Early Hints response was emitted from the cache on this frontend/backend since the worker process started" },
};

#undef F_
#undef B_
#undef S_

/* A stick table family. */
struct stk_metric {
	const char *name;            /* after "haproxy_sticktable_" */
	const char *help;            /* HELP text */
};

static const struct stk_metric stk_metrics[] = {
	{ "size", "Stick table size." },
	{ "used", "Number of entries used in this stick table." },
	{ "top_keys", "Keys of this stick table with the largest value of a data type (stick-table 'topk'), largest first." },
};

enum { STK_SIZE = 0, STK_USED, STK_TOP_KEYS };

/* Tollgate's own peer families (HAProxy's exporter has none beyond the
 * process's active_peers and connected_peers): labels {peers,peer}, and
 * {peers,peer,table} from PEER_TX on.
 */
struct peer_metric {
	const char *name;            /* after "haproxy_peer_" */
	int counter;                 /* counter, else gauge */
	const char *help;            /* HELP text */
};

static const struct peer_metric peer_metrics[] = {
	{ "connected", 0, "Whether the connection with this peer is established (1) or not (0)." },
	{ "last_status", 0, "Status of the last handshake with this peer, as 'show peers' prints it (last_status)." },
	{ "last_hello_seconds", 0, "Time since the last successful handshake with this peer, in seconds (absent: never)." },
	{ "reconnects_total", 1, "Total number of handshakes with this peer that succeeded after the first one." },
	{ "protocol_errors_total", 1, "Total number of protocol errors (invalid messages) received from this peer." },
	{ "updates_sent_total", 1, "Total number of updates of this table sent to this peer." },
	{ "updates_received_total", 1, "Total number of updates of this table received from this peer and applied." },
	{ "last_acked", 0, "Last update id of this table that this peer acknowledged." },
	{ "lag_updates", 0, "Updates of this table sent to this peer and not acknowledged yet." },
	{ "lag_seconds", 0, "Age of the oldest update of this table sent to this peer and not acknowledged yet, in seconds." },
};

enum { PEER_CONNECTED = 0, PEER_STATUS, PEER_HELLO, PEER_RECONNECTS, PEER_PROTO_ERR,
       PEER_TX, PEER_RX, PEER_ACKED, PEER_LAG, PEER_LAG_S };

/* The statuses of haproxy_peer_last_status, as peer_get_stats() names them. */
static const char *const peer_states[] = {
	"NONE", "CONN", "HSHK", "ESTA", "RETR", "PROT", "VERS", "NAME", "UNKN",
};

#define N_INFO ((int)ARRAY_SIZE(info_metrics))
#define N_PX   ((int)ARRAY_SIZE(px_metrics))
#define N_STK  ((int)ARRAY_SIZE(stk_metrics))
#define N_PEER ((int)ARRAY_SIZE(peer_metrics))

/* Family ids, in output order: process, frontend, backend, server, table. */
#define FAM_PX(scope, i) (N_INFO + ((scope) - PS_FRONT) * N_PX + (i))
#define FAM_STK(i)       (N_INFO + 3 * N_PX + (i))
#define FAM_PEER(i)      (FAM_STK(N_STK) + (i))
#define N_FAM            FAM_PEER(N_PEER)

/* HAProxy promex's states of a frontend or backend, and of a server. */
static const char *const px_states[] = { "DOWN", "UP" };

enum promex_srv_state { PSRV_DOWN = 0, PSRV_UP, PSRV_MAINT, PSRV_DRAIN, PSRV_NOLB, PSRV_STATES };

static const char *const srv_states[PSRV_STATES] = { "DOWN", "UP", "MAINT", "DRAIN", "NOLB" };

/* HAProxy's check statuses of a finished check (result failed, passed or
 * conditionally passed), those haproxy_server_check_status reports.
 */
static const char *const chk_states[] = {
	"HANA", "SOCKERR", "L4OK", "L4TOUT", "L4CON", "L6OK", "L6TOUT", "L6RSP",
	"L7TOUT", "L7RSP", "L7OK", "L7OKC", "L7STS", "PROCERR", "PROCTOUT", "PROCOK",
};

/* The hrsp_* columns and their code label. */
static const char *const hrsp_cols[][2] = {
	{ "hrsp_1xx", "1xx" }, { "hrsp_2xx", "2xx" }, { "hrsp_3xx", "3xx" },
	{ "hrsp_4xx", "4xx" }, { "hrsp_5xx", "5xx" }, { "hrsp_other", "other" },
};

/* What the HELP and TYPE lines and the series of a family need. */
struct fam_desc {
	const char *prefix;          /* "haproxy_<scope>_" */
	const char *name;            /* the rest of the name */
	const char *help;            /* HELP text */
	int counter;                 /* counter, else gauge */
};

/* Fills <d> for family <id>. Returns 0, or -1 if <id> is a column that
 * rows of its scope do not have.
 */
static int fam_get(int id, struct fam_desc *d)
{
	if (id < N_INFO) {
		*d = (struct fam_desc){ scope_prefix[PS_GLOBAL], info_metrics[id].name, info_metrics[id].help,
		                        info_metrics[id].counter };
	} else if (id < FAM_STK(0)) {
		int scope = PS_FRONT + (id - N_INFO) / N_PX;
		const struct px_metric *m = &px_metrics[(id - N_INFO) % N_PX];

		if (!(m->scopes & PS_BIT(scope)))
			return -1;
		*d = (struct fam_desc){ scope_prefix[scope],
		                        scope == PS_SERVER && m->srv_name ? m->srv_name : m->name, m->help,
		                        m->counter };
	} else if (id < FAM_PEER(0)) {
		*d = (struct fam_desc){ scope_prefix[PS_STICK], stk_metrics[id - FAM_STK(0)].name,
		                        stk_metrics[id - FAM_STK(0)].help, 0 };
	} else {
		const struct peer_metric *m = &peer_metrics[id - FAM_PEER(0)];

		*d = (struct fam_desc){ scope_prefix[PS_PEER], m->name, m->help, m->counter };
	}
	return 0;
}

/* ---- output ---- */

/* Appends <v> as the body of a label value: backslash, double quote and
 * line feed escaped, as the exposition format wants.
 */
static void put_label_value(struct outbuf *b, const char *v)
{
	for (size_t n; *v; v += n) {
		n = strcspn(v, "\\\"\n");
		outbuf_put(b, v, n);
		if (!v[n])
			break;
		outbuf_put(b, v[n] == '\n' ? "\\n" : v[n] == '"' ? "\\\"" : "\\\\", 2);
		n++;
	}
}

/* A label of a series; a NULL name ends a list. */
struct promex_label {
	const char *name;            /* label name */
	const char *value;           /* its value, unescaped */
};

#define PROMEX_LABELS 6              /* labels of a series, the end mark included */

/* Appends to <b> a series of family <d>: labels <l>, value <val>. The
 * family's HELP and TYPE lines come first if <b> is empty.
 */
static void put_series(struct outbuf *b, const struct fam_desc *d, const struct promex_label *l, const char *val)
{
	if (!b->len)
		outbuf_printf(b, "# HELP %s%s %s\n# TYPE %s%s %s\n", d->prefix, d->name, d->help, d->prefix,
		              d->name, d->counter ? "counter" : "gauge");
	outbuf_printf(b, "%s%s", d->prefix, d->name);
	for (int i = 0; l[i].name; i++) {
		outbuf_printf(b, "%c%s=\"", i ? ',' : '{', l[i].name);
		put_label_value(b, l[i].value);
		outbuf_put(b, "\"", 1);
	}
	outbuf_printf(b, "%s %s\n", l[0].name ? "}" : "", val);
}

/* Appends a series per state of <states> (<n>) to <b>: with labels <l> (<nl>
 * of them) and state="<state>", of value 1 for state <cur>, else 0.
 */
static void put_states(struct outbuf *b, const struct fam_desc *d, const struct promex_label *l, int nl,
                       const char *const *states, int n, int cur)
{
	struct promex_label lx[PROMEX_LABELS] = { { NULL } };

	memcpy(lx, l, (size_t)nl * sizeof(*l));
	for (int i = 0; i < n; i++) {
		lx[nl] = (struct promex_label){ "state", states[i] };
		put_series(b, d, lx, i == cur ? "1" : "0");
	}
}

/* ---- the query string ---- */

/* What the query string asks for. */
struct promex_req {
	unsigned int scopes;         /* PS_BIT()s of the scopes to write */
	int scoped;                  /* a scope parameter was seen */
	int no_maint;                /* leave servers in maintenance out */
	int inc_only;                /* a metric was named: only those named are written */
	signed char flt[N_FAM];      /* by family: 1 named, -1 excluded ("-name"), 0 neither */
};

/* Returns 1 if <q> wants family <id> (its scope aside). */
static int fam_wanted(const struct promex_req *q, int id)
{
	return q->flt[id] > 0 || (!q->flt[id] && !q->inc_only);
}

/* Decodes the query-string component <s> in place: '+' is a space, %XX a
 * byte. Returns 0, or -1 on a malformed escape.
 */
static int query_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		char hex[3] = { 0 };

		if (*s != '%') {
			*o++ = *s == '+' ? ' ' : *s;
			continue;
		}
		hex[0] = s[1];
		hex[1] = s[1] ? s[2] : '\0';
		if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]))
			return -1;
		*o++ = (char)strtol(hex, NULL, 16);
		s += 2;
	}
	*o = '\0';
	return 0;
}

/* Applies the "metrics" item <item>: a full metric name to write, or one
 * to leave out after a '-'.
 */
static void query_metric(struct promex_req *q, const char *item)
{
	int exclude = *item == '-';

	item += exclude;
	if (!*item)
		return;
	if (!exclude)
		q->inc_only = 1;
	for (int id = 0; id < N_FAM; id++) {
		struct fam_desc d;
		size_t lp;

		if (fam_get(id, &d) < 0)
			continue;
		lp = strlen(d.prefix);
		if (!strncmp(item, d.prefix, lp) && !strcmp(item + lp, d.name))
			q->flt[id] = exclude ? -1 : 1;
	}
}

/* Applies parameter <key> (decoded), of value <val> (decoded, NULL if it
 * has no '='). Unknown parameters are ignored.
 */
static void query_param(struct promex_req *q, const char *key, char *val)
{
	if (!strcmp(key, "scope") && val) {
		/* the first scope replaces the default (all); an empty one clears */
		if (!q->scoped)
			q->scopes = 0;
		q->scoped = 1;
		if (!*val)
			q->scopes = 0;
		else if (!strcmp(val, "*"))
			q->scopes = PS_ALL;
		for (int s = 0; s < PS_COUNT; s++)
			if (!strcmp(val, scope_names[s]))
				q->scopes |= PS_BIT(s);
	} else if (!strcmp(key, "metrics") && val) {
		char *save = NULL;

		for (char *item = strtok_r(val, ",", &save); item; item = strtok_r(NULL, ",", &save))
			query_metric(q, item);
	} else if (!strcmp(key, "no-maint")) {
		q->no_maint = 1;
	}
}

/* Parses the query string <query> (<qlen> bytes, without the '?') into
 * <q>, as promex does: "scope=<global|frontend|backend|server|sticktable|peer|*>"
 * (repeated, in order; "scope=" selects nothing; default all), "metrics=
 * <name>,-<name>..." (names to write or to leave out), "no-maint". What
 * promex refuses with a 400 (a malformed escape, an unknown scope) is
 * skipped, an unknown scope selecting nothing. Returns 0 or -ENOMEM.
 */
static int promex_parse_query(const char *query, size_t qlen, struct promex_req *q)
{
	char *buf = malloc(qlen + 1), *p;

	memset(q, 0, sizeof(*q));
	q->scopes = PS_ALL;
	if (!buf)
		return -ENOMEM;
	if (qlen)
		memcpy(buf, query, qlen);
	buf[qlen] = '\0';
	buf[strcspn(buf, "#")] = '\0';
	for (p = buf; *p;) {
		char *key = p, *val;

		p += strcspn(p, "&");
		if (*p)
			*p++ = '\0';
		val = strchr(key, '=');
		if (val)
			*val++ = '\0';
		if (query_decode(key) == 0 && (!val || query_decode(val) == 0))
			query_param(q, key, val);
	}
	free(buf);
	return 0;
}

/* ---- process ---- */

static void dump_process(const struct promex_req *q, struct outbuf *fam)
{
	struct stat_info inf;

	stat_info_fill(&inf);
	for (int i = 0; i < N_INFO; i++) {
		const struct info_metric *m = &info_metrics[i];
		const char *v = stat_info_get(&inf, m->key);
		struct promex_label l[2] = { { m->label, v }, { NULL } };
		struct fam_desc d;

		if (!fam_wanted(q, i))
			continue;
		fam_get(i, &d);
		put_series(&fam[i], &d, l, m->label ? "1" : v);
	}
}

/* ---- frontends, backends, servers ---- */

/* The walk of the rows (promex_row()). */
struct promex_walk {
	const struct promex_req *q;         /* what is asked */
	struct outbuf *fam;                 /* a buffer per family */
	const struct proxy *agg_px;         /* the backend whose servers agg[] counts */
	unsigned int agg[PSRV_STATES];       /* its servers so far, by state */
	unsigned int agg_chk[ARRAY_SIZE(chk_states)]; /* its servers so far, by check status */
};

/* Returns the index of check status <v> in chk_states[] (a leading '*',
 * a check in progress, ignored), -1 if none.
 */
static int chk_state_idx(const char *v)
{
	v += *v == '*';
	for (size_t i = 0; i < ARRAY_SIZE(chk_states); i++)
		if (!strcmp(v, chk_states[i]))
			return (int)i;
	return -1;
}

/* Returns the promex state of a server of `show stat` status <status>. */
static enum promex_srv_state promex_srv_state(const char *status)
{
	if (!strcmp(status, "MAINT"))
		return PSRV_MAINT;
	if (!strcmp(status, "DRAIN"))
		return PSRV_DRAIN;
	if (!strcmp(status, "UP") || !strcmp(status, "no check"))
		return PSRV_UP;
	return PSRV_DOWN;
}

/* Appends the series of metric <m> for row <r> of scope <scope> to
 * <b>, labels <l> (<nl> of them) plus those <m> adds.
 */
static void put_px_metric(struct promex_walk *w, const struct px_metric *m, int scope, const struct stat_row *r,
                          const struct promex_label *l, int nl, struct outbuf *b)
{
	struct promex_label lx[PROMEX_LABELS] = { { NULL } };
	const char *v = stat_row_get(r, m->col);
	struct fam_desc d;
	char num[32];
	int cur;

	fam_get(FAM_PX(scope, m - px_metrics), &d);
	memcpy(lx, l, (size_t)nl * sizeof(*l));
	switch (m->kind) {
	case PK_VALUE:
		if (*v)
			put_series(b, &d, lx, v);
		break;
	case PK_STATUS:
		if (scope == PS_SERVER) {
			put_states(b, &d, l, nl, srv_states, PSRV_STATES, promex_srv_state(v));
			break;
		}
		/* as `show stat`: a frontend is up unless STOP, a backend if UP */
		cur = scope == PS_FRONT ? !!strcmp(v, "STOP") : !strncmp(v, "UP", 2);
		put_states(b, &d, l, nl, px_states, (int)ARRAY_SIZE(px_states), cur);
		break;
	case PK_HRSP:
		for (size_t i = 0; i < ARRAY_SIZE(hrsp_cols); i++) {
			v = stat_row_get(r, hrsp_cols[i][0]);
			lx[nl] = (struct promex_label){ "code", hrsp_cols[i][1] };
			if (*v)
				put_series(b, &d, lx, v);
		}
		break;
	case PK_CHECK_STATUS:
	case PK_AGENT_STATUS:
		if (!*v)
			break; /* no check */
		put_states(b, &d, l, nl, chk_states, (int)ARRAY_SIZE(chk_states), chk_state_idx(v));
		break;
	case PK_CHECK_CODE:
	case PK_AGENT_CODE:
		if (*stat_row_get(r, m->kind == PK_CHECK_CODE ? "check_status" : "agent_status"))
			put_series(b, &d, lx, *v ? v : "0");
		break;
	case PK_MS:
		if (*v) {
			snprintf(num, sizeof(num), "%f", strtod(v, NULL) / 1000.0);
			put_series(b, &d, lx, num);
		}
		break;
	case PK_AGG_CHECK:
		if (w->agg_px != stat_row_proxy(r))
			break; /* no server */
		for (size_t i = 0; i < ARRAY_SIZE(chk_states); i++) {
			lx[nl] = (struct promex_label){ "state", chk_states[i] };
			snprintf(num, sizeof(num), "%u", w->agg_chk[i]);
			put_series(b, &d, lx, num);
		}
		break;
	case PK_AGG_STATUS:
		if (w->agg_px != stat_row_proxy(r))
			break; /* no server */
		for (int i = 0; i < PSRV_STATES; i++) {
			lx[nl] = (struct promex_label){ "state", srv_states[i] };
			snprintf(num, sizeof(num), "%u", w->agg[i]);
			put_series(b, &d, lx, num);
		}
		break;
	}
}

/* stat_rows_foreach() callback: appends the series of row <r>. */
static int promex_row(const struct stat_row *r, void *arg)
{
	struct promex_walk *w = arg;
	const struct proxy *px = stat_row_proxy(r);
	const struct server *sv = stat_row_server(r);
	int type = atoi(stat_row_get(r, "type"));
	struct promex_label l[2] = { { "proxy", px->id } };
	int nl = 1, scope;

	/* show stat's types: 0 frontend, 1 backend, 2 server (3, listener, not exported) */
	if (type < 0 || type > 2)
		return 0;
	scope = PS_FRONT + type;
	/* as HAProxy's promex: a disabled proxy is not exported */
	if (px->disabled)
		return 0;
	if (sv) {
		enum promex_srv_state st = promex_srv_state(stat_row_get(r, "status"));

		/* the backend row comes after its servers: count them for it */
		int chk = chk_state_idx(stat_row_get(r, "check_status"));

		if (w->agg_px != px) {
			memset(w->agg, 0, sizeof(w->agg));
			memset(w->agg_chk, 0, sizeof(w->agg_chk));
			w->agg_px = px;
		}
		w->agg[st]++;
		if (chk >= 0)
			w->agg_chk[chk]++;
		if (w->q->no_maint && st == PSRV_MAINT)
			return 0;
		l[nl++] = (struct promex_label){ "server", sv->id };
	}
	if (!(w->q->scopes & PS_BIT(scope)))
		return 0;
	for (int i = 0; i < N_PX; i++) {
		int id = FAM_PX(scope, i);

		if ((px_metrics[i].scopes & PS_BIT(scope)) && fam_wanted(w->q, id))
			put_px_metric(w, &px_metrics[i], scope, r, l, nl, &w->fam[id]);
	}
	return 0;
}

/* ---- stick tables ---- */

/* Writes the key <k> of table <t> into <out> (<room> bytes, at least
 * INET6_ADDRSTRLEN), as `show table` shows it: an address, a number, a
 * string up to its first NUL, binary in hexadecimal (truncated to fit).
 */
static void format_table_key(const struct stktable *t, const unsigned char *k, char *out, size_t room)
{
	uint32_t u;
	size_t n = 0;

	switch (t->def.type) {
	case STKTABLE_KEY_IP:
		inet_ntop(AF_INET, k, out, (socklen_t)room);
		break;
	case STKTABLE_KEY_IPV6:
		inet_ntop(AF_INET6, k, out, (socklen_t)room);
		break;
	case STKTABLE_KEY_INTEGER:
		memcpy(&u, k, sizeof(u));
		snprintf(out, room, "%u", u);
		break;
	case STKTABLE_KEY_STRING:
		n = strnlen((const char *)k, t->key_size);
		n = n < room ? n : room - 1;
		memcpy(out, k, n);
		out[n] = '\0';
		break;
	default:
		for (; n < t->key_size && 2 * n + 2 < room; n++)
			snprintf(out + 2 * n, 3, "%02X", k[n]);
		out[2 * n] = '\0';
		break;
	}
}

/* Appends the top_keys series of <t> (table of proxy <name>, labels <l>,
 * name and type) to <b>.
 */
static void dump_top_keys(struct stktable *t, const struct promex_label *l, struct outbuf *b)
{
	struct promex_label lx[PROMEX_LABELS] = { l[0], l[1], { "data", NULL }, { "key", NULL } };
	struct stktable_topk_item *top;
	struct fam_desc d;
	int n;

	n = stktable_topk_read(t, &top);
	if (n < 0) {
		b->err = 1;
		return;
	}
	fam_get(FAM_STK(STK_TOP_KEYS), &d);
	lx[2].value = stktable_data_types[t->def.topk_type].name;
	for (int i = 0; i < n; i++) {
		char key[2 * STKTABLE_MAX_KEY_LEN + 1], v[24];

		format_table_key(t, top[i].key, key, sizeof(key));
		lx[3].value = key;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)top[i].value);
		put_series(b, &d, lx, v);
	}
	free(top);
}

static void dump_tables(const struct promex_req *q, struct outbuf *fam)
{
	for (const struct proxy *px = proxies_list; px; px = px->next) {
		struct stktable_stats st;
		struct promex_label l[3] = { { "name", px->id }, { "type", NULL }, { NULL } };
		struct fam_desc d;
		char v[24];

		if (!px->table || !px->table->def.size)
			continue;
		l[1].value = stktable_key_type_name(px->table->def.type);
		stktable_get_stats(px->table, &st);
		for (int i = STK_SIZE; i <= STK_USED; i++) {
			if (!fam_wanted(q, FAM_STK(i)))
				continue;
			fam_get(FAM_STK(i), &d);
			snprintf(v, sizeof(v), "%llu", (unsigned long long)(i == STK_USED ? st.used : st.size));
			put_series(&fam[FAM_STK(i)], &d, l, v);
		}
		if (px->table->topk && fam_wanted(q, FAM_STK(STK_TOP_KEYS)))
			dump_top_keys(px->table, l, &fam[FAM_STK(STK_TOP_KEYS)]);
	}
}

/* Appends series <i> of family FAM_PEER(<i>) with labels <l>, value <v>. */
static void put_peer(const struct promex_req *q, struct outbuf *fam, int i, const struct promex_label *l,
                     const char *v)
{
	struct fam_desc d;

	if (!fam_wanted(q, FAM_PEER(i)))
		return;
	fam_get(FAM_PEER(i), &d);
	put_series(&fam[FAM_PEER(i)], &d, l, v);
}

/* The remote peers of every section: racy snapshots of thread 0's fields
 * (peer_get_stats()), as `show peers` prints them.
 */
static void dump_peers(const struct promex_req *q, struct outbuf *fam)
{
	for (struct peers *ps = peers_list; ps; ps = ps->next) {
		for (struct peer *p = ps->list; p; p = p->next) {
			struct promex_label l[4] = { { "peers", ps->id }, { "peer", p->id }, { NULL }, { NULL } };
			struct peer_stats st;
			struct fam_desc d;
			char v[32];
			int cur = 0;

			if (p->local)
				continue;
			peer_get_stats(p, &st);
			put_peer(q, fam, PEER_CONNECTED, l, st.connected ? "1" : "0");
			for (int i = 0; i < (int)ARRAY_SIZE(peer_states); i++)
				if (!strcmp(st.status, peer_states[i]))
					cur = i;
			if (fam_wanted(q, FAM_PEER(PEER_STATUS))) {
				fam_get(FAM_PEER(PEER_STATUS), &d);
				put_states(&fam[FAM_PEER(PEER_STATUS)], &d, l, 2, peer_states,
				           (int)ARRAY_SIZE(peer_states), cur);
			}
			if (st.last_hello_ms >= 0) {
				snprintf(v, sizeof(v), "%.3f", (double)st.last_hello_ms / 1000);
				put_peer(q, fam, PEER_HELLO, l, v);
			}
			snprintf(v, sizeof(v), "%u", st.reconnects);
			put_peer(q, fam, PEER_RECONNECTS, l, v);
			snprintf(v, sizeof(v), "%u", st.proto_err);
			put_peer(q, fam, PEER_PROTO_ERR, l, v);
			for (struct peer_table *pt = p->tables; pt; pt = pt->next) {
				uint32_t lag, lag_ms;

				l[2] = (struct promex_label){ "table", pt->t->id };
				snprintf(v, sizeof(v), "%llu", (unsigned long long)pt->tx_updates);
				put_peer(q, fam, PEER_TX, l, v);
				snprintf(v, sizeof(v), "%llu", (unsigned long long)pt->rx_updates);
				put_peer(q, fam, PEER_RX, l, v);
				snprintf(v, sizeof(v), "%u", pt->peer_acked);
				put_peer(q, fam, PEER_ACKED, l, v);
				lag = peer_table_lag(pt, &lag_ms);
				snprintf(v, sizeof(v), "%u", lag);
				put_peer(q, fam, PEER_LAG, l, v);
				snprintf(v, sizeof(v), "%.3f", (double)lag_ms / 1000);
				put_peer(q, fam, PEER_LAG_S, l, v);
			}
		}
	}
}

/* ---- the service ---- */

/* Renders the metrics the query string a->query (a->qlen bytes) asks for
 * into a malloc'ed <*body> of <*len> bytes, type <*ctype>. Returns 0 or
 * -ENOMEM (nothing allocated is left). Any thread.
 */
static int promex_render(const struct http_service_args *a, char **body, size_t *len, const char **ctype)
{
	struct outbuf *fam = calloc(N_FAM, sizeof(*fam));
	struct outbuf out = { NULL };
	struct promex_req q;
	size_t total = 0;
	int ret = -ENOMEM;

	if (!fam)
		return -ENOMEM;
	if (promex_parse_query(a->query, a->qlen, &q) < 0)
		goto out_free_fam;
	if (q.scopes & PS_BIT(PS_GLOBAL))
		dump_process(&q, fam);
	if (q.scopes & (PS_BIT(PS_FRONT) | PS_BIT(PS_BACK) | PS_BIT(PS_SERVER))) {
		struct promex_walk w = { .q = &q, .fam = fam };

		if (stat_rows_foreach(0, promex_row, &w) < 0)
			goto out_free_fam;
	}
	if (q.scopes & PS_BIT(PS_STICK))
		dump_tables(&q, fam);
	if (q.scopes & PS_BIT(PS_PEER))
		dump_peers(&q, fam);

	for (int i = 0; i < N_FAM; i++) {
		if (fam[i].err)
			goto out_free_fam;
		total += fam[i].len;
	}
	if (outbuf_room(&out, total) < 0)
		goto out_free_fam;
	for (int i = 0; i < N_FAM; i++)
		if (fam[i].len)
			outbuf_put(&out, fam[i].p, fam[i].len);
	*body = out.p;
	*len = out.len;
	*ctype = PROMEX_CTYPE;
	ret = 0;
out_free_fam:
	for (int i = 0; i < N_FAM; i++)
		free(fam[i].p);
	free(fam);
	return ret;
}

static struct http_service promex_service = {
	.name = "prometheus-exporter",
	.render = promex_render,
};

__attribute__((constructor)) static void promex_register(void)
{
	http_service_register(&promex_service);
}
