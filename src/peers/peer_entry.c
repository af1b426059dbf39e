/*
 * Peers: the entries of a table on the wire, both ways (src/peers/
 * peer_entry.c): table definitions and updates encoded from the table,
 * updates applied to it, and a key's shard. Thread 0 (the peers' thread),
 * with the protocol in doc/internals/peers.md.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <tollgate/clock.h>
#include <tollgate/freq_ctr.h>
#include <tollgate/hash.h>
#include <tollgate/peer_entry.h>
#include <tollgate/peer_msg.h>
#include <tollgate/peers.h>
#include <tollgate/stktable.h>
#include <tollgate/ticks.h>

/* Encodes the table definition of <pt> into <out>. Returns its length. */
size_t peer_encode_define(const struct peer_table *pt, unsigned char *out)
{
	const struct stktable *t = pt->t;
	unsigned char params[STKTABLE_DATA_TYPES * 3 * PEER_VARINT_MAX];
	size_t n = 0, np = 0, nlen = strlen(pt->nid);
	uint64_t data = 0;
	uint32_t klen;
	int kt = peer_key_type(&t->def, &klen);

	for (unsigned int dt = 0; dt < STKTABLE_DATA_TYPES; dt++) {
		int arr = stktable_data_types[dt].is_array;
		int frqp = stktable_data_types[dt].std_type == STKTABLE_STD_FRQP;

		if (!t->def.stored[dt])
			continue;
		data |= 1ULL << dt;
		if (arr || frqp)
			np += (size_t)peer_varint_encode(dt, params + np);
		if (arr)
			np += (size_t)peer_varint_encode(t->def.nbelem[dt], params + np);
		if (frqp)
			np += (size_t)peer_varint_encode(t->def.period[dt], params + np);
	}
	n += (size_t)peer_varint_encode(pt->local_id, out + n);
	n += (size_t)peer_varint_encode(nlen, out + n);
	memcpy(out + n, pt->nid, nlen);
	n += nlen;
	n += (size_t)peer_varint_encode((uint64_t)kt, out + n);
	n += (size_t)peer_varint_encode(klen, out + n);
	n += (size_t)peer_varint_encode(data, out + n);
	n += (size_t)peer_varint_encode(t->def.expire, out + n);
	memcpy(out + n, params, np);
	return n + np;
}

/* Returns the cache id (1..PEER_DICT_CACHE) of dictionary value <s> on
 * the link with <p>, and in <*known> whether the peer has it already;
 * else the value takes the next id round robin (the one it held is
 * forgotten), as HAProxy's sender does.
 */
static unsigned int dict_tx_id(struct peer *p, const char *s, int *known)
{
	for (unsigned int i = 0; i < PEER_DICT_CACHE; i++) {
		if (p->tx_dict[i] == s) {
			*known = 1;
			return i + 1;
		}
	}
	*known = 0;
	p->tx_dict_next = (p->tx_dict_next + 1) % PEER_DICT_CACHE;
	p->tx_dict[p->tx_dict_next] = s;
	return p->tx_dict_next + 1;
}

/* Encodes the key and data of <ts> into <out> (room: PEER_MSG_MAXLEN) for
 * <p> (its dictionary cache). Returns the length, or 0 if it does not fit.
 * Shard lock held.
 */
size_t peer_encode_entry(struct peer *pr, struct stktable *t, struct stksess *ts, unsigned char *out)
{
	const unsigned char *end = out + PEER_MSG_MAXLEN - PEER_VARINT_MAX * 3;
	unsigned char *p = out;

	switch (t->def.type) {
	case STKTABLE_KEY_STRING: {
		size_t l = strnlen((const char *)ts->key, t->def.key_len);

		p += peer_varint_encode(l, p);
		memcpy(p, ts->key, l);
		p += l;
		break;
	}
	case STKTABLE_KEY_INTEGER: {
		uint32_t v;

		memcpy(&v, ts->key, 4);
		v = htonl(v);
		memcpy(p, &v, 4);
		p += 4;
		break;
	}
	default: {
		uint32_t klen;

		peer_key_type(&t->def, &klen);
		memcpy(p, ts->key, klen);
		p += klen;
		break;
	}
	}
	for (unsigned int dt = 0; dt < STKTABLE_DATA_TYPES; dt++) {
		int std = stktable_data_types[dt].std_type;

		if (!t->def.stored[dt])
			continue;
		for (unsigned int i = 0; i < t->def.nbelem[dt]; i++) {
			uint64_t v = 0;

			if (p >= end)
				return 0;
			if (std == STKTABLE_STD_FRQP) {
				uint32_t curr, prev, age;

				freq_ctr_snapshot(stktable_data_ptr(t, ts, (int)dt, i), t->def.period[dt], now_ms,
				                  &curr, &prev, &age);
				p += peer_varint_encode(age, p);
				p += peer_varint_encode(curr, p);
				p += peer_varint_encode(prev, p);
				continue;
			}
			stktable_data_get(t, ts, (int)dt, i, &v);
			if (std == STKTABLE_STD_SINT) {
				v = (uint64_t)(int64_t)(int32_t)(uint32_t)v;
			} else if (std == STKTABLE_STD_DICT) {
				const char *s = (const char *)(uintptr_t)v;   /* interned: one pointer per value */
				size_t l = s ? strlen(s) : 0;
				unsigned char tmp[2 * PEER_VARINT_MAX];
				unsigned int id;
				int h, known;

				if (!s || p + l + 3 * PEER_VARINT_MAX >= end) {
					p += peer_varint_encode(0, p);
					continue;
				}
				id = dict_tx_id(pr, s, &known);
				h = peer_varint_encode(id, tmp);
				if (known) {                               /* the id alone */
					p += peer_varint_encode((uint64_t)h, p);
					memcpy(p, tmp, (size_t)h);
					p += h;
					continue;
				}
				h += peer_varint_encode(l, tmp + h);       /* the id, then the value */
				p += peer_varint_encode((uint64_t)h + l, p);
				memcpy(p, tmp, (size_t)h);
				p += h;
				memcpy(p, s, l);
				p += l;
				continue;
			}
			p += peer_varint_encode(v, p);
		}
	}
	return (size_t)(p - out);
}

