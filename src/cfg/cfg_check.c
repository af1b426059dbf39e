/*
 * `tcp-check` rules of backend and listen sections (see tcpcheck.h):
 *   tcp-check comment <text>
 *   tcp-check connect [default] [port <N>] [ssl] [sni <name>] [alpn <list>] [send-proxy] [linger] [comment <text>]
 *   tcp-check send <string> [comment <text>]
 *   tcp-check send-binary <hex> [comment <text>]
 *   tcp-check send-lf <fmt> | send-binary-lf <fmt> [comment <text>]
 *   tcp-check expect [min-recv <N>] [comment <text>] [on-success|on-error <fmt>]
 *                    [ok-status|error-status|tout-status <status>]
 *                    [!] string|rstring|binary|rbinary <pattern>
 *   tcp-check set-var(<var>) <expr> | set-var-fmt(<var>) <fmt> | unset-var(<var>)
 * The rules only run with `option tcp-check` (parsed by cfg_proxy.c).
 * HAProxy's other forms (string-lf, via-socks4, addr...) are
 * refused with a message saying they are not supported yet.
 *
 * HTTP checks (check.h), in defaults, backend and listen sections:
 *   option httpchk [[<method>] <uri> [<version>]]
 *   http-check send [meth <method>] [uri <uri>|uri-lf <fmt>] [ver <version>]
 *                   [hdr <name> <fmt>]... [body <string>|body-lf <fmt>] [comment <msg>]
 *   http-check expect [!] status|rstatus|string|rstring|hdr|fhdr <pattern>
 *   http-check connect ... (starts the next stage of a multi-step check)
 *   http-check set-var(<var>) <expr> | set-var-fmt(<var>) <fmt> | unset-var(<var>)
 * They fill proxy.httpchk; a later line overrides an earlier one's values.
 * Regexes and log-formats are validated here and compiled per proxy by
 * checks_start().
 */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg-proxy.h>
#include <tollgate/cfg.h>
#include <tollgate/check.h>
#include <tollgate/h1.h>
#include <tollgate/logformat.h>
#include <tollgate/proxy.h>
#include <tollgate/tcpcheck.h>
#include <tollgate/tls.h>

static const char *const unsupported_opts[] = {
	"addr", "via-socks4", "ssl", "sni", "alpn", "proto", "default",
	"on-success", "on-error", "status-code",
};

/* Compiles the log-format <text> of `tcp-check <kw>` into *<out>. */
static int rule_lf(const char *kw, const char *text, struct logformat **out, char **err)
{
	char *why = NULL;

	logformat_free(*out);
	*out = logformat_parse(text, 0, &why);
	if (*out)
		return CFG_OK;
	cfg_set_err(err, "'tcp-check %s' : invalid log-format '%s' : %s.", kw, text, why ? why : "out of memory");
	free(why);
	return CFG_ERR;
}

/* Parses the value of `on-success`, `on-error` or `status-code` at
 * args[*i + 1] into <r>, advancing *<i>. HAProxy takes log-format texts and
 * a sample expression: log-formats and `int(<N>)` are supported.
 */
static int expect_message_opt(struct tcpcheck_rule *r, int argc, char **args, int *i, char **err)
{
	const char *w = args[*i], *v = *i + 1 < argc ? args[*i + 1] : NULL;
	struct logformat **dst;

	if (!v)
		return cfg_set_err(err, "'tcp-check expect' : '%s' expects an argument.", w);
	(*i)++;
	if (!strcmp(w, "status-code")) {
		char *end;
		long code;

		if (strncmp(v, "int(", 4) || (code = strtol(v + 4, &end, 10), end == v + 4) ||
		    strcmp(end, ")") || code < 0 || code > 999)
			return cfg_set_err(err, "'tcp-check expect' : 'status-code' expression '%s' is not supported yet (supported: int(<N>)).", v);
		r->status_code = (int)code;
		return CFG_OK;
	}
	dst = !strcmp(w, "on-success") ? &r->on_success : &r->on_error;
	return rule_lf(!strcmp(w, "on-success") ? "expect' : 'on-success" : "expect' : 'on-error", v, dst, err);
}

/* The statuses `ok-status`, `error-status` and `tout-status` accept, with
 * the reason prefix each gives (check.c derives the status from it).
 */
static const struct {
	const char *opt, *name, *prefix;
} expect_statuses[] = {
	{ "ok-status", "L7OK", "Layer7 check passed" },
	{ "ok-status", "L6OK", "Layer6 check passed" },
	{ "ok-status", "L4OK", "Layer4 check passed" },
	{ "error-status", "L7RSP", "Layer7 invalid response" },
	{ "error-status", "L7STS", "Layer7 wrong status" },
	{ "error-status", "L6RSP", "Layer6 invalid response" },
	{ "error-status", "L4CON", "Layer4 connection problem" },
	{ "tout-status", "L7TOUT", "Layer7 timeout" },
	{ "tout-status", "L6TOUT", "Layer6 timeout" },
	{ "tout-status", "L4TOUT", "Layer4 timeout" },
};

