/*
 * The columns of `show stat` (HAProxy 3.x's CSV, in its order) and the
 * typed tags of each for a frontend, a backend and a server, as HAProxy
 * 3.x prints them (origin, nature, scope, then P for the counters it
 * keeps in shared memory, V for the others) with their value type.
 */
#include <tollgate/compiler.h>

#include "stat_rows.h"

const char *const stat_cols[STAT_NCOLS] = {
	"pxname", "svname", "qcur", "qmax", "scur", "smax", "slim", "stot", "bin", "bout",
	"dreq", "dresp", "ereq", "econ", "eresp", "wretr", "wredis", "status", "weight", "act",
	"bck", "chkfail", "chkdown", "lastchg", "downtime", "qlimit", "pid", "iid", "sid", "throttle",
	"lbtot", "tracked", "type", "rate", "rate_lim", "rate_max", "check_status", "check_code",
	"check_duration", "hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other",
	"hanafail", "req_rate", "req_rate_max", "req_tot", "cli_abrt", "srv_abrt", "comp_in",
	"comp_out", "comp_byp", "comp_rsp", "lastsess", "last_chk", "last_agt", "qtime", "ctime",
	"rtime", "ttime", "agent_status", "agent_code", "agent_duration", "check_desc", "agent_desc",
	"check_rise", "check_fall", "check_health", "agent_rise", "agent_fall", "agent_health",
	"addr", "cookie", "mode", "algo", "conn_rate", "conn_rate_max", "conn_tot", "intercepted",
	"dcon", "dses", "wrew", "connect", "reuse", "cache_lookups", "cache_hits", "srv_icur",
	"src_ilim", "qtime_max", "ctime_max", "rtime_max", "ttime_max", "eint", "idle_conn_cur",
	"safe_conn_cur", "used_conn_cur", "need_conn_est", "uweight", "agg_server_check_status",
	"agg_server_status", "agg_check_status", "srid", "sess_other", "h1sess", "h2sess", "h3sess",
	"req_other", "h1req", "h2req", "h3req", "proto", "priv_idle_cur", "reqbin", "reqbout",
	"resbin", "resbout", "cache_hint_hits",
	/* the H1 module's, after the standard fields as in HAProxy (where other
	 * modules' come first): HTTP body bytes spliced
	 */
	"h1_spliced_bytes_in", "h1_spliced_bytes_out",
};

