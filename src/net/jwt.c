/*
 * JSON Web Token parsing (see include/tollgate/jwt.h): splitting and the
 * algorithm names (base64url: core/base64.c). Untrusted bytes: every read
 * is bounded by the given length (tests/fuzz/fuzz_jwt.c).
 */
#include <string.h>

#include <tollgate/jwt.h>

static const struct {
	const char *name;
	enum jwt_alg alg;
} jwt_algs[] = {
	{ "none", JWT_ALG_NONE },
	{ "HS256", JWT_ALG_HS256 }, { "HS384", JWT_ALG_HS384 }, { "HS512", JWT_ALG_HS512 },
	{ "RS256", JWT_ALG_RS256 }, { "RS384", JWT_ALG_RS384 }, { "RS512", JWT_ALG_RS512 },
	{ "ES256", JWT_ALG_ES256 }, { "ES384", JWT_ALG_ES384 }, { "ES512", JWT_ALG_ES512 },
	{ "PS256", JWT_ALG_PS256 }, { "PS384", JWT_ALG_PS384 }, { "PS512", JWT_ALG_PS512 },
};

enum jwt_alg jwt_parse_alg(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(jwt_algs) / sizeof(jwt_algs[0]); i++)
		if (strlen(jwt_algs[i].name) == len && !memcmp(jwt_algs[i].name, name, len))
			return jwt_algs[i].alg;
	return JWT_ALG_UNKNOWN;
}

int jwt_split(const char *s, size_t len, struct jwt_part *parts, int max)
{
	int n = 0;

	parts[0].ptr = s;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '.')
			continue;
		parts[n].len = (size_t)(s + i - parts[n].ptr);
		if (++n == max)
			return -1;
		parts[n].ptr = s + i + 1;
	}
	parts[n].len = (size_t)(s + len - parts[n].ptr);
	return n + 1;
}
