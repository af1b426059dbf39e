/*
 * Stick-table state: writing tables into a state blob and applying a blob
 * to tables (format in include/tollgate/stktable_state.h, the reader in
 * stktable_state_fmt.c).
 *
 * Writing walks each table's shards one by one under their locks into
 * memory: O(entries), a few ms per 100,000 entries; the caller does the
 * I/O. Applying is O(entries) plus a sort of the living entries by
 * remaining lifetime (a restore inserts the shortest lives first, so each
 * shard's touch list stays in expiry order).
 *
 * Definition changes: values are matched by data type. A type no longer
 * stored, a rate whose period changed, array elements beyond the new
 * count are dropped; a key type change drops the table; a shorter expire
 * caps the lifetimes. Each difference is reported once per table.
 * conn_cur is never carried: it counts the connections of one process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <tollgate/clock.h>
#include <tollgate/stktable.h>
#include <tollgate/stktable_state.h>
#include <tollgate/ticks.h>

int64_t stktable_state_wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* ---- Output buffer ---- */

void stkstate_put(struct stkstate_buf *b, const void *src, size_t n)
{
	if (b->oom || !n)
		return;
	if (b->len + n > b->size) {
		size_t ns = b->size ? b->size * 2 : 65536;
		unsigned char *np;

		while (ns < b->len + n)
			ns *= 2;
		np = realloc(b->p, ns);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->size = ns;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

void stkstate_put16(struct stkstate_buf *b, uint16_t v)
{
	unsigned char x[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	stkstate_put(b, x, 2);
}

void stkstate_put32(struct stkstate_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	                       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	stkstate_put(b, x, 4);
}

void stkstate_put64(struct stkstate_buf *b, uint64_t v)
{
	stkstate_put32(b, (uint32_t)v);
	stkstate_put32(b, (uint32_t)(v >> 32));
}

/* ---- Writer ---- */

/* Grows <b> once to hold every entry of <t> (server keys aside), so that
 * a large table is not copied by each doubling.
 */
static void stkstate_reserve(struct stkstate_buf *b, struct stktable *t)
{
	struct stktable_stats st;
	size_t per = t->key_size + 4, need;
	unsigned char *np;

	for (int i = 0; i < STKTABLE_DATA_TYPES; i++) {
		if (!t->def.stored[i])
			continue;
		switch (stktable_data_types[i].std_type) {
		case STKTABLE_STD_ULL:
			per += 8 * (size_t)t->def.nbelem[i];
			break;
		case STKTABLE_STD_FRQP:
			per += 12 * (size_t)t->def.nbelem[i];
			break;
		case STKTABLE_STD_DICT:
			per += 2 * (size_t)t->def.nbelem[i];
			break;
		default:
			per += 4 * (size_t)t->def.nbelem[i];
			break;
		}
	}
	stktable_get_stats(t, &st);
	need = b->len + (size_t)(st.used + st.used / 64 + 16) * per;
	if (b->oom || need <= b->size)
		return;
	np = realloc(b->p, need);
	if (!np)
		return;         /* the doublings will try */
	b->p = np;
	b->size = need;
}

void stktable_state_begin(struct stkstate_buf *b, uint32_t kind, uint32_t ntables)
{
	stkstate_put(b, STKSTATE_MAGIC, 8);
	stkstate_put32(b, STKSTATE_VERSION);
	stkstate_put32(b, kind);
	stkstate_put64(b, (uint64_t)stktable_state_wall_ms());
	stkstate_put32(b, ntables);
}

struct put_ctx {
	struct stkstate_buf *b;       /* output */
	uint64_t count;               /* entries written */
	uint32_t now;                 /* tick of the walk */
};

static int put_entry(struct stktable *t, struct stksess *ts, void *arg)
{
	struct put_ctx *pc = arg;
	struct stkstate_buf *b = pc->b;
	uint32_t exp = stksess_expire(ts), rem, i, e;

	if (tick_isset(exp)) {
		rem = tick_remain(pc->now, exp);
		if (!rem)
			return 0;       /* dead already */
	} else {
		rem = STKSTATE_NEVER;
	}
	stkstate_put(b, ts->key, t->key_size);
	stkstate_put32(b, rem);
	for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
		if (!t->def.stored[i])
			continue;
		for (e = 0; e < t->def.nbelem[i]; e++) {
			void *p = stktable_data_ptr(t, ts, (int)i, e);

			switch (stktable_data_types[i].std_type) {
			case STKTABLE_STD_SINT:
			case STKTABLE_STD_UINT:
				stkstate_put32(b, i == STKTABLE_DT_CONN_CUR ? 0 :
				               atomic_load_explicit((_Atomic uint32_t *)p, memory_order_relaxed));
				break;
			case STKTABLE_STD_ULL:
				stkstate_put64(b, atomic_load_explicit((_Atomic uint64_t *)p, memory_order_relaxed));
				break;
			case STKTABLE_STD_FRQP: {
				uint32_t c, pv, age;

				freq_ctr_snapshot(p, t->def.period[i], pc->now, &c, &pv, &age);
				stkstate_put32(b, c);
				stkstate_put32(b, pv);
				stkstate_put32(b, age);
				break;
			}
			case STKTABLE_STD_DICT: {
				const char *s = atomic_load_explicit((_Atomic(const char *) *)p, memory_order_acquire);
				size_t l = s ? strlen(s) : 0;

				if (l > UINT16_MAX)
					l = UINT16_MAX;
				stkstate_put16(b, (uint16_t)l);
				stkstate_put(b, s, l);
				break;
			}
			}
		}
	}
	pc->count++;
	return 0;
}

uint64_t stktable_state_put_table(struct stkstate_buf *b, struct stktable *t)
{
	struct put_ctx pc = { .b = b, .now = now_ms };
	size_t l = strlen(t->id), count_at;
	uint32_t i, n = 0;

	for (i = 0; i < STKTABLE_DATA_TYPES; i++)
		n += t->def.stored[i];
	stkstate_put16(b, (uint16_t)l);
	stkstate_put(b, t->id, l);
	stkstate_put32(b, (uint32_t)t->def.type);
	stkstate_put32(b, t->key_size);
	stkstate_put32(b, t->def.expire);
	stkstate_put32(b, n);
	for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
		if (!t->def.stored[i])
			continue;
		stkstate_put16(b, (uint16_t)i);
		stkstate_put16(b, (uint16_t)t->def.nbelem[i]);
		stkstate_put32(b, t->def.period[i]);
	}
	count_at = b->len;
	stkstate_put64(b, 0);
	stkstate_reserve(b, t);
	stktable_walk(t, put_entry, &pc);
	if (!b->oom)
		for (i = 0; i < 8; i++)
			b->p[count_at + i] = (unsigned char)(pc.count >> (8 * i));
	return pc.count;
}

int stktable_state_end(struct stkstate_buf *b)
{
	if (!b->oom)
		stkstate_put32(b, stktable_state_crc32(b->p, b->len));
	return b->oom ? -ENOMEM : 0;
}

/* ---- Applier ---- */

/* How a saved data type maps onto the table (one per saved type). */
struct type_map {
	uint8_t keep;                 /* the table stores it with the same period */
	uint16_t nbelem;              /* elements to apply (min of both) */
};

/* Compares the saved definition <tb> with <t>'s, fills <map>, reports each
 * difference through <warn>. Returns 0, or -1 if the table must be skipped.
 */
static int map_types(const struct stkstate_table *tb, struct stktable *t, struct type_map *map,
                     stkstate_warn_fn warn, void *wctx)
{
	char msg[256];
	uint32_t k;

	if (tb->key_type != (uint32_t)t->def.type) {
		snprintf(msg, sizeof(msg), "table '%s': key type changed (%s saved, %s now): its %llu saved entries are dropped",
		         t->id, stktable_key_type_name((enum stktable_key_type)tb->key_type),
		         stktable_key_type_name(t->def.type), (unsigned long long)tb->count);
		warn(wctx, msg);
		return -1;
	}
	if (tb->key_size > t->key_size) {
		snprintf(msg, sizeof(msg), "table '%s': keys are shorter now (%u bytes, %u saved): longer keys are truncated",
		         t->id, t->key_size, tb->key_size);
		warn(wctx, msg);
	}
	if (t->def.expire && (!tb->expire || tb->expire > t->def.expire)) {
		snprintf(msg, sizeof(msg), "table '%s': expire is shorter now: remaining lifetimes are capped at %u ms",
		         t->id, t->def.expire);
		warn(wctx, msg);
	}
	for (k = 0; k < tb->ndt; k++) {
		uint32_t ty = tb->type[k];
		const char *name = stktable_data_types[ty].name;

		map[k].keep = 0;
		map[k].nbelem = 0;
		if (ty == STKTABLE_DT_CONN_CUR || !t->def.stored[ty]) {
			if (ty != STKTABLE_DT_CONN_CUR) {
				snprintf(msg, sizeof(msg), "table '%s': '%s' is no longer stored: its saved values are dropped", t->id, name);
				warn(wctx, msg);
			}
			continue;
		}
		if (stktable_data_types[ty].has_period && tb->period[k] != t->def.period[ty]) {
			snprintf(msg, sizeof(msg), "table '%s': the period of '%s' changed (%u ms saved, %u ms now): its saved values are dropped",
			         t->id, name, tb->period[k], t->def.period[ty]);
			warn(wctx, msg);
			continue;
		}
		map[k].keep = 1;
		map[k].nbelem = tb->nbelem[k];
		if (tb->nbelem[k] > t->def.nbelem[ty]) {
			map[k].nbelem = (uint16_t)t->def.nbelem[ty];
			snprintf(msg, sizeof(msg), "table '%s': '%s' has %u elements now (%u saved): the others are dropped",
			         t->id, name, t->def.nbelem[ty], tb->nbelem[k]);
			warn(wctx, msg);
		}
	}
	return 0;
}

/* Ages a saved rate (<c> current, <pv> previous, period started <age> ms
 * before the save) by <gap> ms, so that it reads as it would now.
 */
static void rate_age(uint32_t period, uint32_t *c, uint32_t *pv, uint64_t age)
{
	if (age >= 2ULL * period) {
		*c = *pv = 0;
	} else if (age >= period) {
		*pv = *c;
		*c = 0;
	}
}

/* Writes the saved data at <p> into <ts> as <mode> says. <gap>: ms since
 * the encoding.
 */
static void apply_data(const struct stkstate_table *tb, const struct type_map *map, struct stktable *t,
                       struct stksess *ts, const unsigned char *p, uint32_t gap, enum stkstate_mode mode)
{
	uint32_t k, e;

	for (k = 0; k < tb->ndt; k++) {
		int ty = tb->type[k];

		for (e = 0; e < tb->nbelem[k]; e++) {
			void *d = map[k].keep && e < map[k].nbelem ? stktable_data_ptr(t, ts, ty, e) : NULL;

			switch (stktable_data_types[ty].std_type) {
			case STKTABLE_STD_SINT:
			case STKTABLE_STD_UINT: {
				uint32_t v = stkstate_rd32(p);

				p += 4;
				if (!d)
					break;
				if (mode == STKSTATE_RESTORE)
					atomic_store_explicit((_Atomic uint32_t *)d, v, memory_order_relaxed);
				else if (ty == STKTABLE_DT_SERVER_ID || ty == STKTABLE_DT_GPT0 || ty == STKTABLE_DT_GPT)
					atomic_store_explicit((_Atomic uint32_t *)d, v, memory_order_relaxed);
				else
					atomic_fetch_add_explicit((_Atomic uint32_t *)d, v, memory_order_relaxed);
				break;
			}
			case STKTABLE_STD_ULL: {
				uint64_t v = stkstate_rd64(p);

				p += 8;
				if (!d)
					break;
				if (mode == STKSTATE_RESTORE)
					atomic_store_explicit((_Atomic uint64_t *)d, v, memory_order_relaxed);
				else
					atomic_fetch_add_explicit((_Atomic uint64_t *)d, v, memory_order_relaxed);
				break;
			}
			case STKTABLE_STD_FRQP: {
				uint32_t per = tb->period[k], c = stkstate_rd32(p), pv = stkstate_rd32(p + 4);
				uint64_t age = (uint64_t)stkstate_rd32(p + 8) + gap;

				p += 12;
				if (!d)
					break;
				rate_age(per, &c, &pv, age);
				age %= per;
				if (mode == STKSTATE_MERGE) {
					/* the larger of the two estimates: no double count */
					uint64_t mine = freq_ctr_read(d, per, now_ms);
					uint64_t theirs = c + (uint64_t)pv * (per - age) / per;

					if (theirs <= mine)
						break;
				}
				freq_ctr_set(d, c, pv, (uint32_t)age, now_ms);
				break;
			}
			case STKTABLE_STD_DICT: {
				uint16_t l = stkstate_rd16(p);

				if (d && l)
					atomic_store_explicit((_Atomic(const char *) *)d,
					                      stktable_dict_intern((const char *)p + 2, l),
					                      memory_order_release);
				p += 2 + l;
				break;
			}
			}
		}
	}
}

struct load_rec {
	const unsigned char *p;       /* the entry in the blob */
	uint32_t rem;                 /* remaining lifetime now */
};

static int rec_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct load_rec *)a)->rem, y = ((const struct load_rec *)b)->rem;

	return x < y ? -1 : x > y;
}

