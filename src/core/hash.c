/*
 * Hash and digest functions: CRC-32C, xxHash (XXH32, XXH64, XXH3 64-bit)
 * and SHA-1/SHA-2, written from their specifications (xxHash's
 * doc/xxhash_spec.md, FIPS 180-4). Byte order is handled explicitly, so
 * the results do not depend on the host. See hash.h.
 */
#include <string.h>

#include <tollgate/hash.h>

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static inline uint32_t rd32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint64_t rd64be(const uint8_t *p)
{
	return (uint64_t)rd32be(p) << 32 | rd32be(p + 4);
}

static inline uint32_t rotl32(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

static inline uint32_t rotr32(uint32_t v, int n)
{
	return (v >> n) | (v << (32 - n));
}

static inline uint64_t rotl64(uint64_t v, int n)
{
	return (v << n) | (v >> (64 - n));
}

static inline uint64_t rotr64(uint64_t v, int n)
{
	return (v >> n) | (v << (64 - n));
}

uint32_t hash_avalanche32(uint32_t a)
{
	a = (a + 0x7ed55d16) + (a << 12);
	a = (a ^ 0xc761c23c) ^ (a >> 19);
	a = (a + 0x165667b1) + (a << 5);
	a = (a + 0xd3a2646c) ^ (a << 9);
	a = (a + 0xfd7046c5) + (a << 3);
	a = (a ^ 0xb55a4f09) ^ (a >> 16);
	return a * 3221225473U;   /* HAProxy spreads the result with this prime */
}

/* ---- the hash functions of hash-type and of the converters ---- */

uint32_t hash_crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t h = ~0U;

	while (len--) {
		h ^= *p++;
		for (int bit = 0; bit < 8; bit++)
			h = (h >> 1) ^ ((h & 1) ? 0xedb88320U : 0);
	}
	return ~h;
}

uint32_t hash_djb2(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t h = 5381;

	while (len--)
		h = (h << 5) + h + *p++;
	return h;
}

uint32_t hash_sdbm_more(uint32_t h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--)
		h = *p++ + (h << 6) + (h << 16) - h;
	return h;
}

uint32_t hash_sdbm(const void *buf, size_t len)
{
	return hash_sdbm_more(0, buf, len);
}

uint32_t hash_wt6(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t h0 = 0xa53c965aU, h1 = 0x5ca6953aU, t;
	unsigned int step0 = 6, step1 = 18;

	for (; len; len--) {
		t = *p++;
		h0 = ~(h0 ^ t);
		h1 = ~(h1 + t);
		/* rotations; "& 31" keeps a rotation by 0 defined */
		t = (h1 << step0) | (h1 >> ((32 - step0) & 31));
		h1 = (h0 << step1) | (h0 >> ((32 - step1) & 31));
		h0 = t;
		t = ((h0 >> 16) ^ h1) & 0xffff;
		step0 = t & 0x1f;
		step1 = t >> 11;
	}
	return h0 ^ h1;
}

/* ---- CRC-32C ---- */

uint32_t hash_crc32c(const void *buf, size_t len)
{
	static uint32_t table[256];
	static int ready;   /* the table is the same whoever builds it: a race is harmless */
	const uint8_t *p = buf;
	uint32_t h = ~0U;

	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int bit = 0; bit < 8; bit++)
				c = (c >> 1) ^ ((c & 1) ? 0x82f63b78U : 0);
			__atomic_store_n(&table[i], c, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	while (len--)
		h = (h >> 8) ^ __atomic_load_n(&table[(h ^ *p++) & 0xff], __ATOMIC_RELAXED);
	return ~h;
}

/* ---- xxHash ---- */

#define P32_1 0x9E3779B1U
#define P32_2 0x85EBCA77U
#define P32_3 0xC2B2AE3DU
#define P32_4 0x27D4EB2FU
#define P32_5 0x165667B1U
#define P64_1 0x9E3779B185EBCA87ULL
#define P64_2 0xC2B2AE3D27D4EB4FULL
#define P64_3 0x165667B19E3779F9ULL
#define P64_4 0x85EBCA77C2B2AE63ULL
#define P64_5 0x27D4EB2F165667C5ULL
#define PMX_1 0x165667919E3779F9ULL
#define PMX_2 0x9FB21C651E98DF25ULL

