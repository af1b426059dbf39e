/*
 * The variable actions shared by every rule set (tcp-request connection,
 * session and content, http-request, http-response) and the global
 * section: set-var(<var>) <expr>, set-var-fmt(<var>) <fmt>,
 * unset-var(<var>), with HAProxy's syntax. Parsed once, read-only
 * afterwards; executed on the stream's thread (vars.h says who locks).
 */
#ifndef TOLLGATE_VAR_ACTION_H
#define TOLLGATE_VAR_ACTION_H

#include <tollgate/vars.h>

struct logformat;
struct sample_ctx;
struct sample_expr;
struct stream;

enum var_act_type {
	VAR_ACT_NONE = 0,            /* not a variable action */
	VAR_ACT_SET,                 /* set-var(<var>) <expr> */
	VAR_ACT_SET_FMT,             /* set-var-fmt(<var>) <log-format string> */
	VAR_ACT_UNSET,               /* unset-var(<var>) */
};

/* set-var conditions (HAProxy 2.7+: set-var(<var>,<cond>...)). */
#define VAR_C_IFEXISTS    0x01U  /* the variable exists (or is set) */
#define VAR_C_IFNOTEXISTS 0x02U  /* it does not (or is not set) */
#define VAR_C_IFEMPTY     0x04U  /* the new value is an empty string or binary */
#define VAR_C_IFNOTEMPTY  0x08U  /* it is not */
#define VAR_C_IFGT        0x10U  /* the variable is greater than the new integer */
#define VAR_C_IFLT        0x20U  /* it is lower */

struct var_action {
	enum var_act_type type;      /* which action */
	struct var_ref var;          /* the variable */
	unsigned int conds;          /* VAR_C_*, all must hold */
	struct sample_expr *expr;    /* VAR_ACT_SET: the value */
	struct logformat *lf;        /* VAR_ACT_SET_FMT: the format */
};

/* Returns the type of the action word <word> ("set-var(txn.x)"), or
 * VAR_ACT_NONE.
 */
enum var_act_type var_action_type(const char *word);

/* Parses the action at args[*<pos>] (its word and, for set-var and
 * set-var-fmt, the following argument) into <va>, advancing *<pos>. The
 * expressions are checked against <where> (SMP_USE_*; 0: anywhere).
 * Returns 0, or -1 with *<err> (malloc'ed) naming the action and the
 * problem.
 */
int var_action_parse(struct var_action *va, unsigned int where, int argc, char **args, int *pos,
		     char **err);

/* Runs <va> for stream <s> (NULL in the global section) with the
 * evaluation context <ctx>. A value that cannot be stored is dropped, as
 * HAProxy drops it.
 */
void var_action_exec(const struct var_action *va, struct stream *s, const struct sample_ctx *ctx);

/* The global section's `set-var <var> <expr>` (<fmt> 0) and `set-var-fmt
 * <var> <fmt>` (<fmt> 1): evaluates the value at once, without a stream,
 * and stores it. Only the proc scope exists there. Returns 0, or -1 with
 * *<err> (malloc'ed).
 */
int var_set_global(const char *name, const char *value, int fmt, char **err);

/* Frees what <va> owns. */
void var_action_free(struct var_action *va);

#endif /* TOLLGATE_VAR_ACTION_H */
