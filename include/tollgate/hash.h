/*
 * Hash and digest functions of the sample converters (crc32c, xxh32,
 * xxh64, xxh3, sha1, sha2). Each gives the value of the published
 * algorithm (Castagnoli CRC-32, xxHash 0.8, FIPS 180-4), which is also
 * what HAProxy's converters of the same names return. Pure functions over
 * (buffer, length): no allocation, any thread, any input length.
 */
#ifndef TOLLGATE_HASH_H
#define TOLLGATE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_SHA1_LEN    20   /* bytes of a SHA-1 digest */
#define HASH_SHA2_MAXLEN 64   /* bytes of the largest SHA-2 digest (SHA-512) */

/* Bob Jenkins' full avalanche integer hash times the prime 3221225473,
 * HAProxy's full_hash() (the <avalanche> option of the 32-bit hash
 * converters).
 */
uint32_t hash_avalanche32(uint32_t a);

/* HAProxy's 32-bit string hashes, those of `hash-type` and of the
 * converters of the same names: CRC-32 (IEEE, reflected), djb2, sdbm and
 * wt6.
 */
uint32_t hash_crc32(const void *buf, size_t len);
uint32_t hash_djb2(const void *buf, size_t len);
uint32_t hash_sdbm(const void *buf, size_t len);
uint32_t hash_wt6(const void *buf, size_t len);

/* sdbm continued from the hash <h> of the bytes before <buf>: the hash of
 * a concatenation without copying it (hash_sdbm() starts at 0).
 */
uint32_t hash_sdbm_more(uint32_t h, const void *buf, size_t len);

/* CRC-32C (Castagnoli, reflected, initial and final value ~0). */
uint32_t hash_crc32c(const void *buf, size_t len);

/* xxHash: XXH32, XXH64 and XXH3_64bits with a seed. */
uint32_t hash_xxh32(const void *buf, size_t len, uint32_t seed);
uint64_t hash_xxh64(const void *buf, size_t len, uint64_t seed);
uint64_t hash_xxh3(const void *buf, size_t len, uint64_t seed);

/* SHA-1 of <len> bytes at <buf> into <out> (HASH_SHA1_LEN bytes). */
void hash_sha1(const void *buf, size_t len, uint8_t *out);

/* SHA-2 with <bits> 224, 256, 384 or 512 into <out> (bits / 8 bytes).
 * Returns the digest length, or 0 for another <bits>.
 */
size_t hash_sha2(int bits, const void *buf, size_t len, uint8_t *out);

#endif /* TOLLGATE_HASH_H */
