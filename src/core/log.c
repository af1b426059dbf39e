/*
 * Process messages. See log.h.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include <tollgate/log.h>

int log_verbose;

static _Atomic unsigned int log_warnings_issued; /* warnings written (TotalWarnings) */

unsigned int log_warnings(void)
{
	return atomic_load_explicit(&log_warnings_issued, memory_order_relaxed);
}

static const char *const lvl_tag[] = {
	[LOG_LVL_ALERT]   = "[ALERT]    ",
	[LOG_LVL_WARNING] = "[WARNING]  ",
	[LOG_LVL_NOTICE]  = "[NOTICE]   ",
	[LOG_LVL_DEBUG]   = "[DEBUG]    ",
};

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n, m;

	if (lvl == LOG_LVL_WARNING)
		atomic_fetch_add_explicit(&log_warnings_issued, 1, memory_order_relaxed);
	if (lvl == LOG_LVL_DEBUG && log_verbose <= 0)
		return;
	if ((lvl == LOG_LVL_WARNING || lvl == LOG_LVL_NOTICE) && log_verbose < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%s(%d) : ", lvl_tag[lvl], (int)getpid());
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}
