/*
 * balance static-rr: weighted round robin over a precomputed sequence.
 *
 * The sequence (a smooth interleaving where a server of weight w appears w
 * times) is built when servers change; a pick is one atomic increment of
 * the cursor, O(1) without a lock, skipping full servers.
 */
#include <errno.h>
#include <stdlib.h>

#include <tollgate/lb-algo.h>

struct srr_data {
	uint32_t len;            /* entries in seq */
	struct server *seq[];    /* the sequence */
};

static void srr_release(struct lb_state *st)
{
	free(st->data);
	st->data = NULL;
}

static int srr_build(struct lb_state *st)
{
	struct srr_data *d = malloc(sizeof(*d) + (st->usable_weight + 1) * sizeof(d->seq[0]));

	if (!d)
		return -ENOMEM;
	d->len = st->usable_weight;
	lb_build_sequence(st, d->seq);
	srr_release(st);
	st->data = d;
	return 0;
}

static struct server *srr_pick(struct lb_state *st, uint32_t key, const struct server *avoid)
{
	struct srr_data *d = st->data;
	uint32_t pos;

	if (!d || !d->len)
		return NULL;
	pos = atomic_fetch_add_explicit(&st->cursor, 1, memory_order_relaxed);
	return lb_pick_from_table(st, d->seq, d->len, pos % d->len, avoid);
}

static struct lb_ops lb_static_rr = {
	.name = "static-rr",
	.build = srr_build,
	.pick = srr_pick,
	.release = srr_release,
};

__attribute__((constructor)) static void lb_static_rr_register(void)
{
	lb_register(&lb_static_rr);
}
