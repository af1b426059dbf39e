/*
 * Error messages for callers: the two shapes the project uses.
 *
 *  - err_set(&err, fmt, ...): a malloc'd message in *err (the previous one
 *    is freed after the new one is formatted, so it may be an argument;
 *    *err stays NULL if the allocation fails; err may be NULL).
 *    Returns -EINVAL so that a parser can `return err_set(err, ...)`.
 *  - err_fmt(buf, len, fmt, ...): a message in a caller buffer (buf may be
 *    NULL or len 0: nothing is written).
 *
 * Messages stay on one line and name the offending word and what was
 * expected (core-principles.md, return conventions).
 */
#ifndef TOLLGATE_ERRMSG_H
#define TOLLGATE_ERRMSG_H

#include <stdarg.h>
#include <stddef.h>

#include <tollgate/compiler.h>

int err_set(char **err, const char *fmt, ...) PRINTF_FMT(2, 3);
int err_vset(char **err, const char *fmt, va_list ap) PRINTF_FMT(2, 0);
void err_fmt(char *buf, size_t len, const char *fmt, ...) PRINTF_FMT(3, 4);

#endif /* TOLLGATE_ERRMSG_H */
