/*
 * http-request / http-response / http-after-response rules: the parsing
 * of one action, execution, use-server rules, table and server resolution.
 * See http_rules.h; the rule's representation is in http_rules_int.h and
 * the replies of return / deny / http-error in http_rules_reply.c. The
 * keywords (`http-request`, `http-response`, `redirect`, `errorfile`...) are
 * in src/cfg/cfg_http_rules.c, which builds rules through
 * http_rule_parse() / http_rule_add() below. The stick-counter actions
 * (track-sc, sc-inc-gpc, sc-set-gpt) are parsed and run by sc_action.c,
 * shared with tcp-request rules.
 *
 * Regular expressions of replace-header / replace-value / replace-path /
 * replace-pathq / replace-uri are POSIX extended ones
 * (regcomp(REG_EXTENDED)), not PCRE as in HAProxy: no \d, no lazy
 * quantifiers, no look-around. The replacement is a log-format string
 * (rendered first, when it has a '%') in which \0..\9 are then the
 * matched groups, as in HAProxy.
 *
 * Execution runs on the stream's thread and allocates nothing: values are
 * rendered into stack buffers and copied into the head's arena
 * (http_msg.h), whose size bounds them anyway.
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/acl.h>
#include <tollgate/tcp_rules.h>
#include <tollgate/cfg.h>
#include <tollgate/compiler.h>
#include <tollgate/h1.h>
#include <tollgate/http_msg.h>
#include <tollgate/http_reply.h>
#include <tollgate/http_rules.h>
#include <tollgate/http_service.h>
#include <tollgate/http_txn.h>
#include <tollgate/list.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>
#include <tollgate/sample.h>
#include <tollgate/sc_action.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/stkctr.h>
#include <tollgate/clock.h>
#include <tollgate/ticks.h>
#include <tollgate/stream-t.h>
#include <tollgate/uri_norm.h>
#include <tollgate/var_action.h>

#include "http_rules_int.h"

/* The names of the timeouts of `set-timeout`, by enum hr_tmo. */
static const char *const hr_tmo_names[HR_TMO_COUNT] = {
	"client", "server", "tunnel", "connect", "queue", "tarpit",
};

/* ---------------------------------------------------------------------- */
/* Parsing                                                                */
/* ---------------------------------------------------------------------- */

int hr_set_err(char **err, const char *fmt, ...)
{
	va_list ap;

	free(*err);
	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return -1;
}

int hr_is_cond_word(const char *w)
{
	return !strcmp(w, "if") || !strcmp(w, "unless");
}

/* Returns the word at *<pos> and advances, or NULL (with *<err>) if the
 * line ends there or a condition starts.
 */
const char *hr_next_arg(int argc, char **args, int *pos, const char *act, const char *what, char **err)
{
	if (*pos >= argc || hr_is_cond_word(args[*pos])) {
		hr_set_err(err, "'%s' expects %s.", act, what);
		return NULL;
	}
	return args[(*pos)++];
}

int hr_parse_lf(const char *text, int is_req, struct logformat **lf, const char *act, char **err)
{
	char *why = NULL;

	*lf = logformat_parse(text, is_req ? SMP_USE_HTTP_REQ : SMP_USE_HTTP_RES, &why);
	if (!*lf) {
		hr_set_err(err, "'%s' : invalid format '%s': %s.", act, text, why ? why : "parse error");
		free(why);
		return -1;
	}
	return 0;
}

/* Parses the sample expression <text> of action <act> into *<expr>, for
 * the request's rules if <is_req>. 0, or -1 with *<err> set.
 */
static int parse_expr(const char *text, int is_req, struct sample_expr **expr, const char *act, char **err)
{
	char *why = NULL;

	if (sample_parse_expr(text, is_req ? SMP_USE_HTTP_REQ : SMP_USE_HTTP_RES, expr, &why) < 0) {
		hr_set_err(err, "'%s' : %s", act, why ? why : "invalid sample expression");
		free(why);
		return -1;
	}
	return 0;
}

/* Parses the decimal status <s> into *<st>, checking <min>..<max>. */
int hr_parse_status(const char *s, int min, int max, int *st)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < min || v > max)
		return -1;
	*st = (int)v;
	return 0;
}

static int parse_redirect(struct http_rule *r, int argc, char **args, int *pos, char **err)
{
	const char *kind = hr_next_arg(argc, args, pos, "redirect", "'location', 'prefix' or 'scheme' followed by a value", err);
	const char *val;

	if (!kind)
		return -1;
	if (!strcmp(kind, "location"))
		r->rdr = RDR_LOCATION;
	else if (!strcmp(kind, "prefix"))
		r->rdr = RDR_PREFIX;
	else if (!strcmp(kind, "scheme"))
		r->rdr = RDR_SCHEME;
	else
		return hr_set_err(err, "'redirect' : unknown type '%s' (expected 'location', 'prefix' or 'scheme').", kind);
	if (!(val = hr_next_arg(argc, args, pos, "redirect", "a value after the redirect type", err)))
		return -1;
	if (hr_parse_lf(val, 1, &r->lf, "redirect", err) < 0)
		return -1;
	r->status = 302;
	while (*pos < argc && !hr_is_cond_word(args[*pos])) {
		const char *w = args[(*pos)++];

		if (!strcmp(w, "code")) {
			if (*pos >= argc || hr_parse_status(args[*pos], 301, 308, &r->status) < 0 ||
			    r->status == 304 || r->status == 305 || r->status == 306)
				return hr_set_err(err, "'redirect' : 'code' expects 301, 302, 303, 307 or 308.");
			(*pos)++;
		} else if (!strcmp(w, "drop-query")) {
			r->rdr_flags |= RDR_F_DROP_QUERY;
		} else if (!strcmp(w, "append-slash")) {
			r->rdr_flags |= RDR_F_APPEND_SLASH;
		} else if (!strcmp(w, "set-cookie") || !strcmp(w, "clear-cookie")) {
			const char *c = hr_next_arg(argc, args, pos, "redirect", "a cookie after 'set-cookie' / 'clear-cookie'", err);
			int n;

			if (!c)
				return -1;
			free(r->cookie);
			if (w[0] == 's')
				n = asprintf(&r->cookie, "set-cookie: %s; path=/\r\n", c);
			else
				n = asprintf(&r->cookie, "set-cookie: %.*s=; Max-Age=0; path=/\r\n",
				             (int)strcspn(c, "="), c);
			if (n < 0) {
				r->cookie = NULL;
				return hr_set_err(err, "out of memory");
			}
		} else {
			return hr_set_err(err, "'redirect' : unexpected '%s' (expected code, drop-query, append-slash, set-cookie, clear-cookie, if or unless).", w);
		}
	}
	return 0;
}

/* Parses one action and its arguments starting at args[*pos] (the action
 * word). Returns 0 or -1 with *<err>.
 */