/* Applies the entries of table record <tb> to <t>. Returns the number
 * applied, or -ENOMEM.
 */
static long apply_table(const struct stkstate_table *tb, struct stktable *t, uint32_t gap,
                        enum stkstate_mode mode, stkstate_warn_fn warn, void *wctx)
{
	struct type_map map[STKTABLE_DATA_TYPES];
	const unsigned char *p = tb->entries, *end = tb->entries + tb->entries_len;
	struct load_rec *recs;
	uint64_t i, nrec = 0;
	long applied = 0, refused = 0;

	if (map_types(tb, t, map, warn, wctx) < 0)
		return 0;
	recs = malloc(sizeof(*recs) * (tb->count ? tb->count : 1));
	if (!recs)
		return -ENOMEM;
	for (i = 0; i < tb->count; i++) {
		uint32_t rem = stkstate_rd32(p + tb->key_size);
		size_t n = stktable_state_entry_len(tb, p, (size_t)(end - p));

		if (rem != STKSTATE_NEVER) {
			if (rem <= gap) {
				p += n;
				continue;
			}
			rem -= gap;
			if (t->def.expire && rem > t->def.expire && tb->expire != t->def.expire)
				rem = t->def.expire;
		}
		recs[nrec].p = p;
		recs[nrec].rem = rem;
		nrec++;
		p += n;
	}
	if (mode == STKSTATE_RESTORE)
		qsort(recs, nrec, sizeof(*recs), rec_cmp);
	for (i = 0; i < nrec; i++) {
		struct stktable_key key = { recs[i].p, tb->key_size };
		struct stksess *ts;
		uint32_t exp;
		int e;

		ts = stktable_get_or_create(t, &key, &e);
		if (!ts) {
			refused++;
			continue;
		}
		apply_data(tb, map, t, ts, recs[i].p + tb->key_size + 4, gap, mode);
		exp = stksess_expire(ts);
		if (mode == STKSTATE_RESTORE) {
			if (recs[i].rem != STKSTATE_NEVER)
				__stksess_set_remaining(t, ts, recs[i].rem);
			stktable_release(t, ts);
		} else if (recs[i].rem != STKSTATE_NEVER && tick_isset(exp) &&
		           recs[i].rem > tick_remain(now_ms, exp)) {
			/* touched later in the other process: a full life again */
			stktable_touch_remote(t, ts, 1);
		} else {
			stktable_release(t, ts);
		}
		applied++;
	}
	free(recs);
	if (refused) {
		char msg[192];

		snprintf(msg, sizeof(msg), "table '%s': full, %ld saved entries could not be restored", t->id, refused);
		warn(wctx, msg);
	}
	return applied;
}

