/*
 * Sample types: what fetches and converters produce and consume.
 *
 * A sample is one typed value (boolean, integer, address, string, binary)
 * extracted from a connection, a request or the environment by a *fetch*,
 * then transformed by a chain of *converters*. The functions are in
 * sample.h; this file holds only types so that other -t.h files may embed
 * them.
 *
 * Ownership: string and binary samples are a pointer and a length; they may
 * point into the caller's memory (a request buffer, a configuration
 * argument) or into the calling thread's scratch area (sample.h). A sample
 * never owns memory and is never freed.
 */
#ifndef TOLLGATE_SAMPLE_T_H
#define TOLLGATE_SAMPLE_T_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/list.h>

/* Sample types. SMP_T_ANY and SMP_T_ADDR are pseudo types: they appear in
 * keyword declarations only (a converter accepting anything or passing its
 * input on, a fetch returning either address family); a produced sample always carries one
 * of the concrete types.
 */
enum sample_type {
	SMP_T_ANY = 0,      /* pseudo: any input type (converter in_type); as a
	                     * converter's out_type, the input's type, passed on */
	SMP_T_BOOL,         /* boolean, stored in u.sint (0 or non-zero) */
	SMP_T_SINT,         /* signed 64-bit integer, u.sint */
	SMP_T_ADDR,         /* pseudo: IPv4 or IPv6 */
	SMP_T_IPV4,         /* IPv4 address in network order, u.ipv4 */
	SMP_T_IPV6,         /* IPv6 address, u.ipv6 */
	SMP_T_STR,          /* text, u.str (not NUL-terminated) */
	SMP_T_BIN,          /* arbitrary bytes, u.str */
	SMP_TYPES           /* number of types */
};

/* Places where a fetch may be used (struct sample_fetch_kw.use), and where
 * an expression is being parsed (the <where> of sample_parse_expr()).
 */
#define SMP_USE_L4CLI     0x0001U  /* tcp-request connection: addresses, counters */
#define SMP_USE_L5CLI     0x0002U  /* tcp-request session: session established */
#define SMP_USE_HTTP_REQ  0x0004U  /* http-request: a parsed request is there */
#define SMP_USE_HTTP_RES  0x0008U  /* http-response: a parsed response is there */
#define SMP_USE_L6REQ     0x0010U  /* tcp-request content: the request's first bytes are
                                    * there too; a fetch valid at L5CLI is valid here */
#define SMP_USE_ANY       0x001FU  /* valid everywhere (constants, environment) */

/* Sample flags (struct sample.flags). */
#define SMP_F_NOT_LAST    0x0001U  /* the fetch may return more values: call sample_eval_next() */
#define SMP_F_MAY_CHANGE  0x0002U  /* more data may give another answer (no value yet, or a
                                    * partial one): set only without SMP_OPT_FINAL */

/* Evaluation options (struct sample_ctx.opt). */
#define SMP_OPT_FINAL     0x0001U  /* no more data will come: fetches must not wait */
#define SMP_OPT_ACL       0x0002U  /* evaluated as an ACL test, for a fetch with SMP_KW_ACL_CTX */

/* Argument types of fetches and converters (struct sample_arg.type). */
enum sample_arg_type {
	SMP_ARGT_STOP = 0,  /* absent optional argument / end of list */
	SMP_ARGT_SINT,      /* signed 64-bit integer, data.sint */
	SMP_ARGT_STR,       /* string (may be empty), data.str, NUL-terminated */
	SMP_ARGT_IPV4,      /* IPv4 address, data.ipv4 */
	SMP_ARGT_IPV6,      /* IPv6 address, data.ipv6 */
	SMP_ARGT_MSK4,      /* IPv4 mask, dotted or bit count, data.ipv4 */
	SMP_ARGT_MSK6,      /* IPv6 mask, quadruplets or bit count, data.ipv6 */
	SMP_ARGT_TIME,      /* delay with unit (default ms), in ms, data.sint */
	SMP_ARGT_OBJ,       /* never declared: an object a check callback built from the
	                     * written argument (a loaded map), data.obj */
	SMP_ARGT_VAR,       /* never declared: a variable name written where an integer
	                     * was expected (converters with SMP_CONV_F_VAR_ARGS), parsed
	                     * by the registered variable operations, data.obj */
	SMP_ARGT_TYPES      /* number of types; must stay below 32 */
};

