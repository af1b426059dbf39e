/*
 * MQTT packet checks and field extraction. See mqtt.h.
 *
 * A packet is a fixed header (type and flags, then the remaining length
 * as a variable byte integer of at most 4 bytes) and <remaining length>
 * bytes that must be consumed exactly. Strings and binary data are a
 * 2-byte big-endian length and the bytes; MQTT 5.0 properties are a
 * variable byte length and (id, value) pairs, each id at most once except
 * User Property. The rules are HAProxy's (src/mqtt.c), see
 * doc/configuration.md for the few differences.
 */
#include <string.h>
#include <strings.h>

#include <tollgate/mqtt.h>

#define MQTT_V3_1          3
#define MQTT_V3_1_1        4
#define MQTT_V5            5

#define MQTT_FL_RESERVED   0x01      /* CONNECT flags */
#define MQTT_FL_WILL       0x04
#define MQTT_FL_WILL_QOS   0x18
#define MQTT_FL_WILL_RET   0x20
#define MQTT_FL_PASSWORD   0x40
#define MQTT_FL_USERNAME   0x80

#define MQTT_NPROPS        43        /* property ids 0..42 */
#define MQTT_PROP_USER     38        /* User Property: a name/value pair, repeatable */

#define BIT(n)             (1ULL << (n))

/* Properties allowed in each place (bit = id). */
#define PROPS_CONNECT (BIT(17) | BIT(33) | BIT(39) | BIT(34) | BIT(25) | BIT(23) | BIT(38) | BIT(21) | BIT(22))
#define PROPS_WILL    (BIT(24) | BIT(1) | BIT(2) | BIT(3) | BIT(8) | BIT(9) | BIT(38))
#define PROPS_CONNACK (BIT(17) | BIT(33) | BIT(36) | BIT(37) | BIT(39) | BIT(18) | BIT(34) | BIT(31) | BIT(40) | \
                       BIT(41) | BIT(42) | BIT(19) | BIT(26) | BIT(28) | BIT(38) | BIT(21) | BIT(22))

/* How a property's value is written and checked. */
enum prop_kind {
	PK_NONE = 0,                 /* not a property HAProxy knows */
	PK_BOOL,                     /* one byte, 0 or 1 */
	PK_U16,                      /* two bytes */
	PK_U16_NZ,                   /* two bytes, not 0 */
	PK_U32,                      /* four bytes */
	PK_U32_NZ,                   /* four bytes, not 0 */
	PK_STR,                      /* a string or binary data */
	PK_STR_NZ,                   /* a string, not empty */
	PK_PAIR,                     /* two strings */
};

static const unsigned char prop_kind[MQTT_NPROPS] = {
	[1] = PK_BOOL, [2] = PK_U32, [3] = PK_STR, [8] = PK_STR, [9] = PK_STR,
	[17] = PK_U32, [18] = PK_STR_NZ, [19] = PK_U16, [21] = PK_STR, [22] = PK_STR,
	[23] = PK_BOOL, [24] = PK_U32, [25] = PK_BOOL, [26] = PK_STR, [28] = PK_STR,
	[31] = PK_STR, [33] = PK_U16_NZ, [34] = PK_U16, [36] = PK_BOOL, [37] = PK_BOOL,
	[38] = PK_PAIR, [39] = PK_U32_NZ, [40] = PK_BOOL, [41] = PK_BOOL, [42] = PK_BOOL,
};

/* The flags each packet type must carry in its first byte (HAProxy's). */
static const unsigned char cpt_flags[MQTT_CPT_MAX + 1] = {
	[3] = 0x0F, [6] = 0x02, [8] = 0x02, [10] = 0x02,
};

struct mqtt_str {
	const unsigned char *p;
	size_t len;
};

/* What a valid CONNECT or CONNACK holds. */
struct mqtt_pkt {
	int type;
	uint8_t version;             /* CONNACK: 4 without properties, else 5 */
	uint8_t flags;
	uint8_t reason;              /* CONNACK */
	uint16_t keepalive;          /* CONNECT */
	struct mqtt_str proto, client_id, will_topic, will_payload, user, pass;
	uint32_t num[MQTT_NPROPS];   /* numeric properties (0 when absent) */
	struct mqtt_str str[MQTT_NPROPS]; /* string properties */
};

/* A read position: never past <end>. */
struct cur {
	const unsigned char *p;
	const unsigned char *end;
};

static int rd_u8(struct cur *c, uint8_t *v)
{
	if (c->end - c->p < 1)
		return -1;
	*v = *c->p++;
	return 0;
}

