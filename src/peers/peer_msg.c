/*
 * Peers protocol codec: varints, framing, and the decoders of table
 * definitions, switches, acks and updates. Pure functions (peer_msg.h).
 */
#include <string.h>
#include <arpa/inet.h>

#include <tollgate/peer_msg.h>
#include <tollgate/stktable.h>

_Static_assert(PEER_DATA_TYPES == STKTABLE_DATA_TYPES, "data type bits are HAProxy's enum order");

int peer_varint_encode(uint64_t v, unsigned char *out)
{
	int n = 0;

	if (v < 240) {
		out[0] = (unsigned char)v;
		return 1;
	}
	out[n++] = (unsigned char)v | 0xF0;
	v = (v - 240) >> 4;
	while (v >= 128) {
		out[n++] = (unsigned char)v | 0x80;
		v = (v - 128) >> 7;
	}
	out[n++] = (unsigned char)v;
	return n;
}

int peer_varint_decode(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	const unsigned char *c = *p;
	uint64_t r;
	int shift = 4;

	if (c >= end)
		return PEER_E_TRUNCATED;
	r = *c++;
	if (r >= 240) {
		do {
			if (c >= end)
				return PEER_E_TRUNCATED;
			if (shift > 60)
				return PEER_E_VARINT;
			r += (uint64_t)*c << shift;
			shift += 7;
		} while (*c++ >= 128);
	}
	*v = r;
	*p = c;
	return 0;
}

/* Returns 1 if <cls>/<type> is a message of protocol 2.1. */
static int known_type(uint8_t cls, uint8_t type)
{
	switch (cls) {
	case PEER_MSG_CLASS_CONTROL:
		return type <= PEER_MSG_CTRL_HEARTBEAT;
	case PEER_MSG_CLASS_ERROR:
		return type <= PEER_MSG_ERR_SIZELIMIT;
	case PEER_MSG_CLASS_STKTABLE:
		return type >= PEER_MSG_STKT_UPDATE && type <= PEER_MSG_STKT_INCUPDATE_TIMED;
	default:
		return 0;
	}
}

int peer_msg_frame(const unsigned char *buf, size_t len, struct peer_msg *m)
{
	const unsigned char *p, *end = buf + len;
	uint64_t plen;
	int ret;

	if (len < 2)
		return 0;
	m->cls = buf[0];
	m->type = buf[1];
	m->payload = NULL;
	m->len = 0;
	if (!known_type(m->cls, m->type))
		return PEER_E_UNKNOWN;
	if (m->type < 128)
		return 2;
	p = buf + 2;
	ret = peer_varint_decode(&p, end, &plen);
	if (ret == PEER_E_TRUNCATED)
		return 0;
	if (ret < 0)
		return ret;
	if (plen > PEER_MSG_MAXLEN)
		return PEER_E_TOOBIG;
	if ((size_t)(end - p) < plen)
		return 0;
	m->payload = p;
	m->len = (size_t)plen;
	return (int)(p - buf + plen);
}

int peer_dt_std(unsigned int dt, int *is_array)
{
	if (dt >= STKTABLE_DATA_TYPES)
		return -1;
	*is_array = stktable_data_types[dt].is_array;
	return stktable_data_types[dt].std_type;
}

int peer_key_type(const struct stktable_def *def, uint32_t *key_len)
{
	switch (def->type) {
	case STKTABLE_KEY_IP:
		*key_len = 4;
		return PEER_KT_IPV4;
	case STKTABLE_KEY_IPV6:
		*key_len = 16;
		return PEER_KT_IPV6;
	case STKTABLE_KEY_INTEGER:
		*key_len = 4;
		return PEER_KT_SINT;
	case STKTABLE_KEY_STRING:
		*key_len = def->key_len + 1;
		return PEER_KT_STR;
	default:
		*key_len = def->key_len;
		return PEER_KT_BIN;
	}
}

/* Reads a varint into <*v>, returning from the caller on error. */
#define GET_VARINT(p, end, v) do {                                   \
		int r_ = peer_varint_decode(&(p), (end), (v));           \
		if (r_ < 0)                                              \
			return r_;                                       \
	} while (0)