static inline uint32_t xxh32_round(uint32_t acc, uint32_t lane)
{
	return rotl32(acc + lane * P32_2, 13) * P32_1;
}

uint32_t hash_xxh32(const void *buf, size_t len, uint32_t seed)
{
	const uint8_t *p = buf, *end = p + len;
	uint32_t h;

	if (len >= 16) {
		uint32_t v1 = seed + P32_1 + P32_2, v2 = seed + P32_2, v3 = seed, v4 = seed - P32_1;

		for (; end - p >= 16; p += 16) {
			v1 = xxh32_round(v1, rd32(p));
			v2 = xxh32_round(v2, rd32(p + 4));
			v3 = xxh32_round(v3, rd32(p + 8));
			v4 = xxh32_round(v4, rd32(p + 12));
		}
		h = rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18);
	} else {
		h = seed + P32_5;
	}
	h += (uint32_t)len;
	for (; end - p >= 4; p += 4)
		h = rotl32(h + rd32(p) * P32_3, 17) * P32_4;
	for (; p < end; p++)
		h = rotl32(h + *p * P32_5, 11) * P32_1;
	h ^= h >> 15;
	h *= P32_2;
	h ^= h >> 13;
	h *= P32_3;
	h ^= h >> 16;
	return h;
}

static inline uint64_t xxh64_round(uint64_t acc, uint64_t lane)
{
	return rotl64(acc + lane * P64_2, 31) * P64_1;
}

static inline uint64_t xxh64_merge(uint64_t acc, uint64_t v)
{
	acc ^= xxh64_round(0, v);
	return acc * P64_1 + P64_4;
}

static inline uint64_t xxh64_avalanche(uint64_t h)
{
	h ^= h >> 33;
	h *= P64_2;
	h ^= h >> 29;
	h *= P64_3;
	h ^= h >> 32;
	return h;
}

uint64_t hash_xxh64(const void *buf, size_t len, uint64_t seed)
{
	const uint8_t *p = buf, *end = p + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v1 = seed + P64_1 + P64_2, v2 = seed + P64_2, v3 = seed, v4 = seed - P64_1;

		for (; end - p >= 32; p += 32) {
			v1 = xxh64_round(v1, rd64(p));
			v2 = xxh64_round(v2, rd64(p + 8));
			v3 = xxh64_round(v3, rd64(p + 16));
			v4 = xxh64_round(v4, rd64(p + 24));
		}
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
		h = xxh64_merge(h, v1);
		h = xxh64_merge(h, v2);
		h = xxh64_merge(h, v3);
		h = xxh64_merge(h, v4);
	} else {
		h = seed + P64_5;
	}
	h += len;
	for (; end - p >= 8; p += 8)
		h = rotl64(h ^ xxh64_round(0, rd64(p)), 27) * P64_1 + P64_4;
	if (end - p >= 4) {
		h = rotl64(h ^ (uint64_t)rd32(p) * P64_1, 23) * P64_2 + P64_3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl64(h ^ *p * P64_5, 11) * P64_1;
	return xxh64_avalanche(h);
}

/* XXH3's default secret (xxHash specification, "kSecret"). */
static const uint8_t xxh3_secret[192] = {
	0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
	0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
	0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
	0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
	0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
	0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
	0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
	0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
	0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
	0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
	0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
	0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
};

/* 64x64 -> 128-bit product, folded by xoring its halves. */
static inline uint64_t xxh3_mul_fold(uint64_t a, uint64_t b)
{
	unsigned __int128 m = (unsigned __int128)a * b;

	return (uint64_t)m ^ (uint64_t)(m >> 64);
}

static inline uint64_t xxh3_avalanche(uint64_t h)
{
	h ^= h >> 37;
	h *= PMX_1;
	return h ^ (h >> 32);
}

static inline uint64_t xxh3_mix16(const uint8_t *in, const uint8_t *sec, uint64_t seed)
{
	return xxh3_mul_fold(rd64(in) ^ (rd64(sec) + seed), rd64(in + 8) ^ (rd64(sec + 8) - seed));
}

