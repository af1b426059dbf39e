/*
 * Stick-table snapshots: save a table's entries to a file and load them
 * back (restarts). Format version 1, all integers little-endian:
 *
 *   header   "TGSTKTBL"                 8 bytes magic
 *            u32 version (1)
 *            u32 key type (enum stktable_key_type)
 *            u32 key size (normalised key bytes)
 *            u32 number of stored data types (N)
 *            u64 number of entries (C)
 *            u64 wall-clock save time, ms since the epoch
 *            N x { u16 data type, u16 elements, u32 period ms }
 *   entries  C x { key (key size bytes),
 *                  u32 remaining lifetime ms (0xFFFFFFFF: never),
 *                  data: for each stored type in enum order, each element:
 *                    sint/uint: u32;  ull: u64;
 *                    rate: u32 current, u32 previous, u32 age of the
 *                          current period in ms;
 *                    server_key: u16 length + bytes (0: unset) }
 *   trailer  u32 CRC-32 (IEEE) of every byte before it
 *
 * Loading reads the whole file and checks magic, version, key type and
 * size, the stored types (same list as the table's), every length and the
 * CRC before creating any entry: a corrupted or truncated file changes
 * nothing. The time between save and load is taken off the lifetimes
 * (entries whose life ended are skipped) and added to the rates' ages.
 * Saving walks the shards one by one under their locks into memory, then
 * writes <path>.tmp and renames it. Both are O(entries) and do disk I/O:
 * not for a worker thread's loop.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <tollgate/clock.h>
#include <tollgate/stktable.h>
#include <tollgate/ticks.h>

#define SNAP_MAGIC      "TGSTKTBL"
#define SNAP_VERSION    1U
#define SNAP_HDR_FIXED  40U      /* magic .. save time */
#define SNAP_NEVER      0xFFFFFFFFU

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

static uint32_t crc32_buf(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFU;

	pthread_once(&crc_once, crc_init);
	while (n--)
		c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFU;
}

static int64_t wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* A growable output buffer. */
struct obuf {
	unsigned char *p;             /* bytes */
	size_t len;                   /* used */
	size_t size;                  /* allocated */
	int oom;                      /* an allocation failed */
};

static void ob_put(struct obuf *b, const void *src, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->size) {
		size_t ns = b->size ? b->size * 2 : 65536;
		unsigned char *np;

		while (ns < b->len + n)
			ns *= 2;
		np = realloc(b->p, ns);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->size = ns;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void ob_u16(struct obuf *b, uint16_t v)
{
	unsigned char x[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	ob_put(b, x, 2);
}

static void ob_u32(struct obuf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	                       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	ob_put(b, x, 4);
}

static void ob_u64(struct obuf *b, uint64_t v)
{
	ob_u32(b, (uint32_t)v);
	ob_u32(b, (uint32_t)(v >> 32));
}

static uint16_t rd_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd_u64(const unsigned char *p)
{
	return rd_u32(p) | (uint64_t)rd_u32(p + 4) << 32;
}

struct save_ctx {
	struct obuf *b;               /* output */
	uint64_t count;               /* entries written */
	uint32_t now;                 /* tick of the save */
};

static int save_entry(struct stktable *t, struct stksess *ts, void *arg)
{
	struct save_ctx *sc = arg;
	uint32_t exp = stksess_expire(ts), rem, i, e;

	if (tick_isset(exp)) {
		rem = tick_remain(sc->now, exp);
		if (!rem)
			return 0;       /* dead already */
	} else {
		rem = SNAP_NEVER;
	}
	ob_put(sc->b, ts->key, t->key_size);
	ob_u32(sc->b, rem);
	for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
		if (!t->def.stored[i])
			continue;
		for (e = 0; e < t->def.nbelem[i]; e++) {
			void *p = stktable_data_ptr(t, ts, (int)i, e);

			switch (stktable_data_types[i].std_type) {
			case STKTABLE_STD_SINT:
			case STKTABLE_STD_UINT:
				ob_u32(sc->b, atomic_load_explicit((_Atomic uint32_t *)p, memory_order_relaxed));
				break;
			case STKTABLE_STD_ULL:
				ob_u64(sc->b, atomic_load_explicit((_Atomic uint64_t *)p, memory_order_relaxed));
				break;
			case STKTABLE_STD_FRQP: {
				uint32_t c, pv, age;

				freq_ctr_snapshot(p, t->def.period[i], sc->now, &c, &pv, &age);
				ob_u32(sc->b, c);
				ob_u32(sc->b, pv);
				ob_u32(sc->b, age);
				break;
			}
			case STKTABLE_STD_DICT: {
				const char *s = atomic_load_explicit((_Atomic(const char *) *)p, memory_order_acquire);
				size_t l = s ? strlen(s) : 0;

				if (l > UINT16_MAX)
					l = UINT16_MAX;
				ob_u16(sc->b, (uint16_t)l);
				ob_put(sc->b, s, l);
				break;
			}
			}
		}
	}
	sc->count++;
	return 0;
}

static void put_header(const struct stktable *t, struct obuf *b, uint64_t count, int64_t saved)
{
	uint32_t i, n = 0;

	for (i = 0; i < STKTABLE_DATA_TYPES; i++)
		n += t->def.stored[i];
	ob_put(b, SNAP_MAGIC, 8);
	ob_u32(b, SNAP_VERSION);
	ob_u32(b, (uint32_t)t->def.type);
	ob_u32(b, t->key_size);
	ob_u32(b, n);
	ob_u64(b, count);
	ob_u64(b, (uint64_t)saved);
	for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
		if (!t->def.stored[i])
			continue;
		ob_u16(b, (uint16_t)i);
		ob_u16(b, (uint16_t)t->def.nbelem[i]);
		ob_u32(b, t->def.period[i]);
	}
}

