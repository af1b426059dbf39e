/*
 * libFuzzer target for the URI normalisers (uri_norm.h). Input: byte 0
 * selects the normaliser (low 3 bits) and its flags (bits 3-4), the rest is
 * the path and query.
 *
 * Invariants (abort on violation): no crash or overread (the input is a
 * heap copy of exactly its bytes); the result fits <room>; a normaliser
 * that fails does so with -EINVAL (strict only) or -ENOSPC; applying
 * path-merge-slashes, path-strip-dot, path-strip-dotdot full,
 * query-sort-by-name or fragment-strip twice changes nothing more
 * (idempotence); fragment-encode leaves no '#' in a target starting with
 * '/' (others are left alone).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/uri_norm.h>

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[16384], again[16384];
	enum uri_norm_op op;
	unsigned int flags;
	char *in;
	size_t len;
	long n, m;

	if (size < 1 || size > 4096)
		return 0;
	op = (enum uri_norm_op)(data[0] & 7);
	flags = (data[0] >> 3) & 3;
	len = size - 1;
	in = malloc(len ? len : 1);
	if (!in)
		return 0;
	memcpy(in, data + 1, len);
	n = uri_normalize(op, flags, in, len, out, sizeof(out));
	CHECK(n == -ENOSPC || (n == -EINVAL && (flags & URI_NORM_F_STRICT)) || (n >= 0 && (size_t)n <= sizeof(out)));
	if (n >= 0) {
		if (op == URI_NORM_FRAG_ENCODE && len && in[0] == '/')
			CHECK(!memchr(out, '#', (size_t)n));
		if (op == URI_NORM_MERGE_SLASHES || op == URI_NORM_STRIP_DOT || op == URI_NORM_SORT_QUERY ||
		    op == URI_NORM_FRAG_STRIP || (op == URI_NORM_STRIP_DOTDOT && (flags & URI_NORM_F_FULL))) {
			m = uri_normalize(op, flags, out, (size_t)n, again, sizeof(again));
			CHECK(m == n && !memcmp(out, again, (size_t)n));
		}
	}
	free(in);
	return 0;
}
