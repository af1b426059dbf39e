/*
 * Types of `resolvers` sections. See resolvers.h.
 */
#ifndef TOLLGATE_RESOLVERS_T_H
#define TOLLGATE_RESOLVERS_T_H

#include <stdatomic.h>
#include <stdint.h>

#include <tollgate/addr.h>

struct server;
struct task;

/* Outcome of a resolution (which `hold` period applies to it). */
enum rsv_status {
	RSV_ST_NONE = 0,       /* never completed */
	RSV_ST_VALID,          /* an address of the wanted family came back */
	RSV_ST_NX,             /* NXDOMAIN */
	RSV_ST_REFUSED,        /* REFUSED */
	RSV_ST_TIMEOUT,        /* no answer after resolve_retries queries */
	RSV_ST_OTHER,          /* any other error (empty answer, invalid...) */
	RSV_ST_COUNT
};

/* `hold` periods, indexed like HAProxy's keywords. */
enum rsv_hold {
	RSV_HOLD_NX = 0, RSV_HOLD_OTHER, RSV_HOLD_REFUSED, RSV_HOLD_TIMEOUT,
	RSV_HOLD_VALID, RSV_HOLD_OBSOLETE, RSV_HOLD_COUNT
};

/* A nameserver's counters (`show resolvers`), HAProxy's names. Written by
 * the resolvers' owner thread only (relaxed stores), read by the CLI.
 */
struct rsv_counters {
	_Atomic uint64_t sent, snd_error, valid, update, cname, cname_error, any_err,
	                 nx, timeout, refused, other, invalid, too_big, truncated, outdated;
};

struct dns_nameserver {
	char *id;                         /* name (`nameserver <id>`), or the address for resolv.conf's */
	struct addr addr;                 /* where queries go (UDP) */
	int fd;                           /* its connected UDP socket, -1 before resolvers_start() */
	struct resolvers *parent;         /* its section */
	struct dns_nameserver *next;      /* next of the section, configuration order */
	struct rsv_counters cnt;          /* counters */
	const char *conf_file;            /* where it was declared */
	int conf_line;
};

/* One name to resolve for the servers of one backend that name it with
 * the same section and preferred family (a `server-template`'s slots, or
 * servers written alike): each gets a different address of the answer.
 * Touched only by the resolvers' owner thread once workers run.
 */
struct resolution {
	struct resolvers *rs;             /* its section */
	struct server **srvs;             /* the servers whose addresses it sets, configuration order */
	unsigned int nsrv;                /* their number */
	char *hostname;                   /* the name, as written */
	uint16_t prefer;                  /* DNS_T_A or DNS_T_AAAA (resolve-prefer, default ipv6) */
	uint16_t qtype;                   /* type of the query in flight */
	uint16_t qid;                     /* its id */
	int pending;                      /* a query is in flight */
	int fell_back;                    /* qtype is the other family's */
	unsigned int tries;               /* queries left before a timeout */
	unsigned int answers;             /* error answers to the query in flight */
	uint32_t retry_at;                /* tick: resend or give up (pending) */
	uint32_t next_at;                 /* tick: next resolution (not pending) */
	uint32_t last_valid;              /* tick of the last valid answer, 0: none */
	int has_valid;                    /* last_valid is meaningful */
	enum rsv_status status;           /* last outcome */
	struct resolution *next;          /* next of the section */
};

struct resolvers {
	char *id;                         /* section name */
	struct dns_nameserver *ns;        /* nameservers, configuration order */
	unsigned int nb_ns;               /* their number */
	unsigned int payload;             /* accepted_payload_size, 512..65535 */
	unsigned int retries;             /* resolve_retries, >= 1 */
	unsigned int t_resolve;           /* timeout resolve, ms */
	unsigned int t_retry;             /* timeout retry, ms */
	unsigned int hold[RSV_HOLD_COUNT]; /* hold periods, ms */
	int implicit;                     /* the "default" section made from resolv.conf */
	struct resolution *res;           /* resolutions using it */
	struct task *task;                /* its task, on thread 0 */
	uint16_t next_qid;                /* query ids, in sequence from a random start */
	struct resolvers *next;           /* next section */
	const char *conf_file;            /* where it was declared */
	int conf_line;
};

#endif /* TOLLGATE_RESOLVERS_T_H */