static int parse_action(struct http_rule *r, int argc, char **args, int *pos, char **err)
{
	const char *a = args[(*pos)++];
	int req = r->is_req;
	enum sc_act_type sct;

	if (r->after && (!strcmp(a, "deny") || !strcmp(a, "reject") || !strcmp(a, "return") || !strcmp(a, "tarpit") ||
	                 !strcmp(a, "redirect") || !strcmp(a, "use-service") || !strncmp(a, "track-sc", 8) ||
	                 !strcmp(a, "wait-for-body")))
		return hr_set_err(err, "unknown action '%s' (supported: allow, set-map(<file>), del-map(<file>), set-header, add-header, del-header, replace-header, replace-value, set-status, strict-mode, set-log-level, capture, sc-inc-gpc(<idx>,<N>), sc-inc-gpc0(<N>), sc-inc-gpc1(<N>), sc-set-gpt(<idx>,<N>), sc-set-gpt0(<N>), set-var(<scope>.<name>), set-var-fmt(<scope>.<name>), unset-var(<scope>.<name>)).", a);

	if (!strcmp(a, "allow")) {
		r->act = HA_ALLOW;
	} else if (!strcmp(a, "reject") && req) {
		r->act = HA_REJECT;
	} else if (!strcmp(a, "silent-drop") && !r->after) {
		r->act = HA_SILENT_DROP;
		(*pos)--;
		return silent_drop_parse(argc, args, pos, &r->status, err);
	} else if (!strcmp(a, "deny")) {
		r->act = HA_DENY;
		return hr_parse_reply(r, argc, args, pos, "deny", req ? 403 : 502, err);
	} else if (!strcmp(a, "tarpit") && req) {
		r->act = HA_TARPIT;
		return hr_parse_reply(r, argc, args, pos, "tarpit", 500, err);
	} else if (!strcmp(a, "return")) {
		r->act = HA_RETURN;
		return hr_parse_reply(r, argc, args, pos, "return", 200, err);
	} else if (!strcmp(a, "auth") && req) {
		r->act = HA_AUTH;
		if (*pos < argc && !strcmp(args[*pos], "realm")) {
			const char *realm;

			(*pos)++;
			if (!(realm = hr_next_arg(argc, args, pos, a, "a realm after 'realm'", err)))
				return -1;
			if (!(r->name = strdup(realm)))
				return hr_set_err(err, "out of memory");
		}
	} else if (!strcmp(a, "redirect") && req) {
		r->act = HA_REDIRECT;
		return parse_redirect(r, argc, args, pos, err);
	} else if (!strcmp(a, "set-header") || !strcmp(a, "add-header")) {
		const char *n, *v;

		r->act = a[0] == 's' ? HA_SET_HDR : HA_ADD_HDR;
		if (!(n = hr_next_arg(argc, args, pos, a, "a header name and a value", err)) ||
		    !(v = hr_next_arg(argc, args, pos, a, "a header name and a value", err)))
			return -1;
		if (!(r->name = strdup(n)))
			return hr_set_err(err, "out of memory");
		r->nlen = strlen(n);
		return hr_parse_lf(v, req, &r->lf, a, err);
	} else if (!strcmp(a, "del-header")) {
		const char *n = hr_next_arg(argc, args, pos, a, "a header name", err);

		r->act = HA_DEL_HDR;
		if (!n)
			return -1;
		if (!(r->name = strdup(n)))
			return hr_set_err(err, "out of memory");
		r->nlen = strlen(n);
		if (*pos < argc && !strcmp(args[*pos], "-m")) {
			static const char *const meths[] = { "str", "beg", "end", "sub", "reg" };
			const char *m;

			(*pos)++;
			if (!(m = hr_next_arg(argc, args, pos, a, "a matching method after '-m' (str, beg, end, sub, reg)", err)))
				return -1;
			for (r->del_meth = 0; r->del_meth < 5 && strcmp(m, meths[r->del_meth]); r->del_meth++)
				;
			if (r->del_meth == 5)
				return hr_set_err(err, "'del-header' : unknown matching method '%s' (expected str, beg, end, sub or reg).", m);
			if (r->del_meth == DEL_M_REG) {
				char why[256];
				int rc = regcomp(&r->re, n, REG_EXTENDED | REG_NOSUB);

				if (rc) {
					regerror(rc, &r->re, why, sizeof(why));
					return hr_set_err(err, "'del-header' : invalid regex '%s': %s (POSIX extended syntax).", n, why);
				}
				r->has_re = 1;
			}
		}
	} else if (!strcmp(a, "replace-header") || !strcmp(a, "replace-value") ||
	           (req && (!strcmp(a, "replace-path") || !strcmp(a, "replace-pathq") || !strcmp(a, "replace-uri")))) {
		int has_name = a[8] == 'h' || a[8] == 'v';
		const char *what = has_name ? "a header name, a regex and a replacement" : "a regex and a replacement";
		const char *n = NULL, *re, *rep;
		char why[256];
		int rc;

		r->act = a[8] == 'h' ? HA_REPLACE_HDR : a[8] == 'v' ? HA_REPLACE_VAL :
		         a[8] == 'u' ? HA_REPLACE_URI : a[12] == 'q' ? HA_REPLACE_PATHQ : HA_REPLACE_PATH;
		if ((has_name && !(n = hr_next_arg(argc, args, pos, a, what, err))) ||
		    !(re = hr_next_arg(argc, args, pos, a, what, err)) ||
		    !(rep = hr_next_arg(argc, args, pos, a, what, err)))
			return -1;
		rc = regcomp(&r->re, re, REG_EXTENDED);
		if (rc) {
			regerror(rc, &r->re, why, sizeof(why));
			return hr_set_err(err, "'%s' : invalid regex '%s': %s (POSIX extended syntax).", a, re, why);
		}
		r->has_re = 1;
		for (const char *p = rep; *p; p++)
			if (*p == '\\' && p[1] >= '0' && p[1] <= '9' && (size_t)(p[1] - '0') > r->re.re_nsub)
				return hr_set_err(err, "'%s' : '\\%c' refers to a group the regex does not have (%zu groups).",
				               a, p[1], r->re.re_nsub);
		if (!(r->repl = strdup(rep)) || (n && !(r->name = strdup(n))))
			return hr_set_err(err, "out of memory");
		if (strchr(rep, '%') && hr_parse_lf(rep, req, &r->lf, a, err) < 0)
			return -1;
		r->nlen = n ? strlen(n) : 0;
	} else if (req && (!strcmp(a, "set-path") || !strcmp(a, "set-query") || !strcmp(a, "set-method") ||
	                   !strcmp(a, "set-uri") || !strcmp(a, "set-pathq"))) {
		const char *v = hr_next_arg(argc, args, pos, a, "a value", err);

		r->act = !strcmp(a, "set-pathq") ? HA_SET_PATHQ : a[4] == 'p' ? HA_SET_PATH : a[4] == 'q' ? HA_SET_QUERY :
		         a[4] == 'm' ? HA_SET_METHOD : HA_SET_URI;
		if (!v)
			return -1;
		return hr_parse_lf(v, req, &r->lf, a, err);
	} else if (req && !strcmp(a, "normalize-uri")) {
		const char *n = hr_next_arg(argc, args, pos, a, "a normalizer (path-merge-slashes, path-strip-dot, path-strip-dotdot, query-sort-by-name, percent-to-uppercase, percent-decode-unreserved, fragment-strip, fragment-encode)", err);
		unsigned int opts;

		r->act = HA_NORMALIZE_URI;
		if (!n)
			return -1;
		if (uri_norm_lookup(n, &r->norm, &opts) < 0)
			return hr_set_err(err, "'normalize-uri' : unknown normalizer '%s' (supported: path-merge-slashes, path-strip-dot, path-strip-dotdot, query-sort-by-name, percent-to-uppercase, percent-decode-unreserved, fragment-strip, fragment-encode).", n);
		if (*pos < argc && (opts & URI_NORM_F_FULL) && !strcmp(args[*pos], "full")) {
			r->norm_flags = URI_NORM_F_FULL;
			(*pos)++;
		} else if (*pos < argc && (opts & URI_NORM_F_STRICT) && !strcmp(args[*pos], "strict")) {
			r->norm_flags = URI_NORM_F_STRICT;
			(*pos)++;
		}
	} else if (!req && !strcmp(a, "set-status")) {
		r->act = HA_SET_STATUS;
		if (*pos >= argc || hr_parse_status(args[*pos], 100, 999, &r->status) < 0)
			return hr_set_err(err, "'set-status' expects a status code from 100 to 999.");
		(*pos)++;
		if (*pos < argc && !strcmp(args[*pos], "reason")) {
			const char *rs;

			(*pos)++;
			if (!(rs = hr_next_arg(argc, args, pos, "set-status", "a text after 'reason'", err)))
				return -1;
			if (!(r->reason = strdup(rs)))
				return hr_set_err(err, "out of memory");
		}
	} else if ((sct = sc_action_type(a)) != SC_ACT_NONE && (req || sct != SC_ACT_TRACK)) {
		r->act = HA_SC;
		(*pos)--;    /* sc_action_parse() starts at the action word */
		return sc_action_parse(&r->sc, req ? SMP_USE_HTTP_REQ : SMP_USE_HTTP_RES, argc, args, pos, err);
	} else if (req && (!strcmp(a, "set-src") || !strcmp(a, "set-src-port") || !strcmp(a, "set-dst") ||
	                   !strcmp(a, "set-dst-port"))) {
		r->act = !strcmp(a, "set-src") ? HA_SET_SRC : !strcmp(a, "set-src-port") ? HA_SET_SRC_PORT :
		         !strcmp(a, "set-dst") ? HA_SET_DST : HA_SET_DST_PORT;
		if (*pos >= argc || hr_is_cond_word(args[*pos]))
			return hr_set_err(err, "'%s' expects a sample expression.", a);
		return parse_expr(args[(*pos)++], req, &r->expr, a, err);
	} else if (!strcmp(a, "capture")) {
		const char *e = hr_next_arg(argc, args, pos, a, "a sample expression, then 'len <N>' or 'id <N>'", err);
		const char *kw, *n;
		char *end;
		long v;

		r->act = HA_CAPTURE;
		if (!e || parse_expr(e, req, &r->expr, a, err) < 0)
			return -1;
		if (!(kw = hr_next_arg(argc, args, pos, a, "'len <N>' or 'id <N>' after the sample", err)) ||
		    !(n = hr_next_arg(argc, args, pos, a, "a number after 'len' / 'id'", err)))
			return -1;
		v = strtol(n, &end, 10);
		if (!strcmp(kw, "len") && req && !*end && v > 0) {
			r->cap_id = -1;
			r->cap_len = v > PR_CAPTURE_MAX ? PR_CAPTURE_MAX : (unsigned int)v;   /* longer ones are cut */
		} else if (!strcmp(kw, "id") && !*end && v >= 0 && v < PR_MAX_CAPTURES) {
			r->cap_id = (int)v;
			r->cap_len = PR_CAPTURE_MAX;
		} else {
			return hr_set_err(err, "'capture' : expected %s'id <N>' (0 to %d), got '%s %s'.",
			               req ? "'len <N>' (N > 0) or " : "", PR_MAX_CAPTURES - 1, kw, n);
		}
	} else if (req && !strcmp(a, "set-timeout")) {
		const char *w = hr_next_arg(argc, args, pos, a, "'client', 'server', 'tunnel', 'connect', 'queue' or 'tarpit' and a timeout", err), *v;
		unsigned int ms;
		char *why = NULL;

		r->act = HA_SET_TIMEOUT;
		if (!w || !(v = hr_next_arg(argc, args, pos, a, "a timeout (e.g. 10s) or a sample expression", err)))
			return -1;
		for (r->status = 0; r->status < HR_TMO_COUNT && strcmp(w, hr_tmo_names[r->status]); r->status++)
			;
		if (r->status == HR_TMO_COUNT)
			return hr_set_err(err, "'set-timeout' : unsupported timeout '%s' (supported: client, server, tunnel, connect, queue, tarpit).", w);
		if (cfg_parse_time(v, &ms, &why) == 0) {
			r->timeout_ms = ms ? ms : 1;   /* a constant */
		} else {
			free(why);
			if (parse_expr(v, req, &r->expr, a, err) < 0)
				return -1;
		}
	} else if (!strcmp(a, "wait-for-body")) {
		const char *v;
		char *why = NULL;
		uint64_t n;

		r->act = HA_WAIT_BODY;
		if (*pos >= argc || strcmp(args[*pos], "time"))
			return hr_set_err(err, "'wait-for-body' expects 'time <time>' [ 'at-least <bytes>' ].");
		(*pos)++;
		if (!(v = hr_next_arg(argc, args, pos, a, "a time after 'time'", err)))
			return -1;
		if (cfg_parse_time(v, &r->timeout_ms, &why) < 0 || !r->timeout_ms) {
			hr_set_err(err, "'wait-for-body time' : invalid time '%s'%s%s.", v, why ? ": " : "", why ? why : "");
			free(why);
			return -1;
		}
		if (*pos < argc && !strcmp(args[*pos], "at-least")) {
			(*pos)++;
			if (!(v = hr_next_arg(argc, args, pos, a, "a size after 'at-least'", err)))
				return -1;
			if (cfg_parse_size(v, &n, &why) < 0 || n > UINT32_MAX) {
				hr_set_err(err, "'wait-for-body at-least' : invalid size '%s'%s%s.", v, why ? ": " : "", why ? why : "");
				free(why);
				return -1;
			}
			r->at_least = (uint32_t)n;
		}
	} else if (req && !strcmp(a, "set-retries")) {
		const char *v = hr_next_arg(argc, args, pos, a, "a number of retries or a sample expression", err);
		char *end;
		long n;

		r->act = HA_SET_RETRIES;
		if (!v)
			return -1;
		n = strtol(v, &end, 10);
		if (end != v && !*end) {
			if (n < 0 || n > 100)
				return hr_set_err(err, "'set-retries' expects a number from 0 to 100, got '%s'.", v);
			r->status = (int)n + 1;   /* a constant */
			return 0;
		}
		return parse_expr(v, req, &r->expr, a, err);
	} else if (!strcmp(a, "set-log-level")) {
		static const char *const levels[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info",
		                                      "debug", "silent" };
		const char *v = hr_next_arg(argc, args, pos, a, "a level (emerg ... debug, or silent)", err);

		r->act = HA_SET_LOG_LEVEL;
		if (!v)
			return -1;
		for (r->status = 0; r->status < 9 && strcmp(v, levels[r->status]); r->status++)
			;
		if (r->status == 9)
			return hr_set_err(err, "'set-log-level' : unknown level '%s' (expected emerg, alert, crit, err, warning, notice, info, debug or silent).", v);
		r->status++;   /* 1..8: severity + 1, 9: silent */
	} else if (!strcmp(a, "strict-mode")) {
		const char *v = hr_next_arg(argc, args, pos, a, "'on' or 'off'", err);

		r->act = HA_STRICT_MODE;
		if (!v)
			return -1;
		if (strcmp(v, "on") && strcmp(v, "off"))
			return hr_set_err(err, "'strict-mode' expects 'on' or 'off', got '%s'.", v);
		r->status = !strcmp(v, "on");
	} else if (map_action_type(a) != MAP_ACT_NONE &&
	           !(r->after && (map_action_type(a) == MAP_ACT_ADD_ACL || map_action_type(a) == MAP_ACT_DEL_ACL))) {
		r->act = HA_MAP;
		(*pos)--;    /* map_action_parse() starts at the action word */
		return map_action_parse(&r->ma, req ? SMP_USE_HTTP_REQ : SMP_USE_HTTP_RES, argc, args, pos, err);
	} else if (var_action_type(a) != VAR_ACT_NONE) {
		r->act = HA_VAR;
		(*pos)--;    /* var_action_parse() starts at the action word */
		return var_action_parse(&r->va, req ? SMP_USE_HTTP_REQ : SMP_USE_HTTP_RES, argc, args, pos, err);
	} else if (!strcmp(a, "use-service") && req) {
		const char *n = hr_next_arg(argc, args, pos, a, "a service name", err);
		char names[256];

		r->act = HA_SERVICE;
		if (!n)
			return -1;
		r->svc = http_service_find(n);
		if (!r->svc || r->svc->internal) {
			http_service_names(names, sizeof(names));
			return hr_set_err(err, "'use-service' : unknown service '%s' (supported: %s).", n, names);
		}
	} else if (req) {
		return hr_set_err(err, "unknown action '%s' (supported: allow, deny, reject, silent-drop, tarpit, set-map(<file>), del-map(<file>), add-acl(<file>), del-acl(<file>), return, redirect, auth, set-header, add-header, del-header, replace-header, replace-value, set-path, set-query, set-method, set-uri, set-pathq, replace-path, replace-pathq, replace-uri, normalize-uri, set-src, set-dst, set-src-port, set-dst-port, set-timeout, set-retries, strict-mode, set-log-level, capture, track-sc<N>, sc-inc-gpc(<idx>,<N>), sc-inc-gpc0(<N>), sc-inc-gpc1(<N>), sc-set-gpt(<idx>,<N>), sc-set-gpt0(<N>), set-var(<scope>.<name>), set-var-fmt(<scope>.<name>), unset-var(<scope>.<name>), use-service <name>).", a);
	} else {
		return hr_set_err(err, "unknown action '%s' (supported: allow, deny, return, silent-drop, set-map(<file>), del-map(<file>), add-acl(<file>), del-acl(<file>), set-header, add-header, del-header, replace-header, replace-value, set-status, strict-mode, set-log-level, capture, sc-inc-gpc(<idx>,<N>), sc-inc-gpc0(<N>), sc-inc-gpc1(<N>), sc-set-gpt(<idx>,<N>), sc-set-gpt0(<N>), set-var(<scope>.<name>), set-var-fmt(<scope>.<name>), unset-var(<scope>.<name>)).", a);
	}
	return 0;
}

