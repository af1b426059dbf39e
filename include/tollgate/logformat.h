/*
 * Log formats: `log-format` strings, `option httplog` / `tcplog` / `httplog
 * clf`, and the `%[sample]` templates of header actions.
 *
 * A format string is compiled once at configuration time into a list of
 * nodes (literal text, a %-variable with its flags, or a sample
 * expression), read-only afterwards, and rendered on the stream's thread
 * into the caller's buffer: no allocation, no lock.
 *
 * Variables follow HAProxy's configuration manual (section 8.2.4): %ci %cp
 * %fi %fp %bi %bp %si %sp %t %tr %trg %trl %T %Ts %ms %ft %f %b %s %TR %Tw
 * %Tc %Tr %Ta %Tt %Th %Ti %Tq %ST %B %U %CC %CS %ts %tsc %ac %fc %bc %sc %rc
 * %sq %bq %hr %hs %hrl %hsl %r %HM %HU %HP %HQ %HV %pid %H %rt %rc %lc %o,
 * with the flags {+Q} (quote) {-Q} {+X} (hex) {+E} (escape); %[expr] is a
 * sample expression. An unknown variable is a configuration error naming
 * it.
 */
#ifndef TOLLGATE_LOGFORMAT_H
#define TOLLGATE_LOGFORMAT_H

#include <stddef.h>

struct logformat;
struct proxy;
struct sample_ctx;
struct stream;

/* Option bit OR'ed into the <where> of logformat_parse() for a log line
 * (log-format, the default formats): blanks in the text are separators,
 * merged and dropped around items that rendered nothing (HAProxy's rule
 * for log lines); a missing value renders "-"; control and 8-bit bytes of
 * strings render as "#XX". Without it (header templates) blanks are kept
 * as written, a missing sample renders nothing, and control bytes render
 * as "%XX" so that a header value never holds CR, LF or NUL.
 */
#define LOGFMT_F_LOG 0x80000000U

/* HAProxy's default formats. */
extern const char LOGFMT_TCPLOG[];   /* option tcplog */
extern const char LOGFMT_HTTPLOG[];  /* option httplog */
extern const char LOGFMT_CLF[];      /* option httplog clf */

/* Compiles <fmt>. <where> is the SMP_USE_* set where %[...] samples will
 * be evaluated (logs: SMP_USE_ANY minus nothing; header actions of
 * http-request: SMP_USE_HTTP_REQ...). Returns the compiled format, or NULL
 * with *<err> (malloc'ed) naming the faulty variable or expression.
 */
struct logformat *logformat_parse(const char *fmt, unsigned int where, char **err);

/* Frees <lf> (NULL is fine). */
void logformat_free(struct logformat *lf);

/* Renders <lf> for stream <s> (its txn when in HTTP mode) into <out> of
 * <room> bytes, NUL-terminated. Returns the length written (without the
 * NUL); a line that does not fit is cut. Stream's thread only.
 */
size_t logformat_render(const struct logformat *lf, struct stream *s, char *out, size_t room);

/* Same as logformat_render() with the evaluation context <ctx> for the
 * %[...] samples (a health check's, or a rule's): the %-variables read
 * ctx->strm and render nothing without one.
 */
size_t logformat_render_ctx(const struct logformat *lf, const struct sample_ctx *ctx, char *out, size_t room);

/* Start-up (proxy_finalize_all(), before workers run): compiles the
 * log-format of <px> inherited from a defaults section (px->log_format set,
 * px->logfmt not yet compiled), and the three default formats. Returns 0,
 * or -EINVAL/-ENOMEM with *<err> (malloc'ed) saying what is wrong.
 */
int logformat_finalize(struct proxy *px, char **err);

/* Sends the traffic log line of <s> (end of a TCP stream, or of an HTTP
 * transaction) to its frontend's targets, if it has any and a format
 * (log-format, option httplog or tcplog): honours `option dontlognull`,
 * and the level is "info", or "err" for an error (termination codes or a
 * 5xx status).
 */
void stream_send_log(struct stream *s);

#endif /* TOLLGATE_LOGFORMAT_H */