long stktable_snapshot_save(struct stktable *t, const char *path, char *err, size_t errlen)
{
	struct obuf b = { 0 };
	struct save_ctx sc;
	char tmp[4096];
	FILE *f;
	long ret;
	int i;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "snapshot path '%s' is too long", path);
		return -ENAMETOOLONG;
	}
	put_header(t, &b, 0, wall_ms());
	sc.b = &b;
	sc.count = 0;
	sc.now = now_ms;
	stktable_walk(t, save_entry, &sc);
	ob_u32(&b, 0);
	if (b.oom) {
		snprintf(err, errlen, "out of memory while saving table '%s'", t->id);
		ret = -ENOMEM;
		goto out_free;
	}
	/* Patch the entry count in, then the CRC of everything before it. */
	for (i = 0; i < 8; i++)
		b.p[24 + i] = (unsigned char)(sc.count >> (8 * i));
	b.len -= 4;
	ob_u32(&b, crc32_buf(b.p, b.len));

	f = fopen(tmp, "wb");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "cannot create '%s': %s", tmp, strerror(errno));
		goto out_free;
	}
	if (fwrite(b.p, 1, b.len, f) != b.len || fflush(f) != 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		fclose(f);
		remove(tmp);
		goto out_free;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		remove(tmp);
		goto out_free;
	}
	ret = (long)sc.count;
out_free:
	free(b.p);
	return ret;
}

