/*
 * Helpers shared by the load-balancing algorithms (lb_*.c). Not for users
 * of lb.h.
 */
#ifndef TOLLGATE_LB_ALGO_H
#define TOLLGATE_LB_ALGO_H

#include <stdint.h>

#include <tollgate/lb.h>
#include <tollgate/server-t.h>

/* Returns 1 if <srv> has reached its maxconn (0: unlimited). */
static inline int lb_srv_full(const struct server *srv)
{
	return srv->maxconn &&
	       atomic_load_explicit(&srv->cur_conns, memory_order_relaxed) >= srv->maxconn;
}

/* Returns 1 if <srv> may be picked: not full, and not <avoid> unless it is
 * the only usable server.
 */
static inline int lb_srv_eligible(const struct lb_state *st, const struct server *srv,
                                  const struct server *avoid)
{
	return !lb_srv_full(srv) && (srv != avoid || st->nusable == 1);
}

/* Returns a pseudo-random 32-bit number from a per-thread generator. */
uint32_t lb_random32(void);

/* Builds in <seq> (of st->usable_weight entries) a smooth interleaving of
 * the usable servers by weight (a server of weight w appears w times,
 * spread out). Used by static-rr and map-based hashing.
 */
void lb_build_sequence(const struct lb_state *st, struct server **seq);

/* Picks from a table of <len> servers starting at <start>, skipping the
 * ineligible ones; returns NULL if none is eligible.
 */
struct server *lb_pick_from_table(const struct lb_state *st, struct server *const *table,
                                  uint32_t len, uint32_t start, const struct server *avoid);

#endif /* TOLLGATE_LB_ALGO_H */
