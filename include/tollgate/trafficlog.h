/*
 * Traffic logs: one line per connection, sent to `log` targets.
 *
 * Targets come from `log` lines in `global` (shared by proxies saying `log
 * global`) or in a proxy: `stdout`, `stderr`, a UDP syslog address
 * (`127.0.0.1:514`, `udp@host:port`), or a unix datagram socket (`/dev/log`,
 * `unix@/path`), with `format raw|rfc3164|rfc5424` (default rfc3164),
 * `sample <ranges>:<size>` (keep only some lines of each <size>), a
 * facility, an optional maximum level (less severe messages are not sent)
 * and an optional minimum level (more severe ones are sent at that level),
 * as HAProxy.
 *
 * Lines are built on the stream's thread into a stack buffer and sent with
 * one non-blocking call per target (a datagram, or one write() of a whole
 * line): a full pipe or socket drops the line (counted), never blocks the
 * worker. Targets are read-only once workers run.
 */
#ifndef TOLLGATE_TRAFFICLOG_H
#define TOLLGATE_TRAFFICLOG_H

#include <stdint.h>

#include <tollgate/addr.h>

enum log_format {
	LOG_FMT_RFC3164 = 0,     /* <PRI>Mmm dd hh:mm:ss host tag[pid]: msg */
	LOG_FMT_RFC5424,         /* <PRI>1 ISO-time host tag pid - - msg */
	LOG_FMT_RAW,             /* the message alone */
	/* ring formats (`format` of a `ring` section, sink.h) */
	LOG_FMT_LOCAL,           /* as RFC3164 without host (Tollgate's RFC3164 has none) */
	LOG_FMT_SHORT,           /* <severity>msg */
	LOG_FMT_PRIORITY,        /* <PRI>msg */
	LOG_FMT_TIMED,           /* <severity>ISO-time msg */
	LOG_FMT_ISO,             /* ISO-time msg */
};

struct proxy;
struct sink;

struct log_target {
	int kind;                /* LOG_TGT_* */
	struct addr addr;        /* UDP or unix destination */
	char *be_name;           /* LOG_TGT_BACKEND/RING: the backend's or ring's name (shared by copies) */
	struct proxy *be;        /* LOG_TGT_BACKEND: that `mode log` backend, once resolved */
	struct sink *sink;       /* LOG_TGT_RING: that ring, once resolved */
	const char *conf_file;   /* where the `log` line is, for later errors */
	int conf_line;           /* ditto */
	int fd;                  /* socket or stdout/stderr, -1 before start */
	enum log_format format;  /* header format */
	int format_set;          /* `format` written (forwarded messages: else chosen per message) */
	int facility;            /* syslog facility number */
	int level;               /* highest level sent (syslog severity) */
	int minlevel;            /* more severe messages are sent at this level */
	unsigned int maxlen;     /* `len`: longest line sent, header included (1024) */
	const struct log_range *smp_rgs; /* `sample`: ranges kept, sorted, or NULL */
	unsigned int smp_nrgs;   /* how many */
	unsigned int smp_sz;     /* sample size: lines are counted modulo it */
	_Atomic uint64_t smp_ctr; /* lines offered so far (any thread) */
	struct log_target *next; /* next target of the same list */
};

/* A range of line numbers (1-based, within the sample size) of `sample`. */
struct log_range {
	unsigned int low;        /* first number kept */
	unsigned int high;       /* last number kept */
};

/* The longest `len` a log target accepts, as HAProxy. */
#define LOG_MAX_LINE 65535

#define LOG_TGT_STDOUT 1
#define LOG_TGT_STDERR 2
#define LOG_TGT_DGRAM  3
#define LOG_TGT_BACKEND 4        /* `backend@<name>`: a log backend (logbe.h) */
#define LOG_TGT_RING    5        /* `ring@<name>`: a ring (sink.h) */

/* Syslog severities used by traffic logs. */
#define LOG_SEV_INFO   6
#define LOG_SEV_NOTICE 5
#define LOG_SEV_ERR    3
#define LOG_SEV_ALERT  1
#define LOG_SEV_EMERG  0

/* The targets of the `global` section. */
extern struct log_target *log_global_targets;

/* Parses the arguments of a `log` line (args[0] is "log") into a new
 * target appended to *<list>. Returns 0, or -1 with a malloc'd message in
 * *<err>.
 */
int log_target_parse(struct log_target **list, int argc, char **args, char **err);

/* Stores in *<out> a copy of the list <list> (same settings, no socket
 * opened yet shared: fds are copied as they are, -1 before start-up).
 * Returns 0 or -ENOMEM (then *<out> is untouched).
 */
int log_targets_dup(const struct log_target *list, struct log_target **out);

/* Opens the sockets of every target (global and proxies). Start-up, before
 * workers run. Returns 0 or -errno with a message in <err>.
 */
int log_targets_open(char *err, size_t errlen);

/* Opens the sockets of the targets of <list> (start-up, before workers
 * run). Returns 0 or -errno with a message in <err>.
 */
int log_targets_open_list(struct log_target *list, char *err, size_t errlen);

/* Resolves the `ring@<name>` targets of <list>. Returns NULL, or the
 * first target that names no ring, with a message in <err>.
 */
struct log_target *log_rings_resolve(struct log_target *list, char *err, size_t errlen);

/* Writes into <line> (room for <room> bytes) the header of a message in
 * the format <fmt> (enum log_format) with the priority <facility> and
 * severity <sev>, dated now. Returns its length.
 */
size_t log_header(char *line, size_t room, int fmt, int facility, int sev);

/* Sends <msg> (<len> bytes, no trailing LF) at syslog severity <sev> to
 * every target of <list>, tagged with <tag> (the process name). Any thread.
 */
void log_send(struct log_target *list, int sev, const char *msg, size_t len);

struct syslog_msg;

/* Forwards the received message <m> (log-forward) to every target of
 * <list>: its own facility (the target's when it had none) and level, its
 * header rebuilt in the target's format (syslog_header()). Any thread.
 */
void log_forward(struct log_target *list, const struct syslog_msg *m);

/* Parses the `sample` argument <arg> ("<ranges>:<size>", ranges such as
 * "1,3-5" of 1-based line numbers, not overlapping, within <size>) into a
 * new sorted array in *<rgs> of *<n> entries and *<size>. Returns 0, or -1
 * with a malloc'd message in *<err>.
 */
int log_sample_parse(const char *arg, struct log_range **rgs, unsigned int *n, unsigned int *size,
                     char **err);

/* Returns 1 if the line numbered <ctr> (0-based, over all lines offered to
 * a target) is kept by the sample <rgs> (<n> ranges) of <size>, else 0.
 */
int log_sample_keep(const struct log_range *rgs, unsigned int n, unsigned int size, uint64_t ctr);

/* Counts one line dropped (a full target, or a log-forward input
 * refused). Any thread.
 */
void log_drop(void);

/* Lines dropped because a target could not take them (all threads). */
uint64_t log_dropped(void);

#endif /* TOLLGATE_TRAFFICLOG_H */
