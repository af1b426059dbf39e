/*
 * tcp-check rules: the steps of a backend's `option tcp-check` health
 * check (HAProxy's `tcp-check connect|send|send-binary|expect|comment`).
 *
 * Principle:
 *  - Rules are configuration: built by the parser (src/cfg/cfg_check.c)
 *    into the backend's `tcpcheck_rules` list, in order, and read-only once
 *    the workers run. Checks of the backend's servers (check.c) walk them
 *    concurrently from several workers without a lock; nothing here keeps
 *    run-time state.
 *  - A `tcp-check comment` line is not a step: its text is attached to the
 *    next rule and reported when that rule fails (until then it waits as a
 *    TCPCHK_ACT_COMMENT rule at the end of the list, which checks ignore).
 *    Steps are numbered from 1 in configuration order, as HAProxy reports
 *    them ("at step 2").
 *  - A ruleset whose first step is not a `connect` gets an implicit connect
 *    to the server's address before it (reported as "initial connection
 *    step"); a ruleset that has a `connect` anywhere must start with one.
 *  - Received data is matched in a buffer of TCPCHK_BUFSIZE bytes
 *    (HAProxy's tune.chksize default): a pattern beyond it is not seen.
 *    The buffer is emptied by each connect and each send, so consecutive
 *    expects look at the same answer.
 *  - `set-var`, `set-var-fmt` and `unset-var` rules are steps that act on
 *    the check's own variables (check_smp, emptied at each probe's start)
 *    and pass at once; later send-lf / on-success / on-error formats and
 *    expressions see them. They may precede the first `connect`.
 *
 * Costs: `string` and `binary` matches O(buffer * pattern) worst case
 * (memmem), `rstring` one regexec() per arrival of data, `rbinary` the
 * same on a hex copy of the buffer (one allocation of 2 * its bytes).
 * `send-lf` renders its log-format into the check's own buffer at each
 * probe; `on-success` / `on-error` formats are rendered when they apply.
 */
#ifndef TOLLGATE_TCPCHECK_H
#define TOLLGATE_TCPCHECK_H

#include <regex.h>
#include <stddef.h>

#include <tollgate/list.h>
#include <tollgate/var_action.h>

struct logformat;

/* Bytes of the response kept for matching (HAProxy's tune.chksize). */
#define TCPCHK_BUFSIZE     16384

enum tcpcheck_action {
	TCPCHK_ACT_CONNECT = 0,      /* open a (new) connection */
	TCPCHK_ACT_SEND,             /* send bytes */
	TCPCHK_ACT_EXPECT,           /* wait for a pattern in the response */
	TCPCHK_ACT_COMMENT,          /* a `tcp-check comment` not followed by a
	                              * rule (yet): only ever last, never run */
	TCPCHK_ACT_VAR,              /* set-var / set-var-fmt / unset-var: a
	                              * check-scoped variable for later rules */
};

enum tcpcheck_match {
	TCPCHK_MATCH_STRING = 0,     /* `string`: the bytes appear in the response */
	TCPCHK_MATCH_REGEX,          /* `rstring`: POSIX extended regex search */
	TCPCHK_MATCH_BINARY,         /* `binary`: hex-decoded bytes appear */
	TCPCHK_MATCH_PROTO,          /* a protocol check's reply parser (check_proto.h) */
	TCPCHK_MATCH_RBINARY,        /* `rbinary`: regex on the upper-case hex form of the bytes */
};

