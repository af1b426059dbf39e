/*
 * Base64. See base64.h.
 */
#include <stdint.h>

#include <tollgate/base64.h>

static const char b64_tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(const void *in, size_t len, char *out)
{
	const uint8_t *p = in;
	size_t o = 0, i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = b64_tbl[v >> 18];
		out[o++] = b64_tbl[(v >> 12) & 63];
		out[o++] = b64_tbl[(v >> 6) & 63];
		out[o++] = b64_tbl[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = b64_tbl[v >> 18];
		out[o++] = b64_tbl[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64_tbl[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

/* Value of base64 character <c> (of the URL alphabet with <url>), or -1. */
static int b64_val(char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

ssize_t base64_decode(const char *in, size_t len, void *out, size_t room)
{
	uint8_t *q = out;
	size_t o = 0;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int last = i + 4 == len;
		int pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=' && in[i + 3] == '=') : 0;
		uint32_t v = 0;

		for (int k = 0; k < 4 - pad; k++) {
			int d = b64_val(in[i + k], 0);

			if (d < 0)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		v <<= 6 * pad;
		if (o + 3 - (size_t)pad > room)
			return -1;
		q[o++] = (uint8_t)(v >> 16);
		if (pad < 2)
			q[o++] = (uint8_t)(v >> 8);
		if (pad < 1)
			q[o++] = (uint8_t)v;
	}
	return (ssize_t)o;
}

ssize_t base64url_decode(const char *in, size_t len, void *out, size_t room)
{
	uint8_t *q = out;
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (len % 4 == 1 || len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > room)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64_val(in[i], 1);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			q[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (ssize_t)n;
}
