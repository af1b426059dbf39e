/*
 * Syslog message parsing and framing. See syslog.h.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <tollgate/syslog.h>

static const char monthname[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Reads a space-terminated word at *<p> (< <end>) into <s>: "-" is the
 * empty value. Returns 0 with *<p> on the space, or -1 (no word, no space).
 */
static int word(const char **p, const char *end, struct syslog_span *s)
{
	const char *q = *p;

	if (q >= end || *q == ' ')
		return -1;
	while (q < end && *q != ' ')
		q++;
	if (q >= end)
		return -1;
	s->ptr = *p;
	s->len = (size_t)(q - *p);
	if (s->len == 1 && *s->ptr == '-')
		s->len = 0;
	*p = q;
	return 0;
}

/* RFC5424 header after "1 ": <p> is its start. Returns 0 with the message
 * start in *<msg>, or -1.
 */
static int parse_5424(const char *p, const char *end, struct syslog_msg *m, const char **msg)
{
	if (end - p > 2 && p[0] == '-' && p[1] == ' ') {
		m->f[SYSLOG_TIME].ptr = p;
		m->f[SYSLOG_TIME].len = 1;
		p++;
	} else if (end - p > SYSLOG_ISOTIME_MINLEN) {
		const char *t = p;

		p += 19;
		if (*p == '.') {
			p++;
			while (p < end && *p != 'Z' && *p != '+' && *p != '-') {
				if ((unsigned char)(*p - '0') > 9)
					return -1;
				p++;
			}
			if (p >= end)
				return -1;
		}
		p += *p == 'Z' ? 1 : 6;
		if (p >= end || *p != ' ')
			return -1;
		m->f[SYSLOG_TIME].ptr = t;
		m->f[SYSLOG_TIME].len = (size_t)(p - t);
	} else {
		return -1;
	}
	for (int f = SYSLOG_HOST; f <= SYSLOG_MSGID; f++) {
		p++;
		if (word(&p, end, &m->f[f]) < 0)
			return -1;
	}
	p++;
	if (p >= end)
		return -1;
	m->f[SYSLOG_SD].ptr = p;
	if (*p == '[') {
		int elem = 0;

		/* elements "[id k=v ...]": a space ends the field only outside them */
		for (; p < end; p++) {
			if (elem) {
				if (*p == ']' && p[-1] != '\\')
					elem = 0;
			} else if (*p == '[') {
				elem = 1;
			} else if (*p == ' ') {
				break;
			} else {
				return -1;
			}
		}
		if (p >= end)
			return -1;
	} else if (*p == '-') {
		if (++p >= end || *p != ' ')
			return -1;
	} else {
		return -1;
	}
	m->f[SYSLOG_SD].len = (size_t)(p - m->f[SYSLOG_SD].ptr);
	if (m->f[SYSLOG_SD].len == 1 && *m->f[SYSLOG_SD].ptr == '-')
		m->f[SYSLOG_SD].len = 0;
	*msg = p + 1;
	return 0;
}

/* RFC3164 header: <p> is its start. Returns 0 with the message start in
 * *<msg> (after the host, and after "TAG[PID]: " when there is one), or -1.
 */
static int parse_3164(const char *p, const char *end, struct syslog_msg *m, const char **msg)
{
	const char *q, *tag;
	int mon;

	for (mon = 0; mon < 12; mon++)
		if (!memcmp(monthname[mon], p, 3))
			break;
	if (mon == 12)
		return -1;
	m->f[SYSLOG_TIME].ptr = p;
	m->f[SYSLOG_TIME].len = SYSLOG_LEGACYTIME_LEN;
	p += SYSLOG_LEGACYTIME_LEN;
	if (p >= end || *p != ' ')
		return -1;
	p++;
	if (word(&p, end, &m->f[SYSLOG_HOST]) < 0)
		return -1;
	tag = ++p;
	*msg = tag;
	/* a tag is a word ending in ':' followed by a space */
	for (q = tag; q < end && *q != ' ' && *q != ':'; q++)
		;
	if (q + 1 >= end || *q != ':' || q[1] != ' ')
		return 0;
	m->f[SYSLOG_TAG].ptr = tag;
	m->f[SYSLOG_TAG].len = (size_t)(q - tag);
	for (const char *b = tag; b < q; b++) {
		if (*b == '[') {
			m->f[SYSLOG_TAG].len = (size_t)(b - tag);
			m->f[SYSLOG_PID].ptr = b + 1;
		} else if (*b == ']' && m->f[SYSLOG_PID].ptr) {
			if (b + 1 != q) {
				/* "]" not right before ':': the tag stays, without
				 * pid, and the message starts at it (HAProxy)
				 */
				m->f[SYSLOG_PID].ptr = NULL;
				return 0;
			}
			m->f[SYSLOG_PID].len = (size_t)(b - m->f[SYSLOG_PID].ptr);
		}
	}
	*msg = q + 2;
	return 0;
}

