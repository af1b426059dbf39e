/*
 * Stick-table state: every table of the process serialized into one blob,
 * for the state file (restarts) and the reload hand-over (doc/peers.md,
 * doc/internals/stktable-state.md). Format version 1, little-endian:
 *
 *   header   "TGSTATE\0"             8 bytes magic
 *            u32 version (1)
 *            u32 kind (STKSTATE_KIND_*)
 *            u64 wall-clock time of the encoding, ms since the epoch
 *            u32 number of tables (T)
 *   tables   T x { u16 name length (1..255), name bytes,
 *                  u32 key type, u32 key size (normalised key bytes),
 *                  u32 expire ms, u32 number of stored data types (N),
 *                  N x { u16 data type, u16 elements, u32 period ms }
 *                      (types strictly increasing),
 *                  u64 number of entries (C),
 *                  C x { key (key size bytes),
 *                        u32 remaining lifetime ms (0xFFFFFFFF: never),
 *                        data: for each stored type, each element:
 *                          sint/uint: u32;  ull: u64;
 *                          rate: u32 current, u32 previous, u32 age of
 *                                the current period in ms;
 *                          server_key: u16 length + bytes (0: unset) } }
 *   trailer  u32 CRC-32 (IEEE) of every byte before it
 *
 * Two halves: the reader (stktable_state_fmt.c) is pure, over (buffer,
 * length), never allocates, never reads past the length (the fuzz target's
 * subject); the writer and the appliers (stktable_state.c) use tables.
 * A blob is checked whole (checksum, then every length) before anything
 * is applied: a bad one changes no table.
 */
#ifndef TOLLGATE_STKTABLE_STATE_H
#define TOLLGATE_STKTABLE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <tollgate/stktable-t.h>

#define STKSTATE_MAGIC       "TGSTATE"      /* 7 chars + NUL = 8 bytes */
#define STKSTATE_VERSION     1U
#define STKSTATE_HDR_LEN     28U            /* magic .. table count */
#define STKSTATE_NEVER       0xFFFFFFFFU    /* remaining lifetime: never expires */

/* What a blob holds. */
#define STKSTATE_KIND_FULL   0U   /* entries as they are (state file, hand-over snapshot) */
#define STKSTATE_KIND_DELTA  1U   /* counters as increments since a snapshot (hand-over end) */

/* ---- Reader (stktable_state_fmt.c): pure ---- */

/* A table record of a blob, as found by stktable_state_next_table(). */
struct stkstate_table {
	const char *name;                          /* not NUL-terminated */
	size_t name_len;                           /* its bytes */
	uint32_t key_type;                         /* enum stktable_key_type */
	uint32_t key_size;                         /* bytes of each key */
	uint32_t expire;                           /* the table's expire when encoded */
	uint32_t ndt;                              /* stored data types */
	uint16_t type[STKTABLE_DATA_TYPES];        /* their ids, increasing */
	uint16_t nbelem[STKTABLE_DATA_TYPES];      /* their element counts */
	uint32_t period[STKTABLE_DATA_TYPES];      /* their periods (rates) */
	uint64_t count;                            /* entries */
	const unsigned char *entries;              /* the first entry */
	size_t entries_len;                        /* bytes of all entries */
};

/* Position in a blob's table records. */
struct stkstate_reader {
	const unsigned char *p;       /* next table record */
	const unsigned char *end;     /* the trailer */
	uint32_t left;                /* tables not read yet */
};

/* Checks the header and the checksum of <buf> (<len> bytes) and readies
 * <rd> for stktable_state_next_table(). Fills <*kind>, <*saved> (if not
 * NULL). Returns 0, or -EINVAL with a message (no file name) in <err>.
 */
int stktable_state_open(const unsigned char *buf, size_t len, struct stkstate_reader *rd,
                        uint32_t *kind, int64_t *saved, char *err, size_t errlen);

/* Reads the next table record into <tb>, checking every entry's length.
 * Returns 1, 0 after the last one (the blob then ended exactly), or
 * -EINVAL with a message in <err>.
 */
int stktable_state_next_table(struct stkstate_reader *rd, struct stkstate_table *tb,
                              char *err, size_t errlen);

/* Returns the bytes of the entry at <p> of <tb> (<avail> bytes readable),
 * 0 if it does not fit.
 */
size_t stktable_state_entry_len(const struct stkstate_table *tb, const unsigned char *p, size_t avail);

/* Checks a whole blob: header, checksum, every table and entry length.
 * Returns the number of tables, or -EINVAL with a message in <err>.
 */
long stktable_state_check(const unsigned char *buf, size_t len, char *err, size_t errlen);

/* CRC-32 (IEEE) of <n> bytes at <p>. */
uint32_t stktable_state_crc32(const unsigned char *p, size_t n);

/* Little-endian readers. */
static inline uint16_t stkstate_rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t stkstate_rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t stkstate_rd64(const unsigned char *p)
{
	return stkstate_rd32(p) | (uint64_t)stkstate_rd32(p + 4) << 32;
}

/* ---- Writer and appliers (stktable_state.c) ---- */

/* A growable output buffer. Zero it to start; free(b->p) at the end. */
struct stkstate_buf {
	unsigned char *p;             /* bytes */
	size_t len;                   /* used */
	size_t size;                  /* allocated */
	int oom;                      /* an allocation failed: the content is void */
};

void stkstate_put(struct stkstate_buf *b, const void *src, size_t n);
void stkstate_put16(struct stkstate_buf *b, uint16_t v);
void stkstate_put32(struct stkstate_buf *b, uint32_t v);
void stkstate_put64(struct stkstate_buf *b, uint64_t v);

/* Writes a blob header of <kind> for <ntables> tables into <b>. */
void stktable_state_begin(struct stkstate_buf *b, uint32_t kind, uint32_t ntables);

/* Appends table <t>'s record (every linked, living entry; conn_cur is
 * written as 0: it counts this process's connections) to <b>, walking the
 * shards one lock at a time. Returns the number of entries.
 */
uint64_t stktable_state_put_table(struct stkstate_buf *b, struct stktable *t);

/* Appends the checksum trailer. Returns 0, or -ENOMEM if <b> is void. */
int stktable_state_end(struct stkstate_buf *b);

/* Called with a one-line warning (no trailing newline) while applying. */
typedef void (*stkstate_warn_fn)(void *ctx, const char *msg);

/* How stktable_state_apply() writes entries. */
enum stkstate_mode {
	STKSTATE_RESTORE = 0,         /* set every value and lifetime (empty or fresh tables) */
	STKSTATE_MERGE,               /* a DELTA blob: add counters, keep the larger rate and life */
};

/* Applies the checked blob <buf> to the tables with the same names
 * (<find> resolves a name, NUL-terminated, to a table or NULL). A table
 * missing, with another key type, or whose stored types, element counts
 * or periods changed, gets what still fits and one warning per
 * difference through <warn>. Rates and lifetimes are aged by the time
 * since the blob was encoded (wall clock). Returns the entries applied, or
 * -EINVAL (bad blob, nothing applied) with a message in <err>.
 */
long stktable_state_apply(const unsigned char *buf, size_t len, enum stkstate_mode mode,
                          struct stktable *(*find)(const char *name), stkstate_warn_fn warn,
                          void *wctx, char *err, size_t errlen);

/* Returns the current wall-clock time in ms since the epoch. */
int64_t stktable_state_wall_ms(void);

#endif /* TOLLGATE_STKTABLE_STATE_H */
