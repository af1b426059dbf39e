/*
 * Traffic log targets. See trafficlog.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <tollgate/cfg.h>
#include <tollgate/errmsg.h>
#include <tollgate/logbe.h>
#include <tollgate/proxy.h>
#include <tollgate/sink.h>
#include <tollgate/syslog.h>
#include <tollgate/trafficlog.h>

struct log_target *log_global_targets;   /* configuration: read-only at run time */
_Static_assert(LOG_FMT_RFC3164 == SYSLOG_FMT_RFC3164 && LOG_FMT_RFC5424 == SYSLOG_FMT_RFC5424 &&
               LOG_FMT_RAW == SYSLOG_FMT_RAW, "syslog_header() takes enum log_format values");
static _Atomic uint64_t dropped;          /* lines dropped, any thread (show activity) */

static const char *const facilities[] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "auth2", "ftp", "ntp", "audit", "alert", "cron2",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

static const char *const levels[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static int find_word(const char *const *words, int n, const char *w)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(words[i], w))
			return i;
	return -1;
}

int log_target_parse(struct log_target **list, int argc, char **args, char **err)
{
	struct log_target *t, **tail;
	char why[ADDR_ERRLEN];
	int i = 2;

	if (argc < 3)
		return err_set(err, "'log' expects <target> [format <fmt>] <facility> [<level>] (e.g. 'log stdout format raw local0', 'log 127.0.0.1:514 local0').");
	t = calloc(1, sizeof(*t));
	if (!t)
		return err_set(err, "out of memory");
	t->fd = -1;
	cfg_where(&t->conf_file, &t->conf_line);
	t->maxlen = 1024;   /* HAProxy's default line length */
	t->level = 7;
	t->minlevel = 0;
	if (!strcmp(args[1], "stdout")) {
		t->kind = LOG_TGT_STDOUT;
	} else if (!strcmp(args[1], "stderr")) {
		t->kind = LOG_TGT_STDERR;
	} else if (!strncmp(args[1], "backend@", 8) || !strncmp(args[1], "ring@", 5)) {
		/* a log backend or a ring, found by name once every section is read */
		int ring = args[1][0] == 'r';

		t->kind = ring ? LOG_TGT_RING : LOG_TGT_BACKEND;
		t->be_name = strdup(strchr(args[1], '@') + 1);
		if (!t->be_name || !*t->be_name) {
			free(t->be_name);
			free(t);
			return err_set(err, "'log %s' : expects a %s name after '%s'.", args[1], ring ? "ring" : "backend",
			               ring ? "ring@" : "backend@");
		}
	} else {
		const char *a = args[1];

		if (!strncmp(a, "udp@", 4) || !strncmp(a, "udp4@", 5) || !strncmp(a, "udp6@", 5))
			a = strchr(a, '@') + 1;
		if (addr_parse(a, ADDR_P_NO_FD | ADDR_P_PORT_OPTIONAL, &t->addr, why, sizeof(why)) < 0) {
			free(t);
			return err_set(err, "'log' : %s", why);
		}
		/* syslog's default port when none is given */
		if (t->addr.kind == ADDR_INET && (t->addr.flags & ADDR_F_NO_PORT))
			addr_set_port(&t->addr, 514);
		t->kind = LOG_TGT_DGRAM;
	}
	for (; i < argc; i++) {
		if (!strcmp(args[i], "format") && i + 1 < argc) {
			const char *f = args[++i];

			t->format_set = 1;
			if (!strcmp(f, "raw"))
				t->format = LOG_FMT_RAW;
			else if (!strcmp(f, "rfc3164"))
				t->format = LOG_FMT_RFC3164;
			else if (!strcmp(f, "rfc5424"))
				t->format = LOG_FMT_RFC5424;
			else {
				free(t);
				return err_set(err, "'log' : unknown format '%s' (supported: raw, rfc3164, rfc5424).", f);
			}
		} else if (!strcmp(args[i], "sample") && i + 1 < argc) {
			struct log_range *rgs;
			char *why2 = NULL;

			if (log_sample_parse(args[++i], &rgs, &t->smp_nrgs, &t->smp_sz, &why2) < 0) {
				free(t);
				err_set(err, "'log %s' : 'sample' : %s.", args[1], why2 ? why2 : "out of memory");
				free(why2);
				return -1;
			}
			free((void *)t->smp_rgs);
			t->smp_rgs = rgs;
		} else if (!strcmp(args[i], "len") && i + 1 < argc) {
			char *end;
			long v = strtol(args[++i], &end, 10);

			/* HAProxy's bounds: a syslog header needs room */
			if (*end || end == args[i] || v < 80 || v > LOG_MAX_LINE) {
				free(t);
				return err_set(err, "'log %s' : invalid log length '%s', must be between 80 and %d.",
				               args[1], args[i], LOG_MAX_LINE);
			}
			t->maxlen = (unsigned int)v;
		} else {
			break;
		}
	}
	if (i >= argc) {
		free(t);
		return err_set(err, "'log %s' : missing facility (e.g. local0).", args[1]);
	}
	t->facility = find_word(facilities, (int)(sizeof(facilities) / sizeof(facilities[0])), args[i]);
	if (t->facility < 0) {
		free(t);
		return err_set(err, "'log %s' : unknown facility '%s'.", args[1], args[i]);
	}
	if (++i < argc) {
		t->level = find_word(levels, 8, args[i]);
		if (t->level < 0) {
			free(t);
			return err_set(err, "'log %s' : unknown level '%s' (expected emerg, alert, crit, err, warning, notice, info or debug).",
			               args[1], args[i]);
		}
		i++;
	}
	if (i < argc) {
		t->minlevel = find_word(levels, 8, args[i]);
		if (t->minlevel < 0) {
			free(t);
			return err_set(err, "'log %s' : unknown minimum level '%s' (expected emerg, alert, crit, err, warning, notice, info or debug).",
			               args[1], args[i]);
		}
		i++;
	}
	if (i < argc) {
		free(t);
		return err_set(err, "'log %s' : unexpected '%s'.", args[1], args[i]);
	}
	for (tail = list; *tail; tail = &(*tail)->next)
		;
	*tail = t;
	return 0;
}