void syslog_raw(const char *buf, size_t len, struct syslog_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->level = 6;
	m->facility = -1;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
		len--;
	m->msg = buf;
	m->len = len;
}

void syslog_parse(const char *buf, size_t len, struct syslog_msg *m)
{
	const char *end, *p = buf, *msg;
	int pri = 0, digits = 0;

	syslog_raw(buf, len, m);
	len = m->len;
	end = buf + len;
	if (len < 2 || *p != '<')
		return;
	for (p++; p < end && *p != '>'; p++) {
		if (*p < '0' || *p > '9' || ++digits > 3)
			return;
		pri = pri * 10 + (*p - '0');
	}
	/* 23 facilities of 8 levels: anything else is no PRI */
	if (p >= end || !digits || pri > 191)
		return;
	p++;
	m->facility = pri >> 3;
	m->level = pri & 7;
	m->f[SYSLOG_PRIO].ptr = buf;
	m->f[SYSLOG_PRIO].len = (size_t)(p - buf);
	m->msg = p;
	m->len = (size_t)(end - p);
	msg = p;
	if (end - p > 2 && p[0] == '1' && p[1] == ' ') {
		if (parse_5424(p + 2, end, m, &msg) < 0)
			goto bad_format;
	} else if (end - p > SYSLOG_LEGACYTIME_LEN) {
		if (parse_3164(p, end, m, &msg) < 0)
			goto bad_format;
	}
	m->msg = msg;
	m->len = (size_t)(end - msg);
	return;
bad_format:
	/* the PRI stays: the message is forwarded with a header of its own */
	memset(&m->f[SYSLOG_TIME], 0, sizeof(m->f) - sizeof(m->f[0]));
}

int syslog_frame(const char *buf, size_t len, size_t max, int ntf_only, const char **msg, size_t *mlen)
{
	const char *lf;

	if (!len)
		return 0;
	if (!ntf_only && *buf >= '1' && *buf <= '9') {
		size_t n = 0, i = 0;

		/* octet counting: "<digits> <message>" */
		for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
			n = n * 10 + (size_t)(buf[i] - '0');
			if (n > max)
				return -1;
		}
		if (i == len)
			return 0;
		if (buf[i] != ' ')
			return -1;
		i++;
		if (len - i < n)
			return 0;
		*msg = buf + i;
		*mlen = n;
		return (int)(i + n);
	}
	if (*buf != '<' && !ntf_only)
		return -1;
	/* non-transparent framing: one message per line */
	lf = memchr(buf, '\n', len > max + 1 ? max + 1 : len);
	if (!lf)
		return len > max ? -1 : 0;
	*msg = buf;
	*mlen = (size_t)(lf - buf);
	if (*mlen && buf[*mlen - 1] == '\r')
		(*mlen)--;
	return (int)(lf - buf + 1);
}

/* Appends <n> bytes of <s> to <out> at *<pos> (at most <room> - 1 in all). */
static void put(char *out, size_t room, size_t *pos, const char *s, size_t n)
{
	if (*pos + n >= room)
		n = room - 1 - *pos;
	memcpy(out + *pos, s, n);
	*pos += n;
}

static void puts_(char *out, size_t room, size_t *pos, const char *s)
{
	put(out, room, pos, s, strlen(s));
}

/* Appends field <f> of <m> and a space, or <nil> when it is absent. */
static void put_field(char *out, size_t room, size_t *pos, const struct syslog_msg *m, int f, const char *nil)
{
	if (m->f[f].len) {
		put(out, room, pos, m->f[f].ptr, m->f[f].len);
		put(out, room, pos, " ", 1);
	} else {
		puts_(out, room, pos, nil);
	}
}