static int rd_u16(struct cur *c, uint16_t *v)
{
	if (c->end - c->p < 2)
		return -1;
	*v = (uint16_t)((c->p[0] << 8) | c->p[1]);
	c->p += 2;
	return 0;
}

static int rd_u32(struct cur *c, uint32_t *v)
{
	if (c->end - c->p < 4)
		return -1;
	*v = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) | ((uint32_t)c->p[2] << 8) | c->p[3];
	c->p += 4;
	return 0;
}

static int rd_str(struct cur *c, struct mqtt_str *s)
{
	uint16_t n;

	if (rd_u16(c, &n) < 0 || c->end - c->p < n)
		return -1;
	s->p = c->p;
	s->len = n;
	c->p += n;
	return 0;
}

/* A variable byte integer (1 to 4 bytes): 1 read, 0 the bytes end before
 * its last byte, -1 longer than 4 bytes.
 */
static int rd_varint(struct cur *c, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		if (c->p >= c->end)
			return 0;
		*v |= (uint32_t)(*c->p & 0x7F) << (7 * i);
		if (!(*c->p++ & 0x80))
			return 1;
	}
	return -1;
}

/* Reads a property list allowed to hold the ids of <allowed> into <m>.
 * Returns 0, or -1 if it is malformed.
 */
