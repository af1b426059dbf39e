/*
 * Protocol health checks: `option smtpchk`, `pgsql-check`, `redis-check`,
 * `mysql-check`, `ldap-check` and `spop-check`.
 *
 * Principle:
 *  - Each one is a tcp-check ruleset (tcpcheck.h) that the proxy's option
 *    selects: checks_start() builds it with chkp_build_rules() from the
 *    proxy's pr_chkproto (the kind and its argument: the SMTP greeting
 *    command, the PostgreSQL or MySQL user), runs it with the tcp-check
 *    engine of check.c, and checks_stop() frees it.
 *  - Its sends are fixed bytes (built once per proxy); its expects are
 *    TCPCHK_MATCH_PROTO rules naming a reply parser of this file. The
 *    parsers are pure functions over (buffer, length): they never allocate,
 *    never read past the length, and can be called again as more bytes
 *    arrive. They judge the reply as HAProxy does and describe it in
 *    HAProxy's words ("Layer7 wrong status, code: 421, info: \"Try again
 *    later\"").
 *
 * Costs: each parser is O(length of the reply) per call; a check calls it
 * once per arrival of data.
 */
#ifndef TOLLGATE_CHECK_PROTO_H
#define TOLLGATE_CHECK_PROTO_H

#include <stddef.h>

#include <tollgate/list.h>

/* Kinds of protocol check (pr_chkproto.kind). */
enum chkp_kind {
	CHKP_NONE = 0,       /* no protocol check */
	CHKP_SMTP,           /* option smtpchk [EHLO|HELO <domain>] */
	CHKP_PGSQL,          /* option pgsql-check user <name> */
	CHKP_REDIS,          /* option redis-check */
	CHKP_MYSQL,          /* option mysql-check [user <name> [pre-41|post-41|post-80]] */
	CHKP_LDAP,           /* option ldap-check */
	CHKP_SPOP,           /* option spop-check */
};

/* Reply parsers (tcpcheck_rule.proto of a TCPCHK_MATCH_PROTO expect). */
enum chkp_parser {
	CHKP_P_SMTP = 0,     /* one SMTP reply, single or multi-line, 2xx passes */
	CHKP_P_PGSQL,        /* the answer to a StartupMessage: an authentication request */
	CHKP_P_REDIS,        /* "+PONG\r\n" */
	CHKP_P_MYSQL_HS,     /* the MySQL initial handshake packet */
	CHKP_P_MYSQL_OK,     /* the MySQL packet following the handshake */
	CHKP_P_LDAP,         /* an LDAPv3 BindResponse, resultCode 0 */
	CHKP_P_SPOP,         /* an SPOP AGENT-HELLO frame */
};

/* Outcome of a reply parser. */
#define CHKP_MORE    0       /* undecided: wait for more bytes */
#define CHKP_PASS    1       /* the step passes */
#define CHKP_FAIL  (-1)      /* the check fails */

/* Verdict statuses (chkp_verdict.status), HAProxy's. */
#define CHKP_ST_OK   0       /* "Layer7 check passed" */
#define CHKP_ST_STS  1       /* "Layer7 wrong status" (with a code) */
#define CHKP_ST_RSP  2       /* "Layer7 invalid response" */

struct chkp_verdict {
	int status;          /* CHKP_ST_*, meaningful on PASS (with info) and FAIL */
	int code;            /* status code reported (SMTP code, MySQL error...), else 0 */
	char info[160];      /* the info text, printable ASCII ("" when none) */
};

/* The protocol check settings of a proxy (proxy.chkproto). */
struct pr_chkproto {
	enum chkp_kind kind;     /* CHKP_NONE: none */
	char *arg;               /* SMTP command, PostgreSQL/MySQL user, or NULL */
	int variant;             /* MySQL: 0 post-41, 1 pre-41, 2 post-80 */
};

/* Judges the reply held in <buf>[0..<len>) with parser <p>. <last> is 1
 * when no more bytes can come (end of stream, or the buffer is full).
 * Returns CHKP_MORE, CHKP_PASS or CHKP_FAIL and fills <v> on PASS and
 * FAIL: on PASS, v->info is the success text when the parser has one
 * (then v->status is CHKP_ST_OK), else "". Pure.
 */
int chkp_parse(enum chkp_parser p, const unsigned char *buf, size_t len, int last, struct chkp_verdict *v);

/* Writes <len> bytes of <s> into <out> of <size> (> 0) bytes as HAProxy
 * prints a check's info: printable ASCII kept, other bytes as "\xNN",
 * cut where <out> is full. Stops at the first NUL byte if <to_nul>.
 * Pure.
 */
void chkp_info(char *out, size_t size, const unsigned char *s, size_t len, int to_nul);

/* Appends to <rules> (an empty list) the ruleset of the protocol check
 * <pc>. Returns 0 or -ENOMEM (rules built so far stay in <rules>; free
 * them with tcpcheck_rules_free()).
 */
int chkp_build_rules(struct list *rules, const struct pr_chkproto *pc);

#endif /* TOLLGATE_CHECK_PROTO_H */
