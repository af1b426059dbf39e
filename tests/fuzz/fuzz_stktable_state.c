/*
 * libFuzzer target for the stick-table state file reader
 * (stktable_state_check(), stktable_state_next_table(),
 * stktable_state_entry_len()): the bytes of a state file or of a reload
 * hand-over. Invariants: no crash or overread (ASan); the checksum is
 * skipped half of the time (first input byte) so that the structure
 * checks behind it are reached; every table a successful check counts is
 * read again with entry lengths that add up to its record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/stktable_state.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stkstate_reader rd;
	struct stkstate_table tb;
	unsigned char *buf;
	char err[256];
	long n, seen = 0;
	int fix_crc;

	if (size < 1 || size > 1 << 20)
		return 0;
	fix_crc = data[0] & 1;
	data++;
	size--;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (fix_crc && size >= 4) {
		uint32_t c = stktable_state_crc32(buf, size - 4);

		buf[size - 4] = (unsigned char)c;
		buf[size - 3] = (unsigned char)(c >> 8);
		buf[size - 2] = (unsigned char)(c >> 16);
		buf[size - 1] = (unsigned char)(c >> 24);
	}
	n = stktable_state_check(buf, size, err, sizeof(err));
	if (n >= 0) {
		if (stktable_state_open(buf, size, &rd, NULL, NULL, err, sizeof(err)) < 0)
			abort();
		while (stktable_state_next_table(&rd, &tb, err, sizeof(err)) > 0) {
			const unsigned char *p = tb.entries, *end = tb.entries + tb.entries_len;

			for (uint64_t i = 0; i < tb.count; i++) {
				size_t l = stktable_state_entry_len(&tb, p, (size_t)(end - p));

				if (!l)
					abort();
				p += l;
			}
			if (p != end)
				abort();
			seen++;
		}
		if (seen != n)
			abort();
	} else if (!err[0]) {
		abort();    /* an error always says why */
	}
	free(buf);
	return 0;
}
