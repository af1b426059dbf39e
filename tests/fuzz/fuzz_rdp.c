/*
 * libFuzzer target for RDP cookies (net/rdp.c: req.rdp_cookie, balance
 * and persist rdp-cookie). Input: a cookie name up to the first newline
 * (empty: any), then a client's first bytes. Invariants: no crash or
 * overread; a value lies inside the input; an answer on a prefix is
 * final (more bytes never change a found value or a refusal).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/rdp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 32 ? size : 32);
	size_t nlen = nl ? (size_t)(nl - data) : 0, len;
	const char *v, *v2;
	size_t vlen, vlen2;
	char *copy;
	int r;

	if (size > 4096)
		return 0;
	len = nl ? size - nlen - 1 : size;
	copy = malloc(len ? len : 1);   /* exact size: ASan catches an overread */
	if (!copy)
		return 0;
	memcpy(copy, nl ? nl + 1 : data, len);
	r = rdp_cookie(copy, len, (const char *)data, nlen, &v, &vlen);
	if (r > 0 && (v < copy || v + vlen > copy + len))
		abort();
	for (size_t cut = 0; cut < len; cut += 1 + cut / 32) {
		int rc = rdp_cookie(copy, cut, (const char *)data, nlen, &v2, &vlen2);

		if (rc != 0 && rc != r)
			abort();
		if (rc > 0 && (v2 != v || vlen2 != vlen))
			abort();
	}
	free(copy);
	return 0;
}
