/*
 * Base64 (RFC 4648 section 4: the standard alphabet, '=' padding), for the
 * `base64`/`b64dec` converters and HTTP Basic authentication; base64url
 * without padding for JSON Web Tokens. Pure
 * functions: no allocation, any thread.
 */
#ifndef TOLLGATE_BASE64_H
#define TOLLGATE_BASE64_H

#include <stddef.h>
#include <sys/types.h>

/* Room base64_encode() needs for <len> input bytes. */
#define BASE64_ENC_LEN(len) (((len) + 2) / 3 * 4)

/* Encodes <len> bytes at <in> into <out> (BASE64_ENC_LEN(len) bytes, no
 * NUL added). Returns the length written.
 */
size_t base64_encode(const void *in, size_t len, char *out);

/* Decodes the <len> characters at <in> into <out> of <room> bytes. The
 * input must be padded to a multiple of 4 with no other character than
 * the alphabet and final '='s. Returns the decoded length, or -1 if the
 * input is not valid base64 or does not fit.
 */
ssize_t base64_decode(const char *in, size_t len, void *out, size_t room);

/* Decodes the base64url text (RFC 4648 section 5) without padding, as
 * JWTs carry it: a length of 1 modulo 4, '=' or any character outside the
 * URL alphabet is invalid. Returns the decoded length, or -1 if invalid or
 * longer than <room>.
 */
ssize_t base64url_decode(const char *in, size_t len, void *out, size_t room);

#endif /* TOLLGATE_BASE64_H */