/* Parses `ok-status|error-status|tout-status <status>` at args[*i]. */
static int expect_status_opt(struct tcpcheck_rule *r, int argc, char **args, int *i, char **err)
{
	const char *w = args[*i], *v = *i + 1 < argc ? args[*i + 1] : "";
	char list[128] = "";

	for (size_t k = 0; k < sizeof(expect_statuses) / sizeof(expect_statuses[0]); k++) {
		if (strcmp(expect_statuses[k].opt, w))
			continue;
		if (!strcmp(expect_statuses[k].name, v)) {
			*(w[0] == 'o' ? &r->ok_status : w[0] == 'e' ? &r->err_status : &r->tout_status) = expect_statuses[k].prefix;
			(*i)++;
			return CFG_OK;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", *list ? ", " : "", expect_statuses[k].name);
	}
	return cfg_set_err(err, "'tcp-check expect' : '%s' expects one of %s, got '%s'.", w, list, v);
}

static int is_unsupported_opt(const char *w)
{
	for (size_t i = 0; i < sizeof(unsupported_opts) / sizeof(unsupported_opts[0]); i++)
		if (!strcmp(w, unsupported_opts[i]))
			return 1;
	return 0;
}

static void rule_free(struct tcpcheck_rule *r)
{
	if (!r)
		return;
	if (r->re) {
		regfree(r->re);
		free(r->re);
	}
	if (r->action == TCPCHK_ACT_VAR)
		var_action_free(&r->va);
	free(r->comment);
	free(r->sni);
	free(r->alpn);
	logformat_free(r->on_success);
	logformat_free(r->on_error);
	logformat_free(r->fmt);
	free(r->data);
	free(r->text);
	free(r);
}

int tcpcheck_rules_want_ssl(const struct list *rules)
{
	const struct tcpcheck_rule *r;

	list_for_each(r, rules, list)
		if (r->action == TCPCHK_ACT_CONNECT && r->ssl)
			return 1;
	return 0;
}

int httpchk_want_ssl(const struct pr_httpchk *hc)
{
	for (; hc; hc = hc->next)
		if (hc->conn_ssl)
			return 1;
	return 0;
}

void tcpcheck_rules_free(struct list *rules)
{
	struct tcpcheck_rule *r, *back;

	list_for_each_safe(r, back, rules, list) {
		list_del_init(&r->list);
		rule_free(r);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int tcpcheck_parse_hex(const char *hex, unsigned char *out, size_t outsz, const char **bad)
{
	size_t n = 0;
	const char *p;

	for (p = hex; *p; p += 2) {
		int hi = hexval(p[0]), lo;

		if (hi < 0) {
			if (bad)
				*bad = p;
			return -EINVAL;
		}
		if (!p[1]) {
			if (bad)
				*bad = p;   /* a lone last digit: odd length */
			return -EINVAL;
		}
		lo = hexval(p[1]);
		if (lo < 0) {
			if (bad)
				*bad = p + 1;
			return -EINVAL;
		}
		if (n >= outsz)
			return -ENOSPC;
		out[n++] = (unsigned char)(hi << 4 | lo);
	}
	return (int)n;
}

/* Decodes <hex> for the keyword <kw> into r->data / r->len. */
static int rule_set_hex(struct tcpcheck_rule *r, const char *kw, const char *hex, char **err)
{
	size_t hlen = strlen(hex);
	const char *bad = NULL;
	int n;

	if (!hlen)
		return cfg_set_err(err, "'tcp-check %s' expects a non-empty hexadecimal string.", kw);
	if (hlen % 2)
		return cfg_set_err(err, "'tcp-check %s' : '%s' has an odd number of hexadecimal digits (expected pairs of digits, one per byte).", kw, hex);
	r->data = malloc(hlen / 2 + 1);
	if (!r->data)
		return cfg_set_err(err, "out of memory");
	n = tcpcheck_parse_hex(hex, (unsigned char *)r->data, hlen / 2, &bad);
	if (n < 0)
		return cfg_set_err(err, "'tcp-check %s' : invalid hexadecimal digit '%c' in '%s' (expected 0-9, a-f or A-F).",
		                   kw, bad ? *bad : '?', hex);
	r->data[n] = '\0';
	r->len = (size_t)n;
	return CFG_OK;
}

static int set_comment(struct tcpcheck_rule *r, const char *kw, int argc, char **args, int *i, char **err)
{
	if (*i + 1 >= argc)
		return cfg_set_err(err, "'tcp-check %s' : 'comment' expects a text.", kw);
	free(r->comment);
	r->comment = strdup(args[++*i]);
	return r->comment ? CFG_OK : cfg_set_err(err, "out of memory");
}

static int parse_connect(struct tcpcheck_rule *r, int argc, char **args, char **err)
{
	for (int i = 2; i < argc; i++) {
		char *why = NULL;
		long long v;

		if (!strcmp(args[i], "port")) {
			if (i + 1 >= argc)
				return cfg_set_err(err, "'tcp-check connect' : 'port' expects a port number from 1 to 65535.");
			if (cfg_parse_int(args[i + 1], 1, 65535, &v, &why) < 0) {
				cfg_set_err(err, "'tcp-check connect' : 'port' expects a port number from 1 to 65535, got '%s'.", args[i + 1]);
				free(why);
				return CFG_ERR;
			}
			r->port = (unsigned int)v;
			i++;
		} else if (!strcmp(args[i], "comment")) {
			if (set_comment(r, "connect", argc, args, &i, err) < 0)
				return CFG_ERR;
		} else if (!strcmp(args[i], "linger")) {
			/* checks already close with a FIN, never a reset */
		} else if (!strcmp(args[i], "ssl")) {
			r->ssl = 1;
		} else if (!strcmp(args[i], "send-proxy")) {
			r->send_proxy = 1;
		} else if (!strcmp(args[i], "default")) {
			r->use_default = 1;
		} else if (!strcmp(args[i], "sni")) {
			if (i + 1 >= argc || !*args[i + 1])
				return cfg_set_err(err, "'tcp-check connect' : 'sni' expects a server name.");
			free(r->sni);
			if (!(r->sni = strdup(args[++i])))
				return cfg_set_err(err, "out of memory");
		} else if (!strcmp(args[i], "alpn")) {
			struct tls_conf tc = { 0 };
			char reason[256];

			if (i + 1 >= argc)
				return cfg_set_err(err, "'tcp-check connect' : 'alpn' expects a comma-separated list of protocols.");
			if (tls_conf_set_alpn(&tc, args[++i], reason, sizeof(reason)) < 0)
				return cfg_set_err(err, "'tcp-check connect' : 'alpn' : %s.", reason);
			free(r->alpn);
			r->alpn = tc.alpn;
			r->alpn_len = tc.alpn_len;
		} else if (is_unsupported_opt(args[i])) {
			return cfg_set_err(err, "'tcp-check connect' : option '%s' is not supported yet (supported: port, ssl, sni, alpn, default, linger, comment).", args[i]);
		} else {
			return cfg_set_err(err, "'tcp-check connect' : unknown option '%s' (expected 'port <N>', 'ssl', 'sni <name>', 'alpn <list>', 'default', 'linger' or 'comment <text>').", args[i]);
		}
	}
	return CFG_OK;
}

static int parse_send(struct tcpcheck_rule *r, int argc, char **args, int binary, int lf, char **err)
{
	const char *kw = lf ? (binary ? "send-binary-lf" : "send-lf") : binary ? "send-binary" : "send";

	if (argc < 3 || (!binary && !*args[2]))
		return cfg_set_err(err, "'tcp-check %s' expects %s as argument.", kw,
		                   lf ? "a log-format string" : binary ? "a hexadecimal string (e.g. '50494e470d0a')" : "the data to send (e.g. 'PING\\r\\n')");
	for (int i = 3; i < argc; i++) {
		if (!strcmp(args[i], "comment")) {
			if (set_comment(r, kw, argc, args, &i, err) < 0)
				return CFG_ERR;
		} else {
			return cfg_set_err(err, "'tcp-check %s' : unexpected word '%s' after the data (expected 'comment <text>'; escape spaces in the data with '\\ ' or quote it).", kw, args[i]);
		}
	}
	if (lf) {
		r->fmt_binary = binary;
		return rule_lf(kw, args[2], &r->fmt, err);
	}
	if (binary)
		return rule_set_hex(r, kw, args[2], err);
	r->data = strdup(args[2]);
	if (!r->data)
		return cfg_set_err(err, "out of memory");
	r->len = strlen(r->data);
	return CFG_OK;
}

static int parse_expect(struct tcpcheck_rule *r, int argc, char **args, char **err)
{
	const char *kind = NULL, *pattern = NULL;
	char *why = NULL;
	long long v;

	r->min_recv = -1;
	r->status_code = -1;
	for (int i = 2; i < argc; i++) {
		const char *w = args[i];

		if (!strcmp(w, "min-recv")) {
			if (i + 1 >= argc || cfg_parse_int(args[i + 1], 0, TCPCHK_BUFSIZE, &v, &why) < 0) {
				free(why);
				return cfg_set_err(err, "'tcp-check expect' : 'min-recv' expects a number of bytes from 0 to %d%s%s%s.",
				                   TCPCHK_BUFSIZE, i + 1 < argc ? ", got '" : "", i + 1 < argc ? args[i + 1] : "",
				                   i + 1 < argc ? "'" : "");
			}
			r->min_recv = (int)v;
			i++;
			continue;
		}
		if (!strcmp(w, "comment")) {
			if (set_comment(r, "expect", argc, args, &i, err) < 0)
				return CFG_ERR;
			continue;
		}
		if (!strcmp(w, "on-success") || !strcmp(w, "on-error") || !strcmp(w, "status-code")) {
			if (expect_message_opt(r, argc, args, &i, err) < 0)
				return CFG_ERR;
			continue;
		}
		if (!strcmp(w, "ok-status") || !strcmp(w, "error-status") || !strcmp(w, "tout-status")) {
			if (expect_status_opt(r, argc, args, &i, err) < 0)
				return CFG_ERR;
			continue;
		}
		if (is_unsupported_opt(w))
			return cfg_set_err(err, "'tcp-check expect' : option '%s' is not supported yet (supported: min-recv, comment, on-success, on-error, status-code, ok-status, error-status, tout-status, !, string, rstring, binary, rbinary).", w);
		if (kind)
			return cfg_set_err(err, "'tcp-check expect' : unexpected word '%s' after the pattern '%s' (escape spaces in the pattern with '\\ ' or quote it).", w, pattern);
		if (*w == '!') {
			r->inverse = !r->inverse;
			w++;
			if (!*w)
				continue;
		}
		if (!strcmp(w, "string") || !strcmp(w, "rstring") || !strcmp(w, "binary") || !strcmp(w, "rbinary")) {
			if (i + 1 >= argc || !*args[i + 1])
				return cfg_set_err(err, "'tcp-check expect %s' expects a pattern.", w);
			kind = w;
			pattern = args[++i];
			continue;
		}
		if (!strcmp(w, "string-lf") || !strcmp(w, "binary-lf"))
			return cfg_set_err(err, "'tcp-check expect' : match '%s' is not supported yet (supported: string, rstring, binary, rbinary).", w);
		return cfg_set_err(err, "'tcp-check expect' : unknown word '%s' (expected [min-recv <N>] [comment <text>] [!] string|rstring|binary|rbinary <pattern>).", w);
	}
	if (!kind)
		return cfg_set_err(err, "'tcp-check expect' expects a match: [!] string|rstring|binary <pattern>.");
	r->text = strdup(pattern);
	if (!r->text)
		return cfg_set_err(err, "out of memory");
	if (!strcmp(kind, "binary")) {
		r->match = TCPCHK_MATCH_BINARY;
		return rule_set_hex(r, "expect binary", pattern, err);
	}
	if (!strcmp(kind, "rstring") || !strcmp(kind, "rbinary")) {
		char msg[128];
		int ret;

		r->match = kind[1] == 'b' ? TCPCHK_MATCH_RBINARY : TCPCHK_MATCH_REGEX;
		r->re = calloc(1, sizeof(*r->re));
		if (!r->re)
			return cfg_set_err(err, "out of memory");
		ret = regcomp(r->re, pattern, REG_EXTENDED | REG_NOSUB);
		if (ret) {
			regerror(ret, r->re, msg, sizeof(msg));
			free(r->re);
			r->re = NULL;
			return cfg_set_err(err, "'tcp-check expect %s' : invalid regular expression '%s' : %s.", kind, pattern, msg);
		}
		return CFG_OK;
	}
	r->match = TCPCHK_MATCH_STRING;
	r->data = strdup(pattern);
	if (!r->data)
		return cfg_set_err(err, "out of memory");
	r->len = strlen(r->data);
	return CFG_OK;
}

/* Returns the first rule of <rules> that is a step (not a pending
 * comment), or NULL.
 */
static struct tcpcheck_rule *first_step(const struct list *rules)
{
	struct tcpcheck_rule *r;

	list_for_each(r, rules, list)
		if (r->action != TCPCHK_ACT_COMMENT && r->action != TCPCHK_ACT_VAR)
			return r;
	return NULL;
}

/* Returns 1 if <rules> already holds a connect rule. */
static int has_connect(const struct list *rules)
{
	const struct tcpcheck_rule *r;

	list_for_each(r, rules, list)
		if (r->action == TCPCHK_ACT_CONNECT)
			return 1;
	return 0;
}

/* Set while tcpchk_inherit() replays lines (parser thread only). */
static int replaying;

void tcpchk_lines_free(struct proxy *px)
{
	for (int i = 0; i < px->tcpchk_nlines; i++) {
		for (char **a = px->tcpchk_lines[i]; *a; a++)
			free(*a);
		free(px->tcpchk_lines[i]);
	}
	free(px->tcpchk_lines);
	px->tcpchk_lines = NULL;
	px->tcpchk_nlines = 0;
}

/* Keeps a copy of the `tcp-check` line <args> of defaults section <px>. */
static int tcpchk_line_keep(struct proxy *px, int argc, char **args)
{
	char ***lines = realloc(px->tcpchk_lines, sizeof(*lines) * (size_t)(px->tcpchk_nlines + 1));
	char **a;

	if (!lines)
		return -1;
	px->tcpchk_lines = lines;
	a = calloc((size_t)argc + 1, sizeof(*a));
	if (!a)
		return -1;
	for (int i = 0; i < argc; i++) {
		if (!(a[i] = strdup(args[i]))) {
			while (i--)
				free(a[i]);
			free(a);
			return -1;
		}
	}
	lines[px->tcpchk_nlines++] = a;
	return 0;
}

/* tcp-check <action> ... */
static int kw_tcp_check(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	struct tcpcheck_rule *r, *tail, *cmt, *first;
	int ret;

	if (!(px->cap & (PR_CAP_BE | PR_CAP_HC | PR_CAP_DEF)))
		return cfg_set_err(err, "'tcp-check' is not allowed in '%s' sections (only in backend and listen).", ctx->section);
	if (argc < 2)
		return cfg_set_err(err, "'tcp-check' expects 'comment', 'connect', 'send', 'send-binary' or 'expect'.");
	if (px->tcpchk_inherited) {
		/* as HAProxy: a section's own rules replace those of its defaults */
		tcpcheck_rules_free(&px->tcpcheck_rules);
		tcpchk_lines_free(px);
		px->tcpchk_inherited = 0;
	}
	if ((px->cap & PR_CAP_DEF) && !replaying && tcpchk_line_keep(px, argc, args) < 0)
		return cfg_set_err(err, "out of memory");
	tail = list_empty(&px->tcpcheck_rules) ? NULL :
	       list_elem(px->tcpcheck_rules.prev, struct tcpcheck_rule, list);
	cmt = tail && tail->action == TCPCHK_ACT_COMMENT ? tail : NULL;
	if (!strcmp(args[1], "comment")) {
		char *text;

		if (argc != 3)
			return cfg_set_err(err, "'tcp-check comment' expects exactly one text argument (quote it if it has spaces).");
		text = strdup(args[2]);
		if (!text)
			return cfg_set_err(err, "out of memory");
		if (!cmt) {
			cmt = calloc(1, sizeof(*cmt));
			if (!cmt) {
				free(text);
				return cfg_set_err(err, "out of memory");
			}
			cmt->action = TCPCHK_ACT_COMMENT;
			cmt->conf_file = cfg_keep_file(ctx->file);
			cmt->conf_line = ctx->line;
			list_append(&px->tcpcheck_rules, &cmt->list);
		}
		free(cmt->comment);   /* two comments in a row: the last one wins */
		cmt->comment = text;
		return CFG_OK;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return cfg_set_err(err, "out of memory");
	list_init(&r->list);
	r->conf_file = cfg_keep_file(ctx->file);
	r->conf_line = ctx->line;
	if (!strcmp(args[1], "connect")) {
		r->action = TCPCHK_ACT_CONNECT;
		ret = parse_connect(r, argc, args, err);
		first = first_step(&px->tcpcheck_rules);
		if (ret == CFG_OK && first && !has_connect(&px->tcpcheck_rules))
			ret = cfg_set_err(err, "'tcp-check connect' : the first step must be a 'connect' when the ruleset has one, but step 1 is '%s' (line %d).",
			                  first->action == TCPCHK_ACT_SEND ? "send" : "expect", first->conf_line);
	} else if (!strcmp(args[1], "send")) {
		r->action = TCPCHK_ACT_SEND;
		ret = parse_send(r, argc, args, 0, 0, err);
	} else if (!strcmp(args[1], "send-binary")) {
		r->action = TCPCHK_ACT_SEND;
		ret = parse_send(r, argc, args, 1, 0, err);
	} else if (!strcmp(args[1], "send-lf") || !strcmp(args[1], "send-binary-lf")) {
		r->action = TCPCHK_ACT_SEND;
		ret = parse_send(r, argc, args, args[1][5] == 'b', 1, err);
	} else if (!strcmp(args[1], "expect")) {
		r->action = TCPCHK_ACT_EXPECT;
		ret = parse_expect(r, argc, args, err);
	} else if (var_action_type(args[1]) != VAR_ACT_NONE) {
		int pos = 1;

		r->action = TCPCHK_ACT_VAR;
		ret = var_action_parse(&r->va, 0, argc, args, &pos, err);
		if (ret == 0 && pos < argc)
			ret = cfg_set_err(err, "'tcp-check %s' : unexpected word '%s'.", args[1], args[pos]);
	} else {
		ret = cfg_set_err(err, "'tcp-check' : unknown action '%s' (expected 'comment', 'connect', 'send', 'send-binary', 'send-lf', 'send-binary-lf', 'expect', 'set-var', 'set-var-fmt' or 'unset-var').", args[1]);
	}
	if (ret < 0) {
		rule_free(r);
		return CFG_ERR;
	}
	if (cmt) {
		/* the pending comment belongs to this rule, unless it has its own */
		if (!r->comment) {
			r->comment = cmt->comment;
			cmt->comment = NULL;
		}
		list_del_init(&cmt->list);
		rule_free(cmt);
	}
	tail = list_empty(&px->tcpcheck_rules) ? NULL :
	       list_elem(px->tcpcheck_rules.prev, struct tcpcheck_rule, list);
	r->step = tail ? tail->step + 1 : 1;
	list_append(&px->tcpcheck_rules, &r->list);
	return CFG_OK;
}

int tcpchk_inherit(struct cfg_ctx *ctx, struct proxy *px, const struct proxy *def, char **err)
{
	struct cfg_ctx sub = *ctx;
	int ret = CFG_OK;

	if (!def->tcpchk_nlines || !(px->cap & (PR_CAP_BE | PR_CAP_DEF)))
		return CFG_OK;
	sub.section_data = px;
	replaying = 1;
	for (int i = 0; i < def->tcpchk_nlines && ret == CFG_OK; i++) {
		char **a = def->tcpchk_lines[i];
		int argc = 0;

		while (a[argc])
			argc++;
		if ((px->cap & PR_CAP_DEF) && tcpchk_line_keep(px, argc, a) < 0)
			ret = cfg_set_err(err, "out of memory");
		else
			ret = kw_tcp_check(&sub, argc, a, err);   /* parsed fine in the defaults */
	}
	replaying = 0;
	px->tcpchk_inherited = 1;
	return ret;
}

/* ---- HTTP checks ---- */

/* Checks that <s> is an HTTP token (a method). Returns 1 or 0. */
static int is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(h1_ctab[(unsigned char)*s] & H1_C_TCHAR))
			return 0;
	return 1;
}

/* Checks that <s> is a request target: visible characters, no '#'. */
static int is_target(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(h1_ctab[(unsigned char)*s] & H1_C_TARGET))
			return 0;
	return 1;
}

/* Checks a version ("HTTP/1.0", "HTTP/1.1"), possibly followed by header
 * lines in HAProxy's legacy form "HTTP/1.1\r\nHost:\ www": everything after
 * the first CRLF is sent as written. Returns 1 or 0.
 */
static int is_version(const char *s)
{
	if (strncmp(s, "HTTP/1.", 7) || s[7] < '0' || s[7] > '9')
		return 0;
	if (!s[8])
		return 1;
	if (s[8] != '\r' || s[9] != '\n')
		return 0;
	for (s += 10; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t' && *s != '\r' && *s != '\n') || *s == 0x7f)
			return 0;
	return 1;
}

/* Replaces the string *<dst> by a copy of <src>. Returns CFG_OK or CFG_ERR. */
static int set_str(char **dst, const char *src, char **err)
{
	char *s = strdup(src);

	if (!s)
		return cfg_set_err(err, "out of memory");
	free(*dst);
	*dst = s;
	return CFG_OK;
}

static int set_meth(struct pr_httpchk *hc, const char *kw, const char *v, char **err)
{
	if (!is_token(v))
		return cfg_set_err(err, "'%s' : invalid method '%s' (expected an HTTP token such as GET, HEAD or OPTIONS).", kw, v);
	return set_str(&hc->meth, v, err);
}

static int set_uri(struct pr_httpchk *hc, const char *kw, const char *v, char **err)
{
	if (!is_target(v))
		return cfg_set_err(err, "'%s' : invalid URI '%s' (expected visible characters, no spaces, e.g. '/health').", kw, v);
	return set_str(&hc->uri, v, err);
}

static int set_ver(struct pr_httpchk *hc, const char *kw, const char *v, char **err)
{
	if (!is_version(v))
		return cfg_set_err(err, "'%s' : invalid version '%s' (expected 'HTTP/1.0' or 'HTTP/1.1').", kw, v);
	return set_str(&hc->ver, v, err);
}

/* Makes the HTTP check of <px> its own at its section's first `option
 * httpchk` or `http-check` line: what it inherited from defaults is
 * dropped, as HAProxy replaces the whole inherited ruleset.
 */
static void httpchk_own(struct proxy *px)
{
	if (px->httpchk.local)
		return;
	httpchk_free(&px->httpchk);
	px->httpchk.local = 1;
}

/* The stage that `http-check` lines of <px> now fill: the last one. */
static struct pr_httpchk *hc_cur(struct proxy *px)
{
	struct pr_httpchk *hc = &px->httpchk;

	while (hc->next)
		hc = hc->next;
	return hc;
}

static int add_hdr(char **hdrs, const char *name, const char *value, char **err);

int cfg_option_httpchk(struct cfg_ctx *ctx, struct proxy *px, int no, int argc, char **args, char **err)
{
	const char *kw = "option httpchk";

	if (!(px->cap & (PR_CAP_BE | PR_CAP_DEF)))
		return cfg_set_warn(err, "'option httpchk' ignored because %s '%s' has no backend capability.",
		                    proxy_kind(px), px->id);
	if (no) {
		if (argc > 2)
			return cfg_set_err(err, "'no option httpchk' takes no argument.");
		px->options &= ~PR_O_HTTPCHK;
		return CFG_OK;
	}
	if (argc > 6)
		return cfg_set_err(err, "'option httpchk' : unexpected word '%s' (expected 'option httpchk [[<method>] <uri> [<version> [<host>]]]').", args[6]);
	if (argc == 6 && strchr(args[5], '%'))
		return cfg_set_err(err, "'option httpchk' : a log-format <host> ('%s') is not supported yet, only a plain name.", args[5]);
	httpchk_own(px);
	/* one argument is the URI; two, the method and the URI; three, the
	 * version too. None keeps what defaults or `http-check send` set.
	 */
	if (argc == 3 && set_uri(&px->httpchk, kw, args[2], err) < 0)
		return CFG_ERR;
	if (argc >= 4 && (set_meth(&px->httpchk, kw, args[2], err) < 0 || set_uri(&px->httpchk, kw, args[3], err) < 0))
		return CFG_ERR;
	if (argc >= 5 && set_ver(&px->httpchk, kw, args[4], err) < 0)
		return CFG_ERR;
	/* HAProxy 3.x: a fourth argument is the Host field, sent as "host" */
	if (argc == 6 && add_hdr(&px->httpchk.hdrs, "host", args[5], err) < 0)
		return CFG_ERR;
	/* a proxy runs one kind of check: the last option given */
	px->chkproto.kind = CHKP_NONE;
	px->options &= ~PR_O_TCP_CHECK;
	px->options |= PR_O_HTTPCHK;
	return CFG_OK;
}

int cfg_option_chkproto(struct cfg_ctx *ctx, struct proxy *px, int no, int argc, char **args, char **err)
{
	static const struct {
		const char *name;
		enum chkp_kind kind;
	} kinds[] = {
		{ "smtpchk", CHKP_SMTP }, { "pgsql-check", CHKP_PGSQL }, { "redis-check", CHKP_REDIS },
		{ "mysql-check", CHKP_MYSQL }, { "ldap-check", CHKP_LDAP }, { "spop-check", CHKP_SPOP },
	};
	struct pr_chkproto pc = { .kind = CHKP_NONE };
	const char *kw = args[1];

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kw, kinds[i].name))
			pc.kind = kinds[i].kind;
	if (pc.kind == CHKP_NONE)
		return 1;
	if (!(px->cap & (PR_CAP_BE | PR_CAP_DEF)))
		return cfg_set_warn(err, "'option %s' ignored because %s '%s' has no backend capability.",
		                    kw, proxy_kind(px), px->id);
	if (no)
		return cfg_set_err(err, "'no option %s' is not supported: choose another check with 'option ...'.", kw);
	switch (pc.kind) {
	case CHKP_SMTP:
		/* EHLO|HELO <domain>; anything else keeps the default HELO */
		if (argc >= 4 && (!strcmp(args[2], "EHLO") || !strcmp(args[2], "HELO"))) {
			if (strpbrk(args[3], "\r\n"))
				return cfg_set_err(err, "'option smtpchk' : invalid domain '%s'.", args[3]);
			pc.arg = malloc(strlen(args[2]) + strlen(args[3]) + 2);
			if (!pc.arg)
				return cfg_set_err(err, "out of memory");
			sprintf(pc.arg, "%s %s", args[2], args[3]);
		}
		break;
	case CHKP_PGSQL:
		if (argc != 4 || strcmp(args[2], "user") || !*args[3])
			return cfg_set_err(err, "'option pgsql-check' expects 'user <username>'.");
		if (strlen(args[3]) > 256)
			return cfg_set_err(err, "'option pgsql-check' : the user name is longer than 256 characters.");
		pc.arg = strdup(args[3]);
		if (!pc.arg)
			return cfg_set_err(err, "out of memory");
		break;
	case CHKP_MYSQL:
		if (argc == 2)
			break;
		if (strcmp(args[2], "user"))
			return cfg_set_err(err, "'option mysql-check' only supports optional values: 'user' (got '%s').", args[2]);
		if (argc < 4 || !*args[3])
			return cfg_set_err(err, "'option mysql-check user' expects <username> as argument.");
		if (argc > 5)
			return cfg_set_err(err, "'option mysql-check' : unexpected word '%s'.", args[5]);
		if (argc == 5) {
			if (!strcmp(args[4], "post-41"))
				pc.variant = 0;
			else if (!strcmp(args[4], "pre-41"))
				pc.variant = 1;
			else if (!strcmp(args[4], "post-80"))
				pc.variant = 2;
			else
				return cfg_set_err(err, "'option mysql-check user %s' : unknown version '%s' (expected pre-41, post-41 or post-80).", args[3], args[4]);
		}
		if (strlen(args[3]) > 256)
			return cfg_set_err(err, "'option mysql-check' : the user name is longer than 256 characters.");
		pc.arg = strdup(args[3]);
		if (!pc.arg)
			return cfg_set_err(err, "out of memory");
		break;
	default:
		if (argc > 2)
			return cfg_set_err(err, "'option %s' takes no argument, got '%s'.", kw, args[2]);
		break;
	}
	free(px->chkproto.arg);
	px->chkproto = pc;
	/* a proxy runs one kind of check: the last option given */
	px->options &= ~(PR_O_TCP_CHECK | PR_O_HTTPCHK);
	return CFG_OK;
}

