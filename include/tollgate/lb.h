/*
 * Load balancing: choosing a server of a backend.
 *
 * Each algorithm lives in its own file (lb_*.c) and registers a `struct
 * lb_ops` from a constructor; `balance <name>` selects it by name.
 *
 * Shared state and locking: a backend's LB state (`struct lb_state`) is
 * shared by every thread. Picks take its rwlock for reading; algorithms
 * that mutate on pick (roundrobin's current weights, static-rr's cursor)
 * do so under their own spinlock or with atomics. A server going up or
 * down rebuilds the algorithm's view under the rwlock held for writing
 * (lb_update()). Picks are O(1) or O(log n) for the table-based
 * algorithms (static-rr, hash map-based/consistent, source), O(n) in the
 * number of usable servers for roundrobin, leastconn, first and random.
 *
 * Usable servers: the active servers that are up and not in maintenance
 * or drain; if there are none, the backup servers that are up (the first
 * one only, unless `option allbackups`).
 */
#ifndef TOLLGATE_LB_H
#define TOLLGATE_LB_H

#include <stdatomic.h>
#include <stdint.h>

#include <tollgate/list.h>
#include <tollgate/lock.h>

struct server;
struct lb_state;

/* How a hash-based algorithm maps keys to servers. */
enum lb_hash_type {
	LB_HASH_MAP = 0,         /* map-based: key modulo the total weight */
	LB_HASH_CONSISTENT,      /* consistent: a ring of points per server */
};

/* `hash-type ... <function>`: how a key's bytes become a 32-bit hash. */
enum lb_hash_fn {
	LB_HFN_SDBM = 0,         /* HAProxy's default */
	LB_HFN_DJB2,
	LB_HFN_WT6,
	LB_HFN_CRC32,
	LB_HFN_NONE,             /* log-hash: the key's leading number */
};

struct lb_ops {
	const char *name;        /* the `balance` keyword: "roundrobin"... */
	int needs_key;           /* 1 if pick() uses a key (source, hash) */
	int hashed;              /* HAProxy's "hash" kind (hashes, random): a retry is not
	                          * sent elsewhere only because other servers are up */
	/* Rebuilds the algorithm's data from the usable servers in
	 * <st>->usable[0..nusable). Called under the LB lock held for
	 * writing. Returns 0 or -ENOMEM (the previous view stays).
	 */
	int (*build)(struct lb_state *st);
	/* Returns a usable server, or NULL. <key> is the hash of the
	 * request's key when needs_key. <avoid> is a server to skip if
	 * another is usable (retries with redispatch). Called under the LB
	 * lock held for reading.
	 */
	struct server *(*pick)(struct lb_state *st, uint32_t key, const struct server *avoid);
	/* Frees the algorithm's data. */
	void (*release)(struct lb_state *st);
	struct list list;        /* registry link */
};

struct lb_state {
	const struct lb_ops *ops;        /* the algorithm */
	enum lb_hash_type hash_type;     /* for source/hash */
	enum lb_hash_fn hash_fn;         /* hash-type's function */
	int hash_avalanche;              /* hash-type's `avalanche`: full_hash() over the result */
	unsigned int key_len;            /* balance uri len <n>: the key's first n bytes, 0: all */
	unsigned int key_depth;          /* balance uri depth <n>: up to the (n+1)th '/', 0: all */
	int key_domain;                  /* balance hdr() use_domain_only: the domain's main label */
	int key_nonempty;                /* balance hdr(): an empty value is no key (round robin) */
	char *key_param;                 /* balance url_param <name>: the key is its value in the URI */
	int key_post;                    /* url_param check_post: else in the body of a POST */
	int allbackups;                  /* option allbackups */
	unsigned int random_draws;       /* random(N): draws, default 2 */
	struct rwlock lock;              /* see the principle above */
	struct server *servers;          /* all servers, config order */
	struct server **usable;          /* the usable ones, built by lb_update() */
	unsigned int usable_room;        /* entries allocated in <usable> */
	unsigned int nusable;            /* their number */
	unsigned int usable_weight;      /* sum of their weights */
	void *data;                      /* algorithm's data */
	struct spinlock pick_lock;       /* for algorithms mutating on pick */
	_Atomic uint32_t cursor;         /* for algorithms rotating on pick, and lb_nokey(); any thread */
};