/* Reads the whole of <path> into <*buf>/<*len>. Returns 0 or -errno. */
static int read_file(const char *path, unsigned char **buf, size_t *len)
{
	unsigned char *p = NULL, *np;
	size_t n = 0, size = 0, r;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -errno;
	for (;;) {
		if (n == size) {
			size = size ? size * 2 : 65536;
			np = realloc(p, size);
			if (!np) {
				free(p);
				fclose(f);
				return -ENOMEM;
			}
			p = np;
		}
		r = fread(p + n, 1, size - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(p);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*buf = p;
	*len = n;
	return 0;
}

/* Returns the serialized size of the data of the entry at <p> (<end>
 * excluded), or SIZE_MAX if it does not fit.
 */
static size_t entry_data_len(const struct stktable *t, const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;
	uint32_t i, e;

	for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
		if (!t->def.stored[i])
			continue;
		for (e = 0; e < t->def.nbelem[i]; e++) {
			size_t need;

			switch (stktable_data_types[i].std_type) {
			case STKTABLE_STD_ULL:
				need = 8;
				break;
			case STKTABLE_STD_FRQP:
				need = 12;
				break;
			case STKTABLE_STD_DICT:
				if (end - q < 2)
					return SIZE_MAX;
				need = 2 + rd_u16(q);
				break;
			default:
				need = 4;
				break;
			}
			if ((size_t)(end - q) < need)
				return SIZE_MAX;
			q += need;
		}
	}
	return (size_t)(q - p);
}

struct load_rec {
	const unsigned char *p;       /* the entry in the file buffer */
	uint32_t rem;                 /* remaining lifetime after the downtime */
};

static int rec_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct load_rec *)a)->rem, y = ((const struct load_rec *)b)->rem;

	return x < y ? -1 : x > y;
}

/* Writes the data at <p> into <ts>, rate ages moved on by <gap> ms. */
static void apply_data(struct stktable *t, struct stksess *ts, const unsigned char *p, uint32_t gap)
{
	uint32_t i, e;

	for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
		if (!t->def.stored[i])
			continue;
		for (e = 0; e < t->def.nbelem[i]; e++) {
			void *d = stktable_data_ptr(t, ts, (int)i, e);

			switch (stktable_data_types[i].std_type) {
			case STKTABLE_STD_SINT:
			case STKTABLE_STD_UINT:
				atomic_store_explicit((_Atomic uint32_t *)d, rd_u32(p), memory_order_relaxed);
				p += 4;
				break;
			case STKTABLE_STD_ULL:
				atomic_store_explicit((_Atomic uint64_t *)d, rd_u64(p), memory_order_relaxed);
				p += 8;
				break;
			case STKTABLE_STD_FRQP: {
				uint32_t per = t->def.period[i], c = rd_u32(p), pv = rd_u32(p + 4);
				uint64_t age = (uint64_t)rd_u32(p + 8) + gap;

				if (age >= 2ULL * per)
					c = pv = 0, age = 0;
				else if (age >= per)
					pv = c, c = 0, age -= per;
				freq_ctr_set(d, c, pv, (uint32_t)age, now_ms);
				p += 12;
				break;
			}
			case STKTABLE_STD_DICT: {
				uint16_t l = rd_u16(p);

				atomic_store_explicit((_Atomic(const char *) *)d,
				                      l ? stktable_dict_intern((const char *)p + 2, l) : NULL,
				                      memory_order_release);
				p += 2 + l;
				break;
			}
			}
		}
	}
}

