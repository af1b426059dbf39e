/*
 * balance first: the first server, by id, that still has free connection
 * slots. Meant for servers with maxconn: the next one is used only when the
 * previous ones are full, so that spare servers can be powered down.
 * O(n) scan of the usable servers sorted by id at build time; lock-free.
 */
#include <stdlib.h>

#include <tollgate/lb-algo.h>

static int by_puid(const void *a, const void *b)
{
	const struct server *sa = *(struct server *const *)a;
	const struct server *sb = *(struct server *const *)b;

	return (sa->puid > sb->puid) - (sa->puid < sb->puid);
}

static int first_build(struct lb_state *st)
{
	qsort(st->usable, st->nusable, sizeof(*st->usable), by_puid);
	return 0;
}

static struct server *first_pick(struct lb_state *st, uint32_t key, const struct server *avoid)
{
	for (unsigned int i = 0; i < st->nusable; i++)
		if (lb_srv_eligible(st, st->usable[i], avoid))
			return st->usable[i];
	return NULL;
}

static struct lb_ops lb_first = {
	.name = "first",
	.build = first_build,
	.pick = first_pick,
};

__attribute__((constructor)) static void lb_first_register(void)
{
	lb_register(&lb_first);
}
