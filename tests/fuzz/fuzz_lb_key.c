/*
 * libFuzzer target for the load-balancing key scanners of request bytes
 * (lb_key_narrow() on a target, lb_key_post() on a POST body). Invariants:
 * no crash or overread; a key found lies within the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/lb.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_state st;
	char *in;

	if (!size || size > 4096)
		return 0;
	/* the first byte picks the options, the rest is the input */
	in = malloc(size - 1 ? size - 1 : 1);
	if (!in)
		return 0;
	memcpy(in, data + 1, size - 1);
	for (int f = 0; f < 2; f++) {
		const char *p = in;
		size_t len = size - 1;

		memset(&st, 0, sizeof(st));
		st.key_param = (data[0] & 1) ? "id" : "x";
		st.key_len = (data[0] >> 1) & 7;
		st.key_depth = (data[0] >> 4) & 3;
		st.key_domain = (data[0] >> 6) & 1;
		if ((f ? lb_key_post(&st, &p, &len) : lb_key_narrow(&st, &p, &len)) &&
		    (p < in || p + len > in + size - 1))
			abort();
	}
	free(in);
	return 0;
}
