/*
 * Tables that outlive the process: the state file (restarts) and the
 * reload hand-over (-sf). Both carry every stick table of the process as
 * one state blob (stktable_state.h). Operator's view in doc/peers.md,
 * design in doc/internals/stktable-state.md.
 *
 * Everything here runs on the main thread, which never runs tasks: the
 * work is O(entries) and may block on disk or on the other process.
 * Tables are only walked (one shard lock at a time) or written through
 * the table API, so the workers keep serving meanwhile.
 */
#ifndef TOLLGATE_HANDOVER_H
#define TOLLGATE_HANDOVER_H

#include <stddef.h>

/* ---- State file (src/peers/state_file.c) ---- */

/* Opens the directory of the state file <path>, for the saves (before any
 * chroot). Returns 0, or <0 with a message in <err> (saves then fail).
 */
int tables_state_init(const char *path, char *err, size_t errlen);

/* Writes every table to <path> atomically: <path>.tmp.<pid>, fsync,
 * rename, fsync of the directory. Returns the number of entries, or <0
 * with a message naming the file in <err>.
 */
long tables_state_save(const char *path, char *err, size_t errlen);

/* Restores every table from <path>: a missing file returns -ENOENT, a bad one (corrupt, truncated, foreign) changes nothing and returns <0
 * with a message naming the file in <err>. Definition differences are
 * logged as warnings. Returns the number of entries restored.
 */
long tables_state_load(const char *path, char *err, size_t errlen);

/* Looks a configured table up by name (the proxy that declares it). */
struct stktable *tables_find(const char *name);

/* ---- Reload hand-over (src/peers/handover.c) ---- */

/* New process, before it binds its stats sockets: asks the old process
 * behind the stats socket <path> (level admin) for its tables and
 * restores them: those of peers sections with a local peer only if <all>
 * (a -st reload: the old process will not teach them through the local
 * peer). Returns the number of entries, or <0 with a message.
 * On success the connection stays open for the old process's final delta
 * (handover_start_receiver()).
 */
long handover_fetch(const char *path, int all, char *err, size_t errlen);

/* New process, once its workers run: applies the old process's final
 * delta in a background thread when it comes. No effect without a fetch.
 */
void handover_start_receiver(void);

/* Old process: the signal that tells the main thread a hand-over was
 * requested on the stats socket (it is among the main thread's signals).
 */
int handover_signal(void);

/* Old process, main thread, on handover_signal(): sends the snapshot to
 * the new process and keeps what it sent as the baseline of the delta.
 */
void handover_serve(void);

/* Old process, main thread, while it finishes its connections: sends
 * what changed since the last update, when an update is due. No effect
 * without a hand-over.
 */
void handover_tick(void);

/* Old process, main thread, after the workers stopped: sends what changed
 * since the last update, marked last, and closes. No effect without a
 * hand-over.
 */
void handover_finish(void);

/* 1 once this process handed its tables over: the new one owns them (and
 * the state file).
 */
int handover_done(void);

#endif /* TOLLGATE_HANDOVER_H */
