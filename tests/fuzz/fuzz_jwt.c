/*
 * libFuzzer target for JSON Web Tokens (net/jwt.c, the jwt_* converters).
 * Input: a token. Invariants: no crash or overread; the parts lie inside
 * the token; base64url decodes into at most 3/4 of its text, fails on
 * a length of 1 modulo 4; the decoded header and payload are queried as
 * jwt_header_query('$.alg') and jwt_payload_query('$.sub') do.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/base64.h>
#include <tollgate/json.h>
#include <tollgate/jwt.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void part(const struct jwt_part *p, const char *path)
{
	char out[8192];
	const char *tok;
	size_t toklen;
	ssize_t n = base64url_decode(p->ptr, p->len, out, sizeof(out));

	if (n > (ssize_t)(p->len * 3 / 4) || (n >= 0 && p->len % 4 == 1))
		abort();
	if (n >= 0 && json_find(out, (size_t)n, path, &tok, &toklen) != JSON_NONE &&
	    (tok < out || tok + toklen > out + n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_part p[JWT_PARTS];
	char *tok;
	int n;

	if (size > 8192)
		return 0;
	tok = malloc(size ? size : 1);   /* exact size: ASan catches an overread */
	if (!tok)
		return 0;
	memcpy(tok, data, size);
	n = jwt_split(tok, size, p, JWT_PARTS);
	for (int i = 0; i < (n < 0 ? JWT_PARTS : n); i++) {
		if (p[i].ptr < tok || p[i].ptr + p[i].len > tok + size)
			abort();
		if (i < 2)
			part(&p[i], i ? "$.sub" : "$.alg");
		(void)jwt_parse_alg(p[i].ptr, p[i].len);
	}
	free(tok);
	return 0;
}