/* Appends "<name>: <value>\r\n" to *<hdrs>. Returns CFG_OK or CFG_ERR. */
static int add_hdr(char **hdrs, const char *name, const char *value, char **err)
{
	size_t old = *hdrs ? strlen(*hdrs) : 0;
	char *s = realloc(*hdrs, old + strlen(name) + strlen(value) + 5);

	if (!s)
		return cfg_set_err(err, "out of memory");
	sprintf(s + old, "%s: %s\r\n", name, value);
	*hdrs = s;
	return CFG_OK;
}

/* Checks that <text>, the value of <what> in `http-check send`, is a
 * valid log-format. It is compiled again per proxy by checks_start().
 */
static int check_lf(const char *what, const char *text, char **err)
{
	char *why = NULL;
	struct logformat *lf = logformat_parse(text, 0, &why);

	if (!lf) {
		cfg_set_err(err, "'http-check send' : '%s' : invalid log-format '%s' : %s.", what, text,
		            why ? why : "out of memory");
		free(why);
		return CFG_ERR;
	}
	logformat_free(lf);
	return CFG_OK;
}

/* http-check send [meth <m>] [uri <u> | uri-lf <fmt>] [ver <v>] [hdr <name> <fmt>]...
 * [body <string> | body-lf <fmt>] [comment <msg>]
 * A line with fields or a body replaces those of an earlier line. Header
 * values are log-formats, as HAProxy's.
 */
