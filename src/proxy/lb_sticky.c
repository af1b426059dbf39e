/*
 * balance sticky (log backends, HAProxy 2.9+): every message goes to the
 * first server of a list of the usable ones. A server going down leaves
 * the list, so the next one takes its place; a server coming back up is
 * added at the end, so that the sticky server does not change until it
 * goes down. The list is the usable array itself, reordered at each
 * rebuild after the previous order (kept in the algorithm's data): O(n^2)
 * in the number of servers per state change, O(1) per pick.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/lb-algo.h>

struct sticky_data {
	unsigned int n;          /* servers in <order> */
	struct server *order[];  /* the previous list, first is the sticky one */
};

static void sticky_release(struct lb_state *st)
{
	free(st->data);
	st->data = NULL;
}

static int sticky_build(struct lb_state *st)
{
	struct sticky_data *old = st->data, *d;
	unsigned int n = 0;

	d = malloc(sizeof(*d) + (st->nusable + 1) * sizeof(d->order[0]));
	if (!d)
		return -ENOMEM;
	/* those still usable keep their rank, the others follow in
	 * configuration order
	 */
	for (unsigned int i = 0; old && i < old->n; i++)
		for (unsigned int j = 0; j < st->nusable; j++)
			if (st->usable[j] == old->order[i])
				d->order[n++] = old->order[i];
	for (unsigned int j = 0; j < st->nusable; j++) {
		unsigned int k = 0;

		while (k < n && d->order[k] != st->usable[j])
			k++;
		if (k == n)
			d->order[n++] = st->usable[j];
	}
	d->n = n;
	memcpy(st->usable, d->order, n * sizeof(d->order[0]));
	for (unsigned int i = 0; i < n; i++)
		st->usable[i]->lb_idx = i;
	free(old);
	st->data = d;
	return 0;
}

static struct server *sticky_pick(struct lb_state *st, uint32_t key, const struct server *avoid)
{
	for (unsigned int i = 0; i < st->nusable; i++)
		if (lb_srv_eligible(st, st->usable[i], avoid))
			return st->usable[i];
	return NULL;
}

static struct lb_ops lb_sticky = {
	.name = "sticky",
	.build = sticky_build,
	.pick = sticky_pick,
	.release = sticky_release,
};

__attribute__((constructor)) static void lb_sticky_register(void)
{
	lb_register(&lb_sticky);
}