/* A key for a request that has none (`balance hash`, `uri`, `url_param`,
 * `hdr()` without their sample, `source` without an IP address): HAProxy
 * then applies round robin. Successive keys step through a map-based
 * table in weighted round robin (the multiplier is an odd prime, so
 * <len> successive keys hit every slot once) and spread evenly over a
 * consistent ring. Any thread.
 */
static inline uint32_t lb_nokey(struct lb_state *st)
{
	return atomic_fetch_add_explicit(&st->cursor, 1, memory_order_relaxed) * 2654435761U;
}

/* Registers an algorithm (from its file's constructor). */
void lb_register(struct lb_ops *ops);

/* Returns the algorithm named <name>, or NULL. */
const struct lb_ops *lb_find(const char *name);

/* Writes the registered names separated by ", " into <buf> (for errors). */
void lb_names(char *buf, size_t len);

/* Initialises <st> for <ops> over the server list <servers>, and builds
 * its view. Returns 0 or -errno.
 */
int lb_init(struct lb_state *st, const struct lb_ops *ops, struct server *servers);

/* Releases what lb_init() and lb_update() allocated. */
void lb_deinit(struct lb_state *st);

/* Recomputes the usable servers and the algorithm's view after a server
 * changed state or weight. Any thread. Returns 0 or -ENOMEM.
 */
int lb_update(struct lb_state *st);

/* Takes the new server list <servers> of the backend after a server was
 * added or removed, and rebuilds the view. Under thread isolation.
 * Returns 0, or -ENOMEM when the list grew and the room for it could not
 * be had (the previous view and list stay: the caller undoes its change;
 * a shrinking list never fails).
 */
int lb_set_servers(struct lb_state *st, struct server *servers);

/* Picks a server for a request whose key hashes to <key> (ignored by
 * algorithms without a key), avoiding <avoid> when possible. Returns NULL
 * when no server is usable. Any thread.
 */
struct server *lb_pick(struct lb_state *st, uint32_t key, const struct server *avoid);

/* Returns 1 if <srv> is usable now (up, not in maintenance nor drain). */
int lb_srv_usable(const struct server *srv);

/* The hash of a request's key as HAProxy computes it for <st>'s
 * hash-type: its function over <len> bytes of <data>, then the avalanche
 * modifier if set (the default of `hash-type consistent`).
 */
uint32_t lb_hash_key(const struct lb_state *st, const void *data, size_t len);

/* Narrows the key <*p>/<*len> of a request as `balance uri len/depth`,
 * `balance hdr() use_domain_only` and `balance url_param` (from the URI,
 * the parameter's first value up to '&') ask, as HAProxy. Returns 0 when
 * the request has no key (no such parameter).
 */
int lb_key_narrow(const struct lb_state *st, const char **p, size_t *len);

/* `balance url_param <name> check_post`: the value of <name> in the body
 * <*p>/<*len> of a POST, as HAProxy 2.6 finds it: parameters separated by
 * '&' from the start of the body, the first match, its value up to the
 * next '&' or the end; a value starting with a blank is empty, one
 * starting with another character that is not a token character means
 * the body holds no parameters. Returns 1 and narrows <*p>/<*len> to the
 * value, or 0 when there is none (round robin).
 */
int lb_key_post(const struct lb_state *st, const char **p, size_t *len);

/* The hash of a client address for `balance source`, as HAProxy: the
 * address's 32-bit words (4 for IPv6) in network order XORed together,
 * then the avalanche modifier if set.
 */
uint32_t lb_hash_addr(const struct lb_state *st, const void *addr, size_t len);

#endif /* TOLLGATE_LB_H */
