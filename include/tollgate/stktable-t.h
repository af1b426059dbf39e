/*
 * Stick-table types. See stktable.h for the principle and the functions,
 * doc/internals/stktable.md for the design.
 */
#ifndef TOLLGATE_STKTABLE_T_H
#define TOLLGATE_STKTABLE_T_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/compiler.h>
#include <tollgate/list.h>
#include <tollgate/lock-t.h>

/* Key types (the `type` word of a stick-table line). */
enum stktable_key_type {
	STKTABLE_KEY_IP = 0,          /* IPv4 address, 4 bytes, network order */
	STKTABLE_KEY_IPV6,            /* IPv6 address, 16 bytes, network order */
	STKTABLE_KEY_INTEGER,         /* 32-bit integer, host order */
	STKTABLE_KEY_STRING,          /* string up to `len` bytes (NUL-padded) */
	STKTABLE_KEY_BINARY,          /* `len` bytes (zero-padded) */
	STKTABLE_KEY_TYPES            /* count, must be last */
};

/* Stored data types, in HAProxy's order (the order data is printed in). */
enum stktable_dt {
	STKTABLE_DT_SERVER_ID = 0,    /* server to stick to (signed int) */
	STKTABLE_DT_GPT0,             /* general purpose tag 0 (uint) */
	STKTABLE_DT_GPC0,             /* general purpose counter 0 (uint) */
	STKTABLE_DT_GPC0_RATE,        /* gpc0 increment rate (freq_ctr) */
	STKTABLE_DT_CONN_CNT,         /* connections counted (uint) */
	STKTABLE_DT_CONN_RATE,        /* connection rate (freq_ctr) */
	STKTABLE_DT_CONN_CUR,         /* concurrent connections (uint) */
	STKTABLE_DT_SESS_CNT,         /* sessions counted (uint) */
	STKTABLE_DT_SESS_RATE,        /* session rate (freq_ctr) */
	STKTABLE_DT_HTTP_REQ_CNT,     /* HTTP requests counted (uint) */
	STKTABLE_DT_HTTP_REQ_RATE,    /* HTTP request rate (freq_ctr) */
	STKTABLE_DT_HTTP_ERR_CNT,     /* HTTP client errors (4xx) counted (uint) */
	STKTABLE_DT_HTTP_ERR_RATE,    /* HTTP client error rate (freq_ctr) */
	STKTABLE_DT_BYTES_IN_CNT,     /* bytes from the client (ull) */
	STKTABLE_DT_BYTES_IN_RATE,    /* client bytes rate (freq_ctr) */
	STKTABLE_DT_BYTES_OUT_CNT,    /* bytes to the client (ull) */
	STKTABLE_DT_BYTES_OUT_RATE,   /* bytes to the client rate (freq_ctr) */
	STKTABLE_DT_GPC1,             /* general purpose counter 1 (uint) */
	STKTABLE_DT_GPC1_RATE,        /* gpc1 increment rate (freq_ctr) */
	STKTABLE_DT_SERVER_KEY,       /* server key (interned string) */
	STKTABLE_DT_HTTP_FAIL_CNT,    /* HTTP server failures counted (uint) */
	STKTABLE_DT_HTTP_FAIL_RATE,   /* HTTP server failure rate (freq_ctr) */
	STKTABLE_DT_GPT,              /* array of general purpose tags (uint) */
	STKTABLE_DT_GPC,              /* array of general purpose counters (uint) */
	STKTABLE_DT_GPC_RATE,         /* array of gpc rates (freq_ctr) */
	STKTABLE_DT_GLITCH_CNT,       /* front-side protocol glitches (uint) */
	STKTABLE_DT_GLITCH_RATE,      /* glitch rate (freq_ctr) */
	STKTABLE_DATA_TYPES           /* count, must be last */
};

/* Storage of a data type. */
enum stktable_std_type {
	STKTABLE_STD_SINT = 0,        /* int32_t */
	STKTABLE_STD_UINT,            /* uint32_t */
	STKTABLE_STD_ULL,             /* uint64_t */
	STKTABLE_STD_FRQP,            /* struct freq_ctr over a period */
	STKTABLE_STD_DICT,            /* const char * from stktable_dict_intern() */
};

