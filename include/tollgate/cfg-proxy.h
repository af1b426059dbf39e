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

/* Parses an `if|unless <condition>` tail of <argc> words at <args> for
 * proxy <px> into *<cond>. Returns CFG_OK or CFG_ERR with *<err> set.
 */
int cfg_proxy_parse_cond(struct cfg_ctx *ctx, struct proxy *px, int argc, char **args,
                         struct acl_cond **cond, char **err);

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

#endif /* TOLLGATE_CFG_PROXY_H */