static uint64_t xxh3_0to16(const uint8_t *p, size_t len, uint64_t seed)
{
	const uint8_t *s = xxh3_secret;

	if (len > 8) {
		uint64_t lo = rd64(p) ^ ((rd64(s + 24) ^ rd64(s + 32)) + seed);
		uint64_t hi = rd64(p + len - 8) ^ ((rd64(s + 40) ^ rd64(s + 48)) - seed);

		return xxh3_avalanche(len + __builtin_bswap64(lo) + hi + xxh3_mul_fold(lo, hi));
	}
	if (len >= 4) {
		uint64_t k;

		seed ^= (uint64_t)__builtin_bswap32((uint32_t)seed) << 32;
		k = (rd32(p + len - 4) + ((uint64_t)rd32(p) << 32)) ^ ((rd64(s + 8) ^ rd64(s + 16)) - seed);
		k ^= rotl64(k, 49) ^ rotl64(k, 24);
		k *= PMX_2;
		k ^= (k >> 35) + len;
		k *= PMX_2;
		return k ^ (k >> 28);
	}
	if (len) {
		uint32_t c = (uint32_t)p[0] << 16 | (uint32_t)p[len >> 1] << 24 | p[len - 1] | (uint32_t)len << 8;

		return xxh64_avalanche(c ^ ((uint64_t)(rd32(s) ^ rd32(s + 4)) + seed));
	}
	return xxh64_avalanche(seed ^ rd64(s + 56) ^ rd64(s + 64));
}

static uint64_t xxh3_17to240(const uint8_t *p, size_t len, uint64_t seed)
{
	const uint8_t *s = xxh3_secret;
	uint64_t acc = len * P64_1;

	if (len <= 128) {
		for (size_t i = (len - 1) / 32 + 1; i-- > 0;) {
			acc += xxh3_mix16(p + 16 * i, s + 32 * i, seed);
			acc += xxh3_mix16(p + len - 16 * (i + 1), s + 32 * i + 16, seed);
		}
		return xxh3_avalanche(acc);
	}
	for (size_t i = 0; i < 8; i++)
		acc += xxh3_mix16(p + 16 * i, s + 16 * i, seed);
	acc = xxh3_avalanche(acc);
	for (size_t i = 8; i < len / 16; i++)
		acc += xxh3_mix16(p + 16 * i, s + 16 * (i - 8) + 3, seed);
	acc += xxh3_mix16(p + len - 16, s + 136 - 17, seed);
	return xxh3_avalanche(acc);
}

static void xxh3_stripe(uint64_t acc[8], const uint8_t *in, const uint8_t *sec)
{
	for (int i = 0; i < 8; i++) {
		uint64_t v = rd64(in + 8 * i), k = v ^ rd64(sec + 8 * i);

		acc[i ^ 1] += v;
		acc[i] += (k & 0xffffffffU) * (k >> 32);
	}
}

static uint64_t xxh3_long(const uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t acc[8] = { P32_3, P64_1, P64_2, P64_3, P64_4, P32_2, P64_5, P32_1 };
	const size_t block = 64 * 16;   /* 16 stripes per block with a 192-byte secret */
	size_t nblocks = (len - 1) / block, nstripes;
	uint8_t s[192];
	uint64_t h;

	for (size_t i = 0; i < sizeof(s); i += 16) {
		uint64_t lo = rd64(xxh3_secret + i) + seed, hi = rd64(xxh3_secret + i + 8) - seed;

		for (int b = 0; b < 8; b++) {
			s[i + b] = (uint8_t)(lo >> (8 * b));
			s[i + 8 + b] = (uint8_t)(hi >> (8 * b));
		}
	}
	for (size_t n = 0; n < nblocks; n++) {
		for (size_t st = 0; st < 16; st++)
			xxh3_stripe(acc, p + n * block + st * 64, s + st * 8);
		for (int i = 0; i < 8; i++) {
			uint64_t a = acc[i];

			a ^= a >> 47;
			a ^= rd64(s + 128 + 8 * i);
			acc[i] = a * P32_1;
		}
	}
	nstripes = (len - 1 - block * nblocks) / 64;
	for (size_t st = 0; st < nstripes; st++)
		xxh3_stripe(acc, p + nblocks * block + st * 64, s + st * 8);
	xxh3_stripe(acc, p + len - 64, s + 192 - 64 - 7);
	h = len * P64_1;
	for (int i = 0; i < 4; i++)
		h += xxh3_mul_fold(acc[2 * i] ^ rd64(s + 11 + 16 * i), acc[2 * i + 1] ^ rd64(s + 11 + 16 * i + 8));
	return xxh3_avalanche(h);
}

