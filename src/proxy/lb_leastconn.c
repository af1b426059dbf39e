/*
 * balance leastconn: the server with the fewest connections per unit of
 * weight.
 *
 * A pick scans the usable servers (O(n), lock-free: connection counts are
 * atomics) and takes the lowest (cur_conns + 1) / weight. The scan starts
 * at a rotating position so that equally loaded servers take turns.
 */
#include <tollgate/lb-algo.h>

static struct server *lc_pick(struct lb_state *st, uint32_t key, const struct server *avoid)
{
	uint32_t start = atomic_fetch_add_explicit(&st->cursor, 1, memory_order_relaxed);
	struct server *best = NULL;
	uint64_t best_score = UINT64_MAX;

	for (unsigned int i = 0; i < st->nusable; i++) {
		struct server *srv = st->usable[(start + i) % st->nusable];
		uint64_t score;

		if (!lb_srv_eligible(st, srv, avoid))
			continue;
		score = ((uint64_t)atomic_load_explicit(&srv->cur_conns, memory_order_relaxed) + 1) *
		        65536 / srv->uweight;
		if (score < best_score) {
			best = srv;
			best_score = score;
		}
	}
	return best;
}

static struct lb_ops lb_leastconn = {
	.name = "leastconn",
	.pick = lc_pick,
};

__attribute__((constructor)) static void lb_leastconn_register(void)
{
	lb_register(&lb_leastconn);
}