const char *const stat_col_tags[STAT_NCOLS][3] = {
	{ "KNSV:str", "KNSV:str", "KNSV:str" }, /* pxname */
	{ "KNSV:str", "KNSV:str", "KNSV:str" }, /* svname */
	{ "MGPV:u32", "MGPV:u32", "MGPV:u32" }, /* qcur */
	{ "MMPV:u32", "MMPV:u32", "MMPV:u32" }, /* qmax */
	{ "MGPV:u32", "MGPV:u32", "MGPV:u32" }, /* scur */
	{ "MMPV:u32", "MMPV:u32", "MMPV:u32" }, /* smax */
	{ "CLPV:u32", "CLPV:u32", "CLPV:u32" }, /* slim */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* stot */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* bin */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* bout */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* dreq */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* dresp */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* ereq */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* econ */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* eresp */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* wretr */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* wredis */
	{ "SGPV:str", "SGPV:str", "SGPV:str" }, /* status */
	{ "MaPV:u32", "MaPV:u32", "MaPV:u32" }, /* weight */
	{ "MGPV:u32", "MGPV:u32", "SGPV:u32" }, /* act */
	{ "MGPV:u32", "MGPV:u32", "SGPV:u32" }, /* bck */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* chkfail */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* chkdown */
	{ "MAPP:u32", "MAPP:u32", "MAPP:u32" }, /* lastchg */
	{ "MCPV:u32", "MCPV:u32", "MCPV:u32" }, /* downtime */
	{ "CGSV:u32", "CGSV:u32", "CGSV:u32" }, /* qlimit */
	{ "KGPV:u32", "KGPV:u32", "KGPV:u32" }, /* pid */
	{ "KGSV:u32", "KGSV:u32", "KGSV:u32" }, /* iid */
	{ "KGSV:u32", "KGSV:u32", "KGSV:u32" }, /* sid */
	{ "MaPV:u32", "MaPV:u32", "MaPV:u32" }, /* throttle */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* lbtot */
	{ "CNSV:str", "CNSV:str", "CNSV:str" }, /* tracked */
	{ "CGSV:u32", "CGSV:u32", "CGSV:u32" }, /* type */
	{ "MRPP:u32", "MRPP:u32", "MRPP:u32" }, /* rate */
	{ "CLPV:u32", "CLPV:u32", "CLPV:u32" }, /* rate_lim */
	{ "MMPV:u32", "MGPV:u32", "MMPV:u32" }, /* rate_max */
	{ "MOPV:str", "MOPV:str", "MOPV:str" }, /* check_status */
	{ "MOPV:u32", "MOPV:u32", "MOPV:u32" }, /* check_code */
	{ "MDPV:u64", "MDPV:u64", "MDPV:u64" }, /* check_duration */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* hrsp_1xx */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* hrsp_2xx */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* hrsp_3xx */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* hrsp_4xx */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* hrsp_5xx */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* hrsp_other */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* hanafail */
	{ "MRPP:u32", "MRPP:u32", "MRPP:u32" }, /* req_rate */
	{ "MMPV:u32", "MMPV:u32", "MMPV:u32" }, /* req_rate_max */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* req_tot */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* cli_abrt */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* srv_abrt */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* comp_in */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* comp_out */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* comp_byp */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* comp_rsp */
	{ "MAPP:s32", "MAPP:s32", "MAPP:s32" }, /* lastsess */
	{ "MOPV:str", "MOPV:str", "MOPV:str" }, /* last_chk */
	{ "MOPV:str", "MOPV:str", "MOPV:str" }, /* last_agt */
	{ "MaPV:u32", "MaPV:u32", "MaPV:u32" }, /* qtime */
	{ "MaPV:u32", "MaPV:u32", "MaPV:u32" }, /* ctime */
	{ "MaPV:u32", "MaPV:u32", "MaPV:u32" }, /* rtime */
	{ "MaPV:u32", "MaPV:u32", "MaPV:u32" }, /* ttime */
	{ "MOPV:str", "MOPV:str", "MOPV:str" }, /* agent_status */
	{ "MOPV:u32", "MOPV:u32", "MOPV:u32" }, /* agent_code */
	{ "MDPV:u64", "MDPV:u64", "MDPV:u64" }, /* agent_duration */
	{ "MOPV:str", "MOPV:str", "MOPV:str" }, /* check_desc */
	{ "MOPV:str", "MOPV:str", "MOPV:str" }, /* agent_desc */
	{ "CGSV:u32", "CGSV:u32", "CGSV:u32" }, /* check_rise */
	{ "CGSV:u32", "CGSV:u32", "CGSV:u32" }, /* check_fall */
	{ "CGSV:u32", "CGSV:u32", "CGSV:u32" }, /* check_health */
	{ "CGSV:u32", "CGSV:u32", "CGSV:u32" }, /* agent_rise */
	{ "CGSV:u32", "CGSV:u32", "CGSV:u32" }, /* agent_fall */
	{ "CGSV:u32", "CGSV:u32", "CGSV:u32" }, /* agent_health */
	{ "CGSV:str", "CGSV:str", "CGSV:str" }, /* addr */
	{ "CNSV:str", "CNSV:str", "CNSV:str" }, /* cookie */
	{ "CGSV:str", "CGSV:str", "CGSV:str" }, /* mode */
	{ "CGSV:str", "CGSV:str", "CGSV:str" }, /* algo */
	{ "MRPP:u32", "MRPP:u32", "MRPP:u32" }, /* conn_rate */
	{ "MMPV:u32", "MMPV:u32", "MMPV:u32" }, /* conn_rate_max */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* conn_tot */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* intercepted */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* dcon */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* dses */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* wrew */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* connect */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* reuse */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* cache_lookups */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* cache_hits */
	{ "MGPV:u32", "MGPV:u32", "MGPV:u32" }, /* srv_icur */
	{ "CLPV:u32", "CLPV:u32", "CLPV:u32" }, /* src_ilim */
	{ "MMPV:u32", "MMPV:u32", "MMPV:u32" }, /* qtime_max */
	{ "MMPV:u32", "MMPV:u32", "MMPV:u32" }, /* ctime_max */
	{ "MMPV:u32", "MMPV:u32", "MMPV:u32" }, /* rtime_max */
	{ "MMPV:u32", "MMPV:u32", "MMPV:u32" }, /* ttime_max */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* eint */
	{ "MGPV:u32", "MGPV:u32", "MGPV:u32" }, /* idle_conn_cur */
	{ "MGPV:u32", "MGPV:u32", "MGPV:u32" }, /* safe_conn_cur */
	{ "MGPV:u32", "MGPV:u32", "MGPV:u32" }, /* used_conn_cur */
	{ "MGPV:u32", "MGPV:u32", "MGPV:u32" }, /* need_conn_est */
	{ "MaPV:u32", "MaPV:u32", "MaPV:u32" }, /* uweight */
	{ "MGPV:u32", "MGPV:u32", "MGPV:u32" }, /* agg_server_check_status */
	{ "MGPV:u32", "MGPV:u32", "MGPV:u32" }, /* agg_server_status */
	{ "MGPV:u32", "MGPV:u32", "MGPV:u32" }, /* agg_check_status */
	{ "MCPV:u32", "MCPV:u32", "MCPV:u32" }, /* srid */
	{ "MCPV:u64", "MCPV:u64", "MCPV:u64" }, /* sess_other */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* h1sess */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* h2sess */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* h3sess */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* req_other */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* h1req */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* h2req */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* h3req */
	{ "MCPV:u64", "MCPV:u64", "MCPV:u64" }, /* proto */
	{ "MCPV:u64", "MCPV:u64", "MCPV:u64" }, /* priv_idle_cur */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* reqbin */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* reqbout */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* resbin */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* resbout */
	{ "MCPP:u64", "MCPP:u64", "MCPP:u64" }, /* cache_hint_hits */
	{ "MCPV:u64", "MCPV:u64", "MCPV:u64" }, /* h1_spliced_bytes_in */
	{ "MCPV:u64", "MCPV:u64", "MCPV:u64" }, /* h1_spliced_bytes_out */
};