static int httpchk_send(struct proxy *px, int argc, char **args, char **err)
{
	struct pr_httpchk *hc = hc_cur(px);
	const char *kw = "http-check send";
	char *hdrs = NULL;
	int has_conn = 0, any_hdr = 0;

	for (int i = 2; i < argc; i++) {
		const char *w = args[i];

		if (!strcmp(w, "meth") || !strcmp(w, "uri") || !strcmp(w, "ver")) {
			int ret;

			if (i + 1 >= argc)
				return cfg_set_err(err, "'http-check send' : '%s' expects a value.", w);
			i++;
			ret = w[0] == 'm' ? set_meth(hc, kw, args[i], err) :
			      w[0] == 'u' ? set_uri(hc, kw, args[i], err) : set_ver(hc, kw, args[i], err);
			if (ret < 0)
				return CFG_ERR;
			if (w[0] == 'u')
				hc->uri_lf = 0;
		} else if (!strcmp(w, "uri-lf") || !strcmp(w, "body-lf")) {
			if (i + 1 >= argc) {
				free(hdrs);
				return cfg_set_err(err, "'http-check send' : '%s' expects a log-format string.", w);
			}
			i++;
			if (check_lf(w, args[i], err) < 0 || set_str(w[0] == 'u' ? &hc->uri : &hc->body, args[i], err) < 0) {
				free(hdrs);
				return CFG_ERR;
			}
			*(w[0] == 'u' ? &hc->uri_lf : &hc->body_lf) = 1;
		} else if (!strcmp(w, "comment")) {
			if (i + 1 >= argc) {
				free(hdrs);
				return cfg_set_err(err, "'http-check send' : 'comment' expects a text.");
			}
			i++;
		} else if (!strcmp(w, "hdr")) {
			if (i + 2 >= argc) {
				free(hdrs);
				return cfg_set_err(err, "'http-check send' : 'hdr' expects a name and a value.");
			}
			if (!is_token(args[i + 1]) || strpbrk(args[i + 2], "\r\n")) {
				cfg_set_err(err, "'http-check send' : invalid header '%s: %s' (expected a token name and a value on one line).", args[i + 1], args[i + 2]);
				free(hdrs);
				return CFG_ERR;
			}
			if ((strchr(args[i + 2], '%') && check_lf("hdr", args[i + 2], err) < 0) ||
			    add_hdr(&hdrs, args[i + 1], args[i + 2], err) < 0) {
				free(hdrs);
				return CFG_ERR;
			}
			has_conn |= !strcasecmp(args[i + 1], "connection");
			any_hdr = 1;
			i += 2;
		} else if (!strcmp(w, "body")) {
			if (i + 1 >= argc) {
				free(hdrs);
				return cfg_set_err(err, "'http-check send' : 'body' expects a string.");
			}
			if (set_str(&hc->body, args[++i], err) < 0) {
				free(hdrs);
				return CFG_ERR;
			}
			hc->body_lf = 0;
		} else {
			free(hdrs);
			return cfg_set_err(err, "'http-check send' : unknown word '%s' (expected meth <method>, uri <uri>, uri-lf <fmt>, ver <version>, hdr <name> <fmt>, body <string>, body-lf <fmt> or comment <msg>).", w);
		}
	}
	if (any_hdr) {
		free(hc->hdrs);
		hc->hdrs = hdrs;
		hc->has_conn = has_conn;
	}
	return CFG_OK;
}

