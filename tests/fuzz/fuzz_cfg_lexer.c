/*
 * libFuzzer target for the configuration lexer (cfg_lex_line()).
 *
 * Invariants checked beyond "no crash, no read past len": on success the
 * word count is within maxwords, every word pointer lies inside the output
 * buffer and is NUL-terminated there, the list ends with NULL, and columns
 * are within the line; on failure a message is set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/cfg.h>

#define MAXW 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[4096];
	char *words[MAXW + 1];
	int cols[MAXW];
	struct cfg_lex_out out = {
		.buf = buf, .bufsz = sizeof(buf), .words = words, .cols = cols, .maxwords = MAXW,
	};
	struct cfg_lex_env env = { .file = "fuzz.cfg", .line = 1, .section = "global" };
	char *line = malloc(size ? size : 1);   /* exact size: ASan sees overreads */
	int n;

	if (!line)
		return 0;
	memcpy(line, data, size);
	n = cfg_lex_line(line, size, &env, &out);
	if (n >= 0) {
		if (n > MAXW || words[n] != NULL)
			abort();
		for (int i = 0; i < n; i++) {
			if (words[i] < buf || words[i] >= buf + sizeof(buf))
				abort();
			if (!memchr(words[i], '\0', (size_t)(buf + sizeof(buf) - words[i])))
				abort();
			if (cols[i] < 1 || (size_t)cols[i] > size + 1)
				abort();
		}
	} else if (!out.err[0]) {
		abort();
	}
	free(line);
	return 0;
}