struct http_rule *http_rule_parse(int is_req, int argc, char **args, int *pos, const char *file, int line,
                                  char **err)
{
	struct http_rule *r = calloc(1, sizeof(*r));

	if (!r) {
		hr_set_err(err, "out of memory");
		return NULL;
	}
	r->after = is_req == HTTP_RULES_AFTER;
	r->is_req = is_req == 1;
	r->conf_file = file;
	r->conf_line = line;
	if (parse_action(r, argc, args, pos, err) < 0) {
		http_rule_destroy(r);
		return NULL;
	}
	return r;
}

int http_rule_add(struct proxy *px, struct http_rule *r, struct acl_cond *cond, char **err)
{
	if (r->act == HA_SET_TIMEOUT && r->status != HR_TMO_TARPIT &&
	    !(px->cap & (r->status != HR_TMO_CLIENT ? PR_CAP_BE : PR_CAP_FE)))
		return hr_set_err(err, "'set-timeout %s' : proxy '%s' has no %s capability.",
		               hr_tmo_names[r->status], px->id, r->status != HR_TMO_CLIENT ? "backend" : "frontend");
	if (r->act == HA_CAPTURE && r->cap_id < 0) {   /* capture ... len <N>: a new slot */
		if (!(px->cap & PR_CAP_FE))
			return hr_set_err(err, "'capture ... len' needs a frontend (use 'id' in a backend).");
		if (px->nb_cap_req >= PR_MAX_CAPTURES)
			return hr_set_err(err, "'capture' : at most %d request captures per frontend.", PR_MAX_CAPTURES);
		px->cap_req[px->nb_cap_req].len = r->cap_len;   /* no name: filled by rules */
		r->cap_id = (int)px->nb_cap_req++;
	}
	r->cond = cond;
	list_append(r->is_req ? &px->http_req_rules : r->after ? &px->http_after_res_rules : &px->http_res_rules,
	            &r->list);
	return 0;
}

