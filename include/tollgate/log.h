/*
 * Process messages: alerts, warnings, notices to stderr in HAProxy's
 * format, `[WARNING]  (PID) : message`. Traffic logs (log targets,
 * log-format) are another module.
 *
 * Thread-safe: each message is written with one write() call.
 */
#ifndef TOLLGATE_LOG_H
#define TOLLGATE_LOG_H

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

#define log_alert(...)   log_msg(LOG_LVL_ALERT, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* TOLLGATE_LOG_H */