const char *const stat_col_desc[STAT_NCOLS] = {
	"Proxy name", /* pxname */
	"Server name", /* svname */
	"Number of current queued connections", /* qcur */
	"Highest value of queued connections encountered since process started", /* qmax */
	"Number of current sessions on the frontend, backend or server", /* scur */
	"Highest value of current sessions encountered since process started", /* smax */
	"Frontend/listener/server's maxconn, backend's fullconn", /* slim */
	"Total number of sessions since process started", /* stot */
	"Total number of request bytes since process started", /* bin */
	"Total number of response bytes since process started", /* bout */
	"Total number of denied requests since process started", /* dreq */
	"Total number of denied responses since process started", /* dresp */
	"Total number of invalid requests since process started", /* ereq */
	"Total number of failed connections to server since the worker process started", /* econ */
	"Total number of invalid responses since the worker process started", /* eresp */
	"Total number of server connection retries since the worker process started", /* wretr */
	/* wredis */
	"Total number of server redispatches due to connection failures since the worker process started",
	/* status */
	"Frontend/listen status: OPEN/WAITING/FULL/STOP; backend: UP/DOWN; server: last check status",
	/* weight */
	"Server's effective weight, or sum of active servers' effective weights for a backend",
	"Total number of active UP servers with a non-zero weight", /* act */
	"Total number of backup UP servers with a non-zero weight", /* bck */
	/* chkfail */
	"Total number of failed individual health checks per server/backend, since the worker process started",
	/* chkdown */
	"Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started",
	"How long ago the last server state changed, in seconds", /* lastchg */
	"Total time spent in DOWN state, for server or backend", /* downtime */
	/* qlimit */
	"Limit on the number of connections in queue, for servers only (maxqueue argument)",
	"Relative worker process number (1)", /* pid */
	"Frontend or Backend numeric identifier ('id' setting)", /* iid */
	"Server numeric identifier ('id' setting)", /* sid */
	/* throttle */
	"Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)",
	/* lbtot */
	"Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)",
	"Name of the other server this server tracks for its state", /* tracked */
	"Type of the object (Listener, Frontend, Backend, Server)", /* type */
	/* rate */
	"Total number of sessions processed by this object over the last second (sessions for listeners/frontends, requests for backends/servers)",
	/* rate_lim */
	"Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)",
	"Highest value of sessions per second observed since the worker process started", /* rate_max */
	/* check_status */
	"Status report of the server's latest health check, prefixed with '*' if a check is currently in progress",
	"HTTP/SMTP/LDAP status code reported by the latest server health check", /* check_code */
	"Total duration of the latest server health check, in milliseconds", /* check_duration */
	/* hrsp_1xx */
	"Total number of HTTP responses with status 100-199 returned by this object since the worker process started",
	/* hrsp_2xx */
	"Total number of HTTP responses with status 200-299 returned by this object since the worker process started",
	/* hrsp_3xx */
	"Total number of HTTP responses with status 300-399 returned by this object since the worker process started",
	/* hrsp_4xx */
	"Total number of HTTP responses with status 400-499 returned by this object since the worker process started",
	/* hrsp_5xx */
	"Total number of HTTP responses with status 500-599 returned by this object since the worker process started",
	/* hrsp_other */
	"Total number of HTTP responses with status <100, >599 returned by this object since the worker process started (error -1 included)",
	/* hanafail */
	"Total number of failed checks caused by an 'on-error' directive after an 'observe' condition matched",
	"Number of HTTP requests processed over the last second on this object", /* req_rate */
	"Highest value of http requests observed since the worker process started", /* req_rate_max */
	/* req_tot */
	"Total number of HTTP requests processed by this object since the worker process started",
	/* cli_abrt */
	"Total number of requests or connections aborted by the client since the worker process started",
	/* srv_abrt */
	"Total number of requests or connections aborted by the server since the worker process started",
	/* comp_in */
	"Total number of bytes submitted to the HTTP compressor for this object since the worker process started",
	/* comp_out */
	"Total number of bytes emitted by the HTTP compressor for this object since the worker process started",
	/* comp_byp */
	"Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)",
	/* comp_rsp */
	"Total number of HTTP responses that were compressed for this object since the worker process started",
	/* lastsess */
	"How long ago some traffic was seen on this object on this worker process, in seconds",
	/* last_chk */
	"Short description of the latest health check report for this server (see also check_desc)",
	/* last_agt */
	"Short description of the latest agent check report for this server (see also agent_desc)",
	/* qtime */
	"Time spent in the queue, in milliseconds, averaged over the 1024 last requests (backend/server)",
	/* ctime */
	"Time spent waiting for a connection to complete, in milliseconds, averaged over the 1024 last requests (backend/server)",
	/* rtime */
	"Time spent waiting for a server response, in milliseconds, averaged over the 1024 last requests (backend/server)",
	/* ttime */
	"Total request+response time (request+queue+connect+response+processing), in milliseconds, averaged over the 1024 last requests (backend/server)",
	/* agent_status */
	"Status report of the server's latest agent check, prefixed with '*' if a check is currently in progress",
	"Status code reported by the latest server agent check", /* agent_code */
	"Total duration of the latest server agent check, in milliseconds", /* agent_duration */
	"Textual description of the latest health check report for this server", /* check_desc */
	"Textual description of the latest agent check report for this server", /* agent_desc */
	/* check_rise */
	"Number of successful health checks before declaring a server UP (server 'rise' setting)",
	/* check_fall */
	"Number of failed health checks before declaring a server DOWN (server 'fall' setting)",
	"Current server health check level (0..fall-1=DOWN, fall..rise-1=UP)", /* check_health */
	/* agent_rise */
	"Number of successful agent checks before declaring a server UP (server 'rise' setting)",
	/* agent_fall */
	"Number of failed agent checks before declaring a server DOWN (server 'fall' setting)",
	"Current server agent check level (0..fall-1=DOWN, fall..rise-1=UP)", /* agent_health */
	/* addr */
	"Server's address:port, shown only if show-legends is set, or at levels oper/admin for the CLI",
	/* cookie */
	"Backend's cookie name or Server's cookie value, shown only if show-legends is set, or at levels oper/admin for the CLI",
	"'mode' setting (tcp/http/health/cli)", /* mode */
	/* algo */
	"Backend's load balancing algorithm, shown only if show-legends is set, or at levels oper/admin for the CLI",
	/* conn_rate */
	"Number of new connections accepted over the last second on the frontend for this worker process",
	/* conn_rate_max */
	"Highest value of connections per second observed since the worker process started",
	/* conn_tot */
	"Total number of new connections accepted on this frontend since the worker process started",
	/* intercepted */
	"Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started",
	/* dcon */
	"Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started",
	/* dses */
	"Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started",
	"Total number of failed HTTP header rewrites since the worker process started", /* wrew */
	/* connect */
	"Total number of outgoing connection attempts on this backend/server since the worker process started",
	/* reuse */
	"Total number of reused connection on this backend/server since the worker process started",
	/* cache_lookups */
	"Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started",
	/* cache_hits */
	"Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started",
	"Current number of idle connections available for reuse on this server", /* srv_icur */
	/* src_ilim */
	"Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)",
	"Maximum observed time spent in the queue, in milliseconds (backend/server)", /* qtime_max */
	/* ctime_max */
	"Maximum observed time spent waiting for a connection to complete, in milliseconds (backend/server)",
	/* rtime_max */
	"Maximum observed time spent waiting for a server response, in milliseconds (backend/server)",
	/* ttime_max */
	"Maximum observed total request+response time (request+queue+connect+response+processing), in milliseconds (backend/server)",
	"Total number of internal errors since process started", /* eint */
	"Current number of unsafe idle connections", /* idle_conn_cur */
	"Current number of safe idle connections", /* safe_conn_cur */
	"Current number of connections in use", /* used_conn_cur */
	"Estimated needed number of connections", /* need_conn_est */
	"Server's user weight, or sum of active servers' user weights for a backend", /* uweight */
	"Backend's aggregated gauge of servers' state check status", /* agg_server_check_status */
	"Backend's aggregated gauge of servers' status", /* agg_server_status */
	"Backend's aggregated gauge of servers' state check status", /* agg_check_status */
	"Server id revision, to prevent server id reuse mixups", /* srid */
	"Total number of sessions other than HTTP since process started", /* sess_other */
	"Total number of HTTP/1 sessions since process started", /* h1sess */
	"Total number of HTTP/2 sessions since process started", /* h2sess */
	"Total number of HTTP/3 sessions since process started", /* h3sess */
	/* req_other */
	"Total number of sessions other than HTTP processed by this object since the worker process started",
	/* h1req */
	"Total number of HTTP/1 sessions processed by this object since the worker process started",
	/* h2req */
	"Total number of hTTP/2 sessions processed by this object since the worker process started",
	/* h3req */
	"Total number of HTTP/3 sessions processed by this object since the worker process started",
	"Protocol", /* proto */
	"Current number of private idle connections", /* priv_idle_cur */
	"Total number of request bytes received since process started", /* reqbin */
	"Total number of request bytes sent since process started", /* reqbout */
	"Total number of response bytes received since process started", /* resbin */
	"Total number of response bytes sent since process started", /* resbout */
	/* cache_hint_hits */
	"Total number of HTTP requests for which a 103 Early Hints response was emitted from the cache on this frontend/backend since the worker process started",
	"Total number of bytes received using kernel splicing", /* h1_spliced_bytes_in */
	"Total number of bytes sendusing kernel splicing", /* h1_spliced_bytes_out */
};
