/*
 * libFuzzer target for the peers protocol codec (peer_msg.c): the input is
 * a byte stream from a peer, framed message by message as the connection
 * does, each payload decoded by its decoder. The first two bytes choose the
 * format of updates (key type and data types), as a table definition would.
 * Invariants: no crash, no overread (ASan), framing consumes what it
 * reports, decoded lengths stay inside the payload, and a varint decodes
 * back to what was encoded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/peer_msg.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct peer_update u;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int kts[] = { PEER_KT_SINT, PEER_KT_IPV4, PEER_KT_IPV6, PEER_KT_STR, PEER_KT_BIN };
	struct peer_updfmt f;
	const unsigned char *p, *end;
	size_t off;

	if (size < 2)
		return 0;
	memset(&f, 0, sizeof(f));
	f.key_type = kts[data[0] % 5];
	f.key_len = f.key_type == PEER_KT_IPV6 ? 16 : f.key_type == PEER_KT_STR || f.key_type == PEER_KT_BIN ?
	            (uint32_t)(data[0] >> 3) + 1 : 4;
	f.data = (uint64_t)data[1] * 0x01010101ULL & ((1ULL << PEER_DATA_TYPES) - 1);
	for (int i = 0; i < PEER_DATA_TYPES; i++)
		f.nbelem[i] = 1 + (data[1] & 3);
	/* varints round-trip */
	if (size >= 10) {
		uint64_t v, w;
		unsigned char enc[PEER_VARINT_MAX];

		memcpy(&v, data + 2, 8);
		p = enc;
		if (peer_varint_decode(&p, enc + peer_varint_encode(v, enc), &w) < 0 || w != v)
			abort();
	}
	for (off = 2; off < size;) {
		struct peer_msg m;
		struct peer_def d;
		uint64_t id;
		uint32_t upd;
		int r = peer_msg_frame(data + off, size - off, &m);

		if (r <= 0)
			break;
		if ((size_t)r > size - off)
			abort();
		if (m.payload && (m.payload < data + off || m.payload + m.len > data + off + r))
			abort();
		switch (m.type) {
		case PEER_MSG_STKT_DEFINE:
			if (peer_msg_parse_define(m.payload, m.len, &d) == 0 &&
			    (d.name < m.payload || d.name + d.name_len > m.payload + m.len))
				abort();
			break;
		case PEER_MSG_STKT_SWITCH:
			peer_msg_parse_switch(m.payload, m.len, &id);
			break;
		case PEER_MSG_STKT_ACK:
			peer_msg_parse_ack(m.payload, m.len, &id, &upd);
			break;
		case PEER_MSG_STKT_UPDATE:
		case PEER_MSG_STKT_INCUPDATE:
		case PEER_MSG_STKT_UPDATE_TIMED:
		case PEER_MSG_STKT_INCUPDATE_TIMED:
			if (m.cls != PEER_MSG_CLASS_STKTABLE)
				break;
			end = m.payload + m.len;
			if (peer_msg_parse_update(m.payload, m.len, m.type, &f, &u) == 0) {
				if (u.key < m.payload || u.key + u.key_len > end)
					abort();
				if (u.dict_present == 2 && (u.dict_val < m.payload || u.dict_val + u.dict_len > end))
					abort();
			}
			break;
		}
		off += (size_t)r;
	}
	return 0;
}
