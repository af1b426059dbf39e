/*
 * Stick counters. See stkctr.h.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include <tollgate/clock.h>
#include <tollgate/sample.h>
#include <tollgate/stkctr.h>

int stkctr_smp_to_key(const struct stktable *t, struct sample *smp, void *buf,
                      struct stktable_key *key)
{
	switch (t->def.type) {
	case STKTABLE_KEY_IP:
		if (smp->data.type == SMP_T_IPV6 &&
		    !sample_v6tov4((struct in_addr *)buf, &smp->data.u.ipv6))
			return 0;
		if (smp->data.type != SMP_T_IPV6) {
			if (!sample_cast(smp, SMP_T_IPV4))
				return 0;
			memcpy(buf, &smp->data.u.ipv4, 4);
		}
		key->ptr = buf;
		key->len = 4;
		return 1;
	case STKTABLE_KEY_IPV6:
		if (smp->data.type == SMP_T_IPV4) {
			sample_v4tov6((struct in6_addr *)buf, &smp->data.u.ipv4);
		} else {
			if (!sample_cast(smp, SMP_T_IPV6))
				return 0;
			memcpy(buf, &smp->data.u.ipv6, 16);
		}
		key->ptr = buf;
		key->len = 16;
		return 1;
	case STKTABLE_KEY_INTEGER: {
		uint32_t v;

		if (!sample_cast(smp, SMP_T_SINT))
			return 0;
		v = (uint32_t)smp->data.u.sint;
		memcpy(buf, &v, 4);
		key->ptr = buf;
		key->len = 4;
		return 1;
	}
	case STKTABLE_KEY_STRING:
		if (!sample_cast(smp, SMP_T_STR))
			return 0;
		key->ptr = smp->data.u.str.ptr;
		key->len = smp->data.u.str.len;
		return 1;
	case STKTABLE_KEY_BINARY:
		if (!sample_cast(smp, SMP_T_BIN))
			return 0;
		key->ptr = smp->data.u.str.ptr;
		key->len = smp->data.u.str.len;
		return 1;
	default:
		return 0;
	}
}

/* Adds <v> to the integer data <type> (any width) and to rate <rate_type>
 * of entry <ts>, when stored. Returns 1 if the entry stores either (its
 * data changed: the caller touches it), else 0.
 */
static int bump(struct stktable *t, struct stksess *ts, int type, int rate_type, uint32_t v)
{
	int changed = 0;
	void *p;

	if (type >= 0 && (p = stktable_data_ptr(t, ts, type, 0))) {
		if (stktable_data_types[type].std_type == STKTABLE_STD_ULL)
			atomic_fetch_add_explicit((_Atomic uint64_t *)p, v, memory_order_relaxed);
		else
			stktable_u32_add(p, v);
		changed = 1;
	}
	if (rate_type >= 0 && (p = stktable_data_ptr(t, ts, rate_type, 0))) {
		stktable_rate_add(t, p, rate_type, v, now_ms);
		changed = 1;
	}
	return changed;
}

int stkctr_track(struct stkctrs *sc, unsigned int idx, struct stktable *t,
                 const struct stktable_key *key, enum stkctr_owner owner)
{
	struct stksess *ts;
	int err = 0;

	if (idx >= GLOBAL_MAX_STICKCTR || (sc->tracked & (1U << idx)))
		return -EEXIST;
	ts = stktable_get_or_create(t, key, &err);
	if (!ts)
		return err ? err : -ENOMEM;
	sc->c[idx].table = t;
	sc->c[idx].entry = ts;
	sc->tracked |= 1U << idx;
	if (owner == STKCTR_OWN_TXN)
		sc->txn_owned |= 1U << idx;
	bump(t, ts, STKTABLE_DT_CONN_CNT, STKTABLE_DT_CONN_RATE, 1);
	bump(t, ts, STKTABLE_DT_CONN_CUR, -1, 1);
	if (sc->sess_counted && owner == STKCTR_OWN_SESS)
		bump(t, ts, STKTABLE_DT_SESS_CNT, STKTABLE_DT_SESS_RATE, 1);
	stktable_touch_local(t, ts, 0);
	return 0;
}

void stkctr_inherit(struct stkctrs *sc, const struct stkctrs *conn)
{
	unsigned int bits = conn->tracked & ~sc->tracked;

	for (unsigned int m = bits; m; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctz(m);

		sc->c[i] = conn->c[i];
		stksess_hold(sc->c[i].entry);   /* the connection holds one: never 0 here */
	}
	sc->tracked |= bits;
	sc->inherited |= bits;
}

void stkctr_session_start(struct stkctrs *sc)
{
	if (sc->sess_counted)
		return;
	sc->sess_counted = 1;
	for (unsigned int m = sc->tracked; m; m &= m - 1) {
		struct stkctr *c = &sc->c[__builtin_ctz(m)];

		if (bump(c->table, c->entry, STKTABLE_DT_SESS_CNT, STKTABLE_DT_SESS_RATE, 1))
			stktable_touch_local(c->table, c->entry, 0);
	}
}

/* Counters are touched (shard lock, move in the touch list, an update for
 * the peers) only when a stored datum changed, as HAProxy does: a table
 * storing no byte counter pays nothing per transfer.
 */