/* Reads a `-m <meth>` method into *<how>. */
static int hdr_match_kind(const char *w, int *how)
{
	static const char *const names[] = { "str", "beg", "end", "sub", "reg" };

	for (int i = 0; i < 5; i++) {
		if (!strcmp(w, names[i])) {
			*how = i;   /* HTTPCHK_M_STR .. HTTPCHK_M_REG, in this order */
			return 0;
		}
	}
	return -1;
}

/* Validates <pattern> as a POSIX extended regex for `http-check expect`. */
static int check_regex(const char *what, const char *pattern, char **err)
{
	regex_t re;
	char msg[128];
	int ret = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);

	if (ret) {
		regerror(ret, &re, msg, sizeof(msg));
		return cfg_set_err(err, "'http-check expect %s' : invalid regular expression '%s' : %s.", what, pattern, msg);
	}
	regfree(&re);   /* compiled again per proxy by checks_start() */
	return CFG_OK;
}

/* http-check expect [!] hdr|fhdr name [-m <meth>] <name> [value [-m <meth>] <value>],
 * from args[<i>] (the word after hdr/fhdr).
 */
static int httpchk_expect_hdr(struct proxy *px, const char *kind, int neg, int argc, char **args, int i, char **err)
{
	struct pr_httpchk *hc = hc_cur(px);
	const char *name = NULL, *value = NULL;
	int nm = HTTPCHK_M_STR, vm = HTTPCHK_M_STR;

	while (i < argc) {
		const char *w = args[i++];
		int *how;

		if (!strcmp(w, "name-lf") || !strcmp(w, "value-lf"))
			return cfg_set_err(err, "'http-check expect %s' : '%s' is not supported yet (only 'name' and 'value' with a plain pattern).", kind, w);
		if ((strcmp(w, "name") || name) && (strcmp(w, "value") || value || !name))
			return cfg_set_err(err, "'http-check expect %s' : unexpected word '%s' (expected name [-m <meth>] <name> [value [-m <meth>] <value>]).", kind, w);
		how = w[0] == 'n' ? &nm : &vm;
		if (i + 1 < argc && !strcmp(args[i], "-m")) {
			if (hdr_match_kind(args[i + 1], how) < 0)
				return cfg_set_err(err, "'http-check expect %s' : '-m' : unknown method '%s' (expected str, beg, end, sub or reg).", kind, args[i + 1]);
			i += 2;
		}
		if (i >= argc || !*args[i])
			return cfg_set_err(err, "'http-check expect %s' : '%s' expects a non-empty pattern.", kind, w);
		*(w[0] == 'n' ? &name : &value) = args[i++];
	}
	if (!name)
		return cfg_set_err(err, "'http-check expect %s' expects 'name <pattern>'.", kind);
	if ((nm == HTTPCHK_M_REG && check_regex(kind, name, err) < 0) ||
	    (value && vm == HTTPCHK_M_REG && check_regex(kind, value, err) < 0))
		return CFG_ERR;
	if (set_str(&hc->expect, name, err) < 0)
		return CFG_ERR;
	free(hc->expect_val);
	hc->expect_val = NULL;
	if (value && set_str(&hc->expect_val, value, err) < 0)
		return CFG_ERR;
	hc->expect_kind = !strcmp(kind, "hdr") ? HTTPCHK_EXP_HDR : HTTPCHK_EXP_FHDR;
	hc->expect_neg = neg;
	hc->name_match = nm;
	hc->val_match = vm;
	return CFG_OK;
}

