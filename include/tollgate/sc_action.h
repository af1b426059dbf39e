/*
 * Stick-counter actions, shared by tcp-request rules (tcp_rules.h) and
 * http-request / http-response rules (http_rules.h):
 *   track-sc<N> <expr> [table <name>]
 *   sc-inc-gpc(<idx>,<N>), sc-inc-gpc0(<N>), sc-inc-gpc1(<N>)
 *   sc-set-gpt(<idx>,<N>) <int|expr>, sc-set-gpt0(<N>) <int|expr>
 *   sc-add-gpc(<idx>,<N>) <int|expr>
 * with HAProxy's meanings (configuration.txt 4.2, tcp-request/http-request
 * actions). <N> is a stick counter below tune.stick-counters.
 *
 * Life of an action: a rule embeds a struct sc_action; its configuration
 * parser hands the action word to sc_action_parse(); once every section is
 * read, the `table` name of track-sc is resolved (sc_action_resolve());
 * the rule engine then runs sc_action_exec() on the stream's thread. The
 * action is read-only once workers run. Execution changes the stream's
 * counters (s->sc, owned by the stream's thread) and the tracked entries
 * (protected by their table, stktable.h); it allocates nothing.
 */
#ifndef TOLLGATE_SC_ACTION_H
#define TOLLGATE_SC_ACTION_H

#include <stddef.h>

struct proxy;
struct sample_ctx;
struct sample_expr;
struct stktable;
struct stktable_key;
struct stream;

enum sc_act_type {
	SC_ACT_NONE = 0,             /* not a stick-counter action */
	SC_ACT_TRACK,                /* track-sc<N> <expr> [table T] */
	SC_ACT_INC_GPC,              /* sc-inc-gpc(idx,N), sc-inc-gpc0/1(N) */
	SC_ACT_SET_GPT,              /* sc-set-gpt(idx,N), sc-set-gpt0(N) <int|expr> */
	SC_ACT_ADD_GPC,              /* sc-add-gpc(idx,N) <int|expr> */
};

/* One parsed stick-counter action. Owns <expr> and <table_name>. */
struct sc_action {
	enum sc_act_type type;       /* which action */
	unsigned int sc;             /* stick counter number */
	int dt;                      /* data type of gpc/gpt actions (STKTABLE_DT_*) */
	unsigned int idx;            /* array index of gpc/gpt actions */
	long long value;             /* constant of sc-set-gpt/sc-add-gpc, used when <expr> is NULL */
	struct sample_expr *expr;    /* track-sc key, sc-set-gpt/sc-add-gpc value, or NULL */
	char *table_name;            /* track-sc `table T`, NULL: the proxy's own */
	struct stktable *table;      /* track-sc table once resolved, else NULL */
	int txn_scope;               /* an HTTP rule's: what it tracks is the transaction's */
};

/* Returns the type of the action named by the word <w> (by its prefix:
 * "track-sc", "sc-inc-gpc0", "sc-inc-gpc1", "sc-inc-gpc(", "sc-set-gpt0(",
 * "sc-set-gpt(", "sc-add-gpc("), or SC_ACT_NONE if <w> is no stick-counter action. A word
 * with such a prefix but malformed is still typed, so that
 * sc_action_parse() reports what is wrong with it.
 */
enum sc_act_type sc_action_type(const char *w);

/* Parses the stick-counter action whose word is args[*<pos>] (see
 * sc_action_type()) and its arguments, into <a> (zeroed by the caller),
 * advancing *<pos> past them; a following "if"/"unless" is left to the
 * caller. Sample expressions are parsed for use in <where> (SMP_USE_*).
 * Returns 0, or a negative errno with *<err> (malloc'ed) naming the action
 * word and what was expected. On error, <a> may hold allocations:
 * sc_action_free() releases them.
 */
int sc_action_parse(struct sc_action *a, unsigned int where, int argc, char **args, int *pos, char **err);

/* Finds the table a rule of <px> names with <name> (NULL: <px>'s own
 * table). Returns it, or NULL with a one-line message in <msg> (<room>
 * bytes) naming <px> and the rule as <what> ("stick", "track-sc"...).
 */
struct stktable *sc_table_resolve(struct proxy *px, const char *name, const char *what, char *msg,
                                  size_t room);

/* Resolves the table of a track-sc action <a> of <px> (nothing to do for
 * other actions) as sc_table_resolve() does. Returns 0, or -ENOENT with
 * <msg> set.
 */
int sc_action_resolve(struct sc_action *a, struct proxy *px, const char *what, char *msg, size_t room);

/* Evaluates <expr> in <ctx> into a key of <t>, written in <buf> (at least
 * STKTABLE_MAX_KEY_LEN + 16 bytes). Returns 1 with <key> set, or 0 if the
 * sample does not exist or cannot be a key of <t>.
 */
int sc_expr_key(const struct sample_expr *expr, const struct sample_ctx *ctx, struct stktable *t, void *buf,
                struct stktable_key *key);

/* Runs <a> for stream <s>, its samples evaluated in <ctx>; on the stream's
 * thread. track-sc does nothing if counter <a>->sc is already tracked
 * (by the session or the transaction) or the table is unresolved, or the
 * key cannot be built; an HTTP rule's tracking belongs to the transaction
 * (released at its end), a tcp-request rule's to the session; sc-inc-gpc and
 * sc-set-gpt do nothing on an untracked counter or a table that does not
 * store the element. Returns 1 if a track-sc began tracking an entry (an
 * HTTP rule counts the current request on it then), else 0.
 */
int sc_action_exec(const struct sc_action *a, struct stream *s, const struct sample_ctx *ctx);

/* Frees what <a> owns (not <a> itself). */
void sc_action_free(struct sc_action *a);

#endif /* TOLLGATE_SC_ACTION_H */
