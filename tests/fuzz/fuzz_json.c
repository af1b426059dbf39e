/*
 * libFuzzer target for JSON queries (net/json.c, the json_query
 * converter). Input: a path up to the first newline, then the document.
 * Invariants: no crash, overread or deep recursion; a value found lies
 * inside the document; a string decodes into at most its own length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void query(const char *doc, size_t len, const char *path)
{
	const char *tok = NULL;
	size_t toklen = 0;
	enum json_tok t = json_find(doc, len, path, &tok, &toklen);
	char out[4096];
	int64_t v;

	if (t == JSON_NONE)
		return;
	if (tok < doc || tok + toklen > doc + len)
		abort();
	if (t == JSON_STRING && json_unquote(tok, toklen, out, sizeof(out)) > (long)toklen)
		abort();
	if (t == JSON_NUMBER) {
		(void)json_number(tok, toklen);
		(void)json_int(tok, (size_t)(doc + len - tok), &v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t plen = nl ? (size_t)(nl - data) : 0, dlen;
	char *path, *doc;

	if (size > 8192)
		return 0;
	path = malloc(plen + 1);
	dlen = nl ? size - plen - 1 : size;
	doc = malloc(dlen ? dlen : 1);   /* exact size: ASan catches an overread */
	if (!path || !doc) {
		free(path);
		free(doc);
		return 0;
	}
	memcpy(path, data, plen);
	path[plen] = 0;
	memcpy(doc, nl ? nl + 1 : data, dlen);
	query(doc, dlen, plen ? path : "$");
	query(doc, dlen, "$.a[1].b");
	free(path);
	free(doc);
	return 0;
}