void http_rule_destroy(struct http_rule *r)
{
	if (!r)
		return;
	free(r->name);
	logformat_free(r->lf);
	hr_reply_fmt_free(r->rfmt);
	if (r->has_re)
		regfree(&r->re);
	free(r->repl);
	free(r->reason);
	free(r->cookie);
	var_action_free(&r->va);
	map_action_free(&r->ma);
	sample_free_expr(r->expr);
	sc_action_free(&r->sc);
	cond_free(r->cond);
	/* r->reply is a constant reply: kept until exit (http_reply.h) */
	free(r);
}

/* ---------------------------------------------------------------------- */
/* Execution                                                              */
/* ---------------------------------------------------------------------- */


/* Applies <r>'s regex to <v> (<vlen> bytes). On a match, writes the
 * replacement <repl> with its back-references into <out> (<room> bytes) and
 * returns its length; returns -1 when the regex does not match and -2
 * when the result does not fit.
 */
static long regex_replace(const struct http_rule *r, const char *repl, const char *v, size_t vlen, char *out,
                          size_t room)
{
	char subject[VALUE_MAX];
	regmatch_t m[10];
	size_t o = 0;

	if (vlen >= sizeof(subject))
		return -2;
	memcpy(subject, v, vlen);
	subject[vlen] = '\0';
	if (regexec(&r->re, subject, 10, m, 0))
		return -1;
	for (const char *p = repl; *p; p++) {
		if (*p == '\\' && p[1] >= '0' && p[1] <= '9') {
			int g = *++p - '0';

			if (m[g].rm_so >= 0) {
				size_t l = (size_t)(m[g].rm_eo - m[g].rm_so);

				if (o + l > room)
					return -2;
				memcpy(out + o, subject + m[g].rm_so, l);
				o += l;
			}
			continue;
		}
		if (*p == '\\' && p[1] == '\\')
			p++;
		if (o + 1 > room)
			return -2;
		out[o++] = *p;
	}
	return (long)o;
}