#define STKTABLE_MAX_DT_ARRAY    100    /* max elements of gpt(N)/gpc(N)/gpc_rate(N,P) */
#define STKTABLE_MAX_KEY_LEN     1024   /* max `len` of string and binary keys */
#define STKTABLE_DEFAULT_KEY_LEN 32     /* default `len` of string and binary keys */
#define STKTABLE_MAX_SHARDS      4096   /* max shards of one table */
#define STKTABLE_NAME_LEN        64     /* room for a table or peers name */

/* Description of a data type (static, see stktable_data_types[]). */
struct stktable_data_type {
	const char *name;             /* configuration name */
	uint8_t std_type;             /* storage, STKTABLE_STD_* */
	uint8_t has_period;           /* takes a period argument (rates) */
	uint8_t is_array;             /* takes an element count argument */
};

/* Definition flags (stktable_def.flags). */
#define STKTABLE_F_NOPURGE      0x0001U  /* never evict: refuse new keys when full */
#define STKTABLE_F_SINGLE_LOCK  0x0002U  /* one shard (benchmark baseline) */

/* `srvkey` values. */
#define STKTABLE_SRVKEY_NAME    0        /* servers are identified by name (default) */
#define STKTABLE_SRVKEY_ADDR    1        /* servers are identified by address */

/* A parsed table definition: plain data, no allocation, copyable. */
struct stktable_def {
	enum stktable_key_type type;  /* key type */
	uint32_t key_len;             /* `len` of string/binary keys, else the fixed size */
	uint32_t size;                /* max entries (`size`) */
	uint32_t expire;              /* ms after the last touch, 0 = never */
	uint32_t flags;               /* STKTABLE_F_* */
	uint32_t nb_shards;           /* wanted shards (power of 2), 0 = automatic */
	uint32_t srvkey;              /* STKTABLE_SRVKEY_*: what stick rules store as server_key */
	char peers[STKTABLE_NAME_LEN];          /* `peers` section name, "" if none */
	uint8_t stored[STKTABLE_DATA_TYPES];    /* 1 if the data type is stored */
	uint32_t nbelem[STKTABLE_DATA_TYPES];   /* elements (1 unless an array) */
	uint32_t period[STKTABLE_DATA_TYPES];   /* rate period in ms (rates only) */
	uint32_t topk_n;              /* `topk <n> <data>`: keys ranked, 0 = none (stktable_topk.h) */
	uint32_t topk_type;           /* the data type they are ranked by */
};

/* A key to look up: <ptr> points to <len> bytes in the key type's format
 * (see stktable.h); string and binary keys are truncated to `len`.
 */
struct stktable_key {
	const void *ptr;              /* key bytes */
	size_t len;                   /* their length */
};

/* Entry flags, in the top bits of stksess.ref_cnt. */
#define STKSESS_F_UNLINKED  0x80000000U  /* out of the index: freed by the last release */
#define STKSESS_F_OVERRIDE  0x40000000U  /* expiry overridden: in the shard's override list */
#define STKSESS_REF_MASK    0x3FFFFFFFU  /* the reference count itself */

/* A table entry. One pool object: this header, then the key (key_size
 * bytes), then the data at the table's data offsets. Fields marked "shard
 * lock" change only under the lock of the entry's shard.
 */
struct stksess {
	struct stksess *hnext;        /* next in the hash bucket (shard lock) */
	struct list list;             /* in the shard's touch or override list (shard lock) */
	_Atomic uint32_t expire;      /* expiry date, TICK_ETERNITY: never (written under shard lock) */
	uint32_t upd;                 /* shard sequence number of the last local change, 0: none (shard lock) */
	uint32_t pos;                 /* shard sequence number of the last move to the list tail (shard lock) */
	_Atomic uint32_t ref_cnt;     /* references + STKSESS_F_* flags */
	unsigned char key[];          /* key, then data */
};

