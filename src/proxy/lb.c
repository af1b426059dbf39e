/*
 * Load balancing: registry, usable-server view, locking. See lb.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/hash.h>
#include <tollgate/lb-algo.h>
#include <tollgate/lb.h>
#include <tollgate/server-t.h>

static struct list lb_algos = LIST_HEAD_INIT(lb_algos);

void lb_register(struct lb_ops *ops)
{
	list_append(&lb_algos, &ops->list);
}

const struct lb_ops *lb_find(const char *name)
{
	struct lb_ops *ops;

	list_for_each(ops, &lb_algos, list)
		if (!strcmp(ops->name, name))
			return ops;
	return NULL;
}

void lb_names(char *buf, size_t len)
{
	struct lb_ops *ops;
	size_t used = 0;

	buf[0] = '\0';
	list_for_each(ops, &lb_algos, list) {
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", ops->name);

		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

int lb_srv_usable(const struct server *srv)
{
	return atomic_load_explicit(&srv->cur_state, memory_order_relaxed) == SRV_ST_RUNNING &&
	       !(srv->flags & (SRV_F_MAINT | SRV_F_RMAINT | SRV_F_DRAIN)) && srv->uweight > 0;
}

uint32_t lb_hash_key(const struct lb_state *st, const void *data, size_t len)
{
	uint32_t h;

	switch (st->hash_fn) {
	case LB_HFN_DJB2:  h = hash_djb2(data, len); break;
	case LB_HFN_WT6:   h = hash_wt6(data, len); break;
	case LB_HFN_CRC32: h = hash_crc32(data, len); break;
	case LB_HFN_NONE: {
		const unsigned char *p = data;
		uint64_t v = 0;

		for (size_t i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++)
			v = v * 10 + (p[i] - '0');
		h = (uint32_t)v;
		break;
	}
	default:           h = hash_sdbm(data, len); break;
	}
	return st->hash_avalanche ? hash_avalanche32(h) : h;
}

uint32_t lb_hash_addr(const struct lb_state *st, const void *addr, size_t len)
{
	const unsigned char *p = addr;
	uint32_t h = 0;

	for (size_t i = 0; i + 4 <= len; i += 4)
		h ^= (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 | (uint32_t)p[i + 2] << 8 | p[i + 3];
	return st->hash_avalanche ? hash_avalanche32(h) : h;
}

/* Fills st->usable with the usable servers: active ones, or else the
 * backups (all of them with allbackups, else the first one).
 */
static void collect_usable(struct lb_state *st)
{
	struct server *srv;
	unsigned int n = 0, w = 0;

	for (srv = st->servers; srv; srv = srv->next)
		if (!(srv->flags & SRV_F_BACKUP) && lb_srv_usable(srv))
			st->usable[n++] = srv;
	if (!n) {
		for (srv = st->servers; srv; srv = srv->next) {
			if ((srv->flags & SRV_F_BACKUP) && lb_srv_usable(srv)) {
				st->usable[n++] = srv;
				if (!st->allbackups)
					break;
			}
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		st->usable[i]->lb_idx = i;
		w += st->usable[i]->uweight;
	}
	st->nusable = n;
	st->usable_weight = w;
}

int lb_init(struct lb_state *st, const struct lb_ops *ops, struct server *servers)
{
	unsigned int count = 0;
	int ret;

	st->ops = ops;
	st->servers = servers;
	for (struct server *srv = servers; srv; srv = srv->next)
		count++;
	st->usable = calloc(count ? count : 1, sizeof(*st->usable));
	if (!st->usable)
		return -ENOMEM;
	st->usable_room = count ? count : 1;
	if (!st->random_draws)
		st->random_draws = 2;
	st->data = NULL;
	spin_init(&st->pick_lock, LOCK_LB);
	atomic_store(&st->cursor, 0);
	ret = rw_init(&st->lock, LOCK_LB);
	if (ret)
		return -ret;
	return lb_update(st);
}

void lb_deinit(struct lb_state *st)
{
	if (st->ops && st->ops->release)
		st->ops->release(st);
	free(st->usable);
	st->usable = NULL;
	rw_destroy(&st->lock);
}

int lb_update(struct lb_state *st)
{
	int ret;

	rw_wrlock(&st->lock);
	collect_usable(st);
	ret = st->ops->build ? st->ops->build(st) : 0;
	rw_unlock(&st->lock);
	return ret;
}

int lb_set_servers(struct lb_state *st, struct server *servers)
{
	unsigned int count = 0;
	struct server **usable;
	int ret;

	for (struct server *srv = servers; srv; srv = srv->next)
		count++;
	rw_wrlock(&st->lock);
	if (count > st->usable_room) {
		usable = realloc(st->usable, count * sizeof(*usable));
		if (!usable) {
			rw_unlock(&st->lock);
			return -ENOMEM;
		}
		st->usable = usable;
		st->usable_room = count;
	}
	st->servers = servers;
	collect_usable(st);
	ret = st->ops->build ? st->ops->build(st) : 0;
	rw_unlock(&st->lock);
	return ret;
}

struct server *lb_pick(struct lb_state *st, uint32_t key, const struct server *avoid)
{
	struct server *srv;

	rw_rdlock(&st->lock);
	srv = st->nusable ? st->ops->pick(st, key, avoid) : NULL;
	rw_unlock(&st->lock);
	return srv;
}

uint32_t lb_random32(void)
{
	static __thread uint64_t s;

	if (!s)
		s = (uint64_t)(uintptr_t)&s * 0x9e3779b97f4a7c15ULL ^ 0xd1b54a32d192ed03ULL;
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return (uint32_t)((s * 0x2545f4914f6cdd1dULL) >> 32);
}

void lb_build_sequence(const struct lb_state *st, struct server **seq)
{
	unsigned int n = st->nusable, total = st->usable_weight;
	int *cw = calloc(n ? n : 1, sizeof(*cw));

	/* smooth weighted round robin, run once over a full cycle */
	for (unsigned int k = 0; k < total; k++) {
		unsigned int best = 0;

		for (unsigned int i = 0; i < n; i++) {
			if (cw)
				cw[i] += (int)st->usable[i]->uweight;
			if (cw && cw[i] > cw[best])
				best = i;
		}
		if (cw)
			cw[best] -= (int)total;
		seq[k] = cw ? st->usable[best] : st->usable[k % n];
	}
	free(cw);
}

struct server *lb_pick_from_table(const struct lb_state *st, struct server *const *table,
                                  uint32_t len, uint32_t start, const struct server *avoid)
{
	for (uint32_t i = 0; i < len; i++) {
		struct server *srv = table[(start + i) % len];

		if (lb_srv_eligible(st, srv, avoid))
			return srv;
	}
	return NULL;
}