uint64_t hash_xxh3(const void *buf, size_t len, uint64_t seed)
{
	if (len <= 16)
		return xxh3_0to16(buf, len, seed);
	if (len <= 240)
		return xxh3_17to240(buf, len, seed);
	return xxh3_long(buf, len, seed);
}

/* ---- SHA-1 and SHA-2 ---- */

/* Feeds <len> bytes at <buf> to <block>() in 64- or 128-byte blocks
 * (<bs>), with the final padding and the bit length (<lenbytes> bytes,
 * big-endian) as FIPS 180-4 section 5.1 says.
 */
static void md_run(const uint8_t *buf, size_t len, size_t bs, size_t lenbytes, void *state,
		   void (*block)(void *state, const uint8_t *b))
{
	uint8_t last[256];
	size_t rest = len % bs, n = rest + 1 + lenbytes <= bs ? bs : 2 * bs;
	uint64_t bits = (uint64_t)len * 8;

	for (size_t i = 0; i + bs <= len; i += bs)
		block(state, buf + i);
	memset(last, 0, n);
	memcpy(last, buf + len - rest, rest);
	last[rest] = 0x80;
	for (int i = 0; i < 8; i++)
		last[n - 1 - i] = (uint8_t)(bits >> (8 * i));
	for (size_t i = 0; i < n; i += bs)
		block(state, last + i);
}