/* qsort() order of ranges: by their first number. */
static int range_cmp(const void *a, const void *b)
{
	const struct log_range *x = a, *y = b;

	return x->low < y->low ? -1 : x->low > y->low;
}

int log_sample_parse(const char *arg, struct log_range **rgs, unsigned int *n, unsigned int *size,
                     char **err)
{
	const char *colon = strchr(arg, ':'), *p = arg;
	struct log_range *r = NULL, *nr;
	unsigned int cnt = 0, maxhigh = 0;
	unsigned long v;
	char *end;

	if (!colon)
		return err_set(err, "missing sample size in '%s' (expected <ranges>:<size>)", arg);
	while (p < colon) {
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (end == p || !isdigit((unsigned char)*p) || lo == 0 || lo > UINT32_MAX)
			goto bad_range;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p || !isdigit((unsigned char)*p) || hi < lo || hi > UINT32_MAX)
				goto bad_range;
		}
		if (end != colon && *end != ',')
			goto bad_range;
		for (unsigned int k = 0; k < cnt; k++)
			if (lo <= r[k].high && r[k].low <= hi) {
				unsigned int klo = r[k].low, khi = r[k].high;

				free(r);   /* the message uses the copies */
				return err_set(err, "range %lu-%lu overlaps %u-%u in '%s'", lo, hi, klo, khi, arg);
			}
		nr = realloc(r, (cnt + 1) * sizeof(*r));
		if (!nr) {
			free(r);
			return err_set(err, "out of memory");
		}
		r = nr;
		r[cnt].low = (unsigned int)lo;
		r[cnt].high = (unsigned int)hi;
		if (hi > maxhigh)
			maxhigh = (unsigned int)hi;
		cnt++;
		p = *end == ',' ? end + 1 : end;
	}
	if (!cnt)
		return err_set(err, "no sampling ranges given in '%s'", arg);
	v = strtoul(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end || !v || v > UINT32_MAX) {
		free(r);
		return err_set(err, "wrong sample size '%s' in '%s'", colon + 1, arg);
	}
	if (v < maxhigh) {
		free(r);
		return err_set(err, "sample size %lu should be greater or equal to %u, the highest range limit", v, maxhigh);
	}
	qsort(r, cnt, sizeof(*r), range_cmp);
	*rgs = r;
	*n = cnt;
	*size = (unsigned int)v;
	return 0;
bad_range:
	free(r);
	return err_set(err, "invalid range at '%.*s' in '%s' (expected <low>[-<high>], from 1)", (int)(colon - p), p, arg);
}

int log_sample_keep(const struct log_range *rgs, unsigned int n, unsigned int size, uint64_t ctr)
{
	unsigned int num = (unsigned int)(ctr % size) + 1;

	for (unsigned int k = 0; k < n && rgs[k].low <= num; k++)
		if (num <= rgs[k].high)
			return 1;
	return 0;
}

