/*
 * Syslog messages as they arrive from the network: parsing, TCP framing and
 * the header rebuilt when a message is forwarded (`log-forward`).
 *
 * Pure functions over (buffer, length): they never allocate, never read
 * past the length given, and keep no state, so that any thread may call
 * them and the fuzzer (tests/fuzz/fuzz_syslog.c) may feed them anything.
 * The parsed fields point into the caller's buffer.
 *
 * Parsing follows HAProxy's: a `<PRI>` gives the facility and level (a
 * message without one is level info, facility unknown: the target's); an
 * RFC5424 header ("1 TIME HOST TAG PID MSGID SD ") or an RFC3164 one
 * ("Mmm dd hh:mm:ss HOST [TAG[PID]: ]") gives the other fields. A header
 * that does not parse keeps only the PRI, and the rest is the message:
 * malformed input is forwarded as text, never refused.
 */
#ifndef TOLLGATE_SYSLOG_H
#define TOLLGATE_SYSLOG_H

#include <stddef.h>
#include <time.h>

enum syslog_field {
	SYSLOG_PRIO = 0,             /* "<134>" as received */
	SYSLOG_TIME,                 /* "Dec  7 18:00:00" or an ISO time, or "-" */
	SYSLOG_HOST,                 /* host name */
	SYSLOG_TAG,                  /* program name */
	SYSLOG_PID,                  /* process id, as text */
	SYSLOG_MSGID,                /* RFC5424 message id */
	SYSLOG_SD,                   /* RFC5424 structured data, "[...]" */
	SYSLOG_FIELDS                /* number of fields */
};

/* A part of the received buffer; len 0 means absent. */
struct syslog_span {
	const char *ptr;             /* first byte, in the caller's buffer */
	size_t len;                  /* number of bytes */
};

struct syslog_msg {
	int level;                   /* severity 0..7 (info when no PRI) */
	int facility;                /* facility 0..23, -1 when the message had no PRI */
	struct syslog_span f[SYSLOG_FIELDS]; /* header fields, by enum syslog_field */
	const char *msg;             /* the message after the header */
	size_t len;                  /* its length, trailing LF/NUL removed */
};

/* Legacy (RFC3164) time length, "Mmm dd hh:mm:ss". */
#define SYSLOG_LEGACYTIME_LEN 15
/* Shortest ISO time accepted, "YYYY-MM-DDThh:mm:ssZ". */
#define SYSLOG_ISOTIME_MINLEN 20

/* Fills <m> for the message <buf> of <len> bytes without parsing it
 * (`option dont-parse-log`): level info, no facility, no field, the whole
 * message (trailing LF/NUL removed).
 */
void syslog_raw(const char *buf, size_t len, struct syslog_msg *m);

/* Parses the message <buf> of <len> bytes (one datagram, or one frame of a
 * stream) into <m>. Never fails: what does not parse is message text.
 */
void syslog_parse(const char *buf, size_t len, struct syslog_msg *m);

/* Finds the first message of the TCP syslog stream <buf> (<len> bytes
 * received): octet counting ("<len> <msg>", RFC6587 3.4.1) when it starts
 * with a digit 1-9, else a line ending in LF (a CR before it removed).
 * With <ntf_only> (`option assume-rfc6587-ntf`), every message is a line.
 * Messages longer than <max> bytes are refused. Returns the bytes to
 * consume (>0) with the message in *<msg> and *<mlen>, 0 when more bytes are
 * needed, or -1 when the stream is not syslog (the connection is closed).
 */
int syslog_frame(const char *buf, size_t len, size_t max, int ntf_only, const char **msg, size_t *mlen);

/* Header formats a target writes (values of trafficlog.h's enum log_format). */
#define SYSLOG_FMT_RFC3164 0
#define SYSLOG_FMT_RFC5424 1
#define SYSLOG_FMT_RAW     2
#define SYSLOG_FMT_AUTO    (-1) /* no `format`: chosen from the message's fields */
#define SYSLOG_FMT_LOCAL   (-2) /* RFC3164 without host (a tag but no host) */
#define SYSLOG_FMT_PRIO    (-3) /* the PRI alone before the message */

/* Writes into <out> (<room> bytes) the header that a target of format <fmt>
 * (SYSLOG_FMT_AUTO for a target without `format`: RFC5424 or RFC3164 when
 * the message has a host, by its time; the local form when it has only a
 * tag, the PRI alone when it has only a PRI, else nothing)
 * puts before the forwarded message <m>, at <facility> and <level>, as
 * HAProxy rebuilds it: the received time, host, tag and pid are kept
 * (RFC3164 <-> RFC5424 times are converted); a missing time is the local
 * time <now>, a missing RFC3164 host "localhost". Returns its length, cut
 * to <room> - 1 (NUL-terminated).
 */
size_t syslog_header(char *out, size_t room, int fmt, int facility, int level,
                     const struct syslog_msg *m, time_t now);

#endif /* TOLLGATE_SYSLOG_H */