/* replace-header / replace-value on every field named as <r> says, with
 * the replacement <repl>. Returns 0 or a negative errno.
 */
static int do_replace(const struct http_rule *r, const char *repl, struct http_head *hh)
{
	char out[VALUE_MAX];
	int pos = -1;

	while (http_hdr_next(hh, r->name, r->nlen, &pos) >= 0) {
		const char *v = hh->f[pos].v;
		size_t vlen = hh->f[pos].vlen;
		long n;

		if (r->act == HA_REPLACE_HDR) {
			n = regex_replace(r, repl, v, vlen, out, sizeof(out));
			if (n == -1)
				continue;
		} else {
			const char *e;
			size_t elen, vp = 0, o = 0;
			int changed = 0;

			while (http_value_next(v, vlen, &vp, &e, &elen)) {
				long k;

				if (o && o + 2 <= sizeof(out)) {
					memcpy(out + o, ", ", 2);
					o += 2;
				}
				k = regex_replace(r, repl, e, elen, out + o, sizeof(out) - o);
				if (k == -2)
					return -ENOSPC;
				if (k == -1) {
					if (o + elen > sizeof(out))
						return -ENOSPC;
					memcpy(out + o, e, elen);
					k = (long)elen;
				} else {
					changed = 1;
				}
				o += (size_t)k;
			}
			if (!changed)
				continue;
			n = (long)o;
		}
		if (n < 0)
			return -ENOSPC;
		if (http_hdr_set_value(hh, pos, out, (size_t)n) < 0)
			return -ENOSPC;
	}
	return 0;
}

/* replace-path, replace-pathq, replace-uri: the part of the target <r>
 * names, replaced when the regex matches it. Returns 0 or a negative errno.
 */
static int do_replace_target(const struct http_rule *r, const char *repl, struct http_head *hh)
{
	char out[VALUE_MAX];
	const char *v;
	size_t vlen;
	long n;

	if (r->act == HA_REPLACE_URI) {
		v = hh->uri;
		vlen = hh->uri_len;
	} else if (r->act == HA_REPLACE_PATHQ) {
		v = http_uri_pathq(hh, &vlen);
	} else {
		v = http_uri_path(hh, &vlen);
	}
	n = regex_replace(r, repl, v, vlen, out, sizeof(out));
	if (n == -1)
		return 0;
	if (n < 0)
		return -ENOSPC;
	return r->act == HA_REPLACE_URI ? http_set_uri(hh, out, (size_t)n) :
	       r->act == HA_REPLACE_PATHQ ? http_set_pathq(hh, out, (size_t)n) : http_set_path(hh, out, (size_t)n);
}

/* Returns 1 if <h> (<hlen> bytes) contains <n> (<nlen>), any case. */
static int name_contains(const char *h, size_t hlen, const char *n, size_t nlen)
{
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (!strncasecmp(h + i, n, nlen))
			return 1;
	return 0;
}

/* del-header <name> -m <meth>: removes every field whose name matches. */
static void del_header_match(const struct http_rule *r, struct http_head *hh)
{
	char name[256];

	for (uint32_t i = 0; i < hh->nf; i++) {
		struct http_field *f = &hh->f[i];
		int match;

		if (!f->n)
			continue;
		switch (r->del_meth) {
		case DEL_M_BEG:
			match = f->nlen >= r->nlen && !strncasecmp(f->n, r->name, r->nlen);
			break;
		case DEL_M_END:
			match = f->nlen >= r->nlen && !strncasecmp(f->n + f->nlen - r->nlen, r->name, r->nlen);
			break;
		case DEL_M_SUB:
			match = name_contains(f->n, f->nlen, r->name, r->nlen);
			break;
		case DEL_M_REG:
			if (f->nlen >= sizeof(name))
				continue;
			memcpy(name, f->n, f->nlen);
			name[f->nlen] = '\0';
			match = !regexec(&r->re, name, 0, NULL, 0);
			break;
		default:
			match = f->nlen == r->nlen && !strncasecmp(f->n, r->name, r->nlen);
			break;
		}
		if (match)
			f->n = NULL;
	}
	while (hh->nf && !hh->f[hh->nf - 1].n)   /* trailing deleted entries can be reused */
		hh->nf--;
}

/* Appends <len> bytes of <src> to <buf> at *<o> (capacity <room>). */
static int put(char *buf, size_t room, size_t *o, const char *src, size_t len)
{
	if (*o + len > room)
		return -1;
	memcpy(buf + *o, src, len);
	*o += len;
	return 0;
}

/* Builds the redirect of <r> for <s> into <out>. Returns its length, 0 if
 * it does not fit.
 */
static size_t do_redirect(const struct http_rule *r, struct stream *s, char *out, size_t room)
{
	struct http_txn *txn = s->txn;
	struct http_head *hh = &txn->req;
	char loc[VALUE_MAX * 2], str[VALUE_MAX];
	size_t o = 0, slen, plen, len;
	int close;

	slen = logformat_render(r->lf, s, str, sizeof(str));
	if (r->rdr == RDR_LOCATION) {
		if (put(loc, sizeof(loc), &o, str, slen) < 0)
			return 0;
	} else {
		const char *path = http_uri_path(hh, &plen);
		const char *uend = hh->uri + hh->uri_len;
		int pos = -1;

		if (r->rdr == RDR_SCHEME) {
			if (put(loc, sizeof(loc), &o, str, slen) < 0 || put(loc, sizeof(loc), &o, "://", 3) < 0)
				return 0;
			if (http_hdr_next(hh, "host", 4, &pos) >= 0 &&
			    put(loc, sizeof(loc), &o, hh->f[pos].v, hh->f[pos].vlen) < 0)
				return 0;
		} else if (!(slen == 1 && str[0] == '/')) {
			/* prefix "/" means: the original URI alone (HAProxy) */
			if (put(loc, sizeof(loc), &o, str, slen) < 0)
				return 0;
		}
		if (!(r->rdr_flags & RDR_F_DROP_QUERY) && path && path >= hh->uri && path <= uend)
			plen = (size_t)(uend - path);    /* path and query */
		if (!path || !plen) {
			path = "/";
			plen = 1;
		}
		if (put(loc, sizeof(loc), &o, path, plen) < 0)
			return 0;
		if ((r->rdr_flags & RDR_F_APPEND_SLASH) && loc[o - 1] != '/' &&
		    put(loc, sizeof(loc), &o, "/", 1) < 0)
			return 0;
	}
	close = (txn->flags & TX_CLI_CLOSE) || !h1_keep_alive(&txn->req_h1);
	len = http_reply_redirect(out, room, r->status, loc, o, close);
	if (len && r->cookie) {
		size_t clen = strlen(r->cookie);

		/* insert the cookie line before the final CRLF */
		if (len + clen > room)
			return 0;
		memmove(out + len - 2 + clen, out + len - 2, 2);
		memcpy(out + len - 2, r->cookie, clen);
		len += clen;
	}
	return len;
}

