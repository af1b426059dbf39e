/*
 * HAProxy's peers protocol v2.1: the pure codec of its binary messages.
 *
 * Principle: functions over (buffer, length) that never allocate, never
 * read past the length, and keep no state; the connection code
 * (src/peers/peers.c) owns buffers and tables. Every decoder validates
 * everything it reads: a message from the network is untrusted, and a bad
 * one is reported as an error code the caller turns into a log line and a
 * closed link. Fuzzed by tests/fuzz/fuzz_peer_msg.c.
 *
 * Wire format (doc/internals/peers.md):
 *   message   = class(1) type(1) [varint length, payload]   (payload iff type >= 128)
 *   varint    = HAProxy's encoding: < 240 in one byte; else the low 4 bits
 *               with 0xF0 set, then 7 bits per byte, high bit = more follow.
 *
 * Return conventions: decoders return bytes consumed (> 0), 0 for "need
 * more bytes" (framing only), or a negative PEER_E_* code; encoders return
 * bytes written (the caller provides room: PEER_VARINT_MAX per varint).
 */
#ifndef TOLLGATE_PEER_MSG_H
#define TOLLGATE_PEER_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/stktable-t.h>

/* Message classes. */
#define PEER_MSG_CLASS_CONTROL    0
#define PEER_MSG_CLASS_ERROR      1
#define PEER_MSG_CLASS_STKTABLE   10
#define PEER_MSG_CLASS_RESERVED   255

/* Control message types (no payload). */
#define PEER_MSG_CTRL_RESYNCREQ      0
#define PEER_MSG_CTRL_RESYNCFINISHED 1
#define PEER_MSG_CTRL_RESYNCPARTIAL  2
#define PEER_MSG_CTRL_RESYNCCONFIRM  3
#define PEER_MSG_CTRL_HEARTBEAT      4

/* Error message types (no payload). */
#define PEER_MSG_ERR_PROTOCOL   0
#define PEER_MSG_ERR_SIZELIMIT  1

/* Stick-table message types (with payload). */
#define PEER_MSG_STKT_UPDATE          0x80
#define PEER_MSG_STKT_INCUPDATE       0x81
#define PEER_MSG_STKT_DEFINE          0x82
#define PEER_MSG_STKT_SWITCH          0x83
#define PEER_MSG_STKT_ACK             0x84
#define PEER_MSG_STKT_UPDATE_TIMED    0x85
#define PEER_MSG_STKT_INCUPDATE_TIMED 0x86

/* Key types on the wire (table definition). */
#define PEER_KT_SINT  2
#define PEER_KT_IPV4  4
#define PEER_KT_IPV6  5
#define PEER_KT_STR   6
#define PEER_KT_BIN   7

#define PEER_VARINT_MAX   10     /* bytes of the longest varint (64 bits) */
#define PEER_MSG_MAXLEN   16384  /* largest payload accepted (HAProxy's bufsize) */
#define PEER_MAX_VALUES   1024   /* data values one update may carry */
#define PEER_MAX_NBELEM   100    /* largest array announced (HAProxy's limit) */
#define PEER_DATA_TYPES   27     /* data types the protocol knows (bits 0..26) */

/* Error codes. */
#define PEER_E_TRUNCATED  -1     /* a field runs past the payload */
#define PEER_E_TOOBIG     -2     /* announced length over PEER_MSG_MAXLEN */
#define PEER_E_VARINT     -3     /* varint longer than 64 bits */
#define PEER_E_UNKNOWN    -4     /* unknown class or type */
#define PEER_E_BADDEF     -5     /* inconsistent table definition */

/* A framed message. */
struct peer_msg {
	uint8_t cls;                  /* class */
	uint8_t type;                 /* type */
	const unsigned char *payload; /* payload (types >= 128), else NULL */
	size_t len;                   /* its length */
};

