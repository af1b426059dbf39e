/*
 * balance roundrobin: smooth weighted round robin.
 *
 * Each pick adds every eligible server's weight to its current weight,
 * takes the server with the highest current weight and subtracts the total
 * from it. Over a cycle each server is picked in proportion to its weight,
 * and picks of a heavy server are spread out rather than bunched (weights
 * 5,1,1 give a a b a c a a, not a a a a a b c). O(n) per pick under the
 * backend's pick lock; current weights restart from 0 when the set of
 * usable servers changes.
 */
#include <tollgate/lb-algo.h>

static int rr_build(struct lb_state *st)
{
	for (unsigned int i = 0; i < st->nusable; i++)
		st->usable[i]->lb_cw = 0;
	return 0;
}

static struct server *rr_pick(struct lb_state *st, uint32_t key, const struct server *avoid)
{
	struct server *best = NULL;
	int total = 0;

	spin_lock(&st->pick_lock);
	for (unsigned int i = 0; i < st->nusable; i++) {
		struct server *srv = st->usable[i];

		if (!lb_srv_eligible(st, srv, avoid))
			continue;
		srv->lb_cw += (int)srv->uweight;
		total += (int)srv->uweight;
		if (!best || srv->lb_cw > best->lb_cw)
			best = srv;
	}
	if (best)
		best->lb_cw -= total;
	spin_unlock(&st->pick_lock);
	return best;
}

static struct lb_ops lb_roundrobin = {
	.name = "roundrobin",
	.build = rr_build,
	.pick = rr_pick,
};

__attribute__((constructor)) static void lb_roundrobin_register(void)
{
	lb_register(&lb_roundrobin);
}