size_t syslog_header(char *out, size_t room, int fmt, int facility, int level,
                     const struct syslog_msg *m, time_t now)
{
	const struct syslog_span *t = &m->f[SYSLOG_TIME];
	size_t pos = 0;
	char tmp[64];
	struct tm tm;

	if (!room)
		return 0;
	out[0] = '\0';
	if (fmt == SYSLOG_FMT_AUTO) {
		/* HAProxy's choice for a target without `format` */
		if (m->f[SYSLOG_HOST].len)
			fmt = (t->len == 1 && *t->ptr == '-') || t->len >= SYSLOG_ISOTIME_MINLEN ?
			      SYSLOG_FMT_RFC5424 : SYSLOG_FMT_RFC3164;
		else if (m->f[SYSLOG_TAG].len)
			fmt = SYSLOG_FMT_LOCAL;
		else if (m->f[SYSLOG_PRIO].len)
			fmt = SYSLOG_FMT_PRIO;
		else
			fmt = SYSLOG_FMT_RAW;
	}
	if (fmt == SYSLOG_FMT_RAW)
		return 0;
	snprintf(tmp, sizeof(tmp), "<%d>", facility * 8 + level);
	puts_(out, room, &pos, tmp);
	if (fmt == SYSLOG_FMT_PRIO) {
		out[pos] = '\0';
		return pos;
	}
	if (fmt == SYSLOG_FMT_RFC3164 || fmt == SYSLOG_FMT_LOCAL) {
		int mon;

		if (t->len == SYSLOG_LEGACYTIME_LEN) {
			put(out, room, &pos, t->ptr, t->len);
			put(out, room, &pos, " ", 1);
		} else if (t->len >= SYSLOG_ISOTIME_MINLEN &&
		           (mon = (t->ptr[5] - '0') * 10 + (t->ptr[6] - '0')) >= 0 && mon <= 12 &&
		           t->ptr[8] >= '0' && t->ptr[8] <= '9' && t->ptr[9] >= '0' && t->ptr[9] <= '9') {
			/* "YYYY-MM-DDThh:mm:ss..." -> "Mmm dd hh:mm:ss" */
			snprintf(tmp, sizeof(tmp), "%s %c%c %.8s ", monthname[mon ? mon - 1 : 0],
			         t->ptr[8] != '0' ? t->ptr[8] : ' ', t->ptr[9], t->ptr + 11);
			puts_(out, room, &pos, tmp);
		} else {
			localtime_r(&now, &tm);
			snprintf(tmp, sizeof(tmp), "%s %2d %02d:%02d:%02d ", monthname[tm.tm_mon],
			         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
			puts_(out, room, &pos, tmp);
		}
		if (fmt == SYSLOG_FMT_RFC3164)
			put_field(out, room, &pos, m, SYSLOG_HOST, "localhost ");
		if (m->f[SYSLOG_TAG].len) {
			put(out, room, &pos, m->f[SYSLOG_TAG].ptr, m->f[SYSLOG_TAG].len);
			if (m->f[SYSLOG_PID].len) {
				put(out, room, &pos, "[", 1);
				put(out, room, &pos, m->f[SYSLOG_PID].ptr, m->f[SYSLOG_PID].len);
				put(out, room, &pos, "]", 1);
			}
			put(out, room, &pos, ": ", 2);
		}
		out[pos] = '\0';
		return pos;
	}
	/* RFC5424 */
	puts_(out, room, &pos, "1 ");
	if ((t->len == 1 && *t->ptr == '-') || t->len >= SYSLOG_ISOTIME_MINLEN) {
		put(out, room, &pos, t->ptr, t->len);
		put(out, room, &pos, " ", 1);
	} else {
		int mon = 12;

		localtime_r(&now, &tm);
		if (t->len == SYSLOG_LEGACYTIME_LEN)
			for (mon = 0; mon < 12; mon++)
				if (!memcmp(monthname[mon], t->ptr, 3))
					break;
		if (mon < 12) {
			/* legacy time: the year is guessed, the zone unknown */
			snprintf(tmp, sizeof(tmp), "%4d-%02d-%c%cT%.8s-00:00 ",
			         tm.tm_year + 1900 - (tm.tm_mon < mon), mon + 1,
			         t->ptr[4] != ' ' ? t->ptr[4] : '0', t->ptr[5], t->ptr + 7);
		} else {
			struct timeval tv;
			char zone[8];

			gettimeofday(&tv, NULL);
			localtime_r(&tv.tv_sec, &tm);
			strftime(zone, sizeof(zone), "%z", &tm);
			snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%06d%.3s:%.2s ",
			         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			         tm.tm_sec, (int)tv.tv_usec, zone, zone + 3);
		}
		puts_(out, room, &pos, tmp);
	}
	put_field(out, room, &pos, m, SYSLOG_HOST, "- ");
	put_field(out, room, &pos, m, SYSLOG_TAG, "- ");
	put_field(out, room, &pos, m, SYSLOG_PID, "- ");
	put_field(out, room, &pos, m, SYSLOG_MSGID, "- ");
	put_field(out, room, &pos, m, SYSLOG_SD, "- ");
	out[pos] = '\0';
	return pos;
}
