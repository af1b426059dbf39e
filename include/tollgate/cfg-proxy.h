/*
 * Helpers shared by the proxy sections' configuration files (src/cfg/).
 */
#ifndef TOLLGATE_CFG_PROXY_H
#define TOLLGATE_CFG_PROXY_H

#include <tollgate/cfg.h>
#include <tollgate/proxy-t.h>

/* Forgets the defaults sections of a previous parse (tests parse several
 * configurations in one process).
 */
void cfg_proxy_reset(void);

/* Returns a copy of the file name <file> that lives as long as the
 * process (the driver's string is only valid during a handler call).
 */
const char *cfg_keep_file(const char *file);

/* Returns the defaults section named <name> (the last one declared with
 * that name), or NULL. The sections live as long as the process, so the
 * admin socket's `add backend` reads them; they are not changed after
 * parsing, so any thread may read them.
 */
struct proxy *cfg_defaults_find(const char *name);

/* Returns the <n>th defaults section in declaration order (0: the first),
 * or NULL past the last. O(number of defaults sections).
 */
struct proxy *cfg_defaults_nth(int n);

/* Refuses the keyword args[0] in a proxy section lacking <cap>
 * (PR_CAP_FE or PR_CAP_BE; defaults sections take both). CFG_OK, or
 * CFG_ERR with *<err> saying where it belongs.
 */
int cfg_proxy_need_cap(struct cfg_ctx *ctx, char **args, unsigned int cap, char **err);

/* Refuses the keyword args[0] in a defaults section. CFG_OK or CFG_ERR. */
int cfg_proxy_refuse_in_defaults(struct cfg_ctx *ctx, char **args, char **err);

/* Parses an `if|unless <condition>` tail of <argc> words at <args> for
 * proxy <px> into *<cond>. Returns CFG_OK or CFG_ERR with *<err> set.
 */
int cfg_proxy_parse_cond(struct cfg_ctx *ctx, struct proxy *px, int argc, char **args,
                         struct acl_cond **cond, char **err);

/* Warns, as HAProxy does, when <cond> (may be NULL) holds an ACL that can
 * never match at <where> (one SMP_USE_* bit) of proxy <px>: none of its
 * tests can fetch there. <rule> names the rule in the message
 * ("tcp-request connection") or is NULL; <place> is HAProxy's name of
 * the place ("frontend use-backend rule"), or NULL to derive it from
 * <where> and <rule>.
 */
void cfg_proxy_check_cond(struct cfg_ctx *ctx, const struct proxy *px, const struct acl_cond *cond,
                          unsigned int where, const char *rule, const char *place);

/* Parses `[no] option httpchk [<method> <uri> [<version>]]` (args[0] is
 * "option") for proxy <px>. Returns CFG_OK or CFG_ERR with *<err> set.
 * In src/cfg/cfg_check.c.
 */
int cfg_option_httpchk(struct cfg_ctx *ctx, struct proxy *px, int no, int argc, char **args, char **err);

/* Parses `option smtpchk|pgsql-check|redis-check|mysql-check|ldap-check|
 * spop-check ...` (args[0] is "option") for proxy <px>. Returns CFG_OK,
 * CFG_ERR with *<err> set, or 1 when args[1] is none of them. In
 * src/cfg/cfg_check.c.
 */
int cfg_option_chkproto(struct cfg_ctx *ctx, struct proxy *px, int no, int argc, char **args, char **err);

/* Kinds of rules a defaults section holds (proxy->def_rules_kinds). */
#define CFG_DEFR_L4L5     0x1U   /* tcp-request connection|session */
#define CFG_DEFR_TCP_RES  0x2U   /* tcp-response content */
#define CFG_DEFR_OTHER    0x4U   /* tcp-request content, http-request|response|after-response */

/* Replays the `tcp-check` lines of defaults section <def> into <px> (a
 * backend, listen or defaults section that inherits them), as HAProxy
 * shares a defaults' ruleset with the sections that write none of their
 * own: the section's own first `tcp-check` line drops them. Returns CFG_OK
 * or CFG_ERR with *<err> (out of memory). cfg_check.c.
 */
