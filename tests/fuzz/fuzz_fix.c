/*
 * libFuzzer target for the FIX checks (net/fix.c). Invariants: no crash
 * or overread; a value found lies inside the input; the answer on a
 * prefix is final: a prefix found valid or invalid gives the same answer
 * on the whole input (bytes that follow a message never change it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/fix.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *v;
	size_t vlen;
	char *copy;
	int r;

	if (size > 4096)
		return 0;
	copy = malloc(size ? size : 1);   /* exact size: ASan catches an overread */
	if (!copy)
		return 0;
	memcpy(copy, p, size);
	r = fix_validate(copy, size);
	for (unsigned int tag = 8; tag <= 56; tag += 1)
		if (fix_tag_value(copy, size, tag, &v, &vlen) == 1 && (v < copy || v + vlen > copy + size))
			abort();
	for (size_t cut = 0; cut < size; cut += 1 + cut / 64) {
		int rc = fix_validate(copy, cut);

		if (rc != 0 && rc != r)
			abort();
	}
	fix_tag_id(copy, size);
	free(copy);
	return 0;
}