long stktable_snapshot_load(struct stktable *t, const char *path, char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	const unsigned char *p, *end;
	struct load_rec *recs = NULL;
	uint64_t count, i, nrec = 0;
	uint32_t ndt, k, gap, loaded = 0;
	int64_t saved, now_wall;
	size_t len = 0, dlen;
	long ret;

	ret = read_file(path, &buf, &len);
	if (ret) {
		snprintf(err, errlen, "cannot read snapshot '%s': %s", path, strerror((int)-ret));
		return ret;
	}
	ret = -EINVAL;
	if (len < SNAP_HDR_FIXED + 4 || memcmp(buf, SNAP_MAGIC, 8) != 0) {
		snprintf(err, errlen, "'%s' is not a stick-table snapshot (bad magic or too short)", path);
		goto out_free;
	}
	if (rd_u32(buf + 8) != SNAP_VERSION) {
		snprintf(err, errlen, "snapshot '%s' has format version %u, this build reads version %u", path, rd_u32(buf + 8), SNAP_VERSION);
		goto out_free;
	}
	if (crc32_buf(buf, len - 4) != rd_u32(buf + len - 4)) {
		snprintf(err, errlen, "snapshot '%s' is corrupted or truncated (checksum mismatch)", path);
		goto out_free;
	}
	if (rd_u32(buf + 12) != (uint32_t)t->def.type || rd_u32(buf + 16) != t->key_size) {
		snprintf(err, errlen, "snapshot '%s' has keys of type %s size %u, table '%s' has type %s size %u", path,
		         stktable_key_type_name((enum stktable_key_type)rd_u32(buf + 12)), rd_u32(buf + 16),
		         t->id, stktable_key_type_name(t->def.type), t->key_size);
		goto out_free;
	}
	ndt = rd_u32(buf + 20);
	count = rd_u64(buf + 24);
	saved = (int64_t)rd_u64(buf + 32);
	p = buf + SNAP_HDR_FIXED;
	end = buf + len - 4;
	if ((uint64_t)(end - p) < (uint64_t)ndt * 8) {
		snprintf(err, errlen, "snapshot '%s' is truncated (data type list)", path);
		goto out_free;
	}
	for (k = 0, i = 0; i < STKTABLE_DATA_TYPES; i++)
		k += t->def.stored[i];
	if (k != ndt)
		goto bad_types;
	for (i = 0; i < STKTABLE_DATA_TYPES; i++) {
		if (!t->def.stored[i])
			continue;
		if (rd_u16(p) != i || rd_u16(p + 2) != t->def.nbelem[i] || rd_u32(p + 4) != t->def.period[i])
			goto bad_types;
		p += 8;
	}
	if (count > (uint64_t)(end - p) / (t->key_size + 4)) {
		snprintf(err, errlen, "snapshot '%s' announces %llu entries but is too short for them", path, (unsigned long long)count);
		goto out_free;
	}
	recs = malloc(sizeof(*recs) * (count ? count : 1));
	if (!recs) {
		snprintf(err, errlen, "out of memory loading snapshot '%s'", path);
		ret = -ENOMEM;
		goto out_free;
	}
	now_wall = wall_ms();
	gap = now_wall > saved ? (now_wall - saved > INT32_MAX ? INT32_MAX : (uint32_t)(now_wall - saved)) : 0;

	/* First pass: check every entry's length, keep those still alive. */
	for (i = 0; i < count; i++) {
		uint32_t rem;

		if ((size_t)(end - p) < t->key_size + 4)
			goto truncated;
		rem = rd_u32(p + t->key_size);
		dlen = entry_data_len(t, p + t->key_size + 4, end);
		if (dlen == SIZE_MAX)
			goto truncated;
		if (rem != SNAP_NEVER) {
			if (rem <= gap) {
				p += t->key_size + 4 + dlen;
				continue;
			}
			rem -= gap;
		}
		recs[nrec].p = p;
		recs[nrec].rem = rem;
		nrec++;
		p += t->key_size + 4 + dlen;
	}
	if (p != end) {
		snprintf(err, errlen, "snapshot '%s' has %zu unexpected bytes after its %llu entries", path, (size_t)(end - p), (unsigned long long)count);
		goto out_free;
	}

	/* Second pass: shortest lives first, so touch lists stay in order. */
	qsort(recs, nrec, sizeof(*recs), rec_cmp);
	for (i = 0; i < nrec; i++) {
		struct stktable_key key = { recs[i].p, t->key_size };
		struct stksess *ts;
		int e;

		ts = stktable_get_or_create(t, &key, &e);
		if (!ts)
			continue;       /* table full: counted as refused */
		apply_data(t, ts, recs[i].p + t->key_size + 4, gap);
		if (recs[i].rem != SNAP_NEVER)
			__stksess_set_remaining(t, ts, recs[i].rem);
		stktable_release(t, ts);
		loaded++;
	}
	ret = loaded;
	goto out_free;

truncated:
	snprintf(err, errlen, "snapshot '%s' is truncated (entry %llu of %llu)", path, (unsigned long long)i + 1, (unsigned long long)count);
	goto out_free;
bad_types:
	snprintf(err, errlen, "snapshot '%s' was saved with other stored data types than table '%s' has (its 'store' list, element counts and periods must match)", path, t->id);
out_free:
	free(recs);
	free(buf);
	return ret;
}
