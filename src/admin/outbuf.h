/*
 * A growing output buffer, for the admin modules that build a whole answer
 * in memory before the HTTP engine sends it (promex.c, stats_page.c).
 * Private to src/admin/.
 *
 * Writes append to a malloc'ed text that starts at OUTBUF_FIRST bytes and
 * doubles as needed (amortised O(1) per byte), NUL-terminated after each
 * write. Allocation failures are sticky: the first one marks the buffer
 * failed and later writes do nothing, so that a writer checks <err> once,
 * at the end, and refuses the answer (-ENOMEM) rather than sending a part
 * of it. The owner frees <p> in every case. One buffer, one thread.
 */
#ifndef TOLLGATE_ADMIN_OUTBUF_H
#define TOLLGATE_ADMIN_OUTBUF_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/compiler.h>

#define OUTBUF_FIRST 512          /* first allocation of a buffer, bytes */

struct outbuf {
	char *p;                     /* text (malloc'ed), NULL before the first write */
	size_t len;                  /* bytes written */
	size_t size;                 /* bytes allocated */
	int err;                     /* an allocation failed: writes do nothing */
};

/* Makes room in <b> for <n> more bytes and a NUL, doubling its size as
 * needed. Returns 0, or -1 (and <b> is failed) if memory is short.
 */
static inline int outbuf_room(struct outbuf *b, size_t n)
{
	size_t size = b->size ? b->size : OUTBUF_FIRST;
	char *p;

	if (b->err)
		return -1;
	if (b->p && b->len + n < b->size)
		return 0;
	while (size <= b->len + n)
		size *= 2;
	p = realloc(b->p, size);
	if (!p) {
		b->err = 1;
		return -1;
	}
	b->p = p;
	b->size = size;
	return 0;
}

/* Appends the <n> bytes at <s> to <b>. */
static inline void outbuf_put(struct outbuf *b, const char *s, size_t n)
{
	if (outbuf_room(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Appends the string <s> to <b>. */
static inline void outbuf_puts(struct outbuf *b, const char *s)
{
	outbuf_put(b, s, strlen(s));
}

/* Appends printf(<fmt>, ...) to <b>. */
static inline void outbuf_printf(struct outbuf *b, const char *fmt, ...) PRINTF_FMT(2, 3);
static inline void outbuf_printf(struct outbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (outbuf_room(b, 0) < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= b->size - b->len && outbuf_room(b, (size_t)n) == 0) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
		va_end(ap);
	}
	if (n < 0)
		b->err = 1;
	else if (!b->err)
		b->len += (size_t)n;
}

#endif /* TOLLGATE_ADMIN_OUTBUF_H */
