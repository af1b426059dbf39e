/*
 * balance source / balance hash <sample>: a key (the client address, or any
 * sample) hashed to a server, so that one key keeps reaching one server.
 *
 * hash-type map-based: a table where each server appears as many times as
 * its weight, indexed by key modulo its size: O(1), but a change in the
 * set of servers remaps most keys.
 * hash-type consistent: a ring of 100 points per unit of weight, each point
 * the hash of the server's name and the point's number; a key goes to the
 * first point at or after it (binary search, O(log n)). A server going
 * down only moves its own keys.
 * A full server (maxconn reached) or the server to avoid is skipped in
 * favour of the next entry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/lb-algo.h>

#define POINTS_PER_WEIGHT 100

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

static int build_ring(struct lb_state *st, struct hash_data *d)
{
	uint32_t n = 0;

	d->ring = malloc(((size_t)st->usable_weight * POINTS_PER_WEIGHT + 1) * sizeof(*d->ring));
	if (!d->ring)
		return -ENOMEM;
	for (unsigned int i = 0; i < st->nusable; i++) {
		struct server *srv = st->usable[i];

		for (unsigned int p = 0; p < srv->uweight * POINTS_PER_WEIGHT; p++) {
			char name[300];
			int len = snprintf(name, sizeof(name), "%s-%u", srv->id, p);

			d->ring[n].hash = lb_hash(name, (size_t)len);
			d->ring[n].srv = srv;
			n++;
		}
	}
	qsort(d->ring, n, sizeof(*d->ring), by_hash);
	d->len = n;
	return 0;
}

static int hash_build(struct lb_state *st)
{
	struct hash_data *d = calloc(1, sizeof(*d));
	int ret = 0;

	if (!d)
		return -ENOMEM;
	if (st->hash_type == LB_HASH_CONSISTENT) {
		ret = build_ring(st, d);
	} else {
		d->map = malloc((st->usable_weight + 1) * sizeof(*d->map));
		if (!d->map)
			ret = -ENOMEM;
		else {
			lb_build_sequence(st, d->map);
			d->len = st->usable_weight;
		}
	}
	if (ret) {
		free(d->map);
		free(d);
		return ret;
	}
	hash_release(st);
	st->data = d;
	return 0;
}

static struct server *ring_pick(struct lb_state *st, struct hash_data *d, uint32_t key,
                                const struct server *avoid)
{
	uint32_t lo = 0, hi = d->len;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (d->ring[mid].hash < key)
			lo = mid + 1;
		else
			hi = mid;
	}
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
	.name = "source",
	.needs_key = 1,
	.build = hash_build,
	.pick = hash_pick,
	.release = hash_release,
};

static struct lb_ops lb_hash_algo = {
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
