/*
 * libFuzzer target for the agent check reply parser (check_agent.h):
 * agent_parse(), then agent_weight() and agent_maxconn() on its words.
 *
 * Input: the agent's reply as is.
 *
 * Invariants checked (abort on violation):
 *  - no crash, no read past the length (each parse gets a heap copy of
 *    exactly the bytes it may read, so ASan sees any overread);
 *  - the result is a line length within the input, MORE or INCOMPLETE,
 *    never MORE when no more bytes can come;
 *  - every word returned lies inside the line;
 *  - over the prefixes of the input, MORE until the line is complete,
 *    then the same line length (pure and resumable);
 *  - weights are at most 256.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/check_agent.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static void check_word(const struct agent_word *w, int line)
{
	if (w->set)
		CHECK(w->off + w->len < (size_t)line);
}

static int run(const uint8_t *data, size_t len, int last)
{
	char *in = malloc(len ? len : 1);
	struct agent_reply r;
	int ret;

	if (!in)
		abort();
	memcpy(in, data, len);
	ret = agent_parse(in, len, last, &r);
	CHECK(ret == AGENT_MORE || ret == AGENT_INCOMPLETE || (ret > 0 && (size_t)ret <= len));
	if (last)
		CHECK(ret != AGENT_MORE);
	if (ret > 0) {
		const char *why;
		unsigned int v;

		check_word(&r.health_word, ret);
		check_word(&r.weight, ret);
		check_word(&r.maxconn, ret);
		check_word(&r.error, ret);
		check_word(&r.desc, ret);
		if (r.weight.set && agent_weight(in + r.weight.off, r.weight.len, 256, &v, &why) == 0)
			CHECK(v <= 256);
		if (r.maxconn.set)
			(void)agent_maxconn(in + r.maxconn.off, r.maxconn.len, &v, &why);
	}
	free(in);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int whole = run(data, size, 0);
	size_t step = size <= 256 ? 1 : size / 64;

	run(data, size, 1);
	for (size_t k = 0; k < size; k += step) {
		int r = run(data, k, 0);

		if (whole > 0 && k >= (size_t)whole)
			CHECK(r == whole);
		else if (whole > 0)
			CHECK(r == AGENT_MORE);
	}
	return 0;
}
