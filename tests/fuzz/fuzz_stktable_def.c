/*
 * libFuzzer target for the stick-table line parser
 * (stktable_parse_line()). Invariants: no crash or overread; an accepted
 * definition formats to a line that parses back to the same definition.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/stktable.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stktable_def a, b;
	char err[256], line[4096];
	char *s;

	if (size > 1024)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (stktable_parse_line(&a, s, err, sizeof(err)) == 0) {
		if ((size_t)stktable_def_format(&a, line, sizeof(line)) >= sizeof(line))
			abort();
		if (stktable_parse_line(&b, line, err, sizeof(err)) != 0 || memcmp(&a, &b, sizeof(a)))
			abort();
	}
	free(s);
	return 0;
}