int log_targets_dup(const struct log_target *list, struct log_target **out)
{
	struct log_target *copy = NULL, **tail = &copy;

	for (const struct log_target *t = list; t; t = t->next) {
		*tail = malloc(sizeof(**tail));
		if (!*tail) {
			while (copy) {
				struct log_target *next = copy->next;

				free(copy);
				copy = next;
			}
			return -ENOMEM;
		}
		memcpy(*tail, t, sizeof(**tail));   /* the sample ranges are shared */
		atomic_store_explicit(&(*tail)->smp_ctr, 0, memory_order_relaxed);
		(*tail)->next = NULL;
		tail = &(*tail)->next;
	}
	*out = copy;
	return 0;
}

int log_targets_open_list(struct log_target *list, char *err, size_t errlen)
{
	for (struct log_target *t = list; t; t = t->next) {
		const struct sockaddr *sa;

		if (t->fd >= 0 || t->kind == LOG_TGT_BACKEND || t->kind == LOG_TGT_RING)
			continue;
		if (t->kind != LOG_TGT_DGRAM) {
			/* a full stdout pipe must drop lines, not stall a worker */
			t->fd = t->kind == LOG_TGT_STDOUT ? STDOUT_FILENO : STDERR_FILENO;
			fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK);
			continue;
		}
		/* not connected, as HAProxy: a connected UDP socket reports the
		 * ICMP "unreachable" of a lost line on the next send, which then
		 * fails too, losing the first line after the receiver is back */
		sa = addr_sa(&t->addr);
		t->fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (t->fd < 0) {
			char a[ADDR_STRLEN];
			int e = errno;

			addr_format(&t->addr, a, sizeof(a));
			err_fmt(err, errlen, "cannot open log target %s: %s", a, strerror(e));
			if (t->fd >= 0)
				close(t->fd);
			t->fd = -1;
			return -e;
		}
	}
	return 0;
}

int log_targets_open(char *err, size_t errlen)
{
	int ret = log_targets_open_list(log_global_targets, err, errlen);

	for (struct proxy *px = proxies_list; px && !ret; px = px->next)
		if (px->log_targets != log_global_targets)
			ret = log_targets_open_list(px->log_targets, err, errlen);
	return ret;
}

/* Sends the header <hdr> (<n> bytes, already in <line>) and the message
 * <msg> of <len> bytes to <t>: the whole line, header and newline
 * included, is cut to the target's `len`; as HAProxy, a datagram ends with
 * a newline too. A target that cannot take it drops it (counted).
 */
static void emit(struct log_target *t, char *line, size_t n, const char *msg, size_t len)
{
	size_t max = t->maxlen - 1;
	ssize_t w;

	if (n > max)
		n = max;
	if (n + len > max)
		len = max - n;
	if (t->kind == LOG_TGT_RING) {
		/* stored without the newline, cut again to the ring's `maxlen` */
		sink_write(t->sink, line, n, msg, len);
		return;
	}
	memcpy(line + n, msg, len);
	n += len;
	line[n++] = '\n';
	if (t->kind == LOG_TGT_BACKEND) {
		logbe_send(t->be, msg, len, line, n);
		return;
	}
	w = t->kind == LOG_TGT_DGRAM ? sendto(t->fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL, addr_sa(&t->addr), t->addr.len)
	                             : write(t->fd, line, n);
	if (w != (ssize_t)n)
		atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
}

/* Returns 1 if <t> takes a message of severity <sev> (level and sample),
 * else 0. Counts the message in the sample.
 */
static int target_takes(struct log_target *t, int sev)
{
	if ((t->fd < 0 && t->kind != LOG_TGT_BACKEND && t->kind != LOG_TGT_RING) || sev > t->level)
		return 0;
	return !t->smp_rgs ||
	       log_sample_keep(t->smp_rgs, t->smp_nrgs, t->smp_sz,
	                       atomic_fetch_add_explicit(&t->smp_ctr, 1, memory_order_relaxed));
}

/* per thread: a line may be as long as `len` allows (64 kB) */
static __thread char line[LOG_MAX_LINE + 1];

