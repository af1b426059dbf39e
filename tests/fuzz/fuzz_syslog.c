/*
 * libFuzzer target for the syslog parser and framer (syslog.h):
 * syslog_parse(), syslog_frame(), syslog_header().
 *
 * Input: byte 0 selects the header format written (4 values: rfc3164,
 * rfc5424, raw, chosen per message) and a small frame limit (bit 2); the
 * rest is what a log-forward receiver gets (bit 3: lines only, as with
 * `option assume-rfc6587-ntf`): a datagram for syslog_parse(),
 * a stream for syslog_frame().
 *
 * Invariants checked (abort on violation):
 *  - no crash, no read past the length (each call gets a heap copy of
 *    exactly the bytes it may read, so ASan sees any overread);
 *  - every parsed field and the message lie inside the input, facility
 *    is -1 or 0..23, level 0..7;
 *  - framing: the answer is -1, 0 or a length within the input, the
 *    message inside the consumed bytes and at most the limit; a prefix
 *    shorter than a frame's length asks for more (0) or refuses (-1),
 *    never yields another frame;
 *  - the header is NUL-terminated within its room, even a tiny room.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/syslog.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static int inside(const char *p, size_t n, const char *buf, size_t len)
{
	return !n || (p >= buf && p + n <= buf + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int fmts[4] = { SYSLOG_FMT_RFC3164, SYSLOG_FMT_RFC5424, SYSLOG_FMT_RAW, SYSLOG_FMT_AUTO };
	struct syslog_msg m;
	const char *msg;
	size_t len, mlen, max;
	char *copy, hdr[512];
	int r;

	if (!size)
		return 0;
	len = size - 1;
	max = (data[0] & 4) ? 32 : 16384;
	copy = malloc(len ? len : 1);
	CHECK(copy);
	memcpy(copy, data + 1, len);

	syslog_parse(copy, len, &m);
	CHECK(m.facility == -1 || (m.facility >= 0 && m.facility <= 23));
	CHECK(m.level >= 0 && m.level <= 7);
	CHECK(inside(m.msg, m.len, copy, len));
	for (int f = 0; f < SYSLOG_FIELDS; f++)
		CHECK(inside(m.f[f].ptr, m.f[f].len, copy, len));
	for (size_t room = 1; room <= sizeof(hdr); room = room < 16 ? room + 1 : room * 4) {
		size_t n = syslog_header(hdr, room, fmts[data[0] & 3], m.facility < 0 ? 16 : m.facility,
		                         m.level, &m, 0);

		CHECK(n < room && hdr[n] == '\0');
	}

	r = syslog_frame(copy, len, max, (data[0] & 8) != 0, &msg, &mlen);
	CHECK(r >= -1 && (size_t)(r > 0 ? r : 0) <= len);
	if (r > 0) {
		CHECK(mlen <= max && inside(msg, mlen, copy, (size_t)r));
		/* a shorter prefix never yields a frame */
		if (r > 1) {
			const char *m2;
			size_t l2;
			int r2 = syslog_frame(copy, (size_t)r - 1, max, (data[0] & 8) != 0, &m2, &l2);

			CHECK(r2 <= 0);
		}
	}
	free(copy);
	return 0;
}