/* http-check expect [!] status|rstatus|string|rstring <pattern>, or hdr|fhdr ... */
static int httpchk_expect(struct proxy *px, int argc, char **args, char **err)
{
	struct pr_httpchk *hc = hc_cur(px);
	const char *kind = NULL, *pattern = NULL;
	int neg = 0, k;

	for (int i = 2; i < argc; i++) {
		const char *w = args[i];

		if (!strcmp(w, "min-recv") || !strcmp(w, "comment") || !strcmp(w, "ok-status") ||
		    !strcmp(w, "error-status") || !strcmp(w, "tout-status") || !strcmp(w, "on-success") ||
		    !strcmp(w, "on-error") || !strcmp(w, "status-code"))
			return cfg_set_err(err, "'http-check expect' : option '%s' is not supported yet (supported: [!] status|rstatus|string|rstring <pattern>).", w);
		if (kind)
			return cfg_set_err(err, "'http-check expect' : unexpected word '%s' after the pattern '%s' (escape spaces in the pattern with '\\ ' or quote it).", w, pattern);
		if (*w == '!') {
			neg = !neg;
			w++;
			if (!*w)
				continue;
		}
		if (!strcmp(w, "status") || !strcmp(w, "rstatus") || !strcmp(w, "string") || !strcmp(w, "rstring")) {
			if (i + 1 >= argc || !*args[i + 1])
				return cfg_set_err(err, "'http-check expect %s' expects a pattern.", w);
			kind = w;
			pattern = args[++i];
			continue;
		}
		if (!strcmp(w, "hdr") || !strcmp(w, "fhdr"))
			return httpchk_expect_hdr(px, w, neg, argc, args, i + 1, err);
		if (!strcmp(w, "string-lf") || !strcmp(w, "status-lf"))
			return cfg_set_err(err, "'http-check expect' : match '%s' is not supported yet (supported: status, rstatus, string, rstring, hdr, fhdr).", w);
		return cfg_set_err(err, "'http-check expect' : unknown match '%s' (expected [!] status|rstatus|string|rstring <pattern>).", w);
	}
	if (!kind)
		return cfg_set_err(err, "'http-check expect' expects a match: [!] status|rstatus|string|rstring <pattern>.");
	k = !strcmp(kind, "status") ? HTTPCHK_EXP_STATUS : !strcmp(kind, "rstatus") ? HTTPCHK_EXP_RSTATUS :
	    !strcmp(kind, "string") ? HTTPCHK_EXP_STRING : HTTPCHK_EXP_RSTRING;
	if (k == HTTPCHK_EXP_STATUS && httpchk_status_in(pattern, 0) < 0)
		return cfg_set_err(err, "'http-check expect status' : invalid status list '%s' (expected 3-digit codes and ranges separated by commas, e.g. '200' or '200-299,302').", pattern);
	if ((k == HTTPCHK_EXP_RSTATUS || k == HTTPCHK_EXP_RSTRING) && check_regex(kind, pattern, err) < 0)
		return CFG_ERR;
	if (set_str(&hc->expect, pattern, err) < 0)
		return CFG_ERR;
	free(hc->expect_val);
	hc->expect_val = NULL;
	hc->expect_kind = k;
	hc->expect_neg = neg;
	return CFG_OK;
}

