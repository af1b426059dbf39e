/*
 * Variables: set-var(<scope>.<name>), var(<scope>.<name>), unset-var.
 *
 * Scopes, as HAProxy's: "proc" (the process: shared by all streams and
 * threads, set from the global section, rules or the admin socket),
 * "sess" (the client connection: kept across the requests of a
 * keep-alive connection), "txn" (one HTTP transaction), "req" and "res"
 * (the request and the response of that transaction; Tollgate keeps them
 * as long as the transaction). In TCP mode there is no transaction: txn,
 * req and res variables live with the connection, as sess ones.
 *
 * Storage. A var_store holds any number of variables keyed by their full
 * name ("txn.user"), so the scopes of a transaction share one store; the
 * bytes of string and binary values live in the store's arena. The first
 * VAR_STORE_INLINE variables and VAR_ARENA_SIZE bytes are inside the store;
 * beyond, both move to the heap (doubling), and var_store_reset() gives
 * that back: HAProxy has no limit on the count either (its
 * tune.vars.*-max-size limits are not implemented; a value is dropped only
 * when memory runs out). The count is bounded by the configuration (names
 * are written in rules) and the admin socket's `set var`. The txn store is embedded in
 * the transaction; a stream's sess store is allocated on its first set;
 * the proc store is global. A health check's variables (scope "check",
 * and the others but proc when a check evaluates them) live in its
 * struct check_smp (check.h); a stream has no check scope: reading one
 * there finds nothing and setting one drops the value.
 *
 * Threads. A transaction's and a stream's stores belong to the stream's
 * thread: no lock. The proc store is protected by a spinlock; a read
 * copies a string value into the thread's scratch area under the lock,
 * so the sample stays valid while another thread rewrites the variable.
 * Cost: O(variables) per lookup, O(variables + arena) per set.
 */
#ifndef TOLLGATE_VARS_H
#define TOLLGATE_VARS_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/sample-t.h>

#define VAR_STORE_INLINE 32     /* variables kept inside the store */
#define VAR_NAME_SIZE  48       /* full name "scope.name" with its NUL */
#define VAR_ARENA_SIZE 2048U    /* bytes of string values inside the store */

enum var_scope {
	VAR_SCOPE_PROC = 0,     /* process-wide */
	VAR_SCOPE_SESS,         /* client connection */
	VAR_SCOPE_TXN,          /* HTTP transaction */
	VAR_SCOPE_REQ,          /* request of the transaction */
	VAR_SCOPE_RES,          /* response of the transaction */
	VAR_SCOPE_CHECK,        /* one health check run (check.h: struct check_smp) */
};

struct var {
	char name[VAR_NAME_SIZE];      /* full name, NUL-terminated */
	struct sample_data data;       /* value; strings point into the store's arena */
};

struct var_store {
	/* the counts and pointers first: emptying a store (var_store_reset())
	 * writes the first cache line only */
	struct var *vars;              /* in_vars, or a heap array once more are set */
	char *arena;                   /* in_arena, or a heap area once values outgrow it */
	unsigned int nb;               /* variables in use, packed at the start of vars[] */
	unsigned int cap;              /* variables vars[] holds */
	uint32_t arena_len;            /* bytes of the arena in use */
	uint32_t arena_cap;            /* its size */
	struct var in_vars[VAR_STORE_INLINE];
	char in_arena[VAR_ARENA_SIZE];
};

/* The tune.vars.*-max-size limits (global.vars_limit[]), HAProxy's
 * hierarchical accounting: a variable costs VAR_ACCT_SIZE plus its string
 * bytes in its scope and in every coarser one (reqres < txn < sess < proc,
 * global). A value that would pass a limit is not stored.
 */
enum vars_lim {
	VARS_LIM_GLOBAL = 0,           /* tune.vars.global-max-size */
	VARS_LIM_PROC,                 /* tune.vars.proc-max-size */
	VARS_LIM_SESS,                 /* tune.vars.sess-max-size */
	VARS_LIM_TXN,                  /* tune.vars.txn-max-size */
	VARS_LIM_REQRES,               /* tune.vars.reqres-max-size */
};
#define VAR_ACCT_SIZE 80               /* HAProxy 2.6's struct var (64-bit), counted per variable */

/* A parsed variable name, as rules keep it. */
struct var_ref {
	enum var_scope scope;          /* from the prefix */
	size_t len;                    /* length of <name> */
	char name[VAR_NAME_SIZE];      /* full name "scope.name" */
};

/* Parses the <len> bytes of <text> ("txn.user") into <ref>. Returns 0, or
 * -EINVAL with *<err> (malloc'ed) naming the problem: unknown scope, empty
 * or too long name, character other than letters, digits, '_' and '.'.
 */
int var_parse_name(const char *text, size_t len, struct var_ref *ref, char **err);

/* ---- one store (no lock: the caller owns it) ---- */

/* Makes an empty store of the raw memory <st> (zeroed memory is one too). */
void var_store_init(struct var_store *st);

/* Empties <st> (initialised), giving back its heap parts: to be called
 * before the store's memory is freed.
 */
void var_store_reset(struct var_store *st);

/* Returns the variable <name> (<len> bytes) of <st>, or NULL. */
const struct var *var_store_get(const struct var_store *st, const char *name, size_t len);

/* Sets <name> to <data> (strings copied). Returns 0, -EINVAL for a pseudo
 * type, or -ENOMEM when the store cannot grow (the value is dropped).
 */
int var_store_set(struct var_store *st, const char *name, size_t len, const struct sample_data *data);

/* The bytes <st> counts for under tune.vars.* (VAR_ACCT_SIZE per variable
 * plus their string bytes); only its req.* and res.* variables when
 * <reqres>. 0 for NULL. O(1), O(variables) with <reqres>.
 */
uint64_t var_store_size(const struct var_store *st, int reqres);

/* Removes <name> from <st> if present. */
void var_store_unset(struct var_store *st, const char *name, size_t len);

/* Moves the variables of scopes txn, req and res from <from> to <to>: a
 * stream switched from tcp to http gives what its tcp-request rules set
 * for the request to its first transaction. A value that does not fit in
 * <to> is dropped.
 */
void var_store_move_txn(struct var_store *from, struct var_store *to);

/* ---- by scope, from an evaluation context (sample_ctx: strm, txn) ---- */

/* Copies the value of <ref> into <out> (strings valid as samples are, see
 * sample.h). Returns 1, or 0 if the variable is not set or its scope has
 * no store in <ctx>.
 */
int vars_get(const struct var_ref *ref, const struct sample_ctx *ctx, struct sample_data *out);

/* Sets <ref> to <data>. Returns 0, or <0 when it could not be stored
 * (no store for the scope in <ctx>, full store; -ENOSPC past a
 * tune.vars.* limit, the variable then unset): the value is dropped.
 */
int vars_set(const struct var_ref *ref, const struct sample_ctx *ctx, const struct sample_data *data);

/* Removes <ref>. */
void vars_unset(const struct var_ref *ref, const struct sample_ctx *ctx);

/* Calls <fn> for each proc variable, in order, under the proc lock (<fn>
 * must not touch variables). For the admin socket.
 */
void vars_proc_walk(void (*fn)(const struct var *v, void *arg), void *arg);

#endif /* TOLLGATE_VARS_H */