long stktable_state_apply(const unsigned char *buf, size_t len, enum stkstate_mode mode,
                          struct stktable *(*find)(const char *name), stkstate_warn_fn warn,
                          void *wctx, char *err, size_t errlen)
{
	struct stkstate_reader rd;
	struct stkstate_table tb;
	int64_t saved, now_wall;
	uint32_t gap;
	long total = 0, ret;
	int r;

	ret = stktable_state_check(buf, len, err, errlen);
	if (ret < 0)
		return ret;
	stktable_state_open(buf, len, &rd, NULL, &saved, err, errlen);
	now_wall = stktable_state_wall_ms();
	gap = now_wall > saved ? (now_wall - saved > INT32_MAX ? INT32_MAX : (uint32_t)(now_wall - saved)) : 0;
	while ((r = stktable_state_next_table(&rd, &tb, err, errlen)) > 0) {
		char name[256], msg[384];
		struct stktable *t;

		memcpy(name, tb.name, tb.name_len);
		name[tb.name_len] = '\0';
		t = find(name);
		if (!t) {
			snprintf(msg, sizeof(msg), "table '%s' is not configured any more: its %llu saved entries are dropped",
			         name, (unsigned long long)tb.count);
			warn(wctx, msg);
			continue;
		}
		ret = apply_table(&tb, t, gap, mode, warn, wctx);
		if (ret < 0) {
			snprintf(err, errlen, "out of memory restoring table '%s'", name);
			return ret;
		}
		total += ret;
	}
	return total;
}