/* set-src, set-src-port, set-dst, set-dst-port: changes the address of
 * the stream's connection as the rules and the logs see it. An address
 * keeps the port of the one it replaces; a sample that is no address (or
 * port) changes nothing, as HAProxy.
 */
static void set_addr(const struct http_rule *r, struct stream *s, struct sample_ctx *ctx)
{
	int is_src = r->act == HA_SET_SRC || r->act == HA_SET_SRC_PORT;
	int is_port = r->act == HA_SET_SRC_PORT || r->act == HA_SET_DST_PORT;
	struct addr *a = is_src ? &s->cli_addr : &s->dst_addr;
	struct sample smp;
	unsigned int port;

	memset(&smp, 0, sizeof(smp));
	if (!sample_eval(r->expr, ctx, &smp) || !sample_cast(&smp, is_port ? SMP_T_SINT : SMP_T_ADDR))
		return;
	if (!is_src && !s->has_dst) {
		if (s->cli.fd < 0 || sock_get_name(s->cli.fd, &s->dst_addr) < 0)
			return;
		s->has_dst = 1;
	}
	if (is_port) {
		if (smp.data.u.sint < 0 || smp.data.u.sint > 65535 ||
		    (addr_sa(a)->sa_family != AF_INET && addr_sa(a)->sa_family != AF_INET6))
			return;
		addr_set_port(a, (unsigned int)smp.data.u.sint);
		return;
	}
	port = addr_sa(a)->sa_family == AF_INET || addr_sa(a)->sa_family == AF_INET6 ? addr_port(a) : 0;
	memset(&a->ss, 0, sizeof(a->ss));
	if (smp.data.type == SMP_T_IPV4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = smp.data.u.ipv4;
		a->len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = smp.data.u.ipv6;
		a->len = sizeof(*sin6);
	}
	a->kind = ADDR_INET;
	a->fd = -1;
	addr_set_port(a, port);
}

/* Returns 1 if the head <hh> being rewritten, grown by <add> bytes and
 * shrunk by <del>, still fits in its channel's buffer beside what the
 * buffer holds after the received head (the body's first bytes), as
 * HAProxy's rewrites must fit in its buffer; the room left for them is at
 * least tune.maxrewrite.
 */
static int head_fits(const struct stream *s, int is_req, const struct http_head *hh, size_t add, size_t del)
{
	const struct buffer *b = is_req ? &s->req.buf : &s->res.buf;
	const struct h1_msg *m = is_req ? &s->txn->req_h1 : &s->txn->res_h1;
	size_t after = buf_data(b) > m->pos ? buf_data(b) - m->pos : 0;

	return !b->size || http_head_size(hh, is_req) + add - del + after <= b->size;
}

/* Returns 1 if set-header / add-header <r> with a value of <vlen> bytes
 * leaves a head that fits (head_fits()), checked before the change so
 * that a refused one changes nothing.
 */
static int hdr_change_fits(const struct http_rule *r, const struct stream *s, int is_req,
                           const struct http_head *hh, size_t vlen)
{
	size_t del = 0;
	int pos = -1;

	while (r->act == HA_SET_HDR && http_hdr_next(hh, r->name, r->nlen, &pos) >= 0)
		del += hh->f[pos].nlen + hh->f[pos].vlen + 4;
	return head_fits(s, is_req, hh, r->nlen + vlen + 4, del);
}

/* Writes into <out> the answer of `http-request auth`: the proxy's 401
 * page (errorfile or built-in) with a Basic challenge for <realm> in
 * WWW-Authenticate after its status line, or with <proxy> (a proxy request
 * under `option http-use-proxy-header`) the 407 page with
 * Proxy-Authenticate, as HAProxy. Returns the length, 0 if it does not fit.
 */
static size_t auth_reply(const struct proxy *px, const char *realm, int proxy, char *out, size_t room)
{
	const struct http_reply *rp = http_error_reply(px, proxy ? 407 : 401);
	const char *eol = memchr(rp->data, '\n', rp->len);
	size_t sl = eol ? (size_t)(eol - rp->data) + 1 : 0;
	int n;

	if (!sl || sl > room)
		return 0;
	memcpy(out, rp->data, sl);
	n = snprintf(out + sl, room - sl, "%s: Basic realm=\"%s\"\r\n", proxy ? "proxy-authenticate" : "www-authenticate",
	             realm);
	if (n < 0 || sl + (size_t)n + (rp->len - sl) > room)
		return 0;
	memcpy(out + sl + (size_t)n, rp->data + sl, rp->len - sl);
	return rp->len + (size_t)n;
}

/* Whether action <act> ends the evaluation of its rule list. */
static int hr_is_final(enum http_act act)
{
	switch (act) {
	case HA_ALLOW: case HA_REJECT: case HA_SILENT_DROP: case HA_DENY: case HA_TARPIT:
	case HA_RETURN: case HA_AUTH: case HA_SERVICE: case HA_REDIRECT:
		return 1;
	default:
		return 0;
	}
}

/* Sets the outcome of a final action. */
static enum http_verdict outcome(struct http_outcome *o, enum http_verdict v, int status, const char *data, size_t len)
{
	o->status = status;
	o->data = data;
	o->len = len;
	return v;
}

/* Runs the rules of <rules> (of proxy <px>; NULL for http-after-response)
 * from the first one, or from the wait-for-body rule of <px> that stopped
 * an earlier evaluation.
 */
static enum http_verdict rules_exec(const struct proxy *px, struct list *rules, int is_req, struct stream *s,
                                    struct http_outcome *o, char *out, size_t room)
{
	struct http_txn *txn = s->txn;
	struct http_head *hh = is_req ? &txn->req : &txn->res;
	struct sample_ctx ctx = { .strm = s, .txn = txn, .opt = SMP_OPT_FINAL };
	struct http_rule *r;
	char val[VALUE_MAX];

	const struct http_rule *from = txn->wait_rule && txn->wait_px == px ? txn->wait_rule : NULL;

