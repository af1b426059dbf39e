/*
 * Master-worker mode, private to src/core/master*.c: what master.c (the
 * processes and the master CLI's sessions) hands master_debug.c (the
 * master's own answers in `mcli-debug-mode on`). The master is
 * single-threaded: nothing here is shared with another thread.
 */
#ifndef TOLLGATE_CORE_MASTER_INT_H
#define TOLLGATE_CORE_MASTER_INT_H

#include <stdint.h>
#include <time.h>

/* Writes the formatted text to the master CLI connection <fd> (ignoring a
 * client that left).
 */
void mcli_printf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The master's counters, for `show activity` and `show info`. */
struct mdebug_counters {
	time_t started;              /* the master's start, wall clock */
	uint64_t loops;              /* passes of its poll() loop */
	uint64_t poll_io;            /* polls that returned events */
	uint64_t poll_exp;           /* polls that returned on their timeout */
	uint64_t accepted;           /* master CLI connections accepted */
	unsigned int cur_conns;      /* master CLI connections open */
};

/* A master CLI session, for `show sess`. */
struct mdebug_sess {
	const void *ptr;             /* its identity */
	uint64_t age_ms;             /* since it was accepted */
	uint64_t calls;              /* times it was served */
};

/* Runs <cmd> as the master in `mcli-debug-mode on` (HAProxy's master then
 * runs its whole CLI on its own state): `show info`, `show env [<var>]`,
 * `show activity`, `show sess`, `show backend` answered from
 * the master's state, the answer written to <fd>. <sess> lists the
 * <nsess> master CLI sessions. Returns 1 if <cmd> was one, 0 if not.
 */
int mdebug_command(int fd, const char *cmd, const struct mdebug_counters *ctr,
                   const struct mdebug_sess *sess, int nsess);

/* The lines `help` adds in `mcli-debug-mode on`, HAProxy's texts. */
extern const char mdebug_help[];

#endif
