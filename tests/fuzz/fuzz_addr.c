/*
 * libFuzzer target for the address parser (addr_parse()), host names not
 * resolved. Invariants: no crash or overread; an accepted address formats
 * to text that parses back to an equal address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/addr.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ADDR_ERRLEN], text[ADDR_STRLEN];
	struct addr a, b;
	char *s;

	if (size > 512)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (unsigned int flags = 0; flags < 2; flags++) {
		unsigned int f = ADDR_P_NO_RESOLVE | (flags ? ADDR_P_PORT_OPTIONAL : 0);

		if (addr_parse(s, f, &a, err, sizeof(err)) < 0)
			continue;
		if ((size_t)addr_format(&a, text, sizeof(text)) >= sizeof(text))
			abort();
		if (a.kind == ADDR_INET && !(a.flags & ADDR_F_NO_PORT)) {
			if (addr_parse(text, ADDR_P_NO_RESOLVE, &b, err, sizeof(err)) < 0 || addr_cmp(&a, &b))
				abort();
		}
	}
	free(s);
	return 0;
}