	list_for_each(r, rules, list) {
		size_t len;
		int ret = 0;

		if (from) {
			if (r != from)
				continue;
			from = NULL;
		}
		if (r->cond && !cond_exec(r->cond, &ctx))
			continue;
		if (hr_is_final(r->act)) {   /* last_rule_file, last_rule_line */
			s->last_rule_file = r->conf_file;
			s->last_rule_line = r->conf_line;
		}
		switch (r->act) {
		case HA_ALLOW:
			return HTTP_VERDICT_ALLOW;
		case HA_REJECT:
			return HTTP_VERDICT_REJECT;
		case HA_SILENT_DROP:
			silent_drop_exec(s, r->status);
			return HTTP_VERDICT_REJECT;
		case HA_DENY:
		case HA_TARPIT:
			txn->deny_status = r->status;
			if (r->rfmt && r->act == HA_DENY) {
				len = hr_render_reply(r, r->rfmt, s, out, room);
				if (!len)
					return outcome(o, HTTP_VERDICT_ERROR, 500, NULL, 0);
				return outcome(o, HTTP_VERDICT_DENY, r->status, out, len);
			}
			return outcome(o, r->act == HA_DENY ? HTTP_VERDICT_DENY : HTTP_VERDICT_TARPIT, r->status,
			             r->reply ? r->reply->data : NULL, r->reply ? r->reply->len : 0);
		case HA_RETURN:
			if (r->rfmt) {
				len = hr_render_reply(r, r->rfmt, s, out, room);
				if (!len)
					return outcome(o, HTTP_VERDICT_ERROR, 500, NULL, 0);
				return outcome(o, HTTP_VERDICT_REPLY, r->status, out, len);
			}
			return outcome(o, HTTP_VERDICT_REPLY, r->status, r->reply ? r->reply->data : NULL,
			             r->reply ? r->reply->len : 0);
		case HA_AUTH:
			len = auth_reply(px, r->name ? r->name : px->id, !!(txn->flags & TX_USE_PX_CONN), out, room);
			if (!len)
				return outcome(o, HTTP_VERDICT_ERROR, 500, NULL, 0);
			return outcome(o, HTTP_VERDICT_REPLY, txn->flags & TX_USE_PX_CONN ? 407 : 401, out, len);
		case HA_SERVICE:
			o->svc = r->svc;
			return outcome(o, HTTP_VERDICT_SERVICE, 200, NULL, 0);
		case HA_REDIRECT:
			len = do_redirect(r, s, out, room);
			if (!len)
				return outcome(o, HTTP_VERDICT_ERROR, 500, NULL, 0);
			return outcome(o, HTTP_VERDICT_REPLY, r->status, out, len);
		case HA_SET_HDR:
		case HA_ADD_HDR:
			len = logformat_render(r->lf, s, val, sizeof(val));
			if (!hdr_change_fits(r, s, is_req, hh, len))
				ret = -ENOSPC;   /* refused before any change */
			else
				ret = r->act == HA_SET_HDR ? http_hdr_set(hh, r->name, r->nlen, val, len)
				                           : http_hdr_add(hh, r->name, r->nlen, val, len);
			break;
		case HA_DEL_HDR:
			if (r->del_meth == DEL_M_STR)
				http_hdr_del(hh, r->name, r->nlen);
			else
				del_header_match(r, hh);
			break;
		case HA_REPLACE_HDR:
		case HA_REPLACE_VAL:
		case HA_REPLACE_PATH:
		case HA_REPLACE_PATHQ:
		case HA_REPLACE_URI: {
			const char *repl = r->repl;

			if (r->lf) {   /* a log-format replacement, rendered first */
				val[logformat_render(r->lf, s, val, sizeof(val) - 1)] = '\0';
				repl = val;
			}
			ret = r->act == HA_REPLACE_HDR || r->act == HA_REPLACE_VAL ? do_replace(r, repl, hh) :
			      do_replace_target(r, repl, hh);
			break;
		}
		case HA_SET_PATH:
		case HA_SET_QUERY:
		case HA_SET_METHOD:
		case HA_SET_URI:
		case HA_SET_PATHQ:
			len = logformat_render(r->lf, s, val, sizeof(val));
			ret = r->act == HA_SET_PATH ? http_set_path(hh, val, len) :
			      r->act == HA_SET_PATHQ ? http_set_pathq(hh, val, len) :
			      r->act == HA_SET_QUERY ? http_set_query(hh, val, len) :
			      r->act == HA_SET_METHOD ? http_set_method(hh, val, len) : http_set_uri(hh, val, len);
			break;
		case HA_NORMALIZE_URI: {
			const char *pq = http_uri_pathq(hh, &len);
			long n = uri_normalize(r->norm, r->norm_flags, pq, len, val, sizeof(val));

			if (n == -EINVAL)
				return outcome(o, HTTP_VERDICT_ERROR, 400, NULL, 0);   /* strict: a bad request */
			ret = n < 0 ? -ENOSPC : (size_t)n == len && !memcmp(val, pq, len) ? 0 :
			      http_set_pathq(hh, val, (size_t)n);
			break;
		}
		case HA_SET_STATUS:
			ret = http_set_status(hh, r->status, r->reason, r->reason ? strlen(r->reason) : 0);
			break;
		case HA_SC:
			if (sc_action_exec(&r->sc, s, &ctx))
				stkctr_http_req(&s->sc, 1U << r->sc.sc);   /* a newly tracked entry counts this request at once */
			break;
		case HA_VAR:
			var_action_exec(&r->va, s, &ctx);
			break;
		case HA_MAP:
			map_action_exec(&r->ma, s);
			break;
		case HA_CAPTURE: {
			struct sample smp;
			const struct proxy *fe = s->fe;
			unsigned int nb = is_req ? fe->nb_cap_req : fe->nb_cap_res;

			memset(&smp, 0, sizeof(smp));
			if ((unsigned int)r->cap_id < nb && sample_eval(r->expr, &ctx, &smp) && sample_cast(&smp, SMP_T_STR)) {
				const struct pr_capture *c = is_req ? &fe->cap_req[r->cap_id] : &fe->cap_res[r->cap_id];
				size_t n = smp.data.u.str.len;

				if (n > c->len)
					n = c->len;
				memcpy(txn->cap[!is_req][r->cap_id], smp.data.u.str.ptr, n);
				txn->cap_len[!is_req][r->cap_id] = (int16_t)n;
			}
			break;
		}
		case HA_SET_TIMEOUT: {
			unsigned int ms = r->timeout_ms;
			struct sample smp;

			if (r->expr) {   /* an expression: milliseconds, ignored when not positive */
				memset(&smp, 0, sizeof(smp));
				if (!sample_eval(r->expr, &ctx, &smp) || !sample_cast(&smp, SMP_T_SINT) ||
				    smp.data.u.sint <= 0 || smp.data.u.sint > INT32_MAX)
					break;
				ms = (unsigned int)smp.data.u.sint;
			}
			switch (r->status) {
			case HR_TMO_CLIENT: s->tmo_client = ms; break;
			case HR_TMO_SERVER: s->tmo_server = ms; break;
			case HR_TMO_TUNNEL: s->tmo_tunnel = ms; break;
			case HR_TMO_CONNECT: s->tmo_connect = ms; break;
			case HR_TMO_QUEUE: s->tmo_queue = ms; break;
			default: s->tmo_tarpit = ms; break;
			}
			break;
		}
		case HA_WAIT_BODY:
			if (txn->wait_rule == r && txn->wait_ready) {
				/* the body is there (or enough of it): go on */
				txn->wait_rule = NULL;
				txn->wait_ready = 0;
				break;
			}
			txn->wait_rule = r;
			txn->wait_px = px;
			txn->wait_exp = tick_add(now_ms, r->timeout_ms);
			txn->wait_least = r->at_least;
			txn->wait_ready = 0;
			return HTTP_VERDICT_WAIT;
		case HA_SET_RETRIES: {
			struct sample smp;
			int64_t n = r->status - 1;

			if (r->expr) {   /* an expression: ignored when not 0..100 */
				memset(&smp, 0, sizeof(smp));
				if (!sample_eval(r->expr, &ctx, &smp) || !sample_cast(&smp, SMP_T_SINT) ||
				    smp.data.u.sint < 0 || smp.data.u.sint > 100)
					break;
				n = smp.data.u.sint;
			}
			s->retries_set = (unsigned int)n + 1;
			break;
		}
		case HA_SET_LOG_LEVEL:
			txn->flags = (txn->flags & ~TX_LOGLVL_MASK) | ((unsigned int)r->status << TX_LOGLVL_SHIFT);
			break;
		case HA_STRICT_MODE:
			if (r->status)
				txn->flags &= ~TX_LAX_REWRITE;
			else
				txn->flags |= TX_LAX_REWRITE;
			break;
		case HA_SET_SRC:
		case HA_SET_SRC_PORT:
		case HA_SET_DST:
		case HA_SET_DST_PORT:
			set_addr(r, s, &ctx);
			break;
		}
		/* the other rewrites are checked once made: in lax mode, one that
		 * does not fit stays, and the head then fails to be sent (500)
		 */
		if (!ret && ((r->act > HA_ADD_HDR && r->act <= HA_NORMALIZE_URI) || r->act == HA_SET_STATUS) &&
		    !head_fits(s, is_req, hh, 0, 0))
			ret = -ENOSPC;
		if (ret < 0 && !(txn->flags & TX_LAX_REWRITE))
			return outcome(o, HTTP_VERDICT_ERROR, 500, NULL, 0);   /* failed rewrite, strict mode */
	}
	return HTTP_VERDICT_CONT;
}

