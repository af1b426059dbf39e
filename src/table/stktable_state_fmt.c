/*
 * Stick-table state blobs: the reader. Pure functions over (buffer,
 * length): no allocation, no table, no read past the length. The format is
 * described in include/tollgate/stktable_state.h; every limit checked here
 * is one a writer can never exceed, so anything beyond is corruption.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <tollgate/stktable.h>
#include <tollgate/stktable_state.h>

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t stktable_state_crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFU;

	pthread_once(&crc_once, crc_init);
	while (n--)
		c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFU;
}

int stktable_state_open(const unsigned char *buf, size_t len, struct stkstate_reader *rd,
                        uint32_t *kind, int64_t *saved, char *err, size_t errlen)
{
	uint32_t k;

	if (len < STKSTATE_HDR_LEN + 4 || memcmp(buf, STKSTATE_MAGIC, 8) != 0) {
		snprintf(err, errlen, "not a Tollgate stick-table state file (bad magic or too short)");
		return -EINVAL;
	}
	if (stkstate_rd32(buf + 8) != STKSTATE_VERSION) {
		snprintf(err, errlen, "format version %u, this build reads version %u", stkstate_rd32(buf + 8), STKSTATE_VERSION);
		return -EINVAL;
	}
	if (stktable_state_crc32(buf, len - 4) != stkstate_rd32(buf + len - 4)) {
		snprintf(err, errlen, "corrupted or truncated (checksum mismatch)");
		return -EINVAL;
	}
	k = stkstate_rd32(buf + 12);
	if (k != STKSTATE_KIND_FULL && k != STKSTATE_KIND_DELTA) {
		snprintf(err, errlen, "unknown kind %u", k);
		return -EINVAL;
	}
	if (kind)
		*kind = k;
	if (saved)
		*saved = (int64_t)stkstate_rd64(buf + 16);
	rd->left = stkstate_rd32(buf + 24);
	rd->p = buf + STKSTATE_HDR_LEN;
	rd->end = buf + len - 4;
	return 0;
}

size_t stktable_state_entry_len(const struct stkstate_table *tb, const unsigned char *p, size_t avail)
{
	size_t used = (size_t)tb->key_size + 4;
	uint32_t i, e;

	if (avail < used)
		return 0;
	for (i = 0; i < tb->ndt; i++) {
		for (e = 0; e < tb->nbelem[i]; e++) {
			size_t need;

			switch (stktable_data_types[tb->type[i]].std_type) {
			case STKTABLE_STD_ULL:
				need = 8;
				break;
			case STKTABLE_STD_FRQP:
				need = 12;
				break;
			case STKTABLE_STD_DICT:
				if (avail - used < 2)
					return 0;
				need = 2 + (size_t)stkstate_rd16(p + used);
				break;
			default:
				need = 4;
				break;
			}
			if (avail - used < need)
				return 0;
			used += need;
		}
	}
	return used;
}

int stktable_state_next_table(struct stkstate_reader *rd, struct stkstate_table *tb,
                              char *err, size_t errlen)
{
	const unsigned char *p = rd->p;
	size_t avail = (size_t)(rd->end - p), l;
	uint64_t i;
	uint32_t k;

	if (!rd->left) {
		if (p != rd->end) {
			snprintf(err, errlen, "%zu unexpected bytes after the last table", avail);
			return -EINVAL;
		}
		return 0;
	}
	if (avail < 2 || (l = stkstate_rd16(p)) == 0 || l > 255 || avail < 2 + l + 16) {
		snprintf(err, errlen, "truncated or bad table record");
		return -EINVAL;
	}
	memset(tb, 0, sizeof(*tb));
	tb->name = (const char *)p + 2;
	tb->name_len = l;
	p += 2 + l;
	tb->key_type = stkstate_rd32(p);
	tb->key_size = stkstate_rd32(p + 4);
	tb->expire = stkstate_rd32(p + 8);
	tb->ndt = stkstate_rd32(p + 12);
	p += 16;
	if (tb->key_type > STKTABLE_KEY_BINARY || tb->key_size == 0 || tb->key_size > STKTABLE_MAX_KEY_LEN ||
	    tb->ndt > STKTABLE_DATA_TYPES || (size_t)(rd->end - p) < (size_t)tb->ndt * 8 + 8) {
		snprintf(err, errlen, "table '%.*s': bad key type, key size or data type count", (int)l, tb->name);
		return -EINVAL;
	}
	for (k = 0; k < tb->ndt; k++, p += 8) {
		tb->type[k] = stkstate_rd16(p);
		tb->nbelem[k] = stkstate_rd16(p + 2);
		tb->period[k] = stkstate_rd32(p + 4);
		if (tb->type[k] >= STKTABLE_DATA_TYPES || (k && tb->type[k] <= tb->type[k - 1]) ||
		    tb->nbelem[k] == 0 || tb->nbelem[k] > STKTABLE_MAX_DT_ARRAY ||
		    (stktable_data_types[tb->type[k]].has_period && tb->period[k] == 0)) {
			snprintf(err, errlen, "table '%.*s': bad stored data type list", (int)l, tb->name);
			return -EINVAL;
		}
	}
	tb->count = stkstate_rd64(p);
	p += 8;
	tb->entries = p;
	for (i = 0; i < tb->count; i++) {
		size_t n = stktable_state_entry_len(tb, p, (size_t)(rd->end - p));

		if (!n) {
			snprintf(err, errlen, "table '%.*s': truncated at entry %llu of %llu", (int)l, tb->name,
			         (unsigned long long)i + 1, (unsigned long long)tb->count);
			return -EINVAL;
		}
		p += n;
	}
	tb->entries_len = (size_t)(p - tb->entries);
	rd->p = p;
	rd->left--;
	return 1;
}

long stktable_state_check(const unsigned char *buf, size_t len, char *err, size_t errlen)
{
	struct stkstate_reader rd;
	struct stkstate_table tb;
	long n = 0;
	int ret;

	ret = stktable_state_open(buf, len, &rd, NULL, NULL, err, errlen);
	if (ret < 0)
		return ret;
	while ((ret = stktable_state_next_table(&rd, &tb, err, errlen)) > 0)
		n++;
	return ret < 0 ? ret : n;
}
