/*
 * Process messages. See log.h.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tollgate/log.h>

int log_verbose;

static _Atomic unsigned int log_warnings_issued; /* warnings written (TotalWarnings) */

unsigned int log_warnings(void)
{
	return atomic_load_explicit(&log_warnings_issued, memory_order_relaxed);
}

/* The start-up logs: lines appended while <startup_open>. */
static pthread_mutex_t startup_lock = PTHREAD_MUTEX_INITIALIZER;
static char startup_buf[LOG_STARTUP_SIZE];  /* the lines, oldest first */
static size_t startup_len;                   /* bytes in <startup_buf> */
static int startup_open = 1;                 /* start-up is not over */

void log_startup_append(const char *line, size_t len)
{
	pthread_mutex_lock(&startup_lock);
	if (!startup_open || len > sizeof(startup_buf))
		goto out_unlock;
	if (startup_len + len > sizeof(startup_buf)) {
		/* drop the oldest whole lines to make room */
		size_t drop = startup_len + len - sizeof(startup_buf);
		char *nl = memchr(startup_buf + drop, '\n', startup_len - drop);

		drop = nl ? (size_t)(nl - startup_buf) + 1 : startup_len;
		memmove(startup_buf, startup_buf + drop, startup_len - drop);
		startup_len -= drop;
	}
	memcpy(startup_buf + startup_len, line, len);
	startup_len += len;
out_unlock:
	pthread_mutex_unlock(&startup_lock);
}

void log_startup_end(void)
{
	pthread_mutex_lock(&startup_lock);
	startup_open = 0;
	pthread_mutex_unlock(&startup_lock);
}

size_t log_startup_read(size_t off, char *dst, size_t room)
{
	size_t n = 0;

	pthread_mutex_lock(&startup_lock);
	if (off < startup_len) {
		n = startup_len - off < room ? startup_len - off : room;
		memcpy(dst, startup_buf + off, n);
	}
	pthread_mutex_unlock(&startup_lock);
	return n;
}

static const char *const lvl_tag[] = {
	[LOG_LVL_ALERT]   = "[ALERT]    ",
	[LOG_LVL_WARNING] = "[WARNING]  ",
	[LOG_LVL_NOTICE]  = "[NOTICE]   ",
	[LOG_LVL_DEBUG]   = "[DEBUG]    ",
};

/* Formats one message line at <lvl> into <buf> (<size> bytes, 3 at
 * least), '\n' included. Returns its length, or -1.
 */
static int log_format_line(char *buf, size_t size, enum log_level lvl, const char *fmt, va_list ap)
{
	int n = snprintf(buf, size, "%s(%d) : ", lvl_tag[lvl], (int)getpid());
	int m = vsnprintf(buf + n, size - (size_t)n - 1, fmt, ap);

	if (m < 0)
		return -1;
	n += m;
	if (n > (int)size - 2)
		n = (int)size - 2;
	buf[n++] = '\n';
	return n;
}

void log_startup_note(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = log_format_line(buf, sizeof(buf), LOG_LVL_NOTICE, fmt, ap);
	va_end(ap);
	if (n > 0)
		log_startup_append(buf, (size_t)n);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (lvl == LOG_LVL_WARNING)
		atomic_fetch_add_explicit(&log_warnings_issued, 1, memory_order_relaxed);
	if (lvl == LOG_LVL_DEBUG && log_verbose <= 0)
		return;
	va_start(ap, fmt);
	n = log_format_line(buf, sizeof(buf), lvl, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* kept for `show startup-logs` even when -q hides it, as HAProxy */
	if (lvl != LOG_LVL_DEBUG)
		log_startup_append(buf, (size_t)n);
	if ((lvl == LOG_LVL_WARNING || lvl == LOG_LVL_NOTICE) && log_verbose < 0)
		return;
	if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}