enum http_verdict http_req_rules_exec(struct proxy *px, struct stream *s, struct http_outcome *o,
                                      char *out, size_t room)
{
	return rules_exec(px, &px->http_req_rules, 1, s, o, out, room);
}

enum http_verdict http_res_rules_exec(struct proxy *px, struct stream *s, struct http_outcome *o,
                                      char *out, size_t room)
{
	return rules_exec(px, &px->http_res_rules, 0, s, o, out, room);
}

int http_after_res_rules_exec(struct stream *s)
{
	struct http_outcome o = { 0 };
	char none[1];

	/* the final actions are refused in this list: <none> is never written */
	if (s->be && s->be != s->fe &&
	    rules_exec(NULL, &s->be->http_after_res_rules, 0, s, &o, none, 0) == HTTP_VERDICT_ERROR)
		return -1;
	if (rules_exec(NULL, &s->fe->http_after_res_rules, 0, s, &o, none, 0) == HTTP_VERDICT_ERROR)
		return -1;
	return 0;
}

int http_after_res_rules_present(const struct stream *s)
{
	return !list_empty(&s->fe->http_after_res_rules) ||
	       (s->be && !list_empty(&s->be->http_after_res_rules));
}

/* ---------------------------------------------------------------------- */
/* use-server                                                             */
/* ---------------------------------------------------------------------- */

/* `use-server <name> [if|unless <cond>]` of a backend. */
struct http_srv_rule {
	char *name;                  /* server name, as written */
	struct server *srv;          /* resolved by http_rules_resolve() */
	struct acl_cond *cond;       /* or NULL: always */
	const char *conf_file;       /* where declared (lives until exit) */
	int conf_line;               /* ditto */
	struct list list;            /* in proxy->server_rules */
};

int http_srv_rule_add(struct proxy *px, const char *name, struct acl_cond *cond, const char *file, int line)
{
	struct http_srv_rule *r = calloc(1, sizeof(*r));

	if (!r || !(r->name = strdup(name))) {
		free(r);
		return -1;
	}
	r->cond = cond;
	r->conf_file = file;
	r->conf_line = line;
	list_append(&px->server_rules, &r->list);
	return 0;
}

void http_use_server(struct stream *s)
{
	struct sample_ctx ctx = { .strm = s, .txn = s->txn, .opt = SMP_OPT_FINAL };
	struct http_srv_rule *r;

	list_for_each(r, &s->be->server_rules, list) {
		if (r->cond && !cond_exec(r->cond, &ctx))
			continue;
		if (r->srv && lb_srv_usable(r->srv)) {
			server_hold(&s->pref_srv, r->srv);   /* assigned as a persistence cookie would be */
			return;
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Resolution, release                                                    */
/* ---------------------------------------------------------------------- */

int http_rules_resolve(void (*report)(void *arg, int is_err, const char *file, int line, const char *msg),
                       void *arg)
{
	int errs = 0;

	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct http_srv_rule *sr;
		struct http_rule *r;

		list_for_each(sr, &px->server_rules, list) {
			char msg[512];

			sr->srv = server_find(px, sr->name);
			if (sr->srv) {
				sr->srv->flags |= SRV_F_NON_PURGEABLE;   /* the rule points to it */
			} else {
				snprintf(msg, sizeof(msg), "'use-server %s' : no such server in backend '%s'.", sr->name, px->id);
				report(arg, 1, sr->conf_file, sr->conf_line, msg);
				errs++;
			}
		}

		list_for_each(r, &px->http_req_rules, list) {
			char what[32], msg[512];

			if (r->act != HA_SC)
				continue;
			snprintf(what, sizeof(what), "http-request track-sc%u", r->sc.sc);
			if (sc_action_resolve(&r->sc, px, what, msg, sizeof(msg)) < 0) {
				report(arg, 1, r->conf_file, r->conf_line, msg);
				errs++;
			}
		}
	}
	return errs;
}

void http_rules_free(struct proxy *px)
{
	struct list *lists[3] = { &px->http_req_rules, &px->http_res_rules, &px->http_after_res_rules };

	for (int i = 0; i < 3; i++) {
		struct http_rule *r, *back;

		list_for_each_safe(r, back, lists[i], list)
			http_rule_destroy(r);
		list_init(lists[i]);
	}
	{
		struct http_srv_rule *r, *back;

		list_for_each_safe(r, back, &px->server_rules, list) {
			free(r->name);
			cond_free(r->cond);
			free(r);
		}
		list_init(&px->server_rules);
	}
}