/* A shard: one lock, one hash index, the entries in touch order. */
struct stktable_shard {
	struct spinlock lock;         /* protects everything below but freed_late */
	uint32_t count;               /* entries linked in the index */
	uint32_t quota;               /* entries it may hold without borrowing */
	uint32_t borrowed;            /* capacity borrowed from t->spare */
	uint32_t nb_mask;             /* buckets - 1 (power of 2) */
	uint32_t nb_max;              /* max buckets (growth stops there) */
	struct stksess **buckets;     /* hash chains */
	struct list touch;            /* entries, least recently touched first */
	struct list ovr;              /* entries whose expiry is overridden (unsorted) */
	uint32_t ovr_count;           /* entries in <ovr> */
	uint32_t ovr_next;            /* earliest expiry in <ovr>, or TICK_ETERNITY */
	_Atomic uint32_t seq;         /* last sequence number given (never 0; written under the lock) */
	uint64_t created;             /* entries created */
	uint64_t freed;               /* entries freed under the lock */
	uint64_t updates;             /* local updates recorded */
	uint64_t expired;             /* entries removed by expiry */
	uint64_t evicted;             /* entries evicted to make room */
	uint64_t refused;             /* creations refused (table full) */
	uint64_t killed;              /* entries removed by stktable_kill() */
	_Atomic uint64_t freed_late;  /* entries freed by their last release, unlocked */
} CACHE_ALIGNED;

struct task;
struct pool_head;
struct stktable_topk;

/* A stick table. Everything above <spare> is read-only once initialised. */
struct stktable {
	char id[STKTABLE_NAME_LEN];   /* table name */
	struct stktable_def def;      /* its definition */
	uint32_t key_size;            /* bytes of a normalised key */
	uint32_t entry_size;          /* bytes of an entry (header, key, data) */
	uint16_t data_ofs[STKTABLE_DATA_TYPES]; /* offset of each stored type in an entry, 0: absent */
	uint64_t seed;                /* hash seed, random per table */
	uint32_t shard_bits;          /* log2(number of shards) */
	uint32_t nb_shards;           /* number of shards */
	uint32_t evict_batch;         /* entries evicted at once when a shard is full */
	struct stktable_shard *shards; /* the shards */
	struct pool_head *pool;       /* entries' pool */
	struct stktable_topk *topk;   /* top-N candidate sets, NULL without `topk` */
	_Atomic uint32_t purge_cursor; /* shard the next purge starts at */

	_Atomic uint32_t spare CACHE_ALIGNED; /* capacity lent to no shard (see stktable.c) */

	/* change notification (the peers' push, peers.c): set before the
	 * workers run, read-only after; see stktable_touch_local()
	 */
	void (*on_change)(struct stktable *t); /* called by the first local change while armed, or NULL */
	_Atomic int change_armed CACHE_ALIGNED; /* 1: the next local change calls on_change (and disarms) */

	struct spinlock exp_lock CACHE_ALIGNED; /* orders purge task timer changes */
	struct task *exp_task;        /* purge task, or NULL */
	_Atomic int exp_armed;        /* 1: the task's timer covers every entry */
	uint32_t exp_req;             /* earliest date asked while the task ran (exp_lock) */
};

/* A consumer's position in the update stream of one table
 * (stktable_updates_next()): for each shard, how far its current pass went
 * and where that pass began. Owned by one consumer, no lock.
 */
struct stktable_updcur {
	uint32_t nb;                  /* number of shards (t->nb_shards) */
	uint32_t *pos;                /* per shard: position reached in the touch list */
	uint32_t *base;               /* per shard: changes after this one are reported
	                               * (<pos> where the current pass over the shard began) */
};

/* Position of a resumable walk (stktable_walk_resume()). Zero it to start. */
struct stktable_cursor {
	uint32_t shard;               /* shard being visited */
	uint32_t bucket;              /* reverse-binary bucket cursor in that shard */
};

/* Table statistics (stktable_get_stats()). */
struct stktable_stats {
	uint64_t size;                /* max entries */
	uint64_t used;                /* entries in the index */
	uint64_t alive;               /* entries allocated (used + unlinked but referenced) */
	uint64_t created;             /* entries created */
	uint64_t evicted;             /* entries evicted because the table was full */
	uint64_t refused;             /* creations refused because the table was full */
	uint64_t expired;             /* entries removed by expiry */
	uint64_t killed;              /* entries removed by stktable_kill() */
	uint64_t updates;             /* local updates recorded */
	uint32_t shards;              /* number of shards */
};

#endif /* TOLLGATE_STKTABLE_T_H */