/* http-check connect [default] [port <N>] [addr <ip>[:<port>]] [ssl]
 * [sni <name>] [alpn <list>] [linger] [comment <msg>]: first, or after a stage's send and expect lines, where
 * it starts the next stage (a new connection, its own send and expect).
 */
static int httpchk_connect(struct proxy *px, int argc, char **args, char **err)
{
	struct pr_httpchk *hc = hc_cur(px);

	if (hc->has_connect || hc->steps) {
		if (px->cap & PR_CAP_DEF)
			return cfg_set_err(err, "'http-check connect' : multi-step HTTP checks are not supported yet in 'defaults' sections: one 'http-check connect' may come first there.");
		if (!hc->steps)
			return cfg_set_err(err, "'http-check connect' : a second 'connect' without a 'send' or 'expect' between them.");
		if (!(hc->next = calloc(1, sizeof(*hc->next))))
			return cfg_set_err(err, "out of memory");
		hc = hc->next;
		hc->local = 1;
	}
	for (int i = 2; i < argc; i++) {
		const char *w = args[i];
		char *end;
		long v;

		if (!strcmp(w, "linger"))
			continue;   /* each probe closes its connection anyway */
		if (i + 1 >= argc && (!strcmp(w, "port") || !strcmp(w, "addr") || !strcmp(w, "comment") ||
		                      !strcmp(w, "sni") || !strcmp(w, "alpn")))
			return cfg_set_err(err, "'http-check connect' : '%s' expects an argument.", w);
		if (!strcmp(w, "default")) {
			hc->conn_default = 1;
		} else if (!strcmp(w, "ssl")) {
			hc->conn_ssl = 1;
		} else if (!strcmp(w, "sni")) {
			free(hc->conn_sni);
			if (!(hc->conn_sni = strdup(args[++i])))
				return cfg_set_err(err, "out of memory");
		} else if (!strcmp(w, "alpn")) {
			struct tls_conf tc = { 0 };
			char reason[256];

			if (tls_conf_set_alpn(&tc, args[++i], reason, sizeof(reason)) < 0)
				return cfg_set_err(err, "'http-check connect' : 'alpn' : %s.", reason);
			free(hc->conn_alpn);
			hc->conn_alpn = tc.alpn;
			hc->conn_alpn_len = tc.alpn_len;
		} else if (!strcmp(w, "comment")) {
			i++;
		} else if (!strcmp(w, "port")) {
			v = strtol(args[++i], &end, 10);
			if (*end || end == args[i] || v < 1 || v > 65535)
				return cfg_set_err(err, "'http-check connect' : 'port' expects a port number from 1 to 65535, got '%s' (expressions are not supported yet).", args[i]);
			hc->conn_port = (unsigned int)v;
		} else if (!strcmp(w, "addr")) {
			char why[ADDR_ERRLEN];

			if (addr_parse(args[++i], ADDR_P_PORT_OPTIONAL | ADDR_P_NO_UNIX | ADDR_P_NO_FD | ADDR_P_NO_RESOLVE,
			               &hc->conn_addr, why, sizeof(why)) < 0)
				return cfg_set_err(err, "'http-check connect' : 'addr' : %s", why);
		} else if (!strcmp(w, "proto") || !strcmp(w, "send-proxy") || !strcmp(w, "via-socks4")) {
			return cfg_set_err(err, "'http-check connect' : '%s' is not supported yet (supported: default, port, addr, ssl, sni, alpn, linger, comment).", w);
		} else {
			return cfg_set_err(err, "'http-check connect' : unknown option '%s' (supported: default, port, addr, ssl, sni, alpn, linger, comment).", w);
		}
	}
	hc->has_connect = 1;
	return CFG_OK;
}

