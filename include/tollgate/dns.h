/*
 * DNS messages (RFC 1035, RFC 2782 for SRV, RFC 6891 for the EDNS0 OPT
 * record): building the queries of `resolvers` sections and parsing the
 * answers of their nameservers.
 *
 * A response is bytes from the network: dns_parse_response() is a pure
 * function over (buffer, length). It never allocates and never reads past
 * <len>; names are decoded with compression pointers that must point
 * backwards (before the label holding them), at most DNS_MAX_JUMPS of them
 * per name, and at most 255 bytes of text. Return convention
 * (core-principles.md §4): the length parsed (>0) or a negative enum
 * dns_err. A datagram is whole: there is no "need more".
 *
 * What is kept: the header's id, rcode and TC bit, the question, and the
 * answer records of type A, AAAA and SRV whose owner is the question's name
 * or a name that a CNAME of the answer section leads to (the others are
 * skipped, counted in <skipped>), then the A and AAAA records of the
 * additional section whose owner is the target of a kept SRV record
 * (flagged <additional>, the owner in <target>). The authority section is
 * walked for well-formedness only.
 */
#ifndef TOLLGATE_DNS_H
#define TOLLGATE_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN        12
#define DNS_MAX_NAME       255      /* text of a name, dots included, no final dot */
#define DNS_MAX_LABEL      63
#define DNS_MAX_JUMPS      32       /* compression pointers followed per name */
#define DNS_MAX_ITEMS      64       /* answer records kept per response */
#define DNS_MAX_UDP        65535    /* largest datagram read */

/* Record types. */
#define DNS_T_A            1
#define DNS_T_CNAME        5
#define DNS_T_AAAA         28
#define DNS_T_SRV          33
#define DNS_T_OPT          41

/* Response codes (header's RCODE). */
#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_REFUSED  5

enum dns_err {
	DNS_E_SHORT = -1,      /* shorter than its header or a record says */
	DNS_E_NOT_RESPONSE = -2, /* QR bit clear or not a standard query's */
	DNS_E_QUESTION = -3,   /* not exactly one question */
	DNS_E_NAME = -4,       /* bad label, pointer loop or forward, name too long */
	DNS_E_RECORD = -5,     /* a record's data does not fit its type */
	DNS_E_TRAILING = -6,   /* bytes after the last record */
};

/* One kept answer record. */
struct dns_item {
	uint16_t type;                    /* DNS_T_A, DNS_T_AAAA or DNS_T_SRV */
	uint32_t ttl;                     /* seconds */
	unsigned char ip[16];             /* A: 4 bytes, AAAA: 16 */
	uint16_t prio, weight, port;      /* SRV */
	int additional;                   /* from the additional section (A, AAAA of an SRV target) */
	char target[DNS_MAX_NAME + 1];    /* SRV target, or an additional record's owner, lower case */
};

/* A parsed response. */
struct dns_response {
	uint16_t id;                      /* header id */
	uint8_t rcode;                    /* DNS_RCODE_* */
	uint8_t truncated;                /* TC bit */
	uint16_t qtype;                   /* question's type */
	char qname[DNS_MAX_NAME + 1];     /* question's name, lower case, no final dot */
	unsigned int ancount;             /* answer records announced */
	unsigned int cnames;              /* CNAMEs followed */
	unsigned int skipped;             /* answer records not kept */
	unsigned int n;                   /* items[] used */
	struct dns_item items[DNS_MAX_ITEMS];
};

/* Writes into <buf> (<room> bytes) a recursive query of id <id> for <name>
 * (a host name, a final dot optional) and type <qtype>, with an EDNS0 OPT
 * record announcing <payload> bytes when <payload> > 512. Returns its length,
 * or -EINVAL (bad name) / -ENOSPC.
 */
int dns_build_query(unsigned char *buf, size_t room, uint16_t id, const char *name,
                    uint16_t qtype, uint16_t payload);

/* Parses the datagram <buf> of <len> bytes into <r>. Returns <len> or a
 * negative enum dns_err; on error <r> holds what was parsed so far.
 */
int dns_parse_response(const unsigned char *buf, size_t len, struct dns_response *r);

/* Returns 1 if <a> and <b> are the same name (ASCII case-insensitive, a
 * final dot ignored), else 0.
 */
int dns_name_eq(const char *a, const char *b);

/* Returns a short text for a dns_err (for logs). */
const char *dns_strerror(int err);

#endif /* TOLLGATE_DNS_H */
