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
#include <stdint.h>

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
extern const char LOGFMT_HTTPSLOG[]; /* option httpslog */

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

/* The timers of HAProxy's logs (section 8.4), in ms, -1 where the event did
 * not happen: what %Th %Ti %TR %Tq %Tw %Tc %Tr %Ta %Tt %Td %Tu render, and
 * the timer fetches (req.timer.*, res.timer.*, txn.timer.*, fc.timer.*,
 * bc.timer.connect) return.
 */
struct log_timers {
	int64_t th;    /* %Th: accept to the end of the handshakes */
	int64_t ti;    /* %Ti: idle before the request */
	int64_t tr;    /* %TR: receiving the request head */
	int64_t tq;    /* %Tq: th + ti + tr */
	int64_t tw;    /* %Tw: in the queues */
	int64_t tc;    /* %Tc: connecting to the server */
	int64_t trs;   /* %Tr: the server's response head */
	int64_t ta;    /* %Ta: the request's active time, so far */
	int64_t tt;    /* %Tt: the stream's time, so far */
	int64_t td;    /* %Td: transferring the response, so far */
	int64_t tu;    /* %Tu: tt without the idle time */
};

/* Fills <t> with the timers of stream <s> (its transaction in HTTP mode)
 * as of now: at log time, those of its log line. Stream's thread only.
 */
void logformat_timers(const struct stream *s, struct log_timers *t);

/* The byte counts of stream <s> (its transaction in HTTP mode) as of now:
 * *<up> from the client (%U), *<down> to it (%B). Stream's thread only.
 */
void logformat_bytes(const struct stream *s, uint64_t *up, uint64_t *down);

#endif /* TOLLGATE_LOGFORMAT_H */
