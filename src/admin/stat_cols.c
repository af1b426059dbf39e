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
