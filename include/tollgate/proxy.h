/*
 * Proxies: frontends (listeners, rules, a default backend), backends
 * (servers, load balancing, queue), and `listen` sections (both).
 *
 * Proxies are created while parsing the configuration and are read-only
 * once the workers run, except their atomic counters, their queue (under
 * queue_lock) and their servers' state (see server.h). Runtime changes to
 * their structure go through thread isolation.
 */
#ifndef TOLLGATE_PROXY_H
#define TOLLGATE_PROXY_H

#include <tollgate/proxy-t.h>
#include <tollgate/stktable-t.h>

extern struct proxy *proxies_list;     /* all proxies, declaration order */

/* Creates a proxy named <name> with capabilities <cap> (PR_CAP_*),
 * declared at <file>:<line> (kept, not copied), with HAProxy's defaults,
 * and links it at the end of proxies_list unless it is a defaults section.
 * Returns NULL on allocation failure.
 */
struct proxy *proxy_new(const char *name, unsigned int cap, const char *file, int line);

/* proxy_new() without the linking: the proxy is in no list yet. */
struct proxy *proxy_alloc(const char *name, unsigned int cap, const char *file, int line);

/* Links <px> at the end of proxies_list. At parse time, or under thread
 * isolation once workers run (readers walk the list without a lock).
 */
void proxy_link(struct proxy *px);

/* Rebuilds the index proxy_be_lookup() reads, after a backend was linked.
 * Under thread isolation once workers run.
 */
void proxy_be_index_rebuild(void);

/* Frees the stats page settings of a proxy (leaves them zeroed). */
void proxy_stats_free(struct pr_stats *st);

/* Returns the backend (or listen) named <name>, or NULL: O(log n) over
 * an index built by proxy_finalize_all(). Any thread once workers run.
 */
struct proxy *proxy_be_lookup(const char *name);

/* Copies the settings of the defaults section <def> into <px> (mode,
 * options, timeouts, retries, maxconn, balance, default-server). Returns 0
 * or -ENOMEM.
 */
int proxy_inherit(struct proxy *px, const struct proxy *def);

/* Returns the proxy named <name> having all the capabilities of <cap>, or
 * NULL. Defaults sections are looked up in <defaults> lists by the caller.
 */
struct proxy *proxy_find(const char *name, unsigned int cap);

/* Returns the first character of <name> HAProxy refuses in the name of an
 * object created at run time (a server, a backend: it allows letters,
 * digits, '-', '_', '.' and ':'), or 0.
 */
char proxy_invalid_name_char(const char *name);

/* Returns the name of <px>'s kind: "frontend", "backend" or "listen". */
const char *proxy_kind(const struct proxy *px);

/* Checks and completes the configuration once every section is parsed:
 * resolves backend names, initialises load balancing, applies defaults.
 * Reports each problem through cfg_alert()-style messages written with
 * <report>(<arg>, file, line, message) and returns the number of errors.
 */
int proxy_finalize_all(void (*report)(void *arg, int is_err, const char *file, int line,
                                      const char *msg),
                       void *arg);

/* Returns the stick table named <name> (tables are named after the
 * section declaring them), or NULL. After proxy_finalize_all().
 */
struct stktable *proxy_table_find(const char *name);

/* How finalisation reports a problem (proxy_finalize_all()). */
typedef void (*proxy_report_fn)(void *arg, int is_err, const char *file, int line, const char *msg);

/* Formats a problem and hands it to <fn>. Returns <is_err> (errors add up). */
int proxy_report(proxy_report_fn fn, void *arg, int is_err, const char *file, int line,
                 const char *fmt, ...) PRINTF_FMT(6, 7);

/* Finishes a backend created at run time (`add backend`, proxy_dyn.c):
 * global log targets, server ids and load balancing. <px> is in no list yet. Returns the number of errors
 * reported through <fn>.
 */
int proxy_finalize_backend(struct proxy *px, proxy_report_fn fn, void *arg);

/* A stick table declared outside any proxy (a `table` line of a peers
 * section, named "SECTION/NAME"), created with the proxies' tables.
 */
struct proxy_xtable {
	struct proxy_xtable *next;       /* next one, in declaration order */
	char *id;                        /* its name */
	struct stktable_def def;         /* its definition */
	struct stktable *table;          /* the table, created at finalisation */
	char *file;                      /* where it is declared */
	int line;                        /* line */
};

extern struct proxy_xtable *proxy_xtables;

/* Declares table <id> with <def> (configuration time). Returns 0, -EEXIST
 * (a table of that name was declared) or -ENOMEM.
 */
int proxy_xtable_add(const char *id, const struct stktable_def *def, const char *file, int line);

/* The proxy section being parsed (configuration time only, NULL outside),
 * for keywords whose default is "the current proxy" (a table converter
 * without a table name).
 */
extern struct proxy *proxy_parsing;

/* Sets proxy_parsing and the ACLs the acl() fetch resolves names in to
 * those of <px> (NULL: none). Configuration time only.
 */
void proxy_set_parse_scope(struct proxy *px);

/* Starts the purge task of every table on the workers. After
 * thread_setup(). Returns 0 or -ENOMEM.
 */
int proxy_tables_start(void);

/* Frees every proxy (at exit, workers stopped). */
void proxy_free_all(void);

/* Frees <px>, its rules, servers and table; <px> must be in no list. */
void proxy_free(struct proxy *px);

#endif /* TOLLGATE_PROXY_H */