void stkctr_add_bytes(struct stkctrs *sc, uint64_t in, uint64_t out)
{
	for (unsigned int m = sc->tracked; m; m &= m - 1) {
		struct stkctr *c = &sc->c[__builtin_ctz(m)];
		int changed = 0;

		if (in)
			changed |= bump(c->table, c->entry, STKTABLE_DT_BYTES_IN_CNT,
			                STKTABLE_DT_BYTES_IN_RATE, (uint32_t)in);
		if (out)
			changed |= bump(c->table, c->entry, STKTABLE_DT_BYTES_OUT_CNT,
			                STKTABLE_DT_BYTES_OUT_RATE, (uint32_t)out);
		if (changed)
			stktable_touch_local(c->table, c->entry, 0);
	}
}

/* Adds <n> to <type>/<rate> on the tracked entries of <mask>. */
static void bump_all_n(struct stkctrs *sc, unsigned int mask, int type, int rate, uint32_t n)
{
	for (unsigned int m = sc->tracked & mask; m; m &= m - 1) {
		struct stkctr *c = &sc->c[__builtin_ctz(m)];

		if (bump(c->table, c->entry, type, rate, n))
			stktable_touch_local(c->table, c->entry, 0);
	}
}

/* Bumps <type>/<rate> on the tracked entries of <mask>. */
static void bump_all(struct stkctrs *sc, unsigned int mask, int type, int rate)
{
	bump_all_n(sc, mask, type, rate, 1);
}

void stkctr_http_req(struct stkctrs *sc, unsigned int mask)
{
	bump_all(sc, mask, STKTABLE_DT_HTTP_REQ_CNT, STKTABLE_DT_HTTP_REQ_RATE);
}

void stkctr_http_err(struct stkctrs *sc)
{
	bump_all(sc, ~0U, STKTABLE_DT_HTTP_ERR_CNT, STKTABLE_DT_HTTP_ERR_RATE);
}

void stkctr_http_fail(struct stkctrs *sc)
{
	bump_all(sc, ~0U, STKTABLE_DT_HTTP_FAIL_CNT, STKTABLE_DT_HTTP_FAIL_RATE);
}

void stkctr_glitch(struct stkctrs *sc, uint32_t n)
{
	bump_all_n(sc, ~0U, STKTABLE_DT_GLITCH_CNT, STKTABLE_DT_GLITCH_RATE, n);
}

void stkctr_legacy_map(const struct stktable *t, int *type, unsigned int *idx)
{
	int arr;
	unsigned int i;

	switch (*type) {
	case STKTABLE_DT_GPC0:      arr = STKTABLE_DT_GPC;      i = 0; break;
	case STKTABLE_DT_GPC1:      arr = STKTABLE_DT_GPC;      i = 1; break;
	case STKTABLE_DT_GPC0_RATE: arr = STKTABLE_DT_GPC_RATE; i = 0; break;
	case STKTABLE_DT_GPC1_RATE: arr = STKTABLE_DT_GPC_RATE; i = 1; break;
	case STKTABLE_DT_GPT0:      arr = STKTABLE_DT_GPT;      i = 0; break;
	default: return;
	}
	if (t->data_ofs[*type] || !t->data_ofs[arr] || i >= t->def.nbelem[arr])
		return;
	*type = arr;
	*idx = i;
}

int stkctr_inc_gpc(struct stkctr *c, int type, unsigned int idx, uint32_t n)
{
	int rate = type == STKTABLE_DT_GPC0 ? STKTABLE_DT_GPC0_RATE :
	           type == STKTABLE_DT_GPC1 ? STKTABLE_DT_GPC1_RATE : STKTABLE_DT_GPC_RATE;
	unsigned int ridx = type == STKTABLE_DT_GPC ? idx : 0;
	void *p, *r;

	if (!c->table)
		return -ENOENT;
	stkctr_legacy_map(c->table, &type, &idx);
	stkctr_legacy_map(c->table, &rate, &ridx);
	p = stktable_data_ptr(c->table, c->entry, type, idx);
	r = stktable_data_ptr(c->table, c->entry, rate, ridx);
	if (!p && !r)
		return -ENOENT;
	if (p)
		stktable_u32_add(p, n);
	if (r)
		stktable_rate_add(c->table, r, rate, n, now_ms);
	stktable_touch_local(c->table, c->entry, 0);
	return 0;
}

int stkctr_set_gpt(struct stkctr *c, int type, unsigned int idx, uint32_t v)
{
	if (c->table)
		stkctr_legacy_map(c->table, &type, &idx);
	if (!c->table || stktable_data_set(c->table, c->entry, type, idx, v) < 0)
		return -ENOENT;
	stktable_touch_local(c->table, c->entry, 0);
	return 0;
}

/* Ends the tracking of the counters of <mask>: conn_cur -1 (but for an
 * inherited one, the connection's), the entry's reference dropped (the
 * entry may be freed then, if it expired).
 */
static void release_mask(struct stkctrs *sc, unsigned int mask)
{
	for (unsigned int m = sc->tracked & mask; m; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctz(m);
		struct stkctr *c = &sc->c[i];

		if (!(sc->inherited & (1U << i)))
			stktable_data_add(c->table, c->entry, STKTABLE_DT_CONN_CUR, 0, -1);
		stktable_touch_local(c->table, c->entry, 1);
		c->table = NULL;
		c->entry = NULL;
	}
	sc->tracked &= ~mask;
	sc->txn_owned &= ~mask;
	sc->inherited &= ~mask;
}

void stkctr_release_txn(struct stkctrs *sc)
{
	release_mask(sc, sc->txn_owned);
}

void stkctr_release_all(struct stkctrs *sc)
{
	release_mask(sc, ~0U);
}
