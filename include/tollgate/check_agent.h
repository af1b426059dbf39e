/*
 * Agent checks (`agent-check` server option): the reply parser.
 *
 * Principle:
 *  - An agent is a small TCP service next to (or for) a server. Every
 *    `agent-inter`, check.c connects to `agent-addr`:`agent-port`, sends
 *    `agent-send` if set, and reads one line, ended by the first CR or LF.
 *    The line is words separated by blanks, tabs or commas, in any order,
 *    the last of a category winning, optionally followed by `#` and a
 *    description:
 *      - `75%` or `weight:75%`: the weight, relative to the configured
 *        one; `weight:N`: an absolute weight, 0 to 256;
 *      - `maxconn:N`: the server's maxconn;
 *      - `ready`, `drain`, `maint`: the administrative state;
 *      - `up`, `down`, `stopped`, `fail`: the operational state (down,
 *        stopped and fail mark the server DOWN, up lets it come UP if its
 *        own health check agrees).
 *    Other words are errors reported in the check's reason. HAProxy's words
 *    are matched without case.
 *  - agent_parse() is a pure function over (buffer, length): it never
 *    allocates, never reads past the length, and is called again as more
 *    bytes arrive. The words it returns are offsets into the buffer.
 *
 * Costs: O(length of the line) per call.
 */
#ifndef TOLLGATE_CHECK_AGENT_H
#define TOLLGATE_CHECK_AGENT_H

#include <stddef.h>

/* Operational state announced (agent_reply.health). */
enum agent_health {
	AGENT_H_NONE = 0,   /* not announced */
	AGENT_H_UP,         /* "up" */
	AGENT_H_DOWN,       /* "down" */
	AGENT_H_STOPPED,    /* "stopped" */
	AGENT_H_FAIL,       /* "fail" */
};

/* Administrative state announced (agent_reply.admin). */
enum agent_admin {
	AGENT_A_NONE = 0,   /* not announced */
	AGENT_A_READY,      /* "ready": leaves drain and maintenance */
	AGENT_A_DRAIN,      /* "drain" */
	AGENT_A_MAINT,      /* "maint" */
};

/* A word of the reply: <len> bytes at offset <off> of the buffer. */
struct agent_word {
	size_t off;         /* offset in the buffer */
	size_t len;         /* length (a "weight:" alone gives an empty value) */
	int set;            /* 1 if the reply has it */
};

/* What a reply line says. */
struct agent_reply {
	enum agent_health health;   /* last health word */
	enum agent_admin admin;     /* last admin word */
	struct agent_word health_word; /* that word, as written */
	struct agent_word weight;   /* last weight value ("75%", "12"), without "weight:" */
	struct agent_word maxconn;  /* last maxconn value, without "maxconn:" */
	struct agent_word error;    /* first word not understood */
	struct agent_word desc;     /* text after '#', leading blanks skipped */
};

/* agent_parse() results besides a line length. */
#define AGENT_MORE        0         /* no line end yet: wait for more bytes */
#define AGENT_INCOMPLETE  (-1)      /* no line end and no more bytes can come, or a NUL byte */

/* Parses the agent's reply in <buf>[0..<len>) into <out>. <last> is 1 when
 * no more bytes can come (the agent closed, or the buffer is full).
 * Returns the length of the line with its terminator (> 0) once a CR or LF
 * is there, AGENT_MORE before, or AGENT_INCOMPLETE when <last> and no line
 * end came, or when a NUL byte comes before it (as HAProxy: "Ignoring
 * incomplete line from agent"). <out> is filled only on success.
 */
int agent_parse(const char *buf, size_t len, int last, struct agent_reply *out);

/* Parses a weight value <w> of <len> bytes ("75%" relative to <iweight>,
 * or an absolute "12") into <*weight> (capped at 256, as HAProxy). Returns
 * 0, or a negative code with <*why> set to HAProxy's message ("Relative
 * weight must be positive.", "Absolute weight can only be between 0 and
 * 256 inclusive.", ...). Pure.
 */
int agent_weight(const char *w, size_t len, unsigned int iweight, unsigned int *weight, const char **why);

/* Parses a maxconn value <m> of <len> bytes into <*maxconn>. Returns 0, or
 * -EINVAL with <*why> = "Integer value expected.". Pure.
 */
int agent_maxconn(const char *m, size_t len, unsigned int *maxconn, const char **why);

#endif /* TOLLGATE_CHECK_AGENT_H */