int peer_msg_parse_define(const unsigned char *p, size_t len, struct peer_def *d)
{
	const unsigned char *end = p + len;
	uint64_t v;

	memset(d, 0, sizeof(*d));
	GET_VARINT(p, end, &d->id);
	GET_VARINT(p, end, &v);
	if (!v || v > (uint64_t)(end - p))
		return PEER_E_TRUNCATED;
	d->name = p;
	d->name_len = (size_t)v;
	p += v;
	GET_VARINT(p, end, &d->key_type);
	GET_VARINT(p, end, &d->key_len);
	GET_VARINT(p, end, &d->data);
	for (unsigned int dt = 0; dt < PEER_DATA_TYPES; dt++)
		d->nbelem[dt] = 1;
	/* types of a newer protocol come last in updates: their values are
	 * left unread, as HAProxy does
	 */
	d->data &= (1ULL << PEER_DATA_TYPES) - 1;
	if (p == end) {
		/* old senders: no parameters, so no arrays */
		for (unsigned int dt = 0; dt < PEER_DATA_TYPES; dt++) {
			int arr;

			if ((d->data >> dt & 1) && peer_dt_std(dt, &arr) >= 0 && arr)
				return PEER_E_BADDEF;
		}
		return 0;
	}
	GET_VARINT(p, end, &d->expire);
	d->has_params = 1;
	for (unsigned int dt = 0; dt < PEER_DATA_TYPES; dt++) {
		int arr, std;

		if (!(d->data >> dt & 1))
			continue;
		std = peer_dt_std(dt, &arr);
		if (!arr && std != STKTABLE_STD_FRQP)
			continue;
		GET_VARINT(p, end, &v);
		if (v != dt)
			return PEER_E_BADDEF;
		if (arr) {
			GET_VARINT(p, end, &v);
			if (!v || v > PEER_MAX_NBELEM)
				return PEER_E_BADDEF;
			d->nbelem[dt] = (uint32_t)v;
		}
		if (std == STKTABLE_STD_FRQP) {
			GET_VARINT(p, end, &v);
			d->period[dt] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		}
	}
	return 0;       /* parameters of newer types may follow */
}

int peer_msg_parse_switch(const unsigned char *p, size_t len, uint64_t *table_id)
{
	const unsigned char *end = p + len;

	GET_VARINT(p, end, table_id);
	return 0;
}

int peer_msg_parse_ack(const unsigned char *p, size_t len, uint64_t *table_id, uint32_t *upd)
{
	const unsigned char *end = p + len;
	uint32_t n;

	GET_VARINT(p, end, table_id);
	if (end - p < 4)
		return PEER_E_TRUNCATED;
	memcpy(&n, p, 4);
	*upd = ntohl(n);
	return 0;
}

/* Reads a 32-bit network-order integer at <*p>. */
static int get_u32(const unsigned char **p, const unsigned char *end, uint32_t *v)
{
	uint32_t n;

	if (end - *p < 4)
		return PEER_E_TRUNCATED;
	memcpy(&n, *p, 4);
	*v = ntohl(n);
	*p += 4;
	return 0;
}

int peer_msg_parse_update(const unsigned char *p, size_t len, int type,
                          const struct peer_updfmt *f, struct peer_update *u)
{
	const unsigned char *end = p + len;
	uint64_t v;
	int ret;

	u->has_id = type == PEER_MSG_STKT_UPDATE || type == PEER_MSG_STKT_UPDATE_TIMED;
	u->has_expire = type == PEER_MSG_STKT_UPDATE_TIMED || type == PEER_MSG_STKT_INCUPDATE_TIMED;
	u->nvals = 0;
	u->dict_present = 0;
	if (u->has_id && (ret = get_u32(&p, end, &u->id)) < 0)
		return ret;
	if (u->has_expire && (ret = get_u32(&p, end, &u->expire)) < 0)
		return ret;
	if (f->key_type == PEER_KT_STR) {
		GET_VARINT(p, end, &v);
		if (v > (uint64_t)(end - p))
			return PEER_E_TRUNCATED;
		u->key = p;
		u->key_len = (size_t)v;
		p += v;
	} else {
		if ((size_t)(end - p) < f->key_len)
			return PEER_E_TRUNCATED;
		u->key = p;
		u->key_len = f->key_len;
		p += f->key_len;
	}
	for (unsigned int dt = 0; dt < PEER_DATA_TYPES; dt++) {
		int arr, std;

		if (!(f->data >> dt & 1))
			continue;
		std = peer_dt_std(dt, &arr);
		if (std < 0)
			return PEER_E_BADDEF;
		if (std == STKTABLE_STD_DICT) {
			const unsigned char *dend;

			GET_VARINT(p, end, &v);
			if (!v)
				continue;       /* no entry */
			if (v > (uint64_t)(end - p))
				return PEER_E_TRUNCATED;
			dend = p + v;
			GET_VARINT(p, dend, &u->dict_id);
			if (!u->dict_id)
				return PEER_E_BADDEF;
			u->dict_present = 1;
			if (p < dend) {
				GET_VARINT(p, dend, &v);
				if (v != (uint64_t)(dend - p))
					return PEER_E_TRUNCATED;
				u->dict_val = p;
				u->dict_len = (size_t)v;
				u->dict_present = 2;
			}
			p = dend;
			continue;
		}
		for (uint32_t i = 0; i < (arr ? f->nbelem[dt] : 1); i++) {
			int nv = std == STKTABLE_STD_FRQP ? 3 : 1;

			if (u->nvals + nv > PEER_MAX_VALUES)
				return PEER_E_BADDEF;
			for (int k = 0; k < nv; k++)
				GET_VARINT(p, end, &u->vals[u->nvals++]);
		}
	}
	return 0;       /* values of types of a newer protocol may follow */
}