/* http-check set-var(<var>[,<cond>...]) <expr> | set-var-fmt(<var>[,<cond>...]) <fmt>
 * | unset-var(<var>): appended to the current stage, before or after its send.
 */
static int httpchk_var(struct proxy *px, int argc, char **args, char **err)
{
	struct pr_httpchk *hc;
	struct httpchk_var *v;
	int pos = 1;

	if (px->cap & PR_CAP_DEF)
		return cfg_set_err(err, "'http-check %s' is not supported yet in 'defaults' sections (put it in the backend).", args[1]);
	httpchk_own(px);
	hc = hc_cur(px);
	v = realloc(hc->vars, (size_t)(hc->nb_vars + 1) * sizeof(*v));
	if (!v)
		return cfg_set_err(err, "out of memory");
	hc->vars = v;
	v += hc->nb_vars;
	memset(v, 0, sizeof(*v));
	if (var_action_parse(&v->va, 0, argc, args, &pos, err) < 0)
		return CFG_ERR;
	if (pos < argc) {
		var_action_free(&v->va);
		return cfg_set_err(err, "'http-check %s' : unexpected word '%s'.", args[1], args[pos]);
	}
	v->after_send = hc->sent;
	hc->nb_vars++;
	return CFG_OK;
}

/* http-check <action> ... */
static int kw_http_check(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;

	if (!(px->cap & (PR_CAP_BE | PR_CAP_DEF)))
		return cfg_set_err(err, "'http-check' is not allowed in '%s' sections (only in defaults, backend and listen).", ctx->section);
	if (argc < 2)
		return cfg_set_err(err, "'http-check' expects 'send' or 'expect'.");
	if (!strcmp(args[1], "send") || !strcmp(args[1], "expect") || !strcmp(args[1], "connect"))
		httpchk_own(px);
	if (!strcmp(args[1], "connect"))
		return httpchk_connect(px, argc, args, err);
	if (!strcmp(args[1], "send") || !strcmp(args[1], "expect"))
		hc_cur(px)->steps++;
	if (!strcmp(args[1], "send") && hc_cur(px)->sent && hc_cur(px) != &px->httpchk)
		return cfg_set_err(err, "'http-check send' : a second 'send' in a stage of a multi-step check is not supported yet: start the next stage with 'http-check connect'.");
	if (!strcmp(args[1], "send"))
		hc_cur(px)->sent = 1;
	if (!strcmp(args[1], "send"))
		return httpchk_send(px, argc, args, err);
	if (!strcmp(args[1], "expect"))
		return httpchk_expect(px, argc, args, err);
	if (!strcmp(args[1], "disable-on-404"))
		return cfg_set_warn(err, "'http-check disable-on-404' is not supported yet and is ignored: a 404 answer counts as any other status.");
	if (!strcmp(args[1], "send-state")) {
		if (argc > 2)
			return cfg_set_err(err, "'http-check send-state' takes no argument.");
		httpchk_own(px);
		px->httpchk.send_state = 1;
		return CFG_OK;
	}
	if (!strcmp(args[1], "comment"))
		return argc == 3 ? CFG_OK : cfg_set_err(err, "'http-check comment' expects one text (quote it).");
	if (var_action_type(args[1]) != VAR_ACT_NONE)
		return httpchk_var(px, argc, args, err);
	return cfg_set_err(err, "'http-check' : unknown action '%s' (expected connect, send, expect, send-state, set-var, set-var-fmt, unset-var, comment or disable-on-404).", args[1]);
}

/* `external-check command <cmd>` | `external-check path <path>`. */
static int kw_external_check(struct cfg_ctx *ctx, int argc, char **args, char **err)
{
	struct proxy *px = ctx->section_data;
	char **dst;

	if (!(px->cap & (PR_CAP_BE | PR_CAP_DEF)))
		return cfg_set_err(err, "'external-check' is not allowed in '%s' sections (only in defaults, backend and listen).", ctx->section);
	if (argc < 2 || (strcmp(args[1], "command") && strcmp(args[1], "path")))
		return cfg_set_err(err, "'external-check' expects 'command' or 'path'.");
	if (argc != 3)
		return cfg_set_err(err, "'external-check %s' expects exactly one argument.", args[1]);
	dst = !strcmp(args[1], "command") ? &px->extchk_cmd : &px->extchk_path;
	free(*dst);
	*dst = strdup(args[2]);
	return *dst ? CFG_OK : cfg_set_err(err, "out of memory");
}

static struct cfg_kw check_kws[] = {
	{ "external-check", kw_external_check, 0 },
	{ "tcp-check", kw_tcp_check, 0 },
	{ "http-check", kw_http_check, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list check_kw_list = { .scope = "proxy", .kws = check_kws };

/* The rules of `healthcheck` sections (cfg_healthcheck.c). */
static struct cfg_kw hc_check_kws[] = {
	{ "tcp-check", kw_tcp_check, 0 },
	{ "http-check", kw_http_check, 0 },
	{ NULL, NULL, 0 },
};

static struct cfg_kw_list hc_check_kw_list = { .scope = "healthcheck", .kws = hc_check_kws };

__attribute__((constructor)) static void cfg_check_register(void)
{
	cfg_register_keywords(&check_kw_list);
	cfg_register_keywords(&hc_check_kw_list);
}
