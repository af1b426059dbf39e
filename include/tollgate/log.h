/*
 * Process messages: alerts, warnings, notices to stderr in HAProxy's
 * format, `[WARNING]  (PID) : message`. Traffic logs (log targets,
 * log-format) are another module.
 *
 * Thread-safe: each message is written with one write() call.
 */
#ifndef TOLLGATE_LOG_H
#define TOLLGATE_LOG_H

#include <stddef.h>

#include <tollgate/compiler.h>

enum log_level {
	LOG_LVL_ALERT = 0,       /* "[ALERT]" */
	LOG_LVL_WARNING,         /* "[WARNING]" */
	LOG_LVL_NOTICE,          /* "[NOTICE]" */
	LOG_LVL_DEBUG,           /* "[DEBUG]", only with log_verbose */
};

/* 1 to show debug messages (-d), -1 to hide notices and warnings (-q). */
extern int log_verbose;

/* Writes one message at <lvl>. */
void log_msg(enum log_level lvl, const char *fmt, ...) PRINTF_FMT(2, 3);

/* Warnings issued since start, shown or not (`show info` TotalWarnings). */
unsigned int log_warnings(void);

/* ---- Start-up logs (`show startup-logs`) ----
 * The messages written while the process starts (configuration parsing
 * included) are also kept in memory, up to LOG_STARTUP_SIZE bytes (the
 * oldest lines are dropped beyond), as HAProxy's start-up ring. Any
 * thread; a mutex guards the buffer.
 */
#define LOG_STARTUP_SIZE 65536

/* Appends the <len> bytes of one message line (its '\n' included) to the
 * start-up logs, unless start-up is over.
 */
void log_startup_append(const char *line, size_t len);

/* Appends a notice to the start-up logs only (not to stderr), as
 * HAProxy's "haproxy version is ..." lines.
 */
void log_startup_note(const char *fmt, ...) PRINTF_FMT(1, 2);

/* Ends start-up: later messages are no longer kept. */
void log_startup_end(void);

/* Copies at most <room> bytes of the start-up logs from byte <off> into
 * <dst>. Returns the number of bytes copied (0 at the end).
 */
size_t log_startup_read(size_t off, char *dst, size_t room);

#define log_alert(...)   log_msg(LOG_LVL_ALERT, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* TOLLGATE_LOG_H */
