/*
 * balance random[(draws)]: weighted random choice, with "power of N
 * choices": N servers are drawn (weighted by their weights, default N=2)
 * and the least loaded of them wins. This keeps the spread of random
 * balancing while avoiding its hot spots. O(N log n) per pick over a
 * prefix-sum table built when servers change; lock-free.
 */
#include <errno.h>
#include <stdlib.h>

#include <tollgate/lb-algo.h>

struct lb_random_data {
	uint32_t total;          /* sum of weights */
	uint32_t cumul[];        /* cumul[i]: weights of usable[0..i] */
};

static void random_release(struct lb_state *st)
{
	free(st->data);
	st->data = NULL;
}

static int random_build(struct lb_state *st)
{
	struct lb_random_data *d = malloc(sizeof(*d) + (st->nusable + 1) * sizeof(d->cumul[0]));
	uint32_t sum = 0;

	if (!d)
		return -ENOMEM;
	for (unsigned int i = 0; i < st->nusable; i++) {
		sum += st->usable[i]->uweight;
		d->cumul[i] = sum;
	}
	d->total = sum;
	random_release(st);
	st->data = d;
	return 0;
}

static struct server *draw(struct lb_state *st, const struct lb_random_data *d)
{
	uint32_t r = lb_random32() % d->total, lo = 0, hi = st->nusable - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (d->cumul[mid] <= r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return st->usable[lo];
}

static struct server *random_pick(struct lb_state *st, uint32_t key, const struct server *avoid)
{
	const struct lb_random_data *d = st->data;
	struct server *best = NULL;
	unsigned int tries = 0;

	if (!d || !d->total)
		return NULL;
	for (unsigned int n = 0; n < st->random_draws && tries < 4 * st->random_draws + 8; tries++) {
		struct server *srv = draw(st, d);

		if (!lb_srv_eligible(st, srv, avoid))
			continue;
		n++;
		if (!best || atomic_load_explicit(&srv->cur_conns, memory_order_relaxed) * best->uweight <
		                     atomic_load_explicit(&best->cur_conns, memory_order_relaxed) * srv->uweight)
			best = srv;
	}
	if (!best) /* unlucky draws, or nearly all full: scan */
		best = lb_pick_from_table(st, st->usable, st->nusable, lb_random32() % st->nusable, avoid);
	return best;
}

static struct lb_ops lb_random = {
	.name = "random",
	.hashed = 1,
	.build = random_build,
	.pick = random_pick,
	.release = random_release,
};

__attribute__((constructor)) static void lb_random_register(void)
{
	lb_register(&lb_random);
}