/* Returns the shard of the key of <ts> in <pt>'s table among <shards>
 * (1..shards), as HAProxy computes it: XXH64 of the key (a string without
 * its padding, an integer in host order, other types at their full
 * length) seeded with the table's name.
 */
/* The shard of <ts>'s key in <t> among <shards>, hashed with <seed>. */
static unsigned int key_shard(const struct stktable *t, uint64_t seed, const struct stksess *ts, unsigned int shards)
{
	uint32_t klen;

	if (t->def.type == STKTABLE_KEY_STRING)
		klen = (uint32_t)strnlen((const char *)ts->key, t->def.key_len);
	else
		peer_key_type(&t->def, &klen);
	return (unsigned int)(hash_xxh64(ts->key, klen, seed) % shards) + 1;
}

unsigned int peer_key_shard(const struct peer_table *pt, const struct stksess *ts, unsigned int shards)
{
	return key_shard(pt->t, pt->hash_seed, ts, shards);
}

unsigned int peers_entry_shard(const struct stktable *t, const struct stksess *ts)
{
	const struct peers *ps = t->def.peers[0] ? peers_find(t->def.peers) : NULL;

	if (!ps || !ps->shards)
		return 0;
	return key_shard(t, hash_xxh64(t->id, strlen(t->id), 0), ts, ps->shards);
}

/* Sets rate <ctr> of <period> to what a peer sent: the counts of a period
 * that started <age> ms ago.
 */
static void apply_rate(void *ctr, uint32_t period, uint64_t age, uint64_t curr, uint64_t prev)
{
	/* the sender computes (now - period start) on 32 bits: a start a few
	 * ms ahead of its thread's clock (HAProxy's threads' clocks differ)
	 * comes as a huge age, which is a negative one
	 */
	if ((int32_t)(uint32_t)age < 0 || age > UINT32_MAX)
		age = 0;
	if (!period)
		period = 1;
	for (int i = 0; i < 2 && age >= period; i++) {
		prev = i ? 0 : curr;
		curr = 0;
		age -= period;
	}
	if (age >= period)
		age = 0, curr = prev = 0;
	freq_ctr_set(ctr, curr > UINT32_MAX ? UINT32_MAX : (uint32_t)curr,
	             prev > UINT32_MAX ? UINT32_MAX : (uint32_t)prev, (uint32_t)age, now_ms);
}

/* Applies update <u> from <p> to the table of <pt>. */
void peer_apply_update(struct peer *p, struct peer_table *pt, const struct peer_update *u)
{
	struct stktable *t = pt->t;
	struct stktable_key k = { u->key, u->key_len };
	struct stksess *ts;
	uint32_t ikey, vi = 0;

	if (t->def.type == STKTABLE_KEY_INTEGER) {
		memcpy(&ikey, u->key, 4);
		ikey = ntohl(ikey);
		k.ptr = &ikey;
		k.len = 4;
	}
	ts = stktable_get_or_create(t, &k, NULL);
	if (!ts)
		return;         /* table full: counted by the table */
	for (unsigned int dt = 0; dt < STKTABLE_DATA_TYPES; dt++) {
		int std = stktable_data_types[dt].std_type;
		uint32_t nb = stktable_data_types[dt].is_array ? pt->remote_nbelem[dt] : 1;
		int apply = t->def.stored[dt] && dt != STKTABLE_DT_CONN_CUR;   /* conn_cur stays local */

		if (!(pt->remote_data >> dt & 1))
			continue;
		if (std == STKTABLE_STD_DICT) {
			const char *s = NULL;

			if (u->dict_present && u->dict_id <= PEER_DICT_CACHE) {
				if (u->dict_present == 2)
					p->rx_dict[u->dict_id - 1] = stktable_dict_intern((const char *)u->dict_val, u->dict_len);
				s = p->rx_dict[u->dict_id - 1];
			}
			if (apply && s)
				stktable_data_set(t, ts, (int)dt, 0, (uint64_t)(uintptr_t)s);
			continue;
		}
		for (uint32_t i = 0; i < nb; i++) {
			if (std == STKTABLE_STD_FRQP) {
				void *ptr = apply ? stktable_data_ptr(t, ts, (int)dt, i) : NULL;

				if (ptr)
					apply_rate(ptr, t->def.period[dt], u->vals[vi], u->vals[vi + 1], u->vals[vi + 2]);
				vi += 3;
				continue;
			}
			if (apply)
				stktable_data_set(t, ts, (int)dt, i, u->vals[vi]);
			vi++;
		}
	}
	if (u->has_expire) {
		stktable_touch_remote_exp(t, ts, u->expire, 1);   /* the remaining lifetime, as sent */
	} else {
		stktable_touch_remote(t, ts, 1);
	}
	pt->rx_updates++;
}
