/*
 * Agent checks: the reply parser. See check_agent.h.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <tollgate/check_agent.h>

static int agent_blank(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

/* Returns 1 if the <len> bytes at <w> are <word>, without case. */
static int agent_is(const char *w, size_t len, const char *word)
{
	size_t n = 0;

	while (word[n])
		n++;
	return len == n && !strncasecmp(w, word, n);
}

/* Returns 1 if <w> of <len> bytes starts with <prefix>, without case. */
static int agent_starts(const char *w, size_t len, const char *prefix)
{
	size_t n = 0;

	while (prefix[n])
		n++;
	return len >= n && !strncasecmp(w, prefix, n);
}

static void agent_set(struct agent_word *word, size_t off, size_t len)
{
	word->off = off;
	word->len = len;
	word->set = 1;
}

int agent_parse(const char *buf, size_t len, int last, struct agent_reply *out)
{
	size_t eol = 0, i;

	while (eol < len && buf[eol] && buf[eol] != '\n' && buf[eol] != '\r')
		eol++;
	if (eol == len)
		return last ? AGENT_INCOMPLETE : AGENT_MORE;
	if (!buf[eol])
		return AGENT_INCOMPLETE;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < eol;) {
		size_t start, wlen;
		const char *w;

		if (agent_blank(buf[i])) {
			i++;
			continue;
		}
		if (buf[i] == '#') {
			for (i++; i < eol && (buf[i] == ' ' || buf[i] == '\t'); i++)
				;
			agent_set(&out->desc, i, eol - i);
			break;
		}
		start = i;
		for (i++; i < eol && !agent_blank(buf[i]); i++)
			;
		w = buf + start;
		wlen = i - start;
		if (agent_is(w, wlen, "up") || agent_is(w, wlen, "down") ||
		    agent_is(w, wlen, "stopped") || agent_is(w, wlen, "fail")) {
			out->health = agent_is(w, wlen, "up") ? AGENT_H_UP :
			              agent_is(w, wlen, "down") ? AGENT_H_DOWN :
			              agent_is(w, wlen, "stopped") ? AGENT_H_STOPPED : AGENT_H_FAIL;
			agent_set(&out->health_word, start, wlen);
		} else if (agent_is(w, wlen, "ready"))
			out->admin = AGENT_A_READY;
		else if (agent_is(w, wlen, "drain"))
			out->admin = AGENT_A_DRAIN;
		else if (agent_is(w, wlen, "maint"))
			out->admin = AGENT_A_MAINT;
		else if (*w >= '0' && *w <= '9' && memchr(w, '%', wlen))
			agent_set(&out->weight, start, wlen);
		else if (agent_starts(w, wlen, "maxconn:"))
			agent_set(&out->maxconn, start + 8, wlen - 8);
		else if (agent_starts(w, wlen, "weight:"))
			agent_set(&out->weight, start + 7, wlen - 7);
		else if (!out->error.set)
			agent_set(&out->error, start, wlen);
	}
	return (int)(eol + 1);
}

/* Parses a decimal number in <s>[0..<len>) like strtol(): optional sign,
 * digits; stores it (saturated) in <*v> and returns the bytes used, 0 if
 * no digit.
 */
static size_t agent_long(const char *s, size_t len, long *v)
{
	size_t i = 0, d;
	int neg = 0;
	long n = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (d = i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		n = n > 100000000L ? n : n * 10 + (s[i] - '0');
	if (i == d)
		return 0;
	*v = neg ? -n : n;
	return i;
}

int agent_weight(const char *w, size_t len, unsigned int iweight, unsigned int *weight, const char **why)
{
	long v = 0;
	size_t n;

	if (!len) {
		*why = "Require <weight> or <weight%>.";
		return -EINVAL;
	}
	n = agent_long(w, len, &v);
	if (!n) {
		*why = "Empty weight string empty or preceded by garbage";
		return -EINVAL;
	}
	if (n + 1 == len && w[n] == '%') {
		if (v < 0) {
			*why = "Relative weight must be positive.";
			return -ERANGE;
		}
		if (v > 25600)
			v = 25600;
		v = (long)iweight * v / 100;
		if (v > 256)
			v = 256;
	} else if (v < 0 || v > 256) {
		*why = "Absolute weight can only be between 0 and 256 inclusive.";
		return -ERANGE;
	} else if (n != len) {
		*why = "Trailing garbage in weight string";
		return -EINVAL;
	}
	*weight = (unsigned int)v;
	return 0;
}

int agent_maxconn(const char *m, size_t len, unsigned int *maxconn, const char **why)
{
	long v = 0;
	size_t n = agent_long(m, len, &v);

	if (!len) {
		*why = "Require <maxconn>.";
		return -EINVAL;
	}
	if (!n) {
		*why = "maxconn string empty or preceded by garbage";
		return -EINVAL;
	}
	if (n != len) {
		*why = "Trailing garbage in maxconn string";
		return -EINVAL;
	}
	if (v < 0) {
		*why = "Integer value expected.";
		return -ERANGE;
	}
	*maxconn = (unsigned int)v;
	return 0;
}