static void sha1_block(void *state, const uint8_t *b)
{
	uint32_t *h = state, w[80], a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];

	for (int i = 0; i < 16; i++)
		w[i] = rd32be(b + 4 * i);
	for (int i = 16; i < 80; i++)
		w[i] = rotl32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k, t;

		if (i < 20) {
			f = (bb & c) | (~bb & d);
			k = 0x5a827999U;
		} else if (i < 40) {
			f = bb ^ c ^ d;
			k = 0x6ed9eba1U;
		} else if (i < 60) {
			f = (bb & c) | (bb & d) | (c & d);
			k = 0x8f1bbcdcU;
		} else {
			f = bb ^ c ^ d;
			k = 0xca62c1d6U;
		}
		t = rotl32(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rotl32(bb, 30);
		bb = a;
		a = t;
	}
	h[0] += a;
	h[1] += bb;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void hash_sha1(const void *buf, size_t len, uint8_t *out)
{
	uint32_t h[5] = { 0x67452301U, 0xefcdab89U, 0x98badcfeU, 0x10325476U, 0xc3d2e1f0U };

	md_run(buf, len, 64, 8, h, sha1_block);
	for (int i = 0; i < 20; i++)
		out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

static const uint32_t sha256_k[64] = {
	0x428a2f98U, 0x71374491U, 0xb5c0fbcfU, 0xe9b5dba5U, 0x3956c25bU, 0x59f111f1U, 0x923f82a4U, 0xab1c5ed5U,
	0xd807aa98U, 0x12835b01U, 0x243185beU, 0x550c7dc3U, 0x72be5d74U, 0x80deb1feU, 0x9bdc06a7U, 0xc19bf174U,
	0xe49b69c1U, 0xefbe4786U, 0x0fc19dc6U, 0x240ca1ccU, 0x2de92c6fU, 0x4a7484aaU, 0x5cb0a9dcU, 0x76f988daU,
	0x983e5152U, 0xa831c66dU, 0xb00327c8U, 0xbf597fc7U, 0xc6e00bf3U, 0xd5a79147U, 0x06ca6351U, 0x14292967U,
	0x27b70a85U, 0x2e1b2138U, 0x4d2c6dfcU, 0x53380d13U, 0x650a7354U, 0x766a0abbU, 0x81c2c92eU, 0x92722c85U,
	0xa2bfe8a1U, 0xa81a664bU, 0xc24b8b70U, 0xc76c51a3U, 0xd192e819U, 0xd6990624U, 0xf40e3585U, 0x106aa070U,
	0x19a4c116U, 0x1e376c08U, 0x2748774cU, 0x34b0bcb5U, 0x391c0cb3U, 0x4ed8aa4aU, 0x5b9cca4fU, 0x682e6ff3U,
	0x748f82eeU, 0x78a5636fU, 0x84c87814U, 0x8cc70208U, 0x90befffaU, 0xa4506cebU, 0xbef9a3f7U, 0xc67178f2U,
};
static const uint64_t sha512_k[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
	0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
	0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
	0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
	0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
	0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
	0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
	0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
	0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
	0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
	0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
	0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
	0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
	0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};
static const uint32_t sha256_h0[8] = {
	0x6a09e667U, 0xbb67ae85U, 0x3c6ef372U, 0xa54ff53aU, 0x510e527fU, 0x9b05688cU, 0x1f83d9abU, 0x5be0cd19U,
};
static const uint32_t sha224_h0[8] = {
	0xc1059ed8U, 0x367cd507U, 0x3070dd17U, 0xf70e5939U, 0xffc00b31U, 0x68581511U, 0x64f98fa7U, 0xbefa4fa4U,
};
static const uint64_t sha512_h0[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
	0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};
static const uint64_t sha384_h0[8] = {
	0xcbbb9d5dc1059ed8ULL, 0x629a292a367cd507ULL, 0x9159015a3070dd17ULL, 0x152fecd8f70e5939ULL,
	0x67332667ffc00b31ULL, 0x8eb44a8768581511ULL, 0xdb0c2e0d64f98fa7ULL, 0x47b5481dbefa4fa4ULL,
};

static void sha256_block(void *state, const uint8_t *b)
{
	uint32_t *h = state, w[64], v[8];

	for (int i = 0; i < 16; i++)
		w[i] = rd32be(b + 4 * i);
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = v[7] + (rotr32(v[4], 6) ^ rotr32(v[4], 11) ^ rotr32(v[4], 25)) +
			      ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha256_k[i] + w[i];
		uint32_t t2 = (rotr32(v[0], 2) ^ rotr32(v[0], 13) ^ rotr32(v[0], 22)) +
			      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));

		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		h[i] += v[i];
}

static void sha512_block(void *state, const uint8_t *b)
{
	uint64_t *h = state, w[80], v[8];

	for (int i = 0; i < 16; i++)
		w[i] = rd64be(b + 8 * i);
	for (int i = 16; i < 80; i++) {
		uint64_t s0 = rotr64(w[i - 15], 1) ^ rotr64(w[i - 15], 8) ^ (w[i - 15] >> 7);
		uint64_t s1 = rotr64(w[i - 2], 19) ^ rotr64(w[i - 2], 61) ^ (w[i - 2] >> 6);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, h, sizeof(v));
	for (int i = 0; i < 80; i++) {
		uint64_t t1 = v[7] + (rotr64(v[4], 14) ^ rotr64(v[4], 18) ^ rotr64(v[4], 41)) +
			      ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha512_k[i] + w[i];
		uint64_t t2 = (rotr64(v[0], 28) ^ rotr64(v[0], 34) ^ rotr64(v[0], 39)) +
			      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));

		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		h[i] += v[i];
}

size_t hash_sha2(int bits, const void *buf, size_t len, uint8_t *out)
{
	size_t n = (size_t)bits / 8;

	if (bits == 224 || bits == 256) {
		uint32_t h[8];

		memcpy(h, bits == 224 ? sha224_h0 : sha256_h0, sizeof(h));
		md_run(buf, len, 64, 8, h, sha256_block);
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
		return n;
	}
	if (bits == 384 || bits == 512) {
		uint64_t h[8];

		memcpy(h, bits == 384 ? sha384_h0 : sha512_h0, sizeof(h));
		md_run(buf, len, 128, 16, h, sha512_block);
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)(h[i / 8] >> (56 - 8 * (i % 8)));
		return n;
	}
	return 0;
}
