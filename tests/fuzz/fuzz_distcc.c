/*
 * libFuzzer target for distcc tokens (net/distcc.c: distcc_param,
 * distcc_body). Input: a client's first bytes. Invariants: no crash or
 * overread; a body found starts inside the input; an answer on a prefix
 * is final (more bytes never change a found token or a refusal).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/distcc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t toks[] = { 0x44495354 /* DIST */, 0x41524756 /* ARGV */, 0x444F5449 /* DOTI */ };
	uint32_t param, p2;
	size_t body, blen, b2, l2;
	char *copy;

	if (size > 4096)
		return 0;
	copy = malloc(size ? size : 1);   /* exact size: ASan catches an overread */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	for (size_t t = 0; t < sizeof(toks) / sizeof(toks[0]); t++) {
		for (unsigned int occ = 0; occ < 3; occ++) {
			int r = distcc_find(copy, size, toks[t], occ, &param, &body, &blen);

			if (r > 0 && body > size)
				abort();
			for (size_t cut = 0; cut < size; cut += 1 + cut / 32) {
				int rc = distcc_find(copy, cut, toks[t], occ, &p2, &b2, &l2);

				if (rc != 0 && (rc != r || (rc > 0 && (p2 != param || b2 != body || l2 != blen))))
					abort();
			}
		}
	}
	free(copy);
	return 0;
}