static int rd_props(struct cur *c, uint64_t allowed, struct mqtt_pkt *m)
{
	struct mqtt_str name, val;
	uint64_t seen = 0;
	uint32_t plen;
	struct cur pc;

	if (rd_varint(c, &plen) != 1 || (size_t)(c->end - c->p) < plen)
		return -1;
	pc.p = c->p;
	pc.end = c->p + plen;
	c->p = pc.end;
	while (pc.p < pc.end) {
		uint8_t id = *pc.p++, b = 0;
		uint16_t h = 0;
		int r = 0;

		if (id >= MQTT_NPROPS || !(allowed & BIT(id)) || ((seen & BIT(id)) && id != MQTT_PROP_USER))
			return -1;
		seen |= BIT(id);
		switch (prop_kind[id]) {
		case PK_BOOL:
			r = rd_u8(&pc, &b);
			m->num[id] = b;
			r = r < 0 || b > 1 ? -1 : 0;
			break;
		case PK_U16:
		case PK_U16_NZ:
			r = rd_u16(&pc, &h);
			m->num[id] = h;
			r = r < 0 || (prop_kind[id] == PK_U16_NZ && !h) ? -1 : 0;
			break;
		case PK_U32:
		case PK_U32_NZ:
			r = rd_u32(&pc, &m->num[id]);
			r = r < 0 || (prop_kind[id] == PK_U32_NZ && !m->num[id]) ? -1 : 0;
			break;
		case PK_STR:
		case PK_STR_NZ:
			r = rd_str(&pc, &m->str[id]);
			r = r < 0 || (prop_kind[id] == PK_STR_NZ && !m->str[id].len) ? -1 : 0;
			break;
		case PK_PAIR:
			r = rd_str(&pc, &name) < 0 || rd_str(&pc, &val) < 0 ? -1 : 0;
			break;
		default:
			return -1;
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

static int str_ieq(const struct mqtt_str *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->len == n && !strncasecmp((const char *)s->p, lit, n);
}

/* The variable header and payload of a CONNECT: 1 valid, -1 not. */
static int parse_connect(struct cur *c, struct mqtt_pkt *m)
{
	if (rd_str(c, &m->proto) < 0 || !(str_ieq(&m->proto, "MQTT") || str_ieq(&m->proto, "MQIsdp")))
		return -1;
	if (rd_u8(c, &m->version) < 0 ||
	    (m->version != MQTT_V3_1 && m->version != MQTT_V3_1_1 && m->version != MQTT_V5))
		return -1;
	if (rd_u8(c, &m->flags) < 0 || (m->flags & MQTT_FL_RESERVED))
		return -1;
	/* HAProxy's check: Will QoS without Will (nor Will Retain) */
	if ((m->flags & (MQTT_FL_WILL | MQTT_FL_WILL_QOS | MQTT_FL_WILL_RET)) == MQTT_FL_WILL_QOS)
		return -1;
	if (rd_u16(c, &m->keepalive) < 0)
		return -1;
	if (m->version == MQTT_V5 && rd_props(c, PROPS_CONNECT, m) < 0)
		return -1;
	if (!m->str[21].len && m->str[22].len)        /* authentication data without a method */
		return -1;
	if (rd_str(c, &m->client_id) < 0)
		return -1;
	if (m->version == MQTT_V5 && (m->flags & MQTT_FL_WILL) && rd_props(c, PROPS_WILL, m) < 0)
		return -1;
	if ((m->flags & MQTT_FL_WILL) && (rd_str(c, &m->will_topic) < 0 || rd_str(c, &m->will_payload) < 0))
		return -1;
	if ((m->flags & MQTT_FL_USERNAME) && rd_str(c, &m->user) < 0)
		return -1;
	if ((m->flags & MQTT_FL_PASSWORD) && rd_str(c, &m->pass) < 0)
		return -1;
	return c->p == c->end ? 1 : -1;
}

/* The variable header of a CONNACK: 1 valid, -1 not. Two bytes are MQTT
 * 3.1.1's; more is 5.0 with properties.
 */
static int parse_connack(struct cur *c, struct mqtt_pkt *m)
{
	m->version = c->end - c->p == 2 ? MQTT_V3_1_1 : MQTT_V5;
	if (rd_u8(c, &m->flags) < 0 || (m->flags & 0xFE) || rd_u8(c, &m->reason) < 0)
		return -1;
	if (m->version == MQTT_V5 && rd_props(c, PROPS_CONNACK, m) < 0)
		return -1;
	return c->p == c->end ? 1 : -1;
}

/* Parses the packet at <p> into <m>: 1 valid, 0 incomplete, -1 invalid. */
static int mqtt_parse(const unsigned char *p, size_t len, struct mqtt_pkt *m)
{
	struct cur c = { p + 1, p + len };
	uint32_t rem;
	int r;

	memset(m, 0, sizeof(*m));
	if (len < 2)
		return 0;
	m->type = p[0] >> 4;
	if (!m->type || (p[0] & 0x0F) != cpt_flags[m->type])
		return -1;
	r = rd_varint(&c, &rem);
	if (r <= 0)
		return r;
	if ((size_t)(c.end - c.p) < rem)
		return 0;
	c.end = c.p + rem;
	if (m->type == MQTT_CPT_CONNECT)
		return parse_connect(&c, m);
	if (m->type == MQTT_CPT_CONNACK)
		return parse_connack(&c, m);
	return -1;
}

int mqtt_validate(const unsigned char *p, size_t len)
{
	struct mqtt_pkt m;

	return mqtt_parse(p, len, &m);
}

/* Sets the answer of mqtt_field() to string <s>: -1 when it is empty. */
static int give_str(const struct mqtt_str *s, const unsigned char **v, size_t *vlen)
{
	if (!s->len)
		return -1;
	*v = s->p;
	*vlen = s->len;
	return 1;
}

static int give_num(uint32_t n, const unsigned char **v, uint32_t *num)
{
	*v = NULL;
	*num = n;
	return 1;
}

/* A property of packet <m>: numbers are given even when absent (0), as
 * HAProxy; User Property is never given.
 */
static int give_prop(const struct mqtt_pkt *m, int id, const unsigned char **v, size_t *vlen, uint32_t *num)
{
	switch (prop_kind[id]) {
	case PK_STR:
	case PK_STR_NZ:
		return give_str(&m->str[id], v, vlen);
	case PK_NONE:
	case PK_PAIR:
		return -1;
	default:
		return give_num(m->num[id], v, num);
	}
}

int mqtt_field(const unsigned char *p, size_t len, int type, int fn, const unsigned char **v, size_t *vlen,
               uint32_t *num)
{
	struct mqtt_pkt m;
	int r = mqtt_parse(p, len, &m);

	if (r <= 0)
		return r;
	if (m.type != type)
		return -1;
	switch (fn) {
	case MQTT_FN_FLAGS:
		return give_num(m.flags, v, num);
	case MQTT_FN_PROTOCOL_VERSION:
		return give_num(m.version, v, num);
	case MQTT_FN_REASON_CODE:
		return type == MQTT_CPT_CONNACK ? give_num(m.reason, v, num) : -1;
	case MQTT_FN_KEEPALIVE:
		return type == MQTT_CPT_CONNECT ? give_num(m.keepalive, v, num) : -1;
	case MQTT_FN_PROTOCOL_NAME:
		return give_str(&m.proto, v, vlen);
	case MQTT_FN_CLIENT_IDENTIFIER:
		return give_str(&m.client_id, v, vlen);
	case MQTT_FN_WILL_TOPIC:
		return give_str(&m.will_topic, v, vlen);
	case MQTT_FN_WILL_PAYLOAD:
		return give_str(&m.will_payload, v, vlen);
	case MQTT_FN_USERNAME:
		return give_str(&m.user, v, vlen);
	case MQTT_FN_PASSWORD:
		return give_str(&m.pass, v, vlen);
	}
	if (fn <= 0 || fn >= MQTT_NPROPS || m.version != MQTT_V5)
		return -1;
	if (type == MQTT_CPT_CONNECT) {
		uint64_t own = (m.flags & MQTT_FL_WILL) ? PROPS_CONNECT | PROPS_WILL : PROPS_CONNECT;

		return own & BIT(fn) ? give_prop(&m, fn, v, vlen, num) : -1;
	}
	return PROPS_CONNACK & BIT(fn) ? give_prop(&m, fn, v, vlen, num) : -1;
}

/* ---- names, for the configuration ---- */

static const char *const cpt_names[MQTT_CPT_MAX + 1] = {
	NULL, "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE",
	"SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
};

int mqtt_type_id(const char *name, size_t len)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < len && name[i] >= '0' && name[i] <= '9'; i++)
		n = n < 1000 ? n * 10 + (unsigned int)(name[i] - '0') : n;
	if (i && i == len)
		return n >= 1 && n <= MQTT_CPT_MAX ? (int)n : 0;
	for (int t = 1; t <= MQTT_CPT_MAX; t++)
		if (strlen(cpt_names[t]) == len && !strncasecmp(cpt_names[t], name, len))
			return t;
	return 0;
}

#define F(fn) BIT((fn) - MQTT_FN_FLAGS)   /* named fields, in the high mask */

/* Fields HAProxy accepts per packet type: properties (bit = id) and named
 * fields.
 */
static const struct {
	uint64_t props;
	uint64_t named;
} type_fields[MQTT_CPT_MAX + 1] = {
	[1] = { PROPS_CONNECT | PROPS_WILL,
		F(MQTT_FN_PROTOCOL_NAME) | F(MQTT_FN_PROTOCOL_VERSION) | F(MQTT_FN_FLAGS) | F(MQTT_FN_KEEPALIVE) |
		F(MQTT_FN_CLIENT_IDENTIFIER) | F(MQTT_FN_WILL_TOPIC) | F(MQTT_FN_WILL_PAYLOAD) |
		F(MQTT_FN_USERNAME) | F(MQTT_FN_PASSWORD) },
	[2] = { PROPS_CONNACK, F(MQTT_FN_FLAGS) | F(MQTT_FN_PROTOCOL_VERSION) | F(MQTT_FN_REASON_CODE) },
	[3] = { BIT(1) | BIT(2) | BIT(3) | BIT(8) | BIT(9) | BIT(11) | BIT(35) | BIT(38), 0 },
	[4] = { BIT(31) | BIT(38), F(MQTT_FN_REASON_CODE) },
	[5] = { BIT(31) | BIT(38), F(MQTT_FN_REASON_CODE) },
	[6] = { BIT(31) | BIT(38), F(MQTT_FN_REASON_CODE) },
	[7] = { BIT(31) | BIT(38), F(MQTT_FN_REASON_CODE) },
	[8] = { BIT(11) | BIT(38), 0 },
	[9] = { BIT(31) | BIT(38), 0 },
	[10] = { BIT(38), 0 },
	[11] = { BIT(31) | BIT(38), 0 },
	[14] = { BIT(17) | BIT(28) | BIT(31) | BIT(38), F(MQTT_FN_REASON_CODE) },
	[15] = { BIT(21) | BIT(22) | BIT(31) | BIT(38), 0 },
};

static const char *const fn_names[] = {
	"flags", "reason_code", "protocol_name", "protocol_version", "client_identifier",
	"will_topic", "will_payload", "username", "password", "keepalive",
};

/* Property ids that have a name in HAProxy's table (written in decimal). */
#define PROPS_NAMED (PROPS_CONNECT | PROPS_WILL | PROPS_CONNACK | BIT(11) | BIT(35))

int mqtt_field_id(int type, const char *name, size_t len)
{
	unsigned int n = 0;
	size_t i;

	if (type < 1 || type > MQTT_CPT_MAX)
		return 0;
	for (size_t k = 0; k < sizeof(fn_names) / sizeof(fn_names[0]); k++)
		if (strlen(fn_names[k]) == len && !strncasecmp(fn_names[k], name, len))
			return type_fields[type].named & BIT(k) ? MQTT_FN_FLAGS + (int)k : 0;
	/* a property id: decimal, no leading zero (as the names "1".."42") */
	for (i = 0; i < len && i < 2 && name[i] >= '0' && name[i] <= '9'; i++)
		n = n * 10 + (unsigned int)(name[i] - '0');
	if (!i || i != len || name[0] == '0' || n >= MQTT_NPROPS || !(PROPS_NAMED & BIT(n)))
		return 0;
	return type_fields[type].props & BIT(n) ? (int)n : 0;
}