/* Argument specification packed in a uint64_t: the number of mandatory
 * arguments in the low 4 bits, then 5 bits per argument type, up to
 * SMP_ARG_MAX arguments; a zero type ends the list. Build it with
 * SMP_ARG1()..SMP_ARG5(): SMP_ARG2(1, SINT, STR) declares an integer
 * argument followed by an optional string.
 */
#define SMP_ARG_MAX       8
#define SMP_ARG_T(t, n)   ((uint64_t)(SMP_ARGT_##t) << (4 + 5 * (n)))
#define SMP_ARG0          0ULL
#define SMP_ARG1(m, a)                 ((uint64_t)(m) | SMP_ARG_T(a, 0))
#define SMP_ARG2(m, a, b)              (SMP_ARG1(m, a) | SMP_ARG_T(b, 1))
#define SMP_ARG3(m, a, b, c)           (SMP_ARG2(m, a, b) | SMP_ARG_T(c, 2))
#define SMP_ARG4(m, a, b, c, d)        (SMP_ARG3(m, a, b, c) | SMP_ARG_T(d, 3))
#define SMP_ARG5(m, a, b, c, d, e)     (SMP_ARG4(m, a, b, c, d) | SMP_ARG_T(e, 4))

/* One parsed argument. Arrays of arguments given to keyword functions hold
 * one entry per declared argument plus a final SMP_ARGT_STOP one; absent
 * optional arguments are SMP_ARGT_STOP with zeroed data. A check callback
 * may replace an argument by an SMP_ARGT_OBJ it built from it (freeing
 * the string it replaces); the expression owns the object and calls
 * data.obj.free when it is freed.
 */
struct sample_arg {
	int type;                          /* enum sample_arg_type */
	union {
		int64_t sint;              /* SINT, TIME (ms) */
		struct {
			char *ptr;         /* NUL-terminated copy, owned by the expression */
			size_t len;        /* length without the NUL */
		} str;                     /* STR */
		struct in_addr ipv4;       /* IPV4, MSK4 (network order) */
		struct in6_addr ipv6;      /* IPV6, MSK6 */
		struct {
			void *ptr;         /* the object, read-only once parsed */
			void (*free)(void *ptr); /* called when the expression is freed, or NULL */
		} obj;                     /* OBJ */
	} data;                            /* value, by type */
};

/* The value of a sample. */
struct sample_data {
	int type;                          /* enum sample_type, never a pseudo type */
	union {
		int64_t sint;              /* BOOL, SINT */
		struct in_addr ipv4;       /* IPV4, network order */
		struct in6_addr ipv6;      /* IPV6 */
		struct {
			const char *ptr;   /* first byte; not NUL-terminated */
			size_t len;        /* number of bytes */
		} str;                     /* STR, BIN */
	} u;                               /* value, by type */
};

/* A sample being evaluated. */
struct sample {
	struct sample_data data;           /* current value */
	unsigned int flags;                /* SMP_F_* */
	union {
		void *p;
		uint64_t u;
	} fctx;                            /* fetch's private iteration state (SMP_F_NOT_LAST) */
	const void *kw_private;            /* the fetch keyword's <private>, set before the call */
	const struct sample_ctx *ctx;      /* evaluation context, set by sample_eval() (for the
	                                    * converters that read variables) */
};

/* Opaque evaluation context handed by the upper layers to their fetches.
 * rules/ never looks inside.
 */
struct sample_ctx {
	void *sess;                        /* session (net/proxy), or NULL */
	void *strm;                        /* stream (proxy), or NULL */
	void *txn;                         /* HTTP transaction (http), or NULL */
	void *chk;                         /* health check (struct check_smp, check.h), or NULL */
	unsigned int opt;                  /* SMP_OPT_* */
};

