/*
 * balance source / balance hash <sample>: a key (the client address, or any
 * sample) hashed to a server, so that one key keeps reaching one server.
 * Both tables are HAProxy 2.6's, so that a key reaches the same server
 * as with HAProxy on the same configuration.
 *
 * Effective weights: each server's weight times 16 divided by the greatest
 * common divisor of all the backend's weights (HAProxy's eweight).
 * hash-type map-based: a table of total-effective-weight entries, filled by
 * HAProxy's weighted interleaving; a key goes to entry key % size. O(1),
 * but a change in the set of servers remaps most keys.
 * hash-type consistent: a tree of points, weight * 16 per server, point j
 * of the server with numeric id N at full_hash(N * 4096 + j) (or from its
 * address with `hash-key addr|addr-port`); a key goes to
 * the closer of the points around it, the one before on a tie (binary
 * search, O(log n)). A server going down only moves its own keys.
 * A full server (maxconn reached) or the server to avoid is skipped in
 * favour of the next entry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/addr.h>
#include <tollgate/hash.h>
#include <tollgate/lb-algo.h>

#define WEIGHT_SCALE 16          /* HAProxy's BE_WEIGHT_SCALE */
#define EWEIGHT_RANGE (256 * WEIGHT_SCALE)  /* points a server id spans */

struct ring_point {
	uint32_t hash;           /* position on the ring */
	struct server *srv;      /* its server */
};

struct hash_data {
	uint32_t len;            /* entries in map or ring */
	struct server **map;     /* map-based table, or NULL */
	struct ring_point *ring; /* consistent ring, sorted, or NULL */
};

static void hash_release(struct lb_state *st)
{
	struct hash_data *d = st->data;

	if (d) {
		free(d->map);
		free(d->ring);
		free(d);
	}
	st->data = NULL;
}

static int by_hash(const void *a, const void *b)
{
	const struct ring_point *pa = a, *pb = b;

	return (pa->hash > pb->hash) - (pa->hash < pb->hash);
}

/* The divisor of the weights: their greatest common divisor over all the
 * backend's servers, usable or not (HAProxy's wmult).
 */
static unsigned int weight_gcd(const struct lb_state *st)
{
	unsigned int g = 0;

	for (const struct server *srv = st->servers; srv; srv = srv->next) {
		unsigned int w = srv->uweight;

		while (w) {
			unsigned int t = g % w;

			g = w;
			w = t;
		}
	}
	return g ? g : 1;
}

static unsigned int eweight(const struct server *srv, unsigned int gcd)
{
	return (srv->uweight * WEIGHT_SCALE + gcd - 1) / gcd;
}

/* Where <srv>'s points start, as HAProxy's `hash-key`: point j lies at
 * full_hash(key + j). The id (default) gives id x 4096, HAProxy 2.6's
 * placement; an address the server lacks falls back on the id.
 */
static uint32_t server_key(const struct server *srv)
{
	const struct sockaddr_storage *ss = &srv->addr.ss;
	int by_addr = srv->hash_key == SRV_HASH_KEY_ADDR || srv->hash_key == SRV_HASH_KEY_ADDR_PORT;
	uint32_t key = 0;

	if (srv->hash_key == SRV_HASH_KEY_ID32)
		return hash_avalanche32(htonl((uint32_t)srv->puid));
	if (!by_addr || srv->addr.kind != ADDR_INET || (ss->ss_family != AF_INET && ss->ss_family != AF_INET6))
		return (uint32_t)srv->puid * EWEIGHT_RANGE;
	if (srv->hash_key == SRV_HASH_KEY_ADDR_PORT)
		key = hash_avalanche32(ntohs(((const struct sockaddr_in *)ss)->sin_port));
	if (ss->ss_family == AF_INET)
		return hash_avalanche32(key + ((const struct sockaddr_in *)ss)->sin_addr.s_addr);
	return hash_xxh32(&((const struct sockaddr_in6 *)ss)->sin6_addr, 16, key);
}