int tcpchk_inherit(struct cfg_ctx *ctx, struct proxy *px, const struct proxy *def, char **err);

/* Frees the kept `tcp-check` lines of defaults section <px>. */
void tcpchk_lines_free(struct proxy *px);

/* Keeps the rule line <args> of the defaults section <def> (already
 * parsed there by <parse>), of kind CFG_DEFR_*, to be replayed in each
 * proxy using <def>. Returns CFG_OK, or CFG_ERR with *<err> set (an
 * anonymous defaults section takes no rules, as in HAProxy). In
 * src/cfg/cfg_def_rules.c.
 */
int cfg_def_rule_keep(struct cfg_ctx *ctx, struct proxy *def, unsigned int kind,
                      int (*parse)(struct cfg_ctx *, int, char **, char **), int argc, char **args, char **err);

/* Gives the proxy <px> beginning `from` <def> a copy of <def>'s rules,
 * before its own, after HAProxy's checks of who may use them. Returns
 * CFG_OK, or CFG_ERR with *<err> set.
 */
int cfg_def_rules_apply(struct cfg_ctx *ctx, struct proxy *px, struct proxy *def, char **err);

/* Frees the kept rule lines of the defaults section <def>. */
void cfg_def_rules_free(struct proxy *def);

/* TLS options of bind and server lines (src/cfg/cfg_ssl.c). The option
 * parsers look at args[*<i>] (<kw> names the line in messages, "bind :443"):
 * they return 1 when they took it (and its value: *<i> advanced), 0 when
 * it is not a TLS option, -1 with *<err> set when it is refused or bad.
 * The finishers build the contexts at the end of the line: 0, CFG_WARN
 * with a warning in *<err>, or -1 with
 * *<err> set (a certificate that cannot be loaded, a key that does not
 * match...).
 */
int cfg_bind_ssl_option(struct listener *l, const char *kw, int argc, char **args, int *i, char **err);
int cfg_bind_ssl_finish(struct listener *l, const char *kw, char **err);
int cfg_server_ssl_option(struct server *srv, const char *kw, int argc, char **args, int *i, char **err);
int cfg_server_ssl_finish(struct server *srv, const char *kw, char **err);

/* At the end of a backend: with a `tcp-check connect ssl` rule, every
 * server without a TLS context for its checks gets one. 0, or -1 with
 * *<err> naming the server's line.
 */
int cfg_proxy_check_tls(struct proxy *px, char **err);

struct tls_conf;
struct tls_crtlist_line;

/* The same parsers over a bare TLS configuration, for lines that are not
 * a proxy's (a peers section's bind and peers): <*cp> is created at the
 * first TLS option from the ssl-default-bind-* (bind) or
 * ssl-default-server-* (client) settings. The client side sets *<use_ssl>
 * for `ssl` / `no-ssl`. Returns as cfg_bind_ssl_option().
 */
int cfg_ssl_bind_conf_option(struct tls_conf **cp, const char *kw, int argc, char **args, int *i, char **err);
int cfg_ssl_client_conf_option(struct tls_conf **cp, int *use_ssl, const char *kw, int argc, char **args, int *i,
                               char **err);

/* One [option] of a crt-list line (args[*i], its value after it) into the
 * line's <delta>; <where> names the line in messages. As cfg_bind_ssl_option,
 * plus 2: accepted with no effect, the warning in *<err> (`ocsp-update on`).
 */
int cfg_ssl_crtlist_option(struct tls_conf *delta, const char *where, int argc, char **args, int *i, char **err);

/* The global crt-base, or NULL. */
const char *cfg_ssl_crt_base(void);

/* Reads crt-list <path> into the registry (tls.h) unless already read;
 * <kw> is the bind line's keyword for messages. 0 or -1 with <err>.
 */
int cfg_crtlist_load(const char *path, const char *kw, char **err);

/* Parses one crt-list line (modified in place) of <file>:<linenum> into
 * <ln>: 1, 0 for a blank line or a comment, -1 with HAProxy's message.
 */
int cfg_crtlist_parse_line(char *line, const char *file, int linenum, struct tls_crtlist_line *ln, char **err);

#endif /* TOLLGATE_CFG_PROXY_H */