/* A fetch keyword. <fn> fills <smp> and returns 1, or returns 0 when the
 * value does not exist (no such header...). It must not allocate: strings
 * point to data that lives at least as long as the evaluation, or to the
 * thread's scratch area.
 */
struct sample_fetch_kw {
	const char *name;                  /* keyword, e.g. "src", "req.hdr" */
	int (*fn)(const struct sample_arg *args, struct sample *smp,
		  const struct sample_ctx *ctx);       /* produces the sample */
	uint64_t arg_mask;                 /* argument spec, SMP_ARGn() */
	int (*check)(struct sample_arg *args, char **err); /* extra parse-time check, or NULL */
	int out_type;                      /* enum sample_type it produces (may be ADDR) */
	unsigned int use;                  /* SMP_USE_* places where it is valid */
	const void *private;               /* keyword's data, seen by <fn> as smp->kw_private */
	unsigned int kw_flags;             /* SMP_KW_* */
};

/* Keyword flags (struct sample_fetch_kw.kw_flags). */
#define SMP_KW_DOTTED_VER 0x0001U  /* ACL patterns are versions "M[.m]", M * 65536 + m
                                    * (HAProxy's "decimal match" of req.ssl_ver) */
#define SMP_KW_ACL_CTX    0x0002U  /* ACL tests call it with SMP_OPT_ACL (http_auth_group:
                                    * the user's groups rather than the user) */

/* A converter keyword. <fn> transforms <smp>, already cast to <in_type>,
 * and returns 1, or 0 when it cannot (the whole evaluation then yields no
 * sample). Output that is not a subset of the input goes to the thread's
 * scratch area (one sample_scratch() call per converter call).
 */
struct sample_conv_kw {
	const char *name;                  /* keyword, e.g. "lower" */
	int (*fn)(const struct sample_arg *args, struct sample *smp,
		  void *private);              /* transforms the sample */
	uint64_t arg_mask;                 /* argument spec, SMP_ARGn() */
	int (*check)(struct sample_arg *args, char **err); /* extra parse-time check, or NULL */
	int in_type;                       /* enum sample_type it takes (ANY, ADDR allowed) */
	int out_type;                      /* enum sample_type it produces (ADDR allowed) */
	void *private;                     /* passed to <fn> */
	int (*check_kw)(const struct sample_conv_kw *kw, struct sample_arg *args,
			char **err);       /* <check> that also sees the keyword (its name, out_type,
	                                    * private), called after <check>; or NULL */
	unsigned int kw_flags;             /* SMP_CONV_F_* */
};

/* Converter flags (struct sample_conv_kw.kw_flags). */
#define SMP_CONV_F_VAR_ARGS 0x0001U  /* an integer argument may name a variable ("txn.n"):
                                      * read it with sample_arg_sint() */

/* Registration lists: a module declares one static list with a table
 * ending in an entry whose name is NULL, and registers it from a
 * constructor at the bottom of its file.
 */
struct sample_fetch_kw_list {
	struct list list;                  /* in the global fetch registry */
	struct sample_fetch_kw kw[];       /* keywords, ended by a NULL name */
};

struct sample_conv_kw_list {
	struct list list;                  /* in the global converter registry */
	struct sample_conv_kw kw[];        /* keywords, ended by a NULL name */
};

/* One converter applied in an expression. */
struct sample_conv_expr {
	const struct sample_conv_kw *kw;   /* the converter */
	struct sample_arg *args;           /* its parsed arguments, never NULL */
};

/* A parsed expression "fetch[(args)][,conv[(args)]]...". Read-only once
 * parsed; evaluated concurrently by any number of threads.
 */
struct sample_expr {
	const struct sample_fetch_kw *fetch;  /* the fetch */
	struct sample_arg *fetch_args;     /* its parsed arguments, never NULL */
	struct sample_conv_expr *convs;    /* converters in order, or NULL */
	unsigned int nb_convs;             /* number of converters */
	int out_type;                      /* declared type of the result (may be ADDR) */
	unsigned int use;                  /* places where the fetch is valid */
	char *text;                        /* the expression as written, for messages */
};

#endif /* TOLLGATE_SAMPLE_T_H */