struct tcpcheck_rule {
	enum tcpcheck_action action;     /* what the step does */
	int step;                        /* 1-based step number, for messages */
	char *comment;                   /* `comment` text, reported on failure, or NULL */
	/* connect */
	unsigned int port;               /* `port N`, 0: the server's port */
	int ssl;                         /* `ssl`: TLS on this connection (the server's check context) */
	int use_default;                 /* `default`: the server's check settings (check-ssl, check-sni) */
	int send_proxy;                  /* `send-proxy`: a PROXY header (v2 on a send-proxy-v2 server) first */
	char *sni;                       /* `sni <name>` sent on this connection, or NULL */
	unsigned char *alpn;             /* `alpn <list>`, wire format (length-prefixed), or NULL */
	unsigned int alpn_len;           /* its bytes */
	/* send: <data> of <len> bytes; expect: the pattern bytes */
	char *data;                      /* bytes (NUL-terminated for messages), or NULL */
	size_t len;                      /* their number */
	struct logformat *fmt;           /* `send-lf` / `send-binary-lf`: rendered per probe, else NULL */
	int fmt_binary;                  /* `send-binary-lf`: the rendered text is hex */
	/* expect */
	enum tcpcheck_match match;       /* how <data> / <re> is looked for */
	int inverse;                     /* `!`: the step fails if it matches */
	int min_recv;                    /* `min-recv N`: bytes needed before matching, -1: none */
	int proto;                       /* TCPCHK_MATCH_PROTO: its enum chkp_parser */
	char *text;                      /* the pattern as written (hex for binary), for messages */
	regex_t *re;                     /* `rstring`: compiled regex, else NULL */
	struct logformat *on_success;    /* `on-success <fmt>`: the info of a check it ends, or NULL */
	struct logformat *on_error;      /* `on-error <fmt>`: the info when it fails, or NULL */
	int status_code;                 /* `status-code int(N)`: the code of a check it ends, -1: none */
	const char *ok_status;           /* `ok-status`: its reason prefix ("Layer4 check passed"), or NULL */
	const char *err_status;          /* `error-status`: ditto for a mismatch, or NULL */
	const char *tout_status;         /* `tout-status`: ditto for a timeout, or NULL */
	/* var */
	struct var_action va;            /* TCPCHK_ACT_VAR: the action (var_action.h) */
	const char *conf_file;           /* where declared (kept) */
	int conf_line;                   /* ditto */
	struct list list;                /* link in proxy.tcpcheck_rules */
};

/* Result of tcpcheck_match(). */
#define TCPCHK_MATCH_MORE   0        /* undecided: wait for more data */
#define TCPCHK_MATCH_OK     1        /* the step passes */
#define TCPCHK_MATCH_FAIL   (-1)     /* the step fails */

/* Decodes the hexadecimal string <hex> (an even number of digits, either
 * case, no separators) into <out> of <outsz> bytes. Pure: never allocates,
 * reads <hex> up to its NUL. Returns the number of bytes written (>= 0;
 * an empty string gives 0), or -EINVAL (odd length or a non-hex digit:
 * *<bad> then points at the offending character when <bad> is not NULL) or
 * -ENOSPC (<outsz> too small).
 */
int tcpcheck_parse_hex(const char *hex, unsigned char *out, size_t outsz, const char **bad);

/* Evaluates the expect rule <r> on the <len> bytes received so far at
 * <buf> (which must have one writable byte after <len>, for the regex
 * terminator: the buffer is NUL-terminated there). <last> is 1 when no more
 * data can come (end of stream, error, or buffer full). Returns
 * TCPCHK_MATCH_OK, TCPCHK_MATCH_FAIL, or TCPCHK_MATCH_MORE when a later
 * arrival could change the verdict: fewer than min-recv bytes, or no match
 * yet without min-recv (also for `!` rules, as HAProxy: a negated rule
 * passes only once the response is complete, or once min-recv bytes are in).
 */
int tcpcheck_match(const struct tcpcheck_rule *r, char *buf, size_t len, int last);

/* Whether <rules> hold a `connect ssl` (the servers then need a TLS
 * context for their checks). 0 or 1.
 */
int tcpcheck_rules_want_ssl(const struct list *rules);

struct pr_httpchk;
/* The same for the stages of an HTTP check (`http-check connect ssl`). */
int httpchk_want_ssl(const struct pr_httpchk *hc);

/* Frees every rule of <rules> (a proxy's tcpcheck_rules) and empties the
 * list. Configuration teardown only (no check running).
 */
void tcpcheck_rules_free(struct list *rules);

#endif /* TOLLGATE_TCPCHECK_H */
