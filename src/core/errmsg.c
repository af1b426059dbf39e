/*
 * Error message helpers. See errmsg.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <tollgate/errmsg.h>

int err_vset(char **err, const char *fmt, va_list ap)
{
	char *msg;

	if (!err)
		return -EINVAL;
	/* formatted first: the old message may be one of the arguments */
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	free(*err);
	*err = msg;
	return -EINVAL;
}

int err_set(char **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void err_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
