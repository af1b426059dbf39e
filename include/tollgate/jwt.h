/*
 * JSON Web Tokens (JWS, Compact Serialization) for the jwt_header_query,
 * jwt_payload_query and jwt_verify converters, as HAProxy reads them:
 * dot-separated parts (base64url without padding: base64url_decode()),
 * algorithm names of RFC 7518 section 3.1. Pure functions over (buffer, length): no
 * allocation, never read past <len>, any thread. The signature checks
 * themselves (OpenSSL) are in proxy/conv_jwt.c.
 */
#ifndef TOLLGATE_JWT_H
#define TOLLGATE_JWT_H

#include <stddef.h>

#define JWT_PARTS 3   /* header, payload, signature */

struct jwt_part {
	const char *ptr;
	size_t len;
};

enum jwt_alg {
	JWT_ALG_UNKNOWN = 0,
	JWT_ALG_NONE,
	JWT_ALG_HS256, JWT_ALG_HS384, JWT_ALG_HS512,
	JWT_ALG_RS256, JWT_ALG_RS384, JWT_ALG_RS512,
	JWT_ALG_ES256, JWT_ALG_ES384, JWT_ALG_ES512,
	JWT_ALG_PS256, JWT_ALG_PS384, JWT_ALG_PS512,
};

/* jwt_verify's results, HAProxy's values. */
enum jwt_vrfy {
	JWT_VRFY_KO = 0,
	JWT_VRFY_OK = 1,
	JWT_VRFY_UNKNOWN_ALG = -1,
	JWT_VRFY_UNMANAGED_ALG = -2,
	JWT_VRFY_INVALID_TOKEN = -3,
	JWT_VRFY_OUT_OF_MEMORY = -4,
	JWT_VRFY_UNKNOWN_KEY = -5,
};

/* The algorithm named by the <len> bytes at <name> (exact, case-sensitive). */
enum jwt_alg jwt_parse_alg(const char *name, size_t len);

/* Splits the token of <len> bytes at <s> at its dots into at most <max>
 * parts (<= JWT_PARTS) of <parts>. Returns the number of parts found, or
 * -1 if more than <max> parts are there.
 */
int jwt_split(const char *s, size_t len, struct jwt_part *parts, int max);

#endif /* TOLLGATE_JWT_H */