/* A decoded table definition. */
struct peer_def {
	uint64_t id;                  /* sender's table id */
	const unsigned char *name;    /* table name (not NUL-terminated) */
	size_t name_len;              /* its length */
	uint64_t key_type;            /* PEER_KT_* */
	uint64_t key_len;             /* key size */
	uint64_t data;                /* data types bitfield */
	uint64_t expire;              /* table expire (ms), if <has_params> */
	int has_params;               /* expire and per-type parameters present */
	uint32_t nbelem[PEER_DATA_TYPES]; /* array sizes (1 for plain types) */
	uint32_t period[PEER_DATA_TYPES]; /* rate periods */
};

/* The format of a peer's updates for one table: from its definition and
 * our table's key type. */
struct peer_updfmt {
	int key_type;                 /* PEER_KT_* */
	uint32_t key_len;             /* wire key size (strings: max bytes + 1) */
	uint64_t data;                /* data types bitfield */
	uint32_t nbelem[PEER_DATA_TYPES]; /* array sizes */
};

/* A decoded update. Values come in data-type order, arrays element by
 * element, a rate as three values (age of its period, current count,
 * previous count); a server_key (dictionary) is in <dict_*>.
 */
struct peer_update {
	int has_id;                   /* full update (carries its id) */
	uint32_t id;                  /* its id */
	int has_expire;               /* timed update */
	uint32_t expire;              /* remaining lifetime (ms) */
	const unsigned char *key;     /* key bytes (string: without the length) */
	size_t key_len;               /* their number */
	uint32_t nvals;               /* values in <vals> */
	uint64_t vals[PEER_MAX_VALUES]; /* the values */
	int dict_present;             /* server_key: 0 none, 1 id only, 2 id + value */
	uint64_t dict_id;             /* its cache id (from 1) */
	const unsigned char *dict_val; /* its value */
	size_t dict_len;              /* value length */
};

/* Writes <v> in HAProxy's varint encoding at <out> (PEER_VARINT_MAX bytes
 * of room). Returns the bytes written.
 */
int peer_varint_encode(uint64_t v, unsigned char *out);

/* Decodes a varint at <*p> (before <end>) into <*v> and advances <*p>.
 * Returns 0, PEER_E_TRUNCATED or PEER_E_VARINT.
 */
int peer_varint_decode(const unsigned char **p, const unsigned char *end, uint64_t *v);

/* Frames the first message of <buf> (<len> bytes) into <m>. Returns its
 * total size (> 0), 0 if incomplete, PEER_E_TOOBIG, PEER_E_VARINT or
 * PEER_E_UNKNOWN (class or type this protocol version does not have).
 */
int peer_msg_frame(const unsigned char *buf, size_t len, struct peer_msg *m);

/* Decodes a table definition payload. Returns 0 or PEER_E_*. */
int peer_msg_parse_define(const unsigned char *p, size_t len, struct peer_def *d);

/* Decodes the payload of a switch (<type> SWITCH) or the table id and
 * update id of an ack (<type> ACK; <*upd> set). Returns 0 or PEER_E_*.
 */
int peer_msg_parse_switch(const unsigned char *p, size_t len, uint64_t *table_id);
int peer_msg_parse_ack(const unsigned char *p, size_t len, uint64_t *table_id, uint32_t *upd);

/* Decodes an update payload of message <type> with format <f> into <u>.
 * Returns 0 or PEER_E_*.
 */
int peer_msg_parse_update(const unsigned char *p, size_t len, int type,
                          const struct peer_updfmt *f, struct peer_update *u);

/* Returns the storage (STKTABLE_STD_*) and array flag of data type bit
 * <dt> as the protocol knows it, or -1 if unknown.
 */
int peer_dt_std(unsigned int dt, int *is_array);

/* Returns the wire key type and size of a table definition <def>. */
int peer_key_type(const struct stktable_def *def, uint32_t *key_len);

#endif /* TOLLGATE_PEER_MSG_H */