static int build_ring(struct lb_state *st, struct hash_data *d)
{
	uint32_t n = 0;

	d->ring = malloc(((size_t)st->usable_weight * WEIGHT_SCALE + 1) * sizeof(*d->ring));
	if (!d->ring)
		return -ENOMEM;
	for (unsigned int i = 0; i < st->nusable; i++) {
		struct server *srv = st->usable[i];
		uint32_t key = server_key(srv);

		for (unsigned int p = 0; p < srv->uweight * WEIGHT_SCALE; p++) {
			d->ring[n].hash = hash_avalanche32(key + p);
			d->ring[n].srv = srv;
			n++;
		}
	}
	qsort(d->ring, n, sizeof(*d->ring), by_hash);
	d->len = n;
	return 0;
}

/* HAProxy's map: <tot> entries; at each, every server gains its effective
 * weight, the first with the highest (score + tot) / tot takes the entry
 * and pays tot.
 */
static int build_map(struct lb_state *st, struct hash_data *d)
{
	unsigned int gcd = weight_gcd(st), tot = 0;
	int *score = calloc(st->nusable ? st->nusable : 1, sizeof(*score));

	for (unsigned int i = 0; i < st->nusable; i++)
		tot += eweight(st->usable[i], gcd);
	d->map = malloc((tot ? tot : 1) * sizeof(*d->map));
	if (!d->map || !score) {
		free(score);
		return -ENOMEM;
	}
	for (unsigned int o = 0; o < tot; o++) {
		unsigned int best = 0;
		int max = 0;

		for (unsigned int i = 0; i < st->nusable; i++) {
			int v;

			score[i] += (int)eweight(st->usable[i], gcd);
			v = (score[i] + (int)tot) / (int)tot;
			if (!i || v > max) {
				max = v;
				best = i;
			}
		}
		d->map[o] = st->usable[best];
		score[best] -= (int)tot;
	}
	free(score);
	d->len = tot;
	return 0;
}

static int hash_build(struct lb_state *st)
{
	struct hash_data *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return -ENOMEM;
	ret = st->hash_type == LB_HASH_CONSISTENT ? build_ring(st, d) : build_map(st, d);
	if (ret) {
		free(d->map);
		free(d->ring);
		free(d);
		return ret;
	}
	hash_release(st);
	st->data = d;
	return 0;
}

/* The point closest to <key>: the first at or after it (wrapping) or the
 * one before it, the one before on a tie; then the next ones while the
 * server cannot take the request.
 */
static struct server *ring_pick(struct lb_state *st, struct hash_data *d, uint32_t key,
                                const struct server *avoid)
{
	uint32_t lo = 0, hi = d->len, prev;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (d->ring[mid].hash < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == d->len)
		lo = 0;
	prev = lo ? lo - 1 : d->len - 1;
	if (key - d->ring[prev].hash <= d->ring[lo].hash - key)
		lo = prev;
	for (uint32_t i = 0; i < d->len; i++) {
		struct server *srv = d->ring[(lo + i) % d->len].srv;

		if (lb_srv_eligible(st, srv, avoid))
			return srv;
	}
	return NULL;
}

static struct server *hash_pick(struct lb_state *st, uint32_t key, const struct server *avoid)
{
	struct hash_data *d = st->data;

	if (!d || !d->len)
		return NULL;
	if (d->ring)
		return ring_pick(st, d, key, avoid);
	return lb_pick_from_table(st, d->map, d->len, key % d->len, avoid);
}

static struct lb_ops lb_source = {
	.hashed = 1,
	.name = "source",
	.needs_key = 1,
	.build = hash_build,
	.pick = hash_pick,
	.release = hash_release,
};

static struct lb_ops lb_hash_algo = {
	.hashed = 1,
	.name = "hash",
	.needs_key = 1,
	.build = hash_build,
	.pick = hash_pick,
	.release = hash_release,
};

/* balance log-hash (log backends): the key is the hash of the converted
 * message (logbe.c)
 */
static struct lb_ops lb_log_hash = {
	.hashed = 1,
	.name = "log-hash",
	.needs_key = 1,
	.build = hash_build,
	.pick = hash_pick,
	.release = hash_release,
};

__attribute__((constructor)) static void lb_hash_register(void)
{
	lb_register(&lb_log_hash);
	lb_register(&lb_source);
	lb_register(&lb_hash_algo);
}