size_t log_header(char *out, size_t room, int fmt, int facility, int sev)
{
	struct timespec ts;
	struct tm tm;
	size_t n = 0;

	if (fmt == LOG_FMT_RAW)
		return 0;
	if (fmt == LOG_FMT_SHORT || fmt == LOG_FMT_TIMED)
		n = (size_t)snprintf(out, room, "<%d>", sev);
	else if (fmt != LOG_FMT_ISO)
		n = (size_t)snprintf(out, room, "<%d>%s", facility * 8 + sev, fmt == LOG_FMT_RFC5424 ? "1 " : "");
	if (fmt == LOG_FMT_SHORT || fmt == LOG_FMT_PRIORITY)
		return n;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	if (fmt == LOG_FMT_TIMED || fmt == LOG_FMT_ISO) {
		/* HAProxy's ISO date: microseconds, a +hh:mm offset */
		char z[8];

		n += strftime(out + n, room - n, "%Y-%m-%dT%H:%M:%S", &tm);
		strftime(z, sizeof(z), "%z", &tm);
		n += (size_t)snprintf(out + n, room - n, ".%06ld%.3s:%.2s ", ts.tv_nsec / 1000, z, z + 3);
		return n;
	}
	if (fmt == LOG_FMT_RFC5424)
		n += strftime(out + n, room - n, "%Y-%m-%dT%H:%M:%S%z", &tm);
	else
		n += strftime(out + n, room - n, "%b %e %H:%M:%S", &tm);
	n += (size_t)snprintf(out + n, room - n, fmt == LOG_FMT_RFC5424 ? " - tollgate %d - - " : " tollgate[%d]: ",
	                      (int)getpid());
	return n;
}

void log_send(struct log_target *list, int sev, const char *msg, size_t msglen)
{
	for (struct log_target *t = list; t; t = t->next) {
		int pri = sev < t->minlevel ? t->minlevel : sev;   /* more severe ones capped */
		size_t n = 0;

		if (!target_takes(t, sev))
			continue;
		n = log_header(line, sizeof(line), t->kind == LOG_TGT_RING ? t->sink->format : (int)t->format,
		               t->facility, pri);
		emit(t, line, n, msg, msglen);
	}
}

/* The header of the forwarded message <m> in the ring format <fmt> (one
 * of those after LOG_FMT_RAW), as HAProxy: the message's own time is kept
 * (the RFC5424 form syslog_header() gives it).
 */
static size_t ring_fwd_header(char *out, size_t room, int fmt, int facility, int pri,
                              const struct syslog_msg *m, time_t now)
{
	char h[256];
	size_t n, tl;
	const char *tm, *end;

	if (fmt == LOG_FMT_LOCAL)
		return syslog_header(out, room, SYSLOG_FMT_LOCAL, facility, pri, m, now);
	if (fmt == LOG_FMT_SHORT || fmt == LOG_FMT_PRIORITY)
		return log_header(out, room, fmt, facility, pri);
	/* TIMED, ISO: "<PRI>1 TIME ..." gives the time */
	n = syslog_header(h, sizeof(h), SYSLOG_FMT_RFC5424, facility, pri, m, now);
	tm = memchr(h, ' ', n);
	end = tm ? memchr(tm + 1, ' ', n - (size_t)(tm + 1 - h)) : NULL;
	if (!end)
		return log_header(out, room, fmt, facility, pri);
	tl = (size_t)(end - tm - 1);
	if (fmt == LOG_FMT_TIMED)
		return (size_t)snprintf(out, room, "<%d>%.*s ", pri, (int)tl, tm + 1);
	return (size_t)snprintf(out, room, "%.*s ", (int)tl, tm + 1);
}

void log_forward(struct log_target *list, const struct syslog_msg *m)
{
	time_t now = time(NULL);

	for (struct log_target *t = list; t; t = t->next) {
		int pri = m->level < t->minlevel ? t->minlevel : m->level;
		size_t n;

		if (!target_takes(t, m->level))
			continue;
		if (t->kind == LOG_TGT_RING && t->sink->format > LOG_FMT_RAW)
			n = ring_fwd_header(line, sizeof(line), t->sink->format, m->facility < 0 ? t->facility : m->facility,
			                    pri, m, now);
		else
			n = syslog_header(line, sizeof(line),
			                  t->kind == LOG_TGT_RING ? t->sink->format : t->format_set ? (int)t->format : SYSLOG_FMT_AUTO,
			                  m->facility < 0 ? t->facility : m->facility, pri, m, now);
		emit(t, line, n, m->msg, m->len);
	}
}

struct log_target *log_rings_resolve(struct log_target *list, char *err, size_t errlen)
{
	for (struct log_target *t = list; t; t = t->next) {
		if (t->kind != LOG_TGT_RING || t->sink)
			continue;
		t->sink = sink_find(t->be_name);
		if (!t->sink || t->sink->type != SINK_BUFFER) {
			err_fmt(err, errlen, "log target 'ring@%s': no such ring.", t->be_name);
			t->sink = NULL;
			return t;
		}
	}
	return NULL;
}

void log_drop(void)
{
	atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
}

uint64_t log_dropped(void)
{
	return atomic_load_explicit(&dropped, memory_order_relaxed);
}
